//! What checking and running one script leaves behind, without a window:
//! the run's state and clock, the console's lines, runtime errors and drops
//! grouped by kind, the latest snapshot and the history of snapshots, and
//! the recording being written. The window draws it (`dscope-ui`'s run
//! bar and console); the tests drive it with events alone.

pub use crate::console::{CONSOLE_LINES, Console, LineKind};
use dscope_engine::history::recording::{Header, RecordingSink};
use dscope_engine::history::{History, RunClock};
use dscope_engine::model::{Diagnostic, Snapshot};
use dscope_engine::session::{Event, Finish, RunEnd};
use dscope_engine::sink::Sink;
use std::time::{Duration, Instant};

/// How often a running script's aggregations are read.
pub const SNAPSHOT_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    Idle,
    /// Sent to the worker; compiling.
    Compiling,
    /// Compiled; the probes are being enabled (seconds, for many probes).
    /// The duration counts from the end of this.
    Enabling,
    Running {
        since: Instant,
        duration: Option<Duration>,
    },
    /// Stop was asked for: END clauses and final aggregations are coming.
    Stopping,
    Finished(Finish),
}

impl RunState {
    /// Whether Stop means something: the run is on and not stopping yet.
    pub fn can_stop(&self) -> bool {
        matches!(
            self,
            RunState::Compiling | RunState::Enabling | RunState::Running { .. }
        )
    }

    pub fn is_active(&self) -> bool {
        matches!(
            self,
            RunState::Compiling
                | RunState::Enabling
                | RunState::Running { .. }
                | RunState::Stopping
        )
    }

    /// What the bar says.
    pub fn label(&self) -> String {
        match self {
            RunState::Idle => "idle".into(),
            RunState::Compiling => "compiling".into(),
            RunState::Enabling => "enabling probes…".into(),
            RunState::Running { .. } => "running".into(),
            RunState::Stopping => "stopping".into(),
            RunState::Finished(Ok(RunEnd::Exited { status: s })) => format!("finished: exit({s})"),
            RunState::Finished(Ok(RunEnd::TimeUp)) => "finished: time is up".into(),
            RunState::Finished(Ok(RunEnd::Stopped)) => "finished: stopped".into(),
            RunState::Finished(Ok(RunEnd::TargetExited)) => {
                "finished: the traced process exited".into()
            }
            RunState::Finished(Err(m)) => {
                format!("failed: {}", m.lines().next().unwrap_or(""))
            }
        }
    }
}

/// Runtime errors and drops of the current run, grouped by message.
#[derive(Debug, Default)]
pub struct Troubles {
    /// (message, how many times), in order of first appearance.
    pub errors: Vec<(String, u64)>,
    pub drops: Vec<(String, u64)>,
}

impl Troubles {
    /// Kinds of error (or drop) listed apart; the rest are counted as one.
    pub const KINDS: usize = 50;

    fn add(list: &mut Vec<(String, u64)>, message: &str, count: u64) {
        let kind = Self::kind(message);
        if let Some((_, n)) = list.iter_mut().find(|(m, _)| *m == kind) {
            *n += count;
        } else if list.len() < Self::KINDS {
            list.push((kind, count));
        } else {
            let other = format!("other kinds (past the first {})", Self::KINDS);
            match list.last_mut() {
                Some((m, n)) if *m == other => *n += count,
                _ => list.push((other, count)),
            }
        }
    }

    /// A runtime error repeats with other addresses and at other places of
    /// the program (Linux: "at BPF pc N"; illumos and FreeBSD: "at DIF
    /// offset N", and the address in "invalid address (0x14)"): one kind
    /// for all, its numbers written `0x…`.
    fn kind(message: &str) -> String {
        let message = message.split(" at BPF pc").next().unwrap_or(message);
        let message = message.split(" at DIF offset").next().unwrap_or(message);
        let mut kind = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(at) = rest.find("0x") {
            kind.push_str(&rest[..at]);
            let digits = rest[at + 2..]
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(rest.len() - at - 2);
            kind.push_str(if digits > 0 { "0x…" } else { "0x" });
            rest = &rest[at + 2 + digits..];
        }
        kind.push_str(rest);
        kind
    }
}

/// A hint for a kind of drop, as the DTrace guide gives them.
pub fn drop_hint(message: &str) -> &'static str {
    use dscope_engine::troubleshooting as t;
    let m = message.to_ascii_lowercase();
    if m.contains("dynamic variable") {
        t::DROPS_DYNAMIC.fix
    } else if m.contains("aggregation") {
        t::DROPS_AGGREGATION.fix
    } else if m.contains("speculati") {
        t::DROPS_SPECULATION.fix
    } else {
        t::DROPS_PRINCIPAL.fix
    }
}

pub use dscope_engine::lines::probe_count as probes;

pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1} s")
    } else {
        format!("{s:.0} s")
    }
}

/// A failure message with what to do about it, where dscope knows.
fn with_hint(message: String) -> String {
    let t = dscope_engine::troubleshooting::DESTRUCTIVE;
    if message.contains(t.says) {
        format!("{message}. {}", t.fix)
    } else {
        message
    }
}

pub struct ScriptRun {
    /// Seconds to run; 0 runs until Stop or exit().
    pub duration_secs: f64,
    state: RunState,
    /// The job of the active or last run.
    run_job: Option<u64>,
    matches: Option<u32>,
    pub console: Console,
    pub troubles: Troubles,
    snapshot: Option<Snapshot>,
    /// Counts snapshots, so charts rebuild only when a new one arrived.
    snapshot_generation: u64,
    /// A message about the last check or run that is not a diagnostic.
    pub notice: Option<String>,
    /// The name of the script the run is of, for the console's lines.
    script_name: String,
    /// The 1-based line of each clause of that script, in order, to place
    /// libdtrace's `dt_clause_N` in runtime errors.
    clause_lines: Vec<usize>,
    /// Seconds since tracing started, for the console's last line, the
    /// history and the recording.
    clock: RunClock,
    /// Every snapshot of the run over time.
    history: History,
    /// When tracing started, by the clock, for the time views.
    started_wall: Option<chrono::DateTime<chrono::Local>>,
    /// When the run began to stop (END, detaching the probes), to say
    /// how long that took.
    stopping_since: Option<Instant>,
    /// How often live snapshots come, when that is more seldom than
    /// asked for (taking one costs too much, as with many stack keys).
    pace: Option<Duration>,
    /// Record each run (the run bar's Record toggle).
    pub record: bool,
    /// The text was edited since the run that `state` tells of ended.
    stale: bool,
    /// The recording of this run, while it is written.
    recorder: Option<RecordingSink>,
    /// The baseline, alert rules and /metrics endpoint (the user's
    /// choices outlive a run).
    pub watch: crate::watch::Watch,
    /// The text the run is of, for the rules it keeps.
    source: String,
}

impl Default for ScriptRun {
    fn default() -> Self {
        ScriptRun {
            duration_secs: 10.0,
            state: RunState::Idle,
            run_job: None,
            matches: None,
            console: Console::default(),
            troubles: Troubles::default(),
            snapshot: None,
            snapshot_generation: 0,
            notice: None,
            script_name: String::new(),
            clause_lines: Vec::new(),
            clock: RunClock::default(),
            history: History::default(),
            started_wall: None,
            stopping_since: None,
            pace: None,
            record: false,
            stale: false,
            recorder: None,
            watch: crate::watch::Watch::default(),
            source: String::new(),
        }
    }
}

impl ScriptRun {
    pub fn state(&self) -> &RunState {
        &self.state
    }

    pub fn run_job(&self) -> Option<u64> {
        self.run_job
    }

    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// The run's snapshots over time.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// When tracing started, by the clock.
    pub fn started_wall(&self) -> Option<chrono::DateTime<chrono::Local>> {
        self.started_wall
    }

    /// The file this run is being recorded to.
    pub fn recording_to(&self) -> Option<&std::path::Path> {
        self.recorder.as_ref().map(|r| r.path.as_path())
    }

    /// Records the run that was just started to `path`; says in the
    /// console where, or why not.
    pub fn record_to(&mut self, path: std::path::PathBuf, header: &Header) {
        match RecordingSink::create(&path, header) {
            Ok(r) => {
                self.console
                    .info(format!("dscope: recording to {}", path.display()));
                self.recorder = Some(r);
            }
            Err(e) => self.notice = Some(format!("{e}; the run goes on without recording")),
        }
    }

    /// Writes an event to the recording, if there is one; a write that
    /// fails ends the recording (with a notice), never the run.
    fn record(&mut self, event: &Event) {
        let t = self.clock.now();
        let Some(r) = &mut self.recorder else {
            return;
        };
        if let Err(why) = r.take(t, event) {
            self.notice = Some(why);
            self.recorder = None;
        } else if matches!(event, Event::Finished(_)) {
            self.recorder = None;
        }
    }

    /// The watchers, to change, and the history they watch.
    pub fn watch_and_history(&mut self) -> (&mut crate::watch::Watch, &History) {
        (&mut self.watch, &self.history)
    }

    /// How many snapshots have arrived; changes whenever [`Self::snapshot`]
    /// does.
    pub fn snapshot_generation(&self) -> u64 {
        self.snapshot_generation
    }

    /// The run duration, `None` for continuous.
    pub fn duration(&self) -> Option<Duration> {
        (self.duration_secs > 0.0 && self.duration_secs.is_finite())
            .then(|| Duration::from_secs_f64(self.duration_secs))
    }

    /// Forgets the last check's probe count: it was another machine's.
    pub fn forget_matches(&mut self) {
        self.matches = None;
    }

    /// The script's text changed: the last check's probe count was of the
    /// text before, and an ended run's state is of that text too.
    pub fn edited(&mut self) {
        if self.state.is_active() {
            return;
        }
        self.matches = None;
        self.stale = matches!(self.state, RunState::Finished(_));
    }

    /// A run of the script `name` with text `source` was sent to the
    /// worker as `job`.
    pub fn started(&mut self, job: u64, name: &str, source: &str) {
        // Only the user's choices, the snapshot count and the console's
        // bound outlive a run; everything else starts afresh.
        let mut console = std::mem::take(&mut self.console);
        console.clear();
        *self = ScriptRun {
            duration_secs: self.duration_secs,
            record: self.record,
            watch: std::mem::take(&mut self.watch),
            source: source.to_owned(),
            snapshot_generation: self.snapshot_generation + 1,
            run_job: Some(job),
            state: RunState::Compiling,
            script_name: name.to_owned(),
            clause_lines: dscope_engine::lang::clauses::clause_lines(source),
            console,
            ..ScriptRun::default()
        };
    }

    /// Stop was asked for.
    pub fn stopping(&mut self) {
        if self.state.is_active() {
            self.state = RunState::Stopping;
            self.stopping_since.get_or_insert_with(Instant::now);
        }
    }

    /// What the bar says of the run: its state, and while stopping what
    /// takes the time (detaching many probes can take half a minute).
    pub fn status(&self) -> String {
        match (&self.state, self.matches) {
            (RunState::Stopping, Some(n)) if n > 0 => {
                format!("stopping: detaching {}…", probes(n))
            }
            (state @ RunState::Finished(_), _) if self.stale => {
                format!("{}, of the text before your edits", state.label())
            }
            (state, _) => state.label(),
        }
    }

    /// How many probes the last check or run matched, on this machine.
    pub fn matches(&self) -> Option<u32> {
        self.matches
    }

    /// How often the live views update, when more seldom than asked for.
    pub fn pace(&self) -> Option<Duration> {
        self.pace
    }

    /// A run could not even be sent (one is active, no dscope program).
    pub fn refused(&mut self, why: String) {
        self.notice = Some(why);
    }

    /// Applies an event a fleet's host said (`Some(host)`) or the session
    /// itself: a host's output, errors and drops are shown and recorded
    /// with its name in front.
    pub fn apply_from(&mut self, host: Option<&str>, event: Event) -> Option<Vec<Diagnostic>> {
        let Some(host) = host else {
            return self.apply(event);
        };
        use dscope_engine::fleet::{host_message, with_host};
        self.apply(match event {
            Event::Output(line) => Event::Output(with_host(host, &line)),
            Event::RuntimeError(m) => Event::RuntimeError(host_message(host, &m)),
            Event::Problem(m) => Event::Problem(host_message(host, &m)),
            Event::Notice(m) => Event::Notice(host_message(host, &m)),
            Event::Drop { count, message } => Event::Drop {
                count,
                message: host_message(host, &message),
            },
            other => other,
        })
    }

    /// An event of the run job. Returns diagnostics for the editor when
    /// the script did not compile.
    pub fn apply(&mut self, event: Event) -> Option<Vec<Diagnostic>> {
        self.record(&event);
        match event {
            Event::Enabling { matches } => {
                self.matches = Some(matches);
                self.state = RunState::Enabling;
                self.console.info(format!(
                    "dscope: script '{}' matched {}; enabling them…",
                    self.script_name,
                    probes(matches)
                ));
            }
            Event::Started { matches } => {
                self.matches = Some(matches);
                let now = Instant::now();
                self.clock.start();
                self.started_wall = Some(chrono::Local::now());
                self.state = RunState::Running {
                    since: now,
                    duration: self.duration(),
                };
                let until = match self.duration() {
                    Some(d) => format!("for {}", seconds(d)),
                    None => "until Stop or exit()".to_owned(),
                };
                self.console.info(format!(
                    "dscope: tracing {} since {}, {until}",
                    probes(matches),
                    chrono::Local::now().format("%H:%M:%S")
                ));
                for line in self
                    .watch
                    .start((&self.script_name, &self.source), chrono::Utc::now())
                {
                    self.console.info(line);
                }
            }
            Event::Stopping => {
                self.stopping();
                self.clock.stop();
            }
            Event::Pace { every_ms } => {
                let every = Duration::from_millis(every_ms);
                self.pace = (every > SNAPSHOT_EVERY).then_some(every);
            }
            Event::Output(line) => self.console.push(line),
            Event::Snapshot(s) => {
                if self.clock.is_stopped() {
                    self.history.push_final(self.clock.now(), &s);
                } else {
                    self.history.push(self.clock.now(), &s);
                }
                for line in self.watch.snapshot(&s, &self.history) {
                    self.console.info(line);
                }
                self.snapshot = Some(s);
                self.snapshot_generation += 1;
            }
            Event::RuntimeError(m) => Troubles::add(&mut self.troubles.errors, &m, 1),
            Event::Drop { count, message } => {
                Troubles::add(&mut self.troubles.drops, &message, count)
            }
            Event::Problem(m) | Event::Notice(m) => self.notice = Some(m),
            Event::Failed(m) => self.notice = Some(with_hint(m)),
            Event::Finished(reason) => {
                if let Err(m) = &reason
                    && self.notice.is_none()
                {
                    self.notice = Some(with_hint(m.clone()));
                }
                self.finish_lines(&reason);
                self.state = RunState::Finished(reason);
            }
            Event::Diagnostics(d) => return Some(d),
            Event::Checked { matches } => self.matches = Some(matches),
            // The session makes these whole snapshots before they get here.
            Event::Probes(_) | Event::ProbeArgs { .. } | Event::SnapshotChanges(_) => {}
        }
        None
    }

    /// What `dtrace(1)` prints when a run ends (the aggregations not
    /// printed yet), and a line on how it ended.
    fn finish_lines(&mut self, reason: &Finish) {
        if self.clock.started().is_some()
            && let Some(snapshot) = &self.snapshot
            && !snapshot.aggregations.is_empty()
        {
            for agg in &snapshot.aggregations {
                self.console.push(String::new());
                for line in agg.to_dtrace_text().lines() {
                    self.console.push(line.to_owned());
                }
            }
            self.console.push(String::new());
        }
        if let (Some(since), Some(_)) = (self.stopping_since, self.clock.started()) {
            let what = match self.matches {
                Some(n) if n > 0 => format!("ending the run and detaching {}", probes(n)),
                _ => "ending the run".to_owned(),
            };
            self.console
                .info(format!("dscope: {what} took {}", seconds(since.elapsed())));
        }
        let after = self
            .clock
            .started()
            .map(|t| format!(" after {}", seconds(t.elapsed())))
            .unwrap_or_default();
        let how = match reason {
            Ok(RunEnd::Exited { status: s }) => format!("the script called exit({s})"),
            Ok(RunEnd::TimeUp) => "its time was up".to_owned(),
            Ok(RunEnd::Stopped) => "stopped".to_owned(),
            Ok(RunEnd::TargetExited) => "the traced process exited".to_owned(),
            Err(m) => format!("failed: {}", m.lines().next().unwrap_or("")),
        };
        self.console
            .info(format!("dscope: run ended{after}: {how}"));
    }

    /// Where libdtrace's `dt_clause_N` in a runtime error is in the
    /// script: the clause's 1-based line.
    pub fn clause_line(&self, message: &str) -> Option<usize> {
        let at = message.find("dt_clause_")? + "dt_clause_".len();
        let digits: String = message[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let n: usize = digits.parse().ok()?;
        self.clause_lines.get(n).copied()
    }

    /// Elapsed and remaining time of a running script.
    pub fn progress(&self) -> Option<(Duration, Option<Duration>)> {
        match &self.state {
            RunState::Running { since, duration } => {
                let elapsed = since.elapsed();
                Some((elapsed, duration.map(|d| d.saturating_sub(elapsed))))
            }
            _ => None,
        }
    }

    /// The script's output as one text, as saved and copied: every line
    /// of the run, those scrolled out of the console too.
    pub fn console_text(&self) -> std::io::Result<String> {
        self.console.text()
    }
}

#[cfg(test)]
mod tests;
