//! Routing: request classes (`[[clients.classes]]`), `match` rules on routes and on the options
//! of a `choose`, the weighted choice among call targets, and the warning on two independent
//! calls written where one weighted choice was meant.
//!
//! A rule matches a set of request classes, known when the file is read, so the model looks a
//! request's route or option up by its class index and never compares headers.

use std::ops::Range;

use super::Names;
use super::services::{call, call_with_target};
use crate::scenario::context::Cx;
use crate::scenario::locate::FieldPath;
use crate::scenario::raw::{CallEntry, ClassTable, MatchRule, RouteEntry, ServiceTable};
use crate::scenario::{
    Call, CallTarget, Choice, DEFAULT_CLASS, Diagnostic, FanOut, RequestClass, Service,
};

/// Most request classes, the implicit `default` included: a request carries its class in one
/// byte, and a per-class result table is printed for each.
pub const MAX_CLASSES: usize = 64;

/// Most routes, and most options of all `choose`s together: a request carries its route, and
/// a call its option, in 16 bits.
pub const MAX_ROUTES: usize = u16::MAX as usize;

/// How far class shares may pass 1, and how close to 1 the probabilities of independent calls
/// must sum for the warning.
const SHARE_TOLERANCE: f64 = 1e-9;

/// The request classes of `[clients] classes`, with `default` last when they leave a share;
/// empty when none are declared.
pub(super) fn classes(cx: &mut Cx<'_>, given: Option<&[ClassTable]>) -> Vec<RequestClass> {
    let Some(tables) = given else {
        return Vec::new();
    };
    let p = FieldPath::root().key("clients").key("classes");
    if tables.is_empty() {
        cx.error(&p, "needs at least one class, or leave `classes` out");
        return Vec::new();
    }
    if tables.len() >= MAX_CLASSES {
        cx.error(
            &p,
            format!(
                "must have fewer than {MAX_CLASSES} classes (with `default`, {MAX_CLASSES} at \
                 most: a request carries its class in one byte), got {}",
                tables.len()
            ),
        );
        return Vec::new();
    }
    super::unique(cx, &p, Some("name"), tables.iter().map(|t| &t.name));
    let mut out = Vec::with_capacity(tables.len() + 1);
    for (i, t) in tables.iter().enumerate() {
        let here = p.index(i);
        if t.name == DEFAULT_CLASS {
            cx.error(
                &here.key("name"),
                "`default` names the requests of no declared class; choose another name",
            );
        }
        if !(t.share > 0.0 && t.share <= 1.0) {
            cx.error(
                &here.key("share"),
                format!("must be greater than 0 and at most 1, got {}", t.share),
            );
        }
        let mut headers = Vec::new();
        for (name, value) in t.headers.iter().flatten() {
            if name.trim().is_empty() {
                cx.error(&here.key("headers"), "a header name must not be empty");
            }
            headers.push((name.to_ascii_lowercase(), value.clone()));
        }
        out.push(RequestClass {
            name: t.name.clone(),
            share: t.share,
            headers,
        });
    }
    let sum: f64 = out.iter().map(|c| c.share).sum();
    if sum > 1.0 + SHARE_TOLERANCE {
        let parts: Vec<String> = out
            .iter()
            .map(|c| format!("{} {}", c.name, c.share))
            .collect();
        cx.error(
            &p,
            format!(
                "class shares must sum to at most 1 (what they leave is the class `default`), \
                 got {sum} ({})",
                parts.join(", ")
            ),
        );
    } else if sum < 1.0 - SHARE_TOLERANCE {
        out.push(RequestClass {
            name: DEFAULT_CLASS.to_string(),
            share: 1.0 - sum,
            headers: Vec::new(),
        });
    }
    out
}

/// Which classes rule `m` (at `p`) matches, one flag per class; `None` after an error.
fn matcher(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    m: &MatchRule,
    classes: &[RequestClass],
) -> Option<Vec<bool>> {
    let names: Vec<String> = classes.iter().map(|c| c.name.clone()).collect();
    match (&m.header, &m.value, &m.class) {
        (None, None, Some(class)) => {
            let k = cx.lookup(&p.key("class"), "request class", class, &names, None)?;
            Some((0..classes.len()).map(|i| i == k).collect())
        }
        (Some(header), Some(value), None) => {
            let header = header.to_ascii_lowercase();
            let hit: Vec<bool> = classes
                .iter()
                .map(|c| c.headers.iter().any(|(h, v)| *h == header && v == value))
                .collect();
            if !hit.contains(&true) {
                let carried: Vec<String> = classes
                    .iter()
                    .flat_map(|c| {
                        c.headers
                            .iter()
                            .map(move |(h, v)| format!("{}: {h} = \"{v}\"", c.name))
                    })
                    .collect();
                let known = if carried.is_empty() {
                    "no class declares headers; add one to `[[clients.classes]]` with \
                     `headers = { ... }`"
                        .to_string()
                } else {
                    format!("the classes carry {}", carried.join(", "))
                };
                cx.error(
                    &p.key("header"),
                    format!(
                        "no request class carries header `{header}` = \"{value}\", so the rule \
                         would never match ({known})"
                    ),
                );
                return None;
            }
            Some(hit)
        }
        (Some(_), None, None) => {
            cx.error(
                p,
                "`header` needs `value`, e.g. { header = \"x-canary\", value = \"true\" }",
            );
            None
        }
        (None, Some(_), None) => {
            cx.error(p, "`value` needs `header`");
            None
        }
        (None, None, None) => {
            cx.error(
                p,
                "needs `header` and `value` (e.g. { header = \"x-canary\", value = \"true\" }) \
                 or `class`",
            );
            None
        }
        (_, _, Some(_)) => {
            cx.error(p, "give `header` and `value`, or `class`, not both");
            None
        }
    }
}

/// For each class, the first of `rules` (each at `path_of(i)`, `None` for no rule) that
/// matches it; empty when no rule is given.
fn first_match(
    cx: &mut Cx<'_>,
    rules: &[(usize, &MatchRule)],
    path_of: impl Fn(usize) -> FieldPath,
    classes: &[RequestClass],
) -> Vec<Option<usize>> {
    if rules.is_empty() {
        return Vec::new();
    }
    let mut out = vec![None; classes.len()];
    for &(i, rule) in rules {
        let Some(hit) = matcher(cx, &path_of(i).key("match"), rule, classes) else {
            continue;
        };
        for (slot, hit) in out.iter_mut().zip(hit) {
            if hit && slot.is_none() {
                *slot = Some(i);
            }
        }
    }
    out
}

/// The route each class's first matching `match` rule takes (empty without rules); `routes`
/// are the file's entries at `p`.
pub(super) fn routes_by_class(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    routes: &[RouteEntry],
    classes: &[RequestClass],
) -> Vec<Option<usize>> {
    let rules: Vec<(usize, &MatchRule)> = routes
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.matches.as_ref()?)))
        .collect();
    if routes.len() > MAX_ROUTES {
        cx.error(
            p,
            format!(
                "must have at most {MAX_ROUTES} routes (a request carries its route in 16 \
                 bits), got {}",
                routes.len()
            ),
        );
    }
    first_match(cx, &rules, |i| p.index(i), classes)
}

/// The calls of a service as the model makes them, with their fan-out groups and choices:
/// each option of a `choose` becomes a call of its own (so every call has one target), and
/// the choice records which calls are its options.
pub(super) fn calls(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    entries: &[CallEntry],
    names: &Names,
) -> (Vec<Call>, Vec<Range<usize>>, Vec<Choice>) {
    let mut calls = Vec::with_capacity(entries.len());
    let mut spans = Vec::with_capacity(entries.len());
    let mut choices = Vec::new();
    for (j, c) in entries.iter().enumerate() {
        let here = p.index(j);
        let start = calls.len();
        match &c.choose {
            None => calls.extend(call(cx, &here, c, names)),
            Some(options) => {
                if let Some(choice) = choose(cx, &here, c, options, names, &mut calls) {
                    choices.push(choice);
                }
            }
        }
        spans.push(start..calls.len());
    }
    (calls, spans, choices)
}

/// The options of the `choose` of call `c` (at `p`), pushed onto `calls`; the choice, or
/// `None` after an error.
fn choose(
    cx: &mut Cx<'_>,
    p: &FieldPath,
    c: &CallEntry,
    options: &[crate::scenario::raw::ChoiceOption],
    names: &Names,
    calls: &mut Vec<Call>,
) -> Option<Choice> {
    if c.service.is_some() || c.destination.is_some() {
        let key = if c.service.is_some() {
            "service"
        } else {
            "destination"
        };
        cx.error(
            &p.key(key),
            "give `service`, `destination` or `choose`, only one: the targets of a `choose` \
             are its options",
        );
        return None;
    }
    let list = p.key("choose");
    if options.is_empty() {
        cx.error(
            &list,
            "needs at least one option, e.g. [{ service = \"pay-v1\", weight = 90 }, \
             { service = \"pay-v2\", weight = 10 }]",
        );
        return None;
    }
    let mut ok = true;
    let mut targets = Vec::with_capacity(options.len());
    let mut weights = Vec::with_capacity(options.len());
    for (i, o) in options.iter().enumerate() {
        let here = list.index(i);
        let target = match (&o.service, &o.destination) {
            (Some(s), None) => names
                .service(cx, &here.key("service"), s)
                .map(CallTarget::Service),
            (None, Some(d)) => names
                .destination(cx, &here.key("destination"), d)
                .map(CallTarget::Destination),
            (Some(_), Some(_)) => {
                cx.error(&here, "give `service` or `destination`, not both");
                None
            }
            (None, None) => {
                cx.error(
                    &here,
                    "needs `service` (another service) or `destination` (an external one)",
                );
                None
            }
        };
        ok &= target.is_some();
        targets.push(target.unwrap_or(CallTarget::Service(0)));
        let weight = match (o.weight, &o.matches) {
            (Some(_), Some(_)) => {
                cx.error(
                    &here.key("weight"),
                    "does not apply to an option with `match`: it takes every request its rule \
                     matches; weights split the rest among the options without `match`",
                );
                ok = false;
                0.0
            }
            (None, Some(_)) => 0.0,
            (Some(w), None) if !(w.is_finite() && w >= 0.0) => {
                cx.error(
                    &here.key("weight"),
                    format!("must be a finite number, at least 0, got {w}"),
                );
                ok = false;
                0.0
            }
            (w, None) => w.unwrap_or(crate::scenario::defaults::CHOICE_WEIGHT),
        };
        weights.push(weight);
    }
    let unmatched: Vec<usize> = (0..options.len())
        .filter(|&i| options[i].matches.is_none())
        .collect();
    let total: f64 = unmatched.iter().map(|&i| weights[i]).sum();
    if unmatched.is_empty() {
        cx.error(
            &list,
            "needs an option without `match`, for the requests no rule matches",
        );
        ok = false;
    } else if total <= 0.0 && ok {
        let given: Vec<String> = unmatched
            .iter()
            .map(|&i| format!("{}", weights[i]))
            .collect();
        cx.error(
            &list,
            format!(
                "the weights of the options without `match` must not all be 0 (got {}): the \
                 requests no rule matches would have nowhere to go",
                given.join(", ")
            ),
        );
        ok = false;
    }
    let classes = &names.classes;
    let rules: Vec<(usize, &MatchRule)> = options
        .iter()
        .enumerate()
        .filter_map(|(i, o)| Some((i, o.matches.as_ref()?)))
        .collect();
    let by_option = first_match(cx, &rules, |i| list.index(i), classes);
    // The first option's call stands for the call's shared fields (checked once).
    let first = call_with_target(cx, p, c, targets[0]);
    if !ok {
        return None;
    }
    let start = calls.len();
    let mut weighted = Vec::new();
    let mut acc = 0.0;
    for &i in &unmatched {
        if weights[i] > 0.0 {
            acc += weights[i] / total;
            weighted.push((start + i, acc));
        }
    }
    if let Some(last) = weighted.last_mut() {
        last.1 = 1.0;
    }
    // The share of requests that take each option, for the capacity arithmetic.
    let class_shares: Vec<f64> = if classes.is_empty() {
        vec![1.0]
    } else {
        classes.iter().map(|c| c.share).collect()
    };
    let mut share = vec![0.0; options.len()];
    for (k, class_share) in class_shares.iter().enumerate() {
        match by_option.get(k).copied().flatten() {
            Some(i) => share[i] += class_share,
            None => {
                for &i in &unmatched {
                    share[i] += class_share * weights[i] / total;
                }
            }
        }
    }
    for (i, &target) in targets.iter().enumerate() {
        calls.push(Call {
            target,
            probability: first.probability * share[i],
            ..first.clone()
        });
    }
    Some(Choice {
        calls: start..calls.len(),
        probability: first.probability,
        by_class: by_option.iter().map(|o| o.map(|i| start + i)).collect(),
        weighted,
        slot: 0,
    })
}

/// The fan-out groups of the file's entries (`groups`, ranges of entries) as ranges of the
/// model's calls (`spans`: the calls of each entry).
pub(super) fn map_fan_outs(groups: Vec<FanOut>, spans: &[Range<usize>]) -> Vec<FanOut> {
    groups
        .into_iter()
        .map(|g| FanOut {
            calls: spans[g.calls.start].start..spans[g.calls.end - 1].end,
            label: g.label,
        })
        .filter(|g| !g.calls.is_empty())
        .collect()
}

/// Numbers the options of every choice, in service then call order ([`Choice::slot`]); an
/// error when there are more than [`MAX_ROUTES`].
pub(super) fn number_options(cx: &mut Cx<'_>, services: &mut [Service]) {
    let mut slot = 0;
    for svc in services.iter_mut() {
        for c in &mut svc.choices {
            c.slot = slot;
            slot += c.calls.len();
        }
    }
    if slot > MAX_ROUTES {
        cx.error(
            &FieldPath::root().key("services"),
            format!(
                "the `choose` lists have {slot} options in all; at most {MAX_ROUTES} are \
                 allowed (a call carries its option in 16 bits)"
            ),
        );
    }
}

/// A warning for each service whose plain calls look like a split written as independent
/// calls: calls with probabilities below 1 that sum to 1 (0.9 and 0.1), or two such calls to
/// targets named like versions of one service (`pay-v1`, `pay-v2`). Independent calls are
/// made independently: with 0.9 and 0.1, 9% of requests make both and 9% neither.
pub(super) fn independent_splits(cx: &mut Cx<'_>, services: &[ServiceTable]) -> Vec<Diagnostic> {
    let list = FieldPath::root().key("services");
    let mut out = Vec::new();
    for (s, svc) in services.iter().enumerate() {
        let calls: Vec<(usize, &str, f64)> = svc
            .calls
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, c)| {
                let p = c.probability?;
                let target = c.service.as_deref().or(c.destination.as_deref())?;
                (p > 0.0 && p < 1.0 && c.choose.is_none()).then_some((j, target, p))
            })
            .collect();
        let sum: f64 = calls.iter().map(|c| c.2).sum();
        let group: Vec<&(usize, &str, f64)> = if calls.len() >= 2 && (sum - 1.0).abs() <= 0.005 {
            calls.iter().collect()
        } else {
            let mut pair = Vec::new();
            'outer: for (a, x) in calls.iter().enumerate() {
                for y in &calls[a + 1..] {
                    if stem(x.1) == stem(y.1) && x.1 != y.1 {
                        pair = vec![x, y];
                        break 'outer;
                    }
                }
            }
            pair
        };
        if group.len() < 2 {
            continue;
        }
        let both: f64 = group.iter().map(|c| c.2).product();
        let neither: f64 = group.iter().map(|c| 1.0 - c.2).product();
        let named: Vec<String> = group
            .iter()
            .map(|(j, t, p)| format!("calls[{j}] to `{t}` ({p})"))
            .collect();
        let example: Vec<String> = group
            .iter()
            .map(|(j, t, p)| {
                let key = match svc.calls.iter().flatten().nth(*j) {
                    Some(c) if c.destination.is_some() => "destination",
                    _ => "service",
                };
                let weight = (p * 1000.0).round() / 10.0;
                format!("{{ {key} = \"{t}\", weight = {weight} }}")
            })
            .collect();
        let (all, none) = if group.len() == 2 {
            ("both", "neither")
        } else {
            ("all of them", "none")
        };
        out.push(
            cx.warning(
                &list
                    .index(s)
                    .key("calls")
                    .index(group[0].0)
                    .key("probability"),
                format!(
                    "{} are made independently: {:.1}% of requests make {all} and {:.1}% {none}; \
                 for a canary or A/B split, where each request calls exactly one, write one \
                 call with `choose = [{}]`",
                    named.join(" and "),
                    both * 100.0,
                    neither * 100.0,
                    example.join(", ")
                ),
            ),
        );
    }
    out
}

/// A target name without a version suffix (`-v2`, `-canary`, `-stable`, `-blue`, `-green`),
/// to tell names that look like versions of one service.
fn stem(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    for suffix in [
        "-canary", "-stable", "-blue", "-green", "-next", "-old", "-new",
    ] {
        if lower.ends_with(suffix) {
            return &name[..name.len() - suffix.len()];
        }
    }
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.len() < name.len() {
        let t = trimmed.trim_end_matches(['v', 'V']);
        return t.trim_end_matches(['-', '_', '.']);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn version_suffixes_share_a_stem() {
        assert_eq!(stem("payments-v1"), "payments");
        assert_eq!(stem("payments-v2"), "payments");
        assert_eq!(stem("payments-canary"), "payments");
        assert_eq!(stem("payments"), "payments");
        assert_eq!(stem("api2"), "api");
        assert_ne!(stem("orders"), stem("payments"));
    }
}
