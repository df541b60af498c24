//! A node's keyspace, indexed by hash slot, keeping Redis 7.0's per-slot key order
//! (`CLUSTER GETKEYSINSLOT` lists the most recently added key first).

use std::collections::HashMap;
use std::sync::Arc;

use crate::keyslot::key_slot;

/// A value and the insertion sequence number of its key.
type Entry = (Box<[u8]>, u64);

/// Keys of one slot: value plus an insertion sequence number for ordering.
#[derive(Clone, Debug, Default)]
pub struct SlotKeys {
    map: HashMap<Box<[u8]>, Entry>,
}

/// All keys of one node. Slots are shared copy-on-write so that snapshots are cheap.
#[derive(Clone, Debug, Default)]
pub struct Keyspace {
    slots: HashMap<u16, Arc<SlotKeys>>,
    len: usize,
    next_seq: u64,
}

impl Keyspace {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the node holds no key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.get_in(key_slot(key), key)
    }

    /// The value of `key` whose slot is already known.
    pub fn get_in(&self, slot: u16, key: &[u8]) -> Option<&[u8]> {
        self.slots
            .get(&slot)
            .and_then(|s| s.map.get(key))
            .map(|(v, _)| &v[..])
    }

    /// True when `key` exists.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`: an existing key keeps its place in the slot's order (Redis's
    /// overwrite), a new key goes first.
    pub fn set(&mut self, key: &[u8], value: &[u8]) {
        let slot = key_slot(key);
        let seq = self.next_seq;
        let keys = Arc::make_mut(self.slots.entry(slot).or_default());
        match keys.map.get_mut(key) {
            Some(entry) => entry.0 = value.into(),
            None => {
                keys.map.insert(key.into(), (value.into(), seq));
                self.next_seq += 1;
                self.len += 1;
            }
        }
    }

    /// Removes `key`; returns its value when it existed.
    pub fn remove(&mut self, key: &[u8]) -> Option<Box<[u8]>> {
        let slot = key_slot(key);
        let keys = self.slots.get_mut(&slot)?;
        if !keys.map.contains_key(key) {
            return None;
        }
        let keys_mut = Arc::make_mut(keys);
        let (value, _) = keys_mut.map.remove(key)?;
        if keys_mut.map.is_empty() {
            self.slots.remove(&slot);
        }
        self.len -= 1;
        Some(value)
    }

    /// Number of keys in `slot`.
    pub fn count_in_slot(&self, slot: u16) -> usize {
        self.slots.get(&slot).map_or(0, |s| s.map.len())
    }

    /// Up to `max` keys of `slot`, most recently added first.
    pub fn keys_in_slot(&self, slot: u16, max: usize) -> Vec<Vec<u8>> {
        let Some(keys) = self.slots.get(&slot) else {
            return Vec::new();
        };
        let mut all: Vec<(&Box<[u8]>, u64)> = keys.map.iter().map(|(k, (_, s))| (k, *s)).collect();
        all.sort_unstable_by_key(|e| std::cmp::Reverse(e.1));
        all.into_iter().take(max).map(|(k, _)| k.to_vec()).collect()
    }

    /// Removes every key of `slot` (what a node does to a slot it lost while holding keys).
    pub fn clear_slot(&mut self, slot: u16) -> usize {
        let n = self.slots.remove(&slot).map_or(0, |s| s.map.len());
        self.len -= n;
        n
    }

    /// Slots that hold at least one key, in ascending order.
    pub fn slots_with_keys(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self.slots.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Every (key, value) pair, by slot then most recent first.
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::with_capacity(self.len);
        for slot in self.slots_with_keys() {
            for key in self.keys_in_slot(slot, usize::MAX) {
                let value = self.get_in(slot, &key).unwrap_or_default().to_vec();
                out.push((key, value));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_and_overwrite_keeps_place() {
        let mut ks = Keyspace::default();
        for k in ["{t}k1", "{t}k2", "{t}k3"] {
            ks.set(k.as_bytes(), b"v");
        }
        ks.set(b"{t}k1", b"w");
        let slot = key_slot(b"{t}k1");
        assert_eq!(
            ks.keys_in_slot(slot, 10),
            vec![b"{t}k3".to_vec(), b"{t}k2".to_vec(), b"{t}k1".to_vec()]
        );
        assert_eq!(ks.get(b"{t}k1"), Some(&b"w"[..]));
        assert_eq!(ks.remove(b"{t}k2").as_deref(), Some(&b"v"[..]));
        assert_eq!(ks.count_in_slot(slot), 2);
        assert_eq!(ks.len(), 2);
    }
}
