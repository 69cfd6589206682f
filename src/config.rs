//! `podlift config`: the loaded project in the canonical form `docker compose
//! config` prints — ports and volumes in long syntax, `environment` and
//! `labels` as maps, `depends_on` as a map with conditions, networks as a
//! map, durations and byte sizes as compose writes them.
//!
//! Input: the [`Document`] the load stage made (interpolated, merged,
//! `extends` and `include` resolved, profiles applied). Output: a JSON value.
//! Scalars are read with the model's readers ([`crate::model::read`]), so
//! what this prints is what the model reads; a value they cannot read is
//! copied as written (the model reports it as an error, and `config` then
//! prints nothing).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::diagnostic::Diagnostics;
use crate::load::Document;
use crate::load::paths::normalize;
use crate::load::yaml::{Node, Value};
use crate::model::environment::read_env_files;
use crate::model::read::{Reader, parse_bool, parse_float, parse_integer, string_value};
use crate::model::units::{format_duration, parse_bytes, parse_duration};

/// What the canonical form needs besides the document.
#[derive(Clone, Debug, Default)]
pub struct ConfigContext {
    /// The project name, as the model resolves it.
    pub name: String,
    /// The process environment (`environment: [NAME]`, `~` in paths).
    pub variables: BTreeMap<String, String>,
    /// Whether `${VAR}` was interpolated (then a literal `$` prints as `$$`).
    pub interpolated: bool,
}

/// The project in canonical form.
#[must_use]
pub fn canonical(document: &Document, context: &ConfigContext) -> Json {
    let canon = Canon {
        dir: &document.project_dir,
        context,
    };
    let mut out = Map::new();
    out.insert("name".into(), Json::String(context.name.clone()));
    let mut used = Used::default();
    if let Some(services) = document.root.get("services").and_then(Node::as_map) {
        let mut map = Map::new();
        for (key, body) in services {
            let Some(name) = key.scalar() else { continue };
            map.insert(name, canon.service(body, &mut used));
        }
        out.insert("services".into(), Json::Object(map));
    }
    for (kind, names) in [
        ("networks", &used.networks),
        ("volumes", &used.volumes),
        ("secrets", &used.secrets),
        ("configs", &used.configs),
    ] {
        // by name: a lookup per use would make a large project quadratic
        let declared: std::collections::HashMap<String, &Node> = document
            .root
            .get(kind)
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.scalar()?, v)))
            .collect();
        let mut map = Map::new();
        for name in names {
            let body = declared.get(name).copied();
            if body.is_none() && !(kind == "networks" && name == "default") {
                continue;
            }
            map.insert(name.clone(), canon.resource(kind, name, body));
        }
        if !map.is_empty() {
            out.insert(kind.into(), Json::Object(map));
        }
    }
    if let Some(entries) = document.root.as_map() {
        for (key, value) in entries {
            if let Some(k) = key.as_str().filter(|k| k.starts_with("x-")) {
                out.insert(k.to_string(), plain(value));
            }
        }
    }
    let mut out = Json::Object(out);
    if context.interpolated {
        escape_dollars(&mut out);
    }
    out
}

/// `false` and `""`, which compose does not print.
fn is_empty_scalar(value: &Json) -> bool {
    matches!(value, Json::Bool(false)) || value.as_str() == Some("")
}

/// compose writes a literal `$` as `$$`, so that its output reads back the
/// same; keys are left alone.
fn escape_dollars(value: &mut Json) {
    match value {
        Json::String(text) if text.contains('$') => *text = text.replace('$', "$$"),
        Json::Array(items) => items.iter_mut().for_each(escape_dollars),
        Json::Object(map) => map.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

/// The top-level resources the services use (compose prints only those).
#[derive(Default)]
struct Used {
    networks: BTreeSet<String>,
    volumes: BTreeSet<String>,
    secrets: BTreeSet<String>,
    configs: BTreeSet<String>,
}

struct Canon<'a> {
    dir: &'a Path,
    context: &'a ConfigContext,
}

impl Canon<'_> {
    #[allow(clippy::too_many_lines)] // one arm per compose key
    fn service(&self, body: &Node, used: &mut Used) -> Json {
        let mut out = Map::new();
        out.insert("command".into(), Json::Null);
        out.insert("entrypoint".into(), Json::Null);
        let Some(entries) = body.as_map() else {
            return Json::Object(out);
        };
        let mut environment: Option<Map<String, Json>> = None;
        let mut env_files: Vec<(String, Json)> = Vec::new();
        let mut label_files: Vec<(String, Json)> = Vec::new();
        for (key, value) in entries {
            let Some(key) = key.scalar() else { continue };
            let canonical = match key.as_str() {
                "command" | "entrypoint" => command(value),
                "environment" => {
                    environment = Some(self.environment(value));
                    continue;
                }
                "env_file" => {
                    env_files = self.env_file(value);
                    continue;
                }
                "labels" | "annotations" | "sysctls" => string_map(value, "", false),
                "extra_hosts" => extra_hosts(value),
                "dns" | "dns_search" | "tmpfs" | "dns_opt" => one_or_list(value),
                "expose" => list_of(value, |n| n.scalar().map_or_else(|| plain(n), Json::String)),
                "ports" => ports(value),
                "volumes" => self.volumes(value, used),
                "secrets" => file_uses(value, true, &mut used.secrets),
                "configs" => file_uses(value, false, &mut used.configs),
                "depends_on" => depends_on(value),
                "healthcheck" => healthcheck(value),
                "post_start" | "pre_stop" => hooks(value),
                "networks" => {
                    let networks = service_networks(value);
                    if let Json::Object(map) = &networks {
                        used.networks.extend(map.keys().cloned());
                    }
                    networks
                }
                "build" => self.build(value),
                "deploy" => deploy(value),
                "devices" => list_of(value, device),
                "logging" => logging(value),
                "ulimits" => plain_numbers(value),
                "privileged" | "read_only" | "tty" | "stdin_open" | "init" | "oom_kill_disable"
                | "attach" | "use_api_socket" => boolean(value),
                "cpus" | "cpu_percent" => float(value),
                "cpu_count" | "cpu_period" | "cpu_quota" | "cpu_rt_period" | "cpu_rt_runtime"
                | "cpu_shares" | "oom_score_adj" | "pids_limit" | "scale" => integer(value),
                "mem_limit" | "mem_reservation" | "memswap_limit" | "shm_size"
                | "mem_swappiness" => bytes(value),
                "gpus" => match value.as_str() {
                    // `all` is every GPU: compose writes it as a count of -1
                    Some("all") => serde_json::json!([{"count": -1}]),
                    _ => plain(value),
                },
                "develop" => self.develop(value),
                "label_file" => {
                    label_files.extend(self.label_files(value));
                    continue;
                }
                "stop_grace_period" => duration(value),
                "profiles" | "cap_add" | "cap_drop" | "links" | "security_opt" | "group_add"
                | "volumes_from" | "external_links" => {
                    list_of(value, |n| n.scalar().map_or_else(|| plain(n), Json::String))
                }
                k if k.starts_with("x-") => continue,
                "image" | "container_name" | "hostname" | "user" | "working_dir" | "restart"
                | "network_mode" | "pull_policy" | "platform" | "domainname" | "ipc" | "pid"
                | "stop_signal" | "userns_mode" | "uts" | "cgroup" | "cgroup_parent"
                | "isolation" | "mac_address" | "runtime" => {
                    value.scalar().map_or_else(|| plain(value), Json::String)
                }
                _ => plain(value),
            };
            out.insert(key, canonical);
        }
        if !env_files.is_empty() || environment.is_some() {
            let mut merged: Map<String, Json> = env_files.into_iter().collect();
            merged.extend(environment.unwrap_or_default());
            out.insert("environment".into(), Json::Object(merged));
        }
        if !label_files.is_empty() {
            let mut labels: Map<String, Json> = label_files.into_iter().collect();
            if let Some(Json::Object(written)) = out.remove("labels") {
                labels.extend(written);
            }
            out.insert("labels".into(), Json::Object(labels));
        }
        implicit_dependencies(&mut out);
        if let (Some(scale), Some(Json::Object(deploy))) =
            (out.get("scale").cloned(), out.get_mut("deploy"))
        {
            deploy.entry("replicas").or_insert(scale);
        }
        // compose leaves out what is false or empty
        // (`init` and `attach` are pointers in compose's model: `false` stays)
        out.retain(|k, v| k == "init" || k == "attach" || !is_empty_scalar(v));
        if !out.contains_key("networks") && !out.contains_key("network_mode") {
            let mut default = Map::new();
            default.insert("default".into(), Json::Null);
            out.insert("networks".into(), Json::Object(default));
            used.networks.insert("default".into());
        }
        Json::Object(out)
    }

    fn environment(&self, node: &Node) -> Map<String, Json> {
        let mut out = Map::new();
        let lookup = |name: &str| {
            self.context
                .variables
                .get(name)
                .map_or(Json::Null, |v| Json::String(v.clone()))
        };
        match &node.value {
            Value::Seq(items) => {
                for item in items {
                    let Some(text) = item.scalar() else { continue };
                    match text.split_once('=') {
                        Some((name, value)) => {
                            out.insert(name.to_string(), Json::String(value.to_string()));
                        }
                        None => {
                            out.insert(text.clone(), lookup(&text));
                        }
                    }
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(name) = key.scalar() else { continue };
                    let value = match &value.value {
                        Value::Null => lookup(&name),
                        _ => string_value(value).map_or(Json::Null, Json::String),
                    };
                    out.insert(name, value);
                }
            }
            _ => {}
        }
        out
    }

    fn env_file(&self, node: &Node) -> Vec<(String, Json)> {
        let mut scratch = Diagnostics::default();
        let mut reader = Reader {
            diagnostics: &mut scratch,
        };
        read_env_files(node, self.dir, &self.context.variables, &mut reader)
            .into_iter()
            .map(|v| (v.name, Json::String(v.value)))
            .collect()
    }

    fn path(&self, text: &str) -> String {
        let windows = text.as_bytes().get(1) == Some(&b':')
            && text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
        if text.starts_with('/') || windows {
            return text.to_string();
        }
        let path = if let Some(rest) = text.strip_prefix('~') {
            let home = self
                .context
                .variables
                .get("HOME")
                .cloned()
                .unwrap_or_default();
            PathBuf::from(format!("{home}{rest}"))
        } else {
            self.dir.join(text)
        };
        normalize(&path).to_string_lossy().into_owned()
    }

    /// `label_file`: `KEY=VALUE` lines; the service's `labels` win.
    fn label_files(&self, node: &Node) -> Vec<(String, Json)> {
        let files: Vec<String> = match &node.value {
            Value::Seq(items) => items.iter().filter_map(Node::scalar).collect(),
            _ => node.scalar().into_iter().collect(),
        };
        let mut out = Vec::new();
        for file in files {
            let Ok(text) = std::fs::read_to_string(self.dir.join(&file)) else {
                continue;
            };
            if let Ok(pairs) = crate::load::dotenv::parse_env_file(&text, &self.context.variables) {
                out.extend(pairs.into_iter().map(|(k, v)| (k, Json::String(v))));
            }
        }
        out
    }

    /// `develop.watch`: paths resolve against the project, and compose
    /// writes an empty `exec` for each rule.
    fn develop(&self, node: &Node) -> Json {
        let mut out = match plain(node) {
            Json::Object(map) => map,
            other => return other,
        };
        if let Some(Json::Array(rules)) = out.get_mut("watch") {
            for rule in rules.iter_mut() {
                let Json::Object(rule) = rule else { continue };
                if let Some(Json::String(path)) = rule.get("path") {
                    let path = self.path(path);
                    rule.insert("path".into(), Json::String(path));
                }
                rule.entry("exec")
                    .or_insert_with(|| serde_json::json!({"command": null}));
            }
        }
        Json::Object(out)
    }

    /// `args`: a name without a value takes it from the environment.
    fn build_args(&self, node: &Node) -> Json {
        let mut out = Map::new();
        let lookup = |name: &str| {
            self.context
                .variables
                .get(name)
                .map_or(Json::Null, |v| Json::String(v.clone()))
        };
        match &node.value {
            Value::Seq(items) => {
                for text in items.iter().filter_map(Node::scalar) {
                    match text.split_once('=') {
                        Some((k, v)) => out.insert(k.to_string(), Json::String(v.to_string())),
                        None => match lookup(&text) {
                            Json::Null => None,
                            value => out.insert(text.clone(), value),
                        },
                    };
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(key) = key.scalar() else { continue };
                    let value = match value.value {
                        Value::Null => lookup(&key),
                        _ => string_value(value).map_or_else(|| plain(value), Json::String),
                    };
                    if !value.is_null() {
                        out.insert(key, value);
                    }
                }
            }
            _ => return plain(node),
        }
        Json::Object(out)
    }

    fn build(&self, node: &Node) -> Json {
        let mut out = Map::new();
        match &node.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(key) = key.scalar() else { continue };
                    let canonical = match key.as_str() {
                        "context" => match value.scalar() {
                            Some(c) if c.contains("://") || c.starts_with("git@") => {
                                Json::String(c)
                            }
                            Some(c) => Json::String(self.path(&c)),
                            None => plain(value),
                        },
                        "args" => self.build_args(value),
                        "labels" => string_map(value, "", true),
                        _ => plain(value),
                    };
                    out.insert(key, canonical);
                }
            }
            _ => {
                if let Some(context) = node.scalar() {
                    out.insert("context".into(), Json::String(self.path(&context)));
                }
            }
        }
        out.entry("context")
            .or_insert_with(|| Json::String(self.path(".")));
        if !out.contains_key("dockerfile_inline") {
            out.entry("dockerfile")
                .or_insert_with(|| Json::String("Dockerfile".into()));
        }
        Json::Object(out)
    }

    fn volumes(&self, node: &Node, used: &mut Used) -> Json {
        list_of(node, |item| {
            let mount = match &item.value {
                Value::Map(_) => self.long_volume(item),
                _ => match item.scalar() {
                    Some(text) => self.short_volume(&text),
                    None => plain(item),
                },
            };
            if mount.get("type").and_then(Json::as_str) == Some("volume")
                && let Some(source) = mount.get("source").and_then(Json::as_str)
            {
                used.volumes.insert(source.to_string());
            }
            mount
        })
    }

    fn short_volume(&self, text: &str) -> Json {
        let parts = split_volume(text);
        let (source, target, mode) = match parts.as_slice() {
            [target] => (None, *target, None),
            [source, target] => (Some(*source), *target, None),
            [source, target, mode] => (Some(*source), *target, Some(*mode)),
            _ => return Json::String(text.to_string()),
        };
        let mut out = Map::new();
        let bind = source
            .is_some_and(|s| s.starts_with(['.', '/', '~']) || s.as_bytes().get(1) == Some(&b':'));
        let kind = if bind { "bind" } else { "volume" };
        out.insert("type".into(), Json::String(kind.into()));
        if let Some(source) = source {
            let source = if bind {
                self.path(source)
            } else {
                source.to_string()
            };
            out.insert("source".into(), Json::String(source));
        }
        out.insert("target".into(), Json::String(clean_target(target)));
        let mut options = Map::new();
        for option in mode.unwrap_or_default().split(',') {
            match option {
                "ro" => {
                    out.insert("read_only".into(), Json::Bool(true));
                }
                "z" | "Z" if bind => {
                    options.insert("selinux".into(), Json::String(option.into()));
                }
                "nocopy" if !bind => {
                    options.insert("nocopy".into(), Json::Bool(true));
                }
                "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" if bind => {
                    options.insert("propagation".into(), Json::String(option.into()));
                }
                _ => {}
            }
        }
        if bind {
            options.insert("create_host_path".into(), Json::Bool(true));
            out.insert("bind".into(), Json::Object(options));
        } else {
            out.insert("volume".into(), Json::Object(options));
        }
        Json::Object(out)
    }

    fn long_volume(&self, item: &Node) -> Json {
        let mut out = Map::new();
        let kind = item
            .get("type")
            .and_then(Node::scalar)
            .unwrap_or_else(|| "volume".into());
        let bind = kind == "bind";
        for (key, value) in item.as_map().unwrap_or_default() {
            let Some(key) = key.scalar() else { continue };
            let canonical = match key.as_str() {
                "source" if bind => match value.scalar() {
                    Some(s) => Json::String(self.path(&s)),
                    None => plain(value),
                },
                "read_only" => match boolean(value) {
                    Json::Bool(false) => continue,
                    b => b,
                },
                "target" => match value.scalar() {
                    Some(t) => Json::String(clean_target(&t)),
                    None => plain(value),
                },
                "bind" | "volume" | "tmpfs" | "image" => {
                    let mut options = Map::new();
                    for (k, v) in value.as_map().unwrap_or_default() {
                        let Some(k) = k.scalar() else { continue };
                        let canonical = match k.as_str() {
                            "nocopy" | "create_host_path" | "read_only" => match boolean(v) {
                                Json::Bool(false) => continue,
                                b => b,
                            },
                            "size" => bytes(v),
                            "mode" => integer(v),
                            _ => plain(v),
                        };
                        options.insert(k, canonical);
                    }
                    Json::Object(options)
                }
                _ => value.scalar().map_or_else(|| plain(value), Json::String),
            };
            out.insert(key, canonical);
        }
        Json::Object(out)
    }

    fn resource(&self, kind: &str, name: &str, body: Option<&Node>) -> Json {
        let mut out = Map::new();
        let mut external = false;
        let mut real_name = None;
        if let Some(entries) = body.and_then(Node::as_map) {
            for (key, value) in entries {
                let Some(key) = key.scalar() else { continue };
                let canonical = match key.as_str() {
                    "external" => {
                        let value = match &value.value {
                            // compose v1's `external: {name: X}`
                            Value::Map(_) => {
                                real_name = value.get("name").and_then(Node::scalar);
                                Json::Bool(true)
                            }
                            _ => boolean(value),
                        };
                        external = value == Json::Bool(true);
                        if value == Json::Bool(false) {
                            continue;
                        }
                        value
                    }
                    "internal" | "attachable" | "enable_ipv6" | "enable_ipv4" => {
                        match boolean(value) {
                            Json::Bool(false) => continue,
                            b => b,
                        }
                    }
                    "name" => {
                        real_name = value.scalar();
                        continue;
                    }
                    "file" => match value.scalar() {
                        Some(f) => Json::String(self.path(&f)),
                        None => plain(value),
                    },
                    "labels" | "driver_opts" => string_map(value, "", true),
                    _ => plain(value),
                };
                out.insert(key, canonical);
            }
        }
        let name = real_name.unwrap_or_else(|| {
            if external {
                name.to_string()
            } else {
                format!("{}_{name}", self.context.name)
            }
        });
        out.insert("name".into(), Json::String(name));
        if kind == "networks" {
            out.entry("ipam")
                .or_insert_with(|| Json::Object(Map::new()));
        }
        Json::Object(out)
    }
}

/// `depends_on` entries compose adds for `links`, `network_mode: service:X`,
/// `ipc: service:X` (which restart with their target) and `volumes_from`.
fn implicit_dependencies(service: &mut Map<String, Json>) {
    let mut implied: Vec<(String, bool)> = Vec::new();
    let service_of = |value: Option<&Json>| {
        value
            .and_then(Json::as_str)
            .and_then(|m| m.strip_prefix("service:"))
            .map(String::from)
    };
    if let Some(Json::Array(links)) = service.get("links") {
        for link in links.iter().filter_map(Json::as_str) {
            let target = link.split_once(':').map_or(link, |(s, _)| s);
            implied.push((target.to_string(), true));
        }
    }
    for key in ["network_mode", "ipc", "pid"] {
        if let Some(target) = service_of(service.get(key)) {
            implied.push((target, true));
        }
    }
    if let Some(Json::Array(sources)) = service.get("volumes_from") {
        for source in sources.iter().filter_map(Json::as_str) {
            if source.starts_with("container:") {
                continue;
            }
            let target = source.split_once(':').map_or(source, |(s, _)| s);
            implied.push((target.to_string(), false));
        }
    }
    if implied.is_empty() {
        return;
    }
    let Json::Object(depends) = service
        .entry("depends_on")
        .or_insert_with(|| Json::Object(Map::new()))
    else {
        return;
    };
    for (target, restart) in implied {
        depends.entry(target).or_insert_with(|| {
            let mut entry = Map::new();
            entry.insert("condition".into(), Json::String("service_started".into()));
            if restart {
                entry.insert("restart".into(), Json::Bool(true));
            }
            entry.insert("required".into(), Json::Bool(true));
            Json::Object(entry)
        });
    }
}

/// `SOURCE:TARGET[:MODE]` or `TARGET`; a Windows drive letter is no separator.
fn split_volume(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b':' || i < start {
            continue;
        }
        // `C:\` or `C:/` right at the start of a part is a drive.
        let drive = i == start + 1
            && bytes.get(start).is_some_and(u8::is_ascii_alphabetic)
            && matches!(bytes.get(i + 1), Some(b'\\' | b'/'));
        if drive {
            continue;
        }
        parts.push(text.get(start..i).unwrap_or_default());
        start = i + 1;
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// A container path as compose cleans it (no trailing `/`, no `.` or `..`).
fn clean_target(text: &str) -> String {
    if !text.starts_with('/') {
        return text.to_string();
    }
    normalize(Path::new(text)).to_string_lossy().into_owned()
}

/// `devices`: `SOURCE[:TARGET[:PERMISSIONS]]` in long syntax.
fn device(node: &Node) -> Json {
    let Some(text) = node
        .scalar()
        .filter(|_| !matches!(node.value, Value::Map(_)))
    else {
        return plain(node);
    };
    let mut parts = text.splitn(3, ':');
    let source = parts.next().unwrap_or_default().to_string();
    let target = parts.next().map_or_else(|| source.clone(), String::from);
    let permissions = parts.next().unwrap_or("rwm").to_string();
    let mut out = Map::new();
    out.insert("source".into(), Json::String(source));
    out.insert("target".into(), Json::String(target));
    out.insert("permissions".into(), Json::String(permissions));
    Json::Object(out)
}

/// A scalar or tree as written: numbers as numbers, booleans as booleans.
fn plain(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(text) => number(text),
        Value::String(text) => Json::String(text.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(plain).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.scalar()?, plain(v))))
                .collect(),
        ),
    }
}

/// A YAML number as JSON: whole numbers as integers, others as floats.
fn number(text: &str) -> Json {
    let value = Value::Number(text.to_string());
    if let Some(i) = parse_integer(&value).filter(|_| !text.contains(['.', 'e', 'E'])) {
        return Json::from(i);
    }
    parse_float(&value)
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Json::String(text.to_string()), Json::Number)
}

/// Like [`plain`], but whole-number strings of a tree become numbers (`ulimits`).
fn plain_numbers(node: &Node) -> Json {
    match &node.value {
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.scalar()?, plain_numbers(v))))
                .collect(),
        ),
        Value::String(_) | Value::Number(_) => integer(node),
        _ => plain(node),
    }
}

fn boolean(node: &Node) -> Json {
    parse_bool(&node.value).map_or_else(|| plain(node), Json::Bool)
}

fn integer(node: &Node) -> Json {
    parse_integer(&node.value).map_or_else(|| plain(node), Json::from)
}

fn float(node: &Node) -> Json {
    parse_float(&node.value)
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| plain(node), Json::Number)
}

/// A byte size as compose prints it: the number of bytes, as a string.
fn bytes(node: &Node) -> Json {
    node.scalar()
        .and_then(|t| parse_bytes(&t))
        .map_or_else(|| plain(node), |b| Json::String(b.to_string()))
}

fn duration(node: &Node) -> Json {
    node.as_str()
        .and_then(parse_duration)
        .map_or_else(|| plain(node), |d| Json::String(format_duration(d)))
}

fn list_of(node: &Node, item: impl FnMut(&Node) -> Json) -> Json {
    match node.as_seq() {
        Some(items) => Json::Array(items.iter().map(item).collect()),
        None => plain(node),
    }
}

fn one_or_list(node: &Node) -> Json {
    match &node.value {
        Value::Seq(_) => list_of(node, |n| n.scalar().map_or_else(|| plain(n), Json::String)),
        _ => match node.scalar() {
            Some(text) => Json::Array(vec![Json::String(text)]),
            None => plain(node),
        },
    }
}

/// `post_start`/`pre_stop`: a command string is split into words, as for
/// `command`; `environment` is a mapping, `privileged` a boolean.
fn hooks(node: &Node) -> Json {
    list_of(node, |hook| {
        let Value::Map(entries) = &hook.value else {
            return plain(hook);
        };
        Json::Object(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    let key = k.scalar()?;
                    let value = match key.as_str() {
                        "command" => command(v),
                        // a bare name stays without a value (compose resolves none here)
                        "environment" => match &v.value {
                            Value::Seq(items) => Json::Object(
                                items
                                    .iter()
                                    .filter_map(Node::scalar)
                                    .map(|text| match text.split_once('=') {
                                        Some((k, v)) => {
                                            (k.to_string(), Json::String(v.to_string()))
                                        }
                                        None => (text, Json::Null),
                                    })
                                    .collect(),
                            ),
                            _ => string_map(v, "", true),
                        },
                        "privileged" => boolean(v),
                        _ => plain(v),
                    };
                    // compose leaves out `privileged: false`
                    (value != Json::Bool(false)).then_some((key, value))
                })
                .collect(),
        )
    })
}

fn command(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::String(text) => shell_words::split(text).map_or_else(
            |_| Json::String(text.clone()),
            |words| Json::Array(words.into_iter().map(Json::String).collect()),
        ),
        _ => list_of(node, |n| n.scalar().map_or_else(|| plain(n), Json::String)),
    }
}

/// A list of `KEY=VALUE` (or `KEY`, which gets `missing`) or a mapping, as a
/// mapping of strings; `null_stays` keeps a mapping's null values null.
fn string_map(node: &Node, missing: &str, null_stays: bool) -> Json {
    let mut out = Map::new();
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                let Some(text) = item.scalar() else { continue };
                let (key, value) = text
                    .split_once('=')
                    .map_or((text.as_str(), missing), |(k, v)| (k, v));
                out.insert(key.to_string(), Json::String(value.to_string()));
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries {
                let Some(key) = key.scalar() else { continue };
                let value = match &value.value {
                    Value::Null if null_stays => Json::Null,
                    Value::Null => Json::String(missing.to_string()),
                    _ => string_value(value).map_or_else(|| plain(value), Json::String),
                };
                out.insert(key, value);
            }
        }
        _ => return plain(node),
    }
    Json::Object(out)
}

fn extra_hosts(node: &Node) -> Json {
    let entries: Vec<Json> = match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(Node::scalar)
            .map(|text| {
                // `name:ip` becomes `name=ip`; an IPv6 address keeps its colons.
                let text = if text.contains('=') {
                    text
                } else {
                    text.replacen(':', "=", 1)
                };
                Json::String(text)
            })
            .collect(),
        Value::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| {
                let key = k.scalar()?;
                let values: Vec<String> = match &v.value {
                    Value::Seq(items) => items.iter().filter_map(Node::scalar).collect(),
                    _ => vec![v.scalar().unwrap_or_default()],
                };
                Some(
                    values
                        .into_iter()
                        .map(|value| Json::String(format!("{key}={value}")))
                        .collect::<Vec<_>>(),
                )
            })
            .flatten()
            .collect(),
        _ => return plain(node),
    };
    // compose keeps them as a map and prints them in order
    let mut entries = entries;
    entries.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    Json::Array(entries)
}

fn ports(node: &Node) -> Json {
    let Some(items) = node.as_seq() else {
        return plain(node);
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::Map(entries) => {
                let mut port = Map::new();
                port.insert("mode".into(), Json::String("ingress".into()));
                for (key, value) in entries {
                    let Some(key) = key.scalar() else { continue };
                    let canonical = match key.as_str() {
                        "target" => integer(value),
                        "published" => value.scalar().map_or(Json::Null, Json::String),
                        _ => value.scalar().map_or_else(|| plain(value), Json::String),
                    };
                    port.insert(key, canonical);
                }
                port.entry("protocol")
                    .or_insert_with(|| Json::String("tcp".into()));
                out.push(Json::Object(port));
            }
            _ => match item.scalar().and_then(|text| short_ports(&text)) {
                Some(expanded) => out.extend(expanded),
                None => out.push(plain(item)),
            },
        }
    }
    // compose lists a port written twice once
    let mut seen = BTreeSet::new();
    out.retain(|port| seen.insert(port.to_string()));
    Json::Array(out)
}

/// `[[HOST_IP:][PUBLISHED]:]TARGET[/PROTOCOL]`, ranges expanded.
fn short_ports(text: &str) -> Option<Vec<Json>> {
    let (spec, protocol) = text.rsplit_once('/').unwrap_or((text, "tcp"));
    let (host_ip, rest) = if let Some(inner) = spec.strip_prefix('[') {
        let (ip, rest) = inner.split_once(']')?;
        (Some(ip.to_string()), rest.strip_prefix(':')?)
    } else {
        match spec.matches(':').count() {
            0 | 1 => (None, spec),
            2 => {
                let (ip, rest) = spec.split_once(':')?;
                (Some(ip.to_string()), rest)
            }
            _ => return None,
        }
    };
    let (published, target) = match rest.rsplit_once(':') {
        Some((p, t)) => (Some(p).filter(|p| !p.is_empty()), t),
        None => (None, rest),
    };
    let range = |text: &str| -> Option<(u32, u32)> {
        match text.split_once('-') {
            // `9000-8000` is no range (the model refuses it too).
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)).filter(|(a, b)| a <= b),
            None => text.parse().ok().map(|p| (p, p)),
        }
    };
    let (t_start, t_end) = range(target)?;
    let published = match published {
        Some(p) => Some(range(p)?),
        None => None,
    };
    let mut out = Vec::new();
    for (i, target) in (t_start..=t_end).enumerate() {
        let mut port = Map::new();
        port.insert("mode".into(), Json::String("ingress".into()));
        if let Some(ip) = &host_ip {
            port.insert("host_ip".into(), Json::String(ip.clone()));
        }
        port.insert("target".into(), Json::from(target));
        if let Some((p_start, p_end)) = published {
            let text = if p_end - p_start == t_end - t_start {
                (p_start + u32::try_from(i).ok()?).to_string()
            } else if p_start == p_end {
                p_start.to_string()
            } else {
                format!("{p_start}-{p_end}")
            };
            port.insert("published".into(), Json::String(text));
        }
        port.insert("protocol".into(), Json::String(protocol.to_string()));
        out.push(Json::Object(port));
    }
    Some(out)
}

fn file_uses(node: &Node, secret: bool, used: &mut BTreeSet<String>) -> Json {
    list_of(node, |item| {
        let mut out = Map::new();
        match &item.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(key) = key.scalar() else { continue };
                    let canonical = match key.as_str() {
                        "mode" => match parse_integer(&value.value) {
                            // A YAML number is the mode; compose prints it in octal.
                            Some(mode) if matches!(value.value, Value::Number(_)) => {
                                Json::String(format!("0{mode:o}"))
                            }
                            _ => value.scalar().map_or_else(|| plain(value), Json::String),
                        },
                        _ => value.scalar().map_or_else(|| plain(value), Json::String),
                    };
                    out.insert(key, canonical);
                }
            }
            _ => {
                if let Some(source) = item.scalar() {
                    out.insert("source".into(), Json::String(source));
                }
            }
        }
        if let Some(source) = out.get("source").and_then(Json::as_str) {
            used.insert(source.to_string());
            if secret && !out.contains_key("target") {
                let target = format!("/run/secrets/{source}");
                out.insert("target".into(), Json::String(target));
            }
        }
        Json::Object(out)
    })
}

fn depends_on(node: &Node) -> Json {
    let mut out = Map::new();
    let started = || Json::String("service_started".into());
    match &node.value {
        Value::Seq(items) => {
            for name in items.iter().filter_map(Node::scalar) {
                let mut entry = Map::new();
                entry.insert("condition".into(), started());
                entry.insert("required".into(), Json::Bool(true));
                out.insert(name, Json::Object(entry));
            }
        }
        Value::Map(entries) => {
            for (key, body) in entries {
                let Some(name) = key.scalar() else { continue };
                let mut entry = Map::new();
                for (k, v) in body.as_map().unwrap_or_default() {
                    let Some(k) = k.scalar() else { continue };
                    let canonical = match k.as_str() {
                        "required" | "restart" => boolean(v),
                        _ => v.scalar().map_or_else(|| plain(v), Json::String),
                    };
                    entry.insert(k, canonical);
                }
                entry.entry("condition").or_insert_with(started);
                entry.entry("required").or_insert(Json::Bool(true));
                out.insert(name, Json::Object(entry));
            }
        }
        _ => return plain(node),
    }
    Json::Object(out)
}

fn healthcheck(node: &Node) -> Json {
    let Some(entries) = node.as_map() else {
        return plain(node);
    };
    let mut out = Map::new();
    for (key, value) in entries {
        let Some(key) = key.scalar() else { continue };
        let canonical = match key.as_str() {
            "test" => match &value.value {
                Value::String(text) => Json::Array(vec![
                    Json::String("CMD-SHELL".into()),
                    Json::String(text.clone()),
                ]),
                _ => list_of(value, |n| n.scalar().map_or_else(|| plain(n), Json::String)),
            },
            "interval" | "timeout" | "start_period" | "start_interval" => duration(value),
            "retries" => integer(value),
            "disable" => match boolean(value) {
                Json::Bool(false) => continue,
                b => b,
            },
            _ => plain(value),
        };
        out.insert(key, canonical);
    }
    Json::Object(out)
}

fn service_networks(node: &Node) -> Json {
    match &node.value {
        Value::Seq(items) => Json::Object(
            items
                .iter()
                .filter_map(Node::scalar)
                .map(|n| (n, Json::Null))
                .collect(),
        ),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    let value = match &v.value {
                        Value::Map(fields) => Json::Object(
                            fields
                                .iter()
                                .filter_map(|(f, x)| {
                                    let f = f.scalar()?;
                                    let canonical = match f.as_str() {
                                        "priority" | "gw_priority" => integer(x),
                                        "aliases" | "link_local_ips" => list_of(x, |n| {
                                            n.scalar().map_or_else(|| plain(n), Json::String)
                                        }),
                                        _ => x.scalar().map_or_else(|| plain(x), Json::String),
                                    };
                                    Some((f, canonical))
                                })
                                .collect(),
                        ),
                        _ => plain(v),
                    };
                    Some((k.scalar()?, value))
                })
                .collect(),
        ),
        _ => plain(node),
    }
}

fn deploy(node: &Node) -> Json {
    let Some(entries) = node.as_map() else {
        return plain(node);
    };
    let mut out = Map::new();
    for (key, value) in entries {
        let Some(key) = key.scalar() else { continue };
        let canonical = match key.as_str() {
            "replicas" => integer(value),
            "resources" => {
                let mut resources = Map::new();
                for (kind, body) in value.as_map().unwrap_or_default() {
                    let Some(kind) = kind.scalar() else { continue };
                    let mut limits = Map::new();
                    for (k, v) in body.as_map().unwrap_or_default() {
                        let Some(k) = k.scalar() else { continue };
                        let canonical = match k.as_str() {
                            "cpus" => float(v),
                            "memory" => bytes(v),
                            "pids" => integer(v),
                            _ => plain(v),
                        };
                        limits.insert(k, canonical);
                    }
                    resources.insert(kind, Json::Object(limits));
                }
                Json::Object(resources)
            }
            "labels" => string_map(value, "", false),
            _ => plain(value),
        };
        out.insert(key, canonical);
    }
    out.entry("resources")
        .or_insert_with(|| Json::Object(Map::new()));
    out.entry("placement")
        .or_insert_with(|| Json::Object(Map::new()));
    Json::Object(out)
}

fn logging(node: &Node) -> Json {
    let Some(entries) = node.as_map() else {
        return plain(node);
    };
    let mut out = Map::new();
    for (key, value) in entries {
        let Some(key) = key.scalar() else { continue };
        let canonical = match key.as_str() {
            "options" => string_map(value, "", true),
            _ => plain(value),
        };
        out.insert(key, canonical);
    }
    Json::Object(out)
}

/// The canonical form as YAML or JSON text.
///
/// # Errors
/// When serialisation fails (it does not for a JSON value).
pub fn to_text(value: &Json, json: bool) -> Result<String, String> {
    if json {
        serde_json::to_string_pretty(value)
            .map(|mut text| {
                text.push('\n');
                text
            })
            .map_err(|e| e.to_string())
    } else {
        serde_saphyr::to_string(value).map_err(|e| e.to_string())
    }
}
