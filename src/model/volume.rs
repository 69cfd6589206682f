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
    /// A small text file.
    File(String),
    /// A small directory of text files (name → content).
    Directory(BTreeMap<String, String>),
    /// The Docker API socket: refused.
    DockerSocket,
    /// Absent, large, binary or nested: cannot be carried in a ConfigMap.
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
        mounts.extend(mount);
    }
    mounts
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
    let path = if let Some(rest) = written.strip_prefix("~/") {
        std::env::var_os("HOME").map_or_else(
            || PathBuf::from(written),
            |home| PathBuf::from(home).join(rest),
        )
    } else {
        project_dir.join(written)
    };
    let content = read_host(&path, written);
    MountSource::Bind {
        written: written.to_string(),
        path,
        content,
    }
}

fn read_host(path: &Path, written: &str) -> HostContent {
    if written.ends_with("docker.sock") {
        return HostContent::DockerSocket;
    }
    let Ok(meta) = std::fs::metadata(path) else {
        return HostContent::Unportable("it does not exist on this machine".into());
    };
    if meta.is_file() {
        if meta.len() > MAX_CONFIG_BYTES {
            return HostContent::Unportable(format!(
                "it has {} bytes, more than a ConfigMap holds",
                meta.len()
            ));
        }
        return std::fs::read(path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map_or_else(
                || HostContent::Unportable("it is not a UTF-8 text file".into()),
                HostContent::File,
            );
    }
    if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return HostContent::Unportable("the directory cannot be read".into());
        };
        let mut files = BTreeMap::new();
        let mut total = 0u64;
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                return HostContent::Unportable("the directory has subdirectories".into());
            }
            total += meta.len();
            if total > MAX_CONFIG_BYTES {
                return HostContent::Unportable(
                    "the directory holds more than a ConfigMap holds".into(),
                );
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            match std::fs::read(entry.path())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(text) => {
                    files.insert(name, text);
                }
                None => {
                    return HostContent::Unportable(format!("`{name}` is not a UTF-8 text file"));
                }
            }
        }
        return HostContent::Directory(files);
    }
    HostContent::Unportable("it is neither a file nor a directory".into())
}

/// Reads a service's `tmpfs` (a path or a list of `PATH[:options]`).
pub fn read_tmpfs(node: &Node, reader: &mut Reader<'_>) -> Vec<Mount> {
    let items = match &node.value {
        Value::Seq(_) => reader.string_list(node, "tmpfs"),
        _ => reader.string(node, "tmpfs").into_iter().collect(),
    };
    items
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
                .and_then(Node::scalar),
            storage_class: body
                .get("x-podlift")
                .and_then(|x| x.get("storage-class"))
                .and_then(Node::scalar),
        })
        .collect()
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
        let content = if let Some(file) = body.get("file").and_then(|f| reader.string(f, "file")) {
            match read_small(&project_dir.join(&file.value)) {
                Ok(bytes) => Some(bytes),
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
        out.push(FileObject { name, content });
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
