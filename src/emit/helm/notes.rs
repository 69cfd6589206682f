//! `NOTES.txt`: what Helm prints after an install. It is a template too:
//! podlift's own actions are written as actions, and every text from the
//! input (names, host paths in the Pod Security findings) is made literal
//! where it is inserted ([`literal`]), never un-escaped afterwards; Helm
//! prints it to a terminal, so its control characters are escaped too.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::diagnostic::printable::printable;
use crate::emit::helm::text::{escape, go_string};
use crate::emit::helm::workloads;
use crate::render::pod_security::{Assessment, Level};
use crate::render::{Loopback, Object, Workload, labels};

/// `NOTES.txt`: what Helm prints after an install.
pub(super) fn notes(
    objects: &[Object],
    project: &str,
    assessment: &Assessment,
    loopback: &[Loopback],
) -> String {
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
    let names: Vec<String> = workloads
        .iter()
        .map(|w| format!("{} `{}`", w.kind, release_name(w.name)))
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
    let by_workload: HashMap<&str, &Loopback> =
        loopback.iter().map(|l| (l.workload.as_str(), l)).collect();
    let mut listing = String::new();
    for deployment in &workloads {
        let indent = if workloads.len() > 1 { "    " } else { "  " };
        let addresses = by_workload
            .get(deployment.name)
            .map(|l| addresses(l, indent))
            .unwrap_or_default();
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
    let init_container = loopback
        .iter()
        .find(|l| !l.addresses.is_empty())
        .map(|l| l.init_container);
    if let Some(init_container) = init_container.filter(|_| !listing.is_empty()) {
        let _ = write!(
            out,
            "\nLoopback addresses\n\
             The init container `{init_container}` puts the compose file's preset addresses\n\
             on the Pod's loopback, so the containers reach each other at the addresses\n\
             the compose file (and the images' configuration) use. The names compose\n\
             resolved point at them through the Pod's hostAliases:\n\n{listing}\n\
             These addresses exist only inside the Pod. Other workloads reach the\n\
             application through its Services, never through these addresses.\n"
        );
    } else {
        out.push_str("\nThe compose file presets no addresses: no loopback setup is needed.\n");
    }
    pod_security(&mut out, assessment);
    out
}

/// Text from the input as Helm must print it: `{{` an action that prints
/// `{{`, control characters escaped.
fn literal(text: &str) -> String {
    escape(&printable(text))
}

/// The Pod Security level the namespace needs, and how to label it.
fn pod_security(out: &mut String, assessment: &Assessment) {
    let level = assessment.level();
    if level == Level::Privileged {
        let _ = write!(
            *out,
            "\nPod Security\n\
             The Pods need Pod Security level {}.\n\
             A namespace that enforces `baseline` or `restricted` rejects them. Label it with:\n\n  \
             kubectl label namespace {{{{ .Release.Namespace }}}} {}=privileged --overwrite\n",
            literal(&assessment.summary(3)),
            labels::POD_SECURITY_ENFORCE
        );
    } else {
        let _ = write!(
            *out,
            "\nPod Security\n\
             The Pods satisfy Pod Security level `{level}`; the namespace may enforce it:\n\n  \
             kubectl label namespace {{{{ .Release.Namespace }}}} {}={level} --overwrite\n",
            labels::POD_SECURITY_ENFORCE
        );
    }
}

/// One line per loopback address of a workload's Pod: the address and the
/// names that point at it.
fn addresses(loopback: &Loopback, indent: &str) -> String {
    let mut out = String::new();
    for address in &loopback.addresses {
        let text = address.address.to_string();
        let names = literal(&address.names.join(", "));
        let _ = writeln!(out, "{indent}{text:<16} {names}");
    }
    out
}
