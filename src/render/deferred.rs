//! A workload's containers and volumes, rendered one at a time while written.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Container, PersistentVolumeClaim, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::plan::address_map::AddressMap;
use crate::plan::storage::{ClaimPlan, VolumePlan, VolumeSource};
use crate::plan::{PodPlan, Role};
use crate::render::container::{container, loopback_container};
use crate::render::object::Object;
use crate::render::volume::{claim_spec, map_volume, volume};

/// The containers and volumes of a workload's Pod, rendered on demand.
#[derive(Clone, Debug)]
pub struct PodLists<'p> {
    plan: &'p PodPlan,
    /// Claims that become a StatefulSet's claim templates (each replica gets
    /// its own), by name; empty for other controllers.
    templates: HashMap<&'p str, &'p ClaimPlan>,
    /// Whether the containers were written in place of the empty list.
    containers_written: std::cell::Cell<bool>,
}

impl<'p> PodLists<'p> {
    pub(crate) fn new(plan: &'p PodPlan, statefulset: bool) -> Self {
        let templates = if statefulset {
            plan.storage
                .claims
                .iter()
                .map(|c| (c.name.as_str(), c))
                .collect()
        } else {
            HashMap::new()
        };
        Self {
            plan,
            templates,
            containers_written: std::cell::Cell::new(false),
        }
    }

    fn template_claim(&self, volume: &VolumePlan) -> Option<&'p ClaimPlan> {
        match &volume.source {
            VolumeSource::Claim(name) => self.templates.get(name.as_str()).copied(),
            _ => None,
        }
    }

    fn volume_plans(&self) -> impl Iterator<Item = &'p VolumePlan> + '_ {
        self.plan
            .storage
            .volumes
            .iter()
            .filter(|v| self.template_claim(v).is_none())
    }

    pub(crate) fn has_init(&self) -> bool {
        self.plan.loopback.is_some()
            || self
                .plan
                .containers
                .iter()
                .any(|c| c.role != Role::Container)
    }

    pub(crate) fn has_volumes(&self) -> bool {
        self.volume_plans().next().is_some() || self.map().is_some()
    }

    /// The project's address map, if this Pod's init container reads it.
    fn map(&self) -> Option<&'p AddressMap> {
        self.plan.loopback.as_ref()?.map.as_deref()
    }

    /// The init containers: the loopback init, then one-shot jobs and sidecars.
    pub fn init_containers(&self) -> impl Iterator<Item = Container> + '_ {
        self.plan.loopback.iter().map(loopback_container).chain(
            self.plan
                .containers
                .iter()
                .filter(|c| c.role != Role::Container)
                .map(container),
        )
    }

    /// The containers.
    pub fn containers(&self) -> impl Iterator<Item = Container> + '_ {
        self.plan
            .containers
            .iter()
            .filter(|c| c.role == Role::Container)
            .map(container)
    }

    /// The image of every container and init container, from the plan
    /// (without rendering the containers).
    pub fn images(&self) -> impl Iterator<Item = &'p str> + '_ {
        self.plan
            .loopback
            .iter()
            .map(|init| init.image.as_str())
            .chain(self.plan.containers.iter().map(|c| c.image.as_str()))
    }

    /// The Pod's volumes (without those a StatefulSet makes from templates).
    pub fn volumes(&self) -> impl Iterator<Item = Volume> + '_ {
        self.volume_plans()
            .map(volume)
            .chain(self.map().map(map_volume))
    }

    pub(crate) fn claim_templates(&self) -> Vec<PersistentVolumeClaim> {
        self.plan
            .storage
            .volumes
            .iter()
            .filter_map(|volume| {
                let claim = self.template_claim(volume)?;
                Some(PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some(volume.name.clone()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(claim_spec(claim)),
                    status: None,
                })
            })
            .collect()
    }

    /// The workload with its lists in place.
    #[must_use]
    pub fn fill(&self, mut object: Object) -> Object {
        if let Some(spec) = object.pod_spec_mut() {
            if spec.init_containers.is_some() {
                spec.init_containers = Some(self.init_containers().collect());
            }
            spec.containers = self.containers().collect();
            if spec.volumes.is_some() {
                spec.volumes = Some(self.volumes().collect());
            }
        }
        object
    }

    /// Whether [`Self::field`] was asked for the containers: a workload
    /// written without them would silently have none.
    #[must_use]
    pub fn containers_written(&self) -> bool {
        self.containers_written.get()
    }

    /// What to write for a field of the Pod spec that is left empty until
    /// written: `initContainers`, `containers` or `volumes`.
    #[must_use]
    pub fn field(&self, key: &str) -> Option<List<'_, 'p>> {
        let kind = match key {
            "initContainers" => ListKind::InitContainers,
            "containers" => ListKind::Containers,
            "volumes" => ListKind::Volumes,
            _ => return None,
        };
        Some(List { lists: self, kind })
    }
}

#[derive(Clone, Copy, Debug)]
enum ListKind {
    InitContainers,
    Containers,
    Volumes,
}

/// One of a Pod's lists, serialised an item at a time.
#[derive(Clone, Copy, Debug)]
pub struct List<'a, 'p> {
    lists: &'a PodLists<'p>,
    kind: ListKind,
}

impl Serialize for List<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.kind {
            ListKind::InitContainers => serializer.collect_seq(self.lists.init_containers()),
            ListKind::Containers => {
                self.lists.containers_written.set(true);
                serializer.collect_seq(self.lists.containers())
            }
            ListKind::Volumes => serializer.collect_seq(self.lists.volumes()),
        }
    }
}
