//! `healthcheck`.

use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::Span;

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
            _ => reader.diagnostics.push(
                Diagnostic::warning(
                    "key-unknown",
                    format!("unknown healthcheck key `{}`", key.value),
                )
                .at(key.span)
                .help("use `test`, `interval`, `timeout`, `retries`, `start_period` or `disable`"),
            ),
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
