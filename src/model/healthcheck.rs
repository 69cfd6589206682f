//! `healthcheck`.

use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::{Located, Span};

/// What the check runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthTest {
    /// `["CMD", args…]`: run directly.
    Exec(Vec<String>),
    /// `["CMD-SHELL", "…"]` or a plain string: run by `sh -c`.
    Shell(String),
}

/// A compose health check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Healthcheck {
    /// The command.
    pub test: HealthTest,
    /// `interval` (compose default 30s).
    pub interval: Duration,
    /// `timeout` (compose default 30s).
    pub timeout: Duration,
    /// `retries` (compose default 3).
    pub retries: u32,
    /// `start_period` (compose default 0s).
    pub start_period: Duration,
    /// Where it was written.
    pub span: Span,
}

/// What a compose health check becomes besides the start gate that a
/// `service_healthy` dependent gets (`--health-probe`, or a service's
/// `x-podlift.health-probe`, which wins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HealthProbe {
    /// No probe of its own, as under compose: the check only holds
    /// `service_healthy` dependents (a `startupProbe`); it never takes
    /// traffic away and never restarts the container.
    #[default]
    None,
    /// `readinessProbe`: while the check fails, the Pod's Services stop
    /// sending it traffic (all of the Pod's: readiness is the Pod's).
    Readiness,
    /// `livenessProbe`: the kubelet restarts the container when it fails.
    Liveness,
}

impl HealthProbe {
    /// Every value with its spelling (flag and `x-podlift`).
    pub const SPELLINGS: [(&'static str, Self); 3] = [
        ("none", Self::None),
        ("readiness", Self::Readiness),
        ("liveness", Self::Liveness),
    ];

    /// The value written as `text`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::SPELLINGS
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, value)| *value)
    }
}

/// Reads a service's `x-podlift.health-probe`: `none`, `readiness` or
/// `liveness`; anything else is an error.
pub fn read_health_probe(node: &Node, reader: &mut Reader<'_>) -> Option<Located<HealthProbe>> {
    let text = reader.string(node, "x-podlift.health-probe")?;
    if let Some(value) = HealthProbe::parse(&text.value) {
        return Some(Located::new(value, text.span));
    }
    reader.diagnostics.push(
        Diagnostic::error(
            "health-probe-invalid",
            format!(
                "`x-podlift.health-probe` is `{}`; it takes `none`, `readiness` or `liveness`",
                text.value
            ),
        )
        .at(text.span)
        .help("`none` (the default) keeps the check a start gate only; `readiness` stops traffic while it fails; `liveness` restarts the container"),
    );
    None
}

/// Reads `healthcheck`; `None` when absent, disabled or `NONE`.
pub fn read_healthcheck(node: &Node, reader: &mut Reader<'_>) -> Option<Healthcheck> {
    let entries = reader.map(node, "healthcheck")?;
    let mut test = None;
    let mut check = Healthcheck {
        test: HealthTest::Exec(Vec::new()),
        interval: Duration::from_secs(30),
        timeout: Duration::from_secs(30),
        retries: 3,
        start_period: Duration::ZERO,
        span: node.span,
    };
    let mut disabled = false;
    for (key, value) in entries {
        let what = format!("healthcheck.{}", key.value);
        let duration = |reader: &mut Reader<'_>| reader.duration(value, &what).map(|d| d.value);
        match key.value.as_str() {
            "test" => test = read_test(value, reader),
            "interval" => check.interval = duration(reader).unwrap_or(check.interval),
            "timeout" => check.timeout = duration(reader).unwrap_or(check.timeout),
            "start_period" => check.start_period = duration(reader).unwrap_or(check.start_period),
            "start_interval" => {
                duration(reader);
            }
            "retries" => {
                if let Some(retries) = reader.integer(value, "healthcheck.retries", 0) {
                    check.retries = u32::try_from(retries.value).unwrap_or(u32::MAX);
                }
            }
            "disable" => {
                disabled = reader
                    .boolean(value, "healthcheck.disable")
                    .is_some_and(|d| d.value);
            }
            // an unknown key is refused when the file is loaded (load::schema)
            _ => {}
        }
    }
    if disabled {
        return None;
    }
    check.test = test?;
    Some(check)
}

fn read_test(node: &Node, reader: &mut Reader<'_>) -> Option<HealthTest> {
    match &node.value {
        Value::String(text) => Some(HealthTest::Shell(text.clone())),
        Value::Seq(_) => {
            let words: Vec<String> = reader
                .text_list(node, "healthcheck.test")
                .into_iter()
                .map(|w| w.value)
                .collect();
            match words.split_first() {
                Some((kind, rest)) if kind == "CMD" => Some(HealthTest::Exec(rest.to_vec())),
                Some((kind, rest)) if kind == "CMD-SHELL" => {
                    Some(HealthTest::Shell(rest.join(" ")))
                }
                Some((kind, _)) if kind == "NONE" => None,
                _ => {
                    reader.diagnostics.push(
                        Diagnostic::error("healthcheck-invalid", "`healthcheck.test` must start with `CMD`, `CMD-SHELL` or `NONE`")
                            .at(node.span)
                            .help("write `[\"CMD\", \"curl\", \"-f\", \"http://localhost\"]` or `[\"CMD-SHELL\", \"…\"]`"),
                    );
                    None
                }
            }
        }
        _ => {
            reader.type_error(node, "healthcheck.test", "a string or a list");
            None
        }
    }
}
