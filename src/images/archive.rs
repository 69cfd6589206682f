//! `--image-archive`: `docker save` tarballs (`manifest.json` with
//! `RepoTags`, the config, layer tars) and OCI image layouts, as a directory
//! or a tarball (`oci-layout`, `index.json`, `blobs/sha256/…`, images named
//! by `org.opencontainers.image.ref.name`). A tarball is indexed once (tar
//! headers only, seeking over contents); members are read from their
//! offsets, bounded.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use oci_spec::image::{ImageIndex, ImageManifest};

use crate::images::files::{UserPath, open_regular, open_user_path};
use crate::images::listing::Builder;
use crate::images::platform::Platform;
use crate::images::reference::Reference;

/// The most entries of an archive tarball indexed (docs/limits.md).
pub const MAX_ARCHIVE_ENTRIES: usize = 100_000;
/// The largest JSON document read from an archive: `manifest.json`,
/// `index.json`, a manifest, a config (docs/limits.md).
pub const MAX_ARCHIVE_JSON_BYTES: u64 = 8 * 1024 * 1024;
/// The most images one archive names (docs/limits.md).
pub const MAX_ARCHIVE_IMAGES: usize = 10_000;

/// Where an archive's members are.
#[derive(Debug)]
enum Store {
    /// An OCI layout directory.
    Dir(PathBuf),
    /// A tarball: regular members by normalised name → (offset, size).
    Tar {
        path: PathBuf,
        members: HashMap<String, (u64, u64)>,
    },
}

/// One image an archive holds.
#[derive(Clone, Debug)]
struct Entry {
    /// Canonical references that name it (`docker.io/library/nginx:latest`).
    names: Vec<String>,
    /// The manifest digest, when the archive has one (OCI layouts).
    digest: Option<String>,
    /// The config member.
    config: String,
    /// The layer members, bottom first.
    layers: Vec<String>,
    /// The platform its descriptor names, if any.
    platform: Option<Platform>,
}

/// An archive, indexed.
#[derive(Debug)]
pub struct Archive {
    /// As the user named it.
    pub path: PathBuf,
    store: Store,
    entries: Vec<Entry>,
}

/// An image found in an archive: its config blob and, read on demand, its
/// layers.
#[derive(Debug)]
pub struct Found<'a> {
    archive: &'a Archive,
    entry: &'a Entry,
}

impl Archive {
    /// Opens and indexes the archive at `path`.
    ///
    /// # Errors
    /// What is wrong with it, lowercase, for a diagnostic.
    pub fn open(path: &Path) -> Result<Self, String> {
        let store = match open_user_path(path)? {
            UserPath::Dir(dir) => Store::Dir(dir),
            UserPath::File(real, file) => Store::Tar {
                members: index_tar(file)?,
                path: real,
            },
        };
        let mut archive = Self {
            path: path.to_path_buf(),
            store,
            entries: Vec::new(),
        };
        if archive.has("manifest.json") {
            archive.entries = archive.docker_entries()?;
        } else if archive.has("index.json") {
            archive.entries = archive.oci_entries()?;
        } else {
            return Err(
                "it is neither a `docker save` archive (no `manifest.json`) nor an OCI layout (no `index.json`)"
                    .into(),
            );
        }
        Ok(archive)
    }

    /// The image `reference` names, for `platform` when the archive holds
    /// several.
    #[must_use]
    pub fn find(&self, reference: &Reference, platform: &Platform) -> Option<Found<'_>> {
        let tagged = reference.tagged();
        let matches = |entry: &&Entry| match (&reference.digest, &tagged) {
            (Some(digest), _) => entry.digest.as_deref() == Some(digest.as_str()),
            (None, Some(tagged)) => entry.names.iter().any(|n| n == tagged),
            (None, None) => false,
        };
        let mut candidates = self.entries.iter().filter(matches).peekable();
        let first = candidates.peek().copied();
        candidates
            .find(|entry| entry.platform.as_ref().is_none_or(|p| p.matches(platform)))
            .or(first)
            .map(|entry| Found {
                archive: self,
                entry,
            })
    }

    fn has(&self, member: &str) -> bool {
        match &self.store {
            Store::Dir(dir) => dir.join(member).is_file(),
            Store::Tar { members, .. } => members.contains_key(member),
        }
    }

    /// A member, streamed, at most `limit` bytes.
    fn open_member(&self, member: &str, limit: u64) -> Result<Box<dyn Read + '_>, String> {
        let member = normalise(member).ok_or_else(|| format!("`{member}` is no member name"))?;
        match &self.store {
            Store::Dir(dir) => {
                let mut path = dir.clone();
                for part in member.split('/') {
                    path.push(part);
                }
                // Every directory on the way is a directory, not a link.
                let mut walk = dir.clone();
                for part in member
                    .split('/')
                    .take(member.split('/').count().saturating_sub(1))
                {
                    walk.push(part);
                    let meta = std::fs::symlink_metadata(&walk)
                        .map_err(|e| format!("`{member}` cannot be read: {e}"))?;
                    if !meta.is_dir() {
                        return Err(format!("`{member}` lies below a link or a file"));
                    }
                }
                let file = open_regular(&path)?;
                Ok(Box::new(file.take(limit)))
            }
            Store::Tar { path, members } => {
                let (offset, size) = members
                    .get(&member)
                    .copied()
                    .ok_or_else(|| format!("it has no member `{member}`"))?;
                let mut file = open_regular(path)?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(|e| format!("`{member}` cannot be read: {e}"))?;
                Ok(Box::new(file.take(size.min(limit))))
            }
        }
    }

    /// A member read whole (a JSON document), at most [`MAX_ARCHIVE_JSON_BYTES`].
    fn read_member(&self, member: &str) -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        self.open_member(member, MAX_ARCHIVE_JSON_BYTES.saturating_add(1))?
            .read_to_end(&mut bytes)
            .map_err(|e| format!("`{member}` cannot be read: {e}"))?;
        if bytes.len() as u64 > MAX_ARCHIVE_JSON_BYTES {
            return Err(format!(
                "`{member}` is larger than {MAX_ARCHIVE_JSON_BYTES} bytes"
            ));
        }
        Ok(bytes)
    }

    /// `manifest.json`: `[{"Config": …, "RepoTags": […], "Layers": […]}]`.
    fn docker_entries(&self) -> Result<Vec<Entry>, String> {
        let bytes = self.read_member("manifest.json")?;
        let items: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
            .map_err(|e| format!("its `manifest.json` is not a list: {e}"))?;
        let mut entries = Vec::new();
        for item in items.iter().take(MAX_ARCHIVE_IMAGES) {
            let text = |key: &str| item.get(key).and_then(serde_json::Value::as_str);
            let list = |key: &str| -> Vec<String> {
                item.get(key)
                    .and_then(serde_json::Value::as_array)
                    .map(|v| {
                        v.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let Some(config) = text("Config") else {
                return Err("an image in its `manifest.json` has no `Config`".into());
            };
            entries.push(Entry {
                names: list("RepoTags")
                    .iter()
                    .filter_map(|tag| Reference::parse(tag)?.tagged())
                    .collect(),
                digest: None,
                config: config.to_string(),
                layers: list("Layers"),
                platform: None,
            });
        }
        Ok(entries)
    }

    /// `index.json` and the manifests (and nested indexes) it names.
    fn oci_entries(&self) -> Result<Vec<Entry>, String> {
        let index = self.read_index("index.json")?;
        let mut entries = Vec::new();
        for descriptor in index.manifests().iter().take(MAX_ARCHIVE_IMAGES) {
            let names: Vec<String> = descriptor
                .annotations()
                .iter()
                .flat_map(|a| {
                    [
                        a.get("org.opencontainers.image.ref.name"),
                        a.get("io.containerd.image.name"),
                    ]
                })
                .flatten()
                .filter_map(|name| Reference::parse(name)?.tagged())
                .collect();
            let digest = descriptor.digest().to_string();
            let media = descriptor.media_type().to_string();
            if media.contains("index") || media.contains("manifest.list") {
                let nested = self.read_index(&blob_member(&digest)?)?;
                for child in nested.manifests().iter().take(MAX_ARCHIVE_IMAGES) {
                    let child_digest = child.digest().to_string();
                    let mut entry = self.manifest_entry(&child_digest, names.clone())?;
                    entry.platform = child.platform().as_ref().map(Platform::of_oci);
                    // A digest written in compose names the index itself.
                    entry.digest = Some(digest.clone());
                    entries.push(entry);
                }
            } else {
                let mut entry = self.manifest_entry(&digest, names)?;
                entry.platform = descriptor.platform().as_ref().map(Platform::of_oci);
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    fn read_index(&self, member: &str) -> Result<ImageIndex, String> {
        let bytes = self.read_member(member)?;
        serde_json::from_slice(&bytes).map_err(|e| format!("`{member}` is not an OCI index: {e}"))
    }

    fn manifest_entry(&self, digest: &str, names: Vec<String>) -> Result<Entry, String> {
        let member = blob_member(digest)?;
        let bytes = self.read_member(&member)?;
        let manifest: ImageManifest = serde_json::from_slice(&bytes)
            .map_err(|e| format!("manifest `{digest}` is not an OCI image manifest: {e}"))?;
        Ok(Entry {
            names,
            digest: Some(digest.to_string()),
            config: blob_member(manifest.config().digest().as_ref())?,
            layers: manifest
                .layers()
                .iter()
                .map(|layer| blob_member(layer.digest().as_ref()))
                .collect::<Result<_, _>>()?,
            platform: None,
        })
    }
}

impl Found<'_> {
    /// The manifest digest, when the archive records one.
    #[must_use]
    pub fn digest(&self) -> Option<&str> {
        self.entry.digest.as_deref()
    }

    /// The config blob.
    ///
    /// # Errors
    /// It cannot be read.
    pub fn config(&self) -> Result<Vec<u8>, String> {
        self.archive.read_member(&self.entry.config)
    }

    /// Every layer, bottom first, into `builder`.
    ///
    /// # Errors
    /// A layer cannot be read or passes a bound.
    pub fn layers(&self, builder: &mut Builder) -> Result<(), String> {
        for layer in &self.entry.layers {
            builder.layer(self.archive.open_member(layer, u64::MAX)?)?;
        }
        Ok(())
    }
}

/// `sha256:ab…` → `blobs/sha256/ab…`, refusing what is no digest.
fn blob_member(digest: &str) -> Result<String, String> {
    let (algorithm, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("`{digest}` is no digest"))?;
    let ok = |s: &str, hexadecimal: bool| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() && (!hexadecimal || c <= 'f'))
    };
    if ok(algorithm, false) && ok(hex, true) {
        Ok(format!("blobs/{algorithm}/{hex}"))
    } else {
        Err(format!("`{digest}` is no digest"))
    }
}

/// `./a/b` → `a/b`; `None` for `..` or an empty name.
fn normalise(name: &str) -> Option<String> {
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    (!parts.is_empty() && !parts.contains(&"..")).then(|| parts.join("/"))
}

/// Indexes a tarball: the offset and size of every regular member; a
/// symbolic link to a member (newer `docker save` links legacy layer paths
/// to blobs) is followed once, inside the archive.
fn index_tar(file: File) -> Result<HashMap<String, (u64, u64)>, String> {
    let bad = |e: std::io::Error| format!("it is not a tar archive podlift reads: {e}");
    let mut archive = tar::Archive::new(file);
    let mut members = HashMap::new();
    let mut links = Vec::new();
    for (count, entry) in archive.entries_with_seek().map_err(bad)?.enumerate() {
        if count >= MAX_ARCHIVE_ENTRIES {
            return Err(format!("it holds more than {MAX_ARCHIVE_ENTRIES} entries"));
        }
        let entry = entry.map_err(bad)?;
        let Some(name) = normalise(&String::from_utf8_lossy(&entry.path_bytes())) else {
            continue;
        };
        let kind = entry.header().entry_type();
        if kind.is_file() {
            members.insert(name, (entry.raw_file_position(), entry.size()));
        } else if kind.is_symlink()
            && let Some(target) = entry.link_name_bytes()
        {
            let dir = name.rsplit_once('/').map_or("", |(dir, _)| dir);
            let target = String::from_utf8_lossy(&target);
            let joined = if target.starts_with('/') {
                target.to_string()
            } else {
                format!("{dir}/{target}")
            };
            // `..` inside the archive: resolve it against the link's directory.
            let mut parts: Vec<&str> = Vec::new();
            for part in joined.split('/') {
                match part {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    part => parts.push(part),
                }
            }
            links.push((name, parts.join("/")));
        }
    }
    for (name, target) in links {
        if let Some(found) = members.get(&target).copied() {
            members.entry(name).or_insert(found);
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::{blob_member, normalise};

    #[test]
    fn blob_members_refuse_what_is_no_digest() {
        assert_eq!(blob_member("sha256:ab12").unwrap(), "blobs/sha256/ab12");
        for bad in [
            "sha256:../x",
            "sha256:AB",
            "sha256:",
            ":ab",
            "ab",
            "sha256:ab/cd",
        ] {
            assert!(blob_member(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn member_names() {
        assert_eq!(normalise("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalise("a/../b"), None);
        assert_eq!(normalise("./"), None);
    }
}
