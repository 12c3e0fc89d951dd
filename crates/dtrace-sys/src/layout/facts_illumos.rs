//! The illumos facts: the layouts, constants and libdtrace prototypes dscope
//! declares for illumos (layout/illumos.rs, functions.rs), checked against
//! what illumos's headers give on x86_64. The sizes, offsets and values were
//! printed by a C program compiled against the headers with cc; each
//! assertion names the header line the fact comes from, so a change there
//! can be traced to the declaration it breaks.
//!
//! Headers: illumos/illumos-gate at commit
//! bb936843191c6a154629c77053e56d3847a1d158 (December 2023). Another
//! illumos-gate version of L (commit 333026562aa4) differs from it only by
//! a `dtrace_setopts` prototype after line 85 and man page sections in
//! comments: the same facts, lines after 85 one further down.
//! - S: usr/src/uts/common/sys/dtrace.h (kernel interfaces)
//! - L: usr/src/lib/libdtrace/common/dtrace.h (library interfaces)
//! - C: usr/src/uts/common/sys/ctf_api.h
//!
//! What the headers take from elsewhere, as illumos declares it for amd64
//! (LP64, little-endian: sys/isa_defs.h): `uint_t` is unsigned int
//! (sys/types.h:104), `ulong_t` unsigned long (:105), `caddr_t` char *
//! (:107), `pid_t` int (:543), `processorid_t` int (sys/processor.h:60),
//! `hrtime_t` long long (sys/time.h:265), `ctf_id_t` long (C:61),
//! `NBBY` 8 (sys/param.h:229).
//!
//! aarch64 is LP64 and little-endian too: every type here has the same
//! size there, so the same facts hold (reasoned, not compiled).

use super::illumos::*;
use std::mem::{align_of, offset_of, size_of};

/// `dtrace_attribute_t`, S:1229.
#[test]
fn attribute_layout() {
    assert_eq!(size_of::<Attribute>(), 3);
    assert_eq!(align_of::<Attribute>(), 1);
    assert_eq!(offset_of!(Attribute, name), 0); // dtat_name, S:1230
    assert_eq!(offset_of!(Attribute, data), 1); // dtat_data, S:1231
    assert_eq!(offset_of!(Attribute, class), 2); // dtat_class, S:1232
}

/// `dtrace_probedesc_t`, S:889.
#[test]
fn probedesc_layout() {
    assert_eq!(size_of::<ProbeDescOf<ILLUMOS_FUNCNAMELEN>>(), 324);
    assert_eq!(align_of::<ProbeDescOf<ILLUMOS_FUNCNAMELEN>>(), 4);
    assert_eq!(offset_of!(ProbeDescOf<ILLUMOS_FUNCNAMELEN>, id), 0); // dtpd_id, S:890
    assert_eq!(offset_of!(ProbeDescOf<ILLUMOS_FUNCNAMELEN>, provider), 4); // dtpd_provider, S:891
    assert_eq!(offset_of!(ProbeDescOf<ILLUMOS_FUNCNAMELEN>, module), 68); // dtpd_mod, S:892
    assert_eq!(offset_of!(ProbeDescOf<ILLUMOS_FUNCNAMELEN>, func), 132); // dtpd_func, S:893
    assert_eq!(offset_of!(ProbeDescOf<ILLUMOS_FUNCNAMELEN>, name), 260); // dtpd_name, S:894
}

/// `dtrace_recdesc_t`, S:942.
#[test]
fn recdesc_layout() {
    assert_eq!(size_of::<RecDesc>(), 32);
    assert_eq!(align_of::<RecDesc>(), 8);
    assert_eq!(offset_of!(RecDesc, action), 0); // dtrd_action, S:943
    assert_eq!(offset_of!(RecDesc, size), 4); // dtrd_size, S:944
    assert_eq!(offset_of!(RecDesc, offset), 8); // dtrd_offset, S:945
    assert_eq!(offset_of!(RecDesc, alignment), 12); // dtrd_alignment, S:946
    assert_eq!(offset_of!(RecDesc, format), 14); // dtrd_format, S:947
    assert_eq!(offset_of!(RecDesc, arg), 16); // dtrd_arg, S:948
    assert_eq!(offset_of!(RecDesc, uarg), 24); // dtrd_uarg, S:949
}

/// `dtrace_aggdesc_t`, S:961.
#[test]
fn aggdesc_layout() {
    assert_eq!(size_of::<AggDesc>(), 72);
    assert_eq!(align_of::<AggDesc>(), 8);
    assert_eq!(offset_of!(AggDesc, name), 0); // dtagd_name, S:962
    assert_eq!(offset_of!(AggDesc, varid), 8); // dtagd_varid, S:963
    assert_eq!(offset_of!(AggDesc, flags), 16); // dtagd_flags, S:964
    assert_eq!(offset_of!(AggDesc, id), 20); // dtagd_id, S:965
    assert_eq!(offset_of!(AggDesc, epid), 24); // dtagd_epid, S:966
    assert_eq!(offset_of!(AggDesc, size), 28); // dtagd_size, S:967
    assert_eq!(offset_of!(AggDesc, nrecs), 32); // dtagd_nrecs, S:968
    assert_eq!(offset_of!(AggDesc, pad), 36); // dtagd_pad, S:969
    assert_eq!(offset_of!(AggDesc, rec), 40); // dtagd_rec, S:970
}

/// `dtrace_proginfo_t`, L:99.
#[test]
fn proginfo_layout() {
    assert_eq!(size_of::<ProgInfo>(), 24);
    assert_eq!(align_of::<ProgInfo>(), 4);
    assert_eq!(offset_of!(ProgInfo, descattr), 0); // dpi_descattr, L:100
    assert_eq!(offset_of!(ProgInfo, stmtattr), 3); // dpi_stmtattr, L:101
    assert_eq!(offset_of!(ProgInfo, aggregates), 8); // dpi_aggregates, L:102
    assert_eq!(offset_of!(ProgInfo, recgens), 12); // dpi_recgens, L:103
    assert_eq!(offset_of!(ProgInfo, matches), 16); // dpi_matches, L:104
    assert_eq!(offset_of!(ProgInfo, speculations), 20); // dpi_speculations, L:105
}

/// `dtrace_probedata_t`, L:189.
#[test]
fn probedata_layout() {
    assert_eq!(size_of::<ProbeData>(), 64);
    assert_eq!(align_of::<ProbeData>(), 8);
    assert_eq!(offset_of!(ProbeData, handle), 0); // dtpda_handle, L:190
    assert_eq!(offset_of!(ProbeData, edesc), 8); // dtpda_edesc, L:191
    assert_eq!(offset_of!(ProbeData, pdesc), 16); // dtpda_pdesc, L:192
    assert_eq!(offset_of!(ProbeData, cpu), 24); // dtpda_cpu, L:193
    assert_eq!(offset_of!(ProbeData, data), 32); // dtpda_data, L:194
    assert_eq!(offset_of!(ProbeData, flow), 40); // dtpda_flow, L:195
    assert_eq!(offset_of!(ProbeData, prefix), 48); // dtpda_prefix, L:196
    assert_eq!(offset_of!(ProbeData, indent), 56); // dtpda_indent, L:197
}

/// `dtrace_errdata_t`, L:277.
#[test]
fn errdata_layout() {
    assert_eq!(size_of::<ErrData>(), 56);
    assert_eq!(align_of::<ErrData>(), 8);
    assert_eq!(offset_of!(ErrData, handle), 0); // dteda_handle, L:278
    assert_eq!(offset_of!(ErrData, edesc), 8); // dteda_edesc, L:279
    assert_eq!(offset_of!(ErrData, pdesc), 16); // dteda_pdesc, L:280
    assert_eq!(offset_of!(ErrData, cpu), 24); // dteda_cpu, L:281
    assert_eq!(offset_of!(ErrData, action), 28); // dteda_action, L:282
    assert_eq!(offset_of!(ErrData, offset), 32); // dteda_offset, L:283
    assert_eq!(offset_of!(ErrData, fault), 36); // dteda_fault, L:284
    assert_eq!(offset_of!(ErrData, addr), 40); // dteda_addr, L:285
    assert_eq!(offset_of!(ErrData, msg), 48); // dteda_msg, L:286
}

/// `dtrace_dropdata_t`, L:305.
#[test]
fn dropdata_layout() {
    assert_eq!(size_of::<DropData>(), 40);
    assert_eq!(align_of::<DropData>(), 8);
    assert_eq!(offset_of!(DropData, handle), 0); // dtdda_handle, L:306
    assert_eq!(offset_of!(DropData, cpu), 8); // dtdda_cpu, L:307
    assert_eq!(offset_of!(DropData, kind), 12); // dtdda_kind, L:308
    assert_eq!(offset_of!(DropData, drops), 16); // dtdda_drops, L:309
    assert_eq!(offset_of!(DropData, total), 24); // dtdda_total, L:310
    assert_eq!(offset_of!(DropData, msg), 32); // dtdda_msg, L:311
}

/// `dtrace_bufdata_t`, L:325.
#[test]
fn bufdata_layout() {
    assert_eq!(size_of::<BufData>(), 48);
    assert_eq!(align_of::<BufData>(), 8);
    assert_eq!(offset_of!(BufData, handle), 0); // dtbda_handle, L:326
    assert_eq!(offset_of!(BufData, buffered), 8); // dtbda_buffered, L:327
    assert_eq!(offset_of!(BufData, probe), 16); // dtbda_probe, L:328
    assert_eq!(offset_of!(BufData, recdesc), 24); // dtbda_recdesc, L:329
    assert_eq!(offset_of!(BufData, aggdata), 32); // dtbda_aggdata, L:330
    assert_eq!(offset_of!(BufData, flags), 40); // dtbda_flags, L:331
}

/// `dtrace_aggdata_t`, L:372.
#[test]
fn aggdata_layout() {
    assert_eq!(size_of::<AggData>(), 96);
    assert_eq!(align_of::<AggData>(), 8);
    assert_eq!(offset_of!(AggData, handle), 0); // dtada_handle, L:373
    assert_eq!(offset_of!(AggData, desc), 8); // dtada_desc, L:374
    assert_eq!(offset_of!(AggData, edesc), 16); // dtada_edesc, L:375
    assert_eq!(offset_of!(AggData, pdesc), 24); // dtada_pdesc, L:376
    assert_eq!(offset_of!(AggData, data), 32); // dtada_data, L:377
    assert_eq!(offset_of!(AggData, normal), 40); // dtada_normal, L:378
    assert_eq!(offset_of!(AggData, size), 48); // dtada_size, L:379
    assert_eq!(offset_of!(AggData, delta), 56); // dtada_delta, L:380
    assert_eq!(offset_of!(AggData, percpu), 64); // dtada_percpu, L:381
    assert_eq!(offset_of!(AggData, percpu_delta), 72); // dtada_percpu_delta, L:382
    assert_eq!(offset_of!(AggData, total), 80); // dtada_total, L:383
    assert_eq!(offset_of!(AggData, minbin), 88); // dtada_minbin, L:384
    assert_eq!(offset_of!(AggData, maxbin), 90); // dtada_maxbin, L:385
    assert_eq!(offset_of!(AggData, flags), 92); // dtada_flags, L:386
}

/// `dtrace_typeinfo_t`, L:502.
#[test]
fn typeinfo_layout() {
    assert_eq!(size_of::<TypeInfo>(), 32);
    assert_eq!(align_of::<TypeInfo>(), 8);
    assert_eq!(offset_of!(TypeInfo, object), 0); // dtt_object, L:503
    assert_eq!(offset_of!(TypeInfo, ctfp), 8); // dtt_ctfp, L:504
    assert_eq!(offset_of!(TypeInfo, ty), 16); // dtt_type, L:505
    assert_eq!(offset_of!(TypeInfo, flags), 24); // dtt_flags, L:506
}

/// `dtrace_probeinfo_t`, L:534.
#[test]
fn probeinfo_layout() {
    assert_eq!(size_of::<ProbeInfo>(), 24);
    assert_eq!(align_of::<ProbeInfo>(), 8);
    assert_eq!(offset_of!(ProbeInfo, attr), 0); // dtp_attr, L:535
    assert_eq!(offset_of!(ProbeInfo, arga), 3); // dtp_arga, L:536
    assert_eq!(offset_of!(ProbeInfo, argv), 8); // dtp_argv, L:537
    assert_eq!(offset_of!(ProbeInfo, argc), 16); // dtp_argc, L:538
}

#[test]
fn constants_match_the_headers() {
    assert_eq!(DTRACE_VERSION as i128, 3); // DTRACE_VERSION, L:55
    assert_eq!(DTRACE_C_ZDEFS as i128, 4); // DTRACE_C_ZDEFS, L:110
    assert_eq!(DTRACE_C_PSPEC as i128, 128); // DTRACE_C_PSPEC, L:115
    assert_eq!(DTT_FL_USER as i128, 1); // DTT_FL_USER, L:509
    assert_eq!(DTRACE_PROBESPEC_NAME as i128, 3); // DTRACE_PROBESPEC_NAME, S:94
    assert_eq!(DTRACE_PROVNAMELEN as i128, 64); // DTRACE_PROVNAMELEN, S:73
    assert_eq!(DTRACE_MODNAMELEN as i128, 64); // DTRACE_MODNAMELEN, S:74
    assert_eq!(ILLUMOS_FUNCNAMELEN as i128, 128); // DTRACE_FUNCNAMELEN, S:75
    assert_eq!(DTRACE_NAMELEN as i128, 64); // DTRACE_NAMELEN, S:76
    assert_eq!(DTRACE_HANDLE_ABORT as i128, -1); // DTRACE_HANDLE_ABORT, L:274
    assert_eq!(DTRACE_HANDLE_OK as i128, 0); // DTRACE_HANDLE_OK, L:275
    assert_eq!(DTRACE_CONSUME_THIS as i128, 0); // DTRACE_CONSUME_THIS, L:185
    assert_eq!(DTRACE_CONSUME_NEXT as i128, 1); // DTRACE_CONSUME_NEXT, L:186
    assert_eq!(DTRACE_CONSUME_ABORT as i128, 2); // DTRACE_CONSUME_ABORT, L:187
    assert_eq!(DTRACE_WORKSTATUS_ERROR as i128, -1); // DTRACE_WORKSTATUS_ERROR, L:263
    assert_eq!(DTRACE_WORKSTATUS_OKAY as i128, 0); // DTRACE_WORKSTATUS_OKAY, L:264
    assert_eq!(DTRACE_WORKSTATUS_DONE as i128, 1); // DTRACE_WORKSTATUS_DONE, L:265
    assert_eq!(DTRACE_AGGWALK_NEXT as i128, 0); // DTRACE_AGGWALK_NEXT, L:365
    assert_eq!(DTRACE_AGGWALK_ABORT as i128, 1); // DTRACE_AGGWALK_ABORT, L:366
    assert_eq!(DTRACEOPT_UNSET as i128, -2); // DTRACEOPT_UNSET, S:1034
    assert_eq!(DTRACEACT_EXIT as i128, 2); // DTRACEACT_EXIT, S:403
    assert_eq!(DTRACEACT_USTACK as i128, 257); // DTRACEACT_USTACK, S:411
    assert_eq!(DTRACEACT_JSTACK as i128, 258); // DTRACEACT_JSTACK, S:412
    assert_eq!(DTRACEACT_USYM as i128, 259); // DTRACEACT_USYM, S:413
    assert_eq!(DTRACEACT_UMOD as i128, 260); // DTRACEACT_UMOD, S:414
    assert_eq!(DTRACEACT_UADDR as i128, 261); // DTRACEACT_UADDR, S:415
    assert_eq!(DTRACEACT_STACK as i128, 1025); // DTRACEACT_STACK, S:426
    assert_eq!(DTRACEACT_SYM as i128, 1026); // DTRACEACT_SYM, S:427
    assert_eq!(DTRACEACT_MOD as i128, 1027); // DTRACEACT_MOD, S:428
    assert_eq!(DTRACEACT_AGGREGATION as i128, 1792); // DTRACEACT_AGGREGATION, S:465
    assert_eq!(DTRACEAGG_COUNT as i128, 1793); // DTRACEAGG_COUNT, S:466
    assert_eq!(DTRACEAGG_MIN as i128, 1794); // DTRACEAGG_MIN, S:467
    assert_eq!(DTRACEAGG_MAX as i128, 1795); // DTRACEAGG_MAX, S:468
    assert_eq!(DTRACEAGG_AVG as i128, 1796); // DTRACEAGG_AVG, S:469
    assert_eq!(DTRACEAGG_SUM as i128, 1797); // DTRACEAGG_SUM, S:470
    assert_eq!(DTRACEAGG_STDDEV as i128, 1798); // DTRACEAGG_STDDEV, S:471
    assert_eq!(DTRACEAGG_QUANTIZE as i128, 1799); // DTRACEAGG_QUANTIZE, S:472
    assert_eq!(DTRACEAGG_LQUANTIZE as i128, 1800); // DTRACEAGG_LQUANTIZE, S:473
    assert_eq!(DTRACEAGG_LLQUANTIZE as i128, 1801); // DTRACEAGG_LLQUANTIZE, S:474
    assert_eq!(DTRACE_QUANTIZE_NBUCKETS as i128, 127); // DTRACE_QUANTIZE_NBUCKETS, S:479
    assert_eq!(DTRACE_QUANTIZE_ZEROBUCKET as i128, 63); // DTRACE_QUANTIZE_ZEROBUCKET, S:482
    assert_eq!(DTRACE_LQUANTIZE_STEPSHIFT as i128, 48); // DTRACE_LQUANTIZE_STEPSHIFT, S:490
    assert_eq!(DTRACE_LQUANTIZE_STEPMASK as i128, 0xffff000000000000); // DTRACE_LQUANTIZE_STEPMASK, S:491
    assert_eq!(DTRACE_LQUANTIZE_LEVELSHIFT as i128, 32); // DTRACE_LQUANTIZE_LEVELSHIFT, S:492
    assert_eq!(DTRACE_LQUANTIZE_LEVELMASK as i128, 0xffff00000000); // DTRACE_LQUANTIZE_LEVELMASK, S:493
    assert_eq!(DTRACE_LQUANTIZE_BASESHIFT as i128, 0); // DTRACE_LQUANTIZE_BASESHIFT, S:494
    assert_eq!(DTRACE_LQUANTIZE_BASEMASK as i128, 0xffffffff); // DTRACE_LQUANTIZE_BASEMASK, S:495
    assert_eq!(DTRACE_LLQUANTIZE_FACTORSHIFT as i128, 48); // DTRACE_LLQUANTIZE_FACTORSHIFT, S:509
    assert_eq!(DTRACE_LLQUANTIZE_FACTORMASK as i128, 0xffff000000000000); // DTRACE_LLQUANTIZE_FACTORMASK, S:510
    assert_eq!(DTRACE_LLQUANTIZE_LOWSHIFT as i128, 32); // DTRACE_LLQUANTIZE_LOWSHIFT, S:511
    assert_eq!(DTRACE_LLQUANTIZE_LOWMASK as i128, 0xffff00000000); // DTRACE_LLQUANTIZE_LOWMASK, S:512
    assert_eq!(DTRACE_LLQUANTIZE_HIGHSHIFT as i128, 16); // DTRACE_LLQUANTIZE_HIGHSHIFT, S:513
    assert_eq!(DTRACE_LLQUANTIZE_HIGHMASK as i128, 0xffff0000); // DTRACE_LLQUANTIZE_HIGHMASK, S:514
    assert_eq!(DTRACE_LLQUANTIZE_NSTEPSHIFT as i128, 0); // DTRACE_LLQUANTIZE_NSTEPSHIFT, S:515
    assert_eq!(DTRACE_LLQUANTIZE_NSTEPMASK as i128, 0xffff); // DTRACE_LLQUANTIZE_NSTEPMASK, S:516
}

/// The size of a field's type, for the typedefs below.
fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// The typedefs the layouts above rest on, as the fields that use them.
#[test]
fn scalar_types_match_the_headers() {
    // dtrace_actkind_t is uint16_t (S:85).
    assert_eq!(field_size(|r: &RecDesc| &r.action), 2);
    // dtrace_aggvarid_t is int64_t (S:84).
    assert_eq!(field_size(|d: &AggDesc| &d.varid), 8);
    // processorid_t is int: ProbeData::cpu.
    assert_eq!(field_size(|d: &ProbeData| &d.cpu), 4);
    // ctf_id_t is long (C:61), signed.
    assert_eq!(size_of::<CtfId>(), 8);
    assert_eq!(CtfId::MIN, i64::MIN as CtfId);
    // dtrace_stability_t and dtrace_class_t are uint8_t (S:1191-1192).
    assert_eq!(field_size(|a: &Attribute| &a.class), 1);
}

/// libproc, which hands dtrace(1)'s prochandler the state and pid of a
/// process (same commit): usr/src/lib/libproc/common/libproc.h and
/// usr/src/uts/common/sys/procfs.h, whose `pstatus_t` starts with
/// `int pr_flags; int pr_nlwp; pid_t pr_pid;` (pid_t int, sys/types.h:543).
#[test]
fn libproc_facts() {
    assert_eq!(ILLUMOS_PS_LOST, 3); // PS_LOST, libproc.h:114
    assert_eq!(ILLUMOS_PS_UNDEAD, 4); // PS_UNDEAD, libproc.h:115
    assert_eq!(ILLUMOS_PSTATUS_PR_PID, 8); // pr_pid, procfs.h:162
}

/// Each function hands a library alias back as the type written out from
/// the header's declaration (named by its line): where the two differ, this
/// does not compile. Pointers the header types but dscope only passes
/// through (or passes as null) are untyped here; the note says which.
#[allow(dead_code)]
mod prototypes {
    use crate::functions::*;
    use crate::opaque::*;
    use std::ffi::{c_char, c_int, c_uint, c_void};

    // L:70: dtrace_hdl_t *dtrace_open(int, int, int *).
    pub fn open(f: OpenFn) -> unsafe extern "C" fn(c_int, c_int, *mut c_int) -> *mut DtraceHdl {
        f
    }

    // L:75: int dtrace_stop(dtrace_hdl_t *).
    pub fn stop(f: StopFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:77: void dtrace_close(dtrace_hdl_t *).
    pub fn close(f: CloseFn) -> unsafe extern "C" fn(*mut DtraceHdl) {
        f
    }

    // L:79: int dtrace_errno(dtrace_hdl_t *).
    pub fn errno(f: ErrnoFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:80: const char *dtrace_errmsg(dtrace_hdl_t *, int).
    pub fn errmsg(f: ErrmsgFn) -> unsafe extern "C" fn(*mut DtraceHdl, c_int) -> *const c_char {
        f
    }

    // L:84: int dtrace_setopt(dtrace_hdl_t *, const char *, const char *).
    pub fn setopt(
        f: SetoptFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *const c_char) -> c_int {
        f
    }

    // L:123: dtrace_prog_t *dtrace_program_strcompile(dtrace_hdl_t *, const char *, dtrace_probespec_t, uint_t, int, char *const []).
    // (dtrace_probespec_t is an enum (int); `char *const []` is passed as a pointer to the array.)
    pub fn strcompile(
        f: StrcompileFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        *const c_char,
        c_int,
        c_uint,
        c_int,
        *const *const c_char,
    ) -> *mut DtraceProg {
        f
    }

    // L:126: dtrace_prog_t *dtrace_program_fcompile(dtrace_hdl_t *, FILE *, uint_t, int, char *const []).
    pub fn fcompile(
        f: FcompileFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        *mut libc::FILE,
        c_uint,
        c_int,
        *const *const c_char,
    ) -> *mut DtraceProg {
        f
    }

    // L:396: int dtrace_aggregate_snap(dtrace_hdl_t *).
    pub fn aggregate_snap(f: AggregateSnapFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:397: int dtrace_aggregate_print(dtrace_hdl_t *, FILE *, dtrace_aggregate_walk_f *).
    // (the walk function is declared as an untyped pointer: dscope passes null, the default walk.)
    pub fn aggregate_print(
        f: AggregatePrintFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *mut libc::FILE, *const c_void) -> c_int {
        f
    }

    // L:400: int dtrace_aggregate_walk(dtrace_hdl_t *, dtrace_aggregate_f *, void *), with dtrace_aggregate_f int (const dtrace_aggdata_t *, void *) at L:389.
    // (the callback takes the aggregation data as an untyped pointer and casts it per family.)
    pub fn aggregate_walk(
        f: AggregateWalkFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const c_void, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:573: int dtrace_addr2str(dtrace_hdl_t *, uint64_t, char *, int).
    pub fn addr2_str(
        f: Addr2StrFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, u64, *mut c_char, c_int) -> c_int {
        f
    }

    // L:574: int dtrace_uaddr2str(dtrace_hdl_t *, pid_t, uint64_t, char *, int).
    pub fn u_addr2_str(
        f: UAddr2StrFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, libc::pid_t, u64, *mut c_char, c_int) -> c_int {
        f
    }

    // L:445: struct ps_prochandle *dtrace_proc_grab(dtrace_hdl_t *, pid_t, int).
    // (functions.rs; the libproc handle is the opaque DtraceProc.)
    pub fn proc_grab(
        f: GrabFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, libc::pid_t, c_int) -> *mut DtraceProc {
        f
    }

    // L:446: void dtrace_proc_release(dtrace_hdl_t *, struct ps_prochandle *).
    // (functions.rs.)
    pub fn proc_release(f: ReleaseFn) -> unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) {
        f
    }

    // L:447: void dtrace_proc_continue(dtrace_hdl_t *, struct ps_prochandle *).
    // (functions.rs.)
    pub fn proc_continue(f: ContinueFn) -> unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) {
        f
    }
}

/// The prototypes whose parameters are the build target's layouts, checked
/// where those are illumos's: on the illumos family (every target but Linux).
#[cfg(not(target_os = "linux"))]
#[allow(dead_code)]
mod native_prototypes {
    use super::super::illumos::{
        BufData, DropData, ErrData, ProbeData, ProbeDesc, ProbeInfo, ProgInfo, RecDesc,
    };
    use crate::functions::*;
    use crate::opaque::*;
    use std::ffi::{c_char, c_int, c_void};

    // L:74: int dtrace_go(dtrace_hdl_t *).
    pub fn go(f: GoFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:85: int dtrace_getopt(dtrace_hdl_t *, const char *, dtrace_optval_t *),
    // dtrace_optval_t being int64_t.
    pub fn getopt(
        f: GetoptFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *mut i64) -> c_int {
        f
    }

    // L:442: struct ps_prochandle *dtrace_proc_create(dtrace_hdl_t *, const char *, char *const *).
    #[cfg(not(target_os = "freebsd"))]
    pub fn proc_create(
        f: crate::functions::CreateFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *const *const c_char) -> *mut DtraceProc
    {
        f
    }

    // L:76: void dtrace_sleep(dtrace_hdl_t *).
    // (declared for the illumos family only.)
    pub fn sleep(f: SleepFn) -> unsafe extern "C" fn(*mut DtraceHdl) {
        f
    }

    // L:317: typedef void dtrace_handle_proc_f(struct ps_prochandle *, const char *, void *).
    // (functions.rs.)
    pub fn proc_handler(
        f: ProcHandler,
    ) -> unsafe extern "C" fn(*mut DtraceProc, *const c_char, *mut c_void) {
        f
    }

    // L:318: int dtrace_handle_proc(dtrace_hdl_t *, dtrace_handle_proc_f *, void *).
    // (functions.rs.)
    pub fn handle_proc(
        f: HandleProcFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*mut DtraceProc, *const c_char, *mut c_void),
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:129: int dtrace_program_exec(dtrace_hdl_t *, dtrace_prog_t *, dtrace_proginfo_t *).
    pub fn program_exec(
        f: ProgramExecFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProg, *mut ProgInfo) -> c_int {
        f
    }

    // L:268: dtrace_workstatus_t dtrace_work(dtrace_hdl_t *, FILE *, dtrace_consume_probe_f *, dtrace_consume_rec_f *, void *), with the callbacks at L:200-201; dtrace_workstatus_t is an enum (int).
    pub fn work(
        f: WorkFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        *mut libc::FILE,
        unsafe extern "C" fn(*const ProbeData, *mut c_void) -> c_int,
        unsafe extern "C" fn(*const ProbeData, *const RecDesc, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:290: int dtrace_handle_err(dtrace_hdl_t *, dtrace_handle_err_f *, void *), dtrace_handle_err_f at L:289.
    pub fn handle_err(
        f: HandleErrFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const ErrData, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:315: int dtrace_handle_drop(dtrace_hdl_t *, dtrace_handle_drop_f *, void *), dtrace_handle_drop_f at L:314.
    pub fn handle_drop(
        f: HandleDropFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const DropData, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:335: int dtrace_handle_buffered(dtrace_hdl_t *, dtrace_handle_buffered_f *, void *), dtrace_handle_buffered_f at L:334.
    pub fn handle_buffered(
        f: HandleBufferedFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const BufData, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:543: int dtrace_probe_iter(dtrace_hdl_t *, const dtrace_probedesc_t *, dtrace_probe_f *, void *), dtrace_probe_f at L:541.
    // (the description to match is an untyped pointer: dscope passes null, every probe.)
    pub fn probe_iter(
        f: ProbeIterFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        *const c_void,
        unsafe extern "C" fn(*mut DtraceHdl, *const ProbeDesc, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:546: int dtrace_probe_info(dtrace_hdl_t *, const dtrace_probedesc_t *, dtrace_probeinfo_t *).
    pub fn probe_info(
        f: ProbeInfoFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const ProbeDesc, *mut ProbeInfo) -> c_int {
        f
    }

    // C:251: char *ctf_type_name(ctf_file_t *, ctf_id_t, char *, size_t).
    // (the container is opaque; ctf_id_t is long (C:61).)
    pub fn ctf_type_name(
        f: CtfTypeNameFn,
    ) -> unsafe extern "C" fn(*mut c_void, std::ffi::c_long, *mut c_char, usize) -> *mut c_char
    {
        f
    }
}
