//! Which way is better for each figure of a comparison, and whether a difference is a change for
//! the better, for the worse, or neither.
//!
//! Lower is better for latency (p50, p99, p99.9), the error rate and the monthly cost; higher
//! is better for goodput. The other figures — the offered load (an input, not an outcome),
//! utilisation, ingress instances and pods ready — have no better direction on their own: more
//! pods cost more, but that shows in the cost row. A difference is *better* or *worse* only when
//! it is significant (its 95% interval excludes 0); a difference that is not significant, or of
//! a figure without a direction, is *neutral*.

use serde::Serialize;

/// The direction in which a figure improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Smaller values are better (latency, errors, cost).
    Lower,
    /// Larger values are better (goodput).
    Higher,
}

impl Better {
    /// The direction of the figure with metric key `key` (see [`super::metrics`]); `None` when
    /// the figure has none.
    pub fn of(key: &str) -> Option<Better> {
        match key {
            "latency_p50" | "latency_p99" | "latency_p999" | "error_rate" | "monthly_cost" => {
                Some(Better::Lower)
            }
            "goodput" => Some(Better::Higher),
            _ => None,
        }
    }
}

/// What a difference means for the design: better, worse or neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Significant, and in the better direction.
    Better,
    /// Significant, and in the worse direction.
    Worse,
    /// Not significant, or a figure without a better direction.
    #[default]
    Neutral,
}

impl Change {
    /// The change of a difference of mean `delta` (this column minus the reference) in a figure
    /// whose better direction is `better`, `significant` or not.
    pub fn of(better: Option<Better>, delta: f64, significant: bool) -> Change {
        match (better, significant) {
            (Some(b), true) if delta != 0.0 => {
                if (delta < 0.0) == (b == Better::Lower) {
                    Change::Better
                } else {
                    Change::Worse
                }
            }
            _ => Change::Neutral,
        }
    }

    /// The word printed: `better`, `worse` or `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Better => "better",
            Change::Worse => "worse",
            Change::Neutral => "neutral",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_latency_and_higher_goodput_are_better_only_when_significant() {
        let p99 = Better::of("latency_p99");
        assert_eq!(Change::of(p99, -2.0, true), Change::Better);
        assert_eq!(Change::of(p99, 2.0, true), Change::Worse);
        assert_eq!(Change::of(p99, -2.0, false), Change::Neutral);
        let goodput = Better::of("goodput");
        assert_eq!(Change::of(goodput, 5.0, true), Change::Better);
        assert_eq!(Change::of(goodput, -5.0, true), Change::Worse);
        assert_eq!(
            Change::of(Better::of("monthly_cost"), 100.0, true),
            Change::Worse
        );
        assert_eq!(
            Change::of(Better::of("utilisation.web"), -0.1, true),
            Change::Neutral
        );
        assert_eq!(
            Change::of(Better::of("offered"), 3.0, true),
            Change::Neutral
        );
    }
}
