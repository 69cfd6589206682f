//! Notes on what podlift cannot check or what becomes reachable differently:
//! services whose ports are unknown, addresses that were reachable from the
//! LAN, networks merged into one, and `extra_hosts` addresses nobody claims.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::{NetworkMode, Service};
use crate::plan::Layout;

/// `a`, `b` and `c`, each in backticks.
fn listed<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A service in a network namespace of its own making (`host`, `none`).
fn outside(service: &Service) -> bool {
    matches!(
        service.network_mode.as_ref().map(|m| &m.value),
        Some(NetworkMode::Host | NetworkMode::None)
    )
}

/// Every note of this module; `claimed` are the addresses some Pod claims.
pub(crate) fn notes(
    project: &Project,
    claimed: &[IpAddr],
    layout: Layout,
    diagnostics: &mut Diagnostics,
) {
    note_unknown_ports(project, layout == Layout::Split, diagnostics);
    note_lan_addresses(project, diagnostics);
    note_unclaimed_extra_hosts(project, claimed, diagnostics);
}

/// Services that declare no port: no clash with them can be seen, and
/// under a split no other Pod reaches them.
fn note_unknown_ports(project: &Project, split: bool, diagnostics: &mut Diagnostics) {
    // In one Pod this is a risk the port check cannot rule out; across
    // Pods it decides what is reachable: said where it decides.
    if project.services.len() < 2 || !split {
        return;
    }
    let silent: Vec<&Service> = project
        .services
        .iter()
        .filter(|s| s.ports.is_empty() && s.expose.is_empty() && !outside(s))
        .filter(|s| {
            !matches!(
                s.network_mode.as_ref().map(|m| &m.value),
                Some(NetworkMode::Service(_) | NetworkMode::Container(_))
            )
        })
        .collect();
    let Some(first) = silent.first() else {
        return;
    };
    let (noun, verb, their) = if silent.len() == 1 {
        ("service", "declares", "its")
    } else {
        ("services", "declare", "their")
    };
    let reach = "; other Pods reach them only on ports another service of their Pod declares";
    diagnostics.push(
        Diagnostic::note(
            Code::PortsUnknown,
            format!(
                "{noun} {} {verb} no ports, so podlift cannot see whether {their} ports clash with another service's{reach}",
                listed(silent.iter().map(|s| s.name.value.as_str())),
            ),
        )
        .at(first.name.span)
        .help("list the ports each listens on under `expose` (compose publishes nothing for `expose`; podlift then checks them and gives them Services)"),
    );
}

/// A preset address on a `macvlan`/`ipvlan` network was
/// reachable from the LAN; on a Pod's loopback it is not.
fn note_lan_addresses(project: &Project, diagnostics: &mut Diagnostics) {
    for network in &project.networks {
        let driver = network
            .driver
            .as_ref()
            .map(|d| d.value.as_str())
            .filter(|d| matches!(*d, "macvlan" | "ipvlan"));
        // An external network's driver is not in the file: only a
        // declared `macvlan`/`ipvlan` is known to face the LAN.
        let Some(driver) = driver else {
            continue;
        };
        let on: Vec<&Service> = project
            .services
            .iter()
            .filter(|s| {
                s.networks
                    .iter()
                    .any(|n| n.name.value == network.name.value && n.addresses().next().is_some())
            })
            .collect();
        let Some(first) = on.first() else {
            continue;
        };
        let what = format!("`{driver}` network");
        diagnostics.push(
            Diagnostic::note(
                Code::AddressLan,
                format!(
                    "{} on {what} `{}` had {} the LAN could reach; on a Pod's loopback {} reachable from inside the Pod only",
                    listed(on.iter().map(|s| s.name.value.as_str())),
                    network.name.value,
                    if on.len() == 1 { "an address" } else { "addresses" },
                    if on.len() == 1 { "it is" } else { "they are" },
                ),
            )
            .at(first.name.span)
            .help("to reach a service from outside the cluster, publish its ports on all host addresses (`ports: [8080:80]` gives a Service; `--service-type NodePort` or `LoadBalancer` applies to those), or give it the node's network (`network_mode: host`, a Pod of its own)"),
        );
    }
}

/// An `extra_hosts` address inside a compose subnet that no service claims:
/// often an address the images use themselves.
fn note_unclaimed_extra_hosts(
    project: &Project,
    claimed: &[IpAddr],
    diagnostics: &mut Diagnostics,
) {
    let mut seen: BTreeSet<IpAddr> = BTreeSet::new();
    for service in &project.services {
        for host in &service.extra_hosts {
            let Some(address) = host.address else {
                continue;
            };
            if claimed.contains(&address) || !seen.insert(address) {
                continue;
            }
            let Some(network) = project
                .networks
                .iter()
                .find(|n| n.subnets.iter().any(|s| s.value.contains(&address)))
            else {
                continue;
            };
            diagnostics.push(
                Diagnostic::note(
                    Code::ExtraHostUnclaimed,
                    format!(
                        "`extra_hosts` of service `{}` sends `{}` to `{address}`, inside network `{}`'s subnet, but no service claims that address",
                        service.name.value, host.name.value, network.name.value
                    ),
                )
                .at(host.name.span)
                .help(format!("if a service of the application answers there, claim it: `x-podlift: {{extra-addresses: [{address}]}}` at the top level, or `--extra-ip {address}`")),
            );
        }
    }
}
