//! `--host`: a subcommand run on another machine through the system's
//! OpenSSH client ([`dscope_engine::remote`]), printing there what it
//! prints here. The script itself is read locally and sent over ssh's
//! standard input; the command string checks the remote dscope first.
//!
//! A remote `run` is given `--until-stdin-closes`: it stops (END runs, the
//! probes are disabled) when ssh's standard input closes, which happens
//! when this process ends for any reason, including SIGKILL, or when the
//! connection drops. Ctrl-C reaches ssh too (same process group), so ssh
//! is started with SIGINT ignored; this process then closes ssh's input
//! on the first Ctrl-C, so that the remote run stops as a local one does
//! and its END output and aggregations still arrive, and kills ssh on the
//! second.

use crate::job::{EXIT_CANNOT, EXIT_SCRIPT_ERRORS, Format, Request};
use crate::lines::{BoundedLines, Line, Long, MAX_TEXT};
use crate::remote::*;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The subcommand to run on the host, as parsed locally.
#[derive(Debug, Clone)]
pub enum Remote<'a> {
    Check(&'a Request),
    Run {
        request: &'a Request,
        duration: Option<f64>,
        format: Format,
        /// `--publish`, as given: the host publishes.
        publish: Option<&'a str>,
    },
    Probes {
        pattern: Option<&'a str>,
        verbose: bool,
    },
    Doctor,
}

/// The script to send: its name for messages and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub name: String,
    pub text: String,
}

/// `-FLAG=VALUE` keeps a value that starts with `-` a value.
fn option(args: &mut Vec<String>, flag: &str, values: &[String]) {
    for v in values {
        args.push(format!("{flag}={v}"));
    }
}

fn request_args(args: &mut Vec<String>, request: &Request, script: Option<&Script>) {
    if let Some(s) = script {
        args.push("--script-name".into());
        args.push(s.name.clone());
        args.push("--script-bytes".into());
        args.push(s.text.len().to_string());
        args.push("-s".into());
        args.push("-".into());
    }
    option(args, "-n", &request.probes);
    option(args, "-x", &request.options);
    for (on, flag) in [
        (request.quiet, "-q"),
        (request.destructive, "-w"),
        (request.zdefs, "-Z"),
    ] {
        if on {
            args.push(flag.into());
        }
    }
    option(args, "-c", &request.commands);
    option(args, "-p", &request.pids);
    if !request.args.is_empty() {
        args.push("--".into());
        args.extend(request.args.iter().cloned());
    }
}

/// The remote dscope's arguments for `what`, the script (if any) coming
/// from standard input.
pub fn remote_args(what: &Remote, script: Option<&Script>) -> Vec<String> {
    let mut args = Vec::new();
    match what {
        Remote::Check(request) => {
            args.push("check".into());
            request_args(&mut args, request, script);
        }
        Remote::Run {
            request,
            duration,
            format,
            publish,
        } => {
            args.push("run".into());
            args.push("--until-stdin-closes".into());
            // The address may hold a password: it goes on standard input,
            // ahead of the script, not on the host's command line.
            if let Some(url) = publish {
                args.push(format!("--publish-bytes={}", url.len()));
            }
            if let Some(d) = duration {
                args.push(format!("--duration={d}"));
            }
            if *format == Format::Json {
                args.push("--format=json".into());
            }
            request_args(&mut args, request, script);
        }
        Remote::Probes { pattern, verbose } => {
            args.push("probes".into());
            if *verbose {
                args.push("-v".into());
            }
            if let Some(p) = pattern {
                args.push("--".into());
                args.push(p.to_string());
            }
        }
        Remote::Doctor => args.push("doctor".into()),
    }
    args
}

/// Reads a script that comes on standard input (`-` as the script file):
/// the first `bytes` bytes, or all of it. Errors name `name` as a file
/// error would.
pub fn script_from_stdin(name: &str, bytes: Option<u64>) -> Result<String, String> {
    let path = std::path::Path::new(name);
    let mut data = Vec::new();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let read = match bytes {
        Some(n) => Read::by_ref(&mut input).take(n).read_to_end(&mut data),
        None => Read::by_ref(&mut input)
            .take(crate::files::MAX_FILE_BYTES + 1)
            .read_to_end(&mut data),
    };
    if let Err(e) = read {
        return Err(format!("cannot read {name} from standard input: {e}"));
    }
    if bytes.is_some_and(|n| data.len() as u64 != n) {
        return Err(format!("{name}: standard input ended inside the script"));
    }
    if data.len() as u64 > crate::files::MAX_FILE_BYTES {
        return Err(format!("{name}: too large for a D script"));
    }
    crate::files::decode(path, data).map_err(|e| e.to_string())
}

/// Runs `what` on `host` and prints what it prints there; returns its exit
/// status, or [`EXIT_CANNOT`] with a message when it could not run there.
/// With `prefix`, each line it prints (on stdout and stderr alike) starts
/// with `PREFIX: `, so that several hosts' lines can share a terminal.
pub fn run(
    host_text: &str,
    program: &str,
    what: &Remote,
    err: &mut dyn Write,
    prefix: Option<&str>,
) -> u8 {
    let host = match Host::parse(host_text) {
        Ok(h) => h,
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_CANNOT;
        }
    };
    let script = match local_script(what) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_SCRIPT_ERRORS;
        }
    };
    let command = command_string(program, &remote_args(what, script.as_ref()));
    let config = ssh_config_from_env();
    let stderr = match prefix {
        Some(_) => Stdio::piped(),
        None => Stdio::inherit(),
    };
    let mut child = match spawn_ssh(&host, config.as_deref(), &[], &command, stderr) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "dscope: cannot start ssh: {e}");
            return EXIT_CANNOT;
        }
    };
    let mut stdin = child.stdin.take();
    if let (
        Some(input),
        Remote::Run {
            publish: Some(url), ..
        },
    ) = (stdin.as_mut(), what)
    {
        // A failure here means ssh has already gone; its status says why.
        let _ = input.write_all(url.as_bytes());
    }
    if let (Some(input), Some(s)) = (stdin.as_mut(), &script) {
        let _ = input.write_all(s.text.as_bytes());
    }
    if let Some(input) = stdin.as_mut() {
        let _ = input.flush();
    }
    let err_copier = child.stderr.take().map(|from| {
        let prefix = prefix.unwrap_or_default().to_owned();
        std::thread::spawn(move || {
            copy_lines(
                std::io::BufReader::new(from),
                &prefix,
                &mut std::io::stderr(),
            )
        })
    });
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let copier = child.stdout.take().map(|out| {
        let prefix = prefix.map(str::to_owned);
        let answered = answered.clone();
        std::thread::spawn(move || copy_output(out, prefix.as_deref(), &answered))
    });
    crate::dtrace::signals::install();
    let started = std::time::Instant::now();
    let wait = answer_wait();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if !answered.load(Ordering::SeqCst) && started.elapsed() > wait {
            let _ = child.kill();
            let _ = child.wait();
            let _ = writeln!(err, "dscope: {}", no_answer(&host.destination, wait));
            return EXIT_CANNOT;
        }
        if crate::dtrace::signals::ABORT.load(Ordering::SeqCst) {
            let _ = child.kill();
            break child.wait().ok();
        }
        if crate::dtrace::signals::STOP.load(Ordering::SeqCst) {
            // Closing ssh's input is what stops the remote run.
            stdin = None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    let header = copier.and_then(|c| c.join().ok()).flatten();
    if let Some(c) = err_copier {
        let _ = c.join();
    }
    exit_status(
        &host.destination,
        header,
        status.and_then(|s| s.code()),
        err,
    )
}

/// The exit status of a run on host `name`, from the header line (`None`
/// when none came) and ssh's status; says what went wrong there.
fn exit_status(name: &str, header: Option<String>, code: Option<i32>, err: &mut dyn Write) -> u8 {
    if let Some(problem) = header_problem(name, header.as_deref(), code, None) {
        let _ = writeln!(err, "dscope: {problem}");
        return EXIT_CANNOT;
    }
    match header.as_deref() {
        Some(_) if code == Some(SSH_FAILED) => {
            // The remote dscope never exits 255 by itself except for a
            // script's exit(255); a dropped connection does too.
            let _ = writeln!(
                err,
                "dscope: ssh to {name} ended with status 255: the connection dropped, \
                 or the script exited with 255"
            );
            255
        }
        _ => match code {
            Some(c) => (c & 0xff) as u8,
            // Killed by a signal: by the second Ctrl-C, most often.
            None => EXIT_SCRIPT_ERRORS,
        },
    }
}

/// The script of `what`, read here so that its errors name the local
/// file exactly as a local run's do.
fn local_script(what: &Remote) -> Result<Option<Script>, String> {
    let (Remote::Check(r) | Remote::Run { request: r, .. }) = what else {
        return Ok(None);
    };
    let Some(path) = &r.script else {
        return Ok(None);
    };
    let text = match &r.script_text {
        Some(text) => text.clone(),
        None => crate::files::load(path).map_err(|e| e.to_string())?.text,
    };
    Ok(Some(Script {
        name: path.display().to_string(),
        text,
    }))
}

/// Copies what the remote dscope prints to this one's standard output,
/// after the header line (which it returns): as it comes, or a line at a
/// time with `PREFIX: ` in front. `answered` is set once the header came.
fn copy_output(
    out: std::process::ChildStdout,
    prefix: Option<&str>,
    answered: &std::sync::atomic::AtomicBool,
) -> Option<String> {
    let mut reader = std::io::BufReader::new(out);
    let header = read_header(&mut reader);
    answered.store(true, Ordering::SeqCst);
    match prefix {
        Some(p) => copy_lines(reader, p, &mut std::io::stdout()),
        None => {
            let mut stdout = std::io::stdout();
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if stdout.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        let _ = stdout.flush();
                    }
                }
            }
        }
    }
    header
}

/// Copies `from` to `to` a line at a time, each line starting with
/// `PREFIX: ` and written whole, so lines of several hosts do not mix. A
/// line longer than [`MAX_TEXT`] comes in pieces, each its own line.
fn copy_lines(from: impl BufRead, prefix: &str, to: &mut impl Write) {
    for line in BoundedLines::new(from, MAX_TEXT, Long::Split) {
        let Line::Text(line) = line else { continue };
        if writeln!(to, "{prefix}: {line}").is_err() {
            break;
        }
        let _ = to.flush();
    }
}

/// Runs `what` on every host in `hosts` at once, each line printed with
/// its host in front; the exit status is the highest any host gave.
pub fn run_each(hosts: &[String], program: &str, what: &Remote) -> u8 {
    std::thread::scope(|scope| {
        let runs: Vec<_> = hosts
            .iter()
            .map(|h| {
                scope.spawn(move || {
                    let mut said = Vec::new();
                    let code = run(h, program, what, &mut said, Some(h));
                    copy_lines(said.as_slice(), h, &mut std::io::stderr());
                    code
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap_or(EXIT_CANNOT))
            .max()
            .unwrap_or(0)
    })
}

/// For `-` as a script: the name messages use.
pub fn stdin_script_name(name: Option<&str>) -> PathBuf {
    PathBuf::from(name.unwrap_or("<stdin>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host (or its login script) that sends bytes without a newline
    /// is relayed in pieces of the text limit, each its own line with the
    /// host in front; nothing is held whole.
    #[test]
    fn an_endless_line_from_a_host_comes_in_pieces() {
        use std::io::Read;
        let endless = std::io::repeat(b'x').take(3 * MAX_TEXT as u64 + 5);
        let mut out = Vec::new();
        copy_lines(std::io::BufReader::new(endless), "h", &mut out);
        let lines: Vec<&[u8]> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 4);
        assert!(
            lines
                .iter()
                .all(|l| l.starts_with(b"h: ") && l.len() <= MAX_TEXT + 3)
        );
        // The header still comes after noise without a newline.
        let noise = std::io::repeat(b'x').take(2 * MAX_TEXT as u64 + 7);
        let header = format!("\n{HEADER} 9.9\n");
        let mut reader = std::io::BufReader::new(noise.chain(header.as_bytes()));
        assert_eq!(read_header(&mut reader), Some("9.9".to_owned()));
    }

    #[test]
    fn the_remote_arguments_say_what_the_local_ones_said() {
        let request = Request {
            script: Some("x.d".into()),
            probes: vec!["-weird".into(), "BEGIN { exit(0); }".into()],
            options: vec!["=x".into()],
            quiet: true,
            zdefs: true,
            args: vec!["--".into(), "a b".into()],
            ..Request::default()
        };
        let script = Script {
            name: "x.d".into(),
            text: "BEGIN {}\n".into(),
        };
        let args = remote_args(
            &Remote::Run {
                request: &request,
                duration: Some(1.5),
                format: Format::Json,
                publish: Some("amqp://mq/-x"),
            },
            Some(&script),
        );
        assert_eq!(
            args,
            [
                "run",
                "--until-stdin-closes",
                "--publish-bytes=12",
                "--duration=1.5",
                "--format=json",
                "--script-name",
                "x.d",
                "--script-bytes",
                "9",
                "-s",
                "-",
                "-n=-weird",
                "-n=BEGIN { exit(0); }",
                "-x==x",
                "-q",
                "-Z",
                "--",
                "--",
                "a b",
            ]
        );
        assert!(!args.iter().any(|a| a.contains("amqp")), "{args:?}");
        let probes = remote_args(
            &Remote::Probes {
                pattern: Some("-x"),
                verbose: true,
            },
            None,
        );
        assert_eq!(probes, ["probes", "-v", "--", "-x"]);
    }
}
