//! Compose networks isolate: services on different networks cannot reach
//! each other, and an `internal: true` network has no way out. Every Pod
//! (the one Pod too) gets a NetworkPolicy that admits only the Pods it
//! shares a compose network with (and anyone on the ports compose published
//! on all host addresses), and, when every network it is on is internal,
//! lets it out only to those Pods and the cluster's DNS. Inside one Pod the
//! shared network namespace separates nothing: a note says what compose
//! kept apart.

use foldhash::{HashSet, HashSetExt};
use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::port::Protocol;
use crate::model::service::{NetworkMode, Service};
use crate::plan::addresses::namespace_owner;
use crate::plan::{ContainerPlan, PodPlan};

/// What a Pod's NetworkPolicy admits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyPlan {
    /// The compose networks the Pod's services are on, sorted: its Pods
    /// carry a label per network (`label_key`), and admit the Pods that
    /// carry one of the same.
    pub networks: Vec<String>,
    /// Container ports compose publishes: open to every source, as on the host.
    pub published: Vec<(u16, Protocol)>,
    /// Every network is `internal`: no egress but to peers and the DNS.
    pub internal_only: bool,
}

/// The networks a service is on, as compose attaches it: its `networks`,
/// else `default`; a `network_mode: service:X` service is on X's.
fn networks_of(project: &Project, service: &Service) -> Vec<String> {
    let owner = namespace_owner(project, service);
    match owner.network_mode.as_ref().map(|m| &m.value) {
        Some(NetworkMode::Bridge | NetworkMode::Default) => vec!["bridge".to_string()],
        Some(NetworkMode::Other(name)) => vec![name.clone()],
        Some(
            NetworkMode::Host
            | NetworkMode::None
            | NetworkMode::Service(_)
            | NetworkMode::Container(_),
        ) => Vec::new(),
        None if owner.networks.is_empty() => vec!["default".to_string()],
        None => owner
            .networks
            .iter()
            .map(|n| n.name.value.clone())
            .collect(),
    }
}

/// The Pod label that says a Pod is on compose network `network`
/// (`podlift.io/network.NAME`, its value the project's name): policies
/// select peers by it, so each policy grows with the Pod's networks, not
/// with the number of Pods. A name that cannot be a label's is shortened or
/// cleaned, with a hash of the original to keep it apart from others.
#[must_use]
pub fn label_key(network: &str) -> String {
    const MAX: usize = 63;
    let plain = format!("network.{network}");
    let valid = plain.len() <= MAX
        && plain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && network
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if valid {
        return format!("podlift.io/{plain}");
    }
    // FNV-1a: stable across runs and platforms.
    let hash = network.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let cleaned: String = network
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(MAX - "network.".len() - 17)
        .collect();
    format!("podlift.io/network.{cleaned}-{hash:016x}")
}

fn is_internal(project: &Project, network: &str) -> bool {
    project
        .networks
        .iter()
        .any(|n| n.name.value == network && n.internal)
}

/// A service whose networks are all `internal: true`: Docker binds no host
/// port for its `ports` (it accepts them, and publishes nothing).
#[must_use]
pub fn internal_only(project: &Project, service: &Service) -> bool {
    let networks = networks_of(project, service);
    !networks.is_empty() && networks.iter().all(|n| is_internal(project, n))
}

/// Whether compose publishes `port` of `service` on all host addresses, so
/// that any client may reach it: not on one host address only, and not on a
/// service that only internal networks hold.
#[must_use]
pub fn publishes(project: &Project, service: &Service, port: &crate::model::port::Port) -> bool {
    !port.host_only() && !internal_only(project, service)
}

/// Gives each plan its NetworkPolicy (one per Pod, the one Pod too).
pub fn attach(plans: &mut [PodPlan], project: &Project) {
    let networks: Vec<BTreeSet<String>> = plans
        .iter()
        .map(|plan| {
            plan.containers
                .iter()
                .filter_map(|c| project.service(&c.service))
                .flat_map(|s| networks_of(project, s))
                .collect()
        })
        .collect();
    for (index, plan) in plans.iter_mut().enumerate() {
        let own = networks.get(index).cloned().unwrap_or_default();
        let mut published: Vec<(u16, Protocol)> = Vec::new();
        let mut seen = HashSet::new();
        for container in &plan.containers {
            for &(port, protocol) in &container.published {
                let entry = (arrival_port(plan, container, port, protocol), protocol);
                if seen.insert(entry) {
                    published.push(entry);
                }
            }
        }
        let internal_only = !own.is_empty() && own.iter().all(|n| is_internal(project, n));
        plan.network_policy = Some(PolicyPlan {
            networks: own.into_iter().collect(),
            published,
            internal_only,
        });
    }
}

/// The port a container's published `port` arrives on at the Pod's IP: the
/// stand-in port its Service targets where another container of the Pod
/// serves the same port on its own address (`--allow-shared-port`), else
/// the port itself. The policy must open what arrives, before the inbound
/// rule sends it on.
fn arrival_port(plan: &PodPlan, container: &ContainerPlan, port: u16, protocol: Protocol) -> u16 {
    let Some(address) = container.addresses.first() else {
        return port;
    };
    plan.loopback
        .iter()
        .flat_map(|l| &l.inbound)
        .find(|r| r.address == *address && r.port == port && r.protocol == protocol)
        .map_or(port, |r| r.via)
}

/// Services that share a Pod share its network namespace: per Pod, a note
/// naming the services compose's networks kept apart, and (where no
/// NetworkPolicy keeps them in) the internal networks whose services now
/// reach outside. Services are grouped by the set of networks they are on,
/// so the cost grows with the number of distinct sets, not of service pairs.
pub fn note_shared_namespaces(plans: &[PodPlan], project: &Project, diagnostics: &mut Diagnostics) {
    let one_pod = plans.len() == 1;
    for plan in plans {
        let members: Vec<&Service> = plan
            .containers
            .iter()
            .filter_map(|c| project.service(&c.service))
            .collect();
        note_pod(plan, one_pod, &members, project, diagnostics);
    }
}

fn note_pod(
    plan: &PodPlan,
    one_pod: bool,
    members: &[&Service],
    project: &Project,
    diagnostics: &mut Diagnostics,
) {
    const SHOWN: usize = 5;
    // Network set → its services, in compose order.
    let mut by_networks: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for service in members {
        let networks = networks_of(project, service);
        if !networks.is_empty() {
            by_networks
                .entry(networks)
                .or_default()
                .push(service.name.value.as_str());
        }
    }
    let sets: Vec<(&Vec<String>, &Vec<&str>)> = by_networks.iter().collect();
    let mut apart: Vec<String> = Vec::new();
    let mut pairs: usize = 0;
    for (i, (on_a, a)) in sets.iter().enumerate() {
        for (on_b, b) in sets.iter().skip(i + 1) {
            if on_a.iter().any(|n| on_b.contains(n)) {
                continue;
            }
            pairs = pairs.saturating_add(a.len().saturating_mul(b.len()));
            for x in *a {
                for y in b.iter().take(SHOWN.saturating_sub(apart.len())) {
                    let (first, second) = if x <= y { (x, y) } else { (y, x) };
                    apart.push(format!("`{first}` and `{second}`"));
                }
                if apart.len() >= SHOWN {
                    break;
                }
            }
        }
    }
    // The NetworkPolicy keeps a Pod whose networks are all internal in; a
    // Pod that mixes them has no such rule.
    let networks: BTreeSet<&String> = by_networks.keys().flatten().collect();
    let mixed = networks.iter().any(|n| !is_internal(project, n));
    let internal: Vec<String> = if mixed {
        networks
            .iter()
            .filter(|n| is_internal(project, n))
            .map(|n| format!("`{n}`"))
            .collect()
    } else {
        Vec::new()
    };
    if apart.is_empty() && internal.is_empty() {
        return;
    }
    let mut what = Vec::new();
    if !apart.is_empty() {
        if pairs > apart.len() {
            apart.push(format!("{} more pairs", pairs - apart.len()));
        }
        what.push(format!(
            "services on no common compose network reach each other over the Pod's loopback ({})",
            apart.join(", ")
        ));
    }
    if !internal.is_empty() {
        what.push(format!(
            "the services of internal network {} can reach outside the cluster",
            internal.join(", ")
        ));
    }
    let span = project
        .networks
        .iter()
        .find(|n| n.internal)
        .or_else(|| project.networks.first())
        .map(|n| n.name.span);
    let pod = if one_pod {
        "in one Pod".to_string()
    } else {
        format!("in Pod `{}`", plan.name)
    };
    diagnostics.push(
        Diagnostic::note(
            Code::NetworkIsolation,
            format!(
                "{pod} the shared network namespace separates nothing that compose's networks did: {}",
                what.join("; ")
            ),
        )
        .at_opt(span)
        .help("where the separation matters, put those services into different Pods (`--strategy split`, or `x-podlift: {group: NAME}`): NetworkPolicies then admit only Pods that share a compose network (on a cluster whose CNI enforces them)"),
    );
}

#[cfg(test)]
mod tests {
    use super::label_key;

    #[test]
    fn network_labels_are_valid_label_keys() {
        assert_eq!(label_key("back"), "podlift.io/network.back");
        let long = label_key(&"n".repeat(80));
        let odd = label_key("my net!");
        for key in [&long, &odd] {
            let name = key.strip_prefix("podlift.io/").unwrap_or_default();
            assert!(name.len() <= 63, "{key}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
                "{key}"
            );
        }
        assert_ne!(
            label_key("a b"),
            label_key("a-b"),
            "cleaned names stay apart"
        );
    }
}
