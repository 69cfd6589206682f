//! What a failed `-o` run leaves: nothing of its own (no directory it made
//! on the way, no temporary), and a clear word when the output is a mount
//! point or the disk is full.

use std::path::Path;
use std::process::Command;

use crate::common::{compose_dir, converting, entries, skip};
use crate::generate::{Variant, compose};

/// A compose file with one warning (`--strict` withholds its output).
const WARNED: &str = "services:\n  web:\n    image: nginx\n    network_mode: host\n";

/// Fails on main 124e245: `new/sub/` stayed after the output was withheld
/// (exit 1). A directory that existed before stays.
#[test]
fn a_withheld_output_leaves_no_directory_podlift_made() {
    let dir = compose_dir(WARNED);
    std::fs::create_dir(dir.path().join("kept")).unwrap();
    for output in ["new/sub/out", "kept/new/out"] {
        let run = converting(dir.path(), &["--strict", "-o", output]).failure(1);
        assert!(run.stderr.contains("network-mode-host"), "{}", run.stderr);
    }
    assert_eq!(entries(dir.path()), ["compose.yaml", "kept"]);
    assert_eq!(entries(&dir.path().join("kept")), Vec::<String>::new());
}

/// `sh -c SCRIPT` in a mount namespace of its own (root only), with
/// `$1` the directory and `$2` podlift; `None` (a skip) where `unshare -m`
/// does not work.
fn in_mount_namespace(dir: &Path, script: &str) -> Option<std::process::Output> {
    let works = Command::new("unshare")
        .args(["-m", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        skip("`unshare -m` does not work here (it needs root); mount-point behaviour untested");
        return None;
    }
    let output = Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .arg(dir)
        .arg(env!("CARGO_BIN_EXE_podlift"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Some(output)
}

/// Fails on main 124e245: `-o out` on an (empty) mount point failed after
/// the whole run with "cannot replace `out`: Device or resource busy".
/// Now it is refused before anything is written, saying what to do.
#[test]
fn a_mount_point_as_output_directory_is_refused_with_what_to_do() {
    let dir = compose_dir(WARNED);
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let script = "mount -t tmpfs tmpfs \"$1/out\" && \"$2\" convert -o out; echo \"exit $?\"";
    let Some(output) = in_mount_namespace(dir.path(), script) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("exit 2"), "{stdout}{stderr}");
    assert!(stderr.contains("is a mount point"), "{stderr}");
    assert!(stderr.contains("/out/manifests`"), "{stderr}");
    assert_eq!(entries(dir.path()), ["compose.yaml", "out"]);
}

/// A full file system (a 256 KiB tmpfs): the run fails saying so, and
/// leaves no temporary, neither for `-o DIR` nor for `-o FILE`.
#[test]
fn a_full_disk_leaves_no_temporaries() {
    let dir = compose_dir(&compose(300, Variant::Podlet));
    std::fs::create_dir(dir.path().join("small")).unwrap();
    let script = "mount -t tmpfs -o size=256k tmpfs \"$1/small\" || exit 9
        \"$2\" convert --strategy split -o small/out; echo \"exit $?\"
        \"$2\" convert -o small/out.yaml; echo \"exit $?\"
        ls -A small";
    let Some(output) = in_mount_namespace(dir.path(), script) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stdout, "exit 1\nexit 1\n", "{stderr}");
    assert_eq!(
        stderr.matches("No space left on device").count(),
        2,
        "{stderr}"
    );
}
