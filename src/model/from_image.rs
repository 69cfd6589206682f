//! What `--inspect-images` carried into a service from its image: the images
//! stage fills it in (`images::apply`), the plan reads it for its notes, the
//! user the container runs as, and the copy-up of fresh volumes. `None` on a
//! service whose image was not inspected.

use crate::model::port::Protocol;
use crate::source::Span;

/// What a service took from its image, besides what `apply` wrote into the
/// service's own fields (`healthcheck`, `expose`, `mounts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromImage {
    /// The image reference as the service names it (`image:`).
    pub image: String,
    /// Where `image:` was written: the place of every note about the image.
    pub span: Span,
    /// The service's health check is (in whole or in part) the image's
    /// `HEALTHCHECK`.
    pub healthcheck: bool,
    /// `EXPOSE` ports that compose did not declare, added to `expose`.
    pub exposed: Vec<(u16, Protocol)>,
    /// `VOLUME` paths compose mounts nothing at, added as anonymous volumes.
    pub volumes: Vec<String>,
    /// The user the container runs as, numeric where the image tells
    /// (`USER`, or compose's `user:` name resolved through the image's
    /// `/etc/passwd`).
    pub user: Option<ImageUser>,
    /// Mount targets of fresh volumes where the image has files: Docker
    /// copies them into the volume on its first use (copy-up).
    pub copy_up: Vec<String>,
    /// Mount targets of fresh volumes where the image has nothing, or
    /// mounted `nocopy`: the volume starts empty under Docker too.
    pub empty_there: Vec<String>,
    /// Whether the image has `/bin/sh` and `cp` for the copy-up's init
    /// container (`None`: its files were not read).
    pub can_copy: Option<bool>,
    /// The digest the image is pinned to (`--pin-digests`), `NAME@sha256:…`
    /// written into `image`.
    pub pinned: Option<String>,
}

/// Who a container runs as, as far as the image tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUser {
    /// As written: the image's `USER`, or compose's `user:`.
    pub written: String,
    /// Written in the compose file (`user:`), not the image.
    pub compose: bool,
    /// The user id, when numeric or resolved through `/etc/passwd`.
    pub uid: Option<u32>,
    /// The group id, when numeric or resolved (a user name's primary group).
    pub gid: Option<u32>,
}

impl ImageUser {
    /// The user runs as someone other than root, and Kubernetes can check
    /// it: a numeric id other than 0 (the kubelet refuses `runAsNonRoot`
    /// for an image whose user is a name it cannot resolve).
    #[must_use]
    pub fn non_root(&self) -> bool {
        self.uid.is_some_and(|uid| uid != 0)
    }
}
