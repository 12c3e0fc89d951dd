//! Indentation as D is typed: a new line keeps the indentation of the one
//! before, one level deeper after `{`; a `}` typed first on a line lines up
//! with its `{`; Tab is spaces to the next tab stop.
//!
//! It works on what a frame's typing inserted, after the text widget has
//! applied every key in order: a fast typist (or a slow link) delivers
//! several keys in one frame, and handling Enter or Tab ahead of the other
//! keys would put the new line before characters typed earlier.

use super::source::literal_at;

/// The text after the editor's fix-ups, and the cursor (a char index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    pub text: String,
    pub cursor: usize,
}

/// `before` became `after` by typing, leaving the cursor at char
/// `cursor`. Returns the indented text when there was anything to do.
pub fn after_typing(before: &str, after: &str, cursor: usize, tab_width: usize) -> Option<Typed> {
    let tab_width = tab_width.max(1);
    let prefix = common_prefix(before, after);
    let suffix = common_suffix(&before[prefix..], &after[prefix..]);
    let inserted = &after[prefix..after.len() - suffix];
    if !inserted.contains(['\n', '\t', '}']) {
        return None;
    }
    let rest = &after[after.len() - suffix..];
    let cursor_at_end = after
        .char_indices()
        .nth(cursor)
        .map_or(after.len(), |(i, _)| i)
        == prefix + inserted.len();

    let mut out = after[..prefix].to_owned();
    let mut opened_block = false;
    for c in inserted.chars() {
        opened_block = false;
        match c {
            '\n' => {
                let line = current_line(&out);
                let mut indent = leading_blanks(line).to_owned();
                if line.trim_end().ends_with('{') {
                    indent.push_str(&" ".repeat(tab_width));
                    opened_block = true;
                }
                // Blanks at the end of a line would only trail.
                let trailing = trailing_blank_len(line);
                out.truncate(out.len() - trailing);
                out.push('\n');
                out.push_str(&indent);
            }
            '\t' => {
                let column = current_line(&out).chars().count();
                out.push_str(&" ".repeat(tab_width - column % tab_width));
            }
            '}' if current_line(&out).chars().all(|c| c == ' ' || c == '\t') => {
                let lead = current_line(&out).len();
                let want = matching_indent(&out);
                out.truncate(out.len() - lead);
                out.push_str(&want);
                out.push('}');
            }
            c => out.push(c),
        }
    }
    let mut cursor_byte = out.len();
    // Enter between `{` and `}`: the brace goes to a line of its own,
    // lined up with the `{` line.
    let closes = rest.trim_start_matches([' ', '\t']);
    let mut tail = rest;
    if opened_block && closes.starts_with('}') {
        let open_line = &out[..out.rfind('\n').unwrap_or(0)];
        let indent = leading_blanks(current_line(open_line)).to_owned();
        out.push('\n');
        out.push_str(&indent);
        tail = closes;
    }
    out.push_str(tail);
    if !cursor_at_end {
        // The cursor was elsewhere: it keeps its distance from the end.
        cursor_byte = out.len() - (after.len() - byte_of(after, cursor));
    }
    if out == after {
        return None;
    }
    let cursor = out[..cursor_byte.min(out.len())].chars().count();
    Some(Typed { text: out, cursor })
}

fn byte_of(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

fn common_prefix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            return i;
        }
        n = i + x.len_utf8();
    }
    n
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y {
            break;
        }
        n += x.len_utf8();
    }
    n
}

/// The text of the last line of `text`, without its newline.
fn current_line(text: &str) -> &str {
    &text[text.rfind('\n').map_or(0, |i| i + 1)..]
}

fn leading_blanks(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Blanks at the end of `line` (all of it, for a line of blanks: the
/// indentation moves on to the new line instead of trailing there).
fn trailing_blank_len(line: &str) -> usize {
    line.len() - line.trim_end_matches([' ', '\t']).len()
}

/// The indentation of the line holding the `{` that a `}` at the end of
/// `text` closes (comments and strings skipped); none when it closes
/// nothing.
fn matching_indent(text: &str) -> String {
    let b = text.as_bytes();
    let mut open = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if let Some((end, _)) = literal_at(text, i) {
            i = end;
            continue;
        }
        match b[i] {
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.pop()
        .map(|at| leading_blanks(current_line(&text[..at])).to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Types `keys` at the end of `text` in one go, as one frame would.
    fn typed(text: &str, keys: &str) -> String {
        let after = format!("{text}{keys}");
        let cursor = after.chars().count();
        after_typing(text, &after, cursor, 4).map_or(after, |t| t.text)
    }

    #[test]
    fn new_lines_keep_and_deepen_the_indentation() {
        assert_eq!(typed("BEGIN {", "\n"), "BEGIN {\n    ");
        assert_eq!(
            typed("BEGIN {\n    x = 1;", "\n"),
            "BEGIN {\n    x = 1;\n    "
        );
        assert_eq!(
            typed("", "BEGIN\n{\nx = 1;\n}\n"),
            "BEGIN\n{\n    x = 1;\n}\n"
        );
        assert_eq!(
            typed("", "a {\nb {\nc;\n}\n}\n"),
            "a {\n    b {\n        c;\n    }\n}\n",
            "nested blocks, several keys in one frame"
        );
        assert_eq!(typed("x = 1;   ", "\n"), "x = 1;\n", "trailing blanks go");
        assert_eq!(
            typed("{\n    ", "\n"),
            "{\n\n    ",
            "a blank line keeps no blanks"
        );
    }

    #[test]
    fn tab_is_spaces_to_the_next_stop() {
        assert_eq!(typed("ab", "\t"), "ab  ");
        assert_eq!(typed("", "\tx\t"), "    x   ");
    }

    #[test]
    fn a_closing_brace_lines_up_with_its_opening_line() {
        assert_eq!(
            typed("  if {\n      x;\n      ", "}"),
            "  if {\n      x;\n  }"
        );
        assert_eq!(
            typed("x = \"{\";\n    ", "}"),
            "x = \"{\";\n}",
            "strings hold no braces"
        );
        assert_eq!(
            typed("a; b", "}"),
            "a; b}",
            "not first on the line: as typed"
        );
    }

    #[test]
    fn enter_between_braces_opens_a_block() {
        let before = "BEGIN {}";
        let after = "BEGIN {\n}";
        let t = after_typing(before, after, 8, 4).unwrap();
        assert_eq!(t.text, "BEGIN {\n    \n}");
        assert_eq!(t.cursor, 12);
    }

    #[test]
    fn typing_elsewhere_and_plain_text_are_left_alone() {
        assert_eq!(after_typing("ab", "abc", 3, 4), None);
        // A change in the middle keeps the cursor where it was.
        let t = after_typing("a\nb", "a\tx\nb", 3, 4).unwrap();
        assert_eq!(t.text, "a   x\nb");
        assert_eq!(t.cursor, 5);
    }
}
