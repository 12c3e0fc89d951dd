//! Reading aggregations out of libdtrace: the walk hands each entry to a
//! callback, which copies its record descriptions and bytes into owned
//! memory; [`crate::decode`] turns those into model types afterwards,
//! outside the callback. The stack and symbol keys' addresses are named
//! here, once per run, and the snapshot is ordered as the script's
//! sorting options say.

use crate::decode::{self, RawEntry, RecordDesc, SortOptions, Symbolizer};
use dscope_dtrace_sys::layout::native::DTRACEOPT_UNSET;
use dscope_dtrace_sys::{AggEntry, Handle, Handlers};
use dscope_model::Snapshot;
use std::collections::HashMap;
use std::ffi::{CStr, c_int};
use std::rc::Rc;

/// One entry copied out of libdtrace.
struct OwnedEntry {
    varid: u32,
    name: Rc<str>,
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

#[derive(Default)]
struct Walk {
    entries: Vec<OwnedEntry>,
    names: HashMap<usize, Rc<str>>,
}

impl Walk {
    /// The aggregation's name, read once per descriptor.
    fn name(&mut self, desc: usize, name: Option<&CStr>) -> Rc<str> {
        self.names
            .entry(desc)
            .or_insert_with(|| match name {
                None => "".into(),
                Some(n) => n.to_string_lossy().trim_start_matches('@').into(),
            })
            .clone()
    }

    /// Copies an entry the walk handed over.
    fn copy(&mut self, e: AggEntry<'_>) {
        let name = self.name(e.desc, e.name);
        self.entries.push(OwnedEntry {
            varid: e.varid,
            name,
            keys: e.keys,
            key_bytes: e.key_bytes.to_vec(),
            value: e.value,
            value_bytes: e.data.to_vec(),
            normal: e.normal,
            sig: e.sig,
            printed: e.printed,
        });
    }
}

/// The names of the addresses in stack and symbol keys, kept for a whole
/// run: a profiling script's snapshot every second holds mostly the same
/// frames, and naming them again costs far more than the snapshot itself.
/// Bounded: past [`SymbolNames::LIMIT`] names it starts afresh, so that a
/// run that keeps meeting new addresses holds no more than that.
///
/// Kernel addresses are named by libdtrace (`dtrace_addr2str`, a lookup
/// in the kernel's symbols it has read). User addresses are named by
/// [`crate::usym`] on Linux, which grabs no process (see there why);
/// elsewhere by libdtrace's `dtrace_uaddr2str`.
#[derive(Default)]
pub struct SymbolNames {
    names: HashMap<(u64, u64, bool), String>,
    #[cfg(target_os = "linux")]
    user: crate::usym::UserSymbols,
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
struct LibSymbols<'a, 'lib, S: Handlers> {
    handle: &'a mut Handle<'lib, S>,
    names: &'a mut SymbolNames,
    /// Once true, no more lookups: the snapshot is being abandoned.
    interrupted: &'a dyn Fn() -> bool,
    given_up: bool,
}

impl<S: Handlers> LibSymbols<'_, '_, S> {
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
    fn ask(&mut self, pid: Option<u64>, addr: u64) -> String {
        let mut buf = vec![0u8; 256];
        loop {
            let len = buf.len() as c_int;
            let need = match pid {
                Some(pid) => self.handle.user_addr_name(pid as i32, addr, &mut buf),
                None => self.handle.addr_name(addr, &mut buf),
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

impl<S: Handlers> Symbolizer for LibSymbols<'_, '_, S> {
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
/// time): it is given up rather than delay the end. `handle` has tracing
/// started.
pub fn snapshot<S: Handlers>(
    handle: &mut Handle<'_, S>,
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
    // The snapshot is rate-limited by libdtrace (aggrate); an error (not
    // started yet) leaves the last data in place, which is what the walk
    // then reads.
    #[cfg(not(target_os = "linux"))]
    handle.aggregate_snap();
    let mut walk = Walk::default();
    let whole = handle.aggregate_walk(&mut |e| walk.copy(e));
    let mut errors = Vec::new();
    if !whole {
        errors.push("reading the aggregations stopped part way".to_owned());
    }
    #[cfg(target_os = "linux")]
    names.user.new_snapshot();
    let abi = handle.library().abi;
    let mut symbols = LibSymbols {
        handle: &mut *handle,
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
    let given_up = symbols.given_up;
    // Read at every snapshot: a run may change them with setopt.
    let sort = sort_options(
        handle.getopt(c"aggsortkey"),
        handle.getopt(c"aggsortrev"),
        handle.getopt(c"aggsortkeypos"),
    );
    if given_up {
        return None;
    }
    Some(taken(&walk, decoded, described, &sort, errors))
}

/// The decoded entries as one snapshot, with what the final printout and
/// the naming of user frames need to know of them.
fn taken(
    walk: &Walk,
    decoded: Vec<decode::Decoded>,
    mut described: HashMap<u32, (String, Vec<u32>)>,
    sort: &SortOptions,
    problems: Vec<String>,
) -> Taken {
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
        sort,
    );
    Taken {
        snapshot,
        problems,
        printed,
        user_keys,
    }
}

#[cfg(test)]
mod tests;
