//! The split strategy: a Deployment per service, or per group of services that
//! share a network namespace (`network_mode: service:X`) or an
//! `x-podlift.group`. Each Pod keeps its own preset addresses on loopback and
//! translates every other Pod's preset address to that service's ClusterIP,
//! resolved by name when its init container runs, from one address map for
//! the whole project ([`AddressMap`]); peers' names resolve through their
//! Services ([`peer_names`]). No Pod's spec grows with the number of peers.

mod peer_names;
mod services;
mod storage;

use services::{address_map, services_and_owners};
use storage::{StorageIndex, storage_for};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::plan::address_map::AddressMap;
use crate::plan::addresses::namespace_owner;
use crate::plan::auto::{Alone, Group};
use crate::plan::{
    ContainerPlan, Controller, Layout, LoopbackInit, PlanOptions, PodPlan, Role, ServicePlan,
    inbound_rules, init_image, pod_names,
};

/// The root of `i` in the union-find forest, halving paths on the way.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    while let Some(&p) = parent.get(i) {
        if p == i {
            break;
        }
        let grand = parent.get(p).copied().unwrap_or(p);
        if let Some(slot) = parent.get_mut(i) {
            *slot = grand;
        }
        i = p;
    }
    i
}

/// The indivisible groups of services (sharing a network namespace or an
/// `x-podlift.group`), in compose order, each with its stable name
/// ([`pod_names::group_name`]).
#[must_use]
pub fn groups(project: &Project) -> Vec<(String, Vec<String>)> {
    // Union-find over service positions.
    let count = project.services.len();
    let mut parent: Vec<usize> = (0..count).collect();
    let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            let (low, high) = (ra.min(rb), ra.max(rb));
            if let Some(slot) = parent.get_mut(high) {
                *slot = low;
            }
        }
    };
    let mut by_group: HashMap<&str, usize> = HashMap::new();
    for (i, service) in project.services.iter().enumerate() {
        let owner = namespace_owner(project, service);
        if let Some(j) = project.position(&owner.name.value) {
            union(&mut parent, i, j);
        }
        if let Some(group) = &service.group {
            match by_group.get(group.value.as_str()) {
                Some(&j) => union(&mut parent, i, j),
                None => {
                    by_group.insert(&group.value, i);
                }
            }
            // `group: NAME` naming a service keeps the two together.
            if let Some(j) = project.position(&group.value) {
                union(&mut parent, i, j);
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, service) in project.services.iter().enumerate() {
        members
            .entry(find(&mut parent, i))
            .or_default()
            .push(service.name.value.clone());
    }
    members
        .into_values()
        .map(|services| (pod_names::group_name(&services, project), services))
        .collect()
}

/// Splits the one-Pod plan into one plan per group.
pub fn split(
    plan: &PodPlan,
    project: &Project,
    options: &PlanOptions,
    pods: &[Group],
    diagnostics: &mut Diagnostics,
) -> Vec<PodPlan> {
    let groups: Vec<(String, Vec<String>)> = pods
        .iter()
        .map(|g| (g.name.clone(), g.members.clone()))
        .collect();
    // Groups in the host's network or in none: no Service, no address map.
    let isolated: BTreeSet<usize> = pods
        .iter()
        .enumerate()
        .filter(|(_, g)| matches!(g.alone, Some(Alone::Host | Alone::NoNetwork)))
        .map(|(i, _)| i)
        .collect();
    let group_of: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (_, services))| services.iter().map(move |s| (s.as_str(), g)))
        .collect();
    let (mut services_by_group, owner_of) = services_and_owners(
        plan,
        project,
        groups.len(),
        &group_of,
        &isolated,
        options,
        diagnostics,
    );
    let by_service: HashMap<&str, &ContainerPlan> = plan
        .containers
        .iter()
        .map(|c| (c.service.as_str(), c))
        .collect();
    let start_order: HashMap<&str, usize> = plan
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| (c.service.as_str(), i))
        .collect();
    let host_aliases = peer_names::plan(
        project,
        &peer_names::Peers {
            group_of: &group_of,
            containers: &by_service,
        },
        &mut services_by_group,
        diagnostics,
    );
    let map = address_map(plan, project, &owner_of, diagnostics);
    let storage_index = StorageIndex::new(&plan.storage);
    // The groups whose addresses are in the map: a Pod reads the map when
    // another group's are.
    let mapped: BTreeSet<usize> = owner_of
        .iter()
        .filter(|(address, _)| address.is_ipv4())
        .map(|(_, (g, _, _))| *g)
        .collect();
    let declared: BTreeSet<IpAddr> = plan
        .containers
        .iter()
        .flat_map(|c| c.addresses.iter().copied())
        .collect();
    let extra: Vec<IpAddr> = plan
        .loopback
        .iter()
        .flat_map(|l| l.addresses.iter().copied())
        .filter(|a| !declared.contains(a))
        .collect();
    warn_shared_privilege(&groups, project, diagnostics);
    crate::plan::process::note_split(project, &group_of, diagnostics);
    let pod_names = pod_names::pod_names(
        &plan.name,
        &groups,
        options.strategy == crate::plan::Strategy::Auto,
    );
    let common = Common {
        names: &pod_names,
        plan,
        project,
        options,
        pods,
        by_service: &by_service,
        start_order: &start_order,
        extra: &extra,
        map: map.as_ref(),
        mapped: &mapped,
        isolated: &isolated,
        storage_index: &storage_index,
    };
    let pods: Vec<PodPlan> = groups
        .iter()
        .enumerate()
        .map(|(g, (group, members))| {
            let aliases = if isolated.contains(&g) {
                Vec::new()
            } else {
                host_aliases.get(g).cloned().unwrap_or_default()
            };
            let services = services_by_group.get(g).cloned().unwrap_or_default();
            common.pod(g, group, members, aliases, services, diagnostics)
        })
        .collect();
    storage::note_unshared(&pods, diagnostics);
    pods
}

/// What every group's Pod is made from.
struct Common<'a> {
    /// Each group's workload name.
    names: &'a [String],
    plan: &'a PodPlan,
    project: &'a Project,
    options: &'a PlanOptions,
    pods: &'a [Group],
    by_service: &'a HashMap<&'a str, &'a ContainerPlan>,
    start_order: &'a HashMap<&'a str, usize>,
    /// Addresses nobody declares (`--extra-ip`): on every Pod's loopback.
    extra: &'a [IpAddr],
    map: Option<&'a Arc<AddressMap>>,
    /// The groups whose addresses are in the map.
    mapped: &'a BTreeSet<usize>,
    /// Groups in the host's network or in none.
    isolated: &'a BTreeSet<usize>,
    storage_index: &'a StorageIndex<'a>,
}

impl Common<'_> {
    /// The plan of group `g`'s Pod.
    fn pod(
        &self,
        g: usize,
        group: &str,
        members: &[String],
        host_aliases: Vec<crate::plan::HostAlias>,
        mut services: Vec<ServicePlan>,
        diagnostics: &mut Diagnostics,
    ) -> PodPlan {
        let (project, options) = (self.project, self.options);
        let mut containers: Vec<ContainerPlan> = members
            .iter()
            .filter_map(|m| self.by_service.get(m.as_str()).copied().cloned())
            .collect();
        containers.sort_by_key(|c| self.start_order.get(c.service.as_str()).copied());
        fix_roles(&mut containers, project, diagnostics);
        crate::plan::ports::check_ports(
            &containers,
            project,
            &options.allow_shared_ports,
            Layout::Split,
            diagnostics,
        );
        let mut own: Vec<IpAddr> = containers
            .iter()
            .flat_map(|c| c.addresses.iter().copied())
            .collect();
        own.extend(self.extra.iter().copied());
        own.sort_by_key(|ip| (ip.is_ipv6(), *ip));
        own.dedup();
        let inbound = inbound_rules(&containers, false, &mut services);
        let mut loopback = LoopbackInit {
            image: String::new(),
            privileged: options.privileged_init,
            addresses: own,
            map: self
                .map
                .cloned()
                .filter(|_| self.mapped.iter().any(|o| *o != g)),
            inbound,
        };
        loopback.image = init_image(project, options, loopback.needs_iptables());
        let alone = self.pods.get(g).and_then(|p| p.alone.as_ref());
        // In the node's network, or in none, a Pod claims no address and
        // translates none: its rules would be the node's.
        let has_init = !self.isolated.contains(&g)
            && (!loopback.addresses.is_empty() || loopback.needs_iptables());
        let member_services: Vec<&crate::model::service::Service> =
            members.iter().filter_map(|m| project.service(m)).collect();
        // Pod-level settings come from the Pod's own services only.
        let mut pod = crate::plan::pod_level(&member_services, diagnostics);
        pod.host_network = alone == Some(&Alone::Host);
        // Pod-wide process settings come from this Pod's own containers.
        let pod = crate::plan::process::for_pod(&pod, &containers);
        crate::plan::process::warn_widened_groups(project, &containers, &pod.process, diagnostics);
        crate::plan::process::note_shared_pid(project, &containers, diagnostics);
        let replicas = containers.iter().map(|c| c.replicas).max().unwrap_or(1);
        let storage = storage_for(self.storage_index, &containers);
        if replicas > 1
            && !storage.claims.is_empty()
            && options.controller != Controller::StatefulSet
        {
            replicas_stateful(group, replicas, members, project, diagnostics);
        }
        PodPlan {
            project: self.plan.project.clone(),
            name: self.names.get(g).cloned().unwrap_or_default(),
            loopback: has_init.then_some(loopback),
            // Set once every Pod is planned (`start_order::plan_waits`).
            wait: None,
            containers,
            host_aliases,
            storage,
            services,
            pod,
            replicas,
            network_policy: None,
            reason: None,
        }
    }
}

/// Several replicas of a group would share its named volumes' claims.
fn replicas_stateful(
    group: &str,
    replicas: u32,
    members: &[String],
    project: &Project,
    diagnostics: &mut Diagnostics,
) {
    let span = project
        .service(members.first().map_or("", String::as_str))
        .map(|s| s.name.span);
    diagnostics.push(
        Diagnostic::error("replicas-stateful", format!("group `{group}` asks for {replicas} replicas but mounts named volumes; the copies would share one claim"))
            .at_opt(span)
            .help("keep `replicas: 1`, or convert with `--controller statefulset`: each replica then gets its own claim"),
    );
}

/// A service that can change its network namespace changes it for the
/// other members of its group too.
fn warn_shared_privilege(
    groups: &[(String, Vec<String>)],
    project: &Project,
    diagnostics: &mut Diagnostics,
) {
    for (_, members) in groups.iter().filter(|(_, members)| members.len() > 1) {
        for member in members {
            if let Some(service) = project.service(member) {
                let others: Vec<String> = members
                    .iter()
                    .filter(|m| *m != member)
                    .map(|m| format!("`{m}`"))
                    .collect();
                crate::plan::checks::warn_network_privilege(
                    service,
                    &format!("the other services of its Pod ({})", others.join(", ")),
                    diagnostics,
                );
            }
        }
    }
}

/// Sidecars and init containers order start inside a Pod only: one that no
/// member of its own group waits for becomes an ordinary container. (Across
/// Pods, `start_order::plan_waits` makes the dependent's Pod wait.)
fn fix_roles(containers: &mut [ContainerPlan], project: &Project, diagnostics: &mut Diagnostics) {
    let members: BTreeSet<String> = containers.iter().map(|c| c.service.clone()).collect();
    let waited: BTreeSet<String> = containers
        .iter()
        .flat_map(|c| c.depends_on.iter().cloned())
        .filter(|d| members.contains(d))
        .collect();
    for container in containers.iter_mut() {
        if container.role != Role::Container && !waited.contains(&container.service) {
            if container.role == Role::Init {
                let span = project.service(&container.service).map(|s| s.name.span);
                diagnostics.push(
                    Diagnostic::warning("split-one-shot", format!("one-shot service `{}` runs in its own Deployment, which restarts it after it exits", container.service))
                        .at_opt(span)
                        .help("keep it with the services that wait for it (`x-podlift: {group: NAME}`), or run it as a Job"),
                );
            }
            container.role = Role::Container;
        }
    }
    containers.sort_by_key(|c| c.role == Role::Container);
}
