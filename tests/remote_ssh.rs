//! `--host` against a real OpenSSH server on 127.0.0.1: its own host key,
//! a key pair made for the test, known_hosts checked strictly, and the
//! client's settings given to dscope through DSCOPE_SSH_CONFIG. The remote
//! dscope is this build. Skipped, saying why, where /usr/sbin/sshd or
//! ssh-keygen is missing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

mod sshd;
use sshd::*;

fn local(args: &[&str]) -> Output {
    Command::new(dscope())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Same stdout, stderr and status.
fn assert_same(remote: &Output, local: &Output) {
    assert_eq!(text(&remote.stdout), text(&local.stdout), "stdout");
    assert_eq!(text(&remote.stderr), text(&local.stderr), "stderr");
    assert_eq!(remote.status.code(), local.status.code(), "status");
}

#[test]
fn check_on_the_host_says_what_check_says_here() {
    let Some(server) = sshd() else { return };
    let good = server.path("good.d");
    std::fs::write(&good, "BEGIN { exit(0); }\n").unwrap();
    let bad = server.path("bad.d");
    std::fs::write(&bad, "BEGIN\n{\n\tx = ;\n}\n").unwrap();
    for file in [&good, &bad] {
        let f = file.to_str().unwrap();
        let here = local(&["check", f]);
        let there = server.remote(&["check", f]).output().unwrap();
        assert_same(&there, &here);
    }
    // Not just equal: the error is the compiler's, naming the local file.
    let there = server
        .remote(&["check", bad.to_str().unwrap()])
        .output()
        .unwrap();
    let said = text(&there.stderr);
    if dscope::dtrace::Library::load().is_ok() {
        assert_eq!(there.status.code(), Some(1), "{said}");
        assert!(said.starts_with(&format!("{}:3:", bad.display())), "{said}");
    }
    // A script that is not there is reported here, as here.
    let missing = server.path("missing.d");
    let m = missing.to_str().unwrap();
    assert_same(
        &server.remote(&["check", m]).output().unwrap(),
        &local(&["check", m]),
    );
}

#[test]
fn hostile_arguments_arrive_intact() {
    let Some(server) = sshd() else { return };
    // A -x name with quotes, $, backquotes, a backslash and a newline;
    // libdtrace's error names it, so the output shows what arrived.
    let option = "no'such\"opt$HOME`id`\\\nx=1";
    let description = "BEGIN { trace(\"it's $1 `x`\"); }";
    let args = [
        "check",
        "-x",
        option,
        "-n",
        description,
        "--",
        "-leading dash",
        "",
        "$(id)",
    ];
    let here = local(&args);
    let there = server.remote(&args).output().unwrap();
    assert_same(&there, &here);
    if dscope::dtrace::Library::load().is_ok() {
        assert!(
            text(&there.stderr).contains("no'such\"opt$HOME`id`\\\nx"),
            "{there:?}"
        );
    }
    // The same description and macro arguments without the bad option
    // compile there as here.
    let args = ["check", "-n", description, "--", "-leading dash", "$(id)"];
    assert_same(&server.remote(&args).output().unwrap(), &local(&args));
}

#[test]
fn a_host_without_dscope_gets_the_install_message() {
    let Some(server) = sshd() else { return };
    let mut cmd = Command::new(dscope());
    let out = cmd
        .args(["doctor", "--host", ALIAS, "--remote-dscope", "/nonexistent"])
        .env("DSCOPE_SSH_CONFIG", &server.config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!(
            "dscope: dscope is not installed on {ALIAS} (or not on its PATH): install the \
             headless build there (README: Install), or give its path with --remote-dscope\n"
        )
    );
    // A dscope of another release there: both versions are named.
    let old = server.path("old-dscope");
    std::fs::write(&old, "#!/bin/sh\necho 'dscope 999.1.0'\n").unwrap();
    run_ok(Command::new("chmod").arg("+x").arg(&old));
    let out = Command::new(dscope())
        .args(["doctor", "--host", ALIAS, "--remote-dscope"])
        .arg(&old)
        .env("DSCOPE_SSH_CONFIG", &server.config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        text(&out.stderr),
        format!(
            "dscope: {ALIAS} has dscope 999.1.0, but this is dscope {}: install the same \
             major.minor version there (README: Install), or give its path with \
             --remote-dscope\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn doctor_and_probes_on_the_host_print_what_they_print_here() {
    let Some(server) = sshd() else { return };
    assert_same(
        &server.remote(&["doctor"]).output().unwrap(),
        &local(&["doctor"]),
    );
    // Probe ids are given out as probes are made, by any run on the
    // machine; dtrace's own come first and keep theirs.
    let pattern = ["probes", "dtrace:::"];
    assert_same(&server.remote(&pattern).output().unwrap(), &local(&pattern));
}

#[test]
fn ssh_failing_is_said_with_the_host_and_its_status() {
    // No server needed: nothing listens on the closed port.
    let Some(server) = sshd() else { return };
    assert!(port_is_free(CLOSED_PORT), "port {CLOSED_PORT} is in use");
    let host = format!("{ALIAS}:{CLOSED_PORT}");
    let out = Command::new(dscope())
        .args(["check", "-n", "BEGIN", "--host", &host])
        .env("DSCOPE_SSH_CONFIG", &server.config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert_eq!(text(&out.stdout), "");
    // ssh's own words first, then dscope's, naming the host.
    assert!(said.contains("Connection refused"), "{said}");
    assert!(
        said.ends_with(&format!(
            "dscope: cannot run dscope on {ALIAS} over ssh (ssh exited with status 255; \
             its own message is above)\n"
        )),
        "{said}"
    );
}

#[test]
fn a_run_on_the_host_prints_what_a_run_here_prints() {
    let Some(server) = sshd() else { return };
    if !live_dtrace() {
        return;
    }
    let script = server.path("begin.d");
    std::fs::write(
        &script,
        "BEGIN { printf(\"hello %s %d\\n\", $$1, 42); @n[\"a\"] = count(); @m[\"b\"] = sum(3); exit(3); }\n",
    )
    .unwrap();
    let s = script.to_str().unwrap();
    for extra in [&[][..], &["-q"][..], &["-q", "--format", "json"][..]] {
        let mut args = vec!["run", s];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "it's $HOME"]);
        let here = local(&args);
        assert_eq!(here.status.code(), Some(3), "{here:?}");
        assert!(
            text(&here.stdout).contains("hello it's $HOME 42"),
            "{here:?}"
        );
        let there = server.remote(&args).output().unwrap();
        // BEGIN fires on whichever CPU dscope runs on, here or there.
        assert_eq!(without_cpu(&there.stdout), without_cpu(&here.stdout));
        assert_eq!(text(&there.stderr), text(&here.stderr));
        assert_eq!(there.status.code(), here.status.code());
    }
}

/// The output with the CPU column of `CPU ID FUNCTION:NAME` lines blanked.
fn without_cpu(out: &[u8]) -> String {
    text(out)
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some(cpu), Some(id))
                    if cpu.bytes().all(|b| b.is_ascii_digit())
                        && id.bytes().all(|b| b.is_ascii_digit())
                        && line.contains(':') =>
                {
                    line.replacen(cpu, "_", 1)
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every process: its pid, its parent's and its command line.
fn processes() -> Vec<(u32, u32, String)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold spaces.
        let Some((_, after)) = stat.rsplit_once(')') else {
            continue;
        };
        let ppid: u32 = after.split_whitespace().nth(1).unwrap().parse().unwrap();
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        all.push((
            pid,
            ppid,
            String::from_utf8_lossy(&cmdline).replace('\0', " "),
        ));
    }
    all
}

/// Processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    processes()
        .into_iter()
        .filter(|(_, _, cmdline)| cmdline.contains(marker))
        .map(|(pid, _, cmdline)| format!("{pid}: {cmdline}"))
        .collect()
}

/// Starts a run on the host that would go on for ever, and waits until its
/// probes are enabled there.
fn endless_run(server: &Sshd, marker: &str) -> (Child, BufReader<std::process::ChildStderr>) {
    let tick = format!("tick-1s {{ printf(\"tick %s\\n\", \"{marker}\"); }}");
    let mut cmd = server.remote(&["run", "-n", &tick, "-n", "END { printf(\"ended\\n\"); }"]);
    // Its own process group, as a terminal gives a command, so that a
    // Ctrl-C sent to the group reaches dscope and ssh, not this test.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the run ended before it started"
        );
        if line.contains("matched") {
            break;
        }
    }
    (child, stderr)
}

fn wait_until_gone(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = processes_with(marker);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "still running: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_stops_the_remote_run_as_it_stops_a_local_one() {
    let Some(server) = sshd() else { return };
    if !live_dtrace() {
        return;
    }
    let marker = format!("ctrlc-{}", std::process::id());
    let (mut child, _stderr) = endless_run(&server, &marker);
    let group = format!("-{}", child.id());
    run_ok(Command::new("kill").args(["-INT", "--", &group]));
    // A run that does not stop fails the test instead of hanging it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the run did not stop on Ctrl-C: {:?}",
                processes_with(&marker)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    // END ran there and its output arrived here.
    assert!(stdout.contains(":END ended\n"), "{stdout:?}");
    assert_eq!(status.code(), Some(0));
    wait_until_gone(&marker);
}

#[test]
fn killing_dscope_here_leaves_no_dscope_running_there() {
    let Some(server) = sshd() else { return };
    if !live_dtrace() {
        return;
    }
    let marker = format!("killed-{}", std::process::id());
    let (mut child, _stderr) = endless_run(&server, &marker);
    // The remote dscope is running: its arguments carry the marker.
    assert!(processes_with(&marker).len() > 2);
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until_gone(&marker);
}

#[test]
fn without_an_ssh_client_dscope_says_what_to_install() {
    // A PATH with sh on it and no ssh.
    let dir = tempfile::tempdir().unwrap();
    let sh = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v sh"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::os::unix::fs::symlink(sh.trim(), dir.path().join("sh")).unwrap();
    let out = Command::new(dscope())
        .args(["doctor", "--host", "box"])
        .env("PATH", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.ends_with(
            "dscope: cannot run ssh to reach box: install the OpenSSH client (Debian: openssh-client)\n"
        ),
        "{said}"
    );
}

// The window's side: a session whose jobs run through `dscope agent` on
// the host.

use dscope::remote::Host;
use dscope::session::{Event, RunEnd, Script, Session};

fn script(source: &str) -> Script {
    Script {
        source: source.into(),
        name: "typed.d".into(),
        ..Script::default()
    }
}

/// The events of `job` up to the one that ends it.
fn events_of(session: &Session, job: u64, last: fn(&Event) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        let Some(e) = session.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        assert_eq!(e.job, job, "{e:?}");
        let done = last(&e.event);
        events.push(e.event);
        if done {
            return events;
        }
    }
    panic!("job {job} did not end: {events:?}");
}

fn checked(e: &Event) -> bool {
    matches!(
        e,
        Event::Checked { .. } | Event::Diagnostics(_) | Event::Failed(_)
    )
}

fn finished(e: &Event) -> bool {
    matches!(e, Event::Finished(_))
}

/// Why a check failed, when failing was all it did.
fn only_failure(said: &[Event]) -> &str {
    match said {
        [Event::Failed(why)] => why,
        _ => panic!("{said:?}"),
    }
}

#[test]
fn a_window_session_on_the_host_answers_as_one_here() {
    let Some(server) = sshd() else { return };
    let mut there = Session::start_remote(server.endpoint(dscope()), None);
    let mut here = Session::start(dscope().into(), None);
    assert_eq!(there.host(), Some(ALIAS));
    for source in [
        "BEGIN { exit(0); }",
        "BEGIN\n{\n\tx = ;\n}\n",
        "nosuch:::probe {}",
    ] {
        let a = there.check(script(source));
        let b = here.check(script(source));
        assert_eq!(
            events_of(&there, a, checked),
            events_of(&here, b, checked),
            "{source}"
        );
    }
    let a = there.list_probes();
    let b = here.list_probes();
    let probes = |s: &Session, job| {
        events_of(s, job, |e| matches!(e, Event::Probes(_)))
            .pop()
            .unwrap()
    };
    let (theirs, ours) = (probes(&there, a), probes(&here, b));
    assert_eq!(theirs, ours);
    if !live_dtrace() {
        return;
    }
    let Event::Probes(Ok(list)) = &theirs else {
        panic!("{theirs:?}")
    };
    assert!(
        list.iter().any(|p| p.name == "BEGIN"),
        "{} probes",
        list.len()
    );
    let source = "BEGIN { printf(\"hello %d\\n\", 42); @n[\"a\"] = count(); exit(3); }";
    let every = Duration::from_millis(200);
    let a = there.run(script(source), None, every).unwrap();
    let b = here.run(script(source), None, every).unwrap();
    let (theirs, ours) = (
        events_of(&there, a, finished),
        events_of(&here, b, finished),
    );
    // BEGIN fires on whichever CPU each worker runs on.
    let cpu_free = |events: Vec<Event>| -> Vec<Event> {
        events
            .into_iter()
            .map(|e| match e {
                Event::Output(line) => Event::Output(without_cpu(line.as_bytes())),
                e => e,
            })
            .collect()
    };
    assert_eq!(cpu_free(theirs.clone()), cpu_free(ours));
    assert_eq!(
        theirs.last(),
        Some(&Event::Finished(Ok(RunEnd::Exited { status: 3 })))
    );
    assert!(!there.is_running());
}

#[test]
fn a_host_without_a_matching_dscope_is_said_and_nothing_waits() {
    let Some(server) = sshd() else { return };
    let mut missing = Session::start_remote(server.endpoint("/nonexistent/dscope"), None);
    let job = missing.check(script("BEGIN {}"));
    let said = events_of(&missing, job, checked);
    let why = only_failure(&said);
    assert!(
        why.starts_with(&format!("dscope is not installed on {ALIAS}")),
        "{why}"
    );
    // A program that is dscope's version but not an agent (an older
    // build): said, not waited on.
    let fake = server.path("old-dscope");
    let version = format!("dscope {}", env!("CARGO_PKG_VERSION"));
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho '{version}'\necho 'no such subcommand' >&2\nexit 2\n"),
    )
    .unwrap();
    run_ok(Command::new("chmod").arg("+x").arg(&fake));
    let mut old = Session::start_remote(server.endpoint(fake.to_str().unwrap()), None);
    let job = old.list_probes();
    let said = events_of(&old, job, |e| matches!(e, Event::Probes(_)));
    let [Event::Probes(Err(why))] = &said[..] else {
        panic!("{said:?}")
    };
    assert!(why.contains("does not serve the agent protocol"), "{why}");
    // Another protocol number.
    let other = server.path("other-dscope");
    std::fs::write(
        &other,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo '{version}'; exit 0; fi\n\
             echo '{{\"dscope\":\"agent\",\"protocol\":99,\"version\":\"9.9.9\"}}'\nread line\n"
        ),
    )
    .unwrap();
    run_ok(Command::new("chmod").arg("+x").arg(&other));
    let mut newer = Session::start_remote(server.endpoint(other.to_str().unwrap()), None);
    let job = newer.check(script("BEGIN {}"));
    let said = events_of(&newer, job, checked);
    let why = only_failure(&said);
    assert!(
        why.starts_with(&format!(
            "dscope 9.9.9 on {ALIAS} speaks agent protocol 99, this dscope"
        )),
        "{why}"
    );
    // Nothing listens: ssh's own words, with the host.
    let mut closed = server.endpoint(dscope());
    closed.host = Host::parse(&format!("{ALIAS}:{CLOSED_PORT}")).unwrap();
    let mut unreachable = Session::start_remote(closed, None);
    let job = unreachable.check(script("BEGIN {}"));
    let said = events_of(&unreachable, job, checked);
    let why = only_failure(&said);
    assert!(
        why.starts_with(&format!("cannot reach {ALIAS}:{CLOSED_PORT} over ssh: "))
            && why.contains("refused"),
        "{why}"
    );
}

/// A host whose login hangs after connecting: the command there never
/// prints a line. Check (the CLI's and the window's) and Probes give up
/// after the wait and name the host and the knob.
#[test]
fn a_login_that_hangs_after_connecting_is_given_up() {
    let Some(server) = sshd() else { return };
    let marker = "dscope-hung-login-marker";
    let hang = server.path("hang-dscope");
    std::fs::write(
        &hang,
        format!("#!/bin/sh\nexec sh -c 'sleep 600; :' {marker}\n"),
    )
    .unwrap();
    run_ok(Command::new("chmod").arg("+x").arg(&hang));

    let started = Instant::now();
    let out = Command::new(dscope())
        .args(["check", "--host", ALIAS, "--remote-dscope"])
        .arg(&hang)
        .args(["-n", "BEGIN {}"])
        .env("DSCOPE_SSH_CONFIG", &server.config)
        .env("DSCOPE_SSH_WAIT", "2")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "{out:?}");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = text(&out.stderr);
    assert!(
        said.starts_with(&format!("dscope: {ALIAS} did not answer within 2 s"))
            && said.contains("DSCOPE_SSH_WAIT"),
        "{said}"
    );

    let mut endpoint = server.endpoint(hang.to_str().unwrap());
    endpoint.answer_wait = Duration::from_secs(2);
    let mut window = Session::start_remote(endpoint.clone(), None);
    let job = window.check(script("BEGIN {}"));
    let why = only_failure(&events_of(&window, job, checked)).to_owned();
    assert!(
        why.starts_with(&format!("{ALIAS} did not answer within 2 s")),
        "{why}"
    );
    let mut browser = Session::start_remote(endpoint, None);
    let job = browser.list_probes();
    let said = events_of(&browser, job, |e| matches!(e, Event::Probes(_)));
    let [Event::Probes(Err(why))] = &said[..] else {
        panic!("{said:?}")
    };
    assert!(why.contains("did not answer within 2 s"), "{why}");
    // A command that never reads or writes outlives its ssh session there
    // (no terminal, so no hangup); that is the host's to clean.
    let _ = Command::new("pkill").args(["-f", marker]).status();
}

/// The processes below `pid`.
fn descendants(pid: u32) -> Vec<String> {
    let all = processes();
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (me, ppid, cmdline) in &all {
            if *ppid == p {
                frontier.push(*me);
                found.push(format!("{me}: {cmdline}"));
            }
        }
    }
    found
}

#[test]
fn a_dropped_connection_stops_the_run_there_and_keeps_what_arrived() {
    let Some(server) = sshd() else { return };
    if !live_dtrace() {
        return;
    }
    let mut there = Session::start_remote(server.endpoint(dscope()), None);
    let tick = "tick-100ms { @n = count(); } tick-1s { printf(\"tick\\n\"); }";
    let job = there
        .run(script(tick), None, Duration::from_millis(200))
        .unwrap();
    let mut arrived = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !arrived.iter().any(|e| matches!(e, Event::Snapshot(_))) {
        assert!(Instant::now() < deadline, "no snapshot: {arrived:?}");
        if let Some(e) = there.recv_timeout(Duration::from_millis(100)) {
            arrived.push(e.event);
        }
    }
    let agent = descendants(server.child.id());
    assert!(
        agent.iter().any(|p| p.contains(" agent"))
            && agent.iter().any(|p| p.contains("__run-worker")),
        "{agent:?}"
    );
    // The link drops: the ssh client here is killed.
    let config = server.config.display().to_string();
    let ssh: Vec<String> = processes_with(&config)
        .into_iter()
        .filter(|p| p.contains("ssh"))
        .collect();
    assert!(!ssh.is_empty());
    for p in &ssh {
        let pid = p.split(':').next().unwrap();
        run_ok(Command::new("kill").args(["-KILL", pid]));
    }
    let rest = events_of(&there, job, finished);
    let Some(Event::Failed(why)) = rest.iter().rev().nth(1) else {
        panic!("{rest:?}")
    };
    assert!(
        why.starts_with(&format!("the connection to {ALIAS} ended")),
        "{why}"
    );
    assert!(matches!(rest.last(), Some(Event::Finished(Err(_)))));
    assert!(!there.is_running());
    // On the host: the agent stopped the run (END, probes detached) and
    // exited, and no run worker is left.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = descendants(server.child.id());
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still running there: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // And the session connects again for the next job.
    let job = there.check(script("BEGIN { exit(0); }"));
    let said = events_of(&there, job, checked);
    assert!(matches!(said[..], [Event::Checked { .. }]), "{said:?}");
}
