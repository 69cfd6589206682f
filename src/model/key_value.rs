//! `KEY=VALUE` entries: `labels`, `annotations` and `sysctls`, written as a
//! list (`- KEY=VALUE`) or a mapping (`KEY: VALUE`), parsed once.

use std::collections::HashMap;
use std::fmt;

use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::Located;

/// One `KEY=VALUE` entry, split at its first `=` and kept as written (no
/// trimming): `a==b` is key `a`, value `=b`; `=b` has an empty key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// What comes before the first `=` (all of it when there is none).
    pub key: String,
    /// What comes after the first `=`; `None` when the entry has no `=`
    /// (compose reads it as an empty value).
    pub value: Option<String>,
}

impl KeyValue {
    /// Splits `text` at its first `=`.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match text.split_once('=') {
            Some((key, value)) => Self {
                key: key.to_string(),
                value: Some(value.to_string()),
            },
            None => Self {
                key: text.to_string(),
                value: None,
            },
        }
    }

    /// The value, empty when none was written (as compose reads `KEY`).
    #[must_use]
    pub fn value_or_empty(&self) -> &str {
        self.value.as_deref().unwrap_or_default()
    }
}

/// The entry as written: `KEY=VALUE`, or `KEY` without a value.
impl fmt::Display for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{}={value}", self.key),
            None => f.write_str(&self.key),
        }
    }
}

/// Reads a list of `KEY=VALUE` strings or a mapping (`what`: the key, for
/// errors), each entry at its place (a mapping's at its key). Compose reads
/// both as a mapping: a key listed again replaces the earlier entry (its
/// value and place), where that one was.
pub(crate) fn read_key_values(
    node: &Node,
    what: &str,
    reader: &mut Reader<'_>,
) -> Vec<Located<KeyValue>> {
    let mut out: Vec<Located<KeyValue>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // a mapping's key is the key whole, `=` and all (compose: `"a=b": c`
    // is label `a=b`); only a list's entry is split
    let entries: Vec<Located<KeyValue>> = match &node.value {
        Value::Map(entries) => reader
            .map_entries(entries, what)
            .into_iter()
            .map(|(key, value)| {
                let entry = KeyValue {
                    key: key.value,
                    value: Some(value),
                };
                Located::new(entry, key.span)
            })
            .collect(),
        _ => reader
            .list_or_map(node, what, "=")
            .into_iter()
            .map(|entry| Located::new(KeyValue::parse(&entry.value), entry.span))
            .collect(),
    };
    for entry in entries {
        match index.get(&entry.value.key).and_then(|&i| out.get_mut(i)) {
            Some(earlier) => *earlier = entry,
            None => {
                index.insert(entry.value.key.clone(), out.len());
                out.push(entry);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{KeyValue, read_key_values};
    use crate::diagnostic::Diagnostics;
    use crate::model::read::Reader;
    use crate::source::FileId;

    /// The entries of `labels` in `text`, each with the text at its span.
    fn read(text: &str) -> Vec<(String, Option<String>, String)> {
        let root = crate::load::yaml::parse(text, FileId(0)).unwrap();
        let node = root.as_map().unwrap().first().unwrap().1.clone();
        let mut diagnostics = Diagnostics::default();
        let entries = read_key_values(&node, "labels", &mut Reader::new(&mut diagnostics));
        entries
            .into_iter()
            .map(|e| {
                let at = text
                    .get(e.span.start..e.span.start + e.span.len)
                    .unwrap()
                    .to_string();
                (e.value.key, e.value.value, at)
            })
            .collect()
    }

    fn pair(text: &str) -> (String, Option<String>) {
        let entry = KeyValue::parse(text);
        (entry.key, entry.value)
    }

    #[test]
    fn splits_at_the_first_equals_sign_and_keeps_the_rest() {
        assert_eq!(pair("a=b"), ("a".into(), Some("b".into())));
        // compose: `c==d` is label `c` with value `=d`
        assert_eq!(pair("c==d"), ("c".into(), Some("=d".into())));
        assert_eq!(pair("net.d=1=2"), ("net.d".into(), Some("1=2".into())));
    }

    #[test]
    fn an_empty_side_stays_empty() {
        // compose: `a=` is `a: ""`, `=b` is `"": b`
        assert_eq!(pair("a="), ("a".into(), Some(String::new())));
        assert_eq!(pair("=b"), (String::new(), Some("b".into())));
        assert_eq!(pair("="), (String::new(), Some(String::new())));
        assert_eq!(pair(""), (String::new(), None));
    }

    #[test]
    fn without_an_equals_sign_the_value_is_absent_and_reads_as_empty() {
        let entry = KeyValue::parse("e");
        assert_eq!(entry.value, None);
        assert_eq!(entry.value_or_empty(), "");
        assert_ne!(entry, KeyValue::parse("e="));
    }

    #[test]
    fn spaces_are_kept_as_compose_keeps_them() {
        // compose: ` g = h ` is key ` g `, value ` h `
        assert_eq!(pair(" g = h "), (" g ".into(), Some(" h ".into())));
    }

    #[test]
    fn a_list_entry_is_at_its_item_and_a_mapping_entry_at_its_key() {
        assert_eq!(
            read("labels: [a=1, \"b\"]"),
            [
                ("a".into(), Some("1".into()), "a=1".into()),
                ("b".into(), None, "\"b\"".into()),
            ]
        );
        // a mapping's null value is an empty one, as compose reads it
        assert_eq!(
            read("labels:\n  a: 1\n  b:\n"),
            [
                ("a".into(), Some("1".into()), "a".into()),
                ("b".into(), Some(String::new()), "b".into()),
            ]
        );
    }

    #[test]
    fn a_key_listed_again_keeps_the_last_value_at_the_first_place() {
        // compose: `[f=1, x=0, f=2, f]` is `f: ""`, `x: "0"`
        assert_eq!(
            read("labels: [f=1, x=0, f=2, f]"),
            [
                ("f".into(), None, "f".into()),
                ("x".into(), Some("0".into()), "x=0".into()),
            ]
        );
    }

    #[test]
    fn prints_as_written() {
        for text in ["a=b", "a=", "=b", "c==d", "e", " g = h "] {
            assert_eq!(KeyValue::parse(text).to_string(), text);
        }
    }
}
