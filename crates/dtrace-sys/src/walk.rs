//! The aggregation walk: `dtrace_aggregate_walk` hands each entry to a
//! callback, which reads it through its family's layout (both are
//! declared on every host) into an [`AggEntry`], a safe view that lives
//! for the callback; the consumer copies what it needs out of it.

use crate::layout::illumos::{AggData as IllumosAggData, RecDesc as IllumosRecDesc};
use crate::layout::linux::{AggData as LinuxAggData, DTRACE_AGD_PRINTED, RecDesc as LinuxRecDesc};
// The walk's return values are the same in both families.
use crate::layout::native::{DTRACE_AGGWALK_ABORT, DTRACE_AGGWALK_NEXT};
use crate::library::Abi;
use std::ffi::{CStr, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A record description (`dtrace_recdesc_t`), copied out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordDesc {
    pub action: u16,
    pub size: u32,
    pub offset: u32,
    pub arg: u64,
}

impl From<&LinuxRecDesc> for RecordDesc {
    fn from(r: &LinuxRecDesc) -> RecordDesc {
        RecordDesc {
            action: r.action,
            size: r.size,
            offset: r.offset,
            arg: r.arg,
        }
    }
}

impl From<&IllumosRecDesc> for RecordDesc {
    fn from(r: &IllumosRecDesc) -> RecordDesc {
        RecordDesc {
            action: r.action,
            size: r.size,
            offset: r.offset,
            arg: r.arg,
        }
    }
}

/// One aggregation entry (one key of one aggregation) as the walk hands
/// it over, whichever the family.
#[derive(Debug, Clone)]
pub struct AggEntry<'a> {
    /// Where the aggregation's descriptor is: the same for each of its
    /// entries during one walk.
    pub desc: usize,
    /// The aggregation's name as libdtrace keeps it (with its `@`).
    pub name: Option<&'a CStr>,
    pub varid: u32,
    /// The key records, without the leading variable-id record.
    pub keys: Vec<RecordDesc>,
    /// The aggregating record.
    pub value: RecordDesc,
    /// Linux: the key buffer. The illumos family keeps keys and data in
    /// one buffer, and this is empty.
    pub key_bytes: &'a [u8],
    pub data: &'a [u8],
    /// Normalization factor (`normalize()`), 1 when not normalized.
    pub normal: u64,
    /// Linux only: the aggregation's parameter word (`dtagd_sig`).
    pub sig: u64,
    /// printa() has printed its aggregation (Linux; the final printout
    /// leaves it out).
    pub printed: bool,
}

/// What the walk's callback is handed through its argument.
pub(crate) struct Walk<'v> {
    pub abi: Abi,
    pub visit: &'v mut dyn FnMut(AggEntry<'_>),
}

/// `dtrace_aggregate_walk`'s callback: each readable entry to the visitor;
/// a panic aborts the walk instead of unwinding into C.
///
/// # Safety
/// Called by `dtrace_aggregate_walk` with a valid `dtrace_aggdata_t` of the
/// family in `Walk::abi`, and `arg` pointing at a [`Walk`].
pub(crate) unsafe extern "C" fn visit_entry(aggdata: *const c_void, arg: *mut c_void) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per this function's contract; no other reference to the
        // Walk exists during the synchronous walk.
        let walk = unsafe { &mut *(arg as *mut Walk<'_>) };
        // SAFETY: per this function's contract.
        if let Some(entry) = unsafe { read_entry(walk.abi, aggdata) } {
            (walk.visit)(entry);
        }
        DTRACE_AGGWALK_NEXT
    }))
    .unwrap_or(DTRACE_AGGWALK_ABORT)
}

/// An entry read through its family's layout; None when it lacks what an
/// entry must have.
///
/// # Safety
/// `aggdata` is a live `dtrace_aggdata_t` of family `abi`, as libdtrace
/// hands it to the walk, valid for `'a`.
pub(crate) unsafe fn read_entry<'a>(abi: Abi, aggdata: *const c_void) -> Option<AggEntry<'a>> {
    // SAFETY: per this function's contract.
    unsafe {
        match abi {
            Abi::Linux2 => read_linux(&*(aggdata as *const LinuxAggData)),
            Abi::Illumos => read_illumos(&*(aggdata as *const IllumosAggData)),
        }
    }
}

/// # Safety
/// `d` is a live Linux aggregation entry whose descriptor's record arrays
/// hold `nkrecs` key records and two data records, and whose key and data
/// buffers hold `ksize` and `dsize` bytes.
unsafe fn read_linux<'a>(d: &LinuxAggData) -> Option<AggEntry<'a>> {
    if d.desc.is_null() || d.key.is_null() || d.data.is_null() {
        return None;
    }
    // SAFETY: per this function's contract.
    let desc = unsafe { &*d.desc };
    if desc.nkrecs == 0 || desc.krecs.is_null() || desc.drecs.is_null() {
        return None;
    }
    // SAFETY: `nkrecs` key records; the data records follow (the counter
    // and the aggregating record); the buffers have their stated sizes.
    let (krecs, value, key_bytes, data) = unsafe {
        (
            std::slice::from_raw_parts(desc.krecs, desc.nkrecs as usize),
            &*desc.drecs.add(1),
            std::slice::from_raw_parts(d.key, desc.ksize as usize),
            std::slice::from_raw_parts(d.data, desc.dsize as usize),
        )
    };
    Some(AggEntry {
        desc: d.desc as usize,
        // SAFETY: libdtrace's NUL-terminated name of a live descriptor.
        name: (!desc.name.is_null()).then(|| unsafe { CStr::from_ptr(desc.name) }),
        varid: desc.varid,
        // The first key record is the variable id.
        keys: krecs[1..].iter().map(RecordDesc::from).collect(),
        value: value.into(),
        key_bytes,
        data,
        normal: desc.normal,
        sig: desc.sig,
        printed: desc.flags & DTRACE_AGD_PRINTED != 0,
    })
}

/// # Safety
/// `d` is a live illumos aggregation entry whose descriptor holds `nrecs`
/// records and whose data buffer holds `size` bytes.
unsafe fn read_illumos<'a>(d: &IllumosAggData) -> Option<AggEntry<'a>> {
    if d.desc.is_null() || d.data.is_null() {
        return None;
    }
    // SAFETY: per this function's contract.
    let desc = unsafe { &*d.desc };
    if desc.nrecs < 2 {
        return None;
    }
    // SAFETY: the records are laid out inline after the header, `nrecs`
    // of them; the data buffer is `size` bytes.
    let (recs, data) = unsafe {
        (
            std::slice::from_raw_parts(desc.rec.as_ptr(), desc.nrecs as usize),
            std::slice::from_raw_parts(d.data, d.size),
        )
    };
    let (last, keys) = recs.split_last().expect("two or more records");
    Some(AggEntry {
        desc: d.desc as usize,
        // SAFETY: libdtrace's NUL-terminated name of a live descriptor.
        name: (!desc.name.is_null()).then(|| unsafe { CStr::from_ptr(desc.name) }),
        varid: desc.varid as u32,
        // The first record is the variable id; the last the aggregating
        // action.
        keys: keys[1..].iter().map(RecordDesc::from).collect(),
        value: last.into(),
        key_bytes: &[],
        data,
        normal: d.normal,
        sig: 0,
        printed: false,
    })
}

#[cfg(test)]
mod tests;
