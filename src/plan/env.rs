//! A container's environment: compose's variables (`env_file` then
//! `environment`, later entries winning, each at its first place), and those
//! that look like credentials ([`crate::model::credential`]) moved into a
//! Secret of the service's own, read with `secretKeyRef`. Anyone who may read
//! a Deployment (the default `view` role) reads its `env`; a Secret can be
//! kept from them.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::credential::{Credential, credential_by, credential_name};
use crate::model::service::Service;
use crate::plan::container::escape;
use crate::plan::names;
use crate::plan::storage::{SecretPlan, Storage};

/// One variable of a container's environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    /// The name.
    pub name: String,
    /// Where the value comes from.
    pub value: EnvValue,
}

/// Where a variable's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    /// Plain text in the workload (kubelet `$(` escaped).
    Text(String),
    /// A key of a Secret (`valueFrom.secretKeyRef`); the kubelet expands
    /// nothing in it, so the Secret holds the value as compose passes it.
    Secret {
        /// The Secret's name.
        secret: String,
        /// The key.
        key: String,
    },
}

/// A service and the name of its Secret.
type ServiceSecret = (String, String);

/// The names of the Secrets that hold credentials from the environment,
/// unique among the Secrets and ConfigMaps of the storage and each other,
/// and what was moved into them, for the notes.
pub(crate) struct SecretNames {
    prefix: String,
    taken: names::Taken,
    /// The moved variables (as the note lists them), whether they are
    /// several, and the services and their Secrets, in the order found.
    moved: Vec<(String, bool, Vec<ServiceSecret>)>,
    /// Positions in `moved` by list, so that recording stays linear.
    groups: HashMap<String, usize>,
    /// Each service whose command reads credentials from its Secret: the
    /// service, the variables, the Secret.
    commands: Vec<(String, Vec<String>, String)>,
    /// Each variable name's [`credential_name`], judged once: a generated
    /// file repeats the same names in every service (one entry per name).
    verdicts: HashMap<String, Option<&'static str>>,
}

impl SecretNames {
    pub(crate) fn new(prefix: &str, storage: &Storage) -> Self {
        Self {
            prefix: prefix.to_string(),
            taken: storage
                .secrets
                .iter()
                .map(|s| s.name.clone())
                .chain(storage.config_maps.iter().map(|c| c.name.clone()))
                .collect(),
            moved: Vec::new(),
            groups: HashMap::new(),
            commands: Vec::new(),
            verdicts: HashMap::new(),
        }
    }

    /// [`credential_name`] of `name`, from the memo after its first time.
    fn verdict(&mut self, name: &str) -> Option<&'static str> {
        if let Some(&verdict) = self.verdicts.get(name) {
            return verdict;
        }
        let verdict = credential_name(name);
        self.verdicts.insert(name.to_string(), verdict);
        verdict
    }

    /// `<project>-<service>-env`, made unique.
    fn name_for(&mut self, service: &str) -> String {
        let base = names::dns_label(&format!("{}-{service}-env", self.prefix), "env");
        self.taken.unique(&base)
    }

    /// Records that `variables` of `service` went into Secret `secret`.
    fn record(&mut self, variables: &[(&str, Credential)], service: &str, secret: &str) {
        let list: Vec<String> = variables
            .iter()
            .map(|(name, why)| match why {
                Credential::Name(_) => format!("`{name}`"),
                Credential::Value(_) => format!("`{name}` ({})", why.reason()),
            })
            .collect();
        let list = and_list(&list);
        let entry = (service.to_string(), secret.to_string());
        match self.groups.get(&list).and_then(|&i| self.moved.get_mut(i)) {
            Some((_, _, services)) => services.push(entry),
            None => {
                self.groups.insert(list.clone(), self.moved.len());
                self.moved.push((list, variables.len() > 1, vec![entry]));
            }
        }
    }

    /// One note per set of variables moved (services whose env files or
    /// environments move the same variables share it), never a value. It
    /// points at no line: a snippet shows the lines around its span, and a
    /// variable's line (or the one before a service's name) may hold a value.
    pub(crate) fn notes(self, diagnostics: &mut Diagnostics) {
        for (service, variables, secret) in self.commands {
            let list: Vec<String> = variables.iter().map(|v| format!("`$({v})`")).collect();
            diagnostics.push(
                Diagnostic::note(
                    Code::CommandSecret,
                    format!(
                        "the command of service `{service}` holds credentials from the environment: it reads them as {} from Secret `{secret}`, not as plain text in the workload",
                        and_list(&list)
                    ),
                )
                .help("keep the Secret out of version control, as for the environment's credentials"),
            );
        }
        for (list, several, services) in self.moved {
            let (looks, goes, them) = if several {
                ("look like credentials", "they go", "them")
            } else {
                ("looks like a credential", "it goes", "it")
            };
            let names: Vec<String> = services.iter().map(|(s, _)| format!("`{s}`")).collect();
            let secrets: Vec<String> = services.iter().map(|(_, s)| format!("`{s}`")).collect();
            let (of, into) = match services.as_slice() {
                [(service, secret)] => {
                    (format!("service `{service}`"), format!("Secret `{secret}`"))
                }
                _ => (
                    format!("services {}", and_list(&names)),
                    format!("each service's Secret ({})", secrets.join(", ")),
                ),
            };
            let secret = services.first().map_or("NAME", |(_, s)| s.as_str());
            diagnostics.push(
                Diagnostic::note(
                    Code::EnvSecret,
                    format!(
                        "{list} of {of} {looks}: {goes} into {into} and the container reads {them} with `secretKeyRef`, not as plain text in the workload"
                    ),
                )
                .help(format!(
                    "keep the Secret out of version control, or create it (the same keys) from your secret store and drop it from the output (Helm: set `secrets.{secret}.existingSecret`)"
                )),
            );
        }
    }
}

/// Where a credential compose wrote into a command stands, and the variable
/// the words read it from: (value, variable).
pub type CommandRef = (String, String);

/// Up to this many variables a container's are searched for a name.
const FEW: usize = 16;

/// The environment of `service`'s container, the Secret of its credentials
/// when it has any (recorded in `names` for the notes), and the credentials
/// its command reads from there ([`CommandRef`]).
pub(crate) fn plan_env(
    service: &Service,
    names: &mut SecretNames,
) -> (Vec<EnvVar>, Option<SecretPlan>, Vec<CommandRef>) {
    // Compose's order: the first place of each name, the last value.
    let mut merged: Vec<(&str, &str)> = Vec::new();
    // A few names are searched in `merged`; past `FEW` an index is kept, so
    // that many variables stay linear.
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (name, value) in service.container_environment() {
        let found = if merged.len() < FEW {
            merged.iter().position(|(n, _)| *n == name)
        } else {
            if at.is_empty() {
                at.extend(merged.iter().enumerate().map(|(i, (n, _))| (*n, i)));
            }
            at.get(name).copied()
        };
        match found.and_then(|i| merged.get_mut(i)) {
            Some(entry) => entry.1 = value,
            None => {
                if !at.is_empty() {
                    at.insert(name, merged.len());
                }
                merged.push((name, value));
            }
        }
    }
    let mut env = Vec::with_capacity(merged.len());
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut moved: Vec<(&str, Credential)> = Vec::new();
    let mut secret_name: Option<String> = None;
    for (name, value) in merged {
        let value = match credential_by(name, value, |name| names.verdict(name)) {
            Some(why) => {
                let secret = secret_name
                    .get_or_insert_with(|| names.name_for(&service.name.value))
                    .clone();
                let key = secret_key(name, &data);
                data.insert(key.clone(), value.as_bytes().to_vec());
                moved.push((name, why));
                EnvValue::Secret { secret, key }
            }
            None => EnvValue::Text(escape(value)),
        };
        env.push(EnvVar {
            name: name.to_string(),
            value,
        });
    }
    if !moved.is_empty()
        && let Some(secret) = &secret_name
    {
        names.record(&moved, &service.name.value, secret);
    }
    let refs = if service.command_credentials.is_empty() {
        Vec::new()
    } else {
        command_refs(service, &mut env, &mut data, || {
            secret_name
                .get_or_insert_with(|| names.name_for(&service.name.value))
                .clone()
        })
    };
    if !refs.is_empty()
        && let Some(secret) = &secret_name
    {
        let variables = refs.iter().map(|(_, v)| v.clone()).collect();
        names
            .commands
            .push((service.name.value.clone(), variables, secret.clone()));
    }
    let secret = secret_name.map(|name| SecretPlan { name, data });
    (env, secret, refs)
}

/// The credentials of the service's command ([`Service::command_credentials`])
/// as variables of its Secret: the variable of the same name when the
/// environment reads that value from the Secret already, else a new one,
/// `NAME_ARG` made unique. `secret` names the service's Secret.
fn command_refs(
    service: &Service,
    env: &mut Vec<EnvVar>,
    data: &mut BTreeMap<String, Vec<u8>>,
    mut secret: impl FnMut() -> String,
) -> Vec<CommandRef> {
    let mut refs = Vec::new();
    // The environment as compose gives it; the variables added below follow.
    let compose_env = env.len();
    // A set of the names taken: finding a free `NAME_ARG<n>` stays linear
    // in the environment however many of those names it already holds.
    let mut taken: HashSet<String> = env.iter().map(|v| v.name.clone()).collect();
    for found in &service.command_credentials {
        // Plain values are never credentials: only a Secret's can be the same.
        let same = env.iter().take(compose_env).any(|v| {
            v.name == found.name
                && matches!(&v.value, EnvValue::Secret { key, .. }
                    if data.get(key).is_some_and(|d| d.as_slice() == found.value.as_bytes()))
        });
        if same {
            refs.push((found.value.clone(), found.name.clone()));
            continue;
        }
        // Never the variable's own name: compose did not set it in the
        // container, and a name such as `http_proxy` or `REDIS_PASSWORD`
        // changes what the image does when it is set.
        let base = format!("{}_ARG", found.name);
        let name = (1..=taken.len() + 1)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}{n}")
                }
            })
            .find(|n| !taken.contains(n))
            .unwrap_or(base);
        taken.insert(name.clone());
        let key = secret_key(&name, data);
        data.insert(key.clone(), found.value.as_bytes().to_vec());
        env.push(EnvVar {
            name: name.clone(),
            value: EnvValue::Secret {
                secret: secret(),
                key,
            },
        });
        refs.push((found.value.clone(), name));
    }
    refs
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The Secret key of variable `name`: the name itself when a Secret key may
/// be spelled so (`[-._a-zA-Z0-9]`, at most 253), else the name with every
/// other character `_`, made unique among `data`'s keys.
fn secret_key(name: &str, data: &BTreeMap<String, Vec<u8>>) -> String {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut key: String = name
        .chars()
        .map(|c| if valid(c) { c } else { '_' })
        .take(240)
        .collect();
    if key.is_empty() || key == "." || key == ".." {
        key = "variable".to_string();
    }
    if !data.contains_key(&key) {
        return key;
    }
    // One of `data.len() + 1` suffixes is free.
    (2..=data.len() + 2)
        .map(|n| format!("{key}_{n}"))
        .find(|k| !data.contains_key(k))
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::EnvValue;
    use crate::plan::{PlanOptions, plan_text};

    /// The memo of name verdicts says what `credential` says, for the same
    /// name met again with another value too.
    #[test]
    fn remembered_verdicts_are_those_of_credential() {
        use crate::model::credential::{credential, credential_by};
        let storage = crate::plan::storage::Storage::default();
        let mut names = super::SecretNames::new("p", &storage);
        let names_list = [
            "DB_PASSWORD",
            "LOG_LEVEL",
            "PWD",
            "API_KEY",
            "apiKey",
            "TOKEN_FILE",
            "x",
        ];
        let values = ["", "true", "hunter2", "postgres://u:p@h/db", "0", "info"];
        for _ in 0..2 {
            for name in names_list {
                for value in values {
                    let remembered = credential_by(name, value, |n| names.verdict(n));
                    assert_eq!(remembered, credential(name, value), "{name}={value}");
                }
            }
        }
        assert_eq!(names.verdicts.len(), names_list.len());
    }

    /// Few variables and many (past the searched list): each name at its
    /// first place, with its last value.
    #[test]
    fn each_name_keeps_its_first_place_and_its_last_value() {
        for names in [3, 16, 17, 40] {
            let entries: Vec<String> = (0..names * 2)
                .map(|i| format!("      - V{}={i}\n", (i * 7) % names))
                .collect();
            let entries = entries.concat();
            let text = format!("services:\n  app:\n    image: app\n    environment:\n{entries}");
            let (plan, _) = plan_text(&text, &PlanOptions::default());
            let env: Vec<(String, String)> = (plan.containers[0].details.env.iter())
                .map(|v| match &v.value {
                    EnvValue::Text(text) => (v.name.clone(), text.clone()),
                    EnvValue::Secret { .. } => unreachable!(),
                })
                .collect();
            let mut expected: Vec<(String, String)> = Vec::new();
            for i in 0..names * 2 {
                let name = format!("V{}", (i * 7) % names);
                match expected.iter_mut().find(|(n, _)| *n == name) {
                    Some(entry) => entry.1 = i.to_string(),
                    None => expected.push((name, i.to_string())),
                }
            }
            assert_eq!(env, expected, "{names}");
        }
    }

    #[test]
    fn keys_are_valid_and_unique_and_the_last_value_wins() {
        let (plan, _) = plan_text(
            "services:\n  app:\n    image: app\n    environment:\n      - my password=a\n      - my_password=b\n      - TOKEN=c\n      - TOKEN=d\n",
            &PlanOptions::default(),
        );
        let details = &plan.containers[0].details;
        let keys: Vec<(&str, &str)> = details
            .env
            .iter()
            .map(|v| match &v.value {
                EnvValue::Secret { key, .. } => (v.name.as_str(), key.as_str()),
                EnvValue::Text(_) => (v.name.as_str(), ""),
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("my password", "my_password"),
                ("my_password", "my_password_2"),
                ("TOKEN", "TOKEN"),
            ]
        );
        let secret = details.env_secret.as_ref().unwrap();
        assert_eq!(secret.name, "default-app-env");
        assert_eq!(secret.data["TOKEN"], b"d");
    }
}
