//! The one grouping step: which services share a Pod, decided from the
//! project's facts before any Pod is planned. Every strategy goes through
//! it: `pod` makes one group of every service, `split` one per indivisible
//! unit (services sharing a network namespace or an `x-podlift.group`),
//! `auto` the fewest Pods that remove what one Pod cannot hold
//! ([`auto::groups`]). A group names its services by [`ServiceId`], says
//! why it exists, and carries its workload's name.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;

use crate::model::Project;
use crate::model::service::Service;
use crate::plan::addresses::namespace_owner;
use crate::plan::auto::{self, Alone};
use crate::plan::{Layout, PlanOptions, Strategy, names, pod_names};

/// A service of the project: its position in `project.services`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub usize);

impl ServiceId {
    /// The service this id names.
    #[must_use]
    pub fn of(self, project: &Project) -> Option<&Service> {
        project.services.get(self.0)
    }

    /// The service's compose name (empty for an id the project lacks).
    #[must_use]
    pub fn name(self, project: &Project) -> &str {
        self.of(project).map_or("", |s| s.name.value.as_str())
    }
}

/// The compose names of `ids`, in their order.
#[must_use]
pub fn names_of(ids: &[ServiceId], project: &Project) -> Vec<String> {
    ids.iter().map(|id| id.name(project).to_string()).collect()
}

/// The services of one Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Its stable name ([`pod_names::group_name`]).
    pub name: String,
    /// Its workload's Kubernetes name.
    pub pod: String,
    /// Its services: for several Pods, units in the order of their names
    /// (auto) or of the file (split), each unit's in compose order; for one
    /// Pod, every service in compose order.
    pub members: Vec<ServiceId>,
    /// Why it exists beside the first Pod (`--strategy auto`; `None` for
    /// the first).
    pub reason: Option<String>,
    /// A unit that must be alone, and why.
    pub alone: Option<Alone>,
}

/// The Pods of the project, before any is planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grouping {
    /// One group per Pod.
    pub groups: Vec<Group>,
    /// One Pod of every service, or Pods joined by the split strategy's
    /// machinery (address map, peers' names through Services).
    pub layout: Layout,
    /// The group of each service, by [`ServiceId`].
    pub group_of: Vec<usize>,
}

impl Grouping {
    /// `groups` as they are, with the index of each service's group.
    fn new(project: &Project, groups: Vec<Group>, layout: Layout) -> Self {
        let mut group_of = vec![usize::MAX; project.services.len()];
        for (g, group) in groups.iter().enumerate() {
            for id in &group.members {
                if let Some(slot) = group_of.get_mut(id.0) {
                    *slot = g;
                }
            }
        }
        Self {
            groups,
            layout,
            group_of,
        }
    }

    /// The group of `id`.
    #[must_use]
    pub fn group(&self, id: ServiceId) -> Option<usize> {
        self.group_of
            .get(id.0)
            .copied()
            .filter(|&g| g != usize::MAX)
    }

    /// Whether two services share a Pod.
    #[must_use]
    pub fn together(&self, a: ServiceId, b: ServiceId) -> bool {
        self.group(a) == self.group(b)
    }
}

/// Groups the project's services as `options.strategy` says.
#[must_use]
pub fn group(project: &Project, options: &PlanOptions) -> Grouping {
    let several = match options.strategy {
        Strategy::Pod => None,
        Strategy::Split => Some(auto::one_per_unit(project, &units(project))),
        Strategy::Auto => Some(auto::groups(
            project,
            &units(project),
            &options.allow_shared_ports,
        ))
        .filter(|groups| auto::needs_several(groups)),
    };
    let Some(mut groups) = several else {
        return Grouping::new(project, vec![one_group(project)], Layout::OnePod);
    };
    let lists: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|g| (g.name.clone(), names_of(&g.members, project)))
        .collect();
    let pods = pod_names::pod_names(
        &project_label(project),
        &lists,
        options.strategy == Strategy::Auto,
    );
    for (group, pod) in groups.iter_mut().zip(pods) {
        group.pod = pod;
    }
    Grouping::new(project, groups, Layout::Split)
}

/// The project's name as a DNS label: the one Pod's workload name.
#[must_use]
pub fn project_label(project: &Project) -> String {
    names::dns_label(&project.name, "podlift")
}

/// One Pod of every service, in compose order.
fn one_group(project: &Project) -> Group {
    Group {
        name: project.name.clone(),
        pod: project_label(project),
        members: (0..project.services.len()).map(ServiceId).collect(),
        reason: None,
        alone: None,
    }
}

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

/// The indivisible units of services (sharing a network namespace or an
/// `x-podlift.group`), in compose order, each with its stable name
/// ([`pod_names::group_name`]).
#[must_use]
pub fn units(project: &Project) -> Vec<(String, Vec<ServiceId>)> {
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
    let mut members: BTreeMap<usize, Vec<ServiceId>> = BTreeMap::new();
    for i in 0..count {
        members
            .entry(find(&mut parent, i))
            .or_default()
            .push(ServiceId(i));
    }
    members
        .into_values()
        .map(|ids| (pod_names::group_name(&ids, project), ids))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Grouping, ServiceId, group, names_of};
    use crate::plan::auto::Alone;
    use crate::plan::{Layout, PlanOptions, Strategy, project_text};

    const MIXED: &str = "name: shop
services:
  web: {image: web, ports: ['80:80']}
  proxy: {image: proxy, ports: ['8080:80']}
  side: {image: side, network_mode: 'service:web'}
  db: {image: db, expose: ['5432'], x-podlift: {group: data}}
  backup: {image: backup, x-podlift: {group: data}}
";

    fn grouping(text: &str, strategy: Strategy) -> (Grouping, crate::model::Project) {
        let (project, _) = project_text(text);
        let options = PlanOptions {
            strategy,
            ..PlanOptions::default()
        };
        (group(&project, &options), project)
    }

    fn members(grouping: &Grouping, project: &crate::model::Project) -> Vec<Vec<String>> {
        grouping
            .groups
            .iter()
            .map(|g| names_of(&g.members, project))
            .collect()
    }

    #[test]
    fn the_pod_strategy_is_one_group_of_every_service_in_compose_order() {
        let (grouping, project) = grouping(MIXED, Strategy::Pod);
        assert_eq!(grouping.layout, Layout::OnePod);
        assert_eq!(
            members(&grouping, &project),
            [["web", "proxy", "side", "db", "backup"]]
        );
        let group = &grouping.groups[0];
        assert_eq!(group.pod, "shop");
        assert_eq!((group.reason.as_ref(), group.alone.as_ref()), (None, None));
        assert!(grouping.together(ServiceId(0), ServiceId(4)));
    }

    #[test]
    fn split_makes_one_group_per_unit_that_shares_a_namespace_or_a_group() {
        let (grouping, project) = grouping(MIXED, Strategy::Split);
        assert_eq!(grouping.layout, Layout::Split);
        assert_eq!(
            members(&grouping, &project),
            [vec!["web", "side"], vec!["proxy"], vec!["db", "backup"]]
        );
        let pods: Vec<&str> = grouping.groups.iter().map(|g| g.pod.as_str()).collect();
        assert_eq!(pods, ["shop-web", "shop-proxy", "shop-data"]);
        assert_eq!(
            grouping.groups[2].alone,
            Some(Alone::Group("data".to_string()))
        );
        // Each service knows its group by id.
        assert_eq!(grouping.group(ServiceId(2)), Some(0));
        assert_eq!(grouping.group(ServiceId(4)), Some(2));
        assert_eq!(grouping.group(ServiceId(9)), None);
        assert!(grouping.together(ServiceId(3), ServiceId(4)));
        assert!(!grouping.together(ServiceId(0), ServiceId(1)));
    }

    #[test]
    fn auto_groups_from_facts_with_a_reason_for_each_pod_beyond_the_first() {
        let (grouping, project) = grouping(MIXED, Strategy::Auto);
        assert_eq!(grouping.layout, Layout::Split);
        // Units in the order of their names: data, proxy, web; web clashes
        // with proxy on port 80.
        assert_eq!(
            members(&grouping, &project),
            [vec!["db", "backup"], vec!["proxy"], vec!["web", "side"]]
        );
        let reasons: Vec<Option<&str>> = grouping
            .groups
            .iter()
            .map(|g| g.reason.as_deref())
            .collect();
        assert_eq!(
            reasons[0],
            Some("services `db` and `backup` form `x-podlift.group: data`")
        );
        assert_eq!(reasons[1], None);
        assert!(
            reasons[2].is_some_and(|r| r.contains("`proxy` and `web` both listen on `80/tcp`")),
            "{reasons:?}"
        );
        // The largest Pod keeps the project's name.
        let pods: Vec<&str> = grouping.groups.iter().map(|g| g.pod.as_str()).collect();
        assert_eq!(pods, ["shop", "shop-proxy", "shop-web"]);
    }

    #[test]
    fn auto_without_an_obstacle_is_the_one_pod_of_the_pod_strategy() {
        let text = "services:\n  b: {image: b, expose: ['80']}\n  a: {image: a, expose: ['81']}\n";
        let (auto, project) = grouping(text, Strategy::Auto);
        let (pod, _) = grouping(text, Strategy::Pod);
        assert_eq!(auto, pod);
        assert_eq!(members(&auto, &project), [["b", "a"]]);
        // One service with replicas needs a Pod of its own kind.
        let text = "services:\n  a: {image: a, deploy: {replicas: 2}}\n";
        let (auto, _) = grouping(text, Strategy::Auto);
        assert_eq!(auto.layout, Layout::Split);
        assert_eq!(auto.groups.len(), 1);
        assert_eq!(auto.groups[0].alone, Some(Alone::Replicas(2)));
    }
}
