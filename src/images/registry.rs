//! Registries over the OCI distribution API (`oci-client`): the manifest
//! for the platform (an index resolved as Docker resolves it; asked for by
//! [`Manifests`], bounded as it arrives, with `oci-client`'s login), the config
//! blob and, when asked, the layers streamed into a [`Builder`] through a
//! small bounded channel (memory bounded by a few chunks and a tar header,
//! not by the layer). Plain HTTP only for loopback registries and
//! `--insecure-registry`; requests run in parallel up to
//! [`MAX_PARALLEL_IMAGES`], each image within [`IMAGE_TIMEOUT`] (or
//! [`LAYERS_TIMEOUT`] with its layers), each request within
//! [`REQUEST_TIMEOUT`].

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::ImageIndexEntry;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference as OciReference};

use crate::images::ImageOptions;
use crate::images::auth::{Login, Logins};
use crate::images::cache::{Cache, Cached};
use crate::images::listing::{Builder, Layers};
use crate::images::manifest::Manifests;
use crate::images::platform::Platform;
use crate::images::reference::{Reference, is_loopback_host};
use crate::images::source::Request;

/// The most images asked of registries at once (docs/limits.md).
pub const MAX_PARALLEL_IMAGES: usize = 16;
/// Connecting to a registry, and each read of an answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// One image's manifest and config, all requests together.
pub const IMAGE_TIMEOUT: Duration = Duration::from_mins(1);
/// One image's manifest, config and layers, all requests together.
pub const LAYERS_TIMEOUT: Duration = Duration::from_mins(10);
/// The largest manifest config blob read (docs/limits.md).
pub const MAX_CONFIG_BYTES: i64 = 8 * 1024 * 1024;
/// The most bytes a layer's download may go on past its tar's end marker
/// (read for the digest check at the download's end; docs/limits.md).
pub const MAX_LAYER_TRAILING_BYTES: usize = 16 * 1024 * 1024;
/// Chunks of a layer in flight between the download and the tar reader.
const LAYER_CHUNKS_IN_FLIGHT: usize = 4;

/// One image to ask a registry for.
#[derive(Clone, Debug)]
pub struct Wanted {
    /// The image.
    pub reference: Reference,
    /// For this platform.
    pub platform: Platform,
    /// With its layers' listing.
    pub layers: bool,
    /// Where the answer goes.
    pub request: Request,
}

/// What a registry (or, for an unchanged tag, the cache) gave.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The registry's host.
    pub registry: String,
    /// The manifest digest for the platform.
    pub digest: String,
    /// The config blob.
    pub config: String,
    /// The layers' listing, when asked for.
    pub layers: Option<Layers>,
    /// Whether the config came from the cache (the registry only said the
    /// tag still names the same digest).
    pub from_cache: bool,
}

/// Asks the registries for every image in `wanted`, in parallel up to
/// [`MAX_PARALLEL_IMAGES`]; one result per image, in order. Nothing is
/// asked when `wanted` is empty.
pub fn fetch(
    wanted: Vec<Wanted>,
    options: &ImageOptions,
    cache: Option<&Cache>,
) -> Vec<(Wanted, Result<Fetched, String>)> {
    if wanted.is_empty() {
        return Vec::new();
    }
    // rustls needs a provider; another part of the process may have
    // installed one already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let why = format!("no registry can be asked: {e}");
            return wanted.into_iter().map(|w| (w, Err(why.clone()))).collect();
        }
    };
    let logins = Logins::new(
        options.registry_auth_file.as_deref(),
        options.docker_config.as_deref(),
    );
    let mut auths: BTreeMap<String, Result<RegistryAuth, String>> = BTreeMap::new();
    for w in &wanted {
        auths
            .entry(w.reference.registry.clone())
            .or_insert_with(|| {
                logins
                    .login(&w.reference.registry)
                    .map(|login| match login {
                        Login::Anonymous => RegistryAuth::Anonymous,
                        Login::Basic(user, password) => RegistryAuth::Basic(user, password),
                        Login::Token(token) => RegistryAuth::Bearer(token),
                    })
            });
    }
    let plain: Vec<String> = wanted
        .iter()
        .map(|w| w.reference.registry.clone())
        .filter(|r| is_loopback_host(r) || options.insecure_registries.iter().any(|i| i == r))
        .collect();
    let mut clients: BTreeMap<String, Client> = BTreeMap::new();
    for w in &wanted {
        let platform = w.platform.clone();
        clients.entry(platform.to_string()).or_insert_with(|| {
            Client::new(ClientConfig {
                protocol: ClientProtocol::HttpsExcept(plain.clone()),
                read_timeout: Some(REQUEST_TIMEOUT),
                connect_timeout: Some(REQUEST_TIMEOUT),
                platform_resolver: Some(Box::new(move |entries: &[ImageIndexEntry]| {
                    resolve(entries, &platform)
                })),
                ..ClientConfig::default()
            })
        });
    }
    let http = match crate::images::manifest::http_client(REQUEST_TIMEOUT) {
        Ok(http) => http,
        Err(e) => {
            let why = format!("no registry can be asked: {e}");
            return wanted.into_iter().map(|w| (w, Err(why.clone()))).collect();
        }
    };
    runtime.block_on(async {
        futures_util::stream::iter(wanted.into_iter().map(|w| {
            let client = clients.get(&w.platform.to_string());
            let auth = auths.get(&w.reference.registry).cloned();
            let plain = plain.contains(&w.reference.registry);
            let http = &http;
            async move {
                let result = match (client, auth) {
                    (Some(client), Some(Ok(auth))) => {
                        let manifests = Manifests {
                            client,
                            http,
                            plain,
                        };
                        let limit = if w.layers {
                            LAYERS_TIMEOUT
                        } else {
                            IMAGE_TIMEOUT
                        };
                        match tokio::time::timeout(limit, one(&manifests, &auth, &w, cache)).await {
                            Ok(result) => result,
                            Err(_) => Err(format!(
                                "registry `{}` did not answer within {} s",
                                w.reference.registry,
                                limit.as_secs()
                            )),
                        }
                    }
                    (_, Some(Err(why))) => Err(why),
                    _ => Err("no client for it".to_string()),
                };
                (w, result)
            }
        }))
        .buffered(MAX_PARALLEL_IMAGES)
        .collect::<Vec<_>>()
        .await
    })
}

/// The index entry Docker would run on `platform`.
fn resolve(entries: &[ImageIndexEntry], platform: &Platform) -> Option<String> {
    entries
        .iter()
        .find(|entry| {
            entry.platform.as_ref().is_some_and(|p| {
                Platform::new(
                    &p.os.to_string(),
                    &p.architecture.to_string(),
                    p.variant.as_deref(),
                )
                .matches(platform)
            })
        })
        .map(|entry| entry.digest.clone())
}

async fn one(
    manifests: &Manifests<'_>,
    auth: &RegistryAuth,
    wanted: &Wanted,
    cache: Option<&Cache>,
) -> Result<Fetched, String> {
    let client = manifests.client;
    let r = &wanted.reference;
    let reference = match (&r.digest, &r.tag) {
        (Some(digest), _) => {
            OciReference::with_digest(r.registry.clone(), r.repository.clone(), digest.clone())
        }
        (None, tag) => OciReference::with_tag(
            r.registry.clone(),
            r.repository.clone(),
            tag.clone().unwrap_or_else(|| "latest".into()),
        ),
    };
    let registry = r.registry.clone();
    let refused = |e: oci_client::errors::OciDistributionError| {
        format!(
            "registry `{registry}` refused or could not be reached: {}",
            lowercase_first(&e.to_string())
        )
    };
    // With a cache, one HEAD tells whether the tag still names what was read.
    let platform = wanted.platform.to_string();
    if let Some(cache) = cache {
        // Not `fetch_manifest_digest`: without a digest header it reads the
        // manifest whole.
        let top = manifests.digest(&reference, auth).await?;
        if let Some((cached_top, digest)) = cache.tag(&r.canonical(), &platform)
            && cached_top == top
            && let Some(cached) = cache.image(&digest)
            && (cached.has_layers()
                || !(wanted.layers || crate::images::source::needs_layers_text(&cached.config)))
        {
            return Ok(Fetched {
                registry,
                layers: cached.layers(),
                digest,
                config: cached.config,
                from_cache: true,
            });
        }
    }
    // Not `pull_image_manifest_and_list_digest`: it reads the body whole.
    let (manifest, digest, list) = manifests
        .image(&reference, auth, &wanted.platform, resolve)
        .await?;
    let too_large = || format!("its config is larger than {MAX_CONFIG_BYTES} bytes");
    if manifest.config.size > MAX_CONFIG_BYTES {
        return Err(too_large());
    }
    // The manifest's size is the registry's word: what it sends is bounded
    // as it arrives, not after the digest is checked.
    let mut config = Bounded::default();
    let pulled = client
        .pull_blob(&reference, &manifest.config, &mut config)
        .await;
    if config.over {
        return Err(too_large());
    }
    pulled.map_err(refused)?;
    let config = config.bytes;
    let config =
        String::from_utf8(config).map_err(|_| "its config is not UTF-8 text".to_string())?;
    let layers = if wanted.layers || crate::images::source::needs_layers_text(&config) {
        Some(layers(client, &reference, &manifest.layers).await?)
    } else {
        None
    };
    let top = list.unwrap_or_else(|| digest.clone());
    if let Some(cache) = cache {
        // A cache that cannot be written only costs the next run requests.
        let _ = cache.put_image(
            &digest,
            &Cached {
                config: config.clone(),
                listing: layers
                    .as_ref()
                    .map(|l| l.listing.paths.iter().cloned().collect()),
                passwd: layers.as_ref().and_then(|l| l.passwd.clone()),
                layers_read: layers.is_some(),
                group: layers.as_ref().and_then(|l| l.group.clone()),
                group_read: layers.is_some(),
            },
        );
        let _ = cache.put_tag(&r.canonical(), &platform, &top, &digest);
    }
    Ok(Fetched {
        registry,
        digest,
        config,
        layers,
        from_cache: false,
    })
}

/// Streams every layer, bottom first, into a listing: the download feeds a
/// channel of [`LAYER_CHUNKS_IN_FLIGHT`] chunks that the tar reader drains
/// on a blocking thread.
async fn layers(
    client: &Client,
    reference: &OciReference,
    descriptors: &[oci_client::manifest::OciDescriptor],
) -> Result<Layers, String> {
    let mut builder = Builder::default();
    for descriptor in descriptors {
        let mut stream = client
            .pull_blob_stream(reference, descriptor)
            .await
            .map_err(|e| {
                format!(
                    "a layer cannot be read: {}",
                    lowercase_first(&e.to_string())
                )
            })?;
        let (sender, receiver) = tokio::sync::mpsc::channel(LAYER_CHUNKS_IN_FLIGHT);
        let mut reader = Some(tokio::task::spawn_blocking(move || {
            let result = builder.layer(ChannelReader {
                receiver,
                chunk: bytes_empty(),
            });
            (builder, result)
        }));
        let mut done = None;
        let mut trailing = 0_usize;
        // The stream checks the layer's digest only at its very end, after
        // the tar's end marker the reader stops at: it is read to its end
        // (bounded) and a failure anywhere refuses the layer.
        while let Some(chunk) = stream.next().await {
            let bytes = chunk.map_err(|e| {
                format!(
                    "a layer cannot be read: {}",
                    lowercase_first(&e.to_string())
                )
            })?;
            if done.is_none() {
                if sender.send(Ok(bytes)).await.is_ok() {
                    continue;
                }
                // The reader stopped: with an error of its own, stop here.
                let finished = match reader.take() {
                    Some(handle) => handle
                        .await
                        .map_err(|e| format!("a layer cannot be read: {e}"))?,
                    None => return Err("a layer cannot be read".into()),
                };
                finished.1?;
                done = Some(finished.0);
            } else {
                trailing = trailing.saturating_add(bytes.len());
                if trailing > MAX_LAYER_TRAILING_BYTES {
                    return Err(format!(
                        "a layer goes on for more than {MAX_LAYER_TRAILING_BYTES} bytes past its tar's end"
                    ));
                }
            }
        }
        drop(sender);
        let (returned, result) = match (done, reader) {
            (Some(returned), _) => (returned, Ok(())),
            (None, Some(handle)) => handle
                .await
                .map_err(|e| format!("a layer cannot be read: {e}"))?,
            (None, None) => return Err("a layer cannot be read".into()),
        };
        result?;
        builder = returned;
    }
    Ok(builder.finish())
}

/// A buffer that refuses to grow past [`MAX_CONFIG_BYTES`].
#[derive(Default)]
struct Bounded {
    bytes: Vec<u8>,
    over: bool,
}

impl tokio::io::AsyncWrite for Bounded {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let limit = usize::try_from(MAX_CONFIG_BYTES).unwrap_or(usize::MAX);
        if self.bytes.len().saturating_add(buf.len()) > limit {
            self.over = true;
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "its config is larger than {MAX_CONFIG_BYTES} bytes"
            ))));
        }
        self.bytes.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

fn bytes_empty() -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(Vec::new())
}

/// A blocking reader over the chunks of a download.
struct ChannelReader {
    receiver: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
    chunk: std::io::Cursor<Vec<u8>>,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.chunk.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.receiver.blocking_recv() {
                Some(Ok(bytes)) => self.chunk = std::io::Cursor::new(bytes.to_vec()),
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}
