//! One template per object: changeable fields become values.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::emit::helm::error::HelmError;
use crate::emit::helm::helpers::IMAGE_HELPER;
use crate::emit::helm::node::Node;
use crate::emit::helm::selectors::{annotation_lines, label_lines, release_selectors};
use crate::emit::helm::text::{
    Line, Slot, escape, go_string, keep_trailing_space, substitute, value_ref, yaml_lines,
};
use crate::emit::helm::values::{Values, image_values};
use crate::emit::helm::{ambiguous_names, workloads};
use crate::render::Object;

/// Turns objects into templates and gathers the values they use.
pub(super) struct ChartBuilder {
    /// Starts every marker; chosen so that no object's text contains it.
    pub(super) marker: String,
    /// Container names that need their Deployment's name in their values' key.
    pub(super) ambiguous: BTreeSet<String>,
    /// The project's name: an object named after it is named after the release.
    pub(super) project: String,
    /// Several workloads (the split strategy): peers reach each other through
    /// Services named as the compose services, which keep their names, and
    /// each workload's replicas are a value.
    pub(super) split: bool,
    pub(super) values: Values,
}

/// Markers collected for one template.
pub(super) struct Marks {
    pub(super) prefix: String,
    pub(super) slots: Vec<Slot>,
}

impl Marks {
    pub(super) fn mark(&mut self, slot: Slot) -> Node {
        self.slots.push(slot);
        Node::Str(format!("{}{}__", self.prefix, self.slots.len() - 1))
    }
}

impl ChartBuilder {
    pub(super) fn new(objects: &[Object], project: &str) -> Result<Self, HelmError> {
        let mut text = String::new();
        for object in objects {
            text.push_str(&serde_json::to_string(object).map_err(HelmError::json("serialise"))?);
        }
        // The text cannot hold more distinct markers than it has characters.
        let marker = (0..=text.len())
            .map(|n| format!("podlift_helm_value_{n}_"))
            .find(|m| !text.contains(m.as_str()))
            .ok_or(HelmError::NoMarker)?;
        Ok(Self {
            marker,
            ambiguous: ambiguous_names(objects),
            project: project.to_string(),
            split: workloads(objects).count() > 1,
            values: Values::default(),
        })
    }

    /// The template action giving the release's name for the object `name`.
    pub(super) fn name_action(&self, name: &str, max: usize) -> String {
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
    pub(super) fn secret_action(&self, name: &str) -> String {
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
    pub(super) fn template(&mut self, object: &Object) -> Result<String, HelmError> {
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
                let map = node.as_map_mut().ok_or(HelmError::SecretNotMapping)?;
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
        let yaml = crate::yaml_writer::to_string(&node)
            .map_err(HelmError::yaml(format!("{} as YAML", object.kind())))?;
        let mut body = substitute(&escape(&yaml), &self.marker, &marks.slots)?;
        Ok(match wrap {
            Some(condition) => {
                keep_trailing_space(&mut body);
                format!("{condition}\n{body}{{{{- end }}}}\n")
            }
            None => body,
        })
    }

    /// The object's name and labels from the release.
    pub(super) fn metadata(
        &self,
        object: &Object,
        name: &str,
        node: &mut Node,
        marks: &mut Marks,
    ) -> Result<(), HelmError> {
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

    pub(super) fn claim(
        &mut self,
        name: &str,
        node: &mut Node,
        marks: &mut Marks,
    ) -> Result<(), HelmError> {
        let spec = node.map_at(&["spec"])?;
        let size = spec
            .get_mut("resources")
            .and_then(|r| r.at_mut(&["requests", "storage"]))
            .ok_or_else(|| HelmError::NoStorageRequest(name.to_string()))?;
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

    pub(super) fn service(
        &mut self,
        name: &str,
        node: &mut Node,
        marks: &mut Marks,
    ) -> Result<(), HelmError> {
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

    pub(super) fn workload(
        &mut self,
        object: &Object,
        name: &str,
        node: &mut Node,
        marks: &mut Marks,
    ) -> Result<(), HelmError> {
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
        let owners = copy_up_owners(spec);
        for list in ["initContainers", "containers"] {
            let Some(Node::Seq(containers)) = spec.get_mut(list) else {
                continue;
            };
            for container in containers {
                let container = container
                    .as_map_mut()
                    .ok_or_else(|| HelmError::ContainerNotMapping(name.to_string()))?;
                self.container(name, container, &owners, marks)?;
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
    pub(super) fn volume(&self, volume: &mut IndexMap<String, Node>, marks: &mut Marks) {
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

    /// A container's `env` as template lines: a variable read from a Secret
    /// names the release's Secret, or the `existingSecret` that replaces it.
    pub(super) fn env_lines(&self, env: &mut Node) -> Result<Vec<Line>, HelmError> {
        let mut actions = Vec::new();
        if let Node::Seq(items) = env {
            for item in items {
                let Some(name) = item.at_mut(&["valueFrom", "secretKeyRef", "name"]) else {
                    continue;
                };
                let Some(secret) = name.as_str() else {
                    continue;
                };
                let placeholder = format!("{}ref_{}__", self.marker, actions.len());
                actions.push((placeholder.clone(), self.secret_action(secret)));
                *name = Node::Str(placeholder);
            }
        }
        yaml_lines(env, "")?
            .into_iter()
            .map(|line| {
                let Line::Literal(text) = &line else {
                    return Ok(line);
                };
                match actions.iter().find(|(p, _)| text.ends_with(p.as_str())) {
                    Some((placeholder, action)) => {
                        let before = text.strip_suffix(placeholder.as_str()).unwrap_or_default();
                        if before.trim() != "name:" {
                            return Err(HelmError::SecretName(text.clone()));
                        }
                        Ok(Line::Action(format!("{before}{action}")))
                    }
                    None => Ok(line),
                }
            })
            .collect()
    }

    /// Puts a container's image, pull policy, resources and extra
    /// environment into the values.
    pub(super) fn container(
        &mut self,
        deployment: &str,
        container: &mut IndexMap<String, Node>,
        owners: &BTreeMap<String, String>,
        marks: &mut Marks,
    ) -> Result<(), HelmError> {
        let name = container
            .get("name")
            .and_then(Node::as_str)
            .ok_or(HelmError::ContainerWithoutName)?;
        let key_of = |name: &str| {
            if self.ambiguous.contains(name) {
                format!("{deployment}-{name}")
            } else {
                name.to_string()
            }
        };
        let key = key_of(name);
        // A copy-up runs its service's own image: the same value, so that
        // `--set images.SERVICE…` moves both.
        let image_key = owners.get(name).map(|owner| key_of(owner));
        if let Some(image_key) = image_key
            && let Some(image) = container.get_mut("image")
        {
            *image = marks.mark(Slot::Scalar(format!(
                "{{{{ include \"{IMAGE_HELPER}\" (dict \"image\" {} \"global\" $.Values.global) }}}}",
                value_ref(&["images", &image_key])
            )));
        } else if let Some(image) = container.get_mut("image") {
            let reference = image
                .as_str()
                .ok_or_else(|| HelmError::ImageNotString(key.clone()))?;
            self.values
                .images
                .insert(key.clone(), image_values(reference));
            *image = marks.mark(Slot::Scalar(format!(
                "{{{{ include \"{IMAGE_HELPER}\" (dict \"image\" {} \"global\" $.Values.global) }}}}",
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
            Some(mut env) => {
                let mut lines = vec![Line::Literal("env:".into())];
                lines.extend(self.env_lines(&mut env)?);
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

/// The copy-up init containers of a Pod spec (`podlift-copy-up-N`), each
/// with the container whose image it runs: the first other container of the
/// same image.
fn copy_up_owners(spec: &IndexMap<String, Node>) -> BTreeMap<String, String> {
    let containers: Vec<(&str, &str)> = ["initContainers", "containers"]
        .iter()
        .filter_map(|list| match spec.get(*list) {
            Some(Node::Seq(items)) => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|c| match c {
            Node::Map(c) => Some((c.get("name")?.as_str()?, c.get("image")?.as_str()?)),
            _ => None,
        })
        .collect();
    let copy_up = |name: &str| name.starts_with(crate::render::copy_up::NAME_PREFIX);
    containers
        .iter()
        .filter(|(name, _)| copy_up(name))
        .filter_map(|(name, image)| {
            let (owner, _) = containers
                .iter()
                .find(|(other, theirs)| !copy_up(other) && theirs == image)?;
            Some(((*name).to_string(), (*owner).to_string()))
        })
        .collect()
}
