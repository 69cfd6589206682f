//! `environment`, `env_file` and `label_file` as `docker compose config` prints them.

use serde_json::{Map, Value as Json};

use super::Canon;
use crate::diagnostic::Diagnostics;
use crate::load::yaml::{Node, Value};
use crate::model::environment::read_env_files;
use crate::model::read::{Reader, string_value};

impl Canon<'_> {
    pub(super) fn environment(&self, node: &Node) -> Map<String, Json> {
        let mut out = Map::new();
        let lookup = |name: &str| {
            self.context
                .variables
                .get(name)
                .map_or(Json::Null, |v| Json::String(v.clone()))
        };
        match &node.value {
            Value::Seq(items) => {
                for item in items {
                    let Some(text) = item.scalar() else { continue };
                    match text.split_once('=') {
                        Some((name, value)) => {
                            out.insert(name.to_string(), Json::String(value.to_string()));
                        }
                        None => {
                            out.insert(text.clone(), lookup(&text));
                        }
                    }
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(name) = key.scalar() else { continue };
                    let value = match &value.value {
                        Value::Null => lookup(&name),
                        _ => string_value(value).map_or(Json::Null, Json::String),
                    };
                    out.insert(name, value);
                }
            }
            _ => {}
        }
        out
    }

    pub(super) fn env_file(&self, node: &Node) -> Vec<(String, Json)> {
        let mut scratch = Diagnostics::default();
        let mut reader = Reader {
            diagnostics: &mut scratch,
        };
        read_env_files(node, self.dir, &self.context.variables, &mut reader)
            .into_iter()
            .map(|v| (v.name, Json::String(v.value)))
            .collect()
    }

    /// `label_file`: `KEY=VALUE` lines; the service's `labels` win.
    pub(super) fn label_files(&self, node: &Node) -> Vec<(String, Json)> {
        let files: Vec<String> = match &node.value {
            Value::Seq(items) => items.iter().filter_map(Node::scalar).collect(),
            _ => node.scalar().into_iter().collect(),
        };
        let mut out = Vec::new();
        for file in files {
            let Ok(text) = std::fs::read_to_string(self.dir.join(&file)) else {
                continue;
            };
            if let Ok(pairs) = crate::load::dotenv::parse_env_file(&text, &self.context.variables) {
                out.extend(pairs.into_iter().map(|(k, v)| (k, Json::String(v))));
            }
        }
        out
    }
}
