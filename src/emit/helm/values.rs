//! `values.yaml` and `values.schema.json`.

use std::fmt::Write as _;

use indexmap::IndexMap;

use crate::emit::helm::error::HelmError;
use crate::emit::helm::node::Node;

/// The values a customer changes; defaults reproduce the YAML stream.
#[derive(Default)]
pub(super) struct Values {
    pub(super) images: IndexMap<String, Node>,
    pub(super) image_pull_policy: String,
    pub(super) resources: IndexMap<String, Node>,
    pub(super) extra_env: IndexMap<String, Node>,
    pub(super) replicas: IndexMap<String, Node>,
    pub(super) persistence: IndexMap<String, Node>,
    pub(super) services: IndexMap<String, Node>,
    pub(super) secrets: IndexMap<String, Node>,
    pub(super) create_namespace: bool,
}

impl Values {
    pub(super) fn to_yaml(&self) -> Result<String, HelmError> {
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
        image_sections(&mut out, &self.images)?;
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
    pub(super) fn schema(&self) -> Result<String, HelmError> {
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
            // Helm passes `global` to every chart (subcharts' keys too).
            (
                "global",
                json!({"type": "object", "properties": {"imageRegistry": {"type": "string", "pattern": "^([^/\\s]+(/[^/\\s]+)*)?/?$"}}}),
            ),
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
            .map_err(HelmError::json("write values.schema.json"))
    }

    /// The schema of each Service's values: its type and its ports.
    pub(super) fn service_schemas(&self) -> serde_json::Map<String, serde_json::Value> {
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
pub(super) fn container_schemas() -> (serde_json::Value, serde_json::Value, serde_json::Value) {
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

/// Each container's image, and `global.imageRegistry`: one registry (a
/// mirror) for every image.
fn image_sections(out: &mut String, images: &IndexMap<String, Node>) -> Result<(), HelmError> {
    section(
        out,
        "Each container's image, keyed by container name (`<deployment>-<container>`\n\
         # where Deployments differ): `repository`, `tag`\n\
         # (empty: none) and `digest` (when pinned). `podlift-loopback` is the init\n\
         # container that puts the compose file's addresses on the Pod's loopback:\n\
         # its image needs an `ip` that supports `addr replace` (busybox's does).",
        "images",
        Node::Map(images.clone()),
    )?;
    section(
        out,
        "One registry for every image above (a mirror), replacing each image's own\n\
         # (`docker.io/library/busybox` becomes `REGISTRY/library/busybox`, `nginx`\n\
         # `REGISTRY/library/nginx`); empty: each image's own registry.\n\
         # `podlift config --images` lists the images to copy there.",
        "global",
        Node::Map(IndexMap::from([(
            "imageRegistry".to_string(),
            Node::str(""),
        )])),
    )
}

/// The values every Pod takes: where it runs, its annotations and labels.
pub(super) fn pod_sections(out: &mut String) -> Result<(), HelmError> {
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
            let text = crate::yaml_writer::to_string(&IndexMap::from([(key, value)]))
                .map_err(HelmError::yaml("values"))?;
            out.push_str(&text);
        } else {
            section(out, comment, key, value)?;
        }
    }
    Ok(())
}

/// A Kubernetes quantity (`1Gi`, `500m`, `10G`, `1.5`).
pub(super) const QUANTITY_PATTERN: &str =
    "^[+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$";

/// Appends `# comment` and `key: value` to `out`.
pub(super) fn section(
    out: &mut String,
    comment: &str,
    key: &str,
    value: Node,
) -> Result<(), HelmError> {
    let map = IndexMap::from([(key.to_string(), value)]);
    let text = crate::yaml_writer::to_string(&map).map_err(HelmError::yaml("values"))?;
    let _ = write!(out, "\n# {comment}\n{text}");
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(())
}

/// `repository`, `tag` and `digest` of `registry/repo:tag@digest` (a port's `:` stays).
pub(super) fn image_values(reference: &str) -> Node {
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

#[cfg(test)]
mod tests {
    use super::image_values;

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
}
