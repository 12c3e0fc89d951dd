//! Running the compiled programs as dtrace(1) runs them: the handlers,
//! `dtrace_go`, the work loop (with live snapshots paced so that they
//! never queue), stop, END and the final printout, and why the run ended.

use super::Consumer;
use crate::aggregate::Taken;
use dscope_dtrace_sys::{DtraceError, MemStream, WorkStatus};
use dscope_model::{Event, RunEnd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How to run a compiled program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    /// Stop after this long; `None` runs until `exit()` or Stop.
    pub duration: Option<Duration>,
    /// Send a [`Event::Snapshot`] of all aggregations this often while
    /// running. A snapshot that takes more than half of this is spaced
    /// out (see [`Event::Pace`]), never queued behind itself.
    pub snapshot_every: Option<Duration>,
    /// Send a last snapshot once the run has ended; a caller that only
    /// prints the aggregations (`print_aggregations`) does without.
    pub final_snapshot: bool,
    /// Print the aggregations at the end as output text, as `dtrace -s`.
    pub print_aggregations: bool,
    /// Print an empty line when stop is asked for, as dtrace(1) does when
    /// interrupted (for `dscope run`, where stop means a signal).
    pub newline_on_stop: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            duration: None,
            snapshot_every: None,
            final_snapshot: true,
            print_aggregations: true,
            newline_on_stop: false,
        }
    }
}

/// When the next live snapshot is due. A snapshot that took more than
/// half its interval is spaced out to twice what it took, so that the
/// work calls (which drain the trace buffers) keep at least half the
/// time; it never queues behind itself.
pub(super) struct Pace {
    every: Option<Duration>,
    pub(super) next: Instant,
    /// The interval in force when it is longer than asked for.
    stretched: Option<Duration>,
}

impl Pace {
    pub(super) fn new(every: Option<Duration>) -> Pace {
        Pace {
            every,
            next: Instant::now() + every.unwrap_or_default(),
            stretched: None,
        }
    }

    pub(super) fn due(&self) -> bool {
        self.every.is_some() && Instant::now() >= self.next
    }

    /// A snapshot took `took`; returns the interval to announce when it
    /// changed by a whole second or more (or went back to the one asked
    /// for).
    pub(super) fn took(&mut self, took: Duration) -> Option<Duration> {
        let every = self.every?;
        let gap = every.max(took * 2);
        self.next = Instant::now() + gap.saturating_sub(took);
        let stretched = (gap > every).then_some(gap);
        let changed = match (self.stretched, stretched) {
            (None, None) => false,
            (Some(a), Some(b)) => a.as_secs() != b.as_secs(),
            _ => true,
        };
        if changed {
            self.stretched = stretched;
            return Some(stretched.unwrap_or(every));
        }
        None
    }
}

/// What ends a run besides the programs themselves, as
/// [`Consumer::run`] was given it.
struct Ends<'a> {
    stop: &'a AtomicBool,
    abort: Option<&'a AtomicBool>,
    deadline: Option<Instant>,
    /// How many processes are traced (`-c`, `-p`).
    traced: usize,
}

impl Ends<'_> {
    fn stop_asked(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// A second ^C: end at once.
    fn aborting(&self) -> bool {
        self.abort.is_some_and(|a| a.load(Ordering::SeqCst))
    }

    fn time_up(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

impl Consumer<'_> {
    /// Decodes every aggregation as it stands now, unless `interrupted`
    /// says to give up first.
    fn take_snapshot(&mut self, interrupted: &dyn Fn() -> bool) -> Option<Taken> {
        crate::aggregate::snapshot(&mut self.handle, &mut self.symbols, interrupted)
    }

    /// Sends a snapshot (none when it was given up).
    fn send(taken: Option<Taken>, sink: &mut dyn FnMut(Event)) {
        let Some(taken) = taken else { return };
        for p in taken.problems {
            sink(Event::Problem(p));
        }
        sink(Event::Snapshot(taken.snapshot));
    }

    /// The aggregations printa() has not printed, as dtrace(1) prints them
    /// when a run ends.
    ///
    /// libdtrace's printout (`dtrace_aggregate_print`) names user stack
    /// frames by grabbing every process they belong to, and a libdtrace
    /// process-control thread crashed the consumer during it (SIGSEGV in
    /// `rd_event_suppress`, with a fork-heavy load beside a ustack()
    /// profile). On Linux those aggregations are printed from the decoded
    /// snapshot instead, whose frames are named without grabbing (see
    /// `usym`) and read as libdtrace names them; the text is the one the
    /// live tests hold equal to dtrace(1)'s. Options that change the
    /// printout's layout (`aggpack`, `aggzoom`, `aggpercpu`) leave it to
    /// libdtrace.
    fn final_printout(&mut self, taken: Option<&Taken>) -> Result<String, DtraceError> {
        let layout_options = ["aggpack", "aggzoom", "aggpercpu"];
        if cfg!(target_os = "linux")
            && let Some(t) = taken
            && t.user_keys
            && !layout_options.iter().any(|o| self.option_is_set(o))
        {
            let mut text = String::new();
            for agg in &t.snapshot.aggregations {
                if !t.printed.contains(&agg.id) {
                    text.push_str(&agg.to_dtrace_text());
                }
            }
            return Ok(text);
        }
        let stream = MemStream::open()?;
        // Every aggregation not printed yet, as dtrace(1) prints them at
        // the end.
        self.handle.aggregate_print(&stream);
        Ok(stream.close())
    }

    /// Runs the compiled programs until they call `exit()`, the duration
    /// is over, every traced process has exited, or `stop` is set; END
    /// clauses run, then the final aggregations are decoded and (if asked)
    /// printed as `dtrace -s` does. `abort`, once set, ends a stopping run
    /// at once, without the final aggregations (dtrace(1)'s second ^C).
    /// Events are handed to `sink` as they happen.
    pub fn run(
        &mut self,
        settings: &RunSettings,
        stop: &AtomicBool,
        abort: Option<&AtomicBool>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<RunEnd, DtraceError> {
        let result = self.run_programs(settings, stop, abort, sink);
        self.symbols.clear();
        self.handle.release_processes();
        result
    }

    fn run_programs(
        &mut self,
        settings: &RunSettings,
        stop: &AtomicBool,
        abort: Option<&AtomicBool>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<RunEnd, DtraceError> {
        self.start(sink)?;
        let ends = Ends {
            stop,
            abort,
            deadline: settings.duration.map(|d| Instant::now() + d),
            traced: self.handle.processes(),
        };
        let mut pace = Pace::new(settings.snapshot_every);
        let mut stopping: Option<RunEnd> = None;
        // dtrace_work said DONE: the programs called exit(), seen at a
        // status check (so `statusrate` decides how soon).
        let mut saw_exit = false;
        loop {
            // As illumos dtrace(1): wait in libdtrace until there is work
            // (no busy loop), unless the run is ending. The wait is
            // bounded by the status rate (see bound_sleep), so Stop is
            // seen within a second.
            #[cfg(not(target_os = "linux"))]
            if stopping.is_none() && !saw_exit && !ends.stop_asked() && !ends.aborting() {
                self.handle.sleep();
            }
            let aborting = ends.aborting();
            if stopping.is_none()
                && let Some(reason) = self.end_reason(settings, &ends, aborting, saw_exit, sink)
            {
                // Said before dtrace_stop, which can take a second to
                // detach the probes: tracing ends now, and the final
                // snapshot counts up to here.
                sink(Event::Stopping);
                self.handle.stop()?;
                stopping = Some(reason);
            }
            if aborting {
                return Ok(self.end_at_once(stopping, sink));
            }
            let status = self.work_once(sink)?;
            // Not once exit() was seen: the run ends on the next turn, and
            // a live snapshot now would add an interval after tracing
            // stopped (a rate falling to 0) before the final one.
            let exited = matches!(status, WorkStatus::Done) || self.exit_consumed();
            if stopping.is_none() && !exited && pace.due() {
                self.live_snapshot(&mut pace, &ends, sink);
            }
            // Stop on the next turn, whose work call drains END.
            if exited && stopping.is_none() {
                saw_exit = true;
            }
            if let WorkStatus::Error = status {
                let e = self.last_error();
                if e.code != libc::EINTR {
                    return Err(e);
                }
            }
            if let Some(reason) = stopping {
                return self.wind_up(settings, &ends, reason, sink);
            }
        }
    }

    /// Everything up to tracing: the handlers (before dtrace_go, or faults
    /// and drops abort the run), the programs prepared, `dtrace_go`, and
    /// the traced processes let run.
    fn start(&mut self, sink: &mut dyn FnMut(Event)) -> Result<(), DtraceError> {
        if self.programs.is_empty() {
            return Err(DtraceError::other("nothing compiled to run"));
        }
        self.handle.register_handlers()?;
        let quiet = self.option_is_set("quiet");
        self.state().reset(quiet);
        if !self.executed {
            for prog in self.programs.clone() {
                self.handle.exec(&prog)?;
            }
            self.executed = true;
        }
        #[cfg(not(target_os = "linux"))]
        self.bound_sleep()?;
        // With enabled programs and handlers set.
        self.handle.go()?;
        sink(Event::Started {
            matches: self.matches,
        });
        // Tracing is on: let the created or grabbed processes run, as
        // dtrace(1) does only now, so that nothing they do is missed.
        self.handle.continue_processes();
        let traced = self.handle.processes();
        self.state().procs_running = traced;
        Ok(())
    }

    /// Why the run is to end now, if it is: exit() was seen, Stop (or a
    /// second ^C) was asked for, every traced process has gone, or the
    /// time is up.
    fn end_reason(
        &mut self,
        settings: &RunSettings,
        ends: &Ends<'_>,
        aborting: bool,
        saw_exit: bool,
        sink: &mut dyn FnMut(Event),
    ) -> Option<RunEnd> {
        if saw_exit {
            Some(RunEnd::Exited { status: 0 })
        } else if ends.stop_asked() || aborting {
            if settings.newline_on_stop {
                // dtrace(1) ends the interrupted line, quiet or not.
                self.state().push_text("\n");
                self.drain(sink);
            }
            Some(RunEnd::Stopped)
        } else if ends.traced > 0 && self.state().procs_gone >= ends.traced {
            Some(RunEnd::TargetExited)
        } else if ends.time_up() {
            Some(RunEnd::TimeUp)
        } else {
            None
        }
    }

    /// Impatient (a second ^C): no more work calls, no final aggregations.
    fn end_at_once(&mut self, stopping: Option<RunEnd>, sink: &mut dyn FnMut(Event)) -> RunEnd {
        self.state().drain_captured();
        self.state().flush();
        self.drain(sink);
        self.finish(stopping.unwrap_or(RunEnd::Stopped))
    }

    /// One work call, and what it printed handed on.
    fn work_once(&mut self, sink: &mut dyn FnMut(Event)) -> Result<WorkStatus, DtraceError> {
        // Linux DTrace does not flush buffered output per record, so the
        // work call gets a real stream, read back after each call.
        let stream = MemStream::open()?;
        self.state().out = Some(stream.writer());
        let status = self.handle.work(&stream);
        self.state().out = None;
        let written = stream.close();
        self.state().push_text(&written);
        self.state().drain_captured();
        self.drain(sink);
        Ok(status)
    }

    /// A live snapshot, and the interval announced when it changed.
    fn live_snapshot(&mut self, pace: &mut Pace, ends: &Ends<'_>, sink: &mut dyn FnMut(Event)) {
        // Stop, a second ^C and the duration are seen within the
        // snapshot too: it is given up, not finished.
        let interrupted = || ends.stop_asked() || ends.aborting() || ends.time_up();
        let began = Instant::now();
        let taken = self.take_snapshot(&interrupted);
        Self::send(taken, sink);
        if let Some(every) = pace.took(began.elapsed()) {
            sink(Event::Pace {
                every_ms: every.as_millis() as u64,
            });
        }
    }

    /// The end of a stopped run, once END has been consumed: the final
    /// snapshot and printout, the last of the output, and why it ended.
    fn wind_up(
        &mut self,
        settings: &RunSettings,
        ends: &Ends<'_>,
        reason: RunEnd,
        sink: &mut dyn FnMut(Event),
    ) -> Result<RunEnd, DtraceError> {
        // Impatient by now (a second ^C during END): no final
        // aggregations, as with dtrace(1).
        let aborted = ends.aborting();
        let printing = settings.print_aggregations && !aborted;
        let taken = (settings.final_snapshot || (printing && cfg!(target_os = "linux")))
            .then(|| self.take_snapshot(&|| false))
            .flatten();
        let printout = if printing {
            Some(self.final_printout(taken.as_ref())?)
        } else {
            None
        };
        if settings.final_snapshot {
            Self::send(taken, sink);
        }
        if let Some(text) = printout {
            self.state().push_text("\n");
            self.state().push_text(&text);
        }
        self.state().drain_captured();
        self.state().flush();
        self.drain(sink);
        Ok(self.finish(reason))
    }

    /// dtrace_sleep waits until the earliest of the next buffer switch,
    /// aggregation snapshot and status check (the last alone under the
    /// ring and fill buffer policies), or news of a traced process; a
    /// Stop asked for meanwhile is seen when it returns. A status rate
    /// slower than once a second (set by the script, or left unset) is
    /// made once a second so that every wait ends within a second. The
    /// status check is a small poll of the kernel's state; its rate
    /// changes nothing in what the script records.
    #[cfg(not(target_os = "linux"))]
    fn bound_sleep(&mut self) -> Result<(), DtraceError> {
        const SECOND: i64 = 1_000_000_000;
        let rate = self.handle.getopt(c"statusrate");
        // Unset is -2, below zero too.
        if rate <= 0 || rate > SECOND {
            self.setopt("statusrate", Some("1s"))?;
        }
        Ok(())
    }

    /// Whether exit()'s record has been consumed: tracing has stopped.
    /// Linux libdtrace says so only at the status check of the next work
    /// call, and that call first waits up to a second for output that no
    /// longer comes; the run's end would be timed that much late, and its
    /// last interval would count a second in which nothing was traced.
    /// Elsewhere the status check follows at once.
    fn exit_consumed(&mut self) -> bool {
        cfg!(target_os = "linux") && self.handle.state().exit_status.is_some()
    }

    /// Why the run ended, as its exit status tells it: the last exit()
    /// consumed decides, whatever stopped the run (dtrace(1)'s g_status).
    fn finish(&self, reason: RunEnd) -> RunEnd {
        match (self.handle.state().exit_status, reason) {
            (Some(status), _) => RunEnd::Exited { status },
            (None, reason) => reason,
        }
    }
}
