//! Tracing events that a killed Linux DTrace consumer left behind.
//!
//! Linux DTrace makes tracefs events named after its process for some
//! providers: groups `dt_PID_PROVIDER` (libdtrace/dt_provider_tp.h:25,
//! `GROUP_FMT "dt_%d_%s"`; fbt appends `_entry` or `_return`,
//! libdtrace/dt_prov_fbt.c:49), in `uprobe_events` for BEGIN, END and
//! ERROR (libdtrace/dt_prov_dtrace.c:26) and in `kprobe_events` for fbt
//! (libdtrace/dt_prov_fbt.c:46), under `/sys/kernel/debug/tracing/`
//! (include/tracefs.h:11). It removes them when it closes; a consumer
//! that was killed (SIGKILL, a run worker past its grace, a crash)
//! cannot, and its events stay. A later consumer that gets the same
//! process id (ids wrap at pid_max, 32768 on many systems) then cannot
//! make its own: the write fails, and libdtrace says only "Failed to
//! enable probe". Before a process opens its first handle no event of its
//! id can be its own, so [`clear`] removes any there are.

/// Where libdtrace keeps the event lists (include/tracefs.h:11).
pub const TRACEFS: &str = "/sys/kernel/debug/tracing/";

/// The lists libdtrace adds its per-process events to.
pub const EVENT_LISTS: [&str; 2] = ["uprobe_events", "kprobe_events"];

/// The `GROUP/EVENT` names in `list` (an event list's text, one
/// `p:GROUP/EVENT SPEC` or `r[N]:GROUP/EVENT SPEC` a line) whose group
/// is one libdtrace made for process `pid`.
pub fn of_process(list: &str, pid: u32) -> Vec<String> {
    let prefix = format!("dt_{pid}_");
    list.lines()
        .filter_map(|line| {
            let name = line.split_whitespace().next()?.split_once(':')?.1;
            let (group, event) = name.split_once('/')?;
            // `dt_12_` must not take `dt_123_`'s: the id ends at the `_`.
            let provider = group.strip_prefix(&prefix)?;
            (!provider.is_empty() && !event.is_empty()).then(|| name.to_owned())
        })
        .collect()
}

/// Removes the events this process's id left behind in an earlier
/// process, once, before the first handle is opened; what could not be
/// removed is left (an event in use cannot be, and is no leftover).
/// Nothing is said: without them, libdtrace works as it should.
#[cfg(target_os = "linux")]
pub fn clear() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let pid = std::process::id();
        for list in EVENT_LISTS {
            let path = format!("{TRACEFS}{list}");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for name in of_process(&text, pid) {
                remove(&path, &name);
            }
        }
    });
}

/// One `-:GROUP/EVENT` line, as libdtrace removes its events. It must
/// be one write: tracefs takes each write as a command of its own.
#[cfg(target_os = "linux")]
fn remove(path: &str, name: &str) {
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(path) {
        let _ = f.write_all(format!("-:{name}\n").as_bytes());
    }
}

#[cfg(not(target_os = "linux"))]
pub fn clear() {}

#[cfg(test)]
mod tests;
