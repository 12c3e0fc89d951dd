//! Aggregations as data: what a script's `@name[keys] = func(...)`
//! holds at one moment, with values already as `dtrace(1)` prints them
//! (normalized, averages and standard deviations computed, distributions
//! as labelled buckets).
//!
//! [`Snapshot::to_dtrace_text`] prints a snapshot the way `dtrace(1)`
//! prints aggregations at the end of a run, so that a text view and the
//! command agree byte for byte.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// All aggregations of a running or finished script, ordered by their
/// variable id (the order of first use in the script).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub aggregations: Vec<Aggregation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregation {
    /// libdtrace's aggregation variable id.
    pub id: u32,
    /// The name without `@`; empty for the anonymous `@`.
    pub name: String,
    pub function: AggFunction,
    /// The size in bytes of each key part as traced (an `int` is 4, a
    /// `long` 8); `dtrace(1)` prints narrower integers in narrower
    /// columns.
    #[serde(default)]
    pub key_sizes: Vec<u32>,
    /// In the order `dtrace(1)` prints them: by value, then by key.
    pub rows: Vec<Row>,
}

/// The aggregating function, with its parameters where it has any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum AggFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Stddev,
    Quantize,
    Lquantize {
        base: i32,
        step: u16,
        levels: u16,
    },
    Llquantize {
        factor: u16,
        low: u16,
        high: u16,
        steps: u16,
    },
}

impl AggFunction {
    /// The D name of the function.
    pub fn name(&self) -> &'static str {
        match self {
            AggFunction::Count => "count",
            AggFunction::Sum => "sum",
            AggFunction::Avg => "avg",
            AggFunction::Min => "min",
            AggFunction::Max => "max",
            AggFunction::Stddev => "stddev",
            AggFunction::Quantize => "quantize",
            AggFunction::Lquantize { .. } => "lquantize",
            AggFunction::Llquantize { .. } => "llquantize",
        }
    }

    /// Whether values are distributions (buckets) rather than numbers.
    pub fn is_distribution(&self) -> bool {
        matches!(
            self,
            AggFunction::Quantize | AggFunction::Lquantize { .. } | AggFunction::Llquantize { .. }
        )
    }
}

/// One part of an aggregation key.
// Ordered as dtrace(1) orders keys of one kind: integers by value,
// strings byte by byte (its strcmp()).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum KeyPart {
    Int(i64),
    Str(String),
    /// A symbol or module name (`sym()`, `mod()`, `usym()`, `umod()`,
    /// `uaddr()`), as `dtrace(1)` prints it.
    Symbol(String),
    /// A kernel or user stack, innermost frame first.
    Stack(Vec<String>),
}

impl KeyPart {
    /// One-line text for legends and tables (stacks joined with " < ").
    pub fn label(&self) -> String {
        match self {
            KeyPart::Int(v) => v.to_string(),
            KeyPart::Str(s) | KeyPart::Symbol(s) => s.clone(),
            KeyPart::Stack(frames) => frames.join(" < "),
        }
    }
}

/// A key as one line: parts separated by ", "; empty for `@x = f()`.
pub fn key_label(key: &[KeyPart]) -> String {
    let parts: Vec<String> = key.iter().map(KeyPart::label).collect();
    parts.join(", ")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub key: Vec<KeyPart>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// count, sum, min, max, avg and stddev.
    Number(i64),
    /// quantize, lquantize and llquantize: the buckets `dtrace(1)` shows
    /// (the ones holding data and one empty neighbour on each side).
    Buckets(Vec<Bucket>),
}

impl Value {
    /// The number, or a distribution's count of values; added up without
    /// overflowing, as a recording read back may hold any count.
    pub fn total(&self) -> i64 {
        match self {
            Value::Number(n) => *n,
            Value::Buckets(b) => b.iter().fold(0i64, |n, b| n.saturating_add(b.count)),
        }
    }

    pub fn as_number(&self) -> Option<i64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Buckets(_) => None,
        }
    }

    pub fn buckets(&self) -> &[Bucket] {
        match self {
            Value::Number(_) => &[],
            Value::Buckets(b) => b,
        }
    }
}

/// One bucket of a distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// What `dtrace(1)` prints in its value column: `"< 0"`, `"64"`,
    /// `">= 100"`.
    pub label: String,
    /// Smallest value counted here; `None` for an underflow bucket.
    pub min: Option<i64>,
    /// Largest value counted here; `None` for an overflow bucket.
    pub max: Option<i64>,
    /// The count as `dtrace(1)` prints it, divided by the `normalize()`
    /// factor.
    pub count: i64,
    /// The count before `normalize()` divided it; `None` when the
    /// aggregation is not normalized (it is then `count`). `dtrace(1)`
    /// draws the bars from these, so a normalized distribution keeps the
    /// shape of its data (and counts that divide to 0 keep their bars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<i64>,
}

impl Bucket {
    /// Where the bucket sorts among others: underflow first, overflow
    /// last (as i128, so that no bound meets an unbounded side).
    pub fn order(&self) -> (i128, i128) {
        bucket_order(self.min, self.max)
    }

    /// The count as aggregated, before any `normalize()`.
    pub fn raw_count(&self) -> i64 {
        self.raw.unwrap_or(self.count)
    }
}

impl Snapshot {
    pub fn get(&self, name: &str) -> Option<&Aggregation> {
        self.aggregations.iter().find(|a| a.name == name)
    }

    /// The aggregations as `dtrace(1)` prints them when a run ends.
    pub fn to_dtrace_text(&self) -> String {
        let mut out = String::new();
        for agg in &self.aggregations {
            agg.write_dtrace_text(&mut out);
        }
        out
    }
}

impl Aggregation {
    pub fn to_dtrace_text(&self) -> String {
        let mut out = String::new();
        self.write_dtrace_text(&mut out);
        out
    }

    fn write_dtrace_text(&self, out: &mut String) {
        for row in &self.rows {
            for (i, part) in row.key.iter().enumerate() {
                write_key_part(out, part, self.key_sizes.get(i).copied().unwrap_or(8));
            }
            match &row.value {
                Value::Number(n) if self.function == AggFunction::Stddev => {
                    let _ = write!(out, " {:>16}", *n as u64);
                }
                Value::Number(n) => {
                    let _ = write!(out, " {n:>16}");
                }
                Value::Buckets(buckets) => write_distribution(out, buckets),
            }
            out.push('\n');
        }
    }
}

/// Stack frames are indented like this (libdtrace's `stackindent`).
const STACK_INDENT: usize = 14;

fn write_key_part(out: &mut String, part: &KeyPart, size: u32) {
    match part {
        KeyPart::Int(v) => {
            let width = match size {
                1 => 3,
                2 => 5,
                4 => 8,
                _ => 16,
            };
            let _ = write!(out, " {v:>width$}");
        }
        KeyPart::Str(s) | KeyPart::Symbol(s) => {
            let _ = write!(out, "  {s:<50}");
        }
        KeyPart::Stack(frames) => {
            out.push('\n');
            for f in frames {
                let _ = writeln!(out, "{:STACK_INDENT$}{f}", "");
            }
        }
    }
}

/// The value/Distribution/count table, as libdtrace's quantize printers
/// draw it: the layout (which signs have bars) and each bar's length come
/// from the raw counts, and only the number printed is normalized.
fn write_distribution(out: &mut String, buckets: &[Bucket]) {
    let positives = buckets.iter().any(|b| b.raw_count() > 0);
    let negatives = buckets.iter().any(|b| b.raw_count() < 0);
    let total: u128 = buckets
        .iter()
        .map(|b| u128::from(b.raw_count().unsigned_abs()))
        .sum();
    let _ = write!(
        out,
        "\n{:>16} {:>41} {:<9}\n",
        "value", "------------- Distribution -------------", "count"
    );
    for b in buckets {
        let _ = write!(out, "{:>16} ", b.label);
        quant_line(out, b.raw_count(), b.count, total, positives, negatives);
    }
}

/// One bar of `dt_print_quantline`: `raw` sizes it against `total` (the
/// sum of the raw counts' magnitudes), `count` is printed.
fn quant_line(
    out: &mut String,
    raw: i64,
    count: i64,
    total: u128,
    positives: bool,
    negatives: bool,
) {
    // round(|raw| * len / total), which libdtrace computes in long
    // double; in integers it is exact, where f64 would round counts
    // above 2^53.
    let depth = |len: usize| -> usize {
        if total == 0 {
            0
        } else {
            let scaled = u128::from(raw.unsigned_abs()) * len as u128;
            ((2 * scaled + total) / (2 * total)) as usize
        }
    };
    let ats = |n: usize| "@".repeat(n);
    let spaces = |n: usize| " ".repeat(n);
    if !negatives {
        let d = if positives { depth(40) } else { 0 };
        let _ = writeln!(out, "|{}{} {:<9}", ats(d), spaces(40 - d), count);
    } else if !positives {
        let d = depth(40);
        let _ = writeln!(out, "{}{}| {:<9}", spaces(40 - d), ats(d), count);
    } else {
        // Both signs: half-length bars either side of a centre line.
        let d = depth(20);
        if raw <= 0 {
            let _ = writeln!(out, "{}{}|{:20} {:<9}", spaces(20 - d), ats(d), "", count);
        } else {
            let _ = writeln!(out, "{:20}|{}{} {:<9}", "", ats(d), spaces(20 - d), count);
        }
    }
}

/// Where a bucket with these bounds sorts: underflow (`None` low) first,
/// overflow (`None` high) last.
pub fn bucket_order(min: Option<i64>, max: Option<i64>) -> (i128, i128) {
    (
        min.map_or(i128::MIN, i128::from),
        max.map_or(i128::MAX, i128::from),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(label: &str, min: Option<i64>, max: Option<i64>, count: i64) -> Bucket {
        Bucket {
            label: label.into(),
            min,
            max,
            count,
            raw: None,
        }
    }

    #[test]
    fn counts_print_like_dtrace() {
        let agg = Aggregation {
            id: 1,
            name: "c".into(),
            function: AggFunction::Count,
            key_sizes: vec![16, 4],
            rows: vec![Row {
                key: vec![KeyPart::Str("b".into()), KeyPart::Int(1)],
                value: Value::Number(2),
            }],
        };
        assert_eq!(
            agg.to_dtrace_text(),
            format!("  b{}        1                2\n", " ".repeat(49))
        );
    }

    #[test]
    fn distributions_draw_bars_like_dtrace() {
        let agg = Aggregation {
            id: 1,
            name: "l".into(),
            function: AggFunction::Lquantize {
                base: 0,
                step: 2,
                levels: 5,
            },
            key_sizes: vec![],
            rows: vec![Row {
                key: vec![],
                value: Value::Buckets(vec![
                    bucket("< 0", None, Some(-1), 1),
                    bucket("0", Some(0), Some(1), 0),
                    bucket("2", Some(2), Some(3), 3),
                ]),
            }],
        };
        let text = agg.to_dtrace_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(
            lines[1],
            "           value  ------------- Distribution ------------- count    "
        );
        assert_eq!(
            lines[2],
            "             < 0 |@@@@@@@@@@                               1        "
        );
        assert_eq!(
            lines[4],
            "               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@           3        "
        );
        assert!(text.ends_with("3        \n\n"));
    }

    #[test]
    fn negative_and_positive_counts_share_a_centre_line() {
        let mut out = String::new();
        quant_line(&mut out, -1, -1, 2, true, true);
        quant_line(&mut out, 1, 1, 2, true, true);
        assert_eq!(
            out,
            format!(
                "{}@@@@@@@@@@|{} -1       \n{}|@@@@@@@@@@{} 1        \n",
                " ".repeat(10),
                " ".repeat(20),
                " ".repeat(20),
                " ".repeat(10)
            )
        );
    }

    /// A bucket of a normalized aggregation: `raw` counted, `count`
    /// printed.
    fn normalized(label: &str, raw: i64, count: i64) -> Bucket {
        Bucket {
            raw: Some(raw),
            ..bucket(label, None, None, count)
        }
    }

    fn distribution(buckets: Vec<Bucket>) -> Aggregation {
        crate::fixtures::quantized(buckets).aggregations.remove(0)
    }

    /// The table's lines after its header.
    fn bars(agg: &Aggregation) -> Vec<String> {
        agg.to_dtrace_text()
            .lines()
            .skip(2)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn normalized_bars_are_sized_by_the_raw_counts() {
        // `@l = lquantize(-20, -10, 10, 5, 2); @l = lquantize(3, -10, 10,
        // 5); @l = lquantize(40, -10, 10, 5, 5); normalize(@l, 2)`, as
        // Linux dtrace(1) prints it: raw counts 2, 1 and 5 of 8 make bars
        // of 10, 5 and 25, whatever the printed 1, 0 and 2.
        let agg = distribution(vec![
            normalized("< -10", 2, 1),
            normalized("-10", 0, 0),
            normalized("-5", 0, 0),
            normalized("0", 1, 0),
            normalized("5", 0, 0),
            normalized(">= 10", 5, 2),
        ]);
        assert_eq!(
            bars(&agg),
            [
                "           < -10 |@@@@@@@@@@                               1        ",
                "             -10 |                                         0        ",
                "              -5 |                                         0        ",
                "               0 |@@@@@                                    0        ",
                "               5 |                                         0        ",
                "           >= 10 |@@@@@@@@@@@@@@@@@@@@@@@@@                2        ",
            ]
        );
    }

    #[test]
    fn normalized_bars_take_their_sides_from_the_raw_signs() {
        // `@q = quantize(1, -3); @q = quantize(64, 5); normalize(@q, 2)`:
        // the -3 prints as 9223372036854775806 (unsigned division) but
        // still draws a negative bar, 8 of 20 (3 of 8), left of the centre.
        let agg = distribution(vec![
            normalized("0", 0, 0),
            normalized("1", -3, 9223372036854775806),
            normalized("2", 0, 0),
            normalized("64", 5, 2),
        ]);
        assert_eq!(
            bars(&agg),
            [
                "               0                     |                     0        ",
                "               1             @@@@@@@@|                     9223372036854775806",
                "               2                     |                     0        ",
                "              64                     |@@@@@@@@@@@@@        2        ",
            ]
        );
        // A negative raw count alone draws to the left, even when it
        // prints as 0.
        let agg = distribution(vec![
            normalized("-600", 0, 0),
            normalized("-500", -1, 4611686018427387903),
            normalized("-400", 0, 0),
        ]);
        assert_eq!(
            bars(&agg)[1],
            "            -500 @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@| 4611686018427387903"
        );
    }

    #[test]
    fn bars_round_like_dtrace_beyond_f64_precision() {
        // 2^56 - 1 of 5 * 2^60 is a hair under half a bar: Linux dtrace(1)
        // (long double) draws none for `@q = quantize(1, 72057594037927935);
        // @q = quantize(2, 5692549928996306945)`, where f64 would round
        // 2^56 - 1 up to 2^56 and draw one.
        let (a, b) = ((1i64 << 56) - 1, 79 * (1i64 << 56) + 1);
        let agg = distribution(vec![bucket("1", None, None, a), bucket("2", None, None, b)]);
        assert_eq!(
            bars(&agg),
            [
                format!("               1 |{} {a}", " ".repeat(40)),
                format!("               2 |{} {b}", "@".repeat(40)),
            ]
        );
    }

    #[test]
    fn json_adds_the_raw_count_only_to_normalized_buckets() {
        let plain = serde_json::to_value(bucket("2", Some(2), Some(3), 3)).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({"label": "2", "min": 2, "max": 3, "count": 3})
        );
        let norm = serde_json::to_value(normalized("2", 7, 3)).unwrap();
        assert_eq!(
            norm,
            serde_json::json!({"label": "2", "min": null, "max": null, "count": 3, "raw": 7})
        );
        // Snapshots written before the raw count existed still read.
        let old: Bucket = serde_json::from_value(plain).unwrap();
        assert_eq!((old.raw, old.raw_count()), (None, 3));
        let back: Bucket = serde_json::from_value(norm).unwrap();
        assert_eq!(back.raw_count(), 7);
    }

    #[test]
    fn json_names_the_function_and_typed_values() {
        let snap = Snapshot {
            aggregations: vec![Aggregation {
                id: 3,
                name: "q".into(),
                function: AggFunction::Llquantize {
                    factor: 10,
                    low: 0,
                    high: 6,
                    steps: 20,
                },
                key_sizes: vec![8],
                rows: vec![Row {
                    key: vec![KeyPart::Stack(vec!["k`f".into()])],
                    value: Value::Number(4),
                }],
            }],
        };
        let json = serde_json::to_value(&snap).unwrap();
        let agg = &json["aggregations"][0];
        assert_eq!(agg["function"]["name"], "llquantize");
        assert_eq!(agg["function"]["steps"], 20);
        assert_eq!(agg["rows"][0]["key"][0]["type"], "stack");
        assert_eq!(agg["rows"][0]["value"]["type"], "number");
        let back: Snapshot = serde_json::from_value(json).unwrap();
        assert_eq!(back, snap);
    }
}
