//! Where a write by dscope may land, when dscope runs as root.
//!
//! dscope usually runs as root, often on files in shared places (/tmp, a
//! colleague's home). Three rules keep it from doing there what a careful
//! administrator would not:
//!
//! - A path is followed the way open(2) follows it, except that a symbolic
//!   link the kernel's `protected_symlinks` rule would refuse to follow is
//!   refused here too: a link in a world-writable sticky folder, owned
//!   neither by the one who follows it nor by the folder's owner. The
//!   kernel applies that rule to open(2) only; a save that resolves the
//!   path itself and renames over the result would escape it, so the rule
//!   is applied to every link met while resolving.
//! - A file replaced keeps its owner and group, not only its mode.
//! - Under sudo, what dscope creates in a folder that belongs to the user
//!   who ran sudo is given to that user, so that their next start without
//!   sudo can still write its settings and recovery copies.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

/// How many links one path may pass through, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Why a path was refused: the link, who owns it, the folder it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignLink {
    pub link: PathBuf,
    pub link_owner: u32,
    pub folder_owner: u32,
    pub points_to: PathBuf,
}

impl fmt::Display for ForeignLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is a symbolic link to {}, made by {} in {}, a folder everyone may write to; \
             dscope does not write through another user's link there (the kernel's \
             protected_symlinks rule), since it could be made to overwrite any file. \
             Choose another name, or the link's target itself",
            self.link.display(),
            self.points_to.display(),
            user_name(self.link_owner),
            self.link
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
    }
}

impl std::error::Error for ForeignLink {}

/// The kernel's rule (`may_follow_link` in Linux's fs/namei.c): a link is
/// followed if its owner is the follower, or its folder is not both
/// sticky and world-writable, or the folder and the link have one owner.
pub fn may_follow(link_owner: u32, folder_owner: u32, folder_mode: u32, follower: u32) -> bool {
    const STICKY: u32 = 0o1000;
    const OTHERS_WRITE: u32 = 0o0002;
    link_owner == follower
        || folder_mode & (STICKY | OTHERS_WRITE) != STICKY | OTHERS_WRITE
        || folder_owner == link_owner
}

/// The file a write to `path` really lands on: every symbolic link
/// followed, relative paths made absolute. A path whose last parts do not
/// exist yet resolves to where they would be made. Refuses a link that
/// [`may_follow`] refuses, with an `io::Error` of kind `PermissionDenied`
/// that carries a [`ForeignLink`].
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    resolve_as(path, crate::dtrace::effective_uid())
}

#[cfg(unix)]
fn resolve_as(path: &Path, follower: u32) -> io::Result<PathBuf> {
    use std::collections::VecDeque;
    use std::os::unix::fs::MetadataExt;

    let absolute = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut pending: VecDeque<OsString> = parts(&absolute);
    let mut done = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        if part == "/" {
            done = PathBuf::from("/");
            continue;
        }
        if part == ".." {
            // `done` holds no links, so its parent is the real parent.
            done.pop();
            continue;
        }
        let next = done.join(&part);
        match fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "{} passes through more than {MAX_LINKS} symbolic links",
                            path.display()
                        ),
                    ));
                }
                let target = fs::read_link(&next)?;
                let folder = fs::metadata(&done)?;
                if !may_follow(meta.uid(), folder.uid(), folder.mode(), follower) {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        ForeignLink {
                            link: next,
                            link_owner: meta.uid(),
                            folder_owner: folder.uid(),
                            points_to: target,
                        },
                    ));
                }
                let mut spliced = parts(&target);
                spliced.extend(pending);
                pending = spliced;
            }
            Ok(_) => done = next,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Nothing below a missing part can be a link: the rest is
                // where a new file would go (or where making it fails).
                done = next;
                for rest in pending {
                    done.push(rest);
                }
                return Ok(done);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(not(unix))]
fn resolve_as(path: &Path, _follower: u32) -> io::Result<PathBuf> {
    Ok(fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
}

/// A path's parts, with "/" for the root and "." dropped.
fn parts(path: &Path) -> std::collections::VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::RootDir => Some(OsString::from("/")),
            Component::CurDir => None,
            Component::ParentDir => Some(OsString::from("..")),
            Component::Normal(n) => Some(n.to_owned()),
            Component::Prefix(p) => Some(p.as_os_str().to_owned()),
        })
        .collect()
}

/// Opens `path` for appending, creating it if needed, as dtrace(1)'s `-o`
/// does, but never through a link [`resolve`] refuses, and never through a
/// link put in place after resolving.
pub fn open_append(path: &Path) -> io::Result<File> {
    let real = resolve(path)?;
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    no_follow(&mut options);
    let existed = real.exists();
    let file = options.open(&real)?;
    if !existed {
        give_to_invoking_user(&real, &file);
    }
    Ok(file)
}

/// Creates (or empties) `path` readable by its owner only: recordings and
/// recovery copies hold scripts and what they traced.
pub fn create_private(path: &Path) -> io::Result<File> {
    let real = resolve(path)?;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    no_follow(&mut options);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let existed = real.exists();
    let file = options.open(&real)?;
    #[cfg(unix)]
    {
        // An emptied file keeps the mode it had; make it private too.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    if !existed {
        give_to_invoking_user(&real, &file);
    }
    Ok(file)
}

fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = options;
}

/// Makes `dir` and its missing parents; under sudo, those made in a folder
/// of the invoking user's become that user's.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut probe = dir;
    while !probe.as_os_str().is_empty() && !probe.exists() {
        missing.push(probe.to_owned());
        match probe.parent() {
            Some(parent) => probe = parent,
            None => break,
        }
    }
    fs::create_dir_all(dir)?;
    for made in missing.iter().rev() {
        if let Ok(handle) = File::open(made) {
            give_to_invoking_user(made, &handle);
        }
    }
    Ok(())
}

/// The user who ran sudo, when this process is root because of it.
fn invoking_user() -> Option<(u32, u32)> {
    if crate::dtrace::effective_uid() != 0 {
        return None;
    }
    let uid = std::env::var("SUDO_UID").ok()?.parse().ok()?;
    let gid = std::env::var("SUDO_GID").ok()?.parse().ok()?;
    (uid != 0).then_some((uid, gid))
}

/// Gives a file or folder dscope just made to the user who ran sudo, if it
/// was made in a folder that belongs to that user (their home, their
/// config folder): root's own places are left root's.
pub fn give_to_invoking_user(path: &Path, made: &File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Some((uid, gid)) = invoking_user() else {
            return;
        };
        let Some(parent) = path.parent() else {
            return;
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if fs::metadata(parent).is_ok_and(|m| m.uid() == uid) {
            let _ = std::os::unix::fs::fchown(made, Some(uid), Some(gid));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, made);
}

/// A user's name for messages, from /etc/passwd (read at most 1 MiB), or
/// "uid N" when it has none.
pub fn user_name(uid: u32) -> String {
    use std::io::Read;
    let mut text = String::new();
    if let Ok(f) = File::open("/etc/passwd") {
        let _ = f.take(1 << 20).read_to_string(&mut text);
    }
    passwd_name(&text, uid).unwrap_or_else(|| format!("uid {uid}"))
}

fn passwd_name(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let uid_field = fields.nth(1)?;
        (uid_field.parse() == Ok(uid)).then(|| format!("{name} (uid {uid})"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_rule() {
        let sticky_shared = 0o41777;
        let plain = 0o40755;
        let shared_not_sticky = 0o40777;
        // root following alice's link in /tmp: refused.
        assert!(!may_follow(1000, 0, sticky_shared, 0));
        // alice following her own link there: allowed.
        assert!(may_follow(1000, 0, sticky_shared, 1000));
        // a link by the folder's owner: allowed.
        assert!(may_follow(1000, 1000, sticky_shared, 0));
        // not sticky, or not world-writable: allowed.
        assert!(may_follow(1000, 0, shared_not_sticky, 0));
        assert!(may_follow(1000, 0, plain, 0));
        assert!(may_follow(1000, 0, 0o41775, 0));
    }

    #[test]
    fn names_from_passwd() {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        assert_eq!(passwd_name(passwd, 1000).unwrap(), "alice (uid 1000)");
        assert_eq!(passwd_name(passwd, 7), None);
        assert_eq!(passwd_name("garbage\n::\n", 0), None);
    }

    #[cfg(unix)]
    #[test]
    fn resolves_like_open() {
        let dir = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(base.join("real")).unwrap();
        fs::write(base.join("real/a.d"), "x").unwrap();
        std::os::unix::fs::symlink("real", base.join("via")).unwrap();
        std::os::unix::fs::symlink("../real/a.d", base.join("real/up")).unwrap();
        std::os::unix::fs::symlink("loop", base.join("loop")).unwrap();
        std::os::unix::fs::symlink("real/new.d", base.join("dangling")).unwrap();
        let me = crate::dtrace::effective_uid();
        assert_eq!(
            resolve_as(&base.join("via/a.d"), me).unwrap(),
            base.join("real/a.d")
        );
        assert_eq!(
            resolve_as(&base.join("via/up"), me).unwrap(),
            base.join("real/a.d")
        );
        assert_eq!(
            resolve_as(&base.join("via/../real/./a.d"), me).unwrap(),
            base.join("real/a.d")
        );
        assert_eq!(
            resolve_as(&base.join("dangling"), me).unwrap(),
            base.join("real/new.d")
        );
        assert_eq!(
            resolve_as(&base.join("missing/deeper.d"), me).unwrap(),
            base.join("missing/deeper.d")
        );
        let e = resolve_as(&base.join("loop"), me).unwrap_err();
        assert!(e.to_string().contains("more than 40"), "{e}");
    }
}
