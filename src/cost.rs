//! The monthly cost estimate: what a design would cost in a month if the simulated load went
//! on all month, priced with the scenario's `[costs]` (Azure list prices by default).
//!
//! This module owns the arithmetic from "what a replication held and carried"
//! ([`crate::model::Usage`], the request and tier counts of a [`RunResult`]) to line items in
//! USD. Each line item is a billed quantity for the month (gateway-hours, capacity-unit-hours,
//! vCPU-hours, IP-hours, GB), its unit price, and their product; the total is their sum.
//!
//! - Counts of traffic are turned into monthly quantities by their rate over the measured
//!   span (after the warm-up): `per month = count / measured seconds × 3,600 × hours_per_month`.
//! - What the design holds (instances, pods) is its time average over the measured span, so
//!   autoscaling and faults are paid for as long as they last.
//! - Data processed is `calls × KiB per call / 1,048,576` GB (see
//!   [`KIB_PER_GB`](crate::scenario::defaults::KIB_PER_GB)).
//!
//! One estimate per replication ([`estimate`]); the runner averages them into a
//! [`CostSummary`] with a confidence interval on the total, and `compare` pairs the totals
//! replication by replication like any other figure. Which lines appear is set by the design
//! (`parts` has one function per billed component).

mod parts;
mod summary;

pub use summary::{CostLineSummary, CostSummary};

use serde::Serialize;

use crate::model::RunResult;
use crate::scenario::Scenario;

/// One billed component for a month.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostLine {
    /// What is billed, e.g. "App Gateway capacity units".
    pub name: String,
    /// Billed quantity for the month, in `unit`.
    pub quantity: f64,
    /// The billing unit, e.g. "CU-hour", "vCPU-hour", "GB".
    pub unit: &'static str,
    /// USD per `unit`.
    pub unit_price: f64,
    /// `quantity × unit_price`, USD per month.
    pub monthly_usd: f64,
}

impl CostLine {
    /// A line of `quantity` `unit`s at `unit_price`.
    pub fn new(name: &str, quantity: f64, unit: &'static str, unit_price: f64) -> CostLine {
        CostLine {
            name: name.to_string(),
            quantity,
            unit,
            unit_price,
            monthly_usd: quantity * unit_price,
        }
    }
}

/// The estimate of one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct CostEstimate {
    /// Line items, in a fixed order for a given design.
    pub lines: Vec<CostLine>,
}

impl CostEstimate {
    /// USD per month, all lines.
    pub fn total(&self) -> f64 {
        self.lines.iter().map(|l| l.monthly_usd).sum()
    }

    /// The line named `name`, if the design has it.
    pub fn line(&self, name: &str) -> Option<&CostLine> {
        self.lines.iter().find(|l| l.name == name)
    }
}

/// The monthly estimate of replication `run` of `s`.
pub fn estimate(s: &Scenario, run: &RunResult) -> CostEstimate {
    let rates = parts::Rates::of(s, run);
    let mut lines = Vec::new();
    parts::ingress(s, &rates, &mut lines);
    parts::mesh(s, &rates, &mut lines);
    parts::load_balancer(s, &rates, &mut lines);
    parts::egress(s, &rates, &mut lines);
    CostEstimate { lines }
}

#[cfg(test)]
mod tests;
