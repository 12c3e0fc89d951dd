//! What a run says as it goes, put into events: the consumer's
//! [`Handlers`] for libdtrace's callbacks, and this process's own standard
//! output captured into the same stream.
//!
//! Output is taken through libdtrace's buffered-output handler (the work
//! functions get no `FILE`), so printf, trace, printa and the final
//! aggregation printout all arrive as text pieces that are put back
//! together into lines here. The CPU/ID/FUNCTION:NAME prefix that
//! `dtrace(1)` prints in non-quiet mode is the command's own, not the
//! library's, so it is reproduced here the same way.

use dscope_dtrace_sys::{Consume, FiredRecord, Firing, Handlers, ProcNews, ProcessReport};
use dscope_dtrace_sys::{StreamWriter, os};
use dscope_model::Event;

/// State the callbacks report to; owned by the consumer's handle so that
/// it outlives every callback libdtrace may make.
#[derive(Default)]
pub struct HandlerState {
    /// The stream libdtrace writes to during a work call; the callbacks
    /// write their own text there too, so that the order is kept.
    pub out: Option<StreamWriter>,
    pub quiet: bool,
    heading_printed: bool,
    partial: String,
    pub events: Vec<Event>,
    /// The status of the last exit() consumed: as in dtrace(1), a later
    /// one (in END, say) replaces an earlier one.
    pub exit_status: Option<i32>,
    /// Traced processes that have died, as the proc handler reports.
    pub procs_gone: usize,
    /// How many traced processes were let run (dtrace(1)'s g_pslive
    /// before any died).
    pub procs_running: usize,
    /// This process's own standard output, when it is captured (system()
    /// and a `-c` command write there); drained before every callback so
    /// that it stays in order with the trace output.
    pub captured: Option<std::sync::Arc<CapturedStdout>>,
}

impl HandlerState {
    pub fn reset(&mut self, quiet: bool) {
        *self = HandlerState {
            quiet,
            captured: self.captured.take(),
            ..HandlerState::default()
        };
    }

    /// Moves what the captured standard output holds into the output, at
    /// the place the trace output has reached.
    pub fn drain_captured(&mut self) {
        let Some(captured) = &self.captured else {
            return;
        };
        let bytes = captured.take();
        if !bytes.is_empty() {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            self.emit(&text);
        }
    }

    /// Text of our own (the probe prefix), into the stream when there is
    /// one so that it stays in order with libdtrace's output.
    fn emit(&mut self, text: &str) {
        let written = self.out.as_ref().is_some_and(|out| out.write(text));
        if !written {
            self.push_text(text);
        }
    }

    /// Adds output text, emitting every line it completes.
    pub fn push_text(&mut self, text: &str) {
        let mut rest = text;
        while let Some(nl) = rest.find('\n') {
            self.partial.push_str(&rest[..nl]);
            self.events
                .push(Event::Output(std::mem::take(&mut self.partial)));
            rest = &rest[nl + 1..];
        }
        self.partial.push_str(rest);
    }

    /// Emits an unfinished last line.
    pub fn flush(&mut self) {
        if !self.partial.is_empty() {
            self.events
                .push(Event::Output(std::mem::take(&mut self.partial)));
        }
    }

    /// The CPU/ID/FUNCTION:NAME prefix of a firing, as dtrace(1) prints
    /// it when not quiet, after the heading.
    fn prefix(&mut self, cpu: i64, id: u32, function: &str, name: &str) {
        if !self.heading_printed {
            self.emit(&format!(
                "{:>3} {:>6} {:>32}\n",
                "CPU", "ID", "FUNCTION:NAME"
            ));
            self.heading_printed = true;
        }
        let name = format!("{function}:{name}");
        self.emit(&format!("{cpu:>3} {id:>6} {name:>32} "));
    }

    /// A record of a firing (None after its last): exit() statuses are
    /// remembered, a non-quiet line is ended.
    fn record_consumed(&mut self, record: Option<Option<i32>>) -> Consume {
        // A system() action ran just before this record, if any: its
        // output comes first.
        self.drain_captured();
        match record {
            None => {
                if !self.quiet {
                    self.emit("\n");
                }
                Consume::Next
            }
            Some(Some(status)) => {
                self.exit_status = Some(status);
                Consume::Next
            }
            Some(None) => Consume::This,
        }
    }
}

impl Handlers for HandlerState {
    fn runtime_error(&mut self, message: String) {
        self.events
            .push(Event::RuntimeError(message.trim_end().to_owned()));
    }

    fn dropped(&mut self, count: u64, message: String) {
        self.events.push(Event::Drop {
            count,
            message: message.trim_end().to_owned(),
        });
    }

    fn buffered(&mut self, text: String) {
        self.drain_captured();
        self.push_text(&text);
    }

    fn probe(&mut self, firing: &Firing<'_>) -> Consume {
        self.drain_captured();
        if self.quiet {
            return Consume::This;
        }
        let (id, function, name) = firing
            .probe()
            .map_or_else(Default::default, |p| (p.id(), p.function(), p.name()));
        self.prefix(firing.cpu(), id, &function, &name);
        Consume::This
    }

    fn record(&mut self, _firing: &Firing<'_>, record: Option<&FiredRecord<'_>>) -> Consume {
        self.record_consumed(record.map(FiredRecord::exit_status))
    }

    /// Linux: a negative pid says a traced process is dead, as Linux
    /// dtrace(1)'s prochandler reads it; a message is passed on.
    #[cfg(target_os = "linux")]
    fn process(&mut self, report: &ProcessReport<'_>) {
        let msg = report.message();
        if !msg.trim().is_empty() {
            self.events.push(Event::Notice(msg.trim_end().to_owned()));
        }
        if report.pid() < 0 {
            self.procs_gone += 1;
        }
    }

    /// The illumos family: a message is passed on with the pid; otherwise
    /// the process's state says whether it is gone, as illumos dtrace(1)'s
    /// prochandler reads it (and says so the same way).
    #[cfg(not(target_os = "linux"))]
    fn process(&mut self, report: &ProcessReport<'_>) {
        let pid = report.pid();
        let msg = report.message();
        if !msg.is_empty() {
            self.events
                .push(Event::Notice(format!("pid {pid}: {}", msg.trim_end())));
            return;
        }
        let live = self.procs_running.saturating_sub(self.procs_gone);
        if let Some(notice) = proc_gone_notice(pid, report.news(), live) {
            self.events.push(Event::Notice(notice));
            self.procs_gone += 1;
        }
    }
}

/// What illumos dtrace(1)'s prochandler says when a traced process is
/// gone, None while it lives. `live` is how many traced processes were
/// running before this news (a process lost before tracing started
/// exec'd something it may not follow).
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn proc_gone_notice(pid: i32, news: ProcNews, live: usize) -> Option<String> {
    Some(match news {
        ProcNews::Alive => return None,
        ProcNews::Exited => format!("pid {pid} has exited"),
        ProcNews::Lost if live > 0 => format!("pid {pid} has exited"),
        ProcNews::Lost => format!("pid {pid} exec'd a set-id or unobservable program"),
    })
}

/// This process's standard output turned into a pipe, read by a thread of
/// its own so that a chatty command never blocks on a full pipe. Reads
/// happen under the lock, so [`CapturedStdout::take`] returns everything
/// written so far, in order.
pub struct CapturedStdout {
    read: std::fs::File,
    buffer: std::sync::Mutex<(Vec<u8>, bool)>,
}

impl CapturedStdout {
    /// Points file descriptor 1 at a new pipe and returns the original
    /// standard output (for a protocol of one's own) and the capture.
    pub fn start() -> std::io::Result<(std::fs::File, std::sync::Arc<CapturedStdout>)> {
        use std::os::fd::{AsFd, OwnedFd};
        // std's pipe is close-on-exec on every platform (macOS has no
        // pipe2).
        let (read, write) = std::io::pipe()?;
        let (read, write) = (OwnedFd::from(read), OwnedFd::from(write));
        let _ = os::set_nonblocking(read.as_fd());
        // A new descriptor (F_DUPFD_CLOEXEC, 3 or above), not inherited by
        // children.
        let original = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
        // Standard output becomes the pipe's write end (inherited by
        // children); our `write` descriptor is closed when it drops.
        os::redirect_stdout(write.as_fd())?;
        drop(write);
        let captured = std::sync::Arc::new(CapturedStdout {
            read: std::fs::File::from(read),
            buffer: std::sync::Mutex::new((Vec::new(), false)),
        });
        let reader = captured.clone();
        std::thread::Builder::new()
            .name("dscope-stdout".into())
            .spawn(move || {
                while !reader.lock().1 {
                    os::wait_readable(reader.read.as_fd(), 200);
                    reader.fill();
                }
            })?;
        Ok((original, captured))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<u8>, bool)> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads what the pipe holds into the buffer; at the end of input,
    /// marks it done.
    fn fill(&self) {
        use std::io::Read;
        let mut guard = self.lock();
        let mut chunk = [0u8; 8192];
        loop {
            // A non-blocking descriptor: an error (nothing to read now, or
            // interrupted) ends this fill.
            match (&self.read).read(&mut chunk) {
                Ok(0) => {
                    guard.1 = true;
                    return;
                }
                Ok(n) => guard.0.extend_from_slice(&chunk[..n]),
                Err(_) => return,
            }
        }
    }

    /// Everything written to standard output so far.
    pub fn take(&self) -> Vec<u8> {
        self.fill();
        std::mem::take(&mut self.lock().0)
    }
}

#[cfg(test)]
mod tests;
