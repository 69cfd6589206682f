//! [`Distinct`]: which keys were seen, for the few keys of one container.

use foldhash::HashSet;
use std::hash::Hash;

/// Up to this many keys a list is searched; past it a set is kept, so that
/// many keys (a port range `1-65535`) stay linear.
const FEW: usize = 16;

/// The keys seen so far: a short list on the stack, a set once there are
/// many. A container's ports are a handful; a set (or a list on the heap)
/// would allocate for them, and the set hash them too.
pub(crate) struct Distinct<T> {
    few: [Option<T>; FEW],
    count: usize,
    many: Option<HashSet<T>>,
}

impl<T: Copy + Eq + Hash> Distinct<T> {
    pub(crate) fn new() -> Self {
        Self {
            few: [None; FEW],
            count: 0,
            many: None,
        }
    }

    /// Records `key`; whether it is new.
    pub(crate) fn insert(&mut self, key: T) -> bool {
        if let Some(many) = &mut self.many {
            return many.insert(key);
        }
        if self.few.iter().take(self.count).any(|k| *k == Some(key)) {
            return false;
        }
        match self.few.get_mut(self.count) {
            Some(slot) => {
                *slot = Some(key);
                self.count += 1;
            }
            None => {
                let mut many: HashSet<T> = self.few.iter().flatten().copied().collect();
                many.insert(key);
                self.many = Some(many);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Distinct;

    /// The list and the set say what one set always said.
    #[test]
    fn new_keys_are_those_a_set_finds_new() {
        for count in [0u16, 1, 15, 16, 17, 40, 300] {
            let mut distinct = Distinct::new();
            let mut set = std::collections::HashSet::new();
            for i in 0..count {
                let key = ((i * 7) % 23, i % 3);
                assert_eq!(distinct.insert(key), set.insert(key), "{count} {key:?}");
            }
        }
    }
}
