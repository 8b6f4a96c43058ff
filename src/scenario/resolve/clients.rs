//! `[clients]`: the arrival process, the routes and the client's timeout and retries.

use super::Names;
use crate::engine::{ArrivalProcess, Dist, RatePoint, RateProfile, SimDuration, SimTime};
use crate::scenario::context::Cx;
use crate::scenario::defaults as d;
use crate::scenario::limits::{MAX_RATE, MAX_RETRIES, RETRIES_WHY};
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{
    ArrivalName, ClientsTable, JitterName, ProfilePoint, RetriesTable, RouteEntry, ShapeName,
};
use crate::scenario::units;
use crate::scenario::{Clients, Jitter, RetryPolicy, Route, Simulation};

/// How far route shares may miss 1 (rounding in the file).
const SHARE_TOLERANCE: f64 = 1e-9;

pub(super) fn resolve(
    cx: &mut Cx<'_>,
    t: &ClientsTable,
    names: &Names,
    sim: &Simulation,
) -> Clients {
    let p = FieldPath::root().key("clients");
    Clients {
        arrivals: arrivals(cx, &p, t, sim),
        routes: routes(cx, &p.key("routes"), t.routes.as_deref(), names),
        new_tls_share: cx.share(
            &p.key("new_tls_connection_share"),
            t.new_tls_connection_share,
            d::NEW_TLS_SHARE,
        ),
        kib_per_request: cx.positive_number(
            &p.key("kib_per_request"),
            t.kib_per_request,
            d::KIB_PER_REQUEST,
        ),
        timeout: cx.positive(&p.key("timeout"), t.timeout, d::CLIENT_TIMEOUT),
        retries: retries(
            cx,
            &p.key("retries"),
            &t.retries.clone().unwrap_or_default(),
        ),
        latency: cx.dist(
            &p.key("latency"),
            t.latency.as_ref(),
            Dist::constant(SimDuration::ZERO),
        ),
        classes: names.classes.clone(),
        route_by_class: super::routing::routes_by_class(
            cx,
            &p.key("routes"),
            t.routes.as_deref().unwrap_or_default(),
            &names.classes,
        ),
        connections: super::client_connections::resolve(cx, &p, t),
    }
}

fn valid_rate(rate: f64) -> bool {
    rate.is_finite() && rate >= 0.0
}

/// The message for a rate above [`MAX_RATE`].
fn too_high(rate: f64) -> String {
    format!(
        "must be at most {MAX_RATE:.0} requests per second (every request is simulated; \
         {MAX_RATE:.0} per second is beyond one cluster's ingress), got {rate}"
    )
}

fn arrivals(cx: &mut Cx<'_>, p: &FieldPath, t: &ClientsTable, sim: &Simulation) -> ArrivalProcess {
    let placeholder = ArrivalProcess::Poisson(0.0);
    match (t.rate, &t.profile) {
        (Some(_), Some(_)) => {
            cx.error(&p.key("profile"), "give `rate` or `profile`, not both");
            placeholder
        }
        (None, None) => {
            cx.error(
                p,
                "needs `rate` (requests per second) or `profile` (a rate over time)",
            );
            placeholder
        }
        (Some(rate), None) if !valid_rate(rate) => {
            cx.error(
                &p.key("rate"),
                format!("must be a finite number of requests per second, at least 0, got {rate}"),
            );
            placeholder
        }
        (Some(rate), None) if rate > MAX_RATE => {
            cx.error(&p.key("rate"), too_high(rate));
            placeholder
        }
        (Some(rate), None) => match t.arrival.unwrap_or(ArrivalName::Poisson) {
            ArrivalName::Poisson => ArrivalProcess::Poisson(rate),
            ArrivalName::Constant => ArrivalProcess::Constant(rate),
        },
        (None, Some(points)) => {
            if t.arrival.is_some() {
                cx.error(
                    &p.key("arrival"),
                    "`arrival` applies only with `rate`; arrivals under a `profile` are always Poisson",
                );
            }
            profile(cx, &p.key("profile"), points, sim).unwrap_or(placeholder)
        }
    }
}

fn profile(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    points: &[ProfilePoint],
    sim: &Simulation,
) -> Option<ArrivalProcess> {
    if points.is_empty() {
        cx.error(
            p,
            "needs at least one point, such as { at = \"0s\", rps = 1000 }",
        );
        return None;
    }
    let mut ok = true;
    let mut out = Vec::with_capacity(points.len());
    for (i, point) in points.iter().enumerate() {
        let at = point.at.0;
        let ramp = point.shape == Some(ShapeName::Ramp);
        let mut fail = |field: &str, message: String| {
            cx.error(&p.index(i).key(field), message);
            ok = false;
        };
        if !valid_rate(point.rps) {
            fail(
                "rps",
                format!(
                    "must be a finite number of requests per second, at least 0, got {}",
                    point.rps
                ),
            );
        } else if point.rps > MAX_RATE {
            fail("rps", too_high(point.rps));
        }
        if let Some(prev) = i.checked_sub(1).map(|j| points[j].at.0) {
            if at <= prev {
                fail(
                    "at",
                    format!("must be after the previous point ({prev}), got {at}"),
                );
            }
        } else if ramp {
            fail("shape", "the first point cannot ramp: there is no earlier point to ramp from; start with { at = \"0s\", rps = ... }".into());
        }
        if at >= sim.duration {
            fail(
                "at",
                format!(
                    "must be inside the run (duration = {}), got {at}",
                    sim.duration
                ),
            );
        }
        out.push(RatePoint {
            at: SimTime(at.0),
            rate: point.rps,
            ramp,
        });
    }
    if !ok {
        return None;
    }
    // The checks above cover RateProfile's own; keep its word as the last one all the same.
    RateProfile::new(out)
        .map(ArrivalProcess::Profile)
        .map_err(|e| cx.error(p, e.0))
        .ok()
}

fn routes(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    given: Option<&[RouteEntry]>,
    names: &Names,
) -> Vec<Route> {
    let Some(entries) = given else {
        return vec![Route {
            name: d::ROUTE_NAME.to_string(),
            service: 0,
            share: 1.0,
        }];
    };
    if entries.is_empty() {
        cx.error(p, "needs at least one route, or leave `routes` out to send everything to the first service");
        return Vec::new();
    }
    let mut routes = Vec::with_capacity(entries.len());
    for (i, r) in entries.iter().enumerate() {
        let here = p.index(i);
        if r.matches.is_some() && r.share.is_some() {
            cx.error(
                &here.key("share"),
                "does not apply to a route with `match`: it takes every request its rule \
                 matches; shares split the rest among the routes without `match`",
            );
        } else if let Some(share) = r.share.filter(|s| !(*s > 0.0 && *s <= 1.0)) {
            cx.error(
                &here.key("share"),
                format!("must be greater than 0 and at most 1, got {share}"),
            );
        }
        let service = names
            .service(cx, &here.key("service"), &r.service)
            .unwrap_or(0);
        routes.push(Route {
            name: r.path.clone(),
            service,
            share: r.share.unwrap_or(0.0),
        });
    }
    // Routes with a `match` rule take the requests it matches; the others share the rest.
    let split = |r: &&RouteEntry| r.matches.is_none();
    if !entries.iter().any(|r| r.matches.is_none()) {
        cx.error(
            p,
            "needs a route without `match`, for the requests no rule matches",
        );
        return routes;
    }
    // Routes without a share split what the others leave.
    let given_sum: f64 = entries.iter().filter(split).filter_map(|r| r.share).sum();
    let unshared = entries
        .iter()
        .filter(split)
        .filter(|r| r.share.is_none())
        .count();
    if unshared > 0 {
        let each = (1.0 - given_sum) / unshared as f64;
        if each <= 0.0 {
            cx.error(p, format!("the given shares already sum to {given_sum}, leaving nothing for the {unshared} route(s) without a share"));
        }
        for (route, entry) in routes.iter_mut().zip(entries) {
            if entry.share.is_none() && entry.matches.is_none() {
                route.share = each;
            }
        }
    } else if (given_sum - 1.0).abs() > SHARE_TOLERANCE {
        let parts: Vec<String> = entries
            .iter()
            .filter(split)
            .map(|r| format!("{} {}", r.path, r.share.unwrap_or(0.0)))
            .collect();
        cx.error(
            p,
            format!(
                "route shares must sum to 1, got {given_sum} ({})",
                parts.join(", ")
            ),
        );
    }
    routes
}

fn retries(cx: &mut Cx<'_>, p: &FieldPath, t: &RetriesTable) -> RetryPolicy {
    let backoff = units::or(t.backoff, d::RETRY_BACKOFF);
    let max_backoff = units::or(t.max_backoff, d::RETRY_MAX_BACKOFF);
    if max_backoff < backoff {
        cx.error(
            &p.key("max_backoff"),
            format!("must be at least `backoff` ({backoff}), got {max_backoff}"),
        );
    }
    let budget = t.budget.map(|b| cx.share(&p.key("budget"), Some(b), 0.0));
    RetryPolicy {
        attempts: cx
            .at_most(&p.key("attempts"), t.attempts, MAX_RETRIES, RETRIES_WHY)
            .unwrap_or(d::RETRY_ATTEMPTS),
        backoff,
        max_backoff,
        jitter: t.jitter.map_or(d::RETRY_JITTER, |j| match j {
            JitterName::None => Jitter::None,
            JitterName::Full => Jitter::Full,
            JitterName::Equal => Jitter::Equal,
        }),
        budget,
    }
}
