//! A mapping with a closed set of keys, and how a key's shape is found.

use std::sync::OnceLock;

use super::Shape;

/// Objects with up to this many keys find a key by a search; larger ones
/// (a service has over a hundred) by an index built on first use.
const LINEAR_KEYS: usize = 12;

/// A mapping with a closed set of keys.
pub(crate) struct Object {
    /// How messages name the mapping (`service`, `` `deploy` ``).
    pub(super) what: &'static str,
    /// Its keys, each with the shape of its value.
    pub(super) keys: &'static [(&'static str, Shape)],
    /// Whether `x-…` keys are allowed.
    pub(super) extensions: bool,
    /// The position of each key in `keys`, for an object of more than
    /// [`LINEAR_KEYS`] keys.
    index: OnceLock<foldhash::HashMap<&'static str, usize>>,
}

pub(super) const fn keys(
    what: &'static str,
    keys: &'static [(&'static str, Shape)],
    extensions: bool,
) -> Object {
    Object {
        what,
        keys,
        extensions,
        index: OnceLock::new(),
    }
}

impl Object {
    /// The shape of the value of key `name`, `None` for a key the object
    /// does not take.
    pub(super) fn shape(&self, name: &str) -> Option<&'static Shape> {
        let keys = self.keys;
        if keys.len() <= LINEAR_KEYS {
            return keys.iter().find(|(k, _)| *k == name).map(|(_, s)| s);
        }
        let index = self.index.get_or_init(|| {
            // the first of a key written twice wins, as in a search
            let mut index = foldhash::HashMap::default();
            for (at, (key, _)) in keys.iter().enumerate() {
                index.entry(*key).or_insert(at);
            }
            index
        });
        index.get(name).and_then(|&at| keys.get(at)).map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::super::TOP_LEVEL;
    use super::super::service::SERVICE;

    /// The index finds every key the search finds, and no other.
    #[test]
    fn the_index_finds_what_the_search_finds() {
        for object in [&TOP_LEVEL, &SERVICE] {
            for (key, shape) in object.keys {
                assert!(std::ptr::eq(object.shape(key).unwrap(), shape), "{key}");
            }
            for other in ["", "x-a", "imagee", "Image", "servic"] {
                assert!(object.shape(other).is_none(), "{other}");
            }
        }
    }
}
