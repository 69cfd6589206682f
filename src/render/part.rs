//! The objects of the output before they are rendered, in apply order.

use foldhash::{HashSet, HashSetExt};
use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::init_script;
use crate::plan::AddressMap;
use crate::plan::network_policy::PolicyPlan;
use crate::plan::storage::{ClaimPlan, ConfigMapPlan, SecretPlan};
use crate::plan::{PodPlan, ServicePlan};
use crate::render::object::Object;
use crate::render::pod_security::Level;
use crate::render::service::service_object;
use crate::render::volume::claim_spec;
use crate::render::workload::{self, common_labels};
use crate::render::{Controller, RenderOptions};
use crate::render::{labels, network_policy};

/// One object of the output, not rendered yet: what it is made from. Large
/// projects are written one object at a time from these.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Part<'p> {
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
    pub(crate) const fn name(&self) -> &'p str {
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

    /// The object, whole (a workload with its containers and volumes: the
    /// render stage refuses one too large before it is built, see
    /// [`workload::build`]). `level` is the Pod Security level a Namespace
    /// enforces.
    pub(crate) fn render(&self, options: &RenderOptions, level: Level) -> Object {
        let meta = |plan: &PodPlan, name: &str| ObjectMeta {
            name: Some(name.to_string()),
            namespace: options.namespace.clone(),
            labels: Some(common_labels(plan)),
            ..ObjectMeta::default()
        };
        match *self {
            Self::Namespace(plan, namespace) => {
                // The strictest level every Pod of the output satisfies.
                let mut labels = common_labels(plan);
                labels.insert(
                    labels::POD_SECURITY_ENFORCE.to_string(),
                    level.as_str().to_string(),
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
            Self::Workload(plan) => workload::whole(plan, options),
        }
    }
}

/// The parts of one plan, in apply order.
#[must_use]
pub(crate) fn plan_parts<'p>(plan: &'p PodPlan, options: &'p RenderOptions) -> Vec<Part<'p>> {
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
    // The credentials of each container's environment.
    parts.extend(
        plan.containers
            .iter()
            .filter_map(|c| c.details.env_secret.as_ref())
            .map(|s| Part::Secret(plan, s)),
    );
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
pub(crate) fn parts<'p>(plans: &'p [PodPlan], options: &'p RenderOptions) -> Vec<Part<'p>> {
    let mut seen = HashSet::new();
    let mut parts: Vec<Part<'p>> = plans
        .iter()
        .flat_map(|plan| plan_parts(plan, options))
        .filter(|part| seen.insert((std::mem::discriminant(part), part.name())))
        .collect();
    parts.sort_by_key(Part::rank);
    parts
}
