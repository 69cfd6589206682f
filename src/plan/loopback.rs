//! The loopback init container: the preset addresses it claims, the inbound
//! rules it adds, and its image.

use std::net::IpAddr;
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::port::Protocol;
use crate::plan::address_map::AddressMap;
use crate::plan::{ContainerPlan, PlanOptions, ServicePlan};

/// The init container's image when nobody chooses one: busybox's `ip` knows
/// `addr replace`. A pinned tag, so every run gets the same `ip`.
pub const DEFAULT_INIT_IMAGE: &str = "docker.io/library/busybox:1.36.1";

/// Name of the init container that puts the preset addresses on loopback.
pub const LOOPBACK_INIT_NAME: &str = "podlift-loopback";

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
    pub protocol: Protocol,
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

impl LoopbackInit {
    /// Whether the script needs `iptables`.
    #[must_use]
    pub fn needs_iptables(&self) -> bool {
        self.map.is_some() || !self.inbound.is_empty()
    }
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

/// Warns once when the compose file, not the user, chose the image that
/// runs with `NET_ADMIN` (or privileged): `x-podlift.init-image` without
/// `--init-image`, in a plan that has a loopback init container.
pub(crate) fn warn_compose_init_image(
    project: &Project,
    options: &PlanOptions,
    pods: &[crate::plan::PodPlan],
    diagnostics: &mut Diagnostics,
) {
    let Some(image) = project.extension.init_image.as_ref() else {
        return;
    };
    if options.init_image.is_some() || pods.iter().all(|p| p.loopback.is_none()) {
        return;
    }
    let power = if options.privileged_init {
        "privileged"
    } else {
        "with `NET_ADMIN`"
    };
    diagnostics.push(
        Diagnostic::warning(
            Code::InitImageFromCompose,
            format!(
                "the compose file chose the init image `{}` (`x-podlift.init-image`); it runs {power} in every Pod that claims preset addresses",
                image.value
            ),
        )
        .at(image.span)
        .help(format!(
            "check that you trust `{}`; to choose the init image yourself, pass `--init-image IMAGE` (it wins over the compose file)",
            image.value
        )),
    );
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
                .find(|r| r.port == port && r.protocol == protocol && r.via == port)
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
                    for service in services.iter_mut().filter(|s| s.owner == container.name) {
                        for service_port in &mut service.ports {
                            if service_port.target == port && service_port.protocol == protocol {
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
                protocol,
                via,
            });
        }
    }
    rules
}

/// One note when the init containers get the iptables image because the
/// script needs `iptables` (several Pods, `--inbound-dnat`) and nobody chose
/// an image: it names both images, so that a mirror for an air-gapped
/// cluster holds the right one.
pub(crate) fn note_iptables_image(
    pods: &[crate::plan::PodPlan],
    project: &Project,
    options: &PlanOptions,
    diagnostics: &mut crate::diagnostic::Diagnostics,
) {
    let chosen = options.init_image.is_some() || project.extension.init_image.is_some();
    let count = pods
        .iter()
        .filter(|p| {
            p.loopback
                .as_ref()
                .is_some_and(|l| l.image == DEFAULT_NAT_INIT_IMAGE)
        })
        .count();
    if chosen || count == 0 {
        return;
    }
    let why = if pods.len() > 1 {
        "preset addresses of other Pods are sent to their Services"
    } else {
        "published ports are sent to the preset addresses (`--inbound-dnat`)"
    };
    diagnostics.push(
        crate::diagnostic::Diagnostic::note(
            Code::InitImageIptables,
            format!(
                "the init container{} of {count} Pod{} use{} image `{DEFAULT_NAT_INIT_IMAGE}`, not `{DEFAULT_INIT_IMAGE}`: the script needs `iptables`, because {why}",
                if count == 1 { "" } else { "s" },
                if count == 1 { "" } else { "s" },
                if count == 1 { "s" } else { "" },
            ),
        )
        .help("mirror it with the application's images (`podlift config --images` lists them all), or choose an image with `iptables` with `--init-image`"),
    );
}
