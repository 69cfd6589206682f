//! `depends_on`: which services a service waits for, and until when.

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::Located;

/// When a dependency counts as ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `service_started` (the default).
    Started,
    /// `service_healthy`.
    Healthy,
    /// `service_completed_successfully`.
    CompletedSuccessfully,
}

/// One `depends_on` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The service depended on.
    pub service: Located<String>,
    /// When it counts as ready.
    pub condition: Condition,
    /// `required` (default true): `false` lets the service start without it.
    pub required: bool,
}

pub(crate) fn read_depends_on(node: &Node, reader: &mut Reader<'_>) -> Vec<Dependency> {
    match &node.value {
        Value::Seq(_) => reader
            .string_list(node, "depends_on")
            .into_iter()
            .map(|service| Dependency {
                service,
                condition: Condition::Started,
                required: true,
            })
            .collect(),
        Value::Map(_) => {
            let entries = reader.map(node, "depends_on").unwrap_or_default();
            entries
                .into_iter()
                .map(|(service, body)| {
                    let condition = body
                        .get("condition")
                        .and_then(|c| reader.string(c, "depends_on.condition"))
                        .map_or(Condition::Started, |c| match c.value.as_str() {
                            "service_healthy" => Condition::Healthy,
                            "service_completed_successfully" => Condition::CompletedSuccessfully,
                            "service_started" => Condition::Started,
                            other => {
                                reader.diagnostics.push(
                                    Diagnostic::error("depends-on-condition", format!("unknown `depends_on` condition `{other}`"))
                                        .at(c.span)
                                        .help("use `service_started`, `service_healthy` or `service_completed_successfully`"),
                                );
                                Condition::Started
                            }
                        });
                    // compose's schema wants a YAML boolean here, not a word
                    let required = match body.get("required") {
                        None => true,
                        Some(Node { value: Value::Bool(b), .. }) => *b,
                        Some(other) => {
                            reader.type_error(other, "depends_on.required", "`true` or `false`");
                            true
                        }
                    };
                    if let Some(restart) = body.get("restart")
                        && reader.boolean(restart, "depends_on.restart").is_some_and(|r| r.value)
                    {
                        reader.diagnostics.push(
                            Diagnostic::note(
                                "depends-on-restart",
                                format!(
                                    "`restart: true` on the dependency on `{}` is not carried over: compose restarts this service when `{}` is restarted by `docker compose`; Kubernetes restarts each container on its own",
                                    service.value, service.value
                                ),
                            )
                            .at(restart.span)
                            .help("if this service must reconnect after a restart of its dependency, make it retry, or give it a liveness probe"),
                        );
                    }
                    Dependency {
                        service,
                        condition,
                        required,
                    }
                })
                .collect()
        }
        _ => {
            reader.type_error(node, "depends_on", "a list or a mapping");
            Vec::new()
        }
    }
}
