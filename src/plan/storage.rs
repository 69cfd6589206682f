//! Storage plan: Pod volumes, their mounts, and the ConfigMaps, Secrets and
//! claims behind them.

use foldhash::{HashMap, HashSet};
use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
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
    /// Lookups that keep planning linear: volume (its place in `volumes`,
    /// which only grows) by source, names in use.
    by_source: HashMap<VolumeSource, usize>,
    volume_names: names::Taken,
    config_names: names::Taken,
    /// PersistentVolumeClaim names in use, and the claim of each named
    /// volume: a bind mount's claim never takes another's name, also
    /// when a long project name cuts them to 63 characters.
    claim_names: names::Taken,
    volume_claims: HashMap<String, String>,
    /// The `emptyDir` of each named volume in memory (`type: tmpfs`).
    memory_volumes: HashMap<String, String>,
    object_names: HashSet<String>,
    /// ConfigMaps and Secrets by the hash of their data (indices), so that
    /// files with the same data share one without comparing every pair.
    config_by_data: HashMap<u64, Vec<usize>>,
    secret_by_data: HashMap<u64, Vec<usize>>,
}

impl Storage {
    fn volume(&mut self, name: &str, source: VolumeSource) -> String {
        let existing = self.by_source.get(&source);
        if let Some(volume) = existing.and_then(|&i| self.volumes.get(i)) {
            return volume.name.clone();
        }
        let name = self.volume_names.unique(&names::dns_label(name, "volume"));
        self.by_source.insert(source.clone(), self.volumes.len());
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

    /// The `emptyDir` in memory of named volume `name` (`type: tmpfs`),
    /// one per Pod, shared by the services that mount it; `span` (where it
    /// is mounted) is for the note on services split apart.
    fn memory_volume(
        &mut self,
        name: &str,
        size: Option<u64>,
        span: crate::source::Span,
    ) -> String {
        if let Some(volume) = self.memory_volumes.get(name) {
            return volume.clone();
        }
        let volume = self.own_volume(name, VolumeSource::EmptyDir { memory: true, size });
        self.memory_volumes.insert(name.to_string(), volume.clone());
        self.writable
            .insert(volume.clone(), (format!("volume {name}"), span));
        volume
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
        None => names::dns_label(&[prefix, "-", &volume.name.value].concat(), "data"),
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
        if volume.real_name.is_none() && !volume.external && volume.memory.is_none() {
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
        if !volume.external && volume.memory.is_none() {
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
                Code::VolumeStartsEmpty,
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
                            Diagnostic::warning(Code::KeyNotCarried, format!("`volumes_from: container:{source}` of service `{}` is not carried over: container `{source}` is no service of this project, and a container outside the project does not exist in the cluster", service.name.value))
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
                        Diagnostic::error(Code::VolumesFromUnknown, format!("service `{}` takes volumes from `{source}`, which is not a service", service.name.value))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::collections::BTreeMap;

    use super::{
        BindAs, ClaimSize, KeyItem, Storage, StorageOptions, VolumeSource, key_of, plan_storage,
    };
    use crate::diagnostic::Diagnostics;
    use crate::model::volume::HostContent;
    use crate::model::{MountSource, Project};

    fn project(text: &str) -> Project {
        let (project, diagnostics) = crate::plan::project_text(text);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        project
    }

    fn storage_of(project: &Project, options: &StorageOptions) -> (Storage, Diagnostics) {
        let mut diagnostics = Diagnostics::default();
        let storage = plan_storage(project, "p", options, &mut diagnostics);
        (storage, diagnostics)
    }

    fn plan(text: &str) -> (Storage, Diagnostics) {
        storage_of(&project(text), &StorageOptions::default())
    }

    /// Each finding as `code: message`.
    fn findings(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .items()
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    }

    /// The one finding of `code`, as `code: message`.
    fn finding(diagnostics: &Diagnostics, code: &str) -> String {
        let found: Vec<String> = findings(diagnostics)
            .into_iter()
            .filter(|f| f.starts_with(&format!("{code}: ")))
            .collect();
        assert_eq!(found.len(), 1, "{:?}", findings(diagnostics));
        found[0].clone()
    }

    /// A service's mounts as `path ← volume[:subPath][ (ro)]`.
    fn mounts(storage: &Storage, service: &str) -> Vec<String> {
        storage.mounts.get(service).map_or_else(Vec::new, |mounts| {
            mounts
                .iter()
                .map(|m| {
                    let sub = m
                        .sub_path
                        .as_ref()
                        .map_or_else(String::new, |s| format!(":{s}"));
                    let ro = if m.read_only { " (ro)" } else { "" };
                    format!("{} ← {}{sub}{ro}", m.path, m.volume)
                })
                .collect()
        })
    }

    fn source<'a>(storage: &'a Storage, volume: &str) -> &'a VolumeSource {
        &storage
            .volumes
            .iter()
            .find(|v| v.name == volume)
            .unwrap_or_else(|| panic!("no volume {volume}: {:?}", storage.volumes))
            .source
    }

    fn claims(storage: &Storage) -> Vec<(String, String, Option<String>)> {
        storage
            .claims
            .iter()
            .map(|c| (c.name.clone(), c.size.to_string(), c.storage_class.clone()))
            .collect()
    }

    /// Gives the `index`th mount of `service` (a bind) what load would have read.
    fn bind_holds(project: &mut Project, service: &str, index: usize, held: HostContent) {
        let service = project
            .services
            .iter_mut()
            .find(|s| s.name.value == service)
            .unwrap();
        let MountSource::Bind { content, .. } = &mut service.mounts[index].source else {
            panic!("not a bind: {:?}", service.mounts[index]);
        };
        *content = held;
    }

    #[test]
    fn a_claims_size_is_its_own_then_the_options_then_1gi() {
        let text = "services:
  app:
    image: a
    volumes: [data:/data, logs:/logs, old:/old]
volumes:
  data: {x-podlift: {size: 5Gi, storage-class: fast}}
  logs: {}
  old: {external: true, name: legacy}
";
        let (storage, _) = plan(text);
        assert_eq!(
            claims(&storage),
            [
                ("p-data".into(), "5Gi".into(), Some("fast".into())),
                ("p-logs".into(), "1Gi".into(), None),
            ]
        );
        let options = StorageOptions {
            claim_size: ClaimSize::parse("20Gi"),
            storage_class: Some("slow".into()),
            ..StorageOptions::default()
        };
        let (storage, _) = storage_of(&project(text), &options);
        assert_eq!(
            claims(&storage),
            [
                ("p-data".into(), "5Gi".into(), Some("fast".into())),
                ("p-logs".into(), "20Gi".into(), Some("slow".into())),
            ]
        );
        // The external volume is mounted by its real name, never created.
        assert_eq!(
            source(&storage, "old"),
            &VolumeSource::Claim("legacy".into())
        );
        assert_eq!(
            mounts(&storage, "app"),
            ["/data ← data", "/logs ← logs", "/old ← old"]
        );
    }

    #[test]
    fn a_volumes_own_name_wins_and_no_other_claim_takes_it() {
        // `p-cache` is `shared`'s name as written; the volume `cache`,
        // which would be `p-cache`, takes the next free name.
        let text = "services:
  app:
    image: a
    volumes: [cache:/c, shared:/s, twin:/t]
volumes:
  cache: {}
  shared: {name: p-cache}
  twin: {name: p-cache}
";
        let (storage, diagnostics) = plan(text);
        let names: std::collections::BTreeSet<String> =
            claims(&storage).into_iter().map(|c| c.0).collect();
        assert_eq!(
            names,
            ["p-cache", "p-cache-2"].map(String::from).into(),
            "{diagnostics:?}"
        );
        // Two volumes of one `name:` share one disk (one Pod volume), as
        // under Docker.
        assert_eq!(
            mounts(&storage, "app"),
            ["/c ← cache", "/s ← shared", "/t ← shared"]
        );
        assert_eq!(
            source(&storage, "cache"),
            &VolumeSource::Claim("p-cache-2".into())
        );
    }

    #[test]
    fn an_undeclared_volume_is_an_error_naming_service_and_volume() {
        let (storage, diagnostics) = plan("services:\n  app: {image: a, volumes: [nope:/x]}\n");
        assert_eq!(
            finding(&diagnostics, "volume-undeclared"),
            "volume-undeclared: service `app` mounts volume `nope`, which the top-level `volumes` does not declare"
        );
        assert!(mounts(&storage, "app").is_empty());
    }

    #[test]
    fn tmpfs_and_anonymous_volumes_are_each_mounts_own_empty_dir() {
        let text = "services:
  app:
    image: a
    tmpfs: [/run:size=1k]
    volumes: [/cache, /cache2]
  b:
    image: b
    volumes: [/cache]
";
        let (storage, diagnostics) = plan(text);
        assert_eq!(
            mounts(&storage, "app"),
            [
                "/run ← app-tmpfs-0",
                "/cache ← app-anon-1",
                "/cache2 ← app-anon-2"
            ]
        );
        assert_eq!(mounts(&storage, "b"), ["/cache ← b-anon-0"]);
        assert_eq!(
            source(&storage, "app-tmpfs-0"),
            &VolumeSource::EmptyDir {
                memory: true,
                size: Some(1024)
            }
        );
        assert_eq!(
            source(&storage, "b-anon-0"),
            &VolumeSource::EmptyDir {
                memory: false,
                size: None
            }
        );
        // One note lists every mount that starts empty, unlike Docker's.
        let note = finding(&diagnostics, "volume-starts-empty");
        assert!(
            note.starts_with(
                "volume-starts-empty: `app:/cache`, `app:/cache2`, `b:/cache` start empty"
            ),
            "{note}"
        );
    }

    #[test]
    fn shm_size_is_a_memory_volume_unless_the_service_mounts_dev_shm_itself() {
        let text = "services:
  app: {image: a, shm_size: 256m}
  own: {image: o, shm_size: 1g, tmpfs: [/dev/shm]}
  reader: {image: r, volumes_from: [app]}
";
        let (storage, _) = plan(text);
        assert_eq!(mounts(&storage, "app"), ["/dev/shm ← app-shm"]);
        assert_eq!(
            source(&storage, "app-shm"),
            &VolumeSource::EmptyDir {
                memory: true,
                size: Some(256 * 1024 * 1024)
            }
        );
        assert_eq!(mounts(&storage, "own"), ["/dev/shm ← own-tmpfs-0"]);
        // Docker never hands a service's `/dev/shm` to another.
        assert!(mounts(&storage, "reader").is_empty());
    }

    #[test]
    fn volumes_from_copies_the_mounts_and_ro_makes_them_read_only() {
        let text = "services:
  db: {image: d, volumes: [data:/data]}
  backup: {image: b, volumes_from: ['db:ro']}
  twin: {image: t, volumes_from: [db]}
  lost: {image: l, volumes_from: [nobody, 'container:elsewhere']}
volumes: {data: {}}
";
        let (storage, diagnostics) = plan(text);
        assert_eq!(mounts(&storage, "backup"), ["/data ← data (ro)"]);
        assert_eq!(mounts(&storage, "twin"), ["/data ← data"]);
        assert!(mounts(&storage, "lost").is_empty());
        assert_eq!(
            finding(&diagnostics, "volumes-from-unknown"),
            "volumes-from-unknown: service `lost` takes volumes from `nobody`, which is not a service"
        );
        assert!(
            finding(&diagnostics, "key-not-carried").contains(
                "`volumes_from: container:elsewhere` of service `lost` is not carried over"
            ),
            "{:?}",
            findings(&diagnostics)
        );
    }

    #[test]
    fn secrets_and_configs_mount_one_key_where_compose_puts_them() {
        let text = "services:
  app:
    image: a
    secrets: [token, {source: token, target: other}, {source: token, target: /abs/t, mode: 0o400}]
    configs: [conf, {source: conf, target: /etc/app.conf}]
  web:
    image: w
    configs: [conf]
secrets: {token: {environment: TOKEN}}
configs: {conf: {content: 'level = info'}}
";
        let mut project = project(text);
        project.secrets[0].content = Some(b"s3cret".to_vec());
        let (storage, diagnostics) = storage_of(&project, &StorageOptions::default());
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        assert_eq!(
            mounts(&storage, "app"),
            [
                "/run/secrets/token ← p-secret-token:token (ro)",
                "/run/secrets/other ← p-secret-token:token (ro)",
                "/abs/t ← p-secret-token-2:token (ro)",
                "/conf ← p-config-conf:conf (ro)",
                "/etc/app.conf ← p-config-conf:conf (ro)",
            ]
        );
        // The ConfigMap two services use is one object, one volume.
        assert_eq!(mounts(&storage, "web"), ["/conf ← p-config-conf:conf (ro)"]);
        assert_eq!(storage.config_maps.len(), 1);
        assert_eq!(
            storage.config_maps[0].data,
            BTreeMap::from([("conf".to_string(), "level = info".to_string())])
        );
        assert_eq!(storage.secrets.len(), 1);
        assert_eq!(storage.secrets[0].name, "p-secret-token");
        // `mode` goes on the key of its own projection.
        assert_eq!(
            source(&storage, "p-secret-token-2"),
            &VolumeSource::Secret(
                "p-secret-token".into(),
                vec![KeyItem {
                    key: "token".into(),
                    path: "token".into(),
                    mode: Some(0o400)
                }]
            )
        );
    }

    #[test]
    fn an_undeclared_or_unread_file_object_is_reported_by_kind() {
        let text = "services:
  app:
    image: a
    secrets: [missing, outside]
    configs: [gone]
secrets: {outside: {external: true}}
";
        let (storage, diagnostics) = plan(text);
        assert_eq!(
            finding(&diagnostics, "secret-undeclared"),
            "secret-undeclared: service `app` uses secret `missing`, which is not declared at the top level"
        );
        assert_eq!(
            finding(&diagnostics, "config-undeclared"),
            "config-undeclared: service `app` uses config `gone`, which is not declared at the top level"
        );
        assert_eq!(
            finding(&diagnostics, "external-object"),
            "external-object: secret `outside` is external or has no content podlift can read; the Pod expects a Secret named `p-secret-outside` with key `outside`"
        );
        // The external one is still mounted: the cluster provides it.
        assert_eq!(
            mounts(&storage, "app"),
            ["/run/secrets/outside ← p-secret-outside:outside (ro)"]
        );
        assert!(storage.secrets.is_empty());
    }

    #[test]
    fn a_private_looking_or_binary_config_never_becomes_configmap_text() {
        let text = "services:
  app: {image: a, configs: [key, blob]}
configs:
  key: {content: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n'}
  blob: {content: x}
";
        let mut project = project(text);
        project.configs[1].content = Some(vec![0xff, 0xfe, 0]);
        let (storage, diagnostics) = storage_of(&project, &StorageOptions::default());
        assert_eq!(storage.secrets.len(), 1, "{:?}", findings(&diagnostics));
        assert_eq!(storage.secrets[0].name, "p-config-key");
        assert!(
            finding(&diagnostics, "bind-secret")
                .starts_with("bind-secret: config `key` looks private"),
            "{:?}",
            findings(&diagnostics)
        );
        let blob = &storage.config_maps[0];
        assert_eq!(blob.name, "p-config-blob");
        assert!(blob.data.is_empty());
        assert_eq!(blob.binary["blob"], [0xff, 0xfe, 0]);
    }

    const BINDS: &str = "services:
  app:
    image: a
    volumes: ['./app.conf:/etc/app.conf:ro', './conf:/etc/conf:ro', './key:/k:ro']
  web:
    image: w
    volumes: ['./same.conf:/etc/web.conf:ro']
";

    #[test]
    fn bind_mounted_files_go_into_configmaps_or_secrets_under_their_host_names() {
        let mut project = project(BINDS);
        bind_holds(&mut project, "app", 0, HostContent::File("x = 1\n".into()));
        bind_holds(
            &mut project,
            "app",
            1,
            HostContent::Directory(BTreeMap::from([
                ("a b.txt".to_string(), "1".to_string()),
                ("a:b.txt".to_string(), "2".to_string()),
            ])),
        );
        bind_holds(
            &mut project,
            "app",
            2,
            HostContent::PrivateFile {
                content: b"KEY".to_vec(),
                why: "a private key",
            },
        );
        // The same text under another file name is other data (the key is
        // the file name): a ConfigMap of its own.
        bind_holds(&mut project, "web", 0, HostContent::File("x = 1\n".into()));
        let (storage, diagnostics) = storage_of(&project, &StorageOptions::default());
        assert!(!diagnostics.has_errors(), "{:?}", findings(&diagnostics));
        let config_maps: Vec<(&str, Vec<&str>)> = storage
            .config_maps
            .iter()
            .map(|c| (c.name.as_str(), c.data.keys().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            config_maps,
            [
                ("p-app-app-conf", vec!["app.conf"]),
                ("p-app-conf", vec!["a_b.txt", "a_b.txt-2"]),
                ("p-web-same-conf", vec!["same.conf"]),
            ]
        );
        // Each file keeps its host name in the container.
        let VolumeSource::ConfigMap(_, items) = source(&storage, mounts_volume(&storage, "app", 1))
        else {
            panic!("{:?}", storage.volumes);
        };
        let paths: Vec<(&str, &str)> = items
            .iter()
            .map(|i| (i.key.as_str(), i.path.as_str()))
            .collect();
        assert_eq!(paths, [("a_b.txt", "a b.txt"), ("a_b.txt-2", "a:b.txt")]);
        assert_eq!(storage.secrets.len(), 1);
        assert_eq!(storage.secrets[0].data["key"], b"KEY");
        assert!(
            finding(&diagnostics, "bind-secret").contains("looks private (a private key)"),
            "{:?}",
            findings(&diagnostics)
        );
        let copied = finding(&diagnostics, "bind-copied");
        assert!(
            copied.starts_with("bind-copied: 5 bind-mounted files are copied into the manifests: `./app.conf` (6 bytes) → `app:/etc/app.conf` in ConfigMap `p-app-app-conf`"),
            "{copied}"
        );
    }

    fn mounts_volume<'a>(storage: &'a Storage, service: &str, index: usize) -> &'a str {
        &storage.mounts[service][index].volume
    }

    #[test]
    fn two_binds_of_the_same_file_share_one_configmap() {
        let text = "services:
  app: {image: a, volumes: ['./same.conf:/a.conf:ro']}
  web: {image: w, volumes: ['./same.conf:/w.conf:ro']}
";
        let mut project = project(text);
        bind_holds(&mut project, "app", 0, HostContent::File("x".into()));
        bind_holds(&mut project, "web", 0, HostContent::File("x".into()));
        let (storage, _) = storage_of(&project, &StorageOptions::default());
        assert_eq!(storage.config_maps.len(), 1);
        assert_eq!(
            mounts(&storage, "app"),
            ["/a.conf ← p-app-same-conf:same.conf (ro)"]
        );
        assert_eq!(
            mounts(&storage, "web"),
            ["/w.conf ← p-app-same-conf:same.conf (ro)"]
        );
    }

    #[test]
    fn a_node_path_is_a_host_path_or_with_bind_as_pvc_an_empty_claim() {
        let text = "services:
  app:
    image: a
    volumes: ['/srv/data:/data', '/etc/localtime:/etc/localtime:ro']
";
        let mut project = project(text);
        bind_holds(&mut project, "app", 0, HostContent::Outside);
        bind_holds(&mut project, "app", 1, HostContent::Outside);
        let (storage, diagnostics) = storage_of(&project, &StorageOptions::default());
        assert_eq!(
            source(&storage, mounts_volume(&storage, "app", 0)),
            &VolumeSource::HostPath("/srv/data".into())
        );
        assert!(
            finding(&diagnostics, "bind-host-path").contains("it becomes hostPath `/srv/data`"),
            "{:?}",
            findings(&diagnostics)
        );
        // The time zone idiom is a note of its own.
        assert!(
            finding(&diagnostics, "bind-host-time").contains("gives it the node's time zone"),
            "{:?}",
            findings(&diagnostics)
        );
        let options = StorageOptions {
            bind_as: BindAs::Claim,
            ..StorageOptions::default()
        };
        let (storage, diagnostics) = storage_of(&project, &options);
        assert_eq!(
            source(&storage, mounts_volume(&storage, "app", 0)),
            &VolumeSource::Claim("p-app-bind-0".into())
        );
        assert_eq!(
            claims(&storage)[0],
            ("p-app-bind-0".into(), "1Gi".into(), None)
        );
        assert!(
            findings(&diagnostics)
                .iter()
                .any(|f| f.starts_with("bind-claim: bind mount `/srv/data` of service `app` is outside the project directory: it becomes claim `p-app-bind-0`")),
            "{:?}",
            findings(&diagnostics)
        );
    }

    #[test]
    fn the_docker_socket_is_refused_with_an_override_that_keeps_the_other_mounts() {
        let text = "services:
  agent:
    image: a
    volumes: ['/var/run/docker.sock:/var/run/docker.sock', 'data:/data:ro', /cache]
volumes: {data: {}}
";
        let mut project = project(text);
        bind_holds(&mut project, "agent", 0, HostContent::DockerSocket);
        let (storage, diagnostics) = storage_of(&project, &StorageOptions::default());
        assert_eq!(
            finding(&diagnostics, "docker-socket"),
            "docker-socket: service `agent` mounts the Docker socket `/var/run/docker.sock`; a cluster node has none to give"
        );
        let help = diagnostics.items()[0].help.clone().unwrap_or_default();
        assert!(
            help.contains("volumes: !override\n          - data:/data:ro\n          - /cache"),
            "{help}"
        );
        assert_eq!(
            mounts(&storage, "agent"),
            ["/data ← data (ro)", "/cache ← agent-anon-2"]
        );
    }

    #[test]
    fn keys_keep_what_kubernetes_allows_and_never_start_with_two_dots() {
        for (name, key) in [
            ("app.conf", "app.conf"),
            ("a b:c", "a_b_c"),
            ("", "file"),
            (".", "file"),
            ("..", "file"),
            ("..data", "_..data"),
            ("é", "_"),
        ] {
            assert_eq!(key_of(name), key, "{name:?}");
        }
    }
}
