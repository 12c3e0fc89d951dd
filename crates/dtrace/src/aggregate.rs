//! Reading aggregations out of libdtrace: `dtrace_aggregate_walk` hands
//! each entry to a callback, which copies its record descriptions and
//! bytes into owned memory; [`super::decode`] turns those into model
//! types afterwards, outside the callback.
//!
//! The layouts below are declared from each family's headers and checked
//! by size and offset in the tests (and, for Linux, by the live tests).

use super::decode::{self, Abi, RawEntry, RecordDesc, SortOptions, Symbolizer};
use super::library::{DtraceHdl, Functions};
use dscope_model::Snapshot;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub type AggWalkCallback = unsafe extern "C" fn(*const c_void, *mut c_void) -> c_int;

use super::layout::illumos::{AggData as IllumosAggData, RecDesc as IllumosRecDesc};
use super::layout::linux::{AggData as LinuxAggData, RecDesc as LinuxRecDesc};
// The walk's return values are the same in both families.
use super::layout::native::{DTRACE_AGGWALK_ABORT, DTRACE_AGGWALK_NEXT, DTRACEOPT_UNSET};

/// One entry copied out of libdtrace.
struct OwnedEntry {
    varid: u32,
    name: std::rc::Rc<str>,
    keys: Vec<RecordDesc>,
    key_bytes: Vec<u8>,
    value: RecordDesc,
    value_bytes: Vec<u8>,
    normal: u64,
    sig: u64,
    /// printa() has printed its aggregation (Linux; the final printout
    /// leaves it out).
    printed: bool,
}

impl OwnedEntry {
    fn raw(&self) -> RawEntry<'_> {
        RawEntry {
            varid: self.varid,
            name: &self.name,
            keys: &self.keys,
            // illumos keeps keys and data in one buffer.
            key_bytes: if self.key_bytes.is_empty() {
                &self.value_bytes
            } else {
                &self.key_bytes
            },
            value: self.value,
            value_bytes: &self.value_bytes,
            normal: self.normal,
            sig: self.sig,
        }
    }
}

struct Walk {
    abi: Abi,
    entries: Vec<OwnedEntry>,
    names: HashMap<usize, std::rc::Rc<str>>,
}

impl Walk {
    /// The aggregation's name, read once per descriptor.
    fn name(&mut self, desc: usize, name: *const c_char) -> std::rc::Rc<str> {
        self.names
            .entry(desc)
            .or_insert_with(|| {
                if name.is_null() {
                    "".into()
                } else {
                    // SAFETY: libdtrace's NUL-terminated name of a live
                    // aggregation descriptor, copied at once.
                    let n = unsafe { CStr::from_ptr(name) }.to_string_lossy();
                    n.trim_start_matches('@').into()
                }
            })
            .clone()
    }
}

fn linux_rec(r: &LinuxRecDesc) -> RecordDesc {
    RecordDesc {
        action: r.action,
        size: r.size,
        offset: r.offset,
        arg: r.arg,
    }
}

/// # Safety
/// Called by `dtrace_aggregate_walk` with a valid `dtrace_aggdata_t` of the
/// family in `Walk::abi`, and `arg` pointing at a `Walk`.
unsafe extern "C" fn collect(aggdata: *const c_void, arg: *mut c_void) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per this function's contract; no other reference to the
        // Walk exists during the synchronous walk.
        let walk = unsafe { &mut *(arg as *mut Walk) };
        // SAFETY: per this function's contract.
        let entry = unsafe {
            match walk.abi {
                Abi::Linux2 => copy_linux(walk, &*(aggdata as *const LinuxAggData)),
                Abi::Illumos => copy_illumos(walk, &*(aggdata as *const IllumosAggData)),
            }
        };
        match entry {
            Some(e) => {
                walk.entries.push(e);
                DTRACE_AGGWALK_NEXT
            }
            None => DTRACE_AGGWALK_NEXT,
        }
    }))
    .unwrap_or(DTRACE_AGGWALK_ABORT)
}

/// # Safety
/// `d` is a live Linux aggregation entry whose descriptor's record arrays
/// hold `nkrecs` key records and two data records, and whose key and data
/// buffers hold `ksize` and `dsize` bytes.
unsafe fn copy_linux(walk: &mut Walk, d: &LinuxAggData) -> Option<OwnedEntry> {
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
    let (krecs, value, key_bytes, value_bytes) = unsafe {
        (
            std::slice::from_raw_parts(desc.krecs, desc.nkrecs as usize),
            &*desc.drecs.add(1),
            std::slice::from_raw_parts(d.key, desc.ksize as usize),
            std::slice::from_raw_parts(d.data, desc.dsize as usize),
        )
    };
    let name = walk.name(d.desc as usize, desc.name);
    Some(OwnedEntry {
        varid: desc.varid,
        name,
        // The first key record is the variable id.
        keys: krecs[1..].iter().map(linux_rec).collect(),
        key_bytes: key_bytes.to_vec(),
        value: linux_rec(value),
        value_bytes: value_bytes.to_vec(),
        normal: desc.normal,
        sig: desc.sig,
        printed: desc.flags & super::layout::linux::DTRACE_AGD_PRINTED != 0,
    })
}

/// # Safety
/// `d` is a live illumos aggregation entry whose descriptor holds `nrecs`
/// records and whose data buffer holds `size` bytes.
unsafe fn copy_illumos(walk: &mut Walk, d: &IllumosAggData) -> Option<OwnedEntry> {
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
    let rec = |r: &IllumosRecDesc| RecordDesc {
        action: r.action,
        size: r.size,
        offset: r.offset,
        arg: r.arg,
    };
    let name = walk.name(d.desc as usize, desc.name);
    let (last, keys) = recs.split_last().expect("two or more records");
    Some(OwnedEntry {
        varid: desc.varid as u32,
        name,
        // The first record is the variable id; the last the aggregating
        // action.
        keys: keys[1..].iter().map(rec).collect(),
        key_bytes: Vec::new(),
        value: rec(last),
        value_bytes: data.to_vec(),
        normal: d.normal,
        sig: 0,
        printed: false,
    })
}

/// The names of the addresses in stack and symbol keys, kept for a whole
/// run: a profiling script's snapshot every second holds mostly the same
/// frames, and naming them again costs far more than the snapshot itself.
/// Bounded: past [`SymbolNames::LIMIT`] names it starts afresh, so that a
/// run that keeps meeting new addresses holds no more than that.
///
/// Kernel addresses are named by libdtrace (`dtrace_addr2str`, a lookup
/// in the kernel's symbols it has read). User addresses are named by
/// [`super::usym`] on Linux, which grabs no process (see there why);
/// elsewhere by libdtrace's `dtrace_uaddr2str`.
#[derive(Default)]
pub struct SymbolNames {
    names: HashMap<(u64, u64, bool), String>,
    #[cfg(target_os = "linux")]
    user: super::usym::UserSymbols,
}

impl SymbolNames {
    /// About 25 MB of names at the most.
    pub const LIMIT: usize = 1 << 18;

    /// Forgets every name (a process id may be another program's in a
    /// later run).
    pub fn clear(&mut self) {
        self.names.clear();
        #[cfg(target_os = "linux")]
        self.user.clear();
    }
}

/// Symbol lookups, each address looked up once per run (see
/// [`SymbolNames`]).
struct LibSymbols<'a> {
    fns: &'a Functions,
    hdl: *mut DtraceHdl,
    names: &'a mut SymbolNames,
    /// Once true, no more lookups: the snapshot is being abandoned.
    interrupted: &'a dyn Fn() -> bool,
    given_up: bool,
}

impl LibSymbols<'_> {
    fn lookup(&mut self, pid: Option<u64>, addr: u64) -> String {
        let key = (pid.unwrap_or(0), addr, pid.is_some());
        if let Some(name) = self.names.names.get(&key) {
            return name.clone();
        }
        if self.given_up || (self.interrupted)() {
            self.given_up = true;
            return format!("0x{addr:x}");
        }
        let name = match pid {
            #[cfg(target_os = "linux")]
            Some(pid) => self.names.user.name(pid, addr),
            _ => self.ask(pid, addr),
        };
        if self.names.names.len() >= SymbolNames::LIMIT {
            self.names.names.clear();
        }
        self.names.names.insert(key, name.clone());
        name
    }

    /// libdtrace's name for an address.
    fn ask(&self, pid: Option<u64>, addr: u64) -> String {
        let (fns, hdl) = (self.fns, self.hdl);
        let mut buf = vec![0u8; 256];
        loop {
            let len = buf.len() as c_int;
            let p = buf.as_mut_ptr() as *mut c_char;
            // SAFETY: open handle; `buf` is writable for `len` bytes and
            // libdtrace NUL-terminates within it.
            let need = unsafe {
                match pid {
                    Some(pid) => (fns.uaddr2str)(hdl, pid as libc::pid_t, addr, p, len),
                    None => (fns.addr2str)(hdl, addr, p, len),
                }
            };
            if need >= len && need < 1 << 16 {
                buf.resize(need as usize + 1, 0);
                continue;
            }
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            let name = String::from_utf8_lossy(&buf[..end]).into_owned();
            return match pid {
                Some(_) => name,
                None => whole_module_address(name, addr),
            };
        }
    }
}

/// `dtrace_addr2str` (illumos, FreeBSD and Linux alike) formats an
/// address its module holds but no symbol covers, `module`0xADDR`, in the
/// 20 bytes it sized for a bare `0xADDR`, and so cuts it short
/// (`kernel`0xffffffff80` for 0xffffffff80ffd3db): different frames would
/// merge into one. dtrace(1) prints them whole (dt_print_stack), and so
/// does dscope.
fn whole_module_address(name: String, addr: u64) -> String {
    let Some((module, _)) = name.split_once('`') else {
        return name;
    };
    let whole = format!("{module}`0x{addr:x}");
    if whole.len() > name.len() && whole.starts_with(&name) {
        whole
    } else {
        name
    }
}

impl Symbolizer for LibSymbols<'_> {
    fn kernel(&mut self, addr: u64) -> String {
        self.lookup(None, addr)
    }
    fn user(&mut self, pid: u64, addr: u64) -> String {
        // The record's first word, of which libdtrace reads a pid_t
        // (dt_print_ustack's `tgid = (pid_t)*pc++`); on Linux DTrace its
        // upper half is not the process's.
        self.lookup(Some(pid & 0xffff_ffff), addr)
    }
}

/// The row order the sorting options ask for, as `dt_aggregate_qsort`
/// reads their values (the same in every family): `aggsortkey` and
/// `aggsortrev` count when set to anything, `aggsortkeypos` when set and
/// no more than `INT_MAX`, else the first key part is compared first.
fn sort_options(aggsortkey: i64, aggsortrev: i64, aggsortkeypos: i64) -> SortOptions {
    SortOptions {
        by_key: aggsortkey != DTRACEOPT_UNSET,
        reverse: aggsortrev != DTRACEOPT_UNSET,
        // Unset is -2; libdtrace refuses other negative values.
        key_pos: if (0..=i64::from(c_int::MAX)).contains(&aggsortkeypos) {
            aggsortkeypos as usize
        } else {
            0
        },
    }
}

/// A snapshot as [`snapshot`] takes it.
pub struct Taken {
    pub snapshot: Snapshot,
    /// Entries that could not be decoded (left out of the snapshot).
    pub problems: Vec<String>,
    /// The aggregations printa() has printed (by variable id), which
    /// dtrace(1)'s final printout leaves out.
    pub printed: Vec<u32>,
    /// Whether any key names user-space addresses (ustack(), usym(),
    /// umod(), uaddr(), jstack()).
    pub user_keys: bool,
}

/// Every aggregation of a running (or just stopped) program, decoded.
/// Entries that cannot be decoded are left out and reported in the error
/// list rather than failing the snapshot. `None` when `interrupted` turned
/// true before the snapshot was whole (Stop, or the end of the run's
/// time): it is given up rather than delay the end.
///
/// # Safety
/// `hdl` is an open handle of `fns`' library, with tracing started, used
/// by this thread only.
pub unsafe fn snapshot(
    fns: &Functions,
    abi: Abi,
    hdl: *mut DtraceHdl,
    names: &mut SymbolNames,
    interrupted: &dyn Fn() -> bool,
) -> Option<Taken> {
    if interrupted() {
        return None;
    }
    // Linux DTrace's dtrace_work snaps the aggregations itself on every
    // call (dtrace_consume, at most once per aggrate, and aggrate is 0
    // unless set), and this follows a work call: snapping again here
    // read every key out of the kernel twice a second, over half of what
    // a snapshot of thousands of stack keys cost. The illumos family's
    // dtrace_work does not snap under the ring and fill buffer policies.
    #[cfg(not(target_os = "linux"))]
    // SAFETY: per this function's contract. The snapshot is rate-limited
    // by libdtrace (aggrate); an error (not started yet) leaves the last
    // data in place, which is what the walk then reads.
    unsafe {
        (fns.aggregate_snap)(hdl)
    };
    let mut walk = Walk {
        abi,
        entries: Vec::new(),
        names: HashMap::new(),
    };
    // SAFETY: open handle; `collect` catches panics and gets `walk`, which
    // outlives the synchronous walk.
    let rc = unsafe { (fns.aggregate_walk)(hdl, collect, &mut walk as *mut Walk as *mut c_void) };
    let mut errors = Vec::new();
    if rc != 0 {
        errors.push("reading the aggregations stopped part way".to_owned());
    }
    #[cfg(target_os = "linux")]
    names.user.new_snapshot();
    let mut symbols = LibSymbols {
        fns,
        hdl,
        names,
        interrupted,
        given_up: false,
    };
    let mut decoded = Vec::with_capacity(walk.entries.len());
    let mut described: HashMap<u32, (String, Vec<u32>)> = HashMap::new();
    for (i, e) in walk.entries.iter().enumerate() {
        // Looked at every so many entries too, for a snapshot whose names
        // are all known already.
        if symbols.given_up || (i % 256 == 255 && interrupted()) {
            return None;
        }
        described
            .entry(e.varid)
            .or_insert_with(|| decode::describe(&e.raw()));
        match decode::decode_entry(abi, &e.raw(), &mut symbols) {
            Ok(d) => decoded.push(d),
            Err(err) => {
                let msg = format!("@{}: {err}", e.name);
                if !errors.contains(&msg) {
                    errors.push(msg);
                }
            }
        }
    }
    // SAFETY: open handle, per this function's contract. Read at every
    // snapshot: a run may change them with setopt.
    let sort = unsafe {
        sort_options(
            fns.option(hdl, c"aggsortkey"),
            fns.option(hdl, c"aggsortrev"),
            fns.option(hdl, c"aggsortkeypos"),
        )
    };
    if symbols.given_up {
        return None;
    }
    let mut printed: Vec<u32> = walk
        .entries
        .iter()
        .filter(|e| e.printed)
        .map(|e| e.varid)
        .collect();
    printed.dedup();
    let user_keys = walk.entries.iter().any(|e| {
        e.keys
            .iter()
            .any(|k| decode::names_user_addresses(k.action))
    });
    let snapshot = decode::assemble_sorted(
        decoded,
        |id| described.remove(&id).unwrap_or_default(),
        &sort,
    );
    Some(Taken {
        snapshot,
        problems: errors,
        printed,
        user_keys,
    })
}

#[cfg(test)]
mod tests {
    use super::super::layout::illumos::AggDesc as IllumosAggDesc;
    use super::*;

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

    /// The walk callback copies an illumos entry the way decode expects
    /// it: keys and value from the one data buffer.
    #[test]
    fn walk_callback_copies_an_illumos_entry() {
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
        let mut walk = Walk {
            abi: Abi::Illumos,
            entries: Vec::new(),
            names: HashMap::new(),
        };
        // SAFETY: hand-built entry valid for the call; `walk` is live.
        let rc = unsafe {
            collect(
                &aggdata as *const IllumosAggData as *const c_void,
                &mut walk as *mut Walk as *mut c_void,
            )
        };
        assert_eq!(rc, DTRACE_AGGWALK_NEXT);
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
}
