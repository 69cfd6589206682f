//! Health as compose means it (issue 27 item 4): a compose health check
//! holds `service_healthy` dependents and reports status; it never takes
//! traffic away and never restarts anything. So by default it becomes a
//! `startupProbe` where something waits on it, and nothing else; a
//! `readinessProbe` or `livenessProbe` only when asked, by `--health-probe`
//! or per service by `x-podlift.health-probe` (which wins).

use crate::common;

use serde_json::Value;

use common::{Test, convert};

/// A VPN client whose check pings the internet, and a media server in the
/// same Pod: under compose the media server stays reachable whatever the
/// VPN's health.
const MEDIA: &str = "services:\n  vpn:\n    image: vpn\n    healthcheck:\n      test: [CMD, ping, -c1, example.org]\n  media:\n    image: media\n    ports: [\"8096:8096\"]\n    healthcheck:\n      test: [CMD, wget, -q, localhost:8096]\n";

fn containers(run: &common::Run) -> Vec<Value> {
    let spec = run.pod_spec();
    let mut all: Vec<Value> = Vec::new();
    for list in ["initContainers", "containers"] {
        if let Some(items) = spec[list].as_array() {
            all.extend(items.iter().cloned());
        }
    }
    all
}

fn named(run: &common::Run, name: &str) -> Value {
    containers(run)
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn probes(container: &Value) -> Vec<&'static str> {
    ["startupProbe", "readinessProbe", "livenessProbe"]
        .into_iter()
        .filter(|p| container.get(*p).is_some())
        .collect()
}

/// Fails on the old main: both got a `readinessProbe`, so the VPN's failing
/// ping took the media server's Service offline.
#[test]
fn a_failing_check_takes_no_service_offline_by_default() {
    let run = convert(MEDIA, &[]);
    for name in ["vpn", "media"] {
        assert!(probes(&named(&run, name)).is_empty(), "{name}");
    }
}

/// Fails on the old main: `none` was no value of `--health-probe`.
#[test]
fn health_probe_none_is_the_default_and_can_be_written() {
    let dir = common::compose_dir(MEDIA);
    let run = |extra: &[&str]| {
        Test::new()
            .current_dir(dir.path())
            .args(["convert"])
            .args(extra)
            .success()
            .stdout
    };
    assert_eq!(run(&[]), run(&["--health-probe", "none"]));
}

/// Fails on the old main: `liveness` gave a `readinessProbe` too.
#[test]
fn each_value_of_the_flag_gives_its_probe_only() {
    let readiness = convert(MEDIA, &["--health-probe", "readiness"]);
    assert_eq!(probes(&named(&readiness, "media")), ["readinessProbe"]);
    assert_eq!(
        named(&readiness, "media")["readinessProbe"]["exec"]["command"][0],
        "wget"
    );
    let liveness = convert(MEDIA, &["--health-probe", "liveness"]);
    assert_eq!(probes(&named(&liveness, "media")), ["livenessProbe"]);
}

/// Fails on the old main: `x-podlift.health-probe` was an unknown key.
#[test]
fn x_podlift_health_probe_chooses_per_service_and_wins_over_the_flag() {
    let compose = MEDIA.replace(
        "  media:\n    image: media\n",
        "  media:\n    image: media\n    x-podlift: {health-probe: liveness}\n",
    );
    let run = convert(&compose, &[]);
    assert!(!run.stderr.contains("key-unknown"), "{}", run.stderr);
    assert_eq!(probes(&named(&run, "media")), ["livenessProbe"]);
    assert!(probes(&named(&run, "vpn")).is_empty());
    let run = convert(
        &MEDIA.replace(
            "  vpn:\n    image: vpn\n",
            "  vpn:\n    image: vpn\n    x-podlift: {health-probe: none}\n",
        ),
        &["--health-probe", "readiness"],
    );
    assert!(probes(&named(&run, "vpn")).is_empty());
    assert_eq!(probes(&named(&run, "media")), ["readinessProbe"]);
}

#[test]
fn an_unknown_health_probe_is_an_error_naming_the_values() {
    let dir = common::compose_dir(&MEDIA.replace(
        "  vpn:\n    image: vpn\n",
        "  vpn:\n    image: vpn\n    x-podlift: {health-probe: always}\n",
    ));
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(
        run.stderr.contains("error[health-probe-invalid]")
            && run
                .stderr
                .contains("it takes `none`, `readiness` or `liveness`"),
        "{}",
        run.stderr
    );
}

/// A dependent waits on `service_healthy` from another Pod: the target's
/// start gate keeps its Pod unready, and so out of its Service's endpoints,
/// until the check has passed once; then it never takes traffic away.
/// Fails on the old main: a target in a Pod of its own had no
/// `startupProbe`, only a `readinessProbe`.
#[test]
fn across_pods_the_start_gate_stays_on_the_target() {
    let compose = "services:\n  db:\n    image: db\n    expose: [\"5432\"]\n    healthcheck:\n      test: [CMD, pg_isready]\n  app:\n    image: app\n    depends_on:\n      db: {condition: service_healthy}\n";
    let run = convert(compose, &["--strategy", "split"]);
    let objects = run.objects();
    let db = objects
        .iter()
        .find(|o| {
            o["kind"] == "Deployment" && o["metadata"]["name"].as_str().unwrap().ends_with("db")
        })
        .unwrap();
    let db = &db["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(probes(db), ["startupProbe"], "{db}");
    assert_eq!(db["startupProbe"]["exec"]["command"][0], "pg_isready");
}

/// Below Kubernetes 1.29 (no native sidecars) the target is an ordinary
/// container: it keeps its start gate, which holds the Pod unready until
/// the check passes once. Fails on the old main (no `startupProbe`).
#[test]
fn without_native_sidecars_the_target_keeps_its_start_gate() {
    let compose = "services:\n  db:\n    image: db\n    healthcheck:\n      test: [CMD, pg_isready]\n  app:\n    image: app\n    depends_on:\n      db: {condition: service_healthy}\n";
    let run = convert(compose, &["--kube-version", "1.28"]);
    assert_eq!(probes(&named(&run, "db")), ["startupProbe"]);
    assert!(probes(&named(&run, "app")).is_empty());
}

/// Issue 26 item 4: compose waits on the image's HEALTHCHECK (or refuses to
/// start without one); podlift cannot see it and says so. Fails on the old
/// main: nothing was said.
#[test]
fn service_healthy_on_a_service_without_a_check_is_warned() {
    let compose = "services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis\n    healthcheck:\n      test: [CMD, redis-cli, ping]\n  app:\n    image: app\n    depends_on:\n      db: {condition: service_healthy}\n      cache: {condition: service_healthy}\n";
    let run = convert(compose, &[]);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning[healthy-unknown]"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains(
            "service `app` waits for `db` with `condition: service_healthy`, but `db` has no `healthcheck` in the compose file; compose would wait on its image's `HEALTHCHECK`, or refuse to start if the image has none"
        ),
        "{}",
        warnings[0]
    );
    assert!(
        run.stderr.contains("check the image's `HEALTHCHECK`")
            && run.stderr.contains("`--inspect-images`"),
        "{}",
        run.stderr
    );
    // A disabled check is no check either.
    let disabled = convert(
        "services:\n  db:\n    image: db\n    healthcheck: {disable: true}\n  app:\n    image: app\n    depends_on:\n      db: {condition: service_healthy}\n",
        &[],
    );
    assert!(
        disabled.stderr.contains("warning[healthy-unknown]"),
        "{}",
        disabled.stderr
    );
    // service_started asks for no health check.
    let started = convert(
        "services:\n  db:\n    image: db\n  app:\n    image: app\n    depends_on:\n      db: {condition: service_started}\n",
        &[],
    );
    assert!(
        !started.stderr.contains("healthy-unknown"),
        "{}",
        started.stderr
    );
}

/// Fails on the old main (the key was unknown there, so nothing said why it
/// did nothing).
#[test]
fn a_health_probe_without_a_check_is_warned() {
    let run = convert(
        "services:\n  web:\n    image: web\n    x-podlift: {health-probe: readiness}\n",
        &[],
    );
    assert!(
        run.stderr.contains("warning[health-probe-unused]: `x-podlift.health-probe` of service `web` has no effect: it has no `healthcheck` in the compose file"),
        "{}",
        run.stderr
    );
}
