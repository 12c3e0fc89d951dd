//! Baselines and anomalies on recordings written through the recording
//! writer: a steady level, a step at a known second, and days whose level
//! follows the time of day.

use super::*;
use crate::history::anomaly::{Change, Detector, Kind, Settings};
use crate::history::recording::{Header, Recorder, parse};
use crate::model::fixtures::counts;
use std::sync::Arc;

/// A recording that started at `started` with a snapshot each second;
/// `rate(second)` is how many the key `k` counted in that second.
pub(crate) fn recording(started: &str, seconds: u32, rate: impl Fn(u32) -> i64) -> Recording {
    let mut header = Header::new("test.d", "tick-1s { @n[\"k\"] = count(); }", 1000);
    header.started = started.to_owned();
    let mut bytes = Vec::new();
    let mut r = Recorder::new(&mut bytes, &header).unwrap();
    let mut total = 0;
    for s in 1..=seconds {
        total += rate(s);
        r.snapshot(f64::from(s), &counts(&[("k", total)])).unwrap();
    }
    drop(r);
    parse(&bytes[..], "test", usize::MAX).unwrap()
}

/// The anomalies that began among `changes`.
fn started(changes: &[Change]) -> Vec<&crate::history::anomaly::Anomaly> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Started(a) => Some(a),
            Change::Ended(_) => None,
        })
        .collect()
}

fn key() -> Vec<KeyPart> {
    vec![KeyPart::Str("k".into())]
}

#[test]
fn a_steady_level_is_learnt_with_its_spread() {
    // 10 and 12 a second in turn: mean 11, sample sd about 1.
    let rec = recording("2026-01-05T00:00:00Z", 60, |s| 10 + 2 * i64::from(s % 2));
    let b = Baseline::learn(&[("a.dsrec", &rec)], Period::None, 0);
    assert_eq!(b.sources[0].points, 60);
    let band = b
        .band(
            "n",
            &key(),
            Measure::Rate,
            started_at("2030-01-01T00:00:00Z"),
            3.0,
        )
        .unwrap();
    assert!((band.mean - 11.0).abs() < 1e-9, "{band:?}");
    assert!((band.sd - 1.008).abs() < 0.01, "{band:?}");
    assert!((band.high - (11.0 + 3.0 * band.sd)).abs() < 1e-9);
    assert!(
        b.band("n", &key(), Measure::Value, Utc::now(), 3.0)
            .is_none()
    );
}

#[test]
fn the_anomaly_starts_at_the_step_and_not_before() {
    let before = recording("2026-01-05T00:00:00Z", 60, |s| 10 + i64::from(s % 3));
    let b = Arc::new(Baseline::learn(&[("a", &before)], Period::None, 0));
    // 11 a second, then 40 from second 20 on, then back at 31.
    let after = recording("2026-01-06T00:00:00Z", 40, |s| match s {
        20..=30 => 40,
        _ => 11,
    });
    let mut d = Detector::new(b, Settings::default(), started_at(&after.header.started));
    let changes = d.check(&after.history);
    let started = started(&changes);
    assert_eq!(started.len(), 1, "{changes:?}");
    assert_eq!(started[0].start, 20.0);
    assert_eq!(started[0].kind, Kind::Above);
    assert_eq!(started[0].started, "2026-01-06T00:00:20+00:00");
    assert!(started[0].sigmas > 3.0);
    assert_eq!(d.anomalies[0].end, Some(31.0));
    assert!(d.open().next().is_none());
    // Checking again finds nothing new.
    assert!(d.check(&after.history).is_empty());
}

#[test]
fn fewer_points_out_than_asked_make_no_anomaly() {
    let before = recording("2026-01-05T00:00:00Z", 30, |s| 10 + i64::from(s % 3));
    let b = Arc::new(Baseline::learn(&[("a", &before)], Period::None, 0));
    let after = recording(
        "2026-01-06T00:00:00Z",
        30,
        |s| if s == 10 { 90 } else { 11 },
    );
    let mut d = Detector::new(b, Settings::default(), Utc::now());
    assert!(d.check(&after.history).is_empty());
}

#[test]
fn a_key_never_seen_is_new_once() {
    let before = recording("2026-01-05T00:00:00Z", 10, |_| 5);
    let b = Arc::new(Baseline::learn(&[("a", &before)], Period::None, 0));
    let mut h = crate::history::History::new(usize::MAX);
    h.push(1.0, &counts(&[("k", 5), ("z", 1)]));
    h.push(2.0, &counts(&[("k", 10), ("z", 2)]));
    let mut d = Detector::new(b, Settings::default(), Utc::now());
    let changes = d.check(&h);
    assert_eq!(changes.len(), 1, "{changes:?}");
    let Change::Started(a) = &changes[0] else {
        panic!("{changes:?}")
    };
    assert_eq!((a.kind, a.start), (Kind::New, 1.0));
    assert_eq!(a.key, [KeyPart::Str("z".into())]);
}

#[test]
fn a_daily_band_follows_the_time_of_day() {
    // Three days, an hour a day sampled twice: 09:00 busy (100 a second),
    // 21:00 quiet (5 a second), written as six recordings of 20 minutes.
    let mut recs = Vec::new();
    for day in 5..8 {
        for (hour, rate) in [(9, 100), (21, 5)] {
            let started = format!("2026-01-{day:02}T{hour:02}:00:00Z");
            recs.push(recording(&started, 1200, move |s| rate + i64::from(s % 2)));
        }
    }
    let named: Vec<(&str, &Recording)> = recs.iter().map(|r| ("r", r)).collect();
    let b = Baseline::learn(&named, Period::Daily, 0);
    assert_eq!(b.window, 900);
    let at = |when: &str| b.band("n", &key(), Measure::Rate, started_at(when), 3.0);
    let morning = at("2026-02-01T09:05:00Z").unwrap();
    let evening = at("2026-02-01T21:10:00Z").unwrap();
    assert!((morning.mean - 100.5).abs() < 0.1, "{morning:?}");
    assert!((evening.mean - 5.5).abs() < 0.1, "{evening:?}");
    // No sample at noon: nothing to judge by.
    assert!(at("2026-02-01T12:00:00Z").is_none());
    // A busy evening is an anomaly; the same rate in the morning is not.
    let busy = recording("2026-02-01T21:00:00Z", 20, |_| 100);
    let mut d = Detector::new(
        Arc::new(b.clone()),
        Settings::default(),
        started_at(&busy.header.started),
    );
    assert!(!d.check(&busy.history).is_empty());
    let morning = recording("2026-02-01T09:00:00Z", 20, |_| 100);
    let mut d = Detector::new(
        Arc::new(b),
        Settings::default(),
        started_at(&morning.header.started),
    );
    assert!(d.check(&morning.history).is_empty());
}

#[test]
fn weekly_slots_start_on_monday_and_hourly_on_the_hour() {
    let b = Baseline::empty(Period::Weekly, 0);
    assert_eq!(b.slot_of(started_at("2026-01-05T00:30:00Z")), 0, "a Monday");
    assert_eq!(b.slot_of(started_at("2026-01-11T23:30:00Z")), 167);
    let b = Baseline::empty(Period::Hourly, 0);
    assert_eq!(b.slot_of(started_at("2026-01-05T07:03:10Z")), 3);
}

#[test]
fn a_baseline_file_reads_back_and_bad_ones_are_refused() {
    let rec = recording("2026-01-05T00:00:00Z", 30, |s| 10 + i64::from(s % 2));
    let b = Baseline::learn(&[("a", &rec)], Period::Daily, 600);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.dsbase");
    b.save(&path).unwrap();
    assert!(is_baseline(&path));
    let back = Baseline::load(&path).unwrap();
    assert_eq!(back.aggregations, b.aggregations);
    let when = started_at("2026-03-01T00:00:10Z");
    assert_eq!(
        back.band("n", &key(), Measure::Rate, when, 3.0),
        b.band("n", &key(), Measure::Rate, when, 3.0)
    );
    std::fs::write(&path, "{\"baseline\": \"something else\"}").unwrap();
    assert!(
        Baseline::load(&path)
            .unwrap_err()
            .contains("not a dscope baseline")
    );
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    assert!(Baseline::load(&path).is_err());
}

#[test]
fn periods_and_windows_are_read_as_people_write_them() {
    assert_eq!(Period::parse("Daily").unwrap(), Period::Daily);
    assert!(Period::parse("monthly").is_err());
    assert_eq!(parse_window("15m").unwrap(), 900);
    assert_eq!(parse_window("90").unwrap(), 90);
    assert_eq!(parse_window("1d").unwrap(), 86_400);
    assert!(parse_window("0m").is_err() && parse_window("5x").is_err());
}

#[test]
fn a_rate_series_reads_as_each_point_does() {
    let mut h = crate::history::History::new(usize::MAX);
    h.push(1.0, &counts(&[("a", 3)]));
    h.push(2.5, &counts(&[("b", 1)]));
    h.push(3.0, &counts(&[("a", 9), ("b", 2)]));
    let n = h.get("n").unwrap();
    let mut series = Vec::new();
    for key in 0..2 {
        n.watched_series(key, Measure::Rate, &mut series);
        let each: Vec<_> = (0..3).map(|p| n.watched(p, key, Measure::Rate)).collect();
        assert_eq!(series, each, "key {key}");
    }
}

/// `@q = quantize()` where each second adds 10 values to the bucket that
/// starts at `low(second)`.
fn latencies(seconds: u32, low: impl Fn(u32) -> i64) -> crate::history::History {
    use crate::model::Bucket;
    let mut h = crate::history::History::new(usize::MAX);
    let mut counts: std::collections::BTreeMap<i64, i64> = Default::default();
    for s in 1..=seconds {
        *counts.entry(low(s)).or_default() += 10;
        let buckets = counts
            .iter()
            .map(|(&min, &count)| Bucket {
                label: min.to_string(),
                min: Some(min),
                max: Some(min * 2 - 1),
                count,
                raw: None,
            })
            .collect();
        h.push(f64::from(s), &crate::model::fixtures::quantized(buckets));
    }
    h
}

#[test]
fn a_distribution_whose_p99_moved_is_an_anomaly() {
    // Steady: 10 values a second between 1 and 2 µs; then from second 10
    // on between 1 and 2 ms. The rate stays 10 a second: only p99 moves.
    let steady = latencies(30, |_| 1024);
    let mut b = Baseline::empty(Period::None, 0);
    let start = started_at("2026-01-05T00:00:00Z");
    for h in steady.aggregations() {
        b.learn_one(h, start);
    }
    let b = Arc::new(b);
    let slow = latencies(20, |s| if s >= 10 { 1 << 20 } else { 1024 });
    let mut d = Detector::new(b, Settings::default(), start);
    let changes = d.check(&slow);
    let started = started(&changes);
    assert_eq!(started.len(), 1, "{changes:?}");
    assert_eq!(started[0].measure, Measure::P99);
    assert_eq!((started[0].kind, started[0].start), (Kind::Above, 10.0));
}
