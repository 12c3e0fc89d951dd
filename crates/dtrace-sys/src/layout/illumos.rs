//! The illumos family: illumos and its distributions (SmartOS, OmniOS),
//! FreeBSD and macOS, whose libdtrace descends from the same Solaris code.
//! Layouts and constants from each system's `sys/dtrace.h` (kernel ABI)
//! and libdtrace's `dtrace.h`; where the systems differ, the difference is
//! declared per system (ILLUMOS_/FREEBSD_/MACOS_) and the build target's
//! is chosen at compile time. Proven in `facts_illumos`, `facts_freebsd`
//! and `facts_macos`.

#![cfg_attr(target_os = "linux", allow(dead_code))]

use super::{ProbeNames, array_text};
use crate::opaque::DtraceHdl;
use std::ffi::{c_char, c_int, c_uint, c_void};

pub const DTRACE_VERSION: c_int = 3;
pub const DTRACE_C_ZDEFS: c_uint = 0x0004;
pub const DTRACE_C_PSPEC: c_uint = 0x0080;
/// `dtrace_probespec_t`: NONE = -1, PROVIDER = 0, MOD, FUNC, NAME.
pub const DTRACE_PROBESPEC_NAME: c_int = 3;

pub const DTRACE_HANDLE_ABORT: c_int = -1;
pub const DTRACE_HANDLE_OK: c_int = 0;
pub const DTRACE_CONSUME_THIS: c_int = 0;
pub const DTRACE_CONSUME_NEXT: c_int = 1;
pub const DTRACE_CONSUME_ABORT: c_int = 2;
pub const DTRACE_WORKSTATUS_ERROR: c_int = -1;
pub const DTRACE_WORKSTATUS_OKAY: c_int = 0;
pub const DTRACE_WORKSTATUS_DONE: c_int = 1;
pub const DTRACE_AGGWALK_NEXT: c_int = 0;
pub const DTRACE_AGGWALK_ABORT: c_int = 1;
pub const DTRACEOPT_UNSET: i64 = -2;

pub const DTRACEACT_EXIT: u16 = 2;
pub const DTRACEACT_USTACK: u16 = 0x0101;
pub const DTRACEACT_JSTACK: u16 = 0x0102;
pub const DTRACEACT_USYM: u16 = 0x0103;
pub const DTRACEACT_UMOD: u16 = 0x0104;
pub const DTRACEACT_UADDR: u16 = 0x0105;
pub const DTRACEACT_STACK: u16 = 0x0401;
pub const DTRACEACT_SYM: u16 = 0x0402;
pub const DTRACEACT_MOD: u16 = 0x0403;
pub const DTRACEACT_AGGREGATION: u16 = 0x0700;
pub const DTRACEAGG_COUNT: u16 = DTRACEACT_AGGREGATION + 1;
pub const DTRACEAGG_MIN: u16 = DTRACEACT_AGGREGATION + 2;
pub const DTRACEAGG_MAX: u16 = DTRACEACT_AGGREGATION + 3;
pub const DTRACEAGG_AVG: u16 = DTRACEACT_AGGREGATION + 4;
pub const DTRACEAGG_SUM: u16 = DTRACEACT_AGGREGATION + 5;
pub const DTRACEAGG_STDDEV: u16 = DTRACEACT_AGGREGATION + 6;
pub const DTRACEAGG_QUANTIZE: u16 = DTRACEACT_AGGREGATION + 7;
pub const DTRACEAGG_LQUANTIZE: u16 = DTRACEACT_AGGREGATION + 8;
pub const DTRACEAGG_LLQUANTIZE: u16 = DTRACEACT_AGGREGATION + 9;

pub const DTRACE_QUANTIZE_NBUCKETS: usize = 127;
pub const DTRACE_QUANTIZE_ZEROBUCKET: usize = 63;

/// lquantize's parameters, packed into the first 64-bit word of its data:
/// step, number of levels, base (signed 32 bits).
pub const DTRACE_LQUANTIZE_STEPSHIFT: u32 = 48;
pub const DTRACE_LQUANTIZE_STEPMASK: u64 = 0xffff << 48;
pub const DTRACE_LQUANTIZE_LEVELSHIFT: u32 = 32;
pub const DTRACE_LQUANTIZE_LEVELMASK: u64 = 0xffff << 32;
pub const DTRACE_LQUANTIZE_BASESHIFT: u32 = 0;
pub const DTRACE_LQUANTIZE_BASEMASK: u64 = 0xffff_ffff;
/// llquantize's, in the same place but in another order: factor, low and
/// high magnitude, steps per magnitude.
pub const DTRACE_LLQUANTIZE_FACTORSHIFT: u32 = 48;
pub const DTRACE_LLQUANTIZE_FACTORMASK: u64 = 0xffff << 48;
pub const DTRACE_LLQUANTIZE_LOWSHIFT: u32 = 32;
pub const DTRACE_LLQUANTIZE_LOWMASK: u64 = 0xffff << 32;
pub const DTRACE_LLQUANTIZE_HIGHSHIFT: u32 = 16;
pub const DTRACE_LLQUANTIZE_HIGHMASK: u64 = 0xffff << 16;
pub const DTRACE_LLQUANTIZE_NSTEPSHIFT: u32 = 0;
pub const DTRACE_LLQUANTIZE_NSTEPMASK: u64 = 0xffff;

pub const DTRACE_PROVNAMELEN: usize = 64;
pub const DTRACE_MODNAMELEN: usize = 64;
pub const DTRACE_NAMELEN: usize = 64;
/// The function name's length is where the systems differ.
pub const ILLUMOS_FUNCNAMELEN: usize = 128;
pub const FREEBSD_FUNCNAMELEN: usize = 192;
pub const MACOS_FUNCNAMELEN: usize = 128;
#[cfg(target_os = "freebsd")]
pub const DTRACE_FUNCNAMELEN: usize = FREEBSD_FUNCNAMELEN;
#[cfg(target_os = "macos")]
pub const DTRACE_FUNCNAMELEN: usize = MACOS_FUNCNAMELEN;
#[cfg(not(any(target_os = "freebsd", target_os = "macos")))]
pub const DTRACE_FUNCNAMELEN: usize = ILLUMOS_FUNCNAMELEN;

/// `dtrace_attribute_t`: name, data and class stability.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct Attribute {
    pub name: u8,
    pub data: u8,
    pub class: u8,
}

/// `dtrace_proginfo_t`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct ProgInfo {
    pub descattr: Attribute,
    pub stmtattr: Attribute,
    pub aggregates: c_uint,
    pub recgens: c_uint,
    pub matches: c_uint,
    pub speculations: c_uint,
}

/// `dtrace_probedesc_t` with a function name of `FUNC` bytes: the names
/// are NUL-padded arrays inside the description.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ProbeDescOf<const FUNC: usize> {
    pub id: u32,
    pub provider: [c_char; DTRACE_PROVNAMELEN],
    pub module: [c_char; DTRACE_MODNAMELEN],
    pub func: [c_char; FUNC],
    pub name: [c_char; DTRACE_NAMELEN],
}

/// The build target's `dtrace_probedesc_t`.
pub type ProbeDesc = ProbeDescOf<DTRACE_FUNCNAMELEN>;

impl<const FUNC: usize> ProbeNames for ProbeDescOf<FUNC> {
    fn id(&self) -> u32 {
        self.id
    }
    unsafe fn provider(&self) -> String {
        array_text(&self.provider)
    }
    unsafe fn module(&self) -> String {
        array_text(&self.module)
    }
    unsafe fn function(&self) -> String {
        array_text(&self.func)
    }
    unsafe fn name(&self) -> String {
        array_text(&self.name)
    }
}

/// Copies `text` into a name array; None when it does not fit (with its
/// NUL) or holds a NUL.
fn fill(array: &mut [c_char], text: &str) -> Option<()> {
    if text.len() >= array.len() || text.as_bytes().contains(&0) {
        return None;
    }
    for (slot, &b) in array.iter_mut().zip(text.as_bytes()) {
        *slot = b as c_char;
    }
    Some(())
}

/// A probe description to pass in (to match or look up).
pub struct OwnedProbeDesc {
    desc: ProbeDesc,
}

impl OwnedProbeDesc {
    /// Fails on a name that does not fit its array or holds a NUL byte.
    pub fn new(provider: &str, module: &str, function: &str, name: &str) -> Option<Self> {
        let mut desc = ProbeDesc {
            id: 0,
            provider: [0; DTRACE_PROVNAMELEN],
            module: [0; DTRACE_MODNAMELEN],
            func: [0; DTRACE_FUNCNAMELEN],
            name: [0; DTRACE_NAMELEN],
        };
        fill(&mut desc.provider, provider)?;
        fill(&mut desc.module, module)?;
        fill(&mut desc.func, function)?;
        fill(&mut desc.name, name)?;
        Some(OwnedProbeDesc { desc })
    }

    pub fn get(&self) -> &ProbeDesc {
        &self.desc
    }
}

/// `ctf_id_t` (illumos and FreeBSD sys/ctf_api.h, macOS's libdtrace:
/// long).
pub type CtfId = std::ffi::c_long;

/// `dtrace_typeinfo_t`.
#[repr(C)]
pub struct TypeInfo {
    pub object: *const c_char,
    pub ctfp: *mut c_void,
    pub ty: CtfId,
    pub flags: c_uint,
}

/// `dtt_flags`: the type is a user process's (dtrace -lv prints
/// "userland " before it).
pub const DTT_FL_USER: c_uint = 0x1;

/// `dtrace_probeinfo_t`.
#[repr(C)]
pub struct ProbeInfo {
    pub attr: Attribute,
    pub arga: Attribute,
    pub argv: *const TypeInfo,
    pub argc: c_int,
}

/// `dtrace_probedata_t`.
#[repr(C)]
pub struct ProbeData {
    pub handle: *mut DtraceHdl,
    pub edesc: *mut c_void,
    pub pdesc: *const ProbeDesc,
    /// `processorid_t`.
    pub cpu: c_int,
    pub data: *const u8,
    pub flow: c_int,
    pub prefix: *const c_char,
    pub indent: c_int,
}

/// `dtrace_recdesc_t`: the format is an index here.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct RecDesc {
    pub action: u16,
    pub size: u32,
    pub offset: u32,
    pub alignment: u16,
    pub format: u16,
    pub arg: u64,
    pub uarg: u64,
}

/// `dtrace_errdata_t`.
#[repr(C)]
pub struct ErrData {
    pub handle: *mut DtraceHdl,
    pub edesc: *mut c_void,
    pub pdesc: *const ProbeDesc,
    pub cpu: c_int,
    pub action: c_int,
    pub offset: c_int,
    pub fault: c_int,
    pub addr: u64,
    pub msg: *const c_char,
}

/// `dtrace_dropdata_t`.
#[repr(C)]
pub struct DropData {
    pub handle: *mut DtraceHdl,
    pub cpu: c_int,
    pub kind: c_int,
    pub drops: u64,
    pub total: u64,
    pub msg: *const c_char,
}

/// `dtrace_bufdata_t`.
#[repr(C)]
pub struct BufData {
    pub handle: *mut DtraceHdl,
    pub buffered: *const c_char,
    pub probe: *mut ProbeData,
    pub recdesc: *const RecDesc,
    pub aggdata: *const c_void,
    pub flags: u32,
}

/// `dtrace_aggdata_t`: the key records and the value in one buffer.
#[repr(C)]
pub struct AggData {
    pub handle: *mut DtraceHdl,
    pub desc: *const AggDesc,
    pub edesc: *const c_void,
    pub pdesc: *const c_void,
    pub data: *const u8,
    pub normal: u64,
    pub size: usize,
    pub delta: *const u8,
    pub percpu: *const *const u8,
    pub percpu_delta: *const *const u8,
    pub total: i64,
    pub minbin: u16,
    pub maxbin: u16,
    pub flags: u32,
}

/// `dtrace_aggdesc_t`; `rec` is a variable-length array of `nrecs`.
#[repr(C)]
pub struct AggDesc {
    pub name: *const c_char,
    pub varid: i64,
    pub flags: c_int,
    pub id: u32,
    pub epid: u32,
    pub size: u32,
    pub nrecs: c_int,
    pub pad: u32,
    pub rec: [RecDesc; 1],
}

/// libproc's process states as `Pstate` (illumos), `dtrace_proc_state`
/// (macOS) and `proc_state` (FreeBSD) return them: the two that end a
/// traced process for dtrace(1)'s prochandler.
pub const ILLUMOS_PS_LOST: c_int = 3;
pub const ILLUMOS_PS_UNDEAD: c_int = 4;
pub const MACOS_PS_LOST: c_int = 3;
pub const MACOS_PS_UNDEAD: c_int = 4;
pub const FREEBSD_PS_UNDEAD: c_int = 4;
pub const FREEBSD_PS_LOST: c_int = 6;
#[cfg(target_os = "freebsd")]
pub use self::{FREEBSD_PS_LOST as PS_LOST, FREEBSD_PS_UNDEAD as PS_UNDEAD};
#[cfg(not(any(target_os = "freebsd", target_os = "macos")))]
pub use self::{ILLUMOS_PS_LOST as PS_LOST, ILLUMOS_PS_UNDEAD as PS_UNDEAD};
#[cfg(target_os = "macos")]
pub use self::{MACOS_PS_LOST as PS_LOST, MACOS_PS_UNDEAD as PS_UNDEAD};

/// Where `pstatus_t`'s `pr_pid` is: on illumos (sys/procfs.h) after two
/// ints, pr_flags and pr_nlwp; in macOS's libdtrace (lib/libproc/procfs.h)
/// after pr_flags alone.
pub const ILLUMOS_PSTATUS_PR_PID: usize = 8;
pub const MACOS_PSTATUS_PR_PID: usize = 4;
/// FreeBSD's libproc.h: `proc_getpid(P)` reads the pid from the first
/// member of the handle's public part, itself the handle's first member
/// (lib/libproc/_libproc.h).
pub const FREEBSD_PROC_HANDLE_PID: usize = 0;
#[cfg(target_os = "macos")]
pub const PSTATUS_PR_PID: usize = MACOS_PSTATUS_PR_PID;
#[cfg(not(target_os = "macos"))]
pub const PSTATUS_PR_PID: usize = ILLUMOS_PSTATUS_PR_PID;
