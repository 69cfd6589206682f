//! What `x-podlift.allow` in the compose file can accept: never its own
//! security findings (only `--allow` on the command line), never a code
//! podlift does not have (a warning at its place).

use crate::common::{Test, compose_dir};

const SELF_ALLOWED: &str = "services:\n  web:\n    image: nginx\n    pid: host\n    volumes: [\"/srv/data:/data\"]\n    x-podlift:\n      allow: [host-namespace, bind-host-path, pod-security]\n";

#[test]
fn a_compose_file_cannot_accept_its_own_security_findings() {
    let dir = compose_dir(SELF_ALLOWED);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--strict"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("allow-refused"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`x-podlift.allow` cannot accept `host-namespace`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:7"), "{}", run.stderr);
}

#[test]
fn the_command_line_can_accept_security_findings() {
    let dir = compose_dir(
        "services:\n  web:\n    image: nginx\n    pid: host\n    volumes: [\"/srv/data:/data\"]\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "check",
            "--strict",
            "--allow",
            "host-namespace",
            "--allow",
            "bind-host-path",
            "--allow",
            "pod-security",
        ])
        .run();
    assert!(!run.stderr.contains("allow-refused"), "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn an_unknown_code_in_x_podlift_allow_is_a_warning_at_its_place() {
    let dir = compose_dir(
        "services:\n  web:\n    image: nginx\n    x-podlift:\n      allow: [no-such-code]\n",
    );
    let run = Test::new().current_dir(dir.path()).args(["check"]).run();
    assert!(
        run.stderr
            .contains("`x-podlift.allow` names `no-such-code`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:5"), "{}", run.stderr);
}
