//! Every container gets its own anonymous volume, in both strategies; a note
//! says that an emptyDir or a new claim starts empty, while Docker copies the
//! image's files into a new volume (issue 14, item 5).

use crate::common;

use serde_json::Value;

use common::Test;

const COMPOSE: &str = "services:
  web:
    image: web
    volumes: [/app/node_modules]
    tmpfs: [/tmp]
  worker:
    image: worker
    volumes: [/app/node_modules, data:/data]
    tmpfs: [/tmp]
volumes:
  data: {}
";

/// (container, mount path) → volume name, over every workload.
fn mounts(objects: &[Value]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for workload in objects.iter().filter(|o| o["kind"] == "Deployment") {
        let spec = &workload["spec"]["template"]["spec"];
        for container in spec["containers"].as_array().unwrap() {
            for mount in container["volumeMounts"].as_array().unwrap() {
                out.push((
                    container["name"].as_str().unwrap().to_string(),
                    mount["mountPath"].as_str().unwrap().to_string(),
                    mount["name"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

fn volume_of<'a>(mounts: &'a [(String, String, String)], container: &str, path: &str) -> &'a str {
    &mounts
        .iter()
        .find(|(c, p, _)| c == container && p == path)
        .unwrap()
        .2
}

/// Fails on the old main: both containers mounted one emptyDir named after `web`.
#[test]
fn each_container_has_its_own_anonymous_volume() {
    for strategy in ["pod", "split"] {
        let dir = common::compose_dir(COMPOSE);
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "--strategy", strategy])
            .success();
        let mounts = mounts(&run.objects());
        for path in ["/app/node_modules", "/tmp"] {
            let web = volume_of(&mounts, "web", path);
            let worker = volume_of(&mounts, "worker", path);
            assert_ne!(web, worker, "{strategy}: {path} shared");
            assert!(web.starts_with("web-"), "{strategy}: {web}");
            assert!(worker.starts_with("worker-"), "{strategy}: {worker}");
        }
        assert_eq!(
            run.stderr.matches("note[volume-starts-empty]").count(),
            1,
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(
                "`web:/app/node_modules`, `worker:/app/node_modules`, `worker:/data` (volume `data`) start empty"
            ),
            "{}",
            run.stderr
        );
    }
}

/// Two anonymous volumes of one service are two volumes too.
#[test]
fn two_anonymous_volumes_of_one_service_are_two() {
    let dir = common::compose_dir("services:\n  app:\n    image: app\n    volumes: [/a, /b]\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    let mounts = mounts(&run.objects());
    assert_ne!(
        volume_of(&mounts, "app", "/a"),
        volume_of(&mounts, "app", "/b")
    );
}
