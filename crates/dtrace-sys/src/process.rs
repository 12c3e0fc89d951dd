//! Process control as `dtrace -c` and `-p` use it: libdtrace creates or
//! grabs the process, holds it stopped until tracing runs, and tells its
//! proc handler when the process is gone. On the illumos family the
//! handler gets a libproc handle from which the pid and state are read
//! through libproc (as dtrace(1)'s prochandler reads them). The functions'
//! types are in [`crate::functions`]; this finds them and calls them the
//! way each system wants.

use crate::functions::{ContinueFn, CreateFn, GrabFn, HandleProcFn, ReleaseFn};
use crate::opaque::{DtraceHdl, DtraceProc};
use std::ffi::c_char;

/// What the proc handler is told of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcNews {
    /// Nothing that ends it (it stopped, or ran on).
    Alive,
    /// It has exited (or was killed).
    Exited,
    /// Control of it was lost: it exec'd a set-id or unobservable
    /// program, or it has exited and was reaped.
    Lost,
}

#[cfg(target_os = "linux")]
mod os {
    use super::*;
    use crate::functions::GetpidFn;

    pub const GRAB: &str = "dtrace_proc_grab_pid";

    #[derive(Clone, Copy)]
    pub struct Query {
        pub getpid: GetpidFn,
    }

    impl Query {
        pub fn load(lib: &libloading::Library) -> Option<Query> {
            Some(Query {
                // SAFETY: the type is the header's (line 470).
                getpid: unsafe { *lib.get::<GetpidFn>(b"dtrace_proc_getpid").ok()? },
            })
        }
        /// # Safety
        /// `hdl` is open and `p` one of its process handles, not released.
        pub unsafe fn pid(&self, hdl: *mut DtraceHdl, p: *mut DtraceProc) -> i32 {
            // SAFETY: per this function's contract.
            unsafe { (self.getpid)(hdl, p) }
        }
    }

    /// # Safety
    /// As [`super::ProcessFns::create`].
    pub unsafe fn create(
        f: CreateFn,
        hdl: *mut DtraceHdl,
        file: *const c_char,
        argv: *const *const c_char,
    ) -> *mut DtraceProc {
        // SAFETY: per the caller's contract; no flags, as dtrace(1).
        unsafe { f(hdl, file, argv, 0) }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use super::*;
    use crate::functions::StateFn;
    #[cfg(not(target_os = "freebsd"))]
    use crate::functions::StatusFn;
    use crate::layout::illumos::{PS_LOST, PS_UNDEAD};

    pub const GRAB: &str = "dtrace_proc_grab";

    /// # Safety
    /// As [`super::ProcessFns::create`].
    pub unsafe fn create(
        f: CreateFn,
        hdl: *mut DtraceHdl,
        file: *const c_char,
        argv: *const *const c_char,
    ) -> *mut DtraceProc {
        #[cfg(not(target_os = "freebsd"))]
        // SAFETY: per the caller's contract.
        return unsafe { f(hdl, file, argv) };
        #[cfg(target_os = "freebsd")]
        // SAFETY: per the caller's contract; nothing to run in the child,
        // as dtrace(1).
        return unsafe { f(hdl, file, argv, std::ptr::null(), std::ptr::null_mut()) };
    }

    // The libproc functions that say a process's pid and state (see
    // crate::functions for each system's).
    #[cfg(not(any(target_os = "freebsd", target_os = "macos")))]
    const NAMES: (&str, &str) = ("Pstatus", "Pstate");
    #[cfg(target_os = "macos")]
    const NAMES: (&str, &str) = ("dtrace_proc_status", "dtrace_proc_state");
    #[cfg(target_os = "freebsd")]
    const NAMES: (&str, &str) = ("", "proc_state");

    #[derive(Clone, Copy)]
    pub struct Query {
        #[cfg(not(target_os = "freebsd"))]
        status: StatusFn,
        state: StateFn,
    }

    impl Query {
        pub fn load(lib: &libloading::Library) -> Option<Query> {
            // SAFETY: the types are the headers' (crate::functions);
            // libproc is a dependency of libdtrace, so a lookup through
            // its handle finds libproc's functions too.
            unsafe {
                Some(Query {
                    #[cfg(not(target_os = "freebsd"))]
                    status: *lib.get::<StatusFn>(NAMES.0.as_bytes()).ok()?,
                    state: *lib.get::<StateFn>(NAMES.1.as_bytes()).ok()?,
                })
            }
        }

        /// # Safety
        /// `hdl` is open and `p` one of its process handles, not released.
        pub unsafe fn pid(&self, hdl: *mut DtraceHdl, p: *mut DtraceProc) -> i32 {
            let _ = hdl;
            #[cfg(target_os = "freebsd")]
            // SAFETY: per this function's contract, `p` is a live
            // proc_handle, whose first member holds the pid.
            return unsafe {
                std::ptr::read_unaligned(
                    (p as *const u8).add(crate::layout::illumos::FREEBSD_PROC_HANDLE_PID)
                        as *const libc::pid_t,
                )
            };
            #[cfg(not(target_os = "freebsd"))]
            {
                // SAFETY: per this function's contract; libproc's status
                // lives as long as the handle.
                #[cfg(target_os = "macos")]
                let status = unsafe { (self.status)(hdl, p) };
                // SAFETY: as above.
                #[cfg(not(target_os = "macos"))]
                let status = unsafe { (self.status)(p) };
                if status.is_null() {
                    return 0;
                }
                let at = crate::layout::illumos::PSTATUS_PR_PID;
                // SAFETY: a pstatus_t, whose pr_pid is a pid_t at `at`.
                unsafe { std::ptr::read_unaligned(status.add(at) as *const libc::pid_t) }
            }
        }

        /// # Safety
        /// As [`Query::pid`].
        pub unsafe fn news(&self, hdl: *mut DtraceHdl, p: *mut DtraceProc) -> ProcNews {
            let _ = hdl;
            // SAFETY: per this function's contract.
            #[cfg(target_os = "macos")]
            let state = unsafe { (self.state)(hdl, p) };
            // SAFETY: per this function's contract.
            #[cfg(not(target_os = "macos"))]
            let state = unsafe { (self.state)(p) };
            match state {
                PS_UNDEAD => ProcNews::Exited,
                PS_LOST => ProcNews::Lost,
                _ => ProcNews::Alive,
            }
        }
    }
}

pub use os::Query;

/// Everything process control needs, all present or none.
#[derive(Clone, Copy)]
pub struct ProcessFns {
    pub handle_proc: HandleProcFn,
    create: CreateFn,
    pub grab: GrabFn,
    pub release: ReleaseFn,
    pub cont: ContinueFn,
    pub query: Query,
}

impl ProcessFns {
    pub fn load(lib: &libloading::Library) -> Option<ProcessFns> {
        // SAFETY: each type is the function's C signature on this system
        // (crate::functions, proven in library.rs's tests and the facts_*
        // tests).
        unsafe {
            Some(ProcessFns {
                handle_proc: *lib.get::<HandleProcFn>(b"dtrace_handle_proc").ok()?,
                create: *lib.get::<CreateFn>(b"dtrace_proc_create").ok()?,
                grab: *lib.get::<GrabFn>(os::GRAB.as_bytes()).ok()?,
                release: *lib.get::<ReleaseFn>(b"dtrace_proc_release").ok()?,
                cont: *lib.get::<ContinueFn>(b"dtrace_proc_continue").ok()?,
                query: Query::load(lib)?,
            })
        }
    }

    /// Starts `file` with `argv`, stopped until dtrace_proc_continue.
    ///
    /// # Safety
    /// `hdl` is open; `file` and `argv` (null-terminated) are
    /// NUL-terminated strings that outlive the call.
    pub unsafe fn create(
        &self,
        hdl: *mut DtraceHdl,
        file: *const c_char,
        argv: *const *const c_char,
    ) -> *mut DtraceProc {
        // SAFETY: per this function's contract.
        unsafe { os::create(self.create, hdl, file, argv) }
    }
}
