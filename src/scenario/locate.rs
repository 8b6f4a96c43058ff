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
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index (from 0).
    Index(usize),
}

/// A field's place in the file, such as `services[1].calls[0].service`: how validation names a
/// problem, and how `trafsim compare`/`--sweep` overrides name a field ([`FieldPath::parse`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

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

impl FieldPath {
    /// Parses `text`; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut segs = Vec::new();
        let mut rest = text.trim();
        let bad = |why: &str| format!("`{text}` is not a field path: {why}");
        if rest.is_empty() {
            return Err(bad("it is empty"));
        }
        loop {
            // A key, bare or quoted.
            let key_end;
            if let Some(quoted) = rest.strip_prefix('"') {
                let close = quoted
                    .find('"')
                    .ok_or_else(|| bad("a quote is not closed"))?;
                segs.push(Seg::Key(quoted[..close].to_string()));
                key_end = close + 2;
            } else {
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return Err(bad("expected a key such as `clients` or `rate`"));
                }
                segs.push(Seg::Key(rest[..len].to_string()));
                key_end = len;
            }
            rest = &rest[key_end..];
            // Any number of indices.
            while let Some(inner) = rest.strip_prefix('[') {
                let close = inner.find(']').ok_or_else(|| bad("a `[` is not closed"))?;
                let index = inner[..close]
                    .trim()
                    .parse()
                    .map_err(|_| bad("an array index is a whole number from 0, such as `[0]`"))?;
                segs.push(Seg::Index(index));
                rest = &inner[close + 1..];
            }
            if rest.is_empty() {
                return Ok(FieldPath(segs));
            }
            rest = rest
                .strip_prefix('.')
                .ok_or_else(|| bad("parts are joined by `.`"))?;
        }
    }

    /// The first `n` steps.
    pub(crate) fn prefix(&self, n: usize) -> FieldPath {
        FieldPath(self.0[..n].to_vec())
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
