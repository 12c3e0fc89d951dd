//! Baselines and anomalies as `dscope baseline` and `dscope report
//! --baseline` print them: text for people, one JSON document, or CSV.

use super::{Baseline, Learnt, Period, Slot};
use crate::history::anomaly::Anomaly;
use crate::history::report::Format;
use crate::model::csv::push_line;
use crate::model::key_label;
use serde::Serialize;
use std::fmt::Write;

/// Where a slot starts within its period, as people say it: "09:15" of a
/// day, "Tue 09:00" of a week, ":05" of an hour.
pub fn slot_name(b: &Baseline, slot: u32) -> String {
    let start = u64::from(slot) * b.window;
    match b.period {
        Period::None => "all".to_owned(),
        Period::Hourly => format!(":{:02}:{:02}", start / 60, start % 60),
        Period::Daily => format!("{:02}:{:02}", start / 3600, start / 60 % 60),
        Period::Weekly => {
            let day =
                ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(start / 86_400 % 7) as usize];
            format!("{day} {:02}:{:02}", start / 3600 % 24, start / 60 % 60)
        }
    }
}

fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The baseline itself: per key, each slot's mean, standard deviation and
/// how many samples it had.
pub fn baseline(b: &Baseline, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(b).unwrap_or_default() + "\n",
        Format::Csv => {
            let mut out = String::new();
            push_line(
                &mut out,
                [
                    "aggregation",
                    "key",
                    "measure",
                    "slot",
                    "samples",
                    "mean",
                    "sd",
                ]
                .into_iter(),
            );
            for_slots(b, |agg, key, measure, s| {
                let fields = [
                    agg.to_owned(),
                    key.to_owned(),
                    measure.to_owned(),
                    slot_name(b, s.slot),
                    s.n.to_string(),
                    s.mean.to_string(),
                    s.sd().to_string(),
                ];
                push_line(&mut out, fields.iter().map(String::as_str));
            });
            out
        }
        Format::Text => {
            let mut out = header_text(b);
            let mut last = String::new();
            for_slots(b, |agg, key, measure, s| {
                let title = format!("@{agg}[{key}] {measure}");
                if title != last {
                    let _ = writeln!(out, "\n{title}");
                    last = title;
                }
                let _ = writeln!(
                    out,
                    "  {:>10}  {:>12} ± {:<12} ({} samples)",
                    slot_name(b, s.slot),
                    number(s.mean),
                    number(s.sd()),
                    s.n
                );
            });
            out
        }
    }
}

fn header_text(b: &Baseline) -> String {
    let mut out = match b.period {
        Period::None => "baseline: one level for all time".to_owned(),
        p => format!("baseline: {}, slots of {} s (UTC)", p.name(), b.window),
    };
    out.push('\n');
    for Learnt {
        path,
        started,
        points,
    } in &b.sources
    {
        let _ = writeln!(out, "  from {path} (started {started}, {points} points)");
    }
    out
}

fn for_slots(b: &Baseline, mut each: impl FnMut(&str, &str, &str, &Slot)) {
    for agg in &b.aggregations {
        for key in &agg.keys {
            let label = key_label(&key.key);
            for s in &key.slots {
                each(&agg.name, &label, key.measure.name(), s);
            }
        }
    }
}

/// What `report --baseline` says in JSON.
#[derive(Serialize)]
struct Found<'a> {
    baseline: Described<'a>,
    sigmas: f64,
    points: usize,
    aggregations: Vec<FoundIn<'a>>,
}

#[derive(Serialize)]
struct Described<'a> {
    period: Period,
    window: u64,
    sources: &'a [Learnt],
}

#[derive(Serialize)]
struct FoundIn<'a> {
    name: &'a str,
    anomalies: Vec<&'a Anomaly>,
}

/// The anomalies a recording showed against a baseline.
pub fn anomalies(
    b: &Baseline,
    settings: crate::history::anomaly::Settings,
    names: &[&str],
    found: &[Anomaly],
    format: Format,
) -> String {
    match format {
        Format::Json => {
            let doc = Found {
                baseline: Described {
                    period: b.period,
                    window: b.window,
                    sources: &b.sources,
                },
                sigmas: settings.sigmas,
                points: settings.points,
                aggregations: names
                    .iter()
                    .map(|&name| FoundIn {
                        name,
                        anomalies: found.iter().filter(|a| a.aggregation == name).collect(),
                    })
                    .collect(),
            };
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
        Format::Csv => {
            let mut out = String::new();
            push_line(
                &mut out,
                [
                    "aggregation",
                    "key",
                    "measure",
                    "kind",
                    "start",
                    "end",
                    "value",
                    "sigmas",
                    "low",
                    "high",
                ]
                .into_iter(),
            );
            for a in found {
                let band =
                    |f: fn(&super::Band) -> f64| a.band.as_ref().map(f).map(|v| v.to_string());
                let fields = [
                    a.aggregation.clone(),
                    key_label(&a.key),
                    a.measure.name().to_owned(),
                    a.kind.name().to_owned(),
                    a.start.to_string(),
                    a.end.map(|e| e.to_string()).unwrap_or_default(),
                    a.value.to_string(),
                    a.sigmas.to_string(),
                    band(|b| b.low).unwrap_or_default(),
                    band(|b| b.high).unwrap_or_default(),
                ];
                push_line(&mut out, fields.iter().map(String::as_str));
            }
            out
        }
        Format::Text => {
            let mut out = header_text(b);
            let _ = writeln!(
                out,
                "anomalies: {} sd for {} points in a row",
                settings.sigmas, settings.points
            );
            if found.is_empty() {
                out.push_str("\nnone: every key stayed within its band\n");
            }
            for a in found {
                let _ = writeln!(out, "\n{}", a.line());
                if let (Some(end), Some(b)) = (a.end, a.band) {
                    let _ = writeln!(
                        out,
                        "  from {:.1} s to {end:.1} s; furthest {} against {}..{}",
                        a.start,
                        number(a.value),
                        number(b.low),
                        number(b.high)
                    );
                }
            }
            out
        }
    }
}
