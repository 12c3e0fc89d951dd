//! Reading and writing scripts without ever losing or half-writing one.
//!
//! Loading refuses what an editor cannot show faithfully (directories,
//! binary or non-UTF-8 files, files too large to edit) with a message that
//! says why, instead of opening a mangled copy that could be saved back.
//! Saving writes a temporary file beside the target, syncs it and renames
//! it over the target, so a crash or a full disk leaves either the old file
//! or the new one, never a mix.

use crate::troubleshooting as t;
use crate::writes;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Larger files are refused: D scripts are small, and a huge buffer would
/// make every keystroke slow.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    IsDirectory(PathBuf),
    PermissionDenied(PathBuf),
    TooLarge { path: PathBuf, bytes: u64 },
    Binary(PathBuf),
    NotUtf8 { path: PathBuf, line: usize },
    Io { path: PathBuf, error: io::Error },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "{} does not exist.", p.display()),
            LoadError::IsDirectory(p) => {
                write!(
                    f,
                    "{} is a directory; choose a .d file inside it.",
                    p.display()
                )
            }
            LoadError::PermissionDenied(p) => write!(
                f,
                "You may not read {}. {}",
                p.display(),
                t::FILE_UNREADABLE.fix
            ),
            LoadError::TooLarge { path, bytes } => write!(
                f,
                "{} is {:.1} MB; dscope opens scripts up to {} MB.",
                path.display(),
                *bytes as f64 / 1_048_576.0,
                MAX_FILE_BYTES / 1_048_576
            ),
            LoadError::Binary(p) => write!(
                f,
                "{} looks like a binary file (it contains NUL bytes), not a D script.",
                p.display()
            ),
            LoadError::NotUtf8 { path, line } => write!(
                f,
                "{} is not UTF-8 text (first bad byte on line {line}). {}",
                path.display(),
                t::FILE_NOT_UTF8.fix
            ),
            LoadError::Io { path, error } => {
                write!(f, "Could not read {}: {error}.", path.display())
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// What identifies the version of a file on disk, to notice changes made
/// by other programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskStamp {
    pub modified: Option<SystemTime>,
    pub len: u64,
}

impl DiskStamp {
    pub fn of(path: &Path) -> io::Result<DiskStamp> {
        let meta = fs::metadata(path)?;
        Ok(DiskStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub text: String,
    pub stamp: DiskStamp,
}

fn io_load_error(path: &Path, error: io::Error) -> LoadError {
    match error.kind() {
        io::ErrorKind::NotFound => LoadError::NotFound(path.to_owned()),
        io::ErrorKind::PermissionDenied => LoadError::PermissionDenied(path.to_owned()),
        io::ErrorKind::IsADirectory => LoadError::IsDirectory(path.to_owned()),
        _ => LoadError::Io {
            path: path.to_owned(),
            error,
        },
    }
}

/// Reads a script, refusing anything that is not a reasonably sized UTF-8
/// text file.
pub fn load(path: &Path) -> Result<LoadedFile, LoadError> {
    let meta = fs::metadata(path).map_err(|e| io_load_error(path, e))?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory(path.to_owned()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_owned(),
            bytes: meta.len(),
        });
    }
    let mut file = File::open(path).map_err(|e| io_load_error(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read one byte past the limit so that a file that grew after the
    // metadata call is still caught.
    Read::by_ref(&mut file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_load_error(path, e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_owned(),
            bytes: bytes.len() as u64,
        });
    }
    let text = decode(path, bytes)?;
    Ok(LoadedFile {
        text,
        stamp: DiskStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        },
    })
}

/// Turns file bytes into editor text: UTF-8 only, no NUL bytes, a leading
/// byte-order mark dropped.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, LoadError> {
    if bytes.contains(&0) {
        return Err(LoadError::Binary(path.to_owned()));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        LoadError::NotUtf8 {
            path: path.to_owned(),
            line,
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

#[derive(Debug)]
pub struct SaveError {
    pub path: PathBuf,
    pub error: io::Error,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let foreign = self
            .error
            .get_ref()
            .is_some_and(|e| e.is::<writes::ForeignLink>());
        let hint = match self.error.kind() {
            _ if foreign => "",
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                t::SAVE_NOT_ALLOWED.fix
            }
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => t::SAVE_DISK_FULL.fix,
            _ => "",
        };
        write!(
            f,
            "Could not save {}: {}. The file on disk is unchanged and your text is still here.",
            self.path.display(),
            self.error
        )?;
        if !hint.is_empty() {
            write!(f, " {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SaveError {}

fn temporary_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "script.d".to_owned());
    let unique = format!(
        ".{name}.{}.{}.dscope-tmp",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    target.with_file_name(unique)
}

/// Who may read a file a save creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewFile {
    /// As the umask allows, like any editor's (scripts, exports).
    Shared,
    /// Its owner only (recovery copies: unsaved scripts).
    Private,
}

/// Writes `text` to `path` atomically, keeping the permissions of the file
/// it replaces. Returns the stamp of the new file.
pub fn save_atomic(path: &Path, text: &str) -> Result<DiskStamp, SaveError> {
    save_atomic_bytes(path, text.as_bytes(), NewFile::Shared)
}

/// [`save_atomic`] for any bytes (exports, images, recovery copies).
///
/// A symbolic link is followed so that the link survives and its target
/// gets the new bytes, except one that [`writes::resolve`] refuses
/// (another user's link in a shared sticky folder). The file replaced
/// keeps its mode, owner and group; when its owner cannot be kept (a
/// user other than root saving a file of someone else's that they may
/// write), it is written in place instead of replaced.
pub fn save_atomic_bytes(path: &Path, bytes: &[u8], new: NewFile) -> Result<DiskStamp, SaveError> {
    let err = |error| SaveError {
        path: path.to_owned(),
        error,
    };
    let target = writes::resolve(path).map_err(err)?;
    let previous = fs::metadata(&target).ok();
    if previous.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "that is a directory",
        )));
    }
    let temp = temporary_path(&target);
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if new == NewFile::Private && previous.is_none() {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        match &previous {
            Some(meta) => {
                if !keep_owner(&file, meta) {
                    drop(file);
                    let _ = fs::remove_file(&temp);
                    return write_in_place(&target, bytes);
                }
                file.set_permissions(meta.permissions())?;
            }
            None => writes::give_to_invoking_user(&target, &file),
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &target)?;
        sync_parent(&target);
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(err(e));
    }
    DiskStamp::of(&target).map_err(err)
}

/// Gives the new copy the owner and group of the file it replaces; false
/// when that is not allowed.
fn keep_owner(file: &File, old: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(new) = file.metadata() else {
            return false;
        };
        if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
            return true;
        }
        std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_ok()
    }
    #[cfg(not(unix))]
    {
        let _ = (file, old);
        true
    }
}

/// The fallback when a replacement could not keep the owner: the file
/// itself is rewritten, so it stays whose it was.
fn write_in_place(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(target)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the rename itself durable. Failure only weakens durability after a
/// power cut, and some filesystems refuse to sync directories, so it is
/// ignored.
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Ok(dir) = File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn save_replaces_content_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.d");
        fs::write(&path, "old").unwrap();
        save_atomic(&path, "BEGIN { exit(0); }\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "BEGIN { exit(0); }\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.d")]);
    }

    #[cfg(unix)]
    #[test]
    fn save_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.d");
        fs::write(&path, "x").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o750)).unwrap();
        save_atomic(&path, "y").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
    }

    #[cfg(unix)]
    #[test]
    fn save_through_a_symlink_keeps_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.d");
        let link = dir.path().join("link.d");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        save_atomic(&link, "new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn failed_save_leaves_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.d");
        fs::write(&path, "precious").unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o500)).unwrap();
        let result = save_atomic(&path, "new text");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        if nix_is_root() {
            // root ignores directory permissions; nothing to assert.
            return;
        }
        let e = result.unwrap_err();
        assert!(e.to_string().contains("unchanged"), "{e}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "precious");
    }

    #[cfg(unix)]
    fn nix_is_root() -> bool {
        // The owner of a file we just created is our effective user.
        use std::os::unix::fs::MetadataExt;
        let f = tempfile::NamedTempFile::new().unwrap();
        f.as_file().metadata().unwrap().uid() == 0
    }

    #[test]
    fn load_refuses_what_it_cannot_edit() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(load(dir.path()), Err(LoadError::IsDirectory(_))));
        assert!(matches!(
            load(&dir.path().join("nope.d")),
            Err(LoadError::NotFound(_))
        ));

        let bin = dir.path().join("bin.d");
        fs::write(&bin, b"\x7fELF\x00\x01").unwrap();
        assert!(matches!(load(&bin), Err(LoadError::Binary(_))));

        let latin1 = dir.path().join("latin1.d");
        fs::write(&latin1, b"BEGIN\n{\n trace(\"caf\xe9\");\n}\n").unwrap();
        match load(&latin1) {
            Err(LoadError::NotUtf8 { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected NotUtf8, got {other:?}"),
        }

        let big = dir.path().join("big.d");
        let f = File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = load(&big).unwrap_err();
        assert!(matches!(e, LoadError::TooLarge { .. }));
        assert!(e.to_string().contains("MB"));
    }

    #[test]
    fn load_drops_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bom.d");
        fs::write(&p, "\u{feff}BEGIN {}\n").unwrap();
        assert_eq!(load(&p).unwrap().text, "BEGIN {}\n");
    }
}
