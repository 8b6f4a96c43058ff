//! The "Monthly cost" section of `report.html`: one row per line item and the total, with the
//! basis of the prices and the assumption that the simulated load runs all month.

use std::fmt::Write;

use super::escape;
use super::tables::{est, num};
use crate::runner::Summary;

/// The section; a sentence instead of a table when nothing billed is modelled.
pub fn section(s: &Summary) -> String {
    let c = &s.cost;
    let mut out = String::from("<h2 id=\"cost\">Monthly cost</h2>\n");
    if c.lines.is_empty() {
        out.push_str(
            "<p>Nothing billed is modelled: no ingress and no egress device (pods and nodes \
             are not priced).</p>\n",
        );
        return out;
    }
    out.push_str(
        "<table>\n<tr><th>item</th><th>quantity per month</th><th>unit</th>\
         <th>unit price (USD)</th><th>USD per month</th></tr>\n",
    );
    for l in &c.lines {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.name),
            num(l.quantity.round()),
            escape(&l.unit),
            l.unit_price,
            est(&l.monthly_usd, 1.0)
        );
    }
    let _ = writeln!(
        out,
        "<tr><th>total</th><td></td><td></td><td></td><th>{}</th></tr>\n</table>",
        est(&c.total, 1.0)
    );
    let overridden = if c.overridden.is_empty() {
        String::new()
    } else {
        format!(
            " Set in <code>[costs]</code>: {}.",
            escape(&c.overridden.join(", "))
        )
    };
    let _ = writeln!(
        out,
        "<p class=\"note\">If the simulated load ran all month ({} hours), from the \
         time-averaged instances and pods and the traffic carried. Prices: {}.{overridden} \
         Pods, nodes, disks and internet data transfer are not priced.</p>",
        num(c.hours_per_month),
        escape(&c.price_basis)
    );
    out
}
