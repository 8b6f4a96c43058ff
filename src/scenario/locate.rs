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
#[cfg(test)]
pub(crate) fn path_at(root: &DeTable<'_>, offset: usize) -> FieldPath {
    let mut found = FieldPath::root();
    search_table(root, offset, &FieldPath::root(), &mut found);
    found
}

/// Like [`path_at`], searching only inside `value`, which is at `here`: the deepest field of it
/// whose key or value contains `offset`, else `here`. Searching one section or one `[[array]]`
/// element, not the whole file, keeps locating every element's error linear in the file size.
pub(crate) fn path_in(value: &DeValue<'_>, here: &FieldPath, offset: usize) -> FieldPath {
    let mut found = here.clone();
    search_value(value, offset, here, &mut found);
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

/// The value at `path` in the document, if it is written there.
pub(crate) fn value_at<'a, 'i>(root: &'a DeTable<'i>, path: &FieldPath) -> Option<&'a DeValue<'i>> {
    let mut value: Option<&DeValue<'i>> = None;
    for seg in &path.0 {
        let next = match (seg, value) {
            (Seg::Key(k), None) => root.get(k.as_str()),
            (Seg::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str()),
            (Seg::Index(i), Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        value = Some(next?.get_ref());
    }
    value
}

/// Bytes between the character counts kept by [`LineIndex`].
const CHECKPOINT: usize = 4096;

/// Lines and columns of byte offsets in one text, each found in time independent of the text's
/// size: the start of every line is kept (binary search), and the number of characters before
/// every 4 KiB, so a column in a long line (a 100,000-point profile on one line) costs at most
/// 4 KiB of counting. Built once per file; scanning from the start for each of 80,000
/// diagnostics made validation quadratic.
pub(crate) struct LineIndex {
    line_starts: Vec<usize>,
    chars_before: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`.
    pub(crate) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let mut chars_before = Vec::with_capacity(bytes.len() / CHECKPOINT + 1);
        let mut count = 0;
        for chunk in bytes.chunks(CHECKPOINT) {
            chars_before.push(count);
            count += chars_in(chunk);
        }
        chars_before.push(count);
        LineIndex {
            line_starts,
            chars_before,
        }
    }

    /// Characters in `text[..offset]`.
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        let block = offset / CHECKPOINT;
        self.chars_before[block] + chars_in(&text.as_bytes()[block * CHECKPOINT..offset])
    }

    /// 1-based line and column (in characters) of byte `offset` in `text` (the text this index
    /// was built from).
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = if offset - start <= CHECKPOINT {
            chars_in(&text.as_bytes()[start..offset])
        } else {
            self.chars_to(text, offset) - self.chars_to(text, start)
        } + 1;
        (line, column)
    }
}

/// Characters in UTF-8 `bytes` (which may start or end inside a character): the bytes that
/// are not continuation bytes.
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
#[cfg(test)]
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
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
        // Across the 4 KiB checkpoints, with multi-byte characters on both sides.
        let long = format!("{}\n{}x", "µ".repeat(3000), "é".repeat(5000));
        let x = long.find('x').unwrap();
        assert_eq!(line_col(&long, x), (2, 5001));
        assert_eq!(line_col(&long, 2 * 2500), (1, 2501));
        assert_eq!(line_col(&long, 2 * 1000), (1, 1001));
    }

    #[test]
    fn finds_a_path_inside_one_element() {
        let doc = DeTable::parse(DOC).unwrap();
        let root = doc.get_ref();
        let services = FieldPath::root().key("services");
        let second = value_at(root, &services.index(1)).unwrap();
        let offset = DOC.find("= 3").unwrap() + 2;
        assert_eq!(
            path_in(second, &services.index(1), offset).to_string(),
            "services[1].pods.\"1\""
        );
        assert!(value_at(root, &services.index(2)).is_none());
    }
}
