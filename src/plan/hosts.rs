//! `/etc/hosts` of the one Pod: every name compose's DNS resolved, at its
//! service's preset address.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::plan::addresses::Addresses;
use crate::plan::names;
use crate::source::{Located, Span};

/// One `/etc/hosts` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostAlias {
    /// The address.
    pub ip: IpAddr,
    /// Names resolving to it, in the order found.
    pub names: Vec<String>,
}

pub(crate) fn plan_host_aliases(
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
            // say what is wrong: the length, or the characters
            let longest = lower.split('.').map(str::len).max().unwrap_or(0);
            let help = if lower.len() > 253 {
                format!(
                    "a host name holds at most 253 characters, this one has {}; rename it if peers call it",
                    lower.len()
                )
            } else if longest > names::MAX_LABEL {
                format!(
                    "each part of a host name (between dots) holds at most {} characters, this one has {longest}; rename it if peers call it",
                    names::MAX_LABEL
                )
            } else {
                "Kubernetes host aliases are DNS-1123 names: letters, digits, `-` and `.`; rename it if peers call it".to_string()
            };
            diagnostics.push(
                Diagnostic::warning(
                    Code::NameInvalid,
                    format!("`{name}` is not a valid host name in a Pod, so it will not resolve"),
                )
                .at(span)
                .help(help),
            );
            return;
        }
        if let Some((other, _)) = seen.get(&lower) {
            if *other != ip {
                diagnostics.push(
                    Diagnostic::warning(Code::NameConflict, format!("`{name}` would resolve to both `{other}` and `{ip}`; podlift keeps `{other}`"))
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
                        Code::ExtraHostGateway,
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
