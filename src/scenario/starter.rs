//! The starting scenario `trafsim init` writes: a commented file for a chosen ingress, egress
//! and zone count that validates as written, for the user to edit into their own design.
//!
//! The figures are the shipped scenarios' (a web service calling an orders service and an
//! external payments API); each line says what it means, so the file doubles as a tour of the
//! format. Fields left out take the built-in defaults listed in the README.

use std::fmt::Write;

/// The ingress of a starting scenario (`[ingress] kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StarterIngress {
    /// Application Gateway v2 with AGIC.
    AppGateway,
    /// ingress-nginx controller pods.
    Nginx,
    /// Istio ingress gateway pods.
    Istio,
    /// A LoadBalancer Service (L4).
    LoadBalancer,
    /// Clients call the services directly.
    None,
}

/// The egress of a starting scenario (`[egress] kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StarterEgress {
    /// AKS's default outbound: the Standard Load Balancer's outbound rules.
    LoadBalancer,
    /// Azure NAT Gateway.
    NatGateway,
    /// Azure Firewall.
    Firewall,
    /// Private endpoints (no SNAT).
    PrivateEndpoint,
    /// No modelled egress device.
    Direct,
}

impl StarterIngress {
    /// Every choice, for tests and help.
    pub const ALL: [StarterIngress; 5] = [
        StarterIngress::AppGateway,
        StarterIngress::Nginx,
        StarterIngress::Istio,
        StarterIngress::LoadBalancer,
        StarterIngress::None,
    ];

    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            StarterIngress::AppGateway => "app-gateway",
            StarterIngress::Nginx => "nginx",
            StarterIngress::Istio => "istio",
            StarterIngress::LoadBalancer => "load-balancer",
            StarterIngress::None => "none",
        }
    }
}

impl StarterEgress {
    /// Every choice, for tests and help.
    pub const ALL: [StarterEgress; 5] = [
        StarterEgress::LoadBalancer,
        StarterEgress::NatGateway,
        StarterEgress::Firewall,
        StarterEgress::PrivateEndpoint,
        StarterEgress::Direct,
    ];

    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            StarterEgress::LoadBalancer => "load-balancer",
            StarterEgress::NatGateway => "nat-gateway",
            StarterEgress::Firewall => "firewall",
            StarterEgress::PrivateEndpoint => "private-endpoint",
            StarterEgress::Direct => "direct",
        }
    }
}

/// Most zones a starting scenario spreads over (Azure regions with zones have three).
pub const MAX_ZONES: u32 = 3;

/// `{ "1" = n, "2" = n }` over zones `1..=zones`.
fn per_zone(zones: u32, n: u32) -> String {
    let parts: Vec<String> = (1..=zones).map(|z| format!("\"{z}\" = {n}")).collect();
    format!("{{ {} }}", parts.join(", "))
}

/// The scenario name for a starting file at `file`: its stem when that can name the output
/// folder, else "my-scenario".
pub fn name_for(file: &std::path::Path) -> String {
    file.file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| super::resolve::folder_name(s).is_ok())
        .unwrap_or("my-scenario")
        .to_string()
}

/// The text of a starting scenario written to `file`, named after it ([`name_for`]), with
/// this ingress, egress and `zones` zones (1 to [`MAX_ZONES`]; more are lowered to that, 0
/// raised to 1).
pub fn starter(
    file: &std::path::Path,
    ingress: StarterIngress,
    egress: StarterEgress,
    zones: u32,
) -> String {
    let name = name_for(file);
    let file = file.display();
    let zones = zones.clamp(1, MAX_ZONES);
    let zone_list: Vec<String> = (1..=zones).map(|z| format!("\"{z}\"")).collect();
    let mut t = String::new();
    let _ = write!(
        t,
        r#"# {name}: a starting scenario written by `trafsim init`
# ({ingress} ingress, {egress} egress, {zones} zone{s}). Replace the figures with yours.
#
#   trafsim validate {file}     # check it (every problem, with its line)
#   trafsim run {file}          # run it: a table, and results in output/{name}/
#   trafsim run {file} --set clients.rate=1000 --duration 2m   # a quick what-if
#
# Fields left out take built-in defaults, each with its source (README, "Scenario reference");
# `trafsim schema` prints the JSON Schema of the format for editors.

[simulation]
{name_line}
duration = "5m"                     # per replication, warm-up included
warmup = "30s"                      # left out of the statistics
replications = 5                    # independent runs, for 95% confidence intervals
seed = 1                            # the same seed gives the same results
window = "10s"                      # time-series resolution

[clients]
rate = 500                          # requests per second, Poisson
# profile = [{{ at = "0s", rps = 250 }}, {{ at = "2m", rps = 500, shape = "ramp" }}]  # instead of rate
timeout = "10s"                     # the client gives up on an attempt after this
retries = {{ attempts = 2, backoff = "100ms", budget = 0.2 }}   # at most 20% extra load from retries
latency = {{ lognormal = {{ mean = "30ms", p99 = "120ms" }} }}   # internet hop to the ingress, one way

[network]
zones = [{zone_list}]
in_zone = "0.1ms"                   # one-way latency inside a zone
cross_zone = "1ms"                  # one-way latency between zones

"#,
        ingress = ingress.as_str(),
        egress = egress.as_str(),
        s = if zones == 1 { "" } else { "s" },
        name_line = line(&format!("name = \"{name}\""), "names the output folder").trim_end(),
        zone_list = zone_list.join(", "),
    );
    t.push_str(&ingress_section(ingress, zones));
    let _ = write!(
        t,
        r#"
[[services]]
name = "web"
pods = {web_pods}
concurrency = 16                    # worker slots per pod
queue_limit = 64                    # beyond this a pod answers 503 at once
service_time = {{ lognormal = {{ mean = "25ms", p99 = "150ms" }} }}
readiness = {{ period = "10s", failure_threshold = 3 }}   # Kubernetes defaults
calls = [
  {{ service = "orders", probability = 0.4, timeout = "1s" }},            # 40% look up orders
  {{ destination = "payments-api", probability = 0.1, timeout = "3s" }},  # 10% call out (egress)
]
# hpa = {{ min = {hpa_min}, max = {hpa_max}, target_utilisation = 0.6 }}   # scale web on busy slots

[[services]]
name = "orders"
pods = {orders_pods}
concurrency = 4
service_time = {{ exponential = {{ mean = "12ms" }} }}

"#,
        web_pods = per_zone(zones, 3),
        orders_pods = per_zone(zones, 2),
        hpa_min = 3 * zones,
        hpa_max = 6 * zones,
    );
    t.push_str(&egress_section(egress, zones));
    let _ = write!(
        t,
        r#"
[[egress.destinations]]
name = "payments-api"
latency = {{ lognormal = {{ mean = "80ms", p99 = "400ms" }} }}   # round trip plus the provider's work
connection_reuse = 0.9              # 90% of calls ride an open connection
error_rate = 0.001

# A fault to study: uncomment to lose zone {last} for 5 minutes (see the README's [[faults]]).
# [[faults]]
# kind = "zone-outage"
# zone = "{last}"
# at = "2m"
# duration = "5m"
# mode = "black-hole"               # packets vanish; "reset" fails fast

[slo]                               # the objective: `trafsim capacity` searches against it
p99 = "500ms"
error_rate = 0.001
"#,
        last = zones,
    );
    t
}

/// `code`, then `# comment` lined up at column 37 as in the shipped scenarios.
fn line(code: &str, comment: &str) -> String {
    if comment.is_empty() {
        format!("{code}\n")
    } else {
        format!("{code:<35} # {comment}\n")
    }
}

fn ingress_section(ingress: StarterIngress, zones: u32) -> String {
    let kind = format!("kind = \"{}\"", ingress.as_str());
    let mut t = String::from("[ingress]\n");
    let lines: Vec<(String, &str)> = match ingress {
        StarterIngress::AppGateway => vec![
            (kind, "Application Gateway v2 + AGIC"),
            (
                "sku = \"Standard_v2\"".into(),
                "or \"WAF_v2\" (web application firewall)",
            ),
            (
                format!("instances = {}", per_zone(zones, 2)),
                "instances per zone",
            ),
            (
                "agic_update_lag = \"40s\"".into(),
                "AGIC's delay in following endpoint changes",
            ),
            (
                "# max_instances = 10".into(),
                "autoscaling on capacity units",
            ),
        ],
        StarterIngress::Nginx => vec![
            (kind, "ingress-nginx controller pods"),
            (
                format!("instances = {}", per_zone(zones, 1)),
                "controller replicas per zone",
            ),
            (
                "concurrency = 2".into(),
                "worker processes (CPUs per replica)",
            ),
            ("balancing = \"round-robin\"".into(), "or \"ewma\""),
        ],
        StarterIngress::Istio => vec![
            (kind, "Istio ingress gateway (Envoy) pods"),
            (
                format!("instances = {}", per_zone(zones, 1)),
                "gateway replicas per zone",
            ),
            ("concurrency = 2".into(), "Envoy worker threads"),
            ("balancing = \"least-request\"".into(), "Envoy's default"),
        ],
        StarterIngress::LoadBalancer => vec![(kind, "a LoadBalancer Service (L4): no proxy")],
        StarterIngress::None => vec![(kind, "clients call the web pods directly")],
    };
    for (code, comment) in lines {
        t.push_str(&line(&code, comment));
    }
    t
}

fn egress_section(egress: StarterEgress, zones: u32) -> String {
    let kind = format!("kind = \"{}\"", egress.as_str());
    let mut t = String::from("[egress]\n");
    let zone_list: Vec<String> = (1..=zones).map(|z| format!("\"{z}\"")).collect();
    let lines: Vec<(String, &str)> = match egress {
        StarterEgress::LoadBalancer => vec![
            (
                kind,
                "AKS's default outbound (the Load Balancer's outbound rules)",
            ),
            ("outbound_ips = 1".into(), "64,000 SNAT ports each"),
        ],
        StarterEgress::NatGateway => vec![
            (kind, "Azure NAT Gateway"),
            (
                "sku = \"standard\"".into(),
                "zonal; \"standard-v2\" is zone-redundant",
            ),
            (
                "public_ips = 1".into(),
                "64,512 SNAT ports per destination each",
            ),
            ("idle_timeout = \"4m\"".into(), ""),
            if zones == 1 {
                (
                    "zone = \"1\"".into(),
                    "a zonal NAT Gateway: losing its zone loses egress",
                )
            } else {
                (
                    format!("zones = [{}]", zone_list.join(", ")),
                    "one NAT Gateway per zone (`zone = \"1\"`: one, zonal)",
                )
            },
        ],
        StarterEgress::Firewall => vec![
            (kind, "Azure Firewall Standard, autoscaling"),
            ("public_ips = 1".into(), ""),
            ("instances = 2".into(), "at the start, and the fewest kept"),
        ],
        StarterEgress::PrivateEndpoint => vec![(kind, "private endpoints: no SNAT, a VNet hop")],
        StarterEgress::Direct => vec![(kind, "no modelled egress device")],
    };
    for (code, comment) in lines {
        t.push_str(&line(&code, comment));
    }
    t
}
