//! Image facts (`--inspect-images`): what each service's image says that the
//! compose file does not — HEALTHCHECK, EXPOSE, VOLUME, USER and, for
//! copy-up, the files under a path — read from archives, the digest cache
//! or a registry ([`inspect`]), then carried into the project as Docker
//! would carry them ([`apply`]) before the plan.
//!
//! Without `--inspect-images` nothing here runs and nothing is fetched.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

mod archive;
mod auth;
mod cache;
mod config;
mod files;
mod listing;
mod manifest;
mod platform;
mod reference;
mod registry;
mod source;

pub use archive::{MAX_ARCHIVE_ENTRIES, MAX_ARCHIVE_IMAGES, MAX_ARCHIVE_JSON_BYTES};
pub use auth::MAX_AUTH_FILE_BYTES;
pub use cache::MAX_CACHE_ENTRY_BYTES;
pub use listing::{
    MAX_GROUP_BYTES, MAX_LAYER_BYTES, MAX_LAYER_ENTRIES, MAX_LISTING_PATHS, MAX_PASSWD_BYTES,
};
pub use manifest::MAX_MANIFEST_BYTES;
pub use platform::DEFAULT_PLATFORM;
pub use reference::Reference;
pub use registry::{
    IMAGE_TIMEOUT, LAYERS_TIMEOUT, MAX_CONFIG_BYTES, MAX_LAYER_TRAILING_BYTES, MAX_PARALLEL_IMAGES,
    REQUEST_TIMEOUT,
};

use crate::diagnostic::Diagnostics;
use crate::model::Project;
use crate::model::Protocol;

mod apply;

pub use apply::apply;

/// How to inspect images; the default inspects nothing.
#[derive(Clone, Debug, Default)]
pub struct ImageOptions {
    /// `--inspect-images`: without it, [`inspect`] returns no facts and makes
    /// no request.
    pub inspect: bool,
    /// `--image-archive PATH` (repeatable): `docker save` tarballs, OCI
    /// layouts as directories or tarballs; searched first.
    pub archives: Vec<PathBuf>,
    /// `--offline`: archives and the cache only, never a registry.
    pub offline: bool,
    /// `--insecure-registry HOST[:PORT]`: plain HTTP allowed besides loopback.
    pub insecure_registries: Vec<String>,
    /// `--platform OS/ARCH[/VARIANT]` for services without `platform:`
    /// (default `linux/amd64`).
    pub platform: Option<String>,
    /// The digest cache's directory; the command line sets the user's
    /// (`$XDG_CACHE_HOME/podlift`, `~/.cache/podlift`); `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// `--pin-digests`: every inspected image written as `NAME@sha256:…`.
    pub pin_digests: bool,
    /// Docker's configuration directory for logins (`$DOCKER_CONFIG`,
    /// `~/.docker`), and `REGISTRY_AUTH_FILE`; taken from the process
    /// environment by the command line.
    pub docker_config: Option<PathBuf>,
    /// `REGISTRY_AUTH_FILE`.
    pub registry_auth_file: Option<PathBuf>,
}

/// The facts of every image inspected, by the reference as the service
/// names it (`image:` after interpolation).
#[derive(Clone, Debug, Default)]
pub struct ImageFacts {
    /// By image reference as written in the compose file.
    pub images: BTreeMap<String, Facts>,
}

/// Where an image's facts were read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// An `--image-archive`.
    Archive(PathBuf),
    /// The digest cache.
    Cache,
    /// A registry, by host (`registry-1.docker.io`, `127.0.0.1:5000`).
    Registry(String),
}

/// What one image's config (and, when read, its layers) says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    /// The manifest digest (`sha256:…`) of the image for the platform used.
    pub digest: Option<String>,
    /// Where it was read.
    pub origin: Origin,
    /// Docker's `Healthcheck` (the OCI config has no such field); `None`
    /// when the image has none.
    pub healthcheck: Option<ImageHealthcheck>,
    /// `EXPOSE`, in the image's order.
    pub exposed: Vec<(u16, Protocol)>,
    /// `VOLUME` paths, in the image's order.
    pub volumes: Vec<String>,
    /// `USER` as written (`1000`, `1000:1000`, `app`, `app:staff`); `None`
    /// or empty for root.
    pub user: Option<String>,
    /// The image's `/etc/passwd` entries `(name, uid, gid)` when its layers
    /// were read; resolves a `USER` name.
    pub passwd: Option<Vec<(String, u32, u32)>>,
    /// The image's `/etc/group` entries `(name, gid)` when its layers were
    /// read; resolves a `USER` group name.
    pub group: Option<Vec<(String, u32)>>,
    /// The image's files (whiteouts applied) when its layers were read.
    pub files: Option<Listing>,
}

/// Docker's image health check, as `docker inspect` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageHealthcheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`.
    pub test: Vec<String>,
    /// Zero means Docker's default.
    pub interval: Duration,
    /// Zero means Docker's default.
    pub timeout: Duration,
    /// Zero means Docker's default.
    pub start_period: Duration,
    /// Zero means Docker's default.
    pub retries: u32,
}

/// The paths an image's layers leave, absolute and normalised (`/etc/nginx`,
/// `/etc/nginx/nginx.conf`), whiteouts applied; bounded in count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Every path the image holds, directories included.
    pub paths: BTreeSet<String>,
}

impl Listing {
    /// Whether the image holds anything below `dir` (not `dir` itself).
    #[must_use]
    pub fn has_files_under(&self, dir: &str) -> bool {
        let dir = dir.trim_end_matches('/');
        let prefix = format!("{dir}/");
        self.paths
            .range::<str, _>((
                std::ops::Bound::Excluded(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .next()
            .is_some_and(|p| p.starts_with(&prefix))
    }
}

/// Reads the facts of every service's image from the sources `options`
/// names; an image that cannot be inspected is a warning naming it (the
/// conversion goes on with what the compose file says). Without
/// `options.inspect`, returns no facts and touches nothing.
#[must_use]
pub fn inspect(
    project: &Project,
    options: &ImageOptions,
    diagnostics: &mut Diagnostics,
) -> ImageFacts {
    source::inspect(project, options, diagnostics)
}
