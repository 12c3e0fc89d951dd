//! `run --publish` and subscriptions against a real RabbitMQ on
//! 127.0.0.1:5672 (its default guest account, which RabbitMQ allows from
//! loopback only); `.ci/run` starts one. Skipped, saying why, when no
//! broker answers there; the runs need DSCOPE_LIVE=1 and libdtrace.

use dscope::amqp::{
    Address, Body, Message, Publisher, Received, State, Subscription, Watch, Watched,
};
use dscope::model::{AggFunction, Aggregation, KeyPart, Row, Snapshot, Value};
use std::process::Command;
use std::time::{Duration, Instant};

mod sshd;
use sshd::*;

fn broker() -> bool {
    let up = std::net::TcpStream::connect(("127.0.0.1", 5672)).is_ok();
    if !up {
        eprintln!("skipped: no AMQP broker on 127.0.0.1:5672 (apt-get install rabbitmq-server)");
    }
    up
}

/// An exchange no other test uses.
fn exchange(what: &str) -> String {
    format!("dscope-test-{what}-{}", std::process::id())
}

fn subscribe(url: &str) -> Subscription {
    let s = Subscription::start(Address::parse(url).unwrap(), None);
    match s.recv_timeout(Duration::from_secs(20)) {
        Some(Received::Subscribed) => s,
        other => panic!("not subscribed to {url}: {other:?}"),
    }
}

/// What arrives until every one of `hosts` has sent its end.
fn until_ended(s: &Subscription, hosts: &[&str]) -> Vec<dscope::amqp::Message> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ended = |h: &&str| {
            got.iter()
                .any(|m: &dscope::amqp::Message| m.host == *h && matches!(m.body, Body::End { .. }))
        };
        if hosts.iter().all(ended) {
            return got;
        }
        assert!(Instant::now() < deadline, "no end from {hosts:?}: {got:?}");
        match s.recv_timeout(Duration::from_millis(500)) {
            Some(Received::Message(m)) => got.push(m),
            Some(other) => panic!("{other:?}"),
            None => {}
        }
    }
}

fn counts(got: &[dscope::amqp::Message], host: &str) -> Vec<i64> {
    got.iter()
        .filter(|m| m.host == host)
        .filter_map(|m| match &m.body {
            Body::Snapshot { snapshot } => snapshot
                .get("n")
                .and_then(|a| a.rows.first())
                .and_then(|r| r.value.as_number()),
            _ => None,
        })
        .collect()
}

const TICKS: &str = "tick-100ms { @n[\"t\"] = count(); } tick-1s /++s == 3/ { exit(0); }";

#[test]
fn a_run_publishes_every_snapshot_and_its_end() {
    if !broker() || !live_dtrace() {
        return;
    }
    let url = format!("amqp://127.0.0.1/{}", exchange("run"));
    let sub = subscribe(&url);
    let out = Command::new(dscope())
        .args(["run", "-q", "-n", TICKS, "--publish", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // The run still prints what it prints without --publish.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("  t "),
        "{out:?}"
    );
    let host = dscope::amqp::this_host();
    let got = until_ended(&sub, &[&host]);
    let n = counts(&got, &host);
    assert!(n.len() >= 2, "a snapshot a second: {got:?}");
    assert!(n.windows(2).all(|w| w[0] <= w[1]), "{n:?}");
    assert!(*n.last().unwrap() >= 25, "{n:?}");
    let last = got.last().unwrap();
    assert_eq!(last.script, "-n");
    assert!(
        matches!(
            &last.body,
            Body::End {
                end: Some(dscope::model::RunEnd::Exited { status: 0 }),
                failed: None
            }
        ),
        "{last:?}"
    );
    let times: Vec<f64> = got.iter().map(|m| m.t).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn a_broker_that_cannot_be_reached_or_a_bad_address_is_said_before_tracing() {
    let out = Command::new(dscope())
        .args(["run", "-n", "BEGIN { exit(0); }"])
        .args(["--publish", "amqp://127.0.0.1:1/x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to amqp://127.0.0.1:1/x"),
        "{err}"
    );
    let out = Command::new(dscope())
        .args(["run", "-n", "BEGIN { exit(0); }"])
        .args(["--publish", "amqps://u:secret@mq/x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TLS"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn a_subscription_to_a_broker_that_is_not_there_ends_saying_so() {
    let s = Subscription::start(Address::parse("amqp://127.0.0.1:1/x").unwrap(), None);
    match s.recv_timeout(Duration::from_secs(20)) {
        Some(Received::Ended(why)) => assert!(why.contains("cannot connect"), "{why}"),
        other => panic!("{other:?}"),
    }
}

fn calls(function: AggFunction, rows: &[(&str, i64)]) -> Snapshot {
    Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "calls".into(),
            function,
            key_sizes: vec![256],
            rows: rows
                .iter()
                .map(|(k, v)| Row {
                    key: vec![KeyPart::Str((*k).into())],
                    value: Value::Number(*v),
                })
                .collect(),
        }],
    }
}

/// What `w` has once `done` holds of the feeds and the last merge; the
/// problems of every take on the way are added to `problems`.
fn watched_until(
    w: &Watch,
    what: &str,
    problems: &mut Vec<String>,
    done: impl Fn(&Watched, &Snapshot) -> bool,
) -> (Watched, Snapshot) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut merged = Snapshot::default();
    loop {
        let got = w.take();
        problems.extend(got.problems.iter().cloned());
        if let Some(m) = &got.merged {
            merged = m.clone();
        }
        if done(&got, &merged) {
            return (got, merged);
        }
        assert!(Instant::now() < deadline, "{what}: {got:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_watch_merges_every_feed_on_its_own_thread() {
    if !broker() {
        return;
    }
    let url = format!("amqp://127.0.0.1/{}", exchange("watch"));
    let address = Address::parse(&url).unwrap();
    let w = Watch::start(address.clone(), Duration::from_millis(50), None);
    let mut problems = Vec::new();
    watched_until(&w, "subscribing", &mut problems, |g, _| {
        g.state == State::Subscribed
    });
    let mut p = Publisher::connect(&address).unwrap();
    let publish = |p: &mut Publisher, host: &str, script: &str, snap: Snapshot| {
        let m = Message::new(host, script, 1.0, Body::Snapshot { snapshot: snap });
        p.publish(&m).unwrap();
    };
    publish(
        &mut p,
        "web1",
        "a.d",
        calls(AggFunction::Count, &[("bash", 4)]),
    );
    publish(
        &mut p,
        "web1",
        "b.d",
        calls(AggFunction::Count, &[("cron", 2)]),
    );
    publish(&mut p, "db", "a.d", calls(AggFunction::Sum, &[("psql", 9)]));
    let (got, merged) = watched_until(&w, "three feeds merged", &mut problems, |g, m| {
        g.feeds.len() == 3 && m.get("calls").is_some_and(|a| a.rows.len() == 2)
    });
    let feeds: Vec<(&str, &str)> = got
        .feeds
        .iter()
        .map(|f| (f.host.as_str(), f.script.as_str()))
        .collect();
    assert_eq!(feeds, [("web1", "a.d"), ("web1", "b.d"), ("db", "a.d")]);
    // One host's two scripts are named with the script; the host whose
    // @calls is a sum is left out of the merge of counts, and said once.
    let keys: Vec<String> = merged.aggregations[0]
        .rows
        .iter()
        .map(|r| dscope::model::key_label(&r.key))
        .collect();
    assert_eq!(keys, ["web1 (b.d), cron", "web1 (a.d), bash"]);
    publish(
        &mut p,
        "web1",
        "a.d",
        calls(AggFunction::Count, &[("bash", 5)]),
    );
    watched_until(&w, "the next merge", &mut problems, |_, m| {
        m.get("calls")
            .is_some_and(|a| a.rows.iter().any(|r| r.value.as_number() == Some(5)))
    });
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("db: @calls is sum"), "{problems:?}");
    p.close();
}

/// Anyone may publish to an exchange: a flood of new hosts, one huge
/// message and hosts that fall silent are bounded, said, and the window
/// goes on with the rest.
#[test]
fn a_hostile_exchange_is_bounded_and_said() {
    if !broker() {
        return;
    }
    let url = format!("amqp://127.0.0.1/{}", exchange("hostile"));
    let address = Address::parse(&url).unwrap();
    let limits = dscope::amqp::Limits {
        max_feeds: 8,
        forget_after: Duration::from_secs(3),
        max_message: 4096,
    };
    let w = Watch::with_limits(address.clone(), Duration::from_millis(50), limits, None);
    let mut problems = Vec::new();
    watched_until(&w, "subscribing", &mut problems, |g, _| {
        g.state == State::Subscribed
    });
    let mut p = Publisher::connect(&address).unwrap();
    for i in 0..50 {
        let m = Message::new(
            &format!("flood-{i}"),
            "x.d",
            1.0,
            Body::Snapshot {
                snapshot: calls(AggFunction::Count, &[("k", i)]),
            },
        );
        p.publish(&m).unwrap();
    }
    let rows: Vec<(String, i64)> = (0..200).map(|i| (format!("key-{i}"), i)).collect();
    let rows: Vec<(&str, i64)> = rows.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let huge = Message::new(
        "huge",
        "x.d",
        1.0,
        Body::Snapshot {
            snapshot: calls(AggFunction::Count, &rows),
        },
    );
    p.publish(&huge).unwrap();
    let (got, merged) = watched_until(&w, "the flood taken", &mut problems, |g, m| {
        g.feeds.len() == 8 && m.get("calls").is_some_and(|a| a.rows.len() == 8)
    });
    let hosts: Vec<&str> = got.feeds.iter().map(|f| f.host.as_str()).collect();
    assert_eq!(
        hosts,
        (0..8).map(|i| format!("flood-{i}")).collect::<Vec<_>>()
    );
    assert_eq!(merged.get("calls").unwrap().rows.len(), 8);
    // Said once each, however many came.
    let deadline = Instant::now() + Duration::from_secs(20);
    while problems_said(&problems) < 2 {
        assert!(Instant::now() < deadline, "{problems:?}");
        problems.extend(w.take().problems);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(problems_said(&problems), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("flood-8 (x.d) and other new hosts are left out")
            && problems[0].contains("at most 8"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("a message of ")
            && problems[1].ends_with(" was left unread: dscope reads messages up to 4.0 KiB"),
        "{problems:?}"
    );
    // The flood goes silent: forgotten, and a new host has room.
    let (got, merged) = watched_until(&w, "the silent forgotten", &mut problems, |g, m| {
        g.feeds.is_empty() && m.aggregations.is_empty()
    });
    assert!(got.feeds.is_empty());
    assert!(merged.aggregations.is_empty());
    assert!(
        problems
            .iter()
            .any(|p| p == "flood-3: nothing for 3 s, so it is left out of the merge and the hosts"),
        "{problems:?}"
    );
    p.publish(&Message::new(
        "late",
        "x.d",
        2.0,
        Body::Snapshot {
            snapshot: calls(AggFunction::Count, &[("k", 1)]),
        },
    ))
    .unwrap();
    watched_until(&w, "a new host after the flood", &mut problems, |g, _| {
        g.feeds.len() == 1 && g.feeds[0].host == "late"
    });
    p.close();
}

fn problems_said(problems: &[String]) -> usize {
    problems
        .iter()
        .filter(|p| p.contains("left out: dscope follows") || p.contains("left unread"))
        .count()
}

/// The broker keeps what a slow window has not read, in a queue of
/// bounded length, and sends only a few messages ahead.
#[test]
fn the_broker_holds_the_backlog_within_bounds() {
    if !broker() {
        return;
    }
    let Ok(out) = Command::new("rabbitmqctl")
        .args(["-q", "list_queues", "name", "arguments", "exclusive"])
        .output()
    else {
        eprintln!("skipped: rabbitmqctl is not here to ask the broker");
        return;
    };
    let before = String::from_utf8_lossy(&out.stdout).into_owned();
    let url = format!("amqp://127.0.0.1/{}", exchange("backlog"));
    let sub = subscribe(&url);
    let queues = Command::new("rabbitmqctl")
        .args(["-q", "list_queues", "name", "arguments"])
        .output()
        .unwrap();
    let queues = String::from_utf8_lossy(&queues.stdout).into_owned();
    let ours: Vec<&str> = queues
        .lines()
        .filter(|l| l.starts_with("amq.gen-") && !before.contains(l.split('\t').next().unwrap()))
        .collect();
    assert_eq!(ours.len(), 1, "{queues}");
    assert!(
        ours[0].contains("x-max-length") && ours[0].contains("1024"),
        "{queues}"
    );
    assert!(ours[0].contains("x-max-length-bytes"), "{queues}");
    let channels = Command::new("rabbitmqctl")
        .args([
            "-q",
            "list_consumers",
            "queue_name",
            "ack_required",
            "prefetch_count",
        ])
        .output()
        .unwrap();
    let channels = String::from_utf8_lossy(&channels.stdout).into_owned();
    let name = ours[0].split('\t').next().unwrap();
    let consumer = channels
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("{name} in {channels}"));
    assert_eq!(
        consumer.split('\t').skip(1).collect::<Vec<_>>(),
        ["true", "16"],
        "{consumer}"
    );
    drop(sub);
}

#[test]
fn a_watch_on_a_broker_that_is_not_there_ends_saying_so() {
    let w = Watch::start(
        Address::parse("amqp://127.0.0.1:1/x").unwrap(),
        Duration::from_millis(50),
        None,
    );
    let (got, _) = watched_until(&w, "the end", &mut Vec::new(), |g, _| {
        matches!(g.state, State::Ended(_))
    });
    let State::Ended(why) = got.state else {
        unreachable!()
    };
    assert!(why.contains("cannot connect"), "{why}");
}

#[test]
fn a_run_on_a_host_publishes_from_there() {
    let Some(server) = sshd() else { return };
    if !broker() || !live_dtrace() {
        return;
    }
    // With a password, from the environment (never on the command
    // line), which reaches the host on standard input.
    let url = format!("amqp://guest@127.0.0.1/{}", exchange("host"));
    let sub = subscribe(&format!(
        "amqp://guest:guest@127.0.0.1/{}",
        exchange("host")
    ));
    let out = server
        .remote(&["run", "-q", "-n", TICKS, "--publish", &url])
        .env(dscope::amqp::PASSWORD_VARIABLE, "guest")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // The host is this machine under another name: it says its own.
    let host = dscope::amqp::this_host();
    let got = until_ended(&sub, &[&host]);
    assert!(counts(&got, &host).len() >= 2, "{got:?}");
}

#[test]
fn a_fleet_run_publishes_each_hosts_snapshots_under_its_name() {
    if !broker() || !live_dtrace() {
        return;
    }
    let Some(fleet) = fleet(2) else { return };
    let url = format!("amqp://127.0.0.1/{}", exchange("fleet"));
    let sub = subscribe(&url);
    let out = fleet
        .dscope(&["run", "-q", "-n", TICKS, "--publish", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let got = until_ended(&sub, &fleet.names());
    for name in fleet.names() {
        let n = counts(&got, name);
        assert!(n.len() >= 2 && *n.last().unwrap() >= 25, "{name}: {n:?}");
    }
}

#[test]
fn an_alert_goes_to_the_exchange_as_it_fires() {
    if !broker() || !live_dtrace() {
        return;
    }
    let url = format!("amqp://127.0.0.1/{}", exchange("alert"));
    let sub = subscribe(&url);
    let out = Command::new(dscope())
        .args([
            "run",
            "-q",
            "-n",
            TICKS,
            "--alert",
            "busy: @n[t] > 5",
            "--alert-publish",
            &url,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("dscope: alert busy firing: @n[t] rate"),
        "{err}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let alert = loop {
        assert!(Instant::now() < deadline, "no alert on {url}");
        if let Some(Received::Message(m)) = sub.recv_timeout(Duration::from_millis(500))
            && let Body::Alert { line, alert } = m.body
        {
            assert_eq!(m.host, dscope::amqp::this_host());
            assert!(line.starts_with("alert busy firing"), "{line}");
            break alert;
        }
    };
    assert_eq!(alert["rule"], "busy");
    assert_eq!(alert["state"], "firing");
    assert_eq!(alert["key"][0]["value"], "t");
    assert_eq!(alert["limit"], 5.0);
    assert!(alert["value"].as_f64().unwrap() > 5.0, "{alert}");
}
