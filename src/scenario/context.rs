//! The checking context: collects every diagnostic of one file, each placed by its field path.
//!
//! Validation never stops at the first problem: it records a diagnostic, carries on with a
//! placeholder value, and [`Cx::finish`] turns the lot into one [`ScenarioError`] in file order.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::dist_spec::DistSpec;
use super::error::{Diagnostic, ScenarioError, list, plain_types, suggestion, with_suggestion};
use super::limits::{MAX_REPEATED_ERRORS, grouped};
use super::locate::{FieldPath, LineIndex, Seg, path_in, span_of, value_at};
use super::units::HumanDuration;
use crate::engine::{Dist, SimDuration};

/// The file being checked and the problems found so far.
pub(crate) struct Cx<'a> {
    file: &'a str,
    text: &'a str,
    root: Option<&'a DeTable<'a>>,
    lines: LineIndex,
    diagnostics: Vec<Diagnostic>,
    /// The field path of each diagnostic with its array indices blanked (`clients.profile[…].rps`),
    /// for counting repeats.
    kinds: Vec<String>,
}

impl<'a> Cx<'a> {
    /// A context for `text`, named `file` in messages; `root` is its parsed tree, if it parsed.
    pub(crate) fn new(file: &'a str, text: &'a str, root: Option<&'a DeTable<'a>>) -> Self {
        Cx {
            file,
            text,
            root,
            lines: LineIndex::new(text),
            diagnostics: Vec::new(),
            kinds: Vec::new(),
        }
    }

    /// The parsed document.
    pub(crate) fn root(&self) -> Option<&'a DeTable<'a>> {
        self.root
    }

    /// Records a problem at `span` (when known) concerning the field at `path` (named `field`).
    fn push(
        &mut self,
        span: Option<Range<usize>>,
        path: Option<&FieldPath>,
        field: String,
        message: String,
    ) {
        let (line, column) = match span.map(|s| self.lines.line_col(self.text, s.start)) {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        // toml's messages may span lines; a diagnostic is one line.
        let message = message.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let kind = path.map_or_else(|| field.clone(), kind_of);
        self.kinds.push(kind);
        self.diagnostics.push(Diagnostic {
            file: self.file.to_string(),
            line,
            column,
            field,
            message,
        });
    }

    /// Records a problem with the field at `path`, placed at `span` (a value's own place).
    pub(crate) fn error_at(
        &mut self,
        span: Range<usize>,
        path: &FieldPath,
        message: impl Into<String>,
    ) {
        self.push(Some(span), Some(path), path.to_string(), message.into());
    }

    /// Records a problem with the field at `path`, placed at its key (or nearest written
    /// ancestor).
    pub(crate) fn error(&mut self, path: &FieldPath, message: impl Into<String>) {
        let span = self.root.and_then(|r| span_of(r, path));
        self.push(span, Some(path), path.to_string(), message.into());
    }

    /// A warning about the field at `path`, placed like an error but not recorded as one: the
    /// scenario still loads.
    pub(crate) fn warning(&mut self, path: &FieldPath, message: impl Into<String>) -> Diagnostic {
        self.error(path, message);
        self.kinds.pop();
        self.diagnostics
            .pop()
            .expect("error() has just pushed a diagnostic")
    }

    /// Records an error reported by toml (syntax, type, unknown key), naming the field its
    /// offset falls in and adding a did-you-mean to unknown keys and values. `scope` is the
    /// value being read and its path (a section or one `[[array]]` element), searched for the
    /// field; `None` for a syntax error of the whole file.
    pub(crate) fn toml_error(
        &mut self,
        e: &toml::de::Error,
        scope: Option<(&DeValue<'_>, &FieldPath)>,
    ) {
        let mut span = e.span();
        let path = match (scope, &span) {
            (Some((value, here)), Some(s)) => Some(path_in(value, here, s.start)),
            (Some((_, here)), None) => Some(here.clone()),
            _ => None,
        };
        let mut message = plain_types(&with_suggestion(e.message()));
        // A syntax error's span is the offending text; for a duplicate key, that is its name.
        if let (None, Some(s), "duplicate key") = (self.root, &span, message.as_str())
            && let Some(key) = self.text.get(s.clone()).filter(|k| !k.contains('\n'))
        {
            message = format!("duplicate key `{key}`: each key may appear once per table");
        }
        if message == "recursion limit" && span.is_none() {
            let (at, depth) = super::nesting::deepest(self.text);
            span = Some(at..at);
            message = format!(
                "tables, arrays or dotted keys nested too deeply here ({depth} levels): toml \
                 reads at most {} levels",
                super::nesting::TOML_LIMIT
            );
        }
        if let (Some(root), Some(p)) = (self.root, &path) {
            message = self.clearer(root, p, message);
        }
        let field = path.as_ref().map(ToString::to_string).unwrap_or_default();
        self.push(span, path.as_ref(), field, message);
    }

    /// toml's type errors in the file's terms: a date-time is not "a map", and an array of
    /// tables (`[[clients]]`) where one table is expected is named as such.
    fn clearer(&self, root: &DeTable<'_>, path: &FieldPath, message: String) -> String {
        let Some(rest) = message.strip_prefix("invalid type: map, ") else {
            return message;
        };
        if let Some(DeValue::Datetime(d)) = value_at(root, path) {
            return format!("invalid type: date-time `{d}`, {rest}");
        }
        let parent = FieldPath(path.0[..path.0.len().saturating_sub(1)].to_vec());
        if let (Some(Seg::Index(0)), Some(Seg::Key(name))) = (path.0.last(), parent.0.last())
            && let Some(DeValue::Array(items)) = value_at(root, &parent)
            && items.iter().all(|i| i.get_ref().is_table())
        {
            return format!(
                "invalid type: an array of tables, {rest}; if `{name}` is one table, write \
                 `[{parent}]`, not `[[{parent}]]`"
            );
        }
        message
    }

    /// Whether any problem has been recorded.
    pub(crate) fn has_errors(&self) -> bool {
        !self.diagnostics.is_empty()
    }

    /// `value` if no problem was recorded, else every problem in file order.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ScenarioError> {
        if self.diagnostics.is_empty() {
            Ok(value)
        } else {
            Err(self.into_error())
        }
    }

    /// Every problem recorded, in file order: placed ones by position, then the others; the
    /// sort is stable, so ties keep the order in which they were found.
    /// Diagnostics of one kind (the same field in every element of a list) beyond
    /// [`MAX_REPEATED_ERRORS`] are counted in one line after the last one shown: "… and 79,990
    /// more like this".
    pub(crate) fn into_error(self) -> ScenarioError {
        let mut all: Vec<(Diagnostic, String)> =
            self.diagnostics.into_iter().zip(self.kinds).collect();
        all.sort_by_key(|(d, _)| (d.line.is_none(), d.line, d.column));
        let mut total: HashMap<&str, usize> = HashMap::new();
        for (_, kind) in &all {
            *total.entry(kind.as_str()).or_default() += 1;
        }
        let mut shown: HashMap<&str, usize> = HashMap::new();
        let mut diagnostics = Vec::new();
        for (d, kind) in &all {
            let seen = shown.entry(kind.as_str()).or_default();
            *seen += 1;
            if *seen > MAX_REPEATED_ERRORS {
                continue;
            }
            diagnostics.push(d.clone());
            let more = total[kind.as_str()] - *seen;
            if *seen == MAX_REPEATED_ERRORS && more > 0 {
                diagnostics.push(Diagnostic {
                    file: d.file.clone(),
                    line: None,
                    column: None,
                    field: kind.clone(),
                    message: format!("… and {} more like this", grouped(more)),
                });
            }
        }
        ScenarioError { diagnostics }
    }

    // ── Checks shared by the sections ────────────────────────────────────────────────────────

    /// The distribution at `path`, or `default` when absent; a placeholder after an error.
    pub(crate) fn dist(
        &mut self,
        path: &FieldPath,
        spec: Option<&DistSpec>,
        default: Dist,
    ) -> Dist {
        let Some(spec) = spec else { return default };
        spec.to_dist().unwrap_or_else(|e| {
            let at = e.at.iter().fold(path.clone(), |p, k| p.key(k));
            self.error(&at, e.message);
            default
        })
    }

    /// A share or probability in [0, 1], or `default` when absent.
    pub(crate) fn share(&mut self, path: &FieldPath, value: Option<f64>, default: f64) -> f64 {
        let Some(v) = value else { return default };
        if !(0.0..=1.0).contains(&v) {
            self.error(path, format!("must be between 0 and 1, got {v}"));
            return default;
        }
        v
    }

    /// A finite number above zero, or `default` when absent.
    pub(crate) fn positive_number(
        &mut self,
        path: &FieldPath,
        value: Option<f64>,
        default: f64,
    ) -> f64 {
        let Some(v) = value else { return default };
        if !(v.is_finite() && v > 0.0) {
            self.error(path, format!("must be a number above 0, got {v}"));
            return default;
        }
        v
    }

    /// A count of at least `min`, or `default` when absent.
    pub(crate) fn at_least(
        &mut self,
        path: &FieldPath,
        value: Option<u32>,
        min: u32,
        default: u32,
    ) -> u32 {
        let Some(v) = value else { return default };
        if v < min {
            self.error(path, format!("must be at least {min}, got {v}"));
            return default;
        }
        v
    }

    /// `value` capped at `max`: a value above it is an error naming the bound and `why` it is
    /// there (see [`super::limits`]), and is replaced by `max` so that nothing after the check
    /// works on a huge number.
    pub(crate) fn at_most(
        &mut self,
        path: &FieldPath,
        value: Option<u32>,
        max: u32,
        why: &str,
    ) -> Option<u32> {
        let v = value?;
        if v > max {
            self.error(
                path,
                format!("must be at most {} ({why}), got {v}", grouped(max as usize)),
            );
            return Some(max);
        }
        Some(v)
    }

    /// A duration longer than zero, or `default` when absent.
    pub(crate) fn positive(
        &mut self,
        path: &FieldPath,
        value: Option<HumanDuration>,
        default: SimDuration,
    ) -> SimDuration {
        match value {
            Some(HumanDuration(d)) if d == SimDuration::ZERO => {
                self.error(path, "must be longer than 0, got 0s");
                default
            }
            Some(HumanDuration(d)) => d,
            None => default,
        }
    }

    /// Reports each set field that does not apply to the table's `kind` (`defaulted` when the
    /// file leaves `kind` out): `fields` holds each field's name, whether it is set, and the
    /// kinds it applies to.
    pub(crate) fn only_for_kinds(
        &mut self,
        table: &FieldPath,
        kind: &str,
        defaulted: bool,
        fields: &[(&str, bool, &[&str])],
    ) {
        let note = if defaulted { " (the default)" } else { "" };
        for &(field, set, kinds) in fields {
            if set && !kinds.contains(&kind) {
                let allowed = kinds.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>();
                let allowed = match allowed.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} or {last}", rest.join(", "))
                    }
                    _ => allowed.join(""),
                };
                self.error(
                    &table.key(field),
                    format!(
                        "`{field}` applies only to kind = {allowed}, not to kind = \"{kind}\"{note}"
                    ),
                );
            }
        }
    }

    /// The index of `given` among `names` (of what `what` names, e.g. "service"), or a
    /// diagnostic with a did-you-mean and the names that exist. `elsewhere` names another kind of
    /// thing the same name might be, for a pointed hint (a destination given as a service).
    pub(crate) fn lookup(
        &mut self,
        path: &FieldPath,
        what: &str,
        given: &str,
        names: &[String],
        elsewhere: Option<(&str, &[String])>,
    ) -> Option<usize> {
        if let Some(i) = names.iter().position(|n| n == given) {
            return Some(i);
        }
        let mut message = format!("no {what} named `{given}`");
        match elsewhere {
            Some((other, others)) if others.iter().any(|n| n == given) => {
                message += &format!("; `{given}` is {other}");
            }
            _ => {
                message += &suggestion(given, names.iter().map(String::as_str));
                if names.is_empty() {
                    message += &format!("; there are no {what}s");
                } else {
                    message += &format!(" (known: {})", list(names.iter().map(String::as_str)));
                }
            }
        }
        self.error(path, message);
        None
    }
}

/// A field path with its array indices blanked: the kind of a diagnostic, for counting
/// repeats (`clients.profile[7].rps` → `clients.profile[…].rps`).
fn kind_of(path: &FieldPath) -> String {
    path.to_string()
        .split('[')
        .enumerate()
        .map(|(i, part)| match (i, part.split_once(']')) {
            (0, _) | (_, None) => part.to_string(),
            (_, Some((_, rest))) => format!("[…]{rest}"),
        })
        .collect()
}
