//! The Services of published ports: one per compose service that publishes.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::port::Protocol;
use crate::model::{self, Project};
use crate::plan::distinct::Distinct;
use crate::plan::{ContainerPlan, PodPlan, ServiceType};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// A Kubernetes Service for one compose service's published ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePlan {
    /// Its name (the compose service's, so clients keep using it).
    pub name: String,
    /// The container whose ports it forwards to (its name).
    pub owner: String,
    /// `type`: `ClusterIP` (`None`) unless `--service-type` chose another
    /// and every port is one compose published on all host addresses.
    pub type_: Option<ServiceType>,
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
    pub protocol: Protocol,
}

pub(crate) fn plan_services(
    project: &Project,
    containers: &[ContainerPlan],
    service_type: Option<ServiceType>,
) -> Vec<ServicePlan> {
    let mut out = Vec::new();
    for container in containers {
        let Some(service) = project.service(&container.service) else {
            continue;
        };
        let mut ports: Vec<ServicePort> = Vec::new();
        let mut seen = Distinct::new();
        for port in &service.ports {
            // Published on one host address, or on a service only internal
            // networks hold (Docker binds no host port then): compose kept it
            // closed to the network, so it gets no Service of its own
            // (`note_host_only_ports`, `note_internal_only_ports`).
            if !super::network_policy::publishes(project, service, port) {
                continue;
            }
            // A container port alone (`"6379"`): compose publishes it on a
            // random host port; the Service offers it on its own number, as
            // kompose does.
            let published = port.published.unwrap_or(port.target);
            if !seen.insert((published, port.protocol)) {
                continue;
            }
            ports.push(ServicePort {
                name: port_name(port.protocol, published),
                port: published,
                target: port.target,
                protocol: port.protocol,
            });
        }
        if !ports.is_empty() {
            out.push(ServicePlan {
                name: container.name.clone(),
                owner: container.name.clone(),
                // Only ports published on all host addresses are here.
                type_: service_type,
                ports,
            });
        }
    }
    out
}

/// One note naming the ports compose publishes on one host address only
/// (`127.0.0.1:3306:3306`): only that host reached them through the
/// publication. It says what the plan made of each: nothing, or (split) a
/// `ClusterIP` Service that lets other Pods call it as peers did.
pub(crate) fn note_host_only_ports(
    project: &Project,
    pods: &[PodPlan],
    diagnostics: &mut Diagnostics,
) {
    let ports: Vec<(&str, &model::port::Port)> = project
        .services
        .iter()
        .filter(|s| !super::network_policy::internal_only(project, s))
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
    let carriers = carriers(pods);
    let mut without = Vec::new();
    let mut carried = Vec::new();
    for (service, port) in &ports {
        let Some(text) = host_port_text(service, port) else {
            continue;
        };
        match carrier(&carriers, service, port) {
            Some(plan) => carried.push(match plan.type_ {
                Some(t) if t != ServiceType::ClusterIp => format!(
                    "{text} is published on a host address only, but its service publishes the same container port on all host addresses: the `{}` Service `{}` offers it",
                    t.as_k8s(),
                    plan.name
                ),
                _ => format!(
                    "{text} is published on a host address only; its Pod is apart from its peers, so the `ClusterIP` Service `{}` lets the Pods on its compose networks call it as peers did under compose (its NetworkPolicy admits no other), and nothing outside the cluster reaches it",
                    plan.name
                ),
            }),
            None => without.push(text),
        }
    }
    let mut sentences = Vec::new();
    if !without.is_empty() {
        let (verb, pronoun) = number(without.len());
        sentences.push(format!(
            "{} {verb} published on a host address only, so under compose only that host reached {pronoun}; podlift makes no Service for {pronoun}",
            without.join(", ")
        ));
    }
    sentences.extend(carried);
    diagnostics.push(
        Diagnostic::note(Code::PortHostOnly, sentences.join("; "))
        .at(first.span)
        .help("to expose one on purpose, publish it without a host address (`3306:3306`), or create a Service (or `kubectl port-forward`) by hand"),
    );
}

/// One note naming the ports of services that only `internal: true`
/// networks hold: Docker accepts them and binds no host port, so nothing
/// but the peers on those networks reached them. They take no
/// `--service-type` and no rule for any client; under split the `ClusterIP`
/// Service peers call carries them.
pub(crate) fn note_internal_only_ports(
    project: &Project,
    pods: &[PodPlan],
    diagnostics: &mut Diagnostics,
) {
    let ports: Vec<(&str, &model::port::Port)> = project
        .services
        .iter()
        .filter(|s| super::network_policy::internal_only(project, s))
        .flat_map(|s| s.ports.iter().map(|p| (s.name.value.as_str(), p)))
        .collect();
    let Some((_, first)) = ports.first() else {
        return;
    };
    let carriers = carriers(pods);
    let mut without = Vec::new();
    let mut carried = Vec::new();
    for (service, port) in &ports {
        let text = format!("`{}` of `{service}`", port_text(port));
        match carrier(&carriers, service, port) {
            Some(plan) => carried.push(format!(
                "{text} reaches only the Pods on its compose networks through the `ClusterIP` Service `{}`",
                plan.name
            )),
            None => without.push(text),
        }
    }
    let mut sentences = Vec::new();
    if !without.is_empty() {
        let (verb, pronoun) = number(without.len());
        sentences.push(format!(
            "{} {verb} on a service whose networks are all internal, where Docker publishes nothing; podlift makes no Service for {pronoun}",
            without.join(", ")
        ));
    }
    if !carried.is_empty() {
        sentences.push(format!(
            "ports of a service whose networks are all internal are not published by Docker: {}",
            carried.join(", ")
        ));
    }
    diagnostics.push(
        Diagnostic::note(Code::PortInternalOnly, sentences.join("; "))
            .at(first.span)
            .help("they take no `--service-type` and no NetworkPolicy rule for any client; to publish one on purpose, also attach the service to a network that is not `internal`"),
    );
}

/// A Service port's name, `tcp-8080`: `<protocol>-<port>`, written without
/// the formatting machinery (one per published port of the project).
fn port_name(protocol: Protocol, port: u16) -> String {
    let protocol = protocol.as_str();
    let mut name = String::with_capacity(protocol.len() + 6);
    name.push_str(protocol);
    name.push('-');
    // the digits from the highest one the port has
    let mut divisor = 10_000;
    while divisor > 1 && port < divisor {
        divisor /= 10;
    }
    loop {
        let digit = u32::from(port / divisor % 10);
        name.push(char::from_digit(digit, 10).unwrap_or('0'));
        if divisor == 1 {
            break;
        }
        divisor /= 10;
    }
    name
}

/// `8080:80/tcp`, `127.0.0.1:8080:80/tcp` or `80/tcp`.
fn port_text(port: &model::port::Port) -> String {
    let host = match port.host_ip {
        Some(ip) if ip.is_ipv6() => format!("[{ip}]:"),
        Some(ip) => format!("{ip}:"),
        None => String::new(),
    };
    let published = port.published.map_or_else(String::new, |p| format!("{p}:"));
    format!(
        "{host}{published}{}/{}",
        port.target,
        port.protocol.as_str()
    )
}

/// `is`/`it` or `are`/`them`.
const fn number(count: usize) -> (&'static str, &'static str) {
    if count == 1 {
        ("is", "it")
    } else {
        ("are", "them")
    }
}

/// `` `127.0.0.1:3306:3306/tcp` of `db` ``.
fn host_port_text(service: &str, port: &model::port::Port) -> Option<String> {
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
}

/// The Service that forwards each container port of each compose service,
/// if the plan made one (peers' Services under split): (service, protocol,
/// port) → Service, the first pod and Service in plan order winning. Built
/// once, so looking up every port of a range `1-65535` stays linear.
type Carriers<'a> = HashMap<(&'a str, Protocol, u16), &'a ServicePlan>;

fn carriers(pods: &[PodPlan]) -> Carriers<'_> {
    let mut index = Carriers::new();
    for pod in pods {
        // The first container of each compose service, by container name.
        let mut first: HashMap<&str, &str> = HashMap::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for container in &pod.containers {
            if seen.insert(container.service.as_str()) {
                first.insert(container.name.as_str(), container.service.as_str());
            }
        }
        for plan in &pod.services {
            let Some(&service) = first.get(plan.owner.as_str()) else {
                continue;
            };
            for p in &plan.ports {
                for number in [p.target, p.port] {
                    index.entry((service, p.protocol, number)).or_insert(plan);
                }
            }
        }
    }
    index
}

/// The Service that forwards `port`'s container port of compose service
/// `service`, if the plan made one.
fn carrier<'a>(
    carriers: &Carriers<'a>,
    service: &str,
    port: &model::port::Port,
) -> Option<&'a ServicePlan> {
    carriers
        .get(&(service, port.protocol, port.target))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::port_name;
    use crate::model::port::Protocol;

    /// The name written by hand is the one `format!` gives, for every port.
    #[test]
    fn port_names_are_those_formatted() {
        for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
            for port in 0..=u16::MAX {
                assert_eq!(
                    port_name(protocol, port),
                    format!("{}-{port}", protocol.as_str())
                );
            }
        }
    }
}
