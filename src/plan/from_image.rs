//! What the plan makes of the facts `--inspect-images` carried
//! ([`FromImage`]): who a container runs as, the copy-up of fresh volumes,
//! and the `service_healthy` dependencies compose would refuse.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::port::Protocol;
use crate::model::service::Condition;
use crate::model::{FromImage, Project, Service};
use crate::plan::storage::MountPlan;

/// A fresh volume filled from the service's own image before it starts
/// (Docker's copy-up): an init container running the image copies what it
/// has at `path` into the volume while the volume is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyUp {
    /// The Pod volume.
    pub volume: String,
    /// Where the image has the files (and the service mounts the volume).
    pub path: String,
}

/// What `podlift plan` shows of the facts a container took from its image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The image as the service names it (before pinning).
    pub image: String,
    /// Its health check is (in part) the image's `HEALTHCHECK`.
    pub healthcheck: bool,
    /// `EXPOSE` ports compose did not declare.
    pub ports: Vec<(u16, Protocol)>,
    /// `VOLUME` paths that became emptyDirs.
    pub volumes: Vec<String>,
    /// The image's `USER` (or compose's name resolved in it) and whether it
    /// runs as `runAsNonRoot`.
    pub user: Option<(String, bool)>,
    /// Pinned to the digest inspected (`--pin-digests`).
    pub pinned: bool,
}

/// The facts `service` took from its image, for `plan`.
pub(crate) fn carried(service: &Service) -> Option<Carried> {
    let from = service.from_image.as_ref()?;
    Some(Carried {
        image: from.image.clone(),
        healthcheck: from.healthcheck,
        ports: from.exposed.clone(),
        volumes: from.volumes.clone(),
        user: from
            .user
            .as_ref()
            .filter(|u| !u.compose || u.uid.is_some())
            .map(|u| (u.written.clone(), u.non_root())),
        pinned: from.pinned.is_some(),
    })
}

/// The ids a container runs as from the image's facts, where compose's own
/// `user:` gave none: `(runAsUser, runAsGroup, runAsNonRoot)`.
pub(crate) fn image_user(service: &Service) -> Option<(Option<i64>, Option<i64>, bool)> {
    let user = service.from_image.as_ref()?.user.as_ref()?;
    let uid = user.uid.filter(|&uid| uid != 0 || user.compose);
    let gid = user.gid.filter(|_| uid.is_some());
    Some((uid.map(i64::from), gid.map(i64::from), user.non_root()))
}

/// The copy-ups of `service`: each carried copy-up path with the Pod volume
/// mounted there.
pub(crate) fn copy_ups(service: &Service, mounts: &[MountPlan]) -> Vec<CopyUp> {
    let Some(from) = &service.from_image else {
        return Vec::new();
    };
    from.copy_up
        .iter()
        .filter_map(|path| {
            let mount = mounts.iter().find(|m| {
                m.sub_path.is_none() && m.path.trim_end_matches('/') == path.trim_end_matches('/')
            })?;
            Some(CopyUp {
                volume: mount.volume.clone(),
                path: path.clone(),
            })
        })
        .collect()
}

/// Whether the mount at `target` of `service` was found to start empty
/// under Docker too, or to be filled by a copy-up: no note that it starts
/// empty is due.
#[must_use]
pub fn settled(service: &Service, target: &str) -> bool {
    let target = target.trim_end_matches('/');
    service.from_image.as_ref().is_some_and(|from: &FromImage| {
        from.copy_up
            .iter()
            .chain(&from.empty_there)
            .any(|p| p.trim_end_matches('/') == target)
    })
}

/// `service_healthy` on a service whose image was inspected and that has no
/// health check, from compose or the image (or compose disables it):
/// compose refuses to start the dependent ("container … has no healthcheck
/// configured").
pub(crate) fn refuse_unhealthy(project: &Project, diagnostics: &mut Diagnostics) {
    for service in &project.services {
        for dependency in service
            .depends_on
            .iter()
            .filter(|d| d.condition == Condition::Healthy)
        {
            let target = &dependency.service.value;
            let Some(found) = project.service(target) else {
                continue;
            };
            let Some(from) = &found.from_image else {
                continue;
            };
            if found.healthcheck.is_some() {
                continue;
            }
            let why = if found.health_setting.as_ref().is_some_and(|s| s.disabled) {
                format!("`{target}` disables its `healthcheck`")
            } else {
                format!(
                    "neither the compose file nor its image `{}` gives `{target}` a health check",
                    from.image
                )
            };
            diagnostics.push(
                Diagnostic::error(
                    Code::HealthyNone,
                    format!(
                        "service `{}` waits for `{target}` with `condition: service_healthy`, but {why}; compose refuses to start `{}` (\"container {target} has no healthcheck configured\")",
                        service.name.value, service.name.value
                    ),
                )
                .at(dependency.service.span)
                .help(format!("give `{target}` a `healthcheck:`, or wait with `condition: service_started`")),
            );
        }
    }
}
