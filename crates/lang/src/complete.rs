//! Completion for D: what to offer at the cursor, and in which order.
//!
//! Three places are told apart from the text before the cursor:
//! a probe description (outside any clause body, with a `:` typed), an
//! option name after `#pragma D option`, and code, where built-ins,
//! functions and the script's own variables are offered.

use super::source::literal_at;
use super::words::{self, Word, WordKind};
use dscope_model::Probe;
use std::collections::BTreeSet;
use std::ops::Range;

/// What a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Word(WordKind),
    /// A probe description part from the live probe list.
    Probe,
    /// A variable or aggregation the script already uses.
    ScriptName,
}

impl ItemKind {
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Word(k) => k.label(),
            ItemKind::Probe => "probe",
            ItemKind::ScriptName => "in this script",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What replaces the typed prefix.
    pub insert: String,
    pub kind: ItemKind,
    pub signature: String,
    pub doc: String,
}

/// The candidates for the cursor and the text they replace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// Byte range of the typed prefix.
    pub replace: Range<usize>,
    pub items: Vec<Item>,
}

/// Where the cursor is, as far as completion cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A probe description being typed; the range is the whole token.
    Probe(Range<usize>),
    /// An option name after `#pragma D option`.
    Option(Range<usize>),
    /// Code: an identifier (with `self->`, `this->` or `@` in front if
    /// there is one) being typed.
    Code(Range<usize>),
    /// A comment or a string: nothing to offer.
    Nothing,
}

/// Finds the place of byte offset `cursor` in `text`.
pub fn place_at(text: &str, cursor: usize) -> Place {
    let cursor = floor_char_boundary(text, cursor.min(text.len()));
    let before = &text[..cursor];
    let (depth, in_literal) = scan(before);
    if in_literal {
        return Place::Nothing;
    }
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &before[line_start..];
    if let Some(rest) = line.trim_start().strip_prefix('#') {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let typing = !line.ends_with(char::is_whitespace);
        let option_word = matches!(
            (words.as_slice(), typing),
            (["pragma", "D", "option"], false) | (["pragma", "D", "option", _], true)
        );
        if option_word {
            let start = cursor - token_len(line, |c| c.is_ascii_alphanumeric() || c == '_');
            return Place::Option(start..cursor);
        }
        return Place::Nothing;
    }
    // Outside clause bodies, text is a probe description, unless it is a
    // predicate (a line starting with `/`).
    if depth == 0 && !line.trim_start().starts_with('/') {
        let len = token_len(before, |c| {
            c.is_ascii_alphanumeric() || "_-.:*?[]!$".contains(c)
        });
        return Place::Probe(cursor - len..cursor);
    }
    let ident = token_len(before, |c| c.is_ascii_alphanumeric() || c == '_');
    let mut start = cursor - ident;
    let head = &before[..start];
    for marker in ["self->", "this->", "@"] {
        if head.ends_with(marker) {
            start -= marker.len();
            break;
        }
    }
    Place::Code(start..cursor)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Bytes at the end of `s` made of characters that `part` accepts.
fn token_len(s: &str, part: impl Fn(char) -> bool) -> usize {
    s.chars()
        .rev()
        .take_while(|&c| part(c))
        .map(char::len_utf8)
        .sum()
}

/// Brace depth at the end of `text`, and whether it ends inside a comment
/// or a string.
fn scan(text: &str) -> (usize, bool) {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < b.len() {
        if let Some((end, closed)) = literal_at(text, i) {
            if !closed {
                return (depth, true);
            }
            i = end;
            continue;
        }
        match b[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (depth, false)
}

/// Whether typing `typed` (the character just entered) at `cursor` should
/// open completion on its own: after a `:` in a probe description, or
/// after three letters of a word.
pub fn auto_trigger(text: &str, cursor: usize, typed: char) -> bool {
    match place_at(text, cursor) {
        Place::Probe(r) => typed == ':' || (typed.is_ascii_alphanumeric() && r.len() >= 3),
        Place::Code(r) | Place::Option(r) => {
            let word = text[r].trim_start_matches(['@']);
            let word = word
                .strip_prefix("self->")
                .or_else(|| word.strip_prefix("this->"))
                .unwrap_or(word);
            (typed.is_ascii_alphanumeric() || typed == '_') && word.chars().count() >= 3
        }
        Place::Nothing => false,
    }
}

/// Most items shown at once.
pub const MAX_ITEMS: usize = 200;

/// The candidates at `cursor`, best first. `probes` is the live probe list
/// when there is one.
pub fn complete(text: &str, cursor: usize, probes: Option<&[Probe]>) -> Completion {
    match place_at(text, cursor) {
        Place::Nothing => Completion::default(),
        Place::Option(r) => {
            let prefix = &text[r.clone()];
            Completion {
                items: rank(prefix, words::OPTIONS.iter().map(word_item)),
                replace: r,
            }
        }
        Place::Probe(r) => Completion {
            items: probes.map_or_else(Vec::new, |p| probe_items(&text[r.clone()], p)),
            replace: r,
        },
        Place::Code(r) => {
            let prefix = &text[r.clone()];
            let script = script_names(text, r.clone());
            let items = if prefix.starts_with('@')
                || prefix.starts_with("self->")
                || prefix.starts_with("this->")
            {
                rank(prefix, script.into_iter())
            } else {
                let code_words = words::all()
                    .filter(|w| w.kind != WordKind::Option)
                    .map(word_item);
                rank(prefix, code_words.chain(script))
            };
            Completion { replace: r, items }
        }
    }
}

fn word_item(w: &Word) -> Item {
    Item {
        insert: w.name.to_owned(),
        kind: ItemKind::Word(w.kind),
        signature: w.signature.to_owned(),
        doc: w.doc.to_owned(),
    }
}

/// Words most scripts use: offered before rarer words of their kind.
const COMMON: &[&str] = &[
    "execname",
    "pid",
    "tid",
    "probefunc",
    "probename",
    "timestamp",
    "arg0",
    "arg1",
    "arg2",
    "count",
    "sum",
    "quantize",
    "lquantize",
    "printf",
    "trace",
    "copyinstr",
    "stack",
    "ustack",
];

/// Prefix matches only, ignoring case; exact-case matches first, then the
/// script's own names, variables, functions, in that order; common words
/// before rare ones, shorter before longer.
fn rank(prefix: &str, items: impl Iterator<Item = Item>) -> Vec<Item> {
    let lower = prefix.to_lowercase();
    let mut found: Vec<(u8, u8, bool, Item)> = items
        .filter(|i| i.insert.to_lowercase().starts_with(&lower) && i.insert != prefix)
        .map(|i| {
            let case = u8::from(!i.insert.starts_with(prefix));
            let kind = match i.kind {
                ItemKind::ScriptName => 0,
                ItemKind::Word(WordKind::Variable) => 1,
                ItemKind::Word(WordKind::Aggregating) => 2,
                ItemKind::Word(WordKind::Action) => 3,
                ItemKind::Word(WordKind::Subroutine) => 4,
                ItemKind::Word(WordKind::Destructive) => 5,
                ItemKind::Word(WordKind::Option) | ItemKind::Probe => 6,
            };
            let rare = !COMMON.contains(&i.insert.as_str());
            (case, kind, rare, i)
        })
        .collect();
    found.sort_by(|a, b| {
        (a.0, a.1, a.2, a.3.insert.len(), &a.3.insert).cmp(&(
            b.0,
            b.1,
            b.2,
            b.3.insert.len(),
            &b.3.insert,
        ))
    });
    found.dedup_by(|a, b| a.3.insert == b.3.insert);
    found.truncate(MAX_ITEMS);
    found.into_iter().map(|(_, _, _, i)| i).collect()
}

/// `self->x`, `this->y` and `@name` as the script uses them, except the
/// one being typed.
fn script_names(text: &str, typing: Range<usize>) -> Vec<Item> {
    let mut names = BTreeSet::new();
    let b = text.as_bytes();
    let ident = |from: usize| {
        let len = text[from..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
            .count();
        from + len
    };
    let mut i = 0;
    while i < b.len() {
        let marker = if b[i..].starts_with(b"self->") || b[i..].starts_with(b"this->") {
            6
        } else if b[i] == b'@' {
            1
        } else {
            i += 1;
            continue;
        };
        let end = ident(i + marker);
        if end > i + marker && !(typing.start == i && typing.end <= end) {
            names.insert(text[i..end].to_owned());
        }
        i = end.max(i + 1);
    }
    names
        .into_iter()
        .map(|n| Item {
            doc: if n.starts_with('@') {
                "An aggregation of this script.".into()
            } else if n.starts_with("self->") {
                "A thread-local variable of this script.".into()
            } else {
                "A clause-local variable of this script.".into()
            },
            signature: n.clone(),
            insert: n,
            kind: ItemKind::ScriptName,
        })
        .collect()
}

/// The next field of matching probe descriptions: with `syscall::rea`
/// typed, `syscall::read:` and `syscall::readv:`; in the last field, whole
/// descriptions. Typed fields may use wildcards.
fn probe_items(typed: &str, probes: &[Probe]) -> Vec<Item> {
    let fields: Vec<&str> = typed.split(':').collect();
    if fields.len() > 4 {
        return Vec::new();
    }
    // Fields typed so far are aligned from the provider; the last one is a
    // prefix.
    let (done, partial) = fields.split_at(fields.len() - 1);
    let partial = partial[0];
    let level = done.len();
    let mut seen = BTreeSet::new();
    for p in probes {
        let values = [&p.provider, &p.module, &p.function, &p.name];
        let earlier = done
            .iter()
            .zip(values)
            .all(|(f, v)| f.is_empty() || crate::probe_pattern::glob(f.as_bytes(), v.as_bytes()));
        if !earlier || !values[level].starts_with(partial) {
            continue;
        }
        let mut insert = done.join(":");
        if level > 0 {
            insert.push(':');
        }
        insert.push_str(values[level]);
        if level < 3 {
            insert.push(':');
        }
        seen.insert(insert);
        if seen.len() >= MAX_ITEMS {
            break;
        }
    }
    seen.into_iter()
        .map(|insert| Item {
            signature: insert.clone(),
            doc: String::new(),
            insert,
            kind: ItemKind::Probe,
        })
        .collect()
}

/// The destructive actions a script calls (outside comments and strings),
/// each once, in order of first use.
pub fn destructive_calls(text: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some((end, _)) = literal_at(text, i) {
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let member = text[..start].ends_with("->") || text[..start].ends_with('.');
            let called = b.get(past_blanks(text, i)) == Some(&b'(');
            if let Some(w) = words::DESTRUCTIVE
                .iter()
                .find(|w| w.name == &text[start..i])
                && called
                && !member
                && !found.contains(&w.name)
            {
                found.push(w.name);
            }
        } else {
            i += 1;
        }
    }
    found
}

/// Where the first byte at or after `i` that is neither white space nor
/// part of a comment lies; D allows both between a name and its `(`.
fn past_blanks(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match literal_at(text, i) {
            Some((end, _)) if b[i] == b'/' => i = end,
            _ => return i,
        }
    }
}

/// The line (1-based) of the first `#pragma D option destructive`, which
/// turns destructive actions on from inside the script.
pub fn destructive_pragma_line(text: &str) -> Option<usize> {
    pragma_option(text, "destructive").map(|(line, _)| line)
}

/// The first `#pragma D option NAME[=VALUE]` in `text`: its line
/// (1-based) and the value, if it gives one.
pub fn pragma_option<'a>(text: &'a str, name: &str) -> Option<(usize, Option<&'a str>)> {
    pragma_options(text, name).next()
}

/// Every `#pragma D option NAME[=VALUE]` in `text`, as [`pragma_option`]
/// gives the first.
pub fn pragma_options<'a>(
    text: &'a str,
    name: &str,
) -> impl Iterator<Item = (usize, Option<&'a str>)> {
    text.lines().enumerate().filter_map(move |(i, line)| {
        let rest = line.trim_start().strip_prefix('#')?;
        let mut words = rest.split_whitespace();
        if (words.next(), words.next(), words.next()) != (Some("pragma"), Some("D"), Some("option"))
        {
            return None;
        }
        match words.next()?.strip_prefix(name)? {
            "" => Some((i + 1, None)),
            tail => tail.strip_prefix('=').map(|v| (i + 1, Some(v))),
        }
    })
}

/// The word under byte offset `at`, for hover help.
pub fn word_at(text: &str, at: usize) -> Option<(Range<usize>, &'static Word)> {
    let at = floor_char_boundary(text, at.min(text.len()));
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = at - token_len(&text[..at], is_part);
    let end = at
        + text[at..]
            .chars()
            .take_while(|&c| is_part(c))
            .map(char::len_utf8)
            .sum::<usize>();
    if start == end {
        return None;
    }
    // Not a member (x->pid) or a script variable (self->cpu).
    let before = &text[..start];
    if before.ends_with("->") || before.ends_with('.') || before.ends_with('@') {
        return None;
    }
    if let Place::Nothing = place_at(text, start) {
        return None;
    }
    words::lookup(&text[start..end]).map(|w| (start..end, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_end(text: &str) -> Completion {
        complete(text, text.len(), Some(&probes()))
    }

    fn inserts(c: &Completion) -> Vec<&str> {
        c.items.iter().map(|i| i.insert.as_str()).collect()
    }

    fn probe(p: &str, m: &str, f: &str, n: &str) -> Probe {
        Probe::new(0, p, m, f, n)
    }

    fn probes() -> Vec<Probe> {
        vec![
            probe("syscall", "vmlinux", "read", "entry"),
            probe("syscall", "vmlinux", "read", "return"),
            probe("syscall", "vmlinux", "readv", "entry"),
            probe("syscall", "vmlinux", "write", "entry"),
            probe("sched", "vmlinux", "", "on-cpu"),
        ]
    }

    #[test]
    fn places_are_told_apart() {
        assert!(matches!(place_at("syscall::re", 11), Place::Probe(r) if r == (0..11)));
        assert!(matches!(place_at("BEGIN { x = ti", 14), Place::Code(r) if r == (12..14)));
        assert!(matches!(place_at("BEGIN { self->st", 16), Place::Code(r) if r == (8..16)));
        assert!(matches!(place_at("#pragma D option qu", 19), Place::Option(r) if r == (17..19)));
        assert_eq!(place_at("/* syscall::re", 14), Place::Nothing);
        assert_eq!(place_at("BEGIN { printf(\"ti", 18), Place::Nothing);
        // A ternary inside a body is code, not a probe description.
        assert!(matches!(
            place_at("BEGIN { x = a ? b :c", 20),
            Place::Code(_)
        ));
        // So is a predicate.
        assert!(
            matches!(place_at("syscall::read:entry\n/execn", 26), Place::Code(r) if r == (21..26))
        );
    }

    #[test]
    fn probe_descriptions_complete_field_by_field() {
        assert_eq!(inserts(&at_end("sys")), ["syscall:"], "providers first");
        assert_eq!(inserts(&at_end("BEGIN { x = 1; }\nsc")), ["sched:"]);
        assert_eq!(
            inserts(&at_end("syscall::re")),
            ["syscall::read:", "syscall::readv:"]
        );
        assert_eq!(
            inserts(&at_end("syscall::read:")),
            ["syscall::read:entry", "syscall::read:return"]
        );
        assert_eq!(inserts(&at_end("sched:")), ["sched:vmlinux:"]);
        assert_eq!(inserts(&at_end("s*::read*:e")), ["s*::read*:entry"]);
        // After a finished description and a comma, the next one starts.
        assert_eq!(
            inserts(&at_end("syscall::read:entry,\nsyscall::wr")),
            ["syscall::write:"]
        );
        // Without a probe list there are no probe candidates, and no panic.
        assert!(complete("syscall::re", 11, None).items.is_empty());
    }

    #[test]
    fn code_offers_builtins_functions_and_the_scripts_names_ranked() {
        let text = "BEGIN { self->start = timestamp; @calls[execname] = count(); x = ti";
        let c = at_end(text);
        assert_eq!(
            inserts(&c),
            ["tid", "timestamp"],
            "variables, shorter first"
        );
        assert_eq!(c.replace, text.len() - 2..text.len());
        let c = at_end("BEGIN { x = exe");
        assert_eq!(inserts(&c), ["execname", "execargs"], "common words first");
        let c = at_end("BEGIN { lq");
        assert_eq!(inserts(&c), ["lquantize"]);
        assert!(
            c.items[0]
                .signature
                .starts_with("lquantize(scalar expression")
        );
        assert!(!c.items[0].doc.is_empty());
        // Exact case first, then other case.
        let c = at_end("BEGIN { @Calls = count(); @calls = count(); x = @C");
        assert_eq!(inserts(&c), ["@Calls", "@calls"]);
        let c = at_end("BEGIN { self->start = 1; self->stop = 2; } END { y = self->st");
        assert_eq!(inserts(&c), ["self->stop", "self->start"], "shorter first");
        // Script names come before words with the same prefix.
        let c = at_end("BEGIN { this->count = 1; x = this->c");
        assert_eq!(inserts(&c), ["this->count"]);
        let c = at_end("#pragma D option dyn");
        assert_eq!(inserts(&c), ["dynvarsize"]);
    }

    #[test]
    fn typing_opens_completion_after_a_colon_or_three_letters() {
        assert!(auto_trigger("syscall:", 8, ':'));
        assert!(!auto_trigger("sy", 2, 'y'));
        assert!(auto_trigger("sys", 3, 's'));
        assert!(!auto_trigger("BEGIN { ti", 10, 'i'));
        assert!(auto_trigger("BEGIN { tim", 11, 'm'));
        assert!(!auto_trigger("BEGIN { a = b :", 15, ':'));
        assert!(!auto_trigger("/* tim", 6, 'm'));
    }

    #[test]
    fn hover_finds_builtins_but_not_members_or_script_variables() {
        let text = "BEGIN { @[execname] = count(); self->cpu = curpsinfo->pr_pid; }";
        let at = text.find("execname").unwrap() + 3;
        let (r, w) = word_at(text, at).unwrap();
        assert_eq!(&text[r], "execname");
        assert_eq!(w.kind, WordKind::Variable);
        assert_eq!(
            word_at(text, text.find("count").unwrap()).unwrap().1.name,
            "count"
        );
        assert!(word_at(text, text.find("cpu =").unwrap()).is_none());
        assert!(word_at(text, text.find("pr_pid").unwrap()).is_none());
    }

    #[test]
    fn destructive_calls_are_found_in_code_only() {
        let script = "/* system(\"x\") */ BEGIN { printf(\"raise()\"); system(\"ls\"); \
                      x->stop(); stop (); system(\"y\"); } // panic()";
        assert_eq!(destructive_calls(script), ["system", "stop"]);
        assert!(destructive_calls("BEGIN { trace(1); }").is_empty());
        // Comments between the name and its parenthesis hide nothing.
        assert_eq!(
            destructive_calls("BEGIN { raise /* x */\n // y\n (9); chill"),
            ["raise"]
        );
        assert_eq!(
            destructive_calls("BEGIN { é; /* ü */ system(\"ö\"); }"),
            ["system"]
        );
    }

    #[test]
    fn the_destructive_pragma_is_found_on_its_line() {
        let script = "#pragma D option quiet\n\n  # pragma  D option destructive\nBEGIN {}\n";
        assert_eq!(destructive_pragma_line(script), Some(3));
        assert_eq!(
            destructive_pragma_line("#pragma D option destructive=1"),
            Some(1)
        );
        for other in [
            "#pragma D option quiet",
            "#pragma D option destructivex",
            "#pragma D destructive",
            "BEGIN { trace(\"#pragma D option destructive\"); }",
            "",
        ] {
            assert_eq!(destructive_pragma_line(other), None, "{other}");
        }
    }

    #[test]
    fn odd_text_and_offsets_do_not_panic() {
        for text in [
            "",
            "é:",
            "\"unterminated",
            "/* open",
            "#",
            "@",
            "self->",
            "a:b:c:d:e:",
        ] {
            for cursor in 0..=text.len() + 2 {
                let _ = complete(text, cursor, Some(&probes()));
                let _ = word_at(text, cursor);
            }
        }
    }
}
