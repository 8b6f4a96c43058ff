//! Upper (and lower) bounds on the inputs a simulation can honour, in one place, each with its
//! reason: what the platform allows, or what a run can compute in reasonable time and memory.
//!
//! A value beyond a bound is refused at validation with the field, the value given and the
//! allowed range (exit 2), never left to exhaust memory or time. The bounds are generous for real
//! designs; they stop typos (`4294967295` pods) and absurd inputs (a 1 ms HPA loop), not designs.

use crate::engine::SimDuration;

/// Largest scenario file read, in bytes (16 MiB): a 100,000-point rate profile is about 4 MB.
/// Protects `validate /dev/zero` and other endless or huge inputs.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most pods at the start over all services, and most replicas any one HPA may create: the
/// Kubernetes cluster envelope, "no more than 150,000 total pods" (kubernetes.io, "Considerations
/// for large clusters", D). AKS allows 5,000 nodes and up to 250 pods a node ("AKS quotas, SKUs
/// and regions"; "Azure CNI networking: maximum pods per node", D), but the upstream control
/// plane is the tighter bound. Each simulated pod costs about 600 bytes.
pub const MAX_PODS: u32 = 150_000;

/// Most nodes in one zone (`[network] nodes_per_zone`): an AKS cluster has at most 5,000 nodes
/// ("AKS quotas, SKUs and regions", D).
pub const MAX_NODES_PER_ZONE: u32 = 5_000;

/// Most ingress instances (App Gateway instances or gateway pods) over all zones: they are pods
/// or VMs like the services' pods, under the same envelope.
pub const MAX_INSTANCES: u32 = MAX_PODS;

/// Most retries of one try, for every retry count (client `attempts`, ingress and mesh
/// retries, NGINX `next_upstream_tries`, `calls[].retries`). Defaults are 0 to 3 (Istio 2,
/// NGINX 3); each retry is simulated as events, so a count of billions would run for ever.
pub const MAX_RETRIES: u32 = 100;

/// Highest arrival rate, requests per second (clients `rate` and each profile point's `rps`):
/// a million requests a second is far beyond one AKS cluster's ingress, and a run simulates
/// every request (a 10-minute run at this rate is 600 million requests per replication).
pub const MAX_RATE: f64 = 1e6;

/// Shortest HPA sync period: the controller's `--horizontal-pod-autoscaler-sync-period`
/// default is 15 s (kube-controller-manager reference, D) and AKS does not expose it; below one
/// second each evaluation is an event storm with no platform behind it.
pub const MIN_HPA_SYNC_PERIOD: SimDuration = SimDuration::from_secs(1);

/// Why [`MAX_PODS`] is there, for messages.
pub(crate) const PODS_WHY: &str = "Kubernetes supports at most 150,000 pods in a cluster";

/// Why [`MAX_RETRIES`] is there, for messages.
pub(crate) const RETRIES_WHY: &str = "each retry is simulated; real policies retry 0 to 10 times";

/// Most zones in `[network].zones`: an Azure region has three availability zones ("What are
/// availability zones?", Microsoft Learn, D); 100 leaves room for zones that stand for
/// regions or racks, while every pod placement looks at every zone.
pub const MAX_ZONES: usize = 100;

/// Diagnostics shown of one kind (the same field in every element of a list, with indices
/// ignored) before the rest are counted in one line: "… and 79,990 more like this".
pub const MAX_REPEATED_ERRORS: usize = 10;

/// Worker threads allowed per CPU: a simulation is CPU-bound, so more threads than a few per
/// core only add switching (`--threads 10000` spun for 200 s on a 0.16 s job).
pub const THREADS_PER_CPU: usize = 4;

/// Most worker threads on this machine: [`THREADS_PER_CPU`] per available CPU.
pub fn max_threads() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    cpus.saturating_mul(THREADS_PER_CPU)
}

/// `n` with thousands separators: `79,990`.
pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Most long-lived client connections (`[clients] connections.count`): each is simulated
/// (about 64 bytes), and a million is beyond one ingress's population of keep-alive clients.
pub const MAX_CLIENT_CONNECTIONS: u32 = 1_000_000;

/// Why [`MAX_CLIENT_CONNECTIONS`] is there, for messages.
pub(crate) const CLIENT_CONNECTIONS_WHY: &str =
    "each connection is simulated; a million is beyond one ingress's keep-alive clients";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(79_990), "79,990");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
