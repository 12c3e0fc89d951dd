//! Rules as people write them, and as scripts keep them.

use super::{Condition, Rule};
use crate::history::baseline::{Measure, parse_window};

/// What starts a rule's comment line in a script.
pub const MARK: &str = "dscope-alert:";

impl Rule {
    /// `NAME: @AGG[KEY].MEASURE CONDITION [for DURATION]`, where KEY is a
    /// pattern (`*`, `?`) on the key as one line ("bash, read") and may
    /// be left out with its brackets; MEASURE is `rate`, `value` or
    /// `p99` (left out: a count's rate, a gauge's value); CONDITION is
    /// `> N`, `< N`, `outside baseline [N sd]` or `trend > N within
    /// DURATION` (or `<`). N may end in K, M, G or T (thousands);
    /// DURATION is 30s, 5m, 1h.
    pub fn parse(line: &str) -> Result<Rule, String> {
        let bad = |why: &str| format!("'{}': {why}", line.trim());
        let (name, rest) = line
            .split_once(':')
            .ok_or_else(|| bad("a rule starts with its name and a colon"))?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad("a rule's name is letters, digits, _ and -"));
        }
        let text = rest.trim();
        let rest = text
            .strip_prefix('@')
            .ok_or_else(|| bad("say which aggregation: @name"))?;
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (aggregation, mut rest) = rest.split_at(end);
        let mut key = None;
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner.rfind(']').ok_or_else(|| bad("a [ without its ]"))?;
            key = Some(inner[..close].trim().to_owned());
            rest = &inner[close + 1..];
        }
        let mut measure = None;
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            measure = Some(match &after[..end] {
                "rate" => Measure::Rate,
                "value" => Measure::Value,
                "p99" => Measure::P99,
                other => return Err(bad(&format!("'{other}' is no measure: rate, value or p99"))),
            });
            rest = &after[end..];
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        let (condition, used) = condition(&words).map_err(|e| bad(&e))?;
        let hold = match &words[used..] {
            [] => 0.0,
            ["for", d] => parse_window(d).map_err(|e| bad(&e))? as f64,
            _ => return Err(bad("after the condition only 'for DURATION' may follow")),
        };
        Ok(Rule {
            name: name.to_owned(),
            text: text.to_owned(),
            aggregation: aggregation.to_owned(),
            key: key.filter(|k| k != "*"),
            measure,
            condition,
            hold,
        })
    }

    /// The rule as a script's comment line keeps it.
    pub fn comment(&self) -> String {
        format!("/* {MARK} {}: {} */", self.name, self.text)
    }
}

/// The condition at the start of `words`, and how many words it took.
fn condition(words: &[&str]) -> Result<(Condition, usize), String> {
    match words {
        [">", n, ..] => Ok((Condition::Above(number(n)?), 2)),
        ["<", n, ..] => Ok((Condition::Below(number(n)?), 2)),
        ["outside", "baseline", sd, "sd", ..] => Ok((
            Condition::OutsideBaseline {
                sigmas: number(sd)?,
            },
            4,
        )),
        ["outside", "baseline", ..] => Ok((Condition::OutsideBaseline { sigmas: 3.0 }, 2)),
        ["trend", op @ (">" | "<"), n, "within", d, ..] => Ok((
            Condition::Trend {
                rising: *op == ">",
                limit: number(n)?,
                within: parse_window(d)? as f64,
            },
            5,
        )),
        _ => {
            Err("the condition is > N, < N, outside baseline, or trend > N within DURATION".into())
        }
    }
}

/// `1000`, `2.5K`, `3M`, `1G`, `2T`.
fn number(text: &str) -> Result<f64, String> {
    let (digits, scale) = match text.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&text[..text.len() - 1], 1e3),
        Some('M') => (&text[..text.len() - 1], 1e6),
        Some('G') => (&text[..text.len() - 1], 1e9),
        Some('T') => (&text[..text.len() - 1], 1e12),
        _ => (text, 1.0),
    };
    digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v * scale)
        .ok_or_else(|| format!("'{text}' is no number"))
}

/// The rules a script keeps in its comments, and what was wrong with the
/// ones that could not be read (with their line numbers).
pub fn in_script(source: &str) -> (Vec<Rule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let Some(at) = line.find(MARK) else { continue };
        let before = line[..at].trim();
        if !matches!(before, "/*" | "//" | "*") {
            continue;
        }
        let text = line[at + MARK.len()..].trim();
        let text = text.strip_suffix("*/").unwrap_or(text);
        match Rule::parse(text) {
            Ok(r) => rules.push(r),
            Err(e) => problems.push(format!("line {}: {e}", i + 1)),
        }
    }
    (rules, problems)
}

/// `source` with its rule lines replaced by `rules`, at the top (after
/// a `#!` line).
pub fn with_rules(source: &str, rules: &[Rule]) -> String {
    let mut kept: Vec<&str> = source
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.contains(MARK) && (t.starts_with("/*") || t.starts_with("//")))
        })
        .collect();
    // A `#!/usr/sbin/dtrace -s` line must stay the first.
    let mut out: Vec<String> = Vec::new();
    if kept.first().is_some_and(|l| l.starts_with("#!")) {
        out.push(kept.remove(0).to_owned());
    }
    out.extend(rules.iter().map(Rule::comment));
    out.extend(kept.iter().map(|l| (*l).to_owned()));
    let mut text = out.join("\n");
    if source.ends_with('\n') || !rules.is_empty() {
        text.push('\n');
    }
    text
}
