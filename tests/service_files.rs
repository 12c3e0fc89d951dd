//! The service definitions in packaging/: the systemd unit
//! (`linux/dscope-metrics@.service`) and the SMF manifest
//! (`illumos/dscope-metrics.xml`) run `dscope run --metrics`, the manifest
//! is well-formed XML, and every option either file gives or names is one
//! that `dscope run --help` lists, so renaming a flag fails here instead of
//! in an installed service. No network, no root: the files are read and
//! the binary is asked for its help only.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

const UNIT: &str = "linux/dscope-metrics@.service";
const MANIFEST: &str = "illumos/dscope-metrics.xml";

fn packaging(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("packaging")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_help() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(["run", "--help"])
        .output()
        .expect("dscope runs");
    assert!(out.status.success(), "dscope run --help: {out:?}");
    String::from_utf8(out.stdout).expect("the help is UTF-8")
}

// ---- the systemd unit ----

/// The values of `key=` in `[section]` of a unit file, in order, with
/// continued lines (ending in `\`) joined and comments left out.
fn unit_values(text: &str, section: &str, key: &str) -> Vec<String> {
    let mut joined = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let line = line.trim();
        if pending.is_empty() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                joined.push(std::mem::take(&mut pending));
            }
        }
    }
    let mut current = String::new();
    let mut values = Vec::new();
    for line in joined {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_owned();
        } else if current == section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            values.push(v.trim().to_owned());
        }
    }
    values
}

fn one_value(text: &str, section: &str, key: &str) -> String {
    let values = unit_values(text, section, key);
    assert_eq!(values.len(), 1, "[{section}] {key}= should be given once");
    values.into_iter().next().unwrap()
}

/// `60`, `60s`, `5min` as seconds.
fn seconds(span: &str) -> u64 {
    let (number, unit) = span
        .find(|c: char| !c.is_ascii_digit())
        .map_or((span, ""), |i| span.split_at(i));
    let n: u64 = number
        .parse()
        .unwrap_or_else(|_| panic!("a time span: {span:?}"));
    match unit.trim() {
        "" | "s" | "sec" => n,
        "min" | "m" => n * 60,
        other => panic!("a time span in an unexpected unit: {other:?}"),
    }
}

/// ExecStart's words: systemd splits at white space and honours quotes;
/// the unit uses none, so that splitting at white space is the same.
fn exec_start(unit: &str) -> Vec<String> {
    let line = one_value(unit, "Service", "ExecStart");
    assert!(
        !line.contains(['"', '\'']),
        "ExecStart has quotes this test does not split: {line}"
    );
    let line = line.trim_start_matches(['@', '-', ':', '+', '!']);
    line.split_whitespace().map(str::to_owned).collect()
}

/// Whether `words` run `dscope run` and give `flag` the value `value`.
fn runs_dscope_with(words: &[String], flag: &str, value: &str) -> Result<(), String> {
    let program = words.first().ok_or("no command")?;
    if !(program.starts_with('/') && program.ends_with("/dscope")) {
        return Err(format!("{program} is not an absolute path to dscope"));
    }
    if words.get(1).map(String::as_str) != Some("run") {
        return Err(format!("{words:?} does not run `dscope run`"));
    }
    match words.iter().position(|w| w == flag) {
        Some(i) if words.get(i + 1).map(String::as_str) == Some(value) => Ok(()),
        Some(_) => Err(format!("{flag} is not given {value} in {words:?}")),
        None => Err(format!("no {flag} in {words:?}")),
    }
}

#[test]
fn the_unit_runs_the_instances_script_with_metrics() {
    let unit = packaging(UNIT);
    let words = exec_start(&unit);
    runs_dscope_with(&words, "--metrics", "${DSCOPE_METRICS}").unwrap();
    assert!(
        words.iter().any(|w| w == "/etc/dscope/%i.d"),
        "the instance names the script: {words:?}"
    );
    assert!(words.iter().any(|w| w == "$DSCOPE_OPTIONS"), "{words:?}");

    let environment = unit_values(&unit, "Service", "Environment");
    assert!(
        environment
            .iter()
            .any(|e| e == "DSCOPE_METRICS=127.0.0.1:9464"),
        "{environment:?}"
    );
    assert_eq!(
        one_value(&unit, "Service", "EnvironmentFile"),
        "-/etc/dscope/%i.env"
    );
    assert_eq!(one_value(&unit, "Service", "Restart"), "on-failure");
    assert_eq!(one_value(&unit, "Service", "KillSignal"), "SIGTERM");
    // END clauses run after the SIGTERM: they get time before SIGKILL.
    assert!(seconds(&one_value(&unit, "Service", "TimeoutStopSec")) >= 30);
    assert!(seconds(&one_value(&unit, "Service", "RestartSec")) >= 1);
    assert!(
        one_value(&unit, "Unit", "After")
            .split_whitespace()
            .any(|u| u == "network.target")
    );
    // Hardening that would take from DTrace what it needs.
    for breaks_dtrace in [
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "PrivateDevices",
        "PrivateTmp",
        "CapabilityBoundingSet",
        "SystemCallFilter",
        "User",
        "DynamicUser",
    ] {
        assert!(
            unit_values(&unit, "Service", breaks_dtrace).is_empty(),
            "{breaks_dtrace}= keeps DTrace from working"
        );
    }
    assert_eq!(one_value(&unit, "Install", "WantedBy"), "multi-user.target");
}

// ---- the SMF manifest ----

#[derive(Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
}

impl Element {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn line_at(text: &str, rest: &str) -> usize {
    text[..text.len() - rest.len()].matches('\n').count() + 1
}

/// `&amp;` and the other four, and character references, as text; an `&`
/// that starts none of them is an error.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find(';')
            .ok_or_else(|| format!("a bare & in {text:?}"))?;
        let name = &rest[i + 1..i + end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => name
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| name.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32)
                .ok_or_else(|| format!("an unknown entity &{name}; in {text:?}"))?,
        };
        out.push(c);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
}

/// The inside of a start tag, `NAME ATTR='VALUE' ...`.
fn parse_tag(inside: &str) -> Result<Element, String> {
    let name_end = inside
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(inside.len());
    let name = &inside[..name_end];
    if !is_name(name) {
        return Err(format!("a bad element name {name:?}"));
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut rest = &inside[name_end..];
    loop {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        if trimmed.len() == rest.len() {
            return Err(format!("<{name}>: attributes must be apart: {rest:?}"));
        }
        let (attribute, after) = trimmed
            .split_once('=')
            .ok_or_else(|| format!("<{name}>: an attribute without a value: {trimmed:?}"))?;
        let attribute = attribute.trim_end();
        if !is_name(attribute) {
            return Err(format!("<{name}>: a bad attribute name {attribute:?}"));
        }
        let after = after.trim_start();
        let quote = after
            .chars()
            .next()
            .filter(|&c| c == '\'' || c == '"')
            .ok_or_else(|| format!("<{name}>: {attribute}= is not quoted"))?;
        let end = after[1..]
            .find(quote)
            .ok_or_else(|| format!("<{name}>: {attribute}= is not closed"))?;
        let value = unescape(&after[1..=end])?;
        if attributes.iter().any(|(n, _)| n == attribute) {
            return Err(format!("<{name}>: {attribute}= twice"));
        }
        attributes.push((attribute.to_owned(), value));
        rest = &after[end + 2..];
    }
    Ok(Element {
        name: name.to_owned(),
        attributes,
    })
}

/// A small well-formedness check, enough for a manifest: one root
/// element, every tag closed in order, attributes quoted and not
/// repeated, entities known, no `--` inside comments, no text outside the
/// root. Gives the elements in document order.
fn xml_elements(text: &str) -> Result<Vec<Element>, String> {
    let mut elements = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = text;
    let at = |rest: &str| format!("line {}", line_at(text, rest));
    loop {
        let next = rest.find('<').unwrap_or(rest.len());
        let between = &rest[..next];
        unescape(between).map_err(|e| format!("{}: {e}", at(rest)))?;
        if open.is_empty() && !between.trim().is_empty() {
            return Err(format!("{}: text outside the root element", at(rest)));
        }
        rest = &rest[next..];
        if rest.is_empty() {
            break;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment
                .find("-->")
                .ok_or_else(|| format!("{}: a comment is not closed", at(rest)))?;
            if comment[..end].contains("--") || comment[..end].ends_with('-') {
                return Err(format!("{}: a comment holds --", at(rest)));
            }
            rest = &comment[end + 3..];
        } else if let Some(pi) = rest.strip_prefix("<?") {
            let end = pi
                .find("?>")
                .ok_or_else(|| format!("{}: <? is not closed", at(rest)))?;
            rest = &pi[end + 2..];
        } else if rest.starts_with("<!DOCTYPE") {
            let end = rest
                .find('>')
                .ok_or_else(|| format!("{}: <!DOCTYPE is not closed", at(rest)))?;
            if roots > 0 || rest[..end].contains('[') {
                return Err(format!("{}: a DOCTYPE this check cannot read", at(rest)));
            }
            rest = &rest[end + 1..];
        } else if rest.starts_with("<!") {
            return Err(format!(
                "{}: CDATA or declarations are not expected",
                at(rest)
            ));
        } else if let Some(close) = rest.strip_prefix("</") {
            let end = close
                .find('>')
                .ok_or_else(|| format!("{}: a tag is not closed", at(rest)))?;
            let name = close[..end].trim_end();
            match open.pop() {
                Some(o) if o == name => {}
                Some(o) => return Err(format!("{}: </{name}> closes <{o}>", at(rest))),
                None => return Err(format!("{}: </{name}> closes nothing", at(rest))),
            }
            rest = &close[end + 1..];
        } else {
            let mut quote = None;
            let mut end = None;
            for (i, c) in rest.char_indices().skip(1) {
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) if c == '<' => {
                        return Err(format!("{}: < in an attribute value", at(rest)));
                    }
                    Some(_) => {}
                    None if c == '\'' || c == '"' => quote = Some(c),
                    None if c == '>' => {
                        end = Some(i);
                        break;
                    }
                    None if c == '<' => return Err(format!("{}: < inside a tag", at(rest))),
                    None => {}
                }
            }
            let end = end.ok_or_else(|| format!("{}: a tag is not closed", at(rest)))?;
            let inside = &rest[1..end];
            let (inside, empty) = match inside.strip_suffix('/') {
                Some(inside) => (inside, true),
                None => (inside, false),
            };
            let element = parse_tag(inside).map_err(|e| format!("{}: {e}", at(rest)))?;
            if open.is_empty() {
                roots += 1;
                if roots > 1 {
                    return Err(format!("{}: a second root element", at(rest)));
                }
            }
            if !empty {
                open.push(element.name.clone());
            }
            elements.push(element);
            rest = &rest[end + 1..];
        }
    }
    if let Some(o) = open.last() {
        return Err(format!("<{o}> is not closed"));
    }
    if roots == 0 {
        return Err("no root element".into());
    }
    Ok(elements)
}

fn find<'a>(elements: &'a [Element], name: &str, attribute: &str, value: &str) -> &'a Element {
    elements
        .iter()
        .find(|e| e.name == name && e.get(attribute) == Some(value))
        .unwrap_or_else(|| panic!("no <{name} {attribute}='{value}'>"))
}

fn start_method(elements: &[Element]) -> Vec<String> {
    find(elements, "exec_method", "name", "start")
        .get("exec")
        .expect("the start method's exec")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_manifest_is_well_formed_and_runs_dscope_with_metrics() {
    let manifest = packaging(MANIFEST);
    let elements = xml_elements(&manifest).unwrap_or_else(|e| panic!("{MANIFEST}: {e}"));
    assert_eq!(elements[0].name, "service_bundle");
    assert_eq!(elements[0].get("type"), Some("manifest"));
    find(&elements, "service", "name", "application/dscope-metrics");

    let start = start_method(&elements);
    runs_dscope_with(&start, "--metrics", "%{config/metrics}").unwrap();
    assert!(start.iter().any(|w| w == "%{config/script}"), "{start:?}");

    let stop = find(&elements, "exec_method", "name", "stop");
    assert_eq!(stop.get("exec"), Some(":kill"));
    let timeout: u64 = stop.get("timeout_seconds").unwrap().parse().unwrap();
    assert!(timeout >= 30, "END needs time after the SIGTERM");

    assert_eq!(
        find(&elements, "propval", "name", "duration").get("value"),
        Some("child")
    );
    assert_eq!(
        find(&elements, "instance", "name", "default").get("enabled"),
        Some("false")
    );
    for (property, value) in [
        ("script", "/opt/local/etc/dscope/metrics.d"),
        ("metrics", "127.0.0.1:9464"),
        ("options", ""),
    ] {
        let propval = find(&elements, "propval", "name", property);
        assert_eq!(propval.get("type"), Some("astring"), "config/{property}");
        assert_eq!(propval.get("value"), Some(value), "config/{property}");
    }
    let privileges: BTreeSet<&str> = find(&elements, "method_credential", "user", "dscope")
        .get("privileges")
        .unwrap()
        .split(',')
        .collect();
    for needed in ["basic", "dtrace_kernel", "dtrace_proc", "dtrace_user"] {
        assert!(privileges.contains(needed), "{needed} in {privileges:?}");
    }
}

// ---- their options against `dscope run --help` ----

/// The `--long` options in `text`: `--` at the start of a word or after
/// `=` (`DSCOPE_OPTIONS=--alert`), then a letter (so `<!--`, `-->` and a
/// lone `--` are not options).
fn long_options(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("--") {
        let starts_word = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "\"'(=".contains(c));
        let name: String = text[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let name = name.trim_end_matches('-');
        if starts_word && name.starts_with(|c: char| c.is_ascii_lowercase()) {
            found.insert(format!("--{name}"));
        }
    }
    found
}

/// The `-x` options in `text`: a word that is only a dash and a letter.
fn short_options(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .map(|w| w.trim_start_matches(['(', '"', '\'']))
        .map(|w| w.trim_end_matches([',', ')', '"', '\'', ';', '.']))
        .filter(|w| {
            let b = w.as_bytes();
            b.len() == 2 && b[0] == b'-' && b[1].is_ascii_alphabetic()
        })
        .map(str::to_owned)
        .collect()
}

/// The options the two files give or name. In the unit that is every
/// line (ExecStart, the DSCOPE_OPTIONS examples, the comments) but those
/// that show another program's command line.
fn options_used() -> BTreeSet<String> {
    let unit = packaging(UNIT);
    let manifest = packaging(MANIFEST);
    let other_programs = ["systemctl", "install", "journalctl"];
    let mut used = BTreeSet::new();
    for line in unit.lines() {
        let first = line.trim_start_matches(['#', ';', ' ', '\t']);
        if other_programs.iter().any(|p| first.starts_with(p)) {
            continue;
        }
        used.extend(long_options(line));
        used.extend(short_options(line));
    }
    // The manifest's comments cannot hold `--`: its options are in the
    // start method (and anywhere else it would give one).
    let elements = xml_elements(&manifest).unwrap();
    used.extend(long_options(&manifest));
    used.extend(short_options(&start_method(&elements).join(" ")));
    used
}

/// The options of `used` that `help` does not define: clap starts each
/// option's line with it (`-q`, `--metrics <[ADDR:]PORT>`, `-h, --help`);
/// a mention in another option's text (`With --metrics: ...`) is none.
fn missing_from(help: &str, used: &BTreeSet<String>) -> Vec<String> {
    let defines = |line: &str, option: &str| {
        line.strip_prefix(option)
            .is_some_and(|after| after.is_empty() || after.starts_with([' ', ',']))
    };
    let listed = |option: &str| {
        help.lines().any(|line| {
            let line = line.trim_start();
            // `-h, --help`: the long name after the short one.
            let long = line
                .get(2..4)
                .filter(|&comma| line.starts_with('-') && comma == ", ")
                .map(|_| &line[4..]);
            defines(line, option) || long.is_some_and(|long| defines(long, option))
        })
    };
    used.iter().filter(|o| !listed(o)).cloned().collect()
}

#[test]
fn every_option_the_service_files_use_is_one_dscope_run_has() {
    let used = options_used();
    for expected in ["--metrics", "-q"] {
        assert!(used.contains(expected), "{expected} in {used:?}");
    }
    let help = run_help();
    let missing = missing_from(&help, &used);
    assert!(
        missing.is_empty(),
        "{UNIT} or {MANIFEST} use options that `dscope run --help` does not list: \
         {missing:?}\n\n{help}"
    );
}

// ---- the checks above can fail ----

#[test]
fn a_renamed_flag_is_caught() {
    let help = run_help();
    let used: BTreeSet<String> = ["--metrics", "--metrics-prefix", "-q"]
        .map(str::to_owned)
        .into();
    assert_eq!(missing_from(&help, &used), Vec::<String>::new());
    // `--metrics` renamed: `--metrics-prefix` and `--metrics-max-series`
    // still start with it, and must not count for it.
    let renamed = help.replace("--metrics ", "--prometheus ");
    assert_ne!(renamed, help, "the help lists --metrics");
    assert_eq!(missing_from(&renamed, &used), ["--metrics"]);
    assert_eq!(
        missing_from(&help, &["--no-such-flag".to_owned()].into()),
        ["--no-such-flag"]
    );
}

#[test]
fn bad_xml_is_caught() {
    for bad in [
        "<a><b></a></b>",
        "<a>",
        "<a></a><b/>",
        "<a x='1' x='2'/>",
        "<a x=1/>",
        "<a x='1'y='2'/>",
        "<a x='<'/>",
        "<a>&nbsp;</a>",
        "<a>&</a>",
        "<!-- a -- b --><a/>",
        "text<a/>",
        "</a>",
    ] {
        assert!(xml_elements(bad).is_err(), "{bad} passed");
    }
    let good =
        xml_elements("<?xml version='1.0'?><!-- c --><a x=\"&amp;\"><b y='2' /></a>").unwrap();
    assert_eq!(good[0].get("x"), Some("&"));
    assert_eq!(good[1].name, "b");
}

#[test]
fn options_are_found_where_they_are() {
    let found =
        long_options("<!-- x --> run -q --metrics 9464 -- 1 \"--alert\" a--b ---c O=--record");
    assert_eq!(
        found,
        ["--alert", "--metrics", "--record"]
            .map(str::to_owned)
            .into()
    );
    assert_eq!(
        short_options("run -q (-c cmd, -o FILE) -- -10 -xy"),
        ["-c", "-o", "-q"].map(str::to_owned).into()
    );
    assert!(
        runs_dscope_with(
            &["/usr/bin/dscope", "run", "--metric", "x"].map(str::to_owned),
            "--metrics",
            "x"
        )
        .is_err()
    );
}
