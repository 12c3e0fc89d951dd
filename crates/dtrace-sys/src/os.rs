//! The few calls into the C library that are not libdtrace's but that a
//! consumer needs and std does not offer: who this process runs as, and
//! the file descriptor operations that capture its standard output.

use std::os::fd::{AsRawFd, BorrowedFd};

/// Whether this process runs as root. Without DTrace privileges Linux
/// DTrace opens fine but sees no probes, so a "matches no probes" error
/// needs this to be explained.
pub fn running_as_root() -> bool {
    effective_uid() == 0
}

/// This process's effective user id: who files it makes belong to, and
/// who follows a symbolic link.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Makes reads from `fd` return at once when there is nothing to read
/// (its status flags become O_NONBLOCK alone).
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> std::io::Result<()> {
    // SAFETY: fcntl on a descriptor the caller holds open.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Points this process's standard output (file descriptor 1) at `fd`'s
/// file, without close-on-exec, so that children inherit it.
pub fn redirect_stdout(fd: BorrowedFd<'_>) -> std::io::Result<()> {
    // SAFETY: dup2 onto fd 1 replaces standard output with a duplicate of
    // a descriptor the caller holds open; nothing else is closed.
    if unsafe { libc::dup2(fd.as_raw_fd(), 1) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Waits until `fd` has something to read (or its end), at most
/// `timeout_ms` milliseconds.
pub fn wait_readable(fd: BorrowedFd<'_>, timeout_ms: i32) {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a bounded wait.
    unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
}
