//! `ports` in long syntax, short syntax expanded.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::json::{integer, plain};
use crate::load::yaml::{Node, Value};
use crate::model::port::parse_short_syntax;

pub(super) fn ports(node: &Node) -> Json {
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

/// A short-syntax port in long syntax, ranges expanded, read as the model
/// reads it.
fn short_ports(text: &str) -> Option<Vec<Json>> {
    let short = parse_short_syntax(text)?;
    let ports = short.expanded().map(|(target, published)| {
        let mut port = Map::new();
        port.insert("mode".into(), Json::String("ingress".into()));
        if let Some(ip) = short.host_ip {
            port.insert("host_ip".into(), Json::String(ip.to_string()));
        }
        port.insert("target".into(), Json::from(target));
        if let Some((start, end)) = published {
            let text = if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            };
            port.insert("published".into(), Json::String(text));
        }
        port.insert(
            "protocol".into(),
            Json::String(short.protocol.as_str().to_string()),
        );
        Json::Object(port)
    });
    Some(ports.collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::printed;

    #[test]
    fn long_syntax_ports_keep_their_fields_with_a_numeric_target_and_a_text_published() {
        let out = printed(
            "services:
  a:
    image: a
    ports:
      - {target: \"80\", published: 8080, name: web, app_protocol: http, mode: host}
      - {target: 53, protocol: udp}
      - \"[::1]:9000:9000\"
",
        );
        assert_eq!(
            out["services"]["a"]["ports"],
            json!([
                {"mode": "host", "target": 80, "published": "8080", "name": "web", "app_protocol": "http", "protocol": "tcp"},
                {"mode": "ingress", "target": 53, "protocol": "udp"},
                {"mode": "ingress", "host_ip": "::1", "target": 9000, "published": "9000", "protocol": "tcp"}
            ])
        );
    }
}
