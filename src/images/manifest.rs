//! An image's manifest from a registry, read as it arrives and bounded
//! ([`MAX_MANIFEST_BYTES`]): `oci-client` reads a manifest's body whole,
//! bounded only by the time, so a hostile registry could fill the memory.
//! The login is `oci-client`'s (its token exchange); the request is ours.

use std::fmt::Write as _;

use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE, OciImageManifest, OciManifest,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference as OciReference, RegistryOperation};
use sha2::{Digest as _, Sha256};

use crate::images::platform::Platform;

/// The largest manifest (or index) read from a registry (docs/limits.md).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// The HTTP client manifests are asked with: `timeout` to connect and for
/// each read, as `oci-client`'s.
///
/// # Errors
/// The TLS setup failed.
pub fn http_client(timeout: std::time::Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .read_timeout(timeout)
        .connect_timeout(timeout)
        .build()
}

/// The login a request carries: the bearer token `oci-client` got, else
/// the user and password of a registry that takes them as they are.
struct Login<'a> {
    token: Option<String>,
    auth: &'a RegistryAuth,
}

fn refused(reference: &OciReference, e: &dyn std::fmt::Display) -> String {
    format!(
        "registry `{}` refused or could not be reached: {e}",
        reference.resolve_registry()
    )
}

/// How manifests are asked for: `oci-client` for the login, `http` for the
/// request, plain HTTP or TLS as the registry is let.
pub struct Manifests<'a> {
    /// Logs in (and keeps the token).
    pub client: &'a Client,
    /// Sends the requests.
    pub http: &'a reqwest::Client,
    /// Plain HTTP (a loopback registry, or `--insecure-registry`).
    pub plain: bool,
}

impl Manifests<'_> {
    /// The image manifest of `reference` for `platform` (an index resolved
    /// by `resolve`), its digest, and the index's digest when there was one.
    ///
    /// # Errors
    /// The registry refused, sent more than [`MAX_MANIFEST_BYTES`], or sent
    /// no manifest podlift reads.
    pub async fn image(
        &self,
        reference: &OciReference,
        auth: &RegistryAuth,
        platform: &Platform,
        resolve: impl Fn(&[oci_client::manifest::ImageIndexEntry], &Platform) -> Option<String>,
    ) -> Result<(OciImageManifest, String, Option<String>), String> {
        // One login for the index and the image it names.
        let login = self.login(reference, auth).await?;
        let (manifest, digest) = self.one(reference, &login).await?;
        match manifest {
            OciManifest::Image(image) => Ok((image, digest, None)),
            OciManifest::ImageIndex(index) => {
                let chosen = resolve(&index.manifests, platform).ok_or_else(|| {
                    format!("its index has no image for the platform `{platform}`")
                })?;
                let (manifest, _) = self
                    .one(&reference.clone_with_digest(chosen.clone()), &login)
                    .await?;
                match manifest {
                    OciManifest::Image(image) => Ok((image, chosen, Some(digest))),
                    OciManifest::ImageIndex(_) => {
                        Err("its index names another index for the platform".to_string())
                    }
                }
            }
        }
    }

    /// The digest `reference` names now: a `HEAD` of its manifest, or, when
    /// the registry sends no `Docker-Content-Digest`, the manifest itself
    /// (bounded; `oci-client`'s `fetch_manifest_digest` reads it whole).
    ///
    /// # Errors
    /// The registry refused, or sent more than [`MAX_MANIFEST_BYTES`].
    pub async fn digest(
        &self,
        reference: &OciReference,
        auth: &RegistryAuth,
    ) -> Result<String, String> {
        let login = self.login(reference, auth).await?;
        let response = self
            .request(reqwest::Method::HEAD, reference, &login)
            .send()
            .await
            .map_err(|e| refused(reference, &e))?;
        if !response.status().is_success() {
            return Err(refused(
                reference,
                &format!("its manifest answered HTTP {}", response.status()),
            ));
        }
        if let Some(digest) = response
            .headers()
            .get("Docker-Content-Digest")
            .and_then(|v| v.to_str().ok())
            .filter(|d| d.starts_with("sha256:"))
        {
            return Ok(digest.to_string());
        }
        Ok(self.one(reference, &login).await?.1)
    }

    async fn login<'a>(
        &self,
        reference: &OciReference,
        auth: &'a RegistryAuth,
    ) -> Result<Login<'a>, String> {
        let token = self
            .client
            .auth(reference, auth, RegistryOperation::Pull)
            .await
            .map_err(|e| refused(reference, &e))?;
        Ok(Login { token, auth })
    }

    /// A request for `reference`'s manifest, with the login.
    fn request(
        &self,
        method: reqwest::Method,
        reference: &OciReference,
        login: &Login<'_>,
    ) -> reqwest::RequestBuilder {
        let url = format!(
            "{}://{}/v2/{}/manifests/{}",
            if self.plain { "http" } else { "https" },
            reference.resolve_registry(),
            reference.repository(),
            reference
                .digest()
                .or_else(|| reference.tag())
                .unwrap_or("latest"),
        );
        let accept = [
            IMAGE_MANIFEST_MEDIA_TYPE,
            IMAGE_MANIFEST_LIST_MEDIA_TYPE,
            OCI_IMAGE_MEDIA_TYPE,
            OCI_IMAGE_INDEX_MEDIA_TYPE,
        ]
        .join(", ");
        let request = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, accept);
        match (&login.token, login.auth) {
            (Some(token), _) => request.bearer_auth(token),
            (None, RegistryAuth::Basic(user, password)) => request.basic_auth(user, Some(password)),
            (None, _) => request,
        }
    }

    /// One manifest and the digest of what was sent.
    async fn one(
        &self,
        reference: &OciReference,
        login: &Login<'_>,
    ) -> Result<(OciManifest, String), String> {
        let refused = |e: &dyn std::fmt::Display| refused(reference, e);
        let mut response = self
            .request(reqwest::Method::GET, reference, login)
            .send()
            .await
            .map_err(|e| refused(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(refused(&format!("its manifest answered HTTP {status}")));
        }
        let too_large = || format!("its manifest is larger than {MAX_MANIFEST_BYTES} bytes");
        if response
            .content_length()
            .is_some_and(|n| n > MAX_MANIFEST_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| refused(&e))? {
            if body.len().saturating_add(chunk.len()) > MAX_MANIFEST_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let digest = Sha256::digest(&body)
            .iter()
            .fold(String::from("sha256:"), |mut text, b| {
                let _ = write!(text, "{b:02x}");
                text
            });
        if let Some(wanted) = reference.digest()
            && wanted.starts_with("sha256:")
            && wanted != digest
        {
            return Err(format!(
                "its manifest is not the digest asked for (`{wanted}`, got `{digest}`)"
            ));
        }
        let manifest = serde_json::from_slice(&body)
            .map_err(|e| format!("its manifest is not one podlift reads: {e}"))?;
        Ok((manifest, digest))
    }
}
