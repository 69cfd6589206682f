//! A Helm chart a platform team can keep: `Chart.yaml` (with `kubeVersion`
//! from `--kube-version`), a `values.yaml` with what a customer changes and a
//! `values.schema.json` that rejects a wrong value, one template per object,
//! `_helpers.tpl` and a `NOTES.txt` on the loopback addresses and the Pod
//! Security level the namespace needs.
//!
//! Object names come from the release (`fullname`, with `nameOverride` and
//! `fullnameOverride`), so two releases in one namespace share no object;
//! every object carries Helm's standard labels, and selectors the release's.
//! Only the Services of the split strategy keep their compose names: peers'
//! names resolve through them. Secret data lives in `values.yaml`
//! (`secrets.NAME.data`), never in a template, or comes from an
//! `existingSecret`.
//!
//! With the default values, `helm template` renders the objects of the YAML
//! stream, but for names and labels. Templates are made without
//! pattern-matching YAML text: each object becomes an ordered tree, every
//! changeable field is replaced by a unique marker scalar, the tree is
//! written as YAML, and each marker is then swapped for its template text.
//! Everything else the objects contain is literal text for Helm (`{{` is
//! escaped).

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

/// Pod labels that put a Pod on a compose network (`plan::network_policy::label_key`).
const NETWORK_LABEL_PREFIX: &str = "podlift.io/network.";
/// The chart's own version; the application's is `appVersion`.
const CHART_VERSION: &str = "0.1.0";
/// The named template that joins an image's repository, tag and digest.
const IMAGE_HELPER: &str = "podlift.image";
/// What `helm package` leaves out: podlift's list of its files, editors' and
/// version control's leftovers.
const HELMIGNORE: &str = "\
# Patterns helm package ignores (like .gitignore).
# podlift's list of the files it wrote (for --force), not part of the chart:
.podlift-files
.DS_Store
.git/
.gitignore
.hg/
.svn/
*.swp
*.bak
*.tmp
*.orig
*~
.idea/
.vscode/
";

/// The files of the chart.
///
/// # Errors
/// When an object cannot be serialised or does not have the shape podlift renders.
pub fn files(
    objects: &[Object],
    project: &str,
    kube_version: (u32, u32),
) -> Result<Vec<File>, String> {
    let mut chart = ChartBuilder::new(objects, project)?;
    let mut files = Vec::new();
    for object in objects {
        let template = chart.template(object)?;
        files.push((
            PathBuf::from("templates").join(file_name(object, "yaml")),
            template,
        ));
    }
    files.push((PathBuf::from("templates/_helpers.tpl"), helpers()));
    files.push((
        PathBuf::from("templates/NOTES.txt"),
        notes(objects, project),
    ));
    files.push((PathBuf::from("values.yaml"), chart.values.to_yaml()?));
    files.push((PathBuf::from("values.schema.json"), chart.values.schema()?));
    files.push((
        PathBuf::from("Chart.yaml"),
        chart_yaml(objects, project, kube_version)?,
    ));
    files.push((PathBuf::from(".helmignore"), HELMIGNORE.to_string()));
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
    /// The key's line replaced by these lines, each indented as the key.
    Lines { key: String, lines: Vec<Line> },
}

/// A line of a [`Slot::Lines`].
#[derive(Clone, Debug)]
enum Line {
    /// Text of the object, written as it is.
    Literal(String),
    /// A template action; `NESTED` and `INDENT` in it become the indentation
    /// of the key's value and of the key.
    Action(String),
}

/// The values a customer changes; defaults reproduce the YAML stream.
#[derive(Default)]
struct Values {
    images: IndexMap<String, Node>,
    image_pull_policy: String,
    resources: IndexMap<String, Node>,
    extra_env: IndexMap<String, Node>,
    replicas: IndexMap<String, Node>,
    persistence: IndexMap<String, Node>,
    services: IndexMap<String, Node>,
    secrets: IndexMap<String, Node>,
    create_namespace: bool,
}

impl Values {
    fn to_yaml(&self) -> Result<String, String> {
        let mut out = String::from(
            "# What to change when installing this chart. The defaults reproduce\n\
             # `podlift convert` (object names and labels aside); values.schema.json\n\
             # says what each value may be.\n",
        );
        section(
            &mut out,
            "Object names: `<release>-<chart>-<object>` (`<release>-<object>` when the\n\
             # release name holds the chart's). `nameOverride` replaces the chart's name,\n\
             # `fullnameOverride` the whole `<release>-<chart>` part.",
            "nameOverride",
            Node::str(""),
        )?;
        out.push_str("fullnameOverride: \"\"\n");
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
             # empty: each container's own, else Kubernetes' default.",
            "imagePullPolicy",
            Node::str(self.image_pull_policy.clone()),
        )?;
        section(
            &mut out,
            "Secrets the Pods pull images with (`- name: SECRET`): needed for images\n\
             # compose built (`build:`) and pushed to a private registry.",
            "imagePullSecrets",
            Node::Seq(Vec::new()),
        )?;
        section(
            &mut out,
            "Each container's resources (`requests`, `limits`), keyed like `images`.",
            "resources",
            Node::Map(self.resources.clone()),
        )?;
        section(
            &mut out,
            "Environment variables added to each container (`- name: N` / `value: V`,\n\
             # or `valueFrom`), keyed like `images`.",
            "extraEnv",
            Node::Map(self.extra_env.clone()),
        )?;
        if !self.replicas.is_empty() {
            section(
                &mut out,
                "Replicas of each Deployment (the split strategy gives each service its own).",
                "replicas",
                Node::Map(self.replicas.clone()),
            )?;
        }
        pod_sections(&mut out)?;
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
                 # empty: ClusterIP) and the port each of its `ports` listens on.",
                "services",
                Node::Map(self.services.clone()),
            )?;
        }
        if !self.secrets.is_empty() {
            section(
                &mut out,
                "Each Secret, keyed by name: its `data` (base64, as in a Secret), or the name\n\
                 # of a Secret that exists in the namespace (`existingSecret`, with the same\n\
                 # keys), which the chart then uses instead of making one. Keep real secrets\n\
                 # out of version control: pass them with `--set-file` or `-f secret-values.yaml`.",
                "secrets",
                Node::Map(self.secrets.clone()),
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

    /// `values.schema.json`: every value's type, so `helm install` and
    /// `helm template` reject a wrong one (a typo in a key, a pull policy
    /// Kubernetes does not know, a size that is no quantity).
    fn schema(&self) -> Result<String, String> {
        use serde_json::{Value, json};
        let string = json!({"type": "string"});
        let strings = json!({"type": "object", "additionalProperties": {"type": "string"}});
        let keyed = |names: &IndexMap<String, Node>, item: &Value| -> Value {
            let properties: serde_json::Map<String, Value> =
                names.keys().map(|k| (k.clone(), item.clone())).collect();
            json!({"type": "object", "properties": properties, "additionalProperties": false})
        };
        let (image, resources, env_var) = container_schemas();
        let claim = json!({
            "type": "object",
            "properties": {
                "size": {"type": "string", "pattern": QUANTITY_PATTERN},
                "storageClass": string,
            },
            "required": ["size"],
            "additionalProperties": false,
        });
        let services = self.service_schemas();
        let secret = json!({
            "type": "object",
            "properties": {
                "existingSecret": string,
                "data": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[A-Za-z0-9+/]*={0,2}$"}},
            },
            "additionalProperties": false,
        });
        let mut properties = serde_json::Map::new();
        for (key, value) in [
            ("nameOverride", json!({"type": "string", "maxLength": 63})),
            (
                "fullnameOverride",
                json!({"type": "string", "maxLength": 63}),
            ),
            ("images", keyed(&self.images, &image)),
            (
                "imagePullPolicy",
                json!({"enum": ["", "Always", "IfNotPresent", "Never"]}),
            ),
            (
                "imagePullSecrets",
                json!({"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}, "required": ["name"], "additionalProperties": false}}),
            ),
            ("resources", keyed(&self.resources, &resources)),
            (
                "extraEnv",
                keyed(&self.extra_env, &json!({"type": "array", "items": env_var})),
            ),
            (
                "replicas",
                keyed(&self.replicas, &json!({"type": "integer", "minimum": 0})),
            ),
            ("nodeSelector", strings.clone()),
            (
                "tolerations",
                json!({"type": "array", "items": {"type": "object"}}),
            ),
            ("affinity", json!({"type": "object"})),
            ("podAnnotations", strings.clone()),
            ("podLabels", strings),
            ("persistence", keyed(&self.persistence, &claim)),
            (
                "services",
                json!({"type": "object", "properties": services, "additionalProperties": false}),
            ),
            ("secrets", keyed(&self.secrets, &secret)),
            (
                "namespace",
                json!({"type": "object", "properties": {"create": {"type": "boolean"}}, "additionalProperties": false}),
            ),
            // Helm passes `global` to every chart.
            ("global", json!({"type": "object"})),
        ] {
            properties.insert(key.to_string(), value);
        }
        let schema = json!({
            "$schema": "https://json-schema.org/draft-07/schema#",
            "title": "Values of the chart podlift made",
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        });
        serde_json::to_string_pretty(&schema)
            .map(|mut text| {
                text.push('\n');
                text
            })
            .map_err(|e| format!("cannot write values.schema.json: {e}"))
    }

    /// The schema of each Service's values: its type and its ports.
    fn service_schemas(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::{Value, json};
        let service_types = json!({"enum": ["", "ClusterIP", "NodePort", "LoadBalancer"]});
        let mut services = serde_json::Map::new();
        for (name, service) in &self.services {
            let ports: Vec<String> = match service {
                Node::Map(map) => match map.get("ports") {
                    Some(Node::Map(ports)) => ports.keys().cloned().collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let port_properties: serde_json::Map<String, Value> = ports
                .into_iter()
                .map(|p| {
                    (
                        p,
                        json!({"type": "integer", "minimum": 1, "maximum": 65535}),
                    )
                })
                .collect();
            services.insert(
                name.clone(),
                json!({
                    "type": "object",
                    "properties": {
                        "type": service_types,
                        "ports": {"type": "object", "properties": port_properties, "additionalProperties": false},
                    },
                    "additionalProperties": false,
                }),
            );
        }
        services
    }
}

/// The schemas of a container's `images`, `resources` and `extraEnv` items.
fn container_schemas() -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    use serde_json::json;
    let image = json!({
        "type": "object",
        "properties": {
            "repository": {"type": "string", "minLength": 1},
            "tag": {"type": ["string", "number"]},
            "digest": {"type": "string", "pattern": "^([a-z0-9]+:[a-f0-9]{32,})?$"},
        },
        "required": ["repository"],
        "additionalProperties": false,
    });
    let resource_list = json!({
        "type": "object",
        "additionalProperties": {"type": ["string", "number"], "pattern": QUANTITY_PATTERN},
    });
    let resources = json!({
        "type": "object",
        "properties": {"requests": resource_list, "limits": resource_list, "claims": {"type": "array"}},
        "additionalProperties": false,
    });
    let env_var = json!({
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1}, "value": {"type": "string"}, "valueFrom": {"type": "object"}},
        "required": ["name"],
        "additionalProperties": false,
    });
    (image, resources, env_var)
}

/// The values every Pod takes: where it runs, its annotations and labels.
fn pod_sections(out: &mut String) -> Result<(), String> {
    for (key, comment, value) in [
        (
            "nodeSelector",
            "Where the Pods run: `nodeSelector`, `tolerations` and `affinity` of every Pod.",
            Node::map(),
        ),
        ("tolerations", "", Node::Seq(Vec::new())),
        ("affinity", "", Node::map()),
        (
            "podAnnotations",
            "Annotations and labels added to every Pod.",
            Node::map(),
        ),
        ("podLabels", "", Node::map()),
    ] {
        if comment.is_empty() {
            let text = serde_saphyr::to_string(&IndexMap::from([(key, value)]))
                .map_err(|e| format!("cannot write values: {e}"))?;
            out.push_str(&text);
        } else {
            section(out, comment, key, value)?;
        }
    }
    Ok(())
}

/// A Kubernetes quantity (`1Gi`, `500m`, `10G`, `1.5`).
const QUANTITY_PATTERN: &str =
    "^[+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$";

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
    /// The project's name: an object named after it is named after the release.
    project: String,
    /// Several workloads (the split strategy): peers reach each other through
    /// Services named as the compose services, which keep their names, and
    /// each workload's replicas are a value.
    split: bool,
    values: Values,
}

/// Markers collected for one template.
struct Marks {
    prefix: String,
    slots: Vec<Slot>,
}

impl Marks {
    fn mark(&mut self, slot: Slot) -> Node {
        self.slots.push(slot);
        Node::Str(format!("{}{}__", self.prefix, self.slots.len() - 1))
    }
}

impl ChartBuilder {
    fn new(objects: &[Object], project: &str) -> Result<Self, String> {
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
            project: project.to_string(),
            split: workloads(objects).count() > 1,
            values: Values::default(),
        })
    }

    /// The template action giving the release's name for the object `name`.
    fn name_action(&self, name: &str, max: usize) -> String {
        let prefix = format!("{}-", self.project);
        let suffix = if name == self.project {
            ""
        } else {
            name.strip_prefix(&prefix).unwrap_or(name)
        };
        format!(
            "{{{{ include \"podlift.objectname\" (dict \"root\" $ \"suffix\" {} \"max\" {max}) }}}}",
            go_string(suffix)
        )
    }

    /// The action naming Secret `name`: an `existingSecret`, else the chart's.
    fn secret_action(&self, name: &str) -> String {
        format!(
            "{{{{ {} | default (include \"podlift.objectname\" (dict \"root\" $ \"suffix\" {} \"max\" 253)) }}}}",
            value_ref(&["secrets", name, "existingSecret"]),
            go_string(
                name.strip_prefix(&format!("{}-", self.project))
                    .unwrap_or(name)
            )
        )
    }

    /// The template of one object.
    fn template(&mut self, object: &Object) -> Result<String, String> {
        let mut node = Node::of(object)?;
        let mut marks = Marks {
            prefix: self.marker.clone(),
            slots: Vec::new(),
        };
        if let Some(namespace) = node.at_mut(&["metadata", "namespace"]) {
            *namespace = marks.mark(Slot::Scalar("{{ .Release.Namespace | quote }}".into()));
        }
        let name = object.name().to_string();
        self.metadata(object, &name, &mut node, &mut marks)?;
        let mut wrap: Option<String> = None;
        match object {
            Object::Deployment(_) | Object::StatefulSet(_) | Object::Pod(_) => {
                self.workload(object, &name, &mut node, &mut marks)?;
            }
            Object::PersistentVolumeClaim(_) => {
                self.claim(&name, &mut node, &mut marks)?;
            }
            Object::Service(_) => {
                self.service(&name, &mut node, &mut marks)?;
            }
            Object::Namespace(_) => {
                if let Some(name) = node.at_mut(&["metadata", "name"]) {
                    *name = marks.mark(Slot::Scalar("{{ .Release.Namespace | quote }}".into()));
                }
                self.values.create_namespace = true;
                wrap = Some("{{- if .Values.namespace.create }}".into());
            }
            Object::Secret(_) => {
                let map = node.as_map_mut().ok_or("a Secret is not a mapping")?;
                let data = map.shift_remove("data").unwrap_or_else(Node::map);
                self.values.secrets.insert(
                    name.clone(),
                    Node::Map(IndexMap::from([
                        ("existingSecret".to_string(), Node::str("")),
                        ("data".to_string(), data),
                    ])),
                );
                map.insert(
                    "data".to_string(),
                    marks.mark(Slot::Lines {
                        key: "data".into(),
                        lines: vec![
                            Line::Literal("data:".into()),
                            Line::Action(format!(
                                "  {{{{- toYaml {} | nindent NESTED }}}}",
                                value_ref(&["secrets", &name, "data"])
                            )),
                        ],
                    }),
                );
                wrap = Some(format!(
                    "{{{{- if not {} }}}}",
                    value_ref(&["secrets", &name, "existingSecret"])
                ));
            }
            Object::NetworkPolicy(_) => {
                if let Some(spec) = node.at_mut(&["spec"]) {
                    release_selectors(spec, &mut marks)?;
                }
            }
            Object::ConfigMap(_) => {}
        }
        let yaml = serde_saphyr::to_string(&node)
            .map_err(|e| format!("cannot write {} as YAML: {e}", object.kind()))?;
        let body = substitute(&escape(&yaml), &self.marker, &marks.slots)?;
        Ok(match wrap {
            Some(condition) => format!("{condition}\n{body}{{{{- end }}}}\n"),
            None => body,
        })
    }

    /// The object's name and labels from the release.
    fn metadata(
        &self,
        object: &Object,
        name: &str,
        node: &mut Node,
        marks: &mut Marks,
    ) -> Result<(), String> {
        let keep_name = matches!(object, Object::Namespace(_))
            || (self.split && matches!(object, Object::Service(_)));
        let max = match object {
            Object::Service(_) | Object::Deployment(_) | Object::StatefulSet(_) => 63,
            _ => 253,
        };
        let metadata = node.map_at(&["metadata"])?;
        if !keep_name && let Some(slot) = metadata.get_mut("name") {
            *slot = marks.mark(Slot::Scalar(self.name_action(name, max)));
        }
        if let Some(labels) = metadata.get_mut("labels") {
            // A bare Pod's own labels are the Pod's: `podLabels` join them.
            let extra = matches!(object, Object::Pod(_)).then_some("podLabels");
            let lines = label_lines("labels", labels, "podlift.labels", extra)?;
            *labels = marks.mark(Slot::Lines {
                key: "labels".into(),
                lines,
            });
        }
        Ok(())
    }

    fn claim(&mut self, name: &str, node: &mut Node, marks: &mut Marks) -> Result<(), String> {
        let spec = node.map_at(&["spec"])?;
        let size = spec
            .get_mut("resources")
            .and_then(|r| r.at_mut(&["requests", "storage"]))
            .ok_or_else(|| format!("claim `{name}` has no storage request"))?;
        let mut claim = IndexMap::from([("size".to_string(), size.clone())]);
        *size = marks.mark(Slot::Scalar(format!(
            "{{{{ {} | quote }}}}",
            value_ref(&["persistence", name, "size"])
        )));
        let class = spec
            .shift_remove("storageClassName")
            .unwrap_or_else(|| Node::str(""));
        claim.insert("storageClass".to_string(), class);
        spec.insert(
            "storageClassName".to_string(),
            marks.mark(Slot::Optional {
                key: "storageClassName".into(),
                value: value_ref(&["persistence", name, "storageClass"]),
            }),
        );
        self.values
            .persistence
            .insert(name.to_string(), Node::Map(claim));
        Ok(())
    }

    fn service(&mut self, name: &str, node: &mut Node, marks: &mut Marks) -> Result<(), String> {
        let spec = node.map_at(&["spec"])?;
        let type_ = spec.shift_remove("type").unwrap_or_else(|| Node::str(""));
        spec.insert(
            "type".to_string(),
            marks.mark(Slot::Optional {
                key: "type".into(),
                value: value_ref(&["services", name, "type"]),
            }),
        );
        let mut ports = IndexMap::new();
        if let Some(Node::Seq(items)) = spec.get_mut("ports") {
            for item in items {
                let Some(port) = item.as_map_mut() else {
                    continue;
                };
                let Some(port_name) = port.get("name").and_then(Node::as_str).map(String::from)
                else {
                    continue;
                };
                if let Some(number) = port.get_mut("port") {
                    ports.insert(port_name.clone(), number.clone());
                    *number = marks.mark(Slot::Scalar(format!(
                        "{{{{ {} }}}}",
                        value_ref(&["services", name, "ports", &port_name])
                    )));
                }
            }
        }
        if let Some(selector) = spec.get_mut("selector") {
            *selector = marks.mark(Slot::Lines {
                key: "selector".into(),
                lines: label_lines("selector", selector, "podlift.selectorLabels", None)?,
            });
        }
        self.values.services.insert(
            name.to_string(),
            Node::Map(IndexMap::from([
                ("type".to_string(), type_),
                ("ports".to_string(), Node::Map(ports)),
            ])),
        );
        Ok(())
    }

    fn workload(
        &mut self,
        object: &Object,
        name: &str,
        node: &mut Node,
        marks: &mut Marks,
    ) -> Result<(), String> {
        let spec_path = object.workload().map_or(&["spec"][..], |w| w.spec_path);
        let is_pod = matches!(object, Object::Pod(_));
        if !is_pod {
            if let Some(selector) = node.at_mut(&["spec", "selector", "matchLabels"]) {
                *selector = marks.mark(Slot::Lines {
                    key: "matchLabels".into(),
                    lines: label_lines("matchLabels", selector, "podlift.selectorLabels", None)?,
                });
            }
            if self.split
                && let Some(replicas) = node.at_mut(&["spec", "replicas"])
            {
                self.values
                    .replicas
                    .insert(name.to_string(), replicas.clone());
                *replicas = marks.mark(Slot::Scalar(format!(
                    "{{{{ {} }}}}",
                    value_ref(&["replicas", name])
                )));
            }
        }
        // The Pod's own labels and annotations.
        let pod_metadata: Vec<&str> = if is_pod {
            vec!["metadata"]
        } else {
            vec!["spec", "template", "metadata"]
        };
        if let Some(metadata) = node.at_mut(&pod_metadata).and_then(Node::as_map_mut) {
            if !is_pod && let Some(labels) = metadata.get_mut("labels") {
                *labels = marks.mark(Slot::Lines {
                    key: "labels".into(),
                    lines: label_lines("labels", labels, "podlift.labels", Some("podLabels"))?,
                });
            }
            let annotations = metadata.shift_remove("annotations");
            metadata.insert(
                "annotations".to_string(),
                marks.mark(Slot::Lines {
                    key: "annotations".into(),
                    lines: annotation_lines(annotations.as_ref())?,
                }),
            );
        }
        let spec = node.map_at(spec_path)?;
        for list in ["initContainers", "containers"] {
            let Some(Node::Seq(containers)) = spec.get_mut(list) else {
                continue;
            };
            for container in containers {
                let container = container
                    .as_map_mut()
                    .ok_or_else(|| format!("a container of `{name}` is not a mapping"))?;
                self.container(name, container, marks)?;
            }
        }
        if let Some(Node::Seq(volumes)) = spec.get_mut("volumes") {
            for volume in volumes.iter_mut().filter_map(Node::as_map_mut) {
                self.volume(volume, marks);
            }
        }
        for key in [
            "imagePullSecrets",
            "nodeSelector",
            "tolerations",
            "affinity",
        ] {
            spec.insert(
                key.to_string(),
                marks.mark(Slot::Block {
                    key: key.into(),
                    value: value_ref(&[key]),
                }),
            );
        }
        Ok(())
    }

    /// A volume's ConfigMap, Secret or claim by the release's name for it.
    fn volume(&self, volume: &mut IndexMap<String, Node>, marks: &mut Marks) {
        for (source, field) in [
            ("configMap", "name"),
            ("persistentVolumeClaim", "claimName"),
            ("secret", "secretName"),
        ] {
            let Some(reference) = volume
                .get_mut(source)
                .and_then(Node::as_map_mut)
                .and_then(|m| m.get_mut(field))
            else {
                continue;
            };
            let Some(target) = reference.as_str().map(String::from) else {
                continue;
            };
            let action = if source == "secret" {
                self.secret_action(&target)
            } else {
                self.name_action(&target, 253)
            };
            *reference = marks.mark(Slot::Scalar(action));
        }
    }

    /// Puts a container's image, pull policy, resources and extra
    /// environment into the values.
    fn container(
        &mut self,
        deployment: &str,
        container: &mut IndexMap<String, Node>,
        marks: &mut Marks,
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
            *image = marks.mark(Slot::Scalar(format!(
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
            marks.mark(Slot::Optional {
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
            marks.mark(Slot::Block {
                key: "resources".into(),
                value: value_ref(&["resources", &key]),
            }),
        );
        let env = container.shift_remove("env");
        let extra = value_ref(&["extraEnv", &key]);
        self.values
            .extra_env
            .insert(key.clone(), Node::Seq(Vec::new()));
        let lines = match env {
            Some(env) => {
                let mut lines = vec![Line::Literal("env:".into())];
                lines.extend(yaml_lines(&env, "")?);
                lines.push(Line::Action(format!("{{{{- with {extra} }}}}")));
                lines.push(Line::Action("{{- toYaml . | nindent INDENT }}".into()));
                lines.push(Line::Action("{{- end }}".into()));
                lines
            }
            None => vec![
                Line::Action(format!("{{{{- with {extra} }}}}")),
                Line::Literal("env:".into()),
                Line::Action("{{- toYaml . | nindent INDENT }}".into()),
                Line::Action("{{- end }}".into()),
            ],
        };
        container.insert(
            "env".to_string(),
            marks.mark(Slot::Lines {
                key: "env".into(),
                lines,
            }),
        );
        Ok(())
    }
}

/// Every `podSelector` below `node` that picks a workload's Pods by name
/// picks them in this release only.
fn release_selectors(node: &mut Node, marks: &mut Marks) -> Result<(), String> {
    match node {
        Node::Map(map) => {
            for (key, value) in map.iter_mut() {
                let by_name =
                    key == "podSelector" && value.at_mut(&["matchLabels", labels::NAME]).is_some();
                if by_name {
                    if let Some(selector) = value.at_mut(&["matchLabels"]) {
                        *selector = marks.mark(Slot::Lines {
                            key: "matchLabels".into(),
                            lines: label_lines(
                                "matchLabels",
                                selector,
                                "podlift.selectorLabels",
                                None,
                            )?,
                        });
                    }
                } else if key == "podSelector"
                    && let Some(Node::Map(labels)) = value.at_mut(&["matchLabels"])
                    && labels.keys().any(|k| k.starts_with(NETWORK_LABEL_PREFIX))
                {
                    // Peers on a compose network: this release's only.
                    let mut lines = vec![Line::Literal("matchLabels:".into())];
                    lines.extend(yaml_lines(&Node::Map(labels.clone()), "  ")?);
                    lines.push(Line::Action(
                        "  app.kubernetes.io/instance: {{ $.Release.Name | quote }}".into(),
                    ));
                    if let Some(selector) = value.at_mut(&["matchLabels"]) {
                        *selector = marks.mark(Slot::Lines {
                            key: "matchLabels".into(),
                            lines,
                        });
                    }
                } else {
                    release_selectors(value, marks)?;
                }
            }
        }
        Node::Seq(items) => {
            for item in items {
                release_selectors(item, marks)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `value` as YAML lines, each prefixed by `indent`, braces escaped.
fn yaml_lines(value: &Node, indent: &str) -> Result<Vec<Line>, String> {
    let text = serde_saphyr::to_string(value).map_err(|e| format!("cannot write YAML: {e}"))?;
    Ok(escape(&text)
        .lines()
        .map(|line| Line::Literal(format!("{indent}{line}")))
        .collect())
}

/// A labels (or selector) mapping as template lines: the helper's labels
/// for the object's `app.kubernetes.io/name`, then the object's other
/// labels, then (for Pods) the labels of `extra` in the values.
fn label_lines(
    key: &str,
    labels: &Node,
    helper: &str,
    extra: Option<&str>,
) -> Result<Vec<Line>, String> {
    let Node::Map(map) = labels else {
        return Err("labels are not a mapping".into());
    };
    let name = map
        .get(labels::NAME)
        .and_then(Node::as_str)
        .unwrap_or_default();
    let rest: IndexMap<String, Node> = map
        .iter()
        .filter(|(k, _)| k.as_str() != labels::NAME && k.as_str() != labels::MANAGED_BY)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut lines = vec![
        Line::Literal(format!("{key}:")),
        Line::Action(format!(
            "  {{{{- include \"{helper}\" (dict \"root\" $ \"name\" {}) | nindent NESTED }}}}",
            go_string(name)
        )),
    ];
    if !rest.is_empty() {
        lines.extend(yaml_lines(&Node::Map(rest), "  ")?);
    }
    if let Some(extra) = extra {
        lines.push(Line::Action(format!(
            "  {{{{- with {} }}}}",
            value_ref(&[extra])
        )));
        lines.push(Line::Action("  {{- toYaml . | nindent NESTED }}".into()));
        lines.push(Line::Action("  {{- end }}".into()));
    }
    Ok(lines)
}

/// A Pod's annotations with those of `podAnnotations` in the values.
fn annotation_lines(annotations: Option<&Node>) -> Result<Vec<Line>, String> {
    let extra = value_ref(&["podAnnotations"]);
    Ok(match annotations {
        Some(annotations) => {
            let mut lines = vec![Line::Literal("annotations:".into())];
            lines.extend(yaml_lines(annotations, "  ")?);
            lines.push(Line::Action(format!("  {{{{- with {extra} }}}}")));
            lines.push(Line::Action("  {{- toYaml . | nindent NESTED }}".into()));
            lines.push(Line::Action("  {{- end }}".into()));
            lines
        }
        None => vec![
            Line::Action(format!("{{{{- with {extra} }}}}")),
            Line::Literal("annotations:".into()),
            Line::Action("  {{- toYaml . | nindent NESTED }}".into()),
            Line::Action("{{- end }}".into()),
        ],
    })
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
        format!("$.Values.{}", path.join("."))
    } else {
        let keys: Vec<String> = path.iter().map(|s| go_string(s)).collect();
        format!("(index $.Values {})", keys.join(" "))
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
            Slot::Lines { key, lines } => {
                check_key(before, &indent, key)?;
                for line in lines {
                    match line {
                        Line::Literal(text) => {
                            let _ = writeln!(out, "{indent}{text}");
                        }
                        Line::Action(text) => {
                            let text = text
                                .replace("NESTED", &(indent.len() + 2).to_string())
                                .replace("INDENT", &indent.len().to_string());
                            let _ = writeln!(out, "{indent}{text}");
                        }
                    }
                }
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
         The release's name for the chart's objects: `fullnameOverride`, else\n\
         `<release>-<chart>` (`nameOverride` replaces the chart's name), or the\n\
         release's name alone when it already holds the chart's. 63 characters at most.\n\
         */}}}}\n\
         {{{{- define \"podlift.fullname\" -}}}}\n\
         {{{{- if .Values.fullnameOverride -}}}}\n\
         {{{{- .Values.fullnameOverride | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- $name := default .Chart.Name .Values.nameOverride -}}}}\n\
         {{{{- if contains $name .Release.Name -}}}}\n\
         {{{{- .Release.Name | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- printf \"%s-%s\" .Release.Name $name | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         An object's name: the full name, then `-suffix` (the object's name in\n\
         `podlift convert` without the project's prefix); `max` characters at most.\n\
         Arguments: (dict \"root\" $ \"suffix\" SUFFIX \"max\" MAX).\n\
         */}}}}\n\
         {{{{- define \"podlift.objectname\" -}}}}\n\
         {{{{- $full := include \"podlift.fullname\" .root -}}}}\n\
         {{{{- if .suffix -}}}}\n\
         {{{{- printf \"%s-%s\" $full .suffix | trunc (int .max) | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- $full -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         The chart label: name and version.\n\
         */}}}}\n\
         {{{{- define \"podlift.chart\" -}}}}\n\
         {{{{- printf \"%s-%s\" .Chart.Name .Chart.Version | replace \"+\" \"_\" | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         Selector labels: the workload's name and the release. Arguments: (dict \"root\" $ \"name\" NAME).\n\
         */}}}}\n\
         {{{{- define \"podlift.selectorLabels\" -}}}}\n\
         app.kubernetes.io/name: {{{{ .name | quote }}}}\n\
         app.kubernetes.io/instance: {{{{ .root.Release.Name | quote }}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         Helm's standard labels. Arguments: (dict \"root\" $ \"name\" NAME).\n\
         */}}}}\n\
         {{{{- define \"podlift.labels\" -}}}}\n\
         helm.sh/chart: {{{{ include \"podlift.chart\" .root | quote }}}}\n\
         {{{{ include \"podlift.selectorLabels\" . }}}}\n\
         {{{{- with .root.Chart.AppVersion }}}}\n\
         app.kubernetes.io/version: {{{{ . | quote }}}}\n\
         {{{{- end }}}}\n\
         app.kubernetes.io/managed-by: {{{{ .root.Release.Service | quote }}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
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
fn chart_yaml(
    objects: &[Object],
    project: &str,
    kube_version: (u32, u32),
) -> Result<String, String> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Chart<'a> {
        api_version: &'static str,
        name: &'a str,
        description: &'static str,
        #[serde(rename = "type")]
        type_: &'static str,
        version: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        app_version: Option<String>,
        kube_version: String,
    }
    let (major, minor) = kube_version;
    let chart = Chart {
        api_version: "v2",
        name: project,
        description: "A Docker Compose application (converted by podlift)",
        type_: "application",
        version: CHART_VERSION,
        app_version: app_version(objects),
        // `-0` admits the pre-release and vendor builds (`1.33.2-eks-…`).
        kube_version: format!(">= {major}.{minor}.0-0"),
    };
    serde_saphyr::to_string(&chart).map_err(|e| format!("cannot write Chart.yaml: {e}"))
}

/// The tag most of the application's containers share, the first such in
/// Pod order on a tie; `None` when none names a version (no tag, or
/// `latest`). The loopback init container does not count.
fn app_version(objects: &[Object]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (name, image) in containers(objects) {
        if name == LOOPBACK_INIT_NAME {
            continue;
        }
        let Node::Map(values) = image_values(&image) else {
            continue;
        };
        let Some(tag) = values
            .get("tag")
            .and_then(Node::as_str)
            .filter(|t| !t.is_empty() && *t != "latest")
        else {
            continue;
        };
        match counts.iter_mut().find(|(t, _)| t == tag) {
            Some((_, n)) => *n += 1,
            None => counts.push((tag.to_string(), 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(t, _)| t)
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
fn notes(objects: &[Object], project: &str) -> String {
    let workloads: Vec<Workload<'_>> = workloads(objects).collect();
    // The release's names, as the templates give them.
    let release_name = |name: &str| {
        let suffix = if name == project {
            ""
        } else {
            name.strip_prefix(&format!("{project}-")).unwrap_or(name)
        };
        format!(
            "{{{{ include \"podlift.objectname\" (dict \"root\" $ \"suffix\" {} \"max\" 63) }}}}",
            go_string(suffix)
        )
    };
    let mut actions: Vec<String> = vec![
        "{{ .Release.Namespace }}".to_string(),
        "{{ .Release.Name }}".to_string(),
    ];
    let names: Vec<String> = workloads
        .iter()
        .map(|w| {
            let action = release_name(w.name);
            actions.push(action.clone());
            format!("{} `{action}`", w.kind)
        })
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
        "\n  kubectl -n {{{{ .Release.Namespace }}}} get all -l app.kubernetes.io/instance={{{{ .Release.Name }}}}"
    );
    let mut listing = String::new();
    for deployment in &workloads {
        let indent = if workloads.len() > 1 { "    " } else { "  " };
        let addresses = addresses(deployment, indent);
        if addresses.is_empty() {
            continue;
        }
        if workloads.len() > 1 {
            let _ = writeln!(
                listing,
                "  {} `{}`:",
                deployment.kind,
                release_name(deployment.name)
            );
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
    escape_notes(&out, &actions)
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

/// NOTES.txt is a template too; only the `actions` it was written with are
/// actions (the rest, names and addresses, holds no braces of its own).
fn escape_notes(text: &str, actions: &[String]) -> String {
    let mut out = escape(text);
    for action in actions {
        out = out.replace(&escape(action), action);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, go_string, image_values, value_ref};

    #[test]
    fn value_paths_use_index_for_keys_that_are_no_identifiers() {
        assert_eq!(
            value_ref(&["images", "db", "tag"]),
            "$.Values.images.db.tag"
        );
        assert_eq!(
            value_ref(&["images", "podlift-loopback"]),
            "(index $.Values \"images\" \"podlift-loopback\")"
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
