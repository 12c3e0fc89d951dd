//! Finding and loading libdtrace at run time.
//!
//! dscope links to no libdtrace at build time, so one binary starts on any
//! machine; where there is no libdtrace, every feature that needs it says so
//! and the editor keeps working. The library's ABI family is recognised
//! from the symbols it exports.

use crate::functions::*;
use crate::process::ProcessFns;
use std::ffi::c_void;
use std::fmt;
use std::path::PathBuf;

/// The ABI families dscope knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Abi {
    /// Oracle's Linux DTrace 2.x (BPF based): needs `dtrace_init`.
    Linux2,
    /// illumos and its descendants (SmartOS, OmniOS), FreeBSD and macOS.
    Illumos,
}

impl Abi {
    /// The family of the build target, whose layouts [`crate::layout::native`]
    /// declares.
    pub const NATIVE: Abi = if cfg!(target_os = "linux") {
        Abi::Linux2
    } else {
        Abi::Illumos
    };
}

impl fmt::Display for Abi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Abi::Linux2 => "Linux DTrace 2.x",
            Abi::Illumos => "illumos/FreeBSD/macOS DTrace",
        })
    }
}

/// The functions dscope calls, resolved once.
pub struct Functions {
    pub open: OpenFn,
    pub init: Option<InitFn>,
    pub close: CloseFn,
    pub errno: ErrnoFn,
    pub errmsg: ErrmsgFn,
    pub setopt: SetoptFn,
    pub program_fcompile: FcompileFn,
    pub program_strcompile: StrcompileFn,
    pub program_exec: ProgramExecFn,
    pub go: GoFn,
    #[cfg(not(target_os = "linux"))]
    pub sleep: SleepFn,
    pub stop: StopFn,
    pub work: WorkFn,
    pub handle_err: HandleErrFn,
    pub handle_drop: HandleDropFn,
    pub handle_buffered: HandleBufferedFn,
    pub aggregate_print: AggregatePrintFn,
    pub getopt: GetoptFn,
    pub probe_iter: ProbeIterFn,
    pub aggregate_snap: AggregateSnapFn,
    pub aggregate_walk: AggregateWalkFn,
    pub addr2str: Addr2StrFn,
    pub uaddr2str: UAddr2StrFn,
    /// For argument types; absent where libdtrace or libctf lack them.
    pub probe_info: Option<ProbeInfoFn>,
    pub ctf_type_name: Option<CtfTypeNameFn>,
    pub stability_name: Option<AttrNameFn>,
    pub class_name: Option<AttrNameFn>,
    /// Process control as `dtrace -c`/`-p` use it, where the library
    /// has all of it.
    pub procs: Option<ProcessFns>,
    /// libxo's, where libdtrace uses it (FreeBSD).
    pub xo_set_file: Option<XoSetFileFn>,
}

/// A loaded libdtrace.
pub struct Library {
    pub path: PathBuf,
    pub abi: Abi,
    pub(crate) fns: Functions,
    // Keeps the code behind `fns` mapped; dropped last.
    _lib: libloading::Library,
}

impl Library {
    /// The word `dtrace -lv` prints for a stability value
    /// (`dtrace_stability_name`); None where the library has no such
    /// function or no word for the value.
    pub fn stability_name(&self, value: u8) -> Option<String> {
        attribute_word(self.fns.stability_name, value)
    }

    /// The word for a dependency class (`dtrace_class_name`), as
    /// [`Library::stability_name`].
    pub fn class_name(&self, value: u8) -> Option<String> {
        attribute_word(self.fns.class_name, value)
    }
}

fn attribute_word(f: Option<AttrNameFn>, value: u8) -> Option<String> {
    // SAFETY: the function returns a pointer into libdtrace's static
    // table of names (or null for a value out of range).
    let name = unsafe { f?(value) };
    if name.is_null() {
        return None;
    }
    // SAFETY: non-null: a NUL-terminated static string.
    Some(
        unsafe { std::ffi::CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned(),
    )
}

#[derive(Debug)]
pub enum LoadError {
    /// No candidate could be loaded; each with its loader error.
    NotFound(Vec<(String, String)>),
    /// A library loaded but is not a DTrace dscope can use.
    Unsupported { path: String, missing: String },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(tried) => {
                let t = dscope_model::trouble::NO_LIBDTRACE;
                writeln!(f, "{}", t.says)?;
                writeln!(f, "{} Tried:", t.fix)?;
                for (name, err) in tried {
                    writeln!(f, "  {name}: {err}")?;
                }
                Ok(())
            }
            LoadError::Unsupported { path, missing } => write!(
                f,
                "{path} is not a libdtrace dscope can use: it has no `{missing}`. {}",
                dscope_model::trouble::NOT_LIBDTRACE.fix
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// Where to look, in order. `DSCOPE_LIBDTRACE` comes first when set.
pub fn candidates() -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(p) = std::env::var("DSCOPE_LIBDTRACE")
        && !p.is_empty()
    {
        names.push(p);
    }
    if cfg!(target_os = "macos") {
        names.extend(["libdtrace.dylib".into(), "/usr/lib/libdtrace.dylib".into()]);
    } else {
        names.extend(
            [
                "libdtrace.so.2",
                "libdtrace.so.1",
                "libdtrace.so",
                "/usr/lib64/libdtrace.so.2",
                "/usr/lib64/libdtrace.so.1",
                "/usr/lib/libdtrace.so.2",
                "/usr/lib/libdtrace.so.1",
                "/usr/lib/64/libdtrace.so.1",
                "/usr/lib/amd64/libdtrace.so.1",
                "/lib/libdtrace.so.2",
                // Built from source with the default make install prefix.
                "/usr/local/lib64/libdtrace.so.2",
                "/usr/local/lib/libdtrace.so.2",
            ]
            .map(String::from),
        );
    }
    names
}

impl Library {
    /// Loads the first libdtrace that can be found.
    pub fn load() -> Result<Library, LoadError> {
        let mut tried = Vec::new();
        for name in candidates() {
            // SAFETY: loading runs the library's initialisers. libdtrace's
            // only set up its own globals; we load nothing but a file that
            // is, or is configured to be, the system's libdtrace.
            match unsafe { libloading::Library::new(&name) } {
                Ok(lib) => return Library::from_loaded(lib, &name),
                Err(e) => {
                    // libloading's own text is just "dlopen failed"; the
                    // loader's reason is the source.
                    let reason = std::error::Error::source(&e)
                        .map_or_else(|| e.to_string(), |s| s.to_string());
                    tried.push((name, reason));
                }
            }
        }
        Err(LoadError::NotFound(tried))
    }

    fn from_loaded(lib: libloading::Library, name: &str) -> Result<Library, LoadError> {
        let unsupported = |missing: &str| LoadError::Unsupported {
            path: name.to_owned(),
            missing: missing.to_owned(),
        };
        macro_rules! symbol {
            ($name:literal, $ty:ty) => {{
                // SAFETY: the type is the function's C signature, the same
                // on every supported ABI family (declared above from
                // libdtrace's dtrace.h); copying the pointer out is sound
                // because `_lib` keeps the library mapped for as long as
                // `Functions` lives.
                let f: Result<libloading::Symbol<$ty>, _> = unsafe { lib.get($name.as_bytes()) };
                f.map(|s| *s).map_err(|_| unsupported($name))
            }};
        }
        let fns = Functions {
            open: symbol!("dtrace_open", OpenFn)?,
            init: symbol!("dtrace_init", InitFn).ok(),
            close: symbol!("dtrace_close", CloseFn)?,
            errno: symbol!("dtrace_errno", ErrnoFn)?,
            errmsg: symbol!("dtrace_errmsg", ErrmsgFn)?,
            setopt: symbol!("dtrace_setopt", SetoptFn)?,
            program_fcompile: symbol!("dtrace_program_fcompile", FcompileFn)?,
            program_strcompile: symbol!("dtrace_program_strcompile", StrcompileFn)?,
            program_exec: symbol!("dtrace_program_exec", ProgramExecFn)?,
            go: symbol!("dtrace_go", GoFn)?,
            #[cfg(not(target_os = "linux"))]
            sleep: symbol!("dtrace_sleep", SleepFn)?,
            stop: symbol!("dtrace_stop", StopFn)?,
            work: symbol!("dtrace_work", WorkFn)?,
            handle_err: symbol!("dtrace_handle_err", HandleErrFn)?,
            handle_drop: symbol!("dtrace_handle_drop", HandleDropFn)?,
            handle_buffered: symbol!("dtrace_handle_buffered", HandleBufferedFn)?,
            aggregate_print: symbol!("dtrace_aggregate_print", AggregatePrintFn)?,
            getopt: symbol!("dtrace_getopt", GetoptFn)?,
            probe_iter: symbol!("dtrace_probe_iter", ProbeIterFn)?,
            aggregate_snap: symbol!("dtrace_aggregate_snap", AggregateSnapFn)?,
            aggregate_walk: symbol!("dtrace_aggregate_walk", AggregateWalkFn)?,
            addr2str: symbol!("dtrace_addr2str", Addr2StrFn)?,
            uaddr2str: symbol!("dtrace_uaddr2str", UAddr2StrFn)?,
            probe_info: symbol!("dtrace_probe_info", ProbeInfoFn).ok(),
            ctf_type_name: symbol!("ctf_type_name", CtfTypeNameFn).ok(),
            stability_name: symbol!("dtrace_stability_name", AttrNameFn).ok(),
            class_name: symbol!("dtrace_class_name", AttrNameFn).ok(),
            procs: ProcessFns::load(&lib),
            xo_set_file: symbol!("xo_set_file", XoSetFileFn).ok(),
        };
        // The family is the build target's; on Linux it must be DTrace
        // 2.x, which alone has dtrace_init (and must have it called): the
        // 1.x releases had other layouts.
        let abi = Abi::NATIVE;
        if abi == Abi::Linux2 && fns.init.is_none() {
            return Err(unsupported("dtrace_init"));
        }
        let path = resolved_path(&lib).unwrap_or_else(|| PathBuf::from(name));
        Ok(Library {
            path,
            abi,
            fns,
            _lib: lib,
        })
    }
}

/// The file the dynamic loader actually mapped, for messages.
fn resolved_path(lib: &libloading::Library) -> Option<PathBuf> {
    // SAFETY: `dtrace_open` exists (checked before this is called), and
    // dladdr only reads the loader's tables for that address.
    let symbol: libloading::Symbol<*const c_void> = unsafe { lib.get(b"dtrace_open") }.ok()?;
    let mut info = libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: `info` is a valid, writable Dl_info; the address is inside the
    // loaded library.
    let found = unsafe { libc::dladdr(*symbol, &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dladdr returned a NUL-terminated path owned by the loader,
    // valid while the library stays loaded; we copy it at once.
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    Some(PathBuf::from(name.to_string_lossy().into_owned()))
}

#[cfg(test)]
mod tests;
