//! What a bind mount's host path holds, read once at convert time: small
//! text files and directories for ConfigMaps, private-looking files for
//! Secrets, and what cannot be carried.

use std::collections::BTreeMap;
use std::path::Path;

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
    /// A path outside the project directory: a node's path, never copied.
    Outside,
    /// Absent, large, binary, nested or not a regular file: cannot be
    /// carried in a ConfigMap.
    Unportable(String),
}

/// Reads a file the compose file names (`env_file`, `secrets`/`configs`
/// `file:`), refusing more than a compose file may hold: `/dev/zero` or a
/// runaway file must not exhaust memory.
pub(crate) fn read_small(path: &Path) -> Result<Vec<u8>, String> {
    match crate::load::read_at_most(path, crate::load::MAX_FILE_BYTES) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!(
            "it holds more than {} bytes",
            crate::load::MAX_FILE_BYTES
        )),
        Err(e) => Err(e.to_string().to_lowercase()),
    }
}

/// Why a file looks private, from its name and (when read) its content:
/// keys, key stores, `.env` files, password databases, credential files.
#[must_use]
pub fn private_reason(name: &str, content: Option<&[u8]>) -> Option<&'static str> {
    const SSH_KEYS: &[&str] = &[
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
        "identity",
    ];
    const CREDENTIALS: &[&str] = &[
        ".netrc",
        ".pgpass",
        ".htpasswd",
        ".git-credentials",
        "credentials",
        ".my.cnf",
    ];
    let lower = name.to_ascii_lowercase();
    if let Some(content) = content
        && pem_private_key(content)
    {
        return Some("it holds a PEM private key");
    }
    let extension = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if SSH_KEYS.contains(&lower.as_str())
        || ["_rsa", "_dsa", "_ecdsa", "_ed25519"]
            .iter()
            .any(|s| lower.ends_with(s))
    {
        Some("it is named like an SSH private key")
    } else if extension == "key" {
        Some("it is named like a private key (`*.key`)")
    } else if ["p12", "pfx", "jks", "keystore"].contains(&extension) {
        Some("it is named like a key store")
    } else if lower == ".env" || lower.starts_with(".env.") || extension == "env" {
        Some("it is an `.env` file")
    } else if ["shadow", "gshadow", "shadow-", "gshadow-"].contains(&lower.as_str()) {
        Some("it is a password database (`shadow`)")
    } else if CREDENTIALS.contains(&lower.as_str()) {
        Some("it is named like a credentials file")
    } else if [".ssh", ".gnupg", ".aws", ".docker", ".kube"].contains(&lower.as_str()) {
        Some("it is a directory of keys or credentials")
    } else {
        None
    }
}

/// Whether `content` holds a PEM private key (`-----BEGIN … PRIVATE KEY-----`).
pub(crate) fn pem_private_key(content: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN ";
    content.windows(BEGIN.len()).enumerate().any(|(at, w)| {
        w == BEGIN
            && content
                .get(at..)
                .and_then(|rest| rest.split(|b| *b == b'\n').next())
                .is_some_and(|line| line.windows(11).any(|w| w == b"PRIVATE KEY"))
    })
}

pub(crate) fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a bind mount's host path. Only regular files (and small
/// directories of them) inside the project directory are carried; a path
/// that resolves (through links) outside it stays a node path.
pub(crate) fn read_host(path: &Path, written: &str, project_dir: &Path) -> HostContent {
    if written.ends_with("docker.sock") {
        return HostContent::DockerSocket;
    }
    let project = std::fs::canonicalize(project_dir)
        .unwrap_or_else(|_| crate::load::paths::normalize(project_dir));
    let name = file_name_of(path);
    let Ok(real) = std::fs::canonicalize(path) else {
        // Missing here, but named like a key: the node's file of that name is
        // no less private than this machine's would be.
        let inside = crate::load::paths::normalize(path).starts_with(&project);
        if !inside && let Some(why) = private_reason(&name, None) {
            return HostContent::PrivateOutside(why);
        }
        return HostContent::Unportable("it does not exist on this machine".into());
    };
    let Ok(meta) = std::fs::metadata(&real) else {
        return HostContent::Unportable("it cannot be read".into());
    };
    if !real.starts_with(&project) {
        // Read only to recognise a key by its content: never the kernel's
        // files, which report no size and can block (`/proc/kmsg`).
        let kernel = ["/proc", "/sys", "/dev"]
            .iter()
            .any(|k| real.starts_with(k));
        let content = (meta.is_file() && !kernel && meta.len() <= MAX_CONFIG_BYTES)
            .then(|| {
                crate::load::read_at_most(&real, MAX_CONFIG_BYTES)
                    .ok()
                    .flatten()
            })
            .flatten();
        return match private_reason(&name, content.as_deref())
            .or_else(|| private_reason(&file_name_of(&real), content.as_deref()))
        {
            Some(why) => HostContent::PrivateOutside(why),
            None => HostContent::Outside,
        };
    }
    if meta.is_file() {
        if meta.len() > MAX_CONFIG_BYTES {
            return HostContent::Unportable(format!(
                "it has {} bytes, more than a ConfigMap holds",
                meta.len()
            ));
        }
        let Ok(bytes) = std::fs::read(&real) else {
            return HostContent::Unportable("it cannot be read".into());
        };
        if let Some(why) = private_reason(&name, Some(&bytes)) {
            return HostContent::PrivateFile {
                content: bytes,
                why,
            };
        }
        return String::from_utf8(bytes).map_or_else(
            |_| HostContent::Unportable("it is not a UTF-8 text file".into()),
            HostContent::File,
        );
    }
    if meta.is_dir() {
        // A directory named like a credential store (`.docker`, `.kube`,
        // `.ssh` …) is private whatever its files are called.
        let own = private_reason(&name, None)
            .or_else(|| private_reason(&file_name_of(&real), None))
            .map(|why| format!("the directory: {why}"));
        return read_host_directory(&real, &project, own);
    }
    HostContent::Unportable("it is not a regular file or directory".into())
}

/// A small directory of regular files inside the project.
fn read_host_directory(dir: &Path, project: &Path, private: Option<String>) -> HostContent {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HostContent::Unportable("the directory cannot be read".into());
    };
    let mut files = BTreeMap::new();
    let mut private = private;
    let mut total = 0u64;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // A link is followed, but must stay inside the project.
        let Ok(real) = std::fs::canonicalize(entry.path()) else {
            return HostContent::Unportable(format!("`{name}` cannot be resolved"));
        };
        let Ok(meta) = std::fs::metadata(&real) else {
            return HostContent::Unportable(format!("`{name}` cannot be read"));
        };
        if meta.is_dir() {
            return HostContent::Unportable("the directory has subdirectories".into());
        }
        if !meta.is_file() {
            return HostContent::Unportable(format!("`{name}` is not a regular file"));
        }
        if !real.starts_with(project) {
            return HostContent::Unportable(format!(
                "`{name}` links outside the project directory"
            ));
        }
        total += meta.len();
        if total > MAX_CONFIG_BYTES {
            return HostContent::Unportable(
                "the directory holds more than a ConfigMap holds".into(),
            );
        }
        let Ok(bytes) = std::fs::read(&real) else {
            return HostContent::Unportable(format!("`{name}` cannot be read"));
        };
        if private.is_none()
            && let Some(why) = private_reason(&name, Some(&bytes))
        {
            private = Some(format!("`{name}`: {why}"));
        }
        files.insert(name, bytes);
    }
    if let Some(why) = private {
        return HostContent::PrivateDirectory { files, why };
    }
    let mut text = BTreeMap::new();
    for (name, bytes) in files {
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
