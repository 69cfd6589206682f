//! Credentials that interpolation wrote into what a container runs.
//!
//! `command: redis-server --requirepass ${REDIS_PASSWORD}` puts the password
//! into the words compose runs. In a Deployment those words are readable by
//! anyone who may read the Deployment; the kubelet, though, expands
//! `$(NAME)` in `command` and `args` from the container's environment, which
//! can read a Secret. So the plan writes `$(REDIS_PASSWORD)` where the value
//! was and reads `REDIS_PASSWORD` from the service's Secret. Health checks
//! and hooks get no such expansion from a Secret: a credential there stays
//! in the workload, and a warning says so.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::interpolate::Tally;
use crate::load::yaml::{Node, Value};
use crate::model::credential::{Credential, credential};
use crate::model::healthcheck::HealthTest;
use crate::model::read::Reader;
use crate::model::service::Service;
use crate::source::Span;

/// A variable that looks like a credential and that interpolation put into
/// a service's `command` or `entrypoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandCredential {
    /// The variable's name.
    pub name: String,
    /// Its value, as it stands in the words.
    pub value: String,
    /// Why it is taken for a credential.
    pub why: Credential,
}

/// The credentials of `service`'s `command` and `entrypoint` (each name
/// once), and a warning for each one in a health check or a hook, where it
/// stays in plain text. `body` is the service as written.
pub(crate) fn read(
    service: &Service,
    body: &Node,
    tally: &Tally,
    reader: &mut Reader<'_>,
) -> Vec<CommandCredential> {
    let mut found: Vec<CommandCredential> = Vec::new();
    let Value::Map(entries) = &body.value else {
        return found;
    };
    for (key, value) in entries {
        let Value::String(key_text) = &key.value else {
            continue;
        };
        let command = match key_text.as_str() {
            "entrypoint" => service.entrypoint.as_ref(),
            "command" => service.command.as_ref(),
            _ => None,
        };
        if let Some(words) = command {
            for item in credentials_in(tally, value, &words.value) {
                if !found.iter().any(|f| f.name == item.name) {
                    found.push(item);
                }
            }
            continue;
        }
        let words: Vec<&[String]> = match key_text.as_str() {
            "healthcheck" => match service.healthcheck.as_ref().map(|h| &h.test) {
                Some(HealthTest::Exec(words)) => vec![words.as_slice()],
                Some(HealthTest::Shell(line)) => vec![std::slice::from_ref(line)],
                None => Vec::new(),
            },
            "post_start" => hook_words(&service.post_start),
            "pre_stop" => hook_words(&service.pre_stop),
            _ => continue,
        };
        let mut names: Vec<String> = Vec::new();
        for part in words {
            for item in credentials_in(tally, value, part) {
                if !names.contains(&item.name) {
                    names.push(item.name);
                }
            }
        }
        if !names.is_empty() {
            warn_plain(reader, key_text, &names, key.span);
        }
    }
    found
}

fn hook_words(hooks: &[crate::model::process::Hook]) -> Vec<&[String]> {
    hooks.iter().map(|h| h.command.value.as_slice()).collect()
}

/// The credentials interpolation put into the strings of `node` that stand
/// in `words`.
fn credentials_in(tally: &Tally, node: &Node, words: &[String]) -> Vec<CommandCredential> {
    let mut spans = Vec::new();
    strings(node, &mut spans);
    spans
        .into_iter()
        .flat_map(|span| tally.substitutions_at(span))
        .filter(|(_, value)| words.iter().any(|w| w.contains(value.as_str())))
        .filter_map(|(name, value)| {
            credential(&name, &value).map(|why| CommandCredential { name, value, why })
        })
        .collect()
}

/// Where each string value under `node` lies.
fn strings(node: &Node, spans: &mut Vec<Span>) {
    match &node.value {
        Value::String(_) => spans.push(node.span),
        Value::Seq(items) => items.iter().for_each(|item| strings(item, spans)),
        Value::Map(entries) => entries.iter().for_each(|(_, value)| strings(value, spans)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn warn_plain(reader: &mut Reader<'_>, key: &str, names: &[String], at: Span) {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let (looks, it) = if names.len() > 1 {
        ("look like credentials", "they stay")
    } else {
        ("looks like a credential", "it stays")
    };
    reader.diagnostics.push(
        Diagnostic::warning(
            Code::CredentialInProbe,
            format!(
                "{} in `{key}` {looks}: {it} in plain text in the workload (Kubernetes reads no Secret into a probe's or hook's command)",
                list.join(", ")
            ),
        )
        .at(at)
        .help("let a shell read it from the container's environment: `CMD-SHELL` with `$$NAME` (and `NAME: ${NAME}` under `environment`, which goes into a Secret)"),
    );
}
