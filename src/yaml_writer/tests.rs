//! The writer against serde-saphyr's writer (the same text, byte for
//! byte) and against its reader (every string reads back unchanged).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::scalar::{
    FOLD_WIDTH, Style, checked_plain_key, checked_value_style, digits_only, plain_key,
    plainly_plain, value_style,
};
use super::to_string;

/// Strings an attacker would try, and the edges of every rule.
pub(crate) const HOSTILE: &[&str] = &[
    "",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "a\r\nb",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "FALSE",
    "yes",
    "Yes",
    "YES",
    "no",
    "NO",
    "on",
    "On",
    "off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "<<",
    "=",
    "0",
    "-0",
    "+1",
    "01",
    "0x1F",
    "0X1f",
    "0o17",
    "0O17",
    "0b101",
    "017",
    "1_000",
    "1__0",
    "_1",
    "1_",
    "1e3",
    "1E3",
    "1e+3",
    "1.0e-3",
    ".5",
    "5.",
    "1.2.3",
    ".inf",
    "-.inf",
    "+.INF",
    ".nan",
    ".NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1:30",
    "190:20:30",
    "1:30.5",
    "0:30",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-1-2",
    "2001-12-14T21:59:43Z",
    "20011-12-14",
    "- a",
    "-",
    "--",
    "-a",
    "? a",
    "?",
    "?a",
    ": a",
    ":",
    "a:",
    "a: b",
    "a:b",
    "a :b",
    "a #b",
    "a#b",
    "#a",
    "a\t#b",
    ",a",
    "a,b",
    "[a]",
    "a[b]",
    "{a}",
    "a{b}",
    "&a",
    "*a",
    "!a",
    "!!str",
    "|",
    "|-",
    ">",
    "'a'",
    "'",
    "\"",
    "\"a\"",
    "%YAML",
    "@a",
    "`a`",
    "---",
    "--- a",
    "---a",
    "...",
    "... a",
    "...a",
    "a ",
    " a",
    "a\t",
    "\ta",
    "a\nb",
    "a\n",
    "a\n\n",
    "a\n\n\n",
    "\na",
    "\n\na",
    " a\nb",
    "\n  a\nb",
    "a  \nb  ",
    "a\n  \n",
    "a\n\t b",
    "a\u{0}b",
    "a\u{7}b",
    "a\u{8}",
    "a\u{b}",
    "a\u{c}",
    "a\u{1b}",
    "\u{7f}",
    "a\u{80}b",
    "a\u{85}b",
    "a\u{9f}",
    "\u{a0}",
    "a\u{a0}",
    "a\u{a0}#b",
    "a:\u{a0}",
    "\u{feff}",
    "\u{feff}a",
    "a\u{2028}b",
    "a\u{2029}b",
    "a\u{2028}\nb",
    "\u{fffe}",
    "\u{ffff}",
    "\u{fffd}",
    "é",
    "字",
    "😀",
    "\u{10ffff}",
    "a\\b",
    "\\",
    "a'b",
    "a\"b",
    "a\u{1}\nb",
    "'\n'",
    "key: |\n  value",
    "- a\n- b",
    "#!/bin/sh\nexit 0\n",
    "line\r\nline",
    "{{ .Values.x }}",
    "${VAR}",
    "$(cmd)",
    "a b c",
];

/// Strings with bidirectional controls: written escaped, unlike
/// serde-saphyr (which writes them as they are).
const BIDI: &[&str] = &[
    "a\u{202e}b",
    "\u{2066}x\u{2069}",
    "a\u{200f}",
    "\u{61c}",
    "x\u{202a}\ny",
];

/// Strings whose first line starts with a tab: written with an indentation
/// indicator (`|2-`), unlike serde-saphyr, for go-yaml.
const TAB_FIRST: &[&str] = &["\tx\ny", "\n\tx", "\t", "\t\n"];

/// `s` in every place a string can stand.
fn places(s: &str) -> Vec<Value> {
    vec![
        json!(s),
        json!({ "k": s }),
        json!([s]),
        json!({ "k": [s, s] }),
        json!([[s], { "k": s, "l": s }]),
        json!({ "k": { "l": [{ "m": s }] } }),
        json!({ s: s }),
        json!([{ s: [s] }]),
    ]
}

#[test]
fn hostile_strings_are_written_as_serde_saphyr_writes_them_and_read_back() {
    for s in HOSTILE {
        for value in places(s) {
            let ours = to_string(&value).unwrap();
            let theirs = serde_saphyr::to_string(&value).unwrap();
            assert_eq!(ours, theirs, "{value:?}");
            let back: Value = serde_saphyr::from_str(&ours).unwrap();
            assert_eq!(back, value, "{ours}");
        }
    }
}

#[test]
fn a_block_whose_first_line_starts_with_a_tab_has_an_indentation_indicator() {
    for s in TAB_FIRST {
        for value in places(s) {
            let ours = to_string(&value).unwrap();
            let back: Value = serde_saphyr::from_str(&ours).unwrap();
            assert_eq!(back, value, "{ours}");
        }
    }
    assert_eq!(
        to_string(&json!({ "k": "\tx\ny" })).unwrap(),
        "k: |2-\n  \tx\n  y\n"
    );
}

#[test]
fn bidirectional_controls_are_escaped_and_read_back() {
    for s in BIDI {
        for value in places(s) {
            let ours = to_string(&value).unwrap();
            assert!(ours.is_ascii(), "{ours}");
            let back: Value = serde_saphyr::from_str(&ours).unwrap();
            assert_eq!(back, value, "{ours}");
        }
    }
}

#[test]
fn long_strings_fold_and_long_keys_are_explicit() {
    let words = "word ".repeat(40);
    let long = [
        words.trim_end().to_string(),
        words.clone(),
        "x".repeat(200),
        format!("{}  {}", "a".repeat(79), "b".repeat(90)),
        format!("{} \t{}", "a".repeat(79), "b".repeat(9)),
        format!("{} {}", "é".repeat(60), "ü".repeat(60)),
        "k".repeat(2000),
        format!("\"{}", "k".repeat(1100)),
    ];
    for s in &long {
        for value in places(s) {
            let ours = to_string(&value).unwrap();
            assert_eq!(ours, serde_saphyr::to_string(&value).unwrap(), "{value:?}");
            let back: Value = serde_saphyr::from_str(&ours).unwrap();
            assert_eq!(&back, &value, "{ours}");
        }
    }
}

#[test]
fn empty_collections_nulls_numbers_and_nesting() {
    let values = [
        json!({}),
        json!([]),
        json!(null),
        json!({ "a": {}, "b": [], "c": null, "d": [{}, [], null, [[]], [{}]] }),
        json!([[[1, 2], [3]], [], [[]], { "x": [[{ "y": {} }]] }]),
        json!({ "n": [0, -1, 18_446_744_073_709_551_615_u64, 1.5, -0.0, 1e300, 4e-6, 0.1] }),
        json!({ "t": true, "f": false, "1": 1, "": "" }),
    ];
    for value in &values {
        let ours = to_string(value).unwrap();
        assert_eq!(ours, serde_saphyr::to_string(value).unwrap(), "{value:?}");
    }
    let ordered: IndexMap<&str, Option<Vec<u16>>> =
        IndexMap::from([("z", None), ("a", Some(vec![])), ("m", Some(vec![80]))]);
    assert_eq!(
        to_string(&ordered).unwrap(),
        serde_saphyr::to_string(&ordered).unwrap()
    );
    assert_eq!(to_string(&ordered).unwrap(), "z: null\na: []\nm:\n- 80\n");
}

#[test]
fn floats_and_enums() {
    #[derive(serde::Serialize)]
    enum Kind {
        Unit,
        New(u8),
        Map(IndexMap<String, f32>),
    }
    let values = (
        [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.0,
            1e21,
            1.5e-7,
            123_456.789,
        ],
        [f32::MIN_POSITIVE, 0.1_f32, 3.0_f32],
        vec![
            Kind::Unit,
            Kind::New(7),
            Kind::Map(IndexMap::from([("k".into(), 0.5)])),
        ],
        IndexMap::from([("x", Kind::New(1)), ("y", Kind::Unit)]),
    );
    assert_eq!(
        to_string(&values).unwrap(),
        serde_saphyr::to_string(&values).unwrap()
    );
}

/// A string from characters that meet the rules' edges.
fn edgy_string() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "b",
        "Z",
        "0",
        "1",
        "9",
        "_",
        ".",
        "+",
        "-",
        "e",
        "x",
        "o",
        "b",
        "T",
        ":",
        "#",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        "'",
        "\"",
        "\\",
        "?",
        ",",
        "[",
        "}",
        "&",
        "*",
        "!",
        "|",
        ">",
        "%",
        "@",
        "`",
        "~",
        "yes",
        "no",
        "null",
        "inf",
        "nan",
        "2001-12-14",
        "---",
        "...",
        "é",
        "\u{85}",
        "\u{a0}",
        "\u{2028}",
        "\u{feff}",
        "\u{1}",
        "\u{7f}",
        "😀",
    ]);
    prop::collection::vec(pieces, 0..8).prop_map(|pieces| pieces.concat())
}

fn edgy_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        edgy_string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((edgy_string(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Whether a string of `value` (or a key) has a first non-empty line that
/// starts with a tab (see [`TAB_FIRST`]).
fn has_tab_first(value: &Value) -> bool {
    let tab_first = |s: &str| {
        s.split('\n')
            .find(|line| !line.is_empty())
            .is_some_and(|line| line.starts_with('\t'))
    };
    match value {
        Value::String(s) => tab_first(s),
        Value::Array(items) => items.iter().any(has_tab_first),
        Value::Object(map) => map.iter().any(|(k, v)| tab_first(k) || has_tab_first(v)),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_value_is_written_as_serde_saphyr_writes_it_and_reads_back(value in edgy_value()) {
        let ours = to_string(&value).unwrap();
        if !has_tab_first(&value) {
            prop_assert_eq!(&ours, &serde_saphyr::to_string(&value).unwrap());
        }
        let back: Value = serde_saphyr::from_str(&ours).unwrap();
        prop_assert_eq!(back, value);
    }
}

/// The one-pass decision ([`plainly_plain`]) says plain only where the full
/// checks do, so the style of every string is theirs.
fn one_pass_agrees(s: &str) -> Result<(), TestCaseError> {
    if s.len() <= FOLD_WIDTH && plainly_plain(s, false) {
        prop_assert_eq!(checked_value_style(s), Style::Plain, "{:?}", s);
    }
    if plainly_plain(s, true) {
        prop_assert!(checked_plain_key(s), "{:?}", s);
    }
    if digits_only(s) {
        prop_assert_eq!(checked_value_style(s), Style::Double, "{:?}", s);
    }
    prop_assert_eq!(value_style(s), checked_value_style(s), "{:?}", s);
    prop_assert_eq!(plain_key(s), checked_plain_key(s), "{:?}", s);
    Ok(())
}

#[test]
fn the_one_pass_decision_agrees_with_the_full_checks_on_hostile_strings() {
    for s in HOSTILE {
        one_pass_agrees(s).unwrap();
        one_pass_agrees(&format!("a{s}")).unwrap();
        one_pass_agrees(&format!("/{s}")).unwrap();
        one_pass_agrees(&format!("{s}:")).unwrap();
    }
    let long = "a".repeat(FOLD_WIDTH);
    for s in [
        long.clone(),
        format!("{long}b"),
        format!("{long}:"),
        format!("/{long}"),
    ] {
        one_pass_agrees(&s).unwrap();
    }
}

#[test]
fn the_one_pass_decision_takes_the_usual_names_paths_and_images() {
    for s in [
        "synthetic-data0",
        "app.kubernetes.io/managed-by",
        "registry.example.com/synthetic/app:1.0",
        "/var/lib/app",
        "ReadWriteOnce",
        "TCP",
        "svc0",
        "a#b",
    ] {
        assert!(plainly_plain(s, false), "{s}");
        assert_eq!(value_style(s), Style::Plain);
    }
    for s in [
        "app.kubernetes.io/name",
        "podlift.io/network.default",
        "LOG_LEVEL",
    ] {
        assert!(plainly_plain(s, true), "{s}");
    }
    // left to the full checks
    for s in [
        "no", "True", "Off", "inf", "y", "1Gi", "-a", ".", "a b", "a:", "é", "",
    ] {
        assert!(!plainly_plain(s, false), "{s}");
    }
    assert!(!plainly_plain("registry.example.com/app:1.0", true));
    for s in ["0", "10000", "0123", &"9".repeat(FOLD_WIDTH + 1)] {
        assert!(digits_only(s), "{s}");
        assert_eq!(value_style(s), Style::Double);
    }
    for s in ["", "1Gi", "-1", "1_0", "1.5", "1:30"] {
        assert!(!digits_only(s), "{s}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn the_one_pass_decision_agrees_with_the_full_checks(
        edgy in edgy_string(),
        ascii in "[ -~]{0,12}",
        word in "[nNtTfFiIyYoO/a-z][a-zA-Z0-9:._/#-]{0,6}",
        number in "[0-9]{1,4}[0-9_.:eE+-]?[0-9]{0,3}",
    ) {
        one_pass_agrees(&number)?;
        one_pass_agrees(&edgy)?;
        one_pass_agrees(&ascii)?;
        one_pass_agrees(&word)?;
    }
}

#[test]
fn integers_are_written_as_display_writes_them() {
    for v in [0, 1, -1, 9, -9, 10, -10, 10_000, i64::MIN, i64::MAX] {
        assert_eq!(to_string(&v).unwrap(), format!("{v}\n"));
        assert_eq!(to_string(&[v]).unwrap(), format!("- {v}\n"));
    }
    for v in [0, 7, 65_535, u64::MAX] {
        assert_eq!(to_string(&v).unwrap(), format!("{v}\n"));
    }
    assert_eq!(
        to_string(&(-5i8, 200u8, i32::MIN)).unwrap(),
        "- -5\n- 200\n- -2147483648\n"
    );
}

/// A writer of many documents writes each as a fresh writer does, whatever
/// it learnt of the field names before (plain or quoted, the same text).
#[test]
fn documents_written_one_after_another_are_each_what_a_fresh_writer_writes() {
    #[derive(serde::Serialize)]
    struct Odd {
        #[serde(rename = "yes")]
        yes: u8,
        name: BTreeMap<String, String>,
        #[serde(rename = "a: b")]
        spaced: Vec<&'static str>,
    }
    let odd = Odd {
        yes: 1,
        name: BTreeMap::from([
            ("on".to_string(), "10".to_string()),
            ("k".into(), "v".into()),
        ]),
        spaced: vec!["-", "x y", ""],
    };
    let values = [
        json!({"name": "a", "yes": {"no": []}}),
        json!(["null", {"true": 1}]),
    ];
    let mut documents = super::Documents::new();
    let mut all = String::new();
    let mut expected = String::new();
    for _ in 0..2 {
        documents.write(&mut all, &odd).unwrap();
        expected.push_str(&to_string(&odd).unwrap());
        for value in &values {
            documents.write(&mut all, value).unwrap();
            expected.push_str(&to_string(value).unwrap());
        }
    }
    assert_eq!(all, expected);
    assert!(expected.contains("\"a: b\":"), "{expected}");
}
