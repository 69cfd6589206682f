//! Files and directories written all-or-nothing: into a temporary sibling
//! that then takes the target's place, removing only what podlift wrote.
//!
//! Nothing is written through a link another user could have planted or
//! swapped in: the directory around the output and the staging directory
//! are held open ([`Dir`]) and every file is created, renamed and removed
//! relative to those handles, by a name opened without following a link
//! and created exclusively under unpredictable names. A target that is a
//! symbolic link is refused. Files that hold secret data are readable by
//! their owner only (0600).

use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::fs::Permissions;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::emit::target::dir::{Dir, Identity};
use crate::emit::target::swap::{Names, refuse_mount_point, swap};
use crate::emit::target::temporaries::{Role, Temporary};
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

/// The base of a temporary's name (`.BASE.podlift-…`): the output's name.
pub(crate) fn base(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}

/// The directory `path` is in.
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
}

/// The last component of `path`, which podlift writes.
fn last(path: &Path) -> std::io::Result<&OsStr> {
    path.file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))
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

/// Whether the directory behind `dir` belongs to this process's user (one
/// someone else swapped in does not).
#[cfg(unix)]
fn owned(dir: &Dir) -> bool {
    dir.uid()
        .is_ok_and(|uid| uid == rustix::process::geteuid().as_raw())
}

#[cfg(not(unix))]
fn owned(_: &Dir) -> bool {
    true
}

/// Directories podlift made on the way to an output (`-o new/sub/out`):
/// a failed or interrupted run removes them, the newest first, each only
/// when it is still the one podlift made and empty.
struct Made(Vec<Temporary>);

impl Made {
    /// The output was written: they stay.
    fn keep(mut self) {
        for made in self.0.drain(..) {
            made.keep();
        }
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        while let Some(made) = self.0.pop() {
            drop(made);
        }
    }
}

/// Opens the directory `dir`, making those of its directories that do not
/// exist (registered: [`Made`]).
fn open_making(dir: &Path) -> std::io::Result<(Arc<Dir>, Made)> {
    let mut missing: Vec<OsString> = Vec::new();
    let mut existing = dir;
    let opened = loop {
        match Dir::open(existing) {
            Ok(opened) => break opened,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(name), Some(up)) = (existing.file_name(), existing.parent()) else {
                    return Err(e);
                };
                missing.push(name.to_os_string());
                existing = if up.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    up
                };
            }
            Err(e) => return Err(e),
        }
    };
    let mut current = Arc::new(opened);
    let mut made = Made(Vec::new());
    for name in missing.iter().rev() {
        let next = match current.make_dir(name, 0o777) {
            // made meanwhile (another run): not podlift's to remove
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => current.open_dir(name)?,
            Err(e) => return Err(e),
            Ok(()) => {
                let (temporary, inner) = Temporary::make(&current, Role::Parent, |around| {
                    let inner = around.open_dir(name)?;
                    // the empty directory just made, not one swapped in
                    if !owned(&inner) || !inner.is_empty()? {
                        return Err(std::io::Error::other(format!(
                            "`{}` was replaced while podlift made it",
                            around.shown(name).display()
                        )));
                    }
                    Ok((name.clone(), inner.identity()?, inner))
                })?;
                made.0.push(temporary);
                inner
            }
        };
        current = Arc::new(next);
    }
    Ok((current, made))
}

/// Writes one file atomically: into an exclusive temporary file beside it,
/// which then takes its place. `fill` writes the content and says whether
/// it holds secret data: then the file is readable by its owner only.
/// Without `force` the file was absent when checked ([`target::resolve`]):
/// one that appeared since (a user's, another run's) is never replaced.
/// With `force`, only the file `checked` (what the check found podlift's)
/// is replaced: anything else at the name when the output is put in place
/// stays.
pub(super) fn write_file(
    path: &Path,
    force: bool,
    checked: Option<Identity>,
    fill: impl FnOnce(&mut std::fs::File) -> Result<Access, EmitError>,
) -> Result<(), EmitError> {
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    let name = last(path).map_err(|e| fail(&e))?;
    let (around, made) = open_making(parent(path)).map_err(|e| fail(&e))?;
    target::refuse_link(path, &path.display().to_string())
        .map_err(|refusal| EmitError::usage(refusal.to_string()))?;
    // The file it replaces (only under `--force`, only the one checked)
    // keeps its permissions (`chmod 600` on output that holds Secrets must
    // survive `--force`); a new file gets the umask's.
    let old = if force { checked } else { None };
    let kept = match old {
        Some(identity) => Some(replaced_permissions(&around, name, identity, path)?),
        None => None,
    };
    let base = base(name);
    // Registered, so an interrupted run removes it (target::temporaries).
    let (temporary, mut out) = Temporary::make(&around, Role::File, |dir| {
        let (created, opened) = dir.create_random_file(&base, ".tmp", Access::Shared.mode())?;
        let identity = Identity::of_metadata(&opened.metadata()?);
        Ok((created, identity, opened))
    })
    .map_err(|e| fail(&e))?;
    // What the umask makes of a shared file; closed while it is written.
    let meta = out.metadata().map_err(|e| fail(&e))?;
    let written = Identity::of_metadata(&meta);
    let default = meta.permissions();
    out.set_permissions(masked(&default, 0o700))
        .map_err(|e| fail(&e))?;
    let access = fill(&mut out)?;
    let permissions = final_permissions(kept.unwrap_or(default), access);
    out.set_permissions(permissions).map_err(|e| fail(&e))?;
    out.sync_all().map_err(|e| fail(&e))?;
    drop(out);
    let put = temporary
        .commit(|dir, temporary| {
            put_file(dir, temporary, name, old, path)?;
            // Swapped between the checks and the rename: not podlift's.
            if dir.identity_of(name).ok() == Some(written) {
                Ok(())
            } else {
                Err(EmitError::io(format!(
                    "`{}` was replaced while podlift put its output in place: what is there now is not podlift's",
                    path.display()
                )))
            }
        })
        .map_err(|e| fail(&e))?;
    put?;
    made.keep();
    Ok(())
}

/// The permissions of the file `name` that `--force` replaces, which must
/// be the regular file `checked` found podlift's.
fn replaced_permissions(
    around: &Dir,
    name: &OsStr,
    checked: Identity,
    path: &Path,
) -> Result<Permissions, EmitError> {
    let meta = around.open_file(name).and_then(|file| file.metadata());
    match meta {
        Ok(meta) if Identity::of_metadata(&meta) == checked => Ok(meta.permissions()),
        _ => Err(replaced_meanwhile(path)),
    }
}

/// The error of a `-o FILE` that something else took while podlift wrote.
fn replaced_meanwhile(path: &Path) -> EmitError {
    EmitError::io(format!(
        "`{}` was replaced since podlift checked it (by you, another run?): nothing was written; run again",
        path.display()
    ))
}

/// Puts the temporary file at `name`. Without `old` only while the name is
/// free (the kernel refuses a taken one). With `old`, only over that very
/// file: on Linux the two are exchanged atomically and exchanged back when
/// what came out is not `old`; elsewhere the name is checked just before
/// the rename.
fn put_file(
    dir: &Dir,
    temporary: &OsStr,
    name: &OsStr,
    old: Option<Identity>,
    path: &Path,
) -> Result<(), EmitError> {
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    let Some(old) = old else {
        return dir.rename_new(temporary, name).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                EmitError::io(format!(
                    "`{}` was created while podlift wrote it (by another run?): nothing was written; run again, with `--force` to replace podlift's output",
                    path.display()
                ))
            } else {
                fail(&e)
            }
        });
    };
    match dir.exchange(temporary, name) {
        Ok(true) => {
            if dir.identity_of(temporary).ok() == Some(old) {
                let _ = dir.remove_file(temporary);
                return Ok(());
            }
            // Not the file podlift checked: it goes back to its name.
            if dir.exchange(temporary, name).is_err() {
                return Err(EmitError::io(format!(
                    "`{}` was replaced while podlift wrote it, and could not be put back: it is now `{}`",
                    path.display(),
                    dir.shown(temporary).display()
                )));
            }
            Err(replaced_meanwhile(path))
        }
        Ok(false) => {
            if dir.identity_of(name).ok() != Some(old) {
                return Err(replaced_meanwhile(path));
            }
            dir.rename(temporary, dir, name).map_err(|e| fail(&e))
        }
        // gone meanwhile: the name is free, and only a free name is taken
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            put_file(dir, temporary, name, None, path)
        }
        Err(e) => Err(fail(&e)),
    }
}

/// What a file ends with: `base` (the replaced file's or the umask's), and
/// for secret data never more than its owner may read and write.
fn final_permissions(base: Permissions, access: Access) -> Permissions {
    match access {
        Access::Shared => base,
        Access::Private => masked(&base, 0o600),
    }
}

/// A staging directory being filled, held open: every file is created
/// relative to it, so a name swapped for a link or another directory
/// meanwhile receives nothing. It lists what it created (the manifest).
#[derive(Debug)]
pub(crate) struct Staging {
    dir: Dir,
    written: RefCell<Vec<PathBuf>>,
}

impl Staging {
    /// Where it is (for messages).
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Creates the new file `relative` (and the directories on its way)
    /// in it: exclusively (a name that exists, a link too, is an error),
    /// with `access`'s mode.
    ///
    /// # Errors
    /// When it cannot be created, or `relative` leaves the directory.
    pub(crate) fn create(&self, relative: &Path, access: Access) -> std::io::Result<std::fs::File> {
        let mut parts = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(part) => parts.push(part),
                _ => return Err(std::io::Error::other("not a path inside the directory")),
            }
        }
        let name = parts
            .pop()
            .ok_or_else(|| std::io::Error::other("an empty path"))?;
        let mut inner: Option<Dir> = None;
        for part in parts {
            let current = inner.as_ref().unwrap_or(&self.dir);
            match current.make_dir(part, 0o777) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
            inner = Some(current.open_dir(part)?);
        }
        let file = inner
            .as_ref()
            .unwrap_or(&self.dir)
            .create_file(name, access.mode())?;
        self.written.borrow_mut().push(relative.to_path_buf());
        Ok(file)
    }
}

/// Writes into `dir` all-or-nothing: `fill` writes everything into a fresh
/// sibling directory first, which then takes `dir`'s place. An existing
/// `dir` must hold only files podlift listed in its manifest
/// ([`target::MANIFEST`]); after the swap exactly those are removed, and a
/// file that appeared meanwhile stays where it is.
pub(super) fn write_directory<E: From<EmitError>>(
    dir: &Path,
    force: bool,
    fill: impl FnOnce(&Staging) -> Result<(), E>,
) -> Result<(), E> {
    let shown = dir.display().to_string();
    let io = |path: &Path, e: &std::io::Error| {
        EmitError::io(format!("cannot write `{}`: {e}", path.display()))
    };
    let name = last(dir).map_err(|e| io(dir, &e))?;
    let (around, made) = open_making(parent(dir)).map_err(|e| io(parent(dir), &e))?;
    // Held open before it is checked, and its name checked to still hold
    // it after: the old output moved aside later must be the one checked.
    let existing = around.open_dir(name).ok();
    let previous = target::check_directory(dir, &shown, force)
        .map_err(|refusal| EmitError::usage(refusal.to_string()))?;
    let checked = existing.as_ref().and_then(|d| d.identity().ok());
    if checked.is_some() && around.identity_of(name).ok() != checked {
        return Err(EmitError::io(format!(
            "`{shown}` was replaced while podlift checked it (by you, another run?): nothing was written; run again"
        ))
        .into());
    }
    if let Some(existing) = &existing {
        refuse_mount_point(&around, existing, dir)?;
    }
    // The directory it replaces keeps its permissions (`chmod 700` on
    // output that holds Secrets must survive `--force`); a new one gets the
    // umask's. Closed to others while it is filled.
    let kept = existing.as_ref().and_then(|d| d.permissions().ok());
    let base = base(name);
    // Registered, so an interrupted run removes it (target::temporaries).
    let (staging, (handle, default)) = Temporary::make(&around, Role::Staging, |around| {
        let (created, handle) = around.make_random_dir(&base, "", 0o777)?;
        let identity = handle.identity()?;
        let default = handle.permissions()?;
        // Closed to others, but a setgid bit (a shared directory's, which
        // `mkdir` passed on) stays: the files made in it take its group.
        handle.set_permissions(masked(&default, 0o2700))?;
        // What was opened must be the empty directory podlift just made,
        // not one swapped in between `mkdir` and the open.
        if !identity.is_dir() || !owned(&handle) || !handle.is_empty()? {
            return Err(std::io::Error::other(format!(
                "`{}` was replaced while podlift made it: nothing was written",
                around.shown(&created).display()
            )));
        }
        Ok((created, identity, (handle, default)))
    })
    .map_err(|e| io(around.path(), &e))?;
    let identity = handle.identity().map_err(|e| io(&staging.path(), &e))?;
    let filled = Staging {
        dir: handle,
        written: RefCell::new(Vec::new()),
    };
    fill(&filled)?;
    let files = filled.written.take();
    let manifest = filled.path().join(target::MANIFEST);
    filled
        .dir
        .create_file(OsStr::new(target::MANIFEST), Access::Shared.mode())
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, target::manifest_text(&files).as_bytes())
        })
        .map_err(|e| io(&manifest, &e))?;
    filled
        .dir
        .set_permissions(kept.unwrap_or(default))
        .map_err(|e| io(filled.path(), &e))?;
    // The staging directory becomes `dir`, or is removed when it cannot;
    // an interrupt waits for the swap (the old output or the new, whole).
    let swapped = staging
        .commit(|around, staging| {
            let names = Names { staging, name, dir };
            swap(around, &names, &previous, (checked, identity))
        })
        .map_err(|e| io(dir, &e))?;
    swapped?;
    made.keep();
    Ok(())
}

/// Writes `files` into the staging directory, each with its access.
pub(super) fn stage(staging: &Staging, files: &[File]) -> Result<(), EmitError> {
    for file in files {
        staging
            .create(&file.path, file.access)
            .and_then(|mut out| std::io::Write::write_all(&mut out, file.text.as_bytes()))
            .map_err(|e| {
                EmitError::io(format!(
                    "cannot write `{}`: {e}",
                    staging.path().join(&file.path).display()
                ))
            })?;
    }
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::Path;

    use super::{Access, EmitError, Staging, write_directory, write_file};
    use crate::emit::target::Previous;
    use crate::emit::target::dir::{Dir, Identity};

    /// The temporary name of `path` before it was unpredictable.
    fn old_name(path: &Path, suffix: &str) -> std::path::PathBuf {
        let base = path.file_name().unwrap().to_string_lossy();
        path.with_file_name(format!(".{base}.podlift-{}{suffix}", std::process::id()))
    }

    fn put(staging: &Staging, name: &str, text: &str) {
        let mut file = staging.create(Path::new(name), Access::Shared).unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    }

    fn identity(path: &Path) -> Identity {
        Identity::of_metadata(&std::fs::symlink_metadata(path).unwrap())
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
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
        write_file(&path, false, None, |file| {
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
            put(staging, "a.yaml", "a");
            Ok::<(), EmitError>(())
        })
        .unwrap();
        assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 0);
        assert!(!std::fs::symlink_metadata(&out).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(out.join("a.yaml")).unwrap(), "a");
    }

    /// The staging directory swapped for a link (or another directory)
    /// while podlift filled it: on 124e245 the files written after the swap
    /// (Secrets among them) went into the link's target, and the manifest
    /// too; publishing refused only at the end. Now every file goes into
    /// the directory podlift made, held open, and nothing is published.
    #[test]
    fn a_staging_directory_swapped_while_filled_receives_nothing_through_the_swap() {
        for by_link in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let foreign = dir.path().join("foreign");
            std::fs::create_dir(&foreign).unwrap();
            let out = dir.path().join("out");
            let result = write_directory(&out, false, |staging| {
                put(staging, "first.yaml", "first");
                let name = staging.path().to_path_buf();
                std::fs::rename(&name, dir.path().join("moved")).unwrap();
                if by_link {
                    std::os::unix::fs::symlink(&foreign, &name).unwrap();
                } else {
                    std::fs::rename(&foreign, &name).unwrap();
                }
                put(staging, "secret-db.yaml", "password");
                put(staging, "templates/x.yaml", "x");
                Ok::<(), EmitError>(())
            });
            let error = result.unwrap_err();
            assert!(error.message().contains("was replaced"), "{error:?}");
            let theirs = if by_link {
                foreign.clone()
            } else {
                std::fs::read_dir(dir.path())
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .find(|p| p.to_string_lossy().contains(".out.podlift-"))
                    .unwrap()
            };
            assert_eq!(names(&theirs), Vec::<String>::new(), "by link: {by_link}");
            assert!(
                std::fs::symlink_metadata(&out).is_err(),
                "by link: {by_link}"
            );
            // podlift's own directory, moved away by the other user, has them
            assert_eq!(
                names(&dir.path().join("moved")),
                [
                    ".podlift-files",
                    "first.yaml",
                    "secret-db.yaml",
                    "templates"
                ]
            );
        }
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
        let first = |staging: &Staging| {
            put(staging, "a.yaml", "a");
            Ok::<(), EmitError>(())
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
        write_file(&path, true, Some(identity(&path)), |_| Ok(Access::Private)).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// `--force -o FILE`: the user's file put at the name while podlift
    /// wrote (after the check found podlift's own output there) was
    /// replaced on 124e245. Now only the file the check saw is replaced.
    #[test]
    fn force_replaces_only_the_file_it_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.yaml");
        std::fs::write(&path, "podlift's").unwrap();
        let checked = identity(&path);
        let error = write_file(&path, true, Some(checked), |file| {
            let theirs = dir.path().join("theirs");
            std::fs::write(&theirs, "mine").unwrap();
            std::fs::rename(&theirs, &path).unwrap();
            std::io::Write::write_all(file, b"new").unwrap();
            Ok(Access::Shared)
        })
        .unwrap_err();
        assert!(
            error
                .message()
                .contains("was replaced since podlift checked it"),
            "{error:?}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        assert_eq!(names(dir.path()), ["out.yaml"]);
    }

    /// `--force -o DIR`: the user's own directory put at the name while
    /// podlift wrote lost the files named like podlift's on 124e245 (the
    /// old output's list was applied to whatever was moved aside). Now it
    /// goes back untouched and nothing is written.
    #[test]
    fn force_replaces_only_the_directory_it_checked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let write = |staging: &Staging| {
            put(staging, "a.yaml", "podlift");
            Ok::<(), EmitError>(())
        };
        write_directory(&out, false, write).unwrap();
        let error = write_directory(&out, true, |staging| {
            let theirs = dir.path().join("theirs");
            std::fs::create_dir(&theirs).unwrap();
            std::fs::write(theirs.join("a.yaml"), "mine").unwrap();
            std::fs::rename(&out, dir.path().join("podlifts")).unwrap();
            std::fs::rename(&theirs, &out).unwrap();
            write(staging)
        })
        .unwrap_err();
        assert!(
            error
                .message()
                .contains("was replaced since podlift checked it"),
            "{error:?}"
        );
        assert_eq!(std::fs::read_to_string(out.join("a.yaml")).unwrap(), "mine");
        assert_eq!(names(dir.path()), ["out", "podlifts"]);
    }

    /// `-o new/sub/out.yaml` and `-o new/sub/out` that fail leave no
    /// `new/` (on 124e245 `new/sub/` stayed); a directory that existed
    /// stays.
    #[test]
    fn a_failed_write_removes_only_the_directories_it_made() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("kept")).unwrap();
        let error = write_file(
            &dir.path().join("kept/new/sub/out.yaml"),
            false,
            None,
            |_| Err(EmitError::io("refused")),
        )
        .unwrap_err();
        assert_eq!(error.message(), "refused");
        let withheld = write_directory(&dir.path().join("kept/new/sub/out"), false, |_| {
            Err(EmitError::io("refused"))
        });
        assert!(withheld.is_err());
        assert_eq!(names(dir.path()), ["kept"]);
        assert_eq!(names(&dir.path().join("kept")), Vec::<String>::new());
    }

    /// A directory that is a mount point cannot be renamed: said before
    /// anything is written, with what to do.
    #[test]
    fn a_mount_point_is_refused_with_what_to_do() {
        let (Ok(root), Ok(proc)) = (Dir::open(Path::new("/")), Dir::open(Path::new("/proc")))
        else {
            return; // no /proc on this system
        };
        let error = crate::emit::target::swap::refuse_mount_point(&root, &proc, Path::new("/proc"))
            .unwrap_err();
        assert!(
            error.message().contains("`/proc` is a mount point"),
            "{error:?}"
        );
        assert!(
            error.message().contains("`-o /proc/manifests`"),
            "{error:?}"
        );
        let busy = std::io::Error::from_raw_os_error(rustix::io::Errno::BUSY.raw_os_error());
        assert!(crate::emit::target::swap::is_mount_error(&busy));
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
            listed: true,
            directories: Vec::new(),
        };
        let around = Dir::open(dir.path()).unwrap();
        let staged = identity(&staging);
        let moved = crate::emit::target::swap::Names {
            staging: OsStr::new("staging"),
            name: OsStr::new("out"),
            dir: &out,
        };
        let checked = Some(identity(&out));
        // the link stays in the old output, which is said, not hidden
        let error = crate::emit::target::swap::swap(&around, &moved, &previous, (checked, staged))
            .unwrap_err();
        assert!(
            error.message().contains("what is left of it is in"),
            "{error:?}"
        );
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
        let around = Dir::open(parent.path()).unwrap();
        let moved = crate::emit::target::swap::Names {
            staging: OsStr::new(".out.podlift-second"),
            name: OsStr::new("out"),
            dir: &dir,
        };
        let error =
            crate::emit::target::swap::swap(&around, &moved, &previous, (None, identity(&staging)))
                .unwrap_err();
        assert!(
            error
                .message()
                .contains("was filled while podlift wrote it"),
            "{}",
            error.message()
        );
        assert_eq!(names(parent.path()), [".out.podlift-second", "out"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("first.yaml")).unwrap(),
            "first"
        );
    }
}
