//! Files copied into the manifests: ConfigMaps and Secrets for bind-mounted
//! files, `secrets` and `configs`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::service::Service;
use crate::model::{FileKind, FileUse, Project};
use crate::plan::names;
use crate::plan::storage::{
    ConfigMapPlan, Holder, KeyItem, MountPlan, SecretPlan, Storage, key_of,
};

/// What a carried host file holds: text goes into a ConfigMap, the bytes of
/// a private-looking file into a Secret.
pub(super) trait Content: Clone + AsRef<[u8]> {
    /// The kind of object that holds it.
    const HOLDER: Holder;

    /// The name of the object that holds `data` (the files of `path`,
    /// mounted by `owner`): one that holds the same data already, or a new one.
    fn object_for(
        storage: &mut Storage,
        prefix: &str,
        owner: &str,
        path: &Path,
        data: BTreeMap<String, Self>,
    ) -> String;
}

impl Content for String {
    const HOLDER: Holder = Holder::ConfigMap;

    fn object_for(
        storage: &mut Storage,
        prefix: &str,
        owner: &str,
        path: &Path,
        data: BTreeMap<String, Self>,
    ) -> String {
        config_map_for(storage, prefix, owner, path, data)
    }
}

impl Content for Vec<u8> {
    const HOLDER: Holder = Holder::Secret;

    fn object_for(
        storage: &mut Storage,
        prefix: &str,
        owner: &str,
        path: &Path,
        data: BTreeMap<String, Self>,
    ) -> String {
        secret_for(storage, prefix, owner, path, data)
    }
}

/// The ConfigMap holding `data` (the file or directory `path` bind-mounted
/// by `owner`): an existing one with the same data, else a new one.
fn config_map_for(
    storage: &mut Storage,
    prefix: &str,
    owner: &str,
    path: &Path,
    data: BTreeMap<String, String>,
) -> String {
    let hash = hash_of(&data);
    let same = storage.config_by_data.get(&hash).and_then(|indices| {
        indices
            .iter()
            .filter_map(|&i| storage.config_maps.get(i))
            .find(|c| c.data == data && c.binary.is_empty())
    });
    if let Some(existing) = same {
        return existing.name.clone();
    }
    let name = new_name(storage, prefix, owner, path);
    push_config_map(
        storage,
        ConfigMapPlan {
            name: name.clone(),
            data,
            binary: BTreeMap::new(),
        },
    );
    name
}

/// The Secret holding `data` (a private-looking file or directory `path`
/// bind-mounted by `owner`): an existing one with the same data, else a new one.
fn secret_for(
    storage: &mut Storage,
    prefix: &str,
    owner: &str,
    path: &Path,
    data: BTreeMap<String, Vec<u8>>,
) -> String {
    let hash = hash_of(&data);
    let same = storage.secret_by_data.get(&hash).and_then(|indices| {
        indices
            .iter()
            .filter_map(|&i| storage.secrets.get(i))
            .find(|s| s.data == data)
    });
    if let Some(existing) = same {
        return existing.name.clone();
    }
    let name = new_name(storage, prefix, owner, path);
    push_secret(
        storage,
        SecretPlan {
            name: name.clone(),
            data,
        },
    );
    name
}

/// Adds a ConfigMap, found again by its data.
fn push_config_map(storage: &mut Storage, config: ConfigMapPlan) {
    storage
        .config_by_data
        .entry(hash_of(&config.data))
        .or_default()
        .push(storage.config_maps.len());
    storage.config_maps.push(config);
}

/// Adds a Secret, found again by its data.
fn push_secret(storage: &mut Storage, secret: SecretPlan) {
    storage
        .secret_by_data
        .entry(hash_of(&secret.data))
        .or_default()
        .push(storage.secrets.len());
    storage.secrets.push(secret);
}

/// A name for a new ConfigMap or Secret of `path`, unique among both.
fn new_name(storage: &mut Storage, prefix: &str, owner: &str, path: &Path) -> String {
    let stem = path
        .file_name()
        .map_or_else(|| "files".to_string(), |f| f.to_string_lossy().into_owned());
    storage.config_names.unique(&names::dns_label(
        &format!("{prefix}-{owner}-{stem}"),
        "files",
    ))
}

/// The hash that finds files with the same data without comparing each
/// with every one before it.
fn hash_of<T: Hash>(data: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    data.hash(&mut hasher);
    hasher.finish()
}

/// A service's secrets and configs, each list with its kind.
const fn file_uses(service: &Service) -> [(&Vec<FileUse>, FileKind); 2] {
    [
        (&service.secrets, FileKind::Secret),
        (&service.configs, FileKind::Config),
    ]
}

pub(super) fn plan_files(
    project: &Project,
    service: &Service,
    prefix: &str,
    storage: &mut Storage,
    diagnostics: &mut Diagnostics,
) {
    let owner = &service.name.value;
    for (uses, kind) in file_uses(service) {
        let (is_secret, what) = (kind == FileKind::Secret, kind.noun());
        for used in uses {
            let name = &used.source.value;
            let Some(object) = project.file_object(kind, name) else {
                diagnostics.push(
                    Diagnostic::error(if is_secret { Code::SecretUndeclared } else { Code::ConfigUndeclared }, format!("service `{owner}` uses {what} `{name}`, which is not declared at the top level"))
                        .at(used.source.span)
                        .help(format!("declare it under the top-level `{what}s:` with `file:`")),
                );
                continue;
            };
            let key = key_of(name);
            let object_name = names::dns_label(&format!("{prefix}-{what}-{name}"), what);
            // A config whose file looks private is kept as a Secret.
            let holder = if is_secret || object.private.is_some() {
                Holder::Secret
            } else {
                Holder::ConfigMap
            };
            if let Some(content) = &object.content {
                if holder == Holder::Secret {
                    if storage.object_names.insert(object_name.clone()) {
                        if let (Some(why), false) = (object.private, is_secret) {
                            diagnostics.push(
                                Diagnostic::note(Code::BindSecret, format!("config `{name}` looks private ({why}): it goes into Secret `{object_name}`, never a ConfigMap"))
                                    .at(object.name.span)
                                    .help("declare it under `secrets:` to say so, or create the Secret in the cluster yourself"),
                            );
                        }
                        push_secret(
                            storage,
                            SecretPlan {
                                name: object_name.clone(),
                                data: BTreeMap::from([(key.clone(), content.clone())]),
                            },
                        );
                    }
                } else if storage.object_names.insert(object_name.clone()) {
                    let (data, binary) = match String::from_utf8(content.clone()) {
                        Ok(text) => (BTreeMap::from([(key.clone(), text)]), BTreeMap::new()),
                        Err(_) => (
                            BTreeMap::new(),
                            BTreeMap::from([(key.clone(), content.clone())]),
                        ),
                    };
                    push_config_map(
                        storage,
                        ConfigMapPlan {
                            name: object_name.clone(),
                            data,
                            binary,
                        },
                    );
                }
            } else {
                diagnostics.push(
                    Diagnostic::warning(Code::ExternalObject, format!("{what} `{name}` is external or has no content podlift can read; the Pod expects a {} named `{object_name}` with key `{key}`", holder.kind()))
                        .at(object.name.span)
                        .help("create it in the namespace before applying the manifests"),
                );
            }
            // `mode` goes on the key (`items[].mode`); the mount takes the key.
            let items: Vec<KeyItem> = used
                .mode
                .map(|mode| KeyItem {
                    key: key.clone(),
                    path: key.clone(),
                    mode: Some(mode),
                })
                .into_iter()
                .collect();
            let volume = storage.volume(&object_name, holder.volume(object_name.clone(), items));
            let target = used.target.clone().map_or_else(
                || {
                    if is_secret {
                        format!("/run/secrets/{name}")
                    } else {
                        format!("/{name}")
                    }
                },
                |t| {
                    if is_secret && !t.starts_with('/') {
                        format!("/run/secrets/{t}")
                    } else {
                        t
                    }
                },
            );
            storage.mount(
                owner,
                MountPlan {
                    volume,
                    path: target,
                    sub_path: Some(key),
                    read_only: true,
                },
            );
        }
    }
}
