//! All 227 keys of the golden `keyslots.jsonl` hash to the slot real Redis reported.

mod common;

use slotscope_sim::keyslot::{analyze, key_slot};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_golden_key_matches_redis() {
    let rows = common::jsonl("keyslots.jsonl");
    assert_eq!(rows.len(), 227, "the capture holds 227 keys");
    let mut long_key_seen = false;
    for row in &rows {
        let key = hex(row["key_hex"].as_str().unwrap());
        long_key_seen |= key.len() >= 10_000;
        let info = analyze(&key);
        assert_eq!(
            info.slot as i64,
            row["slot"].as_i64().unwrap(),
            "slot of {:?}",
            row["key"]
        );
        assert_eq!(key_slot(&key), info.slot);
        assert_eq!(
            info.crc16 as i64,
            row["crc16"].as_i64().unwrap(),
            "crc16 of {:?}",
            row["key"]
        );
        assert_eq!(
            info.tag.is_some(),
            row["hash_tag_used"].as_bool().unwrap(),
            "tag of {:?}",
            row["key"]
        );
        let hashed = match &info.tag {
            Some(r) => key[r.clone()].to_vec(),
            None => key.clone(),
        };
        assert_eq!(
            hashed,
            hex(row["hashed_part_hex"].as_str().unwrap()),
            "hashed part of {:?}",
            row["key"]
        );
    }
    assert!(
        long_key_seen,
        "the 10,000-character key is part of the capture"
    );
}
