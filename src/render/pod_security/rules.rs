//! The rules of the Pod Security Standards, field by field: which level
//! each setting of a Pod, a volume or a container needs.

use k8s_openapi::api::core::v1::{Container, PodSpec, SecurityContext, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Assessment, Level};

/// Capabilities `baseline` lets a container add.
pub(super) const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls `baseline` allows (the standard's safe set as of v1.29).
pub(super) const BASELINE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// SELinux types `baseline` allows.
pub(super) const BASELINE_SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// AppArmor annotation on a Pod, per container (before `appArmorProfile`).
pub(super) const APPARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Whether the Pod's security context makes its containers run as non-root,
/// and gives them a seccomp profile.
pub(super) fn pod_defaults(spec: &PodSpec) -> (bool, bool) {
    let pod = spec.security_context.as_ref();
    let non_root = pod.and_then(|p| p.run_as_non_root) == Some(true);
    let seccomp = pod
        .and_then(|p| p.seccomp_profile.as_ref())
        .is_some_and(|p| p.type_ == "RuntimeDefault" || p.type_ == "Localhost");
    (non_root, seccomp)
}

/// The rules about the Pod itself: its spec but its lists, and its metadata.
pub(super) fn check_pod_level(
    workload: &str,
    metadata: Option<&ObjectMeta>,
    spec: &PodSpec,
    out: &mut Assessment,
) {
    use Level::{Baseline, Privileged};
    let pod = spec.security_context.as_ref();
    for (set, field) in [
        (spec.host_network, "hostNetwork"),
        (spec.host_pid, "hostPID"),
        (spec.host_ipc, "hostIPC"),
    ] {
        if set == Some(true) {
            out.push(Privileged, workload, None, format!("sets `{field}: true`"));
        }
    }
    if let Some(pod) = pod {
        for sysctl in pod.sysctls.iter().flatten() {
            if !BASELINE_SYSCTLS.contains(&sysctl.name.as_str()) {
                out.push(
                    Privileged,
                    workload,
                    None,
                    format!("sets sysctl `{}`", sysctl.name),
                );
            }
        }
        if pod.seccomp_profile.as_ref().map(|p| p.type_.as_str()) == Some("Unconfined") {
            out.push(
                Privileged,
                workload,
                None,
                "runs seccomp `Unconfined`".into(),
            );
        }
        if pod.app_armor_profile.as_ref().map(|p| p.type_.as_str()) == Some("Unconfined") {
            out.push(
                Privileged,
                workload,
                None,
                "runs AppArmor `Unconfined`".into(),
            );
        }
        if let Some(reason) = pod.se_linux_options.as_ref().and_then(selinux_problem) {
            out.push(Privileged, workload, None, reason);
        }
        if pod.run_as_non_root == Some(false) {
            out.push(
                Baseline,
                workload,
                None,
                "sets `runAsNonRoot: false`".into(),
            );
        }
        if pod.run_as_user == Some(0) {
            out.push(Baseline, workload, None, "runs as user 0 (root)".into());
        }
    }
    for (key, value) in metadata
        .and_then(|m| m.annotations.as_ref())
        .into_iter()
        .flatten()
    {
        if let Some(container) = key.strip_prefix(APPARMOR_ANNOTATION)
            && value != "runtime/default"
            && !value.starts_with("localhost/")
        {
            out.push(
                Privileged,
                workload,
                Some(container),
                format!("runs AppArmor `{value}`"),
            );
        }
    }
}

/// Why `options` break `baseline`'s SELinux rule, if they do.
pub(super) fn selinux_problem(
    options: &k8s_openapi::api::core::v1::SELinuxOptions,
) -> Option<String> {
    if let Some(type_) = options
        .type_
        .as_deref()
        .filter(|t| !t.is_empty() && !BASELINE_SELINUX_TYPES.contains(t))
    {
        return Some(format!("sets SELinux type `{type_}`"));
    }
    if options.user.as_deref().is_some_and(|u| !u.is_empty()) {
        return Some("sets an SELinux user".into());
    }
    if options.role.as_deref().is_some_and(|r| !r.is_empty()) {
        return Some("sets an SELinux role".into());
    }
    None
}

pub(super) fn check_volume(workload: &str, volume: &Volume, out: &mut Assessment) {
    if let Some(host) = &volume.host_path {
        out.push(
            Level::Privileged,
            workload,
            None,
            format!(
                "mounts host path `{}` (volume `{}`)",
                host.path, volume.name
            ),
        );
        return;
    }
    let allowed = volume.config_map.is_some()
        || volume.csi.is_some()
        || volume.downward_api.is_some()
        || volume.empty_dir.is_some()
        || volume.ephemeral.is_some()
        || volume.persistent_volume_claim.is_some()
        || volume.projected.is_some()
        || volume.secret.is_some();
    if !allowed {
        out.push(
            Level::Baseline,
            workload,
            None,
            format!(
                "uses a volume type `restricted` forbids (`{}`)",
                volume.name
            ),
        );
    }
}

pub(super) fn check_container(
    workload: &str,
    container: &Container,
    pod_non_root: bool,
    pod_seccomp: bool,
    out: &mut Assessment,
) {
    use Level::Privileged;
    let name = Some(container.name.as_str());
    let default = SecurityContext::default();
    let security = container.security_context.as_ref().unwrap_or(&default);
    let mut push = |needs: Level, reason: String| out.push(needs, workload, name, reason);
    if security.privileged == Some(true) {
        push(Privileged, "runs privileged".into());
    }
    if security
        .windows_options
        .as_ref()
        .and_then(|w| w.host_process)
        == Some(true)
    {
        push(Privileged, "runs as a Windows host process".into());
    }
    let added: Vec<&String> = security
        .capabilities
        .as_ref()
        .and_then(|c| c.add.as_ref())
        .into_iter()
        .flatten()
        .collect();
    let beyond_baseline: Vec<String> = added
        .iter()
        .filter(|c| !BASELINE_CAPABILITIES.contains(&c.as_str()))
        .map(|c| format!("`{c}`"))
        .collect();
    if !beyond_baseline.is_empty() {
        push(
            Privileged,
            format!("adds capability {}", beyond_baseline.join(", ")),
        );
    }
    for port in container.ports.iter().flatten() {
        if port.host_port.is_some_and(|p| p != 0) {
            push(
                Privileged,
                format!("binds host port {}", port.host_port.unwrap_or_default()),
            );
        }
    }
    let seccomp = security.seccomp_profile.as_ref().map(|p| p.type_.as_str());
    if seccomp == Some("Unconfined") {
        push(Privileged, "runs seccomp `Unconfined`".into());
    }
    if security
        .app_armor_profile
        .as_ref()
        .map(|p| p.type_.as_str())
        == Some("Unconfined")
    {
        push(Privileged, "runs AppArmor `Unconfined`".into());
    }
    if let Some(reason) = security.se_linux_options.as_ref().and_then(selinux_problem) {
        push(Privileged, reason);
    }
    if security
        .proc_mount
        .as_deref()
        .is_some_and(|m| m != "Default")
    {
        push(Privileged, "mounts `/proc` unmasked".into());
    }
    check_restricted(security, &added, pod_non_root, pod_seccomp, &mut push);
}

/// The rules `restricted` adds to `baseline`, for one container.
pub(super) fn check_restricted(
    security: &SecurityContext,
    added: &[&String],
    pod_non_root: bool,
    pod_seccomp: bool,
    push: &mut impl FnMut(Level, String),
) {
    use Level::Baseline;
    let seccomp = security.seccomp_profile.as_ref().map(|p| p.type_.as_str());
    if security.allow_privilege_escalation != Some(false) {
        push(
            Baseline,
            "does not set `allowPrivilegeEscalation: false`".into(),
        );
    }
    match security.run_as_non_root {
        Some(false) => push(Baseline, "sets `runAsNonRoot: false`".into()),
        None if !pod_non_root => push(Baseline, "does not set `runAsNonRoot: true`".into()),
        _ => {}
    }
    if security.run_as_user == Some(0) {
        push(Baseline, "runs as user 0 (root)".into());
    }
    if !pod_seccomp && !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
        push(Baseline, "has no seccomp profile".into());
    }
    let drops_all = security
        .capabilities
        .as_ref()
        .and_then(|c| c.drop.as_ref())
        .is_some_and(|d| d.iter().any(|c| c == "ALL"));
    if !drops_all {
        push(Baseline, "does not drop capability `ALL`".into());
    }
    let beyond_restricted: Vec<String> = added
        .iter()
        .filter(|c| c.as_str() != "NET_BIND_SERVICE")
        .filter(|c| BASELINE_CAPABILITIES.contains(&c.as_str()))
        .map(|c| format!("`{c}`"))
        .collect();
    if !beyond_restricted.is_empty() {
        push(
            Baseline,
            format!("adds capability {}", beyond_restricted.join(", ")),
        );
    }
}
