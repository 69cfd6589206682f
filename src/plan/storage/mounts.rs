//! Mounts of one service: named volumes, binds, tmpfs, anonymous volumes,
//! and the notes about them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::service::Service;
use crate::model::volume::{BindChoice, HostContent, MountSource};
use crate::model::{Mount, Project};
use crate::plan::from_image::settled;
use crate::plan::names;
use crate::plan::storage::files::Content;
use crate::plan::storage::node::{NodeBind, node_bind};
use crate::plan::storage::writable::{
    Bind, Carried, WritableNote, bind_of, carried_volume, relative, seed_file, seed_files,
    uncarried, writable_volume,
};
use crate::plan::storage::{
    BindAs, KeyItem, MountPlan, Storage, StorageOptions, VolumeSource, key_of,
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
            let source = c.entry.as_ref().map_or_else(
                || c.written.clone(),
                |e| format!("{}/{e}", c.written.trim_end_matches('/')),
            );
            let target = c.entry.as_ref().map_or_else(
                || c.target.clone(),
                |e| format!("{}/{e}", c.target.trim_end_matches('/')),
            );
            format!("`{source}` ({} bytes) → `{target}` in {}", c.size, c.object)
        })
        .collect();
    diagnostics.push(
        Diagnostic::note(
            Code::BindCopied,
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

/// What every service's mounts are planned with.
#[derive(Clone, Copy)]
pub(super) struct Scope<'a> {
    pub(super) project: &'a Project,
    /// The prefix of the names of the project's objects.
    pub(super) prefix: &'a str,
    pub(super) options: &'a StorageOptions,
}

/// Plans every mount of `service`: a Pod volume and a mount for each, in
/// the order written; a mount that cannot be carried is an error instead.
pub(super) fn plan_mounts(
    scope: Scope<'_>,
    service: &Service,
    storage: &mut Storage,
    notes: &mut MountNotes,
    diagnostics: &mut Diagnostics,
) {
    let Scope {
        project,
        prefix,
        options,
    } = scope;
    // `x-podlift.bind-as` on the service wins over `--bind-as`.
    let claim = service
        .bind_as
        .as_ref()
        .map_or(options.bind_as == BindAs::Claim, |c| {
            c.value == BindChoice::Claim
        });
    let mut planner = Mounts {
        project,
        service,
        owner: &service.name.value,
        prefix,
        options,
        claim,
        storage,
        notes,
        diagnostics,
    };
    for (index, mount) in service.mounts.iter().enumerate() {
        let Some((volume, sub_path)) = planner.volume_of(index, mount) else {
            continue;
        };
        planner.storage.mount(
            planner.owner,
            MountPlan {
                volume,
                path: mount.target.clone(),
                sub_path,
                read_only: mount.read_only,
            },
        );
    }
}

/// The mounts of one service while they are planned: what they share, and
/// where their volumes, notes and findings go.
pub(super) struct Mounts<'a> {
    project: &'a Project,
    service: &'a Service,
    /// The service's name.
    pub(super) owner: &'a str,
    pub(super) prefix: &'a str,
    pub(super) options: &'a StorageOptions,
    /// Writable binds become claims (`x-podlift.bind-as`, `--bind-as`).
    pub(super) claim: bool,
    pub(super) storage: &'a mut Storage,
    pub(super) notes: &'a mut MountNotes,
    pub(super) diagnostics: &'a mut Diagnostics,
}

/// One bind mount of the host path `path`, written `written`.
struct HostBind<'a> {
    /// Its place among the service's mounts.
    index: usize,
    mount: &'a Mount,
    written: &'a str,
    path: &'a Path,
    /// The host files' modes, by name.
    modes: &'a BTreeMap<String, u32>,
}

/// The Pod volume of a mount and the key it mounts (`subPath`), or `None`
/// when it cannot be carried (an error says why).
type Planned = Option<(String, Option<String>)>;

impl Mounts<'_> {
    /// The volume of the `index`th mount.
    fn volume_of(&mut self, index: usize, mount: &Mount) -> Planned {
        let owner = self.owner;
        let volume = match &mount.source {
            MountSource::Named(name) => self.named(name, mount)?,
            MountSource::Anonymous => {
                // Image facts tell whether Docker would fill it (copy-up).
                if !settled(self.service, &mount.target) {
                    self.notes
                        .starts_empty
                        .push((format!("`{owner}:{}`", mount.target), mount.span));
                }
                let source = VolumeSource::EmptyDir {
                    memory: false,
                    size: None,
                };
                self.storage
                    .own_volume(&format!("{owner}-anon-{index}"), source)
            }
            MountSource::Tmpfs(size) => {
                let source = VolumeSource::EmptyDir {
                    memory: true,
                    size: *size,
                };
                self.storage
                    .own_volume(&format!("{owner}-tmpfs-{index}"), source)
            }
            MountSource::Bind {
                written,
                path,
                content,
                modes,
            } => {
                let bind = HostBind {
                    index,
                    mount,
                    written,
                    path,
                    modes,
                };
                return self.bind(&bind, content);
            }
        };
        Some((volume, None))
    }

    /// The claim of the named volume `name` (its own name when external).
    fn named(&mut self, name: &str, mount: &Mount) -> Option<String> {
        let owner = self.owner;
        let Some(declared) = self.project.volume(name) else {
            self.diagnostics.push(
                Diagnostic::error(Code::VolumeUndeclared, format!("service `{owner}` mounts volume `{name}`, which the top-level `volumes` does not declare"))
                    .at(mount.span)
                    .help(format!("add `volumes: {{{name}: {{}}}}` at the top level")),
            );
            return None;
        };
        if let Some(memory) = &declared.memory {
            // Docker copies the image's files into a fresh volume, a tmpfs
            // one too; an `emptyDir` starts empty.
            if !settled(self.service, &mount.target) {
                self.notes.starts_empty.push((
                    format!("`{owner}:{}` (volume `{name}`)", mount.target),
                    mount.span,
                ));
            }
            return Some(self.storage.memory_volume(name, memory.size, mount.span));
        }
        let claim = if declared.external {
            declared
                .real_name
                .clone()
                .unwrap_or_else(|| name.to_string())
        } else {
            if !settled(self.service, &mount.target) {
                // `concat`, not `format!`: one of these per mount adds up
                let what = ["`", owner, ":", &mount.target, "` (volume `", name, "`)"].concat();
                self.notes.starts_empty.push((what, mount.span));
            }
            self.storage.volume_claim(declared, self.prefix)
        };
        Some(self.storage.volume(name, VolumeSource::Claim(claim)))
    }

    /// The volume of a bind mount, by what its host path holds.
    fn bind(&mut self, bind: &HostBind<'_>, content: &HostContent) -> Planned {
        let (owner, written, path) = (self.owner, bind.written, bind.path);
        match content {
            HostContent::DockerSocket | HostContent::NodeControl(_) => {
                self.refuse_node(bind, content);
                None
            }
            HostContent::PrivateOutside(why) => {
                self.diagnostics.push(
                    Diagnostic::error(Code::BindPrivate, format!("bind mount `{written}` of service `{owner}` is outside the project directory and looks private ({why}); podlift copies it nowhere and will not mount a node's file in its place"))
                        .at(bind.mount.span)
                        .help(format!("put it into a Secret yourself (`kubectl create secret generic NAME --from-file={}`) and mount that, or declare it under the top-level `secrets:` with `file:` and use it in the service's `secrets:` with `target: {}`", path.display(), bind.mount.target)),
                );
                None
            }
            HostContent::File(text) => Some(self.carry_file(bind, text, None)),
            HostContent::PrivateFile { content, why } => {
                Some(self.carry_file(bind, content, Some(why)))
            }
            HostContent::Directory(files) if files.is_empty() => {
                Some((self.writable(bind, false), None))
            }
            HostContent::Absent => Some((self.writable(bind, true), None)),
            HostContent::Directory(files) => Some((self.carry_directory(bind, files, None), None)),
            HostContent::PrivateDirectory { files, why } => {
                Some((self.carry_directory(bind, files, Some(why)), None))
            }
            HostContent::Outside => Some((self.on_node(bind, None)?, None)),
            HostContent::Unportable(why) => Some((self.on_node(bind, Some(why.as_str()))?, None)),
        }
    }

    /// The volume and key of a bind-mounted file, carried in a ConfigMap,
    /// or in a Secret when it looks private (`why`).
    fn carry_file<V: Content>(
        &mut self,
        bind: &HostBind<'_>,
        content: &V,
        why: Option<&str>,
    ) -> (String, Option<String>) {
        let key = file_key(bind.path);
        let data = BTreeMap::from([(key.clone(), content.clone())]);
        let name = V::object_for(self.storage, self.prefix, self.owner, bind.path, data);
        if let Some(why) = why {
            self.note_secret(
                bind,
                &format!("looks private ({why}): it goes into Secret `{name}`"),
            );
        }
        let carried = Carried {
            holder: V::HOLDER,
            items: Vec::new(),
            files: vec![seed_file(&key, bind.modes, bind.path)],
            name,
        };
        let volume = self.carry(bind, carried, [(None, content.as_ref().len())]);
        (volume, Some(key))
    }

    /// The volume of a bind-mounted directory, carried in a ConfigMap, or
    /// in a Secret when one of its files looks private (`why`).
    fn carry_directory<V: Content>(
        &mut self,
        bind: &HostBind<'_>,
        files: &BTreeMap<String, V>,
        why: Option<&str>,
    ) -> String {
        let (data, items, seed) = directory(files, bind.modes);
        let name = V::object_for(self.storage, self.prefix, self.owner, bind.path, data);
        if let Some(why) = why {
            self.note_secret(
                bind,
                &format!(
                    "holds a private-looking file ({why}): the directory goes into Secret `{name}`"
                ),
            );
        }
        let carried = Carried {
            holder: V::HOLDER,
            items,
            files: seed,
            name,
        };
        self.carry(bind, carried, sizes(files))
    }

    /// The errors for a bind of the Docker socket or another path that
    /// controls the node.
    fn refuse_node(&mut self, bind: &HostBind<'_>, content: &HostContent) {
        let (owner, written) = (self.owner, bind.written);
        let error = match content {
            HostContent::DockerSocket => Diagnostic::error(Code::DockerSocket, format!("service `{owner}` mounts the Docker socket `{written}`; a cluster node has none to give"))
                .help(socket_help(self.service, bind.index, "no-docker-socket.yaml")),
            HostContent::NodeControl(why) => Diagnostic::error(Code::BindNodeControl, format!("service `{owner}` mounts the node's `{}` (written `{written}`): {why}; a container with it controls the node", bind.path.display()))
                .help(format!("{}; an agent that needs the node (a metrics exporter, a log collector) belongs in a DaemonSet from its own chart", socket_help(self.service, bind.index, "no-node-paths.yaml"))),
            _ => return,
        };
        self.diagnostics.push(error.at(bind.mount.span));
    }

    /// The note that a bind mount's files go into a Secret (`what`: why,
    /// and which).
    fn note_secret(&mut self, bind: &HostBind<'_>, what: &str) {
        self.diagnostics.push(
            Diagnostic::note(Code::BindSecret, format!("bind mount `{}` of service `{}` {what}, never a ConfigMap", bind.written, self.owner))
                .at(bind.mount.span)
                .help("keep the Secret out of version control, or create it in the cluster yourself and drop it from the output"),
        );
    }

    /// The volume of a bind whose files went into the ConfigMap or Secret
    /// `carried` (`sizes`: each file's entry and size, for the note).
    fn carry(
        &mut self,
        bind: &HostBind<'_>,
        carried: Carried,
        sizes: impl IntoIterator<Item = (Option<String>, usize)>,
    ) -> String {
        let copied = copies(bind, self.owner, &carried, sizes);
        self.notes.copied.extend(copied);
        let writable = bind_of(bind.mount, bind.path, bind.written, self.owner, self.claim);
        carried_volume(self, &writable, bind.mount.read_only, carried)
    }

    /// The writable volume of a bind with nothing to copy: an empty
    /// directory, or one that is `absent` here.
    fn writable(&mut self, bind: &HostBind<'_>, absent: bool) -> String {
        let writable = Bind {
            absent,
            ..bind_of(bind.mount, bind.path, bind.written, self.owner, self.claim)
        };
        writable_volume(self, &writable, None)
    }

    /// A bind podlift does not carry (`why`: why a path inside the project
    /// is not; `None`: it is outside): a node's path, a claim, or, for a
    /// relative one, an error.
    fn on_node(&mut self, bind: &HostBind<'_>, why: Option<&str>) -> Option<String> {
        let node = NodeBind {
            owner: self.owner,
            index: bind.index,
            path: bind.path,
            written: bind.written,
            span: bind.mount.span,
        };
        if relative(bind.written) {
            let why = why.unwrap_or("it is outside the project directory");
            uncarried(self, &node, why)
        } else {
            Some(node_bind(self, &node, why))
        }
    }
}

/// A bind-mounted directory's data by key, the `items` that map the keys
/// back to the files' names, and the files of its seed.
fn directory<V: Clone>(
    files: &BTreeMap<String, V>,
    modes: &BTreeMap<String, u32>,
) -> (BTreeMap<String, V>, Vec<KeyItem>, Vec<KeyItem>) {
    let (keys, items) = directory_keys(files.keys());
    let seed = seed_files(&keys, files.keys(), modes);
    let data = keys.into_iter().zip(files.values().cloned()).collect();
    (data, items, seed)
}

/// Each file's entry and size, for the note that lists copied files.
fn sizes<V: AsRef<[u8]>>(
    files: &BTreeMap<String, V>,
) -> impl Iterator<Item = (Option<String>, usize)> + '_ {
    files
        .iter()
        .map(|(entry, content)| (Some(entry.clone()), content.as_ref().len()))
}

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

/// One [`Copied`] per file (`entry` within a directory, size) of `bind`
/// of `owner`, copied into `carried`.
fn copies<'a>(
    bind: &'a HostBind<'a>,
    owner: &'a str,
    carried: &'a Carried,
    files: impl IntoIterator<Item = (Option<String>, usize)> + 'a,
) -> impl Iterator<Item = Copied> + 'a {
    let kind = carried.holder.kind();
    let (written, mount, name) = (bind.written, bind.mount, &carried.name);
    files.into_iter().map(move |(entry, size)| Copied {
        written: written.to_string(),
        entry,
        size,
        target: format!("{owner}:{}", mount.target),
        object: format!("{kind} `{name}`"),
        span: mount.span,
    })
}
