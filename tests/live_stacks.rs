//! Live tests of stack-keyed profiling, the most common script there is,
//! through `dscope run --record` and the window's session (see
//! live_check.rs for how live tests are switched on). Each traces a busy
//! perl of its own: perl's symbols are in every Debian system, so its
//! user frames have names.

use dscope::history::recording;
use dscope::model::{KeyPart, Snapshot};
use dscope::session::{Event, RunEnd, Script, Session, SessionEvent};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::live;

/// One at a time: each profiles the whole machine, and the window test
/// times its run's end.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// A busy perl, killed when dropped.
struct Busy(Child);

impl Busy {
    fn start() -> Busy {
        Busy(
            Command::new("perl")
                .args(["-e", "while (1) { my $x = 0; $x += $_ for 1 .. 1000 }"])
                .stdin(Stdio::null())
                .spawn()
                .expect("perl runs"),
        )
    }
    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn frames(snap: &Snapshot, name: &str) -> BTreeSet<String> {
    let agg = snap
        .get(name)
        .unwrap_or_else(|| panic!("@{name} in {snap:?}"));
    agg.rows
        .iter()
        .flat_map(|r| r.key.iter())
        .flat_map(|k| match k {
            KeyPart::Stack(f) => f.clone(),
            _ => vec![],
        })
        .collect()
}

/// The rows of a printout of stack-keyed aggregations: each stack's
/// frames and its count, as one text.
fn printed_rows(text: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        row.push(line);
        if line.trim().parse::<u64>().is_ok() {
            rows.push(row.join("\n"));
            row.clear();
        }
    }
    rows
}

/// dscope names user frames itself, without grabbing the process as
/// libdtrace does, and prints the final aggregations from those names.
/// Both must read as libdtrace's own: in one run, `@a` is printed by
/// libdtrace (printa() in END) and its twin `@b` by dscope at the end,
/// and the recording holds dscope's decoded frames.
#[test]
fn user_frames_are_named_and_printed_as_dtrace_prints_them() {
    if !live() {
        return;
    }
    let _alone = alone();
    let busy = Busy::start();
    std::thread::sleep(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("perl.d");
    std::fs::write(
        &file,
        "profile-997 /pid == $target/ { @a[ustack()] = count(); @b[ustack()] = count(); }\n\
         END { printa(@a); }\n",
    )
    .unwrap();
    let rec = dir.path().join("perl.rec");
    let pid = busy.pid().to_string();
    let run = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(["run", "-q", "--duration", "3", "-p", &pid, "--record"])
        .arg(&rec)
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let rows = printed_rows(&stdout);
    assert!(rows.len() >= 2 && rows.len().is_multiple_of(2), "{stdout}");
    let (theirs, ours) = rows.split_at(rows.len() / 2);
    assert_eq!(
        ours, theirs,
        "dscope's printout of @b is not libdtrace's of @a"
    );
    let recorded = recording::read(&rec, 1000).unwrap();
    let end = recorded.history.last_time().expect("snapshots");
    let last = recorded.history.snapshot_at(end);
    let decoded = frames(&last, "b");
    let printed: BTreeSet<String> = theirs
        .iter()
        .flat_map(|r| r.lines())
        .map(str::trim)
        .filter(|l| l.parse::<u64>().is_err())
        .map(str::to_owned)
        .collect();
    assert!(
        decoded.iter().any(|f| f.starts_with("perl`Perl_")),
        "perl's functions are named: {decoded:?}"
    );
    assert_eq!(
        decoded, printed,
        "decoded frames and libdtrace's printout differ"
    );
}

fn stacks_script() -> Script {
    Script {
        source: "profile-997 /arg1/ { @u[execname, ustack()] = count(); }\n\
                 profile-997 /arg0/ { @k[stack()] = count(); }\n"
            .into(),
        name: "stacks.d".into(),
        ..Script::default()
    }
}

/// The window's run of the most common profiling script: snapshots every
/// second with named stacks, the duration kept to within a second (plus
/// libdtrace's own stop), and the run worker alive to the end.
#[test]
fn the_window_runs_a_stack_profile_to_its_end() {
    if !live() {
        return;
    }
    let _alone = alone();
    let _busy = Busy::start();
    let duration = Duration::from_secs(6);
    let mut session = Session::start(env!("CARGO_BIN_EXE_dscope").into(), None);
    let job = session
        .run(stacks_script(), Some(duration), Duration::from_secs(1))
        .expect("the run is sent");
    let limit = Instant::now() + Duration::from_secs(120);
    let (mut started, mut stopping, mut snapshots, mut last) = (None, None, 0, None);
    let reason = loop {
        assert!(Instant::now() < limit, "no end in 120 s");
        let Some(SessionEvent { job: j, event, .. }) =
            session.recv_timeout(Duration::from_millis(50))
        else {
            continue;
        };
        assert_eq!(j, job);
        match event {
            Event::Started { .. } => started = Some(Instant::now()),
            Event::Stopping => stopping = Some(Instant::now()),
            Event::Snapshot(s) => {
                snapshots += 1;
                last = Some(s);
            }
            Event::Finished(r) => break r,
            _ => {}
        }
    };
    assert_eq!(reason, Ok(RunEnd::TimeUp));
    // dscope looks at the clock between libdtrace's work calls, and each
    // waits for trace data up to libdtrace's switch interval (1 s) and
    // then reads the aggregations out of the kernel, which it cannot be
    // stopped in: a second and that read at the most.
    let took = stopping.unwrap() - started.unwrap();
    assert!(
        took < duration + Duration::from_secs(2),
        "tracing stopped {took:?} after it started, for a {duration:?} run"
    );
    // A snapshot that costs more than half a second spaces the next one
    // out, so fewer than one a second may come (the first, naming every
    // frame, is the slowest); the last one always comes.
    assert!(snapshots >= 1, "{snapshots} snapshots in {duration:?}");
    let last = last.unwrap();
    assert!(
        frames(&last, "u").iter().any(|f| f.starts_with("perl`")),
        "user frames are named"
    );
    assert!(
        frames(&last, "k").iter().any(|f| f.starts_with("vmlinux`")),
        "kernel frames are named"
    );
}

/// Processes that fork and exec all the time beside a busy one: what made
/// libdtrace's process control crash the consumer while it named their
/// frames.
struct ForkLoad(Vec<Child>);

impl ForkLoad {
    fn start() -> ForkLoad {
        let forks = Command::new("sh")
            .args(["-c", "while :; do ls / >/dev/null; done"])
            .stdin(Stdio::null())
            .spawn()
            .expect("sh runs");
        ForkLoad(vec![forks])
    }
}

impl Drop for ForkLoad {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `dscope run --record` of the most common profiling script, with a
/// snapshot every second, beside a fork-heavy load, three times: each run
/// ends by its duration, exits 0 and leaves a whole recording.
#[test]
fn recorded_stack_profiles_survive_a_fork_heavy_load() {
    if !live() {
        return;
    }
    let _alone = alone();
    let _busy = Busy::start();
    let _forks = ForkLoad::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stacks.d");
    std::fs::write(&file, stacks_script().source).unwrap();
    for round in 0..3 {
        let rec = dir.path().join(format!("stacks-{round}.rec"));
        let run = Command::new(env!("CARGO_BIN_EXE_dscope"))
            .args(["run", "-q", "--duration", "4", "--record"])
            .arg(&rec)
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(
            run.status.code(),
            Some(0),
            "round {round}: {:?} {stderr}",
            run.status
        );
        let recorded = recording::read(&rec, 1000).unwrap();
        assert!(
            recorded.end.is_some(),
            "round {round}: the recording has its end"
        );
        let printed = String::from_utf8_lossy(&run.stdout);
        assert!(printed.contains("perl`"), "round {round}: {printed}");
    }
}
