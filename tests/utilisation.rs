//! A tier's utilisation is busy slot-time over the slot-time its pods were up: pods that die,
//! start or are added mid-run count for the time they had slots, not for the whole run.
//!
//! Release mode; fixed seed; one short replication.

use trafsim::model::simulate;
use trafsim::scenario::parse;

#[test]
fn utilisation_divides_by_the_slots_that_were_up() {
    // Two pods of 10 slots; zone 2's pod is lost at 60 s of a 120 s run (no warm-up) and not
    // evicted before the end (that takes 350 s). Slot-time: 60 s × 20 + 60 s × 10 = 1,800
    // slot-seconds, i.e. 15 slots on average, not the 20 the run started with.
    let text = r#"
[simulation]
duration = "120s"
warmup = "0s"
replications = 1
seed = 9
[clients]
rate = 100
arrival = "constant"
timeout = "2s"
[network]
zones = ["1", "2"]
[[services]]
name = "web"
pods = { "1" = 1, "2" = 1 }
concurrency = 10
service_time = "10ms"
[[faults]]
kind = "zone-outage"
zone = "2"
at = "60s"
mode = "reset"
"#;
    let s = parse(text, "utilisation.toml").unwrap();
    let r = simulate(&s, 0);
    let web = r.tiers.iter().find(|t| t.name == "web").unwrap();
    assert_eq!(web.servers, 20, "slots at the start");
    let slots = 15.0;
    assert!(
        (web.utilisation * slots - web.mean_busy).abs() < 1e-9,
        "utilisation {} × {slots} slots ≠ mean busy {}",
        web.utilisation,
        web.mean_busy
    );
    // 100 requests/s × 10 ms = 1 busy slot while every request is served; less while the
    // endpoints still list the lost pod and its share fails at once.
    assert!(
        web.mean_busy > 0.5 && web.mean_busy <= 1.0 + 1e-9,
        "{}",
        web.mean_busy
    );
    // Zone 2's utilisation covers the 60 s its pod was up.
    let z2 = web.zone_utilisation[1];
    assert!(z2 > 0.0 && z2 <= 0.1, "zone 2 utilisation {z2}");
}
