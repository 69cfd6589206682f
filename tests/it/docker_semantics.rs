//! What Docker enforces is kept, or reported (issue 25, class 5):
//! capability names as Docker normalises them, CPU periods as Docker reads
//! them, user ids Kubernetes takes, tmpfs and file modes, the init image.

use serde_json::{Value, json};

use crate::common::{self, Run, Test};

fn convert(compose: &str) -> common::Run {
    common::convert(compose, &[])
}

fn refused(compose: &str) -> Run {
    let dir = common::compose_dir(compose);
    Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1)
}

fn container<'a>(spec: &'a Value, name: &str) -> &'a Value {
    spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// Fails on the old main: `CAP_NET_RAW` and `cap_chown` were copied
/// verbatim, so the runtime dropped and added nothing.
#[test]
fn capabilities_are_normalised_as_docker_does() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    cap_drop: [CAP_NET_RAW, all, net_raw]\n    cap_add: [cap_chown, Net_Bind_Service]\n",
    );
    let spec = run.pod_spec();
    assert_eq!(
        container(&spec, "a")["securityContext"]["capabilities"],
        json!({"add": ["CHOWN", "NET_BIND_SERVICE"], "drop": ["NET_RAW", "ALL"]})
    );
}

/// Fails on the old main: a path in `cap_add` went into the manifest.
#[test]
fn a_capability_that_is_no_capability_is_an_error_at_its_span() {
    let run = refused(
        "services:\n  a:\n    image: a\n    cap_add: [NET_ADMIN, /etc/passwd]\n    cap_drop: [CAP_ALL]\n",
    );
    assert!(
        run.stderr.contains(
            "error[capability-unknown]: `cap_add` item `/etc/passwd` is a path, not a Linux capability"
        ) && run.stderr.contains("compose.yaml:4:26"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error[capability-unknown]: `cap_drop` item `CAP_ALL`"),
        "{}",
        run.stderr
    );
}

/// Compose itself accepts an unknown capability (only `docker run`
/// refuses it): `config` prints the project as `docker compose config` does.
#[test]
fn config_prints_a_project_with_an_unknown_capability() {
    let dir = common::compose_dir("services:\n  a:\n    image: a\n    cap_add: [FOO]\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["config"])
        .success();
    assert!(run.stdout.contains("FOO"), "{}", run.stdout);
}

/// Fails on the old main: `cpu_period: 0` dropped the `cpu_quota` limit.
#[test]
fn cpu_period_zero_is_dockers_default_period() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    cpu_quota: 50000\n    cpu_period: 0\n",
    );
    assert_eq!(
        container(&run.pod_spec(), "a")["resources"],
        json!({"limits": {"cpu": "500m"}})
    );
    let run = refused("services:\n  a:\n    image: a\n    cpu_quota: 50000\n    cpu_period: -5\n");
    assert!(
        run.stderr
            .contains("error[cpus-invalid]: `cpu_period: -5` is out of range")
            && run.stderr.contains("compose.yaml:5:17"),
        "{}",
        run.stderr
    );
}

/// Fails on the old main: a quota Docker refuses became a 1m CPU limit.
#[test]
fn a_cpu_quota_below_one_millisecond_is_an_error() {
    let run = refused("services:\n  a:\n    image: a\n    cpu_quota: 500\n");
    assert!(
        run.stderr
            .contains("error[cpus-invalid]: `cpu_quota: 500` is below Docker's least quota")
            && run.stderr.contains("compose.yaml:4:16"),
        "{}",
        run.stderr
    );
}

/// Fails on the old main: `runAsUser: -1` was written and the API server
/// refuses the Pod.
#[test]
fn user_ids_out_of_kubernetes_range_are_errors_at_their_span() {
    for (user, column) in [
        ("\"-1\"", 11),
        ("\"1000:-1\"", 11),
        ("\"2147483648\"", 11),
        ("4294967295:0", 11),
    ] {
        let run = refused(&format!(
            "services:\n  a:\n    image: a\n    user: {user}\n"
        ));
        assert!(
            run.stderr.contains("error[user-invalid]")
                && run.stderr.contains(&format!("compose.yaml:4:{column}")),
            "{user}: {}",
            run.stderr
        );
    }
    let run = refused("services:\n  a:\n    image: a\n    group_add: [\"-1\", \"10\"]\n");
    assert!(
        run.stderr.contains("error[user-invalid]: `group_add: -1`")
            && run.stderr.contains("compose.yaml:4:17"),
        "{}",
        run.stderr
    );
    let run =
        convert("services:\n  a:\n    image: a\n    restart: always\n    user: \"2147483647:0\"\n");
    let spec = run.pod_spec();
    let context = &container(&spec, "a")["securityContext"];
    assert_eq!(context["runAsUser"], 2_147_483_647);
    assert_eq!(context["runAsGroup"], 0);
}

const ADDRESSED: &str = "services:\n  app:\n    image: app:1\n    restart: always\n    networks:\n      net:\n        ipv4_address: 172.28.0.10\nnetworks:\n  net:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n";

/// Fails on the old main: the compose file's init image got `NET_ADMIN`
/// without a word, and an invalid reference was written.
#[test]
fn an_init_image_from_the_compose_file_is_validated_and_warned_about() {
    let compose = format!("x-podlift:\n  init-image: example.com/tools/init:1\n{ADDRESSED}");
    let dir = common::compose_dir(&compose);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(
        run.stderr.contains("warning[init-image-from-compose]: the compose file chose the init image `example.com/tools/init:1`")
            && run.stderr.contains("compose.yaml:2:15")
            && run.stderr.contains("`--init-image IMAGE`"),
        "{}",
        run.stderr
    );
    // Chosen on the command line: the user's image, no warning.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--init-image", "mine:1"])
        .success();
    assert!(
        !run.stderr.contains("init-image-from-compose"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("image: mine:1"));
    for bad in ["\"Bad Image\"", "\"nginx:\"", "\"\""] {
        let run = refused(&format!("x-podlift:\n  init-image: {bad}\n{ADDRESSED}"));
        assert!(
            run.stderr
                .contains("error[image-invalid]: `x-podlift.init-image`")
                && run.stderr.contains("compose.yaml:2:15"),
            "{bad}: {}",
            run.stderr
        );
    }
}

/// Fails on the old main: these labels became Pod annotations without a word.
#[test]
fn labels_that_drive_cluster_controllers_get_a_note() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    labels:\n      com.example.team: web\n      app.kubernetes.io/part-of: shop\n      sidecar.istio.io/inject: \"false\"\n      vault.hashicorp.com/agent-inject: \"true\"\n  b:\n    image: b\n    restart: always\n    labels: [\"config.linkerd.io/skip-outbound-ports=443\", \"k8s.v1.cni.cncf.io/networks=macvlan\"]\n",
    );
    let annotations = &run
        .objects()
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap()["spec"]["template"]["metadata"]["annotations"]
        .clone();
    assert_eq!(annotations["sidecar.istio.io/inject"], "false");
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("note[label-controller]"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    for key in [
        "`sidecar.istio.io/inject`",
        "`vault.hashicorp.com/agent-inject`",
        "`config.linkerd.io/skip-outbound-ports`",
        "`k8s.v1.cni.cncf.io/networks`",
    ] {
        assert!(notes[0].contains(key), "{key}: {}", notes[0]);
    }
    assert!(notes[0].contains("`com.example.team`"), "{}", notes[0]);
    assert!(!notes[0].contains("part-of"), "{}", notes[0]);
    assert!(run.stderr.contains("compose.yaml:6:7"), "{}", run.stderr);
}

/// Fails on the old main: keys without `/` (read by CRI-O, Kata, crun) and
/// keys of domains outside a fixed list became Pod annotations without a word.
#[test]
fn every_qualified_label_key_is_reported_and_runtime_keys_warned() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    labels:\n      maintainer: me\n      org.opencontainers.image.source: https://example.com\n      io.kubernetes.cri-o.Devices: /dev/fuse\n      run.oci.keep_original_groups: \"1\"\n      io.katacontainers.config.hypervisor.kernel_params: x=1\n    annotations:\n      instrumentation.opentelemetry.io/inject-java: \"true\"\n      admission.datadoghq.com/enabled: \"true\"\n      gke-gcsfuse/volumes: \"true\"\n      vault.security.banzaicloud.io/vault-addr: https://vault:8200\n",
    );
    let line = |code: &str| -> String {
        let found: Vec<&str> = run.stderr.lines().filter(|l| l.contains(code)).collect();
        assert_eq!(found.len(), 1, "{code}: {}", run.stderr);
        found[0].to_string()
    };
    let runtime = line("warning[label-runtime]");
    for key in [
        "`io.kubernetes.cri-o.Devices`",
        "`run.oci.keep_original_groups`",
        "`io.katacontainers.config.hypervisor.kernel_params`",
    ] {
        assert!(runtime.contains(key), "{key}: {runtime}");
    }
    let controller = line("note[label-controller]");
    for key in [
        "`instrumentation.opentelemetry.io/inject-java`",
        "`admission.datadoghq.com/enabled`",
        "`gke-gcsfuse/volumes`",
        "`vault.security.banzaicloud.io/vault-addr`",
    ] {
        assert!(controller.contains(key), "{key}: {controller}");
    }
    for line in [&runtime, &controller] {
        assert!(
            !line.contains("maintainer") && !line.contains("org.opencontainers"),
            "{line}"
        );
    }
}

/// Fails on the old main: the modes vanished and uid/gid and the tmpfs
/// options were dropped without a word.
#[test]
fn file_modes_are_carried_and_owners_and_tmpfs_options_reported() {
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    restart: always\n    secrets:\n      - source: s\n        mode: 0440\n        uid: \"1000\"\n    configs:\n      - source: c\n        mode: \"0640\"\n    tmpfs: [\"/t:noexec,size=64m,mode=1777,uid=1000\", /plain]\n    volumes:\n      - type: tmpfs\n        target: /x\n        tmpfs:\n          size: 1000\n          mode: 0700\nsecrets:\n  s:\n    file: ./s.txt\nconfigs:\n  c:\n    file: ./c.txt\n",
    );
    std::fs::write(dir.path().join("s.txt"), "secret\n").unwrap();
    std::fs::write(dir.path().join("c.txt"), "config\n").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-v"])
        .success();
    let volumes = run.pod_spec()["volumes"].clone();
    let items: Vec<Value> = volumes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| {
            v["secret"]["items"]
                .as_array()
                .or_else(|| v["configMap"]["items"].as_array())
                .cloned()
        })
        .flatten()
        .collect();
    assert_eq!(
        items,
        [
            json!({"key": "s", "path": "s", "mode": 0o440}),
            json!({"key": "c", "path": "c", "mode": 0o640}),
        ],
        "{volumes}"
    );
    assert!(
        run.stderr
            .contains("warning[file-owner]: `secrets.uid` of `s` is not carried over"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("warning[tmpfs-options]: tmpfs `/t` becomes an `emptyDir` in memory without its options `noexec`, `mode=1777`, `uid=1000`")
            && run.stderr.contains("warning[tmpfs-options]: tmpfs `/x` becomes an `emptyDir` in memory without its options `mode=0700`")
            && run.stderr.contains("note[tmpfs-options]: tmpfs `/plain` becomes an `emptyDir` in memory: Docker mounts a tmpfs `noexec,nosuid,nodev`, but an `emptyDir` lets its files be executed"),
        "{}",
        run.stderr
    );
    // The size is carried.
    assert!(
        volumes.to_string().contains("\"sizeLimit\":\"64Mi\""),
        "{volumes}"
    );
}

/// Fails on the old main: the three files became one key, two were lost.
#[test]
fn files_whose_names_sanitise_alike_keep_their_own_keys_and_names() {
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    restart: always\n    volumes: [\"./conf:/etc/app:ro\"]\n",
    );
    let conf = dir.path().join("conf");
    std::fs::create_dir(&conf).unwrap();
    for (name, text) in [
        ("a b.txt", "space"),
        ("a:b.txt", "colon"),
        ("a_b.txt", "underscore"),
        ("..x", "dots"),
        ("plain.txt", "plain"),
    ] {
        std::fs::write(conf.join(name), text).unwrap();
    }
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    let objects = run.objects();
    let config_map = objects.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
    let data = config_map["data"].as_object().unwrap();
    let mut values: Vec<&str> = data.values().map(|v| v.as_str().unwrap()).collect();
    values.sort_unstable();
    assert_eq!(
        values,
        ["colon", "dots", "plain", "space", "underscore"],
        "{data:?}"
    );
    assert!(data.keys().all(|k| !k.starts_with("..")), "{data:?}");
    // Each file appears under its own name.
    let spec = run.pod_spec();
    let items = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|v| v["configMap"]["items"].as_array().cloned())
        .unwrap();
    let mut paths: Vec<(String, &str)> = items
        .iter()
        .map(|i| {
            let key = i["key"].as_str().unwrap();
            (
                i["path"].as_str().unwrap().to_string(),
                data[key].as_str().unwrap(),
            )
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("_..x".to_string(), "dots"),
            ("a b.txt".to_string(), "space"),
            ("a:b.txt".to_string(), "colon"),
            ("a_b.txt".to_string(), "underscore"),
            ("plain.txt".to_string(), "plain"),
        ]
    );
}

/// Fails on main: `scale: 0` and `deploy.replicas: 0` were ignored, and the
/// services compose never starts ran in the Pod.
#[test]
fn services_scaled_to_zero_are_left_out_and_their_sharers_refused() {
    let run = convert(
        "services:\n  web:\n    image: nginx:1.25\n    restart: always\n    depends_on: [worker]\n    links: [worker]\n  worker:\n    image: alpine:3.19\n    scale: 0\n  extra:\n    image: alpine:3.19\n    deploy: {replicas: 0}\n",
    );
    let spec = run.pod_spec();
    let names: Vec<&str> = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(spec["initContainers"].as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"web") && !names.contains(&"worker") && !names.contains(&"extra"),
        "{names:?}"
    );
    assert!(
        run.stderr
            .contains("note[scale-zero]: `worker`, `extra` are scaled to zero"),
        "{}",
        run.stderr
    );
    let refused = refused(
        "services:\n  web:\n    image: nginx:1.25\n    restart: always\n    network_mode: service:worker\n  worker:\n    image: alpine:3.19\n    scale: 0\n",
    );
    assert!(
        refused.stderr.contains(
            "error[scale-zero-needed]: service `web` needs a container of `worker` (`network_mode`)"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        !refused.stderr.contains("network-mode-target"),
        "{}",
        refused.stderr
    );
}

/// Fails on main (a Pod of the scaled-out service): with every service
/// scaled to zero there is no Pod to make.
#[test]
fn a_project_scaled_to_zero_is_refused() {
    let run = refused("services:\n  worker:\n    image: alpine:3.19\n    scale: 0\n");
    assert!(
        run.stderr
            .contains("error[no-services]: every service of the project is scaled to zero"),
        "{}",
        run.stderr
    );
}
