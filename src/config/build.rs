//! `build` and `develop`: paths resolved against the project.

use serde_json::{Map, Value as Json};

use super::Canon;
use super::json::{plain, string_map};
use crate::load::yaml::{Node, Value};
use crate::model::read::string_value;

impl Canon<'_> {
    /// `develop.watch`: paths resolve against the project, and compose
    /// writes an empty `exec` for each rule.
    pub(super) fn develop(&self, node: &Node) -> Json {
        let mut out = match plain(node) {
            Json::Object(map) => map,
            other => return other,
        };
        if let Some(Json::Array(rules)) = out.get_mut("watch") {
            for rule in rules.iter_mut() {
                let Json::Object(rule) = rule else { continue };
                if let Some(Json::String(path)) = rule.get("path") {
                    let path = self.path(path);
                    rule.insert("path".into(), Json::String(path));
                }
                rule.entry("exec")
                    .or_insert_with(|| serde_json::json!({"command": null}));
            }
        }
        Json::Object(out)
    }

    /// `args`: a name without a value takes it from the environment.
    pub(super) fn build_args(&self, node: &Node) -> Json {
        let mut out = Map::new();
        let lookup = |name: &str| {
            self.context
                .variables
                .get(name)
                .map_or(Json::Null, |v| Json::String(v.clone()))
        };
        match &node.value {
            Value::Seq(items) => {
                for text in items.iter().filter_map(Node::scalar) {
                    match text.split_once('=') {
                        Some((k, v)) => out.insert(k.to_string(), Json::String(v.to_string())),
                        None => match lookup(&text) {
                            Json::Null => None,
                            value => out.insert(text.clone(), value),
                        },
                    };
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(key) = key.scalar() else { continue };
                    let value = match value.value {
                        Value::Null => lookup(&key),
                        _ => string_value(value).map_or_else(|| plain(value), Json::String),
                    };
                    if !value.is_null() {
                        out.insert(key, value);
                    }
                }
            }
            _ => return plain(node),
        }
        Json::Object(out)
    }

    pub(super) fn build(&self, node: &Node) -> Json {
        let mut out = Map::new();
        match &node.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    let Some(key) = key.scalar() else { continue };
                    let canonical = match key.as_str() {
                        "context" => match value.scalar() {
                            Some(c) if c.contains("://") || c.starts_with("git@") => {
                                Json::String(c)
                            }
                            Some(c) => Json::String(self.path(&c)),
                            None => plain(value),
                        },
                        "args" => self.build_args(value),
                        "labels" => string_map(value, "", true),
                        _ => plain(value),
                    };
                    out.insert(key, canonical);
                }
            }
            _ => {
                if let Some(context) = node.scalar() {
                    out.insert("context".into(), Json::String(self.path(&context)));
                }
            }
        }
        out.entry("context")
            .or_insert_with(|| Json::String(self.path(".")));
        if !out.contains_key("dockerfile_inline") {
            out.entry("dockerfile")
                .or_insert_with(|| Json::String("Dockerfile".into()));
        }
        Json::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::printed;

    #[test]
    fn build_resolves_its_context_and_defaults_the_dockerfile() {
        let out = printed(
            "services:
  a:
    build: ./app
  b:
    build:
      context: https://example.com/repo.git
      args: [A=1, UNSET]
      labels: {x: 1}
  c:
    build: {dockerfile_inline: FROM scratch}
",
        );
        let services = &out["services"];
        assert_eq!(
            services["a"]["build"],
            json!({"context": "/project/app", "dockerfile": "Dockerfile"})
        );
        // a name without a value takes it from the environment, or is left out
        assert_eq!(
            services["b"]["build"],
            json!({
                "context": "https://example.com/repo.git", "dockerfile": "Dockerfile",
                "args": {"A": "1"}, "labels": {"x": "1"}
            })
        );
        assert_eq!(
            services["c"]["build"],
            json!({"context": "/project", "dockerfile_inline": "FROM scratch"})
        );
    }
}
