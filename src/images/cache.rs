//! The digest cache: what was read of an image, by its manifest digest
//! (`images/sha256-….json`: the config blob and, once read, the listing and
//! `/etc/passwd` and `/etc/group` of its layers), and the digest each reference resolved to
//! last (`tags/…`, for `--offline`). Written 0600 in 0700 directories,
//! atomically (a temporary file renamed), never through a link; read
//! bounded, never through a link. A cache that cannot be written is not an
//! error: the next run asks again.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::images::Listing;
use crate::images::files::open_regular;
use crate::images::listing::Layers;

/// The largest cache entry read (docs/limits.md).
pub const MAX_CACHE_ENTRY_BYTES: u64 = 64 * 1024 * 1024;

/// One image in the cache.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cached {
    /// The config blob, as the registry sent it.
    pub config: String,
    /// The listing of its layers, when they were read.
    pub listing: Option<Vec<String>>,
    /// `/etc/passwd` entries, when the layers were read and it has one.
    pub passwd: Option<Vec<(String, u32, u32)>>,
    /// Whether the layers were read (`passwd: None` then means none).
    #[serde(default)]
    pub layers_read: bool,
    /// `/etc/group` entries, when the layers were read and it has one.
    #[serde(default)]
    pub group: Option<Vec<(String, u32)>>,
    /// Whether `/etc/group` was looked for when the layers were read (an
    /// entry written before podlift read it has not: its layers are read
    /// again when needed).
    #[serde(default)]
    pub group_read: bool,
}

impl Cached {
    /// The layers' facts, when they were read.
    #[must_use]
    pub fn layers(&self) -> Option<Layers> {
        self.has_layers().then(|| Layers {
            listing: Listing {
                paths: self
                    .listing
                    .iter()
                    .flatten()
                    .cloned()
                    .collect::<BTreeSet<_>>(),
            },
            passwd: self.passwd.clone(),
            group: self.group.clone(),
        })
    }

    /// Whether everything podlift reads of the layers is held.
    #[must_use]
    pub const fn has_layers(&self) -> bool {
        self.layers_read && self.group_read
    }
}

/// The cache at a directory.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache under `dir` (created when first written).
    #[must_use]
    pub const fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The image cached under its manifest `digest`.
    #[must_use]
    pub fn image(&self, digest: &str) -> Option<Cached> {
        let bytes = self.read("images", &digest_file(digest)?)?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Caches `image` under `digest`.
    ///
    /// # Errors
    /// It could not be written (a link or a file in the way, no space).
    pub fn put_image(&self, digest: &str, image: &Cached) -> Result<(), String> {
        let name = digest_file(digest).ok_or_else(|| format!("`{digest}` is no digest"))?;
        let bytes = serde_json::to_vec(image).map_err(|e| e.to_string())?;
        self.write("images", &name, &bytes)
    }

    /// What `reference` (canonical, for `platform`) resolved to last: the
    /// digest the registry named for it (an index's, for a
    /// multi-architecture image) and the platform's manifest digest.
    #[must_use]
    pub fn tag(&self, reference: &str, platform: &str) -> Option<(String, String)> {
        let bytes = self.read("tags", &tag_file(reference, platform))?;
        let text = String::from_utf8(bytes).ok()?;
        let (top, digest) = text.trim().split_once(' ')?;
        digest_file(top)?;
        digest_file(digest)?;
        Some((top.to_string(), digest.to_string()))
    }

    /// Records that `reference` resolved to `top`, and for `platform` to
    /// `digest`.
    ///
    /// # Errors
    /// It could not be written.
    pub fn put_tag(
        &self,
        reference: &str,
        platform: &str,
        top: &str,
        digest: &str,
    ) -> Result<(), String> {
        self.write(
            "tags",
            &tag_file(reference, platform),
            format!("{top} {digest}").as_bytes(),
        )
    }

    /// An entry, only from directories and a file that are the user's own
    /// and that nobody else may write: what is read there is believed (a
    /// config's `USER`, `HEALTHCHECK`, a listing) without asking a registry.
    fn read(&self, sub: &str, name: &str) -> Option<Vec<u8>> {
        let dir = self.dir.join(sub);
        if !private(&self.dir) || !private(&dir) {
            return None;
        }
        let file = open_regular(&dir.join(name)).ok()?;
        if !owned(&file.metadata().ok()?) {
            return None;
        }
        let mut bytes = Vec::new();
        file.take(MAX_CACHE_ENTRY_BYTES.saturating_add(1))
            .read_to_end(&mut bytes)
            .ok()?;
        (bytes.len() as u64 <= MAX_CACHE_ENTRY_BYTES).then_some(bytes)
    }

    fn write(&self, sub: &str, name: &str, bytes: &[u8]) -> Result<(), String> {
        let dir = self.dir.join(sub);
        make_private_dir(&self.dir)?;
        make_private_dir(&dir)?;
        let err =
            |e: std::io::Error| format!("`{}`: {}", dir.display(), e.to_string().to_lowercase());
        // tempfile creates 0600, exclusively, under an unpredictable name;
        // the rename replaces a name (a link there included), never writes
        // through one.
        let mut temporary = tempfile::NamedTempFile::new_in(&dir).map_err(err)?;
        temporary.write_all(bytes).map_err(err)?;
        temporary.as_file().sync_all().map_err(err)?;
        temporary
            .persist(dir.join(name))
            .map_err(|e| err(e.error))?;
        Ok(())
    }
}

/// Whether `dir` is a directory (not a link) of the user's own that no one
/// else may write to.
fn private(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|meta| meta.is_dir() && owned(&meta))
}

/// Whether a file's owner is the user running podlift and neither its group
/// nor others may write it.
fn owned(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        meta.uid() == rustix::process::geteuid().as_raw() && meta.mode() & 0o022 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// Creates `dir` (0700) when missing; refuses a link or a file there, and
/// a directory someone else owns or may write to.
fn make_private_dir(dir: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("`{}`: {}", dir.display(), e.to_string().to_lowercase());
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() && owned(&meta) => Ok(()),
        Ok(meta) if meta.is_dir() => Err(format!(
            "`{}` is another user's or others may write to it",
            dir.display()
        )),
        Ok(_) => Err(format!("`{}` is not a directory", dir.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt as _;
                builder.mode(0o700);
            }
            builder.create(dir).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// `sha256:ab…` → `sha256-ab….json`; `None` for what is no digest.
fn digest_file(digest: &str) -> Option<String> {
    let (algorithm, hex) = digest.split_once(':')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    };
    (ok(algorithm) && ok(hex)).then(|| format!("{algorithm}-{hex}.json"))
}

/// A file name for a reference and platform: their SHA-256.
fn tag_file(reference: &str, platform: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(reference.as_bytes());
    hash.update(b"\n");
    hash.update(platform.as_bytes());
    hash.finalize().iter().fold(String::new(), |mut text, b| {
        let _ = write!(text, "{b:02x}");
        text
    })
}

#[cfg(test)]
mod tests {
    use super::{Cache, Cached};

    #[test]
    fn round_trip_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("podlift"));
        let image = Cached {
            config: "{}".into(),
            listing: Some(vec!["/etc".into()]),
            passwd: None,
            layers_read: true,
            group: None,
            group_read: true,
        };
        cache.put_image("sha256:ab", &image).unwrap();
        cache
            .put_tag(
                "docker.io/library/a:1",
                "linux/amd64",
                "sha256:cd",
                "sha256:ab",
            )
            .unwrap();
        assert_eq!(cache.image("sha256:ab"), Some(image));
        assert_eq!(
            cache.tag("docker.io/library/a:1", "linux/amd64"),
            Some(("sha256:cd".into(), "sha256:ab".into()))
        );
        assert_eq!(cache.tag("docker.io/library/a:1", "linux/arm64"), None);
        assert_eq!(cache.image("sha256:../x"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("podlift")), 0o700);
            assert_eq!(mode(&dir.path().join("podlift/images")), 0o700);
            assert_eq!(
                mode(&dir.path().join("podlift/images/sha256-ab.json")),
                0o600
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::create_dir(dir.path().join("podlift")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("podlift/images")).unwrap();
        let cache = Cache::new(dir.path().join("podlift"));
        assert!(cache.put_image("sha256:ab", &Cached::default()).is_err());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        // A cached entry that is a link is not read.
        std::fs::remove_file(dir.path().join("podlift/images")).unwrap();
        std::fs::write(elsewhere.join("x"), "{\"config\":\"{}\"}").unwrap();
        std::fs::create_dir(dir.path().join("podlift/images")).unwrap();
        std::os::unix::fs::symlink(
            elsewhere.join("x"),
            dir.path().join("podlift/images/sha256-cd.json"),
        )
        .unwrap();
        assert_eq!(cache.image("sha256:cd"), None);
    }

    /// A cache directory others may write to (a shared `XDG_CACHE_HOME`
    /// under /tmp, say) is neither read nor written: an entry planted
    /// there would be believed for a pinned digest without a request.
    #[cfg(unix)]
    #[test]
    fn a_directory_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("podlift"));
        let planted = Cached {
            config: r#"{"config":{"User":"1000"}}"#.into(),
            ..Cached::default()
        };
        cache.put_image("sha256:ab", &planted).unwrap();
        cache.put_tag("r", "p", "sha256:cd", "sha256:ab").unwrap();
        assert_eq!(cache.image("sha256:ab"), Some(planted.clone()));
        for (path, mode) in [
            ("podlift", 0o777),
            ("podlift", 0o770),
            ("podlift/images", 0o757),
            ("podlift/images/sha256-ab.json", 0o666),
        ] {
            let path = dir.path().join(path);
            let before = std::fs::metadata(&path).unwrap().permissions().mode();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            assert_eq!(
                cache.image("sha256:ab"),
                None,
                "{} {mode:o}",
                path.display()
            );
            if path.is_dir() {
                assert!(cache.put_image("sha256:ef", &planted).is_err());
            }
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(before)).unwrap();
        }
        std::fs::set_permissions(
            dir.path().join("podlift/tags"),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
        assert_eq!(cache.tag("r", "p"), None);
        assert_eq!(cache.image("sha256:ab"), Some(planted));
    }
}
