//! Storage plan: Pod volumes, their mounts, and the ConfigMaps, Secrets and
//! claims behind them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::Service;
use crate::model::volume::{HostContent, MountSource};
use crate::plan::names;

/// Default size of a claim made for a named volume.
pub const DEFAULT_CLAIM_SIZE: &str = "1Gi";

/// The user's storage choices.
#[derive(Clone, Debug, Default)]
pub struct StorageOptions {
    /// `--volume-size`: claim size when the volume sets none.
    pub claim_size: Option<String>,
    /// `--storage-class`.
    pub storage_class: Option<String>,
    /// `--bind-as pvc`: unportable bind mounts become claims instead of hostPaths.
    pub bind_as_claim: bool,
}

/// A Pod volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumePlan {
    /// The volume's name in the Pod.
    pub name: String,
    /// What backs it.
    pub source: VolumeSource,
}

/// What backs a Pod volume.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VolumeSource {
    /// A PersistentVolumeClaim by name.
    Claim(String),
    /// A ConfigMap by name.
    ConfigMap(String),
    /// A Secret by name.
    Secret(String),
    /// An `emptyDir`, in memory or on disk, optionally size-limited.
    EmptyDir {
        /// `medium: Memory`.
        memory: bool,
        /// `sizeLimit` in bytes.
        size: Option<u64>,
    },
    /// A path on the node.
    HostPath(String),
}

/// One mount in a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountPlan {
    /// The Pod volume.
    pub volume: String,
    /// Where it appears.
    pub path: String,
    /// A single key or file of the volume.
    pub sub_path: Option<String>,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A ConfigMap to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigMapPlan {
    /// Its name.
    pub name: String,
    /// Text entries.
    pub data: BTreeMap<String, String>,
    /// Binary entries.
    pub binary: BTreeMap<String, Vec<u8>>,
}

/// A Secret to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretPlan {
    /// Its name.
    pub name: String,
    /// Entries.
    pub data: BTreeMap<String, Vec<u8>>,
}

/// A PersistentVolumeClaim to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPlan {
    /// Its name.
    pub name: String,
    /// Requested size (a Kubernetes quantity).
    pub size: String,
    /// Storage class, when chosen.
    pub storage_class: Option<String>,
}

/// The storage of the whole Pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Storage {
    /// Pod volumes.
    pub volumes: Vec<VolumePlan>,
    /// Mounts per service name.
    pub mounts: BTreeMap<String, Vec<MountPlan>>,
    /// ConfigMaps.
    pub config_maps: Vec<ConfigMapPlan>,
    /// Secrets.
    pub secrets: Vec<SecretPlan>,
    /// Claims.
    pub claims: Vec<ClaimPlan>,
    /// Lookups that keep planning linear: volume by source, names in use.
    by_source: HashMap<VolumeSource, String>,
    volume_names: HashSet<String>,
    config_names: HashSet<String>,
    object_names: HashSet<String>,
}

impl Storage {
    fn volume(&mut self, name: &str, source: VolumeSource) -> String {
        if let Some(existing) = self.by_source.get(&source) {
            return existing.clone();
        }
        let name = names::unique(&names::dns_label(name, "volume"), &mut self.volume_names);
        self.by_source.insert(source.clone(), name.clone());
        self.volumes.push(VolumePlan {
            name: name.clone(),
            source,
        });
        name
    }

    /// A volume of its own, never shared: an anonymous volume or a tmpfs
    /// belongs to one mount of one container.
    fn own_volume(&mut self, name: &str, source: VolumeSource) -> String {
        let name = names::unique(&names::dns_label(name, "volume"), &mut self.volume_names);
        self.volumes.push(VolumePlan {
            name: name.clone(),
            source,
        });
        name
    }

    fn mount(&mut self, service: &str, mount: MountPlan) {
        self.mounts
            .entry(service.to_string())
            .or_default()
            .push(mount);
    }
}

/// A ConfigMap or Secret key from a file name (`[-._a-zA-Z0-9]`).
fn key_of(name: &str) -> String {
    let key: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if key.is_empty() || key == "." || key == ".." {
        "file".to_string()
    } else {
        key
    }
}

/// The claim of a volume podlift creates: its `name:` when it has one (compose
/// then uses that name as is, without the project prefix), else
/// `<project>-<key>`.
fn claim_name(volume: &crate::model::volume::Volume, prefix: &str) -> String {
    match &volume.real_name {
        Some(name) => names::dns_label(name, "data"),
        None => names::dns_label(&format!("{prefix}-{}", volume.name.value), "data"),
    }
}

/// `shm_size`: Docker gives the container a `/dev/shm` of that size; in a
/// Pod it is a memory `emptyDir` limited to it (the runtime's own is 64 MiB).
/// A mount the service writes itself at `/dev/shm` wins.
fn shm(service: &Service, storage: &mut Storage) {
    const SHM: &str = "/dev/shm";
    let Some(size) = &service.shm_size else {
        return;
    };
    let owner = &service.name.value;
    if storage
        .mounts
        .get(owner)
        .is_some_and(|m| m.iter().any(|m| m.path.trim_end_matches('/') == SHM))
    {
        return;
    }
    let volume = storage.own_volume(
        &format!("{owner}-shm"),
        VolumeSource::EmptyDir {
            memory: true,
            size: Some(size.value),
        },
    );
    storage.mount(
        owner,
        MountPlan {
            volume,
            path: SHM.to_string(),
            sub_path: None,
            read_only: false,
        },
    );
}

/// Plans every volume, secret and config of the project.
pub fn plan_storage(
    project: &Project,
    prefix: &str,
    options: &StorageOptions,
    diagnostics: &mut Diagnostics,
) -> Storage {
    let mut storage = Storage::default();
    for volume in &project.volumes {
        if !volume.external {
            storage.claims.push(ClaimPlan {
                name: claim_name(volume, prefix),
                size: volume
                    .size
                    .clone()
                    .or_else(|| options.claim_size.clone())
                    .unwrap_or_else(|| DEFAULT_CLAIM_SIZE.to_string()),
                storage_class: volume
                    .storage_class
                    .clone()
                    .or_else(|| options.storage_class.clone()),
            });
        }
    }
    let mut notes = MountNotes::default();
    for service in &project.services {
        plan_mounts(
            project,
            service,
            prefix,
            options,
            &mut storage,
            &mut notes,
            diagnostics,
        );
    }
    let MountNotes {
        copied,
        starts_empty,
    } = notes;
    note_copied(&copied, diagnostics);
    if let Some((_, span)) = starts_empty.first() {
        let list: Vec<&str> = starts_empty.iter().map(|(m, _)| m.as_str()).collect();
        diagnostics.push(
            Diagnostic::note(
                "volume-starts-empty",
                format!(
                    "{} start{} empty: an emptyDir or a new claim holds nothing, while Docker fills a new volume with what the image has at that path",
                    list.join(", "),
                    if list.len() == 1 { "s" } else { "" }
                ),
            )
            .at(*span)
            .help("if a service expects the image's files there (`node_modules`, default configuration), drop the mount, or copy them in with an init container"),
        );
    }
    // `volumes_from` copies another service's mounts, once those are planned.
    for service in &project.services {
        for from in &service.volumes_from {
            let (source, read_only) = &from.value;
            let Some(mounts) = storage.mounts.get(source).cloned() else {
                if project.service(source).is_none() {
                    diagnostics.push(
                        Diagnostic::error("volumes-from-unknown", format!("service `{}` takes volumes from `{source}`, which is not a service", service.name.value))
                            .at(from.span)
                            .help("name a service of this project"),
                    );
                }
                continue;
            };
            for mut mount in mounts {
                mount.read_only |= *read_only;
                storage.mount(&service.name.value, mount);
            }
        }
    }
    // After `volumes_from`: Docker never hands a service's `/dev/shm` to another.
    for service in &project.services {
        shm(service, &mut storage);
    }
    for service in &project.services {
        plan_files(project, service, prefix, &mut storage, diagnostics);
    }
    storage
}

/// What the notes about mounts list, gathered over every service.
#[derive(Default)]
struct MountNotes {
    /// Host files copied into ConfigMaps and Secrets.
    copied: Vec<Copied>,
    /// Mounts that start empty, unlike a new Docker volume: (`service:path`, where).
    starts_empty: Vec<(String, crate::source::Span)>,
}

/// A host file copied into the manifests, for the note that lists them.
struct Copied {
    /// The bind mount's source as written.
    written: String,
    /// The file, relative to the source (a directory's entry), if any.
    entry: Option<String>,
    /// Its size in bytes.
    size: usize,
    /// `service:/path/in/container`.
    target: String,
    /// `ConfigMap NAME` or `Secret NAME`.
    object: String,
    /// Where the mount was written.
    span: crate::source::Span,
}

/// One note listing every file copied into a ConfigMap or Secret.
fn note_copied(copied: &[Copied], diagnostics: &mut Diagnostics) {
    let Some(first) = copied.first() else {
        return;
    };
    let list: Vec<String> = copied
        .iter()
        .map(|c| {
            let source = c
                .entry
                .as_ref()
                .map_or_else(|| c.written.clone(), |e| format!("{}/{e}", c.written));
            let target = c
                .entry
                .as_ref()
                .map_or_else(|| c.target.clone(), |e| format!("{}/{e}", c.target));
            format!("`{source}` ({} bytes) → `{target}` in {}", c.size, c.object)
        })
        .collect();
    diagnostics.push(
        Diagnostic::note(
            "bind-copied",
            format!(
                "{} bind-mounted file{} copied into the manifests: {}",
                copied.len(),
                if copied.len() == 1 { " is" } else { "s are" },
                list.join(", ")
            ),
        )
        .at(first.span)
        .help("their content is read now: convert again after changing them; check that nothing private is among them"),
    );
}

#[allow(clippy::too_many_lines)] // one arm per kind of mount
fn plan_mounts(
    project: &Project,
    service: &Service,
    prefix: &str,
    options: &StorageOptions,
    storage: &mut Storage,
    notes: &mut MountNotes,
    diagnostics: &mut Diagnostics,
) {
    let MountNotes {
        copied,
        starts_empty,
    } = notes;
    let owner = &service.name.value;
    for (index, mount) in service.mounts.iter().enumerate() {
        let (volume, sub_path) = match &mount.source {
            MountSource::Named(name) => {
                let Some(declared) = project.volume(name) else {
                    diagnostics.push(
                        Diagnostic::error("volume-undeclared", format!("service `{owner}` mounts volume `{name}`, which the top-level `volumes` does not declare"))
                            .at(mount.span)
                            .help(format!("add `volumes: {{{name}: {{}}}}` at the top level")),
                    );
                    continue;
                };
                let claim = if declared.external {
                    declared.real_name.clone().unwrap_or_else(|| name.clone())
                } else {
                    starts_empty.push((
                        format!("`{owner}:{}` (volume `{name}`)", mount.target),
                        mount.span,
                    ));
                    claim_name(declared, prefix)
                };
                (storage.volume(name, VolumeSource::Claim(claim)), None)
            }
            MountSource::Anonymous => {
                starts_empty.push((format!("`{owner}:{}`", mount.target), mount.span));
                (
                    storage.own_volume(
                        &format!("{owner}-anon-{index}"),
                        VolumeSource::EmptyDir {
                            memory: false,
                            size: None,
                        },
                    ),
                    None,
                )
            }
            MountSource::Tmpfs(size) => (
                storage.own_volume(
                    &format!("{owner}-tmpfs-{index}"),
                    VolumeSource::EmptyDir {
                        memory: true,
                        size: *size,
                    },
                ),
                None,
            ),
            MountSource::Bind {
                written,
                path,
                content,
            } => match content {
                HostContent::DockerSocket => {
                    diagnostics.push(
                        Diagnostic::error("docker-socket", format!("service `{owner}` mounts the Docker socket `{written}`; a cluster node has none to give"))
                            .at(mount.span)
                            .help("remove the mount; a container that drives Docker must be redesigned for Kubernetes"),
                    );
                    continue;
                }
                HostContent::File(text) => {
                    let file = path
                        .file_name()
                        .map_or_else(|| "file".to_string(), |f| f.to_string_lossy().into_owned());
                    let key = key_of(&file);
                    let name = config_map_for(
                        storage,
                        prefix,
                        owner,
                        path,
                        BTreeMap::from([(key.clone(), text.clone())]),
                    );
                    copied.push(Copied {
                        written: written.clone(),
                        entry: None,
                        size: text.len(),
                        target: format!("{owner}:{}", mount.target),
                        object: format!("ConfigMap `{name}`"),
                        span: mount.span,
                    });
                    (
                        storage.volume(&name, VolumeSource::ConfigMap(name.clone())),
                        Some(key),
                    )
                }
                HostContent::Directory(files) => {
                    let data: BTreeMap<String, String> =
                        files.iter().map(|(k, v)| (key_of(k), v.clone())).collect();
                    let name = config_map_for(storage, prefix, owner, path, data);
                    for (entry, text) in files {
                        copied.push(Copied {
                            written: written.clone(),
                            entry: Some(entry.clone()),
                            size: text.len(),
                            target: format!("{owner}:{}", mount.target),
                            object: format!("ConfigMap `{name}`"),
                            span: mount.span,
                        });
                    }
                    (
                        storage.volume(&name, VolumeSource::ConfigMap(name.clone())),
                        None,
                    )
                }
                HostContent::PrivateFile { content, why } => {
                    let file = path
                        .file_name()
                        .map_or_else(|| "file".to_string(), |f| f.to_string_lossy().into_owned());
                    let key = key_of(&file);
                    let name = secret_for(
                        storage,
                        prefix,
                        owner,
                        path,
                        BTreeMap::from([(key.clone(), content.clone())]),
                    );
                    diagnostics.push(
                        Diagnostic::note("bind-secret", format!("bind mount `{written}` of service `{owner}` looks private ({why}): it goes into Secret `{name}`, never a ConfigMap"))
                            .at(mount.span)
                            .help("keep the Secret out of version control, or create it in the cluster yourself and drop it from the output"),
                    );
                    copied.push(Copied {
                        written: written.clone(),
                        entry: None,
                        size: content.len(),
                        target: format!("{owner}:{}", mount.target),
                        object: format!("Secret `{name}`"),
                        span: mount.span,
                    });
                    (
                        storage.volume(&name, VolumeSource::Secret(name.clone())),
                        Some(key),
                    )
                }
                HostContent::PrivateDirectory { files, why } => {
                    let data: BTreeMap<String, Vec<u8>> =
                        files.iter().map(|(k, v)| (key_of(k), v.clone())).collect();
                    let name = secret_for(storage, prefix, owner, path, data);
                    diagnostics.push(
                        Diagnostic::note("bind-secret", format!("bind mount `{written}` of service `{owner}` holds a private-looking file ({why}): the directory goes into Secret `{name}`, never a ConfigMap"))
                            .at(mount.span)
                            .help("keep the Secret out of version control, or create it in the cluster yourself and drop it from the output"),
                    );
                    for (entry, content) in files {
                        copied.push(Copied {
                            written: written.clone(),
                            entry: Some(entry.clone()),
                            size: content.len(),
                            target: format!("{owner}:{}", mount.target),
                            object: format!("Secret `{name}`"),
                            span: mount.span,
                        });
                    }
                    (
                        storage.volume(&name, VolumeSource::Secret(name.clone())),
                        None,
                    )
                }
                HostContent::PrivateOutside(why) => {
                    diagnostics.push(
                        Diagnostic::error("bind-private", format!("bind mount `{written}` of service `{owner}` is outside the project directory and looks private ({why}); podlift copies it nowhere and will not mount a node's file in its place"))
                            .at(mount.span)
                            .help(format!("put it into a Secret yourself (`kubectl create secret generic NAME --from-file={}`) and mount that, or declare it under the top-level `secrets:` with `file:` and use it in the service's `secrets:` with `target: {}`", path.display(), mount.target)),
                    );
                    continue;
                }
                HostContent::Outside => {
                    let bind = NodeBind {
                        owner,
                        index,
                        path,
                        written: written.as_str(),
                        span: mount.span,
                    };
                    (
                        node_bind(&bind, None, prefix, options, storage, diagnostics),
                        None,
                    )
                }
                HostContent::Unportable(why) => {
                    let bind = NodeBind {
                        owner,
                        index,
                        path,
                        written: written.as_str(),
                        span: mount.span,
                    };
                    (
                        node_bind(
                            &bind,
                            Some(why.as_str()),
                            prefix,
                            options,
                            storage,
                            diagnostics,
                        ),
                        None,
                    )
                }
            },
        };
        storage.mount(
            owner,
            MountPlan {
                volume,
                path: mount.target.clone(),
                sub_path,
                read_only: mount.read_only,
            },
        );
    }
}

/// A bind mount whose content podlift does not carry: it stays on the node.
struct NodeBind<'a> {
    owner: &'a str,
    index: usize,
    path: &'a Path,
    written: &'a str,
    span: crate::source::Span,
}

/// A node's path as a hostPath, or an empty claim under `--bind-as pvc`;
/// `why` says why a path inside the project is not copied (`None`: it is
/// outside the project).
fn node_bind(
    bind: &NodeBind<'_>,
    why: Option<&str>,
    prefix: &str,
    options: &StorageOptions,
    storage: &mut Storage,
    diagnostics: &mut Diagnostics,
) -> String {
    let NodeBind {
        owner,
        index,
        path,
        written,
        span,
    } = *bind;
    if options.bind_as_claim {
        let claim = names::dns_label(&format!("{prefix}-{owner}-bind-{index}"), "data");
        let message = match why {
            None => format!(
                "bind mount `{written}` of service `{owner}` is outside the project directory: it becomes claim `{claim}`, which starts empty"
            ),
            Some(why) => format!(
                "bind mount `{written}` of service `{owner}` becomes claim `{claim}`, which starts empty: {why}"
            ),
        };
        diagnostics.push(
            Diagnostic::warning("bind-claim", message)
                .at(span)
                .help("copy the content into the claim before the service needs it"),
        );
        storage.claims.push(ClaimPlan {
            name: claim.clone(),
            size: options
                .claim_size
                .clone()
                .unwrap_or_else(|| DEFAULT_CLAIM_SIZE.to_string()),
            storage_class: options.storage_class.clone(),
        });
        return storage.volume(&format!("{owner}-bind-{index}"), VolumeSource::Claim(claim));
    }
    let host = path.to_string_lossy().into_owned();
    let message = match why {
        None => format!(
            "bind mount `{written}` of service `{owner}` is outside the project directory: it becomes hostPath `{host}`, which is not copied into the manifests"
        ),
        Some(why) => {
            format!("bind mount `{written}` of service `{owner}` becomes a hostPath: {why}")
        }
    };
    diagnostics.push(
        Diagnostic::warning("bind-host-path", message)
            .at(span)
            .help("the path must exist on the node that runs the Pod; prefer a named volume, or `--bind-as pvc`"),
    );
    storage.volume(
        &format!("{owner}-host-{index}"),
        VolumeSource::HostPath(host),
    )
}

fn config_map_for(
    storage: &mut Storage,
    prefix: &str,
    owner: &str,
    path: &Path,
    data: BTreeMap<String, String>,
) -> String {
    if let Some(existing) = storage.config_maps.iter().find(|c| c.data == data) {
        return existing.name.clone();
    }
    let stem = path
        .file_name()
        .map_or_else(|| "files".to_string(), |f| f.to_string_lossy().into_owned());
    let name = names::unique(
        &names::dns_label(&format!("{prefix}-{owner}-{stem}"), "files"),
        &mut storage.config_names,
    );
    storage.config_maps.push(ConfigMapPlan {
        name: name.clone(),
        data,
        binary: BTreeMap::new(),
    });
    name
}

fn secret_for(
    storage: &mut Storage,
    prefix: &str,
    owner: &str,
    path: &Path,
    data: BTreeMap<String, Vec<u8>>,
) -> String {
    if let Some(existing) = storage.secrets.iter().find(|s| s.data == data) {
        return existing.name.clone();
    }
    let stem = path
        .file_name()
        .map_or_else(|| "files".to_string(), |f| f.to_string_lossy().into_owned());
    let name = names::unique(
        &names::dns_label(&format!("{prefix}-{owner}-{stem}"), "files"),
        &mut storage.config_names,
    );
    storage.secrets.push(SecretPlan {
        name: name.clone(),
        data,
    });
    name
}

fn plan_files(
    project: &Project,
    service: &Service,
    prefix: &str,
    storage: &mut Storage,
    diagnostics: &mut Diagnostics,
) {
    let owner = &service.name.value;
    for (uses, is_secret) in [(&service.secrets, true), (&service.configs, false)] {
        let what = if is_secret { "secret" } else { "config" };
        for used in uses {
            let name = &used.source.value;
            let Some(object) = project.file_object(is_secret, name) else {
                diagnostics.push(
                    Diagnostic::error(if is_secret { "secret-undeclared" } else { "config-undeclared" }, format!("service `{owner}` uses {what} `{name}`, which is not declared at the top level"))
                        .at(used.source.span)
                        .help(format!("declare it under the top-level `{what}s:` with `file:`")),
                );
                continue;
            };
            let key = key_of(name);
            let object_name = names::dns_label(&format!("{prefix}-{what}-{name}"), what);
            // A config whose file looks private is kept as a Secret.
            let as_secret = is_secret || object.private.is_some();
            if let Some(content) = &object.content {
                if as_secret {
                    if storage.object_names.insert(object_name.clone()) {
                        if let (Some(why), false) = (object.private, is_secret) {
                            diagnostics.push(
                                Diagnostic::note("bind-secret", format!("config `{name}` looks private ({why}): it goes into Secret `{object_name}`, never a ConfigMap"))
                                    .at(object.name.span)
                                    .help("declare it under `secrets:` to say so, or create the Secret in the cluster yourself"),
                            );
                        }
                        storage.secrets.push(SecretPlan {
                            name: object_name.clone(),
                            data: BTreeMap::from([(key.clone(), content.clone())]),
                        });
                    }
                } else if storage.object_names.insert(object_name.clone()) {
                    let (data, binary) = match String::from_utf8(content.clone()) {
                        Ok(text) => (BTreeMap::from([(key.clone(), text)]), BTreeMap::new()),
                        Err(_) => (
                            BTreeMap::new(),
                            BTreeMap::from([(key.clone(), content.clone())]),
                        ),
                    };
                    storage.config_maps.push(ConfigMapPlan {
                        name: object_name.clone(),
                        data,
                        binary,
                    });
                }
            } else {
                diagnostics.push(
                    Diagnostic::warning("external-object", format!("{what} `{name}` is external or has no content podlift can read; the Pod expects a {} named `{object_name}` with key `{key}`", if is_secret { "Secret" } else { "ConfigMap" }))
                        .at(object.name.span)
                        .help("create it in the namespace before applying the manifests"),
                );
            }
            let source = if as_secret {
                VolumeSource::Secret(object_name.clone())
            } else {
                VolumeSource::ConfigMap(object_name.clone())
            };
            let volume = storage.volume(&object_name, source);
            let target = used.target.clone().map_or_else(
                || {
                    if is_secret {
                        format!("/run/secrets/{name}")
                    } else {
                        format!("/{name}")
                    }
                },
                |t| {
                    if is_secret && !t.starts_with('/') {
                        format!("/run/secrets/{t}")
                    } else {
                        t
                    }
                },
            );
            storage.mount(
                owner,
                MountPlan {
                    volume,
                    path: target,
                    sub_path: Some(key),
                    read_only: true,
                },
            );
        }
    }
}
