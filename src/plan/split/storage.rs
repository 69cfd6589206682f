//! Each group's part of the project's storage.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;

use crate::plan::storage::{Seed, Storage, VolumeSource};
use crate::plan::{ContainerPlan, PodPlan};

/// Positions of the project's storage objects by name, made once so
/// that picking each group's part does not go through all of them.
pub(super) struct StorageIndex<'a> {
    all: &'a Storage,
    volumes: HashMap<&'a str, Vec<usize>>,
    claims: HashMap<&'a str, Vec<usize>>,
    config_maps: HashMap<&'a str, Vec<usize>>,
    secrets: HashMap<&'a str, Vec<usize>>,
}

impl<'a> StorageIndex<'a> {
    pub(super) fn new(all: &'a Storage) -> Self {
        fn by_name<'a, T>(
            items: &'a [T],
            name: impl Fn(&'a T) -> &'a str,
        ) -> HashMap<&'a str, Vec<usize>> {
            let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                index.entry(name(item)).or_default().push(i);
            }
            index
        }
        Self {
            all,
            volumes: by_name(&all.volumes, |v| v.name.as_str()),
            claims: by_name(&all.claims, |c| c.name.as_str()),
            config_maps: by_name(&all.config_maps, |c| c.name.as_str()),
            secrets: by_name(&all.secrets, |s| s.name.as_str()),
        }
    }
}

/// The items of `items` at the positions `index` holds for `name`.
pub(super) fn named<'a, T: Clone + 'a>(
    items: &'a [T],
    index: &'a HashMap<&str, Vec<usize>>,
    name: &str,
) -> impl Iterator<Item = T> + 'a {
    index
        .get(name)
        .into_iter()
        .flatten()
        .filter_map(|&i| items.get(i).cloned())
}

/// The part of the storage a group's containers use, in the project's order.
pub(super) fn storage_for(index: &StorageIndex<'_>, containers: &[ContainerPlan]) -> Storage {
    let all = index.all;
    let mounted: HashSet<&str> = containers
        .iter()
        .flat_map(|c| c.details.mounts.iter())
        .map(|m| m.volume.as_str())
        .collect();
    // A writable bind's volume brings the copy of its files, and the
    // ConfigMap or Secret volume the copy reads.
    let seeds: Vec<&Seed> = all
        .seeds
        .iter()
        .filter(|s| mounted.contains(s.volume.as_str()))
        .collect();
    let mut used: Vec<usize> = mounted
        .iter()
        .copied()
        .chain(seeds.iter().map(|s| s.from.as_str()))
        .filter_map(|v| index.volumes.get(v))
        .flatten()
        .copied()
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut storage = Storage::default();
    storage.seeds = seeds.into_iter().cloned().collect();
    storage.copy_image.clone_from(&all.copy_image);
    storage.writable = all
        .writable
        .iter()
        .filter(|(v, _)| mounted.contains(v.as_str()))
        .map(|(v, w)| (v.clone(), w.clone()))
        .collect();
    for volume in used.into_iter().filter_map(|i| all.volumes.get(i)) {
        storage.volumes.push(volume.clone());
        match &volume.source {
            VolumeSource::Claim(name) => {
                storage
                    .claims
                    .extend(named(&all.claims, &index.claims, name))
            }
            // Two volumes may project one object (different `items`): once.
            VolumeSource::ConfigMap(name, _) => {
                if !storage.config_maps.iter().any(|c| &c.name == name) {
                    storage
                        .config_maps
                        .extend(named(&all.config_maps, &index.config_maps, name));
                }
            }
            VolumeSource::Secret(name, _) => {
                if !storage.secrets.iter().any(|c| &c.name == name) {
                    storage
                        .secrets
                        .extend(named(&all.secrets, &index.secrets, name));
                }
            }
            VolumeSource::EmptyDir { .. } | VolumeSource::HostPath(_) => {}
        }
    }
    for container in containers {
        if let Some(mounts) = all.mounts.get(&container.service) {
            storage
                .mounts
                .insert(container.service.clone(), mounts.clone());
        }
    }
    storage
}

/// Services in different Pods that mount one writable bind's directory, or
/// one named volume in memory: each Pod gets its own `emptyDir` of it (a
/// claim is one volume, shared as the cluster allows). One note lists them.
pub(crate) fn note_unshared(pods: &[PodPlan], diagnostics: &mut Diagnostics) {
    // volume → (written, where, Pods)
    let mut by_volume: BTreeMap<&str, (&str, Span, Vec<&str>)> = BTreeMap::new();
    for pod in pods {
        for (volume, (written, span)) in &pod.storage.writable {
            let empty_dir =
                pod.storage.volumes.iter().any(|v| {
                    &v.name == volume && matches!(v.source, VolumeSource::EmptyDir { .. })
                });
            if empty_dir {
                by_volume
                    .entry(volume.as_str())
                    .or_insert((written.as_str(), *span, Vec::new()))
                    .2
                    .push(pod.name.as_str());
            }
        }
    }
    let apart: Vec<(&str, Span, Vec<&str>)> = by_volume
        .into_values()
        .filter(|(_, _, pods)| pods.len() > 1)
        .collect();
    let Some((_, span, _)) = apart.first() else {
        return;
    };
    let list: Vec<String> = apart
        .iter()
        .map(|(written, _, pods)| {
            let pods: Vec<String> = pods.iter().map(|p| format!("`{p}`")).collect();
            format!("`{written}` in Pods {}", pods.join(", "))
        })
        .collect();
    diagnostics.push(
        Diagnostic::note(
            Code::BindNotShared,
            format!(
                "services in different Pods share one directory or volume in memory, and each Pod gets its own emptyDir of it: {}; what one writes there, the others do not see",
                list.join("; ")
            ),
        )
        .at(*span)
        .help("if they exchange files through it, keep them in one Pod (`x-podlift.group`, or `--strategy pod`), or mount a named volume whose storage class gives ReadWriteMany"),
    );
}
