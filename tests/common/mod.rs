//! Shared by the live tests.

/// Whether to run against the real libdtrace: with `DSCOPE_LIVE=1` a
/// missing libdtrace fails the test loudly; without it the test says it was
/// skipped.
pub fn live() -> bool {
    if std::env::var("DSCOPE_LIVE").as_deref() == Ok("1") {
        if let Err(e) = dscope::dtrace::Library::load() {
            panic!("DSCOPE_LIVE=1 but libdtrace cannot be loaded:\n{e}");
        }
        true
    } else {
        eprintln!("skipped: set DSCOPE_LIVE=1 to run against a real libdtrace");
        false
    }
}
