//! What watches a script's runs in the window: the baseline its keys are
//! checked against, the alert rules the script keeps, and the /metrics
//! endpoint. The user's choices outlive a run; what a run found (its
//! anomalies and alerts) is the run's.

use dscope_engine::alerts::{Action, Alert, CommandAction, Rule, Rules};
use dscope_engine::history::History;
use dscope_engine::history::anomaly::{Anomaly, Change, Detector, Settings};
use dscope_engine::history::baseline::Baseline;
use dscope_engine::metrics::{Exporter, MetricsSink};
use dscope_engine::model::Snapshot;
use std::path::PathBuf;
use std::sync::Arc;

/// The baseline chosen, and where it came from.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub path: PathBuf,
    pub baseline: Arc<Baseline>,
}

/// The /metrics endpoint asked for.
#[derive(Default)]
pub struct Serving {
    /// `[ADDR:]PORT`; empty while off.
    pub address: String,
    exporter: Option<Arc<Exporter>>,
    sink: Option<MetricsSink>,
    /// Why it could not be served, or where it is.
    pub said: Option<String>,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving")
            .field("address", &self.address)
            .field("exporter", &self.exporter)
            .finish_non_exhaustive()
    }
}

impl Serving {
    /// Where it listens, while it does.
    pub fn listening(&self) -> Option<std::net::SocketAddr> {
        self.exporter.as_ref().map(|e| e.address())
    }
}

/// A script's watchers.
#[derive(Debug, Default)]
pub struct Watch {
    pub baseline: Option<Chosen>,
    pub settings: Settings,
    /// The period a recording chosen as the baseline is learnt with.
    pub learn_period: dscope_engine::history::baseline::Period,
    /// Runs this program with each alert as JSON on its standard input.
    pub alert_command: Option<CommandAction>,
    pub metrics: Serving,
    detector: Option<Detector>,
    rules: Option<Rules>,
    /// What the last run found.
    pub alerts: Vec<Alert>,
}

impl Watch {
    /// The anomalies of the last run.
    pub fn anomalies(&self) -> &[Anomaly] {
        self.detector.as_ref().map_or(&[], |d| &d.anomalies)
    }

    /// A run of script `name` with `source` started tracing at `started` (UTC,
    /// the run's time 0). Lines for the console say what is watched, or
    /// what could not be.
    pub fn start(
        &mut self,
        (name, source): (&str, &str),
        started: chrono::DateTime<chrono::Utc>,
    ) -> Vec<String> {
        let mut said = Vec::new();
        self.alerts.clear();
        self.detector = self.baseline.as_ref().map(|c| {
            said.push(format!(
                "dscope: checking against the baseline {}",
                c.path.display()
            ));
            Detector::new(Arc::clone(&c.baseline), self.settings, started)
        });
        let (rules, problems) = dscope_engine::alerts::parse::in_script(source);
        said.extend(
            problems
                .into_iter()
                .map(|p| format!("dscope: alert rule {p}")),
        );
        if !rules.is_empty() {
            said.push(format!("dscope: watching {} alert rule(s)", rules.len()));
        }
        let baseline = self.baseline.as_ref().map(|c| Arc::clone(&c.baseline));
        let host = dscope_engine::amqp::this_host();
        self.rules = (!rules.is_empty()).then(|| Rules::new(rules, baseline, started, &host, name));
        said.extend(self.serve(source));
        said
    }

    /// Starts (or keeps) the endpoint for a run of `source`.
    fn serve(&mut self, source: &str) -> Option<String> {
        if self.metrics.address.trim().is_empty() {
            self.metrics.exporter = None;
            self.metrics.sink = None;
            return None;
        }
        let settings = dscope_engine::metrics::Settings {
            address: self.metrics.address.clone(),
            max_series: dscope_engine::metrics::DEFAULT_MAX_SERIES,
            prefix: String::new(),
        };
        // A new run may have new key expressions: a new exporter, on the
        // same address once the old one is gone.
        self.metrics.sink = None;
        self.metrics.exporter = None;
        let said = match settings.serve(source) {
            Ok(exporter) => {
                let said = format!(
                    "dscope: serving the aggregations at http://{}/metrics",
                    exporter.address()
                );
                let warn = Box::new(|_: String| {});
                self.metrics.sink = Some(settings.sink(&exporter, None, warn));
                self.metrics.exporter = Some(exporter);
                said
            }
            Err(e) => format!("dscope: {e}"),
        };
        self.metrics.said = Some(said.clone());
        Some(said)
    }

    /// Stops serving /metrics.
    pub fn stop_serving(&mut self) {
        self.metrics.sink = None;
        self.metrics.exporter = None;
        self.metrics.said = None;
    }

    /// A new snapshot arrived and `history` has it: checks it, hands it
    /// to the endpoint, and gives lines for the console.
    pub fn snapshot(&mut self, snapshot: &Snapshot, history: &History) -> Vec<String> {
        let mut said = Vec::new();
        if let Some(sink) = &mut self.metrics.sink {
            sink.snapshot(snapshot);
        }
        if let Some(d) = &mut self.detector {
            for change in d.check(history) {
                said.push(match change {
                    Change::Started(a) => format!("dscope: anomaly: {}", a.line()),
                    Change::Ended(a) => format!("dscope: anomaly over: {}", a.line()),
                });
            }
        }
        if let Some(rules) = &mut self.rules {
            for alert in rules.check(history) {
                said.push(format!("dscope: {}", alert.line()));
                if let Some(c) = &mut self.alert_command
                    && let Err(e) = c.act(&alert)
                {
                    said.push(format!("dscope: alert {}: {e}", alert.rule));
                }
                self.alerts.push(alert);
            }
        }
        said
    }

    /// The rules the window would judge for `source`.
    pub fn rules_of(source: &str) -> Vec<Rule> {
        dscope_engine::alerts::parse::in_script(source).0
    }
}
