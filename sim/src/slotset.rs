//! Small slot collections that keep the web app's download small (a B-tree per
//! key/value type costs kilobytes of code): a sorted map from slot to node and a
//! bitset of slots.

use crate::cluster::NodeIdx;

/// A map from slot to node, sorted by slot (migration states hold a few entries).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotMap {
    entries: Vec<(u16, NodeIdx)>,
}

impl SlotMap {
    /// An empty map.
    pub fn new() -> SlotMap {
        SlotMap::default()
    }

    fn find(&self, slot: u16) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&slot, |e| e.0)
    }

    /// The node for `slot`.
    pub fn get(&self, slot: &u16) -> Option<&NodeIdx> {
        self.find(*slot).ok().map(|i| &self.entries[i].1)
    }

    /// True when `slot` has an entry.
    pub fn contains_key(&self, slot: &u16) -> bool {
        self.find(*slot).is_ok()
    }

    /// Sets the node of `slot`; returns the previous one.
    pub fn insert(&mut self, slot: u16, node: NodeIdx) -> Option<NodeIdx> {
        match self.find(slot) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, node)),
            Err(i) => {
                self.entries.insert(i, (slot, node));
                None
            }
        }
    }

    /// Removes `slot`'s entry; returns its node.
    pub fn remove(&mut self, slot: &u16) -> Option<NodeIdx> {
        self.find(*slot).ok().map(|i| self.entries.remove(i).1)
    }

    /// Entries by ascending slot.
    pub fn iter(&self) -> impl Iterator<Item = (&u16, &NodeIdx)> {
        self.entries.iter().map(|(s, n)| (s, n))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&u16, &mut NodeIdx) -> bool) {
        self.entries.retain_mut(|(s, n)| keep(s, n));
    }
}

impl std::ops::Index<&u16> for SlotMap {
    type Output = NodeIdx;
    fn index(&self, slot: &u16) -> &NodeIdx {
        self.get(slot).expect("slot present in SlotMap")
    }
}

/// A set of slots as a bitset, allocated on first insert.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotSet {
    bits: Vec<u64>,
}

const WORDS: usize = crate::keyslot::SLOTS / 64;

impl SlotSet {
    /// An empty set.
    pub fn new() -> SlotSet {
        SlotSet::default()
    }

    /// Adds `slot`; true when it was not there.
    pub fn insert(&mut self, slot: u16) -> bool {
        if self.bits.is_empty() {
            self.bits = vec![0; WORDS];
        }
        let (w, b) = (slot as usize / 64, slot % 64);
        let was = self.bits[w] >> b & 1 == 1;
        self.bits[w] |= 1 << b;
        !was
    }

    /// Removes `slot`; true when it was there.
    pub fn remove(&mut self, slot: &u16) -> bool {
        let (w, b) = (*slot as usize / 64, *slot % 64);
        match self.bits.get_mut(w) {
            Some(word) if *word >> b & 1 == 1 => {
                *word &= !(1 << b);
                true
            }
            _ => false,
        }
    }

    /// True when `slot` is in the set.
    pub fn contains(&self, slot: &u16) -> bool {
        self.bits
            .get(*slot as usize / 64)
            .is_some_and(|w| w >> (slot % 64) & 1 == 1)
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.bits.clear();
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// Slots by ascending number.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            (0..64u16)
                .filter(move |b| word >> b & 1 == 1)
                .map(move |b| w as u16 * 64 + b)
        })
    }
}

impl Extend<u16> for SlotSet {
    fn extend<I: IntoIterator<Item = u16>>(&mut self, iter: I) {
        for s in iter {
            self.insert(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_and_set_behave_like_ordered_collections() {
        let mut m = SlotMap::new();
        assert_eq!(m.insert(9, 1), None);
        assert_eq!(m.insert(3, 2), None);
        assert_eq!(m.insert(9, 4), Some(1));
        assert_eq!(
            m.iter().map(|(s, n)| (*s, *n)).collect::<Vec<_>>(),
            vec![(3, 2), (9, 4)]
        );
        assert_eq!(m[&3], 2);
        assert_eq!(m.remove(&3), Some(2));
        assert!(!m.contains_key(&3));
        let mut s = SlotSet::new();
        assert!(s.is_empty());
        s.extend([16383, 0, 64, 64]);
        assert!(s.contains(&64) && !s.contains(&65));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 64, 16383]);
        assert!(s.remove(&0) && !s.remove(&0));
        s.clear();
        assert!(s.is_empty() && !s.contains(&64));
    }
}
