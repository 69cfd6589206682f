//! Properties that hold for every input, not just the examples we thought of:
//! interpolation, merging, the address plan and the YAML podlift writes.
//! Case counts stay small so the suite runs in seconds; the fuzz targets in
//! `fuzz/` search much longer.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use proptest::prelude::*;

use podlift::diagnostic::Diagnostics;
use podlift::load::interpolate::{Problem, substitute};
use podlift::load::merge::merge_documents;
use podlift::load::yaml::{self, Node, Tags, Value};
use podlift::load::{self, LoadOptions};
use podlift::model::{self, NameSources};
use podlift::plan::{self, PlanOptions};
use podlift::source::{FileId, Sources};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// A variable name as compose accepts it.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}"
}

/// Text that looks like YAML of another type, or breaks naive quoting.
const TRICKY: &[&str] = &[
    "$(",
    "$(HOME)",
    "$$(HOME)",
    "a$$b",
    "$",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "true",
    "False",
    "0080",
    "0x1F",
    "0o17",
    "1e3",
    "1_000",
    ".5",
    "-.inf",
    ".NaN",
    "~",
    "null",
    "Null",
    "",
    ":",
    "a: b",
    "- x",
    "-",
    "#",
    "# c",
    "a #b",
    "&a",
    "*a",
    "!tag",
    "%x",
    "@x",
    "`x",
    "|",
    ">",
    "'",
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    "?",
    " lead",
    "trail ",
    " ",
    "two\nlines",
    "\n",
    "tab\tx",
    "ünïcödé",
    "日本語",
    "🦀",
    "2001-01-01",
    "12:30:00",
    "---",
    "...",
    "=",
    "<<",
    "\r\n",
    "a\rb",
    "\u{85}",
    "\u{2028}",
    "\u{feff}x",
    "\u{7f}",
    "\u{1b}[0m",
    "x\u{0}y",
];

/// Any string value: a tricky one, or random printable text with some spaces,
/// newlines and tabs mixed in.
fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(TRICKY).prop_map(String::from),
        "[ \\n\\t]{0,2}\\PC{0,12}[ \\n\\t]{0,2}",
        "\\PC{0,4}[\\n:#'\"-]\\PC{0,4}",
    ]
}

fn lookup(env: &BTreeMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    |name| env.get(name).cloned()
}

proptest! {
    #![proptest_config(config(256))]

    /// podlift's escape for the kubelet gives back the text exactly.
    #[test]
    fn kubelet_escape_round_trips(text in "\\PC{0,24}|[$()a-z]{0,24}") {
        prop_assert_eq!(kubelet_expand(&podlift::plan::escape(&text)), text);
    }

    /// Escaping every `$` as `$$` gives back the text exactly, whatever it holds.
    #[test]
    fn interpolation_dollar_dollar_round_trips(text in "\\PC{0,24}|[${}:?+a-z-]{0,24}") {
        let escaped = text.replace('$', "$$");
        let (out, missing) = substitute(&escaped, &|_| Some("SET".into())).unwrap();
        prop_assert_eq!(out, text);
        prop_assert!(missing.is_empty());
    }

    /// An unset variable takes its default, with `:-` and with `-`.
    #[test]
    fn interpolation_default_applies_when_unset(
        name in name(),
        default in "[^$}]{0,16}",
    ) {
        let env = BTreeMap::new();
        for op in [":-", "-"] {
            let template = format!("<${{{name}{op}{default}}}>");
            let (out, missing) = substitute(&template, &lookup(&env)).unwrap();
            prop_assert_eq!(out, format!("<{default}>"));
            prop_assert!(missing.is_empty());
        }
    }

    /// A set, non-empty value wins over the default and is not interpolated again.
    #[test]
    fn interpolation_set_value_wins(
        name in name(),
        value in "\\PC{1,16}",
        default in "[^$}]{0,16}",
    ) {
        let env = BTreeMap::from([(name.clone(), value.clone())]);
        for template in [
            format!("${{{name}}}"),
            format!("${{{name}:-{default}}}"),
            format!("${{{name}-{default}}}"),
            format!("${{{name}:?{default}}}"),
        ] {
            let (out, missing) = substitute(&template, &lookup(&env)).unwrap();
            prop_assert_eq!(&out, &value, "{}", template);
            prop_assert!(missing.is_empty());
        }
    }

    /// `${NAME:?message}` without a value fails, naming the variable and the message.
    #[test]
    fn interpolation_required_fails_when_unset(name in name(), message in "[a-z ]{0,16}") {
        let env = BTreeMap::from([(name.clone(), String::new())]);
        let template = format!("${{{name}:?{message}}}");
        let problem = substitute(&template, &lookup(&env)).unwrap_err();
        prop_assert_eq!(problem, Problem::Required { name, message, at: 0..template.len() });
    }
}

/// A compose document's text, from parts the merge has rules for.
#[derive(Clone, Debug)]
struct Service {
    image: String,
    environment: Vec<(String, String)>,
    environment_as_list: bool,
    ports: Vec<(u16, u16)>,
    volumes: Vec<String>,
    dns: Vec<String>,
    cap_add: Vec<String>,
    command: Vec<String>,
    networks: Vec<String>,
    depends_on: Vec<String>,
    labels: Vec<(String, String)>,
}

fn service() -> impl Strategy<Value = Service> {
    (
        "[a-z]{1,8}(:[0-9]{1,3})?",
        proptest::collection::btree_map(name(), "[a-z0-9 ]{0,8}", 0..4),
        any::<bool>(),
        proptest::collection::btree_map(1u16..10_000, 1u16..10_000, 0..3),
        proptest::collection::btree_set("/[a-z]{1,6}", 0..3),
        proptest::collection::btree_set("10\\.0\\.0\\.[0-9]", 0..3),
        proptest::collection::btree_set("NET_ADMIN|SYS_TIME|CHOWN", 0..3),
        proptest::collection::vec("[a-z-]{1,6}", 0..3),
        proptest::collection::btree_set("front|back|db", 0..3),
        proptest::collection::btree_set("svc[0-3]", 0..2),
        proptest::collection::btree_map("[a-z.]{1,8}", "[a-z]{0,6}", 0..3),
    )
        .prop_map(
            |(image, env, as_list, ports, volumes, dns, caps, command, networks, deps, labels)| {
                Service {
                    image,
                    environment: env.into_iter().collect(),
                    environment_as_list: as_list,
                    ports: ports.into_iter().collect(),
                    volumes: volumes.into_iter().collect(),
                    dns: dns.into_iter().collect(),
                    cap_add: caps.into_iter().collect(),
                    command,
                    networks: networks.into_iter().collect(),
                    depends_on: deps.into_iter().collect(),
                    labels: labels.into_iter().collect(),
                }
            },
        )
}

fn list(key: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let items: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("    {key}: [{}]\n", items.join(", "))
}

fn document(services: &BTreeMap<String, Service>) -> String {
    let mut text = String::from("services:\n");
    for (name, s) in services {
        writeln!(text, "  {name}:\n    image: {:?}", s.image).unwrap();
        if !s.environment.is_empty() {
            text.push_str("    environment:\n");
            for (k, v) in &s.environment {
                if s.environment_as_list {
                    writeln!(text, "      - {:?}", format!("{k}={v}")).unwrap();
                } else {
                    writeln!(text, "      {k}: {v:?}").unwrap();
                }
            }
        }
        let ports: Vec<String> = s.ports.iter().map(|(p, t)| format!("{p}:{t}")).collect();
        let volumes: Vec<String> = s.volumes.iter().map(|v| format!("data{v}:{v}")).collect();
        text.push_str(&list("ports", &ports));
        text.push_str(&list("volumes", &volumes));
        text.push_str(&list("dns", &s.dns));
        text.push_str(&list("cap_add", &s.cap_add));
        text.push_str(&list("command", &s.command));
        text.push_str(&list("networks", &s.networks));
        text.push_str(&list("depends_on", &s.depends_on));
        if !s.labels.is_empty() {
            text.push_str("    labels:\n");
            for (k, v) in &s.labels {
                writeln!(text, "      {k}: {v:?}").unwrap();
            }
        }
    }
    text
}

/// The tree without positions, for comparing trees parsed from different text.
/// A list of names under `networks` or `depends_on` reads as the mapping the
/// merge turns it into (`[a]` is `{a: null}`).
fn plain(node: &Node) -> String {
    plain_under(node, "")
}

fn plain_under(node: &Node, key: &str) -> String {
    let plain = |node: &Node| plain_under(node, "");
    match &node.value {
        Value::Seq(items) if key == "networks" || key == "depends_on" => {
            let entries: Vec<String> = items.iter().map(|i| format!("{}:~", plain(i))).collect();
            format!("{{{}}}", entries.join(","))
        }
        Value::Null => "~".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("#{n}"),
        Value::String(s) => format!("{s:?}"),
        Value::Seq(items) => {
            let items: Vec<String> = items.iter().map(plain).collect();
            format!("[{}]", items.join(","))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    let name = k.scalar().unwrap_or_default();
                    format!("{}:{}", plain(k), plain_under(v, &name))
                })
                .collect();
            format!("{{{}}}", entries.join(","))
        }
    }
}

fn merged(base: &str, over: &str) -> (Node, Diagnostics) {
    let base = yaml::parse(base, FileId(0)).unwrap();
    let over = yaml::parse(over, FileId(1)).unwrap();
    let mut diagnostics = Diagnostics::default();
    let node = merge_documents(base, over, &Tags::new(), &mut diagnostics);
    (node, diagnostics)
}

proptest! {
    #![proptest_config(config(128))]

    /// A file merged with itself (`-f a.yaml -f a.yaml`) is the file.
    #[test]
    fn merge_with_itself_changes_nothing(
        services in proptest::collection::btree_map("svc[0-3]", service(), 1..4),
    ) {
        let text = document(&services);
        let (node, diagnostics) = merged(&text, &text);
        prop_assert!(!diagnostics.has_errors());
        prop_assert_eq!(plain(&node), plain(&yaml::parse(&text, FileId(0)).unwrap()), "{}", text);
    }

    /// What a later file sets wins: the image, each environment variable and
    /// label it names, and `command` as a whole; what it does not name stays.
    #[test]
    fn merge_later_override_wins(base in service(), over in service()) {
        let base_text = document(&BTreeMap::from([("app".to_string(), base.clone())]));
        let over_text = document(&BTreeMap::from([("app".to_string(), over.clone())]));
        let (node, _) = merged(&base_text, &over_text);
        let app = node.get("services").unwrap().get("app").unwrap();
        prop_assert_eq!(app.get("image").unwrap().as_str(), Some(over.image.as_str()));

        let environment: BTreeMap<String, String> = match app.get("environment") {
            None => BTreeMap::new(),
            Some(env) => match &env.value {
                Value::Map(entries) => entries
                    .iter()
                    .map(|(k, v)| (k.scalar().unwrap(), v.scalar().unwrap_or_default()))
                    .collect(),
                Value::Seq(items) => items
                    .iter()
                    .map(|i| {
                        let (k, v) = i.as_str().unwrap().split_once('=').unwrap();
                        (k.to_string(), v.to_string())
                    })
                    .collect(),
                _ => panic!("environment is {}", env.type_name()),
            },
        };
        let mut expected: BTreeMap<String, String> = base.environment.iter().cloned().collect();
        expected.extend(over.environment.iter().cloned());
        prop_assert_eq!(environment, expected);

        let labels: BTreeMap<String, String> = app
            .get("labels")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (k.scalar().unwrap(), v.scalar().unwrap()))
            .collect();
        let mut expected: BTreeMap<String, String> = base.labels.iter().cloned().collect();
        expected.extend(over.labels.iter().cloned());
        prop_assert_eq!(labels, expected);

        let command: Vec<String> = app
            .get("command")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        let expected = if over.command.is_empty() { base.command } else { over.command };
        prop_assert_eq!(command, expected);
    }
}

/// A project directory holding one compose file.
fn project(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    dir
}

fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..4, any::<u8>()).prop_map(|(c, d)| IpAddr::V4(Ipv4Addr::new(169, 254, 250 + c, d))),
        (0u16..4, any::<u16>())
            .prop_map(|(g, h)| IpAddr::V6(Ipv6Addr::new(0xfd00, 0x253, 0, 0, 0, 0, g, h))),
    ]
}

proptest! {
    #![proptest_config(config(48))]

    /// Every address the services declare, and every extra one, is claimed on
    /// loopback exactly once, IPv4 first and each family in order; nothing else is.
    #[test]
    fn address_plan_claims_each_address_once(
        declared in proptest::collection::btree_set(address(), 1..12),
        services in 1usize..5,
        extra in proptest::collection::vec(address(), 0..3),
    ) {
        let declared: Vec<IpAddr> = declared.into_iter().collect();
        let mut text = String::from("services:\n");
        for (index, chunk) in declared.chunks(declared.len().div_ceil(services)).enumerate() {
            writeln!(text, "  s{index}:\n    image: busybox\n    networks:").unwrap();
            for (net, ip) in chunk.iter().enumerate() {
                let key = if ip.is_ipv4() { "ipv4_address" } else { "ipv6_address" };
                writeln!(text, "      n{index}x{net}:\n        {key}: \"{ip}\"").unwrap();
            }
        }
        text.push_str("networks:\n");
        for (index, chunk) in declared.chunks(declared.len().div_ceil(services)).enumerate() {
            for net in 0..chunk.len() {
                writeln!(text, "  n{index}x{net}:\n    external: true").unwrap();
            }
        }
        let dir = project(&text);
        let mut sources = Sources::default();
        let mut diagnostics = Diagnostics::default();
        let options = LoadOptions {
            working_dir: dir.path().to_path_buf(),
            files: vec![PathBuf::from("compose.yaml")],
            interpolate: true,
            ..LoadOptions::default()
        };
        let document = load::load(&options, &mut sources, &mut diagnostics).unwrap();
        let names = NameSources { flag: Some("props".into()), ..NameSources::default() };
        let project = model::model(document, &names, &BTreeMap::new(), &mut diagnostics);
        let options = PlanOptions { extra_addresses: extra.clone(), ..PlanOptions::default() };
        let plan = plan::plan(&project, &options, &mut diagnostics).pods.into_iter().next().unwrap();
        prop_assert!(!diagnostics.has_errors(), "{:?}\n{}", diagnostics, text);

        let mut expected: Vec<IpAddr> = declared.iter().chain(&extra).copied().collect::<BTreeSet<_>>().into_iter().collect();
        expected.sort_by_key(|ip| (ip.is_ipv6(), *ip));
        let loopback = plan.loopback.unwrap();
        prop_assert_eq!(&loopback.addresses, &expected);

        let claimed: Vec<IpAddr> = podlift::render::init_script::script(&loopback)
            .lines()
            .filter_map(|line| line.strip_prefix("ip addr replace "))
            .map(|rest| rest.split('/').next().unwrap().parse().unwrap())
            .collect();
        prop_assert_eq!(claimed, expected);
    }
}

/// `text` as a YAML double-quoted scalar, everything outside printable
/// Unicode escaped (YAML forbids DEL, C1 controls and a BOM written raw).
fn double_quoted(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}') => {
                write!(out, "\\u{:04x}", u32::from(c)).unwrap();
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Converts a service whose environment holds `values` (as `V0`, `V1`, …)
/// and reads each back from the Deployment podlift writes.
/// The kubelet's expansion of `command`, `args` and `env` values
/// (Kubernetes' third_party/forked/golang/expansion): `$$` is `$`, any other
/// `$x` stays, and `$(NAME)` is taken as a defined variable and replaced by
/// `<NAME>`, so a reference that escaped the escaping shows.
fn kubelet_expand(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match (c, chars.get(i + 1)) {
            ('$', Some('$')) => {
                out.push('$');
                i += 2;
            }
            ('$', Some('(')) => match chars[i..].iter().position(|&c| c == ')') {
                Some(close) => {
                    out.push('<');
                    out.extend(&chars[i + 2..i + close]);
                    out.push('>');
                    i += close + 1;
                }
                // without `)` the text stays
                None => {
                    out.extend(&chars[i..]);
                    i = chars.len();
                }
            },
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn environment_read_back(values: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut text = String::from("services:\n  app:\n    image: busybox\n    environment:\n");
    for (index, value) in values.iter().enumerate() {
        let quoted = double_quoted(&value.replace('$', "$$"));
        writeln!(text, "      V{index}: {quoted}").unwrap();
    }
    let dir = project(&text);
    // `podlift convert -p props` in the directory, in-process: the stages.
    let options = podlift::Options {
        load: LoadOptions {
            working_dir: dir.path().to_path_buf(),
            interpolate: true,
            ..LoadOptions::default()
        },
        project_name: Some("props".to_string()),
        plan: PlanOptions {
            kube_version: Some(podlift::plan::KubeVersion::new(1, 33)),
            strategy: plan::Strategy::Auto,
            ..PlanOptions::default()
        },
        render: podlift::render::RenderOptions::default(),
        ..podlift::Options::default()
    };
    let mut pipeline = podlift::planned(&options);
    let Some(plan) = pipeline.plan.as_ref() else {
        return Err(format!("no plan\n{text}"));
    };
    let mut rendered = podlift::render::rendering(plan, &options.render, &pipeline.diagnostics);
    let emit_options = podlift::emit::EmitOptions {
        format: podlift::emit::Format::Yaml,
        output: podlift::emit::Output::Stdout,
        force: false,
        project: "props".to_string(),
    };
    let mut stdout = Vec::new();
    let diagnostics = &mut pipeline.diagnostics;
    let written = podlift::emit::emit(&mut rendered, &emit_options, &mut stdout, |rendered| {
        rendered.finish(diagnostics);
        !diagnostics.has_errors()
    })
    .map_err(|e| e.message().to_string())?;
    if !written {
        return Err(format!("errors: {diagnostics:?}\n{text}"));
    }
    let stdout = String::from_utf8(stdout).unwrap();
    let objects = serde_saphyr::from_multiple::<serde_json::Value>(&stdout)
        .map_err(|e| format!("{e}\n{stdout}"))?;
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    Ok(container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            // what the container sees, after the kubelet's expansion
            let value = e["value"]
                .as_str()
                .map_or_else(|| format!("<not a string: {}>", e["value"]), kubelet_expand);
            (e["name"].as_str().unwrap().to_string(), value)
        })
        .collect())
}

/// Every tricky string at once, so none is left to chance.
#[test]
fn yaml_output_reads_back_tricky_strings() {
    let values: Vec<String> = TRICKY.iter().map(|s| (*s).to_string()).collect();
    let read = environment_read_back(&values).unwrap();
    for (index, value) in values.iter().enumerate() {
        assert_eq!(read.get(&format!("V{index}")), Some(value), "V{index}");
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Whatever a string value looks like, the manifest carries it unchanged:
    /// an environment value read back from the Deployment is the same string.
    #[test]
    fn yaml_output_reads_back_every_string(values in proptest::collection::vec(string_value(), 1..6)) {
        let read = environment_read_back(&values).map_err(TestCaseError::fail)?;
        for (index, value) in values.iter().enumerate() {
            prop_assert_eq!(read.get(&format!("V{index}")), Some(value));
        }
    }
}
