//! Every captured topology dump, parsed, survives the trip through its JSON form (what
//! save files store and what the page receives from its tools worker) unchanged, and
//! builds the same cluster.

mod common;

use slotscope_sim::exchange::{topology_from_json, topology_to_json};
use slotscope_sim::resp::Proto;

#[test]
fn every_captured_topology_survives_its_json_form() {
    let mut seen = 0;
    for phase in common::topology_phases() {
        for f in std::fs::read_dir(&phase).unwrap() {
            let f = f.unwrap().path();
            let name = f.display().to_string();
            let pasteable = ["nodes", "shards", "slots"]
                .iter()
                .any(|c| name.contains(&format!(".cluster_{c}.")))
                && (name.ends_with(".resp") || name.ends_with(".txt"));
            if !pasteable {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let t = slotscope_sim::import::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let json = topology_to_json(&t).to_text();
            let back = topology_from_json(&slotscope_sim::json::parse(&json).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(back, t, "{name}");
            let slots = |t: slotscope_sim::import::Topology| {
                let mut c = t.build().unwrap().cluster;
                let conn = c.connect(0);
                c.execute(conn, &slotscope_sim::argv::split("CLUSTER SLOTS"))
                    .encode(Proto::Resp2)
            };
            assert_eq!(slots(back), slots(t), "{name}");
            seen += 1;
        }
    }
    assert!(
        seen >= 50,
        "only {seen} dumps read under {}",
        common::golden_dir().join("topology").display()
    );
}
