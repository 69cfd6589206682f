//! Red team, round 9, meaning angle: this round's changes (`pull_policy`,
//! `user: root`, `no-new-privileges`, top-level volume keys, the
//! `bind-writable` warning) held against Docker Compose 2.40.3 (`docker-compose
//! -f FILE config --format json`) and Docker's documented behaviour; the tests
//! quote what each said. None of them may make podlift weaker than compose.

use crate::common::{self, Run, Test};

fn check(compose: &str) -> Run {
    let dir = common::compose_dir(compose);
    Test::new()
        .args(["check", "-v"])
        .current_dir(dir.path())
        .run()
}

fn config(compose: &str) -> Run {
    let dir = common::compose_dir(compose);
    Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .run()
}

/// `x-podlift.allow: [bind-writable]` on the service whose scratch
/// directory becomes an `emptyDir` must not accept the same warning for
/// another service: one finding for the whole Pod sat at the first writable
/// bind, so `app`'s allowed log directory hid that `db`'s database directory
/// loses what it writes at the Pod's first replacement, and `--strict`
/// passed (r9: exit 0, "1 warning (1 allowed)").
#[test]
fn one_service_allowing_bind_writable_does_not_allow_another_services() {
    let dir = common::compose_dir(
        "services:
  app:
    image: nginx
    volumes: [./logs:/var/log/app]
    x-podlift:
      allow: [bind-writable]
  db:
    image: postgres:16
    volumes: [./pgdata:/var/lib/postgresql/data]
",
    );
    for sub in ["logs", "pgdata"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("f"), "x\n").unwrap();
    }
    let run = common::converting(dir.path(), &["--strict"]).run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("warning[bind-writable]") && run.stderr.contains("./pgdata"),
        "{}",
        run.stderr
    );
    // each service's own allow covers its own binds
    let both = common::converting(dir.path(), &["--strict", "--allow", "bind-writable"]).run();
    assert_eq!(both.code, 0, "{}", both.stderr);
}

/// A `--strict` user meeting the new warning is told both ways forward:
/// keep what is written (`--bind-as pvc`) or accept the loss
/// (`--allow bind-writable`); once every bind is a claim the note does not
/// tell them to choose claims.
#[test]
fn the_bind_writable_help_names_allow_and_bind_as() {
    let dir = common::compose_dir(
        "services:\n  db:\n    image: postgres:16\n    volumes: [./pgdata:/var/lib/postgresql/data]\n",
    );
    std::fs::create_dir(dir.path().join("pgdata")).unwrap();
    let run = common::converting(dir.path(), &["--strict"]).run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("`--bind-as pvc`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`--allow bind-writable`"),
        "{}",
        run.stderr
    );
    let claimed = common::converting(dir.path(), &["--bind-as", "pvc"]).run();
    assert!(
        claimed.stderr.contains("note[bind-writable]"),
        "{}",
        claimed.stderr
    );
    assert!(
        !claimed.stderr.contains("`--bind-as pvc`"),
        "{}",
        claimed.stderr
    );
}

/// An external volume is one that exists: compose refuses a driver, driver
/// options or labels beside `external: true` (2.40.3: `volumes.ext:
/// conflicting parameters "external" and "driver_opts" specified`, also
/// after a merge of files, also for an unused volume). podlift r9 printed
/// the project and told the user the "claim is a new volume of the
/// cluster's storage class", of an existing claim.
#[test]
fn an_external_volume_with_a_driver_driver_opts_or_labels_is_refused() {
    let run = check(
        "services:
  a:
    image: nginx
    volumes: [ext:/ext, e2:/e2]
volumes:
  ext:
    external: true
    driver_opts: {type: nfs, o: addr=10.0.0.1}
  e2:
    external: {name: shared}
    driver: local
    labels: {team: a}
  e3:
    external: true
    name: kept
  e4:
    external: false
    driver: local
    labels: {team: a}
",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for key in ["driver_opts", "driver", "labels"] {
        assert!(
            run.stderr
                .contains(&format!("conflicting parameters `external` and `{key}`")),
            "{key}\n{}",
            run.stderr
        );
    }
    assert_eq!(
        run.stderr
            .matches("error[volume-external-conflict]")
            .count(),
        3,
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("new volume"), "{}", run.stderr);
    // compose refuses it, so `config` does too
    let printed =
        config("services:\n  a: {image: nginx}\nvolumes:\n  e: {external: true, labels: [a=b]}\n");
    assert_eq!(printed.code, 1, "{}", printed.stderr);
}

/// Docker reads `no-new-privileges`' value with Go's `strconv.ParseBool`
/// and refuses to create the container for anything else (moby
/// `daemon/daemon_unix.go` parseSecurityOpt: `invalid --security-opt 2:
/// "no-new-privileges:yes"`); compose passes it through (`config` prints
/// it). podlift r9 dropped it with warning security-opt ("Kubernetes has no
/// equivalent") and wrote a container that may gain privileges, where the
/// file asked for the opposite and Docker would not have run it at all.
#[test]
fn a_no_new_privileges_value_docker_refuses_is_an_error_not_dropped() {
    for written in [
        "no-new-privileges:yes",
        "no-new-privileges=on",
        "no-new-privileges:",
        "no-new-privileges: true",
    ] {
        let run = check(&format!(
            "services:\n  a:\n    image: nginx\n    security_opt: [\"{written}\"]\n"
        ));
        assert_eq!(run.code, 1, "{written}\n{}", run.stderr);
        assert!(
            run.stderr.contains("error[security-opt-invalid]")
                && run.stderr.contains("Docker refuses"),
            "{written}\n{}",
            run.stderr
        );
        // compose takes the file: `config` prints it
        let printed = config(&format!(
            "services:\n  a:\n    image: nginx\n    security_opt: [\"{written}\"]\n"
        ));
        assert_eq!(printed.code, 0, "{written}\n{}", printed.stderr);
    }
    // every spelling ParseBool reads is still carried
    let run = check("services:\n  a:\n    image: nginx\n    security_opt: [no-new-privileges=T]\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A top-level volume's (or network's) `driver` is a string: compose
/// refuses `driver: null`, `driver: [x]` and `driver: 1` (2.40.3:
/// `volumes.data.driver must be a string`, `networks.back.driver must be a
/// string`). podlift r9, which now reads `driver` to report it, printed
/// these files with `config`.
#[test]
fn a_volume_or_network_driver_that_is_not_a_string_is_refused() {
    for (key, value) in [
        ("volumes", "null"),
        ("volumes", "[local]"),
        ("volumes", "1"),
        ("networks", "[bridge]"),
        ("networks", "true"),
    ] {
        let run = config(&format!(
            "services:\n  a:\n    image: nginx\n{key}:\n  data:\n    driver: {value}\n"
        ));
        assert_eq!(run.code, 1, "{key} {value}\n{}", run.stderr);
        assert!(
            run.stderr.contains("`driver` must be a string"),
            "{key} {value}\n{}",
            run.stderr
        );
    }
    let run =
        config("services:\n  a:\n    image: nginx\nvolumes:\n  data:\n    driver: ${D:-local}\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// `user: UID:GROUP` with a numeric (or `root`) user and a group name runs
/// as that user under Docker (the group resolved in the image's
/// `/etc/group`). podlift r9 warned user-name and dropped the whole `user`,
/// so the image's default user ran: root for `nginx`, where compose ran the
/// service as uid 1000 — a Pod with more privilege than compose gave it.
/// Now the user is kept and only the group is reported.
#[test]
fn a_numeric_user_with_a_group_name_keeps_the_user() {
    let dir = common::compose_dir(
        "services:
  a:
    image: nginx
    user: \"1000:staff\"
  b:
    image: nginx
    user: root:staff
",
    );
    let run = common::converting(dir.path(), &[]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let security = |name: &str| {
        spec["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["securityContext"]
            .clone()
    };
    assert_eq!(security("a")["runAsUser"], 1000, "{spec}");
    assert!(security("a").get("runAsGroup").is_none(), "{spec}");
    assert_eq!(security("b")["runAsUser"], 0, "{spec}");
    assert!(
        run.stderr.contains("warning[user-name]") && run.stderr.contains("`staff`"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("the image's default user runs"),
        "{}",
        run.stderr
    );
}

/// `user: ""` (often `user: ${APP_USER:-}`) is no user: Docker runs the
/// image's `USER`, and compose prints `"user": ""`. podlift r9 warned that
/// the empty string "is a name" (user-name), failing `--strict` on a file
/// that asks for nothing.
#[test]
fn an_empty_user_is_the_image_user_without_a_warning() {
    let dir = common::compose_dir("services:\n  a:\n    image: nginx\n    user: ${APP_USER:-}\n");
    let run = common::converting(dir.path(), &["--strict"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("user-name"), "{}", run.stderr);
    let spec = run.pod_spec();
    assert!(
        spec["containers"][0]["securityContext"]
            .get("runAsUser")
            .is_none(),
        "{spec}"
    );
}
