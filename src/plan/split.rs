//! The split strategy: a Deployment per service, or per group of services that
//! share a network namespace (`network_mode: service:X`) or an
//! `x-podlift.group`. Each Pod keeps its own preset addresses on loopback and
//! translates every other Pod's preset address to that service's ClusterIP,
//! resolved by name when its init container runs, from one address map for
//! the whole project ([`crate::plan::AddressMap`]); peers' names resolve
//! through their Services ([`peer_names`]). No Pod's spec grows with the
//! number of peers. Here each group gets its [`Part`] of the shared
//! context; [`crate::plan::pod::plan`] plans its Pod, as it plans the one
//! Pod of every service.

mod peer_names;
mod services;
mod storage;

use services::{address_map, services_and_owners};
pub(crate) use storage::note_unshared;
use storage::{StorageIndex, storage_for};

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostics;
use crate::plan::ContainerPlan;
use crate::plan::auto::Alone;
use crate::plan::context::Context;
use crate::plan::pod::Part;

/// Each group's [`Part`] of the shared context, joined by the address map
/// and peers' Services: the context's containers are moved into their
/// groups' parts, the storage is shared out.
pub(crate) fn parts(context: &mut Context<'_>, diagnostics: &mut Diagnostics) -> Vec<Part> {
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
    for (id, container) in context.ids.iter().zip(&context.containers) {
        if let Some(slot) = by_id.get_mut(id.0) {
            *slot = Some(container);
        }
    }
    let mut host_aliases = peer_names::plan(
        project,
        &peer_names::Peers {
            grouping,
            containers: &by_id,
        },
        &mut services_by_group,
        diagnostics,
    );
    let map = address_map(context, &owner_of, diagnostics);
    // The groups whose addresses are in the map: a Pod reads the map when
    // another group's are.
    let mapped: BTreeSet<usize> = owner_of
        .iter()
        .filter(|(address, _)| address.is_ipv4())
        .map(|(_, (g, _, _))| *g)
        .collect();
    crate::plan::process::note_split(project, grouping, diagnostics);
    // Each group's containers, moved out of the context in its order.
    let mut parts: Vec<Part> = (0..groups.len()).map(|_| Part::default()).collect();
    let containers = std::mem::take(&mut context.containers);
    for (id, container) in context.ids.iter().zip(containers) {
        if let Some(part) = grouping.group(*id).and_then(|g| parts.get_mut(g)) {
            part.containers.push(container);
        }
    }
    let storage_index = StorageIndex::new(&context.storage);
    for (g, part) in parts.iter_mut().enumerate() {
        part.storage = storage_for(&storage_index, &part.containers);
        part.isolated = isolated.contains(&g);
        if !part.isolated {
            part.host_aliases = host_aliases
                .get_mut(g)
                .map(std::mem::take)
                .unwrap_or_default();
        }
        part.services = services_by_group
            .get_mut(g)
            .map(std::mem::take)
            .unwrap_or_default();
        part.map = map.clone().filter(|_| mapped.iter().any(|o| *o != g));
    }
    parts
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Diagnostics};
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

    fn count(diagnostics: &Diagnostics, code: Code) -> usize {
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
        assert_eq!(
            count(&diagnostics, Code::PortConflict),
            1,
            "{diagnostics:?}"
        );
        let conflict = diagnostics
            .items()
            .iter()
            .find(|d| d.code == Code::PortConflict)
            .unwrap();
        assert!(conflict.message.contains("`b`"), "{}", conflict.message);
        assert!(!conflict.message.contains("`c`"), "{}", conflict.message);
        // The cycle is the project's: said once, not once per Pod.
        assert_eq!(count(&diagnostics, Code::DependsOnCycle), 1);
    }
}
