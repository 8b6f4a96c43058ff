//! What bound the system, counted as it runs: busy slot-time by what the slot was doing, failed
//! requests by the component where they failed, and the first time each limit was reached.
//!
//! - **Slot-time.** A worker slot of a pod is held from the start of the work's service to its
//!   end: its own service time, then each call it makes in turn (the slot stays held while the
//!   call is out). Each stretch is added to a *bucket* — (service, zone of the pod, own work |
//!   call `k` answered | call `k` failed) — when it closes: at the end of the own work, at each
//!   reply or timeout of a call, at the last leg of a fan-out group (the slowest call held the
//!   slot). An ingress slot holds only the processing (the ingress does not hold a slot while
//!   the backend works), counted as the ingress zone's own work. The stretch goes to the
//!   time-series window in which it closes. Counting costs two indexed additions per stretch:
//!   no event, no allocation, no lookup by name.
//! - **Origins.** Each node carries the origin of the failure it last saw (a compact code, see
//!   [`Origin`]). A failure starts where it happens — a full queue, a dead pod, a lost NAT
//!   Gateway, an exhausted SNAT pool, a destination's error, a call's timeout — and travels up
//!   with the reply to the parent that waits on it, so the client's final failure is counted at
//!   the deepest component known to have failed, not at the symptom (its timeout). The code is
//!   written only on failure paths and cleared when a node starts a new wait.
//! - **Limits.** The first time (seconds since the start) and the highest figure of: an HPA at
//!   its maximum, pods pending, a queue full (first rejection), an ingress wanting more
//!   instances than its maximum, Azure Firewall above its throughput.
//!
//! The runner sums these over replications ([`crate::runner::findings`]).

use crate::engine::{SimDuration, SimTime};
use crate::scenario::{CallTarget, Scenario};

/// What a failure's origin is. The index of an origin of a given kind (a zone, a service, a
/// destination, a call) is kept beside it in [`OriginLayout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OriginKind {
    /// A zonal NAT Gateway lost with its zone (index: the NAT Gateway's zone).
    EgressLost = 0,
    /// No SNAT port for a new connection (index: the destination).
    SnatExhausted = 1,
    /// The external destination answered with an error (index: the destination).
    DestinationError = 2,
    /// A pod's waiting line was full (index: the service).
    QueueFull = 3,
    /// The ingress turned the attempt away: full line or rate limit.
    IngressRejected = 4,
    /// The ingress sent the request to a pod that was gone but still in its pool (index: the
    /// service).
    DeadPodInIngressPool = 5,
    /// A service call reached a pod that was gone but still in the endpoints (index: the
    /// called service).
    DeadPodInEndpoints = 6,
    /// The attempt reached an ingress instance that was gone.
    DeadIngress = 7,
    /// No ready backend of the service (index: the service).
    NoBackend = 8,
    /// No ingress instance taking traffic.
    NoIngress = 9,
    /// The service's own error (its error rate or a fault's) (index: the service).
    ServiceError = 10,
    /// A service gave up waiting on one of its calls with no deeper cause known (index: the
    /// call, numbered over all services).
    CallTimeout = 11,
    /// The ingress's backend timeout, no deeper cause known (index: the service).
    IngressTimeout = 12,
    /// The client's timeout, no deeper cause known.
    ClientTimeout = 13,
    /// A network policy dropped the call (index: the call, numbered over all services).
    PolicyDenied = 14,
}

impl OriginKind {
    /// Every kind, in code order.
    pub const ALL: [OriginKind; 15] = [
        OriginKind::EgressLost,
        OriginKind::SnatExhausted,
        OriginKind::DestinationError,
        OriginKind::QueueFull,
        OriginKind::IngressRejected,
        OriginKind::DeadPodInIngressPool,
        OriginKind::DeadPodInEndpoints,
        OriginKind::DeadIngress,
        OriginKind::NoBackend,
        OriginKind::NoIngress,
        OriginKind::ServiceError,
        OriginKind::CallTimeout,
        OriginKind::IngressTimeout,
        OriginKind::ClientTimeout,
        OriginKind::PolicyDenied,
    ];

    /// The name used in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            OriginKind::EgressLost => "egress-device-lost",
            OriginKind::SnatExhausted => "snat-exhausted",
            OriginKind::DestinationError => "destination-error",
            OriginKind::QueueFull => "queue-full",
            OriginKind::IngressRejected => "ingress-rejected",
            OriginKind::DeadPodInIngressPool => "dead-pod-in-ingress-pool",
            OriginKind::DeadPodInEndpoints => "dead-pod-in-endpoints",
            OriginKind::DeadIngress => "dead-ingress-instance",
            OriginKind::NoBackend => "no-backend",
            OriginKind::NoIngress => "no-ingress",
            OriginKind::ServiceError => "service-error",
            OriginKind::CallTimeout => "call-timeout",
            OriginKind::IngressTimeout => "ingress-timeout",
            OriginKind::ClientTimeout => "client-timeout",
            OriginKind::PolicyDenied => "policy-denied",
        }
    }
}

/// A failure's origin: its kind and the index of its component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// What failed.
    pub kind: OriginKind,
    /// Which one (see [`OriginKind`]).
    pub index: usize,
}

/// The dense numbering of origins and slot-time buckets of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OriginLayout {
    /// First code of each origin kind.
    base: Vec<u16>,
    /// Codes in all.
    count: usize,
    /// First call number of each service (calls numbered over all services).
    call_base: Vec<u16>,
    /// First slot-time bucket of each service.
    svc_base: Vec<u32>,
    /// Buckets per zone of each service: own work, then two per call.
    svc_stride: Vec<u32>,
    /// Zones.
    zones: usize,
    /// Buckets in all.
    buckets: usize,
}

/// What a slot-time bucket holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// An ingress instance's processing in a zone.
    IngressOwn {
        /// Zone index.
        zone: usize,
    },
    /// A service's own work in a zone.
    Own {
        /// Service index.
        service: usize,
        /// Zone index.
        zone: usize,
    },
    /// A service in a zone waiting on its call `call`, which then answered (`failed` false)
    /// or failed or timed out.
    Call {
        /// Service index.
        service: usize,
        /// Zone index.
        zone: usize,
        /// Call index in the service's calls.
        call: usize,
        /// Whether the wait ended in a failure.
        failed: bool,
    },
}

impl OriginLayout {
    /// The layout of `s`.
    pub fn of(s: &Scenario) -> OriginLayout {
        let zones = s.network.zones.len().max(1);
        let services = s.services.len();
        let dests = s.egress.destinations.len();
        let calls: usize = s.services.iter().map(|v| v.calls.len()).sum();
        let sizes = |k: OriginKind| match k {
            OriginKind::EgressLost => zones,
            OriginKind::SnatExhausted | OriginKind::DestinationError => dests,
            OriginKind::QueueFull
            | OriginKind::DeadPodInIngressPool
            | OriginKind::DeadPodInEndpoints
            | OriginKind::NoBackend
            | OriginKind::ServiceError
            | OriginKind::IngressTimeout => services,
            OriginKind::CallTimeout | OriginKind::PolicyDenied => calls,
            OriginKind::IngressRejected
            | OriginKind::DeadIngress
            | OriginKind::NoIngress
            | OriginKind::ClientTimeout => 1,
        };
        let mut base = Vec::with_capacity(OriginKind::ALL.len());
        let mut count = 0usize;
        for k in OriginKind::ALL {
            base.push(count as u16);
            count += sizes(k);
        }
        let mut call_base = Vec::with_capacity(services);
        let mut svc_base = Vec::with_capacity(services);
        let mut svc_stride = Vec::with_capacity(services);
        let mut c = 0usize;
        let mut b = zones;
        for v in &s.services {
            call_base.push(c as u16);
            c += v.calls.len();
            let stride = 1 + 2 * v.calls.len();
            svc_base.push(b as u32);
            svc_stride.push(stride as u32);
            b += stride * zones;
        }
        OriginLayout {
            base,
            count,
            call_base,
            svc_base,
            svc_stride,
            zones,
            buckets: b,
        }
    }

    /// Origin codes in all.
    pub fn origins(&self) -> usize {
        self.count
    }

    /// Slot-time buckets in all.
    pub fn buckets(&self) -> usize {
        self.buckets
    }

    /// The code of `kind` number `index`, plus one (0 means "no origin" in a node).
    #[inline]
    pub fn code(&self, kind: OriginKind, index: usize) -> u16 {
        self.base[kind as usize] + index as u16 + 1
    }

    /// The call number (over all services) of call `k` of `service`.
    #[inline]
    pub fn call_number(&self, service: usize, k: usize) -> usize {
        usize::from(self.call_base[service]) + k
    }

    /// The service and call index of call number `n`.
    pub fn call_of(&self, n: usize) -> (usize, usize) {
        let s = self
            .call_base
            .iter()
            .rposition(|&b| usize::from(b) <= n)
            .unwrap_or(0);
        (s, n - usize::from(self.call_base[s]))
    }

    /// The origin of code `code` (without the plus one).
    pub fn origin(&self, code: usize) -> Origin {
        let k = self
            .base
            .iter()
            .rposition(|&b| usize::from(b) <= code)
            .unwrap_or(0);
        // Kinds of size 0 share their base with the next kind: take the last with this base.
        Origin {
            kind: OriginKind::ALL[k],
            index: code - usize::from(self.base[k]),
        }
    }

    /// The bucket of an ingress instance's processing in `zone`.
    #[inline]
    pub fn ingress_bucket(&self, zone: usize) -> usize {
        zone.min(self.zones - 1)
    }

    /// The bucket of `service` in `zone`: own work (`slot` 0), call `k` answered (`1 + 2k`) or
    /// failed (`2 + 2k`).
    #[inline]
    pub fn bucket(&self, service: usize, zone: usize, slot: usize) -> usize {
        self.svc_base[service] as usize + zone * self.svc_stride[service] as usize + slot
    }

    /// What bucket `b` holds.
    pub fn describe(&self, b: usize) -> Bucket {
        if b < self.zones {
            return Bucket::IngressOwn { zone: b };
        }
        let service = self
            .svc_base
            .iter()
            .rposition(|&x| x as usize <= b)
            .unwrap_or(0);
        let rel = b - self.svc_base[service] as usize;
        let stride = self.svc_stride[service] as usize;
        let (zone, slot) = (rel / stride, rel % stride);
        if slot == 0 {
            Bucket::Own { service, zone }
        } else {
            Bucket::Call {
                service,
                zone,
                call: (slot - 1) / 2,
                failed: slot.is_multiple_of(2),
            }
        }
    }
}

/// The limits whose first crossing is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum LimitKind {
    /// A service's HPA recommended its maximum (figure: the maximum).
    HpaAtMax = 0,
    /// Pods of a service pending for want of a zone or node (figure: most pending).
    PodsPending = 1,
    /// A service's pod turned work away with a full line (figure: rejections).
    QueueFull = 2,
    /// The ingress turned attempts away (full line or rate limit) (figure: rejections).
    IngressQueueFull = 3,
    /// App Gateway autoscaling or the gateway HPA wanted more instances than its maximum
    /// (figure: the instances wanted).
    IngressAtMax = 4,
    /// Azure Firewall's traffic above its instances' throughput in an autoscaling interval
    /// (figure: the highest share of the throughput used).
    FirewallOverThroughput = 5,
}

impl LimitKind {
    /// Every kind, in index order.
    pub const ALL: [LimitKind; 6] = [
        LimitKind::HpaAtMax,
        LimitKind::PodsPending,
        LimitKind::QueueFull,
        LimitKind::IngressQueueFull,
        LimitKind::IngressAtMax,
        LimitKind::FirewallOverThroughput,
    ];

    /// Whether the limit is per service (else one for the run).
    pub fn per_service(self) -> bool {
        matches!(
            self,
            LimitKind::HpaAtMax | LimitKind::PodsPending | LimitKind::QueueFull
        )
    }
}

/// One limit of one replication: when first reached and its highest figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LimitMark {
    /// Seconds since the start when first reached (after the warm-up), if it was.
    pub first_secs: Option<f64>,
    /// Highest figure seen (see [`LimitKind`]).
    pub figure: f64,
}

/// What one replication counted for the findings.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Attribution {
    /// The numbering of buckets and origins.
    pub layout: OriginLayout,
    /// Window width.
    width: u64,
    /// Windows.
    windows: usize,
    /// Busy slot-seconds, `windows × buckets`, window-major.
    pub slot_secs: Vec<f64>,
    /// Failed client requests (after the warm-up) by origin code, `windows × origins`.
    pub origins: Vec<u64>,
    /// Slot-seconds available (slots of running pods, then of running ingress instances), by
    /// window, then service (the ingress last), then zone: `windows × (services + 1) × zones`,
    /// taken at the gauge samples.
    pub capacity_secs: Vec<f64>,
    /// Limits: run-wide ones first (one each), then per service (`services` each), in
    /// [`LimitKind`] order; see [`Attribution::limit_index`].
    pub limits: Vec<LimitMark>,
    /// Services.
    services: usize,
    /// End of the warm-up.
    warm: SimTime,
    /// The window the last slot-time went to, so that the next one in it skips the division.
    #[serde(skip)]
    current: CurrentWindow,
    /// The first bucket of each service in each zone (`layout.bucket(service, zone, 0)`),
    /// `services × zones`, service-major: a work's stretch finds its bucket with one load.
    /// Built by [`Attribution::of`]; empty in counts read back from a file.
    #[serde(skip)]
    work_base: Vec<u32>,
}

/// The time span `[start, end)` of one window and the index of its first bucket in
/// `slot_secs` (an empty span until the first add).
#[derive(Clone, Copy, Debug, Default)]
struct CurrentWindow {
    start: u64,
    end: u64,
    base: usize,
}

impl Attribution {
    /// Empty counters for `s`, windows as in its time series.
    pub fn of(s: &Scenario) -> Attribution {
        let layout = OriginLayout::of(s);
        let end = s.simulation.duration.0;
        // The series' windows (at most the scenario's `max_windows`, so these are bounded too).
        let width = if s.simulation.window.0 == 0 {
            end.max(1)
        } else {
            s.simulation.window.0
        };
        let windows = end.div_ceil(width).max(1) as usize;
        let services = s.services.len();
        Attribution {
            slot_secs: vec![0.0; windows * layout.buckets()],
            origins: vec![0; windows * layout.origins()],
            capacity_secs: vec![0.0; windows * (services + 1) * layout.zones],
            limits: vec![LimitMark::default(); LimitKind::ALL.len() * services.max(1)],
            width,
            windows,
            services,
            warm: SimTime::ZERO + s.simulation.warmup,
            current: CurrentWindow::default(),
            work_base: (0..services)
                .flat_map(|v| (0..layout.zones).map(move |z| (v, z)))
                .map(|(v, z)| layout.bucket(v, z, 0) as u32)
                .collect(),
            layout,
        }
    }

    /// Bytes the per-window counters hold (the windows are the time series', at most the
    /// scenario's `max_windows`).
    pub fn bytes_held(&self) -> u64 {
        (self.slot_secs.capacity() * std::mem::size_of::<f64>()
            + self.origins.capacity() * std::mem::size_of::<u64>()
            + self.capacity_secs.capacity() * std::mem::size_of::<f64>()
            + self.limits.capacity() * std::mem::size_of::<LimitMark>()) as u64
    }

    /// Windows counted.
    pub fn windows(&self) -> usize {
        self.windows
    }

    /// Window width.
    pub fn width(&self) -> SimDuration {
        SimDuration(self.width)
    }

    #[inline]
    fn window(&self, now: SimTime) -> usize {
        ((now.0 / self.width) as usize).min(self.windows - 1)
    }

    /// Adds `d` of busy slot-time to bucket `b`, closing at `now`.
    #[inline]
    pub fn add(&mut self, now: SimTime, b: usize, d: SimDuration) {
        let c = self.current;
        let base = if c.start <= now.0 && now.0 < c.end {
            c.base
        } else {
            self.enter_window(now)
        };
        self.slot_secs[base + b] += d.as_secs_f64();
    }

    /// The bucket of `service`'s work in `zone` for `slot` (as [`OriginLayout::bucket`]).
    #[inline]
    pub fn work_bucket(&self, service: usize, zone: usize, slot: usize) -> usize {
        debug_assert!(zone < self.layout.zones);
        self.work_base[service * self.layout.zones + zone] as usize + slot
    }

    /// Makes the window of `now` the current one; returns its first bucket's index.
    #[cold]
    fn enter_window(&mut self, now: SimTime) -> usize {
        let w = self.window(now);
        let start = w as u64 * self.width;
        // The last window takes everything after it (see `window`).
        let end = if w + 1 == self.windows {
            u64::MAX
        } else {
            start + self.width
        };
        let base = w * self.layout.buckets();
        self.current = CurrentWindow { start, end, base };
        base
    }

    /// Zones.
    pub fn zones(&self) -> usize {
        self.layout.zones
    }

    /// Services.
    pub fn services(&self) -> usize {
        self.services
    }

    /// Slot-seconds available to `service` (`services()`: the ingress) in `zone` in window `w`.
    pub fn capacity(&self, w: usize, service: usize, zone: usize) -> f64 {
        let z = self.layout.zones;
        self.capacity_secs[(w * (self.services + 1) + service) * z + zone]
    }

    /// Adds `secs` slot-seconds available to `service` (`services()`: the ingress) in `zone`
    /// at `now`.
    pub fn add_capacity(&mut self, now: SimTime, service: usize, zone: usize, secs: f64) {
        let z = self.layout.zones;
        let i = (self.window(now) * (self.services + 1) + service) * z + zone.min(z - 1);
        self.capacity_secs[i] += secs;
    }

    /// Counts one failed client request of origin `code` (plus one; 0: unknown, not counted).
    pub fn count_failure(&mut self, now: SimTime, code: u16) {
        if code == 0 {
            return;
        }
        let i = self.window(now) * self.layout.origins() + usize::from(code - 1);
        self.origins[i] += 1;
    }

    /// Where limit `kind` of `service` (0 for run-wide limits) is kept in `limits`.
    pub fn limit_index(&self, kind: LimitKind, service: usize) -> usize {
        kind as usize * self.services.max(1) + if kind.per_service() { service } else { 0 }
    }

    /// Limit `kind` of `service` (0 for run-wide ones) is reached at `now` with `figure`
    /// (counted after the warm-up).
    pub fn reach(&mut self, now: SimTime, kind: LimitKind, service: usize, figure: f64) {
        if now < self.warm {
            return;
        }
        let i = self.limit_index(kind, service);
        let m = &mut self.limits[i];
        // The time's conversion only the first time (a full queue reaches its limit at every
        // rejection).
        if m.first_secs.is_none() {
            m.first_secs = Some(now.as_secs_f64());
        }
        m.figure = m.figure.max(figure);
    }

    /// Adds another replication's counts (same scenario).
    pub fn merge(&mut self, other: &Attribution) {
        for (a, b) in self.slot_secs.iter_mut().zip(&other.slot_secs) {
            *a += b;
        }
        for (a, b) in self.origins.iter_mut().zip(&other.origins) {
            *a += b;
        }
        for (a, b) in self.capacity_secs.iter_mut().zip(&other.capacity_secs) {
            *a += b;
        }
    }
}

/// The origin of a failure that node `kind` (a request, an attempt, or work of `service` on
/// its call `call`) saw from below when nothing deeper was known.
pub(super) fn origin_waiting(
    s: &Scenario,
    layout: &OriginLayout,
    kind: super::sim::Kind,
    service: usize,
    call: usize,
    cause: super::result::ErrorCause,
) -> u16 {
    use super::result::ErrorCause as C;
    use super::sim::Kind;
    match kind {
        Kind::Request => match cause {
            C::Timeout => layout.code(OriginKind::ClientTimeout, 0),
            _ => 0,
        },
        Kind::Attempt => match cause {
            C::Timeout => layout.code(OriginKind::IngressTimeout, service),
            _ => 0,
        },
        Kind::Work | Kind::Leg => {
            let Some(c) = s.services[service].calls.get(call) else {
                return 0;
            };
            match (cause, c.target) {
                (C::Timeout, _) => {
                    layout.code(OriginKind::CallTimeout, layout.call_number(service, call))
                }
                (C::PolicyDenied, _) => {
                    layout.code(OriginKind::PolicyDenied, layout.call_number(service, call))
                }
                (C::SnatExhausted, CallTarget::Destination(d)) => {
                    layout.code(OriginKind::SnatExhausted, d)
                }
                (C::Upstream, CallTarget::Destination(d)) => {
                    layout.code(OriginKind::DestinationError, d)
                }
                (C::NoBackend, CallTarget::Service(t)) => layout.code(OriginKind::NoBackend, t),
                (C::Rejected, CallTarget::Service(t)) => layout.code(OriginKind::QueueFull, t),
                (C::DeadBackend, CallTarget::Service(t)) => {
                    layout.code(OriginKind::DeadPodInEndpoints, t)
                }
                (C::Upstream, CallTarget::Service(t)) => layout.code(OriginKind::ServiceError, t),
                _ => 0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        crate::scenario::parse(TEXT, "t.toml").unwrap()
    }

    const TEXT: &str = r#"
[simulation]
duration = "2m"
window = "10s"
[clients]
rate = 10
[network]
zones = ["1", "2"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1 }
service_time = "1ms"
calls = [{ service = "api" }, { destination = "x" }]
[[services]]
name = "api"
pods = { "1" = 1, "2" = 1 }
service_time = "1ms"
[egress]
kind = "direct"
[[egress.destinations]]
name = "x"
latency = "1ms"
"#;

    #[test]
    fn buckets_and_origins_are_numbered_densely_and_read_back() {
        let s = scenario();
        let l = OriginLayout::of(&s);
        // 2 ingress zones + web (1 + 2×2) × 2 zones + api 1 × 2 zones.
        assert_eq!(l.buckets(), 2 + 10 + 2);
        for b in 0..l.buckets() {
            let back = match l.describe(b) {
                Bucket::IngressOwn { zone } => l.ingress_bucket(zone),
                Bucket::Own { service, zone } => l.bucket(service, zone, 0),
                Bucket::Call {
                    service,
                    zone,
                    call,
                    failed,
                } => l.bucket(service, zone, 1 + 2 * call + usize::from(failed)),
            };
            assert_eq!(back, b);
        }
        for code in 0..l.origins() {
            let o = l.origin(code);
            assert_eq!(usize::from(l.code(o.kind, o.index)) - 1, code, "{o:?}");
        }
        assert_eq!(l.call_of(l.call_number(0, 1)), (0, 1));
        // The hot path's table gives the layout's buckets.
        let a = Attribution::of(&s);
        for (service, slots) in [(0, 5), (1, 1)] {
            for zone in 0..2 {
                for slot in 0..slots {
                    assert_eq!(
                        a.work_bucket(service, zone, slot),
                        l.bucket(service, zone, slot)
                    );
                }
            }
        }
    }

    #[test]
    fn slot_time_goes_to_the_window_where_it_closes() {
        let s = scenario();
        let mut a = Attribution::of(&s);
        assert_eq!(a.windows(), 12);
        a.add(SimTime(15_000_000_000), 3, SimDuration(2_000_000_000));
        let n = a.layout.buckets();
        assert_eq!(a.slot_secs[n + 3], 2.0);
        a.add(SimTime(u64::MAX), 3, SimDuration(1_000_000_000));
        assert_eq!(a.slot_secs[11 * n + 3], 1.0);
    }

    #[test]
    fn a_long_run_counts_in_the_series_wider_windows() {
        let text = TEXT.replace("duration = \"2m\"", "duration = \"2000m\"");
        let s = crate::scenario::parse(&text, "t.toml").unwrap();
        // 12,000 windows of 10 s asked for; at most 180 kept: 10 s doubled 7 times.
        assert_eq!(s.simulation.window, SimDuration::from_secs(1_280));
        let a = Attribution::of(&s);
        let series = crate::stats::TimeSeries::new(
            s.simulation.window,
            SimTime::ZERO + s.simulation.duration,
        );
        assert_eq!((a.windows(), series.windows().len()), (94, 94));
        let per_window = a.layout.buckets() * 8 + a.layout.origins() * 8 + 3 * 2 * 8;
        assert!(a.bytes_held() >= (94 * per_window) as u64);
    }
}
