use super::*;
use crate::charts::fixtures::lquantize;
use crate::model::units::Unit;
use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Value};
use egui::Color32;
use egui::pos2;

/// Text as wide as the small proportional font, near enough.
fn measure(t: &str) -> Vec2 {
    vec2(t.chars().count() as f32 * 7.5, 16.0)
}

fn frame(grid: &Grid, view: View, rect: Rect) -> Frame {
    super::frame(grid, view, rect, &measure)
}

fn sample() -> Aggregation {
    lquantize(&[
        ("bash", &[(0, 0), (10, 4), (20, 0)]),
        ("sshd", &[(-1, 0), (0, 7), (10, 2), (20, 0)]),
        ("cat", &[(40, 0), (50, 1), (60, 0)]),
    ])
}

#[test]
fn the_axis_is_the_union_of_every_keys_buckets_in_value_order() {
    let g = Grid::build(&sample(), 20);
    let labels: Vec<&str> = g.buckets.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["< 0", "0", "10", "20", "40", "50", "60"]);
    assert_eq!(g.buckets[0].range_text(), "< 0");
    assert_eq!(g.buckets[2].range_text(), "10 .. 19");
    // Largest total first.
    assert_eq!(g.keys, ["sshd", "bash", "cat"]);
    assert_eq!(g.count(0, 1), 7);
    assert_eq!(g.count(0, 2), 2);
    assert_eq!(g.count(1, 2), 4);
    assert_eq!(g.count(2, 5), 1);
    assert_eq!(g.count(2, 1), 0);
    assert_eq!(g.max, 7);
}

#[test]
fn keys_beyond_the_limit_are_summed_as_other() {
    let g = Grid::build(&sample(), 2);
    assert_eq!(g.keys, ["sshd", "other (2 keys)"]);
    assert_eq!(g.folded, 2);
    assert_eq!(g.count(1, 2), 4);
    assert_eq!(g.count(1, 5), 1);
}

#[test]
fn bars_are_drawn_back_to_front_and_hover_finds_the_front_one() {
    let g = Grid::build(&sample(), 20);
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 500.0));
    let f = frame(&g, View::default(), rect);
    // One bar per non-zero cell, three faces of four vertices each.
    assert_eq!(f.bars.len(), 4);
    assert_eq!(f.mesh.vertices.len(), 4 * 12);
    for pair in f.bars.windows(2) {
        assert!(pair[0].depth >= pair[1].depth, "far bars first");
    }
    // Nearer bars have smaller depth: the bar in front row (the
    // smallest key, "cat") is drawn after the one at the back.
    let at = |k: usize| f.bars.iter().position(|b| b.key == k).unwrap();
    assert!(at(2) > at(0), "cat (front) after sshd (back)");
    // The middle of a bar's top face is that bar, or one in front of
    // it that hides it; the front-most bar is never hidden.
    let index = |b: &DrawnBar| f.bars.iter().position(|x| x == b).unwrap();
    for b in &f.bars {
        let top = b.faces[0];
        let mid = (top[0].to_vec2() + top[2].to_vec2()) / 2.0;
        let hit = f.bar_at(mid.to_pos2()).unwrap();
        assert!(index(hit) >= index(b));
    }
    let front = f.bars.last().unwrap();
    let top = front.faces[0];
    let mid = (top[0].to_vec2() + top[2].to_vec2()) / 2.0;
    assert_eq!(f.bar_at(mid.to_pos2()), Some(front));
    let tallest = f
        .bars
        .iter()
        .find(|b| g.count(b.key, b.bucket) == 7)
        .unwrap();
    assert_eq!(
        describe(&g, tallest.key, tallest.bucket),
        "sshd\nvalue 0 .. 9\ncount 7"
    );
}

#[test]
fn bar_heights_follow_the_counts() {
    let g = Grid::build(&sample(), 20);
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 500.0));
    let f = frame(&g, View::default(), rect);
    let height = |k, b| {
        let bar = f.bars.iter().find(|x| x.key == k && x.bucket == b).unwrap();
        // The x side face: from floor (first vertex) to top (last).
        bar.faces[1][0].y - bar.faces[1][3].y
    };
    let (h7, h4, h1) = (height(0, 1), height(1, 2), height(2, 5));
    assert!((h4 / h7 - 4.0 / 7.0).abs() < 1e-3, "{h4} / {h7}");
    assert!((h1 / h7 - 1.0 / 7.0).abs() < 1e-3, "{h1} / {h7}");
}

#[test]
fn dragging_turns_the_view_and_pitch_stays_above_the_floor() {
    let mut v = View::default();
    v.drag(vec2(100.0, 0.0));
    assert!((v.yaw - (View::default().yaw + 1.0).rem_euclid(std::f32::consts::TAU)).abs() < 1e-5);
    v.drag(vec2(0.0, -1000.0));
    assert_eq!(v.pitch, View::MIN_PITCH);
    v.drag(vec2(0.0, 1000.0));
    assert_eq!(v.pitch, View::MAX_PITCH);
    let g = Grid::build(&sample(), 20);
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 500.0));
    for yaw in 0..12 {
        let view = View {
            yaw: yaw as f32 * 0.5,
            pitch: 0.6,
            scale: [Scale::Linear, Scale::Log, Scale::Sqrt][yaw % 3],
        };
        let f = frame(&g, view, rect);
        assert_eq!(f.bars.len(), 4);
        assert!(f.mesh.vertices.iter().all(|v| rect.contains(v.pos)));
    }
}

/// `lquantize` of six processes over ten buckets, as the trial used.
fn six_by_ten() -> Grid {
    let names = [
        "bash",
        "sshd",
        "systemd-journald",
        "cat",
        "postgres",
        "nginx",
    ];
    let rows: Vec<(&str, Vec<(i64, i64)>)> = names
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let buckets = (0..10)
                .map(|b| (b * 10, 76744 / (1 + k as i64 + b) + 1))
                .collect();
            (*n, buckets)
        })
        .collect();
    let rows: Vec<(&str, &[(i64, i64)])> = rows.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    Grid::build(&lquantize(&rows), 20)
}

fn every_key_and_bucket(f: &Frame, g: &Grid) -> Result<(), String> {
    for k in 0..g.keys.len() {
        if !f.labelled(LabelKind::Key(k)) {
            return Err(format!("key {k} ({}) has no label", g.keys[k]));
        }
    }
    for b in 0..g.buckets.len() {
        if !f.labelled(LabelKind::Bucket(b)) {
            return Err(format!("bucket {b} ({}) has no label", g.buckets[b].label));
        }
    }
    Ok(())
}

#[test]
fn a_log_axis_has_a_tick_per_power_of_ten() {
    let axis = CountAxis::log(76744);
    assert_eq!(axis.top, 100_000);
    assert_eq!(axis.ticks(), [0, 1, 10, 100, 1000, 10_000, 100_000]);
    assert_eq!(axis.fraction(0), 0.0);
    assert!((axis.fraction(100_000) - 1.0).abs() < 1e-12);
    // A count of 9 beside 76744 still stands a fifth of the way up.
    assert!(axis.fraction(9) > 0.19, "{}", axis.fraction(9));
    assert!(CountAxis::linear(76744).fraction(9) < 0.001);
    assert_eq!(CountAxis::log(i64::MAX).top, i64::MAX);
    assert_eq!(CountAxis::log(0).ticks(), [0, 1, 10]);
}

#[test]
fn ticks_are_round_numbers() {
    assert_eq!(nice_ticks(76744, 4), (20000, 80000));
    assert_eq!(nice_ticks(57558, 4), (20000, 60000));
    assert_eq!(nice_ticks(7, 4), (2, 8));
    assert_eq!(nice_ticks(100, 4), (50, 100));
    assert_eq!(nice_ticks(1, 4), (1, 1));
    assert_eq!(nice_ticks(0, 4), (1, 1));
    assert_eq!(nice_ticks(3, 4), (1, 3));
    let (step, top) = nice_ticks(i64::MAX, 4);
    assert!(step > 0 && top >= step);
    let g = six_by_ten();
    let f = frame(
        &g,
        View::default(),
        Rect::from_min_size(Pos2::ZERO, vec2(1000.0, 330.0)),
    );
    let mut ticks: Vec<(i64, &str)> = f
        .labels
        .iter()
        .filter_map(|l| match l.kind {
            LabelKind::Tick(v) => Some((v, l.text.as_str())),
            _ => None,
        })
        .collect();
    ticks.sort();
    let ticks: Vec<&str> = ticks.into_iter().map(|t| t.1).collect();
    // Counts in SI short forms.
    assert_eq!(ticks, ["0", "20K", "40K", "60K", "80K"]);
}

#[test]
fn the_chart_fills_its_rectangle_at_any_shape_and_any_turn() {
    let g = six_by_ten();
    for size in [
        vec2(1060.0, 330.0),
        vec2(660.0, 140.0),
        vec2(1560.0, 600.0),
        vec2(400.0, 700.0),
    ] {
        let rect = Rect::from_min_size(pos2(20.0, 50.0), size);
        for yaw in 0..16 {
            for pitch in [View::MIN_PITCH, 0.5, 1.0, View::MAX_PITCH] {
                let view = View {
                    yaw: yaw as f32 * 0.4,
                    pitch,
                    scale: Scale::Linear,
                };
                let f = frame(&g, view, rect);
                let mut drawn = Rect::NOTHING;
                for s in &f.lines {
                    drawn = drawn.union(s.visual_bounding_rect().shrink(0.5));
                }
                for v in &f.mesh.vertices {
                    drawn.extend_with(v.pos);
                }
                // The turned box touches all four sides of the plot,
                // and the plot with its labels is the rectangle.
                // (Tick marks stick out 4 points left of the axis.)
                assert!(
                    (drawn.min - f.plot.min).length() < 5.0
                        && (drawn.max - f.plot.max).length() < 1.5,
                    "{size:?} {view:?}: drawn {drawn:?}, plot {:?}",
                    f.plot
                );
                assert!(rect.contains_rect(f.plot));
                let used = f.labels.iter().fold(f.plot, |r, l| r.union(l.rect));
                assert!(rect.expand(1.0).contains_rect(used), "{size:?} {view:?}");
                // Of the part left of the legend and under the readout.
                let part = chart_part(&f, rect).size();
                assert!(
                    f.plot.width() > part.x * 0.5 && f.plot.height() > part.y * 0.4,
                    "{size:?} {view:?}: plot {:?}",
                    f.plot
                );
            }
        }
    }
}

#[test]
fn every_key_and_bucket_is_labelled_from_every_side_when_there_is_room() {
    let g = six_by_ten();
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(1060.0, 330.0));
    let mut failed = Vec::new();
    for yaw in 0..32 {
        let view = View {
            yaw: yaw as f32 * std::f32::consts::TAU / 32.0,
            pitch: 0.5,
            scale: Scale::Linear,
        };
        let f = frame(&g, view, rect);
        // Seen end-on an axis has no room; anywhere else it has.
        let end_on = (view.yaw.sin().abs() < 0.2) || (view.yaw.cos().abs() < 0.2);
        if !end_on && let Err(e) = every_key_and_bucket(&f, &g) {
            failed.push(format!("yaw {:.2}: {e}", view.yaw));
        }
        for (i, a) in f.labels.iter().enumerate() {
            assert!(rect.expand(1.0).contains_rect(a.rect));
            for b in &f.labels[i + 1..] {
                assert!(!overlaps(a.rect, b.rect), "{a:?} overlaps {b:?}");
            }
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn with_little_room_the_ends_are_labelled_and_labels_never_overlap() {
    let rows: Vec<(i64, i64)> = (0..100).map(|b| (b * 10, b + 1)).collect();
    let agg = lquantize(&[("bash", &rows), ("sshd", &rows[..50])]);
    let g = Grid::build(&agg, 20);
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(600.0, 200.0));
    let f = frame(&g, View::default(), rect);
    let buckets: Vec<usize> = f
        .labels
        .iter()
        .filter_map(|l| match l.kind {
            LabelKind::Bucket(b) => Some(b),
            _ => None,
        })
        .collect();
    assert!(buckets.contains(&0) && buckets.contains(&99), "{buckets:?}");
    assert!(buckets.len() > 5 && buckets.len() < 100, "{buckets:?}");
    for (i, a) in f.labels.iter().enumerate() {
        for b in &f.labels[i + 1..] {
            assert!(!overlaps(a.rect, b.rect), "{a:?} overlaps {b:?}");
        }
    }
}

const SYSCALLS: [&str; 27] = [
    "read",
    "write",
    "openat",
    "close",
    "fstat",
    "mmap",
    "futex",
    "epoll_wait",
    "clock_nanosleep",
    "ioctl",
    "poll",
    "recvmsg",
    "sendmsg",
    "getdents64",
    "newfstatat",
    "rt_sigprocmask",
    "brk",
    "lseek",
    "pread64",
    "select",
    "access",
    "munmap",
    "madvise",
    "writev",
    "readv",
    "nanosleep",
    "wait4",
];

/// `@lat[probefunc] = quantize(timestamp - self->t)` over `keys`
/// syscalls: power-of-two buckets from 512 ns to 4 s, the first key the
/// largest.
fn latencies(keys: usize) -> Grid {
    let rows = SYSCALLS[..keys]
        .iter()
        .enumerate()
        .map(|(k, name)| Row {
            key: vec![KeyPart::Str((*name).into())],
            value: Value::Buckets(
                (9..33)
                    .map(|p: i64| Bucket {
                        label: (1i64 << p).to_string(),
                        min: Some(1 << p),
                        max: Some((1i64 << (p + 1)) - 1),
                        count: (40 - k as i64) * 5000 / (1 + (p - 12 - k as i64 / 3).pow(2)) + 1,
                        raw: None,
                    })
                    .collect(),
            ),
        })
        .collect();
    let agg = Aggregation {
        id: 3,
        name: "lat".into(),
        function: AggFunction::Quantize,
        key_sizes: vec![256],
        rows,
    };
    Grid::build(&agg, DEFAULT_MAX_KEYS).in_unit(Unit::Nanoseconds)
}

const SIZES: [Vec2; 3] = [
    vec2(800.0, 600.0),
    vec2(1100.0, 760.0),
    vec2(1600.0, 1000.0),
];

fn views() -> Vec<View> {
    let mut out = Vec::new();
    for scale in [Scale::Linear, Scale::Sqrt, Scale::Log] {
        for yaw in [View::default().yaw, 0.6, 2.4, 4.0] {
            out.push(View {
                yaw,
                scale,
                ..View::default()
            });
        }
    }
    out
}

/// The chart's part of the rectangle: left of the legend, under the
/// readout line.
fn chart_part(f: &Frame, rect: Rect) -> Rect {
    let right = if f.legend.entries.is_empty() {
        rect.right()
    } else {
        f.legend.rect.left()
    };
    Rect::from_min_max(
        pos2(rect.left(), f.readout.bottom()),
        pos2(right, rect.bottom()),
    )
}

/// Every pair of labels that meet, and every label outside the chart's
/// part of the rectangle.
fn crowded(f: &Frame, rect: Rect) -> Vec<String> {
    let mut bad = Vec::new();
    let chart = chart_part(f, rect);
    for (i, a) in f.labels.iter().enumerate() {
        if !chart.expand(1.0).contains_rect(a.rect) {
            bad.push(format!("{:?} {:?} outside {chart:?}", a.text, a.rect));
        }
        for b in &f.labels[i + 1..] {
            if overlaps(a.rect, b.rect) {
                bad.push(format!(
                    "{:?} {:?} meets {:?} {:?}",
                    a.text, a.rect, b.text, b.rect
                ));
            }
        }
    }
    bad
}

#[test]
fn twenty_latency_keys_no_label_meets_another_at_common_sizes() {
    for keys in [20, 27] {
        let g = latencies(keys);
        assert_eq!(g.keys.len(), 20);
        for size in SIZES {
            let rect = Rect::from_min_size(pos2(10.0, 40.0), size);
            for view in views() {
                let f = frame(&g, view, rect);
                let bad = crowded(&f, rect);
                assert!(bad.is_empty(), "{keys} keys, {size:?} {view:?}: {bad:#?}");
            }
        }
    }
}

#[test]
fn every_key_is_named_in_full_in_the_legend_or_on_the_axis() {
    let g = latencies(20);
    for size in SIZES {
        let rect = Rect::from_min_size(Pos2::ZERO, size);
        for view in views() {
            let f = frame(&g, view, rect);
            for (k, name) in SYSCALLS[..20].iter().enumerate() {
                let in_legend = f
                    .legend
                    .entries
                    .iter()
                    .any(|e| e.key == k && e.text() == *name);
                let on_axis = f
                    .labels
                    .iter()
                    .any(|l| l.kind == LabelKind::Key(k) && l.text == *name);
                assert!(
                    in_legend || on_axis,
                    "{size:?} {view:?}: {name} is not named"
                );
            }
            let legend = &f.legend;
            assert_eq!(legend.entries.len(), 20, "{size:?}: every key has an entry");
            // Not cut: every line is as wide as the legend at most, and the
            // entries are one under the other, as far down as the legend
            // scrolls.
            for e in &legend.entries {
                for line in &e.lines {
                    let right = e.rect.left() + legend::text_offset().x + measure(line).x;
                    assert!(
                        right <= legend.rect.right() + 0.5,
                        "{size:?}: {line:?} is cut"
                    );
                }
            }
            for pair in legend.entries.windows(2) {
                assert!(pair[0].rect.bottom() <= pair[1].rect.top());
            }
            let last = legend.entries.last().unwrap().rect.bottom();
            assert!(last <= legend.rect.top() + legend.height + 0.5);
            assert!(legend.scrolls() || last <= legend.rect.bottom() + 0.5);
        }
    }
}

#[test]
fn each_key_has_one_colour_in_the_legend_and_in_its_bars() {
    for keys in [20, 27] {
        let g = latencies(keys);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(1100.0, 760.0));
        let f = frame(&g, View::default(), rect);
        let legend: Vec<Color32> = f.legend.entries.iter().map(|e| e.color).collect();
        let shown = if keys > 20 { 19 } else { 20 };
        assert_eq!(legend, palette::key_colors(shown, keys > 20));
        for (i, bar) in f.bars.iter().enumerate() {
            // Each bar is 12 vertices in the mesh: two sides, then the top.
            let top = f.mesh.vertices[i * 12 + 8].color;
            assert_eq!(top, legend[bar.key], "bar {i} of key {}", bar.key);
            assert_eq!(bar.color, top);
        }
        if keys > 20 {
            assert_eq!(legend[19], palette::OTHER);
            assert!(f.bars.iter().any(|b| b.key == 19));
        }
    }
}

#[test]
fn the_legend_says_what_other_holds() {
    let g = latencies(27);
    assert_eq!(g.folded, 8);
    let text = g.legend_text(19);
    let folded: i64 = (19..27).map(|_| 0).sum::<i64>() + g.total(19);
    assert_eq!(
        text,
        format!(
            "other: 8 smaller keys, {} values",
            Unit::Number.short_or_exact(folded)
        )
    );
    let small = lquantize(&[
        ("big", &[(0, 5000)]),
        ("mid", &[(0, 1000), (10, 200)]),
        ("a", &[(10, 30)]),
        ("b", &[(20, 4)]),
    ]);
    let g = Grid::build(&small, 3);
    assert_eq!(g.legend_text(2), "other: 2 smaller keys, 34 values");
    assert_eq!(g.legend_text(0), "big");
    let g = Grid::build(&lquantize(&[("x", &[(0, 1234)]), ("y", &[(0, 1235)])]), 1);
    assert_eq!(g.legend_text(0), "other: 2 smaller keys, 2,469 values");
}

#[test]
fn a_long_key_wraps_in_the_legend_and_loses_nothing() {
    let stack =
        "libc.so.1`__pollsys+0xa\nlibc.so.1`poll+0x52\nlibnsl.so.1`_rpc_select_to_poll+0x12c";
    let agg = lquantize(&[(stack, &[(0, 9)]), ("sh", &[(0, 1)])]);
    let g = Grid::build(&agg, 20);
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 600.0));
    let f = frame(&g, View::default(), rect);
    let e = &f.legend.entries[0];
    assert!(e.lines.len() > 1, "{:?}", e.lines);
    assert_eq!(e.text(), stack);
    for line in &e.lines {
        assert!(measure(line).x + legend::text_offset().x <= f.legend.rect.width() + 0.5);
    }
    assert!(f.legend.entries[1].rect.top() >= e.rect.bottom());
}

/// The drawn height of the bar of `key` in `bucket`.
fn bar_height(f: &Frame, key: usize, bucket: usize) -> f32 {
    let bar = f
        .bars
        .iter()
        .find(|x| x.key == key && x.bucket == bucket)
        .unwrap();
    bar.faces[1][0].y - bar.faces[1][3].y
}

#[test]
fn sqrt_and_log_give_one_count_beside_a_million_a_visible_bar() {
    let agg = lquantize(&[("big", &[(0, 1_000_000)]), ("small", &[(10, 1)])]);
    let g = Grid::build(&agg, 20);
    for size in SIZES {
        let rect = Rect::from_min_size(Pos2::ZERO, size);
        let h = |scale| {
            let f = frame(
                &g,
                View {
                    scale,
                    ..View::default()
                },
                rect,
            );
            (bar_height(&f, 1, 1), bar_height(&f, 0, 0))
        };
        let (small, big) = h(Scale::Linear);
        assert!(small < 1.0 && big > 100.0, "linear: {small} beside {big}");
        for scale in [Scale::Sqrt, Scale::Log] {
            let (small, big) = h(scale);
            assert!(small > 2.0, "{scale:?} at {size:?}: {small}");
            assert!(big > small * 2.0, "{scale:?}: {small} beside {big}");
        }
    }
}

#[test]
fn the_count_axis_title_names_the_scale() {
    let g = latencies(20);
    for (scale, title) in [
        (Scale::Linear, "count"),
        (Scale::Sqrt, "count (√)"),
        (Scale::Log, "count (log)"),
    ] {
        for size in SIZES {
            let rect = Rect::from_min_size(Pos2::ZERO, size);
            let f = frame(
                &g,
                View {
                    scale,
                    ..View::default()
                },
                rect,
            );
            let titles: Vec<&str> = f
                .labels
                .iter()
                .filter(|l| l.kind == LabelKind::Axis)
                .map(|l| l.text.as_str())
                .collect();
            assert!(titles.contains(&title), "{size:?}: {titles:?}");
        }
    }
}

#[test]
fn on_a_log_scale_the_zero_and_one_ticks_stand_apart() {
    let g = latencies(20);
    for size in SIZES {
        let rect = Rect::from_min_size(Pos2::ZERO, size);
        let f = frame(
            &g,
            View {
                scale: Scale::Log,
                ..View::default()
            },
            rect,
        );
        let tick = |v| {
            f.labels
                .iter()
                .find(|l| l.kind == LabelKind::Tick(v))
                .map(|l| l.rect)
        };
        let (zero, one) = (tick(0).expect("a 0 tick"), tick(1).expect("a 1 tick"));
        assert!(
            one.bottom() <= zero.top() + 0.5,
            "{size:?}: {one:?} over {zero:?}"
        );
    }
}

#[test]
fn square_root_ticks_are_round_and_spread_up_the_axis() {
    let axis = CountAxis::new(Scale::Sqrt, 1_000_000);
    let ticks = axis.ticks();
    assert_eq!(ticks.first(), Some(&0));
    assert_eq!(ticks.last(), Some(&1_000_000));
    for pair in ticks.windows(2) {
        let gap = axis.fraction(pair[1]) - axis.fraction(pair[0]);
        assert!(gap >= 0.1, "{ticks:?}");
    }
    for v in &ticks[1..] {
        let lead = v / 10i64.pow(v.ilog10());
        assert!([1, 2, 5].contains(&lead) || *v == axis.top, "{v}");
    }
    assert!(ticks.len() >= 4, "{ticks:?}");
    assert!((axis.fraction(250_000) - 0.5).abs() < 1e-9);
}

#[test]
fn buckets_without_room_at_the_front_are_named_at_the_back() {
    let g = latencies(20);
    let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 600.0));
    let f = frame(&g, View::default(), rect);
    let front = f
        .labels
        .iter()
        .filter(|l| !l.far && matches!(l.kind, LabelKind::Bucket(_)));
    let back = f
        .labels
        .iter()
        .filter(|l| l.far && matches!(l.kind, LabelKind::Bucket(_)));
    let (front, back) = (front.count(), back.count());
    assert!(front > 3 && back > 3, "front {front}, back {back}");
    // One label per bucket, front or back.
    for b in 0..g.buckets.len() {
        let n = f
            .labels
            .iter()
            .filter(|l| l.kind == LabelKind::Bucket(b))
            .count();
        assert!(n <= 1, "bucket {b} has {n} labels");
    }
    // A label at the back fills a gap between the front ones, which
    // leave two out of three buckets unnamed here.
    assert!(
        front + back >= g.buckets.len() * 2 / 3,
        "{front} + {back} of {}",
        g.buckets.len()
    );
}

#[test]
fn the_readout_reads_key_bucket_count_and_share_of_the_key() {
    let g = Grid::build(&sample(), 20);
    assert_eq!(
        readout(&g, 0, 1),
        "sshd · 0 .. 9 · count 7 (77.8 % of the key)"
    );
    let g = latencies(20);
    let text = readout(&g, 19, 0);
    assert!(text.starts_with("select · 512 ns .. "), "{text}");
    assert!(text.contains(" · count "), "{text}");
    assert!(text.ends_with(" % of the key)"), "{text}");
    assert_eq!(percent(0.000_04), "0.0040 %");
    assert_eq!(percent(0.5), "50.0 %");
}
