//! Key to hash slot: CRC16/XMODEM of the key (or of its hash tag) modulo 16384.

use std::ops::Range;

/// Number of hash slots in a Redis Cluster.
pub const SLOTS: usize = 16384;

/// The byte range of `key` that is hashed: the hash tag when there is a non-empty
/// one (bytes between the first `{` and the first `}` after it), else the whole key.
pub fn hashed_range(key: &[u8]) -> Range<usize> {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
            if len > 0 {
                return open + 1..open + 1 + len;
            }
        }
    }
    0..key.len()
}

/// CRC16/XMODEM (poly 0x1021, init 0, no reflection), as Redis's `crc16()`.
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(bytes)
}

/// The hash slot of a key, as `CLUSTER KEYSLOT` computes it.
pub fn key_slot(key: &[u8]) -> u16 {
    crc16(&key[hashed_range(key)]) & 0x3FFF
}

/// Everything a person may want to see about a key's slot computation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    /// CRC16 of the hashed part.
    pub crc16: u16,
    /// The hash slot, `crc16 mod 16384`.
    pub slot: u16,
    /// Byte range of the hash tag inside the key, when a tag is used.
    pub tag: Option<Range<usize>>,
}

/// Computes the slot of `key` and reports how it was found.
pub fn analyze(key: &[u8]) -> SlotInfo {
    let range = hashed_range(key);
    let tag = (range.len() != key.len()).then(|| range.clone());
    let crc16 = crc16(&key[range]);
    SlotInfo {
        crc16,
        slot: crc16 & 0x3FFF,
        tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_and_tags() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b""), 0);
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_eq!(hashed_range(b"foo{{bar}}zap"), 4..8);
        assert_eq!(hashed_range(b"foo{}{bar}"), 0..10);
        assert_eq!(analyze(b"user:{42}:cart").tag, Some(6..8));
        assert_eq!(analyze(b"user:100").tag, None);
    }
}
