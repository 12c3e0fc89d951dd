//! The one rule every scan of D source needs: where comments and string
//! literals start and end, so that braces, words and slashes inside them
//! are not taken for code.

/// If a comment or a string literal starts at byte `i` of `text`: the byte
/// where it ends (exclusive) and whether it was closed before the text
/// ended. A line comment, and a string broken by a newline, end before the
/// newline.
pub fn literal_at(text: &str, i: usize) -> Option<(usize, bool)> {
    // Bytes, not str slices: `i` may fall inside a multi-byte character.
    let b = text.as_bytes();
    let rest = b.get(i..)?;
    let find = |from: usize, pat: &[u8]| {
        b.get(from..)
            .and_then(|r| r.windows(pat.len()).position(|w| w == pat))
            .map(|e| from + e)
    };
    if rest.starts_with(b"/*") {
        return Some(match find(i + 2, b"*/") {
            Some(e) => (e + 2, true),
            None => (b.len(), false),
        });
    }
    if rest.starts_with(b"//") {
        return Some(match find(i, b"\n") {
            Some(e) => (e, true),
            None => (b.len(), false),
        });
    }
    if rest.starts_with(b"\"") {
        let mut j = i + 1;
        while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        return Some(match b.get(j) {
            Some(b'"') => (j + 1, true),
            Some(_) => (j, true),
            None => (b.len(), false),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_strings_end_where_d_ends_them() {
        assert_eq!(literal_at("/* a */ x", 0), Some((7, true)));
        assert_eq!(literal_at("/* open", 0), Some((7, false)));
        assert_eq!(literal_at("// c\nx", 0), Some((4, true)));
        assert_eq!(literal_at("// c", 0), Some((4, false)));
        assert_eq!(literal_at(r#""a\"b" x"#, 0), Some((6, true)));
        assert_eq!(literal_at("\"a\nb", 0), Some((2, true)));
        assert_eq!(literal_at("\"a\\", 0), Some((3, false)));
        assert_eq!(literal_at("x / y", 2), None);
        assert_eq!(literal_at("é\"", 2), Some((3, false)));
        assert_eq!(literal_at("é", 1), None, "inside a character");
    }
}
