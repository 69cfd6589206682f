//! One compose service, typed.

use std::net::IpAddr;

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::keys::SERVICE_KEYS;
use crate::model::network::{ServiceNetwork, read_service_networks};
use crate::model::read::Reader;
use crate::model::report_key;
use crate::source::Located;

/// A compose service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The key under `services:`.
    pub name: Located<String>,
    /// `image`.
    pub image: Option<Located<String>>,
    /// `command` (Kubernetes `args`).
    pub command: Option<Located<Vec<String>>>,
    /// `entrypoint` (Kubernetes `command`).
    pub entrypoint: Option<Located<Vec<String>>>,
    /// `container_name`.
    pub container_name: Option<Located<String>>,
    /// `hostname`.
    pub hostname: Option<Located<String>>,
    /// `networks`.
    pub networks: Vec<ServiceNetwork>,
    /// `network_mode`.
    pub network_mode: Option<Located<NetworkMode>>,
    /// `depends_on`.
    pub depends_on: Vec<Dependency>,
    /// `links`.
    pub links: Vec<Link>,
    /// `extra_hosts`.
    pub extra_hosts: Vec<ExtraHost>,
    /// `restart`.
    pub restart: Option<Located<Restart>>,
}

/// `network_mode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkMode {
    /// `service:NAME`: share that service's network namespace.
    Service(String),
    /// `container:NAME`: share a container's network namespace.
    Container(String),
    /// `host`.
    Host,
    /// `none`.
    None,
    /// `bridge` or `default`: the ordinary network.
    Bridge,
    /// Anything else (a network name).
    Other(String),
}

/// When a dependency counts as ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `service_started` (the default).
    Started,
    /// `service_healthy`.
    Healthy,
    /// `service_completed_successfully`.
    CompletedSuccessfully,
}

/// One `depends_on` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The service depended on.
    pub service: Located<String>,
    /// When it counts as ready.
    pub condition: Condition,
}

/// One `links` entry: `service` or `service:alias`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The linked service.
    pub service: Located<String>,
    /// The extra name it gets.
    pub alias: Option<String>,
}

/// One `extra_hosts` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraHost {
    /// The host name.
    pub name: Located<String>,
    /// Its address, or `None` for docker's `host-gateway`.
    pub address: Option<IpAddr>,
}

/// `restart`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// `no`.
    No,
    /// `always`.
    Always,
    /// `on-failure[:N]`.
    OnFailure,
    /// `unless-stopped`.
    UnlessStopped,
}

impl Restart {
    /// The compose spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::Always => "always",
            Self::OnFailure => "on-failure",
            Self::UnlessStopped => "unless-stopped",
        }
    }
}

impl Service {
    /// Reads one service definition.
    pub fn read(name: Located<String>, body: &Node, reader: &mut Reader<'_>) -> Self {
        let mut service = Self {
            name,
            image: None,
            command: None,
            entrypoint: None,
            container_name: None,
            hostname: None,
            networks: Vec::new(),
            network_mode: None,
            depends_on: Vec::new(),
            links: Vec::new(),
            extra_hosts: Vec::new(),
            restart: None,
        };
        if matches!(body.value, Value::Null) {
            return service;
        }
        let Some(entries) = reader.map(body, &format!("services.{}", service.name.value)) else {
            return service;
        };
        for (key, value) in entries {
            match key.value.as_str() {
                "image" => service.image = reader.string(value, "image"),
                "command" => service.command = reader.command(value, "command"),
                "entrypoint" => service.entrypoint = reader.command(value, "entrypoint"),
                "container_name" => service.container_name = reader.string(value, "container_name"),
                "hostname" => service.hostname = reader.string(value, "hostname"),
                "networks" => service.networks = read_service_networks(value, reader),
                "network_mode" => {
                    service.network_mode = reader
                        .string(value, "network_mode")
                        .map(|m| Located::new(parse_network_mode(&m.value), m.span));
                }
                "depends_on" => service.depends_on = read_depends_on(value, reader),
                "links" => service.links = read_links(value, reader),
                "extra_hosts" => service.extra_hosts = read_extra_hosts(value, reader),
                "restart" => service.restart = read_restart(value, reader),
                _ => report_key(&key, SERVICE_KEYS, "service", reader),
            }
        }
        service
    }
}

fn parse_network_mode(text: &str) -> NetworkMode {
    match text {
        "host" => NetworkMode::Host,
        "none" => NetworkMode::None,
        "bridge" | "default" => NetworkMode::Bridge,
        _ => {
            if let Some(target) = text.strip_prefix("service:") {
                NetworkMode::Service(target.to_string())
            } else if let Some(target) = text.strip_prefix("container:") {
                NetworkMode::Container(target.to_string())
            } else {
                NetworkMode::Other(text.to_string())
            }
        }
    }
}

fn read_depends_on(node: &Node, reader: &mut Reader<'_>) -> Vec<Dependency> {
    match &node.value {
        Value::Seq(_) => reader
            .string_list(node, "depends_on")
            .into_iter()
            .map(|service| Dependency {
                service,
                condition: Condition::Started,
            })
            .collect(),
        Value::Map(_) => {
            let entries = reader.map(node, "depends_on").unwrap_or_default();
            entries
                .into_iter()
                .map(|(service, body)| {
                    let condition = body
                        .get("condition")
                        .and_then(|c| reader.string(c, "depends_on.condition"))
                        .map_or(Condition::Started, |c| match c.value.as_str() {
                            "service_healthy" => Condition::Healthy,
                            "service_completed_successfully" => Condition::CompletedSuccessfully,
                            "service_started" => Condition::Started,
                            other => {
                                reader.diagnostics.push(
                                    Diagnostic::error("depends-on-condition", format!("unknown `depends_on` condition `{other}`"))
                                        .at(c.span)
                                        .help("use `service_started`, `service_healthy` or `service_completed_successfully`"),
                                );
                                Condition::Started
                            }
                        });
                    Dependency { service, condition }
                })
                .collect()
        }
        _ => {
            reader.type_error(node, "depends_on", "a list or a mapping");
            Vec::new()
        }
    }
}

fn read_links(node: &Node, reader: &mut Reader<'_>) -> Vec<Link> {
    reader
        .string_list(node, "links")
        .into_iter()
        .map(|entry| match entry.value.split_once(':') {
            Some((service, alias)) => Link {
                service: Located::new(service.to_string(), entry.span),
                alias: Some(alias.to_string()),
            },
            None => Link {
                service: entry,
                alias: None,
            },
        })
        .collect()
}

fn read_extra_hosts(node: &Node, reader: &mut Reader<'_>) -> Vec<ExtraHost> {
    reader
        .list_or_map(node, "extra_hosts", "=")
        .into_iter()
        .filter_map(|entry| {
            // `name=ip`, `name:ip`; an IPv6 address may itself contain `:`.
            let (name, address) = entry
                .value
                .split_once('=')
                .or_else(|| entry.value.split_once(':'))?;
            let address = address.trim().trim_start_matches('[').trim_end_matches(']');
            let name = Located::new(name.trim().to_string(), entry.span);
            if address == "host-gateway" {
                return Some(ExtraHost {
                    name,
                    address: None,
                });
            }
            match address.parse::<IpAddr>() {
                Ok(ip) => Some(ExtraHost {
                    name,
                    address: Some(ip),
                }),
                Err(_) => {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            "extra-host-invalid",
                            format!("`{}` in `extra_hosts` has no valid address", entry.value),
                        )
                        .at(entry.span)
                        .help("write `name=address`, e.g. `db.local=169.254.253.2`"),
                    );
                    None
                }
            }
        })
        .collect()
}

fn read_restart(node: &Node, reader: &mut Reader<'_>) -> Option<Located<Restart>> {
    let text = reader.string(node, "restart")?;
    let policy = match text.value.as_str() {
        "no" | "false" => Restart::No,
        "always" => Restart::Always,
        "unless-stopped" => Restart::UnlessStopped,
        s if s == "on-failure" || s.starts_with("on-failure:") => Restart::OnFailure,
        other => {
            reader.diagnostics.push(
                Diagnostic::error(
                    "restart-invalid",
                    format!("unknown restart policy `{other}`"),
                )
                .at(text.span)
                .help("use `no`, `always`, `on-failure[:N]` or `unless-stopped`"),
            );
            return None;
        }
    };
    Some(Located::new(policy, text.span))
}
