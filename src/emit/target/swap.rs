//! The rename that puts a filled staging directory in the place of `-o
//! DIR`, relative to the directory around both, held open: the old output
//! moved aside (only the one podlift checked), the new one renamed in and
//! checked to be the staging directory, then exactly the old output's
//! listed files removed, never through a link. A mount point, which no
//! rename can move, is refused with what to do.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::emit::EmitError;
use crate::emit::files::base;
use crate::emit::target::{self, dir::Dir, dir::Identity};

/// Refuses to replace a mount point (the rename that puts the new output
/// in place cannot move one): said before anything is written.
pub(crate) fn refuse_mount_point(
    around: &Dir,
    existing: &Dir,
    dir: &Path,
) -> Result<(), EmitError> {
    match (around.identity(), existing.identity()) {
        (Ok(outer), Ok(inner)) if !outer.same_device(inner) => Err(mount_point(dir)),
        _ => Ok(()),
    }
}

/// The error of an output directory that is a mount point.
fn mount_point(dir: &Path) -> EmitError {
    EmitError::usage(format!(
        "`{}` is a mount point: podlift writes a new directory beside it and renames it into place, which a mount point does not allow; point `-o` at a directory inside it (`-o {}`)",
        dir.display(),
        dir.join("manifests").display()
    ))
}

/// Whether a rename failed because a name is a mount point (`EBUSY`) or the
/// two names are on different file systems (`EXDEV`).
pub(crate) fn is_mount_error(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            error.raw_os_error(),
            Some(code) if code == rustix::io::Errno::BUSY.raw_os_error()
                || code == rustix::io::Errno::XDEV.raw_os_error()
        )
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

/// The names [`swap`] moves, in the directory around the output.
pub(crate) struct Names<'a> {
    /// The staging directory's.
    pub staging: &'a OsStr,
    /// The output's.
    pub name: &'a OsStr,
    /// The output's path (for messages).
    pub dir: &'a Path,
}

/// Puts the staging directory in the place of the output (both in
/// `around`); `checked` is the old output podlift checked, `staged` the
/// staging directory. The old directory is moved aside first (onto an
/// empty directory of an unpredictable name) — only when it is the one
/// checked, else it is moved back — then only the files its manifest
/// lists (and the manifest) are removed, never through a link, and its
/// directories only when empty. After the rename the name must hold the
/// staging directory: something swapped in between the check and the
/// rename is reported, not taken for podlift's output.
pub(crate) fn swap(
    around: &Dir,
    names: &Names<'_>,
    previous: &target::Previous,
    (checked, staged): (Option<Identity>, Identity),
) -> Result<(), EmitError> {
    let Names { staging, name, dir } = *names;
    let replace = |e: &std::io::Error| {
        if is_mount_error(e) {
            mount_point(dir)
        } else {
            EmitError::io(format!("cannot replace `{}`: {e}", dir.display()))
        }
    };
    if !previous.listed {
        // `dir` was absent or empty when checked: the staging directory
        // takes the name only if it is still absent or empty (the kernel
        // checks, atomically). Another run that wrote it meanwhile wins
        // whole; onto a link or a file the rename fails too.
        around.rename(staging, around, name).map_err(|e| {
            let filled = around
                .open_dir(name)
                .and_then(|d| d.is_empty())
                .is_ok_and(|empty| !empty);
            if filled {
                EmitError::io(format!(
                    "`{}` was filled while podlift wrote it (by another run?): nothing was written; run again, with `--force` to replace podlift's output",
                    dir.display()
                ))
            } else {
                replace(&e)
            }
        })?;
        return placed(around, name, staged, dir);
    }
    let (old, _) = around
        .make_random_dir(&base(name), ".old", 0o700)
        .map_err(|e| replace(&e))?;
    if let Err(e) = around.rename(name, around, &old) {
        let _ = around.remove_dir(&old);
        return Err(replace(&e));
    }
    if around.identity_of(&old).ok() != checked {
        // Not the directory podlift checked: it goes back, untouched.
        let _ = around.rename(&old, around, name);
        return Err(EmitError::io(format!(
            "`{}` was replaced since podlift checked it (by you, another run?): nothing was written; run again",
            dir.display()
        )));
    }
    if let Err(e) = around.rename(staging, around, name) {
        let _ = around.rename(&old, around, name);
        return Err(replace(&e));
    }
    if let Ok(aside) = around.open_dir(&old) {
        writable(&aside);
        remove_listed(&aside, &previous.files, &previous.directories);
    }
    let removed = around.remove_dir(&old);
    placed(around, name, staged, dir)?;
    // Something put in the old output meanwhile stays, but not unsaid in a
    // hidden directory.
    removed.map_err(|e| {
        EmitError::io(format!(
            "`{}` holds the new output, but the old one could not be removed whole ({e}): what is left of it is in `{}`; look at it, then remove it",
            dir.display(),
            around.shown(&old).display()
        ))
    })
}

/// Lets its owner remove what `dir` holds: podlift's old output that the
/// user made read-only (`chmod -R a-w`) is still removed, not left aside.
fn writable(dir: &Dir) {
    #[cfg(unix)]
    if let Ok(permissions) = dir.permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = permissions.mode();
        if mode & 0o700 != 0o700 {
            let _ = dir.set_permissions(std::fs::Permissions::from_mode(mode | 0o700));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Checks that `name` holds the directory podlift staged.
fn placed(around: &Dir, name: &OsStr, staged: Identity, dir: &Path) -> Result<(), EmitError> {
    if around.identity_of(name).ok() == Some(staged) {
        Ok(())
    } else {
        Err(EmitError::io(format!(
            "`{}` was replaced while podlift put its output in place: what is there now is not podlift's",
            dir.display()
        )))
    }
}

/// Removes `files` (and the manifest) from `old`, each reached through
/// directories opened without following a link, then their directories,
/// deepest first, when empty.
fn remove_listed(old: &Dir, files: &[PathBuf], walked: &[PathBuf]) {
    let mut directories = std::collections::BTreeSet::new();
    for directory in walked {
        directories.insert(directory.iter().collect::<Vec<&OsStr>>());
    }
    for file in files
        .iter()
        .map(PathBuf::as_path)
        .chain([Path::new(target::MANIFEST)])
    {
        let parts: Vec<&OsStr> = file.iter().collect();
        if let Some((name, dirs)) = parts.split_last() {
            // removing a link removes the link
            within(old, dirs, |inner| {
                let _ = inner.remove_file(name);
            });
            for depth in 1..=dirs.len() {
                if let Some(prefix) = dirs.get(..depth) {
                    directories.insert(prefix.to_vec());
                }
            }
        }
    }
    for directory in directories.iter().rev() {
        if let Some((name, dirs)) = directory.split_last() {
            within(old, dirs, |inner| {
                let _ = inner.remove_dir(name);
            });
        }
    }
}

/// Runs `act` in the directory `dirs` below `root`, reached by opening
/// each part without following a link; not when a part is no directory.
fn within(root: &Dir, dirs: &[&OsStr], act: impl FnOnce(&Dir)) {
    let mut inner: Option<Dir> = None;
    for part in dirs {
        match inner.as_ref().unwrap_or(root).open_dir(part) {
            Ok(opened) => {
                writable(&opened);
                inner = Some(opened);
            }
            Err(_) => return,
        }
    }
    act(inner.as_ref().unwrap_or(root));
}
