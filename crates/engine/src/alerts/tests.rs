//! Rules: how they read, when they fire and clear, and the command they
//! run with the alert on its standard input.

use super::parse::{in_script, with_rules};
use super::*;
use crate::model::fixtures::counts;
use crate::sink::Sink;

fn history(rates: &[i64]) -> History {
    let mut h = History::new(usize::MAX);
    let mut total = 0;
    for (s, r) in rates.iter().enumerate() {
        total += r;
        h.push((s + 1) as f64, &counts(&[("bash", total), ("sshd", 1)]));
    }
    h
}

fn rules(lines: &[&str]) -> Rules {
    let rules = lines.iter().map(|l| Rule::parse(l).unwrap()).collect();
    Rules::new(rules, None, Utc::now(), "here", "t.d")
}

#[test]
fn rules_read_as_written() {
    let r = Rule::parse("busy: @n[bash].rate > 1.5K for 10s").unwrap();
    assert_eq!(r.name, "busy");
    assert_eq!(r.aggregation, "n");
    assert_eq!(r.key.as_deref(), Some("bash"));
    assert_eq!(r.measure, Some(Measure::Rate));
    assert_eq!(r.condition, Condition::Above(1500.0));
    assert_eq!(r.hold, 10.0);
    let r = Rule::parse("odd: @lat[*].p99 outside baseline 2 sd").unwrap();
    assert_eq!((r.key, r.measure), (None, Some(Measure::P99)));
    assert_eq!(r.condition, Condition::OutsideBaseline { sigmas: 2.0 });
    let r = Rule::parse("full: @bytes trend > 1G within 10m").unwrap();
    assert_eq!(
        r.condition,
        Condition::Trend {
            rising: true,
            limit: 1e9,
            within: 600.0
        }
    );
    for bad in [
        "no name @n > 1",
        "x: n > 1",
        "x: @n.median > 1",
        "x: @n >= 1",
        "x: @n > lots",
        "x: @n > 1 for ever",
        "x: @n[a > 1",
    ] {
        assert!(Rule::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_rule_fires_after_its_hold_and_clears_once() {
    // bash counts 10 a second, 500 from second 4 to 8, then 10 again.
    let h = history(&[10, 10, 10, 500, 500, 500, 500, 500, 10, 10]);
    let mut r = rules(&["busy: @n[bash] > 100 for 2s"]);
    let alerts = r.check(&h);
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert_eq!(
        (alerts[0].state, alerts[0].t, alerts[0].since),
        ("firing", 6.0, 4.0)
    );
    assert_eq!(alerts[0].value, 500.0);
    assert_eq!(alerts[0].limit, 100.0);
    assert_eq!(alerts[0].key_label, "bash");
    assert_eq!((alerts[1].state, alerts[1].t), ("cleared", 9.0));
    assert!(
        alerts[0]
            .line()
            .contains("alert busy firing: @n[bash] rate is 500")
    );
    // Nothing twice.
    assert!(r.check(&h).is_empty());
}

#[test]
fn patterns_pick_keys_and_below_works() {
    let h = history(&[10, 10, 10]);
    let mut r = rules(&["quiet: @n[ssh?] < 0.5"]);
    let alerts = r.check(&h);
    // sshd counted 1 at first, then nothing a second.
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0].key_label.as_str(), alerts[0].t), ("sshd", 2.0));
    assert!(glob("b*h", "bash") && glob("*", "") && !glob("b?h", "bash"));
}

#[test]
fn a_rising_trend_fires_before_the_limit() {
    // +10 a second each second: 50 at second 5, heading for 100 at 10.
    let rates: Vec<i64> = (1..=6).map(|s| s * 10).collect();
    let h = history(&rates);
    let mut r = rules(&["soon: @n[bash] trend > 100 within 5s"]);
    let alerts = r.check(&h);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].t, 5.0, "reaches 100 at 10 s: within 5 s from 5 s");
    let mut r = rules(&["late: @n[bash] trend > 1000 within 5s"]);
    assert!(r.check(&h).is_empty());
}

#[test]
fn rules_are_kept_in_the_script_comments() {
    let script = "#!/usr/sbin/dtrace -s\n/* dscope-alert: a: @n > 5 */\n// dscope-alert: b: @n <\nBEGIN { }\n";
    let (rules, problems) = in_script(script);
    assert_eq!(rules.len(), 1);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("line 3:"), "{problems:?}");
    let new = Rule::parse("c: @m[x].value < 2 for 1m").unwrap();
    let written = with_rules(script, &[rules[0].clone(), new]);
    assert_eq!(
        written,
        "#!/usr/sbin/dtrace -s\n/* dscope-alert: a: @n > 5 */\n/* dscope-alert: c: @m[x].value < 2 for 1m */\nBEGIN { }\n"
    );
    assert_eq!(in_script(&written).0.len(), 2);
}

#[test]
fn the_command_gets_the_alert_as_json_on_stdin_and_no_shell() {
    let dir = tempfile::tempdir().unwrap();
    // A shell would end the command at the `;`: the path is one word.
    let out = dir.path().join("got;x.json");
    let action = CommandAction::parse(&format!("tee -a {}", out.display())).unwrap();
    let said = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = Arc::clone(&said);
    let mut sink = WatchSink::new(
        None,
        vec![Rule::parse("busy: @n[bash] > 100").unwrap()],
        ("here", "t.d"),
        Box::new(move |m| s2.lock().unwrap().push(m)),
        vec![Box::new(action)],
    );
    sink.take(0.0, &crate::model::Event::Started { matches: 1 })
        .unwrap();
    sink.take(
        1.0,
        &crate::model::Event::Snapshot(counts(&[("bash", 500)])),
    )
    .unwrap();
    sink.take(
        2.0,
        &crate::model::Event::Snapshot(counts(&[("bash", 510)])),
    )
    .unwrap();
    assert_eq!(said.lock().unwrap().len(), 2, "{:?}", said.lock().unwrap());
    // The command runs beside the trace: wait for its file.
    let mut text = String::new();
    for _ in 0..100 {
        text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.lines().count() >= 2 && text.ends_with('\n') {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Each alert has a program of its own: in either order.
    let docs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = docs.iter().find(|d| d["state"] == "firing").unwrap();
    let cleared = docs.iter().find(|d| d["state"] == "cleared").unwrap();
    assert_eq!(
        (&cleared["rule"], &cleared["t"]),
        (&"busy".into(), &2.0.into())
    );
    assert_eq!(first["rule"], "busy");
    assert_eq!(first["key"][0]["value"], "bash");
    assert_eq!(first["value"], 500.0);
    assert_eq!(first["limit"], 100.0);
    assert_eq!(first["t"], 1.0);
    assert!(CommandAction::parse("  ").is_err());
}
