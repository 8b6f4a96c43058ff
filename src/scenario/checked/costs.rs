//! `[costs]`, checked: the unit prices of the monthly cost estimate.

/// Unit prices in USD and the sizing figures the estimate uses (`[costs]`); every value is
/// finite and at least 0, and the per-compute-unit rates and `hours_per_month` are above 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Costs {
    /// Hours in a billing month.
    pub hours_per_month: f64,
    /// Application Gateway Standard_v2, per gateway-hour.
    pub app_gateway_hour: f64,
    /// Application Gateway WAF_v2, per gateway-hour.
    pub app_gateway_waf_hour: f64,
    /// Application Gateway Standard_v2, per capacity-unit-hour.
    pub app_gateway_cu_hour: f64,
    /// Application Gateway WAF_v2, per capacity-unit-hour.
    pub app_gateway_waf_cu_hour: f64,
    /// Standard_v2: new TLS connections per second per compute unit.
    pub app_gateway_tls_per_compute_unit: f64,
    /// WAF_v2: requests per second per compute unit.
    pub app_gateway_waf_rps_per_compute_unit: f64,
    /// Application Gateway for Containers, per gateway-hour.
    pub agc_hour: f64,
    /// Application Gateway for Containers, per frontend-hour.
    pub agc_frontend_hour: f64,
    /// Application Gateway for Containers, per association-hour.
    pub agc_association_hour: f64,
    /// Application Gateway for Containers, per capacity-unit-hour.
    pub agc_cu_hour: f64,
    /// Application Gateway for Containers' WAF resource, per hour.
    pub agc_waf_hour: f64,
    /// Application Gateway for Containers' WAF, per million requests per ruleset.
    pub agc_waf_million_requests: f64,
    /// One vCPU-hour of nodes.
    pub vcpu_hour: f64,
    /// vCPUs per NGINX or Istio gateway replica.
    pub ingress_vcpu_per_replica: f64,
    /// vCPUs requested per sidecar.
    pub sidecar_vcpu: f64,
    /// vCPUs a sidecar uses per 1,000 requests/s through it.
    pub sidecar_vcpu_per_1000_rps: f64,
    /// NAT Gateway, per gateway-hour.
    pub nat_gateway_hour: f64,
    /// NAT Gateway, per GB processed.
    pub nat_gateway_gb: f64,
    /// Standard public IP, per hour.
    pub public_ip_hour: f64,
    /// Azure Firewall, per deployment-hour.
    pub firewall_hour: f64,
    /// Azure Firewall, per GB processed.
    pub firewall_gb: f64,
    /// Standard Load Balancer, per hour (first 5 rules).
    pub load_balancer_hour: f64,
    /// Standard Load Balancer, per GB processed.
    pub load_balancer_gb: f64,
    /// Private endpoint, per endpoint-hour.
    pub private_endpoint_hour: f64,
    /// Private endpoint, per GB processed.
    pub private_endpoint_gb: f64,
    /// Fields the scenario set (names as written), for the report's note on prices.
    pub overridden: Vec<String>,
}
