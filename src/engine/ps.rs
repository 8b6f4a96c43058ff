//! A processor-sharing server: a pod's CPU, shared by the requests in service.
//!
//! With `n` jobs in service on `C` cores, each job progresses at `min(1, C / n)` cores (a
//! single request runs on one core at most; the CFS quota caps the pod at `C`). The server
//! keeps one *virtual time*: the CPU-seconds every job in service has attained since the
//! server was empty. When `n` changes the virtual time advances by `dt × rate`; a job that
//! arrives with `w` CPU-seconds of work finishes when the virtual time reaches `V + w`, so the
//! jobs sit in a min-heap by that finish mark and the next completion is always the heap's top.
//!
//! The caller owns the calendar: [`Ps::add`] and [`Ps::complete`] return when the next
//! completion falls, with a generation number; every change of `n` bumps the generation, so
//! the calendar entry of an earlier schedule is recognised as stale and ignored.
//!
//! A *background* job ([`Ps::add_background`], id [`Ps::BACKGROUND`]) shares the cores like
//! any other but belongs to no request: a sidecar's work for a request passing it, an mTLS
//! handshake. Its core-seconds are counted apart ([`Ps::read_background`]), and
//! [`Ps::jobs`] counts only the others.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::time::{SimDuration, SimTime};

/// A job in service: its finish mark on the virtual clock, an arrival sequence number (ties
/// finish first-come first-served), and the caller's id and version.
#[derive(Clone, Copy, Debug)]
struct Job {
    finish: f64,
    seq: u64,
    id: u32,
    ver: u32,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> Ordering {
        self.finish
            .total_cmp(&other.finish)
            .then(self.seq.cmp(&other.seq))
    }
}

/// When the next completion falls and the generation that schedule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextCompletion {
    /// The instant of the next completion.
    pub at: SimTime,
    /// Pass it back to [`Ps::complete`]; a newer schedule makes it stale.
    pub generation: u32,
}

/// A processor-sharing server with a fixed number of cores.
#[derive(Clone, Debug, Default)]
pub struct Ps {
    cores: f64,
    vtime: f64,
    last: SimTime,
    jobs: BinaryHeap<Reverse<Job>>,
    seq: u64,
    generation: u32,
    used: f64,
    read: f64,
    measured_from: f64,
    background: usize,
    background_used: f64,
    background_read: f64,
    background_from: f64,
}

impl Ps {
    /// The id of a background job (see the module docs).
    pub const BACKGROUND: u32 = u32::MAX;

    /// An idle server with `cores` cores (> 0).
    pub fn new(cores: f64) -> Ps {
        Ps {
            cores,
            ..Ps::default()
        }
    }

    /// Sets the cores (a service's constant; the jobs in service keep their work done).
    pub fn set_cores(&mut self, now: SimTime, cores: f64) {
        if cores != self.cores {
            self.advance(now);
            self.cores = cores;
        }
    }

    /// The cores the jobs share now.
    pub fn cores(&self) -> f64 {
        self.cores
    }

    /// Jobs in service now, background jobs included.
    pub fn all_jobs(&self) -> usize {
        self.jobs.len()
    }

    /// Sets the cores to `cores` from `now` (the jobs keep their work done) and returns the
    /// next completion under a new generation: a node's CPU shared among its pods changes a
    /// pod's cores whenever a job starts or ends on any pod of the node.
    pub fn retime(&mut self, now: SimTime, cores: f64) -> Option<NextCompletion> {
        self.advance(now);
        self.cores = cores;
        self.reschedule(now)
    }

    /// Jobs in service now, background jobs left out.
    pub fn jobs(&self) -> usize {
        self.jobs.len() - self.background
    }

    /// Cores each job gets now.
    fn rate(&self) -> f64 {
        match self.jobs.len() {
            0 => 0.0,
            n => (self.cores / n as f64).min(1.0),
        }
    }

    /// Moves the clocks to `now`.
    fn advance(&mut self, now: SimTime) {
        let dt = now.since(self.last).as_secs_f64();
        let rate = self.rate();
        self.vtime += dt * rate;
        self.used += dt * rate * self.jobs.len() as f64;
        self.background_used += dt * rate * self.background as f64;
        self.last = now;
        if self.jobs.is_empty() {
            // A fresh start keeps the marks small (and exact) over a long run.
            self.vtime = 0.0;
        }
    }

    /// The next completion after a change of `n`, under a new generation.
    fn reschedule(&mut self, now: SimTime) -> Option<NextCompletion> {
        self.generation = self.generation.wrapping_add(1);
        let Reverse(top) = self.jobs.peek()?;
        let left = (top.finish - self.vtime).max(0.0);
        let secs = left / self.rate();
        // Rounded up to the nanosecond, so the job is done when the event fires.
        let ns = (secs * 1e9).ceil().min(u64::MAX as f64 / 2.0) as u64;
        Some(NextCompletion {
            at: now + SimDuration(ns),
            generation: self.generation,
        })
    }

    /// Job `id` (version `ver`) starts with `work` CPU-seconds (its time alone on one core).
    /// Returns the completion to schedule (the previous one is stale from now on).
    pub fn add(&mut self, now: SimTime, id: u32, ver: u32, work: f64) -> Option<NextCompletion> {
        self.advance(now);
        self.seq += 1;
        self.jobs.push(Reverse(Job {
            finish: self.vtime + work.max(0.0),
            seq: self.seq,
            id,
            ver,
        }));
        self.reschedule(now)
    }

    /// A background job of `work` CPU-seconds starts (see the module docs); like [`Ps::add`].
    pub fn add_background(&mut self, now: SimTime, work: f64) -> Option<NextCompletion> {
        // Counted once the clocks have moved to `now` (in `add`), not over the time before.
        let next = self.add(now, Ps::BACKGROUND, 0, work);
        self.background += 1;
        next
    }

    /// The completion event of `generation` fires: if it is current, the job with the least
    /// work left leaves and is returned as `(id, ver)` with the next completion to schedule.
    /// A stale generation returns `None` and changes nothing.
    pub fn complete(
        &mut self,
        now: SimTime,
        generation: u32,
    ) -> Option<((u32, u32), Option<NextCompletion>)> {
        if generation != self.generation || self.jobs.is_empty() {
            return None;
        }
        self.advance(now);
        let Reverse(done) = self.jobs.pop()?;
        if done.id == Ps::BACKGROUND {
            self.background -= 1;
        }
        self.advance(now);
        Some(((done.id, done.ver), self.reschedule(now)))
    }

    /// Core-seconds used since the server was made, up to `now`.
    pub fn used(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        self.used
    }

    /// Starts the measured period (the end of the warm-up) at `now`.
    pub fn mark_measured(&mut self, now: SimTime) {
        self.measured_from = self.used(now);
        self.background_from = self.background_used;
    }

    /// Core-seconds used in the measured period, up to `now`.
    pub fn used_measured(&mut self, now: SimTime) -> f64 {
        self.used(now) - self.measured_from
    }

    /// Core-seconds used since the last call (the HPA's reading), up to `now`.
    pub fn read_used(&mut self, now: SimTime) -> f64 {
        let total = self.used(now);
        let since = total - self.read;
        self.read = total;
        since
    }

    /// Core-seconds background jobs used since the last call, up to `now` (a part of what
    /// [`Ps::used`] counts).
    pub fn read_background(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        let since = self.background_used - self.background_read;
        self.background_read = self.background_used;
        since
    }

    /// Core-seconds background jobs used since the server was made, up to `now`.
    pub fn background_used(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        self.background_used
    }

    /// Core-seconds background jobs used in the measured period, up to `now`.
    pub fn background_measured(&mut self, now: SimTime) -> f64 {
        self.background_used(now) - self.background_from
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: f64) -> SimTime {
        SimTime((s * 1e9).round() as u64)
    }

    #[test]
    fn one_core_two_jobs_share_it() {
        let mut ps = Ps::new(1.0);
        // A: 1 s of work at 0; B: 1 s at 0.5. Alone A does 0.5 s; then each gets half a
        // core: A's last 0.5 s takes 1 s (done at 1.5), then B alone finishes its 0.5 s left.
        let n = ps.add(at(0.0), 1, 0, 1.0).unwrap();
        assert_eq!(n.at, at(1.0));
        let n = ps.add(at(0.5), 2, 0, 1.0).unwrap();
        assert_eq!(n.at, at(1.5));
        let ((id, _), next) = ps.complete(n.at, n.generation).unwrap();
        assert_eq!(id, 1);
        let next = next.unwrap();
        assert_eq!(next.at, at(2.0));
        let ((id, _), next) = ps.complete(next.at, next.generation).unwrap();
        assert_eq!(id, 2);
        assert!(next.is_none());
        assert!((ps.used(at(3.0)) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn stale_generations_are_ignored_and_cores_cap_each_job() {
        let mut ps = Ps::new(2.0);
        let first = ps.add(at(0.0), 1, 0, 1.0).unwrap();
        let second = ps.add(at(0.0), 2, 0, 1.0).unwrap();
        // Two jobs on two cores: one core each, both done at 1 s.
        assert_eq!(second.at, at(1.0));
        assert!(ps.complete(first.at, first.generation).is_none());
        assert_eq!(ps.jobs(), 2);
        let half = Ps::new(0.5).add(at(0.0), 1, 0, 1.0).unwrap();
        assert_eq!(half.at, at(2.0));
    }

    #[test]
    fn a_background_job_shares_the_core_and_is_counted_apart() {
        let mut ps = Ps::new(1.0);
        // A request of 1 s and a background job of 0.5 s at 0: half a core each until the
        // background job is done at 1 s, then the request's last 0.5 s alone: done at 1.5 s.
        ps.add(at(0.0), 1, 0, 1.0);
        let n = ps.add_background(at(0.0), 0.5).unwrap();
        assert_eq!(ps.jobs(), 1);
        assert_eq!(n.at, at(1.0));
        let ((id, _), next) = ps.complete(n.at, n.generation).unwrap();
        assert_eq!(id, Ps::BACKGROUND);
        assert_eq!(ps.jobs(), 1);
        let next = next.unwrap();
        assert_eq!(next.at, at(1.5));
        assert_eq!(ps.complete(next.at, next.generation).unwrap().0.0, 1);
        assert!((ps.used(at(2.0)) - 1.5).abs() < 1e-9);
        assert!((ps.read_background(at(2.0)) - 0.5).abs() < 1e-9);
        assert!(ps.read_background(at(3.0)).abs() < 1e-9);
        assert!((ps.background_used(at(3.0)) - 0.5).abs() < 1e-9);
        // A background job that joins a busy server counts from when it joins: a request of
        // 1 s alone for 0.5 s, then 0.25 s of background at half a core (0.5 s).
        let mut ps = Ps::new(1.0);
        ps.add(at(0.0), 1, 0, 1.0);
        let n = ps.add_background(at(0.5), 0.25).unwrap();
        assert_eq!(n.at, at(1.0));
        ps.complete(n.at, n.generation).unwrap();
        assert!((ps.background_used(at(1.0)) - 0.25).abs() < 1e-9);
        assert!((ps.used(at(1.0)) - 1.0).abs() < 1e-9);
    }
}
