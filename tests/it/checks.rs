//! `podlift check` and `plan`: one case per check, the JSON report, the plan
//! table and diagram.

use crate::common;

use common::{Test, fixture};

/// One check: a compose file that triggers it, extra flags, the exit code,
/// the diagnostic code and the `compose.yaml:LINE:COL` it must point at.
struct Case {
    name: &'static str,
    compose: &'static str,
    args: &'static [&'static str],
    exit: i32,
    code: &'static str,
    at: Option<&'static str>,
    says: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "duplicate address",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: {n: {ipv4_address: 169.254.9.2}}\n  b:\n    image: b\n    restart: always\n    networks: {n: {ipv4_address: 169.254.9.2}}\nnetworks:\n  n: {}\n",
        args: &[],
        exit: 1,
        code: "address-duplicate",
        at: Some("compose.yaml:9:34"),
        says: "service `b` declares address `169.254.9.2`, already declared by `a`",
    },
    Case {
        name: "not an IP",
        compose: "services:\n  a:\n    image: a\n    networks: {n: {ipv4_address: 169.254.9.300}}\nnetworks:\n  n: {}\n",
        args: &[],
        exit: 1,
        code: "address-invalid",
        at: Some("compose.yaml:4:34"),
        says: "`169.254.9.300` in `ipv4_address` is not an IP address",
    },
    Case {
        name: "outside its subnet",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: {n: {ipv4_address: 169.254.8.2}}\nnetworks:\n  n:\n    ipam: {config: [{subnet: 169.254.9.0/24}]}\n",
        args: &[],
        exit: 1,
        code: "address-outside-subnet",
        at: Some("compose.yaml:5:34"),
        says: "address `169.254.8.2` of service `a` is outside network `n`'s subnet `169.254.9.0/24`",
    },
    Case {
        name: "inside the pod range",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: {n: {ipv4_address: 10.244.3.7}}\nnetworks:\n  n: {}\n",
        args: &[
            "--pod-cidr",
            "10.244.0.0/16",
            "--service-cidr",
            "10.96.0.0/12",
        ],
        exit: 1,
        code: "address-cluster-range",
        at: Some("compose.yaml:5:34"),
        says: "inside the cluster's Pod range `10.244.0.0/16`",
    },
    Case {
        name: "a common range without flags",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: {n: {ipv4_address: 10.96.0.10}}\nnetworks:\n  n: {}\n",
        args: &[],
        exit: 0,
        code: "address-common-range",
        at: Some("compose.yaml:5:34"),
        says: "inside `10.96.0.0/12` (the kubeadm Service range)",
    },
    Case {
        name: "cloud metadata",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: {n: {ipv4_address: 169.254.169.254}}\nnetworks:\n  n: {}\n",
        args: &[],
        exit: 1,
        code: "address-reserved",
        at: Some("compose.yaml:5:34"),
        says: "it is the cloud metadata service",
    },
    Case {
        name: "reserved extra address",
        compose: "x-podlift: {extra-addresses: [169.254.20.10]}\nservices:\n  a: {image: a, restart: always}\n",
        args: &[],
        exit: 1,
        code: "address-reserved",
        at: Some("compose.yaml:1:31"),
        says: "NodeLocal DNSCache",
    },
    Case {
        name: "loopback address",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: {n: {ipv4_address: 127.0.0.5}}\nnetworks:\n  n: {}\n",
        args: &[],
        exit: 1,
        code: "address-reserved",
        at: Some("compose.yaml:5:34"),
        says: "loopback address",
    },
    Case {
        name: "port clash",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    ports: [\"8080:80\"]\n  b:\n    image: b\n    restart: always\n    expose: [\"80\"]\n",
        args: &["--strategy", "pod"],
        exit: 1,
        code: "port-conflict",
        at: Some("compose.yaml:9:14"),
        says: "service `b` declares port `80/tcp`, already declared by `a`",
    },
    Case {
        name: "health check on another service's port",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"http://localhost:8080/health\"]\n  b:\n    image: b\n    restart: always\n    expose: [\"8080\"]\n",
        args: &["--strategy", "pod"],
        exit: 1,
        code: "port-conflict",
        at: Some("compose.yaml:6:7"),
        says: "the health check of service `a` calls `localhost:8080`, the port `b` declares",
    },
    Case {
        name: "depends_on cycle",
        compose: "services:\n  a: {image: a, restart: always, depends_on: [b]}\n  b: {image: b, restart: always, depends_on: [a]}\n",
        args: &[],
        exit: 1,
        code: "depends-on-cycle",
        at: Some("compose.yaml:2:3"),
        says: "services `a`, `b` depend on each other in a cycle",
    },
    Case {
        name: "unknown dependency",
        compose: "services:\n  a: {image: a, restart: always, depends_on: [ghost]}\n",
        args: &[],
        exit: 1,
        code: "depends-on-unknown",
        at: Some("compose.yaml:2:47"),
        says: "depends on `ghost`, which is not a service",
    },
    Case {
        name: "network_mode to nowhere",
        compose: "services:\n  a: {image: a, restart: always, network_mode: \"container:ghost\"}\n",
        args: &[],
        exit: 1,
        code: "network-mode-target",
        at: Some("compose.yaml:2:48"),
        says: "container `ghost`",
    },
    Case {
        name: "network_mode none",
        compose: "services:\n  a: {image: a, restart: always, network_mode: none}\n",
        args: &["--strategy", "pod"],
        exit: 1,
        code: "network-mode-none",
        at: Some("compose.yaml:2:48"),
        says: "`network_mode: none`",
    },
    Case {
        name: "replicas",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    deploy: {replicas: 3}\n",
        args: &["--strategy", "pod"],
        exit: 1,
        code: "replicas",
        at: Some("compose.yaml:5:24"),
        says: "asks for 3 replicas",
    },
    Case {
        name: "pod-wide hostname differs",
        compose: "services:\n  a: {image: a, restart: always, hostname: one}\n  b: {image: b, restart: always, hostname: two}\n",
        args: &["--strategy", "pod"],
        exit: 0,
        code: "pod-wide-differs",
        at: Some("compose.yaml:3:44"),
        says: "services `a` and `b` set `hostname` differently",
    },
    Case {
        name: "pod-wide dns differs",
        compose: "services:\n  a: {image: a, restart: always, dns: 10.0.0.2}\n  b: {image: b, restart: always, dns: [10.0.0.3]}\n",
        args: &["--strategy", "pod"],
        exit: 0,
        code: "pod-wide-differs",
        at: Some("compose.yaml:3:39"),
        says: "set `dns` differently",
    },
    Case {
        name: "restart differs",
        compose: "services:\n  a: {image: a, restart: always}\n  b: {image: b, restart: on-failure}\n",
        args: &[],
        exit: 0,
        code: "restart-differs",
        at: Some("compose.yaml:3:26"),
        says: "restart policy `on-failure`",
    },
    Case {
        name: "key not carried over",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    ulimits: {nofile: 1024}\n",
        args: &[],
        exit: 0,
        code: "key-not-carried",
        at: Some("compose.yaml:5:5"),
        says: "service key `ulimits` is not carried over: Kubernetes has no per-container ulimits",
    },
    Case {
        name: "undeclared network",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    networks: [nope]\n",
        args: &[],
        exit: 1,
        code: "network-undeclared",
        at: Some("compose.yaml:5:16"),
        says: "service `a` joins network `nope`, which the top-level `networks` does not declare",
    },
    Case {
        name: "network_mode with networks",
        compose: "services:\n  b: {image: b, restart: always}\n  a:\n    image: a\n    restart: always\n    network_mode: service:b\n    networks: [default]\n",
        args: &[],
        exit: 1,
        code: "network-mode-networks",
        at: Some("compose.yaml:7:16"),
        says: "service `a` sets both `network_mode` and `networks`",
    },
    Case {
        name: "docker socket",
        compose: "services:\n  a:\n    image: a\n    restart: always\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n",
        args: &[],
        exit: 1,
        code: "docker-socket",
        at: Some("compose.yaml:5:15"),
        says: "mounts the Docker socket",
    },
];

#[test]
fn every_check_names_its_code_location_and_remedy() {
    for case in CASES {
        let dir = common::compose_dir(case.compose);
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check"])
            .args(case.args)
            .run();
        assert_eq!(
            run.code, case.exit,
            "{}: exit code\n{}",
            case.name, run.stderr
        );
        let headline = run
            .stderr
            .lines()
            .find(|l| l.contains(&format!("[{}]", case.code)));
        let headline = headline
            .unwrap_or_else(|| panic!("{}: no `{}` in\n{}", case.name, case.code, run.stderr));
        assert!(headline.contains(case.says), "{}: {headline}", case.name);
        if let Some(at) = case.at {
            assert!(
                run.stderr.contains(&format!("[{at}]")),
                "{}: expected position {at} in\n{}",
                case.name,
                run.stderr
            );
        }
        assert!(
            run.stderr.contains("help:"),
            "{}: every diagnostic says what to do",
            case.name
        );
        // convert refuses exactly when check does, and writes nothing then.
        let convert = Test::new()
            .current_dir(dir.path())
            .args(["convert"])
            .args(case.args)
            .run();
        assert_eq!(convert.code, case.exit, "{}: convert exit", case.name);
        if case.exit != 0 {
            assert!(convert.stdout.is_empty());
        }
    }
}

#[test]
fn allow_shared_port_accepts_a_known_clash() {
    let dir = common::compose_dir(
        CASES
            .iter()
            .find(|c| c.code == "port-conflict")
            .unwrap()
            .compose,
    );
    Test::new()
        .current_dir(dir.path())
        .args(["check", "--allow-shared-port", "80"])
        .success();
}

#[test]
fn seed_check_notes_pod_security_and_source_addresses() {
    let run = Test::new()
        .args(["check", "-f", "examples/seed/compose.yaml"])
        .success();
    assert!(run.stderr.contains("note[pod-security]"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pod-security.kubernetes.io/enforce=privileged"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("note[source-address]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("app                  sidecar   addresses: 169.254.253.2; names: db, app"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0 errors, 2 warnings, 3 notes"),
        "{}",
        run.stdout
    );
    Test::new()
        .args(["check", "--strict", "-f", "examples/seed/compose.yaml"])
        .run()
        .code
        .eq(&1)
        .then_some(())
        .unwrap();
}

#[test]
fn check_json_lists_code_severity_and_position() {
    let dir = common::compose_dir(CASES[0].compose);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .run();
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["version"], 1);
    let duplicate = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "address-duplicate")
        .unwrap();
    assert_eq!(duplicate["severity"], "error");
    assert_eq!(duplicate["file"], "compose.yaml");
    assert_eq!(duplicate["line"], 9);
    assert_eq!(duplicate["column"], 34);
    assert!(
        duplicate["message"]
            .as_str()
            .unwrap()
            .contains("already declared by `a`")
    );
    assert!(duplicate["help"].is_string());
}

#[test]
fn plan_table_for_seed_and_product() {
    let seed = Test::new()
        .args(["plan", "-f", "examples/seed/compose.yaml"])
        .success();
    insta::assert_snapshot!("plan-seed", seed.stdout);
    let compose = fixture("product").join("compose.yaml");
    let product = Test::new()
        .args(["plan", "-f", compose.to_str().unwrap()])
        .success();
    insta::assert_snapshot!("plan-product", product.stdout);
}

#[test]
fn plan_mermaid_draws_the_pod() {
    let run = Test::new()
        .args([
            "plan",
            "--format",
            "mermaid",
            "-f",
            "examples/seed/compose.yaml",
        ])
        .success();
    assert!(run.stdout.starts_with("flowchart LR\n"));
    assert!(run.stdout.contains("c_app1 --> c_app"), "{}", run.stdout);
    insta::assert_snapshot!("plan-seed-mermaid", run.stdout);
}

#[test]
fn broken_input_with_output_directory_leaves_nothing() {
    let dir = common::compose_dir("services:\n  a: {image: a, network_mode: host}\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "pod", "-o", "out"])
        .failure(1);
    assert!(run.stderr.contains("network-mode-host"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        [std::ffi::OsString::from("compose.yaml")],
        "nothing but the input is left"
    );
}

#[test]
fn one_restart_policy_for_all_is_a_single_note() {
    let dir = common::compose_dir("services:\n  a: {image: a}\n  b: {image: b}\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--strict"])
        .success();
    assert!(
        run.stderr
            .contains("note[restart-pod]: every service has restart policy `no`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("restart-differs"), "{}", run.stderr);
}

#[test]
fn only_safe_sysctls_reach_the_pod() {
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    restart: always\n    sysctls:\n      net.ipv4.tcp_syncookies: 1\n      net.core.somaxconn: 1024\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(
        run.stderr
            .contains("warning[sysctl-unsafe]: sysctl `net.core.somaxconn`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.pod_spec()["securityContext"]["sysctls"],
        serde_json::json!([{"name": "net.ipv4.tcp_syncookies", "value": "1"}])
    );
}
