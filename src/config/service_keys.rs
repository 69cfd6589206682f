//! The other service keys that compose prints in a canonical form.

use serde_json::{Map, Value as Json};

use super::json::{boolean, bytes, command, float, integer, list_of, plain, string_map};
use crate::load::yaml::{Node, Value};

/// `devices`: `SOURCE[:TARGET[:PERMISSIONS]]` in long syntax.
/// `devices` as compose prints them: one entry per target, where the
/// first was written, as the last says (compose 2.40.3 keeps the last of
/// `/dev/a:/dev/b` and `/dev/c:/dev/b`).
pub(super) fn devices(node: &Node) -> Json {
    let Json::Array(items) = list_of(node, device) else {
        return plain(node);
    };
    let mut out: Vec<Json> = Vec::with_capacity(items.len());
    for item in items {
        let target = item.get("target").cloned();
        let earlier = target.as_ref().and_then(|target| {
            out.iter_mut()
                .find(|seen| seen.get("target") == Some(target))
        });
        match earlier {
            Some(seen) => *seen = item,
            None => out.push(item),
        }
    }
    Json::Array(out)
}

fn device(node: &Node) -> Json {
    let Some(text) = node
        .scalar()
        .filter(|_| !matches!(node.value, Value::Map(_)))
    else {
        return plain(node);
    };
    // as compose prints them: an empty target is the source, an empty
    // source or permissions is left out (`/dev/a::rwm`, `:/dev/b`, `/dev/a:/dev/b:`)
    let mut parts = text.splitn(3, ':');
    let source = parts.next().unwrap_or_default().to_string();
    let target = parts
        .next()
        .filter(|t| !t.is_empty())
        .map_or_else(|| source.clone(), String::from);
    let permissions = parts.next().unwrap_or("rwm").to_string();
    let mut out = Map::new();
    for (key, value) in [
        ("source", source),
        ("target", target),
        ("permissions", permissions),
    ] {
        if !value.is_empty() {
            out.insert(key.into(), Json::String(value));
        }
    }
    Json::Object(out)
}

/// `post_start`/`pre_stop`: a command string is split into words, as for
/// `command`; `environment` is a mapping, `privileged` a boolean.
pub(super) fn hooks(node: &Node) -> Json {
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

/// Each entry of the mapping `node` with a scalar key, its value as
/// `canonical` gives it (`None` leaves the entry out); empty for anything
/// but a mapping.
fn fields(node: &Node, canonical: impl Fn(&str, &Node) -> Option<Json>) -> Map<String, Json> {
    node.as_map()
        .unwrap_or_default()
        .iter()
        .filter_map(|(key, value)| {
            let key = key.scalar()?;
            let value = canonical(&key, value)?;
            Some((key, value))
        })
        .collect()
}

/// `healthcheck`'s `test` (a string runs in a shell) and `disable` as
/// written; the durations and `retries` come from the model
/// ([`super::typed::complete`]).
pub(super) fn healthcheck(node: &Node) -> Json {
    if node.as_map().is_none() {
        return plain(node);
    }
    Json::Object(fields(node, |key, value| {
        Some(match key {
            "test" => match &value.value {
                Value::String(text) => Json::Array(vec![
                    Json::String("CMD-SHELL".into()),
                    Json::String(text.clone()),
                ]),
                // compose leaves out an empty one: no test
                Value::Seq(items) if items.is_empty() => return None,
                _ => list_of(value, |n| n.scalar().map_or_else(|| plain(n), Json::String)),
            },
            "disable" => match boolean(value) {
                Json::Bool(false) => return None,
                b => b,
            },
            _ => return None,
        })
    }))
}

pub(super) fn service_networks(node: &Node) -> Json {
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
                        Value::Map(_) => Json::Object(fields(v, |f, x| {
                            Some(match f {
                                // compose reads an empty address as none
                                "ipv4_address" | "ipv6_address" if x.as_str() == Some("") => {
                                    return None;
                                }
                                // and leaves out an empty list
                                "aliases" | "link_local_ips"
                                    if x.as_seq().is_some_and(<[Node]>::is_empty) =>
                                {
                                    return None;
                                }
                                "priority" | "gw_priority" => integer(x),
                                "aliases" | "link_local_ips" => list_of(x, |n| {
                                    n.scalar().map_or_else(|| plain(n), Json::String)
                                }),
                                _ => x.scalar().map_or_else(|| plain(x), Json::String),
                            })
                        })),
                        _ => plain(v),
                    };
                    Some((k.scalar()?, value))
                })
                .collect(),
        ),
        _ => plain(node),
    }
}

pub(super) fn deploy(node: &Node) -> Json {
    if node.as_map().is_none() {
        return plain(node);
    }
    let mut out = fields(node, |key, value| {
        Some(match key {
            "replicas" => integer(value),
            "resources" => Json::Object(fields(value, |_, body| {
                Some(Json::Object(fields(body, |k, v| {
                    Some(match k {
                        "cpus" => float(v),
                        "memory" => bytes(v),
                        "pids" => integer(v),
                        _ => plain(v),
                    })
                })))
            })),
            "labels" => string_map(value, "", false),
            _ => plain(value),
        })
    });
    out.entry("resources")
        .or_insert_with(|| Json::Object(Map::new()));
    out.entry("placement")
        .or_insert_with(|| Json::Object(Map::new()));
    Json::Object(out)
}

pub(super) fn logging(node: &Node) -> Json {
    if node.as_map().is_none() {
        return plain(node);
    }
    Json::Object(fields(node, |key, value| {
        Some(match key {
            "options" => string_map(value, "", true),
            _ => plain(value),
        })
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::printed;

    /// The canonical forms of `healthcheck`, `networks`, `deploy`, `logging`
    /// and `extra_hosts`, as compose v2.40.3 prints this file.
    #[test]
    fn nested_keys_print_in_compose_canonical_form() {
        let out = printed(
            "services:
  a:
    image: a
    healthcheck:
      test: curl -f localhost
      interval: 90s
      timeout: 1m
      retries: 5
      start_period: 500ms
      disable: false
    networks:
      front: {aliases: [x, y], ipv4_address: \"\", priority: 3}
      back: {}
    deploy:
      replicas: 2
      labels: [k=v, w]
      resources:
        limits: {cpus: \"0.5\", memory: 1g, pids: 10}
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: 3}
    extra_hosts:
      b.example: 10.0.0.2
  b:
    image: b
    healthcheck:
      test: [CMD, \"true\"]
    networks: [front]
networks:
  front: {}
  back: {}
",
        );
        let a = &out["services"]["a"];
        assert_eq!(
            a["healthcheck"],
            json!({
                "interval": "1m30s", "retries": 5, "start_period": "500ms",
                "test": ["CMD-SHELL", "curl -f localhost"], "timeout": "1m0s"
            })
        );
        // an empty address is none; `priority` a number
        assert_eq!(
            a["networks"],
            json!({"back": {}, "front": {"aliases": ["x", "y"], "priority": 3}})
        );
        assert_eq!(
            a["deploy"],
            json!({
                "labels": {"k": "v", "w": ""}, "placement": {}, "replicas": 2,
                "resources": {"limits": {"cpus": 0.5, "memory": "1073741824", "pids": 10}}
            })
        );
        assert_eq!(
            a["logging"],
            json!({"driver": "json-file", "options": {"max-file": "3", "max-size": "10m"}})
        );
        assert_eq!(a["extra_hosts"], json!(["b.example=10.0.0.2"]));
        let b = &out["services"]["b"];
        assert_eq!(b["healthcheck"], json!({"test": ["CMD", "true"]}));
        assert_eq!(b["networks"], json!({"front": null}));
    }
}
