//! Registry logins as Docker and podman keep them: `REGISTRY_AUTH_FILE`
//! (podman's `auth.json`), then `$DOCKER_CONFIG/config.json` (or
//! `~/.docker/config.json`, which the command line resolves); per registry
//! a `credHelpers` entry, else an `auths` entry (`auth`: base64 of
//! `user:password`, or `identitytoken`), else `credsStore`. Helpers run as
//! `docker-credential-NAME get` with the server on standard input, bounded in
//! time and output.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::images::files::open_regular;
use crate::images::reference::DOCKER_HUB;

/// The largest credentials file read (docs/limits.md).
pub const MAX_AUTH_FILE_BYTES: u64 = 1024 * 1024;
/// How long a credential helper may take.
pub const HELPER_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a credential helper may print.
const MAX_HELPER_OUTPUT: u64 = 64 * 1024;

/// A login.
#[derive(Clone, PartialEq, Eq)]
pub enum Login {
    /// No login: anonymous.
    Anonymous,
    /// A user and password (or token).
    Basic(String, String),
    /// An identity token, sent to the registry as a bearer token as it is:
    /// not traded for an access token at the registry's token service
    /// (`grant_type=refresh_token`) as Docker trades it (docs/images.md).
    Token(String),
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Basic(user, _) => write!(f, "Basic({user}, <redacted>)"),
            Self::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// The credential files, in the order they are asked.
#[derive(Clone, Debug, Default)]
pub struct Logins {
    files: Vec<PathBuf>,
}

impl Logins {
    /// `REGISTRY_AUTH_FILE`, then Docker's `config.json` in `docker_config`.
    #[must_use]
    pub fn new(registry_auth_file: Option<&Path>, docker_config: Option<&Path>) -> Self {
        let mut files = Vec::new();
        files.extend(registry_auth_file.map(Path::to_path_buf));
        files.extend(docker_config.map(|dir| dir.join("config.json")));
        Self { files }
    }

    /// The login for `registry` (`docker.io`, `host:port`).
    ///
    /// # Errors
    /// A credential helper failed.
    pub fn login(&self, registry: &str) -> Result<Login, String> {
        let keys = keys(registry);
        for file in &self.files {
            let Some(config) = read_json(file) else {
                continue;
            };
            if let Some(helper) = config
                .get("credHelpers")
                .and_then(Value::as_object)
                .and_then(|helpers| keys.iter().find_map(|k| helpers.get(k)))
                .and_then(Value::as_str)
            {
                return helper_login(helper, keys.first().map_or(registry, String::as_str));
            }
            if let Some(entry) = config
                .get("auths")
                .and_then(Value::as_object)
                .and_then(|auths| keys.iter().find_map(|k| auths.get(k)))
                && let Some(login) = entry_login(entry)
            {
                return Ok(login);
            }
            if let Some(store) = config.get("credsStore").and_then(Value::as_str) {
                return helper_login(store, keys.first().map_or(registry, String::as_str));
            }
        }
        Ok(Login::Anonymous)
    }
}

/// The keys a registry's login may be stored under; Docker Hub's first.
fn keys(registry: &str) -> Vec<String> {
    if registry == DOCKER_HUB {
        return [
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
            "registry-1.docker.io",
            "https://index.docker.io/v1",
        ]
        .map(String::from)
        .to_vec();
    }
    vec![
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
        format!("https://{registry}/v1/"),
        format!("https://{registry}/v2/"),
    ]
}

fn read_json(path: &Path) -> Option<Value> {
    let file = open_regular(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_AUTH_FILE_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `{"auth": base64(user:password)}` or `{"identitytoken": …}`.
fn entry_login(entry: &Value) -> Option<Login> {
    if let Some(token) = entry
        .get("identitytoken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        return Some(Login::Token(token.to_string()));
    }
    let encoded = entry.get("auth").and_then(Value::as_str)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some(Login::Basic(user.to_string(), password.to_string()))
}

/// Runs `docker-credential-NAME get`.
fn helper_login(name: &str, server: &str) -> Result<Login, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(format!("credential helper `{name}` is no helper name"));
    }
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "credential helper `{program}` cannot run: {}",
                e.to_string().to_lowercase()
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < HELPER_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "credential helper `{program}` did not answer within {} s",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
        }
    };
    let mut output = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = stdout.take(MAX_HELPER_OUTPUT).read_to_end(&mut output);
    }
    if !status.success() {
        // "credentials not found in native keychain": no login, anonymous.
        return Ok(Login::Anonymous);
    }
    let value: Value = serde_json::from_slice(&output)
        .map_err(|_| format!("credential helper `{program}` printed no JSON"))?;
    let user = value
        .get("Username")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let secret = value
        .get("Secret")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(match (user, secret) {
        (_, "") => Login::Anonymous,
        ("<token>", token) => Login::Token(token.to_string()),
        (user, secret) => Login::Basic(user.to_string(), secret.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::{Login, Logins};

    #[test]
    fn auths_and_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("docker");
        std::fs::create_dir(&docker).unwrap();
        // base64("u:p") = dTpw, base64("hub:pw") = aHViOnB3
        std::fs::write(
            docker.join("config.json"),
            r#"{"auths":{"127.0.0.1:5000":{"auth":"dTpw"},"https://index.docker.io/v1/":{"auth":"aHViOnB3"}}}"#,
        )
        .unwrap();
        let podman = dir.path().join("auth.json");
        std::fs::write(
            &podman,
            r#"{"auths":{"127.0.0.1:5000":{"identitytoken":"t"}}}"#,
        )
        .unwrap();
        let docker_only = Logins::new(None, Some(&docker));
        assert_eq!(
            docker_only.login("127.0.0.1:5000").unwrap(),
            Login::Basic("u".into(), "p".into())
        );
        assert_eq!(
            docker_only.login("docker.io").unwrap(),
            Login::Basic("hub".into(), "pw".into())
        );
        assert_eq!(docker_only.login("other:1").unwrap(), Login::Anonymous);
        let both = Logins::new(Some(&podman), Some(&docker));
        assert_eq!(
            both.login("127.0.0.1:5000").unwrap(),
            Login::Token("t".into())
        );
        assert_eq!(
            both.login("docker.io").unwrap(),
            Login::Basic("hub".into(), "pw".into())
        );
    }

    #[test]
    fn helpers_by_name_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"credHelpers":{"h:1":"../../bin/sh"}}"#,
        )
        .unwrap();
        let logins = Logins::new(None, Some(dir.path()));
        assert!(logins.login("h:1").unwrap_err().contains("no helper name"));
    }
}
