//! Linux DTrace 2.x's layouts, constants and prototypes, proven against
//! its headers.
//!
//! Every number below was read from Oracle's dtrace-utils at commit
//! 8a1264bf0e818c8624be250eb5174714b62ed93c (branch devel) by compiling
//! the headers with cc on x86_64 and printing `sizeof`, `offsetof` and
//! the values. Each fact names the header (its path in that repository)
//! and the line it comes from:
//! - `dtrace.h` is libdtrace/dtrace.h, installed as
//!   /usr/local/include/dtrace.h;
//! - `dtrace/X.h` is include/dtrace/X.h (not installed by `make install`,
//!   though the installed headers include them);
//! - `dtrace_types.h` is uts/common/sys/dtrace_types.h, installed as
//!   /usr/local/include/sys/dtrace_types.h;
//! - `dt_aggregate.h` is libdtrace/dt_aggregate.h, libdtrace's own header;
//! - `ctf-api.h` is binutils' libctf header (/usr/include/ctf-api.h,
//!   binutils 2.40), which dtrace-utils uses when built with libctf.
//!
//! Layouts and constants are checked at compile time, so they hold on
//! every target the tests are built for (both families are declared on
//! every host). The one test that reads the installed header skips when
//! it is absent; nothing else depends on it.

use super::linux::*;
use std::ffi::c_ulong;
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

// dtrace_attribute_t, dtrace/stability.h:31-35 (dtrace_stability_t and
// dtrace_class_t are uint8_t, dtrace/stability_defines.h:18-19).
layout!(Attribute, size 3, align 1, {
    name: 0 + 1,  // dtrace/stability.h:32 dtat_name
    data: 1 + 1,  // :33 dtat_data
    class: 2 + 1, // :34 dtat_class
});

// dtrace_proginfo_t, dtrace.h:92-99.
layout!(ProgInfo, size 24, align 4, {
    descattr: 0 + 3,      // dtrace.h:93 dpi_descattr
    stmtattr: 3 + 3,      // :94 dpi_stmtattr
    aggregates: 8 + 4,    // :95 dpi_aggregates (uint_t)
    recgens: 12 + 4,      // :96 dpi_recgens
    matches: 16 + 4,      // :97 dpi_matches
    speculations: 20 + 4, // :98 dpi_speculations
});

// dtrace_probedesc_t, dtrace/enabling.h:38-44: the names are pointers
// (dtrace_id_t is uint32_t, dtrace_types.h:77).
layout!(ProbeDesc, size 40, align 8, {
    id: 0 + 4,      // dtrace/enabling.h:39 id
    prv: 8 + 8,     // :40 prv
    module: 16 + 8, // :41 mod
    fun: 24 + 8,    // :42 fun
    prb: 32 + 8,    // :43 prb
});

// dtrace_typeinfo_t, dtrace.h:532-536; ctf_id_t is unsigned long
// (ctf-api.h:45).
layout!(TypeInfo, size 24, align 8, {
    object: 0 + 8, // dtrace.h:533 dtt_object
    ctfp: 8 + 8,   // :534 dtt_ctfp
    ty: 16 + 8,    // :535 dtt_type
});
const _: () = assert!(size_of::<CtfId>() == size_of::<c_ulong>());
const _: fn(CtfId) -> c_ulong = |id| id;

// dtrace_probeinfo_t, dtrace.h:557-562.
layout!(ProbeInfo, size 24, align 8, {
    attr: 0 + 3,  // dtrace.h:558 dtp_attr
    arga: 3 + 3,  // :559 dtp_arga
    argv: 8 + 8,  // :560 dtp_argv
    argc: 16 + 4, // :561 dtp_argc
});

// dtrace_probedata_t, dtrace.h:191-201 (dtrace_stid_t is uint32_t,
// dtrace/universal.h:39; dtrace_flowkind_t is an enum).
layout!(ProbeData, size 72, align 8, {
    handle: 0 + 8,  // dtrace.h:192 dtpda_handle
    stid: 8 + 4,    // :193 dtpda_stid
    ddesc: 16 + 8,  // :194 dtpda_ddesc
    pdesc: 24 + 8,  // :195 dtpda_pdesc
    cpu: 32 + 4,    // :196 dtpda_cpu (unsigned int)
    data: 40 + 8,   // :197 dtpda_data
    flow: 48 + 4,   // :198 dtpda_flow
    prefix: 56 + 8, // :199 dtpda_prefix
    indent: 64 + 4, // :200 dtpda_indent
});

// dtrace_recdesc_t, dtrace/metadesc.h:35-43 (dtrace_actkind_t is
// uint16_t, dtrace/universal.h:35): the format is a pointer.
layout!(RecDesc, size 40, align 8, {
    action: 0 + 2,     // dtrace/metadesc.h:36 dtrd_action
    size: 4 + 4,       // :37 dtrd_size
    offset: 8 + 4,     // :38 dtrd_offset
    alignment: 12 + 2, // :39 dtrd_alignment
    format: 16 + 8,    // :40 dtrd_format (void *)
    arg: 24 + 8,       // :41 dtrd_arg
    uarg: 32 + 8,      // :42 dtrd_uarg
});

// dtrace_errdata_t, dtrace.h:282-292.
layout!(ErrData, size 56, align 8, {
    handle: 0 + 8,  // dtrace.h:283 dteda_handle
    ddesc: 8 + 8,   // :284 dteda_ddesc
    pdesc: 16 + 8,  // :285 dteda_pdesc
    cpu: 24 + 4,    // :286 dteda_cpu (unsigned int)
    action: 28 + 4, // :287 dteda_action
    offset: 32 + 4, // :288 dteda_offset
    fault: 36 + 4,  // :289 dteda_fault
    addr: 40 + 8,   // :290 dteda_addr
    msg: 48 + 8,    // :291 dteda_msg
});

// dtrace_dropdata_t, dtrace.h:311-318 (dtrace_dropkind_t is an enum).
layout!(DropData, size 40, align 8, {
    handle: 0 + 8, // dtrace.h:312 dtdda_handle
    cpu: 8 + 4,    // :313 dtdda_cpu (unsigned int)
    kind: 12 + 4,  // :314 dtdda_kind
    drops: 16 + 8, // :315 dtdda_drops
    total: 24 + 8, // :316 dtdda_total
    msg: 32 + 8,   // :317 dtdda_msg
});

// dtrace_bufdata_t, dtrace.h:333-340.
layout!(BufData, size 48, align 8, {
    handle: 0 + 8,    // dtrace.h:334 dtbda_handle
    buffered: 8 + 8,  // :335 dtbda_buffered
    probe: 16 + 8,    // :336 dtbda_probe
    recdesc: 24 + 8,  // :337 dtbda_recdesc
    aggdata: 32 + 8,  // :338 dtbda_aggdata
    flags: 40 + 4,    // :339 dtbda_flags
});

// struct dtrace_aggdata, dtrace.h:372-378: the whole struct.
layout!(AggData, size 40, align 8, {
    hdl: 0 + 8,     // dtrace.h:373 dtada_hdl
    desc: 8 + 8,    // :374 dtada_desc
    key: 16 + 8,    // :375 dtada_key
    data: 24 + 8,   // :376 dtada_data
    percpu: 32 + 8, // :377 dtada_percpu
});

// dtrace_aggdesc_t, dtrace/metadesc.h:53-65 (DTRACE_PTR is a plain
// pointer under _LP64, dtrace/actions_defines.h:170; dtrace_aggid_t is
// uint32_t, dtrace/universal.h:37).
layout!(AggDesc, size 64, align 8, {
    name: 0 + 8,    // dtrace/metadesc.h:54 dtagd_name
    varid: 8 + 4,   // :55 dtagd_varid
    flags: 12 + 4,  // :56 dtagd_flags
    sig: 16 + 8,    // :57 dtagd_sig
    normal: 24 + 8, // :58 dtagd_normal
    ksize: 32 + 4,  // :59 dtagd_ksize
    dsize: 36 + 4,  // :60 dtagd_dsize
    nkrecs: 40 + 4, // :61 dtagd_nkrecs
    keyidx: 44 + 4, // :62 dtagd_keyidx
    krecs: 48 + 8,  // :63 dtagd_krecs
    drecs: 56 + 8,  // :64 dtagd_drecs
});

const _: () = {
    assert!(DTRACE_VERSION == 3); // dtrace.h:32
    assert!(DTRACE_C_ZDEFS == 0x0004); // dtrace.h:103
    assert!(DTRACE_C_PSPEC == 0x0080); // dtrace.h:108
    // dtrace.h:84-90: NONE = -1, PROVIDER = 0, MOD, FUNC, NAME (line 89).
    assert!(DTRACE_PROBESPEC_NAME == 3);

    assert!(DTRACE_CONSUME_THIS == 0); // dtrace.h:186
    assert!(DTRACE_CONSUME_NEXT == 1); // dtrace.h:187 (DONE is 2, :188)
    assert!(DTRACE_CONSUME_ABORT == 3); // dtrace.h:189
    // dtrace_workstatus_t, dtrace.h:267-271: ERROR = -1, OKAY, DONE.
    assert!(DTRACE_WORKSTATUS_ERROR == -1); // dtrace.h:268
    assert!(DTRACE_WORKSTATUS_OKAY == 0); // dtrace.h:269
    assert!(DTRACE_WORKSTATUS_DONE == 1); // dtrace.h:270
    assert!(DTRACE_HANDLE_ABORT == -1); // dtrace.h:279
    assert!(DTRACE_HANDLE_OK == 0); // dtrace.h:280
    assert!(DTRACE_AGGWALK_NEXT == 0); // dtrace.h:367
    assert!(DTRACE_AGGWALK_ABORT == 1); // dtrace.h:368
    assert!(DTRACE_AGD_PRINTED == 0x1); // dtrace.h:432

    // dtrace/options_defines.h:68: (dtrace_optval_t)-2, and
    // dtrace_optval_t is uint64_t here (dtrace/universal.h:44): the same
    // 64 bits as -2 signed.
    assert!(DTRACEOPT_UNSET as u64 == 0xffff_ffff_ffff_fffe);

    assert!(DTRACEACT_EXIT == 2); // dtrace/actions_defines.h:34
    assert!(DTRACEACT_USTACK == 0x0101); // :43 (DTRACEACT_PROC, :42, + 1)
    assert!(DTRACEACT_JSTACK == 0x0102); // :44
    assert!(DTRACEACT_USYM == 0x0103); // :45
    assert!(DTRACEACT_UMOD == 0x0104); // :46
    assert!(DTRACEACT_UADDR == 0x0105); // :47
    assert!(DTRACEACT_STACK == 0x0401); // :58 (DTRACEACT_KERNEL, :57, + 1)
    assert!(DTRACEACT_SYM == 0x0402); // :59
    assert!(DTRACEACT_MOD == 0x0403); // :60
    assert!(DTRACEACT_AGGREGATION == 0x0700); // :101

    // dt_aggregate.h:28 DT_AGG_BASE is DTRACEACT_AGGREGATION, and the
    // dt_aggfid_t enum (dt_aggregate.h:33-45) counts up from it.
    assert!(DT_AGG_AVG == 0x0700); // dt_aggregate.h:34
    assert!(DT_AGG_COUNT == 0x0701); // :35
    assert!(DT_AGG_LLQUANTIZE == 0x0702); // :36
    assert!(DT_AGG_LQUANTIZE == 0x0703); // :37
    assert!(DT_AGG_MAX == 0x0704); // :38
    assert!(DT_AGG_MIN == 0x0705); // :39
    assert!(DT_AGG_QUANTIZE == 0x0706); // :40
    assert!(DT_AGG_STDDEV == 0x0707); // :41
    assert!(DT_AGG_SUM == 0x0708); // :42

    // dtrace/actions_defines.h:103-106: ((64 - 1) * 2 + 1) and 64 - 1.
    assert!(DTRACE_QUANTIZE_NBUCKETS == 127);
    assert!(DTRACE_QUANTIZE_ZEROBUCKET == 63);

    assert!(DTRACE_LQUANTIZE_STEPSHIFT == 48); // dtrace/actions_defines.h:114
    assert!(DTRACE_LQUANTIZE_LEVELSHIFT == 32); // :116
    assert!(DTRACE_LQUANTIZE_BASESHIFT == 0); // :118
    assert!(DTRACE_LQUANTIZE_BASEMASK == u32::MAX as u64); // :119, UINT32_MAX
    assert!(DTRACE_LLQUANTIZE_STEPSSHIFT == 48); // :133
    assert!(DTRACE_LLQUANTIZE_HMAGSHIFT == 32); // :135
    assert!(DTRACE_LLQUANTIZE_LMAGSHIFT == 16); // :137
    assert!(DTRACE_LLQUANTIZE_FACTORSHIFT == 0); // :139
};

/// The prototypes dscope calls, each as the header declares it. A
/// fn-pointer type coerces only to an identical one, so each line fails to
/// compile when the alias in functions.rs differs from the declaration.
/// Where the header names a struct dscope keeps opaque (a FILE, a walk
/// function it never passes, a probe description it passes as bytes),
/// the Rust side says `c_void`/`libc::FILE` pointer: the same pointer ABI.
#[cfg(target_os = "linux")]
mod prototypes {
    use super::*;
    use crate::functions;
    use crate::opaque::{DtraceHdl, DtraceProc, DtraceProg};
    use std::ffi::{c_char, c_int, c_uint, c_void};

    type Hdl = *mut DtraceHdl;
    type Prog = *mut DtraceProg;
    // dtrace.h:43 dtrace_open(int version, int flags, int *errp)
    const _: fn(functions::OpenFn) -> unsafe extern "C" fn(c_int, c_int, *mut c_int) -> Hdl = |f| f;
    // dtrace.h:46 int dtrace_init(dtrace_hdl_t *)
    const _: fn(functions::InitFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:48 int dtrace_go(dtrace_hdl_t *, uint_t cflags)
    const _: fn(functions::GoFn) -> unsafe extern "C" fn(Hdl, c_uint) -> c_int = |f| f;
    // dtrace.h:49 int dtrace_stop(dtrace_hdl_t *)
    const _: fn(functions::StopFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:50 void dtrace_close(dtrace_hdl_t *)
    const _: fn(functions::CloseFn) -> unsafe extern "C" fn(Hdl) = |f| f;
    // dtrace.h:52 int dtrace_errno(dtrace_hdl_t *)
    const _: fn(functions::ErrnoFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:53 const char *dtrace_errmsg(dtrace_hdl_t *, int error)
    const _: fn(functions::ErrmsgFn) -> unsafe extern "C" fn(Hdl, c_int) -> *const c_char = |f| f;
    // dtrace.h:57 int dtrace_setopt(dtrace_hdl_t *, const char *, const char *)
    const _: fn(
        functions::SetoptFn,
    ) -> unsafe extern "C" fn(Hdl, *const c_char, *const c_char) -> c_int = |f| f;
    // dtrace.h:58 int dtrace_getopt(dtrace_hdl_t *, const char *,
    // dtrace_optval_t *): uint64_t here (dtrace/universal.h:44), i64 in
    // Rust as for the illumos family, the same 64 bits.
    const _: fn(
        functions::GetoptFn,
    ) -> unsafe extern "C" fn(Hdl, *const c_char, *mut i64) -> c_int = |f| f;
    // dtrace.h:118 dtrace_program_strcompile(dtrace_hdl_t *, const char *s,
    // dtrace_probespec_t spec, uint_t cflags, int argc, char *const argv[])
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
    // dtrace.h:121 dtrace_program_fcompile(dtrace_hdl_t *, FILE *fp,
    // uint_t cflags, int argc, char *const argv[])
    const _: fn(
        functions::FcompileFn,
    ) -> unsafe extern "C" fn(
        Hdl,
        *mut libc::FILE,
        c_uint,
        c_int,
        *const *const c_char,
    ) -> Prog = |f| f;
    // dtrace.h:124 int dtrace_program_exec(dtrace_hdl_t *, dtrace_prog_t *,
    // dtrace_proginfo_t *)
    const _: fn(
        functions::ProgramExecFn,
    ) -> unsafe extern "C" fn(Hdl, Prog, *mut ProgInfo) -> c_int = |f| f;
    // dtrace.h:203 int dtrace_consume_probe_f(const dtrace_probedata_t *, void *)
    const _: fn(
        functions::ConsumeProbe,
    ) -> unsafe extern "C" fn(*const ProbeData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:204 int dtrace_consume_rec_f(const dtrace_probedata_t *,
    // const dtrace_recdesc_t *, void *)
    const _: fn(
        functions::ConsumeRec,
    )
        -> unsafe extern "C" fn(*const ProbeData, *const RecDesc, *mut c_void) -> c_int = |f| f;
    // dtrace.h:273 dtrace_workstatus_t dtrace_work(dtrace_hdl_t *, FILE *,
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
    // dtrace.h:294 int dtrace_handle_err_f(const dtrace_errdata_t *, void *)
    const _: fn(
        functions::ErrHandler,
    ) -> unsafe extern "C" fn(*const ErrData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:295 int dtrace_handle_err(dtrace_hdl_t *, dtrace_handle_err_f *, void *)
    const _: fn(
        functions::HandleErrFn,
    ) -> unsafe extern "C" fn(Hdl, functions::ErrHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:320 int dtrace_handle_drop_f(const dtrace_dropdata_t *, void *)
    const _: fn(
        functions::DropHandler,
    ) -> unsafe extern "C" fn(*const DropData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:321 int dtrace_handle_drop(dtrace_hdl_t *, dtrace_handle_drop_f *, void *)
    const _: fn(
        functions::HandleDropFn,
    ) -> unsafe extern "C" fn(Hdl, functions::DropHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:324 void dtrace_handle_proc_f(pid_t pid, const char *err, void *arg)
    const _: fn(
        functions::ProcHandler,
    ) -> unsafe extern "C" fn(libc::pid_t, *const c_char, *mut c_void) = |f| f;
    // dtrace.h:325 int dtrace_handle_proc(dtrace_hdl_t *, dtrace_handle_proc_f *, void *)
    const _: fn(
        functions::HandleProcFn,
    ) -> unsafe extern "C" fn(Hdl, functions::ProcHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:342 int dtrace_handle_buffered_f(const dtrace_bufdata_t *, void *)
    const _: fn(
        functions::BufHandler,
    ) -> unsafe extern "C" fn(*const BufData, *mut c_void) -> c_int = |f| f;
    // dtrace.h:343 int dtrace_handle_buffered(dtrace_hdl_t *,
    // dtrace_handle_buffered_f *, void *)
    const _: fn(
        functions::HandleBufferedFn,
    ) -> unsafe extern "C" fn(Hdl, functions::BufHandler, *mut c_void) -> c_int = |f| f;
    // dtrace.h:394 int dtrace_aggregate_snap(dtrace_hdl_t *)
    const _: fn(functions::AggregateSnapFn) -> unsafe extern "C" fn(Hdl) -> c_int = |f| f;
    // dtrace.h:395 int dtrace_aggregate_print(dtrace_hdl_t *, FILE *,
    // dtrace_aggregate_walk_f *); dscope passes no walk function.
    const _: fn(
        functions::AggregatePrintFn,
    ) -> unsafe extern "C" fn(Hdl, *mut libc::FILE, *const c_void) -> c_int = |f| f;
    // dtrace.h:387 int dtrace_aggregate_f(const dtrace_aggdata_t *, void *)
    const _: fn(
        functions::AggWalkCallback,
    ) -> unsafe extern "C" fn(*const c_void, *mut c_void) -> c_int = |f| f;
    // dtrace.h:398 int dtrace_aggregate_walk(dtrace_hdl_t *, dtrace_aggregate_f *, void *)
    const _: fn(
        functions::AggregateWalkFn,
    )
        -> unsafe extern "C" fn(Hdl, functions::AggWalkCallback, *mut c_void) -> c_int = |f| f;
    // dtrace.h:464 struct dtrace_proc *dtrace_proc_grab_pid(dtrace_hdl_t *,
    // pid_t pid, int flags)
    const _: fn(
        functions::GrabFn,
    ) -> unsafe extern "C" fn(Hdl, libc::pid_t, c_int) -> *mut DtraceProc = |f| f;
    // dtrace.h:466 void dtrace_proc_release(dtrace_hdl_t *, struct dtrace_proc *)
    const _: fn(functions::ReleaseFn) -> unsafe extern "C" fn(Hdl, *mut DtraceProc) = |f| f;
    // dtrace.h:468 void dtrace_proc_continue(dtrace_hdl_t *, struct dtrace_proc *)
    const _: fn(functions::ContinueFn) -> unsafe extern "C" fn(Hdl, *mut DtraceProc) = |f| f;
    // dtrace.h:564 int dtrace_probe_f(dtrace_hdl_t *, const dtrace_probedesc_t *, void *)
    const _: fn(
        functions::ProbeCallback,
    ) -> unsafe extern "C" fn(Hdl, *const ProbeDesc, *mut c_void) -> c_int = |f| f;
    // dtrace.h:567 int dtrace_probe_iter(dtrace_hdl_t *,
    // const dtrace_probedesc_t *pdp, dtrace_probe_f *, void *)
    const _: fn(
        functions::ProbeIterFn,
    ) -> unsafe extern "C" fn(
        Hdl,
        *const c_void,
        functions::ProbeCallback,
        *mut c_void,
    ) -> c_int = |f| f;
    // dtrace.h:570 int dtrace_probe_info(dtrace_hdl_t *,
    // const dtrace_probedesc_t *, dtrace_probeinfo_t *)
    const _: fn(
        functions::ProbeInfoFn,
    ) -> unsafe extern "C" fn(Hdl, *const ProbeDesc, *mut ProbeInfo) -> c_int = |f| f;
    // dtrace.h:597 int dtrace_addr2str(dtrace_hdl_t *, uint64_t addr, char *str, int nbytes)
    const _: fn(
        functions::Addr2StrFn,
    ) -> unsafe extern "C" fn(Hdl, u64, *mut c_char, c_int) -> c_int = |f| f;
    // dtrace.h:599 int dtrace_uaddr2str(dtrace_hdl_t *, pid_t pid, uint64_t addr,
    // char *str, int nbytes)
    const _: fn(
        functions::UAddr2StrFn,
    ) -> unsafe extern "C" fn(Hdl, libc::pid_t, u64, *mut c_char, c_int) -> c_int = |f| f;
    // ctf-api.h:410 char *ctf_type_name(ctf_dict_t *, ctf_id_t, char *, size_t)
    const _: fn(
        functions::CtfTypeNameFn,
    )
        -> unsafe extern "C" fn(*mut c_void, CtfId, *mut c_char, usize) -> *mut c_char = |f| f;
}

/// The installed header still says what the facts above cite: each named
/// line holds the name and the value. Skips where Linux DTrace's headers
/// are not installed.
#[test]
fn installed_header_lines_hold_the_cited_facts() {
    let Ok(header) = std::fs::read_to_string("/usr/local/include/dtrace.h") else {
        return;
    };
    let lines: Vec<&str> = header.lines().collect();
    // (line, tokens that must all be on it)
    let facts: &[(usize, &[&str])] = &[
        (32, &["DTRACE_VERSION", "3"]),
        (43, &["*dtrace_open(int", "version,", "flags,", "*errp);"]),
        (46, &["dtrace_init(dtrace_hdl_t"]),
        (48, &["dtrace_go(dtrace_hdl_t", "uint_t", "cflags);"]),
        (89, &["DTRACE_PROBESPEC_NAME"]),
        (103, &["DTRACE_C_ZDEFS", "0x0004"]),
        (108, &["DTRACE_C_PSPEC", "0x0080"]),
        (186, &["DTRACE_CONSUME_THIS", "0"]),
        (187, &["DTRACE_CONSUME_NEXT", "1"]),
        (189, &["DTRACE_CONSUME_ABORT", "3"]),
        (192, &["*dtpda_handle;"]),
        (193, &["dtrace_stid_t", "dtpda_stid;"]),
        (196, &["unsigned", "int", "dtpda_cpu;"]),
        (200, &["int", "dtpda_indent;"]),
        (268, &["DTRACE_WORKSTATUS_ERROR", "-1,"]),
        (270, &["DTRACE_WORKSTATUS_DONE"]),
        (279, &["DTRACE_HANDLE_ABORT", "-1"]),
        (280, &["DTRACE_HANDLE_OK", "0"]),
        (284, &["*dteda_ddesc;"]),
        (290, &["uint64_t", "dteda_addr;"]),
        (314, &["dtrace_dropkind_t", "dtdda_kind;"]),
        (324, &["dtrace_handle_proc_f(pid_t", "pid,"]),
        (339, &["uint32_t", "dtbda_flags;"]),
        (367, &["DTRACE_AGGWALK_NEXT", "0"]),
        (368, &["DTRACE_AGGWALK_ABORT", "1"]),
        (373, &["*dtada_hdl;"]),
        (375, &["caddr_t", "dtada_key;"]),
        (377, &["caddr_t", "*dtada_percpu;"]),
        (461, &["*dtrace_proc_create(dtrace_hdl_t"]),
        (464, &["*dtrace_proc_grab_pid(dtrace_hdl_t"]),
        (470, &["pid_t", "dtrace_proc_getpid(dtrace_hdl_t"]),
        (535, &["ctf_id_t", "dtt_type;"]),
        (560, &["dtrace_typeinfo_t", "*dtp_argv;"]),
        (597, &["dtrace_addr2str(dtrace_hdl_t", "uint64_t", "addr,"]),
    ];
    for &(n, tokens) in facts {
        let line = lines.get(n - 1).copied().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        for t in tokens {
            assert!(words.contains(t), "dtrace.h:{n} lacks {t:?}: {line:?}");
        }
    }
}
