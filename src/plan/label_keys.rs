//! Which compose label keys become Pod annotations that something in the
//! cluster acts on: a controller (mesh, secret injector, CNI plugin,
//! admission webhook) or the container runtime itself.
//!
//! The rule is general, not a list of products: every key with a DNS-style
//! prefix (`name.domain/key`) or in reverse-DNS form (`io.vendor.key`) may
//! be read by something, except a short list of keys known to describe
//! only. Runtime keys (CRI-O, Kata, crun, containerd, the kubelet's
//! AppArmor and seccomp keys) change how the container runs.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Located;

/// What an annotation key may make the cluster do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// Descriptive: nothing in a cluster acts on it.
    Descriptive,
    /// A controller or webhook may act on it.
    Controller,
    /// The container runtime or the kubelet acts on it.
    Runtime,
}

/// Prefixes (lowercase) of keys that describe only: image metadata, the
/// recommended Kubernetes labels, compose's own bookkeeping.
const DESCRIPTIVE: &[&str] = &[
    "org.opencontainers.image.",
    "org.label-schema.",
    "com.docker.compose.",
    "app.kubernetes.io/",
    "helm.sh/chart",
];

/// Prefixes (lowercase) of keys the runtime or the kubelet reads when it
/// creates the container: devices, user namespaces, kernel parameters,
/// groups, security profiles.
const RUNTIME: &[&str] = &[
    "io.kubernetes.cri-o.",
    "io.kubernetes.cri.",
    "io.katacontainers.",
    "run.oci.",
    "io.containerd.",
    "io.podman.annotations.",
    "container.apparmor.security.beta.kubernetes.io/",
    "seccomp.security.alpha.kubernetes.io/",
    "container.seccomp.security.alpha.kubernetes.io/",
];

/// What annotation `key` may make the cluster do.
pub(crate) fn kind(key: &str) -> KeyKind {
    let lower = key.to_ascii_lowercase();
    if DESCRIPTIVE.iter().any(|p| lower.starts_with(p)) {
        return KeyKind::Descriptive;
    }
    if RUNTIME.iter().any(|p| lower.starts_with(p)) {
        return KeyKind::Runtime;
    }
    let qualified = match lower.split_once('/') {
        // `prefix/name`: the prefix is a DNS name (`kubernetes.io`, or one
        // label like `gke-gcsfuse`), which names whoever reads the key.
        Some((prefix, _)) => !prefix.is_empty(),
        // `io.vendor.key`: a dotted, reverse-DNS name (`traefik.enable` too).
        None => lower.split('.').filter(|s| !s.is_empty()).count() >= 2,
    };
    if qualified {
        KeyKind::Controller
    } else {
        KeyKind::Descriptive
    }
}

/// One finding per kind naming the labels that become annotations something
/// in the cluster acts on: compose ignored them, the cluster will not.
pub(crate) fn report<T>(labels: &[(&str, KeyKind, &Located<T>)], diagnostics: &mut Diagnostics) {
    for wanted in [KeyKind::Runtime, KeyKind::Controller] {
        let found: Vec<&(&str, KeyKind, &Located<T>)> =
            labels.iter().filter(|(_, k, _)| *k == wanted).collect();
        let Some((_, _, first)) = found.first() else {
            continue;
        };
        let mut keys: Vec<String> = found.iter().map(|(k, _, _)| format!("`{k}`")).collect();
        keys.sort_unstable();
        keys.dedup();
        let one = keys.len() == 1;
        let list = keys.join(", ");
        let becomes = if one {
            "becomes a Pod annotation"
        } else {
            "become Pod annotations"
        };
        let it = if one { "it" } else { "them" };
        let diagnostic = if wanted == KeyKind::Runtime {
            Diagnostic::warning(
                Code::LabelRuntime,
                format!("{list} {becomes}: the container runtime (CRI-O, Kata, crun, containerd) or the kubelet acts on {it} when it creates the container (devices, user namespaces, kernel parameters, groups, security profiles), where compose ignored {it}"),
            )
            .help("remove the label from the compose file (or the annotation from the manifests) unless the container must run that way on these nodes")
        } else {
            Diagnostic::note(
                Code::LabelController,
                format!("{list} {becomes}: cluster controllers may act on {it} (a mesh injects a sidecar, a secret injector mounts secrets, a CNI plugin attaches networks, a webhook instruments the container), where compose ignored {it}"),
            )
            .help("check that each does what you want in this cluster; remove the label from the compose file (or the annotation from the manifests) where it should not")
        };
        diagnostics.push(diagnostic.at(first.span));
    }
}

#[cfg(test)]
mod tests {
    use super::{KeyKind, kind};

    #[test]
    fn keys_are_classified_by_form_not_by_product() {
        for key in [
            "instrumentation.opentelemetry.io/inject-java",
            "admission.datadoghq.com/enabled",
            "gke-gcsfuse/volumes",
            "vault.security.banzaicloud.io/vault-addr",
            "sidecar.istio.io/inject",
            "com.example.team",
            "traefik.enable",
        ] {
            assert_eq!(kind(key), KeyKind::Controller, "{key}");
        }
        for key in [
            "io.kubernetes.cri-o.Devices",
            "io.kubernetes.cri-o.userns-mode",
            "io.katacontainers.config.hypervisor.kernel_params",
            "run.oci.keep_original_groups",
            "container.apparmor.security.beta.kubernetes.io/app",
        ] {
            assert_eq!(kind(key), KeyKind::Runtime, "{key}");
        }
        for key in [
            "maintainer",
            "description",
            "org.opencontainers.image.source",
            "com.docker.compose.project",
            "app.kubernetes.io/part-of",
            "tier",
        ] {
            assert_eq!(kind(key), KeyKind::Descriptive, "{key}");
        }
    }
}
