//! A service's process settings: `security_opt`, the `pid`/`ipc`/`uts`/
//! `userns_mode` namespaces and the `post_start`/`pre_stop` hooks, typed.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::source::{Located, Span};

/// One `security_opt` entry, as Docker reads it (`KEY=VALUE`, or the older
/// `KEY:VALUE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityOpt {
    /// `no-new-privileges[:true|false]` (or any other spelling Go's
    /// `strconv.ParseBool` reads: `1`, `t`, `TRUE`, `0`, `F`, …).
    NoNewPrivileges(bool),
    /// `no-new-privileges` with a value `strconv.ParseBool` does not read
    /// (`:yes`, `=on`, `:`): Docker refuses to create the container
    /// (`invalid --security-opt 2`), as written.
    NoNewPrivilegesInvalid(String),
    /// `seccomp=unconfined` (`seccomp:unconfined`).
    SeccompUnconfined,
    /// `seccomp=builtin`: Docker's default profile, by name.
    SeccompDefault,
    /// `seccomp=FILE`: a profile file on the Docker host.
    SeccompFile(String),
    /// `apparmor=unconfined`.
    AppArmorUnconfined,
    /// `apparmor=PROFILE`: a profile loaded on the host.
    AppArmor(String),
    /// `label=user:…`, `role:…`, `type:…`, `level:…`.
    Label(SeLinux),
    /// `label=disable` or `label=nested`, and anything else Docker knows
    /// (`systempaths=unconfined`, `mask=…`, …) or not.
    Other(String),
}

/// SELinux label parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeLinux {
    /// `user:`.
    pub user: Option<String>,
    /// `role:`.
    pub role: Option<String>,
    /// `type:`.
    pub type_: Option<String>,
    /// `level:`.
    pub level: Option<String>,
}

/// Parses one `security_opt` entry.
#[must_use]
pub fn parse_security_opt(text: &str) -> SecurityOpt {
    let (key, value) = match text.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => match text.split_once(':') {
            Some((k, v)) => (k, Some(v)),
            None => (text, None),
        },
    };
    match (key, value) {
        // Docker reads the value with Go's `strconv.ParseBool`.
        ("no-new-privileges", None | Some("1" | "t" | "T" | "true" | "TRUE" | "True")) => {
            SecurityOpt::NoNewPrivileges(true)
        }
        ("no-new-privileges", Some("0" | "f" | "F" | "false" | "FALSE" | "False")) => {
            SecurityOpt::NoNewPrivileges(false)
        }
        ("no-new-privileges", Some(_)) => SecurityOpt::NoNewPrivilegesInvalid(text.to_string()),
        ("seccomp", Some("unconfined")) => SecurityOpt::SeccompUnconfined,
        ("seccomp", Some("builtin")) => SecurityOpt::SeccompDefault,
        ("seccomp", Some(file)) if !file.is_empty() => SecurityOpt::SeccompFile(file.to_string()),
        ("apparmor", Some("unconfined")) => SecurityOpt::AppArmorUnconfined,
        ("apparmor", Some(profile)) if !profile.is_empty() => {
            SecurityOpt::AppArmor(profile.to_string())
        }
        ("label", Some(label)) => {
            let mut selinux = SeLinux::default();
            let Some((part, value)) = label.split_once(':') else {
                return SecurityOpt::Other(text.to_string());
            };
            let value = Some(value.to_string());
            match part {
                "user" => selinux.user = value,
                "role" => selinux.role = value,
                "type" => selinux.type_ = value,
                "level" => selinux.level = value,
                _ => return SecurityOpt::Other(text.to_string()),
            }
            SecurityOpt::Label(selinux)
        }
        _ => SecurityOpt::Other(text.to_string()),
    }
}

/// `pid`, `ipc`, `uts` or `userns_mode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamespaceMode {
    /// `host`: the host's namespace.
    Host,
    /// `service:NAME`: another service's namespace.
    Service(String),
    /// `container:NAME`: a container's namespace.
    Container(String),
    /// `shareable` (`ipc`): others may join it.
    Shareable,
    /// `private` (`ipc`), `none` (`ipc`) or an empty value: a namespace of its own.
    Private(String),
    /// Anything else.
    Other(String),
}

/// Parses a namespace mode.
#[must_use]
pub fn parse_namespace(text: &str) -> NamespaceMode {
    match text {
        "host" => NamespaceMode::Host,
        "shareable" => NamespaceMode::Shareable,
        "" | "private" | "none" => NamespaceMode::Private(text.to_string()),
        _ => {
            if let Some(name) = text.strip_prefix("service:") {
                NamespaceMode::Service(name.to_string())
            } else if let Some(name) = text.strip_prefix("container:") {
                NamespaceMode::Container(name.to_string())
            } else {
                NamespaceMode::Other(text.to_string())
            }
        }
    }
}

/// The namespaces a service asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Namespaces {
    /// `pid`.
    pub pid: Option<Located<NamespaceMode>>,
    /// `ipc`.
    pub ipc: Option<Located<NamespaceMode>>,
    /// `uts`.
    pub uts: Option<Located<NamespaceMode>>,
    /// `userns_mode`.
    pub userns: Option<Located<NamespaceMode>>,
}

/// One `post_start` or `pre_stop` hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    /// `command`, split into words as compose splits it.
    pub command: Located<Vec<String>>,
    /// `user`: the hook runs as another user.
    pub user: Option<Located<String>>,
    /// `privileged: true`.
    pub privileged: Option<Span>,
    /// `working_dir`.
    pub working_dir: Option<Located<String>>,
    /// `environment`, as `NAME=VALUE`.
    pub environment: Vec<Located<String>>,
}

/// Reads `post_start` or `pre_stop`: a list of hooks.
pub fn read_hooks(node: &Node, what: &str, reader: &mut Reader<'_>) -> Vec<Hook> {
    let Some(items) = node.as_seq() else {
        if !matches!(node.value, Value::Null) {
            reader.type_error(node, what, "a list of hooks");
        }
        return Vec::new();
    };
    let mut hooks = Vec::new();
    for item in items {
        let Some(entries) = reader.map(item, &format!("{what} item")) else {
            continue;
        };
        let mut command = None;
        let mut hook_user = None;
        let mut privileged = None;
        let mut working_dir = None;
        let mut environment = Vec::new();
        for (key, value) in entries {
            match key.value.as_str() {
                "command" => command = reader.command(value, &format!("{what}.command")),
                "user" => hook_user = reader.string(value, &format!("{what}.user")),
                "privileged" => {
                    privileged = reader
                        .boolean(value, &format!("{what}.privileged"))
                        .filter(|p| p.value)
                        .map(|p| p.span);
                }
                "working_dir" => {
                    working_dir = reader.string(value, &format!("{what}.working_dir"));
                }
                "environment" => {
                    environment = reader.list_or_map(value, &format!("{what}.environment"), "=");
                }
                // an unknown key is refused when the file is loaded (load::schema)
                _ => {}
            }
        }
        match command {
            Some(command) if !command.value.is_empty() => hooks.push(Hook {
                command,
                user: hook_user,
                privileged,
                working_dir,
                environment,
            }),
            _ => reader.diagnostics.push(
                Diagnostic::error(
                    Code::HookInvalid,
                    format!("a `{what}` hook has no `command`"),
                )
                .at(item.span)
                .help("give the hook the command to run, e.g. `command: [\"sh\", \"-c\", \"…\"]`"),
            ),
        }
    }
    hooks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_opts_in_both_spellings() {
        assert_eq!(
            parse_security_opt("no-new-privileges"),
            SecurityOpt::NoNewPrivileges(true)
        );
        assert_eq!(
            parse_security_opt("no-new-privileges:false"),
            SecurityOpt::NoNewPrivileges(false)
        );
        assert_eq!(
            parse_security_opt("no-new-privileges=true"),
            SecurityOpt::NoNewPrivileges(true)
        );
        for (text, value) in [
            ("no-new-privileges:1", true),
            ("no-new-privileges=TRUE", true),
            ("no-new-privileges:t", true),
            ("no-new-privileges=0", false),
            ("no-new-privileges=F", false),
        ] {
            assert_eq!(
                parse_security_opt(text),
                SecurityOpt::NoNewPrivileges(value),
                "{text}"
            );
        }
        // not a Go boolean: Docker refuses it
        assert_eq!(
            parse_security_opt("no-new-privileges:yes"),
            SecurityOpt::NoNewPrivilegesInvalid("no-new-privileges:yes".into())
        );
        assert_eq!(
            parse_security_opt("seccomp:unconfined"),
            SecurityOpt::SeccompUnconfined
        );
        assert_eq!(
            parse_security_opt("seccomp=./p.json"),
            SecurityOpt::SeccompFile("./p.json".into())
        );
        assert_eq!(
            parse_security_opt("apparmor=unconfined"),
            SecurityOpt::AppArmorUnconfined
        );
        assert_eq!(
            parse_security_opt("label=type:svirt_t"),
            SecurityOpt::Label(SeLinux {
                type_: Some("svirt_t".into()),
                ..SeLinux::default()
            })
        );
        assert_eq!(
            parse_security_opt("label:level:s0:c100,c200"),
            SecurityOpt::Label(SeLinux {
                level: Some("s0:c100,c200".into()),
                ..SeLinux::default()
            })
        );
        assert_eq!(
            parse_security_opt("label=disable"),
            SecurityOpt::Other("label=disable".into())
        );
        assert_eq!(
            parse_security_opt("systempaths=unconfined"),
            SecurityOpt::Other("systempaths=unconfined".into())
        );
    }

    #[test]
    fn namespace_modes() {
        assert_eq!(parse_namespace("host"), NamespaceMode::Host);
        assert_eq!(
            parse_namespace("service:db"),
            NamespaceMode::Service("db".into())
        );
        assert_eq!(parse_namespace("shareable"), NamespaceMode::Shareable);
    }
}
