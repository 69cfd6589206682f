//! The compose keys of issue 20 A and D: `security_opt`, the `pid`/`ipc`/
//! `uts`/`userns_mode` namespaces, `shm_size`, `cpu_shares`/`cpu_quota`/
//! `cpu_period`, `post_start`/`pre_stop`, `group_add`, `annotations`,
//! `label_file`, `domainname`; container-only ports and kompose labels.

use crate::common;

use common::{Run, Test};
use serde_json::{Value, json};

/// Converts verbosely (every note).
fn convert(compose: &str, extra: &[&str]) -> Run {
    common::convert(compose, &[&["-v"], extra].concat())
}

fn container<'a>(spec: &'a Value, name: &str) -> &'a Value {
    spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// The rendered findings with a code, e.g. `warning[host-namespace]`.
fn findings<'a>(run: &'a Run, code: &str) -> Vec<&'a str> {
    run.stderr
        .lines()
        .filter(|l| l.contains(&format!("[{code}]")))
        .collect()
}

#[test]
fn security_opt_becomes_the_container_security_context() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    security_opt:\n      - no-new-privileges:true\n      - seccomp:unconfined\n      - apparmor=unconfined\n      - label=type:svirt_apache_t\n      - label:level:s0:c100,c200\n  b:\n    image: b\n    restart: always\n    security_opt: [\"no-new-privileges\", \"seccomp=./profiles/strict.json\", \"apparmor=docker-nginx\", \"systempaths=unconfined\"]\n",
        &[],
    );
    let spec = run.pod_spec();
    let a = &container(&spec, "a")["securityContext"];
    assert_eq!(a["allowPrivilegeEscalation"], json!(false));
    assert_eq!(a["seccompProfile"], json!({"type": "Unconfined"}));
    assert_eq!(a["appArmorProfile"], json!({"type": "Unconfined"}));
    assert_eq!(
        a["seLinuxOptions"],
        json!({"type": "svirt_apache_t", "level": "s0:c100,c200"})
    );
    let b = &container(&spec, "b")["securityContext"];
    assert_eq!(b["allowPrivilegeEscalation"], json!(false));
    assert_eq!(
        b["seccompProfile"],
        json!({"type": "Localhost", "localhostProfile": "strict.json"})
    );
    assert_eq!(
        b["appArmorProfile"],
        json!({"type": "Localhost", "localhostProfile": "docker-nginx"})
    );
    let notes = findings(&run, "security-opt");
    assert!(
        notes
            .iter()
            .any(|l| l.contains("note") && l.contains("./profiles/strict.json")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("copy `./profiles/strict.json` to `/var/lib/kubelet/seccomp/strict.json`"),
        "{}",
        run.stderr
    );
    assert!(
        notes.iter().any(|l| l.contains("warning")
            && l.contains(
                "`security_opt: systempaths=unconfined` of service `b` is not carried over"
            )),
        "{}",
        run.stderr
    );
}

#[test]
fn no_new_privileges_beside_privileged_is_reported_not_written() {
    // The API server refuses allowPrivilegeEscalation: false with privileged: true.
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    privileged: true\n    security_opt: [no-new-privileges]\n",
        &[],
    );
    let security = &run.pod_spec()["containers"][0]["securityContext"];
    assert_eq!(security["privileged"], json!(true));
    assert!(security.get("allowPrivilegeEscalation").is_none());
    assert_eq!(findings(&run, "security-opt").len(), 1, "{}", run.stderr);
}

/// Docker takes `sys_admin` and `cap_sys_admin` as `SYS_ADMIN`: the same
/// refusal applies. (A lowercase name wrote a Pod the API server refuses.)
#[test]
fn no_new_privileges_beside_a_lowercase_sys_admin_is_reported_not_written() {
    for cap in ["sys_admin", "cap_sys_admin", "all"] {
        let run = convert(
            &format!(
                "services:\n  a:\n    image: a\n    restart: always\n    cap_add: [{cap}]\n    security_opt: [no-new-privileges]\n"
            ),
            &[],
        );
        let security = &run.pod_spec()["containers"][0]["securityContext"];
        assert!(security.get("allowPrivilegeEscalation").is_none(), "{cap}");
        assert_eq!(
            findings(&run, "security-opt").len(),
            1,
            "{cap}: {}",
            run.stderr
        );
    }
}

#[test]
fn host_namespaces_are_pod_fields_with_a_warning() {
    let run = convert(
        "services:\n  agent:\n    image: agent\n    restart: always\n    pid: host\n    ipc: host\n    uts: host\n    userns_mode: host\n",
        &[],
    );
    let spec = run.pod_spec();
    assert_eq!(spec["hostPID"], json!(true));
    assert_eq!(spec["hostIPC"], json!(true));
    assert_eq!(spec["hostUsers"], json!(true));
    assert!(spec.get("shareProcessNamespace").is_none());
    let host = findings(&run, "host-namespace");
    assert_eq!(host.len(), 2, "{}", run.stderr);
    assert!(
        host.iter()
            .any(|l| l.contains("`pid: host`") && l.contains("`hostPID: true`"))
    );
    assert!(
        host.iter()
            .any(|l| l.contains("`ipc: host`") && l.contains("`hostIPC: true`"))
    );
    assert!(
        findings(&run, "key-not-carried")
            .iter()
            .any(|l| l.contains("`uts: host` of service `agent` is not carried over")),
        "{}",
        run.stderr
    );
}

#[test]
fn pid_of_another_service_shares_the_pods_process_namespace() {
    let run = convert(
        "services:\n  app:\n    image: app\n    restart: always\n  debug:\n    image: debug\n    restart: always\n    pid: service:app\n    ipc: service:app\n",
        &[],
    );
    let spec = run.pod_spec();
    assert_eq!(spec["shareProcessNamespace"], json!(true));
    assert!(spec.get("hostIPC").is_none());
    let notes = findings(&run, "namespace-shared");
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(notes[0].contains("PID 1 is the Pod's pause process"));
}

#[test]
fn split_keeps_pod_level_process_settings_to_their_own_pod() {
    let run = convert(
        "services:\n  app:\n    image: app\n    restart: always\n    ports: [\"80:80\"]\n  debug:\n    image: debug\n    restart: always\n    pid: service:app\n    ipc: service:app\n  agent:\n    image: agent\n    restart: always\n    pid: host\n    group_add: [\"44\"]\n",
        &["--strategy", "split"],
    );
    let objects = run.objects();
    let spec_of = |suffix: &str| {
        objects
            .iter()
            .find(|o| {
                o["kind"] == "Deployment"
                    && o["metadata"]["name"].as_str().unwrap().ends_with(suffix)
            })
            .unwrap_or_else(|| panic!("no Deployment for {suffix}"))["spec"]["template"]["spec"]
            .clone()
    };
    let agent = spec_of("-agent");
    assert_eq!(agent["hostPID"], json!(true));
    assert_eq!(agent["securityContext"]["supplementalGroups"], json!([44]));
    let app = spec_of("-app");
    assert!(app.get("hostPID").is_none(), "{app}");
    assert!(
        app.get("securityContext")
            .is_none_or(|s| s.get("supplementalGroups").is_none())
    );
    let notes = findings(&run, "namespace-shared");
    for key in ["pid", "ipc"] {
        assert!(
            notes.iter().any(|l| l.contains(&format!(
                "service `debug` shares its `{key}` namespace with `app`, which runs in another Pod"
            ))),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn shm_size_is_a_memory_empty_dir_at_dev_shm() {
    let run = convert(
        "services:\n  db:\n    image: postgres:16\n    restart: always\n    shm_size: 256m\n  backup:\n    image: b\n    restart: always\n    volumes_from: [db]\n  other:\n    image: o\n    restart: always\n    shm_size: 1g\n    tmpfs: [\"/dev/shm:size=64m\"]\n",
        &[],
    );
    let spec = run.pod_spec();
    let db = container(&spec, "db");
    let mount = db["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/dev/shm")
        .expect("a /dev/shm mount");
    let volume = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    assert_eq!(
        volume["emptyDir"],
        json!({"medium": "Memory", "sizeLimit": "256Mi"})
    );
    // The service's own `/dev/shm` mount wins: one mount there, not two.
    let other = container(&spec, "other");
    let at_shm: Vec<&Value> = other["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["mountPath"] == "/dev/shm")
        .collect();
    assert_eq!(at_shm.len(), 1, "{other}");
    // `volumes_from` takes the volumes, never the other's `/dev/shm`.
    let backup = container(&spec, "backup");
    assert!(backup.get("volumeMounts").is_none(), "{backup}");
}

#[test]
fn cpu_shares_and_quota_become_request_and_limit() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    cpu_shares: 512\n    cpu_quota: 150000\n    cpu_period: 100000\n  b:\n    image: b\n    restart: always\n    cpu_quota: 25000\n    cpu_period: 50000\n  c:\n    image: c\n    restart: always\n    cpus: 2\n    cpu_quota: 50000\n",
        &[],
    );
    let spec = run.pod_spec();
    assert_eq!(
        container(&spec, "a")["resources"],
        json!({"limits": {"cpu": "1500m"}, "requests": {"cpu": "500m"}})
    );
    assert_eq!(
        container(&spec, "b")["resources"],
        json!({"limits": {"cpu": "500m"}})
    );
    // `cpus` is the limit compose users write; it wins.
    assert_eq!(
        container(&spec, "c")["resources"],
        json!({"limits": {"cpu": "2000m"}})
    );
    assert!(
        findings(&run, "key-not-carried").is_empty(),
        "{}",
        run.stderr
    );
}

#[test]
fn hooks_become_lifecycle_exec_handlers() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    post_start:\n      - command: [\"sh\", \"-c\", \"echo $$(date) > /tmp/up\"]\n        user: root\n        environment: {A: b}\n      - command: touch /tmp/second\n    pre_stop:\n      - command: nginx -s quit\n",
        &[],
    );
    let a = container(&run.pod_spec(), "a").clone();
    assert_eq!(
        a["lifecycle"],
        json!({
            "postStart": {"exec": {"command": ["sh", "-c", "echo $(date) > /tmp/up"]}},
            "preStop": {"exec": {"command": ["nginx", "-s", "quit"]}}
        })
    );
    let lost = findings(&run, "hook-not-carried");
    assert_eq!(lost.len(), 2, "{}", run.stderr);
    assert!(
        lost.iter()
            .any(|l| l.contains("sets `user`, `environment`"))
    );
    assert!(
        lost.iter()
            .any(|l| l.contains("more than one `post_start` hook"))
    );
}

#[test]
fn a_hook_without_a_command_is_an_error() {
    let dir =
        common::compose_dir("services:\n  a:\n    image: a\n    pre_stop:\n      - user: root\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(run.stderr.contains("error[hook-invalid]"), "{}", run.stderr);
    assert!(run.stderr.contains("compose.yaml:5"), "{}", run.stderr);
}

#[test]
fn group_add_becomes_supplemental_groups_and_names_are_reported() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    group_add: [\"100\", 44, video]\n  b:\n    image: b\n    restart: always\n    group_add: [\"44\"]\n",
        &[],
    );
    assert_eq!(
        run.pod_spec()["securityContext"]["supplementalGroups"],
        json!([44, 100])
    );
    let names = findings(&run, "user-name");
    assert_eq!(names.len(), 1, "{}", run.stderr);
    assert!(names[0].contains("`group_add: video`"));
}

#[test]
fn annotations_and_label_file_become_pod_annotations() {
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    restart: always\n    label_file: ./app.labels\n    labels:\n      team: web\n    annotations:\n      example.com/owner: ops\n  b:\n    image: b\n    restart: always\n    annotations: [\"example.com/tier=back\"]\n",
    );
    std::fs::write(
        dir.path().join("app.labels"),
        "team=from-file\ncom.example.release=7\n",
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-v"])
        .success();
    let objects = run.objects();
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let annotations = &deployment["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["team"], "web", "`labels` win over `label_file`");
    assert_eq!(annotations["com.example.release"], "7");
    assert_eq!(annotations["example.com/owner"], "ops");
    assert_eq!(annotations["example.com/tier"], "back");
    assert!(!run.stderr.contains("pod-wide-differs"), "{}", run.stderr);
}

#[test]
fn a_key_listed_twice_in_one_service_keeps_its_last_value_as_compose_does() {
    // compose reads `labels`, `annotations` and `sysctls` as mappings: of
    // `[f=1, f=2]` it keeps `f: "2"`, and it is no disagreement between services.
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    restart: always\n    labels: [\"f=1\", \"f=2\"]\n    annotations: [\"g=1\", \"g=2\"]\n    sysctls: [\"net.ipv4.tcp_syncookies=1\", \"net.ipv4.tcp_syncookies=0\"]\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(!run.stderr.contains("pod-wide-differs"), "{}", run.stderr);
    let template = &run
        .objects()
        .into_iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap()["spec"]["template"];
    assert_eq!(template["metadata"]["annotations"]["f"], "2");
    assert_eq!(template["metadata"]["annotations"]["g"], "2");
    // one sysctl of each name: the API server refuses a Pod that names one twice
    assert_eq!(
        template["spec"]["securityContext"]["sysctls"],
        serde_json::json!([{"name": "net.ipv4.tcp_syncookies", "value": "0"}])
    );
}

#[test]
fn an_unreadable_label_file_is_an_error_with_its_line() {
    let dir =
        common::compose_dir("services:\n  a:\n    image: a\n    label_file: ./missing.labels\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(
        run.stderr.contains("error[label-file-unreadable]")
            && run.stderr.contains("compose.yaml:4"),
        "{}",
        run.stderr
    );
}

#[test]
fn domainname_is_reported_with_what_to_do() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    domainname: corp.example\n",
        &[],
    );
    let found = findings(&run, "key-not-carried");
    assert_eq!(found.len(), 1, "{}", run.stderr);
    assert!(found[0].contains("`domainname`") && found[0].contains("`subdomain`"));
    assert!(run.pod_spec().get("subdomain").is_none());
}

#[test]
fn a_container_only_port_gets_a_service_a_host_address_one_does_not() {
    let run = convert(
        "services:\n  cache:\n    image: redis:7\n    restart: always\n    ports: [\"6379\"]\n  db:\n    image: postgres:16\n    restart: always\n    ports: [\"127.0.0.1::5432\", \"127.0.0.1:5433:5433\"]\n",
        &[],
    );
    let objects = run.objects();
    let services: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Service").collect();
    assert_eq!(services.len(), 1, "{}", run.stdout);
    assert_eq!(services[0]["metadata"]["name"], "cache");
    assert_eq!(
        services[0]["spec"]["ports"],
        json!([{"name": "tcp-6379", "port": 6379, "protocol": "TCP", "targetPort": 6379}])
    );
    let host_only = findings(&run, "port-host-only");
    assert_eq!(host_only.len(), 1, "{}", run.stderr);
    assert!(
        host_only[0].contains("`127.0.0.1::5432/tcp` of `db`"),
        "{}",
        run.stderr
    );
    assert!(host_only[0].contains("`127.0.0.1:5433:5433/tcp` of `db`"));
}

#[test]
fn kompose_labels_get_one_note_not_annotations() {
    let run = convert(
        "services:\n  web:\n    image: nginx\n    restart: always\n    labels:\n      kompose.service.type: nodeport\n      kompose.service.expose: \"true\"\n      app.tier: front\n  api:\n    image: api\n    restart: always\n    labels:\n      kompose.service.type: loadbalancer\n",
        &[],
    );
    let objects = run.objects();
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        .as_object()
        .unwrap();
    assert!(
        annotations.keys().all(|k| !k.starts_with("kompose.")),
        "{annotations:?}"
    );
    assert_eq!(annotations["app.tier"], "front");
    let notes = findings(&run, "kompose-label");
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(notes[0].contains("`kompose.service.expose`, `kompose.service.type`"));
    assert!(!run.stderr.contains("pod-wide-differs"), "{}", run.stderr);
}

#[test]
fn config_prints_hooks_as_compose_v2_does() {
    // `docker compose config --format json` (v2.40.3) on this file prints
    // `[{"command": ["echo", "a b"], "privileged": true, "environment": {"A": "b", "C": null}}]`.
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a\n    pre_stop:\n      - command: echo \"a b\"\n        environment: [\"A=b\", \"C\"]\n        privileged: \"yes\"\n    post_start:\n      - command: [\"true\"]\n        privileged: false\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["config", "--format", "json"])
        .success();
    let config: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        config["services"]["a"]["pre_stop"],
        json!([{"command": ["echo", "a b"], "privileged": true, "environment": {"A": "b", "C": null}}])
    );
    assert_eq!(
        config["services"]["a"]["post_start"],
        json!([{"command": ["true"]}])
    );
}

#[test]
fn sharing_the_namespace_of_an_unknown_service_is_an_error_as_in_compose() {
    // compose v2.40.3: `service "a" depends on undefined service "nope"`.
    let dir = common::compose_dir("services:\n  a:\n    image: a\n    pid: service:nope\n");
    for command in ["convert", "config"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args([command])
            .failure(1);
        assert!(
            run.stderr.contains("error[depends-on-unknown]")
                && run.stderr.contains("shares `pid` with `nope`")
                && run.stderr.contains("compose.yaml:4"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn sharing_with_a_container_outside_the_project_is_reported() {
    let run = convert(
        "services:\n  a:\n    image: a\n    restart: always\n    pid: container:legacy_db_1\n  b:\n    image: b\n    restart: always\n    container_name: known\n  c:\n    image: c\n    restart: always\n    ipc: container:known\n",
        &[],
    );
    let found = findings(&run, "key-not-carried");
    assert_eq!(found.len(), 1, "{}", run.stderr);
    assert!(found[0].contains("shares `pid` with container `legacy_db_1`"));
}

/// Fails on main: one service's `group_add` became every container's
/// supplementary groups (and its `sysctls`, `dns` every container's) without
/// a word.
#[test]
fn one_services_pod_wide_settings_are_reported_with_the_services_that_gain_them() {
    let text = "services:\n  web:\n    image: nginx:1.25\n    restart: always\n    user: \"101:101\"\n  backup:\n    image: alpine:3.19\n    restart: always\n    user: \"1000:1000\"\n    group_add: [\"0\", \"6\"]\n    dns: [10.0.0.53]\n    sysctls: [net.ipv4.tcp_syncookies=1]\n";
    let run = convert(text, &[]);
    assert_eq!(
        run.pod_spec()["securityContext"]["supplementalGroups"],
        json!([0, 6])
    );
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning[pod-wide-widened]"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains("`group_add` of `backup`")
            && warnings[0].contains("`supplementalGroups: [0, 6]`")
            && warnings[0].contains("`web` gains 0, 6"),
        "{}",
        warnings[0]
    );
    assert!(run.stderr.contains("compose.yaml:10:17"), "{}", run.stderr);
    for key in ["`dns` of `backup`", "`sysctls` of `backup`"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains("note[pod-wide-widened]")
                    && l.contains(key)
                    && l.contains("`web` gets it too")),
            "{key}: {}",
            run.stderr
        );
    }
    // each in a Pod of its own: nothing is widened
    let split = convert(text, &["--strategy", "split"]);
    assert!(
        !split.stderr.contains("pod-wide-widened"),
        "{}",
        split.stderr
    );
}
