//! Keys that left their normal level: a run's (or a recording's) points
//! checked against a [`Baseline`] as they come.
//!
//! A key is out when what is watched of it lies outside its band (so
//! many standard deviations) for so many points in a row; the anomaly
//! starts at the first of them and ends at the first point back inside.
//! A key the baseline never saw, in an aggregation it knows, is new once.

use super::History;
use super::baseline::{Band, Baseline, Measure, at};
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
    /// Points in a row outside the band, the first one's time and the
    /// furthest value.
    out: usize,
    first: f64,
    worst: Option<(f64, f64, Band)>,
    /// Index into `Detector::anomalies` while one is open.
    open: Option<usize>,
}

/// Checks points against a baseline and keeps every anomaly found.
#[derive(Debug)]
pub struct Detector {
    baseline: Arc<Baseline>,
    settings: Settings,
    started: DateTime<Utc>,
    watches: HashMap<(String, Vec<KeyPart>, Measure), Watch>,
    /// Which points each aggregation had checked: their times.
    checked: HashMap<String, f64>,
    pub anomalies: Vec<Anomaly>,
}

impl Detector {
    /// A detector for a run that started at `started`.
    pub fn new(baseline: Arc<Baseline>, settings: Settings, started: DateTime<Utc>) -> Detector {
        Detector {
            baseline,
            settings,
            started,
            watches: HashMap::new(),
            checked: HashMap::new(),
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
            let done = self.checked.get(&h.name).copied();
            let first = match done {
                Some(t) => h.index_at(t).map_or(0, |p| p + 1),
                None => 0,
            };
            for p in first..h.len() {
                self.check_point(h, p, &mut changes);
            }
            if !h.is_empty() {
                self.checked.insert(h.name.clone(), h.time(h.len() - 1));
            }
        }
        changes
    }

    fn check_point(&mut self, h: &super::AggHistory, p: usize, changes: &mut Vec<Change>) {
        let t = h.time(p);
        let when = at(self.started, t);
        let known = self.baseline.has_aggregation(&h.name);
        for (k, key) in h.keys().iter().enumerate() {
            for &measure in Measure::of(h.function) {
                let Some(x) = h.watched(p, k, measure) else {
                    continue;
                };
                if !self.baseline.has_key(&h.name, key, measure) {
                    // A key that is new is said once, of its first measure.
                    if known && measure == Measure::of(h.function)[0] && x != 0.0 {
                        self.new_key(&h.name, key, measure, t, x, changes);
                    }
                    continue;
                }
                let band = self
                    .baseline
                    .band(&h.name, key, measure, when, self.settings.sigmas);
                self.judge(&h.name, key, measure, t, x, band, changes);
            }
        }
    }

    fn new_key(
        &mut self,
        name: &str,
        key: &[KeyPart],
        measure: Measure,
        t: f64,
        x: f64,
        changes: &mut Vec<Change>,
    ) {
        let watch = self
            .watches
            .entry((name.to_owned(), key.to_vec(), measure))
            .or_default();
        if watch.open.is_some() || watch.out > 0 {
            return;
        }
        watch.out = 1;
        let anomaly = Anomaly {
            aggregation: name.to_owned(),
            key: key.to_vec(),
            measure,
            kind: Kind::New,
            start: t,
            started: at(self.started, t).to_rfc3339(),
            end: None,
            value: x,
            sigmas: 0.0,
            band: None,
        };
        self.anomalies.push(anomaly.clone());
        changes.push(Change::Started(anomaly));
    }

    #[allow(clippy::too_many_arguments)]
    fn judge(
        &mut self,
        name: &str,
        key: &[KeyPart],
        measure: Measure,
        t: f64,
        x: f64,
        band: Option<Band>,
        changes: &mut Vec<Change>,
    ) {
        let watch = self
            .watches
            .entry((name.to_owned(), key.to_vec(), measure))
            .or_default();
        let out = band.filter(|b| x < b.low || x > b.high);
        let Some(b) = out else {
            // Back inside (or nothing to judge by): an open one ends.
            watch.out = 0;
            watch.worst = None;
            if let Some(i) = watch.open.take() {
                self.anomalies[i].end = Some(t);
                changes.push(Change::Ended(self.anomalies[i].clone()));
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
                let a = &mut self.anomalies[i];
                (a.value, a.sigmas, a.band) = (value, sigmas, Some(band));
            }
            None if watch.out >= self.settings.points.max(1) => {
                let anomaly = Anomaly {
                    aggregation: name.to_owned(),
                    key: key.to_vec(),
                    measure,
                    kind: if sigmas > 0.0 {
                        Kind::Above
                    } else {
                        Kind::Below
                    },
                    start: watch.first,
                    started: at(self.started, watch.first).to_rfc3339(),
                    end: None,
                    value,
                    sigmas,
                    band: Some(band),
                };
                watch.open = Some(self.anomalies.len());
                self.anomalies.push(anomaly.clone());
                changes.push(Change::Started(anomaly));
            }
            None => {}
        }
    }
}

/// A run's sink that checks each snapshot against a baseline and says
/// when an anomaly starts and ends (through `say`, one line each).
pub struct AnomalySink {
    baseline: Arc<Baseline>,
    settings: Settings,
    history: History,
    detector: Option<Detector>,
    stopping: bool,
    say: Box<dyn FnMut(String) + Send>,
}

impl AnomalySink {
    pub fn new(
        baseline: Arc<Baseline>,
        settings: Settings,
        say: Box<dyn FnMut(String) + Send>,
    ) -> AnomalySink {
        AnomalySink {
            baseline,
            settings,
            // Only the newest points are checked; a short history keeps
            // a long run's memory flat.
            history: History::new(64),
            detector: None,
            stopping: false,
            say,
        }
    }
}

impl crate::sink::Sink for AnomalySink {
    fn take(&mut self, t: f64, event: &crate::model::Event) -> Result<(), String> {
        use crate::model::Event;
        match event {
            Event::Started { .. } => {
                // The run's clock starts at this event: so do its slots.
                let started = Utc::now() - chrono::Duration::milliseconds((t * 1000.0) as i64);
                self.detector = Some(Detector::new(
                    Arc::clone(&self.baseline),
                    self.settings,
                    started,
                ));
            }
            Event::Stopping => self.stopping = true,
            Event::Snapshot(s) => {
                if self.stopping {
                    self.history.push_final(t, s);
                } else {
                    self.history.push(t, s);
                }
                let Some(d) = &mut self.detector else {
                    return Ok(());
                };
                for change in d.check(&self.history) {
                    match change {
                        Change::Started(a) => (self.say)(format!("anomaly: {}", a.line())),
                        Change::Ended(a) => (self.say)(format!("anomaly over: {}", a.line())),
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
