//! `[ingress]`: the kind, its instances per zone, its per-request costs and its own settings.
//!
//! Fields that belong to one kind are errors on another, so a file never silently carries a
//! setting that does nothing ("`agic_update_lag` applies only to kind = \"app-gateway\"").

use super::Names;
use crate::engine::{Dist, SimDuration};
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::limits::{MAX_INSTANCES, MAX_RETRIES, RETRIES_WHY};
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{
    BalancingName, CostsTable, IngressHpaTable, IngressKindName as K, IngressTable, ManagedName,
    SkuName, TrafficPolicyName,
};
use crate::scenario::units;
use crate::scenario::{
    AppGateway, Balancing, Connect, Diagnostic, ForContainers, GatewayAutoscale, Ingress,
    IngressKind, Istio, Nginx, OutlierDetection, Probe, ProbeOverride, RateLimit, TrafficPolicy,
    Upstream,
};

const PROXIES: &[&str] = &[
    "app-gateway",
    "app-gateway-for-containers",
    "nginx",
    "istio",
];
const APP_GATEWAY: &[&str] = &["app-gateway"];
const AGC: &[&str] = &["app-gateway-for-containers"];
const AUTOSCALED: &[&str] = &["app-gateway", "app-gateway-for-containers"];
const NGINX: &[&str] = &["nginx"];
const ISTIO: &[&str] = &["istio"];
const GATEWAY_PODS: &[&str] = &["nginx", "istio"];
const FRONTED: &[&str] = &["app-gateway", "nginx", "istio", "load-balancer"];

/// An exponential with a built-in (positive) mean.
fn exp(mean: SimDuration) -> Dist {
    Dist::exponential(mean).unwrap_or(Dist::constant(mean))
}

pub(super) fn resolve(
    cx: &mut Cx<'_>,
    t: &IngressTable,
    names: &Names,
    client_timeout: SimDuration,
    costs: Option<&CostsTable>,
) -> Ingress {
    let p = FieldPath::root().key("ingress");
    let kind = t.kind.unwrap_or(K::None);
    cx.only_for_kinds(
        &p,
        kind.as_str(),
        t.kind.is_none(),
        &[
            ("instances", t.instances.is_some(), PROXIES),
            ("concurrency", t.concurrency.is_some(), PROXIES),
            ("queue_limit", t.queue_limit.is_some(), PROXIES),
            ("processing", t.processing.is_some(), PROXIES),
            ("tls_handshake", t.tls_handshake.is_some(), PROXIES),
            ("backend_timeout", t.backend_timeout.is_some(), PROXIES),
            ("sku", t.sku.is_some(), APP_GATEWAY),
            ("probe", t.probe.is_some(), APP_GATEWAY),
            ("agic_update_lag", t.agic_update_lag.is_some(), APP_GATEWAY),
            (
                "connection_draining",
                t.connection_draining.is_some(),
                APP_GATEWAY,
            ),
            ("max_instances", t.max_instances.is_some(), AUTOSCALED),
            ("scale_out_time", t.scale_out_time.is_some(), AUTOSCALED),
            ("health_check", t.health_check.is_some(), AGC),
            ("control_plane_lag", t.control_plane_lag.is_some(), AGC),
            ("frontends", t.frontends.is_some(), AGC),
            ("waf", t.waf.is_some(), AGC),
            (
                "next_upstream_tries",
                t.next_upstream_tries.is_some(),
                NGINX,
            ),
            ("retries", t.retries.is_some(), ISTIO),
            ("per_try_timeout", t.per_try_timeout.is_some(), ISTIO),
            ("outlier_detection", t.outlier_detection.is_some(), ISTIO),
            ("locality_aware", t.locality_aware.is_some(), ISTIO),
            ("mesh", t.mesh.is_some(), ISTIO),
            ("sidecar_latency", t.sidecar_latency.is_some(), ISTIO),
            ("mesh_retries", t.mesh_retries.is_some(), ISTIO),
            ("mtls_handshake_cpu", t.mtls_handshake_cpu.is_some(), ISTIO),
            ("managed", t.managed.is_some(), NGINX),
            ("limit_rps", t.limit_rps.is_some(), NGINX),
            ("limit_burst", t.limit_burst.is_some(), NGINX),
            ("connect_timeout", t.connect_timeout.is_some(), GATEWAY_PODS),
            ("upstream", t.upstream.is_some(), PROXIES),
            (
                "external_traffic_policy",
                t.external_traffic_policy.is_some(),
                GATEWAY_PODS,
            ),
            ("startup", t.startup.is_some(), GATEWAY_PODS),
            ("hpa", t.hpa.is_some(), GATEWAY_PODS),
            ("internal", t.internal.is_some(), FRONTED),
        ],
    );
    let waf = t.sku == Some(SkuName::WafV2);
    // One capacity-unit model for the gateway and its bill: a compute unit is one slot, and
    // the rates per compute unit (the `[costs]` figures when given) set a request's slot time.
    let per_unit = |rate: Option<f64>, default: SimDuration| {
        rate.filter(|r| r.is_finite() && *r > 0.0)
            .map_or(default, |r| SimDuration::from_secs_f64(1.0 / r))
    };
    // Per kind: default instances, slots, processing, TLS cost, backend timeout, balancing.
    let (instances, concurrency, processing, tls, backend_timeout, balancing) = match kind {
        K::AppGateway | K::AppGatewayForContainers => {
            let slots = t.concurrency.unwrap_or(if waf {
                d::APP_GATEWAY_WAF_CONCURRENCY
            } else {
                d::APP_GATEWAY_CONCURRENCY
            });
            // A slot stands for the instance's compute units over its slots; a request's slot
            // time is its compute-unit time over that.
            let units = crate::scenario::checked::compute_units_per_slot(slots);
            (
                d::APP_GATEWAY_INSTANCES,
                slots,
                exp(if waf {
                    per_unit(
                        costs.and_then(|c| c.app_gateway_waf_rps_per_compute_unit),
                        d::APP_GATEWAY_WAF_PROCESSING,
                    )
                    .mul_f64(1.0 / units)
                } else {
                    d::APP_GATEWAY_PROCESSING
                }),
                per_unit(
                    costs.and_then(|c| c.app_gateway_tls_per_compute_unit),
                    d::APP_GATEWAY_TLS,
                )
                .mul_f64(1.0 / units),
                d::APP_GATEWAY_BACKEND_TIMEOUT,
                d::APP_GATEWAY_BALANCING,
            )
        }
        K::Nginx => (
            d::NGINX_INSTANCES,
            d::NGINX_CONCURRENCY,
            exp(d::NGINX_PROCESSING),
            d::PROXY_TLS,
            d::NGINX_BACKEND_TIMEOUT,
            d::NGINX_BALANCING,
        ),
        K::Istio => (
            d::ISTIO_INSTANCES,
            d::ISTIO_CONCURRENCY,
            exp(d::ISTIO_PROCESSING),
            d::PROXY_TLS,
            client_timeout,
            d::ISTIO_BALANCING,
        ),
        K::LoadBalancer | K::None => {
            let zero = Dist::constant(SimDuration::ZERO);
            (
                0,
                1,
                zero,
                SimDuration::ZERO,
                client_timeout,
                d::L4_BALANCING,
            )
        }
    };
    let backend_timeout = cx.positive(
        &p.key("backend_timeout"),
        t.backend_timeout,
        backend_timeout,
    );
    let given: u32 = t
        .instances
        .iter()
        .flat_map(|m| m.values())
        .fold(0u32, |a, &n| a.saturating_add(n));
    let slots = t.concurrency.unwrap_or(concurrency).max(1);
    let hpa = gateway_hpa(
        cx,
        &p,
        t,
        (kind, slots),
        if given > 0 { given } else { instances },
    );
    // Without `instances`, an HPA starts from its minimum.
    let instances = hpa.as_ref().map_or(instances, |h| h.min);
    let instances = instances_per_zone(cx, &p.key("instances"), t, names, instances);
    let total: u32 = instances.iter().fold(0u32, |a, &n| a.saturating_add(n));
    if total > MAX_INSTANCES {
        cx.error(
            &p.key("instances"),
            format!("must total at most {MAX_INSTANCES} (instances are pods or VMs, under the cluster's pod envelope), got {total}"),
        );
    }
    let max_instances = cx.at_most(
        &p.key("max_instances"),
        t.max_instances,
        MAX_INSTANCES,
        "instances are pods or VMs, under the cluster's pod envelope",
    );
    if let Some(max) = max_instances
        && max < total
    {
        cx.error(
            &p.key("max_instances"),
            format!("must be at least the {total} instances given, got {max}"),
        );
    }
    Ingress {
        kind: kind_settings(cx, &p, t, kind, waf, backend_timeout),
        instances,
        concurrency: cx.at_least(&p.key("concurrency"), t.concurrency, 1, concurrency),
        queue_limit: t.queue_limit,
        processing: cx.dist(&p.key("processing"), t.processing.as_ref(), processing),
        tls_handshake: cx.dist(
            &p.key("tls_handshake"),
            t.tls_handshake.as_ref(),
            Dist::constant(tls),
        ),
        backend_timeout,
        balancing: t.balancing.map_or(balancing, |b| match b {
            BalancingName::RoundRobin => Balancing::RoundRobin,
            BalancingName::Random => Balancing::Random,
            BalancingName::LeastRequest => Balancing::LeastRequest,
            BalancingName::Ewma => Balancing::Ewma,
        }),
        startup: cx.positive(&p.key("startup"), t.startup, d::INGRESS_STARTUP),
        connect: connect(cx, &p, t, kind),
        upstream: upstream(cx, &p, t, kind),
        external_traffic_policy: match kind {
            K::Nginx | K::Istio => Some(t.external_traffic_policy.map_or(
                if app_routing(t, kind) {
                    d::APP_ROUTING_TRAFFIC_POLICY
                } else if kind == K::Nginx {
                    d::NGINX_TRAFFIC_POLICY
                } else {
                    d::ISTIO_TRAFFIC_POLICY
                },
                |p| match p {
                    TrafficPolicyName::Cluster => TrafficPolicy::Cluster,
                    TrafficPolicyName::Local => TrafficPolicy::Local,
                },
            )),
            _ => None,
        },
        hpa,
        internal: t.internal.unwrap_or(false),
        inspection: t
            .waf
            .as_ref()
            .filter(|_| kind == K::AppGatewayForContainers)
            .map(|w| {
                cx.dist(
                    &p.key("waf").key("inspection"),
                    w.inspection.as_ref(),
                    Dist::constant(d::AGC_WAF_INSPECTION),
                )
            }),
    }
}

/// The gateway pods' connect timeout (NGINX, Istio).
fn connect(cx: &mut Cx<'_>, p: &FieldPath, t: &IngressTable, kind: K) -> Option<Connect> {
    let timeout = match kind {
        K::Nginx => d::NGINX_CONNECT_TIMEOUT,
        K::Istio => d::ISTIO_CONNECT_TIMEOUT,
        _ => return None,
    };
    Some(Connect {
        timeout: cx.positive(&p.key("connect_timeout"), t.connect_timeout, timeout),
    })
}

/// The L7 gateways' keep-alive pools to the pods (`upstream`), with each kind's defaults; the
/// removed `new_connection_share` and `idle_connections_per_pod` are errors naming it.
fn upstream(cx: &mut Cx<'_>, p: &FieldPath, t: &IngressTable, kind: K) -> Option<Upstream> {
    for (key, set) in [
        ("new_connection_share", t.new_connection_share.is_some()),
        (
            "idle_connections_per_pod",
            t.idle_connections_per_pod.is_some(),
        ),
    ] {
        if set {
            cx.error(
                &p.key(key),
                "was removed: the gateways and sidecars now keep keep-alive pools to the pods, \
                 and which tries open a new connection follows from them; set `[ingress] \
                 upstream = { max_idle, idle_timeout, max_requests, tls }` instead",
            );
        }
    }
    let mesh = kind == K::Istio && t.mesh == Some(true);
    let (max_idle, idle_timeout, max_requests, tls) = match kind {
        K::Nginx => (
            d::NGINX_UPSTREAM_KEEPALIVE_CONNECTIONS,
            d::NGINX_UPSTREAM_KEEPALIVE_TIMEOUT,
            d::NGINX_UPSTREAM_KEEPALIVE_REQUESTS,
            false,
        ),
        K::Istio => (
            u32::MAX,
            d::ISTIO_UPSTREAM_IDLE_TIMEOUT,
            d::ISTIO_UPSTREAM_MAX_REQUESTS,
            mesh,
        ),
        K::AppGateway | K::AppGatewayForContainers => (
            d::APP_GATEWAY_UPSTREAM_MAX_IDLE,
            d::APP_GATEWAY_UPSTREAM_IDLE_TIMEOUT,
            u32::MAX,
            false,
        ),
        _ => return None,
    };
    let given = t.upstream.clone().unwrap_or_default();
    let q = p.key("upstream");
    Some(Upstream {
        max_idle: cx.at_least(&q.key("max_idle"), given.max_idle, 1, max_idle),
        idle_timeout: cx.positive(&q.key("idle_timeout"), given.idle_timeout, idle_timeout),
        max_requests: cx.at_least(&q.key("max_requests"), given.max_requests, 1, max_requests),
        tls: given.tls.unwrap_or(tls),
    })
}

/// Whether the ingress is the AKS application routing add-on's managed NGINX.
pub(super) fn app_routing(t: &IngressTable, kind: K) -> bool {
    kind == K::Nginx && t.managed == Some(ManagedName::AppRouting)
}

/// `[ingress.hpa]` for NGINX and Istio replicas: the services' HPA; Istio defaults to the AKS
/// add-on gateway's min 2, max 5, 80% of its 0.1 vCPU request (as a share of its `slots`
/// worker slots: 0.04 with 2) (facts §3); the app routing add-on's NGINX always has
/// one, min 2, max 100, 80% of its 0.5 vCPU request (as a share of its `slots` worker slots,
/// each a CPU: 0.2 with 2); self-managed NGINX needs `max` and `target_utilisation`.
fn gateway_hpa(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &IngressTable,
    (kind, slots): (K, u32),
    instances_given: u32,
) -> Option<crate::scenario::Hpa> {
    let managed = app_routing(t, kind);
    let none = IngressHpaTable::default();
    let h = t
        .hpa
        .as_ref()
        .or(managed.then_some(&none))
        .filter(|_| matches!(kind, K::Nginx | K::Istio))?;
    let input = super::services::HpaInput {
        min: h.min,
        max: h.max,
        target: h.target_utilisation,
        sync_period: h.sync_period,
        tolerance: h.tolerance,
        scale_down_stabilisation: h.scale_down_stabilisation,
    };
    let (default_min, defaults) = if kind == K::Istio {
        // 80% of the 100m request, as a share of the replica's worker slots (one busy slot is
        // one CPU in use, up to the 2-CPU limit): 0.04 with the default 2 slots.
        let target = d::ISTIO_HPA_TARGET * d::ISTIO_GATEWAY_REPLICA_VCPU / f64::from(slots);
        (d::ISTIO_HPA_MIN, Some((d::ISTIO_HPA_MAX, target.min(1.0))))
    } else if managed {
        // 80% of the 0.5 vCPU request, as a share of the replica's worker slots (one busy
        // slot is one CPU in use): 0.2 with the default 2 slots.
        let target = d::APP_ROUTING_HPA_TARGET * d::APP_ROUTING_REPLICA_VCPU / f64::from(slots);
        (
            d::APP_ROUTING_HPA_MIN,
            Some((d::APP_ROUTING_HPA_MAX, target.min(1.0))),
        )
    } else {
        (instances_given, None)
    };
    Some(super::services::hpa(
        cx,
        &p.key("hpa"),
        &input,
        default_min,
        defaults,
    ))
}

/// Instances per zone: as given, or `default` spread over the zones in turn. No instances
/// for the kinds that run none.
fn instances_per_zone(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &IngressTable,
    names: &Names,
    default: u32,
) -> Vec<u32> {
    let zones = names.zones.len();
    if !PROXIES.contains(&t.kind.unwrap_or(K::None).as_str()) {
        return Vec::new();
    }
    let Some(given) = &t.instances else {
        return spread(default, zones);
    };
    let mut per_zone = vec![0; zones];
    for (zone, &n) in given {
        if let Some(z) = names.zone(cx, &p.key(zone), zone) {
            let why = "instances are pods or VMs, under the cluster's pod envelope";
            per_zone[z] = cx
                .at_most(&p.key(zone), Some(n), MAX_INSTANCES, why)
                .unwrap_or(0);
        }
    }
    if per_zone.iter().all(|&n| n == 0) {
        cx.error(p, "needs at least one instance in some zone, got none");
    }
    per_zone
}

/// `total` over `zones` in turn from the first: 2 over 3 zones is [1, 1, 0].
fn spread(total: u32, zones: usize) -> Vec<u32> {
    let mut per_zone = vec![0; zones];
    if zones == 0 {
        return per_zone;
    }
    for i in 0..total as usize {
        per_zone[i % zones] += 1;
    }
    per_zone
}

fn kind_settings(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    t: &IngressTable,
    kind: K,
    waf: bool,
    backend_timeout: SimDuration,
) -> IngressKind {
    match kind {
        K::None => IngressKind::None,
        K::LoadBalancer => IngressKind::LoadBalancer,
        K::AppGateway => {
            let q = p.key("probe");
            let probe = t.probe.clone().unwrap_or_default();
            let positive = |cx: &mut Cx<'_>, key: &str, v: Option<units::HumanDuration>| {
                v.map(|v| cx.positive(&q.key(key), Some(v), v.0))
            };
            IngressKind::AppGateway(AppGateway {
                waf,
                probe: ProbeOverride {
                    interval: positive(cx, "interval", probe.interval),
                    timeout: positive(cx, "timeout", probe.timeout),
                    failure_threshold: probe
                        .unhealthy_threshold
                        .map(|n| cx.at_least(&q.key("unhealthy_threshold"), Some(n), 1, n)),
                },
                agic_update_lag: units::or(t.agic_update_lag, d::AGIC_UPDATE_LAG),
                connection_draining: t.connection_draining.map(|v| {
                    let q = p.key("connection_draining");
                    if v.0 < d::APP_GATEWAY_DRAIN_MIN || v.0 > d::APP_GATEWAY_DRAIN_MAX {
                        cx.error(
                            &q,
                            format!(
                                "must be from 1s to 3600s (App Gateway's connection-draining \
                                 timeout), got {}",
                                v.0
                            ),
                        );
                    }
                    v.0
                }),
                autoscale: t.max_instances.map(|max_instances| GatewayAutoscale {
                    max_instances,
                    scale_out_time: cx.positive(
                        &p.key("scale_out_time"),
                        t.scale_out_time,
                        d::APP_GATEWAY_SCALE_OUT,
                    ),
                }),
                for_containers: None,
            })
        }
        K::AppGatewayForContainers => IngressKind::AppGateway(for_containers(cx, p, t)),
        K::Nginx => IngressKind::Nginx(Nginx {
            next_upstream_tries: {
                let q = p.key("next_upstream_tries");
                let tries = cx.at_most(&q, t.next_upstream_tries, MAX_RETRIES, RETRIES_WHY);
                cx.at_least(&q, tries, 1, d::NGINX_NEXT_UPSTREAM_TRIES)
            },
            rate_limit: t.limit_rps.and_then(|rps| {
                if !(rps.is_finite() && rps > 0.0) {
                    cx.error(
                        &p.key("limit_rps"),
                        format!("must be a number greater than 0, got {rps}"),
                    );
                    return None;
                }
                let burst = t
                    .limit_burst
                    .unwrap_or((rps * d::NGINX_BURST_MULTIPLIER).round() as u32);
                Some(RateLimit { rps, burst })
            }),
            app_routing: app_routing(t, kind),
        }),
        K::Istio => IngressKind::Istio(Istio {
            retries: cx
                .at_most(&p.key("retries"), t.retries, MAX_RETRIES, RETRIES_WHY)
                .unwrap_or(d::ISTIO_RETRIES),
            mesh_retries: cx
                .at_most(
                    &p.key("mesh_retries"),
                    t.mesh_retries,
                    MAX_RETRIES,
                    RETRIES_WHY,
                )
                .unwrap_or(d::ISTIO_RETRIES),
            per_try_timeout: cx.positive(
                &p.key("per_try_timeout"),
                t.per_try_timeout,
                backend_timeout,
            ),
            outlier_detection: t.outlier_detection.as_ref().map(|o| {
                let q = p.key("outlier_detection");
                let percent = o
                    .max_ejection_percent
                    .unwrap_or(d::OUTLIER_MAX_EJECTION_PERCENT);
                if !(0.0..=100.0).contains(&percent) {
                    cx.error(
                        &q.key("max_ejection_percent"),
                        format!("must be between 0 and 100, got {percent}"),
                    );
                }
                OutlierDetection {
                    consecutive_errors: cx.at_least(
                        &q.key("consecutive_errors"),
                        o.consecutive_errors,
                        1,
                        d::OUTLIER_CONSECUTIVE_ERRORS,
                    ),
                    interval: cx.positive(&q.key("interval"), o.interval, d::OUTLIER_INTERVAL),
                    base_ejection_time: cx.positive(
                        &q.key("base_ejection_time"),
                        o.base_ejection_time,
                        d::OUTLIER_BASE_EJECTION,
                    ),
                    max_ejection_percent: percent,
                }
            }),
            mtls_handshake_cpu: units::or(t.mtls_handshake_cpu, d::MTLS_HANDSHAKE_CPU),
            locality_aware: t
                .locality_aware
                .unwrap_or(d::istio_locality_default(t.outlier_detection.is_some())),
            mesh: {
                if t.sidecar_latency.is_some() && t.mesh != Some(true) {
                    cx.error(&p.key("sidecar_latency"), "applies only with `mesh = true`");
                }
                if t.mesh_retries.is_some() && t.mesh != Some(true) {
                    cx.error(&p.key("mesh_retries"), "applies only with `mesh = true`");
                }
                if t.mtls_handshake_cpu.is_some() && t.mesh != Some(true) {
                    cx.error(
                        &p.key("mtls_handshake_cpu"),
                        "applies only with `mesh = true`",
                    );
                }
                t.mesh.unwrap_or(false)
            }
            .then(|| {
                cx.dist(
                    &p.key("sidecar_latency"),
                    t.sidecar_latency.as_ref(),
                    Dist::constant(d::SIDECAR_LATENCY),
                )
            }),
        }),
    }
}

/// Application Gateway for Containers on the App Gateway model: its HealthCheckPolicy (a
/// field not given takes the default probe's), its control plane's lag in place of AGIC's,
/// autoscaling always on (up to `max_instances`, new capacity after `scale_out_time`), no
/// connection-draining annotation (draining on scale-in is the documented 5 minutes).
fn for_containers(cx: &mut Cx<'_>, p: &FieldPath, t: &IngressTable) -> AppGateway {
    let q = p.key("health_check");
    let health_check = t.health_check.as_ref().map(|h| {
        let positive = |cx: &mut Cx<'_>, key: &str, v: Option<units::HumanDuration>, default| {
            cx.positive(&q.key(key), v, default)
        };
        Probe {
            interval: positive(cx, "interval", h.interval, d::AGC_PROBE_INTERVAL),
            timeout: positive(cx, "timeout", h.timeout, d::AGC_PROBE_TIMEOUT),
            failure_threshold: cx.at_least(
                &q.key("unhealthy_threshold"),
                h.unhealthy_threshold,
                1,
                d::AGC_UNHEALTHY_THRESHOLD,
            ),
        }
    });
    let healthy_threshold = cx.at_least(
        &q.key("healthy_threshold"),
        t.health_check.as_ref().and_then(|h| h.healthy_threshold),
        1,
        d::AGC_HEALTHY_THRESHOLD,
    );
    let max_instances = cx
        .at_most(
            &p.key("max_instances"),
            t.max_instances,
            MAX_INSTANCES,
            "instances are pods or VMs, under the cluster's pod envelope",
        )
        .unwrap_or(d::AGC_MAX_INSTANCES);
    let frontends = cx.at_least(&p.key("frontends"), t.frontends, 1, d::AGC_FRONTENDS);
    AppGateway {
        waf: false,
        probe: ProbeOverride::default(),
        agic_update_lag: cx.positive(
            &p.key("control_plane_lag"),
            t.control_plane_lag,
            d::AGC_CONTROL_PLANE_LAG,
        ),
        connection_draining: None,
        autoscale: Some(GatewayAutoscale {
            max_instances,
            scale_out_time: cx.positive(
                &p.key("scale_out_time"),
                t.scale_out_time,
                d::AGC_SCALE_OUT,
            ),
        }),
        for_containers: Some(ForContainers {
            health_check,
            healthy_threshold,
            frontends,
            waf_rulesets: t.waf.as_ref().map(|w| {
                let q = p.key("waf").key("rulesets");
                let n = cx.at_most(&q, w.rulesets, 10, "a WAF policy holds a few rulesets");
                cx.at_least(&q, n, 1, d::AGC_WAF_RULESETS)
            }),
        }),
    }
}

/// Settings that load but whose meaning a reader may not expect: `locality_aware = true`
/// without `outlier_detection` forces on what Istio would leave off (and, since locality
/// follows Envoy's priority levels, traffic spills out of a partly healthy zone).
pub(super) fn warnings(cx: &mut Cx<'_>, t: &IngressTable) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if t.kind == Some(K::Istio) && t.locality_aware == Some(true) && t.outlier_detection.is_none() {
        out.push(cx.warning(
            &FieldPath::root().key("ingress").key("locality_aware"),
            "`true` without `outlier_detection` forces locality load balancing on, which Istio \
             applies only when the DestinationRule has outlier detection (without it, Envoy \
             spreads over every zone). Its meaning changed: it used to be the default and kept \
             all traffic in the sender's zone while any pod there was up; now the local zone \
             keeps min(100%, 1.4 × its healthy share) and the rest spills to the other zones \
             (Envoy's priority levels). Remove it for Istio's default, or add \
             `outlier_detection`",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spreads_instances_over_zones_in_turn() {
        assert_eq!(spread(2, 3), [1, 1, 0]);
        assert_eq!(spread(7, 3), [3, 2, 2]);
        assert_eq!(spread(0, 1), [0]);
    }
}
