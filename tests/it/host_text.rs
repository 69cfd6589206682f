//! What host files say never leaks into plain text (red team, round 2):
//! labels that look like credentials, label files that are private files,
//! `.env`/`env_file` text in diagnostics, credentials inside files that
//! would become ConfigMaps.

use crate::common;

use common::Test;

const TOKEN: &str = "ghp_FAKEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn convert(dir: &std::path::Path) -> common::Run {
    common::converting(dir, &["-p", "p"]).run()
}

/// Fails on the old main: a label file linked to `.env.prod` put
/// `DB_PASSWORD: FAKE` into the Pod's annotations, without a word.
#[test]
fn a_label_file_that_is_a_private_file_is_not_read() {
    let dir =
        common::compose_dir("services:\n  app:\n    image: nginx\n    label_file: meta.txt\n");
    std::fs::write(dir.path().join(".env.prod"), "DB_PASSWORD=FAKE\nTEAM=web\n").unwrap();
    std::os::unix::fs::symlink(".env.prod", dir.path().join("meta.txt")).unwrap();
    let run = convert(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("FAKE"), "{}", run.stdout);
    assert!(
        run.stderr.contains("warning[label-file-private]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`meta.txt`"), "{}", run.stderr);
    assert!(!run.stderr.contains("FAKE"), "{}", run.stderr);
}

/// Fails on the old main: credential-looking labels (by value or by name)
/// became plain-text annotations; the others still do.
#[test]
fn a_label_that_looks_like_a_credential_is_left_out() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: nginx\n    label_file: meta.txt\n    labels:\n      db.url: postgres://u:FAKEPW@db/app\n      team: web\n",
    );
    std::fs::write(
        dir.path().join("meta.txt"),
        format!("gh={TOKEN}\nDB_PASSWORD=FAKE2\ntier=front\n"),
    )
    .unwrap();
    let run = convert(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for leaked in ["FAKE", "ghp_"] {
        assert!(!run.stdout.contains(leaked), "{}", run.stdout);
    }
    // The label file's values are never shown (the compose file's own text is).
    for leaked in ["FAKE2", "ghp_"] {
        assert!(!run.stderr.contains(leaked), "{}", run.stderr);
    }
    let objects = run.objects();
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["team"], "web", "{annotations}");
    assert_eq!(annotations["tier"], "front", "{annotations}");
    for key in ["db.url", "gh", "DB_PASSWORD"] {
        assert!(
            run.stderr
                .contains(&format!("warning[label-credential]: label `{key}`")),
            "{}",
            run.stderr
        );
    }
}

/// Fails on the old main: a `.env` syntax error showed a snippet of `.env`
/// (the secrets on the lines around it), and env_file errors quoted values
/// and keys. Now: the file and the line, never its text.
#[test]
fn env_file_errors_name_the_file_and_line_only() {
    let bad = [
        "DB_PASSWORD=FAKEPW_NEIGHBOUR\nA=\"FAKEPW_LEAK\nB=1\n".to_string(),
        "DB_PASSWORD=FAKEPW_NEIGHBOUR\n-----BEGIN OPENSSH PRIVATE KEY----- FAKE=1\n".to_string(),
        format!("DB_PASSWORD=FAKEPW_NEIGHBOUR\n{TOKEN} x=1\n"),
        "DB_PASSWORD=FAKEPW_NEIGHBOUR\nFAKE$KEY=1\n".to_string(),
    ];
    for text in &bad {
        for (compose, file) in [
            ("services:\n  app:\n    image: nginx\n", ".env"),
            (
                "services:\n  app:\n    image: nginx\n    env_file: app.env\n",
                "app.env",
            ),
        ] {
            let dir = common::compose_dir(compose);
            std::fs::write(dir.path().join(file), text).unwrap();
            let run = convert(dir.path());
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert!(run.stderr.contains("env-file-syntax"), "{}", run.stderr);
            // The line as a second place, `FILE:LINE`, for the project's
            // `.env` as for a service's `env_file` (`.env` said "line 2" in
            // its message before).
            let key = if file == ".env" { ".env" } else { "env_file" };
            let line = format!("note: at {file}:2, in the `{key}` (its text is not shown)");
            assert!(run.stderr.contains(&line), "{}", run.stderr);
            assert!(run.stderr.contains(&format!("`{file}`")), "{}", run.stderr);
            for leaked in ["FAKE", "ghp_", "BEGIN"] {
                assert!(!run.stderr.contains(leaked), "{}", run.stderr);
            }
        }
    }
}

/// Fails on the old main: a config `file:` or a bind-mounted file holding a
/// token or a URL with a password went into a ConfigMap (the same text in
/// `content:` went into a Secret).
#[test]
fn host_files_holding_a_credential_go_into_secrets() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: nginx\n    configs: [c]\n    volumes:\n      - ./settings.yml:/etc/app/settings.yml:ro\nconfigs:\n  c:\n    file: hosts.yml\n",
    );
    std::fs::write(
        dir.path().join("hosts.yml"),
        format!("oauth_token: {TOKEN}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("settings.yml"),
        "db: postgres://admin:FAKEPW@db/app\n",
    )
    .unwrap();
    let run = convert(dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let secrets = run
        .objects()
        .into_iter()
        .filter(|o| o["kind"] == "Secret")
        .count();
    assert!(secrets >= 1, "{}", run.stdout);
    for object in run.objects() {
        if object["kind"] == "ConfigMap" {
            let text = object.to_string();
            assert!(!text.contains("ghp_") && !text.contains("FAKEPW"), "{text}");
        }
    }
}

/// Fails on the old main: a finding about a line of an `env_file` or a
/// `label_file` said "line N" in prose and pointed only at the compose line.
/// Now it names the line as a second place, `FILE:LINE` (in text and in
/// `check --format json`), never with a snippet of that file; the compose
/// line stays the finding's place, and the file's name is printed escaped.
#[test]
fn env_and_label_file_lines_are_a_second_place_without_their_text() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: nginx\n    env_file: app.env\n    label_file: \"a\\eb.labels\"\n",
    );
    std::fs::write(
        dir.path().join("app.env"),
        format!("DB_PASSWORD=FAKEPW_NEIGHBOUR\nGH={TOKEN}\nFAKE$KEY=1\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a\u{1b}b.labels"),
        "team=FAKE_LABEL\n\n=FAKE_VALUE\n",
    )
    .unwrap();
    let run = Test::new().current_dir(dir.path()).args(["check"]).run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = &run.stderr;
    assert!(text.contains("╭─[compose.yaml:4:15]"), "{text}");
    assert!(text.contains("╭─[compose.yaml:5:17]"), "{text}");
    assert!(
        text.contains("  note: at app.env:3, in the `env_file` (its text is not shown)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  note: at a\\u{1b}b.labels:3, in the `label_file` (its text is not shown)\n"
        ),
        "{text}"
    );
    // No snippet of either file, no line of them, no control character.
    assert!(
        !text.contains("─[app.env") && !text.contains("b.labels:3:"),
        "{text}"
    );
    assert!(!text.contains("line 3"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    for leaked in ["FAKEPW", "ghp_", "FAKE_LABEL", "FAKE_VALUE"] {
        assert!(!text.contains(leaked), "{text}");
    }
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .run();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let related: Vec<(serde_json::Value, serde_json::Value)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["related"] != serde_json::Value::Null)
        .map(|d| ((d["file"].clone(), d["line"].clone()), d["related"].clone()))
        .map(|(place, related)| (serde_json::json!(place), related))
        .collect();
    assert_eq!(
        related,
        [
            (
                serde_json::json!(["compose.yaml", 4]),
                serde_json::json!([{"label": "env_file", "file": "app.env", "line": 3}])
            ),
            (
                serde_json::json!(["compose.yaml", 5]),
                serde_json::json!([{"label": "label_file", "file": "a\u{1b}b.labels", "line": 3}])
            ),
        ],
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    for leaked in ["FAKEPW", "ghp_", "FAKE_LABEL", "FAKE_VALUE"] {
        assert!(!run.stdout.contains(leaked), "{}", run.stdout);
    }
}

/// What a case names, the files it writes and the extra arguments.
type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a [&'a str]);

/// Fails on 08e7e1c: a password holding `${` in `.env`, an `env_file`, an
/// `include`'s `env_file` or `--env-file` was refused as an invalid
/// interpolation with the rest of the value in the message
/// (`invalid interpolation `${Qz9-hunter2``), in text and in JSON, where
/// the file's lines are promised never to be shown: the message names the
/// variable and the line, never the value.
#[test]
fn an_invalid_interpolation_in_an_env_file_never_shows_the_value() {
    let secret = "Qz9-FAKEsecret";
    let line = format!("A=1\nDB_PASSWORD=Xy7${{{secret}\n");
    let service = "services:\n  app:\n    image: nginx\n";
    let cases: [Case; 4] = [
        (
            ".env",
            vec![("compose.yaml", service.into()), (".env", line.clone())],
            &[],
        ),
        (
            "env_file",
            vec![
                ("compose.yaml", format!("{service}    env_file: app.env\n")),
                ("app.env", line.clone()),
            ],
            &[],
        ),
        (
            "include env_file",
            vec![
                (
                    "compose.yaml",
                    "include:\n  - path: inc.yaml\n    env_file: inc.env\n".into(),
                ),
                ("inc.yaml", service.into()),
                ("inc.env", line.clone()),
            ],
            &[],
        ),
        (
            "--env-file",
            vec![("compose.yaml", service.into()), ("my.env", line.clone())],
            &["--env-file", "my.env"],
        ),
    ];
    for (what, files, extra) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        for format in ["text", "json"] {
            let run = Test::new()
                .current_dir(dir.path())
                .args(["check", "--format", format])
                .args(extra)
                .run();
            assert_eq!(run.code, 1, "{what} {format}: {}", run.stderr);
            let all = format!("{}{}", run.stdout, run.stderr);
            assert!(
                all.contains("the value of `DB_PASSWORD` holds an invalid interpolation"),
                "{what} {format}: {all}"
            );
            assert!(all.contains("env-file-syntax"), "{what} {format}: {all}");
            assert!(!all.contains("FAKE"), "{what} {format}: {all}");
        }
    }
}
