//! A workload's containers and volumes, rendered one at a time while the
//! workload is written.
//!
//! A workload object is rendered with empty `initContainers`, `containers`
//! and `volumes`; [`PodLists`] renders them from the plan, one container or
//! volume at a time, so a 10,000-container Pod never exists in memory as a
//! whole. [`RenderedObject`] writes the object through a serializer wrapper
//! that passes everything on unchanged except those three fields of the Pod
//! spec, which it takes from the lists.
//!
//! The contract between the object and its lists is the set of fields in
//! [`ListField`], named once here: serde hands a serializer only struct and
//! field names, so the wrapper matches k8s-openapi's `PodSpec` by them. Two
//! checks keep it honest: a unit test that k8s-openapi still writes those
//! names, and, on every write, that each list the object expects was
//! written (a Pod silently without its containers is an error instead).

mod splice;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Container, PersistentVolumeClaim, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::ser::{self, Serialize, Serializer};

use crate::plan::AddressMap;
use crate::plan::storage::{ClaimPlan, VolumePlan, VolumeSource};
use crate::plan::{PodPlan, Role};
use crate::render::container::{container, loopback_container};
use crate::render::copy::copy_container;
use crate::render::copy_up;
use crate::render::object::Object;
use crate::render::pod_security::PodCheck;
use crate::render::volume::{claim_spec, map_volume, volume};
use crate::render::wait::wait_container;
use splice::Spliced;

/// The containers and volumes of a workload's Pod, rendered on demand.
#[derive(Clone, Debug)]
pub struct PodLists<'p> {
    plan: &'p PodPlan,
    /// Claims that become a StatefulSet's claim templates (each replica gets
    /// its own), by name; empty for other controllers.
    templates: HashMap<&'p str, &'p ClaimPlan>,
    /// The lists written in place of the object's empty ones ([`ListField::bit`]).
    written: Cell<u8>,
    /// What sees every container and volume as it is written.
    check: RefCell<Option<PodCheck>>,
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
            written: Cell::new(0),
            check: RefCell::new(None),
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
        let copy = &self.plan.storage;
        (!copy.seeds.is_empty())
            .then_some(copy.copy_image.as_str())
            .into_iter()
            .chain(self.plan.loopback.iter().map(|init| init.image.as_str()))
            .chain(self.plan.wait.iter().map(|wait| wait.image.as_str()))
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
    fn fill(&self, mut object: Object) -> Object {
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

    /// The lists the object leaves empty for these to fill.
    fn expected(&self) -> u8 {
        let mut bits = ListField::Containers.bit();
        if self.has_init() {
            bits |= ListField::InitContainers.bit();
        }
        if self.has_volumes() {
            bits |= ListField::Volumes.bit();
        }
        bits
    }

    /// The first expected list that was not written, if any.
    fn missing(&self) -> Option<ListField> {
        let missing = self.expected() & !self.written.get();
        ListField::ALL.into_iter().find(|f| missing & f.bit() != 0)
    }

    /// What to write for a field of the Pod spec that is left empty until
    /// written.
    fn field(&self, key: &str) -> Option<List<'_, 'p>> {
        ListField::of(key).map(|field| List { lists: self, field })
    }
}

/// The serde name of k8s-openapi's Pod spec struct.
const POD_SPEC: &str = "PodSpec";

/// A field of the Pod spec that a workload object leaves empty and
/// [`PodLists`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListField {
    InitContainers,
    Containers,
    Volumes,
}

impl ListField {
    const ALL: [Self; 3] = [Self::InitContainers, Self::Containers, Self::Volumes];

    /// The field's serde name in `PodSpec`.
    const fn key(self) -> &'static str {
        match self {
            Self::InitContainers => "initContainers",
            Self::Containers => "containers",
            Self::Volumes => "volumes",
        }
    }

    fn of(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    const fn bit(self) -> u8 {
        match self {
            Self::InitContainers => 1,
            Self::Containers => 2,
            Self::Volumes => 4,
        }
    }
}

/// One of a Pod's lists, serialised an item at a time.
#[derive(Clone, Copy, Debug)]
struct List<'a, 'p> {
    lists: &'a PodLists<'p>,
    field: ListField,
}

impl Serialize for List<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let lists = self.lists;
        lists.written.set(lists.written.get() | self.field.bit());
        let check = &lists.check;
        let container = |init: bool| {
            move |c: &Container| {
                if let Some(check) = check.borrow_mut().as_mut() {
                    check.container(c, init);
                }
            }
        };
        match self.field {
            ListField::InitContainers => {
                serializer.collect_seq(lists.init_containers().inspect(container(true)))
            }
            ListField::Containers => {
                serializer.collect_seq(lists.containers().inspect(container(false)))
            }
            ListField::Volumes => serializer.collect_seq(lists.volumes().inspect(|v| {
                if let Some(check) = check.borrow_mut().as_mut() {
                    check.volume(v);
                }
            })),
        }
    }
}

/// One object of the output, ready to write: a workload comes with the
/// lists that are rendered while it is written.
#[derive(Debug)]
pub struct RenderedObject<'p> {
    object: Object,
    lists: Option<PodLists<'p>>,
}

impl<'p> RenderedObject<'p> {
    pub(crate) const fn new(object: Object, lists: Option<PodLists<'p>>) -> Self {
        Self { object, lists }
    }

    /// The object; a workload's containers and volumes are empty here (they
    /// are written by serialising `self`, or in place by [`Self::into_object`]).
    #[must_use]
    pub const fn object(&self) -> &Object {
        &self.object
    }

    /// The image of every container and init container of a workload (none
    /// for other objects), without rendering the containers.
    pub fn images(&self) -> impl Iterator<Item = &'p str> + '_ {
        self.lists.iter().flat_map(PodLists::images)
    }

    /// The complete object, its lists in place.
    #[must_use]
    pub fn into_object(self) -> Object {
        match self.lists {
            Some(lists) => lists.fill(self.object),
            None => self.object,
        }
    }

    /// The workload's lists, for the checks of [`crate::render`].
    pub(crate) const fn lists(&self) -> Option<&PodLists<'p>> {
        self.lists.as_ref()
    }

    /// Has `check` see the workload's containers and volumes while it is
    /// written; false (and nothing changed) for other objects.
    pub(crate) fn watch(&self, check: PodCheck) -> bool {
        match &self.lists {
            Some(lists) => {
                *lists.check.borrow_mut() = Some(check);
                true
            }
            None => false,
        }
    }

    /// The check [`Self::watch`] installed, when it saw every list the
    /// object has (the object was written to its end).
    pub(crate) fn watched(&self) -> Option<PodCheck> {
        let lists = self.lists.as_ref()?;
        let check = lists.check.borrow_mut().take()?;
        lists.missing().is_none().then_some(check)
    }
}

impl Serialize for RenderedObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.lists {
            Some(lists) => {
                let written = Spliced {
                    value: &self.object,
                    lists,
                }
                .serialize(serializer)?;
                // If k8s-openapi's names ever change, fail instead of writing
                // a Pod without its containers.
                match lists.missing() {
                    None => Ok(written),
                    Some(field) => Err(ser::Error::custom(format!(
                        "the Pod's {0} were not written (podlift bug: render::deferred no longer finds `{POD_SPEC}.{0}`)",
                        field.key()
                    ))),
                }
            }
            None => self.object.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::{ListField, POD_SPEC, RenderedObject};
    use crate::plan::{PlanOptions, plan_text};
    use crate::render::part::Part;
    use crate::render::pod_security::Level;
    use crate::render::{Object, RenderOptions};

    #[test]
    fn a_workload_written_without_its_containers_is_an_error() {
        let (pod, _) = plan_text(
            "services:\n  app:\n    image: busybox\n",
            &PlanOptions::default(),
        );
        let options = RenderOptions::default();
        let rendered = Part::Workload(&pod).render(&options, Level::Privileged);
        let text = serde_saphyr::to_string(&rendered).unwrap();
        assert!(text.contains("image: busybox"), "{text}");
        // fresh lists with an object that has no PodSpec to splice them into
        let RenderedObject { object, lists } =
            Part::Workload(&pod).render(&options, Level::Privileged);
        let Object::Deployment(mut deployment) = object else {
            panic!("a Deployment");
        };
        deployment.spec = None;
        let broken = RenderedObject {
            object: Object::Deployment(deployment),
            lists,
        };
        let err = serde_saphyr::to_string(&broken).unwrap_err();
        assert!(
            err.to_string().contains("containers were not written"),
            "{err}"
        );
    }

    /// Records the name of the struct a value is serialised as.
    struct Name(Option<&'static str>);
    impl serde::Serializer for &mut Name {
        type Ok = ();
        type Error = std::fmt::Error;
        type SerializeSeq = serde::ser::Impossible<(), std::fmt::Error>;
        type SerializeTuple = serde::ser::Impossible<(), std::fmt::Error>;
        type SerializeTupleStruct = serde::ser::Impossible<(), std::fmt::Error>;
        type SerializeTupleVariant = serde::ser::Impossible<(), std::fmt::Error>;
        type SerializeMap = serde::ser::Impossible<(), std::fmt::Error>;
        type SerializeStruct = serde::ser::Impossible<(), std::fmt::Error>;
        type SerializeStructVariant = serde::ser::Impossible<(), std::fmt::Error>;
        fn serialize_struct(
            self,
            name: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStruct, std::fmt::Error> {
            self.0 = Some(name);
            Err(std::fmt::Error)
        }
        fn serialize_bool(self, _: bool) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_i8(self, _: i8) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_i16(self, _: i16) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_i32(self, _: i32) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_i64(self, _: i64) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_u8(self, _: u8) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_u16(self, _: u16) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_u32(self, _: u32) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_u64(self, _: u64) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_f32(self, _: f32) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_f64(self, _: f64) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_char(self, _: char) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_str(self, _: &str) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_none(self) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_unit(self) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
        ) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, std::fmt::Error> {
            Err(std::fmt::Error)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, std::fmt::Error> {
            Err(std::fmt::Error)
        }
    }

    #[test]
    fn k8s_openapi_writes_the_fields_the_lists_fill() {
        let spec = k8s_openapi::api::core::v1::PodSpec {
            init_containers: Some(Vec::new()),
            volumes: Some(Vec::new()),
            ..Default::default()
        };
        let value = serde_json::to_value(&spec).unwrap();
        for field in ListField::ALL {
            assert!(value.get(field.key()).is_some(), "{}: {value}", field.key());
        }
        let mut name = Name(None);
        let _ = spec.serialize(&mut name);
        assert_eq!(name.0, Some(POD_SPEC));
    }
}
