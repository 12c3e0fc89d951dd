//! Values as people read them on an axis or in a table: short forms for
//! large numbers (1K, 64M, 4G), and times in ns, µs, ms and s when what
//! was aggregated is a time (a difference of `timestamp`s, say), so that
//! "4294967296" reads "4.29 s" and a bucket "16384 .. 32767" reads
//! "16.4 µs .. 32.8 µs".

use serde::{Deserialize, Serialize};

/// What an aggregation's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Unit {
    /// Plain numbers: counts, sizes, anything. Shown with binary short
    /// forms (1K = 1024), as quantize()'s power-of-two buckets fall on
    /// them exactly.
    #[default]
    Number,
    /// Nanoseconds, as `timestamp`, `vtimestamp` and `walltimestamp`
    /// count.
    Nanoseconds,
    /// Microseconds (a time divided by 1000 in the script).
    Microseconds,
    /// Milliseconds.
    Milliseconds,
    /// Bytes: binary short forms with a B (4 KiB).
    Bytes,
}

impl Unit {
    /// Every unit, with its name, for a chooser.
    pub const ALL: [(Unit, &'static str); 5] = [
        (Unit::Number, "number"),
        (Unit::Nanoseconds, "ns"),
        (Unit::Microseconds, "µs"),
        (Unit::Milliseconds, "ms"),
        (Unit::Bytes, "bytes"),
    ];

    pub fn name(self) -> &'static str {
        Unit::ALL
            .iter()
            .find(|(u, _)| *u == self)
            .map_or("number", |(_, n)| n)
    }

    /// The unit as files name it, in ASCII: a column's suffix (`min_ns`)
    /// or a JSON `unit`.
    pub fn id(self) -> &'static str {
        match self {
            Unit::Number => "number",
            Unit::Nanoseconds => "ns",
            Unit::Microseconds => "us",
            Unit::Milliseconds => "ms",
            Unit::Bytes => "bytes",
        }
    }

    /// Whether values of `function` are in the aggregation's unit: a
    /// count counts events whatever was traced, everything else sums,
    /// compares or buckets the traced value.
    pub fn applies_to(function: crate::aggregation::AggFunction) -> bool {
        function != crate::aggregation::AggFunction::Count
    }

    /// What `function`'s values are in, `self` being the aggregation's
    /// unit: a count's are numbers.
    pub fn of_values(self, function: crate::aggregation::AggFunction) -> Unit {
        if Unit::applies_to(function) {
            self
        } else {
            Unit::Number
        }
    }

    /// A value as a chart's label prints it: dtrace's digits for a
    /// number, short for a time or a size ("12.3 ms", "4KiB").
    pub fn text(self, v: i64) -> String {
        match self {
            Unit::Number => v.to_string(),
            unit => unit.short(v),
        }
    }

    /// How many nanoseconds one of this unit is, for times.
    fn nanoseconds(self) -> Option<f64> {
        match self {
            Unit::Nanoseconds => Some(1.0),
            Unit::Microseconds => Some(1e3),
            Unit::Milliseconds => Some(1e6),
            Unit::Number | Unit::Bytes => None,
        }
    }

    /// `v` in its short form: "64K", "4G", "16.4 µs", "4 KiB".
    pub fn short(self, v: i64) -> String {
        if let Some(ns) = self.nanoseconds() {
            return time(v as f64 * ns);
        }
        if self == Unit::Bytes {
            return binary(v, "iB").unwrap_or_else(|| format!("{v} B"));
        }
        // quantize()'s buckets are powers of two: 4K, 64K, 4G exactly.
        // Round decimal numbers (ticks, lquantize() steps) read in SI:
        // 20K, 1.5M. Small ones stay whole.
        if v.unsigned_abs() >= 1024
            && v % 1024 == 0
            && let Some(text) = binary(v, "")
        {
            return text;
        }
        if v.unsigned_abs() >= 10_000 {
            return si(v);
        }
        v.to_string()
    }

    /// A single value as people read it: whole for a number (digits
    /// grouped: 1,234,567), short for a time or a size.
    pub fn short_or_exact(self, v: i64) -> String {
        if self != Unit::Number {
            return self.short(v);
        }
        let digits = v.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if v < 0 {
            grouped.insert(0, '-');
        }
        grouped
    }

    /// A bucket's range as dtrace numbers it, exactly: "10 .. 19", "< 0",
    /// ">= 100".
    pub fn exact_range(min: Option<i64>, max: Option<i64>) -> String {
        match (min, max) {
            (None, Some(max)) => format!("< {}", max.saturating_add(1)),
            (Some(min), None) => format!(">= {min}"),
            (Some(min), Some(max)) if min == max => format!("{min}"),
            (Some(min), Some(max)) => format!("{min} .. {max}"),
            (None, None) => "any".into(),
        }
    }

    /// A bucket's range in `self`: exact for a number, short for a time
    /// or a size.
    pub fn range_of(self, min: Option<i64>, max: Option<i64>) -> String {
        match self {
            Unit::Number => Unit::exact_range(min, max),
            unit => unit.range(min, max),
        }
    }

    /// A bucket's range in short forms: "16.4 µs .. 32.8 µs", "< 0",
    /// ">= 1K".
    pub fn range(self, min: Option<i64>, max: Option<i64>) -> String {
        match (min, max) {
            (Some(lo), Some(hi)) if lo == hi => self.short(lo),
            (Some(lo), Some(hi)) => format!("{} .. {}", self.short(lo), self.short(hi)),
            (Some(lo), None) => format!(">= {}", self.short(lo)),
            (None, Some(hi)) => format!("< {}", self.short(hi.saturating_add(1))),
            (None, None) => "any".into(),
        }
    }
}

/// `v` in binary multiples (1K = 1024) when it is a whole one of them.
fn binary(v: i64, suffix: &str) -> Option<String> {
    const STEPS: [(u64, &str); 6] = [
        (1 << 60, "E"),
        (1 << 50, "P"),
        (1 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "K"),
    ];
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (size, name) = STEPS.into_iter().find(|(size, _)| a >= *size)?;
    let x = a as f64 / size as f64;
    Some(format!("{sign}{}{name}{suffix}", trim(x)))
}

/// `v` in SI multiples (1K = 1000), three significant digits at most.
fn si(v: i64) -> String {
    const STEPS: [(f64, &str); 6] = [
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "K"),
    ];
    let a = v.unsigned_abs() as f64;
    match STEPS.into_iter().find(|(size, _)| a >= *size) {
        Some((size, name)) => format!("{}{name}", trim3(v as f64 / size)),
        None => v.to_string(),
    }
}

/// A time in nanoseconds with the largest unit that keeps it at 1 or more.
fn time(ns: f64) -> String {
    let a = ns.abs();
    let (x, unit) = if a >= 1e9 {
        (ns / 1e9, "s")
    } else if a >= 1e6 {
        (ns / 1e6, "ms")
    } else if a >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", trim3(x))
}

/// Three significant digits at most, no trailing zeros: 16.4, 4, 1.23.
fn trim3(x: f64) -> String {
    let a = x.abs();
    let decimals = if a >= 100.0 || a == a.trunc() {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A short form's number: whole where whole (64), else up to one decimal
/// (1.5).
fn trim(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

/// Whether `expression`, an aggregating function's value argument in D,
/// is a time: it mentions `timestamp`, `vtimestamp` or `walltimestamp`
/// (a difference of two, in practice), and what unit it is in after the
/// script's own division by 1000 or 1000000.
pub fn of_expression(expression: &str) -> Unit {
    let words: Vec<&str> = expression
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let timed = words
        .iter()
        .any(|w| matches!(*w, "timestamp" | "vtimestamp" | "walltimestamp"));
    if !timed {
        return Unit::Number;
    }
    let compact: String = expression.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("/1000000") {
        Unit::Milliseconds
    } else if compact.contains("/1000") {
        Unit::Microseconds
    } else {
        Unit::Nanoseconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_numbers_read_short() {
        let n = Unit::Number;
        assert_eq!(n.short(512), "512");
        assert_eq!(n.short(1024), "1K");
        assert_eq!(n.short(65536), "64K");
        assert_eq!(n.short(1536), "1536");
        assert_eq!(n.short(20_000), "20K");
        assert_eq!(n.short(1_500_000), "1.5M");
        assert_eq!(n.short(9_999), "9999");
        assert_eq!(n.short(4294967296), "4G");
        assert_eq!(n.short(-2048), "-2K");
        assert_eq!(n.short(i64::MAX), "9.22E");
        assert_eq!(Unit::Bytes.short(4096), "4KiB");
        assert_eq!(n.short_or_exact(1_234_567), "1,234,567");
        assert_eq!(n.short_or_exact(-12), "-12");
        assert_eq!(Unit::Bytes.short(1536), "1.5KiB");
        assert_eq!(Unit::Bytes.short(100), "100 B");
    }

    #[test]
    fn times_read_in_their_unit() {
        let ns = Unit::Nanoseconds;
        assert_eq!(ns.short(512), "512 ns");
        assert_eq!(ns.short(16384), "16.4 µs");
        assert_eq!(ns.short(1048576), "1.05 ms");
        assert_eq!(ns.short(4294967296), "4.29 s");
        assert_eq!(ns.short(1_000_000_000), "1 s");
        assert_eq!(Unit::Microseconds.short(1500), "1.5 ms");
        assert_eq!(Unit::Milliseconds.short(250), "250 ms");
        assert_eq!(ns.range(Some(16384), Some(32767)), "16.4 µs .. 32.8 µs");
        assert_eq!(ns.range(None, Some(-1)), "< 0 ns");
        assert_eq!(Unit::Number.range(Some(1024), None), ">= 1K");
    }

    #[test]
    fn a_difference_of_timestamps_is_a_time() {
        assert_eq!(of_expression("timestamp - self->ts"), Unit::Nanoseconds);
        assert_eq!(
            of_expression("(vtimestamp - self->v) / 1000"),
            Unit::Microseconds
        );
        assert_eq!(
            of_expression("(timestamp - self->ts) / 1000000"),
            Unit::Milliseconds
        );
        assert_eq!(of_expression("arg0"), Unit::Number);
        assert_eq!(of_expression("self->timestamps"), Unit::Number);
    }
}
