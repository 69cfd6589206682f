//! Mounts of one service: named volumes, binds, tmpfs, anonymous volumes,
//! and the notes about them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::Service;
use crate::model::volume::{BindChoice, HostContent, MountSource};
use crate::plan::from_image::settled;
use crate::plan::names;
use crate::plan::storage::files::{config_map_for, secret_for};
use crate::plan::storage::writable::{
    Bind, Carried, WritableNote, bind_of, carried_volume, relative, seed_file, seed_files,
    uncarried, writable_volume,
};
use crate::plan::storage::{
    BindAs, ClaimPlan, DEFAULT_CLAIM_SIZE, KeyItem, MountPlan, Storage, StorageOptions,
    VolumeSource, key_of,
};

/// What the notes about mounts list, gathered over every service.
#[derive(Default)]
pub(super) struct MountNotes {
    /// Host files copied into ConfigMaps and Secrets.
    pub(super) copied: Vec<Copied>,
    /// Mounts that start empty, unlike a new Docker volume: (`service:path`, where).
    pub(super) starts_empty: Vec<(String, crate::source::Span)>,
    /// Writable bind mounts and their volumes.
    pub(super) writable: Vec<WritableNote>,
}

/// A host file copied into the manifests, for the note that lists them.
pub(super) struct Copied {
    /// The bind mount's source as written.
    written: String,
    /// The file, relative to the source (a directory's entry), if any.
    entry: Option<String>,
    /// Its size in bytes.
    size: usize,
    /// `service:/path/in/container`.
    target: String,
    /// `ConfigMap NAME` or `Secret NAME`.
    object: String,
    /// Where the mount was written.
    span: crate::source::Span,
}

/// One note listing every file copied into a ConfigMap or Secret.
pub(super) fn note_copied(copied: &[Copied], diagnostics: &mut Diagnostics) {
    let Some(first) = copied.first() else {
        return;
    };
    let list: Vec<String> = copied
        .iter()
        .map(|c| {
            let source = c
                .entry
                .as_ref()
                .map_or_else(|| c.written.clone(), |e| format!("{}/{e}", c.written));
            let target = c
                .entry
                .as_ref()
                .map_or_else(|| c.target.clone(), |e| format!("{}/{e}", c.target));
            format!("`{source}` ({} bytes) → `{target}` in {}", c.size, c.object)
        })
        .collect();
    diagnostics.push(
        Diagnostic::note(
            "bind-copied",
            format!(
                "{} bind-mounted file{} copied into the manifests: {}",
                copied.len(),
                if copied.len() == 1 { " is" } else { "s are" },
                list.join(", ")
            ),
        )
        .at(first.span)
        .help("their content is read now: convert again after changing them; check that nothing private is among them"),
    );
}

/// The ways forward from a Docker socket mount: leave the service out, or
/// drop just the mount with an override file (its lines, with the other
/// entries of the service's `volumes` as compose reads them).
fn socket_help(service: &Service, socket: usize, file: &str) -> String {
    let owner = &service.name.value;
    let others: Vec<String> = service
        .mounts
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != socket)
        .filter_map(|(_, mount)| {
            let ro = if mount.read_only { ":ro" } else { "" };
            let target = &mount.target;
            match &mount.source {
                MountSource::Named(name) => Some(format!("{name}:{target}{ro}")),
                MountSource::Bind { written, .. } => Some(format!("{written}:{target}{ro}")),
                MountSource::Anonymous => Some(target.clone()),
                // `tmpfs:` entries stay where they are
                MountSource::Tmpfs(_) => None,
            }
        })
        .collect();
    let volumes = if others.is_empty() {
        "volumes: !reset []".to_string()
    } else {
        let items: String = others.iter().flat_map(|o| ["\n          - ", o]).collect();
        format!("volumes: !override{items}")
    };
    format!(
        "leave `{owner}` out (`--exclude {owner}`, or name the services to convert), or drop just this mount with an override file given after yours (e.g. `-f compose.yaml -f {file}`):\n    services:\n      {owner}:\n        {volumes}"
    )
}

#[allow(clippy::too_many_lines)] // one arm per kind of mount
pub(super) fn plan_mounts(
    project: &Project,
    service: &Service,
    prefix: &str,
    options: &StorageOptions,
    storage: &mut Storage,
    notes: &mut MountNotes,
    diagnostics: &mut Diagnostics,
) {
    let MountNotes {
        copied,
        starts_empty,
        writable,
    } = notes;
    let owner = &service.name.value;
    // `x-podlift.bind-as` on the service wins over `--bind-as`.
    let claim = service
        .bind_as
        .as_ref()
        .map_or(options.bind_as == BindAs::Claim, |c| {
            c.value == BindChoice::Claim
        });
    for (index, mount) in service.mounts.iter().enumerate() {
        let (volume, sub_path) = match &mount.source {
            MountSource::Named(name) => {
                let Some(declared) = project.volume(name) else {
                    diagnostics.push(
                        Diagnostic::error("volume-undeclared", format!("service `{owner}` mounts volume `{name}`, which the top-level `volumes` does not declare"))
                            .at(mount.span)
                            .help(format!("add `volumes: {{{name}: {{}}}}` at the top level")),
                    );
                    continue;
                };
                let claim = if declared.external {
                    declared.real_name.clone().unwrap_or_else(|| name.clone())
                } else {
                    if !settled(service, &mount.target) {
                        starts_empty.push((
                            format!("`{owner}:{}` (volume `{name}`)", mount.target),
                            mount.span,
                        ));
                    }
                    storage.volume_claim(declared, prefix)
                };
                (storage.volume(name, VolumeSource::Claim(claim)), None)
            }
            MountSource::Anonymous => {
                // Image facts tell whether Docker would fill it (copy-up).
                if !settled(service, &mount.target) {
                    starts_empty.push((format!("`{owner}:{}`", mount.target), mount.span));
                }
                (
                    storage.own_volume(
                        &format!("{owner}-anon-{index}"),
                        VolumeSource::EmptyDir {
                            memory: false,
                            size: None,
                        },
                    ),
                    None,
                )
            }
            MountSource::Tmpfs(size) => (
                storage.own_volume(
                    &format!("{owner}-tmpfs-{index}"),
                    VolumeSource::EmptyDir {
                        memory: true,
                        size: *size,
                    },
                ),
                None,
            ),
            MountSource::Bind {
                written,
                path,
                content,
                modes,
            } => match content {
                HostContent::DockerSocket => {
                    diagnostics.push(
                        Diagnostic::error("docker-socket", format!("service `{owner}` mounts the Docker socket `{written}`; a cluster node has none to give"))
                            .at(mount.span)
                            .help(socket_help(service, index, "no-docker-socket.yaml")),
                    );
                    continue;
                }
                HostContent::NodeControl(why) => {
                    diagnostics.push(
                        Diagnostic::error("bind-node-control", format!("service `{owner}` mounts the node's `{}` (written `{written}`): {why}; a container with it controls the node", path.display()))
                            .at(mount.span)
                            .help(format!("{}; an agent that needs the node (a metrics exporter, a log collector) belongs in a DaemonSet from its own chart", socket_help(service, index, "no-node-paths.yaml"))),
                    );
                    continue;
                }
                HostContent::File(text) => {
                    let key = file_key(path);
                    let data = BTreeMap::from([(key.clone(), text.clone())]);
                    let name = config_map_for(storage, prefix, owner, path, data);
                    copied.extend(copies(
                        written,
                        owner,
                        mount,
                        &name,
                        false,
                        [(None, text.len())],
                    ));
                    let carried = Carried {
                        secret: false,
                        items: Vec::new(),
                        files: vec![seed_file(&key, modes, path)],
                        name,
                    };
                    let bind = bind_of(mount, path, written, owner, claim);
                    let volume = carried_volume(
                        storage,
                        prefix,
                        options,
                        &bind,
                        mount.read_only,
                        carried,
                        writable,
                    );
                    (volume, Some(key))
                }
                HostContent::Directory(files) if files.is_empty() => (
                    writable_volume(
                        storage,
                        prefix,
                        options,
                        &bind_of(mount, path, written, owner, claim),
                        None,
                        writable,
                    ),
                    None,
                ),
                HostContent::Absent => (
                    writable_volume(
                        storage,
                        prefix,
                        options,
                        &Bind {
                            absent: true,
                            ..bind_of(mount, path, written, owner, claim)
                        },
                        None,
                        writable,
                    ),
                    None,
                ),
                HostContent::Directory(files) => {
                    let (keys, items) = directory_keys(files.keys());
                    let seed = seed_files(&keys, files.keys(), modes);
                    let data: BTreeMap<String, String> =
                        keys.into_iter().zip(files.values().cloned()).collect();
                    let name = config_map_for(storage, prefix, owner, path, data);
                    let sizes = files
                        .iter()
                        .map(|(entry, text)| (Some(entry.clone()), text.len()));
                    copied.extend(copies(written, owner, mount, &name, false, sizes));
                    let carried = Carried {
                        secret: false,
                        items,
                        files: seed,
                        name,
                    };
                    let bind = bind_of(mount, path, written, owner, claim);
                    let volume = carried_volume(
                        storage,
                        prefix,
                        options,
                        &bind,
                        mount.read_only,
                        carried,
                        writable,
                    );
                    (volume, None)
                }
                HostContent::PrivateFile { content, why } => {
                    let key = file_key(path);
                    let data = BTreeMap::from([(key.clone(), content.clone())]);
                    let name = secret_for(storage, prefix, owner, path, data);
                    diagnostics.push(
                        Diagnostic::note("bind-secret", format!("bind mount `{written}` of service `{owner}` looks private ({why}): it goes into Secret `{name}`, never a ConfigMap"))
                            .at(mount.span)
                            .help("keep the Secret out of version control, or create it in the cluster yourself and drop it from the output"),
                    );
                    copied.extend(copies(
                        written,
                        owner,
                        mount,
                        &name,
                        true,
                        [(None, content.len())],
                    ));
                    let carried = Carried {
                        secret: true,
                        items: Vec::new(),
                        files: vec![seed_file(&key, modes, path)],
                        name,
                    };
                    let bind = bind_of(mount, path, written, owner, claim);
                    let volume = carried_volume(
                        storage,
                        prefix,
                        options,
                        &bind,
                        mount.read_only,
                        carried,
                        writable,
                    );
                    (volume, Some(key))
                }
                HostContent::PrivateDirectory { files, why } => {
                    let (keys, items) = directory_keys(files.keys());
                    let seed = seed_files(&keys, files.keys(), modes);
                    let data: BTreeMap<String, Vec<u8>> =
                        keys.into_iter().zip(files.values().cloned()).collect();
                    let name = secret_for(storage, prefix, owner, path, data);
                    diagnostics.push(
                        Diagnostic::note("bind-secret", format!("bind mount `{written}` of service `{owner}` holds a private-looking file ({why}): the directory goes into Secret `{name}`, never a ConfigMap"))
                            .at(mount.span)
                            .help("keep the Secret out of version control, or create it in the cluster yourself and drop it from the output"),
                    );
                    let sizes = files
                        .iter()
                        .map(|(entry, content)| (Some(entry.clone()), content.len()));
                    copied.extend(copies(written, owner, mount, &name, true, sizes));
                    let carried = Carried {
                        secret: true,
                        items,
                        files: seed,
                        name,
                    };
                    let bind = bind_of(mount, path, written, owner, claim);
                    let volume = carried_volume(
                        storage,
                        prefix,
                        options,
                        &bind,
                        mount.read_only,
                        carried,
                        writable,
                    );
                    (volume, None)
                }
                HostContent::PrivateOutside(why) => {
                    diagnostics.push(
                        Diagnostic::error("bind-private", format!("bind mount `{written}` of service `{owner}` is outside the project directory and looks private ({why}); podlift copies it nowhere and will not mount a node's file in its place"))
                            .at(mount.span)
                            .help(format!("put it into a Secret yourself (`kubectl create secret generic NAME --from-file={}`) and mount that, or declare it under the top-level `secrets:` with `file:` and use it in the service's `secrets:` with `target: {}`", path.display(), mount.target)),
                    );
                    continue;
                }
                HostContent::Outside | HostContent::Unportable(_) => {
                    let why = match content {
                        HostContent::Unportable(why) => Some(why.as_str()),
                        _ => None,
                    };
                    let bind = NodeBind {
                        owner,
                        index,
                        path,
                        written: written.as_str(),
                        span: mount.span,
                    };
                    let volume = if relative(written) {
                        let why = why.unwrap_or("it is outside the project directory");
                        uncarried(&bind, why, claim, prefix, options, storage, diagnostics)
                    } else {
                        Some(node_bind(
                            &bind,
                            why,
                            claim,
                            prefix,
                            options,
                            storage,
                            diagnostics,
                        ))
                    };
                    let Some(volume) = volume else {
                        continue;
                    };
                    (volume, None)
                }
            },
        };
        storage.mount(
            owner,
            MountPlan {
                volume,
                path: mount.target.clone(),
                sub_path,
                read_only: mount.read_only,
            },
        );
    }
}

/// A bind mount whose content podlift does not carry: it stays on the node.
pub(super) struct NodeBind<'a> {
    pub(super) owner: &'a str,
    pub(super) index: usize,
    pub(super) path: &'a Path,
    pub(super) written: &'a str,
    pub(super) span: crate::source::Span,
}

/// A node's path as a hostPath, or an empty claim (`claim`: `--bind-as pvc`);
/// `why` says why a path inside the project is not copied (`None`: it is
/// outside the project).
pub(super) fn node_bind(
    bind: &NodeBind<'_>,
    why: Option<&str>,
    claim: bool,
    prefix: &str,
    options: &StorageOptions,
    storage: &mut Storage,
    diagnostics: &mut Diagnostics,
) -> String {
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
            Diagnostic::warning("bind-claim", message)
                .at(span)
                .help("copy the content into the claim before the service needs it"),
        );
        storage.claims.push(ClaimPlan {
            name: claim.clone(),
            size: options
                .claim_size
                .clone()
                .unwrap_or_else(|| DEFAULT_CLAIM_SIZE.to_string()),
            storage_class: options.storage_class.clone(),
        });
        return storage.volume(&format!("{owner}-bind-{index}"), VolumeSource::Claim(claim));
    }
    let host = path.to_string_lossy().into_owned();
    if TIME_ZONE_FILES.contains(&host.as_str()) {
        // A harmless idiom, never grouped with a hostPath that matters.
        diagnostics.push(
            Diagnostic::note(
                "bind-host-time",
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
        Diagnostic::warning("bind-host-path", message)
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

/// The keys of a bind-mounted directory's files (in `names`' order), each
/// unique: names that sanitise to one key (`a b.txt`, `a:b.txt`, `a_b.txt`)
/// get `-2`, `-3`, … so no file is lost. When a key differs from its file's
/// name, `items` maps every key back to its name, so each file appears in
/// the container under the name it has on the host; else `items` is empty
/// (every key under its own name).
fn directory_keys<'a>(names: impl Iterator<Item = &'a String>) -> (Vec<String>, Vec<KeyItem>) {
    let names: Vec<&String> = names.collect();
    let mut taken = names::Taken::default();
    let keys: Vec<String> = names
        .iter()
        .map(|name| taken.unique_key(&key_of(name)))
        .collect();
    let renamed = keys.iter().zip(&names).any(|(k, n)| k != *n);
    let items = if renamed {
        keys.iter()
            .zip(&names)
            .map(|(key, name)| KeyItem {
                key: key.clone(),
                // Kubernetes refuses a path that starts with `..`.
                path: if name.starts_with("..") {
                    key.clone()
                } else {
                    (*name).clone()
                },
                mode: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    (keys, items)
}

/// The ConfigMap or Secret key of a bind-mounted file: its file name.
fn file_key(path: &Path) -> String {
    let file = path
        .file_name()
        .map_or_else(|| "file".to_string(), |f| f.to_string_lossy().into_owned());
    key_of(&file)
}

/// One [`Copied`] per file (`entry` within a directory, size) of the bind
/// mount `written` of `owner`, copied into ConfigMap or Secret `name`.
fn copies<'a>(
    written: &'a str,
    owner: &'a str,
    mount: &'a crate::model::Mount,
    name: &'a str,
    secret: bool,
    files: impl IntoIterator<Item = (Option<String>, usize)> + 'a,
) -> impl Iterator<Item = Copied> + 'a {
    let kind = if secret { "Secret" } else { "ConfigMap" };
    files.into_iter().map(move |(entry, size)| Copied {
        written: written.to_string(),
        entry,
        size,
        target: format!("{owner}:{}", mount.target),
        object: format!("{kind} `{name}`"),
        span: mount.span,
    })
}
