//! Key to hash slot: CRC16/XMODEM of the key (or of its hash tag) modulo 16384.

use std::ops::Range;

/// Number of hash slots in a Redis Cluster.
pub const SLOTS: usize = 16384;

/// The byte range of `key` that is hashed: the hash tag when there is a non-empty
/// one (bytes between the first `{` and the first `}` after it), else the whole key.
pub fn hashed_range(key: &[u8]) -> Range<usize> {
    if let Some(open) = find_byte(key, b'{') {
        if let Some(len) = find_byte(&key[open + 1..], b'}') {
            if len > 0 {
                return open + 1..open + 1 + len;
            }
        }
    }
    0..key.len()
}

/// Position of the first `needle` in `hay`, eight bytes at a time (most keys have no
/// hash tag, so the search usually runs to the end).
fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * needle as u64;
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let x = word(c) ^ pattern;
        // Exact for the lowest matching byte, which is all that is needed.
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|p| base + p)
}

/// CRC16/XMODEM (poly 0x1021, init 0, no reflection), as Redis's `crc16()`, from the
/// `crc16` crate (a 512-byte table). Without the `crc-table` feature (the web page, where
/// those bytes count and keys are few) it is [`crc16_bitwise`].
#[cfg(feature = "crc-table")]
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(bytes)
}

/// CRC16/XMODEM without the table (see [`crc16_bitwise`]).
#[cfg(not(feature = "crc-table"))]
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16_bitwise(bytes)
}

/// CRC16/XMODEM one bit at a time: no table, eight shifts per byte. A property test
/// checks that it equals the `crc16` crate's result.
pub fn crc16_bitwise(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The hash slot of a key, as `CLUSTER KEYSLOT` computes it.
pub fn key_slot(key: &[u8]) -> u16 {
    crc16(&key[hashed_range(key)]) & 0x3FFF
}

/// The first eight bytes of `c` as a little-endian word (one load).
#[inline(always)]
fn word(c: &[u8]) -> u64 {
    match <&[u8; 8]>::try_from(c) {
        Ok(a) => u64::from_le_bytes(*a),
        Err(_) => 0,
    }
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
    fn byte_search_finds_the_first_occurrence() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..64 {
            for _ in 0..50 {
                let hay: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        [b'{', b'}', b'a', 0x7b ^ 0x80, 0x00, 0xff][(x % 6) as usize]
                    })
                    .collect();
                for needle in [b'{', b'}'] {
                    assert_eq!(
                        find_byte(&hay, needle),
                        hay.iter().position(|&b| b == needle),
                        "{hay:?}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn bitwise_crc_equals_the_crate(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            proptest::prop_assert_eq!(
                crc16_bitwise(&bytes),
                crc16::State::<crc16::XMODEM>::calculate(&bytes)
            );
        }
    }

    #[test]
    fn check_value_and_tags() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16_bitwise(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b""), 0);
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_eq!(hashed_range(b"foo{{bar}}zap"), 4..8);
        assert_eq!(hashed_range(b"foo{}{bar}"), 0..10);
        assert_eq!(analyze(b"user:{42}:cart").tag, Some(6..8));
        assert_eq!(analyze(b"user:100").tag, None);
    }
}
