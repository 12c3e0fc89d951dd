//! `dscope run` on several hosts: the fleet runner's events said as
//! dtrace(1) would say them, each host's with its name, and a JSON report
//! of every host's run and the merge.

use super::Output;
use crate::amqp::Message;
use crate::fleet::{host_message, with_host};
use crate::job::{
    DropReport, EXIT_CANNOT, EXIT_OK, EXIT_SCRIPT_ERRORS, Format, Request, RunReport,
};
use crate::metrics::{Exporter, MetricsSink};
use crate::model::{Aggregation, RunEnd, Snapshot};
use crate::remote::Endpoint;
use crate::session::fleet::{FleetRun, Member};
use crate::session::{Event, Script};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Whether `source` sets the quiet option with a pragma, which (like
/// -q) keeps dtrace(1) from saying how many probes matched. Here, where
/// the script is not compiled, the pragma is read from the text.
fn pragma_quiet(source: &str) -> bool {
    crate::lang::complete::pragma_options(source, "quiet")
        .any(|(_, value)| value.is_none_or(|v| v == "set"))
}

/// One host's part in a fleet run, as `--format json` gives it.
#[derive(Debug, serde::Serialize)]
pub struct HostReport {
    pub host: String,
    /// Why the host did not run the script to its end (could not connect,
    /// no dscope there, the script failed there, the connection dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    #[serde(flatten)]
    pub run: RunReport,
}

/// What `dscope run --host A --host B --format json` prints.
#[derive(Debug, serde::Serialize)]
pub struct FleetReport {
    pub hosts: Vec<HostReport>,
    /// Every host's aggregations merged, the host as the first key part.
    pub aggregations: Vec<Aggregation>,
}

/// The script the hosts run ([`Request::script`]): a process id names a
/// process on one machine, so `-p` is refused.
fn fleet_script(request: &Request) -> Result<Script, String> {
    if !request.pids.is_empty() {
        return Err(
            "-p does not go with several hosts: a process id names a process on one machine".into(),
        );
    }
    request.script()
}

/// How often the hosts send their aggregations: a host that drops out
/// keeps what it sent last.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(1);

/// What the command line keeps of one host's run.
struct Host {
    report: RunReport,
    /// The exit status this host's run gives, once it has ended.
    code: Option<u8>,
}

/// `dscope run` on every host of `hosts` at once, for `output`'s
/// duration, in its format, publishing each host's snapshots where it
/// says (its file and recording are not for fleets). Text: each output line
/// as `HOST: line` on stdout, messages as `dscope: HOST: ...` on stderr,
/// then the merged aggregations as dtrace(1) prints aggregations. JSON:
/// one [`FleetReport`]. SIGINT stops every host's run (END runs there and
/// the last aggregations arrive); a second one ends at once. The exit
/// status is the highest any host's run gave (0 when all ended well; 2
/// when none could run).
pub fn run(
    hosts: &[Endpoint],
    request: &Request,
    output: &Output,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let script = match fleet_script(request) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_SCRIPT_ERRORS;
        }
    };
    // Each host's snapshots go out under its own name, as if it had
    // published them itself.
    let mut publisher = match &output.publish {
        Some(address) => match crate::amqp::Publisher::connect(address) {
            Ok(p) => Some(p),
            Err(e) => {
                let _ = writeln!(err, "dscope: {e}");
                return EXIT_CANNOT;
            }
        },
        None => None,
    };
    let exporter = match serve_metrics(output, &script.source, err) {
        Ok(e) => e,
        Err(code) => return code,
    };
    // Each host's, made at its first snapshot, under the name its
    // messages use.
    let mut metrics: Vec<Option<MetricsSink>> = hosts.iter().map(|_| None).collect();
    let json = output.format == Format::Json;
    let quiet = request.quiet
        || pragma_quiet(&script.source)
        || script
            .options
            .iter()
            .any(|(n, v)| n == "quiet" && v.as_deref().is_none_or(|v| v == "set"));
    let mut members: Vec<Member> = hosts
        .iter()
        .map(|at| Member::new(at.clone(), None))
        .collect();
    let mut kept: Vec<Host> = members
        .iter()
        .map(|_| Host {
            report: RunReport {
                script: script.name.clone(),
                ..RunReport::default()
            },
            code: None,
        })
        .collect();
    let mut merged = Snapshot::default();
    crate::dtrace::signals::install();
    let mut fleet = FleetRun::start(&mut members, &script, output.duration, SNAPSHOT_EVERY, None);
    let mut started: Vec<Option<std::time::Instant>> = vec![None; members.len()];
    loop {
        if crate::dtrace::signals::ABORT.load(Ordering::SeqCst) {
            for (m, h) in members.iter_mut().zip(&mut kept) {
                if !m.run.done() {
                    m.run.failed = Some("ended by a second interrupt before it stopped".into());
                    h.code = Some(EXIT_SCRIPT_ERRORS);
                }
            }
            break;
        }
        let stop = crate::dtrace::signals::STOP.load(Ordering::SeqCst);
        let (ended, any) = fleet.turn(&mut members, stop, &mut |from, event| {
            let Some((i, host)) = from else {
                match event {
                    Event::Snapshot(s) => merged = s.clone(),
                    Event::Problem(p) => {
                        let _ = writeln!(err, "dscope: {p}");
                    }
                    _ => {}
                }
                return true;
            };
            if let Event::Started { .. } = event {
                started[i] = Some(std::time::Instant::now());
            }
            let t = started[i].map_or(0.0, |s| s.elapsed().as_secs_f64());
            if let (Some(e), Event::Snapshot(s)) = (&exporter, event) {
                metrics_of(e, &mut metrics[i], host).snapshot(s);
            }
            if let (Some(p), Event::Snapshot(_)) = (&mut publisher, event)
                && let Some(message) = Message::of_event(host, &script.name, t, event)
                && let Err(e) = p.publish(&message)
            {
                let _ = writeln!(err, "dscope: {e}; the run goes on without publishing");
                publisher = None;
            }
            say(host, &mut kept[i], event, json, quiet, out, err);
            true
        });
        if ended {
            break;
        }
        if !any {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    if let Some(p) = publisher {
        publish_ends(p, &members, &started, &script.name, err);
    }
    let code = exit_code(&members, &kept);
    if json {
        if let Err(failed) = print_report(members, kept, merged, out, err) {
            return failed;
        }
    } else {
        for agg in &merged.aggregations {
            let _ = write!(out, "\n{}", agg.to_dtrace_text());
        }
    }
    let _ = out.flush();
    code
}

/// The highest exit status any host's run gave (0 when all ended well;
/// at least 2 when none could run).
fn exit_code(members: &[Member], kept: &[Host]) -> u8 {
    let all_failed = members.iter().all(|m| m.run.failed.is_some());
    let worst = kept.iter().filter_map(|h| h.code).max();
    if all_failed {
        worst.unwrap_or(EXIT_CANNOT).max(EXIT_SCRIPT_ERRORS)
    } else {
        worst.unwrap_or(EXIT_OK)
    }
}

/// The /metrics endpoint `output` asks for, said on `err`; the exit
/// status when it cannot be served.
fn serve_metrics<'o>(
    output: &'o Output,
    source: &str,
    err: &mut dyn Write,
) -> Result<Option<(&'o crate::metrics::Settings, Arc<Exporter>)>, u8> {
    let Some(settings) = &output.metrics else {
        return Ok(None);
    };
    match settings.serve(source) {
        Ok(e) => {
            let _ = writeln!(
                err,
                "dscope: serving the aggregations at http://{}/metrics",
                e.address()
            );
            Ok(Some((settings, e)))
        }
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            Err(EXIT_CANNOT)
        }
    }
}

/// A host's metrics sink, made at its first snapshot.
fn metrics_of<'m>(
    (settings, exporter): &(&crate::metrics::Settings, Arc<Exporter>),
    kept: &'m mut Option<MetricsSink>,
    host: &str,
) -> &'m mut MetricsSink {
    kept.get_or_insert_with(|| {
        let named = host.to_owned();
        let warn = Box::new(move |m: String| eprintln!("dscope: {named}: {m}"));
        settings.sink(exporter, Some(host.to_owned()), warn)
    })
}

/// Each host's end, published under its name.
fn publish_ends(
    mut p: crate::amqp::Publisher,
    members: &[Member],
    started: &[Option<std::time::Instant>],
    script: &str,
    err: &mut dyn Write,
) {
    for (i, m) in members.iter().enumerate() {
        // A host that failed on the way ended with a failure, whatever
        // its run said last.
        let finish = match &m.run.failed {
            Some(why) => Err(why.clone()),
            None => m.run.end.clone().unwrap_or_else(|| Err("ended".into())),
        };
        let t = started[i].map_or(0.0, |s| s.elapsed().as_secs_f64());
        let Some(message) = Message::of_event(&m.name, script, t, &Event::Finished(finish)) else {
            continue;
        };
        if let Err(e) = p.publish(&message) {
            let _ = writeln!(err, "dscope: {e}");
            break;
        }
    }
    p.close();
}

/// The fleet's JSON document: each host's run and the merge.
fn print_report(
    members: Vec<Member>,
    kept: Vec<Host>,
    merged: Snapshot,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), u8> {
    let report = FleetReport {
        aggregations: merged.aggregations,
        hosts: members
            .into_iter()
            .zip(kept)
            .map(|(m, h)| {
                let mut run = h.report;
                run.aggregations = m.run.last.map(|s| s.aggregations).unwrap_or_default();
                HostReport {
                    host: m.name,
                    failed: m.run.failed,
                    run,
                }
            })
            .collect(),
    };
    crate::job::print_json(&report, out, err)
}

/// Says one host's event as `dscope run` says a run's, with the host's
/// name, and keeps it for the host's report.
fn say(
    host: &str,
    h: &mut Host,
    event: &Event,
    json: bool,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    match event {
        Event::Output(text) if json => h.report.output.push(text.clone()),
        Event::Output(text) => {
            let _ = writeln!(out, "{}", with_host(host, text));
        }
        Event::Started { matches } => {
            h.report.matched_probes = *matches;
            if !quiet {
                let s = if *matches == 1 { "" } else { "s" };
                let _ = writeln!(
                    err,
                    "dscope: {host}: {} matched {matches} probe{s}",
                    h.report.script
                );
            }
        }
        Event::RuntimeError(msg) | Event::Problem(msg) => {
            let _ = writeln!(err, "dscope: {}", host_message(host, msg));
            h.report.errors.push(msg.clone());
        }
        Event::Notice(msg) => {
            if !quiet {
                let _ = writeln!(err, "dscope: {}", host_message(host, msg));
            }
        }
        Event::Drop { count, message } => {
            let _ = writeln!(err, "dscope: {}", host_message(host, message));
            h.report.drops.push(DropReport {
                count: *count,
                message: message.clone(),
            });
        }
        Event::Diagnostics(diagnostics) => {
            let script = Path::new(&h.report.script);
            for d in diagnostics {
                let line = crate::job::format_diagnostic(script, d);
                let _ = writeln!(err, "dscope: {host}: {line}");
                h.report.errors.push(line);
            }
            h.code = Some(EXIT_SCRIPT_ERRORS);
        }
        Event::Failed(msg) => {
            let _ = writeln!(err, "dscope: {host}: {msg}");
            h.report.errors.push(msg.clone());
            h.code = Some(EXIT_CANNOT);
        }
        Event::Finished(reason) => {
            h.report.finish = reason.as_ref().ok().copied();
            let code = match reason {
                Ok(RunEnd::Exited { status }) => crate::job::exit_code(*status),
                // Said already, when it failed with a diagnostic or a
                // failure of its own.
                Err(_) if h.code.is_some() => EXIT_OK,
                Err(msg) => {
                    let _ = writeln!(err, "dscope: {host}: {msg}");
                    h.report.errors.push(msg.clone());
                    EXIT_SCRIPT_ERRORS
                }
                _ => EXIT_OK,
            };
            h.code = Some(h.code.map_or(code, |c| c.max(code)));
        }
        // A member's own snapshot interval: the merge keeps its own; its
        // snapshots are kept by the runner.
        Event::Enabling { .. }
        | Event::Stopping
        | Event::Snapshot(_)
        | Event::Pace { .. }
        | Event::Checked { .. }
        | Event::SnapshotChanges(_)
        | Event::Probes(_)
        | Event::ProbeArgs { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Target;

    #[test]
    fn a_quiet_pragma_is_read_from_the_text() {
        assert!(pragma_quiet("#pragma D option quiet\nBEGIN {}"));
        assert!(pragma_quiet("  #pragma  D option quiet=set"));
        assert!(!pragma_quiet(
            "#pragma D option flowindent\n/* #pragma D option quiet */"
        ));
    }

    #[test]
    fn the_fleet_script_is_the_requests_and_refuses_a_pid() {
        let request = Request {
            probes: vec!["BEGIN { x = 1; }".into(), "syscall::read:entry".into()],
            options: vec!["bufsize=1m".into()],
            quiet: true,
            commands: vec!["ls".into()],
            ..Request::default()
        };
        let s = fleet_script(&request).unwrap();
        assert_eq!(s, request.script().unwrap());
        assert_eq!(s.probes, request.probes);
        assert_eq!(
            s.options,
            [
                ("quiet".to_owned(), None),
                ("bufsize".to_owned(), Some("1m".to_owned()))
            ]
        );
        assert_eq!(s.targets, [Target::Command("ls".into())]);
        let pid = Request {
            pids: vec!["12".into()],
            ..request
        };
        assert!(fleet_script(&pid).unwrap_err().contains("-p does not go"));
    }
}
