//! Start order across Pods (issue 27, item 2): where the split or auto
//! strategy puts a service and its `depends_on` target in different Pods,
//! the dependent's Pod waits in an init container (`podlift-wait`) until the
//! target answers a TCP connect through its Service.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{self, Run, Test, convert, repo, run_tool, tool};

const WAIT: &str = "podlift-wait";

/// `app` waits for `db` (healthy), `cache` (started), `opt` (not required),
/// `mq` (no port) and `migrate` (one-shot); `--strategy split` puts each in
/// a Pod of its own.
const ACROSS: &str = "name: shop
services:
  app:
    image: app:1
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started}
      opt: {condition: service_started, required: false}
      mq: {condition: service_started}
      migrate: {condition: service_completed_successfully}
  db:
    image: postgres:16
    expose: ['5432']
    healthcheck: {test: [CMD, pg_isready], interval: 5s}
  cache:
    image: redis:7
    ports: ['6379:6379', '6380/udp']
  opt:
    image: opt:1
    expose: ['80']
  mq:
    image: mq:1
  migrate:
    image: migrate:1
";

fn deployment<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Deployment {name}"))
}

/// The wait init container of a Deployment, if it has one.
fn wait_of(deployment: &Value) -> Option<&Value> {
    deployment["spec"]["template"]["spec"]["initContainers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == WAIT)
}

/// The wait's targets, six arguments each: SERVICE PORT SECONDS DEPENDENT
/// TARGET CONDITION.
fn targets(wait: &Value) -> Vec<Vec<String>> {
    let args: Vec<String> = wait["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(args.len() % 6, 0, "{args:?}");
    args.chunks(6).map(<[String]>::to_vec).collect()
}

fn row(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn notes(run: &Run, code: &str) -> Vec<String> {
    run.stderr
        .lines()
        .filter(|l| l.contains(&format!("note[{code}]")))
        .map(String::from)
        .collect()
}

#[test]
fn a_dependent_waits_for_its_targets_in_other_pods_through_their_services() {
    let run = convert(ACROSS, &["--strategy", "split"]);
    let objects = run.objects();
    let app = deployment(&objects, "shop-app");
    let wait = wait_of(app).expect("app's Pod waits");
    // db: healthy, through Service `db` port 5432; cache: its TCP port, not
    // the UDP one; `opt` (required: false), `mq` (no port) and `migrate`
    // (one-shot) are not waited for.
    assert_eq!(
        targets(wait),
        [
            row(&["db", "5432", "600", "app", "db", "service_healthy"]),
            row(&["cache", "6379", "600", "app", "cache", "service_started"]),
        ]
    );
    for (service, port) in [("db", 5432), ("cache", 6379)] {
        let object = objects
            .iter()
            .find(|o| o["kind"] == "Service" && o["metadata"]["name"] == service)
            .unwrap_or_else(|| panic!("no Service {service}"));
        let ports: Vec<u64> = object["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["port"].as_u64().unwrap())
            .collect();
        assert!(ports.contains(&port), "{service}: {ports:?}");
    }
    // The targets themselves wait for nothing.
    for name in [
        "shop-db",
        "shop-cache",
        "shop-opt",
        "shop-mq",
        "shop-migrate",
    ] {
        assert!(wait_of(deployment(&objects, name)).is_none(), "{name}");
    }
    // The wait: the init image, unprivileged and bounded, before the app.
    assert_eq!(wait["image"], "docker.io/library/busybox:1.36.1");
    let security = &wait["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"][0], "ALL");
    assert_eq!(wait["resources"]["limits"]["memory"], "32Mi");
    let script = wait["command"][2].as_str().unwrap();
    assert!(script.contains("nc -w 2"), "{script}");
    assert!(script.contains("did not answer"), "{script}");
    // service_healthy: db's Pod is not ready, so its Service routes
    // nothing, until its health check passed once (a startupProbe).
    let db = &deployment(&objects, "shop-db")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(db["startupProbe"]["exec"]["command"][0], "pg_isready");
    assert!(db["readinessProbe"].is_null());
}

#[test]
fn what_is_not_waited_for_is_said() {
    let run = convert(ACROSS, &["--strategy", "split"]);
    let no_port = notes(&run, "split-wait-no-port");
    assert_eq!(no_port.len(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "service `app` depends on `mq`, which runs in another Pod and declares no TCP port; its Pod starts without waiting for `mq`"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("declare a TCP port `mq` listens on"),
        "{}",
        run.stderr
    );
    let order = notes(&run, "split-start-order");
    assert_eq!(order.len(), 1, "{}", run.stderr);
    assert!(
        order[0].contains("`migrate`") && run.stderr.contains("service_completed_successfully`"),
        "{}",
        run.stderr
    );
    // `required: false`: compose starts without it; no note either.
    assert!(!run.stderr.contains("`opt`"), "{}", run.stderr);
}

#[test]
fn one_pod_keeps_its_own_start_order() {
    let text = "services:
  app: {image: app:1, depends_on: [db]}
  db: {image: db:1, expose: ['5432']}
";
    for args in [
        &["--strategy", "pod"][..],
        &["--strategy", "auto"],
        &["--strategy", "pod", "--kube-version", "1.28"],
    ] {
        let objects = convert(text, args).objects();
        let deployments: Vec<&Value> = objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .collect();
        assert_eq!(deployments.len(), 1, "{args:?}");
        assert!(wait_of(deployments[0]).is_none(), "{args:?}");
    }
    // Same Pod by group under split: no wait either.
    let grouped = "services:
  app: {image: app:1, depends_on: [db], x-podlift: {group: g}}
  db: {image: db:1, expose: ['5432'], x-podlift: {group: g}}
";
    let objects = convert(grouped, &["--strategy", "split"]).objects();
    assert!(
        objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .all(|d| wait_of(d).is_none())
    );
}

#[test]
fn below_1_29_only_a_dependency_inside_a_pod_is_said_to_be_unenforced() {
    let text = "name: k
services:
  app: {image: app:1, depends_on: [db]}
  db: {image: db:1, expose: ['5432']}
";
    // Across Pods the wait holds on any version: no warning.
    let run = convert(text, &["--strategy", "split", "--kube-version", "1.28"]);
    assert!(wait_of(deployment(&run.objects(), "k-app")).is_some());
    assert!(
        !run.stderr.contains("warning[start-order]"),
        "{}",
        run.stderr
    );
    // In one Pod the warning stays.
    let run = convert(text, &["--strategy", "pod", "--kube-version", "1.28"]);
    assert!(
        run.stderr.contains("warning[start-order]"),
        "{}",
        run.stderr
    );
}

#[test]
fn x_podlift_wait_turns_the_wait_off_or_bounds_it() {
    let text = |wait: &str| {
        format!(
            "name: w
services:
  app:
    image: app:1
    depends_on: [db]
    x-podlift: {{wait: {wait}}}
  db: {{image: db:1, expose: ['5432']}}
"
        )
    };
    let objects = convert(&text("false"), &["--strategy", "split"]).objects();
    assert!(wait_of(deployment(&objects, "w-app")).is_none());
    let objects = convert(&text("90s"), &["--strategy", "split"]).objects();
    let wait = wait_of(deployment(&objects, "w-app")).unwrap();
    assert_eq!(targets(wait)[0][2], "90");
    // `true` is the default wait.
    let objects = convert(&text("true"), &["--strategy", "split"]).objects();
    assert_eq!(
        targets(wait_of(deployment(&objects, "w-app")).unwrap())[0][2],
        "600"
    );
    let dir = common::compose_dir(&text("soon"));
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .failure(1);
    assert!(
        run.stderr.contains(
            "error[duration-invalid]: `soon` in `x-podlift.wait` is neither `false` nor a duration above zero"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_healthy_target_with_a_longer_start_gets_the_longer_wait() {
    let text = "name: h
services:
  app:
    image: app:1
    depends_on: {db: {condition: service_healthy}}
  db:
    image: db:1
    expose: ['5432']
    healthcheck: {test: 'true'}
    x-podlift: {startup-timeout: 30m}
";
    let objects = convert(text, &["--strategy", "split"]).objects();
    let wait = wait_of(deployment(&objects, "h-app")).unwrap();
    assert_eq!(
        targets(wait),
        [row(&["db", "5432", "1800", "app", "db", "service_healthy"])]
    );
}

#[test]
fn two_members_waiting_for_one_service_share_one_attempt() {
    let text = "name: d
services:
  web: {image: w, depends_on: [db], x-podlift: {group: front, wait: 20m}}
  worker: {image: k, depends_on: {db: {condition: service_healthy}}, x-podlift: {group: front}}
  db: {image: db:1, expose: ['5432'], healthcheck: {test: 'true'}}
";
    let objects = convert(text, &["--strategy", "split"]).objects();
    let front = deployment(&objects, "d-front");
    assert_eq!(
        targets(wait_of(front).unwrap()),
        [row(&["db", "5432", "1200", "web", "db", "service_healthy"])]
    );
}

#[test]
fn a_group_target_is_waited_for_on_its_own_port() {
    // `db` and `side` share a Pod (and so each other's Service ports):
    // the wait must test db's own port, not side's.
    let text = "name: g
services:
  app: {image: app:1, depends_on: [db]}
  side: {image: side:1, expose: ['9000'], x-podlift: {group: data}}
  db: {image: db:1, expose: ['5432'], x-podlift: {group: data}}
";
    let objects = convert(text, &["--strategy", "split"]).objects();
    let app = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && wait_of(o).is_some())
        .unwrap();
    assert_eq!(app["metadata"]["name"], "g-app");
    assert_eq!(targets(wait_of(app).unwrap())[0][..2], row(&["db", "5432"]));
}

#[test]
fn pods_waiting_for_each_other_are_not_made() {
    // a1 (Pod A) waits for b1 (Pod B), b2 (Pod B) for a2 (Pod A): the
    // services form no cycle, their Pods would.
    let text = "name: c
services:
  a1: {image: a, depends_on: [b1], x-podlift: {group: ga}}
  a2: {image: a, expose: ['80'], x-podlift: {group: ga}}
  b1: {image: b, expose: ['81'], x-podlift: {group: gb}}
  b2: {image: b, depends_on: [a2], x-podlift: {group: gb}}
";
    let run = convert(text, &["--strategy", "split"]);
    let objects = run.objects();
    let waits: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .filter_map(wait_of)
        .collect();
    assert_eq!(waits.len(), 1, "{}", run.stderr);
    let order = notes(&run, "split-start-order");
    assert_eq!(order.len(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("already waits for this Pod"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_cycle_through_three_pods_loses_one_wait_and_a_chain_loses_none() {
    // a1 -> b1 (A waits for B), b2 -> c1 (B for C), c2 -> a2 (C for A).
    let text = "name: t
services:
  a1: {image: a, depends_on: [b1], x-podlift: {group: ga}}
  a2: {image: a, expose: ['80'], x-podlift: {group: ga}}
  b1: {image: b, expose: ['81'], x-podlift: {group: gb}}
  b2: {image: b, depends_on: [c1], x-podlift: {group: gb}}
  c1: {image: c, expose: ['82'], x-podlift: {group: gc}}
  c2: {image: c, depends_on: [a2], x-podlift: {group: gc}}
";
    let run = convert(text, &["--strategy", "split"]);
    let waits = run
        .objects()
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .filter(|d| wait_of(d).is_some())
        .count();
    assert_eq!(waits, 2, "{}", run.stderr);
    assert_eq!(notes(&run, "split-start-order").len(), 1, "{}", run.stderr);
    // A chain of 30 Pods: every link waited for, no note.
    let mut chain = String::from("name: chain\nservices:\n");
    for i in 0..30 {
        let port = 8000 + i;
        let _ = writeln!(chain, "  s{i}:\n    image: s\n    expose: ['{port}']");
        if i > 0 {
            let _ = writeln!(chain, "    depends_on: [s{}]", i - 1);
        }
    }
    let run = convert(&chain, &["--strategy", "split"]);
    let waits = run
        .objects()
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .filter(|d| wait_of(d).is_some())
        .count();
    assert_eq!(waits, 29, "{}", run.stderr);
    assert!(!run.stderr.contains("split-start-order"), "{}", run.stderr);
}

#[test]
fn no_wait_where_the_network_policy_would_refuse_the_connect() {
    let text = "name: n
services:
  app: {image: app:1, depends_on: [db], networks: [front]}
  db: {image: db:1, expose: ['5432'], networks: [back]}
networks: {front: {}, back: {}}
";
    let run = convert(text, &["--strategy", "split"]);
    assert!(
        run.objects()
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .all(|d| wait_of(d).is_none())
    );
    assert!(
        run.stderr.contains("the two share no compose network"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_init_image_choice_is_the_waits_too() {
    let text = "name: i
services:
  app: {image: app:1, depends_on: [db]}
  db: {image: db:1, expose: ['5432']}
";
    let objects = convert(
        text,
        &["--strategy", "split", "--init-image", "example.com/tools:1"],
    )
    .objects();
    assert_eq!(
        wait_of(deployment(&objects, "i-app")).unwrap()["image"],
        "example.com/tools:1"
    );
}

// ---- the script itself, against a listener on 127.0.0.1 -------------------

/// busybox's path, as the init image has it.
fn busybox() -> Option<PathBuf> {
    let output = Command::new("sh")
        .args(["-c", "command -v busybox"])
        .output()
        .unwrap();
    let path = String::from_utf8(output.stdout).unwrap().trim().to_string();
    if output.status.success() && !path.is_empty() {
        return Some(PathBuf::from(path));
    }
    common::skip("busybox is not installed: the wait script cannot be run");
    None
}

/// Runs the wait script of `wait` with busybox's shell (and its `nc`,
/// `date`, `sleep` first on PATH), its Service names replaced by 127.0.0.1.
fn run_script(busybox: &Path, wait: &Value, args: &[&str]) -> std::process::Output {
    let bin = tempfile::tempdir().unwrap();
    for applet in ["sh", "nc", "date", "sleep", "true"] {
        std::os::unix::fs::symlink(busybox, bin.path().join(applet)).unwrap();
    }
    let script = wait["command"][2].as_str().unwrap();
    Command::new(bin.path().join("sh"))
        .args(["-c", script, WAIT])
        .args(args)
        .env("PATH", bin.path())
        .output()
        .unwrap()
}

#[test]
fn the_wait_retries_until_the_peer_answers_and_gives_up_naming_it() {
    let Some(busybox) = busybox() else { return };
    let objects = convert(ACROSS, &["--strategy", "split"]).objects();
    let wait = wait_of(deployment(&objects, "shop-app")).unwrap().clone();
    // A peer that starts late: the listener opens after 3 s.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    drop(listener);
    let late = std::thread::spawn({
        let port = port.clone();
        move || {
            std::thread::sleep(std::time::Duration::from_secs(3));
            let listener = std::net::TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
            listener.set_nonblocking(false).unwrap();
            let _ = listener.accept();
        }
    });
    let started = std::time::Instant::now();
    let output = run_script(
        &busybox,
        &wait,
        &["127.0.0.1", &port, "30", "app", "db", "service_started"],
    );
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(started.elapsed().as_secs() >= 2, "it waited: {log}");
    assert!(
        log.contains("podlift: 'app' waits for 'db' (service_started)"),
        "{log}"
    );
    assert!(log.contains("does not answer yet (attempt 1,"), "{log}");
    assert!(
        log.contains("podlift: 'db' answers through Service 127.0.0.1 port"),
        "{log}"
    );
    late.join().unwrap();
    // Nobody ever answers: it gives up after its deadline, naming the
    // target and its Service, and fails (the kubelet tries again).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let output = run_script(
        &busybox,
        &wait,
        &["127.0.0.1", &port, "2", "app", "db", "service_healthy"],
    );
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        errors.contains(&format!(
            "podlift: 'db' did not answer through Service 127.0.0.1 port {port} within 2s"
        )) && errors.contains("so 'app' does not start"),
        "{errors}"
    );
}

// ---- every output format ----------------------------------------------------

fn waits_in(text: &str) -> usize {
    common::objects_in(text)
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .filter_map(wait_of)
        .count()
}

#[test]
fn the_wait_is_in_every_output_format_and_validates() {
    let dir = common::compose_dir(ACROSS);
    let run =
        |args: &[&str]| common::convert_in(dir.path(), &[&["--strategy", "split"], args].concat());
    let yaml = run(&[]).stdout;
    assert_eq!(waits_in(&yaml), 1);
    let json: Value = serde_json::from_str(&run(&["--format", "json"]).stdout).unwrap();
    let items = json["items"].as_array().map_or_else(
        || json.as_array().cloned().unwrap_or_default(),
        Clone::clone,
    );
    assert_eq!(
        items
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .filter_map(wait_of)
            .count(),
        1,
        "{json}"
    );
    // Pod Security: `restricted` admits the wait; `check` names every
    // container it refuses (here the applications', which run as root).
    let check = Test::new()
        .current_dir(dir.path())
        .args(["check", "-v", "--strategy", "split"])
        .success();
    assert!(
        check
            .stdout
            .contains("`restricted` refuses container `app`"),
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains(WAIT), "{}", check.stdout);
    let out = tempfile::tempdir().unwrap();
    let stream = out.path().join("stream.yaml");
    std::fs::write(&stream, &yaml).unwrap();
    if let Some(validate) = tool(
        &repo().join(".venv/bin/kubernetes-validate"),
        &["--version"],
        "run scripts/test.sh to install the Python tools",
    ) {
        run_tool(
            &validate,
            &["--strict", "-k", "1.29.0", stream.to_str().unwrap()],
        );
    }
    if let Some(kubectl) = tool(
        Path::new("kubectl"),
        &["version", "--client"],
        "install kubectl to render Kustomize output",
    ) {
        let base = out.path().join("base");
        run(&["--format", "kustomize", "-o", base.to_str().unwrap()]);
        let rendered = run_tool(&kubectl, &["kustomize", base.to_str().unwrap()]);
        assert_eq!(waits_in(&rendered), 1, "{rendered}");
    }
    let helm_path =
        std::env::var_os("HELM").map_or_else(|| repo().join(".venv/bin/helm"), PathBuf::from);
    if let Some(helm) = tool(
        &helm_path,
        &["version", "--short"],
        "run scripts/install-helm.sh (or set HELM)",
    ) {
        let chart = out.path().join("chart");
        run(&["--format", "helm", "-o", chart.to_str().unwrap()]);
        run_tool(&helm, &["lint", "--strict", chart.to_str().unwrap()]);
        let rendered = run_tool(
            &helm,
            &[
                "template",
                "r",
                chart.to_str().unwrap(),
                "--kube-version",
                "1.29.0",
            ],
        );
        assert_eq!(waits_in(&rendered), 1, "{rendered}");
        let manifests = out.path().join("helm.yaml");
        std::fs::write(&manifests, &rendered).unwrap();
        if let Some(validate) = tool(
            &repo().join(".venv/bin/kubernetes-validate"),
            &["--version"],
            "run scripts/test.sh to install the Python tools",
        ) {
            run_tool(
                &validate,
                &["--strict", "-k", "1.29.0", manifests.to_str().unwrap()],
            );
        }
    }
}
