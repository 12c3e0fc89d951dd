//! Text arithmetic the editor needs and egui does not give: finding
//! matches, and moving between bytes, chars, lines and columns. Plain
//! functions on `&str`, so they are tested without a UI.

use std::ops::Range;

/// Byte ranges of every occurrence of `query` in `text`.
pub fn find_matches(text: &str, query: &str, case_sensitive: bool) -> Vec<Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    if case_sensitive {
        return text
            .match_indices(query)
            .map(|(at, m)| at..at + m.len())
            .collect();
    }
    // Lowercasing can change byte lengths (e.g. 'İ'), so compare char by
    // char on the original text instead of searching a lowered copy.
    let needle: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut found = Vec::new();
    let mut starts = text.char_indices().map(|(i, _)| i).peekable();
    while let Some(start) = starts.next() {
        let mut chars = text[start..].char_indices();
        let mut matched = 0;
        let mut end = start;
        'outer: for (offset, c) in chars.by_ref() {
            for lc in c.to_lowercase() {
                if matched < needle.len() && needle[matched] == lc {
                    matched += 1;
                } else {
                    break 'outer;
                }
            }
            end = start + offset + c.len_utf8();
            if matched == needle.len() {
                break;
            }
        }
        if matched == needle.len() {
            found.push(start..end);
            // No overlapping matches: skip to the end of this one.
            while starts.next_if(|&i| i < end).is_some() {}
        }
    }
    found
}

/// Char index of a byte offset in `text`.
pub fn char_index(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count()
}

/// Byte offset of a char index in `text`.
pub fn byte_index(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// Byte offset where 1-based `line` starts, clamped to the last line.
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or_else(|| text.rfind('\n').map_or(0, |i| i + 1), |(i, _)| i + 1)
}

/// 1-based line and column (in chars) of a char index.
pub fn line_col(text: &str, char_idx: usize) -> (usize, usize) {
    let byte = byte_index(text, char_idx);
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
