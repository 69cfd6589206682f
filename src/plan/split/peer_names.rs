//! Names in the split strategy. A Pod's `hostAliases` hold only what the
//! cluster's DNS cannot give, so that no Pod's spec grows with its peers:
//!
//! - the names of the Pod's own services (service name, `container_name`,
//!   `hostname`, network aliases) at their preset address (`127.0.0.1` for
//!   one without), the `links` aliases its services declare and their
//!   `extra_hosts`;
//! - a peer's service name resolves through its Service; a peer's other
//!   names (`container_name`, network aliases) get a Service of their own
//!   that selects the same Pod; a peer's `hostname` does not resolve, as
//!   under compose;
//! - only a peer's name that cannot be a Service name (a dot, a leading
//!   digit) goes into every Pod's `hostAliases`, at the peer's preset
//!   address, which the address map then sends to its Service.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::plan::names::{is_host_name, is_service_name};
use crate::plan::{ContainerPlan, HostAlias, ServicePlan};
use crate::source::Span;

/// What the split knows about each service: its group, its container, and
/// its Service (if it has ports).
pub struct Peers<'a> {
    /// Group of each compose service.
    pub group_of: &'a HashMap<&'a str, usize>,
    /// Container of each compose service.
    pub containers: &'a HashMap<&'a str, &'a ContainerPlan>,
}

/// One name claimed by a service.
struct Claim {
    name: String,
    service: usize,
    /// A `hostname`: compose's DNS does not give it to peers.
    hostname: bool,
    span: Span,
}

/// Every service's names, each claimed once (the first service to name it
/// keeps it; the one-Pod plan has reported the conflicts already).
fn claims(project: &Project) -> Vec<Claim> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (index, service) in project.services.iter().enumerate() {
        let mut names = vec![(&service.name, false)];
        names.extend(service.container_name.iter().map(|n| (n, false)));
        names.extend(service.hostname.iter().map(|n| (n, true)));
        for network in &service.networks {
            names.extend(network.aliases.iter().map(|n| (n, false)));
        }
        for (name, hostname) in names {
            let lower = name.value.to_ascii_lowercase();
            if is_host_name(&lower) && seen.insert(lower.clone()) {
                out.push(Claim {
                    name: lower,
                    service: index,
                    hostname,
                    span: name.span,
                });
            }
        }
    }
    out
}

/// Each group's `hostAliases`, built name by name.
struct Table {
    by_ip: BTreeMap<IpAddr, Vec<String>>,
    names: HashSet<String>,
}

impl Table {
    fn add(&mut self, ip: IpAddr, name: &str) {
        if self.names.insert(name.to_string()) {
            self.by_ip.entry(ip).or_default().push(name.to_string());
        }
    }
}

/// Plans the names: returns each group's `hostAliases`, and adds to
/// `services` (each group's Services) a Service per extra name of a peer.
pub fn plan(
    project: &Project,
    peers: &Peers<'_>,
    services: &mut [Vec<ServicePlan>],
    diagnostics: &mut Diagnostics,
) -> Vec<Vec<HostAlias>> {
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut tables: Vec<Table> = (0..services.len())
        .map(|_| Table {
            by_ip: BTreeMap::new(),
            names: HashSet::new(),
        })
        .collect();
    // Each compose service's Service (its group's list holds it by container name).
    let service_of: HashMap<&str, (usize, usize)> = project
        .services
        .iter()
        .filter_map(|s| {
            let name = s.name.value.as_str();
            let g = *peers.group_of.get(name)?;
            let container = peers.containers.get(name)?;
            let i = services
                .get(g)?
                .iter()
                .position(|p| p.name == container.name)?;
            Some((name, (g, i)))
        })
        .collect();
    let mut taken: HashSet<String> = services.iter().flatten().map(|s| s.name.clone()).collect();
    let mut extra: Vec<(usize, ServicePlan)> = Vec::new();
    // Names only hostAliases can give, for every Pod but the owner's.
    let mut everywhere: Vec<(usize, IpAddr, String)> = Vec::new();
    let place = |name: &str,
                 target: &str,
                 span: Span,
                 taken: &mut HashSet<String>,
                 extra: &mut Vec<(usize, ServicePlan)>,
                 diagnostics: &mut Diagnostics|
     -> Option<IpAddr> {
        // No Service: nothing of the peer can be reached from another Pod
        // (`split-no-ports` says so when it has a preset address).
        let &(g, i) = service_of.get(target)?;
        let service = services.get(g).and_then(|list| list.get(i))?;
        if service.name == name {
            return None;
        }
        if is_service_name(name) {
            if taken.insert(name.to_string()) {
                extra.push((
                    g,
                    ServicePlan {
                        name: name.to_string(),
                        // A name to resolve inside the cluster, whatever the
                        // Service type of the service itself.
                        type_: None,
                        ports: service.ports.clone(),
                    },
                ));
            }
            return None;
        }
        let address = peers
            .containers
            .get(target)
            .and_then(|c| c.addresses.iter().find(|a| a.is_ipv4()).copied());
        if address.is_none() {
            diagnostics.push(
                Diagnostic::warning(
                    "split-name",
                    format!("`{name}` does not resolve in other Pods: it cannot be the name of a Service, and `{target}` has no IPv4 preset address to point it at"),
                )
                .at(span)
                .help(format!("call the service `{}` by its Service name, or rename this one to a DNS label (lowercase letters, digits and `-`, starting with a letter)", service.name)),
            );
        }
        address
    };
    for claim in claims(project) {
        let Some(service) = project.services.get(claim.service) else {
            continue;
        };
        let target = service.name.value.as_str();
        let Some(&g) = peers.group_of.get(target) else {
            continue;
        };
        let own_ip = peers
            .containers
            .get(target)
            .and_then(|c| c.addresses.first().copied())
            .unwrap_or(localhost);
        if let Some(table) = tables.get_mut(g) {
            table.add(own_ip, &claim.name);
        }
        if claim.hostname {
            continue;
        }
        if let Some(ip) = place(
            &claim.name,
            target,
            claim.span,
            &mut taken,
            &mut extra,
            diagnostics,
        ) {
            everywhere.push((g, ip, claim.name));
        }
    }
    // `links` aliases resolve in the linking service's Pod only, as under compose.
    for service in &project.services {
        let Some(&g) = peers.group_of.get(service.name.value.as_str()) else {
            continue;
        };
        for link in &service.links {
            let Some(alias) = link
                .alias
                .as_ref()
                .map(|a| a.to_ascii_lowercase())
                .filter(|a| is_host_name(a))
            else {
                continue;
            };
            let target = link.service.value.as_str();
            let container = peers.containers.get(target);
            let ip = if peers.group_of.get(target) == Some(&g) {
                Some(
                    container
                        .and_then(|c| c.addresses.first().copied())
                        .unwrap_or(localhost),
                )
            } else if let Some(ip) =
                container.and_then(|c| c.addresses.iter().find(|a| a.is_ipv4()).copied())
            {
                Some(ip)
            } else {
                place(
                    &alias,
                    target,
                    link.service.span,
                    &mut taken,
                    &mut extra,
                    diagnostics,
                )
            };
            if let (Some(ip), Some(table)) = (ip, tables.get_mut(g)) {
                table.add(ip, &alias);
            }
        }
        for host in &service.extra_hosts {
            let name = host.name.value.to_ascii_lowercase();
            if let (Some(ip), Some(table), true) =
                (host.address, tables.get_mut(g), is_host_name(&name))
            {
                table.add(ip, &name);
            }
        }
    }
    for (g, service) in extra {
        if let Some(list) = services.get_mut(g) {
            list.push(service);
        }
    }
    tables
        .into_iter()
        .enumerate()
        .map(|(g, mut table)| {
            for (owner, ip, name) in &everywhere {
                if *owner != g {
                    table.add(*ip, name);
                }
            }
            table
                .by_ip
                .into_iter()
                .map(|(ip, names)| HostAlias { ip, names })
                .collect()
        })
        .collect()
}
