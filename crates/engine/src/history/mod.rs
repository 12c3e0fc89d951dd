//! Aggregations over time: every snapshot a run takes becomes a point in
//! time for each key, kept within a bound, written to and read from
//! recordings, and printed as reports. Plain data and arithmetic (no
//! egui, no libdtrace): the charts read it, `dscope report` prints it.
//!
//! A point holds each key's value as the snapshot had it (cumulative for
//! count, sum and the distributions, current for min, max, avg and
//! stddev). The change over an interval is the difference with the point
//! before, so merging old points into coarser intervals is dropping the
//! points in between: the changes of the merged interval add up exactly,
//! and the changes over a whole run always add up to its last value.

pub mod anomaly;
pub mod baseline;
pub mod compare;
pub mod correlate;
pub mod follow;
pub mod recording;
pub mod report;
pub mod trend;

use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A run's clock for its history and recording: seconds since tracing
/// started, held at the moment the run began to stop (what its final
/// snapshot counts up to, though it comes a while later).
#[derive(Debug, Clone, Copy, Default)]
pub struct RunClock {
    started: Option<std::time::Instant>,
    stopped_at: Option<f64>,
}

impl RunClock {
    /// Tracing started now.
    pub fn start(&mut self) {
        *self = RunClock {
            started: Some(std::time::Instant::now()),
            stopped_at: None,
        };
    }

    /// The run began to stop now (once; before it started, nothing).
    pub fn stop(&mut self) {
        if self.started.is_some() && self.stopped_at.is_none() {
            self.stopped_at = Some(self.now());
        }
    }

    /// Seconds since tracing started: 0 before, and from the stop on, the
    /// time of the stop.
    pub fn now(&self) -> f64 {
        self.stopped_at
            .unwrap_or_else(|| self.started.map_or(0.0, |t| t.elapsed().as_secs_f64()))
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped_at.is_some()
    }

    /// When tracing started, if it has.
    pub fn started(&self) -> Option<std::time::Instant> {
        self.started
    }
}

/// How many points an aggregation keeps before the older half is merged
/// into intervals twice as long. At one snapshot a second the newest ten
/// minutes always stay at full resolution; 10,000 keys of count() cost
/// at most 8 bytes x 1,200 points each (about 96 MB).
pub const DEFAULT_CAPACITY: usize = 1200;

/// Marks a key that was not in a snapshot. A real value of `i64::MIN`
/// would read as absent; no count, sum, min or max a script can make
/// reaches it without overflowing first.
const ABSENT: i64 = i64::MIN;

/// Every aggregation of a run over time.
#[derive(Debug, Clone)]
pub struct History {
    aggregations: Vec<AggHistory>,
    capacity: usize,
}

impl Default for History {
    fn default() -> Self {
        History::new(DEFAULT_CAPACITY)
    }
}

impl History {
    /// A history keeping at most `capacity` points per aggregation
    /// (at least 4); `usize::MAX` keeps every point (for reports).
    pub fn new(capacity: usize) -> History {
        History {
            aggregations: Vec::new(),
            capacity: capacity.max(4),
        }
    }

    /// Adds a snapshot taken `t` seconds after the run started. Snapshots
    /// come in time order; one at the same time as the last replaces it
    /// (a run's final snapshot often follows the last periodic one).
    pub fn push(&mut self, t: f64, snapshot: &Snapshot) {
        for agg in &snapshot.aggregations {
            self.push_one(t, agg);
        }
    }

    /// Adds the snapshot a run takes when it stops. When it comes hard
    /// on the heels of the last periodic one, it joins that interval
    /// rather than making one so short that its rate means nothing.
    /// One that brings nothing new (a second snapshot of the stopped run)
    /// adds no point: the run's rate does not fall to zero after it ended.
    pub fn push_final(&mut self, t: f64, snapshot: &Snapshot) {
        for agg in &snapshot.aggregations {
            let Some(h) = self.aggregations.iter_mut().find(|h| h.id == agg.id) else {
                self.push_one(t, agg);
                continue;
            };
            // Read once: a stopped run's stacks are costly to take apart.
            let read = h.read(agg);
            if h.points.last().is_some_and(|last| read.same_as(last)) {
                continue;
            }
            let t = match h.points.as_slice() {
                [.., before, last] if t - last.t < (last.t - before.t) / 2.0 => {
                    let last = last.t;
                    h.points.pop();
                    t.max(last)
                }
                _ => t,
            };
            h.push_read(t, read, self.capacity);
        }
    }

    fn push_one(&mut self, t: f64, agg: &Aggregation) {
        let at = match self.aggregations.iter().position(|h| h.id == agg.id) {
            Some(i) => i,
            None => {
                self.aggregations.push(AggHistory::new(agg));
                self.aggregations.len() - 1
            }
        };
        self.aggregations[at].push(t, agg, self.capacity);
    }

    pub fn aggregations(&self) -> &[AggHistory] {
        &self.aggregations
    }

    pub fn get(&self, name: &str) -> Option<&AggHistory> {
        self.aggregations.iter().find(|a| a.name == name)
    }

    /// The time of the last point of any aggregation, in seconds.
    pub fn last_time(&self) -> Option<f64> {
        self.aggregations
            .iter()
            .filter_map(|a| a.points.last().map(|p| p.t))
            .reduce(f64::max)
    }

    /// The aggregations as they were at `t` (the last point at or before
    /// it), as a snapshot the existing views can show.
    pub fn snapshot_at(&self, t: f64) -> Snapshot {
        Snapshot {
            aggregations: self
                .aggregations
                .iter()
                .filter_map(|a| a.index_at(t).map(|p| a.aggregation_at(p)))
                .collect(),
        }
    }

    /// The aggregations over the time range `[t0, t1]` (seconds since the
    /// start): what each added between its last point at or before `t0`
    /// and its last point at or before `t1` (see
    /// [`AggHistory::aggregation_between`]). Aggregations with no point
    /// by `t1` are left out.
    pub fn snapshot_between(&self, t0: f64, t1: f64) -> Snapshot {
        let (t0, t1) = if t0 <= t1 { (t0, t1) } else { (t1, t0) };
        Snapshot {
            aggregations: self
                .aggregations
                .iter()
                .filter_map(|a| {
                    let to = a.index_at(t1)?;
                    Some(a.aggregation_between(a.index_at(t0), to))
                })
                .collect(),
        }
    }
}

/// One bucket of a distribution as the history knows it: where it lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketRange {
    pub label: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl BucketRange {
    fn order(&self) -> (i128, i128) {
        crate::model::bucket_order(self.min, self.max)
    }
}

/// One distribution count: key index, bucket index, count.
type Cell = (u32, u32, i64);

/// A snapshot of one aggregation taken apart into a point's parts.
struct Read {
    values: Numbers,
    cells: Vec<Cell>,
    order: Vec<u32>,
}

impl Read {
    /// Whether it holds what `point` holds (its order aside).
    fn same_as(&self, point: &Point) -> bool {
        point.cells == self.cells && point.values == self.values
    }
}

/// One point's numbers by key index: an array while most keys ever seen
/// are there (the usual case, and the quickest to read), the keys that
/// are there otherwise, so that a point that holds a few keys of the
/// millions seen over a run does not cost an array as long as all of
/// them.
#[derive(Debug, Clone, PartialEq)]
enum Numbers {
    /// [`ABSENT`] where the key was not there; keys first seen later are
    /// past the end.
    Dense(Vec<i64>),
    /// By key index.
    Sparse(Vec<(u32, i64)>),
}

impl Numbers {
    fn new(mut pairs: Vec<(u32, i64)>) -> Numbers {
        let len = pairs
            .iter()
            .map(|&(k, _)| k as usize + 1)
            .max()
            .unwrap_or(0);
        if pairs.len() * 4 >= len {
            let mut values = vec![ABSENT; len];
            for (k, n) in pairs {
                values[k as usize] = n;
            }
            Numbers::Dense(values)
        } else {
            pairs.sort_unstable_by_key(|&(k, _)| k);
            pairs.dedup_by_key(|&mut (k, _)| k);
            Numbers::Sparse(pairs)
        }
    }

    fn get(&self, key: usize) -> Option<i64> {
        match self {
            Numbers::Dense(values) => values.get(key).copied().filter(|&v| v != ABSENT),
            Numbers::Sparse(pairs) => {
                let i = pairs
                    .binary_search_by_key(&key, |&(k, _)| k as usize)
                    .ok()?;
                Some(pairs[i].1)
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Point {
    t: f64,
    /// Numbers, by key index.
    values: Numbers,
    /// Distributions: the non-zero counts, by key then bucket index.
    cells: Vec<Cell>,
    /// The keys in the order `dtrace(1)` printed them at this point,
    /// shared with the point before when it did not change.
    order: Arc<[u32]>,
}

/// One aggregation over time.
#[derive(Debug, Clone)]
pub struct AggHistory {
    pub id: u32,
    pub name: String,
    pub function: AggFunction,
    pub key_sizes: Vec<u32>,
    keys: Vec<Vec<KeyPart>>,
    key_index: HashMap<Vec<KeyPart>, u32>,
    /// Every bucket seen, in the order first seen; `sorted_buckets` is
    /// their order by range.
    buckets: Vec<BucketRange>,
    bucket_index: HashMap<(Option<i64>, Option<i64>), u32>,
    sorted_buckets: Vec<u32>,
    points: Vec<Point>,
}

/// A key's value at one point, with its change since the point before
/// and that change per second.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub value: Value,
    /// For count, sum and the distributions; `None` for min, max, avg
    /// and stddev, whose current value is what matters.
    pub delta: Option<Value>,
    /// `delta` per second of the interval (for a number; for a
    /// distribution, of its total).
    pub rate: Option<f64>,
}

impl AggHistory {
    fn new(agg: &Aggregation) -> AggHistory {
        AggHistory {
            id: agg.id,
            name: agg.name.clone(),
            function: agg.function,
            key_sizes: agg.key_sizes.clone(),
            keys: Vec::new(),
            key_index: HashMap::new(),
            buckets: Vec::new(),
            bucket_index: HashMap::new(),
            sorted_buckets: Vec::new(),
            points: Vec::new(),
        }
    }

    /// Whether the change over an interval means something (count, sum
    /// and distributions accumulate; min, max, avg and stddev do not).
    pub fn accumulates(&self) -> bool {
        matches!(self.function, AggFunction::Count | AggFunction::Sum)
            || self.function.is_distribution()
    }

    fn key_id(&mut self, key: &[KeyPart]) -> u32 {
        if let Some(&i) = self.key_index.get(key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(key.to_vec());
        self.key_index.insert(key.to_vec(), i);
        i
    }

    fn bucket_id(&mut self, b: &Bucket) -> u32 {
        if let Some(&i) = self.bucket_index.get(&(b.min, b.max)) {
            return i;
        }
        let i = self.buckets.len() as u32;
        self.buckets.push(BucketRange {
            label: b.label.clone(),
            min: b.min,
            max: b.max,
        });
        self.bucket_index.insert((b.min, b.max), i);
        i
    }

    /// An aggregation's values as a point keeps them: its numbers and its
    /// distributions' counts by key (and bucket) index, and the order of
    /// its keys. Keys and buckets not seen before are given indices.
    fn read(&mut self, agg: &Aggregation) -> Read {
        self.key_sizes.clone_from(&agg.key_sizes);
        let mut numbers = Vec::new();
        let mut cells = Vec::new();
        let buckets_before = self.buckets.len();
        let mut order = Vec::with_capacity(agg.rows.len());
        for row in &agg.rows {
            let k = self.key_id(&row.key);
            order.push(k);
            match &row.value {
                Value::Number(n) => numbers.push((k, *n)),
                Value::Buckets(buckets) => {
                    for b in buckets {
                        let id = self.bucket_id(b);
                        if b.count != 0 {
                            cells.push((k, id, b.count));
                        }
                    }
                }
            }
        }
        cells.sort_unstable_by_key(|&(k, b, _)| (k, b));
        if self.buckets.len() != buckets_before {
            // Once per point that brought new buckets, not once per new
            // bucket: a recording with tens of thousands of them would
            // sort them all for each.
            let mut sorted: Vec<u32> = (0..self.buckets.len() as u32).collect();
            sorted.sort_by_key(|&i| self.buckets[i as usize].order());
            self.sorted_buckets = sorted;
        }
        Read {
            values: Numbers::new(numbers),
            cells,
            order,
        }
    }

    fn push(&mut self, t: f64, agg: &Aggregation, capacity: usize) {
        let read = self.read(agg);
        self.push_read(t, read, capacity);
    }

    /// Adds a point (one at the time of the last replaces it), merging
    /// older points past `capacity`.
    fn push_read(&mut self, t: f64, read: Read, capacity: usize) {
        let Read {
            values,
            cells,
            order,
        } = read;
        let order: Arc<[u32]> = match self.points.last() {
            Some(last) if *last.order == *order => Arc::clone(&last.order),
            _ => order.into(),
        };
        let point = Point {
            t,
            values,
            cells,
            order,
        };
        match self.points.last_mut() {
            Some(last) if last.t >= t => *last = point,
            _ => self.points.push(point),
        }
        if self.points.len() > capacity {
            self.merge_older_half();
        }
    }

    /// Drops every other point of the older half: their intervals join
    /// the next kept point's, twice as long.
    fn merge_older_half(&mut self) {
        let half = self.points.len() / 2;
        let mut i = 0;
        self.points.retain(|_| {
            let keep = i >= half || i % 2 == 1;
            i += 1;
            keep
        });
    }

    /// Every key ever seen, by index.
    pub fn keys(&self) -> &[Vec<KeyPart>] {
        &self.keys
    }

    /// Every bucket ever seen, in range order (underflow first).
    pub fn buckets(&self) -> Vec<&BucketRange> {
        self.sorted_buckets
            .iter()
            .map(|&i| &self.buckets[i as usize])
            .collect()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The time of each point, in seconds since the start.
    pub fn times(&self) -> impl Iterator<Item = f64> + '_ {
        self.points.iter().map(|p| p.t)
    }

    pub fn time(&self, point: usize) -> f64 {
        self.points[point].t
    }

    /// The interval a point covers: from the point before (or the start).
    pub fn interval(&self, point: usize) -> (f64, f64) {
        let start = if point == 0 {
            0.0
        } else {
            self.points[point - 1].t
        };
        (start, self.points[point].t)
    }

    /// The index of the last point at or before `t`.
    pub fn index_at(&self, t: f64) -> Option<usize> {
        self.points.partition_point(|p| p.t <= t).checked_sub(1)
    }

    /// A number key's value at a point; `None` where the key was absent
    /// (or the aggregation is a distribution).
    pub fn number(&self, point: usize, key: usize) -> Option<i64> {
        number_in(&self.points[point], key)
    }

    /// The change of a number key over a point's interval (absent counts
    /// as 0, so a key that appears changes by its whole value).
    pub fn number_delta(&self, point: usize, key: usize) -> i64 {
        let now = self.number(point, key).unwrap_or(0);
        let before = point
            .checked_sub(1)
            .and_then(|p| self.number(p, key))
            .unwrap_or(0);
        now.wrapping_sub(before)
    }

    /// A distribution key's `q`-th percentile (0 < q <= 1) of each
    /// interval, as the middle of the bucket it falls in (a bucket knows
    /// no more); `None` where the key counted nothing in the interval.
    pub fn percentile_line(&self, key: usize, q: f64) -> Vec<(f64, Option<f64>)> {
        (0..self.points.len())
            .map(|p| {
                let buckets = self.bucket_values(p, key, false);
                let middle =
                    crate::model::latency::percentile(&buckets, q).and_then(|r| r.middle());
                (self.points[p].t, middle)
            })
            .collect()
    }

    /// What to plot for a number key at each point: the change per
    /// second for count and sum, the value for min, max, avg, stddev;
    /// `None` where the key was not there.
    pub fn plotted(&self, key: usize, per_second: bool) -> Vec<(f64, Option<f64>)> {
        if self.function.is_distribution() {
            // The change of the key's total, the total carried from point
            // to point: one search of each point's cells, not a whole
            // distribution per point.
            let mut before = 0i64;
            return (0..self.points.len())
                .map(|p| {
                    let cells = key_cells(&self.points[p].cells, key);
                    let total = cells.iter().fold(0i64, |sum, c| sum.wrapping_add(c.2));
                    let change = total.wrapping_sub(std::mem::replace(&mut before, total));
                    let rate = self.per_second(p, change as f64, per_second);
                    (self.points[p].t, Some(rate))
                })
                .collect();
        }
        (0..self.points.len())
            .map(|p| {
                let t = self.points[p].t;
                let Some(value) = self.number(p, key) else {
                    return (t, None);
                };
                if self.accumulates() {
                    let d = self.number_delta(p, key) as f64;
                    (t, Some(self.per_second(p, d, per_second)))
                } else {
                    (t, Some(value as f64))
                }
            })
            .collect()
    }

    fn per_second(&self, point: usize, change: f64, per_second: bool) -> f64 {
        if !per_second {
            return change;
        }
        let (a, b) = self.interval(point);
        if b > a { change / (b - a) } else { change }
    }

    /// A distribution at a point, by bucket index into [`Self::buckets`]:
    /// its counts (`cumulative`) or their change over the interval, for
    /// one key or all keys summed.
    pub fn distribution(
        &self,
        point: usize,
        key: Option<usize>,
        cumulative: bool,
    ) -> Vec<(usize, i64)> {
        let from = if cumulative {
            None
        } else {
            point.checked_sub(1)
        };
        self.distribution_between(from, point, key)
    }

    /// A distribution's change from point `from` (`None`: the start) to
    /// point `to`, by bucket index into [`Self::buckets`].
    fn distribution_between(
        &self,
        from: Option<usize>,
        to: usize,
        key: Option<usize>,
    ) -> Vec<(usize, i64)> {
        let mut by_bucket = vec![0i64; self.buckets.len()];
        let mut add = |p: &Point, sign: i64| {
            let cells = match key {
                Some(key) => key_cells(&p.cells, key),
                None => &p.cells[..],
            };
            for &(_, b, c) in cells {
                let b = b as usize;
                by_bucket[b] = by_bucket[b].wrapping_add(sign.wrapping_mul(c));
            }
        };
        add(&self.points[to], 1);
        if let Some(from) = from {
            add(&self.points[from], -1);
        }
        self.sorted_buckets
            .iter()
            .enumerate()
            .map(|(pos, &b)| (pos, by_bucket[b as usize]))
            .collect()
    }

    /// The `n` number keys that changed most over the whole history (or
    /// were largest, for min, max, avg and stddev), largest first.
    pub fn top_keys(&self, n: usize) -> Vec<usize> {
        let Some(last) = self.points.len().checked_sub(1) else {
            return Vec::new();
        };
        let mut weight: Vec<(usize, i128)> = (0..self.keys.len())
            .map(|k| {
                let w = if self.function.is_distribution() {
                    self.distribution(last, Some(k), true)
                        .iter()
                        .map(|(_, c)| i128::from(*c))
                        .sum()
                } else {
                    self.points
                        .iter()
                        .rev()
                        .find_map(|p| number_in(p, k))
                        .map_or(i128::MIN, |v| i128::from(v).abs())
                };
                (k, w)
            })
            .collect();
        weight.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        weight.into_iter().take(n).map(|(k, _)| k).collect()
    }

    /// Every key present at a point, in `dtrace(1)`'s order, with its
    /// value, change and rate.
    pub fn samples(&self, point: usize) -> Vec<(&[KeyPart], Sample)> {
        let (a, b) = self.interval(point);
        let seconds = b - a;
        let rate = |d: i64| (seconds > 0.0).then(|| d as f64 / seconds);
        self.points[point]
            .order
            .iter()
            .map(|&k| {
                let k = k as usize;
                let value = self.value(point, k);
                let (delta, total) = if self.function.is_distribution() {
                    let delta = self.bucket_values(point, k, false);
                    let delta = Value::Buckets(delta);
                    let total = delta.total();
                    (Some(delta), Some(total))
                } else if self.accumulates() {
                    let d = self.number_delta(point, k);
                    (Some(Value::Number(d)), Some(d))
                } else {
                    (None, None)
                };
                let sample = Sample {
                    value,
                    delta,
                    rate: total.and_then(rate),
                };
                (self.keys[k].as_slice(), sample)
            })
            .collect()
    }

    /// A key's value at a point, as the snapshot had it.
    fn value(&self, point: usize, key: usize) -> Value {
        if self.function.is_distribution() {
            Value::Buckets(self.bucket_values(point, key, true))
        } else {
            Value::Number(number_in(&self.points[point], key).unwrap_or(0))
        }
    }

    /// A key's distribution at a point as buckets (cumulative or the
    /// change), trimmed as `dtrace(1)` shows them: the buckets holding
    /// data and one empty neighbour each side.
    fn bucket_values(&self, point: usize, key: usize, cumulative: bool) -> Vec<Bucket> {
        let from = if cumulative {
            None
        } else {
            point.checked_sub(1)
        };
        self.buckets_between(from, point, key)
    }

    fn buckets_between(&self, from: Option<usize>, to: usize, key: usize) -> Vec<Bucket> {
        let counts = self.distribution_between(from, to, Some(key));
        let used: Vec<usize> = counts
            .iter()
            .filter(|(_, c)| *c != 0)
            .map(|(i, _)| *i)
            .collect();
        let (Some(&first), Some(&last)) = (used.first(), used.last()) else {
            return Vec::new();
        };
        let from = first.saturating_sub(1);
        let to = (last + 1).min(counts.len() - 1);
        let sorted = self.buckets();
        (from..=to)
            .map(|i| Bucket {
                label: sorted[i].label.clone(),
                min: sorted[i].min,
                max: sorted[i].max,
                count: counts[i].1,
                raw: None,
            })
            .collect()
    }

    /// The aggregation over the points after `from` (`None`: from the
    /// start) up to `to`: for count, sum and the distributions what was
    /// added in between (keys that added nothing left out), in
    /// `dtrace(1)`'s order; min, max, avg and stddev cannot be split by
    /// time, so they are as they were at `to`.
    pub fn aggregation_between(&self, from: Option<usize>, to: usize) -> Aggregation {
        // Both ends in one interval: nothing was added in between (not
        // "from the start").
        let from = from.map(|f| f.min(to));
        if from.is_none() || !self.accumulates() {
            return self.aggregation_at(to);
        }
        let mut rows: Vec<(i64, Row)> = self.points[to]
            .order
            .iter()
            .filter_map(|&k| {
                let k = k as usize;
                let value = if self.function.is_distribution() {
                    Value::Buckets(self.buckets_between(from, to, k))
                } else {
                    let now = self.number(to, k).unwrap_or(0);
                    let then = from.and_then(|f| self.number(f, k)).unwrap_or(0);
                    Value::Number(now.wrapping_sub(then))
                };
                let total = value.total();
                let key = self.keys[k].clone();
                (total != 0).then_some((total, Row { key, value }))
            })
            .collect();
        // dtrace(1)'s order: by value, then by key.
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));
        Aggregation {
            id: self.id,
            name: self.name.clone(),
            function: self.function,
            key_sizes: self.key_sizes.clone(),
            rows: rows.into_iter().map(|(_, r)| r).collect(),
        }
    }

    /// The aggregation as it was at a point.
    pub fn aggregation_at(&self, point: usize) -> Aggregation {
        Aggregation {
            id: self.id,
            name: self.name.clone(),
            function: self.function,
            key_sizes: self.key_sizes.clone(),
            rows: self.points[point]
                .order
                .iter()
                .map(|&k| Row {
                    key: self.keys[k as usize].clone(),
                    value: self.value(point, k as usize),
                })
                .collect(),
        }
    }
}

fn number_in(p: &Point, key: usize) -> Option<i64> {
    p.values.get(key)
}

/// One key's distribution cells: sorted by key, they are a run found by
/// search.
fn key_cells(cells: &[Cell], key: usize) -> &[Cell] {
    let key = key as u32;
    let from = cells.partition_point(|c| c.0 < key);
    // Its cells are walked to be read anyway: counted, not searched for.
    let len = cells[from..].iter().take_while(|c| c.0 == key).count();
    &cells[from..from + len]
}

#[cfg(test)]
mod tests;
