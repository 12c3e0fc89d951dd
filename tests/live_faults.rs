//! Faults around a real libdtrace (see live_check.rs for how live tests
//! are switched on): no library, a library that is not DTrace, no
//! privileges, no tracefs, scripts that end at once, flood the console,
//! drop data or fail at a high rate, and runs stopped or abandoned at once.
//! Each must end with a clear message, no hang, and no worker (so no
//! enabled probe) left behind.

mod common;

use common::*;
use dscope::session::{Event, Finish, RunEnd, Script, Session, SessionEvent};
use dscope::troubleshooting as t;
use dscope::ui::DscopeApp;
use dscope::workbench::RunState;
use dscope::workbench::run::CONSOLE_LINES;
use egui_kittest::Harness;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const DSCOPE: &str = env!("CARGO_BIN_EXE_dscope");

fn script_file(dir: &Path, source: &str) -> PathBuf {
    let p = dir.join("s.d");
    std::fs::write(&p, source).unwrap();
    p
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `sh -c` in a private mount namespace, so whatever it mounts or
/// unmounts is gone when it ends.
fn in_mount_namespace(shell: &str) -> Output {
    Command::new("unshare")
        .args(["--mount", "sh", "-c", shell])
        .output()
        .unwrap()
}

#[test]
fn without_libdtrace_dscope_says_what_to_install() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script_file(dir.path(), "BEGIN { exit(0); }\n");
    // Cover every libdtrace the loader could find with an empty file,
    // in a mount namespace of the test's own.
    let mut dirs: Vec<String> = dscope::dtrace::library::candidates()
        .iter()
        .filter_map(|c| Path::new(c).parent().map(|p| p.display().to_string()))
        .chain(std::env::var("LD_LIBRARY_PATH").ok())
        .flat_map(|p| p.split(':').map(str::to_owned).collect::<Vec<_>>())
        .chain(["/usr/lib/x86_64-linux-gnu".to_owned()])
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut hidden = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with("libdtrace.so")
            {
                hidden.push(entry.path().display().to_string());
            }
        }
    }
    assert!(!hidden.is_empty(), "no libdtrace found to hide");
    let (_copy, exe) = copy_for_everyone(Path::new(DSCOPE));
    let mounts: String = hidden
        .iter()
        .map(|f| format!("mount --bind /dev/null {f} && "))
        .collect();
    let out = in_mount_namespace(&format!(
        "{mounts} {} check {}; echo \"exit=$?\"",
        exe.display(),
        file.display()
    ));
    let said = text(&out);
    assert!(said.contains(t::NO_LIBDTRACE.says), "{said}");
    assert!(said.contains(t::NO_LIBDTRACE.fix), "{said}");
    assert!(said.contains("exit=2"), "{said}");
}

#[test]
fn a_library_that_is_not_dtrace_is_named_and_refused() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script_file(dir.path(), "BEGIN { exit(0); }\n");
    // Some other shared library: the C library itself.
    let out = Command::new(DSCOPE)
        .args(["check", file.to_str().unwrap()])
        .env("DSCOPE_LIBDTRACE", "libc.so.6")
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("libc.so.6 is not a libdtrace dscope can use: it has no `dtrace_open`"),
        "{said}"
    );
    assert!(said.contains(t::NOT_LIBDTRACE.fix), "{said}");
}

/// A library with every libdtrace entry point whose dtrace_open refuses
/// the interface version, as a libdtrace of another version does.
const FAKE_LIBDTRACE: &str = r#"
#include <stddef.h>
#define EDT_VERSION 1001
void *dtrace_open(int version, int flags, int *errp) { *errp = EDT_VERSION; return NULL; }
const char *dtrace_errmsg(void *dtp, int err) {
    return err == EDT_VERSION ? "Client requested version newer than library" : "?";
}
int dtrace_init(void) { return 0; }
#define STUB(name) int name(void) { return -1; }
STUB(dtrace_close) STUB(dtrace_errno) STUB(dtrace_setopt) STUB(dtrace_program_fcompile)
STUB(dtrace_program_strcompile)
STUB(dtrace_program_info) STUB(dtrace_program_exec) STUB(dtrace_go) STUB(dtrace_stop)
STUB(dtrace_work) STUB(dtrace_handle_err) STUB(dtrace_handle_drop)
STUB(dtrace_handle_buffered) STUB(dtrace_aggregate_print) STUB(dtrace_getopt)
STUB(dtrace_probe_iter) STUB(dtrace_aggregate_snap) STUB(dtrace_aggregate_walk)
STUB(dtrace_addr2str) STUB(dtrace_uaddr2str)
"#;

#[test]
fn a_libdtrace_of_another_interface_version_is_reported() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("fake.c");
    std::fs::write(&source, FAKE_LIBDTRACE).unwrap();
    let lib = dir.path().join("libdtrace.so.2");
    let cc = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&source)
        .output()
        .unwrap();
    assert!(cc.status.success(), "{}", text(&cc));
    let file = script_file(dir.path(), "BEGIN { exit(0); }\n");
    for command in ["check", "run"] {
        let out = Command::new(DSCOPE)
            .args([command, file.to_str().unwrap()])
            .env("DSCOPE_LIBDTRACE", &lib)
            .output()
            .unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains("cannot open DTrace: Client requested version newer than library"),
            "{said}"
        );
    }
}

#[test]
fn without_privileges_the_error_says_to_run_as_root() {
    if !live() || !dscope::dtrace::running_as_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let file = script_file(
        dir.path(),
        "syscall::read:entry { @[execname] = count(); }\n",
    );
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (_copy, exe) = copy_for_everyone(Path::new(DSCOPE));
    for command in ["check", "run"] {
        let out = Command::new("setpriv")
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(&exe)
            .args([command, file.to_str().unwrap()])
            .output()
            .unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(said.contains("does not match any probes"), "{said}");
        assert!(said.contains("dscope is not running as root"), "{said}");
        assert!(said.contains(t::NO_PROBES_UNPRIVILEGED.fix), "{said}");
    }
}

#[test]
fn without_tracefs_the_error_says_what_to_mount() {
    if !live() || !cfg!(target_os = "linux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script_file(
        dir.path(),
        "syscall::read:entry { @[execname] = count(); }\n",
    );
    let out = in_mount_namespace(&format!(
        "umount /sys/kernel/debug/tracing; umount /sys/kernel/debug; {DSCOPE} check {}",
        file.display()
    ));
    let said = text(&out);
    assert!(said.contains("does not match any probes"), "{said}");
    assert!(
        said.contains("tracefs is not mounted at /sys/kernel/debug/tracing"),
        "{said}"
    );
    assert!(said.contains(t::NO_TRACEFS.fix), "{said}");
}

// ------------------------------------------------------------- session

/// Tests that count this process's workers must not overlap.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn session() -> Session {
    Session::start(DSCOPE.into(), None)
}

fn script(source: &str, options: &[(&str, &str)]) -> Script {
    Script {
        source: source.into(),
        name: "fault.d".into(),
        options: options
            .iter()
            .map(|(n, v)| (n.to_string(), Some(v.to_string())))
            .collect(),
        ..Script::default()
    }
}

/// Every event of a job up to its Finished, within `limit`.
fn until_finished(s: &Session, job: u64, limit: Duration) -> (Vec<Event>, Finish) {
    let end = Instant::now() + limit;
    let mut events = Vec::new();
    while Instant::now() < end {
        if let Some(SessionEvent { job: j, event, .. }) = s.recv_timeout(Duration::from_millis(50))
        {
            assert_eq!(j, job);
            if let Event::Finished(reason) = event {
                return (events, reason);
            }
            events.push(event);
        }
    }
    panic!("no Finished within {limit:?}; got {} events", events.len());
}

/// This process's run workers that are still alive.
fn live_workers() -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // Field 4 of stat, after the parenthesised name, is the parent.
        let parent = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        let is_worker = String::from_utf8_lossy(&cmdline).contains(dscope::session::RUN_WORKER_ARG);
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, r)| r.starts_with('Z'));
        if is_worker && !zombie && parent == Some(me.as_str()) {
            found.push(pid);
        }
    }
    found
}

fn no_workers_within(limit: Duration) {
    let end = Instant::now() + limit;
    while !live_workers().is_empty() {
        assert!(
            Instant::now() < end,
            "workers still alive: {:?}",
            live_workers()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_script_that_exits_at_once_finishes_with_its_status() {
    let _alone = alone();
    if !live() {
        return;
    }
    let mut s = session();
    let job = s
        .run(
            script("BEGIN { printf(\"bye\"); exit(3); }", &[]),
            None,
            Duration::from_millis(100),
        )
        .unwrap();
    let (events, reason) = until_finished(&s, job, Duration::from_secs(30));
    assert_eq!(reason, Ok(RunEnd::Exited { status: 3 }));
    let said = |e: &Event| matches!(e, Event::Output(o) if o.contains("bye"));
    assert!(events.iter().any(said), "{events:?}");
    assert!(!s.is_running());
}

#[test]
fn a_run_stopped_within_milliseconds_ends_and_leaves_no_worker() {
    let _alone = alone();
    if !live() {
        return;
    }
    let mut s = session();
    for pause in [0, 5, 50] {
        let job = s
            .run(
                script("profile-997 { @[cpu] = count(); }", &[]),
                None,
                Duration::from_millis(100),
            )
            .unwrap();
        std::thread::sleep(Duration::from_millis(pause));
        let asked = Instant::now();
        s.stop();
        let (_, reason) = until_finished(&s, job, Duration::from_secs(30));
        assert_eq!(reason, Ok(RunEnd::Stopped), "stopped after {pause} ms");
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "{:?}",
            asked.elapsed()
        );
        no_workers_within(Duration::from_secs(5));
    }
    // A second Run while one is active is refused, not queued.
    let job = s
        .run(
            script("profile-97 { @ = count(); }", &[]),
            None,
            Duration::from_millis(100),
        )
        .unwrap();
    let twice = s.run(
        script("BEGIN { exit(0); }", &[]),
        None,
        Duration::from_millis(100),
    );
    assert!(twice.unwrap_err().contains("already running"));
    s.stop();
    let _ = until_finished(&s, job, Duration::from_secs(30));
    no_workers_within(Duration::from_secs(5));
}

#[test]
fn drops_and_runtime_errors_at_a_high_rate_are_counted_not_fatal() {
    let _alone = alone();
    if !live() {
        return;
    }
    let mut s = session();
    let job = s
        .run(
            script(
                "profile-4999 { a[timestamp] = 1; printf(\"%d %d %d %d\\n\", timestamp, \
                 timestamp, timestamp, timestamp); }\n\
                 profile-4999 { trace(*(int *)0); }",
                &[
                    ("dynvarsize", "512"),
                    ("bufsize", "4k"),
                    ("switchrate", "1hz"),
                ],
            ),
            Some(Duration::from_secs(3)),
            Duration::from_millis(500),
        )
        .unwrap();
    let (events, reason) = until_finished(&s, job, Duration::from_secs(60));
    assert_eq!(reason, Ok(RunEnd::TimeUp));
    let drops: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Drop { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    assert!(
        drops.iter().any(|m| m.contains("dynamic variable drops")),
        "{drops:?}"
    );
    assert!(
        drops.iter().any(|m| m.contains("drops on CPU")),
        "{drops:?}"
    );
    let errors = events
        .iter()
        .filter(|e| matches!(e, Event::RuntimeError(m) if m.contains("invalid address")))
        .count();
    assert!(errors > 100, "{errors} runtime errors");
    no_workers_within(Duration::from_secs(5));
}

// ------------------------------------------------------------- the window

fn live_app(dir: &Path, source: &str) -> Harness<'static, DscopeApp> {
    let mut h = live_window(dir, egui::vec2(1000.0, 700.0));
    set_script(&mut h, source);
    h
}

fn step_until(h: &mut Harness<'_, DscopeApp>, limit: Duration, done: impl Fn(&DscopeApp) -> bool) {
    let end = Instant::now() + limit;
    while !done(h.state()) {
        assert!(Instant::now() < end, "{:?}", h.state().run_panel().state());
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_console_flood_stays_bounded_and_the_window_keeps_up() {
    let _alone = alone();
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_app(
        dir.path(),
        "profile-4999 { printf(\"%d\\n%d\\n%d\\n%d\\n\", timestamp, timestamp, timestamp, timestamp); }",
    );
    h.state_mut().run_panel_mut().duration_secs = 4.0;
    click(&mut h, "Run");
    // Timed from the start of tracing: enabling takes what it takes.
    step_until(&mut h, Duration::from_secs(120), |app| {
        matches!(
            app.run_panel().state(),
            RunState::Running { .. } | RunState::Stopping | RunState::Finished(_)
        )
    });
    let started = Instant::now();
    step_until(&mut h, Duration::from_secs(60), |app| {
        matches!(app.run_panel().state(), RunState::Finished(_))
    });
    let lines = h.state().run_panel().console.len();
    assert!(lines > 1000, "{lines} lines");
    assert!(lines <= CONSOLE_LINES, "{lines} lines kept");
    // Every line of the run is still there for Save…, those out of view
    // too.
    let run = h.state().run_panel();
    let saved = run.console_text().unwrap();
    let in_view = run.console.lines().count() as u64;
    assert_eq!(saved.lines().count() as u64, run.console.kept() + in_view);
    assert!(run.console.lost().is_none());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?} for a 4 s run",
        started.elapsed()
    );
    no_workers_within(Duration::from_secs(5));
}

#[test]
fn run_twice_and_closing_the_window_mid_run_leave_one_worker_then_none() {
    let _alone = alone();
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_app(dir.path(), "profile-97 { @[cpu] = count(); }");
    h.state_mut().run_panel_mut().duration_secs = 0.0;
    let ctx = h.ctx.clone();
    h.state_mut().start_run(&ctx);
    let first = h.state().run_panel().run_job();
    h.state_mut().start_run(&ctx);
    assert_eq!(
        h.state().run_panel().run_job(),
        first,
        "the second Run is ignored"
    );
    let notice = h.state().run_panel().notice.clone().unwrap_or_default();
    assert!(notice.contains("already running"), "{notice}");
    step_until(&mut h, Duration::from_secs(60), |app| {
        matches!(app.run_panel().state(), RunState::Running { .. })
    });
    assert_eq!(live_workers().len(), 1);
    let closed = Instant::now();
    drop(h);
    no_workers_within(Duration::from_secs(10));
    assert!(closed.elapsed() < Duration::from_secs(10));
}

#[test]
fn destructive_actions_run_only_when_the_user_allowed_them() {
    let _alone = alone();
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let marker = |n: u32| dir.path().join(format!("ran-{n}"));
    let mut s = session();
    let mut run = |script: Script| {
        let job = s.run(script, None, Duration::from_millis(100)).unwrap();
        until_finished(&s, job, Duration::from_secs(30))
    };

    // Off, libdtrace refuses the action.
    let plain = format!(
        "BEGIN {{ system(\"touch {}\"); exit(0); }}\n",
        marker(1).display()
    );
    let (_, reason) = run(script(&plain, &[]));
    assert!(
        matches!(&reason, Err(m) if m.contains(t::DESTRUCTIVE.says)),
        "{reason:?}"
    );

    // A script may not turn them on itself, even with the call hidden
    // from the editor's scan behind a comment.
    let pragma = format!(
        "#pragma D option quiet\n#pragma D option destructive\n\
         BEGIN {{ system/**/(\"touch {}\"); exit(0); }}\n",
        marker(2).display()
    );
    let (events, reason) = run(script(&pragma, &[]));
    assert!(
        matches!(&reason, Err(m) if m.starts_with(t::DESTRUCTIVE_PRAGMA.says)),
        "{reason:?}"
    );
    let on_the_pragma = |e: &Event| matches!(e, Event::Diagnostics(d) if d[0].line == 2);
    assert!(events.iter().any(on_the_pragma), "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Started { .. })));

    // Allowed for the run, the same script changes the system.
    let (_, reason) = run(Script {
        destructive: true,
        ..script(&pragma, &[])
    });
    assert_eq!(reason, Ok(RunEnd::Exited { status: 0 }));
    let end = Instant::now() + Duration::from_secs(10);
    while !marker(2).exists() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(marker(2).exists(), "system() ran once allowed");
    assert!(!marker(1).exists(), "nothing ran while they were off");
    no_workers_within(Duration::from_secs(5));
}

// ------------------------------------------------ a killed consumer's id

const UPROBE_EVENTS: &str = "/sys/kernel/debug/tracing/uprobe_events";

/// The `dt_PID_*` events in the uprobe list.
fn events_of(pid: u32) -> Vec<String> {
    let list = std::fs::read_to_string(UPROBE_EVENTS).unwrap_or_default();
    dscope::dtrace::leftovers::of_process(&list, pid)
}

/// `dscope run` of `source`, started as process `pid` (by setting the
/// kernel's last id just before); `None` when another process or thread
/// took the id first.
fn run_as(pid: u32, source: &str) -> Option<Output> {
    std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).unwrap();
    let child = Command::new(DSCOPE)
        .args(["run", "-q", "-n", source])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let got = child.id();
    let out = child.wait_with_output().unwrap();
    (got == pid).then_some(out)
}

#[test]
fn a_run_with_the_id_of_a_killed_consumer_still_enables_its_probes() {
    if !live() || !Path::new(UPROBE_EVENTS).exists() {
        return;
    }
    let writable = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/sys/kernel/ns_last_pid")
        .is_ok();
    if !writable {
        eprintln!("skipped: /proc/sys/kernel/ns_last_pid cannot be written here");
        return;
    }
    // Fewer processes and threads start meanwhile.
    let _alone = alone();
    // A consumer killed while tracing leaves its BEGIN and END events
    // behind: nothing of it can remove them.
    let mut killed = Command::new(DSCOPE)
        .args([
            "run",
            "-q",
            "-n",
            "BEGIN { printf(\"tracing\\n\"); } tick-1s { }",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = killed.id();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(killed.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "tracing\n");
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert!(!events_of(pid).is_empty(), "no events left by {pid}");

    // The next consumer with that id (ids wrap at pid_max) once failed
    // with "Failed to enable probe".
    // A thread or process of another test may hold the id for a while.
    let deadline = Instant::now() + Duration::from_secs(30);
    let out = loop {
        if let Some(out) = run_as(pid, "BEGIN { printf(\"ran\\n\"); exit(0); }") {
            break out;
        }
        if Instant::now() > deadline {
            for name in events_of(pid) {
                let _ = std::fs::write(UPROBE_EVENTS, format!("-:{name}\n"));
            }
            panic!("process id {pid} could not be had again in 30 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // dtrace(1) ends its output with an empty line.
    assert_eq!(text(&out), "ran\n\n", "{out:?}");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(events_of(pid), Vec::<String>::new());
}
