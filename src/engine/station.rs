//! A generic queueing station: `c` servers, a FIFO waiting line with an optional limit.
//!
//! The station holds job ids (`u32`, indices into the caller's arena), not jobs: it decides who
//! is served and who waits, and keeps the time-weighted statistics (number in system, in queue,
//! busy servers). The caller owns the clock and the event calendar: on an arrival it calls
//! [`Station::arrive`] and, if the job starts, schedules its departure; on a departure it calls
//! [`Station::depart`] and starts the job handed back, if any. Arrivals to a full line are
//! rejected and counted.
//!
//! Servers can be taken away and given back ([`Station::set_servers`]) for faults and scaling;
//! jobs in service finish (the model decides whether their results still count).

use std::collections::VecDeque;

use crate::stats::TimeWeightedCount;

use super::time::SimTime;

/// What happened to an arriving job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A server was free: the job starts now.
    Start,
    /// All servers busy: the job waits in line.
    Queued,
    /// The line is full (or the station has no servers and no line): the job is turned away.
    Rejected,
}

/// A multi-server FIFO station with an optional waiting-line limit.
#[derive(Clone, Debug)]
pub struct Station {
    servers: u32,
    busy: u32,
    limit: Option<u32>,
    line: VecDeque<u32>,
    arrivals: u64,
    rejected: u64,
    completed: u64,
    lost: u64,
    carried_in: u64,
    busy_tw: TimeWeightedCount,
    line_tw: TimeWeightedCount,
    servers_tw: TimeWeightedCount,
    stats_since: SimTime,
}

impl Station {
    /// A station with `servers` servers and at most `limit` waiting (`None`: unlimited).
    pub fn new(servers: u32, limit: Option<u32>) -> Self {
        Station {
            servers,
            busy: 0,
            limit,
            line: VecDeque::new(),
            arrivals: 0,
            rejected: 0,
            completed: 0,
            lost: 0,
            carried_in: 0,
            busy_tw: TimeWeightedCount::new(SimTime::ZERO, 0),
            line_tw: TimeWeightedCount::new(SimTime::ZERO, 0),
            servers_tw: TimeWeightedCount::new(SimTime::ZERO, u64::from(servers)),
            stats_since: SimTime::ZERO,
        }
    }

    /// Offers a job. On `Start` the job holds a server until [`Station::depart`].
    #[inline(always)]
    pub fn arrive(&mut self, now: SimTime, job: u32) -> Admission {
        self.arrivals += 1;
        if self.busy < self.servers {
            self.busy += 1;
            self.busy_tw.set(now, u64::from(self.busy));
            Admission::Start
        } else if self.limit.is_none_or(|l| (self.line.len() as u32) < l) {
            self.line.push_back(job);
            self.line_tw.set(now, self.line.len() as u64);
            Admission::Queued
        } else {
            self.rejected += 1;
            Admission::Rejected
        }
    }

    /// A job in service leaves. Returns the next job to start (it takes the freed server), if
    /// one waits and the server is still there.
    #[inline]
    pub fn depart(&mut self, now: SimTime) -> Option<u32> {
        self.completed += 1;
        if self.busy <= self.servers
            && let Some(next) = self.line.pop_front()
        {
            self.line_tw.set(now, self.line.len() as u64);
            return Some(next);
        }
        self.busy = self.busy.saturating_sub(1);
        self.busy_tw.set(now, u64::from(self.busy));
        None
    }

    /// Removes a waiting job (it gave up). Returns whether it was in line.
    pub fn withdraw(&mut self, now: SimTime, job: u32) -> bool {
        if let Some(i) = self.line.iter().position(|&j| j == job) {
            self.line.remove(i);
            self.lost += 1;
            self.line_tw.set(now, self.line.len() as u64);
            true
        } else {
            false
        }
    }

    /// Changes the number of servers. Extra busy servers finish their job and are not reused;
    /// new servers take waiting jobs at once — those are returned, to be started by the caller.
    pub fn set_servers(&mut self, now: SimTime, servers: u32) -> Vec<u32> {
        self.servers = servers;
        self.servers_tw.set(now, u64::from(servers));
        let mut started = Vec::new();
        while self.busy < self.servers {
            let Some(job) = self.line.pop_front() else {
                break;
            };
            self.busy += 1;
            started.push(job);
        }
        self.busy_tw.set(now, u64::from(self.busy));
        self.line_tw.set(now, self.line.len() as u64);
        started
    }

    /// Empties the waiting line (the station died), returning the jobs that were in it.
    pub fn drain_line(&mut self, now: SimTime) -> Vec<u32> {
        let jobs: Vec<u32> = self.line.drain(..).collect();
        self.lost += jobs.len() as u64;
        self.line_tw.set(now, 0);
        jobs
    }

    /// Drops statistics gathered so far (end of warm-up); the current state stays, and the
    /// jobs in the station now are counted as [carried in](Self::carried_in).
    pub fn reset_stats(&mut self, now: SimTime) {
        self.arrivals = 0;
        self.rejected = 0;
        self.completed = 0;
        self.lost = 0;
        self.carried_in = self.in_system();
        self.busy_tw.reset(now);
        self.line_tw.reset(now);
        self.servers_tw.reset(now);
        self.stats_since = now;
    }

    /// Busy server-seconds since the last reset (for utilisation over an interval: take the
    /// difference of two readings).
    pub fn busy_integral(&self, now: SimTime) -> f64 {
        self.busy_tw.mean(now) * now.since(self.stats_since).as_secs_f64()
    }

    /// Server-seconds (servers available, busy or not) since the last reset. A station made
    /// mid-run starts with no servers, so this is also its integral since it was made.
    pub fn servers_integral(&self, now: SimTime) -> f64 {
        self.servers_tw.mean(now) * now.since(self.stats_since).as_secs_f64()
    }

    /// Waiting-job-seconds since the last reset.
    pub fn line_integral(&self, now: SimTime) -> f64 {
        self.line_tw.mean(now) * now.since(self.stats_since).as_secs_f64()
    }

    /// When statistics were last reset.
    pub fn stats_since(&self) -> SimTime {
        self.stats_since
    }

    /// Servers now.
    pub fn servers(&self) -> u32 {
        self.servers
    }

    /// Servers busy now.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Jobs waiting now.
    pub fn queue_len(&self) -> usize {
        self.line.len()
    }

    /// Jobs in the station now (waiting and in service).
    pub fn in_system(&self) -> u64 {
        u64::from(self.busy) + self.line.len() as u64
    }

    /// Arrivals since the last reset (including rejected ones).
    pub fn arrivals(&self) -> u64 {
        self.arrivals
    }

    /// Arrivals turned away since the last reset.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Departures since the last reset.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    /// Waiting jobs dropped by [`Station::drain_line`] (the station died) since the last reset.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Jobs in the station (waiting or in service) at the last reset. Over any span since the
    /// reset, `carried_in + arrivals = completed + rejected + lost + in_system` (a withdrawn job
    /// counts as lost).
    pub fn carried_in(&self) -> u64 {
        self.carried_in
    }

    /// Time-average of busy servers up to `now`.
    pub fn mean_busy(&self, now: SimTime) -> f64 {
        self.busy_tw.mean(now)
    }

    /// Time-average of the waiting line up to `now`.
    pub fn mean_queue(&self, now: SimTime) -> f64 {
        self.line_tw.mean(now)
    }

    /// Longest waiting line since the last reset.
    pub fn peak_queue(&self) -> f64 {
        self.line_tw.max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_then_queues_then_rejects() {
        let mut s = Station::new(2, Some(1));
        let t = SimTime(0);
        assert_eq!(s.arrive(t, 1), Admission::Start);
        assert_eq!(s.arrive(t, 2), Admission::Start);
        assert_eq!(s.arrive(t, 3), Admission::Queued);
        assert_eq!(s.arrive(t, 4), Admission::Rejected);
        assert_eq!((s.busy(), s.queue_len(), s.rejected()), (2, 1, 1));
        assert_eq!(s.depart(SimTime(10)), Some(3));
        assert_eq!(s.depart(SimTime(20)), None);
        assert_eq!(s.depart(SimTime(30)), None);
        assert_eq!(s.busy(), 0);
    }

    #[test]
    fn fifo_order() {
        let mut s = Station::new(1, None);
        s.arrive(SimTime(0), 0);
        for j in 1..=5 {
            s.arrive(SimTime(0), j);
        }
        let order: Vec<u32> = (0..5).filter_map(|k| s.depart(SimTime(k))).collect();
        assert_eq!(order, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn time_weighted_busy() {
        let mut s = Station::new(1, None);
        s.arrive(SimTime(0), 0);
        s.depart(SimTime(30));
        // Busy for 30 of 100 ns.
        assert!((s.mean_busy(SimTime(100)) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn removing_servers_lets_busy_ones_finish() {
        let mut s = Station::new(2, None);
        s.arrive(SimTime(0), 1);
        s.arrive(SimTime(0), 2);
        s.arrive(SimTime(0), 3);
        assert!(s.set_servers(SimTime(1), 1).is_empty());
        // The first departure frees a server that no longer exists: nobody starts.
        assert_eq!(s.depart(SimTime(2)), None);
        assert_eq!(s.depart(SimTime(3)), Some(3));
        // Adding servers starts waiting jobs at once.
        let mut s = Station::new(0, None);
        s.arrive(SimTime(0), 7);
        assert_eq!(s.set_servers(SimTime(1), 1), vec![7]);
    }
}
