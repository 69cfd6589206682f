//! One compose service, typed.

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::Context;
use crate::model::capability::read_capabilities;
use crate::model::dependency::read_depends_on;
use crate::model::environment::{Variable, read_env_files, read_environment};
use crate::model::from_image::FromImage;
use crate::model::healthcheck::{HealthSetting, Healthcheck, read_health_setting};
use crate::model::hosts::{read_extra_hosts, read_links};
use crate::model::image::PullPolicy;
use crate::model::keys::SERVICE_KEYS;
use crate::model::labels::read_label_files;
use crate::model::network::{ServiceNetwork, parse_network_mode, read_service_networks};
use crate::model::port::{Port, read_expose, read_ports};
use crate::model::process::{
    Hook, Namespaces, SecurityOpt, parse_namespace, parse_security_opt, read_hooks,
};
use crate::model::read::Reader;
use crate::model::report_key;
use crate::model::resources::{
    check_requests_within_limits, check_resource_pairs, cpu_from_cfs, read_bytes, read_count,
    read_cpus, read_deploy, read_memory, set_once,
};
use crate::model::restart::read_restart;
use crate::model::volume::{FileUse, Mount, read_file_uses, read_mounts, read_tmpfs};
use crate::source::{Located, Span};

pub use crate::model::dependency::{Condition, Dependency};
pub use crate::model::hosts::{ExtraHost, Link};
pub use crate::model::network::NetworkMode;
pub use crate::model::resources::Resources;
pub use crate::model::restart::Restart;

/// A compose service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The key under `services:`.
    pub name: Located<String>,
    /// `image`.
    pub image: Option<Located<String>>,
    /// `platform` (`linux/arm64`): read for `--inspect-images` only, to
    /// resolve a multi-architecture image; still reported as not carried.
    pub platform: Option<Located<String>>,
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
    /// `healthcheck` (absent when disabled); with `--inspect-images`, the
    /// image's `HEALTHCHECK` where compose leaves it (see [`FromImage`]).
    pub healthcheck: Option<Healthcheck>,
    /// `healthcheck` as written, each field only when set (an image's
    /// `HEALTHCHECK` fills the rest).
    pub health_setting: Option<HealthSetting>,
    /// What `--inspect-images` carried from the image; `None` when it was
    /// not inspected.
    pub from_image: Option<FromImage>,
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
    /// Where `provider` was written: compose runs a provider binary for the
    /// service instead of a container.
    pub provider: Option<Span>,
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
    /// `x-podlift.health-probe`: what its health check becomes (wins over `--health-probe`).
    pub health_probe: Option<Located<crate::model::healthcheck::HealthProbe>>,
    /// `x-podlift.wait`: whether, and how long, its Pod waits for `depends_on`
    /// targets that run in other Pods.
    pub wait: Option<Located<crate::model::Wait>>,
    /// `x-podlift.allow`: warning codes the team accepted for this service.
    pub allow: Vec<Located<String>>,
    /// `x-podlift.bind-as`: what its writable bind mounts become (wins over `--bind-as`).
    pub bind_as: Option<Located<crate::model::volume::BindChoice>>,
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
    /// `cap_add`, as Kubernetes spells them (`NET_RAW`, `ALL`).
    pub cap_add: Vec<String>,
    /// `cap_drop`, as Kubernetes spells them.
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

impl Service {
    /// Reads one service definition.
    #[allow(clippy::too_many_lines)] // one arm per compose key
    pub(crate) fn read(
        name: Located<String>,
        body: &Node,
        context: &Context,
        reader: &mut Reader<'_>,
    ) -> Self {
        let mut service = Self {
            name,
            image: None,
            platform: None,
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
            health_setting: None,
            from_image: None,
            mounts: Vec::new(),
            secrets: Vec::new(),
            configs: Vec::new(),
            security: Security::default(),
            resources: Resources::default(),
            replicas: None,
            pod: PodSettings::default(),
            pull_policy: None,
            build: None,
            provider: None,
            group: None,
            volumes_from: Vec::new(),
            labels: Vec::new(),
            captured_env: Vec::new(),
            startup_timeout: None,
            health_probe: None,
            wait: None,
            allow: Vec::new(),
            bind_as: None,
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
                // the plan says it cannot be carried (`provider-service`)
                "provider" => service.provider = Some(key.span),
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
                "env_file" => env_files = read_env_files(value, context, reader),
                "ports" => service.ports = read_ports(value, reader),
                "expose" => service.expose = read_expose(value, reader),
                "healthcheck" => {
                    service.health_setting = read_health_setting(value, reader);
                    service.healthcheck = service
                        .health_setting
                        .as_ref()
                        .and_then(HealthSetting::check);
                }
                "volumes" => {
                    service.mounts.extend(read_mounts(value, context, reader));
                }
                "tmpfs" => service.mounts.extend(read_tmpfs(value, reader)),
                "secrets" => service.secrets = read_file_uses(value, "secrets", reader),
                "configs" => service.configs = read_file_uses(value, "configs", reader),
                "user" => service.security.user = reader.string(value, "user"),
                "working_dir" => {
                    service.security.working_dir =
                        reader.string(value, "working_dir").map(|w| w.value);
                }
                "cap_add" => service.security.cap_add = read_capabilities(value, "cap_add", reader),
                "cap_drop" => {
                    service.security.cap_drop = read_capabilities(value, "cap_drop", reader);
                }
                "privileged" => service.security.privileged = flag(value, "privileged", reader),
                "read_only" => service.security.read_only = flag(value, "read_only", reader),
                "tty" => service.security.tty = flag(value, "tty", reader),
                "stdin_open" => service.security.stdin_open = flag(value, "stdin_open", reader),
                "mem_limit" => {
                    let limit = read_memory(value, "mem_limit", reader);
                    set_once(&mut service.resources.memory_limit, limit);
                }
                "mem_reservation" => {
                    let request = read_memory(value, "mem_reservation", reader);
                    set_once(&mut service.resources.memory_request, request);
                }
                "cpus" => {
                    let limit = read_cpus(value, "cpus", reader);
                    set_once(&mut service.resources.cpu_limit, limit);
                }
                "scale" => service.replicas = read_count(value, "scale", reader),
                "deploy" => read_deploy(value, &mut service, reader),
                _ => {
                    if key.value == "platform" {
                        service.platform = reader.string(value, "platform");
                    }
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
        cpu_from_cfs(
            &mut service.resources,
            cpu_shares,
            cpu_quota,
            cpu_period,
            reader,
        );
        check_resource_pairs(body, reader);
        check_requests_within_limits(body, reader);
        service
    }
}

/// podlift's keys under a service's `x-podlift`.
const EXTENSION_KEYS: &[(&str, crate::model::keys::Support)] = &[
    ("group", crate::model::keys::Support::Mapped),
    ("startup-timeout", crate::model::keys::Support::Mapped),
    ("health-probe", crate::model::keys::Support::Mapped),
    ("allow", crate::model::keys::Support::Mapped),
    ("wait", crate::model::keys::Support::Mapped),
    ("bind-as", crate::model::keys::Support::Mapped),
];

/// Reads a service's `x-podlift`: `group`, `startup-timeout`, `health-probe`, `allow`, `wait`, `bind-as`.
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
            "allow" => service.allow = reader.string_list(value, "x-podlift.allow"),
            "wait" => service.wait = crate::model::dependency::read_wait(value, reader),
            "bind-as" => service.bind_as = crate::model::volume::read_bind_choice(value, reader),
            "health-probe" => {
                service.health_probe = crate::model::healthcheck::read_health_probe(value, reader);
            }
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
            _ => crate::model::keys::report_extension_key(
                &key,
                EXTENSION_KEYS,
                "`x-podlift`",
                reader,
            ),
        }
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
            read_memory(value, key, reader);
        }
        "devices" => check_devices(value, reader),
        _ => {}
    }
}

/// `devices` is not carried, but compose refuses a short-syntax device of
/// more than three parts (`confusing device mapping`).
fn check_devices(node: &Node, reader: &mut Reader<'_>) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    for item in items {
        let Value::String(text) = &item.value else {
            continue;
        };
        if text.split(':').count() > 3 {
            reader.diagnostics.push(
                Diagnostic::error(
                    "device-invalid",
                    format!("`devices` item `{text}` has more than three parts"),
                )
                .at(item.span)
                .help("write `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`, or the long syntax with `source`, `target` and `permissions`"),
            );
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
