//! `timeseries.csv`: one row per window of simulated time, replications averaged.
//!
//! Columns, in order (rates are per second per replication; the warm-up windows are included,
//! see `warmup_secs` in `summary.json`):
//!
//! | column | meaning |
//! |---|---|
//! | `window_start_s` | start of the window, seconds since the start of the run |
//! | `offered_per_s`, `completed_per_s` | requests offered / completed successfully |
//! | `errors_<cause>_per_s` | failed requests, one column per cause (`timeout`, `rejected`, …) |
//! | `p50_ms`, `p99_ms` | end-to-end latency of the window's completions, all replications pooled (empty when none completed) |
//! | `ready_pods_<zone>` | ready pods in the zone at the window's end |
//! | `utilisation_<zone>` | busy share of the zone's worker slots at the window's end |
//! | `snat_ports` | SNAT ports in use, peak within the window |
//! | `client_retries_per_s` | retries sent by clients |
//! | `snat_limit` | SNAT port limit at the window's end (moves with firewall instances) |
//! | `firewall_instances` | Azure Firewall instances taking traffic at the window's end |
//! | `ingress_replicas` | ingress instances up (serving) at the window's end; 0 without an ingress tier |
//! | `unfinished_per_s` | requests that arrived in the window and were still unfinished when the run ended |
//! | `p90_ms`, `p999_ms` | like `p50_ms`: the 90th and 99.9th percentiles (after the columns above, so their positions do not move) |
//! | `tier_<tier>_completed_per_s` | per tier (the ingress, each service, the egress; in the table's order): its attempts that finished their own work in the window |
//! | `tier_<tier>_p50_ms`, `_p90_ms`, `_p99_ms`, `_p999_ms` | their time in the tier (queue + own work; the egress: the call's round trip), all replications pooled (empty when none finished) |
//!
//! A cell is empty when the model did not measure it (no SNAT without a NAT Gateway, firewall
//! or Load Balancer outbound; no firewall instances without a firewall).

use std::fmt::Write;

use crate::model::ErrorCause;
use crate::model::result::gauge;
use crate::runner::Summary;
use crate::stats::{Gauge, TimeSeries, Window};

/// The per-tier quantiles, in the order of their columns.
const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// The time series of `summary` as CSV text with a header row.
pub fn timeseries(summary: &Summary) -> String {
    let series = &summary.series;
    let runs = series.replications();
    let zones = summary.zones.len().min(gauge::MAX_ZONES);
    let mut out = header(&summary.zones[..zones], &summary.tier_series);
    for (i, w) in series.windows().iter().enumerate() {
        let g = |slot: usize| series.gauge(i, slot);
        let mut row = vec![
            format!("{:.3}", w.start.as_secs_f64()),
            rate(w, w.offered, runs),
            rate(w, w.completed, runs),
        ];
        row.extend(
            ErrorCause::ALL
                .iter()
                .map(|&c| rate(w, w.errors[c as usize], runs)),
        );
        let done = w.completed > 0;
        row.push(cell(done.then(|| w.p50().as_millis_f64()), 3));
        row.push(cell(done.then(|| w.p99().as_millis_f64()), 3));
        row.extend((0..zones).map(|z| cell(g(gauge::READY_PODS + z).mean_last(), 2)));
        row.extend((0..zones).map(|z| cell(g(gauge::UTILISATION + z).mean_last(), 4)));
        row.push(cell(g(gauge::SNAT_PORTS).mean_max(), 1));
        row.push(per_window_rate(w, g(gauge::CLIENT_RETRIES)));
        row.push(cell(g(gauge::SNAT_LIMIT).mean_last(), 1));
        row.push(cell(g(gauge::FIREWALL_INSTANCES).mean_last(), 2));
        row.push(cell(g(gauge::INGRESS_INSTANCES).mean_last(), 2));
        row.push(rate(w, w.unfinished, runs));
        row.push(cell(
            done.then(|| w.latency_quantile(0.9).as_millis_f64()),
            3,
        ));
        row.push(cell(
            done.then(|| w.latency_quantile(0.999).as_millis_f64()),
            3,
        ));
        for (_, ts) in &summary.tier_series {
            match ts.windows().get(i) {
                Some(t) => {
                    row.push(rate(t, t.completed, ts.replications()));
                    let done = t.completed > 0;
                    row.extend(
                        QUANTILES
                            .map(|q| cell(done.then(|| t.latency_quantile(q).as_millis_f64()), 3)),
                    );
                }
                None => row.extend(std::iter::repeat_n(String::new(), 1 + QUANTILES.len())),
            }
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The header row for `zones`.
fn header(zones: &[String], tiers: &[(String, TimeSeries)]) -> String {
    let mut cols: Vec<String> = ["window_start_s", "offered_per_s", "completed_per_s"]
        .map(String::from)
        .to_vec();
    cols.extend(
        ErrorCause::ALL
            .iter()
            .map(|c| format!("errors_{}_per_s", column_safe(c.name()))),
    );
    cols.push("p50_ms".into());
    cols.push("p99_ms".into());
    cols.extend(
        zones
            .iter()
            .map(|z| format!("ready_pods_{}", column_safe(z))),
    );
    cols.extend(
        zones
            .iter()
            .map(|z| format!("utilisation_{}", column_safe(z))),
    );
    cols.push("snat_ports".into());
    cols.push("client_retries_per_s".into());
    cols.push("snat_limit".into());
    cols.push("firewall_instances".into());
    cols.push("ingress_replicas".into());
    cols.push("unfinished_per_s".into());
    cols.push("p90_ms".into());
    cols.push("p999_ms".into());
    for (name, _) in tiers {
        let name = column_safe(name);
        cols.push(format!("tier_{name}_completed_per_s"));
        cols.extend(["p50", "p90", "p99", "p999"].map(|q| format!("tier_{name}_{q}_ms")));
    }
    let mut line = cols.join(",");
    line.push('\n');
    line
}

/// A name reduced to letters, digits and `_`, so it needs no quoting in a CSV header.
fn column_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `count` in window `w` per second per replication, three decimals.
fn rate(w: &Window, count: u64, runs: u64) -> String {
    format!("{:.3}", w.rate_per_sec(count, runs))
}

/// A gauge holding a count per window (mean over replications), per second of the window.
fn per_window_rate(w: &Window, g: Gauge) -> String {
    let secs = w.width().as_secs_f64();
    cell(g.mean_last().filter(|_| secs > 0.0).map(|v| v / secs), 3)
}

/// A value with `decimals` decimals, or an empty cell.
fn cell(value: Option<f64>, decimals: usize) -> String {
    let mut s = String::new();
    if let Some(v) = value {
        let _ = write!(s, "{v:.decimals$}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::fake;

    #[test]
    fn one_row_per_window_with_every_column() {
        let (scenario, runs) = fake::runs(2);
        let text = timeseries(&Summary::from_runs(&scenario, &runs));
        let lines: Vec<&str> = text.lines().collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header[0], "window_start_s");
        assert!(header.contains(&"errors_dead_backend_per_s"));
        assert!(header.contains(&"ready_pods_1") && header.contains(&"utilisation_1"));
        // The columns that were there keep their places; the new ones follow them.
        let unfinished = header
            .iter()
            .position(|h| *h == "unfinished_per_s")
            .unwrap();
        assert_eq!(
            header[unfinished + 1..],
            [
                "p90_ms",
                "p999_ms",
                "tier_server_completed_per_s",
                "tier_server_p50_ms",
                "tier_server_p90_ms",
                "tier_server_p99_ms",
                "tier_server_p999_ms"
            ]
        );
        // 20 minutes in 10 s windows.
        assert_eq!(lines.len(), 1 + 120);
        for line in &lines[1..] {
            assert_eq!(line.split(',').count(), header.len(), "{line}");
        }
        let row: Vec<&str> = lines[1].split(',').collect();
        let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(col("window_start_s"), "0.000");
        assert_eq!(col("offered_per_s"), "0.100"); // one request per run in 10 s
        assert_eq!(col("errors_timeout_per_s"), "0.100");
        assert_eq!(col("ready_pods_1"), "1.00");
        assert_eq!(col("snat_ports"), ""); // never measured
        assert_eq!(col("firewall_instances"), ""); // no firewall
        assert_eq!(col("client_retries_per_s"), "0.200"); // 2 retries in 10 s
        assert_eq!(col("ingress_replicas"), ""); // the fake runs record no instances
        assert!((col("p50_ms").parse::<f64>().unwrap() - 20.0).abs() < 1.0);
        assert_eq!(col("unfinished_per_s"), "0.000");
        // A window where nothing completed has no latency, not 0 ms.
        let row: Vec<&str> = lines[2].split(',').collect();
        let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!((col("p50_ms"), col("p99_ms")), ("", ""));
    }

    #[test]
    fn zone_names_become_safe_columns() {
        assert_eq!(column_safe("westeurope-1"), "westeurope_1");
        assert_eq!(column_safe("a,b\"c"), "a_b_c");
    }
}
