//! A service's keys, borrowed from the tree: the keys of every service need
//! not be copied to be matched.

use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::Span;

/// A key of a service as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Key<'a> {
    /// Its text ([`Node::scalar`]).
    pub value: &'a str,
    /// Where it is written.
    pub span: Span,
}

impl<'a> Key<'a> {
    /// The key `node`, its text borrowed when a string and else kept in
    /// `text`; `None` when it has no text (reported by [`report_untexted`]).
    pub(super) fn of(node: &'a Node, text: &'a mut Option<String>) -> Option<Self> {
        let value = match &node.value {
            Value::String(name) => name.as_str(),
            _ => text.insert(node.scalar()?).as_str(),
        };
        Some(Self {
            value,
            span: node.span,
        })
    }
}

/// Reports the keys of `entries` that are no scalar, before any key is
/// read, as [`Reader::map_of`] does.
pub(super) fn report_untexted(
    entries: &[(Node, Node)],
    what: &dyn Fn() -> String,
    reader: &mut Reader<'_>,
) {
    for (key, _) in entries {
        if !matches!(
            key.value,
            Value::String(_) | Value::Number(_) | Value::Bool(_)
        ) {
            reader.type_error(key, &format!("{} key", what()), "a string");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Key;
    use crate::load::yaml::{Node, Value};
    use crate::source::{FileId, Span};

    /// A key's text is the text `Node::scalar` gives, borrowed or not; a
    /// key without one gives no key.
    #[test]
    fn keys_have_the_text_of_their_node() {
        let values = [
            Value::String("image".into()),
            Value::Number("0x10".into()),
            Value::Bool(true),
            Value::Null,
            Value::Seq(Vec::new()),
        ];
        for value in values {
            let node = Node {
                value,
                span: Span {
                    file: FileId(0),
                    start: 0,
                    len: 0,
                },
            };
            let mut text = None;
            let key = Key::of(&node, &mut text).map(|k| k.value.to_string());
            assert_eq!(key, node.scalar());
        }
    }
}
