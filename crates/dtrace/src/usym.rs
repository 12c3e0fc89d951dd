//! Names of user-space addresses on Linux, read from `/proc` and the
//! processes' own ELF files, in the form `dtrace_uaddr2str` gives them
//! (`object`symbol+0xoffset`, `object`0xaddress`, or `0xaddress`).
//!
//! libdtrace names a user address by grabbing its process: it starts a
//! control thread that ptraces most processes, reads the process's maps
//! and symbol tables, and forgets them again once more than eight
//! processes are known. Doing that for every frame of every snapshot,
//! while the run goes on, cost several times the CPU of the run itself,
//! and a grab racing with a control thread crashed the consumer
//! (SIGSEGV in libdtrace's `rd_event_suppress`). dtrace(1) names frames
//! only once, when it prints at the end. Here no process is grabbed:
//! the maps come from `/proc/PID/maps` and each ELF file's symbol tables
//! are read once for the whole run, shared by every process that maps
//! it. The choices follow libproc's (dtrace-utils libproc/Psymtab.c):
//! which mappings count (`Pupdate_maps`), which symbols
//! (`optimize_symtab`), which of several at one address
//! (`byaddr_cmp_common`, `sym_prefer`), and the load base
//! (`Pbuild_file_symtab`), so that a frame reads as dtrace(1) prints it.

use object::elf;
use object::read::elf::{ElfFile64, FileHeader, ProgramHeader, Sym};
use object::{Endianness, ReadCache};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

/// At most this many files' symbols are kept; past it they are read
/// again as needed.
const MAX_FILES: usize = 1024;
/// At most this many symbols a table (a very large binary has a few
/// hundred thousand).
const MAX_SYMBOLS: usize = 4 << 20;
/// At most this much of `/proc/PID/maps`.
const MAX_MAPS_BYTES: u64 = 64 << 20;
/// The longest symbol name kept whole.
const MAX_NAME: usize = 4096;

/// One mapping of a file, as `/proc/PID/maps` has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mapping {
    start: u64,
    end: u64,
    /// The path as libproc reads it: up to the first white space.
    path: String,
    key: FileKey,
}

/// A file by device and inode, so that processes share its symbols.
type FileKey = (u64, u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Symbol {
    value: u64,
    size: u64,
    func: bool,
    local: bool,
    /// Index of the name in [`Table::names`].
    name: u32,
}

#[derive(Debug, Default)]
struct Table {
    /// By value.
    symbols: Vec<Symbol>,
    names: Vec<Box<str>>,
}

#[derive(Debug)]
struct ElfSymbols {
    /// ET_EXEC: addresses are absolute.
    exec: bool,
    /// The first PT_LOAD's `p_vaddr & (p_align - 1)`.
    first_load: u64,
    symtab: Table,
    dynsym: Table,
}

/// User-space names for one run.
#[derive(Default)]
pub struct UserSymbols {
    /// Each process's file mappings, and whether they were read during
    /// the current snapshot (a miss then reads them again, once).
    procs: HashMap<u64, (Option<Vec<Mapping>>, bool)>,
    files: HashMap<FileKey, Option<Arc<ElfSymbols>>>,
}

impl UserSymbols {
    /// A new snapshot: maps that miss an address may be read again.
    pub fn new_snapshot(&mut self) {
        for (_, fresh) in self.procs.values_mut() {
            *fresh = false;
        }
    }

    /// Forgets everything (another run; process ids are reused).
    pub fn clear(&mut self) {
        self.procs.clear();
        self.files.clear();
    }

    /// The name of `addr` in process `pid`, as `dtrace_uaddr2str` gives it.
    pub fn name(&mut self, pid: u64, addr: u64) -> String {
        let hex = || format!("0x{addr:x}");
        let Some(map) = self.mapping(pid, addr) else {
            return hex();
        };
        let object = map.path.rsplit('/').next().unwrap_or(&map.path).to_owned();
        let Some(file) = self.file(pid, &map) else {
            return format!("{object}`0x{addr:x}");
        };
        let base = if file.exec {
            0
        } else {
            self.first_start(pid, &map).wrapping_sub(file.first_load)
        };
        match file.lookup(addr.wrapping_sub(base)) {
            Some((name, value)) => {
                let value = value.wrapping_add(base);
                if addr > value {
                    format!("{object}`{name}+0x{:x}", addr - value)
                } else {
                    format!("{object}`{name}")
                }
            }
            None => format!("{object}`0x{addr:x}"),
        }
    }

    fn mapping(&mut self, pid: u64, addr: u64) -> Option<Mapping> {
        let find = |maps: &Option<Vec<Mapping>>| {
            maps.as_ref()?
                .iter()
                .find(|m| (m.start..m.end).contains(&addr))
                .cloned()
        };
        if let Some((maps, fresh)) = self.procs.get(&pid) {
            if let Some(m) = find(maps) {
                return Some(m);
            }
            if *fresh || maps.is_none() {
                return None;
            }
        }
        let maps = read_maps(pid);
        let found = find(&maps);
        self.procs.insert(pid, (maps, true));
        found
    }

    /// Where the file's first mapping starts: libproc's `first_segment`.
    fn first_start(&self, pid: u64, map: &Mapping) -> u64 {
        self.procs
            .get(&pid)
            .and_then(|(maps, _)| maps.as_ref())
            .and_then(|maps| maps.iter().find(|m| m.path == map.path))
            .map_or(map.start, |m| m.start)
    }

    fn file(&mut self, pid: u64, map: &Mapping) -> Option<Arc<ElfSymbols>> {
        if let Some(known) = self.files.get(&map.key) {
            return known.clone();
        }
        if self.files.len() >= MAX_FILES {
            self.files.clear();
        }
        // The process's own view of the file: it may live in another
        // mount namespace, or have been replaced since it was mapped.
        let through = format!("/proc/{pid}/map_files/{:x}-{:x}", map.start, map.end);
        let symbols = std::fs::File::open(&through)
            .or_else(|_| std::fs::File::open(format!("/proc/{pid}/root{}", map.path)))
            .ok()
            .and_then(|f| read_elf(f).map(Arc::new));
        self.files.insert(map.key, symbols.clone());
        symbols
    }
}

/// `/proc/PID/maps`' mappings of files; `None` when the process is gone.
fn read_maps(pid: u64) -> Option<Vec<Mapping>> {
    let mut text = String::new();
    std::fs::File::open(format!("/proc/{pid}/maps"))
        .ok()?
        .take(MAX_MAPS_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text.lines().filter_map(parse_map).collect())
}

/// One line of `/proc/PID/maps`, when it maps a file: libproc skips
/// mappings with no name and those named `[...]` (heap, stack, vdso).
fn parse_map(line: &str) -> Option<Mapping> {
    let mut words = line.split_whitespace();
    let (start, end) = words.next()?.split_once('-')?;
    let _perms = words.next()?;
    let _offset = words.next()?;
    let (major, minor) = words.next()?.split_once(':')?;
    let inode: u64 = words.next()?.parse().ok()?;
    let path = words.next()?;
    if path.starts_with('[') {
        return None;
    }
    let hex = |s: &str| u64::from_str_radix(s, 16).ok();
    let device = (hex(major)? << 32) | hex(minor)?;
    Some(Mapping {
        start: hex(start)?,
        end: hex(end)?,
        path: path.to_owned(),
        key: (device, inode),
    })
}

/// Files up to this size are read whole: their symbol names are then
/// slices of one buffer, where reading them through [`ReadCache`] costs a
/// read for each (a large binary has hundreds of thousands). Larger ones
/// are read in pieces.
const READ_WHOLE: u64 = 256 << 20;

fn read_elf(mut file: std::fs::File) -> Option<ElfSymbols> {
    let size = file.metadata().ok()?.len();
    if size <= READ_WHOLE {
        let mut data = Vec::with_capacity(size as usize);
        file.read_to_end(&mut data).ok()?;
        return parse_elf(data.as_slice());
    }
    parse_elf(&ReadCache::new(file))
}

fn parse_elf<'d, R: object::ReadRef<'d>>(data: R) -> Option<ElfSymbols> {
    let elf = ElfFile64::<Endianness, R>::parse(data).ok()?;
    let endian = elf.endian();
    let header = elf.elf_header();
    let exec = header.e_type(endian) == elf::ET_EXEC;
    let first_load = elf
        .elf_program_headers()
        .iter()
        .find(|p| p.p_type(endian) == elf::PT_LOAD)
        .map_or(0, |p| p.p_vaddr(endian) & p.p_align(endian).wrapping_sub(1));
    Some(ElfSymbols {
        exec,
        first_load,
        symtab: table(elf.elf_symbol_table(), endian),
        dynsym: table(elf.elf_dynamic_symbol_table(), endian),
    })
}

type Header = object::elf::FileHeader64<Endianness>;

fn table<'d, R: object::ReadRef<'d>>(
    t: &object::read::elf::SymbolTable<'d, Header, R>,
    endian: Endianness,
) -> Table {
    let mut out = Table::default();
    for sym in t.symbols().iter().take(MAX_SYMBOLS) {
        // libproc's IS_DATA_TYPE: objects, functions, common and TLS.
        let kind = sym.st_type();
        if !matches!(
            kind,
            elf::STT_OBJECT | elf::STT_FUNC | elf::STT_COMMON | elf::STT_TLS
        ) {
            continue;
        }
        let Ok(name) = sym.name(endian, t.strings()) else {
            continue;
        };
        let name = String::from_utf8_lossy(&name[..name.len().min(MAX_NAME)]);
        out.symbols.push(Symbol {
            value: sym.st_value(endian),
            size: sym.st_size(endian),
            func: kind == elf::STT_FUNC,
            local: sym.st_bind() == elf::STB_LOCAL,
            name: out.names.len() as u32,
        });
        out.names.push(name.into());
    }
    out.symbols.sort_by_key(|s| s.value);
    out
}

impl Table {
    fn name(&self, s: &Symbol) -> &str {
        &self.names[s.name as usize]
    }

    /// The symbol that holds `addr`: the one that starts last before it,
    /// and among those at that address the one libproc sorts first.
    fn lookup(&self, addr: u64) -> Option<Symbol> {
        let upto = self.symbols.partition_point(|s| s.value <= addr);
        let holds = |s: &&Symbol| addr < s.value.saturating_add(s.size);
        let best_value = self.symbols[..upto].iter().rev().find(holds)?.value;
        self.symbols[..upto]
            .iter()
            .rev()
            .take_while(|s| s.value >= best_value)
            .filter(|s| s.value == best_value)
            .filter(holds)
            .copied()
            .min_by(|a, b| prefer(a, self.name(a), b, self.name(b)))
    }
}

impl ElfSymbols {
    /// The name and value of the symbol that holds `addr` (relative to
    /// the load base): the symbol table's and the dynamic one's, the
    /// better of the two as libproc's `sym_prefer` has it.
    fn lookup(&self, addr: u64) -> Option<(&str, u64)> {
        let a = self.symtab.lookup(addr).map(|s| (s, self.symtab.name(&s)));
        let b = self.dynsym.lookup(addr).map(|s| (s, self.dynsym.name(&s)));
        let (s, name) = match (a, b) {
            (Some(a), Some(b)) => {
                if prefer(&a.0, a.1, &b.0, b.1).is_le() {
                    a
                } else {
                    b
                }
            }
            (a, b) => a.or(b)?,
        };
        Some((name, s.value))
    }
}

/// libproc's order of symbols at one address (`byaddr_cmp_common`): a
/// function before anything else, a global or weak before a local, a name
/// without a leading `$`, fewer leading underscores, the smaller, then
/// by name.
fn prefer(a: &Symbol, an: &str, b: &Symbol, bn: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Greater, Less};
    if a.value != b.value {
        return a.value.cmp(&b.value);
    }
    if a.func != b.func {
        return if a.func { Less } else { Greater };
    }
    if a.local != b.local {
        return if b.local { Less } else { Greater };
    }
    if bn.starts_with('$') {
        return Less;
    }
    if an.starts_with('$') {
        return Greater;
    }
    let common = an
        .bytes()
        .zip(bn.bytes())
        .take_while(|&(x, y)| x == b'_' && y == b'_')
        .count();
    let (at, bt) = (&an[common..], &bn[common..]);
    if bt.starts_with('_') {
        return Less;
    }
    if at.starts_with('_') {
        return Greater;
    }
    a.size.cmp(&b.size).then_with(|| at.cmp(bt))
}

#[cfg(test)]
mod tests;
