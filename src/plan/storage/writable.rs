//! Writable bind mounts of the project's files, and relative ones that
//! cannot be carried.
//!
//! Compose mounts a bind writable unless `:ro`; a ConfigMap is read-only.
//! So a writable bind gets a volume of its own kind: an `emptyDir` (or, with
//! `pvc`, a claim), one per host path and shared by every service of the Pod
//! that mounts it, filled from the files' ConfigMap or Secret by the copy
//! init container ([`Seed`]). An empty directory is never a ConfigMap.
//! A relative bind whose content cannot be carried never becomes the
//! converting machine's path: a claim, a directory under `--bind-root`, or
//! an error that names the ways forward.

use crate::plan::storage::mounts::Mounts;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::volume::{BindChoice, MountSource};
use crate::plan::storage::node::{NodeBind, node_bind};
use crate::plan::storage::{
    BindAs, ClaimPlan, Holder, KeyItem, Seed, Storage, StorageOptions, VolumeSource,
};
use crate::source::Span;

/// One writable bind mount, for the note that lists them.
pub(super) struct WritableNote {
    written: String,
    owner: String,
    volume: String,
    span: Span,
    absent: bool,
}

/// A bind mount of the project's files that the service may write.
pub(super) struct Bind<'a> {
    pub(super) owner: &'a str,
    pub(super) written: &'a str,
    pub(super) path: &'a Path,
    pub(super) span: Span,
    /// A claim rather than an `emptyDir`.
    pub(super) claim: bool,
    /// The directory does not exist here (Docker creates it).
    pub(super) absent: bool,
}

/// The writable volume of `bind`'s host path (a claim when any service
/// that writes the path chose one), made on its first mount;
/// `seed` (the Pod volume of the files' ConfigMap or Secret, and the files)
/// fills it.
pub(super) fn writable_volume(
    mounts: &mut Mounts<'_>,
    bind: &Bind<'_>,
    seed: Option<(String, Vec<KeyItem>)>,
) -> String {
    let (storage, prefix, options) = (&mut *mounts.storage, mounts.prefix, mounts.options);
    let key = bind.path.to_path_buf();
    let volume = if let Some(existing) = storage.by_bind.get(&key) {
        existing.clone()
    } else {
        let stem = bind
            .path
            .file_name()
            .map_or_else(|| "files".to_string(), |f| f.to_string_lossy().into_owned());
        // One service's claim is every service's: they share the directory.
        let volume = if bind.claim || storage.claimed_paths.contains(bind.path) {
            let claim = storage.new_claim(&format!("{prefix}-bind-{stem}"));
            storage.claims.push(ClaimPlan {
                name: claim.clone(),
                size: options.claim_size(None),
                storage_class: options.storage_class.clone(),
            });
            storage.volume(&format!("bind-{stem}"), VolumeSource::Claim(claim))
        } else {
            storage.own_volume(
                &format!("bind-{stem}"),
                VolumeSource::EmptyDir {
                    memory: false,
                    size: None,
                },
            )
        };
        if let Some((from, files)) = seed {
            storage.seeds.push(Seed {
                volume: volume.clone(),
                from,
                files,
            });
        }
        storage.by_bind.insert(key, volume.clone());
        storage
            .writable
            .insert(volume.clone(), (bind.written.to_string(), bind.span));
        volume
    };
    mounts.notes.writable.push(WritableNote {
        written: bind.written.to_string(),
        owner: bind.owner.to_string(),
        volume: volume.clone(),
        span: bind.span,
        absent: bind.absent,
    });
    volume
}

/// A ConfigMap or Secret of a bind mount's files.
pub(super) struct Carried {
    /// Its name.
    pub(super) name: String,
    /// A ConfigMap or a Secret.
    pub(super) holder: Holder,
    /// The `items` a read-only mount projects it with.
    pub(super) items: Vec<KeyItem>,
    /// The files the copy puts into a writable volume.
    pub(super) files: Vec<KeyItem>,
}

/// The volume of a carried bind mount: the ConfigMap or Secret itself for a
/// `:ro` bind of a path no service writes; else the writable volume of the
/// path, filled from it (every key under its own name).
pub(super) fn carried_volume(
    mounts: &mut Mounts<'_>,
    bind: &Bind<'_>,
    read_only: bool,
    carried: Carried,
) -> String {
    let Carried {
        name,
        holder,
        items,
        files,
    } = carried;
    let source = |items| holder.volume(name.clone(), items);
    let storage = &mut *mounts.storage;
    if read_only && !storage.written_paths.contains(bind.path) {
        return storage.volume(&name, source(items));
    }
    let from = storage.volume(&name, source(Vec::new()));
    writable_volume(mounts, bind, Some((from, files)))
}

/// The writable bind mount `mount` of `path`.
pub(super) fn bind_of<'a>(
    mount: &'a crate::model::Mount,
    path: &'a Path,
    written: &'a str,
    owner: &'a str,
    claim: bool,
) -> Bind<'a> {
    Bind {
        owner,
        written,
        path,
        span: mount.span,
        claim,
        absent: false,
    }
}

/// The file `key` of a seed (a bind-mounted file), copied under its key
/// with the host file's mode.
pub(super) fn seed_file(key: &str, modes: &BTreeMap<String, u32>, path: &Path) -> KeyItem {
    let host_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    KeyItem {
        key: key.to_string(),
        path: key.to_string(),
        mode: modes.get(&host_name).copied(),
    }
}

/// The files of a directory's seed: each key copied to its file's name,
/// with its mode.
pub(super) fn seed_files<'a>(
    keys: &[String],
    names: impl Iterator<Item = &'a String>,
    modes: &BTreeMap<String, u32>,
) -> Vec<KeyItem> {
    keys.iter()
        .zip(names)
        .map(|(key, name)| KeyItem {
            key: key.clone(),
            path: name.clone(),
            mode: modes.get(name).copied(),
        })
        .collect()
}

/// The host paths some service mounts writable, and those of them a
/// writer keeps in a claim (its `x-podlift.bind-as`, else `--bind-as`).
pub(super) fn mark_paths(project: &Project, options: &StorageOptions, storage: &mut Storage) {
    for service in &project.services {
        let claim = service
            .bind_as
            .as_ref()
            .map_or(options.bind_as == BindAs::Claim, |c| {
                c.value == BindChoice::Claim
            });
        for mount in service.mounts.iter().filter(|m| !m.read_only) {
            if let MountSource::Bind { path, .. } = &mount.source {
                storage.written_paths.insert(path.clone());
                if claim {
                    storage.claimed_paths.insert(path.clone());
                }
            }
        }
    }
}

/// The findings listing every writable bind mount and the volume it became:
/// one note for those that became claims, and a warning for each service
/// that writes one that became an `emptyDir`, at its own mount, so that a
/// service's `x-podlift.allow` answers for its own binds and no other's.
pub(super) fn note_writable(
    notes: &[WritableNote],
    storage: &Storage,
    diagnostics: &mut Diagnostics,
) {
    let claim = |volume: &str| {
        storage
            .volumes
            .iter()
            .any(|v| v.name == volume && matches!(v.source, VolumeSource::Claim(_)))
    };
    let (kept, lost): (Vec<&WritableNote>, Vec<&WritableNote>) =
        notes.iter().partition(|note| claim(&note.volume));
    if let Some(first) = kept.first() {
        diagnostics.push(
            Diagnostic::note(Code::BindWritable, describe(&kept, notes, "claim volume", storage))
                .at(first.span)
                .help("services of one Pod share each claim, as they shared the directory; it keeps what they write; a bind mount with `:ro` stays a ConfigMap"),
        );
    }
    // What is written into an emptyDir is lost when the Pod is replaced,
    // where compose kept it on the host: a warning.
    let mut owners: Vec<&str> = Vec::new();
    for note in &lost {
        if !owners.contains(&note.owner.as_str()) {
            owners.push(note.owner.as_str());
        }
    }
    for owner in owners {
        let own: Vec<&WritableNote> = lost.iter().copied().filter(|n| n.owner == owner).collect();
        let Some(first) = own.first() else { continue };
        diagnostics.push(
            Diagnostic::warning(Code::BindWritable, describe(&own, notes, "emptyDir", storage))
                .at(first.span)
                .help(format!("services of one Pod share each volume, as they shared the directory; what they write into an emptyDir is lost when the Pod is replaced, where compose kept it on the host: `--bind-as pvc` (or `x-podlift.bind-as: pvc` on `{owner}`) makes claims that keep it; if it is scratch (logs, caches), accept the loss with `--allow bind-writable` (or `x-podlift: {{allow: [bind-writable]}}` on `{owner}`); a bind mount with `:ro` stays a ConfigMap")),
        );
    }
}

/// The message listing `listed`'s volumes (of `kind`), each with every
/// service of `all` that writes it.
fn describe(
    listed: &[&WritableNote],
    all: &[WritableNote],
    kind: &str,
    storage: &Storage,
) -> String {
    // volume → (written, absent here)
    let mut by_volume: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
    for note in listed {
        by_volume
            .entry(note.volume.as_str())
            .or_insert((note.written.as_str(), note.absent));
    }
    let list: Vec<String> = by_volume
        .iter()
        .map(|(volume, (written, absent))| {
            let filled = storage
                .seeds
                .iter()
                .find(|s| s.volume == *volume)
                .map_or_else(
                    || {
                        if *absent {
                            " (empty: it does not exist here, and Docker creates it empty)"
                                .to_string()
                        } else {
                            " (empty)".to_string()
                        }
                    },
                    |s| {
                        format!(
                            " (filled with {} file{} by init container `{COPY_INIT_NAME}`)",
                            s.files.len(),
                            if s.files.len() == 1 { "" } else { "s" }
                        )
                    },
                );
            let mut owners: Vec<String> = Vec::new();
            for note in all.iter().filter(|n| n.volume == *volume) {
                let owner = format!("`{}`", note.owner);
                if !owners.contains(&owner) {
                    owners.push(owner);
                }
            }
            format!(
                "`{written}` → {kind} `{volume}`{filled}, written by {}",
                owners.join(", ")
            )
        })
        .collect();
    format!(
        "{} writable bind mount{} of the project's files become{} writable volume{} (a ConfigMap is read-only): {}",
        by_volume.len(),
        if by_volume.len() == 1 { "" } else { "s" },
        if by_volume.len() == 1 { "s a" } else { "" },
        if by_volume.len() == 1 { "" } else { "s" },
        list.join("; ")
    )
}

/// The name of the init container that fills writable bind volumes.
pub const COPY_INIT_NAME: &str = "podlift-copy";

/// Whether a bind mount was written relative to the project directory
/// (`./data`, `../vendor`, `data`): its host path is the converting
/// machine's, which no node has.
pub(super) fn relative(written: &str) -> bool {
    !written.starts_with('/') && !written.starts_with('~')
}

/// A relative bind mount whose content cannot be carried: an empty claim
/// (`pvc`), the node's directory under `--bind-root`, or an error naming
/// both. `None` after an error.
pub(super) fn uncarried(mounts: &mut Mounts<'_>, bind: &NodeBind<'_>, why: &str) -> Option<String> {
    if mounts.claim {
        return Some(node_bind(mounts, bind, Some(why)));
    }
    let (prefix, options) = (mounts.prefix, mounts.options);
    let (storage, diagnostics) = (&mut *mounts.storage, &mut *mounts.diagnostics);
    let (owner, written, span) = (bind.owner, bind.written, bind.span);
    if let Some(root) = &options.bind_root {
        let on_node = node_path(root, written);
        // The node's path is what the container gets: refused as the same
        // path written absolute is (`--bind-root /` and `./etc/kubernetes`).
        if let Some(control) = crate::model::node_control(Path::new(&on_node)) {
            diagnostics.push(
                Diagnostic::error(
                    Code::BindNodeControl,
                    format!(
                        "service `{owner}` mounts the node's `{on_node}` (written `{written}`, under `--bind-root {root}`): {control}; a container with it controls the node"
                    ),
                )
                .at(span)
                .help(format!(
                    "choose a `--bind-root` that holds only the project's copy (e.g. `/srv/{prefix}`), or `--bind-as pvc` (or `x-podlift.bind-as: pvc` on `{owner}`) for an empty claim",
                )),
            );
            return None;
        }
        diagnostics.push(
            Diagnostic::warning(
                Code::BindHostPath,
                format!(
                    "bind mount `{written}` of service `{owner}` becomes hostPath `{on_node}` (`--bind-root {root}`): {why}"
                ),
            )
            .at(span)
            .help(format!("copy the project's `{written}` to `{on_node}` on every node that may run the Pod")),
        );
        return Some(storage.volume(
            &format!("{owner}-host-{}", bind.index),
            VolumeSource::HostPath(on_node),
        ));
    }
    let here = bind.path.display();
    diagnostics.push(
        Diagnostic::error(
            Code::BindNotCarried,
            format!(
                "bind mount `{written}` in `services.{owner}.volumes` cannot be carried into the manifests ({why}), and `{here}` is this machine's path, which no node has"
            ),
        )
        .at(span)
        .help(format!(
            "choose where it comes from: `--bind-root DIR` mounts `DIR/{}` from the node (copy the project there on every node), `--bind-as pvc` (or `x-podlift.bind-as: pvc` on `{owner}`) makes an empty claim you fill; or make it fit a ConfigMap (regular text files, no subdirectories, at most {} KiB)",
            relative_text(written),
            crate::model::MAX_CONFIG_BYTES / 1024
        )),
    );
    None
}

/// `written` without its leading `./`.
fn relative_text(written: &str) -> &str {
    let mut text = written;
    while let Some(rest) = text.strip_prefix("./") {
        text = rest;
    }
    text
}

/// The node's path of a relative bind under `--bind-root ROOT`: the project
/// directory is `ROOT`.
pub(super) fn node_path(root: &str, written: &str) -> String {
    crate::load::paths::normalize(&PathBuf::from(root).join(written))
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::{node_path, relative, relative_text};

    #[test]
    fn a_relative_bind_maps_under_the_root() {
        assert_eq!(node_path("/srv/app", "./log"), "/srv/app/log");
        assert_eq!(node_path("/srv/app", "../vendor/x"), "/srv/vendor/x");
        assert_eq!(relative_text("././data"), "data");
        assert!(relative("data") && relative("./d") && !relative("/d") && !relative("~/d"));
    }
}
