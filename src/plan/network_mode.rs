//! `network_mode` and `networks`: the references compose checks, and what
//! a Pod of shared services cannot give.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::{NetworkMode, Service};
use crate::plan::{Layout, addresses, host_network};

pub(crate) fn check_network_modes(
    project: &Project,
    layout: Layout,
    diagnostics: &mut Diagnostics,
) {
    for service in &project.services {
        network_references(project, service, diagnostics);
        network_mode_fits(project, service, layout, diagnostics);
    }
}

/// What compose itself refuses: an undeclared network, `network_mode`
/// beside `networks`, a `network_mode` naming no service or network.
pub(crate) fn network_references(
    project: &Project,
    service: &Service,
    diagnostics: &mut Diagnostics,
) {
    for network in &service.networks {
        let declared = network.name.value == "default"
            || project
                .networks
                .iter()
                .any(|n| n.name.value == network.name.value);
        if !declared {
            diagnostics.push(
                Diagnostic::error(Code::NetworkUndeclared, format!("service `{}` joins network `{}`, which the top-level `networks` does not declare", service.name.value, network.name.value))
                    .at(network.name.span)
                    .help(format!("add `networks: {{{}: {{}}}}` at the top level", network.name.value)),
            );
        }
    }
    if let (Some(_), Some(network)) = (&service.network_mode, service.networks.first()) {
        diagnostics.push(
            Diagnostic::error(Code::NetworkModeNetworks, format!("service `{}` sets both `network_mode` and `networks`, which compose refuses", service.name.value))
                .at(network.name.span)
                .help("keep one: `network_mode: service:NAME` already gives the service that service's networks"),
        );
    }
    let Some(mode) = &service.network_mode else {
        return;
    };
    let name = &service.name.value;
    match &mode.value {
        NetworkMode::Service(target) => {
            if project.service(target).is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        Code::NetworkModeTarget,
                        format!("service `{name}` shares the network namespace of `{target}`, which is not a service"),
                    )
                    .at(mode.span)
                    .help("name a service of this project in `network_mode: service:NAME`"),
                );
            }
        }
        NetworkMode::Other(other) => {
            if !project.networks.iter().any(|n| n.name.value == *other) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::NetworkModeTarget,
                        format!("service `{name}` uses unknown `network_mode: {other}`"),
                    )
                    .at(mode.span)
                    .help("use `service:NAME`, or remove the key"),
                );
            }
        }
        NetworkMode::Container(_)
        | NetworkMode::Host
        | NetworkMode::None
        | NetworkMode::Bridge
        | NetworkMode::Default => {}
    }
}

/// What compose accepts but the Pods cannot give: a container outside the
/// project, the host's network or none in a Pod of shared services.
fn network_mode_fits(
    project: &Project,
    service: &Service,
    layout: Layout,
    diagnostics: &mut Diagnostics,
) {
    let split = layout == Layout::Split;
    let Some(mode) = &service.network_mode else {
        return;
    };
    let name = &service.name.value;
    match &mode.value {
        NetworkMode::Container(target) => {
            if addresses::container_target(project, target).is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        Code::NetworkModeTarget,
                        format!("service `{name}` shares the network of container `{target}`, which no service of this project is"),
                    )
                    .at(mode.span)
                    .help("a container outside the project does not exist in the cluster; use `network_mode: service:NAME`"),
                );
            }
        }
        NetworkMode::Host if split => {
            // Under Docker the host routes to its bridges' preset addresses;
            // a node does not, and podlift leaves its routes alone.
            let mentioned = host_network::preset_mentions(project, service);
            let peers = if mentioned.is_empty() {
                String::new()
            } else {
                format!(
                    "; it mentions the preset addresses {}, which under Docker the host routed to its bridges, but the node's network does not reach them and podlift does not change a node's routes or firewall",
                    host_network::listed(&mentioned)
                )
            };
            diagnostics.push(
                Diagnostic::warning(Code::NetworkModeHost, format!("service `{name}` uses `network_mode: host`: its Pod gets `hostNetwork: true`, so its ports are the node's ports and the namespace needs the Pod Security level `privileged`{peers}"))
                    .at(mode.span)
                    .help(if mentioned.is_empty() {
                        "keep it only if the service must see the node's network; two replicas cannot run on one node, and nothing else on the node may use its ports; from the node's network it reaches no peer by preset address (only by a published port or a Service's ClusterIP)".to_string()
                    } else {
                        "point it at its peers' Services (a ClusterIP, or a port published on the node) instead of their preset addresses, or remove `network_mode: host` so that it gets the preset addresses like the others".to_string()
                    }),
            );
        }
        NetworkMode::Host => diagnostics.push(
            Diagnostic::error(Code::NetworkModeHost, format!("service `{name}` uses `network_mode: host`, which a Pod of shared services cannot give"))
                .at(mode.span)
                .help("convert without `--strategy pod`: the default `--strategy auto` gives it a Pod of its own with `hostNetwork: true`; or remove `network_mode: host`"),
        ),
        NetworkMode::None if split => {}
        NetworkMode::None => diagnostics.push(
            Diagnostic::error(Code::NetworkModeNone, format!("service `{name}` uses `network_mode: none`, but every container of the Pod shares its network"))
                .at(mode.span)
                .help("convert without `--strategy pod`: the default `--strategy auto` gives it a Pod of its own, without a Service"),
        ),
        NetworkMode::Service(_) | NetworkMode::Bridge | NetworkMode::Default | NetworkMode::Other(_) => {}
    }
}
