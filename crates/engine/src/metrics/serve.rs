//! The `/metrics` endpoint: a small HTTP server (`tiny_http`) on its own
//! thread. A run hands it each snapshot (an `Arc` swapped under a lock),
//! and a scrape writes the text from the last one, so a slow or frequent
//! scraper never holds up the run.

use super::{Families, Naming, Source};
use crate::model::{Event, Snapshot};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};

/// What a scrape is answered from.
#[derive(Debug, Default)]
struct State {
    sources: Vec<Source>,
    naming: Arc<Naming>,
    max_series: usize,
}

/// A running `/metrics` endpoint; dropping it stops the server.
pub struct Exporter {
    state: Arc<Mutex<State>>,
    server: Arc<tiny_http::Server>,
    address: SocketAddr,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// `PORT`, `:PORT` or `ADDR:PORT` as a socket address: loopback unless an
/// address is given.
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not a port or ADDR:PORT to serve /metrics on");
    if let Ok(port) = text.trim_start_matches(':').parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.to_socket_addrs()
        .map_err(|e| format!("{}: {e}", bad()))?
        .next()
        .ok_or_else(bad)
}

impl Exporter {
    /// Serves `/metrics` on `address` (see [`parse_address`]).
    pub fn bind(address: &str, naming: Naming, max_series: usize) -> Result<Exporter, String> {
        let address = parse_address(address)?;
        let server = tiny_http::Server::http(address)
            .map_err(|e| format!("cannot serve /metrics on {address}: {e}"))?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| format!("cannot serve /metrics on {address}"))?;
        let server = Arc::new(server);
        let state = Arc::new(Mutex::new(State {
            sources: Vec::new(),
            naming: Arc::new(naming),
            max_series: max_series.max(1),
        }));
        let thread = {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            std::thread::Builder::new()
                .name("dscope-metrics".into())
                .spawn(move || answer(&server, &state))
                .map_err(|e| format!("cannot start the /metrics thread: {e}"))?
        };
        Ok(Exporter {
            state,
            server,
            address,
            thread: Some(thread),
        })
    }

    /// Where it listens (with the port the system chose for port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The values to serve from now on for `host` (`None`: this machine).
    pub fn set(&self, host: Option<&str>, snapshot: Arc<Snapshot>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.sources.iter_mut().find(|s| s.host.as_deref() == host) {
            Some(source) => source.snapshot = snapshot,
            None => state.sources.push(Source {
                host: host.map(str::to_owned),
                snapshot,
            }),
        }
    }

    /// The text a scrape gets now.
    pub fn text(&self) -> String {
        render(&self.state)
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn render(state: &Mutex<State>) -> String {
    // The lock is held only to copy the `Arc`s out.
    let (sources, naming, max_series) = {
        let s = state.lock().unwrap_or_else(|p| p.into_inner());
        (s.sources.clone(), Arc::clone(&s.naming), s.max_series)
    };
    Families {
        sources: &sources,
        naming: &naming,
        max_series,
    }
    .render()
}

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Scrapes answered at once; one more is told to come back (503).
const MAX_IN_FLIGHT: usize = 8;

fn answer(server: &tiny_http::Server, state: &Arc<Mutex<State>>) {
    let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for request in server.incoming_requests() {
        use std::sync::atomic::Ordering;
        // Each answer on a thread of its own: a client that stops reading
        // a large answer holds up only itself.
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            let busy = with_type("busy: try again\n".to_owned(), "text/plain");
            let _ = request.respond(busy.with_status_code(503));
            continue;
        }
        let (state, count) = (Arc::clone(state), Arc::clone(&in_flight));
        let spawned = std::thread::Builder::new()
            .name("dscope-scrape".into())
            .spawn(move || {
                respond(request, &state);
                count.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn respond(request: tiny_http::Request, state: &Mutex<State>) {
    let method = request.method().clone();
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    let response = match (&method, path.as_str()) {
        (tiny_http::Method::Get | tiny_http::Method::Head, "/metrics") => {
            with_type(render(state), OPENMETRICS)
        }
        (tiny_http::Method::Get | tiny_http::Method::Head, "/") => with_type(
            "dscope: the running script's aggregations are at /metrics\n".to_owned(),
            "text/plain; charset=utf-8",
        ),
        (tiny_http::Method::Get | tiny_http::Method::Head, _) => {
            with_type("not found: try /metrics\n".to_owned(), "text/plain").with_status_code(404)
        }
        _ => with_type("only GET and HEAD\n".to_owned(), "text/plain").with_status_code(405),
    };
    // A scraper that went away is no concern of the run's.
    let _ = request.respond(response);
}

fn with_type(body: String, content_type: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let response = tiny_http::Response::from_string(body);
    match tiny_http::Header::from_bytes("Content-Type", content_type) {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

/// A run's sink that keeps the exporter's values current, and says once
/// per aggregation when its keys pass the cap.
pub struct MetricsSink {
    exporter: Arc<Exporter>,
    host: Option<String>,
    max_series: usize,
    warned: Vec<String>,
    warn: Box<dyn FnMut(String) + Send>,
}

impl MetricsSink {
    pub fn new(
        exporter: Arc<Exporter>,
        host: Option<String>,
        max_series: usize,
        warn: Box<dyn FnMut(String) + Send>,
    ) -> MetricsSink {
        MetricsSink {
            exporter,
            host,
            max_series,
            warned: Vec::new(),
            warn,
        }
    }

    /// Takes a snapshot (of this sink's host).
    pub fn snapshot(&mut self, snapshot: &Snapshot) {
        for (name, keys) in super::over_cap(snapshot, self.max_series) {
            if self.warned.iter().any(|w| w == name) {
                continue;
            }
            self.warned.push(name.to_owned());
            (self.warn)(format!(
                "@{name} has {keys} keys: /metrics serves the {} largest and sums the rest in one series labelled '{}'",
                self.max_series,
                super::OTHER
            ));
        }
        self.exporter
            .set(self.host.as_deref(), Arc::new(snapshot.clone()));
    }
}

impl crate::sink::Sink for MetricsSink {
    fn take(&mut self, _t: f64, event: &Event) -> Result<(), String> {
        if let Event::Snapshot(s) = event {
            self.snapshot(s);
        }
        Ok(())
    }
}
