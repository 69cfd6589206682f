//! Ports: two containers of one network namespace cannot both listen on one.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::healthcheck::{HealthTest, Healthcheck};
use crate::model::port::Protocol;
use crate::plan::{ContainerPlan, Layout};

/// Two containers of one Pod cannot both listen on one port: they share a
/// network namespace.
pub(crate) fn check_ports(
    containers: &[ContainerPlan],
    project: &Project,
    allowed: &[u16],
    layout: Layout,
    diagnostics: &mut Diagnostics,
) {
    // What helps: more Pods (not under `--strategy pod`), or, for two
    // services that each bind a preset address of their own, sharing.
    let split = layout == Layout::Split;
    let remedy = |port: u16, both_addressed: bool| {
        let pods = if split {
            "they share a network namespace (`network_mode: service:` or `x-podlift.group`): change one port, or let them run apart"
        } else {
            "convert without `--strategy pod`: the default `--strategy auto` puts them in different Pods"
        };
        if both_addressed {
            format!(
                "{pods}; if each binds its own preset address, not 0.0.0.0, allow it with `--allow-shared-port {port}`"
            )
        } else {
            pods.to_string()
        }
    };
    let addressed: BTreeMap<&str, bool> = containers
        .iter()
        .map(|c| (c.service.as_str(), !c.addresses.is_empty()))
        .collect();
    let mut owner: BTreeMap<(u16, Protocol), &str> = BTreeMap::new();
    for container in containers {
        for &(port, protocol) in &container.details.ports {
            if allowed.contains(&port) {
                continue;
            }
            match owner.get(&(port, protocol)) {
                Some(other) => {
                    let span = project
                        .service(&container.service)
                        .and_then(|s| {
                            s.ports
                                .iter()
                                .chain(&s.expose)
                                .find(|p| p.target == port && p.protocol == protocol)
                        })
                        .map(|p| p.span);
                    diagnostics.push(
                        Diagnostic::error(
                            "port-conflict",
                            format!("service `{}` declares port `{port}/{}`, already declared by `{other}`; {}", container.service, protocol.as_str(), if split { "the two share a network namespace" } else { "in one Pod both share a network namespace" }),
                        )
                        .at_opt(span)
                        .help(remedy(port, addressed.get(other).copied().unwrap_or(false) && addressed.get(container.service.as_str()).copied().unwrap_or(false))),
                    );
                }
                None => {
                    owner.insert((port, protocol), &container.service);
                }
            }
        }
    }
    // A health check that calls `localhost:PORT` shows where its own service
    // listens, declared or not; in one Pod that port must be its alone.
    for container in containers {
        let Some(service) = project.service(&container.service) else {
            continue;
        };
        let Some(check) = &service.healthcheck else {
            continue;
        };
        for port in local_ports(check) {
            let declared_here = container.details.ports.contains(&(port, Protocol::Tcp));
            let Some(other) = owner
                .get(&(port, Protocol::Tcp))
                .filter(|o| **o != container.service)
            else {
                continue;
            };
            if declared_here || allowed.contains(&port) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    "port-conflict",
                    format!(
                        "the health check of service `{}` calls `localhost:{port}`, the port `{other}` declares; in one network namespace the check would reach `{other}`, or both would bind it",
                        container.service
                    ),
                )
                .at(check.span)
                .help(remedy(port, addressed.get(other).copied().unwrap_or(false) && addressed.get(container.service.as_str()).copied().unwrap_or(false))),
            );
        }
    }
}

/// Ports a health check calls on the container itself (`localhost:8080`,
/// `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`).
pub(crate) fn local_ports(check: &Healthcheck) -> Vec<u16> {
    let text = match &check.test {
        HealthTest::Exec(words) => words.join(" "),
        HealthTest::Shell(line) => line.clone(),
    };
    let mut ports = Vec::new();
    for host in ["localhost:", "127.0.0.1:", "0.0.0.0:", "[::1]:"] {
        for (at, _) in text.match_indices(host) {
            let digits: String = text
                .get(at + host.len()..)
                .unwrap_or("")
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(port) = digits.parse::<u16>()
                && !ports.contains(&port)
            {
                ports.push(port);
            }
        }
    }
    ports
}
