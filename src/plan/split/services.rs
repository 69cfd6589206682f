//! The split strategy's Services: each group's, which one answers for each
//! preset address, and the project's address map built from them.

use foldhash::{HashMap, HashSet, HashSetExt};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::port::Protocol;
use crate::plan::address_map::{AddressMap, MapEntry};
use crate::plan::context::Context;
use crate::plan::{ContainerPlan, PlanOptions, ServicePlan, ServicePort, names};

/// Preset address → (group, name of the Service that answers for it, its ports).
pub(super) type AddressOwners = BTreeMap<IpAddr, (usize, String, Vec<(u16, Protocol)>)>;

/// The project's address map: every IPv4 preset address whose service has a
/// Service. `None` when there is none.
pub(super) fn address_map(
    context: &Context<'_>,
    owners: &AddressOwners,
    diagnostics: &mut Diagnostics,
) -> Option<Arc<AddressMap>> {
    let project = context.project;
    let mut entries = Vec::new();
    for (address, (_, service, ports)) in owners {
        match address {
            IpAddr::V4(address) => entries.push(MapEntry {
                address: *address,
                service: service.clone(),
                ports: ports.clone(),
            }),
            IpAddr::V6(_) => {
                let owner = context.containers.iter().find(|c| &c.name == service);
                let span = owner
                    .and_then(|c| project.service(&c.service))
                    .map(|s| s.name.span);
                diagnostics.push(
                    Diagnostic::warning(Code::SplitIpv6, format!("IPv6 preset address `{address}` is not reachable from other Pods: the split strategy translates IPv4 addresses only"))
                        .at_opt(span)
                        .help("keep the services that call it in its Pod (`x-podlift: {group: NAME}`), or give it an IPv4 address"),
                );
            }
        }
    }
    if entries.is_empty() {
        return None;
    }
    let mut taken: names::Taken = context
        .storage
        .config_maps
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let name = names::dns_label(&format!("{}-address-map", context.name), "address-map");
    Some(Arc::new(AddressMap {
        name: taken.unique(&name),
        project: project.name.clone(),
        entries,
    }))
}

/// Each group's Services, and which Service answers for each preset address.
pub(super) fn services_and_owners(
    context: &Context<'_>,
    isolated: &BTreeSet<usize>,
    diagnostics: &mut Diagnostics,
) -> (Vec<Vec<ServicePlan>>, AddressOwners) {
    let (project, options) = (context.project, context.options);
    let group_count = context.grouping.groups.len();
    // Which Service answers for each preset address, and in which group it lives.
    let mut owner_of: AddressOwners = BTreeMap::new();
    let mut services_by_group: Vec<Vec<ServicePlan>> = vec![Vec::new(); group_count];
    // One network namespace per group: every member's port answers on every
    // address of the Pod, so each member's Service carries all of them.
    let mut group_ports: Vec<Vec<(u16, crate::model::port::Protocol)>> =
        vec![Vec::new(); group_count];
    // A set beside the lists keeps them linear in the ports (a range
    // `1-65535` is 65,535 of them).
    let mut seen: HashSet<(usize, u16, Protocol)> = HashSet::new();
    for (i, container) in context.containers.iter().enumerate() {
        let Some((g, ports)) = context
            .group_of_container(i)
            .and_then(|g| Some((g, group_ports.get_mut(g)?)))
        else {
            continue;
        };
        for &(port, protocol) in &container.details.ports {
            if seen.insert((g, port, protocol)) {
                ports.push((port, protocol));
            }
        }
    }
    let published: HashMap<&str, &ServicePlan> = context
        .services
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    // Names a `NAME-public` Service must not take.
    let mut taken: names::Taken = context.containers.iter().map(|c| c.name.clone()).collect();
    for (i, container) in context.containers.iter().enumerate() {
        let Some(g) = context
            .group_of_container(i)
            .filter(|g| !isolated.contains(g))
        else {
            continue;
        };
        let published = published.get(container.name.as_str()).copied();
        let service = service_for(
            container,
            group_ports.get(g).map_or(&[][..], Vec::as_slice),
            published,
        );
        if service.ports.is_empty() {
            if !container.addresses.is_empty() {
                let span = project.service(&container.service).map(|s| s.name.span);
                diagnostics.push(
                    Diagnostic::warning(Code::SplitNoPorts, format!("service `{}` declares no ports, so no other Pod can reach its preset address", container.service))
                        .at_opt(span)
                        .help("declare every port it listens on with `expose` or `ports`"),
                );
            }
            continue;
        }
        for address in &container.addresses {
            owner_of.entry(*address).or_insert_with(|| {
                let ports = service.ports.iter().map(|p| (p.port, p.protocol)).collect();
                (g, service.name.clone(), ports)
            });
        }
        let public = public_service(&service, published, options, &mut taken);
        if let Some(list) = services_by_group.get_mut(g) {
            list.push(service);
            list.extend(public);
        }
    }
    (services_by_group, owner_of)
}

/// With `--service-type NodePort` or `LoadBalancer`: the Service of the
/// requested type for the ports compose published on all host addresses.
/// `service` (every port peers call) takes the type itself when it holds
/// nothing else; otherwise it stays `ClusterIP` and a second Service,
/// `NAME-public`, carries only the published ports — a port compose kept
/// to its network or to one host address never leaves the cluster.
fn public_service(
    service: &ServicePlan,
    published: Option<&ServicePlan>,
    options: &PlanOptions,
    taken: &mut names::Taken,
) -> Option<ServicePlan> {
    let requested = options
        .service_type
        .filter(|t| *t != crate::plan::ServiceType::ClusterIp)?;
    let published = published.filter(|p| !p.ports.is_empty())?;
    if sorted(&published.ports) == service.ports {
        return None;
    }
    let name = names::dns_label(&format!("{}-public", service.name), "public");
    Some(ServicePlan {
        name: taken.unique(&name),
        owner: service.owner.clone(),
        type_: Some(requested),
        ports: published.ports.clone(),
    })
}

/// The Service of one compose service: every port it listens on, as clients
/// call it on the preset address, plus published ports where they differ.
/// It takes the requested type only when it holds exactly the ports compose
/// published on all host addresses; else it is `ClusterIP`, and
/// [`public_service`] makes the Service of the requested type.
pub(super) fn service_for(
    container: &ContainerPlan,
    group_ports: &[(u16, crate::model::port::Protocol)],
    published: Option<&ServicePlan>,
) -> ServicePlan {
    let mut ports: Vec<ServicePort> = group_ports
        .iter()
        .map(|(port, protocol)| ServicePort {
            name: format!("{}-{port}", protocol.as_str()),
            port: *port,
            target: *port,
            protocol: *protocol,
        })
        .collect();
    // Published ports keep their compose number too, where it differs.
    let mut seen: HashSet<(u16, Protocol)> = ports.iter().map(|p| (p.port, p.protocol)).collect();
    for extra in published.iter().flat_map(|s| s.ports.iter()) {
        if seen.insert((extra.port, extra.protocol)) {
            ports.push(extra.clone());
        }
    }
    ports.sort_by_key(|p| (p.port, p.protocol.as_str()));
    // Peers call every port; the requested type only when these are exactly
    // the ports compose published on all host addresses.
    let type_ = published
        .filter(|p| !p.ports.is_empty() && sorted(&p.ports) == ports)
        .and_then(|p| p.type_);
    ServicePlan {
        name: container.name.clone(),
        owner: container.name.clone(),
        type_,
        ports,
    }
}

fn sorted(ports: &[ServicePort]) -> Vec<ServicePort> {
    let mut ports = ports.to_vec();
    ports.sort_by_key(|p| (p.port, p.protocol.as_str()));
    ports
}
