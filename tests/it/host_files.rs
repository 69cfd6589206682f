//! Host files (issue 25, classes 1, 3, 5 and 6): every file a compose
//! project names is resolved through all links and decided on its target;
//! nothing outside the project is inlined without `--allow-outside`; a
//! kernel file, FIFO or device is never read; `include` diamonds cost one
//! load per file; a file that is not YAML is never shown; every variable
//! interpolation takes from the shell is named, never valued.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::Run;

/// Far above what any case needs; a case that gets here hangs.
const TIMEOUT: Duration = Duration::from_mins(1);

const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/// `podlift ARGS` in `dir`, bounded in time, with `env` set.
fn podlift(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut test = common::Test::new()
        .current_dir(dir)
        .args(args)
        .timeout(TIMEOUT);
    for (k, v) in env {
        test = test.env(k, v);
    }
    test.run()
}

fn convert(dir: &Path, extra: &[&str]) -> Run {
    podlift(dir, &[&["convert", "-p", "p"], extra].concat(), &[])
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// The one service `app` naming `file` by each kind of key that inlines a
/// host file, one compose file per kind.
fn every_kind(file: &str) -> Vec<(&'static str, String)> {
    let service = "services:\n  app:\n    image: busybox\n";
    vec![
        (
            "configs",
            format!("{service}    configs: [c]\nconfigs:\n  c:\n    file: \"{file}\"\n"),
        ),
        (
            "secrets",
            format!("{service}    secrets: [s]\nsecrets:\n  s:\n    file: \"{file}\"\n"),
        ),
        ("env_file", format!("{service}    env_file: \"{file}\"\n")),
        (
            "label_file",
            format!("{service}    label_file: \"{file}\"\n"),
        ),
        ("include", format!("include: [\"{file}\"]\n{service}")),
        (
            "extends",
            format!("services:\n  app:\n    extends: {{file: \"{file}\", service: base}}\n"),
        ),
    ]
}

/// Fails on the old main: `/etc/passwd` went into a ConfigMap, the outside
/// env file into the Deployment's `env`, with no word.
#[test]
fn files_outside_the_project_are_not_inlined_without_a_flag() {
    let outside = tempfile::tempdir().unwrap();
    // Valid as a compose file, an env file and a label file at once.
    write(
        outside.path(),
        "shared/base.yaml",
        "X_SECRET: leaked-value\n",
    );
    let shared = outside.path().join("shared");
    let absolute = shared.join("base.yaml");
    let home = outside.path().to_str().unwrap().to_string();
    for written in [
        absolute.to_str().unwrap().to_string(),
        "../outside/shared/base.yaml".to_string(),
        "${HOME}/shared/base.yaml".to_string(),
        "./link/base.yaml".to_string(),
    ] {
        for (kind, text) in every_kind(&written) {
            let root = tempfile::tempdir().unwrap();
            let project = root.path().join("p");
            std::fs::create_dir(&project).unwrap();
            std::os::unix::fs::symlink(outside.path(), root.path().join("outside")).unwrap();
            std::os::unix::fs::symlink(&shared, project.join("link")).unwrap();
            write(&project, "compose.yaml", &text);
            let run = podlift(&project, &["convert", "-p", "p"], &[("HOME", &home)]);
            let context = format!("{kind} `{written}`:\n{}", run.stderr);
            assert_eq!(run.code, 1, "{context}");
            assert!(run.stdout.is_empty(), "{context}");
            assert!(!run.stderr.contains("leaked-value"), "{context}");
            assert!(run.stderr.contains("error[host-file-outside]"), "{context}");
            assert!(
                run.stderr.contains("outside the project directory"),
                "{context}"
            );
            assert!(run.stderr.contains("compose.yaml:"), "{context}");
            assert!(run.stderr.contains("--allow-outside"), "{context}");
            assert!(
                run.stderr.contains("copy the file into the project"),
                "{context}"
            );
        }
    }
}

/// The user's explicit choice: `--allow-outside DIR` reads files under DIR.
#[test]
fn allow_outside_reads_the_files_under_its_directory() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "app.env", "GREETING=hello-from-outside\n");
    let file = outside.path().join("app.env");
    let dir = common::compose_dir(&format!(
        "services:\n  app:\n    image: busybox\n    env_file: {}\n",
        file.display()
    ));
    let refused = convert(dir.path(), &[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let allowed = convert(
        dir.path(),
        &["--allow-outside", outside.path().to_str().unwrap()],
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(
        allowed.stdout.contains("hello-from-outside"),
        "{}",
        allowed.stdout
    );
    // Another directory does not cover it.
    let other = tempfile::tempdir().unwrap();
    let wrong = convert(
        dir.path(),
        &["--allow-outside", other.path().to_str().unwrap()],
    );
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
}

/// Fails on the old main: the private-file check read the link's name, so
/// `conf/settings.conf -> ../.env` landed in a ConfigMap.
#[test]
fn a_link_to_a_private_file_is_private() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: busybox\n    configs: [settings]\n    volumes: [./conf/mounted.conf:/etc/mounted.conf]\nconfigs:\n  settings:\n    file: ./conf/settings.conf\n",
    );
    write(dir.path(), ".env", "DB_PASSWORD=hunter2\n");
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::os::unix::fs::symlink("../.env", dir.path().join("conf/settings.conf")).unwrap();
    std::os::unix::fs::symlink("../.env", dir.path().join("conf/mounted.conf")).unwrap();
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for object in run.objects() {
        if object["kind"] == "ConfigMap" {
            assert!(
                !object.to_string().contains("hunter2"),
                "a private file's content in a ConfigMap: {object}"
            );
        }
    }
    let secrets: Vec<_> = run
        .objects()
        .into_iter()
        .filter(|o| o["kind"] == "Secret")
        .collect();
    assert!(!secrets.is_empty(), "{}", run.stdout);
}

/// Fails on the old main: podlift's own environment went into a ConfigMap.
#[test]
fn a_link_into_proc_is_never_read() {
    for target in ["/proc/self/environ", "/dev/zero", "/sys/kernel/mm"] {
        for (kind, text) in every_kind("./conf/file") {
            let dir = common::compose_dir(&text);
            std::fs::create_dir(dir.path().join("conf")).unwrap();
            std::os::unix::fs::symlink(target, dir.path().join("conf/file")).unwrap();
            let run = podlift(
                dir.path(),
                &["convert", "-p", "p", "--allow-outside", "/"],
                &[("CANARY_TOKEN", "canary-5b1e")],
            );
            let context = format!("{kind} -> {target}:\n{}", run.stderr);
            assert_eq!(run.code, 1, "{context}");
            assert!(!run.stderr.contains("canary-5b1e"), "{context}");
            assert!(
                run.stderr.contains("error[host-file-not-regular]"),
                "{context}"
            );
        }
    }
}

/// A bind mount keeps its rule, decided on the target: a link out of the
/// project to a key is an error, to another file a hostPath.
#[test]
fn a_bind_mount_is_decided_on_its_target() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "deploy", KEY);
    let dir = common::compose_dir(
        "services:\n  app:\n    image: busybox\n    volumes: [./innocent.txt:/k]\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("deploy"),
        dir.path().join("innocent.txt"),
    )
    .unwrap();
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[bind-private]"), "{}", run.stderr);
    assert!(!run.stderr.contains("b3BlbnNzaC1rZXktdjEAAAAA"));
}

/// Fails on the old main: these spellings became hostPath volumes.
#[test]
fn every_spelling_of_the_docker_socket_is_the_socket() {
    for written in [
        "/var/run/docker.sock/",
        "/var/run/docker.sock/.",
        "/var/run/../run/docker.sock",
        "/var/run//docker.sock",
        "./sock",
        "./run/docker.sock",
    ] {
        let dir = common::compose_dir(&format!(
            "services:\n  app:\n    image: busybox\n    volumes: [\"{written}:/var/run/docker.sock\"]\n"
        ));
        std::os::unix::fs::symlink("/var/run/docker.sock", dir.path().join("sock")).unwrap();
        std::os::unix::fs::symlink("/var/run", dir.path().join("run")).unwrap();
        let run = convert(dir.path(), &[]);
        assert_eq!(run.code, 1, "{written}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[docker-socket]"),
            "{written}: {}",
            run.stderr
        );
    }
}

/// Fails on the old main (an include diamond of 80 files ran 2^40 steps):
/// each included file is loaded once, and the result is what compose gives.
#[test]
fn an_include_diamond_loads_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    // 40 levels of two files each: 80 files, 2^40 loads on the old main.
    let levels = 40;
    for level in 0..levels {
        let next = level + 1;
        let text = if next == levels {
            format!("services:\n  s{level}: {{image: busybox}}\n")
        } else {
            format!(
                "include: [d{next}.yaml, e{next}.yaml]\nservices:\n  s{level}: {{image: busybox}}\n"
            )
        };
        write(dir.path(), &format!("d{level}.yaml"), &text);
        write(
            dir.path(),
            &format!("e{level}.yaml"),
            &text.replace("  s", "  t"),
        );
    }
    write(
        dir.path(),
        "compose.yaml",
        "include: [d0.yaml]\nservices:\n  app: {image: busybox}\n",
    );
    let started = std::time::Instant::now();
    let run = podlift(dir.path(), &["config"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(run.stdout.contains("  s39:"), "{}", run.stdout);
    assert!(run.stdout.contains("  t39:"), "{}", run.stdout);
}

/// Fails on the old main: a YAML error in an included file that is not YAML
/// showed the file's text (here: a token) on stderr.
#[test]
fn a_file_that_is_not_yaml_is_never_shown() {
    for content in [
        "TOKEN=ghp_notyaml123\0PATH=/usr/bin\0",
        "TOKEN: [ghp_notyaml123\n",
        "ghp_notyaml123\n",
        "- ghp_notyaml123\n",
    ] {
        for (kind, text) in every_kind("./other.yaml") {
            if matches!(kind, "configs" | "secrets" | "env_file" | "label_file") {
                continue;
            }
            let dir = common::compose_dir(&text);
            write(dir.path(), "other.yaml", content);
            let run = convert(dir.path(), &[]);
            let context = format!("{kind} {content:?}:\n{}", run.stderr);
            assert_eq!(run.code, 1, "{context}");
            assert!(!run.stderr.contains("ghp_notyaml123"), "{context}");
            assert!(run.stderr.contains("other.yaml"), "{context}");
            assert!(run.stderr.contains("compose.yaml:"), "{context}");
        }
    }
}

/// Fails on the old main: only `environment: [NAME]` got a note.
#[test]
fn every_variable_taken_from_the_shell_is_named_never_valued() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: \"busybox:${TAG}\"\n    env_file: app.env\n    environment:\n      A: \"${API_TOKEN}\"\n      B: \"${API_TOKEN}-again\"\n      C: \"${FROM_DOTENV}\"\n",
    );
    write(dir.path(), ".env", "FROM_DOTENV=file-value\nTAG=ignored\n");
    write(dir.path(), "app.env", "D=${ENV_FILE_VAR}\n");
    let run = podlift(
        dir.path(),
        &["convert", "-p", "p"],
        &[
            ("TAG", "1.2"),
            ("API_TOKEN", "tok-9f8e7d"),
            ("ENV_FILE_VAR", "efv-1a2b"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("note[environment-from-shell]"))
        .collect();
    for name in ["TAG", "API_TOKEN", "ENV_FILE_VAR"] {
        assert_eq!(
            notes
                .iter()
                .filter(|l| l.contains(&format!("`${{{name}}}`")))
                .count(),
            1,
            "{name}: {}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("FROM_DOTENV"), "{}", run.stderr);
    for value in ["tok-9f8e7d", "efv-1a2b"] {
        assert!(!run.stderr.contains(value), "{}", run.stderr);
    }
}

/// `-f` names the user's own files: a FIFO (`-f <(cmd)`) still works.
#[test]
fn a_compose_file_on_a_pipe_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(status.success());
    let writer = {
        let pipe = pipe.clone();
        std::thread::spawn(move || {
            std::fs::write(pipe, "services:\n  app:\n    image: busybox\n").unwrap();
        })
    };
    let run = podlift(
        dir.path(),
        &["convert", "-p", "p", "-f", pipe.to_str().unwrap()],
        &[],
    );
    writer.join().unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("kind: Deployment"));
}

/// A config's or secret's `file:` is read only when a service of the
/// project uses it: not for a service of an inactive profile, one left out
/// on the command line, or none at all (compose drops those unread and
/// accepts them even when the file is missing). podlift read every one: a
/// file outside the project or missing was an error, a large one cost the
/// budget, whichever service used it.
#[test]
fn only_the_files_of_the_services_converted_are_read() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: busybox\n    configs: [used]\n  tool:\n    image: busybox\n    profiles: [ops]\n    secrets: [key]\n    configs: [tool]\nconfigs:\n  used: {file: used.txt}\n  tool: {file: ./missing.txt}\n  nobody: {file: ./also-missing.txt}\nsecrets:\n  key: {file: /etc/hostname}\n",
    );
    write(dir.path(), "used.txt", "used\n");
    for extra in [&[][..], &["app"][..], &["--exclude", "tool"][..]] {
        let run = convert(dir.path(), extra);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        assert!(run.stdout.contains("used\n"), "{extra:?}: {}", run.stdout);
        for never in ["missing.txt", "hostname", "tool"] {
            assert!(!run.stderr.contains(never), "{extra:?}: {}", run.stderr);
        }
    }
    // Its profile active: `tool`'s files are read, and refused.
    let run = convert(dir.path(), &["--profile", "ops"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[host-file-outside]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`./missing.txt`"), "{}", run.stderr);
    assert!(!run.stderr.contains("config `nobody`"), "{}", run.stderr);
}

/// `sub/../x` is `x` beside `sub`, as compose cleans a path before it reads
/// it, even when `sub` is a link into another directory: podlift followed
/// the link first and read `x` beside the link's target — another file than
/// compose's, for every key that names a host file (`env_file`,
/// `label_file`, a config's `file:`, `include`, `extends.file`) and for
/// `-f` itself.
#[test]
fn dot_dot_after_a_linked_directory_is_the_file_compose_reads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("other/deep/dir")).unwrap();
    std::os::unix::fs::symlink("other/deep/dir", root.join("sub")).unwrap();
    for (place, at) in [("top", ""), ("deep", "other/deep/")] {
        write(root, &format!("{at}e.env"), &format!("E={place}\n"));
        write(root, &format!("{at}l.txt"), &format!("L={place}\n"));
        write(root, &format!("{at}c.txt"), &format!("config-{place}\n"));
        write(
            root,
            &format!("{at}inc.yaml"),
            &format!("services:\n  i:\n    image: inc-{place}\n"),
        );
        write(
            root,
            &format!("{at}base.yaml"),
            &format!("services:\n  x:\n    image: base-{place}\n"),
        );
        write(
            root,
            &format!("{at}compose.yaml"),
            &format!(
                "include: [sub/../inc.yaml]\nservices:\n  a:\n    extends: {{file: sub/../base.yaml, service: x}}\n    environment: {{FROM: {place}}}\n    env_file: [sub/../e.env]\n    label_file: sub/../l.txt\n    configs: [c]\nconfigs:\n  c: {{file: sub/../c.txt}}\n"
            ),
        );
    }
    for file in ["compose.yaml", "sub/../compose.yaml"] {
        let run = podlift(root, &["config", "-f", file, "--format", "json"], &[]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let project: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let services = &project["services"];
        assert_eq!(services["i"]["image"], "inc-top", "{file}");
        let a = &services["a"];
        assert_eq!(a["image"], "base-top", "{file}");
        assert_eq!(a["environment"]["FROM"], "top", "{file}");
        assert_eq!(a["environment"]["E"], "top", "{file}");
        assert_eq!(a["labels"]["L"], "top", "{file}");
        let run = convert(root, &["-f", file]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(run.stdout.contains("config-top"), "{file}: {}", run.stdout);
        assert!(!run.stdout.contains("deep"), "{file}: {}", run.stdout);
    }
}

/// Fails on 08e7e1c: a directory called `.env` (a Python virtualenv often
/// is) or a `.env` link to nothing, beside the compose file or an included
/// one, made podlift refuse the project; compose reads no `.env` then and
/// accepts it.
#[test]
fn a_dot_env_that_is_a_directory_or_a_link_to_nothing_is_no_env_file() {
    for kind in ["directory", "link to nothing"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "compose.yaml",
            "include: [inc/compose.yaml]\nservices:\n  a:\n    image: busybox\n",
        );
        write(
            root,
            "inc/compose.yaml",
            "services:\n  b:\n    image: busybox\n",
        );
        for at in [".env", "inc/.env"] {
            if kind == "directory" {
                std::fs::create_dir_all(root.join(at).join("bin")).unwrap();
            } else {
                std::os::unix::fs::symlink("nowhere", root.join(at)).unwrap();
            }
        }
        let run = convert(root, &[]);
        assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
        assert!(run.stdout.contains("kind: Deployment"), "{kind}");
    }
}

/// Compose reads the env and label files of every service of an active
/// profile before it selects, so one left out by `SERVICE...` with a
/// missing `env_file` is refused (docker-compose 2.40.3 `config a`: `env
/// file …/missing.env not found`); `required: false` and a service of an
/// inactive profile are not. Fails on 82c8715 (exit 0).
#[test]
fn a_left_out_services_missing_env_file_is_refused_as_compose_refuses_it() {
    let dir = crate::common::compose_dir(
        "services:\n  a:\n    image: x\n  b:\n    image: y\n    env_file: missing.env\n    label_file: missing.labels\n",
    );
    let run = crate::common::Test::new()
        .current_dir(dir.path())
        .args(["config", "a"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot read env file `missing.env`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("cannot read label file `missing.labels`"),
        "{}",
        run.stderr
    );
    let dir = crate::common::compose_dir(
        "services:\n  a:\n    image: x\n  b:\n    image: y\n    env_file: [{path: missing.env, required: false}]\n  c:\n    image: z\n    profiles: [p]\n    env_file: missing.env\n",
    );
    crate::common::Test::new()
        .current_dir(dir.path())
        .args(["convert", "a"])
        .success();
}
