//! The C objects dscope only ever holds by pointer. They are declared
//! apart from everything else so that the layouts, the function types and
//! the loader can all name them without naming each other.

/// Opaque `dtrace_hdl_t`.
#[repr(C)]
pub struct DtraceHdl {
    _private: [u8; 0],
}

/// Opaque `dtrace_prog_t`.
#[repr(C)]
pub struct DtraceProg {
    _private: [u8; 0],
}

/// Opaque `struct dtrace_proc` (Linux) or `struct ps_prochandle` (the
/// illumos family): a process libdtrace created or grabbed.
#[repr(C)]
pub struct DtraceProc {
    _private: [u8; 0],
}
