//! What a bind mount's host path holds, read in load through the resolver:
//! decided on the target (every link followed). Only regular files (and
//! small directories of them) inside the project directory are read whole;
//! a private-looking file outside it is peeked at to recognise a key by its
//! content; node paths (the Docker socket, a runtime's state) are never
//! read. What the content means (a credential, text or not) is the model's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::node_paths::{RUNTIME_SOCKETS, node_control};
use super::{HostFile, HostFiles, Place, private_reason};
use crate::load::paths::normalize;
use crate::load::yaml::{Node, Value};

/// The largest bind-mounted file or directory carried in a ConfigMap
/// (ConfigMaps hold at most 1 MiB).
pub const MAX_CONFIG_BYTES: u64 = 900 * 1024;

/// The most entries of a bind-mounted directory read to carry it (a
/// ConfigMap of more keys is no configuration directory); past it the
/// directory is not carried, and not listed further.
pub const MAX_BIND_DIRECTORY_ENTRIES: usize = 1_000;

/// The Docker API socket's file name.
const DOCKER_SOCKET: &str = "docker.sock";

/// What load found at a bind mount's host path.
#[derive(Clone, Debug)]
pub enum BindRead {
    /// A regular file inside the project, read (at most
    /// [`MAX_CONFIG_BYTES`]), with its permission bits by file name.
    File {
        /// The file.
        file: HostFile,
        /// Its permission bits, under the bind's file name.
        modes: BTreeMap<String, u32>,
    },
    /// A directory of regular files inside the project, read (at most
    /// [`MAX_CONFIG_BYTES`] together), in the order the directory lists them.
    Directory {
        /// Name → file.
        files: Vec<(String, HostFile)>,
        /// Why the directory itself looks private (`.ssh`, `.docker` …).
        private: Option<String>,
        /// The permission bits of each file, by name.
        modes: BTreeMap<String, u32>,
    },
    /// A private-looking file or directory outside the project (by name, or
    /// by the content peeked at): why.
    PrivateOutside(&'static str),
    /// The Docker API socket (by name, through a link, or a directory
    /// holding it).
    DockerSocket,
    /// Another path that hands a container the node: why.
    NodeControl(String),
    /// A path outside the project directory.
    Outside,
    /// Nothing at all there, inside the project (not even a broken link).
    Absent,
    /// What cannot be carried: why.
    Unportable(String),
}

/// The host path a service's `volumes` entry binds, as written: the source
/// of a short entry (`SOURCE:TARGET[:MODE]`) that starts with `/`, `.` or
/// `~`, or of a long entry of `type: bind` with a `target`. `None` for any
/// other entry, and for one the model refuses before it binds anything.
pub(crate) fn bind_source(item: &Node) -> Option<String> {
    if let Value::Map(_) = &item.value {
        let kind = item
            .get("type")
            .and_then(Node::scalar)
            .unwrap_or_else(|| "volume".to_string());
        item.get("target").and_then(Node::scalar)?;
        return (kind == "bind")
            .then(|| item.get("source").and_then(Node::scalar))
            .flatten();
    }
    let text = item.scalar()?;
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 1 && parts.contains(&"") {
        return None;
    }
    match parts.as_slice() {
        [source, _] | [source, _, _] if is_path(source) => Some((*source).to_string()),
        _ => None,
    }
}

/// Whether a short entry's source is a host path (else a volume's name).
pub(crate) fn is_path(source: &str) -> bool {
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

/// The host path a bind's `written` source names: `~` is the home
/// directory (`HOME`), a relative path is under `project_dir`; normalised.
pub(crate) fn bind_path(written: &str, project_dir: &Path) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    let path = if written == "~" {
        home().unwrap_or_else(|| PathBuf::from(written))
    } else if let Some(rest) = written.strip_prefix("~/") {
        home().map_or_else(|| PathBuf::from(written), |home| home.join(rest))
    } else {
        project_dir.join(written)
    };
    normalize(&path)
}

/// The file name of `path`, or an empty string.
fn file_name_of(path: &Path) -> String {
    super::name_of(path)
}

/// Reads a bind mount's host path (`path`, normalised) through `files`.
pub(crate) fn read_bind(path: &Path, files: &HostFiles) -> BindRead {
    let normal = normalize(path);
    if file_name_of(&normal) == DOCKER_SOCKET
        || file_name_of(&link_target(&normal)) == DOCKER_SOCKET
    {
        return BindRead::DockerSocket;
    }
    if let Some(why) = node_control(&normal).or_else(|| node_control(&link_target(&normal))) {
        return BindRead::NodeControl(why);
    }
    let name = file_name_of(&normal);
    let Ok(resolved) = files.resolve(path) else {
        // Missing here, but named like a key: the node's file of that name is
        // no less private than this machine's would be.
        let inside = normal.starts_with(files.project());
        if !inside && let Some(why) = private_reason(&name, None) {
            return BindRead::PrivateOutside(why);
        }
        // Nothing at all there (not even a broken link): Docker makes an
        // empty directory of it.
        if inside
            && std::fs::symlink_metadata(&normal)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
        {
            return BindRead::Absent;
        }
        return BindRead::Unportable("it does not exist on this machine".into());
    };
    let real_name = file_name_of(&resolved.real);
    // The socket under another name (a link), or a directory that holds it
    // (`/var/run`): the container gets the Docker API either way.
    if real_name == DOCKER_SOCKET
        || (resolved.directory
            && std::fs::symlink_metadata(resolved.real.join(DOCKER_SOCKET)).is_ok())
    {
        return BindRead::DockerSocket;
    }
    if let Some(why) = node_control(&resolved.real) {
        return BindRead::NodeControl(why);
    }
    if resolved.directory
        && let Some(socket) = RUNTIME_SOCKETS
            .iter()
            .find(|socket| std::fs::symlink_metadata(resolved.real.join(socket)).is_ok())
    {
        return BindRead::NodeControl(format!(
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
            Some(why) => BindRead::PrivateOutside(why),
            None => BindRead::Outside,
        };
    }
    if resolved.directory {
        // A directory named like a credential store (`.docker`, `.kube`,
        // `.ssh` …) is private whatever its files are called.
        let own = private_reason(&name, None)
            .or_else(|| private_reason(&real_name, None))
            .map(|why| format!("the directory: {why}"));
        return read_directory(path, &resolved.real, files, own);
    }
    if let Some(what) = resolved.not_regular {
        return BindRead::Unportable(format!("it is {what}, not a regular file or directory"));
    }
    if resolved.len > MAX_CONFIG_BYTES {
        return BindRead::Unportable(format!(
            "it has {} bytes, more than a ConfigMap holds",
            resolved.len
        ));
    }
    match files.read_resolved(path, &resolved, MAX_CONFIG_BYTES) {
        Ok(file) => BindRead::File {
            file,
            modes: mode_of(path)
                .map(|mode| BTreeMap::from([(file_name_of(path), mode)]))
                .unwrap_or_default(),
        },
        Err(refusal) => BindRead::Unportable(refusal.reason()),
    }
}

/// A small directory of regular files inside the project (`dir`, the
/// target of the bind's `path`).
fn read_directory(path: &Path, dir: &Path, files: &HostFiles, private: Option<String>) -> BindRead {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BindRead::Unportable("the directory cannot be read".into());
    };
    let mut held = Vec::new();
    let mut total = 0u64;
    for (count, entry) in entries.flatten().enumerate() {
        if count >= MAX_BIND_DIRECTORY_ENTRIES {
            return BindRead::Unportable(format!(
                "the directory holds more than {MAX_BIND_DIRECTORY_ENTRIES} entries"
            ));
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        // A link is followed, but must stay inside the project.
        let Ok(resolved) = files.resolve(&entry.path()) else {
            return BindRead::Unportable(format!("`{name}` cannot be resolved"));
        };
        if resolved.directory {
            return BindRead::Unportable("the directory has subdirectories".into());
        }
        if resolved.place != Place::Inside {
            return BindRead::Unportable(format!("`{name}` links outside the project directory"));
        }
        if resolved.not_regular.is_some() {
            return BindRead::Unportable(format!("`{name}` is not a regular file"));
        }
        total += resolved.len;
        if total > MAX_CONFIG_BYTES {
            return BindRead::Unportable("the directory holds more than a ConfigMap holds".into());
        }
        let Ok(file) = files.read_resolved(&entry.path(), &resolved, MAX_CONFIG_BYTES) else {
            return BindRead::Unportable(format!("`{name}` cannot be read"));
        };
        held.push((name, file));
    }
    let modes = held
        .iter()
        .filter_map(|(name, _)| mode_of(&path.join(name)).map(|mode| (name.clone(), mode)))
        .collect();
    BindRead::Directory {
        files: held,
        private,
        modes,
    }
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
fn link_target(path: &Path) -> PathBuf {
    const MAX_LINKS: usize = 40;
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(target) = std::fs::read_link(&current) else {
            break;
        };
        let base = current.parent().map(Path::to_path_buf).unwrap_or_default();
        current = normalize(&base.join(target));
    }
    current
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{BindRead, bind_source, read_bind};
    use crate::load::host_files::HostFiles;
    use crate::load::interpolate::Tally;
    use crate::source::FileId;

    #[test]
    fn only_the_entries_the_model_binds_name_a_host_path() {
        let text = "- ./a:/a\n- ./b:/b:ro\n- data:/c\n- /d\n- ./e::/e\n- ./f:/f:ro:x\n- {type: bind, source: ./g, target: /g}\n- {type: bind, source: ./h}\n- {source: ./i, target: /i}\n";
        let root = crate::load::yaml::parse(text, FileId(0)).unwrap();
        let found: Vec<String> = root
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(bind_source)
            .collect();
        assert_eq!(found, ["./a", "./b", "./g"]);
    }

    #[test]
    fn a_file_is_read_with_its_mode_and_nothing_is_absent() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nginx.conf");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let files = HostFiles::new(dir.path(), &[], Tally::default());
        match read_bind(&file, &files) {
            BindRead::File { file, modes } => {
                assert_eq!(file.bytes, b"x");
                assert_eq!(modes.get("nginx.conf"), Some(&0o640));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read_bind(&dir.path().join("missing"), &files),
            BindRead::Absent
        ));
        assert!(matches!(
            read_bind(&dir.path().join("docker.sock"), &files),
            BindRead::DockerSocket
        ));
    }
}
