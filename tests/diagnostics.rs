//! How diagnostics read: repeated findings grouped, one summary line,
//! verbosity and colour flags.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::fmt::Write as _;

mod common;

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
