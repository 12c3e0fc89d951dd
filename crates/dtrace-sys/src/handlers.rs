//! The callbacks of a run. libdtrace reports faults, drops, buffered
//! output and news of traced processes to handlers registered on the
//! handle, and hands every probe firing and record to the work call's
//! consume functions. Here each of them is an `extern "C"` trampoline
//! that turns its raw arguments into safe views and calls the consumer's
//! [`Handlers`]; none lets a panic unwind into C.

use crate::layout::c_text as text;
use crate::layout::native::{
    BufData, DTRACE_CONSUME_ABORT, DTRACE_CONSUME_NEXT, DTRACE_CONSUME_THIS, DTRACE_HANDLE_ABORT,
    DTRACE_HANDLE_OK, DTRACEACT_EXIT, DropData, ErrData, ProbeData, RecDesc,
};
#[cfg(not(target_os = "linux"))]
use crate::opaque::DtraceHdl;
use crate::probes::ProbeView;
#[cfg(not(target_os = "linux"))]
use crate::process::Query;
use std::ffi::{c_char, c_int, c_void};
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a consume function tells libdtrace to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consume {
    /// Go on with this probe's records (DTRACE_CONSUME_THIS).
    This,
    /// Skip to the next probe firing (DTRACE_CONSUME_NEXT).
    Next,
}

/// What a consumer does with each callback of a run. The methods run on
/// the thread inside a libdtrace call on the handle, one at a time.
pub trait Handlers {
    /// A fault in a probe's actions (`dtrace_handle_err`).
    fn runtime_error(&mut self, message: String);
    /// Dropped data (`dtrace_handle_drop`).
    fn dropped(&mut self, count: u64, message: String);
    /// A piece of output text (`dtrace_handle_buffered`), possibly part
    /// of a line.
    fn buffered(&mut self, text: String);
    /// A probe fired (the work call's probe function).
    fn probe(&mut self, firing: &Firing<'_>) -> Consume;
    /// One of a firing's records, or None after its last one (the work
    /// call's record function).
    fn record(&mut self, firing: &Firing<'_>, record: Option<&FiredRecord<'_>>) -> Consume;
    /// News of a traced process (`dtrace_handle_proc`).
    fn process(&mut self, report: &ProcessReport<'_>);
}

/// A probe firing, for the length of a consume call.
pub struct Firing<'a> {
    data: &'a ProbeData,
}

impl<'a> Firing<'a> {
    /// The CPU it fired on.
    pub fn cpu(&self) -> i64 {
        i64::from(self.data.cpu)
    }

    /// The probe that fired.
    pub fn probe(&self) -> Option<ProbeView<'a>> {
        // SAFETY: libdtrace's firing points at a valid probe description
        // (or null), alive for the call.
        let desc = unsafe { self.data.pdesc.as_ref() }?;
        // SAFETY: as above: libdtrace's own description, alive for 'a.
        Some(unsafe { ProbeView::from_libdtrace(desc) })
    }
}

/// One record of a firing, for the length of a consume call.
pub struct FiredRecord<'a> {
    rec: &'a RecDesc,
    /// Where libdtrace points the firing's data for this record: at the
    /// record itself.
    data: *const u8,
    _data: PhantomData<&'a u8>,
}

impl FiredRecord<'_> {
    /// The record's action (`dtrd_action`).
    pub fn action(&self) -> u16 {
        self.rec.action
    }

    /// The status an `exit()` record holds; None for every other record.
    pub fn exit_status(&self) -> Option<i32> {
        if self.rec.action != DTRACEACT_EXIT || self.data.is_null() {
            return None;
        }
        // SAFETY: before calling the record function, libdtrace points
        // the firing's data at the record itself, which for exit() is its
        // 4-byte status (the dtrace command reads it the same way).
        Some(unsafe { std::ptr::read_unaligned(self.data as *const i32) })
    }
}

/// News of a traced process, for the length of the proc handler's call.
pub struct ProcessReport<'a> {
    message: String,
    #[cfg(target_os = "linux")]
    pid: i32,
    #[cfg(not(target_os = "linux"))]
    query: Query,
    #[cfg(not(target_os = "linux"))]
    hdl: *mut DtraceHdl,
    #[cfg(not(target_os = "linux"))]
    proc: *mut crate::opaque::DtraceProc,
    _call: PhantomData<&'a ()>,
}

impl ProcessReport<'_> {
    /// libdtrace's message, "" when there is none.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Linux: the pid as the handler gets it, negated once the process is
    /// dead. The illumos family: the process's pid, read through libproc.
    pub fn pid(&self) -> i32 {
        #[cfg(target_os = "linux")]
        return self.pid;
        // SAFETY: the handle is open and the process handle is the one
        // libdtrace reports on, alive for the handler's call.
        #[cfg(not(target_os = "linux"))]
        return unsafe { self.query.pid(self.hdl, self.proc) };
    }

    /// Whether the process is gone, as libproc's state says.
    #[cfg(not(target_os = "linux"))]
    pub fn news(&self) -> crate::process::ProcNews {
        // SAFETY: as in pid().
        unsafe { self.query.news(self.hdl, self.proc) }
    }
}

/// What every callback gets as its argument: the consumer's handlers,
/// and what the proc handler needs to read a process's pid and state.
pub(crate) struct Callbacks<S> {
    pub state: S,
    #[cfg(not(target_os = "linux"))]
    pub query: Option<(Query, *mut DtraceHdl)>,
}

/// Runs `f` on the callbacks behind `arg`; a panic becomes `on_panic`
/// instead of unwinding into C.
fn with<S>(arg: *mut c_void, on_panic: c_int, f: impl FnOnce(&mut Callbacks<S>) -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `arg` is the Callbacks<S> the handle registered with
        // these callbacks (crate::handle); it lives as long as the handle,
        // and libdtrace calls them only from the thread inside a libdtrace
        // call made through the handle's `&mut self` methods, so there is
        // no other reference to it now.
        let callbacks = unsafe { &mut *(arg as *mut Callbacks<S>) };
        f(callbacks)
    }))
    .unwrap_or(on_panic)
}

fn consume(c: Consume) -> c_int {
    match c {
        Consume::This => DTRACE_CONSUME_THIS,
        Consume::Next => DTRACE_CONSUME_NEXT,
    }
}

/// # Safety
/// Called by libdtrace only: the data pointer is valid for the call and
/// `arg` is the handle's registered `Callbacks<S>`.
pub(crate) unsafe extern "C" fn on_error<S: Handlers>(
    data: *const ErrData,
    arg: *mut c_void,
) -> c_int {
    with::<S>(arg, DTRACE_HANDLE_ABORT, |c| {
        // SAFETY: libdtrace passes a valid dtrace_errdata_t for the call.
        let msg = unsafe { text((*data).msg) };
        c.state.runtime_error(msg);
        DTRACE_HANDLE_OK
    })
}

/// # Safety
/// As [`on_error`], with a `dtrace_dropdata_t`.
pub(crate) unsafe extern "C" fn on_drop<S: Handlers>(
    data: *const DropData,
    arg: *mut c_void,
) -> c_int {
    with::<S>(arg, DTRACE_HANDLE_ABORT, |c| {
        // SAFETY: libdtrace passes a valid dtrace_dropdata_t for the call.
        let (count, msg) = unsafe { ((*data).drops, text((*data).msg)) };
        c.state.dropped(count, msg);
        DTRACE_HANDLE_OK
    })
}

/// # Safety
/// As [`on_error`], with a `dtrace_bufdata_t`.
pub(crate) unsafe extern "C" fn on_buffered<S: Handlers>(
    data: *const BufData,
    arg: *mut c_void,
) -> c_int {
    with::<S>(arg, DTRACE_HANDLE_ABORT, |c| {
        // SAFETY: libdtrace passes a valid dtrace_bufdata_t whose text is
        // NUL-terminated for the call.
        let piece = unsafe { text((*data).buffered) };
        c.state.buffered(piece);
        DTRACE_HANDLE_OK
    })
}

/// Per probe firing.
/// # Safety
/// As [`on_error`], with a `dtrace_probedata_t` whose probe description
/// is valid for the call.
pub(crate) unsafe extern "C" fn on_probe<S: Handlers>(
    data: *const ProbeData,
    arg: *mut c_void,
) -> c_int {
    with::<S>(arg, DTRACE_CONSUME_ABORT, |c| {
        // SAFETY: libdtrace's firing, valid for the call.
        let data = unsafe { &*data };
        consume(c.state.probe(&Firing { data }))
    })
}

/// Per record, and once more with a null record after a firing's last.
/// # Safety
/// As [`on_probe`]; `rec` is null or a record description valid for the
/// call, and the firing's data points at that record.
pub(crate) unsafe extern "C" fn on_record<S: Handlers>(
    data: *const ProbeData,
    rec: *const RecDesc,
    arg: *mut c_void,
) -> c_int {
    with::<S>(arg, DTRACE_CONSUME_ABORT, |c| {
        // SAFETY: libdtrace's firing, valid for the call.
        let data = unsafe { &*data };
        let firing = Firing { data };
        // SAFETY: null or a record description valid for the call.
        let record = unsafe { rec.as_ref() }.map(|rec| FiredRecord {
            rec,
            data: data.data,
            _data: PhantomData,
        });
        consume(c.state.record(&firing, record.as_ref()))
    })
}

/// The proc handler of Linux DTrace: the pid, negated once the process is
/// dead, and a message.
/// # Safety
/// Called by libdtrace only: `msg` is null or a NUL-terminated string
/// valid for the call and `arg` is the handle's registered `Callbacks<S>`.
#[cfg(target_os = "linux")]
pub(crate) unsafe extern "C" fn on_proc<S: Handlers>(
    pid: libc::pid_t,
    msg: *const c_char,
    arg: *mut c_void,
) {
    with::<S>(arg, 0, |c| {
        let report = ProcessReport {
            // SAFETY: per this function's contract.
            message: unsafe { text(msg) },
            pid,
            _call: PhantomData,
        };
        c.state.process(&report);
        0
    });
}

/// The proc handler of the illumos family: the libproc handle and a
/// message.
/// # Safety
/// Called by libdtrace only: `p` is a live process handle of the
/// registered handle, `msg` null or a NUL-terminated string valid for the
/// call, and `arg` the handle's registered `Callbacks<S>`.
#[cfg(not(target_os = "linux"))]
pub(crate) unsafe extern "C" fn on_proc<S: Handlers>(
    p: *mut crate::opaque::DtraceProc,
    msg: *const c_char,
    arg: *mut c_void,
) {
    with::<S>(arg, 0, |c| {
        let Some((query, hdl)) = c.query else {
            return 0;
        };
        let report = ProcessReport {
            // SAFETY: per this function's contract.
            message: unsafe { text(msg) },
            query,
            hdl,
            proc: p,
            _call: PhantomData,
        };
        c.state.process(&report);
        0
    });
}

#[cfg(test)]
mod tests;
