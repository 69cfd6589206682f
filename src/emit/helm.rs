//! A Helm chart a platform team can keep: `Chart.yaml` (with the
//! `kubeVersion` its manifests need), a `values.yaml` with what a customer changes and a
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

mod error;
mod helpers;
mod node;
mod notes;
mod selectors;
mod template;
mod text;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, PodSpec, ResourceRequirements};
use serde::Serialize;

pub use crate::emit::helm::error::HelmError;
use crate::emit::helm::helpers::helpers;
use crate::emit::helm::notes::notes;
use crate::emit::helm::template::ChartBuilder;
use crate::emit::{Access, File, file_name};
use crate::render::{KubeVersion, Object, Rendered, Workload};

/// The chart's own version; the application's is `appVersion`.
pub(super) const CHART_VERSION: &str = "0.1.0";

/// What `helm package` leaves out: podlift's list of its files, editors' and
/// version control's leftovers.
pub(super) const HELMIGNORE: &str = "\
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

/// The files of the chart made of `objects` (those of `rendered`, in apply
/// order, the Namespace first).
///
/// # Errors
/// When an object cannot be serialised or does not have the shape podlift renders.
pub fn files(
    objects: &[Object],
    rendered: &Rendered<'_>,
    project: &str,
) -> Result<Vec<File>, HelmError> {
    let loopback = rendered.loopback();
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
        notes(objects, project, rendered.pod_security(), &loopback),
    ));
    files.push((PathBuf::from("values.yaml"), chart.values.to_yaml()?));
    files.push((PathBuf::from("values.schema.json"), chart.values.schema()?));
    files.push((PathBuf::from("Chart.yaml"), chart_yaml(objects, project)?));
    files.push((PathBuf::from(".helmignore"), HELMIGNORE.to_string()));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    // Secret data lives in `values.yaml`: it, and the Secrets' templates,
    // are for their owner only.
    let secret_templates: BTreeSet<PathBuf> = objects
        .iter()
        .filter(|object| matches!(object, Object::Secret(_)))
        .map(|object| PathBuf::from("templates").join(file_name(object, "yaml")))
        .collect();
    let private = |path: &PathBuf| {
        secret_templates.contains(path)
            || (!secret_templates.is_empty() && path.as_path() == Path::new("values.yaml"))
    };
    Ok(files
        .into_iter()
        .map(|(path, text)| File {
            access: Access::private_if(private(&path)),
            path,
            text,
        })
        .collect())
}

/// `Chart.yaml`: `kubeVersion` is the oldest Kubernetes the manifests work
/// on ([`kube_floor`]), not the version targeted; no `appVersion`, since
/// podlift cannot know the application's release (its images' tags are each
/// component's version): `helm package --app-version` sets it.
fn chart_yaml(objects: &[Object], project: &str) -> Result<String, HelmError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Chart<'a> {
        api_version: &'static str,
        name: &'a str,
        description: &'static str,
        #[serde(rename = "type")]
        type_: &'static str,
        version: &'static str,
        kube_version: String,
    }
    let floor = kube_floor(objects);
    let chart = Chart {
        api_version: "v2",
        name: project,
        description: "A Docker Compose application (converted by podlift)",
        type_: "application",
        version: CHART_VERSION,
        // `-0` admits the pre-release and vendor builds (`1.33.2-eks-…`).
        kube_version: format!(">= {floor}.0-0"),
    };
    crate::yaml_writer::to_string(&chart).map_err(HelmError::yaml("Chart.yaml"))
}

/// The oldest Kubernetes whose API server keeps every field the Pods use:
/// 1.30 for `appArmorProfile` (older servers drop it, and the container
/// runs under another profile), 1.29 for native sidecars (init containers
/// with `restartPolicy: Always`: older servers drop the field, and the init
/// container never ends, so the Pod never starts), else 1.25, where Pod
/// Security admission (the namespace labels `NOTES.txt` asks for) is GA and
/// PodSecurityPolicy gone.
fn kube_floor(objects: &[Object]) -> KubeVersion {
    let mut floor = KubeVersion::POD_SECURITY_ADMISSION;
    for spec in workloads(objects).filter_map(|w| pod_spec(&w)) {
        if spec
            .init_containers
            .iter()
            .flatten()
            .any(|c| c.restart_policy.as_deref() == Some("Always"))
        {
            floor = floor.max(KubeVersion::NATIVE_SIDECARS);
        }
        let pod_armor = spec
            .security_context
            .as_ref()
            .is_some_and(|s| s.app_armor_profile.is_some());
        let container_armor = pod_containers(spec).any(|c| {
            c.security_context
                .as_ref()
                .is_some_and(|s| s.app_armor_profile.is_some())
        });
        if pod_armor || container_armor {
            floor = floor.max(KubeVersion::APP_ARMOR_FIELDS);
        }
    }
    floor
}

pub(super) fn workloads(objects: &[Object]) -> impl Iterator<Item = Workload<'_>> {
    objects.iter().filter_map(Object::workload)
}

#[allow(clippy::unnecessary_wraps)] // keeps the call sites' `filter_map(pod_spec)` shape
pub(super) fn pod_spec<'a>(workload: &Workload<'a>) -> Option<&'a PodSpec> {
    workload.pod_spec
}

/// Every container of a Pod, init containers first.
pub(super) fn pod_containers(spec: &PodSpec) -> impl Iterator<Item = &Container> {
    spec.init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
}

/// Container names whose image or resources differ between Deployments
/// (the split strategy): their values are keyed `<deployment>-<container>`.
pub(super) fn ambiguous_names(objects: &[Object]) -> BTreeSet<String> {
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
