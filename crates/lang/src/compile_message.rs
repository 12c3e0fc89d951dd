//! Turning libdtrace's compile error messages into [`Diagnostic`]s.
//!
//! libdtrace reports only the first error of a compile, as one string built
//! by `dt_set_errmsg`:
//!
//! ```text
//! [D_TAG] "FILE", line N: TEXT
//! [D_TAG] line N: TEXT
//! [D_TAG] in REGION: TEXT
//! ```
//!
//! The tag is there when the `errtags` flag is set; the parser's errors end
//! in ` near "TOKEN"`, ` near end of input` or ` near end of line`. There is
//! no column, so one is found on the named line from the `near` token, or
//! from what the message quotes (a probe description, a `$1` macro).

use dscope_model::{Diagnostic, Severity};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Parses `message`, where `script_file` is the file name libdtrace was
/// given for the user's script (a temporary copy, when compiling the
/// editor's text) and `source` the script text, to place columns.
pub fn parse(message: &str, script_file: Option<&Path>, source: &str) -> Diagnostic {
    let message = message.trim();
    let (tag, rest) = split_tag(message);
    let (file, line, text) = split_location(rest);

    let other_file = match (&file, script_file) {
        (Some(f), Some(script)) => !same_file(f, script),
        // Without knowing the script's name, a named file is the script only
        // if it is not one of DTrace's own libraries.
        (Some(f), None) => is_system_library(f),
        (None, _) => false,
    };
    let text = text.trim().to_owned();
    let mut diagnostic = Diagnostic {
        file: other_file
            .then(|| file.clone().map(PathBuf::from))
            .flatten(),
        line,
        columns: None,
        severity: Severity::Error,
        message: text.clone(),
        tag: tag.map(str::to_owned),
    };
    if !other_file
        && line > 0
        && let Some(line_text) = source.lines().nth(line - 1)
    {
        diagnostic.columns = locate(&text, line_text);
    }
    diagnostic
}

/// Whether the path is one of DTrace's D libraries, such as
/// `/usr/lib64/dtrace/6.10/sched.d`.
pub fn is_system_library(path: &str) -> bool {
    let p = Path::new(path);
    // <prefix>/lib*/dtrace/...: /usr/lib/dtrace, /usr/lib64/dtrace,
    // /usr/local/lib64/dtrace, /usr/lib/amd64/dtrace, ...
    p.is_absolute()
        && p.ancestors().any(|a| {
            a.file_name() == Some(std::ffi::OsStr::new("dtrace"))
                && a.ancestors().skip(1).any(|b| {
                    b.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("lib"))
                })
        })
}

fn same_file(named: &str, script: &Path) -> bool {
    let named = Path::new(named);
    named == script
        || named.file_name().is_some()
            && named.file_name() == script.file_name()
            && named.is_relative()
}

fn split_tag(message: &str) -> (Option<&str>, &str) {
    if let Some(rest) = message.strip_prefix('[')
        && let Some(end) = rest.find("] ")
    {
        let tag = &rest[..end];
        if !tag.is_empty()
            && tag
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return (Some(tag), &rest[end + 2..]);
        }
    }
    (None, message)
}

/// `"FILE", line N: `, `line N: ` or `in REGION: ` at the start.
fn split_location(rest: &str) -> (Option<String>, usize, &str) {
    if let Some(after_quote) = rest.strip_prefix('"')
        && let Some(close) = after_quote.find("\", line ")
    {
        let file = &after_quote[..close];
        let after = &after_quote[close + "\", line ".len()..];
        if let Some((n, text)) = after.split_once(": ")
            && let Ok(n) = n.trim().parse()
        {
            return (Some(file.to_owned()), n, text);
        }
    }
    if let Some(after) = rest.strip_prefix("line ")
        && let Some((n, text)) = after.split_once(": ")
        && let Ok(n) = n.trim().parse()
    {
        return (None, n, text);
    }
    if let Some(after) = rest.strip_prefix("in ")
        && let Some((_region, text)) = after.split_once(": ")
    {
        return (None, 0, text);
    }
    (None, 0, rest)
}

/// Character columns of what the message points at on `line`.
fn locate(text: &str, line: &str) -> Option<Range<usize>> {
    if let Some(token) = near_token(text) {
        return find_near(line, token);
    }
    if text.ends_with("near end of line") || text.ends_with("near end of input") {
        let end = line.trim_end().chars().count();
        return Some(end..end + 1);
    }
    // "probe description syscall::nope:entry does not match any probes"
    if let Some(rest) = text.strip_prefix("probe description ")
        && let Some(desc) = rest.split_whitespace().next()
    {
        return find_chars(line, desc);
    }
    // Macro arguments: "macro argument $1 is not defined", etc.
    if let Some(m) = text
        .split_whitespace()
        .find(|w| w.starts_with('$') && w.len() > 1)
    {
        return find_chars(line, m.trim_end_matches([',', ':', '.']));
    }
    // "failed to resolve y: Unknown variable name"
    if let Some(rest) = text.strip_prefix("failed to resolve ")
        && let Some((name, _)) = rest.split_once(':')
        && let Some(found) = find_word(line, name.trim())
    {
        return Some(found);
    }
    // "printf( ) prototype mismatch: ...", "count( ) ...": the call.
    if let Some((name, _)) = text.split_once("( ) ")
        && !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && let Some(found) = find_word(line, name)
    {
        return Some(found);
    }
    // "nonesuch is not a member of struct task_struct"
    if let Some((name, _)) = text.split_once(" is not a member of ")
        && let Some(found) = find_word(line, name.trim())
    {
        return Some(found);
    }
    // "operator -> must be applied to a pointer": in `self->x->z` it is
    // the last one that is wrong, and D is read left to right.
    if let Some(rest) = text.strip_prefix("operator ")
        && let Some(op) = rest.split_whitespace().next()
        && let Some(byte) = line.rfind(op)
    {
        let start = line[..byte].chars().count();
        return Some(start..start + op.chars().count());
    }
    // Anything quoted in the message, e.g. "failed to resolve `foo`".
    if let Some(found) = quoted(text).and_then(|q| find_chars(line, q)) {
        return Some(found);
    }
    // "undefined function name: frobnicate": the name after the last colon.
    let (_, name) = text.rsplit_once(": ")?;
    let name = name.trim();
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return find_word(line, name);
    }
    None
}

/// Like [`find_chars`], but only a whole word: `x` is not found in `max`.
fn find_word(line: &str, word: &str) -> Option<Range<usize>> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(at) = line[from..].find(word) {
        let start = from + at;
        let end = start + word.len();
        let before = line[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_ident(c));
        let after = line[end..].chars().next().is_none_or(|c| !is_ident(c));
        if before && after {
            let col = line[..start].chars().count();
            return Some(col..col + word.chars().count());
        }
        from = end;
    }
    None
}

fn near_token(text: &str) -> Option<&str> {
    let at = text.rfind(" near \"")?;
    let token = &text[at + " near \"".len()..];
    token.strip_suffix('"')
}

fn quoted(text: &str) -> Option<&str> {
    for (open, close) in [('"', '"'), ('`', '\''), ('`', '`'), ('\'', '\'')] {
        if let Some(a) = text.find(open) {
            let rest = &text[a + open.len_utf8()..];
            if let Some(b) = rest.find(close)
                && b > 0
            {
                return Some(&rest[..b]);
            }
        }
    }
    None
}

/// Where the parser stopped at `token` on `line`: of the places `token`
/// stands, the first where an operand was wanted (after `=`, `+`, `(`, a
/// comma and the like: `@[k] = count(); x = ;` is wrong at its second
/// `;`), else the first.
fn find_near(line: &str, token: &str) -> Option<Range<usize>> {
    if token.is_empty() {
        return None;
    }
    let wants_operand = |before: &str| {
        before
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(|c| "=+-*/%&|^<>!~,(?:[".contains(c))
    };
    let byte = line
        .match_indices(token)
        .map(|(at, _)| at)
        .find(|&at| wants_operand(&line[..at]))
        .or_else(|| line.find(token))?;
    Some(chars_at(line, byte, token))
}

fn find_chars(line: &str, needle: &str) -> Option<Range<usize>> {
    if needle.is_empty() {
        return None;
    }
    Some(chars_at(line, line.find(needle)?, needle))
}

/// The character columns of `needle`, found at byte `byte` of `line`.
fn chars_at(line: &str, byte: usize, needle: &str) -> Range<usize> {
    let start = line[..byte].chars().count();
    start..start + needle.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "BEGIN\n{\n\tx = 1 +;\n}\nsyscall::nope:entry { trace($1); }\n";

    #[test]
    fn syntax_error_with_near_token_gets_line_and_column() {
        let d = parse(
            "[D_SYNTAX] \"/tmp/dscope-1.d\", line 3: syntax error near \";\"",
            Some(Path::new("/tmp/dscope-1.d")),
            SCRIPT,
        );
        assert_eq!(d.tag.as_deref(), Some("D_SYNTAX"));
        assert_eq!(d.line, 3);
        assert_eq!(d.columns, Some(8..9));
        assert_eq!(d.message, "syntax error near \";\"");
        assert!(d.is_on_script_line());
    }

    #[test]
    fn a_syntax_error_is_placed_where_an_operand_was_wanted() {
        let script = "syscall::read:entry { @[execname] = count(); x = ; }\n";
        let d = parse("line 1: syntax error near \";\"", None, script);
        assert_eq!(d.columns, Some(49..50));
        // With no such place, the first.
        let d = parse(
            "line 1: syntax error near \"}\"",
            None,
            "BEGIN { trace(1) }\n",
        );
        assert_eq!(d.columns, Some(17..18));
    }

    #[test]
    fn probe_that_matches_nothing_points_at_the_description() {
        let d = parse(
            "[D_PDESC_ZERO] \"s.d\", line 5: probe description syscall::nope:entry does not match any probes",
            Some(Path::new("/home/u/s.d")),
            SCRIPT,
        );
        assert_eq!(d.line, 5);
        assert_eq!(d.columns, Some(0..19));
    }

    #[test]
    fn undefined_function_without_a_file_name() {
        let d = parse(
            "[D_PROTO_LEN] line 3: failed to resolve \"frobnicate\": Unknown function",
            None,
            "BEGIN\n{\n  frobnicate(1);\n}\n",
        );
        assert_eq!((d.line, d.columns), (3, Some(2..12)));
        assert_eq!(d.tag.as_deref(), Some("D_PROTO_LEN"));
    }

    #[test]
    fn missing_macro_argument_points_at_the_macro() {
        let d = parse(
            "[D_MACRO_UNDEF] \"x.d\", line 5: macro argument $1 is not defined",
            Some(Path::new("x.d")),
            SCRIPT,
        );
        assert_eq!(d.line, 5);
        let line = SCRIPT.lines().nth(4).unwrap();
        let cols = d.columns.unwrap();
        let got: String = line.chars().skip(cols.start).take(cols.len()).collect();
        assert_eq!(got, "$1");
    }

    #[test]
    fn error_inside_a_system_library_is_not_put_on_the_script() {
        let d = parse(
            "[D_DECL_UNDEF] \"/usr/lib64/dtrace/6.10/sched.d\", line 42: undefined symbol `nr_cpu_ids'",
            Some(Path::new("/tmp/dscope-9.d")),
            SCRIPT,
        );
        assert!(!d.is_on_script_line());
        assert_eq!(
            d.file.as_deref(),
            Some(Path::new("/usr/lib64/dtrace/6.10/sched.d"))
        );
        assert_eq!(d.line, 42);
        assert_eq!(d.columns, None);
        // Even without knowing the script's name.
        let d = parse("\"/usr/lib/dtrace/io.d\", line 7: bad", None, SCRIPT);
        assert!(!d.is_on_script_line());
    }

    #[test]
    fn region_and_untagged_messages() {
        let d = parse("in action list: invalid address (0x0)", None, SCRIPT);
        assert_eq!((d.line, &d.tag, &d.file), (0, &None, &None));
        assert_eq!(d.message, "invalid address (0x0)");
        assert!(!d.is_on_script_line());

        let d = parse("line 3: syntax error near end of line", None, SCRIPT);
        assert_eq!(d.line, 3);
        assert_eq!(d.columns, Some(9..10));

        let d = parse("something odd happened", None, SCRIPT);
        assert_eq!((d.line, d.message.as_str()), (0, "something odd happened"));
    }

    #[test]
    fn undefined_name_after_a_colon_is_found_as_a_whole_word() {
        let d = parse(
            "[D_FUNC_UNDEF] line 3: undefined function name: max",
            None,
            "BEGIN\n{\n\t@maxima = max(1);\n}\n",
        );
        assert_eq!(d.columns, Some(11..14));
    }

    #[test]
    fn line_past_the_end_and_unicode_columns() {
        let d = parse("line 99: syntax error near \"x\"", None, SCRIPT);
        assert_eq!((d.line, d.columns), (99, None));
        let d = parse("line 1: syntax error near \"ü\"", None, "é = ü;\n");
        assert_eq!(d.columns, Some(4..5));
    }

    #[test]
    fn common_messages_point_at_the_token_they_name() {
        let cases = [
            (
                "line 1: failed to resolve y: Unknown variable name",
                "BEGIN { x = y + 1; }",
                "y",
            ),
            (
                "line 1: printf( ) prototype mismatch: conversion #1 (%d) is missing a corresponding value argument",
                "BEGIN { sprintf(\"\"); printf(\"%d\\n\"); }",
                "printf",
            ),
            (
                "line 1: nonesuch is not a member of struct task_struct",
                "BEGIN { trace(curthread->nonesuch); }",
                "nonesuch",
            ),
            (
                "line 1: operator -> must be applied to a pointer",
                "BEGIN { this->y = self->x->z; }",
                "->",
            ),
            (
                "line 1: count( ) prototype mismatch: 1 arg passed, 0 expected",
                "BEGIN { @a = count(1); }",
                "count",
            ),
        ];
        for (message, script, token) in cases {
            let d = parse(message, None, script);
            let cols = d.columns.unwrap_or_else(|| panic!("{message}: no columns"));
            let chars: Vec<char> = script.chars().collect();
            let got: String = chars[cols.clone()].iter().collect();
            assert_eq!(got, token, "{message}");
            let from = script.rfind(token).unwrap();
            assert_eq!(cols.start, script[..from].chars().count(), "{message}");
        }
    }
}
