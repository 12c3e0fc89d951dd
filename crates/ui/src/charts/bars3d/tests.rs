use super::*;
use crate::charts::fixtures::lquantize;
use crate::model::Aggregation;
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
            log: yaw % 2 == 1,
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
                    log: false,
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
                assert!(
                    f.plot.width() > size.x * 0.5 && f.plot.height() > size.y * 0.4,
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
            log: false,
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
