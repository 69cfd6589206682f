//! Containers: the loopback init container and the compose services'.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvVar, EnvVarSource, ExecAction, ObjectFieldSelector,
    Probe as K8sProbe, ResourceRequirements, SecretKeySelector, SecurityContext, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::init_script;
use crate::model::image::PullPolicy;
use crate::plan::Probe;
use crate::plan::storage::MountPlan;
use crate::plan::{ContainerPlan, EnvValue, HealthProbe, LOOPBACK_INIT_NAME, LoopbackInit, Role};
use crate::render::{process, quantity};

pub(crate) fn loopback_container(init: &LoopbackInit) -> Container {
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

pub(crate) fn container(plan: &ContainerPlan) -> Container {
    let d = &plan.details;
    let probe = d.probe.as_ref().map(probe);
    let mut security = SecurityContext {
        run_as_user: d.run_as_user,
        run_as_group: d.run_as_group,
        run_as_non_root: d.run_as_non_root.then_some(true),
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
        env: (!d.env.is_empty()).then(|| d.env.iter().map(env_var).collect()),
        ports: (!d.ports.is_empty()).then(|| {
            d.ports
                .iter()
                .map(|(port, protocol)| ContainerPort {
                    container_port: i32::from(*port),
                    protocol: Some(super::service::protocol(*protocol).to_string()),
                    ..ContainerPort::default()
                })
                .collect()
        }),
        // A service a dependent waits on with `service_healthy` has a start
        // gate: in its Pod, dependents of a sidecar start once it passes;
        // across Pods (split, auto) its Pod is not ready, so its Services
        // route nothing to it, until the check has passed once. An init
        // container that runs once can have no probe.
        startup_probe: if plan.role == Role::Init {
            None
        } else {
            d.startup.as_ref().map(self::probe)
        },
        // Readiness or liveness only when asked (`--health-probe`,
        // `x-podlift.health-probe`): compose never takes traffic away.
        liveness_probe: probe
            .clone()
            .filter(|_| plan.role != Role::Init && d.health_probe == HealthProbe::Liveness),
        readiness_probe: probe
            .filter(|_| plan.role != Role::Init && d.health_probe == HealthProbe::Readiness),
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

/// A variable as plain text, or read from its Secret.
fn env_var(variable: &crate::plan::EnvVar) -> EnvVar {
    match &variable.value {
        EnvValue::Text(text) => EnvVar {
            name: variable.name.clone(),
            value: Some(text.clone()),
            value_from: None,
        },
        EnvValue::Secret { secret, key } => EnvVar {
            name: variable.name.clone(),
            value: None,
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret.clone(),
                    key: key.clone(),
                    optional: None,
                }),
                ..EnvVarSource::default()
            }),
        },
    }
}

pub(crate) fn probe(p: &Probe) -> K8sProbe {
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

pub(crate) fn volume_mount(m: &MountPlan) -> VolumeMount {
    VolumeMount {
        name: m.volume.clone(),
        mount_path: m.path.clone(),
        sub_path: m.sub_path.clone(),
        read_only: m.read_only.then_some(true),
        ..VolumeMount::default()
    }
}

/// Kubernetes' `imagePullPolicy` for compose's `pull_policy`: a built image
/// is used where it is, as one that is pulled when missing.
pub(crate) fn image_pull_policy(policy: PullPolicy) -> &'static str {
    match policy {
        PullPolicy::Always => "Always",
        PullPolicy::Never => "Never",
        PullPolicy::Missing | PullPolicy::Build => "IfNotPresent",
    }
}
