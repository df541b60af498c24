//! Golden replay: every request of `replies.jsonl`, replayed in `seq` order on the
//! connection it names, gets the reply real Redis 7.0.15 gave, byte for byte.
//!
//! Exceptions, each checked as strictly as the data allows:
//! - CLUSTER NODES and CLUSTER INFO carry clocks and message counters: compared field
//!   by field without the ping/pong timestamps and the `cluster_stats_messages_*` lines.
//! - HELLO's `id` is the server's connection counter (it counts every connection the
//!   capture script opened): compared with that one integer masked.
//! - Steps marked racy: the captured outcome with no propagation delay, and the other
//!   outcome (the node has not heard the new owner yet) with a delay.
//!
//! At the capture's topology checkpoints, CLUSTER SLOTS and CLUSTER SHARDS of every node
//! must equal the captured `topology/*/*.resp` bytes exactly.

mod common;

use common::{argv_of, golden_dir, jsonl, templated};
use serde_json::Value;
use slotscope_sim::layout;
use slotscope_sim::script::Replayer;

struct Entry {
    seq: u64,
    node: String,
    conn: String,
    argv: Vec<Vec<u8>>,
    expected: String,
    racy: bool,
}

fn entries() -> Vec<Entry> {
    let mut rows: Vec<Entry> = jsonl("replies.jsonl")
        .into_iter()
        .map(|v| Entry {
            seq: v["seq"].as_u64().unwrap(),
            node: v["node"].as_str().unwrap().to_string(),
            conn: v["conn"].as_str().unwrap().to_string(),
            argv: argv_of(&v["command"]),
            expected: templated(v["reply_raw"].as_str().unwrap()),
            racy: v.get("racy").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect();
    rows.sort_by_key(|e| e.seq);
    rows
}

fn upper(argv: &[Vec<u8>], i: usize) -> String {
    argv.get(i)
        .map(|a| String::from_utf8_lossy(a).to_uppercase())
        .unwrap_or_default()
}

/// Strips a RESP bulk or verbatim header and trailer.
fn bulk_body(raw: &str) -> &str {
    let body = raw.split_once("\r\n").map(|x| x.1).unwrap_or(raw);
    body.strip_suffix("\r\n").unwrap_or(body)
}

fn nodes_fields(raw: &str) -> Vec<Vec<String>> {
    bulk_body(raw)
        .lines()
        .map(|line| {
            line.split(' ')
                .enumerate()
                .filter(|(i, _)| *i != 4 && *i != 5)
                .map(|(_, f)| f.to_string())
                .collect()
        })
        .collect()
}

fn info_fields(raw: &str) -> Vec<String> {
    bulk_body(raw)
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with("cluster_stats_messages_"))
        .map(str::to_string)
        .collect()
}

fn mask_hello_id(raw: &str) -> String {
    match raw.split_once("$2\r\nid\r\n:") {
        Some((head, tail)) => {
            let rest = tail.split_once("\r\n").map(|x| x.1).unwrap_or("");
            format!("{head}$2\r\nid\r\n:<id>\r\n{rest}")
        }
        None => raw.to_string(),
    }
}

/// Compares one reply as described in the module documentation.
fn check(e: &Entry, got: &str) {
    let what = format!(
        "seq {} {} on {}",
        e.seq,
        slotscope_sim::argv::display(&e.argv),
        e.node
    );
    match (upper(&e.argv, 0).as_str(), upper(&e.argv, 1).as_str()) {
        ("CLUSTER", "NODES") => assert_eq!(nodes_fields(got), nodes_fields(&e.expected), "{what}"),
        ("CLUSTER", "INFO") => assert_eq!(info_fields(got), info_fields(&e.expected), "{what}"),
        ("HELLO", _) => assert_eq!(mask_hello_id(got), mask_hello_id(&e.expected), "{what}"),
        _ => assert_eq!(got, e.expected, "{what}"),
    }
}

fn run(r: &mut Replayer, e: &Entry) -> String {
    let reply = r.run(&e.node, &e.conn, &e.argv).expect("node exists");
    String::from_utf8(reply.encode(r.proto(&e.node, &e.conn))).expect("utf-8 reply")
}

/// Topology checkpoints: (after seq, phase folder).
const CHECKPOINTS: &[(u64, &str)] = &[
    (14, "P2_initial"),
    (122, "P2_during_migration"),
    (148, "P2_after_migration"),
    (164, "P2_clusterdown_fullcoverage_yes"),
];

fn check_topology(r: &mut Replayer, phase: &str) {
    for port in ["7000", "7001", "7002"] {
        let node = format!("127.0.0.1:{port}");
        for (sub, file) in [("SLOTS", "cluster_slots"), ("SHARDS", "cluster_shards")] {
            let path = golden_dir().join(format!("topology/{phase}/{port}.{file}.resp"));
            let expected = templated(&std::fs::read_to_string(&path).expect("topology capture"));
            let argv = vec![b"CLUSTER".to_vec(), sub.as_bytes().to_vec()];
            let reply = r.run(&node, "topology-check", &argv).unwrap();
            let got = String::from_utf8(reply.encode(Default::default())).unwrap();
            assert_eq!(got, expected, "CLUSTER {sub} on {node} at {phase}");
        }
        let path = golden_dir().join(format!("topology/{phase}/{port}.cluster_nodes.resp"));
        let expected = templated(&std::fs::read_to_string(&path).unwrap());
        let argv = vec![b"CLUSTER".to_vec(), b"NODES".to_vec()];
        let got = String::from_utf8(
            r.run(&node, "topology-check", &argv)
                .unwrap()
                .encode(Default::default()),
        )
        .unwrap();
        assert_eq!(
            nodes_fields(&got),
            nodes_fields(&expected),
            "CLUSTER NODES on {node} at {phase}"
        );
    }
}

#[test]
fn every_golden_reply_matches() {
    let all = entries();
    assert_eq!(all.len(), 180);
    let mut r = Replayer::new(layout::golden_unjoined());
    for e in &all {
        let got = run(&mut r, e);
        check(e, &got);
        if let Some((_, phase)) = CHECKPOINTS.iter().find(|(s, _)| *s == e.seq) {
            check_topology(&mut r, phase);
        }
    }
}

/// The racy steps 130 and 131 ask C and A about slot 4449 right after B took it with
/// `SETSLOT 4449 NODE B`. Real Redis gossips almost at once (the captured outcome, the
/// default zero delay). When B's news has not arrived yet, Redis's rules give the other
/// outcome: C still maps 4449 to A (MOVED to 7000) and A, still owner and MIGRATING
/// without the key, answers ASK.
#[test]
fn racy_steps_show_both_outcomes() {
    let all = entries();
    let racy: Vec<u64> = all.iter().filter(|e| e.racy).map(|e| e.seq).collect();
    assert_eq!(racy, vec![130, 131]);
    let mut r = Replayer::new(layout::golden_unjoined());
    for e in all.iter().filter(|e| e.seq < 128) {
        run(&mut r, e);
    }
    r.cluster.gossip_delay = 10;
    for e in all.iter().filter(|e| (128..=131).contains(&e.seq)) {
        let got = run(&mut r, e);
        match e.seq {
            130 => assert_eq!(got, "-MOVED 4449 127.0.0.1:7000\r\n", "C before it hears"),
            131 => assert_eq!(got, "-ASK 4449 127.0.0.1:7001\r\n", "A before it hears"),
            _ => check(e, &got),
        }
    }
    // Once the news arrives, everything else matches the capture again.
    r.cluster.settle();
    r.cluster.gossip_delay = 0;
    for e in all.iter().filter(|e| e.seq > 131) {
        let got = run(&mut r, e);
        check(e, &got);
    }
}

/// After the redis-py scenarios (their admin actions and data commands replayed), the
/// final topology equals the capture's `P2_final`.
#[test]
fn final_topology_after_client_scenarios() {
    let mut r = Replayer::new(layout::golden_unjoined());
    for e in entries() {
        run(&mut r, &e);
    }
    for ev in jsonl("redispy/events.jsonl") {
        let admin = ev["actor"] == "admin" && ev["dir"] == "call";
        let data = ev["actor"] == "redis-py" && ev["dir"] == "send";
        if !(admin || data) {
            continue;
        }
        let argv = argv_of(&ev["command"]);
        let name = upper(&argv, 0);
        if data && !matches!(name.as_str(), "GET" | "SET" | "MGET" | "ASKING") {
            continue;
        }
        let node = ev["node"].as_str().unwrap();
        let conn = ev
            .get("local_port")
            .map(|p| p.to_string())
            .unwrap_or_else(|| "admin".into());
        let reply = r.run(node, &conn, &argv).unwrap();
        if admin {
            if let Some(raw) = ev.get("reply_raw").and_then(Value::as_str) {
                let got = String::from_utf8(reply.encode(Default::default())).unwrap();
                assert_eq!(
                    got,
                    raw,
                    "admin {} on {node}",
                    slotscope_sim::argv::display(&argv)
                );
            }
        }
    }
    check_topology(&mut r, "P2_final");
}
