//! A libdtrace handle (`dtrace_hdl_t`) as a safe value: every call the
//! consumer makes on it is a method here, with the handle's invariants
//! kept inside. It is opened once and closed when dropped; the programs it
//! compiles, the processes it creates or grabs and the state its
//! callbacks use all belong to it and go with it; its callbacks are
//! registered once and reach the consumer's [`Handlers`] only from inside
//! the methods that take `&mut self`.
//!
//! libdtrace is not thread-safe and its compiler keeps process-global
//! state, so a `Handle` is neither `Send` nor `Sync`: it lives and dies on
//! the thread that opened it.

use crate::error::DtraceError;
use crate::handlers::{self, Callbacks, Handlers};
use crate::layout::native::{
    DTRACE_VERSION, DTRACE_WORKSTATUS_DONE, DTRACE_WORKSTATUS_ERROR, DTRACEOPT_UNSET,
    OwnedProbeDesc, ProgInfo,
};
use crate::library::Library;
use crate::opaque::{DtraceHdl, DtraceProc, DtraceProg};
use crate::probes::{self, ProbeView};
use crate::stream::{self, CFile, MemStream};
use crate::walk::{self, AggEntry, Walk};
use std::cell::Cell;
use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// Tells handles apart, so that a program is run only by its own.
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// A program a handle compiled; it belongs to that handle (which frees it
/// when it closes) and only that handle prepares it.
#[derive(Clone, Copy)]
pub struct Program {
    prog: NonNull<DtraceProg>,
    owner: u64,
}

/// What a work call says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkStatus {
    /// More to come.
    Okay,
    /// The programs called exit() (or tracing stopped) and everything is
    /// consumed.
    Done,
    /// It failed; [`Handle::last_error`] says why.
    Error,
}

/// An open libdtrace handle; see the module's documentation.
pub struct Handle<'lib, S: Handlers> {
    lib: &'lib Library,
    hdl: NonNull<DtraceHdl>,
    serial: u64,
    /// Leaked from a Box at open, freed after the handle is closed: the
    /// registered callbacks' argument, at one address for the handle's
    /// life. Reached through this pointer only, never held as a
    /// reference across a libdtrace call.
    callbacks: NonNull<Callbacks<S>>,
    initialised: bool,
    handlers_registered: bool,
    /// Processes created or grabbed (`-c`, `-p`), released before the
    /// handle is closed.
    procs: Vec<NonNull<DtraceProc>>,
    /// Where libxo writes between the calls that print (see
    /// [`Handle::libxo_to`]): /dev/null, opened when first needed.
    xo_idle: Cell<*mut libc::FILE>,
    // Raw handle: not Send, not Sync.
    _not_send: PhantomData<*mut ()>,
}

/// libdtrace's message for an error code; `hdl` may be None for
/// `dtrace_open`'s errors.
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

/// The pointers of an argument vector, valid while `args` is.
fn pointers(args: &[&CStr]) -> Vec<*const c_char> {
    args.iter().map(|a| a.as_ptr()).collect()
}

/// A buffer's length as libdtrace's `int` takes it.
fn c_len(buf: &[u8]) -> c_int {
    c_int::try_from(buf.len()).unwrap_or(c_int::MAX)
}

impl<'lib, S: Handlers> Handle<'lib, S> {
    /// Opens a handle (`dtrace_open`) whose callbacks will go to `state`.
    /// Fails with libdtrace's message, for example when privileges are
    /// missing.
    pub fn open(lib: &'lib Library, state: S) -> Result<Handle<'lib, S>, DtraceError> {
        let mut err: c_int = 0;
        // SAFETY: dtrace_open takes the interface version, flags and a
        // pointer to an int it writes the error code to; `err` is a valid
        // local.
        let hdl = unsafe { (lib.fns.open)(DTRACE_VERSION, 0, &mut err) };
        let Some(hdl) = NonNull::new(hdl) else {
            return Err(DtraceError {
                code: err,
                message: errmsg(lib, None, err),
            });
        };
        let callbacks = Box::new(Callbacks {
            state,
            #[cfg(not(target_os = "linux"))]
            query: None,
        });
        Ok(Handle {
            lib,
            hdl,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed),
            callbacks: NonNull::from(Box::leak(callbacks)),
            initialised: false,
            handlers_registered: false,
            procs: Vec::new(),
            xo_idle: Cell::new(std::ptr::null_mut()),
            _not_send: PhantomData,
        })
    }

    /// The library the handle is of.
    pub fn library(&self) -> &'lib Library {
        self.lib
    }

    /// The state the callbacks report to.
    pub fn state(&self) -> &S {
        // SAFETY: the callbacks live as long as `self`; the callbacks
        // make a mutable reference only inside methods taking `&mut self`,
        // which cannot run while this borrow of `self` lives.
        unsafe { &self.callbacks.as_ref().state }
    }

    /// The state the callbacks report to, to change.
    pub fn state_mut(&mut self) -> &mut S {
        // SAFETY: as in state(); `&mut self` makes this the only
        // reference.
        unsafe { &mut self.callbacks.as_mut().state }
    }

    /// libdtrace's last error on this handle.
    pub fn last_error(&self) -> DtraceError {
        // SAFETY: the handle is open for the lifetime of `self`.
        let code = unsafe { (self.lib.fns.errno)(self.hdl.as_ptr()) };
        DtraceError {
            code,
            message: errmsg(self.lib, Some(self.hdl), code),
        }
    }

    /// `Ok` for libdtrace's 0, else its last error.
    fn check(&self, rc: c_int) -> Result<(), DtraceError> {
        if rc == 0 {
            Ok(())
        } else {
            Err(self.last_error())
        }
    }

    /// Sets an option (`dtrace_setopt`); `None` for flags like `quiet`.
    pub fn setopt(&mut self, name: &CStr, value: Option<&CStr>) -> Result<(), DtraceError> {
        // SAFETY: both strings are NUL-terminated and outlive the call; a
        // null value is how libdtrace takes value-less options.
        let rc = unsafe {
            (self.lib.fns.setopt)(
                self.hdl.as_ptr(),
                name.as_ptr(),
                value.map_or(std::ptr::null(), CStr::as_ptr),
            )
        };
        self.check(rc)
    }

    /// An option's value as `dtrace_getopt` gives it; DTRACEOPT_UNSET when
    /// it is unset or libdtrace does not know it.
    pub fn getopt(&self, name: &CStr) -> i64 {
        let mut value = DTRACEOPT_UNSET;
        // SAFETY: open handle, NUL-terminated name, valid out pointer;
        // dtrace_getopt only reads the options (no callback runs).
        let rc = unsafe { (self.lib.fns.getopt)(self.hdl.as_ptr(), name.as_ptr(), &mut value) };
        if rc == 0 { value } else { DTRACEOPT_UNSET }
    }

    /// Initialises the handle where the library must be (Linux DTrace
    /// 2.x's `dtrace_init`, after options and before compiling); once; a
    /// later call does nothing.
    pub fn init(&mut self) -> Result<(), DtraceError> {
        if self.initialised {
            return Ok(());
        }
        if let Some(init) = self.lib.fns.init {
            // SAFETY: the handle is open; dtrace_init is called once (the
            // flag above).
            let rc = unsafe { init(self.hdl.as_ptr()) };
            self.check(rc)?;
        }
        self.initialised = true;
        Ok(())
    }

    fn program(&self, prog: *mut DtraceProg) -> Result<Program, DtraceError> {
        match NonNull::new(prog) {
            Some(prog) => Ok(Program {
                prog,
                owner: self.serial,
            }),
            None => Err(self.last_error()),
        }
    }

    /// Compiles the D program in `file` (`dtrace_program_fcompile`), whose
    /// errors carry line numbers; `argv` are the macro arguments, the
    /// program's name first. libdtrace checks `cflags`.
    pub fn compile_file(
        &mut self,
        file: &CFile,
        cflags: c_uint,
        argv: &[&CStr],
    ) -> Result<Program, DtraceError> {
        let argv = pointers(argv);
        // SAFETY: the handle is open, `file` is a readable FILE, and
        // `argv` holds `argv.len()` pointers to NUL-terminated strings
        // that live until after the call.
        let prog = unsafe {
            (self.lib.fns.program_fcompile)(
                self.hdl.as_ptr(),
                file.as_ptr(),
                cflags,
                argv.len() as c_int,
                argv.as_ptr(),
            )
        };
        self.program(prog)
    }

    /// Compiles a program given as text (`dtrace_program_strcompile`), as
    /// probe specifier `spec`; libdtrace checks `spec` and `cflags`.
    pub fn compile_string(
        &mut self,
        text: &CStr,
        spec: c_int,
        cflags: c_uint,
        argv: &[&CStr],
    ) -> Result<Program, DtraceError> {
        let argv = pointers(argv);
        // SAFETY: open handle; `text` and `argv` are NUL-terminated
        // strings that outlive the call.
        let prog = unsafe {
            (self.lib.fns.program_strcompile)(
                self.hdl.as_ptr(),
                text.as_ptr(),
                spec,
                cflags,
                argv.len() as c_int,
                argv.as_ptr(),
            )
        };
        self.program(prog)
    }

    /// Prepares a program of this handle for enabling
    /// (`dtrace_program_exec`), which counts the probes it matches.
    pub fn exec(&mut self, program: &Program) -> Result<ProgInfo, DtraceError> {
        if program.owner != self.serial {
            return Err(DtraceError::other(
                "a program compiled by another DTrace consumer",
            ));
        }
        let mut info = ProgInfo::default();
        // SAFETY: the program is this handle's (checked above), alive until
        // the handle closes; `info` is a valid dtrace_proginfo_t (layout
        // proven in the facts tests).
        let rc = unsafe {
            (self.lib.fns.program_exec)(self.hdl.as_ptr(), program.prog.as_ptr(), &mut info)
        };
        self.check(rc)?;
        Ok(info)
    }

    /// Registers the error, drop, buffered-output and (where the library
    /// has process control) proc handlers, once; a later call does
    /// nothing. They must be in before `dtrace_go`, or faults and drops
    /// abort the run.
    pub fn register_handlers(&mut self) -> Result<(), DtraceError> {
        if self.handlers_registered {
            return Ok(());
        }
        let arg = self.callbacks.as_ptr() as *mut c_void;
        let h = self.hdl.as_ptr();
        let fns = &self.lib.fns;
        // SAFETY: the handlers are `extern "C"` functions that catch every
        // panic; `arg` is the callbacks' allocation, which stays at one
        // address and outlives the handle (freed in Drop after the handle
        // is closed).
        let ok = unsafe {
            (fns.handle_err)(h, handlers::on_error::<S>, arg) == 0
                && (fns.handle_drop)(h, handlers::on_drop::<S>, arg) == 0
                && (fns.handle_buffered)(h, handlers::on_buffered::<S>, arg) == 0
        };
        if !ok {
            return Err(self.last_error());
        }
        if let Some(procs) = fns.procs {
            #[cfg(not(target_os = "linux"))]
            // SAFETY: no reference to the callbacks is held; no callback
            // runs during this write.
            unsafe {
                (*self.callbacks.as_ptr()).query = Some((procs.query, h));
            }
            // SAFETY: as above; on_proc catches every panic and has this
            // system's handler signature.
            let rc = unsafe { (procs.handle_proc)(h, handlers::on_proc::<S>, arg) };
            self.check(rc)?;
        }
        self.handlers_registered = true;
        Ok(())
    }

    /// Starts tracing (`dtrace_go`).
    pub fn go(&mut self) -> Result<(), DtraceError> {
        #[cfg(target_os = "linux")]
        // SAFETY: open handle; no compile flags, as dtrace(1).
        let rc = unsafe { (self.lib.fns.go)(self.hdl.as_ptr(), 0) };
        #[cfg(not(target_os = "linux"))]
        // SAFETY: open handle.
        let rc = unsafe { (self.lib.fns.go)(self.hdl.as_ptr()) };
        self.check(rc)
    }

    /// Waits in libdtrace until there is work (`dtrace_sleep`, the
    /// illumos family's).
    #[cfg(not(target_os = "linux"))]
    pub fn sleep(&mut self) {
        // SAFETY: open handle, used by this thread only; the proc handler
        // it may call catches panics.
        unsafe { (self.lib.fns.sleep)(self.hdl.as_ptr()) };
    }

    /// Stops tracing (`dtrace_stop`).
    pub fn stop(&mut self) -> Result<(), DtraceError> {
        // SAFETY: open handle.
        let rc = unsafe { (self.lib.fns.stop)(self.hdl.as_ptr()) };
        self.check(rc)
    }

    /// One work call (`dtrace_work`): what libdtrace prints goes into
    /// `stream`; probe firings and records go to the handlers.
    pub fn work(&mut self, stream: &MemStream) -> WorkStatus {
        let arg = self.callbacks.as_ptr() as *mut c_void;
        self.libxo_to(Some(stream.file()));
        // SAFETY: open handle and stream; the callbacks catch panics and
        // `arg` is the callbacks' allocation (no reference to it is held
        // during the call).
        let status = unsafe {
            (self.lib.fns.work)(
                self.hdl.as_ptr(),
                stream.file(),
                handlers::on_probe::<S>,
                handlers::on_record::<S>,
                arg,
            )
        };
        self.libxo_to(None);
        match status {
            DTRACE_WORKSTATUS_DONE => WorkStatus::Done,
            DTRACE_WORKSTATUS_ERROR => WorkStatus::Error,
            _ => WorkStatus::Okay,
        }
    }

    /// Prints every aggregation not printed yet into `stream`, as
    /// dtrace(1) does at the end (`dtrace_aggregate_print`).
    pub fn aggregate_print(&mut self, stream: &MemStream) {
        self.libxo_to(Some(stream.file()));
        // SAFETY: an open handle and stream; a null walk function prints
        // every aggregation not printed yet. The buffered-output handler
        // it may call catches panics.
        unsafe {
            (self.lib.fns.aggregate_print)(self.hdl.as_ptr(), stream.file(), std::ptr::null())
        };
        self.libxo_to(None);
    }

    /// Takes a snapshot of the aggregations (`dtrace_aggregate_snap`),
    /// rate-limited by libdtrace (aggrate); an error (not started yet)
    /// leaves the last data in place.
    #[cfg(not(target_os = "linux"))]
    pub fn aggregate_snap(&mut self) {
        // SAFETY: open handle.
        unsafe { (self.lib.fns.aggregate_snap)(self.hdl.as_ptr()) };
    }

    /// Hands every aggregation entry of the last snapshot to `visit`
    /// (`dtrace_aggregate_walk`); false when the walk stopped part way.
    pub fn aggregate_walk(&mut self, visit: &mut dyn FnMut(AggEntry<'_>)) -> bool {
        let mut walk = Walk {
            abi: self.lib.abi,
            visit,
        };
        // SAFETY: open handle of the family in `walk.abi`; `visit_entry`
        // catches panics and gets `walk`, which outlives the synchronous
        // walk.
        let rc = unsafe {
            (self.lib.fns.aggregate_walk)(
                self.hdl.as_ptr(),
                walk::visit_entry,
                &mut walk as *mut Walk<'_> as *mut c_void,
            )
        };
        rc == 0
    }

    /// libdtrace's name for a kernel address (`dtrace_addr2str`), written
    /// NUL-terminated into `buf`; returns the length the whole name needs.
    pub fn addr_name(&mut self, addr: u64, buf: &mut [u8]) -> i32 {
        // SAFETY: open handle; `buf` is writable for the length passed,
        // and libdtrace NUL-terminates within it.
        unsafe {
            (self.lib.fns.addr2str)(
                self.hdl.as_ptr(),
                addr,
                buf.as_mut_ptr() as *mut c_char,
                c_len(buf),
            )
        }
    }

    /// libdtrace's name for an address in process `pid`
    /// (`dtrace_uaddr2str`), as [`Handle::addr_name`].
    pub fn user_addr_name(&mut self, pid: i32, addr: u64, buf: &mut [u8]) -> i32 {
        // SAFETY: as in addr_name; libdtrace checks the pid itself.
        unsafe {
            (self.lib.fns.uaddr2str)(
                self.hdl.as_ptr(),
                pid,
                addr,
                buf.as_mut_ptr() as *mut c_char,
                c_len(buf),
            )
        }
    }

    /// Hands each probe `desc` matches (every probe for None) to `visit`,
    /// in libdtrace's order (`dtrace_probe_iter`).
    pub fn probe_iter(
        &mut self,
        desc: Option<&OwnedProbeDesc>,
        visit: &mut dyn FnMut(ProbeView<'_>),
    ) -> Result<(), DtraceError> {
        let mut visit: probes::Visit<'_> = visit;
        let desc = desc.map_or(std::ptr::null(), |d| d.get() as *const _ as *const c_void);
        // SAFETY: open handle; `desc` is null (every probe) or a
        // description whose names outlive this synchronous iteration; the
        // callback catches panics and `visit` outlives the call.
        let rc = unsafe {
            (self.lib.fns.probe_iter)(
                self.hdl.as_ptr(),
                desc,
                probes::visit_probe,
                &mut visit as *mut probes::Visit<'_> as *mut c_void,
            )
        };
        if rc < 0 {
            return Err(self.last_error());
        }
        Ok(())
    }

    /// A probe's stability attributes and argument types
    /// (`dtrace_probe_info`, and libctf's `ctf_type_name` for the names).
    pub fn probe_info(&mut self, desc: &OwnedProbeDesc) -> Result<probes::Info, DtraceError> {
        self.can_describe_probes()?;
        let Some(info_fn) = self.lib.fns.probe_info else {
            return Err(probes::unavailable("no dtrace_probe_info"));
        };
        let mut info = probes::empty_info();
        // SAFETY: open handle; `desc` points at NUL-terminated strings
        // that outlive the call; `info` is a writable ProbeInfo whose
        // layout a test checks against dtrace.h.
        let rc = unsafe { info_fn(self.hdl.as_ptr(), desc.get(), &mut info) };
        self.check(rc)?;
        // SAFETY: filled in by the successful call above on this open
        // handle.
        let arg_types = unsafe { probes::arg_types(&info, self.lib.fns.ctf_type_name) };
        Ok(probes::Info {
            attr: info.attr,
            args_attr: info.arga,
            arg_types,
        })
    }

    /// Whether this libdtrace tells a probe's argument types
    /// ([`Handle::probe_info`]): it needs `dtrace_probe_info` and libctf.
    pub fn can_describe_probes(&self) -> Result<(), DtraceError> {
        if self.lib.fns.probe_info.is_none() {
            return Err(probes::unavailable("no dtrace_probe_info"));
        }
        if self.lib.fns.ctf_type_name.is_none() {
            return Err(probes::unavailable("no ctf_type_name"));
        }
        Ok(())
    }

    /// Starts a command as `dtrace -c` does (`dtrace_proc_create`):
    /// stopped until [`Handle::continue_processes`]; `words[0]` is looked
    /// up in PATH. Returns its pid.
    pub fn create_process(&mut self, words: &[&CStr]) -> Result<i32, DtraceError> {
        let procs = self.process_fns()?;
        if words.is_empty() {
            return Err(DtraceError::other("the command to trace is empty"));
        }
        let mut argv = pointers(words);
        argv.push(std::ptr::null());
        // SAFETY: open handle; `argv` is a null-terminated array of
        // NUL-terminated strings that outlive the call, its first element
        // the file to run, as execvp takes them.
        let proc = unsafe { procs.create(self.hdl.as_ptr(), argv[0], argv.as_ptr()) };
        self.took_process(procs, proc)
    }

    /// Grabs a running process as `dtrace -p` does
    /// (`dtrace_proc_grab`); returns its pid.
    pub fn grab_process(&mut self, pid: i32) -> Result<i32, DtraceError> {
        let procs = self.process_fns()?;
        // SAFETY: open handle; libdtrace checks the pid itself. No flags,
        // as dtrace -p.
        let proc = unsafe { (procs.grab)(self.hdl.as_ptr(), pid, 0) };
        self.took_process(procs, proc)
    }

    /// Whether this libdtrace can start and grab processes (`-c`, `-p`).
    pub fn has_process_control(&self) -> Result<(), DtraceError> {
        self.process_fns().map(|_| ())
    }

    fn process_fns(&self) -> Result<crate::process::ProcessFns, DtraceError> {
        self.lib.fns.procs.ok_or_else(|| {
            DtraceError::other(format!(
                "{} has no process control (dtrace_proc_create and the functions \
                 around it), so -c and -p cannot be used with it",
                self.lib.path.display()
            ))
        })
    }

    fn took_process(
        &mut self,
        procs: crate::process::ProcessFns,
        proc: *mut DtraceProc,
    ) -> Result<i32, DtraceError> {
        let Some(p) = NonNull::new(proc) else {
            return Err(self.last_error());
        };
        self.procs.push(p);
        // SAFETY: open handle and a process handle it just gave us,
        // valid until dtrace_proc_release.
        Ok(unsafe { procs.query.pid(self.hdl.as_ptr(), p.as_ptr()) })
    }

    /// How many processes the handle holds.
    pub fn processes(&self) -> usize {
        self.procs.len()
    }

    /// Lets the created or grabbed processes run (`dtrace_proc_continue`),
    /// as dtrace(1) does once tracing is on.
    pub fn continue_processes(&mut self) {
        let Some(procs) = self.lib.fns.procs else {
            return;
        };
        for p in &self.procs {
            // SAFETY: open handle and a process handle of it, not yet
            // released.
            unsafe { (procs.cont)(self.hdl.as_ptr(), p.as_ptr()) };
        }
    }

    /// Lets go of the processes (`dtrace_proc_release`): a grabbed one
    /// runs on, untraced; a created one still running is killed, as under
    /// dtrace -c.
    pub fn release_processes(&mut self) {
        let Some(release) = self.lib.fns.procs.map(|p| p.release) else {
            return;
        };
        for p in self.procs.drain(..) {
            // SAFETY: open handle; each process handle is released once.
            unsafe { release(self.hdl.as_ptr(), p.as_ptr()) };
        }
    }

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
                    self.xo_idle.set(stream::dev_null());
                }
                self.xo_idle.get()
            }
        };
        if !fp.is_null() {
            // SAFETY: an open stream, kept open until libxo is pointed
            // elsewhere (the work and print streams are pointed away before
            // their calls return; /dev/null's lives as long as the handle).
            unsafe { set(fp) };
        }
    }
}

impl<S: Handlers> Drop for Handle<'_, S> {
    fn drop(&mut self) {
        // libdtrace kills a process it created that still runs (as
        // dtrace -c does when interrupted) and lets a grabbed one go.
        self.release_processes();
        // SAFETY: the handle was opened by dtrace_open and is closed once;
        // closing also disables anything it enabled and frees its
        // programs.
        unsafe { (self.lib.fns.close)(self.hdl.as_ptr()) };
        let idle = self.xo_idle.get();
        if !idle.is_null() {
            // SAFETY: opened by dev_null and closed once. libxo may still
            // hold it, but only prints into it for libdtrace, whose handle
            // is closed (and a new handle points libxo afresh).
            unsafe { stream::close(idle) };
        }
        // SAFETY: leaked from a Box at open and freed once, now that the
        // handle that could call back with it is closed.
        drop(unsafe { Box::from_raw(self.callbacks.as_ptr()) });
    }
}
