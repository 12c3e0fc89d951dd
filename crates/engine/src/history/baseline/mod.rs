//! What normal looks like: per aggregation and key, the mean and spread of
//! what a person watches (a count's rate, a gauge's value, a latency's
//! p99), learnt from recordings.
//!
//! With a period (hourly, daily, weekly) the normal level is that of the
//! same moment in earlier periods, as RRDtool's PREDICT takes it: time is
//! cut into slots of a window's width (15 minutes of the day, say), and a
//! slot's mean and standard deviation come from every earlier sample that
//! fell in it, whatever the day. Slots are of UTC time: a daily band
//! moves by an hour across a change of summer time.

use super::AggHistory;
use super::recording::Recording;
use crate::model::{AggFunction, KeyPart};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// What a baseline file's first field says.
pub const MAGIC: &str = "dscope-baseline";
pub const VERSION: u32 = 1;
/// A file name's ending for baselines.
pub const EXTENSION: &str = "dsbase";
/// The largest baseline file read (a baseline of 10,000 keys over 96
/// slots is about 60 MB).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// How the normal level repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// One level for all time.
    #[default]
    None,
    Hourly,
    Daily,
    Weekly,
}

impl Period {
    pub const ALL: [(Period, &'static str); 4] = [
        (Period::None, "none"),
        (Period::Hourly, "hourly"),
        (Period::Daily, "daily"),
        (Period::Weekly, "weekly"),
    ];

    pub fn name(self) -> &'static str {
        Period::ALL
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("none", |(_, n)| n)
    }

    pub fn parse(text: &str) -> Result<Period, String> {
        Period::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(text.trim()))
            .map(|(p, _)| *p)
            .ok_or_else(|| format!("'{text}' is no period: none, hourly, daily or weekly"))
    }

    /// Its length in seconds; `None` for no period.
    pub fn seconds(self) -> Option<i64> {
        match self {
            Period::None => None,
            Period::Hourly => Some(3600),
            Period::Daily => Some(86_400),
            Period::Weekly => Some(604_800),
        }
    }

    /// The window a slot covers unless told: a minute of the hour, a
    /// quarter of an hour of the day, an hour of the week.
    pub fn default_window(self) -> u64 {
        match self {
            Period::None => 0,
            Period::Hourly => 60,
            Period::Daily => 900,
            Period::Weekly => 3600,
        }
    }
}

/// `90`, `90s`, `15m`, `1h`, `1d` as seconds (at least 1).
pub fn parse_window(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && scale > 0 => Ok(n.saturating_mul(scale)),
        _ => Err(format!("'{text}' is no window: say 90s, 15m, 1h or 1d")),
    }
}

/// What a baseline watches of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Per second: a count's or sum's change, a distribution's values.
    Rate,
    /// What min, max, avg and stddev are now.
    Value,
    /// A distribution's 99th percentile (its bucket's middle).
    P99,
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Rate => "rate",
            Measure::Value => "value",
            Measure::P99 => "p99",
        }
    }

    /// What is watched of an aggregation of `function`.
    pub fn of(function: AggFunction) -> &'static [Measure] {
        match function {
            AggFunction::Count | AggFunction::Sum => &[Measure::Rate],
            f if f.is_distribution() => &[Measure::Rate, Measure::P99],
            _ => &[Measure::Value],
        }
    }
}

impl AggHistory {
    /// [`Self::watched`] at every point, into `out` (cleared first): a
    /// number's rate reads each point once rather than twice.
    pub fn watched_series(&self, key: usize, measure: Measure, out: &mut Vec<Option<f64>>) {
        out.clear();
        if measure != Measure::Rate || self.function.is_distribution() {
            out.extend((0..self.len()).map(|p| self.watched(p, key, measure)));
            return;
        }
        let mut before = 0i64;
        let mut t0 = 0.0;
        for p in 0..self.len() {
            let t = self.time(p);
            let now = self.number(p, key);
            out.push(now.map(|v| {
                let change = v.wrapping_sub(before) as f64;
                if t > t0 { change / (t - t0) } else { change }
            }));
            // An absent key counts as 0, as number_delta has it.
            before = now.unwrap_or(0);
            t0 = t;
        }
    }

    /// What `measure` reads of `key` at `point`; `None` where it has no
    /// value (a number key not yet there, a distribution key that counted
    /// nothing in the interval has no p99).
    pub fn watched(&self, point: usize, key: usize, measure: Measure) -> Option<f64> {
        match measure {
            Measure::Value => self.number(point, key).map(|v| v as f64),
            Measure::Rate => {
                let change = if self.function.is_distribution() {
                    let d = self.distribution(point, Some(key), false);
                    d.iter().map(|(_, c)| *c as f64).sum()
                } else {
                    self.number(point, key)?;
                    self.number_delta(point, key) as f64
                };
                let (a, b) = self.interval(point);
                Some(if b > a { change / (b - a) } else { change })
            }
            Measure::P99 => {
                let buckets = self.bucket_values(point, key, false);
                crate::model::latency::percentile(&buckets, 0.99).and_then(|r| r.middle())
            }
        }
    }
}

/// Mean and spread of one slot, kept as Welford's running sums.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Slot {
    pub slot: u32,
    pub n: u64,
    pub mean: f64,
    /// The sum of squared differences from the mean (Welford's M2).
    pub m2: f64,
}

impl Slot {
    fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// The sample standard deviation (0 below two samples).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).max(0.0).sqrt()
        }
    }
}

/// One key's normal level, slot by slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyBaseline {
    pub key: Vec<KeyPart>,
    pub measure: Measure,
    /// The slots that had samples, by slot number.
    pub slots: Vec<Slot>,
}

/// One aggregation's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggBaseline {
    pub name: String,
    pub function: String,
    pub keys: Vec<KeyBaseline>,
}

/// A recording a baseline learnt from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Learnt {
    pub path: String,
    pub started: String,
    pub points: usize,
}

/// The normal level of every key of some recordings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub baseline: String,
    pub version: u32,
    pub period: Period,
    /// The width of a slot in seconds (0 with no period: one slot).
    pub window: u64,
    pub sources: Vec<Learnt>,
    pub aggregations: Vec<AggBaseline>,
    #[serde(skip)]
    index: HashMap<(String, Vec<KeyPart>, Measure), (usize, usize)>,
}

/// Where a baseline keeps one key's measure (see [`Baseline::find`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry(usize, usize);

/// The normal range at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub mean: f64,
    pub sd: f64,
    pub low: f64,
    pub high: f64,
    /// How many samples the slot had.
    pub n: u64,
}

/// A band needs this many samples in its slot to judge anything.
pub const MIN_SAMPLES: u64 = 3;

impl Baseline {
    pub(crate) fn empty(period: Period, window: u64) -> Baseline {
        let window = match period {
            Period::None => 0,
            _ if window == 0 => period.default_window(),
            _ => window,
        };
        Baseline {
            baseline: MAGIC.to_owned(),
            version: VERSION,
            period,
            window,
            sources: Vec::new(),
            aggregations: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Learns from `recordings` (their paths for the file's list), slots
    /// `window` seconds wide (0: the period's default).
    pub fn learn(recordings: &[(&str, &Recording)], period: Period, window: u64) -> Baseline {
        let mut b = Baseline::empty(period, window);
        for (path, rec) in recordings {
            let started = started_at(&rec.header.started);
            let mut points = 0;
            for h in rec.history.aggregations() {
                points = points.max(h.len());
                b.learn_one(h, started);
            }
            b.sources.push(Learnt {
                path: (*path).to_owned(),
                started: rec.header.started.clone(),
                points,
            });
        }
        b
    }

    fn learn_one(&mut self, h: &AggHistory, started: DateTime<Utc>) {
        let slots: Vec<u32> = (0..h.len())
            .map(|p| self.slot_of(at(started, h.time(p))))
            .collect();
        if !h.function.is_distribution() {
            return self.learn_numbers(h, &slots);
        }
        let mut series = Vec::with_capacity(h.len());
        for (key_index, key) in h.keys().iter().enumerate() {
            for &measure in Measure::of(h.function) {
                let (a, k) = self.entry(&h.name, h.function, key, measure);
                h.watched_series(key_index, measure, &mut series);
                let slots_of_key = &mut self.aggregations[a].keys[k].slots;
                let mut last = usize::MAX;
                for (&slot, x) in slots.iter().zip(&series) {
                    let Some(x) = *x else { continue };
                    last = slot_index(slots_of_key, last, slot);
                    slots_of_key[last].add(x);
                }
            }
        }
    }

    /// Numbers point by point, every key of a point together: a point's
    /// values lie side by side in memory, a key's across all points do
    /// not (an hour of 10,000 keys learns in half the time this way).
    fn learn_numbers(&mut self, h: &AggHistory, slots: &[u32]) {
        let measure = Measure::of(h.function)[0];
        let entries: Vec<(usize, usize)> = h
            .keys()
            .iter()
            .map(|key| self.entry(&h.name, h.function, key, measure))
            .collect();
        let mut before = vec![0i64; entries.len()];
        let mut last = vec![usize::MAX; entries.len()];
        let mut t0 = 0.0;
        for (p, &slot) in slots.iter().enumerate() {
            let t = h.time(p);
            for (k, &(a, e)) in entries.iter().enumerate() {
                let now = h.number(p, k);
                let x = now.map(|v| match measure {
                    Measure::Rate => {
                        let change = v.wrapping_sub(before[k]) as f64;
                        if t > t0 { change / (t - t0) } else { change }
                    }
                    _ => v as f64,
                });
                before[k] = now.unwrap_or(0);
                let Some(x) = x else { continue };
                let slots_of_key = &mut self.aggregations[a].keys[e].slots;
                last[k] = slot_index(slots_of_key, last[k], slot);
                slots_of_key[last[k]].add(x);
            }
            t0 = t;
        }
    }

    fn entry(
        &mut self,
        name: &str,
        function: AggFunction,
        key: &[KeyPart],
        measure: Measure,
    ) -> (usize, usize) {
        self.entry_named(name, function.name(), key, measure)
    }

    fn entry_named(
        &mut self,
        name: &str,
        function: &str,
        key: &[KeyPart],
        measure: Measure,
    ) -> (usize, usize) {
        let id = (name.to_owned(), key.to_vec(), measure);
        if let Some(&at) = self.index.get(&id) {
            return at;
        }
        let a = match self.aggregations.iter().position(|a| a.name == name) {
            Some(a) => a,
            None => {
                self.aggregations.push(AggBaseline {
                    name: name.to_owned(),
                    function: function.to_owned(),
                    keys: Vec::new(),
                });
                self.aggregations.len() - 1
            }
        };
        let keys = &mut self.aggregations[a].keys;
        keys.push(KeyBaseline {
            key: key.to_vec(),
            measure,
            slots: Vec::new(),
        });
        let at = (a, keys.len() - 1);
        self.index.insert(id, at);
        at
    }

    /// Learns one key's measure from points at known times (a
    /// Prometheus range query's, say).
    pub fn learn_points(
        &mut self,
        name: &str,
        function: &str,
        key: &[KeyPart],
        measure: Measure,
        points: &[(DateTime<Utc>, f64)],
    ) {
        let (a, k) = self.entry_named(name, function, key, measure);
        let mut last = usize::MAX;
        for &(when, x) in points {
            let slot = self.slot_of(when);
            let slots = &mut self.aggregations[a].keys[k].slots;
            last = slot_index(slots, last, slot);
            slots[last].add(x);
        }
    }

    /// The slot a moment falls in.
    pub fn slot_of(&self, when: DateTime<Utc>) -> u32 {
        let Some(period) = self.period.seconds() else {
            return 0;
        };
        // The epoch was a Thursday: a week's slots start on Monday.
        let shift = if self.period == Period::Weekly {
            3 * 86_400
        } else {
            0
        };
        let phase = (when.timestamp() + shift).rem_euclid(period);
        (phase / self.window.max(1) as i64) as u32
    }

    /// Whether the baseline knows aggregation `name` at all.
    pub fn has_aggregation(&self, name: &str) -> bool {
        self.aggregations.iter().any(|a| a.name == name)
    }

    /// Whether it knows `key` of aggregation `name`.
    pub fn has_key(&self, name: &str, key: &[KeyPart], measure: Measure) -> bool {
        self.find(name, key, measure).is_some()
    }

    /// Where the baseline keeps `key` of aggregation `name`: for
    /// [`Self::band_in`], so that a check of many points looks it up once.
    pub fn find(&self, name: &str, key: &[KeyPart], measure: Measure) -> Option<Entry> {
        self.index
            .get(&(name.to_owned(), key.to_vec(), measure))
            .map(|&(a, k)| Entry(a, k))
    }

    /// The normal range of `key` at `when`, `sigmas` standard deviations
    /// wide; `None` where its slot has fewer than [`MIN_SAMPLES`].
    pub fn band(
        &self,
        name: &str,
        key: &[KeyPart],
        measure: Measure,
        when: DateTime<Utc>,
        sigmas: f64,
    ) -> Option<Band> {
        let entry = self.find(name, key, measure)?;
        self.band_in(entry, self.slot_of(when), sigmas)
    }

    /// The normal range of an entry in a slot. The spread is at least 1 %
    /// of the mean (and half a count a second for a rate), so that a
    /// level that never moved still allows for rounding and timing.
    pub fn band_in(&self, Entry(a, k): Entry, slot: u32, sigmas: f64) -> Option<Band> {
        let key = self.aggregations.get(a)?.keys.get(k)?;
        let slots = &key.slots;
        let s = slots
            .binary_search_by_key(&slot, |s| s.slot)
            .ok()
            .map(|i| slots[i])?;
        if s.n < MIN_SAMPLES {
            return None;
        }
        // A rate counted over whole intervals is off by one a second by
        // timing alone (a tick just before or after a snapshot).
        let floor = if key.measure == Measure::Rate {
            0.5
        } else {
            1e-9
        };
        let sd = s.sd().max(s.mean.abs() * 0.01).max(floor);
        Some(Band {
            mean: s.mean,
            sd,
            low: s.mean - sigmas * sd,
            high: s.mean + sigmas * sd,
            n: s.n,
        })
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (a, agg) in self.aggregations.iter().enumerate() {
            for (k, key) in agg.keys.iter().enumerate() {
                self.index
                    .insert((agg.name.clone(), key.key.clone(), key.measure), (a, k));
            }
        }
    }

    /// Writes it to `path`, readable by its owner only (it holds what
    /// was traced), never through another user's link.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        use std::io::Write;
        let failed = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
        let file = crate::writes::create_private(path).map_err(|e| failed(&e))?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut out, self).map_err(|e| failed(&e))?;
        out.write_all(b"\n").map_err(|e| failed(&e))?;
        out.flush().map_err(|e| failed(&e))
    }

    /// Reads a baseline file (at most [`MAX_FILE_BYTES`]).
    pub fn load(path: &Path) -> Result<Baseline, String> {
        use std::io::Read;
        let failed = |e: &dyn std::fmt::Display| format!("cannot read {}: {e}", path.display());
        let file = std::fs::File::open(path).map_err(|e| failed(&e))?;
        let mut text = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| failed(&e))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(failed(&"larger than 1 GiB; no baseline is"));
        }
        let mut b: Baseline = serde_json::from_slice(&text)
            .map_err(|e| failed(&format!("not a dscope baseline ({e})")))?;
        if b.baseline != MAGIC {
            return Err(failed(&"not a dscope baseline"));
        }
        if b.version > VERSION {
            return Err(failed(&format!(
                "a baseline of version {}, newer than this dscope reads ({VERSION})",
                b.version
            )));
        }
        b.reindex();
        Ok(b)
    }
}

/// The baseline `paths` give: one baseline file as it was saved, or
/// recordings to learn from with `period` and `window`. What was wrong
/// with a recording that could still be read goes to `problems`.
pub fn from_files(
    paths: &[std::path::PathBuf],
    period: Period,
    window: u64,
    problems: &mut Vec<String>,
) -> Result<Baseline, String> {
    match paths {
        [] => Err("no baseline given".into()),
        [one] if is_baseline(one) => Baseline::load(one),
        _ => {
            if let Some(b) = paths.iter().find(|p| is_baseline(p)) {
                return Err(format!(
                    "{} is a baseline: give it alone, or give recordings to learn from",
                    b.display()
                ));
            }
            let mut recordings = Vec::with_capacity(paths.len());
            for path in paths {
                let rec = super::recording::read(path, usize::MAX)?;
                problems.extend(
                    rec.problems
                        .iter()
                        .map(|p| format!("{}: {p}", path.display())),
                );
                recordings.push((path.display().to_string(), rec));
            }
            let named: Vec<(&str, &Recording)> =
                recordings.iter().map(|(p, r)| (p.as_str(), r)).collect();
            Ok(Baseline::learn(&named, period, window))
        }
    }
}

/// Where `slot` is in a key's slots (made if missing); consecutive
/// points mostly share one, so the place of the last is tried first.
fn slot_index(slots: &mut Vec<Slot>, last: usize, slot: u32) -> usize {
    if slots.get(last).is_some_and(|s| s.slot == slot) {
        return last;
    }
    match slots.binary_search_by_key(&slot, |s| s.slot) {
        Ok(i) => i,
        Err(i) => {
            let new = Slot {
                slot,
                ..Slot::default()
            };
            slots.insert(i, new);
            i
        }
    }
}

/// Whether `path` names a baseline file rather than a recording.
pub fn is_baseline(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 32];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    head.trim_start()
        .starts_with("{\"baseline\":\"dscope-baseline\"")
        || path.extension().is_some_and(|e| e == EXTENSION)
}

/// A recording's start as a time (the epoch when it cannot be read).
pub fn started_at(started: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(started)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The moment `t` seconds after `started`.
pub fn at(started: DateTime<Utc>, t: f64) -> DateTime<Utc> {
    started + chrono::Duration::milliseconds((t * 1000.0) as i64)
}

pub mod render;

#[cfg(test)]
mod tests;
