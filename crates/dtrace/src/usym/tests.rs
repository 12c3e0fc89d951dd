//! Naming user addresses from `/proc` and ELF symbol tables as libproc
//! does.

use super::*;

fn sym(value: u64, size: u64, func: bool, local: bool, name: u32) -> Symbol {
    Symbol {
        value,
        size,
        func,
        local,
        name,
    }
}

#[test]
fn maps_lines_are_read_as_libproc_reads_them() {
    let m = parse_map(
        "7f3a1c000000-7f3a1c028000 r--p 00000000 fe:00 1835038   /usr/lib/x86_64-linux-gnu/libc.so.6",
    )
    .unwrap();
    assert_eq!((m.start, m.end), (0x7f3a1c000000, 0x7f3a1c028000));
    assert_eq!(m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    assert_eq!(m.key, ((0xfe << 32), 1835038));
    // A deleted file keeps its name; the note after it is not part of
    // it (libproc reads the name up to white space).
    let m = parse_map("1000-2000 r-xp 00001000 08:01 42 /tmp/a.out (deleted)").unwrap();
    assert_eq!(m.path, "/tmp/a.out");
    for skipped in [
        "7ffd4d5e1000-7ffd4d602000 rw-p 00000000 00:00 0 [stack]",
        "7ffd4d7f0000-7ffd4d7f2000 r-xp 00000000 00:00 0 [vdso]",
        "7f3a1c3d5000-7f3a1c3e2000 rw-p 00000000 00:00 0 ",
        "not a line",
    ] {
        assert_eq!(parse_map(skipped), None, "{skipped}");
    }
}

/// The rules of libproc's byaddr_cmp_common, one at a time.
#[test]
fn symbols_at_one_address_are_chosen_as_libproc_chooses() {
    use std::cmp::Ordering::{Greater, Less};
    let f = sym(16, 8, true, false, 0);
    let o = sym(16, 8, false, false, 0);
    assert_eq!(prefer(&f, "x", &o, "a"), Less, "a function first");
    let local = sym(16, 8, true, true, 0);
    assert_eq!(
        prefer(&f, "z", &local, "a"),
        Less,
        "a global before a local"
    );
    assert_eq!(prefer(&f, "$x", &f, "y"), Greater, "no leading $");
    assert_eq!(
        prefer(&f, "__libc_read", &f, "read"),
        Greater,
        "fewer underscores"
    );
    assert_eq!(prefer(&f, "__a", &f, "_b"), Greater);
    let small = sym(16, 4, true, false, 0);
    assert_eq!(prefer(&small, "b", &f, "a"), Less, "the smaller");
    assert_eq!(prefer(&f, "a", &f, "b"), Less, "then by name");
}

#[test]
fn an_address_is_named_by_the_symbol_that_holds_it() {
    let table = Table {
        symbols: vec![
            sym(0x100, 0x100, true, false, 0),
            sym(0x180, 0x10, false, true, 1),
            sym(0x200, 0x40, true, true, 2),
            sym(0x200, 0x40, true, false, 3),
        ],
        names: vec![
            "outer".into(),
            "inner_data".into(),
            "local".into(),
            "global".into(),
        ],
    };
    let name = |a| table.lookup(a).map(|s| table.name(&s).to_owned());
    assert_eq!(name(0x100).as_deref(), Some("outer"));
    assert_eq!(name(0x184).as_deref(), Some("inner_data"));
    assert_eq!(name(0x190).as_deref(), Some("outer"));
    assert_eq!(name(0x210).as_deref(), Some("global"));
    assert_eq!(name(0x240), None);
    assert_eq!(name(0x50), None);
}

/// This very test program, looked up in its own process: one of its
/// functions by its address.
#[test]
fn a_function_of_this_process_is_named_with_its_offset() {
    #[inline(never)]
    fn marker_for_the_symbol_test() -> u64 {
        std::hint::black_box(7)
    }
    let addr = marker_for_the_symbol_test as *const () as u64;
    let mut symbols = UserSymbols::default();
    let pid = std::process::id() as u64;
    let name = symbols.name(pid, addr);
    let object = std::env::current_exe().unwrap();
    let object = object.file_name().unwrap().to_string_lossy();
    assert!(name.starts_with(&format!("{object}`")), "{name}");
    assert!(name.contains("marker_for_the_symbol_test"), "{name}");
    assert!(!name.contains('+'), "{name}");
    let inside = symbols.name(pid, addr + 1);
    assert!(inside.ends_with("+0x1"), "{inside}");
    // Anonymous memory has no object: plain hex, as dtrace prints it.
    let heap = Box::new(5u64);
    let at = &*heap as *const u64 as u64;
    assert_eq!(symbols.name(pid, at), format!("0x{at:x}"));
    // A process that does not exist.
    assert_eq!(symbols.name(u32::MAX as u64, 0x1234), "0x1234");
}
