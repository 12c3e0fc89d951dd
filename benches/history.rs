//! The time views' costs: appending a snapshot to the history (once a
//! second while running), building each view's model (once per snapshot)
//! and one frame of it (egui's pass and tessellation, up to every frame
//! while hovering or zooming), and the memory an hour of 10,000 keys
//! takes. Run with `cargo bench --bench history`; the memory is printed
//! first (resident set growth, from /proc/self/statm).

mod common;

use common::counts;
use criterion::{Criterion, criterion_group, criterion_main};
use dscope::history::History;
use dscope::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};
use dscope::ui::charts::flame::FlameModel;
use dscope::ui::charts::flame_diff::FlameDiff;
use dscope::ui::charts::heatmap::{HeatModel, HeatOptions};
use dscope::ui::charts::timeline::{TimelineModel, TimelineOptions};
use dscope::ui::charts::{flame, heatmap, timeline};
use std::hint::black_box;

fn set_counts(s: &mut Snapshot, t: i64) {
    for (i, row) in s.aggregations[0].rows.iter_mut().enumerate() {
        row.value = Value::Number(t * ((i as i64 % 13) + 1));
    }
}

/// `@lat = quantize()`: 64 buckets, counts moving over time.
fn latencies(t: i64) -> Snapshot {
    Snapshot {
        aggregations: vec![Aggregation {
            id: 2,
            name: "lat".into(),
            function: AggFunction::Quantize,
            key_sizes: vec![],
            rows: vec![Row {
                key: vec![],
                value: Value::Buckets(
                    (0..64)
                        .map(|b: i64| Bucket {
                            label: b.to_string(),
                            min: Some(b * 10),
                            max: Some(b * 10 + 9),
                            count: t * (((b * 7 + t) % 23) + 1),
                            raw: None,
                        })
                        .collect(),
                ),
            }],
        }],
    }
}

/// 50,000 distinct stacks of 12 to 20 frames from a few hundred functions.
fn stacks(n: usize) -> Aggregation {
    stacks_weighted(n, 97)
}

/// `n` stacks, the `i`th counted `i % weights + 1` times: two weights are
/// two profiles of one program whose hot paths moved.
fn stacks_weighted(n: usize, weights: usize) -> Aggregation {
    Aggregation {
        id: 3,
        name: "stacks".into(),
        function: AggFunction::Count,
        key_sizes: vec![8],
        rows: (0..n)
            .map(|i| {
                let depth = 12 + i % 9;
                let frames = (0..depth)
                    .map(|d| format!("vmlinux`fn_{}_{}+0x{:x}", d, (i >> d) % 17, d * 4))
                    .collect();
                Row {
                    key: vec![KeyPart::Stack(frames)],
                    value: Value::Number((i % weights) as i64 + 1),
                }
            })
            .collect(),
    }
}

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// An hour of snapshots, one a second, of 10,000 keys, in the window's
/// bounded history: what it keeps and what that costs in memory.
fn memory_of_an_hour() {
    let mut snap = counts(10_000, 0);
    let before = resident_bytes();
    let mut h = History::default();
    let start = std::time::Instant::now();
    for t in 1..=3600 {
        set_counts(&mut snap, t);
        h.push(t as f64, &snap);
    }
    let took = start.elapsed();
    let grown = resident_bytes().saturating_sub(before);
    eprintln!(
        "history: an hour of 10,000 keys, a snapshot a second: {} points kept, resident set \
         grew {:.1} MB ({} snapshots appended in {:.1} s)",
        h.get("num").unwrap().len(),
        grown as f64 / 1e6,
        3600,
        took.as_secs_f64()
    );
    black_box(h);
}

/// One egui pass drawing `view` in a 1100x500 panel, tessellated.
fn frame(ctx: &egui::Context, view: &mut dyn FnMut(&mut egui::Ui)) -> usize {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1100.0, 500.0),
        )),
        ..Default::default()
    };
    let out = ctx.run_ui(input, |ui| view(ui));
    ctx.tessellate(out.shapes, out.pixels_per_point).len()
}

fn bench(c: &mut Criterion) {
    memory_of_an_hour();

    let mut snap = counts(10_000, 1);
    let mut h = History::default();
    let mut t = 1;
    c.bench_function("history: append a 10,000-key snapshot", |b| {
        b.iter(|| {
            t += 1;
            set_counts(&mut snap, t);
            h.push(t as f64, black_box(&snap));
        })
    });

    // An hour at one point a second, every point kept.
    let mut lat = History::new(usize::MAX);
    for t in 1..=3600 {
        lat.push(t as f64, &latencies(t));
    }
    let agg = lat.get("lat").unwrap();
    c.bench_function("heat map: model of 3,600 intervals x 64 buckets", |b| {
        b.iter(|| black_box(HeatModel::build(agg, &HeatOptions::default(), None)))
    });
    let ctx = egui::Context::default();
    let mut model = HeatModel::build(agg, &HeatOptions::default(), None);
    c.bench_function("heat map: frame of 3,600 intervals x 64 buckets", |b| {
        b.iter(|| {
            black_box(frame(&ctx, &mut |ui| {
                heatmap::show(ui, "lat", &mut model, Some((1799.0, 1800.0)), None);
            }))
        })
    });

    let mut many = History::new(usize::MAX);
    let mut snap = counts(20, 0);
    for t in 1..=3600 {
        set_counts(&mut snap, t);
        many.push(t as f64, &snap);
    }
    let agg = many.get("num").unwrap();
    let opts = TimelineOptions {
        top_n: 20,
        trend: true,
        limit: "100000".into(),
        average: true,
        ..TimelineOptions::default()
    };
    c.bench_function("time view: model of 20 keys x 3,600 points", |b| {
        b.iter(|| black_box(TimelineModel::build(agg, &opts, None)))
    });
    let model = TimelineModel::build(agg, &opts, None);
    c.bench_function("time view: frame of 20 keys x 3,600 points", |b| {
        b.iter(|| {
            black_box(frame(&ctx, &mut |ui| {
                timeline::show(ui, "num", &model, None);
            }))
        })
    });

    let agg = stacks(50_000);
    c.bench_function("flame graph: layout of 50,000 stacks", |b| {
        b.iter(|| black_box(FlameModel::build(&agg)))
    });
    let model = FlameModel::build(&agg);
    eprintln!(
        "flame graph: 50,000 stacks make {} frames of {} functions",
        model.nodes.len(),
        model.names.len()
    );
    let mut opts = flame::FlameOptions::default();
    c.bench_function("flame graph: frame of 50,000 stacks", |b| {
        b.iter(|| black_box(frame(&ctx, &mut |ui| flame::show(ui, &model, &mut opts))))
    });
    // Compare builds both sides' graphs and walks them together.
    let before = stacks_weighted(50_000, 89);
    c.bench_function("flame graph of the change: 50,000 stacks each side", |b| {
        b.iter(|| black_box(FlameDiff::build(Some(&before), &agg, None)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
