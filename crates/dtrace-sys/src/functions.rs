//! The C types of every libdtrace function dscope calls and of every
//! callback it hands to libdtrace, with the header each comes from. They
//! are one module of their own so that the loader (`library`), process
//! control (`process`) and the callbacks (`handlers`, `walk`, `probes`)
//! all use the same declarations without using each other; the `facts_*`
//! tests prove each one against its header.

use crate::layout::native::{
    BufData, CtfId, DropData, ErrData, ProbeData, ProbeDesc, ProbeInfo, ProgInfo, RecDesc,
};
use crate::opaque::{DtraceHdl, DtraceProc, DtraceProg};
use std::ffi::{c_char, c_int, c_uint, c_void};

pub type OpenFn = unsafe extern "C" fn(c_int, c_int, *mut c_int) -> *mut DtraceHdl;
pub type InitFn = unsafe extern "C" fn(*mut DtraceHdl) -> c_int;
pub type CloseFn = unsafe extern "C" fn(*mut DtraceHdl);
pub type ErrnoFn = unsafe extern "C" fn(*mut DtraceHdl) -> c_int;
pub type ErrmsgFn = unsafe extern "C" fn(*mut DtraceHdl, c_int) -> *const c_char;
pub type SetoptFn = unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *const c_char) -> c_int;
pub type FcompileFn = unsafe extern "C" fn(
    *mut DtraceHdl,
    *mut libc::FILE,
    c_uint,
    c_int,
    *const *const c_char,
) -> *mut DtraceProg;
// Linux DTrace 2.x's /usr/local/include/dtrace.h, line 118.
pub type StrcompileFn = unsafe extern "C" fn(
    *mut DtraceHdl,
    *const c_char,
    c_int,
    c_uint,
    c_int,
    *const *const c_char,
) -> *mut DtraceProg;
pub type ProgramExecFn =
    unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProg, *mut ProgInfo) -> c_int;
/// `dtrace_go`: Linux DTrace 2.x takes compile flags too (its dtrace.h
/// line 48); the illumos family's takes the handle alone.
#[cfg(target_os = "linux")]
pub type GoFn = unsafe extern "C" fn(*mut DtraceHdl, c_uint) -> c_int;
#[cfg(not(target_os = "linux"))]
pub type GoFn = unsafe extern "C" fn(*mut DtraceHdl) -> c_int;
/// `dtrace_sleep`: the illumos family's libdtrace waits in it for the
/// next buffer switch, aggregation snapshot or status check, or for news
/// of a traced process. Linux DTrace 2.x has none (its dtrace_work waits
/// on the buffers itself).
#[cfg(not(target_os = "linux"))]
pub type SleepFn = unsafe extern "C" fn(*mut DtraceHdl);
pub type StopFn = unsafe extern "C" fn(*mut DtraceHdl) -> c_int;
pub type WorkFn = unsafe extern "C" fn(
    *mut DtraceHdl,
    *mut libc::FILE,
    ConsumeProbe,
    ConsumeRec,
    *mut c_void,
) -> c_int;
pub type HandleErrFn = unsafe extern "C" fn(*mut DtraceHdl, ErrHandler, *mut c_void) -> c_int;
pub type HandleDropFn = unsafe extern "C" fn(*mut DtraceHdl, DropHandler, *mut c_void) -> c_int;
pub type HandleBufferedFn = unsafe extern "C" fn(*mut DtraceHdl, BufHandler, *mut c_void) -> c_int;
pub type AggregatePrintFn =
    unsafe extern "C" fn(*mut DtraceHdl, *mut libc::FILE, *const c_void) -> c_int;
/// `dtrace_getopt` writes a `dtrace_optval_t` (int64_t).
pub type GetoptFn = unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *mut i64) -> c_int;
pub type AggregateSnapFn = unsafe extern "C" fn(*mut DtraceHdl) -> c_int;
pub type AggregateWalkFn =
    unsafe extern "C" fn(*mut DtraceHdl, AggWalkCallback, *mut c_void) -> c_int;
pub type Addr2StrFn = unsafe extern "C" fn(*mut DtraceHdl, u64, *mut c_char, c_int) -> c_int;
pub type UAddr2StrFn =
    unsafe extern "C" fn(*mut DtraceHdl, libc::pid_t, u64, *mut c_char, c_int) -> c_int;
pub type ProbeCallback =
    unsafe extern "C" fn(*mut DtraceHdl, *const ProbeDesc, *mut c_void) -> c_int;
pub type ProbeIterFn =
    unsafe extern "C" fn(*mut DtraceHdl, *const c_void, ProbeCallback, *mut c_void) -> c_int;

pub type ProbeInfoFn =
    unsafe extern "C" fn(*mut DtraceHdl, *const ProbeDesc, *mut ProbeInfo) -> c_int;
/// `dtrace_stability_name` and `dtrace_class_name` (dtrace.h: they take a
/// `dtrace_stability_t` or `dtrace_class_t`, each a `uint8_t`): the words
/// `dtrace -lv` prints for a probe's attributes.
pub type AttrNameFn = unsafe extern "C" fn(u8) -> *const c_char;
/// `int xo_set_file(FILE *)`: where libxo's default handle (one per
/// thread) writes. FreeBSD's libdtrace writes the values that `print()`
/// shows with `xo_emit`, not into the stream a call is given.
pub type XoSetFileFn = unsafe extern "C" fn(*mut libc::FILE) -> c_int;

/// libctf's `ctf_type_name`, reached through libdtrace's dependencies.
pub type CtfTypeNameFn =
    unsafe extern "C" fn(*mut c_void, CtfId, *mut c_char, usize) -> *mut c_char;

// The callbacks libdtrace calls during a work call (and, for the
// buffered-output handler, during a printout).
pub type ErrHandler = unsafe extern "C" fn(*const ErrData, *mut c_void) -> c_int;
pub type DropHandler = unsafe extern "C" fn(*const DropData, *mut c_void) -> c_int;
pub type BufHandler = unsafe extern "C" fn(*const BufData, *mut c_void) -> c_int;
pub type ConsumeProbe = unsafe extern "C" fn(*const ProbeData, *mut c_void) -> c_int;
pub type ConsumeRec = unsafe extern "C" fn(*const ProbeData, *const RecDesc, *mut c_void) -> c_int;

/// The aggregation walk's callback; it takes the `dtrace_aggdata_t` as an
/// untyped pointer and reads it as the library's family lays it out.
pub type AggWalkCallback = unsafe extern "C" fn(*const c_void, *mut c_void) -> c_int;

// Process control as `dtrace -c` and `-p` use it. The signatures differ
// between the systems; each system's are chosen at compile time, with the
// header each comes from.

// Linux DTrace 2.x's dtrace.h (/usr/local/include/dtrace.h): line 324,
// the handler gets the pid, negated once the process is dead.
#[cfg(target_os = "linux")]
pub type ProcHandler = unsafe extern "C" fn(libc::pid_t, *const c_char, *mut c_void);
// Line 461: file, argv, flags.
#[cfg(target_os = "linux")]
pub type CreateFn = unsafe extern "C" fn(
    *mut DtraceHdl,
    *const c_char,
    *const *const c_char,
    c_int,
) -> *mut DtraceProc;
// Line 470.
#[cfg(target_os = "linux")]
pub type GetpidFn = unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) -> libc::pid_t;

// illumos libdtrace dtrace.h, FreeBSD's and macOS's the same: the
// handler gets the libproc handle (see facts_*).
#[cfg(not(target_os = "linux"))]
pub type ProcHandler = unsafe extern "C" fn(*mut DtraceProc, *const c_char, *mut c_void);
// illumos and macOS: file and argv. FreeBSD adds a function to run
// in the child before it execs, and its argument (both may be null).
#[cfg(not(any(target_os = "linux", target_os = "freebsd")))]
pub type CreateFn =
    unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *const *const c_char) -> *mut DtraceProc;
#[cfg(target_os = "freebsd")]
pub type CreateFn = unsafe extern "C" fn(
    *mut DtraceHdl,
    *const c_char,
    *const *const c_char,
    *const c_void,
    *mut c_void,
) -> *mut DtraceProc;

// illumos libproc.h: Pstatus(P) is a pstatus_t whose pr_pid is read,
// Pstate(P) the state. macOS's libdtrace wraps the same two as
// dtrace_proc_status and dtrace_proc_state, taking the handle too
// (its libproc's own are not exported). FreeBSD's libproc.h has
// proc_state; its proc_getpid is a macro reading the handle's first
// member, so there is no function to look up.
#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "macos")))]
pub type StatusFn = unsafe extern "C" fn(*mut DtraceProc) -> *const u8;
#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "macos")))]
pub type StateFn = unsafe extern "C" fn(*mut DtraceProc) -> c_int;
#[cfg(target_os = "macos")]
pub type StatusFn = unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) -> *const u8;
#[cfg(target_os = "macos")]
pub type StateFn = unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) -> c_int;
#[cfg(target_os = "freebsd")]
pub type StateFn = unsafe extern "C" fn(*mut DtraceProc) -> c_int;

pub type HandleProcFn = unsafe extern "C" fn(*mut DtraceHdl, ProcHandler, *mut c_void) -> c_int;
pub type GrabFn = unsafe extern "C" fn(*mut DtraceHdl, libc::pid_t, c_int) -> *mut DtraceProc;
pub type ReleaseFn = unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc);
pub type ContinueFn = unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc);
