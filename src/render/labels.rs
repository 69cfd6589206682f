//! Label and annotation keys podlift writes.

/// The application's name (recommended label).
pub const NAME: &str = "app.kubernetes.io/name";
/// The tool that manages the object (recommended label).
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Value of [`MANAGED_BY`].
pub const MANAGER: &str = "podlift";
/// Annotation on a container: the compose service it comes from.
pub const SERVICE_ANNOTATION_PREFIX: &str = "podlift.io/service.";
/// Annotation on the Pod: the preset addresses on its loopback.
pub const LOOPBACK_ANNOTATION: &str = "podlift.io/loopback-addresses";
/// Pod Security admission: the level a namespace enforces.
pub const POD_SECURITY_ENFORCE: &str = "pod-security.kubernetes.io/enforce";
/// Annotation on a NetworkPolicy: the compose networks it reproduces.
pub const NETWORKS_ANNOTATION: &str = "podlift.io/compose-networks";
/// Starts the label that puts a Pod on a compose network (the split
/// strategy's NetworkPolicies select Pods by it).
pub(crate) const NETWORK_LABEL_PREFIX: &str = "podlift.io/network.";

#[cfg(test)]
mod tests {
    #[test]
    fn network_labels_start_with_the_prefix() {
        let key = crate::plan::network_policy::label_key("back");
        assert!(key.starts_with(super::NETWORK_LABEL_PREFIX), "{key}");
    }
}
