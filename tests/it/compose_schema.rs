//! Round 8: what compose's schema refuses, found with the oracle binary
//! (Docker Compose 2.40.3, `docker-compose -f FILE config --format json`);
//! each test quotes what compose said. podlift accepted every one of these
//! files on 124e245.

use crate::common;

use common::{Test, compose_dir};

/// `podlift check` of `compose` (and more files, `name: text`): the run,
/// expected to refuse the project.
fn refused(compose: &str, more: &[(&str, &str)], args: &[&str]) -> String {
    let dir = compose_dir(compose);
    for (name, text) in more {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let run = Test::new()
        .args(["check", "-v"])
        .args(args)
        .current_dir(dir.path())
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.stderr
}

fn accepted(compose: &str) -> String {
    let dir = compose_dir(compose);
    Test::new()
        .args(["check"])
        .current_dir(dir.path())
        .success()
        .stderr
}

#[test]
fn plain_special_floats_and_dates_are_not_strings() {
    // compose: `services.a.pid must be a null or string` (`.inf`, `.nan`),
    // `services.a.ipc invalid jsonType time.Time`, `services.a.image
    // invalid jsonType time.Time`, `services.a.environment.A invalid
    // jsonType time.Time`; a quoted or `!!str` one is text
    let err = refused(
        "services:
  a:
    image: 2001-12-14
    pid: .inf
    uts: -.Inf
    ipc: 2001-12-14T21:59:43Z
    userns_mode: .nan
    environment: {A: 2001-1-2}
    command: [\"2001-12-14\", !!str 2001-12-14, '.inf']
    x-ok: 2001-12-14
",
        &[],
        &[],
    );
    for expected in [
        "`image` must be a string, found the date `2001-12-14`",
        "`pid` must be a string, found `.inf`",
        "`uts` must be a string, found `-.Inf`",
        "`ipc` must be a string, found the date `2001-12-14T21:59:43Z`",
        "`userns_mode` must be a string, found `.nan`",
        "`A` must be a string, found the date `2001-1-2`",
        "compose.yaml:3:12",
        "quote it: YAML reads it as a date, which compose refuses",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(err.contains("6 errors"), "{err}");
}

#[test]
fn numbers_in_lists_of_names_and_files_are_refused() {
    // compose: `services.a.env_file must be a string`, `env_file.0 must be
    // a string`, `external_links.0 must be a string`, `configs.0.source
    // must be a string`, `aliases.[0]: unexpected type int`, `secrets.[0]:
    // unsupported expose value 1`, `group_add.0 must be a number or
    // string`, `device_cgroup_rules.0 must be a string`
    let err = refused(
        "networks: {n: {}}
secrets: {s: {file: ./s}}
configs: {s: {file: ./s}}
services:
  a:
    image: x
    env_file: 1
  b:
    image: x
    env_file: [1, {path: 2}]
    external_links: [3]
    secrets: [4]
    configs: [{source: 5}]
    group_add: [6, true]
    device_cgroup_rules: [7]
    networks: {n: {aliases: [8]}}
",
        &[("s", "x"), ("1", "A=1"), ("2", "A=1")],
        &[],
    );
    for expected in [
        "`env_file` must be a string, found `1`",
        "`env_file item` must be a string, found `1`",
        "`path` must be a string, found `2`",
        "`external_links item` must be a string, found `3`",
        "`secrets item` must be a string, found `4`",
        "`source` must be a string, found `5`",
        "`group_add item` must be a string, found `true`",
        "`device_cgroup_rules item` must be a string, found `7`",
        "`aliases item` must be a string, found `8`",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    // a numeric group id is what compose takes (`group_add: [6]` prints "6")
    assert!(!err.contains("found `6`"), "{err}");
}

#[test]
fn repeated_items_compose_refuses_are_refused_in_one_file_and_merged() {
    // compose: `services.a.security_opt items at 0 and 1 are equal`, the
    // same for group_add, external_links, volumes_from,
    // device_cgroup_rules, depends_on, and `extra_hosts must be a mapping`
    // for a repeated list item; `1` and `"1"` differ
    let err = refused(
        "services:
  b: {image: x}
  a:
    image: x
    security_opt: [a, \"a\"]
    group_add: [g, 1, \"1\", g]
    external_links: [e, e]
    volumes_from: [b, b]
    device_cgroup_rules: [r, r]
    depends_on: [b, b]
    extra_hosts: [\"h:1.1.1.1\", \"h:1.1.1.1\"]
",
        &[],
        &[],
    );
    for key in [
        "`security_opt` lists `a` twice",
        "`group_add` lists `g` twice",
        "`external_links` lists `e` twice",
        "`volumes_from` lists `b` twice",
        "`device_cgroup_rules` lists `r` twice",
        "`depends_on` lists `b` twice",
        "`extra_hosts` lists `h:1.1.1.1` twice",
        "error[list-duplicate]",
        "compose.yaml:5:23",
    ] {
        assert!(err.contains(key), "{key}\n{err}");
    }
    assert!(!err.contains("lists `1` twice"), "{err}");
    // compose appends these lists across files and through `extends`, then
    // refuses the repeat: `validating override.yaml: services.a.security_opt
    // items at 0 and 1 are equal`
    let err = refused(
        "services:
  base: {image: x, group_add: [g]}
  a:
    extends: base
    group_add: [g]
    security_opt: [s]
",
        &[("override.yaml", "services:\n  a:\n    security_opt: [s]\n")],
        &["-f", "compose.yaml", "-f", "override.yaml"],
    );
    assert!(err.contains("`group_add` lists `g` twice"), "{err}");
    assert!(err.contains("`security_opt` lists `s` twice"), "{err}");
    assert!(err.contains("override.yaml:3:20"), "{err}");
}

#[test]
fn repeats_compose_removes_itself_are_still_kept_once() {
    // compose prints `cap_add: ["NET_ADMIN"]`, `dns_search: ["a"]`,
    // `expose: ["1"]`, `labels: {"a": "1"}` for these
    let err = accepted(
        "services:
  a:
    image: x
    cap_add: [NET_ADMIN, NET_ADMIN]
    dns_search: [a, a]
    expose: [1, \"1\"]
    tmpfs: [/t, /t]
    labels: [a=1, a=1]
",
    );
    assert!(!err.contains("list-duplicate"), "{err}");
}

#[test]
fn keys_of_only_line_breaks_are_refused() {
    // compose: `services.a.labels additional properties '\n' not allowed`
    // (its pattern `.+` needs a character other than a line break), the
    // same for an empty key and in `environment`; `logging.options` keys
    // match `^.+$`, so a line break anywhere is refused; `"a\nb"` is a
    // label compose takes
    let err = refused(
        "services:
  a:
    image: x
    labels: {\"\\n\": x, \"a\\nb\": y}
    environment: {\"\\n\\n\": x, \"\": y}
    annotations: {\"\": z}
    logging: {driver: json-file, options: {\"max\\nsize\": 1m}}
",
        &[],
        &[],
    );
    for expected in [
        "`labels` has the key `\"\\n\"`",
        "`environment` has the key `\"\\n\\n\"`",
        "`environment` has the key `\"\"`",
        "`annotations` has the key `\"\"`",
        "`options` has the key `\"max\\nsize\"`",
        "error[key-blank]",
        "compose.yaml:4:14",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains("\"a\\nb\"`, which"), "{err}");
}

#[test]
fn json_output_holds_no_control_or_bidi_character_from_the_input() {
    // serde_json escapes only C0: C1 controls and bidirectional overrides
    // from compose values reached `config --format json` and `convert
    // --format json` as they are. Escaped, the JSON means the same.
    let compose = "services:
  web:
    image: x
    labels: {\"a\\x9bb\": \"v\\u202ev\", k: \"\\u2066\"}
    environment: {A: \"1\\x85\\u2069\"}
    command: [\"\\u202e\", \"\\x9b\", \"\\U000E0041\"]
";
    let dir = compose_dir(compose);
    for args in [
        &["config", "--format", "json"][..],
        &["convert", "--format", "json"],
        &["check", "--format", "json"],
    ] {
        let run = Test::new().args(args).current_dir(dir.path()).run();
        let raw: Vec<char> = run
            .stdout
            .chars()
            .filter(|c| {
                matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{e0000}'..='\u{e007f}')
            })
            .collect();
        assert!(raw.is_empty(), "{args:?}: {raw:?}\n{}", run.stdout);
        let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        if args[0] == "config" {
            let web = &value["services"]["web"];
            assert_eq!(web["labels"]["a\u{9b}b"], "v\u{202e}v", "{value}");
            assert_eq!(web["environment"]["A"], "1\u{85}\u{2069}", "{value}");
            assert_eq!(
                web["command"],
                serde_json::json!(["\u{202e}", "\u{9b}", "\u{e0041}"])
            );
        }
    }
}
