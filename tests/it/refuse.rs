//! What Docker Compose v2 refuses, podlift refuses too (issue 27, item 6);
//! what it accepts, podlift accepts. Each case says what the reference
//! (`docker-compose config`, compose 2.40.3) answered for the same file.

use std::fs;

use crate::common::{Test, compose_dir};

/// A file compose refuses: `convert` exits 1 with every text expected in
/// its report, and writes nothing.
fn refused(files: &[(&str, &str)], says: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .failure(1);
    for text in says {
        assert!(
            run.stderr.contains(text),
            "{files:?}: {text}\n{}",
            run.stderr
        );
    }
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

/// A file compose accepts: `convert` succeeds without the texts.
fn accepted(text: &str, never: &[&str]) -> crate::common::Run {
    let dir = compose_dir(text);
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    for t in never {
        assert!(!run.stderr.contains(t), "{text}: {t}\n{}", run.stderr);
    }
    run
}

#[test]
fn unknown_keys_are_refused_where_compose_refuses_them() {
    let cases: &[(&str, &str)] = &[
        // compose: services.app additional properties 'enviroment' not allowed
        (
            "services:\n  app:\n    image: nginx\n    enviroment:\n      A: \"1\"\n",
            "error[key-unknown]: unknown service key `enviroment`",
        ),
        // compose: additional properties 'servics' not allowed
        (
            "services:\n  app: {image: nginx}\nservics: {}\n",
            "unknown top-level key `servics`",
        ),
        // compose: volumes.v additional properties 'drivr' not allowed
        (
            "services:\n  app: {image: nginx}\nvolumes:\n  v: {drivr: local}\n",
            "unknown volume key `drivr`",
        ),
        // compose: secrets.s additional properties 'fil' not allowed
        (
            "services:\n  app: {image: nginx}\nsecrets:\n  s: {fil: ./x}\n",
            "unknown secret key `fil`",
        ),
        // compose: configs.s additional properties 'contnt' not allowed
        (
            "services:\n  app: {image: nginx}\nconfigs:\n  s: {contnt: x}\n",
            "unknown config key `contnt`",
        ),
        // compose: networks.n additional properties 'drivr' not allowed
        (
            "services:\n  app: {image: nginx}\nnetworks:\n  n: {drivr: bridge}\n",
            "unknown network key `drivr`",
        ),
        // compose: networks.n.ipam additional properties 'confg' not allowed
        (
            "services:\n  app: {image: nginx}\nnetworks:\n  n: {ipam: {confg: []}}\n",
            "unknown `ipam` key `confg`",
        ),
        // compose: services.app.deploy.resources.limits additional properties 'memry' not allowed
        (
            "services:\n  app: {image: nginx, deploy: {resources: {limits: {memry: 1g}}}}\n",
            "unknown `deploy.resources.limits` key `memry`",
        ),
        // compose: services.app.build additional properties 'contxt' not allowed
        (
            "services:\n  app: {image: nginx, build: {contxt: .}}\n",
            "unknown `build` key `contxt`",
        ),
        // compose: services.app.logging additional properties 'drivr' not allowed
        (
            "services:\n  app: {image: nginx, logging: {drivr: x}}\n",
            "unknown `logging` key `drivr`",
        ),
        // compose: services.app.volumes.0 additional properties 'bnd' not allowed
        (
            "services:\n  app: {image: nginx, volumes: [{type: bind, source: ., target: /x, bnd: {}}]}\n",
            "unknown volume mount key `bnd`",
        ),
        // compose: services.app.depends_on.db additional properties 'conditon' not allowed
        (
            "services:\n  app: {image: nginx, depends_on: {db: {conditon: service_started}}}\n  db: {image: nginx}\n",
            "unknown `depends_on` key `conditon`",
        ),
        // compose: services.app.healthcheck additional properties 'tst' not allowed
        (
            "services:\n  app: {image: nginx, healthcheck: {tst: [CMD, true]}}\n",
            "unknown healthcheck key `tst`",
        ),
        // compose: services.a.ports.0 additional properties 'bogus' not allowed
        (
            "services:\n  app: {image: nginx, ports: [{target: 80, bogus: 1}]}\n",
            "unknown port key `bogus`",
        ),
        // compose: services.a.ulimits.nofile additional properties 'bogus' not allowed
        (
            "services:\n  app: {image: nginx, ulimits: {nofile: {soft: 1, hard: 2, bogus: 3}}}\n",
            "unknown `ulimits` key `bogus`",
        ),
        // compose: services.a.blkio_config.weight_device.0 additional properties 'x-a' not allowed
        (
            "services:\n  app: {image: nginx, blkio_config: {weight_device: [{path: /dev/sda, weight: 10, x-a: 1}]}}\n",
            "unknown `blkio_config` device key `x-a`",
        ),
        // compose: additional properties 'X-b' not allowed (`x-` is lowercase)
        (
            "services:\n  app: {image: nginx}\nX-b: 1\n",
            "unknown top-level key `X-b`",
        ),
    ];
    for (text, says) in cases {
        refused(&[("compose.yaml", text)], &[says, "compose.yaml:"]);
    }
}

#[test]
fn an_unknown_key_is_refused_at_its_line_with_the_closest_key() {
    refused(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: nginx\n    enviroment:\n      A: \"1\"\n",
        )],
        &["compose.yaml:4:5]", "help: did you mean `environment`?"],
    );
}

#[test]
fn unknown_keys_in_other_files_are_refused_where_compose_refuses_them() {
    // compose: validating compose.override.yaml: services.a additional properties 'bogus' not allowed
    refused(
        &[
            ("compose.yaml", "services:\n  a:\n    image: x\n"),
            ("compose.override.yaml", "services:\n  a:\n    bogus: 1\n"),
        ],
        &["compose.override.yaml:3:5]", "unknown service key `bogus`"],
    );
    // compose: validating inc.yaml: services.base additional properties 'bogus' not allowed
    refused(
        &[
            (
                "compose.yaml",
                "include: [inc.yaml]\nservices:\n  a:\n    image: x\n",
            ),
            (
                "inc.yaml",
                "services:\n  base:\n    image: x\n    bogus: 1\n",
            ),
        ],
        &["inc.yaml:4:5]", "unknown service key `bogus`"],
    );
    // compose: a key inherited through `extends` is refused with the service
    refused(
        &[
            (
                "compose.yaml",
                "services:\n  a:\n    extends: {file: base.yaml, service: base}\n",
            ),
            (
                "base.yaml",
                "services:\n  base:\n    image: x\n    bogus: 1\n",
            ),
        ],
        &["base.yaml:4:5]", "unknown service key `bogus`"],
    );
    // compose: a service of an inactive profile is checked too
    refused(
        &[(
            "compose.yaml",
            "services:\n  a:\n    image: x\n  b:\n    image: x\n    profiles: [p]\n    bogus: 1\n",
        )],
        &["unknown service key `bogus`"],
    );
}

#[test]
fn keys_compose_accepts_are_accepted() {
    // compose accepts every one of these files
    let cases = [
        // `x-` keys at the top level, in a service, in a healthcheck, a hook
        // and a `depends_on` entry
        "services:\n  app:\n    image: nginx\n    x-note: 1\n    healthcheck: {test: [CMD, \"true\"], x-a: 1}\n    post_start: [{command: [echo], x-a: 1}]\n    depends_on: {db: {condition: service_started, x-a: 1}}\n  db: {image: nginx}\nx-top: {a: 1}\n",
        // a service nothing extends may hold an unknown key in the extended file
        // (checked below with two files); free-form mappings take any key
        "services:\n  app:\n    image: nginx\n    logging: {options: {any-thing: 1}}\n    storage_opt: {anything: 1}\n    environment: {ANY: 1}\nnetworks:\n  n: {driver_opts: {any: 1}}\n",
        // an unknown key of `x-podlift` is podlift's warning, not compose's refusal
        "services:\n  app:\n    image: nginx\n    x-podlift: {bogus: 1}\n",
        // `gpus` entries: compose's schema does not close their keys
        "services:\n  app:\n    image: nginx\n    gpus: [{driver: nvidia, count: 1, bogus: 1}]\n",
    ];
    for text in cases {
        accepted(text, &["error[key-unknown]"]);
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a:\n    extends: {file: base.yaml, service: base}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("base.yaml"),
        "services:\n  base:\n    image: x\n  other:\n    image: y\n    bogus: 1\n",
    )
    .unwrap();
    Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
}

#[test]
fn invalid_templates_in_env_files_are_refused_at_their_line() {
    // compose: failed to read .env: Invalid template: "${hdds.version}"
    // (podlift used to keep the text and write an image named
    // `apache/ozone-runner:${docker.ozone-runner.version}`)
    let cases = [
        (
            "V=${hdds.version}\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "A=1\nV=\"${hdds.version}\"\n",
            "note: at .env:2, in the `.env`",
        ),
        (
            "V=${\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "V=${A\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "V=${A:-${B.c}}\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "V=${1}\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "V=${A:x}\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "V=${A:=v}\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        (
            "V=${A.B:-d}\n",
            "the value of `V` holds an invalid interpolation (its text is not shown)",
        ),
        // compose: required variable UNSET is missing a value: need it
        (
            "V=${UNSET:?need it}\n",
            "required variable `UNSET` is not set: need it",
        ),
        (
            "V=${UNSET?need it}\n",
            "required variable `UNSET` is not set: need it",
        ),
    ];
    for (env, says) in cases {
        refused(
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: nginx:${V:-1}\n",
                ),
                (".env", env),
            ],
            &["env-file-syntax", "`.env`", says],
        );
    }
    // a service's `env_file`: compose says `failed to read app.env: Invalid template`
    refused(
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    image: nginx\n    env_file: app.env\n",
            ),
            ("app.env", "A=1\nV=${hdds.version}\n"),
        ],
        &[
            "env file `app.env`: the value of `V` holds an invalid interpolation (its text is not shown)",
            "note: at app.env:2, in the `env_file`",
        ],
    );
}

#[test]
fn env_file_values_compose_accepts_are_read_as_compose_reads_them() {
    // compose's values (its JSON, `$$` unescaped): V='${hdds.version}' → `${hdds.version}`,
    // V=a$b → `a`, V=a$ → `a$`, V=$$ → `$`, V=$1 → `$1`, V=${A:-x.y} → `x.y`,
    // V=${A:+v} → ``, V=a # ${x.y} → `a`
    let cases = [
        ("V='${hdds.version}'\n", "${hdds.version}"),
        ("V=a$b\n", "a"),
        ("V=a$\n", "a$"),
        ("V=$$\n", "$"),
        ("V=$1\n", "$1"),
        ("V=${A:-x.y}\n", "x.y"),
        ("V=${A:+v}\n", ""),
        ("V=a # ${x.y}\n", "a"),
    ];
    for (env, value) in cases {
        let dir = compose_dir("services:\n  app:\n    image: nginx\n    environment: [V]\n");
        fs::write(dir.path().join(".env"), env).unwrap();
        let run = Test::new()
            .args(["config", "--format", "json"])
            .current_dir(dir.path())
            .success();
        let config: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let shown = config["services"]["app"]["environment"]["V"]
            .as_str()
            .unwrap()
            .replace("$$", "$");
        assert_eq!(shown, value, "{env}");
    }
}

#[test]
fn an_empty_host_address_publishes_on_every_address_as_in_compose() {
    // compose prints each as `{target: 443, published: "443"}`, no host_ip
    for port in [":443:443", "${BIND:-}:443:443", "[]:443:443"] {
        let text = format!("services:\n  app:\n    image: nginx\n    ports: [\"{port}\"]\n");
        let run = accepted(&text, &["port-invalid"]);
        let ports = &run.pod_spec()["containers"][0]["ports"];
        assert_eq!(ports[0]["containerPort"], 443, "{port}: {ports}");
        assert!(ports[0].get("hostIP").is_none(), "{port}: {ports}");
    }
}

#[test]
fn empty_or_zero_parts_compose_refuses_are_refused() {
    // compose: `80:0` "is missing a target port"
    refused(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: nginx\n    ports: [\"80:0\"]\n",
        )],
        &["port-invalid", "`80:0`"],
    );
    // compose: "invalid spec: data:: empty section between colons"
    for volume in ["data:", "data::ro", "data:/d:"] {
        refused(
            &[(
                "compose.yaml",
                &format!(
                    "services:\n  app:\n    image: nginx\n    volumes: [\"{volume}\"]\nvolumes:\n  data: {{}}\n"
                ),
            )],
            &["volume-invalid", "has an empty part between colons"],
        );
    }
    // compose: "confusing device mapping, please use long syntax"
    refused(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: nginx\n    devices: [\"/dev/a:/dev/b:rw:x\"]\n",
        )],
        &["error[device-invalid]", "has more than three parts"],
    );
}

#[test]
fn short_devices_are_printed_as_compose_prints_them() {
    // compose: `/dev/a::rwm` → {source: /dev/a, target: /dev/a, permissions: rwm};
    // `:/dev/b` → {target: /dev/b, permissions: rwm}; `/dev/a:/dev/b:` → no permissions
    let dir = compose_dir(
        "services:\n  app:\n    image: nginx\n    devices: [\"/dev/a::rwm\", \":/dev/b\", \"/dev/a:/dev/b:\"]\n",
    );
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .success();
    let config: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        config["services"]["app"]["devices"],
        serde_json::json!([
            {"source": "/dev/a", "target": "/dev/a", "permissions": "rwm"},
            // compose keeps one entry per target: the last (`/dev/a:/dev/b:`)
            {"source": "/dev/a", "target": "/dev/b"},
        ])
    );
}

#[test]
fn a_capability_that_is_a_path_is_refused_and_pointed_to_devices() {
    refused(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: nginx\n    cap_add: [/dev/net/tun:/dev/net/tun]\n",
        )],
        &[
            "`cap_add` item `/dev/net/tun:/dev/net/tun` is a path, not a Linux capability",
            "a device goes under `devices:`",
        ],
    );
}

#[test]
fn a_namespace_must_be_an_rfc_1123_label() {
    let dir = compose_dir("services:\n  app:\n    image: nginx\n");
    let run = Test::new()
        .args(["convert", "-n", "Shop_1"])
        .current_dir(dir.path())
        .failure(2);
    assert!(
        run.stderr
            .contains("it has upper-case letters and the characters `_`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("RFC 1123 label"), "{}", run.stderr);
    let long = "a".repeat(64);
    let run = Test::new()
        .args(["convert", "-n", &long])
        .current_dir(dir.path())
        .failure(2);
    assert!(
        run.stderr.contains("it has 64 characters, more than 63"),
        "{}",
        run.stderr
    );
    Test::new()
        .args(["convert", "-n", "shop-1"])
        .current_dir(dir.path())
        .success();
}

#[test]
fn a_label_key_too_long_is_blamed_on_its_length_not_its_characters() {
    let name = "a".repeat(70);
    let run = accepted(
        &format!(
            "services:\n  app:\n    image: nginx\n    labels: {{\"com.example/{name}\": x}}\n"
        ),
        &["must be letters"],
    );
    assert!(
        run.stderr.contains(
            "the name after the last `/` has 70 characters, more than the 63 Kubernetes allows"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn extensions_and_empty_addresses_are_read_as_compose_reads_them() {
    // compose prints `x-` keys at the top level only, none of a service or
    // inside it (a healthcheck, `deploy.resources.limits`, a port);
    // it reads `ipv4_address: ""` as no address (podlift refused it)
    let text = "services:\n  app:\n    image: nginx\n    x-fine: 1\n    healthcheck: {test: [CMD, \"true\"], x-a: 1}\n    deploy: {resources: {limits: {memory: 1g, x-a: 1}}}\n    ports: [{target: 80, x-a: 1}]\n    networks: {front: {ipv4_address: \"\", x-a: 1}}\n    environment: {x-kept: 1}\nnetworks:\n  front: {x-n: 1}\nx-top: 1\n";
    accepted(text, &["address-invalid"]);
    let dir = compose_dir(text);
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .success();
    let config: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let app = &config["services"]["app"];
    assert!(app.get("x-fine").is_none(), "{app}");
    assert_eq!(config["x-top"], 1);
    assert_eq!(app["environment"]["x-kept"], "1");
    assert!(app["healthcheck"].get("x-a").is_none(), "{app}");
    assert!(
        app["deploy"]["resources"]["limits"].get("x-a").is_none(),
        "{app}"
    );
    assert!(app["ports"][0].get("x-a").is_none(), "{app}");
    assert_eq!(app["networks"]["front"], serde_json::json!({}), "{app}");
    assert!(config["networks"]["front"].get("x-n").is_none(), "{config}");
}

#[test]
fn a_template_in_an_unused_default_is_checked_as_compose_checks_it() {
    // compose expands a default or alternative whether it is used or not:
    // `${A:-${B.c}}` with `A` set is "invalid interpolation format", and
    // `${A:-${UNSET:?boom}}` "required variable UNSET is missing a value: boom"
    for (template, says) in [
        ("${A:-${B.c}}", "invalid interpolation `${B.c}`"),
        ("${A-${B.c}}", "invalid interpolation `${B.c}`"),
        ("${A:?${B.c}}", "invalid interpolation `${B.c}`"),
        ("${UNSET:+${B.c}}", "invalid interpolation `${B.c}`"),
        (
            "${A:-${UNSET:?boom}}",
            "required variable `UNSET` is not set: boom",
        ),
    ] {
        refused(
            &[
                (
                    "compose.yaml",
                    &format!("services:\n  app:\n    image: \"nginx:{template}\"\n"),
                ),
                (".env", "A=1\n"),
            ],
            &[says],
        );
    }
    // the same in `.env`: compose says `failed to read .env: Invalid template: "${B.c}"`
    refused(
        &[
            ("compose.yaml", "services:\n  app:\n    image: nginx\n"),
            (".env", "A=1\nV=${A:-${B.c}}\n"),
        ],
        &[
            "cannot read env file `.env`: the value of `V` holds an invalid interpolation (its text is not shown)",
            "note: at .env:2, in the `.env` (its text is not shown)",
        ],
    );
    // a default that is fine is still only used when needed
    let dir = compose_dir("services:\n  app:\n    image: \"nginx:${A:-x}${UNSET:-${A}}\"\n");
    fs::write(dir.path().join(".env"), "A=1\n").unwrap();
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .success();
    assert!(run.stdout.contains("\"nginx:11\""), "{}", run.stdout);
}

#[test]
fn names_longer_than_kubernetes_allows_are_named_with_their_length() {
    // compose accepts a 70-character service name and project name
    let long = "a".repeat(70);
    let run = accepted(
        &format!("name: p{long}\nservices:\n  {long}:\n    image: nginx\n"),
        &["letters, digits, `-` and `.`"],
    );
    assert!(
        run.stderr.contains(&format!(
            "warning[name-too-long]: service name `{long}` has 70 characters, more than the 63 a Kubernetes name holds; its container and objects are named `{}`",
            "a".repeat(63)
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the project name `pa") && run.stderr.contains("has 71 characters"),
        "{}",
        run.stderr
    );
    // the host name it gives is blamed on its length, not its characters
    assert!(
        run.stderr.contains(
            "each part of a host name (between dots) holds at most 63 characters, this one has 70"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_network_listed_twice_is_refused_as_compose_refuses_it() {
    // compose: services.app.networks items at 0 and 1 are equal
    refused(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: nginx\n    networks: [front, front]\nnetworks:\n  front: {}\n",
        )],
        &[
            "error[network-duplicate]: network `front` is listed twice",
            "compose.yaml:4:23]",
        ],
    );
}

/// Compose does not read extensions: an unknown `x-podlift` key is podlift's
/// own warning, and `podlift config` prints the project as compose does.
/// Failed after the merge of the load-time schema: `config` turned this
/// warning into an error by its code.
#[test]
fn an_unknown_x_podlift_key_is_a_warning_also_for_config() {
    let dir = compose_dir("services:\n  app:\n    image: nginx\n    x-podlift: {gruop: web}\n");
    for command in ["convert", "config"] {
        let run = Test::new()
            .args([command])
            .current_dir(dir.path())
            .success();
        assert!(
            run.stderr.contains("warning[extension-key-unknown]"),
            "{command}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("did you mean `group`"),
            "{}",
            run.stderr
        );
    }
}
