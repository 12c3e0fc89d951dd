//! A safe DTrace consumer over a loaded [`Library`]: the handle of
//! `dscope-dtrace-sys` driven the way dtrace(1) drives libdtrace.
//!
//! libdtrace is not thread-safe and its compiler keeps process-global
//! state, so a `Consumer` is neither `Send` nor `Sync`: it lives and dies
//! on the thread that opened it.

use crate::aggregate::Taken;
use crate::run::HandlerState;
use dscope_dtrace_sys::layout::native::{
    Attribute, DTRACE_C_PSPEC, DTRACE_C_ZDEFS, DTRACE_PROBESPEC_NAME, DTRACEOPT_UNSET,
    OwnedProbeDesc, ProgInfo,
};
use dscope_dtrace_sys::{CFile, Handle, Library, MemStream, ProbeView, Program, WorkStatus};
use dscope_lang::compile_message;
use dscope_model::Diagnostic;
use dscope_model::Event;
use dscope_model::RunEnd;
use std::ffi::{CStr, CString};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use dscope_dtrace_sys::DtraceError;

/// Why a script did not compile.
#[derive(Debug, Clone, PartialEq)]
pub enum CompileError {
    /// The D compiler's message, placed on a line where it names one.
    Script(Diagnostic),
    /// A `-n` probe description did not compile; libdtrace's message.
    Description {
        description: String,
        message: String,
    },
    /// Something around the compiler failed (temporary file, options).
    Setup(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Script(d) => f.write_str(&d.message),
            CompileError::Description {
                description,
                message,
            } => {
                // errtags puts the tag first; it goes last, as on the
                // diagnostics of scripts.
                let tagged = message
                    .strip_prefix('[')
                    .and_then(|m| m.split_once("] "))
                    .filter(|(tag, _)| tag.starts_with("D_"));
                match tagged {
                    Some((tag, rest)) => {
                        write!(f, "invalid probe specifier {description}: {rest} [{tag}]")
                    }
                    None => write!(f, "invalid probe specifier {description}: {message}"),
                }
            }
            CompileError::Setup(m) => f.write_str(m),
        }
    }
}

/// How to run a compiled program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    /// Stop after this long; `None` runs until `exit()` or Stop.
    pub duration: Option<Duration>,
    /// Send a [`Event::Snapshot`] of all aggregations this often while
    /// running. A snapshot that takes more than half of this is spaced
    /// out (see [`Event::Pace`]), never queued behind itself.
    pub snapshot_every: Option<Duration>,
    /// Send a last snapshot once the run has ended; a caller that only
    /// prints the aggregations (`print_aggregations`) does without.
    pub final_snapshot: bool,
    /// Print the aggregations at the end as output text, as `dtrace -s`.
    pub print_aggregations: bool,
    /// Print an empty line when stop is asked for, as dtrace(1) does when
    /// interrupted (for `dscope run`, where stop means a signal).
    pub newline_on_stop: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            duration: None,
            snapshot_every: None,
            final_snapshot: true,
            print_aggregations: true,
            newline_on_stop: false,
        }
    }
}

/// When the next live snapshot is due. A snapshot that took more than
/// half its interval is spaced out to twice what it took, so that the
/// work calls (which drain the trace buffers) keep at least half the
/// time; it never queues behind itself.
struct Pace {
    every: Option<Duration>,
    next: Instant,
    /// The interval in force when it is longer than asked for.
    stretched: Option<Duration>,
}

impl Pace {
    fn new(every: Option<Duration>) -> Pace {
        Pace {
            every,
            next: Instant::now() + every.unwrap_or_default(),
            stretched: None,
        }
    }

    fn due(&self) -> bool {
        self.every.is_some() && Instant::now() >= self.next
    }

    /// A snapshot took `took`; returns the interval to announce when it
    /// changed by a whole second or more (or went back to the one asked
    /// for).
    fn took(&mut self, took: Duration) -> Option<Duration> {
        let every = self.every?;
        let gap = every.max(took * 2);
        self.next = Instant::now() + gap.saturating_sub(took);
        let stretched = (gap > every).then_some(gap);
        let changed = match (self.stretched, stretched) {
            (None, None) => false,
            (Some(a), Some(b)) => a.as_secs() != b.as_secs(),
            _ => true,
        };
        if changed {
            self.stretched = stretched;
            return Some(stretched.unwrap_or(every));
        }
        None
    }
}

/// What a successful compile tells about the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compiled {
    /// Probes the program would enable.
    pub matches: u32,
    pub aggregations: u32,
    pub speculations: u32,
}

pub struct Consumer<'lib> {
    /// The libdtrace handle, with the state its callbacks report to
    /// (which lives as long as the handle: handlers can be registered
    /// only once).
    handle: Handle<'lib, HandlerState>,
    /// The compiled programs, owned by the handle.
    programs: Vec<Program>,
    /// Whether `programs` were prepared for enabling (dtrace_program_exec).
    executed: bool,
    /// Names of stack frames and symbols, looked up once per run.
    symbols: crate::aggregate::SymbolNames,
    /// Probes the programs enabled, said when tracing starts.
    matches: u32,
}

fn cstring(s: &str, what: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{what} contains a NUL byte"))
}

impl<'lib> Consumer<'lib> {
    /// Opens a consumer (`dtrace_open`). Fails with libdtrace's message,
    /// for example when privileges are missing.
    pub fn open(lib: &'lib Library) -> Result<Consumer<'lib>, DtraceError> {
        // A killed consumer that had this process's id left events that
        // would make enabling fail.
        crate::leftovers::clear();
        let mut consumer = Consumer {
            handle: Handle::open(lib, HandlerState::default())?,
            programs: Vec::new(),
            executed: false,
            symbols: Default::default(),
            matches: 0,
        };
        // The defaults dtrace(1) sets before the user's -x options, so
        // scripts behave (and fit) as they do under the dtrace command;
        // without them Linux DTrace's aggregation map can be too big to
        // create.
        for (name, value) in [("bufsize", "4m"), ("aggsize", "4m")] {
            consumer.setopt(name, Some(value))?;
        }
        // illumos dtrace(1) also orders output by time across CPUs
        // (usr/src/cmd/dtrace/dtrace.c, right after dtrace_open), and
        // ignores a release that lacks the option, as this does.
        #[cfg(any(target_os = "illumos", target_os = "solaris"))]
        let _ = consumer.setopt("temporal", Some("yes"));
        Ok(consumer)
    }

    fn last_error(&self) -> DtraceError {
        self.handle.last_error()
    }

    fn lib(&self) -> &'lib Library {
        self.handle.library()
    }

    /// Sets an option as `-x name=value` would; `None` for flags like
    /// `quiet`. Values are passed as strings, never through a shell.
    pub fn setopt(&mut self, name: &str, value: Option<&str>) -> Result<(), DtraceError> {
        let bad = |m: String| DtraceError {
            code: 0,
            message: m,
        };
        let name_c = cstring(name, "the option name").map_err(bad)?;
        let value_c = value
            .map(|v| cstring(v, "the option value"))
            .transpose()
            .map_err(bad)?;
        self.handle
            .setopt(&name_c, value_c.as_deref())
            .map_err(|e| DtraceError {
                code: e.code,
                message: format!("option {name}: {}", e.message),
            })
    }

    /// Linux DTrace 2.x must be initialised after options are set and
    /// before anything is compiled.
    fn ensure_initialised(&mut self) -> Result<(), DtraceError> {
        self.handle.init()
    }

    /// Compiles D source. It is compiled from a temporary file so that
    /// errors carry line numbers; `script_name` is what messages call it.
    /// `args` are the macro arguments `$1`, `$2`, ...
    pub fn compile(
        &mut self,
        source: &str,
        script_name: &str,
        args: &[String],
    ) -> Result<Compiled, CompileError> {
        self.compile_all(
            &[Source::Script {
                text: source,
                name: script_name,
            }],
            args,
        )
        .map(|(total, _)| total)
    }

    /// Compiles several programs into this one consumer, as dtrace(1)
    /// does with `-s` and `-n` together; all of them run together. Returns
    /// the totals and each program's number of matching probes.
    pub fn compile_all(
        &mut self,
        sources: &[Source<'_>],
        args: &[String],
    ) -> Result<(Compiled, Vec<u32>), CompileError> {
        self.ensure_initialised()
            .map_err(|e| CompileError::Setup(e.to_string()))?;
        if !self.programs.is_empty() && self.lib().abi == dscope_dtrace_sys::Abi::Linux2 {
            // See the note on the statement table below.
            return Err(CompileError::Setup(
                "this DTrace consumer already holds a program; open a new one".into(),
            ));
        }
        let mut temps = Vec::new();
        let mut compiled = Vec::new();
        for source in sources {
            let (prog, temp) = self.compile_one(source, args)?;
            compiled.push(prog);
            temps.push(temp);
        }
        self.programs.clone_from(&compiled);
        self.executed = false;
        let mut total = Compiled {
            matches: 0,
            aggregations: 0,
            speculations: 0,
        };
        let mut each = Vec::new();
        // Linux DTrace's error handler is a program of libdtrace's own,
        // compiled and enabled when it is registered, and its statement
        // table is sized at the first dtrace_program_exec from the
        // statements compiled so far. So, as in dtrace(1): compile every
        // program, register the handlers, then prepare the programs. Any
        // other order writes past that table and crashes in dtrace_close.
        // illumos dtrace(1) also prepares each program after compiling
        // them all, and that is where both families count the matching
        // probes (illumos's dtrace_program_info leaves dpi_matches at 0).
        // Nothing fires before dtrace_go; closing the handle releases the
        // enablings.
        self.handle
            .register_handlers()
            .map_err(|e| CompileError::Setup(e.to_string()))?;
        for (index, prog) in compiled.iter().enumerate() {
            let info = self
                .handle
                .exec(prog)
                .map_err(|e| failed_source(&sources[index], temps[index].as_ref(), e))?;
            add(&mut total, &info);
            each.push(info.matches);
        }
        self.executed = true;
        self.matches = total.matches;
        Ok((total, each))
    }

    /// Compiles one program; a script goes through a temporary file (kept
    /// until the programs are prepared, whose errors name it too).
    fn compile_one(
        &mut self,
        source: &Source<'_>,
        args: &[String],
    ) -> Result<(Program, Option<TempScript>), CompileError> {
        let program_name = match source {
            Source::Script { name, .. } => *name,
            Source::Probes(_) => "dtrace",
        };
        let mut argv_owned =
            vec![cstring(program_name, "the script name").map_err(CompileError::Setup)?];
        for a in args {
            argv_owned.push(cstring(a, "a macro argument").map_err(CompileError::Setup)?);
        }
        let argv: Vec<&CStr> = argv_owned.iter().map(CString::as_c_str).collect();
        let (prog, temp) = match source {
            Source::Script { text, .. } => {
                let temp = TempScript::write(text).map_err(CompileError::Setup)?;
                let path_c = cstring(&temp.path.to_string_lossy(), "the temporary path")
                    .map_err(CompileError::Setup)?;
                let file = CFile::open_read(&path_c).map_err(|e| {
                    CompileError::Setup(format!(
                        "cannot reopen the temporary copy {}: {e}",
                        temp.path.display(),
                    ))
                })?;
                let prog = self.handle.compile_file(&file, 0, &argv);
                drop(file);
                (prog, Some(temp))
            }
            Source::Probes(description) => {
                let text =
                    cstring(description, "the probe description").map_err(CompileError::Setup)?;
                let prog = self.handle.compile_string(
                    &text,
                    DTRACE_PROBESPEC_NAME,
                    // As dtrace -n: an ambiguous specifier is a probe.
                    DTRACE_C_PSPEC,
                    &argv,
                );
                (prog, None)
            }
        };
        match prog {
            Ok(prog) => Ok((prog, temp)),
            Err(e) => Err(failed_source(source, temp.as_ref(), e)),
        }
    }

    /// Starts a command as `dtrace -c` does: stopped until tracing runs,
    /// with `$target` set to its pid; `words[0]` is looked up in PATH.
    /// Call before compiling.
    pub fn create_process(&mut self, words: &[String]) -> Result<i32, DtraceError> {
        let bad = |m: String| DtraceError {
            code: 0,
            message: m,
        };
        self.process_control()?;
        if words.is_empty() {
            return Err(bad("the command to trace is empty".into()));
        }
        let owned = words
            .iter()
            .map(|w| cstring(w, "the command"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let argv: Vec<&CStr> = owned.iter().map(CString::as_c_str).collect();
        self.handle.create_process(&argv)
    }

    /// Grabs a running process as `dtrace -p` does (`$target` is its pid).
    /// Call before compiling.
    pub fn grab_process(&mut self, pid: i32) -> Result<i32, DtraceError> {
        self.process_control()?;
        self.handle.grab_process(pid)
    }

    fn process_control(&self) -> Result<(), DtraceError> {
        if self.lib().functions().procs.is_some() {
            return Ok(());
        }
        Err(DtraceError {
            code: 0,
            message: format!(
                "{} has no process control (dtrace_proc_create and the functions \
                 around it), so -c and -p cannot be used with it",
                self.lib().path.display()
            ),
        })
    }
}

/// One program given to [`Consumer::compile_all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A D script (`dtrace -s`); `name` is what messages call it.
    Script { text: &'a str, name: &'a str },
    /// A probe description with an optional clause (`dtrace -n`).
    Probes(&'a str),
}

fn add(total: &mut Compiled, info: &ProgInfo) {
    total.matches += info.matches;
    total.aggregations += info.aggregates;
    total.speculations += info.speculations;
}

/// libdtrace's error about one program, as a diagnostic on it.
fn failed_source(source: &Source<'_>, temp: Option<&TempScript>, e: DtraceError) -> CompileError {
    match (source, temp) {
        (Source::Script { text, name }, Some(temp)) => {
            let mut d = compile_message::parse(&e.message, Some(&temp.path), text);
            // The temporary name means nothing to the user.
            d.message = d.message.replace(&*temp.path.to_string_lossy(), name);
            CompileError::Script(d)
        }
        (Source::Script { text, .. }, None) => {
            CompileError::Script(compile_message::parse(&e.message, None, text))
        }
        (Source::Probes(description), _) => CompileError::Description {
            description: (*description).to_owned(),
            message: e.message,
        },
    }
}

/// Splits `-c`'s command into words as dtrace(1) does (`make_argv`: at
/// form feed, newline, return, tab, vertical tab and space, and nothing
/// else: no quotes, no escapes, nothing expanded), for every front-end
/// alike.
pub fn command_words(line: &str) -> Vec<String> {
    line.split(['\x0c', '\n', '\r', '\t', '\x0b', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Consumer<'_> {
    /// Whether destructive actions are on, by `setopt` or by the script's
    /// own `#pragma D option destructive` (so ask after compiling).
    pub fn destructive_allowed(&self) -> bool {
        self.option_is_set("destructive")
    }

    /// Whether quiet mode is on, by `-q`/setopt or the script's pragma
    /// (so ask after compiling).
    pub fn quiet(&self) -> bool {
        self.option_is_set("quiet")
    }

    /// How often the aggregations are read (`-x aggrate`, or the script's
    /// pragma), when set; libdtrace keeps rates in nanoseconds.
    pub fn aggrate(&self) -> Option<Duration> {
        let value = self.handle.getopt(c"aggrate");
        (value != DTRACEOPT_UNSET && value > 0).then(|| Duration::from_nanos(value as u64))
    }

    /// Whether an option is set (for flags such as `quiet`, which a
    /// `#pragma D option` in the script may have set).
    fn option_is_set(&self, name: &str) -> bool {
        let Ok(name_c) = CString::new(name) else {
            return false;
        };
        self.handle.getopt(&name_c) != DTRACEOPT_UNSET
    }

    fn state(&mut self) -> &mut HandlerState {
        self.handle.state_mut()
    }

    fn drain(&mut self, sink: &mut dyn FnMut(Event)) {
        for event in self.state().events.drain(..) {
            sink(event);
        }
    }

    /// Decodes every aggregation as it stands now, unless `interrupted`
    /// says to give up first.
    fn take_snapshot(&mut self, interrupted: &dyn Fn() -> bool) -> Option<Taken> {
        crate::aggregate::snapshot(&mut self.handle, &mut self.symbols, interrupted)
    }

    /// Sends a snapshot (none when it was given up).
    fn send(taken: Option<Taken>, sink: &mut dyn FnMut(Event)) {
        let Some(taken) = taken else { return };
        for p in taken.problems {
            sink(Event::Problem(p));
        }
        sink(Event::Snapshot(taken.snapshot));
    }

    /// The aggregations printa() has not printed, as dtrace(1) prints them
    /// when a run ends.
    ///
    /// libdtrace's printout (`dtrace_aggregate_print`) names user stack
    /// frames by grabbing every process they belong to, and a libdtrace
    /// process-control thread crashed the consumer during it (SIGSEGV in
    /// `rd_event_suppress`, with a fork-heavy load beside a ustack()
    /// profile). On Linux those aggregations are printed from the decoded
    /// snapshot instead, whose frames are named without grabbing (see
    /// `usym`) and read as libdtrace names them; the text is the one the
    /// live tests hold equal to dtrace(1)'s. Options that change the
    /// printout's layout (`aggpack`, `aggzoom`, `aggpercpu`) leave it to
    /// libdtrace.
    fn final_printout(&mut self, taken: Option<&Taken>) -> Result<String, DtraceError> {
        let layout_options = ["aggpack", "aggzoom", "aggpercpu"];
        if cfg!(target_os = "linux")
            && let Some(t) = taken
            && t.user_keys
            && !layout_options.iter().any(|o| self.option_is_set(o))
        {
            let mut text = String::new();
            for agg in &t.snapshot.aggregations {
                if !t.printed.contains(&agg.id) {
                    text.push_str(&agg.to_dtrace_text());
                }
            }
            return Ok(text);
        }
        let stream = MemStream::open().ok_or_else(|| DtraceError {
            code: 0,
            message: "cannot create an output buffer".into(),
        })?;
        // Every aggregation not printed yet, as dtrace(1) prints them at
        // the end.
        self.handle.aggregate_print(&stream);
        Ok(stream.close())
    }

    /// Runs the compiled programs until they call `exit()`, the duration
    /// is over, every traced process has exited, or `stop` is set; END
    /// clauses run, then the final aggregations are decoded and (if asked)
    /// printed as `dtrace -s` does. `abort`, once set, ends a stopping run
    /// at once, without the final aggregations (dtrace(1)'s second ^C).
    /// Events are handed to `sink` as they happen.
    pub fn run(
        &mut self,
        settings: &RunSettings,
        stop: &AtomicBool,
        abort: Option<&AtomicBool>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<RunEnd, DtraceError> {
        let result = self.run_programs(settings, stop, abort, sink);
        self.symbols.clear();
        self.handle.release_processes();
        result
    }

    fn run_programs(
        &mut self,
        settings: &RunSettings,
        stop: &AtomicBool,
        abort: Option<&AtomicBool>,
        sink: &mut dyn FnMut(Event),
    ) -> Result<RunEnd, DtraceError> {
        let duration = settings.duration;
        if self.programs.is_empty() {
            return Err(DtraceError {
                code: 0,
                message: "nothing compiled to run".into(),
            });
        }
        // Handlers go in before dtrace_go, or faults and drops abort the run.
        self.handle.register_handlers()?;
        let quiet = self.option_is_set("quiet");
        self.state().reset(quiet);
        if !self.executed {
            for prog in self.programs.clone() {
                self.handle.exec(&prog)?;
            }
            self.executed = true;
        }
        #[cfg(not(target_os = "linux"))]
        self.bound_sleep()?;
        // With enabled programs and handlers set.
        self.handle.go()?;
        sink(Event::Started {
            matches: self.matches,
        });
        // Tracing is on: let the created or grabbed processes run, as
        // dtrace(1) does only now, so that nothing they do is missed.
        self.handle.continue_processes();
        let traced = self.handle.processes();
        self.state().procs_running = traced;
        let deadline = duration.map(|d| Instant::now() + d);
        let mut pace = Pace::new(settings.snapshot_every);
        let mut stopping: Option<RunEnd> = None;
        // dtrace_work said DONE: the programs called exit(), seen at a
        // status check (so `statusrate` decides how soon).
        let mut saw_exit = false;
        loop {
            // As illumos dtrace(1): wait in libdtrace until there is work
            // (no busy loop), unless the run is ending. The wait is
            // bounded by the status rate (see bound_sleep), so Stop is
            // seen within a second.
            #[cfg(not(target_os = "linux"))]
            if stopping.is_none()
                && !saw_exit
                && !stop.load(Ordering::SeqCst)
                && !abort.is_some_and(|a| a.load(Ordering::SeqCst))
            {
                self.handle.sleep();
            }
            let aborting = abort.is_some_and(|a| a.load(Ordering::SeqCst));
            if stopping.is_none() {
                let reason = if saw_exit {
                    Some(RunEnd::Exited { status: 0 })
                } else if stop.load(Ordering::SeqCst) || aborting {
                    if settings.newline_on_stop {
                        // dtrace(1) ends the interrupted line, quiet or not.
                        self.state().push_text("\n");
                        self.drain(sink);
                    }
                    Some(RunEnd::Stopped)
                } else if traced > 0 && self.state().procs_gone >= traced {
                    Some(RunEnd::TargetExited)
                } else if deadline.is_some_and(|d| Instant::now() >= d) {
                    Some(RunEnd::TimeUp)
                } else {
                    None
                };
                if let Some(reason) = reason {
                    // Said before dtrace_stop, which can take a second to
                    // detach the probes: tracing ends now, and the final
                    // snapshot counts up to here.
                    sink(Event::Stopping);
                    self.handle.stop()?;
                    stopping = Some(reason);
                }
            }
            if aborting {
                // Impatient: no more work calls, no final aggregations.
                self.state().drain_captured();
                self.state().flush();
                self.drain(sink);
                return Ok(self.finish(stopping.unwrap_or(RunEnd::Stopped)));
            }
            // Linux DTrace does not flush buffered output per record, so the
            // work call gets a real stream, read back after each call.
            let stream = MemStream::open().ok_or_else(|| DtraceError {
                code: 0,
                message: "cannot create an output buffer".into(),
            })?;
            self.state().out = Some(stream.writer());
            let status = self.handle.work(&stream);
            self.state().out = None;
            let written = stream.close();
            self.state().push_text(&written);
            self.state().drain_captured();
            self.drain(sink);
            if stopping.is_none() && pace.due() {
                // Stop, a second ^C and the duration are seen within the
                // snapshot too: it is given up, not finished.
                let interrupted = || {
                    stop.load(Ordering::SeqCst)
                        || abort.is_some_and(|a| a.load(Ordering::SeqCst))
                        || deadline.is_some_and(|d| Instant::now() >= d)
                };
                let began = Instant::now();
                let taken = self.take_snapshot(&interrupted);
                Self::send(taken, sink);
                if let Some(every) = pace.took(began.elapsed()) {
                    sink(Event::Pace {
                        every_ms: every.as_millis() as u64,
                    });
                }
            }
            match status {
                // Stop on the next turn, whose work call drains END.
                WorkStatus::Done if stopping.is_none() => saw_exit = true,
                WorkStatus::Error => {
                    let e = self.last_error();
                    if e.code != libc::EINTR {
                        return Err(e);
                    }
                }
                _ => {}
            }
            if let Some(reason) = stopping {
                // Impatient by now (a second ^C during END): no final
                // aggregations, as with dtrace(1).
                let aborted = abort.is_some_and(|a| a.load(Ordering::SeqCst));
                let printing = settings.print_aggregations && !aborted;
                let taken = (settings.final_snapshot || (printing && cfg!(target_os = "linux")))
                    .then(|| self.take_snapshot(&|| false))
                    .flatten();
                let printout = if printing {
                    Some(self.final_printout(taken.as_ref())?)
                } else {
                    None
                };
                if settings.final_snapshot {
                    Self::send(taken, sink);
                }
                if let Some(text) = printout {
                    self.state().push_text("\n");
                    self.state().push_text(&text);
                }
                self.state().drain_captured();
                self.state().flush();
                self.drain(sink);
                return Ok(self.finish(reason));
            }
        }
    }

    /// dtrace_sleep waits until the earliest of the next buffer switch,
    /// aggregation snapshot and status check (the last alone under the
    /// ring and fill buffer policies), or news of a traced process; a
    /// Stop asked for meanwhile is seen when it returns. A status rate
    /// slower than once a second (set by the script, or left unset) is
    /// made once a second so that every wait ends within a second. The
    /// status check is a small poll of the kernel's state; its rate
    /// changes nothing in what the script records.
    #[cfg(not(target_os = "linux"))]
    fn bound_sleep(&mut self) -> Result<(), DtraceError> {
        const SECOND: i64 = 1_000_000_000;
        let rate = self.handle.getopt(c"statusrate");
        // Unset is -2, below zero too.
        if rate <= 0 || rate > SECOND {
            self.setopt("statusrate", Some("1s"))?;
        }
        Ok(())
    }

    /// Why the run ended, as its exit status tells it: the last exit()
    /// consumed decides, whatever stopped the run (dtrace(1)'s g_status).
    fn finish(&self, reason: RunEnd) -> RunEnd {
        match (self.handle.state().exit_status, reason) {
            (Some(status), _) => RunEnd::Exited { status },
            (None, reason) => reason,
        }
    }

    /// Captures this process's standard output (see
    /// [`crate::run::CapturedStdout`]) into the run's output.
    pub fn capture_stdout(&mut self, captured: std::sync::Arc<crate::run::CapturedStdout>) {
        self.state().captured = Some(captured);
    }
}

impl Consumer<'_> {
    /// Every probe this system offers, as `dtrace -l` lists them.
    pub fn list_probes(&mut self) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        self.ensure_initialised()?;
        let mut probes: Vec<dscope_model::Probe> = Vec::new();
        // No description: every probe.
        self.handle
            .probe_iter(None, &mut |p| probes.push(probe_of(p)))?;
        Ok(probes)
    }
}

impl Consumer<'_> {
    /// The probes of process `pid` (`pid<PID>:::`: each function's entry
    /// and return in every module it has mapped), as
    /// `dtrace -l -n 'pid<PID>:::'` lists them. The pid provider makes
    /// these probes when a description names them, so this compiles one
    /// (nothing is enabled) and then lists what it matches.
    pub fn list_process_probes(
        &mut self,
        pid: i32,
    ) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        if pid <= 0 {
            return Err(DtraceError {
                code: 0,
                message: format!("invalid pid: {pid}"),
            });
        }
        self.ensure_initialised()?;
        let description = CString::new(format!("pid{pid}:::")).expect("no NUL in a number");
        // DTRACE_C_ZDEFS lets a process with no functions (yet) compile;
        // the program stays the handle's, never enabled, freed when the
        // handle closes.
        self.handle.compile_string(
            &description,
            DTRACE_PROBESPEC_NAME,
            DTRACE_C_ZDEFS,
            &[c"dscope"],
        )?;
        self.probes_described([&format!("pid{pid}"), "", "", ""])
    }

    /// The probes a description matches (provider, module, function and
    /// name; an empty field matches all, the others are globs), in the
    /// order libdtrace gives them, as `dtrace -l -n` lists them.
    pub fn list_probes_matching(
        &mut self,
        fields: [&str; 4],
    ) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        self.ensure_initialised()?;
        self.probes_described(fields)
    }

    fn probes_described(
        &mut self,
        fields: [&str; 4],
    ) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        let [provider, module, function, name] = fields;
        let desc =
            OwnedProbeDesc::new(provider, module, function, name).ok_or_else(|| DtraceError {
                code: 0,
                message: format!("invalid probe description {}", fields.join(":")),
            })?;
        let mut probes: Vec<dscope_model::Probe> = Vec::new();
        // Empty fields match all.
        self.handle
            .probe_iter(Some(&desc), &mut |p| probes.push(probe_of(p)))?;
        Ok(probes)
    }

    /// The C types of a probe's `args[]`, as `dtrace -lv` prints them;
    /// "(unknown)" where libdtrace has no type.
    pub fn probe_arg_types(
        &mut self,
        probe: &dscope_model::Probe,
    ) -> Result<Vec<String>, DtraceError> {
        self.probe_details(probe).map(|d| d.arg_types)
    }

    /// What `dtrace -lv` says of a probe: its stability attributes and
    /// its arguments' types.
    pub fn probe_details(
        &mut self,
        probe: &dscope_model::Probe,
    ) -> Result<ProbeDetails, DtraceError> {
        let unsupported = |what: &str| DtraceError {
            code: 0,
            message: format!("argument types are not available here ({what})"),
        };
        let fns = self.lib().functions();
        if fns.probe_info.is_none() {
            return Err(unsupported("no dtrace_probe_info"));
        }
        if fns.ctf_type_name.is_none() {
            return Err(unsupported("no ctf_type_name"));
        }
        self.ensure_initialised()?;
        let desc =
            OwnedProbeDesc::new(&probe.provider, &probe.module, &probe.function, &probe.name)
                .ok_or_else(|| unsupported("a probe name libdtrace cannot take"))?;
        let info = self.handle.probe_info(&desc)?;
        let lib = self.lib();
        let attributes = |a: &Attribute| {
            let word = |name: Option<String>, value: u8| name.unwrap_or_else(|| value.to_string());
            Attributes {
                names: word(lib.stability_name(a.name), a.name),
                data: word(lib.stability_name(a.data), a.data),
                class: word(lib.class_name(a.class), a.class),
            }
        };
        let arg_types = info
            .arg_types
            .into_iter()
            .map(|t| match t.name {
                None => "(unknown)".to_owned(),
                // The illumos family marks types of the traced process, as
                // its dtrace -lv prints them (print_probe_info).
                Some(name) if t.user => format!("userland {name}"),
                Some(name) => name,
            })
            .collect();
        Ok(ProbeDetails {
            attr: attributes(&info.attr),
            args: attributes(&info.args_attr),
            arg_types,
        })
    }
}

/// A probe's stability attributes as `dtrace -lv` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub names: String,
    pub data: String,
    pub class: String,
}

/// What `dtrace -lv` prints of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeDetails {
    /// The probe description's attributes.
    pub attr: Attributes,
    /// Its arguments' attributes.
    pub args: Attributes,
    pub arg_types: Vec<String>,
}

/// A probe as the model lists it.
fn probe_of(p: ProbeView<'_>) -> dscope_model::Probe {
    dscope_model::Probe {
        id: p.id(),
        provider: p.provider(),
        module: p.module(),
        function: p.function(),
        name: p.name(),
    }
}

/// A private temporary copy of the script, removed on drop.
struct TempScript {
    path: PathBuf,
}

impl TempScript {
    fn write(source: &str) -> Result<TempScript, String> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("dscope-{}-{n}.d", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    f.write_all(source.as_bytes())
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    return Ok(TempScript { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(format!(
                        "cannot create a temporary file in {}: {e}",
                        dir.display()
                    ));
                }
            }
        }
        Err(format!(
            "cannot create a temporary file in {}",
            dir.display()
        ))
    }
}

impl Drop for TempScript {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot that costs more than half its interval spaces the next
    /// one out to twice what it took; the interval is announced when it
    /// changes by a whole second, and again when it is back to the one
    /// asked for.
    #[test]
    fn slow_snapshots_are_spaced_out_and_announced() {
        let second = Duration::from_secs(1);
        let mut pace = Pace::new(Some(second));
        assert!(!pace.due(), "the first one waits an interval");
        assert_eq!(pace.took(Duration::from_millis(300)), None);
        assert_eq!(
            pace.took(Duration::from_millis(1500)),
            Some(Duration::from_secs(3))
        );
        let wait = pace.next - Instant::now();
        assert!(wait > Duration::from_millis(1400), "{wait:?}");
        // The same whole second: no news.
        assert_eq!(pace.took(Duration::from_millis(1700)), None);
        assert_eq!(
            pace.took(Duration::from_millis(2600)),
            Some(Duration::from_millis(5200))
        );
        assert_eq!(pace.took(Duration::from_millis(100)), Some(second));
        assert_eq!(pace.took(Duration::from_millis(100)), None);
        // Without live snapshots nothing is ever due.
        assert!(!Pace::new(None).due());
        assert_eq!(Pace::new(None).took(second), None);
    }

    #[test]
    fn commands_split_at_white_space_only_as_dtrace_does() {
        assert_eq!(command_words("ls -l /tmp"), ["ls", "-l", "/tmp"]);
        // Quotes and backslashes are ordinary characters, as in make_argv.
        assert_eq!(
            command_words("  echo\t'two  words' \"x\\\"y\" "),
            ["echo", "'two", "words'", "\"x\\\"y\""]
        );
        assert_eq!(
            command_words("echo $HOME `id` *"),
            ["echo", "$HOME", "`id`", "*"]
        );
        // White space is the six ASCII characters, not every Unicode one.
        assert_eq!(command_words("a\u{a0}b\x0bc"), ["a\u{a0}b", "c"]);
        assert!(command_words(" \n ").is_empty());
    }

    #[test]
    fn a_description_error_puts_its_tag_last() {
        let e = CompileError::Description {
            description: "BEGIN{x=}".into(),
            message: "[D_SYNTAX] syntax error near \"}\"".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid probe specifier BEGIN{x=}: syntax error near \"}\" [D_SYNTAX]"
        );
        let plain = CompileError::Description {
            description: "BEGIN".into(),
            message: "[not a tag] said".into(),
        };
        assert_eq!(
            plain.to_string(),
            "invalid probe specifier BEGIN: [not a tag] said"
        );
    }
}
