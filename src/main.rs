//! The `dscope` command: `dscope [FILE]` opens the IDE; subcommands work
//! without a display.

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use dscope::settings::{DialogPreference, Settings};
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

    /// A D script to open.
    file: Option<PathBuf>,

    /// Use dscope's own file dialog instead of the platform's (helps over
    /// remote X or VNC without a desktop portal).
    #[arg(long)]
    builtin_dialogs: bool,

    /// How to draw the window: software sends only changed pixels (remote
    /// X, VNC, no GPU); gl uses OpenGL. Default: chosen from the display.
    #[arg(long, value_enum, value_name = "RENDERER")]
    renderer: Option<dscope::render::Renderer>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile a script without running it; print errors as
    /// FILE:LINE:COL: error: MESSAGE [D_TAG]. Exit 1 on errors, 2 when
    /// the script could not be checked at all.
    Check {
        /// The D script.
        file: PathBuf,
        /// A DTrace option, as with dtrace -x (repeatable).
        #[arg(short = 'x', value_name = "OPTION[=VALUE]")]
        options: Vec<String>,
        /// Macro arguments: $1, $2, ...
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// List probes like dtrace -l; a PATTERN such as syscall::read*:entry
    /// (fields align to the right, empty fields match all) filters them.
    Probes {
        pattern: Option<String>,
        /// Also print each probe's argument types, like dtrace -lv.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Say whether this machine can check and run D: libdtrace and its
    /// ABI, privileges, and on Linux debugfs, tracefs and BTF, with the fix
    /// for each problem.
    Doctor,
    /// Run a script like dtrace -s: its output on stdout, errors and drops
    /// on stderr; the exit status is the script's exit() value.
    Run {
        /// The D script.
        file: PathBuf,
        /// Stop after this many seconds (0 or absent: until the script
        /// exits).
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
        /// A DTrace option, as with dtrace -x (repeatable).
        #[arg(short = 'x', value_name = "OPTION[=VALUE]")]
        options: Vec<String>,
        /// text: like dtrace -s; json: one JSON document with the output,
        /// errors, drops and every aggregation (schema in the README).
        #[arg(long, value_enum, default_value_t = dscope::cli::Format::Text)]
        format: dscope::cli::Format,
        /// Macro arguments: $1, $2, ...
        #[arg(last = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    // The session's run worker: not a user command, so not in --help.
    if std::env::args().nth(1).as_deref() == Some(dscope::session::RUN_WORKER_ARG) {
        let input = std::io::BufReader::new(std::io::stdin());
        return ExitCode::from(dscope::session::run_worker_main(
            input,
            &mut std::io::stdout().lock(),
        ));
    }
    let cli = Cli::parse();
    let (out, err) = (&mut std::io::stdout(), &mut std::io::stderr());
    let code = match &cli.command {
        None => return run_gui(cli),
        Some(Command::Check {
            file,
            options,
            args,
        }) => dscope::cli::check(file, options, args, out, err),
        Some(Command::Run {
            file,
            duration,
            options,
            format,
            args,
        }) => {
            let duration = duration
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(std::time::Duration::from_secs_f64);
            dscope::cli::run(file, duration, options, args, *format, out, err)
        }
        Some(Command::Probes { pattern, verbose }) => {
            dscope::cli::probes(pattern.as_deref(), *verbose, out, err)
        }
        Some(Command::Doctor) => dscope::cli::doctor(out),
    };
    ExitCode::from(code)
}

/// `dscope [FILE]`: the IDE window.
fn run_gui(cli: Cli) -> ExitCode {
    let mut config = AppConfig::from_environment(cli.file);
    if cli.builtin_dialogs {
        config.dialogs = Some(DialogPreference::BuiltIn);
    }
    let size = config
        .settings_path
        .as_deref()
        .map(|p| Settings::load(p).0)
        .and_then(|s| s.window_size)
        .unwrap_or([1100.0, 760.0]);
    let viewport = egui::ViewportBuilder::default()
        .with_title("dscope")
        .with_app_id("dscope")
        .with_inner_size(size)
        .with_min_inner_size([480.0, 320.0]);
    let choice = dscope::render::choose(cli.renderer);
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
