//! Long history from Prometheus: the metrics `run --metrics` served,
//! read back through Prometheus's HTTP API (a range query) to learn a
//! baseline from weeks of points rather than from recordings.
//!
//! Plain `http://` only, as the endpoint itself serves; put TLS around it
//! (a proxy, `ssh -L`) to reach a Prometheus elsewhere.

use crate::history::baseline::{Baseline, Measure, Period};
use crate::model::KeyPart;
use chrono::{DateTime, Utc};
use std::io::{Read, Write};
use std::time::Duration;

/// The largest answer read from Prometheus (a week of minutes for a few
/// thousand series is about this).
const MAX_ANSWER: u64 = 512 << 20;

/// Where Prometheus is: `http://HOST[:PORT]` (9090 when not given).
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    host: String,
    port: u16,
}

impl Server {
    pub fn parse(url: &str) -> Result<Server, String> {
        let rest = url.trim().trim_end_matches('/');
        let Some(rest) = rest.strip_prefix("http://") else {
            return Err(format!(
                "'{url}': give Prometheus as http://HOST[:PORT] (https is not spoken here: \
                 put a proxy or ssh -L in front)"
            ));
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("'{url}': bad port"))?),
            None => (rest, 9090),
        };
        if host.is_empty() || host.contains('/') {
            return Err(format!("'{url}': give Prometheus as http://HOST[:PORT]"));
        }
        Ok(Server {
            host: host.to_owned(),
            port,
        })
    }

    /// GET `path`; the JSON `data` of a successful answer.
    fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let failed =
            |e: &dyn std::fmt::Display| format!("Prometheus at {}:{}: {e}", self.host, self.port);
        let mut s = std::net::TcpStream::connect((self.host.as_str(), self.port))
            .map_err(|e| failed(&e))?;
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| failed(&e))?;
        write!(
            s,
            "GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: application/json\r\n\r\n",
            self.host
        )
        .map_err(|e| failed(&e))?;
        let mut reply = Vec::new();
        s.take(MAX_ANSWER + 1)
            .read_to_end(&mut reply)
            .map_err(|e| failed(&e))?;
        if reply.len() as u64 > MAX_ANSWER {
            return Err(failed(
                &"the answer is larger than 512 MiB: ask for a shorter range or a longer step",
            ));
        }
        let text = String::from_utf8_lossy(&reply);
        let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let doc: serde_json::Value = serde_json::from_str(body)
            .map_err(|e| failed(&format!("not a Prometheus answer ({e})")))?;
        if doc["status"] != "success" {
            let why = doc["error"].as_str().unwrap_or("no reason given");
            return Err(failed(&why));
        }
        Ok(doc["data"].clone())
    }

    /// The type Prometheus has for `metric` (counter, gauge, histogram).
    pub fn metric_type(&self, metric: &str) -> Result<String, String> {
        let data = self.get(&format!("/api/v1/metadata?metric={}", encoded(metric)))?;
        data[metric][0]["type"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                format!(
                    "Prometheus knows no metric '{metric}' (has it scraped dscope run --metrics?)"
                )
            })
    }

    /// A range query: each series' labels and points.
    pub fn range(
        &self,
        query: &str,
        (start, end): (DateTime<Utc>, DateTime<Utc>),
        step: u64,
    ) -> Result<Vec<Series>, String> {
        let path = format!(
            "/api/v1/query_range?query={}&start={}&end={}&step={step}",
            encoded(query),
            start.timestamp(),
            end.timestamp()
        );
        let data = self.get(&path)?;
        let series = data["result"].as_array().cloned().unwrap_or_default();
        Ok(series
            .iter()
            .map(|s| Series {
                labels: s["metric"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
                points: s["values"]
                    .as_array()
                    .map(|v| v.iter().filter_map(point).collect())
                    .unwrap_or_default(),
            })
            .collect())
    }
}

/// One `[unix seconds, "value"]`; NaN and infinities are left out.
fn point(v: &serde_json::Value) -> Option<(DateTime<Utc>, f64)> {
    let t = v[0].as_f64()?;
    let x: f64 = v[1].as_str()?.parse().ok()?;
    let when = DateTime::from_timestamp_millis((t * 1000.0) as i64)?;
    x.is_finite().then_some((when, x))
}

fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A series of a range query.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Vec<(String, String)>,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// Labels that Prometheus or a fleet add, not the script's key.
const NOT_KEYS: &[&str] = &["__name__", "job", "instance", "host", "le"];

impl Series {
    /// The key the labels stand for, in the order of `names` (the
    /// script's label names, from [`super::Naming::labels`]), or by label
    /// name when not known. A number reads as an integer key part, a
    /// " < "-joined value as a stack, anything else as a string.
    pub fn key(&self, names: Option<&[String]>) -> Vec<KeyPart> {
        let mut labels: Vec<&(String, String)> = self
            .labels
            .iter()
            .filter(|(k, _)| !NOT_KEYS.contains(&k.as_str()))
            .collect();
        match names {
            Some(names) => labels.sort_by_key(|(k, _)| names.iter().position(|n| n == k)),
            None => labels.sort_by(|a, b| a.0.cmp(&b.0)),
        }
        labels
            .into_iter()
            .map(|(_, v)| match v.parse::<i64>() {
                Ok(n) => KeyPart::Int(n),
                Err(_) if v.contains(" < ") => {
                    KeyPart::Stack(v.split(" < ").map(str::to_owned).collect())
                }
                Err(_) => KeyPart::Str(v.clone()),
            })
            .collect()
    }
}

/// What to learn from Prometheus.
#[derive(Debug, Clone)]
pub struct Asked<'a> {
    pub server: &'a Server,
    /// Aggregation names as the metrics are named (`--metrics-prefix`
    /// included), and the script that names their labels, if given.
    pub metrics: &'a [String],
    pub naming: Option<&'a super::Naming>,
    pub prefix: &'a str,
    /// The range: `seconds` back from now, a point every `step` seconds.
    pub seconds: u64,
    pub step: u64,
}

/// Learns a baseline from the metrics Prometheus kept: a counter's rate,
/// a gauge's value, a histogram's rate of values.
pub fn learn(asked: &Asked, period: Period, window: u64) -> Result<Baseline, String> {
    let end = Utc::now();
    let start = end - chrono::Duration::seconds(asked.seconds as i64);
    let step = asked.step.max(1);
    // Each point's rate is over the four steps before it: at least two
    // scrapes when the step is no shorter than the scrape interval, and
    // short enough that a range of a few minutes is not diluted.
    let over = format!("{}s", step * 4);
    let mut b = Baseline::empty(period, window);
    b.sources.push(crate::history::baseline::Learnt {
        path: format!(
            "prometheus http://{}:{}",
            asked.server.host, asked.server.port
        ),
        started: start.to_rfc3339(),
        points: (asked.seconds / step) as usize,
    });
    for metric in asked.metrics {
        let kind = asked.server.metric_type(metric)?;
        let (query, measure, function) = match kind.as_str() {
            "counter" => (
                format!("rate({metric}_total[{over}])"),
                Measure::Rate,
                "count",
            ),
            "gauge" => (metric.clone(), Measure::Value, "max"),
            "histogram" => (
                format!("rate({metric}_count[{over}])"),
                Measure::Rate,
                "quantize",
            ),
            other => {
                return Err(format!(
                    "'{metric}' is a {other}, which no aggregation serves as"
                ));
            }
        };
        let name = metric.strip_prefix(asked.prefix).unwrap_or(metric);
        let name = if name == "aggregation" { "" } else { name };
        for s in asked.server.range(&query, (start, end), step)? {
            let parts = s
                .labels
                .iter()
                .filter(|(k, _)| !NOT_KEYS.contains(&k.as_str()))
                .count();
            let names = asked.naming.map(|n| n.labels(name, parts, &["le", "host"]));
            let key = s.key(names.as_deref());
            b.learn_points(name, function, &key, measure, &s.points);
        }
    }
    Ok(b)
}
