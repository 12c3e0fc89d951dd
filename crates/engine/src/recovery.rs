//! Crash recovery: while a buffer has unsaved changes its text is copied to
//! a recovery file in the user's state directory every few seconds. The
//! file is removed when the text is saved or knowingly discarded, so any
//! recovery file left behind by a process that is gone is work that a crash
//! (or `kill -9`) would otherwise have lost.

use crate::files;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryRecord {
    pub version: u32,
    /// The process that wrote it; its file is not offered while it runs.
    pub pid: u32,
    /// Seconds since the Unix epoch.
    pub saved_at: u64,
    /// The file the text belongs to; `None` for a buffer never saved.
    pub path: Option<PathBuf>,
    pub text: String,
}

impl RecoveryRecord {
    /// A line for the recovery prompt: which file, and when.
    pub fn describe(&self) -> String {
        let what = match &self.path {
            Some(p) => p.display().to_string(),
            None => "an untitled script".to_owned(),
        };
        let age = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs().saturating_sub(self.saved_at))
            .unwrap_or(0);
        let lines = self.text.lines().count();
        format!("{what} ({lines} lines, {})", human_age(age))
    }
}

fn human_age(seconds: u64) -> String {
    match seconds {
        0..=59 => "less than a minute ago".to_owned(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// Parses a recovery file. Anything that is not a whole, well-formed record
/// is an error, never a panic: these files may be truncated by the crash
/// they are meant to survive.
pub fn parse_record(bytes: &[u8]) -> Result<RecoveryRecord, String> {
    let record: RecoveryRecord =
        serde_json::from_slice(bytes).map_err(|e| format!("not a recovery file: {e}"))?;
    if record.version != FORMAT_VERSION {
        return Err(format!(
            "recovery file format {} is not supported (this dscope reads {FORMAT_VERSION})",
            record.version
        ));
    }
    Ok(record)
}

/// Recovery files of one user, in one directory.
#[derive(Debug, Clone)]
pub struct RecoveryStore {
    dir: PathBuf,
    pid: u32,
}

impl RecoveryStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RecoveryStore {
            dir: dir.into(),
            pid: std::process::id(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This process's own recovery file.
    pub fn own_file(&self) -> PathBuf {
        self.dir.join(format!("recovery-{}.json", self.pid))
    }

    /// Copies the unsaved text aside. Atomic, so a crash while writing
    /// leaves the previous copy.
    pub fn write(&self, path: Option<&Path>, text: &str) -> io::Result<PathBuf> {
        crate::writes::create_dir_all(&self.dir)?;
        let record = RecoveryRecord {
            version: FORMAT_VERSION,
            pid: self.pid,
            saved_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            path: path.map(Path::to_owned),
            text: text.to_owned(),
        };
        let json = serde_json::to_string(&record).map_err(io::Error::other)?;
        let file = self.own_file();
        files::save_atomic_bytes(&file, json.as_bytes(), files::NewFile::Private)
            .map_err(|e| e.error)?;
        Ok(file)
    }

    /// Removes this process's recovery file: the text is safe elsewhere.
    pub fn clear(&self) {
        let _ = fs::remove_file(self.own_file());
    }

    /// Recovery files left by processes that are no longer running, newest
    /// first. Unreadable files are returned as errors so the user hears of
    /// them instead of them silently piling up.
    pub fn orphans(&self) -> Vec<(PathBuf, Result<RecoveryRecord, String>)> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut found: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("recovery-") && n.ends_with(".json"))
            })
            .filter(|p| *p != self.own_file())
            .map(|p| {
                let record = fs::read(&p)
                    .map_err(|e| format!("cannot read it: {e}"))
                    .and_then(|b| parse_record(&b));
                (p, record)
            })
            .filter(|(_, r)| match r {
                Ok(record) => record.pid == self.pid || !process_is_running(record.pid),
                Err(_) => true,
            })
            .collect();
        found.sort_by_key(|(_, r)| std::cmp::Reverse(r.as_ref().map(|r| r.saved_at).unwrap_or(0)));
        found
    }

    /// Deletes a recovery file once its text was taken back or refused.
    pub fn discard(&self, file: &Path) {
        let _ = fs::remove_file(file);
    }
}

/// Whether a process with this id is alive. A zombie is not: a dscope
/// killed by a signal stays one until its parent reaps it, and its text is
/// already orphaned. Where `/proc` is not a process file system (macOS)
/// every other process counts as gone, which at worst offers a running
/// instance's text as recoverable.
fn process_is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if !Path::new("/proc/self").exists() {
        return false;
    }
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_none_or(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_text_comes_back_after_the_process_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecoveryStore::new(dir.path());
        store
            .write(Some(Path::new("/tmp/x.d")), "BEGIN { trace(1); }\n")
            .unwrap();
        // Our own file is not an orphan while we run.
        assert!(store.orphans().is_empty());

        // Another (dead) process's view of the same directory.
        let later = RecoveryStore {
            dir: dir.path().to_owned(),
            pid: u32::MAX - 1,
        };
        let orphans = later.orphans();
        assert_eq!(orphans.len(), 0, "the writer is still running");

        // Pretend the writer died: rewrite the record with a dead pid.
        let file = store.own_file();
        let mut record = parse_record(&fs::read(&file).unwrap()).unwrap();
        record.pid = u32::MAX - 2;
        fs::write(&file, serde_json::to_vec(&record).unwrap()).unwrap();
        let orphans = later.orphans();
        assert_eq!(orphans.len(), 1);
        let got = orphans[0].1.as_ref().unwrap();
        assert_eq!(got.text, "BEGIN { trace(1); }\n");
        assert_eq!(got.path.as_deref(), Some(Path::new("/tmp/x.d")));
        later.discard(&orphans[0].0);
        assert!(later.orphans().is_empty());
    }

    #[test]
    fn a_killed_process_that_is_not_yet_reaped_counts_as_gone() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(process_is_running(pid));
        child.kill().unwrap();
        // Not waited for yet: a zombie.
        let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while process_is_running(pid) {
            assert!(
                std::time::Instant::now() < end,
                "a zombie counts as running"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.wait().unwrap();
        assert!(!process_is_running(pid));
    }

    #[test]
    fn clear_removes_the_own_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = RecoveryStore::new(dir.path());
        let f = store.write(None, "x").unwrap();
        assert!(f.exists());
        store.clear();
        assert!(!f.exists());
    }

    #[test]
    fn truncated_or_foreign_files_are_errors_not_panics() {
        assert!(parse_record(b"").is_err());
        assert!(
            parse_record(b"{\"version\":1,\"pid\":3,\"saved_at\":0,\"path\":null,\"text\":\"abc")
                .is_err()
        );
        let e =
            parse_record(b"{\"version\":9,\"pid\":3,\"saved_at\":0,\"path\":null,\"text\":\"\"}")
                .unwrap_err();
        assert!(e.contains("format 9"));

        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("recovery-1.json"), b"\xff\xfe garbage").unwrap();
        let store = RecoveryStore::new(dir.path());
        let orphans = store.orphans();
        assert_eq!(orphans.len(), 1);
        assert!(orphans[0].1.is_err());
    }
}
