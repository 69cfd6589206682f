//! The names of the Pods' workloads when an application runs as several Pods,
//! stable across releases: they depend neither on the order of the compose
//! file's services nor on which other Pod appeared or grew.
//!
//! - Under `--strategy auto`, the Pod holding most of the application (the
//!   most services; on a tie, the one holding the service whose name sorts
//!   first) keeps the project's name, as the one Pod of a one-Pod conversion
//!   has it: an application that grows from one Pod to two keeps its first.
//!   `--strategy split` never gives one Pod, and keeps no such name.
//! - Every other Pod is `<project>-<group>`, the group being the
//!   `x-podlift.group` of its services, else the service whose network
//!   namespace they share (`network_mode: service:X`; a service alone is its
//!   own); where a Pod holds several, the one whose name sorts first. The
//!   name stays while that group or service stays in the Pod.

use crate::model::Project;
use crate::plan::addresses::namespace_owner;
use crate::plan::group::ServiceId;
use crate::plan::names;

/// A group's stable name: the first in sort order of its services'
/// `x-podlift.group`s, else of the services whose network namespaces its
/// services live in.
#[must_use]
pub(crate) fn group_name(members: &[ServiceId], project: &Project) -> String {
    let services = || members.iter().filter_map(|m| m.of(project));
    let chosen = services()
        .filter_map(|s| s.group.as_ref())
        .map(|g| g.value.as_str())
        .min();
    chosen
        .or_else(|| {
            services()
                .map(|s| namespace_owner(project, s).name.value.as_str())
                .min()
        })
        .or_else(|| members.iter().map(|m| m.name(project)).min())
        .unwrap_or_default()
        .to_string()
}

/// The workload name of each Pod, by position in `groups` (a group's name and
/// its services): with `keep_project`, the largest keeps `project` (a DNS
/// label already); each other is named after its group, unique among them all.
#[must_use]
pub(crate) fn pod_names(
    project: &str,
    groups: &[(String, Vec<String>)],
    keep_project: bool,
) -> Vec<String> {
    let main = groups
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| {
            let first = |members: &[String]| members.iter().min().cloned();
            // More services wins; on a tie, the smaller first service name.
            a.1.len()
                .cmp(&b.1.len())
                .then_with(|| first(&b.1).cmp(&first(&a.1)))
        })
        .map(|(i, _)| i)
        .filter(|_| keep_project);
    let mut taken: names::Taken = std::iter::once(project.to_string()).collect();
    let mut out: Vec<String> = vec![String::new(); groups.len()];
    // Collisions (names that only differ in characters a label cannot hold)
    // are numbered in the order of the group names, not of the file.
    let mut order: Vec<usize> = (0..groups.len()).filter(|&i| Some(i) != main).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| groups.get(i).map(|g| (&g.0, &g.1));
        key(a).cmp(&key(b))
    });
    for i in order {
        let group = groups.get(i).map_or("", |g| g.0.as_str());
        let name = names::dns_label(&format!("{project}-{group}"), "group");
        if let Some(slot) = out.get_mut(i) {
            *slot = taken.unique(&name);
        }
    }
    if let Some(slot) = main.and_then(|i| out.get_mut(i)) {
        *slot = project.to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pod_names;

    fn groups(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(name, members)| {
                (
                    (*name).to_string(),
                    members.iter().map(|m| (*m).to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_largest_pod_keeps_the_project_name_in_any_order() {
        let a = groups(&[("amf", &["amf"]), ("mongo", &["mongo", "smf", "upf"])]);
        assert_eq!(pod_names("core", &a, true), ["core-amf", "core"]);
        let b = groups(&[("mongo", &["mongo", "smf", "upf"]), ("amf", &["amf"])]);
        assert_eq!(pod_names("core", &b, true), ["core", "core-amf"]);
    }

    #[test]
    fn a_tie_goes_to_the_pod_of_the_first_service_name() {
        let a = groups(&[("smf", &["smf"]), ("amf", &["amf"])]);
        assert_eq!(pod_names("core", &a, true), ["core-smf", "core"]);
        assert_eq!(pod_names("core", &a, false), ["core-smf", "core-amf"]);
    }

    #[test]
    fn names_that_collide_as_labels_are_numbered_by_group_name() {
        let a = groups(&[
            ("main", &["a", "b"]),
            ("my_db", &["my_db"]),
            ("my-db", &["my-db"]),
        ]);
        assert_eq!(pod_names("p", &a, true), ["p", "p-my-db-2", "p-my-db"]);
    }
}
