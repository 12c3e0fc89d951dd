use super::*;

/// A fleet's host comes with its events as data; the panel puts its
/// name in front of what it shows and keeps, and leaves the fleet's
/// own events as they are.
#[test]
fn a_hosts_events_are_shown_with_its_name() {
    let mut p = ScriptRun::default();
    p.started(1, "t.d", "BEGIN { trace(1); }\n");
    p.apply_from(Some("web1"), Event::Output("hi".into()));
    p.apply_from(None, Event::Output("from the fleet".into()));
    p.apply_from(
        Some("web2"),
        Event::RuntimeError("dtrace: invalid address (0x0)".into()),
    );
    p.apply_from(
        Some("web2"),
        Event::Drop {
            count: 3,
            message: "3 drops on CPU 0".into(),
        },
    );
    p.apply_from(Some("db1"), Event::Problem("failed: cannot connect".into()));
    let lines: Vec<&str> = p.console.lines().collect();
    assert!(lines.contains(&"web1: hi"), "{lines:?}");
    assert!(lines.contains(&"from the fleet"), "{lines:?}");
    assert_eq!(p.troubles.errors[0].0, "web2: invalid address (0x…)");
    assert_eq!(
        p.troubles.drops[0],
        ("web2: 3 drops on CPU 0".to_string(), 3)
    );
    assert_eq!(p.notice.as_deref(), Some("db1: failed: cannot connect"));
}

#[test]
fn runtime_errors_are_grouped_and_counted() {
    let mut p = ScriptRun::default();
    p.started(1, "t.d", "syscall::read:entry\n{ trace(*(int *)0); }\n");
    for pc in [10, 20, 30] {
        p.apply(Event::RuntimeError(format!(
            "error in dt_clause_0 for probe ID 5 (syscall::read:entry): invalid address (0x0) at BPF pc {pc}"
        )));
    }
    p.apply(Event::Drop {
        count: 7,
        message: "7 dynamic variable drops".into(),
    });
    // illumos and FreeBSD: the address and the DIF offset vary.
    for (addr, offset) in [("0x14", 28), ("0x1c", 28), ("0x7ffffffde000", 44)] {
        p.apply(Event::RuntimeError(format!(
            "error on enabled probe ID 3 (ID 69870: profile:::profile-997): \
             invalid address ({addr}) in action #3 at DIF offset {offset}"
        )));
    }
    assert_eq!(p.troubles.errors.len(), 2, "{:?}", p.troubles.errors);
    assert_eq!(
        p.troubles.errors[1],
        (
            "error on enabled probe ID 3 (ID 69870: profile:::profile-997): \
             invalid address (0x…) in action #3"
                .to_string(),
            3
        )
    );
    // Endless kinds stay a bounded list, every one counted.
    for i in 0..200 {
        p.apply(Event::RuntimeError(format!("kind {i}: division by zero")));
    }
    assert_eq!(p.troubles.errors.len(), Troubles::KINDS + 1);
    let counted: u64 = p.troubles.errors.iter().map(|(_, n)| n).sum();
    assert_eq!(counted, 3 + 3 + 200);
    assert_eq!(p.troubles.errors[0].1, 3);
    assert_eq!(p.clause_line(&p.troubles.errors[0].0), Some(1));
    assert_eq!(p.troubles.drops[0].1, 7);
    assert!(drop_hint(&p.troubles.drops[0].0).contains("dynvarsize"));
}

/// While probes detach the bar says how many, and the console how long
/// it took; slow snapshots say how often the views now update.
#[test]
fn stopping_and_slow_snapshots_are_said() {
    let mut p = ScriptRun::default();
    p.started(4, "t.d", "syscall:::entry { @[probefunc] = count(); }");
    p.apply(Event::Enabling { matches: 360 });
    p.apply(Event::Started { matches: 360 });
    assert_eq!(p.pace(), None);
    p.apply(Event::Pace { every_ms: 4000 });
    assert_eq!(p.pace(), Some(Duration::from_secs(4)));
    p.apply(Event::Pace { every_ms: 1000 });
    assert_eq!(p.pace(), None, "back to every second");
    p.apply(Event::Stopping);
    assert_eq!(p.status(), "stopping: detaching 360 probes…");
    p.apply(Event::Finished(Ok(RunEnd::TimeUp)));
    let lines: Vec<&str> = p.console.entries().map(|(_, l)| l).collect();
    let took = lines
        .iter()
        .find(|l| l.starts_with("dscope: ending the run and detaching 360 probes took "))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(took.ends_with(" s"), "{took}");
    assert_eq!(p.status(), "finished: time is up");
}

#[test]
fn states_follow_the_run() {
    let mut p = ScriptRun {
        duration_secs: 0.0,
        ..ScriptRun::default()
    };
    p.started(4, "t.d", "BEGIN { exit(0); }");
    assert_eq!(p.state().label(), "compiling");
    p.apply(Event::Started { matches: 2 });
    assert!(matches!(
        p.state(),
        RunState::Running { duration: None, .. }
    ));
    p.stopping();
    assert_eq!(p.state().label(), "stopping");
    p.apply(Event::Finished(Ok(RunEnd::Stopped)));
    assert_eq!(p.state().label(), "finished: stopped");
    assert!(!p.state().is_active());
}

#[test]
fn the_final_snapshot_counts_up_to_the_stop() {
    let snap = |n: i64| Snapshot {
        aggregations: vec![dscope_engine::model::Aggregation {
            id: 1,
            name: "n".into(),
            function: dscope_engine::model::AggFunction::Count,
            key_sizes: vec![],
            rows: vec![dscope_engine::model::Row {
                key: vec![],
                value: dscope_engine::model::Value::Number(n),
            }],
        }],
    };
    let mut p = ScriptRun::default();
    p.started(1, "t.d", "");
    p.apply(Event::Started { matches: 1 });
    for n in 1..=2 {
        std::thread::sleep(Duration::from_millis(40));
        p.apply(Event::Snapshot(snap(n)));
    }
    p.apply(Event::Stopping);
    // The final snapshot comes a while after the stop (END runs,
    // the probes detach): it still closes the interval at the stop.
    std::thread::sleep(Duration::from_millis(60));
    p.apply(Event::Snapshot(snap(2)));
    let h = p.history().get("n").unwrap();
    assert_eq!(h.len(), 2, "{:?}", h.times().collect::<Vec<_>>());
}
