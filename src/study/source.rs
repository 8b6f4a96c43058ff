//! A scenario file as the source of a study: its text, its TOML value, the checked scenario as
//! written, its `[[variants]]` and its `[sweep]`.
//!
//! [`Source::load`] checks everything a study will run before anything runs: the scenario as
//! written, then each variant (its overrides applied to the TOML value and the result resolved
//! again), then each sweep point. A problem in a variant is reported at the variant's line,
//! with the variant's name: `compare-ingress.toml:52:1: ingress.knd: variant `nginx`: unknown
//! field …`. Overrides are applied to the TOML value, not to the checked scenario, so a variant
//! is exactly the file one would get by editing those fields by hand.
//!
//! A variant edits the file in three ways, applied in this order: `remove` (a list of field
//! paths to delete — TOML has no null), `merge` (a patch merged as in JSON Merge Patch, RFC
//! 7396: tables merge key by key, any other value replaces, arrays as a whole; a table under an
//! array of named tables merges into the element of that name) and `set` (a value per field
//! path, replacing what is there). Overrides from the command line (`--set`, `--duration`) are
//! applied last, on top of every variant, and problems they cause name the flag.

use std::path::Path;

use crate::scenario::{self, Diagnostic, Scenario, ScenarioError, SweepTable, VariantTable};
use crate::study::overrides::{self, Edit, FieldPath, FlagOverride, Override};
use crate::study::sweep::Sweep;

/// Sections that describe the study rather than the scenario; left out when a variant or a
/// sweep point is resolved.
const STUDY_SECTIONS: [&str; 2] = ["variants", "sweep"];

/// A 1-based line and column in the file.
pub type Place = Option<(usize, usize)>;

/// One `[[variants]]` entry, checked.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Its name.
    pub name: String,
    /// Its edits, in the order they apply: removals, then the merge's values, then `set`
    /// (each sorted by path).
    pub edits: Vec<Edit>,
    /// Where its `name` is written.
    place: Place,
    /// Where each edit is written.
    edit_places: Vec<Place>,
}

impl Variant {
    /// The 1-based line and column where its `name` is written, if known.
    pub fn place(&self) -> Place {
        self.place
    }
}

/// A loaded, checked scenario file.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file name as given, used in messages.
    pub origin: String,
    /// The text as written (after a comment listing the command line's overrides, if any).
    pub text: String,
    /// The scenario as written (without variants).
    pub base: Scenario,
    /// The variants, in file order (empty without `[[variants]]`).
    pub variants: Vec<Variant>,
    /// The file's `[sweep]`, if any.
    pub sweep: Option<Sweep>,
    /// The TOML value without the study sections.
    table: toml::Table,
    /// Overrides from the command line, applied on top of the file and of every variant.
    flags: Vec<FlagOverride>,
}

impl Source {
    /// Reads and checks the file at `path`, its variants and its sweep.
    pub fn load(path: &Path) -> Result<Source, ScenarioError> {
        Source::load_with(path, &[])
    }

    /// Reads and checks the file at `path` with the command line's overrides `flags` on top
    /// (of the file and of each variant and sweep point).
    pub fn load_with(path: &Path, flags: &[FlagOverride]) -> Result<Source, ScenarioError> {
        let origin = path.display().to_string();
        let text = scenario::read_text(path)?;
        Source::parse_with(&text, &origin, flags)
    }

    /// Checks the scenario in `text` (named `origin` in messages), its variants and its sweep.
    pub fn parse(text: &str, origin: &str) -> Result<Source, ScenarioError> {
        Source::parse_with(text, origin, &[])
    }

    /// [`Source::parse`] with the command line's overrides `flags` on top.
    pub fn parse_with(
        text: &str,
        origin: &str,
        flags: &[FlagOverride],
    ) -> Result<Source, ScenarioError> {
        let base = scenario::parse(text, origin)?;
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| error(origin, None, "", e.message().to_string()))?;
        let raw_variants: Vec<VariantTable> = take(&mut table, "variants", origin)?;
        let raw_sweep: Option<SweepTable> = take(&mut table, "sweep", origin)?;
        let mut source = Source {
            origin: origin.to_string(),
            text: with_flags(text, flags),
            base,
            variants: Vec::new(),
            sweep: None,
            table,
            flags: flags.to_vec(),
        };
        if !flags.is_empty() {
            source.base = source.resolve(&[], "", &[], None)?;
        }
        let places = Places::find(text);
        let mut diagnostics = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (i, raw) in raw_variants.into_iter().enumerate() {
            let name = raw.name.trim().to_string();
            if names.contains(&name) {
                let place = places.variants.get(i).and_then(|p| p.name);
                diagnostics.push(diagnostic(
                    origin,
                    place,
                    &format!("variants[{i}].name"),
                    format!("variant `{name}` is given twice; each variant needs its own name"),
                ));
                continue;
            }
            names.push(name);
            match source.variant(i, raw, &places) {
                Ok(v) => source.variants.push(v),
                Err(mut d) => diagnostics.append(&mut d),
            }
        }
        if let Some(raw) = raw_sweep {
            let at = places.sweep;
            match Sweep::from_table(&raw) {
                Ok(sweep) => {
                    for value in &sweep.values {
                        let point = sweep.point(value);
                        let context = format!("[sweep] point {}", point.describe());
                        if let Err(e) = source.resolve(&[point.into()], &context, &[], at) {
                            diagnostics.extend(e.diagnostics);
                            break;
                        }
                    }
                    source.sweep = Some(sweep);
                }
                Err(message) => diagnostics.push(diagnostic(origin, at, "sweep", message)),
            }
        }
        if diagnostics.is_empty() {
            Ok(source)
        } else {
            diagnostics.sort_by_key(|d| (d.line.is_none(), d.line, d.column));
            Err(ScenarioError { diagnostics })
        }
    }

    /// Variant `i`, checked: a name, paths that parse, overrides that apply and resolve.
    fn variant(
        &self,
        i: usize,
        raw: VariantTable,
        places: &Places,
    ) -> Result<Variant, Vec<Diagnostic>> {
        let place = places.variants.get(i).and_then(|p| p.name);
        let field = format!("variants[{i}]");
        let mut problems = Vec::new();
        let name = raw.name.trim().to_string();
        if name.is_empty() {
            problems.push(diagnostic(
                &self.origin,
                place,
                &format!("{field}.name"),
                "must not be empty".into(),
            ));
        }
        let mut edits = Vec::new();
        let mut edit_places = Vec::new();
        let here = places.variants.get(i);
        for (j, text) in raw.remove.unwrap_or_default().iter().enumerate() {
            let at = here
                .and_then(|p| p.removals.get(j).copied())
                .unwrap_or(place);
            match FieldPath::parse(text) {
                Ok(path) => {
                    edits.push(Edit::Remove(path));
                    edit_places.push(at);
                }
                Err(message) => problems.push(diagnostic(
                    &self.origin,
                    at,
                    &format!("{field}.remove[{j}]"),
                    format!("variant `{name}`: {message}"),
                )),
            }
        }
        let mut merged = Vec::new();
        overrides::flatten(
            &raw.merge.unwrap_or_default(),
            &FieldPath(Vec::new()),
            &mut merged,
        );
        let merge_at = here.and_then(|p| p.merge).or(place);
        for o in merged {
            edits.push(Edit::Set(o));
            edit_places.push(merge_at);
        }
        for (key, value) in raw.set.unwrap_or_default() {
            let written = here.and_then(|p| p.keys.iter().find(|k| k.key == key));
            let at = written.map_or(place, |k| k.place);
            if written.is_some_and(|k| k.dotted) {
                problems.push(diagnostic(
                    &self.origin,
                    at,
                    &format!("{field}.set"),
                    format!(
                        "variant `{name}`: `{key}.…` is written as an unquoted dotted key, which \
                         TOML reads as a nested table that would replace all of `{key}`; quote \
                         the whole path as one key, e.g. \"{key}.kind\" = …, or put it under \
                         [variants.merge] to merge it"
                    ),
                ));
                continue;
            }
            match FieldPath::parse(&key) {
                Ok(path) => {
                    edits.push(Edit::Set(Override { path, value }));
                    edit_places.push(at);
                }
                Err(message) => problems.push(diagnostic(
                    &self.origin,
                    at,
                    &format!("{field}.set"),
                    format!("variant `{name}`: {message}"),
                )),
            }
        }
        if problems.is_empty() {
            let context = format!("variant `{name}`");
            if let Err(e) = self.resolve(&edits, &context, &edit_places, place) {
                problems = e.diagnostics;
            }
        }
        if problems.is_empty() {
            Ok(Variant {
                name,
                edits,
                place,
                edit_places,
            })
        } else {
            Err(problems)
        }
    }

    /// The scenario of variant `v` (of this source).
    pub fn variant_scenario(&self, v: &Variant) -> Result<Scenario, ScenarioError> {
        let context = format!("variant `{}`", v.name);
        self.resolve(&v.edits, &context, &v.edit_places, v.place)
    }

    /// The scenario of variant `v` (or the scenario as written) with `extra` overrides on top,
    /// e.g. a sweep point or a capacity probe's rate.
    pub fn scenario_with(
        &self,
        v: Option<&Variant>,
        extra: &[Override],
        context: &str,
    ) -> Result<Scenario, ScenarioError> {
        let mut all: Vec<Edit> = v.map(|v| v.edits.clone()).unwrap_or_default();
        all.extend(extra.iter().cloned().map(Edit::from));
        let context = match v {
            Some(v) => format!("variant `{}`, {context}", v.name),
            None => context.to_string(),
        };
        self.resolve(&all, &context, &[], v.and_then(|v| v.place))
    }

    /// The scenario with `edits` applied to the TOML value, then the command line's
    /// overrides, then read and resolved as a file would be. Problems name `context`
    /// ("variant `nginx`", empty for the file as written) or the flag they come from, and are
    /// placed at the edit they concern (`places`, one per edit) or else at `at`; the scenario
    /// keeps the original text for the report.
    pub fn resolve(
        &self,
        edits: &[Edit],
        context: &str,
        places: &[Place],
        at: Place,
    ) -> Result<Scenario, ScenarioError> {
        let mut table = self.table.clone();
        let mut unfit = Vec::new();
        let flags = self
            .flags
            .iter()
            .map(|f| (Some(f.flag.as_str()), Edit::Set(f.set.clone())));
        let all: Vec<(Option<&str>, Edit)> = edits
            .iter()
            .map(|e| (None, e.clone()))
            .chain(flags)
            .collect();
        let label = |flag: Option<&str>, message: &str| match (context, flag) {
            ("", None) => message.to_string(),
            ("", Some(f)) => format!("{f}: {message}"),
            (c, None) => format!("{c}: {message}"),
            (c, Some(f)) => format!("{c}, {f}: {message}"),
        };
        for (i, (flag, e)) in all.iter().enumerate() {
            if let Err(message) = e.apply(&mut table) {
                let place = if flag.is_some() {
                    None
                } else {
                    places.get(i).copied().unwrap_or(at)
                };
                unfit.push(diagnostic(
                    &self.origin,
                    place,
                    &e.path().to_string(),
                    label(*flag, &message),
                ));
            }
        }
        if !unfit.is_empty() {
            return Err(ScenarioError { diagnostics: unfit });
        }
        let text = toml::to_string(&table).map_err(|e| {
            error(
                &self.origin,
                at,
                "",
                label(None, &format!("could not apply the overrides: {e}")),
            )
        })?;
        match scenario::parse(&text, &self.origin) {
            Ok(mut s) => {
                s.source_text = self.text.clone();
                Ok(s)
            }
            Err(e) => Err(ScenarioError {
                diagnostics: e
                    .diagnostics
                    .into_iter()
                    .map(|d| {
                        // The last edit of the field is the one that counts.
                        let which = all.iter().rposition(|(_, e)| {
                            concerns(&d.field, &overrides::indexed(&table, e.path()).to_string())
                        });
                        let flag = which.and_then(|i| all[i].0);
                        let place = match (which, flag) {
                            (_, Some(_)) => None,
                            (Some(i), None) => places.get(i).copied().unwrap_or(at),
                            (None, None) => at,
                        };
                        diagnostic(&self.origin, place, &d.field, label(flag, &d.message))
                    })
                    .collect(),
            }),
        }
    }
}

/// The file's text as the reports show it: as written, after a comment that lists the
/// command line's overrides when there are any, so a page never shows a file its results do
/// not come from.
fn with_flags(text: &str, flags: &[FlagOverride]) -> String {
    if flags.is_empty() {
        return text.to_string();
    }
    let mut out = String::from(
        "# Run with these overrides from the command line, on top of the file below (and of\n\
         # each variant):\n",
    );
    for f in flags {
        out.push_str(&format!("#   {}\n", f.flag));
    }
    out.push('\n');
    out.push_str(text);
    out
}

/// Whether the diagnostic about `field` concerns the override of `path` (the field itself or
/// something inside it).
fn concerns(field: &str, path: &str) -> bool {
    field == path
        || field
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
}

/// Removes the study section `key` from `table` and reads it (it was already checked by the
/// scenario's reader, so this fails only on a mismatch between the two).
fn take<T: serde::de::DeserializeOwned + Default>(
    table: &mut toml::Table,
    key: &str,
    origin: &str,
) -> Result<T, ScenarioError> {
    debug_assert!(STUDY_SECTIONS.contains(&key));
    match table.remove(key) {
        None => Ok(T::default()),
        Some(v) => v
            .try_into()
            .map_err(|e: toml::de::Error| error(origin, None, key, e.message().to_string())),
    }
}

fn diagnostic(origin: &str, place: Place, field: &str, message: String) -> Diagnostic {
    Diagnostic {
        file: origin.to_string(),
        line: place.map(|p| p.0),
        column: place.map(|p| p.1),
        field: field.to_string(),
        message,
    }
}

fn error(origin: &str, place: Place, field: &str, message: String) -> ScenarioError {
    ScenarioError {
        diagnostics: vec![diagnostic(origin, place, field, message)],
    }
}

/// Where the study sections are written, for messages.
#[derive(Default)]
struct Places {
    /// Per variant: its `name` key and each `set` key.
    variants: Vec<VariantPlaces>,
    /// The `[sweep]` header.
    sweep: Place,
}

#[derive(Default)]
struct VariantPlaces {
    name: Place,
    keys: Vec<SetKey>,
    /// Each `remove` entry.
    removals: Vec<Place>,
    /// The `merge` key.
    merge: Place,
}

/// A key of a variant's `set` table as written.
struct SetKey {
    key: String,
    place: Place,
    /// Written as `a.b = …` (a nested table in TOML), not `"a.b" = …`.
    dotted: bool,
}

impl Places {
    fn find(text: &str) -> Places {
        let Ok(doc) = toml::de::DeTable::parse(text) else {
            return Places::default();
        };
        let root = doc.get_ref();
        let at = |span: std::ops::Range<usize>| Some(line_col(text, span.start));
        let mut places = Places::default();
        if let Some((key, _)) = root.get_key_value("sweep") {
            places.sweep = at(key.span());
        }
        let Some(items) = root.get("variants").and_then(|v| v.get_ref().as_array()) else {
            return places;
        };
        for item in items.iter() {
            let mut p = VariantPlaces {
                name: at(item.span()),
                ..VariantPlaces::default()
            };
            if let Some(t) = item.get_ref().as_table() {
                if let Some((key, _)) = t.get_key_value("name") {
                    p.name = at(key.span());
                }
                if let Some((key, _)) = t.get_key_value("merge") {
                    p.merge = at(key.span());
                }
                if let Some(list) = t.get("remove").and_then(|r| r.get_ref().as_array()) {
                    p.removals = list.iter().map(|v| at(v.span())).collect();
                }
                if let Some(set) = t.get("set").and_then(|s| s.get_ref().as_table()) {
                    for (key, _) in set.iter() {
                        let after = text.get(key.span().end..).unwrap_or_default();
                        p.keys.push(SetKey {
                            key: key.get_ref().to_string(),
                            place: at(key.span()),
                            dotted: after.trim_start_matches([' ', '\t']).starts_with('.'),
                        });
                    }
                }
            }
            places.variants.push(p);
        }
        places
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}
