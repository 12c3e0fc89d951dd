//! The whole GUI path against a real libdtrace: the editor's script is run
//! from the Run button through the session and its worker process, and the
//! charts get the aggregations (see live_check.rs for how live tests are
//! switched on).

mod common;

use common::*;
use dscope::session::RunEnd;
use dscope::ui::DscopeApp;
use dscope::ui::charts::ChartData;
use dscope::workbench::RunState;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn live_app(dir: &std::path::Path, script: &str) -> Harness<'static, DscopeApp> {
    let mut h = live_window(dir, egui::vec2(1100.0, 800.0));
    set_script(&mut h, script);
    h.state_mut().run_panel_mut().duration_secs = 2.0;
    h
}

/// Frames until the run has finished; enabling every syscall probe takes
/// half a minute on some kernels.
fn run_to_the_end(h: &mut Harness<'_, DscopeApp>) {
    click(h, "Run");
    wait_for_the_end(h);
}

fn wait_for_the_end(h: &mut Harness<'_, DscopeApp>) {
    let end = Instant::now() + Duration::from_secs(240);
    while Instant::now() < end {
        h.step();
        if let RunState::Finished(reason) = h.state().run_panel().state() {
            assert!(
                h.state().run_panel().notice.is_none(),
                "{reason:?}: {:?}",
                h.state().run_panel().notice
            );
            // One more frame draws the final snapshot.
            h.step();
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the run did not finish: {:?}",
        h.state().run_panel().state()
    );
}

/// The execname of [`Busy`]'s reads (Linux names it after the thread).
const BUSY: &str = "dscope-busy";

/// Makes system calls, reads among them, until dropped.
struct Busy {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Busy {
    fn start() -> Busy {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(BUSY.into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    let _ = std::fs::read("/etc/hostname");
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .unwrap();
        Busy {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn syscall_counts_become_a_pie() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_app(
        dir.path(),
        "syscall:::entry { @num[probefunc] = count(); }\n",
    );
    let busy = Busy::start();
    run_to_the_end(&mut h);
    drop(busy);
    let Some(ChartData::Pie(pie)) = h.state().charts().data("num") else {
        panic!("no pie: {:?}", h.state().charts().data("num"));
    };
    // The pie is the aggregation the run produced: its total is every
    // count, and this test's own reads are among them (whether read is in
    // the top ten depends on what else the machine does).
    let agg = h
        .state()
        .run_panel()
        .snapshot()
        .and_then(|s| s.get("num"))
        .expect("the final snapshot");
    let counts: Vec<(String, i64)> = agg
        .rows
        .iter()
        .map(|r| {
            (
                dscope::model::key_label(&r.key),
                r.value.as_number().unwrap(),
            )
        })
        .collect();
    assert_eq!(pie.total, counts.iter().map(|c| c.1 as i128).sum::<i128>());
    assert!(
        counts.iter().any(|(k, n)| k == "read" && *n > 0),
        "{counts:?}"
    );
    assert!(pie.slices.len() <= 11);
    let sum: f64 = pie.slices.iter().map(|s| s.fraction).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    assert!(h.query_by_label("@num count()").is_some());
}

#[test]
fn read_sizes_by_process_become_3d_bars() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_app(
        dir.path(),
        "syscall::read:entry { @dist[execname] = lquantize(arg0, 0, 12, 2); }\n",
    );
    let busy = Busy::start();
    run_to_the_end(&mut h);
    drop(busy);
    let Some(ChartData::Bars3d(grid)) = h.state().charts().data("dist") else {
        panic!("no 3D bars: {:?}", h.state().charts().data("dist"));
    };
    assert!(!grid.keys.is_empty() && !grid.buckets.is_empty());
    assert!(grid.max > 0);
    let test_process = grid
        .keys
        .iter()
        .position(|k| k == BUSY)
        .unwrap_or_else(|| panic!("this test's reads are counted: {:?}", grid.keys));
    let counted: i64 = (0..grid.buckets.len())
        .map(|b| grid.count(test_process, b))
        .sum();
    assert!(counted > 0);
}

#[test]
fn run_options_and_macro_arguments_reach_libdtrace() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_app(
        dir.path(),
        "BEGIN { printf(\"%d %s\\n\", $1, $$2); exit(0); }\n",
    );
    {
        let options = h.state_mut().run_options_mut();
        options.args = vec!["42".into(), "two words".into()];
        options.options = vec![
            ("quiet".into(), String::new()),
            ("bufsize".into(), "2m".into()),
        ];
    }
    run_to_the_end(&mut h);
    let lines: Vec<&str> = h.state().run_panel().console.lines().collect();
    assert_eq!(
        lines,
        ["42 two words"],
        "{:?} {:?}",
        h.state().run_panel().state(),
        h.state().editor().diagnostics()
    );

    // A script that calls a destructive action asks first, each run.
    h.state_mut().run_options_mut().args.clear();
    set_script(&mut h, "BEGIN { system(\"true\"); exit(0); }\n");
    let before = h.state().run_panel().run_job();
    click(&mut h, "Run");
    assert!(
        h.query_by_label_contains("This script calls system()")
            .is_some()
    );
    click(&mut h, "Cancel");
    assert_eq!(h.state().run_panel().run_job(), before, "nothing ran");
    click(&mut h, "Run");
    click(&mut h, "Run with destructive actions");
    wait_for_the_end(&mut h);
    assert!(matches!(
        h.state().run_panel().state(),
        RunState::Finished(Ok(RunEnd::Exited { status: 0 }))
    ));
    click(&mut h, "Run");
    assert!(
        h.query_by_label("Allow destructive actions?").is_some(),
        "allowed for that run only"
    );
    click(&mut h, "Cancel");
    // Allowed in Run Options, it runs without asking.
    h.state_mut().run_options_mut().request_destructive(true);
    h.state_mut().run_options_mut().confirm_destructive(true);
    run_to_the_end(&mut h);
    assert!(matches!(
        h.state().run_panel().state(),
        RunState::Finished(Ok(RunEnd::Exited { status: 0 }))
    ));
}

#[test]
fn a_command_traced_from_the_window_is_its_runs_target() {
    use dscope::session::Target;
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_app(
        dir.path(),
        "#pragma D option quiet\n\
         pid$target::exit:entry { printf(\"target %d exits\\n\", pid == $target); }\n",
    );
    // Until the command ends, as dtrace -c runs.
    h.state_mut().run_panel_mut().duration_secs = 0.0;
    h.state_mut()
        .set_target(Some(Target::Command("/bin/echo from the command".into())));
    h.run();
    assert!(
        h.query_by_label("$target: command /bin/echo from the command")
            .is_some()
    );
    run_to_the_end(&mut h);
    let lines: Vec<&str> = h.state().run_panel().console.lines().collect();
    assert!(lines.contains(&"from the command"), "{lines:?}");
    assert!(lines.contains(&"target 1 exits"), "{lines:?}");
    assert_eq!(
        h.state().run_panel().state(),
        &RunState::Finished(Ok(RunEnd::TargetExited))
    );
    assert!(
        h.query_by_label("finished: the traced process exited")
            .is_some()
    );
}
