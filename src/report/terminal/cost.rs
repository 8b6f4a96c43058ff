//! The monthly cost block of the terminal report:
//!
//! ```text
//! monthly cost if this load ran all month: 412 ±1 USD (list prices, East US; check them)
//!   App Gateway Standard_v2 (fixed)       730 gateway-hour × 0.246 =   180
//!   App Gateway capacity units          29200 CU-hour × 0.008        =   234
//! ```

use std::fmt::Write;

use super::{est, num};
use crate::cost::CostSummary;

/// Width of the line-name column.
const NAME: usize = 34;

/// The cost block: a total line and one line per item; one line when nothing is billed.
pub(super) fn block(out: &mut String, c: &CostSummary) {
    let prices = if c.overridden.is_empty() {
        "list prices, East US; check them"
    } else {
        "some prices from [costs]"
    };
    if c.lines.is_empty() {
        let _ = writeln!(
            out,
            "monthly cost: nothing billed is modelled (no ingress and no egress device)"
        );
        return;
    }
    let _ = writeln!(
        out,
        "monthly cost if this load ran all month: {} {} ({prices})",
        est(&c.total, 1.0),
        c.currency
    );
    for l in &c.lines {
        let usage = format!("{} {} × {}", whole(l.quantity), l.unit, l.unit_price);
        let _ = writeln!(
            out,
            "  {:<NAME$}{:>34} = {:>10}",
            l.name,
            usage,
            num(l.monthly_usd.mean.round())
        );
    }
}

/// A quantity: whole above 10, else about three digits.
fn whole(v: f64) -> String {
    if v >= 10.0 {
        format!("{:.0}", v.round())
    } else {
        num(v)
    }
}
