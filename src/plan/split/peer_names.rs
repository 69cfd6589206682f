//! Names in the split strategy. A Pod's `hostAliases` hold only what the
//! cluster's DNS cannot give, so that no Pod's spec grows with its peers:
//!
//! - the names of the Pod's own services (service name, `container_name`,
//!   `hostname`, network aliases) at their preset address (`127.0.0.1` for
//!   one without), the `links` aliases its services declare and their
//!   `extra_hosts`;
//! - a peer's service name resolves through its Service; a peer's other
//!   names (`container_name`, `hostname`, network aliases) get a Service of
//!   their own that selects the same Pod (Docker Engine's DNS gives peers a
//!   container's `hostname` too: it is one of the container's network
//!   aliases, as the e2e `names` scenario shows);
//! - only a peer's name that cannot be a Service name (a dot, a leading
//!   digit) goes into every Pod's `hostAliases`, at the peer's preset
//!   address, which the address map then sends to its Service.

use foldhash::{HashMap, HashSet, HashSetExt};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::plan::group::{Grouping, ServiceId};
use crate::plan::names::{is_host_name, is_service_name};
use crate::plan::{ContainerPlan, HostAlias, ServicePlan};
use crate::source::Span;

/// What the split knows about each service: its group and its container.
pub struct Peers<'a> {
    /// The Pods' groups.
    pub grouping: &'a Grouping,
    /// Container of each compose service, by [`ServiceId`].
    pub containers: &'a [Option<&'a ContainerPlan>],
}

impl Peers<'_> {
    /// The group of the service named `name`.
    fn group(&self, project: &Project, name: &str) -> Option<usize> {
        self.grouping.group(ServiceId(project.position(name)?))
    }

    /// The container of the service named `name`.
    fn container(&self, project: &Project, name: &str) -> Option<&ContainerPlan> {
        self.containers
            .get(project.position(name)?)
            .copied()
            .flatten()
    }
}

/// One name claimed by a service.
struct Claim {
    name: String,
    service: usize,
    span: Span,
}

/// Every service's names, each claimed once (the first service to name it
/// keeps it; the shared context has reported the conflicts already).
fn claims(project: &Project) -> Vec<Claim> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (index, service) in project.services.iter().enumerate() {
        let mut names = vec![&service.name];
        names.extend(service.container_name.iter());
        names.extend(service.hostname.iter());
        for network in &service.networks {
            names.extend(network.aliases.iter());
        }
        for name in names {
            let lower = name.value.to_ascii_lowercase();
            if is_host_name(&lower) && seen.insert(lower.clone()) {
                out.push(Claim {
                    name: lower,
                    service: index,
                    span: name.span,
                });
            }
        }
    }
    out
}

/// A name being placed: the compose service it is a name of, and where the
/// compose file gives it.
#[derive(Clone, Copy)]
struct NameOf<'n> {
    target: &'n str,
    span: Span,
}

/// Each group's `hostAliases`, built name by name.
struct Table {
    by_ip: BTreeMap<IpAddr, Vec<String>>,
    names: HashSet<String>,
}

impl Table {
    /// Another address of a name already in the table.
    fn also(&mut self, ip: IpAddr, name: &str) {
        let names = self.by_ip.entry(ip).or_default();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }

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
    let mut namer = Namer::new(project, peers, services);
    namer.own_names(project, diagnostics);
    namer.links_and_extra_hosts(project, diagnostics);
    let (aliases, extra) = namer.finish();
    for (g, service) in extra {
        if let Some(list) = services.get_mut(g) {
            list.push(service);
        }
    }
    aliases
}

/// The names being planned.
struct Namer<'a> {
    project: &'a Project,
    peers: &'a Peers<'a>,
    services: &'a [Vec<ServicePlan>],
    /// Each compose service's Service: (group, position in the group's list).
    service_of: HashMap<&'a str, (usize, usize)>,
    /// Names of every Service so far, with the compose service each answers for.
    taken: HashMap<String, String>,
    /// Services for extra names, by group.
    extra: Vec<(usize, ServicePlan)>,
    /// Names only hostAliases can give, for every Pod but the owner's.
    everywhere: Vec<(usize, IpAddr, String)>,
    tables: Vec<Table>,
}

impl<'a> Namer<'a> {
    fn new(project: &'a Project, peers: &'a Peers<'a>, services: &'a [Vec<ServicePlan>]) -> Self {
        // A group's list holds each member's Service under its container's name.
        let service_of: HashMap<&str, (usize, usize)> = project
            .services
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let name = s.name.value.as_str();
                let g = peers.grouping.group(ServiceId(i))?;
                let container = peers.containers.get(i).copied().flatten()?;
                let i = services
                    .get(g)?
                    .iter()
                    .position(|p| p.name == container.name)?;
                Some((name, (g, i)))
            })
            .collect();
        let mut taken: HashMap<String, String> = services
            .iter()
            .flatten()
            .map(|s| (s.name.clone(), s.name.clone()))
            .collect();
        for (compose, &(g, i)) in &service_of {
            if let Some(service) = services.get(g).and_then(|list| list.get(i)) {
                taken.insert(service.name.clone(), (*compose).to_string());
            }
        }
        Self {
            project,
            peers,
            services,
            service_of,
            taken,
            extra: Vec::new(),
            everywhere: Vec::new(),
            tables: (0..services.len())
                .map(|_| Table {
                    by_ip: BTreeMap::new(),
                    names: HashSet::new(),
                })
                .collect(),
        }
    }

    fn add(&mut self, g: usize, ip: IpAddr, name: &str) {
        if let Some(table) = self.tables.get_mut(g) {
            table.add(ip, name);
        }
    }

    /// `target`'s first preset address, `127.0.0.1` without one: what its
    /// names resolve to in its own Pod.
    fn own_address(&self, target: &str) -> IpAddr {
        self.peers
            .container(self.project, target)
            .and_then(|c| c.addresses.first().copied())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// `target`'s first IPv4 preset address: what the address map translates.
    fn mapped_address(&self, target: &str) -> Option<IpAddr> {
        self.peers
            .container(self.project, target)
            .and_then(|c| c.addresses.iter().find(|a| a.is_ipv4()).copied())
    }

    /// Makes `name` of `target` resolve in other Pods: nothing to do for its
    /// Service's own name, a Service for a name that can be one, else the
    /// address that other Pods' `hostAliases` must give it.
    fn place(
        &mut self,
        name: &str,
        of: NameOf<'_>,
        diagnostics: &mut Diagnostics,
    ) -> Option<IpAddr> {
        let NameOf { target, span } = of;
        // No Service: nothing of the peer can be reached from another Pod
        // (`split-no-ports` says so when it has a preset address).
        let &(g, i) = self.service_of.get(target)?;
        let service = self.services.get(g).and_then(|list| list.get(i))?;
        if service.name == name {
            return None;
        }
        if is_service_name(name) {
            let service = ServicePlan {
                name: name.to_string(),
                owner: service.owner.clone(),
                // A name to resolve inside the cluster, whatever the
                // Service type of the service itself.
                type_: None,
                ports: service.ports.clone(),
            };
            self.name_service(g, service, of, diagnostics);
            return None;
        }
        let address = self.mapped_address(target);
        if address.is_none() {
            diagnostics.push(
                Diagnostic::warning(
                    Code::SplitName,
                    format!("`{name}` does not resolve in other Pods: it cannot be the name of a Service, and `{target}` has no IPv4 preset address to point it at"),
                )
                .at(span)
                .help(format!("call the service `{}` by its Service name, or rename this one to a DNS label (lowercase letters, digits and `-`, starting with a letter)", service.name)),
            );
        }
        address
    }

    /// Adds `service`, a Service for another name of `of.target`, unless the
    /// name is taken: by `target` itself (a second `links` alias), silently;
    /// by another service, with a warning, since the name reaches that one.
    fn name_service(
        &mut self,
        g: usize,
        service: ServicePlan,
        of: NameOf<'_>,
        diagnostics: &mut Diagnostics,
    ) {
        let NameOf { target, span } = of;
        match self.taken.get(&service.name) {
            Some(holder) if holder == target => {}
            Some(holder) => diagnostics.push(
                Diagnostic::warning(
                    Code::SplitName,
                    format!(
                        "name `{}` of service `{target}` resolves to service `{holder}` in other Pods: the Service of that name answers for `{holder}`",
                        service.name
                    ),
                )
                .at(span)
                .help(format!("call `{target}` by its own name in other Pods, or rename this one to a name no other service has")),
            ),
            None => {
                self.taken.insert(service.name.clone(), target.to_string());
                self.extra.push((g, service));
            }
        }
    }

    /// Every service's names: in its own Pod at its address, in the others
    /// through a Service or, failing that, `hostAliases`.
    fn own_names(&mut self, project: &Project, diagnostics: &mut Diagnostics) {
        for claim in claims(project) {
            let Some(service) = project.services.get(claim.service) else {
                continue;
            };
            let target = service.name.value.as_str();
            let Some(g) = self.peers.grouping.group(ServiceId(claim.service)) else {
                continue;
            };
            self.add(g, self.own_address(target), &claim.name);
            let of = NameOf {
                target,
                span: claim.span,
            };
            if let Some(ip) = self.place(&claim.name, of, diagnostics) {
                self.everywhere.push((g, ip, claim.name));
            }
        }
    }

    /// `links` aliases resolve in the linking service's Pod only, as under
    /// compose; `extra_hosts` stay with their service too.
    fn links_and_extra_hosts(&mut self, project: &Project, diagnostics: &mut Diagnostics) {
        for (i, service) in project.services.iter().enumerate() {
            let Some(g) = self.peers.grouping.group(ServiceId(i)) else {
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
                let ip = if self.peers.group(project, target) == Some(g) {
                    Some(self.own_address(target))
                } else if let Some(ip) = self.mapped_address(target) {
                    Some(ip)
                } else {
                    let of = NameOf {
                        target,
                        span: link.service.span,
                    };
                    self.place(&alias, of, diagnostics)
                };
                if let Some(ip) = ip {
                    self.add(g, ip, &alias);
                }
            }
            // names this service's `extra_hosts` made resolve: a later
            // address of one of them is another `/etc/hosts` line, as compose
            // writes it
            let mut own: Vec<String> = Vec::new();
            for host in &service.extra_hosts {
                let name = host.name.value.to_ascii_lowercase();
                let (Some(ip), true) = (host.address, is_host_name(&name)) else {
                    continue;
                };
                let Some(table) = self.tables.get_mut(g) else {
                    continue;
                };
                if own.contains(&name) {
                    table.also(ip, &name);
                } else if table.names.insert(name.clone()) {
                    table.by_ip.entry(ip).or_default().push(name.clone());
                    own.push(name);
                }
            }
        }
    }

    /// Each group's `hostAliases`, and the Services for extra names.
    fn finish(self) -> (Vec<Vec<HostAlias>>, Vec<(usize, ServicePlan)>) {
        let everywhere = self.everywhere;
        let aliases = self
            .tables
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
            .collect();
        (aliases, self.extra)
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::plan::{Plan, PlanOptions, Strategy, plan, project_text};

    fn split(text: &str) -> (Plan, Vec<Code>) {
        let (project, mut diagnostics) = project_text(text);
        let options = PlanOptions {
            strategy: Strategy::Split,
            ..PlanOptions::default()
        };
        let plan = plan(&project, &options, &mut diagnostics);
        let codes = diagnostics.items().iter().map(|d| d.code).collect();
        (plan, codes)
    }

    #[test]
    fn a_peers_other_names_get_services_and_a_dotted_one_hosts_entries() {
        let text = "services:
  db:
    image: db
    container_name: legacy-db
    expose: ['5432']
    networks: {n: {ipv4_address: 10.9.0.2, aliases: [db.internal]}}
  app: {image: app, expose: ['80']}
networks: {n: {}}
";
        let (plan, codes) = split(text);
        assert!(!codes.contains(&Code::SplitName), "{codes:?}");
        let db = &plan.pods[0];
        let services: Vec<&str> = db.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(services, ["db", "legacy-db"]);
        // In its own Pod every name is at its own address.
        let own: Vec<(String, Vec<String>)> = db
            .host_aliases
            .iter()
            .map(|h| (h.ip.to_string(), h.names.clone()))
            .collect();
        assert_eq!(
            own,
            [(
                "10.9.0.2".to_string(),
                vec![
                    "db".to_string(),
                    "legacy-db".to_string(),
                    "db.internal".to_string()
                ]
            )]
        );
        // Elsewhere only the name no Service can carry, at the mapped address.
        let app = &plan.pods[1];
        let names: Vec<(String, Vec<String>)> = app
            .host_aliases
            .iter()
            .map(|h| (h.ip.to_string(), h.names.clone()))
            .collect();
        assert!(
            names.contains(&("10.9.0.2".to_string(), vec!["db.internal".to_string()])),
            "{names:?}"
        );
    }

    #[test]
    fn a_name_another_service_holds_is_not_taken_twice() {
        let text = "services:
  a: {image: a, expose: ['80'], links: ['b:c']}
  b: {image: b, expose: ['81']}
  c: {image: c, expose: ['82']}
";
        let (plan, codes) = split(text);
        let services: Vec<&str> = plan
            .pods
            .iter()
            .flat_map(|p| p.services.iter().map(|s| s.name.as_str()))
            .collect();
        assert_eq!(
            services.iter().filter(|s| **s == "c").count(),
            1,
            "{services:?}"
        );
        assert!(codes.contains(&Code::SplitName), "{codes:?}");
    }
}
