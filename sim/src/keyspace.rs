//! A node's keyspace, indexed by hash slot, keeping Redis 7.0's per-slot key order
//! (`CLUSTER GETKEYSINSLOT` lists the most recently added key first).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::keyslot::key_slot;

/// A byte string stored inline when it is short (most keys and values are), so that a
/// lookup finds key and value in the hash table's own memory instead of following two more
/// pointers; longer strings live on the heap.
#[derive(Clone)]
enum Bytes {
    Inline(u8, [u8; INLINE]),
    Heap(Box<[u8]>),
}

/// Longest string kept inline: the enum stays 24 bytes.
const INLINE: usize = 22;

impl Bytes {
    fn new(b: &[u8]) -> Bytes {
        if b.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..b.len()].copy_from_slice(b);
            Bytes::Inline(b.len() as u8, buf)
        } else {
            Bytes::Heap(b.into())
        }
    }

    #[inline(always)]
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline(len, buf) => &buf[..*len as usize],
            Bytes::Heap(b) => b,
        }
    }

    /// Replaces the content, reusing the storage when the length is unchanged.
    fn assign(&mut self, b: &[u8]) {
        match self {
            Bytes::Inline(len, buf) if b.len() <= INLINE => {
                buf[..b.len()].copy_from_slice(b);
                *len = b.len() as u8;
            }
            Bytes::Heap(h) if h.len() == b.len() => h.copy_from_slice(b),
            _ => *self = Bytes::new(b),
        }
    }

    fn into_boxed(self) -> Box<[u8]> {
        match self {
            Bytes::Inline(..) => self.as_slice().into(),
            Bytes::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

/// A fast, non-cryptographic hasher (the multiply-rotate scheme of rustc's FxHasher). The
/// simulator hashes its own keys, so SipHash's flooding resistance buys nothing and costs
/// a third of a GET.
#[derive(Clone, Copy, Default)]
struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(n as u64);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// One key of a slot, with its value and insertion sequence number, filling exactly one
/// cache line so that a lookup reads one line.
#[derive(Clone, Debug)]
#[repr(align(64))]
struct Item {
    /// High bits of the key's hash: compared before the key, and gives its home position.
    hash: u32,
    key: Bytes,
    value: Bytes,
    seq: u64,
}

/// Keys of one slot: an open-addressing table (linear probing) in a single allocation that
/// snapshots share and a write copies (so cloning a keyspace costs one pointer per slot).
#[derive(Clone, Debug)]
pub struct SlotKeys {
    items: Arc<[Option<Item>]>,
    len: usize,
}

#[inline(always)]
fn hash_key(key: &[u8]) -> u32 {
    let mut h = FastHasher::default();
    h.write(key);
    (h.finish() >> 32) as u32
}

impl SlotKeys {
    fn with_capacity(cap: usize) -> SlotKeys {
        SlotKeys {
            items: (0..cap).map(|_| None).collect(),
            len: 0,
        }
    }

    fn mask(&self) -> usize {
        self.items.len() - 1
    }

    /// `Ok(position)` of `key`, or `Err(position)` of the free place where it would go.
    #[inline(always)]
    fn find(&self, hash: u32, key: &[u8]) -> Result<usize, usize> {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        loop {
            match &self.items[i] {
                None => return Err(i),
                Some(item) if item.hash == hash && item.key.as_slice() == key => return Ok(i),
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    #[inline(always)]
    fn get(&self, hash: u32, key: &[u8]) -> Option<&Item> {
        let i = self.find(hash, key).ok()?;
        self.items[i].as_ref()
    }

    /// The table, copied first when a snapshot shares it.
    fn items_mut(&mut self) -> &mut [Option<Item>] {
        Arc::make_mut(&mut self.items)
    }

    /// Adds a key that is not present (the table keeps at most 3/4 of its places used).
    fn insert_new(&mut self, item: Item) {
        if (self.len + 1) * 4 > self.items.len() * 3 {
            let mut bigger = SlotKeys::with_capacity(self.items.len() * 2);
            for old in self.items.iter().flatten() {
                bigger.insert_new(old.clone());
            }
            *self = bigger;
        }
        let Err(i) = self.find(item.hash, item.key.as_slice()) else {
            unreachable!("insert_new of a present key");
        };
        self.items_mut()[i] = Some(item);
        self.len += 1;
    }

    /// Removes a key, shifting later entries of its probe run back (no tombstones).
    fn remove(&mut self, hash: u32, key: &[u8]) -> Option<Item> {
        let mut hole = self.find(hash, key).ok()?;
        let mask = self.mask();
        let items = self.items_mut();
        let removed = items[hole].take();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let Some(item) = &items[j] else { break };
            let home = item.hash as usize & mask;
            // The entry may fill the hole when the hole lies on its probe path.
            if hole.wrapping_sub(home) & mask < j.wrapping_sub(home) & mask {
                items[hole] = items[j].take();
                hole = j;
            }
        }
        self.len -= 1;
        removed
    }
}

/// All keys of one node. Slots are shared copy-on-write so that snapshots are cheap.
#[derive(Clone, Debug, Default)]
pub struct Keyspace {
    slots: FastMap<u16, SlotKeys>,
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
    #[inline]
    pub fn get_in(&self, slot: u16, key: &[u8]) -> Option<&[u8]> {
        self.slots
            .get(&slot)
            .and_then(|s| s.get(hash_key(key), key))
            .map(|item| item.value.as_slice())
    }

    /// True when `key` exists.
    pub fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// True when `key`, whose slot is already known, exists.
    pub fn contains_in(&self, slot: u16, key: &[u8]) -> bool {
        self.get_in(slot, key).is_some()
    }

    /// Sets `key`: an existing key keeps its place in the slot's order (Redis's
    /// overwrite), a new key goes first.
    pub fn set(&mut self, key: &[u8], value: &[u8]) {
        self.set_in(key_slot(key), key, value)
    }

    /// Sets `key` whose slot is already known (see [`Keyspace::set`]).
    pub fn set_in(&mut self, slot: u16, key: &[u8], value: &[u8]) {
        self.set_in_if(slot, key, value, |_| true);
    }

    /// Looks `key` (whose slot is known) up once and stores `value` when `decide`, given
    /// the current value, says so; returns what `decide` returned. SET with NX, XX or GET
    /// needs the old value and may write: one lookup instead of two.
    pub(crate) fn set_in_if(
        &mut self,
        slot: u16,
        key: &[u8],
        value: &[u8],
        decide: impl FnOnce(Option<&[u8]>) -> bool,
    ) -> bool {
        let hash = hash_key(key);
        let found = match self.slots.get_mut(&slot) {
            Some(keys) => match keys.find(hash, key) {
                Ok(i) => Some((keys, i)),
                Err(_) => None,
            },
            None => None,
        };
        match found {
            Some((keys, i)) => {
                let old = keys.items[i].as_ref().map(|item| item.value.as_slice());
                if !decide(old) {
                    return false;
                }
                if let Some(item) = &mut keys.items_mut()[i] {
                    item.value.assign(value);
                }
            }
            None => {
                if !decide(None) {
                    return false;
                }
                let keys = self
                    .slots
                    .entry(slot)
                    .or_insert_with(|| SlotKeys::with_capacity(4));
                keys.insert_new(Item {
                    hash,
                    key: Bytes::new(key),
                    value: Bytes::new(value),
                    seq: self.next_seq,
                });
                self.next_seq += 1;
                self.len += 1;
            }
        }
        true
    }

    /// Removes `key`; returns its value when it existed.
    pub fn remove(&mut self, key: &[u8]) -> Option<Box<[u8]>> {
        self.take_in(key_slot(key), key).map(Bytes::into_boxed)
    }

    /// Removes `key` whose slot is already known; returns true when it existed.
    pub fn remove_in(&mut self, slot: u16, key: &[u8]) -> bool {
        self.take_in(slot, key).is_some()
    }

    fn take_in(&mut self, slot: u16, key: &[u8]) -> Option<Bytes> {
        let keys = self.slots.get_mut(&slot)?;
        let item = keys.remove(hash_key(key), key)?;
        if keys.len == 0 {
            self.slots.remove(&slot);
        }
        self.len -= 1;
        Some(item.value)
    }

    /// Number of keys in `slot`.
    pub fn count_in_slot(&self, slot: u16) -> usize {
        self.slots.get(&slot).map_or(0, |s| s.len)
    }

    /// Up to `max` keys of `slot`, most recently added first.
    pub fn keys_in_slot(&self, slot: u16, max: usize) -> Vec<Vec<u8>> {
        let Some(keys) = self.slots.get(&slot) else {
            return Vec::new();
        };
        let items: Vec<&Item> = keys.items.iter().flatten().collect();
        // Newest first: sort (inverted sequence number, index) packed in one u64, the
        // same sort as `slots_with_keys` ([`sort_u64`]).
        // Sequence numbers stay far below 2^40 and a slot's items below 2^24.
        let mut order: Vec<u64> = items
            .iter()
            .enumerate()
            .map(|(i, item)| ((!item.seq & ((1 << 40) - 1)) << 24) | i as u64)
            .collect();
        sort_u64(&mut order);
        order
            .into_iter()
            .take(max)
            .map(|o| items[(o & 0xFF_FFFF) as usize].key.as_slice().to_vec())
            .collect()
    }

    /// Removes every key of `slot` (what a node does to a slot it lost while holding keys).
    pub fn clear_slot(&mut self, slot: u16) -> usize {
        let n = self.slots.remove(&slot).map_or(0, |s| s.len);
        self.len -= n;
        n
    }

    /// Slots that hold at least one key, in ascending order.
    pub fn slots_with_keys(&self) -> Vec<u16> {
        let mut v: Vec<u64> = self.slots.keys().map(|&s| s as u64).collect();
        sort_u64(&mut v);
        v.into_iter().map(|s| s as u16).collect()
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

/// Sorts ascending (a heapsort). The keys sorted here are distinct, so stability does
/// not matter; this costs a few hundred bytes of WebAssembly where the standard library's
/// sort costs kilobytes.
fn sort_u64(v: &mut [u64]) {
    fn sift_down(v: &mut [u64], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift_down(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_u64_sorts_like_the_standard_library() {
        let mut x = 1u64;
        for n in [0, 1, 2, 3, 10, 257, 1000] {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 500
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_u64(&mut v);
            assert_eq!(v, expected);
        }
    }

    #[test]
    fn table_agrees_with_a_model_and_snapshots_stay_independent() {
        use std::collections::BTreeMap;
        let mut ks = Keyspace::default();
        let mut model = BTreeMap::new();
        type Model = BTreeMap<Vec<u8>, Vec<u8>>;
        let mut snapshots: Vec<(Keyspace, Model)> = Vec::new();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for step in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Few slots, many keys per slot (growth, long probe runs), some long keys/values.
            let key = if x.is_multiple_of(7) {
                format!("{{t{}}}:a-rather-long-key-name-{}", x % 3, (x >> 8) % 300)
            } else {
                format!("{{t{}}}:{}", x % 3, (x >> 8) % 300)
            }
            .into_bytes();
            let value = if x.is_multiple_of(5) {
                vec![b'v'; (x >> 20) as usize % 40]
            } else {
                format!("{step}").into_bytes()
            };
            if (x >> 32).is_multiple_of(3) {
                assert_eq!(
                    ks.remove(&key).map(|b| b.to_vec()),
                    model.remove(&key),
                    "remove {key:?}"
                );
            } else {
                ks.set(&key, &value);
                model.insert(key, value);
            }
            if step % 2_000 == 0 {
                snapshots.push((ks.clone(), model.clone()));
            }
        }
        snapshots.push((ks, model));
        for (ks, model) in &snapshots {
            assert_eq!(ks.len(), model.len());
            let mut all = ks.entries();
            all.sort();
            let expected: Vec<(Vec<u8>, Vec<u8>)> =
                model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            assert_eq!(all, expected);
            for (k, v) in model {
                assert_eq!(ks.get(k), Some(&v[..]));
            }
            let per_slot: usize = ks
                .slots_with_keys()
                .iter()
                .map(|&s| ks.count_in_slot(s))
                .sum();
            assert_eq!(per_slot, model.len());
        }
    }

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
