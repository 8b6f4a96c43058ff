//! `[[services]]` `pods` (explicit per zone) or `replicas` with a `topology_spread` rule, and the
//! initial placement of `replicas` by [`crate::scenario::spread`].

use super::Names;
use crate::scenario::context::Cx;
use crate::scenario::limits::{MAX_PODS, PODS_WHY, grouped};
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{ServiceTable, WhenUnsatisfiable};
use crate::scenario::{Service, TopologySpread};

/// Pods per zone as given (zeros for `replicas`, placed later) and the total.
pub(super) fn pods_or_replicas(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &ServiceTable,
    names: &Names,
) -> (Vec<u32>, u32) {
    let mut pods = vec![0; names.zones.len()];
    match (&t.pods, t.replicas) {
        (Some(_), Some(_)) => {
            cx.error(
                &p.key("replicas"),
                "give `pods` (per zone) or `replicas` (placed by the scheduler), not both",
            );
        }
        (None, None) => {
            cx.error(
                p,
                format!(
                    "`{}` needs `pods` (per zone, e.g. {{ \"1\" = 2 }}) or `replicas` (a total)",
                    t.name
                ),
            );
        }
        (None, Some(0)) => {
            cx.error(
                &p.key("replicas"),
                format!("`{}` needs at least one pod, got 0", t.name),
            );
        }
        (None, Some(n)) => {
            let n = cx.at_most(&p.key("replicas"), Some(n), MAX_PODS, PODS_WHY);
            return (pods, n.unwrap_or(0));
        }
        (Some(given), None) => {
            for (zone, &n) in given {
                let at = p.key("pods").key(zone);
                if let Some(z) = names.zone(cx, &at, zone) {
                    pods[z] = cx.at_most(&at, Some(n), MAX_PODS, PODS_WHY).unwrap_or(0);
                }
            }
            if pods.iter().all(|&n| n == 0) {
                cx.error(
                    &p.key("pods"),
                    format!("`{}` needs at least one pod in some zone, got none", t.name),
                );
            }
        }
    }
    let total = pods.iter().fold(0u32, |a, &n| a.saturating_add(n));
    if total > MAX_PODS {
        cx.error(
            &p.key("pods"),
            format!(
                "must total at most {} ({PODS_WHY}), got {total}",
                grouped(MAX_PODS as usize)
            ),
        );
    }
    (pods, total)
}

/// The `topology_spread` rule, if given.
pub(super) fn rule(cx: &mut Cx<'_>, p: &FieldPath, t: &ServiceTable) -> Option<TopologySpread> {
    let r = t.topology_spread.as_ref()?;
    Some(TopologySpread {
        max_skew: cx.at_least(&p.key("topology_spread").key("max_skew"), r.max_skew, 1, 1),
        do_not_schedule: r.when_unsatisfiable != Some(WhenUnsatisfiable::ScheduleAnyway),
    })
}

/// Places the services given as `replicas`, in file order, in the room left by the pods placed
/// before them (explicit `pods` first).
pub(super) fn place_replicas(
    services: &mut [Service],
    tables: &[ServiceTable],
    zone_capacity: Option<&[u32]>,
) {
    let zones = services.first().map_or(0, |s| s.pods.len());
    let mut used = vec![0u32; zones];
    for s in services.iter() {
        for (u, n) in used.iter_mut().zip(&s.pods) {
            *u = u.saturating_add(*n);
        }
    }
    for (s, t) in services.iter_mut().zip(tables) {
        let Some(n) = t.replicas.filter(|_| t.pods.is_none()) else {
            continue;
        };
        // Beyond the bound it is already an error; placing billions of pods would take hours.
        let n = n.min(MAX_PODS);
        let room: Vec<u32> = (0..zones)
            .map(|z| {
                zone_capacity
                    .and_then(|c| c.get(z))
                    .map_or(u32::MAX, |&c| c.saturating_sub(used[z]))
            })
            .collect();
        s.pods = crate::scenario::spread::initial(s.topology_spread, n, &room);
        for (u, n) in used.iter_mut().zip(&s.pods) {
            *u = u.saturating_add(*n);
        }
    }
}
