//! Files and directories written all-or-nothing: into a temporary sibling
//! that then takes the target's place, removing only what podlift wrote.
//!
//! Nothing is written through a link another user could have planted:
//! temporaries are created exclusively under unpredictable names
//! ([`tempfile`]), every file inside them with an exclusive create, and a
//! target that is a symbolic link is refused (a rename replaces a link that
//! appears later, it never writes through it). Files that hold secret data
//! are readable by their owner only (0600).

use std::fs::Permissions;
use std::path::{Path, PathBuf};

use crate::emit::target::temporaries::Temporary;
use crate::emit::{EmitError, File, target};

/// Who may read a file podlift writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Access {
    /// Whoever the user's umask lets read it (a manifest, a template).
    #[default]
    Shared,
    /// Its owner only, mode 0600: a Secret, or values that hold secret data.
    Private,
}

impl Access {
    /// `Private` when `private`.
    #[must_use]
    pub const fn private_if(private: bool) -> Self {
        if private { Self::Private } else { Self::Shared }
    }

    /// The mode a new file is created with (the umask applies to it).
    const fn mode(self) -> u32 {
        match self {
            Self::Shared => 0o666,
            Self::Private => 0o600,
        }
    }
}

/// A temporary's name: `.NAME.podlift-` and random characters.
fn prefix(path: &Path) -> String {
    let base = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    format!(".{base}.podlift-")
}

/// The directory `path` is in.
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// Permissions of a Unix mode (before the umask); none elsewhere.
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)] // `None` on other systems
fn with_mode(mode: u32) -> Option<Permissions> {
    Some(std::os::unix::fs::PermissionsExt::from_mode(mode))
}

#[cfg(not(unix))]
fn with_mode(_: u32) -> Option<Permissions> {
    None
}

/// `permissions` with only the bits of `mask` (unchanged elsewhere).
#[cfg(unix)]
fn masked(permissions: &Permissions, mask: u32) -> Permissions {
    use std::os::unix::fs::PermissionsExt as _;
    Permissions::from_mode(permissions.mode() & mask)
}

#[cfg(not(unix))]
fn masked(permissions: &Permissions, _: u32) -> Permissions {
    permissions.clone()
}

/// A temporary's builder: `.NAME.podlift-RANDOM[suffix]`, created with
/// `mode` (before the umask).
fn temporary<'a>(prefix: &'a str, suffix: &'a str, mode: u32) -> tempfile::Builder<'a, 'a> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(suffix);
    if let Some(permissions) = with_mode(mode) {
        builder.permissions(permissions);
    }
    builder
}

/// Puts `temporary` at `path` only while `path` names nothing (the kernel
/// refuses a taken name with `AlreadyExists`): a rename that never replaces
/// where the file system has one, else a hard link, else (a file system with
/// neither, e.g. FAT) a rename after checking the name is free.
fn put_new(temporary: &Path, path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, temporary, CWD, path, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(e) if e != Errno::INVAL && e != Errno::NOSYS && e != Errno::OPNOTSUPP => {
                return Err(e.into());
            }
            Err(_) => {}
        }
    }
    match std::fs::hard_link(temporary, path) {
        Ok(()) => std::fs::remove_file(temporary),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::rename(temporary, path),
            Ok(_) => Err(std::io::ErrorKind::AlreadyExists.into()),
            Err(e) => Err(e),
        },
    }
}

/// Writes one file atomically: into an exclusive temporary file beside it,
/// which then takes its place. `fill` writes the content and says whether
/// it holds secret data: then the file is readable by its owner only.
/// Without `force` the file was absent when checked
/// ([`target::resolve`]): one that appeared since (a user's, another
/// run's) is never replaced.
pub(super) fn write_file(
    path: &Path,
    force: bool,
    fill: impl FnOnce(&mut std::fs::File) -> Result<Access, EmitError>,
) -> Result<(), EmitError> {
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    let dir = parent(path);
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    target::refuse_link(path, &path.display().to_string())
        .map_err(|refusal| EmitError::usage(refusal.to_string()))?;
    // The file it replaces keeps its permissions (`chmod 600` on output that
    // holds Secrets must survive `--force`); a new file gets the umask's.
    let kept = std::fs::symlink_metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.permissions());
    let prefix = prefix(path);
    // Registered, so an interrupted run removes it (target::temporaries).
    let (temporary, mut out) = Temporary::make(|| {
        let (handle, made) = temporary(&prefix, ".tmp", Access::Shared.mode())
            .tempfile_in(dir)?
            .keep()
            .map_err(|e| e.error)?;
        Ok((made, handle))
    })
    .map_err(|e| fail(&e))?;
    // What the umask makes of a shared file; closed while it is written.
    let default = out.metadata().map_err(|e| fail(&e))?.permissions();
    set(&out, &masked(&default, 0o700)).map_err(|e| fail(&e))?;
    let access = fill(&mut out)?;
    let permissions = final_permissions(kept.unwrap_or(default), access);
    set(&out, &permissions).map_err(|e| fail(&e))?;
    out.sync_all().map_err(|e| fail(&e))?;
    drop(out);
    // Without `--force` (the name was absent when checked) the temporary is put new (the kernel
    // refuses a name someone took meanwhile: a user's file, another run's
    // output, a link), never renamed over it. Otherwise a rename replaces
    // what `--force` allowed (a link that took the name meanwhile too); it
    // never writes through it. On failure the temporary is removed.
    temporary
        .commit(|temporary| {
            if force {
                return std::fs::rename(temporary, path);
            }
            put_new(temporary, path)
        })
        .and_then(|put| put)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                EmitError::io(format!(
                    "`{}` was created while podlift wrote it (by another run?): nothing was written; run again, with `--force` to replace podlift's output",
                    path.display()
                ))
            } else {
                fail(&e)
            }
        })
}

/// What a file ends with: `base` (the replaced file's or the umask's), and
/// for secret data never more than its owner may read and write.
fn final_permissions(base: Permissions, access: Access) -> Permissions {
    match access {
        Access::Shared => base,
        Access::Private => masked(&base, 0o600),
    }
}

fn set(file: &std::fs::File, permissions: &Permissions) -> std::io::Result<()> {
    file.set_permissions(permissions.clone())
}

/// Creates a new file in a staging directory: exclusively (a name that
/// already exists, a link too, is an error), with `access`'s mode.
pub(super) fn create(path: &Path, access: Access) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(access.mode());
    }
    #[cfg(not(unix))]
    let _ = access;
    options.open(path)
}

/// Creates the directories of `relative` below `root` that do not exist
/// yet; an entry that exists and is not a directory (a link) is an error.
fn create_dirs(root: &Path, relative: &Path) -> std::io::Result<()> {
    let mut path = root.to_path_buf();
    for part in relative.components() {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "`{}` exists and is not a directory",
                    path.display()
                )));
            }
            Err(_) => std::fs::create_dir(&path)?,
        }
    }
    Ok(())
}

/// Writes into `dir` all-or-nothing: `fill` writes everything into a fresh
/// sibling directory first, which then takes `dir`'s place. An existing
/// `dir` must hold only files podlift listed in its manifest
/// ([`target::MANIFEST`]); after the swap exactly those are removed, and a
/// file that appeared meanwhile stays where it is.
pub(super) fn write_directory<E: From<EmitError>>(
    dir: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let shown = dir.display().to_string();
    let previous = target::check_directory(dir, &shown, force)
        .map_err(|refusal| EmitError::usage(refusal.to_string()))?;
    let io = |path: &Path, e: &std::io::Error| {
        EmitError::io(format!("cannot write `{}`: {e}", path.display()))
    };
    let around = parent(dir);
    std::fs::create_dir_all(around).map_err(|e| io(around, &e))?;
    // The directory it replaces keeps its permissions (`chmod 700` on
    // output that holds Secrets must survive `--force`); a new one gets the
    // umask's. Closed to others while it is filled.
    let kept = std::fs::symlink_metadata(dir)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .map(|m| m.permissions());
    let prefix = prefix(dir);
    // Registered, so an interrupted run removes it (target::temporaries).
    let (staging, ()) = Temporary::make(|| {
        let made = temporary(&prefix, "", 0o777).tempdir_in(around)?;
        Ok((made.keep(), ()))
    })
    .map_err(|e| io(around, &e))?;
    let default = std::fs::metadata(staging.path())
        .map_err(|e| io(staging.path(), &e))?
        .permissions();
    std::fs::set_permissions(staging.path(), masked(&default, 0o700))
        .map_err(|e| io(staging.path(), &e))?;
    fill(staging.path())?;
    let mut files = Vec::new();
    list_files(staging.path(), Path::new(""), &mut files).map_err(|e| io(staging.path(), &e))?;
    let manifest = staging.path().join(target::MANIFEST);
    create(&manifest, Access::Shared)
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, target::manifest_text(&files).as_bytes())
        })
        .map_err(|e| io(&manifest, &e))?;
    std::fs::set_permissions(staging.path(), kept.unwrap_or(default))
        .map_err(|e| io(staging.path(), &e))?;
    // The staging directory becomes `dir`, or is removed when it cannot;
    // an interrupt waits for the swap (the old output or the new, whole).
    let swapped = staging
        .commit(|staging| swap(dir, staging, &previous))
        .map_err(|e| io(dir, &e))?;
    Ok(swapped?)
}

/// Every file below `dir`, relative to it.
pub(super) fn list_files(
    dir: &Path,
    relative: &Path,
    out: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            list_files(dir, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Puts `staging` in `dir`'s place. The old directory is moved aside first
/// (onto an empty directory of an unpredictable name), then only the files
/// its manifest lists (and the manifest) are removed, never through a
/// link, and its directories only when empty.
pub(super) fn swap(
    dir: &Path,
    staging: &Path,
    previous: &target::Previous,
) -> Result<(), EmitError> {
    let replace =
        |e: &std::io::Error| EmitError::io(format!("cannot replace `{}`: {e}", dir.display()));
    if previous.files.is_empty() {
        // `dir` was absent or empty when checked: the staging directory
        // takes the name only if it is still absent or empty (the kernel
        // checks, atomically). Another run that wrote it meanwhile wins
        // whole; onto a link or a file the rename fails too.
        return std::fs::rename(staging, dir).map_err(|e| {
            if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
                EmitError::io(format!(
                    "`{}` was filled while podlift wrote it (by another run?): nothing was written; run again, with `--force` to replace podlift's output",
                    dir.display()
                ))
            } else {
                replace(&e)
            }
        });
    }
    let prefix = prefix(dir);
    let old = temporary(&prefix, ".old", 0o700)
        .tempdir_in(parent(dir))
        .map_err(|e| replace(&e))?
        .keep();
    if let Err(e) = std::fs::rename(dir, &old) {
        let _ = std::fs::remove_dir(&old);
        return Err(replace(&e));
    }
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(replace(&e));
    }
    let mut directories = std::collections::BTreeSet::new();
    for file in previous
        .files
        .iter()
        .map(PathBuf::as_path)
        .chain([Path::new(target::MANIFEST)])
    {
        if below_real_directories(&old, file) {
            // `remove_file` on a link removes the link.
            let _ = std::fs::remove_file(old.join(file));
        }
        let mut parent = file.parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            directories.insert(p.to_path_buf());
            parent = p.parent();
        }
    }
    // Deepest first; `remove_dir` leaves a directory that is not empty (and
    // a link, which is not a directory).
    for directory in directories.iter().rev() {
        let _ = std::fs::remove_dir(old.join(directory));
    }
    let _ = std::fs::remove_dir(&old);
    Ok(())
}

/// Whether every directory between `root` and `file` is a real directory,
/// not a link.
fn below_real_directories(root: &Path, file: &Path) -> bool {
    let mut path = root.to_path_buf();
    let mut parts = file.components().peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return true;
        }
        path.push(part);
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            return false;
        }
    }
    true
}

/// Writes `files` into the staging directory, each with its access.
pub(super) fn stage(staging: &Path, files: &[File]) -> Result<(), EmitError> {
    for file in files {
        let full = staging.join(&file.path);
        let fail =
            |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", full.display()));
        if let Some(relative) = file.path.parent() {
            create_dirs(staging, relative).map_err(|e| fail(&e))?;
        }
        create(&full, file.access)
            .and_then(|mut out| std::io::Write::write_all(&mut out, file.text.as_bytes()))
            .map_err(|e| fail(&e))?;
    }
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::Path;

    use super::{Access, write_directory, write_file};
    use crate::emit::target::Previous;

    /// The temporary name of `path` before it was unpredictable.
    fn old_name(path: &Path, suffix: &str) -> std::path::PathBuf {
        let base = path.file_name().unwrap().to_string_lossy();
        path.with_file_name(format!(".{base}.podlift-{}{suffix}", std::process::id()))
    }

    /// A link planted at the temporary's old, predictable name
    /// (`.out.yaml.podlift-PID.tmp`) redirected the write to its target.
    #[test]
    fn a_link_at_the_old_temporary_name_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "mine").unwrap();
        let path = dir.path().join("out.yaml");
        std::os::unix::fs::symlink(&victim, old_name(&path, ".tmp")).unwrap();
        write_file(&path, false, |file| {
            std::io::Write::write_all(file, b"written").unwrap();
            Ok(Access::Shared)
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "written");
    }

    /// A link planted at the staging directory's old name
    /// (`.out.podlift-PID`) made a foreign directory get the manifests and
    /// a `.podlift-files`, and then become the output.
    #[test]
    fn a_link_at_the_old_staging_name_is_never_filled() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        let out = dir.path().join("out");
        std::os::unix::fs::symlink(&foreign, old_name(&out, "")).unwrap();
        write_directory(&out, false, |staging| {
            std::fs::write(staging.join("a.yaml"), "a").unwrap();
            Ok::<(), super::EmitError>(())
        })
        .unwrap();
        assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 0);
        assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(out.join("a.yaml")).unwrap(), "a");
    }

    /// The old directory was moved aside to `.out.podlift-PID.old`: a link
    /// planted there made the listed files be removed from its target.
    #[test]
    fn a_link_at_the_old_aside_name_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("a.yaml"), "mine").unwrap();
        let out = dir.path().join("out");
        let first = |staging: &Path| {
            std::fs::write(staging.join("a.yaml"), "a").unwrap();
            Ok::<(), super::EmitError>(())
        };
        write_directory(&out, false, first).unwrap();
        std::os::unix::fs::symlink(&foreign, old_name(&out, ".old")).unwrap();
        write_directory(&out, true, first).unwrap();
        assert_eq!(
            std::fs::read_to_string(foreign.join("a.yaml")).unwrap(),
            "mine"
        );
        assert_eq!(std::fs::read_to_string(out.join("a.yaml")).unwrap(), "a");
    }

    #[test]
    fn secret_data_is_for_its_owner_only_even_over_a_shared_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.yaml");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_file(&path, true, |_| Ok(Access::Private)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_listed_file_below_a_link_is_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("x.yaml"), "mine").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&foreign, out.join("a")).unwrap();
        let staging = dir.path().join("staging");
        std::fs::create_dir(&staging).unwrap();
        let previous = Previous {
            files: vec!["a/x.yaml".into()],
        };
        super::swap(&out, &staging, &previous).unwrap();
        assert_eq!(
            std::fs::read_to_string(foreign.join("x.yaml")).unwrap(),
            "mine"
        );
    }

    /// Two runs onto one new `-o DIR`: the one that finishes second finds
    /// `DIR` filled by the first and refuses, leaving the first's output
    /// whole. On 82c8715 it moved the first's output aside (left as
    /// `.DIR.podlift-XXXX.old`) and put its own in place.
    #[test]
    fn a_new_directory_filled_meanwhile_is_left_to_the_run_that_filled_it() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("out");
        let previous = super::target::check_directory(&dir, "out", false).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("first.yaml"), "first").unwrap();
        let staging = parent.path().join(".out.podlift-second");
        std::fs::create_dir(&staging).unwrap();
        std::fs::write(staging.join("second.yaml"), "second").unwrap();
        let error = super::swap(&dir, &staging, &previous).unwrap_err();
        assert!(
            error
                .message()
                .contains("was filled while podlift wrote it"),
            "{}",
            error.message()
        );
        let mut names: Vec<String> = std::fs::read_dir(parent.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".out.podlift-second", "out"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("first.yaml")).unwrap(),
            "first"
        );
    }
}
