//! Each group's part of the one-Pod plan's storage.

use std::collections::HashMap;

use crate::plan::ContainerPlan;
use crate::plan::storage::{Storage, VolumeSource};

/// Positions of the one-Pod plan's storage objects by name, made once so
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

/// The part of the storage a group's containers use, in the one-Pod plan's order.
pub(super) fn storage_for(index: &StorageIndex<'_>, containers: &[ContainerPlan]) -> Storage {
    let all = index.all;
    let mut used: Vec<usize> = containers
        .iter()
        .flat_map(|c| c.details.mounts.iter())
        .filter_map(|m| index.volumes.get(m.volume.as_str()))
        .flatten()
        .copied()
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut storage = Storage::default();
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
