//! Text from the input never reaches a terminal as control characters
//! (issue 25, class 6): an ESC or OSC sequence in a `hostname`, a service
//! name, a path, a key or the compose text around a finding is printed
//! escaped (`\u{1b}`) by `check`, `plan`, `convert` and `config`, in
//! diagnostics, their snippets and the reports. Before, they were printed
//! raw: they could erase earlier warnings or set the clipboard.

use crate::common::{self, Run, Test};

/// Characters that must never be printed as they are.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Nothing unsafe on either stream; the manifests and `config`'s YAML on
/// stdout are data, where a bidirectional character is a value's own (the
/// YAML writer escapes every control character).
fn assert_clean(run: &Run, what: &str) {
    let data = what.starts_with("convert") || what.starts_with("config");
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| unsafe_char(c) && !(data && stream == "stdout" && !c.is_control()))
            .collect();
        assert!(
            bad.is_empty(),
            "{what}: {stream} holds {bad:?}:\n{}",
            text.escape_debug()
        );
    }
}

/// An OSC 52 (set the clipboard) and a CSI (clear the screen) sequence, a
/// BEL, a C1 CSI and a right-to-left override.
const HOSTILE: &str = "\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{9b}1A\u{202e}";

#[test]
fn hostname_service_name_and_path_are_escaped_everywhere() {
    // YAML's double-quoted escapes, so the file itself is plain text.
    let compose = "services:\n  \"web\\e[2J\":\n    image: app\n    hostname: \"h\\e]52;c;aGk=\\a\\u202e\"\n    volumes: [\"./gone\\e[31m:/data\"]\n    env_file: [\"./no\\e]0;t\\a.env\"]\n";
    let dir = common::compose_dir(compose);
    for command in [
        &["check"][..],
        &["check", "-v"],
        &["check", "--format", "json"],
        &["plan"],
        &["plan", "--format", "mermaid"],
        &["convert"],
        &["config"],
    ] {
        let run = Test::new().current_dir(dir.path()).args(command).run();
        assert_clean(&run, &command.join(" "));
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("\\u{1b}") || all.contains("\\u001b"),
            "{command:?}: {all}"
        );
    }
    // The escapes name what was there.
    let run = Test::new().current_dir(dir.path()).args(["check"]).run();
    assert!(
        run.stderr
            .contains("`h\\u{1b}]52;c;aGk=\\u{7}\\u{202e}` is not a valid host name"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("./no\\u{1b}]0;t\\u{7}.env"),
        "{}",
        run.stderr
    );
}

/// Raw control characters in the compose text itself are replaced in the
/// snippets: YAML refuses an ESC (the error's snippet shows the line), and
/// takes a right-to-left override in a value, shown around a finding with
/// its label still in place.
#[test]
fn raw_controls_in_the_compose_text_are_replaced_in_snippets() {
    let refused = common::compose_dir(&format!("# {HOSTILE}\nservices:\n  app:\n    image: app\n"));
    let accepted = common::compose_dir(
        "services:\n  app:\n    image: app\n    hostname: \"bad_name\"\n    labels: {a: \"x\u{202e}y\"}\n",
    );
    for dir in [&refused, &accepted] {
        for command in [
            &["check"][..],
            &["check", "-v"],
            &["plan"],
            &["convert"],
            &["config"],
        ] {
            let run = Test::new().current_dir(dir.path()).args(command).run();
            assert_clean(&run, &command.join(" "));
        }
    }
    let run = Test::new()
        .current_dir(refused.path())
        .args(["check"])
        .run();
    assert!(run.stderr.contains("1 │ # ?]52;c;aGk=?"), "{}", run.stderr);
    let run = Test::new()
        .current_dir(accepted.path())
        .args(["check"])
        .run();
    assert!(
        run.stderr.contains("labels: {a: \"x???y\"}"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hostname: \"bad_name\""),
        "{}",
        run.stderr
    );
}

/// A key and a file name from the input in `config`'s own diagnostics and
/// in the command's errors.
#[test]
fn keys_and_file_names_are_escaped_in_errors() {
    let dir = common::compose_dir("services:\n  app:\n    image: app\n    \"x\\e[2Jkey\": 1\n");
    let run = Test::new().current_dir(dir.path()).args(["config"]).run();
    assert_ne!(run.code, 0);
    assert_clean(&run, "config");
    assert!(run.stderr.contains("x\\u{1b}[2Jkey"), "{}", run.stderr);
    let missing = format!("gone{HOSTILE}.yaml");
    for command in ["check", "config", "convert"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args([command, "-f", &missing])
            .run();
        assert_ne!(run.code, 0);
        assert_clean(&run, command);
    }
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "convert",
            "-o",
            &format!("out{HOSTILE}.txt/x.yaml"),
            "--format",
            "helm",
        ])
        .run();
    assert_eq!(run.code, 2);
    assert_clean(&run, "convert -o");
}
