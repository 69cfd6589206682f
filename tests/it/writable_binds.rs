//! Writable bind mounts stay writable (issue 27 item 3): an empty directory
//! is an `emptyDir` shared in the Pod, never an empty ConfigMap; a writable
//! bind with files is copied into a writable volume by the `podlift-copy`
//! init container (whose script is run here, in a shell, on a directory laid
//! out as the kubelet lays out a ConfigMap volume); `:ro` stays a ConfigMap;
//! a relative bind that cannot be carried never becomes the converting
//! machine's path. Every test fails on the main before it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{self, Run, Test};

/// A project: `compose.yaml` with `text`, an empty `log/`, and `conf/` with
/// a text file and an executable script.
fn project(text: &str) -> tempfile::TempDir {
    let dir = common::compose_dir(text);
    std::fs::create_dir(dir.path().join("log")).unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/app.conf"), "level = info\n").unwrap();
    let script = dir.path().join("conf/start.sh");
    std::fs::write(&script, "#!/bin/sh\necho started\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o750)).unwrap();
    dir
}

fn convert(dir: &Path, args: &[&str]) -> Run {
    common::converting(dir, &[&["-p", "core"], args].concat()).run()
}

fn kinds<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

/// The Pod volume `name`.
fn volume(spec: &Value, name: &str) -> Value {
    spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no volume `{name}` in {spec}"))
        .clone()
}

/// The mount at `path` of container `name` (in `containers`).
fn mount(spec: &Value, name: &str, path: &str) -> Value {
    let container = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container `{name}`"));
    container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == path)
        .unwrap_or_else(|| panic!("`{name}` mounts nothing at `{path}`"))
        .clone()
}

fn copy_container(spec: &Value) -> Option<Value> {
    spec["initContainers"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == "podlift-copy")
        .cloned()
}

const SHARED_LOG: &str = "services:\n  amf:\n    image: amf:1\n    volumes:\n      - ./log:/var/log/open5gs\n  smf:\n    image: smf:1\n    volumes:\n      - ./log:/var/log/open5gs\n  upf:\n    image: upf:1\n    volumes:\n      - ./log/:/logs\n";

/// Fails on the old main: the empty `./log` became an empty ConfigMap,
/// mounted read-only, without a word.
#[test]
fn an_empty_directory_is_one_writable_empty_dir_shared_in_the_pod() {
    let dir = project(SHARED_LOG);
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects = run.objects();
    assert!(kinds(&objects, "ConfigMap").is_empty(), "{}", run.stdout);
    let spec = run.pod_spec();
    let mounts = [
        mount(&spec, "amf", "/var/log/open5gs"),
        mount(&spec, "smf", "/var/log/open5gs"),
        mount(&spec, "upf", "/logs"),
    ];
    let name = mounts[0]["name"].as_str().unwrap();
    for m in &mounts {
        assert_eq!(m["name"], name, "one volume for the one directory: {spec}");
        assert!(m["readOnly"].is_null(), "writable: {m}");
    }
    assert_eq!(volume(&spec, name)["emptyDir"], serde_json::json!({}));
    assert!(copy_container(&spec).is_none(), "nothing to copy");
    assert!(
        run.stderr
            .contains("`./log` → emptyDir `bind-log` (empty), written by `amf`, `smf`, `upf`"),
        "{}",
        run.stderr
    );
}

/// A directory that does not exist is created empty by Docker: the same.
#[test]
fn an_absent_directory_is_an_empty_dir_too() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app:1\n    volumes:\n      - ./data:/data\n",
    );
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let m = mount(&spec, "app", "/data");
    assert!(volume(&spec, m["name"].as_str().unwrap())["emptyDir"].is_object());
    assert!(!run.stdout.contains("hostPath"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("`./data` → emptyDir `bind-data` (empty: it does not exist here"),
        "{}",
        run.stderr
    );
}

/// A private-looking file bound writable: its Secret feeds the copy, no
/// ConfigMap ever holds it, and the service writes its own copy.
#[test]
fn a_writable_private_file_is_copied_from_its_secret() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app:1\n    volumes:\n      - ./.env:/app/.env\n",
    );
    std::fs::write(dir.path().join(".env"), "TOKEN=abc\n").unwrap();
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects = run.objects();
    assert!(kinds(&objects, "ConfigMap").is_empty(), "{}", run.stdout);
    let spec = run.pod_spec();
    let m = mount(&spec, "app", "/app/.env");
    assert!(m["readOnly"].is_null());
    assert_eq!(m["subPath"], ".env");
    assert!(volume(&spec, m["name"].as_str().unwrap())["emptyDir"].is_object());
    let copy = copy_container(&spec).unwrap();
    let from = copy["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["readOnly"] == true)
        .unwrap()
        .clone();
    assert!(volume(&spec, from["name"].as_str().unwrap())["secret"].is_object());
    let script = copy["command"][2].as_str().unwrap();
    assert!(script.contains("c '.env' '.env' 6"), "{script}");
}

const CONF: &str = "services:\n  app:\n    image: app:1\n    user: \"1000:1000\"\n    volumes:\n      - ./conf:/etc/app\n      - ./conf/app.conf:/etc/single.conf\n  viewer:\n    image: viewer:1\n    volumes:\n      - ./conf:/srv/conf:ro\n";

/// Fails on the old main: `./conf` was a read-only ConfigMap.
#[test]
fn a_writable_directory_is_copied_into_an_empty_dir_before_the_services_start() {
    let dir = project(CONF);
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let target = mount(&spec, "app", "/etc/app");
    assert!(target["readOnly"].is_null(), "{target}");
    let target_name = target["name"].as_str().unwrap();
    assert!(volume(&spec, target_name)["emptyDir"].is_object(), "{spec}");
    // A `:ro` mount of a directory a service writes sees the writer's
    // volume, read-only, as under compose.
    let viewer = mount(&spec, "viewer", "/srv/conf");
    assert_eq!(viewer["name"], target_name);
    assert_eq!(viewer["readOnly"], true);
    // A writable single file: its own volume, mounted by subPath.
    let single = mount(&spec, "app", "/etc/single.conf");
    assert!(single["readOnly"].is_null());
    assert_eq!(single["subPath"], "app.conf");
    assert!(volume(&spec, single["name"].as_str().unwrap())["emptyDir"].is_object());

    let copy = copy_container(&spec).expect("the copy init container");
    assert_eq!(
        spec["initContainers"][0]["name"], "podlift-copy",
        "first: before any service, one-shot or sidecar"
    );
    assert_eq!(copy["image"], "docker.io/library/busybox:1.36.1");
    let security = &copy["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["runAsUser"], 1000, "the writer's user: {security}");
    assert_eq!(security["runAsGroup"], 1000);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
    // The copy reads a ConfigMap volume of every key.
    let mounts = copy["volumeMounts"].as_array().unwrap();
    let from = mounts
        .iter()
        .find(|m| m["readOnly"] == true)
        .expect("the ConfigMap's volume");
    let config = volume(&spec, from["name"].as_str().unwrap());
    let config_name = config["configMap"]["name"].as_str().unwrap();
    assert!(config["configMap"]["items"].is_null());
    let objects = run.objects();
    let map = kinds(&objects, "ConfigMap")
        .into_iter()
        .find(|c| c["metadata"]["name"] == config_name)
        .unwrap();
    assert_eq!(map["data"]["app.conf"], "level = info\n");
    assert!(
        mounts.iter().any(|m| m["name"] == target_name
            && m["mountPath"] == format!("/podlift/copy/to/{target_name}")),
        "{copy}"
    );
    let script = copy["command"][2].as_str().unwrap();
    assert!(
        script.contains(&format!("t='/podlift/copy/to/{target_name}'\n"))
            && script.contains("c 'start.sh' 'start.sh' 750\n"),
        "the script's mode is kept: {script}"
    );
    // `plan` shows it, first, with the volumes it fills.
    let plan = Test::new()
        .current_dir(dir.path())
        .args(["plan", "-p", "core"])
        .run();
    assert!(
        plan.stdout.lines().any(|l| l.trim_start().starts_with("1  podlift-copy  init")
            && l.contains(target_name)),
        "{}",
        plan.stdout
    );
    // The restricted level holds with the copy in the Pod.
    let check = Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "core", "--format", "json"])
        .run();
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        !check.stdout.contains("\"container\": \"podlift-copy\""),
        "the copy is never named among what needs a wider level: {}",
        check.stdout
    );
}

/// Lays out `files` (name → content, mode) as the kubelet lays out a
/// ConfigMap volume: the files in a timestamped directory, `..data` linking
/// to it, and each key a link through `..data`.
fn config_map_volume(root: &Path, files: &[(&str, &str)]) {
    let stamp = root.join("..2026_12_03_12_00_00.000000001");
    std::fs::create_dir_all(&stamp).unwrap();
    for (key, content) in files {
        std::fs::write(stamp.join(key), content).unwrap();
        std::os::unix::fs::symlink(format!("..data/{key}"), root.join(key)).unwrap();
    }
    std::os::unix::fs::symlink(stamp.file_name().unwrap(), root.join("..data")).unwrap();
}

/// The copy's script, run with its paths moved under `root` by busybox's
/// `sh` with only busybox's applets on `PATH`, as in the default init image
/// (the system's `sh` where busybox is missing, outside CI).
fn run_copy(script: &str, root: &Path) -> std::process::Output {
    let moved = script.replace("/podlift/copy/", &format!("{}/", root.display()));
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(busybox) = busybox else {
        common::skip("busybox is not installed; the copy script was run by the system's sh");
        return Command::new("timeout")
            .args(["20", "sh", "-c", &moved])
            .output()
            .unwrap();
    };
    let shim = tempfile::tempdir().unwrap();
    for applet in ["sh", "cat", "chmod", "mv", "echo", "["] {
        std::os::unix::fs::symlink(busybox, shim.path().join(applet)).unwrap();
    }
    Command::new(busybox)
        .args(["timeout", "20", busybox, "sh", "-c", &moved])
        .env("PATH", shim.path())
        .output()
        .unwrap()
}

/// The copy's script really copies: contents and modes arrive, a file the
/// service already changed is kept on a second run (a restarted sandbox,
/// a claim), and it fails loudly when it cannot write.
#[test]
fn the_copy_script_copies_the_files_with_their_modes_once() {
    let dir = project(CONF);
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let copy = copy_container(&spec).unwrap();
    let script = copy["command"][2].as_str().unwrap();
    let root = tempfile::tempdir().unwrap();
    for m in copy["volumeMounts"].as_array().unwrap() {
        let path = m["mountPath"]
            .as_str()
            .unwrap()
            .replace("/podlift/copy/", &format!("{}/", root.path().display()));
        let path = PathBuf::from(path);
        std::fs::create_dir_all(&path).unwrap();
        if m["readOnly"] == true {
            std::fs::remove_dir(&path).unwrap();
            std::fs::create_dir(&path).unwrap();
            let objects = run.objects();
            let name = volume(&spec, m["name"].as_str().unwrap())["configMap"]["name"].clone();
            let map = kinds(&objects, "ConfigMap")
                .into_iter()
                .find(|c| c["metadata"]["name"] == name)
                .unwrap()
                .clone();
            let files: Vec<(&str, &str)> = map["data"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            config_map_volume(&path, &files);
        }
    }
    let output = run_copy(script, root.path());
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let target = mount(&spec, "app", "/etc/app")["name"]
        .as_str()
        .unwrap()
        .to_string();
    let to = root.path().join("to").join(&target);
    let start = to.join("start.sh");
    assert_eq!(
        std::fs::read_to_string(&start).unwrap(),
        "#!/bin/sh\necho started\n"
    );
    assert_eq!(
        std::fs::metadata(&start).unwrap().permissions().mode() & 0o777,
        0o750
    );
    let conf = to.join("app.conf");
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "level = info\n");
    assert_eq!(
        std::fs::metadata(&conf).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert!(
        std::fs::symlink_metadata(&conf)
            .unwrap()
            .file_type()
            .is_file(),
        "a file, not a link into the ConfigMap"
    );
    let single = mount(&spec, "app", "/etc/single.conf")["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        std::fs::read_to_string(root.path().join("to").join(single).join("app.conf")).unwrap(),
        "level = info\n"
    );
    // The service writes; a second run keeps what it wrote.
    std::fs::write(&conf, "level = debug\n").unwrap();
    let output = run_copy(script, root.path());
    assert!(output.status.success());
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "level = debug\n");
    // A volume it cannot write fails the init container (no silent half copy).
    std::fs::remove_file(&start).unwrap();
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o555)).unwrap();
    let output = run_copy(script, root.path());
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root_user {
        assert!(!output.status.success(), "a copy that cannot write fails");
    }
}

/// `:ro` keeps today's ConfigMap, mounted read-only; no copy.
#[test]
fn a_read_only_bind_stays_a_config_map() {
    let dir =
        project("services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app:ro\n");
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let m = mount(&spec, "app", "/etc/app");
    assert_eq!(m["readOnly"], true);
    assert!(volume(&spec, m["name"].as_str().unwrap())["configMap"].is_object());
    assert!(copy_container(&spec).is_none());
    assert!(!run.stderr.contains("bind-writable"), "{}", run.stderr);
}

const VENDOR: &str =
    "services:\n  pyhss:\n    image: pyhss:1\n    volumes:\n      - ./vendor/pyhss:/code\n";

/// A directory with a subdirectory: no ConfigMap can carry it.
fn vendor() -> tempfile::TempDir {
    let dir = common::compose_dir(VENDOR);
    std::fs::create_dir_all(dir.path().join("vendor/pyhss/lib")).unwrap();
    std::fs::write(dir.path().join("vendor/pyhss/lib/hss.py"), "print(1)\n").unwrap();
    dir
}

/// Fails on the old main: it became hostPath `/tmp/…/vendor/pyhss`, this
/// machine's path, with a warning.
#[test]
fn a_relative_bind_that_cannot_be_carried_is_an_error_naming_the_ways_forward() {
    let dir = vendor();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "core"])
        .failure(1);
    assert!(run.stdout.is_empty());
    let stderr = &run.stderr;
    assert!(
        stderr.contains("error[bind-not-carried]: bind mount `./vendor/pyhss` in `services.pyhss.volumes` cannot be carried into the manifests (the directory has subdirectories)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("compose.yaml:5:9"),
        "file and line: {stderr}"
    );
    assert!(
        stderr.contains("`--bind-root DIR` mounts `DIR/vendor/pyhss`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`x-podlift.bind-as: pvc` on `pyhss`"),
        "{stderr}"
    );
    // `config` prints it: compose accepts the file.
    Test::new()
        .current_dir(dir.path())
        .args(["config"])
        .success();
}

/// `--bind-root DIR`: the node's copy of the project, never this machine's path.
#[test]
fn bind_root_maps_the_project_directory_onto_the_node() {
    let dir = vendor();
    let run = convert(dir.path(), &["--bind-root", "/srv/core/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let m = mount(&spec, "pyhss", "/code");
    assert_eq!(
        volume(&spec, m["name"].as_str().unwrap())["hostPath"]["path"],
        "/srv/core/vendor/pyhss"
    );
    let here = dir.path().to_string_lossy().into_owned();
    assert!(!run.stdout.contains(&here), "{}", run.stdout);
    assert!(
        run.stderr.contains("warning[bind-host-path]"),
        "{}",
        run.stderr
    );
    // A relative root would be no node's path either.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--bind-root", "srv"])
        .run();
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// `--bind-as pvc` and `x-podlift.bind-as: pvc`: claims. The carriable
/// content is copied into the claim where absent; the rest starts empty.
#[test]
fn a_claim_is_chosen_by_flag_or_per_service() {
    let text = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app\n      - ./log:/log\n    x-podlift:\n      bind-as: pvc\n  web:\n    image: web:1\n    volumes:\n      - ./log:/weblog\n";
    let dir = project(text);
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let conf = mount(&spec, "app", "/etc/app");
    let claim = volume(&spec, conf["name"].as_str().unwrap());
    assert_eq!(
        claim["persistentVolumeClaim"]["claimName"], "core-bind-conf",
        "{spec}"
    );
    let objects = run.objects();
    assert!(
        kinds(&objects, "PersistentVolumeClaim")
            .iter()
            .any(|c| c["metadata"]["name"] == "core-bind-conf")
    );
    let copy = copy_container(&spec).expect("copied into the claim");
    let script = copy["command"][2].as_str().unwrap();
    assert!(
        script.contains(&format!(
            "t='/podlift/copy/to/{}'\n",
            conf["name"].as_str().unwrap()
        )) && script.contains("c 'app.conf' 'app.conf' 6"),
        "{script}"
    );
    // `web` did not ask, but shares `./log` with `app`: the one claim.
    let web = mount(&spec, "web", "/weblog");
    let app_log = mount(&spec, "app", "/log");
    assert_eq!(web["name"], app_log["name"], "{spec}");
    assert!(volume(&spec, app_log["name"].as_str().unwrap())["persistentVolumeClaim"].is_object());

    // The flag: every writable bind, and the uncarried one (empty, a warning).
    let dir = vendor();
    let run = convert(dir.path(), &["--bind-as", "pvc"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning[bind-claim]"), "{}", run.stderr);
    assert!(!run.stdout.contains("hostPath"), "{}", run.stdout);

    // An unknown value is refused where it is written.
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app:1\n    x-podlift:\n      bind-as: hostpath\n",
    );
    let run = Test::new().current_dir(dir.path()).args(["check"]).run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[bind-as-invalid]"),
        "{}",
        run.stderr
    );
}

/// Fails on main: the copy runs as a non-root user, and a fresh claim's
/// root is `root:root 0755` on many storage classes, so it could not write.
/// The Pod's `fsGroup` (the copy's group) makes the claim's root writable
/// by it, changed only when the root's group is not that yet; a Pod whose
/// copies fill only `emptyDir`s (created writable by all) gets none.
#[test]
fn a_copy_into_a_claim_can_write_the_claims_root() {
    let fs_group = |run: &Run| {
        let spec = run.pod_spec();
        (
            spec["securityContext"]["fsGroup"].clone(),
            spec["securityContext"]["fsGroupChangePolicy"].clone(),
        )
    };
    let claim = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app\n    x-podlift:\n      bind-as: pvc\n";
    let run = convert(project(claim).path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copy = copy_container(&run.pod_spec()).expect("copied into the claim");
    assert_eq!(copy["securityContext"]["runAsGroup"], 65_534);
    assert_eq!(
        fs_group(&run),
        (Value::from(65_534), Value::from("OnRootMismatch"))
    );
    // The services' own user and group: the copy's, and the claim's group.
    let own = "services:\n  app:\n    image: app:1\n    user: '1000:3000'\n    volumes:\n      - ./conf:/etc/app\n    x-podlift:\n      bind-as: pvc\n";
    let run = convert(project(own).path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let spec = run.pod_spec();
    let copy = copy_container(&spec).unwrap();
    assert_eq!(copy["securityContext"]["runAsUser"], 1000);
    assert_eq!(
        fs_group(&run),
        (Value::from(3000), Value::from("OnRootMismatch"))
    );
    // No claim to fill: no fsGroup.
    let empty_dir = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app\n";
    let run = convert(project(empty_dir).path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(copy_container(&run.pod_spec()).is_some());
    assert_eq!(fs_group(&run), (Value::Null, Value::Null));
    // The Pod Security level does not change: `fsGroup` is no rule's concern.
    let level = |text: &str| {
        let run = convert(project(text).path(), &["-n", "core", "--create-namespace"]);
        run.objects()
            .into_iter()
            .find(|o| o["kind"] == "Namespace")
            .unwrap()["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
            .clone()
    };
    assert_eq!(level(claim), level(empty_dir));
}

/// Under `--strategy split`, each Pod gets its own volume of the shared
/// directory, and a note says so.
#[test]
fn services_in_different_pods_each_get_their_own_volume() {
    let dir = project(SHARED_LOG);
    let run = convert(dir.path(), &["--strategy", "split"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects = run.objects();
    let deployments = kinds(&objects, "Deployment");
    assert_eq!(deployments.len(), 3);
    for d in deployments {
        let spec = &d["spec"]["template"]["spec"];
        assert!(
            spec["volumes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["emptyDir"].is_object()),
            "{spec}"
        );
    }
    assert!(
        run.stderr.contains("note[bind-not-shared]"),
        "{}",
        run.stderr
    );
    assert!(kinds(&objects, "ConfigMap").is_empty());
}

/// Runs `kubernetes-validate --strict` on `file`.
fn validate_file(validate: &Path, file: &Path, what: &str) {
    common::assert_valid_file_at(validate, file, what, common::KUBE_VERSION);
}

/// Whether `program ARGS` runs here.
fn works(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

const MIXED: &str = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app\n      - ./log:/log\n  db:\n    image: db:1\n    volumes:\n      - ./log:/log\n    x-podlift:\n      bind-as: pvc\n";

/// Every output format stays valid with the copy, its ConfigMap, the
/// claims: the stream (three controllers/strategies), Kustomize, Helm.
#[test]
fn every_format_stays_valid() {
    let validate = common::repo().join(".venv/bin/kubernetes-validate");
    if !works(&validate, &["--version"]) {
        common::skip("kubernetes-validate is not available");
        return;
    }
    let dir = project(MIXED);
    for args in [
        &[][..],
        &["--controller", "statefulset"][..],
        &["--strategy", "split"][..],
    ] {
        let run = convert(dir.path(), args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let file = dir.path().join("out.yaml");
        std::fs::write(&file, &run.stdout).unwrap();
        validate_file(&validate, &file, &format!("{args:?}"));
    }
    let base = dir.path().join("base");
    let run = convert(
        dir.path(),
        &["--format", "kustomize", "-o", base.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    if works(Path::new("kubectl"), &["version", "--client"]) {
        let output = Command::new("kubectl")
            .args(["kustomize", base.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let file = dir.path().join("kustomized.yaml");
        std::fs::write(&file, &output.stdout).unwrap();
        validate_file(&validate, &file, "kustomize");
        assert!(String::from_utf8_lossy(&output.stdout).contains("podlift-copy"));
    } else {
        common::skip("kubectl is not available");
    }
}

/// The Helm chart lints, renders the copy, and what it renders is valid.
#[test]
fn the_helm_chart_stays_valid() {
    let validate = common::repo().join(".venv/bin/kubernetes-validate");
    let helm = std::env::var_os("HELM")
        .map_or_else(|| common::repo().join(".venv/bin/helm"), PathBuf::from);
    if !works(&helm, &["version"]) || !works(&validate, &["--version"]) {
        common::skip("helm or kubernetes-validate is not available");
        return;
    }
    let dir = project(MIXED);
    let chart = dir.path().join("chart");
    let run = convert(
        dir.path(),
        &["--format", "helm", "-o", chart.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(works(&helm, &["lint", "--strict", chart.to_str().unwrap()]));
    let rendered = Command::new(&helm)
        .args([
            "template",
            "r",
            chart.to_str().unwrap(),
            "--kube-version",
            "1.33.0",
        ])
        .output()
        .unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let file = dir.path().join("rendered.yaml");
    std::fs::write(&file, &rendered.stdout).unwrap();
    validate_file(&validate, &file, "helm");
    assert!(String::from_utf8_lossy(&rendered.stdout).contains("podlift-copy"));
}

/// `fsGroup` is Pod-wide: the kubelet gives every file of every claim of
/// the Pod that group, group-writable, whenever a claim's root is not
/// already its (`OnRootMismatch`). A database's claim in the same Pod
/// (postgres refuses a data directory writable by its group) would be
/// changed on its second start; podlift writes no `fsGroup` then, and says
/// so. The same with a StatefulSet's claim templates.
#[test]
fn the_copys_fs_group_never_changes_a_claim_it_does_not_fill() {
    let text = "services:\n  db:\n    image: postgres:16\n    volumes: [pgdata:/var/lib/postgresql/data]\n  app:\n    image: app:1\n    user: '1000:1000'\n    volumes:\n      - ./conf:/etc/app\n    x-podlift:\n      bind-as: pvc\nvolumes:\n  pgdata: {}\n";
    for controller in ["deployment", "statefulset"] {
        let run = convert(project(text).path(), &["--controller", controller]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let spec = run
            .objects()
            .into_iter()
            .find(|o| o["kind"] == "Deployment" || o["kind"] == "StatefulSet")
            .unwrap()["spec"]["template"]["spec"]
            .clone();
        assert!(copy_container(&spec).is_some(), "{controller}");
        assert_eq!(
            spec["securityContext"]["fsGroup"],
            Value::Null,
            "{controller}"
        );
        assert_eq!(
            spec["securityContext"]["fsGroupChangePolicy"],
            Value::Null,
            "{controller}"
        );
        assert!(
            run.stderr.contains("warning[copy-claim-group]")
                && run.stderr.contains("claim `core-pgdata`")
                && run.stderr.contains("`core-bind-conf`"),
            "{controller}: {}",
            run.stderr
        );
    }
    // an external claim holds data podlift never saw
    let external = text.replace("pgdata: {}", "pgdata: {external: true}");
    let run = convert(project(&external).path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.pod_spec()["securityContext"]["fsGroup"], Value::Null);
    // without it, the copy's claim gets its group as before, and no warning
    let alone = "services:\n  app:\n    image: app:1\n    user: '1000:1000'\n    volumes:\n      - ./conf:/etc/app\n    x-podlift:\n      bind-as: pvc\n";
    let run = convert(project(alone).path(), &[]);
    assert_eq!(run.pod_spec()["securityContext"]["fsGroup"], 1000);
    assert!(!run.stderr.contains("copy-claim-group"), "{}", run.stderr);
}

#[test]
fn pods_that_share_a_filled_claim_get_no_fs_group_that_would_regroup_it_in_turn() {
    // split: two Pods mount one claim; a Pod-wide `fsGroup` each (1000,
    // 2000) would make the kubelet regroup the claim at every Pod start
    let text = "services:\n  a:\n    image: a:1\n    user: '1000:1000'\n    volumes:\n      - ./data:/data\n    x-podlift:\n      bind-as: pvc\n  b:\n    image: b:1\n    user: '2000:2000'\n    volumes:\n      - ./data:/data\n    x-podlift:\n      bind-as: pvc\n";
    let dir = project(text);
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/a.txt"), "hi\n").unwrap();
    let run = convert(dir.path(), &["--strategy", "split"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let workloads: Vec<Value> = run
        .objects()
        .into_iter()
        .filter(|o| o["kind"] == "Deployment")
        .collect();
    assert_eq!(workloads.len(), 2);
    for workload in &workloads {
        let spec = &workload["spec"]["template"]["spec"];
        assert!(copy_container(spec).is_some(), "{workload}");
        assert_eq!(
            spec["securityContext"]["fsGroup"],
            Value::Null,
            "{workload}"
        );
    }
    assert!(
        run.stderr.contains("warning[copy-claim-group]") && run.stderr.contains("another Pod"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_secret_kept_from_its_group_withholds_the_fs_group_that_would_open_it() {
    // with `fsGroup` the kubelet makes a secret file `0400` into `0440`,
    // readable by every container of the Pod (each holds the group)
    let compose = |mode: &str| {
        format!(
            "services:\n  a:\n    image: a:1\n    user: '1000:1000'\n    volumes:\n      - ./data:/data\n    x-podlift:\n      bind-as: pvc\n    secrets:\n      - source: token\n        mode: {mode}\nsecrets:\n  token:\n    file: ./token.txt\n"
        )
    };
    for (mode, group) in [("0400", Value::Null), ("0440", Value::from(1000))] {
        let dir = project(&compose(mode));
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/a.txt"), "hi\n").unwrap();
        std::fs::write(dir.path().join("token.txt"), "s3cret\n").unwrap();
        let run = convert(dir.path(), &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(copy_container(&run.pod_spec()).is_some());
        assert_eq!(
            run.pod_spec()["securityContext"]["fsGroup"],
            group,
            "{mode}"
        );
        assert_eq!(
            run.stderr.contains("warning[copy-claim-group]")
                && run.stderr.contains("(mode `0400`) readable by that group"),
            group.is_null(),
            "{mode}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_named_volume_that_several_pods_mount_is_reported_as_one_node_only() {
    // two services share a volume but not a port: auto splits them, and
    // both Pods mount the one ReadWriteOnce claim (Multi-Attach elsewhere)
    let text = "services:\n  a:\n    image: a:1\n    ports: ['80:80']\n    volumes:\n      - data:/data\n  b:\n    image: b:1\n    ports: ['8080:80']\n    volumes:\n      - data:/srv/data:ro\n  c:\n    image: c:1\n    volumes:\n      - logs:/logs\nvolumes:\n  data: {}\n  logs: {}\n";
    let dir = project(text);
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning[claim-shared]"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains("-data`") && warnings[0].contains("ReadWriteOnce"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:6:"), "{}", run.stderr);
    // one Pod of every service: nothing to report
    let run = convert(dir.path(), &["--strategy", "pod"]);
    assert!(!run.stderr.contains("claim-shared"), "{}", run.stderr);
}

/// What a service writes into a bind of the project's directory survives
/// under compose; in an `emptyDir` it is lost when the Pod is replaced: a
/// warning (fails `--strict`, unless allowed), a note once claims keep it
/// (round 9: mastodon's and immich's database directories, bound from the
/// project, became `emptyDir`s with only a note).
#[test]
fn a_writable_bind_that_becomes_an_emptydir_is_a_warning_and_a_claim_a_note() {
    let dir = project(
        "services:\n  db:\n    image: postgres:16\n    volumes:\n      - ./pgdata:/var/lib/postgresql/data\n",
    );
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning[bind-writable]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("lost when the Pod is replaced"),
        "{}",
        run.stderr
    );
    let strict = convert(dir.path(), &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stdout.is_empty());
    let allowed = convert(dir.path(), &["--strict", "--allow", "bind-writable"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    let claimed = convert(dir.path(), &["--strict", "--bind-as", "pvc"]);
    assert_eq!(claimed.code, 0, "{}", claimed.stderr);
    assert!(
        claimed.stderr.contains("note[bind-writable]"),
        "{}",
        claimed.stderr
    );
    let objects = common::documents(&claimed.stdout);
    assert_eq!(
        kinds(&objects, "PersistentVolumeClaim").len(),
        1,
        "{}",
        claimed.stdout
    );
}
