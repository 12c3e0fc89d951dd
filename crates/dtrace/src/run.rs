//! Running a compiled program: handlers, `dtrace_go`, the work loop, stop.
//!
//! Output is taken through libdtrace's buffered-output handler (the work
//! functions get no `FILE`), so printf, trace, printa and the final
//! aggregation printout all arrive as text pieces that are put back
//! together into lines here. The CPU/ID/FUNCTION:NAME prefix that
//! `dtrace(1)` prints in non-quiet mode is the command's own, not the
//! library's, so it is reproduced here the same way.
//!
//! The layouts are the build target's family's ([`super::layout`]); the
//! callbacks read only fields both families have, by the same names.

use dscope_model::Event;
use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use super::layout::native::{
    BufData, DTRACE_CONSUME_ABORT, DTRACE_CONSUME_NEXT, DTRACE_CONSUME_THIS, DTRACE_HANDLE_ABORT,
    DTRACE_HANDLE_OK, DTRACE_WORKSTATUS_DONE, DTRACE_WORKSTATUS_ERROR, DTRACE_WORKSTATUS_OKAY,
    DTRACEACT_EXIT, DropData, ErrData, ProbeData, ProbeDesc, ProbeInfo, RecDesc,
};
use super::layout::{ProbeNames, c_text as text};

pub type ErrHandler = unsafe extern "C" fn(*const ErrData, *mut c_void) -> c_int;
pub type DropHandler = unsafe extern "C" fn(*const DropData, *mut c_void) -> c_int;
pub type BufHandler = unsafe extern "C" fn(*const BufData, *mut c_void) -> c_int;
pub type ConsumeProbe = unsafe extern "C" fn(*const ProbeData, *mut c_void) -> c_int;
pub type ConsumeRec = unsafe extern "C" fn(*const ProbeData, *const RecDesc, *mut c_void) -> c_int;

/// State shared with the callbacks; owned by the consumer so that it
/// outlives every callback libdtrace may make.
pub struct HandlerState {
    /// The stream libdtrace writes to during a work call; the callbacks
    /// write their own text there too, so that the order is kept.
    pub fp: *mut libc::FILE,
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
    /// Reads a traced process's pid and state in the proc handler (the
    /// illumos family hands it a libproc handle).
    pub proc_query: Option<(super::process::Query, *mut super::library::DtraceHdl)>,
    /// This process's own standard output, when it is captured (system()
    /// and a `-c` command write there); drained before every callback so
    /// that it stays in order with the trace output.
    pub captured: Option<std::sync::Arc<CapturedStdout>>,
}

impl Default for HandlerState {
    fn default() -> Self {
        HandlerState {
            fp: std::ptr::null_mut(),
            quiet: false,
            heading_printed: false,
            partial: String::new(),
            events: Vec::new(),
            exit_status: None,
            procs_gone: 0,
            procs_running: 0,
            proc_query: None,
            captured: None,
        }
    }
}

impl HandlerState {
    pub fn reset(&mut self, quiet: bool) {
        *self = HandlerState {
            quiet,
            captured: self.captured.take(),
            proc_query: self.proc_query.take(),
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
        if self.fp.is_null() {
            self.push_text(text);
        } else {
            // SAFETY: `fp` is the open stream of the current work call.
            unsafe { libc::fwrite(text.as_ptr().cast(), 1, text.len(), self.fp) };
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
}

/// Runs `f` on the handler state behind `arg`; a panic becomes `on_panic`
/// instead of unwinding into C.
fn with_state(
    arg: *mut c_void,
    on_panic: c_int,
    f: impl FnOnce(&mut HandlerState) -> c_int,
) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `arg` is the Box<HandlerState> the consumer registered
        // with these handlers; it lives as long as the handle, and
        // libdtrace calls handlers only from the thread inside a libdtrace
        // call, so there is no other reference to it now.
        let state = unsafe { &mut *(arg as *mut HandlerState) };
        f(state)
    }))
    .unwrap_or(on_panic)
}

/// # Safety
/// Called by libdtrace only: the data pointer is valid for the call and
/// `arg` is the consumer's registered [`HandlerState`].
pub unsafe extern "C" fn on_error(data: *const ErrData, arg: *mut c_void) -> c_int {
    with_state(arg, DTRACE_HANDLE_ABORT, |state| {
        // SAFETY: libdtrace passes a valid dtrace_errdata_t for the call.
        let msg = unsafe { text((*data).msg) };
        state
            .events
            .push(Event::RuntimeError(msg.trim_end().to_owned()));
        DTRACE_HANDLE_OK
    })
}

/// # Safety
/// Called by libdtrace only: the data pointer is valid for the call and
/// `arg` is the consumer's registered [`HandlerState`].
pub unsafe extern "C" fn on_drop(data: *const DropData, arg: *mut c_void) -> c_int {
    with_state(arg, DTRACE_HANDLE_ABORT, |state| {
        // SAFETY: libdtrace passes a valid dtrace_dropdata_t for the call.
        let (count, msg) = unsafe { ((*data).drops, text((*data).msg)) };
        state.events.push(Event::Drop {
            count,
            message: msg.trim_end().to_owned(),
        });
        DTRACE_HANDLE_OK
    })
}

/// # Safety
/// Called by libdtrace only: the data pointer is valid for the call and
/// `arg` is the consumer's registered [`HandlerState`].
pub unsafe extern "C" fn on_buffered(data: *const BufData, arg: *mut c_void) -> c_int {
    with_state(arg, DTRACE_HANDLE_ABORT, |state| {
        state.drain_captured();
        // SAFETY: libdtrace passes a valid dtrace_bufdata_t whose text is
        // NUL-terminated for the call.
        let piece = unsafe { text((*data).buffered) };
        state.push_text(&piece);
        DTRACE_HANDLE_OK
    })
}

/// Per probe firing: the CPU/ID/FUNCTION:NAME prefix, as dtrace(1) prints
/// it when not quiet.
/// # Safety
/// Called by libdtrace only: the data pointer is valid for the call and
/// `arg` is the consumer's registered [`HandlerState`].
pub unsafe extern "C" fn on_probe(data: *const ProbeData, arg: *mut c_void) -> c_int {
    with_state(arg, DTRACE_CONSUME_ABORT, |state| {
        state.drain_captured();
        if state.quiet {
            return DTRACE_CONSUME_THIS;
        }
        if !state.heading_printed {
            state.emit(&format!(
                "{:>3} {:>6} {:>32}\n",
                "CPU", "ID", "FUNCTION:NAME"
            ));
            state.heading_printed = true;
        }
        // SAFETY: a valid dtrace_probedata_t with a valid probe description
        // whose strings live for the call.
        let (cpu, id, name) = unsafe {
            let d = &*data;
            let pd = &*d.pdesc;
            (d.cpu, pd.id(), format!("{}:{}", pd.function(), pd.name()))
        };
        state.emit(&format!("{cpu:>3} {id:>6} {name:>32} "));
        DTRACE_CONSUME_THIS
    })
}

/// Per record: remember exit() statuses; end a non-quiet line.
/// # Safety
/// Called by libdtrace only: the data pointer is valid for the call and
/// `arg` is the consumer's registered [`HandlerState`].
pub unsafe extern "C" fn on_record(
    data: *const ProbeData,
    rec: *const RecDesc,
    arg: *mut c_void,
) -> c_int {
    with_state(arg, DTRACE_CONSUME_ABORT, |state| {
        // A system() action ran just before this record, if any: its
        // output comes first.
        state.drain_captured();
        if rec.is_null() {
            if !state.quiet {
                state.emit("\n");
            }
            return DTRACE_CONSUME_NEXT;
        }
        // SAFETY: non-null record description from libdtrace for the call.
        let rec = unsafe { &*rec };
        if rec.action == DTRACEACT_EXIT {
            // SAFETY: before calling this, libdtrace points `data` at the
            // record itself, which for exit() is its 4-byte status (the
            // dtrace command reads it the same way).
            let status = unsafe { std::ptr::read_unaligned((*data).data as *const i32) };
            state.exit_status = Some(status);
            return DTRACE_CONSUME_NEXT;
        }
        DTRACE_CONSUME_THIS
    })
}

/// The proc handler: a negative pid says a traced process is dead, as
/// Linux dtrace(1)'s prochandler reads it; a message is passed on.
/// # Safety
/// Called by libdtrace only: `msg` is null or a NUL-terminated string
/// valid for the call and `arg` is the consumer's registered
/// [`HandlerState`].
#[cfg(target_os = "linux")]
pub unsafe extern "C" fn on_proc(pid: libc::pid_t, msg: *const c_char, arg: *mut c_void) {
    with_state(arg, 0, |state| {
        // SAFETY: per this function's contract.
        let msg = unsafe { text(msg) };
        if !msg.trim().is_empty() {
            state.events.push(Event::Notice(msg.trim_end().to_owned()));
        }
        if pid < 0 {
            state.procs_gone += 1;
        }
        0
    });
}

/// The proc handler of the illumos family: a message is passed on with
/// the pid; otherwise the process's state says whether it is gone, as
/// illumos dtrace(1)'s prochandler reads it (and says so the same way).
/// # Safety
/// Called by libdtrace only: `p` is a live process handle of the
/// registered handle, `msg` null or a NUL-terminated string valid for the
/// call, and `arg` the consumer's registered [`HandlerState`].
#[cfg(not(target_os = "linux"))]
pub unsafe extern "C" fn on_proc(
    p: *mut super::library::DtraceProc,
    msg: *const c_char,
    arg: *mut c_void,
) {
    with_state(arg, 0, |state| {
        let Some((query, hdl)) = state.proc_query else {
            return 0;
        };
        // SAFETY: per this function's contract.
        let (pid, msg) = unsafe { (query.pid(hdl, p), text(msg)) };
        if !msg.is_empty() {
            state
                .events
                .push(Event::Notice(format!("pid {pid}: {}", msg.trim_end())));
            return 0;
        }
        let live = state.procs_running.saturating_sub(state.procs_gone);
        // SAFETY: per this function's contract.
        let news = unsafe { query.news(hdl, p) };
        if let Some(notice) = proc_gone_notice(pid, news, live) {
            state.events.push(Event::Notice(notice));
            state.procs_gone += 1;
        }
        0
    });
}

/// What illumos dtrace(1)'s prochandler says when a traced process is
/// gone, None while it lives. `live` is how many traced processes were
/// running before this news (a process lost before tracing started
/// exec'd something it may not follow).
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn proc_gone_notice(pid: i32, news: super::process::ProcNews, live: usize) -> Option<String> {
    use super::process::ProcNews;
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
    read: std::os::fd::OwnedFd,
    buffer: std::sync::Mutex<(Vec<u8>, bool)>,
}

impl CapturedStdout {
    /// Points file descriptor 1 at a new pipe and returns the original
    /// standard output (for a protocol of one's own) and the capture.
    pub fn start() -> std::io::Result<(std::fs::File, std::sync::Arc<CapturedStdout>)> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // std's pipe is close-on-exec on every platform (macOS has no
        // pipe2).
        let (read, write) = std::io::pipe()?;
        let (read, write) = (OwnedFd::from(read), OwnedFd::from(write));
        // SAFETY: fcntl on a descriptor we own.
        unsafe { libc::fcntl(read.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
        // SAFETY: F_DUPFD_CLOEXEC of fd 1 gives a new descriptor, owned
        // by the File below (and not inherited by children).
        let original = unsafe { libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3) };
        if original < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `original` is a fresh descriptor owned by nobody else.
        let original = unsafe { std::fs::File::from_raw_fd(original) };
        // SAFETY: dup2 onto fd 1 replaces standard output with the pipe's
        // write end (without close-on-exec, so children inherit it); our
        // `write` descriptor is closed when it drops.
        if unsafe { libc::dup2(write.as_raw_fd(), 1) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        drop(write);
        let captured = std::sync::Arc::new(CapturedStdout {
            read,
            buffer: std::sync::Mutex::new((Vec::new(), false)),
        });
        let reader = captured.clone();
        std::thread::Builder::new()
            .name("dscope-stdout".into())
            .spawn(move || {
                while !reader.lock().1 {
                    let mut pfd = libc::pollfd {
                        fd: reader.read.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd, a bounded wait.
                    unsafe { libc::poll(&mut pfd, 1, 200) };
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
        use std::os::fd::AsRawFd;
        let mut guard = self.lock();
        let mut chunk = [0u8; 8192];
        loop {
            // SAFETY: reads into a local buffer of the given length from a
            // non-blocking descriptor we own.
            let n = unsafe {
                libc::read(
                    self.read.as_raw_fd(),
                    chunk.as_mut_ptr().cast(),
                    chunk.len(),
                )
            };
            match n {
                n if n > 0 => guard.0.extend_from_slice(&chunk[..n as usize]),
                0 => {
                    guard.1 = true;
                    return;
                }
                _ => return,
            }
        }
    }

    /// Everything written to standard output so far.
    pub fn take(&self) -> Vec<u8> {
        self.fill();
        std::mem::take(&mut self.lock().0)
    }
}

/// Captures what libdtrace writes to a `FILE` during one call.
pub struct MemStream {
    fp: *mut libc::FILE,
    buf: Box<(*mut c_char, libc::size_t)>,
}

impl MemStream {
    pub fn open() -> Option<MemStream> {
        let mut buf = Box::new((std::ptr::null_mut::<c_char>(), 0 as libc::size_t));
        // SAFETY: the two out-pointers live in a Box whose address stays
        // fixed until close(), as open_memstream requires.
        let fp = unsafe { libc::open_memstream(&mut buf.0, &mut buf.1) };
        (!fp.is_null()).then_some(MemStream { fp, buf })
    }

    pub fn file(&self) -> *mut libc::FILE {
        self.fp
    }

    /// Closes the stream and returns what was written.
    pub fn close(mut self) -> String {
        // SAFETY: `fp` is open; closing updates buf/len to the final text.
        unsafe { libc::fclose(self.fp) };
        self.fp = std::ptr::null_mut();
        let (ptr, len) = *self.buf;
        if ptr.is_null() {
            return String::new();
        }
        // SAFETY: open_memstream's buffer holds `len` bytes; it is ours to
        // free once the stream is closed.
        let text = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
        let text = String::from_utf8_lossy(text).into_owned();
        // SAFETY: allocated by the C library for the stream, freed once.
        unsafe { libc::free(ptr.cast()) };
        self.buf.0 = std::ptr::null_mut();
        text
    }
}

impl Drop for MemStream {
    fn drop(&mut self) {
        if !self.fp.is_null() {
            // SAFETY: still open (close() was not called); then the buffer
            // is freed once.
            unsafe {
                libc::fclose(self.fp);
                libc::free(self.buf.0.cast());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gone_process_is_told_as_illumos_dtrace_tells_it() {
        use super::super::process::ProcNews;
        assert_eq!(proc_gone_notice(7, ProcNews::Alive, 1), None);
        assert_eq!(
            proc_gone_notice(7, ProcNews::Exited, 1).as_deref(),
            Some("pid 7 has exited")
        );
        assert_eq!(
            proc_gone_notice(7, ProcNews::Lost, 1).as_deref(),
            Some("pid 7 has exited")
        );
        assert_eq!(
            proc_gone_notice(7, ProcNews::Lost, 0).as_deref(),
            Some("pid 7 exec'd a set-id or unobservable program")
        );
    }

    #[test]
    fn output_pieces_become_lines() {
        let mut s = HandlerState::default();
        s.push_text("hel");
        s.push_text("lo\nwor");
        s.push_text("ld\n\nlast");
        s.flush();
        let lines: Vec<_> = s
            .events
            .iter()
            .map(|e| match e {
                Event::Output(l) => l.as_str(),
                _ => "?",
            })
            .collect();
        assert_eq!(lines, vec!["hello", "world", "", "last"]);
    }

    /// With Linux's layouts, which is where the tests run.
    #[cfg(target_os = "linux")]
    #[test]
    fn callbacks_record_exit_status_and_prefix_lines() {
        let mut state = HandlerState::default();
        let arg = &mut state as *mut HandlerState as *mut c_void;
        let fun = c"";
        let name = c"BEGIN";
        let pd = ProbeDesc {
            id: 1,
            prv: c"dtrace".as_ptr(),
            module: fun.as_ptr(),
            fun: fun.as_ptr(),
            prb: name.as_ptr(),
        };
        let status: [u8; 4] = 7i32.to_ne_bytes();
        let data = ProbeData {
            handle: std::ptr::null_mut(),
            stid: 0,
            ddesc: std::ptr::null_mut(),
            pdesc: &pd,
            cpu: 1,
            data: status.as_ptr(),
            flow: 0,
            prefix: std::ptr::null(),
            indent: 0,
        };
        let exit = RecDesc {
            action: DTRACEACT_EXIT,
            size: 4,
            offset: 16,
            alignment: 4,
            format: std::ptr::null_mut(),
            arg: 0,
            uarg: 0,
        };
        // SAFETY: hand-built structures valid for the calls; `arg` points
        // at a live HandlerState.
        unsafe {
            assert_eq!(on_probe(&data, arg), DTRACE_CONSUME_THIS);
            assert_eq!(on_record(&data, &exit, arg), DTRACE_CONSUME_NEXT);
            assert_eq!(on_record(&data, std::ptr::null(), arg), DTRACE_CONSUME_NEXT);
        }
        assert_eq!(state.exit_status, Some(7));
        assert_eq!(
            state.events,
            vec![
                Event::Output("CPU     ID                    FUNCTION:NAME".into()),
                Event::Output(format!("  1      1 {:>32} ", ":BEGIN")),
            ]
        );
    }
}
