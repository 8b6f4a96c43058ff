//! Where things are in the scenario text: field paths, their byte spans, lines and columns.
//!
//! The file is parsed once into toml's span-keeping document tree ([`DeTable`]). Validation
//! names a problem by its [`FieldPath`] (`services[1].pods`); [`span_of`] finds that path's key
//! in the tree, so every semantic error carries a line and column without threading
//! `Spanned<T>` through the serde types. The other way round, [`path_at`] names the field that
//! a toml error's byte offset falls in.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    /// A table key.
    Key(String),
    /// An array index (from 0).
    Index(usize),
}

/// A field's place in the file, such as `services[1].calls[0].service`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(Vec<Seg>);

impl FieldPath {
    /// The document itself.
    pub(crate) fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// This path, then table key `k`.
    pub(crate) fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    /// This path, then array index `i`.
    pub(crate) fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    /// Keys joined by `.`, indices as `[i]`; keys that are not plain words (or are all digits,
    /// like zone names) are quoted so they read as names: `ingress.instances."2"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                        && !k.chars().all(|c| c.is_ascii_digit());
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The span of the deepest part of `path` present in the document: the key itself when it is
/// written, else its nearest written ancestor (a defaulted field is reported at its table).
pub(crate) fn span_of(root: &DeTable<'_>, path: &FieldPath) -> Option<Range<usize>> {
    let mut best = None;
    let mut table = Some(root);
    let mut array: Option<&[toml::Spanned<DeValue<'_>>]> = None;
    for seg in &path.0 {
        let found = match seg {
            Seg::Key(k) => table
                .and_then(|t| t.get_key_value(k.as_str()))
                .map(|(key, value)| (key.span(), value)),
            Seg::Index(i) => array.and_then(|a| a.get(*i)).map(|v| (v.span(), v)),
        };
        let Some((span, value)) = found else { break };
        best = Some(span);
        table = value.get_ref().as_table();
        array = value.get_ref().as_array().map(|a| &a[..]);
    }
    best
}

/// The path of the field whose key or value contains byte `offset` (the deepest such field).
pub(crate) fn path_at(root: &DeTable<'_>, offset: usize) -> FieldPath {
    let mut found = FieldPath::root();
    search_table(root, offset, &FieldPath::root(), &mut found);
    found
}

fn search_table(table: &DeTable<'_>, offset: usize, here: &FieldPath, found: &mut FieldPath) {
    for (key, value) in table.iter() {
        let path = here.key(key.get_ref());
        if key.span().contains(&offset) || value.span().contains(&offset) {
            *found = path.clone();
        }
        search_value(value.get_ref(), offset, &path, found);
    }
}

fn search_value(value: &DeValue<'_>, offset: usize, here: &FieldPath, found: &mut FieldPath) {
    match value {
        DeValue::Table(t) => search_table(t, offset, here, found),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = here.index(i);
                if item.span().contains(&offset) {
                    *found = path.clone();
                }
                // An `[[array]]` element's span is only its header, so look inside all of them.
                search_value(item.get_ref(), offset, &path, found);
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[simulation]\nreplications = 0\n\n[[services]]\nname = \"a\"\n\n[[services]]\nname = \"b\"\npods = { \"1\" = 3 }\n";

    #[test]
    fn paths_print_like_the_file() {
        let p = FieldPath::root()
            .key("services")
            .index(1)
            .key("pods")
            .key("2");
        assert_eq!(p.to_string(), "services[1].pods.\"2\"");
        assert_eq!(
            FieldPath::root().key("simulation").key("seed").to_string(),
            "simulation.seed"
        );
    }

    #[test]
    fn finds_keys_and_nearest_ancestors() {
        let doc = DeTable::parse(DOC).unwrap();
        let root = doc.get_ref();
        let at = |p: &FieldPath| span_of(root, p).map(|s| line_col(DOC, s.start));
        let sim = FieldPath::root().key("simulation");
        assert_eq!(at(&sim.key("replications")), Some((2, 1)));
        // Not written: reported at its table's header.
        assert_eq!(at(&sim.key("seed")), Some((1, 2)));
        let pods = FieldPath::root().key("services").index(1).key("pods");
        assert_eq!(at(&pods.key("1")), Some((9, 10)));
        assert_eq!(at(&FieldPath::root().key("nothing")), None);
    }

    #[test]
    fn names_the_field_at_an_offset() {
        let doc = DeTable::parse(DOC).unwrap();
        let offset = DOC.find("= 3").unwrap() + 2;
        let p = path_at(doc.get_ref(), offset);
        assert_eq!(p.to_string(), "services[1].pods.\"1\"");
        let offset = DOC.find("replications").unwrap();
        assert_eq!(
            path_at(doc.get_ref(), offset).to_string(),
            "simulation.replications"
        );
    }

    #[test]
    fn counts_lines_and_characters() {
        assert_eq!(line_col("ab\ncµd", 0), (1, 1));
        assert_eq!(line_col("ab\ncµd", 3), (2, 1));
        assert_eq!(line_col("ab\ncµd", 6), (2, 3));
        assert_eq!(line_col("ab", 99), (1, 3));
    }
}
