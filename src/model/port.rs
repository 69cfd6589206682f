//! Ports: `ports` (published) and `expose`, short and long syntax.

use std::net::IpAddr;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::{Located, Span};

/// Transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// Compose spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Sctp => "sctp",
        }
    }
}

/// One container port, possibly published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The port the container listens on.
    pub target: u16,
    /// The port published on the host (compose), the Service port here.
    pub published: Option<u16>,
    /// The protocol.
    pub protocol: Protocol,
    /// The host address it is published on (`127.0.0.1:8080:80`,
    /// `host_ip:`); `None` for every address.
    pub host_ip: Option<IpAddr>,
    /// Where it was written.
    pub span: Span,
}

impl Port {
    /// Whether compose publishes it on one host address only (not on
    /// `0.0.0.0` or `::`): then only that address of the host reaches it.
    #[must_use]
    pub fn host_only(&self) -> bool {
        self.host_ip.is_some_and(|ip| !ip.is_unspecified())
    }
}

/// A host address as compose writes it: `127.0.0.1`, `[::1]` or `::1`.
fn parse_host_ip(text: &str) -> Option<IpAddr> {
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse().ok()
}

fn parse_protocol(text: &str) -> Option<Protocol> {
    match text.to_ascii_lowercase().as_str() {
        "tcp" | "" => Some(Protocol::Tcp),
        "udp" => Some(Protocol::Udp),
        "sctp" => Some(Protocol::Sctp),
        _ => None,
    }
}

fn parse_range(text: &str) -> Option<(u16, u16)> {
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => text.parse().ok().map(|p| (p, p)),
    }
}

/// A short-syntax port as written, its ranges not yet expanded:
/// `[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]`. The model and `podlift config`
/// both read ports through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ShortPort<'t> {
    /// The host address as written, brackets removed; it may be IPv6 with or
    /// without brackets (as Docker's own parser reads it).
    pub host_ip: Option<&'t str>,
    /// The published port or range.
    pub published: Option<(u16, u16)>,
    /// The container port or range.
    pub target: (u16, u16),
    /// The protocol.
    pub protocol: Protocol,
}

impl ShortPort<'_> {
    /// The container ports, each with its published port (or range, when
    /// one published range serves a target range of another length).
    pub(crate) fn expanded(&self) -> impl Iterator<Item = (u16, Option<(u16, u16)>)> + '_ {
        let (t_start, t_end) = self.target;
        (t_start..=t_end).map(move |target| {
            let published = self.published.map(|(p_start, p_end)| {
                if p_end - p_start == t_end - t_start {
                    let at = p_start + (target - t_start);
                    (at, at)
                } else {
                    (p_start, p_end)
                }
            });
            (target, published)
        })
    }
}

/// Reads a short-syntax port; `None` when it is not one.
pub(crate) fn parse_short_syntax(text: &str) -> Option<ShortPort<'_>> {
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((spec, proto)) => (spec, parse_protocol(proto)?),
        None => (text, Protocol::Tcp),
    };
    // the host address is what comes before the last two colons
    let mut parts = spec.rsplitn(3, ':');
    let target = parts.next()?;
    let published = parts.next();
    // An empty address (`:443:443`, `${BIND:-}:80:80`, `[]:80:80`) publishes
    // on every address, as compose reads it.
    let host_ip = parts
        .next()
        .map(|ip| {
            ip.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .unwrap_or(ip)
        })
        .filter(|ip| !ip.is_empty());
    let published = match published.filter(|p| !p.is_empty()) {
        Some(p) => Some(parse_range(p)?),
        None => None,
    };
    // compose: `80:0` "is missing a target port"
    let target = parse_range(target).filter(|&(start, _)| start != 0)?;
    Some(ShortPort {
        host_ip,
        published,
        target,
        protocol,
    })
}

/// Parses a short-syntax port, ranges expanded.
fn parse_short(text: &str, span: Span) -> Option<Vec<Port>> {
    let short = parse_short_syntax(text)?;
    let host_ip = match short.host_ip {
        Some(ip) => Some(parse_host_ip(ip)?),
        None => None,
    };
    let expanded = short
        .expanded()
        .map(|(target, published)| Port {
            target,
            // A published range for one target: docker picks one; the first is the Service port.
            published: published.map(|(start, _)| start),
            protocol: short.protocol,
            host_ip,
            span,
        })
        .collect();
    Some(expanded)
}

/// Reads `ports`.
pub fn read_ports(node: &Node, reader: &mut Reader<'_>) -> Vec<Port> {
    let Some(items) = node.as_seq() else {
        reader.type_error(node, "ports", "a list");
        return Vec::new();
    };
    let mut found = Vec::new();
    for item in items {
        match &item.value {
            Value::Map(_) => {
                let target = item
                    .get("target")
                    .and_then(Node::scalar)
                    .and_then(|t| t.parse::<u16>().ok());
                let Some(target) = target else {
                    reader.diagnostics.push(
                        Diagnostic::error(
                            Code::PortInvalid,
                            "a long-syntax port needs a numeric `target`",
                        )
                        .at(item.span)
                        .help("add `target: PORT`"),
                    );
                    continue;
                };
                let published = item
                    .get("published")
                    .and_then(Node::scalar)
                    .and_then(|p| parse_range(&p))
                    .map(|(start, _)| start);
                let protocol = item
                    .get("protocol")
                    .and_then(Node::scalar)
                    .map_or(Some(Protocol::Tcp), |p| parse_protocol(&p));
                let Some(protocol) = protocol else {
                    reader.diagnostics.push(
                        Diagnostic::error(Code::PortInvalid, "unknown port protocol")
                            .at(item.span)
                            .help("use `tcp`, `udp` or `sctp`"),
                    );
                    continue;
                };
                let host_ip = match item.get("host_ip") {
                    None => None,
                    Some(node) => {
                        let Some(text) = reader.string(node, "ports.host_ip") else {
                            continue;
                        };
                        match parse_host_ip(&text.value) {
                            Some(ip) => Some(ip),
                            None => {
                                reader.diagnostics.push(
                                    Diagnostic::error(
                                        Code::PortInvalid,
                                        format!("`{}` in `host_ip` is not an IP address", text.value),
                                    )
                                    .at(text.span)
                                    .help("write an address such as `127.0.0.1`, or remove `host_ip` to publish on every address"),
                                );
                                continue;
                            }
                        }
                    }
                };
                found.push(Port {
                    target,
                    published,
                    protocol,
                    host_ip,
                    span: item.span,
                });
            }
            _ => {
                let Some(text) = reader.string(item, "ports item") else {
                    continue;
                };
                match parse_short(&text.value, text.span) {
                    Some(parsed) => found.extend(parsed),
                    None => reader.diagnostics.push(
                        Diagnostic::error(
                            Code::PortInvalid,
                            format!("`{}` is not a port mapping", text.value),
                        )
                        .at(text.span)
                        .help("write `[HOST_IP:]PUBLISHED:TARGET[/PROTOCOL]`, e.g. `8080:80/tcp`"),
                    ),
                }
            }
        }
    }
    found
}

/// Reads `expose`: ports (or ranges) the container listens on, not
/// published; and the entries as written, each once (as compose prints
/// them).
pub fn read_expose(node: &Node, reader: &mut Reader<'_>) -> (Vec<Port>, Vec<String>) {
    let mut ports = Vec::new();
    let mut written = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for text in reader.string_list(node, "expose") {
        let Located { value, span } = text;
        match parse_short(&value, span).filter(|p| p.iter().all(|p| p.published.is_none())) {
            Some(parsed) => {
                ports.extend(parsed);
                if seen.insert(value.clone()) {
                    written.push(value);
                }
            }
            None => reader.diagnostics.push(
                Diagnostic::error(
                    Code::PortInvalid,
                    format!("`{value}` is not a port for `expose`"),
                )
                .at(span)
                .help("write `PORT[/PROTOCOL]` or a range `START-END`"),
            ),
        }
    }
    (ports, written)
}

#[cfg(test)]
mod tests {
    use super::{Protocol, parse_short};
    use crate::source::{FileId, Span};

    const S: Span = Span {
        file: FileId(0),
        start: 0,
        len: 0,
    };

    fn host(text: &str) -> Option<std::net::IpAddr> {
        parse_short(text, S).unwrap().first().unwrap().host_ip
    }

    #[test]
    fn short_syntax_host_addresses() {
        assert_eq!(host("8080:80"), None);
        assert_eq!(
            host("127.0.0.1:3306:3306"),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(host("[::1]:6379:6379"), Some("::1".parse().unwrap()));
        assert_eq!(host("::1:6379:6379"), Some("::1".parse().unwrap()));
        assert_eq!(host("0.0.0.0:80:80"), Some("0.0.0.0".parse().unwrap()));
        assert_eq!(host("127.0.0.1::80"), Some("127.0.0.1".parse().unwrap()));
        assert!(parse_short("localhost:80:80", S).is_none());
    }

    fn short(text: &str) -> Vec<(Option<u16>, u16, Protocol)> {
        parse_short(text, S)
            .unwrap()
            .into_iter()
            .map(|p| (p.published, p.target, p.protocol))
            .collect()
    }

    #[test]
    fn short_syntax() {
        assert_eq!(short("80"), [(None, 80, Protocol::Tcp)]);
        assert_eq!(short("8080:80"), [(Some(8080), 80, Protocol::Tcp)]);
        assert_eq!(
            short("127.0.0.1:8080:80/udp"),
            [(Some(8080), 80, Protocol::Udp)]
        );
        assert_eq!(short("[::1]:8080:80"), [(Some(8080), 80, Protocol::Tcp)]);
        assert_eq!(
            short("9000-9001:8000-8001"),
            [
                (Some(9000), 8000, Protocol::Tcp),
                (Some(9001), 8001, Protocol::Tcp)
            ]
        );
        assert!(parse_short("http", S).is_none());
        assert!(parse_short("80/icmp", S).is_none());
    }
}
