//! `healthcheck`.

use std::time::Duration;

use crate::diagnostic::{Code, Diagnostic};
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
            Code::HealthProbeInvalid,
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

/// A compose `healthcheck:` as written: each field only when the file sets
/// it, so that an image's `HEALTHCHECK` can fill the rest as Docker does
/// (the engine takes every field the container's check leaves unset from
/// the image's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthSetting {
    /// `test`, when written and valid (`NONE` is [`Self::disabled`]).
    pub test: Option<HealthTest>,
    /// `disable: true` or `test: ["NONE"]`: no check, the image's neither.
    pub disabled: bool,
    /// `interval`.
    pub interval: Option<Duration>,
    /// `timeout`.
    pub timeout: Option<Duration>,
    /// `retries`, as written (a check takes at most `u32::MAX`).
    pub retries: Option<u64>,
    /// `start_period`.
    pub start_period: Option<Duration>,
    /// `start_interval` (Kubernetes has no such setting: `config` prints it).
    pub start_interval: Option<Duration>,
    /// Where it was written.
    pub span: Span,
}

/// Docker's and compose's defaults for a check's unset fields.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_RETRIES: u32 = 3;

impl HealthSetting {
    /// The check the compose file alone gives: `None` when disabled or
    /// without a `test`.
    #[must_use]
    pub fn check(&self) -> Option<Healthcheck> {
        if self.disabled {
            return None;
        }
        Some(Healthcheck {
            test: self.test.clone()?,
            interval: self.interval.unwrap_or(DEFAULT_INTERVAL),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            retries: self.retries.map_or(DEFAULT_RETRIES, saturate),
            start_period: self.start_period.unwrap_or(Duration::ZERO),
            span: self.span,
        })
    }

    /// The check over an image's `HEALTHCHECK` (Docker's defaults already
    /// in `image` for its zero values): each field the compose file sets
    /// wins, the rest are the image's; `None` when disabled.
    #[must_use]
    pub fn over(&self, image: &Healthcheck) -> Option<Healthcheck> {
        if self.disabled {
            return None;
        }
        Some(Healthcheck {
            test: self.test.clone().unwrap_or_else(|| image.test.clone()),
            interval: self.interval.unwrap_or(image.interval),
            timeout: self.timeout.unwrap_or(image.timeout),
            retries: self.retries.map_or(image.retries, saturate),
            start_period: self.start_period.unwrap_or(image.start_period),
            span: self.span,
        })
    }
}

/// A count of retries as a check holds it (at most `u32::MAX`).
fn saturate(retries: u64) -> u32 {
    u32::try_from(retries).unwrap_or(u32::MAX)
}

/// Reads `healthcheck` as written; `None` when it is not a mapping.
pub fn read_health_setting(node: &Node, reader: &mut Reader<'_>) -> Option<HealthSetting> {
    let entries = reader.map(node, "healthcheck")?;
    let mut setting = HealthSetting {
        test: None,
        disabled: false,
        interval: None,
        timeout: None,
        retries: None,
        start_period: None,
        start_interval: None,
        span: node.span,
    };
    for (key, value) in entries {
        let duration =
            |reader: &mut Reader<'_>, what: &str| reader.duration(value, what).map(|d| d.value);
        match key.value.as_str() {
            "test" => match read_test(value, reader) {
                Test::Run(test) => setting.test = Some(test),
                Test::None => setting.disabled = true,
                Test::Empty | Test::Invalid => {}
            },
            "interval" => {
                setting.interval = duration(reader, "healthcheck.interval").or(setting.interval);
            }
            "timeout" => {
                setting.timeout = duration(reader, "healthcheck.timeout").or(setting.timeout);
            }
            "start_period" => {
                setting.start_period =
                    duration(reader, "healthcheck.start_period").or(setting.start_period);
            }
            "start_interval" => {
                setting.start_interval =
                    duration(reader, "healthcheck.start_interval").or(setting.start_interval);
            }
            "retries" => {
                // compose's `uint64`: up to u64::MAX, nothing below zero
                if let Some(retries) = reader.count(value, "healthcheck.retries") {
                    setting.retries = Some(retries.value);
                }
            }
            "disable" => {
                setting.disabled |= reader
                    .boolean(value, "healthcheck.disable")
                    .is_some_and(|d| d.value);
            }
            // an unknown key is refused when the file is loaded (load::schema)
            _ => {}
        }
    }
    Some(setting)
}

/// What `healthcheck.test` says.
enum Test {
    /// A command to run.
    Run(HealthTest),
    /// `["NONE"]`: no check.
    None,
    /// `[]`: no test written (compose: the image's, if any).
    Empty,
    /// Not readable (an error was reported).
    Invalid,
}

fn read_test(node: &Node, reader: &mut Reader<'_>) -> Test {
    match &node.value {
        Value::String(text) => Test::Run(HealthTest::Shell(text.clone())),
        Value::Seq(_) => {
            let words: Vec<String> = reader
                .text_list(node, "healthcheck.test")
                .into_iter()
                .map(|w| w.value)
                .collect();
            match words.split_first() {
                Some((kind, rest)) if kind == "CMD" => Test::Run(HealthTest::Exec(rest.to_vec())),
                Some((kind, rest)) if kind == "CMD-SHELL" => {
                    Test::Run(HealthTest::Shell(rest.join(" ")))
                }
                Some((kind, _)) if kind == "NONE" => Test::None,
                None => Test::Empty,
                _ => {
                    reader.diagnostics.push(
                        Diagnostic::error(Code::HealthcheckInvalid, "`healthcheck.test` must start with `CMD`, `CMD-SHELL` or `NONE`")
                            .at(node.span)
                            .help("write `[\"CMD\", \"curl\", \"-f\", \"http://localhost\"]` or `[\"CMD-SHELL\", \"…\"]`"),
                    );
                    Test::Invalid
                }
            }
        }
        _ => {
            reader.type_error(node, "healthcheck.test", "a string or a list");
            Test::Invalid
        }
    }
}
