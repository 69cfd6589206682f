//! Why a Helm chart could not be made: a file that could not be
//! serialised, or an object without the shape podlift renders (a bug of
//! podlift's: the chart is made from its own objects).

use thiserror::Error;

/// Why a Helm chart could not be made.
#[derive(Debug, Error)]
pub enum HelmError {
    /// A file or piece of the chart could not be written as YAML
    /// (`what`: `values`, `Chart.yaml`, `Deployment as YAML`, …).
    #[error("cannot write {what}: {source}")]
    Yaml {
        /// What was being written.
        what: String,
        /// The serializer's reason.
        source: crate::yaml_writer::Error,
    },
    /// An object or the values' schema could not go through JSON
    /// (`what`: `serialise`, `read back`, `write values.schema.json`).
    #[error("cannot {what}: {source}")]
    Json {
        /// What was being done.
        what: &'static str,
        /// The serializer's reason.
        source: serde_json::Error,
    },
    /// An object's labels (or selector) are not a mapping.
    #[error("labels are not a mapping")]
    LabelsNotMapping,
    /// An object has no mapping at this key path.
    #[error("no mapping at `{0}`")]
    NoMapping(String),
    /// A claim without `resources.requests.storage`.
    #[error("claim `{0}` has no storage request")]
    NoStorageRequest(String),
    /// A container of this workload is not a mapping.
    #[error("a container of `{0}` is not a mapping")]
    ContainerNotMapping(String),
    /// A container's image is not a string.
    #[error("the image of container `{0}` is not a string")]
    ImageNotString(String),
    /// A template line holds a value marker that cannot be replaced.
    #[error("cannot place a value in the template line `{0}`")]
    Unplaceable(String),
    /// A key made conditional does not stand alone on its line.
    #[error("cannot make `{key}` optional in `{before}`")]
    NotOptional {
        /// The key.
        key: String,
        /// What comes before its value on the line.
        before: String,
    },
    /// Every marker a template could use for its values occurs in the objects.
    #[error("cannot choose a template marker")]
    NoMarker,
    /// A Secret is not a mapping.
    #[error("a Secret is not a mapping")]
    SecretNotMapping,
    /// A container without a name.
    #[error("a container has no name")]
    ContainerWithoutName,
    /// A Secret reference in a template line that is no `name:`.
    #[error("cannot name a Secret in the template line `{0}`")]
    SecretName(String),
}

impl HelmError {
    pub(super) fn yaml(what: impl Into<String>) -> impl FnOnce(crate::yaml_writer::Error) -> Self {
        let what = what.into();
        move |source| Self::Yaml { what, source }
    }

    pub(super) const fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| Self::Json { what, source }
    }
}
