//! Options that more than one subcommand takes: the Prometheus endpoint
//! and the baseline that runs and reports are checked against.

use std::path::PathBuf;

/// `--metrics` and its settings.
#[derive(clap::Args, Debug)]
pub struct Metrics {
    /// Serve the aggregations at http://[ADDR:]PORT/metrics while the
    /// run goes on, for Prometheus (OpenMetrics text): count and sum as
    /// counters, min, max, avg and stddev as gauges, the quantizes as
    /// histograms, keys as labels. PORT alone listens on loopback. On a
    /// fleet each host's series carry a `host` label.
    #[arg(long, value_name = "[ADDR:]PORT")]
    pub metrics: Option<String>,
    /// With --metrics: at most N series per metric; the largest keys are
    /// kept and the rest summed in one series labelled "other".
    #[arg(long, value_name = "N", default_value_t = dscope::metrics::DEFAULT_MAX_SERIES, requires = "metrics")]
    pub metrics_max_series: usize,
    /// With --metrics: put PREFIX before every metric's name.
    #[arg(long, value_name = "PREFIX", default_value = "", requires = "metrics")]
    pub metrics_prefix: String,
}

impl Metrics {
    pub fn settings(&self) -> Option<dscope::metrics::Settings> {
        self.metrics
            .as_ref()
            .map(|address| dscope::metrics::Settings {
                address: address.clone(),
                max_series: self.metrics_max_series,
                prefix: self.metrics_prefix.clone(),
            })
    }
}

/// How a baseline is learnt from recordings.
#[derive(clap::Args, Debug, Clone)]
pub struct Learning {
    /// How the normal level repeats: none, hourly, daily or weekly (each
    /// slot's level is that of the same slot in earlier periods, UTC).
    #[arg(long, value_name = "PERIOD", default_value = "none", value_parser = dscope::history::baseline::Period::parse)]
    pub period: dscope::history::baseline::Period,
    /// The width of a slot: 90s, 15m, 1h (default: a minute of the hour,
    /// 15 minutes of the day, an hour of the week).
    #[arg(long, value_name = "WINDOW", value_parser = dscope::history::baseline::parse_window)]
    pub window: Option<u64>,
}

/// `--baseline` and when a key counts as out of it.
#[derive(clap::Args, Debug)]
pub struct Watch {
    /// Check every point against the normal level of each key: a
    /// baseline file (`dscope baseline`) or recordings to learn it from
    /// (give it again for more).
    #[arg(long, value_name = "FILE")]
    pub baseline: Vec<PathBuf>,
    #[command(flatten)]
    pub learning: Learning,
    /// With --baseline: a key is out beyond this many standard
    /// deviations from its mean.
    #[arg(long, value_name = "N", default_value_t = 3.0)]
    pub sigmas: f64,
    /// With --baseline: ...for this many points in a row.
    #[arg(long, value_name = "M", default_value_t = 3)]
    pub points: usize,
}

impl Watch {
    /// The baseline asked for, if any; problems reading recordings are
    /// said on stderr.
    pub fn read(&self) -> Result<Option<dscope::cli::analysis::Watching>, String> {
        if self.baseline.is_empty() {
            return Ok(None);
        }
        if !(self.sigmas.is_finite() && self.sigmas > 0.0) {
            return Err(format!("--sigmas {} must be above 0", self.sigmas));
        }
        let mut problems = Vec::new();
        let baseline = dscope::history::baseline::from_files(
            &self.baseline,
            self.learning.period,
            self.learning.window.unwrap_or(0),
            &mut problems,
        );
        for p in problems {
            eprintln!("dscope: {p}");
        }
        Ok(Some(dscope::cli::analysis::Watching {
            baseline: std::sync::Arc::new(baseline?),
            settings: dscope::history::anomaly::Settings {
                sigmas: self.sigmas,
                points: self.points.max(1),
            },
        }))
    }
}

/// Rules that act while a run goes on.
#[derive(clap::Args, Debug)]
pub struct Alerting {
    /// A rule, as NAME: @AGG[KEY].MEASURE CONDITION [for DURATION], e.g.
    /// "busy: @syscalls[bash] > 1000 for 10s", "slow: @lat[*].p99 >
    /// 5M", "odd: @n[*] outside baseline", "full: @bytes trend > 1G
    /// within 10m" (give it again for more). Rules the script keeps in
    /// "/* dscope-alert: ... */" lines apply too. Each firing and
    /// clearing is said on stderr.
    #[arg(long = "alert", value_name = "RULE", value_parser = dscope::alerts::Rule::parse)]
    pub rules: Vec<dscope::alerts::Rule>,
    /// Run this program (its words split at spaces, no shell) with each
    /// alert as JSON on its standard input.
    #[arg(long, value_name = "PROGRAM [ARGS]", value_parser = dscope::alerts::CommandAction::parse)]
    pub alert_command: Option<dscope::alerts::CommandAction>,
    /// Send each alert to this AMQP exchange with the routing key
    /// alert.HOST: amqp://[USER[:PASSWORD]@]BROKER[:PORT]/[VHOST/]EXCHANGE.
    #[arg(long, value_name = "amqp://BROKER/EXCHANGE", value_parser = dscope::amqp::Address::parse)]
    pub alert_publish: Option<dscope::amqp::Address>,
}

impl Alerting {
    pub fn settings(&self) -> dscope::cli::Alerting {
        dscope::cli::Alerting {
            rules: self.rules.clone(),
            command: self.alert_command.clone(),
            publish: self.alert_publish.clone(),
        }
    }
}

/// What `dscope report` prints instead of the history.
#[derive(clap::Args, Debug)]
pub struct Reading {
    /// Compare FILE with this recording (the reference, "before"):
    /// per aggregation the keys that appeared, vanished or changed
    /// most, and for distributions each bucket's change and how far
    /// p50, p90, p99 and the maximum moved. Each recording counts as
    /// it was at its end.
    #[arg(long, value_name = "BEFORE.rec", conflicts_with = "baseline")]
    pub compare: Option<PathBuf>,
    /// Which keys' rates move together instead: pairs ranked by their
    /// correlation over the recording's points, with its p-value.
    #[arg(long, conflicts_with_all = ["compare", "baseline"])]
    pub correlations: bool,
    /// With --correlations: the weakest |r| listed (0 to 1).
    #[arg(
        long,
        value_name = "R",
        default_value_t = 0.5,
        requires = "correlations"
    )]
    pub min_r: f64,
    /// With --baseline: the anomalies of FILE against it instead, per
    /// aggregation, each with its key, start, end, value and band.
    #[command(flatten)]
    pub watch: Watch,
}

impl Reading {
    /// Prints the report of `file` asked for; the exit status.
    pub fn report(
        &self,
        file: &std::path::Path,
        format: dscope::history::report::Format,
        out: &mut dyn std::io::Write,
        err: &mut dyn std::io::Write,
    ) -> u8 {
        use dscope::cli::analysis;
        if self.correlations {
            return analysis::report_correlations(file, self.min_r, format, out, err);
        }
        match (&self.compare, self.watch.read()) {
            (_, Err(e)) => {
                eprintln!("dscope: {e}");
                dscope::job::EXIT_CANNOT
            }
            (Some(before), _) => dscope::cli::report_compare(before, file, format, out, err),
            (None, Ok(Some(w))) => analysis::report_baseline(file, &w, format, out, err),
            (None, Ok(None)) => dscope::cli::report(file, format, out, err),
        }
    }
}

/// `dscope baseline --prometheus`: long history from Prometheus instead
/// of recordings.
#[derive(clap::Args, Debug)]
pub struct FromPrometheus {
    /// Learn from what Prometheus (http://HOST[:PORT]) kept of the
    /// metrics `run --metrics` served, instead of recordings: a counter's
    /// rate, a gauge's value, a histogram's rate of values.
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "recordings",
        requires = "output"
    )]
    pub prometheus: Option<String>,
    /// With --prometheus: a metric to learn (an aggregation's name, with
    /// any --metrics-prefix); give it again for more. Default: every
    /// aggregation of --script.
    #[arg(long = "metric", value_name = "NAME", requires = "prometheus")]
    pub metrics: Vec<String>,
    /// With --prometheus: the script that served them, which names their
    /// labels and so orders the key.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub script: Option<PathBuf>,
    /// With --prometheus: how far back, e.g. 7d.
    #[arg(long, value_name = "RANGE", default_value = "7d", value_parser = dscope::history::baseline::parse_window, requires = "prometheus")]
    pub range: u64,
    /// With --prometheus: a point every STEP, e.g. 60s (no shorter than
    /// Prometheus's scrape interval; each point's rate is over 4 steps).
    #[arg(long, value_name = "STEP", default_value = "60s", value_parser = dscope::history::baseline::parse_window, requires = "prometheus")]
    pub step: u64,
    /// With --prometheus: the --metrics-prefix the run served with.
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "",
        requires = "prometheus"
    )]
    pub metrics_prefix: String,
}

impl FromPrometheus {
    pub fn learn(
        &self,
        learning: &Learning,
        save: Option<&std::path::Path>,
        format: dscope::history::report::Format,
        out: &mut dyn std::io::Write,
        err: &mut dyn std::io::Write,
    ) -> u8 {
        match self.learnt(learning) {
            Ok(b) => dscope::cli::analysis::save_and_print(&b, save, format, out, err),
            Err(e) => {
                let _ = writeln!(err, "dscope: {e}");
                dscope::job::EXIT_CANNOT
            }
        }
    }

    fn learnt(&self, learning: &Learning) -> Result<dscope::history::baseline::Baseline, String> {
        use dscope::metrics::prometheus::{Asked, Server, learn};
        let server = Server::parse(self.prometheus.as_deref().unwrap_or_default())?;
        let source = match &self.script {
            Some(path) => Some(dscope::files::load(path).map_err(|e| e.to_string())?.text),
            None => None,
        };
        let naming = source
            .as_deref()
            .map(|s| dscope::metrics::Naming::of_source(s, &self.metrics_prefix));
        let mut metrics = self.metrics.clone();
        if metrics.is_empty() {
            let Some(n) = &naming else {
                return Err("say which metrics (--metric NAME) or give the --script".into());
            };
            let mut names: Vec<String> = dscope::lang::aggregations::value_expressions(
                source.as_deref().unwrap_or_default(),
            )
            .into_keys()
            .map(|name| n.metric(if name == "_" { "" } else { &name }))
            .collect();
            names.sort();
            metrics = names;
        }
        let asked = Asked {
            server: &server,
            metrics: &metrics,
            naming: naming.as_ref(),
            prefix: &self.metrics_prefix,
            seconds: self.range,
            step: self.step,
        };
        learn(&asked, learning.period, learning.window.unwrap_or(0))
    }
}
