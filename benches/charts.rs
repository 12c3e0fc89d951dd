//! Building one chart frame from a snapshot: what a new snapshot (once a
//! second while running) or a hover/drag (up to every frame) costs.
//! Geometry only: text is measured at a fixed width per character here,
//! where the chart measures it with egui's fonts (whose layouts egui
//! caches from frame to frame).

use criterion::{Criterion, criterion_group, criterion_main};
use dscope::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Value};
use dscope::ui::charts::bars3d::{self, Grid, View};
use dscope::ui::charts::pie::{DEFAULT_TOP_N, PieModel};
use egui::{Pos2, Rect, vec2};
use std::hint::black_box;

/// `@[execname, pid] = count()` with 10,000 keys, in dtrace's order.
fn counts(keys: usize) -> Aggregation {
    let rows = (0..keys)
        .map(|i| Row {
            key: vec![
                KeyPart::Str(format!("process-{i}")),
                KeyPart::Int(i as i64 + 100),
            ],
            value: Value::Number(((i * 7919) % 100_003) as i64 + 1),
        })
        .collect();
    Aggregation {
        id: 1,
        name: "num".into(),
        function: AggFunction::Count,
        key_sizes: vec![256, 4],
        rows,
    }
}

/// `lquantize(x, 0, 100, 1)` for 50 keys, each with all 100 buckets.
fn distribution(keys: usize, buckets: i64) -> Aggregation {
    let rows = (0..keys)
        .map(|k| Row {
            key: vec![KeyPart::Str(format!("process-{k}"))],
            value: Value::Buckets(
                (0..buckets)
                    .map(|b| Bucket {
                        label: b.to_string(),
                        min: Some(b),
                        max: Some(b),
                        count: ((k as i64 * 31 + b * 17) % 97) + 1,
                        raw: None,
                    })
                    .collect(),
            ),
        })
        .collect();
    Aggregation {
        id: 2,
        name: "dist".into(),
        function: AggFunction::Lquantize {
            base: 0,
            step: 1,
            levels: buckets as u16,
        },
        key_sizes: vec![256],
        rows,
    }
}

/// About the width of egui's body font.
fn measure(text: &str) -> egui::Vec2 {
    vec2(text.chars().count() as f32 * 7.5, 16.0)
}

fn bench(c: &mut Criterion) {
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(1200.0, 600.0));

    let agg = counts(10_000);
    c.bench_function(
        "pie: 10,000 keys -> top 10 + other, model and shapes",
        |b| {
            b.iter(|| {
                let model = PieModel::build(black_box(&agg), DEFAULT_TOP_N);
                black_box(model.shapes(rect.center(), 250.0, Some(0)))
            })
        },
    );
    let model = PieModel::build(&agg, DEFAULT_TOP_N);
    c.bench_function("pie: redraw (shapes only)", |b| {
        b.iter(|| black_box(model.shapes(rect.center(), 250.0, None)))
    });

    let agg = distribution(50, 100);
    c.bench_function("3D bars: 50 keys x 100 buckets, grid and frame", |b| {
        b.iter(|| {
            let grid = Grid::build(black_box(&agg), 50);
            black_box(bars3d::frame(&grid, View::default(), rect, &measure))
        })
    });
    let grid = Grid::build(&agg, 50);
    c.bench_function("3D bars: 50 x 100 redraw while turning (frame only)", |b| {
        let mut view = View::default();
        b.iter(|| {
            view.drag(vec2(3.0, 0.0));
            black_box(bars3d::frame(&grid, view, rect, &measure))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
