//! A real Prometheus scraping a live `dscope run --metrics`: PromQL
//! through its HTTP API gives, per key, what `dscope run --format json`
//! reports for the same deterministic fixture (counts, sums, gauges and
//! histogram buckets). Live: DSCOPE_LIVE=1, and Debian's `prometheus`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::live;

/// Every value made in BEGIN, so the numbers are exact; the run then goes
/// on until its duration ends, for the scrapes.
const FIXTURE: &str = r#"
#pragma D option quiet
BEGIN
{
	@c["a"] = count(); @c["b"] = count(); @c["b"] = count();
	@s["x", 1] = sum(10); @s["y", 2] = sum(7);
	@mx["m"] = max(9); @mx["m"] = max(4);
	@q = quantize(1); @q = quantize(8); @q = quantize(1000); @q = quantize(1000);
	@l = lquantize(5, 0, 10, 2); @l = lquantize(50, 0, 10, 2);
}
"#;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child that is killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// GET `path` from 127.0.0.1:`port`; the body.
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut reply = String::new();
    s.read_to_string(&mut reply).ok()?;
    reply
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
}

/// `%`-encodes a PromQL query for a URL.
fn encoded(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The instant vector a query gives: each series' labels and value.
fn query(port: u16, q: &str) -> Vec<(serde_json::Value, f64)> {
    let Some(body) = get(port, &format!("/api/v1/query?query={}", encoded(q))) else {
        return Vec::new();
    };
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    doc["data"]["result"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|s| {
                    let v = s["value"][1]
                        .as_str()
                        .unwrap_or("nan")
                        .parse()
                        .unwrap_or(f64::NAN);
                    (s["metric"].clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn prometheus(dir: &Path, target: u16) -> (Killed, u16) {
    let port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: dscope\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
        ),
    )
    .unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Debian's prometheus package is needed for this test");
    (Killed(child), port)
}

/// `dscope run --metrics` of `file` for 90 s, and a Prometheus scraping
/// it: both, and Prometheus's port.
fn scraped(dir: &Path, file: &Path) -> (Killed, Killed, u16) {
    let metrics = free_port();
    let run = Killed(
        Command::new(env!("CARGO_BIN_EXE_dscope"))
            .args(["run", "--duration", "90", "--metrics"])
            .arg(metrics.to_string())
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (prometheus, port) = prometheus(dir, metrics);
    (run, prometheus, port)
}

/// What `dscope run --format json` reports for the fixture.
fn reported(file: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(["run", "--format", "json", "--duration", "1"])
        .arg(file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn aggregation<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["aggregations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no @{name} in {report}"))
}

#[test]
fn prometheus_scrapes_what_the_json_report_says() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixture.d");
    std::fs::write(&file, FIXTURE).unwrap();
    let report = reported(&file);
    let (_run, _prometheus, port) = scraped(dir.path(), &file);
    // Until Prometheus has scraped a snapshot with every series.
    let deadline = Instant::now() + Duration::from_secs(45);
    let mut counts = Vec::new();
    while Instant::now() < deadline {
        counts = query(port, "c_total");
        if counts.len() == 2 && !query(port, "l_bucket").is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(counts.len(), 2, "no scrape of c_total in 45 s: {counts:?}");
    // Counts per key: the JSON report's rows.
    for row in aggregation(&report, "c")["rows"].as_array().unwrap() {
        let key = row["key"][0]["value"].as_str().unwrap();
        let want = row["value"]["value"].as_f64().unwrap();
        let got = counts.iter().find(|(m, _)| m["k0"] == key).map(|(_, v)| *v);
        assert_eq!(got, Some(want), "c_total{{k0={key}}}: {counts:?}");
        assert_eq!(counts[0].0["job"], "dscope");
    }
    // Sums with two key parts, k0 and k1.
    let sums = query(port, "s_total");
    for row in aggregation(&report, "s")["rows"].as_array().unwrap() {
        let k0 = row["key"][0]["value"].as_str().unwrap().to_owned();
        let k1 = row["key"][1]["value"].as_i64().unwrap().to_string();
        let want = row["value"]["value"].as_f64().unwrap();
        let got = sums
            .iter()
            .find(|(m, _)| m["k0"] == k0.as_str() && m["k1"] == k1.as_str())
            .map(|(_, v)| *v);
        assert_eq!(got, Some(want), "s_total{{{k0},{k1}}}: {sums:?}");
    }
    let max = query(port, "mx");
    assert_eq!(max.len(), 1);
    assert_eq!(
        max[0].1,
        aggregation(&report, "mx")["rows"][0]["value"]["value"]
            .as_f64()
            .unwrap()
    );
    // Histograms: each bucket's cumulative count at its upper bound.
    for name in ["q", "l"] {
        let buckets = query(port, &format!("{name}_bucket"));
        let rows = &aggregation(&report, name)["rows"][0]["value"]["value"];
        let mut cumulative = 0.0;
        for b in rows.as_array().unwrap() {
            cumulative += b["count"].as_f64().unwrap();
            let le = match b["max"].as_i64() {
                Some(m) => m as f64,
                None => f64::INFINITY,
            };
            let got = buckets
                .iter()
                .find(|(m, _)| {
                    let bound: f64 = m["le"]
                        .as_str()
                        .unwrap()
                        .replace("+Inf", "inf")
                        .parse()
                        .unwrap();
                    bound == le
                })
                .map(|(_, v)| *v);
            assert_eq!(
                got,
                Some(cumulative),
                "{name}_bucket{{le={le}}}: {buckets:?}"
            );
        }
        let count = query(port, &format!("{name}_count"));
        assert_eq!(count[0].1, cumulative, "{name}_count");
    }
}

/// A hundred a second, steady.
const STEADY: &str = "#pragma D option quiet\ntick-10ms { @c[\"a\"] = count(); }\n";

#[test]
fn a_baseline_is_learnt_from_what_prometheus_kept() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("steady.d");
    std::fs::write(&file, STEADY).unwrap();
    let (_run, _prometheus, port) = scraped(dir.path(), &file);
    // Twenty seconds of scrapes, a second apart.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && query(port, "count_over_time(c_total[1m])")
            .first()
            .is_none_or(|s| s.1 < 20.0)
    {
        std::thread::sleep(Duration::from_millis(500));
    }
    let saved = dir.path().join("p.dsbase");
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args([
            "baseline",
            "--prometheus",
            &format!("http://127.0.0.1:{port}"),
        ])
        .args(["--script"])
        .arg(&file)
        .args(["--range", "1m", "--step", "1s", "--format", "json", "-o"])
        .arg(&saved)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let agg = &doc["aggregations"][0];
    assert_eq!(agg["name"], "c", "{doc}");
    let key = &agg["keys"][0];
    assert_eq!(
        key["key"][0]["value"], "a",
        "the k0 label as the key: {doc}"
    );
    assert_eq!(key["measure"], "rate");
    let mean = key["slots"][0]["mean"].as_f64().unwrap();
    assert!((70.0..130.0).contains(&mean), "about 100 a second: {doc}");
    assert!(key["slots"][0]["n"].as_u64().unwrap() >= 10, "{doc}");
    // The file reads back as a baseline for report and run.
    assert!(dscope::history::baseline::Baseline::load(&saved).is_ok());
    // Not Prometheus, or no such metric: said, exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args([
            "baseline",
            "--prometheus",
            &format!("http://127.0.0.1:{port}"),
        ])
        .args(["--metric", "nothing_here", "-o"])
        .arg(dir.path().join("q.dsbase"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("knows no metric 'nothing_here'"));
}
