//! `links` and `extra_hosts`: names a service resolves besides the services'.

use std::net::IpAddr;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::Node;
use crate::model::read::Reader;
use crate::source::Located;

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
    /// The entry as compose prints it: `NAME=ADDRESS` as written, an
    /// address's brackets left out (`a:[::1]` is `a=::1`).
    pub written: String,
}

pub(crate) fn read_links(node: &Node, reader: &mut Reader<'_>) -> Vec<Link> {
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

pub(crate) fn read_extra_hosts(node: &Node, reader: &mut Reader<'_>) -> Vec<ExtraHost> {
    let mut hosts = Vec::new();
    for entry in reader.list_or_map(node, "extra_hosts", "=") {
        // `name=ip`, `name:ip`; an IPv6 address may itself contain `:`.
        let Some((name, addresses)) = entry
            .value
            .split_once('=')
            .or_else(|| entry.value.split_once(':'))
        else {
            continue;
        };
        // `name=ip1,ip2` (and a mapping to a list) gives the name each
        // address, as compose prints it: `name=ip1`, `name=ip2`.
        for address in addresses.split(',') {
            if let Some(host) = extra_host(name, address, &entry, reader) {
                hosts.push(host);
            }
        }
    }
    hosts
}

fn extra_host(
    name: &str,
    address: &str,
    entry: &Located<String>,
    reader: &mut Reader<'_>,
) -> Option<ExtraHost> {
    let bare = address
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(address);
    let written = format!("{name}={bare}");
    let address = address.trim().trim_start_matches('[').trim_end_matches(']');
    let name = Located::new(name.trim().to_string(), entry.span);
    if address == "host-gateway" {
        return Some(ExtraHost {
            name,
            address: None,
            written,
        });
    }
    match address.parse::<IpAddr>() {
        Ok(ip) => Some(ExtraHost {
            name,
            address: Some(ip),
            written,
        }),
        Err(_) => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::ExtraHostInvalid,
                    format!("`{}` in `extra_hosts` has no valid address", entry.value),
                )
                .at(entry.span)
                .help("write `name=address`, e.g. `db.local=169.254.253.2`"),
            );
            None
        }
    }
}
