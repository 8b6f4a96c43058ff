//! The model's events as they wait in the calendar and in the fold slot: each [`Ev`] packed
//! in one 128-bit word, and the calendar of words that takes and gives back `Ev`s.
//!
//! An `Ev` is a 16-byte enum whose fields are written one by one where it is made; the
//! calendar and the event loop then moved it whole, in pieces of 8 bytes that straddle those
//! writes, and a wide load that needs bytes from narrower stores still in flight stalls the
//! processor (no store-to-load forwarding). A word is made in registers and moves whole, so
//! nothing stalls; the loop dispatches the hops' kinds straight from the word (see `fold`)
//! and unpacks the others. The word's layout: the kind in the low byte (0: no event), then
//! three 32-bit fields, a flag and a byte; each kind uses the fields it needs.

use crate::engine::{Calendar, SimDuration, SimTime};

use super::sim::Ev;
use super::snat::AfterClose;

/// [`AfterClose`] by its number in a word (`then as u8`: declaration order).
const AFTER_CLOSE: [AfterClose; 3] = [
    AfterClose::Free,
    AfterClose::Cooldown,
    AfterClose::Scheduled,
];

/// Kinds (the word's low byte), in the order of [`Ev`]'s variants; 0 is no event.
pub(super) mod kind {
    pub const CLIENT_ARRIVAL: u8 = 1;
    pub const AT_INGRESS: u8 = 2;
    pub const INGRESS_DONE: u8 = 3;
    pub const AT_POD: u8 = 4;
    pub const SERVICE_DONE: u8 = 5;
    pub const CPU_DONE: u8 = 6;
    pub const REPLY: u8 = 7;
    pub const TIMEOUT: u8 = 8;
    pub const RETRY_DUE: u8 = 9;
    pub const CALL_RETRY_DUE: u8 = 10;
    pub const PORT_RELEASE: u8 = 11;
    pub const CONNECTION_CLOSE: u8 = 12;
    pub const POOL_CALL_END: u8 = 13;
    pub const POOL_IDLE_CHECK: u8 = 14;
    pub const FIREWALL_TICK: u8 = 15;
    pub const FIREWALL_READY: u8 = 16;
    pub const DETECT: u8 = 17;
    pub const DETECT_INSTANCE: u8 = 18;
    pub const DETECT_NODES: u8 = 19;
    pub const POD_READY: u8 = 20;
    pub const INSTANCE_READY: u8 = 21;
    pub const GATEWAY_TICK: u8 = 22;
    pub const HPA_TICK: u8 = 23;
    pub const NODES_NOT_READY: u8 = 24;
    pub const TAINT_NODE: u8 = 25;
    pub const EVICT_NODE: u8 = 26;
    pub const SIGTERM: u8 = 27;
    pub const TERMINATE: u8 = 28;
    pub const DRAIN_END: u8 = 29;
    pub const GATEWAY_HPA_TICK: u8 = 30;
    pub const INSTANCE_TERMINATE: u8 = 31;
    pub const FAULT_START: u8 = 32;
    pub const FAULT_END: u8 = 33;
    pub const WARMUP_END: u8 = 34;
    pub const SAMPLE: u8 = 35;
}

/// The fields of a word: kind, three 32-bit fields, a flag and a byte.
pub(super) type Fields = (u8, u32, u32, u32, bool, u8);

/// The word of kind `k` with fields `a`, `b`, `c`, `flag` and `byte`.
#[inline(always)]
pub(super) fn word(k: u8, a: u32, b: u32, c: u32, flag: bool, byte: u8) -> u128 {
    u128::from(k)
        | u128::from(a) << 8
        | u128::from(b) << 40
        | u128::from(c) << 72
        | u128::from(flag) << 104
        | u128::from(byte) << 105
}

/// The fields of word `w`.
#[inline(always)]
pub(super) fn fields(w: u128) -> Fields {
    let (a, b, c) = ((w >> 8) as u32, (w >> 40) as u32, (w >> 72) as u32);
    (w as u8, a, b, c, (w >> 104) & 1 == 1, (w >> 105) as u8)
}

/// `ev` packed in a word (never 0).
#[inline(always)]
pub(super) fn pack(ev: Ev) -> u128 {
    use kind::*;
    let f = false;
    match ev {
        Ev::ClientArrival => word(CLIENT_ARRIVAL, 0, 0, 0, f, 0),
        Ev::AtIngress { node, ver } => word(AT_INGRESS, node, ver, 0, f, 0),
        Ev::IngressDone { node, ver } => word(INGRESS_DONE, node, ver, 0, f, 0),
        Ev::AtPod { node, ver } => word(AT_POD, node, ver, 0, f, 0),
        Ev::ServiceDone { node, ver } => word(SERVICE_DONE, node, ver, 0, f, 0),
        Ev::CpuDone { pod, generation } => word(CPU_DONE, pod, generation, 0, f, 0),
        Ev::Reply {
            node,
            ver,
            tok,
            ok,
            cause,
        } => word(REPLY, node, ver, tok, ok, cause),
        Ev::Timeout { node, ver, tok } => word(TIMEOUT, node, ver, tok, f, 0),
        Ev::RetryDue { node, ver } => word(RETRY_DUE, node, ver, 0, f, 0),
        Ev::CallRetryDue { node, ver, tok } => word(CALL_RETRY_DUE, node, ver, tok, f, 0),
        Ev::PortRelease { slot } => word(PORT_RELEASE, slot, 0, 0, f, 0),
        Ev::ConnectionClose { slot, then } => word(CONNECTION_CLOSE, slot, 0, 0, f, then as u8),
        Ev::PoolCallEnd { conn, call } => word(POOL_CALL_END, conn, call, 0, f, 0),
        Ev::PoolIdleCheck { conn, life } => word(POOL_IDLE_CHECK, conn, life, 0, f, 0),
        Ev::FirewallTick => word(FIREWALL_TICK, 0, 0, 0, f, 0),
        Ev::FirewallReady => word(FIREWALL_READY, 0, 0, 0, f, 0),
        Ev::Detect {
            pod,
            epoch,
            view,
            routable,
        } => word(DETECT, pod, epoch, 0, routable, view),
        Ev::DetectInstance {
            inst,
            epoch,
            routable,
        } => word(DETECT_INSTANCE, inst, epoch, 0, routable, 0),
        Ev::DetectNodes { zone, up } => word(DETECT_NODES, 0, 0, 0, up, zone),
        Ev::PodReady { pod, epoch } => word(POD_READY, pod, epoch, 0, f, 0),
        Ev::InstanceReady { inst, epoch } => word(INSTANCE_READY, inst, epoch, 0, f, 0),
        Ev::GatewayTick => word(GATEWAY_TICK, 0, 0, 0, f, 0),
        Ev::HpaTick { service } => word(HPA_TICK, u32::from(service), 0, 0, f, 0),
        Ev::NodesNotReady => word(NODES_NOT_READY, 0, 0, 0, f, 0),
        Ev::TaintNode { zone, round } => word(TAINT_NODE, u32::from(zone), round, 0, f, 0),
        Ev::EvictNode { node, round } => word(EVICT_NODE, node, round, 0, f, 0),
        Ev::Sigterm { pod, epoch } => word(SIGTERM, pod, epoch, 0, f, 0),
        Ev::Terminate { pod, epoch } => word(TERMINATE, pod, epoch, 0, f, 0),
        Ev::DrainEnd { pod, epoch } => word(DRAIN_END, pod, epoch, 0, f, 0),
        Ev::GatewayHpaTick => word(GATEWAY_HPA_TICK, 0, 0, 0, f, 0),
        Ev::InstanceTerminate { inst, epoch } => word(INSTANCE_TERMINATE, inst, epoch, 0, f, 0),
        Ev::FaultStart(i) => word(FAULT_START, u32::from(i), 0, 0, f, 0),
        Ev::FaultEnd(i) => word(FAULT_END, u32::from(i), 0, 0, f, 0),
        Ev::WarmupEnd => word(WARMUP_END, 0, 0, 0, f, 0),
        Ev::Sample => word(SAMPLE, 0, 0, 0, f, 0),
    }
}

/// The event packed in word `w` (a word made by [`pack`]).
#[inline]
pub(super) fn unpack(w: u128) -> Ev {
    use kind::*;
    let (k, a, b, c, flag, byte) = fields(w);
    match k {
        CLIENT_ARRIVAL => Ev::ClientArrival,
        AT_INGRESS => Ev::AtIngress { node: a, ver: b },
        INGRESS_DONE => Ev::IngressDone { node: a, ver: b },
        AT_POD => Ev::AtPod { node: a, ver: b },
        SERVICE_DONE => Ev::ServiceDone { node: a, ver: b },
        CPU_DONE => Ev::CpuDone {
            pod: a,
            generation: b,
        },
        REPLY => Ev::Reply {
            node: a,
            ver: b,
            tok: c,
            ok: flag,
            cause: byte,
        },
        TIMEOUT => Ev::Timeout {
            node: a,
            ver: b,
            tok: c,
        },
        RETRY_DUE => Ev::RetryDue { node: a, ver: b },
        CALL_RETRY_DUE => Ev::CallRetryDue {
            node: a,
            ver: b,
            tok: c,
        },
        PORT_RELEASE => Ev::PortRelease { slot: a },
        CONNECTION_CLOSE => Ev::ConnectionClose {
            slot: a,
            then: AFTER_CLOSE[byte as usize],
        },
        POOL_CALL_END => Ev::PoolCallEnd { conn: a, call: b },
        POOL_IDLE_CHECK => Ev::PoolIdleCheck { conn: a, life: b },
        FIREWALL_TICK => Ev::FirewallTick,
        FIREWALL_READY => Ev::FirewallReady,
        DETECT => Ev::Detect {
            pod: a,
            epoch: b,
            view: byte,
            routable: flag,
        },
        DETECT_INSTANCE => Ev::DetectInstance {
            inst: a,
            epoch: b,
            routable: flag,
        },
        DETECT_NODES => Ev::DetectNodes {
            zone: byte,
            up: flag,
        },
        POD_READY => Ev::PodReady { pod: a, epoch: b },
        INSTANCE_READY => Ev::InstanceReady { inst: a, epoch: b },
        GATEWAY_TICK => Ev::GatewayTick,
        HPA_TICK => Ev::HpaTick { service: a as u16 },
        NODES_NOT_READY => Ev::NodesNotReady,
        TAINT_NODE => Ev::TaintNode {
            zone: a as u16,
            round: b,
        },
        EVICT_NODE => Ev::EvictNode { node: a, round: b },
        SIGTERM => Ev::Sigterm { pod: a, epoch: b },
        TERMINATE => Ev::Terminate { pod: a, epoch: b },
        DRAIN_END => Ev::DrainEnd { pod: a, epoch: b },
        GATEWAY_HPA_TICK => Ev::GatewayHpaTick,
        INSTANCE_TERMINATE => Ev::InstanceTerminate { inst: a, epoch: b },
        FAULT_START => Ev::FaultStart(a as u16),
        FAULT_END => Ev::FaultEnd(a as u16),
        WARMUP_END => Ev::WarmupEnd,
        SAMPLE => Ev::Sample,
        _ => unreachable!("word {w:#x} was not made by `pack`"),
    }
}

/// The engine's calendar holding events as words: the same order, lanes and clean-up.
#[derive(Default)]
pub struct EventCalendar {
    inner: Calendar<u128>,
}

impl EventCalendar {
    /// An empty calendar at time zero.
    pub fn new() -> Self {
        EventCalendar {
            inner: Calendar::new(),
        }
    }

    /// See [`Calendar::add_lane`].
    pub fn add_lane(&mut self, delay: SimDuration) {
        self.inner.add_lane(delay);
    }

    /// See [`Calendar::add_timer_lane`].
    pub fn add_timer_lane(&mut self, delay: SimDuration) {
        self.inner.add_timer_lane(delay);
    }

    /// See [`Calendar::bytes_held`].
    pub fn bytes_held(&self) -> usize {
        self.inner.bytes_held()
    }

    /// See [`Calendar::compact`]: `keep` and `ahead` read each entry's word.
    pub fn compact(
        &mut self,
        horizon: SimTime,
        keep: impl FnMut(&u128) -> bool,
        ahead: impl Fn(&u128),
    ) {
        self.inner.compact(horizon, keep, ahead);
    }

    /// See [`Calendar::compaction_due`].
    #[inline]
    pub fn compaction_due(&self) -> bool {
        self.inner.compaction_due()
    }

    /// See [`Calendar::has_due`].
    #[inline]
    pub fn has_due(&self, t: SimTime) -> bool {
        self.inner.has_due(t)
    }

    /// See [`Calendar::discarded`].
    pub fn discarded(&self) -> u64 {
        self.inner.discarded()
    }

    /// See [`Calendar::heap_len`].
    pub fn heap_len(&self) -> usize {
        self.inner.heap_len()
    }

    /// See [`Calendar::len`].
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// See [`Calendar::now`].
    #[inline]
    pub fn now(&self) -> SimTime {
        self.inner.now()
    }

    /// The earliest event's word, advancing the clock to its time (see [`Calendar::pop`]).
    #[inline(always)]
    pub fn pop_word(&mut self) -> Option<(SimTime, u128)> {
        self.inner.pop()
    }

    /// See [`Calendar::schedule`].
    #[inline(always)]
    pub fn schedule(&mut self, at: SimTime, event: Ev) {
        self.inner.schedule(at, pack(event));
    }

    /// See [`Calendar::schedule_in`].
    #[inline(always)]
    pub fn schedule_in(&mut self, delay: SimDuration, event: Ev) {
        self.inner.schedule_in(delay, pack(event));
    }

    /// See [`Calendar::schedule_solo`].
    #[inline(always)]
    pub fn schedule_solo(&mut self, at: SimTime, event: Ev) {
        self.inner.schedule_solo(at, pack(event));
    }
}

#[cfg(test)]
mod tests {
    use super::{AFTER_CLOSE, pack, unpack};
    use crate::model::sim::Ev;

    /// Every kind, with its fields at their extremes, reads back as it was packed.
    #[test]
    fn every_event_reads_back_from_its_word() {
        for (a, b, c) in [
            (0, 0, 0),
            (u32::MAX, u32::MAX, u32::MAX),
            (7, 1 << 31, 12345),
        ] {
            for flag in [false, true] {
                for byte in [0, 1, u8::MAX] {
                    let (h, s) = (a as u16, b as u16);
                    let all = [
                        Ev::ClientArrival,
                        Ev::AtIngress { node: a, ver: b },
                        Ev::IngressDone { node: a, ver: b },
                        Ev::AtPod { node: a, ver: b },
                        Ev::ServiceDone { node: a, ver: b },
                        Ev::CpuDone {
                            pod: a,
                            generation: b,
                        },
                        Ev::Reply {
                            node: a,
                            ver: b,
                            tok: c,
                            ok: flag,
                            cause: byte,
                        },
                        Ev::Timeout {
                            node: a,
                            ver: b,
                            tok: c,
                        },
                        Ev::RetryDue { node: a, ver: b },
                        Ev::CallRetryDue {
                            node: a,
                            ver: b,
                            tok: c,
                        },
                        Ev::PortRelease { slot: a },
                        Ev::ConnectionClose {
                            slot: a,
                            then: AFTER_CLOSE[usize::from(byte) % AFTER_CLOSE.len()],
                        },
                        Ev::PoolCallEnd { conn: a, call: b },
                        Ev::PoolIdleCheck { conn: a, life: b },
                        Ev::FirewallTick,
                        Ev::FirewallReady,
                        Ev::Detect {
                            pod: a,
                            epoch: b,
                            view: byte,
                            routable: flag,
                        },
                        Ev::DetectInstance {
                            inst: a,
                            epoch: b,
                            routable: flag,
                        },
                        Ev::DetectNodes {
                            zone: byte,
                            up: flag,
                        },
                        Ev::PodReady { pod: a, epoch: b },
                        Ev::InstanceReady { inst: a, epoch: b },
                        Ev::GatewayTick,
                        Ev::HpaTick { service: h },
                        Ev::NodesNotReady,
                        Ev::TaintNode { zone: s, round: c },
                        Ev::EvictNode { node: a, round: b },
                        Ev::Sigterm { pod: a, epoch: b },
                        Ev::Terminate { pod: a, epoch: b },
                        Ev::DrainEnd { pod: a, epoch: b },
                        Ev::GatewayHpaTick,
                        Ev::InstanceTerminate { inst: a, epoch: b },
                        Ev::FaultStart(h),
                        Ev::FaultEnd(s),
                        Ev::WarmupEnd,
                        Ev::Sample,
                    ];
                    for ev in all {
                        let w = pack(ev);
                        assert_ne!(w, 0, "a word is never the empty slot: {ev:?}");
                        // `Ev` has no `PartialEq`: compare the printed forms.
                        assert_eq!(format!("{:?}", unpack(w)), format!("{ev:?}"));
                    }
                }
            }
        }
    }
}
