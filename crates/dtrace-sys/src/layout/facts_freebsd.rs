//! The FreeBSD facts: the layouts, constants and libdtrace prototypes dscope
//! declares for FreeBSD (layout/illumos.rs, functions.rs), checked against
//! what FreeBSD's headers give on x86_64. The sizes, offsets and values were
//! printed by a C program compiled against the headers with cc; each
//! assertion names the header line the fact comes from, so a change there
//! can be traced to the declaration it breaks.
//!
//! Headers: FreeBSD's source tree (freebsd/freebsd-src main) as of July
//! 2022, read from the copy in Uquinix/seva commit
//! e7646b053ba523dd970b3c7e3df90c8ce80c7ea6 ("kernel: upstream bsd"). The
//! declarations used here read the same in freebsd-src's own L at commit
//! 0a42c034f3e054c453932b3fff62050a2ce22b3c (its lines may differ):
//! - S: sys/cddl/contrib/opensolaris/uts/common/sys/dtrace.h
//! - L: cddl/contrib/opensolaris/lib/libdtrace/common/dtrace.h
//! - C: sys/cddl/contrib/opensolaris/uts/common/sys/ctf_api.h
//! - X: contrib/libxo/libxo/xo.h, as FreeBSD 14.2-BETA1 has it (the tree
//!   in kaizenwa/freebsd-14.2 commit b66633d79); libdtrace.so.2 there
//!   needs libxo.so.0 (its DT_NEEDED)
//!
//! What the headers take from elsewhere on amd64 (LP64, little-endian):
//! outside the base system S declares the Solaris types itself (`uint_t`
//! unsigned int, `ulong_t` unsigned long, `processorid_t` int: S:62-64);
//! `caddr_t` is char * (sys/sys/types.h:76), `ctf_id_t` long (C:61), and
//! `proc_child_func` a `void (*)(void *)` (lib/libproc/libproc.h:45).
//!
//! aarch64 is LP64 and little-endian too: every type here has the same
//! size there, so the same facts hold (reasoned, not compiled).

use super::illumos::*;
use std::mem::{align_of, offset_of, size_of};

/// `dtrace_attribute_t`, S:1259.
#[test]
fn attribute_layout() {
    assert_eq!(size_of::<Attribute>(), 3);
    assert_eq!(align_of::<Attribute>(), 1);
    assert_eq!(offset_of!(Attribute, name), 0); // dtat_name, S:1260
    assert_eq!(offset_of!(Attribute, data), 1); // dtat_data, S:1261
    assert_eq!(offset_of!(Attribute, class), 2); // dtat_class, S:1262
}

/// `dtrace_probedesc_t`, S:919.
#[test]
fn probedesc_layout() {
    assert_eq!(size_of::<ProbeDescOf<FREEBSD_FUNCNAMELEN>>(), 388);
    assert_eq!(align_of::<ProbeDescOf<FREEBSD_FUNCNAMELEN>>(), 4);
    assert_eq!(offset_of!(ProbeDescOf<FREEBSD_FUNCNAMELEN>, id), 0); // dtpd_id, S:920
    assert_eq!(offset_of!(ProbeDescOf<FREEBSD_FUNCNAMELEN>, provider), 4); // dtpd_provider, S:921
    assert_eq!(offset_of!(ProbeDescOf<FREEBSD_FUNCNAMELEN>, module), 68); // dtpd_mod, S:922
    assert_eq!(offset_of!(ProbeDescOf<FREEBSD_FUNCNAMELEN>, func), 132); // dtpd_func, S:923
    assert_eq!(offset_of!(ProbeDescOf<FREEBSD_FUNCNAMELEN>, name), 324); // dtpd_name, S:924
}

/// `dtrace_recdesc_t`, S:972.
#[test]
fn recdesc_layout() {
    assert_eq!(size_of::<RecDesc>(), 32);
    assert_eq!(align_of::<RecDesc>(), 8);
    assert_eq!(offset_of!(RecDesc, action), 0); // dtrd_action, S:973
    assert_eq!(offset_of!(RecDesc, size), 4); // dtrd_size, S:974
    assert_eq!(offset_of!(RecDesc, offset), 8); // dtrd_offset, S:975
    assert_eq!(offset_of!(RecDesc, alignment), 12); // dtrd_alignment, S:976
    assert_eq!(offset_of!(RecDesc, format), 14); // dtrd_format, S:977
    assert_eq!(offset_of!(RecDesc, arg), 16); // dtrd_arg, S:978
    assert_eq!(offset_of!(RecDesc, uarg), 24); // dtrd_uarg, S:979
}

/// `dtrace_aggdesc_t`, S:991.
#[test]
fn aggdesc_layout() {
    assert_eq!(size_of::<AggDesc>(), 72);
    assert_eq!(align_of::<AggDesc>(), 8);
    assert_eq!(offset_of!(AggDesc, name), 0); // dtagd_name, S:992
    assert_eq!(offset_of!(AggDesc, varid), 8); // dtagd_varid, S:993
    assert_eq!(offset_of!(AggDesc, flags), 16); // dtagd_flags, S:994
    assert_eq!(offset_of!(AggDesc, id), 20); // dtagd_id, S:995
    assert_eq!(offset_of!(AggDesc, epid), 24); // dtagd_epid, S:996
    assert_eq!(offset_of!(AggDesc, size), 28); // dtagd_size, S:997
    assert_eq!(offset_of!(AggDesc, nrecs), 32); // dtagd_nrecs, S:998
    assert_eq!(offset_of!(AggDesc, pad), 36); // dtagd_pad, S:999
    assert_eq!(offset_of!(AggDesc, rec), 40); // dtagd_rec, S:1000
}

/// `dtrace_proginfo_t`, L:103.
#[test]
fn proginfo_layout() {
    assert_eq!(size_of::<ProgInfo>(), 24);
    assert_eq!(align_of::<ProgInfo>(), 4);
    assert_eq!(offset_of!(ProgInfo, descattr), 0); // dpi_descattr, L:104
    assert_eq!(offset_of!(ProgInfo, stmtattr), 3); // dpi_stmtattr, L:105
    assert_eq!(offset_of!(ProgInfo, aggregates), 8); // dpi_aggregates, L:106
    assert_eq!(offset_of!(ProgInfo, recgens), 12); // dpi_recgens, L:107
    assert_eq!(offset_of!(ProgInfo, matches), 16); // dpi_matches, L:108
    assert_eq!(offset_of!(ProgInfo, speculations), 20); // dpi_speculations, L:109
}

/// `dtrace_probedata_t`, L:193.
#[test]
fn probedata_layout() {
    assert_eq!(size_of::<ProbeData>(), 64);
    assert_eq!(align_of::<ProbeData>(), 8);
    assert_eq!(offset_of!(ProbeData, handle), 0); // dtpda_handle, L:194
    assert_eq!(offset_of!(ProbeData, edesc), 8); // dtpda_edesc, L:195
    assert_eq!(offset_of!(ProbeData, pdesc), 16); // dtpda_pdesc, L:196
    assert_eq!(offset_of!(ProbeData, cpu), 24); // dtpda_cpu, L:197
    assert_eq!(offset_of!(ProbeData, data), 32); // dtpda_data, L:198
    assert_eq!(offset_of!(ProbeData, flow), 40); // dtpda_flow, L:199
    assert_eq!(offset_of!(ProbeData, prefix), 48); // dtpda_prefix, L:200
    assert_eq!(offset_of!(ProbeData, indent), 56); // dtpda_indent, L:201
}

/// `dtrace_errdata_t`, L:281.
#[test]
fn errdata_layout() {
    assert_eq!(size_of::<ErrData>(), 56);
    assert_eq!(align_of::<ErrData>(), 8);
    assert_eq!(offset_of!(ErrData, handle), 0); // dteda_handle, L:282
    assert_eq!(offset_of!(ErrData, edesc), 8); // dteda_edesc, L:283
    assert_eq!(offset_of!(ErrData, pdesc), 16); // dteda_pdesc, L:284
    assert_eq!(offset_of!(ErrData, cpu), 24); // dteda_cpu, L:285
    assert_eq!(offset_of!(ErrData, action), 28); // dteda_action, L:286
    assert_eq!(offset_of!(ErrData, offset), 32); // dteda_offset, L:287
    assert_eq!(offset_of!(ErrData, fault), 36); // dteda_fault, L:288
    assert_eq!(offset_of!(ErrData, addr), 40); // dteda_addr, L:289
    assert_eq!(offset_of!(ErrData, msg), 48); // dteda_msg, L:290
}

/// `dtrace_dropdata_t`, L:309.
#[test]
fn dropdata_layout() {
    assert_eq!(size_of::<DropData>(), 40);
    assert_eq!(align_of::<DropData>(), 8);
    assert_eq!(offset_of!(DropData, handle), 0); // dtdda_handle, L:310
    assert_eq!(offset_of!(DropData, cpu), 8); // dtdda_cpu, L:311
    assert_eq!(offset_of!(DropData, kind), 12); // dtdda_kind, L:312
    assert_eq!(offset_of!(DropData, drops), 16); // dtdda_drops, L:313
    assert_eq!(offset_of!(DropData, total), 24); // dtdda_total, L:314
    assert_eq!(offset_of!(DropData, msg), 32); // dtdda_msg, L:315
}

/// `dtrace_bufdata_t`, L:329.
#[test]
fn bufdata_layout() {
    assert_eq!(size_of::<BufData>(), 48);
    assert_eq!(align_of::<BufData>(), 8);
    assert_eq!(offset_of!(BufData, handle), 0); // dtbda_handle, L:330
    assert_eq!(offset_of!(BufData, buffered), 8); // dtbda_buffered, L:331
    assert_eq!(offset_of!(BufData, probe), 16); // dtbda_probe, L:332
    assert_eq!(offset_of!(BufData, recdesc), 24); // dtbda_recdesc, L:333
    assert_eq!(offset_of!(BufData, aggdata), 32); // dtbda_aggdata, L:334
    assert_eq!(offset_of!(BufData, flags), 40); // dtbda_flags, L:335
}

/// `dtrace_aggdata_t`, L:376.
#[test]
fn aggdata_layout() {
    assert_eq!(size_of::<AggData>(), 96);
    assert_eq!(align_of::<AggData>(), 8);
    assert_eq!(offset_of!(AggData, handle), 0); // dtada_handle, L:377
    assert_eq!(offset_of!(AggData, desc), 8); // dtada_desc, L:378
    assert_eq!(offset_of!(AggData, edesc), 16); // dtada_edesc, L:379
    assert_eq!(offset_of!(AggData, pdesc), 24); // dtada_pdesc, L:380
    assert_eq!(offset_of!(AggData, data), 32); // dtada_data, L:381
    assert_eq!(offset_of!(AggData, normal), 40); // dtada_normal, L:382
    assert_eq!(offset_of!(AggData, size), 48); // dtada_size, L:383
    assert_eq!(offset_of!(AggData, delta), 56); // dtada_delta, L:384
    assert_eq!(offset_of!(AggData, percpu), 64); // dtada_percpu, L:385
    assert_eq!(offset_of!(AggData, percpu_delta), 72); // dtada_percpu_delta, L:386
    assert_eq!(offset_of!(AggData, total), 80); // dtada_total, L:387
    assert_eq!(offset_of!(AggData, minbin), 88); // dtada_minbin, L:388
    assert_eq!(offset_of!(AggData, maxbin), 90); // dtada_maxbin, L:389
    assert_eq!(offset_of!(AggData, flags), 92); // dtada_flags, L:390
}

/// `dtrace_typeinfo_t`, L:506.
#[test]
fn typeinfo_layout() {
    assert_eq!(size_of::<TypeInfo>(), 32);
    assert_eq!(align_of::<TypeInfo>(), 8);
    assert_eq!(offset_of!(TypeInfo, object), 0); // dtt_object, L:507
    assert_eq!(offset_of!(TypeInfo, ctfp), 8); // dtt_ctfp, L:508
    assert_eq!(offset_of!(TypeInfo, ty), 16); // dtt_type, L:509
    assert_eq!(offset_of!(TypeInfo, flags), 24); // dtt_flags, L:510
}

/// `dtrace_probeinfo_t`, L:538.
#[test]
fn probeinfo_layout() {
    assert_eq!(size_of::<ProbeInfo>(), 24);
    assert_eq!(align_of::<ProbeInfo>(), 8);
    assert_eq!(offset_of!(ProbeInfo, attr), 0); // dtp_attr, L:539
    assert_eq!(offset_of!(ProbeInfo, arga), 3); // dtp_arga, L:540
    assert_eq!(offset_of!(ProbeInfo, argv), 8); // dtp_argv, L:541
    assert_eq!(offset_of!(ProbeInfo, argc), 16); // dtp_argc, L:542
}

#[test]
fn constants_match_the_headers() {
    assert_eq!(DTRACE_VERSION as i128, 3); // DTRACE_VERSION, L:59
    assert_eq!(DTRACE_C_ZDEFS as i128, 4); // DTRACE_C_ZDEFS, L:114
    assert_eq!(DTRACE_C_PSPEC as i128, 128); // DTRACE_C_PSPEC, L:119
    assert_eq!(DTT_FL_USER as i128, 1); // DTT_FL_USER, L:513
    assert_eq!(DTRACE_PROBESPEC_NAME as i128, 3); // DTRACE_PROBESPEC_NAME, S:114
    assert_eq!(DTRACE_PROVNAMELEN as i128, 64); // DTRACE_PROVNAMELEN, S:93
    assert_eq!(DTRACE_MODNAMELEN as i128, 64); // DTRACE_MODNAMELEN, S:94
    assert_eq!(FREEBSD_FUNCNAMELEN as i128, 192); // DTRACE_FUNCNAMELEN, S:95
    assert_eq!(DTRACE_NAMELEN as i128, 64); // DTRACE_NAMELEN, S:96
    assert_eq!(DTRACE_HANDLE_ABORT as i128, -1); // DTRACE_HANDLE_ABORT, L:278
    assert_eq!(DTRACE_HANDLE_OK as i128, 0); // DTRACE_HANDLE_OK, L:279
    assert_eq!(DTRACE_CONSUME_THIS as i128, 0); // DTRACE_CONSUME_THIS, L:189
    assert_eq!(DTRACE_CONSUME_NEXT as i128, 1); // DTRACE_CONSUME_NEXT, L:190
    assert_eq!(DTRACE_CONSUME_ABORT as i128, 2); // DTRACE_CONSUME_ABORT, L:191
    assert_eq!(DTRACE_WORKSTATUS_ERROR as i128, -1); // DTRACE_WORKSTATUS_ERROR, L:267
    assert_eq!(DTRACE_WORKSTATUS_OKAY as i128, 0); // DTRACE_WORKSTATUS_OKAY, L:268
    assert_eq!(DTRACE_WORKSTATUS_DONE as i128, 1); // DTRACE_WORKSTATUS_DONE, L:269
    assert_eq!(DTRACE_AGGWALK_NEXT as i128, 0); // DTRACE_AGGWALK_NEXT, L:369
    assert_eq!(DTRACE_AGGWALK_ABORT as i128, 1); // DTRACE_AGGWALK_ABORT, L:370
    assert_eq!(DTRACEOPT_UNSET as i128, -2); // DTRACEOPT_UNSET, S:1064
    assert_eq!(DTRACEACT_EXIT as i128, 2); // DTRACEACT_EXIT, S:431
    assert_eq!(DTRACEACT_USTACK as i128, 257); // DTRACEACT_USTACK, S:440
    assert_eq!(DTRACEACT_JSTACK as i128, 258); // DTRACEACT_JSTACK, S:441
    assert_eq!(DTRACEACT_USYM as i128, 259); // DTRACEACT_USYM, S:442
    assert_eq!(DTRACEACT_UMOD as i128, 260); // DTRACEACT_UMOD, S:443
    assert_eq!(DTRACEACT_UADDR as i128, 261); // DTRACEACT_UADDR, S:444
    assert_eq!(DTRACEACT_STACK as i128, 1025); // DTRACEACT_STACK, S:455
    assert_eq!(DTRACEACT_SYM as i128, 1026); // DTRACEACT_SYM, S:456
    assert_eq!(DTRACEACT_MOD as i128, 1027); // DTRACEACT_MOD, S:457
    assert_eq!(DTRACEACT_AGGREGATION as i128, 1792); // DTRACEACT_AGGREGATION, S:494
    assert_eq!(DTRACEAGG_COUNT as i128, 1793); // DTRACEAGG_COUNT, S:495
    assert_eq!(DTRACEAGG_MIN as i128, 1794); // DTRACEAGG_MIN, S:496
    assert_eq!(DTRACEAGG_MAX as i128, 1795); // DTRACEAGG_MAX, S:497
    assert_eq!(DTRACEAGG_AVG as i128, 1796); // DTRACEAGG_AVG, S:498
    assert_eq!(DTRACEAGG_SUM as i128, 1797); // DTRACEAGG_SUM, S:499
    assert_eq!(DTRACEAGG_STDDEV as i128, 1798); // DTRACEAGG_STDDEV, S:500
    assert_eq!(DTRACEAGG_QUANTIZE as i128, 1799); // DTRACEAGG_QUANTIZE, S:501
    assert_eq!(DTRACEAGG_LQUANTIZE as i128, 1800); // DTRACEAGG_LQUANTIZE, S:502
    assert_eq!(DTRACEAGG_LLQUANTIZE as i128, 1801); // DTRACEAGG_LLQUANTIZE, S:503
    assert_eq!(DTRACE_QUANTIZE_NBUCKETS as i128, 127); // DTRACE_QUANTIZE_NBUCKETS, S:508
    assert_eq!(DTRACE_QUANTIZE_ZEROBUCKET as i128, 63); // DTRACE_QUANTIZE_ZEROBUCKET, S:511
    assert_eq!(DTRACE_LQUANTIZE_STEPSHIFT as i128, 48); // DTRACE_LQUANTIZE_STEPSHIFT, S:519
    assert_eq!(DTRACE_LQUANTIZE_STEPMASK as i128, 0xffff000000000000); // DTRACE_LQUANTIZE_STEPMASK, S:520
    assert_eq!(DTRACE_LQUANTIZE_LEVELSHIFT as i128, 32); // DTRACE_LQUANTIZE_LEVELSHIFT, S:521
    assert_eq!(DTRACE_LQUANTIZE_LEVELMASK as i128, 0xffff00000000); // DTRACE_LQUANTIZE_LEVELMASK, S:522
    assert_eq!(DTRACE_LQUANTIZE_BASESHIFT as i128, 0); // DTRACE_LQUANTIZE_BASESHIFT, S:523
    assert_eq!(DTRACE_LQUANTIZE_BASEMASK as i128, 0xffffffff); // DTRACE_LQUANTIZE_BASEMASK, S:524
    assert_eq!(DTRACE_LLQUANTIZE_FACTORSHIFT as i128, 48); // DTRACE_LLQUANTIZE_FACTORSHIFT, S:538
    assert_eq!(DTRACE_LLQUANTIZE_FACTORMASK as i128, 0xffff000000000000); // DTRACE_LLQUANTIZE_FACTORMASK, S:539
    assert_eq!(DTRACE_LLQUANTIZE_LOWSHIFT as i128, 32); // DTRACE_LLQUANTIZE_LOWSHIFT, S:540
    assert_eq!(DTRACE_LLQUANTIZE_LOWMASK as i128, 0xffff00000000); // DTRACE_LLQUANTIZE_LOWMASK, S:541
    assert_eq!(DTRACE_LLQUANTIZE_HIGHSHIFT as i128, 16); // DTRACE_LLQUANTIZE_HIGHSHIFT, S:542
    assert_eq!(DTRACE_LLQUANTIZE_HIGHMASK as i128, 0xffff0000); // DTRACE_LLQUANTIZE_HIGHMASK, S:543
    assert_eq!(DTRACE_LLQUANTIZE_NSTEPSHIFT as i128, 0); // DTRACE_LLQUANTIZE_NSTEPSHIFT, S:544
    assert_eq!(DTRACE_LLQUANTIZE_NSTEPMASK as i128, 0xffff); // DTRACE_LLQUANTIZE_NSTEPMASK, S:545
}

/// The size of a field's type, for the typedefs below.
fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// The typedefs the layouts above rest on, as the fields that use them.
#[test]
fn scalar_types_match_the_headers() {
    // dtrace_actkind_t is uint16_t (S:105).
    assert_eq!(field_size(|r: &RecDesc| &r.action), 2);
    // dtrace_aggvarid_t is int64_t (S:104).
    assert_eq!(field_size(|d: &AggDesc| &d.varid), 8);
    // processorid_t is int: ProbeData::cpu.
    assert_eq!(field_size(|d: &ProbeData| &d.cpu), 4);
    // ctf_id_t is long (C:61), signed.
    assert_eq!(size_of::<CtfId>(), 8);
    assert_eq!(CtfId::MIN, i64::MIN as CtfId);
    // dtrace_stability_t and dtrace_class_t are uint8_t (S:1221-1222).
    assert_eq!(field_size(|a: &Attribute| &a.class), 1);
}

/// libproc, which hands dtrace(1)'s prochandler the state and pid of a
/// process (same tree): lib/libproc/libproc.h, whose `proc_getpid(P)` is a
/// macro reading `((struct proc_handle_public *)P)->pid`, and
/// lib/libproc/_libproc.h, whose `struct proc_handle` starts with that
/// public part.
#[test]
fn libproc_facts() {
    assert_eq!(FREEBSD_PS_UNDEAD, 4); // PS_UNDEAD, libproc.h:51
    assert_eq!(FREEBSD_PS_LOST, 6); // PS_LOST, libproc.h:53
    // pid, the first member of proc_handle_public (libproc.h:127), the
    // first member of proc_handle (_libproc.h:68).
    assert_eq!(FREEBSD_PROC_HANDLE_PID, 0);
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

    // L:74: dtrace_hdl_t *dtrace_open(int, int, int *).
    pub fn open(f: OpenFn) -> unsafe extern "C" fn(c_int, c_int, *mut c_int) -> *mut DtraceHdl {
        f
    }

    // L:79: int dtrace_stop(dtrace_hdl_t *).
    pub fn stop(f: StopFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:81: void dtrace_close(dtrace_hdl_t *).
    pub fn close(f: CloseFn) -> unsafe extern "C" fn(*mut DtraceHdl) {
        f
    }

    // L:83: int dtrace_errno(dtrace_hdl_t *).
    pub fn errno(f: ErrnoFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:84: const char *dtrace_errmsg(dtrace_hdl_t *, int).
    pub fn errmsg(f: ErrmsgFn) -> unsafe extern "C" fn(*mut DtraceHdl, c_int) -> *const c_char {
        f
    }

    // L:88: int dtrace_setopt(dtrace_hdl_t *, const char *, const char *).
    pub fn setopt(
        f: SetoptFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *const c_char) -> c_int {
        f
    }

    // L:127: dtrace_prog_t *dtrace_program_strcompile(dtrace_hdl_t *, const char *, dtrace_probespec_t, uint_t, int, char *const []).
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

    // L:130: dtrace_prog_t *dtrace_program_fcompile(dtrace_hdl_t *, FILE *, uint_t, int, char *const []).
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

    // L:400: int dtrace_aggregate_snap(dtrace_hdl_t *).
    pub fn aggregate_snap(f: AggregateSnapFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:401: int dtrace_aggregate_print(dtrace_hdl_t *, FILE *, dtrace_aggregate_walk_f *).
    // (the walk function is declared as an untyped pointer: dscope passes null, the default walk.)
    pub fn aggregate_print(
        f: AggregatePrintFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *mut libc::FILE, *const c_void) -> c_int {
        f
    }

    // L:404: int dtrace_aggregate_walk(dtrace_hdl_t *, dtrace_aggregate_f *, void *), with dtrace_aggregate_f int (const dtrace_aggdata_t *, void *) at L:393.
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

    // L:581: int dtrace_addr2str(dtrace_hdl_t *, uint64_t, char *, int).
    pub fn addr2_str(
        f: Addr2StrFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, u64, *mut c_char, c_int) -> c_int {
        f
    }

    // L:582: int dtrace_uaddr2str(dtrace_hdl_t *, pid_t, uint64_t, char *, int).
    pub fn u_addr2_str(
        f: UAddr2StrFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, libc::pid_t, u64, *mut c_char, c_int) -> c_int {
        f
    }

    // L:449: struct ps_prochandle *dtrace_proc_grab(dtrace_hdl_t *, pid_t, int).
    // (functions.rs; the libproc handle is the opaque DtraceProc.)
    pub fn proc_grab(
        f: GrabFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, libc::pid_t, c_int) -> *mut DtraceProc {
        f
    }

    // L:450: void dtrace_proc_release(dtrace_hdl_t *, struct ps_prochandle *).
    // (functions.rs.)
    pub fn proc_release(f: ReleaseFn) -> unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) {
        f
    }

    // L:451: void dtrace_proc_continue(dtrace_hdl_t *, struct ps_prochandle *).
    // (functions.rs.)
    pub fn proc_continue(f: ContinueFn) -> unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProc) {
        f
    }
}

/// The prototypes whose parameters are the build target's layouts, checked
/// where those are FreeBSD's: on FreeBSD.
#[cfg(target_os = "freebsd")]
#[allow(dead_code)]
mod native_prototypes {
    use super::super::illumos::{
        BufData, DropData, ErrData, ProbeData, ProbeDesc, ProbeInfo, ProgInfo, RecDesc,
    };
    use crate::functions::*;
    use crate::opaque::*;
    use std::ffi::{c_char, c_int, c_void};

    // L:78: int dtrace_go(dtrace_hdl_t *).
    pub fn go(f: GoFn) -> unsafe extern "C" fn(*mut DtraceHdl) -> c_int {
        f
    }

    // L:89: int dtrace_getopt(dtrace_hdl_t *, const char *, dtrace_optval_t *),
    // dtrace_optval_t being int64_t.
    pub fn getopt(
        f: GetoptFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const c_char, *mut i64) -> c_int {
        f
    }

    // L:446: struct ps_prochandle *dtrace_proc_create(dtrace_hdl_t *, const char *, char *const *, proc_child_func *, void *),
    // proc_child_func being void (*)(void *) (lib/libproc/libproc.h:45).
    pub fn proc_create(
        f: crate::functions::CreateFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        *const c_char,
        *const *const c_char,
        *const c_void,
        *mut c_void,
    ) -> *mut DtraceProc {
        f
    }

    // L:80: void dtrace_sleep(dtrace_hdl_t *).
    // (declared for the illumos family only.)
    pub fn sleep(f: SleepFn) -> unsafe extern "C" fn(*mut DtraceHdl) {
        f
    }

    // L:321: typedef void dtrace_handle_proc_f(struct ps_prochandle *, const char *, void *).
    // (functions.rs.)
    pub fn proc_handler(
        f: ProcHandler,
    ) -> unsafe extern "C" fn(*mut DtraceProc, *const c_char, *mut c_void) {
        f
    }

    // L:322: int dtrace_handle_proc(dtrace_hdl_t *, dtrace_handle_proc_f *, void *).
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

    // L:133: int dtrace_program_exec(dtrace_hdl_t *, dtrace_prog_t *, dtrace_proginfo_t *).
    pub fn program_exec(
        f: ProgramExecFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *mut DtraceProg, *mut ProgInfo) -> c_int {
        f
    }

    // L:272: dtrace_workstatus_t dtrace_work(dtrace_hdl_t *, FILE *, dtrace_consume_probe_f *, dtrace_consume_rec_f *, void *), with the callbacks at L:204-205; dtrace_workstatus_t is an enum (int).
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

    // L:294: int dtrace_handle_err(dtrace_hdl_t *, dtrace_handle_err_f *, void *), dtrace_handle_err_f at L:293.
    pub fn handle_err(
        f: HandleErrFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const ErrData, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:319: int dtrace_handle_drop(dtrace_hdl_t *, dtrace_handle_drop_f *, void *), dtrace_handle_drop_f at L:318.
    pub fn handle_drop(
        f: HandleDropFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const DropData, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:339: int dtrace_handle_buffered(dtrace_hdl_t *, dtrace_handle_buffered_f *, void *), dtrace_handle_buffered_f at L:338.
    pub fn handle_buffered(
        f: HandleBufferedFn,
    ) -> unsafe extern "C" fn(
        *mut DtraceHdl,
        unsafe extern "C" fn(*const BufData, *mut c_void) -> c_int,
        *mut c_void,
    ) -> c_int {
        f
    }

    // L:547: int dtrace_probe_iter(dtrace_hdl_t *, const dtrace_probedesc_t *, dtrace_probe_f *, void *), dtrace_probe_f at L:545.
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

    // L:550: int dtrace_probe_info(dtrace_hdl_t *, const dtrace_probedesc_t *, dtrace_probeinfo_t *).
    pub fn probe_info(
        f: ProbeInfoFn,
    ) -> unsafe extern "C" fn(*mut DtraceHdl, *const ProbeDesc, *mut ProbeInfo) -> c_int {
        f
    }

    // X:191-192: int xo_set_file (FILE *fp).
    pub fn xo_set_file(f: XoSetFileFn) -> unsafe extern "C" fn(*mut libc::FILE) -> c_int {
        f
    }

    // C:183: char *ctf_type_name(ctf_file_t *, ctf_id_t, char *, size_t).
    // (the container is opaque; ctf_id_t is long (C:61).)
    pub fn ctf_type_name(
        f: CtfTypeNameFn,
    ) -> unsafe extern "C" fn(*mut c_void, std::ffi::c_long, *mut c_char, usize) -> *mut c_char
    {
        f
    }
}
