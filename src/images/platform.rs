//! Platforms (`linux/amd64`, `linux/arm64/v8`) as Docker matches them when
//! it resolves a multi-architecture index.

/// `--platform` when neither it nor the service's `platform:` is written.
pub const DEFAULT_PLATFORM: &str = "linux/amd64";

/// An operating system, an architecture and maybe a variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// `linux`.
    pub os: String,
    /// `amd64`, `arm64`, `arm`.
    pub architecture: String,
    /// `v7`, `v8`.
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`, with Docker's aliases (`x86_64`,
    /// `aarch64`); `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_ascii_lowercase();
        let mut parts = lower.split('/');
        let os = parts.next().filter(|s| !s.is_empty())?;
        let architecture = parts.next().filter(|s| !s.is_empty())?;
        let variant = parts.next().filter(|s| !s.is_empty());
        if parts.next().is_some() {
            return None;
        }
        Some(Self::new(os, architecture, variant))
    }

    /// From a system, an architecture and a variant as a descriptor names
    /// them, with Docker's aliases.
    #[must_use]
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        let (architecture, variant) = match (architecture, variant) {
            ("x86_64" | "x86-64", v) => ("amd64", v),
            ("aarch64" | "arm64", v) => ("arm64", v.filter(|v| *v != "v8")),
            ("armhf", _) => ("arm", Some("v7")),
            ("armel", _) => ("arm", Some("v6")),
            (a, v) => (a, v),
        };
        Self {
            os: os.to_string(),
            architecture: architecture.to_string(),
            variant: variant.map(String::from),
        }
    }

    /// From an OCI descriptor's platform.
    #[must_use]
    pub fn of_oci(platform: &oci_spec::image::Platform) -> Self {
        Self::new(
            &platform.os().to_string(),
            &platform.architecture().to_string(),
            platform.variant().as_deref(),
        )
    }

    /// Whether an image for `self` runs where `wanted` is asked: the same
    /// system and architecture, and the variant when both name one.
    #[must_use]
    pub fn matches(&self, wanted: &Self) -> bool {
        self.os == wanted.os
            && self.architecture == wanted.architecture
            && match (&self.variant, &wanted.variant) {
                (Some(have), Some(want)) => have == want,
                _ => true,
            }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Platform;

    #[test]
    fn aliases_and_matching() {
        let p = |s| Platform::parse(s).unwrap();
        assert_eq!(p("linux/x86_64"), p("linux/amd64"));
        assert_eq!(p("linux/aarch64"), p("linux/arm64/v8"));
        assert!(p("linux/arm/v7").matches(&p("linux/arm")));
        assert!(!p("linux/arm/v6").matches(&p("linux/arm/v7")));
        assert!(!p("linux/arm64").matches(&p("linux/amd64")));
        assert_eq!(Platform::parse("linux"), None);
        assert_eq!(Platform::parse("a/b/c/d"), None);
        assert_eq!(p("linux/arm/v7").to_string(), "linux/arm/v7");
    }
}
