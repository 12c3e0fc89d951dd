//! `--host` given several times: one script on several machines at once.
//! Each host is a network namespace of its own with its own sshd (see
//! tests/sshd), reached over its own veth link. Skipped, saying why,
//! without root, `ip netns` or OpenSSH; the runs need DSCOPE_LIVE=1 and
//! libdtrace.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod sshd;
use sshd::*;

fn script(fleet_dir: &std::path::Path, source: &str) -> String {
    let path = fleet_dir.join("fleet.d");
    std::fs::write(&path, source).unwrap();
    path.display().to_string()
}

#[test]
fn check_and_doctor_on_a_fleet_say_each_hosts_answer_with_its_name() {
    let Some(fleet) = fleet(3) else { return };
    let out = fleet.dscope(&["doctor"]).output().unwrap();
    let said = text(&out.stdout) + &text(&out.stderr);
    for name in fleet.names() {
        assert!(
            said.lines().any(|l| l.starts_with(&format!("{name}: "))),
            "no line of {name}: {said}"
        );
    }
    // Every line is one host's.
    for line in said.lines() {
        assert!(
            fleet
                .names()
                .iter()
                .any(|n| line.starts_with(&format!("{n}: "))),
            "{line:?} names no host"
        );
    }
    // The hosts compile with this machine's libdtrace, if it has one.
    if dscope::dtrace::Library::load().is_err() {
        eprintln!("check skipped: no libdtrace here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = script(dir.path(), "BEGIN { x = ; }\n");
    let out = fleet.dscope(&["check", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = text(&out.stderr);
    for name in fleet.names() {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("{name}: ")) && l.contains("fleet.d:1:")),
            "{err}"
        );
    }
}

#[test]
fn a_hosts_file_adds_its_hosts_and_a_bad_one_is_said() {
    let Some(fleet) = fleet(2) else { return };
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("hosts");
    std::fs::write(&list, "# the second\nfleet-2\n\n").unwrap();
    let out = std::process::Command::new(dscope())
        .args(["doctor", "--host", "fleet-1", "--hosts"])
        .arg(&list)
        .args(["--remote-dscope", dscope()])
        .env("DSCOPE_SSH_CONFIG", &fleet.config)
        .output()
        .unwrap();
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(said.lines().any(|l| l.starts_with("fleet-1: ")), "{said}");
    assert!(said.lines().any(|l| l.starts_with("fleet-2: ")), "{said}");
    let out = std::process::Command::new(dscope())
        .args(["doctor", "--hosts", "/nonexistent/hosts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot read the hosts file /nonexistent/hosts"),
        "{out:?}"
    );
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

#[test]
fn a_fleet_run_merges_every_hosts_aggregations_with_the_host_first() {
    let Some(fleet) = fleet(3) else { return };
    if !live_dtrace() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "BEGIN { printf(\"hello from %s\\n\", $$1); @n[\"calls\"] = count(); \
         @n[\"more\"] = count(); @n[\"more\"] = count(); @s = sum(7); exit(0); }\n",
    );
    let out = fleet
        .dscope(&["run", "-q", &s, "--", "a fleet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    for name in fleet.names() {
        assert!(
            stdout.contains(&format!("{name}: hello from a fleet\n")),
            "{stdout}"
        );
    }
    // The merged text, as dtrace prints aggregations, the host first.
    for name in fleet.names() {
        let calls = format!("  {name:<50}  {:<50} {:>16}", "calls", 1);
        let more = format!("  {name:<50}  {:<50} {:>16}", "more", 2);
        let sum = format!("  {name:<50} {:>16}", 7);
        for want in [calls, more, sum] {
            assert!(
                stdout.lines().any(|l| l == want),
                "{want:?} not in\n{stdout}"
            );
        }
    }

    let out = fleet
        .dscope(&["run", "-q", &s, "--format", "json", "--", "a fleet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = json(&out);
    let hosts = doc["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 3);
    let mut summed = std::collections::BTreeMap::<String, i64>::new();
    for (h, name) in hosts.iter().zip(fleet.names()) {
        assert_eq!(h["host"], name);
        assert!(h.get("failed").is_none(), "{h}");
        assert_eq!(h["output"][0], "hello from a fleet");
        assert_eq!(h["finish"]["reason"], "exited", "{h}");
        assert_eq!(h["finish"]["status"], 0, "{h}");
        for agg in h["aggregations"].as_array().unwrap() {
            for row in agg["rows"].as_array().unwrap() {
                let key = format!("{}{}", agg["name"], row["key"]);
                *summed.entry(key).or_default() += row["value"]["value"].as_i64().unwrap();
            }
        }
    }
    // The merge holds each host's rows, the host in front: summed over the
    // hosts it is the sum of the hosts' documents.
    let mut merged = std::collections::BTreeMap::<String, i64>::new();
    for agg in doc["aggregations"].as_array().unwrap() {
        for row in agg["rows"].as_array().unwrap() {
            let key = row["key"].as_array().unwrap();
            let host = key[0]["value"].as_str().unwrap();
            assert!(fleet.names().contains(&host), "{row}");
            let rest = serde_json::Value::Array(key[1..].to_vec());
            *merged.entry(format!("{}{rest}", agg["name"])).or_default() +=
                row["value"]["value"].as_i64().unwrap();
        }
    }
    assert_eq!(merged, summed);
    assert_eq!(merged.values().sum::<i64>(), 3 * (1 + 2 + 7));
}

#[test]
fn a_host_that_cannot_be_reached_is_marked_and_the_others_go_on() {
    let Some(mut fleet) = fleet(3) else { return };
    if !live_dtrace() {
        return;
    }
    fleet.hosts[1].stop_sshd();
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "BEGIN { @n[\"x\"] = count(); exit(0); }\n");
    let out = fleet
        .dscope(&["run", "-q", &s, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let doc = json(&out);
    let hosts = doc["hosts"].as_array().unwrap();
    assert!(hosts[0].get("failed").is_none(), "{}", hosts[0]);
    assert!(hosts[2].get("failed").is_none(), "{}", hosts[2]);
    let failed = hosts[1]["failed"].as_str().unwrap();
    assert!(failed.contains("fleet-2"), "{failed}");
    let err = text(&out.stderr);
    assert!(
        err.contains("dscope: 1 of 3 hosts failed: fleet-2"),
        "{err}"
    );
    let merged_hosts: Vec<&str> = doc["aggregations"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"][0]["value"].as_str().unwrap())
        .collect();
    assert_eq!(merged_hosts, ["fleet-1", "fleet-3"]);
}

#[test]
fn a_host_that_drops_out_mid_run_keeps_what_it_sent_and_its_run_stops() {
    let Some(mut fleet) = fleet(2) else { return };
    if !live_dtrace() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "tick-10ms { @ticks[\"t\"] = count(); } tick-1s { printf(\"tick\\n\"); }\n",
    );
    let mut child = fleet
        .dscope(&["run", "-q", &s, "--duration", "8"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    // fleet-2 has traced for two seconds, and sent its aggregations since.
    let mut seen = Vec::new();
    while seen.iter().filter(|l| *l == "fleet-2: tick").count() < 2 {
        match lines.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("fleet-2 did not trace: {seen:?}"),
        }
    }
    // What runs there for this connection: the agent and its run worker.
    let there = fleet.hosts[1].pids_here("dscope");
    assert!(there.len() >= 2, "{there:?}");
    fleet.hosts[1].drop_connections();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("dscope: fleet-2: the connection to fleet-2 ended"),
        "{err}"
    );
    assert!(
        err.contains("dscope: 1 of 2 hosts failed: fleet-2"),
        "{err}"
    );
    assert!(!err.contains("fleet-1: the connection"), "{err}");
    // fleet-1 went on to its end; what fleet-2 sent before it went is in
    // the merge.
    let of = |host: &str| {
        seen.iter().find_map(
            |l| match l.split_whitespace().collect::<Vec<_>>().as_slice() {
                [h, "t", n] if *h == host => n.parse::<i64>().ok(),
                _ => None,
            },
        )
    };
    assert!(of("fleet-1").is_some_and(|n| n > 500), "{seen:?}");
    assert!(of("fleet-2").is_some_and(|n| n > 50), "{seen:?}");
    assert!(
        seen.iter().filter(|l| *l == "fleet-1: tick").count() >= 6,
        "{seen:?}"
    );
    // Its run on the host stopped: the agent and its worker are gone
    // (which is what disables the probes), though this run went on.
    let alive = || {
        there
            .iter()
            .filter(|p| std::path::Path::new(&format!("/proc/{p}")).exists())
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while alive() > 0 {
        assert!(Instant::now() < deadline, "left running: {there:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A fleet run whose hosts print as fast as they can, its stdout read.
struct Flood {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<u64>,
    reader: std::thread::JoinHandle<u64>,
}

impl Flood {
    fn start(fleet: &Fleet, dir: &std::path::Path) -> Flood {
        let flood: String = (0..20)
            .map(|i| format!("printf(\"%d flood {i}\\n\", timestamp); "))
            .collect();
        let s = script(dir, &format!("profile-4999 {{ {flood}}}\n"));
        let mut child = fleet
            .dscope(&["run", "-q", &s, "--duration", "300"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (count_tx, lines) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut n = 0u64;
            for _ in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok)
            {
                n += 1;
                if n.is_multiple_of(10_000) {
                    let _ = count_tx.send(n);
                }
            }
            n
        });
        let flood = Flood {
            child,
            lines,
            reader,
        };
        // Both hosts flood for a while first.
        let mut seen = 0;
        while seen < 100_000 {
            seen = flood
                .lines
                .recv_timeout(Duration::from_secs(60))
                .expect("the hosts flood");
        }
        flood
    }

    fn interrupt(&self) {
        run_ok(Command::new("kill").args(["-INT", &self.child.id().to_string()]));
    }

    /// Waits for the end, at most `limit`; how long it took and the exit
    /// status.
    fn end(mut self, limit: Duration) -> (Duration, std::process::ExitStatus, String) {
        let since = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if since.elapsed() > limit {
                let _ = self.child.kill();
                panic!("not ended {limit:?} after Ctrl-C while the hosts flooded");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let took = since.elapsed();
        self.reader.join().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut err).unwrap();
        (took, status, err)
    }
}

/// Ctrl-C is taken while the hosts flood output: the fleet loop takes a
/// turn's worth of each host's events, and so does each host's agent,
/// before looking at Stop. Tracing stops at once there; what the hosts
/// had traced by then (their full per-CPU buffers, a few MB each) still
/// arrives, as dtrace(1) prints its buffers after ^C. A second Ctrl-C
/// ends the run now.
#[test]
fn ctrl_c_stops_a_fleet_run_whose_hosts_flood_output() {
    let Some(fleet) = fleet(2) else { return };
    if !live_dtrace() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let once = Flood::start(&fleet, dir.path());
    once.interrupt();
    let (took, status, err) = once.end(Duration::from_secs(90));
    assert_eq!(status.code(), Some(0), "{err}");
    eprintln!("one Ctrl-C: ended {took:?} after it");

    let twice = Flood::start(&fleet, dir.path());
    twice.interrupt();
    std::thread::sleep(Duration::from_millis(500));
    twice.interrupt();
    let (took, status, err) = twice.end(Duration::from_secs(5));
    eprintln!("two Ctrl-C: ended {took:?} after the second");
    assert_ne!(status.code(), Some(0), "{err}");
    assert!(
        fleet
            .hosts
            .iter()
            .all(|h| h.pids_here("dscope").is_empty() || wait_gone(h)),
        "runs left on the hosts"
    );
}

/// Whether the host's dscope processes are gone within 20 s.
fn wait_gone(host: &FleetHost) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if host.pids_here("dscope").is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// The events of `job` up to its last one.
fn events_until(
    session: &dscope::session::Session,
    job: u64,
    last: fn(&dscope::session::Event) -> bool,
) -> Vec<dscope::session::Event> {
    events_from_until(session, job, last)
        .into_iter()
        .map(|(_, e)| e)
        .collect()
}

/// The events of `job` up to the one `last` picks, each with the host
/// that said it (`None`: the fleet as a whole).
fn events_from_until(
    session: &dscope::session::Session,
    job: u64,
    last: fn(&dscope::session::Event) -> bool,
) -> Vec<(Option<String>, dscope::session::Event)> {
    let mut said = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(e) = session.recv_timeout(Duration::from_millis(200))
            && e.job == job
        {
            let end = last(&e.event);
            said.push((e.host, e.event));
            if end {
                return said;
            }
        }
    }
    panic!("no end: {said:?}");
}

#[test]
fn a_window_session_on_a_fleet_answers_as_one_machine_with_the_hosts_merged() {
    use dscope::session::{Event, RunEnd, Script, Session};
    let Some(fleet) = fleet(3) else { return };
    if !live_dtrace() {
        return;
    }
    let mut session = Session::start_fleet(fleet.endpoints(), None);
    assert_eq!(session.host(), Some("fleet-1, fleet-2, fleet-3"));
    let script = |source: &str| Script {
        source: source.into(),
        name: "fleet.d".into(),
        options: vec![("quiet".into(), None)],
        ..Script::default()
    };
    // A check answers once, for all.
    let job = session.check(script("BEGIN { x = ; }"));
    let said = events_until(&session, job, |_| true);
    let Event::Diagnostics(d) = &said[0] else {
        panic!("{said:?}")
    };
    assert_eq!(
        d.len(),
        1,
        "the same error on every host is said once: {d:?}"
    );
    assert!(!d[0].message.contains("(on "), "{d:?}");
    let job = session.check(script("BEGIN { exit(0); }"));
    let said = events_until(&session, job, |_| true);
    assert_eq!(said, [Event::Checked { matches: 3 }]);

    let job = session
        .run(
            script(
                "BEGIN { printf(\"hi\\n\"); @n[\"k\"] = count(); @n[\"k\"] = count(); exit(4); }",
            ),
            None,
            Duration::from_millis(500),
        )
        .unwrap();
    let from = events_from_until(&session, job, |e| matches!(e, Event::Finished(_)));
    // Each host's output comes with its name, as data.
    let mut hellos: Vec<&str> = from
        .iter()
        .filter_map(|(host, e)| match e {
            Event::Output(t) if t == "hi" => host.as_deref(),
            _ => None,
        })
        .collect();
    hellos.sort();
    assert_eq!(hellos, fleet.names());
    // What the fleet says as a whole comes without one.
    assert!(
        from.iter().all(|(host, e)| host.is_none()
            || !matches!(
                e,
                Event::Started { .. } | Event::Snapshot(_) | Event::Finished(_)
            )),
        "{from:?}"
    );
    let said: Vec<Event> = from.into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        said.last(),
        Some(&Event::Finished(Ok(RunEnd::Exited { status: 4 })))
    );
    let starts = said
        .iter()
        .filter(|e| matches!(e, Event::Started { .. }))
        .count();
    assert_eq!(starts, 1, "{said:?}");
    let last = said
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Snapshot(s) => Some(s),
            _ => None,
        })
        .unwrap();
    let text = last.to_dtrace_text();
    for name in fleet.names() {
        let want = format!("  {name:<50}  {:<50} {:>16}", "k", 2);
        assert!(text.lines().any(|l| l == want), "{want:?} not in\n{text}");
    }
    // A process ID names a process on one machine.
    let job = session.list_target_probes(1);
    let said = events_until(&session, job, |_| true);
    assert!(
        matches!(&said[0], Event::Probes(Err(why)) if why.contains("one machine")),
        "{said:?}"
    );
}
