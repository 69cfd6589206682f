//! Rendering: Kubernetes objects from the [`PodPlan`] alone. Nothing here knows
//! compose syntax or `x-podlift` keys.

pub mod init_script;
pub mod labels;
pub mod network_policy;
pub mod pod_security;
pub mod process;
pub mod quantity;

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvVar, EnvVarSource, ExecAction, HostAlias, HostPathVolumeSource, Namespace,
    ObjectFieldSelector, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, Pod, PodDNSConfig, PodDNSConfigOption, PodSecurityContext,
    PodSpec, PodTemplateSpec, Probe as K8sProbe, ResourceRequirements, SeccompProfile, Secret,
    SecretVolumeSource, SecurityContext, Service, ServicePort, ServiceSpec, Sysctl, Volume,
    VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::model::image::PullPolicy;
use crate::plan::AddressMap;
use crate::plan::Probe;
use crate::plan::network_policy::PolicyPlan;
use crate::plan::storage::{
    ClaimPlan, ConfigMapPlan, MountPlan, SecretPlan, VolumePlan, VolumeSource,
};
use crate::plan::{ContainerPlan, LOOPBACK_INIT_NAME, LoopbackInit, PodPlan, Role, ServicePlan};

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

/// Which object runs the Pod: the plan stage's choice.
pub use crate::plan::Controller;

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

/// Choices that only affect object metadata.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// `metadata.namespace` of every object.
    pub namespace: Option<String>,
    /// Emit the Namespace object too.
    pub create_namespace: bool,
    /// The object that runs the Pod.
    pub controller: Controller,
    /// The Pod Security level the Namespace enforces (`--create-namespace`):
    /// the strictest the Pods satisfy ([`pod_security`]).
    pub pod_security: pod_security::Level,
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
    fn pod_spec_mut(&mut self) -> Option<&mut PodSpec> {
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

/// One object of the output, not rendered yet: what it is made from. Large
/// projects are written one object at a time from these.
#[derive(Clone, Copy, Debug)]
pub enum Part<'p> {
    /// The namespace (`--create-namespace`).
    Namespace(&'p PodPlan, &'p str),
    /// A ConfigMap.
    ConfigMap(&'p PodPlan, &'p ConfigMapPlan),
    /// The project's address map (split strategy), one ConfigMap for all Pods.
    AddressMap(&'p PodPlan, &'p AddressMap),
    /// A Secret.
    Secret(&'p PodPlan, &'p SecretPlan),
    /// A PersistentVolumeClaim.
    Claim(&'p PodPlan, &'p ClaimPlan),
    /// A Service.
    Service(&'p PodPlan, &'p ServicePlan),
    /// A Pod's NetworkPolicy.
    NetworkPolicy(&'p PodPlan, &'p PolicyPlan),
    /// The Deployment, StatefulSet or Pod.
    Workload(&'p PodPlan),
}

impl<'p> Part<'p> {
    /// `metadata.name` of the object.
    #[must_use]
    pub const fn name(&self) -> &'p str {
        match self {
            Self::Namespace(_, name) => name,
            Self::ConfigMap(_, config) => config.name.as_str(),
            Self::AddressMap(_, map) => map.name.as_str(),
            Self::Secret(_, secret) => secret.name.as_str(),
            Self::Claim(_, claim) => claim.name.as_str(),
            Self::Service(_, service) => service.name.as_str(),
            Self::NetworkPolicy(plan, _) | Self::Workload(plan) => plan.name.as_str(),
        }
    }

    /// Apply order: namespace, configuration and storage, Services, workloads.
    const fn rank(&self) -> u8 {
        match self {
            Self::Namespace(..) => 0,
            Self::ConfigMap(..) | Self::AddressMap(..) | Self::Secret(..) | Self::Claim(..) => 1,
            Self::Service(..) | Self::NetworkPolicy(..) => 2,
            Self::Workload(_) => 3,
        }
    }

    /// The complete object.
    #[must_use]
    pub fn render(&self, options: &RenderOptions) -> Object {
        match self.render_deferred(options) {
            (object, None) => object,
            (object, Some(lists)) => lists.fill(object),
        }
    }

    /// The object; for a workload, without its containers and volumes, which
    /// the returned [`PodLists`] render one at a time while the object is
    /// written (at 10,000 services they are most of the output's memory).
    #[must_use]
    pub fn render_deferred(&self, options: &RenderOptions) -> (Object, Option<PodLists<'p>>) {
        let meta = |plan: &PodPlan, name: &str| ObjectMeta {
            name: Some(name.to_string()),
            namespace: options.namespace.clone(),
            labels: Some(common_labels(plan)),
            ..ObjectMeta::default()
        };
        let object = match *self {
            Self::Namespace(plan, namespace) => {
                // The strictest level every Pod of the output satisfies.
                let mut labels = common_labels(plan);
                labels.insert(
                    labels::POD_SECURITY_ENFORCE.to_string(),
                    options.pod_security.as_str().to_string(),
                );
                Object::Namespace(Box::new(Namespace {
                    metadata: ObjectMeta {
                        name: Some(namespace.to_string()),
                        labels: Some(labels),
                        ..ObjectMeta::default()
                    },
                    ..Namespace::default()
                }))
            }
            Self::ConfigMap(plan, config) => Object::ConfigMap(Box::new(ConfigMap {
                metadata: meta(plan, &config.name),
                data: (!config.data.is_empty()).then(|| config.data.clone()),
                binary_data: (!config.binary.is_empty()).then(|| {
                    config
                        .binary
                        .iter()
                        .map(|(k, v)| (k.clone(), ByteString(v.clone())))
                        .collect()
                }),
                ..ConfigMap::default()
            })),
            Self::AddressMap(plan, map) => Object::ConfigMap(Box::new(ConfigMap {
                metadata: ObjectMeta {
                    // One object for the whole project, not for one Pod.
                    labels: Some(BTreeMap::from([
                        (
                            labels::NAME.to_string(),
                            crate::plan::names::dns_label(&plan.project, "podlift"),
                        ),
                        (labels::MANAGED_BY.to_string(), labels::MANAGER.to_string()),
                    ])),
                    ..meta(plan, &map.name)
                },
                data: Some(BTreeMap::from([(
                    init_script::MAP_KEY.to_string(),
                    init_script::map_text(map),
                )])),
                ..ConfigMap::default()
            })),
            Self::Secret(plan, secret) => Object::Secret(Box::new(Secret {
                metadata: meta(plan, &secret.name),
                data: Some(
                    secret
                        .data
                        .iter()
                        .map(|(k, v)| (k.clone(), ByteString(v.clone())))
                        .collect(),
                ),
                type_: Some("Opaque".to_string()),
                ..Secret::default()
            })),
            Self::Claim(plan, claim) => {
                Object::PersistentVolumeClaim(Box::new(PersistentVolumeClaim {
                    metadata: meta(plan, &claim.name),
                    spec: Some(claim_spec(claim)),
                    status: None,
                }))
            }
            Self::Service(plan, service) => Object::Service(Box::new(service_object(
                plan,
                service,
                meta(plan, &service.name),
            ))),
            Self::NetworkPolicy(plan, policy) => Object::NetworkPolicy(Box::new(
                network_policy::object(plan, policy, meta(plan, &plan.name)),
            )),
            Self::Workload(plan) => {
                let lists = PodLists::new(plan, options.controller == Controller::StatefulSet);
                return (workload(plan, &lists, options), Some(lists));
            }
        };
        (object, None)
    }
}

/// The parts of one plan, in apply order.
#[must_use]
pub fn plan_parts<'p>(plan: &'p PodPlan, options: &'p RenderOptions) -> Vec<Part<'p>> {
    let mut parts = Vec::new();
    if let (true, Some(namespace)) = (options.create_namespace, &options.namespace) {
        parts.push(Part::Namespace(plan, namespace));
    }
    parts.extend(
        plan.storage
            .config_maps
            .iter()
            .map(|c| Part::ConfigMap(plan, c)),
    );
    parts.extend(
        plan.loopback
            .iter()
            .filter_map(|init| init.map.as_deref())
            .map(|map| Part::AddressMap(plan, map)),
    );
    parts.extend(plan.storage.secrets.iter().map(|s| Part::Secret(plan, s)));
    // A StatefulSet makes each replica's claims from its templates.
    if options.controller != Controller::StatefulSet {
        parts.extend(plan.storage.claims.iter().map(|c| Part::Claim(plan, c)));
    }
    parts.extend(plan.services.iter().map(|s| Part::Service(plan, s)));
    parts.extend(
        plan.network_policy
            .iter()
            .map(|policy| Part::NetworkPolicy(plan, policy)),
    );
    parts.push(Part::Workload(plan));
    parts
}

/// The parts of several plans (the split strategy), each object once, in
/// apply order.
#[must_use]
pub fn parts<'p>(plans: &'p [PodPlan], options: &'p RenderOptions) -> Vec<Part<'p>> {
    let mut seen = std::collections::HashSet::new();
    let mut parts: Vec<Part<'p>> = plans
        .iter()
        .flat_map(|plan| plan_parts(plan, options))
        .filter(|part| seen.insert((std::mem::discriminant(part), part.name())))
        .collect();
    parts.sort_by_key(Part::rank);
    parts
}

/// Renders the objects of a plan, in apply order.
#[must_use]
pub fn render(plan: &PodPlan, options: &RenderOptions) -> Vec<Object> {
    plan_parts(plan, options)
        .iter()
        .map(|part| part.render(options))
        .collect()
}

/// Renders several plans (the split strategy) as one list, each object once.
#[must_use]
pub fn render_all(plans: &[PodPlan], options: &RenderOptions) -> Vec<Object> {
    parts(plans, options)
        .iter()
        .map(|part| part.render(options))
        .collect()
}

fn service_object(plan: &PodPlan, service: &ServicePlan, metadata: ObjectMeta) -> Service {
    Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: service.type_.map(|t| t.as_k8s().to_string()),
            selector: Some(BTreeMap::from([(
                labels::NAME.to_string(),
                plan.name.clone(),
            )])),
            ports: Some(
                service
                    .ports
                    .iter()
                    .map(|p| ServicePort {
                        name: Some(p.name.clone()),
                        port: i32::from(p.port),
                        target_port: Some(IntOrString::Int(i32::from(p.target))),
                        protocol: Some(p.protocol.as_k8s().to_string()),
                        ..ServicePort::default()
                    })
                    .collect(),
            ),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn common_labels(plan: &PodPlan) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::NAME.to_string(), plan.name.clone()),
        (labels::MANAGED_BY.to_string(), labels::MANAGER.to_string()),
    ])
}

/// The Pod's labels: the workload's, and one per compose network its
/// NetworkPolicy admits peers by.
fn pod_labels(plan: &PodPlan) -> BTreeMap<String, String> {
    let mut labels = common_labels(plan);
    if let Some(policy) = &plan.network_policy {
        labels.extend(network_policy::pod_labels(plan, &policy.networks));
    }
    labels
}

fn workload(plan: &PodPlan, lists: &PodLists<'_>, options: &RenderOptions) -> Object {
    let mut deployment = deployment(plan, lists);
    deployment.metadata.namespace.clone_from(&options.namespace);
    let Some(spec) = deployment.spec else {
        return Object::Deployment(Box::new(deployment));
    };
    match options.controller {
        Controller::Deployment => Object::Deployment(Box::new(Deployment {
            spec: Some(spec),
            ..deployment
        })),
        Controller::StatefulSet => {
            let templates = lists.claim_templates();
            Object::StatefulSet(Box::new(StatefulSet {
                metadata: deployment.metadata,
                spec: Some(StatefulSetSpec {
                    replicas: spec.replicas,
                    selector: spec.selector,
                    // No governing Service is made: the Pod is reached through the
                    // compose services' Services, not by per-replica DNS names.
                    service_name: None,
                    template: spec.template,
                    volume_claim_templates: (!templates.is_empty()).then_some(templates),
                    ..StatefulSetSpec::default()
                }),
                status: None,
            }))
        }
        Controller::Pod => {
            let template = spec.template;
            let mut metadata = template.metadata.unwrap_or_default();
            metadata.name = deployment.metadata.name;
            metadata.namespace = deployment.metadata.namespace;
            Object::Pod(Box::new(Pod {
                metadata,
                spec: template.spec,
                status: None,
            }))
        }
    }
}

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
    fn new(plan: &'p PodPlan, statefulset: bool) -> Self {
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

    fn has_init(&self) -> bool {
        self.plan.loopback.is_some()
            || self
                .plan
                .containers
                .iter()
                .any(|c| c.role != Role::Container)
    }

    fn has_volumes(&self) -> bool {
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

    fn claim_templates(&self) -> Vec<PersistentVolumeClaim> {
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

fn claim_spec(claim: &ClaimPlan) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".to_string()]),
        resources: Some(VolumeResourceRequirements {
            requests: Some(BTreeMap::from([(
                "storage".to_string(),
                Quantity(claim.size.clone()),
            )])),
            limits: None,
        }),
        storage_class_name: claim.storage_class.clone(),
        ..PersistentVolumeClaimSpec::default()
    }
}

fn deployment(plan: &PodPlan, lists: &PodLists<'_>) -> Deployment {
    let selector = BTreeMap::from([(labels::NAME.to_string(), plan.name.clone())]);
    let mut annotations = plan.pod.annotations.clone();
    if let Some(loopback) = &plan.loopback {
        let list: Vec<String> = loopback.addresses.iter().map(ToString::to_string).collect();
        annotations.insert(labels::LOOPBACK_ANNOTATION.to_string(), list.join(","));
    }
    for container in &plan.containers {
        if container.name != container.service {
            annotations.insert(
                format!("{}{}", labels::SERVICE_ANNOTATION_PREFIX, container.name),
                container.service.clone(),
            );
        }
    }
    Deployment {
        metadata: ObjectMeta {
            name: Some(plan.name.clone()),
            labels: Some(common_labels(plan)),
            ..ObjectMeta::default()
        },
        spec: Some(DeploymentSpec {
            replicas: Some(i32::try_from(plan.replicas).unwrap_or(i32::MAX)),
            // Two copies of the stack must never run side by side: they would
            // share volumes and both claim the same addresses' clients.
            strategy: Some(DeploymentStrategy {
                type_: Some("Recreate".to_string()),
                rolling_update: None,
            }),
            selector: LabelSelector {
                match_labels: Some(selector),
                match_expressions: None,
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels(plan)),
                    annotations: (!annotations.is_empty()).then_some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec(plan, lists)),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

/// The Pod spec with its lists left empty (see [`PodLists`]).
fn pod_spec(plan: &PodPlan, lists: &PodLists<'_>) -> PodSpec {
    let host_aliases: Vec<HostAlias> = plan
        .host_aliases
        .iter()
        .map(|alias| HostAlias {
            ip: alias.ip.to_string(),
            hostnames: Some(alias.names.clone()),
        })
        .collect();
    let mut spec = PodSpec {
        // Compose apps never talk to the Kubernetes API.
        automount_service_account_token: Some(false),
        // Docker-link style variables (`DB_PORT=tcp://…`) would shadow the
        // application's own settings of the same name.
        enable_service_links: Some(false),
        init_containers: lists.has_init().then(Vec::new),
        containers: Vec::new(),
        volumes: lists.has_volumes().then(Vec::new),
        host_aliases: (!host_aliases.is_empty()).then_some(host_aliases),
        hostname: plan.pod.hostname.clone(),
        host_network: plan.pod.host_network.then_some(true),
        termination_grace_period_seconds: plan.pod.termination_grace,
        dns_config: pod_dns(&plan.pod),
        security_context: Some(PodSecurityContext {
            // Docker runs every container under its default seccomp profile;
            // Kubernetes runs them `Unconfined` unless told. A container that
            // compose opts out (`security_opt: [seccomp:unconfined]`) says so
            // in its own security context.
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_string(),
                localhost_profile: None,
            }),
            sysctls: (!plan.pod.sysctls.is_empty()).then(|| {
                plan.pod
                    .sysctls
                    .iter()
                    .map(|(name, value)| Sysctl {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect()
            }),
            ..PodSecurityContext::default()
        }),
        ..PodSpec::default()
    };
    process::pod_fields(&plan.pod.process, &mut spec);
    spec
}

fn loopback_container(init: &LoopbackInit) -> Container {
    let security_context = if init.privileged {
        SecurityContext {
            privileged: Some(true),
            ..SecurityContext::default()
        }
    } else {
        SecurityContext {
            capabilities: Some(Capabilities {
                add: Some(vec!["NET_ADMIN".to_string()]),
                drop: Some(vec!["ALL".to_string()]),
            }),
            privileged: Some(false),
            allow_privilege_escalation: Some(false),
            ..SecurityContext::default()
        }
    };
    Container {
        name: LOOPBACK_INIT_NAME.to_string(),
        image: Some(init.image.clone()),
        command: Some(vec![
            "sh".to_string(),
            "-c".to_string(),
            init_script::script(init),
        ]),
        volume_mounts: init.map.is_some().then(|| {
            vec![VolumeMount {
                name: init_script::MAP_VOLUME.to_string(),
                mount_path: init_script::MAP_DIR.to_string(),
                read_only: Some(true),
                ..VolumeMount::default()
            }]
        }),
        env: init.map.is_some().then(|| {
            vec![EnvVar {
                name: init_script::NAMESPACE_VARIABLE.to_string(),
                value: None,
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: "metadata.namespace".to_string(),
                        api_version: None,
                    }),
                    ..EnvVarSource::default()
                }),
            }]
        }),
        security_context: Some(security_context),
        ..Container::default()
    }
}

fn container(plan: &ContainerPlan) -> Container {
    let d = &plan.details;
    let probe = d.probe.as_ref().map(probe);
    let mut security = SecurityContext {
        run_as_user: d.run_as_user,
        run_as_group: d.run_as_group,
        privileged: d.privileged.then_some(true),
        read_only_root_filesystem: d.read_only.then_some(true),
        capabilities: (!d.cap_add.is_empty() || !d.cap_drop.is_empty()).then(|| Capabilities {
            add: (!d.cap_add.is_empty()).then(|| d.cap_add.clone()),
            drop: (!d.cap_drop.is_empty()).then(|| d.cap_drop.clone()),
        }),
        ..SecurityContext::default()
    };
    process::container_security(&d.process, &mut security);
    let mut limits = BTreeMap::new();
    let mut requests = BTreeMap::new();
    if let Some(cpu) = d.cpu_limit {
        limits.insert("cpu".to_string(), Quantity(format!("{cpu}m")));
    }
    if let Some(memory) = d.memory_limit {
        limits.insert("memory".to_string(), Quantity(quantity::of_bytes(memory)));
    }
    if let Some(cpu) = d.cpu_request {
        requests.insert("cpu".to_string(), Quantity(format!("{cpu}m")));
    }
    if let Some(memory) = d.memory_request {
        requests.insert("memory".to_string(), Quantity(quantity::of_bytes(memory)));
    }
    Container {
        name: plan.name.clone(),
        image: Some(plan.image.clone()),
        command: plan.command.clone(),
        args: plan.args.clone(),
        env: (!d.env.is_empty()).then(|| {
            d.env
                .iter()
                .map(|(name, value)| EnvVar {
                    name: name.clone(),
                    value: Some(value.clone()),
                    value_from: None,
                })
                .collect()
        }),
        ports: (!d.ports.is_empty()).then(|| {
            d.ports
                .iter()
                .map(|(port, protocol)| ContainerPort {
                    container_port: i32::from(*port),
                    protocol: Some(protocol.as_k8s().to_string()),
                    ..ContainerPort::default()
                })
                .collect()
        }),
        // Dependents of a sidecar start once its startupProbe passes: that is
        // how `service_healthy` waits for a health check.
        // Only a service a dependent waits on with `service_healthy` has one.
        startup_probe: if plan.role == Role::Sidecar {
            d.startup.as_ref().map(self::probe)
        } else {
            None
        },
        liveness_probe: if plan.role != Role::Init && d.liveness {
            probe.clone()
        } else {
            None
        },
        readiness_probe: if plan.role == Role::Init { None } else { probe },
        restart_policy: (plan.role == Role::Sidecar).then(|| "Always".to_string()),
        volume_mounts: (!d.mounts.is_empty()).then(|| d.mounts.iter().map(volume_mount).collect()),
        security_context: (security != SecurityContext::default()).then_some(security),
        resources: (!limits.is_empty() || !requests.is_empty()).then(|| ResourceRequirements {
            limits: (!limits.is_empty()).then_some(limits),
            requests: (!requests.is_empty()).then_some(requests),
            ..ResourceRequirements::default()
        }),
        working_dir: d.working_dir.clone(),
        tty: d.tty.then_some(true),
        image_pull_policy: d.pull_policy.map(|p| image_pull_policy(p).to_string()),
        stdin: d.stdin.then_some(true),
        lifecycle: process::lifecycle(&d.process),
        ..Container::default()
    }
}

fn probe(p: &Probe) -> K8sProbe {
    K8sProbe {
        exec: Some(ExecAction {
            command: Some(p.command.clone()),
        }),
        period_seconds: Some(p.period),
        timeout_seconds: Some(p.timeout),
        failure_threshold: Some(p.failure_threshold),
        initial_delay_seconds: (p.initial_delay > 0).then_some(p.initial_delay),
        ..K8sProbe::default()
    }
}

fn volume_mount(m: &MountPlan) -> VolumeMount {
    VolumeMount {
        name: m.volume.clone(),
        mount_path: m.path.clone(),
        sub_path: m.sub_path.clone(),
        read_only: m.read_only.then_some(true),
        ..VolumeMount::default()
    }
}

/// The Pod volume that carries the project's address map.
fn map_volume(map: &AddressMap) -> Volume {
    Volume {
        name: init_script::MAP_VOLUME.to_string(),
        config_map: Some(ConfigMapVolumeSource {
            name: map.name.clone(),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    }
}

fn volume(v: &VolumePlan) -> Volume {
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
        VolumeSource::ConfigMap(name) => {
            out.config_map = Some(ConfigMapVolumeSource {
                name: name.clone(),
                ..ConfigMapVolumeSource::default()
            });
        }
        VolumeSource::Secret(name) => {
            out.secret = Some(SecretVolumeSource {
                secret_name: Some(name.clone()),
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

fn pod_dns(pod: &crate::plan::PodLevel) -> Option<PodDNSConfig> {
    if pod.dns_servers.is_empty() && pod.dns_searches.is_empty() && pod.dns_options.is_empty() {
        return None;
    }
    Some(PodDNSConfig {
        nameservers: (!pod.dns_servers.is_empty()).then(|| pod.dns_servers.clone()),
        searches: (!pod.dns_searches.is_empty()).then(|| pod.dns_searches.clone()),
        options: (!pod.dns_options.is_empty()).then(|| {
            pod.dns_options
                .iter()
                .map(|o| {
                    let (name, value) = o
                        .split_once(':')
                        .map_or((o.as_str(), None), |(n, v)| (n, Some(v.to_string())));
                    PodDNSConfigOption {
                        name: Some(name.to_string()),
                        value,
                    }
                })
                .collect()
        }),
    })
}

/// Kubernetes' `imagePullPolicy` for compose's `pull_policy`: a built image
/// is used where it is, as one that is pulled when missing.
fn image_pull_policy(policy: PullPolicy) -> &'static str {
    match policy {
        PullPolicy::Always => "Always",
        PullPolicy::Never => "Never",
        PullPolicy::Missing | PullPolicy::Build => "IfNotPresent",
    }
}
