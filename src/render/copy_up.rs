//! The copy-up init containers: a fresh volume filled with what the
//! service's own image has at the mount path, once, as Docker fills a new
//! volume on first use.

use foldhash::HashSet;
use k8s_openapi::api::core::v1::{Capabilities, Container, SecurityContext, VolumeMount};

use crate::plan::{ContainerPlan, CopyUp, PodPlan};

/// Where the init container mounts the volume it fills.
pub const COPY_UP_DIR: &str = "/podlift-copy-up";

/// The name every copy-up init container's name starts with.
const NAME: &str = "podlift-copy-up";

/// `podlift-copy-up-`: how a copy-up init container's name starts.
pub const NAME_PREFIX: &str = "podlift-copy-up-";

/// Copies the image's files at `$1` into the volume at [`COPY_UP_DIR`]
/// only while the volume holds nothing (a new filesystem's `lost+found`
/// aside), keeping owners, modes, links and the directory's own owner and
/// mode (`cp -a` of `$1/.`). Needs `sh` and `cp` only.
const SCRIPT: &str = "for f in /podlift-copy-up/* /podlift-copy-up/.[!.]* /podlift-copy-up/..?*; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then [ \"$f\" = /podlift-copy-up/lost+found ] || exit 0; fi; done; exec cp -a \"$1\"/. /podlift-copy-up/";

/// The copy-ups of a Pod in its containers' start order (the first to mount
/// a volume fills it, as under Docker), each with its init container's name,
/// `podlift-copy-up-N`, apart from every other container's name.
#[must_use]
pub fn numbered(plan: &PodPlan) -> Vec<(String, &ContainerPlan, &CopyUp)> {
    let taken: HashSet<&str> = plan.containers.iter().map(|c| c.name.as_str()).collect();
    let mut number = 0_usize;
    let mut out = Vec::new();
    for container in &plan.containers {
        for copy in &container.details.copy_up {
            let name = loop {
                number += 1;
                let name = format!("{NAME}-{number}");
                if !taken.contains(name.as_str()) {
                    break name;
                }
            };
            out.push((name, container, copy));
        }
    }
    out
}

/// The copy-up init containers of a Pod.
pub(crate) fn copy_up_containers(plan: &PodPlan) -> Vec<Container> {
    numbered(plan)
        .into_iter()
        .map(|(name, container, copy)| copy_up(container, &copy.volume, &copy.path, name))
        .collect()
}

/// Whether the Pod has any copy-up.
pub(crate) fn has_copy_up(plan: &PodPlan) -> bool {
    plan.containers
        .iter()
        .any(|c| !c.details.copy_up.is_empty())
}

fn copy_up(container: &ContainerPlan, volume: &str, path: &str, name: String) -> Container {
    Container {
        name,
        image: Some(container.image.clone()),
        image_pull_policy: container
            .details
            .pull_policy
            .map(|p| super::container::image_pull_policy(p).to_string()),
        command: Some(vec![
            "sh".to_string(),
            "-c".to_string(),
            SCRIPT.to_string(),
            NAME.to_string(),
            crate::plan::escape(path),
        ]),
        volume_mounts: Some(vec![VolumeMount {
            name: volume.to_string(),
            mount_path: COPY_UP_DIR.to_string(),
            ..VolumeMount::default()
        }]),
        // `cp -a` of an image's directory, within a quota that asks for
        // limits.
        resources: Some(super::wait::init_resources("500m", "256Mi")),
        // As root, with what copying owners and modes needs, as the
        // Docker daemon copies.
        security_context: Some(SecurityContext {
            run_as_user: Some(0),
            run_as_group: Some(0),
            run_as_non_root: Some(false),
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                add: Some(
                    ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"]
                        .map(String::from)
                        .to_vec(),
                ),
                drop: Some(vec!["ALL".to_string()]),
            }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}
