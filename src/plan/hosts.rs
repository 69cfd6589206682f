//! `/etc/hosts` of the one Pod: every name compose's DNS resolved, at its
//! service's preset address.

use foldhash::HashMap;
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

/// The names found so far, by address.
#[derive(Default)]
struct Table {
    by_ip: BTreeMap<IpAddr, Vec<String>>,
    /// Only looked up, never walked: its order does not matter.
    seen: HashMap<String, (IpAddr, Span)>,
}

impl Table {
    /// Adds `name` at `ip`. `also`: another address of a name this
    /// service's `extra_hosts` gave (compose writes one `/etc/hosts` line per
    /// address). Returns whether the name now resolves to `ip`.
    fn add(
        &mut self,
        name: &str,
        ip: IpAddr,
        span: Span,
        also: bool,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        let lower = name.to_ascii_lowercase();
        if !names::is_host_name(&lower) {
            diagnostics.push(
                Diagnostic::warning(
                    Code::NameInvalid,
                    format!("`{name}` is not a valid host name in a Pod, so it will not resolve"),
                )
                .at(span)
                .help(invalid_name_help(&lower)),
            );
            return false;
        }
        if also {
            let names = self.by_ip.entry(ip).or_default();
            if !names.contains(&lower) {
                names.push(lower);
            }
            return true;
        }
        if let Some((other, _)) = self.seen.get(&lower) {
            if *other != ip {
                diagnostics.push(
                    Diagnostic::warning(Code::NameConflict, format!("`{name}` would resolve to both `{other}` and `{ip}`; podlift keeps `{other}`"))
                        .at(span)
                        .help("a name has one address in `/etc/hosts`; give one of them another name"),
                );
            }
            return false;
        }
        self.seen.insert(lower.clone(), (ip, span));
        self.by_ip.entry(ip).or_default().push(lower);
        true
    }
}

/// What is wrong with a name that is no host name: the length, or the
/// characters.
fn invalid_name_help(lower: &str) -> String {
    let longest = lower.split('.').map(str::len).max().unwrap_or(0);
    if lower.len() > 253 {
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
    }
}

pub(crate) fn plan_host_aliases(
    project: &Project,
    addresses: &Addresses,
    diagnostics: &mut Diagnostics,
) -> Vec<HostAlias> {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut table = Table::default();
    for service in &project.services {
        let ip = addresses.primary(&service.name.value).unwrap_or(loopback);
        let mut names: Vec<&Located<String>> = vec![&service.name];
        names.extend(service.container_name.iter());
        names.extend(service.hostname.iter());
        for network in &service.networks {
            names.extend(network.aliases.iter());
        }
        for name in names {
            table.add(&name.value, ip, name.span, false, diagnostics);
        }
    }
    for service in &project.services {
        for link in &service.links {
            let Some(alias) = &link.alias else { continue };
            let ip = addresses.primary(&link.service.value).unwrap_or(loopback);
            table.add(alias, ip, link.service.span, false, diagnostics);
        }
        // names this service's `extra_hosts` made resolve, lowercase
        let mut own: Vec<String> = Vec::new();
        for host in &service.extra_hosts {
            match host.address {
                Some(ip) => {
                    let lower = host.name.value.to_ascii_lowercase();
                    let also = own.contains(&lower);
                    if table.add(&host.name.value, ip, host.name.span, also, diagnostics) && !also {
                        own.push(lower);
                    }
                }
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
        .by_ip
        .into_iter()
        .map(|(ip, names)| HostAlias { ip, names })
        .collect()
}
