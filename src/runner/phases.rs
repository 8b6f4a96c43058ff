//! Per-phase verdicts: the measured run cut at the scenario's faults, with the headline figures
//! and the SLO verdict of each piece, so that "meets its SLO in steady state, fails for 8 minutes
//! in a zone loss" is something the run says.
//!
//! The phases, in time order:
//!
//! - `steady` — the whole measured run, for a scenario without faults (the only phase);
//! - `before` — from the end of the warm-up to the first fault;
//! - `during` — fault N, from its start to its end (or to the next fault's start, or the end of
//!   the run);
//! - `recovery` — from fault N's end until the run recovered, as the failover analysis measures
//!   it ([`Recovery`](crate::runner::failover::Recovery), on the merged series), or until the
//!   next fault starts or the run ends if it did not recover first;
//! - `after` — from the recovery to the next fault or the end of the run.
//!
//! A phase of zero length (a fault that recovered at once) is left out. Phase boundaries are
//! the faults' own times; the figures come from the time-series windows whose midpoint lies in
//! the phase (a boundary inside a window rounds to the nearest window edge), so every measured
//! window belongs to exactly one phase and the phases' request counts add up to the run's.
//!
//! Per phase and replication the figures are: p50/p99/p99.9 of the completions in the phase's
//! windows (two significant digits, the windows' histograms), the error rate (failed + *stale*)
//! ÷ (succeeded + failed + stale), by the window a request ended in, and goodput (successes per
//! second of the phase). A stale request was still unfinished when the run ended and arrived in
//! a window that ended at least the SLO's p99 target before the run did (without an SLO: in any
//! window but the last), so it had certainly waited longer than the target: the whole run's
//! rule counts it as a miss too. The requests in flight in the last moments of a run are
//! neither (their ages are not kept per window). Each figure is an [`Estimate`] across
//! replications. The SLO verdict applies the whole run's rule ([`SloVerdict::from_samples`]) to
//! the phase's samples. `missed_secs` is the time, within the phase, of the merged windows
//! whose p99 or error rate was above its target.

use serde::Serialize;

use crate::engine::{SimDuration, SimTime};
use crate::runner::failover::{FailoverSummary, RecoveryStatus};
use crate::runner::slo::SloVerdict;
use crate::scenario::{Scenario, Slo};
use crate::stats::{Estimate, TimeSeries, Window};

/// What part of the run a phase is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhaseKind {
    /// The whole measured run of a scenario without faults.
    Steady,
    /// From the end of the warm-up to the first fault.
    Before,
    /// While a fault lasts.
    During,
    /// From a fault's end until the run recovered.
    Recovery,
    /// After the recovery from a fault.
    After,
}

impl PhaseKind {
    /// The word written to `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Steady => "steady",
            PhaseKind::Before => "before",
            PhaseKind::During => "during",
            PhaseKind::Recovery => "recovery",
            PhaseKind::After => "after",
        }
    }
}

/// One phase of the run with its figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Phase {
    /// What part of the run it is.
    pub kind: PhaseKind,
    /// The fault it belongs to (`during`, `recovery`, `after`), from 0 in the scenario's order.
    pub fault: Option<usize>,
    /// A name for people: "steady state", "before the fault", "zone-outage of zone 2",
    /// "recovery from fault 1", "after fault 1".
    pub label: String,
    /// Start, seconds since the start of the run.
    pub from_secs: f64,
    /// End, seconds since the start of the run.
    pub to_secs: f64,
    /// Requests that arrived in the phase's windows, all replications.
    pub offered: u64,
    /// Successes that ended in the phase's windows, all replications.
    pub succeeded: u64,
    /// Failures that ended in the phase's windows, all replications.
    pub failed: u64,
    /// Requests that arrived in the phase's windows and were unfinished at the end.
    pub unfinished: u64,
    /// Of those, the stale ones (see the module docs), counted as errors.
    pub stale: u64,
    /// Median end-to-end latency of the phase's successes, seconds.
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub p50: Estimate,
    /// 99th percentile, seconds.
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub p99: Estimate,
    /// 99.9th percentile, seconds.
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub p999: Estimate,
    /// (failed + stale) ÷ (succeeded + failed + stale).
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub error_rate: Estimate,
    /// Successes per second of the phase.
    #[serde(serialize_with = "crate::runner::summary::estimate_or_null")]
    pub goodput: Estimate,
    /// The SLO verdict of the phase, when the scenario has an `[slo]`.
    pub slo: Option<SloVerdict>,
    /// Seconds of the phase whose merged windows missed the SLO (p99 or error rate above its
    /// target); `None` without an `[slo]`.
    pub missed_secs: Option<f64>,
}

/// One replication's figures over one phase.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseSample {
    offered: u64,
    succeeded: u64,
    failed: u64,
    unfinished: u64,
    stale: u64,
    /// p50, p99, p99.9 in seconds; `None` without a success.
    quantiles: Option<[f64; 3]>,
    /// Width of the phase's windows, seconds.
    secs: f64,
}

impl PhaseSample {
    /// The figures of `series` (one replication) over the windows `range`; unfinished requests
    /// are stale in windows that ended at least `stale_after` before the series.
    pub fn of(
        series: &TimeSeries,
        range: std::ops::Range<usize>,
        stale_after: SimDuration,
    ) -> PhaseSample {
        let ws = &series.windows()[range];
        let (Some(first), Some(last)) = (ws.first(), ws.last()) else {
            return PhaseSample::default();
        };
        let mut span = Window::new(first.start, last.end);
        for w in ws {
            span.merge_counts(w);
        }
        let failed = span.errors_total();
        PhaseSample {
            offered: span.offered,
            succeeded: span.completed,
            failed,
            unfinished: span.unfinished,
            stale: ws
                .iter()
                .filter(|w| is_stale(series, w, stale_after))
                .map(|w| w.unfinished)
                .sum(),
            quantiles: (span.latency_count() > 0)
                .then(|| [0.5, 0.99, 0.999].map(|q| span.latency_quantile(q).as_secs_f64())),
            secs: ws.iter().map(|w| w.width().as_secs_f64()).sum(),
        }
    }

    /// Requests that ended in the phase, or stayed unfinished past the target.
    fn ended(&self) -> u64 {
        self.succeeded + self.failed + self.stale
    }
}

/// Whether the unfinished requests that arrived in `w` (a window of `series`) are stale: the
/// window ended at least `stale_after` before the series did.
fn is_stale(series: &TimeSeries, w: &Window, stale_after: SimDuration) -> bool {
    w.end < series.end() && series.end().since(w.end) >= stale_after
}

/// How long before the end of the run a window must have ended for its unfinished requests to
/// count as errors: the SLO's p99 target, or none.
fn stale_after(slo: Option<&Slo>) -> SimDuration {
    slo.map_or(SimDuration::ZERO, |s| s.p99)
}

/// A phase's place in the run before its figures are known.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// What part of the run it is.
    pub kind: PhaseKind,
    /// Its fault.
    pub fault: Option<usize>,
    /// Its name.
    pub label: String,
    /// Start, seconds.
    pub from: f64,
    /// End, seconds.
    pub to: f64,
}

/// The phases of the measured run `[warm, end)` of a scenario whose failover stories are
/// `failover` (one per fault, in the scenario's order; empty: one steady phase).
pub fn spans(warm: f64, end: f64, failover: &[FailoverSummary]) -> Vec<Span> {
    let span = |kind, fault, label: String, from: f64, to: f64| Span {
        kind,
        fault,
        label,
        from,
        to,
    };
    if failover.is_empty() {
        return vec![span(
            PhaseKind::Steady,
            None,
            "steady state".into(),
            warm,
            end,
        )];
    }
    let mut order: Vec<&FailoverSummary> = failover.iter().collect();
    order.sort_by(|a, b| a.fault.start_secs.total_cmp(&b.fault.start_secs));
    let one = failover.len() == 1;
    let clip = |t: f64| t.clamp(warm, end);
    let mut out = Vec::new();
    let first = clip(order[0].fault.start_secs);
    let before = if one {
        "before the fault"
    } else {
        "before the faults"
    };
    out.push(span(PhaseKind::Before, None, before.into(), warm, first));
    for (k, f) in order.iter().enumerate() {
        let i = f.fault.index;
        let next = order
            .get(k + 1)
            .map_or(end, |n| clip(n.fault.start_secs.max(f.fault.start_secs)));
        let start = clip(f.fault.start_secs);
        let fault_end = f.fault.end_secs.map_or(next, |e| clip(e).min(next));
        out.push(span(
            PhaseKind::During,
            Some(i),
            fault_label(f),
            start,
            fault_end,
        ));
        let recovered = match (f.fault.end_secs, f.recovery.status) {
            (None, _) => next,
            (Some(_), RecoveryStatus::Recovered) => {
                let t = f.recovery.from_secs + f.recovery.time_to_recover_secs.unwrap_or(0.0);
                clip(t).clamp(fault_end, next)
            }
            (Some(_), _) => next,
        };
        let which = if one {
            "the fault".to_string()
        } else {
            format!("fault {}", i + 1)
        };
        out.push(span(
            PhaseKind::Recovery,
            Some(i),
            format!("recovery from {which}"),
            fault_end,
            recovered,
        ));
        out.push(span(
            PhaseKind::After,
            Some(i),
            format!("after {which}"),
            recovered,
            next,
        ));
    }
    out.retain(|s| s.to > s.from);
    out
}

/// "zone-outage of zone 2", "pod-crash of web", "zone-outage of a node in zone 1".
fn fault_label(f: &FailoverSummary) -> String {
    let x = &f.fault;
    let what = match &x.zone {
        Some(zone) if x.kind == "node-failure" => format!("a node in zone {zone}"),
        Some(zone) => format!("zone {zone}"),
        None => x.target.clone(),
    };
    format!("{} of {what}", x.kind)
}

/// The windows of `series` whose midpoint lies in `[from, to)`.
pub fn window_range(series: &TimeSeries, from: f64, to: f64) -> std::ops::Range<usize> {
    let mid = |w: &Window| (w.start.as_secs_f64() + w.end.as_secs_f64()) / 2.0;
    let ws = series.windows();
    let a = ws.partition_point(|w| mid(w) < from);
    let b = ws.partition_point(|w| mid(w) < to);
    a..b.max(a)
}

/// The phases with their figures: `spans` judged on `merged` (all replications summed) and on
/// `samples[p]`, the per-replication figures of phase `p`.
pub fn summarise(
    spans: Vec<Span>,
    merged: &TimeSeries,
    samples: &[Vec<PhaseSample>],
    slo: Option<&Slo>,
) -> Vec<Phase> {
    spans
        .into_iter()
        .enumerate()
        .map(|(p, span)| {
            let runs = samples.get(p).map_or(&[][..], Vec::as_slice);
            let q = |k: usize| {
                Estimate::from_samples(
                    &runs
                        .iter()
                        .filter_map(|s| s.quantiles.map(|q| q[k]))
                        .collect::<Vec<_>>(),
                )
            };
            let rates: Vec<f64> = runs
                .iter()
                .filter(|s| s.ended() > 0)
                .map(|s| (s.failed + s.stale) as f64 / s.ended() as f64)
                .collect();
            let goodput: Vec<f64> = runs
                .iter()
                .filter(|s| s.secs > 0.0)
                .map(|s| s.succeeded as f64 / s.secs)
                .collect();
            let sum = |f: fn(&PhaseSample) -> u64| runs.iter().map(f).sum::<u64>();
            let stale = sum(|s| s.stale);
            let p99s: Vec<f64> = runs
                .iter()
                .filter_map(|s| s.quantiles.map(|q| q[1]))
                .collect();
            Phase {
                offered: sum(|s| s.offered),
                succeeded: sum(|s| s.succeeded),
                failed: sum(|s| s.failed),
                unfinished: sum(|s| s.unfinished),
                stale,
                p50: q(0),
                p99: q(1),
                p999: q(2),
                error_rate: Estimate::from_samples(&rates),
                goodput: Estimate::from_samples(&goodput),
                slo: slo.map(|slo| SloVerdict::from_samples(slo, &p99s, &rates, stale)),
                missed_secs: slo.map(|slo| missed_secs(merged, &span, slo)),
                kind: span.kind,
                fault: span.fault,
                label: span.label,
                from_secs: span.from,
                to_secs: span.to,
            }
        })
        .collect()
}

/// Seconds of the merged windows of `span` whose p99 or error rate was above `slo`'s target.
fn missed_secs(merged: &TimeSeries, span: &Span, slo: &Slo) -> f64 {
    merged.windows()[window_range(merged, span.from, span.to)]
        .iter()
        .filter(|w| {
            let stale = is_stale(merged, w, slo.p99);
            let bad = w.errors_total() + if stale { w.unfinished } else { 0 };
            let ended = w.completed + bad;
            let p99 = w.completed > 0 && w.p99() > slo.p99;
            let errors = ended > 0 && bad as f64 / ended as f64 > slo.error_rate;
            p99 || errors
        })
        .map(|w| w.width().as_secs_f64())
        .sum()
}

/// Per-replication phase samples, gathered as replications arrive (for a scenario without
/// faults, whose one phase is known before the run) or at the end from the kept series.
#[derive(Debug, Default)]
pub struct PhaseSamples {
    /// The steady phase's samples, one per replication (scenarios without faults).
    steady: Vec<PhaseSample>,
}

impl PhaseSamples {
    /// Adds one replication's series; only scenarios without faults keep anything here (the
    /// others keep the series for the failover analysis, and their phases are read from those
    /// at the end).
    pub fn push(&mut self, scenario: &Scenario, series: &TimeSeries) {
        if scenario.faults.is_empty() {
            let (warm, end) = bounds(scenario);
            let stale = stale_after(scenario.slo.as_ref());
            self.steady.push(PhaseSample::of(
                series,
                window_range(series, warm, end),
                stale,
            ));
        }
    }

    /// The phases of `scenario`: from the steady samples, or from `runs` (each replication's
    /// series, for a scenario with faults) cut by `failover`.
    pub fn finish<'s>(
        self,
        scenario: &Scenario,
        merged: &TimeSeries,
        runs: impl Iterator<Item = &'s TimeSeries>,
        failover: &[FailoverSummary],
    ) -> Vec<Phase> {
        let (warm, end) = bounds(scenario);
        let spans = spans(warm, end, failover);
        let stale = stale_after(scenario.slo.as_ref());
        let samples: Vec<Vec<PhaseSample>> = if scenario.faults.is_empty() {
            vec![self.steady]
        } else {
            let mut samples = vec![Vec::new(); spans.len()];
            for series in runs {
                for (p, s) in spans.iter().enumerate() {
                    samples[p].push(PhaseSample::of(
                        series,
                        window_range(series, s.from, s.to),
                        stale,
                    ));
                }
            }
            samples
        };
        summarise(spans, merged, &samples, scenario.slo.as_ref())
    }
}

/// The measured run, seconds: end of the warm-up and end of the run.
fn bounds(scenario: &Scenario) -> (f64, f64) {
    let sim = &scenario.simulation;
    let end = (SimTime::ZERO + sim.duration).as_secs_f64();
    (sim.warmup.as_secs_f64().min(end), end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> TimeSeries {
        let mut ts = TimeSeries::new(
            SimDuration::from_secs(10),
            SimTime::ZERO + SimDuration::from_secs(60),
        );
        for s in 0..60 {
            let t = SimTime::ZERO + SimDuration::from_secs(s);
            ts.record_offered(t);
            if (30..40).contains(&s) {
                ts.record_error(t, 0);
            } else {
                ts.record_completed(t, SimDuration::from_millis(10 + s));
            }
        }
        ts
    }

    #[test]
    fn windows_by_midpoint() {
        let ts = series();
        assert_eq!(window_range(&ts, 10.0, 30.0), 1..3);
        assert_eq!(window_range(&ts, 12.0, 36.0), 1..4);
        assert_eq!(window_range(&ts, 0.0, 60.0), 0..6);
        assert_eq!(window_range(&ts, 30.0, 30.0), 3..3);
    }

    #[test]
    fn sample_sums_and_quantiles() {
        let ts = series();
        let s = PhaseSample::of(&ts, 3..4, SimDuration::ZERO);
        assert_eq!((s.offered, s.succeeded, s.failed), (10, 0, 10));
        assert_eq!(s.quantiles, None);
        let s = PhaseSample::of(&ts, 0..2, SimDuration::ZERO);
        assert_eq!((s.offered, s.succeeded, s.secs), (20, 20, 20.0));
        let [p50, ..] = s.quantiles.unwrap();
        assert!((p50 - 0.019).abs() < 0.0005, "{p50}");
        assert_eq!(
            PhaseSample::of(&ts, 2..2, SimDuration::ZERO),
            PhaseSample::default()
        );
    }

    #[test]
    fn only_stale_unfinished_requests_are_errors() {
        let mut ts = series();
        // In the last window: in flight when the run stopped, not an error.
        ts.record_unfinished(SimTime::ZERO + SimDuration::from_secs(55));
        // 10 s before the end: older than a 500 ms target.
        ts.record_unfinished(SimTime::ZERO + SimDuration::from_secs(45));
        let s = PhaseSample::of(&ts, 4..6, SimDuration::from_millis(500));
        assert_eq!((s.unfinished, s.stale), (2, 1));
        assert_eq!(s.ended(), s.succeeded + s.failed + 1);
        let s = PhaseSample::of(&ts, 4..6, SimDuration::from_secs(20));
        assert_eq!((s.unfinished, s.stale), (2, 0));
    }

    #[test]
    fn steady_phase_and_slo() {
        let ts = series();
        let spans = spans(10.0, 60.0, &[]);
        assert_eq!(spans.len(), 1);
        let sample = PhaseSample::of(&ts, window_range(&ts, 10.0, 60.0), SimDuration::ZERO);
        let slo = Slo {
            p99: SimDuration::from_millis(500),
            error_rate: 0.01,
        };
        let phases = summarise(spans, &ts, &[vec![sample]], Some(&slo));
        let p = &phases[0];
        assert_eq!((p.kind, p.offered, p.failed), (PhaseKind::Steady, 50, 10));
        assert!((p.error_rate.mean - 0.2).abs() < 1e-12);
        assert!((p.goodput.mean - 0.8).abs() < 1e-12);
        assert_eq!(
            p.slo.as_ref().unwrap().verdict,
            crate::runner::Verdict::Missed
        );
        assert_eq!(p.missed_secs, Some(10.0));
    }
}
