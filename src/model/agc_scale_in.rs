//! Application Gateway for Containers' scale-in: when its autoscaling wants less capacity,
//! the capacity being removed takes no new connections (they go to the remaining capacity)
//! and drains its existing ones for five minutes, then closes them (Microsoft Learn, "Scaling
//! and availability for Application Gateway for Containers"; `scenario::defaults::
//! AGC_SCALE_IN_DRAIN`).
//!
//! One instance is removed per autoscaling evaluation, the newest first, and never below the
//! instances the scenario starts with. App Gateway v2 (AGIC) does not scale in here: a run is
//! shorter than its scale-in cool-down.

use super::sim::{Ev, Sim};
use super::topology::Life;
use crate::engine::SimDuration;
use crate::scenario::defaults::AGC_SCALE_IN_DRAIN;

impl Sim<'_> {
    /// Autoscaling wants fewer than the `current` instances: for Application Gateway for
    /// Containers, the newest running instance above the starting count stops taking new
    /// requests at once and stops after the drain.
    pub(super) fn agc_scale_in(&mut self, current: u32) {
        if self.s.ingress.for_containers().is_none() {
            return;
        }
        let floor: u32 = self.s.ingress.instances.iter().sum();
        if current <= floor {
            return;
        }
        let Some(k) = (0..self.topo.instances.len()).rev().find(|&k| {
            let i = &self.topo.instances[k];
            !i.retired && i.life == Life::Up
        }) else {
            return;
        };
        let now = self.cal.now();
        let kind = super::timeline::EventKind::GatewayScale {
            from: current,
            to: current - 1,
        };
        self.timeline.record(now, kind);
        let inst = &mut self.topo.instances[k];
        inst.retired = true;
        let epoch = inst.epoch;
        let k = k as u32;
        self.cal.schedule_in(
            SimDuration::ZERO,
            Ev::DetectInstance {
                inst: k,
                epoch,
                routable: false,
            },
        );
        self.cal
            .schedule_in(AGC_SCALE_IN_DRAIN, Ev::InstanceTerminate { inst: k, epoch });
        self.note_ingress_replicas();
    }
}
