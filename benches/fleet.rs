//! A fleet of 16 hosts, each a network namespace of its own with its own
//! sshd (tests/sshd), running one script through the window's fleet
//! session: how long until the first merged snapshot that holds every
//! host, and the CPU the session's process spends (receiving 16 hosts'
//! snapshots a second, decoding and merging them) against its children
//! (the 16 ssh clients).
//!
//! Needs root, `ip netns`, OpenSSH and libdtrace (DSCOPE_LIVE=1); says why
//! and stops otherwise. `cargo bench --bench fleet` (DSCOPE_FLEET_HOSTS
//! changes the number of hosts, DSCOPE_FLEET_SECS the seconds measured).

#[path = "../tests/sshd/mod.rs"]
mod sshd;

use dscope::session::{Event, Script, Session};
use std::time::{Duration, Instant};

/// CPU seconds of this process and of its waited-for children so far,
/// from /proc/self/stat (utime, stime, cutime, cstime).
fn cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|w| w.parse().unwrap_or(0.0))
        .collect();
    let tick = 100.0;
    // Fields 14-17 of stat, counted from the state (field 3) here.
    ((f[11] + f[12]) / tick, (f[13] + f[14]) / tick)
}

/// CPU seconds of the ssh clients this process started (children not
/// yet waited for are not in cutime).
fn ssh_cpu() -> f64 {
    let me = std::process::id();
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let comm = &stat[stat.find('(').unwrap_or(0) + 1..close];
        let f: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let parent: u32 = f[1].parse().unwrap_or(0);
        if comm == "ssh" && parent == me {
            total +=
                (f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0)) / 100.0;
        }
    }
    total
}

fn main() {
    if std::env::var("DSCOPE_LIVE").ok().as_deref() != Some("1")
        || dscope::dtrace::Library::load().is_err()
    {
        eprintln!("fleet bench skipped: set DSCOPE_LIVE=1 on a machine with libdtrace");
        return;
    }
    let n: usize = std::env::var("DSCOPE_FLEET_HOSTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let secs: u64 = std::env::var("DSCOPE_FLEET_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let Some(fleet) = sshd::fleet(n) else { return };
    let endpoints = fleet.endpoints();
    let mut session = Session::start_fleet(endpoints, None);
    let script = Script {
        source: "profile-97 { @samples[execname] = count(); } \
                 syscall::read:entry { @reads[execname, pid] = count(); }"
            .into(),
        name: "fleet-bench.d".into(),
        options: vec![("quiet".into(), None)],
        ..Script::default()
    };
    let asked = Instant::now();
    let job = session
        .run(script, None, Duration::from_secs(1))
        .expect("a run starts");
    let mut started = None;
    let mut first_all = None;
    let mut window: Option<(Instant, (f64, f64), f64)> = None;
    let mut merged = 0usize;
    let mut rows = 0usize;
    let mut problems = Vec::new();
    loop {
        let Some(e) = session.recv_timeout(Duration::from_millis(200)) else {
            if window.is_some_and(|(t, ..)| t.elapsed() >= Duration::from_secs(secs)) {
                break;
            }
            if asked.elapsed() > Duration::from_secs(180) {
                panic!("no merged snapshot of all {n} hosts in 180 s: {problems:?}");
            }
            continue;
        };
        if e.job != job {
            continue;
        }
        match e.event {
            Event::Started { .. } if started.is_none() => started = Some(asked.elapsed()),
            Event::Snapshot(s) => {
                let hosts: std::collections::HashSet<String> = s
                    .aggregations
                    .iter()
                    .flat_map(|a| a.rows.iter())
                    .filter_map(|r| match r.key.first() {
                        Some(dscope::model::KeyPart::Str(h)) => Some(h.clone()),
                        _ => None,
                    })
                    .collect();
                if first_all.is_none() && hosts.len() == n {
                    first_all = Some(asked.elapsed());
                    window = Some((Instant::now(), cpu(), ssh_cpu()));
                } else if window.is_some() {
                    merged += 1;
                    rows = s.aggregations.iter().map(|a| a.rows.len()).sum();
                }
            }
            Event::Problem(p) | Event::RuntimeError(p) => problems.push(p),
            Event::Finished(f) => panic!("the run ended early: {f:?} {problems:?}"),
            _ => {}
        }
        if window.is_some_and(|(t, ..)| t.elapsed() >= Duration::from_secs(secs)) {
            break;
        }
    }
    let (t0, (self0, _), ssh0) = window.expect("measured");
    let elapsed = t0.elapsed().as_secs_f64();
    let (self1, _) = cpu();
    let ssh1 = ssh_cpu();
    session.stop();
    let stop = Instant::now();
    while let Some(e) = session.recv_timeout(Duration::from_secs(120)) {
        if e.job == job && matches!(e.event, Event::Finished(_)) {
            break;
        }
    }
    println!("fleet of {n} hosts (network namespaces, an sshd each), profile-97 and syscall::read");
    println!(
        "  first host tracing after   {:.2} s",
        started.unwrap_or_default().as_secs_f64()
    );
    println!(
        "  first merged snapshot of all {n} hosts after {:.2} s",
        first_all.unwrap_or_default().as_secs_f64()
    );
    println!(
        "  over {elapsed:.1} s: {merged} merged snapshots ({:.1}/s) of {rows} rows",
        merged as f64 / elapsed
    );
    println!(
        "  CPU of the session's process {:.1} % of one core; of the {n} ssh clients together {:.1} %",
        100.0 * (self1 - self0) / elapsed,
        100.0 * (ssh1 - ssh0) / elapsed
    );
    println!("  stop to finished: {:.2} s", stop.elapsed().as_secs_f64());
    if !problems.is_empty() {
        println!("  problems: {problems:?}");
    }
}
