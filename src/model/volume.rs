//! Storage: service `volumes` and `tmpfs`, and top-level `volumes`.
//! Bind-mounted files are read in load, once; what they hold is judged in
//! [`host_content`](super::host_content), so no later stage touches the disk.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::host_files::is_path;
use crate::load::yaml::{Node, Value};
use crate::model::keys::{self, VOLUME_KEYS};
use crate::model::read::Reader;
use crate::model::units::ClaimSize;
use crate::model::units::parse_bytes;
use crate::model::{Context, FileAccess};
use crate::source::{Located, Span};

pub(crate) use crate::model::file_object::read_file_objects;
pub use crate::model::file_object::{FileUse, read_file_uses};
pub use crate::model::host_content::HostContent;
use crate::model::host_content::host_content;

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
        /// The permission bits of the files it carries, by file name.
        modes: BTreeMap<String, u32>,
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
    /// `nocopy` (`volume: {nocopy: true}`, or `:nocopy` in the short
    /// syntax): Docker does not fill the fresh volume with the image's files.
    pub no_copy: bool,
    /// Where it was written.
    pub span: Span,
}

/// One `volumes_from` entry: the mounts of another service (or container),
/// all read-only with `:ro`. Kept as written, so that `config` prints it
/// back (`container:NAME`, an explicit `:rw`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumesFrom {
    /// The service (or, written `container:NAME`, the container) whose
    /// mounts it takes.
    pub source: String,
    /// Written `container:NAME`: a container, not a service of the project.
    pub container: bool,
    /// What follows the source's `:` as written (`ro`, `rw`); `None` without
    /// one.
    pub mode: Option<String>,
}

impl VolumesFrom {
    /// Reads `NAME`, `NAME:ro|rw`, `container:NAME[:ro|rw]`.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let (container, text) = match text.strip_prefix("container:") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (source, mode) = match text.split_once(':') {
            Some((source, mode)) => (source, Some(mode.to_string())),
            None => (text, None),
        };
        Self {
            source: source.to_string(),
            container,
            mode,
        }
    }

    /// `:ro`: every mount read-only (`:rw`, nothing or another mode keeps
    /// each as it is).
    #[must_use]
    pub fn read_only(&self) -> bool {
        self.mode.as_deref() == Some("ro")
    }
}

/// The entry as written: `[container:]NAME[:MODE]`.
impl fmt::Display for VolumesFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.container {
            f.write_str("container:")?;
        }
        f.write_str(&self.source)?;
        match &self.mode {
            Some(mode) => write!(f, ":{mode}"),
            None => Ok(()),
        }
    }
}

/// `x-podlift.bind-as` of a service: what its writable bind mounts of the
/// project's files become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindChoice {
    /// `emptydir`: a volume that lasts as long as the Pod, filled from the
    /// project's files when it starts.
    EmptyDir,
    /// `pvc`: a claim, filled from the project's files where they are absent.
    Claim,
}

/// Reads `x-podlift.bind-as`.
pub(crate) fn read_bind_choice(
    node: &Node,
    reader: &mut Reader<'_>,
) -> Option<Located<BindChoice>> {
    let text = reader.string(node, "x-podlift.bind-as")?;
    let choice = match text.value.as_str() {
        "emptydir" => BindChoice::EmptyDir,
        "pvc" => BindChoice::Claim,
        other => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::BindAsInvalid,
                    format!("`x-podlift.bind-as` is `{other}`; it takes `emptydir` or `pvc`"),
                )
                .at(text.span)
                .help("`emptydir` (the default) gives a writable bind mount a volume that lasts as long as the Pod; `pvc` a claim that keeps what the service writes"),
            );
            return None;
        }
    };
    Some(Located::new(choice, text.span))
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
    /// `x-podlift.size`: the claim's size.
    pub size: Option<ClaimSize>,
    /// `x-podlift.storage-class`.
    pub storage_class: Option<String>,
    /// `driver_opts: {type: tmpfs}` of the `local` driver: memory, not a
    /// disk; not for an external volume.
    pub memory: Option<MemoryVolume>,
}

/// A volume of the `local` driver in memory (`driver_opts.type: tmpfs`):
/// Docker mounts a tmpfs that the containers using it share, empty at each
/// start. In a Pod, an `emptyDir` with `medium: Memory`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryVolume {
    /// `o: size=…`, in bytes.
    pub size: Option<u64>,
}

/// Reads a service's `volumes`.
pub fn read_mounts(node: &Node, context: &Context, reader: &mut Reader<'_>) -> Vec<Mount> {
    let Some(items) = node.as_seq() else {
        reader.type_error(node, "volumes", "a list");
        return Vec::new();
    };
    let mut mounts = Vec::new();
    for item in items {
        let mount = match &item.value {
            Value::Map(_) => read_long_mount(item, context, reader),
            _ => reader
                .string(item, "volumes item")
                .and_then(|t| read_short_mount(&t, context, reader)),
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
            Code::VolumeTargetRelative,
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

/// Reads a short-syntax mount. Unlike compose (and `podlift config`, which
/// prints what compose prints), a letter before `:` is no Windows drive:
/// `v:/v` mounts the volume `v`.
fn read_short_mount(
    text: &Located<String>,
    context: &Context,
    reader: &mut Reader<'_>,
) -> Option<Mount> {
    let parts: Vec<&str> = text.value.split(':').collect();
    if parts.len() > 1 && parts.contains(&"") {
        // compose: `invalid spec: data:: empty section between colons`
        reader.diagnostics.push(
            Diagnostic::error(
                Code::VolumeInvalid,
                format!("`{}` has an empty part between colons", text.value),
            )
            .at(text.span)
            .help("write `SOURCE:TARGET[:MODE]` with each part filled in, or just `TARGET`"),
        );
        return None;
    }
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, mode] => (Some(*source), *target, *mode),
        _ => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::VolumeInvalid,
                    format!("`{}` is not a volume mount", text.value),
                )
                .at(text.span)
                .help("write `SOURCE:TARGET[:ro]` or just `TARGET`"),
            );
            return None;
        }
    };
    let read_only = mode.split(',').any(|m| m == "ro");
    let no_copy = mode.split(',').any(|m| m == "nocopy");
    let source = match source {
        None => MountSource::Anonymous,
        Some(s) if is_path(s) => bind(s, context),
        Some(s) => MountSource::Named(s.to_string()),
    };
    Some(Mount {
        source,
        target: target.to_string(),
        read_only,
        no_copy,
        span: text.span,
    })
}

fn read_long_mount(item: &Node, context: &Context, reader: &mut Reader<'_>) -> Option<Mount> {
    let kind = item
        .get("type")
        .and_then(Node::scalar)
        .unwrap_or_else(|| "volume".to_string());
    let target = item
        .get("target")
        .and_then(|t| reader.string(t, "volumes.target"));
    let Some(target) = target else {
        reader.diagnostics.push(
            Diagnostic::error(Code::VolumeInvalid, "a long-syntax volume needs a `target`")
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
    let no_copy = item
        .get("volume")
        .and_then(|v| v.get("nocopy"))
        .and_then(|n| reader.boolean(n, "volumes.volume.nocopy"))
        .is_some_and(|n| n.value);
    let source = match (kind.as_str(), source) {
        ("bind", Some(s)) => bind(&s, context),
        ("volume", Some(s)) => MountSource::Named(s),
        ("volume", None) => MountSource::Anonymous,
        ("tmpfs", _) => {
            let options = item.get("tmpfs");
            let mut lost: Vec<String> = Vec::new();
            if let Some(Value::Map(entries)) = options.map(|o| &o.value) {
                for (key, value) in entries {
                    let key = key.scalar().unwrap_or_default();
                    if key != "size" {
                        lost.push(format!("{key}={}", value.scalar().unwrap_or_default()));
                    }
                }
            }
            let lost: Vec<&str> = lost.iter().map(String::as_str).collect();
            note_tmpfs(&target.value, &lost, item.span, reader);
            MountSource::Tmpfs(
                options
                    .and_then(|t| t.get("size"))
                    .and_then(|s| reader.bytes(s, "volumes.tmpfs.size")),
            )
        }
        (other, _) => {
            reader.diagnostics.push(
                Diagnostic::warning(
                    Code::VolumeUnsupported,
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
        no_copy,
        span: item.span,
    })
}

fn bind(written: &str, context: &Context) -> MountSource {
    let path = crate::load::host_files::bind_path(written, &context.project_dir);
    let (held, modes) = match context.files {
        FileAccess::Read => host_content(context.host.named().bind(&path)),
        FileAccess::Skip | FileAccess::Texts => (
            HostContent::Unportable("not read: the service is not active".into()),
            BTreeMap::new(),
        ),
    };
    MountSource::Bind {
        written: written.to_string(),
        path,
        content: held,
        modes,
    }
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
            let lost: Vec<&str> = options
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty() && !o.starts_with("size="))
                .collect();
            note_tmpfs(target, &lost, item.span, reader);
            Mount {
                source: MountSource::Tmpfs(size),
                target: target.to_string(),
                read_only: false,
                no_copy: false,
                span: item.span,
            }
        })
        .collect();
    mounts
        .into_iter()
        .filter(|m| absolute_target(m, reader))
        .collect()
}

/// What a tmpfs loses as an `emptyDir`: Docker mounts it `noexec`, `nosuid`
/// and `nodev` unless told otherwise, and takes `mode`, `uid`, `gid` and
/// mount flags; an `emptyDir` is executable, and none of these can be set
/// (`size` is carried as `sizeLimit`). A warning names the options the
/// compose file wrote; without any, a note says what the default loses.
fn note_tmpfs(target: &str, lost: &[&str], span: crate::source::Span, reader: &mut Reader<'_>) {
    let default =
        "Docker mounts a tmpfs `noexec,nosuid,nodev`, but an `emptyDir` lets its files be executed";
    let diagnostic = if lost.is_empty() {
        Diagnostic::note(
            Code::TmpfsOptions,
            format!("tmpfs `{target}` becomes an `emptyDir` in memory: {default}"),
        )
    } else {
        let quoted: Vec<String> = lost.iter().map(|o| format!("`{o}`")).collect();
        Diagnostic::warning(
            Code::TmpfsOptions,
            format!(
                "tmpfs `{target}` becomes an `emptyDir` in memory without its options {}: Kubernetes sets no mount options, owner or mode on an `emptyDir`; {default}",
                quoted.join(", "),
            ),
        )
    };
    reader.diagnostics.push(
        diagnostic
            .at(span)
            .help("if the application relies on them, keep executables off the volume, set the owner through the Pod's `fsGroup`, or mount a volume prepared by an init container"),
    );
}

/// Reads the top-level `volumes`.
pub fn read_volumes(node: &Node, reader: &mut Reader<'_>) -> Vec<Volume> {
    let Some(entries) = reader.map(node, "volumes") else {
        return Vec::new();
    };
    entries
        .into_iter()
        .map(|(name, body)| {
            let external = body.get("external").is_some_and(|e| match e.value {
                Value::Map(_) => true,
                _ => reader
                    .boolean(e, "volumes.external")
                    .is_some_and(|b| b.value),
            });
            let memory = if external {
                None
            } else {
                read_memory(&name.value, body, reader)
            };
            report_volume_keys(&name.value, body, external, memory.is_some(), reader);
            Volume {
                name,
                external,
                memory,
                real_name: body.get("name").and_then(Node::scalar),
                size: body
                    .get("x-podlift")
                    .and_then(|x| x.get("size"))
                    .and_then(|size| read_size(size, reader)),
                storage_class: body
                    .get("x-podlift")
                    .and_then(|x| x.get("storage-class"))
                    .and_then(Node::scalar),
            }
        })
        .collect()
}

/// Reports what a volume definition says that its claim does not carry
/// (`driver_opts` of a volume in memory is carried: [`read_memory`]), and
/// what an external volume may not say.
fn report_volume_keys(
    volume: &str,
    body: &Node,
    external: bool,
    memory: bool,
    reader: &mut Reader<'_>,
) {
    for (key, value) in body.as_map().unwrap_or_default() {
        let Some(name) = key.scalar() else { continue };
        // An external volume exists already: compose refuses the file
        // (2.40.3: `volumes.ext: conflicting parameters "external" and
        // "driver_opts" specified`), whatever the value, even an empty one.
        if external && matches!(name.as_str(), "driver" | "driver_opts" | "labels") {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::VolumeExternalConflict,
                    format!("volume `{volume}` is `external` and sets `{name}`: conflicting parameters `external` and `{name}`; an external volume exists already, so nothing may say how to make it"),
                )
                .at(key.span)
                .help(format!("remove `{name}`, or `external` if the volume is the project's own")),
            );
            continue;
        }
        if (name == "driver" && value.scalar_is("local")) || (name == "driver_opts" && memory) {
            continue;
        }
        keys::report_key(&Located::new(name, key.span), VOLUME_KEYS, "volume", reader);
    }
}

/// A volume in memory: the `local` driver (compose's default) with
/// `driver_opts.type: tmpfs`. Of the mount options in `o`, `size` is carried
/// (as the kernel reads it: a whole number with `k`, `m`, `g` or `t`); the
/// others (`uid`, `mode`, `nr_inodes`, a size in `%`) are reported.
fn read_memory(name: &str, body: &Node, reader: &mut Reader<'_>) -> Option<MemoryVolume> {
    if body.get("driver").is_some_and(|d| !d.scalar_is("local")) {
        return None;
    }
    let options = body.get("driver_opts")?;
    if !options.get("type").is_some_and(|t| t.scalar_is("tmpfs")) {
        return None;
    }
    let mut size = None;
    let mut dropped = Vec::new();
    let o = options.get("o");
    for option in o.and_then(Node::scalar).iter().flat_map(|o| o.split(',')) {
        let option = option.trim();
        match option.strip_prefix("size=").map(tmpfs_size) {
            Some(Some(bytes)) => size = Some(bytes),
            _ if option.is_empty() => {}
            _ => dropped.push(option.to_string()),
        }
    }
    if !dropped.is_empty() {
        reader.diagnostics.push(
            Diagnostic::warning(
                Code::KeyNotCarried,
                format!(
                    "volume `{name}` becomes an `emptyDir` in memory, without its tmpfs options `{}`",
                    dropped.join(",")
                ),
            )
            .at_opt(o.map(|o| o.span))
            .help("an `emptyDir` is owned by root with mode 0777 and sized only by `size=` in bytes, `k`, `m`, `g` or `t`: set the owner through the services' `user`, or drop the options"),
        );
    }
    Some(MemoryVolume { size })
}

/// A tmpfs `size=` as the kernel reads it: a whole number, then `k`, `m`,
/// `g` or `t` (binary) or nothing; `None` for a share of memory (`50%`) or
/// anything else.
fn tmpfs_size(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number: u64 = text.get(..digits)?.parse().ok()?;
    let shift = match text.get(digits..)? {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => return None,
    };
    number.checked_mul(1 << shift)
}

/// Reads `x-podlift.size`: a Kubernetes quantity, checked here so that the
/// claim is not refused by the cluster.
fn read_size(node: &Node, reader: &mut Reader<'_>) -> Option<ClaimSize> {
    let size = reader.string(node, "x-podlift.size")?;
    if let Some(claim) = ClaimSize::parse(&size.value) {
        return Some(claim);
    }
    reader.diagnostics.push(
        Diagnostic::error(
            Code::QuantityInvalid,
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

/// Two mounts of a service at one container path (`volumes` and `tmpfs`,
/// or two `tmpfs` with different options): compose refuses them ("target
/// already mounted"), and the API server would refuse the Pod.
pub(crate) fn check_targets(mounts: &[Mount], service: &str, reader: &mut Reader<'_>) {
    // one mount is never mounted twice (nor is its path cleaned for nothing)
    if mounts.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for mount in mounts {
        // as compose compares them: cleaned (`/b/`, `//b` and `/b/.` are `/b`)
        let target = crate::load::paths::normalize(std::path::Path::new(&mount.target));
        let target = target.to_string_lossy();
        if !seen.insert(target.to_string()) {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::VolumeInvalid,
                    format!("`{target}` is mounted twice in service `{service}`"),
                )
                .at(mount.span)
                .help("keep one mount at that path: remove it from `volumes` or from `tmpfs`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VolumesFrom;

    fn parse(text: &str) -> (String, bool) {
        let from = VolumesFrom::parse(text);
        (from.source.clone(), from.read_only())
    }

    #[test]
    fn volumes_from_reads_the_source_and_the_mode() {
        assert_eq!(parse("db"), ("db".into(), false));
        assert_eq!(parse("db:ro"), ("db".into(), true));
        assert_eq!(parse("db:rw"), ("db".into(), false));
        assert_eq!(parse("container:db"), ("db".into(), false));
        assert_eq!(parse("container:db:ro"), ("db".into(), true));
        // a mode other than `ro` keeps the mounts as they are
        assert_eq!(parse("db:RO"), ("db".into(), false));
        assert_eq!(parse(""), (String::new(), false));
    }

    #[test]
    fn volumes_from_prints_back_as_written() {
        for text in [
            "db",
            "db:ro",
            "db:rw",
            "db:RO",
            "container:db",
            "container:db:rw",
            "a:b:c",
        ] {
            assert_eq!(VolumesFrom::parse(text).to_string(), text);
        }
        assert!(VolumesFrom::parse("container:db").container);
        assert!(!VolumesFrom::parse("db").container);
    }
}
