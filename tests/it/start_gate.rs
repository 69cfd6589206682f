//! A `startupProbe` kills a container that fails it; compose never kills a
//! container for a failing health check. So only a service a dependent waits
//! on with `service_healthy` gets one, with a budget of at least
//! `start_period + interval × retries` and 10 minutes, changeable per
//! service with `x-podlift.startup-timeout` (issue 14, item 7).

use crate::common;

use serde_json::Value;

use common::Test;

fn sidecar(run: &common::Run, name: &str) -> Value {
    run.pod_spec()["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no init container {name}"))
}

fn convert(compose: &str) -> common::Run {
    common::convert(compose, &[])
}

const CHECK: &str = "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:9200\"]\n      interval: 10s\n      retries: 3\n";

/// Fails on the old main: Elasticsearch got `failureThreshold: 3`,
/// `periodSeconds: 10` and was killed after 30 s.
#[test]
fn a_plain_depends_on_gives_no_start_gate() {
    let run = convert(&format!(
        "services:\n  elasticsearch:\n    image: es\n{CHECK}  app:\n    image: app\n    depends_on: [elasticsearch]\n"
    ));
    let es = sidecar(&run, "elasticsearch");
    assert!(es.get("startupProbe").is_none(), "{es}");
    // Nor any other probe by default (issue 27 item 4).
    assert!(es.get("readinessProbe").is_none(), "{es}");
    assert!(es.get("livenessProbe").is_none(), "{es}");
}

#[test]
fn service_healthy_gets_a_generous_start_gate() {
    let run = convert(&format!(
        "services:\n  elasticsearch:\n    image: es\n{CHECK}      start_period: 30s\n  app:\n    image: app\n    depends_on:\n      elasticsearch: {{condition: service_healthy}}\n"
    ));
    let gate = sidecar(&run, "elasticsearch")["startupProbe"].clone();
    assert_eq!(gate["periodSeconds"], 10);
    // 30 s + 10 s × 3 = 60 s is below the 10-minute floor: 600 / 10.
    assert_eq!(gate["failureThreshold"], 60, "{gate}");
    assert!(gate.get("initialDelaySeconds").is_none(), "{gate}");
    assert_eq!(gate["exec"]["command"][0], "curl");
}

#[test]
fn a_long_compose_budget_wins_over_the_floor() {
    let run = convert(
        "services:\n  db:\n    image: db\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 30s\n      retries: 50\n      start_period: 5m\n  app:\n    image: app\n    depends_on:\n      db: {condition: service_healthy}\n",
    );
    // 300 s + 30 s × 50 = 1800 s: 60 tries of 30 s.
    assert_eq!(sidecar(&run, "db")["startupProbe"]["failureThreshold"], 60);
}

#[test]
fn x_podlift_startup_timeout_sets_the_budget() {
    let run = convert(&format!(
        "services:\n  elasticsearch:\n    image: es\n    x-podlift: {{startup-timeout: 20m}}\n{CHECK}  app:\n    image: app\n    depends_on:\n      elasticsearch: {{condition: service_healthy}}\n"
    ));
    assert_eq!(
        sidecar(&run, "elasticsearch")["startupProbe"]["failureThreshold"],
        120
    );
}

#[test]
fn a_startup_timeout_nobody_needs_or_cannot_read_is_reported() {
    let dir = common::compose_dir(
        "services:\n  db:\n    image: db\n    x-podlift: {startup-timeout: 5m, colour: red}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(
        run.stderr.contains("warning[startup-timeout-unused]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("unknown `x-podlift` key `colour`"),
        "{}",
        run.stderr
    );
    let dir = common::compose_dir(
        "services:\n  db:\n    image: db\n    x-podlift: {startup-timeout: soon}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(
        run.stderr.contains("error[duration-invalid]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:4:"), "{}", run.stderr);
}
