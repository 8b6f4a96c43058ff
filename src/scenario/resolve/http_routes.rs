//! `[[ingress.http_routes]]`: Gateway API HTTPRoute rules turned into the client routes
//! (`[[clients.routes]]`) the model already runs — each backend of a rule becomes a route of
//! its own, so results come per route as before.
//!
//! - A rule without a header match takes its `share` of the requests (the path is a label for
//!   it), split among its backends by weight: a route per backend, share × weight / Σ weights.
//! - A rule with a header match takes every request whose class carries that header
//!   (`match = { header, value }` on the route), to its one backend.
//!
//! Only the kinds that implement Gateway API take them (Application Gateway for Containers
//! and the Istio gateway); everything is checked here, so errors name the HTTPRoute field.

use crate::scenario::context::Cx;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{
    ClassTable, HttpRouteMatch, HttpRouteRule, IngressKindName, IngressTable, MatchRule,
    PathMatchType, RouteEntry, ServiceTable,
};

/// The kinds whose controllers implement Gateway API's HTTPRoute.
const GATEWAY_API: &[IngressKindName] = &[
    IngressKindName::AppGatewayForContainers,
    IngressKindName::Istio,
];

/// How far rule shares may pass 1.
const SHARE_TOLERANCE: f64 = 1e-9;

/// The client routes `ingress.http_routes` stands for, or `None` when it is absent or wrong
/// (errors reported). `routes_given` says whether `[[clients.routes]]` is written too.
pub(super) fn to_routes(
    cx: &mut Cx<'_>,
    ingress: Option<&IngressTable>,
    routes_given: bool,
    classes: Option<&[ClassTable]>,
    services: &[ServiceTable],
) -> Option<Vec<RouteEntry>> {
    let t = ingress?;
    let rules = t.http_routes.as_ref()?;
    let p = FieldPath::root().key("ingress").key("http_routes");
    let kind = t.kind.unwrap_or(IngressKindName::None);
    if !GATEWAY_API.contains(&kind) {
        cx.error(
            &p,
            format!(
                "applies only to the kinds with Gateway API (\"app-gateway-for-containers\", \
                 \"istio\"), not kind = \"{}\"; write `[[clients.routes]]` instead",
                kind.as_str()
            ),
        );
        return None;
    }
    if routes_given {
        cx.error(
            &p,
            "give routes one way: `[[ingress.http_routes]]` or `[[clients.routes]]`, not both",
        );
        return None;
    }
    if rules.is_empty() {
        cx.error(&p, "needs at least one rule, or leave `http_routes` out");
        return None;
    }
    let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
    let shares = rule_shares(cx, &p, rules);
    let mut out = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let here = p.index(i);
        let m = one_match(cx, &here, rule);
        let label = match &m.path {
            None => "/".to_string(),
            Some(path) if path.kind == Some(PathMatchType::Exact) => {
                format!("{} (exact)", path.value)
            }
            Some(path) => path.value.clone(),
        };
        if let Some(path) = &m.path
            && !path.value.starts_with('/')
        {
            cx.error(
                &here.key("matches").index(0).key("path").key("value"),
                format!("must start with \"/\", got \"{}\"", path.value),
            );
        }
        let backends = backends(cx, &here, rule, &names);
        match header(cx, &here, &m, classes) {
            Some(rule_match) => {
                let q = here.key("backend_refs");
                if rule.share.is_some() {
                    cx.error(
                        &here.key("share"),
                        "does not apply to a rule with a header match: it takes every request \
                         whose class carries the header",
                    );
                }
                if backends.len() != 1 {
                    cx.error(
                        &q,
                        format!(
                            "a rule with a header match sends to one backend here (a weighted \
                             split inside a header match is not modelled), got {}",
                            backends.len()
                        ),
                    );
                    continue;
                }
                let (name, _) = &backends[0];
                let (h, v) = (rule_match.header.clone(), rule_match.value.clone());
                out.push(RouteEntry {
                    path: format!(
                        "{label} ({}: {})",
                        h.unwrap_or_default(),
                        v.unwrap_or_default()
                    ),
                    service: name.clone(),
                    share: None,
                    matches: Some(rule_match),
                });
            }
            None => {
                let total: f64 = backends.iter().map(|(_, w)| f64::from(*w)).sum();
                let share = shares.get(i).copied().unwrap_or(0.0);
                for (name, w) in backends.iter().filter(|(_, w)| *w > 0) {
                    out.push(RouteEntry {
                        path: if backends.len() == 1 {
                            label.clone()
                        } else {
                            format!("{label} → {name}")
                        },
                        service: name.clone(),
                        share: Some(share * f64::from(*w) / total),
                        matches: None,
                    });
                }
            }
        }
    }
    // After any error the file fails anyway: no routes, so no second error about them.
    (!cx.has_errors()).then_some(out)
}

/// The rule's one match (the default path prefix "/" when it has none).
fn one_match(cx: &mut Cx<'_>, p: &FieldPath, rule: &HttpRouteRule) -> HttpRouteMatch {
    match rule.matches.as_deref() {
        None | Some([]) => HttpRouteMatch::default(),
        Some([m]) => m.clone(),
        Some(more) => {
            cx.error(
                &p.key("matches"),
                format!(
                    "takes one match per rule here (write another rule for another match), \
                     got {}",
                    more.len()
                ),
            );
            more[0].clone()
        }
    }
}

/// The rule's header match as a route `match`, if it has one; a class must carry it.
fn header(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    m: &HttpRouteMatch,
    classes: Option<&[ClassTable]>,
) -> Option<MatchRule> {
    let q = p.key("matches").index(0).key("headers");
    let h = match m.headers.as_deref() {
        None | Some([]) => return None,
        Some([h]) => h,
        Some(more) => {
            cx.error(
                &q,
                format!(
                    "takes one header per match here (a request class carries the headers it \
                     is matched on), got {}",
                    more.len()
                ),
            );
            &more[0]
        }
    };
    let name = h.name.to_ascii_lowercase();
    let carried = classes.unwrap_or_default().iter().any(|c| {
        c.headers
            .iter()
            .flatten()
            .any(|(k, v)| k.to_ascii_lowercase() == name && *v == h.value)
    });
    if !carried {
        cx.error(
            &q.index(0),
            format!(
                "no request class carries header `{name}` = \"{}\", so the rule would never \
                 match; declare one in `[[clients.classes]]` with `headers = {{ \"{name}\" = \
                 \"{}\" }}`",
                h.value, h.value
            ),
        );
    }
    Some(MatchRule {
        header: Some(name),
        value: Some(h.value.clone()),
        class: None,
    })
}

/// The rule's backends (service name, weight), checked; at least one with a weight above 0.
fn backends(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    rule: &HttpRouteRule,
    names: &[String],
) -> Vec<(String, u32)> {
    let q = p.key("backend_refs");
    if rule.backend_refs.is_empty() {
        cx.error(&q, "needs at least one backend, e.g. [{ name = \"web\" }]");
        return Vec::new();
    }
    let mut out = Vec::new();
    for (j, b) in rule.backend_refs.iter().enumerate() {
        let here = q.index(j);
        cx.lookup(&here.key("name"), "service", &b.name, names, None);
        let w = cx
            .at_most(
                &here.key("weight"),
                b.weight,
                1_000_000,
                "Gateway API's weight range is 0 to 1,000,000",
            )
            .unwrap_or(1);
        out.push((b.name.clone(), w));
    }
    if out.iter().all(|(_, w)| *w == 0) {
        cx.error(
            &q,
            "every weight is 0: at least one backend needs a weight above 0",
        );
    }
    out
}

/// Each rule's share of requests: those without a header match take their `share`, and
/// those without one split what is left equally (0 for rules with a header match).
fn rule_shares(cx: &mut Cx<'_>, p: &FieldPath, rules: &[HttpRouteRule]) -> Vec<f64> {
    let by_path = |r: &HttpRouteRule| {
        r.matches
            .as_deref()
            .and_then(|m| m.first())
            .and_then(|m| m.headers.as_deref())
            .is_none_or(<[_]>::is_empty)
    };
    if !rules.iter().any(by_path) {
        cx.error(
            p,
            "needs a rule without a header match, for the requests no header matches",
        );
        return vec![0.0; rules.len()];
    }
    for (i, r) in rules.iter().enumerate() {
        if let Some(s) = r.share.filter(|s| !(*s > 0.0 && *s <= 1.0)) {
            cx.error(
                &p.index(i).key("share"),
                format!("must be greater than 0 and at most 1, got {s}"),
            );
        }
    }
    let given: f64 = rules
        .iter()
        .filter(|r| by_path(r))
        .filter_map(|r| r.share)
        .sum();
    let unshared = rules
        .iter()
        .filter(|r| by_path(r) && r.share.is_none())
        .count();
    let each = if unshared > 0 {
        let each = (1.0 - given) / unshared as f64;
        if each <= 0.0 {
            cx.error(
                p,
                format!(
                    "the given shares already sum to {given}, leaving nothing for the \
                     {unshared} rule(s) without a share"
                ),
            );
        }
        each
    } else {
        if (given - 1.0).abs() > SHARE_TOLERANCE {
            cx.error(
                p,
                format!(
                    "the shares of the rules without a header match must sum to 1, got {given}"
                ),
            );
        }
        0.0
    };
    rules
        .iter()
        .map(|r| match (by_path(r), r.share) {
            (false, _) => 0.0,
            (true, Some(s)) => s,
            (true, None) => each,
        })
        .collect()
}
