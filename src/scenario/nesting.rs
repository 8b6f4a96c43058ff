//! Where a TOML text nests deepest: toml refuses nesting beyond [`TOML_LIMIT`] levels with a
//! bare "recursion limit" and no place, so the message points at the deepest spot instead.

/// toml's nesting limit (tables, arrays and dotted-key parts together).
pub(crate) const TOML_LIMIT: usize = 80;

/// The byte offset where `text` nests deepest, and that depth: open `[` and `{` outside
/// strings and comments, plus the dots of the key being written on the line. An estimate (a
/// float in an array counts its dot), good enough to point at the line that is too deep.
pub(crate) fn deepest(text: &str) -> (usize, usize) {
    let mut best = (0, 0);
    let mut brackets = 0usize;
    let mut dots = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            comment = false;
            dots = 0;
            // Strings other than multi-line ones end with the line; a table header closes too.
            if quote.is_some_and(|q| !multi_line(bytes, i, q)) {
                quote = None;
            }
        } else if comment {
        } else if let Some(q) = quote {
            if b == b'\\' && q == b'"' {
                i += 1;
            } else if b == q {
                quote = None;
            }
        } else {
            match b {
                b'#' => comment = true,
                b'"' | b'\'' => quote = Some(b),
                b'[' | b'{' => brackets += 1,
                b']' | b'}' => brackets = brackets.saturating_sub(1),
                b'.' => dots += 1,
                b'=' | b',' => dots = 0,
                _ => {}
            }
        }
        let depth = brackets + dots;
        if depth > best.1 {
            best = (i, depth);
        }
        i += 1;
    }
    best
}

/// Whether a string opened with `q` before `at` could be a multi-line one (`"""` or `'''`):
/// only then does it go on past the end of the line.
fn multi_line(bytes: &[u8], at: usize, q: u8) -> bool {
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    bytes[line_start..at].windows(3).any(|w| w == [q, q, q])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_deepest_line() {
        let text = format!("a = 1\nb = [[1]]\n{}x = 1\nc = \"[[[[\"\n", "k.".repeat(90));
        let (at, depth) = deepest(&text);
        assert!(depth >= 90, "{depth}");
        let line = text[..at].matches('\n').count() + 1;
        assert_eq!(line, 3);
    }
}
