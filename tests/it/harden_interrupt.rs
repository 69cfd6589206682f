//! A run told to stop (Ctrl-C's SIGINT, SIGTERM, SIGHUP) while it writes
//! `-o` leaves nothing of its own: no staging directory `.DIR.podlift-*`
//! (mode 0700, it may hold Secret manifests), no `.FILE.podlift-*.tmp`, no
//! half-written output; it exits 128 + the signal's number.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::generate::{Variant, compose};

/// podlift's temporaries beside an output, by name.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".podlift-"))
        .collect()
}

/// Starts `podlift convert -o OUTPUT --strategy split` on a large file in
/// a fresh directory.
fn start(services: usize, output: &str) -> (tempfile::TempDir, Child) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        compose(services, Variant::Podlet),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_podlift"))
        .args(["convert", "--strategy", "split", "-o", output])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (dir, child)
}

/// Polls (at most 120 s) until a temporary exists; None when the run ended
/// first.
fn wait_for_temporary(dir: &Path, child: &mut Child) -> Option<Vec<String>> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_mins(2) {
        let seen = temporaries(dir);
        if !seen.is_empty() {
            return Some(seen);
        }
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    None
}

/// The exit code, waiting at most 60 s.
fn exit_code(child: &mut Child) -> Option<i32> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_mins(1) {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    panic!("podlift did not end within 60 s of the signal");
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Sends `name` while the run is held still: stopped (SIGSTOP) first, so
/// it cannot finish between the test seeing its temporary and the signal,
/// however fast the build or loaded the machine; the signal waits and
/// arrives when the run goes on (SIGCONT). A run that ended before it was
/// stopped exits 0 (the caller tries again).
fn interrupt(child: &Child, name: &str) {
    signal(child, "STOP");
    signal(child, name);
    signal(child, "CONT");
}

/// Fails on main 82c8715: `.out.podlift-XXXX/` stayed, with the manifests
/// written so far, and the process died of the signal (no exit code).
#[test]
fn an_interrupted_run_into_a_directory_leaves_nothing_and_exits_128_plus_the_signal() {
    for (name, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let mut caught = false;
        for _ in 0..5 {
            let (dir, mut child) = start(1_000, "out");
            let Some(seen) = wait_for_temporary(dir.path(), &mut child) else {
                continue;
            };
            assert!(
                seen.iter().all(|n| n.starts_with(".out.podlift-")),
                "{seen:?}"
            );
            interrupt(&child, name);
            let exit = exit_code(&mut child);
            assert_eq!(temporaries(dir.path()), Vec::<String>::new(), "SIG{name}");
            // Either no output, or the whole of it (the rename came first).
            let out = dir.path().join("out");
            if out.exists() {
                let listed = std::fs::read_to_string(out.join(".podlift-files")).unwrap();
                assert!(listed.lines().count() > 1_000, "SIG{name}: half an output");
            }
            if exit == Some(0) {
                assert!(out.exists(), "SIG{name}: exit 0 without the output");
                continue;
            }
            assert_eq!(exit, Some(code), "SIG{name}");
            caught = true;
            break;
        }
        assert!(
            caught,
            "SIG{name}: no run was interrupted while it wrote, in 5"
        );
    }
}

/// `-o FILE` goes through a named temporary beside it.
#[test]
fn an_interrupted_run_into_a_file_leaves_nothing_and_exits_130() {
    let mut caught = 0;
    for _ in 0..10 {
        let (dir, mut child) = start(3_000, "out.yaml");
        if wait_for_temporary(dir.path(), &mut child).is_none() {
            continue;
        }
        interrupt(&child, "INT");
        let code = exit_code(&mut child);
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());
        let out = dir.path().join("out.yaml");
        if out.exists() {
            let text = std::fs::read_to_string(&out).unwrap();
            assert_eq!(
                text.matches("kind: Deployment").count(),
                3_000,
                "half an output"
            );
        }
        // The run may end between the temporary being seen and being
        // stopped: then it wrote the whole output and exits 0, and the next
        // run tries again.
        if code == Some(0) {
            assert!(out.exists(), "exit 0 without the output");
            continue;
        }
        assert_eq!(code, Some(130));
        caught += 1;
        break;
    }
    assert_eq!(caught, 1, "no run was interrupted while it wrote, in 10");
}

/// A run started ignoring SIGHUP (`nohup`) keeps ignoring it: it finishes
/// and writes its output.
#[test]
fn a_signal_the_run_was_started_ignoring_stays_ignored() {
    if !Path::new("/proc/self/status").exists() {
        return; // the ignored signals are read from Linux's /proc
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        compose(1_000, Variant::Podlet),
    )
    .unwrap();
    let mut child = Command::new("nohup")
        .args([
            env!("CARGO_BIN_EXE_podlift"),
            "convert",
            "--strategy",
            "split",
            "-o",
            "out",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_temporary(dir.path(), &mut child).expect("no staging directory seen");
    signal(&child, "HUP");
    assert_eq!(exit_code(&mut child), Some(0));
    assert!(dir.path().join("out/.podlift-files").exists());
}

/// The first signal decides the exit status: SIGTERM right after SIGINT
/// (a user pressing Ctrl-C, then a supervisor stopping the run) exits 130,
/// and the run that fails meanwhile (its staging directory removed under
/// it) exits with the signal's status too, not 1.
#[test]
fn the_first_of_two_signals_decides_the_exit_status() {
    for _ in 0..5 {
        let (dir, mut child) = start(1_000, "out");
        if wait_for_temporary(dir.path(), &mut child).is_none() {
            continue;
        }
        // Held still, so both arrive while it writes (SIGINT, the lower
        // number, is delivered first).
        signal(&child, "STOP");
        signal(&child, "INT");
        signal(&child, "TERM");
        signal(&child, "CONT");
        let exit = exit_code(&mut child);
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());
        if exit == Some(0) {
            continue; // it ended before it was stopped: again
        }
        assert_eq!(exit, Some(130));
        return;
    }
    panic!("no run was interrupted while it wrote, in 5");
}
