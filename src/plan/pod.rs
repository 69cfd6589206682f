//! One Pod, planned from the shared [`Context`] and its [`Group`]: the one
//! Pod of every service and each of several Pods go through the same
//! [`plan`]. What a Pod takes from outside its own containers comes as a
//! [`Part`]: the one Pod of every service takes the whole context
//! ([`Part::whole`]); several Pods each take their share, joined by the
//! address map and their peers' Services ([`crate::plan::split::parts`]).
//! Here run the checks each Pod needs for itself (ports, replicas, network
//! privilege, pod-wide values, process settings), and its loopback init is
//! made.
use foldhash::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::Service;
use crate::plan::address_map::AddressMap;
use crate::plan::auto::Alone;
use crate::plan::context::Context;
use crate::plan::group::Group;
use crate::plan::storage::Storage;
use crate::plan::{
    ContainerPlan, Controller, HostAlias, LoopbackInit, PodLevel, PodPlan, Role, ServicePlan,
    checks, inbound_rules, init_image, pod_level, ports, process,
};

/// What one Pod takes beside the shared context: its containers and its
/// share of the storage, Services, names and the address map.
#[derive(Default)]
pub(crate) struct Part {
    /// Its containers, in the context's order.
    pub containers: Vec<ContainerPlan>,
    /// The volumes, ConfigMaps, Secrets and claims they mount.
    pub storage: Storage,
    /// Its Services.
    pub services: Vec<ServicePlan>,
    /// Its `/etc/hosts` entries.
    pub host_aliases: Vec<HostAlias>,
    /// The project's address map, when another Pod's addresses are in it.
    pub map: Option<Arc<AddressMap>>,
    /// In the node's network or in none: it claims no address and
    /// translates none (its rules would be the node's).
    pub isolated: bool,
}

impl Part {
    /// The one Pod of every service: the whole context, taken out of it.
    pub(crate) fn whole(context: &mut Context<'_>) -> Self {
        Self {
            containers: std::mem::take(&mut context.containers),
            storage: std::mem::take(&mut context.storage),
            services: std::mem::take(&mut context.services),
            host_aliases: std::mem::take(&mut context.host_aliases),
            map: None,
            isolated: false,
        }
    }
}

/// The plan of `group`'s Pod from the shared `context` and its `part`.
pub(crate) fn plan(
    context: &Context<'_>,
    group: &Group,
    part: Part,
    diagnostics: &mut Diagnostics,
) -> PodPlan {
    let Part {
        mut containers,
        storage,
        mut services,
        host_aliases,
        map,
        isolated,
    } = part;
    let project = context.project;
    warn_shared_privilege(context, group, diagnostics);
    fix_roles(&mut containers, project, diagnostics);
    ports::check_ports(
        &containers,
        project,
        &context.options.allow_shared_ports,
        context.grouping.layout,
        diagnostics,
    );
    let loopback = loopback(context, &containers, &mut services, map, isolated);
    // Pod-level settings come from the Pod's own services only.
    let pod = settings(project, group, &containers, diagnostics);
    let replicas = replicas(context, group, &containers, &storage, diagnostics);
    PodPlan {
        project: project.name.clone(),
        name: group.pod.clone(),
        loopback,
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

/// The init container that claims the Pod's preset addresses (its
/// containers' and those nobody declares) and sends inbound traffic to
/// them: the ports its Services carry, every declared one when several Pods
/// call each other, the published ones with `--inbound-dnat` in the one Pod.
fn loopback(
    context: &Context<'_>,
    containers: &[ContainerPlan],
    services: &mut [ServicePlan],
    map: Option<Arc<AddressMap>>,
    isolated: bool,
) -> Option<LoopbackInit> {
    let (project, options) = (context.project, context.options);
    if isolated {
        return None;
    }
    let mut addresses: Vec<IpAddr> = containers
        .iter()
        .flat_map(|c| c.addresses.iter().copied())
        .chain(context.undeclared.iter().copied())
        .collect();
    addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    addresses.dedup();
    let one_pod = context.one_pod();
    let inbound = if one_pod && !options.inbound_dnat {
        Vec::new()
    } else {
        inbound_rules(containers, one_pod, services)
    };
    let mut init = LoopbackInit {
        image: String::new(),
        privileged: options.privileged_init,
        addresses,
        map,
        inbound,
    };
    init.image = init_image(project, options, init.needs_iptables());
    (!init.addresses.is_empty() || init.needs_iptables()).then_some(init)
}

/// A service that can change its network namespace changes it for the
/// other members of its Pod too.
fn warn_shared_privilege(context: &Context<'_>, group: &Group, diagnostics: &mut Diagnostics) {
    let project = context.project;
    if group.members.len() < 2 {
        return;
    }
    for member in &group.members {
        let Some(service) = member.of(project) else {
            continue;
        };
        if checks::network_privilege(service).is_none() {
            continue;
        }
        let peers = if context.one_pod() {
            "every container of the Pod".to_string()
        } else {
            let others: Vec<String> = group
                .members
                .iter()
                .filter(|m| *m != member)
                .map(|m| format!("`{}`", m.name(project)))
                .collect();
            format!("the other services of its Pod ({})", others.join(", "))
        };
        checks::warn_network_privilege(service, &peers, diagnostics);
    }
}

/// Sidecars and init containers order start inside a Pod only: one that no
/// member of its own Pod waits for becomes an ordinary container. (Across
/// Pods, `start_order::plan_waits` makes the dependent's Pod wait; in the
/// one Pod of every service each has its dependents beside it.)
fn fix_roles(containers: &mut [ContainerPlan], project: &Project, diagnostics: &mut Diagnostics) {
    if containers.iter().all(|c| c.role == Role::Container) {
        return;
    }
    let members: HashSet<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    let waited: HashSet<String> = containers
        .iter()
        .flat_map(|c| c.depends_on.iter())
        .filter(|d| members.contains(d.as_str()))
        .cloned()
        .collect();
    for container in containers.iter_mut() {
        if container.role != Role::Container && !waited.contains(&container.service) {
            if container.role == Role::Init {
                let span = project.service(&container.service).map(|s| s.name.span);
                diagnostics.push(
                    Diagnostic::warning(Code::SplitOneShot, format!("one-shot service `{}` runs in its own Deployment, which restarts it after it exits", container.service))
                        .at_opt(span)
                        .help("keep it with the services that wait for it (`x-podlift: {group: NAME}`), or run it as a Job"),
                );
            }
            container.role = Role::Container;
        }
    }
    containers.sort_by_key(|c| c.role == Role::Container);
}

/// How many copies of the Pod run. The one Pod of every service runs once:
/// a service's replicas would copy the whole stack (an error). A Pod of a
/// group runs as many as its members ask, and copies would share its
/// claims unless a StatefulSet gives each its own.
fn replicas(
    context: &Context<'_>,
    group: &Group,
    containers: &[ContainerPlan],
    storage: &Storage,
    diagnostics: &mut Diagnostics,
) -> u32 {
    if context.one_pod() {
        checks::check_replicas(context.project, diagnostics);
        return 1;
    }
    let replicas = containers.iter().map(|c| c.replicas).max().unwrap_or(1);
    if replicas > 1
        && !storage.claims.is_empty()
        && context.options.controller != Controller::StatefulSet
    {
        let span = group
            .members
            .first()
            .and_then(|m| m.of(context.project))
            .map(|s| s.name.span);
        let name = &group.name;
        diagnostics.push(
            Diagnostic::error(Code::ReplicasStateful, format!("group `{name}` asks for {replicas} replicas but mounts named volumes; the copies would share one claim"))
                .at_opt(span)
                .help("keep `replicas: 1`, or convert with `--controller statefulset`: each replica then gets its own claim"),
        );
    }
    replicas
}

/// The Pod-wide settings of `group`'s Pod, from its own services and
/// `containers`, with what they change for the services that did not ask.
fn settings(
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
    use crate::diagnostic::{Code, Diagnostics};
    use crate::plan::{PlanOptions, PodPlan, Strategy, plan, plan_text, project_text};

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
        let codes: Vec<Code> = diagnostics.items().iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::StartOrder), "{codes:?}");
        let (project, mut diagnostics) = project_text(text);
        let options = PlanOptions {
            strategy: Strategy::Split,
            ..PlanOptions::default()
        };
        plan(&project, &options, &mut diagnostics);
        let codes: Vec<Code> = diagnostics.items().iter().map(|d| d.code).collect();
        assert!(!codes.contains(&Code::StartOrder), "{codes:?}");
    }

    fn plan_with(text: &str, options: &PlanOptions) -> (crate::plan::Plan, Diagnostics) {
        let (project, mut diagnostics) = project_text(text);
        let plan = plan(&project, options, &mut diagnostics);
        (plan, diagnostics)
    }

    fn split() -> PlanOptions {
        PlanOptions {
            strategy: Strategy::Split,
            ..PlanOptions::default()
        }
    }

    fn codes(diagnostics: &Diagnostics) -> Vec<Code> {
        diagnostics.items().iter().map(|d| d.code).collect()
    }

    #[test]
    fn each_pod_claims_its_own_addresses_and_the_undeclared_ones_and_reads_the_map() {
        let text = "services:
  a: {image: a, expose: ['80'], networks: {n: {ipv4_address: 10.9.0.2}}}
  b: {image: b, expose: ['81'], networks: {n: {ipv4_address: 10.9.0.3}}}
  h: {image: h, network_mode: host}
networks: {n: {}}
";
        let extra: std::net::IpAddr = "10.9.0.9".parse().unwrap();
        let options = PlanOptions {
            extra_addresses: vec![extra],
            ..split()
        };
        let (plan, _) = plan_with(text, &options);
        let loopbacks: Vec<(&str, Option<Vec<String>>, bool)> = plan
            .pods
            .iter()
            .map(|p| {
                let addresses = p
                    .loopback
                    .as_ref()
                    .map(|l| l.addresses.iter().map(ToString::to_string).collect());
                let map = p.loopback.as_ref().is_some_and(|l| l.map.is_some());
                (p.name.as_str(), addresses, map)
            })
            .collect();
        let own = |a: &str| Some(vec![a.to_string(), extra.to_string()]);
        assert_eq!(
            loopbacks,
            [
                ("default-a", own("10.9.0.2"), true),
                ("default-b", own("10.9.0.3"), true),
                // In the node's network: no init container at all.
                ("default-h", None, false),
            ]
        );
        // The one Pod claims every address and translates none.
        let (plan, _) = plan_with(
            text,
            &PlanOptions {
                strategy: Strategy::Pod,
                ..options
            },
        );
        let loopback = plan.pods[0].loopback.as_ref().unwrap();
        assert_eq!(loopback.addresses.len(), 3);
        assert!(loopback.map.is_none() && loopback.inbound.is_empty());
    }

    #[test]
    fn inbound_rules_cover_published_ports_in_the_one_pod_and_every_port_across_pods() {
        let text = "services:
  a: {image: a, ports: ['8080:80'], expose: ['90'], networks: {n: {ipv4_address: 10.9.0.2}}}
networks: {n: {}}
";
        let ports = |options| {
            let (plan, _) = plan_with(text, &options);
            let pod: &PodPlan = &plan.pods[0];
            pod.loopback
                .as_ref()
                .map(|l| l.inbound.iter().map(|r| r.port).collect::<Vec<u16>>())
                .unwrap_or_default()
        };
        assert!(
            ports(PlanOptions::default()).is_empty(),
            "opt-in in one Pod"
        );
        let dnat = PlanOptions {
            inbound_dnat: true,
            ..PlanOptions::default()
        };
        assert_eq!(ports(dnat), [80]);
        assert_eq!(ports(split()), [80, 90]);
    }

    #[test]
    fn replicas_copy_a_group_but_are_an_error_in_the_one_pod() {
        let text = "services:
  a: {image: a, deploy: {replicas: 3}}
  b: {image: b, deploy: {replicas: 2}, volumes: ['data:/d']}
volumes: {data: {}}
";
        let (plan, diagnostics) = plan_with(text, &split());
        let replicas: Vec<u32> = plan.pods.iter().map(|p| p.replicas).collect();
        assert_eq!(replicas, [3, 2]);
        let found = codes(&diagnostics);
        assert_eq!(
            found
                .iter()
                .filter(|c| **c == Code::ReplicasStateful)
                .count(),
            1,
            "{found:?}"
        );
        let statefulset = PlanOptions {
            controller: crate::plan::Controller::StatefulSet,
            ..split()
        };
        let (_, diagnostics) = plan_with(text, &statefulset);
        assert!(!codes(&diagnostics).contains(&Code::ReplicasStateful));
        let (plan, diagnostics) = plan_with(text, &PlanOptions::default());
        assert_eq!(plan.pods[0].replicas, 1);
        let found = codes(&diagnostics);
        assert_eq!(found.iter().filter(|c| **c == Code::Replicas).count(), 2);
    }

    #[test]
    fn network_privilege_is_said_for_the_services_that_share_the_pod() {
        let text = "services:
  vpn: {image: v, cap_add: [NET_ADMIN], x-podlift: {group: g}}
  app: {image: a, x-podlift: {group: g}}
  alone: {image: b, cap_add: [NET_ADMIN]}
";
        let messages = |options| {
            let (_, diagnostics) = plan_with(text, &options);
            diagnostics
                .items()
                .iter()
                .filter(|d| d.code == Code::SharedNetworkPrivilege)
                .map(|d| d.message.clone())
                .collect::<Vec<String>>()
        };
        let split = messages(split());
        assert_eq!(split.len(), 1, "{split:?}");
        assert!(
            split[0].contains("`vpn`") && split[0].contains("(`app`)"),
            "{split:?}"
        );
        let one = messages(PlanOptions::default());
        assert_eq!(one.len(), 2, "{one:?}");
        assert!(one.iter().all(|m| m.contains("every container of the Pod")));
    }

    #[test]
    fn a_one_shot_service_alone_in_its_pod_becomes_a_container_with_a_warning() {
        let text = "services:
  migrate: {image: m}
  app: {image: a, depends_on: {migrate: {condition: service_completed_successfully}}}
";
        let (plan, diagnostics) = plan_with(text, &split());
        let roles: Vec<(&str, crate::plan::Role)> = plan
            .pods
            .iter()
            .flat_map(|p| p.containers.iter().map(|c| (c.service.as_str(), c.role)))
            .collect();
        assert_eq!(
            roles,
            [
                ("migrate", crate::plan::Role::Container),
                ("app", crate::plan::Role::Container)
            ]
        );
        assert!(codes(&diagnostics).contains(&Code::SplitOneShot));
        // In the one Pod its dependent is beside it: it stays an init container.
        let (plan, diagnostics) = plan_with(text, &PlanOptions::default());
        assert_eq!(plan.pods[0].containers[0].role, crate::plan::Role::Init);
        assert!(!codes(&diagnostics).contains(&Code::SplitOneShot));
    }
}
