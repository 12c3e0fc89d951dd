//! The correlations' tests.

use super::*;
use crate::model::{AggFunction, Aggregation, Bucket, Row, Snapshot, Value};

/// A number in [0, 1) for `i` (splitmix64): noise that is the same every
/// run.
fn noise(i: u64) -> f64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

/// A slow wave that keys driven together share.
fn wave(t: usize) -> f64 {
    (t as f64 / 5.0).sin()
}

fn agg(id: u32, name: &str, function: AggFunction, rows: Vec<(&str, i64)>) -> Aggregation {
    Aggregation {
        id,
        name: name.into(),
        function,
        key_sizes: vec![16],
        rows: rows
            .into_iter()
            .map(|(k, v)| Row {
                key: vec![KeyPart::Str(k.into())],
                value: Value::Number(v),
            })
            .collect(),
    }
}

/// `points` snapshots a second apart (the first at 1 s); `at(t)` gives
/// the aggregations of the `t`-th.
fn history(points: usize, at: impl Fn(usize) -> Vec<Aggregation>) -> History {
    let mut h = History::new(usize::MAX);
    for t in 0..points {
        h.push(
            (t + 1) as f64,
            &Snapshot {
                aggregations: at(t),
            },
        );
    }
    h
}

/// A count's value after `t` seconds at `rate(s)` a second (whole events).
fn cumulative(t: usize, rate: impl Fn(usize) -> f64) -> i64 {
    (0..=t).map(|s| rate(s).round() as i64).sum()
}

fn names(pair: &Pair) -> (String, String) {
    (pair.a.label(), pair.b.label())
}

/// Pearson's r the textbook way, to check the quick paths against.
fn naive_r(xy: &[(f64, f64)]) -> f64 {
    let n = xy.len() as f64;
    let (mx, my) = (
        xy.iter().map(|p| p.0).sum::<f64>() / n,
        xy.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in xy {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}

#[test]
fn keys_driven_together_rank_first_and_an_independent_one_pairs_with_none() {
    let a = |t: usize| 100.0 + 50.0 * wave(t) + 10.0 * noise(t as u64);
    let b = |t: usize| 200.0 + 100.0 * wave(t) + 10.0 * noise(1000 + t as u64);
    let c = |t: usize| 100.0 + 50.0 * noise(2000 + t as u64);
    // Same wave, more noise: related, less tightly.
    let d = |t: usize| 100.0 + 50.0 * wave(t) + 60.0 * noise(3000 + t as u64);
    let h = history(60, |t| {
        vec![
            agg(
                1,
                "n",
                AggFunction::Count,
                vec![
                    ("a", cumulative(t, a)),
                    ("b", cumulative(t, b)),
                    ("c", cumulative(t, c)),
                ],
            ),
            agg(2, "bytes", AggFunction::Sum, vec![("d", cumulative(t, d))]),
        ]
    });
    let c = correlate(&h, &Settings::default());
    assert_eq!((c.series, c.compared, c.flat, c.short), (4, 4, 0, 0));
    assert_eq!(names(&c.pairs[0]), ("@n[a]".into(), "@n[b]".into()));
    assert!(c.pairs[0].r > 0.95, "{:?}", c.pairs[0]);
    assert_eq!(c.pairs[0].points, 60);
    assert!(c.pairs[0].p < 1e-9);
    let ab: Vec<(f64, f64)> = (0..60).map(|t| (a(t).round(), b(t).round())).collect();
    assert!((c.pairs[0].r - naive_r(&ab)).abs() < 1e-9);
    // d pairs with both (across aggregations, @bytes first by name); c
    // with neither.
    assert_eq!(c.pairs.len(), 3, "{:?}", c.pairs);
    for pair in &c.pairs[1..] {
        assert_eq!(pair.a.label(), "@bytes[d]");
        assert!(pair.r < c.pairs[0].r);
    }
    assert!(c.pairs.iter().all(|p| p.b.label() != "@n[c]"));
}

#[test]
fn too_few_points_make_no_pair() {
    let h = history(5, |t| {
        let rows = vec![("a", (t * t) as i64), ("b", (2 * t * t) as i64)];
        vec![agg(1, "n", AggFunction::Count, rows)]
    });
    let c = correlate(&h, &Settings::default());
    assert!(c.pairs.is_empty());
    assert_eq!((c.series, c.short, c.compared), (2, 2, 0));
    // With the bar lowered to 4 points they pair.
    let low = Settings {
        min_points: 4,
        alpha: 0.5,
        ..Settings::default()
    };
    assert_eq!(correlate(&h, &low).pairs.len(), 1);
}

#[test]
fn a_flat_key_is_counted_and_pairs_with_none() {
    let a = |t: usize| 100.0 + 50.0 * wave(t);
    let h = history(30, |t| {
        let rows = vec![
            ("a", cumulative(t, a)),
            ("b", cumulative(t, |t| 2.0 * a(t))),
            ("f", 5 * (t as i64 + 1)),
        ];
        vec![agg(1, "n", AggFunction::Count, rows)]
    });
    let c = correlate(&h, &Settings::default());
    assert_eq!((c.series, c.flat, c.compared), (3, 1, 2));
    assert_eq!(c.pairs.len(), 1);
    assert_eq!(names(&c.pairs[0]), ("@n[a]".into(), "@n[b]".into()));
}

#[test]
fn max_keys_leaves_the_smallest_out() {
    let rate = |scale: f64, t: usize| scale * (100.0 + 50.0 * wave(t));
    let h = history(30, |t| {
        let rows = vec![
            ("one", cumulative(t, |t| rate(1.0, t))),
            ("two", cumulative(t, |t| rate(2.0, t))),
            ("three", cumulative(t, |t| rate(3.0, t))),
            ("four", cumulative(t, |t| rate(4.0, t))),
        ];
        vec![agg(1, "n", AggFunction::Count, rows)]
    });
    let settings = Settings {
        max_keys: 3,
        ..Settings::default()
    };
    let c = correlate(&h, &settings);
    assert_eq!((c.series, c.compared, c.left_out), (4, 3, 1));
    assert_eq!(c.pairs.len(), 3);
    assert!(
        c.pairs
            .iter()
            .all(|p| p.a.label() != "@n[one]" && p.b.label() != "@n[one]"),
        "{:?}",
        c.pairs
    );
}

#[test]
fn keys_moving_against_each_other_are_found() {
    let h = history(40, |t| {
        let rows = vec![
            ("up", cumulative(t, |t| 100.0 + 50.0 * wave(t))),
            ("down", cumulative(t, |t| 200.0 - 50.0 * wave(t))),
        ];
        vec![agg(1, "n", AggFunction::Count, rows)]
    });
    let c = correlate(&h, &Settings::default());
    assert_eq!(c.pairs.len(), 1);
    assert!(c.pairs[0].r < -0.99, "{:?}", c.pairs[0]);
    let text = render(&c, Format::Text);
    assert!(text.contains("r=-1.00  p<1e-9"), "{text}");
    assert!(text.contains("(moves against)"), "{text}");
}

/// min() and max() have no value where their key is absent: only the
/// points both keys have count, whatever lies between.
#[test]
fn gauges_use_only_the_points_both_have() {
    let x = |t: usize| 1000.0 + 500.0 * wave(t) + 50.0 * noise(t as u64);
    let y = |t: usize| 3000.0 + 900.0 * wave(t) + 90.0 * noise(500 + t as u64);
    let has_x = |t: usize| t % 7 != 3;
    let has_y = |t: usize| t >= 10;
    let h = history(60, |t| {
        let mut rows = Vec::new();
        if has_x(t) {
            rows.push(("x", x(t) as i64));
        }
        if has_y(t) {
            rows.push(("y", y(t) as i64));
        }
        vec![agg(1, "m", AggFunction::Max, rows)]
    });
    let c = correlate(&h, &Settings::default());
    let both: Vec<(f64, f64)> = (0..60)
        .filter(|&t| has_x(t) && has_y(t))
        .map(|t| ((x(t) as i64) as f64, (y(t) as i64) as f64))
        .collect();
    assert_eq!(c.pairs.len(), 1);
    assert_eq!(c.pairs[0].points, both.len());
    assert!(
        (c.pairs[0].r - naive_r(&both)).abs() < 1e-9,
        "{:?}",
        c.pairs[0]
    );
}

/// A count key counts 0 where it is absent once seen (after a trunc()
/// it starts again from nothing), and nothing before it was first seen.
#[test]
fn a_count_key_absent_after_it_was_seen_counted_nothing() {
    let a = |t: usize| 100.0 + 50.0 * wave(t) + 5.0 * noise(t as u64);
    let b = |t: usize| 300.0 + 150.0 * wave(t) + 5.0 * noise(100 + t as u64);
    let gone = |t: usize| (30..35).contains(&t);
    let rate = |f: &dyn Fn(usize) -> f64, t: usize| if gone(t) { 0.0 } else { f(t) };
    let h = history(60, |t| {
        let mut rows = vec![("a", cumulative(t, |s| rate(&a, s)))];
        if t >= 20 && !gone(t) {
            // Truncated while away: counts from its return on.
            let since = if t >= 35 { 35 } else { 20 };
            let counted: i64 = (since..=t).map(|s| b(s).round() as i64).sum();
            rows.push(("b", counted));
        }
        vec![agg(1, "n", AggFunction::Count, rows)]
    });
    let c = correlate(&h, &Settings::default());
    assert_eq!(c.pairs.len(), 1, "{:?}", c.pairs);
    assert_eq!(c.pairs[0].points, 40);
    let both: Vec<(f64, f64)> = (20..60)
        .map(|t| {
            let r = |f: &dyn Fn(usize) -> f64| if gone(t) { 0.0 } else { f(t).round() };
            (r(&a), r(&b))
        })
        .collect();
    assert!(
        (c.pairs[0].r - naive_r(&both)).abs() < 1e-9,
        "{:?}",
        c.pairs[0]
    );
}

#[test]
fn a_distribution_pairs_by_its_total_rate() {
    let a = |t: usize| 100.0 + 50.0 * wave(t) + 5.0 * noise(t as u64);
    let h = history(30, |t| {
        let bucket = |min: i64, count: i64| Bucket {
            label: min.to_string(),
            min: Some(min),
            max: Some(min * 2 - 1),
            count,
            raw: None,
        };
        let total = cumulative(t, a);
        let q = Aggregation {
            id: 2,
            name: "lat".into(),
            function: AggFunction::Quantize,
            key_sizes: vec![],
            rows: vec![Row {
                key: vec![],
                value: Value::Buckets(vec![bucket(1, total / 3), bucket(2, total - total / 3)]),
            }],
        };
        vec![agg(1, "n", AggFunction::Count, vec![("a", total)]), q]
    });
    let c = correlate(&h, &Settings::default());
    assert_eq!(c.pairs.len(), 1);
    assert_eq!(names(&c.pairs[0]), ("@lat".into(), "@n[a]".into()));
    assert!(c.pairs[0].r > 0.999, "{:?}", c.pairs[0]);
}

/// Series longer than a tile of the pair loop holds: every pair is still
/// compared, once.
#[test]
fn long_series_are_compared_in_tiles_each_pair_once() {
    let points = 2 * TILE_BYTES / 8 / 5 + 7;
    let rate = |k: usize, t: usize| 100.0 + 50.0 * wave(t) + 10.0 * noise((k * points + t) as u64);
    let mut totals = [0i64; 5];
    let mut h = History::new(usize::MAX);
    for t in 0..points {
        for (k, total) in totals.iter_mut().enumerate() {
            *total += rate(k, t).round() as i64;
        }
        let keys = ["a", "b", "c", "d", "e"];
        let rows = keys.iter().zip(totals).map(|(k, v)| (*k, v)).collect();
        let aggregations = vec![agg(1, "n", AggFunction::Count, rows)];
        h.push((t + 1) as f64, &Snapshot { aggregations });
    }
    let c = correlate(&h, &Settings::default());
    let mut seen: Vec<(String, String)> = c.pairs.iter().map(names).collect();
    seen.sort();
    seen.dedup();
    assert_eq!((c.pairs.len(), seen.len()), (10, 10));
    assert!(c.pairs.iter().all(|p| p.points == points));
}

#[test]
fn erfc_is_within_its_stated_accuracy() {
    let known = [
        (0.0, 1.0),
        (0.5, 0.479_500_122_186_953_5),
        (1.0, 0.157_299_207_050_285_13),
        (3.0, 2.209_049_699_858_544e-5),
        (5.0, 1.537_459_794_428_035e-12),
        (10.0, 2.088_487_583_762_545e-45),
        (-1.0, 2.0 - 0.157_299_207_050_285_13),
    ];
    for (x, want) in known {
        let got = erfc(x);
        assert!(((got - want) / want).abs() < 1.2e-7, "erfc({x}) = {got}");
    }
}

#[test]
fn p_values_follow_fishers_z() {
    let close = |got: f64, want: f64| ((got - want) / want).abs() < 1e-6;
    assert!(close(p_value(0.5, 28), 0.006_022_924_485_883_418));
    assert!(close(p_value(-0.8, 12), 0.000_981_289_787_828_112_6));
    assert_eq!(p_value(0.0, 100), 1.0);
    assert_eq!(p_value(1.0, 3), 1.0);
    // A perfect r is clamped short of 1: a p-value, not NaN.
    assert!(p_value(1.0, 100) < 1e-100);
}

fn sample() -> Correlations {
    let id = |aggregation: &str, key: &str| SeriesId {
        aggregation: aggregation.into(),
        key: vec![KeyPart::Str(key.into()), KeyPart::Int(7)],
    };
    Correlations {
        pairs: vec![
            Pair {
                a: id("n", "a,b"),
                b: id("n", "c"),
                r: 0.981,
                points: 60,
                p: 1e-30,
            },
            Pair {
                a: id("bytes", "d"),
                b: id("n", "c"),
                r: -0.75,
                points: 60,
                p: 2.5e-5,
            },
        ],
        series: 5,
        compared: 3,
        left_out: 0,
        flat: 1,
        short: 1,
        settings: Settings::default(),
    }
}

#[test]
fn text_lists_pairs_strongest_first() {
    let text = render(&sample(), Format::Text);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("5 series: 3 compared, 0 left out"),
        "{text}"
    );
    assert!(
        lines[0].ends_with("1 flat, 1 with fewer than 10 points"),
        "{text}"
    );
    assert_eq!(lines[1], "2 pairs with |r| >= 0.5 and p < 0.001");
    assert_eq!(
        lines[2],
        "r=+0.98  p<1e-9    n=60     @n[a,b, 7] ~ @n[c, 7]"
    );
    assert_eq!(
        lines[3],
        "r=-0.75  p=2.5e-5  n=60     @bytes[d, 7] ~ @n[c, 7]  (moves against)"
    );
}

#[test]
fn csv_has_a_line_per_pair_with_keys_quoted() {
    let csv = render(&sample(), Format::Csv);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "a_aggregation,a_key,b_aggregation,b_key,r,p,points"
    );
    assert_eq!(lines[1], "@n,\"a,b, 7\",@n,\"c, 7\",0.981,1e-30,60");
    assert_eq!(lines[2], "@bytes,\"d, 7\",@n,\"c, 7\",-0.75,2.5e-5,60");
}

#[test]
fn json_is_the_struct() {
    let v: serde_json::Value = serde_json::from_str(&render(&sample(), Format::Json)).unwrap();
    assert_eq!(v["pairs"][1]["r"], -0.75);
    assert_eq!(v["pairs"][0]["a"]["aggregation"], "n");
    assert_eq!(
        v["pairs"][0]["a"]["key"][0],
        serde_json::json!({"type": "str", "value": "a,b"})
    );
    assert_eq!(v["settings"]["max_keys"], 200);
    assert_eq!(v["flat"], 1);
}
