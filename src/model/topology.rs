//! The static shape of the platform for one run: ingress instances and pods, each a queueing
//! station in a zone, and the views each balancer has of which pods it may send to.
//!
//! A pod is *alive* when its container runs, and *routable* in a view when a balancer still
//! sends to it. The two differ during detection: a pod lost with its zone stays routable in
//! Kubernetes endpoints until the node lifecycle controller notices (see [`super::detection`]),
//! so traffic keeps going to it — that window is what the failover summary measures.

use crate::engine::{SimTime, Station};
use crate::scenario::{IngressKind, Scenario};

/// Tokens a full rate-limit bucket holds: the burst plus the request itself.
pub fn bucket_size(s: &Scenario) -> f64 {
    match &s.ingress.kind {
        IngressKind::Nginx(n) => n
            .rate_limit
            .map_or(f64::INFINITY, |r| f64::from(r.burst) + 1.0),
        _ => f64::INFINITY,
    }
}

/// Which balancer's view of the backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Kubernetes endpoints (kube-proxy, NGINX, Envoy via EDS).
    Endpoints = 0,
    /// Application Gateway's backend pool (its own probes, AGIC updates).
    AppGateway = 1,
}

/// Whether a component runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    /// Running and serving.
    Up,
    /// Gone; callers see a black hole (timeouts) or a reset (immediate error).
    Down {
        /// How callers see it.
        reset: bool,
    },
    /// Restarting; ready again at its ready event.
    Starting,
}

/// One pod of a service.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Service index.
    pub service: usize,
    /// Zone index.
    pub zone: usize,
    /// Worker slots and the waiting line.
    pub station: Station,
    /// Running or not.
    pub life: Life,
    /// Bumped on every death, so work started before a death is recognised afterwards.
    pub epoch: u32,
    /// Routable per [`View`]. During a run it changes only in the `Detect` handler, which
    /// tells the balancers' candidate sets (`routable`); a change elsewhere must do the same.
    pub routable: [bool; 2],
    /// Requests in flight at this pod sent by the ingress (for least-request balancing).
    pub in_flight: u32,
    /// Consecutive errors seen by the ingress (outlier detection).
    pub consecutive_errors: u32,
    /// Ejected by outlier detection until this time (ns), 0 if not ejected.
    pub ejected_until: u64,
    /// Times ejected so far (ejection time grows with it).
    pub ejections: u32,
    /// Latency EWMA seen by the ingress, seconds (NGINX `ewma`), as last stored.
    pub ewma: f64,
    /// When `ewma` was last stored, seconds; `None` before the first response.
    pub ewma_at: Option<f64>,
    /// Gray failure: service-time multiplier (1 when healthy).
    pub slowdown: f64,
    /// Gray failure: share of requests it fails while still passing health checks.
    pub error_rate: f64,
    /// Deleted (scaled down or evicted): no longer a replica, never restarted.
    pub retired: bool,
    /// Deleted by a scale-down (not by a fault).
    pub scaled_down: bool,
    /// Deleted and past its preStop hook: it got SIGTERM and refuses new work, while what it
    /// already has runs until the grace period ends.
    pub stopping: bool,
    /// Busy integral at the last HPA evaluation.
    pub busy_snapshot: f64,
    /// When the pod was created (the HPA's CPU initialisation period runs from it).
    pub created: SimTime,
    /// When it last became ready or stopped being ready (its creation if never).
    pub ready_changed: SimTime,
    /// The pod's CPU shared by its requests in service, when its service sets `cpu` (see
    /// `cpu`); idle and unused otherwise.
    pub cpu: crate::engine::Ps,
}

impl Pod {
    /// A pod of `service` in `zone` with `slots` worker slots, up and routable.
    pub fn new(service: usize, zone: usize, slots: u32, queue_limit: Option<u32>) -> Pod {
        Pod {
            service,
            zone,
            station: Station::new(slots, queue_limit),
            life: Life::Up,
            epoch: 0,
            routable: [true; 2],
            in_flight: 0,
            consecutive_errors: 0,
            ejected_until: 0,
            ejections: 0,
            ewma: 0.0,
            ewma_at: None,
            slowdown: 1.0,
            error_rate: 0.0,
            retired: false,
            scaled_down: false,
            stopping: false,
            busy_snapshot: 0.0,
            created: SimTime::ZERO,
            ready_changed: SimTime::ZERO,
            cpu: crate::engine::Ps::default(),
        }
    }
}

/// One ingress instance (App Gateway instance, NGINX or Istio gateway pod).
#[derive(Clone, Debug)]
pub struct Instance {
    /// Zone index.
    pub zone: usize,
    /// Processing slots and the waiting line.
    pub station: Station,
    /// Running or not.
    pub life: Life,
    /// Whether the Azure Load Balancer in front still sends to it: read it with
    /// [`Instance::routable`], change it with [`Topology::set_instance_routable`] (which keeps
    /// the topology's list of routable instances).
    routable: bool,
    /// Bumped on every death and restart.
    pub epoch: u32,
    /// Rate-limit tokens (NGINX `limit_req`), and when they were last refilled.
    pub tokens: f64,
    /// Time of the last refill.
    pub refilled: SimTime,
    /// Deleted by a gateway HPA scale-down: no longer a replica, never restarted.
    pub retired: bool,
    /// When the instance was created (the HPA's CPU initialisation period runs from it).
    pub created: SimTime,
    /// When it last became ready or stopped being ready (its creation if never).
    pub ready_changed: SimTime,
}

impl Instance {
    /// An instance in `zone` with `slots` processing slots, up and routable.
    pub fn new(zone: usize, slots: u32, queue_limit: Option<u32>, tokens: f64) -> Instance {
        Instance {
            zone,
            station: Station::new(slots, queue_limit),
            life: Life::Up,
            routable: true,
            epoch: 0,
            tokens,
            refilled: SimTime::ZERO,
            retired: false,
            created: SimTime::ZERO,
            ready_changed: SimTime::ZERO,
        }
    }

    /// A new replica in `zone` with `slots` processing slots, starting: neither up nor
    /// routable until its ready event and the load balancer's probe say so. Push it onto
    /// [`Topology::instances`] directly (it joins the routable list when it becomes routable).
    pub fn starting(zone: usize, slots: u32, queue_limit: Option<u32>, tokens: f64) -> Instance {
        Instance {
            life: Life::Starting,
            routable: false,
            ..Instance::new(zone, slots, queue_limit, tokens)
        }
    }

    /// Whether the Azure Load Balancer in front still sends to it.
    #[inline]
    pub fn routable(&self) -> bool {
        self.routable
    }
}

/// All pods and ingress instances of one run.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Every pod, grouped by service in order.
    pub pods: Vec<Pod>,
    /// For each service, the indices of its pods.
    pub service_pods: Vec<Vec<u32>>,
    /// Ingress instances (empty for `none` and `load-balancer`). A replica added during a run
    /// is pushed not routable ([`Instance::starting`]).
    pub instances: Vec<Instance>,
    /// The routable instances' indices, ascending: the load balancer's candidates, kept by
    /// [`Topology::set_instance_routable`] so that a request need not scan the instances.
    routable_ids: Vec<u32>,
    /// Number of zones.
    pub zones: usize,
}

impl Topology {
    /// The ingress instance number `k` (in index order) of those the Azure Load Balancer sends
    /// to (`routable`); `k` must be below their count ([`Topology::routable_instances`]).
    #[inline]
    pub fn routable_instance(&self, k: usize) -> usize {
        self.routable_ids[k] as usize
    }

    /// How many ingress instances the Azure Load Balancer sends to.
    #[inline]
    pub fn routable_instances(&self) -> usize {
        self.routable_ids.len()
    }

    /// The load balancer starts or stops sending to instance `inst`.
    pub fn set_instance_routable(&mut self, inst: usize, routable: bool) {
        let i = &mut self.instances[inst];
        if i.routable == routable {
            return;
        }
        i.routable = routable;
        let k = inst as u32;
        match (self.routable_ids.binary_search(&k), routable) {
            (Err(at), true) => self.routable_ids.insert(at, k),
            (Ok(at), false) => {
                self.routable_ids.remove(at);
            }
            _ => {}
        }
    }

    /// Builds the pods and instances a scenario describes, all up and routable.
    pub fn build(s: &Scenario) -> Topology {
        let mut pods = Vec::new();
        let mut service_pods = Vec::with_capacity(s.services.len());
        for (si, svc) in s.services.iter().enumerate() {
            let mut ids = Vec::new();
            for (zone, &n) in svc.pods.iter().enumerate() {
                for _ in 0..n {
                    ids.push(pods.len() as u32);
                    pods.push(Pod::new(si, zone, svc.concurrency, svc.queue_limit));
                }
            }
            service_pods.push(ids);
        }
        let mut instances = Vec::new();
        if !matches!(
            s.ingress.kind,
            IngressKind::None | IngressKind::LoadBalancer
        ) {
            for (zone, &n) in s.ingress.instances.iter().enumerate() {
                for _ in 0..n {
                    instances.push(Instance::new(
                        zone,
                        s.ingress.concurrency,
                        s.ingress.queue_limit,
                        bucket_size(s),
                    ));
                }
            }
        }
        let routable_ids = (0..instances.len() as u32).collect();
        Topology {
            pods,
            service_pods,
            instances,
            routable_ids,
            zones: s.network.zones.len(),
        }
    }

    /// Pods of `service` that are up, per zone.
    pub fn ready_pods_in_zone(&self, zone: usize) -> u32 {
        self.pods
            .iter()
            .filter(|p| p.zone == zone && p.life == Life::Up)
            .count() as u32
    }
}
