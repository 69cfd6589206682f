//! The auto strategy (the default): one Pod whenever the one-Pod checks
//! allow it, else the fewest Pods that remove what one Pod cannot hold —
//! two containers on one port, a service with several replicas, a service
//! in the host's network or in none. The Pods are then joined by the split
//! strategy's mechanism (the address map, peers' names through Services).
//!
//! The grouping is deterministic: units (a service, or the services that
//! share a network namespace or an `x-podlift.group`) are placed in compose
//! order, each into the first Pod it does not clash with. One note explains
//! every Pod beyond the first.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::port::Protocol;
use crate::model::service::NetworkMode;
use crate::plan::addresses::namespace_owner;
use crate::plan::{ContainerPlan, PodPlan, ports};

/// The errors of the one-Pod plan that more Pods remove.
pub const OBSTACLES: &[&str] = &[
    "port-conflict",
    "replicas",
    "network-mode-host",
    "network-mode-none",
];

/// Why a unit needs a Pod of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alone {
    /// `network_mode: host`.
    Host,
    /// `network_mode: none`.
    NoNetwork,
    /// `replicas > 1`.
    Replicas(u32),
}

/// One Pod of the auto strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Its name (its first service's, or the members' `x-podlift.group`).
    pub name: String,
    /// Its services, in compose order.
    pub members: Vec<String>,
    /// Why it exists beside the first Pod (`None` for the first).
    pub reason: Option<String>,
    /// A unit that must be alone, and why.
    pub alone: Option<Alone>,
}

/// A unit that cannot be divided, with what decides where it may go.
struct Unit {
    name: String,
    members: Vec<String>,
    /// Ports and protocols its containers listen on (declared, or called by
    /// their own health checks).
    ports: BTreeSet<(u16, Protocol)>,
    /// Whether every member binds a preset address of its own.
    own_addresses: bool,
    alone: Option<Alone>,
}

/// A port two units both listen on, unless the user allowed it and both
/// bind their own preset address (`--allow-shared-port`).
fn clash(a: &Unit, b: &Unit, allowed: &[u16]) -> Option<(u16, Protocol)> {
    a.ports
        .intersection(&b.ports)
        .copied()
        .find(|(port, _)| !(allowed.contains(port) && a.own_addresses && b.own_addresses))
}

fn units(project: &Project, pod: &PodPlan, units: &[(String, Vec<String>)]) -> Vec<Unit> {
    let container = |name: &str| -> Option<&ContainerPlan> {
        pod.containers.iter().find(|c| c.service == name)
    };
    units
        .iter()
        .map(|(name, members)| {
            let mut ports = BTreeSet::new();
            let mut own_addresses = true;
            let mut alone = None;
            for member in members {
                if let Some(c) = container(member) {
                    ports.extend(c.details.ports.iter().copied());
                    own_addresses &= !c.addresses.is_empty();
                    if c.replicas > 1 {
                        alone = Some(Alone::Replicas(c.replicas));
                    }
                }
                if let Some(service) = project.service(member) {
                    if let Some(check) = &service.healthcheck {
                        ports.extend(
                            ports::local_ports(check)
                                .into_iter()
                                .map(|p| (p, Protocol::Tcp)),
                        );
                    }
                    match namespace_owner(project, service)
                        .network_mode
                        .as_ref()
                        .map(|m| &m.value)
                    {
                        Some(NetworkMode::Host) => alone = Some(Alone::Host),
                        Some(NetworkMode::None) => alone = Some(Alone::NoNetwork),
                        _ => {}
                    }
                }
            }
            Unit {
                name: name.clone(),
                members: members.clone(),
                ports,
                own_addresses,
                alone,
            }
        })
        .collect()
}

/// `service `a``, `services `a` and `b``.
fn services(items: &[String]) -> String {
    let noun = if items.len() == 1 {
        "service"
    } else {
        "services"
    };
    format!("{noun} {}", and_list(items))
}

/// `a`, `a` and `b`, `a`, `b` and `c`.
fn and_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Why a unit that fits in no Pod so far opens one: the ports it shares.
fn port_reason(units: &[Unit], mut blocked: Vec<(u16, Protocol)>) -> Option<String> {
    blocked.sort_unstable();
    blocked.dedup();
    let why: Vec<String> = blocked
        .iter()
        .map(|&(port, protocol)| {
            let on: Vec<String> = units
                .iter()
                .filter(|u| u.ports.contains(&(port, protocol)))
                .flat_map(|u| u.members.iter().take(1).cloned())
                .collect();
            format!(
                "services {} {} listen on `{port}/{}`",
                and_list(&on),
                if on.len() == 2 { "both" } else { "all" },
                protocol.as_str()
            )
        })
        .collect();
    (!why.is_empty()).then(|| why.join("; "))
}

/// The fewest Pods (found greedily, in compose order) that remove the
/// obstacles; `units` are the split strategy's indivisible groups.
#[must_use]
pub fn groups(
    project: &Project,
    pod: &PodPlan,
    indivisible: &[(String, Vec<String>)],
    allowed: &[u16],
) -> Vec<Group> {
    let units = units(project, pod, indivisible);
    // Pods being filled: indices into `units`.
    let mut bins: Vec<Vec<usize>> = Vec::new();
    let mut reasons: Vec<Option<String>> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        if unit.alone.is_some() {
            bins.push(vec![i]);
            reasons.push(None);
            continue;
        }
        if unit.ports.is_empty() {
            unknown.push(i);
            continue;
        }
        let mut blocked: Vec<(u16, Protocol)> = Vec::new();
        let mut placed = false;
        for bin in &mut bins {
            let first_alone = bin
                .first()
                .and_then(|&b| units.get(b))
                .is_some_and(|u| u.alone.is_some());
            if first_alone {
                continue;
            }
            let hit = bin
                .iter()
                .filter_map(|&b| units.get(b))
                .find_map(|other| clash(unit, other, allowed));
            match hit {
                Some(port) => blocked.push(port),
                None => {
                    bin.push(i);
                    placed = true;
                    break;
                }
            }
        }
        if !placed {
            bins.push(vec![i]);
            reasons.push(port_reason(&units, blocked));
        }
    }
    // Services whose ports podlift cannot know stay in the largest Pod.
    let largest = bins
        .iter()
        .enumerate()
        .filter(|(_, bin)| {
            bin.first()
                .and_then(|&b| units.get(b))
                .is_some_and(|u| u.alone.is_none())
        })
        .max_by_key(|(i, bin)| (bin.len(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i);
    match largest.and_then(|i| bins.get_mut(i)) {
        Some(bin) => bin.extend(unknown),
        None if !unknown.is_empty() => {
            bins.push(unknown);
            reasons.push(None);
        }
        None => {}
    }
    into_groups(&units, bins, reasons)
}

/// The Pods as groups of services, each with why it exists.
fn into_groups(units: &[Unit], bins: Vec<Vec<usize>>, reasons: Vec<Option<String>>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for (k, (mut bin, reason)) in bins.into_iter().zip(reasons).enumerate() {
        bin.sort_unstable();
        let members: Vec<String> = bin
            .iter()
            .filter_map(|&u| units.get(u))
            .flat_map(|u| u.members.iter().cloned())
            .collect();
        let first = bin.first().and_then(|&u| units.get(u));
        let alone = first.and_then(|u| u.alone.clone());
        let name = first.map(|u| u.name.clone()).unwrap_or_default();
        let reason = match &alone {
            Some(Alone::Host) => Some(format!(
                "{} {} `network_mode: host`: its Pod has `hostNetwork: true`",
                services(&members),
                if members.len() == 1 { "uses" } else { "use" }
            )),
            Some(Alone::NoNetwork) => Some(format!(
                "{} {} `network_mode: none`: its Pod gets no Service and reaches no peer",
                services(&members),
                if members.len() == 1 { "uses" } else { "use" }
            )),
            Some(Alone::Replicas(n)) => Some(format!(
                "{} {} for {n} replicas: only a Deployment of its own can scale alone",
                services(&members),
                if members.len() == 1 { "asks" } else { "ask" }
            )),
            None if k == 0 => None,
            None => reason,
        };
        out.push(Group {
            name,
            members,
            reason,
            alone,
        });
    }
    out
}

/// The split strategy's Pods: one per indivisible unit.
#[must_use]
pub fn one_per_unit(
    project: &Project,
    pod: &PodPlan,
    indivisible: &[(String, Vec<String>)],
) -> Vec<Group> {
    units(project, pod, indivisible)
        .into_iter()
        .map(|u| Group {
            name: u.name,
            members: u.members,
            reason: None,
            alone: u.alone,
        })
        .collect()
}

/// One note per Pod beyond the first: why it exists.
pub fn explain(
    groups: &[Group],
    pod_names: &[String],
    project: &Project,
    diagnostics: &mut Diagnostics,
) {
    let total = groups.len();
    if total < 2 {
        return;
    }
    for (group, pod) in groups.iter().zip(pod_names) {
        let Some(reason) = &group.reason else {
            continue;
        };
        let span = group
            .members
            .first()
            .and_then(|m| project.service(m))
            .map(|s| s.name.span);
        diagnostics.push(
            Diagnostic::note(
                "auto-split",
                format!(
                    "{reason}; so {} run{} in Pod `{pod}` ({total} Pods in all)",
                    and_list(&group.members),
                    if group.members.len() == 1 { "s" } else { "" },
                ),
            )
            .at_opt(span)
            .help("peers in other Pods still reach its preset addresses and names; `podlift plan` shows every Pod, `--strategy pod` insists on one"),
        );
    }
}
