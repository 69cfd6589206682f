//! The top-level resources (`networks`, `volumes`, `secrets`, `configs`) and
//! a service's use of secrets and configs.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::Canon;
use super::json::{boolean, list_of, plain, string_map};
use crate::load::yaml::{Node, Value};
use crate::model::read::parse_integer;

impl Canon<'_> {
    pub(super) fn resource(&self, kind: &str, name: &str, body: Option<&Node>) -> Json {
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

pub(super) fn file_uses(node: &Node, secret: bool, used: &mut BTreeSet<String>) -> Json {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::printed;

    #[test]
    fn secrets_and_configs_print_their_uses_and_only_the_declarations_used() {
        let out = printed(
            "services:
  a:
    image: a
    secrets: [{source: token, mode: 0440, uid: \"1\"}, {source: key, target: /k, mode: \"0400\"}]
    configs: [conf]
secrets:
  token: {file: ./token}
  key: {external: {name: real-key}}
  unused: {file: ./u}
configs:
  conf: {external: true}
",
        );
        let a = &out["services"]["a"];
        // a YAML number is the mode, in octal; a string stays as written;
        // a secret without a target goes to /run/secrets, a config has none
        assert_eq!(
            a["secrets"],
            json!([
                {"source": "token", "mode": "0440", "uid": "1", "target": "/run/secrets/token"},
                {"source": "key", "target": "/k", "mode": "0400"}
            ])
        );
        assert_eq!(a["configs"], json!([{"source": "conf"}]));
        assert_eq!(
            out["secrets"],
            json!({
                "token": {"file": "/project/token", "name": "demo_token"},
                "key": {"external": true, "name": "real-key"}
            })
        );
        assert_eq!(
            out["configs"],
            json!({"conf": {"external": true, "name": "conf"}})
        );
    }

    #[test]
    fn networks_get_an_ipam_and_false_flags_are_left_out() {
        let out = printed(
            "services:
  a: {image: a, networks: [front]}
networks:
  front: {internal: false, attachable: true, labels: [a=b], driver_opts: {mtu: 1400}}
",
        );
        assert_eq!(
            out["networks"]["front"],
            json!({
                "attachable": true, "labels": {"a": "b"}, "driver_opts": {"mtu": "1400"},
                "ipam": {}, "name": "demo_front"
            })
        );
    }
}
