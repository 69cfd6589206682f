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
        "netrc",
        ".pgpass",
        // pgAdmin's documented bind, `./pgpass:/pgpass` (`PGPASS_FILE`)
        "pgpass",
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
    if let Some(reason) = content.and_then(private_content) {
        return Some(reason);
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
    } else if extension == "ppk" {
        Some("it is named like a PuTTY private key (`*.ppk`)")
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
    } else if CREDENTIALS.contains(&lower.as_str())
        || ["kubeconfig.yaml", "kubeconfig.yml"].contains(&lower.as_str())
    {
        Some("it is named like a credentials file")
    } else if [".ssh", ".gnupg", ".aws", ".docker", ".kube"].contains(&lower.as_str()) {
        Some("it is a directory of keys or credentials")
    } else {
        None
    }
}

/// Why a file's content (or a config's `content:`) looks private, whatever
/// it is named: a PEM key, a VPN key, a password hash, a client's credentials.
#[must_use]
pub fn private_content(content: &[u8]) -> Option<&'static str> {
    if key_store(content) {
        return Some("it holds a binary key store (JKS, JCEKS or PKCS#12)");
    }
    // A file saved as UTF-16 (Windows' `Unicode`) is judged by its text.
    if let Some(text) = utf16_text(content) {
        return private_content(text.as_bytes());
    }
    // decoded once for the scans below
    let text = String::from_utf8_lossy(content);
    if pem_private_key(&text) {
        Some("it holds a PEM private key")
    } else if let Some(reason) = vpn_private_key(&text) {
        Some(reason)
    } else if password_hash(&text) {
        Some(
            "it holds a password hash (crypt `$6$…`, `$2y$…`, dovecot `{SHA512-CRYPT}`, `{PLAIN}`)",
        )
    } else {
        client_credentials(&text)
    }
}

/// Whether `content` starts like a binary key store, whatever it is named
/// (Tomcat's `.keystore`, a `truststore.bin`): JKS's magic `FEEDFEED`,
/// JCEKS's `CECECECE`, or PKCS#12's DER `SEQUENCE { INTEGER 3 …` (its
/// version, after a length of any form).
fn key_store(content: &[u8]) -> bool {
    if content.starts_with(&[0xfe, 0xed, 0xfe, 0xed]) || content.starts_with(&[0xce; 4]) {
        return true;
    }
    let length_bytes = match content.get(1) {
        Some(&b) if (0x81..=0x84).contains(&b) => usize::from(b - 0x80),
        Some(_) => 0,
        None => return false,
    };
    content.first() == Some(&0x30)
        && content
            .get(2 + length_bytes..)
            .is_some_and(|rest| rest.starts_with(&[0x02, 0x01, 0x03]))
}

/// The text of a UTF-16 file: with a byte order mark, or without one when
/// its first bytes are ASCII with every other byte NUL. `None` for any
/// other content (UTF-8 is read as it is).
fn utf16_text(content: &[u8]) -> Option<String> {
    let ascii_nul = |first: usize| {
        content.len() >= 8
            && content
                .iter()
                .take(64)
                .enumerate()
                .all(|(i, b)| (i % 2 == first) == (*b == 0) && (*b == 0 || b.is_ascii()))
    };
    let (little, body) = match content {
        [0xff, 0xfe, rest @ ..] => (true, rest),
        [0xfe, 0xff, rest @ ..] => (false, rest),
        _ if ascii_nul(1) => (true, content),
        _ if ascii_nul(0) => (false, content),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ];
        if little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// Whether `text` holds a PEM private key (`-----BEGIN … PRIVATE KEY-----`).
/// Linear in the content's length: a header line is looked at for at most
/// `PEM_HEADER_BYTES` (96) bytes (`-----BEGIN ENCRYPTED PRIVATE KEY-----` has
/// 37), so a line of repeated `-----BEGIN ` costs no more than its length.
pub(crate) fn pem_private_key(text: &str) -> bool {
    const BEGIN: &str = "-----BEGIN ";
    const PEM_HEADER_BYTES: usize = 96;
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

/// Whether `text` holds a VPN node's private key in a text form that is
/// neither PEM nor named like a key: a WireGuard configuration's
/// `PrivateKey =` line (`wg0.conf`: linuxserver/wireguard, gluetun),
/// Tailscale's state (`tailscaled.state`, whose machine key is `"privkey:…"`)
/// or a JSON `"privateKey":` (wg-easy's `wg0.json`).
fn vpn_private_key(text: &str) -> Option<&'static str> {
    const PRIVATE_KEY: &str = "PrivateKey";
    // wg(8) reads keys without case (`privatekey =` is as good), and a
    // file saved with a byte order mark starts with U+FEFF.
    if text.lines().any(|line| {
        let line = line.trim_start_matches('\u{feff}').trim_start();
        line.get(..PRIVATE_KEY.len())
            .is_some_and(|key| key.eq_ignore_ascii_case(PRIVATE_KEY))
            && line
                .get(PRIVATE_KEY.len()..)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
    }) {
        Some("it holds a WireGuard `PrivateKey`")
    } else if text.contains("\"privkey:") || json_key(text, "\"_machinekey\"") {
        // tailscaled.state is a JSON map of base64 values: its
        // `"_machinekey"` is `privkey:…` encoded, never in clear
        Some("it holds a Tailscale machine key (`_machinekey`, `privkey:`)")
    } else if ["\"privateKey\"", "\"private_key\""]
        .iter()
        .any(|key| json_key(text, key))
    {
        Some("it holds a JSON `\"privateKey\"`")
    } else {
        None
    }
}

/// Whether `text` holds the JSON key `key` (quotes included) followed by
/// `:`. Linear: each occurrence looks past blanks only, up to the next
/// occurrence at most.
fn json_key(text: &str, key: &str) -> bool {
    text.match_indices(key).any(|(at, _)| {
        text.get(at + key.len()..)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// Whether `text` holds a client's credentials in a file of any name: a
/// kubeconfig's `client-key-data` (`admin.conf`, `k3s.yaml`: the cluster's
/// admin key, base64), docker's registry logins (`config.json`'s
/// `"auths"`), a PuTTY private key (`PuTTY-User-Key-File-`) or an npm
/// `_authToken`.
fn client_credentials(text: &str) -> Option<&'static str> {
    if text.contains("client-key-data") {
        Some("it holds a kubeconfig's `client-key-data`")
    } else if json_key(text, "\"auths\"") {
        Some("it holds docker registry logins (`\"auths\"`)")
    } else if text.contains("PuTTY-User-Key-File-") {
        Some("it holds a PuTTY private key")
    } else if text.contains("_authToken") {
        Some("it holds an npm `_authToken`")
    } else {
        None
    }
}

/// Whether `text` holds a password hash as `shadow`, `.htpasswd`,
/// dovecot and docker-mailserver's `postfix-accounts.cf` write them: a
/// crypt(3) string (`$1$`, `$5$`, `$6$`, `$2a$`/`$2b$`/`$2y$`, `$apr1$`,
/// `$y$`, `$argon2id$` … followed by at least 8 characters of salt and
/// hash) or a dovecot/LDAP scheme prefix (`{SHA512-CRYPT}`, `{SSHA}`,
/// `{PLAIN}` …, any case) before a value. Linear in the content's length:
/// each `$` looks as far as the next `$`, and at most 8 characters past
/// that; each `{` at most 18 bytes on.
pub(crate) fn password_hash(text: &str) -> bool {
    const CRYPT_IDS: &[&str] = &[
        "1", "5", "6", "2a", "2b", "2y", "apr1", "y", "gy", "7", "argon2i", "argon2d", "argon2id",
    ];
    // Without case (dovecot reads `scheme=plain-md5` as `PLAIN-MD5`,
    // OpenLDAP `{ssha}` as `{SSHA}`); `{PLAIN}` and `{CLEAR}` are the
    // password itself.
    const DOVECOT_SCHEMES: &[&str] = &[
        "SHA512-CRYPT",
        "SHA256-CRYPT",
        "BLF-CRYPT",
        "MD5-CRYPT",
        "CRYPT",
        "SSHA",
        "SSHA256",
        "SSHA512",
        "SHA",
        "SHA256",
        "SHA512",
        "SMD5",
        "MD5",
        "PLAIN-MD5",
        "LDAP-MD5",
        "CRAM-MD5",
        "DIGEST-MD5",
        "SCRAM-SHA-1",
        "SCRAM-SHA-256",
        "ARGON2I",
        "ARGON2ID",
        "PBKDF2",
        "PLAIN",
        "CLEAR",
        "CLEARTEXT",
    ];
    let bytes = text.as_bytes();
    // each `{` looks at most 18 bytes on: a scheme's letters, digits and
    // `-`, its `}` and one more; `${MD5}` is a shell's
    let scheme = |at: usize| {
        let name = bytes
            .get(at + 1..)
            .unwrap_or_default()
            .iter()
            .take(16)
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        at.checked_sub(1).and_then(|p| bytes.get(p)) != Some(&b'$')
            && bytes.get(at + 1 + name) == Some(&b'}')
            && bytes
                .get(at + 2 + name)
                .is_some_and(|b| !b.is_ascii_whitespace() && !b"\"',}".contains(b))
            && text
                .get(at + 1..at + 1 + name)
                .is_some_and(|name| DOVECOT_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(name)))
    };
    if text.match_indices('{').any(|(at, _)| scheme(at)) {
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
            "pgpass",
            "netrc",
            "deploy.ppk",
            "kubeconfig.yaml",
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
            // round 9 red (leak): what wg, tailscaled, dovecot and clients write
            "[Interface]\r\nprivatekey = abc=\r\n",
            "\u{feff}PrivateKey = abc=\n",
            "{\"_machinekey\": \"cHJpdmtleTo5ZmE0\"}",
            "u:{ssha}W6ph5Mm5\n",
            "u:{PLAIN}Winter2026!\n",
            "    client-key-data: LS0tLS1C\n",
            "{\"auths\": {\"r.example.com\": {\"auth\": \"dTpw\"}}}",
            "PuTTY-User-Key-File-3: ssh-ed25519\r\n",
            "//r.example.com/:_authToken=abc\n",
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
            "echo \"${MD5}\" \"${SHA}x\"\n",
            "a {plain} word, {SHA} }\n",
            "the key is client_key_data_file\n",
        ] {
            assert!(
                private_reason("wg0.conf", Some(content.as_bytes())).is_none(),
                "{content}"
            );
        }
    }

    /// Round 9 red (leak): binary key stores and UTF-16 text, whatever
    /// their names.
    #[test]
    fn key_stores_and_utf16_are_judged_by_content() {
        let utf16 = |text: &str, bom: &[u8], little: bool| -> Vec<u8> {
            bom.iter()
                .copied()
                .chain(text.encode_utf16().flat_map(move |u| {
                    if little {
                        u.to_le_bytes()
                    } else {
                        u.to_be_bytes()
                    }
                }))
                .collect()
        };
        let wg = "[Interface]\nPrivateKey = abc=\n";
        for content in [
            vec![0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2],
            vec![0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2],
            vec![0x30, 0x82, 0x03, 0xfc, 0x02, 0x01, 0x03, 0x30],
            vec![0x30, 0x80, 0x02, 0x01, 0x03, 0x30],
            utf16(wg, &[0xff, 0xfe], true),
            utf16(wg, &[0xfe, 0xff], false),
            utf16(wg, &[], true),
            utf16(wg, &[], false),
        ] {
            assert!(
                private_reason("data", Some(&content)).is_some(),
                "{content:x?}"
            );
        }
        for content in [
            vec![0x30, 0x82, 0x03, 0xfc, 0x02, 0x01, 0x01],
            vec![0xfe, 0xed],
            utf16("[Peer]\nPublicKey = abc=\n", &[0xff, 0xfe], true),
            b"a\0b\0".to_vec(),
        ] {
            assert!(
                private_reason("data", Some(&content)).is_none(),
                "{content:x?}"
            );
        }
    }
}
