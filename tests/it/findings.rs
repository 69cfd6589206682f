//! Findings a team can act on (issue 29, items 3 and 4): errors first, then
//! warnings, then notes; a time zone bind is a note of its own, never
//! grouped with a hostPath that matters; an unset variable is reported once;
//! the Pod Security line is short (`-v` lists every finding); `--strict`
//! always prints the warnings that made it fail, also with `-q`; `-q check`
//! prints the totals only; `--allow CODE` (and a service's
//! `x-podlift.allow`) keeps accepted warnings from failing `--strict` while
//! still listing them.

use std::fmt::Write as _;

use crate::common::{self, Test};

/// One warning (`restart-differs`: `app` keeps compose's `no`).
const ONE_WARNING: &str =
    "services:\n  app:\n    image: app:1\n  db:\n    image: db:1\n    restart: always\n";

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in:\n{text}"))
}

/// `--strict -q` exited 1 printing nothing; now the warning that failed it
/// is printed, by every command.
#[test]
fn strict_quiet_prints_the_warnings_that_failed() {
    let dir = common::compose_dir(ONE_WARNING);
    for command in ["check", "convert", "plan"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["-q", command, "--strict"])
            .run();
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("warning[restart-differs]"),
            "{command}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("0 errors, 1 warning, 0 notes"),
            "{command}: {}",
            run.stderr
        );
    }
    // Without `--strict`, `-q` prints no warning.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["-q", "check"])
        .success();
    assert_eq!(run.stderr, "");
}

/// `-q check` printed the per-service table; now the totals only.
#[test]
fn quiet_check_prints_the_totals_only() {
    let dir = common::compose_dir(ONE_WARNING);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["-q", "check"])
        .success();
    assert_eq!(run.stdout, "0 errors, 1 warning, 0 notes\n");
}

/// `--allow CODE` and a service's `x-podlift.allow`: the warning is still
/// listed, marked allowed, and `--strict` passes; one allowed for another
/// service only still fails. An unknown code is a usage error.
#[test]
fn allowed_warnings_are_listed_and_do_not_fail_strict() {
    let dir = common::compose_dir(ONE_WARNING);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--strict", "--allow", "restart-differs"])
        .success();
    assert!(
        run.stderr.contains("warning[restart-differs]") && run.stderr.contains("(allowed)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .ends_with("0 errors, 1 warning (1 allowed), 0 notes\n"),
        "{}",
        run.stdout
    );
    // Allowed warnings did not fail the run: `-q` does not print them.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["-q", "convert", "--strict", "--allow", "restart-differs"])
        .success();
    assert_eq!(run.stderr, "");
    // Per service: allowed where the finding is, or elsewhere.
    for (service, code) in [("app", 0), ("db", 1)] {
        let compose = ONE_WARNING.replace(
            &format!("  {service}:\n"),
            &format!("  {service}:\n    x-podlift: {{allow: [restart-differs]}}\n"),
        );
        let dir = common::compose_dir(&compose);
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check", "--strict"])
            .run();
        assert_eq!(run.code, code, "{service}: {}", run.stderr);
        assert!(
            run.stderr.contains("warning[restart-differs]"),
            "{}",
            run.stderr
        );
    }
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--allow", "restart-diffres"])
        .failure(2);
    assert!(
        run.stderr.contains("no diagnostic code `restart-diffres`"),
        "{}",
        run.stderr
    );
}

/// Errors first, then warnings, then notes, whatever their place in the
/// file (they were in file order: an error at the end came last).
#[test]
fn errors_come_first_then_warnings_then_notes() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app:1\n    volumes: [\"/etc/localtime:/etc/localtime:ro\"]\n  db:\n    image: db:1\n    restart: always\n  web:\n    image: \"web:\"\n",
    );
    let run = Test::new().current_dir(dir.path()).args(["check"]).run();
    assert_eq!(run.code, 1);
    let error = position(&run.stderr, "error[image-invalid]");
    let warning = position(&run.stderr, "warning[restart-differs]");
    let note = position(&run.stderr, "note[bind-host-time]");
    assert!(error < warning && warning < note, "{}", run.stderr);
}

/// A time zone bind is a note of its own; a node's directory that becomes
/// a hostPath stays a warning, never in one group with it.
#[test]
fn a_time_zone_bind_is_never_grouped_with_a_dangerous_host_path() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app:1\n    volumes:\n      - /etc/localtime:/etc/localtime:ro\n      - /etc/timezone:/etc/timezone:ro\n      - /srv/webui:/web\n      - /etc/localtime:/a:ro\n      - /etc/localtime:/b:ro\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--strict"])
        .run();
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.matches("warning[bind-host-path]").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bind mount `/srv/webui`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("note[bind-host-time]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("0 errors, 1 warning, "),
        "{}",
        run.stdout
    );
}

/// An unset variable used five times is one warning, as compose says it
/// once: one snippet, the other places named, counted once.
#[test]
fn an_unset_variable_is_reported_once() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app:1\n    environment: [\"A=${GONE}\", \"B=${GONE}\", \"C=${GONE}\", \"D=${GONE}\"]\n  db:\n    image: db:1\n    environment: [\"E=${GONE}\"]\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .env_remove("GONE")
        .args(["check"])
        .success();
    assert_eq!(
        run.stderr.matches("variable `GONE` is not set").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("… and 4 more warning[variable-unset]: app, db"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("0 errors, 1 warning, "),
        "{}",
        run.stdout
    );
}

/// The Pod Security line of `check` and its note are short (they listed
/// every finding, 1,659 characters in a real application, twice); `check -v`
/// lists them all.
#[test]
fn the_pod_security_line_is_short_unless_verbose() {
    let mut compose = String::from("services:\n  app:\n    image: app:1\n    volumes:\n");
    for n in 0..40 {
        writeln!(compose, "      - /srv/data{n}:/data{n}").unwrap();
    }
    let dir = common::compose_dir(&compose);
    let line = |verbose: bool| {
        let mut args = vec!["check"];
        if verbose {
            args.push("-v");
        }
        let run = Test::new().current_dir(dir.path()).args(args).success();
        // The note says the same, as briefly.
        let note = run
            .stderr
            .lines()
            .find(|l| l.contains("note[pod-security]"))
            .unwrap();
        assert!(note.chars().count() < 200, "{note}");
        run.stdout
            .lines()
            .find(|l| l.starts_with("pod security:"))
            .unwrap()
            .to_string()
    };
    let short = line(false);
    assert!(short.len() < 160, "{short}");
    assert!(
        short.contains("40 findings") && short.contains("-v"),
        "{short}"
    );
    let long = line(true);
    assert!(long.contains("/srv/data39"), "{long}");
}

/// `check --format json` marks an allowed warning and counts it.
#[test]
fn json_marks_allowed_warnings() {
    let dir = common::compose_dir(ONE_WARNING);
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--strict",
            "--allow",
            "restart-differs",
        ])
        .success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let warning = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "restart-differs")
        .unwrap();
    assert_eq!(warning["allowed"], true);
    assert_eq!(report["summary"]["allowed"], 1);
}
