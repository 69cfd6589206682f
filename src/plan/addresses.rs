//! The address plan: which preset addresses go on loopback and which service
//! each belongs to (a `network_mode: service:X` service shares X's).

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::{NetworkMode, Service};
use crate::source::Span;

/// Every preset address, and each service's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addresses {
    /// Every address for loopback: unique, sorted, IPv4 before IPv6.
    pub all: Vec<IpAddr>,
    /// Each service's addresses in declaration order (shared ones included).
    pub by_service: HashMap<String, Vec<IpAddr>>,
}

impl Addresses {
    /// Collects the addresses of every service and the extra ones.
    pub fn collect(project: &Project, extra: &[IpAddr], diagnostics: &mut Diagnostics) -> Self {
        let mut owner: BTreeMap<IpAddr, (&str, Span)> = BTreeMap::new();
        let mut by_service = HashMap::new();
        for service in &project.services {
            for network in &service.networks {
                for address in network.addresses() {
                    let name = service.name.value.as_str();
                    match owner.get(&address.value) {
                        Some((other, _)) if *other != name => diagnostics.push(
                            Diagnostic::error(
                                Code::AddressDuplicate,
                                format!("service `{name}` declares address `{}`, already declared by `{other}`", address.value),
                            )
                            .at(address.span)
                            .help("in one Pod an address belongs to one network namespace: give one of them another address, or let it share the other's namespace with `network_mode: service:NAME`"),
                        ),
                        Some(_) => {}
                        None => {
                            owner.insert(address.value, (name, address.span));
                        }
                    }
                }
            }
        }
        for service in &project.services {
            let own = namespace_owner(project, service);
            let addresses: Vec<IpAddr> = own
                .networks
                .iter()
                .flat_map(|n| n.addresses().map(|a| a.value))
                .collect();
            by_service.insert(service.name.value.clone(), addresses);
        }
        let mut all: Vec<IpAddr> = owner.keys().copied().collect();
        all.extend(project.extension.extra_addresses.iter().map(|a| a.value));
        all.extend(extra.iter().copied());
        all.sort_by_key(|ip| (ip.is_ipv6(), *ip));
        all.dedup();
        Self { all, by_service }
    }

    /// The address a service's names resolve to: its first preset address.
    #[must_use]
    pub fn primary(&self, service: &str) -> Option<IpAddr> {
        self.by_service.get(service)?.first().copied()
    }
}

/// The service whose network namespace `service` lives in, following
/// `network_mode: service:X` (and `container:X`) chains; a cycle stops at the start.
#[must_use]
pub fn namespace_owner<'p>(project: &'p Project, service: &'p Service) -> &'p Service {
    let mut current = service;
    for _ in 0..project.services.len() {
        let next = match current.network_mode.as_ref().map(|m| &m.value) {
            Some(NetworkMode::Service(target)) => project.service(target),
            Some(NetworkMode::Container(target)) => container_target(project, target),
            _ => None,
        };
        match next {
            Some(next) if next.name.value != service.name.value => current = next,
            _ => break,
        }
    }
    current
}

/// The service a `container:NAME` reference means: by `container_name`, else by service name.
#[must_use]
pub fn container_target<'p>(project: &'p Project, target: &str) -> Option<&'p Service> {
    project
        .services
        .iter()
        .find(|s| s.container_name.as_ref().is_some_and(|c| c.value == target))
        .or_else(|| project.service(target))
}
