//! The objects of the output and the workload view of them.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolumeClaim, Pod, PodSpec, Secret, Service,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// One Kubernetes object of the output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// Files and settings.
    ConfigMap(Box<ConfigMap>),
    /// Secret files.
    Secret(Box<Secret>),
    /// Storage for a named volume.
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    /// A compose service's published ports.
    Service(Box<Service>),
    /// The namespace, with its Pod Security level (`--create-namespace`).
    Namespace(Box<Namespace>),
    /// The workload.
    Deployment(Box<Deployment>),
    /// The workload, `--controller statefulset`.
    StatefulSet(Box<StatefulSet>),
    /// The workload, `--controller pod`.
    Pod(Box<Pod>),
    /// Which Pods may reach a Pod (split strategy), as compose's networks.
    NetworkPolicy(Box<NetworkPolicy>),
}

/// A workload's name, kind and Pod, whatever object carries it.
#[derive(Clone, Copy, Debug)]
pub struct Workload<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `kind`.
    pub kind: &'static str,
    /// The Pod's metadata (the template's, or the Pod's own).
    pub pod_metadata: Option<&'a ObjectMeta>,
    /// The Pod's spec.
    pub pod_spec: Option<&'a PodSpec>,
    /// Where the Pod spec sits in the object, as YAML keys.
    pub spec_path: &'static [&'static str],
}

impl Object {
    /// `kind` of the object.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::ConfigMap(_) => "ConfigMap",
            Self::Secret(_) => "Secret",
            Self::PersistentVolumeClaim(_) => "PersistentVolumeClaim",
            Self::Service(_) => "Service",
            Self::Namespace(_) => "Namespace",
            Self::Deployment(_) => "Deployment",
            Self::StatefulSet(_) => "StatefulSet",
            Self::Pod(_) => "Pod",
            Self::NetworkPolicy(_) => "NetworkPolicy",
        }
    }

    /// `metadata.name` of the object.
    #[must_use]
    pub fn name(&self) -> &str {
        let metadata = match self {
            Self::ConfigMap(o) => &o.metadata,
            Self::Secret(o) => &o.metadata,
            Self::PersistentVolumeClaim(o) => &o.metadata,
            Self::Service(o) => &o.metadata,
            Self::Namespace(o) => &o.metadata,
            Self::Deployment(o) => &o.metadata,
            Self::StatefulSet(o) => &o.metadata,
            Self::Pod(o) => &o.metadata,
            Self::NetworkPolicy(o) => &o.metadata,
        };
        metadata.name.as_deref().unwrap_or("")
    }

    /// The Pod spec of a Deployment, StatefulSet or Pod, to change.
    pub(crate) fn pod_spec_mut(&mut self) -> Option<&mut PodSpec> {
        match self {
            Self::Deployment(d) => d.spec.as_mut()?.template.spec.as_mut(),
            Self::StatefulSet(s) => s.spec.as_mut()?.template.spec.as_mut(),
            Self::Pod(p) => p.spec.as_mut(),
            Self::ConfigMap(_)
            | Self::Secret(_)
            | Self::PersistentVolumeClaim(_)
            | Self::Service(_)
            | Self::NetworkPolicy(_)
            | Self::Namespace(_) => None,
        }
    }

    /// The workload view of a Deployment, StatefulSet or Pod.
    #[must_use]
    pub fn workload(&self) -> Option<Workload<'_>> {
        const TEMPLATE: &[&str] = &["spec", "template", "spec"];
        let (kind, template, path) = match self {
            Self::Deployment(d) => ("Deployment", d.spec.as_ref().map(|s| &s.template), TEMPLATE),
            Self::StatefulSet(s) => (
                "StatefulSet",
                s.spec.as_ref().map(|s| &s.template),
                TEMPLATE,
            ),
            Self::Pod(p) => {
                return Some(Workload {
                    name: self.name(),
                    kind: "Pod",
                    pod_metadata: Some(&p.metadata),
                    pod_spec: p.spec.as_ref(),
                    spec_path: &["spec"],
                });
            }
            Self::ConfigMap(_)
            | Self::Secret(_)
            | Self::PersistentVolumeClaim(_)
            | Self::Service(_)
            | Self::NetworkPolicy(_)
            | Self::Namespace(_) => {
                return None;
            }
        };
        Some(Workload {
            name: self.name(),
            kind,
            pod_metadata: template.and_then(|t| t.metadata.as_ref()),
            pod_spec: template.and_then(|t| t.spec.as_ref()),
            spec_path: path,
        })
    }
}

/// One object of the output as rendered: whole, ready to write.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct RenderedObject {
    object: Object,
}

impl RenderedObject {
    pub(crate) const fn new(object: Object) -> Self {
        Self { object }
    }

    /// The object.
    #[must_use]
    pub const fn object(&self) -> &Object {
        &self.object
    }

    /// The object, owned.
    #[must_use]
    pub fn into_object(self) -> Object {
        self.object
    }

    /// The image of every init container and container of a workload (none
    /// for other objects), in the Pod's order.
    pub fn images(&self) -> impl Iterator<Item = &str> + '_ {
        self.object
            .workload()
            .and_then(|w| w.pod_spec)
            .into_iter()
            .flat_map(|spec| {
                spec.init_containers
                    .iter()
                    .flatten()
                    .chain(&spec.containers)
            })
            .filter_map(|c| c.image.as_deref())
    }
}
