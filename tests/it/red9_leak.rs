//! Round 9 red team, leaks: private files and secrets that reached a
//! ConfigMap (plain text any reader of the namespace sees) through this
//! round's content-based detection, and the cost and the meaning of the
//! scans that decide it.

use std::fmt::Write as _;

use crate::common;

use common::compose_dir;

/// How many objects of `kind` hold `text`.
fn kinds_holding(run: &common::Run, kind: &str, text: &str) -> usize {
    run.objects()
        .iter()
        .filter(|o| o["kind"] == kind && o.to_string().contains(text))
        .count()
}

/// Converts a project binding each of `files` (written first) into `app`
/// read-only, and asserts that none of `secrets` is in a ConfigMap while
/// each is in a Secret.
fn assert_bound_files_are_secrets(files: &[(&str, &[u8])], secrets: &[&str]) {
    let mut binds = String::new();
    for (name, _) in files {
        writeln!(binds, "      - ./{name}:/etc/app/{name}:ro").unwrap();
    }
    let compose = format!("services:\n  app:\n    image: app\n    volumes:\n{binds}");
    let dir = compose_dir(&compose);
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let run = common::convert_in(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for secret in secrets {
        assert_eq!(
            kinds_holding(&run, "ConfigMap", secret),
            0,
            "{secret} is in a ConfigMap:\n{}",
            run.stdout
        );
        // a Secret's data is base64: the secret is there, not in clear
        assert!(!run.stdout.contains(secret), "{secret}:\n{}", run.stdout);
    }
    let secrets = run
        .objects()
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .count();
    assert_eq!(secrets, files.len(), "{}", run.stdout);
}

/// tailscaled writes its state as Go's `json.Marshal` of a
/// `map[StateKey][]byte`: every value is base64, so the machine key is
/// `"_machinekey": "cHJpdmtleTo…"` (base64 of `privkey:…`), never
/// `"privkey:` in clear as real9's test wrote it. Tailscale on Windows shows
/// the same in `server-state.conf`. Fails on cd0bda1: the state file of
/// tailscale-dev/ScaleTail's `./ts/state` bind went into a ConfigMap.
#[test]
fn a_tailscale_state_as_tailscaled_writes_it_goes_into_a_secret() {
    assert_bound_files_are_secrets(
        &[(
            "tailscaled.state",
            b"{\n  \"_current-profile\": \"cHJvZmlsZS1hYmNk\",\n  \"_machinekey\": \"cHJpdmtleTo5ZmE0ZDA3ZGM2OTQxN2Y4YzFkMmUzZjQ=\",\n  \"profile-abcd\": \"eyJQcml2YXRlTm9kZUtleSI6InByaXZrZXk6YWJjIn0=\"\n}\n",
        )],
        &["cHJpdmtleTo5ZmE0ZDA3ZGM2OTQxN2Y4YzFkMmUzZjQ="],
    );
}

/// wg(8) reads a configuration's keys without case (`strncasecmp`), and
/// wg-quick too (`shopt -s nocasematch`): `privatekey = …` is a private key
/// as `PrivateKey = …` is. A file saved on Windows ends its lines with CRLF
/// and may start with a byte order mark. Fails on cd0bda1: both went into
/// ConfigMaps.
#[test]
fn wireguard_keys_in_any_case_and_with_a_byte_order_mark_go_into_secrets() {
    assert_bound_files_are_secrets(
        &[
            (
                "wg0.conf",
                b"[Interface]\r\nAddress = 10.0.0.1/24\r\nprivatekey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\r\n",
            ),
            (
                "wg1.conf",
                b"\xef\xbb\xbfPRIVATEKEY=cHV0IGEga2V5IGhlcmUgaWYgeW91IGRhcmUgeW91IGZvb2w=\n[Peer]\n",
            ),
        ],
        &[
            "yAnz5TF+lXXJte14tji3zlMNq",
            "cHV0IGEga2V5IGhlcmUgaWYgeW91",
        ],
    );
}

/// Client credentials in files whose names say nothing: a kubeconfig
/// (kubeadm's `admin.conf`, k3s's `k3s.yaml`) holds the cluster's admin key
/// as `client-key-data`; docker's `config.json` holds registry logins under
/// `"auths"` (watchtower's documented bind); a PuTTY key (`*.ppk`); pgAdmin
/// documents `./pgpass:/pgpass` (`PGPASS_FILE`), a `.pgpass` without its
/// dot; an npm `_authToken` for a private registry (no `npm_` shape).
/// Fails on cd0bda1: all five went into ConfigMaps.
#[test]
fn client_credentials_in_files_of_any_name_go_into_secrets() {
    assert_bound_files_are_secrets(
        &[
            (
                "k3s.yaml",
                b"apiVersion: v1\nkind: Config\nusers:\n- name: default\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJU\n    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVF\n",
            ),
            (
                "config.json",
                b"{\n\t\"auths\": {\n\t\t\"registry.example.com\": {\n\t\t\t\"auth\": \"dXNlcjpSZWdpc3RyeVB3\"\n\t\t}\n\t}\n}\n",
            ),
            (
                "deploy.ppk",
                b"PuTTY-User-Key-File-3: ssh-ed25519\r\nEncryption: none\r\nPrivate-Lines: 1\r\nAAAAIPuttyPrivateLine\r\n",
            ),
            ("pgpass", b"db:5432:*:postgres:SuperSecretPgPw\n"),
            (
                "registry.conf",
                b"//npm.example.com/:_authToken=9f0e1d2c-3b4a-5968-7a6b-5c4d3e2f1a0b\n",
            ),
        ],
        &[
            "LS0tLS1CRUdJTiBFQyBQUklWQVRF",
            "dXNlcjpSZWdpc3RyeVB3",
            "AAAAIPuttyPrivateLine",
            "SuperSecretPgPw",
            "9f0e1d2c-3b4a-5968",
        ],
    );
}

/// Dovecot and OpenLDAP read a password's `{SCHEME}` prefix without case
/// (dovecot's own configuration writes `scheme=plain-md5`), and `{PLAIN}`
/// or `{CLEAR}` holds the password itself; `{SHA}` is what `htpasswd -s`
/// writes. Fails on cd0bda1: a passwd-file of lower-case `{ssha}`, one of
/// `{PLAIN}` and an htpasswd-style file under another name went into
/// ConfigMaps.
#[test]
fn password_schemes_in_any_case_and_clear_text_ones_go_into_secrets() {
    assert_bound_files_are_secrets(
        &[
            (
                "users",
                b"john@example.com:{ssha}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
            ),
            ("passwd", b"jane@example.com:{PLAIN}Winter2026!::::::\n"),
            ("web-users", b"admin:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"),
        ],
        &["W6ph5Mm5Pz8Ggi", "Winter2026!", "5en6G6MezRroT3XKqkdPOmY"],
    );
}

/// What held: every crypt(3) scheme the brief names (`$1$`, `$5$`, `$6$`
/// with rounds, `$2a$`/`$2b$`, `$apr1$`, `$y$` yescrypt, `$argon2id$`) in
/// files of neutral names, CRLF line ends, and OpenSSH's PEM form.
#[test]
fn crypt_schemes_and_openssh_keys_go_into_secrets() {
    assert_bound_files_are_secrets(
        &[
            ("a.txt", b"u:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/\r\n"),
            ("b.txt", b"u:$5$rounds=5000$saltstring$5B8vYYiY\r\n"),
            ("c.txt", b"u:$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW\n"),
            ("d.txt", b"u:$2b$10$N9qo8uLOickgx2ZMRZoMye\n"),
            ("e.txt", b"admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/\n"),
            ("f.txt", b"u:$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o\n"),
            ("g.txt", b"u:$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA\n"),
            (
                "h.txt",
                b"-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAA\r\n-----END OPENSSH PRIVATE KEY-----\r\n",
            ),
        ],
        &[
            "qjXMvbEw8oaL",
            "5B8vYYiY",
            "R9h/cIPz0gi",
            "N9qo8uLOickgx2",
            "IgXLP6ewTrSuBkTrqE8wj",
            "F5Jx5fExrKuPp53x",
            "c2FsdHNhbHQ",
            "b3BlbnNzaC1rZXktdjEAAAAA",
        ],
    );
}

/// The content scans stay linear in a file's size, whatever it repeats:
/// every `$` of a crypt hash looks to the next `$`, every `{` of a scheme
/// at most 18 bytes on, every `-----BEGIN ` at most 96. Ten times the
/// bytes take about ten times as long (a quadratic scan would take a
/// hundred); measured in a debug build, 5 MB and 50 MB (ratio): `$` 2.2 s,
/// 32 s (14.8); `{` 7.5 s, 54 s (7.2) before its cheap reject; `{{` 3.8 s,
/// 47 s (12.4); `-----BEGIN ` 3.9 s, 43 s (11.1); `"_machinekey"` 0.38 s,
/// 3.9 s (10.3); with the reject, 0.4 MB and 4 MB of `{` 0.11 s, 0.63 s.
/// Here 0.2 MB and 2 MB (a bind is read up to 900 KiB), the best of two.
#[test]
fn content_scans_stay_linear() {
    let best = |text: &str| {
        (0..2)
            .map(|_| {
                let start = std::time::Instant::now();
                let why = podlift::load::host_files::private_reason("x", Some(text.as_bytes()));
                assert_eq!(why, None);
                start.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    for unit in ["$", "{", "{{SHA", "-----BEGIN "] {
        let small = best(&unit.repeat(200_000 / unit.len()));
        let large = best(&unit.repeat(2_000_000 / unit.len()));
        assert!(
            large < small * 30.0 + 0.05,
            "{unit:?}: 0.2 MB {small:.3} s, 2 MB {large:.3} s"
        );
    }
}

/// A config's `content:` (compose 2.23+) is a file written inline: the
/// WireGuard key, password hash or kubeconfig key this round recognises in
/// a bound file is as private there. Fails on cd0bda1: the three configs
/// went into ConfigMaps (only tokens, URLs with a password and PEM keys
/// were looked for in `content:`).
#[test]
fn an_inline_config_holding_a_private_file_goes_into_a_secret() {
    let run = common::convert(
        "services:
  app:
    image: app
    configs:
      - {source: wg, target: /etc/wireguard/wg0.conf}
      - {source: users, target: /etc/dovecot/users}
      - {source: kube, target: /root/.kube/config}
configs:
  wg:
    content: |
      [Interface]
      PrivateKey = cHV0IGEga2V5IGhlcmUgaWYgeW91
  users:
    content: \"john:{SHA512-CRYPT}$$6$$Tx0dAzZ6rJSf2eb4$$hNo1e8qDpdm5\\n\"
  kube:
    content: \"users:\\n- user:\\n    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRF\\n\"
",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for secret in [
        "cHV0IGEga2V5IGhlcmUgaWYgeW91",
        "Tx0dAzZ6rJSf2eb4",
        "LS0tLS1CRUdJTiBFQyBQUklW",
    ] {
        assert!(!run.stdout.contains(secret), "{secret}:\n{}", run.stdout);
    }
    let secrets = run
        .objects()
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .count();
    assert_eq!(secrets, 3, "{}", run.stdout);
    assert_eq!(
        run.stderr.matches("note[bind-secret]: config").count(),
        3,
        "{}",
        run.stderr
    );
}

/// libpq reads `PGPASSWORD` (psql, pg_dump and every backup sidecar set
/// it), and numbered passwords are common (`DB_PASSWD2`, `PASSWORD1`): the
/// credential rule cut names into words and compared whole words, so none
/// matched `PASSWORD`. Fails on cd0bda1 (and on c6d447e): the three
/// passwords were plain `value`s in the Deployment.
#[test]
fn a_password_joined_to_another_word_goes_into_a_secret() {
    let run = common::convert(
        "services:
  backup:
    image: postgres
    environment:
      PGPASSWORD: hunter2hunter2
      DB_PASSWD2: s3cretvalue9
      PASSWORD1: s3cretvalue8
      BYPASS_CACHE: bypass-cache-value
",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for secret in ["hunter2hunter2", "s3cretvalue9", "s3cretvalue8"] {
        assert!(!run.stdout.contains(secret), "{secret}:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("bypass-cache-value"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("`PGPASSWORD`, `DB_PASSWD2` and `PASSWORD1`"),
        "{}",
        run.stderr
    );
}

/// Binary key stores and UTF-16 text are judged by content too: a JKS
/// (keytool writes `FEEDFEED`) or PKCS#12 (openssl writes `30 82 … 02 01
/// 03`) under a name that says nothing (Tomcat's default is `.keystore`,
/// no extension), and a key saved as UTF-16 (Windows' `Unicode`, with a
/// byte order mark or without). Fails on cd0bda1: the configs went into
/// ConfigMaps' `binaryData`, the UTF-16 WireGuard file into a ConfigMap.
#[test]
fn key_stores_and_utf16_keys_go_into_secrets() {
    let dir = compose_dir(
        "services:
  app:
    image: app
    volumes:
      - ./wg0.conf:/etc/wireguard/wg0.conf:ro
    configs:
      - {source: jks, target: /etc/truststore.bin}
      - {source: p12, target: /usr/local/tomcat/.keystore}
      - {source: pem16, target: /etc/key.pem}
configs:
  jks: {file: ./truststore.bin}
  p12: {file: ./.keystore}
  pem16: {file: ./server-pem.txt}
",
    );
    let utf16 = |text: &str, bom: bool| -> Vec<u8> {
        let bom = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        bom.into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect()
    };
    let mut jks = vec![0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1];
    jks.extend(b"JksPrivateEntryBytes");
    let mut p12 = vec![
        0x30, 0x82, 0x03, 0xfc, 0x02, 0x01, 0x03, 0x30, 0x82, 0x03, 0xb2,
    ];
    p12.extend(b"P12PrivateEntryBytes");
    for (name, bytes) in [
        ("truststore.bin", jks),
        (".keystore", p12),
        (
            "server-pem.txt",
            utf16(
                "-----BEGIN PRIVATE KEY-----\r\nMIGHAgEAMBMGByqGSM49\r\n-----END PRIVATE KEY-----\r\n",
                true,
            ),
        ),
        (
            "wg0.conf",
            utf16(
                "[Interface]\r\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq\r\n",
                false,
            ),
        ),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let run = common::convert_in(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kinds: Vec<String> = run
        .objects()
        .iter()
        .filter(|o| o["kind"] == "ConfigMap" || o["kind"] == "Secret")
        .map(|o| o["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(kinds, ["Secret"; 4], "{}", run.stdout);
}

/// Traefik's basic auth is set with a label whose value is an htpasswd line
/// (`traefik.http.middlewares.NAME.basicauth.users=admin:$apr1$…`, the
/// form Traefik's documentation gives); its name holds no credential word
/// unless the middleware is called `auth`, so the hash became a Pod
/// annotation, readable by anyone who may read Pods. A password hash is
/// now a credential's value wherever values are judged (labels, the
/// environment, `content:`). Fails on cd0bda1: the hash was an annotation.
#[test]
fn a_password_hash_in_a_label_is_left_out_of_the_annotations() {
    let run = common::convert(
        "services:
  web:
    image: traefik/whoami
    labels:
      - traefik.http.middlewares.mw.basicauth.users=admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/
      - traefik.http.middlewares.mw.basicauth.realm=lab
    environment:
      ADMIN_USERS: admin:$$2y$$10$$3OkNKWbl/6Wp1WqHR2cHZOUfYQ5EsxeTkOV3zZh
",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for hash in ["IgXLP6ewTrSuBkTrqE8wj", "3OkNKWbl/6Wp1WqHR2cH"] {
        assert!(!run.stdout.contains(hash), "{hash}:\n{}", run.stdout);
    }
    assert!(
        run.stdout
            .contains("traefik.http.middlewares.mw.basicauth.realm: lab"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(
            "label `traefik.http.middlewares.mw.basicauth.users` of service `web` looks like a credential (its value looks like a password hash)"
        ),
        "{}",
        run.stderr
    );
}
