//! Opening the files `--image-archive` names as the host-file rules do
//! (src/load/host_files.rs): the path the user wrote is resolved once, the
//! kernel's file systems are refused, and what is opened is opened without
//! blocking or following a link swapped in after the check, and checked to be
//! a regular file (or, for an OCI layout, a directory).

use std::fs::File;
use std::path::{Path, PathBuf};

/// What an archive path is.
#[derive(Debug)]
pub enum UserPath {
    /// A directory (an OCI layout), resolved.
    Dir(PathBuf),
    /// A regular file, resolved, and open.
    File(PathBuf, File),
}

/// Resolves and opens an `--image-archive` path.
///
/// # Errors
/// It is missing, of the kernel, or neither a directory nor a regular file.
pub fn open_user_path(path: &Path) -> Result<UserPath, String> {
    let real = std::fs::canonicalize(path).map_err(|e| lower(&e))?;
    if crate::load::host_files::is_kernel(&real) {
        return Err("it is a file of the kernel".into());
    }
    let meta = std::fs::metadata(&real).map_err(|e| lower(&e))?;
    if meta.is_dir() {
        return Ok(UserPath::Dir(real));
    }
    let file = open_regular(&real)?;
    Ok(UserPath::File(real, file))
}

/// Opens `path` for reading without blocking and without following a final
/// link, and checks the handle is a regular file.
///
/// # Errors
/// It cannot be opened or is not a regular file.
pub fn open_regular(path: &Path) -> Result<File, String> {
    let file = crate::load::host_files::open_no_follow(path)
        .map_err(|e| format!("`{}` cannot be opened: {}", path.display(), lower(&e)))?;
    let meta = file.metadata().map_err(|e| lower(&e))?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(format!("`{}` is not a regular file", path.display()))
    }
}

fn lower(e: &std::io::Error) -> String {
    e.to_string().to_lowercase()
}
