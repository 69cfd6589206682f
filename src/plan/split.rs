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

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::plan::address_map::AddressMap;
use crate::plan::auto::Alone;
use crate::plan::context::Context;
use crate::plan::group::Group;
use crate::plan::{
    ContainerPlan, Controller, HostAlias, Layout, LoopbackInit, PodPlan, Role, ServicePlan,
    inbound_rules, init_image,
};

/// The Pods of `context.grouping`, each from the shared context and its
/// group, joined by the address map and peers' Services.
pub(crate) fn pods(context: &Context<'_>, diagnostics: &mut Diagnostics) -> Vec<PodPlan> {
    let (project, grouping) = (context.project, context.grouping);
    let groups = &grouping.groups;
    // Groups in the host's network or in none: no Service, no address map.
    let isolated: BTreeSet<usize> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| matches!(g.alone, Some(Alone::Host | Alone::NoNetwork)))
        .map(|(i, _)| i)
        .collect();
    let (mut services_by_group, owner_of) = services_and_owners(context, &isolated, diagnostics);
    let mut by_id: Vec<Option<&ContainerPlan>> = vec![None; project.services.len()];
    // Each group's containers (positions in `context.containers`), in the
    // context's order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (i, (id, container)) in context.ids.iter().zip(&context.containers).enumerate() {
        if let Some(slot) = by_id.get_mut(id.0) {
            *slot = Some(container);
        }
        if let Some(list) = grouping.group(*id).and_then(|g| members.get_mut(g)) {
            list.push(i);
        }
    }
    let host_aliases = peer_names::plan(
        project,
        &peer_names::Peers {
            grouping,
            containers: &by_id,
        },
        &mut services_by_group,
        diagnostics,
    );
    let map = address_map(context, &owner_of, diagnostics);
    let storage_index = StorageIndex::new(&context.storage);
    // The groups whose addresses are in the map: a Pod reads the map when
    // another group's are.
    let mapped: BTreeSet<usize> = owner_of
        .iter()
        .filter(|(address, _)| address.is_ipv4())
        .map(|(_, (g, _, _))| *g)
        .collect();
    let declared: BTreeSet<IpAddr> = context
        .containers
        .iter()
        .flat_map(|c| c.addresses.iter().copied())
        .collect();
    let extra: Vec<IpAddr> = context
        .addresses
        .all
        .iter()
        .copied()
        .filter(|a| !declared.contains(a))
        .collect();
    warn_shared_privilege(groups, project, diagnostics);
    crate::plan::process::note_split(project, grouping, diagnostics);
    let joined = Joined {
        context,
        members: &members,
        extra: &extra,
        map: map.as_ref(),
        mapped: &mapped,
        isolated: &isolated,
        storage_index: &storage_index,
    };
    let pods: Vec<PodPlan> = groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let aliases = if isolated.contains(&g) {
                Vec::new()
            } else {
                host_aliases.get(g).cloned().unwrap_or_default()
            };
            let services = services_by_group.get(g).cloned().unwrap_or_default();
            joined.pod(g, group, (aliases, services), diagnostics)
        })
        .collect();
    storage::note_unshared(&pods, diagnostics);
    pods
}

/// What joins the Pods: made once, read by each.
struct Joined<'a> {
    context: &'a Context<'a>,
    /// Each group's containers: positions in `context.containers`.
    members: &'a [Vec<usize>],
    /// Addresses nobody declares (`--extra-ip`): on every Pod's loopback.
    extra: &'a [IpAddr],
    map: Option<&'a Arc<AddressMap>>,
    /// The groups whose addresses are in the map.
    mapped: &'a BTreeSet<usize>,
    /// Groups in the host's network or in none.
    isolated: &'a BTreeSet<usize>,
    storage_index: &'a StorageIndex<'a>,
}

impl Joined<'_> {
    /// The plan of group `g`'s Pod, with its `hostAliases` and Services.
    fn pod(
        &self,
        g: usize,
        group: &Group,
        (host_aliases, mut services): (Vec<HostAlias>, Vec<ServicePlan>),
        diagnostics: &mut Diagnostics,
    ) -> PodPlan {
        let (project, options) = (self.context.project, self.context.options);
        let mut containers: Vec<ContainerPlan> = self
            .members
            .get(g)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.context.containers.get(i).cloned())
            .collect();
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
        // In the node's network, or in none, a Pod claims no address and
        // translates none: its rules would be the node's.
        let has_init = !self.isolated.contains(&g)
            && (!loopback.addresses.is_empty() || loopback.needs_iptables());
        // Pod-level settings come from the Pod's own services only.
        let pod = crate::plan::pod::settings(project, group, &containers, diagnostics);
        let replicas = containers.iter().map(|c| c.replicas).max().unwrap_or(1);
        let storage = storage_for(self.storage_index, &containers);
        if replicas > 1
            && !storage.claims.is_empty()
            && options.controller != Controller::StatefulSet
        {
            replicas_stateful(group, replicas, project, diagnostics);
        }
        PodPlan {
            project: project.name.clone(),
            name: group.pod.clone(),
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
    group: &Group,
    replicas: u32,
    project: &Project,
    diagnostics: &mut Diagnostics,
) {
    let span = group
        .members
        .first()
        .and_then(|m| m.of(project))
        .map(|s| s.name.span);
    let group = &group.name;
    diagnostics.push(
        Diagnostic::error("replicas-stateful", format!("group `{group}` asks for {replicas} replicas but mounts named volumes; the copies would share one claim"))
            .at_opt(span)
            .help("keep `replicas: 1`, or convert with `--controller statefulset`: each replica then gets its own claim"),
    );
}

/// A service that can change its network namespace changes it for the
/// other members of its group too.
fn warn_shared_privilege(groups: &[Group], project: &Project, diagnostics: &mut Diagnostics) {
    for members in groups.iter().map(|g| &g.members).filter(|m| m.len() > 1) {
        for member in members {
            if let Some(service) = member.of(project) {
                let others: Vec<String> = members
                    .iter()
                    .filter(|m| *m != member)
                    .map(|m| format!("`{}`", m.name(project)))
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

#[cfg(test)]
mod tests {
    use crate::diagnostic::Diagnostics;
    use crate::plan::{Plan, PlanOptions, Strategy, plan, project_text};

    fn plan_of(text: &str, strategy: Strategy) -> (Plan, Diagnostics) {
        let (project, mut diagnostics) = project_text(text);
        let options = PlanOptions {
            strategy,
            ..PlanOptions::default()
        };
        let plan = plan(&project, &options, &mut diagnostics);
        (plan, diagnostics)
    }

    fn count(diagnostics: &Diagnostics, code: &str) -> usize {
        diagnostics
            .items()
            .iter()
            .filter(|d| d.code == code)
            .count()
    }

    #[test]
    fn each_pod_holds_its_groups_containers_named_project_wide() {
        let text = "name: p
services:
  a_b: {image: x, depends_on: [db], x-podlift: {group: g}}
  a-b: {image: y}
  db: {image: db, expose: ['5432'], x-podlift: {group: g}}
";
        let (plan, diagnostics) = plan_of(text, Strategy::Split);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        let pods: Vec<(&str, Vec<(&str, &str)>)> = plan
            .pods
            .iter()
            .map(|p| {
                let containers = p
                    .containers
                    .iter()
                    .map(|c| (c.service.as_str(), c.name.as_str()))
                    .collect();
                (p.name.as_str(), containers)
            })
            .collect();
        // In start order inside a Pod (db before its dependent), and the
        // names made unique across the project, not per Pod.
        assert_eq!(
            pods,
            [
                ("p-g", vec![("db", "db"), ("a_b", "a-b-2")]),
                ("p-a-b", vec![("a-b", "a-b")]),
            ]
        );
    }

    #[test]
    fn per_pod_checks_run_per_pod_and_project_wide_ones_once() {
        let text = "services:
  a: {image: a, ports: ['80:80'], depends_on: [c], x-podlift: {group: g}}
  b: {image: b, ports: ['8080:80'], x-podlift: {group: g}}
  c: {image: c, ports: ['81:80'], depends_on: [a]}
  d: {image: d}
";
        let (plan, diagnostics) = plan_of(text, Strategy::Split);
        assert_eq!(plan.pods.len(), 3);
        // `a` and `b` share a Pod and port 80; `c`, in its own, does not
        // clash with them.
        assert_eq!(count(&diagnostics, "port-conflict"), 1, "{diagnostics:?}");
        let conflict = diagnostics
            .items()
            .iter()
            .find(|d| d.code == "port-conflict")
            .unwrap();
        assert!(conflict.message.contains("`b`"), "{}", conflict.message);
        assert!(!conflict.message.contains("`c`"), "{}", conflict.message);
        // The cycle is the project's: said once, not once per Pod.
        assert_eq!(count(&diagnostics, "depends-on-cycle"), 1);
    }
}
