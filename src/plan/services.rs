//! The Services of the one-Pod plan: one per compose service that publishes.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::port::Protocol;
use crate::model::{self, Project};
use crate::plan::{ContainerPlan, ServiceType};

/// A Kubernetes Service for one compose service's published ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePlan {
    /// Its name (the compose service's, so clients keep using it).
    pub name: String,
    /// `type` (`ClusterIP` unless chosen).
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
                .any(|p| p.port == published && p.protocol == port.protocol)
            {
                continue;
            }
            ports.push(ServicePort {
                name: format!("{}-{published}", port.protocol.as_str()),
                port: published,
                target: port.target,
                protocol: port.protocol,
            });
        }
        if !ports.is_empty() {
            out.push(ServicePlan {
                name: container.name.clone(),
                type_: service_type,
                ports,
            });
        }
    }
    out
}

/// One note naming the ports compose publishes on one host address only
/// (`127.0.0.1:3306:3306`): only that host reached them, so they get no Service.
pub(crate) fn note_host_only_ports(project: &Project, diagnostics: &mut Diagnostics) {
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
