//! The estimates of a scenario's replications averaged: what `summary.json`'s `cost` holds.

use serde::Serialize;

use super::{CostEstimate, estimate};
use crate::model::RunResult;
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// What the notes on prices say about the defaults.
pub const PRICE_BASIS: &str = "Azure pay-as-you-go list prices, East US, USD, as seen on \
    2026-11-26: list prices to be checked against the pricing pages for your region and \
    agreement";

/// The monthly cost estimate of a scenario, over its replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostSummary {
    /// Currency of every amount.
    pub currency: &'static str,
    /// Hours in the month priced.
    pub hours_per_month: f64,
    /// Where the unit prices come from.
    pub price_basis: String,
    /// `[costs]` fields the scenario set (the rest are the defaults).
    pub overridden: Vec<String>,
    /// Line items, in order.
    pub lines: Vec<CostLineSummary>,
    /// USD per month, all lines: mean over replications with its 95% interval.
    pub total: Estimate,
}

/// One line item over the replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostLineSummary {
    /// What is billed.
    pub name: String,
    /// Billed quantity for the month (mean over replications), in `unit`.
    pub quantity: f64,
    /// The billing unit.
    pub unit: String,
    /// USD per unit.
    pub unit_price: f64,
    /// USD per month: mean over replications with its 95% interval.
    pub monthly_usd: Estimate,
}

impl CostSummary {
    /// The estimate of each of `runs` (replications of `s`), averaged.
    pub fn from_runs(s: &Scenario, runs: &[RunResult]) -> CostSummary {
        let each: Vec<CostEstimate> = runs.iter().map(|r| estimate(s, r)).collect();
        Self::from_estimates(s, &each)
    }

    /// The per-replication `estimates` of `s`, averaged (lines matched by position: a design
    /// gives the same lines in every replication).
    pub fn from_estimates(s: &Scenario, estimates: &[CostEstimate]) -> CostSummary {
        let lines = estimates.first().map_or_else(Vec::new, |first| {
            first
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let quantities: Vec<f64> =
                        estimates.iter().map(|e| e.lines[i].quantity).collect();
                    let usd: Vec<f64> = estimates.iter().map(|e| e.lines[i].monthly_usd).collect();
                    CostLineSummary {
                        name: l.name.clone(),
                        quantity: Estimate::from_samples(&quantities).mean,
                        unit: l.unit.to_string(),
                        unit_price: l.unit_price,
                        monthly_usd: Estimate::from_samples(&usd),
                    }
                })
                .collect()
        });
        let totals: Vec<f64> = estimates.iter().map(CostEstimate::total).collect();
        CostSummary {
            currency: "USD",
            hours_per_month: s.costs.hours_per_month,
            price_basis: PRICE_BASIS.to_string(),
            overridden: s.costs.overridden.clone(),
            lines,
            total: Estimate::from_samples(&totals),
        }
    }
}
