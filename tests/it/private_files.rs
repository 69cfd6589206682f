//! Bind mounts and the environment never leak a private file or value into a
//! ConfigMap (issue 14, item 4): only regular files inside the project are
//! copied, private-looking ones into a Secret; outside the project a bind
//! becomes a hostPath (a private one an error); one note lists every copied
//! file, another every variable taken from podlift's own environment.

use crate::common;

use std::path::Path;

use serde_json::Value;

use common::{Run, Test};

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

fn kinds(run: &Run, kind: &str) -> Vec<Value> {
    run.objects()
        .into_iter()
        .filter(|o| o["kind"] == kind)
        .collect()
}

fn volumes(run: &Run) -> Vec<Value> {
    run.pod_spec()["volumes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn convert(dir: &Path, home: &Path) -> Run {
    common::converting(dir, &["-p", "p"])
        .env("HOME", home.to_str().unwrap())
        .run()
}

/// Fails on the old main: the private key went into a ConfigMap.
#[test]
fn a_private_key_outside_the_project_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".ssh")).unwrap();
    std::fs::write(home.path().join(".ssh/id_ed25519"), KEY).unwrap();
    for mount in [
        "~/.ssh/id_ed25519:/root/.ssh/id_ed25519:ro",
        "~/.ssh:/root/.ssh:ro",
    ] {
        let dir = common::compose_dir(&format!(
            "services:\n  app:\n    image: app\n    volumes:\n      - {mount}\n"
        ));
        let run = convert(dir.path(), home.path());
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(run.stderr.contains("error[bind-private]"), "{}", run.stderr);
        assert!(run.stderr.contains("compose.yaml:5:"), "{}", run.stderr);
        assert!(
            run.stderr.contains("kubectl create secret"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("b3BlbnNz"), "never the content");
    }
}

/// A key named like one but missing on the converting machine is still
/// refused: the node's file of that name is no less private. (Became a
/// hostPath with a warning before.)
#[test]
fn a_missing_key_outside_the_project_is_still_an_error() {
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app\n    volumes:\n      - ~/.ssh/id_rsa:/root/.ssh/id_rsa:ro\n",
    );
    let run = convert(dir.path(), home.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("error[bind-private]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("named like an SSH private key"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hostPath"), "{}", run.stderr);
}

/// Fails on the old main: `/etc/passwd` went into a ConfigMap. A relative
/// path out of the project is the converting machine's: it becomes a node
/// path only under `--bind-root`, mapped from there (issue 27 item 3).
#[test]
fn a_file_outside_the_project_becomes_a_host_path() {
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(tmp.path().join("shared.conf"), "outside=1\n").unwrap();
    std::fs::write(
        project.join("compose.yaml"),
        "services:\n  app:\n    image: app\n    volumes:\n      - /etc/passwd:/etc/passwd:ro\n      - ./sub/../../shared.conf:/etc/shared.conf\n",
    )
    .unwrap();
    let run = Test::new()
        .current_dir(&project)
        .env("HOME", home.path().to_str().unwrap())
        .args(["convert", "-p", "p", "--bind-root", "/srv/nodes/project"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(kinds(&run, "ConfigMap").is_empty(), "{}", run.stdout);
    assert!(!run.stdout.contains("root:"), "{}", run.stdout);
    let paths: Vec<String> = volumes(&run)
        .iter()
        .filter_map(|v| v["hostPath"]["path"].as_str().map(String::from))
        .collect();
    assert!(paths.contains(&"/etc/passwd".to_string()), "{paths:?}");
    // `./sub/../..` is gone from the node path, mapped under the root.
    assert!(
        paths.contains(&"/srv/nodes/shared.conf".to_string()),
        "{paths:?}"
    );
    let here = tmp.path().to_string_lossy().into_owned();
    assert!(!paths.iter().any(|p| p.starts_with(&here)), "{paths:?}");
    assert_eq!(run.stderr.matches("warning[bind-host-path]").count(), 2);
    assert!(run.stderr.contains("outside the project directory"));
    // Without `--bind-root`: an error, never this machine's path.
    let run = convert(&project, home.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error[bind-not-carried]: bind mount `./sub/../../shared.conf`"),
        "{}",
        run.stderr
    );
}

/// Fails on the old main: keys, `.env` files and PEM keys inside the project
/// went into ConfigMaps.
#[test]
fn private_files_inside_the_project_go_into_secrets() {
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "services:\n  web:\n    image: web\n    volumes:\n      - ./certs/server.key:/etc/ssl/server.key:ro\n      - ./app.env:/app/.env\n      - ./tls.pem:/etc/tls.pem\n      - ./keys:/keys\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n",
    );
    let root = dir.path();
    std::fs::create_dir(root.join("certs")).unwrap();
    std::fs::write(root.join("certs/server.key"), "not even PEM").unwrap();
    std::fs::write(root.join("app.env"), "PASSWORD=hunter2\n").unwrap();
    std::fs::write(root.join("tls.pem"), KEY).unwrap();
    std::fs::create_dir(root.join("keys")).unwrap();
    std::fs::write(root.join("keys/README"), "keys\n").unwrap();
    std::fs::write(root.join("keys/id_rsa"), "x").unwrap();
    std::fs::write(root.join("nginx.conf"), "events {}\n").unwrap();
    let run = convert(root, home.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config_maps = kinds(&run, "ConfigMap");
    assert_eq!(config_maps.len(), 1, "{config_maps:?}");
    assert_eq!(config_maps[0]["data"]["nginx.conf"], "events {}\n");
    let text = serde_json::to_string(&config_maps).unwrap();
    for private in ["hunter2", "PRIVATE", "not even PEM"] {
        assert!(!text.contains(private), "{private} in a ConfigMap");
    }
    let secrets = kinds(&run, "Secret");
    assert_eq!(secrets.len(), 4, "{secrets:?}");
    let keys: Vec<String> = secrets
        .iter()
        .flat_map(|s| s["data"].as_object().unwrap().keys().cloned())
        .collect();
    for key in ["server.key", "app.env", "tls.pem", "id_rsa", "README"] {
        assert!(keys.contains(&key.to_string()), "{key} in {keys:?}");
    }
    assert_eq!(run.stderr.matches("note[bind-secret]").count(), 4);
    // One note lists every copied file with its size and target.
    assert_eq!(run.stderr.matches("note[bind-copied]").count(), 1);
    assert!(
        run.stderr
            .contains("`./nginx.conf` (10 bytes) → `web:/etc/nginx/nginx.conf`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`./keys/id_rsa` (1 bytes) → `web:/keys/id_rsa`"),
        "{}",
        run.stderr
    );
}

/// A link inside the project that points outside it is not followed into
/// a ConfigMap.
#[test]
fn a_link_out_of_the_project_is_not_copied() {
    let home = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "top secret\n").unwrap();
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app\n    volumes:\n      - ./link.txt:/etc/link.txt\n      - ./conf:/conf\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/a.conf"), "a\n").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("conf/b.conf"),
    )
    .unwrap();
    let run = convert(dir.path(), home.path());
    // Relative binds that cannot be carried: no hostPath at this machine's
    // path (issue 27 item 3), an error each.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("top secret"), "{}", run.stdout);
    assert!(!run.stdout.contains("hostPath"), "{}", run.stdout);
    assert_eq!(run.stderr.matches("error[bind-not-carried]").count(), 2);
}

/// Fails on the old main: nothing said that the shell's value was copied.
#[test]
fn variables_taken_from_the_shell_are_named_never_valued() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app\n    environment:\n      - API_TOKEN\n      - FIXED=1\n      - UNSET_HERE\n  db:\n    image: db\n    environment:\n      DB_PASSWORD:\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .env("API_TOKEN", "s3cr3t-token")
        .env("DB_PASSWORD", "pa55word")
        .env_remove("UNSET_HERE")
        .args(["convert"])
        .success();
    assert_eq!(
        run.stderr.matches("note[environment-from-shell]").count(),
        1
    );
    assert!(
        run.stderr
            .contains("`API_TOKEN` of `app`, `DB_PASSWORD` of `db`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("UNSET_HERE"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cr3t-token") && !run.stderr.contains("pa55word"));
}

/// Fails on the old main: a config whose file is a private key became a
/// ConfigMap.
#[test]
fn a_private_config_file_goes_into_a_secret() {
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "services:\n  web:\n    image: web\n    configs: [tls, site]\nconfigs:\n  tls:\n    file: ./tls/server.key\n  site:\n    file: ./site.conf\n",
    );
    std::fs::create_dir(dir.path().join("tls")).unwrap();
    std::fs::write(dir.path().join("tls/server.key"), KEY).unwrap();
    std::fs::write(dir.path().join("site.conf"), "listen 80;\n").unwrap();
    let run = convert(dir.path(), home.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config_maps = kinds(&run, "ConfigMap");
    assert_eq!(config_maps.len(), 1);
    assert!(
        !serde_json::to_string(&config_maps)
            .unwrap()
            .contains("PRIVATE")
    );
    let secrets = kinds(&run, "Secret");
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["metadata"]["name"], "p-config-tls");
    assert!(
        run.stderr.contains("config `tls` looks private"),
        "{}",
        run.stderr
    );
    let mounted = run.pod_spec()["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["secret"]["secretName"] == "p-config-tls");
    assert!(mounted);
}

/// A directory named like a credential store inside the project (`.docker`
/// with registry logins, `.kube` with a kubeconfig) goes into a Secret, even
/// when its files have harmless names. (Went into a ConfigMap before.)
#[test]
fn a_credential_directory_inside_the_project_goes_into_a_secret() {
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app\n    volumes:\n      - ./.docker:/root/.docker:ro\n",
    );
    std::fs::create_dir(dir.path().join(".docker")).unwrap();
    std::fs::write(
        dir.path().join(".docker/config.json"),
        "{\"auths\":{\"r.example\":{\"auth\":\"dXNlcjpwYXNz\"}}}\n",
    )
    .unwrap();
    let run = convert(dir.path(), home.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(kinds(&run, "ConfigMap").is_empty(), "{}", run.stdout);
    assert_eq!(kinds(&run, "Secret").len(), 1, "{}", run.stdout);
    assert!(run.stderr.contains("note[bind-secret]"), "{}", run.stderr);
}

/// Files with the same data share one ConfigMap (or Secret), found by their
/// data's hash; files that differ get their own, whatever their names.
#[test]
fn files_with_the_same_data_share_one_object() {
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    volumes:\n      - ./one/app.conf:/etc/app.conf:ro\n      - ./one/id_rsa:/root/.ssh/id_rsa:ro\n  b:\n    image: b\n    volumes:\n      - ./two/app.conf:/etc/app.conf:ro\n      - ./two/id_rsa:/root/.ssh/id_rsa:ro\n  c:\n    image: c\n    volumes:\n      - ./three/app.conf:/etc/app.conf:ro\n",
    );
    for (sub, conf) in [("one", "x = 1\n"), ("two", "x = 1\n"), ("three", "x = 3\n")] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("app.conf"), conf).unwrap();
        if sub != "three" {
            std::fs::write(dir.path().join(sub).join("id_rsa"), KEY).unwrap();
        }
    }
    let run = convert(dir.path(), home.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let configs: Vec<String> = kinds(&run, "ConfigMap")
        .iter()
        .map(|c| {
            c["data"]["app.conf"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(configs, ["x = 1\n", "x = 3\n"], "{}", run.stdout);
    assert_eq!(kinds(&run, "Secret").len(), 1, "{}", run.stdout);
}

/// An empty bind-mounted directory never shares the ConfigMap of a binary
/// config (both have no text data): the container would find the binary
/// file in a directory that was empty.
#[test]
fn an_empty_directory_does_not_share_a_binary_configs_object() {
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    configs: [blob]\n  b:\n    image: b\n    volumes:\n      - ./empty:/data:ro\nconfigs:\n  blob:\n    file: ./blob.bin\n",
    );
    std::fs::write(dir.path().join("blob.bin"), [0xff_u8, 0xfe, 0x00, 0x80]).unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let run = convert(dir.path(), home.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let volumes = volumes(&run);
    let config_maps: Vec<&str> = volumes
        .iter()
        .filter_map(|v| v["configMap"]["name"].as_str())
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = config_maps.iter().collect();
    assert_eq!(distinct.len(), config_maps.len(), "{volumes:?}");
}

/// A file only its owner may read (0600, 0400, 0700) is private whatever
/// it is called and holds: bind-mounted (alone, in a directory, shared by
/// two services) or a config's `file:`, it goes into a Secret, never a
/// ConfigMap. (On main each went into a ConfigMap.)
#[test]
fn a_file_only_its_owner_may_read_goes_into_a_secret() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().unwrap();
    let dir = common::compose_dir(
        "x-conf: &conf\n  volumes:\n    - ./app.conf:/etc/app.conf:ro\n    - ./conf:/conf:ro\nservices:\n  a:\n    image: a\n    <<: *conf\n    configs: [c]\n  b:\n    image: b\n    <<: *conf\nconfigs:\n  c:\n    file: ./c.txt\n",
    );
    let root = dir.path();
    std::fs::create_dir(root.join("conf")).unwrap();
    for (file, mode) in [
        ("app.conf", 0o600),
        ("conf/db.ini", 0o400),
        ("c.txt", 0o700),
    ] {
        std::fs::write(root.join(file), format!("withheld {file}\n")).unwrap();
        std::fs::set_permissions(root.join(file), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::write(root.join("conf/public.ini"), "public\n").unwrap();
    let run = convert(root, home.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = serde_json::to_string(&kinds(&run, "ConfigMap")).unwrap();
    assert!(!text.contains("withheld"), "{text}");
    let secrets = serde_json::to_string(&kinds(&run, "Secret")).unwrap();
    for key in ["\"app.conf\"", "\"db.ini\"", "\"c\""] {
        assert!(secrets.contains(key), "{key}: {secrets}");
    }
    assert!(
        run.stderr.contains("only its owner may read it"),
        "{}",
        run.stderr
    );
}
