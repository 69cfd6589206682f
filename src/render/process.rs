//! The process settings of a container and of its Pod: security options,
//! lifecycle hooks, host namespaces, supplemental groups.

use k8s_openapi::api::core::v1::{
    AppArmorProfile, ExecAction, Lifecycle, LifecycleHandler, PodSecurityContext, PodSpec,
    SELinuxOptions, SeccompProfile, SecurityContext,
};

use crate::plan::process::{Process, ProcessLevel, Profile};

/// Adds `allowPrivilegeEscalation`, `seccompProfile`, `appArmorProfile`
/// and `seLinuxOptions` to a container's security context.
pub fn container_security(process: &Process, security: &mut SecurityContext) {
    if process.no_new_privileges {
        security.allow_privilege_escalation = Some(false);
    }
    security.seccomp_profile = process.seccomp.as_ref().map(|p| {
        let (type_, localhost_profile) = profile(p);
        SeccompProfile {
            type_,
            localhost_profile,
        }
    });
    security.app_armor_profile = process.apparmor.as_ref().map(|p| {
        let (type_, localhost_profile) = profile(p);
        AppArmorProfile {
            type_,
            localhost_profile,
        }
    });
    security.se_linux_options = process.selinux.as_ref().map(|s| SELinuxOptions {
        user: s.user.clone(),
        role: s.role.clone(),
        type_: s.type_.clone(),
        level: s.level.clone(),
    });
}

fn profile(p: &Profile) -> (String, Option<String>) {
    match p {
        Profile::Unconfined => ("Unconfined".to_string(), None),
        Profile::Localhost(name) => ("Localhost".to_string(), Some(name.clone())),
    }
}

/// `lifecycle.postStart` / `preStop` exec hooks.
#[must_use]
pub fn lifecycle(process: &Process) -> Option<Lifecycle> {
    let handler = |command: &Vec<String>| LifecycleHandler {
        exec: Some(ExecAction {
            command: Some(command.clone()),
        }),
        ..LifecycleHandler::default()
    };
    (process.post_start.is_some() || process.pre_stop.is_some()).then(|| Lifecycle {
        post_start: process.post_start.as_ref().map(handler),
        pre_stop: process.pre_stop.as_ref().map(handler),
        stop_signal: None,
    })
}

/// `hostPID`, `hostIPC`, `shareProcessNamespace`, `hostUsers` and
/// `securityContext.supplementalGroups` on the Pod.
pub fn pod_fields(level: &ProcessLevel, spec: &mut PodSpec) {
    spec.host_pid = level.host_pid.then_some(true);
    spec.host_ipc = level.host_ipc.then_some(true);
    spec.share_process_namespace = level.share_pid.then_some(true);
    spec.host_users = level.host_users.then_some(true);
    if !level.groups.is_empty() {
        spec.security_context
            .get_or_insert_with(PodSecurityContext::default)
            .supplemental_groups = Some(level.groups.clone());
    }
}
