//! How the machine explains what goes wrong: the messages and remedies
//! themselves are plain data in [`dscope_model::trouble`]; what is here
//! looks at this machine (privileges, mounts) to choose among them.

pub use dscope_model::trouble::*;

/// Why libdtrace may see no probes at all on this machine; empty when
/// nothing is known to be wrong. Said after "does not match any probes".
pub fn why_no_probes() -> Vec<Trouble> {
    let mut why = Vec::new();
    if !crate::dtrace::running_as_root() {
        why.push(NO_PROBES_UNPRIVILEGED);
    }
    if cfg!(target_os = "linux") && !tracefs_mounted() {
        why.push(NO_TRACEFS);
    }
    why
}

/// Where Linux DTrace finds tracefs: debugfs, and tracefs in it, as
/// (file system type, mount point).
pub const DEBUGFS: (&str, &str) = ("debugfs", "/sys/kernel/debug");
pub const TRACEFS: (&str, &str) = ("tracefs", "/sys/kernel/debug/tracing");

/// Whether Linux DTrace's tracefs directory is there.
pub fn tracefs_mounted() -> bool {
    mounted(TRACEFS)
}

/// Whether a file system of this type is mounted at this point, as this
/// process sees the mounts.
pub fn mounted((fstype, at): (&str, &str)) -> bool {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    is_mounted(&mounts, fstype, at)
}

/// Whether `/proc/mounts` text has a file system of `fstype` at `at`.
pub fn is_mounted(mounts: &str, fstype: &str, at: &str) -> bool {
    mounts.lines().any(|l| {
        let mut f = l.split_whitespace();
        let (_, point, kind) = (f.next(), f.next(), f.next());
        point == Some(at) && kind == Some(fstype)
    })
}

/// Adds the machine's explanation to a "does not match any probes" error.
pub fn explain(d: &mut crate::model::Diagnostic) {
    if d.tag.as_deref() == Some("D_PDESC_ZERO")
        && let Some(note) = no_probes_note()
    {
        d.message = format!("{} ({note})", d.message);
    }
}

/// The remedy appended to a "does not match any probes" message, if the
/// machine explains it.
pub fn no_probes_note() -> Option<String> {
    let why = why_no_probes();
    if why.is_empty() {
        return None;
    }
    Some(
        why.iter()
            .map(|t| {
                // "(dscope is not running as root)" → the part in brackets.
                let reason = t
                    .says
                    .rsplit_once('(')
                    .map_or(t.says, |(_, r)| r.trim_end_matches(')'));
                format!("{reason}. {}", t.fix)
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::{LoadError, SaveError};
    use std::io;
    use std::path::PathBuf;

    /// Whether `message` is an instance of the template `says`: its fixed
    /// pieces (between `…` and ` / ` alternatives) appear in order.
    fn fits(says: &str, message: &str) -> bool {
        let mut rest = message;
        for piece in says.split('…').map(str::trim).filter(|p| !p.is_empty()) {
            let found = piece
                .split(" / ")
                .filter_map(|alt| rest.find(alt).map(|at| (at, alt.len())))
                .min();
            match found {
                Some((at, len)) => rest = &rest[at + len..],
                None => return false,
            }
        }
        true
    }

    #[test]
    fn the_readme_entries_describe_what_the_program_really_says() {
        let p = || PathBuf::from("/home/me/x.d");
        let load = [
            (FILE_DIRECTORY, LoadError::IsDirectory(p())),
            (FILE_UNREADABLE, LoadError::PermissionDenied(p())),
            (FILE_BINARY, LoadError::Binary(p())),
            (FILE_NOT_UTF8, LoadError::NotUtf8 { path: p(), line: 3 }),
            (
                FILE_TOO_LARGE,
                LoadError::TooLarge {
                    path: p(),
                    bytes: 50 << 20,
                },
            ),
        ];
        for (trouble, error) in load {
            let said = error.to_string();
            assert!(fits(trouble.says, &said), "{:?} vs {said:?}", trouble.says);
        }
        // The errors as the OS reports them.
        for (trouble, errno) in [
            (SAVE_NOT_ALLOWED, libc::EACCES),
            (SAVE_NOT_ALLOWED, libc::EROFS),
            (SAVE_DISK_FULL, libc::ENOSPC),
        ] {
            let said = SaveError {
                path: p(),
                error: io::Error::from_raw_os_error(errno),
            }
            .to_string();
            assert!(fits(trouble.says, &said), "{:?} vs {said:?}", trouble.says);
            assert!(said.ends_with(trouble.fix), "{said:?}");
        }
        let unsupported = crate::dtrace::LoadError::Unsupported {
            path: "/usr/lib/libz.so".into(),
            missing: "dtrace_open".into(),
        }
        .to_string();
        assert!(fits(NOT_LIBDTRACE.says, &unsupported), "{unsupported}");
        let missing = crate::dtrace::LoadError::NotFound(vec![]).to_string();
        assert!(missing.starts_with(NO_LIBDTRACE.says), "{missing}");
    }

    #[test]
    fn a_probe_that_matches_nothing_is_explained_by_the_machine() {
        let mut d = crate::model::Diagnostic {
            file: None,
            line: 1,
            columns: None,
            severity: crate::model::Severity::Error,
            message: "probe description syscall::read:entry does not match any probes".into(),
            tag: Some("D_PDESC_ZERO".into()),
        };
        explain(&mut d);
        for t in why_no_probes() {
            assert!(fits(t.says, &d.message), "{:?} vs {:?}", t.says, d.message);
            assert!(d.message.contains(t.fix));
        }
        assert!(fits(NO_MATCH.says, &d.message));
    }

    #[test]
    fn mounts_are_read_from_proc_mounts_lines() {
        let m = "sysfs /sys sysfs rw 0 0\nnone /sys/kernel/debug debugfs rw 0 0\n";
        assert!(is_mounted(m, "debugfs", "/sys/kernel/debug"));
        assert!(!is_mounted(m, "tracefs", "/sys/kernel/debug/tracing"));
        assert!(!is_mounted(m, "debugfs", "/sys"));
    }
}
