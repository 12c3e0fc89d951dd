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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    pub count: i64,
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
/// draw it.
fn write_distribution(out: &mut String, buckets: &[Bucket]) {
    let positives = buckets.iter().any(|b| b.count > 0);
    let negatives = buckets.iter().any(|b| b.count < 0);
    let total: f64 = buckets.iter().map(|b| (b.count as f64).abs()).sum();
    let _ = write!(
        out,
        "\n{:>16} {:>41} {:<9}\n",
        "value", "------------- Distribution -------------", "count"
    );
    for b in buckets {
        let _ = write!(out, "{:>16} ", b.label);
        quant_line(out, b.count, total, positives, negatives);
    }
}

fn quant_line(out: &mut String, val: i64, total: f64, positives: bool, negatives: bool) {
    let depth = |len: usize| -> usize {
        if total == 0.0 {
            0
        } else {
            ((val as f64).abs() * len as f64 / total + 0.5) as usize
        }
    };
    let ats = |n: usize| "@".repeat(n);
    let spaces = |n: usize| " ".repeat(n);
    if !negatives {
        let d = if positives { depth(40) } else { 0 };
        let _ = writeln!(out, "|{}{} {:<9}", ats(d), spaces(40 - d), val);
    } else if !positives {
        let d = depth(40);
        let _ = writeln!(out, "{}{}| {:<9}", spaces(40 - d), ats(d), val);
    } else {
        // Both signs: half-length bars either side of a centre line.
        let d = depth(20);
        if val <= 0 {
            let _ = writeln!(out, "{}{}|{:20} {:<9}", spaces(20 - d), ats(d), "", val);
        } else {
            let _ = writeln!(out, "{:20}|{}{} {:<9}", "", ats(d), spaces(20 - d), val);
        }
    }
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
        quant_line(&mut out, -1, 2.0, true, true);
        quant_line(&mut out, 1, 2.0, true, true);
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
