//! What makes a host file look private: its name or its content.

use std::path::Path;

/// Why a file looks private, from its name and (when read) its content:
/// keys, key stores, `.env` files, password databases, credential files.
#[must_use]
pub fn private_reason(name: &str, content: Option<&[u8]>) -> Option<&'static str> {
    const SSH_KEYS: &[&str] = &[
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
        "identity",
    ];
    const CREDENTIALS: &[&str] = &[
        ".netrc",
        ".pgpass",
        ".htpasswd",
        ".git-credentials",
        "credentials",
        ".my.cnf",
        ".npmrc",
        ".pypirc",
        ".dockercfg",
        ".vault-token",
        "kubeconfig",
        "terraform.tfvars",
        "terraform.tfstate",
        "secrets.auto.tfvars",
        "htpasswd",
    ];
    let lower = name.to_ascii_lowercase();
    // Backups and editor copies of a private file are as private:
    // `id_rsa.bak`, `id_rsa~`, `.env.orig`.
    let lower = ["~", ".bak", ".orig", ".old", ".save", ".swp", ".tmp"]
        .iter()
        .find_map(|s| lower.strip_suffix(s))
        .map_or(lower.clone(), str::to_string);
    if let Some(content) = content {
        if pem_private_key(content) {
            return Some("it holds a PEM private key");
        }
        if let Some(reason) = vpn_private_key(content) {
            return Some(reason);
        }
        if password_hash(content) {
            return Some(
                "it holds a password hash (crypt `$6$…`, `$2y$…`, dovecot `{SHA512-CRYPT}`)",
            );
        }
    }
    let extension = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if SSH_KEYS.contains(&lower.as_str())
        || ["_rsa", "_dsa", "_ecdsa", "_ed25519"]
            .iter()
            .any(|s| lower.ends_with(s))
    {
        Some("it is named like an SSH private key")
    } else if extension == "key" {
        Some("it is named like a private key (`*.key`)")
    } else if ["p12", "pfx", "jks", "keystore"].contains(&extension) {
        Some("it is named like a key store")
    } else if lower == ".env"
        || lower.starts_with(".env.")
        || lower.starts_with(".env-")
        || lower.starts_with(".env_")
        || lower == ".envrc"
        || extension == "env"
    {
        Some("it is an `.env` file")
    } else if ["shadow", "gshadow", "shadow-", "gshadow-"].contains(&lower.as_str()) {
        Some("it is a password database (`shadow`)")
    } else if CREDENTIALS.contains(&lower.as_str()) {
        Some("it is named like a credentials file")
    } else if [".ssh", ".gnupg", ".aws", ".docker", ".kube"].contains(&lower.as_str()) {
        Some("it is a directory of keys or credentials")
    } else {
        None
    }
}

/// Whether `content` holds a PEM private key (`-----BEGIN … PRIVATE KEY-----`).
/// Linear in the content's length: a header line is looked at for at most
/// `PEM_HEADER_BYTES` (96) bytes (`-----BEGIN ENCRYPTED PRIVATE KEY-----` has
/// 37), so a line of repeated `-----BEGIN ` costs no more than its length.
pub(crate) fn pem_private_key(content: &[u8]) -> bool {
    const BEGIN: &str = "-----BEGIN ";
    const PEM_HEADER_BYTES: usize = 96;
    let text = String::from_utf8_lossy(content);
    let bytes = text.as_bytes();
    text.match_indices(BEGIN).any(|(at, _)| {
        bytes
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take(PEM_HEADER_BYTES)
            .take_while(|b| **b != b'\n')
            .copied()
            .collect::<Vec<u8>>()
            .windows(11)
            .any(|w| w == b"PRIVATE KEY")
    })
}

/// Whether `content` holds a VPN node's private key in a text form that is
/// neither PEM nor named like a key: a WireGuard configuration's
/// `PrivateKey =` line (`wg0.conf`: linuxserver/wireguard, gluetun),
/// Tailscale's state (`tailscaled.state`, whose machine key is `"privkey:…"`)
/// or a JSON `"privateKey":` (wg-easy's `wg0.json`).
fn vpn_private_key(content: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(content);
    if text.lines().any(|line| {
        line.trim_start()
            .strip_prefix("PrivateKey")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    }) {
        Some("it holds a WireGuard `PrivateKey`")
    } else if text.contains("\"privkey:") {
        Some("it holds a Tailscale `privkey:`")
    } else if ["\"privateKey\"", "\"private_key\""].iter().any(|key| {
        text.match_indices(key).any(|(at, _)| {
            text.get(at + key.len()..)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    }) {
        Some("it holds a JSON `\"privateKey\"`")
    } else {
        None
    }
}

/// Whether `content` holds a password hash as `shadow`, `.htpasswd`,
/// dovecot and docker-mailserver's `postfix-accounts.cf` write them: a
/// crypt(3) string (`$1$`, `$5$`, `$6$`, `$2a$`/`$2b$`/`$2y$`, `$apr1$`,
/// `$y$`, `$argon2id$` … followed by at least 8 characters of salt and
/// hash) or a dovecot scheme prefix (`{SHA512-CRYPT}`, `{SSHA}` …). Linear
/// in the content's length: each `$` looks as far as the next `$`, and at
/// most 8 characters past that.
fn password_hash(content: &[u8]) -> bool {
    const CRYPT_IDS: &[&str] = &[
        "1", "5", "6", "2a", "2b", "2y", "apr1", "y", "gy", "7", "argon2i", "argon2d", "argon2id",
    ];
    const DOVECOT_SCHEMES: &[&str] = &[
        "{SHA512-CRYPT}",
        "{SHA256-CRYPT}",
        "{BLF-CRYPT}",
        "{MD5-CRYPT}",
        "{SSHA}",
        "{SSHA256}",
        "{SSHA512}",
        "{ARGON2I}",
        "{ARGON2ID}",
        "{PBKDF2}",
    ];
    let text = String::from_utf8_lossy(content);
    if DOVECOT_SCHEMES.iter().any(|scheme| text.contains(scheme)) {
        return true;
    }
    let hash_char = |c: char| c.is_ascii_alphanumeric() || "./=,$+".contains(c);
    text.match_indices('$').any(|(at, _)| {
        let rest = text.get(at + 1..).unwrap_or_default();
        let Some((id, tail)) = rest.split_once('$') else {
            return false;
        };
        CRYPT_IDS.contains(&id) && tail.chars().take_while(|c| hash_char(*c)).take(8).count() == 8
    })
}

#[cfg(test)]
mod tests {
    use super::private_reason;

    /// Fails on the old main: these names were not private.
    #[test]
    fn more_names_are_private() {
        for name in [
            ".env-prod",
            ".env_local",
            ".envrc",
            ".npmrc",
            ".pypirc",
            ".dockercfg",
            "id_rsa.bak",
            "id_rsa~",
            "kubeconfig",
            "terraform.tfvars",
            ".env.orig",
        ] {
            assert!(private_reason(name, None).is_some(), "{name}");
        }
        for name in ["settings.yml", "nginx.conf", "environment.md", ".bak"] {
            assert!(private_reason(name, None).is_none(), "{name}");
        }
    }

    /// Round 9 (tailscale-dev/ScaleTail, docker-mailserver): VPN keys and
    /// password hashes that are neither PEM nor named like a key.
    #[test]
    fn vpn_keys_and_password_hashes_are_private_by_content() {
        for content in [
            "[Interface]\nPrivateKey = abc=\n",
            "[Interface]\n  PrivateKey=abc=\n",
            "{\"_machinekey\":\"privkey:00ff\"}",
            "{\"server\": {\"privateKey\" : \"abc=\"}}",
            "root:$6$Tx0dAzZ6$hNo1e8qDpdm5:19000:0:99999:7:::\n",
            "admin:$2y$10$3OkNKWbl/6Wp1WqHR2cH\n",
            "u@example.com|{SHA512-CRYPT}$6$abc\n",
        ] {
            assert!(
                private_reason("state", Some(content.as_bytes())).is_some(),
                "{content}"
            );
        }
        for content in [
            "[Peer]\nPublicKey = abc=\n",
            "PrivateKeyFile: /k\n",
            "the \"privateKey\" option names a file\n",
            "s/(a)(b)/$1$2/g\n",
            "price: $5$ per unit\n",
        ] {
            assert!(
                private_reason("wg0.conf", Some(content.as_bytes())).is_none(),
                "{content}"
            );
        }
    }
}
