//! One compose service, typed.

use std::net::IpAddr;

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::Context;
use crate::model::environment::{Variable, read_env_files, read_environment};
use crate::model::healthcheck::{Healthcheck, read_healthcheck};
use crate::model::image::PullPolicy;
use crate::model::keys::SERVICE_KEYS;
use crate::model::network::{ServiceNetwork, read_service_networks};
use crate::model::port::{Port, read_expose, read_ports};
use crate::model::process::{
    Hook, Namespaces, SecurityOpt, parse_namespace, parse_security_opt, read_hooks,
};
use crate::model::read::{Reader, parse_float, parse_integer};
use crate::model::report_key;
use crate::model::units::parse_bytes;
use crate::model::volume::{FileUse, Mount, read_file_uses, read_mounts, read_tmpfs};
use crate::source::{Located, Span};

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
    /// `env_file` then `environment`, in order; later entries win.
    pub environment: Vec<Variable>,
    /// `ports`.
    pub ports: Vec<Port>,
    /// `expose`.
    pub expose: Vec<Port>,
    /// `healthcheck` (absent when disabled).
    pub healthcheck: Option<Healthcheck>,
    /// `volumes` and `tmpfs`.
    pub mounts: Vec<Mount>,
    /// `secrets`.
    pub secrets: Vec<FileUse>,
    /// `configs`.
    pub configs: Vec<FileUse>,
    /// `user`, `working_dir`, capabilities and the like.
    pub security: Security,
    /// `mem_limit`, `cpus`, `deploy.resources`.
    pub resources: Resources,
    /// `deploy.replicas` (or `scale`).
    pub replicas: Option<Located<u32>>,
    /// Pod-wide settings this service asks for.
    pub pod: PodSettings,
    /// `pull_policy`.
    pub pull_policy: Option<PullPolicy>,
    /// Where `build` was written, when the service is built rather than pulled.
    pub build: Option<Span>,
    /// `x-podlift.group`: services that stay in one Pod under the split strategy.
    pub group: Option<Located<String>>,
    /// `volumes_from`: (service, read-only).
    pub volumes_from: Vec<Located<(String, bool)>>,
    /// `labels`, as `key=value`.
    pub labels: Vec<Located<String>>,
    /// Variables of `environment` written without a value, whose value came
    /// from the environment podlift runs in.
    pub captured_env: Vec<Located<String>>,
    /// `x-podlift.startup-timeout`: how long a service others wait on with
    /// `service_healthy` may take to become healthy before it is restarted.
    pub startup_timeout: Option<Located<std::time::Duration>>,
    /// `pid`, `ipc`, `uts`, `userns_mode`.
    pub namespaces: Namespaces,
    /// `shm_size` in bytes.
    pub shm_size: Option<Located<u64>>,
    /// `post_start` hooks.
    pub post_start: Vec<Hook>,
    /// `pre_stop` hooks.
    pub pre_stop: Vec<Hook>,
    /// `annotations`, as `key=value`.
    pub annotations: Vec<Located<String>>,
}

/// Settings that Kubernetes has only once per Pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSettings {
    /// `dns` servers.
    pub dns: Option<Located<Vec<String>>>,
    /// `dns_search` domains.
    pub dns_search: Option<Located<Vec<String>>>,
    /// `dns_opt` options.
    pub dns_opt: Option<Located<Vec<String>>>,
    /// `stop_grace_period`.
    pub stop_grace_period: Option<Located<std::time::Duration>>,
    /// `sysctls` as `name=value`.
    pub sysctls: Option<Located<Vec<String>>>,
}

/// Process and privilege settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Security {
    /// `user`.
    pub user: Option<Located<String>>,
    /// `working_dir`.
    pub working_dir: Option<String>,
    /// `cap_add`.
    pub cap_add: Vec<String>,
    /// `cap_drop`.
    pub cap_drop: Vec<String>,
    /// `privileged`.
    pub privileged: bool,
    /// `read_only`.
    pub read_only: bool,
    /// `tty`.
    pub tty: bool,
    /// `stdin_open`.
    pub stdin_open: bool,
    /// `security_opt`.
    pub options: Vec<Located<SecurityOpt>>,
    /// `group_add`: group ids or names.
    pub group_add: Vec<Located<String>>,
}

/// Resource requests and limits (`cpus` in millicores, memory in bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU limit.
    pub cpu_limit: Option<u64>,
    /// Memory limit.
    pub memory_limit: Option<u64>,
    /// CPU reservation.
    pub cpu_request: Option<u64>,
    /// Memory reservation.
    pub memory_request: Option<u64>,
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
    /// `required` (default true): `false` lets the service start without it.
    pub required: bool,
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
    #[allow(clippy::too_many_lines)] // one arm per compose key
    pub fn read(
        name: Located<String>,
        body: &Node,
        context: &Context,
        reader: &mut Reader<'_>,
    ) -> Self {
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
            environment: Vec::new(),
            ports: Vec::new(),
            expose: Vec::new(),
            healthcheck: None,
            mounts: Vec::new(),
            secrets: Vec::new(),
            configs: Vec::new(),
            security: Security::default(),
            resources: Resources::default(),
            replicas: None,
            pod: PodSettings::default(),
            pull_policy: None,
            build: None,
            group: None,
            volumes_from: Vec::new(),
            labels: Vec::new(),
            captured_env: Vec::new(),
            startup_timeout: None,
            namespaces: Namespaces::default(),
            shm_size: None,
            post_start: Vec::new(),
            pre_stop: Vec::new(),
            annotations: Vec::new(),
        };
        let mut label_files = Vec::new();
        let mut cpu_shares = None;
        let mut cpu_quota = None;
        let mut cpu_period = None;
        let mut env_files = Vec::new();
        let mut environment = Vec::new();
        if matches!(body.value, Value::Null) {
            return service;
        }
        let Some(entries) = reader.map(body, &format!("services.{}", service.name.value)) else {
            return service;
        };
        for (key, value) in entries {
            match key.value.as_str() {
                "image" => {
                    service.image = reader.string(value, "image");
                    if let Some(image) = &service.image
                        && !image.value.trim().is_empty()
                        && let Some(problem) = crate::model::image::reference_problem(&image.value)
                    {
                        reader.diagnostics.push(
                            Diagnostic::error(
                                "image-invalid",
                                format!("`{}` is not an image reference: {problem}", image.value),
                            )
                            .at(image.span)
                            .help("write `NAME[:TAG][@DIGEST]`, e.g. `nginx:1.27`; check the variables the reference uses"),
                        );
                    }
                }
                "command" => service.command = reader.command(value, "command"),
                "entrypoint" => service.entrypoint = reader.command(value, "entrypoint"),
                "container_name" => service.container_name = reader.string(value, "container_name"),
                "hostname" => service.hostname = reader.string(value, "hostname"),
                "dns" => {
                    service.pod.dns =
                        Some(Located::new(one_or_list(value, "dns", reader), value.span))
                }
                "dns_search" => {
                    service.pod.dns_search = Some(Located::new(
                        one_or_list(value, "dns_search", reader),
                        value.span,
                    ));
                }
                "dns_opt" => {
                    service.pod.dns_opt = Some(Located::new(
                        one_or_list(value, "dns_opt", reader),
                        value.span,
                    ))
                }
                "sysctls" => {
                    let entries = reader
                        .list_or_map(value, "sysctls", "=")
                        .into_iter()
                        .map(|e| e.value)
                        .collect();
                    service.pod.sysctls = Some(Located::new(entries, value.span));
                }
                "stop_grace_period" => {
                    service.pod.stop_grace_period = reader.duration(value, "stop_grace_period");
                }
                "pull_policy" => {
                    service.pull_policy = reader.string(value, "pull_policy").and_then(|p| match PullPolicy::from_compose(&p.value) {
                        Some(policy) => Some(policy),
                        None => {
                            let other = &p.value;
                            reader.diagnostics.push(
                                Diagnostic::warning("pull-policy", format!("pull policy `{other}` has no Kubernetes equivalent; the cluster's default applies"))
                                    .at(p.span),
                            );
                            None
                        }
                    });
                }
                "build" => service.build = Some(key.span),
                "labels" => service.labels = reader.list_or_map(value, "labels", "="),
                "label_file" => {
                    label_files = read_label_files(value, context, reader);
                }
                "annotations" => {
                    service.annotations = reader.list_or_map(value, "annotations", "=");
                }
                "pid" | "ipc" | "uts" | "userns_mode" => {
                    let mode = reader
                        .string(value, &key.value)
                        .map(|m| Located::new(parse_namespace(&m.value), m.span));
                    let slot = match key.value.as_str() {
                        "pid" => &mut service.namespaces.pid,
                        "ipc" => &mut service.namespaces.ipc,
                        "uts" => &mut service.namespaces.uts,
                        _ => &mut service.namespaces.userns,
                    };
                    *slot = mode;
                }
                "security_opt" => {
                    service.security.options = reader
                        .string_list(value, "security_opt")
                        .into_iter()
                        .map(|o| Located::new(parse_security_opt(&o.value), o.span))
                        .collect();
                }
                "group_add" => service.security.group_add = reader.string_list(value, "group_add"),
                "shm_size" => {
                    service.shm_size =
                        read_bytes(value, "shm_size", reader).map(|b| Located::new(b, value.span));
                }
                "post_start" => service.post_start = read_hooks(value, "post_start", reader),
                "pre_stop" => service.pre_stop = read_hooks(value, "pre_stop", reader),
                "cpu_shares" => cpu_shares = reader.integer(value, "cpu_shares", i64::MIN),
                "cpu_quota" => cpu_quota = reader.integer(value, "cpu_quota", i64::MIN),
                "cpu_period" => cpu_period = reader.integer(value, "cpu_period", i64::MIN),
                "volumes_from" => {
                    service.volumes_from = reader
                        .string_list(value, "volumes_from")
                        .into_iter()
                        .map(|entry| {
                            let text = entry
                                .value
                                .strip_prefix("container:")
                                .unwrap_or(&entry.value);
                            let (source, mode) = text.split_once(':').unwrap_or((text, "rw"));
                            Located::new((source.to_string(), mode == "ro"), entry.span)
                        })
                        .collect();
                }
                "x-podlift" => read_extension(value, &mut service, reader),
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
                "environment" => {
                    environment = read_environment(
                        value,
                        &context.variables,
                        &mut service.captured_env,
                        reader,
                    );
                }
                "env_file" => {
                    env_files =
                        read_env_files(value, &context.project_dir, &context.variables, reader)
                }
                "ports" => service.ports = read_ports(value, reader),
                "expose" => service.expose = read_expose(value, reader),
                "healthcheck" => service.healthcheck = read_healthcheck(value, reader),
                "volumes" => {
                    service
                        .mounts
                        .extend(read_mounts(value, &context.project_dir, reader));
                }
                "tmpfs" => service.mounts.extend(read_tmpfs(value, reader)),
                "secrets" => service.secrets = read_file_uses(value, "secrets", reader),
                "configs" => service.configs = read_file_uses(value, "configs", reader),
                "user" => service.security.user = reader.string(value, "user"),
                "working_dir" => {
                    service.security.working_dir =
                        reader.string(value, "working_dir").map(|w| w.value);
                }
                "cap_add" => {
                    service.security.cap_add = reader
                        .string_list(value, "cap_add")
                        .into_iter()
                        .map(|c| c.value)
                        .collect();
                }
                "cap_drop" => {
                    service.security.cap_drop = reader
                        .string_list(value, "cap_drop")
                        .into_iter()
                        .map(|c| c.value)
                        .collect();
                }
                "privileged" => service.security.privileged = flag(value, "privileged", reader),
                "read_only" => service.security.read_only = flag(value, "read_only", reader),
                "tty" => service.security.tty = flag(value, "tty", reader),
                "stdin_open" => service.security.stdin_open = flag(value, "stdin_open", reader),
                "mem_limit" => {
                    let limit = read_bytes(value, "mem_limit", reader);
                    set_once(&mut service.resources.memory_limit, limit);
                }
                "mem_reservation" => {
                    let request = read_bytes(value, "mem_reservation", reader);
                    set_once(&mut service.resources.memory_request, request);
                }
                "cpus" => {
                    let limit = read_cpus(value, "cpus", reader);
                    set_once(&mut service.resources.cpu_limit, limit);
                }
                "scale" => service.replicas = read_count(value, "scale", reader),
                "deploy" => read_deploy(value, &mut service, reader),
                _ => {
                    check_unmapped(&key.value, value, reader);
                    report_key(&key, SERVICE_KEYS, "service", reader);
                }
            }
        }
        service.environment = env_files;
        service.environment.extend(environment);
        // compose reads `label_file` first; `labels` wins over it.
        if !label_files.is_empty() {
            let key = |l: &Located<String>| {
                l.value
                    .split_once('=')
                    .map_or(l.value.clone(), |(k, _)| k.to_string())
            };
            let written: Vec<String> = service.labels.iter().map(key).collect();
            label_files.retain(|l| !written.contains(&key(l)));
            label_files.append(&mut service.labels);
            service.labels = label_files;
        }
        cpu_from_cfs(&mut service.resources, cpu_shares, cpu_quota, cpu_period);
        check_resource_pairs(body, reader);
        service
    }
}

/// podlift's keys under a service's `x-podlift`.
const EXTENSION_KEYS: &[(&str, crate::model::keys::Support)] = &[
    ("group", crate::model::keys::Support::Mapped),
    ("startup-timeout", crate::model::keys::Support::Mapped),
];

/// Reads a service's `x-podlift`: `group`, `startup-timeout`.
fn read_extension(node: &Node, service: &mut Service, reader: &mut Reader<'_>) {
    if matches!(node.value, Value::Null) {
        return;
    }
    let Some(entries) = reader.map(node, "x-podlift") else {
        return;
    };
    for (key, value) in entries {
        match key.value.as_str() {
            "group" => service.group = reader.string(value, "x-podlift.group"),
            "startup-timeout" => {
                let Some(text) = reader.string(value, "x-podlift.startup-timeout") else {
                    continue;
                };
                match crate::model::units::parse_duration(&text.value) {
                    Some(duration) if !duration.is_zero() => {
                        service.startup_timeout = Some(Located::new(duration, text.span));
                    }
                    _ => reader.diagnostics.push(
                        Diagnostic::error(
                            "duration-invalid",
                            format!(
                                "`{}` in `x-podlift.startup-timeout` is not a duration above zero",
                                text.value
                            ),
                        )
                        .at(text.span)
                        .help("write it like `20m` or `1h`"),
                    ),
                }
            }
            _ => report_key(&key, EXTENSION_KEYS, "`x-podlift`", reader),
        }
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
                required: true,
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
                    // compose's schema wants a YAML boolean here, not a word
                    let required = match body.get("required") {
                        None => true,
                        Some(Node { value: Value::Bool(b), .. }) => *b,
                        Some(other) => {
                            reader.type_error(other, "depends_on.required", "`true` or `false`");
                            true
                        }
                    };
                    if let Some(restart) = body.get("restart")
                        && reader.boolean(restart, "depends_on.restart").is_some_and(|r| r.value)
                    {
                        reader.diagnostics.push(
                            Diagnostic::note(
                                "depends-on-restart",
                                format!(
                                    "`restart: true` on the dependency on `{}` is not carried over: compose restarts this service when `{}` is restarted by `docker compose`; Kubernetes restarts each container on its own",
                                    service.value, service.value
                                ),
                            )
                            .at(restart.span)
                            .help("if this service must reconnect after a restart of its dependency, make it retry, or give it a liveness probe"),
                        );
                    }
                    Dependency {
                        service,
                        condition,
                        required,
                    }
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

/// `label_file`: files of `KEY=VALUE` lines, read as env files are.
fn read_label_files(
    node: &Node,
    context: &Context,
    reader: &mut Reader<'_>,
) -> Vec<Located<String>> {
    let files = match &node.value {
        Value::Seq(_) => reader.string_list(node, "label_file"),
        _ => reader.string(node, "label_file").into_iter().collect(),
    };
    let mut out = Vec::new();
    for file in files {
        let full = context.project_dir.join(&file.value);
        let text = crate::model::volume::read_small(&full).and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
        });
        let parsed = text.and_then(|text| {
            crate::load::dotenv::parse_env_file(&text, &context.variables)
                .map_err(|e| format!("line {}: {}", e.line, e.message))
        });
        match parsed {
            Ok(pairs) => out.extend(
                pairs
                    .into_iter()
                    .map(|(k, v)| Located::new(format!("{k}={v}"), file.span)),
            ),
            Err(e) => reader.diagnostics.push(
                Diagnostic::error(
                    "label-file-unreadable",
                    format!("cannot read label file `{}`: {e}", file.value),
                )
                .at(file.span)
                .help("create the file or fix the path (relative to the compose file); write one `KEY=VALUE` per line"),
            ),
        }
    }
    out
}

/// The CFS period Docker and Kubernetes use unless told otherwise (µs).
const CFS_PERIOD: i64 = 100_000;

/// `cpu_shares` becomes a CPU request (1024 shares = 1 CPU), `cpu_quota`
/// over `cpu_period` a CPU limit, where `cpus` and `deploy.resources` leave
/// them open.
fn cpu_from_cfs(
    resources: &mut Resources,
    shares: Option<Located<i64>>,
    quota: Option<Located<i64>>,
    period: Option<Located<i64>>,
) {
    if let Some(shares) = shares.filter(|s| s.value > 0)
        && resources.cpu_request.is_none()
    {
        let millis = u64::try_from(shares.value)
            .unwrap_or(0)
            .saturating_mul(1000)
            / 1024;
        resources.cpu_request = Some(millis.max(1));
    }
    let period = period.map_or(CFS_PERIOD, |p| p.value);
    if let Some(quota) = quota.filter(|q| q.value > 0)
        && period > 0
        && resources.cpu_limit.is_none()
    {
        let millis = i128::from(quota.value) * 1000 / i128::from(period);
        resources.cpu_limit = Some(u64::try_from(millis).unwrap_or(u64::MAX).max(1));
    }
}

fn read_bytes(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<u64> {
    reader.bytes(node, what)
}

fn read_cpus(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<u64> {
    let cpus = reader.float(node, what)?;
    if cpus.value > 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Some((cpus.value * 1000.0).round() as u64);
    }
    reader.diagnostics.push(
        Diagnostic::error(
            "cpus-invalid",
            format!("`{}` in `{what}` is not a CPU count", cpus.value),
        )
        .at(cpus.span)
        .help("write a positive number such as `0.5`"),
    );
    None
}

fn read_count(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<Located<u32>> {
    let count = reader.integer(node, what, 0)?;
    match u32::try_from(count.value) {
        Ok(n) => Some(Located::new(n, count.span)),
        Err(_) => {
            reader.type_error(node, what, "a whole number below 2^32");
            None
        }
    }
}

/// A resource written both as a service key and under `deploy.resources`
/// must agree; where `deploy.resources.limits` (or `reservations`) is
/// written, a field it leaves out counts as 0, as compose counts it.
fn check_resource_pairs(body: &Node, reader: &mut Reader<'_>) {
    type Read = fn(&Value) -> Option<f64>;
    let pairs: [(&str, &str, &str, Read); 4] = [
        ("cpus", "limits", "cpus", parse_float),
        ("mem_limit", "limits", "memory", bytes_of),
        ("mem_reservation", "reservations", "memory", bytes_of),
        ("pids_limit", "limits", "pids", |v| {
            #[allow(clippy::cast_precision_loss)]
            parse_integer(v).map(|i| i as f64)
        }),
    ];
    for (key, kind, field, read) in pairs {
        let Some(written) = body.get(key).and_then(|n| read(&n.value)) else {
            continue;
        };
        let Some(section) = body
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get(kind))
            .filter(|s| s.as_map().is_some())
        else {
            continue;
        };
        let deployed = match section.get(field) {
            Some(node) => match read(&node.value) {
                Some(value) => value,
                None => continue,
            },
            None => 0.0,
        };
        #[allow(clippy::float_cmp)] // both are read from the same kind of text
        if written != deployed {
            reader.diagnostics.push(
                Diagnostic::error(
                    "resource-conflict",
                    format!("`{key}` and `deploy.resources.{kind}.{field}` set different values"),
                )
                .at(section.get(field).map_or(section.span, |n| n.span))
                .help(format!(
                    "write the value once: `{key}`, or `{field}` under `deploy.resources.{kind}`"
                )),
            );
        }
    }
}

fn bytes_of(value: &Value) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    match value {
        Value::String(text) | Value::Number(text) => parse_bytes(text).map(|b| b as f64),
        _ => None,
    }
}

/// Sets a resource that can be written in two places (`mem_limit` and
/// `deploy.resources.limits.memory`, …); `check_resource_pairs` reports
/// two different values.
fn set_once<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// A boolean key: an unreadable value is an error and counts as `false`.
fn flag(node: &Node, what: &str, reader: &mut Reader<'_>) -> bool {
    reader.boolean(node, what).is_some_and(|b| b.value)
}

/// Keys podlift does not carry over still must hold what compose accepts:
/// compose v2 refuses the file otherwise.
fn check_unmapped(key: &str, value: &Node, reader: &mut Reader<'_>) {
    match key {
        "init" | "oom_kill_disable" | "attach" => {
            reader.boolean(value, key);
        }
        // compose's schema wants a YAML boolean here, not a word
        "use_api_socket" if !matches!(value.value, Value::Bool(_)) => {
            reader.type_error(value, key, "`true` or `false`");
        }
        "cpu_count" | "cpu_rt_period" | "cpu_rt_runtime" | "oom_score_adj" | "pids_limit" => {
            reader.integer(value, key, i64::MIN);
        }
        "cpu_percent" => {
            reader.float(value, key);
        }
        "memswap_limit" => {
            read_bytes(value, key, reader);
        }
        _ => {}
    }
}

fn read_deploy(node: &Node, service: &mut Service, reader: &mut Reader<'_>) {
    let Some(entries) = reader.map(node, "deploy") else {
        return;
    };
    for (key, value) in entries {
        match key.value.as_str() {
            "replicas" => service.replicas = read_count(value, "deploy.replicas", reader),
            "resources" => {
                let resources = &mut service.resources;
                for (kind, cpu, memory) in [
                    (
                        "limits",
                        &mut resources.cpu_limit,
                        &mut resources.memory_limit,
                    ),
                    (
                        "reservations",
                        &mut resources.cpu_request,
                        &mut resources.memory_request,
                    ),
                ] {
                    let Some(body) = value.get(kind) else {
                        continue;
                    };
                    if let Some(cpus) = body.get("cpus") {
                        let what = format!("deploy.resources.{kind}.cpus");
                        let read = read_cpus(cpus, &what, reader);
                        set_once(cpu, read);
                    }
                    if let Some(node) = body.get("memory") {
                        let what = format!("deploy.resources.{kind}.memory");
                        // compose wants a string here (`512m`), unlike `mem_limit`
                        let read = if matches!(node.value, Value::String(_)) {
                            read_bytes(node, &what, reader)
                        } else {
                            reader.type_error(node, &what, "a string such as `512m`");
                            None
                        };
                        set_once(memory, read);
                    }
                }
            }
            "restart_policy" | "update_config" | "rollback_config" | "placement" | "labels"
            | "mode" | "endpoint_mode" => {
                reader.diagnostics.push(
                    Diagnostic::warning(
                        "key-not-carried",
                        format!(
                            "`deploy.{}` is not carried over: it is a Swarm setting",
                            key.value
                        ),
                    )
                    .at(key.span)
                    .help("set the equivalent on the Deployment by hand if you need it"),
                );
            }
            _ => reader.diagnostics.push(
                Diagnostic::warning(
                    "key-unknown",
                    format!("unknown `deploy` key `{}`", key.value),
                )
                .at(key.span),
            ),
        }
    }
}

fn one_or_list(node: &Node, what: &str, reader: &mut Reader<'_>) -> Vec<String> {
    match &node.value {
        Value::Seq(_) => reader
            .string_list(node, what)
            .into_iter()
            .map(|v| v.value)
            .collect(),
        _ => reader
            .string(node, what)
            .map(|v| vec![v.value])
            .unwrap_or_default(),
    }
}
