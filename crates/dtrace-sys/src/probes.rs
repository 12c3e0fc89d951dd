//! Probes as libdtrace describes them: a safe view of a description it
//! hands out (to a listing's callback, or with a probe that fired), the
//! listing's callback, and a probe's stability and argument types read
//! out of `dtrace_probe_info` and libctf.

use crate::layout::ProbeNames;
use crate::layout::native::{Attribute, ProbeDesc, ProbeInfo};
use crate::opaque::DtraceHdl;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A probe description, read safely: one that libdtrace handed out for
/// the call the view lives in, or one of dscope's own.
#[derive(Clone, Copy)]
pub struct ProbeView<'a> {
    desc: &'a ProbeDesc,
}

impl<'a> ProbeView<'a> {
    /// A view of a description libdtrace handed out.
    ///
    /// # Safety
    /// `desc` came from libdtrace and lives (with its names) for `'a`.
    pub(crate) unsafe fn from_libdtrace(desc: &'a ProbeDesc) -> ProbeView<'a> {
        ProbeView { desc }
    }

    pub fn id(&self) -> u32 {
        self.desc.id()
    }
    pub fn provider(&self) -> String {
        // SAFETY: a view's description is libdtrace's, alive for 'a with
        // its names (see from_libdtrace).
        unsafe { self.desc.provider() }
    }
    pub fn module(&self) -> String {
        // SAFETY: as for provider().
        unsafe { self.desc.module() }
    }
    pub fn function(&self) -> String {
        // SAFETY: as for provider().
        unsafe { self.desc.function() }
    }
    pub fn name(&self) -> String {
        // SAFETY: as for provider().
        unsafe { self.desc.name() }
    }
}

/// What a probe listing's callback is handed through its argument.
pub(crate) type Visit<'v> = &'v mut dyn FnMut(ProbeView<'_>);

/// `dtrace_probe_iter`'s callback: each probe to the visitor behind
/// `arg`; a panic stops the listing instead of unwinding into C.
///
/// # Safety
/// Called by `dtrace_probe_iter` only, with a valid probe description and
/// `arg` pointing at a [`Visit`].
pub(crate) unsafe extern "C" fn visit_probe(
    _hdl: *mut DtraceHdl,
    desc: *const ProbeDesc,
    arg: *mut c_void,
) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per this function's contract; the visitor is borrowed
        // for the synchronous listing alone.
        let (desc, visit) = unsafe { (&*desc, &mut *(arg as *mut Visit<'_>)) };
        // SAFETY: libdtrace's description, valid for this call.
        visit(unsafe { ProbeView::from_libdtrace(desc) });
        0
    }))
    .unwrap_or(-1)
}

/// One argument's type as `dtrace_probe_info` and libctf name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgType {
    /// The C type's name; None where libdtrace has no type for it.
    pub name: Option<String>,
    /// The illumos family marks the traced process's types (dtrace -lv
    /// prints "userland " before them); never set on Linux.
    pub user: bool,
}

/// What `dtrace_probe_info` says of a probe, copied out.
#[derive(Debug, Clone)]
pub struct Info {
    /// The probe description's stability attributes.
    pub attr: Attribute,
    /// Its arguments'.
    pub args_attr: Attribute,
    pub arg_types: Vec<ArgType>,
}

/// An empty `dtrace_probeinfo_t` for libdtrace to fill in.
pub(crate) fn empty_info() -> ProbeInfo {
    ProbeInfo {
        attr: Default::default(),
        arga: Default::default(),
        argv: std::ptr::null(),
        argc: 0,
    }
}

/// The argument types of a probe info libdtrace filled in, named with
/// libctf's `ctf_type_name` (None where the library lacks it).
///
/// # Safety
/// `info` was filled in by a successful `dtrace_probe_info` on a handle
/// that is still open: `argv` holds `argc` type descriptions.
pub(crate) unsafe fn arg_types(
    info: &ProbeInfo,
    type_name: Option<crate::functions::CtfTypeNameFn>,
) -> Vec<ArgType> {
    let argc = usize::try_from(info.argc).unwrap_or(0);
    if argc == 0 || info.argv.is_null() {
        return Vec::new();
    }
    // SAFETY: libdtrace filled `argv` with `argc` type descriptions that
    // live as long as the probe (the handle).
    let argv = unsafe { std::slice::from_raw_parts(info.argv, argc) };
    argv.iter()
        .map(|t| {
            #[cfg(not(target_os = "linux"))]
            let user = t.flags & crate::layout::native::DTT_FL_USER != 0;
            #[cfg(target_os = "linux")]
            let user = false;
            let Some(type_name) = type_name.filter(|_| !t.ctfp.is_null()) else {
                return ArgType { name: None, user };
            };
            let mut buf = [0 as c_char; 256];
            // SAFETY: a CTF container and type id from libdtrace; the
            // buffer's length is passed, and ctf_type_name NUL-terminates
            // what it writes or returns null.
            let name = unsafe { type_name(t.ctfp, t.ty, buf.as_mut_ptr(), buf.len()) };
            if name.is_null() {
                return ArgType { name: None, user };
            }
            // SAFETY: NUL-terminated within `buf`, per the above.
            let name = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
            ArgType {
                name: Some(name.into_owned()),
                user,
            }
        })
        .collect()
}

/// Why a probe's argument types cannot be told (see
/// [`crate::Handle::probe_info`]).
pub fn unavailable(what: &str) -> crate::DtraceError {
    crate::DtraceError::other(format!("argument types are not available here ({what})"))
}
