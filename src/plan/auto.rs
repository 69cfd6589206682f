//! The auto strategy (the default): one Pod whenever the project allows
//! it, else the fewest Pods that remove what one Pod cannot hold — two
//! containers on one port, a service with several replicas, a service in
//! the host's network or in none — or what compose kept apart: services that
//! set a pod-wide value (`hostname`, `dns`, …) differently, a service that
//! can change its network namespace (`privileged`, `cap_add: NET_ADMIN`),
//! and each `x-podlift.group`. Decided from the project's facts
//! ([`groups`], [`needs_several`]), never from diagnostics. The Pods are
//! then joined by the split strategy's mechanism (the address map, peers'
//! names through Services).
//!
//! The grouping is deterministic and does not depend on the order of the
//! compose file: units (a service, or the services that share a network
//! namespace or an `x-podlift.group`) are placed in the order of their names
//! ([`pod_names::group_name`]), each into the first Pod it does not clash
//! with, so a service added or moved in the file moves no other. One note
//! explains every Pod beyond the first.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::port::Protocol;
use crate::model::service::NetworkMode;
use crate::plan::addresses::namespace_owner;
use crate::plan::group::{Group, ServiceId, names_of};
use crate::plan::ports::SharedPort;
use crate::plan::{checks, pod_level, pod_names, ports};

/// Why a unit needs a Pod of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alone {
    /// `network_mode: host`.
    Host,
    /// `network_mode: none`.
    NoNetwork,
    /// `replicas > 1`.
    Replicas(u32),
    /// A member can change the network namespace (service, what lets it:
    /// `` `cap_add: NET_ADMIN` ``), which compose kept to itself.
    NetworkPrivilege(String, String),
    /// The user's `x-podlift.group` of that name.
    Group(String),
}

/// Whether the groups need the split strategy's machinery: several Pods,
/// or one that must be a Pod of its own kind (the host's network, none,
/// replicas).
#[must_use]
pub fn needs_several(groups: &[Group]) -> bool {
    groups.len() > 1
        || groups.iter().any(|g| {
            matches!(
                g.alone,
                Some(Alone::Host | Alone::NoNetwork | Alone::Replicas(_))
            )
        })
}

/// What keeps a unit out of a Pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clash {
    /// Both listen on this port.
    Port(u16, Protocol),
    /// Both set this pod-wide value, differently.
    PodWide(&'static str),
}

/// A unit that cannot be divided, with what decides where it may go.
struct Unit {
    name: String,
    members: Vec<ServiceId>,
    /// Its first member's name, for messages.
    lead: String,
    /// Ports and protocols its containers listen on (declared, or called by
    /// their own health checks).
    ports: BTreeSet<(u16, Protocol)>,
    /// Whether every member binds a preset address of its own.
    own_addresses: bool,
    /// The pod-wide values it sets (`hostname`, `dns`, …), the first
    /// member's where members differ.
    pod_wide: Vec<(&'static str, String)>,
    alone: Option<Alone>,
}

/// A Pod being filled: its units, and for each port the first of them (by
/// position in `units`) that listens on it, and the first that does so
/// without a preset address of its own. A unit clashes with the Pod where
/// it shares a port with a unit of it, unless the user allowed the port and
/// both bind their own preset address (`--allow-shared-port`).
struct Bin {
    units: Vec<usize>,
    ports: HashMap<(u16, Protocol), (usize, Option<usize>)>,
    /// The pod-wide values its units set.
    pod_wide: HashMap<&'static str, String>,
}

impl Bin {
    fn new(unit: usize, of: &Unit) -> Self {
        let mut bin = Self {
            units: Vec::new(),
            ports: HashMap::new(),
            pod_wide: HashMap::new(),
        };
        bin.push(unit, of);
        bin
    }

    fn push(&mut self, unit: usize, of: &Unit) {
        let position = self.units.len();
        self.units.push(unit);
        for port in &of.ports {
            let entry = self.ports.entry(*port).or_insert((position, None));
            if !of.own_addresses && entry.1.is_none() {
                entry.1 = Some(position);
            }
        }
        for (key, value) in &of.pod_wide {
            self.pod_wide.entry(key).or_insert_with(|| value.clone());
        }
    }

    /// The port by which `unit` clashes with the first unit of the Pod it
    /// clashes with (that unit's smallest), as comparing it with each unit
    /// in turn would find.
    /// Else the first pod-wide value both set differently.
    fn clash(&self, unit: &Unit, allowed: &[SharedPort]) -> Option<Clash> {
        let mut first: Option<(usize, (u16, Protocol))> = None;
        for &(port, protocol) in &unit.ports {
            let Some(&(any, without_own)) = self.ports.get(&(port, protocol)) else {
                continue;
            };
            let shared = ports::shared(allowed, port, protocol) && unit.own_addresses;
            let at = if shared { without_own } else { Some(any) };
            if let Some(at) = at
                && first.is_none_or(|(best, _)| at < best)
            {
                first = Some((at, (port, protocol)));
            }
        }
        if let Some((_, (port, protocol))) = first {
            return Some(Clash::Port(port, protocol));
        }
        unit.pod_wide
            .iter()
            .find(|(key, value)| self.pod_wide.get(key).is_some_and(|v| v != value))
            .map(|(key, _)| Clash::PodWide(key))
    }
}

/// The units with their facts, from the project alone (no Pod is planned
/// to place them): ports declared or exposed, preset addresses (a shared
/// namespace's owner's), replicas, network modes, pod-wide values,
/// network privilege, groups.
fn units(project: &Project, units: &[(String, Vec<ServiceId>)]) -> Vec<Unit> {
    units
        .iter()
        .map(|(name, members)| {
            let mut ports = BTreeSet::new();
            let mut own_addresses = true;
            let mut alone = None;
            let mut pod_wide: Vec<(&'static str, String)> = Vec::new();
            let mut privileged = None;
            let mut group = None;
            for member in members {
                if let Some(service) = member.of(project) {
                    ports.extend(
                        service
                            .ports
                            .iter()
                            .chain(&service.expose)
                            .map(|p| (p.target, p.protocol)),
                    );
                    own_addresses &= namespace_owner(project, service)
                        .networks
                        .iter()
                        .any(|n| n.addresses().next().is_some());
                    if let Some(replicas) = service.replicas.as_ref().filter(|r| r.value > 1) {
                        alone = Some(Alone::Replicas(replicas.value));
                    }
                    for (key, value) in pod_level::pod_wide_values(service) {
                        if !pod_wide.iter().any(|(k, _)| *k == key) {
                            pod_wide.push((key, value));
                        }
                    }
                    if project.services.len() > 1
                        && privileged.is_none()
                        && let Some(what) = checks::network_privilege(service)
                    {
                        privileged =
                            Some(Alone::NetworkPrivilege(service.name.value.clone(), what));
                    }
                    if group.is_none() {
                        group = service
                            .group
                            .as_ref()
                            .map(|g| Alone::Group(g.value.clone()));
                    }
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
                lead: members
                    .first()
                    .map_or_else(String::new, |m| m.name(project).to_string()),
                ports,
                own_addresses,
                pod_wide,
                // What the user grouped stays one Pod of its own; else what
                // can change the network keeps to itself, as under compose.
                alone: alone.or(group).or(privileged),
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

/// Why unit `at` fits in no Pod so far and opens one: the ports it shares,
/// the pod-wide values it sets differently from units placed before it.
fn clash_reason(units: &[Unit], at: usize, mut blocked: Vec<Clash>) -> Option<String> {
    blocked.sort_unstable_by_key(|c| match c {
        Clash::Port(port, protocol) => (0, *port, *protocol, ""),
        Clash::PodWide(key) => (1, 0, Protocol::Tcp, *key),
    });
    blocked.dedup();
    let why: Vec<String> = blocked
        .iter()
        .map(|clash| match *clash {
            Clash::Port(port, protocol) => {
                let with: Vec<&Unit> = units
                    .iter()
                    .filter(|u| u.ports.contains(&(port, protocol)))
                    .collect();
                let on: Vec<String> = with
                    .iter()
                    .filter(|u| !u.members.is_empty())
                    .map(|u| u.lead.clone())
                    .collect();
                // Services that each bind an address of their own may share it.
                let share = if with.iter().all(|u| u.own_addresses) {
                    format!(
                        " (each binds a preset address of its own: if each listens there, not on 0.0.0.0, `--allow-shared-port {}` keeps them in one Pod)",
                        ports::shared_spelling(port, protocol)
                    )
                } else {
                    String::new()
                };
                format!(
                    "services {} {} listen on `{port}/{}`{share}",
                    and_list(&on),
                    if on.len() == 2 { "both" } else { "all" },
                    protocol.as_str()
                )
            }
            Clash::PodWide(key) => {
                let value_of = |u: &Unit| {
                    u.pod_wide
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v.clone())
                };
                let own = units.get(at).and_then(value_of);
                let on: Vec<String> = units
                    .iter()
                    .take(at)
                    .filter(|u| value_of(u).is_some_and(|v| Some(v) != own))
                    .chain(units.get(at))
                    .filter(|u| !u.members.is_empty())
                    .map(|u| u.lead.clone())
                    .collect();
                format!(
                    "services {} set `{key}` differently, and a Pod has one",
                    and_list(&on)
                )
            }
        })
        .collect();
    (!why.is_empty()).then(|| why.join("; "))
}

/// The fewest Pods (found greedily, units in the order of their names) that
/// remove the obstacles; `units` are the split strategy's indivisible groups.
#[must_use]
pub fn groups(
    project: &Project,
    indivisible: &[(String, Vec<ServiceId>)],
    allowed: &[SharedPort],
) -> Vec<Group> {
    let mut units = units(project, indivisible);
    // Not the file's order: moving or adding a service moves no other.
    units.sort_by(|a, b| a.name.cmp(&b.name));
    let (bins, reasons) = fill(&units, allowed);
    into_groups(project, &units, bins, reasons)
}

/// Places the units, in order, each into the first Pod it does not clash
/// with: each Pod's units (indices into `units`), and why it exists.
fn fill(units: &[Unit], allowed: &[SharedPort]) -> (Vec<Vec<usize>>, Vec<Option<String>>) {
    // Pods being filled: indices into `units`; a unit that must be alone
    // fills one by itself (`None`).
    let mut bins: Vec<Option<Bin>> = Vec::new();
    let mut alone: Vec<usize> = Vec::new();
    let mut reasons: Vec<Option<String>> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        if unit.alone.is_some() {
            bins.push(None);
            alone.push(i);
            reasons.push(None);
            continue;
        }
        // A unit that sets a pod-wide value is placed by it, ports or not.
        if unit.ports.is_empty() && unit.pod_wide.is_empty() {
            unknown.push(i);
            continue;
        }
        let mut blocked: Vec<Clash> = Vec::new();
        let mut placed = false;
        for bin in bins.iter_mut().flatten() {
            match bin.clash(unit, allowed) {
                Some(clash) => blocked.push(clash),
                None => {
                    bin.push(i, unit);
                    placed = true;
                    break;
                }
            }
        }
        if !placed {
            bins.push(Some(Bin::new(i, unit)));
            reasons.push(clash_reason(units, i, blocked));
        }
    }
    let mut alone = alone.into_iter();
    let mut bins: Vec<Vec<usize>> = bins
        .into_iter()
        .map(|bin| match bin {
            Some(bin) => bin.units,
            None => alone.next().into_iter().collect(),
        })
        .collect();
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
    (bins, reasons)
}

/// The Pods as groups of services, each with why it exists.
fn into_groups(
    project: &Project,
    units: &[Unit],
    bins: Vec<Vec<usize>>,
    reasons: Vec<Option<String>>,
) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for (k, (mut bin, reason)) in bins.into_iter().zip(reasons).enumerate() {
        bin.sort_unstable();
        let members: Vec<ServiceId> = bin
            .iter()
            .filter_map(|&u| units.get(u))
            .flat_map(|u| u.members.iter().copied())
            .collect();
        let first = bin.first().and_then(|&u| units.get(u));
        let alone = first.and_then(|u| u.alone.clone());
        let name = pod_names::group_name(&members, project);
        let named = names_of(&members, project);
        let reason = match &alone {
            Some(Alone::Host) => Some(format!(
                "{} {} `network_mode: host`: its Pod has `hostNetwork: true`",
                services(&named),
                if members.len() == 1 { "uses" } else { "use" }
            )),
            Some(Alone::NoNetwork) => Some(format!(
                "{} {} `network_mode: none`: its Pod gets no Service and reaches no peer",
                services(&named),
                if members.len() == 1 { "uses" } else { "use" }
            )),
            Some(Alone::Replicas(n)) => Some(format!(
                "{} {} for {n} replicas: only a Deployment of its own can scale alone",
                services(&named),
                if members.len() == 1 { "asks" } else { "ask" }
            )),
            Some(Alone::NetworkPrivilege(service, what)) => Some(format!(
                "service `{service}` has {what}, so it can change routes, addresses and firewall rules for every service of its Pod; compose kept the others out of its network namespace"
            )),
            Some(Alone::Group(group)) => Some(format!(
                "{} {} `x-podlift.group: {group}`",
                services(&named),
                if members.len() == 1 { "is in" } else { "form" }
            )),
            None if k == 0 => None,
            None => reason,
        };
        out.push(Group {
            name,
            pod: String::new(),
            members,
            reason,
            alone,
        });
    }
    out
}

/// The split strategy's Pods: one per indivisible unit.
#[must_use]
pub fn one_per_unit(project: &Project, indivisible: &[(String, Vec<ServiceId>)]) -> Vec<Group> {
    units(project, indivisible)
        .into_iter()
        .map(|u| Group {
            name: u.name,
            pod: String::new(),
            members: u.members,
            reason: None,
            alone: u.alone,
        })
        .collect()
}

/// One note per Pod beyond the first: why it exists.
pub fn explain(groups: &[Group], project: &Project, diagnostics: &mut Diagnostics) {
    let total = groups.len();
    if total < 2 {
        return;
    }
    for group in groups {
        let pod = &group.pod;
        let Some(reason) = &group.reason else {
            continue;
        };
        let span = group
            .members
            .first()
            .and_then(|m| m.of(project))
            .map(|s| s.name.span);
        diagnostics.push(
            Diagnostic::note(
                Code::AutoSplit,
                format!(
                    "{reason}; so {} run{} in Pod `{pod}` ({total} Pods in all)",
                    and_list(&names_of(&group.members, project)),
                    if group.members.len() == 1 { "s" } else { "" },
                ),
            )
            .at_opt(span)
            .help("peers in other Pods still reach its preset addresses and names; `podlift plan` shows every Pod, `--strategy pod` insists on one"),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{Alone, Clash, Protocol, ServiceId, SharedPort, Unit, clash_reason, fill};

    /// The placement as it was first written: each unit compared with
    /// each unit of each Pod, the first clashing port of the first
    /// clashing unit blocking it.
    fn fill_pairwise(
        units: &[Unit],
        allowed: &[SharedPort],
    ) -> (Vec<Vec<usize>>, Vec<Option<String>>) {
        let clash = |a: &Unit, b: &Unit| {
            a.ports
                .intersection(&b.ports)
                .copied()
                .find(|&(port, protocol)| {
                    !(allowed.iter().any(|s| s.allows(port, protocol))
                        && a.own_addresses
                        && b.own_addresses)
                })
                .map(|(port, protocol)| Clash::Port(port, protocol))
        };
        let mut bins: Vec<Vec<usize>> = Vec::new();
        let mut reasons = Vec::new();
        let mut unknown = Vec::new();
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
            let mut blocked = Vec::new();
            let mut placed = false;
            for bin in &mut bins {
                if units[bin[0]].alone.is_some() {
                    continue;
                }
                match bin.iter().find_map(|&b| clash(unit, &units[b])) {
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
                reasons.push(clash_reason(units, i, blocked));
            }
        }
        let largest = bins
            .iter()
            .enumerate()
            .filter(|(_, bin)| units[bin[0]].alone.is_none())
            .max_by_key(|(i, bin)| (bin.len(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match largest {
            Some(i) => bins[i].extend(unknown),
            None if !unknown.is_empty() => {
                bins.push(unknown);
                reasons.push(None);
            }
            None => {}
        }
        (bins, reasons)
    }

    /// Units with a few ports each from a small range, so that they clash
    /// often, some allowed to share, some alone, some without ports.
    fn units(count: usize, seed: u64) -> Vec<Unit> {
        let mut state = seed;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        (0..count)
            .map(|i| {
                let ports: BTreeSet<(u16, Protocol)> = (0..next(4))
                    .map(|_| {
                        let port = 8000 + u16::try_from(next(12)).unwrap();
                        let protocol = if next(5) == 0 {
                            Protocol::Udp
                        } else {
                            Protocol::Tcp
                        };
                        (port, protocol)
                    })
                    .collect();
                Unit {
                    name: format!("u{i}"),
                    members: vec![ServiceId(i)],
                    lead: format!("u{i}"),
                    ports,
                    own_addresses: next(3) != 0,
                    pod_wide: Vec::new(),
                    alone: (next(25) == 0).then_some(Alone::Host),
                }
            })
            .collect()
    }

    #[test]
    fn placing_by_port_index_gives_the_pairwise_placement() {
        for seed in 0..200 {
            let units = units(60, seed);
            let some: Vec<SharedPort> = [8000, 8003, 8007]
                .into_iter()
                .map(|port| SharedPort {
                    port,
                    protocol: None,
                })
                .collect();
            for allowed in [&[][..], &some[..]] {
                assert_eq!(
                    fill(&units, allowed),
                    fill_pairwise(&units, allowed),
                    "seed {seed}, allowed {allowed:?}"
                );
            }
        }
    }
}
