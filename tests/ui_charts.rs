//! The Aggregations charts as someone who traces for a living uses them:
//! at the window sizes people run dscope at, every chart fills the panel,
//! the 3D bars name every key and bucket (also after turning), and what a
//! PNG export captures carries the chart's title and not how to turn it.

mod common;

use common::*;
use dscope::model::{AggFunction, Aggregation, Bucket, Row, Snapshot, Value};
use dscope::session::Event;
use dscope::ui::DscopeApp;
use dscope::ui::app::BottomTab;
use dscope::ui::charts::ChartData;
use dscope::ui::charts::bars3d::{self, LabelKind};
use egui::{Rect, Vec2, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const PROCESSES: [&str; 6] = [
    "bash",
    "sshd",
    "systemd-journald",
    "cat",
    "postgres",
    "nginx",
];

/// `@dist[execname] = lquantize(x, 0, 10, 1)`: six processes, each with
/// counts in all ten buckets, in the tens of thousands.
fn latencies() -> Aggregation {
    let rows = PROCESSES
        .iter()
        .enumerate()
        .map(|(k, n)| Row {
            key: key(n),
            value: Value::Buckets(
                (0..10)
                    .map(|b| Bucket {
                        label: b.to_string(),
                        min: Some(b),
                        max: Some(b),
                        count: 76744 / (1 + k as i64 + b) + 1,
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
            levels: 10,
        },
        key_sizes: vec![256],
        rows,
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        aggregations: vec![syscalls(), latencies()],
    }
}

/// The app in a window of `size`, with a run that delivered the snapshot.
fn app_at(dir: &std::path::Path, size: Vec2) -> Harness<'static, DscopeApp> {
    let config = config(dir, None);
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    for e in [Event::Started { matches: 1 }, Event::Snapshot(snapshot())] {
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    }
    assert_eq!(h.state().bottom_tab(), BottomTab::Aggregations);
    h
}

/// The 3D chart's own node (the chart, not its tab).
fn chart_node_rect(h: &Harness<'_, DscopeApp>) -> Rect {
    h.get_by_label_contains("6 keys x 10 buckets of lquantize;")
        .rect()
}

fn missing_labels(h: &Harness<'_, DscopeApp>) -> Vec<String> {
    let labels = h.state().charts().bars3d_labels();
    let has = |kind: LabelKind| labels.iter().any(|l| l.kind == kind);
    let mut missing = Vec::new();
    for (k, name) in PROCESSES.iter().enumerate() {
        if !has(LabelKind::Key(k)) {
            missing.push(format!("key {name}"));
        }
    }
    for b in 0..10 {
        if !has(LabelKind::Bucket(b)) {
            missing.push(format!("bucket {b}"));
        }
    }
    missing
}

/// Drags across the middle of the 3D chart by `by`, in small steps as a
/// hand does.
fn drag_chart(h: &mut Harness<'_, DscopeApp>, by: Vec2) {
    // Steps, not runs: the bar under the pointer fades its tooltip in.
    let start = chart_node_rect(h).center();
    h.hover_at(start);
    h.step();
    h.drag_at(start);
    h.step();
    for i in 1..=10 {
        h.hover_at(start + by * (i as f32 / 10.0));
        h.step();
    }
    h.drop_at(start + by);
    h.step();
    h.step();
}

#[test]
fn the_3d_bars_name_every_key_and_bucket_and_still_do_after_turning() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_at(dir.path(), vec2(1100.0, 760.0));
    click(&mut h, "@dist lquantize()");
    let Some(ChartData::Bars3d(grid)) = h.state().charts().data("dist") else {
        panic!("lquantize() is drawn as 3D bars");
    };
    assert_eq!(grid.keys.len(), 6);
    assert_eq!(grid.buckets.len(), 10);
    assert_eq!(missing_labels(&h), Vec::<String>::new());
    // The count axis has round ticks: 76745 at most, so up to 80000.
    let mut ticks: Vec<i64> = h
        .state()
        .charts()
        .bars3d_labels()
        .iter()
        .filter_map(|l| match l.kind {
            LabelKind::Tick(v) => Some(v),
            _ => None,
        })
        .collect();
    ticks.sort();
    assert_eq!(ticks, [0, 20000, 40000, 60000, 80000]);
    let bucket_rect = |h: &Harness<'_, DscopeApp>, b: usize| {
        h.state()
            .charts()
            .bars3d_labels()
            .iter()
            .find(|l| l.kind == LabelKind::Bucket(b))
            .map(|l| l.rect)
    };
    let before = bucket_rect(&h, 0).unwrap();

    // Turn it a quarter round and tip it up a little: the labels follow
    // the axes to their new places and all stay.
    drag_chart(&mut h, vec2(60.0, 15.0));
    let after = bucket_rect(&h, 0).unwrap();
    assert!(
        (after.center() - before.center()).length() > 20.0,
        "the bucket labels moved with the view: {before:?} -> {after:?}"
    );
    assert_eq!(missing_labels(&h), Vec::<String>::new());
    // Turned the other way, past where it started.
    drag_chart(&mut h, vec2(-110.0, -10.0));
    assert_eq!(missing_labels(&h), Vec::<String>::new());
    // Every label drawn is inside the chart and none covers another.
    let chart = chart_node_rect(&h);
    let labels = h.state().charts().bars3d_labels();
    for (i, a) in labels.iter().enumerate() {
        assert!(
            chart.expand(1.0).contains_rect(a.rect),
            "{a:?} outside {chart:?}"
        );
        for b in &labels[i + 1..] {
            assert!(!bars3d::overlaps(a.rect, b.rect), "{a:?} covers {b:?}");
        }
    }
}

#[test]
fn every_chart_fills_the_panel_at_every_window_size() {
    for size in [
        vec2(700.0, 500.0),
        vec2(1100.0, 760.0),
        vec2(1600.0, 1000.0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut h = app_at(dir.path(), size);
        let chart_rect = |h: &Harness<'_, DscopeApp>| h.state().charts().chart_rect().unwrap();

        // The pie: its legend is all there and inside the panel.
        let area = chart_rect(&h);
        assert!(area.width() > size.x - 40.0, "{size:?}: {area:?}");
        for label in ["total 780", "read", "15.4%"] {
            let r = h.get_by_label(label).rect();
            assert!(
                area.contains_rect(r),
                "{size:?}: {label} at {r:?} outside {area:?}"
            );
        }
        // The last row is in view, or the legend scrolls to it.
        for _ in 0..5 {
            if let Some(n) = h.query_by_label("other (2 keys)")
                && area.contains_rect(n.rect())
            {
                break;
            }
            // Scroll the legend from a row it shows.
            let shown = [
                "read", "write", "openat", "close", "futex", "ioctl", "poll", "mmap", "lseek",
                "brk",
            ]
            .into_iter()
            .rfind(|l| h.query_by_label(l).is_some())
            .unwrap();
            h.get_by_label(shown).scroll_down();
            h.run();
        }
        let r = h.get_by_label("other (2 keys)").rect();
        assert!(
            area.contains_rect(r),
            "{size:?}: other at {r:?} outside {area:?}"
        );

        // The 3D bars take all of the panel under the title line.
        click(&mut h, "@dist lquantize()");
        let area = chart_rect(&h);
        let (_, title) = h.state().charts().chart_title().unwrap();
        let chart = chart_node_rect(&h);
        assert!(
            (chart.width() - area.width()).abs() < 1.0
                && (chart.bottom() - area.bottom()).abs() < 1.0
                && (chart.top() - title.bottom()).abs() < 10.0,
            "{size:?}: chart {chart:?} in {area:?} under {title:?}"
        );
        assert!(chart.height() > area.height() - 40.0);

        // The horizontal bars and the table: their last rows are reachable
        // in a list that fills the panel.
        click(&mut h, "@num count()");
        click(&mut h, "Bars");
        let area = chart_rect(&h);
        let read = h.get_by_label("read: 120").rect();
        assert!(
            read.width() > area.width() - 30.0,
            "{size:?}: bar row {read:?} in {area:?}"
        );
    }
}

#[test]
fn with_nothing_to_chart_the_message_is_in_the_middle_of_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), None);
    let mut h = Harness::builder()
        .with_size(vec2(1100.0, 760.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    click(&mut h, "Aggregations");
    let message = h.get_by_label_contains("No aggregations yet").rect();
    let panel_tab = h.get_by_label("Aggregations").rect();
    // The message is laid out in all of the panel under its tabs, its text
    // centred there, not in a strip at the top.
    assert!(message.height() > 200.0, "{message:?}");
    assert!(message.width() > 1000.0, "{message:?}");
    assert!(message.top() > panel_tab.bottom());
}

#[test]
fn what_a_png_export_captures_has_the_title_and_not_the_turning_hint() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_at(dir.path(), vec2(1100.0, 760.0));
    let (title, where_) = h.state().charts().chart_title().unwrap();
    assert_eq!(title, "@num count()");
    let captured = h.state().charts().chart_rect().unwrap();
    assert!(captured.contains_rect(where_));
    assert!(
        h.query_by_label(bars3d::HINT).is_none(),
        "a pie cannot be turned: no hint"
    );

    click(&mut h, "@dist lquantize()");
    let (title, where_) = h.state().charts().chart_title().unwrap();
    assert_eq!(title, "@dist lquantize()  6 keys x 10 buckets of lquantize");
    let captured = h.state().charts().chart_rect().unwrap();
    assert!(captured.contains_rect(where_), "{where_:?} in {captured:?}");
    // The title is the first line of the picture.
    assert!((where_.top() - captured.top()).abs() < 1.0);
    let hint = h.get_by_label(bars3d::HINT).rect();
    assert!(
        !captured.intersects(hint),
        "the hint {hint:?} is outside what is captured {captured:?}"
    );
    // The chart itself is inside the capture.
    assert!(captured.contains_rect(chart_node_rect(&h)));
}

#[test]
fn the_3d_chart_takes_all_it_is_given_and_says_so_when_that_is_too_little() {
    let agg = latencies();
    let grid = bars3d::Grid::build(&agg, 20);
    let function = agg.function;
    let chart = move |size: Vec2| {
        let grid = grid.clone();
        let mut h = Harness::builder().with_size(size).build_ui(move |ui| {
            let mut view = bars3d::View::default();
            bars3d::show(ui, &grid, function, &mut view);
        });
        h.run();
        h
    };
    for size in [vec2(660.0, 120.0), vec2(1060.0, 330.0), vec2(1560.0, 560.0)] {
        let h = chart(size);
        let node = h
            .get_by_label_contains("6 keys x 10 buckets of lquantize;")
            .rect();
        let whole = h.ctx.content_rect().shrink(8.0);
        assert!(
            (node.min - whole.min).length() < 1.0 && (node.max - whole.max).length() < 1.0,
            "{size:?}: the chart {node:?} fills {whole:?}"
        );
    }
    let h = chart(vec2(1060.0, 60.0));
    assert!(h.query_by_label_contains("6 keys x 10 buckets").is_none());
    assert!(
        h.query_by_label_contains("Too low for the 3D chart")
            .is_some()
    );
}

/// `@lat[execname] = quantize(timestamp - self->ts)` over 20 processes,
/// each with nanosecond buckets from 512 ns to 4 s.
fn nanosecond_latencies() -> Aggregation {
    let rows = (0..20)
        .map(|k| Row {
            key: key(&format!("process-with-a-long-name-{k}")),
            value: Value::Buckets(
                (9..33)
                    .map(|p| Bucket {
                        label: (1i64 << p).to_string(),
                        min: Some(1 << p),
                        max: Some((1i64 << (p + 1)) - 1),
                        count: (1 + k as i64) * (33 - p as i64),
                        raw: None,
                    })
                    .collect(),
            ),
        })
        .collect();
    Aggregation {
        id: 3,
        name: "lat".into(),
        function: AggFunction::Quantize,
        key_sizes: vec![256],
        rows,
    }
}

/// At the sizes people use, with 20 keys of nanosecond buckets, the 3D
/// bars' labels read in time units and no two drawn labels meet.
#[test]
fn latency_labels_read_as_times_and_never_overlap() {
    for size in [
        vec2(800.0, 600.0),
        vec2(1100.0, 760.0),
        vec2(1600.0, 1000.0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut h = window(dir.path(), None, size);
        set_script(
            &mut h,
            "syscall::read:entry { self->ts = timestamp; }\n\
             syscall::read:return /self->ts/ { @lat[execname] = quantize(timestamp - self->ts); }\n",
        );
        click(&mut h, "Run");
        let job = h.state().run_panel().run_job().unwrap();
        let snapshot = Snapshot {
            aggregations: vec![nanosecond_latencies()],
        };
        for e in [Event::Started { matches: 2 }, Event::Snapshot(snapshot)] {
            h.state_mut().apply_session_event(event(job, e));
            h.run();
        }
        h.state_mut().set_bottom_tab(BottomTab::Aggregations);
        h.run();
        let labels = h.state().charts().bars3d_labels();
        assert!(!labels.is_empty(), "{size:?}: the 3D bars are drawn");
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.ends_with(" µs")) && texts.iter().any(|t| t.ends_with(" ms")),
            "{size:?}: {texts:?}"
        );
        assert!(
            !texts
                .iter()
                .any(|t| t.len() > 6 && t.bytes().all(|b| b.is_ascii_digit())),
            "{size:?}: raw nanoseconds in {texts:?}"
        );
        let window = Rect::from_min_size(egui::Pos2::ZERO, size);
        for (i, a) in labels.iter().enumerate() {
            assert!(window.contains_rect(a.rect), "{size:?}: {a:?} outside");
            for b in &labels[i + 1..] {
                assert!(
                    !bars3d::overlaps(a.rect, b.rect),
                    "{size:?}: {a:?} overlaps {b:?}"
                );
            }
        }
    }
}

/// `@n = count()` has one value and no key: it is shown as that number,
/// not as a pie that is 100 % "(no key)".
#[test]
fn a_keyless_count_is_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    let agg = Aggregation {
        id: 1,
        name: "n".into(),
        function: AggFunction::Count,
        key_sizes: vec![],
        rows: vec![Row {
            key: vec![],
            value: Value::Number(1_234_567),
        }],
    };
    let snapshot = Snapshot {
        aggregations: vec![agg],
    };
    for e in [Event::Started { matches: 1 }, Event::Snapshot(snapshot)] {
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    }
    assert_eq!(h.state().bottom_tab(), BottomTab::Aggregations);
    assert!(h.query_by_label("1,234,567").is_some());
    assert!(h.query_by_label_contains("(no key)").is_none());
    assert!(h.query_by_label("Pie").is_none(), "no pie to choose");
}

/// With more keys than the legend shows at once, the key of the bar under
/// the pointer is scrolled into the legend's view and marked there.
#[test]
fn the_legend_scrolls_to_the_key_of_the_bar_under_the_pointer() {
    let agg = nanosecond_latencies();
    let grid = bars3d::Grid::build(&agg, 20);
    let function = agg.function;
    let shown = grid.clone();
    let mut h = Harness::builder()
        .with_size(vec2(900.0, 320.0))
        .build_ui(move |ui| {
            let mut view = bars3d::View::default();
            bars3d::show(ui, &shown, function, &mut view);
        });
    h.run();
    // Largest total first: the smallest key is the legend's last entry.
    let last = grid.keys.len() - 1;
    let name = format!("legend: {}", grid.legend_text(last));
    assert!(
        h.query_by_label(&name).is_none(),
        "the legend scrolls: its last entry starts out of view"
    );
    // Where the chart drew that key's tallest bar, measured as it does.
    let rect = h
        .get_by_label_contains("20 keys x 24 buckets of quantize;")
        .rect();
    let ctx = h.ctx.clone();
    let measure = |t: &str| {
        let font = egui::TextStyle::Body.resolve(&ctx.global_style());
        ctx.fonts_mut(|f| {
            f.layout_no_wrap(t.to_owned(), font, egui::Color32::WHITE)
                .size()
        })
    };
    let frame = bars3d::frame(&grid, bars3d::View::default(), rect, &measure);
    // The middle of a face of one of its bars that no bar hides.
    let middles = frame.bars.iter().filter(|b| b.key == last).flat_map(|b| {
        b.faces.map(|f| {
            let sum = f.iter().fold(Vec2::ZERO, |s, p| s + p.to_vec2());
            (sum / 4.0).to_pos2()
        })
    });
    let mut middles = middles.filter(|p| frame.bar_at(*p).is_some_and(|a| a.key == last));
    let at = middles
        .next()
        .expect("some bar of the last key is in front");
    h.hover_at(at);
    h.run();
    let entry = h.get_by_label(&name);
    assert!(
        rect.contains_rect(entry.rect()),
        "{name} is in view: {:?}",
        entry.rect()
    );
}
