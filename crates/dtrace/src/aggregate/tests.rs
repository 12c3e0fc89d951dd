//! Copying walked entries, naming addresses as dtrace(1) prints them, and
//! reading the sorting options as libdtrace does.

use super::*;
use dscope_dtrace_sys::Abi;

#[test]
fn a_kernel_address_outside_every_symbol_keeps_all_its_digits() {
    // What FreeBSD 14.2's dtrace_addr2str gave for a frame in the
    // kernel's trap entry code, which no symbol covers.
    let addr = 0xffff_ffff_80ff_d3db;
    assert_eq!(
        whole_module_address("kernel`0xffffffff80".into(), addr),
        "kernel`0xffffffff80ffd3db"
    );
    // Names that are whole stay as they are.
    for name in [
        "kernel`0xffffffff80ffd3db",
        "kernel`kern_select+0x93f",
        "dtrace.ko`dtrace_ioctl+0x16de",
        "0xffffffff80ffd3db",
        "kernel`0x1",
    ] {
        assert_eq!(whole_module_address(name.into(), addr), name);
    }
}

#[test]
fn sort_options_are_read_as_dt_aggregate_qsort_reads_them() {
    const UNSET: i64 = DTRACEOPT_UNSET;
    assert_eq!(sort_options(UNSET, UNSET, UNSET), SortOptions::default());
    // `-x aggsortkey` sets 1; any set value counts, 0 included.
    for set in [1, 0, 7] {
        assert_eq!(
            sort_options(set, UNSET, UNSET),
            SortOptions {
                by_key: true,
                ..SortOptions::default()
            }
        );
        assert_eq!(
            sort_options(UNSET, set, UNSET),
            SortOptions {
                reverse: true,
                ..SortOptions::default()
            }
        );
    }
    let pos = |p: i64| sort_options(UNSET, UNSET, p).key_pos;
    assert_eq!([pos(0), pos(1), pos(3)], [0, 1, 3]);
    // Past INT_MAX (and not a value libdtrace would hold): the first
    // part.
    assert_eq!(pos(i64::from(c_int::MAX)), c_int::MAX as usize);
    assert_eq!(pos(i64::from(c_int::MAX) + 1), 0);
    assert_eq!(pos(-5), 0);
}

/// An illumos entry, as the walk hands it over (keys and value in the
/// one data buffer), is copied the way decode expects it.
#[test]
fn an_illumos_entry_is_copied_for_decoding() {
    // Records: variable id (4 bytes at 0), a string key (16 bytes at
    // 8), count() (8 bytes at 24).
    let mut data = [0u8; 32];
    data[8..12].copy_from_slice(b"bash");
    data[24..32].copy_from_slice(&5u64.to_ne_bytes());
    let rec = |action, size, offset| RecordDesc {
        action,
        size,
        offset,
        arg: 0,
    };
    let mut walk = Walk::default();
    walk.copy(AggEntry {
        desc: 1,
        name: Some(c"@calls"),
        varid: 3,
        keys: vec![rec(1, 16, 8)],
        value: rec(0x701, 8, 24),
        key_bytes: &[],
        data: &data,
        normal: 1,
        sig: 0,
        printed: false,
    });
    let raw = walk.entries[0].raw();
    let d = decode::decode_entry(Abi::Illumos, &raw, &mut decode::RawAddresses).unwrap();
    let meta = decode::describe(&raw);
    let snap = decode::assemble(vec![d], |_| meta.clone());
    let agg = &snap.aggregations[0];
    assert_eq!((agg.id, agg.name.as_str()), (3, "calls"));
    assert_eq!(
        agg.rows[0].key,
        vec![dscope_model::KeyPart::Str("bash".into())]
    );
    assert_eq!(agg.rows[0].value, dscope_model::Value::Number(5));
}
