//! `[costs]` as written: unit prices and sizing figures for the monthly cost estimate.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[costs]`: the unit prices the monthly cost estimate uses, in USD. Every field is optional;
/// the defaults are Azure pay-as-you-go list prices for East US as seen in November 2026 —
/// list prices to be checked against the pricing pages for your region and agreement.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a [costs] table")]
pub(crate) struct CostsTable {
    /// Hours in a billing month. Default: 730.
    pub hours_per_month: Option<f64>,
    /// Application Gateway Standard_v2 fixed price per gateway-hour (whatever its instance
    /// count). Default: 0.246.
    pub app_gateway_hour: Option<f64>,
    /// Application Gateway WAF_v2 fixed price per gateway-hour. Default: 0.443.
    pub app_gateway_waf_hour: Option<f64>,
    /// Application Gateway Standard_v2 price per capacity-unit-hour. Default: 0.008.
    pub app_gateway_cu_hour: Option<f64>,
    /// Application Gateway WAF_v2 price per capacity-unit-hour. Default: 0.0144.
    pub app_gateway_waf_cu_hour: Option<f64>,
    /// Standard_v2: new TLS connections per second one compute unit handles. Default: 50.
    pub app_gateway_tls_per_compute_unit: Option<f64>,
    /// WAF_v2: requests per second one compute unit handles. Default: 10.
    pub app_gateway_waf_rps_per_compute_unit: Option<f64>,
    /// Application Gateway for Containers, per gateway-hour. Default: 0.017 (Learn's East US
    /// 2 example price, "Understanding pricing for Application Gateway for Containers").
    pub agc_hour: Option<f64>,
    /// Application Gateway for Containers, per frontend-hour. Default: 0.01 (same page).
    pub agc_frontend_hour: Option<f64>,
    /// Application Gateway for Containers, per association-hour. Default: 0.12 (same page).
    pub agc_association_hour: Option<f64>,
    /// Application Gateway for Containers, per capacity-unit-hour. Default: 0.008 (same
    /// page).
    pub agc_cu_hour: Option<f64>,
    /// Application Gateway for Containers with `waf`: the WAF resource, per hour (once per
    /// gateway). Default: 0.068 (same page, Example 6).
    pub agc_waf_hour: Option<f64>,
    /// Application Gateway for Containers with `waf`: per million requests the WAF
    /// processes, per ruleset. Default: 0.75 (same page, Example 6).
    pub agc_waf_million_requests: Option<f64>,
    /// Price of one vCPU-hour of AKS nodes (a D4s_v5 hour divided by 4). Default: 0.048.
    pub vcpu_hour: Option<f64>,
    /// vCPUs reserved per NGINX or Istio gateway replica. Default: the ingress `concurrency`
    /// (one worker per CPU).
    pub ingress_vcpu_per_replica: Option<f64>,
    /// vCPUs requested by one Istio sidecar (with `mesh`). Default: 0.1.
    pub sidecar_vcpu: Option<f64>,
    /// vCPUs a sidecar uses per 1,000 requests/s passing it (with `mesh`). Default: 0.2.
    pub sidecar_vcpu_per_1000_rps: Option<f64>,
    /// NAT Gateway price per gateway-hour. Default: 0.045.
    pub nat_gateway_hour: Option<f64>,
    /// NAT Gateway price per GB processed. Default: 0.045.
    pub nat_gateway_gb: Option<f64>,
    /// Standard static public IPv4 address price per hour. Default: 0.005.
    pub public_ip_hour: Option<f64>,
    /// Azure Firewall deployment price per hour (Standard; Premium lists 1.75). Default: 1.25.
    pub firewall_hour: Option<f64>,
    /// Azure Firewall price per GB processed. Default: 0.016.
    pub firewall_gb: Option<f64>,
    /// Standard Load Balancer price per hour for the first 5 rules. Default: 0.025.
    pub load_balancer_hour: Option<f64>,
    /// Standard Load Balancer price per GB processed. Default: 0.005.
    pub load_balancer_gb: Option<f64>,
    /// Private endpoint price per endpoint-hour. Default: 0.01.
    pub private_endpoint_hour: Option<f64>,
    /// Private endpoint price per GB processed (inbound and outbound each). Default: 0.01.
    pub private_endpoint_gb: Option<f64>,
}
