//! Settings Kubernetes has once per Pod: hostname, DNS, grace period,
//! sysctls, compose labels as annotations.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::KeyValue;
use crate::model::service::Service;
use crate::plan::label_keys::{self, KeyKind};
use crate::plan::{names, process};
use crate::source::{Located, Span};

/// Settings Kubernetes has once per Pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodLevel {
    /// `hostname`.
    pub hostname: Option<String>,
    /// `dnsConfig.nameservers`.
    pub dns_servers: Vec<String>,
    /// `dnsConfig.searches`.
    pub dns_searches: Vec<String>,
    /// `dnsConfig.options` as `name[:value]`.
    pub dns_options: Vec<String>,
    /// `terminationGracePeriodSeconds`.
    pub termination_grace: Option<i64>,
    /// `securityContext.sysctls` as (name, value).
    pub sysctls: Vec<(String, String)>,
    /// Compose `labels` and `annotations`, as Pod annotations.
    pub annotations: BTreeMap<String, String>,
    /// `hostNetwork: true` (a `network_mode: host` service in a Pod of its own).
    pub host_network: bool,
    /// Host namespaces, a shared process namespace, supplemental groups.
    pub process: process::ProcessLevel,
}

/// Reports services that set a pod-wide value differently; the first one wins.
fn one_value<T: Clone + PartialEq + std::fmt::Debug>(
    services: &[&Service],
    what: &str,
    get: impl Fn(&Service) -> Option<(T, Span)>,
    diagnostics: &mut Diagnostics,
) -> Option<T> {
    let mut chosen: Option<(T, &str)> = None;
    for service in services {
        let Some((value, span)) = get(service) else {
            continue;
        };
        match &chosen {
            None => chosen = Some((value, &service.name.value)),
            Some((first, owner)) if *first != value => diagnostics.push(
                Diagnostic::warning(
                    Code::PodWideDiffers,
                    format!("services `{owner}` and `{}` set `{what}` differently; a Pod has one, and podlift keeps `{owner}`'s", service.name.value),
                )
                .at(span)
                .help("make them agree, or check that the service works with the other value"),
            ),
            Some(_) => {}
        }
    }
    chosen.map(|(value, _)| value)
}

/// The pod-wide values a service sets that [`pod_level`] keeps one of,
/// as (key, value): a Pod of services that set one differently cannot
/// give each its own (`--strategy auto` keeps them apart).
pub(crate) fn pod_wide_values(service: &Service) -> Vec<(&'static str, String)> {
    let list = |l: &Option<Located<Vec<String>>>| l.as_ref().map(|l| l.value.join("\n"));
    [
        (
            "hostname",
            service.hostname.as_ref().map(|h| h.value.clone()),
        ),
        ("dns", list(&service.pod.dns)),
        ("dns_search", list(&service.pod.dns_search)),
        ("dns_opt", list(&service.pod.dns_opt)),
        (
            "sysctls",
            service.pod.sysctls.as_ref().map(|l| {
                let entries: Vec<String> = l.value.iter().map(ToString::to_string).collect();
                entries.join("\n")
            }),
        ),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.map(|v| (key, v)))
    .collect()
}

/// Reports a pod-wide value that some services of the Pod set and others
/// did not: the others get it too, where compose gave it to its owners only.
fn note_widened(
    services: &[&Service],
    key: &str,
    field: &str,
    get: impl Fn(&Service) -> Option<Span>,
    diagnostics: &mut Diagnostics,
) {
    let (set, unset): (Vec<&&Service>, Vec<&&Service>) =
        services.iter().partition(|s| get(s).is_some());
    let Some(first) = set.first() else { return };
    if unset.is_empty() {
        return;
    }
    let names = |list: &[&&Service]| {
        list.iter()
            .map(|s| format!("`{}`", s.name.value))
            .collect::<Vec<_>>()
            .join(", ")
    };
    diagnostics.push(
        Diagnostic::note(
            Code::PodWideWidened,
            format!(
                "`{key}` of {} becomes the Pod's `{field}`, which every container of the Pod shares: {} get{} it too, where compose set it for {} only",
                names(&set),
                names(&unset),
                if unset.len() == 1 { "s" } else { "" },
                names(&set),
            ),
        )
        .at_opt(get(first))
        .help("check that the other services work with it, or run the service in a Pod of its own (`--strategy split`)"),
    );
}

/// The DNS, sysctl and host name settings some services of the Pod set.
fn note_widened_settings(services: &[&Service], diagnostics: &mut Diagnostics) {
    let span = |l: &Option<Located<Vec<String>>>| l.as_ref().map(|l| l.span);
    note_widened(
        services,
        "hostname",
        "hostname",
        |s| {
            s.hostname
                .as_ref()
                .filter(|h| {
                    names::is_host_name(&h.value.to_ascii_lowercase()) && !h.value.contains('.')
                })
                .map(|h| h.span)
        },
        diagnostics,
    );
    note_widened(
        services,
        "dns",
        "dnsConfig.nameservers",
        |s| span(&s.pod.dns),
        diagnostics,
    );
    note_widened(
        services,
        "dns_search",
        "dnsConfig.searches",
        |s| span(&s.pod.dns_search),
        diagnostics,
    );
    note_widened(
        services,
        "dns_opt",
        "dnsConfig.options",
        |s| span(&s.pod.dns_opt),
        diagnostics,
    );
    note_widened(
        services,
        "sysctls",
        "securityContext.sysctls",
        |s| s.pod.sysctls.as_ref().map(|l| l.span),
        diagnostics,
    );
}

/// Compose labels become Pod annotations (Kubernetes labels are for
/// selection, and compose label values rarely fit their syntax).
fn labels_as_annotations(
    services: &[&Service],
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut kompose: Vec<&Located<KeyValue>> = Vec::new();
    let mut acted_on: Vec<(&str, KeyKind, &Located<KeyValue>)> = Vec::new();
    for service in services {
        for label in service.labels.iter().chain(&service.annotations) {
            let (key, value) = (label.value.key.as_str(), label.value.value_or_empty());
            // kompose's own settings: podlift does not read them (one note below).
            if key.starts_with("kompose.") {
                kompose.push(label);
                continue;
            }
            // Annotations are plain text and cannot reference a Secret.
            if let Some(why) = crate::model::credential::credential(key, value) {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::LabelCredential,
                        format!(
                            "label `{key}` of service `{}` looks like a credential ({}); annotations are plain text and cannot reference a Secret, so it is left out",
                            service.name.value,
                            why.reason()
                        ),
                    )
                    .at(label.span)
                    .help("pass the value as an `environment` variable or a compose `secrets:` entry (podlift puts those into a Secret); if it is no credential, rename the label"),
                );
                continue;
            }
            if let Some(problem) = names::qualified_name_problem(key) {
                diagnostics.push(
                    Diagnostic::warning(Code::LabelInvalid, format!("label `{key}` of service `{}` is not a valid annotation key: {problem}; it is left out", service.name.value))
                        .at(label.span)
                        .help("rename the label: annotation keys are `[prefix/]name`, the name at most 63 letters, digits, `-`, `_` and `.`, the prefix a DNS subdomain"),
                );
                continue;
            }
            match label_keys::kind(key) {
                KeyKind::Descriptive => {}
                kind => acted_on.push((key, kind, label)),
            }
            match out.get(key) {
                Some(existing) if existing != value => diagnostics.push(
                    Diagnostic::warning(Code::PodWideDiffers, format!("label `{key}` has different values across services; the Pod keeps `{existing}`"))
                        .at(label.span),
                ),
                Some(_) => {}
                None => {
                    out.insert(key.to_string(), value.to_string());
                }
            }
        }
    }
    label_keys::report(&acted_on, diagnostics);
    if let Some(first) = kompose.first() {
        let mut keys: Vec<&str> = kompose.iter().map(|l| l.value.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        diagnostics.push(
            Diagnostic::note(
                Code::KomposeLabel,
                format!("podlift does not interpret kompose's labels ({}); they are left out of the manifests", list.join(", ")),
            )
            .at(first.span)
            .help("podlift's own settings are under `x-podlift` (`podlift explain kompose-label` lists the nearest ones); Service types come from `--service-type`"),
        );
    }
    out
}

/// The settings Kubernetes has once per Pod, from the Pod's own services only.
pub(crate) fn pod_level(services: &[&Service], diagnostics: &mut Diagnostics) -> PodLevel {
    let list = |l: &Option<Located<Vec<String>>>| l.as_ref().map(|l| (l.value.clone(), l.span));
    let hostname = one_value(
        services,
        "hostname",
        |s| s.hostname.as_ref().map(|h| (h.value.clone(), h.span)),
        diagnostics,
    );
    let dns_servers =
        one_value(services, "dns", |s| list(&s.pod.dns), diagnostics).unwrap_or_default();
    let dns_searches = one_value(
        services,
        "dns_search",
        |s| list(&s.pod.dns_search),
        diagnostics,
    )
    .unwrap_or_default();
    let dns_options =
        one_value(services, "dns_opt", |s| list(&s.pod.dns_opt), diagnostics).unwrap_or_default();
    let sysctls = one_value(
        services,
        "sysctls",
        |s| s.pod.sysctls.as_ref().map(|l| (l.value.clone(), l.span)),
        diagnostics,
    )
    .unwrap_or_default();
    // The Pod waits as long as its slowest service asks for.
    let grace = services
        .iter()
        .filter_map(|s| s.pod.stop_grace_period.as_ref())
        .map(|d| d.value)
        .max();
    let grace_values: std::collections::BTreeSet<_> = services
        .iter()
        .filter_map(|s| s.pod.stop_grace_period.as_ref())
        .map(|d| d.value)
        .collect();
    if grace_values.len() > 1 {
        diagnostics.push(
            Diagnostic::note(
                Code::PodWideDiffers,
                "services set different `stop_grace_period`s; the Pod uses the longest for all",
            )
            .at_opt(
                services
                    .iter()
                    .find_map(|s| s.pod.stop_grace_period.as_ref())
                    .map(|d| d.span),
            ),
        );
    }
    note_widened_settings(services, diagnostics);
    let annotations = labels_as_annotations(services, diagnostics);
    PodLevel {
        process: process::ProcessLevel::default(),
        annotations,
        // A Pod's hostname is one DNS label; a longer name stays a host alias only.
        hostname: hostname
            .map(|h| h.to_ascii_lowercase())
            .filter(|h| names::is_host_name(h) && !h.contains('.')),
        dns_servers,
        dns_searches,
        dns_options,
        termination_grace: grace.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        sysctls: safe_sysctls(services, &sysctls, diagnostics),
        host_network: false,
    }
}

/// Sysctls the kubelet allows by default (Kubernetes 1.29+ "safe" set);
/// others stop the Pod unless the node allows them.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_syncookies",
];

fn safe_sysctls(
    services: &[&Service],
    sysctls: &[KeyValue],
    diagnostics: &mut Diagnostics,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in sysctls {
        let Some(value) = &entry.value else {
            continue;
        };
        let (name, value) = (entry.key.trim(), value.trim());
        if SAFE_SYSCTLS.contains(&name) {
            out.push((name.to_string(), value.to_string()));
        } else {
            let span = services
                .iter()
                .find_map(|s| s.pod.sysctls.as_ref())
                .map(|s| s.span);
            diagnostics.push(
                Diagnostic::warning(Code::SysctlUnsafe, format!("sysctl `{name}` is not in Kubernetes' safe set; it is left out, since the kubelet would refuse the Pod"))
                    .at_opt(span)
                    .help("set it on the nodes, or allow it there (`--allowed-unsafe-sysctls`) and add it to the Pod by hand"),
            );
        }
    }
    out
}
