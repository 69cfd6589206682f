//! Round 9, real applications: defects found by converting compose files of
//! public projects podlift had not seen (each test names the project whose
//! file showed it; the snippets are minimal, written for the test).

use crate::common;

use common::{Test, compose_dir};

fn check(compose: &str) -> common::Run {
    let dir = compose_dir(compose);
    Test::new().args(["check"]).current_dir(dir.path()).run()
}

/// Kong/docker-kong `compose/docker-compose.yml` declares `kong_prefix_vol`
/// and `kong_tmp_vol` with `driver_opts: {type: tmpfs, device: tmpfs}`:
/// under compose each is a memory file system, empty at every start; podlift
/// made each a PersistentVolumeClaim and said nothing of `driver_opts`. The
/// same silence hid `driver_opts: {type: none, o: bind, device: /srv/data}`,
/// the common way to put a named volume on a host directory: the data there
/// never reaches the new, empty claim. Fails on c6d447e: no diagnostic.
#[test]
fn driver_opts_of_a_top_level_volume_are_reported_not_dropped() {
    let run = check(
        "services:
  app:
    image: app
    volumes: [tmp:/tmp, data:/data]
volumes:
  tmp:
    driver_opts:
      type: tmpfs
      device: tmpfs
  data:
    driver: local
    driver_opts: {type: none, o: bind, device: /srv/data}
",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning[key-not-carried]: volume key `driver_opts` is not carried over"),
        "{}",
        run.stderr
    );
    // the tmpfs volume is carried since (an `emptyDir` in memory:
    // r9_compose::a_tmpfs_volume_is_an_empty_dir_in_memory_shared_in_the_pod)
    assert!(!run.stderr.contains("compose.yaml:7:5"), "{}", run.stderr);
    assert!(run.stderr.contains("compose.yaml:12:5"), "{}", run.stderr);
    // `driver: local` is compose's default: nothing to say about it
    assert!(
        !run.stderr.contains("volume key `driver`"),
        "{}",
        run.stderr
    );
}

/// A volume driver other than `local` (a plugin: NFS, a cloud disk) and
/// volume labels are not carried either; each is said.
#[test]
fn a_volume_driver_plugin_and_volume_labels_are_reported() {
    let run = check(
        "services:
  app:
    image: app
    volumes: [data:/data]
volumes:
  data:
    driver: rexray/ebs
    labels: {backup: daily}
",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("volume key `driver` has no effect in Kubernetes"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("volume key `labels` has no effect in Kubernetes"),
        "{}",
        run.stderr
    );
}

fn kinds_holding(run: &common::Run, kind: &str, text: &str) -> usize {
    run.objects()
        .iter()
        .filter(|o| o["kind"] == kind && o.to_string().contains(text))
        .count()
}

/// tailscale-dev/ScaleTail binds `./ts/state:/var/lib/tailscale`; after the
/// first start that directory holds `tailscaled.state`, whose
/// `_machinekey` is `privkey:…` (the node's private key). A WireGuard
/// configuration (`wg0.conf`, linuxserver/wireguard and gluetun setups)
/// holds `PrivateKey = …`. Neither is PEM nor named like a key, so both went
/// into ConfigMaps. Fails on c6d447e: two ConfigMaps hold the keys.
#[test]
fn tailscale_state_and_wireguard_keys_go_into_secrets() {
    let dir = compose_dir(
        "services:
  tailscale:
    image: tailscale/tailscale
    volumes:
      - ./ts/state:/var/lib/tailscale
  vpn:
    image: linuxserver/wireguard
    volumes:
      - ./wg0.conf:/config/wg_confs/wg0.conf:ro
",
    );
    std::fs::create_dir_all(dir.path().join("ts/state")).unwrap();
    std::fs::write(
        dir.path().join("ts/state/tailscaled.state"),
        "{\"_current-profile\":\"cHJvZmlsZS0x\",\"_machinekey\":\"privkey:5f1c0ffee5f1c0ffee\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("wg0.conf"),
        "[Interface]\nAddress = 10.13.13.1\nListenPort = 51820\nPrivateKey = aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=\n",
    )
    .unwrap();
    let run = common::convert_in(dir.path(), &[]);
    for text in ["privkey:5f1c0ffee", "aGVsbG8gd29ybGQ"] {
        assert_eq!(kinds_holding(&run, "ConfigMap", text), 0, "{}", run.stdout);
    }
    // the Secrets hold them, base64-encoded
    assert_eq!(
        run.objects()
            .iter()
            .filter(|o| o["kind"] == "Secret")
            .count(),
        2,
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.matches("note[bind-secret]").count() >= 1,
        "{}",
        run.stderr
    );
    // each named in a note
    assert!(run.stderr.contains("`tailscaled.state`"), "{}", run.stderr);
    assert!(run.stderr.contains("`./wg0.conf`"), "{}", run.stderr);
}

/// docker-mailserver/docker-mailserver's `compose.yaml` binds
/// `./docker-data/dms/config/`; `setup email add` writes
/// `postfix-accounts.cf` there, one `user|{SHA512-CRYPT}$6$…` password hash
/// a line (as private as `shadow` or `.htpasswd`, which podlift keeps out of
/// ConfigMaps). Fails on c6d447e: the hashes went into a ConfigMap.
#[test]
fn password_hashes_go_into_secrets() {
    let dir = compose_dir(
        "services:
  mailserver:
    image: ghcr.io/docker-mailserver/docker-mailserver
    volumes:
      - ./docker-data/dms/config/:/tmp/docker-mailserver/
      - ./users.txt:/etc/app/users.txt:ro
",
    );
    let config = dir.path().join("docker-data/dms/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("postfix-accounts.cf"),
        "john@example.com|{SHA512-CRYPT}$6$Tx0dAzZ6rJSf2eb4$hNo1e8qDpdm5ZfWZLcA9Xoqv0YQd7l3Vc7Tq\n",
    )
    .unwrap();
    // a bcrypt hash in a file of another name
    std::fs::write(
        dir.path().join("users.txt"),
        "admin:$2y$10$3OkNKWbl/6Wp1WqHR2cHZOUfYQ5EsxeTkOV3zZh.nB5aW6gkCgSDe\n",
    )
    .unwrap();
    let run = common::convert_in(dir.path(), &[]);
    for text in ["Tx0dAzZ6rJSf2eb4", "3OkNKWbl"] {
        assert_eq!(kinds_holding(&run, "ConfigMap", text), 0, "{}", run.stdout);
    }
    assert_eq!(
        run.stderr.matches("note[bind-secret]").count(),
        2,
        "{}",
        run.stderr
    );
}

/// wg-easy/wg-easy's `docker-compose.yml` binds the project directory itself
/// (`.:/etc/wireguard`), where wg-easy keeps `wg0.json`, whose
/// `"privateKey"` is the server's WireGuard key. Fails on c6d447e: the key
/// went into a ConfigMap.
#[test]
fn a_json_private_key_goes_into_a_secret() {
    let dir = compose_dir(
        "services:
  wg-easy:
    image: weejewel/wg-easy
    volumes:
      - .:/etc/wireguard
",
    );
    std::fs::write(
        dir.path().join("wg0.json"),
        "{\n  \"server\": {\n    \"privateKey\": \"aGVsbG8gd29ybGQgaGVsbG8=\",\n    \"address\": \"10.8.0.1\"\n  }\n}\n",
    )
    .unwrap();
    let run = common::convert_in(dir.path(), &[]);
    assert_eq!(
        kinds_holding(&run, "ConfigMap", "aGVsbG8gd29ybGQ"),
        0,
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("note[bind-secret]"), "{}", run.stderr);
}

/// apache/superset's `docker-compose-non-dev.yml` runs four services with
/// `user: "root"`; the image's own user is `superset`. `root` is uid 0 (and
/// group 0) in every image Docker resolves it in, but podlift took it for a
/// name it cannot resolve and let the image's user run: the init script's
/// `chown` then fails. Fails on c6d447e: warning user-name, no runAsUser.
#[test]
fn user_root_is_uid_zero() {
    let run = common::convert(
        "services:
  app:
    image: apache/superset
    user: root
  worker:
    image: apache/superset
    user: root:root
  beat:
    image: apache/superset
    user: 1000:root
",
        &["--strategy", "pod"],
    );
    assert!(!run.stderr.contains("user-name"), "{}", run.stderr);
    let containers = run.pod_spec()["containers"].as_array().unwrap().clone();
    let context = |name: &str| {
        containers.iter().find(|c| c["name"] == name).unwrap()["securityContext"].clone()
    };
    assert_eq!(context("app")["runAsUser"], 0, "{}", run.stdout);
    assert!(context("app")["runAsGroup"].is_null(), "{}", run.stdout);
    assert_eq!(context("worker")["runAsUser"], 0, "{}", run.stdout);
    assert_eq!(context("worker")["runAsGroup"], 0, "{}", run.stdout);
    assert_eq!(context("beat")["runAsUser"], 1000, "{}", run.stdout);
    assert_eq!(context("beat")["runAsGroup"], 0, "{}", run.stdout);
}

/// docker-mailserver binds `./docker-data/dms/config/:/tmp/docker-mailserver/`
/// (trailing slashes on both sides); the note listing copied files named
/// `./docker-data/dms/config//postfix-accounts.cf` and
/// `mailserver:/tmp/docker-mailserver//postfix-accounts.cf`. Fails on
/// c6d447e: a doubled slash.
#[test]
fn copied_files_of_a_directory_written_with_a_slash_are_named_once() {
    let dir = compose_dir(
        "services:
  app:
    image: app
    volumes:
      - ./conf/:/etc/app/:ro
",
    );
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/a.conf"), "a=1\n").unwrap();
    let run = common::convert_in(dir.path(), &[]);
    assert!(
        run.stderr
            .contains("`./conf/a.conf` (4 bytes) → `app:/etc/app/a.conf`"),
        "{}",
        run.stderr
    );
}

/// Kong/docker-kong sets `security_opt: [no-new-privileges]`. Docker reads a
/// value after `:` or `=` with Go's `strconv.ParseBool`, so `:1`, `=TRUE`,
/// `:t` and `=True` also forbid privilege escalation (and `:0`, `=F` allow
/// it); podlift carried only `true`/`false` and dropped the others with
/// warning security-opt ("Kubernetes has no equivalent"). Fails on c6d447e:
/// no `allowPrivilegeEscalation: false` for `:1`, `=TRUE`, `:t`, `=True`.
#[test]
fn no_new_privileges_in_every_spelling_docker_accepts_is_carried() {
    for (spelling, escalation) in [
        ("no-new-privileges:1", false),
        ("no-new-privileges=TRUE", false),
        ("no-new-privileges:t", false),
        ("no-new-privileges=True", false),
        ("no-new-privileges=T", false),
        ("no-new-privileges:0", true),
        ("no-new-privileges=F", true),
        ("no-new-privileges=FALSE", true),
    ] {
        let run = common::convert(
            &format!("services:\n  a:\n    image: a\n    security_opt: ['{spelling}']\n"),
            &[],
        );
        assert!(
            !run.stderr.contains("security-opt"),
            "{spelling}: {}",
            run.stderr
        );
        let context = &run.pod_spec()["containers"][0]["securityContext"];
        if escalation {
            assert!(
                context["allowPrivilegeEscalation"] != false,
                "{spelling}: {context}"
            );
        } else {
            assert_eq!(
                context["allowPrivilegeEscalation"], false,
                "{spelling}: {context}"
            );
        }
    }
}
