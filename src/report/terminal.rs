//! The summary table printed after each scenario: fixed-width, one row per tier.
//!
//! ```text
//! mm1: 10 replications, seed 1, 19m measured each, 3.6M events
//! tier                    p50 ms        p90 ms        p99 ms      p99.9 ms     req/s  errors    util  peak q
//! end-to-end           13.9 ±0.1     46.1 ±0.4     92.9 ±2.1        140 ±7      50.0   0.00%       -       -
//! server               13.9 ±0.1     46.1 ±0.4     92.9 ±2.1        140 ±7      50.0   0.00%   49.9%      17
//! throughput 50.0 ±0.2 req/s offered, 50.0 ±0.2 req/s good; 1.00 ±0.00 attempts per request
//! errors: none
//! ```
//!
//! Latency columns are the mean across replications of each replication's quantile, ± the
//! half-width of its 95% interval (no ± with a single replication). One line per phase of the
//! run follows the table (see [`phases`]); [`markdown`] renders the same summary for a design
//! document. `req/s` is goodput for the
//! end-to-end row and completions for a tier. For a tier, `errors` is the share of attempts it
//! rejected or lost (the egress: SNAT exhausted, or sent to a dead NAT Gateway, with a line of
//! counts by cause below the table); for the end-to-end row, the share of requests that failed. Cross-zone hops (with
//! more than one zone), SNAT ports (with a NAT Gateway), the SLO verdict, the monthly cost
//! estimate (see [`crate::cost`]), a failover story per fault, the `--precision` outcome and
//! the results per request class, client route and call target (see `routing`)
//! follow when they apply. Numbers keep about three
//! significant digits. A figure with no data (a latency with no completion, an error rate when
//! nothing finished) reads `n/a`, never 0. Requests still in flight when the runs ended get
//! their own line (`unfinished at the end: …`), and an unstable tier (see
//! [`crate::model::result::is_unstable`]) a line that says so.
//!
//! A failover story (see [`crate::runner::failover`] for the definitions) reads:
//!
//! ```text
//! failover 1: zone-outage of zone 2 (black-hole), 360s to 840s
//!   detection: dead-backend sends from 360 ±0 s to 450 ±0 s: 90.0 ±0.0 s to detect; per replication 186124 ±7260 requests failed or unfinished meanwhile, 791058 ±1328 during the fault
//!   surviving zones 1, 3: peak utilisation 99.7 ±3.8%, SATURATED (a zone >= 95% busy, or rejecting, over 3 windows in 2 of 2 replications)
//!   recovery: recovered 10s after the fault ended (2 replications recovered: 10.0 ±0.0 s); normal = p99 <= 500 ms, errors <= 0.100%
//!   N+1: ingress 28.8 of 60 slots (48.0%), web 793 of 120 slots (661%), orders 11.5 of 16 slots (72%): not-enough; …
//! ```

mod cost;
mod findings;
mod ingress_balance;
pub mod markdown;
pub mod phases;
mod pod_balance;
mod routing;
mod upstream;

use std::fmt::Write;

use crate::engine::SimDuration;
use crate::runner::failover::{Recovery, RecoveryStatus, SATURATION_WINDOWS};
use crate::runner::{FailoverSummary, LatencySummary, Summary, TierSummary};
use crate::stats::Estimate;

/// Width of the tier-name column.
const NAME: usize = 16;
/// Width of each latency column, its separating space included.
const LAT: usize = 14;

/// "8 replications", or "1 replication (no confidence intervals)": the header's count.
pub(super) fn replications(n: u64) -> String {
    match n {
        1 => "1 replication (no confidence intervals)".to_string(),
        n => format!("{n} replications"),
    }
}

/// The table for `summary`, ending with a newline.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let measured = SimDuration::from_secs_f64(summary.duration_secs - summary.warmup_secs);
    let reps = replications(summary.replications);
    let _ = writeln!(
        out,
        "{}: {reps}, seed {}, {measured} measured each, {} events",
        summary.scenario,
        summary.seed,
        count(summary.events)
    );
    findings::lines(&mut out, summary);
    let header = [
        "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "req/s", "errors", "util", "peak q",
    ];
    line(&mut out, "tier", header.map(String::from));
    row(
        &mut out,
        "end-to-end",
        &summary.latency,
        &summary.goodput,
        &summary.errors.rate,
        None,
    );
    for t in &summary.tiers {
        tier_row(&mut out, t);
    }
    out.push_str(&phases::lines(&summary.phases));
    let _ = writeln!(
        out,
        "throughput {} req/s offered, {} req/s good; {} attempts per request, {} ingress tries per attempt",
        est(&summary.throughput, 1.0),
        est(&summary.goodput, 1.0),
        est(&summary.amplification, 1.0),
        est(&summary.ingress_amplification, 1.0)
    );
    let causes: Vec<String> = summary
        .errors
        .by_cause
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| format!("{} {}%", c.cause.name(), est(&c.rate, 100.0)))
        .collect();
    let causes = if summary.errors.rate.n == 0 {
        "n/a (no request finished)".to_string()
    } else if causes.is_empty() {
        "none".to_string()
    } else {
        causes.join(", ")
    };
    let _ = writeln!(out, "errors: {causes}");
    egress_line(&mut out, &summary.tiers);
    unfinished(&mut out, summary);
    for t in summary.tiers.iter().filter(|t| t.unstable) {
        let _ = writeln!(
            out,
            "UNSTABLE: {} is offered {} times the work its slots can do and its queue grew \
             through the run (in {} of {} replications): the queue has no bound, and its \
             latencies describe only the requests that got through before the end",
            t.name,
            est(&t.offered_load, 1.0),
            t.unstable_replications,
            summary.replications
        );
    }
    let mut extras = Vec::new();
    if summary.zones.len() > 1 {
        let share = est(&summary.cross_zone_share, 100.0);
        extras.push(format!("cross-zone hops {share}%"));
    }
    if let Some(peak) = summary.snat_peak {
        extras.push(format!(
            "SNAT ports in use: peak {peak} (busiest destination endpoint)"
        ));
    } else if !summary.tiers.iter().any(|t| t.kind.starts_with("egress:")) {
        // No outbound call: the figure has no data (not a peak of 0).
        extras.push("SNAT ports in use: n/a (no outbound calls)".into());
    }
    if summary.mesh_retries.mean > 0.0 {
        let rate = est(&summary.mesh_retries, 1.0);
        extras.push(format!("mesh east-west retries {rate}/s"));
    }
    if summary.call_retries.mean > 0.0 {
        let rate = est(&summary.call_retries, 1.0);
        extras.push(format!("call retries {rate}/s"));
    }
    if let Some(fw) = &summary.firewall {
        extras.push(format!(
            "firewall instances: mean {}, peak {}; queueing {} ms",
            est(&fw.mean_instances, 1.0),
            fw.peak_instances,
            est(&fw.queueing, 1e3)
        ));
    }
    if let Some(r) = &summary.ingress_replicas
        && r.min != r.max
    {
        extras.push(format!(
            "ingress replicas {}–{} (mean {})",
            r.min,
            r.max,
            est(&r.mean, 1.0)
        ));
    }
    if summary.pending_pods_peak > 0 {
        extras.push(format!("pending pods: peak {}", summary.pending_pods_peak));
    }
    if !extras.is_empty() {
        let _ = writeln!(out, "{}", extras.join("; "));
    }
    let denied: Vec<String> = summary
        .policy_denied
        .iter()
        .filter(|d| d.count > 0)
        .map(|d| {
            format!(
                "{} → {} {}/s ({})",
                d.caller,
                d.target,
                est(&d.per_second, 1.0),
                d.policy
            )
        })
        .collect();
    if !denied.is_empty() {
        let _ = writeln!(
            out,
            "calls denied by network policies: {}",
            denied.join(", ")
        );
    }
    routing::block(&mut out, &summary.routing);
    pod_balance::block(&mut out, &summary.pod_balance);
    ingress_balance::block(&mut out, summary.ingress_balance.as_ref());
    upstream::block(&mut out, &summary.upstream_connections);
    if let Some(slo) = &summary.slo {
        let misses = match slo.unfinished_misses {
            0 => String::new(),
            n => format!(
                "; {} unfinished requests older than the target counted as misses",
                count(n)
            ),
        };
        let _ = writeln!(
            out,
            "SLO {}: p99 {} ms vs {} ms ({}), errors {}% vs {}% ({}){misses}",
            slo.verdict.as_str(),
            est(&slo.p99, 1e3),
            num(slo.p99_target_secs * 1e3),
            slo.p99_verdict.as_str(),
            est(&slo.error_rate, 100.0),
            num(slo.error_rate_target * 100.0),
            slo.error_rate_verdict.as_str()
        );
    }
    cost::block(&mut out, &summary.cost);
    for f in &summary.failover {
        failover(&mut out, f, summary.replications);
    }
    if let Some(p) = &summary.precision {
        let achieved = p.achieved.map_or_else(
            || "no interval".to_string(),
            |a| format!("±{}%", num(a * 100.0)),
        );
        let _ = writeln!(
            out,
            "precision: p99 {achieved} after {} replications (target ±{}%, at most {}: {})",
            summary.replications,
            num(p.target * 100.0),
            p.max_replications,
            if p.met { "met" } else { "not met" }
        );
    }
    out
}

/// The line on requests still in flight at the end, when there were any.
fn unfinished(out: &mut String, summary: &Summary) {
    let u = &summary.unfinished;
    if u.count == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "unfinished at the end: {} requests ({}% of offered), mean age {} s, oldest {} s — \
         neither succeeded nor failed when the run stopped",
        count(u.count),
        est(&u.rate, 100.0),
        num(u.mean_age_secs.unwrap_or(0.0)),
        num(u.max_age_secs.unwrap_or(0.0)),
    );
}

/// The failover story of one fault: five lines.
fn failover(out: &mut String, f: &FailoverSummary, replications: u64) {
    let x = &f.fault;
    let what = match (&x.zone, &x.mode) {
        (Some(zone), Some(mode)) if x.kind == "node-failure" => {
            format!("a node in zone {zone} ({mode})")
        }
        (Some(zone), Some(mode)) => format!("zone {zone} ({mode})"),
        _ => x.target.clone(),
    };
    let until = x
        .end_secs
        .map_or_else(|| "the end".to_string(), |e| format!("{}s", num(e)));
    let _ = writeln!(
        out,
        "failover {}: {} of {what}, {}s to {until}",
        x.index + 1,
        x.kind,
        num(x.start_secs)
    );
    let failed = est(&f.failed_during_fault, 1.0);
    match &f.detection {
        Some(d) => {
            let _ = writeln!(
                out,
                "  detection: dead-backend sends from {} s to {} s: {} s to detect; per replication {} requests failed or unfinished meanwhile, {failed} during the fault",
                est(&d.first_dead_send_secs, 1.0),
                est(&d.last_dead_send_secs, 1.0),
                est(&d.time_to_detect_secs, 1.0),
                est(&d.failed_requests, 1.0),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  detection: no work sent to dead backends; per replication {failed} requests failed or unfinished during the fault"
            );
        }
    }
    let sv = &f.surviving;
    let _ = writeln!(
        out,
        "  {} {}: peak utilisation {}%, {} (a zone >= {}% busy, or rejecting, over {SATURATION_WINDOWS} windows in {} of {} replications)",
        match (x.kind == "zone-outage", sv.zones.len()) {
            (false, _) => "zones",
            (true, 1) => "surviving zone",
            (true, _) => "surviving zones",
        },
        sv.zones.join(", "),
        est(&sv.peak_utilisation, 100.0),
        if sv.saturated {
            "SATURATED"
        } else {
            "not saturated"
        },
        num(sv.saturation_threshold * 100.0),
        sv.saturated_replications,
        replications,
    );
    recovery(out, &f.recovery, f.fault.end_secs.is_some());
    let c = &f.capacity;
    let tiers: Vec<String> = c
        .tiers
        .iter()
        .map(|t| {
            let util = t.utilisation_during.map_or_else(
                || "no slots left".to_string(),
                |u| format!("{}%", num(u * 100.0)),
            );
            if let Some(cpu) = &t.cpu {
                // A CPU-bound service: its capacity is cores.
                let (need, left) = (num(cpu.required_cores), num(cpu.cores_during));
                return format!("{} {need} of {left} cores ({util})", t.tier);
            }
            format!(
                "{} {} of {} slots ({util})",
                t.tier,
                num(t.required_slots),
                t.slots_during
            )
        })
        .collect();
    let measured = c
        .measured_busy_slots_before
        .as_ref()
        .map_or_else(String::new, |m| {
            format!(
                "; before the fault {} busy pod slots measured, {} on paper",
                est(m, 1.0),
                num(c.expected_busy_slots_before)
            )
        });
    let _ = writeln!(
        out,
        "  N+1: {}: {}{measured}",
        tiers.join(", "),
        c.verdict.as_str()
    );
}

/// The recovery line of a failover story.
fn recovery(out: &mut String, r: &Recovery, has_end: bool) {
    let limits = match (r.p99_threshold_secs, r.error_rate_threshold) {
        (Some(p), Some(e)) => format!("p99 <= {} ms, errors <= {}%", num(p * 1e3), num(e * 100.0)),
        _ => "no pre-fault level or SLO to compare with".to_string(),
    };
    let after = if has_end { "ended" } else { "started" };
    let text = match (r.status, r.time_to_recover_secs) {
        (RecoveryStatus::Recovered, Some(t)) => format!(
            "recovered {}s after the fault {after} ({} replications recovered: {} s)",
            num(t),
            r.recovered_replications,
            est(&r.per_replication_secs, 1.0)
        ),
        (RecoveryStatus::NoReference, _) => "unknown".to_string(),
        _ => format!(
            "NOT RECOVERED by the end of the run ({} replications recovered)",
            r.recovered_replications
        ),
    };
    let _ = writeln!(out, "  recovery: {text}; normal = {limits}");
}

/// One tier's row; its errors are the attempts it rejected or lost.
fn tier_row(out: &mut String, t: &TierSummary) {
    let util = (t.servers > 0).then_some((t.utilisation, t.peak_queue));
    row(
        out,
        &t.name,
        &t.latency,
        &t.throughput,
        &t.failure_rate,
        util,
    );
}

/// The egress tier's counts when any call failed in the egress path: what each call came to,
/// and the causes (pointing at the root cause: a dead NAT Gateway, SNAT exhaustion).
fn egress_line(out: &mut String, tiers: &[TierSummary]) {
    for t in tiers.iter().filter(|t| t.kind.starts_with("egress:")) {
        let failed: Vec<String> = t
            .failures
            .iter()
            .filter(|f| f.count > 0)
            .map(|f| format!("{} {}", f.cause, f.count))
            .collect();
        if failed.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "egress calls: {} arrived, {} completed, {} failed ({}), {} in flight at the end",
            t.arrivals,
            t.completed,
            t.rejected + t.lost,
            failed.join(", "),
            t.in_flight
        );
    }
}

/// A row: name, four latency quantiles, rate, error share, and utilisation with peak queue.
fn row(
    out: &mut String,
    name: &str,
    lat: &LatencySummary,
    rate: &Estimate,
    errors: &Estimate,
    util: Option<(Estimate, f64)>,
) {
    let (util, peak) = util.map_or(("-".to_string(), "-".to_string()), |(u, p)| {
        (format!("{}%", num(u.mean * 100.0)), num(p))
    });
    let cells = [
        est(&lat.p50, 1e3),
        est(&lat.p90, 1e3),
        est(&lat.p99, 1e3),
        est(&lat.p999, 1e3),
        num(rate.mean),
        if errors.n == 0 {
            "n/a".to_string()
        } else {
            format!("{:.2}%", errors.mean * 100.0)
        },
        util,
        peak,
    ];
    line(out, name, cells);
}

/// Writes the name column and the eight value columns, right-aligned; every value keeps at
/// least one space before it even when it overflows its column.
fn line(out: &mut String, name: &str, cells: [String; 8]) {
    let widths = [LAT, LAT, LAT, LAT, 10, 8, 8, 8];
    let _ = write!(out, "{:<NAME$}", fit(name));
    for (cell, width) in cells.iter().zip(widths) {
        let _ = write!(out, " {cell:>w$}", w = width - 1);
    }
    out.push('\n');
}

/// `mean ±half_width` of `e` scaled by `scale`, just the mean when there is no interval, and
/// `n/a` when there is no sample.
fn est(e: &Estimate, scale: f64) -> String {
    let mean = e.mean * scale;
    if e.n == 0 {
        return "n/a".to_string();
    }
    if e.n <= 1 {
        return num(mean);
    }
    let decimals = decimals(mean);
    format!("{mean:.decimals$} ±{:.decimals$}", e.half_width * scale)
}

/// `v` with about three significant digits (none after the point for whole numbers).
fn num(v: f64) -> String {
    let decimals = if v.fract() == 0.0 { 0 } else { decimals(v) };
    format!("{v:.decimals$}")
}

/// Decimals that give about three significant digits for `v`.
fn decimals(v: f64) -> usize {
    match v.abs() {
        a if a == 0.0 || a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    }
}

/// A count in k/M/G.
fn count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

/// A name cut to the name column, with an ellipsis when cut.
fn fit(name: &str) -> String {
    if name.chars().count() < NAME {
        name.to_string()
    } else {
        let cut: String = name.chars().take(NAME - 2).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::fake;

    #[test]
    fn table_is_aligned_and_complete() {
        let (scenario, runs) = fake::runs(3);
        let table = render(&Summary::from_runs(&scenario, &runs));
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[0].starts_with("mm1: 3 replications, seed 1"),
            "{table}"
        );
        assert!(lines[1].starts_with("tier"));
        // Header and tier rows have the same width.
        let width = lines[1].chars().count();
        assert_eq!(lines[2].chars().count(), width, "{table}");
        assert_eq!(lines[3].chars().count(), width, "{table}");
        assert!(lines[3].starts_with("server"));
        assert!(table.contains("errors: timeout"), "{table}");
        assert!(table.contains('±'));
    }

    #[test]
    fn one_replication_has_no_intervals() {
        let (scenario, runs) = fake::runs(1);
        let table = render(&Summary::from_runs(&scenario, &runs));
        assert!(table.contains("no confidence intervals"));
        assert!(!table.contains('±'), "{table}");
    }

    #[test]
    fn faults_get_a_failover_story() {
        let (scenario, runs) = fake::runs_with_faults(2);
        let table = render(&Summary::from_runs(&scenario, &runs));
        assert!(
            table.contains("failover 1: zone-outage of zone 1 (reset), 60s to 120s"),
            "{table}"
        );
        assert!(table.contains("dead-backend sends from 61"), "{table}");
        assert!(
            table.contains("failover 2: dependency-degradation of server, 300s to the end"),
            "{table}"
        );
        assert!(table.contains("no work sent to dead backends"), "{table}");
        assert!(
            table.contains("node-failure of a node in zone 1 (black-hole)"),
            "{table}"
        );
        assert!(
            table.contains("ingress-instance-loss of ingress"),
            "{table}"
        );
        assert!(table.contains("  N+1: server"), "{table}");
    }

    #[test]
    fn numbers_keep_three_digits() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.01234), "0.012");
        assert_eq!(num(1.234), "1.23");
        assert_eq!(num(92.14), "92.1");
        assert_eq!(num(1234.4), "1234");
        assert_eq!(count(2_345_678), "2.3M");
        assert_eq!(fit("a-very-long-service-name"), "a-very-long-se…");
    }
}
