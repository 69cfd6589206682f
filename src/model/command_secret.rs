//! Credentials that interpolation wrote into what a container runs.
//!
//! `command: redis-server --requirepass ${REDIS_PASSWORD}` puts the password
//! into the words compose runs. In a Deployment those words are readable by
//! anyone who may read the Deployment; the kubelet, though, expands
//! `$(NAME)` in `command` and `args` from the container's environment, which
//! can read a Secret. So the plan writes `$(REDIS_PASSWORD_ARG)` where the value
//! was and reads `REDIS_PASSWORD_ARG` from the service's Secret. Health checks
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

/// At most this many variables that look like credentials in one key of a
/// service: the plan searches each word for each of them, so a crafted
/// file with thousands would make the work grow with their product.
const MAX_CREDENTIALS: usize = 64;

/// The credentials of `service`'s `command` and `entrypoint` (each name
/// once), and a warning for each one in a health check or a hook, or one
/// that splitting a command into words cut, where it stays in plain text.
/// `body` is the service as written.
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
    if !tally.substituted_any() {
        return found;
    }
    for (key, value) in entries {
        let Value::String(key_text) = &key.value else {
            continue;
        };
        let words: Vec<&[String]> = match key_text.as_str() {
            "entrypoint" => command_words(service.entrypoint.as_ref()),
            "command" => command_words(service.command.as_ref()),
            "healthcheck" => match service.healthcheck.as_ref().map(|h| &h.test) {
                Some(HealthTest::Exec(words)) => vec![words.as_slice()],
                Some(HealthTest::Shell(line)) => vec![std::slice::from_ref(line)],
                None => Vec::new(),
            },
            "post_start" => hook_words(&service.post_start),
            "pre_stop" => hook_words(&service.pre_stop),
            _ => continue,
        };
        let Some(items) = credentials_in(tally, value, &words) else {
            reader
                .diagnostics
                .push(too_many(&service.name.value, key_text).at(key.span));
            continue;
        };
        let mut plain: Vec<String> = Vec::new();
        let runs = matches!(key_text.as_str(), "entrypoint" | "command");
        for (item, standing) in items {
            if runs && standing {
                if !found.iter().any(|f| f.name == item.name) {
                    found.push(item);
                }
            } else if !plain.contains(&item.name) {
                plain.push(item.name);
            }
        }
        if !plain.is_empty() {
            warn_plain(reader, key_text, &plain, runs, key.span);
        }
    }
    found
}

fn command_words(command: Option<&crate::model::Located<Vec<String>>>) -> Vec<&[String]> {
    command
        .map(|c| vec![c.value.as_slice()])
        .unwrap_or_default()
}

fn hook_words(hooks: &[crate::model::process::Hook]) -> Vec<&[String]> {
    hooks.iter().map(|h| h.command.value.as_slice()).collect()
}

/// The credentials interpolation put into the strings of `node`, each with
/// whether its value stands whole in one of `words` (`false` where splitting
/// a command into words cut it); `None` past [`MAX_CREDENTIALS`]. A variable
/// only looked up (`${A:+x}`) stands in no string and is left out.
fn credentials_in(
    tally: &Tally,
    node: &Node,
    words: &[&[String]],
) -> Option<Vec<(CommandCredential, bool)>> {
    let mut strings_of = Vec::new();
    strings(node, &mut strings_of);
    let spans: Vec<Span> = strings_of.iter().map(|(span, _)| *span).collect();
    let mut found = Vec::new();
    let mut examined = 0;
    for (name, value) in tally.substitutions_in(&spans) {
        let Some(why) = credential(&name, &value) else {
            continue;
        };
        examined += 1;
        if examined > MAX_CREDENTIALS {
            return None;
        }
        if !strings_of
            .iter()
            .any(|(_, text)| text.contains(value.as_str()))
        {
            continue;
        }
        let whole = words
            .iter()
            .flat_map(|w| w.iter())
            .any(|w| w.contains(value.as_str()));
        found.push((CommandCredential { name, value, why }, whole));
    }
    Some(found)
}

/// Where each string value under `node` lies, with its text.
fn strings<'a>(node: &'a Node, out: &mut Vec<(Span, &'a str)>) {
    match &node.value {
        Value::String(text) => out.push((node.span, text)),
        Value::Seq(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Map(entries) => entries.iter().for_each(|(_, value)| strings(value, out)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn too_many(service: &str, key: &str) -> Diagnostic {
    Diagnostic::error(
        Code::LimitInterpolation,
        format!(
            "`{key}` of service `{service}` takes more than {MAX_CREDENTIALS} variables that look like credentials from the environment; podlift reads at most {MAX_CREDENTIALS} from a Secret"
        ),
    )
    .help("pass them through `environment` and let the process read them from there")
}

/// The warning for credentials that stay in plain text in `key`: a probe
/// or hook, or a command (`runs`) whose splitting into words cut them.
fn warn_plain(reader: &mut Reader<'_>, key: &str, names: &[String], runs: bool, at: Span) {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let (looks, it) = if names.len() > 1 {
        ("look like credentials", "they stay")
    } else {
        ("looks like a credential", "it stays")
    };
    let (why, help) = if runs {
        (
            "splitting it into words cut the value, so no word can read it from a Secret",
            "write it as a list (`[\"redis-server\", \"--requirepass\", \"${NAME}\"]`), so that the value stands in one word",
        )
    } else {
        (
            "Kubernetes reads no Secret into a probe's or hook's command",
            "let a shell read it from the container's environment: `CMD-SHELL` with `$$NAME` (and `NAME: ${NAME}` under `environment`, which goes into a Secret)",
        )
    };
    reader.diagnostics.push(
        Diagnostic::warning(
            Code::CredentialInProbe,
            format!(
                "{} in `{key}` {looks}: {it} in plain text in the workload ({why})",
                list.join(", ")
            ),
        )
        .at(at)
        .help(help),
    );
}
