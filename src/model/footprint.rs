//! A replication's high-water marks — events waiting in the calendar, requests alive in the
//! arena, bytes its state held (the model's own accounting, `memory`) — noted at each memory
//! check, so that tests can show what the state grows with.

use super::result::RunResult;
use super::sim::Sim;
use crate::scenario::Scenario;

/// The most a replication's state held at any memory check (every few thousand events).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Events waiting in the calendar (stale timeouts not yet dropped included).
    pub peak_calendar: u64,
    /// Of those, events in the calendar's heap (not in a lane of a fixed delay).
    pub peak_heap: u64,
    /// Nodes alive in the request arena: requests, attempts, work at pods and calls.
    pub peak_in_flight: u64,
    /// Bytes held by the state the memory budget counts (arena, calendar, waiting lines).
    pub peak_bytes: u64,
}

impl Sim<'_> {
    /// Notes the state's size now in the high-water marks; returns the bytes held.
    pub(super) fn note_footprint(&mut self) -> u64 {
        let held = self.bytes_held();
        let f = &mut self.footprint;
        f.peak_bytes = f.peak_bytes.max(held);
        f.peak_calendar = f.peak_calendar.max(self.cal.len() as u64);
        f.peak_heap = f.peak_heap.max(self.cal.heap_len() as u64);
        f.peak_in_flight = f
            .peak_in_flight
            .max((self.nodes.len() - self.free.len()) as u64);
        held
    }
}

/// Runs replication `replication` of `scenario` like [`super::simulate`] and returns its
/// result with the high-water marks of its state.
pub fn simulate_with_footprint(scenario: &Scenario, replication: u64) -> (RunResult, Footprint) {
    let mut sim = Sim::new(scenario, replication);
    // With no budget the run always reaches its end.
    let _ = sim.run(u64::MAX, &|_| {});
    let footprint = sim.footprint;
    (sim.into_result(replication), footprint)
}
