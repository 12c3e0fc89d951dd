use super::*;

fn probe(id: u32, p: &str, m: &str, f: &str, n: &str) -> Probe {
    Probe::new(id, p, m, f, n)
}

fn sample() -> Vec<Probe> {
    vec![
        probe(5, "syscall", "vmlinux", "write", "entry"),
        probe(1, "dtrace", "", "", "BEGIN"),
        probe(3, "syscall", "vmlinux", "read", "entry"),
        probe(4, "syscall", "vmlinux", "read", "return"),
        probe(6, "syscall", "vmlinux", "readv", "entry"),
        probe(2, "dtrace", "", "", "END"),
    ]
}

fn labels(t: &ProbeTree) -> Vec<String> {
    t.rows()
        .iter()
        .map(|r| format!("{:?} {} {}", r.level, t.label(r), r.count))
        .collect()
}

#[test]
fn unfiltered_the_providers_are_closed_headings_with_counts() {
    let t = ProbeTree::new(sample());
    assert_eq!(labels(&t), ["Provider dtrace 2", "Provider syscall 4"]);
    assert_eq!(t.matches(), 6);
}

#[test]
fn opening_headings_shows_what_is_below() {
    let mut t = ProbeTree::new(sample());
    let all = ProbeFilter::All;
    let syscall = t.rows()[1];
    t.toggle(&syscall, &all);
    let module = t.rows()[2];
    assert_eq!(t.description(&module), "syscall:vmlinux::");
    t.toggle(&module, &all);
    let read = t.rows()[3];
    assert_eq!(t.label(&read), "read");
    t.toggle(&read, &all);
    assert_eq!(
        labels(&t),
        [
            "Provider dtrace 2",
            "Provider syscall 4",
            "Module vmlinux 4",
            "Function read 2",
            "Probe entry 1",
            "Probe return 1",
            "Function readv 1",
            "Function write 1",
        ]
    );
    // One module has syscall read: people write it without.
    assert_eq!(t.description(&t.rows()[4]), "syscall::read:entry");
    assert_eq!(t.description(&t.rows()[3]), "syscall::read:");
    assert_eq!(
        t.full_description(&t.rows()[4]),
        "syscall:vmlinux:read:entry"
    );
    // Closing the provider hides everything below it again.
    t.toggle(&syscall, &all);
    assert_eq!(t.rows().len(), 2);
}

#[test]
fn a_filter_opens_every_heading_with_a_match() {
    let mut t = ProbeTree::new(sample());
    t.refilter(&ProbeFilter::parse("syscall::read*:entry"));
    assert_eq!(t.matches(), 2);
    assert_eq!(
        labels(&t),
        [
            "Provider syscall 2",
            "Module vmlinux 2",
            "Function read 1",
            "Probe entry 1",
            "Function readv 1",
            "Probe entry 1",
        ]
    );
    t.refilter(&ProbeFilter::parse("BEG"));
    assert_eq!(t.matches(), 1, "plain text, any case: {:?}", labels(&t));
    assert_eq!(t.description(t.rows().last().unwrap()), "dtrace:::BEGIN");
    t.refilter(&ProbeFilter::parse("*dv"));
    assert_eq!(t.matches(), 1, "a wildcard matches a whole field");
    t.refilter(&ProbeFilter::parse("nothing-like-this"));
    assert_eq!(t.matches(), 0);
    assert!(t.rows().is_empty());
}

#[test]
fn the_module_stays_where_it_tells_probes_apart() {
    let mut t = ProbeTree::new(vec![
        probe(1, "pid123", "libc.so.6", "malloc", "entry"),
        probe(2, "pid123", "ld.so", "malloc", "entry"),
        probe(3, "pid123", "ld.so", "malloc", "return"),
        probe(4, "pid123", "a.out", "main", "entry"),
    ]);
    t.refilter(&ProbeFilter::parse("pid123:::"));
    let described: Vec<String> = t.rows().iter().map(|r| t.description(r)).collect();
    assert_eq!(
        described,
        [
            "pid123:::",
            "pid123:a.out::",
            "pid123::main:",
            "pid123::main:entry",
            "pid123:ld.so::",
            "pid123:ld.so:malloc:",
            "pid123:ld.so:malloc:entry",
            // Only ld.so's malloc has a return probe, but the heading
            // above it still needs the module.
            "pid123::malloc:return",
            "pid123:libc.so.6::",
            "pid123:libc.so.6:malloc:",
            "pid123:libc.so.6:malloc:entry",
        ]
    );
}

#[test]
fn a_short_description_that_matches_nothing_is_read_from_the_left() {
    let mut b = ProbeBrowser::default();
    b.listed(Ok(sample()));
    b.set_filter("syscall::read*");
    assert_eq!(b.tree().unwrap().matches(), 3);
    assert_eq!(
        b.hint(),
        Some("No probe has module syscall and name read*; showing syscall::read*:*")
    );
    // As dtrace reads it, when that matches: no hint.
    b.set_filter("read:entry");
    assert_eq!(b.tree().unwrap().matches(), 1);
    assert_eq!(b.hint(), None);
    // Neither reading matches: nothing, and no hint.
    b.set_filter("fbt::nothing");
    assert_eq!(b.tree().unwrap().matches(), 0);
    assert_eq!(b.hint(), None);
    // A filter typed before the list arrives applies when it does.
    let mut early = ProbeBrowser::default();
    early.set_filter("syscall::write");
    early.listed(Ok(sample()));
    assert_eq!(early.tree().unwrap().matches(), 1);
    assert!(early.hint().is_some());
}

#[test]
fn the_matched_view_names_descriptions_without_listed_probes() {
    let mut b = ProbeBrowser::default();
    b.listed(Ok(sample()));
    b.show_matched(vec![
        "END".into(),
        "tick-1s".into(),
        "syscall::nosuch:entry".into(),
    ]);
    assert_eq!(b.tree().unwrap().matches(), 1);
    assert_eq!(
        b.unlisted(),
        [
            ("tick-1s".to_owned(), "created when enabled"),
            ("syscall::nosuch:entry".to_owned(), "matches no probe"),
        ]
    );
    b.set_filter("");
    assert!(b.unlisted().is_empty(), "only in the matched view");
}

#[test]
fn empty_fields_are_named_and_describe_as_wildcards() {
    let mut t = ProbeTree::new(sample());
    t.refilter(&ProbeFilter::parse("END"));
    let module = t.rows()[1];
    assert_eq!(t.label(&module), "(none)");
    assert_eq!(t.description(&module), "dtrace:::");
}
