//! Oracle's Linux DTrace 2.x (dtrace-utils): the layouts and constants of
//! its installed `dtrace.h` and the `dtrace/*.h` headers it includes,
//! and the aggregating-function numbers of its `libdtrace/dt_aggregate.h`.
//! Proven in `facts_linux`.

#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

use super::{ProbeNames, c_text};
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
pub const DTRACE_CONSUME_ABORT: c_int = 3;
pub const DTRACE_WORKSTATUS_ERROR: c_int = -1;
pub const DTRACE_WORKSTATUS_OKAY: c_int = 0;
pub const DTRACE_WORKSTATUS_DONE: c_int = 1;
pub const DTRACE_AGGWALK_NEXT: c_int = 0;
pub const DTRACE_AGGWALK_ABORT: c_int = 1;
pub const DTRACEOPT_UNSET: i64 = -2;
/// `dtagd_flags`: printa() has printed the aggregation.
pub const DTRACE_AGD_PRINTED: c_int = 0x1;

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

// libdtrace numbers its aggregating functions from DTRACEACT_AGGREGATION,
// in alphabetical order.
pub const DT_AGG_AVG: u16 = DTRACEACT_AGGREGATION;
pub const DT_AGG_COUNT: u16 = DTRACEACT_AGGREGATION + 1;
pub const DT_AGG_LLQUANTIZE: u16 = DTRACEACT_AGGREGATION + 2;
pub const DT_AGG_LQUANTIZE: u16 = DTRACEACT_AGGREGATION + 3;
pub const DT_AGG_MAX: u16 = DTRACEACT_AGGREGATION + 4;
pub const DT_AGG_MIN: u16 = DTRACEACT_AGGREGATION + 5;
pub const DT_AGG_QUANTIZE: u16 = DTRACEACT_AGGREGATION + 6;
pub const DT_AGG_STDDEV: u16 = DTRACEACT_AGGREGATION + 7;
pub const DT_AGG_SUM: u16 = DTRACEACT_AGGREGATION + 8;

pub const DTRACE_QUANTIZE_NBUCKETS: usize = 127;
pub const DTRACE_QUANTIZE_ZEROBUCKET: usize = 63;

/// lquantize's parameters, packed into `sig` of its aggregation
/// description as the illumos family packs them: step, levels, base.
pub const DTRACE_LQUANTIZE_STEPSHIFT: u32 = 48;
pub const DTRACE_LQUANTIZE_LEVELSHIFT: u32 = 32;
pub const DTRACE_LQUANTIZE_BASESHIFT: u32 = 0;
pub const DTRACE_LQUANTIZE_BASEMASK: u64 = 0xffff_ffff;
/// llquantize's, in the opposite order to the illumos family's: steps,
/// high magnitude, low magnitude, factor; each 16 bits.
pub const DTRACE_LLQUANTIZE_STEPSSHIFT: u32 = 48;
pub const DTRACE_LLQUANTIZE_HMAGSHIFT: u32 = 32;
pub const DTRACE_LLQUANTIZE_LMAGSHIFT: u32 = 16;
pub const DTRACE_LLQUANTIZE_FACTORSHIFT: u32 = 0;

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

/// `dtrace_probedesc_t`: the names are pointers here.
#[repr(C)]
pub struct ProbeDesc {
    pub id: u32,
    pub prv: *const c_char,
    pub module: *const c_char,
    pub fun: *const c_char,
    pub prb: *const c_char,
}

impl ProbeNames for ProbeDesc {
    fn id(&self) -> u32 {
        self.id
    }
    unsafe fn provider(&self) -> String {
        // SAFETY: per the trait's contract: libdtrace's probe
        // descriptions (and OwnedProbeDesc's) hold null or NUL-terminated
        // names that live at least as long as the description.
        unsafe { c_text(self.prv) }
    }
    unsafe fn module(&self) -> String {
        // SAFETY: as for provider().
        unsafe { c_text(self.module) }
    }
    unsafe fn function(&self) -> String {
        // SAFETY: as for provider().
        unsafe { c_text(self.fun) }
    }
    unsafe fn name(&self) -> String {
        // SAFETY: as for provider().
        unsafe { c_text(self.prb) }
    }
}

/// A probe description to pass in (to match or look up), with the names
/// it points at.
pub struct OwnedProbeDesc {
    desc: ProbeDesc,
    _names: [std::ffi::CString; 4],
}

impl OwnedProbeDesc {
    /// Fails on a name with a NUL byte in it.
    pub fn new(provider: &str, module: &str, function: &str, name: &str) -> Option<Self> {
        let c = |s: &str| std::ffi::CString::new(s).ok();
        let names = [c(provider)?, c(module)?, c(function)?, c(name)?];
        // The CStrings' buffers stay put when the array moves.
        let desc = ProbeDesc {
            id: 0,
            prv: names[0].as_ptr(),
            module: names[1].as_ptr(),
            fun: names[2].as_ptr(),
            prb: names[3].as_ptr(),
        };
        Some(OwnedProbeDesc {
            desc,
            _names: names,
        })
    }

    pub fn get(&self) -> &ProbeDesc {
        &self.desc
    }
}

/// `dtrace_typeinfo_t`.
#[repr(C)]
pub struct TypeInfo {
    pub object: *const c_char,
    pub ctfp: *mut c_void,
    pub ty: CtfId,
}

/// libctf's `ctf_id_t` (binutils' ctf-api.h: unsigned long).
pub type CtfId = std::ffi::c_ulong;

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
    pub stid: u32,
    pub ddesc: *mut c_void,
    pub pdesc: *const ProbeDesc,
    pub cpu: c_uint,
    pub data: *const u8,
    pub flow: c_int,
    pub prefix: *const c_char,
    pub indent: c_int,
}

/// `dtrace_recdesc_t`: the format is a pointer here.
#[repr(C)]
pub struct RecDesc {
    pub action: u16,
    pub size: u32,
    pub offset: u32,
    pub alignment: u16,
    pub format: *mut c_void,
    pub arg: u64,
    pub uarg: u64,
}

/// `dtrace_errdata_t`.
#[repr(C)]
pub struct ErrData {
    pub handle: *mut DtraceHdl,
    pub ddesc: *mut c_void,
    pub pdesc: *const ProbeDesc,
    pub cpu: c_uint,
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
    pub cpu: c_uint,
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

/// `dtrace_aggdata_t`: keys and data in two buffers.
#[repr(C)]
pub struct AggData {
    pub hdl: *mut DtraceHdl,
    pub desc: *const AggDesc,
    pub key: *const u8,
    pub data: *const u8,
    pub percpu: *const *const u8,
}

/// `dtrace_aggdesc_t`: the lquantize/llquantize parameters are in `sig`.
#[repr(C)]
pub struct AggDesc {
    pub name: *const c_char,
    pub varid: u32,
    pub flags: c_int,
    pub sig: u64,
    pub normal: u64,
    pub ksize: u32,
    pub dsize: u32,
    pub nkrecs: c_uint,
    pub keyidx: c_uint,
    pub krecs: *const RecDesc,
    pub drecs: *const RecDesc,
}
