//! Host files: the one resolver for every file of this machine a compose
//! project names — bind-mount sources, `configs`/`secrets` `file:`,
//! `env_file`, `label_file`, `include`, `extends.file` and `.env`. Every one
//! of them is read in load ([`Named`] holds what the project's keys name);
//! the model opens no file.
//!
//! Every path is resolved fully (all links, `..`, absolute) before anything
//! is decided, and every decision is taken on the target:
//! - `/proc`, `/sys`, `/dev` and whatever is not a regular file (a FIFO, a
//!   device, a socket, a directory) is never opened for reading; the open
//!   itself cannot block (`O_NONBLOCK`) nor follow a link swapped in after
//!   the check, at the end of the path or on it (`openat2` with
//!   `RESOLVE_NO_SYMLINKS`, see `open`), and the handle is checked again;
//! - a file outside the project directory (the directory of the first
//!   compose file) is read only under a directory the user allowed
//!   (`--allow-outside DIR`);
//! - whether it looks private (a key, an `.env` file) is decided on the
//!   name written, the target's name and the content;
//! - what is read is bounded per file and in total ([`MAX_HOST_BYTES_TOTAL`]).

mod bind;
mod named;
mod node_paths;
mod open;
mod private;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use bind::{BindRead, MAX_BIND_DIRECTORY_ENTRIES, MAX_CONFIG_BYTES};
pub(crate) use bind::{bind_path, is_path};
pub(crate) use named::read_named;
pub use named::{HostText, Named};
pub(crate) use node_paths::node_control;
pub(crate) use private::{password_hash, pem_private_key};
pub use private::{private_content, private_reason};

use super::interpolate::Tally;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// The most bytes podlift reads from host files in one run (every read
/// counts, also a file read again for another service): a compose file
/// that names one large env file from thousands of services cannot exhaust
/// memory.
pub const MAX_HOST_BYTES_TOTAL: u64 = 256 * 1024 * 1024;

/// The file systems of the kernel: never read, whatever the file is.
const KERNEL: &[&str] = &["/proc", "/sys", "/dev"];

/// Which key names a host file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// A bind mount's source.
    Bind,
    /// A top-level config's `file:`.
    Config,
    /// A top-level secret's `file:`.
    Secret,
    /// A service's `env_file`.
    EnvFile,
    /// A service's `label_file`.
    LabelFile,
    /// A top-level `include` (a compose file, or its `env_file`).
    Include,
    /// `extends.file`.
    Extends,
    /// The `.env` file beside the first compose file.
    DotEnv,
}

impl Use {
    /// The key as the user writes it.
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Bind => "volumes",
            Self::Config => "configs.file",
            Self::Secret => "secrets.file",
            Self::EnvFile => "env_file",
            Self::LabelFile => "label_file",
            Self::Include => "include",
            Self::Extends => "extends.file",
            Self::DotEnv => ".env",
        }
    }
}

/// Where a resolved path lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Inside the project directory.
    Inside,
    /// Outside it, under a directory the user allowed.
    Allowed,
    /// Outside it.
    Outside,
}

/// A path resolved through every link.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The target: absolute, without links, `.` or `..`.
    pub real: PathBuf,
    /// Where it lies.
    pub place: Place,
    /// What it is: `None` for a regular file, else what (`a directory`,
    /// `a FIFO`, `a file of the kernel (/proc)` …).
    pub not_regular: Option<&'static str>,
    /// Whether it is a directory.
    pub directory: bool,
    /// Its size in bytes (as the file system reports it).
    pub len: u64,
}

/// Why a host file is not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It cannot be resolved (it does not exist, a link is broken, no
    /// permission): the reason, lowercase.
    Missing(String),
    /// It is not a regular file (or it is a file of the kernel).
    NotRegular {
        /// The target.
        real: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// It lies outside the project directory, and no `--allow-outside` covers it.
    Outside {
        /// The target.
        real: PathBuf,
        /// The project directory.
        project: PathBuf,
    },
    /// It holds more than the limit of its kind.
    TooLarge(u64),
    /// The run already read [`MAX_HOST_BYTES_TOTAL`] bytes of host files.
    Total,
    /// Reading failed: the reason, lowercase.
    Unreadable(String),
    /// A config's or secret's `file:` that no service of the project uses
    /// (those left out by their profile or the command line included): not
    /// read, as compose does not.
    Unused,
}

impl Refusal {
    /// The error: `message` (what could not be read, and why), at `span`,
    /// with what the user can do.
    #[must_use]
    pub fn diagnostic(&self, message: String, span: Option<Span>) -> Diagnostic {
        let diagnostic = match self {
            Self::NotRegular { .. } => Diagnostic::error(Code::HostFileNotRegular, message),
            Self::Outside { .. } => Diagnostic::error(Code::HostFileOutside, message),
            Self::Total => Diagnostic::error(Code::LimitHostFiles, message),
            Self::Missing(_) | Self::TooLarge(_) | Self::Unreadable(_) | Self::Unused => {
                Diagnostic::error(Code::FileUnreadable, message)
            }
        };
        diagnostic.at_opt(span).help(self.help())
    }

    /// Why, for a message: "it is a FIFO".
    #[must_use]
    pub fn reason(&self) -> String {
        match self {
            Self::Missing(why) | Self::Unreadable(why) => why.clone(),
            Self::NotRegular { real, what } => {
                format!("it is {what} (`{}`), not a regular file", real.display())
            }
            Self::Outside { real, project } => format!(
                "it is `{}`, outside the project directory `{}`",
                real.display(),
                project.display()
            ),
            Self::TooLarge(limit) => format!("it holds more than {limit} bytes"),
            Self::Unused => "no service of the project uses it, so it was not read".to_string(),
            Self::Total => format!(
                "the project's host files hold more than {MAX_HOST_BYTES_TOTAL} bytes in all"
            ),
        }
    }

    /// What the user can do.
    #[must_use]
    pub fn help(&self) -> String {
        match self {
            Self::Outside { real, .. } => format!(
                "podlift copies no file from outside the project into the manifests without your choice: copy the file into the project directory, or allow it with `--allow-outside {}`",
                real.parent().unwrap_or(real).display()
            ),
            Self::NotRegular { .. } => {
                "name a regular file; podlift never reads FIFOs, devices, sockets or the kernel's files (`/proc`, `/sys`, `/dev`)".to_string()
            }
            Self::Total => "name fewer or smaller files".to_string(),
            Self::Missing(_) | Self::TooLarge(_) | Self::Unreadable(_) => {
                "fix the path (relative to the compose file)".to_string()
            }
            Self::Unused => "use it from a service of the project".to_string(),
        }
    }
}

/// A host file read.
#[derive(Clone, Debug)]
pub struct HostFile {
    /// The target.
    pub real: PathBuf,
    /// Where it lies.
    pub place: Place,
    /// The content.
    pub bytes: Vec<u8>,
    /// The file name as written.
    pub written_name: String,
    /// Its permission bits, as the handle read reports them (`None` where
    /// the system has none).
    pub mode: Option<u32>,
}

impl HostFile {
    /// Why it looks private (by the name written, the target's name or the
    /// content); scanned on demand, as env files need not be.
    #[must_use]
    pub fn private(&self) -> Option<&'static str> {
        private_reason(&self.written_name, Some(&self.bytes))
            .or_else(|| private_reason(&name_of(&self.real), None))
            .or_else(|| self.mode.filter(|m| owner_only(*m)).map(|_| OWNER_ONLY))
    }
}

/// Why a file only its owner may read is private.
const OWNER_ONLY: &str = "only its owner may read it (neither its group nor others may)";

/// Whether permission bits `mode` let only the file's owner read it (`0600`,
/// `0400`, `0700`): its owner withheld it, whatever it is called.
const fn owner_only(mode: u32) -> bool {
    mode & 0o044 == 0
}

/// The resolver: the project directory, the directories the user allowed,
/// and how much was read.
#[derive(Clone, Debug, Default)]
pub struct HostFiles {
    project: PathBuf,
    allowed: Vec<PathBuf>,
    read: Arc<AtomicU64>,
    tally: Tally,
    named: Arc<Named>,
}

impl HostFiles {
    /// A resolver for the project in `project_dir`; files under `allowed`
    /// may be read although they lie outside it. `tally` is the run's
    /// interpolation tally, which the files read are interpolated with.
    #[must_use]
    pub fn new(project_dir: &Path, allowed: &[PathBuf], tally: Tally) -> Self {
        Self {
            project: real_or_normal(project_dir),
            allowed: allowed.iter().map(|d| real_or_normal(d)).collect(),
            read: Arc::new(AtomicU64::new(0)),
            tally,
            named: Arc::default(),
        }
    }

    /// What load read for the keys that name host files (`env_file`,
    /// `label_file`, configs' and secrets' `file:`): the model looks them
    /// up here and opens nothing.
    #[must_use]
    pub fn named(&self) -> &Named {
        &self.named
    }

    /// Keeps what load read for the keys that name host files.
    pub(crate) fn set_named(&mut self, named: Named) {
        self.named = Arc::new(named);
    }

    /// The run's interpolation tally.
    #[must_use]
    pub const fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The project directory, resolved.
    #[must_use]
    pub fn project(&self) -> &Path {
        &self.project
    }

    /// Where `real` (a resolved path) lies.
    #[must_use]
    pub fn place(&self, real: &Path) -> Place {
        if real.starts_with(&self.project) {
            Place::Inside
        } else if self.allowed.iter().any(|d| real.starts_with(d)) {
            Place::Allowed
        } else {
            Place::Outside
        }
    }

    /// Resolves `path` through every link and says what it is; nothing is opened.
    ///
    /// # Errors
    /// It cannot be resolved.
    pub fn resolve(&self, path: &Path) -> Result<Resolved, Refusal> {
        // `..` is removed as written, before any link is followed: the file
        // compose reads (`sub/../x` is `x`, whatever `sub` links to).
        let real = std::fs::canonicalize(super::paths::normalize(path))
            .map_err(|e| Refusal::Missing(e.to_string().to_lowercase()))?;
        let meta =
            std::fs::metadata(&real).map_err(|e| Refusal::Missing(e.to_string().to_lowercase()))?;
        let not_regular = if is_kernel(&real) {
            Some("a file of the kernel")
        } else {
            what(meta.file_type())
        };
        Ok(Resolved {
            place: self.place(&real),
            real,
            not_regular,
            directory: meta.is_dir(),
            len: meta.len(),
        })
    }

    /// Reads the regular file at `path` (at most `limit` bytes), which
    /// `key` names, to be carried into the manifests: refused when it is
    /// not a regular file, lies outside the project (and no allowed
    /// directory), or is too large.
    ///
    /// # Errors
    /// Why it was not read.
    pub fn read(&self, path: &Path, limit: u64) -> Result<HostFile, Refusal> {
        let resolved = self.resolve(path)?;
        self.read_resolved(path, &resolved, limit)
    }

    /// [`HostFiles::read`] for a path already resolved.
    ///
    /// # Errors
    /// Why it was not read.
    pub fn read_resolved(
        &self,
        path: &Path,
        resolved: &Resolved,
        limit: u64,
    ) -> Result<HostFile, Refusal> {
        if let Some(what) = resolved.not_regular {
            return Err(Refusal::NotRegular {
                real: resolved.real.clone(),
                what,
            });
        }
        if resolved.place == Place::Outside {
            return Err(Refusal::Outside {
                real: resolved.real.clone(),
                project: self.project.clone(),
            });
        }
        if resolved.len > limit {
            return Err(Refusal::TooLarge(limit));
        }
        let (bytes, mode) = self.open_regular(&resolved.real, limit)?;
        Ok(HostFile {
            real: resolved.real.clone(),
            place: resolved.place,
            bytes,
            written_name: name_of(path),
            mode,
        })
    }

    /// [`HostFiles::read`] of a UTF-8 text file.
    ///
    /// # Errors
    /// Why it was not read, or that it is not UTF-8 text.
    pub fn read_text(&self, path: &Path, limit: u64) -> Result<String, Refusal> {
        String::from_utf8(self.read(path, limit)?.bytes)
            .map_err(|_| Refusal::Unreadable("it is not UTF-8 text".into()))
    }

    /// The content of a regular file wherever it lies, to recognise a
    /// private file by its content (a bind mount outside the project stays
    /// a node's path; this decides whether it is refused). `None` for what
    /// is not a regular file, is larger than `limit`, or cannot be read.
    #[must_use]
    pub fn peek(&self, resolved: &Resolved, limit: u64) -> Option<Vec<u8>> {
        if resolved.not_regular.is_some() || resolved.len > limit {
            return None;
        }
        self.open_regular(&resolved.real, limit)
            .ok()
            .map(|(bytes, _)| bytes)
    }

    /// Opens `real` without blocking and without following a link on its
    /// path, checks the handle is a regular file, and reads at most `limit`
    /// bytes, within what the run's budget has left; with the handle's
    /// permission bits.
    fn open_regular(&self, real: &Path, limit: u64) -> Result<(Vec<u8>, Option<u32>), Refusal> {
        let unreadable = |e: std::io::Error| Refusal::Unreadable(e.to_string().to_lowercase());
        let file = open::open_resolved(real).map_err(unreadable)?;
        let meta = file.metadata().map_err(unreadable)?;
        if let Some(what) = what(meta.file_type()) {
            return Err(Refusal::NotRegular {
                real: real.to_path_buf(),
                what,
            });
        }
        if meta.len() > limit {
            return Err(Refusal::TooLarge(limit));
        }
        let bytes = read_within(file, meta.len(), limit, &self.read, MAX_HOST_BYTES_TOTAL)?;
        Ok((bytes, mode_bits(&meta)))
    }
}

/// Reads `file`, whose size was reported as `reported` (at most `limit`),
/// counting what it holds into `read`, the run's bytes, which may not pass
/// `total`. The reported size is reserved first; the read stops one byte
/// past the smaller of `limit` and what the budget had left, so a file
/// that grows while it is read costs no more than the budget, and what it
/// held beyond its reported size is counted too.
///
/// # Errors
/// The read failed, the file holds more than `limit` ([`Refusal::TooLarge`])
/// or more than the budget had left ([`Refusal::Total`]).
fn read_within(
    file: impl Read,
    reported: u64,
    limit: u64,
    read: &AtomicU64,
    total: u64,
) -> Result<Vec<u8>, Refusal> {
    let before = read.fetch_add(reported, Ordering::Relaxed);
    // A refused file costs nothing: what it reserved is given back.
    let refuse = |reserved: u64, refusal: Refusal| {
        read.fetch_sub(reserved, Ordering::Relaxed);
        Err(refusal)
    };
    let left = total.saturating_sub(before);
    if reported > left {
        return refuse(reported, Refusal::Total);
    }
    let cap = limit.min(left);
    let mut bytes =
        Vec::with_capacity(usize::try_from(reported.saturating_add(1)).unwrap_or(usize::MAX));
    if let Err(e) = file.take(cap.saturating_add(1)).read_to_end(&mut bytes) {
        return refuse(reported, Refusal::Unreadable(e.to_string().to_lowercase()));
    }
    let len = bytes.len() as u64;
    if len > limit {
        return refuse(reported, Refusal::TooLarge(limit));
    }
    if len > cap {
        return refuse(reported, Refusal::Total);
    }
    // What it held beyond (or short of) its reported size.
    if len > reported {
        let grown = len - reported;
        if read
            .fetch_add(grown, Ordering::Relaxed)
            .saturating_add(grown)
            > total
        {
            return refuse(len, Refusal::Total);
        }
    } else {
        read.fetch_sub(reported - len, Ordering::Relaxed);
    }
    Ok(bytes)
}

/// Opens `real` for reading without blocking (a FIFO), without following a
/// final link swapped in after it was resolved, and without taking a
/// terminal (check the handle's type after): the image archives' open.
/// Host files are opened following no link on their whole path (`open`).
///
/// # Errors
/// The file cannot be opened.
pub fn open_no_follow(real: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY);
    }
    options.open(real)
}

/// Whether `real` (a resolved path) lies in the kernel's file systems,
/// which podlift never reads.
#[must_use]
pub fn is_kernel(real: &Path) -> bool {
    KERNEL.iter().any(|k| real.starts_with(k))
}

/// A file's permission bits (`0o777` at most).
#[cfg(unix)]
#[allow(
    clippy::unnecessary_wraps,
    reason = "other systems have no permission bits"
)]
fn mode_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_bits(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// What a file that is not a regular file is; `None` for a regular file.
fn what(kind: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return Some("a FIFO");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    if kind.is_dir() {
        Some("a directory")
    } else if kind.is_file() {
        None
    } else {
        Some("a special file")
    }
}

/// The file name of `path`, or an empty string.
#[must_use]
pub fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `path` resolved through its links when it exists, else made absolute
/// lexically.
fn real_or_normal(path: &Path) -> PathBuf {
    super::paths::real(path)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{HostFiles, Place, Refusal, Tally};

    fn resolver(project: &Path, allowed: &[&Path]) -> HostFiles {
        let allowed: Vec<_> = allowed.iter().map(|p| p.to_path_buf()).collect();
        HostFiles::new(project, &allowed, Tally::default())
    }

    #[test]
    fn the_target_decides_where_a_file_lies() {
        let root = tempfile::tempdir().unwrap();
        let project = root.path().join("p");
        let outside = root.path().join("o");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("f"), "x").unwrap();
        std::os::unix::fs::symlink("../o/f", project.join("link")).unwrap();
        let files = resolver(&project, &[]);
        let resolved = files.resolve(&project.join("link")).unwrap();
        assert_eq!(resolved.place, Place::Outside);
        assert!(matches!(
            files.read(&project.join("link"), 10),
            Err(Refusal::Outside { .. })
        ));
        let allowed = resolver(&project, &[&outside]);
        assert_eq!(allowed.read(&project.join("link"), 10).unwrap().bytes, b"x");
        assert_eq!(
            allowed.read(&project.join("link"), 0).unwrap_err(),
            Refusal::TooLarge(0)
        );
    }

    #[test]
    fn kernel_files_and_fifos_are_never_opened() {
        let project = tempfile::tempdir().unwrap();
        let fifo = project.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let files = resolver(project.path(), &[Path::new("/")]);
        for (path, what) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a file of the kernel"),
            (Path::new("/proc/self/environ"), "a file of the kernel"),
            (project.path(), "a directory"),
        ] {
            match files.read(path, 100) {
                Err(Refusal::NotRegular { what: found, .. }) => assert_eq!(found, what),
                other => panic!("{}: {other:?}", path.display()),
            }
        }
    }

    /// A reader that holds `len` bytes and counts what was taken of it.
    struct Growing {
        len: u64,
        taken: std::rc::Rc<std::cell::Cell<u64>>,
    }

    impl std::io::Read for Growing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let left = self.len - self.taken.get();
            let n = buf.len().min(usize::try_from(left).unwrap());
            buf[..n].fill(b'x');
            self.taken.set(self.taken.get() + n as u64);
            Ok(n)
        }
    }

    /// A file that reports 10 bytes but grows to 1000 while it is read,
    /// with 100 bytes of the budget left: the read stops one byte past the
    /// budget (it read up to its per-file limit of 1000 before) and the
    /// run's count never passes the total.
    #[test]
    fn a_file_growing_while_read_cannot_overshoot_the_budget() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let total = 1_000;
        let read = AtomicU64::new(total - 100);
        let taken = std::rc::Rc::default();
        let file = Growing {
            len: 1_000,
            taken: std::rc::Rc::clone(&taken),
        };
        assert_eq!(
            super::read_within(file, 10, 1_000, &read, total),
            Err(Refusal::Total)
        );
        assert_eq!(taken.get(), 101);
        assert!(read.load(Ordering::Relaxed) <= total);
        // Within the budget, growth is counted; a file that shrank gives back.
        let read = AtomicU64::new(0);
        let file = Growing {
            len: 50,
            taken: std::rc::Rc::default(),
        };
        assert_eq!(
            super::read_within(file, 10, 1_000, &read, total)
                .unwrap()
                .len(),
            50
        );
        assert_eq!(read.load(Ordering::Relaxed), 50);
        let file = Growing {
            len: 5,
            taken: std::rc::Rc::default(),
        };
        assert_eq!(
            super::read_within(file, 10, 1_000, &read, total)
                .unwrap()
                .len(),
            5
        );
        assert_eq!(read.load(Ordering::Relaxed), 55);
        // Past its own limit first: too large.
        let file = Growing {
            len: 60,
            taken: std::rc::Rc::default(),
        };
        assert_eq!(
            super::read_within(file, 10, 20, &read, total),
            Err(Refusal::TooLarge(20))
        );
    }

    /// A refused file keeps none of the budget it reserved: what the run
    /// read before stays what it was (on 82c8715 the reservation stayed,
    /// so refused files used up the budget of the files after them).
    #[test]
    fn a_refused_file_gives_its_reservation_back() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let total = 1_000;
        let read = AtomicU64::new(100);
        let refused = [
            // too large for its own limit
            (60, 10, 20, Refusal::TooLarge(20)),
            // reports more than the budget has left
            (950, 950, 1_000, Refusal::Total),
            // grows past the budget while read
            (2_000, 10, 5_000, Refusal::Total),
        ];
        for (len, reported, limit, refusal) in refused {
            let file = Growing {
                len,
                taken: std::rc::Rc::default(),
            };
            assert_eq!(
                super::read_within(file, reported, limit, &read, total),
                Err(refusal)
            );
            assert_eq!(
                read.load(Ordering::Relaxed),
                100,
                "{len} {reported} {limit}"
            );
        }
    }

    #[test]
    fn a_private_target_is_private_under_any_name() {
        let project = tempfile::tempdir().unwrap();
        std::fs::write(project.path().join(".env"), "A=1\n").unwrap();
        std::os::unix::fs::symlink(".env", project.path().join("settings.conf")).unwrap();
        let files = resolver(project.path(), &[]);
        let file = files
            .read(&project.path().join("settings.conf"), 100)
            .unwrap();
        assert_eq!(file.private(), Some("it is an `.env` file"));
    }
}
