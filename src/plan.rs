//! Planning: decides what goes where in the one Pod, and owns every check that
//! can fail. Input: a [`Project`] and the user's options. Output: a [`PodPlan`]
//! that the renderer turns into Kubernetes objects without knowing compose.

pub mod address_map;
pub mod addresses;
pub mod auto;
pub mod checks;
pub mod container;
pub mod names;
pub mod network_policy;
pub mod order;
pub mod process;
pub mod reach;
pub mod split;
pub mod storage;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::service::{NetworkMode, Restart, Service};
use crate::model::{self, Project};
use crate::source::{Located, Span};
pub use address_map::AddressMap;
use addresses::Addresses;

/// The init container's image when nobody chooses one: busybox's `ip` knows
/// `addr replace`. A pinned tag, so every run gets the same `ip`.
pub const DEFAULT_INIT_IMAGE: &str = "docker.io/library/busybox:1.36.1";

/// Name of the init container that puts the preset addresses on loopback.
pub const LOOPBACK_INIT_NAME: &str = "podlift-loopback";

/// The user's choices that shape the plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// `--extra-ip`.
    pub extra_addresses: Vec<IpAddr>,
    /// `--init-image` (wins over `x-podlift.init-image`).
    pub init_image: Option<String>,
    /// `--privileged-init`.
    pub privileged_init: bool,
    /// `--kube-version` ≥ 1.29: start order through native sidecars.
    pub native_sidecars: bool,
    /// `--service-type`.
    pub service_type: Option<String>,
    /// `--pod-cidr`.
    pub pod_cidrs: Vec<ipnet::IpNet>,
    /// `--service-cidr`.
    pub service_cidrs: Vec<ipnet::IpNet>,
    /// `--allow-shared-port`: ports several containers may declare.
    pub allow_shared_ports: Vec<u16>,
    /// `--inbound-dnat`: published ports reach services bound to their preset address.
    pub inbound_dnat: bool,
    /// `--controller statefulset`: replicas of stateful groups are the user's choice.
    pub statefulset: bool,
    /// `--strategy`: how services are spread over Pods ([`plan_pods`]).
    pub strategy: Strategy,
    /// The plan is cut into several Pods afterwards ([`split::split`]):
    /// set by [`plan_pods`] for `split`, and for `auto` when one Pod cannot do.
    pub split: bool,
    /// Claim sizes, storage class, bind mounts.
    pub storage: storage::StorageOptions,
    /// `--health-probe liveness`: health checks restart the container.
    pub liveness: bool,
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

/// Plans every Pod as `options.strategy` says.
///
/// # Errors
/// Problems are recorded in `diagnostics`; callers must not render a plan
/// when an error was recorded.
pub fn plan_pods(
    project: &Project,
    options: &PlanOptions,
    diagnostics: &mut Diagnostics,
) -> Vec<PodPlan> {
    let split_options = PlanOptions {
        split: true,
        ..options.clone()
    };
    match options.strategy {
        Strategy::Pod => vec![plan(project, options, diagnostics)],
        Strategy::Split => {
            let pod = plan(project, &split_options, diagnostics);
            let groups = auto::one_per_unit(project, &pod, &split::groups(project));
            split::split(&pod, project, &split_options, &groups, diagnostics)
        }
        Strategy::Auto => {
            let mut trial = Diagnostics::default();
            let one = plan(project, options, &mut trial);
            let obstacle = trial.items().iter().any(|d| {
                d.severity == crate::diagnostic::Severity::Error
                    && auto::OBSTACLES.contains(&d.code)
            });
            if !obstacle {
                for diagnostic in trial.items() {
                    diagnostics.push(diagnostic.clone());
                }
                return vec![one];
            }
            let pod = plan(project, &split_options, diagnostics);
            let groups = auto::groups(
                project,
                &pod,
                &split::groups(project),
                &options.allow_shared_ports,
            );
            let mut plans = split::split(&pod, project, &split_options, &groups, diagnostics);
            let names: Vec<String> = plans.iter().map(|p| p.name.clone()).collect();
            auto::explain(&groups, &names, project, diagnostics);
            if plans.len() > 1 {
                for (plan, group) in plans.iter_mut().zip(&groups) {
                    plan.reason.clone_from(&group.reason);
                }
            }
            plans
        }
    }
}

/// Everything the renderer needs for the one Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodPlan {
    /// The compose project name.
    pub project: String,
    /// The workload's Kubernetes name.
    pub name: String,
    /// The init container that claims the preset addresses, if there are any.
    pub loopback: Option<LoopbackInit>,
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
    /// Which Pods may reach this one, by compose network (split strategy:
    /// [`network_policy::attach`]).
    pub network_policy: Option<network_policy::PolicyPlan>,
    /// Why this Pod exists beside the others (`--strategy auto`), for `plan`.
    pub reason: Option<String>,
}

/// Settings Kubernetes has once per Pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodLevel {
    /// `hostname`.
    pub hostname: Option<String>,
    /// `dnsConfig.nameservers`.
    pub dns_servers: Vec<String>,
    /// `dnsConfig.searches`.
    pub dns_searches: Vec<String>,
    /// `dnsConfig.options` as `name[:value]`.
    pub dns_options: Vec<String>,
    /// `terminationGracePeriodSeconds`.
    pub termination_grace: Option<i64>,
    /// `securityContext.sysctls` as (name, value).
    pub sysctls: Vec<(String, String)>,
    /// Compose `labels` and `annotations`, as Pod annotations.
    pub annotations: BTreeMap<String, String>,
    /// `hostNetwork: true` (a `network_mode: host` service in a Pod of its own).
    pub host_network: bool,
    /// Host namespaces, a shared process namespace, supplemental groups.
    pub process: process::ProcessLevel,
}

/// A Kubernetes Service for one compose service's published ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePlan {
    /// Its name (the compose service's, so clients keep using it).
    pub name: String,
    /// `type` (`ClusterIP` unless chosen).
    pub type_: Option<String>,
    /// Ports: (name, port, targetPort, protocol).
    pub ports: Vec<ServicePort>,
}

/// One Service port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    /// Port name (needed when there are several).
    pub name: String,
    /// The published port.
    pub port: u16,
    /// The container port.
    pub target: u16,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: &'static str,
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

/// The `NET_ADMIN` init container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopbackInit {
    /// Its image.
    pub image: String,
    /// `privileged: true` instead of `NET_ADMIN` alone.
    pub privileged: bool,
    /// Every preset address, once, sorted (IPv4 before IPv6).
    pub addresses: Vec<IpAddr>,
    /// The project's address map (split strategy): every preset address this
    /// Pod does not claim is sent to the ClusterIP of the Service that answers
    /// for it, resolved by name when the init container runs. Shared by
    /// every Pod of the project, never copied into their specs.
    pub map: Option<Arc<AddressMap>>,
    /// Ports to send from the Pod's own IP to a preset address, so a server
    /// bound only to its preset address is reached through its Service.
    pub inbound: Vec<Inbound>,
}

/// One inbound translation: `PREROUTING -p PROTO --dport VIA → ADDRESS:PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    /// The preset address that serves the port.
    pub address: IpAddr,
    /// The port.
    pub port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: &'static str,
    /// The port traffic arrives on at the Pod's IP: `port`, or a stand-in
    /// where another service of the Pod serves `port` on its own address
    /// (`--allow-shared-port`); that service's Service targets the stand-in.
    pub via: u16,
}

/// The image used when the init container needs `iptables` as well as `ip`
/// (split and auto strategies, `--inbound-dnat`): k3s' service load
/// balancer image, about 5 MB, maintained with every k3s and RKE2 release.
/// Alpine with busybox (`sh`, `ip`, `awk`, `printf`, `mktemp`), musl's
/// `getent`, and both iptables backends (`iptables-nft`, `iptables-legacy`);
/// it runs as root. A pinned tag, so every run gets the same tools.
pub const DEFAULT_NAT_INIT_IMAGE: &str = "docker.io/rancher/klipper-lb:v0.4.17";

/// The init container's variable holding the Pod's namespace (downward API).
pub const NAMESPACE_VARIABLE: &str = "PODLIFT_NAMESPACE";

/// podlift's own NAT chain for inbound rules: flushed on every run, so reruns
/// add no duplicates (the address map's chain is [`address_map::OUT_CHAIN`]).
const IN_CHAIN: &str = "PODLIFT-IN";

impl LoopbackInit {
    /// The shell script the init container runs. `replace` keeps it idempotent
    /// (a rerun in the same namespace must not fail with `File exists`); `/32`
    /// (`/128`) claims exactly the address, not its whole subnet.
    #[must_use]
    pub fn script(&self) -> String {
        let mut script = String::from("set -e\nip link set lo up\n");
        for address in &self.addresses {
            // The kernel derives an IPv6 address's scope from the address
            // itself, so `scope host` is only written where it takes effect.
            let _ = match address {
                IpAddr::V4(_) => writeln!(script, "ip addr replace {address}/32 dev lo scope host"),
                IpAddr::V6(_) => writeln!(script, "ip addr replace {address}/128 dev lo"),
            };
        }
        if self.needs_iptables() {
            script.push_str(CHOOSE_BACKEND);
        }
        if self.map.is_some() {
            self.map_script(&mut script);
        }
        if !self.inbound.is_empty() {
            chain(&mut script, IN_CHAIN, "PREROUTING");
            for rule in &self.inbound {
                let _ = writeln!(
                    script,
                    "iptables -t nat -A {IN_CHAIN} -p {} --dport {} -j DNAT --to-destination {}:{}",
                    rule.protocol, rule.via, rule.address, rule.port
                );
            }
        }
        script.push_str("ip addr show dev lo\n");
        script
    }
}

/// Chooses the iptables backend that works in this Pod's network namespace:
/// nft first (it needs `NET_ADMIN` only; legacy iptables also needs
/// `NET_RAW`, and newer kernels drop its modules), then legacy (kernels
/// without nf_tables), else whatever `iptables` the image has. The choice
/// goes first on `PATH` as `iptables` and `iptables-restore`, so the rules
/// below read the same with every image.
const CHOOSE_BACKEND: &str = r#"for backend in nft legacy; do
  if command -v "iptables-$backend" >/dev/null 2>&1 && "iptables-$backend" -t nat -S >/dev/null 2>&1; then
    bin=$(mktemp -d)
    ln -s "$(command -v "iptables-$backend")" "$bin/iptables"
    ln -s "$(command -v "iptables-$backend-restore")" "$bin/iptables-restore"
    PATH="$bin:$PATH"
    echo "podlift: iptables backend $backend"
    break
  fi
done
"#;

/// Creates (or empties) podlift's chain and hooks it into `parent` once.
fn chain(script: &mut String, name: &str, parent: &str) {
    let _ = writeln!(
        script,
        "iptables -t nat -N {name} 2>/dev/null || iptables -t nat -F {name}"
    );
    let _ = writeln!(
        script,
        "iptables -t nat -C {parent} -j {name} 2>/dev/null || iptables -t nat -A {parent} -j {name}"
    );
}

impl LoopbackInit {
    /// The part of the script that applies the address map.
    fn map_script(&self, script: &mut String) {
        address_map::append_script(script, &self.addresses, NAMESPACE_VARIABLE);
    }

    /// Whether the script needs `iptables`.
    #[must_use]
    pub fn needs_iptables(&self) -> bool {
        self.map.is_some() || !self.inbound.is_empty()
    }
}

/// One application container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPlan {
    /// Container name (a DNS-1123 label derived from the service name).
    pub name: String,
    /// The compose service it comes from.
    pub service: String,
    /// Image reference.
    pub image: String,
    /// Kubernetes `command` (compose `entrypoint`).
    pub command: Option<Vec<String>>,
    /// Kubernetes `args` (compose `command`).
    pub args: Option<Vec<String>>,
    /// Where it runs.
    pub role: Role,
    /// Its preset addresses (a shared namespace's included).
    pub addresses: Vec<IpAddr>,
    /// Containers it waits for (`depends_on`, `network_mode: service:`).
    pub depends_on: Vec<String>,
    /// Container ports that compose publishes.
    pub published: Vec<(u16, model::port::Protocol)>,
    /// `deploy.replicas` (or `scale`).
    pub replicas: u32,
    /// Everything else: environment, ports, probes, mounts, security, resources.
    pub details: container::Details,
}

/// One `/etc/hosts` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostAlias {
    /// The address.
    pub ip: IpAddr,
    /// Names resolving to it, in the order found.
    pub names: Vec<String>,
}

/// Plans the Pod.
///
/// # Errors
/// Problems are recorded in `diagnostics`; callers must not render a plan
/// when an error was recorded.
pub fn plan(project: &Project, options: &PlanOptions, diagnostics: &mut Diagnostics) -> PodPlan {
    check_network_modes(project, options.split, diagnostics);
    process::check_targets(project, diagnostics);
    checks::check_addresses(
        project,
        &options.extra_addresses,
        &options.pod_cidrs,
        &options.service_cidrs,
        diagnostics,
    );
    let addresses = Addresses::collect(project, &options.extra_addresses, diagnostics);
    let order = order::start_order(project, diagnostics);
    let name = names::dns_label(&project.name, "podlift");
    let storage = storage::plan_storage(project, &name, &options.storage, diagnostics);
    let roles = order::roles(project, options.native_sidecars, diagnostics);
    let mut containers = plan_containers(
        project,
        &order,
        &roles,
        &addresses,
        &storage,
        options.liveness,
        diagnostics,
    );
    if !options.split {
        container::check_ports(
            &containers,
            project,
            &options.allow_shared_ports,
            false,
            diagnostics,
        );
    }
    // Init containers run in list order before the rest: keep start order among them.
    containers.sort_by_key(|c| c.role == Role::Container);
    let mut services = plan_services(project, &containers, options.service_type.as_ref());
    note_host_only_ports(project, diagnostics);
    check_restart(project, &roles, diagnostics);
    let host_aliases = plan_host_aliases(project, &addresses, diagnostics);
    // Split: each Pod's own rules (split.rs).
    let inbound = if options.inbound_dnat && !options.split {
        inbound_rules(&containers, true, &mut services)
    } else {
        Vec::new()
    };
    let loopback = (!addresses.all.is_empty()).then(|| LoopbackInit {
        image: String::new(),
        privileged: options.privileged_init,
        addresses: addresses.all.clone(),
        map: None,
        inbound,
    });
    let loopback = loopback.map(|mut init| {
        init.image = init_image(project, options, init.needs_iptables());
        init
    });
    if !options.split {
        check_replicas(project, diagnostics);
        if project.services.len() > 1 {
            for service in &project.services {
                checks::warn_network_privilege(service, "every container of the Pod", diagnostics);
            }
        }
    }
    checks::notes(project, options.split, diagnostics);
    checks::note_captured_environment(project, diagnostics);
    reach::notes(project, &addresses.all, options.split, diagnostics);
    // Split: each Pod takes its settings from its own members (split.rs).
    let mut pod = if options.split {
        PodLevel::default()
    } else {
        pod_level(&project.services.iter().collect::<Vec<_>>(), diagnostics)
    };
    pod.process = process::level(&containers);
    PodPlan {
        pod,
        replicas: 1,
        reason: None,
        project: project.name.clone(),
        name,
        loopback,
        containers,
        host_aliases,
        storage,
        services,
        network_policy: None,
    }
}

fn check_network_modes(project: &Project, split: bool, diagnostics: &mut Diagnostics) {
    for service in &project.services {
        for network in &service.networks {
            let declared = network.name.value == "default"
                || project
                    .networks
                    .iter()
                    .any(|n| n.name.value == network.name.value);
            if !declared {
                diagnostics.push(
                    Diagnostic::error("network-undeclared", format!("service `{}` joins network `{}`, which the top-level `networks` does not declare", service.name.value, network.name.value))
                        .at(network.name.span)
                        .help(format!("add `networks: {{{}: {{}}}}` at the top level", network.name.value)),
                );
            }
        }
        if let (Some(mode), Some(network)) = (&service.network_mode, service.networks.first()) {
            diagnostics.push(
                Diagnostic::error("network-mode-networks", format!("service `{}` sets both `network_mode` and `networks`, which compose refuses", service.name.value))
                    .at(network.name.span)
                    .help("keep one: `network_mode: service:NAME` already gives the service that service's networks"),
            );
            let _ = mode;
        }
        let Some(mode) = &service.network_mode else {
            continue;
        };
        let name = &service.name.value;
        match &mode.value {
            NetworkMode::Service(target) => {
                if project.service(target).is_none() {
                    diagnostics.push(
                        Diagnostic::error(
                            "network-mode-target",
                            format!("service `{name}` shares the network namespace of `{target}`, which is not a service"),
                        )
                        .at(mode.span)
                        .help("name a service of this project in `network_mode: service:NAME`"),
                    );
                }
            }
            NetworkMode::Container(target) => {
                if addresses::container_target(project, target).is_none() {
                    diagnostics.push(
                        Diagnostic::error(
                            "network-mode-target",
                            format!("service `{name}` shares the network of container `{target}`, which no service of this project is"),
                        )
                        .at(mode.span)
                        .help("a container outside the project does not exist in the cluster; use `network_mode: service:NAME`"),
                    );
                }
            }
            NetworkMode::Host if split => diagnostics.push(
                Diagnostic::warning("network-mode-host", format!("service `{name}` uses `network_mode: host`: its Pod gets `hostNetwork: true`, so its ports are the node's ports and the namespace needs the Pod Security level `privileged`"))
                    .at(mode.span)
                    .help("keep it only if the service must see the node's network; two replicas cannot run on one node, and nothing else on the node may use its ports"),
            ),
            NetworkMode::Host => diagnostics.push(
                Diagnostic::error("network-mode-host", format!("service `{name}` uses `network_mode: host`, which a Pod of shared services cannot give"))
                    .at(mode.span)
                    .help("convert without `--strategy pod`: the default `--strategy auto` gives it a Pod of its own with `hostNetwork: true`; or remove `network_mode: host`"),
            ),
            NetworkMode::None if split => {}
            NetworkMode::None => diagnostics.push(
                Diagnostic::error("network-mode-none", format!("service `{name}` uses `network_mode: none`, but every container of the Pod shares its network"))
                    .at(mode.span)
                    .help("convert without `--strategy pod`: the default `--strategy auto` gives it a Pod of its own, without a Service"),
            ),
            NetworkMode::Bridge => {}
            NetworkMode::Other(other) => {
                if !project.networks.iter().any(|n| n.name.value == *other) {
                    diagnostics.push(
                        Diagnostic::error("network-mode-target", format!("service `{name}` uses unknown `network_mode: {other}`"))
                            .at(mode.span)
                            .help("use `service:NAME`, or remove the key"),
                    );
                }
            }
        }
    }
}

fn plan_containers(
    project: &Project,
    order: &[usize],
    roles: &[Role],
    addresses: &Addresses,
    storage: &storage::Storage,
    liveness: bool,
    diagnostics: &mut Diagnostics,
) -> Vec<ContainerPlan> {
    let mut taken = std::collections::HashSet::from([LOOPBACK_INIT_NAME.to_string()]);
    let mut containers = Vec::with_capacity(order.len());
    let gated = gated_services(project, diagnostics);
    for &index in order {
        let Some(service) = project.services.get(index) else {
            continue;
        };
        let image = image_of(service, &project.name, diagnostics);
        let mut depends_on: Vec<String> = service
            .depends_on
            .iter()
            .map(|d| d.service.value.clone())
            .collect();
        if let Some(NetworkMode::Service(target)) = service.network_mode.as_ref().map(|m| &m.value)
            && !depends_on.contains(target)
        {
            depends_on.push(target.clone());
        }
        let name = names::unique(
            &names::dns_label(&service.name.value, "service"),
            &mut taken,
        );
        containers.push(ContainerPlan {
            name,
            service: service.name.value.clone(),
            image,
            command: service
                .entrypoint
                .as_ref()
                .map(|c| container::escape_all(&c.value)),
            args: service
                .command
                .as_ref()
                .map(|c| container::escape_all(&c.value)),
            role: roles.get(index).copied().unwrap_or(Role::Container),
            addresses: addresses
                .by_service
                .get(&service.name.value)
                .cloned()
                .unwrap_or_default(),
            depends_on,
            published: {
                let mut published: Vec<(u16, model::port::Protocol)> = Vec::new();
                for port in service.ports.iter().filter(|p| !p.host_only()) {
                    if !published.contains(&(port.target, port.protocol)) {
                        published.push((port.target, port.protocol));
                    }
                }
                published
            },
            replicas: service.replicas.as_ref().map_or(1, |r| r.value),
            details: container::details(
                service,
                storage,
                liveness,
                gated.contains(service.name.value.as_str()),
                diagnostics,
            ),
        });
    }
    containers
}

/// Services a dependent waits on with `service_healthy`: only they get a
/// start gate (`startupProbe`); compose never kills a container for a
/// failing health check, and a plain `depends_on` waits for nothing.
fn gated_services<'a>(
    project: &'a Project,
    diagnostics: &mut Diagnostics,
) -> std::collections::HashSet<&'a str> {
    let gated: std::collections::HashSet<&str> = project
        .services
        .iter()
        .flat_map(|s| &s.depends_on)
        .filter(|d| d.condition == model::service::Condition::Healthy)
        .map(|d| d.service.value.as_str())
        .collect();
    for service in &project.services {
        if let Some(timeout) = &service.startup_timeout
            && !gated.contains(service.name.value.as_str())
        {
            diagnostics.push(
                Diagnostic::warning("startup-timeout-unused", format!("`x-podlift.startup-timeout` of service `{}` has no effect: no service waits on it with `condition: service_healthy`", service.name.value))
                    .at(timeout.span)
                    .help("remove it, or make the dependent wait with `condition: service_healthy`"),
            );
        }
    }
    gated
}

fn image_of(service: &Service, project: &str, diagnostics: &mut Diagnostics) -> String {
    match (&service.image, service.build) {
        (Some(image), Some(build)) if !image.value.trim().is_empty() => {
            // compose builds the image under this name; the cluster can only pull it
            diagnostics.push(
                Diagnostic::warning(
                    "image-built",
                    format!(
                        "service `{}` is built, not pulled; the Pod expects image `{}`, which compose builds",
                        service.name.value, image.value
                    ),
                )
                .at(build)
                .help("build it, push it to a registry the cluster can pull from, and make `image:` that reference"),
            );
            image.value.clone()
        }
        (Some(image), _) if !image.value.trim().is_empty() => image.value.clone(),
        (_, Some(build)) => {
            // docker compose names a built image `<project>-<service>`.
            let image = format!("{project}-{}", service.name.value);
            diagnostics.push(
                Diagnostic::warning("image-built", format!("service `{}` is built, not pulled; the Pod expects image `{image}`", service.name.value))
                    .at(build)
                    .help("build it, push it to a registry the cluster can pull from, and set `image:` to that reference"),
            );
            image
        }
        _ => {
            diagnostics.push(
                Diagnostic::error(
                    "image-missing",
                    format!("service `{}` has no `image`", service.name.value),
                )
                .at(service.name.span)
                .help("set `image:` to a reference the cluster can pull"),
            );
            String::new()
        }
    }
}

/// Reports services that set a pod-wide value differently; the first one wins.
fn one_value<T: Clone + PartialEq + std::fmt::Debug>(
    services: &[&Service],
    what: &str,
    get: impl Fn(&Service) -> Option<(T, Span)>,
    diagnostics: &mut Diagnostics,
) -> Option<T> {
    let mut chosen: Option<(T, &str)> = None;
    for service in services {
        let Some((value, span)) = get(service) else {
            continue;
        };
        match &chosen {
            None => chosen = Some((value, &service.name.value)),
            Some((first, owner)) if *first != value => diagnostics.push(
                Diagnostic::warning(
                    "pod-wide-differs",
                    format!("services `{owner}` and `{}` set `{what}` differently; a Pod has one, and podlift keeps `{owner}`'s", service.name.value),
                )
                .at(span)
                .help("make them agree, or check that the service works with the other value"),
            ),
            Some(_) => {}
        }
    }
    chosen.map(|(value, _)| value)
}

/// Compose labels become Pod annotations (Kubernetes labels are for
/// selection, and compose label values rarely fit their syntax).
fn labels_as_annotations(
    services: &[&Service],
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut kompose: Vec<&Located<String>> = Vec::new();
    for service in services {
        for label in service.labels.iter().chain(&service.annotations) {
            let (key, value) = label.value.split_once('=').unwrap_or((&label.value, ""));
            // kompose's own settings: podlift does not read them (one note below).
            if key.starts_with("kompose.") {
                kompose.push(label);
                continue;
            }
            if !names::is_qualified_name(key) {
                diagnostics.push(
                    Diagnostic::warning("label-invalid", format!("label `{key}` of service `{}` is not a valid annotation key; it is left out", service.name.value))
                        .at(label.span)
                        .help("annotation keys are `[prefix/]name`: letters, digits, `-`, `_`, `.`"),
                );
                continue;
            }
            match out.get(key) {
                Some(existing) if existing != value => diagnostics.push(
                    Diagnostic::warning("pod-wide-differs", format!("label `{key}` has different values across services; the Pod keeps `{existing}`"))
                        .at(label.span),
                ),
                Some(_) => {}
                None => {
                    out.insert(key.to_string(), value.to_string());
                }
            }
        }
    }
    if let Some(first) = kompose.first() {
        let mut keys: Vec<&str> = kompose
            .iter()
            .map(|l| l.value.split_once('=').map_or(l.value.as_str(), |(k, _)| k))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        diagnostics.push(
            Diagnostic::note(
                "kompose-label",
                format!("podlift does not interpret kompose's labels ({}); they are left out of the manifests", list.join(", ")),
            )
            .at(first.span)
            .help("podlift's own settings are under `x-podlift` (`podlift explain kompose-label` lists the nearest ones); Service types come from `--service-type`"),
        );
    }
    out
}

/// The settings Kubernetes has once per Pod, from the Pod's own services only.
pub(crate) fn pod_level(services: &[&Service], diagnostics: &mut Diagnostics) -> PodLevel {
    let list = |l: &Option<Located<Vec<String>>>| l.as_ref().map(|l| (l.value.clone(), l.span));
    let hostname = one_value(
        services,
        "hostname",
        |s| s.hostname.as_ref().map(|h| (h.value.clone(), h.span)),
        diagnostics,
    );
    let dns_servers =
        one_value(services, "dns", |s| list(&s.pod.dns), diagnostics).unwrap_or_default();
    let dns_searches = one_value(
        services,
        "dns_search",
        |s| list(&s.pod.dns_search),
        diagnostics,
    )
    .unwrap_or_default();
    let dns_options =
        one_value(services, "dns_opt", |s| list(&s.pod.dns_opt), diagnostics).unwrap_or_default();
    let sysctls =
        one_value(services, "sysctls", |s| list(&s.pod.sysctls), diagnostics).unwrap_or_default();
    // The Pod waits as long as its slowest service asks for.
    let grace = services
        .iter()
        .filter_map(|s| s.pod.stop_grace_period.as_ref())
        .map(|d| d.value)
        .max();
    let grace_values: std::collections::BTreeSet<_> = services
        .iter()
        .filter_map(|s| s.pod.stop_grace_period.as_ref())
        .map(|d| d.value)
        .collect();
    if grace_values.len() > 1 {
        diagnostics.push(
            Diagnostic::note(
                "pod-wide-differs",
                "services set different `stop_grace_period`s; the Pod uses the longest for all",
            )
            .at_opt(
                services
                    .iter()
                    .find_map(|s| s.pod.stop_grace_period.as_ref())
                    .map(|d| d.span),
            ),
        );
    }
    let annotations = labels_as_annotations(services, diagnostics);
    PodLevel {
        process: process::ProcessLevel::default(),
        annotations,
        // A Pod's hostname is one DNS label; a longer name stays a host alias only.
        hostname: hostname
            .map(|h| h.to_ascii_lowercase())
            .filter(|h| names::is_host_name(h) && !h.contains('.')),
        dns_servers,
        dns_searches,
        dns_options,
        termination_grace: grace.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        sysctls: safe_sysctls(services, &sysctls, diagnostics),
        host_network: false,
    }
}

/// Sysctls the kubelet allows by default (Kubernetes 1.29+ "safe" set);
/// others stop the Pod unless the node allows them.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_syncookies",
];

fn safe_sysctls(
    services: &[&Service],
    sysctls: &[String],
    diagnostics: &mut Diagnostics,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in sysctls {
        let Some((name, value)) = entry.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
            continue;
        };
        if SAFE_SYSCTLS.contains(&name) {
            out.push((name.to_string(), value.to_string()));
        } else {
            let span = services
                .iter()
                .find_map(|s| s.pod.sysctls.as_ref())
                .map(|s| s.span);
            diagnostics.push(
                Diagnostic::warning("sysctl-unsafe", format!("sysctl `{name}` is not in Kubernetes' safe set; it is left out, since the kubelet would refuse the Pod"))
                    .at_opt(span)
                    .help("set it on the nodes, or allow it there (`--allowed-unsafe-sysctls`) and add it to the Pod by hand"),
            );
        }
    }
    out
}

/// The init image: the user's choice, else one that has what the script needs.
pub(crate) fn init_image(project: &Project, options: &PlanOptions, needs_iptables: bool) -> String {
    options
        .init_image
        .clone()
        .or_else(|| {
            project
                .extension
                .init_image
                .as_ref()
                .map(|i| i.value.clone())
        })
        .unwrap_or_else(|| {
            if needs_iptables {
                DEFAULT_NAT_INIT_IMAGE
            } else {
                DEFAULT_INIT_IMAGE
            }
            .to_string()
        })
}

/// The first stand-in port for a service that serves a port another service
/// of its Pod serves too (each on its own preset address).
const FIRST_STAND_IN: u16 = 40000;

/// Inbound rules: each port a container declares (only published ones when
/// `published_only`) is sent to the container's first preset address. Where
/// a later container serves the same port on its own address, its traffic
/// arrives on a stand-in port that no container declares: its Service in
/// `services` targets the stand-in, and a rule sends it to the container's
/// address and port — each preset address reaches its own service.
pub(crate) fn inbound_rules(
    containers: &[ContainerPlan],
    published_only: bool,
    services: &mut [ServicePlan],
) -> Vec<Inbound> {
    let mut taken: std::collections::BTreeSet<u16> = containers
        .iter()
        .flat_map(|c| c.details.ports.iter().map(|(p, _)| *p))
        .collect();
    taken.extend(
        services
            .iter()
            .flat_map(|s| s.ports.iter().map(|p| p.target)),
    );
    let mut next = FIRST_STAND_IN;
    let mut rules: Vec<Inbound> = Vec::new();
    for container in containers {
        let Some(address) = container.addresses.first().copied() else {
            continue;
        };
        let ports = if published_only {
            &container.published
        } else {
            &container.details.ports
        };
        for &(port, protocol) in ports {
            let holder = rules
                .iter()
                .find(|r| r.port == port && r.protocol == protocol.as_str() && r.via == port)
                .map(|r| r.address);
            let via = match holder {
                None => port,
                Some(held) if held == address => continue,
                Some(_) => {
                    let Some(via) = (next..=u16::MAX).find(|p| !taken.contains(p)) else {
                        continue;
                    };
                    taken.insert(via);
                    next = via.saturating_add(1);
                    for service in services.iter_mut().filter(|s| s.name == container.name) {
                        for service_port in &mut service.ports {
                            if service_port.target == port
                                && service_port.protocol == protocol.as_k8s()
                            {
                                service_port.target = via;
                            }
                        }
                    }
                    via
                }
            };
            rules.push(Inbound {
                address,
                port,
                protocol: protocol.as_str(),
                via,
            });
        }
    }
    rules
}

fn check_replicas(project: &Project, diagnostics: &mut Diagnostics) {
    for service in &project.services {
        if let Some(replicas) = service.replicas.as_ref().filter(|r| r.value > 1) {
            diagnostics.push(
                Diagnostic::error(
                    "replicas",
                    format!("service `{}` asks for {} replicas, but in one Pod the whole stack would be copied", service.name.value, replicas.value),
                )
                .at(replicas.span)
                .help("convert without `--strategy pod`: the default `--strategy auto` gives it a Deployment of its own; or set `replicas: 1`"),
            );
        }
    }
}

fn plan_services(
    project: &Project,
    containers: &[ContainerPlan],
    service_type: Option<&String>,
) -> Vec<ServicePlan> {
    let mut out = Vec::new();
    for container in containers {
        let Some(service) = project.service(&container.service) else {
            continue;
        };
        let mut ports: Vec<ServicePort> = Vec::new();
        for port in &service.ports {
            // Published on one host address: compose kept it closed to the
            // network, so it gets no Service (`note_host_only_ports`).
            if port.host_only() {
                continue;
            }
            // A container port alone (`"6379"`): compose publishes it on a
            // random host port; the Service offers it on its own number, as
            // kompose does.
            let published = port.published.unwrap_or(port.target);
            if ports
                .iter()
                .any(|p| p.port == published && p.protocol == port.protocol.as_k8s())
            {
                continue;
            }
            ports.push(ServicePort {
                name: format!("{}-{published}", port.protocol.as_str()),
                port: published,
                target: port.target,
                protocol: port.protocol.as_k8s(),
            });
        }
        if !ports.is_empty() {
            out.push(ServicePlan {
                name: container.name.clone(),
                type_: service_type.cloned(),
                ports,
            });
        }
    }
    out
}

/// One note naming the ports compose publishes on one host address only
/// (`127.0.0.1:3306:3306`): only that host reached them, so they get no Service.
fn note_host_only_ports(project: &Project, diagnostics: &mut Diagnostics) {
    let ports: Vec<(&str, &model::port::Port)> = project
        .services
        .iter()
        .flat_map(|s| {
            s.ports
                .iter()
                .filter(|p| p.host_only())
                .map(|p| (s.name.value.as_str(), p))
        })
        .collect();
    let Some((_, first)) = ports.first() else {
        return;
    };
    let list: Vec<String> = ports
        .iter()
        .filter_map(|(service, port)| {
            let ip = port.host_ip?;
            let host = if ip.is_ipv6() {
                format!("[{ip}]")
            } else {
                ip.to_string()
            };
            Some(format!(
                "`{host}:{}:{}/{}` of `{service}`",
                port.published.map_or_else(String::new, |p| p.to_string()),
                port.target,
                port.protocol.as_str()
            ))
        })
        .collect();
    diagnostics.push(
        Diagnostic::note(
            "port-host-only",
            {
                let (verb, pronoun) = if ports.len() == 1 {
                    ("is", "it")
                } else {
                    ("are", "them")
                };
                format!(
                    "{} {verb} published on a host address only, so under compose only that host reached {pronoun}; podlift makes no Service for {pronoun}",
                    list.join(", ")
                )
            },
        )
        .at(first.span)
        .help("to expose one on purpose, publish it without a host address (`3306:3306`), or create a Service (or `kubectl port-forward`) by hand"),
    );
}

fn check_restart(project: &Project, roles: &[Role], diagnostics: &mut Diagnostics) {
    // A one-shot init container runs to completion once: what `no` means.
    let long_running: Vec<(&Service, Restart)> = project
        .services
        .iter()
        .zip(roles)
        .filter(|(_, role)| **role != Role::Init)
        .map(|(service, _)| {
            (
                service,
                service.restart.as_ref().map_or(Restart::No, |r| r.value),
            )
        })
        .collect();
    let restarts = |policy: Restart| matches!(policy, Restart::Always | Restart::UnlessStopped);
    let all_alike = long_running
        .windows(2)
        .all(|w| matches!(w, [(_, a), (_, b)] if restarts(*a) == restarts(*b)));
    if all_alike {
        // No service restarts on its own: one fact about the Pod, naming
        // each policy as it is written.
        let mut policies: Vec<&'static str> = Vec::new();
        for (_, policy) in long_running.iter().filter(|(_, p)| !restarts(*p)) {
            if !policies.contains(&policy.as_str()) {
                policies.push(policy.as_str());
            }
        }
        if !policies.is_empty() {
            let message = match policies.as_slice() {
                [one] => format!(
                    "every service has restart policy `{one}`, but a Deployment's Pod restarts each container that exits"
                ),
                many => format!(
                    "no service restarts after it exits (restart policies {}), but a Deployment's Pod restarts each container that exits",
                    many.iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diagnostics.push(
                Diagnostic::note("restart-pod", message)
                    .help("make sure the services may run again after they exit"),
            );
        }
        return;
    }
    let restarting: Vec<&str> = long_running
        .iter()
        .filter(|(_, p)| restarts(*p))
        .map(|(s, _)| s.name.value.as_str())
        .collect();
    let example = restarting.first().copied().unwrap_or_default();
    for (service, policy) in long_running.iter().filter(|(_, p)| !restarts(*p)) {
        let span = service
            .restart
            .as_ref()
            .map_or(service.name.span, |r| r.span);
        diagnostics.push(
            Diagnostic::warning(
                "restart-differs",
                format!(
                    "service `{}` has restart policy `{}`, but a Deployment's Pod restarts every container that exits (as `{example}`'s policy asks)",
                    service.name.value,
                    policy.as_str()
                ),
            )
            .at(span)
            .help("make sure the service may run again after it exits (compose's default is `no`)"),
        );
    }
}

fn plan_host_aliases(
    project: &Project,
    addresses: &Addresses,
    diagnostics: &mut Diagnostics,
) -> Vec<HostAlias> {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut table: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
    let mut seen: BTreeMap<String, (IpAddr, Span)> = BTreeMap::new();
    let mut add = |name: &str, ip: IpAddr, span: Span, diagnostics: &mut Diagnostics| {
        let lower = name.to_ascii_lowercase();
        if !names::is_host_name(&lower) {
            diagnostics.push(
                Diagnostic::warning("name-invalid", format!("`{name}` is not a valid host name in a Pod, so it will not resolve"))
                    .at(span)
                    .help("Kubernetes host aliases are DNS-1123 names: letters, digits, `-` and `.`; rename it if peers call it"),
            );
            return;
        }
        if let Some((other, _)) = seen.get(&lower) {
            if *other != ip {
                diagnostics.push(
                    Diagnostic::warning("name-conflict", format!("`{name}` would resolve to both `{other}` and `{ip}`; podlift keeps `{other}`"))
                        .at(span)
                        .help("a name has one address in `/etc/hosts`; give one of them another name"),
                );
            }
            return;
        }
        seen.insert(lower.clone(), (ip, span));
        table.entry(ip).or_default().push(lower);
    };
    for service in &project.services {
        let ip = addresses.primary(&service.name.value).unwrap_or(loopback);
        let mut names: Vec<&Located<String>> = vec![&service.name];
        names.extend(service.container_name.iter());
        names.extend(service.hostname.iter());
        for network in &service.networks {
            names.extend(network.aliases.iter());
        }
        for name in names {
            add(&name.value, ip, name.span, diagnostics);
        }
    }
    for service in &project.services {
        for link in &service.links {
            let Some(alias) = &link.alias else { continue };
            let ip = addresses.primary(&link.service.value).unwrap_or(loopback);
            add(alias, ip, link.service.span, diagnostics);
        }
        for host in &service.extra_hosts {
            match host.address {
                Some(ip) => add(&host.name.value, ip, host.name.span, diagnostics),
                None => diagnostics.push(
                    Diagnostic::warning(
                        "extra-host-gateway",
                        format!(
                            "`{}` points at docker's `host-gateway`, which a cluster does not have",
                            host.name.value
                        ),
                    )
                    .at(host.name.span)
                    .help("give the host's real address, or use a Service of type ExternalName"),
                ),
            }
        }
    }
    table
        .into_iter()
        .map(|(ip, names)| HostAlias { ip, names })
        .collect()
}

/// The plan of a compose text, for unit tests of later stages.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn plan_text(text: &str, options: &PlanOptions) -> (PodPlan, Diagnostics) {
    let root = crate::load::yaml::parse(text, crate::source::FileId(0)).unwrap();
    let document = crate::load::Document {
        root,
        project_dir: std::path::PathBuf::from("p"),
        env_file_variables: std::collections::BTreeMap::new(),
        inactive: Vec::new(),
    };
    let mut diagnostics = Diagnostics::default();
    let project = crate::model::model(
        document,
        &crate::model::NameSources::default(),
        &std::collections::BTreeMap::default(),
        &mut diagnostics,
    );
    (plan(&project, options, &mut diagnostics), diagnostics)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::{PlanOptions, PodPlan};
    use crate::diagnostic::Diagnostics;

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
        let codes: Vec<&str> = diagnostics.items().iter().map(|d| d.code).collect();
        assert!(codes.contains(&"address-duplicate"), "{codes:?}");
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
                .any(|d| d.code == "name-conflict")
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
                .any(|d| d.code == "depends-on-cycle")
        );
        assert_eq!(
            plan.containers.len(),
            2,
            "every service still has a container"
        );
    }

    #[test]
    fn the_script_claims_each_address_once_with_replace() {
        let (plan, _) = plan_of(SHARED, &["fd00::7"]);
        let script = plan.loopback.unwrap().script();
        assert!(script.contains("ip addr replace 10.9.0.2/32 dev lo scope host\n"));
        assert!(script.contains("ip addr replace fd00::7/128 dev lo\n"));
        assert_eq!(script.matches("ip addr replace").count(), 2);
    }
}
