//! The aggregation walk's callback on entries built by hand as the
//! illumos family lays them out (the Linux layout is what the live tests
//! read).

use super::*;
use crate::layout::illumos::AggDesc as IllumosAggDesc;

/// The walk callback reads an illumos entry as its layout has it: keys
/// and value from the one data buffer.
#[test]
fn walk_callback_reads_an_illumos_entry() {
    // Records: variable id (4 bytes at 0), a string key (16 bytes at
    // 8), count() (8 bytes at 24).
    #[repr(C)]
    struct Desc3 {
        head: IllumosAggDesc,
        more: [IllumosRecDesc; 2],
    }
    let r = |action: u16, size: u32, offset: u32| IllumosRecDesc {
        action,
        size,
        offset,
        alignment: 8,
        format: 0,
        arg: 0,
        uarg: 0,
    };
    let desc = Desc3 {
        head: IllumosAggDesc {
            name: c"@calls".as_ptr(),
            varid: 3,
            flags: 0,
            id: 1,
            epid: 1,
            size: 32,
            nrecs: 3,
            pad: 0,
            rec: [r(1, 4, 0)],
        },
        more: [r(1, 16, 8), r(0x701, 8, 24)],
    };
    let mut data = [0u8; 32];
    data[8..12].copy_from_slice(b"bash");
    data[24..32].copy_from_slice(&5u64.to_ne_bytes());
    let aggdata = IllumosAggData {
        handle: std::ptr::null_mut(),
        desc: &desc.head,
        edesc: std::ptr::null(),
        pdesc: std::ptr::null(),
        data: data.as_ptr(),
        normal: 1,
        size: data.len(),
        delta: std::ptr::null(),
        percpu: std::ptr::null(),
        percpu_delta: std::ptr::null(),
        total: 0,
        minbin: 0,
        maxbin: 0,
        flags: 0,
    };
    let mut seen = Vec::new();
    let mut visit = |e: AggEntry<'_>| {
        seen.push((
            e.name.map(|n| n.to_string_lossy().into_owned()),
            e.varid,
            e.keys.clone(),
            e.value,
            e.key_bytes.len(),
            e.data.to_vec(),
            e.normal,
        ))
    };
    let mut walk = Walk {
        abi: Abi::Illumos,
        visit: &mut visit,
    };
    // SAFETY: hand-built entry valid for the call; `walk` is live.
    let rc = unsafe {
        visit_entry(
            &aggdata as *const IllumosAggData as *const c_void,
            &mut walk as *mut Walk<'_> as *mut c_void,
        )
    };
    assert_eq!(rc, DTRACE_AGGWALK_NEXT);
    let rec = |action, size, offset| RecordDesc {
        action,
        size,
        offset,
        arg: 0,
    };
    assert_eq!(
        seen,
        [(
            Some("@calls".to_owned()),
            3,
            vec![rec(1, 16, 8)],
            rec(0x701, 8, 24),
            0,
            data.to_vec(),
            1
        )]
    );
}

/// A panic in the visitor ends the walk; it does not unwind into C.
#[test]
fn a_panicking_visitor_aborts_the_walk() {
    let desc = IllumosAggDesc {
        name: std::ptr::null(),
        varid: 1,
        flags: 0,
        id: 1,
        epid: 1,
        size: 0,
        nrecs: 2,
        pad: 0,
        rec: [IllumosRecDesc {
            action: 1,
            size: 0,
            offset: 0,
            alignment: 8,
            format: 0,
            arg: 0,
            uarg: 0,
        }],
    };
    // Two records are declared; the second is read past `rec`, so give
    // it room.
    #[repr(C)]
    struct Desc2 {
        head: IllumosAggDesc,
        more: IllumosRecDesc,
    }
    let desc = Desc2 {
        more: desc.rec[0],
        head: desc,
    };
    let data = [0u8; 8];
    let aggdata = IllumosAggData {
        handle: std::ptr::null_mut(),
        desc: &desc.head,
        edesc: std::ptr::null(),
        pdesc: std::ptr::null(),
        data: data.as_ptr(),
        normal: 1,
        size: data.len(),
        delta: std::ptr::null(),
        percpu: std::ptr::null(),
        percpu_delta: std::ptr::null(),
        total: 0,
        minbin: 0,
        maxbin: 0,
        flags: 0,
    };
    let mut visit = |_: AggEntry<'_>| panic!("a visitor's bug");
    let mut walk = Walk {
        abi: Abi::Illumos,
        visit: &mut visit,
    };
    // SAFETY: as in the test above.
    let rc = unsafe {
        visit_entry(
            &aggdata as *const IllumosAggData as *const c_void,
            &mut walk as *mut Walk<'_> as *mut c_void,
        )
    };
    assert_eq!(rc, DTRACE_AGGWALK_ABORT);
}
