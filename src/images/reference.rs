//! Image references as Docker normalises them: `nginx` is
//! `docker.io/library/nginx:latest`, `localhost:5000/app` keeps its
//! registry, a digest wins over a tag.

/// Docker Hub's name in references.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// `library/nginx`, `org/app`.
    pub repository: String,
    /// `latest` when neither tag nor digest is written.
    pub tag: Option<String>,
    /// `sha256:…`.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses `text` as Docker does; `None` for what is no reference.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.chars().any(char::is_whitespace) {
            return None;
        }
        let (name, digest) = match text.split_once('@') {
            Some((name, digest)) => {
                let (algorithm, hex) = digest.split_once(':')?;
                if algorithm.is_empty() || hex.is_empty() {
                    return None;
                }
                (name, Some(digest.to_ascii_lowercase()))
            }
            None => (text, None),
        };
        // A tag is after the last `:` of the last path component.
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name.get(last_slash..).and_then(|last| last.rfind(':')) {
            Some(colon) => {
                let at = last_slash + colon;
                (name.get(..at)?, Some(name.get(at + 1..)?.to_string()))
            }
            None => (name, None),
        };
        if tag.as_deref().is_some_and(str::is_empty) {
            return None;
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_ascii_lowercase(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty()
            || repository.split('/').any(str::is_empty)
            || repository.chars().any(|c| c.is_ascii_uppercase())
        {
            return None;
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Some(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `docker.io/library/nginx:latest`, `host/app@sha256:…` (a digest
    /// without the tag: it names the image alone).
    #[must_use]
    pub fn canonical(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => format!("{}/{}@{digest}", self.registry, self.repository),
            (None, Some(tag)) => format!("{}/{}:{tag}", self.registry, self.repository),
            (None, None) => format!("{}/{}", self.registry, self.repository),
        }
    }

    /// `docker.io/library/nginx:latest` even when a digest is written
    /// (`None` without a tag): an archive's tag names it so.
    #[must_use]
    pub fn tagged(&self) -> Option<String> {
        self.tag
            .as_ref()
            .map(|tag| format!("{}/{}:{tag}", self.registry, self.repository))
    }

    /// The name without tag or digest: `docker.io/library/nginx`.
    #[must_use]
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Whether the registry is on loopback (`localhost`, `127.x`, `[::1]`),
    /// where Docker and podman speak plain HTTP without being told.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

/// Whether `host[:port]` names this machine's loopback.
#[must_use]
pub fn is_loopback_host(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        registry.rsplit_once(':').map_or(registry, |(h, _)| h)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::Reference;

    fn canon(text: &str) -> String {
        Reference::parse(text)
            .map(|r| r.canonical())
            .unwrap_or_default()
    }

    #[test]
    fn short_names_expand_as_docker_does() {
        assert_eq!(canon("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(canon("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(canon("bitnami/redis"), "docker.io/bitnami/redis:latest");
        assert_eq!(
            canon("index.docker.io/library/nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(canon("localhost/app"), "localhost/app:latest");
        assert_eq!(canon("127.0.0.1:5000/a/b:2"), "127.0.0.1:5000/a/b:2");
        assert_eq!(canon("ghcr.io/o/app@sha256:AB"), "ghcr.io/o/app@sha256:ab");
        assert_eq!(
            canon("host:5000/app:1@sha256:ab"),
            "host:5000/app@sha256:ab"
        );
    }

    #[test]
    fn what_is_no_reference_is_none() {
        for text in ["", "a b", "Nginx", "app:", "app@sha256", "/app", "a//b"] {
            assert_eq!(Reference::parse(text), None, "{text}");
        }
    }

    #[test]
    fn loopback_registries() {
        for host in [
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(super::is_loopback_host(host), "{host}");
        }
        for host in ["registry.example:5000", "10.0.0.1:5000", "docker.io"] {
            assert!(!super::is_loopback_host(host), "{host}");
        }
    }
}
