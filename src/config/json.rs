//! YAML nodes as JSON values, read with the model's scalar readers.

use serde_json::{Map, Value as Json};

use crate::load::yaml::{Node, Value};
use crate::model::read::{parse_bool, parse_float, parse_integer, string_value};

/// A scalar or tree as written: numbers as numbers, booleans as booleans.
pub(super) fn plain(node: &Node) -> Json {
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
pub(super) fn number(text: &str) -> Json {
    let value = Value::Number(text.to_string());
    if let Some(i) = parse_integer(&value).filter(|_| !text.contains(['.', 'e', 'E'])) {
        return Json::from(i);
    }
    // past `i64::MAX`, go-yaml reads a whole number as a `uint64`
    let digits = text.strip_prefix('+').unwrap_or(text).replace('_', "");
    if digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(u) = digits.parse::<u64>()
    {
        return Json::from(u);
    }
    parse_float(&value)
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Json::String(text.to_string()), Json::Number)
}

/// Like [`plain`], but whole-number strings of a tree become numbers (`ulimits`).
pub(super) fn plain_numbers(node: &Node) -> Json {
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

pub(super) fn boolean(node: &Node) -> Json {
    parse_bool(&node.value).map_or_else(|| plain(node), Json::Bool)
}

pub(super) fn integer(node: &Node) -> Json {
    parse_integer(&node.value).map_or_else(|| plain(node), Json::from)
}

pub(super) fn float(node: &Node) -> Json {
    parse_float(&node.value)
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| plain(node), Json::Number)
}

/// A byte size as compose prints it: the number of bytes, as a string.
pub(super) fn bytes(node: &Node) -> Json {
    // `-1` (no limit) stays, as compose writes it: a string
    if node.scalar().is_some_and(|t| t.trim() == "-1") {
        return Json::String("-1".into());
    }
    crate::model::read::parse_size(&node.value)
        .map_or_else(|| plain(node), |b| Json::String(b.to_string()))
}

pub(super) fn list_of(node: &Node, item: impl FnMut(&Node) -> Json) -> Json {
    match node.as_seq() {
        Some(items) => Json::Array(items.iter().map(item).collect()),
        None => plain(node),
    }
}

pub(super) fn one_or_list(node: &Node) -> Json {
    match &node.value {
        Value::Seq(_) => list_of(node, |n| n.scalar().map_or_else(|| plain(n), Json::String)),
        _ => match node.scalar() {
            Some(text) => Json::Array(vec![Json::String(text)]),
            None => plain(node),
        },
    }
}

pub(super) fn command(node: &Node) -> Json {
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
pub(super) fn string_map(node: &Node, missing: &str, null_stays: bool) -> Json {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::{bytes, command, integer, number, one_or_list, plain, plain_numbers, string_map};
    use crate::load::yaml::{Node, parse};
    use crate::source::FileId;

    /// The value of `v:` in `text` (a flow mapping's one entry).
    fn node(value: &str) -> Node {
        let root = parse(&format!("v: {value}\n"), FileId(0)).unwrap();
        root.get("v").unwrap().clone()
    }

    #[test]
    fn numbers_print_as_compose_reads_them() {
        assert_eq!(number("3"), json!(3));
        assert_eq!(number("0x1F"), json!(31));
        assert_eq!(number("1.50"), json!(1.5));
        assert_eq!(number("3.0"), json!(3.0));
        assert_eq!(plain(&node("[1, true, ~, x]")), json!([1, true, null, "x"]));
        // whole-number strings of a tree become numbers (`ulimits`)
        assert_eq!(
            plain_numbers(&node("{nofile: {soft: \"20000\", hard: 40000}}")),
            json!({"nofile": {"soft": 20000, "hard": 40000}})
        );
        assert_eq!(integer(&node("\"12\"")), json!(12));
        // what cannot be read is copied as written (the model reports it)
        assert_eq!(integer(&node("twelve")), json!("twelve"));
    }

    #[test]
    fn byte_sizes_print_as_a_count_of_bytes_and_minus_one_stays() {
        assert_eq!(bytes(&node("1g")), json!("1073741824"));
        assert_eq!(bytes(&node("512k")), json!("524288"));
        assert_eq!(bytes(&node("-1")), json!("-1"));
        assert_eq!(bytes(&node("lots")), json!("lots"));
    }

    #[test]
    fn commands_split_into_words_and_lists_stay() {
        assert_eq!(
            command(&node("'echo \"a b\" c'")),
            json!(["echo", "a b", "c"])
        );
        assert_eq!(command(&node("[sh, -c, 1]")), json!(["sh", "-c", "1"]));
        assert_eq!(command(&node("~")), json!(null));
        assert_eq!(one_or_list(&node("/run")), json!(["/run"]));
        assert_eq!(one_or_list(&node("[/a, /b]")), json!(["/a", "/b"]));
    }

    #[test]
    fn string_maps_read_lists_and_mappings() {
        assert_eq!(
            string_map(&node("[a=1, b, c=x=y]"), "", false),
            json!({"a": "1", "b": "", "c": "x=y"})
        );
        assert_eq!(
            string_map(&node("{a: 1.50, b: ~, c: true}"), "", true),
            json!({"a": "1.5", "b": null, "c": "true"})
        );
        assert_eq!(
            string_map(&node("{b: ~}"), "missing", false),
            json!({"b": "missing"})
        );
    }
}
