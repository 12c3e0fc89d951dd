//! `dscope report`: a recording's history as JSON, CSV or text.
//!
//! For each aggregation, every point in time with each key's value (as
//! `dscope run --format json` writes values), its change over the
//! interval and that change per second.

use super::recording::{Header, Recording};
use super::{AggHistory, Sample};
use crate::model::csv::{key_field, push_line};
use crate::model::latency::{self, Percentiles};
use crate::model::{AggFunction, Bucket, KeyPart, RunEnd, Value, key_label};
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON document (schema in docs/recording-format.md).
    #[default]
    Json,
    /// One line per key (and bucket) per point in time.
    Csv,
    /// Tables for people.
    Text,
}

impl Format {
    /// Each format with its name and what it is, for `--format`.
    pub const ALL: &[(Format, &str, &str)] = &[
        (
            Format::Json,
            "json",
            "One JSON document (schema in docs/recording-format.md)",
        ),
        (
            Format::Csv,
            "csv",
            "One line per key (and bucket) per point in time",
        ),
        (Format::Text, "text", "Tables for people"),
    ];
}

#[derive(Serialize)]
struct Report<'a> {
    recording: &'a Header,
    /// Seconds from the start to the last line.
    duration: f64,
    end: Option<Ended>,
    output: Vec<Timed<'a>>,
    errors: Vec<Timed<'a>>,
    drops: Vec<TimedDrop<'a>>,
    /// What was wrong with the file; empty for a whole recording.
    problems: &'a [String],
    aggregations: Vec<AggSeries<'a>>,
}

#[derive(Serialize)]
struct Ended {
    t: f64,
    #[serde(flatten)]
    end: RunEnd,
}

#[derive(Serialize)]
struct Timed<'a> {
    t: f64,
    text: &'a str,
}

#[derive(Serialize)]
struct TimedDrop<'a> {
    t: f64,
    count: u64,
    message: &'a str,
}

#[derive(Serialize)]
struct AggSeries<'a> {
    name: &'a str,
    function: AggFunction,
    series: Vec<PointRows<'a>>,
}

#[derive(Serialize)]
struct PointRows<'a> {
    t: f64,
    rows: Vec<SampleRow<'a>>,
}

#[derive(Serialize)]
struct SampleRow<'a> {
    key: &'a [KeyPart],
    value: Value,
    delta: Option<Value>,
    rate: Option<f64>,
    /// For a distribution: the estimated mean, from the buckets' middles.
    #[serde(skip_serializing_if = "Option::is_none")]
    mean: Option<f64>,
    /// For a distribution: the bucket range (`[low, high]`) of p50, p90,
    /// p99 and the largest value.
    #[serde(skip_serializing_if = "Option::is_none")]
    percentiles: Option<Percentiles>,
}

fn series(agg: &AggHistory) -> Vec<PointRows<'_>> {
    (0..agg.len())
        .map(|p| PointRows {
            t: agg.time(p),
            rows: agg
                .samples(p)
                .into_iter()
                .map(|(key, s)| {
                    let summary = latency::summary(s.value.buckets());
                    SampleRow {
                        key,
                        mean: summary.and_then(|s| s.mean),
                        percentiles: summary.map(|s| s.percentiles()),
                        value: s.value,
                        delta: s.delta,
                        rate: s.rate,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The report of a recording in `format`.
pub fn render(rec: &Recording, format: Format) -> String {
    match format {
        Format::Json => json(rec),
        Format::Csv => csv(rec),
        Format::Text => text(rec),
    }
}

fn timed(v: &[(f64, String)]) -> Vec<Timed<'_>> {
    v.iter().map(|(t, text)| Timed { t: *t, text }).collect()
}

fn json(rec: &Recording) -> String {
    let report = Report {
        recording: &rec.header,
        duration: rec.duration,
        end: rec.end.map(|(t, end)| Ended { t, end }),
        output: timed(&rec.output),
        errors: timed(&rec.errors),
        drops: rec
            .drops
            .iter()
            .map(|(t, count, message)| TimedDrop {
                t: *t,
                count: *count,
                message,
            })
            .collect(),
        problems: &rec.problems,
        aggregations: rec
            .history
            .aggregations()
            .iter()
            .map(|a| AggSeries {
                name: &a.name,
                function: a.function,
                series: series(a),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

fn key_text(key: &[KeyPart]) -> String {
    key.iter().map(key_field).collect::<Vec<_>>().join(", ")
}

fn number_text(v: &Option<Value>) -> String {
    v.as_ref()
        .and_then(Value::as_number)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

fn rate_text(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.3}")).unwrap_or_default()
}

fn csv(rec: &Recording) -> String {
    let mut out = String::new();
    push_line(
        &mut out,
        [
            "aggregation",
            "function",
            "t",
            "key",
            "bucket",
            "min",
            "max",
            "value",
            "delta",
            "rate",
        ]
        .into_iter(),
    );
    for agg in rec.history.aggregations() {
        let name = format!("@{}", agg.name);
        for p in 0..agg.len() {
            let t = agg.time(p).to_string();
            for (key, s) in agg.samples(p) {
                let key = key_text(key);
                let head = [name.as_str(), agg.function.name(), t.as_str(), key.as_str()];
                match (&s.value, &s.delta) {
                    (Value::Buckets(value), Some(Value::Buckets(delta))) => {
                        // Every bucket holding a count or a change: one
                        // emptied since the point before (after trunc())
                        // is past the trimmed counts but has a change.
                        let range = |b: &Bucket| (b.min, b.max);
                        let mut buckets: Vec<(Bucket, i64)> = value
                            .iter()
                            .map(|b| {
                                let d = delta.iter().find(|d| range(d) == range(b));
                                (b.clone(), d.map_or(0, |d| d.count))
                            })
                            .collect();
                        for d in delta {
                            if d.count != 0 && !value.iter().any(|b| range(b) == range(d)) {
                                let b = Bucket {
                                    count: 0,
                                    ..d.clone()
                                };
                                buckets.push((b, d.count));
                            }
                        }
                        buckets.sort_by_key(|(b, _)| b.order());
                        for (b, d) in &buckets {
                            let fields = [
                                b.label.clone(),
                                b.min.map(|v| v.to_string()).unwrap_or_default(),
                                b.max.map(|v| v.to_string()).unwrap_or_default(),
                                b.count.to_string(),
                                d.to_string(),
                                String::new(),
                            ];
                            push_line(
                                &mut out,
                                head.into_iter().chain(fields.iter().map(String::as_str)),
                            );
                        }
                        for fields in latency::csv_rows(value) {
                            let fields = fields.into_iter().chain([String::new(), String::new()]);
                            let fields: Vec<String> = fields.collect();
                            push_line(
                                &mut out,
                                head.into_iter().chain(fields.iter().map(String::as_str)),
                            );
                        }
                    }
                    _ => {
                        let fields = [
                            String::new(),
                            String::new(),
                            String::new(),
                            number_text(&Some(s.value.clone())),
                            number_text(&s.delta),
                            rate_text(s.rate),
                        ];
                        push_line(
                            &mut out,
                            head.into_iter().chain(fields.iter().map(String::as_str)),
                        );
                    }
                }
            }
        }
    }
    out
}

fn text(rec: &Recording) -> String {
    let h = &rec.header;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}, started {}{}, {:.1} s, a snapshot every {} ms",
        h.script_name,
        match &h.host {
            Some(host) => format!("on {host}"),
            None => "on this machine".into(),
        },
        h.started,
        match &rec.end {
            Some((_, end)) => format!(", {}", end.describe()),
            None => String::new(),
        },
        rec.duration,
        h.snapshot_every_ms
    );
    for agg in rec.history.aggregations() {
        let _ = writeln!(
            out,
            "\n@{} ({}), {} point{}",
            agg.name,
            agg.function.name(),
            agg.len(),
            if agg.len() == 1 { "" } else { "s" }
        );
        let distribution = agg.function.is_distribution();
        let _ = writeln!(
            out,
            "{:>10}  {:<40} {:>16} {:>16} {:>12}",
            "t",
            "key",
            if distribution { "total" } else { "value" },
            "change",
            "per second"
        );
        for p in 0..agg.len() {
            for (key, s) in agg.samples(p) {
                let _ = writeln!(out, "{}", text_row(agg.time(p), key, &s));
            }
        }
    }
    out
}

fn text_row(t: f64, key: &[KeyPart], s: &Sample) -> String {
    let change = s.delta.as_ref().map(|d| d.total().to_string());
    let mut line = format!(
        "{t:>10.1}  {:<40} {:>16} {:>16} {:>12}",
        key_label(key),
        s.value.total(),
        change.unwrap_or_default(),
        rate_text(s.rate)
    );
    if let Some(Value::Buckets(delta)) = &s.delta {
        let changed: Vec<String> = delta
            .iter()
            .filter(|b| b.count != 0)
            .map(|b| format!("{}: {}", b.label, b.count))
            .collect();
        if !changed.is_empty() {
            let _ = write!(line, "  [{}]", changed.join(", "));
        }
    }
    line.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::recording::{Recorder, parse};
    use crate::model::fixtures::quantized;
    use crate::model::{Aggregation, Bucket, Row, Snapshot};

    fn recording() -> Recording {
        let mut header = Header::new("x.d", "tick-1s { @n = count(); }", 1000);
        header.started = "2026-12-01T10:00:00.000Z".into();
        let mut out = Vec::new();
        let mut r = Recorder::new(&mut out, &header).unwrap();
        for t in 1..=3 {
            let snap = Snapshot {
                aggregations: vec![
                    Aggregation {
                        id: 1,
                        name: "n".into(),
                        function: AggFunction::Count,
                        key_sizes: vec![],
                        rows: vec![Row {
                            key: vec![KeyPart::Str("a,b".into())],
                            value: Value::Number(t * 2),
                        }],
                    },
                    quantized(vec![
                        Bucket {
                            label: "1".into(),
                            min: Some(1),
                            max: Some(1),
                            count: t,
                            raw: None,
                        },
                        Bucket {
                            label: "2".into(),
                            min: Some(2),
                            max: Some(3),
                            count: 0,
                            raw: None,
                        },
                    ])
                    .aggregations
                    .remove(0),
                ],
            };
            r.snapshot(t as f64, &snap).unwrap();
        }
        r.output(3.0, "done").unwrap();
        r.end(3.0, RunEnd::Exited { status: 0 }).unwrap();
        parse(&out[..], "x.rec", usize::MAX).unwrap()
    }

    #[test]
    fn json_has_a_series_per_aggregation_with_values_and_changes() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&recording(), Format::Json)).unwrap();
        let n = &v["aggregations"][0];
        assert_eq!(n["name"], "n");
        assert_eq!(n["function"]["name"], "count");
        let series = n["series"].as_array().unwrap();
        assert_eq!(series.len(), 3);
        assert_eq!(series[1]["t"], 2.0);
        let row = &series[1]["rows"][0];
        assert_eq!(
            row["key"][0],
            serde_json::json!({"type": "str", "value": "a,b"})
        );
        assert_eq!(
            row["value"],
            serde_json::json!({"type": "number", "value": 4})
        );
        assert_eq!(
            row["delta"],
            serde_json::json!({"type": "number", "value": 2})
        );
        assert_eq!(row["rate"], 2.0);
        let q = &v["aggregations"][1]["series"][2]["rows"][0];
        assert_eq!(q["value"]["value"][0]["count"], 3);
        assert_eq!(q["delta"]["value"][0]["count"], 1);
        assert_eq!(
            v["end"],
            serde_json::json!({"t": 3.0, "reason": "exited", "status": 0})
        );
        assert_eq!(
            v["output"][0],
            serde_json::json!({"t": 3.0, "text": "done"})
        );
        assert_eq!(v["recording"]["script_name"], "x.d");
    }

    #[test]
    fn csv_has_a_line_per_key_and_bucket_per_point() {
        let csv = render(&recording(), Format::Csv);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "aggregation,function,t,key,bucket,min,max,value,delta,rate"
        );
        assert_eq!(lines[1], "@n,count,1,\"a,b\",,,,2,2,2.000");
        assert!(lines.contains(&"@q,quantize,3,,1,1,1,3,1,"), "{csv}");
    }

    #[test]
    fn csv_keeps_a_bucket_that_emptied() {
        let q = |one: i64, two: i64| {
            quantized(
                [(1, one), (2, two), (4, 0)]
                    .iter()
                    .map(|&(v, count)| Bucket {
                        label: v.to_string(),
                        min: Some(v),
                        max: Some(v * 2 - 1),
                        count,
                        raw: None,
                    })
                    .filter(|b| b.count != 0 || b.min == Some(4))
                    .collect(),
            )
        };
        let mut out = Vec::new();
        let mut r = Recorder::new(&mut out, &Header::new("q.d", "", 1000)).unwrap();
        r.snapshot(1.0, &q(3, 1)).unwrap();
        // Bucket 1 emptied (a trunc() of part of it): its change is -3.
        r.snapshot(2.0, &q(0, 2)).unwrap();
        let rec = parse(&out[..], "q.rec", usize::MAX).unwrap();
        let csv = render(&rec, Format::Csv);
        assert!(csv.contains("@q,quantize,2,,1,1,1,0,-3,\r\n"), "{csv}");
        assert!(csv.contains("@q,quantize,2,,2,2,3,2,1,\r\n"), "{csv}");
    }

    #[test]
    fn text_reads_as_a_table() {
        let text = render(&recording(), Format::Text);
        assert!(text.starts_with(
            "x.d on this machine, started 2026-12-01T10:00:00.000Z, ended by exit(0), 3.0 s"
        ));
        assert!(text.contains("\n@n (count), 3 points\n"), "{text}");
        assert!(text.contains("       2.0  a,b"), "{text}");
        assert!(text.contains("[0: 1]") || text.contains("[1: 1]"), "{text}");
    }
}
