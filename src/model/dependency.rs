//! `depends_on`: which services a service waits for, and until when.

use crate::diagnostic::{Code, Diagnostic};
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

impl Condition {
    /// The compose spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Started => "service_started",
            Self::Healthy => "service_healthy",
            Self::CompletedSuccessfully => "service_completed_successfully",
        }
    }
}

/// A service's `x-podlift.wait`: what its Pod does about `depends_on`
/// targets that another Pod runs (split and auto strategies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// `false`: start without waiting (the service retries on its own).
    Off,
    /// A duration (`15m`): wait at most this long, then fail the Pod's start.
    For(std::time::Duration),
}

/// Reads `x-podlift.wait`: `false`, `true` (the default wait) or a duration
/// above zero; anything else is an error at its span.
pub(crate) fn read_wait(node: &Node, reader: &mut Reader<'_>) -> Option<Located<Wait>> {
    if let Value::Bool(on) = node.value {
        return (!on).then(|| Located::new(Wait::Off, node.span));
    }
    let text = reader.string(node, "x-podlift.wait")?;
    match crate::model::units::parse_duration(&text.value) {
        Some(limit) if !limit.is_zero() => Some(Located::new(Wait::For(limit), text.span)),
        _ => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::DurationInvalid,
                    format!(
                        "`{}` in `x-podlift.wait` is neither `false` nor a duration above zero",
                        text.value
                    ),
                )
                .at(text.span)
                .help("write `false` to start without waiting for peers in other Pods, or how long to wait, like `15m`"),
            );
            None
        }
    }
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
    /// `restart`: compose restarts this service when it restarts the one
    /// depended on (not carried: a note says so).
    pub restart: bool,
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
                restart: false,
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
                                    Diagnostic::error(Code::DependsOnCondition, format!("unknown `depends_on` condition `{other}`"))
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
                    let restart = body.get("restart").filter(|restart| {
                        reader.boolean(restart, "depends_on.restart").is_some_and(|r| r.value)
                    });
                    if let Some(restart) = restart {
                        reader.diagnostics.push(
                            Diagnostic::note(
                                Code::DependsOnRestart,
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
                        restart: restart.is_some(),
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
