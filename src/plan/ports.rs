//! Ports: two containers of one network namespace cannot both listen on one.

use foldhash::HashMap;
use std::cell::OnceCell;
use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::healthcheck::{HealthTest, Healthcheck};
use crate::model::port::Protocol;
use crate::plan::addresses::namespace_owner;
use crate::plan::{ContainerPlan, Layout};

/// A port several containers of one Pod may declare because each binds its
/// own preset address (`--allow-shared-port 7777,8805/udp`): without a
/// protocol, every protocol of that port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedPort {
    /// The port.
    pub port: u16,
    /// Its protocol; `None`: every protocol.
    pub protocol: Option<Protocol>,
}

impl SharedPort {
    /// Reads `PORT` or `PORT/PROTOCOL` (`tcp`, `udp`, `sctp`).
    ///
    /// # Errors
    /// A message naming what is wrong, for the command line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (port, protocol) = match text.split_once('/') {
            Some((port, protocol)) => {
                let protocol = match protocol.to_ascii_lowercase().as_str() {
                    "tcp" => Protocol::Tcp,
                    "udp" => Protocol::Udp,
                    "sctp" => Protocol::Sctp,
                    _ => {
                        return Err(format!(
                            "`{protocol}` is not a protocol: write `tcp`, `udp` or `sctp`"
                        ));
                    }
                };
                (port, Some(protocol))
            }
            None => (text, None),
        };
        match port.parse::<u16>() {
            Ok(port) if port > 0 => Ok(Self { port, protocol }),
            _ => Err(format!(
                "`{port}` is not a port: write `7777`, `8805/udp`, or a list `7777,8805/udp`"
            )),
        }
    }

    /// Whether it allows `port` over `protocol`.
    #[must_use]
    pub fn allows(self, port: u16, protocol: Protocol) -> bool {
        self.port == port && self.protocol.is_none_or(|p| p == protocol)
    }
}

/// Whether any of `allowed` allows `port` over `protocol`.
pub(crate) fn shared(allowed: &[SharedPort], port: u16, protocol: Protocol) -> bool {
    allowed.iter().any(|a| a.allows(port, protocol))
}

/// How to write the allowance for `port` over `protocol` (`7777`, `8805/udp`).
pub(crate) fn shared_spelling(port: u16, protocol: Protocol) -> String {
    match protocol {
        Protocol::Tcp => port.to_string(),
        other => format!("{port}/{}", other.as_str()),
    }
}

/// Two containers of one Pod cannot both listen on one port: they share a
/// network namespace.
pub(crate) fn check_ports(
    containers: &[ContainerPlan],
    project: &Project,
    allowed: &[SharedPort],
    layout: Layout,
    diagnostics: &mut Diagnostics,
) {
    // What helps: more Pods (not under `--strategy pod`), or, for two
    // services that each bind a preset address of their own, sharing.
    let split = layout == Layout::Split;
    // Services of one network namespace (`network_mode: service:`) share it
    // whatever the Pods: said so, in one Pod too.
    let owner_of = |name: &str| {
        project
            .service(name)
            .map(|s| namespace_owner(project, s).name.value.clone())
    };
    let remedy = |port: u16, protocol: Protocol, both_addressed: bool, same: bool| {
        let pods = if split || same {
            "they share a network namespace (`network_mode: service:` or `x-podlift.group`): change one port, or let them run apart"
        } else {
            "convert without `--strategy pod`: the default `--strategy auto` puts them in different Pods"
        };
        if both_addressed {
            format!(
                "{pods}; if each binds its own preset address, not 0.0.0.0, allow it with `--allow-shared-port {}`",
                shared_spelling(port, protocol)
            )
        } else {
            pods.to_string()
        }
    };
    // Whether both of two services have preset addresses: only a conflict
    // asks, so the index is made at the first one.
    let index: OnceCell<BTreeMap<&str, bool>> = OnceCell::new();
    let addressed = |a: &str, b: &str| {
        let index = index.get_or_init(|| {
            (containers.iter())
                .map(|c| (c.service.as_str(), !c.addresses.is_empty()))
                .collect()
        });
        index.get(a).copied().unwrap_or(false) && index.get(b).copied().unwrap_or(false)
    };
    // only looked up, never walked
    let mut owner: HashMap<(u16, Protocol), &str> = HashMap::default();
    for container in containers {
        for &(port, protocol) in &container.details.ports {
            if shared(allowed, port, protocol) {
                continue;
            }
            match owner.get(&(port, protocol)) {
                Some(other) => {
                    let same = owner_of(other) == owner_of(&container.service);
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
                            Code::PortConflict,
                            format!("service `{}` declares port `{port}/{}`, already declared by `{other}`; {}", container.service, protocol.as_str(), if split || same { "the two share a network namespace" } else { "in one Pod both share a network namespace" }),
                        )
                        .at_opt(span)
                        .help(remedy(port, protocol, addressed(other, &container.service), same)),
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
            if declared_here || shared(allowed, port, Protocol::Tcp) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    Code::PortConflict,
                    format!(
                        "the health check of service `{}` calls `localhost:{port}`, the port `{other}` declares; in one network namespace the check would reach `{other}`, or both would bind it",
                        container.service
                    ),
                )
                .at(check.span)
                .help(remedy(port, Protocol::Tcp, addressed(other, &container.service), owner_of(other) == owner_of(&container.service))),
            );
        }
    }
}

/// Ports a health check calls on the container itself (`localhost:8080`,
/// `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`).
pub(crate) fn local_ports(check: &Healthcheck) -> Vec<u16> {
    const HOSTS: [&str; 4] = ["localhost", "127.0.0.1", "0.0.0.0", "[::1]"];
    // A host holds no space, so the words need not be joined: each match
    // lies in one word, and its port ends where the word does.
    let words = match &check.test {
        HealthTest::Exec(words) => words.as_slice(),
        HealthTest::Shell(line) => std::slice::from_ref(line),
    };
    // Every host before a colon, with its port, in the order written.
    let mut found: Vec<(usize, u16)> = Vec::new();
    for word in words {
        for (at, _) in word.match_indices(':') {
            let before = word.get(..at).unwrap_or("");
            let after = word.get(at + 1..).unwrap_or("");
            let digits = after.get(..after.bytes().take_while(u8::is_ascii_digit).count());
            let Some(Ok(port)) = digits.map(str::parse::<u16>) else {
                continue;
            };
            for (host, _) in HOSTS
                .iter()
                .enumerate()
                .filter(|(_, h)| before.ends_with(**h))
            {
                found.push((host, port));
            }
        }
    }
    // One host and port (the usual check) needs no sort.
    if let [(_, port)] = found.as_slice() {
        return vec![*port];
    }
    // Host by host (a stable sort keeps the written order within one).
    found.sort_by_key(|&(host, _)| host);
    // Each port once, first place kept; a set, as a check may name many.
    let mut seen = foldhash::HashSet::default();
    found
        .into_iter()
        .map(|(_, port)| port)
        .filter(|port| seen.insert(*port))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::local_ports;
    use crate::model::healthcheck::{HealthTest, Healthcheck};
    use crate::source::{FileId, Span};

    fn check(test: HealthTest) -> Healthcheck {
        Healthcheck {
            test,
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            retries: 3,
            start_period: Duration::ZERO,
            span: Span {
                file: FileId(0),
                start: 0,
                len: 0,
            },
        }
    }

    /// Each host's ports in the order they are written, hosts in a fixed
    /// order, each port once; a host inside a longer one counts, a port
    /// that is no `u16` does not.
    #[test]
    fn local_ports_are_found_per_host_in_order() {
        let line = "curl -f http://[::1]:9 http://localhost:8080/x && \
                    wget 127.0.0.1:81 10.0.0.0:7 localhost:8080 localhost: \
                    localhost:99999 localhost:443:1 [::1]:";
        assert_eq!(
            local_ports(&check(HealthTest::Shell(line.into()))),
            [8080, 443, 81, 7, 9]
        );
        let words = ["nc", "-z", "localhost:5432", "0.0.0.0:1"].map(String::from);
        assert_eq!(
            local_ports(&check(HealthTest::Exec(words.to_vec()))),
            [5432, 1]
        );
        assert!(local_ports(&check(HealthTest::Shell("true".into()))).is_empty());
    }

    /// `local_ports` as it was before it read word by word (the words
    /// joined, every colon's position collected).
    mod before {
        use crate::model::healthcheck::{HealthTest, Healthcheck};

        pub(super) fn local_ports(check: &Healthcheck) -> Vec<u16> {
            let text = match &check.test {
                HealthTest::Exec(words) => words.join(" "),
                HealthTest::Shell(line) => line.clone(),
            };
            let mut ports = Vec::new();
            // Each host ends in the one `:` it holds, and no host overlaps itself,
            // so its matches are the colons it stands before, in order.
            let colons: Vec<usize> = text.match_indices(':').map(|(at, _)| at).collect();
            for host in ["localhost", "127.0.0.1", "0.0.0.0", "[::1]"] {
                for &at in &colons {
                    if !text.get(..at).is_some_and(|before| before.ends_with(host)) {
                        continue;
                    }
                    let after = text.get(at + 1..).unwrap_or("");
                    let digits = after.get(..after.bytes().take_while(u8::is_ascii_digit).count());
                    if let Some(Ok(port)) = digits.map(str::parse::<u16>)
                        && !ports.contains(&port)
                    {
                        ports.push(port);
                    }
                }
            }
            ports
        }
    }

    /// Word by word finds what the joined words gave, across words, hosts
    /// inside longer ones, ports past `u16`, empty and spaced words.
    #[test]
    fn local_ports_are_those_of_the_joined_words() {
        let pieces = [
            "localhost",
            "127.0.0.1",
            "0.0.0.0",
            "[::1]",
            ":",
            "80",
            "99999",
            " ",
            "x",
            "10.",
            "0",
        ];
        let mut state = 7u64;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap() % bound
        };
        for _ in 0..3000 {
            let words: Vec<String> = (0..next(5))
                .map(|_| (0..next(6)).map(|_| pieces[next(pieces.len())]).collect())
                .collect();
            let line = words.join(if next(2) == 0 { " " } else { "" });
            for test in [HealthTest::Exec(words.clone()), HealthTest::Shell(line)] {
                let check = check(test);
                assert_eq!(
                    local_ports(&check),
                    before::local_ports(&check),
                    "{:?}",
                    check.test
                );
            }
        }
    }
}
