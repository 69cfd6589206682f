//! What a bind mount's host path holds, read once at convert time: small
//! text files and directories for ConfigMaps, private-looking files for
//! Secrets, and what cannot be carried.

use std::collections::BTreeMap;
use std::path::Path;

pub use crate::load::host_files::private_reason;
use crate::load::host_files::{HostFiles, Place};
use crate::model::node_paths::{RUNTIME_SOCKETS, node_control};

/// The Docker API socket's file name.
const DOCKER_SOCKET: &str = "docker.sock";

/// The largest bind-mounted file or directory carried in a ConfigMap
/// (ConfigMaps hold at most 1 MiB).
pub const MAX_CONFIG_BYTES: u64 = 900 * 1024;

/// What a bind mount's host path holds, read at convert time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostContent {
    /// A small text file inside the project directory.
    File(String),
    /// A small directory of text files inside the project directory (name → content).
    Directory(BTreeMap<String, String>),
    /// A file inside the project that looks private (a key, an `.env`
    /// file): it goes into a Secret, never a ConfigMap.
    PrivateFile {
        /// The content.
        content: Vec<u8>,
        /// Why it looks private.
        why: &'static str,
    },
    /// A small directory inside the project holding a private-looking file.
    PrivateDirectory {
        /// Name → content.
        files: BTreeMap<String, Vec<u8>>,
        /// Why it looks private.
        why: String,
    },
    /// A private-looking file or directory outside the project: neither
    /// copied into the manifests nor replaced by a node's path.
    PrivateOutside(&'static str),
    /// The Docker API socket: refused.
    DockerSocket,
    /// Another path that hands a container the node (a runtime's socket or
    /// state, the kubelet's credentials, or a directory holding one): refused.
    /// Says why.
    NodeControl(String),
    /// A path outside the project directory: a node's path, never copied.
    Outside,
    /// A path inside the project directory that does not exist: Docker
    /// creates it as an empty directory.
    Absent,
    /// Absent, large, binary, nested or not a regular file: cannot be
    /// carried in a ConfigMap.
    Unportable(String),
}

pub(crate) fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a bind mount's host path through the resolver: decided on the
/// target (every link followed). Only regular files (and small directories
/// of them) inside the project directory are carried; a target outside it
/// stays a node path.
pub(crate) fn read_host(path: &Path, files: &HostFiles) -> HostContent {
    let normal = crate::load::paths::normalize(path);
    if file_name_of(&normal) == DOCKER_SOCKET
        || file_name_of(&link_target(&normal)) == DOCKER_SOCKET
    {
        return HostContent::DockerSocket;
    }
    if let Some(why) = node_control(&normal).or_else(|| node_control(&link_target(&normal))) {
        return HostContent::NodeControl(why);
    }
    let name = file_name_of(&normal);
    let Ok(resolved) = files.resolve(path) else {
        // Missing here, but named like a key: the node's file of that name is
        // no less private than this machine's would be.
        let inside = normal.starts_with(files.project());
        if !inside && let Some(why) = private_reason(&name, None) {
            return HostContent::PrivateOutside(why);
        }
        // Nothing at all there (not even a broken link): Docker makes an
        // empty directory of it.
        if inside
            && std::fs::symlink_metadata(&normal)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            return HostContent::Absent;
        }
        return HostContent::Unportable("it does not exist on this machine".into());
    };
    let real_name = file_name_of(&resolved.real);
    // The socket under another name (a link), or a directory that holds it
    // (`/var/run`): the container gets the Docker API either way.
    if real_name == DOCKER_SOCKET
        || (resolved.directory
            && std::fs::symlink_metadata(resolved.real.join(DOCKER_SOCKET)).is_ok())
    {
        return HostContent::DockerSocket;
    }
    if let Some(why) = node_control(&resolved.real) {
        return HostContent::NodeControl(why);
    }
    if resolved.directory
        && let Some(socket) = RUNTIME_SOCKETS
            .iter()
            .find(|socket| std::fs::symlink_metadata(resolved.real.join(socket)).is_ok())
    {
        return HostContent::NodeControl(format!(
            "it holds `{socket}`, a container runtime's API socket"
        ));
    }
    if resolved.place != Place::Inside {
        // Read only to recognise a key by its content, through the same
        // resolver: never the kernel's files, FIFOs or devices.
        let content = files.peek(&resolved, MAX_CONFIG_BYTES);
        return match private_reason(&name, content.as_deref())
            .or_else(|| private_reason(&real_name, content.as_deref()))
        {
            Some(why) => HostContent::PrivateOutside(why),
            None => HostContent::Outside,
        };
    }
    if resolved.directory {
        // A directory named like a credential store (`.docker`, `.kube`,
        // `.ssh` …) is private whatever its files are called.
        let own = private_reason(&name, None)
            .or_else(|| private_reason(&real_name, None))
            .map(|why| format!("the directory: {why}"));
        return read_host_directory(&resolved.real, files, own);
    }
    if let Some(what) = resolved.not_regular {
        return HostContent::Unportable(format!("it is {what}, not a regular file or directory"));
    }
    if resolved.len > MAX_CONFIG_BYTES {
        return HostContent::Unportable(format!(
            "it has {} bytes, more than a ConfigMap holds",
            resolved.len
        ));
    }
    let file = match files.read_resolved(path, &resolved, MAX_CONFIG_BYTES) {
        Ok(file) => file,
        Err(refusal) => return HostContent::Unportable(refusal.reason()),
    };
    if let Some(why) = crate::model::credential::host_private(&file) {
        return HostContent::PrivateFile {
            content: file.bytes,
            why,
        };
    }
    String::from_utf8(file.bytes).map_or_else(
        |_| HostContent::Unportable("it is not a UTF-8 text file".into()),
        HostContent::File,
    )
}

/// The permission bits of what a bind mount carries, by file name: each
/// entry of a directory, or the file itself (links followed). A file whose
/// mode cannot be read is left out (it is copied `0644`).
pub(crate) fn modes_of(path: &Path, content: &HostContent) -> BTreeMap<String, u32> {
    let names: Vec<String> = match content {
        HostContent::Directory(files) => files.keys().cloned().collect(),
        HostContent::PrivateDirectory { files, .. } => files.keys().cloned().collect(),
        HostContent::File(_) | HostContent::PrivateFile { .. } => {
            return mode_of(path)
                .map(|mode| BTreeMap::from([(file_name_of(path), mode)]))
                .unwrap_or_default();
        }
        _ => return BTreeMap::new(),
    };
    names
        .into_iter()
        .filter_map(|name| mode_of(&path.join(&name)).map(|mode| (name, mode)))
        .collect()
}

/// A file's permission bits (`0o777` at most), links followed.
#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}

/// Where the links at the end of `path` lead, followed on the text alone
/// (the target need not exist on this machine: the node's socket is what
/// a link to `/var/run/docker.sock` names).
fn link_target(path: &Path) -> std::path::PathBuf {
    const MAX_LINKS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        let base = current.parent().map(Path::to_path_buf).unwrap_or_default();
        current = crate::load::paths::normalize(&base.join(target));
    }
    current
}

/// A small directory of regular files inside the project.
fn read_host_directory(dir: &Path, files: &HostFiles, private: Option<String>) -> HostContent {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HostContent::Unportable("the directory cannot be read".into());
    };
    let mut held = BTreeMap::new();
    let mut private = private;
    let mut total = 0u64;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // A link is followed, but must stay inside the project.
        let Ok(resolved) = files.resolve(&entry.path()) else {
            return HostContent::Unportable(format!("`{name}` cannot be resolved"));
        };
        if resolved.directory {
            return HostContent::Unportable("the directory has subdirectories".into());
        }
        if resolved.place != Place::Inside {
            return HostContent::Unportable(format!(
                "`{name}` links outside the project directory"
            ));
        }
        if resolved.not_regular.is_some() {
            return HostContent::Unportable(format!("`{name}` is not a regular file"));
        }
        total += resolved.len;
        if total > MAX_CONFIG_BYTES {
            return HostContent::Unportable(
                "the directory holds more than a ConfigMap holds".into(),
            );
        }
        let Ok(file) = files.read_resolved(&entry.path(), &resolved, MAX_CONFIG_BYTES) else {
            return HostContent::Unportable(format!("`{name}` cannot be read"));
        };
        if private.is_none()
            && let Some(why) = crate::model::credential::host_private(&file)
        {
            private = Some(format!("`{name}`: {why}"));
        }
        held.insert(name, file.bytes);
    }
    if let Some(why) = private {
        return HostContent::PrivateDirectory { files: held, why };
    }
    let mut text = BTreeMap::new();
    for (name, bytes) in held {
        match String::from_utf8(bytes) {
            Ok(content) => {
                text.insert(name, content);
            }
            Err(_) => {
                return HostContent::Unportable(format!("`{name}` is not a UTF-8 text file"));
            }
        }
    }
    HostContent::Directory(text)
}
