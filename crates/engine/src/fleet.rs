//! Several hosts' aggregations as one: the merged view of an aggregation
//! holds every host's rows with the host as the first key part. A fleet's
//! run (`session::fleet::FleetRun`) and an exchange's subscription merge
//! with it; the hosts file and the words a fleet says things in are here
//! too.

use crate::model::{Aggregation, KeyPart, Row, Snapshot, Value};
use std::path::Path;
use std::time::Duration;

/// Reads a `--hosts FILE`: one `[user@]host[:port]` a line; blank lines
/// and lines starting with `#` are skipped.
pub fn read_hosts_file(path: &Path) -> Result<Vec<String>, String> {
    use std::io::Read;
    // Thousands of hosts fit in far less; a larger file is not a list of
    // hosts (a device, a log named by mistake).
    const MAX_HOSTS_FILE: u64 = 1 << 20;
    let cannot =
        |e: &dyn std::fmt::Display| format!("cannot read the hosts file {}: {e}", path.display());
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_HOSTS_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > MAX_HOSTS_FILE {
        return Err(cannot(&format_args!(
            "it is larger than {} MiB",
            MAX_HOSTS_FILE >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| cannot(&"it is not UTF-8 text"))?;
    let hosts: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if hosts.is_empty() {
        return Err(format!("the hosts file {} names no host", path.display()));
    }
    Ok(hosts)
}

/// The aggregations of several hosts as one snapshot: each aggregation
/// (by name, in the order first seen) holds every host's rows, the host's
/// name as the first key part. Each host's rows come in the order its
/// libdtrace gave them (by value, then by key, as dtrace(1) prints them),
/// and the hosts' rows are merged by value, then by host: a fleet of one
/// host shows its rows in that host's order, and a row of equal value
/// goes where dtrace(1) would put it with the host as the first key. A
/// host whose aggregation of that name has another function (a different
/// script) is left out of it, and said in the returned problems.
pub fn merge(hosts: &[(&str, &Snapshot)]) -> (Snapshot, Vec<String>) {
    // A host's place among the names sorted stands for its name, which is
    // the first key part.
    let mut by_name: Vec<usize> = (0..hosts.len()).collect();
    by_name.sort_by(|&a, &b| hosts[a].0.cmp(hosts[b].0));
    let mut rank = vec![0usize; hosts.len()];
    for (place, &h) in by_name.iter().enumerate() {
        // One name given twice is one place.
        rank[h] = match place.checked_sub(1).map(|p| by_name[p]) {
            Some(before) if hosts[before].0 == hosts[h].0 => rank[before],
            _ => place,
        };
    }
    // Each aggregation's rows, as (host, that host's rows in order).
    type Sources<'a> = Vec<(usize, &'a [Row])>;
    let mut merged: Vec<(Aggregation, Sources)> = Vec::new();
    let mut problems = Vec::new();
    for (h, (host, snap)) in hosts.iter().enumerate() {
        for agg in &snap.aggregations {
            let (into, sources) = match merged.iter_mut().find(|(m, _)| m.name == agg.name) {
                Some((m, sources)) => (m, sources),
                None => {
                    merged.push((
                        Aggregation {
                            id: agg.id,
                            name: agg.name.clone(),
                            function: agg.function,
                            // A string key part's size is not used.
                            key_sizes: std::iter::once(0)
                                .chain(agg.key_sizes.iter().copied())
                                .collect(),
                            rows: Vec::new(),
                        },
                        Vec::new(),
                    ));
                    let (m, sources) = merged.last_mut().expect("just pushed");
                    (m, sources)
                }
            };
            if into.function != agg.function {
                problems.push(format!(
                    "{host}: @{} is {} there and {} on the first host; left out of the merge",
                    agg.name,
                    agg.function.name(),
                    into.function.name()
                ));
                continue;
            }
            sources.push((h, &agg.rows));
        }
    }
    let aggregations = merged
        .into_iter()
        .map(|(mut agg, sources)| {
            agg.rows = merge_ordered(&sources, &rank, hosts);
            agg
        })
        .collect();
    (Snapshot { aggregations }, problems)
}

/// Merges each host's ordered rows (a k-way merge on a heap: a large
/// fleet costs rows × log hosts, benches/merge.rs), cloning each row once
/// with its host's name in front.
fn merge_ordered(
    sources: &[(usize, &[Row])],
    rank: &[usize],
    hosts: &[(&str, &Snapshot)],
) -> Vec<Row> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let head = |s: usize, at: usize| {
        let (h, rows) = sources[s];
        rows.get(at)
            .map(|r| Reverse((OrderValue::of(&r.value), rank[h], s, at)))
    };
    let mut heap: BinaryHeap<_> = (0..sources.len()).filter_map(|s| head(s, 0)).collect();
    let mut out = Vec::with_capacity(sources.iter().map(|(_, r)| r.len()).sum());
    while let Some(Reverse((_, _, s, at))) = heap.pop() {
        let (h, rows) = sources[s];
        let r = &rows[at];
        let mut key = Vec::with_capacity(r.key.len() + 1);
        key.push(KeyPart::Str(hosts[h].0.to_owned()));
        key.extend(r.key.iter().cloned());
        out.push(Row {
            key,
            value: r.value.clone(),
        });
        if let Some(next) = head(s, at + 1) {
            heap.push(next);
        }
    }
    out
}

/// A row's value as libdtrace orders values (`dt_aggregate_valcmp`): the
/// number itself, or a distribution's sum of each bucket's value times its
/// count, then its count at zero.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderValue {
    scalar: i128,
    weight: f64,
    zero: i64,
}

impl OrderValue {
    fn of(v: &Value) -> OrderValue {
        match v {
            Value::Number(n) => OrderValue {
                scalar: i128::from(*n),
                weight: 0.0,
                zero: 0,
            },
            Value::Buckets(buckets) => OrderValue {
                scalar: 0,
                weight: buckets
                    .iter()
                    .map(|b| bucket_value(b) as f64 * b.count as f64)
                    .sum(),
                zero: buckets
                    .iter()
                    .find(|b| b.min == Some(0) && b.max == Some(0))
                    .map_or(0, |b| b.count),
            },
        }
    }
}

impl Eq for OrderValue {}

impl PartialOrd for OrderValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.scalar
            .cmp(&other.scalar)
            .then(self.weight.total_cmp(&other.weight))
            .then(self.zero.cmp(&other.zero))
    }
}

/// The value libdtrace gives a bucket when it weighs a distribution: its
/// bound nearest zero (the label's number).
fn bucket_value(b: &crate::model::Bucket) -> i64 {
    match (b.min, b.max) {
        (Some(_), Some(hi)) if hi < 0 => hi,
        (Some(lo), _) => lo,
        (None, Some(hi)) => hi,
        (None, None) => 0,
    }
}

/// How often a merged snapshot is made at most, for a fleet session and
/// a subscription alike: each source sends its own at moments of its own.
pub const MERGE_EVERY: Duration = Duration::from_millis(200);

/// When to merge the latest snapshots of sources that each send their
/// own at moments of their own (a fleet's hosts, an exchange's
/// publishers): again once one changed, but at most every `every`; and
/// each problem of the merge said once.
#[derive(Debug)]
pub struct Merges {
    every: Duration,
    changed: bool,
    merged_at: Option<std::time::Instant>,
    said: Vec<String>,
}

impl Merges {
    pub fn new(every: Duration) -> Merges {
        Merges {
            every,
            changed: false,
            merged_at: None,
            said: Vec::new(),
        }
    }

    /// A source sent a new snapshot.
    pub fn changed(&mut self) {
        self.changed = true;
    }

    /// How long until a merge is due: `None` when nothing changed.
    pub fn due_in(&self) -> Option<Duration> {
        if !self.changed {
            return None;
        }
        Some(
            self.merged_at
                .map_or(Duration::ZERO, |t| self.every.saturating_sub(t.elapsed())),
        )
    }

    /// The merge of `sources` and the problems of it not said before.
    pub fn merge(&mut self, sources: &[(&str, &Snapshot)]) -> (Snapshot, Vec<String>) {
        let (merged, problems) = merge(sources);
        let new: Vec<String> = problems
            .into_iter()
            .filter(|p| !self.said.contains(p))
            .collect();
        self.said.extend(new.iter().cloned());
        self.changed = false;
        self.merged_at = Some(std::time::Instant::now());
        (merged, new)
    }
}

/// Output of `host` with `HOST: ` before each of its lines (an empty
/// line too, so that every line says whose it is).
pub fn with_host(host: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + host.len() + 2);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(host);
        out.push_str(": ");
        out.push_str(line);
    }
    out
}

/// A host's message as a fleet says it: `HOST: message`, libdtrace's own
/// `dtrace: ` in front left out.
pub fn host_message(host: &str, message: &str) -> String {
    format!("{host}: {}", message.trim_start_matches("dtrace: "))
}

/// `2 of 16 hosts failed: web2, db1`; `None` when none did.
pub fn failed_summary(failed: &[&str], hosts: usize) -> Option<String> {
    (!failed.is_empty()).then(|| {
        format!(
            "{} of {hosts} hosts failed: {}",
            failed.len(),
            failed.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    #[test]
    fn merging_puts_the_host_first_and_orders_rows_by_value_then_key() {
        // Each host's rows in the order its libdtrace gives them.
        let a = fixtures::counts(&[("sshd", 2), ("bash", 5)]);
        let b = fixtures::counts(&[("bash", 2), ("cron", 9)]);
        let (merged, problems) = merge(&[("a", &a), ("b", &b)]);
        assert!(problems.is_empty());
        let agg = &merged.aggregations[0];
        let rows: Vec<(String, i64)> = agg
            .rows
            .iter()
            .map(|r| {
                (
                    crate::model::key_label(&r.key),
                    r.value.as_number().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("a, sshd".to_owned(), 2),
                ("b, bash".to_owned(), 2),
                ("a, bash".to_owned(), 5),
                ("b, cron".to_owned(), 9)
            ]
        );
        assert_eq!(agg.key_sizes.len(), a.aggregations[0].key_sizes.len() + 1);
        // Summed over the hosts, the merge holds what the hosts hold.
        let total: i64 = rows.iter().map(|r| r.1).sum();
        assert_eq!(total, 5 + 2 + 2 + 9);
    }

    #[test]
    fn the_merge_orders_as_if_the_host_were_an_ordinary_first_key_part() {
        // Names out of order, one given twice, and many ties of value.
        let names = ["web2", "web10", "web1", "web2", "db"];
        let snaps: Vec<Snapshot> = (0..names.len())
            .map(|h| {
                let rows: Vec<(String, i64)> = (0..40)
                    .map(|i| {
                        (
                            format!("p{}", (i * 7 + h) % 13),
                            ((i * 5 + h * 3) % 4) as i64,
                        )
                    })
                    .collect();
                let rows: Vec<(&str, i64)> = rows.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                let mut snap = fixtures::counts(&rows);
                // In the order a host's libdtrace gives them.
                snap.aggregations[0].rows.sort_by(|a, b| {
                    OrderValue::of(&a.value)
                        .cmp(&OrderValue::of(&b.value))
                        .then_with(|| a.key.cmp(&b.key))
                });
                snap
            })
            .collect();
        let sources: Vec<(&str, &Snapshot)> = names.iter().copied().zip(&snaps).collect();
        let (merged, _) = merge(&sources);
        let mut expected: Vec<Row> = sources
            .iter()
            .flat_map(|(host, snap)| {
                snap.aggregations[0].rows.iter().map(|r| Row {
                    key: std::iter::once(KeyPart::Str((*host).to_owned()))
                        .chain(r.key.iter().cloned())
                        .collect(),
                    value: r.value.clone(),
                })
            })
            .collect();
        // By value, then host; a name given twice keeps its sources'
        // order (the sort is stable), each in its libdtrace's order.
        expected.sort_by(|a, b| {
            OrderValue::of(&a.value)
                .cmp(&OrderValue::of(&b.value))
                .then_with(|| a.key[0].cmp(&b.key[0]))
        });
        assert_eq!(merged.aggregations[0].rows, expected);
    }

    #[test]
    fn merges_wait_for_a_change_and_their_interval_and_say_a_problem_once() {
        let mut m = Merges::new(Duration::from_secs(3600));
        assert_eq!(m.due_in(), None);
        m.changed();
        assert_eq!(m.due_in(), Some(Duration::ZERO));
        let a = fixtures::counts(&[("k", 1)]);
        let mut b = fixtures::quantized(vec![]);
        b.aggregations[0].name = "n".into();
        let (_, said) = m.merge(&[("a", &a), ("b", &b)]);
        assert_eq!(said.len(), 1);
        assert_eq!(m.due_in(), None);
        m.changed();
        assert!(m.due_in().is_some_and(|d| d > Duration::from_secs(3500)));
        let (_, said) = m.merge(&[("a", &a), ("b", &b)]);
        assert!(said.is_empty(), "{said:?}");
    }

    #[test]
    fn an_aggregation_of_another_function_on_a_host_is_left_out_and_said() {
        let a = fixtures::counts(&[("k", 1)]);
        let mut b = fixtures::quantized(vec![crate::model::Bucket {
            label: "1".into(),
            min: Some(1),
            max: Some(1),
            count: 3,
            raw: None,
        }]);
        b.aggregations[0].name = "n".into();
        let (merged, problems) = merge(&[("a", &a), ("b", &b)]);
        assert_eq!(merged.aggregations[0].rows.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("b: @n is quantize there"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_text_of_a_merge_is_dtraces_with_the_host_column_first() {
        let a = fixtures::counts(&[("bash", 5)]);
        let (merged, _) = merge(&[("web1", &a)]);
        let text = merged.to_dtrace_text();
        assert_eq!(
            text,
            format!("  {:<50}  {:<50} {:>16}\n", "web1", "bash", 5)
        );
    }

    #[test]
    fn every_output_line_says_its_host_the_empty_ones_too() {
        assert_eq!(with_host("web1", "a\n\nb"), "web1: a\nweb1: \nweb1: b");
        assert_eq!(with_host("web1", ""), "web1: ");
    }

    #[test]
    fn the_hosts_file_skips_blank_lines_and_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts");
        std::fs::write(&path, "# web tier\nweb1\n\n  root@web2:2222  \n").unwrap();
        assert_eq!(read_hosts_file(&path).unwrap(), ["web1", "root@web2:2222"]);
        std::fs::write(&path, "# none\n").unwrap();
        assert!(
            read_hosts_file(&path)
                .unwrap_err()
                .contains("names no host")
        );
        let missing = dir.path().join("nope");
        assert!(
            read_hosts_file(&missing)
                .unwrap_err()
                .contains("cannot read the hosts file")
        );
    }
}
