//! The C layouts and constants of each libdtrace family, declared from the
//! family's own headers and proven against them in the `facts_*` tests
//! (each fact names the header and line it comes from).
//!
//! Both families are declared on every host so that decoding and the
//! layout tests cover them everywhere; [`native`] is the family of the
//! build target, the one the consumer talks to.

pub mod illumos;
pub mod linux;

#[cfg(test)]
mod facts_freebsd;
#[cfg(test)]
mod facts_illumos;
#[cfg(test)]
mod facts_linux;
#[cfg(test)]
mod facts_macos;

#[cfg(not(target_os = "linux"))]
pub use illumos as native;
#[cfg(target_os = "linux")]
pub use linux as native;

use std::ffi::{CStr, c_char};

/// The four parts of a probe's name and its id, however the family stores
/// them (Linux: pointers; illumos: fixed arrays). [`crate::ProbeView`] is
/// the safe way to read them.
///
/// # Safety
/// The names may be read only of a description libdtrace handed out (for
/// as long as it lives) or of one whose name pointers are null or point at
/// NUL-terminated strings that outlive the call.
pub trait ProbeNames {
    fn id(&self) -> u32;
    /// # Safety
    /// See [`ProbeNames`].
    unsafe fn provider(&self) -> String;
    /// # Safety
    /// See [`ProbeNames`].
    unsafe fn module(&self) -> String;
    /// # Safety
    /// See [`ProbeNames`].
    unsafe fn function(&self) -> String;
    /// # Safety
    /// See [`ProbeNames`].
    unsafe fn name(&self) -> String;
}

/// A NUL-terminated C string, or "" for null.
///
/// # Safety
/// `p` is null or points at a NUL-terminated string valid for the call.
pub(crate) unsafe fn c_text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: per this function's contract.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// The text of a fixed-size, NUL-padded name array (it may fill the whole
/// array with no NUL).
pub(crate) fn array_text(a: &[c_char]) -> String {
    let bytes: Vec<u8> = a
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
