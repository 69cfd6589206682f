//! A workload's Pod lists (init containers, containers, volumes, a
//! StatefulSet's claim templates), rendered from the plan one item at a
//! time: [`crate::render::workload::build`] collects them into the object
//! within the object-size limit, and a workload refused as too large is
//! checked from them one at a time (see [`crate::render::pod_security`]),
//! never held whole.

use foldhash::{HashMap, HashMapExt};
use k8s_openapi::api::core::v1::{Container, PersistentVolumeClaim, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::plan::AddressMap;
use crate::plan::storage::{ClaimPlan, VolumePlan, VolumeSource};
use crate::plan::{Controller, PodPlan, Role};
use crate::render::container::{container, loopback_container};
use crate::render::copy::copy_container;
use crate::render::copy_up;
use crate::render::volume::{claim_spec, map_volume, volume};
use crate::render::wait::wait_container;

/// The containers and volumes of a workload's Pod, rendered on demand.
#[derive(Clone, Debug)]
pub struct PodLists<'p> {
    plan: &'p PodPlan,
    /// Claims that become a StatefulSet's claim templates (each replica gets
    /// its own), by name; empty for other controllers.
    templates: HashMap<&'p str, &'p ClaimPlan>,
}

impl<'p> PodLists<'p> {
    /// The lists of `plan`'s Pod under `controller` (a StatefulSet makes
    /// its claims templates).
    pub(crate) fn new(plan: &'p PodPlan, controller: Controller) -> Self {
        let templates = if controller == Controller::StatefulSet {
            plan.storage
                .claims
                .iter()
                .map(|c| (c.name.as_str(), c))
                .collect()
        } else {
            HashMap::new()
        };
        Self { plan, templates }
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
            || self.plan.wait.is_some()
            || !self.plan.storage.seeds.is_empty()
            || copy_up::has_copy_up(self.plan)
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

    /// The init containers: the copy into writable bind volumes, the
    /// loopback init, the copy-ups, the wait for peers in other Pods, then
    /// one-shot jobs and sidecars.
    pub fn init_containers(&self) -> impl Iterator<Item = Container> + '_ {
        copy_container(self.plan)
            .into_iter()
            .chain(self.plan.loopback.iter().map(loopback_container))
            .chain(copy_up::copy_up_containers(self.plan))
            .chain(self.plan.wait.iter().map(wait_container))
            .chain(
                self.plan
                    .containers
                    .iter()
                    .filter(|c| c.role != Role::Container)
                    .map(container),
            )
    }

    /// How many items [`Self::init_containers`] yields: the lists are
    /// collected into vectors of this capacity, so the large `Container`s
    /// are never moved by a growing vector, and no room is left over.
    pub(crate) fn init_len(&self) -> usize {
        let plan = self.plan;
        usize::from(!plan.storage.seeds.is_empty())
            + usize::from(plan.loopback.is_some())
            + (plan.containers.iter())
                .map(|c| c.details.copy_up.len())
                .sum::<usize>()
            + usize::from(plan.wait.is_some())
            + plan.containers.len()
            - self.containers_len()
    }

    /// How many items [`Self::containers`] yields.
    pub(crate) fn containers_len(&self) -> usize {
        (self.plan.containers.iter())
            .filter(|c| c.role == Role::Container)
            .count()
    }

    /// How many items [`Self::volumes`] yields.
    pub(crate) fn volumes_len(&self) -> usize {
        self.volume_plans().count() + usize::from(self.map().is_some())
    }

    /// The containers.
    pub fn containers(&self) -> impl Iterator<Item = Container> + '_ {
        self.plan
            .containers
            .iter()
            .filter(|c| c.role == Role::Container)
            .map(container)
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
}
