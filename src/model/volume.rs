//! Storage: service `volumes` and `tmpfs`, top-level `volumes`, and the files
//! compose mounts from `secrets` and `configs`. Bind-mounted files are read here,
//! once, so later stages never touch the disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::model::units::parse_bytes;
use crate::source::{Located, Span};

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

/// Where a mount's content comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountSource {
    /// A named volume of the project.
    Named(String),
    /// A host path, resolved against the project directory.
    Bind {
        /// The path as written.
        written: String,
        /// The resolved path.
        path: PathBuf,
        /// What it holds.
        content: HostContent,
    },
    /// An anonymous volume.
    Anonymous,
    /// A `tmpfs`, optionally sized.
    Tmpfs(Option<u64>),
}

/// One mount of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// The source.
    pub source: MountSource,
    /// The path inside the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
    /// Where it was written.
    pub span: Span,
}

/// A top-level named volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    /// The key under `volumes:`.
    pub name: Located<String>,
    /// `external: true`: an existing claim.
    pub external: bool,
    /// `name:` (the real name of an external volume).
    pub real_name: Option<String>,
    /// `x-podlift.size`: the claim's size (a Kubernetes quantity).
    pub size: Option<String>,
    /// `x-podlift.storage-class`.
    pub storage_class: Option<String>,
}

/// A top-level secret or config: where its content comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileObject {
    /// The key under `secrets:` / `configs:`.
    pub name: Located<String>,
    /// The content, when podlift can read it; `None` for `external`.
    pub content: Option<Vec<u8>>,
    /// Why a `file:` looks private (a key, an `.env` file), if it does:
    /// such a config goes into a Secret.
    pub private: Option<&'static str>,
}

/// A service's use of a secret or config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileUse {
    /// The top-level name.
    pub source: Located<String>,
    /// The path in the container (defaulted by the caller).
    pub target: Option<String>,
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

/// Reads a service's `volumes`.
pub fn read_mounts(node: &Node, project_dir: &Path, reader: &mut Reader<'_>) -> Vec<Mount> {
    let Some(items) = node.as_seq() else {
        reader.type_error(node, "volumes", "a list");
        return Vec::new();
    };
    let mut mounts = Vec::new();
    for item in items {
        let mount = match &item.value {
            Value::Map(_) => read_long_mount(item, project_dir, reader),
            _ => reader
                .string(item, "volumes item")
                .and_then(|t| read_short_mount(&t, project_dir, reader)),
        };
        mounts.extend(mount.filter(|m| absolute_target(m, reader)));
    }
    mounts
}

/// A container path must be absolute: Docker refuses `data/dir` too.
fn absolute_target(mount: &Mount, reader: &mut Reader<'_>) -> bool {
    if mount.target.starts_with('/') {
        return true;
    }
    reader.diagnostics.push(
        Diagnostic::error(
            "volume-target-relative",
            format!(
                "the container path `{}` is not absolute; Docker refuses it too",
                mount.target
            ),
        )
        .at(mount.span)
        .help("write the path in the container from `/`, e.g. `/data`; a named volume is `NAME:/path`"),
    );
    false
}

fn is_path(source: &str) -> bool {
    source.starts_with('/') || source.starts_with('.') || source.starts_with('~')
}

fn read_short_mount(
    text: &Located<String>,
    project_dir: &Path,
    reader: &mut Reader<'_>,
) -> Option<Mount> {
    let parts: Vec<&str> = text.value.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, mode] => (Some(*source), *target, *mode),
        _ => {
            reader.diagnostics.push(
                Diagnostic::error(
                    "volume-invalid",
                    format!("`{}` is not a volume mount", text.value),
                )
                .at(text.span)
                .help("write `SOURCE:TARGET[:ro]` or just `TARGET`"),
            );
            return None;
        }
    };
    let read_only = mode.split(',').any(|m| m == "ro");
    let source = match source {
        None => MountSource::Anonymous,
        Some(s) if is_path(s) => bind(s, project_dir),
        Some(s) => MountSource::Named(s.to_string()),
    };
    Some(Mount {
        source,
        target: target.to_string(),
        read_only,
        span: text.span,
    })
}

fn read_long_mount(item: &Node, project_dir: &Path, reader: &mut Reader<'_>) -> Option<Mount> {
    let kind = item
        .get("type")
        .and_then(Node::scalar)
        .unwrap_or_else(|| "volume".to_string());
    let target = item
        .get("target")
        .and_then(|t| reader.string(t, "volumes.target"));
    let Some(target) = target else {
        reader.diagnostics.push(
            Diagnostic::error("volume-invalid", "a long-syntax volume needs a `target`")
                .at(item.span)
                .help("add `target: /path/in/container`"),
        );
        return None;
    };
    let source = item.get("source").and_then(Node::scalar);
    let read_only = item
        .get("read_only")
        .and_then(|r| reader.boolean(r, "volumes.read_only"))
        .is_some_and(|r| r.value);
    let source = match (kind.as_str(), source) {
        ("bind", Some(s)) => bind(&s, project_dir),
        ("volume", Some(s)) => MountSource::Named(s),
        ("volume", None) => MountSource::Anonymous,
        ("tmpfs", _) => MountSource::Tmpfs(
            item.get("tmpfs")
                .and_then(|t| t.get("size"))
                .and_then(|s| reader.bytes(s, "volumes.tmpfs.size")),
        ),
        (other, _) => {
            reader.diagnostics.push(
                Diagnostic::warning(
                    "volume-unsupported",
                    format!("volume type `{other}` is not carried over"),
                )
                .at(item.span)
                .help("use `volume`, `bind` or `tmpfs`"),
            );
            return None;
        }
    };
    Some(Mount {
        source,
        target: target.value,
        read_only,
        span: item.span,
    })
}

fn bind(written: &str, project_dir: &Path) -> MountSource {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    let path = if written == "~" {
        home().unwrap_or_else(|| PathBuf::from(written))
    } else if let Some(rest) = written.strip_prefix("~/") {
        home().map_or_else(|| PathBuf::from(written), |home| home.join(rest))
    } else {
        project_dir.join(written)
    };
    let path = crate::load::paths::normalize(&path);
    let content = read_host(&path, written, project_dir);
    MountSource::Bind {
        written: written.to_string(),
        path,
        content,
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
fn pem_private_key(content: &[u8]) -> bool {
    const BEGIN: &[u8] = b"-----BEGIN ";
    content.windows(BEGIN.len()).enumerate().any(|(at, w)| {
        w == BEGIN
            && content
                .get(at..)
                .and_then(|rest| rest.split(|b| *b == b'\n').next())
                .is_some_and(|line| line.windows(11).any(|w| w == b"PRIVATE KEY"))
    })
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a bind mount's host path. Only regular files (and small
/// directories of them) inside the project directory are carried; a path
/// that resolves (through links) outside it stays a node path.
fn read_host(path: &Path, written: &str, project_dir: &Path) -> HostContent {
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

/// Reads a service's `tmpfs` (a path or a list of `PATH[:options]`).
pub fn read_tmpfs(node: &Node, reader: &mut Reader<'_>) -> Vec<Mount> {
    let items = match &node.value {
        Value::Seq(_) => reader.string_list(node, "tmpfs"),
        _ => reader.string(node, "tmpfs").into_iter().collect(),
    };
    let mounts: Vec<Mount> = items
        .into_iter()
        .map(|item| {
            let (target, options) = item.value.split_once(':').unwrap_or((&item.value, ""));
            let size = options
                .split(',')
                .find_map(|o| o.strip_prefix("size="))
                .and_then(parse_bytes);
            Mount {
                source: MountSource::Tmpfs(size),
                target: target.to_string(),
                read_only: false,
                span: item.span,
            }
        })
        .collect();
    mounts
        .into_iter()
        .filter(|m| absolute_target(m, reader))
        .collect()
}

/// Reads the top-level `volumes`.
pub fn read_volumes(node: &Node, reader: &mut Reader<'_>) -> Vec<Volume> {
    let Some(entries) = reader.map(node, "volumes") else {
        return Vec::new();
    };
    entries
        .into_iter()
        .map(|(name, body)| Volume {
            name,
            external: body.get("external").is_some_and(|e| match e.value {
                Value::Map(_) => true,
                _ => reader
                    .boolean(e, "volumes.external")
                    .is_some_and(|b| b.value),
            }),
            real_name: body.get("name").and_then(Node::scalar),
            size: body
                .get("x-podlift")
                .and_then(|x| x.get("size"))
                .and_then(|size| read_size(size, reader)),
            storage_class: body
                .get("x-podlift")
                .and_then(|x| x.get("storage-class"))
                .and_then(Node::scalar),
        })
        .collect()
}

/// Reads `x-podlift.size`: a Kubernetes quantity, checked here so that the
/// claim is not refused by the cluster.
fn read_size(node: &Node, reader: &mut Reader<'_>) -> Option<String> {
    let size = reader.string(node, "x-podlift.size")?;
    if crate::model::units::is_positive_quantity(&size.value) {
        return Some(size.value);
    }
    reader.diagnostics.push(
        Diagnostic::error(
            "quantity-invalid",
            format!(
                "`{}` in `x-podlift.size` is not a Kubernetes quantity",
                size.value
            ),
        )
        .at(size.span)
        .help("write it like `10Gi` (binary) or `10G` (decimal); `GB` is not a Kubernetes unit"),
    );
    None
}

/// Reads top-level `secrets` or `configs` (`what`), reading `file:` content now.
pub fn read_file_objects(
    node: &Node,
    what: &str,
    project_dir: &Path,
    variables: &BTreeMap<String, String>,
    reader: &mut Reader<'_>,
) -> Vec<FileObject> {
    let Some(entries) = reader.map(node, what) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, body) in entries {
        if let Some(external) = body.get("external")
            && !matches!(external.value, Value::Map(_))
        {
            reader.boolean(external, &format!("{what}.external"));
        }
        let mut private = None;
        let content = if let Some(file) = body.get("file").and_then(|f| reader.string(f, "file")) {
            match read_small(&project_dir.join(&file.value)) {
                Ok(bytes) => {
                    private = private_reason(&file_name_of(Path::new(&file.value)), Some(&bytes));
                    Some(bytes)
                }
                Err(e) => {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            "file-unreadable",
                            format!(
                                "cannot read `{}` for {what} `{}`: {}",
                                file.value, name.value, e
                            ),
                        )
                        .at(file.span)
                        .help("fix the path (relative to the compose file)"),
                    );
                    None
                }
            }
        } else if let Some(content) = body.get("content").and_then(Node::scalar) {
            Some(content.into_bytes())
        } else if let Some(variable) = body.get("environment").and_then(Node::scalar) {
            variables.get(&variable).map(|v| v.clone().into_bytes())
        } else {
            None
        };
        out.push(FileObject {
            name,
            content,
            private,
        });
    }
    out
}

/// Reads a service's `secrets` or `configs` (short names or long entries).
pub fn read_file_uses(node: &Node, what: &str, reader: &mut Reader<'_>) -> Vec<FileUse> {
    let Some(items) = node.as_seq() else {
        reader.type_error(node, what, "a list");
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.value {
            Value::Map(_) => {
                let source = item
                    .get("source")
                    .and_then(|s| reader.string(s, "source"))?;
                let target = item.get("target").and_then(Node::scalar);
                if let Some(mode) = item.get("mode") {
                    reader.integer(mode, &format!("{what}.mode"), 0);
                }
                Some(FileUse { source, target })
            }
            _ => reader.string(item, what).map(|source| FileUse {
                source,
                target: None,
            }),
        })
        .collect()
}
