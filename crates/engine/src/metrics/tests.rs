//! The metrics' tests: names, labels, types, the cap, and the endpoint.

use super::*;
use crate::model::fixtures::{counts, quantized};
use crate::model::{Bucket, Row};

fn bucket(min: Option<i64>, max: Option<i64>, count: i64) -> Bucket {
    Bucket {
        label: String::new(),
        min,
        max,
        count,
        raw: None,
    }
}

fn text(snapshot: Snapshot, source: &str, max_series: usize) -> String {
    Families {
        sources: &[Source {
            host: None,
            snapshot: Arc::new(snapshot),
        }],
        naming: &Naming::of_source(source, ""),
        max_series,
    }
    .render()
}

#[test]
fn counts_are_counters_labelled_by_their_key_expression() {
    let t = text(
        counts(&[("bash", 3), ("sshd", 5)]),
        "syscall:::entry { @n[execname] = count(); }",
        10,
    );
    assert!(t.contains("# TYPE n counter\n"), "{t}");
    assert!(t.contains("n_total{execname=\"bash\"} 3"), "{t}");
    assert!(t.contains("n_total{execname=\"sshd\"} 5"), "{t}");
    assert!(t.ends_with("# EOF\n"), "{t}");
}

#[test]
fn a_key_that_is_no_plain_word_is_numbered() {
    let t = text(
        counts(&[("x", 1)]),
        "syscall:::entry { @n[args[0]] = count(); }",
        10,
    );
    assert!(t.contains("n_total{k0=\"x\"} 1"), "{t}");
    // No script at hand at all: numbered too.
    let t = text(counts(&[("x", 1)]), "", 10);
    assert!(t.contains("n_total{k0=\"x\"} 1"), "{t}");
}

#[test]
fn labels_are_plain_unique_and_never_le() {
    let naming = Naming::of_source(
        "BEGIN { @a[execname, stack(), le, execname, self->x] = count(); }",
        "",
    );
    assert_eq!(
        naming.labels("a", 5, &["le"]),
        ["execname", "stack", "k2", "k3", "k4"]
    );
    // A plain name that is also another part's kN: both numbered.
    let naming = Naming::of_source("BEGIN { @b[k1, a + 1] = count(); }", "");
    assert_eq!(naming.labels("b", 2, &["le"]), ["k0", "k1"]);
}

#[test]
fn names_are_made_valid() {
    let naming = Naming::of_source("", "dtrace_");
    assert_eq!(naming.metric("lat"), "dtrace_lat");
    assert_eq!(naming.metric(""), "dtrace_aggregation");
    let bare = Naming::default();
    assert_eq!(bare.metric("9lives"), "_9lives");
    assert_eq!(bare.metric("a.b-c"), "a_b_c");
}

#[test]
fn distributions_are_histograms_with_cumulative_le_buckets() {
    let t = text(
        quantized(vec![
            bucket(None, Some(-1), 0),
            bucket(Some(0), Some(0), 2),
            bucket(Some(1), Some(1), 0),
            bucket(Some(2), Some(3), 5),
            bucket(Some(4), Some(7), 0),
        ]),
        "BEGIN { @q = quantize(1); }",
        10,
    );
    assert!(t.contains("# TYPE q histogram"), "{t}");
    for line in [
        "q_bucket{le=\"-1.0\"} 0",
        "q_bucket{le=\"0.0\"} 2",
        "q_bucket{le=\"1.0\"} 2",
        "q_bucket{le=\"3.0\"} 7",
        "q_bucket{le=\"7.0\"} 7",
        "q_bucket{le=\"+Inf\"} 7",
        "q_count 7",
        "q_sum NaN",
    ] {
        assert!(t.contains(line), "{line} in {t}");
    }
}

fn many(function: AggFunction, n: i64) -> Snapshot {
    Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "m".into(),
            function,
            key_sizes: vec![8],
            rows: (1..=n)
                .map(|i| Row {
                    key: vec![KeyPart::Int(i)],
                    value: Value::Number(i),
                })
                .collect(),
        }],
    }
}

#[test]
fn keys_past_the_cap_become_one_other_series() {
    let source = "BEGIN { @m[pid] = count(); }";
    let t = text(many(AggFunction::Count, 10), source, 3);
    assert!(t.contains("m_total{pid=\"10\"} 10"), "{t}");
    assert!(t.contains("m_total{pid=\"8\"} 8"), "{t}");
    assert!(!t.contains("pid=\"7\""), "{t}");
    // 1 + 2 + ... + 7.
    assert!(t.contains("m_total{pid=\"other\"} 28"), "{t}");
    let t = text(many(AggFunction::Min, 10), source, 3);
    assert!(t.contains("m{pid=\"other\"} 1"), "{t}");
    let t = text(many(AggFunction::Avg, 10), source, 3);
    assert!(!t.contains("other"), "{t}");
    assert_eq!(over_cap(&many(AggFunction::Count, 10), 3), [("m", 10)]);
}

#[test]
fn hosts_are_a_label_of_one_family() {
    let families = Families {
        sources: &[
            Source {
                host: Some("a".into()),
                snapshot: Arc::new(counts(&[("x", 1)])),
            },
            Source {
                host: Some("b".into()),
                snapshot: Arc::new(counts(&[("x", 2)])),
            },
        ],
        naming: &Naming::of_source("BEGIN { @n[execname] = count(); }", ""),
        max_series: 10,
    };
    let t = families.render();
    assert_eq!(t.matches("# TYPE n counter").count(), 1, "{t}");
    assert!(t.contains("n_total{host=\"a\",execname=\"x\"} 1"), "{t}");
    assert!(t.contains("n_total{host=\"b\",execname=\"x\"} 2"), "{t}");
}

#[test]
fn addresses_are_loopback_unless_given() {
    assert_eq!(
        serve::parse_address("9464").unwrap(),
        "127.0.0.1:9464".parse().unwrap()
    );
    assert_eq!(
        serve::parse_address(":9464").unwrap(),
        "127.0.0.1:9464".parse().unwrap()
    );
    assert_eq!(
        serve::parse_address("0.0.0.0:80").unwrap(),
        "0.0.0.0:80".parse().unwrap()
    );
    assert!(serve::parse_address("nowhere").is_err());
}

/// The endpoint over a real socket: the sink's last snapshot, the right
/// type, 404 elsewhere, and the cap's warning said once.
#[test]
fn the_endpoint_serves_the_last_snapshot() {
    use std::io::{Read, Write};
    let exporter = Arc::new(
        Exporter::bind(
            "127.0.0.1:0",
            Naming::of_source("BEGIN { @n[execname] = count(); }", ""),
            1,
        )
        .unwrap(),
    );
    let warned = Arc::new(Mutex::new(Vec::new()));
    let w = Arc::clone(&warned);
    let mut sink = MetricsSink::new(
        Arc::clone(&exporter),
        None,
        1,
        Box::new(move |m| w.lock().unwrap().push(m)),
    );
    sink.snapshot(&counts(&[("a", 1), ("b", 2)]));
    sink.snapshot(&counts(&[("a", 3), ("b", 4)]));
    assert_eq!(warned.lock().unwrap().len(), 1);
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(exporter.address()).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    };
    let page = get("/metrics");
    assert!(page.starts_with("HTTP/1.0 200"), "{page}");
    assert!(page.contains("application/openmetrics-text"), "{page}");
    assert!(page.contains("n_total{execname=\"b\"} 4"), "{page}");
    assert!(page.contains("n_total{execname=\"other\"} 3"), "{page}");
    assert!(get("/nothing").starts_with("HTTP/1.0 404"));
}

/// A client that asks and never reads holds up only itself.
#[test]
fn a_scraper_that_stops_reading_holds_up_no_other() {
    use std::io::{Read, Write};
    let exporter = Exporter::bind("127.0.0.1:0", Naming::default(), 1_000_000).unwrap();
    // About 10 MB of text: more than the socket buffers hold.
    let rows: Vec<(String, i64)> = (0..200_000).map(|i| (format!("key-{i}"), i)).collect();
    let named: Vec<(&str, i64)> = rows.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    exporter.set(None, Arc::new(counts(&named)));
    let mut stuck = std::net::TcpStream::connect(exporter.address()).unwrap();
    write!(stuck, "GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut s = std::net::TcpStream::connect(exporter.address()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut body = Vec::new();
    s.read_to_end(&mut body).unwrap();
    assert!(body.len() > 1_000_000, "{}", body.len());
    drop(stuck);
}

/// A request of garbage, or one with a header of megabytes, gets no
/// answer it should not, and the next scrape is answered all the same.
#[test]
fn hostile_requests_leave_the_endpoint_serving() {
    use std::io::{Read, Write};
    let exporter = Exporter::bind("127.0.0.1:0", Naming::default(), 10).unwrap();
    exporter.set(None, Arc::new(counts(&[("a", 1)])));
    for hostile in [
        b"\x00\xff\xfe garbage\r\n\r\n".to_vec(),
        [
            b"GET /metrics HTTP/1.0\r\nX-Big: ".as_slice(),
            &vec![b'a'; 8 << 20],
            b"\r\n\r\n",
        ]
        .concat(),
    ] {
        let mut s = std::net::TcpStream::connect(exporter.address()).unwrap();
        // The server may close while this is still being written.
        let _ = s.write_all(&hostile);
        drop(s);
    }
    let mut s = std::net::TcpStream::connect(exporter.address()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    assert!(body.contains("n_total{k0=\"a\"} 1"), "{body}");
}

/// What answers as Prometheus but is not gets a clear refusal.
#[test]
fn an_answer_that_is_not_prometheus_is_refused() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        for reply in [
            &b"HTTP/1.0 200 OK\r\n\r\n<html>not json</html>"[..],
            b"\xff\xfe\x00",
        ] {
            let (mut s, _) = listener.accept().unwrap();
            // The whole request first: closing on unread bytes would reset
            // the connection before the reply is read.
            let mut asked = Vec::new();
            let mut byte = [0u8; 1];
            while !asked.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                asked.push(byte[0]);
            }
            s.write_all(reply).unwrap();
        }
    });
    let prometheus = prometheus::Server::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    for _ in 0..2 {
        let e = prometheus.metric_type("n").unwrap_err();
        assert!(e.contains("not a Prometheus answer"), "{e}");
    }
    server.join().unwrap();
    assert!(
        prometheus::Server::parse("https://x")
            .unwrap_err()
            .contains("https")
    );
}
