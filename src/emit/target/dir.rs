//! A directory held open: podlift makes, renames and removes names relative
//! to the handle, never by a path someone could redirect meanwhile. A
//! staging directory renamed and replaced by a link or by another directory
//! keeps receiving podlift's files in podlift's own directory; what a name
//! holds is compared by device and inode taken from an open handle.
//!
//! On Unix through `openat`-family calls (rustix), every name opened with
//! `O_NOFOLLOW`; `renameat2` flags on Linux. Elsewhere by path (the same
//! checks, with the windows a path leaves).

use std::ffi::{OsStr, OsString};
use std::hash::{BuildHasher as _, Hasher as _};
use std::path::{Path, PathBuf};

/// What a name held: its kind, and on Unix its device and inode (a name
/// someone else took meanwhile is not the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    kind: Kind,
    device: u64,
    inode: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Other,
}

impl Identity {
    /// What an open file or directory is.
    pub(crate) fn of_metadata(meta: &std::fs::Metadata) -> Self {
        let kind = if meta.is_dir() {
            Kind::Dir
        } else if meta.is_file() {
            Kind::File
        } else {
            Kind::Other
        };
        #[cfg(unix)]
        let (device, inode) = (
            std::os::unix::fs::MetadataExt::dev(meta),
            std::os::unix::fs::MetadataExt::ino(meta),
        );
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        Self {
            kind,
            device,
            inode,
        }
    }

    /// Whether it is a directory.
    pub(crate) fn is_dir(self) -> bool {
        self.kind == Kind::Dir
    }

    /// Whether it is on the device of `other` (a mount point is not).
    pub(crate) fn same_device(self, other: Self) -> bool {
        self.device == other.device
    }
}

/// A directory podlift holds open, with the path it was reached by (for
/// messages only).
#[derive(Debug)]
pub(crate) struct Dir {
    #[cfg(unix)]
    handle: std::fs::File,
    path: PathBuf,
}

/// `.BASE.podlift-` and 16 unpredictable hex digits, then `suffix`.
pub(crate) fn random_name(base: &str, suffix: &str) -> OsString {
    // A fresh RandomState is keyed from the system's randomness: its
    // hash of the time is unpredictable to another user.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(now);
    OsString::from(format!(".{base}.podlift-{:016x}{suffix}", hasher.finish()))
}

/// How many random names are tried before giving up.
const TRIES: usize = 32;

impl Dir {
    /// Where it was reached.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` inside it (for messages).
    pub(crate) fn shown(&self, name: &OsStr) -> PathBuf {
        self.path.join(name)
    }

    /// What it is, from the handle.
    pub(crate) fn identity(&self) -> std::io::Result<Identity> {
        Ok(Identity::of_metadata(&self.metadata()?))
    }

    #[cfg(unix)]
    fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        self.handle.metadata()
    }

    #[cfg(not(unix))]
    fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        std::fs::metadata(&self.path)
    }

    /// Its permissions, from the handle.
    pub(crate) fn permissions(&self) -> std::io::Result<std::fs::Permissions> {
        Ok(self.metadata()?.permissions())
    }

    /// Sets its permissions, on the handle.
    pub(crate) fn set_permissions(&self, permissions: std::fs::Permissions) -> std::io::Result<()> {
        #[cfg(unix)]
        return self.handle.set_permissions(permissions);
        #[cfg(not(unix))]
        return std::fs::set_permissions(&self.path, permissions);
    }

    /// Makes a new directory of an unpredictable name (`.BASE.podlift-…`)
    /// in it and opens it; `mode` before the umask.
    pub(crate) fn make_random_dir(
        &self,
        base: &str,
        suffix: &str,
        mode: u32,
    ) -> std::io::Result<(OsString, Dir)> {
        for _ in 0..TRIES {
            let name = random_name(base, suffix);
            match self.make_dir(&name, mode) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
                Ok(()) => {
                    let opened = self.open_dir(&name)?;
                    return Ok((name, opened));
                }
            }
        }
        Err(std::io::ErrorKind::AlreadyExists.into())
    }

    /// Creates a new file of an unpredictable name in it.
    pub(crate) fn create_random_file(
        &self,
        base: &str,
        suffix: &str,
        mode: u32,
    ) -> std::io::Result<(OsString, std::fs::File)> {
        for _ in 0..TRIES {
            let name = random_name(base, suffix);
            match self.create_file(&name, mode) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
                Ok(file) => return Ok((name, file)),
            }
        }
        Err(std::io::ErrorKind::AlreadyExists.into())
    }

    /// Whether it holds no entry.
    pub(crate) fn is_empty(&self) -> std::io::Result<bool> {
        Ok(self.entries()?.is_empty())
    }
}

#[cfg(unix)]
impl Dir {
    /// Opens the directory at `path` (links on the way are followed: the
    /// caller resolved them). On Linux for names only (`O_PATH`): a
    /// directory one may write but not list still takes the output.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        use rustix::fs::{Mode, OFlags};
        #[cfg(target_os = "linux")]
        let access = OFlags::PATH;
        #[cfg(not(target_os = "linux"))]
        let access = OFlags::RDONLY;
        let fd = rustix::fs::open(
            path,
            access | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            handle: fd.into(),
            path: path.to_path_buf(),
        })
    }

    /// The user id owning it, from the handle.
    pub(crate) fn uid(&self) -> std::io::Result<u32> {
        Ok(std::os::unix::fs::MetadataExt::uid(
            &self.handle.metadata()?,
        ))
    }

    /// Opens the directory `name` in it, never through a link.
    pub(crate) fn open_dir(&self, name: &OsStr) -> std::io::Result<Self> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::openat(
            &self.handle,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            handle: fd.into(),
            path: self.path.join(name),
        })
    }

    /// Opens the file `name` in it for reading, never through a link and
    /// never blocking (a FIFO).
    pub(crate) fn open_file(&self, name: &OsStr) -> std::io::Result<std::fs::File> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::openat(
            &self.handle,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(fd.into())
    }

    /// What `name` in it holds now, not following a link.
    pub(crate) fn identity_of(&self, name: &OsStr) -> std::io::Result<Identity> {
        use rustix::fs::{AtFlags, FileType};
        let stat = rustix::fs::statat(&self.handle, name, AtFlags::SYMLINK_NOFOLLOW)?;
        let kind = match FileType::from_raw_mode(stat.st_mode) {
            FileType::Directory => Kind::Dir,
            FileType::RegularFile => Kind::File,
            _ => Kind::Other,
        };
        Ok(Identity {
            kind,
            device: wide(stat.st_dev),
            inode: wide(stat.st_ino),
        })
    }

    /// Makes the directory `name` in it; `mode` before the umask.
    pub(crate) fn make_dir(&self, name: &OsStr, mode: u32) -> std::io::Result<()> {
        rustix::fs::mkdirat(&self.handle, name, mode_of(mode))?;
        Ok(())
    }

    /// Creates the new file `name` in it: exclusively (a name that exists,
    /// a link too, is an error), for writing, with `mode` before the umask.
    pub(crate) fn create_file(&self, name: &OsStr, mode: u32) -> std::io::Result<std::fs::File> {
        use rustix::fs::OFlags;
        let fd = rustix::fs::openat(
            &self.handle,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            mode_of(mode),
        )?;
        Ok(fd.into())
    }

    /// Removes the file (or link) `name` from it.
    pub(crate) fn remove_file(&self, name: &OsStr) -> std::io::Result<()> {
        rustix::fs::unlinkat(&self.handle, name, rustix::fs::AtFlags::empty())?;
        Ok(())
    }

    /// Removes the empty directory `name` from it.
    pub(crate) fn remove_dir(&self, name: &OsStr) -> std::io::Result<()> {
        rustix::fs::unlinkat(&self.handle, name, rustix::fs::AtFlags::REMOVEDIR)?;
        Ok(())
    }

    /// Renames `from` in it to `to` in `into`, replacing what `rename(2)`
    /// replaces (a file, an empty directory).
    pub(crate) fn rename(&self, from: &OsStr, into: &Self, to: &OsStr) -> std::io::Result<()> {
        rustix::fs::renameat(&self.handle, from, &into.handle, to)?;
        Ok(())
    }

    /// Renames `from` to `to` (both in it) only while `to` names nothing:
    /// `renameat2(RENAME_NOREPLACE)` where the file system has it, else a
    /// hard link, else (a file system with neither, e.g. FAT) a rename
    /// after checking the name is free.
    pub(crate) fn rename_new(&self, from: &OsStr, to: &OsStr) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{RenameFlags, renameat_with};
            use rustix::io::Errno;
            match renameat_with(&self.handle, from, &self.handle, to, RenameFlags::NOREPLACE) {
                Ok(()) => return Ok(()),
                Err(e) if e != Errno::INVAL && e != Errno::NOSYS && e != Errno::OPNOTSUPP => {
                    return Err(e.into());
                }
                Err(_) => {}
            }
        }
        match rustix::fs::linkat(
            &self.handle,
            from,
            &self.handle,
            to,
            rustix::fs::AtFlags::empty(),
        ) {
            Ok(()) => self.remove_file(from),
            Err(rustix::io::Errno::EXIST) => Err(std::io::ErrorKind::AlreadyExists.into()),
            Err(_) => match self.identity_of(to) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.rename(from, self, to),
                Ok(_) => Err(std::io::ErrorKind::AlreadyExists.into()),
                Err(e) => Err(e),
            },
        }
    }

    /// Exchanges `a` and `b` (both in it) atomically; `Ok(false)` where
    /// the system or file system cannot.
    pub(crate) fn exchange(&self, a: &OsStr, b: &OsStr) -> std::io::Result<bool> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{RenameFlags, renameat_with};
            use rustix::io::Errno;
            match renameat_with(&self.handle, a, &self.handle, b, RenameFlags::EXCHANGE) {
                Ok(()) => Ok(true),
                Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
                Err(e) => Err(e.into()),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (a, b);
            Ok(false)
        }
    }

    /// Its entries, each with whether it is a directory (not following a
    /// link).
    pub(crate) fn entries(&self) -> std::io::Result<Vec<(OsString, bool)>> {
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.handle)? {
            let entry = entry?;
            let bytes = entry.file_name().to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let name = OsStr::from_bytes(bytes).to_os_string();
            let is_dir = match entry.file_type() {
                rustix::fs::FileType::Directory => true,
                rustix::fs::FileType::Unknown => self.identity_of(&name)?.is_dir(),
                _ => false,
            };
            out.push((name, is_dir));
        }
        Ok(out)
    }
}

/// A mode's permission bits (`mode_t` differs between systems).
#[cfg(unix)]
fn mode_of(bits: u32) -> rustix::fs::Mode {
    rustix::fs::Mode::from_bits_truncate(narrow(bits & 0o7777))
}

#[cfg(unix)]
fn narrow<T: TryFrom<u32> + Default>(bits: u32) -> T {
    T::try_from(bits).unwrap_or_default()
}

/// A device or inode number as `u64` (its type differs between systems).
#[cfg(unix)]
fn wide<T: TryInto<u64>>(number: T) -> u64 {
    number.try_into().unwrap_or(u64::MAX)
}

#[cfg(not(unix))]
impl Dir {
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        if !std::fs::metadata(path)?.is_dir() {
            return Err(std::io::Error::other("not a directory"));
        }
        Ok(Self {
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn open_dir(&self, name: &OsStr) -> std::io::Result<Self> {
        let path = self.path.join(name);
        if !std::fs::symlink_metadata(&path)?.is_dir() {
            return Err(std::io::Error::other("not a directory"));
        }
        Self::open(&path)
    }

    pub(crate) fn open_file(&self, name: &OsStr) -> std::io::Result<std::fs::File> {
        let path = self.path.join(name);
        if std::fs::symlink_metadata(&path)?.file_type().is_symlink() {
            return Err(std::io::Error::other("a link"));
        }
        std::fs::File::open(path)
    }

    pub(crate) fn identity_of(&self, name: &OsStr) -> std::io::Result<Identity> {
        Ok(Identity::of_metadata(&std::fs::symlink_metadata(
            self.path.join(name),
        )?))
    }

    pub(crate) fn make_dir(&self, name: &OsStr, _: u32) -> std::io::Result<()> {
        std::fs::create_dir(self.path.join(name))
    }

    pub(crate) fn create_file(&self, name: &OsStr, _: u32) -> std::io::Result<std::fs::File> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.path.join(name))
    }

    pub(crate) fn remove_file(&self, name: &OsStr) -> std::io::Result<()> {
        std::fs::remove_file(self.path.join(name))
    }

    pub(crate) fn remove_dir(&self, name: &OsStr) -> std::io::Result<()> {
        std::fs::remove_dir(self.path.join(name))
    }

    pub(crate) fn rename(&self, from: &OsStr, into: &Self, to: &OsStr) -> std::io::Result<()> {
        std::fs::rename(self.path.join(from), into.path.join(to))
    }

    pub(crate) fn rename_new(&self, from: &OsStr, to: &OsStr) -> std::io::Result<()> {
        match std::fs::hard_link(self.path.join(from), self.path.join(to)) {
            Ok(()) => self.remove_file(from),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            Err(_) => match self.identity_of(to) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.rename(from, self, to),
                Ok(_) => Err(std::io::ErrorKind::AlreadyExists.into()),
                Err(e) => Err(e),
            },
        }
    }

    pub(crate) fn exchange(&self, _: &OsStr, _: &OsStr) -> std::io::Result<bool> {
        Ok(false)
    }

    pub(crate) fn entries(&self) -> std::io::Result<Vec<(OsString, bool)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            let entry = entry?;
            out.push((entry.file_name(), entry.file_type()?.is_dir()));
        }
        Ok(out)
    }
}

/// Removes everything in `dir`, never following a link (a link is removed,
/// not what it points to); directories deeper than `depth` are left.
pub(crate) fn empty(dir: &Dir, depth: usize) -> std::io::Result<()> {
    for (name, is_dir) in dir.entries()? {
        if is_dir {
            if let Some(deeper) = depth.checked_sub(1) {
                let inner = dir.open_dir(&name)?;
                empty(&inner, deeper)?;
            }
            dir.remove_dir(&name)?;
        } else {
            dir.remove_file(&name)?;
        }
    }
    Ok(())
}
