//! One shard of a run: which replications it owns (`--shard K/N`, or the index a Kubernetes
//! Indexed Job or a Slurm array gives it), and running them.
//!
//! **Which replications.** Shards are numbered from 0, like `JOB_COMPLETION_INDEX`:
//! shard `K` of `N` owns the replication indices `i` with `i mod N = K` (`K`, `K + N`,
//! `K + 2N`, …, below the scenario's replication count). Dealing them round-robin keeps the
//! shards within one replication of each other, whatever the count; a shard with no index
//! below the count (more shards than replications) owns nothing and writes an empty part.
//! Each replication seeds itself from (seed, index), so a replication run in a shard is the
//! same as in a single-machine run; the merge (see [`part`](super::part)) folds them back in
//! index order.
//!
//! **From the environment** ([`Shard::from_env`]): a Kubernetes Indexed Job gives each pod
//! `JOB_COMPLETION_INDEX` (0-based); the shard count is the Job's `completions`, which
//! Kubernetes does not put in the environment, so it comes from `--shard-count` or
//! `TRAFSIM_SHARD_COUNT`. A Slurm array gives `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN`
//! and `SLURM_ARRAY_TASK_COUNT`; the shard is the task id less the minimum, so `--array=0-6`
//! and `--array=1-7` both work (a step other than 1 is refused).

use std::fmt;

use crate::model::{OverBudget, RunResult};
use crate::runner::Progress;
use crate::runner::replicate::fold_each_of_within_budget;
use crate::scenario::Scenario;

/// The environment variable with the shard count for `--shard-from-env` under Kubernetes.
pub const SHARD_COUNT_ENV: &str = "TRAFSIM_SHARD_COUNT";

/// Most shards a run may be split into.
pub const MAX_SHARDS: u64 = 100_000;

/// Shard `index` of `count` (0-based: `0 ≤ index < count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    /// This shard's index, from 0.
    pub index: u64,
    /// How many shards the run is split into (at least 1).
    pub count: u64,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole run as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`, checked: a count from 1 to [`MAX_SHARDS`], an index below it.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "the shard count must be from 1 to {MAX_SHARDS}, got {count}"
            ));
        }
        if index >= count {
            return Err(format!(
                "shard {index} of {count} does not exist: shards are numbered from 0, so the \
                 index must be from 0 to {} (as JOB_COMPLETION_INDEX is)",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parses `--shard K/N`: `K` from 0 to `N − 1`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad =
            || format!("expected K/N, shard K (from 0) of N shards, such as `0/3`, got `{text}`");
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n)
    }

    /// The shard a Kubernetes Indexed Job or a Slurm array task is (see the module doc);
    /// `count` is `--shard-count`, if given; `var` reads an environment variable.
    pub fn from_env(
        count: Option<u64>,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let number = |name: &str| -> Result<Option<u64>, String> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| {
                    format!("{name} is `{v}`, which is not a whole number of 0 or more")
                }),
            }
        };
        if let Some(index) = number("JOB_COMPLETION_INDEX")? {
            let count = match count {
                Some(n) => n,
                None => number(SHARD_COUNT_ENV)?.ok_or_else(|| {
                    format!(
                        "JOB_COMPLETION_INDEX is {index}, but the shard count is unknown: give \
                         --shard-count N or set {SHARD_COUNT_ENV} to the Job's completions"
                    )
                })?,
            };
            return Shard::new(index, count);
        }
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            if let Some(step) = number("SLURM_ARRAY_TASK_STEP")?.filter(|&s| s != 1) {
                return Err(format!(
                    "SLURM_ARRAY_TASK_STEP is {step}; shards need an array of consecutive \
                     task ids (such as --array=0-6)"
                ));
            }
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let index = id.checked_sub(min).ok_or_else(|| {
                format!("SLURM_ARRAY_TASK_ID {id} is below SLURM_ARRAY_TASK_MIN {min}")
            })?;
            let count = match count {
                Some(n) => n,
                None => number("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
                    "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: give \
                     --shard-count N"
                        .to_string()
                })?,
            };
            return Shard::new(index, count);
        }
        Err(
            "--shard-from-env found neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) \
             nor SLURM_ARRAY_TASK_ID (a Slurm array); use --shard K/N elsewhere"
                .to_string(),
        )
    }

    /// Whether replication `replication` belongs to this shard.
    pub fn owns(&self, replication: u64) -> bool {
        replication % self.count == self.index
    }

    /// How many of the replications `0..replications` this shard owns.
    pub fn share_of(&self, replications: u64) -> u64 {
        replications.saturating_sub(self.index).div_ceil(self.count)
    }

    /// The replication indices this shard owns among `0..replications`, in order.
    pub fn replications(&self, replications: u64) -> impl Iterator<Item = u64> + use<> {
        let (index, count) = (self.index, self.count);
        (0..self.share_of(replications)).map(move |j| index + j * count)
    }
}

/// Runs this shard's replications of `scenario` on the current rayon pool, each within its
/// share of the memory budget, and hands each result to `fold` in index order, as
/// [`fold_each_of_within_budget`] does (it is that, for one scenario and the shard's indices).
/// `fold`'s error stops the run.
pub fn fold_shard_within_budget<E: From<OverBudget>>(
    scenario: &Scenario,
    shard: Shard,
    progress: &dyn Progress,
    fold: &mut dyn FnMut(RunResult) -> Result<(), E>,
) -> Result<(), E> {
    let own: Vec<u64> = shard
        .replications(u64::from(scenario.simulation.replications))
        .collect();
    let one = std::slice::from_ref(scenario);
    fold_each_of_within_budget(one, &own, progress, &mut |_, run| fold(run))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_zero_based_and_refuses_the_rest() {
        assert_eq!(Shard::parse("0/3"), Ok(Shard { index: 0, count: 3 }));
        assert_eq!(Shard::parse(" 2 / 3 "), Ok(Shard { index: 2, count: 3 }));
        assert!(Shard::parse("3/3").unwrap_err().contains("from 0 to 2"));
        assert!(Shard::parse("0/0").unwrap_err().contains("from 1 to"));
        assert!(Shard::parse("a/b").unwrap_err().contains("such as `0/3`"));
        assert!(Shard::parse("1").unwrap_err().contains("such as `0/3`"));
        assert!(Shard::parse("-1/3").is_err());
    }

    #[test]
    fn shards_partition_the_replications_round_robin() {
        for count in 1..9 {
            for reps in 0..20 {
                let mut seen = Vec::new();
                for index in 0..count {
                    let s = Shard { index, count };
                    let own: Vec<u64> = s.replications(reps).collect();
                    assert_eq!(own.len() as u64, s.share_of(reps));
                    assert!(own.iter().all(|&i| s.owns(i) && i < reps));
                    seen.extend(own);
                }
                seen.sort_unstable();
                assert_eq!(seen, (0..reps).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn environment_of_kubernetes_and_slurm() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let k8s = env(&[("JOB_COMPLETION_INDEX", "4"), (SHARD_COUNT_ENV, "7")]);
        assert_eq!(
            Shard::from_env(None, &k8s),
            Ok(Shard { index: 4, count: 7 })
        );
        assert_eq!(
            Shard::from_env(Some(5), &k8s),
            Ok(Shard { index: 4, count: 5 })
        );
        let no_count = env(&[("JOB_COMPLETION_INDEX", "4")]);
        assert!(
            Shard::from_env(None, &no_count)
                .unwrap_err()
                .contains("--shard-count")
        );
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "7"),
        ]);
        assert_eq!(
            Shard::from_env(None, &slurm),
            Ok(Shard { index: 2, count: 7 })
        );
        let stepped = env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_STEP", "2")]);
        assert!(
            Shard::from_env(Some(3), &stepped)
                .unwrap_err()
                .contains("STEP")
        );
        let nothing = env(&[]);
        assert!(
            Shard::from_env(Some(3), &nothing)
                .unwrap_err()
                .contains("JOB_COMPLETION_INDEX")
        );
        let bad = env(&[("JOB_COMPLETION_INDEX", "x"), (SHARD_COUNT_ENV, "2")]);
        assert!(Shard::from_env(None, &bad).unwrap_err().contains("`x`"));
    }
}
