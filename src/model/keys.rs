//! Every Compose Specification key and what podlift does with it.
//!
//! The model consults this table for each key it meets, so no key is dropped
//! without a word; `docs/compose-support.md` is the same table for people.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::read::Reader;
use crate::source::Located;

/// What happens to a compose key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Carried into the Kubernetes objects.
    Mapped,
    /// Accepted; it has no effect in Kubernetes, and the reason is given.
    Ignored(&'static str),
    /// Not carried over: reported as a warning with the reason.
    NotCarried(&'static str),
}

/// Keys of a service definition.
pub const SERVICE_KEYS: &[(&str, Support)] = &[
    ("annotations", Support::Mapped),
    (
        "attach",
        Support::Ignored("log attachment is a `docker compose up` option"),
    ),
    (
        "blkio_config",
        Support::NotCarried("Kubernetes has no block-IO limits"),
    ),
    ("build", Support::Mapped),
    ("cap_add", Support::Mapped),
    ("cap_drop", Support::Mapped),
    (
        "cgroup",
        Support::NotCarried("Kubernetes chooses the cgroup namespace"),
    ),
    (
        "cgroup_parent",
        Support::NotCarried("Kubernetes chooses the cgroup parent"),
    ),
    ("command", Support::Mapped),
    ("configs", Support::Mapped),
    ("container_name", Support::Mapped),
    ("cpu_count", Support::NotCarried("Windows-only")),
    ("cpu_percent", Support::NotCarried("Windows-only")),
    ("cpu_period", Support::Mapped),
    ("cpu_quota", Support::Mapped),
    (
        "cpu_rt_period",
        Support::NotCarried("Kubernetes has no real-time CPU settings"),
    ),
    (
        "cpu_rt_runtime",
        Support::NotCarried("Kubernetes has no real-time CPU settings"),
    ),
    ("cpu_shares", Support::Mapped),
    ("cpus", Support::Mapped),
    (
        "cpuset",
        Support::NotCarried("Kubernetes pins CPUs only through its CPU manager"),
    ),
    ("credential_spec", Support::NotCarried("Windows-only")),
    ("depends_on", Support::Mapped),
    ("deploy", Support::Mapped),
    (
        "develop",
        Support::Ignored("development watch rules do not apply to a cluster"),
    ),
    (
        "device_cgroup_rules",
        Support::NotCarried("Kubernetes has no device cgroup rules"),
    ),
    (
        "devices",
        Support::NotCarried("Kubernetes needs a device plugin for host devices"),
    ),
    ("dns", Support::Mapped),
    ("dns_opt", Support::Mapped),
    ("dns_search", Support::Mapped),
    (
        "domainname",
        Support::NotCarried(
            "a Pod's domain is `SUBDOMAIN.NAMESPACE.svc.CLUSTER-DOMAIN`, given by `subdomain` and a headless Service of that name; set them by hand if the application reads its domain name",
        ),
    ),
    (
        "driver_opts",
        Support::NotCarried("network driver options have no Pod equivalent"),
    ),
    ("entrypoint", Support::Mapped),
    ("env_file", Support::Mapped),
    ("environment", Support::Mapped),
    ("expose", Support::Mapped),
    ("extends", Support::Mapped),
    (
        "external_links",
        Support::NotCarried("containers outside the project do not exist in the cluster"),
    ),
    ("extra_hosts", Support::Mapped),
    (
        "gpus",
        Support::NotCarried("request GPUs through the cluster's device plugin"),
    ),
    ("group_add", Support::Mapped),
    ("healthcheck", Support::Mapped),
    ("hostname", Support::Mapped),
    ("image", Support::Mapped),
    (
        "init",
        Support::NotCarried(
            "Kubernetes runs no init process for a container; signals reach PID 1 directly",
        ),
    ),
    ("ipc", Support::Mapped),
    ("isolation", Support::NotCarried("Windows-only")),
    ("label_file", Support::Mapped),
    ("labels", Support::Mapped),
    ("links", Support::Mapped),
    (
        "logging",
        Support::NotCarried("the cluster's log pipeline replaces compose logging drivers"),
    ),
    (
        "mac_address",
        Support::NotCarried("the CNI assigns MAC addresses"),
    ),
    ("mem_limit", Support::Mapped),
    ("mem_reservation", Support::Mapped),
    (
        "mem_swappiness",
        Support::NotCarried("Kubernetes has no per-container swappiness"),
    ),
    (
        "memswap_limit",
        Support::NotCarried("Kubernetes has no per-container swap limit"),
    ),
    (
        "models",
        Support::NotCarried("compose AI models have no Kubernetes equivalent"),
    ),
    ("network_mode", Support::Mapped),
    ("networks", Support::Mapped),
    (
        "oom_kill_disable",
        Support::NotCarried("Kubernetes cannot disable the OOM killer"),
    ),
    (
        "oom_score_adj",
        Support::NotCarried("the kubelet sets OOM scores from the QoS class"),
    ),
    ("pid", Support::Mapped),
    (
        "pids_limit",
        Support::NotCarried("the kubelet sets pid limits node-wide"),
    ),
    (
        "platform",
        Support::NotCarried(
            "choose nodes of that architecture with a nodeSelector on `kubernetes.io/arch`",
        ),
    ),
    ("ports", Support::Mapped),
    ("post_start", Support::Mapped),
    ("pre_stop", Support::Mapped),
    ("privileged", Support::Mapped),
    ("profiles", Support::Mapped),
    (
        "provider",
        Support::NotCarried("compose providers have no Kubernetes equivalent"),
    ),
    ("pull_policy", Support::Mapped),
    (
        "pull_refresh_after",
        Support::Ignored("the kubelet pulls by `imagePullPolicy`; it has no refresh period"),
    ),
    ("read_only", Support::Mapped),
    ("restart", Support::Mapped),
    (
        "runtime",
        Support::NotCarried("choose a RuntimeClass in the cluster"),
    ),
    ("scale", Support::Mapped),
    ("secrets", Support::Mapped),
    ("security_opt", Support::Mapped),
    ("shm_size", Support::Mapped),
    ("stdin_open", Support::Mapped),
    ("stop_grace_period", Support::Mapped),
    (
        "stop_signal",
        Support::NotCarried(
            "Kubernetes always sends SIGTERM; add a preStop hook that sends the signal",
        ),
    ),
    (
        "storage_opt",
        Support::NotCarried("Kubernetes has no per-container storage options"),
    ),
    ("sysctls", Support::Mapped),
    ("tmpfs", Support::Mapped),
    ("tty", Support::Mapped),
    (
        "ulimits",
        Support::NotCarried("Kubernetes has no per-container ulimits"),
    ),
    (
        "use_api_socket",
        Support::NotCarried("the Docker API socket does not exist in a cluster"),
    ),
    ("user", Support::Mapped),
    ("userns_mode", Support::Mapped),
    (
        "uts",
        Support::NotCarried(
            "Kubernetes shares the node's UTS namespace only with `hostNetwork`; reported with the line",
        ),
    ),
    ("volumes", Support::Mapped),
    ("volumes_from", Support::Mapped),
    ("working_dir", Support::Mapped),
];

/// Top-level keys of a compose file.
pub const TOP_LEVEL_KEYS: &[(&str, Support)] = &[
    (
        "version",
        Support::Ignored("the Compose Specification made `version` obsolete"),
    ),
    ("name", Support::Mapped),
    ("services", Support::Mapped),
    ("networks", Support::Mapped),
    ("volumes", Support::Mapped),
    ("secrets", Support::Mapped),
    ("configs", Support::Mapped),
    ("include", Support::Mapped),
    (
        "models",
        Support::NotCarried("compose AI models have no Kubernetes equivalent"),
    ),
];

/// Keys of a top-level network definition.
pub const NETWORK_KEYS: &[(&str, Support)] = &[
    (
        "driver",
        Support::Ignored(
            "the Pod shares one network namespace; the cluster's CNI replaces network drivers",
        ),
    ),
    (
        "driver_opts",
        Support::Ignored("the cluster's CNI replaces network drivers"),
    ),
    (
        "attachable",
        Support::Ignored("the cluster's CNI replaces network drivers"),
    ),
    (
        "enable_ipv4",
        Support::Ignored("the cluster's CNI decides the address families"),
    ),
    (
        "enable_ipv6",
        Support::Ignored("the cluster's CNI decides the address families"),
    ),
    ("external", Support::Mapped),
    ("internal", Support::Mapped),
    ("ipam", Support::Mapped),
    (
        "labels",
        Support::Ignored("networks become no Kubernetes object"),
    ),
    (
        "name",
        Support::Ignored("networks become no Kubernetes object"),
    ),
];

/// Keys of a top-level volume definition (`driver: local`, compose's
/// default, is not reported).
pub const VOLUME_KEYS: &[(&str, Support)] = &[
    (
        "driver",
        Support::Ignored(
            "a claim is stored by the cluster's storage class (`x-podlift.storage-class`), not by a volume driver",
        ),
    ),
    (
        "driver_opts",
        Support::NotCarried(
            "the claim is a new volume of the cluster's storage class: a host directory (`o: bind`) or an NFS export named here is not what it holds; `type: tmpfs` is carried, as an `emptyDir` in memory (`size=` kept, other options reported)",
        ),
    ),
    ("external", Support::Mapped),
    (
        "labels",
        Support::Ignored("the claim carries podlift's labels only"),
    ),
    ("name", Support::Mapped),
];

/// Looks `key` up in `table`.
#[must_use]
pub fn lookup(table: &[(&str, Support)], key: &str) -> Option<Support> {
    table.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The known key closest to `key`, for "did you mean".
#[must_use]
pub fn closest<'a>(table: &[(&'a str, Support)], key: &str) -> Option<&'a str> {
    table
        .iter()
        .map(|(k, _)| (strsim::jaro_winkler(k, key), *k))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Reports a key the reader does not map itself, as the key table says.
pub(crate) fn report_key(
    key: &Located<String>,
    table: &[(&str, Support)],
    context: &str,
    reader: &mut Reader<'_>,
) {
    report(key, table, context, false, reader);
}

/// Reports a key of `x-podlift`: compose does not look into extensions, so
/// an unknown one is a warning, not a refusal.
pub(crate) fn report_extension_key(
    key: &Located<String>,
    table: &[(&str, Support)],
    context: &str,
    reader: &mut Reader<'_>,
) {
    report(key, table, context, true, reader);
}

fn report(
    key: &Located<String>,
    table: &[(&str, Support)],
    context: &str,
    extension: bool,
    reader: &mut Reader<'_>,
) {
    if key.value.starts_with("x-") {
        return;
    }
    match lookup(table, &key.value) {
        Some(Support::Mapped) => {}
        Some(Support::Ignored(why)) => reader.diagnostics.push(
            Diagnostic::note(
                Code::KeyIgnored,
                format!(
                    "{context} key `{}` has no effect in Kubernetes: {why}",
                    key.value
                ),
            )
            .at(key.span),
        ),
        Some(Support::NotCarried(why)) => reader.diagnostics.push(
            Diagnostic::warning(
                Code::KeyNotCarried,
                format!("{context} key `{}` is not carried over: {why}", key.value),
            )
            .at(key.span)
            .help("check that the application works without it, or set it by hand in the output"),
        ),
        // An unknown compose key is refused when the file is loaded
        // (load::schema); `x-podlift` keys are podlift's own.
        None if !extension => {}
        None => {
            let mut diagnostic = Diagnostic::warning(
                Code::ExtensionKeyUnknown,
                format!("unknown {context} key `{}`", key.value),
            )
            .at(key.span);
            diagnostic = match closest(table, &key.value) {
                Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
                None => {
                    diagnostic.help("remove it, or prefix it with `x-` to mark it as an extension")
                }
            };
            reader.diagnostics.push(diagnostic);
        }
    }
}
