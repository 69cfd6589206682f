//! `podlift config`: the project as podlift resolved it, in the canonical
//! form of `docker compose config`; and the cases where Docker Compose v2
//! disagreed with podlift (tests/oracle/differential.py found them), each a
//! regression test. Expected values were checked against compose v2.40.3.

use crate::common;

use common::{Test, compose_dir};
use serde_json::{Value, json};

fn config(dir: &std::path::Path) -> Value {
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir)
        .success();
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn prints_the_canonical_form() {
    let dir = compose_dir(
        "name: demo\nservices:\n  web:\n    image: nginx\n    privileged: \"yes\"\n    command: echo \"a b\"\n    ports: [\"127.0.0.1:8080:80\", \"9000-9001:90-91/udp\"]\n    environment: [A=1, B]\n    labels: [x=y, z]\n    volumes: [\"./data:/data:ro\", \"vol:/v\"]\n    depends_on: [db]\n    healthcheck:\n      test: curl -f localhost\n      interval: 90s\n      retries: \"5\"\n    mem_limit: 512m\n    stop_grace_period: 1m\n  db:\n    image: postgres\nvolumes:\n  vol: {}\n  unused: {}\n",
    );
    let project = config(dir.path());
    let root = dir.path().to_string_lossy().into_owned();
    let web = &project["services"]["web"];
    assert_eq!(project["name"], "demo");
    assert_eq!(web["privileged"], true);
    assert_eq!(web["command"], json!(["echo", "a b"]));
    assert_eq!(project["services"]["db"]["command"], Value::Null);
    assert_eq!(
        web["ports"],
        json!([
            {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "tcp"},
            {"mode": "ingress", "target": 90, "published": "9000", "protocol": "udp"},
            {"mode": "ingress", "target": 91, "published": "9001", "protocol": "udp"},
        ])
    );
    assert_eq!(web["environment"], json!({"A": "1", "B": null}));
    assert_eq!(web["labels"], json!({"x": "y", "z": ""}));
    assert_eq!(
        web["volumes"],
        json!([
            {"type": "bind", "source": format!("{root}/data"), "target": "/data", "read_only": true, "bind": {"create_host_path": true}},
            {"type": "volume", "source": "vol", "target": "/v", "volume": {}},
        ])
    );
    assert_eq!(
        web["depends_on"],
        json!({"db": {"condition": "service_started", "required": true}})
    );
    assert_eq!(
        web["healthcheck"],
        json!({"test": ["CMD-SHELL", "curl -f localhost"], "interval": "1m30s", "retries": 5})
    );
    assert_eq!(web["mem_limit"], "536870912");
    assert_eq!(web["stop_grace_period"], "1m0s");
    assert_eq!(web["networks"], json!({"default": null}));
    assert_eq!(
        project["networks"],
        json!({"default": {"name": "demo_default", "ipam": {}}})
    );
    // only what the services use, as compose prints it
    assert_eq!(project["volumes"], json!({"vol": {"name": "demo_vol"}}));
}

#[test]
fn yaml_is_the_default_and_reads_back_as_the_same_project() {
    let dir = compose_dir("services:\n  a:\n    image: busybox\n    tty: on\n");
    let yaml = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .success();
    let parsed: Value = serde_saphyr::from_str(&yaml.stdout).unwrap();
    assert_eq!(parsed, config(dir.path()));
    // and podlift reads its own output as the same project
    std::fs::write(dir.path().join("compose.yaml"), &yaml.stdout).unwrap();
    assert_eq!(config(dir.path()), parsed);
}

/// `config` prints YAML with podlift's own writer (`podlift::yaml_writer`);
/// podlift 82c8715 printed it with `serde_saphyr::to_string`. The text stays
/// the same for values that need quoting, a block or escapes (but see the
/// next test).
#[test]
fn yaml_is_written_as_serde_saphyr_wrote_it() {
    let dir = compose_dir(
        "services:
  a:
    image: \"busybox:1.36\"
    environment:
      MULTI: \"line one\\nline two\\n\"
      BOOLISH: \"yes\"
      NUMBER: \"1000\"
      NULLISH: \"null\"
      EMPTY: \"\"
      COLON: \"a: b\"
      HASH: \"a #b\"
      DOLLAR: \"$$HOME\"
      UNSET:
    labels: {\"key: with colon\": \"-dash\", \"t\": \"~\"}
    command: [\"sh\", \"-c\", \"echo 'quoted' \\\"double\\\"\"]
    healthcheck: {test: [CMD, \"true\"], interval: 1m, retries: 3}
    ports: [\"8080:80\"]
    group_add: [\"0\"]
x-extra: {list: [1, 2.5, true, null], nested: {deep: [[]], empty: {}}}
",
    );
    let yaml = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .success();
    let json = config(dir.path());
    assert_eq!(yaml.stdout, serde_saphyr::to_string(&json).unwrap());
}

/// Two values serde-saphyr wrote in a way compose could not read back or a
/// terminal shows reordered; the manifests have been written so since
/// podlift's own writer, and `config` now is too. podlift 82c8715 printed
/// `TAB: |-` and Docker Compose v2.40.3 refused that output ("found a tab
/// character where an indentation space is expected"); it reads `|2-`.
#[test]
fn a_value_starting_with_a_tab_reads_back_and_a_bidi_control_is_escaped() {
    let dir = compose_dir(
        "services:
  a:
    image: busybox
    environment:
      TAB: \"\\tstarts with a tab\\nand goes on\"
      BIDI: \"x\\u202Ey\"
",
    );
    let yaml = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .success();
    assert!(
        yaml.stdout
            .contains("      TAB: |2-\n        \tstarts with a tab\n        and goes on\n"),
        "{}",
        yaml.stdout
    );
    assert!(
        yaml.stdout.contains("      BIDI: \"x\\u202Ey\"\n"),
        "{}",
        yaml.stdout
    );
    let parsed: Value = serde_saphyr::from_str(&yaml.stdout).unwrap();
    assert_eq!(parsed, config(dir.path()));
    assert_eq!(
        parsed["services"]["a"]["environment"]["TAB"],
        "\tstarts with a tab\nand goes on"
    );
}

#[test]
fn a_loading_error_exits_1_and_prints_nothing() {
    let dir = compose_dir("services:\n  a:\n    image: busybox\n    privileged: \"1\"\n");
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr.contains("`privileged` must be a boolean"),
        "{}",
        run.stderr
    );
    // what only one Pod cannot do is no loading error
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    ports: [\"80:80\"]\n  b:\n    image: busybox\n    ports: [\"81:80\"]\n",
    );
    Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .success();
}

#[test]
fn a_literal_dollar_prints_escaped_as_compose_does() {
    let dir = compose_dir("services:\n  a:\n    image: busybox\n    command: echo $$HOME\n");
    assert_eq!(
        config(dir.path())["services"]["a"]["command"],
        json!(["echo", "$$HOME"])
    );
}

// ---- regressions: where compose v2 disagreed, compose wins

#[test]
fn project_name_and_bare_environment_names_come_from_dot_env_too() {
    let dir = compose_dir("services:\n  a:\n    image: busybox\n    environment: [FROM_DOTENV]\n");
    std::fs::write(
        dir.path().join(".env"),
        "COMPOSE_PROJECT_NAME=from_dotenv\nFROM_DOTENV=yes\n",
    )
    .unwrap();
    let project = config(dir.path());
    assert_eq!(project["name"], "from_dotenv");
    assert_eq!(
        project["services"]["a"]["environment"]["FROM_DOTENV"],
        "yes"
    );
    // convert carries the same value into the container
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    let env = &run.pod_spec()["containers"][0]["env"];
    assert_eq!(env, &json!([{"name": "FROM_DOTENV", "value": "yes"}]));
}

#[test]
fn inactive_services_must_still_be_valid() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n  debug:\n    image: busybox\n    profiles: [debug]\n    privileged: \"banana\"\n",
    );
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr.contains("`privileged` must be a boolean"),
        "{}",
        run.stderr
    );
}

/// Compose v2.40.3 reads no file of a service whose profile is not active
/// (`docker-compose config` succeeds with its `env_file` missing); podlift
/// still checks how the service is written, but opens none of its files. The
/// files here are named pipes no one writes to: opening one would block.
#[test]
fn inactive_services_files_are_not_read() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n  debug:\n    image: busybox\n    profiles: [debug]\n    env_file: ./pipe\n    label_file: ./pipe\n    volumes: [\"./pipe:/etc/app.conf\"]\n",
    );
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    for command in ["config", "convert"] {
        let output = assert_cmd::Command::cargo_bin("podlift")
            .unwrap()
            .arg(command)
            .current_dir(dir.path())
            .env_remove("COMPOSE_PROFILES")
            .env("NO_COLOR", "1")
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "`podlift {command}` read a file of an inactive service (or failed): {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn depends_on_required_and_restart() {
    // `required` takes a YAML boolean only
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    depends_on:\n      b: {condition: service_started, required: \"true\"}\n  b:\n    image: busybox\n",
    );
    let run = Test::new().args(["check"]).current_dir(dir.path()).run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("`depends_on.required` must be"),
        "{}",
        run.stderr
    );
    // an optional dependency that is not active is no error; restart: true is named
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    depends_on:\n      dbg: {condition: service_started, required: false}\n      b: {condition: service_started, restart: true}\n  b:\n    image: busybox\n  dbg:\n    image: busybox\n    profiles: [debug]\n",
    );
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    assert!(run.stderr.contains("depends-on-optional"), "{}", run.stderr);
    assert!(run.stderr.contains("depends-on-restart"), "{}", run.stderr);
    // but a service that is defined nowhere is an error even then, as in compose
    let nowhere = compose_dir(
        "services:\n  a:\n    image: busybox\n    depends_on:\n      gone: {condition: service_started, required: false}\n",
    );
    let run = Test::new()
        .args(["config"])
        .current_dir(nowhere.path())
        .failure(1);
    assert!(run.stderr.contains("depends-on-unknown"), "{}", run.stderr);
    let project = config(dir.path());
    assert_eq!(
        project["services"]["a"]["depends_on"],
        json!({
            "dbg": {"condition": "service_started", "required": false},
            "b": {"condition": "service_started", "restart": true, "required": true},
        })
    );
}

#[test]
fn command_words_must_be_strings() {
    for body in [
        "command: [echo, 1]",
        "entrypoint: [run, true]",
        "healthcheck: {test: [CMD, check, 2]}",
    ] {
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: busybox\n    {body}\n"
        ));
        let run = Test::new()
            .args(["config"])
            .current_dir(dir.path())
            .failure(1);
        assert!(
            run.stderr.contains("must be a string"),
            "{body}: {}",
            run.stderr
        );
    }
}

#[test]
fn one_resource_written_twice_must_agree() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 512m}}}\n",
    );
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
    assert!(run.stderr.contains("resource-conflict"), "{}", run.stderr);
    // the same amount written two ways is one value
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 1024m}}}\n",
    );
    Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .success();
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    deploy: {resources: {limits: {memory: 1024}}}\n",
    );
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr.contains("deploy.resources.limits.memory"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_included_build_without_context_builds_in_its_project_directory() {
    let dir = compose_dir(
        "include:\n  - path: ./dir/compose.yaml\n    project_directory: ./sub\nservices: {}\n",
    );
    std::fs::create_dir_all(dir.path().join("dir")).unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("dir/compose.yaml"),
        "services:\n  b:\n    build: {dockerfile_inline: \"FROM busybox\"}\n",
    )
    .unwrap();
    let project = config(dir.path());
    assert_eq!(
        project["services"]["b"]["build"],
        json!({"context": format!("{}/sub", dir.path().display()), "dockerfile_inline": "FROM busybox"})
    );
}

// ---- what docker compose does that podlift lacked (issue 15, item 4)

#[test]
fn dash_f_dash_reads_the_compose_file_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("app.env"), "FROM_FILE=1\n").unwrap();
    let run = Test::new()
        .args(["config", "--format", "json", "-f", "-"])
        .current_dir(&project)
        .stdin("services:\n  a:\n    image: busybox\n    env_file: app.env\n")
        .success();
    let config: Value = serde_json::from_str(&run.stdout).unwrap();
    // the project directory is the working directory
    assert_eq!(config["name"], "shop");
    assert_eq!(config["services"]["a"]["environment"]["FROM_FILE"], "1");
    let run = Test::new()
        .args(["convert", "-f", "-"])
        .current_dir(&project)
        .stdin("services:\n  a:\n    image: busybox\n    tty: yes\n")
        .success();
    assert_eq!(run.pod_spec()["containers"][0]["tty"], true);
}

/// `-f - -f app/compose.yaml`: compose (v2.40.3, `docker-compose -f - -f
/// q/compose.yaml config --format json`) takes the project directory from
/// the first file that is not standard input: name `q`, `q/.env`'s
/// variables, the stdin file's `env_file` and binds resolved in `q`.
/// podlift used the working directory (name of the working directory, an
/// `env-file-unreadable` error).
#[test]
fn dash_f_dash_first_takes_the_project_directory_of_the_next_file() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let q = work.join("q");
    std::fs::create_dir_all(&q).unwrap();
    std::fs::write(q.join("compose.yaml"), "services:\n  t:\n    image: y\n").unwrap();
    std::fs::write(q.join(".env"), "Z=1\n").unwrap();
    std::fs::write(q.join("e.env"), "E=1\n").unwrap();
    std::fs::create_dir(q.join("data")).unwrap();
    let stdin = "services:\n  s:\n    image: x:${Z:-none}\n    env_file: [e.env]\n    volumes: [./data:/d]\n";
    for args in [
        ["-f", "-", "-f", "q/compose.yaml"],
        ["-f", "q/compose.yaml", "-f", "-"],
    ] {
        let run = Test::new()
            .args(["config", "--format", "json"])
            .args(args)
            .current_dir(&work)
            .stdin(stdin)
            .success();
        let config: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(config["name"], "q", "{args:?}");
        let s = &config["services"]["s"];
        assert_eq!(s["image"], "x:1", "{args:?}");
        assert_eq!(s["environment"]["E"], "1", "{args:?}");
        let source = s["volumes"][0]["source"].as_str().unwrap();
        assert!(source.ends_with("work/q/data"), "{args:?}: {source}");
    }
}

/// Fails on 08e7e1c: the `include` and `extends.file` of standard input's
/// compose file were resolved in the working directory, its `env_file` and
/// binds in the project directory; compose (v2.40.3, `docker-compose -f - -f
/// q/compose.yaml config --format json`) resolves them all in `q`, the
/// project directory (podlift read `work/base.yaml` and `work/inc.yaml`
/// instead, or refused them as outside the project).
#[test]
fn dash_f_dash_resolves_its_include_and_extends_in_the_project_directory() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let q = work.join("q");
    std::fs::create_dir_all(&q).unwrap();
    std::fs::write(q.join("compose.yaml"), "services:\n  t:\n    image: y\n").unwrap();
    for (at, place) in [(&work, "work"), (&q, "q")] {
        std::fs::write(
            at.join("base.yaml"),
            format!("services:\n  x:\n    image: base-{place}\n"),
        )
        .unwrap();
        std::fs::write(
            at.join("inc.yaml"),
            format!("services:\n  i:\n    image: inc-{place}\n"),
        )
        .unwrap();
    }
    let stdin =
        "include: [inc.yaml]\nservices:\n  s:\n    extends: {file: base.yaml, service: x}\n";
    for args in [
        ["-f", "-", "-f", "q/compose.yaml"],
        ["-f", "q/compose.yaml", "-f", "-"],
    ] {
        let run = Test::new()
            .args(["config", "--format", "json"])
            .args(args)
            .current_dir(&work)
            .stdin(stdin)
            .success();
        let config: Value = serde_json::from_str(&run.stdout).unwrap();
        let services = &config["services"];
        assert_eq!(services["s"]["image"], "base-q", "{args:?}");
        assert_eq!(services["i"]["image"], "inc-q", "{args:?}");
    }
    // Standard input alone: the working directory is the project's.
    let run = Test::new()
        .args(["config", "--format", "json", "-f", "-"])
        .current_dir(&work)
        .stdin(stdin)
        .success();
    let config: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(config["services"]["s"]["image"], "base-work");
    assert_eq!(config["services"]["i"]["image"], "inc-work");
}

#[test]
fn without_dash_f_the_parents_are_searched() {
    let dir = compose_dir("services:\n  a:\n    image: busybox\n");
    let deep = dir.path().join("src/module");
    std::fs::create_dir_all(&deep).unwrap();
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(&deep)
        .success();
    let config: Value = serde_json::from_str(&run.stdout).unwrap();
    let name = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_lowercase();
    assert_eq!(config["name"].as_str().unwrap(), name.replace('.', ""));
}

#[test]
fn compose_path_separator_and_env_files_variables() {
    let dir = compose_dir("services:\n  a:\n    image: busybox:${TAG}\n");
    std::fs::write(
        dir.path().join("extra.yaml"),
        "services:\n  b:\n    image: busybox\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("one.env"), "TAG=1\n").unwrap();
    std::fs::write(dir.path().join("two.env"), "TAG=2\n").unwrap();
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .env("COMPOSE_FILE", "compose.yaml;extra.yaml")
        .env("COMPOSE_PATH_SEPARATOR", ";")
        .env("COMPOSE_ENV_FILES", "one.env,two.env")
        .success();
    let config: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(config["services"]["a"]["image"], "busybox:2");
    assert!(config["services"]["b"].is_object());
}

#[test]
fn optional_env_files_may_be_missing() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    env_file:\n      - path: missing.env\n        required: false\n      - path: raw.env\n        format: raw\n",
    );
    std::fs::write(dir.path().join("raw.env"), "A=1\n").unwrap();
    let project = config(dir.path());
    assert_eq!(project["services"]["a"]["environment"], json!({"A": "1"}));
}

#[test]
fn build_with_image_warns_that_the_image_must_be_pushed() {
    let dir = compose_dir("services:\n  a:\n    image: shop/app:1\n    build: .\n");
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    assert!(
        run.stderr.contains("warning[image-built]") && run.stderr.contains("push it to a registry"),
        "{}",
        run.stderr
    );
    assert_eq!(run.pod_spec()["containers"][0]["image"], "shop/app:1");
}

#[test]
fn a_volume_name_names_the_claim() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data:\n    name: shared-data\n",
    );
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    let objects = run.objects();
    let claim = objects
        .iter()
        .find(|o| o["kind"] == "PersistentVolumeClaim")
        .unwrap();
    assert_eq!(claim["metadata"]["name"], "shared-data");
    assert_eq!(
        run.pod_spec()["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "shared-data"
    );
    assert_eq!(config(dir.path())["volumes"]["data"]["name"], "shared-data");
}

#[test]
fn ports_keep_their_host_address() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    ports: [\"127.0.0.1:3306:3306\", \"[::1]:6379:6379\"]\n",
    );
    let ports = &config(dir.path())["services"]["a"]["ports"];
    assert_eq!(ports[0]["host_ip"], "127.0.0.1");
    assert_eq!(ports[1]["host_ip"], "::1");
}

/// `config` reads short ports as the model does: an IPv6 host address
/// without brackets and an upper-case protocol used to print differently
/// from compose v2.40.3 (the port unexpanded, `TCP`).
#[test]
fn short_ports_read_as_the_model_reads_them() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    ports: [\"::1:8080:80\", \"8082:82/TCP\", \"127.0.0.1:8090-8091:90\"]\n",
    );
    assert_eq!(
        config(dir.path())["services"]["a"]["ports"],
        json!([
            {"mode": "ingress", "host_ip": "::1", "target": 80, "published": "8080", "protocol": "tcp"},
            {"mode": "ingress", "target": 82, "published": "8082", "protocol": "tcp"},
            {"mode": "ingress", "host_ip": "127.0.0.1", "target": 90, "published": "8090-8091", "protocol": "tcp"},
        ])
    );
}

#[test]
fn more_cases_compose_refuses() {
    let cases = [
        // two services, one container name
        (
            "services:\n  a:\n    image: busybox\n    container_name: one\n  b:\n    image: busybox\n    container_name: one\n",
            "container-name-duplicate",
        ),
        // `deploy.resources.limits` written without `pids` counts it as 0
        (
            "services:\n  a:\n    image: busybox\n    pids_limit: 10\n    deploy: {resources: {limits: {cpus: \"0.5\"}}}\n",
            "resource-conflict",
        ),
        (
            "services:\n  a:\n    image: busybox\n    mem_limit: 1g\n    deploy: {resources: {limits: {cpus: \"0.5\"}}}\n",
            "resource-conflict",
        ),
        // a YAML boolean only, no word
        (
            "services:\n  a:\n    image: busybox\n    use_api_socket: \"yes\"\n",
            "`use_api_socket` must be",
        ),
        // a key compose's schema does not know (`additional properties not allowed`)
        (
            "services:\n  a:\n    image: busybox\n    bogus: 1\n",
            "error[key-unknown]: unknown service key `bogus`",
        ),
        // compose file format v1: services at the top level, no `services`
        (
            "web:\n  image: busybox\nredis:\n  image: redis\n",
            "error[key-unknown]: unknown top-level key `web`",
        ),
    ];
    for (text, says) in cases {
        let dir = compose_dir(text);
        let run = Test::new()
            .args(["config"])
            .current_dir(dir.path())
            .failure(1);
        assert!(run.stderr.contains(says), "{text}\n{}", run.stderr);
    }
}

#[test]
fn label_files_are_read_and_labels_win() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    label_file: ./labels\n    labels: {b: written}\n",
    );
    std::fs::write(dir.path().join("labels"), "a=1\nb=2\n").unwrap();
    assert_eq!(
        config(dir.path())["services"]["a"]["labels"],
        json!({"a": "1", "b": "written"})
    );
}

#[test]
fn profile_flags_replace_compose_profiles() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    profiles: [p1]\n  b:\n    image: busybox\n    profiles: [p2]\n  c:\n    image: busybox\n",
    );
    let services = |run: common::Run| {
        let config: Value = serde_json::from_str(&run.stdout).unwrap();
        config["services"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    let run = Test::new()
        .args(["config", "--format", "json", "--profile", "p2"])
        .current_dir(dir.path())
        .env("COMPOSE_PROFILES", "p1")
        .success();
    assert_eq!(services(run), ["b", "c"]);
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .env("COMPOSE_PROFILES", "p1")
        .success();
    assert_eq!(services(run), ["a", "c"]);
}

#[test]
fn a_number_in_environment_reaches_the_container_as_compose_prints_it() {
    // compose v2 reads `1.50` as a number and passes `1.5`; `010` is octal
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    environment:\n      VERSION: 1.50\n      MODE: 010\n      QUOTED: \"1.50\"\n",
    );
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    assert_eq!(
        run.pod_spec()["containers"][0]["env"],
        json!([
            {"name": "VERSION", "value": "1.5"},
            {"name": "MODE", "value": "8"},
            {"name": "QUOTED", "value": "1.50"},
        ])
    );
    assert_eq!(
        config(dir.path())["services"]["a"]["environment"],
        json!({"VERSION": "1.5", "MODE": "8", "QUOTED": "1.50"})
    );
}

/// `config` runs only the plan's reference checks (`plan::check_references`):
/// what compose refuses fails, what only a cluster cannot hold does not.
#[test]
fn config_refuses_broken_references_but_not_what_only_a_cluster_cannot_hold() {
    let refused = [
        (
            "services:\n  a: {image: a, networks: [ghost]}\n",
            "error[network-undeclared]",
        ),
        (
            "services:\n  a: {image: a, depends_on: [b]}\n  b: {image: b, depends_on: [a]}\n",
            "error[depends-on-cycle]",
        ),
        (
            "services:\n  a: {image: a, network_mode: \"service:ghost\"}\n",
            "error[network-mode-target]",
        ),
        (
            "services:\n  a: {image: a, volumes: [\"data:/d\"]}\n",
            "error[volume-undeclared]",
        ),
        ("services:\n  a: {ports: ['80']}\n", "error[image-missing]"),
    ];
    for (text, says) in refused {
        let dir = compose_dir(text);
        let run = Test::new()
            .args(["config"])
            .current_dir(dir.path())
            .failure(1);
        assert!(run.stderr.contains(says), "{text}\n{}", run.stderr);
    }
    let printed = [
        "services:\n  a: {image: a, ports: ['80']}\n  b: {image: b, ports: ['8080:80']}\n",
        "services:\n  a: {image: a, network_mode: host}\n  b: {image: b}\n",
        "services:\n  a: {image: a, network_mode: \"container:outside\"}\n",
        "services:\n  a: {image: a, volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]}\n",
    ];
    for text in printed {
        let dir = compose_dir(text);
        let run = Test::new()
            .args(["config"])
            .current_dir(dir.path())
            .success();
        assert!(!run.stderr.contains("error["), "{text}\n{}", run.stderr);
    }
}

/// A `provider:` service (compose 2.36+) has no image: compose runs a
/// provider binary for it. Compose v2.40.3 `config` accepts it, prints each
/// option as a list of strings and gives it no `default` network; podlift
/// refused it with `image-missing`. `convert` cannot carry it and says so.
#[test]
fn a_provider_service_prints_as_compose_does_and_convert_says_it_is_not_carried() {
    let dir = compose_dir(
        "services:\n  db:\n    provider:\n      type: awesomecloud\n      options:\n        type: mysql\n        size: 3\n        tags: [a, b]\n  app:\n    image: nginx\n    depends_on: [db]\n",
    );
    let project = config(dir.path());
    assert_eq!(
        project["services"]["db"],
        json!({
            "command": null,
            "entrypoint": null,
            "provider": {
                "type": "awesomecloud",
                "options": {"type": ["mysql"], "size": ["3"], "tags": ["a", "b"]}
            }
        })
    );
    assert_eq!(
        project["services"]["app"]["networks"],
        json!({"default": null})
    );
    for command in ["convert", "check"] {
        let run = Test::new().args([command]).current_dir(dir.path()).run();
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("error[provider-service]: service `db` is a compose provider service"),
            "{command}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("image-missing"), "{}", run.stderr);
    }
}

#[test]
fn an_unset_name_prints_as_null_but_the_container_keeps_the_env_files_value() {
    // compose prints `A: null` over `env_file`'s `A=1`, and leaves `A` unset
    // when it resolves the environment, so the env file's value stays
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    env_file: [a.env]\n    environment: [A, UNSET_HERE, C=3]\n",
    );
    std::fs::write(dir.path().join("a.env"), "A=1\nB=2\n").unwrap();
    assert_eq!(
        config(dir.path())["services"]["a"]["environment"],
        json!({"A": null, "B": "2", "C": "3", "UNSET_HERE": null})
    );
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    assert_eq!(
        run.pod_spec()["containers"][0]["env"],
        json!([
            {"name": "A", "value": "1"},
            {"name": "B", "value": "2"},
            {"name": "C", "value": "3"},
        ])
    );
}

/// The environment a container gets from an `env_file` whose values use
/// `${VAR}`: compose v2.40.3 looks each name up in the process environment,
/// then in the service's own `environment`, then in the file's earlier
/// lines, then in the env files read before it (checked with
/// `docker-compose config --format json`). podlift looked in the process
/// environment and the file only: `E=$A` was `1` where compose gives `svc`,
/// `G=$A` empty where compose gives the earlier file's `1`.
#[test]
fn env_file_values_look_variables_up_as_compose_does() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    env_file: [a.env, b.env]\n  b:\n    image: busybox\n    env_file: [a.env, b.env]\n    environment:\n      - A=svc\n      - Z=${A:-zz}\n",
    );
    std::fs::write(dir.path().join("a.env"), "A=1\nE=$A\nK=$Z\n").unwrap();
    std::fs::write(dir.path().join("b.env"), "G=$A\nA=own\nH=$A\n").unwrap();
    let env = |config: &Value, service: &str| config["services"][service]["environment"].clone();
    let config = config(dir.path());
    assert_eq!(
        env(&config, "a"),
        json!({"A": "own", "E": "1", "G": "1", "H": "own", "K": ""})
    );
    assert_eq!(
        env(&config, "b"),
        json!({"A": "svc", "E": "svc", "G": "svc", "H": "svc", "K": "zz", "Z": "zz"})
    );
    // the process environment comes first
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .env("A", "os")
        .success();
    let config: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(env(&config, "b")["E"], "os");
    assert_eq!(env(&config, "a")["H"], "os");
    // and the container gets what compose gives it
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    let spec = run.pod_spec();
    let containers = spec["containers"].as_array().unwrap();
    let b = containers.iter().find(|c| c["name"] == "b").unwrap();
    let value = |name: &str| {
        b["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
    };
    assert_eq!(value("E"), Some(json!("svc")));
    assert_eq!(value("G"), Some(json!("svc")));
}

/// `env_file: [{path: F, format: raw}]`: compose v2.40.3 takes each line's
/// value as written (quotes, `#`, `${VAR}` and trailing blanks kept; blanks
/// before the key, blank lines and `#` lines skipped) and refuses any other
/// `format` (`unsupported env_file format "env"`). podlift ignored `format`:
/// it read the file by the `.env` rules (`C="q"` became `q`, `${A}` was
/// expanded) and accepted `format: env`.
#[test]
fn env_file_format_raw_takes_values_as_written() {
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    env_file:\n      - path: r.env\n        format: raw\n",
    );
    std::fs::write(
        dir.path().join("r.env"),
        "# comment\n\nA=1\n\tB= spaced  \nC=\"q\"\nD=a # not a comment\nI=${A}\nNOVAL\nJ=x=y\r\n",
    )
    .unwrap();
    let config = config(dir.path());
    assert_eq!(
        config["services"]["a"]["environment"],
        json!({"A": "1", "B": " spaced  ", "C": "\"q\"", "D": "a # not a comment", "I": "$${A}", "J": "x=y"})
    );
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: busybox\n    env_file:\n      - path: r.env\n        format: env\n",
    )
    .unwrap();
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr
            .contains("`env_file.format` must be `raw`, found `env`"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    // compose checks the format only of a file it reads: not of a missing
    // `required: false` one, nor of an inactive service's
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    image: busybox\n    env_file:\n      - path: missing.env\n        format: env\n        required: false\n  b:\n    image: busybox\n    profiles: [debug]\n    env_file:\n      - path: r.env\n        format: env\n",
    )
    .unwrap();
    Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .env_remove("COMPOSE_PROFILES")
        .success();
}

/// `volumes_from: [container:NAME]` names a container, not a service:
/// compose v2.40.3 accepts any (`docker-compose config` exits 0), and Docker
/// finds a project service by its `container_name`. podlift took NAME for a
/// service name: `config` and `convert` failed (`volumes-from-unknown`) on a
/// container outside the project, and on a service's `container_name`
/// (whose mounts it now copies); one outside the project is a warning.
#[test]
fn volumes_from_a_container_is_a_container() {
    let dir = compose_dir(
        "services:\n  db:\n    image: busybox\n    container_name: dbc\n    volumes: [data:/data]\n  a:\n    image: busybox\n    volumes_from: [\"container:dbc:ro\", \"container:outside\"]\nvolumes:\n  data:\n",
    );
    let config = config(dir.path());
    assert_eq!(
        config["services"]["a"]["volumes_from"],
        json!(["container:dbc:ro", "container:outside"])
    );
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    assert!(
        run.stderr.contains("warning[key-not-carried]: `volumes_from: container:outside` of service `a` is not carried over"),
        "{}",
        run.stderr
    );
    let spec = run.pod_spec();
    let a = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "a")
        .unwrap()
        .clone();
    assert_eq!(
        a["volumeMounts"],
        json!([{"mountPath": "/data", "name": "data", "readOnly": true}])
    );
}

/// `user: 0`, `hostname: 1`, `dns: [1]`: compose v2.40.3's schema takes
/// only strings for `user`, `hostname`, `working_dir`, `container_name` and
/// the `dns` keys, and refuses a YAML number or boolean (`services.a.user
/// must be a string`); `"0"` and `${UID}` are text. podlift accepted them,
/// so `config` printed a project compose refuses.
#[test]
fn text_only_keys_refuse_numbers_and_booleans_as_compose_does() {
    for (key, value) in [
        ("user", "0"),
        ("hostname", "1"),
        ("working_dir", "true"),
        ("container_name", "12"),
        ("dns", "[1]"),
        ("dns_search", "1"),
        ("dns_opt", "[1]"),
    ] {
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: busybox\n    {key}: {value}\n"
        ));
        let run = Test::new()
            .args(["config"])
            .current_dir(dir.path())
            .failure(1);
        assert!(
            run.stderr.contains("error[type]") && run.stderr.contains("must be a string"),
            "{key}: {value}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{key}");
    }
    let dir = compose_dir(
        "services:\n  a:\n    image: busybox\n    user: \"0\"\n    hostname: ${H:-1}\n    dns: [1.1.1.1]\n",
    );
    let config = config(dir.path());
    assert_eq!(config["services"]["a"]["user"], "0");
    assert_eq!(config["services"]["a"]["hostname"], "1");
}

/// `container_name` must match compose's (unanchored) schema pattern
/// `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: compose v2.40.3 refuses `a`, `""`, `-x`,
/// `a b` (`does not match pattern`) and accepts `x a1`. podlift accepted
/// every one.
#[test]
fn container_name_follows_composes_pattern() {
    for (name, accepted) in [
        ("\"\"", false),
        ("a", false),
        ("\"-x\"", false),
        ("\"a b\"", false),
        ("ab", true),
        ("\"x a1\"", true),
    ] {
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: busybox\n    container_name: {name}\n"
        ));
        let run = Test::new().args(["config"]).current_dir(dir.path()).run();
        assert_eq!(run.code == 0, accepted, "{name}: {}", run.stderr);
        if !accepted {
            assert!(
                run.stderr.contains("is no container name compose accepts"),
                "{name}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn a_volume_target_is_one_path_however_it_is_spelled() {
    // compose v2.40.3 cleans a short-syntax target before it keeps one entry
    // per path (`vol:/b/` and `vol2:/b` are one mount, the later wins) and
    // refuses two long-syntax mounts whose cleaned targets meet; podlift
    // 124e245 refused the first as `/b` mounted twice, and accepted
    // `/b/.` beside `/b` (two volumeMounts at one path)
    for spelling in ["/b/", "//b", "/b/./", "/b/c/.."] {
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: a\n    volumes: [\"v1:{spelling}\", \"v2:/b\"]\nvolumes: {{v1: {{}}, v2: {{}}}}\n"
        ));
        let project = config(dir.path());
        assert_eq!(
            project["services"]["a"]["volumes"],
            json!([{"type": "volume", "source": "v2", "target": "/b", "volume": {}}]),
            "{spelling}"
        );
        Test::new()
            .args(["convert"])
            .current_dir(dir.path())
            .success();
    }
    let dir = compose_dir(
        "services:\n  a:\n    image: a\n    volumes: [{type: volume, source: v1, target: /b/.}, \"v2:/b\"]\nvolumes: {v1: {}, v2: {}}\n",
    );
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr.contains("`/b` is mounted twice"),
        "{}",
        run.stderr
    );
}
