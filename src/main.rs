//! The `dscope` command: `dscope [FILE]` opens the IDE; subcommands work
//! without a display.

#![forbid(unsafe_code)]

mod options;

use clap::{Parser, Subcommand};
use dscope::cli::remote as cli_remote;
use dscope::remote;
#[cfg(feature = "gui")]
use dscope::settings::{DialogPreference, Settings};
#[cfg(feature = "gui")]
use dscope::ui::{AppConfig, DscopeApp};
use std::path::PathBuf;
use std::process::ExitCode;

/// A native desktop IDE for DTrace: write D scripts with highlighting and
/// inline errors, run them, and chart the aggregations.
#[derive(Parser, Debug)]
#[command(
    name = "dscope",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// A D script to open, or a recording (dscope run --record) to show
    /// again.
    file: Option<PathBuf>,

    /// Use dscope's own file dialog instead of the platform's (helps over
    /// remote X or VNC without a desktop portal).
    #[cfg(feature = "gui")]
    #[arg(long)]
    builtin_dialogs: bool,

    /// How to draw the window: software sends only changed pixels (remote
    /// X, VNC, no GPU); gl uses OpenGL. Default: chosen from the display.
    #[cfg(feature = "gui")]
    #[arg(long, value_name = "RENDERER", value_parser = choice(dscope::render::Renderer::ALL))]
    renderer: Option<dscope::render::Renderer>,

    /// Check and run scripts on [USER@]HOST[:PORT] through the system's
    /// ssh; the Target menu on the run bar changes it. Give it again for
    /// a fleet: scripts run on every host at once, their aggregations
    /// merged with the host as the first key.
    #[cfg(feature = "gui")]
    #[arg(long, value_name = "[USER@]HOST[:PORT]")]
    host: Vec<String>,

    /// The dscope program on that host (default: dscope on its PATH).
    #[cfg(feature = "gui")]
    #[arg(long, value_name = "PATH", requires = "host")]
    remote_dscope: Option<String>,

    /// Watch an AMQP exchange that hosts publish to (dscope run
    /// --publish): amqp://[USER[:PASSWORD]@]BROKER[:PORT]/[VHOST/]EXCHANGE.
    #[cfg(feature = "gui")]
    #[arg(long, value_name = "amqp://BROKER/EXCHANGE")]
    subscribe: Option<String>,
}

/// What `check` and `run` both take, with dtrace(1)'s meaning.
#[derive(clap::Args, Debug)]
struct Programs {
    /// The D script.
    #[arg(conflicts_with = "script")]
    file: Option<PathBuf>,
    /// The D script, as dtrace -s gives it (the same as FILE).
    #[arg(short = 's', value_name = "FILE")]
    script: Option<PathBuf>,
    /// A probe description and optional clause, as dtrace -n (repeatable;
    /// combines with the script file).
    #[arg(short = 'n', value_name = "PROBE-DESCRIPTION")]
    probes: Vec<String>,
    /// A DTrace option, as with dtrace -x (repeatable).
    #[arg(short = 'x', value_name = "OPTION[=VALUE]")]
    options: Vec<String>,
    /// Quiet: only what the script traces (dtrace -q).
    #[arg(short = 'q')]
    quiet: bool,
    /// Permit destructive actions such as system() (dtrace -w).
    #[arg(short = 'w')]
    destructive: bool,
    /// Permit probe descriptions that match no probes (dtrace -Z).
    #[arg(short = 'Z')]
    zdefs: bool,
    /// Start COMMAND, set $target to its pid, and stop when it exits
    /// (dtrace -c); its output is the run's.
    #[arg(short = 'c', value_name = "COMMAND")]
    commands: Vec<String>,
    /// Grab the process PID, set $target to it, and stop when it exits
    /// (dtrace -p).
    #[arg(short = 'p', value_name = "PID")]
    pids: Vec<String>,
    /// Macro arguments: $1, $2, ...
    #[arg(last = true)]
    args: Vec<String>,
    /// With `-` as the script: the name its messages use.
    #[arg(long, hide = true, value_name = "NAME")]
    script_name: Option<String>,
    /// With `-` as the script: it is the first N bytes of standard input,
    /// not all of it.
    #[arg(long, hide = true, value_name = "N")]
    script_bytes: Option<u64>,
}

/// Where a subcommand runs: here, or on hosts through ssh.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("remote").multiple(true).args(["host", "hosts"])))]
struct At {
    /// Run it on [USER@]HOST[:PORT] through the system's ssh (its config,
    /// keys, agent and known_hosts apply) and print what it prints there;
    /// dscope must be installed there. DSCOPE_SSH_CONFIG=FILE gives ssh
    /// -F FILE. Give it again for more hosts: the command runs on all of
    /// them at once, each line with its host in front (`run` merges their
    /// aggregations, the host as the first key).
    #[arg(long, value_name = "[USER@]HOST[:PORT]")]
    host: Vec<String>,
    /// Hosts to add, one [USER@]HOST[:PORT] a line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    hosts: Option<PathBuf>,
    /// The dscope program on the hosts (default: dscope on their PATH).
    #[arg(long, value_name = "PATH", requires = "remote")]
    remote_dscope: Option<String>,
}

impl At {
    fn program(&self) -> &str {
        self.remote_dscope
            .as_deref()
            .unwrap_or(dscope::remote::DEFAULT_PROGRAM)
    }

    fn is_remote(&self) -> bool {
        !self.host.is_empty() || self.hosts.is_some()
    }

    /// Every host named with --host and in --hosts FILE, in that order.
    fn hosts(&self) -> Result<Vec<String>, String> {
        let mut all = self.host.clone();
        if let Some(file) = &self.hosts {
            all.extend(dscope::fleet::read_hosts_file(file)?);
        }
        Ok(all)
    }

    /// The hosts, each with how to reach its dscope.
    fn endpoints(&self) -> Result<Vec<remote::Endpoint>, String> {
        self.hosts()?
            .iter()
            .map(|text| {
                let host = remote::Host::parse(text)?;
                Ok(remote::Endpoint::new(host, self.remote_dscope.as_deref()))
            })
            .collect()
    }
}

/// Where `what` runs: here (`local`), on one host, or on each of many.
fn on_hosts(at: &At, what: &cli_remote::Remote, local: impl FnOnce() -> u8) -> u8 {
    match at.hosts() {
        Err(e) => {
            eprintln!("dscope: {e}");
            dscope::job::EXIT_CANNOT
        }
        Ok(hosts) => match hosts.as_slice() {
            [] => local(),
            [one] => cli_remote::run(one, at.program(), what, &mut std::io::stderr(), None),
            many => cli_remote::run_each(many, at.program(), what),
        },
    }
}

impl Programs {
    fn request(&self) -> dscope::job::Request {
        dscope::job::Request {
            script: self.file.clone().or_else(|| self.script.clone()).map(|p| {
                if p.as_os_str() == "-" {
                    dscope::cli::remote::stdin_script_name(self.script_name.as_deref())
                } else {
                    p
                }
            }),
            script_text: None,
            probes: self.probes.clone(),
            options: self.options.clone(),
            quiet: self.quiet,
            destructive: self.destructive,
            zdefs: self.zdefs,
            commands: self.commands.clone(),
            pids: self.pids.clone(),
            args: self.args.clone(),
        }
    }

    /// The request, with the script read from standard input when it is
    /// `-`.
    fn read_request(&self) -> Result<dscope::job::Request, String> {
        let mut request = self.request();
        let given = self.file.as_ref().or(self.script.as_ref());
        if let (Some(name), true) = (&request.script, given.is_some_and(|p| p.as_os_str() == "-")) {
            let text = dscope::cli::remote::script_from_stdin(
                &name.display().to_string(),
                self.script_bytes,
            )?;
            request.script_text = Some(text);
        }
        Ok(request)
    }
}

#[derive(Subcommand, Debug)]
// Parsed once at the start; boxing the large variant would only clutter
// every match on it.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Compile a script and -n descriptions without running them; print
    /// errors on stderr as FILE:LINE:COL: error: MESSAGE [D_TAG]. Exit 1
    /// on errors, 2 when they could not be checked at all.
    Check {
        #[command(flatten)]
        programs: Programs,
        #[command(flatten)]
        at: At,
    },
    /// List probes like dtrace -l; a PATTERN such as syscall::read*:entry
    /// (fields align to the right, empty fields match all) filters them.
    Probes {
        pattern: Option<String>,
        /// Also print each probe's argument types, like dtrace -lv.
        #[arg(short, long)]
        verbose: bool,
        #[command(flatten)]
        at: At,
    },
    /// Say whether this machine can check and run D: libdtrace and its
    /// ABI, privileges, and on Linux debugfs, tracefs and BTF, with the fix
    /// for each problem.
    Doctor {
        #[command(flatten)]
        at: At,
    },
    /// Run a script and -n descriptions like dtrace: the output on stdout,
    /// errors and drops on stderr; the exit status is the last exit()
    /// value. SIGINT or SIGTERM stops it (END runs, aggregations are
    /// printed); a second one ends it at once.
    Run {
        #[command(flatten)]
        programs: Programs,
        /// Stop after this many seconds (0 or absent: until the script
        /// exits).
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
        /// Append the output to FILE instead of printing it (dtrace -o).
        #[arg(short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// text: like dtrace -s; json: one JSON document with the output,
        /// errors, drops and every aggregation (schema in the README).
        #[arg(long, value_parser = choice(dscope::job::Format::ALL), default_value = "text")]
        format: dscope::job::Format,
        /// Also write the run to FILE as it goes: every snapshot (at the
        /// aggregation rate, 1 s unless -x aggrate says), the output,
        /// errors and drops; `dscope report FILE` prints it, the window
        /// opens it (File > Open Recording).
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// Also send every snapshot (at the aggregation rate) to an AMQP
        /// 0-9-1 exchange, amqp://[USER[:PASSWORD]@]BROKER[:PORT]/[VHOST/]EXCHANGE
        /// (made, fanout, if missing), with this host's name as the
        /// routing key; the window subscribes to it (File > Subscribe).
        #[arg(long, value_name = "amqp://BROKER/EXCHANGE")]
        publish: Option<String>,
        /// The --publish address comes first on standard input, this many
        /// bytes: how a host is given it without a password on its
        /// command line, where any user there could read it.
        #[arg(long, hide = true, value_name = "N", conflicts_with = "publish")]
        publish_bytes: Option<u64>,
        #[command(flatten)]
        metrics: options::Metrics,
        #[command(flatten)]
        watch: options::Watch,
        #[command(flatten)]
        alerting: options::Alerting,
        #[command(flatten)]
        at: At,
        /// Stop when standard input ends (how a run over ssh ends with
        /// its connection).
        #[arg(long, hide = true)]
        until_stdin_closes: bool,
    },
    /// Print a recording's history (`dscope run --record FILE`): for each
    /// aggregation, every point in time with each key's value, its change
    /// over the interval and the change per second. With --compare, what
    /// changed from another recording instead; with --baseline, its
    /// anomalies; with --correlations, which keys moved together.
    Report {
        file: PathBuf,
        #[command(flatten)]
        reading: options::Reading,
        /// text: tables; json: one document (schema in
        /// docs/recording-format.md); csv: a line per key and bucket per
        /// point.
        #[arg(
            long,
            value_parser = choice(dscope::history::report::Format::ALL),
            default_value = "text"
        )]
        format: dscope::history::report::Format,
    },
    /// Learn what normal looks like from recordings: per aggregation and
    /// key, the mean and spread of a count's rate, a gauge's value, a
    /// latency's p99, slot by slot of a period. Saves it (NAME.dsbase next
    /// to the first recording unless -o says) for run and report
    /// --baseline, and prints it.
    Baseline {
        #[arg(required_unless_present = "prometheus", value_name = "RECORDING")]
        recordings: Vec<PathBuf>,
        #[command(flatten)]
        learning: options::Learning,
        #[command(flatten)]
        prometheus: options::FromPrometheus,
        /// Save the baseline to FILE.
        #[arg(short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// text, json or csv (a line per key and slot).
        #[arg(
            long,
            value_parser = choice(dscope::history::report::Format::ALL),
            default_value = "text"
        )]
        format: dscope::history::report::Format,
    },
}

/// A value among `all` (each with its name and what it is), as clap
/// takes an enum's: the names listed in `--help`, any other refused.
fn choice<T: Copy + Send + Sync + 'static>(
    all: &'static [(T, &'static str, &'static str)],
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        all.iter()
            .map(|(_, name, help)| PossibleValue::new(*name).help(*help)),
    )
    .map(move |name| {
        all.iter()
            .find(|(_, n, _)| *n == name)
            .map(|(v, _, _)| *v)
            .expect("clap took one of the possible values")
    })
}

fn main() -> ExitCode {
    // The session's run worker: not a user command, so not in --help.
    if std::env::args().nth(1).as_deref() == Some(dscope::session::RUN_WORKER_ARG) {
        let input = std::io::BufReader::new(std::io::stdin());
        return ExitCode::from(dscope::session::run_worker_main(input));
    }
    // The other end of a window's connection to this host; described in
    // docs/agent-protocol.md rather than --help, since people do not
    // type it.
    if std::env::args().nth(1).as_deref() == Some(dscope::protocol::AGENT_ARG)
        && std::env::args().len() == 2
    {
        return ExitCode::from(dscope::agent::agent_main());
    }
    let cli = Cli::parse();
    let (out, err) = (&mut std::io::stdout(), &mut std::io::stderr());
    let code = match &cli.command {
        None => return run_gui(cli),
        Some(Command::Check { programs, at }) => match programs.read_request() {
            Err(e) => script_failure(&e),
            Ok(r) => on_hosts(at, &cli_remote::Remote::Check(&r), || {
                dscope::cli::check(&r, out, err)
            }),
        },
        Some(Command::Run {
            programs,
            publish,
            publish_bytes,
            ..
        }) => match (
            // Before the script: it comes first on standard input.
            read_publish(publish.as_deref(), *publish_bytes),
            programs.read_request(),
        ) {
            (_, Err(e)) => script_failure(&e),
            (Err(e), _) => {
                eprintln!("dscope: {e}");
                dscope::job::EXIT_CANNOT
            }
            (Ok((publish, address)), Ok(request)) => {
                run_command(&cli.command, request, publish, address, out, err)
            }
        },
        Some(Command::Probes {
            pattern,
            verbose,
            at,
        }) => {
            let what = cli_remote::Remote::Probes {
                pattern: pattern.as_deref(),
                verbose: *verbose,
            };
            on_hosts(at, &what, || {
                dscope::cli::probes(pattern.as_deref(), *verbose, out, err)
            })
        }
        Some(Command::Doctor { at }) => {
            on_hosts(at, &cli_remote::Remote::Doctor, || dscope::cli::doctor(out))
        }
        Some(Command::Report {
            file,
            format,
            reading,
        }) => reading.report(file, *format, out, err),
        Some(Command::Baseline {
            learning,
            prometheus,
            output,
            format,
            ..
        }) if prometheus.prometheus.is_some() => {
            prometheus.learn(learning, output.as_deref(), *format, out, err)
        }
        Some(Command::Baseline {
            recordings,
            learning,
            output,
            format,
            ..
        }) => dscope::cli::analysis::learn(
            recordings,
            learning.period,
            learning.window.unwrap_or(0),
            output.as_deref(),
            *format,
            out,
            err,
        ),
    };
    ExitCode::from(code)
}

/// `dscope run` with its script read: here, on one host, or on a fleet.
fn run_command(
    command: &Option<Command>,
    request: dscope::job::Request,
    publish: Option<String>,
    address: Option<dscope::amqp::Address>,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> u8 {
    let Some(Command::Run {
        duration,
        output,
        format,
        at,
        until_stdin_closes,
        record,
        metrics,
        watch,
        alerting,
        ..
    }) = command
    else {
        return dscope::job::EXIT_CANNOT;
    };
    if at.is_remote() && output.is_some() {
        eprintln!("dscope: -o FILE does not go with --host; redirect the output instead (> FILE)");
        return dscope::job::EXIT_CANNOT;
    }
    if at.is_remote() && record.is_some() {
        eprintln!(
            "dscope: --record does not go with --host; record on the host \
             (ssh HOST dscope run --record FILE ...) or from the window"
        );
        return dscope::job::EXIT_CANNOT;
    }
    if at.is_remote() && !watch.baseline.is_empty() {
        eprintln!(
            "dscope: --baseline does not go with --host; run with --baseline on the host, \
             or check a recording with dscope report REC --baseline FILE"
        );
        return dscope::job::EXIT_CANNOT;
    }
    let watching = match watch.read() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("dscope: {e}");
            return dscope::job::EXIT_CANNOT;
        }
    };
    let positive = duration.filter(|d| d.is_finite() && *d > 0.0);
    let hosts = match at.hosts() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("dscope: {e}");
            return dscope::job::EXIT_CANNOT;
        }
    };
    let shown = dscope::cli::Output {
        duration: positive.map(std::time::Duration::from_secs_f64),
        format: *format,
        publish: address,
        metrics: metrics.settings(),
        ..dscope::cli::Output::default()
    };
    match hosts.as_slice() {
        // Metrics of one host go through the fleet runner, which reads
        // its snapshots here.
        [one] if shown.metrics.is_none() => {
            let what = cli_remote::Remote::Run {
                request: &request,
                duration: positive,
                format: *format,
                publish: publish.as_deref(),
            };
            cli_remote::run(one, at.program(), &what, err, None)
        }
        [_, ..] => match at.endpoints() {
            Err(e) => {
                eprintln!("dscope: {e}");
                dscope::job::EXIT_CANNOT
            }
            Ok(endpoints) => dscope::cli::fleet::run(&endpoints, &request, &shown, out, err),
        },
        [] => {
            let shown = dscope::cli::Output {
                file: output.clone(),
                until_stdin_closes: *until_stdin_closes,
                record: record.clone(),
                watch: watching,
                alerting: alerting.settings(),
                ..shown
            };
            dscope::cli::run(&request, &shown, out, err)
        }
    }
}

/// The --publish address, as given and parsed: from the command line, or
/// the first `bytes` bytes of standard input.
fn read_publish(
    given: Option<&str>,
    bytes: Option<u64>,
) -> Result<(Option<String>, Option<dscope::amqp::Address>), String> {
    let text = match (given, bytes) {
        (Some(t), _) => dscope::amqp::from_command_line(t, "--publish")?,
        (None, Some(n)) => {
            use std::io::Read;
            let mut data = Vec::new();
            let read = std::io::stdin().lock().take(n).read_to_end(&mut data);
            if read.is_err() || data.len() as u64 != n {
                return Err("standard input ended inside the --publish address".into());
            }
            String::from_utf8(data).map_err(|_| "the --publish address is not UTF-8".to_owned())?
        }
        (None, None) => return Ok((None, None)),
    };
    let address = dscope::amqp::Address::parse(&text)?;
    Ok((Some(text), Some(address)))
}

/// A script that could not be read from standard input, said as a file
/// that cannot be read is.
fn script_failure(message: &str) -> u8 {
    eprintln!("dscope: {message}");
    dscope::job::EXIT_SCRIPT_ERRORS
}

/// `dscope [FILE]`: the IDE window.
#[cfg(feature = "gui")]
fn run_gui(cli: Cli) -> ExitCode {
    let mut config = AppConfig::from_environment(cli.file);
    if !cli.host.is_empty() {
        for host in &cli.host {
            if let Err(e) = dscope::remote::Host::parse(host) {
                eprintln!("dscope: {e}");
                return ExitCode::from(dscope::job::EXIT_CANNOT);
            }
        }
        config.host = Some(dscope::settings::RecentHost {
            host: cli.host.join(", "),
            program: cli.remote_dscope.clone(),
        });
    }
    if let Some(text) = &cli.subscribe {
        let text = dscope::amqp::from_command_line(text, "--subscribe");
        match text.and_then(|t| dscope::amqp::Address::parse(&t)) {
            Ok(a) => config.subscribe = Some(a),
            Err(e) => {
                eprintln!("dscope: {e}");
                return ExitCode::from(dscope::job::EXIT_CANNOT);
            }
        }
    }
    if cli.builtin_dialogs {
        config.dialogs = Some(DialogPreference::BuiltIn);
    }
    let settings = config
        .settings_path
        .as_deref()
        .map(|p| Settings::load(p).0)
        .unwrap_or_default();
    let size = dscope::render::fit_on_screen(
        settings.window_size.unwrap_or([1100.0, 760.0]),
        dscope::render::x_screen_size(),
    );
    let viewport = egui::ViewportBuilder::default()
        .with_title("dscope")
        .with_app_id("org.dscope.dscope")
        .with_inner_size(size)
        .with_min_inner_size([480.0, 320.0]);
    let choice = dscope::render::choose(cli.renderer, settings.renderer);
    dscope::ui::set_renderer_description(choice.describe());
    if choice.renderer == dscope::render::Renderer::Software {
        return match dscope::render::shell::run(viewport, |ctx| {
            DscopeApp::with_context(ctx, config)
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dscope: cannot open a window: {e}");
                eprintln!("{}", dscope::troubleshooting::NO_WINDOW.fix);
                ExitCode::FAILURE
            }
        };
    }
    let options = eframe::NativeOptions {
        // glow works on software OpenGL (llvmpipe) too, where wgpu often
        // finds no adapter.
        renderer: eframe::Renderer::Glow,
        // Dithering costs a noise computation per pixel, which llvmpipe
        // pays in full on every redraw; flat UI colours do not need it.
        dithering: false,
        viewport,
        ..Default::default()
    };
    match eframe::run_native(
        "dscope",
        options,
        Box::new(|cc| Ok(Box::new(DscopeApp::new(cc, config)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dscope: cannot open a window: {e}");
            eprintln!("{}", dscope::troubleshooting::NO_WINDOW.fix);
            ExitCode::FAILURE
        }
    }
}

/// `dscope [FILE]` in the headless build, which has no window to open.
#[cfg(not(feature = "gui"))]
fn run_gui(cli: Cli) -> ExitCode {
    let what = cli
        .file
        .map_or_else(String::new, |f| format!(" for {}", f.display()));
    eprintln!(
        "dscope: this build has no window{what} (built without the `gui` feature); \
         use dscope check, run, probes or doctor"
    );
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_takes_dtraces_options_with_their_meaning() {
        let cli = Cli::try_parse_from([
            "dscope",
            "run",
            "-q",
            "-w",
            "-Z",
            "-n",
            "BEGIN",
            "-n",
            "END { exit(1); }",
            "-c",
            "ls -l",
            "-p",
            "12",
            "-o",
            "out.txt",
            "-x",
            "bufsize=1m",
            "-s",
            "x.d",
            "--",
            "a",
            "b",
        ])
        .unwrap();
        let Some(Command::Run {
            programs, output, ..
        }) = &cli.command
        else {
            panic!("{cli:?}")
        };
        let r = programs.request();
        assert_eq!(r.script, Some(PathBuf::from("x.d")));
        assert_eq!(r.probes, ["BEGIN", "END { exit(1); }"]);
        assert!(r.quiet && r.destructive && r.zdefs);
        assert_eq!(r.commands, ["ls -l"]);
        assert_eq!(r.pids, ["12"]);
        assert_eq!(r.options, ["bufsize=1m"]);
        assert_eq!(r.args, ["a", "b"]);
        assert_eq!(output.as_deref(), Some(std::path::Path::new("out.txt")));
    }

    #[test]
    fn a_run_needs_no_script_file_and_takes_one_only_once() {
        let cli = Cli::try_parse_from(["dscope", "run", "-n", "BEGIN"]).unwrap();
        let Some(Command::Run { programs, .. }) = &cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(programs.request().script, None);
        let cli = Cli::try_parse_from(["dscope", "check", "y.d", "-Z"]).unwrap();
        let Some(Command::Check { programs, .. }) = &cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(programs.request().script, Some(PathBuf::from("y.d")));
        assert!(programs.request().zdefs);
        // FILE and -s FILE name the same thing; both at once is an error.
        assert!(Cli::try_parse_from(["dscope", "run", "a.d", "-s", "b.d"]).is_err());
        // -o belongs to run only.
        assert!(Cli::try_parse_from(["dscope", "check", "a.d", "-o", "f"]).is_err());
    }

    /// Where the subcommand of `cli` runs.
    fn at_of(cli: &Cli) -> &At {
        match &cli.command {
            Some(Command::Check { at, .. })
            | Some(Command::Run { at, .. })
            | Some(Command::Probes { at, .. })
            | Some(Command::Doctor { at }) => at,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_subcommand_takes_a_host_and_the_program_only_with_one() {
        for args in [
            &["check", "x.d"][..],
            &["run", "-n", "BEGIN"][..],
            &["probes"][..],
            &["doctor"][..],
        ] {
            let mut with = vec!["dscope"];
            with.extend_from_slice(args);
            with.extend_from_slice(&["--host", "me@box:22", "--remote-dscope", "/opt/d"]);
            let cli = Cli::try_parse_from(&with).unwrap();
            let at = at_of(&cli);
            assert_eq!(at.host, ["me@box:22"]);
            assert_eq!(at.program(), "/opt/d");
            let mut without = vec!["dscope"];
            without.extend_from_slice(args);
            without.extend_from_slice(&["--remote-dscope", "/opt/d"]);
            assert!(Cli::try_parse_from(&without).is_err(), "{without:?}");
            let mut many = vec!["dscope"];
            many.extend_from_slice(args);
            many.extend_from_slice(&["--host", "a", "--host", "b:22", "--hosts", "f"]);
            many.extend_from_slice(&["--remote-dscope", "/opt/d"]);
            let cli = Cli::try_parse_from(&many).unwrap();
            let at = at_of(&cli);
            assert_eq!(at.host, ["a", "b:22"]);
            assert_eq!(at.hosts.as_deref(), Some(std::path::Path::new("f")));
        }
    }

    #[test]
    fn a_script_on_standard_input_is_named_as_told() {
        let cli = Cli::try_parse_from(["dscope", "check", "-", "--script-name", "x.d"]).unwrap();
        let Some(Command::Check { programs, .. }) = &cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(programs.request().script, Some(PathBuf::from("x.d")));
        let cli = Cli::try_parse_from(["dscope", "run", "-s", "-"]).unwrap();
        let Some(Command::Run { programs, .. }) = &cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(programs.request().script, Some(PathBuf::from("<stdin>")));
    }
}
