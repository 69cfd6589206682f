//! Mapping keys while the tree is built: when two are the same, and the
//! index a large mapping finds them by.

use std::hash::{BuildHasher as _, Hash, Hasher};

use super::super::{Node, Value};

/// Two keys are the same when they read the same: compose keys are text, so
/// `true` and `"true"` are one key (later stages compare keys by text), while
/// a list or mapping as a key equals only the same list or mapping.
pub(super) fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_key(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same_key(k1, k2) && same_key(v1, v2))
        }
        (Value::Seq(_) | Value::Map(_) | Value::Null, _)
        | (_, Value::Seq(_) | Value::Map(_) | Value::Null) => false,
        (x, y) => key_text(x) == key_text(y),
    }
}

/// The text of a key that is a string, a number or a boolean, `None` for
/// null and collections: two such keys are the same ([`same_key`]) when
/// their texts are.
#[inline]
pub(super) const fn scalar_key(key: &Node) -> Option<&str> {
    match &key.value {
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
        value => Some(key_text(value)),
    }
}

/// A scalar key's text, without a copy.
const fn key_text(value: &Value) -> &str {
    match value {
        Value::String(s) | Value::Number(s) => s.as_str(),
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::Null | Value::Seq(_) | Value::Map(_) => "",
    }
}

/// A large mapping's keys by their hash, which equal keys (by [`same_key`])
/// share, with the seed of that hash: each mapping draws its own, so no
/// file can be written to make keys collide.
pub(super) struct KeyIndex {
    pub(super) state: foldhash::fast::RandomState,
    pub(super) at: foldhash::HashMap<u64, usize>,
}

impl KeyIndex {
    pub(super) fn hash(&self, key: &Node) -> u64 {
        let mut hasher = self.state.build_hasher();
        feed(key, &mut hasher);
        hasher.finish()
    }
}

/// Feeds `key` to `hasher` as [`same_key`] reads it: a list or mapping item
/// by item, not as it prints (`[~]` and `["~"]` print alike but differ, and
/// a file of such keys made every key of a mapping take one hash).
fn feed(key: &Node, hasher: &mut impl Hasher) {
    match &key.value {
        Value::Seq(items) => {
            (1u8, items.len()).hash(hasher);
            for item in items {
                feed(item, hasher);
            }
        }
        Value::Map(entries) => {
            (3u8, entries.len()).hash(hasher);
            for (k, v) in entries {
                feed(k, hasher);
                feed(v, hasher);
            }
        }
        Value::Null => 2u8.hash(hasher),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            (0u8, key_text(&key.value)).hash(hasher);
        }
    }
}
