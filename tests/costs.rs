//! The monthly cost estimate: each line item's arithmetic from what a run held and carried,
//! `[costs]` overrides and their errors, and the cost column of `trafsim compare`.
//!
//! Quantities are recomputed here from the run's own counters and the documented formulas, so
//! the assertions hold for any seed; the counters themselves are checked against the
//! configured probabilities (binomial tolerance) and the fault's timing.

mod common;

use common::load;

use assert_cmd::Command;
use trafsim::cost::{CostEstimate, estimate};
use trafsim::model::{RunResult, simulate};
use trafsim::scenario::{Scenario, defaults as d, parse};

const HOURS: f64 = d::HOURS_PER_MONTH;

fn run(text: &str) -> (Scenario, RunResult, CostEstimate) {
    let s = load(text, "t.toml");
    let r = simulate(&s, 0);
    let e = estimate(&s, &r);
    (s, r, e)
}

fn quantity(e: &CostEstimate, name: &str) -> f64 {
    e.line(name)
        .unwrap_or_else(|| panic!("no line {name:?} in {e:?}"))
        .quantity
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// One zone, one service, an ingress and an egress to fill in.
fn design(rate: u32, ingress: &str, egress: &str) -> String {
    format!(
        r#"
[simulation]
duration = "70s"
warmup = "10s"
replications = 1
seed = 5

[clients]
rate = {rate}
new_tls_connection_share = 0.5

[network]
zones = ["1"]
in_zone = "0s"
cross_zone = "0s"

{ingress}

[[services]]
name = "web"
pods = {{ "1" = 4 }}
concurrency = 64
service_time = {{ exponential = {{ mean = "2ms" }} }}
calls = [{{ destination = "api", probability = 0.5 }}]

{egress}

[[egress.destinations]]
name = "api"
latency = "5ms"
kib_per_call = 64
"#
    )
}

const APP_GATEWAY: &str = "[ingress]\nkind = \"app-gateway\"\ninstances = { \"1\" = 2 }";
const NAT: &str = "[egress]\nkind = \"nat-gateway\"";

#[test]
fn app_gateway_pays_one_fixed_price_and_the_larger_of_reserved_and_consumed_units() {
    let (_, r, e) = run(&design(100, APP_GATEWAY, NAT));
    // The TLS counter follows new_tls_connection_share (binomial, 5 standard deviations).
    let share = r.usage.tls_attempts as f64 / r.client_attempts as f64;
    let sd = (0.25 / r.client_attempts as f64).sqrt();
    assert!((share - 0.5).abs() < 5.0 * sd, "{share}");
    // 100 rps: ≈1 compute unit and ≈3 throughput units, below the 2 × 10 reserved.
    assert!(close(
        quantity(&e, "App Gateway Standard_v2 (fixed)"),
        HOURS
    ));
    assert!(close(
        quantity(&e, "App Gateway capacity units"),
        20.0 * HOURS
    ));
    let fixed = e
        .line("App Gateway Standard_v2 (fixed)")
        .unwrap()
        .monthly_usd;
    assert!(close(fixed, HOURS * d::APP_GATEWAY_HOUR));

    // Twice the instances: twice the reserved units; the fixed price is per gateway.
    let doubled = APP_GATEWAY.replace("= 2", "= 4");
    let (_, _, e2) = run(&design(100, &doubled, NAT));
    assert!(close(
        quantity(&e2, "App Gateway capacity units"),
        40.0 * HOURS
    ));
    assert!(close(
        e2.line("App Gateway capacity units").unwrap().monthly_usd,
        2.0 * e.line("App Gateway capacity units").unwrap().monthly_usd
    ));
    assert!(close(
        e2.line("App Gateway Standard_v2 (fixed)")
            .unwrap()
            .monthly_usd,
        fixed
    ));
}

/// The bill's compute units are the gateway's busy slots times the compute units a slot stands
/// for (Standard_v2: one slot per compute unit; WAF_v2: one slot for the instance's 10), the
/// figure the simulation serves with. Changed with issue 10 item 6: the bill used to count
/// 10 WAF requests/s per compute unit while the simulated instance served 100 per slot.
#[test]
fn busy_app_gateway_pays_for_the_units_it_consumes() {
    let ingress_busy = |r: &RunResult| {
        r.tiers
            .iter()
            .find(|t| t.kind.starts_with("ingress"))
            .map(|t| t.mean_busy)
            .expect("an ingress tier")
    };
    let (s, r, e) = run(&design(2_000, APP_GATEWAY, NAT));
    let secs = r.measured_secs;
    let mbps = r.client_attempts as f64 / secs * s.clients.kib_per_request * 8_192.0 / 1e6;
    let consumed = ingress_busy(&r).max(mbps / d::APP_GATEWAY_MBPS_PER_CU);
    // 2,000 rps × 8 KiB ≈ 131 Mbps ≈ 59 units, above the 20 reserved and the ≈22 compute
    // units (2,000 × 1 ms + 1,000 TLS × 20 ms).
    assert!(consumed > 50.0, "{consumed}");
    assert!(close(
        quantity(&e, "App Gateway capacity units"),
        consumed * HOURS
    ));
    // WAF_v2, 25 instances (250 reserved units): 2,000 rps × 100 ms + 1,000 TLS × 20 ms ≈
    // 220 compute units, billed as the reserved 250; with 20 instances the gateway is full
    // (200 busy slots) and the 200 reserved units are what it uses.
    let waf = |n: u32| {
        format!(
            "[ingress]\nkind = \"app-gateway\"\ninstances = {{ \"1\" = {n} }}\nsku = \"WAF_v2\""
        )
    };
    let per_slot =
        f64::from(d::APP_GATEWAY_CU_PER_INSTANCE) / f64::from(d::APP_GATEWAY_WAF_CONCURRENCY);
    let (_, r, e) = run(&design(2_000, &waf(25), NAT));
    let busy = ingress_busy(&r) * per_slot;
    assert!((busy - 220.0).abs() < 15.0, "{busy}");
    assert!(close(
        quantity(&e, "App Gateway capacity units"),
        250.0 * HOURS
    ));
    let (_, r, e) = run(&design(2_000, &waf(20), NAT));
    let busy = ingress_busy(&r) * per_slot;
    assert!((busy - 200.0).abs() < 1.0, "{busy}");
    assert!(close(
        quantity(&e, "App Gateway capacity units"),
        busy.max(200.0) * HOURS
    ));
    assert_eq!(
        e.line("App Gateway capacity units").unwrap().unit_price,
        d::APP_GATEWAY_WAF_CU_HOUR
    );
}

#[test]
fn gateway_replicas_are_paid_as_time_averaged_vcpus() {
    // Two NGINX replicas, one lost for 30 of the 60 measured seconds: 1.5 on average.
    let nginx = "[ingress]\nkind = \"nginx\"\ninstances = { \"1\" = 2 }\n\n\
        [[faults]]\nkind = \"ingress-instance-loss\"\nat = \"20s\"\nduration = \"30s\"";
    let (_, r, e) = run(&design(100, nginx, NAT));
    let avg = r.usage.ingress_instances();
    assert!((avg - 1.5).abs() < 0.05, "{avg}");
    // 2 vCPUs each (the default concurrency, one worker per CPU).
    assert!(close(quantity(&e, "NGINX replicas"), avg * 2.0 * HOURS));
    let (_, r, e) = run(&design(
        100,
        "[ingress]\nkind = \"nginx\"\ninstances = { \"1\" = 4 }",
        NAT,
    ));
    assert!(close(r.usage.ingress_instances(), 4.0));
    assert!(close(quantity(&e, "NGINX replicas"), 8.0 * HOURS));
}

#[test]
fn data_processed_is_calls_times_kib_over_a_gb_and_nat_lines_need_a_nat_gateway() {
    let (_, r, e) = run(&design(500, APP_GATEWAY, NAT));
    let calls = r.usage.egress_calls[0] as f64;
    // Calls follow their probability (binomial, 5 standard deviations).
    let served = r.tiers.iter().find(|t| t.name == "web").unwrap().arrivals as f64;
    assert!((calls / served - 0.5).abs() < 5.0 * (0.25 / served).sqrt());
    let gb = calls * 64.0 / 1_048_576.0 / r.measured_secs * 3_600.0 * HOURS;
    assert!(close(quantity(&e, "NAT Gateway data processed"), gb));
    let line = e.line("NAT Gateway data processed").unwrap();
    assert!(close(line.monthly_usd, gb * d::NAT_GATEWAY_GB));
    assert!(close(quantity(&e, "NAT Gateway"), HOURS));
    assert!(close(quantity(&e, "NAT Gateway public IPs"), HOURS));

    let (_, _, direct) = run(&design(500, APP_GATEWAY, "[egress]\nkind = \"direct\""));
    assert!(direct.lines.iter().all(|l| !l.name.starts_with("NAT")));
    assert_eq!(direct.lines.len(), 2, "{direct:?}");
    let (_, r, fw) = run(&design(500, APP_GATEWAY, "[egress]\nkind = \"firewall\""));
    assert!(fw.lines.iter().all(|l| !l.name.starts_with("NAT")));
    let gb =
        r.usage.egress_calls[0] as f64 * 64.0 / 1_048_576.0 / r.measured_secs * 3_600.0 * HOURS;
    assert!(close(quantity(&fw, "Firewall data processed"), gb));
    assert!(close(quantity(&fw, "Azure Firewall"), HOURS));

    // One zonal NAT Gateway per listed zone, each with its own IP.
    let zonal = "[egress]\nkind = \"nat-gateway\"\nzones = [\"1\"]";
    let (_, _, z) = run(&design(100, APP_GATEWAY, zonal));
    assert!(close(quantity(&z, "NAT Gateway"), HOURS));
}

#[test]
fn an_override_in_costs_changes_the_total_by_its_arithmetic() {
    let base = design(200, APP_GATEWAY, NAT);
    let (_, _, e) = run(&base);
    let overridden = format!("{base}\n[costs]\nnat_gateway_hour = 0.09\npublic_ip_hour = 0.01\n");
    let (s, _, e2) = run(&overridden);
    // The same seed gives the same run: only the two prices differ.
    let expected = HOURS * (0.09 - d::NAT_GATEWAY_HOUR) + HOURS * (0.01 - d::PUBLIC_IP_HOUR);
    assert!(
        close(e2.total() - e.total(), expected),
        "{} vs {expected}",
        e2.total() - e.total()
    );
    assert_eq!(s.costs.overridden, ["nat_gateway_hour", "public_ip_hour"]);
}

#[test]
fn an_unknown_key_in_costs_is_an_error_naming_the_field() {
    let text = design(10, APP_GATEWAY, NAT) + "\n[costs]\nnat_gatway_hour = 0.05\n";
    let e = parse(&text, "t.toml").unwrap_err().to_string();
    assert!(e.contains("costs.nat_gatway_hour"), "{e}");
    assert!(e.contains("unknown field `nat_gatway_hour`"), "{e}");
    assert!(e.contains("did you mean `nat_gateway_hour`"), "{e}");
    let text = design(10, APP_GATEWAY, NAT) + "\n[costs]\nvcpu_hour = \"cheap\"\n";
    let e = parse(&text, "t.toml").unwrap_err().to_string();
    assert!(e.contains("costs.vcpu_hour"), "{e}");
}

#[test]
fn run_and_compare_print_the_monthly_cost() {
    let dir = tempfile::tempdir().unwrap();
    let short = |text: String, name: &str| {
        let text = text
            .replace("duration = \"70s\"", "duration = \"30s\"")
            .replace("replications = 1", "replications = 2")
            .replace("[simulation]", &format!("[simulation]\nname = \"{name}\""));
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let a = short(design(100, APP_GATEWAY, NAT), "cost-agw");
    let b = short(
        design(100, "[ingress]\nkind = \"nginx\"", NAT),
        "cost-nginx",
    );
    let out = dir.path().join("out");
    let run = Command::cargo_bin("trafsim")
        .unwrap()
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(&a)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(
        text.contains("monthly cost if this load ran all month"),
        "{text}"
    );
    assert!(text.contains("App Gateway capacity units"), "{text}");
    let html = std::fs::read_to_string(out.join("cost-agw/report.html")).unwrap();
    assert!(html.contains("<h2 id=\"cost\">Monthly cost</h2>"));

    let cmp = Command::cargo_bin("trafsim")
        .unwrap()
        .args(["compare", "-q", "--out"])
        .arg(&out)
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&cmp.get_output().stdout).to_string();
    let row = text
        .lines()
        .find(|l| l.starts_with("monthly cost (USD/month)"))
        .unwrap_or_else(|| panic!("no cost row in\n{text}"));
    // Two columns and the difference, significant: the designs are priced differently, and
    // the cheaper one is marked better (lower cost is better).
    assert_eq!(row.matches('±').count(), 3, "{row}");
    assert!(row.trim_end().ends_with("better"), "{row}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("compare/cost-comparison/comparison.json")).unwrap(),
    )
    .unwrap();
    let metric = json["columns"][1]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "monthly_cost")
        .unwrap()
        .clone();
    assert_eq!(metric["unit"], "usd_per_month");
    assert!(metric["difference"]["estimate"]["mean"].is_number());
}
