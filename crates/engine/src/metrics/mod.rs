//! A running script's aggregations as Prometheus metrics: what
//! `dscope run --metrics ADDR:PORT` serves at `/metrics`, in the
//! OpenMetrics text format (written by the `prometheus-client` crate).
//!
//! - count and sum are counters (`NAME_total`); min, max, avg and stddev
//!   gauges; quantize, lquantize and llquantize histograms whose `le`
//!   bounds are the buckets' upper ends. A bucket's values are integers,
//!   so `le="1023"` holds exactly what the bucket 512..1023 counted.
//! - A D distribution knows how many values fell in each bucket, never
//!   their sum: a histogram's `_sum` is NaN, so that no rate of it is taken
//!   for a real one (`histogram_quantile` needs only the buckets).
//! - The metric is the aggregation's name, made valid; its labels are named
//!   after the key expressions where they are plain (`execname`, `pid`,
//!   `stack()` as `stack`), `k0`, `k1`… otherwise.
//! - At most `max_series` keys per metric: the largest are kept and the
//!   rest summed in one series whose labels all read `other` (for min the
//!   smallest of them, for max the largest; an avg or stddev of several
//!   keys cannot be made from theirs, so they are left out).

pub mod prometheus;
pub mod serve;

pub use serve::{Exporter, MetricsSink};

use crate::model::{AggFunction, Aggregation, KeyPart, Snapshot, Value};
use prometheus_client::encoding::{DescriptorEncoder, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use std::collections::HashMap;
use std::sync::Arc;
#[cfg(test)]
use std::sync::Mutex;

/// The label value of the series that holds the keys past the cap.
pub const OTHER: &str = "other";

/// How many series a metric has by default before the rest are summed.
pub const DEFAULT_MAX_SERIES: usize = 1000;

/// What `--metrics` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `PORT`, `:PORT` or `ADDR:PORT` (see [`serve::parse_address`]).
    pub address: String,
    /// Series per metric before the rest are summed as `other`.
    pub max_series: usize,
    /// Put before every metric's name.
    pub prefix: String,
}

impl Settings {
    /// Serves the aggregations of the script whose D is `source`.
    pub fn serve(&self, source: &str) -> Result<Arc<Exporter>, String> {
        let naming = Naming::of_source(source, &self.prefix);
        Exporter::bind(&self.address, naming, self.max_series).map(Arc::new)
    }

    /// A sink for one host's snapshots (`None`: this machine's) that
    /// warns through `warn`.
    pub fn sink(
        &self,
        exporter: &Arc<Exporter>,
        host: Option<String>,
        warn: Box<dyn FnMut(String) + Send>,
    ) -> MetricsSink {
        MetricsSink::new(Arc::clone(exporter), host, self.max_series, warn)
    }
}

/// What names a script's metrics: its aggregations' key expressions.
#[derive(Debug, Clone, Default)]
pub struct Naming {
    /// Key expressions by aggregation name (`_` for the anonymous `@`).
    keys: HashMap<String, Vec<String>>,
    /// Put before every metric's name (`--metrics-prefix`).
    pub prefix: String,
}

impl Naming {
    /// The names for the script whose D is `source`.
    pub fn of_source(source: &str, prefix: &str) -> Naming {
        Naming {
            keys: crate::lang::aggregations::key_expressions(source),
            prefix: prefix.to_owned(),
        }
    }

    /// The metric's name for aggregation `name` (empty for `@`).
    pub fn metric(&self, name: &str) -> String {
        let name = if name.is_empty() { "aggregation" } else { name };
        valid_name(&format!("{}{name}", self.prefix))
    }

    /// The label names of an aggregation with `parts` key parts.
    pub fn labels(&self, name: &str, parts: usize, taken: &[&str]) -> Vec<String> {
        let name = if name.is_empty() { "_" } else { name };
        let expressions = self.keys.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let mut labels: Vec<String> = Vec::with_capacity(parts);
        for i in 0..parts {
            let plain = expressions
                .get(i)
                .and_then(|e| plain_label(e))
                .filter(|l| !taken.contains(&l.as_str()) && !labels.contains(l));
            labels.push(plain.unwrap_or_else(|| format!("k{i}")));
        }
        // A plain name may be another part's `kN`: then both become `kN`s.
        for i in 0..parts {
            if labels.iter().filter(|l| **l == labels[i]).count() > 1 {
                labels[i] = format!("k{i}");
            }
        }
        labels
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: anything else becomes `_`.
fn valid_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A label named after a plain key expression: `execname`, `pid`,
/// `stack()`'s `stack`; `None` for anything else (`args[0]`, `a + b`).
fn plain_label(expression: &str) -> Option<String> {
    let e = expression.trim();
    let word = match e.find('(') {
        Some(open) if e.ends_with(')') => e[..open].trim_end(),
        Some(_) => return None,
        None => e,
    };
    let plain = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !word.starts_with("__");
    plain.then(|| word.to_owned())
}

/// One host's snapshot (`None`: this machine, no `host` label).
#[derive(Debug, Clone)]
pub struct Source {
    pub host: Option<String>,
    pub snapshot: Arc<Snapshot>,
}

/// What a scrape writes: every source's aggregations as metrics.
#[derive(Debug)]
pub struct Families<'a> {
    pub sources: &'a [Source],
    pub naming: &'a Naming,
    pub max_series: usize,
}

impl Families<'_> {
    /// The OpenMetrics text, ending in `# EOF`.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register_collector(Box::new(Owned(self.collect())));
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }

    /// The metrics as the collector writes them: one family per
    /// aggregation name, holding every host's series of it.
    fn collect(&self) -> Vec<Family> {
        let mut families: Vec<Family> = Vec::new();
        for source in self.sources {
            for agg in &source.snapshot.aggregations {
                let name = self.naming.metric(&agg.name);
                let at = match families.iter().position(|f| f.from == agg.name) {
                    Some(at) => at,
                    None => {
                        families.push(Family::new(name, agg));
                        families.len() - 1
                    }
                };
                let family = &mut families[at];
                if family.function.name() != agg.function.name() {
                    continue;
                }
                let taken: &[&str] = if source.host.is_some() {
                    &["le", "host"]
                } else {
                    &["le"]
                };
                let parts = agg
                    .rows
                    .first()
                    .map_or(agg.key_sizes.len(), |r| r.key.len());
                let labels = self.naming.labels(&agg.name, parts, taken);
                family.add(source.host.as_deref(), &labels, agg, self.max_series);
            }
        }
        families
    }
}

/// The keys past the cap of one aggregation, by how many there were.
pub fn over_cap(snapshot: &Snapshot, max_series: usize) -> Vec<(&str, usize)> {
    snapshot
        .aggregations
        .iter()
        .filter(|a| a.rows.len() > max_series)
        .map(|a| (a.name.as_str(), a.rows.len()))
        .collect()
}

/// One metric: its type and its series.
#[derive(Debug)]
struct Family {
    /// The aggregation's own name.
    from: String,
    name: String,
    help: String,
    function: AggFunction,
    series: Vec<Series>,
}

#[derive(Debug)]
struct Series {
    labels: Vec<(String, String)>,
    value: Measure,
}

#[derive(Debug)]
enum Measure {
    Counter(f64),
    Gauge(i64),
    /// Each bucket's upper bound (`+Inf` for the overflow) and count.
    Histogram(Vec<(f64, u64)>),
}

impl Family {
    fn new(name: String, agg: &Aggregation) -> Family {
        let what = match agg.function {
            AggFunction::Count | AggFunction::Sum => "",
            AggFunction::Min | AggFunction::Max => " (the other series: of all its keys)",
            AggFunction::Avg | AggFunction::Stddev => " (keys past the cap left out)",
            _ => " (_sum unknown: D counts values per bucket only)",
        };
        let shown = if agg.name.is_empty() { "" } else { &agg.name };
        let counter = matches!(agg.function, AggFunction::Count | AggFunction::Sum);
        // The format adds `_total` to a counter's name.
        let name = match name.strip_suffix("_total") {
            Some(stem) if counter && !stem.is_empty() => stem.to_owned(),
            _ => name,
        };
        Family {
            from: agg.name.clone(),
            name,
            help: format!("DTrace @{shown} = {}(){what}", agg.function.name()),
            function: agg.function,
            series: Vec::new(),
        }
    }

    /// Adds an aggregation's rows: the `max_series` largest as they are,
    /// the rest as one `other` series.
    fn add(&mut self, host: Option<&str>, labels: &[String], agg: &Aggregation, max_series: usize) {
        let mut order: Vec<usize> = (0..agg.rows.len()).collect();
        if agg.rows.len() > max_series {
            order.sort_by_key(|&i| std::cmp::Reverse(agg.rows[i].value.total().unsigned_abs()));
        }
        let (kept, rest) = order.split_at(order.len().min(max_series));
        let named = |values: Vec<String>| -> Vec<(String, String)> {
            host.map(|h| ("host".to_owned(), h.to_owned()))
                .into_iter()
                .chain(labels.iter().cloned().zip(values))
                .collect()
        };
        for &i in kept {
            let row = &agg.rows[i];
            let values = row.key.iter().map(KeyPart::label).collect();
            self.series.push(Series {
                labels: named(values),
                value: measure(agg.function, &[&row.value]),
            });
        }
        if rest.is_empty() || matches!(agg.function, AggFunction::Avg | AggFunction::Stddev) {
            return;
        }
        let values: Vec<&Value> = rest.iter().map(|&i| &agg.rows[i].value).collect();
        self.series.push(Series {
            labels: named(vec![OTHER.to_owned(); labels.len()]),
            value: measure(agg.function, &values),
        });
    }
}

/// The measure of one key's value, or of several keys' taken together.
fn measure(function: AggFunction, values: &[&Value]) -> Measure {
    let numbers = || {
        values.iter().filter_map(|v| match v {
            Value::Number(n) => Some(*n),
            Value::Buckets(_) => None,
        })
    };
    match function {
        AggFunction::Count | AggFunction::Sum => {
            Measure::Counter(numbers().map(|n| n as f64).sum())
        }
        AggFunction::Min => Measure::Gauge(numbers().min().unwrap_or(0)),
        AggFunction::Max => Measure::Gauge(numbers().max().unwrap_or(0)),
        AggFunction::Avg | AggFunction::Stddev => Measure::Gauge(numbers().next().unwrap_or(0)),
        _ => Measure::Histogram(histogram(values)),
    }
}

/// Buckets summed over `values`, in order, as (upper bound, count).
fn histogram(values: &[&Value]) -> Vec<(f64, u64)> {
    let mut by_bound: std::collections::BTreeMap<(i128, i128), (f64, u64)> = Default::default();
    for v in values {
        let Value::Buckets(buckets) = *v else {
            continue;
        };
        for b in buckets {
            let bound = b.max.map_or(f64::INFINITY, |m| m as f64);
            let entry = by_bound.entry(b.order()).or_insert((bound, 0));
            entry.1 = entry.1.saturating_add(b.count.max(0) as u64);
        }
    }
    let mut out: Vec<(f64, u64)> = by_bound.into_values().collect();
    // Prometheus needs the +Inf bucket even when D printed no overflow.
    if out.last().is_none_or(|(bound, _)| bound.is_finite()) {
        out.push((f64::INFINITY, 0));
    }
    out
}

/// The families handed to `prometheus-client` at a scrape.
#[derive(Debug)]
struct Owned(Vec<Family>);

impl prometheus_client::collector::Collector for Owned {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for family in &self.0 {
            let kind = match family.function {
                AggFunction::Count | AggFunction::Sum => MetricType::Counter,
                f if f.is_distribution() => MetricType::Histogram,
                _ => MetricType::Gauge,
            };
            let mut metric = encoder.encode_descriptor(&family.name, &family.help, None, kind)?;
            for series in &family.series {
                let labelled = metric.encode_family(&series.labels)?;
                series.value.write(labelled)?;
            }
        }
        Ok(())
    }
}

impl Measure {
    fn write(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        match self {
            Measure::Counter(v) => encoder.encode_counter::<NoLabelSet, _, f64>(v, None),
            Measure::Gauge(v) => encoder.encode_gauge(v),
            Measure::Histogram(buckets) => {
                let count = buckets.iter().fold(0u64, |a, (_, c)| a.saturating_add(*c));
                encoder.encode_histogram::<NoLabelSet>(f64::NAN, count, buckets, None)
            }
        }
    }
}

#[cfg(test)]
mod tests;
