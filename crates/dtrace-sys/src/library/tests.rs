//! The loader: its candidates, its refusal of a library that is not
//! libdtrace, and the installed Linux header's prototypes it relies on.

use super::*;
use crate::layout::native::DTRACE_PROBESPEC_NAME;

/// The prototypes above, where Linux DTrace 2.x's header is installed
/// (`make install` puts it in /usr/local/include): each line named in
/// the comments still declares what the type says.
#[test]
fn process_and_string_compile_prototypes_match_the_linux_header() {
    let Ok(header) = std::fs::read_to_string("/usr/local/include/dtrace.h") else {
        return;
    };
    let lines: Vec<&str> = header.lines().collect();
    let at = |n: usize| lines.get(n - 1).copied().unwrap_or("");
    assert!(at(103).contains("#define\tDTRACE_C_ZDEFS\t0x0004"));
    assert!(at(108).contains("#define\tDTRACE_C_PSPEC  0x0080"));
    assert!(at(118).contains("dtrace_program_strcompile(dtrace_hdl_t *dtp, const char *s,"));
    assert!(
        at(119).contains("dtrace_probespec_t spec, uint_t cflags, int argc, char *const argv[]")
    );
    assert!(
        at(324)
            .contains("typedef void dtrace_handle_proc_f(pid_t pid, const char *err, void *arg);")
    );
    assert!(at(325).contains("dtrace_handle_proc(dtrace_hdl_t *dtp, dtrace_handle_proc_f *hdlr,"));
    assert!(at(461).contains("dtrace_proc_create(dtrace_hdl_t *dtp,"));
    assert!(at(462).contains("const char *file, char *const *argv, int flags);"));
    assert!(at(432).contains("#define\tDTRACE_AGD_PRINTED\t0x1"));
    assert!(at(464).contains("dtrace_proc_grab_pid(dtrace_hdl_t *dtp,"));
    assert!(at(465).contains("pid_t pid, int flags);"));
    assert!(at(466).contains("dtrace_proc_release(dtrace_hdl_t *dtp,"));
    assert!(at(468).contains("dtrace_proc_continue(dtrace_hdl_t *dtp,"));
    assert!(at(470).contains("extern pid_t dtrace_proc_getpid(dtrace_hdl_t *dtp,"));
    // DTRACE_PROBESPEC_NAME is the fourth enumerator, after NONE = -1.
    let spec = header
        .find("DTRACE_PROBESPEC_NONE = -1")
        .expect("probespec enum");
    let tail = &header[spec..];
    let order = [
        "PROVIDER = 0",
        "DTRACE_PROBESPEC_MOD",
        "DTRACE_PROBESPEC_FUNC",
        "DTRACE_PROBESPEC_NAME",
    ];
    let mut from = 0;
    for name in order {
        let i = tail[from..].find(name).expect(name);
        from += i;
    }
    assert_eq!(DTRACE_PROBESPEC_NAME, 3);
}

#[test]
fn env_override_is_tried_first() {
    // Only reads the variable; does not load anything.
    let names = candidates();
    assert!(names.iter().any(|n| n.contains("libdtrace")));
}

#[test]
fn a_library_that_is_not_dtrace_is_refused_with_a_message() {
    // libc is loaded in every process and is certainly not DTrace.
    // SAFETY: libc is already mapped into this process; loading it again
    // runs no new initialisers.
    let lib = unsafe { libloading::Library::new("libc.so.6") };
    let Ok(lib) = lib else { return };
    match Library::from_loaded(lib, "libc.so.6") {
        Err(e @ LoadError::Unsupported { .. }) => {
            assert!(e.to_string().contains("dtrace_open"), "{e}")
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("libc accepted as libdtrace"),
    }
}
