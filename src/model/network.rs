//! Networks: the top-level definitions and a service's attachment to them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::keys::{self, NETWORK_KEYS};
use crate::model::read::Reader;
use crate::model::report_key;
use crate::source::Located;

/// A top-level network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// The key under `networks:`.
    pub name: Located<String>,
    /// Subnets from `ipam.config[].subnet`.
    pub subnets: Vec<Located<IpNet>>,
    /// Whether the network is created outside the project.
    pub external: bool,
    /// `internal: true`: no way out of the network.
    pub internal: bool,
    /// `driver` (`bridge`, `macvlan`, `ipvlan`, …), for notes only: the
    /// cluster's CNI replaces every driver.
    pub driver: Option<Located<String>>,
}

/// A service's attachment to a network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceNetwork {
    /// The network's name.
    pub name: Located<String>,
    /// The preset IPv4 address.
    pub ipv4_address: Option<Located<Ipv4Addr>>,
    /// The preset IPv6 address.
    pub ipv6_address: Option<Located<Ipv6Addr>>,
    /// Extra names on this network.
    pub aliases: Vec<Located<String>>,
}

impl ServiceNetwork {
    /// Preset addresses in declaration order (IPv4 first).
    pub fn addresses(&self) -> impl Iterator<Item = Located<IpAddr>> + '_ {
        let v4 = self
            .ipv4_address
            .iter()
            .map(|a| Located::new(IpAddr::V4(a.value), a.span));
        let v6 = self
            .ipv6_address
            .iter()
            .map(|a| Located::new(IpAddr::V6(a.value), a.span));
        v4.chain(v6)
    }
}

/// Reads the top-level `networks:` mapping.
pub fn read_networks(node: &Node, reader: &mut Reader<'_>) -> Vec<Network> {
    let Some(entries) = reader.map(node, "networks") else {
        return Vec::new();
    };
    entries
        .into_iter()
        .map(|(name, body)| read_network(name, body, reader))
        .collect()
}

fn read_network(name: Located<String>, body: &Node, reader: &mut Reader<'_>) -> Network {
    let mut network = Network {
        name,
        subnets: Vec::new(),
        external: false,
        internal: false,
        driver: None,
    };
    if matches!(body.value, Value::Null) {
        return network;
    }
    let Some(entries) = reader.map(body, "networks.<name>") else {
        return network;
    };
    for (key, value) in entries {
        match key.value.as_str() {
            "external" => {
                network.external = match &value.value {
                    Value::Map(_) => true,
                    _ => reader
                        .boolean(value, "networks.external")
                        .is_some_and(|b| b.value),
                };
            }
            "ipam" => network.subnets = read_subnets(value, reader),
            "internal" => {
                network.internal = reader
                    .boolean(value, "networks.internal")
                    .is_some_and(|b| b.value);
            }
            "driver" => {
                network.driver = value.scalar().map(|d| Located::new(d, value.span));
                report_key(&key, NETWORK_KEYS, "network", reader);
            }
            _ => report_key(&key, NETWORK_KEYS, "network", reader),
        }
    }
    network
}

fn read_subnets(ipam: &Node, reader: &mut Reader<'_>) -> Vec<Located<IpNet>> {
    let Some(config) = ipam.get("config") else {
        return Vec::new();
    };
    let Some(items) = config.as_seq() else {
        reader.type_error(config, "ipam.config", "a list");
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| item.get("subnet"))
        .filter_map(|subnet| {
            let text = reader.string(subnet, "ipam.config.subnet")?;
            match text.value.parse::<IpNet>() {
                Ok(net) => Some(Located::new(net, text.span)),
                Err(_) => {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::SubnetInvalid,
                            format!("`{}` is not a subnet in CIDR notation", text.value),
                        )
                        .at(text.span)
                        .help("write it like `169.254.253.0/24`"),
                    );
                    None
                }
            }
        })
        .collect()
}

/// Reads a service's `networks:` (a list of names or a mapping).
pub fn read_service_networks(node: &Node, reader: &mut Reader<'_>) -> Vec<ServiceNetwork> {
    match &node.value {
        Value::Seq(_) => {
            let names = reader.string_list(node, "networks");
            // compose's schema: `networks items at 0 and 1 are equal`
            let mut seen = std::collections::HashSet::new();
            for name in &names {
                if !seen.insert(name.value.as_str()) {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::NetworkDuplicate,
                            format!("network `{}` is listed twice in `networks`", name.value),
                        )
                        .at(name.span)
                        .help("list each network once"),
                    );
                }
            }
            names
                .into_iter()
                .map(|name| ServiceNetwork {
                    name,
                    ipv4_address: None,
                    ipv6_address: None,
                    aliases: Vec::new(),
                })
                .collect()
        }
        Value::Map(_) => {
            let entries = reader.map(node, "networks").unwrap_or_default();
            entries
                .into_iter()
                .map(|(name, body)| read_attachment(name, body, reader))
                .collect()
        }
        _ => {
            reader.type_error(node, "networks", "a list or a mapping");
            Vec::new()
        }
    }
}

const ATTACHMENT_KEYS: &[(&str, keys::Support)] = &[
    ("aliases", keys::Support::Mapped),
    ("ipv4_address", keys::Support::Mapped),
    ("ipv6_address", keys::Support::Mapped),
    (
        "link_local_ips",
        keys::Support::NotCarried("podlift does not carry it over yet"),
    ),
    (
        "mac_address",
        keys::Support::NotCarried("the CNI assigns MAC addresses"),
    ),
    (
        "driver_opts",
        keys::Support::Ignored("the cluster's CNI replaces network drivers"),
    ),
    (
        "gw_priority",
        keys::Support::Ignored("the Pod has one default route"),
    ),
    (
        "priority",
        keys::Support::Ignored("the Pod has one network namespace"),
    ),
    (
        "interface_name",
        keys::Support::NotCarried("the Pod has one network interface"),
    ),
];

fn read_attachment(name: Located<String>, body: &Node, reader: &mut Reader<'_>) -> ServiceNetwork {
    let mut attachment = ServiceNetwork {
        name,
        ipv4_address: None,
        ipv6_address: None,
        aliases: Vec::new(),
    };
    if matches!(body.value, Value::Null) {
        return attachment;
    }
    let Some(entries) = reader.map(body, "networks.<name>") else {
        return attachment;
    };
    for (key, value) in entries {
        match key.value.as_str() {
            // compose reads an empty address (`ipv4_address: ""`, `${IP:-}`)
            // as none
            "ipv4_address" | "ipv6_address" if value.as_str() == Some("") => {}
            "ipv4_address" => {
                attachment.ipv4_address =
                    read_ip(value, "ipv4_address", reader).and_then(|ip| match ip.value {
                        IpAddr::V4(v4) => Some(Located::new(v4, ip.span)),
                        IpAddr::V6(_) => {
                            reader.diagnostics.push(
                                Diagnostic::error(
                                    Code::AddressInvalid,
                                    "`ipv4_address` holds an IPv6 address",
                                )
                                .at(ip.span)
                                .help("move it to `ipv6_address`"),
                            );
                            None
                        }
                    });
            }
            "ipv6_address" => {
                attachment.ipv6_address =
                    read_ip(value, "ipv6_address", reader).and_then(|ip| match ip.value {
                        IpAddr::V6(v6) => Some(Located::new(v6, ip.span)),
                        IpAddr::V4(_) => {
                            reader.diagnostics.push(
                                Diagnostic::error(
                                    Code::AddressInvalid,
                                    "`ipv6_address` holds an IPv4 address",
                                )
                                .at(ip.span)
                                .help("move it to `ipv4_address`"),
                            );
                            None
                        }
                    });
            }
            "aliases" => attachment.aliases = reader.string_list(value, "aliases"),
            _ => report_key(&key, ATTACHMENT_KEYS, "service network", reader),
        }
    }
    attachment
}

/// Reads an IP address, reporting text that is not one.
pub fn read_ip(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<Located<IpAddr>> {
    let text = reader.string(node, what)?;
    match text.value.trim().parse::<IpAddr>() {
        Ok(ip) => Some(Located::new(ip, text.span)),
        Err(_) => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::AddressInvalid,
                    format!("`{}` in `{what}` is not an IP address", text.value),
                )
                .at(text.span)
                .help("write a plain address such as `169.254.253.7` (no prefix length)"),
            );
            None
        }
    }
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
    /// `bridge`: the ordinary network.
    Bridge,
    /// `default`: the ordinary network, as `bridge` (kept apart because
    /// compose prints it as written).
    Default,
    /// Anything else (a network name).
    Other(String),
}

impl std::fmt::Display for NetworkMode {
    /// As compose prints it: as written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Service(target) => write!(f, "service:{target}"),
            Self::Container(target) => write!(f, "container:{target}"),
            Self::Host => f.write_str("host"),
            Self::None => f.write_str("none"),
            Self::Bridge => f.write_str("bridge"),
            Self::Default => f.write_str("default"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

pub(crate) fn parse_network_mode(text: &str) -> NetworkMode {
    match text {
        "host" => NetworkMode::Host,
        "none" => NetworkMode::None,
        "bridge" => NetworkMode::Bridge,
        "default" => NetworkMode::Default,
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
