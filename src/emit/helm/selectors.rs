//! Labels, selectors and annotations as template lines.

use indexmap::IndexMap;

use crate::emit::helm::error::HelmError;
use crate::emit::helm::node::Node;
use crate::emit::helm::template::Marks;
use crate::emit::helm::text::{Line, Slot, go_string, value_ref, yaml_lines};
use crate::render::labels;

/// Every `podSelector` below `node` that picks a workload's Pods by name
/// picks them in this release only.
pub(super) fn release_selectors(node: &mut Node, marks: &mut Marks) -> Result<(), HelmError> {
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
                    && labels
                        .keys()
                        .any(|k| k.starts_with(labels::NETWORK_LABEL_PREFIX))
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

/// A labels (or selector) mapping as template lines: the helper's labels
/// for the object's `app.kubernetes.io/name`, then the object's other
/// labels, then (for Pods) the labels of `extra` in the values.
pub(super) fn label_lines(
    key: &str,
    labels: &Node,
    helper: &str,
    extra: Option<&str>,
) -> Result<Vec<Line>, HelmError> {
    let Node::Map(map) = labels else {
        return Err(HelmError::LabelsNotMapping);
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
pub(super) fn annotation_lines(annotations: Option<&Node>) -> Result<Vec<Line>, HelmError> {
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
