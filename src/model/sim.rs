//! The simulation state of one replication and its event loop.
//!
//! A client request is a tree of *nodes* in an arena with generation-checked ids: the request,
//! its client attempts (one per try), and the work each attempt causes at pods (which may call
//! other services). A node waits on at most one child at a time; it holds a *token* that it
//! bumps whenever it stops waiting (a reply came, or its timeout fired). Replies and timeouts
//! carry the token they were issued under, so a late reply or a stale timeout is recognised and
//! ignored in O(1). Every node ends exactly once — every wait has a timeout — and frees its slot.
//!
//! Events are a small `Copy` enum; the calendar orders them by (time, sequence) and holds each
//! packed in one word (see `event_word`).

use crate::engine::{SimDuration, SimTime, StreamRng, named_stream};
use crate::scenario::Scenario;
use crate::stats::{LatencyRecorder, TimeSeries};

use super::result::ErrorCause;
use super::topology::{Topology, View};

/// No node.
pub const NONE: u32 = u32::MAX;

/// No failure yet in a fan-out group.
pub const NO_FAILURE: u8 = u8::MAX;

/// The current call is no option of a weighted choice.
pub const NO_OPTION: u16 = u16::MAX;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A client request (the root).
    Request,
    /// One try of the client, through the ingress.
    Attempt,
    /// Work at a pod (for an attempt, or a call from another pod).
    Work,
    /// One call of a parallel fan-out, standing for its work (parent) while the call is out:
    /// it holds the call's timeout and token, so the work can wait on several calls at once.
    Leg,
}

/// An entry of the arena.
///
/// Aligned to a cache line: its 104 bytes of fields then take 128, and every node spans
/// exactly two lines (at a 104-byte stride, half of them spanned three), with the fields a
/// reply's or a timeout's check reads (generation, token) in the first. On `zone-outage.toml`
/// that ran about 3% faster for about a quarter more arena memory.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
pub struct Node {
    /// Version (generation): bumped when the slot is freed.
    pub ver: u32,
    /// What it is.
    pub kind: Kind,
    /// Parent node and the parent's generation and token when this node was created.
    pub parent: u32,
    /// Parent generation.
    pub parent_ver: u32,
    /// Parent token.
    pub parent_tok: u32,
    /// This node's token (bumped when it stops waiting on a child).
    pub tok: u32,
    /// When the node started.
    pub born: SimTime,
    /// When it reached its current station.
    pub mark: SimTime,
    /// Whether it belongs to a request that arrived after the warm-up.
    pub counted: bool,
    /// Target service.
    pub service: u32,
    /// Tries used (request: client attempts; attempt: tries towards pods).
    pub tries: u16,
    /// Next call to consider (work); the call it makes (fan-out leg).
    pub call: u16,
    /// Calls of the current fan-out group still out (work).
    pub pending: u16,
    /// The first failure's cause in the current fan-out group, [`NO_FAILURE`] if none (work).
    pub fail: u8,
    /// Retries the caller made of its current call (work, leg).
    pub call_tries: u8,
    /// Ingress instance (attempt) or pod (work), `NONE` if none.
    pub at: u32,
    /// Epoch of that instance or pod when the node was sent there.
    pub epoch: u32,
    /// The pod of the current try (attempt), for retries elsewhere and outlier detection.
    pub last_pod: u32,
    /// Zone of this node's sender (for the reply's hop).
    pub from_zone: u8,
    /// Whether the attempt opens a new TLS connection.
    pub tls: bool,
    /// Attempt: when the current try was sent, for the EWMA. Work or leg on a mesh call: the
    /// call's deadline, which its sidecar's retries share.
    pub try_sent: SimTime,
    /// Zone where an internal client's attempt entered the cluster (instance or node zone).
    pub entry_zone: u8,
    /// The request's class (every node of the request carries it, for `match` rules).
    pub class: u8,
    /// Request: its client route.
    pub route: u16,
    /// Work or leg: the result slot of the option its current call took at a weighted
    /// choice, [`NO_OPTION`] for a plain call.
    pub option: u16,
    /// The origin of the last failure this node saw (a code of
    /// [`super::attribution::OriginLayout`], 0: none).
    pub origin: u16,
    /// Work: when the current stretch of its worker slot began (see `attribution`).
    pub slot_at: SimTime,
    /// Work or leg: the caller pod's connection its current call rides (see `conn_pool`),
    /// [`NONE`] if the call is balanced per request.
    pub conn: u32,
    /// Work: the gateway replica's or sidecar's pool whose connection it rides (see
    /// `upstream_pool`), [`NONE`] if none.
    pub up_pair: u32,
    /// Work: requests that connection has carried, this one included (1: a new connection).
    pub up_uses: u32,
}

impl Node {
    #[inline(always)]
    fn empty() -> Node {
        Node {
            ver: 0,
            kind: Kind::Request,
            parent: NONE,
            parent_ver: 0,
            parent_tok: 0,
            tok: 0,
            born: SimTime::ZERO,
            mark: SimTime::ZERO,
            counted: false,
            service: 0,
            tries: 0,
            call: 0,
            pending: 0,
            fail: NO_FAILURE,
            call_tries: 0,
            at: NONE,
            epoch: 0,
            last_pod: NONE,
            from_zone: 0,
            tls: false,
            try_sent: SimTime::ZERO,
            entry_zone: u8::MAX,
            class: 0,
            route: 0,
            option: NO_OPTION,
            origin: 0,
            slot_at: SimTime::ZERO,
            conn: NONE,
            up_pair: NONE,
            up_uses: 0,
        }
    }
}

/// Events of the traffic model.
#[derive(Clone, Copy, Debug)]
pub enum Ev {
    /// The next client request arrives.
    ClientArrival,
    /// An attempt reaches its ingress instance.
    AtIngress { node: u32, ver: u32 },
    /// An attempt's processing at the ingress ends.
    IngressDone { node: u32, ver: u32 },
    /// Work reaches its pod.
    AtPod { node: u32, ver: u32 },
    /// Work's own service time ends.
    ServiceDone { node: u32, ver: u32 },
    /// The next completion on a pod's shared CPU (stale unless `generation` is current).
    CpuDone { pod: u32, generation: u32 },
    /// A child's result reaches `node`.
    Reply {
        node: u32,
        ver: u32,
        tok: u32,
        ok: bool,
        cause: u8,
    },
    /// `node` stops waiting for its child.
    Timeout { node: u32, ver: u32, tok: u32 },
    /// A request's retry backoff ends.
    RetryDue { node: u32, ver: u32 },
    /// The caller's backoff before retrying its current call (work, leg) ends.
    CallRetryDue { node: u32, ver: u32, tok: u32 },
    /// A SNAT port of a slot (see `snat`) becomes free again.
    PortRelease { slot: u32 },
    /// An outbound connection of a slot closes (its port may stay held in its cool-down).
    ConnectionClose {
        slot: u32,
        then: super::snat::AfterClose,
    },
    /// The call on a pooled egress connection (its `call`-th) ends (see `egress_pool`).
    PoolCallEnd { conn: u32, call: u32 },
    /// An idle pooled egress connection (its `life`-th use of the entry) may have timed out.
    PoolIdleCheck { conn: u32, life: u32 },
    /// An Azure Firewall autoscaling evaluation.
    FirewallTick,
    /// A started Azure Firewall instance takes traffic.
    FirewallReady,
    /// A balancer's view of a pod changes.
    Detect {
        pod: u32,
        epoch: u32,
        view: u8,
        routable: bool,
    },
    /// The load balancer's view of an ingress instance changes.
    DetectInstance {
        inst: u32,
        epoch: u32,
        routable: bool,
    },
    /// The load balancer's probe of a zone's nodes changes its view (`externalTrafficPolicy:
    /// Cluster`).
    DetectNodes { zone: u8, up: bool },
    /// A restarted pod is ready.
    PodReady { pod: u32, epoch: u32 },
    /// A restarted ingress instance is ready.
    InstanceReady { inst: u32, epoch: u32 },
    /// An Application Gateway autoscaling evaluation.
    GatewayTick,
    /// An HPA evaluation of a service.
    HpaTick { service: u16 },
    /// Lost nodes' grace periods end: they are NotReady (node lifecycle controller).
    NodesNotReady,
    /// A zone's eviction rate limiter lets the controller taint its next NotReady node.
    TaintNode { zone: u16, round: u32 },
    /// The toleration of the pods on a tainted node runs out.
    EvictNode { node: u32, round: u32 },
    /// A deleted pod's preStop hook is done and it gets SIGTERM: it stops accepting work.
    Sigterm { pod: u32, epoch: u32 },
    /// The termination grace period of a deleted pod ends.
    Terminate { pod: u32, epoch: u32 },
    /// App Gateway's drain window for a deregistered pod ends.
    DrainEnd { pod: u32, epoch: u32 },
    /// The gateway HPA evaluates.
    GatewayHpaTick,
    /// The termination grace period of a removed ingress replica ends.
    InstanceTerminate { inst: u32, epoch: u32 },
    /// Fault number `i` starts.
    FaultStart(u16),
    /// Fault number `i` ends.
    FaultEnd(u16),
    /// The warm-up ends.
    WarmupEnd,
    /// Periodic sampling of gauges.
    Sample,
}

/// Random streams of one replication, one per concern.
pub struct Streams {
    /// Client arrivals (shared between compared variants: common random numbers).
    pub arrivals: StreamRng,
    /// Route choice, TLS share.
    pub clients: StreamRng,
    /// Service times, per service.
    pub service: Vec<StreamRng>,
    /// Balancer choices.
    pub balance: StreamRng,
    /// Call probabilities and call errors.
    pub calls: StreamRng,
    /// Network latencies.
    pub network: StreamRng,
    /// Egress latencies and errors.
    pub egress: StreamRng,
    /// Retry jitter.
    pub retries: StreamRng,
    /// Fault choices.
    pub faults: StreamRng,
    /// Azure Firewall instance choices.
    pub firewall: StreamRng,
    /// Internal clients' zones and their VNet hops to the ingress.
    pub client_zones: StreamRng,
    /// Backoffs of the mesh's east-west retries.
    pub mesh_retries: StreamRng,
    /// Handshakes of the callers' pooled connections (`conn_handshake`).
    pub connections: StreamRng,
    /// Handshakes of the gateways' and sidecars' connections to pods (`upstream_pool`).
    pub upstream: StreamRng,
    /// Phases of App Gateway's health probes relative to a backend's failure or return.
    pub agw_probes: StreamRng,
    /// Request classes.
    pub classes: StreamRng,
    /// The options of weighted choices among call targets.
    pub choices: StreamRng,
}

impl Streams {
    /// The streams of replication `rep` of `s`.
    pub fn new(s: &Scenario, rep: u64) -> Streams {
        let seed = s.simulation.seed;
        let n = |name: &str| named_stream(seed, rep, name);
        Streams {
            arrivals: n("clients.arrivals"),
            clients: n("clients.routing"),
            service: s
                .services
                .iter()
                .map(|svc| n(&format!("service.{}", svc.name)))
                .collect(),
            balance: n("balance"),
            calls: n("calls"),
            network: n("network"),
            egress: n("egress"),
            retries: n("retries"),
            faults: n("faults"),
            firewall: n("egress.firewall"),
            client_zones: n("clients.zones"),
            mesh_retries: n("mesh.retries"),
            connections: n("connections"),
            upstream: n("connections.upstream"),
            agw_probes: n("ingress.app_gateway.probes"),
            classes: n("clients.classes"),
            choices: n("calls.choices"),
        }
    }
}

/// Degradation applied to a service or a destination by a fault.
#[derive(Clone, Copy, Debug)]
pub struct Degradation {
    /// Latency or service-time multiplier.
    pub multiplier: f64,
    /// Share of calls that fail.
    pub error_rate: f64,
}

impl Default for Degradation {
    fn default() -> Self {
        Degradation {
            multiplier: 1.0,
            error_rate: 0.0,
        }
    }
}

/// Per-tier measurements that stations do not keep themselves.
#[derive(Clone, Debug, Default)]
pub struct TierLatency {
    /// The ingress tier.
    pub ingress: LatencyRecorder,
    /// Each service.
    pub services: Vec<LatencyRecorder>,
    /// Egress calls.
    pub egress: LatencyRecorder,
    /// Egress calls made (after warm-up).
    pub egress_calls: u64,
    /// Egress calls failed for want of a SNAT port.
    pub egress_snat_failed: u64,
    /// Egress calls lost in the egress path: sent to a NAT Gateway in a dead zone.
    pub egress_lost: u64,
    /// Egress calls whose reply was due at or after the end of the run.
    pub egress_in_flight: u64,
    /// Egress calls whose reply came back before the end of the run (failed by the destination
    /// or not: the egress path carried them).
    pub egress_completed: u64,
    /// Requests waiting per tier (ingress, if any, then each service) at the first sample after
    /// the middle of the measured period (see `collect`).
    pub queue_mid: Option<Vec<f64>>,
    /// Per-window latency of each tier, warm-up included (`timeseries.csv`): the ingress, each
    /// service, then the egress.
    pub windows: Vec<TimeSeries>,
}

/// The whole state of one replication.
pub struct Sim<'a> {
    /// The scenario.
    pub s: &'a Scenario,
    /// The calendar.
    pub cal: super::event_word::EventCalendar,
    /// An event for the current instant handled next, without the calendar, as its word (0:
    /// none; see `fold` and `event_word`).
    pub folded: u128,
    /// Events popped from the calendar and handled before the end (folded hops are not
    /// events; the run's count adds the stale timeouts that the lanes' clean-up dropped
    /// before the end, see `RunResult::events`).
    pub events: u64,
    /// Pods and ingress instances.
    pub topo: Topology,
    /// The arena.
    pub nodes: Vec<Node>,
    /// Free arena slots.
    pub free: Vec<u32>,
    /// Random streams.
    pub rng: Streams,
    /// End of the warm-up.
    pub warm: SimTime,
    /// End of the run.
    pub end: SimTime,
    /// Round-robin cursor per service.
    pub rr: Vec<u32>,
    /// The balancers' candidate pods per view, service and zone (see `routable`).
    pub routable: super::routable::RoutableSets,
    /// Per service degradation.
    pub svc_degr: Vec<Degradation>,
    /// Per destination degradation.
    pub dest_degr: Vec<Degradation>,
    /// NAT Gateway up, per zone that holds one (indexed by zone).
    pub nat_up: Vec<bool>,
    /// SNAT ports and connections per (owner, destination endpoint).
    pub snat: super::snat::SnatState,
    /// Each pod's connection pools to external destinations (see `egress_pool`).
    pub pools: super::egress_pool::EgressPools,
    /// Azure Firewall instances and queues, with a firewall egress.
    pub fw: Option<super::firewall::FirewallState>,
    /// Client requests offered, succeeded, failed by cause (after warm-up).
    pub offered: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed by cause.
    pub failed: [u64; ErrorCause::COUNT],
    /// Client attempts (after warm-up).
    pub client_attempts: u64,
    /// Tries the ingress sent towards pods (after warm-up): first tries, NGINX next-upstream
    /// tries and Istio retries.
    pub ingress_tries: u64,
    /// East-west retries the mesh's sidecars made (after warm-up).
    pub mesh_retries: u64,
    /// Retries the services' own code made of failed calls (after warm-up).
    pub call_retries: u64,
    /// Retries requested so far (whole run, for the retry budget) and requests so far.
    pub budget_retries: super::budget::Decaying,
    /// Requests so far (whole run).
    pub budget_requests: super::budget::Decaying,
    /// Client retries since the last sample.
    pub retries_in_window: u64,
    /// Recent HPA recommendations per service (scale-down stabilisation).
    pub hpa_recommendations: Vec<std::collections::VecDeque<(SimTime, u32)>>,
    /// Busy integrals of the gateway instances at the last autoscaling evaluation.
    pub gateway_snapshots: Vec<f64>,
    /// Requests the App Gateway instances had received at the last autoscaling evaluation.
    pub gateway_arrivals: u64,
    /// Recent gateway HPA recommendations (scale-down stabilisation).
    pub gateway_recommendations: std::collections::VecDeque<(SimTime, u32)>,
    /// Ingress replicas over time (reset at the end of the warm-up).
    pub replica_level: crate::stats::TimeWeightedCount,
    /// Fewest ingress replicas after the warm-up.
    pub replica_min: f64,
    /// Pods pending per service (no zone allowed by a `DoNotSchedule` spread rule).
    pub pending: Vec<u32>,
    /// Most pods pending at once, all services (after the warm-up).
    pub pending_peak: u32,
    /// Pods each zone can hold now (grows when the cluster autoscaler adds a node).
    pub zone_capacity: Vec<u32>,
    /// Zones in an outage now (the scheduler places no pods there).
    pub zone_down: Vec<bool>,
    /// The node lifecycle controller: lost nodes, zone states, rate-limited evictions.
    pub node_ctl: super::node_lifecycle::NodeLifecycle,
    /// The nodes' CPU shared by their CPU-bound pods (`node_cores`; off by default).
    pub node_cpu: super::node_cpu::NodeCpu,
    /// The node each pod runs on (`node_cores`; off by default).
    pub node_map: super::node_map::NodeMap,
    /// Pods or instances lost in each node-failure / ingress-instance-loss fault.
    pub lost: Vec<Vec<u32>>,
    /// Pods affected by each gray-failure fault (indexed like the faults).
    pub gray: Vec<Vec<u32>>,
    /// Multiplier on cross-zone latency (a `zone-latency` fault).
    pub cross_zone_multiplier: f64,
    /// Work sent to pods deleted by a scale-down once they stopped accepting (SIGTERM) or
    /// were killed.
    pub sends_after_scale_down: u64,
    /// Gauge samples taken so far.
    pub samples: u64,
    /// Work sent to dead pods over the run.
    pub dead_sends: super::result::DeadSends,
    /// Work sent to dead pods since the last sample.
    pub dead_sends_in_window: u64,
    /// When the control loops acted (evictions, scaling), for the charts' markers.
    pub timeline: super::timeline::Timeline,
    /// Hops between tiers, and those that crossed zones (after warm-up).
    pub hops: u64,
    /// Cross-zone hops.
    pub cross_hops: u64,
    /// The load balancer's view of the nodes and kube-proxy's node hops
    /// (`externalTrafficPolicy: Cluster`).
    pub front: super::front::Front,
    /// Internal clients' hops to and from the ingress, and those that crossed zones.
    pub client_hops: u64,
    /// Cross-zone client hops.
    pub client_cross_hops: u64,
    /// End-to-end latency of successful requests.
    pub latency: LatencyRecorder,
    /// Per-tier latencies.
    pub tier: TierLatency,
    /// Time series.
    pub series: TimeSeries,
    /// Instances, pods and traffic for the cost estimate.
    pub usage: super::usage::Usage,
    /// Whether each fault is active, and its zone for zone outages.
    pub view_for_ingress: View,
    /// Network policies: which calls are dropped, and how many were (after warm-up).
    pub policy: super::policy::PolicyGate,
    /// High-water marks of the state, noted at each memory check.
    pub footprint: super::footprint::Footprint,
    /// Results per request class, client route and call option.
    pub routing: super::routing::RoutingRun,
    /// Busy slot-time by what the slot did, failures by origin, limits reached.
    pub attr: super::attribution::Attribution,
    /// Callers' connections to services behind kube-proxy, and work sent per pod.
    pub conns: super::conn_pool::ConnPools,
    /// The gateways' and sidecars' keep-alive pools to the pods.
    pub upstream: super::upstream_pool::UpstreamPools,
    /// The clients' connections to the ingress front, and attempts sent per replica.
    pub client_conns: super::client_conn::ClientConns,
}

impl<'a> Sim<'a> {
    /// A fresh replication of `s`.
    pub fn new(s: &'a Scenario, rep: u64) -> Sim<'a> {
        let end = SimTime::ZERO + s.simulation.duration;
        let topo = Topology::build(s);
        let (node_map, node_cpu) = super::node_map::build(s, &topo);
        Sim {
            s,
            cal: super::event_word::EventCalendar::new(),
            folded: 0,
            events: 0,
            nodes: Vec::with_capacity(4096),
            free: Vec::with_capacity(4096),
            rng: Streams::new(s, rep),
            warm: SimTime::ZERO + s.simulation.warmup,
            end,
            rr: vec![0; s.services.len()],
            routable: super::routable::RoutableSets::build(&topo, SimTime::ZERO),
            svc_degr: vec![Degradation::default(); s.services.len()],
            dest_degr: vec![Degradation::default(); s.egress.destinations.len()],
            nat_up: vec![true; topo.zones],
            snat: super::snat::SnatState::of(s),
            pools: super::egress_pool::EgressPools::of(s),
            fw: super::firewall::FirewallState::of(s),
            offered: 0,
            succeeded: 0,
            failed: [0; ErrorCause::COUNT],
            client_attempts: 0,
            ingress_tries: 0,
            mesh_retries: 0,
            call_retries: 0,
            budget_retries: Default::default(),
            budget_requests: Default::default(),
            retries_in_window: 0,
            dead_sends_in_window: 0,
            timeline: Default::default(),
            dead_sends: Default::default(),
            samples: 0,
            sends_after_scale_down: 0,
            cross_zone_multiplier: 1.0,
            gray: vec![Vec::new(); s.faults.len()],
            lost: vec![Vec::new(); s.faults.len()],
            hpa_recommendations: vec![Default::default(); s.services.len()],
            zone_down: vec![false; s.network.zones.len()],
            node_ctl: super::node_lifecycle::NodeLifecycle::new(&s.network.nodes, s.faults.len()),
            node_cpu,
            node_map,
            zone_capacity: s
                .network
                .zone_capacity
                .clone()
                .unwrap_or_else(|| vec![u32::MAX; s.network.zones.len()]),
            gateway_snapshots: vec![0.0; topo.instances.len()],
            gateway_arrivals: 0,
            gateway_recommendations: Default::default(),
            replica_level: crate::stats::TimeWeightedCount::new(
                SimTime::ZERO,
                topo.instances.len() as u64,
            ),
            replica_min: topo.instances.len() as f64,
            pending: vec![0; s.services.len()],
            pending_peak: 0,
            hops: 0,
            cross_hops: 0,
            front: super::front::Front::new(topo.zones),
            client_hops: 0,
            client_cross_hops: 0,
            latency: LatencyRecorder::new(),
            tier: TierLatency {
                services: vec![LatencyRecorder::new(); s.services.len()],
                windows: vec![TimeSeries::new(s.simulation.window, end); s.services.len() + 2],
                ..TierLatency::default()
            },
            series: TimeSeries::new(s.simulation.window, end),
            usage: super::usage::Usage::new(s.egress.destinations.len()),
            view_for_ingress: match s.ingress.kind {
                crate::scenario::IngressKind::AppGateway(_) => View::AppGateway,
                _ => View::Endpoints,
            },
            policy: super::policy::PolicyGate::new(s),
            footprint: Default::default(),
            routing: super::routing::RoutingRun::of(s),
            attr: super::attribution::Attribution::of(s),
            conns: super::conn_pool::ConnPools::of(s),
            upstream: super::upstream_pool::UpstreamPools::of(s),
            client_conns: super::client_conn::ClientConns::of(s, rep, topo.instances.len()),
            topo,
        }
    }

    /// Allocates a node.
    ///
    /// Inlined, so that a node built field by field at the caller (from [`Sim::blank`]) is
    /// stored field by field into its slot rather than copied whole through the stack.
    #[inline(always)]
    pub fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                let slot = &mut self.nodes[i as usize];
                *slot = Node {
                    ver: slot.ver,
                    ..node
                };
                i
            }
            None => {
                self.nodes.push(Node { ver: 0, ..node });
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// Frees a node: its id becomes stale for every pending event.
    pub fn release(&mut self, id: u32) {
        let n = &mut self.nodes[id as usize];
        n.ver = n.ver.wrapping_add(1);
        n.tok = n.tok.wrapping_add(1);
        self.free.push(id);
    }

    /// Whether (`id`, `ver`) still names a live node.
    #[inline]
    pub fn live(&self, id: u32, ver: u32) -> bool {
        self.nodes[id as usize].ver == ver
    }

    /// A blank node of `kind` born now.
    #[inline(always)]
    pub fn blank(&self, kind: Kind) -> Node {
        Node {
            kind,
            born: self.cal.now(),
            mark: self.cal.now(),
            ..Node::empty()
        }
    }

    /// One-way network latency between two zones. A constant hop (the shipped scenarios')
    /// comes back here without a draw, as [`crate::engine::Dist::sample`] gives it; others
    /// are drawn out of line.
    #[inline(always)]
    pub fn hop(&mut self, from: usize, to: usize) -> SimDuration {
        let counted = u64::from(self.cal.now() >= self.warm);
        self.hops += counted;
        let net = &self.s.network;
        if from == to {
            if let Some(d) = net.in_zone.exact_constant() {
                return d;
            }
        } else {
            self.cross_hops += counted;
            if let Some(d) = net.cross_zone.exact_constant()
                && self.cross_zone_multiplier == 1.0
            {
                return d;
            }
        }
        self.hop_drawn(from == to)
    }

    /// A hop's latency drawn from the network's stream (see [`Sim::hop`]).
    #[inline(never)]
    fn hop_drawn(&mut self, in_zone: bool) -> SimDuration {
        let net = &self.s.network;
        if in_zone {
            net.in_zone.sample(&mut self.rng.network)
        } else {
            let d = net.cross_zone.sample(&mut self.rng.network);
            if self.cross_zone_multiplier == 1.0 {
                d
            } else {
                d.mul_f64(self.cross_zone_multiplier)
            }
        }
    }

    /// Runs the replication to its end, or until its state holds more than `budget` bytes
    /// (checked every few thousand events; `u64::MAX`: no budget). `advance` is told, at the
    /// same checks and once at the end, how far the simulated clock moved since it was last
    /// told: over a whole run the amounts add up to the run's duration exactly.
    pub fn run(
        &mut self,
        budget: u64,
        advance: &dyn Fn(SimDuration),
    ) -> Result<(), super::memory::OverBudget> {
        if let Some(t) = self
            .s
            .clients
            .arrivals
            .next_after(SimTime::ZERO, &mut self.rng.arrivals)
        {
            self.cal.schedule_solo(t, Ev::ClientArrival);
        }
        self.cal.schedule(self.warm, Ev::WarmupEnd);
        self.schedule_sample();
        self.wait_for_nodes();
        self.routable = super::routable::RoutableSets::build(&self.topo, SimTime::ZERO);
        self.start_autoscalers();
        self.start_gateway_autoscaler();
        self.start_firewall();
        self.start_gateway_hpa();
        for (i, f) in self.s.faults.iter().enumerate() {
            self.cal
                .schedule(SimTime::ZERO + f.at, Ev::FaultStart(i as u16));
            if let Some(d) = f.duration {
                self.cal
                    .schedule(SimTime::ZERO + f.at + d, Ev::FaultEnd(i as u16));
            }
        }
        self.add_timer_lanes();
        let every = super::memory::check_every(self.topo.pods.len() + self.topo.instances.len());
        let mut until_check = every;
        let mut told = SimTime::ZERO;
        loop {
            // A folded event comes first: the calendar would have handed it out next.
            let word = if self.folded != 0 {
                std::mem::take(&mut self.folded)
            } else {
                match self.cal.pop_word() {
                    Some((now, word)) if now < self.end => {
                        self.events += 1;
                        word
                    }
                    _ => break,
                }
            };
            self.step_word(word);
            let now = self.cal.now();
            if self.cal.compaction_due() {
                self.drop_stale_timers();
            }
            until_check -= 1;
            if until_check == 0 {
                until_check = every;
                let now = now.min(self.end);
                advance(now.since(told));
                told = now;
                if self.note_footprint() > budget
                    && let Some(over) = self.over_budget(budget)
                {
                    return Err(over);
                }
            }
        }
        advance(self.end.since(told));
        Ok(())
    }

    /// Handles one event.
    pub(super) fn step(&mut self, ev: &Ev) {
        match *ev {
            Ev::ClientArrival => self.client_arrival(),
            Ev::AtIngress { node, ver } => self.at_ingress(node, ver),
            Ev::IngressDone { node, ver } => self.ingress_done(node, ver),
            Ev::AtPod { node, ver } => self.at_pod(node, ver),
            Ev::ServiceDone { node, ver } => self.service_done(node, ver),
            Ev::CpuDone { pod, generation } => self.cpu_done(pod, generation),
            Ev::Reply {
                node,
                ver,
                tok,
                ok,
                cause,
            } => self.reply_due(node, ver, tok, ok, cause),
            Ev::Timeout { node, ver, tok } => self.timeout_due(node, ver, tok),
            Ev::RetryDue { node, ver } => {
                if self.live(node, ver) {
                    self.send_attempt(node);
                }
            }
            Ev::CallRetryDue { node, ver, tok } => {
                if self.live(node, ver) && self.nodes[node as usize].tok == tok {
                    self.call_retry_due(node);
                }
            }
            Ev::PortRelease { slot } => self.snat.release(slot),
            Ev::ConnectionClose { slot, then } => self.connection_closed(slot, then),
            Ev::PoolCallEnd { conn, call } => self.pool_call_end(conn, call),
            Ev::PoolIdleCheck { conn, life } => self.pool_idle_check(conn, life),
            Ev::FirewallTick => self.firewall_tick(),
            Ev::FirewallReady => self.firewall_ready(),
            Ev::Detect {
                pod,
                epoch,
                view,
                routable,
            } => {
                let p = &mut self.topo.pods[pod as usize];
                // A deleted pod never returns, so its removal stands even if it stopped (a new
                // epoch) before a balancer caught up: AGIC's update, timed from the deletion,
                // still takes it out of App Gateway's pool.
                if p.epoch == epoch || (p.retired && !routable) {
                    let was = std::mem::replace(&mut p.routable[view as usize], routable);
                    self.sync_routable(pod);
                    if was && !routable && view == View::AppGateway as u8 {
                        self.agw_deregistered(pod);
                    }
                }
            }
            Ev::DetectInstance {
                inst,
                epoch,
                routable,
            } => {
                if self.topo.instances[inst as usize].epoch == epoch {
                    self.topo.set_instance_routable(inst as usize, routable);
                }
            }
            Ev::DetectNodes { zone, up } => self.detect_nodes(zone as usize, up),
            Ev::PodReady { pod, epoch } => self.pod_ready(pod, epoch),
            Ev::InstanceReady { inst, epoch } => self.instance_ready(inst, epoch),
            Ev::HpaTick { service } => self.hpa_tick(service as usize),
            Ev::GatewayTick => self.gateway_tick(),
            Ev::GatewayHpaTick => self.gateway_hpa_tick(),
            Ev::InstanceTerminate { inst, epoch } => self.instance_terminate(inst, epoch),
            Ev::NodesNotReady => self.nodes_not_ready(),
            Ev::TaintNode { zone, round } => self.taint_node(zone as usize, round),
            Ev::EvictNode { node, round } => self.evict_node(node, round),
            Ev::Sigterm { pod, epoch } => self.sigterm(pod, epoch),
            Ev::Terminate { pod, epoch } => self.terminate(pod, epoch),
            Ev::DrainEnd { pod, epoch } => self.drain_end(pod, epoch),
            Ev::FaultStart(i) => self.fault_start(i as usize),
            Ev::FaultEnd(i) => self.fault_end(i as usize),
            Ev::WarmupEnd => self.warmup_end(),
            Ev::Sample => self.sample(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Node;
    use std::mem::{offset_of, size_of};

    /// A node takes exactly two cache lines, and the fields a reply's or a timeout's check
    /// reads (generation and token) sit in the first.
    #[test]
    fn a_node_is_two_cache_lines_with_its_check_in_the_first() {
        assert_eq!(size_of::<Node>(), 128);
        assert!(
            offset_of!(Node, ver) + 4 <= 64,
            "ver at {}",
            offset_of!(Node, ver)
        );
        assert!(
            offset_of!(Node, tok) + 4 <= 64,
            "tok at {}",
            offset_of!(Node, tok)
        );
    }
}
