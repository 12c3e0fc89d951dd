//! What goes wrong around dscope, in the words it says it in, and what to
//! do. The program builds its messages from these entries, and the
//! README's "Troubleshooting" section is generated from the same list
//! ([`markdown`]; a test keeps the two equal), so the manual never
//! describes a message the program no longer prints.

/// A message dscope prints, and its remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trouble {
    /// What dscope says; `…` stands for the part that varies (a path, a
    /// number).
    pub says: &'static str,
    /// What it means and what to do.
    pub fix: &'static str,
}

// ---------------------------------------------------------------- libdtrace

pub const NO_LIBDTRACE: Trouble = Trouble {
    says: "libdtrace was not found, so scripts cannot be checked or run (editing still works).",
    fix: "Install DTrace (on Linux: Oracle's dtrace package, version 2), or point \
          DSCOPE_LIBDTRACE at libdtrace.so.",
};

pub const NOT_LIBDTRACE: Trouble = Trouble {
    says: "… is not a libdtrace dscope can use: it has no `…`.",
    fix: "DSCOPE_LIBDTRACE names some other library, or a DTrace too old or too new for \
          dscope. Point DSCOPE_LIBDTRACE at the system's libdtrace, or unset it.",
};

pub const DTRACE_VERSION: Trouble = Trouble {
    says: "cannot open DTrace: … version …",
    fix: "The libdtrace found speaks another interface version than dscope. Point \
          DSCOPE_LIBDTRACE at the system's own libdtrace; `dscope doctor` shows which \
          one was loaded.",
};

pub const PRIVILEGES: Trouble = Trouble {
    says: "cannot open DTrace: … Permission denied / privilege …",
    fix: "Run dscope as root, or grant the dtrace_kernel and dtrace_proc privileges \
          (illumos: usermod -K defaultpriv=basic,dtrace_kernel,dtrace_proc,dtrace_user USER).",
};

pub const NOT_ROOT: Trouble = Trouble {
    says: "DTrace needs root privileges to trace, and dscope is not running as root.",
    fix: "Run it with sudo (pfexec on illumos, or grant the dtrace_kernel, dtrace_proc and \
          dtrace_user privileges). What libdtrace says follows; without root on Linux it \
          is often about BPF maps and the locked-memory limit, which raising the limit \
          does not cure.",
};

pub const NO_PROBES_UNPRIVILEGED: Trouble = Trouble {
    says: "probe description … does not match any probes (dscope is not running as root)",
    fix: "Without DTrace privileges no probes are visible. Run dscope with sudo \
          (pfexec on illumos).",
};

pub const NO_TRACEFS: Trouble = Trouble {
    says: "probe description … does not match any probes (tracefs is not mounted at \
           /sys/kernel/debug/tracing)",
    fix: "Linux DTrace finds its probes through tracefs under debugfs: \
          `sudo mount -t debugfs none /sys/kernel/debug` and \
          `sudo mount -t tracefs none /sys/kernel/debug/tracing`.",
};

pub const NO_MATCH: Trouble = Trouble {
    says: "probe description … does not match any probes",
    fix: "No probe has that name on this system. Open the probe browser (F2) to see \
          which exist; providers differ between illumos, FreeBSD, macOS and Linux.",
};

pub const WORKER_CRASHED: Trouble = Trouble {
    says: "the DTrace worker process ended unexpectedly (…)",
    fix: "libdtrace itself failed on this script (dscope runs it in a separate process, \
          so the window and your text are safe). The text after the colon is \
          libdtrace's last words; try another probe or report the script to your \
          DTrace vendor.",
};

pub const DESTRUCTIVE: Trouble = Trouble {
    says: "Destructive actions not allowed",
    fix: "The script calls system(), raise(), stop(), copyout(), panic() or the like. \
          Allow them in Options… if this script should change the system.",
};

pub const DESTRUCTIVE_PRAGMA: Trouble = Trouble {
    says: "This script turns destructive actions on itself (#pragma D option destructive); \
           dscope did not run it.",
    fix: "A script may not allow itself to change the system. If it should, run it \
          again and answer \"Run with destructive actions\", or tick Allow destructive \
          actions in Options….",
};

pub const DROPS_PRINCIPAL: Trouble = Trouble {
    says: "… drops on CPU …",
    fix: "Output came faster than dscope read it: raise bufsize or switchrate in \
          Options….",
};

pub const DROPS_AGGREGATION: Trouble = Trouble {
    says: "… aggregation drops on CPU …",
    fix: "The aggregation buffer is full: raise aggsize, or aggregate on fewer keys.",
};

pub const DROPS_DYNAMIC: Trouble = Trouble {
    says: "… dynamic variable drops",
    fix: "Thread-local or associative variables ran out of space: raise dynvarsize, \
          or assign 0 to variables you no longer need.",
};

pub const DROPS_SPECULATION: Trouble = Trouble {
    says: "… speculative drops",
    fix: "Speculation buffers were busy or full: raise nspec or specsize.",
};

pub const RUNTIME_ERROR: Trouble = Trouble {
    says: "error on enabled probe ID … : invalid address …",
    fix: "The script read memory it may not (a bad pointer, a user address read \
          without copyin()). The run goes on; the Console counts how often each error \
          happened.",
};

// --------------------------------------------------------------------- files

pub const FILE_DIRECTORY: Trouble = Trouble {
    says: "… is a directory; choose a .d file inside it.",
    fix: "Open a file, not a folder.",
};

pub const FILE_UNREADABLE: Trouble = Trouble {
    says: "You may not read …",
    fix: "Check its permissions, or open a copy.",
};

pub const FILE_BINARY: Trouble = Trouble {
    says: "… looks like a binary file (it contains NUL bytes), not a D script.",
    fix: "dscope edits text only, so it leaves such files alone rather than mangle them.",
};

pub const FILE_NOT_UTF8: Trouble = Trouble {
    says: "… is not UTF-8 text (first bad byte on line …).",
    fix: "Convert it, for example with `iconv -f latin1 -t utf-8`, then open it again.",
};

pub const FILE_TOO_LARGE: Trouble = Trouble {
    says: "… is … MB; dscope opens scripts up to 8 MB.",
    fix: "D scripts are small; this is probably not one.",
};

pub const SAVE_NOT_ALLOWED: Trouble = Trouble {
    says: "Could not save …: Permission denied / Read-only file system … The file on disk \
           is unchanged and your text is still here.",
    fix: "Use Save As to choose a folder you may write to.",
};

pub const SAVE_DISK_FULL: Trouble = Trouble {
    says: "Could not save …: No space left on device … The file on disk is unchanged and \
           your text is still here.",
    fix: "Free some space, or use Save As to save elsewhere.",
};

pub const CHANGED_ON_DISK: Trouble = Trouble {
    says: "File changed on disk / File deleted",
    fix: "Another program changed or removed the open file. Without local edits the new \
          version is loaded; with them, dscope asks which to keep. A deleted file's text \
          stays in the editor, unsaved, until you save it again.",
};

// ----------------------------------------------------------------- the app

pub const RECOVER: Trouble = Trouble {
    says: "Recover unsaved work?",
    fix: "dscope (or the machine) stopped while a script had unsaved changes; a copy is \
          kept every few seconds in the state directory. Recover takes the text back, \
          Discard deletes the copy.",
};

pub const INTERNAL_ERROR: Trouble = Trouble {
    says: "dscope hit an internal error",
    fix: "A bug in dscope. Any unsaved text is copied to a recovery file first; the \
          message says where. Save your work; if dscope misbehaves, quit and start it \
          again. Please report the message and the steps that led to it.",
};

pub const NO_WINDOW: Trouble = Trouble {
    says: "dscope: cannot open a window: …",
    fix: "dscope needs an X11 or Wayland display. Check that DISPLAY or WAYLAND_DISPLAY \
          is set; with `--renderer gl` it also needs OpenGL 2+ (Mesa's libGL/libEGL), which \
          `--renderer software` does not. `dscope check`, `run` and `probes` work without one.",
};

/// Every entry, in the order the README lists them.
pub const ALL: &[(&str, &[Trouble])] = &[
    (
        "DTrace",
        &[
            NO_LIBDTRACE,
            NOT_LIBDTRACE,
            DTRACE_VERSION,
            PRIVILEGES,
            NOT_ROOT,
            NO_PROBES_UNPRIVILEGED,
            NO_TRACEFS,
            NO_MATCH,
            WORKER_CRASHED,
            DESTRUCTIVE,
            DESTRUCTIVE_PRAGMA,
        ],
    ),
    (
        "While a script runs",
        &[
            DROPS_PRINCIPAL,
            DROPS_AGGREGATION,
            DROPS_DYNAMIC,
            DROPS_SPECULATION,
            RUNTIME_ERROR,
        ],
    ),
    (
        "Files",
        &[
            FILE_DIRECTORY,
            FILE_UNREADABLE,
            FILE_BINARY,
            FILE_NOT_UTF8,
            FILE_TOO_LARGE,
            SAVE_NOT_ALLOWED,
            SAVE_DISK_FULL,
            CHANGED_ON_DISK,
        ],
    ),
    ("The window", &[RECOVER, INTERNAL_ERROR, NO_WINDOW]),
];

/// The README's Troubleshooting section.
pub fn markdown() -> String {
    let mut out = String::from(
        "<!-- Generated from crates/model/src/trouble.rs; \
         DSCOPE_BLESS=1 cargo test --test readme rewrites it. -->\n",
    );
    for (group, troubles) in ALL {
        out.push_str(&format!("\n### {group}\n\n"));
        for t in *troubles {
            out.push_str(&format!("- **{}**<br>\n  {}\n", t.says, t.fix));
        }
    }
    out
}
