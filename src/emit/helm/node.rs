//! An ordered YAML/JSON tree of an object.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::error::HelmError;

/// A YAML/JSON tree that keeps the order of keys (the objects' field order
/// reads best, `apiVersion` and `kind` first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(IndexMap<String, Node>),
}

impl Node {
    pub(super) fn of<T: Serialize>(value: &T) -> Result<Self, HelmError> {
        let json = serde_json::to_string(value).map_err(HelmError::json("serialise"))?;
        serde_json::from_str(&json).map_err(HelmError::json("read back"))
    }

    pub(super) fn map() -> Self {
        Self::Map(IndexMap::new())
    }

    pub(super) fn str(value: impl Into<String>) -> Self {
        Self::Str(value.into())
    }

    pub(super) fn as_map_mut(&mut self) -> Option<&mut IndexMap<String, Self>> {
        match self {
            Self::Map(map) => Some(map),
            _ => None,
        }
    }

    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The node at `path` (map keys), if every step exists.
    pub(super) fn at_mut(&mut self, path: &[&str]) -> Option<&mut Self> {
        path.iter()
            .try_fold(self, |node, key| node.as_map_mut()?.get_mut(*key))
    }

    /// The map at `path`.
    pub(super) fn map_at(
        &mut self,
        path: &[&str],
    ) -> Result<&mut IndexMap<String, Self>, HelmError> {
        self.at_mut(path)
            .and_then(Self::as_map_mut)
            .ok_or_else(|| HelmError::NoMapping(path.join(".")))
    }
}
