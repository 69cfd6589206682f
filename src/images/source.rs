//! Where facts come from, in order: `--image-archive`, the digest cache,
//! then registries (never with `--offline`). Every service's image is asked
//! for once per platform; an image no source gives is one warning
//! (`image-not-inspected`) naming it, and the conversion goes on with what
//! the compose file says.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::images::archive::{Archive, Found};
use crate::images::cache::{Cache, Cached};
use crate::images::config::{self, ConfigFacts};
use crate::images::listing::{Builder, Layers};
use crate::images::platform::{DEFAULT_PLATFORM, Platform};
use crate::images::reference::Reference;
use crate::images::registry::{self, Fetched, Wanted};
use crate::images::{Facts, ImageFacts, ImageOptions, Origin};
use crate::model::Project;
use crate::model::volume::MountSource;
use crate::source::Span;

/// One image to inspect, for one platform.
#[derive(Clone, Debug)]
pub struct Request {
    /// `image:` as written (after interpolation).
    pub written: String,
    /// Parsed.
    pub reference: Reference,
    /// The platform to resolve an index for.
    pub platform: Platform,
    /// Whether the layers are read too because a service mounts a volume
    /// into it (copy-up; not for a `nocopy` mount); the image's own `VOLUME` or `USER` name adds them
    /// once its config is read ([`needs_layers`]).
    pub layers: bool,
    /// The first service's `image:` text.
    pub span: Span,
}

/// Inspects every service's image; see [`crate::images::inspect`].
pub fn inspect(
    project: &Project,
    options: &ImageOptions,
    diagnostics: &mut Diagnostics,
) -> ImageFacts {
    let mut facts = ImageFacts::default();
    if !options.inspect {
        return facts;
    }
    let fallback = options.platform.as_deref().unwrap_or(DEFAULT_PLATFORM);
    let Some(default_platform) = Platform::parse(fallback) else {
        diagnostics.push(Diagnostic::command(format!(
            "`--platform {fallback}` is not a platform; write it like `linux/amd64` or `linux/arm64/v8`"
        )));
        return facts;
    };
    let requests = requests(project, &default_platform);
    let mut archives = Vec::new();
    for path in &options.archives {
        match Archive::open(path) {
            Ok(archive) => archives.push(archive),
            Err(why) => diagnostics.push(
                Diagnostic::error(
                    Code::ImageArchiveUnreadable,
                    format!("`--image-archive {}` cannot be read: {why}", path.display()),
                )
                .help("name a `docker save` tarball, an OCI layout directory or an OCI archive tarball"),
            ),
        }
    }
    // An archive named and unreadable is an error: nothing else is asked.
    let offline = options.offline || archives.len() < options.archives.len();
    let cache = options.cache_dir.clone().map(Cache::new);
    let mut wanted = Vec::new();
    for request in requests {
        match local(&request, &archives, cache.as_ref(), offline) {
            Local::Found(found) => {
                facts
                    .images
                    .entry(request.written.clone())
                    .or_insert(*found);
            }
            Local::Failed(why) => not_inspected(&request, &why, diagnostics),
            Local::Missing if archives.len() < options.archives.len() => {}
            Local::Missing if offline => not_inspected(
                &request,
                "it is in no `--image-archive` and not in the cache, and `--offline` asks no registry",
                diagnostics,
            ),
            Local::Missing => wanted.push(Wanted {
                reference: request.reference.clone(),
                platform: request.platform.clone(),
                layers: request.layers,
                request,
            }),
        }
    }
    for (wanted, result) in registry::fetch(wanted, options, cache.as_ref()) {
        let request = wanted.request;
        match result.and_then(from_registry) {
            Ok(found) => {
                facts.images.entry(request.written.clone()).or_insert(found);
            }
            Err(why) => not_inspected(&request, &why, diagnostics),
        }
    }
    facts
}

/// One request per image and platform, in service order.
fn requests(project: &Project, default_platform: &Platform) -> Vec<Request> {
    let mut by_image: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut requests: Vec<Request> = Vec::new();
    for service in &project.services {
        if project.inactive.contains(&service.name.value) {
            continue;
        }
        let Some(image) = &service.image else {
            continue;
        };
        let Some(reference) = Reference::parse(&image.value) else {
            continue;
        };
        let platform = service
            .platform
            .as_ref()
            .and_then(|p| Platform::parse(&p.value))
            .unwrap_or_else(|| default_platform.clone());
        let layers = service
            .mounts
            .iter()
            .filter(|m| !m.no_copy)
            .any(|m| matches!(m.source, MountSource::Named(_) | MountSource::Anonymous));
        let key = (image.value.clone(), platform.to_string());
        if let Some(&at) = by_image.get(&key) {
            if let Some(request) = requests.get_mut(at) {
                request.layers |= layers;
            }
            continue;
        }
        by_image.insert(key, requests.len());
        requests.push(Request {
            written: image.value.clone(),
            reference,
            platform,
            layers,
            span: image.span,
        });
    }
    requests
}

enum Local {
    Found(Box<Facts>),
    Failed(String),
    Missing,
}

/// An archive, else the cache (by the digest written, or with `--offline`
/// by the digest the reference resolved to last).
fn local(request: &Request, archives: &[Archive], cache: Option<&Cache>, offline: bool) -> Local {
    for archive in archives {
        if let Some(found) = archive.find(&request.reference, &request.platform) {
            return match from_archive(request, &found, archive) {
                Ok(facts) => Local::Found(Box::new(facts)),
                Err(why) => Local::Failed(format!(
                    "`--image-archive {}` holds it, but {why}",
                    archive.path.display()
                )),
            };
        }
    }
    let Some(cache) = cache else {
        return Local::Missing;
    };
    // A digest names one image for good; a tag is asked again unless
    // `--offline`.
    if request.reference.digest.is_none() && !offline {
        return Local::Missing;
    }
    // A digest written may name the manifest itself, or an index whose
    // manifest for the platform was recorded when it was read.
    let recorded = || {
        cache
            .tag(
                &request.reference.canonical(),
                &request.platform.to_string(),
            )
            .map(|(_, digest)| digest)
    };
    let digest = match &request.reference.digest {
        Some(digest) if cache.image(digest).is_some() => digest.clone(),
        _ => match recorded() {
            Some(digest) => digest,
            None => return Local::Missing,
        },
    };
    match cache.image(&digest) {
        Some(cached)
            if cached.has_layers()
                || offline
                || !(request.layers || needs_layers_text(&cached.config)) =>
        {
            match from_cache(&digest, &cached) {
                Ok(facts) => Local::Found(Box::new(facts)),
                Err(_) => Local::Missing,
            }
        }
        _ => Local::Missing,
    }
}

fn from_archive(request: &Request, found: &Found<'_>, archive: &Archive) -> Result<Facts, String> {
    let config = config::parse(&found.config()?)?;
    let layers = if request.layers || needs_layers(&config) {
        let mut builder = Builder::default();
        found.layers(&mut builder)?;
        Some(builder.finish())
    } else {
        None
    };
    Ok(facts(
        found.digest().map(String::from),
        Origin::Archive(archive.path.clone()),
        config,
        layers,
    ))
}

fn from_cache(digest: &str, cached: &Cached) -> Result<Facts, String> {
    Ok(facts(
        Some(digest.to_string()),
        Origin::Cache,
        config::parse(cached.config.as_bytes())?,
        cached.layers(),
    ))
}

fn from_registry(fetched: Fetched) -> Result<Facts, String> {
    let config = config::parse(fetched.config.as_bytes())?;
    let origin = if fetched.from_cache {
        Origin::Cache
    } else {
        Origin::Registry(fetched.registry)
    };
    Ok(facts(Some(fetched.digest), origin, config, fetched.layers))
}

/// [`needs_layers`] of a config blob's text.
pub fn needs_layers_text(config: &str) -> bool {
    config::parse(config.as_bytes()).is_ok_and(|c| needs_layers(&c))
}

/// Whether the image's own config needs its layers read, whatever the
/// compose file mounts: a `USER` name (`/etc/passwd`, `/etc/group`), or a `VOLUME`
/// (Docker copies the image's files there into the anonymous volume).
pub fn needs_layers(config: &ConfigFacts) -> bool {
    user_is_a_name(config) || !config.volumes.is_empty()
}

/// Whether `USER` names a user (or group) that `/etc/passwd` (or
/// `/etc/group`) resolves.
pub fn user_is_a_name(config: &ConfigFacts) -> bool {
    config.user.as_deref().is_some_and(|user| {
        user.split(':')
            .any(|part| !part.is_empty() && part.parse::<u32>().is_err())
    })
}

fn facts(
    digest: Option<String>,
    origin: Origin,
    config: ConfigFacts,
    layers: Option<Layers>,
) -> Facts {
    let (files, passwd, group) = match layers {
        Some(layers) => (
            Some(layers.listing),
            Some(layers.passwd.unwrap_or_default()),
            Some(layers.group.unwrap_or_default()),
        ),
        None => (None, None, None),
    };
    Facts {
        digest,
        origin,
        healthcheck: config.healthcheck,
        exposed: config.exposed,
        volumes: config.volumes,
        user: config.user,
        passwd,
        group,
        files,
    }
}

fn not_inspected(request: &Request, why: &str, diagnostics: &mut Diagnostics) {
    diagnostics.push(
        Diagnostic::warning(
            Code::ImageNotInspected,
            format!("image `{}` was not inspected: {why}", request.written),
        )
        .at(request.span)
        .help(
            "podlift goes on with what the compose file says; give the image with `--image-archive`, or make its registry reachable (`--insecure-registry` for plain HTTP)",
        ),
    );
}
