//! Replications in parallel, their deterministic merge, and the summary a run produces.
//!
//! This module owns the step from "one replication of the model" to "what a scenario gives":
//!
//! - [`run_replications`] runs a range of replication indices in parallel with rayon and returns
//!   the results in index order (an indexed collect), so the outcome does not depend on the
//!   number of threads or on which thread finished first;
//! - [`run_until_precise`] adds parallel batches of replications until the 95% confidence
//!   interval of p99 latency is narrow enough (`--precision 5%`), deciding where to stop by
//!   looking at the replications in index order, so that it too is independent of the thread
//!   count;
//! - [`summarise_replications_within_budget`] streams them, a few per thread at a time and in
//!   index order, into a [`SummaryBuilder`] that keeps only what the summary needs, so memory
//!   does not grow with whole results;
//! - [`Summary`] condenses the replications into estimates with confidence intervals, the
//!   SLO verdict, the merged time series and the [`failover`] story of each fault: what
//!   `summary.json` and the terminal table show;
//! - [`set_memory_budget`] bounds the memory of the replications running at once (each stops
//!   with [`OverBudget`](crate::model::OverBudget) past its share; `memory_budget` parses the
//!   flag and gives the default);
//! - [`shard`] runs one slice of a run's replications (`--shard K/N`, a Kubernetes Indexed
//!   Job's index) and [`part`] writes it as a partial result and merges the parts of a run
//!   into exactly the summary of a single-machine run (`trafsim merge`);
//! - [`SimProgress`] is the progress bar that moves with simulated time ([`Progress`] is what
//!   running replications report), hidden with `--quiet` or when standard error is not a
//!   terminal.
//!
//! Each replication seeds its random streams from (scenario seed, replication index) inside the
//! model; the runner only chooses the indices and the order of the merge.

pub mod build_id;
mod builder;
pub mod failover;
pub mod findings;
mod ingress_balance;
pub mod memory_budget;
pub mod part;
pub(crate) mod part_set;
pub mod phases;
mod pod_balance;
mod precision;
mod progress;
mod replicate;
mod routing;
pub mod shard;
mod slo;
mod summary;
mod tiers;
mod upstream_connections;

pub use builder::SummaryBuilder;
pub use failover::{FailoverSummary, RunTrace};
pub use ingress_balance::IngressBalanceSummary;
pub use pod_balance::{PodBalanceSummary, per_connection_targets};
pub use precision::{MIN_PRECISION_REPLICATIONS, PrecisionOutcome, run_until_precise};
pub use progress::{Progress, SimProgress};
pub use replicate::{
    CHUNK_PER_THREAD, fold_each_of_within_budget, fold_each_within_budget,
    fold_replications_within_budget, memory_budget, run_all, run_replications,
    run_replications_within_budget, set_memory_budget, summarise_replications_within_budget,
};
pub use routing::{RoutingSummary, SliceSummary};
pub use shard::Shard;
pub use slo::{SloVerdict, Verdict};
pub use summary::{
    CauseSummary, DeniedSummary, ErrorSummary, FirewallSummary, LatencySummary, RequestCounts,
    SCHEMA_VERSION, Summary, UnfinishedSummary,
};
pub use tiers::{EGRESS_DEVICE_DOWN, TierFailure, TierSummary, ZoneUtilisation};
pub use upstream_connections::UpstreamConnectionsSummary;

#[cfg(test)]
pub(crate) mod fake;
