//! A replication's count of the memory its own state holds (the request arena, the calendar,
//! the waiting lines), checked every few thousand events against a budget, and the error that
//! stops a run that passes it: which tier's waiting line grew, how many requests were in flight.

use std::fmt;

use super::sim::{Node, Sim};

/// Fewest events between two checks of the memory held.
pub(super) const CHECK_EVERY: u32 = 4096;

/// Events between two checks of the memory held by a run with `stations` pods and ingress
/// instances: [`CHECK_EVERY`], or 4 per station when that is more. A check sums every
/// station's waiting line, so this keeps its cost below a quarter of a station's look per
/// event (at 10,000 pods, a check every 4,096 events read about 2.5 stations per event:
/// 1.6% of the run's time).
pub(super) fn check_every(stations: usize) -> u32 {
    u32::try_from(stations.saturating_mul(4))
        .unwrap_or(u32::MAX)
        .max(CHECK_EVERY)
}

/// A replication stopped because its state passed its share of the memory budget.
#[derive(Clone, Debug, PartialEq)]
pub struct OverBudget {
    /// The replication's index.
    pub replication: u64,
    /// Simulated time when it stopped, seconds.
    pub at_secs: f64,
    /// Bytes its state held then.
    pub held: u64,
    /// Its share of the budget, bytes.
    pub budget: u64,
    /// Requests, attempts, work and calls alive in the arena.
    pub in_flight: u64,
    /// Events waiting in the calendar (stale timeouts not yet dropped included).
    pub calendar: u64,
    /// The tier with the longest waiting lines, all its instances or pods together, and
    /// their total length.
    pub longest_queue: Option<(String, u64)>,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whole MiB as such, else one decimal (4.0 held vs a budget of 4 reads as past it).
        let mib = |b: u64| {
            let m = b as f64 / (1024.0 * 1024.0);
            if m.fract() == 0.0 {
                format!("{m:.0}")
            } else {
                format!("{m:.1}")
            }
        };
        write!(
            f,
            "replication {} stopped at {:.1} s of simulated time: its state held {} MiB, \
             past its share of the memory budget ({} MiB); {} requests and calls were in \
             flight and {} events waited in the calendar",
            self.replication,
            self.at_secs,
            mib(self.held),
            mib(self.budget),
            self.in_flight,
            self.calendar,
        )?;
        if let Some((tier, len)) = &self.longest_queue {
            write!(f, "; the longest waiting line: {len} at tier `{tier}`")?;
        }
        write!(
            f,
            ". The system may be unstable (offered load above capacity into an unbounded \
             queue): set a queue_limit, or raise --memory-budget"
        )
    }
}

impl std::error::Error for OverBudget {}

impl Sim<'_> {
    /// Bytes held by the state that grows with the traffic: the arena and its free list, the
    /// calendar and the waiting lines (by capacity, so a grown buffer counts until released),
    /// the egress connection pools, and the per-window records (bounded by the run's window
    /// count, see `collect`).
    pub(super) fn bytes_held(&self) -> u64 {
        let arena = self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.free.capacity() * std::mem::size_of::<u32>();
        let lines: usize = self
            .topo
            .pods
            .iter()
            .map(|p| p.station.queue_len())
            .chain(self.topo.instances.iter().map(|i| i.station.queue_len()))
            .sum();
        (arena + self.cal.bytes_held() + lines * std::mem::size_of::<u32>()) as u64
            + self.pools.bytes_held()
            + self.window_bytes()
    }

    /// `Some` when the state holds more than `budget` bytes: what held it (the replication
    /// index is left 0 for the caller to fill in).
    pub(super) fn over_budget(&self, budget: u64) -> Option<OverBudget> {
        let held = self.bytes_held();
        if held <= budget {
            return None;
        }
        let mut per_tier = vec![0u64; self.s.services.len()];
        for p in &self.topo.pods {
            per_tier[p.service] += p.station.queue_len() as u64;
        }
        let ingress: u64 = self
            .topo
            .instances
            .iter()
            .map(|i| i.station.queue_len() as u64)
            .sum();
        let longest = per_tier
            .iter()
            .enumerate()
            .map(|(i, &n)| (self.s.services[i].name.clone(), n))
            .chain(std::iter::once(("ingress".to_string(), ingress)))
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(_, n)| n);
        Some(OverBudget {
            replication: 0,
            at_secs: self.cal.now().as_secs_f64(),
            held,
            budget,
            in_flight: (self.nodes.len() - self.free.len()) as u64,
            calendar: self.cal.len() as u64,
            longest_queue: longest,
        })
    }
}
