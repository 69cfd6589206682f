//! Reading one service definition: one reader per area of keys, each
//! taking the keys of its area and leaving the others.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::Context;
use crate::model::capability::read_capabilities;
use crate::model::command_secret;
use crate::model::dependency::read_depends_on;
use crate::model::environment::{Variable, read_env_files, read_environment};
use crate::model::healthcheck::{HealthSetting, read_health_setting};
use crate::model::hosts::{read_extra_hosts, read_links};
use crate::model::image::read_pull_policy;
use crate::model::key_value::{KeyValue, read_key_values};
use crate::model::keys::SERVICE_KEYS;
use crate::model::labels::read_label_files;
use crate::model::network::{parse_network_mode, read_service_networks};
use crate::model::port::{read_expose, read_ports};
use crate::model::process::{Namespaces, parse_namespace, parse_security_opt, read_hooks};
use crate::model::read::Reader;
use crate::model::report_key;
use crate::model::resources::{
    Resources, check_requests_within_limits, check_resource_pairs, cpu_from_cfs, read_bytes,
    read_count, read_cpus, read_deploy, read_memory, set_once,
};
use crate::model::restart::read_restart;
use crate::model::service::key::{Key, report_untexted};
use crate::model::service::{PodSettings, Security, Service};
use crate::model::volume::{VolumesFrom, check_targets, read_file_uses, read_mounts, read_tmpfs};
use crate::source::Located;

/// What the keys of a service give only together, once all are read.
#[derive(Default)]
struct Later<'a> {
    /// `env_file`, read once `environment` is known (compose looks its
    /// `${VAR}` up in the service's environment).
    env_file: Option<&'a Node>,
    /// `label_file`'s labels (`labels` wins over them).
    label_files: Vec<Located<String>>,
    /// `env_file`'s variables (`environment` wins over them).
    env_files: Vec<Variable>,
    /// `environment`.
    environment: Vec<Variable>,
    /// `cpu_shares`, `cpu_quota`, `cpu_period`.
    cpu_shares: Option<Located<i64>>,
    cpu_quota: Option<Located<i64>>,
    cpu_period: Option<Located<i64>>,
}

/// One key of a service: its name and its value.
type Entry<'k, 'a> = (Key<'k>, &'a Node);

impl Service {
    /// Reads one service definition.
    pub(crate) fn read(
        name: Located<String>,
        body: &Node,
        context: &Context,
        reader: &mut Reader<'_>,
    ) -> Self {
        let mut service = Self::empty(name);
        let mut later = Later::default();
        if matches!(body.value, Value::Null) {
            return service;
        }
        let what = || format!("services.{}", service.name.value);
        let Some(entries) = body.as_map() else {
            reader.type_error(body, &what(), "a mapping");
            return service;
        };
        report_untexted(entries, &what, reader);
        for (key, value) in entries {
            let mut text = None;
            let Some(key) = Key::of(key, &mut text) else {
                continue;
            };
            let entry = (key, value);
            let known = service.read_process(entry, reader)
                || service.read_security(entry, reader)
                || service.read_pod(entry, reader)
                || service.read_connections(entry, reader)
                || service.read_storage(entry, context, reader)
                || service.read_resources(entry, &mut later, reader)
                || service.read_metadata(entry, context, &mut later, reader);
            if !known {
                service.read_other(entry, reader);
            }
        }
        if let Some(node) = later.env_file.take() {
            later.env_files = read_env_files(node, context, &later.environment, reader);
        }
        service.finish(later, body, reader);
        service.command_credentials =
            command_secret::read(&service, body, context.host.tally(), reader);
        check_targets(&service.mounts, &service.name.value, reader);
        service
    }

    /// A service with nothing set but its name.
    fn empty(name: Located<String>) -> Self {
        Self {
            name,
            image: None,
            platform: None,
            command: None,
            entrypoint: None,
            command_credentials: Vec::new(),
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
            expose_written: Vec::new(),
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
            pull_policy_written: None,
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
        }
    }

    /// What the container runs: `image`, `command`, `entrypoint`, names,
    /// `pull_policy`, `build`, `healthcheck`, hooks. `false`: not one of these.
    fn read_process(&mut self, (key, value): Entry<'_, '_>, reader: &mut Reader<'_>) -> bool {
        match key.value {
            "image" => self.read_image(value, reader),
            "command" => self.command = reader.command(value, "command"),
            "entrypoint" => self.entrypoint = reader.command(value, "entrypoint"),
            "container_name" => {
                self.container_name = reader
                    .text(value, "container_name")
                    .filter(|name| container_name_fits(name, reader));
            }
            "hostname" => self.hostname = reader.text(value, "hostname"),
            "pull_policy" => {
                (self.pull_policy, self.pull_policy_written) = read_pull_policy(value, reader);
            }
            "build" => self.build = Some(key.span),
            // the plan says it cannot be carried (`provider-service`)
            "provider" => self.provider = Some(key.span),
            "healthcheck" => {
                self.health_setting = read_health_setting(value, reader);
                self.healthcheck = self.health_setting.as_ref().and_then(HealthSetting::check);
            }
            "post_start" => self.post_start = read_hooks(value, "post_start", reader),
            "pre_stop" => self.pre_stop = read_hooks(value, "pre_stop", reader),
            _ => return false,
        }
        true
    }

    /// `image`, and the error when it is not an image reference.
    fn read_image(&mut self, value: &Node, reader: &mut Reader<'_>) {
        self.image = reader.string(value, "image");
        if let Some(image) = &self.image
            && !image.value.trim().is_empty()
            && let Some(problem) = reader.image_problem(&image.value)
        {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::ImageInvalid,
                    format!("`{}` is not an image reference: {problem}", image.value),
                )
                .at(image.span)
                .help("write `NAME[:TAG][@DIGEST]`, e.g. `nginx:1.27`; check the variables the reference uses"),
            );
        }
    }

    /// User, privileges and namespaces. `false`: not one of these.
    fn read_security(&mut self, (key, value): Entry<'_, '_>, reader: &mut Reader<'_>) -> bool {
        let security = &mut self.security;
        match key.value {
            "user" => security.user = reader.text(value, "user"),
            "working_dir" => {
                security.working_dir = reader.text(value, "working_dir").map(|w| w.value);
            }
            "cap_add" => {
                (security.cap_add, security.caps_written[0]) =
                    read_capabilities(value, "cap_add", reader);
            }
            "cap_drop" => {
                (security.cap_drop, security.caps_written[1]) =
                    read_capabilities(value, "cap_drop", reader);
            }
            "privileged" => security.privileged = flag(value, "privileged", reader),
            "read_only" => security.read_only = flag(value, "read_only", reader),
            "tty" => security.tty = flag(value, "tty", reader),
            "stdin_open" => security.stdin_open = flag(value, "stdin_open", reader),
            "security_opt" => {
                let written = reader.string_list(value, "security_opt");
                security.options = written
                    .iter()
                    .map(|o| Located::new(parse_security_opt(&o.value), o.span))
                    .collect();
                security.options_written = written.into_iter().map(|o| o.value).collect();
            }
            "group_add" => security.group_add = reader.string_list(value, "group_add"),
            "pid" | "ipc" | "uts" | "userns_mode" => {
                // compose takes `pid: null` (no PID namespace asked for)
                let unset = key.value == "pid" && matches!(value.value, Value::Null);
                let mode = (!unset)
                    .then(|| reader.string(value, key.value))
                    .flatten()
                    .map(|m| Located::new(parse_namespace(&m.value), m.span));
                let slot = match key.value {
                    "pid" => &mut self.namespaces.pid,
                    "ipc" => &mut self.namespaces.ipc,
                    "uts" => &mut self.namespaces.uts,
                    _ => &mut self.namespaces.userns,
                };
                *slot = mode;
            }
            _ => return false,
        }
        true
    }

    /// Settings Kubernetes has once per Pod, and `shm_size`. `false`: not
    /// one of these.
    fn read_pod(&mut self, (key, value): Entry<'_, '_>, reader: &mut Reader<'_>) -> bool {
        let pod = &mut self.pod;
        let list = |what, reader: &mut Reader<'_>| {
            Some(Located::new(one_or_list(value, what, reader), value.span))
        };
        match key.value {
            "dns" => pod.dns = list("dns", reader),
            "dns_search" => pod.dns_search = list("dns_search", reader),
            "dns_opt" => pod.dns_opt = list("dns_opt", reader),
            "sysctls" => {
                let entries = read_key_values(value, "sysctls", reader)
                    .into_iter()
                    .map(|e| e.value)
                    .collect();
                pod.sysctls = Some(Located::new(entries, value.span));
            }
            "stop_grace_period" => {
                pod.stop_grace_period = reader.duration(value, "stop_grace_period");
            }
            "shm_size" => {
                // `0` (or under a byte) is no size, as compose reads it:
                // the runtime's own /dev/shm
                self.shm_size = read_bytes(value, "shm_size", reader)
                    .filter(|b| *b > 0)
                    .map(|b| Located::new(b, value.span));
            }
            _ => return false,
        }
        true
    }

    /// Networks, names and ports others reach it by, start order, restarts.
    /// `false`: not one of these.
    fn read_connections(&mut self, (key, value): Entry<'_, '_>, reader: &mut Reader<'_>) -> bool {
        match key.value {
            "networks" => self.networks = read_service_networks(value, reader),
            "network_mode" => {
                self.network_mode = reader
                    .string(value, "network_mode")
                    .map(|m| Located::new(parse_network_mode(&m.value), m.span));
            }
            "depends_on" => self.depends_on = read_depends_on(value, reader),
            "links" => self.links = read_links(value, reader),
            "extra_hosts" => self.extra_hosts = read_extra_hosts(value, reader),
            "restart" => self.restart = read_restart(value, reader),
            "ports" => self.ports = read_ports(value, reader),
            "expose" => (self.expose, self.expose_written) = read_expose(value, reader),
            _ => return false,
        }
        true
    }

    /// Mounts, `secrets`, `configs`, `volumes_from`. `false`: not one of these.
    fn read_storage(
        &mut self,
        (key, value): Entry<'_, '_>,
        context: &Context,
        reader: &mut Reader<'_>,
    ) -> bool {
        match key.value {
            "volumes" => self.mounts.extend(read_mounts(value, context, reader)),
            "tmpfs" => self.mounts.extend(read_tmpfs(value, reader)),
            "secrets" => self.secrets = read_file_uses(value, "secrets", reader),
            "configs" => self.configs = read_file_uses(value, "configs", reader),
            "volumes_from" => {
                self.volumes_from = reader
                    .string_list(value, "volumes_from")
                    .into_iter()
                    .map(|entry| Located::new(VolumesFrom::parse(&entry.value), entry.span))
                    .collect();
            }
            _ => return false,
        }
        true
    }

    /// Memory, CPUs and replicas (`cpu_*` are read here, combined at the
    /// end). `false`: not one of these.
    fn read_resources(
        &mut self,
        (key, value): Entry<'_, '_>,
        later: &mut Later<'_>,
        reader: &mut Reader<'_>,
    ) -> bool {
        let resources = &mut self.resources;
        match key.value {
            "cpu_shares" => later.cpu_shares = reader.integer(value, "cpu_shares", i64::MIN),
            "cpu_quota" => later.cpu_quota = reader.integer(value, "cpu_quota", i64::MIN),
            "cpu_period" => later.cpu_period = reader.integer(value, "cpu_period", i64::MIN),
            "mem_limit" => {
                let limit = read_memory(value, "mem_limit", reader);
                set_once(&mut resources.memory_limit, limit);
            }
            "mem_reservation" => {
                let request = read_memory(value, "mem_reservation", reader);
                set_once(&mut resources.memory_request, request);
            }
            "cpus" => {
                let limit = read_cpus(value, "cpus", reader);
                set_once(&mut resources.cpu_limit, limit);
            }
            "scale" => self.replicas = read_count(value, "scale", reader),
            "deploy" => read_deploy(value, self, reader),
            _ => return false,
        }
        true
    }

    /// Environment, labels, annotations and `x-podlift` (`env_file` and
    /// `label_file` are combined at the end). `false`: not one of these.
    fn read_metadata<'a>(
        &mut self,
        (key, value): Entry<'_, 'a>,
        context: &Context,
        later: &mut Later<'a>,
        reader: &mut Reader<'_>,
    ) -> bool {
        match key.value {
            "environment" => {
                later.environment =
                    read_environment(value, &context.variables, &mut self.captured_env, reader);
            }
            "env_file" => later.env_file = Some(value),
            "labels" => self.labels = read_key_values(value, "labels", reader),
            "label_file" => later.label_files = read_label_files(value, context, reader),
            "annotations" => self.annotations = read_key_values(value, "annotations", reader),
            "x-podlift" => read_extension(value, self, reader),
            _ => return false,
        }
        true
    }

    /// A key podlift does not carry (`platform` is read for
    /// `--inspect-images`): checked as compose checks it, and reported.
    fn read_other(&mut self, (key, value): Entry<'_, '_>, reader: &mut Reader<'_>) {
        if key.value == "platform" {
            self.platform = reader.string(value, "platform");
        }
        check_unmapped(key.value, value, reader);
        report_key(
            &Located::new(key.value.to_string(), key.span),
            SERVICE_KEYS,
            "service",
            reader,
        );
    }

    /// What the keys give together: the environment (`env_file` first),
    /// labels (`label_file` first), CPUs from `cpu_*`, and the checks
    /// across resource keys.
    fn finish(&mut self, later: Later<'_>, body: &Node, reader: &mut Reader<'_>) {
        let Later {
            label_files,
            env_files,
            environment,
            cpu_shares,
            cpu_quota,
            cpu_period,
            env_file: _,
        } = later;
        self.environment = env_files;
        self.environment.extend(environment);
        // compose reads `label_file` first; `labels` wins over it.
        if !label_files.is_empty() {
            let mut labels: Vec<Located<KeyValue>> = label_files
                .into_iter()
                .map(|l| Located::new(KeyValue::parse(&l.value), l.span))
                .filter(|l| !self.labels.iter().any(|w| w.value.key == l.value.key))
                .collect();
            labels.append(&mut self.labels);
            self.labels = labels;
        }
        cpu_from_cfs(
            &mut self.resources,
            cpu_shares,
            cpu_quota,
            cpu_period,
            reader,
        );
        // a service without any of their keys (most) has nothing to compare
        let entries = body.as_map().unwrap_or_default();
        if (entries.iter()).any(|(key, _)| COMPARED.iter().any(|k| key.scalar_is(k))) {
            check_resource_pairs(body, reader);
            check_requests_within_limits(body, reader);
        }
    }
}

/// The keys `check_resource_pairs` and `check_requests_within_limits` read:
/// each compares values a service writes at two places.
const COMPARED: [&str; 5] = [
    "cpus",
    "mem_limit",
    "mem_reservation",
    "pids_limit",
    "deploy",
];

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
                            Code::DurationInvalid,
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
                    Code::DeviceInvalid,
                    format!("`devices` item `{text}` has more than three parts"),
                )
                .at(item.span)
                .help("write `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`, or the long syntax with `source`, `target` and `permissions`"),
            );
        }
    }
}

/// Whether `container_name` holds what compose's schema asks for: its
/// pattern `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, which is not anchored, so a letter
/// or digit followed by a letter, digit, `_`, `.` or `-` anywhere; compose
/// refuses `""`, `a`, `-x`, `a b`. An error otherwise.
fn container_name_fits(name: &Located<String>, reader: &mut Reader<'_>) -> bool {
    let bytes = name.value.as_bytes();
    let fits = bytes.windows(2).any(|pair| {
        matches!(pair, [first, second] if first.is_ascii_alphanumeric()
            && (second.is_ascii_alphanumeric() || matches!(second, b'_' | b'.' | b'-')))
    });
    if !fits {
        reader.diagnostics.push(
            Diagnostic::error(
                Code::Type,
                format!(
                    "`container_name` `{}` is no container name compose accepts: it needs a letter or digit followed by a letter, digit, `_`, `.` or `-`",
                    name.value
                ),
            )
            .at(name.span)
            .help("write a name such as `app-db` (letters, digits, `_`, `.`, `-`), or remove the key"),
        );
    }
    fits
}

/// `dns`, `dns_search`, `dns_opt`: text, or a list of text (a number or
/// a boolean is refused, as compose refuses it).
fn one_or_list(node: &Node, what: &str, reader: &mut Reader<'_>) -> Vec<String> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| reader.text(item, &format!("{what} item")))
            .map(|v| v.value)
            .collect(),
        _ => reader
            .text(node, what)
            .map(|v| vec![v.value])
            .unwrap_or_default(),
    }
}
