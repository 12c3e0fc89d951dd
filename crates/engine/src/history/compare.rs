//! `dscope report A.rec --compare B.rec`: what changed from one recording
//! to another, aggregation by aggregation and key by key, as text, JSON or
//! CSV. Each recording counts as it was at its end.

use super::recording::{Header, Recording};
use super::report::Format;
use crate::model::comparison::{self, Comparison, KeyChange, Status};
use crate::model::csv::{key_field, push_line};
use crate::model::key_label;
use crate::model::latency::Range;
use crate::model::units::Unit;
use serde::Serialize;
use std::fmt::Write;

/// One side of a comparison: what it is called and what it holds.
pub struct Side<'a> {
    /// The file's name, as the user gave it.
    pub name: &'a str,
    pub recording: &'a Recording,
}

/// The comparison of two recordings, each as it was at its end, in
/// `format`.
pub fn render(before: &Side, after: &Side, format: Format) -> String {
    let end = |s: &Side| s.recording.history.snapshot_at(f64::INFINITY);
    let compared = comparison::compare_snapshots(&end(before), &end(after));
    let units = crate::lang::aggregations::units(&after.recording.header.source());
    let unit = |name: &str| units.get(name).copied().unwrap_or_default();
    match format {
        Format::Json => json(before, after, &compared, &unit),
        Format::Csv => csv(&compared),
        Format::Text => text(before, after, &compared, &unit),
    }
}

#[derive(Serialize)]
struct SideJson<'a> {
    file: &'a str,
    recording: &'a Header,
    duration: f64,
}

#[derive(Serialize)]
struct AggJson<'a> {
    #[serde(flatten)]
    comparison: &'a Comparison,
    /// What the values are (ns, bytes, number), as the script says.
    unit: &'static str,
    appeared: usize,
    vanished: usize,
    changed: usize,
    same: usize,
}

#[derive(Serialize)]
struct Json<'a> {
    before: SideJson<'a>,
    after: SideJson<'a>,
    /// Whether both recordings ran the same script text.
    same_script: bool,
    aggregations: Vec<AggJson<'a>>,
}

fn side_json<'a>(s: &'a Side) -> SideJson<'a> {
    SideJson {
        file: s.name,
        recording: &s.recording.header,
        duration: s.recording.duration,
    }
}

fn json(
    before: &Side,
    after: &Side,
    compared: &[Comparison],
    unit: &dyn Fn(&str) -> Unit,
) -> String {
    let doc = Json {
        before: side_json(before),
        after: side_json(after),
        same_script: before.recording.header.script == after.recording.header.script,
        aggregations: compared
            .iter()
            .map(|c| AggJson {
                comparison: c,
                unit: unit(&c.name).name(),
                appeared: c.count(Status::Appeared),
                vanished: c.count(Status::Vanished),
                changed: c.count(Status::Changed),
                same: c.count(Status::Same),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn bound(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One line per key for its total, per bucket, per percentile and for the
/// mean; each names what it holds in `what`.
pub fn csv(compared: &[Comparison]) -> String {
    let mut out = String::new();
    let header = [
        "aggregation",
        "function",
        "key",
        "status",
        "what",
        "before_min",
        "before_max",
        "after_min",
        "after_max",
        "before",
        "after",
        "change",
    ];
    push_line(&mut out, header.into_iter());
    for c in compared {
        let name = format!("@{}", c.name);
        for k in &c.keys {
            let key = k.key.iter().map(key_field).collect::<Vec<_>>().join(", ");
            let mut line = |fields: [String; 8]| {
                let head = [
                    name.as_str(),
                    c.function.name(),
                    key.as_str(),
                    k.status.word(),
                ];
                push_line(
                    &mut out,
                    head.into_iter().chain(fields.iter().map(String::as_str)),
                );
            };
            line([
                "total".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                bound(k.before),
                bound(k.after),
                k.difference.to_string(),
            ]);
            for b in &k.buckets {
                let (lo, hi) = (bound(b.range.0), bound(b.range.1));
                line([
                    "bucket".into(),
                    lo.clone(),
                    hi.clone(),
                    lo,
                    hi,
                    b.before.to_string(),
                    b.after.to_string(),
                    b.difference().to_string(),
                ]);
            }
            for s in &k.shifts {
                line([
                    s.name.into(),
                    bound(s.before.0),
                    bound(s.before.1),
                    bound(s.after.0),
                    bound(s.after.1),
                    String::new(),
                    String::new(),
                    s.buckets.to_string(),
                ]);
            }
            if let (Some(b), Some(a)) = means(k) {
                line([
                    "mean".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format!("{b:.1}"),
                    format!("{a:.1}"),
                    format!("{:.1}", a - b),
                ]);
            }
        }
    }
    out
}

/// A distribution key's estimated mean before and after.
fn means(k: &KeyChange) -> (Option<f64>, Option<f64>) {
    let mean = |s: &Option<crate::model::latency::Summary>| s.and_then(|s| s.mean);
    (mean(&k.before_summary), mean(&k.after_summary))
}

fn describe(s: &Side) -> String {
    let h = &s.recording.header;
    format!(
        "{} ({} {}, started {}, {:.1} s)",
        s.name,
        h.script_name,
        match &h.host {
            Some(host) => format!("on {host}"),
            None => "on this machine".into(),
        },
        h.started,
        s.recording.duration
    )
}

fn text(
    before: &Side,
    after: &Side,
    compared: &[Comparison],
    unit: &dyn Fn(&str) -> Unit,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "before: {}", describe(before));
    let _ = writeln!(out, "after:  {}", describe(after));
    if before.recording.header.script != after.recording.header.script {
        let _ = writeln!(out, "note: the two recordings ran different scripts");
    }
    for c in compared {
        let _ = writeln!(
            out,
            "\n@{} ({}): {} keys; {} appeared, {} vanished, {} changed, {} the same",
            c.name,
            c.function.name(),
            c.keys.len(),
            c.count(Status::Appeared),
            c.count(Status::Vanished),
            c.count(Status::Changed),
            c.count(Status::Same),
        );
        let unit = unit(&c.name);
        let distribution = c.function.is_distribution();
        let _ = writeln!(
            out,
            "  {:<32} {:<9} {:>14} {:>14} {:>14} {:>9}",
            "key",
            "",
            if distribution {
                "count before"
            } else {
                "before"
            },
            "after",
            "change",
            "%"
        );
        for k in &c.keys {
            key_text(&mut out, k, if distribution { Unit::Number } else { unit });
            if distribution && k.status != Status::Same {
                distribution_text(&mut out, k, unit);
            }
        }
    }
    out
}

fn key_text(out: &mut String, k: &KeyChange, unit: Unit) {
    let value = |v: Option<i64>| {
        v.map(|v| unit.short_or_exact(v))
            .unwrap_or_else(|| "-".into())
    };
    let relative = k
        .relative
        .map(|r| format!("{:+.1}", r * 100.0))
        .unwrap_or_default();
    let change = if k.difference > 0 {
        format!("+{}", unit.short_or_exact(k.difference))
    } else {
        unit.short_or_exact(k.difference)
    };
    let _ = writeln!(
        out,
        "  {:<32} {:<9} {:>14} {:>14} {:>14} {:>9}",
        key_label(&k.key).replace('\n', " "),
        k.status.word(),
        value(k.before),
        value(k.after),
        change,
        relative
    );
}

/// Under a distribution's key: how each percentile moved, the mean, and
/// every bucket's count on each side.
fn distribution_text(out: &mut String, k: &KeyChange, unit: Unit) {
    let range = |r: Range| unit.range(r.0, r.1);
    // A key on one side only has nothing to set its buckets against: its
    // percentiles say enough.
    if let (Status::Appeared | Status::Vanished, Some(s)) =
        (k.status, k.after_summary.or(k.before_summary))
    {
        let ranges: Vec<String> = s
            .ranges()
            .iter()
            .map(|(name, r)| format!("{name} {}", range(*r)))
            .collect();
        let _ = writeln!(out, "      {}", ranges.join(", "));
        return;
    }
    for s in &k.shifts {
        let moved = match s.buckets {
            0 => "same bucket".to_string(),
            n => format!("{n:+} bucket{}", if n.abs() == 1 { "" } else { "s" }),
        };
        let _ = writeln!(
            out,
            "      {:<4} {:>24} -> {:<24} ({moved})",
            s.name,
            range(s.before),
            range(s.after)
        );
    }
    if let (Some(b), Some(a)) = means(k) {
        let _ = writeln!(
            out,
            "      mean {:>24} -> {:<24} (estimated from the buckets' middles)",
            unit.short(b.round() as i64),
            unit.short(a.round() as i64)
        );
    }
    let _ = writeln!(
        out,
        "      {:>24} {:>12} {:>12} {:>12}",
        "value", "before", "after", "change"
    );
    for b in &k.buckets {
        let _ = writeln!(
            out,
            "      {:>24} {:>12} {:>12} {:>+12}",
            range(b.range),
            b.before,
            b.after,
            b.difference()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::recording::{Header, Recorder, parse};
    use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};

    fn latency(rows: &[(&str, i64, i64)]) -> Snapshot {
        Snapshot {
            aggregations: vec![Aggregation {
                id: 1,
                name: "lat".into(),
                function: AggFunction::Quantize,
                key_sizes: vec![],
                rows: rows
                    .iter()
                    .map(|&(k, lo, n)| Row {
                        key: vec![KeyPart::Str(k.into())],
                        value: Value::Buckets(vec![Bucket {
                            label: lo.to_string(),
                            min: Some(lo),
                            max: Some(lo * 2 - 1),
                            count: n,
                            raw: None,
                        }]),
                    })
                    .collect(),
            }],
        }
    }

    fn recording(snapshot: &Snapshot) -> Recording {
        let script = "syscall::read:entry { self->t = timestamp; }\n\
                      syscall::read:return /self->t/ { @lat[execname] = quantize(timestamp - self->t); }\n";
        let mut bytes = Vec::new();
        let mut r = Recorder::new(&mut bytes, &Header::new("lat.d", script, 1000)).unwrap();
        r.snapshot(1.0, snapshot).unwrap();
        drop(r);
        parse(&bytes[..], "test", usize::MAX).unwrap()
    }

    #[test]
    fn the_text_names_what_moved_in_time_units() {
        let a = recording(&latency(&[("sshd", 16384, 10), ("cron", 64, 3)]));
        let b = recording(&latency(&[("sshd", 65536, 10), ("bash", 64, 1)]));
        let (before, after) = (
            Side {
                name: "a.rec",
                recording: &a,
            },
            Side {
                name: "b.rec",
                recording: &b,
            },
        );
        let text = render(&before, &after, Format::Text);
        assert!(
            text.contains("@lat (quantize): 3 keys; 1 appeared, 1 vanished, 1 changed"),
            "{text}"
        );
        let p50 = text
            .lines()
            .find(|l| l.trim_start().starts_with("p50") && l.contains("->"))
            .unwrap();
        assert!(
            p50.contains("16.4 µs .. 32.8 µs -> 65.5 µs .. 131 µs")
                && p50.ends_with("(+2 buckets)"),
            "{text}"
        );
        // A key on one side only: its percentiles, no bucket table.
        assert!(
            text.contains("      p50 64 ns .. 127 ns, p90 64 ns .. 127 ns, p99 64 ns .. 127 ns, max 64 ns .. 127 ns\n"),
            "{text}"
        );
        // A bucket neither side counted in is left out.
        assert!(!text.contains("32.8 µs .. 65.5 µs "), "{text}");
        let json: serde_json::Value =
            serde_json::from_str(&render(&before, &after, Format::Json)).unwrap();
        let lat = &json["aggregations"][0];
        assert_eq!(lat["unit"], "ns");
        let sshd = lat["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"][0]["value"] == "sshd")
            .unwrap();
        assert_eq!(
            sshd["shifts"][0]["after"],
            serde_json::json!([65536, 131071])
        );
        assert_eq!(sshd["shifts"][0]["buckets"], 2);
        let csv = render(&before, &after, Format::Csv);
        assert!(
            csv.lines()
                .any(|l| l == "@lat,quantize,sshd,changed,p50,16384,32767,65536,131071,,,2"),
            "{csv}"
        );
        assert!(
            csv.lines()
                .any(|l| l == "@lat,quantize,bash,appeared,total,,,,,,1,1"),
            "{csv}"
        );
    }
}
