//! Rules that watch a run and act when a key crosses a line: above or
//! below a limit for a time, outside its baseline, or heading for a limit
//! within a horizon. A rule fires once when it starts to hold for a key
//! and says so again when it clears.
//!
//! A rule is one line (see [`Rule::parse`]):
//!
//! ```text
//! busy: @syscalls[bash].rate > 1000 for 10s
//! slow: @lat[*].p99 > 5000000
//! odd: @syscalls[*] outside baseline for 30s
//! full: @bytes.rate trend > 1G within 10m
//! ```
//!
//! Rules are saved with the script, each in a comment line of its own
//! that starts with `dscope-alert:`, so the script keeps them wherever it
//! goes and dtrace(1) ignores them.

pub mod parse;
mod sink;

pub use sink::{Action, CommandAction, WatchSink};

use crate::history::baseline::{Baseline, Measure};
use crate::history::{AggHistory, History};
use crate::model::{KeyPart, key_label};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// What a rule watches for.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Above(f64),
    Below(f64),
    /// Outside the baseline's band, this many standard deviations wide.
    OutsideBaseline {
        sigmas: f64,
    },
    /// The least-squares line through the recent points reaches the
    /// limit (from below for `rising`) within `within` seconds.
    Trend {
        rising: bool,
        limit: f64,
        within: f64,
    },
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// The rule as written after its name.
    pub text: String,
    pub aggregation: String,
    /// A pattern on the key as one line (`*` and `?`); `None`: any key.
    pub key: Option<String>,
    /// What is watched; `None`: the aggregation's first measure (a
    /// count's rate, a gauge's value).
    pub measure: Option<Measure>,
    pub condition: Condition,
    /// How long the condition must hold before the rule fires.
    pub hold: f64,
}

/// A rule that fired or cleared, as the actions are told of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: String,
    pub text: String,
    /// "firing" or "cleared".
    pub state: &'static str,
    pub aggregation: String,
    pub key: Vec<KeyPart>,
    pub key_label: String,
    pub measure: Measure,
    pub value: f64,
    /// The limit crossed (for a baseline rule, the band's edge).
    pub limit: f64,
    /// Seconds since the run started, and as UTC time.
    pub t: f64,
    pub time: String,
    /// When the condition started to hold.
    pub since: f64,
    pub host: String,
    pub script: String,
}

impl Alert {
    pub fn line(&self) -> String {
        let key = match self.key_label.as_str() {
            "" => String::new(),
            k => format!("[{k}]"),
        };
        format!(
            "alert {} {}: @{}{key} {} is {} (limit {}) since {:.1} s",
            self.rule,
            self.state,
            self.aggregation,
            self.measure.name(),
            short(self.value),
            short(self.limit),
            self.since
        )
    }
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A key's state under one rule.
#[derive(Debug, Default, Clone, Copy)]
struct State {
    holds_since: Option<f64>,
    firing: bool,
}

/// Judges rules on a run's history as its points come.
#[derive(Debug)]
pub struct Rules {
    rules: Vec<Rule>,
    baseline: Option<Arc<Baseline>>,
    started: DateTime<Utc>,
    host: String,
    script: String,
    /// By rule and the history's index of the key (a rule watches one
    /// aggregation, whose key indices never change).
    states: HashMap<(usize, usize), State>,
    checked: HashMap<String, f64>,
}

impl Rules {
    pub fn new(
        rules: Vec<Rule>,
        baseline: Option<Arc<Baseline>>,
        started: DateTime<Utc>,
        host: &str,
        script: &str,
    ) -> Rules {
        Rules {
            rules,
            baseline,
            started,
            host: host.to_owned(),
            script: script.to_owned(),
            states: HashMap::new(),
            checked: HashMap::new(),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Judges every point of `history` not judged yet; what fired or
    /// cleared, in time order per aggregation.
    pub fn check(&mut self, history: &History) -> Vec<Alert> {
        let mut alerts = Vec::new();
        for h in history.aggregations() {
            if !self.rules.iter().any(|r| r.aggregation == h.name) {
                continue;
            }
            let first = match self.checked.get(&h.name) {
                Some(&t) => h.index_at(t).map_or(0, |p| p + 1),
                None => 0,
            };
            for p in first..h.len() {
                self.check_point(h, p, &mut alerts);
            }
            if !h.is_empty() {
                self.checked.insert(h.name.clone(), h.time(h.len() - 1));
            }
        }
        alerts
    }

    fn check_point(&mut self, h: &AggHistory, p: usize, alerts: &mut Vec<Alert>) {
        let t = h.time(p);
        for r in 0..self.rules.len() {
            let rule = &self.rules[r];
            if rule.aggregation != h.name {
                continue;
            }
            let measure = rule.measure.unwrap_or(Measure::of(h.function)[0]);
            for (k, key) in h.keys().iter().enumerate() {
                let label = key_label(key);
                if rule.key.as_deref().is_some_and(|g| !glob(g, &label)) {
                    continue;
                }
                let Some(x) = h.watched(p, k, measure) else {
                    continue;
                };
                let verdict = self.holds(rule, h, p, k, measure, x);
                let state = self.states.entry((r, k)).or_default();
                let alert = |state: &'static str, limit: f64, since: f64| Alert {
                    rule: rule.name.clone(),
                    text: rule.text.clone(),
                    state,
                    aggregation: h.name.clone(),
                    key: key.clone(),
                    key_label: label.clone(),
                    measure,
                    value: x,
                    limit,
                    t,
                    time: crate::history::baseline::at(self.started, t).to_rfc3339(),
                    since,
                    host: self.host.clone(),
                    script: self.script.clone(),
                };
                match verdict {
                    Some(limit) => {
                        let since = *state.holds_since.get_or_insert(t);
                        if !state.firing && t - since >= rule.hold {
                            state.firing = true;
                            alerts.push(alert("firing", limit, since));
                        }
                    }
                    None => {
                        if state.firing {
                            let since = state.holds_since.unwrap_or(t);
                            alerts.push(alert("cleared", limit_of(rule), since));
                        }
                        *state = State::default();
                    }
                }
            }
        }
    }

    /// Whether `rule` holds for key `k` at point `p`: the limit it crossed.
    fn holds(
        &self,
        rule: &Rule,
        h: &AggHistory,
        p: usize,
        k: usize,
        measure: Measure,
        x: f64,
    ) -> Option<f64> {
        match rule.condition {
            Condition::Above(limit) => (x > limit).then_some(limit),
            Condition::Below(limit) => (x < limit).then_some(limit),
            Condition::OutsideBaseline { sigmas } => {
                let when = crate::history::baseline::at(self.started, h.time(p));
                let band =
                    self.baseline
                        .as_ref()?
                        .band(&h.name, &h.keys()[k], measure, when, sigmas)?;
                if x > band.high {
                    Some(band.high)
                } else if x < band.low {
                    Some(band.low)
                } else {
                    None
                }
            }
            Condition::Trend {
                rising,
                limit,
                within,
            } => {
                // The line through the last minute's points (at least 5).
                let t = h.time(p);
                let from = (0..=p)
                    .rev()
                    .take_while(|&q| t - h.time(q) <= 60.0)
                    .last()?;
                let from = from.min(p.saturating_sub(4));
                let points: Vec<(f64, Option<f64>)> = (from..=p)
                    .map(|q| (h.time(q), h.watched(q, k, measure)))
                    .collect();
                let fit = crate::history::trend::Fit::of(&points)?;
                let heading = if rising {
                    fit.slope > 0.0
                } else {
                    fit.slope < 0.0
                };
                let crossed = if rising { x >= limit } else { x <= limit };
                let soon = fit.reaches(limit, t).is_some_and(|at| at - t <= within);
                (heading && (soon || crossed)).then_some(limit)
            }
        }
    }
}

fn limit_of(rule: &Rule) -> f64 {
    match rule.condition {
        Condition::Above(l) | Condition::Below(l) | Condition::Trend { limit: l, .. } => l,
        Condition::OutsideBaseline { .. } => f64::NAN,
    }
}

/// `*` any run of characters, `?` one; anything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests;
