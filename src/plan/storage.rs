//! Storage plan: Pod volumes, their mounts, and the ConfigMaps, Secrets and
//! claims behind them.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::service::Service;
use crate::model::{ClaimSize, Project};
use crate::plan::names;

mod files;
mod mounts;
mod node;
mod writable;

use files::plan_files;
use mounts::{MountNotes, note_copied, plan_mounts};
pub use writable::COPY_INIT_NAME;

/// Default size of a claim made for a named volume.
pub const DEFAULT_CLAIM_SIZE: ClaimSize = ClaimSize::DEFAULT;

/// The user's storage choices.
#[derive(Clone, Debug, Default)]
pub struct StorageOptions {
    /// `--volume-size`: claim size when the volume sets none.
    pub claim_size: Option<ClaimSize>,
    /// `--storage-class`.
    pub storage_class: Option<String>,
    /// `--bind-as`: what a bind mount that cannot be copied becomes, and
    /// (`pvc`) whether a writable one of the project's files is a claim.
    pub bind_as: BindAs,
    /// `--bind-root`: the node's directory that stands for the project
    /// directory, for relative bind mounts that cannot be carried.
    pub bind_root: Option<String>,
}

/// What a bind mount becomes when its content cannot be copied into the
/// manifests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BindAs {
    /// A path on the node (`hostPath`).
    #[default]
    HostPath,
    /// An empty PersistentVolumeClaim.
    Claim,
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
    /// A ConfigMap by name, and the keys it projects (all, under their own
    /// names, when empty).
    ConfigMap(String, Vec<KeyItem>),
    /// A Secret by name, and the keys it projects.
    Secret(String, Vec<KeyItem>),
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

/// The object that carries files into the Pod: a ConfigMap, or a Secret
/// for what is (or looks) private.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
    ConfigMap,
    Secret,
}

impl Holder {
    /// Its kind, as Kubernetes spells it.
    const fn kind(self) -> &'static str {
        match self {
            Self::ConfigMap => "ConfigMap",
            Self::Secret => "Secret",
        }
    }

    /// The Pod volume that projects the keys `items` of the object `name`
    /// (every key under its own name when empty).
    const fn volume(self, name: String, items: Vec<KeyItem>) -> VolumeSource {
        match self {
            Self::ConfigMap => VolumeSource::ConfigMap(name, items),
            Self::Secret => VolumeSource::Secret(name, items),
        }
    }
}

/// One key of a ConfigMap or Secret volume: the file it becomes, and its mode.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyItem {
    /// The key.
    pub key: String,
    /// The file's path in the volume.
    pub path: String,
    /// Its permission bits (`items[].mode`), the default when `None`.
    pub mode: Option<u32>,
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

/// A writable bind mount's files, copied by the copy init container from
/// their ConfigMap or Secret into the volume the services write, before
/// any of them starts; a file already there is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    /// The Pod volume the services mount (an `emptyDir` or a claim).
    pub volume: String,
    /// The Pod volume that projects the ConfigMap or Secret (every key under
    /// its own name); only the copy mounts it.
    pub from: String,
    /// The files: `key` in `from`, `path` in `volume`, `mode` its
    /// permission bits (`0644` when `None`).
    pub files: Vec<KeyItem>,
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

impl StorageOptions {
    /// The size of a claim: its own (a volume's `x-podlift.size`), else
    /// `--volume-size`, else [`DEFAULT_CLAIM_SIZE`].
    fn claim_size(&self, own: Option<&ClaimSize>) -> ClaimSize {
        own.or(self.claim_size.as_ref())
            .cloned()
            .unwrap_or(DEFAULT_CLAIM_SIZE)
    }
}

/// A PersistentVolumeClaim to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPlan {
    /// Its name.
    pub name: String,
    /// Requested size.
    pub size: ClaimSize,
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
    /// Writable bind mounts' files to copy into their volumes.
    pub seeds: Vec<Seed>,
    /// The copy init container's image.
    pub copy_image: String,
    /// Claims another Pod of the plan mounts too (split and auto): a
    /// Pod-wide `fsGroup` for one of them would regroup it at every start
    /// of either Pod.
    pub shared_claims: std::collections::BTreeSet<String>,
    /// Writable volumes made for bind mounts: volume → the bind's source as
    /// written, and where.
    pub writable: BTreeMap<String, (String, crate::source::Span)>,
    /// The writable volume of each bind mount's host path (and whether it is a claim).
    by_bind: HashMap<std::path::PathBuf, String>,
    /// Host paths some service writes and keeps in a claim (`pvc`): every
    /// service that mounts one shares that claim.
    claimed_paths: HashSet<std::path::PathBuf>,
    /// Host paths some service mounts writable: a `:ro` mount of one shares
    /// its volume, so it sees what the writer writes, as under compose.
    written_paths: HashSet<std::path::PathBuf>,
    /// Lookups that keep planning linear: volume by source, names in use.
    by_source: HashMap<VolumeSource, String>,
    volume_names: names::Taken,
    config_names: names::Taken,
    /// PersistentVolumeClaim names in use, and the claim of each named
    /// volume: a bind mount's claim never takes another's name, also
    /// when a long project name cuts them to 63 characters.
    claim_names: names::Taken,
    volume_claims: HashMap<String, String>,
    object_names: HashSet<String>,
    /// ConfigMaps and Secrets by the hash of their data (indices), so that
    /// files with the same data share one without comparing every pair.
    config_by_data: HashMap<u64, Vec<usize>>,
    secret_by_data: HashMap<u64, Vec<usize>>,
}

impl Storage {
    fn volume(&mut self, name: &str, source: VolumeSource) -> String {
        if let Some(existing) = self.by_source.get(&source) {
            return existing.clone();
        }
        let name = self.volume_names.unique(&names::dns_label(name, "volume"));
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
        let name = self.volume_names.unique(&names::dns_label(name, "volume"));
        self.volumes.push(VolumePlan {
            name: name.clone(),
            source,
        });
        name
    }

    /// The claim of named volume `volume`, as [`plan_storage`] chose it.
    fn volume_claim(&self, volume: &crate::model::volume::Volume, prefix: &str) -> String {
        self.volume_claims
            .get(&volume.name.value)
            .cloned()
            .unwrap_or_else(|| claim_name(volume, prefix))
    }

    /// A new claim's name: `wanted` as a label, made unique among every
    /// claim of the project (`-2`, `-3`, … kept within 63 characters).
    fn new_claim(&mut self, wanted: &str) -> String {
        self.claim_names.unique(&names::dns_label(wanted, "data"))
    }

    fn mount(&mut self, service: &str, mount: MountPlan) {
        self.mounts
            .entry(service.to_string())
            .or_default()
            .push(mount);
    }
}

/// A ConfigMap or Secret key from a file name (`[-._a-zA-Z0-9]`).
pub(super) fn key_of(name: &str) -> String {
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
    } else if key.starts_with("..") {
        // Kubernetes refuses a key that starts with `..`.
        format!("_{key}")
    } else {
        key
    }
}

/// The claim of a volume podlift creates: its `name:` when it has one (compose
/// then uses that name as is, without the project prefix), else
/// `<project>-<key>`.
pub(super) fn claim_name(volume: &crate::model::volume::Volume, prefix: &str) -> String {
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

/// The claim name of every named volume, recorded so that no bind mount's
/// claim takes one.
fn name_claims(project: &Project, prefix: &str, storage: &mut Storage) {
    // Names given in the file (`name:`, external claims) first, as they
    // are: two volumes of one `name:` share one disk, as under Docker.
    for volume in &project.volumes {
        if volume.external {
            let claim = volume
                .real_name
                .clone()
                .unwrap_or_else(|| volume.name.value.clone());
            storage.claim_names.take(&claim);
        } else if volume.real_name.is_some() {
            let claim = claim_name(volume, prefix);
            storage.claim_names.take(&claim);
            storage
                .volume_claims
                .insert(volume.name.value.clone(), claim);
        }
    }
    for volume in &project.volumes {
        if volume.real_name.is_none() && !volume.external {
            let claim = storage.claim_names.unique(&claim_name(volume, prefix));
            storage
                .volume_claims
                .insert(volume.name.value.clone(), claim);
        }
    }
}

/// Plans every volume, secret and config of the project.
pub fn plan_storage(
    project: &Project,
    prefix: &str,
    options: &StorageOptions,
    diagnostics: &mut Diagnostics,
) -> Storage {
    let mut storage = Storage::default();
    name_claims(project, prefix, &mut storage);
    for volume in &project.volumes {
        if !volume.external {
            storage.claims.push(ClaimPlan {
                name: storage.volume_claim(volume, prefix),
                size: options.claim_size(volume.size.as_ref()),
                storage_class: volume
                    .storage_class
                    .clone()
                    .or_else(|| options.storage_class.clone()),
            });
        }
    }
    // Services in the order of their names, not the file's: a ConfigMap or
    // Secret that several services share is named after the first of them
    // that mounts it, and must keep its name when a service is added or moved.
    let mut by_name: Vec<&Service> = project.services.iter().collect();
    by_name.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    writable::mark_paths(project, options, &mut storage);
    let mut notes = MountNotes::default();
    let scope = mounts::Scope {
        project,
        prefix,
        options,
    };
    for service in by_name.iter().copied() {
        plan_mounts(scope, service, &mut storage, &mut notes, diagnostics);
    }
    let MountNotes {
        copied,
        starts_empty,
        writable,
    } = notes;
    note_copied(&copied, diagnostics);
    writable::note_writable(&writable, &storage, diagnostics);
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
            let read_only = from.value.read_only();
            let crate::model::VolumesFrom {
                source, container, ..
            } = &from.value;
            // `container:NAME` names a container: a service's
            // `container_name` (or its name), as Docker finds it; compose
            // accepts any, and one outside the project is not carried.
            let owner = if *container {
                match crate::plan::addresses::container_target(project, source) {
                    Some(target) => target.name.value.as_str(),
                    None => {
                        diagnostics.push(
                            Diagnostic::warning("key-not-carried", format!("`volumes_from: container:{source}` of service `{}` is not carried over: container `{source}` is no service of this project, and a container outside the project does not exist in the cluster", service.name.value))
                                .at(from.span)
                                .help("mount the volumes the service needs under `volumes:`, or take them from a service of this project"),
                        );
                        continue;
                    }
                }
            } else {
                source.as_str()
            };
            let Some(mounts) = storage.mounts.get(owner).cloned() else {
                if project.service(owner).is_none() {
                    diagnostics.push(
                        Diagnostic::error("volumes-from-unknown", format!("service `{}` takes volumes from `{source}`, which is not a service", service.name.value))
                            .at(from.span)
                            .help("name a service of this project"),
                    );
                }
                continue;
            };
            for mut mount in mounts {
                mount.read_only |= read_only;
                storage.mount(&service.name.value, mount);
            }
        }
    }
    // After `volumes_from`: Docker never hands a service's `/dev/shm` to another.
    for service in &project.services {
        shm(service, &mut storage);
    }
    for service in by_name {
        plan_files(project, service, prefix, &mut storage, diagnostics);
    }
    storage
}
