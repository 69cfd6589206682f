//! Rendering: Kubernetes objects from the [`PodPlan`] alone. Nothing here knows
//! compose syntax or `x-podlift` keys.

pub mod labels;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, HostAlias, PodSpec, PodTemplateSpec, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Serialize;

use crate::plan::{ContainerPlan, LOOPBACK_INIT_NAME, LoopbackInit, PodPlan};

/// One Kubernetes object of the output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// The workload.
    Deployment(Box<Deployment>),
}

impl Object {
    /// `kind` of the object.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Deployment(_) => "Deployment",
        }
    }

    /// `metadata.name` of the object.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Deployment(d) => d.metadata.name.as_deref().unwrap_or(""),
        }
    }
}

/// Renders the objects of a plan, in apply order.
#[must_use]
pub fn render(plan: &PodPlan) -> Vec<Object> {
    vec![Object::Deployment(Box::new(deployment(plan)))]
}

fn common_labels(plan: &PodPlan) -> BTreeMap<String, String> {
    BTreeMap::from([
        (labels::NAME.to_string(), plan.name.clone()),
        (labels::MANAGED_BY.to_string(), labels::MANAGER.to_string()),
    ])
}

fn deployment(plan: &PodPlan) -> Deployment {
    let selector = BTreeMap::from([(labels::NAME.to_string(), plan.name.clone())]);
    let mut annotations = BTreeMap::new();
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
            replicas: Some(1),
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
                    labels: Some(common_labels(plan)),
                    annotations: (!annotations.is_empty()).then_some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec(plan)),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

fn pod_spec(plan: &PodPlan) -> PodSpec {
    let host_aliases: Vec<HostAlias> = plan
        .host_aliases
        .iter()
        .map(|alias| HostAlias {
            ip: alias.ip.to_string(),
            hostnames: Some(alias.names.clone()),
        })
        .collect();
    PodSpec {
        // Compose apps never talk to the Kubernetes API.
        automount_service_account_token: Some(false),
        // Docker-link style variables (`DB_PORT=tcp://…`) would shadow the
        // application's own settings of the same name.
        enable_service_links: Some(false),
        init_containers: plan.loopback.as_ref().map(|l| vec![loopback_container(l)]),
        containers: plan.containers.iter().map(container).collect(),
        host_aliases: (!host_aliases.is_empty()).then_some(host_aliases),
        ..PodSpec::default()
    }
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
        command: Some(vec!["sh".to_string(), "-c".to_string(), init.script()]),
        security_context: Some(security_context),
        ..Container::default()
    }
}

fn container(plan: &ContainerPlan) -> Container {
    Container {
        name: plan.name.clone(),
        image: Some(plan.image.clone()),
        command: plan.command.clone(),
        args: plan.args.clone(),
        ..Container::default()
    }
}
