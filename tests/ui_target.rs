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
        h.state().script().targets,
        [Target::Command("/bin/sleep 1".into())]
    );
    assert!(h.query_by_label("$target: command /bin/sleep 1").is_some());
    // The run bar's × forgets it.
    click(&mut h, "×");
    assert_eq!(h.state().script().targets, []);
    // Cancel changes nothing.
    menu(&mut h, "Trace a command…");
    h.get_by_label("Command line:").type_text("ls");
    h.run();
    click(&mut h, "Cancel");
    assert_eq!(h.state().script().targets, []);
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
    assert_eq!(h.state().script().targets, [Target::Pid(pid)]);
    assert!(
        h.query_by_label(&format!("$target: process {pid}"))
            .is_some()
    );
    // The target is this script's: a new script has none.
    shortcut(&mut h, CMD, egui::Key::N);
    assert_eq!(h.state().script().targets, []);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_target_processes_probes_complete_and_browse_as_pid_target() {
    use dscope::model::Probe;
    use dscope::session::Event;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    h.state_mut().set_target(Some(Target::Pid(4242)));
    h.run();
    let job = h
        .state()
        .target_probes_job()
        .expect("the target's probes are asked for");
    let probes = vec![
        Probe::new(9001, "pid4242", "libc.so.6", "malloc", "entry"),
        Probe::new(9002, "pid4242", "libc.so.6", "malloc", "return"),
        Probe::new(9003, "pid4242", "libc.so.6", "free", "entry"),
    ];
    h.state_mut()
        .apply_session_event(event(job, Event::Probes(Ok(probes))));
    h.run();
    set_script(&mut h, "");
    h.get_by_label("D script editor").focus();
    h.run();
    h.get_by_label("D script editor")
        .type_text("pid$target:libc.so.6:mal");
    h.run();
    let offered: Vec<String> = h
        .state()
        .editor()
        .completion()
        .expect("completion offers the target's functions")
        .items
        .iter()
        .map(|i| i.insert.clone())
        .collect();
    assert_eq!(offered, ["pid$target:libc.so.6:malloc:"]);
    // The browser lists them beside the system's probes once it opens.
    shortcut(&mut h, egui::Modifiers::NONE, egui::Key::F2);
    let listing = h.state().probe_browser().loading.unwrap();
    let system = vec![Probe::new(1, "syscall", "vmlinux", "read", "entry")];
    h.state_mut()
        .apply_session_event(event(listing, Event::Probes(Ok(system))));
    h.run();
    assert!(
        h.query_all_by_label_contains("pid$target").count() >= 2,
        "a heading beside the editor's text"
    );
    assert_eq!(h.state().probe_browser().tree().unwrap().len(), 4);
    // No target, no target probes.
    h.state_mut().set_target(None);
    h.run();
    assert_eq!(h.state().probe_browser().tree().unwrap().len(), 1);
    // A process that cannot be grabbed is said once, not asked again.
    h.state_mut().set_target(Some(Target::Pid(77)));
    h.run();
    let job = h.state().target_probes_job().unwrap();
    h.state_mut().apply_session_event(event(
        job,
        Event::Probes(Err("failed to grab process 77".into())),
    ));
    h.run();
    assert!(
        h.query_by_label("Cannot list the probes of process 77: failed to grab process 77")
            .is_some()
    );
    assert_eq!(h.state().target_probes_job(), None, "no second request");
}

#[test]
fn the_target_menu_adds_a_host_remembers_it_and_switches_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    assert_eq!(h.state().host(), None);
    assert!(h.query_by_label("Target").is_some());
    click(&mut h, "Target");
    click(&mut h, "Add host…");
    assert!(h.query_by_label("Add host").is_some());
    // The keyboard is in the host field, ready for typing.
    assert!(
        h.get_by_label("Host ([user@]host[:port]; several, separated by commas, for a fleet):")
            .is_focused()
    );
    // What --host refuses is refused here, with the same words.
    replace_text(
        &mut h,
        "Host ([user@]host[:port]; several, separated by commas, for a fleet):",
        "-oProxyCommand=x",
    );
    click(&mut h, "Use this host");
    assert!(
        h.query_by_label_contains("a host or user name cannot start with '-'")
            .is_some()
    );
    assert_eq!(h.state().host(), None);
    replace_text(
        &mut h,
        "Host ([user@]host[:port]; several, separated by commas, for a fleet):",
        "admin@web1:2222",
    );
    replace_text(
        &mut h,
        "dscope on the host (empty: dscope on its PATH):",
        "/opt/dscope/bin/dscope",
    );
    click(&mut h, "Use this host");
    assert_eq!(h.state().host(), Some("admin@web1:2222"));
    assert!(h.state().title().ends_with("— dscope on admin@web1:2222"));
    assert!(
        h.query_by_label_contains("now happen on admin@web1:2222")
            .is_some()
    );
    // Remembered, with its program, for the next start.
    let saved = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(saved.contains("admin@web1:2222") && saved.contains("/opt/dscope/bin/dscope"));
    // Its processes cannot be listed from here: the ID is typed.
    menu(&mut h, "Attach to process…");
    assert!(h.query_by_label("Process ID on admin@web1:2222:").is_some());
    replace_text(&mut h, "Process ID on admin@web1:2222:", "4242");
    click(&mut h, "Attach");
    assert_eq!(h.state().script().targets, [Target::Pid(4242)]);
    // The destructive-actions question names the machine it changes.
    set_script(&mut h, "BEGIN { system(\"date\"); }\n");
    click(&mut h, "Run");
    assert!(
        h.query_by_label_contains("change the system being traced, admin@web1:2222")
            .is_some()
    );
    click(&mut h, "Cancel");
    // Back to this machine; the pid named a process there, so it goes.
    click(&mut h, "Target");
    click(&mut h, "This machine");
    assert_eq!(h.state().host(), None);
    assert_eq!(h.state().script().targets, []);
    assert!(h.state().title().ends_with("— dscope"));
    // And to the host again from the recent list.
    click(&mut h, "Target");
    click(&mut h, "admin@web1:2222");
    assert_eq!(h.state().host(), Some("admin@web1:2222"));
    // A fleet: several hosts at once, one entry, shown short on the bar.
    click(&mut h, "Target");
    click(&mut h, "Add host…");
    replace_text(
        &mut h,
        "Host ([user@]host[:port]; several, separated by commas, for a fleet):",
        "web1, web2 web3",
    );
    click(&mut h, "Use this host");
    assert_eq!(h.state().host(), Some("web1, web2, web3"));
    // The combo box holds the entry as its value, short.
    assert!(
        h.query(egui_kittest::kittest::By::new().value("web1 + 2 more"))
            .is_some()
    );
    assert!(
        h.query_by_label_contains("now happen on web1, web2, web3")
            .is_some()
    );
    // A process ID names a process on one machine: the fleet refuses.
    click(&mut h, "Target");
    click(&mut h, "admin@web1:2222");
    click(&mut h, "Target");
    click(&mut h, "web1 + 2 more");
    assert_eq!(h.state().host(), Some("web1, web2, web3"));
}

#[test]
fn another_target_forgets_the_last_checks_probe_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Check");
    let job = h.state().check_job().unwrap();
    h.state_mut()
        .apply_session_event(event(job, dscope::session::Event::Checked { matches: 2 }));
    h.run();
    assert!(h.query_by_label("2 probes").is_some());
    click(&mut h, "Target");
    click(&mut h, "Add host…");
    replace_text(
        &mut h,
        "Host ([user@]host[:port]; several, separated by commas, for a fleet):",
        "web1",
    );
    click(&mut h, "Use this host");
    assert_eq!(h.state().host(), Some("web1"));
    assert!(
        h.query_by_label("2 probes").is_none(),
        "this machine's count is not web1's"
    );
}
