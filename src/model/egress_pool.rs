//! Egress connection pools: each calling pod's HTTP client pool of connections to each
//! external destination that has `pool`, and the SNAT port each open connection holds.
//!
//! SNAT counts connections, not calls (NAT Gateway: "a distinct port per connection", facts
//! §6), so a pool is the documented fix for SNAT exhaustion: ports in use ≈ connections open +
//! connections in their port cool-down, however many calls ride them.
//!
//! A call takes the pod's most recently freed idle connection (LIFO, as .NET's and Go's pools
//! do, so the surplus connections idle out); with none idle it opens a new one, which takes a
//! SNAT port (or fails the call with `snat-exhausted`); with `max_connections` open it waits,
//! first come first served, until a connection is freed or its timeout ends the wait. When the
//! call ends, its connection
//!
//! - closes (FIN) if the caller gave up on it at its timeout (an HTTP/1.1 response cannot be
//!   abandoned on a connection that is reused) or if it is older than `max_lifetime`;
//! - else goes to the first waiting call;
//! - else closes if `max_idle` connections are idle already;
//! - else waits idle, until the pod closes it after `idle_timeout` (FIN) or the egress
//!   device's idle timer ends it first: the device drops the flow silently and frees the port
//!   with no cool-down (see `snat`), and the pod learns the connection is gone.
//!
//! A connection closed with a FIN keeps its port for the device's cool-down
//! (`egress.port_cooldown`, 65 s on NAT Gateway). When its pod stops, the pod's connections
//! close with it: a killed or crashed container's sockets are closed by its node (FIN → the
//! cool-down); a pod whose node or zone went dark sends nothing, so its flows stay in the
//! device until its idle timer ends them. Calls waiting for a connection are then lost.
//!
//! The egress tier counts each pooled call once, like any egress call: a call whose timeout
//! ended its wait for a connection is `rejected` (turned away for want of a connection), one
//! still waiting at the end is in flight, and one waiting when its pod stopped is `lost`.
//!
//! Model limits: one call per connection at a time (HTTP/1.1; HTTP/2 would multiplex); a
//! connection the device dropped is simply gone from the pool (a real client learns it from
//! the RST NAT Gateway sends on its next use, and fails or retries that call); opening a
//! connection adds no handshake time (the destination's `latency` is the call's).

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};
use crate::scenario::{EgressPool, Scenario};

use super::egress::Hold;
use super::result::ErrorCause;
use super::sim::{Ev, Sim};
use super::snat::{Connection, idle_timeout};

/// A connection with no SNAT port (private endpoint, direct egress).
const NO_SLOT: u32 = u32::MAX;

/// Where a pooled connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Carrying a call.
    Busy,
    /// In its pool, free for the next call.
    Idle,
    /// Closed: its entry is free for a new connection.
    Closed,
}

/// One pooled connection.
#[derive(Clone, Copy, Debug)]
struct Conn {
    /// Its pool (pod × destinations + destination).
    pool: u32,
    /// Its SNAT slot, or [`NO_SLOT`].
    slot: u32,
    /// When it opened.
    opened: SimTime,
    /// When it last went idle.
    idle_since: SimTime,
    /// Bumped at each call and at its close: a call-end event of an older call is stale.
    call: u32,
    /// Bumped when the entry is reused for a new connection: an idle check of an older
    /// connection is stale.
    life: u32,
    /// Whether an idle check is in the calendar for this connection.
    check_pending: bool,
    /// Whether its current call ran into the caller's timeout.
    timed_out: bool,
    state: State,
}

/// A call waiting for a connection of a full pool.
#[derive(Clone, Copy, Debug)]
struct Waiter {
    node: u32,
    ver: u32,
    tok: u32,
    /// When the caller gives up.
    deadline: SimTime,
    /// Made after the warm-up.
    counted: bool,
}

/// One pod's pool for one destination.
#[derive(Clone, Debug, Default)]
struct Pool {
    /// Connections open, busy and idle.
    open: u32,
    /// Idle connections, most recently freed last.
    idle: Vec<u32>,
    /// Calls waiting for a connection, first come first served.
    waiting: VecDeque<Waiter>,
}

/// What the pools did over the measured part of one replication (after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Connections opened.
    pub opened: u64,
    /// Calls that rode an idle connection.
    pub reused: u64,
    /// Calls that found `max_connections` open and waited.
    pub waited: u64,
    /// Connections their pod closed (FIN): idle timeout, `max_idle`, `max_lifetime`, a
    /// timed-out call, or the pod's stop.
    pub closed: u64,
    /// Of `closed`, those closed because their pod stopped.
    pub closed_at_pod_stop: u64,
    /// Connections the egress device ended at its idle timeout (port freed at once), or left
    /// to it by a pod that went dark.
    pub dropped: u64,
    /// Most connections open at once, all pods and destinations together.
    pub peak_open: u64,
}

/// The egress connection pools of one replication.
#[derive(Clone, Debug, Default)]
pub struct EgressPools {
    /// Destinations of the scenario (pools are per pod × destination).
    dests: usize,
    /// Per (pod, destination), grown as pods appear.
    pools: Vec<Pool>,
    /// Connections; closed entries are reused.
    conns: Vec<Conn>,
    /// Closed entries of `conns`.
    free: Vec<u32>,
    /// Connections open now, all pools.
    open: u64,
    /// Counted calls whose timeout ended their wait (egress `rejected`).
    abandoned: u64,
    /// Counted calls waiting when their pod stopped (egress `lost`).
    lost: u64,
    /// What the pools did (after the warm-up).
    pub stats: ConnectionStats,
}

impl EgressPools {
    /// Empty pools for scenario `s`.
    pub fn of(s: &Scenario) -> EgressPools {
        EgressPools {
            dests: s.egress.destinations.len(),
            ..EgressPools::default()
        }
    }

    /// The index of pod `pod`'s pool for destination `d`, made if new.
    fn index(&mut self, pod: u32, d: usize) -> usize {
        let i = pod as usize * self.dests + d;
        if i >= self.pools.len() {
            self.pools.resize_with(i + 1, Pool::default);
        }
        i
    }

    /// Bytes the pools hold, by capacity (a grown buffer counts until released): the pools,
    /// their idle lists and waiting lines, the connections and their free list. The memory
    /// budget counts them with the rest of the state (see `memory`).
    pub(super) fn bytes_held(&self) -> u64 {
        use std::mem::size_of;
        let per_pool: usize = self
            .pools
            .iter()
            .map(|p| {
                p.idle.capacity() * size_of::<u32>() + p.waiting.capacity() * size_of::<Waiter>()
            })
            .sum();
        (self.pools.capacity() * size_of::<Pool>()
            + per_pool
            + self.conns.capacity() * size_of::<Conn>()
            + self.free.capacity() * size_of::<u32>()) as u64
    }

    /// The warm-up ends: the peak starts from the connections open now.
    pub(super) fn warm_up(&mut self) {
        self.stats = ConnectionStats {
            peak_open: self.open,
            ..ConnectionStats::default()
        };
    }
}

impl Sim<'_> {
    /// The pool configuration of the destination of pool `pi`.
    fn pool_cfg(&self, pi: usize) -> EgressPool {
        let d = pi % self.pools.dests;
        self.s.egress.destinations[d]
            .pool
            .expect("a pooled connection's destination has a pool")
    }

    /// Call `id` (counted if `counted`) to destination `d` from its pod's pool: an idle
    /// connection, a new one, or a place in the line. The caller gives up after `left`.
    pub(super) fn pooled_call(&mut self, id: u32, d: usize, left: SimDuration, counted: bool) {
        let now = self.cal.now();
        let w = self.nodes[id as usize];
        let pi = self.pools.index(w.at, d);
        if let Some(c) = self.pools.pools[pi].idle.pop() {
            let conn = &mut self.pools.conns[c as usize];
            conn.state = State::Busy;
            self.pools.stats.reused += u64::from(counted);
            return self.egress_send(id, d, counted, Hold::Pooled(c), left);
        }
        if self.pools.pools[pi].open >= self.pool_cfg(pi).max_connections {
            self.pools.stats.waited += u64::from(counted);
            self.pools.pools[pi].waiting.push_back(Waiter {
                node: id,
                ver: w.ver,
                tok: w.tok,
                deadline: now + left,
                counted,
            });
            return;
        }
        self.open_pooled(id, d, pi, left, counted);
    }

    /// Opens a connection of pool `pi` for call `id` and sends the call on it; with no SNAT
    /// port free the call fails (`snat-exhausted`).
    fn open_pooled(&mut self, id: u32, d: usize, pi: usize, left: SimDuration, counted: bool) {
        let now = self.cal.now();
        let pod = self.nodes[id as usize].at;
        let slot = match self.snat_owner(pod) {
            Some(owner) => match self.take_port(d, owner, counted) {
                Connection::New { slot } => slot,
                Connection::Exhausted | Connection::Reused => {
                    return self.fail_call(id, ErrorCause::SnatExhausted);
                }
            },
            None => NO_SLOT,
        };
        let p = &mut self.pools;
        let fresh = Conn {
            pool: pi as u32,
            slot,
            opened: now,
            idle_since: now,
            call: 0,
            life: 0,
            check_pending: false,
            timed_out: false,
            state: State::Busy,
        };
        let c = match p.free.pop() {
            Some(c) => {
                let old = p.conns[c as usize];
                p.conns[c as usize] = Conn {
                    call: old.call.wrapping_add(1),
                    life: old.life.wrapping_add(1),
                    ..fresh
                };
                c
            }
            None => {
                p.conns.push(fresh);
                (p.conns.len() - 1) as u32
            }
        };
        p.pools[pi].open += 1;
        p.open += 1;
        if counted {
            p.stats.opened += 1;
            p.stats.peak_open = p.stats.peak_open.max(p.open);
        }
        self.egress_send(id, d, counted, Hold::Pooled(c), left);
    }

    /// Connection `c` carries its call for `busy` (`timed_out`: the caller gives up then).
    pub(super) fn pooled_busy(&mut self, c: u32, busy: SimDuration, timed_out: bool) {
        let conn = &mut self.pools.conns[c as usize];
        conn.timed_out = timed_out;
        let call = conn.call;
        self.cal
            .schedule_in(busy, Ev::PoolCallEnd { conn: c, call });
    }

    /// The call on connection `c` (its `call`-th) ends: the connection closes, goes to the
    /// next waiting call, or waits idle (see the module docs).
    pub(super) fn pool_call_end(&mut self, c: u32, call: u32) {
        let conn = self.pools.conns[c as usize];
        if conn.call != call || conn.state != State::Busy {
            return;
        }
        let now = self.cal.now();
        let pi = conn.pool as usize;
        let cfg = self.pool_cfg(pi);
        let retired = cfg
            .max_lifetime
            .is_some_and(|l| now.since(conn.opened) >= l);
        if conn.timed_out || retired {
            self.close_pooled(c, true, false);
            return self.serve_waiting(pi);
        }
        self.pools.conns[c as usize].call = call.wrapping_add(1);
        if let Some((w, left)) = self.next_waiting(pi) {
            let d = pi % self.pools.dests;
            return self.egress_send(w.node, d, w.counted, Hold::Pooled(c), left);
        }
        if self.pools.pools[pi].idle.len() >= cfg.max_idle as usize {
            return self.close_pooled(c, true, false);
        }
        let conn = &mut self.pools.conns[c as usize];
        conn.state = State::Idle;
        conn.idle_since = now;
        self.pools.pools[pi].idle.push(c);
        if !conn.check_pending {
            conn.check_pending = true;
            let (at, _) = self.idle_end(c);
            let life = self.pools.conns[c as usize].life;
            self.cal.schedule(at, Ev::PoolIdleCheck { conn: c, life });
        }
    }

    /// When idle connection `c` ends, and whether the egress device ends it (`true`: a silent
    /// drop at the device's idle timeout) rather than its pod (a FIN at `idle_timeout` or
    /// `max_lifetime`).
    fn idle_end(&self, c: u32) -> (SimTime, bool) {
        let conn = self.pools.conns[c as usize];
        let cfg = self.pool_cfg(conn.pool as usize);
        let mut at = conn.idle_since + cfg.idle_timeout;
        if let Some(l) = cfg.max_lifetime {
            at = at.min(conn.opened + l);
        }
        match idle_timeout(&self.s.egress.kind).filter(|_| conn.slot != NO_SLOT) {
            Some(device) if conn.idle_since + device <= at => (conn.idle_since + device, true),
            _ => (at, false),
        }
    }

    /// An idle check of connection `c` (its `life`-th) comes due: it closes if it is still idle
    /// and its end has come; an idle connection whose end moved on is checked again then.
    pub(super) fn pool_idle_check(&mut self, c: u32, life: u32) {
        let conn = self.pools.conns[c as usize];
        if conn.life != life {
            return;
        }
        self.pools.conns[c as usize].check_pending = false;
        if conn.state != State::Idle {
            return;
        }
        let (at, dropped) = self.idle_end(c);
        if at > self.cal.now() {
            self.pools.conns[c as usize].check_pending = true;
            self.cal.schedule(at, Ev::PoolIdleCheck { conn: c, life });
            return;
        }
        let idle = &mut self.pools.pools[conn.pool as usize].idle;
        if let Some(k) = idle.iter().position(|&x| x == c) {
            idle.remove(k);
        }
        self.close_pooled(c, !dropped, false);
    }

    /// Connection `c` closes: with a FIN (`fin`; its port stays held for the cool-down) or
    /// dropped by the egress device (its port is free now). Its pool has one connection fewer;
    /// an idle connection must already be out of the pool's idle list.
    fn close_pooled(&mut self, c: u32, fin: bool, at_pod_stop: bool) {
        let counted = self.cal.now() >= self.warm;
        let p = &mut self.pools;
        let conn = &mut p.conns[c as usize];
        conn.state = State::Closed;
        conn.call = conn.call.wrapping_add(1);
        let (slot, pi) = (conn.slot, conn.pool as usize);
        p.pools[pi].open -= 1;
        p.open -= 1;
        p.free.push(c);
        if counted {
            if fin {
                p.stats.closed += 1;
                p.stats.closed_at_pod_stop += u64::from(at_pod_stop);
            } else {
                p.stats.dropped += 1;
            }
        }
        if slot != NO_SLOT {
            self.snat.close(slot);
            if fin {
                self.cal
                    .schedule_in(self.s.egress.port_cooldown, Ev::PortRelease { slot });
            } else {
                self.snat.release(slot);
            }
        }
    }

    /// The first call still waiting in pool `pi`, with the time it has left; calls that gave
    /// up meanwhile leave the line (counted as `rejected` by the egress tier).
    fn next_waiting(&mut self, pi: usize) -> Option<(Waiter, SimDuration)> {
        let now = self.cal.now();
        while let Some(w) = self.pools.pools[pi].waiting.pop_front() {
            let n = &self.nodes[w.node as usize];
            if n.ver == w.ver && n.tok == w.tok && w.deadline > now {
                return Some((w, w.deadline.since(now)));
            }
            self.pools.abandoned += u64::from(w.counted);
        }
        None
    }

    /// Pool `pi` has room again: waiting calls open connections while it lasts.
    fn serve_waiting(&mut self, pi: usize) {
        let max = self.pool_cfg(pi).max_connections;
        while self.pools.pools[pi].open < max {
            let Some((w, left)) = self.next_waiting(pi) else {
                return;
            };
            let d = pi % self.pools.dests;
            self.open_pooled(w.node, d, pi, left, w.counted);
        }
    }

    /// Pod `p` stops: its connections close with it — with a FIN from its node (`fin`), or
    /// left to the egress device's idle timer when the pod went dark — and the calls waiting
    /// for one are lost.
    pub(super) fn pools_pod_stopped(&mut self, p: u32, fin: bool) {
        let dests = self.pools.dests;
        let first = p as usize * dests;
        if first >= self.pools.pools.len() {
            return;
        }
        let counted = self.cal.now() >= self.warm;
        let device = idle_timeout(&self.s.egress.kind).unwrap_or(SimDuration::ZERO);
        for pi in first..(first + dests).min(self.pools.pools.len()) {
            let pool = &mut self.pools.pools[pi];
            pool.idle.clear();
            let lost = pool.waiting.drain(..).filter(|w| w.counted).count() as u64;
            let open = pool.open;
            self.pools.lost += lost;
            if open == 0 {
                continue;
            }
            let mine: Vec<u32> = (0..self.pools.conns.len() as u32)
                .filter(|&c| {
                    let conn = &self.pools.conns[c as usize];
                    conn.pool as usize == pi && conn.state != State::Closed
                })
                .collect();
            for c in mine {
                if fin {
                    self.close_pooled(c, true, true);
                    continue;
                }
                // Dark: the flow stays in the device until its idle timer ends it.
                let slot = self.pools.conns[c as usize].slot;
                self.pools.stats.dropped += u64::from(counted);
                self.close_pooled_quietly(c);
                if slot != NO_SLOT {
                    self.hold_port(slot, device, device);
                }
            }
        }
    }

    /// Connection `c` leaves its pool without touching its SNAT port (the caller sees to it).
    fn close_pooled_quietly(&mut self, c: u32) {
        let p = &mut self.pools;
        let conn = &mut p.conns[c as usize];
        conn.state = State::Closed;
        conn.call = conn.call.wrapping_add(1);
        let pi = conn.pool as usize;
        p.pools[pi].open -= 1;
        p.open -= 1;
        p.free.push(c);
    }

    /// The egress tier's counts of pooled calls that never left: (still waiting at the end,
    /// turned away when their timeout ended the wait, lost with their pod).
    pub(super) fn pool_call_counts(&self) -> (u64, u64, u64) {
        let end = self.end;
        let (mut waiting, mut abandoned) = (0, self.pools.abandoned);
        for w in self.pools.pools.iter().flat_map(|p| &p.waiting) {
            if !w.counted {
                continue;
            }
            let n = &self.nodes[w.node as usize];
            if n.ver == w.ver && n.tok == w.tok && w.deadline >= end {
                waiting += 1;
            } else {
                abandoned += 1;
            }
        }
        (waiting, abandoned, self.pools.lost)
    }
}

/// Runs replication `replication` of `scenario` like [`super::simulate`] and returns its
/// result with what its egress connection pools did.
pub fn simulate_with_connections(
    scenario: &Scenario,
    replication: u64,
) -> (super::RunResult, ConnectionStats) {
    let mut sim = Sim::new(scenario, replication);
    // With no budget the run always reaches its end.
    let _ = sim.run(u64::MAX, &|_| {});
    let stats = sim.pools.stats;
    (sim.into_result(replication), stats)
}
