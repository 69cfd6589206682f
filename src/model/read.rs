//! Typed readers over YAML nodes: each reports a type error with its position
//! and returns `None`, so one run reports every problem.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::yaml::{Node, Value};
use crate::source::Located;

/// Reads typed values from nodes, recording every type error.
pub struct Reader<'d> {
    /// Where problems go.
    pub diagnostics: &'d mut Diagnostics,
}

impl Reader<'_> {
    /// Records a type error: "`what` must be `expected`, found …".
    pub fn type_error(&mut self, node: &Node, what: &str, expected: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                "type",
                format!("`{what}` must be {expected}, found {}", node.type_name()),
            )
            .at(node.span),
        );
    }

    /// A scalar as text (strings, numbers and booleans alike).
    pub fn string(&mut self, node: &Node, what: &str) -> Option<Located<String>> {
        if let Some(text) = node.scalar() {
            Some(Located::new(text, node.span))
        } else {
            self.type_error(node, what, "a string");
            None
        }
    }

    /// A mapping's entries with string keys.
    pub fn map<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<Vec<(Located<String>, &'n Node)>> {
        let Some(entries) = node.as_map() else {
            self.type_error(node, what, "a mapping");
            return None;
        };
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            // The description is only made for the error.
            match key.scalar() {
                Some(name) => out.push((Located::new(name, key.span), value)),
                None => self.type_error(key, &format!("{what} key"), "a string"),
            }
        }
        Some(out)
    }

    /// A list of scalars.
    pub fn string_list(&mut self, node: &Node, what: &str) -> Vec<Located<String>> {
        let Some(items) = node.as_seq() else {
            self.type_error(node, what, "a list of strings");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item.scalar() {
                Some(text) => out.push(Located::new(text, item.span)),
                None => self.type_error(item, &format!("{what} item"), "a string"),
            }
        }
        out
    }

    /// A command: a list of words, or a string split as a shell would.
    pub fn command(&mut self, node: &Node, what: &str) -> Option<Located<Vec<String>>> {
        match &node.value {
            Value::Null => None,
            Value::Seq(_) => {
                let words = self.string_list(node, what);
                Some(Located::new(
                    words.into_iter().map(|w| w.value).collect(),
                    node.span,
                ))
            }
            Value::String(text) => match shell_words::split(text) {
                Ok(words) => Some(Located::new(words, node.span)),
                Err(e) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "command-syntax",
                            format!("`{what}` cannot be split into words: {e}"),
                        )
                        .at(node.span)
                        .help("close the quote, or write the command as a list"),
                    );
                    None
                }
            },
            _ => {
                self.type_error(node, what, "a string or a list of strings");
                None
            }
        }
    }

    /// A list of strings, or a mapping `key: value` turned into `key<sep>value`
    /// (compose allows both for `extra_hosts`, `labels`, `environment`, …).
    pub fn list_or_map(&mut self, node: &Node, what: &str, sep: &str) -> Vec<Located<String>> {
        match &node.value {
            Value::Seq(_) => self.string_list(node, what),
            Value::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    let key = self.string(k, what)?;
                    let value = match &v.value {
                        Value::Null => String::new(),
                        Value::Seq(items) => items
                            .iter()
                            .filter_map(Node::scalar)
                            .collect::<Vec<_>>()
                            .join(","),
                        _ => self.string(v, what)?.value,
                    };
                    Some(Located::new(format!("{}{sep}{value}", key.value), k.span))
                })
                .collect(),
            _ => {
                self.type_error(node, what, "a list or a mapping");
                Vec::new()
            }
        }
    }
}
