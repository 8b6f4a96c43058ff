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
        let segs = &self.path.0;
        let Some(Seg::Key(_)) = segs.first() else {
            return Err(format!("`{}` must start with a key", self.path));
        };
        let mut here = Slot::Table(root);
        for (i, seg) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let parent = self.path.prefix(i);
            here = match (here, seg) {
                (Slot::Table(t), Seg::Key(k)) => {
                    if last {
                        t.insert(k.clone(), self.value.clone());
                        return Ok(());
                    }
                    let next_is_index = matches!(segs[i + 1], Seg::Index(_));
                    if next_is_index && !t.contains_key(k) {
                        return Err(format!(
                            "`{}` is not in the file, so it has no element {}",
                            self.path.prefix(i + 1),
                            FieldPath(segs[i + 1..i + 2].to_vec())
                        ));
                    }
                    let v = t
                        .entry(k.clone())
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                    Slot::of(v)
                }
                (Slot::Array(a), Seg::Index(n)) => {
                    let len = a.len();
                    let Some(v) = a.get_mut(*n) else {
                        return Err(format!(
                            "`{parent}` has {len} element{} (counted from 0), so [{n}] does not exist",
                            if len == 1 { "" } else { "s" }
                        ));
                    };
                    if last {
                        *v = self.value.clone();
                        return Ok(());
                    }
                    Slot::of(v)
                }
                (Slot::Table(_), Seg::Index(n)) => {
                    return Err(format!(
                        "`{parent}` is a table, not an array, so [{n}] does not apply"
                    ));
                }
                (Slot::Array(_), Seg::Key(k)) => {
                    return Err(format!(
                        "`{parent}` is an array: name an element before `{k}`, e.g. `{parent}[0].{k}`"
                    ));
                }
                (Slot::Leaf(what), _) => {
                    return Err(format!(
                        "`{parent}` is {what}, so `{}` cannot be inside it",
                        self.path
                    ));
                }
            };
        }
        Ok(())
    }
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
        let e = set(doc, "services.name", "b".into()).unwrap_err();
        assert!(e.contains("services[0].name"), "{e}");
        let e = set(doc, "clients[0]", number(1.0)).unwrap_err();
        assert!(e.contains("is a table, not an array"), "{e}");
    }
}
