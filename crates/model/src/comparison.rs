//! What changed between two states of an aggregation (two recordings, two
//! time ranges of one run, a run and a recording): per key, whether it
//! appeared, vanished or changed, by how much, and for a distribution the
//! change of each bucket and the shift of each percentile.
//!
//! Keys are ranked so that what changed most comes first: for numbers by
//! the size of the change; for distributions, keys that appeared or
//! vanished first, then by how many buckets a percentile moved, then by
//! the change in how many values they hold.

use crate::latency::{self, Range, Summary};
use crate::{AggFunction, Aggregation, Bucket, KeyPart, Snapshot, Value, key_label};
use serde::Serialize;
use std::collections::HashMap;

/// What happened to a key between the two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only in the second.
    Appeared,
    /// Only in the first.
    Vanished,
    Changed,
    Same,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Appeared => "appeared",
            Status::Vanished => "vanished",
            Status::Changed => "changed",
            Status::Same => "same",
        }
    }
}

/// One bucket's count on each side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketChange {
    /// As `dtrace(1)` labels the bucket ("64", ">= 100").
    pub label: String,
    pub range: Range,
    pub before: i64,
    pub after: i64,
}

impl BucketChange {
    pub fn difference(&self) -> i64 {
        self.after.saturating_sub(self.before)
    }
}

/// How far a percentile (or the maximum) moved: the bucket ranges it fell
/// in on each side, and by how many buckets (positive: to larger values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shift {
    pub name: &'static str,
    pub before: Range,
    pub after: Range,
    pub buckets: i64,
}

/// One key compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyChange {
    pub key: Vec<KeyPart>,
    pub status: Status,
    /// The value, or a distribution's count of values; `None` where the
    /// key is absent.
    pub before: Option<i64>,
    pub after: Option<i64>,
    /// `after - before`, an absent side counting as 0.
    pub difference: i64,
    /// The difference as a fraction of `before`; `None` when `before` is
    /// absent or 0.
    pub relative: Option<f64>,
    /// For a distribution: each side summed up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_summary: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_summary: Option<Summary>,
    /// For a distribution present on both sides: p50, p90, p99 and max.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shifts: Vec<Shift>,
    /// For a distribution: every bucket either side counted in, in value
    /// order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<BucketChange>,
}

impl KeyChange {
    pub fn label(&self) -> String {
        key_label(&self.key)
    }

    /// The largest move of p50, p90 or p99, in buckets (either way).
    pub fn largest_shift(&self) -> u64 {
        self.shifts
            .iter()
            .filter(|s| s.name != "max")
            .map(|s| s.buckets.unsigned_abs())
            .max()
            .unwrap_or(0)
    }
}

/// One aggregation compared, its keys ranked by change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub name: String,
    pub function: AggFunction,
    pub keys: Vec<KeyChange>,
}

impl Comparison {
    pub fn count(&self, status: Status) -> usize {
        self.keys.iter().filter(|k| k.status == status).count()
    }
}

/// Compares two states of one aggregation. Either may be missing (an
/// aggregation only one side has): its keys then all appear or vanish.
pub fn compare(before: Option<&Aggregation>, after: Option<&Aggregation>) -> Comparison {
    let any = after.or(before);
    let name = any.map(|a| a.name.clone()).unwrap_or_default();
    let function = any.map_or(AggFunction::Count, |a| a.function);
    let mut order: Vec<&[KeyPart]> = Vec::new();
    let mut sides: HashMap<&[KeyPart], [Option<&Value>; 2]> = HashMap::new();
    for (side, agg) in [before, after].into_iter().enumerate() {
        for row in agg.iter().flat_map(|a| &a.rows) {
            let e = sides.entry(&row.key).or_insert_with(|| {
                order.push(&row.key);
                [None, None]
            });
            e[side] = Some(&row.value);
        }
    }
    let mut keys: Vec<KeyChange> = order
        .into_iter()
        .map(|k| key_change(function, k, sides[k]))
        .collect();
    let distribution = function.is_distribution();
    // Ranked once per key, not per comparison of two keys.
    keys.sort_by_cached_key(|k| {
        let moved = matches!(k.status, Status::Appeared | Status::Vanished);
        let shift = if distribution { k.largest_shift() } else { 0 };
        let rank = (distribution && moved, shift, k.difference.unsigned_abs());
        (std::cmp::Reverse(rank), k.key.clone())
    });
    Comparison {
        name,
        function,
        keys,
    }
}

/// Compares every aggregation of two snapshots, matched by name, in the
/// order the second one (then the first) holds them.
pub fn compare_snapshots(before: &Snapshot, after: &Snapshot) -> Vec<Comparison> {
    let mut names: Vec<&str> = after.aggregations.iter().map(|a| a.name.as_str()).collect();
    for a in &before.aggregations {
        if !names.contains(&a.name.as_str()) {
            names.push(&a.name);
        }
    }
    names
        .into_iter()
        .map(|n| compare(before.get(n), after.get(n)))
        .collect()
}

fn buckets_of(v: Option<&Value>) -> &[Bucket] {
    v.map(|v| v.buckets()).unwrap_or(&[])
}

fn key_change(function: AggFunction, key: &[KeyPart], [b, a]: [Option<&Value>; 2]) -> KeyChange {
    let before = b.map(Value::total);
    let after = a.map(Value::total);
    let difference = after.unwrap_or(0).saturating_sub(before.unwrap_or(0));
    let status = match (b, a) {
        (None, _) => Status::Appeared,
        (_, None) => Status::Vanished,
        (Some(b), Some(a)) if b == a => Status::Same,
        _ => Status::Changed,
    };
    let relative = before
        .filter(|b| *b != 0)
        .map(|b| difference as f64 / b as f64);
    let is_distribution = matches!(b.or(a), Some(Value::Buckets(_)));
    let buckets = if is_distribution {
        bucket_changes(buckets_of(b), buckets_of(a))
    } else {
        Vec::new()
    };
    let before_summary = latency::summary(buckets_of(b));
    let after_summary = latency::summary(buckets_of(a));
    let shifts = match (&before_summary, &after_summary) {
        (Some(x), Some(y)) => shifts(function, x, y, &buckets),
        _ => Vec::new(),
    };
    KeyChange {
        key: key.to_vec(),
        status,
        before,
        after,
        difference,
        relative,
        before_summary,
        after_summary,
        shifts,
        buckets,
    }
}

fn bucket_changes(before: &[Bucket], after: &[Bucket]) -> Vec<BucketChange> {
    let mut out: Vec<BucketChange> = Vec::new();
    let mut at: HashMap<Range, usize> = HashMap::new();
    for (side, buckets) in [before, after].into_iter().enumerate() {
        for b in buckets {
            let range = Range(b.min, b.max);
            let i = *at.entry(range).or_insert_with(|| {
                out.push(BucketChange {
                    label: b.label.clone(),
                    range,
                    before: 0,
                    after: 0,
                });
                out.len() - 1
            });
            let count = if side == 0 {
                &mut out[i].before
            } else {
                &mut out[i].after
            };
            *count = count.saturating_add(b.count);
        }
    }
    // The empty neighbours dtrace(1) prints for a distribution's shape
    // say nothing of a change.
    out.retain(|c| c.before != 0 || c.after != 0);
    out.sort_by_key(|c| crate::bucket_order(c.range.0, c.range.1));
    out
}

/// A bucket's place on its function's scale, so that a percentile that
/// moved from 1K to 4K moved two `quantize()` buckets even where no value
/// fell in 2K on either side. `None` where the scale is not regular
/// (`llquantize()`): places then count the buckets either side holds.
fn step(function: AggFunction, r: Range) -> Option<i64> {
    let bits = |v: u64| i64::from(64 - v.leading_zeros());
    match function {
        AggFunction::Quantize => {
            let v = r.0.or(r.1)?;
            Some(if v < 0 {
                -bits(v.unsigned_abs())
            } else {
                bits(v as u64)
            })
        }
        AggFunction::Lquantize { base, step, levels } => Some(match (r.0, r.1) {
            (None, _) => -1,
            (_, None) => i64::from(levels),
            // Bounds come from recordings, which may say anything.
            (Some(lo), _) => lo.saturating_sub(i64::from(base)) / i64::from(step.max(1)),
        }),
        _ => None,
    }
}

fn shifts(
    function: AggFunction,
    before: &Summary,
    after: &Summary,
    buckets: &[BucketChange],
) -> Vec<Shift> {
    let place = |r: Range| {
        step(function, r).unwrap_or_else(|| {
            buckets
                .iter()
                .position(|b| b.range == r)
                .map_or(0, |i| i as i64)
        })
    };
    before
        .ranges()
        .into_iter()
        .zip(after.ranges())
        .map(|((name, b), (_, a))| Shift {
            name,
            before: b,
            after: a,
            buckets: place(a).saturating_sub(place(b)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Row;

    fn quantized(rows: &[(&str, &[(i64, i64)])]) -> Aggregation {
        Aggregation {
            id: 1,
            name: "lat".into(),
            function: AggFunction::Quantize,
            key_sizes: vec![],
            rows: rows
                .iter()
                .map(|(k, bs)| Row {
                    key: vec![KeyPart::Str((*k).into())],
                    value: Value::Buckets(
                        bs.iter()
                            .map(|&(lo, n)| Bucket {
                                label: lo.to_string(),
                                min: Some(lo),
                                max: Some(lo * 2 - 1),
                                count: n,
                                raw: None,
                            })
                            .collect(),
                    ),
                })
                .collect(),
        }
    }

    fn counted(rows: &[(&str, i64)]) -> Aggregation {
        Aggregation {
            id: 1,
            name: "n".into(),
            function: AggFunction::Count,
            key_sizes: vec![],
            rows: rows
                .iter()
                .map(|(k, n)| Row {
                    key: vec![KeyPart::Str((*k).into())],
                    value: Value::Number(*n),
                })
                .collect(),
        }
    }

    #[test]
    fn counts_are_ranked_by_the_size_of_their_change() {
        let before = counted(&[("a", 100), ("b", 10), ("gone", 5), ("same", 7)]);
        let after = counted(&[("a", 90), ("b", 60), ("new", 3), ("same", 7)]);
        let c = compare(Some(&before), Some(&after));
        let order: Vec<(String, Status, i64)> = c
            .keys
            .iter()
            .map(|k| (k.label(), k.status, k.difference))
            .collect();
        assert_eq!(
            order,
            vec![
                ("b".into(), Status::Changed, 50),
                ("a".into(), Status::Changed, -10),
                ("gone".into(), Status::Vanished, -5),
                ("new".into(), Status::Appeared, 3),
                ("same".into(), Status::Same, 0),
            ]
        );
        assert_eq!(c.keys[0].relative, Some(5.0));
        assert_eq!(c.keys[3].relative, None);
    }

    #[test]
    fn a_distribution_that_got_slower_shows_its_percentiles_moving_up() {
        // "slow": 100 values at 1K, then the same 100 at 4K (two buckets
        // up); "steady" keeps its shape but doubles its count.
        let before = quantized(&[("slow", &[(1024, 100)]), ("steady", &[(64, 10), (128, 10)])]);
        let after = quantized(&[("slow", &[(4096, 100)]), ("steady", &[(64, 20), (128, 20)])]);
        let c = compare(Some(&before), Some(&after));
        assert_eq!(c.keys[0].label(), "slow");
        let slow = &c.keys[0];
        assert_eq!(slow.difference, 0);
        assert_eq!(slow.status, Status::Changed);
        let p50 = &slow.shifts[0];
        assert_eq!(
            (p50.name, p50.before, p50.after, p50.buckets),
            (
                "p50",
                Range(Some(1024), Some(2047)),
                Range(Some(4096), Some(8191)),
                2
            )
        );
        // The buckets either side holds, in value order: 1K then 4K (the
        // empty 2K bucket is on neither side).
        let b: Vec<(i64, i64)> = slow.buckets.iter().map(|b| (b.before, b.after)).collect();
        assert_eq!(b, vec![(100, 0), (0, 100)]);
        let steady = &c.keys[1];
        assert_eq!(steady.largest_shift(), 0);
        assert_eq!(steady.difference, 20);
    }

    #[test]
    fn new_and_vanished_distributions_come_first_and_say_so() {
        let before = quantized(&[("old", &[(8, 1)]), ("x", &[(8, 5)])]);
        let after = quantized(&[("x", &[(8, 500)]), ("fresh", &[(8, 2)])]);
        let c = compare(Some(&before), Some(&after));
        let order: Vec<(String, Status)> = c.keys.iter().map(|k| (k.label(), k.status)).collect();
        assert_eq!(
            order,
            vec![
                ("fresh".into(), Status::Appeared),
                ("old".into(), Status::Vanished),
                ("x".into(), Status::Changed),
            ]
        );
        assert!(c.keys[0].before_summary.is_none() && c.keys[0].after_summary.is_some());
        assert!(c.keys[0].shifts.is_empty());
    }

    #[test]
    fn an_aggregation_on_one_side_only_has_every_key_appear() {
        let after = Snapshot {
            aggregations: vec![counted(&[("a", 1)])],
        };
        let before = Snapshot {
            aggregations: vec![quantized(&[("k", &[(8, 1)])])],
        };
        let cs = compare_snapshots(&before, &after);
        assert_eq!(cs.len(), 2);
        assert_eq!(
            (cs[0].name.as_str(), cs[0].keys[0].status),
            ("n", Status::Appeared)
        );
        assert_eq!(
            (cs[1].name.as_str(), cs[1].keys[0].status),
            ("lat", Status::Vanished)
        );
    }
}
