//! How diagnostics read: repeated findings grouped, one summary line,
//! verbosity and colour flags.

use std::fmt::Write as _;

use crate::common;

use common::{Test, compose_dir};

/// `services` services, each at an address inside two common cluster ranges
/// (10.96.0.0/12 and 10.100.0.0/16): two warnings per service.
fn in_common_ranges(services: usize) -> String {
    let mut text = String::from("services:\n");
    for i in 0..services {
        let _ = write!(
            text,
            "  svc{i}:\n    image: app\n    restart: always\n    networks:\n      back:\n        ipv4_address: 10.100.0.{}\n",
            i + 1
        );
    }
    text.push_str(
        "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.100.0.0/16\n",
    );
    text
}

fn headlines(stderr: &str, code: &str) -> usize {
    stderr.matches(&format!("⚠ warning[{code}]:")).count()
}

#[test]
fn repeated_findings_are_grouped_once_with_where_the_rest_are() {
    let dir = compose_dir(&in_common_ranges(12));
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check"])
        .success();
    assert_eq!(
        headlines(&run.stderr, "address-common-range"),
        3,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "… and 21 more warning[address-common-range]: svc1, svc2, svc3, svc4, svc5, svc6, svc7, svc8, … (`-v` shows each)"
        ),
        "{}",
        run.stderr
    );
    // Every finding is still counted, once, in one summary line.
    assert_eq!(
        run.stderr.matches("0 errors, 24 warnings, 2 notes").count(),
        1
    );
    assert!(run.stderr.lines().count() < 50, "{}", run.stderr);
}

#[test]
fn a_few_repeated_findings_are_each_shown() {
    // Two services: four findings, more than the three shown of a group.
    let dir = compose_dir(&in_common_ranges(1));
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check"])
        .success();
    assert_eq!(
        headlines(&run.stderr, "address-common-range"),
        2,
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("more warning["), "{}", run.stderr);
}

#[test]
fn two_thousand_findings_print_few_lines() {
    let mut text = String::from("services:\n");
    for i in 0..1000 {
        let _ = write!(
            text,
            "  svc{i}:\n    image: app\n    restart: always\n    networks:\n      back:\n        ipv4_address: 10.100.{}.{}\n",
            i / 250,
            1 + i % 250
        );
    }
    text.push_str(
        "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.100.0.0/16\n",
    );
    let dir = compose_dir(&text);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(
        run.stderr.lines().count() < 200,
        "{} lines",
        run.stderr.lines().count()
    );
    assert!(
        run.stderr
            .contains("… and 1,997 more warning[address-common-range]: ")
    );
    assert!(run.stderr.contains("0 errors, 2,000 warnings, 2 notes\n"));
    assert!(run.stdout.contains("kind: Deployment"));
}

#[test]
fn verbose_shows_every_finding_with_its_snippet() {
    let dir = compose_dir(&in_common_ranges(12));
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-v"])
        .success();
    assert_eq!(headlines(&run.stderr, "address-common-range"), 24);
    assert!(!run.stderr.contains("more warning["), "{}", run.stderr);
    assert!(run.stderr.ends_with("0 errors, 24 warnings, 2 notes\n"));
}

#[test]
fn quiet_prints_errors_only() {
    let mut text = in_common_ranges(3);
    // A fourth service at the third one's address: one error.
    text = text.replace(
        "networks:\n  back:\n    ipam",
        "  dup:\n    image: app\n    restart: always\n    networks:\n      back:\n        ipv4_address: 10.100.0.3\nnetworks:\n  back:\n    ipam",
    );
    let dir = compose_dir(&text);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["-q", "check"])
        .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[address-duplicate]"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("warning["), "{}", run.stderr);
    assert!(!run.stderr.contains("note["), "{}", run.stderr);
    assert!(
        run.stderr.ends_with("1 error, 8 warnings, 2 notes\n"),
        "{}",
        run.stderr
    );
    // Without errors, quiet prints nothing at all.
    let clean = compose_dir(&in_common_ranges(2));
    let quiet = Test::new()
        .current_dir(clean.path())
        .args(["convert", "--quiet"])
        .success();
    assert_eq!(quiet.stderr, "");
    assert!(quiet.stdout.contains("kind: Deployment"));
    // -q and -v contradict each other: a usage error.
    Test::new().args(["check", "-q", "-v"]).failure(2);
}

#[test]
fn color_flag_overrides_no_color_and_the_terminal_check() {
    let dir = compose_dir(&in_common_ranges(1));
    let always = Test::new()
        .current_dir(dir.path())
        .args(["check", "--color", "always"])
        .success();
    assert!(always.stderr.contains("\u{1b}["), "{}", always.stderr);
    for args in [["check", "--color", "never"], ["check", "--color", "auto"]] {
        let run = Test::new().current_dir(dir.path()).args(args).success();
        assert!(!run.stderr.contains('\u{1b}'), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("warning[address-common-range]"));
    }
    Test::new()
        .current_dir(dir.path())
        .args(["check", "--color", "sometimes"])
        .failure(2);
}

#[test]
fn a_run_with_only_notes_has_a_summary_line() {
    let dir = compose_dir("services:\n  app:\n    image: app\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(run.stderr.contains("note[restart-pod]"), "{}", run.stderr);
    assert!(
        run.stderr.ends_with("\n0 errors, 0 warnings, 1 note\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn plan_prints_the_plan_with_its_errors_marked() {
    let dir = compose_dir(
        "services:\n  a:\n    image: a\n    restart: always\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  b:\n    image: b\n    restart: always\n    networks: {back: {ipv4_address: 169.254.253.2}}\nnetworks:\n  back: {}\n",
    );
    let run = Test::new().current_dir(dir.path()).args(["plan"]).run();
    assert_eq!(run.code, 1, "errors still fail the run");
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert!(
        rows.iter().any(|r| r.trim_end().ends_with("ERRORS")),
        "{}",
        run.stdout
    );
    assert!(
        rows.iter()
            .any(|r| r.contains(" b ") && r.trim_end().ends_with("address-duplicate")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\nErrors: fix them before converting")
            && run.stdout.contains(
                "  error[address-duplicate] compose.yaml:9: service `b` declares address `169.254.253.2`, already declared by `a`\n"
            ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("\n1 error, 0 warnings, 2 notes\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.ends_with("\n1 error, 0 warnings, 2 notes\n"),
        "{}",
        run.stderr
    );
    // A file that does not load has no plan to show.
    let broken = compose_dir("services: [\n");
    Test::new()
        .current_dir(broken.path())
        .args(["plan"])
        .failure(1);
}
