//! Credentials interpolated into what a container runs (round 10): compose
//! writes `${REDIS_PASSWORD}`'s value into the command's words; podlift
//! wrote it in clear into the Deployment's `args`. Now the words read it as
//! `$(REDIS_PASSWORD_ARG)` from the service's Secret (the kubelet expands it
//! from the container's environment), and a credential in a health check or
//! hook, which the kubelet cannot read from a Secret, is a warning.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::common;

/// The objects of converting `compose` beside `.env` text `env`.
fn convert_with_env(compose: &str, env: &str) -> common::Run {
    let dir = common::compose_dir(compose);
    std::fs::write(dir.path().join(".env"), env).unwrap();
    common::convert_in(dir.path(), &[])
}

fn container<'a>(spec: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}: {spec}"))
}

/// The value of `key` in Secret `name`, decoded.
fn secret_value(run: &common::Run, name: &str, key: &str) -> String {
    let objects = run.objects();
    let secret = objects
        .iter()
        .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Secret {name}:\n{}", run.stdout));
    let encoded = secret["data"][key].as_str().unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

/// Fails on 1720d45: `--requirepass s3cret-pass` stood in `args`.
#[test]
fn a_credential_in_a_command_is_read_from_the_secret() {
    let run = convert_with_env(
        "name: shop
services:
  cache:
    image: redis:7
    command: redis-server --requirepass ${REDIS_PASSWORD} --port ${PORT}
",
        "REDIS_PASSWORD=s3cret-pass\nPORT=6380\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("s3cret-pass"), "{}", run.stdout);
    let spec = run.pod_spec();
    let cache = container(&spec, "cache");
    assert_eq!(
        cache["args"],
        serde_json::json!([
            "redis-server",
            "--requirepass",
            "$(REDIS_PASSWORD_ARG)",
            "--port",
            "6380"
        ])
    );
    assert_eq!(common::names_in(cache, "env"), ["REDIS_PASSWORD_ARG"]);
    assert_eq!(
        cache["env"][0]["valueFrom"]["secretKeyRef"]["name"],
        "shop-cache-env"
    );
    assert_eq!(
        secret_value(&run, "shop-cache-env", "REDIS_PASSWORD_ARG"),
        "s3cret-pass"
    );
    assert!(
        run.stderr.contains("note[command-secret]"),
        "{}",
        run.stderr
    );
    // Never the value in a diagnostic.
    assert!(!run.stderr.contains("s3cret-pass"), "{}", run.stderr);
}

/// The environment's own variable is used when it holds the same value;
/// another value gets a variable of its own; an entrypoint list too.
#[test]
fn the_environments_variable_is_reused_only_for_the_same_value() {
    let run = convert_with_env(
        "name: shop
services:
  same:
    image: app:1
    entrypoint: [\"run\", \"--password=${DB_PASSWORD}\"]
    environment:
      DB_PASSWORD: ${DB_PASSWORD}
  other:
    image: app:1
    entrypoint:
      - run
      - --password=${DB_PASSWORD}
    environment:
      DB_PASSWORD: another-one
",
        "DB_PASSWORD=db-s3cret\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("db-s3cret"), "{}", run.stdout);
    let spec = run.pod_spec();
    let same = container(&spec, "same");
    assert_eq!(
        same["command"],
        serde_json::json!(["run", "--password=$(DB_PASSWORD)"])
    );
    assert_eq!(common::names_in(same, "env"), ["DB_PASSWORD"]);
    let other = container(&spec, "other");
    assert_eq!(
        other["command"],
        serde_json::json!(["run", "--password=$(DB_PASSWORD_ARG)"])
    );
    assert_eq!(
        common::names_in(other, "env"),
        ["DB_PASSWORD", "DB_PASSWORD_ARG"]
    );
    assert_eq!(
        secret_value(&run, "shop-other-env", "DB_PASSWORD"),
        "another-one"
    );
    assert_eq!(
        secret_value(&run, "shop-other-env", "DB_PASSWORD_ARG"),
        "db-s3cret"
    );
}

/// The kubelet reads `$$` as `$` and `$(X)` as a variable: the text around
/// the value keeps what compose meant, a `$` right before the value too.
#[test]
fn the_text_around_the_value_keeps_its_dollars() {
    let run = convert_with_env(
        "services:
  app:
    image: app:1
    command: [\"x$$${API_TOKEN}$$(date)${API_TOKEN}\"]
",
        "API_TOKEN=tok-123456\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    // compose runs `x$tok-123456$(date)tok-123456`
    assert_eq!(
        container(&spec, "app")["args"],
        serde_json::json!(["x$$$(API_TOKEN_ARG)$$(date)$(API_TOKEN_ARG)"])
    );
}

/// A probe's or hook's command gets no Secret: a warning names the
/// variable (never the value). Fails on 1720d45: no diagnostic.
#[test]
fn a_credential_in_a_health_check_or_hook_is_a_warning() {
    let run = convert_with_env(
        "services:
  db:
    image: mariadb:11
    healthcheck:
      test: [\"CMD\", \"mysqladmin\", \"ping\", \"-p${DB_PASSWORD}\"]
    post_start:
      - command: [\"init\", \"--token\", \"${INIT_TOKEN}\"]
",
        "DB_PASSWORD=db-s3cret\nINIT_TOKEN=init-s3cret\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning[credential-in-probe]"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(
        warnings[0].contains("`DB_PASSWORD` in `healthcheck`"),
        "{}",
        run.stderr
    );
    assert!(
        warnings[1].contains("`INIT_TOKEN` in `post_start`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
}

/// What is no credential, and a credential the command does not hold,
/// changes nothing.
#[test]
fn other_variables_are_written_as_before() {
    let run = convert_with_env(
        "services:
  app:
    image: app:1
    command: serve --port ${PORT} --mode ${MODE:+fast}
    labels:
      pw: ${SECRET_KEY}
",
        "PORT=8080\nMODE=x\nSECRET_KEY=abc-s3cret\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let app = container(&spec, "app");
    assert_eq!(
        app["args"],
        serde_json::json!(["serve", "--port", "8080", "--mode", "fast"])
    );
    assert!(app.get("env").is_none(), "{app}");
    assert!(!run.stderr.contains("command-secret"), "{}", run.stderr);
}

/// Fails on 86e8f6c: a value with spaces, unquoted in a command written as
/// a string, is split into several words: no word holds it whole, so no
/// `$(NAME)` can stand for it, and `correct`, `horse`, `staple` stood in
/// `args` with no diagnostic. Now a warning says it stays in plain text.
#[test]
fn a_credential_cut_into_words_is_a_warning() {
    let run = convert_with_env(
        "name: shop
services:
  cache:
    image: redis:7
    command: redis-server --requirepass ${REDIS_PASSWORD}
",
        "REDIS_PASSWORD=correct horse staple\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "warning[credential-in-probe]: `REDIS_PASSWORD` in `command` looks like a credential"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("horse"), "{}", run.stderr);
    // A lookup that writes no value (`${NAME:+x}`) is no credential in the words.
    let run = convert_with_env(
        "name: shop
services:
  cache:
    image: redis:7
    command: [\"run\", \"${REDIS_PASSWORD:+--auth}\"]
",
        "REDIS_PASSWORD=s3cret-pass\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("credential"), "{}", run.stderr);
    assert_eq!(
        common::names_in(container(&run.pod_spec(), "cache"), "env"),
        Vec::<String>::new()
    );
}

/// Fails on 86e8f6c: each credential of a command was searched for in every
/// word (and against every other), so a file with thousands of them made
/// the work grow with their square (4,000 took 5 s in a debug build, 1,000
/// took 0.5 s). Past 64 in one key the file is refused, counted here.
#[test]
fn a_command_with_too_many_credentials_is_refused() {
    let words = |n: usize| {
        (0..n).fold(String::new(), |mut out, i| {
            let _ = writeln!(out, "      - ${{PASSWORD_{i}}}");
            out
        })
    };
    let env = (0..200).fold(String::new(), |mut out, i| {
        let _ = writeln!(out, "PASSWORD_{i}=v{i:07}");
        out
    });
    let dir = common::compose_dir(&format!(
        "name: shop\nservices:\n  app:\n    image: app:1\n    command:\n{}",
        words(200)
    ));
    std::fs::write(dir.path().join(".env"), &env).unwrap();
    let run = common::converting(dir.path(), &[]).run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error[limit-interpolation]: `command` of service `app` takes more than 64 variables"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("v0000001"), "{}", run.stdout);
    // 64 are read from the Secret.
    let run = convert_with_env(
        &format!(
            "name: shop\nservices:\n  app:\n    image: app:1\n    command:\n{}",
            words(64)
        ),
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        common::names_in(container(&run.pod_spec(), "app"), "env").len(),
        64
    );
}

/// Fails on a922cd3: the container got the variable under its own name,
/// which compose never set in it; `http_proxy` (a credential by its value,
/// a URL with a password) then sent every HTTP call of the container
/// through the proxy, not only the one the command made.
#[test]
fn the_variable_read_into_a_command_never_takes_a_name_compose_left_unset() {
    let run = convert_with_env(
        "name: shop
services:
  fetch:
    image: curl:1
    command: [\"curl\", \"--proxy\", \"${http_proxy}\", \"https://example.org/\"]
",
        "http_proxy=http://user:hunter2-pw@proxy.corp:3128\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("hunter2-pw"), "{}", run.stdout);
    let spec = run.pod_spec();
    let fetch = container(&spec, "fetch");
    assert_eq!(common::names_in(fetch, "env"), ["http_proxy_ARG"]);
    assert_eq!(fetch["args"][2], "$(http_proxy_ARG)");
}
