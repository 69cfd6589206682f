//! The copy init container: fills each writable bind mount's volume with
//! the files of its ConfigMap or Secret before any service starts, keeping
//! each file's mode, and never overwriting a file already there (what the
//! services wrote into a claim, or into an `emptyDir` before the Pod's
//! sandbox restarted).

use foldhash::{HashSet, HashSetExt};
use std::fmt::Write as _;

use k8s_openapi::api::core::v1::{Capabilities, Container, SecurityContext, VolumeMount};

use crate::plan::storage::VolumeSource;
use crate::plan::{COPY_INIT_NAME, PodPlan, Seed, escape};

/// Where the copy mounts a seed's ConfigMap or Secret volume.
pub const FROM_DIR: &str = "/podlift/copy/from";
/// Where the copy mounts the writable volume it fills.
pub const TO_DIR: &str = "/podlift/copy/to";

/// The user the copy runs as when the services that write the volumes set
/// none in common (`nobody`): a non-root user, as Pod Security `restricted`
/// asks. The files it writes are then the services' to write only as
/// root, or through the permissions the host gave them, as under compose,
/// where a bind mount's files belong to the host's user.
const NOBODY: i64 = 65_534;

/// The mode of a file whose own could not be read.
const DEFAULT_MODE: u32 = 0o644;

/// The copy init container of `plan`'s Pod, when a writable bind mount
/// has files to copy.
pub(crate) fn copy_container(plan: &PodPlan) -> Option<Container> {
    let seeds = &plan.storage.seeds;
    if seeds.is_empty() {
        return None;
    }
    let mut mounts = Vec::new();
    for seed in seeds {
        mounts.push(VolumeMount {
            name: seed.from.clone(),
            mount_path: format!("{FROM_DIR}/{}", seed.from),
            read_only: Some(true),
            ..VolumeMount::default()
        });
        mounts.push(VolumeMount {
            name: seed.volume.clone(),
            mount_path: format!("{TO_DIR}/{}", seed.volume),
            ..VolumeMount::default()
        });
    }
    // One Pod volume may feed two seeds: mount it once.
    let mut seen = HashSet::new();
    mounts.retain(|m| seen.insert(m.name.clone()));
    let (user, group) = user_of(plan);
    Some(Container {
        name: COPY_INIT_NAME.to_string(),
        image: Some(plan.storage.copy_image.clone()),
        command: Some(vec![
            "sh".to_string(),
            "-c".to_string(),
            escape(&script(seeds)),
        ]),
        volume_mounts: Some(mounts),
        // One `cat`, `chmod` and `mv` per file: thousands of files in
        // seconds, within a quota that asks for limits.
        resources: Some(super::wait::init_resources("500m", "64Mi")),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(user),
            run_as_group: group,
            allow_privilege_escalation: Some(false),
            privileged: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                add: None,
                drop: Some(vec!["ALL".to_string()]),
            }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    })
}

/// The group that owns the claims a copy fills (the Pod's `fsGroup`):
/// the copy's group, or its user when it runs with none; `None` when no
/// copy fills a claim (an `emptyDir` is created writable by everyone), or
/// when the Pod mounts a claim the copy does not fill ([`claims`]).
///
/// The copy runs as a non-root user, and many storage classes create a
/// fresh volume's root `root:root 0755`; with `fsGroup` Kubernetes gives the
/// volume's root that group, writable and set-group-ID, and every container
/// of the Pod that group as a supplementary one. Pod Security sets no rule
/// on `fsGroup`.
pub(crate) fn claim_group(plan: &PodPlan) -> Option<i64> {
    let (filled, foreign) = claims(plan);
    (!filled.is_empty() && foreign.is_empty() && closed_files(plan).is_empty()).then(|| {
        let (user, group) = user_of(plan);
        group.unwrap_or(user)
    })
}

/// The claims the copy fills, and the other claims of the Pod, by claim
/// name. `fsGroup` is Pod-wide: whenever a claim's root is not the group's
/// (`OnRootMismatch`), the kubelet gives every file of it that group and
/// makes it group-writable, so a database's claim (postgres refuses a data
/// directory its group may write) or an existing claim would be changed by
/// a group only the copy needs. With any such claim, the Pod gets none; a
/// filled claim another Pod mounts too counts as such a claim as well.
pub(crate) fn claims(plan: &PodPlan) -> (Vec<&str>, Vec<&str>) {
    let seeded: HashSet<&str> = plan
        .storage
        .seeds
        .iter()
        .map(|s| s.volume.as_str())
        .collect();
    let mut filled = Vec::new();
    let mut foreign = Vec::new();
    for volume in &plan.storage.volumes {
        if let VolumeSource::Claim(claim) = &volume.source {
            let seeds = seeded.contains(volume.name.as_str());
            if seeds {
                filled.push(claim.as_str());
            }
            // another Pod's `fsGroup` may differ: each start would regroup it
            if !seeds || plan.storage.shared_claims.contains(claim) {
                foreign.push(claim.as_str());
            }
        }
    }
    (filled, foreign)
}

/// The files of the Pod's Secret and ConfigMap volumes whose mode keeps
/// their group out (`0400`), as `Secret/ConfigMap name` and file with its
/// mode. The kubelet gives such a volume's files the Pod's `fsGroup`, and
/// makes them readable by it (`0440`): every container of the Pod holds that
/// group, so a secret its service keeps to its own user would be readable
/// by every service. With any such file, the Pod gets no `fsGroup`.
pub(crate) fn closed_files(plan: &PodPlan) -> Vec<(&str, &str, u32)> {
    let mut closed = Vec::new();
    for volume in &plan.storage.volumes {
        let (VolumeSource::Secret(name, items) | VolumeSource::ConfigMap(name, items)) =
            &volume.source
        else {
            continue;
        };
        for item in items {
            if let Some(mode) = item.mode.filter(|m| m & 0o040 == 0) {
                closed.push((name.as_str(), item.path.as_str(), mode));
            }
        }
    }
    closed
}

/// The user (and group) of the services that write the filled volumes,
/// when they all run as the same numeric non-root user; else `nobody`.
fn user_of(plan: &PodPlan) -> (i64, Option<i64>) {
    let volumes: HashSet<&str> = plan
        .storage
        .seeds
        .iter()
        .map(|s| s.volume.as_str())
        .collect();
    let writers: Vec<&crate::plan::ContainerPlan> = plan
        .containers
        .iter()
        .filter(|c| {
            c.details
                .mounts
                .iter()
                .any(|m| !m.read_only && volumes.contains(m.volume.as_str()))
        })
        .collect();
    let users: std::collections::BTreeSet<Option<i64>> =
        writers.iter().map(|c| c.details.run_as_user).collect();
    let groups: std::collections::BTreeSet<Option<i64>> =
        writers.iter().map(|c| c.details.run_as_group).collect();
    match (users.len(), users.first()) {
        (1, Some(Some(user))) if *user > 0 => {
            let group = match (groups.len(), groups.first()) {
                (1, Some(group)) => *group,
                _ => None,
            };
            (*user, group)
        }
        _ => (NOBODY, Some(NOBODY)),
    }
}

/// The POSIX shell script that copies every seed's files: for each seed,
/// `f` and `t` name its two volumes; each file (`c KEY NAME MODE`) is read
/// from the ConfigMap's or Secret's volume (links followed), written beside
/// its place, given its mode, then moved into place, unless a file of that
/// name is there already. One short line per file keeps a directory of
/// thousands of files within the workload's size.
#[must_use]
pub fn script(seeds: &[Seed]) -> String {
    let mut script = String::from(
        "set -eu\n\
         c() {\n\
         \x20 if [ -e \"$t/$2\" ] || [ -L \"$t/$2\" ]; then return 0; fi\n\
         \x20 cat \"$f/$1\" > \"$t/$2.podlift-copy\"\n\
         \x20 chmod \"$3\" \"$t/$2.podlift-copy\"\n\
         \x20 mv \"$t/$2.podlift-copy\" \"$t/$2\"\n\
         }\n",
    );
    let mut count = 0usize;
    for seed in seeds {
        let from = format!("{FROM_DIR}/{}", seed.from);
        let to = format!("{TO_DIR}/{}", seed.volume);
        let _ = writeln!(script, "f={} t={}", quote(&from), quote(&to));
        for file in &seed.files {
            let mode = file.mode.unwrap_or(DEFAULT_MODE);
            let _ = writeln!(
                script,
                "c {} {} {mode:o}",
                quote(&file.key),
                quote(&file.path)
            );
            count += 1;
        }
    }
    let _ = writeln!(
        script,
        "echo '{COPY_INIT_NAME}: {count} file(s) in {} volume(s)'",
        seeds.len()
    );
    script
}

/// `text` as one shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::{quote, script};
    use crate::plan::{KeyItem, Seed};

    #[test]
    fn each_file_is_copied_once_with_its_mode_and_quoted() {
        let seeds = [Seed {
            volume: "bind-conf".into(),
            from: "app-conf".into(),
            files: vec![KeyItem {
                key: "it_s".into(),
                path: "it's".into(),
                mode: Some(0o755),
            }],
        }];
        let text = script(&seeds);
        assert!(
            text.contains(
                "f='/podlift/copy/from/app-conf' t='/podlift/copy/to/bind-conf'\nc 'it_s' 'it'\\''s' 755\n"
            ),
            "{text}"
        );
        assert_eq!(quote("a'b"), "'a'\\''b'");
    }
}
