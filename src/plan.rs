//! Planning: decides what goes where, in one Pod or several, and owns every
//! check that can fail. Input: a [`Project`] and [`PlanOptions`]; output: a
//! [`Plan`] (one [`PodPlan`] per Pod) that the renderer turns into Kubernetes
//! objects without knowing compose. One entry, [`plan()`], for every
//! [`Strategy`]; [`check_references`] for `config`, which only needs what
//! compose itself refuses. Findings go into the caller's `Diagnostics`.
//!
//! The plan holds facts, not text: the loopback init's addresses and rules
//! ([`LoopbackInit`]) are rendered into its shell script by
//! `render::init_script`. Imports: `model`, `diagnostic`, `source`; never
//! `render` or `emit`.

mod address_map;
mod addresses;
mod auto;
mod checks;
mod container;
mod context;
mod distinct;
mod env;
mod escape;
pub(crate) mod from_image;
mod group;
mod host_network;
mod hosts;
mod kube_version;
mod label_keys;
mod loopback;
pub(crate) mod names;
pub use names::label_problem;
mod network_mode;
pub(crate) mod network_policy;
mod order;
mod pod;
mod pod_level;
mod pod_names;
mod ports;
pub(crate) mod process;
mod reach;
mod scaled_out;
mod service_names;
mod services;
mod shared_claims;
mod split;
mod start_order;
pub(crate) mod storage;

use std::net::IpAddr;

use crate::diagnostic::Diagnostics;
use crate::model::Project;
pub use crate::model::healthcheck::HealthProbe;
pub use address_map::{AddressMap, MapEntry};
pub use container::{ContainerPlan, Details, Probe, escape};
pub use env::{EnvValue, EnvVar};
pub use from_image::{Carried, CopyUp};
pub use hosts::HostAlias;
pub use kube_version::KubeVersion;
pub use loopback::{
    DEFAULT_INIT_IMAGE, DEFAULT_NAT_INIT_IMAGE, Inbound, LOOPBACK_INIT_NAME, LoopbackInit,
};
pub(crate) use loopback::{inbound_rules, init_image};
pub use network_policy::PolicyPlan;
pub use pod_level::PodLevel;
pub(crate) use pod_level::pod_level;
pub use ports::SharedPort;
pub use process::{Process, ProcessLevel, Profile, SeLinuxPlan};
pub use services::{ServicePlan, ServicePort};
pub use start_order::{DEFAULT_WAIT, StartWait, WAIT_INIT_NAME, WaitTarget};
pub use storage::{
    BindAs, COPY_INIT_NAME, ClaimPlan, ConfigMapPlan, DEFAULT_CLAIM_SIZE, KeyItem, MountPlan,
    SecretPlan, Seed, Storage, StorageOptions, VolumePlan, VolumeSource,
};

/// The user's choices that shape the plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// `--extra-ip`.
    pub extra_addresses: Vec<IpAddr>,
    /// `--init-image` (wins over `x-podlift.init-image`).
    pub init_image: Option<String>,
    /// `--privileged-init`.
    pub privileged_init: bool,
    /// `--kube-version`: the cluster's version (native sidecars carry the
    /// start order from 1.29); `None`, none of the newer features.
    pub kube_version: Option<KubeVersion>,
    /// `--service-type`: the type of the Services made for published ports.
    pub service_type: Option<ServiceType>,
    /// `--pod-cidr`.
    pub pod_cidrs: Vec<ipnet::IpNet>,
    /// `--service-cidr`.
    pub service_cidrs: Vec<ipnet::IpNet>,
    /// `--allow-shared-port`: ports several containers may declare.
    pub allow_shared_ports: Vec<SharedPort>,
    /// `--inbound-dnat`: published ports reach services bound to their preset address.
    pub inbound_dnat: bool,
    /// `--controller`: the object that runs each Pod (a StatefulSet lets
    /// stateful groups have replicas).
    pub controller: Controller,
    /// `--strategy`: how services are spread over Pods.
    pub strategy: Strategy,
    /// Claim sizes, storage class, bind mounts.
    pub storage: storage::StorageOptions,
    /// `--health-probe`: what a compose health check becomes besides a
    /// start gate (a service's `x-podlift.health-probe` wins).
    pub health_probe: HealthProbe,
}

/// How services are spread over Pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// One Pod, or errors where one Pod cannot hold the application.
    #[default]
    Pod,
    /// A Pod per service, or per group sharing a network namespace.
    Split,
    /// One Pod where it can be, else the fewest Pods that remove the obstacles.
    Auto,
}

/// The object that runs a Pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Controller {
    /// A Deployment (`strategy: Recreate`).
    #[default]
    Deployment,
    /// A StatefulSet (stable identity, one claim per replica if the user adds templates).
    StatefulSet,
    /// A bare Pod (nothing recreates it when its node goes away).
    Pod,
}

/// The type of a Service made for published ports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ServiceType {
    /// Reachable inside the cluster only.
    #[default]
    ClusterIp,
    /// Also on a port of every node.
    NodePort,
    /// Also through the cloud's load balancer.
    LoadBalancer,
}

impl ServiceType {
    /// Kubernetes spelling.
    #[must_use]
    pub const fn as_k8s(self) -> &'static str {
        match self {
            Self::ClusterIp => "ClusterIP",
            Self::NodePort => "NodePort",
            Self::LoadBalancer => "LoadBalancer",
        }
    }
}

/// Whether the project's services share one Pod or are cut into several:
/// the checks that only one Pod needs run for the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Every service in one Pod.
    OnePod,
    /// Each group of services in a Pod of its own.
    Split,
}

/// What the plan stage hands to the renderer: every Pod of the project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// One plan per Pod: one in the pod strategy, one per group when split.
    pub pods: Vec<PodPlan>,
}

/// Plans every Pod as `options.strategy` says, gives each its
/// NetworkPolicy when there are several, and notes what the shared network
/// namespaces join that compose's networks kept apart.
///
/// # Errors
/// Problems are recorded in `diagnostics`; callers must not render a plan
/// when an error was recorded.
pub fn plan(project: &Project, options: &PlanOptions, diagnostics: &mut Diagnostics) -> Plan {
    let kept = scaled_out::without_scaled_out(project, diagnostics);
    let project = kept.as_ref().unwrap_or(project);
    let grouping = group::group(project, options);
    let mut pods = plan_pods(project, options, &grouping, diagnostics);
    shared_claims::mark(&mut pods);
    if grouping.groups.len() > 1 && options.strategy == Strategy::Auto {
        auto::explain(&grouping.groups, project, diagnostics);
        for (plan, group) in pods.iter_mut().zip(&grouping.groups) {
            plan.reason.clone_from(&group.reason);
        }
    }
    // Every Pod, the one Pod too: without a policy every Pod of the cluster
    // reaches every container port, also those compose kept to its networks.
    network_policy::attach(&mut pods, project);
    // Across Pods, after the policies: a wait needs a way through them.
    start_order::plan_waits(&mut pods, project, options, diagnostics);
    service_names::check(&pods, project, diagnostics);
    shared_claims::warn(&pods, project, diagnostics);
    names::warn_long_names(project, diagnostics);
    network_policy::note_shared_namespaces(&pods, project, diagnostics);
    loopback::note_iptables_image(&pods, project, options, diagnostics);
    services::note_host_only_ports(project, &pods, diagnostics);
    services::note_internal_only_ports(project, &pods, diagnostics);
    loopback::warn_compose_init_image(project, options, &pods, diagnostics);
    Plan { pods }
}

/// The references compose itself checks, and refuses a file for: networks,
/// `network_mode`, `depends_on` and namespace targets and cycles, volumes,
/// `volumes_from`, secrets and configs, an image or a build. Only these
/// errors are pushed (what the Pods cannot hold is not checked): `config`
/// prints a project that compose accepts. (The storage options change only
/// warnings, so the defaults find the same errors.)
pub fn check_references(project: &Project, diagnostics: &mut Diagnostics) {
    let mut found = Diagnostics::default();
    for service in &project.services {
        network_mode::network_references(project, service, &mut found);
    }
    process::check_targets(project, &mut found);
    order::start_order(project, &mut found);
    let name = names::dns_label(&project.name, "podlift");
    storage::plan_storage(
        project,
        &name,
        &storage::StorageOptions::default(),
        &mut found,
    );
    for service in &project.services {
        container::image_of(service, &project.name, &mut found);
    }
    // The Docker socket and the node's paths are valid compose; only a
    // cluster cannot give them (their class is `Cluster`).
    for diagnostic in found.items() {
        if diagnostic.severity == crate::diagnostic::Severity::Error
            && diagnostic.class() != Some(crate::diagnostic::Class::Cluster)
        {
            diagnostics.push(diagnostic.clone());
        }
    }
}

/// Plans each Pod of `grouping` from one shared context: the project-wide
/// checks run once, then each Pod is planned from its group and its part of
/// the context (the whole of it for the one Pod of every service).
fn plan_pods(
    project: &Project,
    options: &PlanOptions,
    grouping: &group::Grouping,
    diagnostics: &mut Diagnostics,
) -> Vec<PodPlan> {
    let mut context = context::Context::new(project, options, grouping, diagnostics);
    let parts = if context.one_pod() {
        vec![pod::Part::whole(&mut context)]
    } else {
        split::parts(&mut context, diagnostics)
    };
    let pods: Vec<PodPlan> = grouping
        .groups
        .iter()
        .zip(parts)
        .map(|(group, part)| pod::plan(&context, group, part, diagnostics))
        .collect();
    split::note_unshared(&pods, diagnostics);
    pods
}

/// Everything the renderer needs for one Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodPlan {
    /// The compose project name.
    pub project: String,
    /// The workload's Kubernetes name.
    pub name: String,
    /// The init container that claims the preset addresses, if there are any.
    pub loopback: Option<LoopbackInit>,
    /// The init container that waits for `depends_on` targets in other Pods
    /// (split and auto strategies), after the loopback one.
    pub wait: Option<StartWait>,
    /// The application containers, in start order.
    pub containers: Vec<ContainerPlan>,
    /// `/etc/hosts` entries, by address.
    pub host_aliases: Vec<HostAlias>,
    /// Volumes, ConfigMaps, Secrets and claims.
    pub storage: storage::Storage,
    /// A Service per compose service that publishes ports.
    pub services: Vec<ServicePlan>,
    /// Settings Kubernetes has once per Pod.
    pub pod: PodLevel,
    /// Replicas of the workload (1 in the pod strategy).
    pub replicas: u32,
    /// Which Pods may reach this one, by compose network (set for every Pod
    /// once the plan is made).
    pub network_policy: Option<PolicyPlan>,
    /// Why this Pod exists beside the others (`--strategy auto`), for `plan`.
    pub reason: Option<String>,
}

/// Where a container runs in the Pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// An ordinary container.
    Container,
    /// A native sidecar: an init container with `restartPolicy: Always`,
    /// started before its dependents and kept running.
    Sidecar,
    /// A one-shot init container that must finish before its dependents start.
    Init,
}

/// The plan of a compose text, for unit tests of later stages: the one Pod
/// of `options` (the pod strategy unless it says otherwise).
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn plan_text(text: &str, options: &PlanOptions) -> (PodPlan, Diagnostics) {
    let (project, mut diagnostics) = project_text(text);
    let options = PlanOptions {
        strategy: Strategy::Pod,
        ..options.clone()
    };
    let grouping = group::group(&project, &options);
    let pods = plan_pods(&project, &options, &grouping, &mut diagnostics);
    (pods.into_iter().next().unwrap(), diagnostics)
}

/// The project of a compose text, for unit tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn project_text(text: &str) -> (Project, Diagnostics) {
    let root = crate::load::yaml::parse(text, crate::source::FileId(0)).unwrap();
    let document = crate::load::Document {
        root,
        project_dir: std::path::PathBuf::from("p"),
        env_file_variables: std::collections::BTreeMap::new(),
        inactive: Vec::new(),
        deselected: Vec::new(),
        emptied_names: std::collections::HashSet::new(),
        host_files: crate::load::host_files::HostFiles::default(),
    };
    let mut diagnostics = Diagnostics::default();
    let project = crate::model::model(
        document,
        &crate::model::NameSources::default(),
        &std::collections::BTreeMap::default(),
        &mut diagnostics,
    );
    (project, diagnostics)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::{PlanOptions, PodPlan};
    use crate::diagnostic::{Code, Diagnostics};

    fn plan_of(text: &str, extra: &[&str]) -> (PodPlan, Diagnostics) {
        let options = PlanOptions {
            extra_addresses: extra.iter().map(|a| a.parse().unwrap()).collect(),
            ..PlanOptions::default()
        };
        super::plan_text(text, &options)
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    fn names_at<'a>(plan: &'a PodPlan, ip: &str) -> Vec<&'a str> {
        let ip: IpAddr = ip.parse().unwrap();
        plan.host_aliases
            .iter()
            .find(|h| h.ip == ip)
            .map(|h| h.names.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    const SHARED: &str = "services:
  db:
    image: db
    networks: {n: {ipv4_address: 10.9.0.2}}
  app:
    image: app
    network_mode: service:db
  sidecar:
    image: s
    network_mode: service:app
networks: {n: {}}
";

    #[test]
    fn network_mode_service_shares_the_address_and_follows_chains() {
        let (plan, diagnostics) = plan_of(SHARED, &[]);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        assert_eq!(
            plan.loopback.as_ref().unwrap().addresses,
            ips(&["10.9.0.2"])
        );
        assert_eq!(names_at(&plan, "10.9.0.2"), ["db", "app", "sidecar"]);
    }

    #[test]
    fn extra_addresses_join_and_duplicates_collapse() {
        let text = "x-podlift: {extra-addresses: [10.9.0.5, 10.9.0.2]}\n".to_string() + SHARED;
        let (plan, _) = plan_of(&text, &["10.9.0.5", "10.9.0.10", "fd00::1"]);
        assert_eq!(
            plan.loopback.unwrap().addresses,
            ips(&["10.9.0.2", "10.9.0.5", "10.9.0.10", "fd00::1"])
        );
    }

    #[test]
    fn the_same_address_on_two_networks_of_one_service_is_fine() {
        let text = "services:
  db:
    image: db
    networks:
      a: {ipv4_address: 10.9.0.2}
      b: {ipv4_address: 10.9.0.2}
networks: {a: {}, b: {}}
";
        let (plan, diagnostics) = plan_of(text, &[]);
        assert!(!diagnostics.has_errors());
        assert_eq!(
            plan.loopback.as_ref().unwrap().addresses,
            ips(&["10.9.0.2"])
        );
    }

    #[test]
    fn two_services_claiming_one_address_is_an_error() {
        let text = "services:
  a: {image: a, networks: {n: {ipv4_address: 10.9.0.2}}}
  b: {image: b, networks: {n: {ipv4_address: 10.9.0.2}}}
networks: {n: {}}
";
        let (_, diagnostics) = plan_of(text, &[]);
        let codes: Vec<Code> = diagnostics.items().iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::AddressDuplicate), "{codes:?}");
    }

    #[test]
    fn services_without_an_address_resolve_to_localhost() {
        let text = "services:\n  cache: {image: redis, container_name: legacy-cache}\n";
        let (plan, _) = plan_of(text, &[]);
        assert!(plan.loopback.is_none(), "no address, no init container");
        assert_eq!(names_at(&plan, "127.0.0.1"), ["cache", "legacy-cache"]);
    }

    #[test]
    fn a_name_claimed_twice_keeps_the_first_address_and_warns() {
        let text = "services:
  a: {image: a, networks: {n: {ipv4_address: 10.9.0.2, aliases: [shared]}}}
  b: {image: b, networks: {n: {ipv4_address: 10.9.0.3, aliases: [shared]}}}
networks: {n: {}}
";
        let (plan, diagnostics) = plan_of(text, &[]);
        assert_eq!(names_at(&plan, "10.9.0.2"), ["a", "shared"]);
        assert_eq!(names_at(&plan, "10.9.0.3"), ["b"]);
        assert!(
            diagnostics
                .items()
                .iter()
                .any(|d| d.code == Code::NameConflict)
        );
    }

    #[test]
    fn depends_on_cycles_are_reported() {
        let text = "services:
  a: {image: a, depends_on: [b]}
  b: {image: b, depends_on: [a]}
";
        let (plan, diagnostics) = plan_of(text, &[]);
        assert!(
            diagnostics
                .items()
                .iter()
                .any(|d| d.code == Code::DependsOnCycle)
        );
        assert_eq!(
            plan.containers.len(),
            2,
            "every service still has a container"
        );
    }
}
