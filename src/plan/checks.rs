//! Checks of the project that are not part of building a Pod: addresses
//! against subnets, the cluster's ranges and reserved addresses; replicas
//! and restart policies, which a Pod has only once; what the namespace and
//! the peers must know.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::{Restart, Service};
use crate::plan::{Layout, Role};
use crate::source::{Located, Span};

/// Ranges clusters commonly use, checked when the user names none.
pub const COMMON_CLUSTER_RANGES: &[(&str, &str)] = &[
    ("10.244.0.0/16", "the kubeadm/flannel Pod range"),
    ("10.42.0.0/16", "the k3s/RKE2 Pod range"),
    ("10.96.0.0/12", "the kubeadm Service range"),
    ("10.43.0.0/16", "the k3s/RKE2 Service range"),
    ("10.100.0.0/16", "the EKS Service range"),
    ("192.168.0.0/16", "Calico's default Pod pool"),
    ("172.17.0.0/16", "Docker's default bridge on the nodes"),
];

/// Addresses that must never be claimed on a Pod's loopback, with the reason.
fn reserved(ip: IpAddr) -> Option<&'static str> {
    const METADATA: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
    const NODE_LOCAL_DNS: Ipv4Addr = Ipv4Addr::new(169, 254, 20, 10);
    const CALICO_GATEWAY: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);
    const AWS_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => {
            Some("it is a loopback address (127.0.0.0/8) the Pod already has")
        }
        IpAddr::V4(v4) if v4.is_unspecified() => Some("`0.0.0.0` means every address"),
        IpAddr::V4(v4) if v4.is_broadcast() => Some("it is the broadcast address"),
        IpAddr::V4(v4) if v4.is_multicast() => Some("it is a multicast address"),
        IpAddr::V4(v4) if v4 == METADATA => {
            Some("it is the cloud metadata service; claiming it cuts the Pod off from it")
        }
        IpAddr::V4(v4) if v4 == NODE_LOCAL_DNS => {
            Some("it is NodeLocal DNSCache's address; claiming it breaks DNS in the Pod")
        }
        IpAddr::V4(v4) if v4 == CALICO_GATEWAY => {
            Some("it is Calico's gateway; claiming it breaks the Pod's default route")
        }
        IpAddr::V6(v6) if v6.is_loopback() => {
            Some("it is the loopback address the Pod already has")
        }
        IpAddr::V6(v6) if v6.is_unspecified() => Some("`::` means every address"),
        IpAddr::V6(v6) if v6.is_multicast() => Some("it is a multicast address"),
        IpAddr::V6(v6) if v6 == AWS_METADATA_V6 => Some("it is the cloud metadata service"),
        IpAddr::V4(_) | IpAddr::V6(_) => None,
    }
}

/// Every preset address with where it was written (`--extra-ip`: nowhere in
/// a file) and who declared it.
fn declared(project: &Project, extra: &[IpAddr]) -> Vec<(IpAddr, Option<Span>, String)> {
    let mut out = Vec::new();
    for service in &project.services {
        for network in &service.networks {
            for address in network.addresses() {
                out.push((
                    address.value,
                    Some(address.span),
                    format!("service `{}`", service.name.value),
                ));
            }
        }
    }
    for address in &project.extension.extra_addresses {
        out.push((
            address.value,
            Some(address.span),
            "`x-podlift.extra-addresses`".to_string(),
        ));
    }
    for address in extra {
        out.push((*address, None, "`--extra-ip`".to_string()));
    }
    out
}

/// Checks addresses: subnet membership, reserved ones, the cluster's ranges.
pub fn check_addresses(
    project: &Project,
    extra: &[IpAddr],
    pod_cidrs: &[IpNet],
    service_cidrs: &[IpNet],
    diagnostics: &mut Diagnostics,
) {
    for service in &project.services {
        for attachment in &service.networks {
            let Some(network) = project
                .networks
                .iter()
                .find(|n| n.name.value == attachment.name.value)
            else {
                continue;
            };
            for address in attachment.addresses() {
                let same_family: Vec<&IpNet> = network
                    .subnets
                    .iter()
                    .map(|s| &s.value)
                    .filter(|s| s.addr().is_ipv4() == address.value.is_ipv4())
                    .collect();
                if !same_family.is_empty()
                    && !same_family.iter().any(|s| s.contains(&address.value))
                {
                    let list: Vec<String> = same_family.iter().map(|s| format!("`{s}`")).collect();
                    diagnostics.push(
                        Diagnostic::error(
                            Code::AddressOutsideSubnet,
                            format!("address `{}` of service `{}` is outside network `{}`'s subnet {}", address.value, service.name.value, network.name.value, list.join(", ")),
                        )
                        .at(address.span)
                        .help("fix the address or the subnet; compose itself would refuse to start this service"),
                    );
                }
            }
        }
    }
    let user_ranges = !pod_cidrs.is_empty() || !service_cidrs.is_empty();
    for (address, span, who) in declared(project, extra) {
        if let Some(why) = reserved(address) {
            diagnostics.push(
                Diagnostic::error(
                    Code::AddressReserved,
                    format!(
                        "{who} claims `{address}`, which must not go on the Pod's loopback: {why}"
                    ),
                )
                .at_opt(span)
                .help("choose another address; the images' configuration must follow"),
            );
            continue;
        }
        for (ranges, kind) in [(pod_cidrs, "Pod"), (service_cidrs, "Service")] {
            if let Some(range) = ranges.iter().find(|r| r.contains(&address)) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::AddressClusterRange,
                        format!("{who} claims `{address}`, inside the cluster's {kind} range `{range}`: it would hijack traffic to a real {kind}"),
                    )
                    .at_opt(span)
                    .help("preset addresses must lie outside the cluster's ranges; 169.254.0.0/16 link-local addresses are usually safe"),
                );
            }
        }
        if !user_ranges {
            for (range, what) in COMMON_CLUSTER_RANGES {
                let Ok(net) = range.parse::<IpNet>() else {
                    continue;
                };
                if net.contains(&address) {
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::AddressCommonRange,
                            format!("{who} claims `{address}`, inside `{range}` ({what}); if the cluster uses that range, the Pod would hijack traffic to it"),
                        )
                        .at_opt(span)
                        .help("name the cluster's ranges with `--pod-cidr` and `--service-cidr` to check for real"),
                    );
                }
            }
        }
    }
}

/// Notes that hold for every Pod with preset addresses (the Pod Security
/// level they need is measured on the rendered Pods: `render::pod_security`).
pub(crate) fn notes(project: &Project, layout: Layout, diagnostics: &mut Diagnostics) {
    let with_addresses = project
        .services
        .iter()
        .filter(|s| s.networks.iter().any(|n| n.addresses().next().is_some()))
        .count();
    if with_addresses > 1 && layout == Layout::Split {
        diagnostics.push(
            Diagnostic::note(
                Code::SourceAddress,
                "across Pods a connection to a preset address comes from the caller's Pod IP, not from the caller's preset address",
            )
            .help("a server that allows clients by source address must allow the cluster's Pod range"),
        );
    } else if with_addresses > 1 {
        diagnostics.push(
            Diagnostic::note(
                Code::SourceAddress,
                "in one Pod a connection to a preset address comes from that same address (over loopback), not from the caller's own",
            )
            .help("a server that allows clients by source address must allow its own preset address too"),
        );
    }
}

/// One note naming every variable whose value `environment: [NAME]` took
/// from the environment podlift runs in (compose's rule), never the value:
/// the manifests now hold what that shell had.
pub fn note_captured_environment(project: &Project, diagnostics: &mut Diagnostics) {
    let captured: Vec<(&str, &Located<String>)> = project
        .services
        .iter()
        .flat_map(|s| s.captured_env.iter().map(|v| (s.name.value.as_str(), v)))
        .collect();
    let Some((_, first)) = captured.first() else {
        return;
    };
    let list: Vec<String> = captured
        .iter()
        .map(|(service, variable)| format!("`{}` of `{service}`", variable.value))
        .collect();
    diagnostics.push(
        Diagnostic::note(
            Code::EnvironmentFromShell,
            format!(
                "the value of {} came from the environment podlift runs in (`environment` names it without a value) and is written into the manifests",
                list.join(", ")
            ),
        )
        .at(first.span)
        .help("check that no secret is among them; set the value in the compose file or an env file, or move it into a Secret"),
    );
}

/// What lets a service change the network namespace it runs in (routes,
/// addresses, firewall rules): `privileged`, or `cap_add` of `NET_ADMIN`,
/// `NET_RAW`, `SYS_ADMIN` or `ALL`.
#[must_use]
pub fn network_privilege(service: &crate::model::service::Service) -> Option<String> {
    if service.security.privileged {
        return Some("`privileged: true`".to_string());
    }
    let risky: Vec<String> = service
        .security
        .cap_add
        .iter()
        .filter(|cap| {
            let name = cap.to_ascii_uppercase();
            let name = name.strip_prefix("CAP_").unwrap_or(&name);
            matches!(name, "NET_ADMIN" | "NET_RAW" | "SYS_ADMIN" | "ALL")
        })
        .cloned()
        .collect();
    (!risky.is_empty()).then(|| format!("`cap_add: {}`", risky.join(", ")))
}

/// Warns for each service that can change the network every member of its
/// Pod shares; `peers` names who shares it.
pub fn warn_network_privilege(
    service: &crate::model::service::Service,
    peers: &str,
    diagnostics: &mut Diagnostics,
) {
    let Some(what) = network_privilege(service) else {
        return;
    };
    diagnostics.push(
        Diagnostic::warning(
            Code::SharedNetworkPrivilege,
            format!(
                "service `{}` has {what}: it can change routes, addresses and firewall rules for {peers}, which share its network namespace (a VPN, a kill switch or an iptables rule then applies to all of them)",
                service.name.value
            ),
        )
        .at(service.name.span)
        .help("if it changes the network, give it a Pod of its own: the default `--strategy auto` does (or `--strategy split`), unless it shares a namespace (`network_mode: service:`) or an `x-podlift.group` with others"),
    );
}

pub(crate) fn check_replicas(project: &Project, diagnostics: &mut Diagnostics) {
    for service in &project.services {
        if let Some(replicas) = service.replicas.as_ref().filter(|r| r.value > 1) {
            diagnostics.push(
                Diagnostic::error(
                    Code::Replicas,
                    format!("service `{}` asks for {} replicas, but in one Pod the whole stack would be copied", service.name.value, replicas.value),
                )
                .at(replicas.span)
                .help("convert without `--strategy pod`: the default `--strategy auto` gives it a Deployment of its own; or set `replicas: 1`"),
            );
        }
    }
}

pub(crate) fn check_restart(project: &Project, roles: &[Role], diagnostics: &mut Diagnostics) {
    // A one-shot init container runs to completion once: what `no` means.
    let long_running: Vec<(&Service, Restart)> = project
        .services
        .iter()
        .zip(roles)
        .filter(|(_, role)| **role != Role::Init)
        .map(|(service, _)| {
            (
                service,
                service.restart.as_ref().map_or(Restart::No, |r| r.value),
            )
        })
        .collect();
    let restarts = |policy: Restart| matches!(policy, Restart::Always | Restart::UnlessStopped);
    let all_alike = long_running
        .windows(2)
        .all(|w| matches!(w, [(_, a), (_, b)] if restarts(*a) == restarts(*b)));
    if all_alike {
        // No service restarts on its own: one fact about the Pod, naming
        // each policy as it is written.
        let mut policies: Vec<&'static str> = Vec::new();
        for (_, policy) in long_running.iter().filter(|(_, p)| !restarts(*p)) {
            if !policies.contains(&policy.as_str()) {
                policies.push(policy.as_str());
            }
        }
        if !policies.is_empty() {
            let message = match policies.as_slice() {
                [one] => format!(
                    "every service has restart policy `{one}`, but a Deployment's Pod restarts each container that exits"
                ),
                many => format!(
                    "no service restarts after it exits (restart policies {}), but a Deployment's Pod restarts each container that exits",
                    many.iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diagnostics.push(
                Diagnostic::note(Code::RestartPod, message)
                    .help("make sure the services may run again after they exit"),
            );
        }
        return;
    }
    let restarting: Vec<&str> = long_running
        .iter()
        .filter(|(_, p)| restarts(*p))
        .map(|(s, _)| s.name.value.as_str())
        .collect();
    let example = restarting.first().copied().unwrap_or_default();
    for (service, policy) in long_running.iter().filter(|(_, p)| !restarts(*p)) {
        let span = service
            .restart
            .as_ref()
            .map_or(service.name.span, |r| r.span);
        diagnostics.push(
            Diagnostic::warning(
                Code::RestartDiffers,
                format!(
                    "service `{}` has restart policy `{}`, but a Deployment's Pod restarts every container that exits (as `{example}`'s policy asks)",
                    service.name.value,
                    policy.as_str()
                ),
            )
            .at(span)
            .help("make sure the service may run again after it exits (compose's default is `no`)"),
        );
    }
}
