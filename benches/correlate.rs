//! The cost of finding which keys' rates move together: an hour of
//! one-second points for 200 keys (the default `max_keys`), then 400 and
//! 800 to show how it grows (with the square of the keys), and at 200 the
//! slower cases: keys first seen at different times, gauges with gaps,
//! and distributions (whose lines cost more to read). Run with
//! `cargo bench --bench correlate`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use dscope::history::History;
use dscope::history::correlate::{Settings, correlate};
use dscope::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};
use std::hint::black_box;

const POINTS: usize = 3600;

/// A number in [0, 1) for `i` (splitmix64): the same data every run.
fn noise(i: u64) -> f64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

/// Key `k`'s rate at second `t`: keys in groups of ten share a wave, each
/// with noise of its own, so some pairs pass and most do not.
fn rate(k: usize, t: usize) -> f64 {
    let wave = (t as f64 / (20.0 + (k / 10) as f64)).sin();
    1000.0 + 400.0 * wave + 300.0 * noise((k * POINTS + t) as u64)
}

/// `@n[key] = count()` (or `max()`, as the rate itself) over an hour;
/// `present(k, t)` says whether key `k` is in the snapshot at `t`.
fn history(keys: usize, function: AggFunction, present: impl Fn(usize, usize) -> bool) -> History {
    let mut h = History::new(usize::MAX);
    let mut totals = vec![0i64; keys];
    for t in 0..POINTS {
        let mut rows = Vec::with_capacity(keys);
        for (k, total) in totals.iter_mut().enumerate() {
            if !present(k, t) {
                continue;
            }
            let r = rate(k, t).round() as i64;
            *total += r;
            let value = match function {
                AggFunction::Count => Value::Number(*total),
                AggFunction::Quantize => Value::Buckets(buckets(*total)),
                _ => Value::Number(r),
            };
            rows.push(Row {
                key: vec![KeyPart::Str(format!("key-{k}"))],
                value,
            });
        }
        let agg = Aggregation {
            id: 1,
            name: "n".into(),
            function,
            key_sizes: vec![32],
            rows,
        };
        h.push(
            (t + 1) as f64,
            &Snapshot {
                aggregations: vec![agg],
            },
        );
    }
    h
}

/// A quantize() key's eight buckets holding `total` counts.
fn buckets(total: i64) -> Vec<Bucket> {
    (0..8)
        .map(|b: i64| Bucket {
            label: (1i64 << b).to_string(),
            min: Some(1 << b),
            max: Some((2 << b) - 1),
            count: total * (b + 1) / 36,
            raw: None,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("correlate");
    group.sample_size(10);
    for keys in [200, 400, 800] {
        let h = history(keys, AggFunction::Count, |_, _| true);
        let settings = Settings {
            max_keys: keys,
            ..Settings::default()
        };
        eprintln!(
            "{keys} keys: {} pairs pass",
            correlate(&h, &settings).pairs.len()
        );
        group.bench_with_input(BenchmarkId::new("counts", keys), &h, |b, h| {
            b.iter(|| black_box(correlate(h, &settings)))
        });
    }
    // Key k first seen k seconds in: pairs share only part of their points.
    let staggered = history(200, AggFunction::Count, |k, t| t >= k);
    group.bench_function("counts_seen_at_different_times/200", |b| {
        b.iter(|| black_box(correlate(&staggered, &Settings::default())))
    });
    // Each key of a max() absent one second in eleven (a different one).
    let gaps = history(200, AggFunction::Max, |k, t| (t + k) % 11 != 0);
    group.bench_function("gauges_with_gaps/200", |b| {
        b.iter(|| black_box(correlate(&gaps, &Settings::default())))
    });
    let distributions = history(200, AggFunction::Quantize, |_, _| true);
    group.bench_function("distributions/200", |b| {
        b.iter(|| black_box(correlate(&distributions, &Settings::default())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
