//! A `network_mode: host` service under Docker reaches the others by their
//! preset addresses: the host routes to its own bridges. A `hostNetwork`
//! Pod is in the node's network, which routes nowhere near those addresses,
//! and podlift does not touch a node's routes or firewall. So the warning
//! names the preset addresses the service itself mentions: in its
//! environment, command, entrypoint, or the bind-mounted files podlift reads.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::model::Project;
use crate::model::service::Service;
use crate::model::volume::{HostContent, MountSource};

/// Whether `text` mentions `address` as a whole address (`10.0.0.1` is not
/// in `10.0.0.12` nor in `110.0.0.1`; `10.0.0.1:8080` mentions it).
fn mentions(text: &str, address: &str, v6: bool) -> bool {
    let part = |c: char| {
        if v6 {
            c.is_ascii_hexdigit() || c == ':'
        } else {
            c.is_ascii_digit() || c == '.'
        }
    };
    text.match_indices(address).any(|(at, _)| {
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let rest = text.get(at + address.len()..).unwrap_or("");
        let mut after = rest.chars();
        let next = after.next();
        let ends = match next {
            None => true,
            // A sentence's full stop ends it; `.5` continues it.
            Some('.') if !v6 => !after.next().is_some_and(|c| c.is_ascii_digit()),
            Some(c) => !part(c),
        };
        !before.is_some_and(part) && ends
    })
}

/// The other services' preset addresses that `service` mentions, each with
/// where (`environment`, `command`, `entrypoint`, or a bind-mounted file as
/// written), in address order.
pub(crate) fn preset_mentions(project: &Project, service: &Service) -> Vec<(IpAddr, Vec<String>)> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for (name, value) in service.container_environment() {
        texts.push(("environment".to_string(), format!("{name}={value}")));
    }
    if let Some(command) = &service.command {
        texts.push(("command".to_string(), command.value.join(" ")));
    }
    if let Some(entrypoint) = &service.entrypoint {
        texts.push(("entrypoint".to_string(), entrypoint.value.join(" ")));
    }
    for mount in &service.mounts {
        let MountSource::Bind {
            written, content, ..
        } = &mount.source
        else {
            continue;
        };
        match content {
            HostContent::File(text) => texts.push((format!("`{written}`"), text.clone())),
            HostContent::Directory(files) => {
                for (name, text) in files {
                    texts.push((
                        format!("`{}/{name}`", written.trim_end_matches('/')),
                        text.clone(),
                    ));
                }
            }
            _ => {}
        }
    }
    let mut found: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
    for other in project
        .services
        .iter()
        .filter(|s| s.name.value != service.name.value)
    {
        for address in other
            .networks
            .iter()
            .flat_map(crate::model::network::ServiceNetwork::addresses)
        {
            let spelled = address.value.to_string();
            for (place, text) in &texts {
                if mentions(text, &spelled, address.value.is_ipv6()) {
                    let places = found.entry(address.value).or_default();
                    if !places.contains(place) {
                        places.push(place.clone());
                    }
                }
            }
        }
    }
    found.into_iter().collect()
}

/// `` `10.0.0.2` (environment), `10.0.0.3` (`./app.conf`) ``.
pub(crate) fn listed(mentions: &[(IpAddr, Vec<String>)]) -> String {
    mentions
        .iter()
        .map(|(address, places)| format!("`{address}` ({})", places.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn an_address_is_mentioned_only_whole() {
        for (text, yes) in [
            ("PEER=10.0.0.1", true),
            ("http://10.0.0.1:8080/x", true),
            ("at 10.0.0.1.", true),
            ("10.0.0.12", false),
            ("110.0.0.1", false),
            ("10.0.0.1.5", false),
        ] {
            assert_eq!(mentions(text, "10.0.0.1", false), yes, "{text}");
        }
        assert!(mentions("[fd00::1]:80", "fd00::1", true));
        assert!(!mentions("fd00::12", "fd00::1", true));
    }
}
