//! A Kustomize base: the objects as files, and a `kustomization.yaml` that
//! lists them, names the images (so an overlay can retag them) and sets the
//! common labels.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use crate::emit::{File, file_name, to_yaml};
use crate::render::{Object, labels};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization {
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<String>,
    labels: Vec<LabelSet>,
    images: Vec<Image>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LabelSet {
    pairs: std::collections::BTreeMap<String, String>,
    include_selectors: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Image {
    name: String,
}

/// The files of the base.
///
/// # Errors
/// When an object cannot be serialised.
pub fn files(objects: &[Object], _project: &str) -> Result<Vec<File>, String> {
    let mut files = Vec::new();
    let mut resources = Vec::new();
    for object in objects {
        let name = file_name(object, "yaml");
        files.push((PathBuf::from(&name), to_yaml(object)?));
        resources.push(name);
    }
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources,
        labels: vec![LabelSet {
            // The labels every object already carries: an overlay's objects keep them.
            pairs: std::collections::BTreeMap::from([(
                labels::MANAGED_BY.to_string(),
                labels::MANAGER.to_string(),
            )]),
            include_selectors: false,
        }],
        images: images(objects)
            .into_iter()
            .map(|name| Image { name })
            .collect(),
    };
    let text = serde_saphyr::to_string(&kustomization)
        .map_err(|e| format!("cannot write kustomization.yaml: {e}"))?;
    files.push((PathBuf::from("kustomization.yaml"), text));
    Ok(files)
}

/// Every image the workload uses, without tag or digest, sorted.
fn images(objects: &[Object]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for object in objects {
        let Some(spec) = object.workload().and_then(|w| w.pod_spec) else {
            continue;
        };
        for container in spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
        {
            if let Some(image) = &container.image {
                out.insert(image_name(image).to_string());
            }
        }
    }
    out
}

/// `registry/repo:tag@digest` → `registry/repo` (a port's `:` stays).
#[must_use]
pub fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rfind(':') {
        Some(colon) if !without_digest[colon..].contains('/') => &without_digest[..colon],
        _ => without_digest,
    }
}
