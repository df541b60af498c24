//! Shared helpers for tests that read the golden capture of a real Redis 7.0 cluster.

#![allow(dead_code)]

use serde_json::Value;

mod golden;
#[allow(unused_imports)] // each test binary uses some of them
pub use golden::{golden_dir, topology_phases};

/// Every line of a JSONL file of the golden capture.
pub fn jsonl(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(golden_dir().join(name)).expect("read golden file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("golden line is JSON"))
        .collect()
}

/// The golden run's real node ids and their 40-character placeholders.
pub fn id_placeholders() -> Vec<(String, String)> {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(golden_dir().join("meta.json")).unwrap())
            .unwrap();
    let ids = meta["P2_node_ids"].as_object().unwrap();
    let ph = meta["P2_node_id_placeholders"].as_object().unwrap();
    ids.iter()
        .map(|(port, id)| {
            (
                id.as_str().unwrap().to_string(),
                ph[port].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Replaces the golden run's real node ids by their placeholders.
pub fn templated(text: &str) -> String {
    let mut out = text.to_string();
    for (id, ph) in id_placeholders() {
        out = out.replace(&id, &ph);
    }
    out
}

/// An argv from a JSON array of strings.
pub fn argv_of(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .expect("command array")
        .iter()
        .map(|a| templated(a.as_str().expect("string arg")).into_bytes())
        .collect()
}
