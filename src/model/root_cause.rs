//! The request flow's hooks into [`super::attribution`]: stretches of busy slot-time closed
//! as work moves on, and failure origins passed up from child to parent.
//!
//! Each hook is a few indexed loads and stores; the origin hooks run only on failure paths
//! (and one store clears a node's origin when it starts a new wait).

use crate::engine::SimDuration;

use super::attribution::{LimitKind, OriginKind, origin_waiting};
use super::result::ErrorCause;
use super::sim::{Kind, NONE, Sim};
use super::topology::Life;

impl Sim<'_> {
    /// A worker slot starts work `id`: its first stretch (own work) begins now.
    #[inline]
    pub(super) fn slot_opened(&mut self, id: u32) {
        self.nodes[id as usize].slot_at = self.cal.now();
    }

    /// Closes the current stretch of work `id`'s slot into `slot` of its service and zone (0:
    /// own work; `1 + 2k`: call `k` answered; `2 + 2k`: call `k` failed); the next starts now.
    #[inline]
    pub(super) fn slot_stretch(&mut self, id: u32, slot: usize) {
        let now = self.cal.now();
        let n = &mut self.nodes[id as usize];
        let d = now - n.slot_at;
        n.slot_at = now;
        let (service, at) = (n.service as usize, n.at as usize);
        let zone = self.topo.pods[at].zone;
        let b = self.attr.work_bucket(service, zone, slot);
        self.attr.add(now, b, d);
    }

    /// Work `id`'s wait on its current call ends (`ok`: the call answered).
    #[inline]
    pub(super) fn call_stretch(&mut self, id: u32, ok: bool) {
        let k = usize::from(self.nodes[id as usize].call);
        self.slot_stretch(id, 1 + 2 * k + usize::from(!ok));
    }

    /// An ingress slot in `zone` processes an attempt for `work`.
    #[inline]
    pub(super) fn ingress_stretch(&mut self, zone: usize, work: SimDuration) {
        let now = self.cal.now();
        let b = self.attr.layout.ingress_bucket(zone);
        self.attr.add(now + work, b, work);
    }

    /// Node `id` saw a failure (`cause`) of what it waited on: unless a deeper origin was
    /// passed up already, the origin is here (its timeout, a destination's error, …).
    pub(super) fn failure_seen(&mut self, id: u32, cause: ErrorCause) {
        let n = self.nodes[id as usize];
        if n.origin != 0 {
            return;
        }
        let code = origin_waiting(
            self.s,
            &self.attr.layout,
            n.kind,
            n.service as usize,
            usize::from(n.call),
            cause,
        );
        self.nodes[id as usize].origin = if code != 0 {
            code
        } else {
            self.origin_failing(id, cause)
        };
    }

    /// Node `id` fails towards its parent with `cause` (or vanishes in a black hole): the
    /// parent, if it still waits on it, learns the failure's origin. So do the ancestors
    /// further up that wait on the one below and know no origin yet: a black hole shows only
    /// at the first timeout to fire, which may be an ancestor's (the client's 10 s before the
    /// ingress's 30 s), and that timeout then names the black hole, not itself.
    pub(super) fn pass_origin_up(&mut self, id: u32, cause: ErrorCause) {
        let n = self.nodes[id as usize];
        if n.parent == NONE {
            return;
        }
        let code = if n.origin != 0 {
            n.origin
        } else {
            self.origin_failing(id, cause)
        };
        let mut child = n;
        let mut first = true;
        while child.parent != NONE {
            let p = &mut self.nodes[child.parent as usize];
            if p.ver != child.parent_ver || p.tok != child.parent_tok || (!first && p.origin != 0) {
                break;
            }
            p.origin = code;
            first = false;
            child = *p;
        }
    }

    /// The origin of node `id` failing by itself with `cause`.
    fn origin_failing(&self, id: u32, cause: ErrorCause) -> u16 {
        let l = &self.attr.layout;
        let n = &self.nodes[id as usize];
        let svc = n.service as usize;
        match n.kind {
            Kind::Work | Kind::Leg => match cause {
                ErrorCause::Rejected => l.code(OriginKind::QueueFull, svc),
                ErrorCause::DeadBackend => {
                    let p = &self.nodes[n.parent as usize];
                    if n.parent != NONE && p.ver == n.parent_ver && p.kind == Kind::Attempt {
                        l.code(OriginKind::DeadPodInIngressPool, svc)
                    } else {
                        l.code(OriginKind::DeadPodInEndpoints, svc)
                    }
                }
                ErrorCause::NoBackend => l.code(OriginKind::NoBackend, svc),
                ErrorCause::Timeout => l.code(
                    OriginKind::CallTimeout,
                    l.call_number(svc, usize::from(n.call)),
                ),
                _ => l.code(OriginKind::ServiceError, svc),
            },
            Kind::Attempt => match cause {
                ErrorCause::Rejected => l.code(OriginKind::IngressRejected, 0),
                ErrorCause::DeadBackend if n.last_pod == NONE => l.code(OriginKind::DeadIngress, 0),
                ErrorCause::DeadBackend => l.code(OriginKind::DeadPodInIngressPool, svc),
                ErrorCause::NoBackend if n.at == NONE && !self.topo.instances.is_empty() => {
                    l.code(OriginKind::NoIngress, 0)
                }
                ErrorCause::NoBackend => l.code(OriginKind::NoBackend, svc),
                ErrorCause::Timeout => l.code(OriginKind::IngressTimeout, svc),
                _ => l.code(OriginKind::ServiceError, svc),
            },
            Kind::Request => match cause {
                ErrorCause::Timeout => l.code(OriginKind::ClientTimeout, 0),
                ErrorCause::Rejected => l.code(OriginKind::IngressRejected, 0),
                ErrorCause::DeadBackend => l.code(OriginKind::DeadIngress, 0),
                ErrorCause::NoBackend => l.code(OriginKind::NoIngress, 0),
                _ => l.code(OriginKind::ServiceError, svc),
            },
        }
    }

    /// The egress call of node `id` went to the NAT Gateway of `zone`, which is down.
    pub(super) fn egress_lost_at(&mut self, id: u32, zone: usize) {
        self.nodes[id as usize].origin = self.attr.layout.code(OriginKind::EgressLost, zone);
    }

    /// Request `id` failed for good: counts it at its origin.
    pub(super) fn count_failure_origin(&mut self, id: u32, cause: ErrorCause) {
        if self.nodes[id as usize].origin == 0 {
            self.failure_seen(id, cause);
        }
        let now = self.cal.now();
        let code = self.nodes[id as usize].origin;
        self.attr.count_failure(now, code);
    }

    /// A gauge sample: the slots of running pods and instances stand for a quarter of the
    /// window (four samples a window) of available slot-time.
    pub(super) fn sample_slots(&mut self) {
        let now = self.cal.now();
        let share = self.attr.width().as_secs_f64() / 4.0;
        let services = self.attr.services();
        for p in &self.topo.pods {
            if p.life == Life::Up && !p.retired {
                let secs = f64::from(p.station.servers()) * share;
                self.attr.add_capacity(now, p.service, p.zone, secs);
            }
        }
        for i in &self.topo.instances {
            if i.life == Life::Up {
                let secs = f64::from(i.station.servers()) * share;
                self.attr.add_capacity(now, services, i.zone, secs);
            }
        }
    }

    /// Limit `kind` of `service` reached now with `figure`.
    #[inline]
    pub(super) fn limit_reached(&mut self, kind: LimitKind, service: usize, figure: f64) {
        let now = self.cal.now();
        self.attr.reach(now, kind, service, figure);
    }
}
