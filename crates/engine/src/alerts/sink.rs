//! Rules and a baseline at work on a run: a sink that checks each
//! snapshot and hands what fired or cleared to its actions.

use super::{Alert, Rule, Rules};
use crate::history::anomaly::{self, Change, Detector};
use crate::history::baseline::Baseline;
use crate::history::follow::{Followed, Follower};
use crate::model::Event;
use std::io::Write;
use std::sync::Arc;

/// Something done when a rule fires or clears.
pub trait Action: Send {
    /// Acts on `alert`; an error is said and the run goes on.
    fn act(&mut self, alert: &Alert) -> Result<(), String>;
}

/// Runs a program (never through a shell) with the alert as one JSON
/// document on its standard input. It runs beside the trace: the run
/// does not wait for it.
#[derive(Debug, Clone)]
pub struct CommandAction {
    argv: Vec<String>,
}

impl CommandAction {
    /// The program and its arguments, as words split at white space (no
    /// quoting, no shell).
    pub fn parse(command: &str) -> Result<CommandAction, String> {
        let argv: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        if argv.is_empty() {
            return Err("an alert command needs a program".into());
        }
        Ok(CommandAction { argv })
    }
}

impl Action for CommandAction {
    fn act(&mut self, alert: &Alert) -> Result<(), String> {
        let json = serde_json::to_vec(alert).map_err(|e| e.to_string())?;
        let mut child = std::process::Command::new(&self.argv[0])
            .args(&self.argv[1..])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.argv[0]))?;
        let stdin = child.stdin.take();
        // Written and waited for on a thread of its own: a program that
        // reads slowly or runs long must not hold up the run.
        std::thread::spawn(move || {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(&json);
                let _ = stdin.write_all(b"\n");
            }
            let _ = child.wait();
        });
        Ok(())
    }
}

/// A run's sink that watches it: its points checked against a baseline
/// (anomalies said when they start and end) and judged by rules (what
/// fires or clears said and handed to the actions). Both read one history
/// of the run, kept here.
pub struct WatchSink {
    baseline: Option<(Arc<Baseline>, anomaly::Settings)>,
    rules: Vec<Rule>,
    host: String,
    script: String,
    run: Follower,
    detector: Option<Detector>,
    judge: Option<Rules>,
    say: Box<dyn FnMut(String) + Send>,
    actions: Vec<Box<dyn Action>>,
    /// Every alert so far.
    pub alerts: Vec<Alert>,
}

impl WatchSink {
    pub fn new(
        baseline: Option<(Arc<Baseline>, anomaly::Settings)>,
        rules: Vec<Rule>,
        (host, script): (&str, &str),
        say: Box<dyn FnMut(String) + Send>,
        actions: Vec<Box<dyn Action>>,
    ) -> WatchSink {
        WatchSink {
            baseline,
            rules,
            host: host.to_owned(),
            script: script.to_owned(),
            // A trend rule looks back a minute: at the fastest aggregation
            // rate (10 ms) that is more points than any other check needs.
            run: Follower::new(512),
            detector: None,
            judge: None,
            say,
            actions,
            alerts: Vec::new(),
        }
    }

    fn started(&mut self, started: chrono::DateTime<chrono::Utc>) {
        self.detector = self
            .baseline
            .as_ref()
            .map(|(b, settings)| Detector::new(Arc::clone(b), *settings, started));
        self.judge = (!self.rules.is_empty()).then(|| {
            let baseline = self.baseline.as_ref().map(|(b, _)| Arc::clone(b));
            Rules::new(
                self.rules.clone(),
                baseline,
                started,
                &self.host,
                &self.script,
            )
        });
    }

    fn check(&mut self) {
        let history = self.run.history();
        if let Some(d) = &mut self.detector {
            for change in d.check(history) {
                (self.say)(match change {
                    Change::Started(a) => format!("anomaly: {}", a.line()),
                    Change::Ended(a) => format!("anomaly over: {}", a.line()),
                });
            }
        }
        let Some(judge) = &mut self.judge else {
            return;
        };
        for alert in judge.check(history) {
            (self.say)(alert.line());
            for action in &mut self.actions {
                if let Err(e) = action.act(&alert) {
                    (self.say)(format!("alert {}: {e}", alert.rule));
                }
            }
            self.alerts.push(alert);
        }
    }
}

impl crate::sink::Sink for WatchSink {
    fn take(&mut self, t: f64, event: &Event) -> Result<(), String> {
        match self.run.take(t, event) {
            Followed::Started(started) => self.started(started),
            Followed::Added => self.check(),
            Followed::Nothing => {}
        }
        Ok(())
    }
}
