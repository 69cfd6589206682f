//! A Kustomize base: the objects as files, and a `kustomization.yaml` that
//! lists them, names the images (so an overlay can retag them) and sets the
//! common labels.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::render::RenderedObject;
use crate::render::labels;

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

/// `kustomization.yaml` could not be serialised.
#[derive(Debug, thiserror::Error)]
#[error("cannot write kustomization.yaml: {0}")]
pub struct KustomizeError(crate::yaml_writer::Error);

/// A Kustomize base being written: the files so far and the images their
/// workloads use.
#[derive(Debug, Default)]
pub struct Base {
    resources: Vec<String>,
    images: BTreeSet<String>,
}

impl Base {
    /// Records an object written as the file `name`.
    pub fn add(&mut self, name: String, rendered: &RenderedObject) {
        self.resources.push(name);
        for image in rendered.images() {
            self.images.insert(image_name(image).to_string());
        }
    }

    /// Records an object written as the file `name`, listed before the
    /// others (the Namespace, rendered last).
    pub fn add_first(&mut self, name: String, rendered: &RenderedObject) {
        self.add(name, rendered);
        self.resources.rotate_right(1);
    }

    /// The `kustomization.yaml` that lists the files, names every image
    /// without tag or digest, sorted (so an overlay can retag them), and
    /// re-sets the label every object already carries.
    ///
    /// # Errors
    /// When it cannot be serialised.
    pub fn kustomization(self) -> Result<String, KustomizeError> {
        let kustomization = Kustomization {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            resources: self.resources,
            labels: vec![LabelSet {
                // The labels every object already carries: an overlay's objects keep them.
                pairs: std::collections::BTreeMap::from([(
                    labels::MANAGED_BY.to_string(),
                    labels::MANAGER.to_string(),
                )]),
                include_selectors: false,
            }],
            images: self.images.into_iter().map(|name| Image { name }).collect(),
        };
        crate::yaml_writer::to_string(&kustomization).map_err(KustomizeError)
    }
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
