//! SIGINT and SIGTERM as dtrace(1) takes them: the first asks the run to
//! stop (END clauses run, the aggregations are printed), a second one
//! while it stops ends it at once.
//!
//! The handler only stores into atomics, which is async-signal-safe; the
//! run loop reads them after every work call. The handler is installed
//! without SA_RESTART, so a signal also cuts short the wait inside
//! `dtrace_work` (it returns EINTR, which the loop ignores).

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first SIGINT or SIGTERM.
pub static STOP: AtomicBool = AtomicBool::new(false);
/// Set by the second one.
pub static ABORT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signo: libc::c_int) {
    // swap is a single lock-free atomic instruction: safe in a handler,
    // and it cannot panic.
    if STOP.swap(true, Ordering::SeqCst) {
        ABORT.store(true, Ordering::SeqCst);
    }
}

/// How long the process may go on after the second signal. The run loop
/// sees it after the work call it is in, and then ends at once; a work
/// call that does not return (libdtrace's aggregation snapshot can spend
/// minutes grabbing the processes of `ufunc`/`umod`/`usym` keys) would
/// hold the process past any number of signals, so it is ended then.
const AFTER_ABORT: std::time::Duration = std::time::Duration::from_secs(3);

/// Ends the process [`AFTER_ABORT`] after the second signal, if it has not
/// ended by then.
fn watch_for_abort() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("dscope-abort".into())
            .spawn(|| {
                while !ABORT.load(Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                std::thread::sleep(AFTER_ABORT);
                let message = format!(
                    "dscope: libdtrace had not returned {} s after the second interrupt; \
                     ending now\n",
                    AFTER_ABORT.as_secs()
                );
                use std::io::Write;
                let _ = std::io::stderr().write_all(message.as_bytes());
                // SAFETY: _exit ends the process without running atexit
                // handlers or destructors, which could wait on the very
                // libdtrace lock the run is stuck behind.
                unsafe { libc::_exit(1) };
            });
    });
}

/// Installs the handler for SIGINT and SIGTERM, except where the signal is
/// ignored (as under `nohup`), which dtrace(1) leaves alone too. A second
/// signal ends the run at once, and the process soon after if libdtrace
/// does not let go.
pub fn install() {
    watch_for_abort();
    for signo in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: all-zero bytes are a valid sigaction (null handler,
        // empty mask, no flags).
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a null new action only reads the current one into `old`,
        // a valid, writable sigaction.
        if unsafe { libc::sigaction(signo, std::ptr::null(), &mut old) } != 0 {
            continue;
        }
        if old.sa_sigaction == libc::SIG_IGN {
            continue;
        }
        // SAFETY: a zeroed sigaction is a valid value; the handler is an
        // `extern "C" fn(c_int)` that only touches atomics, the mask is
        // emptied with sigemptyset, and flags 0 means a plain handler
        // without SA_RESTART.
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut act.sa_mask);
            act.sa_flags = 0;
            libc::sigaction(signo, &act, std::ptr::null_mut());
        }
    }
}
