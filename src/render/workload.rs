//! The Deployment, StatefulSet or Pod, built whole: its Pod spec first
//! with empty lists, then the lists collected into it within the
//! object-size limit ([`build`]).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::core::v1::{
    HostAlias, Pod, PodDNSConfig, PodDNSConfigOption, PodSecurityContext, PodSpec, PodTemplateSpec,
    SeccompProfile, Sysctl,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

use crate::plan::PodPlan;
use crate::render::limits::Budget;
use crate::render::object::Object;
use crate::render::pod_lists::PodLists;
use crate::render::{Controller, RenderOptions};
use crate::render::{copy, labels, network_policy, process};

pub(crate) fn common_labels(plan: &PodPlan) -> BTreeMap<String, String> {
    let mut map = one_entry(labels::NAME, plan.name.clone());
    map.insert(labels::MANAGED_BY.to_string(), labels::MANAGER.to_string());
    map
}

/// A map of one entry, inserted: `BTreeMap::from` of an array sorts it and
/// builds the tree in bulk, twice the work for a map this small (every
/// object's labels, each Service's selector, each claim's request).
pub(crate) fn one_entry<V>(key: &str, value: V) -> BTreeMap<String, V> {
    let mut map = BTreeMap::new();
    map.insert(key.to_string(), value);
    map
}

/// The Pod's labels: the workload's, and one per compose network its
/// NetworkPolicy admits peers by.
pub(crate) fn pod_labels(plan: &PodPlan) -> BTreeMap<String, String> {
    let mut labels = common_labels(plan);
    if let Some(policy) = &plan.network_policy {
        labels.extend(network_policy::pod_labels(plan, &policy.networks));
    }
    labels
}

/// A workload built whole, or refused before it was: its lists alone pass
/// the object-size limit.
#[derive(Debug)]
pub(crate) enum Built<'p> {
    /// The object with its lists in place.
    Whole(Object),
    /// Too large: the object with empty lists, and the lists to check one
    /// item at a time.
    TooLarge {
        skeleton: Object,
        lists: PodLists<'p>,
    },
}

/// The workload of `plan`, whole. With a `budget`, its lists are collected
/// only while their items fit in it: a Pod that cannot fit is never held.
pub(crate) fn build<'p>(
    plan: &'p PodPlan,
    options: &RenderOptions,
    mut budget: Option<Budget>,
) -> Built<'p> {
    build_in(plan, options, &mut budget)
}

/// [`build`], leaving in `budget` what the lists spent of it (the object
/// is then measured from its skeleton: [`crate::render::limits::check_whole`]).
pub(crate) fn build_in<'p>(
    plan: &'p PodPlan,
    options: &RenderOptions,
    budget: &mut Option<Budget>,
) -> Built<'p> {
    let lists = PodLists::new(plan, options.controller);
    let mut object = workload(plan, &lists, options);
    let init = match lists
        .has_init()
        .then(|| within(lists.init_containers(), lists.init_len(), budget))
    {
        Some(None) => {
            return Built::TooLarge {
                skeleton: object,
                lists,
            };
        }
        Some(Some(init)) => Some(init),
        None => None,
    };
    let Some(containers) = within(lists.containers(), lists.containers_len(), budget) else {
        return Built::TooLarge {
            skeleton: object,
            lists,
        };
    };
    let volumes = match lists
        .has_volumes()
        .then(|| within(lists.volumes(), lists.volumes_len(), budget))
    {
        Some(None) => {
            return Built::TooLarge {
                skeleton: object,
                lists,
            };
        }
        Some(Some(volumes)) => Some(volumes),
        None => None,
    };
    if let Some(spec) = object.pod_spec_mut() {
        spec.init_containers = init;
        spec.containers = containers;
        spec.volumes = volumes;
    }
    Built::Whole(object)
}

/// The workload of `plan`, whole, however large.
pub(crate) fn whole(plan: &PodPlan, options: &RenderOptions) -> Object {
    match build(plan, options, None) {
        Built::Whole(object)
        | Built::TooLarge {
            skeleton: object, ..
        } => object,
    }
}

/// The items (`len` of them), while they fit in `budget` (`None` when they
/// do not).
fn within<T: Serialize>(
    items: impl Iterator<Item = T>,
    len: usize,
    budget: &mut Option<Budget>,
) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(len);
    // Measured in its place: a Container is large, and moved once only.
    for item in items {
        out.push(item);
        if let Some(budget) = budget.as_mut()
            && let Some(item) = out.last()
            && !budget.spend(item)
        {
            return None;
        }
    }
    Some(out)
}

/// The workload with empty lists (see [`PodLists`]).
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
                    // Kubernetes 1.28's schema requires it. No governing
                    // Service is made: the Pod is reached through the compose
                    // services' Services, not by per-replica DNS names; the
                    // workload's own name is where a headless Service of the
                    // user's would give the replicas theirs.
                    service_name: Some(plan.name.clone()),
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
    let fs_group = copy::claim_group(plan);
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
            // A copy into a claim writes its root, which many storage
            // classes create `root:root 0755`: the copy's group owns it.
            fs_group,
            fs_group_change_policy: fs_group.map(|_| "OnRootMismatch".to_string()),
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

pub(crate) fn pod_dns(pod: &crate::plan::PodLevel) -> Option<PodDNSConfig> {
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
