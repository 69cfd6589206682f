//! Volumes and claims.

use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, EmptyDirVolumeSource, HostPathVolumeSource, KeyToPath,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, SecretVolumeSource, Volume,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::init_script;
use crate::plan::AddressMap;
use crate::plan::storage::{ClaimPlan, KeyItem, VolumePlan, VolumeSource};
use crate::render::quantity;
use crate::render::workload::one_entry;

pub(crate) fn claim_spec(claim: &ClaimPlan) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".to_string()]),
        resources: Some(VolumeResourceRequirements {
            requests: Some(one_entry("storage", Quantity(claim.size.to_string()))),
            limits: None,
        }),
        storage_class_name: claim.storage_class.clone(),
        ..PersistentVolumeClaimSpec::default()
    }
}

/// The Pod volume that carries the project's address map.
pub(crate) fn map_volume(map: &AddressMap) -> Volume {
    Volume {
        name: init_script::MAP_VOLUME.to_string(),
        config_map: Some(ConfigMapVolumeSource {
            name: map.name.clone(),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    }
}

pub(crate) fn volume(v: &VolumePlan) -> Volume {
    let mut out = Volume {
        name: v.name.clone(),
        ..Volume::default()
    };
    match &v.source {
        VolumeSource::Claim(claim) => {
            out.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.clone(),
                read_only: None,
            });
        }
        VolumeSource::ConfigMap(name, items) => {
            out.config_map = Some(ConfigMapVolumeSource {
                name: name.clone(),
                items: key_items(items),
                ..ConfigMapVolumeSource::default()
            });
        }
        VolumeSource::Secret(name, items) => {
            out.secret = Some(SecretVolumeSource {
                secret_name: Some(name.clone()),
                items: key_items(items),
                ..SecretVolumeSource::default()
            });
        }
        VolumeSource::EmptyDir { memory, size } => {
            out.empty_dir = Some(EmptyDirVolumeSource {
                medium: memory.then(|| "Memory".to_string()),
                size_limit: size.map(|s| Quantity(quantity::of_bytes(s))),
            });
        }
        VolumeSource::HostPath(path) => {
            out.host_path = Some(HostPathVolumeSource {
                path: path.clone(),
                type_: None,
            });
        }
    }
    out
}

/// `items` of a ConfigMap or Secret volume: `None` projects every key
/// under its own name.
fn key_items(items: &[KeyItem]) -> Option<Vec<KeyToPath>> {
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(|item| KeyToPath {
                key: item.key.clone(),
                path: item.path.clone(),
                mode: item.mode.and_then(|m| i32::try_from(m).ok()),
            })
            .collect()
    })
}
