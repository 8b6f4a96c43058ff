//! Overrides: a field path of the scenario file and a new value, applied to the file's TOML
//! value before it is resolved, so every check of the scenario still applies.
//!
//! A path is written like the field paths in error messages: keys joined by `.`, array
//! elements as `[i]` counted from 0, keys that are not plain words in double quotes —
//! `clients.rate`, `ingress.kind`, `services[0].pods."2"` (a bare `services[0].pods.2` works
//! too). Applying an override replaces the value at the path; tables on the way are created
//! when the file leaves them out (`ingress.kind` on a file without `[ingress]`), but array
//! elements must exist. A key the scenario does not know is reported by the scenario's own
//! reader (unknown field, with a did-you-mean) once the override is in place.

pub use crate::scenario::{FieldPath, Seg};

/// A field path and the value it is set to.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Where.
    pub path: FieldPath,
    /// The new value.
    pub value: toml::Value,
}

/// One change a variant (or the command line) makes to the file's TOML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Set the value at a path (`set`, a leaf of `merge`, `--set`, a sweep point).
    Set(Override),
    /// Remove the key or array element at a path (`remove`).
    Remove(FieldPath),
}

impl Edit {
    /// The path it changes.
    pub fn path(&self) -> &FieldPath {
        match self {
            Edit::Set(o) => &o.path,
            Edit::Remove(p) => p,
        }
    }

    /// `clients.rate = 500` or `remove egress.zone`, for messages and reports.
    pub fn describe(&self) -> String {
        match self {
            Edit::Set(o) => o.describe(),
            Edit::Remove(p) => format!("remove {p}"),
        }
    }

    /// Applies it to `root`; the error names the part of the path that does not fit.
    pub fn apply(&self, root: &mut toml::Table) -> Result<(), String> {
        match self {
            Edit::Set(o) => o.apply(root),
            Edit::Remove(p) => remove(root, p),
        }
    }
}

impl From<Override> for Edit {
    fn from(o: Override) -> Edit {
        Edit::Set(o)
    }
}

/// A merge patch (RFC 7396 in TOML) as the overrides it amounts to: every value that is not a
/// table is set at its path (an array replaces the whole array); a table is walked into, so
/// it merges with the table (or the named array element) it lands on. An empty table is set
/// as it is. `at` is where `patch` applies (the root: empty).
pub fn flatten(patch: &toml::Table, at: &FieldPath, out: &mut Vec<Override>) {
    for (k, v) in patch {
        let mut path = at.clone();
        path.0.push(Seg::Key(k.clone()));
        match v {
            toml::Value::Table(t) if !t.is_empty() => flatten(t, &path, out),
            _ => out.push(Override {
                path,
                value: v.clone(),
            }),
        }
    }
}

/// `path` as the scenario's reader names fields: array elements named by their `name`
/// (`services.web`) given as their index (`services[0]`), as found in `root`. Steps that do
/// not resolve are kept as written.
pub fn indexed(root: &toml::Table, path: &FieldPath) -> FieldPath {
    let mut out = Vec::with_capacity(path.0.len());
    let mut here: Option<&toml::Value> = None;
    for (i, seg) in path.0.iter().enumerate() {
        let next = match (i, here, seg) {
            (0, _, Seg::Key(k)) => root.get(k),
            (_, Some(toml::Value::Table(t)), Seg::Key(k)) => t.get(k),
            (_, Some(toml::Value::Array(a)), Seg::Key(k)) => {
                match a
                    .iter()
                    .position(|v| v.get("name").and_then(|n| n.as_str()) == Some(k))
                {
                    Some(n) => {
                        out.push(Seg::Index(n));
                        here = a.get(n);
                        continue;
                    }
                    None => None,
                }
            }
            (_, Some(toml::Value::Array(a)), Seg::Index(n)) => a.get(*n),
            _ => None,
        };
        out.push(seg.clone());
        here = next;
    }
    FieldPath(out)
}

/// An override given on the command line (`--set PATH=VALUE`, `--duration D`), with the
/// flag as written, which messages about it name.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagOverride {
    /// The flag as written: `--set services.web.concurrency=40`.
    pub flag: String,
    /// What it sets.
    pub set: Override,
}

impl FlagOverride {
    /// Parses `PATH=VALUE` (`--set`). The value is read as a TOML value (`6`, `"nginx"`,
    /// `{ "1" = 2 }`, `["1", "2"]`); text that is not one is taken as a string, so
    /// `ingress.kind=nginx` and `clients.timeout=5s` need no quotes.
    pub fn parse_set(text: &str) -> Result<FlagOverride, String> {
        let Some((path, value)) = text.split_once('=') else {
            return Err(format!(
                "expected PATH=VALUE such as `services.web.concurrency=40` or \
                 `ingress.kind=nginx`, got `{text}`"
            ));
        };
        let path = FieldPath::parse(path)?;
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("`{path}` needs a value after `=`"));
        }
        let value = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        Ok(FlagOverride {
            flag: format!("--set {text}"),
            set: Override { path, value },
        })
    }

    /// `--duration D`: sets `simulation.duration`, checked like the file's.
    pub fn duration(text: &str) -> FlagOverride {
        FlagOverride {
            flag: format!("--duration {text}"),
            set: Override {
                path: FieldPath(vec![
                    Seg::Key("simulation".into()),
                    Seg::Key("duration".into()),
                ]),
                value: toml::Value::String(text.to_string()),
            },
        }
    }
}

/// What a TOML value is, for messages: "a number", "a table", …
fn kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) | toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

impl Override {
    /// `clients.rate = 500`, for messages.
    pub fn describe(&self) -> String {
        format!("{} = {}", self.path, self.value)
    }

    /// Sets the value in `root`; the error names the part of the path that does not fit.
    pub fn apply(&self, root: &mut toml::Table) -> Result<(), String> {
        match locate(root, &self.path, true)? {
            Place::Key(t, k) => {
                t.insert(k, self.value.clone());
            }
            Place::Element(a, n) => a[n] = self.value.clone(),
        }
        Ok(())
    }
}

/// Removes the key or array element at `path` from `root`; removing what the file does not
/// have is an error (a typo would otherwise change nothing, silently).
pub fn remove(root: &mut toml::Table, path: &FieldPath) -> Result<(), String> {
    match locate(root, path, false)? {
        Place::Key(t, k) => {
            if t.remove(&k).is_none() {
                return Err(format!(
                    "`{path}` is not in the file, so there is nothing to remove"
                ));
            }
        }
        Place::Element(a, n) => {
            a.remove(n);
        }
    }
    Ok(())
}

/// The last step of a path: a key of a table (present or not) or an existing array element.
enum Place<'a> {
    Key(&'a mut toml::Table, String),
    Element(&'a mut Vec<toml::Value>, usize),
}

/// Walks `path` in `root` to its last step. Tables on the way are created when `create` (so
/// `ingress.kind` works on a file without `[ingress]`); array elements must exist, by index
/// (`services[0]`) or by name (`services.web`: the element whose `name` is `web`).
fn locate<'a>(
    root: &'a mut toml::Table,
    path: &FieldPath,
    create: bool,
) -> Result<Place<'a>, String> {
    let segs = &path.0;
    let Some(Seg::Key(_)) = segs.first() else {
        return Err(format!("`{path}` must start with a key"));
    };
    let mut here = Slot::Table(root);
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let parent = path.prefix(i);
        here = match (here, seg) {
            (Slot::Table(t), Seg::Key(k)) => {
                if last {
                    return Ok(Place::Key(t, k.clone()));
                }
                if !t.contains_key(k) {
                    let next_is_index = matches!(segs[i + 1], Seg::Index(_));
                    if next_is_index || !create {
                        return Err(format!(
                            "`{}` is not in the file, so it has no `{}`",
                            path.prefix(i + 1),
                            FieldPath(segs[i + 1..].to_vec())
                        ));
                    }
                }
                let v = t
                    .entry(k.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                Slot::of(v)
            }
            (Slot::Array(a), Seg::Index(n)) => {
                let len = a.len();
                if *n >= len {
                    return Err(format!(
                        "`{parent}` has {len} element{} (counted from 0), so [{n}] does not exist",
                        if len == 1 { "" } else { "s" }
                    ));
                }
                if last {
                    return Ok(Place::Element(a, *n));
                }
                Slot::of(&mut a[*n])
            }
            (Slot::Array(a), Seg::Key(k)) => {
                let names: Vec<String> = a
                    .iter()
                    .filter_map(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
                    .collect();
                let Some(n) = names
                    .iter()
                    .position(|n| n == k)
                    .filter(|_| names.len() == a.len())
                else {
                    if names.is_empty() {
                        return Err(format!(
                            "`{parent}` is an array whose elements have no `name`: name an element \
                             by its index before `{k}`, e.g. `{parent}[0].{k}`"
                        ));
                    }
                    return Err(format!(
                        "`{parent}` has no element named `{k}`; its names are {}{} (or give an \
                         index, e.g. `{parent}[0]`)",
                        crate::scenario::error_list(names.iter().map(String::as_str)),
                        crate::scenario::error_suggestion(k, names.iter().map(String::as_str)),
                    ));
                };
                if last {
                    return Ok(Place::Element(a, n));
                }
                Slot::of(&mut a[n])
            }
            (Slot::Table(_), Seg::Index(n)) => {
                return Err(format!(
                    "`{parent}` is a table, not an array, so [{n}] does not apply"
                ));
            }
            (Slot::Leaf(what), _) => {
                return Err(format!(
                    "`{parent}` is {what}, so `{path}` cannot be inside it"
                ));
            }
        };
    }
    unreachable!("a path has at least one step")
}

/// Where a path step lands.
enum Slot<'a> {
    Table(&'a mut toml::Table),
    Array(&'a mut Vec<toml::Value>),
    Leaf(&'static str),
}

impl<'a> Slot<'a> {
    fn of(value: &'a mut toml::Value) -> Slot<'a> {
        let what = kind(value);
        match value {
            toml::Value::Table(t) => Slot::Table(t),
            toml::Value::Array(a) => Slot::Array(a),
            _ => Slot::Leaf(what),
        }
    }
}

/// A number as TOML: a whole number becomes an integer (so it fits count fields such as
/// `concurrency` as well as rates), anything else a float.
pub fn number(x: f64) -> toml::Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        toml::Value::Integer(x as i64)
    } else {
        toml::Value::Float(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    fn set(doc: &str, p: &str, value: toml::Value) -> Result<toml::Table, String> {
        let mut t: toml::Table = doc.parse().unwrap();
        Override {
            path: path(p),
            value,
        }
        .apply(&mut t)?;
        Ok(t)
    }

    #[test]
    fn paths_parse_and_print_like_error_messages() {
        let p = path("services[1].pods.\"2\"");
        assert_eq!(
            p.0,
            vec![
                Seg::Key("services".into()),
                Seg::Index(1),
                Seg::Key("pods".into()),
                Seg::Key("2".into())
            ]
        );
        assert_eq!(p.to_string(), "services[1].pods.\"2\"");
        assert_eq!(path("services[1].pods.2"), p);
        assert_eq!(path(" clients.rate ").to_string(), "clients.rate");
        for bad in ["", "a..b", "a[x]", "a[1", "\"a", "a b", ".a"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replaces_and_creates_tables() {
        let doc = "[clients]\nrate = 5\n[[services]]\nname = \"a\"\npods = { \"1\" = 1 }\n";
        let t = set(doc, "clients.rate", number(7.0)).unwrap();
        assert_eq!(t["clients"]["rate"].as_integer(), Some(7));
        let t = set(doc, "ingress.kind", "nginx".into()).unwrap();
        assert_eq!(t["ingress"]["kind"].as_str(), Some("nginx"));
        let t = set(doc, "services[0].pods.\"2\"", number(3.0)).unwrap();
        assert_eq!(t["services"][0]["pods"]["2"].as_integer(), Some(3));
        assert_eq!(number(2.5), toml::Value::Float(2.5));
    }

    #[test]
    fn explains_paths_that_do_not_fit() {
        let doc = "[clients]\nrate = 5\n[[services]]\nname = \"a\"\n";
        let e = set(doc, "services[3].name", "b".into()).unwrap_err();
        assert!(
            e.contains("`services` has 1 element") && e.contains("[3]"),
            "{e}"
        );
        let e = set(doc, "clients.rate.x", number(1.0)).unwrap_err();
        assert!(e.contains("`clients.rate` is a number"), "{e}");
        let e = set(doc, "faults[0].at", "1s".into()).unwrap_err();
        assert!(e.contains("`faults` is not in the file"), "{e}");
        let e = set(doc, "services.b.name", "b".into()).unwrap_err();
        assert!(e.contains("no element named `b`; its names are `a`"), "{e}");
        let e = set("[[faults]]\nat = \"1s\"\n", "faults.x", "b".into()).unwrap_err();
        assert!(e.contains("`faults[0].x`"), "{e}");
        let e = set(doc, "clients[0]", number(1.0)).unwrap_err();
        assert!(e.contains("is a table, not an array"), "{e}");
    }

    #[test]
    fn named_elements_removal_and_merge() {
        let doc = "[egress]\nzone = \"2\"\nsku = \"standard\"\n[[services]]\nname = \"web\"\n\
                   concurrency = 4\n[[services]]\nname = \"db\"\n";
        let t = set(doc, "services.db.concurrency", number(8.0)).unwrap();
        assert_eq!(t["services"][1]["concurrency"].as_integer(), Some(8));
        let mut t: toml::Table = doc.parse().unwrap();
        remove(&mut t, &path("egress.zone")).unwrap();
        remove(&mut t, &path("services.web")).unwrap();
        assert!(t["egress"].get("zone").is_none());
        assert_eq!(t["services"].as_array().unwrap().len(), 1);
        let e = remove(&mut t, &path("egress.zone")).unwrap_err();
        assert!(e.contains("nothing to remove"), "{e}");
        let e = remove(&mut t, &path("ingress.kind")).unwrap_err();
        assert!(e.contains("`ingress` is not in the file"), "{e}");
        // A merge patch: tables merge, values (arrays too) replace, a named element merges.
        let patch: toml::Table =
            "[egress]\nzones = [\"1\", \"2\"]\n[services.web]\nconcurrency = 9\n"
                .parse()
                .unwrap();
        let mut sets = Vec::new();
        flatten(&patch, &FieldPath(Vec::new()), &mut sets);
        let mut t: toml::Table = doc.parse().unwrap();
        for o in &sets {
            o.apply(&mut t).unwrap();
        }
        assert_eq!(t["egress"]["sku"].as_str(), Some("standard"));
        assert_eq!(t["egress"]["zones"].as_array().map(Vec::len), Some(2));
        assert_eq!(t["services"][0]["concurrency"].as_integer(), Some(9));
        assert_eq!(
            indexed(&t, &path("services.web.concurrency")).to_string(),
            "services[0].concurrency"
        );
    }

    #[test]
    fn flags_read_values_as_toml_or_text() {
        let f = FlagOverride::parse_set("services.web.concurrency=6").unwrap();
        assert_eq!(f.set.value, toml::Value::Integer(6));
        assert_eq!(f.flag, "--set services.web.concurrency=6");
        let f = FlagOverride::parse_set("ingress.kind=nginx").unwrap();
        assert_eq!(f.set.value.as_str(), Some("nginx"));
        let f = FlagOverride::parse_set("ingress.kind=\"nginx\"").unwrap();
        assert_eq!(f.set.value.as_str(), Some("nginx"));
        let f = FlagOverride::parse_set("services[0].pods={ \"1\" = 2 }").unwrap();
        assert!(f.set.value.is_table());
        assert!(FlagOverride::parse_set("clients.rate").is_err());
        assert!(FlagOverride::parse_set("clients.rate=").is_err());
        assert!(FlagOverride::parse_set("a..b=1").is_err());
    }
}
