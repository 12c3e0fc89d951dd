//! Keys that left their normal level: a run's (or a recording's) points
//! checked against a [`Baseline`] as they come.
//!
//! A key is out when what is watched of it lies outside its band (so
//! many standard deviations) for so many points in a row; the anomaly
//! starts at the first of them and ends at the first point back inside.
//! A key the baseline never saw, in an aggregation it knows, is new once.

use super::History;
use super::baseline::{Band, Baseline, Entry, Measure, at};
use crate::model::{KeyPart, key_label};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// When a key counts as out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// How wide the band is, in standard deviations.
    pub sigmas: f64,
    /// How many points in a row outside it make an anomaly.
    pub points: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sigmas: 3.0,
            points: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Above,
    Below,
    /// A key the baseline never saw.
    New,
}

impl Kind {
    /// As the JSON says it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Above => "above",
            Kind::Below => "below",
            Kind::New => "new",
        }
    }
}

/// One key out of its band, from `start` (seconds since the run
/// started) to `end` (`None` while it still is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub aggregation: String,
    pub key: Vec<KeyPart>,
    pub measure: Measure,
    pub kind: Kind,
    pub start: f64,
    /// The start as UTC time, RFC 3339.
    pub started: String,
    pub end: Option<f64>,
    /// The value furthest out so far, and how many standard deviations
    /// from the mean that is.
    pub value: f64,
    pub sigmas: f64,
    /// The band where the value furthest out was; `None` for a new key.
    pub band: Option<Band>,
}

impl Anomaly {
    /// One line for a console or stderr.
    pub fn line(&self) -> String {
        let key = match key_label(&self.key) {
            k if k.is_empty() => String::new(),
            k => format!("[{k}]"),
        };
        let what = format!("@{}{key} {}", self.aggregation, self.measure.name());
        let since = format!("since {:.1} s ({})", self.start, self.started);
        match (self.kind, self.band, self.end) {
            (Kind::New, _, _) => format!("{what}: a key the baseline never saw, {since}"),
            (_, Some(b), None) => format!(
                "{what} {} {} its normal {}..{} ({:+.1} sd), {since}",
                number(self.value),
                if self.kind == Kind::Above {
                    "above"
                } else {
                    "below"
                },
                number(b.low),
                number(b.high),
                self.sigmas
            ),
            (_, _, Some(end)) => format!(
                "{what} back within its band at {end:.1} s (out from {:.1} s, furthest {:+.1} sd)",
                self.start, self.sigmas
            ),
            (_, None, None) => format!("{what} out of its band, {since}"),
        }
    }
}

fn number(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// What a check found: an anomaly began or ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Started(Anomaly),
    Ended(Anomaly),
}

/// A key's state between points.
#[derive(Debug, Default)]
struct Watch {
    /// Where the baseline keeps this key's measure.
    entry: Option<Entry>,
    /// Points in a row outside the band, the first one's time and the
    /// furthest value.
    out: usize,
    first: f64,
    worst: Option<(f64, f64, Band)>,
    /// Index into `Detector::anomalies` while one is open.
    open: Option<usize>,
}

/// An aggregation's keys as the detector follows them: a [`Watch`] per
/// key and measure, by the history's key index, looked up in the
/// baseline once each.
#[derive(Debug, Default)]
struct Keys {
    /// Whether the baseline knows the aggregation at all.
    known: bool,
    watches: Vec<Watch>,
    /// The time of the last point checked.
    checked: Option<f64>,
}

/// Checks points against a baseline and keeps every anomaly found.
#[derive(Debug)]
pub struct Detector {
    baseline: Arc<Baseline>,
    settings: Settings,
    started: DateTime<Utc>,
    followed: HashMap<String, Keys>,
    pub anomalies: Vec<Anomaly>,
}

impl Detector {
    /// A detector for a run that started at `started`.
    pub fn new(baseline: Arc<Baseline>, settings: Settings, started: DateTime<Utc>) -> Detector {
        Detector {
            baseline,
            settings,
            started,
            followed: HashMap::new(),
            anomalies: Vec::new(),
        }
    }

    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The anomalies still going on.
    pub fn open(&self) -> impl Iterator<Item = &Anomaly> {
        self.anomalies.iter().filter(|a| a.end.is_none())
    }

    /// Checks every point of `history` not checked yet, in time order.
    pub fn check(&mut self, history: &History) -> Vec<Change> {
        let mut changes = Vec::new();
        for h in history.aggregations() {
            if !self.followed.contains_key(&h.name) {
                let known = self.baseline.has_aggregation(&h.name);
                let f = Keys {
                    known,
                    ..Keys::default()
                };
                self.followed.insert(h.name.clone(), f);
            }
            let Some(f) = self.followed.get_mut(&h.name) else {
                continue;
            };
            let first = match f.checked {
                Some(t) => h.index_at(t).map_or(0, |p| p + 1),
                None => 0,
            };
            let measures = Measure::of(h.function);
            // Keys new since the last check: found in the baseline once.
            while f.watches.len() < h.keys().len() * measures.len() {
                let at = f.watches.len();
                let key = &h.keys()[at / measures.len()];
                let entry = self
                    .baseline
                    .find(&h.name, key, measures[at % measures.len()]);
                f.watches.push(Watch {
                    entry,
                    ..Watch::default()
                });
            }
            for p in first..h.len() {
                let t = h.time(p);
                let seen = Seen {
                    name: &h.name,
                    t,
                    started: self.started,
                };
                let slot = self.baseline.slot_of(at(self.started, t));
                for (i, watch) in f.watches.iter_mut().enumerate() {
                    let (k, measure) = (i / measures.len(), measures[i % measures.len()]);
                    let Some(x) = h.watched(p, k, measure) else {
                        continue;
                    };
                    let key = &h.keys()[k];
                    let Some(entry) = watch.entry else {
                        // A key that is new is said once, of its first measure.
                        if f.known && i % measures.len() == 0 && x != 0.0 {
                            new_key(
                                watch,
                                &seen,
                                (key, measure, x),
                                &mut self.anomalies,
                                &mut changes,
                            );
                        }
                        continue;
                    };
                    let band = self.baseline.band_in(entry, slot, self.settings.sigmas);
                    judge(
                        watch,
                        &seen,
                        (key, measure, x),
                        band,
                        self.settings,
                        &mut self.anomalies,
                        &mut changes,
                    );
                }
            }
            if !h.is_empty() {
                f.checked = Some(h.time(h.len() - 1));
            }
        }
        changes
    }
}

/// The point being checked.
struct Seen<'a> {
    name: &'a str,
    t: f64,
    started: DateTime<Utc>,
}

fn new_key(
    watch: &mut Watch,
    seen: &Seen,
    (key, measure, x): (&[KeyPart], Measure, f64),
    anomalies: &mut Vec<Anomaly>,
    changes: &mut Vec<Change>,
) {
    if watch.open.is_some() || watch.out > 0 {
        return;
    }
    watch.out = 1;
    let anomaly = Anomaly {
        aggregation: seen.name.to_owned(),
        key: key.to_vec(),
        measure,
        kind: Kind::New,
        start: seen.t,
        started: at(seen.started, seen.t).to_rfc3339(),
        end: None,
        value: x,
        sigmas: 0.0,
        band: None,
    };
    anomalies.push(anomaly.clone());
    changes.push(Change::Started(anomaly));
}

fn judge(
    watch: &mut Watch,
    seen: &Seen,
    (key, measure, x): (&[KeyPart], Measure, f64),
    band: Option<Band>,
    settings: Settings,
    anomalies: &mut Vec<Anomaly>,
    changes: &mut Vec<Change>,
) {
    let t = seen.t;
    let out = band.filter(|b| x < b.low || x > b.high);
    let Some(b) = out else {
        // Back inside (or nothing to judge by): an open one ends.
        watch.out = 0;
        watch.worst = None;
        if let Some(i) = watch.open.take() {
            anomalies[i].end = Some(t);
            changes.push(Change::Ended(anomalies[i].clone()));
        }
        return;
    };
    let sigmas = (x - b.mean) / b.sd;
    if watch.out == 0 {
        watch.first = t;
    }
    watch.out += 1;
    if watch.worst.is_none_or(|(_, s, _)| sigmas.abs() > s.abs()) {
        watch.worst = Some((x, sigmas, b));
    }
    let Some((value, sigmas, band)) = watch.worst else {
        return;
    };
    match watch.open {
        Some(i) => {
            let a = &mut anomalies[i];
            (a.value, a.sigmas, a.band) = (value, sigmas, Some(band));
        }
        None if watch.out >= settings.points.max(1) => {
            let anomaly = Anomaly {
                aggregation: seen.name.to_owned(),
                key: key.to_vec(),
                measure,
                kind: if sigmas > 0.0 {
                    Kind::Above
                } else {
                    Kind::Below
                },
                start: watch.first,
                started: at(seen.started, watch.first).to_rfc3339(),
                end: None,
                value,
                sigmas,
                band: Some(band),
            };
            watch.open = Some(anomalies.len());
            anomalies.push(anomaly.clone());
            changes.push(Change::Started(anomaly));
        }
        None => {}
    }
}
