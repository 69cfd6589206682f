//! The keys `config` prints from the model's typed values rather than from
//! the loaded nodes: `environment` (with `env_file`'s), `expose`, `extra_hosts`,
//! `pull_policy`, `security_opt`, `cap_add`, `cap_drop`, `network_mode`,
//! `links`, `volumes_from`, `labels` (with `label_file`'s), `annotations`,
//! `sysctls`, and the `depends_on` entries compose adds for `links`,
//! `network_mode`/`ipc`/`pid`/`uts: service:NAME` and `volumes_from`.

use serde_json::{Map, Value as Json};

use crate::model::Project;
use crate::model::healthcheck::HealthSetting;
use crate::model::key_value::KeyValue;
use crate::model::network::NetworkMode;
use crate::model::process::NamespaceMode;
use crate::model::service::Condition;
use crate::model::service::Service;
use crate::model::units::format_duration;

/// The service keys printed from the model, which [`super::canonical`]
/// leaves out of what it prints from the loaded nodes.
pub(super) const FROM_MODEL: &[&str] = &[
    "annotations",
    "cap_add",
    "cap_drop",
    "command",
    "container_name",
    "depends_on",
    "dns",
    "dns_opt",
    "dns_search",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extra_hosts",
    "group_add",
    "hostname",
    "image",
    "ipc",
    "label_file",
    "labels",
    "links",
    "pid",
    "platform",
    "privileged",
    "pull_policy",
    "read_only",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "sysctls",
    "tty",
    "user",
    "userns_mode",
    "uts",
    "volumes_from",
    "working_dir",
];

/// Fills in what is printed from `project` into the canonical form `out`
/// (whose services are the project's, by name); `interpolated` escapes a
/// literal `$` as [`super::canonical`] does.
pub fn complete(out: &mut Json, project: &Project, interpolated: bool) {
    let Some(Json::Object(services)) = out.get_mut("services") else {
        return;
    };
    for service in &project.services {
        let Some(Json::Object(printed)) = services.get_mut(&service.name.value) else {
            continue;
        };
        let mut typed = process(service);
        pod(service, &mut typed);
        namespaces(service, &mut typed);
        if !service.links.is_empty() {
            let links = service.links.iter().map(|link| match &link.alias {
                Some(alias) => format!("{}:{alias}", link.service.value),
                None => link.service.value.clone(),
            });
            typed.insert("links".into(), strings(links));
        }
        if !service.expose_written.is_empty() {
            typed.insert(
                "expose".into(),
                strings(service.expose_written.iter().cloned()),
            );
        }
        if !service.extra_hosts.is_empty() {
            // compose keeps them as a map and prints them in order
            let mut hosts: Vec<&String> = service.extra_hosts.iter().map(|h| &h.written).collect();
            hosts.sort_unstable();
            typed.insert("extra_hosts".into(), strings(hosts.into_iter().cloned()));
        }
        if !service.volumes_from.is_empty() {
            let sources = service.volumes_from.iter().map(|f| f.value.to_string());
            typed.insert("volumes_from".into(), strings(sources));
        }
        if let Some(mode) = &service.network_mode {
            let mode = mode.value.to_string();
            // compose leaves out an empty one
            if !mode.is_empty() {
                typed.insert("network_mode".into(), Json::String(mode));
            }
        }
        if !service.environment.is_empty() {
            // `env_file`'s first; a later entry of a name wins
            let environment = service.environment.iter().map(|v| {
                let value = v.value.clone().map_or(Json::Null, Json::String);
                (v.name.clone(), value)
            });
            typed.insert("environment".into(), Json::Object(environment.collect()));
        }
        let sysctls = service.pod.sysctls.as_ref().map(|s| s.value.iter());
        for (key, entries) in [
            ("labels", key_map(service.labels.iter().map(|l| &l.value))),
            (
                "annotations",
                key_map(service.annotations.iter().map(|a| &a.value)),
            ),
            ("sysctls", key_map(sysctls.into_iter().flatten())),
        ] {
            if !entries.is_empty() {
                typed.insert(key.into(), Json::Object(entries));
            }
        }
        let depends = depends_on(service);
        if !depends.is_empty() {
            typed.insert("depends_on".into(), Json::Object(depends));
        }
        let mut typed = Json::Object(typed);
        if interpolated {
            super::escape_dollars(&mut typed);
        }
        if let Json::Object(typed) = typed {
            printed.extend(typed);
        }
        if let (Some(setting), Some(Json::Object(printed))) =
            (&service.health_setting, printed.get_mut("healthcheck"))
        {
            health_setting(setting, printed);
        }
    }
}

/// What the container runs and as whom: `command` and `entrypoint` (`null`
/// when not set, as compose prints them), `image`, the names, `user`,
/// `working_dir` and the flags. Compose leaves out an empty string and a
/// `false` flag.
fn process(service: &Service) -> Map<String, Json> {
    let mut out = Map::new();
    for (key, words) in [
        ("command", &service.command),
        ("entrypoint", &service.entrypoint),
    ] {
        let words = words
            .as_ref()
            .map_or(Json::Null, |words| strings(words.value.iter().cloned()));
        out.insert(key.into(), words);
    }
    let security = &service.security;
    for (key, text) in [
        ("image", service.image.as_ref().map(|i| &i.value)),
        ("platform", service.platform.as_ref().map(|p| &p.value)),
        ("pull_policy", service.pull_policy_written.as_ref()),
        (
            "container_name",
            service.container_name.as_ref().map(|n| &n.value),
        ),
        ("hostname", service.hostname.as_ref().map(|h| &h.value)),
        ("user", security.user.as_ref().map(|u| &u.value)),
        ("working_dir", security.working_dir.as_ref()),
    ] {
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            out.insert(key.into(), Json::String(text.clone()));
        }
    }
    for (key, on) in [
        ("privileged", security.privileged),
        ("read_only", security.read_only),
        ("tty", security.tty),
        ("stdin_open", security.stdin_open),
    ] {
        if on {
            out.insert(key.into(), Json::Bool(true));
        }
    }
    out
}

/// The Pod-wide settings: `dns`, `dns_search`, `dns_opt` (compose leaves
/// out an empty list) and `stop_grace_period` as compose writes a duration.
fn pod(service: &Service, out: &mut Map<String, Json>) {
    let pod = &service.pod;
    for (key, list) in [
        ("dns", &pod.dns),
        ("dns_search", &pod.dns_search),
        ("dns_opt", &pod.dns_opt),
    ] {
        if let Some(list) = list.as_ref().filter(|l| !l.value.is_empty()) {
            out.insert(key.into(), strings(list.value.iter().cloned()));
        }
    }
    if let Some(period) = &pod.stop_grace_period {
        let period = Json::String(format_duration(period.value));
        out.insert("stop_grace_period".into(), period);
    }
}

/// `pid`, `ipc`, `uts` and `userns_mode` as written (compose leaves out
/// an empty one), `cap_add`, `cap_drop` and `security_opt` as written, `group_add`, and `shm_size` in bytes (compose leaves out
/// a zero size).
fn namespaces(service: &Service, out: &mut Map<String, Json>) {
    let namespaces = &service.namespaces;
    for (key, mode) in [
        ("pid", &namespaces.pid),
        ("ipc", &namespaces.ipc),
        ("uts", &namespaces.uts),
        ("userns_mode", &namespaces.userns),
    ] {
        if let Some(mode) = mode.as_ref().map(|m| namespace_mode(&m.value))
            && !mode.is_empty()
        {
            out.insert(key.into(), Json::String(mode));
        }
    }
    let [cap_add, cap_drop] = &service.security.caps_written;
    for (key, caps) in [("cap_add", cap_add), ("cap_drop", cap_drop)] {
        if !caps.is_empty() {
            out.insert(key.into(), strings(caps.iter().cloned()));
        }
    }
    let options = &service.security.options_written;
    if !options.is_empty() {
        out.insert("security_opt".into(), strings(options.iter().cloned()));
    }
    let groups = &service.security.group_add;
    if !groups.is_empty() {
        out.insert(
            "group_add".into(),
            strings(groups.iter().map(|g| g.value.clone())),
        );
    }
    if let Some(size) = service.shm_size.as_ref().filter(|s| s.value > 0) {
        out.insert("shm_size".into(), Json::String(size.value.to_string()));
    }
}

/// A namespace mode as compose writes it (what the file says).
fn namespace_mode(mode: &NamespaceMode) -> String {
    match mode {
        NamespaceMode::Host => "host".into(),
        NamespaceMode::Shareable => "shareable".into(),
        NamespaceMode::Service(name) => format!("service:{name}"),
        NamespaceMode::Container(name) => format!("container:{name}"),
        NamespaceMode::Private(text) | NamespaceMode::Other(text) => text.clone(),
    }
}

/// The `healthcheck` fields the model reads — the durations and `retries`
/// — into the printed `healthcheck`, whose `test` and `disable` come from
/// the loaded nodes (the model joins `CMD-SHELL`'s words into one command
/// and folds `["NONE"]` into `disable`).
fn health_setting(setting: &HealthSetting, out: &mut Map<String, Json>) {
    for (key, duration) in [
        ("interval", setting.interval),
        ("timeout", setting.timeout),
        ("start_period", setting.start_period),
        ("start_interval", setting.start_interval),
    ] {
        if let Some(duration) = duration {
            out.insert(key.into(), Json::String(format_duration(duration)));
        }
    }
    if let Some(retries) = setting.retries {
        out.insert("retries".into(), Json::from(retries));
    }
}

/// A list of strings.
fn strings(items: impl Iterator<Item = String>) -> Json {
    Json::Array(items.map(Json::String).collect())
}

/// `KEY=VALUE` entries as the mapping compose prints (a key without a value
/// is an empty string).
fn key_map<'a>(entries: impl Iterator<Item = &'a KeyValue>) -> Map<String, Json> {
    entries
        .map(|e| (e.key.clone(), Json::String(e.value_or_empty().to_string())))
        .collect()
}

/// The services `service` needs besides its `depends_on`, each with whether
/// it restarts with them: `links` and the namespaces it shares do, the
/// sources of `volumes_from` do not.
fn implied(service: &Service) -> Vec<(String, bool)> {
    let mut implied: Vec<(String, bool)> = service
        .links
        .iter()
        .map(|link| (link.service.value.clone(), true))
        .collect();
    if let Some(mode) = &service.network_mode
        && let NetworkMode::Service(target) = &mode.value
    {
        implied.push((target.clone(), true));
    }
    let namespaces = &service.namespaces;
    for mode in [&namespaces.ipc, &namespaces.pid, &namespaces.uts]
        .into_iter()
        .flatten()
    {
        if let NamespaceMode::Service(target) = &mode.value {
            implied.push((target.clone(), true));
        }
    }
    // a container is not a service of the project
    for from in service.volumes_from.iter().filter(|f| !f.value.container) {
        implied.push((from.value.source.clone(), false));
    }
    implied
}

/// `depends_on` as compose prints it: each entry written, then one for
/// each service compose implies that is not written.
fn depends_on(service: &Service) -> Map<String, Json> {
    let mut out: Map<String, Json> = service
        .depends_on
        .iter()
        .map(|d| {
            let entry = dependency(d.condition, d.required, d.restart);
            (d.service.value.clone(), entry)
        })
        .collect();
    for (target, restart) in implied(service) {
        out.entry(target)
            .or_insert_with(|| dependency(Condition::Started, true, restart));
    }
    out
}

/// One `depends_on` entry (compose leaves out `restart: false`).
fn dependency(condition: Condition, required: bool, restart: bool) -> Json {
    let mut entry = Map::new();
    entry.insert("condition".into(), Json::String(condition.as_str().into()));
    if restart {
        entry.insert("restart".into(), Json::Bool(true));
    }
    entry.insert("required".into(), Json::Bool(required));
    Json::Object(entry)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::super::tests::{printed, started};

    #[test]
    fn volumes_from_prints_as_written_and_a_container_implies_no_dependency() {
        let out = printed(
            "services:
  a:
    image: a
    volumes_from: [\"b:rw\", \"c:ro\", \"container:x\", \"container:y:ro\", d]
  b: {image: b}
  c: {image: c}
  d: {image: d}
",
        );
        let a = &out["services"]["a"];
        assert_eq!(
            a["volumes_from"],
            json!(["b:rw", "c:ro", "container:x", "container:y:ro", "d"])
        );
        assert_eq!(
            a["depends_on"],
            json!({"b": started(false), "c": started(false), "d": started(false)})
        );
    }

    #[test]
    fn an_empty_volumes_from_is_left_out() {
        let out = printed("services:\n  a:\n    image: a\n    volumes_from: []\n");
        assert!(out["services"]["a"].get("volumes_from").is_none());
        assert!(out["services"]["a"].get("depends_on").is_none());
    }

    #[test]
    fn labels_annotations_and_sysctls_print_as_maps_with_the_last_duplicate() {
        let out = printed(
            "services:
  a:
    image: a
    labels: [\"x=1\", \"y\", \"x=2\", \"z==$$v\"]
    annotations: {a.b: 1.50, c: true, d: null}
    sysctls: [\"net.core.somaxconn=1024\", \"kernel.msgmax=1=2\"]
",
        );
        let a = &out["services"]["a"];
        assert_eq!(a["labels"], json!({"x": "2", "y": "", "z": "=$$$$v"}));
        assert_eq!(
            a["annotations"],
            json!({"a.b": "1.5", "c": "true", "d": ""})
        );
        assert_eq!(
            a["sysctls"],
            json!({"net.core.somaxconn": "1024", "kernel.msgmax": "1=2"})
        );
    }

    #[test]
    fn environment_prints_env_files_first_and_an_unset_name_as_null() {
        let out = printed(
            "services:
  a:
    image: a
    environment: [\"A=1\", B, \"C=x=$$y\"]
  b:
    image: b
    environment: {D: 1.50, E: null, F: true, G: \"\"}
",
        );
        assert_eq!(
            out["services"]["a"]["environment"],
            json!({"A": "1", "B": null, "C": "x=$$$$y"})
        );
        assert_eq!(
            out["services"]["b"]["environment"],
            json!({"D": "1.5", "E": null, "F": "true", "G": ""})
        );
    }

    #[test]
    fn an_empty_environment_is_left_out_as_compose_leaves_it_out() {
        // podlift b6272f2 printed `environment: {}`
        let out = printed(
            "services:\n  a: {image: a, environment: {}}\n  b: {image: b, environment: []}\n",
        );
        assert!(out["services"]["a"].get("environment").is_none());
        assert!(out["services"]["b"].get("environment").is_none());
    }

    #[test]
    fn network_mode_prints_as_written_and_stands_for_networks() {
        let out = printed(
            "services:
  a: {image: a, network_mode: default}
  b: {image: b, network_mode: bridge}
  c: {image: c, network_mode: \"container:x\"}
  d: {image: d, network_mode: \"\"}
",
        );
        let services = &out["services"];
        assert_eq!(services["a"]["network_mode"], "default");
        assert_eq!(services["b"]["network_mode"], "bridge");
        assert_eq!(services["c"]["network_mode"], "container:x");
        for name in ["a", "b", "c"] {
            assert!(services[name].get("networks").is_none(), "{name}");
        }
        // an empty one is left out, and the service is on `default`
        assert!(services["d"].get("network_mode").is_none());
        assert_eq!(services["d"]["networks"], json!({"default": null}));
    }

    #[test]
    fn command_image_user_and_flags_print_from_the_model() {
        let out = printed(
            "services:
  a:
    image: a
    command: \"\"
    entrypoint: []
    user: \"0\"
    working_dir: /w$x
    hostname: \"\"
    tty: \"true\"
    read_only: false
  b:
    image: b
    command: 'echo \"a b\" c'
    container_name: bee
    privileged: yes
",
        );
        let a = out["services"]["a"].as_object().unwrap();
        assert_eq!(a["command"], json!([]));
        assert_eq!(a["entrypoint"], json!([]));
        assert_eq!(a["user"], "0");
        assert_eq!(a["working_dir"], "/w$$x");
        assert_eq!(a["tty"], json!(true));
        // compose leaves out an empty string and a `false` flag
        assert!(!a.contains_key("hostname"));
        assert!(!a.contains_key("read_only"));
        let b = &out["services"]["b"];
        assert_eq!(b["command"], json!(["echo", "a b", "c"]));
        assert_eq!(b["entrypoint"], json!(null));
        assert_eq!(b["image"], "b");
        assert_eq!(b["container_name"], "bee");
        assert_eq!(b["privileged"], json!(true));
    }

    #[test]
    fn depends_on_prints_from_the_model_without_restart_false_or_an_empty_map() {
        // podlift b6272f2 printed `restart: false` and `depends_on: {}`
        let out = printed(
            "services:
  a:
    image: a
    depends_on:
      b: {condition: service_healthy, restart: false, required: false}
      c: {condition: service_started, restart: \"true\"}
      d: {condition: service_completed_successfully}
  b: {image: b, depends_on: []}
  c: {image: c, depends_on: {}}
  d: {image: d}
",
        );
        let services = &out["services"];
        assert_eq!(
            services["a"]["depends_on"],
            json!({
                "b": {"condition": "service_healthy", "required": false},
                "c": started(true),
                "d": {"condition": "service_completed_successfully", "required": true}
            })
        );
        assert!(services["b"].get("depends_on").is_none());
        assert!(services["c"].get("depends_on").is_none());
    }

    #[test]
    fn dns_and_stop_grace_period_print_from_the_model_without_an_empty_list() {
        // podlift b6272f2 printed `dns: []`; compose leaves it out
        let out = printed(
            "services:
  a: {image: a, dns: [], dns_search: x.example, dns_opt: [a, b], stop_grace_period: 0s}
  b: {image: b, dns: 1.1.1.1, stop_grace_period: 1h2m3.5s}
",
        );
        let a = out["services"]["a"].as_object().unwrap();
        assert!(!a.contains_key("dns"));
        assert_eq!(a["dns_search"], json!(["x.example"]));
        assert_eq!(a["dns_opt"], json!(["a", "b"]));
        assert_eq!(a["stop_grace_period"], "0s");
        let b = &out["services"]["b"];
        assert_eq!(b["dns"], json!(["1.1.1.1"]));
        assert_eq!(b["stop_grace_period"], "1h2m3.5s");
    }

    #[test]
    fn healthcheck_durations_and_retries_print_from_the_model_test_and_disable_as_written() {
        let out = printed(
            "services:
  a:
    image: a
    healthcheck:
      test: [CMD-SHELL, curl, -f]
      interval: 90s
      timeout: 1m
      start_period: 500ms
      start_interval: 2s
      retries: 5000000000
      disable: true
  b:
    image: b
    healthcheck: {test: [NONE], timeout: 0s, disable: false}
  c:
    image: c
    healthcheck: {test: curl -f localhost}
  d:
    image: d
    healthcheck: {}
",
        );
        let services = &out["services"];
        // the words of `CMD-SHELL` stay apart, a count past `u32` stays whole
        assert_eq!(
            services["a"]["healthcheck"],
            json!({
                "test": ["CMD-SHELL", "curl", "-f"], "interval": "1m30s", "timeout": "1m0s",
                "start_period": "500ms", "start_interval": "2s", "retries": 5_000_000_000_u64,
                "disable": true
            })
        );
        // `NONE` is printed as written, `disable: false` left out
        assert_eq!(
            services["b"]["healthcheck"],
            json!({"test": ["NONE"], "timeout": "0s"})
        );
        assert_eq!(
            services["c"]["healthcheck"],
            json!({"test": ["CMD-SHELL", "curl -f localhost"]})
        );
        assert_eq!(services["d"]["healthcheck"], json!({}));
    }

    #[test]
    fn expose_prints_from_the_model_as_compose_reads_it_each_once() {
        // compose v2.40.3 reads a number as the number and keeps one of
        // each: 124e245 printed `80` twice (`80` and `0x50`)
        let out = printed(
            "services:\n  a:\n    image: a\n    expose: [\"3000-3005\", 80, 0x50, \"81/udp\", 010, 1_000]\n",
        );
        assert_eq!(
            out["services"]["a"]["expose"],
            json!(["3000-3005", "80", "81/udp", "8", "1000"])
        );
    }

    #[test]
    fn extra_hosts_print_from_the_model_sorted_as_name_equals_address() {
        // compose v2.40.3 leaves out an address's brackets: 124e245 printed
        // `v6=[::1]`
        let out = printed(
            "services:\n  a:\n    image: a\n    extra_hosts: [\"b.example:10.0.0.2\", \"a.example=10.0.0.1\", \"v6=[::1]\", \"v6b:::0001\", \"gw=host-gateway\", \"sp = 10.0.0.3\"]\n  m:\n    image: m\n    extra_hosts: {b: 10.0.0.2, a: \"[::1]\"}\n",
        );
        assert_eq!(
            out["services"]["a"]["extra_hosts"],
            json!([
                "a.example=10.0.0.1",
                "b.example=10.0.0.2",
                "gw=host-gateway",
                "sp = 10.0.0.3",
                "v6=::1",
                "v6b=::0001"
            ])
        );
        assert_eq!(
            out["services"]["m"]["extra_hosts"],
            json!(["a=::1", "b=10.0.0.2"])
        );
    }

    #[test]
    fn pull_policy_prints_from_the_model_as_compose_spells_it() {
        // compose v2.40.3 prints `if_not_present` as `missing`; 124e245
        // printed it as written
        let out = printed(
            "services:\n  a: {image: a, pull_policy: if_not_present}\n  b: {image: b, pull_policy: every_2h}\n  c: {image: c, pull_policy: always}\n",
        );
        let policy = |s: &str| out["services"][s]["pull_policy"].clone();
        assert_eq!(policy("a"), "missing");
        assert_eq!(policy("b"), "every_2h");
        assert_eq!(policy("c"), "always");
    }

    #[test]
    fn security_opt_prints_from_the_model_as_written() {
        let out = printed(
            "services:\n  a:\n    image: a\n    security_opt: [\"label:user:U\", no-new-privileges, seccomp=unconfined]\n  b: {image: b, security_opt: []}\n",
        );
        assert_eq!(
            out["services"]["a"]["security_opt"],
            json!(["label:user:U", "no-new-privileges", "seccomp=unconfined"])
        );
        assert!(out["services"]["b"].get("security_opt").is_none());
    }

    #[test]
    fn capabilities_print_from_the_model_as_written() {
        let out = printed(
            "services:\n  a:\n    image: a\n    cap_add: [CAP_NET_ADMIN, sys_time, \"/dev/net/tun\"]\n    cap_drop: [ALL]\n  b: {image: b, cap_add: []}\n",
        );
        let a = &out["services"]["a"];
        assert_eq!(
            a["cap_add"],
            json!(["CAP_NET_ADMIN", "sys_time", "/dev/net/tun"])
        );
        assert_eq!(a["cap_drop"], json!(["ALL"]));
        assert!(out["services"]["b"].get("cap_add").is_none());
    }

    #[test]
    fn namespaces_platform_group_add_and_shm_size_print_from_the_model() {
        let out = printed(
            "services:
  a:
    image: a
    platform: linux/arm64
    pid: host
    ipc: \"service:b\"
    uts: host
    userns_mode: host
    group_add: [wheel, 1000]
    shm_size: 64m
  b:
    image: b
    ipc: shareable
    pid: \"container:x$$y\"
    shm_size: 0
  c:
    image: c
    pid: \"\"
    ipc: private
    platform: \"\"
    group_add: []
    shm_size: \"0.1\"
",
        );
        let a = &out["services"]["a"];
        assert_eq!(a["platform"], "linux/arm64");
        assert_eq!(a["pid"], "host");
        assert_eq!(a["ipc"], "service:b");
        assert_eq!(a["uts"], "host");
        assert_eq!(a["userns_mode"], "host");
        // a number is a group id, printed as the text it is
        assert_eq!(a["group_add"], json!(["wheel", "1000"]));
        assert_eq!(a["shm_size"], "67108864");
        assert_eq!(a["depends_on"], json!({"b": started(true)}));
        let b = out["services"]["b"].as_object().unwrap();
        assert_eq!(b["ipc"], "shareable");
        assert_eq!(b["pid"], "container:x$$$$y");
        // compose leaves out a zero size
        assert!(!b.contains_key("shm_size"));
        let c = out["services"]["c"].as_object().unwrap();
        assert_eq!(c["ipc"], "private");
        // and an empty string, an empty list, a size under one byte
        for key in ["pid", "platform", "group_add", "shm_size"] {
            assert!(!c.contains_key(key), "{key}");
        }
    }
}
