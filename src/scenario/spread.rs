//! The scheduler's zone choice for a new pod: the zone with the fewest pods of its service,
//! filtered by a topology-spread rule when the service has one. Used for the initial placement
//! of `replicas` (when resolving a scenario) and for every pod created during a run
//! (replacements after eviction, HPA scale-ups), so both follow one rule.
//!
//! What a zone outage does to `whenUnsatisfiable: DoNotSchedule`: the skew is measured against
//! the global minimum over *eligible domains*, and with the default `nodeTaintsPolicy: Ignore`
//! (a nil policy "is equivalent to the Ignore policy", TopologySpreadConstraint API;
//! kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints) tainted nodes
//! still count — the lost zone's nodes, tainted `unreachable`, remain a domain. Its evicted pods
//! are terminating and the scheduler does not count terminating pods, so the lost zone holds 0
//! and every surviving zone already exceeds 0 + maxSkew: replacements stay Pending until the
//! zone returns (kubernetes/kubernetes#123019, #106127, #107464; KEP-5980,
//! kubernetes/enhancements#6211, proposes to exclude fully tainted domains, not yet merged).
//! `ScheduleAnyway` only ranks zones by skew, so replacements go to the surviving zones.
//!
//! Without a rule the zone with the fewest pods of the service wins, as before. In both cases a
//! zone with room is preferred; if only full zones are allowed, the pod goes to one of them and
//! the cluster autoscaler adds a node there (the caller adds the provisioning time).

use super::TopologySpread;

/// Where a new pod goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// In `zone`; `needs_node` when the zone is full and the cluster autoscaler must add a node.
    Zone {
        /// Zone index.
        zone: usize,
        /// The zone has no room: the pod waits for a new node.
        needs_node: bool,
    },
    /// No zone is allowed: the pod stays pending.
    Pending,
}

/// The zone for a new pod of a service with `count` pods per zone (all zones, those in an
/// outage included: they are still topology domains), given which zones can take pods now
/// (`schedulable`) and which have room. Ties go to the lowest zone index.
pub fn place(
    spread: Option<TopologySpread>,
    count: &[u32],
    schedulable: &[bool],
    room: &[bool],
) -> Placement {
    let global_min = count.iter().copied().min().unwrap_or(0);
    let allowed = |z: &usize| {
        schedulable[*z]
            && match spread {
                Some(t) if t.do_not_schedule => count[*z] + 1 - global_min <= t.max_skew,
                _ => true,
            }
    };
    let zones = 0..count.len();
    if let Some(zone) = zones
        .clone()
        .filter(allowed)
        .filter(|&z| room[z])
        .min_by_key(|&z| count[z])
    {
        return Placement::Zone {
            zone,
            needs_node: false,
        };
    }
    match zones.filter(allowed).min_by_key(|&z| count[z]) {
        Some(zone) => Placement::Zone {
            zone,
            needs_node: true,
        },
        None => Placement::Pending,
    }
}

/// The initial placement of `replicas` pods, one at a time as the scheduler would, with `room`
/// pods of space left per zone (`u32::MAX`: unlimited). Every zone is up at the start, so no
/// pod is left pending by the spread rule; a pod that fits only a full zone goes there and
/// waits, at the start of the run, for the node the cluster autoscaler adds.
pub fn initial(spread: Option<TopologySpread>, replicas: u32, room: &[u32]) -> Vec<u32> {
    let zones = room.len();
    let mut count = vec![0; zones];
    let up = vec![true; zones];
    for _ in 0..replicas {
        let has_room: Vec<bool> = (0..zones).map(|z| count[z] < room[z]).collect();
        if let Placement::Zone { zone, .. } = place(spread, &count, &up, &has_room) {
            count[zone] += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Option<TopologySpread> = Some(TopologySpread {
        max_skew: 1,
        do_not_schedule: true,
    });
    const SOFT: Option<TopologySpread> = Some(TopologySpread {
        max_skew: 1,
        do_not_schedule: false,
    });

    #[test]
    fn initial_placement_is_even_and_respects_room() {
        assert_eq!(initial(STRICT, 7, &[u32::MAX; 3]), [3, 2, 2]);
        assert_eq!(initial(None, 6, &[u32::MAX; 3]), [2, 2, 2]);
        // Zone 1 holds one pod: the soft rule fills the others.
        assert_eq!(initial(SOFT, 5, &[1, 9, 9]), [1, 2, 2]);
        // The strict rule keeps the skew and puts pods in the full zone (a new node).
        assert_eq!(initial(STRICT, 6, &[1, 9, 9]), [2, 2, 2]);
    }

    #[test]
    fn a_lost_zone_with_no_pods_blocks_strict_placement() {
        let up = [true, true, false];
        let room = [true; 3];
        // 3/3/0 after the lost zone's pods were evicted: 3 + 1 − 0 > 1 everywhere.
        assert_eq!(place(STRICT, &[3, 3, 0], &up, &room), Placement::Pending);
        assert_eq!(
            place(SOFT, &[3, 3, 0], &up, &room),
            Placement::Zone {
                zone: 0,
                needs_node: false
            }
        );
        // Before eviction the lost zone still counts its pods: 2/3/3 allows zone 1.
        assert_eq!(
            place(STRICT, &[2, 3, 3], &up, &room),
            Placement::Zone {
                zone: 0,
                needs_node: false
            }
        );
        // A larger max_skew tolerates the difference.
        let loose = Some(TopologySpread {
            max_skew: 4,
            do_not_schedule: true,
        });
        assert!(matches!(
            place(loose, &[3, 3, 0], &up, &room),
            Placement::Zone { .. }
        ));
    }
}
