//! Red team, round 9: the speed changes of 09e5359 (pre-sized event and key
//! path lists, the duplicate-key index under foldhash, `mem::forget` of the
//! pipeline) change no behaviour and open no way to make podlift slow or
//! large: duplicate keys are found as before at every mapping size, and a
//! file cannot make a mapping's keys collide.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use podlift::load::yaml;
use podlift::source::FileId;

/// The fastest of three parses of `text`, and whether it parsed.
fn fastest_parse(text: &str) -> (Duration, bool) {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let parsed = yaml::parse(text, FileId(0)).is_ok();
            (start.elapsed(), parsed)
        })
        .min()
        .unwrap()
}

/// A mapping of `2^bits` keys, each a flow list of `bits` items that are
/// `~` (null) or `"~"` (the string `~`) by the bits of its number: every key
/// differs from every other, yet all print as `[~, ~, …]`.
fn keys_that_print_alike(bits: u32) -> String {
    let mut text = String::from("x:\n");
    for i in 0..1u32 << bits {
        let items: Vec<&str> = (0..bits)
            .map(|b| if i >> b & 1 == 1 { "~" } else { "\"~\"" })
            .collect();
        writeln!(text, "  [{}]: 1", items.join(", ")).unwrap();
    }
    text
}

/// The same number of keys of the same length, each printing differently.
fn keys_that_print_apart(bits: u32) -> String {
    let mut text = String::from("x:\n");
    for i in 0..1u32 << bits {
        let items: Vec<&str> = (0..bits)
            .map(|b| if i >> b & 1 == 1 { "\"a\"" } else { "\"b\"" })
            .collect();
        writeln!(text, "  [{}]: 1", items.join(", ")).unwrap();
    }
    text
}

/// The key index hashed a list or mapping key by how it prints, and a list
/// of `~` and `"~"` prints the same either way (so do `["a, b"]` and
/// `[a, b]`): 4,096 such keys, 221 KB, all took one hash under any seed, and
/// each key was compared with every earlier one (5.4 times the time of
/// keys that print apart in a debug build; 8,192 keys, 475 KB, 17 s for
/// `podlift check`; quadratic, so a 16 MiB file ran for hours). Equal keys
/// must share a hash, keys that only print alike need not.
#[test]
fn keys_that_print_alike_do_not_collide() {
    let (alike, parsed) = fastest_parse(&keys_that_print_alike(12));
    assert!(parsed, "the keys differ: no duplicate");
    let (apart, parsed) = fastest_parse(&keys_that_print_apart(12));
    assert!(parsed);
    // the same work either way: 1 time; quadratic was 5.4 times here
    assert!(
        alike < apart * 4,
        "keys that print alike took {alike:?}, keys that print apart {apart:?}"
    );
}

/// A mapping of `size` keys: `first` as the first key, `k1`… after it, and
/// `second` as the last; with the line of `second` (1-based).
fn mapping_with(size: usize, first: &str, second: &str) -> (String, usize) {
    let mut text = format!("x:\n  {first}: 0\n");
    for i in 1..size - 1 {
        writeln!(text, "  k{i}: {i}").unwrap();
    }
    writeln!(text, "  {second}: last").unwrap();
    (text, size + 1)
}

/// Duplicate keys are found the same way on either side of the index
/// (mappings over 32 keys): spelled differently (`true` and `"true"`, `1`
/// and `"1"`, `~` and `null`, lists and mappings of those), the error names
/// the second; keys that only print alike are two keys.
#[test]
fn duplicate_keys_are_found_alike_at_every_size() {
    let same = [
        ("true", "\"true\""),
        ("1", "'1'"),
        ("~", "null"),
        ("[1, true, ~]", "[\"1\", 'true', null]"),
        ("{a: ~}", "{\"a\": null}"),
        ("[{a: [1]}]", "[{'a': ['1']}]"),
    ];
    let apart = [
        ("[~]", "[\"~\"]"),
        ("[\"a, b\"]", "[a, b]"),
        ("{a: \"b: c\"}", "{a: {b: c}}"),
        ("~", "''"),
        ("1", "01"),
        ("[]", "{}"),
    ];
    for size in [3, 31, 32, 33, 34, 10_000] {
        for (first, second) in same {
            let (text, line) = mapping_with(size, first, second);
            let error = yaml::parse(&text, FileId(0)).unwrap_err();
            assert!(error.message.contains("duplicate key"), "{}", error.message);
            let start = error.span.unwrap().start;
            assert_eq!(
                text[..start].matches('\n').count() + 1,
                line,
                "{size} keys, {first} then {second}"
            );
        }
        for (first, second) in apart {
            let (text, _) = mapping_with(size, first, second);
            let parsed = yaml::parse(&text, FileId(0));
            assert!(
                parsed.is_ok(),
                "{size} keys, {first} then {second}: {parsed:?}"
            );
        }
    }
}

/// A merge key (`<<`) never makes a duplicate: keys written in the mapping
/// win over merged ones, and the first merged mapping over later ones, on
/// either side of the index.
#[test]
fn merged_keys_are_not_duplicates_at_every_size() {
    for size in [3, 31, 32, 33, 10_000] {
        let mut text = String::from(
            "a: &a {\"true\": a, \"1\": a, ~: a}\nb: &b {true: b, 1: b, null: b, k1: b}\nx:\n",
        );
        for i in 1..size {
            writeln!(text, "  k{i}: {i}").unwrap();
        }
        text.push_str("  <<: [*a, *b]\n  '1': x\n");
        let root = yaml::parse(&text, FileId(0)).unwrap();
        let podlift::load::yaml::Value::Map(top) = &root.value else {
            panic!("{root}")
        };
        let x = top.iter().find(|(k, _)| k.to_string() == "x").unwrap();
        let podlift::load::yaml::Value::Map(entries) = &x.1.value else {
            panic!("{}", x.1)
        };
        let got: Vec<String> = entries
            .iter()
            .filter(|(k, _)| !k.to_string().starts_with('k') || k.to_string() == "k1")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(got, ["k1=1", "1=x", "true=a", "~=a"], "{size} keys");
        assert_eq!(entries.len(), size + 2, "{size} keys");
    }
}

/// The fast reader sized its event list at one event per ten bytes of
/// text, whatever the text holds: one 400 KB line (8 events) reserved room
/// for 40,000 events (5.1 MB at 128 bytes), a 16 MiB one-line file for
/// 400,000 (51 MB),
/// and `podlift check` on that file peaked at 80 MB RSS where c6d447e took
/// 60 MB (debug build; 63 MB with the list grown as needed). Room for a few
/// events a line is enough; a long line holds few.
#[test]
fn a_long_line_reserves_room_for_the_events_it_holds() {
    for text in [
        format!("a: {}\n", "x".repeat(400_000)),
        format!("a: \"{}\"\n", "x ".repeat(200_000)),
        format!("# {}\na: 1\n", "c".repeat(400_000)),
    ] {
        let events = yaml::fast_events(&text).unwrap();
        assert!(
            events.capacity() <= 2 * events.len() + 16,
            "{} events, room for {} ({} bytes each)",
            events.len(),
            events.capacity(),
            size_of_val(&events[0])
        );
    }
}

/// Values shorter than 7 bytes were no longer searched for a credential's
/// shape, the shortest being taken for `://a:b@`; but a URL's user may be
/// empty (`redis://:password@host` is how Redis is reached), so `://:b@`
/// (6 bytes) is a URL with a password, and it went into the Deployment as
/// plain text where c6d447e put it into a Secret (note env-secret).
#[test]
fn a_six_byte_url_with_a_password_stays_in_a_secret() {
    let run = crate::common::convert(
        "services:\n  app:\n    image: busybox\n    environment:\n      UPSTREAM: \"://:b@\"\n",
        &["-p", "p"],
    );
    assert!(run.stderr.contains("note[env-secret]"), "{}", run.stderr);
    let kinds: Vec<_> = run.objects().iter().map(|o| o["kind"].clone()).collect();
    assert!(kinds.iter().any(|k| k == "Secret"), "{kinds:?}");
    assert!(!run.stdout.contains("value: \"://:b@\""), "{}", run.stdout);
}
