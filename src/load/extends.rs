//! `extends`: a service starts from another service, of the same file or of
//! `file:`, and merges its own keys over it by the merge rules. Chains are
//! followed; a cycle is an error at the `extends` that closes it. Paths of a
//! service taken from another directory are rewritten for this one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

use super::host_files::Use;
use super::interpolate::Variables;
use super::yaml::{Node, Value};
use super::{Loader, MAX_REFERENCE_DEPTH, merge, paths};

/// A service of a given file.
type ServiceId = (PathBuf, String);

/// The most YAML nodes the services that `extends` resolves may hold
/// together, in one run. Each `extends` copies its base, so a few thousand
/// services extending one large service would otherwise multiply it (4,000
/// services over a base of 4,000 list items took 1.3 GB); like the alias
/// limit ([`super::yaml::MAX_ALIAS_COPIED_NODES`]), this bounds what a
/// short file can make.
pub const MAX_EXTENDS_NODES: usize = 4_000_000;

/// Resolves every `extends` in the services of `doc`, read from `path`.
pub(crate) fn apply(loader: &mut Loader<'_>, doc: &mut Node, path: &Path, variables: &Variables) {
    let Some(services) = doc.get("services").and_then(Node::as_map) else {
        return;
    };
    if !services.iter().any(|(_, s)| s.get("extends").is_some()) {
        return;
    }
    let order: Vec<String> = services
        .iter()
        .filter(|(_, s)| s.get("extends").is_some())
        .filter_map(|(k, _)| k.scalar())
        .collect();
    let services = index(services);
    let file = canonical(path);
    let mut resolved: Vec<(String, Node)> = Vec::new();
    let mut walk = Walk::default();
    for name in order {
        if walk.in_cycle.contains(&(file.clone(), name.clone())) {
            continue;
        }
        walk.stack.clear();
        let context = Context {
            services: &services,
            file: &file,
            dir: path.parent().unwrap_or(Path::new("")),
        };
        if let Some(node) = resolve(loader, &context, &name, variables, &mut walk) {
            loader.extends_nodes = loader.extends_nodes.saturating_add(node_count(&node));
            if loader.extends_nodes > MAX_EXTENDS_NODES {
                loader.diagnostics.push(
                    Diagnostic::error(
                        Code::YamlLimit,
                        format!(
                            "the YAML exceeds a limit: the services `extends` resolves hold more than {MAX_EXTENDS_NODES} nodes in all"
                        ),
                    )
                    .at(node.span)
                    .help("each `extends` copies the service it extends: extend a smaller service, or fewer times"),
                );
                return;
            }
            resolved.push((name, node));
        }
    }
    let Value::Map(sections) = &mut doc.value else {
        return;
    };
    for (key, section) in sections.iter_mut() {
        if key.as_str() != Some("services") {
            continue;
        }
        let Value::Map(entries) = &mut section.value else {
            continue;
        };
        for (name, node) in resolved.drain(..) {
            if let Some(entry) = entries.iter_mut().find(|(k, _)| k.scalar_is(&name)) {
                entry.1 = node;
            }
        }
    }
}

/// The services being resolved, and those found in a cycle (reported once).
#[derive(Default)]
struct Walk {
    stack: Vec<ServiceId>,
    in_cycle: HashSet<ServiceId>,
}

struct Context<'s> {
    services: &'s HashMap<String, Node>,
    file: &'s Path,
    dir: &'s Path,
}

fn index(services: &[(Node, Node)]) -> HashMap<String, Node> {
    services
        .iter()
        .filter_map(|(k, v)| Some((k.scalar()?, v.clone())))
        .collect()
}

/// The nodes of `node`'s tree, itself included.
fn node_count(node: &Node) -> usize {
    let mut count = 0usize;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        count = count.saturating_add(1);
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for (key, value) in entries {
                    stack.push(key);
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    count
}

fn canonical(path: &Path) -> PathBuf {
    super::paths::real(path)
}

fn without_extends(mut service: Node) -> Node {
    if let Value::Map(fields) = &mut service.value {
        fields.retain(|(k, _)| k.as_str() != Some("extends"));
    }
    service
}

/// `extends: name` or `extends: {service: name, file: path}`.
fn target(loader: &mut Loader<'_>, extends: &Node) -> Option<(String, Option<String>)> {
    if let Some(name) = extends.scalar() {
        return Some((name, None));
    }
    let service = extends.get("service").and_then(Node::scalar);
    let file = extends.get("file").and_then(Node::scalar);
    if service.is_none() {
        loader.diagnostics.push(
            Diagnostic::error(
                Code::ExtendsSyntax,
                "`extends` must name a service: `extends: name` or `extends: {service: name, file: other.yaml}`",
            )
            .at(extends.span),
        );
    }
    Some((service?, file))
}

fn resolve(
    loader: &mut Loader<'_>,
    context: &Context<'_>,
    name: &str,
    variables: &Variables,
    walk: &mut Walk,
) -> Option<Node> {
    let service = context.services.get(name)?.clone();
    let Some(extends) = service.get("extends").cloned() else {
        return Some(service);
    };
    let own = without_extends(service.clone());
    let Some((base_name, file)) = target(loader, &extends) else {
        return Some(own);
    };
    walk.stack
        .push((context.file.to_path_buf(), name.to_string()));
    let base = resolve_base(
        loader,
        context,
        &base_name,
        file.as_deref(),
        &extends,
        variables,
        walk,
    );
    walk.stack.pop();
    let base = base?;
    let span = service.span;
    let mut merged = merge::merge_service(base, own, &loader.tags, loader.diagnostics);
    merged.span = span;
    Some(merged)
}

fn resolve_base(
    loader: &mut Loader<'_>,
    context: &Context<'_>,
    base_name: &str,
    file: Option<&str>,
    extends: &Node,
    variables: &Variables,
    walk: &mut Walk,
) -> Option<Node> {
    let (base_file, other) = match file {
        Some(file) => {
            let path = super::paths::normalize(&context.dir.join(file));
            let named_by = Some((Use::Extends, Some(extends_span(extends))));
            let other = loader.parse_file(&path, variables, named_by)?;
            (canonical(&path), Some((path, other)))
        }
        None => (context.file.to_path_buf(), None),
    };
    let id = (base_file.clone(), base_name.to_string());
    if walk.in_cycle.contains(&id) {
        return None;
    }
    if walk.stack.contains(&id) || walk.stack.len() > MAX_REFERENCE_DEPTH {
        let start = walk.stack.iter().position(|s| *s == id).unwrap_or(0);
        let members: Vec<ServiceId> = walk.stack.iter().skip(start).cloned().collect();
        walk.in_cycle.extend(members);
        let chain = walk
            .stack
            .iter()
            .skip(start)
            .chain(std::iter::once(&id))
            .map(|(_, s)| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(" → ");
        loader.diagnostics.push(
            Diagnostic::error(Code::ExtendsCycle, format!("`extends` cycle: {chain}"))
                .at(extends_span(extends))
                .help("a service cannot extend itself, directly or through others"),
        );
        return None;
    }
    let found = match &other {
        Some((path, doc)) => {
            let services = doc
                .get("services")
                .and_then(Node::as_map)
                .map(index)
                .unwrap_or_default();
            let dir = path.parent().unwrap_or(Path::new(""));
            let inner = Context {
                services: &services,
                file: &base_file,
                dir,
            };
            let found = services.contains_key(base_name);
            let node = if found {
                resolve(loader, &inner, base_name, variables, walk).map(|mut node| {
                    paths::rebase_service(&mut node, dir, context.dir);
                    node
                })
            } else {
                None
            };
            (found, node)
        }
        None => {
            let found = context.services.contains_key(base_name);
            let node = if found {
                resolve(loader, context, base_name, variables, walk)
            } else {
                None
            };
            (found, node)
        }
    };
    if !found.0 {
        let place = match &other {
            Some((path, _)) => format!("in `{}`", loader.shown(path).display()),
            None => "in this file".to_string(),
        };
        loader.diagnostics.push(
            Diagnostic::error(
                Code::ExtendsUnknown,
                format!("`extends` names service `{base_name}`, which is not defined {place}"),
            )
            .at(extends_span(extends))
            .help("name a service that exists, or add `file:` for one in another file"),
        );
    }
    found.1
}

/// The span of the service name inside `extends`, or of `extends` itself.
fn extends_span(extends: &Node) -> Span {
    match &extends.value {
        Value::Map(_) => extends.get("service").map_or(extends.span, |s| s.span),
        _ => extends.span,
    }
}
