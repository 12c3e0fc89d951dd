//! The history's tests.

use super::*;
use crate::model::fixtures::{counts, quantized};

fn bucket(min: i64, count: i64) -> Bucket {
    Bucket {
        label: min.to_string(),
        min: Some(min),
        max: Some(min * 2 - 1),
        count,
        raw: None,
    }
}

#[test]
fn changes_are_differences_with_the_point_before() {
    let mut h = History::default();
    h.push(1.0, &counts(&[("a", 3)]));
    h.push(2.0, &counts(&[("a", 5), ("b", 1)]));
    h.push(4.0, &counts(&[("b", 4), ("a", 5)]));
    let a = h.get("n").unwrap();
    assert_eq!(a.keys().len(), 2);
    assert_eq!(
        (0..3).map(|p| a.number_delta(p, 0)).collect::<Vec<_>>(),
        [3, 2, 0]
    );
    assert_eq!(
        (0..3).map(|p| a.number_delta(p, 1)).collect::<Vec<_>>(),
        [0, 1, 3]
    );
    // Per second over each interval: 2 s for the last one.
    let b = a.plotted(1, true);
    assert_eq!(b, [(1.0, None), (2.0, Some(1.0)), (4.0, Some(1.5))]);
    let samples = a.samples(2);
    assert_eq!(samples[0].0, [KeyPart::Str("b".into())]);
    assert_eq!(
        samples[0].1,
        Sample {
            value: Value::Number(4),
            delta: Some(Value::Number(3)),
            rate: Some(1.5)
        }
    );
}

#[test]
fn a_final_snapshot_at_the_same_time_replaces_the_last() {
    let mut h = History::default();
    h.push(1.0, &counts(&[("a", 3)]));
    h.push(1.0, &counts(&[("a", 4)]));
    let a = h.get("n").unwrap();
    assert_eq!((a.len(), a.number(0, 0)), (1, Some(4)));
    // The final snapshot just after the last joins its interval...
    h.push(2.0, &counts(&[("a", 6)]));
    h.push_final(2.05, &counts(&[("a", 8)]));
    let a = h.get("n").unwrap();
    assert_eq!((a.len(), a.interval(1)), (2, (1.0, 2.05)));
    assert_eq!(a.number_delta(1, 0), 4);
    // ...but a periodic one never does.
    let mut h = History::default();
    h.push(1.0, &counts(&[("a", 3)]));
    // A slow interval, then the usual ones: each keeps its own point.
    for (t, v) in [(2.0, 6), (5.0, 8), (6.0, 9), (7.0, 10), (8.0, 11)] {
        h.push(t, &counts(&[("a", v)]));
    }
    assert_eq!(h.get("n").unwrap().len(), 6);
}

/// A steady rate stays steady to the end: a second snapshot of the stopped
/// run, with nothing new, adds no point at 0 a second.
#[test]
fn a_final_snapshot_with_nothing_new_adds_no_point() {
    let mut h = History::default();
    for (t, v) in [(1.0, 2000), (2.0, 4000), (3.0, 6000)] {
        h.push(t, &counts(&[("a", v)]));
    }
    h.push_final(3.6, &counts(&[("a", 7200)]));
    h.push_final(4.4, &counts(&[("a", 7200)]));
    let a = h.get("n").unwrap();
    assert_eq!(a.len(), 4, "no point for the snapshot that brought nothing");
    assert_eq!(a.interval(3), (3.0, 3.6));
    assert_eq!(a.number_delta(3, 0), 1200);
}

#[test]
fn min_and_max_keep_their_current_value() {
    let mut snap = counts(&[("a", 7)]);
    snap.aggregations[0].function = AggFunction::Max;
    let mut h = History::default();
    h.push(1.0, &snap);
    snap.aggregations[0].rows[0].value = Value::Number(9);
    h.push(2.0, &snap);
    let a = h.get("n").unwrap();
    assert!(!a.accumulates());
    assert_eq!(a.plotted(0, true), [(1.0, Some(7.0)), (2.0, Some(9.0))]);
    assert_eq!(a.samples(1)[0].1.delta, None);
}

#[test]
fn merging_keeps_the_newest_points_and_every_change() {
    let mut h = History::new(8);
    for t in 1..=20 {
        h.push(f64::from(t), &counts(&[("a", i64::from(t * t))]));
    }
    let a = h.get("n").unwrap();
    assert!(a.len() <= 8, "{} points", a.len());
    // The newest points are still one second apart...
    let times: Vec<f64> = a.times().collect();
    assert_eq!(&times[times.len() - 3..], [18.0, 19.0, 20.0]);
    // ...older ones cover longer intervals, and the changes of all
    // the intervals still add up to the last value.
    assert!(times.windows(2).any(|w| w[1] - w[0] >= 2.0), "{times:?}");
    let total: i64 = (0..a.len()).map(|p| a.number_delta(p, 0)).sum();
    assert_eq!(total, 400);
}

#[test]
fn distributions_keep_buckets_in_range_order() {
    let mut h = History::default();
    h.push(
        1.0,
        &quantized(vec![bucket(4, 0), bucket(8, 2), bucket(16, 0)]),
    );
    h.push(
        2.0,
        &quantized(vec![bucket(1, 0), bucket(2, 1), bucket(4, 0), bucket(8, 5)]),
    );
    let q = h.get("q").unwrap();
    let labels: Vec<&str> = q.buckets().iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "4", "8", "16"]);
    assert_eq!(
        q.distribution(1, None, false),
        [(0, 0), (1, 1), (2, 0), (3, 3), (4, 0)]
    );
    assert_eq!(q.distribution(1, Some(0), true)[3], (3, 5));
    // Its line: the total's change per second.
    assert_eq!(q.plotted(0, true), [(1.0, Some(2.0)), (2.0, Some(4.0))]);
    let s = &q.samples(1)[0].1;
    let Some(Value::Buckets(delta)) = &s.delta else {
        panic!("{s:?}")
    };
    let delta: Vec<(&str, i64)> = delta.iter().map(|b| (b.label.as_str(), b.count)).collect();
    assert_eq!(delta, [("1", 0), ("2", 1), ("4", 0), ("8", 3), ("16", 0)]);
    assert_eq!(s.rate, Some(4.0));
}

/// Latency over time: a percentile of each interval's own values, as the
/// middle of its bucket, and nothing where the interval counted nothing.
#[test]
fn a_percentile_line_reads_each_intervals_values() {
    let mut h = History::default();
    h.push(1.0, &quantized(vec![bucket(2, 9), bucket(8, 1)]));
    // The second interval adds only values in the 8 bucket.
    h.push(2.0, &quantized(vec![bucket(2, 9), bucket(8, 11)]));
    h.push(3.0, &quantized(vec![bucket(2, 9), bucket(8, 11)]));
    let q = h.get("q").unwrap();
    let p50 = q.percentile_line(0, 0.5);
    let middle = |b: i64| {
        let (lo, hi) = (b as f64, (2 * b - 1) as f64);
        (lo + hi) / 2.0
    };
    assert_eq!(p50[0], (1.0, Some(middle(2))));
    assert_eq!(p50[1], (2.0, Some(middle(8))));
    assert_eq!(p50[2], (3.0, None), "nothing counted in the last second");
    assert_eq!(q.percentile_line(0, 0.99)[0], (1.0, Some(middle(8))));
}

/// A point that holds a few of many keys seen keeps only those: the
/// 10,000 keys of the first point are not an array at every later
/// one.
#[test]
fn a_point_with_few_of_many_keys_keeps_only_those() {
    let names: Vec<String> = (0..10_000).map(|i| format!("k{i}")).collect();
    let all: Vec<(&str, i64)> = names.iter().map(|n| (n.as_str(), 1)).collect();
    let mut h = History::default();
    h.push(1.0, &counts(&all));
    h.push(2.0, &counts(&[("k9999", 5), ("k3", 2)]));
    let agg = h.get("n").unwrap();
    assert!(matches!(agg.points[0].values, Numbers::Dense(_)));
    assert!(matches!(&agg.points[1].values, Numbers::Sparse(p) if p.len() == 2));
    assert_eq!(agg.number(1, 9999), Some(5));
    assert_eq!(agg.number(1, 3), Some(2));
    assert_eq!(agg.number(1, 4), None);
    assert_eq!(agg.number(0, 4), Some(1));
    assert_eq!(agg.number(1, 20_000), None);
}

/// Tens of thousands of buckets, most new at each point, come out in
/// range order (they are sorted once per point, not once per bucket).
#[test]
fn many_new_buckets_are_in_range_order() {
    use crate::model::{AggFunction, Aggregation, Bucket, Row, Snapshot};
    let snap = |from: i64| Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "l".into(),
            function: AggFunction::Quantize,
            key_sizes: vec![],
            rows: vec![Row {
                key: vec![],
                value: Value::Buckets(
                    (0..20_000)
                        .rev()
                        .map(|i| Bucket {
                            label: format!("{}", from + i),
                            min: Some(from + i),
                            max: Some(from + i),
                            count: 1,
                            raw: None,
                        })
                        .collect(),
                ),
            }],
        }],
    };
    let mut h = History::default();
    h.push(1.0, &snap(0));
    h.push(2.0, &snap(-20_000));
    let mins: Vec<Option<i64>> = h
        .get("l")
        .unwrap()
        .buckets()
        .iter()
        .map(|b| b.min)
        .collect();
    assert_eq!(mins.len(), 40_000);
    assert!(mins.windows(2).all(|w| w[0] < w[1]), "in range order");
}

#[test]
fn the_state_at_a_time_is_the_last_point_before_it() {
    let mut h = History::default();
    h.push(1.0, &counts(&[("a", 3)]));
    h.push(2.0, &counts(&[("b", 1), ("a", 5)]));
    assert!(h.snapshot_at(0.5).aggregations.is_empty());
    assert_eq!(h.snapshot_at(1.5), counts(&[("a", 3)]));
    assert_eq!(h.snapshot_at(9.0), counts(&[("b", 1), ("a", 5)]));
}

#[test]
fn top_keys_are_the_largest_last_values() {
    let mut h = History::default();
    h.push(1.0, &counts(&[("a", 3), ("b", 10), ("c", 1)]));
    assert_eq!(h.get("n").unwrap().top_keys(2), [1, 0]);
}

#[test]
fn a_time_range_holds_what_was_added_within_it() {
    let mut h = History::default();
    h.push(1.0, &counts(&[("a", 3)]));
    h.push(2.0, &counts(&[("a", 5), ("b", 1)]));
    h.push(3.0, &counts(&[("a", 5), ("b", 4)]));
    h.push(4.0, &counts(&[("a", 9), ("b", 4)]));
    let rows = |s: &Snapshot| -> Vec<(String, i64)> {
        s.aggregations[0]
            .rows
            .iter()
            .map(|r| {
                (
                    crate::model::key_label(&r.key),
                    r.value.as_number().unwrap(),
                )
            })
            .collect()
    };
    // From the point at 1 s to the one at 3 s: a added 2, b 4; in
    // dtrace(1)'s order, smallest first.
    let range = h.snapshot_between(1.5, 3.2);
    assert_eq!(rows(&range), [("a".to_owned(), 2), ("b".to_owned(), 4)]);
    // b added nothing in the last second: it is left out. The ends may
    // come in either order.
    assert_eq!(rows(&h.snapshot_between(4.0, 3.0)), [("a".to_owned(), 4)]);
    // From before the first point: everything up to the end, as the
    // snapshot there had it.
    assert_eq!(
        rows(&h.snapshot_between(0.0, 2.0)),
        [("a".to_owned(), 5), ("b".to_owned(), 1)]
    );
    // Nothing recorded by the range's end: no aggregation.
    assert!(h.snapshot_between(0.0, 0.5).aggregations.is_empty());
    // Both ends between the same two points: nothing was added within
    // it that the history can tell, not the whole run.
    assert!(rows(&h.snapshot_between(2.2, 2.8)).is_empty());
}

#[test]
fn a_time_range_of_a_distribution_subtracts_bucket_by_bucket() {
    let mut h = History::default();
    h.push(1.0, &quantized(vec![bucket(8, 2), bucket(16, 1)]));
    h.push(
        2.0,
        &quantized(vec![bucket(8, 2), bucket(16, 5), bucket(32, 1)]),
    );
    let agg = &h.snapshot_between(1.0, 2.0).aggregations[0];
    let counts: Vec<(Option<i64>, i64)> = agg.rows[0]
        .value
        .buckets()
        .iter()
        .map(|b| (b.min, b.count))
        .collect();
    // 8 added nothing: it stays only as 16's empty neighbour.
    assert_eq!(counts, [(Some(8), 0), (Some(16), 4), (Some(32), 1)]);
}

#[test]
fn a_long_run_stays_within_the_capacity() {
    let mut h = History::new(100);
    for t in 1..=3600 {
        h.push(f64::from(t), &counts(&[("a", i64::from(t)), ("b", 1)]));
    }
    let a = h.get("n").unwrap();
    assert!(a.len() <= 100, "{} points", a.len());
    // The key order did not change: every point shares one list.
    assert!(
        a.points
            .windows(2)
            .all(|w| Arc::ptr_eq(&w[0].order, &w[1].order))
    );
    assert_eq!(a.number(a.len() - 1, 0), Some(3600));
}
