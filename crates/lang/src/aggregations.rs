//! What a script aggregates: for each `@name = function(value, …)` the
//! value's expression, so that the window can tell a latency (a difference
//! of `timestamp`s) from a count and show it in ns, µs, ms and s.

use dscope_model::units::{self, Unit};
use std::collections::HashMap;

/// Each aggregation's value expression, by name (`_` for the anonymous
/// `@`), as the first assignment of it in the script writes it. Comments
/// and strings are skipped.
pub fn value_expressions(source: &str) -> HashMap<String, String> {
    assignments(source)
        .into_iter()
        .map(|(name, a)| (name, a.value))
        .collect()
}

/// Each aggregation's key expressions, by name, as the first assignment of
/// it writes them: `@lat[execname, probefunc]` gives `["execname",
/// "probefunc"]`; a key-less one gives none.
pub fn key_expressions(source: &str) -> HashMap<String, Vec<String>> {
    assignments(source)
        .into_iter()
        .map(|(name, a)| (name, a.keys))
        .collect()
}

/// What one assignment to an aggregation writes.
struct Assignment {
    keys: Vec<String>,
    value: String,
}

/// The first assignment to each aggregation, by name.
fn assignments(source: &str) -> HashMap<String, Assignment> {
    let code = without_comments_and_strings(source);
    let chars: Vec<char> = code.chars().collect();
    // The same characters, with their comments and strings: what the
    // expressions found are copied from (the blanked text has as many).
    let original: Vec<char> = source.chars().collect();
    let mut found = HashMap::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        let name = if name.is_empty() {
            "_".to_owned()
        } else {
            name
        };
        let mut j = skip_space(&chars, i);
        let mut keys = Vec::new();
        if chars.get(j) == Some(&'[') {
            let end = close(&chars, j, '[', ']');
            let inside = j + 1..end.saturating_sub(1).max(j + 1);
            keys = top_level_parts(&chars[inside.clone()], &original[inside]);
            j = skip_space(&chars, end);
        }
        if chars.get(j) != Some(&'=') || chars.get(j + 1) == Some(&'=') {
            continue;
        }
        j = skip_space(&chars, j + 1);
        while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        j = skip_space(&chars, j);
        if chars.get(j) != Some(&'(') {
            continue;
        }
        if let Some(value) = first_argument(&chars, &original, j) {
            found.entry(name).or_insert(Assignment { keys, value });
        }
        i = j;
    }
    found
}

/// Each aggregation's unit, by name: a time where its value is one.
pub fn units(source: &str) -> HashMap<String, Unit> {
    value_expressions(source)
        .into_iter()
        .map(|(name, expr)| {
            let unit = units::of_expression(&expr);
            (name, unit)
        })
        .collect()
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

/// The place after the bracket that closes the one at `open`.
fn close(chars: &[char], open: usize, left: char, right: char) -> usize {
    let mut depth = 0;
    for (k, c) in chars.iter().enumerate().skip(open) {
        if *c == left {
            depth += 1;
        } else if *c == right {
            depth -= 1;
            if depth == 0 {
                return k + 1;
            }
        }
    }
    chars.len()
}

/// The comma-separated parts of `chars` outside any bracket, trimmed, as
/// `original` (the same characters with their strings) writes them.
fn top_level_parts(chars: &[char], original: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut part = String::new();
    for (&c, &o) in chars.iter().zip(original) {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(part.trim().to_owned());
                part.clear();
                continue;
            }
            _ => {}
        }
        part.push(o);
    }
    if !part.trim().is_empty() || !parts.is_empty() {
        parts.push(part.trim().to_owned());
    }
    parts
}

/// The first argument of the call whose `(` is at `open`, trimmed, as
/// `original` writes it.
fn first_argument(chars: &[char], original: &[char], open: usize) -> Option<String> {
    let mut depth = 0;
    let end = chars.iter().enumerate().skip(open).find_map(|(k, c)| {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
        let ends = depth == 0 || (*c == ',' && depth == 1);
        ends.then_some(k)
    })?;
    Some(
        original[open + 1..end]
            .iter()
            .collect::<String>()
            .trim()
            .to_owned(),
    )
}

/// The source with comments blanked and string contents emptied, so that
/// an `@` or a bracket in them is not read as code.
fn without_comments_and_strings(source: &str) -> String {
    // Character for character: a comment's become spaces (its line breaks
    // stay), a string's inside spaces too, so that a place in this text is
    // the same place in the source.
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("  ");
                let mut last = ' ';
                for c in chars.by_ref() {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                out.push(' ');
                while let Some(&c) = chars.peek() {
                    if c == '\n' {
                        break;
                    }
                    out.push(' ');
                    chars.next();
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        out.push('"');
                        break;
                    }
                    escaped = !escaped && c == '\\';
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_aggregation_has_its_value_expression_and_unit() {
        let script = r#"
            syscall::read:entry { self->ts = timestamp; }
            syscall::read:return /self->ts/
            {
                @lat[execname, probefunc] = quantize(timestamp - self->ts);
                @us = lquantize((vtimestamp - self->v) / 1000, 0, 100, 10);
                @bytes[execname] = sum(arg0);
                @ = count();
                /* @fake = quantize(timestamp); */
                printf("@x = quantize(timestamp)");
                self->ts = 0;
            }
        "#;
        let e = value_expressions(script);
        assert_eq!(e["lat"], "timestamp - self->ts");
        assert_eq!(e["us"], "(vtimestamp - self->v) / 1000");
        assert_eq!(e["bytes"], "arg0");
        assert_eq!(e["_"], "");
        assert!(!e.contains_key("fake") && !e.contains_key("x"), "{e:?}");
        let k = key_expressions(script);
        assert_eq!(k["lat"], ["execname", "probefunc"]);
        assert_eq!(k["bytes"], ["execname"]);
        assert!(k["us"].is_empty() && k["_"].is_empty());
        let k = key_expressions("BEGIN { @x[args[0], f(a, b), stack()] = count(); }");
        assert_eq!(k["x"], ["args[0]", "f(a, b)", "stack()"]);
        // Strings are kept as written, commas and brackets in them too.
        let k = key_expressions("BEGIN { @y[strjoin(\"a, [b\", \"\\\"\")] = count(); }");
        assert_eq!(k["y"], ["strjoin(\"a, [b\", \"\\\"\")"]);
        let u = units(script);
        assert_eq!(u["lat"], Unit::Nanoseconds);
        assert_eq!(u["us"], Unit::Microseconds);
        assert_eq!(u["bytes"], Unit::Number);
    }
}
