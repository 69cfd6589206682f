//! Red team, output safety: podlift never replaces a file it did not
//! write. Without `--force`, `-o FILE` is checked absent when the run
//! starts; a file that appears while podlift writes (the user's, another
//! run's) must stay, as `-o DIR` already refuses a directory filled
//! meanwhile.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::generate::{Variant, compose};

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".podlift-"))
        .collect()
}

/// Fails on main b25c318: the user's `out.yaml`, created after the check
/// but before the rename, was silently replaced (exit 0, no `--force`).
#[test]
fn a_file_created_while_podlift_writes_is_not_replaced_without_force() {
    // The window is the write of the temporary; a few tries with a
    // bigger input when the run outpaces the poll (bounded: 4 tries).
    for services in [2000, 4000, 8000, 16000] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            compose(services, Variant::Podlet),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_podlift"))
            .args(["convert", "-o", "out.yaml"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = dir.path().join("out.yaml");
        let start = Instant::now();
        let mut planted = false;
        while start.elapsed() < Duration::from_mins(2) {
            if !temporaries(dir.path()).is_empty() {
                std::fs::write(&out, "mine\n").unwrap();
                planted = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let output = child.wait_with_output().unwrap();
        if !planted {
            continue;
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let kept = std::fs::read_to_string(&out).unwrap() == "mine\n";
        assert!(
            kept,
            "the user's file was replaced; exit {:?}",
            output.status.code()
        );
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("was created while podlift wrote it"),
            "{stderr}"
        );
        assert!(temporaries(dir.path()).is_empty());
        return;
    }
    panic!("podlift outpaced the poll at every size");
}

/// Fails on main b25c318: the staging directory `.out.podlift-*`, swapped
/// for a link to another directory while podlift filled it, was renamed
/// into place: `out` became a link to that directory (exit 0).
#[cfg(unix)]
#[test]
fn a_staging_directory_swapped_for_a_link_never_becomes_the_output() {
    for services in [2000, 4000, 8000] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            compose(services, Variant::Podlet),
        )
        .unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_podlift"))
            .args(["convert", "--strategy", "split", "-o", "out"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut swapped = false;
        while start.elapsed() < Duration::from_mins(2) {
            if let Some(name) = temporaries(dir.path()).first() {
                let staging = dir.path().join(name);
                std::fs::rename(&staging, dir.path().join("moved")).unwrap();
                std::os::unix::fs::symlink(&elsewhere, &staging).unwrap();
                swapped = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let output = child.wait_with_output().unwrap();
        if !swapped {
            continue;
        }
        let out = std::fs::symlink_metadata(dir.path().join("out"));
        assert!(
            !out.is_ok_and(|m| m.is_symlink()),
            "`out` became a link; exit {:?}",
            output.status.code()
        );
        assert_eq!(output.status.code(), Some(1));
        return;
    }
    panic!("podlift outpaced the poll at every size");
}
