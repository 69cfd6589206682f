//! The shapes compose allows for one value (a list or a mapping, a string or
//! a mapping), brought to one shape before merging, and the key that keeps a
//! list entry unique.

use super::rules::UniqueKey;
use crate::load::yaml::{Node, Value};
use crate::source::Span;

pub(super) const fn null_node(span: Span) -> Node {
    Node {
        value: Value::Null,
        span,
    }
}

pub(super) fn as_items(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        Value::Null => Vec::new(),
        Value::Map(entries) => entries
            .into_iter()
            .map(|(k, v)| match v.value {
                Value::Null => k,
                _ => v,
            })
            .collect(),
        value => vec![Node {
            value,
            span: node.span,
        }],
    }
}

/// `NAME=value` → `NAME` (`extra_hosts` also `host:ip`).
pub(super) fn name_of(item: &str) -> &str {
    let end = item.find(['=', ':']).unwrap_or(item.len());
    item.get(..end).unwrap_or(item)
}

/// A list of `NAME=value` (or `NAME`) as a mapping; a mapping as it is.
pub(super) fn list_to_mapping(node: Node) -> Node {
    let span = node.span;
    match node.value {
        Value::Seq(items) => {
            let entries = items
                .into_iter()
                .map(|item| {
                    let text = item.scalar().unwrap_or_default();
                    let name = name_of(&text).to_string();
                    let value = text
                        .get(name.len() + 1..)
                        .map_or(Value::Null, |v| Value::String(v.to_string()));
                    (
                        Node {
                            value: Value::String(name),
                            span: item.span,
                        },
                        Node {
                            value,
                            span: item.span,
                        },
                    )
                })
                .collect();
            Node {
                value: Value::Map(entries),
                span,
            }
        }
        value => Node { value, span },
    }
}

/// `networks`/`depends_on` as a list → a mapping of the names; `depends_on`
/// entries get compose's default `condition: service_started`.
pub(super) fn to_mapping(node: Node, depends_on: bool) -> Node {
    let span = node.span;
    match node.value {
        Value::Seq(items) => {
            let entries = items
                .into_iter()
                .map(|item| {
                    let value = if depends_on {
                        Value::Map(vec![(
                            Node {
                                value: Value::String("condition".into()),
                                span: item.span,
                            },
                            Node {
                                value: Value::String("service_started".into()),
                                span: item.span,
                            },
                        )])
                    } else {
                        Value::Null
                    };
                    let value = Node {
                        value,
                        span: item.span,
                    };
                    (item, value)
                })
                .collect();
            Node {
                value: Value::Map(entries),
                span,
            }
        }
        value => Node { value, span },
    }
}

/// `build: ./dir` → `build: {context: ./dir}`.
pub(super) fn build_mapping(node: Node) -> Node {
    match node.value {
        Value::String(_) | Value::Number(_) => Node {
            value: Value::Map(vec![(
                Node {
                    value: Value::String("context".into()),
                    span: node.span,
                },
                node.clone(),
            )]),
            span: node.span,
        },
        _ => node,
    }
}

pub(super) fn item_key(item: &Node, unique: Option<UniqueKey>) -> Option<String> {
    match unique {
        None => match &item.value {
            Value::Map(_) => item.get("path").and_then(Node::scalar),
            _ => item.scalar(),
        },
        Some(UniqueKey::Value) => item.scalar(),
        Some(UniqueKey::Port) => port_key(item),
        Some(UniqueKey::VolumeTarget) => match &item.value {
            Value::Map(_) => item.get("target").and_then(Node::scalar),
            _ => {
                let text = item.scalar()?;
                let mut parts = text.split(':');
                let first = parts.next()?;
                // compose cleans a short-syntax target first: `/b/` is `/b`
                let target = parts.next().unwrap_or(first);
                let clean = crate::load::paths::normalize(std::path::Path::new(target));
                Some(clean.to_string_lossy().into_owned())
            }
        },
        Some(UniqueKey::Mount(dir)) => match &item.value {
            Value::Map(_) => item.get("target").and_then(Node::scalar).map_or_else(
                || {
                    Some(format!(
                        "{dir}/{}",
                        item.get("source").and_then(Node::scalar)?
                    ))
                },
                Some,
            ),
            _ => Some(format!("{dir}/{}", item.scalar()?)),
        },
    }
}

/// `{host ip, published, target, protocol}` of a port, short or long syntax.
pub(super) fn port_key(item: &Node) -> Option<String> {
    if let Value::Map(_) = item.value {
        let field = |k: &str| item.get(k).and_then(Node::scalar).unwrap_or_default();
        let protocol = item
            .get("protocol")
            .and_then(Node::scalar)
            .unwrap_or_else(|| "tcp".into());
        return Some(format!(
            "{}|{}|{}|{protocol}",
            field("host_ip"),
            field("published"),
            field("target")
        ));
    }
    let text = item.scalar()?;
    let (spec, protocol) = text.rsplit_once('/').unwrap_or((&text, "tcp"));
    let (ip, rest) = if let Some(after) = spec.strip_prefix('[') {
        let (ip, rest) = after.split_once(']')?;
        (ip, rest.trim_start_matches(':'))
    } else {
        let colons = spec.matches(':').count();
        if colons >= 2 {
            let mut it = spec.rsplitn(3, ':');
            let target = it.next()?;
            let published = it.next()?;
            let ip = it.next()?;
            return Some(format!("{ip}|{published}|{target}|{protocol}"));
        }
        ("", spec)
    };
    let (published, target) = rest.rsplit_once(':').unwrap_or(("", rest));
    Some(format!("{ip}|{published}|{target}|{protocol}"))
}
