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

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::dir::{Dir, Identity, empty};

/// What is registered, and whether [`abandon`] was called.
struct State {
    abandoned: bool,
    next: u64,
    entries: Vec<Entry>,
}

/// What a temporary is, which decides how it is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A staging directory: removed with what it holds.
    Staging,
    /// A temporary file.
    File,
    /// A directory podlift made on the way to the output (`-o new/out`):
    /// removed only when empty.
    Parent,
}

/// A temporary podlift made: the directory it is in (held open), its name
/// there and what it was when made (from the handle podlift made it with).
struct Entry {
    id: u64,
    parent: Arc<Dir>,
    name: OsString,
    identity: Identity,
    role: Role,
}

impl Entry {
    /// Whether its name still holds what podlift made.
    fn still_ours(&self) -> bool {
        self.parent.identity_of(&self.name).ok() == Some(self.identity)
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
/// unless [`Temporary::commit`] put it in place or [`Temporary::keep`]
/// kept it.
#[derive(Debug)]
pub(crate) struct Temporary {
    id: u64,
    parent: Arc<Dir>,
    name: OsString,
}

impl Temporary {
    /// Makes a temporary in `parent` with `make` (which returns its name,
    /// what it is — taken from the handle it made it with — and what else
    /// it made) and registers it, both under the lock.
    ///
    /// # Errors
    /// `make`'s error; an interrupted error after [`abandon`] (nothing is
    /// made then).
    pub(crate) fn make<T>(
        parent: &Arc<Dir>,
        role: Role,
        make: impl FnOnce(&Dir) -> std::io::Result<(OsString, Identity, T)>,
    ) -> std::io::Result<(Self, T)> {
        let mut state = state();
        if state.abandoned {
            return Err(abandoned());
        }
        let (name, identity, extra) = make(parent)?;
        let id = state.next;
        state.next += 1;
        state.entries.push(Entry {
            id,
            parent: Arc::clone(parent),
            name: name.clone(),
            identity,
            role,
        });
        Ok((
            Self {
                id,
                parent: Arc::clone(parent),
                name,
            },
            extra,
        ))
    }

    /// Where the temporary is (for messages).
    pub(crate) fn path(&self) -> PathBuf {
        self.parent.shown(&self.name)
    }

    /// No longer podlift's to remove (a directory made on the way to an
    /// output that was written).
    pub(crate) fn keep(self) {
        state().entries.retain(|e| e.id != self.id);
        std::mem::forget(self);
    }

    /// Runs `put` (the rename into the output's place, given the directory
    /// and the temporary's name) under the lock, so an interrupt waits until
    /// it is done. When `put` succeeds the temporary is no longer podlift's
    /// to remove; when it fails the temporary is removed.
    ///
    /// # Errors
    /// An interrupted error when [`abandon`] came first (the temporary is
    /// gone then); otherwise `put`'s own result.
    pub(crate) fn commit<T, E>(
        self,
        put: impl FnOnce(&Dir, &OsStr) -> Result<T, E>,
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
            .is_some_and(|e| !e.still_ours());
        if replaced {
            state.entries.retain(|e| e.id != self.id);
            drop(state);
            let shown = self.path().display().to_string();
            std::mem::forget(self);
            return Err(std::io::Error::other(format!(
                "`{shown}` was replaced while podlift wrote it (by a link?): nothing was put in place"
            )));
        }
        let done = put(&self.parent, &self.name);
        let position = state.entries.iter().position(|e| e.id == self.id);
        if let Some(entry) = position.map(|at| state.entries.remove(at))
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
        if let Some(entry) = position.map(|at| state.entries.remove(at)) {
            remove(&entry);
        }
    }
}

/// How deep a staging directory is emptied (podlift writes at most
/// `templates/…` in it).
const DEPTH: usize = 8;

/// Removes `entry` when its name still holds what podlift made: never a
/// link, a file or directory someone put there instead. A staging
/// directory is emptied through a handle opened without following a link
/// and checked to be the very directory podlift made.
fn remove(entry: &Entry) {
    match entry.role {
        Role::File => {
            if entry.still_ours() {
                let _ = entry.parent.remove_file(&entry.name);
            }
        }
        Role::Parent => {
            if entry.still_ours() {
                let _ = entry.parent.remove_dir(&entry.name);
            }
        }
        Role::Staging => {
            // A file being written into it meanwhile makes one pass fail;
            // the writer stops once the directory is gone. Each pass opens
            // the name again and checks what it opened: one swapped in
            // between passes is not podlift's.
            for _ in 0..100 {
                let Ok(dir) = entry.parent.open_dir(&entry.name) else {
                    return;
                };
                if dir.identity().ok() != Some(entry.identity) {
                    return;
                }
                let _ = empty(&dir, DEPTH);
                if !entry.still_ours() {
                    return;
                }
                match entry.parent.remove_dir(&entry.name) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        std::thread::yield_now();
                    }
                    _ => return,
                }
            }
        }
    }
}

/// Removes every temporary podlift made and has not put in place (the
/// newest first), each only when its name still holds what podlift made;
/// from now on no temporary can be made or put in place. Waits for a rename
/// in progress. For the command, when it is told to stop.
pub fn abandon() {
    let mut state = state();
    state.abandoned = true;
    let mut entries = std::mem::take(&mut state.entries);
    entries.sort_by_key(|e| std::cmp::Reverse(e.id));
    for entry in &entries {
        remove(entry);
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::sync::Arc;

    use super::{Role, Temporary};
    use crate::emit::target::dir::{Dir, Identity};

    #[test]
    fn a_temporary_whose_name_was_taken_is_not_removed() {
        let dir = tempfile::tempdir().unwrap();
        let around = Arc::new(Dir::open(dir.path()).unwrap());
        let (made, ()) = Temporary::make(&around, Role::Staging, |around| {
            around.make_dir(OsStr::new("t"), 0o700)?;
            let identity = around.open_dir(OsStr::new("t"))?.identity()?;
            Ok(("t".into(), identity, ()))
        })
        .unwrap();
        // made while podlift's exists, so it cannot reuse its inode
        let path = dir.path().join("t");
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
        let around = Arc::new(Dir::open(dir.path()).unwrap());
        let create = |around: &Dir| {
            let file = around.create_file(OsStr::new("t"), 0o600)?;
            Ok(("t".into(), Identity::of_metadata(&file.metadata()?), ()))
        };
        let (made, ()) = Temporary::make(&around, Role::File, create).unwrap();
        made.commit(|around, name| around.rename(name, around, OsStr::new("out")))
            .unwrap()
            .unwrap();
        assert!(dir.path().join("out").exists());
        let (made, ()) = Temporary::make(&around, Role::File, create).unwrap();
        let failed = made
            .commit(|_, _| Err::<(), _>("refused"))
            .unwrap()
            .unwrap_err();
        assert_eq!(failed, "refused");
        assert!(!dir.path().join("t").exists());
    }
}
