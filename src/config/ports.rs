//! `ports` in long syntax, short syntax expanded.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::json::{integer, plain};
use crate::load::yaml::{Node, Value};

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

/// `[[HOST_IP:][PUBLISHED]:]TARGET[/PROTOCOL]`, ranges expanded.
pub(super) fn short_ports(text: &str) -> Option<Vec<Json>> {
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
