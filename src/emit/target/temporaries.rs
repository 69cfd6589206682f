//! The temporaries podlift makes beside an output (a staging directory, a
//! named temporary file) until they take the output's place: they may hold
//! Secrets, so an interrupted run must not leave them. The command calls
//! [`abandon`] when it is told to stop (SIGINT, SIGTERM, SIGHUP): every
//! temporary still registered is removed — only when the name still holds
//! the very directory or file podlift made — and none can be made or take
//! the output's place afterwards. The library installs no signal handler.
//!
//! One lock orders the three moves: making a temporary (so none appears
//! after [`abandon`]), the rename that puts it in the output's place (so an
//! interrupted run leaves the old output or the new one, whole), and
//! [`abandon`] itself.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What is registered, and whether [`abandon`] was called.
struct State {
    abandoned: bool,
    next: u64,
    entries: Vec<Entry>,
}

/// A temporary podlift made: its path and what it was when made.
struct Entry {
    id: u64,
    path: PathBuf,
    identity: Identity,
}

/// What a name held when podlift made it: the kind, and on Unix the device
/// and inode (a name someone else took meanwhile is not podlift's).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Identity {
    dir: bool,
    /// A regular file (a link is neither this nor `dir`).
    file: bool,
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
}

impl Identity {
    /// What `path` holds now, not following a link.
    fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::symlink_metadata(path)?;
        Ok(Self {
            dir: meta.is_dir(),
            file: meta.is_file(),
            #[cfg(unix)]
            device: std::os::unix::fs::MetadataExt::dev(&meta),
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&meta),
        })
    }
}

static STATE: Mutex<State> = Mutex::new(State {
    abandoned: false,
    next: 0,
    entries: Vec::new(),
});

/// The lock; a panic elsewhere while it was held leaves the list usable.
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The error of a move refused after [`abandon`].
fn abandoned() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "podlift was interrupted")
}

/// A registered temporary: removed (when still podlift's) when dropped,
/// unless [`Temporary::commit`] put it in place.
#[derive(Debug)]
pub(crate) struct Temporary {
    id: u64,
    path: PathBuf,
}

impl Temporary {
    /// Makes a temporary with `make` (which returns its path and what else
    /// it made, an open file) and registers it, both under the lock.
    ///
    /// # Errors
    /// `make`'s error; an interrupted error after [`abandon`] (nothing is
    /// made then).
    pub(crate) fn make<T>(
        make: impl FnOnce() -> std::io::Result<(PathBuf, T)>,
    ) -> std::io::Result<(Self, T)> {
        let mut state = state();
        if state.abandoned {
            return Err(abandoned());
        }
        let (path, extra) = make()?;
        let identity = Identity::of(&path)?;
        // What podlift just made is a directory or a regular file: a link
        // there means someone swapped it in already (the name is not ours).
        if !identity.dir && !identity.file {
            return Err(std::io::Error::other(format!(
                "`{}` was replaced while podlift made it (by a link?): nothing was written",
                path.display()
            )));
        }
        let id = state.next;
        state.next += 1;
        state.entries.push(Entry {
            id,
            path: path.clone(),
            identity,
        });
        Ok((Self { id, path }, extra))
    }

    /// Where the temporary is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `put` (the rename into the output's place) under the lock, so
    /// an interrupt waits until it is done. When `put` succeeds the
    /// temporary is no longer podlift's to remove; when it fails the
    /// temporary is removed.
    ///
    /// # Errors
    /// An interrupted error when [`abandon`] came first (the temporary is
    /// gone then); otherwise `put`'s own result.
    pub(crate) fn commit<T, E>(
        self,
        put: impl FnOnce(&Path) -> Result<T, E>,
    ) -> std::io::Result<Result<T, E>> {
        let mut state = state();
        if state.abandoned {
            return Err(abandoned());
        }
        // A name that no longer holds what podlift made (someone put a link
        // or another directory there) never takes the output's place.
        let replaced = state
            .entries
            .iter()
            .find(|e| e.id == self.id)
            .is_some_and(|e| Identity::of(&e.path).ok() != Some(e.identity));
        if replaced {
            state.entries.retain(|e| e.id != self.id);
            drop(state);
            let shown = self.path.display().to_string();
            std::mem::forget(self);
            return Err(std::io::Error::other(format!(
                "`{shown}` was replaced while podlift wrote it (by a link?): nothing was put in place"
            )));
        }
        let done = put(&self.path);
        let position = state.entries.iter().position(|e| e.id == self.id);
        if let Some(entry) = position.map(|at| state.entries.swap_remove(at))
            && done.is_err()
        {
            remove(&entry);
        }
        drop(state);
        std::mem::forget(self);
        Ok(done)
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        let mut state = state();
        let position = state.entries.iter().position(|e| e.id == self.id);
        if let Some(entry) = position.map(|at| state.entries.swap_remove(at)) {
            remove(&entry);
        }
    }
}

/// Removes `entry` when its path still holds what podlift made: never a
/// link, a file or directory someone put there instead.
fn remove(entry: &Entry) {
    let still_ours = || Identity::of(&entry.path).ok() == Some(entry.identity);
    if !entry.identity.dir {
        if still_ours() {
            let _ = std::fs::remove_file(&entry.path);
        }
        return;
    }
    // A file being written into it meanwhile makes one pass fail; the
    // writer stops once the directory is gone. Each pass checks the name
    // again: one swapped in between passes is not podlift's.
    for _ in 0..100 {
        if !still_ours() {
            return;
        }
        match std::fs::remove_dir_all(&entry.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => std::thread::yield_now(),
            _ => return,
        }
    }
}

/// Removes every temporary podlift made and has not put in place, each only
/// when its name still holds what podlift made; from now on no temporary
/// can be made or put in place. Waits for a rename in progress. For the
/// command, when it is told to stop.
pub fn abandon() {
    let mut state = state();
    state.abandoned = true;
    let entries = std::mem::take(&mut state.entries);
    for entry in &entries {
        remove(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::Temporary;

    #[test]
    fn a_temporary_whose_name_was_taken_is_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        let (made, ()) =
            Temporary::make(|| std::fs::create_dir(&path).map(|()| (path.clone(), ()))).unwrap();
        // made while podlift's exists, so it cannot reuse its inode
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("theirs"), "x").unwrap();
        std::fs::remove_dir(&path).unwrap();
        std::fs::rename(&theirs, &path).unwrap();
        drop(made);
        assert!(path.join("theirs").exists());
    }

    #[test]
    fn a_committed_temporary_stays_and_a_failed_one_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        let (made, ()) =
            Temporary::make(|| std::fs::write(&path, "x").map(|()| (path.clone(), ()))).unwrap();
        let target = dir.path().join("out");
        made.commit(|p| std::fs::rename(p, &target))
            .unwrap()
            .unwrap();
        assert!(target.exists());
        let (made, ()) =
            Temporary::make(|| std::fs::write(&path, "x").map(|()| (path.clone(), ()))).unwrap();
        let failed = made
            .commit(|_| Err::<(), _>("refused"))
            .unwrap()
            .unwrap_err();
        assert_eq!(failed, "refused");
        assert!(!path.exists());
    }
}
