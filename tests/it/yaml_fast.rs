//! The fast reader of block-style YAML (src/load/yaml/fast.rs) against
//! granit-parser: for every YAML file of the corpus, the examples and the
//! fixtures, the benchmark's generated files and many generated texts, the
//! fast reader either leaves the text to granit-parser or gives exactly its
//! events (the same byte ranges), and parsing gives exactly the same tree,
//! tags, key paths or diagnostic as granit-parser alone.

use std::path::Path;
use std::time::{Duration, Instant};

use granit_parser::{Options, Parser};
use podlift::load::yaml::{fast_events, parse_with_paths, parse_with_paths_granit};
use podlift::source::FileId;

type Events<'t> = Vec<(granit_parser::Event<'t>, std::ops::Range<usize>)>;

/// granit-parser's events, `None` when it reports an error.
fn granit(text: &str) -> Option<Events<'_>> {
    let mut options = Options::default();
    options.flow_nesting_limit = podlift::load::yaml::MAX_DEPTH;
    options.block_nesting_limit = podlift::load::yaml::MAX_DEPTH;
    Parser::new_from_str_with_options(text, options)
        .map(|e| e.ok().map(|(e, s)| (e, s.byte_range().unwrap_or(0..0))))
        .collect()
}

/// Checks `text`; whether the fast reader took it.
fn check(text: &str) -> bool {
    let fast = fast_events(text);
    let took = fast.is_some();
    if let Some(fast) = fast {
        let reference = granit(text);
        assert!(
            reference.is_some(),
            "the fast reader read text granit-parser rejects:\n{text:?}"
        );
        let reference = reference.unwrap();
        for (i, (a, b)) in fast.iter().zip(&reference).enumerate() {
            assert_eq!(a, b, "event {i} differs for\n{text:?}");
        }
        assert_eq!(fast.len(), reference.len(), "event count for\n{text:?}");
    }
    let ours = parse_with_paths(text, FileId(3));
    let theirs = parse_with_paths_granit(text, FileId(3));
    match (ours, theirs) {
        (Ok((n1, t1, p1)), Ok((n2, t2, p2))) => {
            assert_eq!(n1, n2, "tree for\n{text:?}");
            assert_eq!(t1, t2, "tags for\n{text:?}");
            assert_eq!(
                format!("{p1:?}"),
                format!("{p2:?}"),
                "key paths for\n{text:?}"
            );
        }
        (Err(d1), Err(d2)) => assert_eq!(d1, d2, "diagnostic for\n{text:?}"),
        (a, b) => panic!("one failed, one did not for\n{text:?}\n{a:?}\n{b:?}"),
    }
    took
}

#[test]
fn every_yaml_file_reads_the_same_and_most_take_the_fast_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/corpus");
    if !shared.is_dir() {
        podlift_skip("../shared/corpus is missing");
    }
    let mut files = Vec::new();
    for dir in ["../shared/corpus", "../shared/examples", "tests/fixtures"] {
        crate::common::yaml_files(&root.join(dir), &mut files);
    }
    files.sort();
    let (mut read, mut fast) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        read += 1;
        if check(&text) {
            fast += 1;
        }
    }
    println!("fast path: {fast} of {read} YAML files");
    if shared.is_dir() {
        assert!(fast * 10 >= read * 6, "fast path: only {fast} of {read}");
    }
}

fn podlift_skip(message: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: {message}"
    );
    eprintln!("SKIPPED: {message}");
}

#[test]
fn the_benchmark_files_take_the_fast_path() {
    use crate::generate::{Variant, compose};
    for variant in [Variant::Podlet, Variant::Full, Variant::Findings] {
        let text = compose(200, variant);
        assert!(check(&text), "{variant:?}");
    }
}

/// A seeded generator (xorshift): reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// Mostly from `usual`, one time in `odd` from `unusual`.
    fn mix<'a>(&mut self, usual: &[&'a str], unusual: &[&'a str], odd: usize) -> &'a str {
        if self.below(odd) == 0 {
            self.pick(unusual)
        } else {
            self.pick(usual)
        }
    }
}

#[rustfmt::skip]
const KEYS: &[&str] = &[
    "a", "image", "b c", "'q'", "\"dq\"", "<<", "1", "true", "~", "k#x", "a:b", "-x", "é",
    "'it''s'", "\"a b\"", "x ", "null", "8080", "key with spaces", "'a: b'", "\"#\"",
];

#[rustfmt::skip]
const ODD_KEYS: &[&str] = &[
    "'", "\"", "a'b", "k\u{a0}", "k\u{85}", "?", "? x", "[a]", "{a: 1}", "&a k", "*a", "!t k",
    "\"a\\\"b\"", "'a\n b'",
];

#[rustfmt::skip]
const VALUES: &[&str] = &[
    "", "v", "1", "1.5", "0x1F", "yes", "true", "False", "~", "null", "NULL", "''", "\"\"",
    "'a''b'", "\"a: b\"", "'#'", "x # c", "x#c", "a:b", "http://x:80/p?q=1#f", "[]", "{}",
    "[a, 'b', \"c d\"]", "[ 1 , 2, ]", "[\"CMD\", \"curl\", \"-f\"]", "${X:-1}", "x[1]", "x{y}",
    "[a] # c", "日本語", "8080:80", "a'b\"c", "-1", "--flag", "x  ", "'x' # c", "e\u{301}",
];

#[rustfmt::skip]
const ODD_VALUES: &[&str] = &[
    "a: b", "- x", "-", "\"a\\\"b\"", "\"\\t\"", "'multi", "|", ">", "|-\n  x", "{a: 1}",
    "&a 1", "*a", "!reset", "!reset x", "!!str 1", "%x", "@x", "`x`", "x\u{2028}y",
    "\u{feff}x", "x\ty", "\"x\" y", "'x'#c", ":x", "?x", ",x", "x,y", "x]", "#", " # c",
    "\u{7f}", "\u{1}", "[a, [b]]", "[a: 1]", "[a #c]", "[a,,b]", "[a]#c", "[a] x", "{ }",
    "[\"a\": 1]", "[-]", "[- a]", "[a", "[a\u{85}]", "[,]", "[ ]", "\u{a0}x", "x\u{a0}",
    "very long value with many words in it that goes on", "'a\n  b'", "\"a\n  b\"", "x\n  y",
];

/// A block-YAML text of a few lines, most of them well formed.
fn generated(rng: &mut Rng) -> String {
    let mut out = String::new();
    let lines = 1 + rng.below(12);
    let mut indents = vec![0usize];
    for _ in 0..lines {
        let depth_indent = *indents.last().unwrap();
        let indent = match rng.below(10) {
            0 => depth_indent + 1 + rng.below(4),
            1 => indents[rng.below(indents.len())],
            2 => rng.below(6),
            _ => depth_indent,
        };
        let pad = " ".repeat(indent);
        let line = match rng.below(14) {
            0 => format!("{pad}# comment {}", rng.mix(VALUES, ODD_VALUES, 8)),
            1 => String::new(),
            2 => format!("{pad}- {}", rng.mix(VALUES, ODD_VALUES, 8)),
            3 => format!(
                "{pad}- {}: {}",
                rng.mix(KEYS, ODD_KEYS, 8),
                rng.mix(VALUES, ODD_VALUES, 8)
            ),
            4 => format!("{pad}- - {}", rng.mix(VALUES, ODD_VALUES, 8)),
            5 => format!("{pad}-"),
            6 => format!("{pad}{}:", rng.mix(KEYS, ODD_KEYS, 8)),
            7 if rng.below(4) == 0 => rng
                .pick(&["---", "...", "--- x", "%YAML 1.2", "  ", "\t", "-- x"])
                .to_string(),
            8 => format!(
                "{pad}{}:{}",
                rng.mix(KEYS, ODD_KEYS, 8),
                rng.pick(&["", " ", "  # c", "x", "\t"])
            ),
            9 => format!("{pad}{}", rng.mix(VALUES, ODD_VALUES, 8)),
            _ => format!(
                "{pad}{}: {}",
                rng.mix(KEYS, ODD_KEYS, 8),
                rng.mix(VALUES, ODD_VALUES, 8)
            ),
        };
        if line.trim_end().ends_with(':') || line.trim_end().ends_with('-') {
            indents.push(indent + 1 + rng.below(3));
        } else if rng.below(3) == 0 && indents.len() > 1 {
            indents.pop();
        }
        out.push_str(&line);
        if rng.below(6) == 0 {
            out.push_str(rng.pick(&[" ", "  ", " # t", "\r", "#x"]));
        }
        out.push_str(if rng.below(25) == 0 { "\r\n" } else { "\n" });
    }
    if rng.below(5) == 0 {
        out.pop();
    }
    out
}

#[test]
fn generated_block_yaml_reads_the_same() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let (mut total, mut fast) = (0, 0);
    while total < 60_000 && started.elapsed() < Duration::from_mins(1) {
        let text = generated(&mut rng);
        total += 1;
        if check(&text) {
            fast += 1;
        }
    }
    println!("generated: {fast} of {total} took the fast path");
    assert!(
        fast * 20 >= total,
        "only {fast} of {total} generated texts took the fast path"
    );
}

/// Each rule of the subset, and each way out of it, on a small text.
#[test]
fn the_subset_rules_and_every_way_out() {
    let taken = [
        "a: 1\n",
        "a: 1",
        "a:\n",
        "a:",
        "a :\n",
        "a: 1\nb:\n  c: x y  # c\n  d:\n  - p\n  - q: 1\n    r: 2\n  e: \"q\" \n  f: 's'\n# end\n",
        "k:\n- - x\n- b: 1\n  c: 2\n",
        "k:\n-\n- 1",
        "k:\n  -   # c\n  - x\n",
        "- a\n- b\n",
        "-\n- a\n",
        "# c\n\n  a: 1\n  # x\n",
        "'it''s': 'a''b'\n",
        "\"a b\": \"c: d\"\n",
        "a: x#y\nb: http://x:80/#f\nc: a:b\n",
        "a: 日本語 # コメント\n",
        "a:\n    b:\n      - c\nd: 1\n",
        "- a:\n  - x\n",
        "a: 1\na: 2\n",
        "<<: 1\n",
        "a: [1]\n",
        "a: [\"CMD\", 'x', y z, ]  # c\n",
        "- []\n- {}\n- [a]\n",
    ];
    for text in taken {
        assert!(check(text), "not taken: {text:?}");
    }
    let left = [
        "",
        "# only\n",
        "a: 1\r\n",
        "a:\t1\n",
        "\u{feff}a: 1\n",
        "---\na: 1\n",
        "a: 1\n...\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: {b: 1}\n",
        "a: [[1]]\n",
        "a: [1,\n  2]\n",
        "a: |\n  x\n",
        "a: >\n  x\n",
        "a: x\n  y\n",
        "a: 'x\n  y'\n",
        "a: \"x\\ty\"\n",
        "a: &x 1\nb: *x\n",
        "a: !reset 1\n",
        "? a\n: 1\n",
        "a\n",
        "a: b: c\n",
        "a: 1\n- b\n",
        "a:\n  - x\n  b: 1\n",
        "a:\n    b: 1\n  c: 2\n",
        "  a: 1\nb: 2\n",
        "a: - b\n",
        "\"a\"b: 1\n",
        "'a'#c: 1\n",
        "a: 'x' y\n",
        "a: x\u{85}y\n",
        "a: x\u{2028}y\n",
    ];
    for text in left {
        assert!(!check(text), "taken: {text:?}");
    }
}

/// The builder takes the fast reader's events as they are read: when the
/// reader gives up after the builder met an error (a duplicate key, a bad
/// merge key) or built part of the tree, granit-parser's answer for the
/// whole text is the answer, as when the events were listed first; when
/// the reader reads the whole text, the builder's first error is.
#[test]
fn what_was_built_before_the_reader_gave_up_is_dropped() {
    let given_up = [
        // an error met, then text outside the subset
        "a: 1\na: 2\nb: |\n  x\n",
        "a: 1\na: 2\nb: [1,\n",
        "a: 1\na: 2\nb: &x 1\n",
        "s:\n  <<: 1\n  t: \"\\t\"\n",
        "a: 1\na: 2\nb:\n\tc: 1\n",
        // half the tree built, then text outside the subset or too deep
        "a:\n  b: 1\n  c:\n    - x\nd: >\n  folded\n",
        "a: 1\nb: *nope\n",
        "a: 1\n---\nb: 2\n",
    ];
    for text in given_up {
        assert!(!check(text), "taken: {text:?}");
    }
    let deep: String = (0..45)
        .map(|i| [" ".repeat(2 * i), format!("k{i}:\n")].concat())
        .collect();
    assert!(!check(&format!("a: 1\na: 2\n{deep}")));
    // read whole: the first error, at the first duplicate
    for (text, first) in [
        ("a: 1\na: 2\na: 3\n", "a: 2"),
        ("s:\n  <<: [1]\n  t: 1\n  t: 2\n", "1]"),
    ] {
        assert!(check(text), "not taken: {text:?}");
        let error = parse_with_paths(text, FileId(3)).unwrap_err();
        assert_eq!(
            error.span.unwrap().start,
            text.find(first).unwrap(),
            "{error:?}"
        );
    }
}

/// Hostile sizes stay linear: a 1 MB line, 100,000 levels of indentation,
/// 100,000 nested `- `.
#[test]
fn hostile_shapes_finish_fast() {
    let started = Instant::now();
    let long = format!("a: {}\n", "x".repeat(1 << 20));
    assert!(check(&long));
    let mut deep = String::new();
    for i in 0..100_000 {
        deep.push_str(&" ".repeat(i % 100));
        deep.push_str("k:\n");
    }
    assert!(fast_events(&deep).is_none());
    let dashes = format!("{}x\n", "- ".repeat(100_000));
    assert!(fast_events(&dashes).is_none());
    let many = "- a\n".repeat(500_000);
    assert!(fast_events(&many).is_none(), "too many events to buffer");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
