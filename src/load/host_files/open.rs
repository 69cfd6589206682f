//! Opening a host file at its resolved path so that no link anywhere on
//! that path is followed: a directory of the path swapped for a link
//! between resolving and opening cannot lead the open elsewhere (`O_NOFOLLOW`
//! alone guards only the last component).
//!
//! On Linux 5.6 and later this is one `openat2` with `RESOLVE_NO_SYMLINKS`;
//! where that call is missing (an older kernel, or a sandbox that refuses
//! it) the path is walked from `/`, each directory opened with
//! `O_NOFOLLOW | O_DIRECTORY` relative to the one before. On other Unix
//! systems the walk is the only way; elsewhere the file is opened as before.
//! The open never blocks (`O_NONBLOCK`: a FIFO) nor takes a terminal.

use std::fs::File;
use std::io;
use std::path::Path;

/// Opens `real` (absolute, without links, `.` or `..`: as the resolver
/// gives it) for reading, following no link on its path.
///
/// # Errors
/// The file cannot be opened, `real` is not such a path, or a link lies on
/// the path (a directory replaced by a link after it was resolved).
pub fn open_resolved(real: &Path) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        match linux::open_no_links(real) {
            Err(e) if linux::unsupported(&e) => walk::open_walking(real),
            other => other,
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        walk::open_walking(real)
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new().read(true).open(real)
    }
}

/// The error of a path on which a link was met.
#[cfg(unix)]
fn link_on_path(real: &Path) -> io::Error {
    io::Error::other(format!(
        "a link lies on the path `{}` (a directory replaced by a link after it was resolved?); not followed",
        real.display()
    ))
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs::File;
    use std::io;
    use std::path::Path;

    use rustix::fs::{CWD, Mode, OFlags, ResolveFlags, openat2};
    use rustix::io::Errno;

    /// One `openat2` that refuses every link on the path.
    pub(super) fn open_no_links(real: &Path) -> io::Result<File> {
        super::walk::names(real)?;
        let flags =
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let resolve = ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        match openat2(CWD, real, flags, Mode::empty(), resolve) {
            Ok(fd) => Ok(File::from(fd)),
            Err(Errno::LOOP) => Err(super::link_on_path(real)),
            Err(e) => Err(io::Error::from(e)),
        }
    }

    /// Whether `openat2` itself is missing: a kernel before 5.6, or a
    /// sandbox (seccomp) that refuses the call.
    pub(super) fn unsupported(e: &io::Error) -> bool {
        matches!(
            e.raw_os_error().map(Errno::from_raw_os_error),
            Some(Errno::NOSYS | Errno::PERM)
        )
    }
}

#[cfg(unix)]
mod walk {
    use std::ffi::OsStr;
    use std::fs::File;
    use std::io;
    use std::os::fd::OwnedFd;
    use std::path::{Component, Path};

    use rustix::fs::{CWD, Mode, OFlags, openat};
    use rustix::io::Errno;

    /// The error of a path that is not resolved.
    pub(super) fn not_resolved(real: &Path) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` is not a resolved path", real.display()),
        )
    }

    /// The names of `real` below `/`.
    ///
    /// # Errors
    /// `real` is not absolute, or holds `.` or `..`.
    pub(super) fn names(real: &Path) -> io::Result<Vec<&OsStr>> {
        let mut components = real.components();
        if components.next() != Some(Component::RootDir) {
            return Err(not_resolved(real));
        }
        components
            .map(|component| match component {
                Component::Normal(name) => Ok(name),
                _ => Err(not_resolved(real)),
            })
            .collect()
    }

    /// Walks `real` from `/`: each directory opened relative to the one
    /// before, not following a link (`O_NOFOLLOW | O_DIRECTORY`), then the
    /// file in the last one (`O_NOFOLLOW`).
    pub(super) fn open_walking(real: &Path) -> io::Result<File> {
        let names = names(real)?;
        let Some((file, directories)) = names.split_last() else {
            return Err(not_resolved(real));
        };
        let mut dir: OwnedFd = openat(CWD, "/", directory_flags(), Mode::empty())?;
        for name in directories {
            dir = match openat(&dir, *name, directory_flags(), Mode::empty()) {
                Ok(next) => next,
                // A link opened with `O_NOFOLLOW | O_DIRECTORY`.
                Err(Errno::LOOP | Errno::NOTDIR) if is_link(&dir, name) => {
                    return Err(super::link_on_path(real));
                }
                Err(e) => return Err(io::Error::from(e)),
            };
        }
        let flags =
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match openat(&dir, *file, flags, Mode::empty()) {
            Ok(fd) => Ok(File::from(fd)),
            Err(Errno::LOOP) => Err(super::link_on_path(real)),
            Err(e) => Err(io::Error::from(e)),
        }
    }

    /// How a directory of the path is opened: only to open what is in it.
    fn directory_flags() -> OFlags {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let access = OFlags::PATH;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let access = OFlags::RDONLY;
        access | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
    }

    /// Whether `name` in `dir` is a link.
    fn is_link(dir: &OwnedFd, name: &OsStr) -> bool {
        rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink
        })
    }

    #[cfg(test)]
    pub(super) use open_walking as walking;
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Read as _;
    use std::path::Path;

    use super::open_resolved;

    fn read(file: std::io::Result<std::fs::File>) -> std::io::Result<String> {
        let mut text = String::new();
        file?.read_to_string(&mut text)?;
        Ok(text)
    }

    /// `root/real/f`, and `root/link` → `real`.
    fn tree() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("real")).unwrap();
        std::fs::write(root.join("real/f"), "secret").unwrap();
        std::os::unix::fs::symlink("real", root.join("link")).unwrap();
        std::os::unix::fs::symlink("f", root.join("real/last")).unwrap();
        (dir, root)
    }

    #[test]
    fn a_link_anywhere_on_the_path_is_not_followed() {
        type Open = fn(&Path) -> std::io::Result<std::fs::File>;
        let (_dir, root) = tree();
        let opens: [(&str, Open); 2] = [
            ("open_resolved", open_resolved),
            ("the walk", super::walk::walking),
        ];
        for (how, open) in opens {
            assert_eq!(read(open(&root.join("real/f"))).unwrap(), "secret", "{how}");
            // A directory of the path swapped for a link after resolving.
            let parent = read(open(&root.join("link/f"))).unwrap_err();
            assert!(
                parent.to_string().contains("a link lies on the path"),
                "{how}: {parent}"
            );
            // The last component a link.
            assert!(read(open(&root.join("real/last"))).is_err(), "{how}");
            // Not a resolved path.
            assert!(read(open(&root.join("real/../real/f"))).is_err(), "{how}");
            assert!(read(open(Path::new("real/f"))).is_err(), "{how}");
        }
    }

    #[test]
    fn a_fifo_opens_without_blocking() {
        let (_dir, root) = tree();
        let fifo = root.join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(open_resolved(&fifo).is_ok());
        assert!(super::walk::walking(&fifo).is_ok());
    }
}
