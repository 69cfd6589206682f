//! Files and directories written all-or-nothing: into a temporary sibling
//! that then takes the target's place, removing only what podlift wrote.

use std::path::{Path, PathBuf};

use crate::emit::{EmitError, File, target};

/// The sibling of `path` named `.NAME.podlift-PID[suffix]`.
pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let base = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    parent.join(format!(".{base}.podlift-{}{suffix}", std::process::id()))
}

/// Writes one file atomically: into a temporary file beside it, which then
/// takes its place.
pub(super) fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), EmitError>,
) -> Result<(), EmitError> {
    let temporary = sibling(path, ".tmp");
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
    }
    // The file it replaces keeps its permissions (`chmod 600` on output that
    // holds Secrets must survive `--force`).
    let kept = std::fs::metadata(path).ok().map(|m| m.permissions());
    let result = std::fs::File::create(&temporary)
        .map_err(|e| fail(&e))
        .and_then(|mut file| {
            if let Some(permissions) = kept {
                file.set_permissions(permissions).map_err(|e| fail(&e))?;
            }
            fill(&mut file)?;
            file.sync_all().map_err(|e| fail(&e))
        })
        .and_then(|()| std::fs::rename(&temporary, path).map_err(|e| fail(&e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Writes into `dir` all-or-nothing: `fill` writes everything into a fresh
/// sibling directory first, which then takes `dir`'s place. An existing
/// `dir` must hold only files podlift listed in its manifest
/// ([`target::MANIFEST`]); after the swap exactly those are removed, and a
/// file that appeared meanwhile stays where it is.
pub(super) fn write_directory(
    dir: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<(), EmitError>,
) -> Result<(), EmitError> {
    let shown = dir.display().to_string();
    let previous = target::check_directory(dir, &shown, force)
        .map_err(|refusal| EmitError::usage(refusal.message))?;
    let staging = sibling(dir, "");
    let io = |path: &Path, e: &std::io::Error| {
        EmitError::io(format!("cannot write `{}`: {e}", path.display()))
    };
    // The directory it replaces keeps its permissions (`chmod 700` on
    // output that holds Secrets must survive `--force`).
    let kept = std::fs::metadata(dir).ok().map(|m| m.permissions());
    let result = std::fs::create_dir_all(&staging)
        .map_err(|e| io(&staging, &e))
        .and_then(|()| match kept {
            Some(permissions) => {
                std::fs::set_permissions(&staging, permissions).map_err(|e| io(&staging, &e))
            }
            None => Ok(()),
        })
        .and_then(|()| fill(&staging))
        .and_then(|()| {
            let mut files = Vec::new();
            list_files(&staging, Path::new(""), &mut files).map_err(|e| io(&staging, &e))?;
            std::fs::write(
                staging.join(target::MANIFEST),
                target::manifest_text(&files),
            )
            .map_err(|e| io(&staging, &e))
        })
        .and_then(|()| swap(dir, &staging, &previous));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
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

/// Puts `staging` in `dir`'s place. The old directory is moved aside first,
/// then only the files its manifest lists (and the manifest) are removed,
/// and its directories only when empty.
pub(super) fn swap(
    dir: &Path,
    staging: &Path,
    previous: &target::Previous,
) -> Result<(), EmitError> {
    let replace =
        |e: &std::io::Error| EmitError::io(format!("cannot replace `{}`: {e}", dir.display()));
    if std::fs::symlink_metadata(dir).is_err() {
        return std::fs::rename(staging, dir).map_err(|e| replace(&e));
    }
    let old = sibling(dir, ".old");
    std::fs::rename(dir, &old).map_err(|e| replace(&e))?;
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
        let _ = std::fs::remove_file(old.join(file));
        let mut parent = file.parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            directories.insert(p.to_path_buf());
            parent = p.parent();
        }
    }
    // Deepest first; `remove_dir` leaves a directory that is not empty.
    for directory in directories.iter().rev() {
        let _ = std::fs::remove_dir(old.join(directory));
    }
    let _ = std::fs::remove_dir(&old);
    Ok(())
}

pub(super) fn stage(staging: &Path, files: &[File]) -> Result<(), EmitError> {
    let fail =
        |e: std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", staging.display()));
    std::fs::create_dir_all(staging).map_err(fail)?;
    for (path, content) in files {
        let full = staging.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&full, content).map_err(fail)?;
    }
    Ok(())
}
