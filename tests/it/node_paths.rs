//! Round 2 of the red team (issue 25): paths that hand a container the node
//! are refused like the Docker socket; Docker's `seccomp` names, `pid:
//! service:X`, and the edge values of resources mean what compose means.

use crate::common::{self, Test};

fn convert(compose: &str) -> common::Run {
    let dir = common::compose_dir(compose);
    common::converting(dir.path(), &["-p", "p"]).run()
}

/// Fails on the old main: each became a writable hostPath with a warning.
#[test]
fn runtime_sockets_kubelet_paths_and_their_directories_are_refused() {
    for written in [
        "/var/run",
        "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/run/podman/podman.sock",
        "/var/lib/kubelet",
        "/etc/kubernetes",
        "/var/lib/docker",
        "/var/lib/containerd/",
        "/var/lib/kubelet/pods/../pods",
        "/",
        "/var",
        "/var/lib",
        "/etc",
        "/run/user/1000/podman/podman.sock",
    ] {
        let run = convert(&format!(
            "services:\n  a:\n    image: alpine:3.19\n    volumes: [\"{written}:/c\"]\n"
        ));
        assert_eq!(run.code, 1, "{written}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[bind-node-control]")
                || run.stderr.contains("error[docker-socket]"),
            "{written}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("hostPath"), "{written}");
    }
}

/// Fails on the old main: `/:/host:ro` (node-exporter) became a hostPath of
/// the node's root. The error names the ways forward.
#[test]
fn the_root_read_only_is_refused_with_the_ways_forward() {
    let run = convert(
        "services:\n  exporter:\n    image: prom/node-exporter:v1.8.2\n    volumes: [\"/:/host:ro\", \"./data:/data\"]\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[bind-node-control]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--exclude exporter"), "{}", run.stderr);
    assert!(run.stderr.contains("volumes: !override"), "{}", run.stderr);
    assert!(run.stderr.contains("./data:/data"), "{}", run.stderr);
    assert!(run.stderr.contains("DaemonSet"), "{}", run.stderr);
}

/// Fails on the old main: a link in the project to a node-control directory
/// became a hostPath of it.
#[test]
fn a_link_to_a_node_control_path_is_decided_on_its_target() {
    let dir =
        common::compose_dir("services:\n  a:\n    image: alpine:3.19\n    volumes: [\"./k:/k\"]\n");
    std::os::unix::fs::symlink("/var/lib/kubelet", dir.path().join("k")).unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[bind-node-control]"),
        "{}",
        run.stderr
    );
}

/// Harmless node paths keep working.
#[test]
fn time_zone_files_and_ordinary_node_paths_stay_host_paths() {
    let run = convert(
        "services:\n  a:\n    image: alpine:3.19\n    volumes: [\"/etc/localtime:/etc/localtime:ro\", \"/etc/timezone:/etc/timezone:ro\", \"/srv/data:/data\"]\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("note[bind-host-time]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("warning[bind-host-path]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("path: /etc/localtime"),
        "{}",
        run.stdout
    );
}

/// Fails on the old main: `seccomp:builtin` became `Localhost` profile
/// `builtin`, and the Pod did not start. Docker's `builtin` is its default
/// profile: the Pod's `RuntimeDefault`. `unconfined` stays `Unconfined`.
#[test]
fn seccomp_builtin_is_the_runtime_default() {
    let run = convert(
        "services:\n  a:\n    image: alpine:3.19\n    security_opt: [\"seccomp:builtin\"]\n  b:\n    image: alpine:3.19\n    security_opt: [\"seccomp=unconfined\"]\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("Localhost"), "{}", run.stdout);
    assert!(!run.stderr.contains("builtin"), "{}", run.stderr);
    let spec = run.pod_spec();
    assert_eq!(
        spec["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let containers = spec["containers"].as_array().unwrap();
    let of = |name: &str| {
        containers
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .get("securityContext")
            .and_then(|s| s.get("seccompProfile"))
            .cloned()
    };
    assert_eq!(of("a"), None);
    assert_eq!(of("b").unwrap()["type"], "Unconfined");
}

/// Fails on the old main (a note): `pid: service:web` gives the whole Pod one
/// process namespace; the warning names the services that gain it.
#[test]
fn a_shared_process_namespace_warns_naming_who_gains_it() {
    let run = convert(
        "services:\n  web:\n    image: nginx:1.27\n  a:\n    image: alpine:3.19\n    pid: service:web\n  db:\n    image: postgres:16\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.pod_spec()["shareProcessNamespace"], true);
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("warning[namespace-shared]"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(line.contains("`db`"), "{line}");
    assert!(line.contains("`web`"), "{line}");
    // Only the pair in the Pod: nothing more than compose gave, a note.
    let pair = convert(
        "services:\n  web:\n    image: nginx:1.27\n  a:\n    image: alpine:3.19\n    pid: service:web\n",
    );
    assert!(
        pair.stderr.contains("note[namespace-shared]"),
        "{}",
        pair.stderr
    );
    assert!(
        !pair.stderr.contains("warning[namespace-shared]"),
        "{}",
        pair.stderr
    );
}

/// Fails on the old main: `mem_limit: 0` gave `limits.memory: "0"` below a
/// request (the API server refuses it), `cpus: 0` and `mem_limit: -1` were
/// errors. Compose reads all three as no limit.
#[test]
fn zero_and_minus_one_limits_mean_no_limit() {
    let run = convert(
        "services:\n  a:\n    image: alpine:3.19\n    mem_limit: 0\n    mem_reservation: 1g\n    cpus: 0\n  b:\n    image: alpine:3.19\n    mem_limit: -1\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let containers = spec["containers"].as_array().unwrap();
    let a = containers.iter().find(|c| c["name"] == "a").unwrap();
    assert_eq!(a["resources"]["requests"]["memory"], "1Gi");
    assert!(a["resources"].get("limits").is_none(), "{a}");
    let b = containers.iter().find(|c| c["name"] == "b").unwrap();
    assert!(b.get("resources").is_none(), "{b}");
}

/// Fails on the old main: a reservation above its limit was written, and
/// the API server refused the Pod. An error at the reservation.
#[test]
fn a_reservation_above_its_limit_is_an_error_at_the_reservation() {
    let run = convert(
        "services:\n  c:\n    image: alpine:3.19\n    deploy:\n      resources:\n        limits: {cpus: \"0.5\", memory: 100m}\n        reservations: {cpus: \"1\", memory: 1g}\n  e:\n    image: alpine:3.19\n    mem_limit: 100m\n    mem_reservation: 200m\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (request, at) in [
        ("deploy.resources.reservations.cpus", "compose.yaml:7:30"),
        ("deploy.resources.reservations.memory", "compose.yaml:7:43"),
        ("mem_reservation", "compose.yaml:11:22"),
    ] {
        assert!(
            run.stderr
                .contains(&format!("`{request}` asks for more than")),
            "{request}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(at), "{at}: {}", run.stderr);
    }
}

/// Fails on the old main: `config` printed `mem_limit: '0'` and `cpus: 0.0`
/// (compose leaves both out) and refused `mem_limit: -1` (compose prints "-1").
#[test]
fn config_prints_no_limit_as_compose_does() {
    let dir = common::compose_dir(
        "services:\n  a:\n    image: alpine:3.19\n    mem_limit: 0\n    cpus: 0\n  b:\n    image: alpine:3.19\n    mem_limit: -1\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["config", "--format", "json"])
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(json["services"]["a"].get("mem_limit").is_none(), "{json}");
    assert!(json["services"]["a"].get("cpus").is_none(), "{json}");
    assert_eq!(json["services"]["b"]["mem_limit"], "-1");
}
