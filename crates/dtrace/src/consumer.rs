//! A safe DTrace consumer over a loaded [`Library`].
//!
//! libdtrace is not thread-safe and its compiler keeps process-global
//! state, so a `Consumer` is neither `Send` nor `Sync`: it lives and dies
//! on the thread that opened it.

use super::aggregate::Taken;
use super::layout::ProbeNames;
use super::layout::native::OwnedProbeDesc;
use super::library::{DtraceHdl, DtraceProc, DtraceProg, Library, ProgInfo};
use super::process::ProcessFns;
use super::run::{self, HandlerState};
use dscope_lang::compile_message;
use dscope_model::Diagnostic;
use dscope_model::Event;
use dscope_model::RunEnd;
use std::ffi::{CStr, CString, c_int};
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// An error libdtrace reported, with its code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtraceError {
    pub code: i32,
    pub message: String,
}

impl fmt::Display for DtraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.message.contains("privilege")
            || self.code == libc::EPERM
            || self.code == libc::EACCES
        {
            write!(f, ". {}", dscope_model::trouble::PRIVILEGES.fix)?;
        }
        Ok(())
    }
}

impl std::error::Error for DtraceError {}

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
    lib: &'lib Library,
    hdl: NonNull<DtraceHdl>,
    initialised: bool,
    /// The compiled programs, owned by the handle.
    programs: Vec<NonNull<DtraceProg>>,
    /// Whether `programs` were prepared for enabling (dtrace_program_exec).
    executed: bool,
    /// Processes created or grabbed (`-c`, `-p`), released before the
    /// handle is closed.
    procs: Vec<NonNull<DtraceProc>>,
    /// Handlers can be registered once per handle, so their state lives
    /// as long as the handle; it is dropped after the handle is closed.
    state: Box<HandlerState>,
    handlers_registered: bool,
    /// Names of stack frames and symbols, looked up once per run.
    symbols: super::aggregate::SymbolNames,
    /// Probes the programs enabled, said when tracing starts.
    matches: u32,
    /// Where libxo writes between the calls that print (see
    /// [`Consumer::libxo_to`]): /dev/null, opened when first needed.
    xo_idle: std::cell::Cell<*mut libc::FILE>,
    // Raw handle: not Send, not Sync.
    _not_send: PhantomData<*mut ()>,
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
        super::leftovers::clear();
        let mut err: c_int = 0;
        // SAFETY: dtrace_open takes the interface version, flags and a
        // pointer to an int it writes the error code to; `err` is a valid
        // local.
        let hdl = unsafe { (lib.fns.open)(super::library::DTRACE_VERSION, 0, &mut err) };
        let consumer = match NonNull::new(hdl) {
            Some(hdl) => Consumer {
                lib,
                hdl,
                initialised: false,
                programs: Vec::new(),
                executed: false,
                procs: Vec::new(),
                state: Box::default(),
                handlers_registered: false,
                symbols: Default::default(),
                matches: 0,
                xo_idle: std::cell::Cell::new(std::ptr::null_mut()),
                _not_send: PhantomData,
            },
            None => {
                return Err(DtraceError {
                    code: err,
                    message: errmsg(lib, None, err),
                });
            }
        };
        let mut consumer = consumer;
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
        // SAFETY: the handle is open for the lifetime of `self`.
        let code = unsafe { (self.lib.fns.errno)(self.hdl.as_ptr()) };
        DtraceError {
            code,
            message: errmsg(self.lib, Some(self.hdl), code),
        }
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
        // SAFETY: both strings are NUL-terminated and outlive the call; a
        // null value is how libdtrace takes value-less options.
        let rc = unsafe {
            (self.lib.fns.setopt)(
                self.hdl.as_ptr(),
                name_c.as_ptr(),
                value_c.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            let e = self.last_error();
            Err(DtraceError {
                code: e.code,
                message: format!("option {name}: {}", e.message),
            })
        }
    }

    /// Linux DTrace 2.x must be initialised after options are set and
    /// before anything is compiled.
    fn ensure_initialised(&mut self) -> Result<(), DtraceError> {
        if self.initialised {
            return Ok(());
        }
        if let Some(init) = self.lib.fns.init {
            // SAFETY: the handle is open; dtrace_init is called once.
            if unsafe { init(self.hdl.as_ptr()) } != 0 {
                return Err(self.last_error());
            }
        }
        self.initialised = true;
        Ok(())
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
        if !self.programs.is_empty() && self.lib.abi == super::Abi::Linux2 {
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
        self.programs = compiled.clone();
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
        self.register_handlers()
            .map_err(|e| CompileError::Setup(e.to_string()))?;
        for (index, prog) in compiled.iter().enumerate() {
            let mut info = ProgInfo::default();
            // SAFETY: `prog` is a live program of this handle; `info` is
            // a valid dtrace_proginfo_t (layout proven in the facts tests).
            let rc =
                unsafe { (self.lib.fns.program_exec)(self.hdl.as_ptr(), prog.as_ptr(), &mut info) };
            if rc != 0 {
                let e = self.last_error();
                return Err(failed_source(&sources[index], temps[index].as_ref(), e));
            }
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
    ) -> Result<(NonNull<DtraceProg>, Option<TempScript>), CompileError> {
        let program_name = match source {
            Source::Script { name, .. } => *name,
            Source::Probes(_) => "dtrace",
        };
        let mut argv_owned =
            vec![cstring(program_name, "the script name").map_err(CompileError::Setup)?];
        for a in args {
            argv_owned.push(cstring(a, "a macro argument").map_err(CompileError::Setup)?);
        }
        let argv: Vec<*const std::ffi::c_char> = argv_owned.iter().map(|a| a.as_ptr()).collect();
        let (prog, temp) = match source {
            Source::Script { text, .. } => {
                let temp = TempScript::write(text).map_err(CompileError::Setup)?;
                let mode = CString::new("r").expect("no NUL");
                let path_c = cstring(&temp.path.to_string_lossy(), "the temporary path")
                    .map_err(CompileError::Setup)?;
                // SAFETY: both strings are NUL-terminated; fopen returns
                // null or a FILE we close below.
                let fp = unsafe { libc::fopen(path_c.as_ptr(), mode.as_ptr()) };
                if fp.is_null() {
                    return Err(CompileError::Setup(format!(
                        "cannot reopen the temporary copy {}: {}",
                        temp.path.display(),
                        std::io::Error::last_os_error()
                    )));
                }
                // SAFETY: the handle is open and initialised, `fp` is a
                // readable FILE, and `argv` holds `argv.len()` pointers to
                // NUL-terminated strings that live until after the call.
                let prog = unsafe {
                    (self.lib.fns.program_fcompile)(
                        self.hdl.as_ptr(),
                        fp,
                        0,
                        argv.len() as c_int,
                        argv.as_ptr(),
                    )
                };
                // SAFETY: `fp` came from fopen above and is closed once.
                unsafe { libc::fclose(fp) };
                (prog, Some(temp))
            }
            Source::Probes(description) => {
                let text =
                    cstring(description, "the probe description").map_err(CompileError::Setup)?;
                // SAFETY: open, initialised handle; `text` and `argv` are
                // NUL-terminated strings that outlive the call.
                let prog = unsafe {
                    (self.lib.fns.program_strcompile)(
                        self.hdl.as_ptr(),
                        text.as_ptr(),
                        super::library::DTRACE_PROBESPEC_NAME,
                        // As dtrace -n: an ambiguous specifier is a probe.
                        super::library::DTRACE_C_PSPEC,
                        argv.len() as c_int,
                        argv.as_ptr(),
                    )
                };
                (prog, None)
            }
        };
        match NonNull::new(prog) {
            Some(prog) => Ok((prog, temp)),
            None => {
                let e = self.last_error();
                Err(failed_source(source, temp.as_ref(), e))
            }
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
        let procs = self.process_control()?;
        if words.is_empty() {
            return Err(bad("the command to trace is empty".into()));
        }
        let owned = words
            .iter()
            .map(|w| cstring(w, "the command"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        let mut argv: Vec<*const std::ffi::c_char> = owned.iter().map(|w| w.as_ptr()).collect();
        argv.push(std::ptr::null());
        // SAFETY: open handle; `argv` is a null-terminated array of
        // NUL-terminated strings that outlive the call, its first element
        // the file to run, as execvp takes them.
        let proc = unsafe { procs.create(self.hdl.as_ptr(), argv[0], argv.as_ptr()) };
        self.took_process(proc)
    }

    /// Grabs a running process as `dtrace -p` does (`$target` is its pid).
    /// Call before compiling.
    pub fn grab_process(&mut self, pid: i32) -> Result<i32, DtraceError> {
        let procs = self.process_control()?;
        // SAFETY: open handle; libdtrace checks the pid itself. No flags,
        // as dtrace -p.
        let proc = unsafe { (procs.grab)(self.hdl.as_ptr(), pid, 0) };
        self.took_process(proc)
    }

    fn process_control(&self) -> Result<ProcessFns, DtraceError> {
        self.lib.fns.procs.ok_or_else(|| DtraceError {
            code: 0,
            message: format!(
                "{} has no process control (dtrace_proc_create and the functions \
                 around it), so -c and -p cannot be used with it",
                self.lib.path.display()
            ),
        })
    }

    fn took_process(&mut self, proc: *mut DtraceProc) -> Result<i32, DtraceError> {
        let procs = self.process_control()?;
        match NonNull::new(proc) {
            Some(p) => {
                self.procs.push(p);
                // SAFETY: open handle and a process handle it just gave us,
                // valid until dtrace_proc_release.
                Ok(unsafe { procs.query.pid(self.hdl.as_ptr(), p.as_ptr()) })
            }
            None => Err(self.last_error()),
        }
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
        let name = c"aggrate";
        // SAFETY: the handle is open for the lifetime of `self`.
        let value = unsafe { self.lib.fns.option(self.hdl.as_ptr(), name) };
        (value != super::layout::native::DTRACEOPT_UNSET && value > 0)
            .then(|| Duration::from_nanos(value as u64))
    }

    /// Whether an option is set (for flags such as `quiet`, which a
    /// `#pragma D option` in the script may have set).
    fn option_is_set(&self, name: &str) -> bool {
        let Ok(name_c) = CString::new(name) else {
            return false;
        };
        // SAFETY: the handle is open for the lifetime of `self`.
        let value = unsafe { self.lib.fns.option(self.hdl.as_ptr(), &name_c) };
        value != super::layout::native::DTRACEOPT_UNSET
    }

    fn register_handlers(&mut self) -> Result<(), DtraceError> {
        if self.handlers_registered {
            return Ok(());
        }
        let arg = &mut *self.state as *mut HandlerState as *mut std::ffi::c_void;
        let h = self.hdl.as_ptr();
        // SAFETY: the handlers are `extern "C"` functions that catch every
        // panic; `arg` points into `self.state`, a Box that stays at one
        // address and outlives the handle (the handle is closed in Drop
        // before the fields are dropped).
        let ok = unsafe {
            (self.lib.fns.handle_err)(h, run::on_error, arg) == 0
                && (self.lib.fns.handle_drop)(h, run::on_drop, arg) == 0
                && (self.lib.fns.handle_buffered)(h, run::on_buffered, arg) == 0
        };
        if !ok {
            return Err(self.last_error());
        }
        if let Some(procs) = self.lib.fns.procs {
            self.state.proc_query = Some((procs.query, h));
            // SAFETY: as above; on_proc catches every panic and has this
            // system's handler signature.
            if unsafe { (procs.handle_proc)(h, run::on_proc, arg) } != 0 {
                return Err(self.last_error());
            }
        }
        self.handlers_registered = true;
        Ok(())
    }

    fn drain(&mut self, sink: &mut dyn FnMut(Event)) {
        for event in self.state.events.drain(..) {
            sink(event);
        }
    }

    /// Decodes every aggregation as it stands now, unless `interrupted`
    /// says to give up first.
    fn take_snapshot(&mut self, interrupted: &dyn Fn() -> bool) -> Option<Taken> {
        // SAFETY: open handle with tracing started, used by this thread only.
        unsafe {
            super::aggregate::snapshot(
                &self.lib.fns,
                self.lib.abi,
                self.hdl.as_ptr(),
                &mut self.symbols,
                interrupted,
            )
        }
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
    fn final_printout(&self, taken: Option<&Taken>) -> Result<String, DtraceError> {
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
        let stream = run::MemStream::open().ok_or_else(|| DtraceError {
            code: 0,
            message: "cannot create an output buffer".into(),
        })?;
        self.libxo_to(Some(stream.file()));
        // SAFETY: an open handle and stream; a null walk function prints
        // every aggregation not printed yet, as dtrace(1) does at the end.
        unsafe {
            (self.lib.fns.aggregate_print)(self.hdl.as_ptr(), stream.file(), std::ptr::null())
        };
        self.libxo_to(None);
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
        self.release_processes();
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
        self.register_handlers()?;
        let quiet = self.option_is_set("quiet");
        self.state.reset(quiet);
        let h = self.hdl.as_ptr();
        if !self.executed {
            for prog in self.programs.clone() {
                let mut info = ProgInfo::default();
                // SAFETY: `prog` is this handle's live program; `info` is
                // valid.
                if unsafe { (self.lib.fns.program_exec)(h, prog.as_ptr(), &mut info) } != 0 {
                    return Err(self.last_error());
                }
            }
            self.executed = true;
        }
        #[cfg(not(target_os = "linux"))]
        self.bound_sleep()?;
        #[cfg(target_os = "linux")]
        // SAFETY: open handle with enabled programs and handlers set; no
        // compile flags, as dtrace(1).
        let started = unsafe { (self.lib.fns.go)(h, 0) };
        #[cfg(not(target_os = "linux"))]
        // SAFETY: open handle with enabled programs and handlers set.
        let started = unsafe { (self.lib.fns.go)(h) };
        if started != 0 {
            return Err(self.last_error());
        }
        sink(Event::Started {
            matches: self.matches,
        });
        // Tracing is on: let the created or grabbed processes run, as
        // dtrace(1) does only now, so that nothing they do is missed.
        if let Some(procs) = self.lib.fns.procs {
            for p in &self.procs {
                // SAFETY: open handle and a process handle of it, not yet
                // released.
                unsafe { (procs.cont)(h, p.as_ptr()) };
            }
            self.state.procs_running = self.procs.len();
        }
        let traced = self.procs.len();
        let deadline = duration.map(|d| Instant::now() + d);
        let mut pace = Pace::new(settings.snapshot_every);
        let arg = &mut *self.state as *mut HandlerState as *mut std::ffi::c_void;
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
                // SAFETY: open, running handle, used by this thread only.
                unsafe { (self.lib.fns.sleep)(h) };
            }
            let aborting = abort.is_some_and(|a| a.load(Ordering::SeqCst));
            if stopping.is_none() {
                let reason = if saw_exit {
                    Some(RunEnd::Exited { status: 0 })
                } else if stop.load(Ordering::SeqCst) || aborting {
                    if settings.newline_on_stop {
                        // dtrace(1) ends the interrupted line, quiet or not.
                        self.state.push_text("\n");
                        self.drain(sink);
                    }
                    Some(RunEnd::Stopped)
                } else if traced > 0 && self.state.procs_gone >= traced {
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
                    // SAFETY: open, running handle.
                    if unsafe { (self.lib.fns.stop)(h) } != 0 {
                        return Err(self.last_error());
                    }
                    stopping = Some(reason);
                }
            }
            if aborting {
                // Impatient: no more work calls, no final aggregations.
                self.state.drain_captured();
                self.state.flush();
                self.drain(sink);
                return Ok(self.finish(stopping.unwrap_or(RunEnd::Stopped)));
            }
            // Linux DTrace does not flush buffered output per record, so the
            // work call gets a real stream, read back after each call.
            let stream = run::MemStream::open().ok_or_else(|| DtraceError {
                code: 0,
                message: "cannot create an output buffer".into(),
            })?;
            self.state.fp = stream.file();
            self.libxo_to(Some(stream.file()));
            // SAFETY: open handle and stream; the callbacks catch panics and
            // `arg` is the registered state.
            let status = unsafe {
                (self.lib.fns.work)(h, stream.file(), run::on_probe, run::on_record, arg)
            };
            self.libxo_to(None);
            self.state.fp = std::ptr::null_mut();
            let written = stream.close();
            self.state.push_text(&written);
            self.state.drain_captured();
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
                run::DTRACE_WORKSTATUS_DONE if stopping.is_none() => saw_exit = true,
                run::DTRACE_WORKSTATUS_ERROR => {
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
                    self.state.push_text("\n");
                    self.state.push_text(&text);
                }
                self.state.drain_captured();
                self.state.flush();
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
        // SAFETY: the handle is open for the lifetime of `self`.
        let rate = unsafe { self.lib.fns.option(self.hdl.as_ptr(), c"statusrate") };
        // Unset is -2, below zero too.
        if rate <= 0 || rate > SECOND {
            self.setopt("statusrate", Some("1s"))?;
        }
        Ok(())
    }

    /// Why the run ended, as its exit status tells it: the last exit()
    /// consumed decides, whatever stopped the run (dtrace(1)'s g_status).
    fn finish(&self, reason: RunEnd) -> RunEnd {
        match (self.state.exit_status, reason) {
            (Some(status), _) => RunEnd::Exited { status },
            (None, reason) => reason,
        }
    }

    /// Lets go of the traced processes: a grabbed one runs on, untraced; a
    /// created one still running is killed, as under dtrace -c.
    fn release_processes(&mut self) {
        let Some(release) = self.lib.fns.procs.map(|p| p.release) else {
            return;
        };
        for p in self.procs.drain(..) {
            // SAFETY: open handle; each process handle is released once.
            unsafe { release(self.hdl.as_ptr(), p.as_ptr()) };
        }
    }

    /// Captures this process's standard output (see
    /// [`run::CapturedStdout`]) into the run's output.
    pub fn capture_stdout(&mut self, captured: std::sync::Arc<run::CapturedStdout>) {
        self.state.captured = Some(captured);
    }
}

impl Consumer<'_> {
    /// Every probe this system offers, as `dtrace -l` lists them.
    pub fn list_probes(&mut self) -> Result<Vec<dscope_model::Probe>, DtraceError> {
        self.ensure_initialised()?;
        let mut probes: Vec<dscope_model::Probe> = Vec::new();
        let arg = &mut probes as *mut Vec<dscope_model::Probe> as *mut std::ffi::c_void;
        // SAFETY: open, initialised handle; a null description means every
        // probe; the callback catches panics and `arg` points at `probes`,
        // which outlives this synchronous iteration.
        let rc = unsafe {
            (self.lib.fns.probe_iter)(self.hdl.as_ptr(), std::ptr::null(), collect_probe, arg)
        };
        if rc < 0 {
            return Err(self.last_error());
        }
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
        let argv = [c"dscope".as_ptr()];
        // SAFETY: open, initialised handle; the strings are NUL-terminated
        // and outlive the call. DTRACE_C_ZDEFS lets a process with no
        // functions (yet) compile; the program stays the handle's, never
        // enabled, freed when the handle closes.
        let prog = unsafe {
            (self.lib.fns.program_strcompile)(
                self.hdl.as_ptr(),
                description.as_ptr(),
                super::library::DTRACE_PROBESPEC_NAME,
                super::library::DTRACE_C_ZDEFS,
                argv.len() as c_int,
                argv.as_ptr(),
            )
        };
        if prog.is_null() {
            return Err(self.last_error());
        }
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
        let arg = &mut probes as *mut Vec<dscope_model::Probe> as *mut std::ffi::c_void;
        // SAFETY: as in list_probes; `desc` (empty fields match all) points
        // at strings that outlive this synchronous iteration.
        let rc = unsafe {
            (self.lib.fns.probe_iter)(
                self.hdl.as_ptr(),
                (desc.get() as *const run::ProbeDesc).cast(),
                collect_probe,
                arg,
            )
        };
        if rc < 0 {
            return Err(self.last_error());
        }
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
        let info_fn = self
            .lib
            .fns
            .probe_info
            .ok_or_else(|| unsupported("no dtrace_probe_info"))?;
        let type_name = self
            .lib
            .fns
            .ctf_type_name
            .ok_or_else(|| unsupported("no ctf_type_name"))?;
        self.ensure_initialised()?;
        let desc =
            OwnedProbeDesc::new(&probe.provider, &probe.module, &probe.function, &probe.name)
                .ok_or_else(|| unsupported("a probe name libdtrace cannot take"))?;
        let mut info = run::ProbeInfo {
            attr: Default::default(),
            arga: Default::default(),
            argv: std::ptr::null(),
            argc: 0,
        };
        // SAFETY: open, initialised handle; `desc` points at NUL-terminated
        // strings that outlive the call; `info` is a writable ProbeInfo
        // whose layout a test checks against dtrace.h.
        if unsafe { info_fn(self.hdl.as_ptr(), desc.get(), &mut info) } != 0 {
            return Err(self.last_error());
        }
        let words = |f: Option<crate::library::AttrNameFn>, value: u8| {
            let Some(f) = f else {
                return value.to_string();
            };
            // SAFETY: the function returns a pointer into libdtrace's
            // static table of names (or null for a value out of range).
            let name = unsafe { f(value) };
            if name.is_null() {
                return value.to_string();
            }
            // SAFETY: non-null: a NUL-terminated static string.
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        };
        let (stability, class) = (self.lib.fns.stability_name, self.lib.fns.class_name);
        let attributes = |a: &super::layout::native::Attribute| Attributes {
            names: words(stability, a.name),
            data: words(stability, a.data),
            class: words(class, a.class),
        };
        let (attr, args) = (attributes(&info.attr), attributes(&info.arga));
        let arg_types = Self::arg_type_names(&info, type_name);
        Ok(ProbeDetails {
            attr,
            args,
            arg_types,
        })
    }

    fn arg_type_names(
        info: &run::ProbeInfo,
        type_name: crate::library::CtfTypeNameFn,
    ) -> Vec<String> {
        let argc = usize::try_from(info.argc).unwrap_or(0);
        if argc == 0 || info.argv.is_null() {
            return Vec::new();
        }
        // SAFETY: libdtrace filled `argv` with `argc` type descriptions
        // that live as long as the probe (the handle).
        let argv = unsafe { std::slice::from_raw_parts(info.argv, argc) };
        argv.iter()
            .map(|t| {
                let mut buf = [0 as std::ffi::c_char; 256];
                if t.ctfp.is_null() {
                    return "(unknown)".to_owned();
                }
                // SAFETY: a CTF container and type id from libdtrace; the
                // buffer's length is passed, and ctf_type_name NUL-terminates
                // what it writes or returns null.
                let name = unsafe { type_name(t.ctfp, t.ty, buf.as_mut_ptr(), buf.len()) };
                if name.is_null() {
                    return "(unknown)".to_owned();
                }
                // SAFETY: NUL-terminated within `buf`, per the above.
                let name = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
                // The illumos family marks types of the traced process, as
                // its dtrace -lv prints them (print_probe_info).
                #[cfg(not(target_os = "linux"))]
                if t.flags & super::layout::native::DTT_FL_USER != 0 {
                    return format!("userland {name}");
                }
                name.into_owned()
            })
            .collect()
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

/// # Safety
/// Called by `dtrace_probe_iter` only, with `arg` pointing at a
/// `Vec<Probe>` and a valid probe description.
unsafe extern "C" fn collect_probe(
    _hdl: *mut DtraceHdl,
    desc: *const run::ProbeDesc,
    arg: *mut std::ffi::c_void,
) -> c_int {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: per this function's contract.
        let (d, probes) = unsafe { (&*desc, &mut *(arg as *mut Vec<dscope_model::Probe>)) };
        probes.push(dscope_model::Probe {
            id: d.id(),
            provider: d.provider(),
            module: d.module(),
            function: d.function(),
            name: d.name(),
        });
        0
    }))
    .unwrap_or(-1)
}

impl Drop for Consumer<'_> {
    fn drop(&mut self) {
        // libdtrace kills a process it created that still runs (as
        // dtrace -c does when interrupted) and lets a grabbed one go.
        self.release_processes();
        // SAFETY: the handle was opened by dtrace_open and is closed once;
        // closing also disables anything it enabled.
        unsafe { (self.lib.fns.close)(self.hdl.as_ptr()) };
        let idle = self.xo_idle.get();
        if !idle.is_null() {
            // SAFETY: opened by fopen and closed once. libxo may still hold
            // it, but only prints into it for libdtrace, whose handle is
            // closed (and a new consumer points libxo afresh).
            unsafe { libc::fclose(idle) };
        }
    }
}

impl Consumer<'_> {
    /// Points libxo, on this thread, at `fp` for a call that prints into
    /// it, or (with `None`) away from a stream about to be closed.
    /// FreeBSD's libdtrace writes the values of `print()` with libxo's
    /// default handle (stdout unless told): pointed at the call's stream,
    /// they land between the names and braces it writes there, as in
    /// dtrace(1)'s output, instead of on this process's standard output
    /// (an agent's protocol, or out of order on a terminal).
    fn libxo_to(&self, fp: Option<*mut libc::FILE>) {
        let Some(set) = self.lib.fns.xo_set_file else {
            return;
        };
        let fp = match fp {
            Some(fp) => fp,
            None => {
                if self.xo_idle.get().is_null() {
                    // SAFETY: NUL-terminated path and mode.
                    let null = unsafe { libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) };
                    self.xo_idle.set(null);
                }
                self.xo_idle.get()
            }
        };
        if !fp.is_null() {
            // SAFETY: an open stream, kept open until libxo is pointed
            // elsewhere (the work and print streams are pointed away before
            // they are closed; /dev/null's lives as long as the consumer).
            unsafe { set(fp) };
        }
    }
}

fn errmsg(lib: &Library, hdl: Option<NonNull<DtraceHdl>>, code: c_int) -> String {
    // SAFETY: dtrace_errmsg accepts a null handle (for dtrace_open's
    // errors) and returns a static or handle-owned NUL-terminated string,
    // which is copied at once.
    let p = unsafe { (lib.fns.errmsg)(hdl.map_or(std::ptr::null_mut(), NonNull::as_ptr), code) };
    if p.is_null() {
        return format!("DTrace error {code}");
    }
    // SAFETY: non-null, NUL-terminated, valid until the next libdtrace call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
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
