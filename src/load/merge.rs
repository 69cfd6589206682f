//! Merging compose trees (later files, `extends`) by the Compose
//! Specification's rules, as compose-go applies them:
//!
//! - mappings merge key by key; scalars are replaced; sequences are appended;
//!   an override written as `null` keeps the earlier value;
//! - `command`, `entrypoint`, `healthcheck.test`, `ulimits.*` and `x-` fields are replaced;
//! - `environment`, `labels`, `annotations`, `sysctls`, `extra_hosts`, `build.args`,
//!   `build.labels`, `deploy.labels` and resource `labels` merge by name, list or mapping alike;
//! - `ports` (host ip, target, published, protocol), `volumes` (target), `secrets`
//!   and `configs` (target) and `expose` (value) stay unique: a later entry replaces
//!   the earlier one with the same key;
//! - `networks` and `depends_on` merge as mappings (a list names entries);
//!   `dns`, `dns_search`, `dns_opt`, `env_file`, `tmpfs`, `cap_add`, … are appended
//!   without repeating an entry; `build` given as a string is its `context`;
//!   `logging` merges when the drivers agree, else is replaced; `networks.*.ipam.config`
//!   merges by `subnet`;
//! - `!reset` removes a value, `!override` replaces it without merging.

mod rules;
mod shapes;

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};

use super::yaml::{MergeTag, Node, Tags, Value};

use rules::{Rule, UniqueKey, rule};
use shapes::{as_items, build_mapping, item_key, list_to_mapping, name_of, null_node, to_mapping};

/// Merges `over` (a later file) into `base`, both whole compose documents.
pub fn merge_documents(base: Node, over: Node, tags: &Tags, diagnostics: &mut Diagnostics) -> Node {
    let mut path = Vec::new();
    Merger { tags, diagnostics }.merge(base, over, &mut path)
}

/// Merges a service definition `over` into the service it extends, `base`.
pub fn merge_service(base: Node, over: Node, tags: &Tags, diagnostics: &mut Diagnostics) -> Node {
    let mut path = vec!["services".to_string(), "*".to_string()];
    Merger { tags, diagnostics }.merge(base, over, &mut path)
}

/// Keeps one `volumes` entry per container path in each service, as compose
/// does within one file as between files: a later entry replaces an earlier
/// one at its place (two mounts at one path would make Kubernetes refuse
/// the Pod); and one of exact repeats in `cap_add`, `cap_drop`, `dns`,
/// `dns_opt`, `dns_search`, `expose`, `tmpfs` and `links`, as compose does.
pub fn unique_volumes(root: &mut Node) {
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    let Some(Value::Map(services)) = entries
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("services"))
        .map(|(_, v)| &mut v.value)
    else {
        return;
    };
    for (_, service) in services.iter_mut() {
        let Value::Map(keys) = &mut service.value else {
            continue;
        };
        // compose keeps one of exact repeats in these lists
        for (_, list) in keys.iter_mut().filter(|(k, _)| {
            k.as_str().is_some_and(|k| {
                matches!(
                    k,
                    "cap_add"
                        | "cap_drop"
                        | "dns"
                        | "dns_opt"
                        | "dns_search"
                        | "expose"
                        | "tmpfs"
                        | "links"
                )
            })
        }) {
            if let Value::Seq(items) = &mut list.value {
                let mut seen = std::collections::HashSet::new();
                items.retain(|item| item.scalar().is_none_or(|text| seen.insert(text)));
            }
        }
        let Some((_, volumes)) = keys.iter_mut().find(|(k, _)| k.as_str() == Some("volumes"))
        else {
            continue;
        };
        let Value::Seq(items) = &mut volumes.value else {
            continue;
        };
        if items.len() < 2 {
            // nothing to repeat: one item is kept whatever its target
            continue;
        }
        let mut kept: Vec<Node> = Vec::with_capacity(items.len());
        let mut at: HashMap<String, usize> = HashMap::new();
        for item in std::mem::take(items) {
            // an entry compose refuses (`:/d`, an empty section) stays, for
            // the model to refuse: compose checks each before keeping one
            let refused = item
                .as_str()
                .is_some_and(|text| text.split(':').any(str::is_empty));
            let key = item_key(&item, Some(UniqueKey::VolumeTarget)).filter(|_| !refused);
            match key
                .as_ref()
                .and_then(|k| at.get(k))
                .and_then(|&i| kept.get_mut(i))
            {
                Some(slot) => *slot = item,
                None => {
                    if let Some(key) = key {
                        at.insert(key, kept.len());
                    }
                    kept.push(item);
                }
            }
        }
        *items = kept;
    }
}

/// Removes every value tagged `!reset` (in a file nothing is merged into).
pub fn strip_resets(node: &mut Node, tags: &Tags) {
    if tags.is_empty() {
        return;
    }
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|(_, v)| tags.get(&v.span) != Some(&MergeTag::Reset));
            for (_, v) in entries {
                strip_resets(v, tags);
            }
        }
        Value::Seq(items) => {
            items.retain(|v| tags.get(&v.span) != Some(&MergeTag::Reset));
            for v in items {
                strip_resets(v, tags);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

struct Merger<'a> {
    tags: &'a Tags,
    diagnostics: &'a mut Diagnostics,
}

impl Merger<'_> {
    fn strip(&self, mut node: Node) -> Node {
        strip_resets(&mut node, self.tags);
        node
    }

    fn is_reset(&self, node: &Node) -> bool {
        self.tags.get(&node.span) == Some(&MergeTag::Reset)
    }

    fn merge(&mut self, base: Node, over: Node, path: &mut Vec<String>) -> Node {
        if matches!(over.value, Value::Null) {
            return base;
        }
        match rule(path) {
            Rule::Replace => self.strip(over),
            Rule::ByName => self.by_name(base, over),
            Rule::Append => self.append(base, over, None),
            Rule::AppendAll => self.append_all(base, over),
            Rule::Unique(key) => self.append(base, over, Some(key)),
            Rule::AsMapping => {
                let base = to_mapping(base, false);
                let over = to_mapping(over, false);
                self.default(base, over, path)
            }
            Rule::DependsOn => {
                if matches!(base.value, Value::Seq(_)) && matches!(over.value, Value::Seq(_)) {
                    self.append(base, over, Some(UniqueKey::Value))
                } else {
                    let base = to_mapping(base, true);
                    let over = to_mapping(over, true);
                    self.default(base, over, path)
                }
            }
            Rule::Logging => {
                let driver = |n: &Node| n.get("driver").and_then(Node::scalar);
                match (driver(&base), driver(&over)) {
                    (Some(a), Some(b)) if a != b => self.strip(over),
                    _ => self.default(base, over, path),
                }
            }
            Rule::Build => {
                let base = build_mapping(base);
                let over = build_mapping(over);
                self.default(base, over, path)
            }
            Rule::Ipam => self.ipam(base, over, path),
            Rule::Default => self.default(base, over, path),
        }
    }

    fn default(&mut self, base: Node, over: Node, path: &mut Vec<String>) -> Node {
        match (base.value, over.value) {
            (Value::Map(base_entries), Value::Map(over_entries)) => Node {
                value: Value::Map(self.merge_entries(base_entries, over_entries, path, true)),
                span: base.span,
            },
            (Value::Seq(mut items), Value::Seq(more)) => {
                items.extend(
                    more.into_iter()
                        .filter(|i| !self.is_reset(i))
                        .map(|i| self.strip(i)),
                );
                Node {
                    value: Value::Seq(items),
                    span: base.span,
                }
            }
            (base_value @ (Value::Map(_) | Value::Seq(_)), over_value) => {
                let base = Node {
                    value: base_value,
                    span: base.span,
                };
                let over = Node {
                    value: over_value,
                    span: over.span,
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::MergeType,
                        format!(
                            "cannot merge `{}`: it is {} here but {} in an earlier file",
                            path.join("."),
                            over.type_name(),
                            base.type_name()
                        ),
                    )
                    .at(over.span)
                    .help("write it the same way in both files, or tag it `!override`"),
                );
                over
            }
            (_, over_value) => self.strip(Node {
                value: over_value,
                span: over.span,
            }),
        }
    }

    /// Merges mapping entries; with `deep` false, a later value replaces.
    fn merge_entries(
        &mut self,
        base: Vec<(Node, Node)>,
        over: Vec<(Node, Node)>,
        path: &mut Vec<String>,
        deep: bool,
    ) -> Vec<(Node, Node)> {
        let mut slots: Vec<Option<(Node, Node)>> = base.into_iter().map(Some).collect();
        let mut index: HashMap<String, usize> = slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((e.as_ref()?.0.scalar()?, i)))
            .collect();
        for (key, value) in over {
            let name = key.scalar().unwrap_or_default();
            let tag = self.tags.get(&value.span).copied();
            let existing = index.get(&name).copied();
            match (tag, existing) {
                (Some(MergeTag::Reset), Some(i)) => {
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = None;
                    }
                    index.remove(&name);
                }
                (Some(MergeTag::Reset), None) => {}
                (tag, Some(i)) if tag == Some(MergeTag::Override) || !deep => {
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = Some((key, self.strip(value)));
                    }
                }
                (_, None) => {
                    index.insert(name, slots.len());
                    slots.push(Some((key, self.strip(value))));
                }
                (_, Some(i)) => {
                    let Some(Some((old_key, old))) = slots.get_mut(i).map(Option::take) else {
                        continue;
                    };
                    path.push(name);
                    let merged = self.merge(old, value, path);
                    path.pop();
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = Some((old_key, merged));
                    }
                }
            }
        }
        slots.into_iter().flatten().collect()
    }

    /// Sequences (a lone string counts as one item), appended; with `unique`, a
    /// later item replaces an earlier one with the same key, else exact repeats go.
    /// Every item of `base`, then every item of `over`, repeats kept.
    fn append_all(&self, base: Node, over: Node) -> Node {
        let span = base.span;
        let mut items = as_items(base);
        for item in as_items(over) {
            if !self.is_reset(&item) {
                items.push(self.strip(item));
            }
        }
        Node {
            value: Value::Seq(items),
            span,
        }
    }

    fn append(&self, base: Node, over: Node, unique: Option<UniqueKey>) -> Node {
        let span = base.span;
        let mut items = as_items(base);
        let mut keys: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(k) = item_key(item, unique) {
                keys.entry(k).or_insert(i);
            }
        }
        for item in as_items(over) {
            if self.is_reset(&item) {
                continue;
            }
            let item = self.strip(item);
            match item_key(&item, unique).and_then(|k| keys.get(&k).copied().map(|i| (k, i))) {
                Some((_, i)) => {
                    if let Some(slot) = items.get_mut(i) {
                        *slot = item;
                    }
                }
                None => {
                    if let Some(k) = item_key(&item, unique) {
                        keys.insert(k, items.len());
                    }
                    items.push(item);
                }
            }
        }
        Node {
            value: Value::Seq(items),
            span,
        }
    }

    /// `environment` and the like: by variable name, list or mapping alike.
    fn by_name(&mut self, base: Node, over: Node) -> Node {
        let both_lists = matches!(base.value, Value::Seq(_)) && matches!(over.value, Value::Seq(_));
        if both_lists {
            let span = base.span;
            let mut items = as_items(base);
            for item in as_items(over) {
                if self.is_reset(&item) {
                    continue;
                }
                let name = item.scalar().map(|s| name_of(&s).to_string());
                match name.and_then(|n| {
                    items
                        .iter()
                        .position(|i| i.scalar().is_some_and(|s| name_of(&s) == n))
                }) {
                    Some(i) => {
                        if let Some(slot) = items.get_mut(i) {
                            *slot = item;
                        }
                    }
                    None => items.push(item),
                }
            }
            return Node {
                value: Value::Seq(items),
                span,
            };
        }
        let base = list_to_mapping(base);
        let over = list_to_mapping(over);
        match (base.value, over.value) {
            (Value::Map(b), Value::Map(o)) => {
                let entries = self.merge_entries(b, o, &mut Vec::new(), false);
                Node {
                    value: Value::Map(entries),
                    span: base.span,
                }
            }
            (_, value) => Node {
                value,
                span: over.span,
            },
        }
    }

    fn ipam(&mut self, base: Node, over: Node, path: &mut Vec<String>) -> Node {
        let span = base.span;
        let mut items = as_items(base);
        for item in as_items(over) {
            let subnet = item.get("subnet").and_then(Node::scalar);
            let found = subnet.as_ref().and_then(|s| {
                items
                    .iter()
                    .position(|i| i.get("subnet").and_then(Node::scalar).as_ref() == Some(s))
            });
            match found {
                Some(i) => {
                    if let Some(slot) = items.get_mut(i) {
                        let old = std::mem::replace(slot, null_node(span));
                        *slot = self.default(old, item, path);
                    }
                }
                None => items.push(self.strip(item)),
            }
        }
        Node {
            value: Value::Seq(items),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{merge_documents, strip_resets};
    use crate::diagnostic::Diagnostics;
    use crate::load::yaml::{Node, Tags, parse_with_tags};
    use crate::source::FileId;

    fn merged(base: &str, over: &str) -> (Node, Diagnostics) {
        let (mut base, base_tags) = parse_with_tags(base, FileId(0)).unwrap();
        strip_resets(&mut base, &base_tags);
        let (over, tags) = parse_with_tags(over, FileId(1)).unwrap();
        let mut diagnostics = Diagnostics::default();
        let node = merge_documents(base, over, &tags, &mut diagnostics);
        (node, diagnostics)
    }

    /// The merged `services.s.<key>` as compact text.
    fn key(base: &str, over: &str, key: &str) -> String {
        let (node, diagnostics) = merged(base, over);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        node.get("services")
            .and_then(|s| s.get("s"))
            .and_then(|s| s.get(key))
            .map_or_else(|| "<absent>".to_string(), ToString::to_string)
    }

    fn svc(body: &str) -> String {
        format!("services:\n  s:\n{body}")
    }

    #[test]
    fn mappings_merge_and_scalars_replace() {
        let (node, _) = merged(
            "services:\n  s:\n    image: a\n    user: u\n",
            "services:\n  s:\n    image: b\n  t:\n    image: c\n",
        );
        assert_eq!(
            node.to_string(),
            "{services: {s: {image: b, user: u}, t: {image: c}}}"
        );
    }

    #[test]
    fn commands_replace_and_sequences_append() {
        let base = svc(
            "    command: [a, b]\n    entrypoint: x\n    healthcheck: {test: [CMD, a]}\n    dns: 1.1.1.1\n    cap_add: [A]\n",
        );
        let over = svc(
            "    command: [c]\n    entrypoint: [y]\n    healthcheck: {test: [CMD, b]}\n    dns: [8.8.8.8, 1.1.1.1]\n    cap_add: [A, B]\n",
        );
        assert_eq!(key(&base, &over, "command"), "[c]");
        assert_eq!(key(&base, &over, "entrypoint"), "[y]");
        assert_eq!(key(&base, &over, "healthcheck"), "{test: [CMD, b]}");
        assert_eq!(key(&base, &over, "dns"), "[1.1.1.1, 8.8.8.8]");
        assert_eq!(key(&base, &over, "cap_add"), "[A, B]");
    }

    #[test]
    fn unique_resources_replace_by_key() {
        let base = svc(
            "    ports: ['8080:80', '127.0.0.1:9000:9000/udp', {target: 22, published: 2222}]\n    volumes: ['foo:/work', '/data']\n    secrets: [a, {source: b, target: /x}]\n    expose: [80]\n",
        );
        let over = svc(
            "    ports: ['8080:80', '9000:9000/udp', {target: 22, published: '2222'}]\n    volumes: ['bar:/work:ro']\n    secrets: [a, {source: c, target: /x}]\n    expose: ['80', 81]\n",
        );
        assert_eq!(
            key(&base, &over, "ports"),
            "[8080:80, 127.0.0.1:9000:9000/udp, {target: 22, published: 2222}, 9000:9000/udp]"
        );
        assert_eq!(key(&base, &over, "volumes"), "[bar:/work:ro, /data]");
        assert_eq!(key(&base, &over, "secrets"), "[a, {source: c, target: /x}]");
        assert_eq!(key(&base, &over, "expose"), "[80, 81]");
    }

    #[test]
    fn environment_merges_by_name_in_either_form() {
        let lists = key(
            &svc("    environment: [A=1, B=2, C]\n"),
            &svc("    environment: [B=3, D=4]\n"),
            "environment",
        );
        assert_eq!(lists, "[A=1, B=3, C, D=4]");
        let mixed = key(
            &svc("    environment: [A=1, B=2, C]\n"),
            &svc("    environment: {B: 3, D: ''}\n"),
            "environment",
        );
        assert_eq!(mixed, "{A: 1, B: 3, C: ~, D: }");
        let labels = key(
            &svc("    labels: {a: 1}\n"),
            &svc("    labels: [b=2, a=3]\n"),
            "labels",
        );
        assert_eq!(labels, "{a: 3, b: 2}");
        let hosts = key(
            &svc("    extra_hosts: ['db:10.0.0.1', 'x=1.1.1.1']\n"),
            &svc("    extra_hosts: ['db:10.0.0.2']\n"),
            "extra_hosts",
        );
        assert_eq!(hosts, "[db:10.0.0.2, x=1.1.1.1]");
    }

    #[test]
    fn networks_and_depends_on_merge_as_mappings() {
        let nets = key(
            &svc("    networks: [a, b]\n"),
            &svc("    networks: {b: {ipv4_address: 10.0.0.2}, c: null}\n"),
            "networks",
        );
        assert_eq!(nets, "{a: ~, b: {ipv4_address: 10.0.0.2}, c: ~}");
        let deps = key(
            &svc("    depends_on: [db]\n"),
            &svc("    depends_on: {cache: {condition: service_healthy}}\n"),
            "depends_on",
        );
        assert_eq!(
            deps,
            "{db: {condition: service_started}, cache: {condition: service_healthy}}"
        );
        let lists = key(
            &svc("    depends_on: [db]\n"),
            &svc("    depends_on: [db, cache]\n"),
            "depends_on",
        );
        assert_eq!(lists, "[db, cache]");
    }

    #[test]
    fn build_logging_and_extensions() {
        assert_eq!(
            key(
                &svc("    build: ./a\n"),
                &svc("    build: {dockerfile: D}\n"),
                "build"
            ),
            "{context: ./a, dockerfile: D}"
        );
        assert_eq!(
            key(
                &svc("    logging: {driver: syslog, options: {a: 1}}\n"),
                &svc("    logging: {driver: json-file, options: {b: 2}}\n"),
                "logging"
            ),
            "{driver: json-file, options: {b: 2}}"
        );
        assert_eq!(
            key(
                &svc("    logging: {driver: syslog, options: {a: 1}}\n"),
                &svc("    logging: {options: {b: 2}}\n"),
                "logging"
            ),
            "{driver: syslog, options: {a: 1, b: 2}}"
        );
        assert_eq!(
            key(&svc("    x-a: {k: 1}\n"), &svc("    x-a: {j: 2}\n"), "x-a"),
            "{j: 2}"
        );
    }

    #[test]
    fn reset_and_override_tags() {
        let base = svc(
            "    image: a\n    ports: ['8080:80']\n    environment: {FOO: bar, KEEP: 1}\n    volumes: [a:/a]\n",
        );
        let over = svc(
            "    ports: !reset []\n    environment:\n      FOO: !reset null\n    volumes: !override [b:/b]\n",
        );
        assert_eq!(key(&base, &over, "ports"), "<absent>");
        assert_eq!(key(&base, &over, "environment"), "{KEEP: 1}");
        assert_eq!(key(&base, &over, "volumes"), "[b:/b]");
        assert_eq!(key(&base, &over, "image"), "a");
        // in a file merged into nothing, a reset value is simply absent
        let (node, _) = merged(
            "services: {}\n",
            &svc("    image: a\n    ports: !reset []\n"),
        );
        assert_eq!(node.to_string(), "{services: {s: {image: a}}}");
        let mut lone = parse_with_tags(&svc("    dns: !reset x\n"), FileId(0)).unwrap();
        strip_resets(&mut lone.0, &lone.1);
        assert_eq!(lone.0.to_string(), "{services: {s: {}}}");
        let _: &Tags = &lone.1;
    }

    #[test]
    fn null_override_keeps_and_type_clash_is_an_error() {
        assert_eq!(
            key(&svc("    dns: [a]\n"), &svc("    dns:\n"), "dns"),
            "[a]"
        );
        let (_, diagnostics) = merged(
            &svc("    deploy: {replicas: 1}\n"),
            &svc("    deploy: [x]\n"),
        );
        assert!(diagnostics.has_errors());
        assert!(
            diagnostics.items()[0].message.contains("services.s.deploy"),
            "{:?}",
            diagnostics.items()
        );
    }

    #[test]
    fn ipam_config_merges_by_subnet() {
        let (node, _) = merged(
            "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]\n",
            "networks:\n  n:\n    ipam:\n      config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]\n",
        );
        assert_eq!(
            node.to_string(),
            "{networks: {n: {ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]}}}}"
        );
    }
}
