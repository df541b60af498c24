//! Every captured topology dump (CLUSTER NODES, SHARDS and SLOTS; redis-cli's default
//! output, its --no-raw output and raw RESP) loads, and the loaded cluster answers
//! CLUSTER SLOTS exactly as the real node did. Loaded from CLUSTER NODES, it also
//! answers CLUSTER SHARDS exactly and CLUSTER NODES field by field.

mod common;

use slotscope_sim::argv::split;
use slotscope_sim::import::{import, Source};
use slotscope_sim::resp::Proto;

fn nodes_fields(raw: &str) -> Vec<Vec<String>> {
    let body = raw.split_once("\r\n").map(|x| x.1).unwrap_or(raw);
    body.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(' ')
                .enumerate()
                .filter(|(i, _)| *i != 4 && *i != 5)
                .map(|(_, f)| f.to_string())
                .collect()
        })
        .collect()
}

#[test]
fn every_captured_dump_loads_and_answers_cluster_slots_like_the_real_node() {
    let mut loaded = 0;
    for phase in &common::topology_phases() {
        for port in [7000u16, 7001, 7002] {
            let expected_slots =
                std::fs::read_to_string(phase.join(format!("{port}.cluster_slots.resp"))).unwrap();
            for (cmd, source) in [
                ("nodes", Source::Nodes),
                ("shards", Source::Shards),
                ("slots", Source::Slots),
            ] {
                for suffix in ["resp", "redis-cli.txt", "redis-cli-no-raw.txt"] {
                    let path = phase.join(format!("{port}.cluster_{cmd}.{suffix}"));
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    let what = path.display().to_string();
                    let imported = import(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(imported.source, source, "{what}");
                    assert!(imported.unused.is_empty(), "{what}: {:?}", imported.unused);
                    let mut c = imported.cluster;
                    let me = c
                        .node_by_addr(b"127.0.0.1", port.to_string().as_bytes())
                        .expect("the dumping node is in the topology");
                    if source == Source::Nodes {
                        assert_eq!(imported.myself, Some(me), "{what}: myself");
                    }
                    let conn = c.connect(me);
                    let got = c
                        .execute(conn, &split("CLUSTER SLOTS"))
                        .encode(Proto::Resp2);
                    assert_eq!(
                        String::from_utf8(got).unwrap(),
                        expected_slots,
                        "{what}: CLUSTER SLOTS"
                    );
                    if source == Source::Nodes {
                        let shards = std::fs::read_to_string(
                            phase.join(format!("{port}.cluster_shards.resp")),
                        )
                        .unwrap();
                        let got = c
                            .execute(conn, &split("CLUSTER SHARDS"))
                            .encode(Proto::Resp2);
                        assert_eq!(
                            String::from_utf8(got).unwrap(),
                            shards,
                            "{what}: CLUSTER SHARDS"
                        );
                        let nodes = std::fs::read_to_string(
                            phase.join(format!("{port}.cluster_nodes.resp")),
                        )
                        .unwrap();
                        let got = String::from_utf8(
                            c.execute(conn, &split("CLUSTER NODES"))
                                .encode(Proto::Resp2),
                        )
                        .unwrap();
                        assert_eq!(
                            nodes_fields(&got),
                            nodes_fields(&nodes),
                            "{what}: CLUSTER NODES"
                        );
                    }
                    loaded += 1;
                }
            }
        }
    }
    assert!(loaded >= 100, "only {loaded} dumps found");
}

#[test]
fn a_thousand_node_cluster_nodes_dump_loads() {
    let c = slotscope_sim::layout::even(1000);
    let conn_node = 0;
    let mut c2 = c.clone();
    let conn = c2.connect(conn_node);
    let reply = c2.execute(conn, &split("CLUSTER NODES"));
    let text = match reply {
        slotscope_sim::Reply::Verbatim(t) => t,
        other => panic!("{other:?}"),
    };
    let imported = import(&text).unwrap();
    assert_eq!(imported.cluster.nodes.len(), 1000);
    let mut ic = imported.cluster;
    let a = ic.connect(0);
    let b = c2.connect(0);
    assert_eq!(
        ic.execute(a, &split("CLUSTER SLOTS")),
        c2.execute(b, &split("CLUSTER SLOTS"))
    );
}
