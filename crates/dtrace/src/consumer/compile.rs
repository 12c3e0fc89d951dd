//! Compiling: each script or probe description into a program of the
//! consumer's handle, as dtrace(1) does with `-s` and `-n`, and
//! libdtrace's errors as diagnostics on the line they name.

use super::{Consumer, cstring};
use dscope_dtrace_sys::layout::native::{DTRACE_C_PSPEC, DTRACE_PROBESPEC_NAME, ProgInfo};
use dscope_dtrace_sys::{CFile, DtraceError, Program};
use dscope_lang::compile_message;
use dscope_model::Diagnostic;
use std::ffi::{CStr, CString};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// What a successful compile tells about the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compiled {
    /// Probes the program would enable.
    pub matches: u32,
    pub aggregations: u32,
    pub speculations: u32,
}

/// One program given to [`Consumer::compile_all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// A D script (`dtrace -s`); `name` is what messages call it.
    Script { text: &'a str, name: &'a str },
    /// A probe description with an optional clause (`dtrace -n`).
    Probes(&'a str),
}

impl Consumer<'_> {
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
            // Only its owner may read it: the script may say what is
            // traced, and root's /tmp is everyone's.
            use std::os::unix::fs::OpenOptionsExt;
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
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
    #[test]
    fn the_temporary_copy_is_its_owners_alone_and_goes_on_drop() {
        use std::os::unix::fs::PermissionsExt;
        let t = super::TempScript::write("BEGIN { exit(0); }").unwrap();
        let mode = std::fs::metadata(&t.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let path = t.path.clone();
        drop(t);
        assert!(!path.exists());
    }
}
