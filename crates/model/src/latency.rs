//! Latency as latency: what a `quantize()`, `lquantize()` or
//! `llquantize()` distribution says of its values, estimated from its
//! buckets. A bucket knows only that a value fell between its bounds, so a
//! percentile is the range of the bucket it falls in, never one number;
//! the mean is estimated from each bucket's middle.

use crate::Bucket;
use serde::{Deserialize, Serialize};

/// The range of the bucket a percentile falls in: `[low, high]`, with
/// `None` for the unbounded side of an underflow or overflow bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Range(pub Option<i64>, pub Option<i64>);

impl Range {
    fn of(b: &Bucket) -> Range {
        Range(b.min, b.max)
    }

    /// The range's middle value, or its one bound: what a line through a
    /// bucket's values is drawn at.
    pub fn middle(self) -> Option<f64> {
        match (self.0, self.1) {
            (Some(lo), Some(hi)) => Some((lo as f64 + hi as f64) / 2.0),
            (Some(v), None) | (None, Some(v)) => Some(v as f64),
            (None, None) => None,
        }
    }
}

/// A distribution summed up: how many values, their estimated mean, the
/// bucket ranges of p50, p90 and p99, and of the largest value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: i64,
    /// From each bucket's middle (its bound, for an unbounded bucket).
    pub mean: Option<f64>,
    pub p50: Range,
    pub p90: Range,
    pub p99: Range,
    pub max: Range,
}

/// The bucket ranges of p50, p90, p99 and the largest value, as reports
/// and exports write them (`"p50": [low, high]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: Range,
    pub p90: Range,
    pub p99: Range,
    pub max: Range,
}

impl Summary {
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            p50: self.p50,
            p90: self.p90,
            p99: self.p99,
            max: self.max,
        }
    }

    /// The percentiles and the maximum by name, in order.
    pub fn ranges(&self) -> [(&'static str, Range); 4] {
        [
            ("p50", self.p50),
            ("p90", self.p90),
            ("p99", self.p99),
            ("max", self.max),
        ]
    }
}

/// The range of the bucket holding the `q`-th fraction of the values
/// (0 < q <= 1), counting raw counts (before any `normalize()`).
pub fn percentile(buckets: &[Bucket], q: f64) -> Option<Range> {
    let total = count_of(buckets);
    if total == 0 {
        return None;
    }
    // The rank of the value wanted, from 1: the smallest rank whose share
    // reaches q.
    let rank = ((q * total as f64).ceil() as i64).clamp(1, total);
    let mut seen = 0;
    for b in buckets {
        seen = b.raw_count().max(0).saturating_add(seen);
        if seen >= rank {
            return Some(Range::of(b));
        }
    }
    buckets.last().map(Range::of)
}

/// How many values the buckets hold. A recording read back may say
/// anything: counts add up without overflowing, and negative ones count
/// as none.
fn count_of(buckets: &[Bucket]) -> i64 {
    buckets
        .iter()
        .fold(0i64, |n, b| n.saturating_add(b.raw_count().max(0)))
}

/// The distribution summed up; `None` when it holds no value.
pub fn summary(buckets: &[Bucket]) -> Option<Summary> {
    let count = count_of(buckets);
    if count == 0 {
        return None;
    }
    let weighted: f64 = buckets
        .iter()
        .filter(|b| b.raw_count() > 0)
        .filter_map(|b| Range::of(b).middle().map(|m| m * b.raw_count() as f64))
        .sum();
    let max = buckets.iter().rev().find(|b| b.raw_count() > 0)?;
    Some(Summary {
        count,
        mean: Some(weighted / count as f64),
        p50: percentile(buckets, 0.50)?,
        p90: percentile(buckets, 0.90)?,
        p99: percentile(buckets, 0.99)?,
        max: Range::of(max),
    })
}

/// CSV lines for a distribution's summary, after its buckets': in the
/// bucket column `p50`, `p90`, `p99` and `max` with the bucket's range in
/// the min and max columns, and `mean` with the estimate in the count
/// column. Each is `[bucket, min, max, count]`.
pub fn csv_rows(buckets: &[Bucket]) -> Vec<[String; 4]> {
    let Some(s) = summary(buckets) else {
        return Vec::new();
    };
    let bound = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut rows: Vec<[String; 4]> = s
        .ranges()
        .iter()
        .map(|(name, r)| [name.to_string(), bound(r.0), bound(r.1), String::new()])
        .collect();
    if let Some(mean) = s.mean {
        rows.push([
            "mean".into(),
            String::new(),
            String::new(),
            format!("{mean:.1}"),
        ]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(min: i64, max: i64, count: i64) -> Bucket {
        Bucket {
            label: min.to_string(),
            min: Some(min),
            max: Some(max),
            count,
            raw: None,
        }
    }

    /// quantize()'s power-of-two buckets: 10 values in [1024, 2047], 89 in
    /// [2048, 4095], one in [1 Mi, 2 Mi - 1].
    #[test]
    fn percentiles_are_the_ranges_of_their_buckets() {
        let b = [
            bucket(512, 1023, 0),
            bucket(1024, 2047, 10),
            bucket(2048, 4095, 89),
            bucket(4096, 8191, 0),
            bucket(1 << 20, (1 << 21) - 1, 1),
            bucket(1 << 21, (1 << 22) - 1, 0),
        ];
        let s = summary(&b).unwrap();
        assert_eq!(s.count, 100);
        assert_eq!(s.p50, Range(Some(2048), Some(4095)));
        assert_eq!(s.p90, Range(Some(2048), Some(4095)));
        assert_eq!(s.p99, Range(Some(2048), Some(4095)));
        assert_eq!(s.max, Range(Some(1 << 20), Some((1 << 21) - 1)));
        assert_eq!(percentile(&b, 0.995), Some(s.max));
        assert_eq!(percentile(&b, 0.05), Some(Range(Some(1024), Some(2047))));
        let mean = s.mean.unwrap();
        let want = (10.0 * 1535.5 + 89.0 * 3071.5 + 1.0 * 1572863.5) / 100.0;
        assert!((mean - want).abs() < 1e-6, "{mean} vs {want}");
    }

    /// Counts from a hostile recording do not overflow the sums.
    #[test]
    fn huge_counts_do_not_overflow() {
        let b = [
            bucket(1, 1, i64::MAX),
            bucket(2, 3, i64::MAX),
            bucket(4, 7, -5),
        ];
        let s = summary(&b).unwrap();
        assert_eq!(s.count, i64::MAX);
        assert_eq!(s.p50, Range(Some(1), Some(1)));
        assert_eq!(s.max, Range(Some(2), Some(3)));
    }

    #[test]
    fn an_empty_distribution_has_no_summary_and_unbounded_buckets_keep_their_bound() {
        assert!(summary(&[bucket(1, 1, 0)]).is_none());
        let under = Bucket {
            label: "< 0".into(),
            min: None,
            max: Some(-1),
            count: 3,
            raw: None,
        };
        let over = Bucket {
            label: ">= 100".into(),
            min: Some(100),
            max: None,
            count: 1,
            raw: None,
        };
        let s = summary(&[under, over]).unwrap();
        assert_eq!(s.p50, Range(None, Some(-1)));
        assert_eq!(s.max, Range(Some(100), None));
    }
}
