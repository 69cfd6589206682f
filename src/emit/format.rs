//! The output format, emit's own choice (the command line maps `--format`
//! onto it).

/// How manifests are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// A YAML stream (or one YAML file per object in a directory).
    #[default]
    Yaml,
    /// A Kubernetes `List` in JSON (or one JSON file per object in a directory).
    Json,
    /// A Kustomize base (a directory).
    Kustomize,
    /// A Helm chart (a directory).
    Helm,
}
