//! `[costs]`: unit prices, each a finite number of dollars at least 0, defaults from
//! [`crate::scenario::defaults`].

use crate::scenario::Costs;
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::CostsTable;

/// The checked prices; `replica_vcpu` is the default vCPUs per gateway replica (the ingress's
/// worker slots: one worker per CPU).
pub(super) fn resolve(cx: &mut Cx<'_>, t: &CostsTable, replica_vcpu: f64) -> Costs {
    let p = FieldPath::root().key("costs");
    let mut overridden = Vec::new();
    let mut price = |cx: &mut Cx<'_>, name: &str, value: Option<f64>, default: f64| {
        let Some(v) = value else { return default };
        overridden.push(name.to_string());
        if !(v.is_finite() && v >= 0.0) {
            cx.error(
                &p.key(name),
                format!("must be a finite number of at least 0, got {v}"),
            );
            return default;
        }
        v
    };
    let mut c = Costs {
        hours_per_month: 0.0,
        app_gateway_hour: price(
            cx,
            "app_gateway_hour",
            t.app_gateway_hour,
            d::APP_GATEWAY_HOUR,
        ),
        app_gateway_waf_hour: price(
            cx,
            "app_gateway_waf_hour",
            t.app_gateway_waf_hour,
            d::APP_GATEWAY_WAF_HOUR,
        ),
        app_gateway_cu_hour: price(
            cx,
            "app_gateway_cu_hour",
            t.app_gateway_cu_hour,
            d::APP_GATEWAY_CU_HOUR,
        ),
        app_gateway_waf_cu_hour: price(
            cx,
            "app_gateway_waf_cu_hour",
            t.app_gateway_waf_cu_hour,
            d::APP_GATEWAY_WAF_CU_HOUR,
        ),
        app_gateway_tls_per_compute_unit: 0.0,
        app_gateway_waf_rps_per_compute_unit: 0.0,
        agc_hour: price(cx, "agc_hour", t.agc_hour, d::AGC_HOUR),
        agc_frontend_hour: price(
            cx,
            "agc_frontend_hour",
            t.agc_frontend_hour,
            d::AGC_FRONTEND_HOUR,
        ),
        agc_association_hour: price(
            cx,
            "agc_association_hour",
            t.agc_association_hour,
            d::AGC_ASSOCIATION_HOUR,
        ),
        agc_cu_hour: price(cx, "agc_cu_hour", t.agc_cu_hour, d::AGC_CU_HOUR),
        agc_waf_hour: price(cx, "agc_waf_hour", t.agc_waf_hour, d::AGC_WAF_HOUR),
        agc_waf_million_requests: price(
            cx,
            "agc_waf_million_requests",
            t.agc_waf_million_requests,
            d::AGC_WAF_MILLION_REQUESTS,
        ),
        vcpu_hour: price(cx, "vcpu_hour", t.vcpu_hour, d::VCPU_HOUR),
        ingress_vcpu_per_replica: price(
            cx,
            "ingress_vcpu_per_replica",
            t.ingress_vcpu_per_replica,
            replica_vcpu,
        ),
        sidecar_vcpu: price(cx, "sidecar_vcpu", t.sidecar_vcpu, d::SIDECAR_VCPU),
        sidecar_vcpu_per_1000_rps: price(
            cx,
            "sidecar_vcpu_per_1000_rps",
            t.sidecar_vcpu_per_1000_rps,
            d::SIDECAR_VCPU_PER_1000_RPS,
        ),
        nat_gateway_hour: price(
            cx,
            "nat_gateway_hour",
            t.nat_gateway_hour,
            d::NAT_GATEWAY_HOUR,
        ),
        nat_gateway_gb: price(cx, "nat_gateway_gb", t.nat_gateway_gb, d::NAT_GATEWAY_GB),
        public_ip_hour: price(cx, "public_ip_hour", t.public_ip_hour, d::PUBLIC_IP_HOUR),
        firewall_hour: price(cx, "firewall_hour", t.firewall_hour, d::FIREWALL_HOUR),
        firewall_gb: price(cx, "firewall_gb", t.firewall_gb, d::FIREWALL_GB),
        load_balancer_hour: price(
            cx,
            "load_balancer_hour",
            t.load_balancer_hour,
            d::LOAD_BALANCER_HOUR,
        ),
        load_balancer_gb: price(
            cx,
            "load_balancer_gb",
            t.load_balancer_gb,
            d::LOAD_BALANCER_GB,
        ),
        private_endpoint_hour: price(
            cx,
            "private_endpoint_hour",
            t.private_endpoint_hour,
            d::PRIVATE_ENDPOINT_HOUR,
        ),
        private_endpoint_gb: price(
            cx,
            "private_endpoint_gb",
            t.private_endpoint_gb,
            d::PRIVATE_ENDPOINT_GB,
        ),
        overridden: Vec::new(),
    };
    // Rates that divide: above 0.
    let mut rate = |cx: &mut Cx<'_>, name: &str, value: Option<f64>, default: f64| {
        if value.is_some() {
            overridden.push(name.to_string());
        }
        cx.positive_number(&p.key(name), value, default)
    };
    c.hours_per_month = rate(cx, "hours_per_month", t.hours_per_month, d::HOURS_PER_MONTH);
    c.app_gateway_tls_per_compute_unit = rate(
        cx,
        "app_gateway_tls_per_compute_unit",
        t.app_gateway_tls_per_compute_unit,
        d::APP_GATEWAY_TLS_PER_COMPUTE_UNIT,
    );
    c.app_gateway_waf_rps_per_compute_unit = rate(
        cx,
        "app_gateway_waf_rps_per_compute_unit",
        t.app_gateway_waf_rps_per_compute_unit,
        d::APP_GATEWAY_WAF_RPS_PER_COMPUTE_UNIT,
    );
    overridden.sort();
    c.overridden = overridden;
    c
}
