//! Round 8 red team, writing the output: `--force -o DIR` over podlift's
//! own output that the user made read-only or emptied, and output written
//! into a setgid directory.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;

use crate::common::{compose_dir, converting, entries, skip};

const COMPOSE: &str =
    "services:\n  web:\n    image: nginx\n    environment:\n      PASSWORD: hunter2\n";

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `podlift convert ARGS` in `dir` as an unprivileged user (root ignores
/// permissions): as uid/gid 65534 through `setpriv` when root, else as is.
fn convert_unprivileged(dir: &Path, args: &[&str]) -> (i32, String) {
    let podlift = assert_cmd::cargo::cargo_bin("podlift");
    let mut command = if is_root() {
        let mut command = std::process::Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&podlift);
        command
    } else {
        std::process::Command::new(&podlift)
    };
    let output = command
        .arg("convert")
        .args(args)
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `chmod 500 out` (the user protecting podlift's output), then `--force
/// -o out`: the new output was put in place and the whole old one, its
/// Secret manifest too, was left as `.out.podlift-XXXX.old` with exit 0
/// (its files could not be removed from a directory without write
/// permission). Now the old output is removed; the new keeps mode 500.
#[test]
fn force_over_a_read_only_output_directory_leaves_no_old_copy() {
    if is_root()
        && !std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    {
        skip("`setpriv` is needed to run podlift unprivileged as root");
        return;
    }
    let dir = compose_dir(COMPOSE);
    if is_root() {
        std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).unwrap();
        std::os::unix::fs::chown(dir.path().join("compose.yaml"), Some(65534), Some(65534))
            .unwrap();
    }
    let (code, stderr) = convert_unprivileged(dir.path(), &["-q", "-o", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let templates = dir.path().join("out");
    std::fs::set_permissions(&templates, std::fs::Permissions::from_mode(0o500)).unwrap();
    let (code, stderr) = convert_unprivileged(dir.path(), &["-q", "--force", "-o", "out"]);
    // let the tempdir be removed whatever happened
    let leftovers: Vec<String> = entries(dir.path())
        .into_iter()
        .filter(|n| n.contains("podlift"))
        .collect();
    for name in entries(dir.path()) {
        let _ = std::fs::set_permissions(
            dir.path().join(name),
            std::fs::Permissions::from_mode(0o700),
        );
    }
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(leftovers, Vec::<String>::new());
    assert_eq!(entries(dir.path()), ["compose.yaml", "out"]);
}

/// podlift's output directory whose listed files the user deleted (only
/// `.podlift-files` left, or it and an empty `templates/`) could never be
/// replaced: `--force` said it "was filled while podlift wrote it (by
/// another run?)" and "run again", which failed the same way forever.
#[test]
fn force_replaces_an_output_directory_holding_only_its_manifest() {
    for format in ["yaml", "helm"] {
        let dir = compose_dir(COMPOSE);
        let args = ["-q", "--format", format, "-o", "out"];
        converting(dir.path(), &args).success();
        let out = dir.path().join("out");
        for name in entries(&out) {
            let path = out.join(&name);
            if name == ".podlift-files" {
                continue;
            }
            if path.is_dir() {
                for inner in entries(&path) {
                    std::fs::remove_file(path.join(inner)).unwrap();
                }
            } else {
                std::fs::remove_file(path).unwrap();
            }
        }
        let forced = ["-q", "--force", "--format", format, "-o", "out"];
        converting(dir.path(), &forced).success();
        assert!(out.join(".podlift-files").is_file(), "{format}");
        assert!(entries(&out).len() > 1, "{format}: {:?}", entries(&out));
        assert_eq!(entries(dir.path()), ["compose.yaml", "out"], "{format}");
    }
}

/// `-o DIR` inside a setgid directory (a team's shared directory): the
/// output directory took the shared group, but the files and directories
/// in it did not (they were made while the staging directory's setgid bit
/// was cleared), so the team could not read them. Now everything podlift
/// writes there has the directory's group, as `mkdir`/`cp` would give it.
#[test]
fn output_in_a_setgid_directory_keeps_the_group_throughout() {
    if !is_root() {
        skip("needs root to give the shared directory a group that is not the user's");
        return;
    }
    let dir = compose_dir(COMPOSE);
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::os::unix::fs::chown(&shared, None, Some(65534)).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2775)).unwrap();
    converting(dir.path(), &["-q", "-o", "shared/out"]).success();
    converting(
        dir.path(),
        &["-q", "--format", "helm", "-o", "shared/chart"],
    )
    .success();
    let mut wrong = Vec::new();
    for top in ["out", "chart"] {
        let mut pending = vec![shared.join(top)];
        while let Some(path) = pending.pop() {
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.gid() != 65534 {
                wrong.push(path.display().to_string());
            }
            if meta.is_dir() {
                pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            }
        }
    }
    assert_eq!(wrong, Vec::<String>::new());
}
