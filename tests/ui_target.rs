//! The two ways to give a script a `$target`: Script > Trace a command… and
//! Script > Attach to process…, as `dtrace -c` and `dtrace -p` give it.

mod common;

use common::*;
use dscope::session::Target;
use dscope::ui::DscopeApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::{Duration, Instant};

fn menu(h: &mut Harness<'_, DscopeApp>, item: &str) {
    click(h, "Script");
    click(h, item);
}

#[test]
fn trace_a_command_sets_target_for_this_script() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    menu(&mut h, "Trace a command…");
    assert!(h.query_by_label("Trace a command").is_some());
    h.get_by_label("Command line:").type_text("/bin/sleep 1");
    h.run();
    click(&mut h, "Use as $target");
    assert_eq!(
        h.state().script().target,
        Some(Target::Command("/bin/sleep 1".into()))
    );
    assert!(h.query_by_label("$target: command /bin/sleep 1").is_some());
    // The run bar's × forgets it.
    click(&mut h, "×");
    assert_eq!(h.state().script().target, None);
    // Cancel changes nothing.
    menu(&mut h, "Trace a command…");
    h.get_by_label("Command line:").type_text("ls");
    h.run();
    click(&mut h, "Cancel");
    assert_eq!(h.state().script().target, None);
}

#[test]
fn attach_to_process_lists_processes_filters_them_and_picks_one() {
    let mut child = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Script");
    // From here the list refreshes (off the UI thread) while it is open,
    // so frames are stepped rather than run until idle.
    h.get_by_label("Attach to process…").click();
    h.run_steps(3);
    let end = Instant::now() + Duration::from_secs(20);
    while h.query_by_label(&pid.to_string()).is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
        h.run_steps(2);
    }
    assert!(
        h.query_by_label(&pid.to_string()).is_some(),
        "the new process is listed"
    );
    h.get_by_label("Filter:").type_text(&pid.to_string());
    // The dialog takes a frame or two to fit the shorter list.
    h.run_steps(6);
    let attach = format!("Attach to {pid} (sleep)");
    assert!(
        h.query_by_label(&attach).is_some(),
        "the only match is chosen"
    );
    h.get_by_label(&attach).click();
    h.run_steps(3);
    assert_eq!(h.state().script().target, Some(Target::Pid(pid)));
    assert!(
        h.query_by_label(&format!("$target: process {pid}"))
            .is_some()
    );
    // The target is this script's: a new script has none.
    shortcut(&mut h, CMD, egui::Key::N);
    assert_eq!(h.state().script().target, None);
    let _ = child.kill();
    let _ = child.wait();
}
