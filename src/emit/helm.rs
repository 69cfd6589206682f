//! A Helm chart: `Chart.yaml`, a `values.yaml` with what a customer changes
//! (images, pull policy, resources, claim sizes and classes, Service types),
//! one template per object and a `NOTES.txt` on the loopback addresses and the
//! Pod Security level the namespace needs.
//!
//! With the default values, `helm template` renders exactly the objects of the
//! YAML stream. Templates are made without pattern-matching YAML text: each
//! object becomes an ordered tree, every changeable field is replaced by a
//! unique marker scalar, the tree is written as YAML, and each marker is then
//! swapped for its template action. Everything else the objects contain is
//! literal text for Helm (`{{` is escaped).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use indexmap::IndexMap;
use k8s_openapi::api::core::v1::{Container, PodSpec, ResourceRequirements};
use serde::{Deserialize, Serialize};

use crate::emit::{File, file_name};
use crate::plan::LOOPBACK_INIT_NAME;
use crate::render::pod_security::{self, Level};
use crate::render::{Object, Workload, labels};

/// The chart's own version; the application's is `appVersion`.
const CHART_VERSION: &str = "0.1.0";
/// The named template that joins an image's repository, tag and digest.
const IMAGE_HELPER: &str = "podlift.image";

/// The files of the chart.
///
/// # Errors
/// When an object cannot be serialised or does not have the shape podlift renders.
pub fn files(objects: &[Object], project: &str) -> Result<Vec<File>, String> {
    let mut chart = ChartBuilder::new(objects)?;
    let mut files = Vec::new();
    for object in objects {
        let template = chart.template(object)?;
        files.push((
            PathBuf::from("templates").join(file_name(object, "yaml")),
            template,
        ));
    }
    files.push((PathBuf::from("templates/_helpers.tpl"), helpers()));
    files.push((PathBuf::from("templates/NOTES.txt"), notes(objects)));
    files.push((PathBuf::from("values.yaml"), chart.values.to_yaml()?));
    files.push((PathBuf::from("Chart.yaml"), chart_yaml(objects, project)?));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// A YAML/JSON tree that keeps the order of keys (the objects' field order
/// reads best, `apiVersion` and `kind` first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(IndexMap<String, Node>),
}

impl Node {
    fn of<T: Serialize>(value: &T) -> Result<Self, String> {
        let json = serde_json::to_string(value).map_err(|e| format!("cannot serialise: {e}"))?;
        serde_json::from_str(&json).map_err(|e| format!("cannot read back: {e}"))
    }

    fn map() -> Self {
        Self::Map(IndexMap::new())
    }

    fn str(value: impl Into<String>) -> Self {
        Self::Str(value.into())
    }

    fn as_map_mut(&mut self) -> Option<&mut IndexMap<String, Self>> {
        match self {
            Self::Map(map) => Some(map),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The node at `path` (map keys), if every step exists.
    fn at_mut(&mut self, path: &[&str]) -> Option<&mut Self> {
        path.iter()
            .try_fold(self, |node, key| node.as_map_mut()?.get_mut(*key))
    }

    /// The map at `path`.
    fn map_at(&mut self, path: &[&str]) -> Result<&mut IndexMap<String, Self>, String> {
        self.at_mut(path)
            .and_then(Self::as_map_mut)
            .ok_or_else(|| format!("no mapping at `{}`", path.join(".")))
    }
}

/// What a marker stands for in a template.
#[derive(Clone, Debug)]
enum Slot {
    /// The whole scalar: `key: ACTION`.
    Scalar(String),
    /// `key: <value>` only when the value (a template expression) is set.
    Optional { key: String, value: String },
    /// `key:` and a nested YAML block, only when the value is not empty.
    Block { key: String, value: String },
}

/// The values a customer changes; defaults reproduce the YAML stream.
#[derive(Default)]
struct Values {
    images: IndexMap<String, Node>,
    image_pull_policy: String,
    resources: IndexMap<String, Node>,
    persistence: IndexMap<String, Node>,
    services: IndexMap<String, Node>,
    create_namespace: bool,
}

impl Values {
    fn to_yaml(&self) -> Result<String, String> {
        let mut out = String::from(
            "# What to change when installing this chart. The defaults reproduce\n\
             # `podlift convert` exactly.\n",
        );
        section(
            &mut out,
            "Each container's image, keyed by container name (`<deployment>-<container>`\n\
             # where Deployments differ): `repository`, `tag`\n\
             # (empty: none) and `digest` (when pinned). `podlift-loopback` is the init\n\
             # container that puts the compose file's addresses on the Pod's loopback:\n\
             # its image needs an `ip` that supports `addr replace` (busybox's does).",
            "images",
            Node::Map(self.images.clone()),
        )?;
        section(
            &mut out,
            "The pull policy of every container (Always, IfNotPresent, Never);\n\
             # empty: Kubernetes' default.",
            "imagePullPolicy",
            Node::str(self.image_pull_policy.clone()),
        )?;
        section(
            &mut out,
            "Each container's resources (`requests`, `limits`), keyed like `images`.",
            "resources",
            Node::Map(self.resources.clone()),
        )?;
        if !self.persistence.is_empty() {
            section(
                &mut out,
                "Each PersistentVolumeClaim, keyed by claim name: `size` and `storageClass`\n\
                 # (empty: the cluster's default StorageClass).",
                "persistence",
                Node::Map(self.persistence.clone()),
            )?;
        }
        if !self.services.is_empty() {
            section(
                &mut out,
                "Each Service, keyed by name: `type` (ClusterIP, NodePort, LoadBalancer;\n\
                 # empty: ClusterIP).",
                "services",
                Node::Map(self.services.clone()),
            )?;
        }
        if self.create_namespace {
            section(
                &mut out,
                "Create the release namespace, labelled for the Pod Security level the Pods need.\n\
                 # Set to false when the namespace exists or `helm install --create-namespace`\n\
                 # makes it (then label it yourself, see NOTES.txt).",
                "namespace",
                Node::Map(IndexMap::from([("create".to_string(), Node::Bool(true))])),
            )?;
        }
        Ok(out)
    }
}

/// Appends `# comment` and `key: value` to `out`.
fn section(out: &mut String, comment: &str, key: &str, value: Node) -> Result<(), String> {
    let map = IndexMap::from([(key.to_string(), value)]);
    let text = serde_saphyr::to_string(&map).map_err(|e| format!("cannot write values: {e}"))?;
    let _ = write!(out, "\n# {comment}\n{text}");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(())
}

/// Turns objects into templates and gathers the values they use.
struct ChartBuilder {
    /// Starts every marker; chosen so that no object's text contains it.
    marker: String,
    /// Container names that need their Deployment's name in their values' key.
    ambiguous: BTreeSet<String>,
    values: Values,
}

impl ChartBuilder {
    fn new(objects: &[Object]) -> Result<Self, String> {
        let mut text = String::new();
        for object in objects {
            text.push_str(
                &serde_json::to_string(object).map_err(|e| format!("cannot serialise: {e}"))?,
            );
        }
        // The text cannot hold more distinct markers than it has characters.
        let marker = (0..=text.len())
            .map(|n| format!("podlift_helm_value_{n}_"))
            .find(|m| !text.contains(m.as_str()))
            .ok_or("cannot choose a template marker")?;
        Ok(Self {
            marker,
            ambiguous: ambiguous_names(objects),
            values: Values::default(),
        })
    }

    /// The template of one object.
    fn template(&mut self, object: &Object) -> Result<String, String> {
        let mut node = Node::of(object)?;
        let mut slots = Vec::new();
        let marker = self.marker.clone();
        let mut mark = |slot: Slot| {
            slots.push(slot);
            Node::Str(format!("{marker}{}__", slots.len() - 1))
        };
        if let Some(namespace) = node.at_mut(&["metadata", "namespace"]) {
            *namespace = mark(Slot::Scalar("{{ .Release.Namespace | quote }}".into()));
        }
        let name = object.name().to_string();
        match object {
            Object::Deployment(_) | Object::StatefulSet(_) | Object::Pod(_) => {
                let spec_path = object.workload().map_or(&["spec"][..], |w| w.spec_path);
                for list in ["initContainers", "containers"] {
                    let path: Vec<&str> = spec_path.iter().copied().chain([list]).collect();
                    let Some(Node::Seq(containers)) = node.at_mut(&path) else {
                        continue;
                    };
                    for container in containers {
                        let container = container
                            .as_map_mut()
                            .ok_or_else(|| format!("a container of `{name}` is not a mapping"))?;
                        self.container(&name, container, &mut mark)?;
                    }
                }
            }
            Object::PersistentVolumeClaim(_) => {
                let spec = node.map_at(&["spec"])?;
                let size = spec
                    .get_mut("resources")
                    .and_then(|r| r.at_mut(&["requests", "storage"]))
                    .ok_or_else(|| format!("claim `{name}` has no storage request"))?;
                let mut claim = IndexMap::from([("size".to_string(), size.clone())]);
                *size = mark(Slot::Scalar(format!(
                    "{{{{ {} | quote }}}}",
                    value_ref(&["persistence", &name, "size"])
                )));
                let class = spec
                    .shift_remove("storageClassName")
                    .unwrap_or_else(|| Node::str(""));
                claim.insert("storageClass".to_string(), class);
                spec.insert(
                    "storageClassName".to_string(),
                    mark(Slot::Optional {
                        key: "storageClassName".into(),
                        value: value_ref(&["persistence", &name, "storageClass"]),
                    }),
                );
                self.values.persistence.insert(name, Node::Map(claim));
            }
            Object::Service(_) => {
                let spec = node.map_at(&["spec"])?;
                let type_ = spec.shift_remove("type").unwrap_or_else(|| Node::str(""));
                spec.insert(
                    "type".to_string(),
                    mark(Slot::Optional {
                        key: "type".into(),
                        value: value_ref(&["services", &name, "type"]),
                    }),
                );
                self.values.services.insert(
                    name,
                    Node::Map(IndexMap::from([("type".to_string(), type_)])),
                );
            }
            Object::Namespace(_) => {
                if let Some(name) = node.at_mut(&["metadata", "name"]) {
                    *name = mark(Slot::Scalar("{{ .Release.Namespace | quote }}".into()));
                }
                self.values.create_namespace = true;
            }
            Object::ConfigMap(_) | Object::Secret(_) => {}
        }
        let yaml = serde_saphyr::to_string(&node)
            .map_err(|e| format!("cannot write {} as YAML: {e}", object.kind()))?;
        let body = substitute(&escape(&yaml), &self.marker, &slots)?;
        Ok(match object {
            Object::Namespace(_) => {
                format!("{{{{- if .Values.namespace.create }}}}\n{body}{{{{- end }}}}\n")
            }
            _ => body,
        })
    }

    /// Puts a container's image, pull policy and resources into the values.
    fn container(
        &mut self,
        deployment: &str,
        container: &mut IndexMap<String, Node>,
        mark: &mut impl FnMut(Slot) -> Node,
    ) -> Result<(), String> {
        let name = container
            .get("name")
            .and_then(Node::as_str)
            .ok_or("a container has no name")?;
        let key = if self.ambiguous.contains(name) {
            format!("{deployment}-{name}")
        } else {
            name.to_string()
        };
        if let Some(image) = container.get_mut("image") {
            let reference = image
                .as_str()
                .ok_or_else(|| format!("the image of container `{key}` is not a string"))?;
            self.values
                .images
                .insert(key.clone(), image_values(reference));
            *image = mark(Slot::Scalar(format!(
                "{{{{ include \"{IMAGE_HELPER}\" {} }}}}",
                value_ref(&["images", &key])
            )));
        }
        // Moved to the end: a conditional key must not open a list item.
        let policy = match container.shift_remove("imagePullPolicy") {
            Some(Node::Str(own)) => format!(
                "{} | default {}",
                value_ref(&["imagePullPolicy"]),
                go_string(&own)
            ),
            _ => value_ref(&["imagePullPolicy"]),
        };
        container.insert(
            "imagePullPolicy".to_string(),
            mark(Slot::Optional {
                key: "imagePullPolicy".into(),
                value: policy,
            }),
        );
        let resources = container
            .shift_remove("resources")
            .unwrap_or_else(Node::map);
        self.values.resources.insert(key.clone(), resources);
        container.insert(
            "resources".to_string(),
            mark(Slot::Block {
                key: "resources".into(),
                value: value_ref(&["resources", &key]),
            }),
        );
        Ok(())
    }
}

/// `repository`, `tag` and `digest` of `registry/repo:tag@digest` (a port's `:` stays).
fn image_values(reference: &str) -> Node {
    let (name, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    let (repository, tag) = match name.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => (repository, tag),
        _ => (name, ""),
    };
    let mut map = IndexMap::from([
        ("repository".to_string(), Node::str(repository)),
        ("tag".to_string(), Node::str(tag)),
    ]);
    if let Some(digest) = digest {
        map.insert("digest".to_string(), Node::str(digest));
    }
    Node::Map(map)
}

/// `.Values.a.b`, or `(index .Values "a" "b")` where a key is no identifier.
fn value_ref(path: &[&str]) -> String {
    let identifier = |s: &&str| {
        s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && s.chars().next().is_some_and(|c| !c.is_ascii_digit())
    };
    if path.iter().all(identifier) {
        format!(".Values.{}", path.join("."))
    } else {
        let keys: Vec<String> = path.iter().map(|s| go_string(s)).collect();
        format!("(index .Values {})", keys.join(" "))
    }
}

/// A Go string literal.
fn go_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text Helm must print as it is: every `{{` becomes an action printing `{{`.
fn escape(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// Replaces each marker line of `yaml` by its template text.
fn substitute(yaml: &str, marker: &str, slots: &[Slot]) -> Result<String, String> {
    let mut out = String::new();
    for line in yaml.lines() {
        let Some(start) = line.find(marker) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let tail = line.get(start + marker.len()..).unwrap_or_default();
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        let token = format!("{marker}{digits}__");
        let slot = digits
            .parse::<usize>()
            .ok()
            .and_then(|i| slots.get(i))
            .filter(|_| line.ends_with(&token))
            .ok_or_else(|| format!("cannot place a value in the template line `{line}`"))?;
        let before = line.get(..start).unwrap_or_default();
        let indent = " ".repeat(line.len() - line.trim_start().len());
        match slot {
            Slot::Scalar(action) => {
                let _ = writeln!(out, "{before}{action}");
            }
            Slot::Optional { key, value } => {
                check_key(before, &indent, key)?;
                let _ = writeln!(
                    out,
                    "{indent}{{{{- with {value} }}}}\n\
                     {indent}{key}: {{{{ . | quote }}}}\n\
                     {indent}{{{{- end }}}}"
                );
            }
            Slot::Block { key, value } => {
                check_key(before, &indent, key)?;
                let nested = indent.len() + 2;
                let _ = writeln!(
                    out,
                    "{indent}{{{{- with {value} }}}}\n\
                     {indent}{key}:\n\
                     {indent}  {{{{- toYaml . | nindent {nested} }}}}\n\
                     {indent}{{{{- end }}}}"
                );
            }
        }
    }
    Ok(out)
}

/// A conditional key must stand alone on its line (not open a list item).
fn check_key(before: &str, indent: &str, key: &str) -> Result<(), String> {
    if before == format!("{indent}{key}: ") {
        Ok(())
    } else {
        Err(format!("cannot make `{key}` optional in `{before}`"))
    }
}

fn helpers() -> String {
    format!(
        "{{{{/*\n\
         An image reference from a map of `repository`, `tag` and `digest`:\n\
         repository[:tag][@digest], quoted.\n\
         */}}}}\n\
         {{{{- define \"{IMAGE_HELPER}\" -}}}}\n\
         {{{{- $ref := .repository | toString -}}}}\n\
         {{{{- if .tag }}}}{{{{ $ref = printf \"%s:%v\" $ref .tag }}}}{{{{ end -}}}}\n\
         {{{{- if .digest }}}}{{{{ $ref = printf \"%s@%v\" $ref .digest }}}}{{{{ end -}}}}\n\
         {{{{- $ref | quote -}}}}\n\
         {{{{- end -}}}}\n"
    )
}

/// `Chart.yaml`.
fn chart_yaml(objects: &[Object], project: &str) -> Result<String, String> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Chart<'a> {
        api_version: &'static str,
        name: &'a str,
        description: &'static str,
        #[serde(rename = "type")]
        type_: &'static str,
        version: &'static str,
        app_version: String,
    }
    let chart = Chart {
        api_version: "v2",
        name: project,
        description: "A Docker Compose application as one Pod (converted by podlift)",
        type_: "application",
        version: CHART_VERSION,
        app_version: app_version(objects),
    };
    serde_saphyr::to_string(&chart).map_err(|e| format!("cannot write Chart.yaml: {e}"))
}

/// The tag most of the application's containers share (`latest` for none),
/// the first such in Pod order on a tie; the loopback init container does not count.
fn app_version(objects: &[Object]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (name, image) in containers(objects) {
        if name == LOOPBACK_INIT_NAME {
            continue;
        }
        let Node::Map(values) = image_values(&image) else {
            continue;
        };
        let tag = values
            .get("tag")
            .and_then(Node::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or("latest")
            .to_string();
        match counts.iter_mut().find(|(t, _)| *t == tag) {
            Some((_, n)) => *n += 1,
            None => counts.push((tag, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    counts
        .into_iter()
        .find(|(_, n)| *n == best)
        .map_or_else(|| "latest".to_string(), |(t, _)| t)
}

fn workloads(objects: &[Object]) -> impl Iterator<Item = Workload<'_>> {
    objects.iter().filter_map(Object::workload)
}

#[allow(clippy::unnecessary_wraps)] // keeps the call sites' `filter_map(pod_spec)` shape
fn pod_spec<'a>(workload: &Workload<'a>) -> Option<&'a PodSpec> {
    workload.pod_spec
}

/// Every container of a Pod, init containers first.
fn pod_containers(spec: &PodSpec) -> impl Iterator<Item = &Container> {
    spec.init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
}

/// `(name, image)` of every container of every Deployment, init containers first.
fn containers(objects: &[Object]) -> Vec<(String, String)> {
    workloads(objects)
        .filter_map(|w| pod_spec(&w))
        .flat_map(pod_containers)
        .filter_map(|c| Some((c.name.clone(), c.image.clone()?)))
        .collect()
}

/// Container names whose image or resources differ between Deployments
/// (the split strategy): their values are keyed `<deployment>-<container>`.
fn ambiguous_names(objects: &[Object]) -> BTreeSet<String> {
    let mut seen: BTreeMap<&str, (&Option<String>, &Option<ResourceRequirements>)> =
        BTreeMap::new();
    let mut ambiguous = BTreeSet::new();
    for container in workloads(objects)
        .filter_map(|w| pod_spec(&w))
        .flat_map(pod_containers)
    {
        let settings = (&container.image, &container.resources);
        if *seen.entry(&container.name).or_insert(settings) != settings {
            ambiguous.insert(container.name.clone());
        }
    }
    ambiguous
}

/// `NOTES.txt`: what Helm prints after an install.
fn notes(objects: &[Object]) -> String {
    let workloads: Vec<Workload<'_>> = workloads(objects).collect();
    let names: Vec<String> = workloads
        .iter()
        .map(|w| format!("{} `{}`", w.kind, w.name))
        .collect();
    let mut out = if let [single] = names.as_slice() {
        format!(
            "The compose application runs as one Pod ({single}) in namespace\n\
             `{{{{ .Release.Namespace }}}}`: every compose service is one of its containers.\n"
        )
    } else {
        format!(
            "The compose application runs as {} in namespace\n\
             `{{{{ .Release.Namespace }}}}`.\n",
            names.join(", ")
        )
    };
    let _ = writeln!(
        out,
        "\n  kubectl -n {{{{ .Release.Namespace }}}} get deployments,pods -l {}={}",
        labels::MANAGED_BY,
        labels::MANAGER
    );
    let mut listing = String::new();
    for deployment in &workloads {
        let indent = if workloads.len() > 1 { "    " } else { "  " };
        let addresses = addresses(deployment, indent);
        if addresses.is_empty() {
            continue;
        }
        if workloads.len() > 1 {
            let _ = writeln!(listing, "  {} `{}`:", deployment.kind, deployment.name);
        }
        listing.push_str(&addresses);
    }
    if listing.is_empty() {
        out.push_str("\nThe compose file presets no addresses: no loopback setup is needed.\n");
    } else {
        let _ = write!(
            out,
            "\nLoopback addresses\n\
             The init container `{LOOPBACK_INIT_NAME}` puts the compose file's preset addresses\n\
             on the Pod's loopback, so the containers reach each other at the addresses\n\
             the compose file (and the images' configuration) use. The names compose\n\
             resolved point at them through the Pod's hostAliases:\n\n{listing}\n\
             These addresses exist only inside the Pod. Other workloads reach the\n\
             application through its Services, never through these addresses.\n"
        );
    }
    let assessment = pod_security::of_objects(objects);
    let level = assessment.level();
    if level == Level::Privileged {
        let _ = write!(
            out,
            "\nPod Security\n\
             The Pods need Pod Security level {}.\n\
             A namespace that enforces `baseline` or `restricted` rejects them. Label it with:\n\n  \
             kubectl label namespace {{{{ .Release.Namespace }}}} {}=privileged --overwrite\n",
            assessment.summary(3),
            labels::POD_SECURITY_ENFORCE
        );
    } else {
        let _ = write!(
            out,
            "\nPod Security\n\
             The Pods satisfy Pod Security level `{level}`; the namespace may enforce it:\n\n  \
             kubectl label namespace {{{{ .Release.Namespace }}}} {}={level} --overwrite\n",
            labels::POD_SECURITY_ENFORCE
        );
    }
    escape_notes(&out)
}

/// One line per loopback address of a Deployment's Pod: the address and the
/// names that point at it.
fn addresses(deployment: &Workload<'_>, indent: &str) -> String {
    let addresses: Vec<&str> = deployment
        .pod_metadata
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get(labels::LOOPBACK_ANNOTATION))
        .map(|list| list.split(',').filter(|a| !a.is_empty()).collect())
        .unwrap_or_default();
    let mut aliases: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for alias in pod_spec(deployment)
        .and_then(|s| s.host_aliases.as_ref())
        .into_iter()
        .flatten()
    {
        aliases
            .entry(alias.ip.as_str())
            .or_default()
            .extend(alias.hostnames.iter().flatten().map(String::as_str));
    }
    let mut out = String::new();
    for address in addresses {
        let names = aliases
            .get(address)
            .map(|n| n.join(", "))
            .unwrap_or_default();
        let _ = writeln!(out, "{indent}{address:<16} {names}");
    }
    out
}

/// NOTES.txt is a template too; only its own `{{ .Release.Namespace }}` is an action.
fn escape_notes(text: &str) -> String {
    const NAMESPACE: &str = "{{ .Release.Namespace }}";
    text.split(NAMESPACE)
        .map(escape)
        .collect::<Vec<_>>()
        .join(NAMESPACE)
}

#[cfg(test)]
mod tests {
    use super::{escape, go_string, image_values, value_ref};

    #[test]
    fn value_paths_use_index_for_keys_that_are_no_identifiers() {
        assert_eq!(value_ref(&["images", "db", "tag"]), ".Values.images.db.tag");
        assert_eq!(
            value_ref(&["images", "podlift-loopback"]),
            "(index .Values \"images\" \"podlift-loopback\")"
        );
        assert_eq!(go_string("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn images_split_into_repository_tag_and_digest() {
        let text = |reference| serde_json::to_string(&image_values(reference)).unwrap_or_default();
        assert_eq!(text("app"), r#"{"repository":"app","tag":""}"#);
        assert_eq!(
            text("registry:5000/shop/api:2.3"),
            r#"{"repository":"registry:5000/shop/api","tag":"2.3"}"#
        );
        assert_eq!(
            text("nginx@sha256:ab"),
            r#"{"repository":"nginx","tag":"","digest":"sha256:ab"}"#
        );
    }

    #[test]
    fn braces_of_the_content_stay_literal() {
        assert_eq!(escape("a {{ b }}"), "a {{ \"{{\" }} b }}");
    }
}
