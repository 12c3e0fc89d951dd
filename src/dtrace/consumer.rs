//! A safe DTrace consumer over a loaded [`Library`].
//!
//! libdtrace is not thread-safe and its compiler keeps process-global
//! state, so a `Consumer` is neither `Send` nor `Sync`: it lives and dies
//! on the thread that opened it.

use super::library::{DtraceHdl, DtraceProg, Library, ProgInfo};
use super::run::{self, Finish, HandlerState, RunEvent};
use crate::lang::compile_message;
use crate::model::Diagnostic;
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
            write!(f, ". {}", crate::troubleshooting::PRIVILEGES.fix)?;
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
    /// Something around the compiler failed (temporary file, options).
    Setup(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Script(d) => f.write_str(&d.message),
            CompileError::Setup(m) => f.write_str(m),
        }
    }
}

/// How to run a compiled program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    /// Stop after this long; `None` runs until `exit()` or Stop.
    pub duration: Option<Duration>,
    /// Send a [`RunEvent::Snapshot`] of all aggregations this often while
    /// running; one is always sent at the end.
    pub snapshot_every: Option<Duration>,
    /// Print the aggregations at the end as output text, as `dtrace -s`.
    pub print_aggregations: bool,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            duration: None,
            snapshot_every: None,
            print_aggregations: true,
        }
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
    /// The last compiled program, owned by the handle.
    program: Option<NonNull<DtraceProg>>,
    /// Whether `program` was prepared for enabling (dtrace_program_exec).
    executed: bool,
    /// Handlers can be registered once per handle, so their state lives
    /// as long as the handle; it is dropped after the handle is closed.
    state: Box<HandlerState>,
    handlers_registered: bool,
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
                program: None,
                executed: false,
                state: Box::default(),
                handlers_registered: false,
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
        self.ensure_initialised()
            .map_err(|e| CompileError::Setup(e.to_string()))?;
        if self.executed && self.lib.abi == super::Abi::Linux2 {
            // See the note on the statement table below.
            return Err(CompileError::Setup(
                "this DTrace consumer already holds a program; open a new one".into(),
            ));
        }
        let temp = TempScript::write(source).map_err(CompileError::Setup)?;
        let mode = CString::new("r").expect("no NUL");
        let path_c = cstring(&temp.path.to_string_lossy(), "the temporary path")
            .map_err(CompileError::Setup)?;
        let mut argv_owned =
            vec![cstring(script_name, "the script name").map_err(CompileError::Setup)?];
        for a in args {
            argv_owned.push(cstring(a, "a macro argument").map_err(CompileError::Setup)?);
        }
        let argv: Vec<*const std::ffi::c_char> = argv_owned.iter().map(|a| a.as_ptr()).collect();

        // SAFETY: both strings are NUL-terminated; fopen returns null or a
        // FILE we close below.
        let fp = unsafe { libc::fopen(path_c.as_ptr(), mode.as_ptr()) };
        if fp.is_null() {
            return Err(CompileError::Setup(format!(
                "cannot reopen the temporary copy {}: {}",
                temp.path.display(),
                std::io::Error::last_os_error()
            )));
        }
        // SAFETY: the handle is open and initialised, `fp` is a readable
        // FILE, and `argv` holds `argv.len()` pointers to NUL-terminated
        // strings that live until after the call.
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
        // libdtrace's last error, as a diagnostic on the user's script.
        let script_error = |e: DtraceError| {
            let mut d = compile_message::parse(&e.message, Some(&temp.path), source);
            // The temporary name means nothing to the user.
            d.message = d
                .message
                .replace(&*temp.path.to_string_lossy(), script_name);
            CompileError::Script(d)
        };
        if prog.is_null() {
            return Err(script_error(self.last_error()));
        }
        let mut info = ProgInfo::default();
        self.program = NonNull::new(prog);
        self.executed = false;
        if self.lib.abi == super::Abi::Linux2 {
            // The error handler is a program of libdtrace's own, compiled
            // and enabled when it is registered; the statement table is
            // sized at the first dtrace_program_exec from the statements
            // compiled so far. So, as in dtrace(1): compile the script,
            // register the handlers, then prepare the script. Any other
            // order writes past that table and crashes in dtrace_close.
            self.register_handlers()
                .map_err(|e| CompileError::Setup(e.to_string()))?;
            // Linux DTrace counts matching probes only when the program is
            // prepared for enabling; nothing is attached before dtrace_go,
            // and closing the handle releases it.
            // SAFETY: `prog` is a live program of this handle; `info` is a
            // valid dtrace_proginfo_t (layout checked in tests).
            if unsafe { (self.lib.fns.program_exec)(self.hdl.as_ptr(), prog, &mut info) } != 0 {
                return Err(script_error(self.last_error()));
            }
            self.executed = true;
        } else {
            // SAFETY: as above; illumos fills in the matches at compile time.
            unsafe { (self.lib.fns.program_info)(self.hdl.as_ptr(), prog, &mut info) };
        }
        Ok(Compiled {
            matches: info.matches,
            aggregations: info.aggregates,
            speculations: info.speculations,
        })
    }
}

impl Consumer<'_> {
    /// Whether destructive actions are on, by `setopt` or by the script's
    /// own `#pragma D option destructive` (so ask after compiling).
    pub fn destructive_allowed(&self) -> bool {
        self.option_is_set("destructive")
    }

    /// Whether an option is set (for flags such as `quiet`, which a
    /// `#pragma D option` in the script may have set).
    fn option_is_set(&self, name: &str) -> bool {
        const DTRACEOPT_UNSET: u64 = -2i64 as u64;
        let Ok(name_c) = CString::new(name) else {
            return false;
        };
        let mut value: u64 = DTRACEOPT_UNSET;
        // SAFETY: open handle, NUL-terminated name, valid out pointer.
        let rc = unsafe { (self.lib.fns.getopt)(self.hdl.as_ptr(), name_c.as_ptr(), &mut value) };
        rc == 0 && value != DTRACEOPT_UNSET
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
        self.handlers_registered = true;
        Ok(())
    }

    fn drain(&mut self, sink: &mut dyn FnMut(RunEvent)) {
        for event in self.state.events.drain(..) {
            sink(event);
        }
    }

    /// Decodes every aggregation as it stands now.
    fn snapshot(&mut self, sink: &mut dyn FnMut(RunEvent)) {
        // SAFETY: open handle with tracing started, used by this thread only.
        let (snap, problems) =
            unsafe { super::aggregate::snapshot(&self.lib.fns, self.lib.abi, self.hdl.as_ptr()) };
        for p in problems {
            sink(RunEvent::Problem(p));
        }
        sink(RunEvent::Snapshot(snap));
    }

    /// Runs the last compiled program until it calls `exit()`, the
    /// duration is over, or `stop` is set; END clauses run, then the final
    /// aggregations are decoded and (if asked) printed as `dtrace -s` does.
    /// Events are handed to `sink` as they happen.
    pub fn run(
        &mut self,
        settings: &RunSettings,
        stop: &AtomicBool,
        sink: &mut dyn FnMut(RunEvent),
    ) -> Result<Finish, DtraceError> {
        let duration = settings.duration;
        if self.lib.abi != super::Abi::Linux2 {
            return Err(DtraceError {
                code: 0,
                message: format!(
                    "running scripts is not supported yet with {} (checking is)",
                    self.lib.abi
                ),
            });
        }
        let Some(prog) = self.program else {
            return Err(DtraceError {
                code: 0,
                message: "nothing compiled to run".into(),
            });
        };
        // Handlers go in before dtrace_go, or faults and drops abort the run.
        self.register_handlers()?;
        let quiet = self.option_is_set("quiet");
        self.state.reset(quiet);
        let h = self.hdl.as_ptr();
        if !self.executed {
            let mut info = ProgInfo::default();
            // SAFETY: `prog` is this handle's live program; `info` is valid.
            if unsafe { (self.lib.fns.program_exec)(h, prog.as_ptr(), &mut info) } != 0 {
                return Err(self.last_error());
            }
            self.executed = true;
        }
        // SAFETY: open handle with an enabled program and handlers set.
        if unsafe { (self.lib.fns.go)(h, 0) } != 0 {
            return Err(self.last_error());
        }
        sink(RunEvent::Started);
        let deadline = duration.map(|d| Instant::now() + d);
        let mut last_snapshot = Instant::now();
        let arg = &mut *self.state as *mut HandlerState as *mut std::ffi::c_void;
        let mut stopping: Option<Finish> = None;
        loop {
            if stopping.is_none() {
                let reason = if let Some(status) = self.state.exit_status {
                    Some(Finish::Exited(status))
                } else if stop.load(Ordering::Relaxed) {
                    Some(Finish::Stopped)
                } else if deadline.is_some_and(|d| Instant::now() >= d) {
                    Some(Finish::TimeUp)
                } else {
                    None
                };
                if let Some(reason) = reason {
                    // SAFETY: open, running handle.
                    if unsafe { (self.lib.fns.stop)(h) } != 0 {
                        return Err(self.last_error());
                    }
                    sink(RunEvent::Stopping);
                    stopping = Some(reason);
                }
            }
            // Linux DTrace does not flush buffered output per record, so the
            // work call gets a real stream, read back after each call.
            let stream = run::MemStream::open().ok_or_else(|| DtraceError {
                code: 0,
                message: "cannot create an output buffer".into(),
            })?;
            self.state.fp = stream.file();
            // SAFETY: open handle and stream; the callbacks catch panics and
            // `arg` is the registered state.
            let status = unsafe {
                (self.lib.fns.work)(h, stream.file(), run::on_probe, run::on_record, arg)
            };
            self.state.fp = std::ptr::null_mut();
            let written = stream.close();
            self.state.push_text(&written);
            self.drain(sink);
            if let Some(every) = settings.snapshot_every
                && stopping.is_none()
                && last_snapshot.elapsed() >= every
            {
                last_snapshot = Instant::now();
                self.snapshot(sink);
            }
            match status {
                run::DTRACE_WORKSTATUS_DONE if stopping.is_none() => {
                    // exit() was seen: stop on the next turn, which drains
                    // END.
                    let status = self.state.exit_status.unwrap_or(0);
                    self.state.exit_status = Some(status);
                }
                run::DTRACE_WORKSTATUS_ERROR => {
                    let e = self.last_error();
                    if e.code != libc::EINTR {
                        return Err(e);
                    }
                }
                _ => {}
            }
            if let Some(reason) = stopping {
                self.snapshot(sink);
                if settings.print_aggregations {
                    self.state.push_text("\n");
                    let stream = run::MemStream::open().ok_or_else(|| DtraceError {
                        code: 0,
                        message: "cannot create an output buffer".into(),
                    })?;
                    // SAFETY: as for work; a null walk function prints every
                    // aggregation not printed yet, as dtrace(1) does at the
                    // end.
                    unsafe { (self.lib.fns.aggregate_print)(h, stream.file(), std::ptr::null()) };
                    let written = stream.close();
                    self.state.push_text(&written);
                }
                self.state.flush();
                self.drain(sink);
                return Ok(reason);
            }
        }
    }
}

impl Consumer<'_> {
    /// Every probe this system offers, as `dtrace -l` lists them.
    pub fn list_probes(&mut self) -> Result<Vec<crate::model::Probe>, DtraceError> {
        if self.lib.abi != super::Abi::Linux2 {
            return Err(DtraceError {
                code: 0,
                message: format!("listing probes is not supported yet with {}", self.lib.abi),
            });
        }
        self.ensure_initialised()?;
        let mut probes: Vec<crate::model::Probe> = Vec::new();
        let arg = &mut probes as *mut Vec<crate::model::Probe> as *mut std::ffi::c_void;
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
    /// The C types of a probe's `args[]`, as `dtrace -lv` prints them;
    /// "(unknown)" where libdtrace has no type.
    pub fn probe_arg_types(
        &mut self,
        probe: &crate::model::Probe,
    ) -> Result<Vec<String>, DtraceError> {
        let unsupported = |what: &str| DtraceError {
            code: 0,
            message: format!("argument types are not available here ({what})"),
        };
        if self.lib.abi != super::Abi::Linux2 {
            return Err(unsupported("this libdtrace's layout is not declared yet"));
        }
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
        let c = |s: &str| CString::new(s).map_err(|_| unsupported("a NUL in the probe name"));
        let (prv, m, f, n) = (
            c(&probe.provider)?,
            c(&probe.module)?,
            c(&probe.function)?,
            c(&probe.name)?,
        );
        let desc = run::ProbeDesc {
            id: 0,
            provider: prv.as_ptr(),
            module: m.as_ptr(),
            function: f.as_ptr(),
            name: n.as_ptr(),
        };
        let mut info = run::ProbeInfo {
            attr: run::Attribute::default(),
            arg_attr: run::Attribute::default(),
            argv: std::ptr::null(),
            argc: 0,
        };
        // SAFETY: open, initialised handle; `desc` points at NUL-terminated
        // strings that outlive the call; `info` is a writable ProbeInfo
        // whose layout a test checks against dtrace.h.
        if unsafe { info_fn(self.hdl.as_ptr(), &desc, &mut info) } != 0 {
            return Err(self.last_error());
        }
        let argc = usize::try_from(info.argc).unwrap_or(0);
        if argc == 0 || info.argv.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: libdtrace filled `argv` with `argc` type descriptions
        // that live as long as the probe (the handle).
        let argv = unsafe { std::slice::from_raw_parts(info.argv, argc) };
        Ok(argv
            .iter()
            .map(|t| {
                let mut buf = [0 as std::ffi::c_char; 256];
                if t.ctf.is_null() {
                    return "(unknown)".to_owned();
                }
                // SAFETY: a CTF container and type id from libdtrace; the
                // buffer's length is passed, and ctf_type_name NUL-terminates
                // what it writes or returns null.
                let name = unsafe { type_name(t.ctf, t.type_id, buf.as_mut_ptr(), buf.len()) };
                if name.is_null() {
                    "(unknown)".to_owned()
                } else {
                    // SAFETY: NUL-terminated within `buf`, per the above.
                    unsafe { CStr::from_ptr(buf.as_ptr()) }
                        .to_string_lossy()
                        .into_owned()
                }
            })
            .collect())
    }
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
        let field = |p: *const std::ffi::c_char| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: libdtrace's NUL-terminated probe name strings,
                // valid during the callback; copied at once.
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        // SAFETY: per this function's contract.
        let (d, probes) = unsafe { (&*desc, &mut *(arg as *mut Vec<crate::model::Probe>)) };
        probes.push(crate::model::Probe {
            id: d.id,
            provider: field(d.provider),
            module: field(d.module),
            function: field(d.function),
            name: field(d.name),
        });
        0
    }))
    .unwrap_or(-1)
}

impl Drop for Consumer<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by dtrace_open and is closed once;
        // closing also disables anything it enabled.
        unsafe { (self.lib.fns.close)(self.hdl.as_ptr()) };
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
