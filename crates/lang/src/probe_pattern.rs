//! Probe description patterns, as `dtrace -l -n` reads them.
//!
//! A description has up to four fields, `provider:module:function:name`.
//! Fewer fields are aligned to the right (`read:entry` is function and
//! name; `BEGIN` is a name); an empty field matches anything; fields may use
//! the shell wildcards `*`, `?` and `[...]` (with `!` to negate).

use dscope_model::Probe;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbePattern {
    fields: [String; 4],
    /// How many fields were written (at most four).
    given: usize,
}

/// The fields' names, in order.
const FIELD_NAMES: [&str; 4] = ["provider", "module", "function", "name"];

/// The profile provider's units (dt_profile.c): `tick-1s`, `profile-97hz`.
const PROFILE_UNITS: &[&str] = &[
    "", "ns", "nsec", "us", "usec", "ms", "msec", "s", "sec", "m", "min", "h", "hour", "d", "day",
    "hz",
];

impl ProbePattern {
    pub fn parse(pattern: &str) -> ProbePattern {
        let parts: Vec<&str> = pattern.trim().split(':').collect();
        let mut fields: [String; 4] = Default::default();
        // Right-align; a description with more than four fields keeps its
        // last four (libdtrace refuses those earlier, at compile time).
        let skip = parts.len().saturating_sub(4);
        let given = parts.len() - skip;
        let start = 4 - given;
        for (i, p) in parts.iter().skip(skip).enumerate() {
            fields[start + i] = (*p).to_owned();
        }
        ProbePattern { fields, given }
    }

    /// The four fields, right-aligned as libdtrace reads a description
    /// (`read:entry` is a function and a name); unwritten ones are empty.
    pub fn fields(&self) -> [&str; 4] {
        self.fields.each_ref().map(String::as_str)
    }

    /// The same fields read from the left, as people often mean a short
    /// description: `syscall::read*` as provider, module and function
    /// rather than module, function and name. `None` when all four fields
    /// were written, so there is no other reading.
    pub fn from_the_left(&self) -> Option<ProbePattern> {
        if self.given >= 4 {
            return None;
        }
        let mut fields: [String; 4] = Default::default();
        fields[..self.given].clone_from_slice(&self.fields[4 - self.given..]);
        Some(ProbePattern { fields, given: 4 })
    }

    /// The fields as written, read from the left, the rest as `*`:
    /// `syscall::read*` becomes `syscall::read*:*`.
    pub fn from_the_left_text(&self) -> String {
        let mut fields: Vec<&str> = self.fields[4 - self.given..]
            .iter()
            .map(String::as_str)
            .collect();
        fields.resize(4, "*");
        fields.join(":")
    }

    /// What the fields ask for, in words: "module syscall and name read*".
    /// Empty fields, which ask for nothing, are left out.
    pub fn in_words(&self) -> String {
        let asked: Vec<String> = FIELD_NAMES
            .iter()
            .zip(&self.fields)
            .filter(|(_, f)| !f.is_empty())
            .map(|(n, f)| format!("{n} {f}"))
            .collect();
        if asked.is_empty() {
            "any probe".to_owned()
        } else {
            asked.join(" and ")
        }
    }

    /// Whether the profile provider makes this probe when a script enables
    /// it (`tick-1s`, `profile:::profile-97`): such probes are not in
    /// `dtrace -l` until then.
    pub fn created_when_enabled(&self) -> bool {
        let [provider, module, function, name] = &self.fields;
        let fits = |f: &String, value: &str| f.is_empty() || glob(f.as_bytes(), value.as_bytes());
        if !fits(provider, "profile") || !fits(module, "") || !fits(function, "") {
            return false;
        }
        let Some(rate) = name
            .strip_prefix("tick-")
            .or_else(|| name.strip_prefix("profile-"))
        else {
            return false;
        };
        let digits = rate
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rate.len());
        digits > 0 && PROFILE_UNITS.contains(&&rate[digits..])
    }

    pub fn matches(&self, probe: &Probe) -> bool {
        let values = [&probe.provider, &probe.module, &probe.function, &probe.name];
        self.fields
            .iter()
            .zip(values)
            .all(|(f, v)| f.is_empty() || glob(f.as_bytes(), v.as_bytes()))
    }
}

/// The four fields, empty ones as written: `syscall::read*:`.
impl std::fmt::Display for ProbePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.fields.join(":"))
    }
}

/// Shell-style wildcard match of a whole string.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matching with backtracking to the last `*`: linear in
    // practice, and no recursion for long names.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(&pattern[p..], text[t]) {
                        if matched {
                            p += next;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == b'[' {
                        // An unclosed bracket is a literal.
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pattern.len() && pattern[p + 1] == text[t] => {
                    p += 2;
                    t += 1;
                    continue;
                }
                c if c == text[t] => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the class at the start of `pattern` (`[...]`).
/// Returns whether it matched and the class's length, or `None` when the
/// bracket is not closed.
fn class(pattern: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pattern.get(1), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pattern.len() {
        let lo = pattern[i];
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < pattern.len() && pattern[i + 1] == b'-' && pattern[i + 2] != b']' {
            if lo <= c && c <= pattern[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// The probe descriptions of a script's clauses, in order: the text
/// before each clause's predicate or body, split at commas. Comments,
/// strings, `#` lines, predicates, bodies and declarations are skipped.
pub fn descriptions_in(script: &str) -> Vec<String> {
    let b = script.as_bytes();
    let mut out = Vec::new();
    let mut header = String::new();
    let mut depth = 0usize;
    let mut in_predicate = false;
    let mut i = 0;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        if let Some((end, _)) = super::source::literal_at(script, i) {
            i = end;
            continue;
        }
        if line_start && c == b'#' && depth == 0 {
            i = script[i..].find('\n').map_or(b.len(), |e| i + e);
            continue;
        }
        line_start = c == b'\n' || (line_start && c.is_ascii_whitespace());
        match c {
            b'{' => {
                if depth == 0 {
                    take_header(&mut header, &mut out);
                }
                depth += 1;
                in_predicate = false;
            }
            b'}' => depth = depth.saturating_sub(1),
            b'/' if depth == 0 => {
                if !in_predicate {
                    take_header(&mut header, &mut out);
                }
                in_predicate = !in_predicate;
            }
            b';' if depth == 0 => header.clear(),
            _ if depth == 0 && !in_predicate => header.push(c as char),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Words that start a declaration, not a clause.
const DECLARATION_WORDS: &[&str] = &[
    "inline",
    "typedef",
    "struct",
    "union",
    "enum",
    "translator",
    "provider",
    "self",
    "this",
    "const",
    "extern",
    "static",
];

fn take_header(header: &mut String, out: &mut Vec<String>) {
    let text = std::mem::take(header);
    let first = text.split_whitespace().next().unwrap_or("");
    if DECLARATION_WORDS.contains(&first) {
        return;
    }
    for d in text.split(',') {
        let d = d.trim();
        if !d.is_empty() && !d.contains(char::is_whitespace) {
            out.push(d.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(p: &str, m: &str, f: &str, n: &str) -> Probe {
        Probe::new(0, p, m, f, n)
    }

    #[test]
    fn fields_align_to_the_right_and_empty_fields_match_all() {
        let read = probe("syscall", "vmlinux", "read", "entry");
        assert!(ProbePattern::parse("syscall::read:entry").matches(&read));
        assert!(ProbePattern::parse("read:entry").matches(&read));
        assert!(ProbePattern::parse("entry").matches(&read));
        assert!(ProbePattern::parse("").matches(&read));
        assert!(ProbePattern::parse(":::").matches(&read));
        assert!(!ProbePattern::parse("return").matches(&read));
        assert!(!ProbePattern::parse("fbt:::entry").matches(&read));
    }

    #[test]
    fn wildcards() {
        let read = probe("syscall", "vmlinux", "readv", "entry");
        assert!(ProbePattern::parse("syscall::read*:").matches(&read));
        assert!(ProbePattern::parse("sys*::re?dv:ent*").matches(&read));
        assert!(ProbePattern::parse("syscall::[rw]eadv:").matches(&read));
        assert!(!ProbePattern::parse("syscall::[!r]eadv:").matches(&read));
        assert!(ProbePattern::parse("syscall::[a-s]eadv:").matches(&read));
        assert!(!ProbePattern::parse("syscall::read:").matches(&read));
        assert!(glob(b"*a*b*c", b"xxaxxbxxc"));
        assert!(!glob(b"*a*b*c", b"xxaxxbxx"));
        assert!(glob(b"a[", b"a["));
    }

    #[test]
    fn short_descriptions_can_be_read_from_the_left() {
        let short = ProbePattern::parse("syscall::read*");
        let readv = probe("syscall", "vmlinux", "readv", "entry");
        assert!(!short.matches(&readv), "as dtrace reads it: module syscall");
        assert_eq!(short.in_words(), "module syscall and name read*");
        let left = short.from_the_left().unwrap();
        assert!(left.matches(&readv));
        assert_eq!(left.to_string(), "syscall::read*:");
        assert_eq!(short.from_the_left_text(), "syscall::read*:*");
        let two = ProbePattern::parse("syscall:read").from_the_left().unwrap();
        assert_eq!(two.to_string(), "syscall:read::");
        assert_eq!(ProbePattern::parse("a:b:c:d").from_the_left(), None);
        assert_eq!(ProbePattern::parse(":::").in_words(), "any probe");
    }

    #[test]
    fn profile_probes_are_made_when_enabled() {
        for made in [
            "tick-1s",
            "profile:::tick-10msec",
            "profile-97",
            "profile-4999hz",
            ":::tick-1",
            "prof*:::tick-5sec",
        ] {
            assert!(ProbePattern::parse(made).created_when_enabled(), "{made}");
        }
        for listed in [
            "BEGIN",
            "tick-",
            "tick-1fortnight",
            "syscall:::tick-1s",
            "profile:vmlinux::tick-1s",
            "tick-*",
        ] {
            assert!(
                !ProbePattern::parse(listed).created_when_enabled(),
                "{listed}"
            );
        }
    }

    #[test]
    fn descriptions_are_read_from_clause_headers() {
        let script = r#"#!/usr/sbin/dtrace -s
#pragma D option quiet
/* syscall::fake:entry { } */
inline int LIMIT = 10;
struct foo { int x; };
syscall::read:entry, syscall::write:entry
/execname != "a/b" && arg2 / 2 > LIMIT/
{
    printf("{ %s }", "tick-1sec:");
    if (1) { trace(1); }
}

profile-97 // a comment with BEGIN
{ @[stack()] = count(); }
BEGIN{}
"#;
        assert_eq!(
            descriptions_in(script),
            [
                "syscall::read:entry",
                "syscall::write:entry",
                "profile-97",
                "BEGIN"
            ]
        );
    }
}
