//! A time range as a filter of every view, and the Compare view: a
//! recording with known times, a range typed (Ctrl+Shift+T) and dragged
//! across Over time, kept as the reference (Ctrl+Shift+K), and a later
//! range compared with it; a recording compared with another.

mod common;

use common::*;
use dscope::history::recording::{Header, Recorder};
use dscope::model::comparison::Status;
use dscope::model::{AggFunction, Aggregation, KeyPart, Row, RunEnd, Snapshot, Value};
use dscope::ui::DscopeApp;
use dscope::ui::charts::{ChartData, ChartKind};
use egui::{Key, Modifiers, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};
use std::time::Duration;

const CMD_SHIFT: Modifiers = Modifiers::COMMAND.plus(Modifiers::SHIFT);

/// `@num[probefunc] = count()` at second `t`: read adds 10 a second up to
/// 3 s and 50 a second after; write adds 20 a second throughout; open
/// only after 4 s.
fn counts(t: i64) -> Snapshot {
    let read = 10 * t.min(3) + 50 * (t - 3).max(0);
    let mut rows = vec![("read", read), ("write", 20 * t)];
    if t > 4 {
        rows.push(("open", 5 * (t - 4)));
    }
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(k, v)| Row {
            key: key(k),
            value: Value::Number(v),
        })
        .collect();
    num(rows, 256)
}

/// `@num = count()` of these rows, in dtrace's order, its keys
/// `key_size` bytes long.
fn num(mut rows: Vec<Row>, key_size: u32) -> Snapshot {
    rows.sort_by_key(|r| r.value.as_number());
    Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "num".into(),
            function: AggFunction::Count,
            key_sizes: vec![key_size],
            rows,
        }],
    }
}

/// A recording of six snapshots, one a second.
fn recording(dir: &Path) -> PathBuf {
    recorded(
        dir,
        "syscall:::entry { @num[probefunc] = count(); }",
        counts,
    )
}

/// A recording of `script` with six snapshots, one a second.
fn recorded(dir: &Path, script: &str, at: fn(i64) -> Snapshot) -> PathBuf {
    let path = dir.join("six.dsrec");
    let file = std::fs::File::create(&path).unwrap();
    let header = Header::new("six.d", script, 1000);
    let mut r = Recorder::new(file, &header).unwrap();
    for t in 1..=6 {
        r.snapshot(t as f64, &at(t)).unwrap();
    }
    r.end(6.0, RunEnd::TimeUp).unwrap();
    path
}

/// `@num[stack()] = count()` at second `t`: `k`read` under `k`main`
/// takes 90 samples a second up to 3 s and 10 after, `k`write` 10 then
/// 90.
fn stack_counts(t: i64) -> Snapshot {
    let stack = |f: &str| vec![KeyPart::Stack(vec![f.into(), "k`main+0x10".into()])];
    let read = 90 * t.min(3) + 10 * (t - 3).max(0);
    let write = 10 * t.min(3) + 90 * (t - 3).max(0);
    let rows = vec![
        Row {
            key: stack("k`read+0x4"),
            value: Value::Number(read),
        },
        Row {
            key: stack("k`write+0x8"),
            value: Value::Number(write),
        },
    ];
    num(rows, 8)
}

fn open(dir: &Path, size: egui::Vec2) -> Harness<'static, DscopeApp> {
    let path = recording(dir);
    open_at(dir, path, size)
}

fn open_at(dir: &Path, path: PathBuf, size: egui::Vec2) -> Harness<'static, DscopeApp> {
    let mut h = window(dir, None, size);
    let ctx = h.ctx.clone();
    h.state_mut().open_recording(&ctx, path);
    for _ in 0..500 {
        h.step();
        if !h.state().reading_recording() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run();
    assert!(
        h.state().recording_view().is_some(),
        "the recording is shown"
    );
    h
}

/// The rows the Table view of `@num` shows, as (key, value).
fn table(h: &Harness<'_, DscopeApp>) -> Vec<(String, i64)> {
    let view = h.state().recording_view().unwrap();
    let Some(ChartData::Table(t)) = view.charts.data("num") else {
        panic!("{:?}", view.charts.data("num"));
    };
    let mut rows: Vec<(String, i64)> = t
        .rows
        .iter()
        .map(|r| (r[0].text.clone(), r[1].number.unwrap() as i64))
        .collect();
    rows.sort();
    rows
}

fn select_range(h: &mut Harness<'_, DscopeApp>, text: &str) {
    shortcut(h, CMD_SHIFT, Key::T);
    h.event(egui::Event::Text(text.into()));
    h.run();
    h.key_press(Key::Enter);
    h.run();
}

#[test]
fn a_typed_range_limits_the_views_and_a_kept_one_is_compared_with_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path(), vec2(1100.0, 760.0));
    click(&mut h, "Table");
    assert_eq!(
        table(&h),
        [
            ("open".into(), 10),
            ("read".into(), 180),
            ("write".into(), 120)
        ]
    );
    // From 1 s to 3 s: what was added between those snapshots only.
    select_range(&mut h, "1-3");
    let view = h.state().recording_view().unwrap();
    assert_eq!(view.charts.range(), Some((1.0, 3.0)));
    assert_eq!(table(&h), [("read".into(), 20), ("write".into(), 40)]);
    assert!(
        h.query_by_label_contains("Range 1.0 s .. 3.0 s (2.0 s)")
            .is_some()
    );

    // Kept as the reference; the next range, 3 s to 5 s, is compared
    // with it: read went from 20 to 100, open appeared.
    shortcut(&mut h, CMD_SHIFT, Key::K);
    select_range(&mut h, "3-5");
    let view = h.state().recording_view().unwrap();
    assert_eq!(view.charts.kind("num"), Some(ChartKind::Compare));
    let Some(ChartData::Compare(m)) = view.charts.data("num") else {
        panic!("{:?}", view.charts.data("num"));
    };
    let keys: Vec<(String, Status, Option<i64>, Option<i64>)> = m
        .comparison
        .keys
        .iter()
        .map(|k| (k.label(), k.status, k.before, k.after))
        .collect();
    assert_eq!(
        keys,
        [
            ("read".into(), Status::Changed, Some(20), Some(100)),
            ("open".into(), Status::Appeared, None, Some(5)),
            ("write".into(), Status::Same, Some(40), Some(40)),
        ]
    );
    assert!(
        h.query_by_label_contains(
            "From 1.0 s .. 3.0 s (2.0 s) (before) to 3.0 s .. 5.0 s (2.0 s) (after)"
        )
        .is_some()
    );

    // Escape clears the range: the views show the whole recording again.
    h.key_press(Key::Escape);
    h.run();
    assert_eq!(h.state().recording_view().unwrap().charts.range(), None);
    click(&mut h, "Table");
    assert_eq!(table(&h).len(), 3);
}

#[test]
fn a_drag_across_over_time_selects_a_range() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path(), vec2(1100.0, 760.0));
    click(&mut h, "Over time");
    let rect = h
        .state()
        .recording_view()
        .unwrap()
        .charts
        .chart_rect()
        .unwrap();
    let y = rect.center().y;
    let (from, to) = (
        egui::pos2(rect.left() + rect.width() * 0.35, y),
        egui::pos2(rect.left() + rect.width() * 0.7, y),
    );
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.step();
    }
    h.drop_at(to);
    h.step();
    h.run();
    let range = h.state().recording_view().unwrap().charts.range();
    let Some((a, b)) = range else {
        panic!("no range after the drag");
    };
    assert!(1.0 < a && a < b && b < 6.0, "{range:?}");
    // The time view stays whole; the table shows the range.
    click(&mut h, "Table");
    let read = table(&h).into_iter().find(|r| r.0 == "read").map(|r| r.1);
    assert!(read < Some(180), "{read:?}");
}

#[test]
fn a_recording_compared_with_another_ranks_its_keys_in_a_narrow_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path(), vec2(800.0, 600.0));
    let other = dscope::history::recording::read(&recording(dir.path()), 100).unwrap();
    let path = dir.path().join("six.dsrec");
    let at = other.history.get("num").unwrap().time(1);
    h.state_mut().recording_view_mut().unwrap().move_to(at);
    h.state_mut()
        .recording_view_mut()
        .unwrap()
        .set_compare(path, other);
    h.run();
    let view = h.state().recording_view().unwrap();
    let Some(ChartData::Compare(m)) = view.charts.data("num") else {
        panic!("{:?}", view.charts.data("num"));
    };
    // At 2 s against its own end: read 20 vs 180, write 40 vs 120, open
    // vanished.
    let first = &m.comparison.keys[0];
    assert_eq!((first.label(), first.difference), ("read".into(), -160));
    assert!(
        h.query_by_label_contains("six.dsrec at its end (before)")
            .is_some()
    );
    // The view fits the window: the tab row stays where it was drawn.
    assert!(h.query_by_label("@num count()").is_some());
}

/// Two ranges of a profile compared: a flame graph of the change, red
/// where a stack's share grew and blue where it shrank, the keys ranked a
/// click away.
#[test]
fn two_ranges_of_stacks_compare_as_a_flame_graph_of_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let script = "profile-997 { @num[stack()] = count(); }";
    let path = recorded(dir.path(), script, stack_counts);
    let mut h = open_at(dir.path(), path, vec2(1100.0, 1100.0));
    select_range(&mut h, "1-3");
    shortcut(&mut h, CMD_SHIFT, Key::K);
    select_range(&mut h, "3-6");
    let view = h.state().recording_view().unwrap();
    assert_eq!(view.charts.kind("num"), Some(ChartKind::Compare));
    let Some(ChartData::Compare(m)) = view.charts.data("num") else {
        panic!("{:?}", view.charts.data("num"));
    };
    let diff = m.flame.as_ref().expect("stacks compare as a flame graph");
    let frame = |name: &str| diff.flame.find(&["k`main".into(), name.into()]).unwrap();
    // read: 90 % of the first range, 10 % of the second; write the other
    // way round.
    let (read, write) = (frame("k`read"), frame("k`write"));
    assert_eq!((diff.before[read], diff.flame.nodes[read].value), (180, 30));
    assert!(diff.change[read] < -0.99 && diff.change[write] > 0.99);
    assert!(diff.describe(write).contains("change: +80.0 points"));
    assert!(h.query_by_label_contains("Widths are now; red").is_some());
    // The keys, ranked, a click away; and back.
    click(&mut h, "Keys ranked by change");
    assert!(h.query_by_label_contains("Widths are now").is_none());
    assert!(h.query_by_label("count before").is_none());
    assert!(h.query_by_label("before").is_some());
    click(&mut h, "Flame graph of the change");
    assert!(h.query_by_label_contains("Widths are now").is_some());
}
