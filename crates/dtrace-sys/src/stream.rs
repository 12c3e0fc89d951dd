//! C streams (`FILE`) as safe values: the in-memory stream a work call or
//! a printout writes into, a writer of dscope's own text into it while it
//! is open, and a file opened for the compiler to read.

use std::cell::Cell;
use std::ffi::{CStr, c_char};
use std::ptr::NonNull;
use std::rc::Rc;

/// Captures what libdtrace writes to a `FILE` during one call.
pub struct MemStream {
    /// The open stream; null once closed. Shared with its writers, which
    /// write only while it is open.
    fp: Rc<Cell<*mut libc::FILE>>,
    buf: Box<(*mut c_char, libc::size_t)>,
}

impl MemStream {
    pub fn open() -> Result<MemStream, crate::DtraceError> {
        let mut buf = Box::new((std::ptr::null_mut::<c_char>(), 0 as libc::size_t));
        // SAFETY: the two out-pointers live in a Box whose address stays
        // fixed until close(), as open_memstream requires.
        let fp = unsafe { libc::open_memstream(&mut buf.0, &mut buf.1) };
        if fp.is_null() {
            return Err(crate::DtraceError::other("cannot create an output buffer"));
        }
        Ok(MemStream {
            fp: Rc::new(Cell::new(fp)),
            buf,
        })
    }

    /// The stream, for a libdtrace call that writes into it.
    pub(crate) fn file(&self) -> *mut libc::FILE {
        self.fp.get()
    }

    /// A writer of text into this stream, for the callbacks of a call
    /// that writes here too: text written through it stays in order with
    /// libdtrace's.
    pub fn writer(&self) -> StreamWriter {
        StreamWriter {
            fp: self.fp.clone(),
        }
    }

    /// Closes the stream and returns what was written.
    pub fn close(self) -> String {
        let fp = self.fp.replace(std::ptr::null_mut());
        // SAFETY: `fp` is open (only close and drop close it, and close
        // consumes the stream); closing updates buf/len to the final text.
        unsafe { libc::fclose(fp) };
        let (ptr, len) = *self.buf;
        if ptr.is_null() {
            return String::new();
        }
        // SAFETY: open_memstream's buffer holds `len` bytes; it is ours to
        // free once the stream is closed.
        let text = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
        let text = String::from_utf8_lossy(text).into_owned();
        // SAFETY: allocated by the C library for the stream; `self` is
        // dropped next, and its drop frees nothing of a closed stream.
        unsafe { libc::free(ptr.cast()) };
        text
    }
}

impl Drop for MemStream {
    fn drop(&mut self) {
        let fp = self.fp.replace(std::ptr::null_mut());
        if !fp.is_null() {
            // SAFETY: still open (close() was not called); then the buffer
            // is freed once.
            unsafe {
                libc::fclose(fp);
                libc::free(self.buf.0.cast());
            }
        }
    }
}

/// Writes into a [`MemStream`] while it is open; see
/// [`MemStream::writer`].
#[derive(Clone)]
pub struct StreamWriter {
    fp: Rc<Cell<*mut libc::FILE>>,
}

impl StreamWriter {
    /// Writes `text` into the stream; false (and nothing written) once the
    /// stream is closed.
    pub fn write(&self, text: &str) -> bool {
        let fp = self.fp.get();
        if fp.is_null() {
            return false;
        }
        // SAFETY: `fp` is the open stream (closing it nulls the shared
        // cell first), and `text` is readable for its length.
        unsafe { libc::fwrite(text.as_ptr().cast(), 1, text.len(), fp) };
        true
    }
}

/// A file opened with `fopen`, for libdtrace to read; closed when
/// dropped.
pub struct CFile {
    fp: NonNull<libc::FILE>,
}

impl CFile {
    /// Opens `path` for reading.
    pub fn open_read(path: &CStr) -> std::io::Result<CFile> {
        // SAFETY: both strings are NUL-terminated; fopen returns null or a
        // FILE closed once, by drop.
        let fp = unsafe { libc::fopen(path.as_ptr(), c"r".as_ptr()) };
        NonNull::new(fp)
            .map(|fp| CFile { fp })
            .ok_or_else(std::io::Error::last_os_error)
    }

    pub(crate) fn as_ptr(&self) -> *mut libc::FILE {
        self.fp.as_ptr()
    }
}

impl Drop for CFile {
    fn drop(&mut self) {
        // SAFETY: opened by fopen and closed once, here.
        unsafe { libc::fclose(self.fp.as_ptr()) };
    }
}

/// `/dev/null` opened for writing, where libxo is pointed between the
/// calls that print.
pub(crate) fn dev_null() -> *mut libc::FILE {
    // SAFETY: NUL-terminated path and mode.
    unsafe { libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) }
}

/// Closes a stream from [`dev_null`].
///
/// # Safety
/// `fp` is open and closed only by this call.
pub(crate) unsafe fn close(fp: *mut libc::FILE) {
    // SAFETY: per this function's contract.
    unsafe { libc::fclose(fp) };
}
