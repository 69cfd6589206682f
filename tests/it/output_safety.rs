//! `-o` never deletes what podlift did not write (issue 14, item 1): a
//! directory keeps a list of podlift's files (`.podlift-files`) and `--force`
//! replaces only those; the working directory, its parents, `/`, `$HOME`, a
//! directory holding `.git` or an input file are refused before any work;
//! `-o NAME.yaml|.yml|.json` writes one file atomically.

use crate::common;

use std::path::Path;

use common::{Run, Test, entries};

/// A compose file with a warning, so conversion diagnostics would show.
const COMPOSE: &str =
    "services:\n  app:\n    image: app\n    restart: always\n  db:\n    image: db\n";

/// A refusal: exit 2, one line naming the problem, no conversion diagnostics.
fn refused(run: &Run, expected: &str) {
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(
        !run.stderr.contains("warning[") && !run.stderr.contains("note["),
        "a usage error comes before the conversion: {}",
        run.stderr
    );
}

/// Fails on the old main: `-o . --force` deleted the project directory.
/// The project lies two levels down a temporary directory, so that even a
/// build that got this wrong could delete nothing outside it; `/` is
/// refused in a unit test of `emit::target`, never tried here.
#[test]
fn the_working_directory_and_its_parents_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("outer/project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("compose.yaml"), COMPOSE).unwrap();
    std::fs::write(project.join("README"), "mine").unwrap();
    std::fs::create_dir(project.join(".git")).unwrap();
    for (output, why) in [
        (".", "the working directory"),
        ("./", "the working directory"),
        ("..", "a parent of the working directory"),
        ("../..", "a parent of the working directory"),
    ] {
        let run = Test::new()
            .current_dir(&project)
            .args(["convert", "-o", output, "--force"])
            .failure(2);
        refused(&run, why);
        assert_eq!(
            entries(&project),
            [".git", "README", "compose.yaml"],
            "{output}"
        );
    }
}

#[test]
fn home_git_and_input_directories_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("users/home");
    let work = tmp.path().join("work");
    let repo_dir = tmp.path().join("repo");
    let inputs = tmp.path().join("inputs");
    for dir in [&home, &work, &repo_dir, &inputs] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::create_dir(repo_dir.join(".git")).unwrap();
    std::fs::write(inputs.join("compose.yaml"), COMPOSE).unwrap();
    let compose = inputs.join("compose.yaml");
    let compose = compose.to_str().unwrap();
    for (output, why) in [
        (home.to_str().unwrap(), "your home directory"),
        (
            home.parent().unwrap().to_str().unwrap(),
            "a parent of your home directory",
        ),
        (repo_dir.to_str().unwrap(), "a directory holding `.git`"),
        (inputs.to_str().unwrap(), "holds the input file"),
    ] {
        let run = Test::new()
            .current_dir(&work)
            .env("HOME", home.to_str().unwrap())
            .args(["convert", "-f", compose, "-o", output, "--force"])
            .failure(2);
        refused(&run, why);
    }
    assert_eq!(entries(&repo_dir), [".git"]);
    assert_eq!(entries(&inputs), ["compose.yaml"]);
    assert!(entries(&home).is_empty());
}

/// Fails on the old main: `--force` emptied a directory of files podlift
/// never wrote.
#[test]
fn force_never_removes_a_file_podlift_did_not_write() {
    let dir = common::compose_dir(COMPOSE);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "out", "--force"])
        .failure(2);
    refused(&run, "podlift did not write it");
    assert_eq!(entries(&out), ["notes.txt"]);

    // podlift's own output plus one foreign file: still refused, all kept.
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out"])
        .success();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "out", "--force"])
        .failure(2);
    refused(&run, "holds files podlift did not write (`notes.txt`)");
    assert_eq!(
        entries(&out),
        [
            ".podlift-files",
            "deployment-p.yaml",
            "networkpolicy-p.yaml",
            "notes.txt"
        ]
    );
}

#[test]
fn force_replaces_podlift_output_and_drops_its_stale_files() {
    let dir = common::compose_dir("services:\n  app:\n    image: app\n    ports: [\"8080:80\"]\n");
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out"])
        .success();
    assert_eq!(
        entries(&dir.path().join("out")),
        [
            ".podlift-files",
            "deployment-p.yaml",
            "networkpolicy-p.yaml",
            "service-app.yaml"
        ]
    );
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: web\n",
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out"])
        .failure(2);
    refused(&run, "add `--force`");
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out", "--force"])
        .success();
    assert_eq!(
        entries(&dir.path().join("out")),
        [
            ".podlift-files",
            "deployment-p.yaml",
            "networkpolicy-p.yaml"
        ]
    );
    assert_eq!(entries(dir.path()), ["compose.yaml", "out"]);
    // A Helm chart (with subdirectories) replaces it too, and back.
    for format in ["helm", "yaml"] {
        Test::new()
            .current_dir(dir.path())
            .args([
                "convert", "-p", "p", "--format", format, "-o", "out", "--force",
            ])
            .success();
        assert_eq!(entries(dir.path()), ["compose.yaml", "out"]);
    }
    assert_eq!(
        entries(&dir.path().join("out")),
        [
            ".podlift-files",
            "deployment-p.yaml",
            "networkpolicy-p.yaml"
        ]
    );
}

/// Fails on the old main: `-o k8s.yaml` made a directory called `k8s.yaml`.
#[test]
fn a_yaml_or_json_name_writes_one_file() {
    let dir = common::compose_dir(COMPOSE);
    let stream = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    let json = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--format", "json"])
        .success();
    for (name, expected) in [
        ("k8s.yaml", &stream.stdout),
        ("k8s.yml", &stream.stdout),
        ("k8s.json", &json.stdout),
    ] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "-o", name])
            .success();
        assert!(run.stdout.is_empty());
        let path = dir.path().join(name);
        assert!(path.is_file(), "{name} is a file");
        assert_eq!(&std::fs::read_to_string(&path).unwrap(), expected, "{name}");
    }
    assert_eq!(
        entries(dir.path()),
        ["compose.yaml", "k8s.json", "k8s.yaml", "k8s.yml"],
        "no temporary file is left"
    );
    // Replacing it needs `--force`; then it is replaced in place.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "k8s.yaml"])
        .failure(2);
    refused(&run, "add `--force`");
    for name in ["k8s.yaml", "k8s.json"] {
        Test::new()
            .current_dir(dir.path())
            .args(["convert", "-o", name, "--force"])
            .success();
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("k8s.json")).unwrap(),
        json.stdout
    );
}

#[test]
fn a_file_podlift_did_not_write_is_never_replaced() {
    let dir = common::compose_dir(COMPOSE);
    std::fs::write(dir.path().join("notes.yaml"), "mine: true\n").unwrap();
    for name in ["notes.yaml", "compose.yaml"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "-o", name, "--force"])
            .failure(2);
        refused(&run, name);
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.yaml")).unwrap(),
        "mine: true\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap(),
        COMPOSE
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "k8s.yaml", "--format", "json"])
        .failure(2);
    refused(&run, "make the two agree");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "k8s.yaml", "--format", "helm"])
        .failure(2);
    refused(&run, "writes a directory");
}

/// Fails on the old main: a file that only mentions podlift's label, or
/// holds an object of the user's beside podlift's, counted as podlift's and
/// `--force` replaced it.
#[test]
fn a_file_is_podlifts_only_when_every_object_carries_its_label() {
    let dir = common::compose_dir(COMPOSE);
    let ours = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success()
        .stdout;
    let json = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--format", "json"])
        .success()
        .stdout;
    let mine = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n";
    let mixed_json = json.replacen(
        "\"items\": [",
        "\"items\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"mine\"}},",
        1,
    );
    assert_ne!(mixed_json, json, "the JSON list was found");
    for (name, text) in [
        (
            "notes.yaml",
            "---\n# copy of app.kubernetes.io/managed-by: podlift, for reference\nmine: true\n"
                .to_string(),
        ),
        ("mixed.yaml", format!("{ours}{mine}")),
        ("mixed.json", mixed_json),
    ] {
        std::fs::write(dir.path().join(name), &text).unwrap();
        let args = if Path::new(name).extension().is_some_and(|e| e == "json") {
            vec!["convert", "-o", name, "--force", "--format", "json"]
        } else {
            vec!["convert", "-o", name, "--force"]
        };
        let run = Test::new().current_dir(dir.path()).args(args).failure(2);
        refused(&run, name);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            text
        );
    }
}

/// Fails on the old main: the conversion ran (and printed its diagnostics)
/// before the usage error.
#[test]
fn usage_errors_come_before_any_work() {
    // Broken input: a conversion would report `network-mode-host`.
    let dir = common::compose_dir("services:\n  app:\n    image: app\n    network_mode: host\n");
    for format in ["kustomize", "helm"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "--format", format])
            .failure(2);
        refused(&run, "-o DIR");
        assert!(!run.stderr.contains("network-mode-host"), "{}", run.stderr);
    }
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/keep"), "").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "out"])
        .failure(2);
    refused(&run, "did not write");
    assert!(!run.stderr.contains("network-mode-host"), "{}", run.stderr);
}

/// A directory holding a file that the compose file `include`s is refused
/// once the loader has found it, still before anything is written, even
/// when a manifest there claims the file.
#[test]
fn a_directory_holding_an_included_file_is_refused() {
    let dir = common::compose_dir("include: [shared/db.yaml]\nservices:\n  app:\n    image: app\n");
    std::fs::create_dir(dir.path().join("shared")).unwrap();
    std::fs::write(
        dir.path().join("shared/db.yaml"),
        "services:\n  db:\n    image: db\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("shared/.podlift-files"), "db.yaml\n").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-o", "shared", "--force"])
        .failure(2);
    refused(&run, "holds the input file");
    assert_eq!(
        entries(&dir.path().join("shared")),
        [".podlift-files", "db.yaml"]
    );
}

/// A manifest that lists a link and a file "below" it (`a`, then
/// `a/x.yaml`, in an order that removes the file first): `--force` removes the
/// link, never the file it points into. (The file behind the link was
/// deleted before.)
#[test]
fn force_never_removes_a_file_through_a_link() {
    let dir = common::compose_dir(COMPOSE);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.yaml"), "mine").unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink(outside.path(), out.join("a")).unwrap();
    std::fs::write(
        out.join(".podlift-files"),
        "# files written by podlift\na/x.yaml\na\n",
    )
    .unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out", "--force"])
        .success();
    assert_eq!(
        std::fs::read_to_string(outside.path().join("x.yaml")).unwrap(),
        "mine"
    );
}

/// `--force` keeps the permissions of what it replaces: output closed with
/// `chmod 600`/`700` (it may hold Secrets) stays closed. (It became 0644 and
/// 0755 before.)
#[test]
fn force_keeps_the_permissions_of_what_it_replaces() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = common::compose_dir(COMPOSE);
    for output in ["out", "k8s.yaml"] {
        let target = dir.path().join(output);
        Test::new()
            .current_dir(dir.path())
            .args(["convert", "-p", "p", "-o", output])
            .success();
        let closed = if target.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(closed)).unwrap();
        Test::new()
            .current_dir(dir.path())
            .args(["convert", "-p", "p", "-o", output, "--force"])
            .success();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, closed, "{output}");
    }
}

/// A compose file whose output holds a Secret (and a ConfigMap).
const WITH_SECRET: &str = "services:\n  app:\n    image: app\n    secrets: [token]\n    configs: [settings]\nsecrets:\n  token:\n    file: ./token.txt\nconfigs:\n  settings:\n    file: ./settings.conf\n";

fn secret_dir() -> tempfile::TempDir {
    let dir = common::compose_dir(WITH_SECRET);
    std::fs::write(dir.path().join("token.txt"), "s3cret\n").unwrap();
    std::fs::write(dir.path().join("settings.conf"), "a=1\n").unwrap();
    dir
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// `-o out.yaml` where `out.yaml` is a link to a file podlift wrote
/// elsewhere: the write followed the link and replaced the other file
/// (with `--force`). Now a link at the destination is refused, never followed.
#[test]
fn a_link_at_the_output_file_is_refused_not_followed() {
    let dir = common::compose_dir(COMPOSE);
    let elsewhere = tempfile::tempdir().unwrap();
    let victim = elsewhere.path().join("theirs.yaml");
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "other", "-o"])
        .args([victim.to_str().unwrap()])
        .success();
    let before = std::fs::read_to_string(&victim).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("out.yaml")).unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out.yaml", "--force"])
        .failure(2);
    refused(&run, "is a symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), before);
}

/// `-o out` where `out` is a link to a foreign directory (here one holding
/// podlift's earlier output): the directory behind the link was replaced.
#[test]
fn a_link_at_the_output_directory_is_refused_not_followed() {
    let dir = common::compose_dir(COMPOSE);
    let elsewhere = tempfile::tempdir().unwrap();
    let foreign = elsewhere.path().join("theirs");
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "other", "-o"])
        .args([foreign.to_str().unwrap()])
        .success();
    let before = entries(&foreign);
    std::os::unix::fs::symlink(&foreign, dir.path().join("out")).unwrap();
    for format in ["yaml", "kustomize", "helm"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args([
                "convert", "-p", "p", "-o", "out", "--force", "--format", format,
            ])
            .failure(2);
        refused(&run, "is a symbolic link");
        assert_eq!(entries(&foreign), before, "{format}");
        assert!(
            std::fs::symlink_metadata(dir.path().join("out"))
                .unwrap()
                .is_symlink()
        );
    }
}

/// Links inside an output directory podlift replaces: a listed file that
/// became a link to a file outside, a link in place of its `templates`
/// directory, a linked `.podlift-files`. Nothing behind a link is written
/// or removed.
#[test]
fn links_inside_the_output_directory_are_never_followed() {
    let dir = common::compose_dir(COMPOSE);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.yaml");
    std::fs::write(&victim, "mine").unwrap();
    let out = dir.path().join("out");
    let convert = |format: &str| {
        Test::new()
            .current_dir(dir.path())
            .args([
                "convert", "-p", "p", "-o", "out", "--force", "--format", format,
            ])
            .run()
    };
    // A listed file replaced by a link: the link goes, its target stays.
    assert_eq!(convert("yaml").code, 0);
    let listed = out.join("deployment-p.yaml");
    std::fs::remove_file(&listed).unwrap();
    std::os::unix::fs::symlink(&victim, &listed).unwrap();
    assert_eq!(convert("yaml").code, 0);
    assert!(!std::fs::symlink_metadata(&listed).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
    // A chart's `templates` replaced by a link to a directory outside.
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(convert("helm").code, 0);
    std::fs::remove_dir_all(out.join("templates")).unwrap();
    std::os::unix::fs::symlink(outside.path(), out.join("templates")).unwrap();
    let run = convert("helm");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(entries(outside.path()), ["victim.yaml"]);
    // The manifest itself a link.
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(convert("kustomize").code, 0);
    std::fs::remove_file(out.join(".podlift-files")).unwrap();
    std::os::unix::fs::symlink(&victim, out.join(".podlift-files")).unwrap();
    let run = convert("kustomize");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
}

/// Files that hold secret data are for their owner only (0600): a Secret's
/// file in a directory, the one file holding a Secret, the chart's
/// `values.yaml` (Secret data lives there) and its Secret templates. They
/// were 0644 (even when the source file was 0600). The others keep the
/// umask's mode.
#[test]
fn files_with_secret_data_are_written_0600() {
    let dir = secret_dir();
    // What the umask makes of a new file here.
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    let shared = mode(&probe);
    let convert = |args: &[&str]| {
        Test::new()
            .current_dir(dir.path())
            .args(["convert", "-p", "p"])
            .args(args)
            .success()
    };
    convert(&["-o", "yaml"]);
    assert_eq!(
        mode(&dir.path().join("yaml/secret-p-secret-token.yaml")),
        0o600
    );
    assert_eq!(
        mode(&dir.path().join("yaml/configmap-p-config-settings.yaml")),
        shared
    );
    convert(&["-o", "kustomize", "--format", "kustomize"]);
    assert_eq!(
        mode(&dir.path().join("kustomize/secret-p-secret-token.yaml")),
        0o600
    );
    assert_eq!(
        mode(&dir.path().join("kustomize/kustomization.yaml")),
        shared
    );
    convert(&["-o", "chart", "--format", "helm"]);
    assert_eq!(mode(&dir.path().join("chart/values.yaml")), 0o600);
    assert_eq!(
        mode(
            &dir.path()
                .join("chart/templates/secret-p-secret-token.yaml")
        ),
        0o600
    );
    assert_eq!(mode(&dir.path().join("chart/Chart.yaml")), shared);
    for file in ["all.yaml", "all.json"] {
        convert(&["-o", file]);
        assert_eq!(mode(&dir.path().join(file)), 0o600, "{file}");
    }
    // Without a Secret the one file is shared as before.
    let plain = common::compose_dir(COMPOSE);
    Test::new()
        .current_dir(plain.path())
        .args(["convert", "-p", "p", "-o", "all.yaml"])
        .success();
    assert_eq!(mode(&plain.path().join("all.yaml")), shared);
}

/// A directory holding a service's `env_file` or `label_file` is refused as
/// one holding an included file is, even when a manifest there claims the
/// file: `--force` would have removed it. (On main these files were read by
/// the model, never registered as inputs, and `--force` deleted them.)
#[test]
fn a_directory_holding_an_env_file_or_label_file_is_refused() {
    for (key, file) in [("env_file", "app.env"), ("label_file", "app.labels")] {
        let dir = common::compose_dir(&format!(
            "services:\n  app:\n    image: app\n    {key}: shared/{file}\n"
        ));
        std::fs::create_dir(dir.path().join("shared")).unwrap();
        std::fs::write(dir.path().join("shared").join(file), "A=1\n").unwrap();
        std::fs::write(
            dir.path().join("shared/.podlift-files"),
            format!("{file}\n"),
        )
        .unwrap();
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "-o", "shared", "--force"])
            .failure(2);
        refused(&run, "holds the input file");
        assert!(
            run.stderr.contains(&format!("shared/{file}")),
            "{}",
            run.stderr
        );
        assert_eq!(
            entries(&dir.path().join("shared")),
            [".podlift-files", file]
        );
    }
}

/// A directory holding a file the project's bind mounts, configs or secrets
/// carry into the manifests is refused as the env file's is: `--force`
/// would delete it, since its `.podlift-files` lists it.
#[test]
fn a_directory_holding_a_bind_config_or_secret_file_is_refused() {
    for (service, top, file) in [
        (
            "volumes: [./shared/app.conf:/etc/app.conf:ro]",
            "",
            "app.conf",
        ),
        ("volumes: [./shared:/etc/app:ro]", "", "app.conf"),
        (
            "configs: [c]",
            "configs:\n  c:\n    file: ./shared/app.conf\n",
            "app.conf",
        ),
        (
            "secrets: [s]",
            "secrets:\n  s:\n    file: ./shared/app.conf\n",
            "app.conf",
        ),
    ] {
        let dir = common::compose_dir(&format!(
            "services:\n  app:\n    image: app\n    {service}\n{top}"
        ));
        std::fs::create_dir(dir.path().join("shared")).unwrap();
        std::fs::write(dir.path().join("shared").join(file), "listen 80\n").unwrap();
        std::fs::write(
            dir.path().join("shared/.podlift-files"),
            format!("{file}\n"),
        )
        .unwrap();
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "-o", "shared", "--force"])
            .failure(2);
        refused(&run, "holds the input file");
        // (a bind-mounted directory's first file, whichever it lists first)
        assert!(run.stderr.contains("shared/"), "{service}: {}", run.stderr);
        assert_eq!(
            entries(&dir.path().join("shared")),
            [".podlift-files", file],
            "{service}"
        );
    }
}

/// A temporary directory that fills up while the output is held back (the
/// unnamed temporary file in `TMPDIR` hits a size limit: `ulimit -f`, with
/// `SIGXFSZ` ignored as a full disk would answer `ENOSPC`) does not fail the
/// conversion: the held text moves into memory. It failed with `cannot hold
/// the output in a temporary file: File too large` and wrote nothing, where
/// b6272f2 wrote the manifests.
#[cfg(target_os = "linux")]
#[test]
fn a_full_temporary_directory_does_not_fail_the_output() {
    let mut compose = String::from("services:\n");
    for i in 0..300 {
        let _ = std::fmt::Write::write_fmt(
            &mut compose,
            format_args!(
                "  s{i}:\n    image: nginx\n    environment: {{A: {}}}\n",
                "x".repeat(200)
            ),
        );
    }
    let dir = common::compose_dir(&compose);
    let expected = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-q"])
        .success()
        .stdout;
    assert!(expected.len() > 64 * 1024, "{}", expected.len());
    let podlift = assert_cmd::cargo::cargo_bin("podlift");
    // 32 blocks: 16 or 32 KiB, below the output; stdout is a pipe, which
    // no file size limit reaches
    let output = std::process::Command::new("sh")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 32 && exec \"$0\" convert -q",
            podlift.to_str().unwrap(),
        ])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap(), expected);
}

/// `-o FILE --force` replaces podlift's own YAML stream of any size: one
/// over 16 MiB (`--strategy split` of about 10,000 services) was read only
/// up to that bound and so taken for someone else's file ("exists and was
/// not written by podlift"). A stream with one document of another's is
/// still refused.
#[test]
fn force_replaces_a_podlift_stream_over_sixteen_mebibytes() {
    let dir = common::compose_dir(COMPOSE);
    let object = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    \
                  app.kubernetes.io/managed-by: podlift\n  name: x\ndata:\n  a: |\n";
    let line = format!("    {}\n", "y".repeat(1000));
    let mut stream = String::new();
    while stream.len() <= 17 * 1024 * 1024 {
        stream.push_str(object);
        for _ in 0..100 {
            stream.push_str(&line);
        }
    }
    let out = dir.path().join("out.yaml");
    std::fs::write(&out, &stream).unwrap();
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-q", "-o", "out.yaml", "--force"])
        .success();
    assert!(std::fs::metadata(&out).unwrap().len() < 1024 * 1024);

    stream.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n");
    std::fs::write(&out, &stream).unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-q", "-o", "out.yaml", "--force"])
        .failure(2);
    assert!(
        run.stderr.contains("was not written by podlift"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stream);
}
