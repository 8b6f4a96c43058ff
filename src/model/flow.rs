//! How a request moves: client → (ingress instance) → pod → calls → back, with timeouts,
//! retries at each layer (client, NGINX next-upstream, Istio retries) and outlier detection.
//!
//! These mechanics live here once; the ingress kinds differ only in parameters and policies
//! (balancing, which failures are retried, what view of the backends they use).

use rand::Rng;

use crate::engine::{Admission, SimDuration};
use crate::scenario::{CallTarget, IngressKind, Jitter};

use super::attribution::LimitKind;
use super::balance::ewma_update;
use super::conn_drain::Drained;
use super::locality::Locality;
use super::result::ErrorCause;
use super::retry_on::istio_default_retries;
use super::sim::{Ev, Kind, NONE, Node, Sim};
use super::topology::Life;

/// No hop latency (clients reaching pods without an ingress tier).
const NO_ZONE: u8 = u8::MAX;

/// The mesh's sidecar latency and locality setting, if east-west calls go through one.
pub(super) fn mesh_of(s: &crate::scenario::Scenario) -> Option<(&crate::engine::Dist, bool)> {
    match &s.ingress.kind {
        IngressKind::Istio(i) => i.mesh.as_ref().map(|d| (d, i.locality_aware)),
        _ => None,
    }
}

impl Sim<'_> {
    /// A new client request.
    pub(super) fn client_arrival(&mut self) {
        let now = self.cal.now();
        if let Some(t) = self
            .s
            .clients
            .arrivals
            .next_after(now, &mut self.rng.arrivals)
        {
            self.cal.schedule_solo(t, Ev::ClientArrival);
        }
        let counted = now >= self.warm;
        self.offered += u64::from(counted);
        // Only a retry budget reads the decaying count (and its update costs an `exp`).
        if self.s.clients.retries.budget.is_some() {
            self.budget_requests.add(now, 1.0);
        }
        self.series.record_offered(now);
        let class = self.draw_class();
        let route = self.draw_route(class);
        if counted {
            self.routing_offered(class, route as u16);
        }
        let mut req = self.blank(Kind::Request);
        req.counted = counted;
        req.service = self.s.clients.routes[route].service as u32;
        req.class = class;
        req.route = route as u16;
        let id = self.alloc(req);
        self.send_attempt(id);
    }

    /// A new attempt of request `req`, not yet sent.
    pub(super) fn attempt_of(&self, req: u32) -> Node {
        let r = self.nodes[req as usize];
        let mut a = self.blank(Kind::Attempt);
        a.parent = req;
        a.parent_ver = r.ver;
        a.parent_tok = r.tok;
        a.counted = r.counted;
        a.service = r.service;
        a.class = r.class;
        a
    }

    /// The client sends a (first or further) attempt of request `req`.
    pub(super) fn send_attempt(&mut self, req: u32) {
        let r = self.nodes[req as usize];
        self.nodes[req as usize].tries += 1;
        self.nodes[req as usize].origin = 0;
        self.client_attempts += u64::from(r.counted);
        self.schedule_timeout(self.s.clients.timeout, req, r.ver, r.tok);
        let mut a = self.attempt_of(req);
        if self.client_conns.enabled() {
            return self.send_on_connection(req, a);
        }
        a.tls = self.rng.clients.random::<f64>() < self.s.clients.new_tls_share;
        self.usage.tls_attempts += u64::from(a.counted && a.tls);
        if self.topo.instances.is_empty() {
            let latency = self.client_hop_in(&mut a, None);
            let id = self.alloc(a);
            let ver = self.nodes[id as usize].ver;
            self.send_in(latency, Ev::IngressDone { node: id, ver });
            return;
        }
        if self.cluster_policy() {
            return self.send_via_node(a);
        }
        // The Azure Load Balancer in front spreads connections over the instances it thinks
        // are healthy (`externalTrafficPolicy: Local`, App Gateway's own front).
        let up = self.topo.routable_instances();
        if up == 0 {
            let latency = self.client_hop_in(&mut a, None);
            let id = self.alloc(a);
            self.reply_parent(id, false, ErrorCause::NoBackend, latency + latency);
            return;
        }
        let k = crate::engine::rng::index(&mut self.rng.balance, up);
        let inst = self.topo.routable_instance(k);
        self.count_ingress_sent(inst);
        a.at = inst as u32;
        a.epoch = self.topo.instances[inst].epoch;
        let latency = self.client_hop_in(&mut a, Some(self.topo.instances[inst].zone));
        let id = self.alloc(a);
        let ver = self.nodes[id as usize].ver;
        self.send_in(latency, Ev::AtIngress { node: id, ver });
    }

    /// An attempt reaches its ingress instance.
    pub(super) fn at_ingress(&mut self, id: u32, ver: u32) {
        if !self.live(id, ver) {
            return;
        }
        let now = self.cal.now();
        let a = self.nodes[id as usize];
        let inst = &mut self.topo.instances[a.at as usize];
        if inst.epoch != a.epoch || inst.life != Life::Up {
            let reset = matches!(inst.life, Life::Down { reset: true });
            return self.dead_end(id, reset);
        }
        self.nodes[id as usize].mark = now;
        if let IngressKind::Nginx(n) = &self.s.ingress.kind
            && let Some(limit) = n.rate_limit
        {
            // limit_req with burst and nodelay: a token bucket per replica.
            let full = f64::from(limit.burst) + 1.0;
            let dt = now.since(inst.refilled).as_secs_f64();
            inst.tokens = (inst.tokens + dt * limit.rps).min(full);
            inst.refilled = now;
            if inst.tokens < 1.0 {
                self.limit_reached(LimitKind::IngressQueueFull, 0, 1.0);
                let back = self.client_hop_out(id);
                return self.reply_parent(id, false, ErrorCause::Rejected, back);
            }
            inst.tokens -= 1.0;
        }
        match inst.station.arrive(now, id) {
            Admission::Start => self.start_ingress(id),
            Admission::Queued => {}
            Admission::Rejected => {
                self.limit_reached(LimitKind::IngressQueueFull, 0, 1.0);
                let back = self.client_hop_out(id);
                self.reply_parent(id, false, ErrorCause::Rejected, back);
            }
        }
    }

    fn start_ingress(&mut self, id: u32) {
        let a = self.nodes[id as usize];
        let ing = &self.s.ingress;
        let mut work = ing.processing.sample(&mut self.rng.balance);
        if a.tls {
            work += ing.tls_handshake.sample(&mut self.rng.balance);
        }
        if let Some(waf) = &ing.inspection {
            work += waf.sample(&mut self.rng.balance);
        }
        self.ingress_stretch(self.topo.instances[a.at as usize].zone, work);
        self.send_in(
            work,
            Ev::IngressDone {
                node: id,
                ver: a.ver,
            },
        );
    }

    /// An attempt's processing at the ingress ends (or, without an ingress, it reaches the
    /// service): forward it to a pod.
    pub(super) fn ingress_done(&mut self, id: u32, ver: u32) {
        if !self.live(id, ver) {
            return;
        }
        let now = self.cal.now();
        let a = self.nodes[id as usize];
        if a.at != NONE {
            let inst = &mut self.topo.instances[a.at as usize];
            let next = inst.station.depart(now);
            let alive = inst.epoch == a.epoch && inst.life == Life::Up;
            let reset = matches!(inst.life, Life::Down { reset: true });
            if let Some(next) = next {
                self.start_ingress(next);
            }
            if !alive {
                return self.dead_end(id, reset);
            }
            if a.counted {
                self.tier.ingress.record(now - a.mark);
            }
            self.tier.windows[0].record_completed(now, now - a.mark);
        }
        self.forward(id);
    }

    /// Sends attempt `id` to a pod of its service (a first try or a retry elsewhere).
    fn forward(&mut self, id: u32) {
        let now = self.cal.now();
        let a = self.nodes[id as usize];
        let from_zone = if a.at == NONE {
            if a.entry_zone != u8::MAX {
                // An internal client's node, drawn with its hop in.
                a.entry_zone
            } else if matches!(self.s.ingress.kind, IngressKind::LoadBalancer) {
                // The Azure Load Balancer hands the connection to a node at random; kube-proxy
                // there picks the pod (externalTrafficPolicy: Cluster), so the hop starts in
                // the node's zone.
                self.rng.balance.random_range(0..self.topo.zones) as u8
            } else {
                NO_ZONE
            }
        } else {
            self.topo.instances[a.at as usize].zone as u8
        };
        let view = self.view_for_ingress;
        let policy = self.s.ingress.balancing;
        // Istio's locality priority levels, when in effect, from the gateway's zone.
        let locality = match &self.s.ingress.kind {
            IngressKind::Istio(i) if i.locality_aware && from_zone != NO_ZONE => {
                Locality::Priority(from_zone as usize)
            }
            _ => Locality::Any,
        };
        // A client connection to a `load-balancer` Service holds its pod (`client_conn`).
        let pod = match self.client_conn_pod(id) {
            Some(pod) => Some(pod),
            None => self.pick(a.service as usize, view, policy, locality, a.last_pod),
        };
        let Some(pod) = pod else {
            let back = self.client_hop_out(id);
            return self.reply_parent(id, false, ErrorCause::NoBackend, back);
        };
        let timeout = match &self.s.ingress.kind {
            IngressKind::Istio(i) => i.per_try_timeout.min(self.s.ingress.backend_timeout),
            _ => self.s.ingress.backend_timeout,
        };
        self.ingress_tries += u64::from(a.counted);
        {
            let n = &mut self.nodes[id as usize];
            n.tries += 1;
            n.last_pod = pod;
            n.try_sent = now;
        }
        let a = self.nodes[id as usize];
        self.schedule_timeout(timeout, id, a.ver, a.tok);
        // With a mesh, the request passes the pod's inbound sidecar.
        let sidecar = match mesh_of(self.s) {
            Some((d, _)) => d.sample(&mut self.rng.network),
            None => SimDuration::ZERO,
        };
        self.send_work_after(id, pod, from_zone, sidecar);
    }

    /// Creates work for `parent` at `pod` and sends it there, with `extra` latency on the way
    /// (sidecars, a retry's backoff).
    pub(super) fn send_work_after(
        &mut self,
        parent: u32,
        pod: u32,
        from_zone: u8,
        extra: SimDuration,
    ) {
        let p = self.nodes[parent as usize];
        self.nodes[parent as usize].origin = 0;
        let mut w = self.blank(Kind::Work);
        w.parent = parent;
        w.parent_ver = p.ver;
        w.parent_tok = p.tok;
        w.counted = p.counted;
        w.class = p.class;
        w.service = self.topo.pods[pod as usize].service as u32;
        w.at = pod;
        w.epoch = self.topo.pods[pod as usize].epoch;
        w.from_zone = from_zone;
        self.topo.pods[pod as usize].in_flight += 1;
        self.count_sent(pod);
        let delay = if from_zone == NO_ZONE {
            SimDuration::ZERO
        } else {
            self.hop(from_zone as usize, self.topo.pods[pod as usize].zone)
        };
        // The gateway's or sidecar's pooled connection to the pod (see `upstream_pool`).
        let (pair, uses, handshake) = self.upstream_take(parent, pod);
        (w.up_pair, w.up_uses) = (pair, uses);
        let id = self.alloc(w);
        let ver = self.nodes[id as usize].ver;
        self.send_in(delay + extra + handshake, Ev::AtPod { node: id, ver });
    }

    /// Work reaches its pod.
    pub(super) fn at_pod(&mut self, id: u32, ver: u32) {
        if !self.live(id, ver) {
            return;
        }
        let now = self.cal.now();
        let w = self.nodes[id as usize];
        let pod = &mut self.topo.pods[w.at as usize];
        if pod.epoch != w.epoch || pod.life != Life::Up {
            pod.in_flight = pod.in_flight.saturating_sub(1);
            if pod.scaled_down {
                // Deleted by a scale-down and past its grace period, but still in a balancer's
                // view (App Gateway with AGIC lag longer than the grace period).
                self.sends_after_scale_down += 1;
            } else {
                self.dead_sends_in_window += 1;
                let t = Some(now.as_secs_f64());
                self.dead_sends.count += 1;
                self.dead_sends.first_secs = self.dead_sends.first_secs.or(t);
                self.dead_sends.last_secs = t;
            }
            // A starting pod refuses connections like a reset.
            let reset = !matches!(pod.life, Life::Down { reset: false });
            if !reset && let Some(delay) = self.connect_failure_in(id) {
                // A new connection to a black hole: the proxy's connect timeout.
                return self.reply_parent(id, false, ErrorCause::DeadBackend, delay);
            }
            return self.dead_end(id, reset);
        }
        if pod.stopping {
            // Past SIGTERM: the application no longer accepts work (connection refused),
            // but what was on the wire on a pooled connection drains (see `conn_drain`).
            match self.at_stopping_pod(id) {
                Drained::Serve => {}
                Drained::Resent => return,
                Drained::Refused => {
                    let pod = &mut self.topo.pods[w.at as usize];
                    pod.in_flight = pod.in_flight.saturating_sub(1);
                    self.sends_after_scale_down += 1;
                    return self.dead_end(id, true);
                }
            }
        }
        self.nodes[id as usize].mark = now;
        self.sidecar_inbound(w.at, w.up_uses == 1);
        let pod = &mut self.topo.pods[w.at as usize];
        match pod.station.arrive(now, id) {
            Admission::Start => self.start_service(id),
            Admission::Queued => {}
            Admission::Rejected => {
                pod.in_flight = pod.in_flight.saturating_sub(1);
                self.limit_reached(LimitKind::QueueFull, w.service as usize, 1.0);
                let back = self.back_hop(id);
                self.reply_parent(id, false, ErrorCause::Rejected, back);
            }
        }
    }

    pub(super) fn start_service(&mut self, id: u32) {
        self.slot_opened(id);
        let w = self.nodes[id as usize];
        let svc = w.service as usize;
        let d = self.s.services[svc]
            .service_time
            .sample(&mut self.rng.service[svc]);
        let pod = &self.topo.pods[w.at as usize];
        let factor = self.svc_degr[svc].multiplier * pod.slowdown * self.contention(id);
        // A factor of 1 leaves a duration below 2⁵⁰ ns as it is (see `Dist::sample`).
        let d = if factor == 1.0 && d.0 < 1 << 50 {
            d
        } else {
            d.mul_f64(factor)
        };
        if let Some(cpu) = self.s.services[svc].cpu {
            return self.cpu_start(id, cpu.cores(), d);
        }
        self.send_in(
            d,
            Ev::ServiceDone {
                node: id,
                ver: w.ver,
            },
        );
    }

    /// Work's own service time ends: make its calls, then finish.
    pub(super) fn service_done(&mut self, id: u32, ver: u32) {
        if !self.live(id, ver) {
            return;
        }
        self.slot_stretch(id, 0);
        self.advance_work(id);
    }

    /// Makes the next call of work `id` that its probability selects (or the next fan-out
    /// group), or finishes it.
    pub(super) fn advance_work(&mut self, id: u32) {
        let w = self.nodes[id as usize];
        let pod = &self.topo.pods[w.at as usize];
        if pod.epoch != w.epoch {
            return self.ghost_end(id);
        }
        let svc = &self.s.services[w.service as usize];
        let calls = &svc.calls;
        let mut k = w.call as usize;
        let mut group = None;
        let mut option = super::sim::NO_OPTION;
        while k < calls.len() {
            if let Some(g) = svc.fan_outs.iter().find(|g| g.calls.start == k) {
                group = Some(g.calls.start..g.calls.end.min(calls.len()));
                break;
            }
            if let Some(c) = svc.choices.iter().find(|c| c.calls.contains(&k)) {
                // A weighted choice: one of its options, or none of them; the reply of the
                // option made moves past the choice.
                let end = c.calls.end;
                match (k == c.calls.start)
                    .then(|| self.choose_option(w.service as usize, k, w.class))
                    .flatten()
                {
                    Some((pick, slot)) => {
                        k = pick;
                        option = slot;
                        break;
                    }
                    None => {
                        k = end;
                        continue;
                    }
                }
            }
            let call = &calls[k];
            if call.probability >= 1.0 || self.rng.calls.random::<f64>() < call.probability {
                break;
            }
            k += 1;
        }
        if let Some(group) = group {
            return self.start_fan_out(id, group);
        }
        self.nodes[id as usize].call = k as u16;
        self.nodes[id as usize].call_tries = 0;
        self.nodes[id as usize].option = option;
        if k == calls.len() {
            let d = self.svc_degr[w.service as usize];
            let fault = d.error_rate.max(self.topo.pods[w.at as usize].error_rate);
            // The service's own errors and a fault's are independent.
            let own = self.s.services[w.service as usize].error_rate;
            let err = 1.0 - (1.0 - own) * (1.0 - fault);
            if err > 0.0 && self.rng.calls.random::<f64>() < err {
                return self.finish_work(id, false, ErrorCause::Upstream);
            }
            return self.finish_work(id, true, ErrorCause::Timeout);
        }
        self.make_call(id, k);
    }

    /// Makes call `k` of the service of node `id` (work, or a fan-out leg standing for its
    /// work), from the pod in `id.at`; the result comes back to `id` as a reply or a timeout.
    pub(super) fn make_call(&mut self, id: u32, k: usize) {
        let now = self.cal.now();
        self.nodes[id as usize].origin = 0;
        let w = self.nodes[id as usize];
        let call = &self.s.services[w.service as usize].calls[k];
        // Every call has a timeout (the client's unless the call sets one), so no work waits
        // forever.
        let timeout = call.timeout.unwrap_or(self.s.clients.timeout);
        let target = call.target;
        self.option_call_made(id, now + timeout);
        if self.policy_drops(id, target, timeout) {
            return;
        }
        self.schedule_timeout(timeout, id, w.ver, w.tok);
        let zone = self.topo.pods[w.at as usize].zone;
        match target {
            CallTarget::Service(t) => {
                // Without a mesh, kube-proxy spreads over ready endpoints at random, ignoring
                // zones; with one, the client sidecar balances (LEAST_REQUEST, with locality
                // priority levels when in effect).
                let scenario = self.s;
                let mesh = mesh_of(scenario);
                let (policy, locality) = match mesh {
                    Some((_, local)) => (
                        crate::scenario::Balancing::LeastRequest,
                        if local {
                            Locality::Priority(zone)
                        } else {
                            Locality::Any
                        },
                    ),
                    None => (
                        crate::scenario::Balancing::Random,
                        self.kube_proxy_locality(t, zone),
                    ),
                };
                // kube-proxy picks a pod per connection for a pooled call (see `conn_pool`).
                let picked = if mesh.is_none() && self.per_connection(id, k) {
                    match self.conn_acquire(id, k, t, locality) {
                        Some(super::conn_pool::Acquired::Pod(pod)) => Some(pod),
                        // gRPC at the stream limit: it waits for a stream, under its timeout
                        // (see `conn_streams`).
                        Some(super::conn_pool::Acquired::Queued) => return,
                        None => None,
                    }
                } else {
                    self.pick(t, super::topology::View::Endpoints, policy, locality, NONE)
                };
                match picked {
                    Some(pod) => {
                        if mesh.is_some() {
                            // The sidecar's retries share the call's deadline.
                            let n = &mut self.nodes[id as usize];
                            n.tries = 0;
                            n.last_pod = pod;
                            n.try_sent = now + timeout;
                        }
                        let sidecars = match mesh {
                            Some((d, _)) => {
                                self.sidecar_pass(w.at);
                                self.usage.mesh_calls += u64::from(self.cal.now() >= self.warm);
                                d.sample(&mut self.rng.network) + d.sample(&mut self.rng.network)
                            }
                            None => SimDuration::ZERO,
                        };
                        // A new pooled connection's handshake, or its connect timeout.
                        self.send_call(id, pod, zone, sidecars)
                    }
                    None => self.fail_call(id, ErrorCause::NoBackend),
                }
            }
            CallTarget::Destination(d) => self.egress_call(id, d, zone),
        }
    }

    pub(super) fn fail_call(&mut self, id: u32, cause: ErrorCause) {
        let w = self.nodes[id as usize];
        self.send_in(
            SimDuration::ZERO,
            Ev::Reply {
                node: id,
                ver: w.ver,
                tok: w.tok,
                ok: false,
                cause: cause as u8,
            },
        );
    }

    /// Where kube-proxy may send a call from `zone` to service `t`: topology-aware routing
    /// keeps calls in the zone while it has at least 3 ready endpoints (topology-aware-routing
    /// docs, facts §4); otherwise any zone.
    pub(super) fn kube_proxy_locality(&self, t: usize, zone: usize) -> Locality {
        let local = self.s.network.topology_aware_routing
            && self
                .routable
                .listed_in_zone(t, super::topology::View::Endpoints, zone)
                >= 3;
        if local {
            Locality::Strict(zone)
        } else {
            Locality::Any
        }
    }

    /// Work ends at its pod: free the worker slot, start the next waiting work, reply.
    pub(super) fn finish_work(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let now = self.cal.now();
        let w = self.nodes[id as usize];
        let pod = &mut self.topo.pods[w.at as usize];
        pod.in_flight = pod.in_flight.saturating_sub(1);
        if let Some(next) = pod.station.depart(now) {
            self.start_service(next);
        }
        if w.counted {
            self.tier.services[w.service as usize].record(now - w.mark);
        }
        self.tier.windows[1 + w.service as usize].record_completed(now, now - w.mark);
        let back = self.back_hop(id);
        self.reply_parent(id, ok, cause, back);
    }

    /// Work whose pod died after it was admitted: its slot is released; callers see a reset
    /// or nothing at all (black hole).
    pub(super) fn ghost_end(&mut self, id: u32) {
        let now = self.cal.now();
        let w = self.nodes[id as usize];
        let pod = &mut self.topo.pods[w.at as usize];
        pod.in_flight = pod.in_flight.saturating_sub(1);
        let next = pod.station.depart(now);
        let reset = matches!(pod.life, Life::Down { reset: true });
        if let Some(next) = next {
            self.start_service(next);
        }
        self.dead_end(id, reset);
    }

    /// A node reached something dead: a reset fails it at once, a black hole drops it (its
    /// parent's timeout will fire).
    pub(super) fn dead_end(&mut self, id: u32, reset: bool) {
        if reset {
            self.reply_parent(id, false, ErrorCause::DeadBackend, SimDuration::ZERO);
        } else {
            self.pass_origin_up(id, ErrorCause::DeadBackend);
            self.release(id);
        }
    }

    /// The latency of the reply hop from work `id` back to its sender.
    fn back_hop(&mut self, id: u32) -> SimDuration {
        let w = self.nodes[id as usize];
        if w.from_zone == NO_ZONE {
            SimDuration::ZERO
        } else {
            self.hop(self.topo.pods[w.at as usize].zone, w.from_zone as usize)
        }
    }

    /// Sends node `id`'s result to its parent after `delay` and frees it.
    pub(super) fn reply_parent(
        &mut self,
        id: u32,
        ok: bool,
        cause: ErrorCause,
        delay: SimDuration,
    ) {
        if !ok {
            self.pass_origin_up(id, cause);
        }
        let n = self.nodes[id as usize];
        if n.up_pair != NONE {
            self.upstream_give_back(id, ok, cause);
        }
        if n.parent != NONE {
            self.send_in(
                delay,
                Ev::Reply {
                    node: n.parent,
                    ver: n.parent_ver,
                    tok: n.parent_tok,
                    ok,
                    cause: cause as u8,
                },
            );
        }
        self.release(id);
    }

    /// Node `id` got its child's result (or its timeout fired: `cause` = timeout).
    pub(super) fn on_reply(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let (kind, conn) = (self.nodes[id as usize].kind, self.nodes[id as usize].conn);
        if ok {
            self.nodes[id as usize].origin = 0;
        } else {
            self.failure_seen(id, cause);
        }
        if kind == Kind::Work {
            self.call_stretch(id, ok);
        }
        // Both releases do nothing for a node that rides no connection.
        if kind == Kind::Request && conn != NONE {
            self.client_conn_release(id, ok, cause);
        }
        if matches!(kind, Kind::Work | Kind::Leg) && conn != NONE {
            self.conn_release(id, ok, cause);
        }
        if matches!(kind, Kind::Work | Kind::Leg) {
            if !ok && istio_default_retries(cause) && self.mesh_retry(id) {
                return;
            }
            self.option_call_done(id, ok);
        }
        match kind {
            Kind::Request => self.request_result(id, ok, cause),
            Kind::Attempt => self.attempt_result(id, ok, cause),
            Kind::Work | Kind::Leg if !ok && self.call_retry(id) => {}
            Kind::Work => {
                let w = self.nodes[id as usize];
                if self.topo.pods[w.at as usize].epoch != w.epoch {
                    return self.ghost_end(id);
                }
                if ok {
                    self.nodes[id as usize].call += 1;
                    self.advance_work(id);
                } else {
                    self.finish_work(id, false, cause);
                }
            }
            Kind::Leg => self.leg_done(id, ok, cause),
        }
    }

    fn request_result(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let now = self.cal.now();
        let r = self.nodes[id as usize];
        if ok {
            let latency = now - r.born;
            if r.counted {
                self.succeeded += 1;
                self.latency.record(latency);
                self.routing_request_done(&r, true, latency);
            }
            self.series.record_completed(now, latency);
            return self.release(id);
        }
        let policy = &self.s.clients.retries;
        let retries_used = u32::from(r.tries).saturating_sub(1);
        let within_budget = policy.budget.is_none_or(|b| {
            self.budget_retries.value(now) + 1.0 <= b * self.budget_requests.value(now)
        });
        if retries_used < policy.attempts && within_budget {
            self.budget_retries.add(now, 1.0);
            self.retries_in_window += 1;
            let exp = policy
                .backoff
                .0
                .saturating_mul(1u64 << retries_used.min(32))
                .min(policy.max_backoff.0);
            let wait = match policy.jitter {
                Jitter::None => exp,
                Jitter::Full => self.rng.retries.random_range(0..=exp),
                Jitter::Equal => exp / 2 + self.rng.retries.random_range(0..=exp / 2),
            };
            self.send_in(
                SimDuration(wait),
                Ev::RetryDue {
                    node: id,
                    ver: r.ver,
                },
            );
            return;
        }
        if r.counted {
            self.failed[cause as usize] += 1;
            self.routing_request_done(&r, false, now - r.born);
            self.count_failure_origin(id, cause);
        }
        self.series.record_error(now, cause as usize);
        self.release(id);
    }

    fn attempt_result(&mut self, id: u32, ok: bool, cause: ErrorCause) {
        let now = self.cal.now();
        let a = self.nodes[id as usize];
        if a.last_pod != NONE {
            self.observe_backend(a.last_pod, ok);
        }
        if !ok {
            let retry = match &self.s.ingress.kind {
                // proxy_next_upstream "error timeout": connection errors and timeouts.
                IngressKind::Nginx(n) => {
                    matches!(cause, ErrorCause::DeadBackend | ErrorCause::Timeout)
                        && u32::from(a.tries) < n.next_upstream_tries
                }
                // Istio's default retryOn, the mesh's rule too (see `retry_on`).
                IngressKind::Istio(i) => {
                    istio_default_retries(cause) && u32::from(a.tries) <= i.retries
                }
                _ => false,
            };
            if retry {
                return self.forward(id);
            }
        }
        if a.last_pod != NONE && self.s.ingress.balancing == crate::scenario::Balancing::Ewma {
            // ingress-nginx's `after_balance` runs once per request and updates the EWMA of
            // the last upstream tried only (`split.get_last_value(upstream_addr)`), with its
            // connect + response time.
            let rtt = (now - a.try_sent).as_secs_f64();
            let t = now.as_secs_f64();
            ewma_update(&mut self.topo.pods[a.last_pod as usize], rtt, t);
        }
        let back = self.client_hop_out(id);
        self.reply_parent(id, ok, cause, back);
    }

    /// The ingress saw a try's result from `pod`: outlier detection.
    fn observe_backend(&mut self, pod: u32, ok: bool) {
        let now = self.cal.now();
        let p = &mut self.topo.pods[pod as usize];
        if ok {
            p.consecutive_errors = 0;
            return;
        }
        p.consecutive_errors += 1;
        let IngressKind::Istio(istio) = &self.s.ingress.kind else {
            return;
        };
        let Some(od) = &istio.outlier_detection else {
            return;
        };
        if p.consecutive_errors < od.consecutive_errors || p.ejected_until > now.0 {
            return;
        }
        let service = p.service;
        let pods = &self.topo.service_pods[service];
        let ejected = pods
            .iter()
            .filter(|&&q| self.topo.pods[q as usize].ejected_until > now.0)
            .count();
        if (ejected + 1) as f64 > od.max_ejection_percent / 100.0 * pods.len() as f64 {
            // Envoy ejects at least one host even when the percentage rounds down.
            if ejected > 0 {
                return;
            }
        }
        let p = &mut self.topo.pods[pod as usize];
        p.ejections += 1;
        p.consecutive_errors = 0;
        p.ejected_until = now.0 + od.base_ejection_time.0 * u64::from(p.ejections);
        self.sync_routable(pod);
    }
}
