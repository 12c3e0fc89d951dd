//! "Narrow the script": a script like this one whose clauses that fill
//! an aggregation fire only for one of its keys (and, for a distribution,
//! one bucket's values), so that a person can look closer at what a
//! table or heat map showed without writing the predicate by hand.

use crate::aggregations::{key_expressions, value_expressions};
use crate::source::literal_at;
use dscope_model::KeyPart;

/// What to narrow to: a key of aggregation `aggregation` (empty for `@`)
/// and, for a distribution, the values of one bucket (`None` for an open
/// end).
#[derive(Debug, Clone, PartialEq)]
pub struct Narrowing<'a> {
    pub aggregation: &'a str,
    pub key: &'a [KeyPart],
    pub values: Option<(Option<i64>, Option<i64>)>,
}

/// `source` with a predicate for `to` on every clause that fills the
/// aggregation (joined with `&&` to a predicate it has), a comment on top
/// saying so; or why it cannot be done.
pub fn narrow(source: &str, to: &Narrowing) -> Result<String, String> {
    let name = if to.aggregation.is_empty() {
        "_"
    } else {
        to.aggregation
    };
    let shown = format!("@{}", to.aggregation);
    let exprs = key_expressions(source).remove(name).unwrap_or_default();
    // No key at all: every key (a heat map of them all, summed).
    if !to.key.is_empty() && exprs.len() != to.key.len() {
        return Err(format!(
            "{shown} is keyed by {} expression(s) in the script but the key has {} part(s)",
            exprs.len(),
            to.key.len()
        ));
    }
    let mut tests = Vec::new();
    for (expr, part) in exprs.iter().zip(to.key) {
        tests.push(match part {
            KeyPart::Int(n) => format!("{expr} == {n}"),
            KeyPart::Str(s) => format!("{expr} == \"{}\"", escaped(s)),
            KeyPart::Symbol(_) | KeyPart::Stack(_) => {
                return Err(format!(
                    "{shown}'s key {expr} is a symbol or a stack, which a predicate cannot compare"
                ));
            }
        });
    }
    if let Some((low, high)) = to.values {
        let value = value_expressions(source).remove(name).unwrap_or_default();
        if let Some(low) = low {
            tests.push(format!("({value}) >= {low}"));
        }
        if let Some(high) = high {
            tests.push(format!("({value}) <= {high}"));
        }
    }
    if tests.is_empty() {
        return Err(format!("{shown} has no key to narrow to"));
    }
    let test = tests.join(" && ");
    let clauses: Vec<(usize, usize)> = clause_spans(source)
        .into_iter()
        .filter(|&(_, brace)| fills(&source[brace..body_end(source, brace)], to.aggregation))
        .collect();
    if clauses.is_empty() {
        return Err(format!("no clause of the script fills {shown}"));
    }
    let mut text = source.to_owned();
    // From the last, so that the places of the earlier stay true.
    for &(start, brace) in clauses.iter().rev() {
        let header = source[start..brace].trim_end();
        let new = match predicate(header) {
            Some(open) => format!(
                "{}/({}) && {test}/\n",
                &header[..open],
                header[open + 1..header.len() - 1].trim()
            ),
            None => format!("{header}\n/{test}/\n"),
        };
        text.replace_range(start..brace, &new);
    }
    let note = format!("/* narrowed to {shown} where {test} */\n");
    Ok(match text.strip_prefix("#!") {
        Some(_) => {
            let end = text.find('\n').map_or(text.len(), |e| e + 1);
            format!("{}{note}{}", &text[..end], &text[end..])
        }
        None => note + &text,
    })
}

/// A string as a D string literal's inside.
fn escaped(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Where a header's predicate opens, if it ends in one: the `/` after the
/// probe descriptions (which hold none but in a pid module's path, and
/// then not after white space).
fn predicate(header: &str) -> Option<usize> {
    if !header.ends_with('/') || header.len() < 2 {
        return None;
    }
    let b = header.as_bytes();
    (1..header.len() - 1).find(|&i| b[i] == b'/' && b[i - 1].is_ascii_whitespace())
}

/// Whether a clause's body assigns to `@name`.
fn fills(body: &str, name: &str) -> bool {
    let at = format!("@{name}");
    body.match_indices(&at).any(|(i, _)| {
        let after = body[i + at.len()..].trim_start();
        let next = body[i + at.len()..].chars().next();
        let longer = next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !longer && (after.starts_with('[') || (after.starts_with('=') && !after.starts_with("==")))
    })
}

/// Where the body that opens at `brace` ends (after its `}`).
fn body_end(source: &str, brace: usize) -> usize {
    let b = source.as_bytes();
    let mut depth = 0usize;
    let mut i = brace;
    while i < b.len() {
        if let Some((end, _)) = literal_at(source, i) {
            i = end;
            continue;
        }
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Each clause as (where its probe descriptions start, where its `{` is).
fn clause_spans(source: &str) -> Vec<(usize, usize)> {
    let b = source.as_bytes();
    let mut spans = Vec::new();
    let mut header: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        if let Some((end, _)) = literal_at(source, i) {
            // A string is part of a header; a comment is not.
            if b[i] == b'"' {
                header.get_or_insert(i);
            }
            i = end;
            continue;
        }
        match b[i] {
            b'#' if header.is_none() => {
                i = source[i..].find('\n').map_or(b.len(), |e| i + e);
                continue;
            }
            b'{' => {
                let start = header.unwrap_or(i);
                let word: String = source[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !crate::clauses::DECLARATIONS.contains(&word.as_str()) {
                    spans.push((start, i));
                }
                i = body_end(source, i);
                header = None;
                continue;
            }
            b';' => header = None,
            c if !c.is_ascii_whitespace() => {
                header.get_or_insert(i);
            }
            _ => {}
        }
        i += 1;
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to<'a>(aggregation: &'a str, key: &'a [KeyPart]) -> Narrowing<'a> {
        Narrowing {
            aggregation,
            key,
            values: None,
        }
    }

    #[test]
    fn a_clause_without_a_predicate_gets_one() {
        let script =
            "#!/usr/sbin/dtrace -s\nsyscall:::entry\n{\n\t@n[execname, pid] = count();\n}\n";
        let key = [KeyPart::Str("ba\"sh".into()), KeyPart::Int(42)];
        let text = narrow(script, &to("n", &key)).unwrap();
        assert_eq!(
            text,
            "#!/usr/sbin/dtrace -s\n/* narrowed to @n where execname == \"ba\\\"sh\" && pid == 42 */\n\
             syscall:::entry\n/execname == \"ba\\\"sh\" && pid == 42/\n{\n\t@n[execname, pid] = count();\n}\n"
        );
    }

    #[test]
    fn a_predicate_is_joined_and_only_the_filling_clauses_change() {
        let script = "BEGIN { x = \"{\"; }\n\
                      syscall::read:return /self->ts/ { @lat[probefunc] = quantize(timestamp - self->ts); }\n\
                      syscall::write:entry { @latency[probefunc] = count(); }\n\
                      END { printa(@lat); }\n";
        let key = [KeyPart::Str("read".into())];
        let narrowing = Narrowing {
            aggregation: "lat",
            key: &key,
            values: Some((Some(1024), Some(2047))),
        };
        let text = narrow(script, &narrowing).unwrap();
        assert!(
            text.contains(
                "syscall::read:return /(self->ts) && probefunc == \"read\" && (timestamp - self->ts) >= 1024 && (timestamp - self->ts) <= 2047/\n{ @lat"
            ),
            "{text}"
        );
        assert!(text.contains("syscall::write:entry { @latency"), "{text}");
        assert!(text.contains("BEGIN { x = \"{\"; }"), "{text}");
        assert!(text.contains("END { printa(@lat); }"), "{text}");
    }

    #[test]
    fn a_key_expression_keeps_its_strings() {
        let script = "tick-1ms { @c[strjoin(\"worker-\", lltostr(i))] = count(); }";
        let key = [KeyPart::Str("worker-7".into())];
        let text = narrow(script, &to("c", &key)).unwrap();
        assert!(
            text.contains("tick-1ms\n/strjoin(\"worker-\", lltostr(i)) == \"worker-7\"/\n{"),
            "{text}"
        );
    }

    #[test]
    fn values_alone_narrow_every_key() {
        let script = "io:::done { @lat[execname] = quantize(timestamp - ts[arg0]); }";
        let narrowing = Narrowing {
            aggregation: "lat",
            key: &[],
            values: Some((Some(1024), None)),
        };
        let text = narrow(script, &narrowing).unwrap();
        assert!(
            text.ends_with("io:::done\n/(timestamp - ts[arg0]) >= 1024/\n{ @lat[execname] = quantize(timestamp - ts[arg0]); }"),
            "{text}"
        );
    }

    #[test]
    fn what_cannot_be_narrowed_says_why() {
        let script = "profile-97 { @s[stack()] = count(); }";
        let key = [KeyPart::Stack(vec!["f".into()])];
        assert!(
            narrow(script, &to("s", &key))
                .unwrap_err()
                .contains("stack")
        );
        let key = [KeyPart::Int(1), KeyPart::Int(2)];
        assert!(
            narrow(script, &to("s", &key))
                .unwrap_err()
                .contains("1 expression")
        );
        let key = [KeyPart::Int(1)];
        assert!(narrow(script, &to("t", &key)).is_err());
    }
}
