//! `environment` and `env_file` as `docker compose config` prints them.

use serde_json::{Map, Value as Json};

use super::Canon;
use crate::diagnostic::Diagnostics;
use crate::load::yaml::{Node, Value};
use crate::model::environment::read_env_files;
use crate::model::read::{Reader, string_value};
use crate::model::{Context, FileAccess};

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
        read_env_files(node, &self.model_context(), &mut reader)
            .into_iter()
            .map(|v| (v.name, Json::String(v.value)))
            .collect()
    }

    /// The model's view of the project directory and the environment.
    fn model_context(&self) -> Context {
        Context {
            variables: self.context.variables.clone(),
            project_dir: self.dir.to_path_buf(),
            files: FileAccess::Read,
            host: self.host.clone(),
        }
    }
}
