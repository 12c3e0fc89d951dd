//! File > Subscribe… against a real RabbitMQ on 127.0.0.1:5672, driven
//! by labels as a person would: the address typed in the dialog, then
//! what two hosts publish (sent here with the same publisher `dscope run
//! --publish` uses) shown merged, the hosts listed with how their runs
//! ended, and Unsubscribe. Skipped, saying why, when no broker answers.

mod common;

use common::*;
use dscope::amqp::{Address, Body, Message, Publisher};
use dscope::model::{AggFunction, Aggregation, Row, Snapshot, Value};
use dscope::ui::DscopeApp;
use dscope::ui::subscription_view::State;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::{Duration, Instant};

fn broker() -> bool {
    let up = std::net::TcpStream::connect(("127.0.0.1", 5672)).is_ok();
    if !up {
        eprintln!("skipped: no AMQP broker on 127.0.0.1:5672 (apt-get install rabbitmq-server)");
    }
    up
}

fn calls(rows: &[(&str, i64)]) -> Snapshot {
    Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "calls".into(),
            function: AggFunction::Count,
            key_sizes: vec![256],
            rows: rows
                .iter()
                .map(|(k, v)| Row {
                    key: key(k),
                    value: Value::Number(*v),
                })
                .collect(),
        }],
    }
}

const ADDRESS: &str = "Address (amqp://[user[:password]@]broker[:port]/[vhost/]exchange):";

/// File > Subscribe…, `address` typed, Subscribe pressed.
fn subscribe(h: &mut Harness<'static, DscopeApp>, address: &str) {
    h.get_by_label("File").click();
    h.run();
    click(h, "Subscribe…");
    replace_text(h, ADDRESS, address);
    click(h, "Subscribe");
}

/// Steps the window until `done` holds of it.
fn until(h: &mut Harness<'static, DscopeApp>, what: &str, done: impl Fn(&DscopeApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "{what} did not happen");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.run();
}

#[test]
fn a_subscription_shows_every_publishing_host_merged() {
    if !broker() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    let url = format!("amqp://127.0.0.1/dscope-ui-{}", std::process::id());
    subscribe(&mut h, &url);
    until(&mut h, "subscribing", |app| {
        app.subscription_view()
            .is_some_and(|s| s.state == State::Subscribed)
    });
    assert!(h.query_by_label_contains("Nothing published yet").is_some());

    let address = Address::parse(&url).unwrap();
    let mut p = Publisher::connect(&address).unwrap();
    let snap = |rows: &[(&str, i64)]| Body::Snapshot {
        snapshot: calls(rows),
    };
    p.publish(&Message::new(
        "web1",
        "calls.d",
        1.0,
        snap(&[("bash", 4), ("sshd", 9)]),
    ))
    .unwrap();
    p.publish(&Message::new("web2", "calls.d", 1.0, snap(&[("bash", 7)])))
        .unwrap();
    until(&mut h, "both hosts arriving", |app| {
        app.subscription_view().is_some_and(|s| {
            s.hosts() == ["web1", "web2"]
                && s.snapshot().get("calls").is_some_and(|a| a.rows.len() == 3)
        })
    });
    let merged = h.state().subscription_view().unwrap().snapshot().clone();
    let rows: Vec<String> = merged.aggregations[0]
        .rows
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                dscope::model::key_label(&r.key),
                r.value.as_number().unwrap()
            )
        })
        .collect();
    assert_eq!(rows, ["web1, bash 4", "web2, bash 7", "web1, sshd 9"]);
    assert!(h.query_by_label_contains("2 hosts heard from").is_some());
    // The pie's legend names each host's key.
    assert!(h.query_by_label_contains("web2, bash").is_some());

    // A later snapshot replaces the host's last; its end is listed.
    p.publish(&Message::new(
        "web1",
        "calls.d",
        2.0,
        snap(&[("bash", 5), ("sshd", 12)]),
    ))
    .unwrap();
    p.publish(&Message::new(
        "web1",
        "calls.d",
        2.5,
        Body::End {
            end: Some(dscope::model::RunEnd::Exited { status: 0 }),
            failed: None,
        },
    ))
    .unwrap();
    until(&mut h, "web1's end", |app| {
        app.subscription_view().is_some_and(|s| {
            s.snapshot()
                .get("calls")
                .is_some_and(|a| a.rows.iter().any(|r| r.value.as_number() == Some(12)))
        })
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while h.query_by_label("ended by exit(0)").is_none() {
        assert!(Instant::now() < deadline, "web1's end is not listed");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        h.query_by_label("publishing").is_some(),
        "web2 still publishes"
    );
    p.close();

    click(&mut h, "Unsubscribe");
    assert!(h.state().subscription_view().is_none());
}

#[test]
fn a_bad_address_is_said_in_the_dialog_and_nothing_subscribes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    subscribe(&mut h, "amqps://ops:pw@mq/x");
    assert!(
        h.query_by_label_contains("not supported by this build")
            .is_some()
    );
    assert!(h.query_by_label_contains("pw@").is_none());
    assert!(h.state().subscription_view().is_none());
    click(&mut h, "Cancel");
}
