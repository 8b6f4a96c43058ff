//! SNAT ports are counted per destination endpoint: NAT Gateway reuses a port for a different
//! destination IP and port, and each public IP allows at most 50,000 concurrent connections to
//! one destination endpoint (Microsoft Learn, "Source Network Address Translation (SNAT) with
//! NAT gateway"; facts §6, §10). Both thresholds are checked on both sides, against the Erlang
//! loss formula: calls that find no port fail and hold none, so the ports (or connections) of
//! one endpoint are an M/G/c/c loss system whose blocking is Erlang B(c, λ × hold) whatever the
//! hold's distribution.
//!
//! Before this change all destinations shared one pool of public IPs × 64,512 ports, and there
//! was no 50,000 cap: the two-destination tests failed (≈ 41% and ≈ 19.5% of calls), and the
//! 50,000-cap test failed none where Azure fails ≈ 17%.

use trafsim::model::{ErrorCause, RunResult, TierResult, simulate};
use trafsim::scenario::{Scenario, parse};
use trafsim::stats::Estimate;

/// Call latency, seconds (a constant): a new connection holds its port for the call and the
/// 65 s FIN cool-down, or for the call and the 4 min idle timeout when the caller keeps it.
const CALL: f64 = 0.020;
const COOLDOWN: f64 = 65.0;
const IDLE: f64 = 240.0;

/// Clients at `rate` → `web` (ample slots, 1 ms) → one call to each destination in `dests`
/// (name, addresses) through a NAT Gateway (`nat`: extra `[egress]` lines); every call opens a
/// new connection and the caller keeps it for `keep_alive`.
/// The measured span is `holds` hold times of `hold` seconds after a `warmup` in seconds.
fn scenario(
    rate: f64,
    dests: &[(&str, u32)],
    nat: &str,
    (keep_alive, hold): (&str, f64),
    (warmup, holds): (u32, u32),
) -> Scenario {
    let calls: Vec<String> = dests
        .iter()
        .map(|(d, _)| format!("{{ destination = \"{d}\" }}"))
        .collect();
    let mut text = format!(
        r#"
[simulation]
duration = "{duration}ms"
warmup = "{warmup}s"
replications = 4
seed = 5
[clients]
rate = {rate}
timeout = "30s"
[network]
zones = ["1"]
[ingress]
kind = "none"
[[services]]
name = "web"
pods = {{ "1" = 8 }}
concurrency = 64
service_time = "1ms"
calls = [{calls}]
[egress]
kind = "nat-gateway"
zone = "1"
{nat}
"#,
        duration = u64::from(warmup) * 1_000 + (f64::from(holds) * hold * 1_000.0).round() as u64,
        calls = calls.join(", ")
    );
    for (name, addresses) in dests {
        text.push_str(&format!(
            "[[egress.destinations]]\nname = \"{name}\"\nlatency = \"20ms\"\n\
             keep_alive = \"{keep_alive}\"\naddresses = {addresses}\n"
        ));
    }
    parse(&text, "snat.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn egress(r: &RunResult) -> &TierResult {
    r.tiers
        .iter()
        .find(|t| t.name == "egress")
        .expect("egress tier")
}

/// Share of egress calls that found no port, per replication.
fn blocked(s: &Scenario) -> Vec<f64> {
    (0..u64::from(s.simulation.replications))
        .map(|rep| {
            let r = simulate(s, rep);
            let e = egress(&r);
            assert_eq!(
                e.rejected,
                r.failed[ErrorCause::SnatExhausted as usize],
                "every SNAT failure is a failed request here (no retries)"
            );
            e.rejected as f64 / e.arrivals as f64
        })
        .collect()
}

/// Above a limit of `c` with offered load `a` (arrival rate × hold), over whole hold times,
/// 1 − c / a of the calls fail; the measured share agrees within the replications' 99.9%
/// interval (plus 0.3 points for the edges of the measured span).
fn assert_loss(samples: &[f64], c: u32, a: f64) {
    let e = Estimate::from_samples(samples);
    let theory = 1.0 - f64::from(c) / a;
    let half = e.half_width_at(0.999);
    assert!(
        (e.mean - theory).abs() <= half + 0.003,
        "failed {:.4} ± {half:.4}, 1 − {c} / {a:.0} = {theory:.4}",
        e.mean
    );
}

#[test]
fn two_destinations_of_45000_ports_each_fit_one_public_ip() {
    // The issue's case: two APIs at 692 new connections/s each hold ≈ 45,000 ports each
    // (692 × 65.02 s). One shared pool of 64,512 failed ≈ 19.5% of calls; per destination each
    // has its own 64,512, and none fail.
    let s = scenario(
        692.0,
        &[("pay", 1), ("geo", 1)],
        "",
        ("0s", CALL + COOLDOWN),
        (100, 3),
    );
    for rep in 0..2 {
        let r = simulate(&s, rep);
        let e = egress(&r);
        assert!(e.arrivals > 250_000, "{} calls", e.arrivals);
        assert_eq!(e.rejected, 0, "no call to either API lacks a port");
        assert!(
            r.snat_peak.unwrap() > 44_000,
            "the busiest endpoint holds ≈45,000: {:?}",
            r.snat_peak
        );
    }
}

#[test]
fn the_ports_per_ip_threshold_holds_per_destination_endpoint() {
    // 2,000 ports per IP. Below, per endpoint: two destinations at 26/s hold 1,690 each (3,380
    // together, far above 2,000): none fail. Above: one destination at 37/s offers 2,406, and
    // 1 − 2,000 / 2,406 of its calls fail.
    let nat = "ports_per_ip = 2000";
    let hold = CALL + COOLDOWN;
    let span = (100, 4);
    let below = blocked(&scenario(
        26.0,
        &[("a", 1), ("b", 1)],
        nat,
        ("0s", hold),
        span,
    ));
    assert!(
        below.iter().all(|&b| b == 0.0),
        "below the threshold: {below:?}"
    );
    let above = blocked(&scenario(37.0, &[("a", 1)], nat, ("0s", hold), span));
    assert_loss(&above, 2_000, 37.0 * hold);
    assert!(
        above.iter().all(|&b| b > 0.1),
        "above the threshold: {above:?}"
    );
    // The same load to a destination with two addresses is two endpoints of 1,203: none fail.
    let spread = blocked(&scenario(37.0, &[("a", 2)], nat, ("0s", hold), span));
    assert!(
        spread.iter().all(|&b| b == 0.0),
        "two addresses: {spread:?}"
    );
}

#[test]
fn one_public_ip_allows_50000_connections_to_one_destination() {
    // The caller keeps each connection past the 4 min idle timeout, so a connection holds its
    // port until the idle drop and no port sits in a cool-down: connections = ports. At 187.5/s
    // that is 45,000 (below the cap: none fail); at 250/s it is 60,000 — under the 64,512 ports,
    // above the 50,000 connections one IP allows to one destination — and 1 − 50,000 / 60,005
    // of the calls fail. Two public IPs allow 100,000: none fail.
    let hold = CALL + IDLE;
    let (kept, span) = (("10m", hold), (300, 2));
    let below = blocked(&scenario(187.5, &[("a", 1)], "", kept, span));
    assert!(below.iter().all(|&b| b == 0.0), "below the cap: {below:?}");
    let above = blocked(&scenario(250.0, &[("a", 1)], "", kept, span));
    assert_loss(&above, 50_000, 250.0 * hold);
    assert!(above.iter().all(|&b| b > 0.1), "above the cap: {above:?}");
    let two_ips = blocked(&scenario(250.0, &[("a", 1)], "public_ips = 2", kept, span));
    assert!(two_ips.iter().all(|&b| b == 0.0), "two IPs: {two_ips:?}");
}
