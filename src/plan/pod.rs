//! One Pod of every service, planned from the shared [`Context`]: the
//! checks that only one Pod needs (ports, replicas, network privilege,
//! pod-wide values, process settings), its loopback addresses, Services and
//! `/etc/hosts`. Several Pods are planned by [`crate::plan::split`].

use crate::diagnostic::Diagnostics;
use crate::model::Project;
use crate::model::service::Service;
use crate::plan::auto::Alone;
use crate::plan::context::Context;
use crate::plan::group::Group;
use crate::plan::{
    ContainerPlan, Layout, LoopbackInit, PodLevel, PodPlan, checks, inbound_rules, init_image,
    pod_level, ports, process,
};

/// The plan of the one Pod `group` (every service of the project).
pub(crate) fn one(context: Context<'_>, group: &Group, diagnostics: &mut Diagnostics) -> PodPlan {
    let Context {
        project,
        options,
        containers,
        mut services,
        addresses,
        host_aliases,
        storage,
        ..
    } = context;
    ports::check_ports(
        &containers,
        project,
        &options.allow_shared_ports,
        Layout::OnePod,
        diagnostics,
    );
    let inbound = if options.inbound_dnat {
        inbound_rules(&containers, true, &mut services)
    } else {
        Vec::new()
    };
    let loopback = (!addresses.all.is_empty()).then(|| {
        let mut init = LoopbackInit {
            image: String::new(),
            privileged: options.privileged_init,
            addresses: addresses.all.clone(),
            map: None,
            inbound,
        };
        init.image = init_image(project, options, init.needs_iptables());
        init
    });
    checks::check_replicas(project, diagnostics);
    if project.services.len() > 1 {
        for service in &project.services {
            checks::warn_network_privilege(service, "every container of the Pod", diagnostics);
        }
    }
    let pod = settings(project, group, &containers, diagnostics);
    PodPlan {
        pod,
        replicas: 1,
        reason: None,
        project: project.name.clone(),
        name: group.pod.clone(),
        loopback,
        wait: None,
        containers,
        host_aliases,
        storage,
        services,
        network_policy: None,
    }
}

/// The Pod-wide settings of `group`'s Pod, from its own services and
/// `containers`, with what they change for the services that did not ask.
pub(crate) fn settings(
    project: &Project,
    group: &Group,
    containers: &[ContainerPlan],
    diagnostics: &mut Diagnostics,
) -> PodLevel {
    let members: Vec<&Service> = group.members.iter().filter_map(|m| m.of(project)).collect();
    let mut pod = pod_level(&members, diagnostics);
    pod.host_network = group.alone == Some(Alone::Host);
    pod.process = process::level(containers);
    process::warn_widened_groups(project, containers, &pod.process, diagnostics);
    process::note_shared_pid(project, containers, diagnostics);
    pod
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Diagnostics;
    use crate::plan::{PlanOptions, Strategy, plan, plan_text, project_text};

    const TEXT: &str = "name: shop
services:
  web: {image: web, ports: ['80:80'], depends_on: [db], networks: {n: {ipv4_address: 10.9.0.3}}}
  db: {image: db, expose: ['5432'], networks: {n: {ipv4_address: 10.9.0.2}}}
networks: {n: {}}
";

    #[test]
    fn the_one_pod_holds_every_service_and_the_whole_context() {
        let (pod, diagnostics) = plan_text(TEXT, &PlanOptions::default());
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        assert_eq!(pod.name, "shop");
        let services: Vec<&str> = pod.containers.iter().map(|c| c.service.as_str()).collect();
        assert_eq!(services, ["db", "web"], "start order");
        let loopback = pod.loopback.unwrap();
        assert_eq!(
            loopback.addresses,
            ["10.9.0.2", "10.9.0.3"].map(|a| a.parse::<std::net::IpAddr>().unwrap())
        );
        assert!(loopback.map.is_none());
        let names: Vec<&str> = pod.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["web"]);
        assert_eq!(pod.host_aliases.len(), 2);
    }

    #[test]
    fn auto_without_an_obstacle_plans_the_same_pod_as_the_pod_strategy() {
        let run = |strategy| {
            let (project, mut diagnostics) = project_text(TEXT);
            let options = PlanOptions {
                strategy,
                ..PlanOptions::default()
            };
            let plan = plan(&project, &options, &mut diagnostics);
            (plan, diagnostics)
        };
        let (auto, auto_found): (_, Diagnostics) = run(Strategy::Auto);
        let (pod, pod_found) = run(Strategy::Pod);
        assert_eq!(auto, pod);
        assert_eq!(auto_found.items(), pod_found.items());
        assert_eq!(auto.pods.len(), 1);
    }

    #[test]
    fn below_1_29_the_one_pod_warns_of_start_order_also_for_a_missing_target() {
        // A target the project lacks is in the one Pod, as before groups
        // came first: the warning that start order is not enforced stays.
        let text = "services:\n  a: {image: a, depends_on: [ghost]}\n";
        let (_, diagnostics) = plan_text(text, &PlanOptions::default());
        let codes: Vec<&str> = diagnostics.items().iter().map(|d| d.code).collect();
        assert!(codes.contains(&"start-order"), "{codes:?}");
        let (project, mut diagnostics) = project_text(text);
        let options = PlanOptions {
            strategy: Strategy::Split,
            ..PlanOptions::default()
        };
        plan(&project, &options, &mut diagnostics);
        let codes: Vec<&str> = diagnostics.items().iter().map(|d| d.code).collect();
        assert!(!codes.contains(&"start-order"), "{codes:?}");
    }
}
