//! macOS's libdtrace layouts, constants and prototypes, proven against its
//! headers.
//!
//! Every number below was read by compiling Apple's headers with cc for
//! x86_64 and printing `sizeof`, `offsetof` and the values:
//! - `dtrace.h` is lib/libdtrace/common/dtrace.h of
//!   apple-oss-distributions/dtrace at commit
//!   91dd56f6096edebe312c9ea2696805a28de6593c (dtrace-409);
//! - `sys/dtrace.h` is bsd/sys/dtrace.h of apple-oss-distributions/xnu at
//!   commit e3723e1f17661b24996789d8afc084c0c3303b26 (xnu-11417.101.15);
//! - `libproc.h` and `procfs.h` are lib/libproc/libproc.h and
//!   lib/libproc/procfs.h of the same dtrace commit: the libproc that
//!   dtrace_proc_state and dtrace_proc_status report from.
//!
//! arm64 is the same: both are LP64 with natural alignment for every type
//! in these structs (pointers, `long`, `size_t` and 64-bit integers 8
//! bytes, `int` and enums 4), and no struct here depends on the
//! architecture (compiling the headers with `__arm64__` defined instead of
//! `__x86_64__` gives identical numbers). The checks are made at compile
//! time, so building the tests for aarch64-apple-darwin checks the Rust
//! side there too.
//!
//! The structs are the illumos family's (illumos.rs); where macOS's
//! differs from the others it is named with MACOS_.

use super::illumos::*;
use std::ffi::{c_long, c_uint};
use std::mem::{align_of, offset_of, size_of};

/// The size of a field, named by a function that borrows it.
const fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// A struct's size and alignment, and each field's offset and size, as the
/// C compiler laid them out.
macro_rules! layout {
    ($t:ty, size $size:literal, align $align:literal, { $($f:ident: $off:literal + $fsize:literal),* $(,)? }) => {
        const _: () = {
            assert!(size_of::<$t>() == $size);
            assert!(align_of::<$t>() == $align);
            $(
                assert!(offset_of!($t, $f) == $off);
                assert!(field_size::<$t, _>(|s| &s.$f) == $fsize);
            )*
        };
    };
}

/// macOS's `dtrace_probedesc_t`.
type MacosProbeDesc = ProbeDescOf<MACOS_FUNCNAMELEN>;

// dtrace_attribute_t, sys/dtrace.h:1385-1389 (dtrace_stability_t and
// dtrace_class_t are uint8_t, sys/dtrace.h:1347-1348).
layout!(Attribute, size 3, align 1, {
    name: 0 + 1,  // sys/dtrace.h:1386 dtat_name
    data: 1 + 1,  // :1387 dtat_data
    class: 2 + 1, // :1388 dtat_class
});

// dtrace_proginfo_t, dtrace.h:165-172 (uint_t is uint32_t,
// sys/dtrace.h:119).
layout!(ProgInfo, size 24, align 4, {
    descattr: 0 + 3,      // dtrace.h:166 dpi_descattr
    stmtattr: 3 + 3,      // :167 dpi_stmtattr
    aggregates: 8 + 4,    // :168 dpi_aggregates
    recgens: 12 + 4,      // :169 dpi_recgens
    matches: 16 + 4,      // :170 dpi_matches
    speculations: 20 + 4, // :171 dpi_speculations
});

// dtrace_probedesc_t, sys/dtrace.h:1033-1039: the names are arrays of
// DTRACE_PROVNAMELEN, DTRACE_MODNAMELEN, DTRACE_FUNCNAMELEN and
// DTRACE_NAMELEN bytes (sys/dtrace.h:170-173; dtrace_id_t is uint32_t,
// :178).
layout!(MacosProbeDesc, size 324, align 4, {
    id: 0 + 4,         // sys/dtrace.h:1034 dtpd_id
    provider: 4 + 64,  // :1035 dtpd_provider
    module: 68 + 64,   // :1036 dtpd_mod
    func: 132 + 128,   // :1037 dtpd_func
    name: 260 + 64,    // :1038 dtpd_name
});

// dtrace_typeinfo_t, dtrace.h:584-589; ctf_id_t is long outside the
// kernel (sys/dtrace.h:139).
layout!(TypeInfo, size 32, align 8, {
    object: 0 + 8, // dtrace.h:585 dtt_object
    ctfp: 8 + 8,   // :586 dtt_ctfp
    ty: 16 + 8,    // :587 dtt_type
    flags: 24 + 4, // :588 dtt_flags (uint_t)
});
const _: fn(CtfId) -> c_long = |id| id;
const _: fn(u32) -> c_uint = |n| n;

// dtrace_probeinfo_t, dtrace.h:612-617.
layout!(ProbeInfo, size 24, align 8, {
    attr: 0 + 3,  // dtrace.h:613 dtp_attr
    arga: 3 + 3,  // :614 dtp_arga
    argv: 8 + 8,  // :615 dtp_argv
    argc: 16 + 4, // :616 dtp_argc
});

// dtrace_probedata_t, dtrace.h:257-266 (processorid_t is int,
// sys/dtrace.h:124).
layout!(ProbeData, size 64, align 8, {
    handle: 0 + 8,  // dtrace.h:258 dtpda_handle
    edesc: 8 + 8,   // :259 dtpda_edesc
    pdesc: 16 + 8,  // :260 dtpda_pdesc
    cpu: 24 + 4,    // :261 dtpda_cpu
    data: 32 + 8,   // :262 dtpda_data
    flow: 40 + 4,   // :263 dtpda_flow
    prefix: 48 + 8, // :264 dtpda_prefix
    indent: 56 + 4, // :265 dtpda_indent
});

// dtrace_recdesc_t, sys/dtrace.h:1093-1101 (dtrace_actkind_t is
// uint16_t, :182): the format is a 16-bit index.
layout!(RecDesc, size 32, align 8, {
    action: 0 + 2,     // sys/dtrace.h:1094 dtrd_action
    size: 4 + 4,       // :1095 dtrd_size
    offset: 8 + 4,     // :1096 dtrd_offset
    alignment: 12 + 2, // :1097 dtrd_alignment
    format: 14 + 2,    // :1098 dtrd_format
    arg: 16 + 8,       // :1099 dtrd_arg
    uarg: 24 + 8,      // :1100 dtrd_uarg
});

// dtrace_errdata_t, dtrace.h:345-355.
layout!(ErrData, size 56, align 8, {
    handle: 0 + 8,  // dtrace.h:346 dteda_handle
    edesc: 8 + 8,   // :347 dteda_edesc
    pdesc: 16 + 8,  // :348 dteda_pdesc
    cpu: 24 + 4,    // :349 dteda_cpu (processorid_t)
    action: 28 + 4, // :350 dteda_action
    offset: 32 + 4, // :351 dteda_offset
    fault: 36 + 4,  // :352 dteda_fault
    addr: 40 + 8,   // :353 dteda_addr
    msg: 48 + 8,    // :354 dteda_msg
});

// dtrace_dropdata_t, dtrace.h:373-380.
layout!(DropData, size 40, align 8, {
    handle: 0 + 8, // dtrace.h:374 dtdda_handle
    cpu: 8 + 4,    // :375 dtdda_cpu (processorid_t)
    kind: 12 + 4,  // :376 dtdda_kind (enum)
    drops: 16 + 8, // :377 dtdda_drops
    total: 24 + 8, // :378 dtdda_total
    msg: 32 + 8,   // :379 dtdda_msg
});

// dtrace_bufdata_t, dtrace.h:393-400.
layout!(BufData, size 48, align 8, {
    handle: 0 + 8,   // dtrace.h:394 dtbda_handle
    buffered: 8 + 8, // :395 dtbda_buffered
    probe: 16 + 8,   // :396 dtbda_probe
    recdesc: 24 + 8, // :397 dtbda_recdesc
    aggdata: 32 + 8, // :398 dtbda_aggdata
    flags: 40 + 4,   // :399 dtbda_flags
});

// struct dtrace_aggdata, dtrace.h:440-455: the whole struct.
layout!(AggData, size 96, align 8, {
    handle: 0 + 8,        // dtrace.h:441 dtada_handle
    desc: 8 + 8,          // :442 dtada_desc
    edesc: 16 + 8,        // :443 dtada_edesc
    pdesc: 24 + 8,        // :444 dtada_pdesc
    data: 32 + 8,         // :445 dtada_data
    normal: 40 + 8,       // :446 dtada_normal
    size: 48 + 8,         // :447 dtada_size (size_t)
    delta: 56 + 8,        // :448 dtada_delta
    percpu: 64 + 8,       // :449 dtada_percpu
    percpu_delta: 72 + 8, // :450 dtada_percpu_delta
    total: 80 + 8,        // :451 dtada_total
    minbin: 88 + 2,       // :452 dtada_minbin
    maxbin: 90 + 2,       // :453 dtada_maxbin
    flags: 92 + 4,        // :454 dtada_flags
});

// dtrace_aggdesc_t, sys/dtrace.h:1112-1122 (DTRACE_PTR is a plain
// pointer for LP64 under __APPLE__, :697; dtrace_aggvarid_t is int64_t,
// :181; dtrace_aggid_t and dtrace_epid_t uint32_t, :179-180).
layout!(AggDesc, size 72, align 8, {
    name: 0 + 8,   // sys/dtrace.h:1113 dtagd_name
    varid: 8 + 8,  // :1114 dtagd_varid
    flags: 16 + 4, // :1115 dtagd_flags
    id: 20 + 4,    // :1116 dtagd_id
    epid: 24 + 4,  // :1117 dtagd_epid
    size: 28 + 4,  // :1118 dtagd_size
    nrecs: 32 + 4, // :1119 dtagd_nrecs
    pad: 36 + 4,   // :1120 dtagd_pad
    rec: 40 + 32,  // :1121 dtagd_rec[1]
});

const _: () = {
    assert!(DTRACE_VERSION == 3); // dtrace.h:118
    assert!(DTRACE_C_ZDEFS == 0x0004); // dtrace.h:176
    assert!(DTRACE_C_PSPEC == 0x0080); // dtrace.h:181
    // sys/dtrace.h:186-192: NONE = -1, PROVIDER = 0, MOD, FUNC, NAME
    // (line 191).
    assert!(DTRACE_PROBESPEC_NAME == 3);

    assert!(DTRACE_CONSUME_THIS == 0); // dtrace.h:253
    assert!(DTRACE_CONSUME_NEXT == 1); // dtrace.h:254
    assert!(DTRACE_CONSUME_ABORT == 2); // dtrace.h:255 (no DONE here)
    // dtrace_workstatus_t, dtrace.h:330-334: ERROR = -1, OKAY, DONE.
    assert!(DTRACE_WORKSTATUS_ERROR == -1); // dtrace.h:331
    assert!(DTRACE_WORKSTATUS_OKAY == 0); // dtrace.h:332
    assert!(DTRACE_WORKSTATUS_DONE == 1); // dtrace.h:333
    assert!(DTRACE_HANDLE_ABORT == -1); // dtrace.h:342
    assert!(DTRACE_HANDLE_OK == 0); // dtrace.h:343
    assert!(DTRACE_AGGWALK_NEXT == 0); // dtrace.h:433
    assert!(DTRACE_AGGWALK_ABORT == 1); // dtrace.h:434

    // sys/dtrace.h:1190 (dtrace_optval_t)-2, dtrace_optval_t being int64_t
    // (:183).
    assert!(DTRACEOPT_UNSET == -2);

    assert!(DTRACEACT_EXIT == 2); // sys/dtrace.h:524
    assert!(DTRACEACT_USTACK == 0x0101); // :536 (DTRACEACT_PROC, :535, + 1)
    assert!(DTRACEACT_JSTACK == 0x0102); // :537
    assert!(DTRACEACT_USYM == 0x0103); // :538
    assert!(DTRACEACT_UMOD == 0x0104); // :539
    assert!(DTRACEACT_UADDR == 0x0105); // :540
    assert!(DTRACEACT_STACK == 0x0401); // :560 (DTRACEACT_KERNEL, :559, + 1)
    assert!(DTRACEACT_SYM == 0x0402); // :561
    assert!(DTRACEACT_MOD == 0x0403); // :562
    assert!(DTRACEACT_AGGREGATION == 0x0700); // :599
    assert!(DTRACEAGG_COUNT == 0x0701); // :600
    assert!(DTRACEAGG_MIN == 0x0702); // :601
    assert!(DTRACEAGG_MAX == 0x0703); // :602
    assert!(DTRACEAGG_AVG == 0x0704); // :603
    assert!(DTRACEAGG_SUM == 0x0705); // :604
    assert!(DTRACEAGG_STDDEV == 0x0706); // :605
    assert!(DTRACEAGG_QUANTIZE == 0x0707); // :606
    assert!(DTRACEAGG_LQUANTIZE == 0x0708); // :607
    assert!(DTRACEAGG_LLQUANTIZE == 0x0709); // :608

    // sys/dtrace.h:619-622 (the __APPLE__ branch): ((64 - 1) * 2 + 1) and
    // 64 - 1.
    assert!(DTRACE_QUANTIZE_NBUCKETS == 127);
    assert!(DTRACE_QUANTIZE_ZEROBUCKET == 63);

    assert!(DTRACE_PROVNAMELEN == 64); // sys/dtrace.h:170
    assert!(DTRACE_MODNAMELEN == 64); // :171
    assert!(MACOS_FUNCNAMELEN == 128); // :172
    assert!(DTRACE_NAMELEN == 64); // :173

    // What dtrace_proc_state (dtrace.h:517) returns: libproc.h:54-60.
    assert!(MACOS_PS_LOST == 3); // libproc.h:57
    assert!(MACOS_PS_UNDEAD == 4); // libproc.h:58
    // What dtrace_proc_status (dtrace.h:518) points at: pstatus_t,
    // procfs.h:45-49, an int pr_flags (:46) and then the pid_t pr_pid
    // (:47); 12 bytes in all with pr_dmodel (:48).
    assert!(MACOS_PSTATUS_PR_PID == 4);
};

/// The prototypes dscope calls, each as macOS's dtrace.h declares it. A
/// fn-pointer type coerces only to an identical one, so each line fails
/// to compile for macOS when the alias in functions.rs differs from the
/// declaration. Where the header names a struct dscope keeps opaque, the
/// Rust side says `c_void`/`libc::FILE` pointer: the same pointer ABI.
#[cfg(target_os = "macos")]
mod prototypes {
    use super::*;
    use crate::functions;
    use crate::opaque::{DtraceHdl, DtraceProc, DtraceProg};
    use std::ffi::{c_char, c_int, c_void};

    type Hdl = *mut DtraceHdl;
    type Prog = *mut DtraceProg;
    // dtrace.h:135 dtrace_hdl_t *dtrace_open(int, int, int *)
    const _: fn(functions::OpenFn) -> unsafe extern "C" fn(c_int, c_int, *mut c_int) -> Hdl = |f| f;
    // dtrace.h:139 int dtrace_go(dtrace_hdl_t *)
    const _: fn(functions::GoFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:140 int dtrace_stop(dtrace_hdl_t *)
    const _: fn(functions::StopFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:141 void dtrace_sleep(dtrace_hdl_t *)
    const _: fn(functions::SleepFn) -> unsafe extern "C" fn(Hdl) = |f| f;
    // dtrace.h:143 void dtrace_close(dtrace_hdl_t *)
    const _: fn(functions::CloseFn) -> unsafe extern "C" fn(Hdl) = |f| f;
    // dtrace.h:145 int dtrace_errno(dtrace_hdl_t *)
    const _: fn(functions::ErrnoFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:146 const char *dtrace_errmsg(dtrace_hdl_t *, int)
    const _: fn(functions::ErrmsgFn) -> unsafe extern "C" fn(Hdl, c_int) -> *const c_char = |f| f;
    // dtrace.h:150 int dtrace_setopt(dtrace_hdl_t *, const char *, const char *)
    const _: fn(
        functions::SetoptFn,
    ) -> unsafe extern "C" fn(Hdl, *const c_char, *const c_char) -> c_int = |f| f;
    // dtrace.h:151 int dtrace_getopt(dtrace_hdl_t *, const char *,
    // dtrace_optval_t *), int64_t (sys/dtrace.h:183).
    const _: fn(
        functions::GetoptFn,
    ) -> unsafe extern "C" fn(Hdl, *const c_char, *mut i64) -> c_int = |f| f;
    // dtrace.h:189 dtrace_prog_t *dtrace_program_strcompile(dtrace_hdl_t *,
    // const char *, dtrace_probespec_t, uint_t, int, char *const [])
    const _: fn(
        functions::StrcompileFn,
    ) -> unsafe extern "C" fn(
        Hdl,
        *const c_char,
        c_int,
        c_uint,
        c_int,
        *const *const c_char,
    ) -> Prog = |f| f;
    // dtrace.h:192 dtrace_prog_t *dtrace_program_fcompile(dtrace_hdl_t *,
    // FILE *, uint_t, int, char *const [])
    const _: fn(
        functions::FcompileFn,
    ) -> unsafe extern "C" fn(
        Hdl,
        *mut libc::FILE,
        c_uint,
        c_int,
        *const *const c_char,
    ) -> Prog = |f| f;
    // dtrace.h:195 int dtrace_program_exec(dtrace_hdl_t *, dtrace_prog_t *,
    // dtrace_proginfo_t *)
    const _: fn(
        functions::ProgramExecFn,
    ) -> unsafe extern "C" fn(Hdl, Prog, *mut ProgInfo) -> c_int = |f| f;
    // dtrace.h:268 int dtrace_consume_probe_f(const dtrace_probedata_t *, void *)
    const _: fn(
        functions::ConsumeProbe,
    ) -> unsafe extern "C" fn(*const ProbeData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:269 int dtrace_consume_rec_f(const dtrace_probedata_t *,
    // const dtrace_recdesc_t *, void *)
    const _: fn(
        functions::ConsumeRec,
    )
        -> unsafe extern "C" fn(*const ProbeData, *const RecDesc, *mut c_void) -> c_int = |f| f;
    // dtrace.h:336 dtrace_workstatus_t dtrace_work(dtrace_hdl_t *, FILE *,
    // dtrace_consume_probe_f *, dtrace_consume_rec_f *, void *)
    const _: fn(
        functions::WorkFn,
    ) -> unsafe extern "C" fn(
        Hdl,
        *mut libc::FILE,
        functions::ConsumeProbe,
        functions::ConsumeRec,
        *mut c_void,
    ) -> c_int = |f| f;
    // dtrace.h:357 int dtrace_handle_err_f(const dtrace_errdata_t *, void *)
    const _: fn(
        functions::ErrHandler,
    ) -> unsafe extern "C" fn(*const ErrData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:358 int dtrace_handle_err(dtrace_hdl_t *, dtrace_handle_err_f *, void *)
    const _: fn(
        functions::HandleErrFn,
    ) -> unsafe extern "C" fn(Hdl, functions::ErrHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:382 int dtrace_handle_drop_f(const dtrace_dropdata_t *, void *)
    const _: fn(
        functions::DropHandler,
    ) -> unsafe extern "C" fn(*const DropData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:383 int dtrace_handle_drop(dtrace_hdl_t *, dtrace_handle_drop_f *, void *)
    const _: fn(
        functions::HandleDropFn,
    ) -> unsafe extern "C" fn(Hdl, functions::DropHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:402 int dtrace_handle_buffered_f(const dtrace_bufdata_t *, void *)
    const _: fn(
        functions::BufHandler,
    ) -> unsafe extern "C" fn(*const BufData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:403 int dtrace_handle_buffered(dtrace_hdl_t *,
    // dtrace_handle_buffered_f *, void *)
    const _: fn(
        functions::HandleBufferedFn,
    ) -> unsafe extern "C" fn(Hdl, functions::BufHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:457 int dtrace_aggregate_f(const dtrace_aggdata_t *, void *)
    const _: fn(
        functions::AggWalkCallback,
    ) -> unsafe extern "C" fn(*const c_void, *mut c_void) -> c_int = |f| f;
    // dtrace.h:464 int dtrace_aggregate_snap(dtrace_hdl_t *)
    const _: fn(functions::AggregateSnapFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:465 int dtrace_aggregate_print(dtrace_hdl_t *, FILE *,
    // dtrace_aggregate_walk_f *); dscope passes no walk function.
    const _: fn(
        functions::AggregatePrintFn,
    ) -> unsafe extern "C" fn(Hdl, *mut libc::FILE, *const c_void) -> c_int = |f| f;
    // dtrace.h:468 int dtrace_aggregate_walk(dtrace_hdl_t *, dtrace_aggregate_f *, void *)
    const _: fn(
        functions::AggregateWalkFn,
    )
        -> unsafe extern "C" fn(Hdl, functions::AggWalkCallback, *mut c_void) -> c_int = |f| f;
    // dtrace.h:385 void dtrace_handle_proc_f(struct ps_prochandle *,
    // const char *, void *): the libproc handle, not a pid.
    const _: fn(
        functions::ProcHandler,
    ) -> unsafe extern "C" fn(*mut DtraceProc, *const c_char, *mut c_void) = |f| f;
    // dtrace.h:386 int dtrace_handle_proc(dtrace_hdl_t *, dtrace_handle_proc_f *, void *)
    const _: fn(
        functions::HandleProcFn,
    ) -> unsafe extern "C" fn(Hdl, functions::ProcHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:513 struct ps_prochandle *dtrace_proc_grab(dtrace_hdl_t *, pid_t, int)
    const _: fn(
        functions::GrabFn,
    ) -> unsafe extern "C" fn(Hdl, libc::pid_t, c_int) -> *mut DtraceProc = |f| f;
    // dtrace.h:515 void dtrace_proc_release(dtrace_hdl_t *, struct ps_prochandle *)
    const _: fn(functions::ReleaseFn) -> unsafe extern "C" fn(Hdl, *mut DtraceProc) = |f| f;
    // dtrace.h:516 void dtrace_proc_continue(dtrace_hdl_t *, struct ps_prochandle *)
    const _: fn(functions::ContinueFn) -> unsafe extern "C" fn(Hdl, *mut DtraceProc) = |f| f;
    // dtrace.h:619 int dtrace_probe_f(dtrace_hdl_t *, const dtrace_probedesc_t *, void *)
    const _: fn(
        functions::ProbeCallback,
    ) -> unsafe extern "C" fn(Hdl, *const MacosProbeDesc, *mut c_void) -> c_int = |f| f;
    // dtrace.h:621 int dtrace_probe_iter(dtrace_hdl_t *,
    // const dtrace_probedesc_t *, dtrace_probe_f *, void *)
    const _: fn(
        functions::ProbeIterFn,
    ) -> unsafe extern "C" fn(
        Hdl,
        *const c_void,
        functions::ProbeCallback,
        *mut c_void,
    ) -> c_int = |f| f;
    // dtrace.h:624 int dtrace_probe_info(dtrace_hdl_t *,
    // const dtrace_probedesc_t *, dtrace_probeinfo_t *)
    const _: fn(
        functions::ProbeInfoFn,
    ) -> unsafe extern "C" fn(Hdl, *const MacosProbeDesc, *mut ProbeInfo) -> c_int = |f| f;
    // dtrace.h:651 int dtrace_addr2str(dtrace_hdl_t *, uint64_t, char *, int)
    const _: fn(
        functions::Addr2StrFn,
    ) -> unsafe extern "C" fn(Hdl, u64, *mut c_char, c_int) -> c_int = |f| f;
    // dtrace.h:652 int dtrace_uaddr2str(dtrace_hdl_t *, pid_t, uint64_t, char *, int)
    const _: fn(
        functions::UAddr2StrFn,
    ) -> unsafe extern "C" fn(Hdl, libc::pid_t, u64, *mut c_char, c_int) -> c_int = |f| f;
    // dtrace.h:99 char *ctf_type_name(ctf_file_t *, ctf_id_t, char *, size_t)
    const _: fn(
        functions::CtfTypeNameFn,
    )
        -> unsafe extern "C" fn(*mut c_void, CtfId, *mut c_char, usize) -> *mut c_char = |f| f;
}
