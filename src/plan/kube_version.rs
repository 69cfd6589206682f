//! A Kubernetes `MAJOR.MINOR` version: the cluster `--kube-version` targets
//! (the plan uses native sidecars from 1.29), and the oldest one a Helm
//! chart's objects need (`kubeVersion` of `Chart.yaml`).

use std::fmt;

/// A Kubernetes `MAJOR.MINOR` version, ordered as releases are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    /// Major version (1).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl KubeVersion {
    /// Init containers with `restartPolicy: Always` (native sidecars): an
    /// older API server drops the field, and the init container never ends.
    pub const NATIVE_SIDECARS: Self = Self::new(1, 29);
    /// `appArmorProfile` fields: an older API server drops them.
    pub const APP_ARMOR_FIELDS: Self = Self::new(1, 30);
    /// Pod Security admission GA, PodSecurityPolicy gone.
    pub const POD_SECURITY_ADMISSION: Self = Self::new(1, 25);

    /// `major.minor`.
    #[must_use]
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// `1.33`, `v1.33`, `1.33.2` or what `kubectl version` prints of a
    /// server (`v1.33.2+k3s1`, `v1.33.2-eks-1`: the patch level and what
    /// follows it are ignored); `None` for anything else, a major version
    /// other than 1 (Kubernetes has had no other) included.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        fn number(part: &str) -> Option<u32> {
            // `u32::from_str` takes a sign (`+28`): digits only.
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse().ok()).flatten()
        }
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut parts = text.splitn(3, '.');
        let major = number(parts.next()?)?;
        let minor = number(parts.next()?)?;
        if let Some(patch) = parts.next() {
            // Digits, then a build or pre-release suffix (`+k3s1`, `-eks-1`).
            let end = patch
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(patch.len());
            let (digits, rest) = patch.split_at(end);
            number(digits)?;
            if !(rest.is_empty() || rest.starts_with(['+', '-'])) {
                return None;
            }
        }
        (major == 1).then(|| Self::new(major, minor))
    }

    /// Whether the version runs native sidecars.
    #[must_use]
    pub fn has_native_sidecars(self) -> bool {
        self >= Self::NATIVE_SIDECARS
    }
}

impl super::PlanOptions {
    /// Whether the cluster runs native sidecars (unknown: no).
    pub(crate) fn native_sidecars(&self) -> bool {
        self.kube_version
            .is_some_and(KubeVersion::has_native_sidecars)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::KubeVersion;

    #[test]
    fn versions_parse_and_order_as_releases() {
        assert_eq!(KubeVersion::parse("v1.33"), Some(KubeVersion::new(1, 33)));
        assert_eq!(KubeVersion::parse("1.9.2"), Some(KubeVersion::new(1, 9)));
        assert_eq!(KubeVersion::parse("1"), None);
        assert_eq!(KubeVersion::parse("1.x"), None);
        assert_eq!(
            KubeVersion::parse("v1.30.4+k3s1"),
            Some(KubeVersion::new(1, 30))
        );
        for bad in [
            "+1.28", "1.+28", "vv1.28", "1..28", "1.28.", "1.28.x", "2.0", "1.28.3.4",
        ] {
            assert_eq!(KubeVersion::parse(bad), None, "{bad}");
        }
        assert!(KubeVersion::new(1, 9) < KubeVersion::new(1, 29));
        assert!(KubeVersion::new(1, 29).has_native_sidecars());
        assert!(!KubeVersion::new(1, 28).has_native_sidecars());
        assert_eq!(KubeVersion::new(1, 30).to_string(), "1.30");
    }
}
