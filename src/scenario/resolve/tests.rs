//! Defaults and resolution rules, checked on small files.

use crate::engine::{ArrivalProcess, Dist, SimDuration};
use crate::scenario::{
    Balancing, CallTarget, EgressKind, FaultKind, IngressKind, Jitter, Scenario, defaults as d,
    parse,
};

const MINIMAL: &str = "[clients]\nrate = 10\n\n[[services]]\nname = \"a\"\npods = { \"1\" = 1 }\nservice_time = \"1ms\"\n";

fn with(extra: &str) -> Scenario {
    let text = format!("{MINIMAL}{extra}");
    parse(&text, "t.toml").unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

#[test]
fn a_minimal_file_gets_the_documented_defaults() {
    let s = with("");
    assert_eq!(s.name, "t");
    assert_eq!(s.simulation.duration, d::DURATION);
    assert_eq!(s.simulation.warmup, d::WARMUP);
    assert_eq!(s.simulation.replications, d::REPLICATIONS);
    assert_eq!(s.simulation.window, d::WINDOW);
    assert_eq!(s.network.zones, ["1", "2", "3"]);
    assert_eq!(
        s.network.in_zone,
        Dist::constant(SimDuration::from_micros(100))
    );
    assert_eq!(s.network.cross_zone, Dist::constant(ms(1)));
    assert!(matches!(s.ingress.kind, IngressKind::None));
    assert!(s.ingress.instances.is_empty());
    assert_eq!(s.ingress.backend_timeout, s.clients.timeout);
    assert_eq!(s.clients.arrivals, ArrivalProcess::Poisson(10.0));
    assert_eq!(s.clients.routes.len(), 1);
    assert_eq!(
        (s.clients.routes[0].service, s.clients.routes[0].share),
        (0, 1.0)
    );
    assert_eq!(s.clients.new_tls_share, 0.1);
    assert_eq!(s.clients.timeout, SimDuration::from_secs(30));
    assert_eq!(s.clients.retries.attempts, 0);
    assert_eq!(s.clients.retries.jitter, Jitter::Full);
    let a = &s.services[0];
    assert_eq!(a.pods, [1, 0, 0]);
    assert_eq!(a.concurrency, 1);
    assert_eq!(a.startup, SimDuration::from_secs(20));
    // terminationGracePeriodSeconds 30, no preStop hook (Pod API).
    assert_eq!(a.termination_grace, SimDuration::from_secs(30));
    assert_eq!(a.pre_stop, None);
    assert_eq!(a.stop_after(), SimDuration::from_secs(30));
    let readiness = a.readiness.as_ref().expect("the default readiness probe");
    assert_eq!(readiness.interval, SimDuration::from_secs(10));
    assert_eq!(readiness.timeout, SimDuration::from_secs(1));
    assert_eq!(readiness.failure_threshold, 3);
    // AKS's default outbound: the load balancer's outbound rules (facts §6, §10).
    assert!(matches!(
        s.egress.kind,
        EgressKind::LoadBalancer {
            outbound_ips: 1,
            ports_per_node: 1_024,
            ..
        }
    ));
    assert!(s.faults.is_empty() && s.slo.is_none());
}

#[test]
fn each_ingress_kind_gets_its_own_defaults() {
    let s = with("[ingress]\nkind = \"app-gateway\"\n");
    assert_eq!(s.ingress.instances, [1, 1, 0]);
    assert_eq!(s.ingress.concurrency, 10);
    assert_eq!(s.ingress.tls_handshake, Dist::constant(ms(20)));
    assert_eq!(s.ingress.backend_timeout, SimDuration::from_secs(30));
    assert_eq!(s.ingress.balancing, Balancing::RoundRobin);
    let IngressKind::AppGateway(gw) = &s.ingress.kind else {
        panic!()
    };
    assert!(!gw.waf);
    // No annotation: AGIC copies the pod's readiness probe (10 s, 1 s, 3), and uses
    // 30 s / 30 s / 3 only for a pod without one.
    assert_eq!(gw.probe, Default::default());
    let probe = gw.probe_for(s.services[0].readiness.as_ref());
    assert_eq!(probe.interval, SimDuration::from_secs(10));
    assert_eq!(probe.timeout, SimDuration::from_secs(1));
    assert_eq!(gw.probe_for(None).interval, SimDuration::from_secs(30));
    assert_eq!(gw.probe_for(None).timeout, SimDuration::from_secs(30));
    assert_eq!(gw.probe_for(None).failure_threshold, 3);
    assert_eq!(gw.agic_update_lag, SimDuration::from_secs(40));
    // Draining off (AGIC's default): App Gateway still gives in-flight requests 30 s.
    assert_eq!(gw.connection_draining, None);
    assert_eq!(gw.drain_window(), SimDuration::from_secs(30));

    let s = with("[ingress]\nkind = \"nginx\"\n");
    assert_eq!(s.ingress.backend_timeout, SimDuration::from_secs(60));
    assert_eq!(s.ingress.balancing, Balancing::RoundRobin);
    assert!(matches!(s.ingress.kind, IngressKind::Nginx(ref n) if n.next_upstream_tries == 3));

    let text = "[ingress]\nkind = \"istio\"\noutlier_detection = {}\n";
    let s = parse(
        &format!(
            "{}{text}",
            MINIMAL.replace("rate = 10", "rate = 10\ntimeout = \"7s\"")
        ),
        "t",
    )
    .unwrap();
    assert_eq!(
        s.ingress.backend_timeout,
        SimDuration::from_secs(7),
        "Istio sets no timeout"
    );
    assert_eq!(s.ingress.balancing, Balancing::LeastRequest);
    let IngressKind::Istio(istio) = &s.ingress.kind else {
        panic!()
    };
    assert_eq!((istio.retries, istio.locality_aware), (2, true));
    assert_eq!(istio.per_try_timeout, SimDuration::from_secs(7));
    let od = istio.outlier_detection.as_ref().unwrap();
    assert_eq!((od.consecutive_errors, od.max_ejection_percent), (5, 10.0));
    assert_eq!(od.base_ejection_time, SimDuration::from_secs(30));

    let s = with("[ingress]\nkind = \"load-balancer\"\n");
    assert_eq!(s.ingress.balancing, Balancing::Random);
    assert!(s.ingress.instances.is_empty());
}

#[test]
fn routes_without_a_share_split_the_rest() {
    let s =
        with("[[services]]\nname = \"b\"\npods = { \"2\" = 1 }\nservice_time = \"1ms\"\n").clients;
    assert_eq!(s.routes.len(), 1);
    let text = MINIMAL.replace(
        "rate = 10",
        "rate = 10\nroutes = [{ path = \"/a\", service = \"a\", share = 0.5 }, { path = \"/b\", service = \"a\" }, { path = \"/c\", service = \"a\" }]",
    );
    let routes = parse(&text, "t").unwrap().clients.routes;
    let shares: Vec<f64> = routes.iter().map(|r| r.share).collect();
    assert_eq!(shares, [0.5, 0.25, 0.25]);
    assert_eq!(routes[1].name, "/b");
}

#[test]
fn profiles_become_rate_profiles() {
    let text = MINIMAL.replace(
        "rate = 10",
        "profile = [{ at = \"0s\", rps = 100 }, { at = \"1m\", rps = 200, shape = \"ramp\" }]",
    );
    let ArrivalProcess::Profile(p) = parse(&text, "t").unwrap().clients.arrivals else {
        panic!()
    };
    assert_eq!(p.points().len(), 2);
    assert!(p.points()[1].ramp && !p.points()[0].ramp);
    let text = MINIMAL.replace(
        "rate = 10",
        "profile = [{ at = \"1m\", rps = 100 }, { at = \"30s\", rps = 200 }]",
    );
    let e = parse(&text, "t").unwrap_err().to_string();
    assert!(
        e.contains("clients.profile[1].at: must be after the previous point (1m), got 30s"),
        "{e}"
    );
}

#[test]
fn egress_and_faults_resolve_names_to_indices() {
    let s = with(concat!(
        "[egress]\nkind = \"nat-gateway\"\nzones = [\"3\", \"1\"]\n",
        "[[egress.destinations]]\nname = \"x\"\nlatency = \"5ms\"\n",
        "[[faults]]\nkind = \"dependency-degradation\"\ndestination = \"x\"\nat = \"2m\"\nlatency_multiplier = 3\n",
        "[[faults]]\nkind = \"pod-crash\"\nservice = \"a\"\nat = \"3m\"\nduration = \"1m\"\n",
    ));
    let EgressKind::NatGateway {
        zones,
        public_ips,
        ports_per_ip,
        ..
    } = &s.egress.kind
    else {
        panic!()
    };
    assert_eq!(
        (zones.as_slice(), *public_ips, *ports_per_ip),
        (&[2, 0][..], 1, 64_512)
    );
    assert!(matches!(
        s.faults[0].kind,
        FaultKind::DependencyDegradation { target: CallTarget::Destination(0), latency_multiplier, .. } if latency_multiplier == 3.0
    ));
    assert!(matches!(
        s.faults[1].kind,
        FaultKind::PodCrash {
            service: 0,
            count: 1
        }
    ));
    assert_eq!(s.faults[1].duration, Some(SimDuration::from_secs(60)));
}

#[test]
fn nat_gateway_limits_are_azures() {
    let text = format!(
        "{MINIMAL}[egress]\nkind = \"nat-gateway\"\npublic_ips = 17\nidle_timeout = \"2m\"\n"
    );
    let e = parse(&text, "t").unwrap_err().to_string();
    assert!(
        e.contains("egress.public_ips: must be between 1 and 16"),
        "{e}"
    );
    assert!(
        e.contains("egress.idle_timeout: must be between 4m and 2h, got 2m"),
        "{e}"
    );
}

#[test]
fn costs_default_to_the_sourced_prices_and_record_overrides() {
    let s = with("[ingress]\nkind = \"nginx\"\nconcurrency = 4\n");
    let c = &s.costs;
    assert_eq!(c.hours_per_month, d::HOURS_PER_MONTH);
    assert_eq!(c.app_gateway_hour, d::APP_GATEWAY_HOUR);
    assert_eq!(c.nat_gateway_gb, d::NAT_GATEWAY_GB);
    assert_eq!(c.vcpu_hour, d::VCPU_HOUR);
    // One worker per CPU: the replica's vCPUs default to its concurrency.
    assert_eq!(c.ingress_vcpu_per_replica, 4.0);
    assert!(c.overridden.is_empty());
    let s = with("[costs]\nvcpu_hour = 0.05\nhours_per_month = 744\n");
    assert_eq!((s.costs.vcpu_hour, s.costs.hours_per_month), (0.05, 744.0));
    assert_eq!(s.costs.overridden, ["hours_per_month", "vcpu_hour"]);
}

#[test]
fn costs_must_be_finite_and_not_negative() {
    let text =
        format!("{MINIMAL}[costs]\nfirewall_gb = -1\napp_gateway_tls_per_compute_unit = 0\n");
    let e = parse(&text, "t.toml").unwrap_err().to_string();
    assert!(
        e.contains("costs.firewall_gb: must be a finite number of at least 0, got -1"),
        "{e}"
    );
    assert!(
        e.contains("costs.app_gateway_tls_per_compute_unit: must be a number above 0, got 0"),
        "{e}"
    );
}

#[test]
fn firewall_scaling_fields_are_checked_and_belong_to_the_firewall() {
    let text = format!(
        "{MINIMAL}[egress]\nkind = \"firewall\"\ninstances = 4\nmax_instances = 3\n\
         gbps_per_instance = 0\nidle_timeout = \"20m\"\n"
    );
    let e = parse(&text, "t").unwrap_err().to_string();
    assert!(
        e.contains("egress.max_instances: must be at least `instances` (4), got 3"),
        "{e}"
    );
    assert!(
        e.contains("egress.gbps_per_instance: must be a number above 0, got 0"),
        "{e}"
    );
    assert!(
        e.contains("egress.idle_timeout: must be between 4m and 15m, got 20m"),
        "{e}"
    );
    let text = format!("{MINIMAL}[egress]\nkind = \"nat-gateway\"\nscale_out_delay = \"5m\"\n");
    let e = parse(&text, "t").unwrap_err().to_string();
    assert!(
        e.contains("`scale_out_delay` applies only to kind = \"firewall\""),
        "{e}"
    );
}

#[test]
fn firewall_tiers_set_throughput_and_instance_limits() {
    let fw = |tier: &str| {
        let text = format!("{MINIMAL}[egress]\nkind = \"firewall\"\ntier = \"{tier}\"\n");
        match parse(&text, "t").unwrap().egress.kind {
            EgressKind::Firewall {
                instances,
                max_instances,
                bits_per_sec,
                ..
            } => (instances, max_instances, bits_per_sec),
            other => panic!("{other:?}"),
        }
    };
    // Standard: 3 Gbps with the 2 default instances, 30 Gbps at most (facts §7).
    assert_eq!(fw("standard"), (2, 20, 1.5e9));
    // Premium: 18 Gbps with 2 instances, 100 Gbps at most.
    assert_eq!(fw("premium"), (2, 12, 9e9));
}

#[test]
fn snat_idle_timeouts_default_by_device_and_keep_alive_to_zero() {
    let text = format!(
        "{MINIMAL}[egress]\nkind = \"load-balancer\"\n\
         [[egress.destinations]]\nname = \"api\"\nlatency = \"1ms\"\n"
    );
    let s = parse(&text, "t").unwrap();
    assert!(matches!(
        s.egress.kind,
        EgressKind::LoadBalancer { idle_timeout, .. } if idle_timeout == SimDuration::from_secs(1800)
    ));
    assert_eq!(s.egress.port_cooldown, SimDuration::from_secs(65));
    assert_eq!(s.egress.destinations[0].keep_alive, SimDuration::ZERO);
    let text = format!("{MINIMAL}[egress]\nkind = \"load-balancer\"\nidle_timeout = \"3h\"\n");
    let e = parse(&text, "t").unwrap_err().to_string();
    assert!(
        e.contains("egress.idle_timeout: must be between 4m and 2h, got 3h"),
        "{e}"
    );
}

#[test]
fn gateway_pods_get_connect_timeouts_and_the_cluster_traffic_policy() {
    use crate::scenario::{Connect, TrafficPolicy};
    let connect = |kind: &str| {
        let s = with(&format!("[ingress]\nkind = \"{kind}\"\n"));
        (s.ingress.connect, s.ingress.external_traffic_policy)
    };
    let cluster = Some(TrafficPolicy::Cluster);
    let nginx = Connect {
        timeout: SimDuration::from_secs(5),
    };
    let istio = Connect {
        timeout: SimDuration::from_secs(10),
    };
    assert_eq!(connect("nginx"), (Some(nginx), cluster));
    assert_eq!(connect("istio"), (Some(istio), cluster));
    assert_eq!(connect("app-gateway"), (None, None));
    assert_eq!(connect("load-balancer"), (None, None));

    let s = with(
        "[ingress]\nkind = \"istio\"\nconnect_timeout = \"2s\"\n\
         external_traffic_policy = \"local\"\n",
    );
    let c = s.ingress.connect.unwrap();
    assert_eq!(c.timeout, ms(2000));
    assert_eq!(
        s.ingress.external_traffic_policy,
        Some(TrafficPolicy::Local)
    );

    // The removed fixed share is an error that names its replacement.
    let e = parse(
        &format!("{MINIMAL}[ingress]\nkind = \"nginx\"\nnew_connection_share = 0.5\n"),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("ingress.new_connection_share: was removed") && e.contains("[ingress] upstream"),
        "{e}"
    );
    let e = parse(
        &format!("{MINIMAL}[ingress]\nkind = \"app-gateway\"\nconnect_timeout = \"1s\"\n"),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("connect_timeout"), "{e}");
}

#[test]
fn gateways_get_their_documented_upstream_pools() {
    use crate::scenario::Upstream;
    let upstream = |extra: &str| with(&format!("[ingress]\n{extra}\n")).ingress.upstream;
    assert_eq!(
        upstream("kind = \"nginx\""),
        Some(Upstream {
            max_idle: 320,
            idle_timeout: SimDuration::from_secs(60),
            max_requests: 10_000,
            tls: false,
        })
    );
    assert_eq!(
        upstream("kind = \"istio\"\nmesh = true"),
        Some(Upstream {
            max_idle: u32::MAX,
            idle_timeout: SimDuration::from_secs(3_600),
            max_requests: u32::MAX,
            tls: true,
        })
    );
    assert_eq!(upstream("kind = \"istio\"").map(|u| u.tls), Some(false));
    assert_eq!(upstream("kind = \"load-balancer\""), None);
    let u = upstream(
        "kind = \"app-gateway\"\nupstream = { max_idle = 4, idle_timeout = \"5s\", \
         max_requests = 7, tls = true }",
    )
    .unwrap();
    assert_eq!(
        (u.max_idle, u.idle_timeout, u.max_requests, u.tls),
        (4, ms(5000), 7, true)
    );
    let e = parse(
        &format!("{MINIMAL}[ingress]\nkind = \"nginx\"\nupstream = {{ max_requests = 0 }}\n"),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("ingress.upstream.max_requests: must be at least 1, got 0"),
        "{e}"
    );
    let e = parse(
        &format!("{MINIMAL}[ingress]\nkind = \"load-balancer\"\nupstream = {{ max_idle = 2 }}\n"),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("upstream"), "{e}");
}
