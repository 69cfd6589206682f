//! Bind mounts whose content podlift does not carry: a node's path
//! (hostPath), or an empty claim with `--bind-as pvc`.

use std::path::Path;

use crate::diagnostic::{Code, Diagnostic};
use crate::plan::storage::mounts::Mounts;
use crate::plan::storage::{ClaimPlan, VolumeSource};

/// A bind mount whose content podlift does not carry: it stays on the node.
pub(super) struct NodeBind<'a> {
    pub(super) owner: &'a str,
    pub(super) index: usize,
    pub(super) path: &'a Path,
    pub(super) written: &'a str,
    pub(super) span: crate::source::Span,
}

/// A node's path as a hostPath, or an empty claim (`mounts.claim`: `--bind-as pvc`);
/// `why` says why a path inside the project is not copied (`None`: it is
/// outside the project).
pub(super) fn node_bind(mounts: &mut Mounts<'_>, bind: &NodeBind<'_>, why: Option<&str>) -> String {
    let (claim, prefix, options) = (mounts.claim, mounts.prefix, mounts.options);
    let (storage, diagnostics) = (&mut *mounts.storage, &mut *mounts.diagnostics);
    let NodeBind {
        owner,
        index,
        path,
        written,
        span,
    } = *bind;
    if claim {
        let claim = storage.new_claim(&format!("{prefix}-{owner}-bind-{index}"));
        let message = match why {
            None => format!(
                "bind mount `{written}` of service `{owner}` is outside the project directory: it becomes claim `{claim}`, which starts empty"
            ),
            Some(why) => format!(
                "bind mount `{written}` of service `{owner}` becomes claim `{claim}`, which starts empty: {why}"
            ),
        };
        diagnostics.push(
            Diagnostic::warning(Code::BindClaim, message)
                .at(span)
                .help("copy the content into the claim before the service needs it"),
        );
        storage.claims.push(ClaimPlan {
            name: claim.clone(),
            size: options.claim_size(None),
            storage_class: options.storage_class.clone(),
        });
        return storage.volume(&format!("{owner}-bind-{index}"), VolumeSource::Claim(claim));
    }
    let host = path.to_string_lossy().into_owned();
    if TIME_ZONE_FILES.contains(&host.as_str()) {
        // A harmless idiom, never grouped with a hostPath that matters.
        diagnostics.push(
            Diagnostic::note(
                Code::BindHostTime,
                format!(
                    "bind mount `{written}` of service `{owner}` gives it the node's time zone: it becomes hostPath `{host}`"
                ),
            )
            .at(span)
            .help("nothing to do if the nodes' time zone is right; or set the `TZ` variable instead (no hostPath)"),
        );
        return storage.volume(
            &format!("{owner}-host-{index}"),
            VolumeSource::HostPath(host),
        );
    }
    let message = match why {
        None => format!(
            "bind mount `{written}` of service `{owner}` is outside the project directory: it becomes hostPath `{host}`, which is not copied into the manifests"
        ),
        Some(why) => {
            format!("bind mount `{written}` of service `{owner}` becomes a hostPath: {why}")
        }
    };
    diagnostics.push(
        Diagnostic::warning(Code::BindHostPath, message)
            .at(span)
            .help("the path must exist on the node that runs the Pod; prefer a named volume, or `--bind-as pvc`"),
    );
    storage.volume(
        &format!("{owner}-host-{index}"),
        VolumeSource::HostPath(host),
    )
}

/// The files a container binds to share the host's time zone: every node has
/// them, so their hostPath is an idiom, not a risk.
const TIME_ZONE_FILES: &[&str] = &["/etc/localtime", "/etc/timezone"];
