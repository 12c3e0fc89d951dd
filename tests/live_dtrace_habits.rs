//! `dscope run` and `check` measured against dtrace(1) itself on the same
//! scripts: the same stdout, the same exit status, and stderr of the same
//! kind; signals, `-c` and `-p`, an unprivileged run, and system() output
//! through a session. Live tests (DSCOPE_LIVE=1, see live_check.rs); the
//! comparisons also need the dtrace command.

mod common;

use common::live;
use dscope::session::{Event, Finish, RunEnd, Script, Session, SessionEvent, Target};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const DSCOPE: &str = env!("CARGO_BIN_EXE_dscope");

/// The dtrace command, where it is installed.
fn dtrace() -> Option<&'static str> {
    ["/usr/local/sbin/dtrace", "/usr/sbin/dtrace"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn script_file(dir: &Path, name: &str, source: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, source).unwrap();
    p
}

/// The output with the CPU column of dtrace(1)'s probe lines blanked out:
/// which CPU a probe fires on is up to the scheduler.
fn without_cpus(out: &str) -> String {
    out.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let probe_line = fields.len() >= 3
                && fields[0].bytes().all(|b| b.is_ascii_digit())
                && fields[1].bytes().all(|b| b.is_ascii_digit())
                && fields[2].contains(':');
            if probe_line {
                let cpu_end = line.find(fields[0]).unwrap() + fields[0].len();
                format!("{}{}", "#".repeat(cpu_end), &line[cpu_end..])
            } else {
                line.to_owned()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

/// Runs `dtrace ARGS` and `dscope run ARGS` in `dir` (so that messages
/// name files alike) and checks that they agree; returns both.
fn same_as_dtrace(dir: &Path, args: &[&str]) -> Option<(Output, Output)> {
    let dtrace = dtrace()?;
    let theirs = Command::new(dtrace)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let ours = Command::new(DSCOPE)
        .current_dir(dir)
        .arg("run")
        .args(args)
        .output()
        .unwrap();
    let (their_err, our_err) = (text(&theirs.stderr), text(&ours.stderr));
    assert_eq!(
        without_cpus(&text(&ours.stdout)),
        without_cpus(&text(&theirs.stdout)),
        "stdout of {args:?}\ndtrace said: {their_err}\ndscope said: {our_err}"
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "exit status of {args:?}\ndtrace said: {their_err}\ndscope said: {our_err}"
    );
    // The same kind of stderr: silent, or messages under the command's
    // name.
    assert_eq!(
        our_err.is_empty(),
        their_err.is_empty(),
        "{args:?}\ndtrace said: {their_err}\ndscope said: {our_err}"
    );
    if !their_err.is_empty() {
        assert!(
            our_err.contains("dscope: ") || our_err.contains(": error: "),
            "{our_err}"
        );
    }
    Some((theirs, ours))
}

#[test]
fn probe_descriptions_alone_and_with_a_script_run_as_under_dtrace() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    script_file(
        dir.path(),
        "s.d",
        "BEGIN { @n[\"script\"] = sum(2); printf(\"from the script\\n\"); }\n",
    );
    // Only -n, quiet, with macro arguments.
    let Some((_, ours)) = same_as_dtrace(
        dir.path(),
        &[
            "-q",
            "-n",
            "BEGIN { printf(\"%d %s\\n\", $1, $$2); exit(4); }",
            "--",
            "17",
            "x",
        ],
    ) else {
        return;
    };
    // dtrace(1) ends with an empty line (before where the aggregations go).
    assert_eq!(text(&ours.stdout), "17 x\n\n");
    // Two -n and a script; the last exit() wins; -q silences the notices.
    let (_, ours) = same_as_dtrace(
        dir.path(),
        &[
            "-q",
            "-s",
            "s.d",
            "-n",
            "BEGIN { @n[\"n\"] = sum(1); }",
            "-n",
            "BEGIN { exit(5); } END { printf(\"end\\n\"); }",
        ],
    )
    .unwrap();
    assert_eq!(ours.status.code(), Some(5));
    assert!(text(&ours.stdout).contains("end\n"));
    // Without -q: one notice per program, as dtrace gives them.
    let (theirs, ours) =
        same_as_dtrace(dir.path(), &["-s", "s.d", "-n", "BEGIN { exit(0); }"]).unwrap();
    let notices = |o: &Output, who: &str| {
        text(&o.stderr)
            .lines()
            .map(|l| l.replacen(who, "X", 1))
            .collect::<Vec<_>>()
    };
    assert_eq!(notices(&ours, "dscope"), notices(&theirs, "dtrace"));
}

#[test]
fn exit_statuses_and_error_streams_are_dtraces() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, Option<i32>)] = &[
        // The last exit() wins: END's exit(1) after tick's exit(2).
        (
            "last.d",
            "tick-1sec { exit(2); } END { exit(1); }\n",
            Some(1),
        ),
        ("syntax.d", "BEGIN { x = ; }\n", Some(1)),
        ("nomatch.d", "syscall::no_such_call:entry { }\n", Some(1)),
        // Destructive without -w: enabling fails.
        (
            "destructive.d",
            "BEGIN { system(\"true\"); exit(0); }\n",
            Some(1),
        ),
        // The low byte of the status, as the system keeps it.
        ("big.d", "BEGIN { exit(258); }\n", Some(2)),
    ];
    for (name, source, code) in cases {
        script_file(dir.path(), name, source);
        let Some((_, ours)) = same_as_dtrace(dir.path(), &["-q", "-s", name]) else {
            return;
        };
        assert_eq!(ours.status.code(), *code, "{name}: {}", text(&ours.stderr));
        if *code == Some(1) && *name != "last.d" {
            assert!(text(&ours.stdout).is_empty());
            assert!(!text(&ours.stderr).is_empty());
        }
    }
    // A pid that is not a number, one that does not exist, a command
    // that does not: dscope names which.
    same_as_dtrace(dir.path(), &["-p", "12x", "-n", "BEGIN"]).unwrap();
    let (_, ours) = same_as_dtrace(dir.path(), &["-p", "999999999", "-n", "BEGIN"]).unwrap();
    assert!(
        text(&ours.stderr).contains("cannot grab process 999999999: "),
        "{}",
        text(&ours.stderr)
    );
    let (_, ours) = same_as_dtrace(dir.path(), &["-c", "/no/such/command", "-n", "BEGIN"]).unwrap();
    assert!(
        text(&ours.stderr).contains("cannot start the command '/no/such/command': "),
        "{}",
        text(&ours.stderr)
    );
    // -Z lets a description that matches nothing through.
    same_as_dtrace(
        dir.path(),
        &["-q", "-Z", "-s", "nomatch.d", "-n", "BEGIN { exit(6); }"],
    )
    .unwrap();
}

#[test]
fn exit_is_noticed_at_a_status_check_and_end_runs_after() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // dtrace(1) stops when dtrace_work says the programs exited (at a
    // status check, so `statusrate` has its say), not when the exit()
    // record is read; END runs after and sees what ran in between.
    script_file(
        dir.path(),
        "rate.d",
        "#pragma D option statusrate=2sec\n\
         #pragma D option quiet\n\
         tick-10hz /++n == 3/ { exit(3); }\n\
         END { printf(\"ticks %s\\n\", n >= 3 ? \"3 or more\" : \"too few\"); }\n",
    );
    let Some((_, ours)) = same_as_dtrace(dir.path(), &["-s", "rate.d"]) else {
        return;
    };
    assert_eq!(text(&ours.stdout), "ticks 3 or more\n\n");
    assert_eq!(ours.status.code(), Some(3));
}

#[test]
fn output_file_and_destructive_system_output_as_dtrace() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let program = "BEGIN { printf(\"before\\n\"); system(\"echo from system\"); printf(\"after\\n\"); exit(0); }";
    let Some((_, ours)) = same_as_dtrace(dir.path(), &["-q", "-w", "-n", program]) else {
        return;
    };
    assert_eq!(text(&ours.stdout), "before\nfrom system\nafter\n\n");
    // -o appends.
    let theirs_file = dir.path().join("theirs.txt");
    let ours_file = dir.path().join("ours.txt");
    for f in [&theirs_file, &ours_file] {
        std::fs::write(f, "kept\n").unwrap();
    }
    let program = "BEGIN { printf(\"line\\n\"); @[\"a\"] = count(); exit(0); }";
    let theirs = Command::new(dtrace().unwrap())
        .args(["-q", "-o"])
        .arg(&theirs_file)
        .args(["-n", program])
        .output()
        .unwrap();
    let ours = Command::new(DSCOPE)
        .args(["run", "-q", "-o"])
        .arg(&ours_file)
        .args(["-n", program])
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), theirs.status.code());
    assert!(ours.stdout.is_empty(), "{}", text(&ours.stdout));
    let ours_text = std::fs::read_to_string(&ours_file).unwrap();
    assert_eq!(ours_text, std::fs::read_to_string(&theirs_file).unwrap());
    assert!(ours_text.starts_with("kept\nline\n"), "{ours_text}");
}

/// Starts `program ARGS`, waits until it traces (the aggregation in BEGIN
/// is set; a tick has fired), sends `signal`, and returns what it printed.
fn signalled(program: &str, args: &[&str], signal: i32) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Enabling takes a moment; BEGIN prints "tracing" once it runs.
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let started = Instant::now();
    let mut byte = [0u8; 1];
    while !text(&seen).contains("tracing\n") {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        if stdout.read(&mut byte).unwrap() == 0 {
            break;
        }
        seen.push(byte[0]);
    }
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success());
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    seen.extend(rest);
    out.stdout = seen;
    out
}

#[test]
fn sigint_and_sigterm_end_a_run_as_they_end_dtrace() {
    if !live() {
        return;
    }
    let Some(dtrace) = dtrace() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = script_file(
        dir.path(),
        "sig.d",
        "#pragma D option quiet\n\
         BEGIN { @n[\"begin\"] = count(); @total = sum(42); printf(\"tracing\\n\"); }\n\
         END { printf(\"end ran\\n\"); }\n",
    );
    let file = file.to_str().unwrap();
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let theirs = signalled(dtrace, &["-s", file], signal);
        let ours = signalled(DSCOPE, &["run", file], signal);
        let out = text(&ours.stdout);
        assert_eq!(out, text(&theirs.stdout), "signal {signal}");
        assert!(out.contains("end ran\n"), "{out}");
        assert!(out.contains("begin"), "{out}");
        assert!(out.contains("42"), "{out}");
        assert_eq!(ours.status.code(), theirs.status.code(), "signal {signal}");
        assert_eq!(ours.status.code(), Some(0));
    }
}

#[test]
fn a_second_sigint_during_a_system_call_in_end_is_ignored_as_by_dtrace() {
    if !live() {
        return;
    }
    let Some(dtrace) = dtrace() else { return };
    let dir = tempfile::tempdir().unwrap();
    // END keeps the consumer busy in system() for a while: the second
    // SIGINT comes while the run is stopping.
    let file = script_file(
        dir.path(),
        "slow-end.d",
        "#pragma D option quiet\n\
         #pragma D option destructive\n\
         BEGIN { @n[\"begin\"] = count(); printf(\"tracing\\n\"); }\n\
         END { system(\"sleep 3\"); }\n",
    );
    let file = file.to_str().unwrap();
    let twice = |program: &str, args: &[&str]| {
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !text(&seen).contains("tracing\n") {
            if stdout.read(&mut byte).unwrap() == 0 {
                break;
            }
            seen.push(byte[0]);
        }
        let kill = || {
            Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap()
        };
        kill();
        std::thread::sleep(Duration::from_millis(1000));
        kill();
        stdout.read_to_end(&mut seen).unwrap();
        (text(&seen), child.wait().unwrap().code())
    };
    // system() ignores SIGINT while it waits, so here the second one is
    // lost under dtrace(1) too and both print the aggregations; what they
    // print and how they exit must agree. (live_abort.rs has a second stop
    // that does arrive.)
    let (theirs, their_code) = twice(dtrace, &["-s", file]);
    let (ours, our_code) = twice(DSCOPE, &["run", file]);
    assert_eq!(ours, theirs);
    assert_eq!(our_code, their_code);
    assert!(ours.contains("begin"), "{ours}");
}

#[test]
fn a_command_is_started_traced_and_ends_the_run_as_with_dtrace_c() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    script_file(
        dir.path(),
        "c.d",
        "pid$target::exit:entry { printf(\"target exits: %d\\n\", pid == $target); }\n",
    );
    let started = Instant::now();
    let Some((_, ours)) = same_as_dtrace(dir.path(), &["-q", "-s", "c.d", "-c", "/bin/true"])
    else {
        return;
    };
    assert_eq!(text(&ours.stdout), "target exits: 1\n\n");
    assert!(started.elapsed() < Duration::from_secs(120));
    // The command's own output is the run's stdout.
    let ours = Command::new(DSCOPE)
        .args(["run", "-q", "-c", "echo from the command", "-n"])
        .arg("pid$target::exit:entry { printf(\"exiting\\n\"); }")
        .output()
        .unwrap();
    let out = text(&ours.stdout);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
    assert!(out.contains("from the command\n"), "{out}");
    assert!(out.contains("exiting\n"), "{out}");
}

#[test]
fn a_grabbed_process_ends_the_run_when_it_exits() {
    if !live() {
        return;
    }
    let mut victim = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = victim.id().to_string();
    let mut run = Command::new(DSCOPE)
        .args(["run", "-q", "-p", &pid, "-n"])
        .arg("BEGIN { printf(\"tracing %d\\n\", $target); } END { printf(\"end\\n\"); }")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until tracing has started, then end the process.
    let mut stdout = run.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    let expected = format!("tracing {pid}\n");
    while !text(&seen).contains(&expected) {
        if stdout.read(&mut byte).unwrap() == 0 {
            panic!("ended before tracing: {}", text(&seen));
        }
        seen.push(byte[0]);
    }
    let killed = Instant::now();
    victim.kill().unwrap();
    victim.wait().unwrap();
    stdout.read_to_end(&mut seen).unwrap();
    let status = run.wait().unwrap();
    assert!(
        killed.elapsed() < Duration::from_secs(20),
        "{:?}",
        killed.elapsed()
    );
    assert_eq!(status.code(), Some(0));
    assert_eq!(text(&seen), format!("{expected}end\n\n"));
}

#[test]
fn check_takes_descriptions_zdefs_and_a_target() {
    if !live() {
        return;
    }
    let check = |args: &[&str]| {
        let out = Command::new(DSCOPE)
            .arg("check")
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, out, err) = check(&["-n", "syscall::no_such_call:entry"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("invalid probe specifier syscall::no_such_call:entry: probe description syscall::no_such_call:entry does not match any probes [D_PDESC_ZERO]"),
        "{err}"
    );
    let (code, out, err) = check(&["-Z", "-n", "syscall::no_such_call:entry"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("compiles; it would enable 0 probes"), "{out}");
    let (code, out, err) = check(&["-c", "/bin/true", "-n", "pid$target::exit:entry"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("compiles; it would enable 1 probe"), "{out}");
}

#[test]
fn without_root_the_cause_comes_before_libdtraces_words() {
    if !live() || !dscope::dtrace::running_as_root() {
        return;
    }
    let (_copy, exe) = common::copy_for_everyone(Path::new(DSCOPE));
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(&exe)
        .args(["run", "-n", "BEGIN { exit(0); }"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    // dtrace(1) refuses non-root users with status 2 too.
    assert_eq!(out.status.code(), Some(2), "{err}");
    let cause = err
        .find(dscope::troubleshooting::NOT_ROOT.says)
        .unwrap_or_else(|| panic!("no cause: {err}"));
    let words = err
        .find("could not enable tracing: ")
        .unwrap_or_else(|| panic!("no words from libdtrace: {err}"));
    assert!(cause < words, "{err}");
    assert!(text(&out.stdout).is_empty());
}

fn session_script(source: &str) -> Script {
    Script {
        source: source.into(),
        name: "s.d".into(),
        ..Script::default()
    }
}

fn until_finished(s: &Session, job: u64) -> (Vec<Event>, Finish) {
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Some(SessionEvent { job: j, event, .. }) = s.recv_timeout(Duration::from_millis(200))
            && j == job
        {
            if let Event::Finished(reason) = event {
                return (events, reason);
            }
            events.push(event);
        }
    }
    panic!("no Finished: {events:?}");
}

fn outputs(events: &[Event]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Output(o) => Some(o.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn system_output_and_a_traced_command_reach_the_session_as_output_in_order() {
    if !live() {
        return;
    }
    let mut s = Session::start(DSCOPE.into(), None);
    let mut script = session_script(
        "#pragma D option quiet\n\
         BEGIN { printf(\"before\\n\"); system(\"echo from system\"); printf(\"after\\n\"); exit(0); }",
    );
    script.destructive = true;
    let job = s.run(script, None, Duration::from_millis(100)).unwrap();
    let (events, reason) = until_finished(&s, job);
    assert_eq!(reason, Ok(RunEnd::Exited { status: 0 }), "{events:?}");
    assert_eq!(
        outputs(&events),
        ["before", "from system", "after"],
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Problem(_) | Event::Failed(_))),
        "{events:?}"
    );
    // -c in the window: the command's words split at white space only, as
    // `dtrace -c` and `dscope run -c` split them.
    let mut script = session_script(
        "#pragma D option quiet\n\
         pid$target::exit:entry { printf(\"target %d exits\\n\", pid == $target); }",
    );
    script.targets = vec![Target::Command("echo 'two  words'".into())];
    let cli = std::process::Command::new(DSCOPE)
        .args(["run", "-q", "-c", "echo 'two  words'", "-n", "BEGIN {}"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&cli.stdout).lines().next(),
        Some("'two words'"),
        "{cli:?}"
    );
    let job = s.run(script, None, Duration::from_millis(100)).unwrap();
    let (events, reason) = until_finished(&s, job);
    assert_eq!(reason, Ok(RunEnd::TargetExited), "{events:?}");
    let out = outputs(&events);
    assert!(out.contains(&"'two words'"), "{events:?}");
    assert!(out.contains(&"target 1 exits"), "{events:?}");
}

#[test]
fn the_probes_of_a_process_are_listed_for_the_session() {
    if !live() {
        return;
    }
    let mut victim = Command::new("sleep").arg("30").spawn().unwrap();
    let pid = victim.id() as i32;
    let mut s = Session::start(DSCOPE.into(), None);
    let job = s.list_target_probes(pid);
    let deadline = Instant::now() + Duration::from_secs(120);
    let probes = loop {
        assert!(Instant::now() < deadline, "no answer");
        if let Some(SessionEvent {
            job: j,
            event: Event::Probes(p),
            ..
        }) = s.recv_timeout(Duration::from_millis(200))
            && j == job
        {
            break p.unwrap();
        }
    };
    let _ = victim.kill();
    let _ = victim.wait();
    let provider = format!("pid{pid}");
    assert!(probes.len() > 100, "{} probes", probes.len());
    assert!(probes.iter().all(|p| p.provider == provider));
    assert!(
        probes.iter().any(|p| p.module.starts_with("libc.so")
            && p.function == "malloc"
            && p.name == "entry"),
        "no libc malloc entry"
    );
    assert!(probes.iter().any(|p| p.name == "return"));
    // No such process: an error, not an empty list.
    let job = s.list_target_probes(i32::MAX - 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "no answer");
        if let Some(SessionEvent {
            job: j,
            event: Event::Probes(p),
            ..
        }) = s.recv_timeout(Duration::from_millis(200))
            && j == job
        {
            assert!(p.is_err(), "{p:?}");
            break;
        }
    }
}

/// The terminal's ^C reaches the whole process group, the process that
/// runs the session's scripts too: it stops the run as the end of its
/// input does, END and all, instead of dying on the spot.
#[test]
fn a_signal_to_the_process_running_a_session_script_stops_it_with_end() {
    use std::io::{BufRead, Write};
    if !live() {
        return;
    }
    let mut child = Command::new(DSCOPE)
        .arg(dscope::session::RUN_WORKER_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"run":{{"job":1,"script":{{"source":"profile-97 {{ @n = count(); }} END {{ printf(\"end\\n\"); }}","name":"t.d","options":[["quiet",null]],"args":[],"destructive":false}},"duration_ms":null,"snapshot_ms":200}}}}"#
    )
    .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("Started").unwrap();
        if matches!(serde_json::from_str(&line).unwrap(), Event::Started { .. }) {
            break;
        }
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let events: Vec<Event> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(events.contains(&Event::Output("end".into())), "{events:?}");
    assert_eq!(events.last(), Some(&Event::Finished(Ok(RunEnd::Stopped))));
    assert!(child.wait().unwrap().success());
    drop(stdin);
}

const CHILD_DSCOPE: &str = "DSCOPE_HABITS_CHILD_DSCOPE";

#[test]
#[ignore = "run by a_session_without_root_says_so_first in a child process"]
fn child_session_run_without_root() {
    let program = std::env::var(CHILD_DSCOPE).expect("run by its parent test");
    let mut s = Session::start(program.into(), None);
    let job = s
        .run(
            session_script("BEGIN { exit(0); }"),
            None,
            Duration::from_millis(100),
        )
        .unwrap();
    let (events, reason) = until_finished(&s, job);
    let Err(why) = reason else {
        panic!("ran without root: {events:?}")
    };
    let cause = why
        .find(dscope::troubleshooting::NOT_ROOT.says)
        .unwrap_or_else(|| panic!("no cause: {why}"));
    // libdtrace's own words follow the cause.
    assert!(
        why.len() > cause + dscope::troubleshooting::NOT_ROOT.says.len() + 40,
        "{why}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Failed(w) if *w == why)),
        "{events:?}"
    );
}

/// The window's runs say the same as `dscope run` when root is missing.
#[test]
fn a_session_without_root_says_so_first() {
    if !live() || !dscope::dtrace::running_as_root() {
        return;
    }
    let (_copy, exe) = common::copy_for_everyone(Path::new(DSCOPE));
    common::Rerun {
        test: "child_session_run_without_root",
        wrapper: &[],
        env: &[(CHILD_DSCOPE, exe.to_str().unwrap())],
        user: Some(common::NOBODY),
    }
    .pass();
}

/// `dscope probes [-v] PATTERN` prints what `dtrace -l[v] -n PATTERN`
/// prints: the same probes in libdtrace's order, each one's attributes
/// and argument types under -v, and a pattern that matches nothing said
/// the same way, with the same exit status.
#[test]
fn probe_listings_are_dtraces() {
    if !live() {
        return;
    }
    let Some(dtrace) = dtrace() else { return };
    for pattern in [
        "BEGIN",
        "read:entry",
        "syscall::read*:",
        "profile:::",
        "syscall:::entry",
        "nosuch:::",
    ] {
        for verbose in [false, true] {
            let list = || {
                let theirs = Command::new(dtrace)
                    .arg(if verbose { "-lv" } else { "-l" })
                    .args(["-n", pattern])
                    .output()
                    .unwrap();
                let mut ours = Command::new(DSCOPE);
                ours.arg("probes");
                if verbose {
                    ours.arg("-v");
                }
                (ours.arg(pattern).output().unwrap(), theirs)
            };
            // Other sessions (the tests beside this one) add and remove
            // probes, such as their tick-N, between two listings: a
            // difference is believed when it is there three times.
            let (mut ours, mut theirs) = list();
            for _ in 0..2 {
                if ours.stdout == theirs.stdout {
                    break;
                }
                (ours, theirs) = list();
            }
            assert_eq!(
                text(&ours.stdout),
                text(&theirs.stdout),
                "{pattern} -v {verbose}"
            );
            assert_eq!(ours.status.code(), theirs.status.code(), "{pattern}");
            assert_eq!(
                text(&ours.stderr).replacen("dscope: ", "dtrace: ", 1),
                text(&theirs.stderr),
                "{pattern}"
            );
        }
    }
}
