//! The fleet transport: a session's jobs done on every host of a fleet at
//! once, each through a remote session of its own, and answered as one
//! machine would. [`FleetRun`] is the one fleet runner, which `dscope run`
//! on several hosts drives too.

use super::{Command, Event, Script, Session, Target, Waker, Worker};
use crate::fleet::{Merges, failed_summary};
use crate::model::{Diagnostic, Finish, RunEnd, Snapshot};
use crate::remote::Endpoint;
use crossbeam_channel::Receiver;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long a fleet waits for a host's check or probe list (a full probe
/// list of a big host takes seconds; one that never comes must not hold
/// every later job up).
const FLEET_ANSWER: Duration = Duration::from_secs(120);

impl Worker {
    /// Serves the session's jobs on every host at once, each through a
    /// remote session of its own, and answers as one machine would:
    /// - a run runs on all; output, errors and drops come with `HOST: ` in
    ///   front; the snapshot is every host's merged, the host as the first
    ///   key part ([`crate::fleet::merge`]); it starts when the first host
    ///   starts and finishes when the last one does. A host that fails or
    ///   drops out is said (a Problem) and the others go on; what it sent
    ///   stays in the merge.
    /// - a check checks on all: the errors of the hosts that have them,
    ///   each naming the hosts unless all have it; otherwise the probes
    ///   matched, summed.
    /// - probe listings and argument types come from the first host; a
    ///   process's probes are refused (a process ID names a process on
    ///   one machine).
    pub(super) fn serve_fleet(self, hosts: Vec<Endpoint>) {
        let (poke_tx, poke) = crossbeam_channel::bounded::<()>(1);
        let waker: Waker = Arc::new(move || {
            let _ = poke_tx.try_send(());
        });
        let mut members: Vec<Member> = hosts
            .into_iter()
            .map(|at| Member::new(at, Some(waker.clone())))
            .collect();
        while let Ok((job, command)) = self.commands.recv() {
            let targets = match &command {
                Command::Run { script, .. } | Command::Check(script) => script.targets.as_slice(),
                _ => &[],
            };
            if targets.iter().any(|t| matches!(t, Target::Pid(_))) {
                let why = "a process ID names a process on one machine: trace one on a single \
                           host, or a command (started on every host) here"
                    .to_owned();
                self.fail(job, command, why);
                continue;
            }
            for m in &mut members {
                m.reset();
            }
            match command {
                Command::Run {
                    script,
                    duration,
                    snapshot_every,
                } => {
                    let run = FleetRun::start(
                        &mut members,
                        &script,
                        duration,
                        snapshot_every,
                        Some(crate::fleet::MERGE_EVERY),
                    );
                    let reason = self.fleet_run(job, run, &mut members, &poke);
                    self.running.store(false, Ordering::SeqCst);
                    self.emit(job, Event::Finished(reason));
                }
                Command::Check(script) => {
                    for m in &mut members {
                        m.job = Some(m.session.check(script.clone()));
                    }
                    self.fleet_answers(&mut members, &poke, &|_| true);
                    self.emit(job, merge_checks(&members));
                }
                Command::ListTargetProbes(_) => {
                    self.emit(
                        job,
                        Event::Probes(Err(
                            "a process ID names a process on one machine; pick one host to list \
                             a process's probes"
                                .into(),
                        )),
                    );
                }
                command @ (Command::ListProbes | Command::ProbeArgs(_)) => {
                    let Some(first) = members.first_mut() else {
                        continue;
                    };
                    first.job = Some(match command {
                        Command::ProbeArgs(p) => first.session.probe_args(p),
                        _ => first.session.list_probes(),
                    });
                    let only_first = |i: usize| i == 0;
                    self.fleet_answers(&mut members, &poke, &only_first);
                    if let Some(answer) = members[0].answer.take() {
                        self.emit(job, answer);
                    }
                }
            }
        }
    }

    /// Waits for the answer of every member `asked` picks (by index): the
    /// event that ends its job (a host's stray output before it is left
    /// out). A host that has not answered in [`FLEET_ANSWER`] gets a
    /// failure as its answer; its late one is for a job gone by.
    fn fleet_answers(
        &self,
        members: &mut [Member],
        poke: &Receiver<()>,
        asked: &dyn Fn(usize) -> bool,
    ) {
        let deadline = std::time::Instant::now() + FLEET_ANSWER;
        loop {
            for m in members.iter_mut() {
                while let Some(e) = m.session.try_recv() {
                    let last = matches!(
                        e.event,
                        Event::Checked { .. }
                            | Event::Diagnostics(_)
                            | Event::Failed(_)
                            | Event::Probes(_)
                            | Event::ProbeArgs { .. }
                    );
                    if Some(e.job) == m.job && m.answer.is_none() && last {
                        m.answer = Some(e.event);
                    }
                }
            }
            let waiting: Vec<usize> = (0..members.len())
                .filter(|&i| asked(i) && members[i].answer.is_none())
                .collect();
            if waiting.is_empty() {
                return;
            }
            if std::time::Instant::now() >= deadline {
                for i in waiting {
                    let why = format!(
                        "{} did not answer within {} s",
                        members[i].name,
                        FLEET_ANSWER.as_secs()
                    );
                    members[i].answer = Some(Event::Failed(why));
                }
                return;
            }
            let _ = poke.recv_timeout(Duration::from_secs(1));
        }
    }

    /// Relays a run on every member until the last one finishes; how the
    /// fleet's run ended. What a host says comes with its name; the first
    /// host's compile errors go to the editor, each host's are said.
    fn fleet_run(
        &self,
        job: u64,
        mut run: FleetRun,
        members: &mut [Member],
        poke: &Receiver<()>,
    ) -> Finish {
        let mut diagnostics_said = false;
        let mut failure_said = vec![false; members.len()];
        loop {
            let stop = self.stop.load(Ordering::SeqCst);
            let (ended, _) = run.turn(members, stop, &mut |from, event| {
                let Some((i, host)) = from else {
                    return self.emit(job, event.clone());
                };
                let host = Some(host);
                match event {
                    Event::Output(_)
                    | Event::RuntimeError(_)
                    | Event::Problem(_)
                    | Event::Notice(_)
                    | Event::Drop { .. } => self.emit_from(job, host, event.clone()),
                    Event::Diagnostics(d) => {
                        for e in d {
                            let line = format!("line {}: {}", e.line, e.message);
                            self.emit_from(job, host, Event::Problem(line));
                        }
                        if std::mem::replace(&mut diagnostics_said, true) {
                            return true;
                        }
                        self.emit(job, Event::Diagnostics(d.clone()))
                    }
                    Event::Failed(why) | Event::Finished(Err(why))
                        if !std::mem::replace(&mut failure_said[i], true) =>
                    {
                        self.emit_from(job, host, Event::Problem(format!("failed: {why}")))
                    }
                    _ => true,
                }
            });
            if ended {
                break;
            }
            let _ = poke.recv_timeout(Duration::from_millis(50));
        }
        FleetRun::end(members)
    }
}

/// A fleet's answer to a check, from its hosts' answers.
fn merge_checks(members: &[Member]) -> Event {
    let mut matches = 0;
    let mut errors: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    let mut failures = Vec::new();
    for m in members {
        match &m.answer {
            Some(Event::Checked { matches: n }) => matches += n,
            Some(Event::Diagnostics(ds)) => {
                for d in ds {
                    match errors.iter_mut().find(|(e, _)| e == d) {
                        Some((_, hosts)) => hosts.push(&m.name),
                        None => errors.push((d.clone(), vec![&m.name])),
                    }
                }
            }
            Some(Event::Failed(why)) => failures.push(format!("{}: {why}", m.name)),
            _ => failures.push(format!("{}: no answer", m.name)),
        }
    }
    if !errors.is_empty() {
        return Event::Diagnostics(
            errors
                .into_iter()
                .map(|(mut d, hosts)| {
                    if hosts.len() < members.len() {
                        d.message = format!("{} (on {})", d.message, hosts.join(", "));
                    }
                    d
                })
                .collect(),
        );
    }
    if failures.len() == members.len() {
        return Event::Failed(failures.join("; "));
    }
    Event::Checked { matches }
}

/// How many events of one host a fleet run's loop takes before it looks
/// at Stop and at the other hosts again, so that one host flooding
/// output cannot hold the others or Ctrl-C up.
pub const EVENTS_PER_TURN: usize = 256;

/// One host of a fleet: its session (kept from job to job) and what it
/// has done of the job at hand.
pub struct Member {
    /// The host as the user wrote it, which names it in everything said.
    pub name: String,
    pub session: Session,
    /// The host's job number for the job at hand.
    pub job: Option<u64>,
    /// The host's answer to a check or a probe listing.
    pub answer: Option<Event>,
    pub run: HostRun,
}

impl Member {
    pub fn new(at: Endpoint, waker: Option<Waker>) -> Member {
        Member {
            name: at.host.to_string(),
            session: Session::start_remote(at, waker),
            job: None,
            answer: None,
            run: HostRun::default(),
        }
    }

    /// Forgets the last job.
    pub fn reset(&mut self) {
        self.job = None;
        self.answer = None;
        self.run = HostRun::default();
    }
}

/// One host's part in a run.
#[derive(Debug, Default)]
pub struct HostRun {
    /// When it started tracing.
    pub started: Option<Instant>,
    /// Probes it enabled.
    pub matches: u32,
    /// It is running its END clauses.
    pub stopping: bool,
    /// Its last aggregations: a host that drops out keeps what it sent.
    pub last: Option<Snapshot>,
    /// Why it did not run the script to its end.
    pub failed: Option<String>,
    /// How its run ended, once it has.
    pub end: Option<Finish>,
}

impl HostRun {
    pub fn done(&self) -> bool {
        self.end.is_some()
    }
}

/// Which host said an event: its place among the members and its name.
pub type From<'a> = Option<(usize, &'a str)>;

/// What a host says is passed on with `Some` of the host; what the fleet
/// as a whole says (its start, its stop, the merged snapshot, the merge's
/// problems, the failed hosts) with `None`. False: nobody listens.
pub type Said<'a> = dyn FnMut(From, &Event) -> bool + 'a;

/// A run on every member at once.
pub struct FleetRun {
    merges: Merges,
    /// Merge while running, or only at the end (`None`).
    merge_every: Option<Duration>,
    enabling: bool,
    started: bool,
    stopping: bool,
    stop_passed: bool,
    ended: bool,
}

impl FleetRun {
    /// Starts `script` on every member. A host that cannot start it has
    /// failed; the first [`FleetRun::turn`] says so.
    pub fn start(
        members: &mut [Member],
        script: &Script,
        duration: Option<Duration>,
        snapshot_every: Duration,
        merge_every: Option<Duration>,
    ) -> FleetRun {
        for m in members.iter_mut() {
            m.reset();
            match m.session.run(script.clone(), duration, snapshot_every) {
                Ok(job) => m.job = Some(job),
                Err(why) => m.run.failed = Some(why),
            }
        }
        FleetRun {
            merges: Merges::new(merge_every.unwrap_or(Duration::ZERO)),
            merge_every,
            enabling: false,
            started: false,
            stopping: false,
            stop_passed: false,
            ended: false,
        }
    }

    /// Takes what the hosts sent since the last turn (at most
    /// [`EVENTS_PER_TURN`] each) and passes it to `said`; `stop` asks
    /// every host to stop. True once every host's run has ended and the
    /// fleet has said so; whether any event came is the second value.
    pub fn turn(&mut self, members: &mut [Member], stop: bool, said: &mut Said) -> (bool, bool) {
        if stop && !self.stop_passed {
            self.stop_passed = true;
            for m in members.iter() {
                m.session.stop();
            }
        }
        let mut any = false;
        for (i, m) in members.iter_mut().enumerate() {
            if m.job.is_none() && !m.run.done() {
                // It could not start the run.
                let why = m.run.failed.clone().unwrap_or_default();
                m.run.end = Some(Err(why.clone()));
                said(Some((i, &m.name)), &Event::Failed(why));
                any = true;
            }
        }
        let mut listened = true;
        for (i, m) in members.iter_mut().enumerate() {
            if m.run.done() || !listened {
                continue;
            }
            for _ in 0..EVENTS_PER_TURN {
                let Some(e) = m.session.try_recv() else { break };
                if Some(e.job) != m.job {
                    continue;
                }
                any = true;
                if !self.host_event(i, m, e.event, said) {
                    listened = false;
                    break;
                }
                if m.run.done() {
                    break;
                }
            }
        }
        if !listened {
            // Nobody reads what the run says any more.
            self.stop_passed = true;
            for m in members.iter() {
                m.session.stop();
            }
        }
        self.fleet_events(members, said);
        (self.ended, any)
    }

    /// Keeps a host's event and passes it on; false when nobody listens.
    fn host_event(&mut self, i: usize, m: &mut Member, event: Event, said: &mut Said) -> bool {
        let host = Some((i, m.name.as_str()));
        match &event {
            Event::Enabling { matches } if !self.enabling => {
                self.enabling = true;
                said(None, &Event::Enabling { matches: *matches });
            }
            Event::Started { matches } => {
                m.run.started = Some(Instant::now());
                m.run.matches = *matches;
                if !self.started {
                    self.started = true;
                    said(None, &Event::Started { matches: *matches });
                }
            }
            Event::Stopping => m.run.stopping = true,
            Event::Snapshot(_) => self.merges.changed(),
            Event::Diagnostics(_) => {
                m.run.failed = Some("the script does not compile there".into());
            }
            // Stopped before it was tracing: a host still connecting gives
            // up then, which is no failure of the host's.
            Event::Failed(_) if self.stop_passed && m.run.started.is_none() => {
                let stopped = Ok(RunEnd::Stopped);
                let fine = said(
                    host,
                    &Event::Problem("stopped before it was tracing".into()),
                ) && said(host, &Event::Finished(stopped.clone()));
                m.run.end = Some(stopped);
                return fine;
            }
            Event::Failed(why) => m.run.failed = Some(why.clone()),
            Event::Finished(reason) => {
                if let Err(why) = reason {
                    m.run.failed.get_or_insert_with(|| why.clone());
                }
                m.run.end = Some(reason.clone());
            }
            _ => {}
        }
        let fine = said(host, &event);
        if let Event::Snapshot(s) = event {
            m.run.last = Some(s);
        }
        fine
    }

    /// The fleet's own events: stopping once every host still running is
    /// (one host's exit() does not end the others' runs), the merge while
    /// running and once more at the end, and the hosts that failed.
    fn fleet_events(&mut self, members: &[Member], said: &mut Said) {
        if self.ended {
            return;
        }
        if !self.stopping
            && members.iter().any(|m| m.run.stopping)
            && members
                .iter()
                .all(|m| m.run.stopping || m.run.done() || m.run.failed.is_some())
        {
            self.stopping = true;
            said(None, &Event::Stopping);
        }
        let all_done = members.iter().all(|m| m.run.done());
        let due = match self.merge_every {
            Some(_) => self
                .merges
                .due_in()
                .is_some_and(|d| all_done || d.is_zero()),
            None => all_done,
        };
        if due {
            let snaps: Vec<(&str, &Snapshot)> = members
                .iter()
                .filter_map(|m| m.run.last.as_ref().map(|s| (m.name.as_str(), s)))
                .collect();
            let (merged, problems) = self.merges.merge(&snaps);
            for p in problems {
                said(None, &Event::Problem(p));
            }
            said(None, &Event::Snapshot(merged));
        }
        if all_done {
            self.ended = true;
            let failed: Vec<&str> = failed(members);
            if let Some(summary) = failed_summary(&failed, members.len()) {
                said(None, &Event::Problem(summary));
            }
        }
    }

    /// How the fleet's run ended: failed when every host did; otherwise
    /// the first non-zero exit() status of a host that ran, or the first
    /// host's end.
    pub fn end(members: &[Member]) -> Finish {
        let failed = failed(members);
        if failed.len() == members.len() {
            return Err(format!("every host failed: {}", failed.join(", ")));
        }
        let ends: Vec<&Finish> = members
            .iter()
            .filter(|m| m.run.failed.is_none())
            .filter_map(|m| m.run.end.as_ref())
            .collect();
        ends.iter()
            .find(|r| matches!(r, Ok(RunEnd::Exited { status: s }) if *s != 0))
            .or(ends.first())
            .map_or(Ok(RunEnd::Stopped), |r| (*r).clone())
    }
}

fn failed(members: &[Member]) -> Vec<&str> {
    members
        .iter()
        .filter(|m| m.run.failed.is_some())
        .map(|m| m.name.as_str())
        .collect()
}
