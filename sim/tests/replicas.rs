//! Replicas and failover against a real Redis 7.0.15 cluster of three masters and three
//! replicas (`tests/data/redis-7.0-replicas`, see its README): a topology loaded from a
//! node's CLUSTER NODES answers CLUSTER SLOTS, SHARDS, NODES and INFO as the real nodes
//! did; after the simulated failover and recovery of the master of `foo`, it answers as
//! the real cluster did after the real ones.

use std::path::PathBuf;

use slotscope_sim::argv::split;
use slotscope_sim::import::import;
use slotscope_sim::resp::Proto;
use slotscope_sim::{Cluster, NodeIdx, Reply};

const PORTS: [u16; 6] = [7100, 7101, 7102, 7103, 7104, 7105];

fn data(phase: &str, port: u16, what: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/redis-7.0-replicas")
        .join(phase)
        .join(format!("{port}.cluster_{what}.resp"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(c: &mut Cluster, port: u16, cmd: &str) -> String {
    let node = c
        .node_by_addr(b"127.0.0.1", port.to_string().as_bytes())
        .unwrap();
    let conn = c.connect(node);
    String::from_utf8(c.execute(conn, &split(cmd)).encode(Proto::Resp2)).unwrap()
}

/// CLUSTER NODES lines without the ping/pong timestamps, sorted (every node lists the
/// others in its own hash-table order).
fn nodes_fields(raw: &str) -> Vec<String> {
    let body = raw.split_once("\r\n").map(|x| x.1).unwrap_or(raw);
    let mut lines: Vec<String> = body
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(' ')
                .enumerate()
                .filter(|(i, _)| *i != 4 && *i != 5)
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.sort();
    lines
}

fn info_fields(raw: &str) -> Vec<String> {
    raw.split("\r\n")
        .skip(1)
        .filter(|l| l.contains(':') && !l.starts_with("cluster_stats_messages_"))
        .map(str::to_string)
        .collect()
}

/// CLUSTER SHARDS with every replication offset replaced by 0 (they grow with time).
fn masked_offsets(raw: &str) -> String {
    let mut out = String::new();
    let mut lines = raw.split_inclusive("\r\n");
    while let Some(l) = lines.next() {
        out.push_str(l);
        if l == "replication-offset\r\n" {
            lines.next();
            out.push_str(":0\r\n");
        }
    }
    out
}

/// The phase's nodes as 7100 listed them (the topology the simulator loads).
fn loaded() -> Cluster {
    let mut c = import(&data("replicas", 7100, "nodes")).unwrap().cluster;
    // CLUSTER INFO of the capture: redis-cli gave every node a config epoch, 1 to 6.
    for n in c.nodes.iter_mut() {
        n.current_epoch = 6;
    }
    c
}

fn check_phase(c: &mut Cluster, phase: &str, ports: &[u16]) {
    for &port in ports {
        let what = format!("{phase} {port}");
        assert_eq!(
            run(c, port, "CLUSTER SLOTS"),
            data(phase, port, "slots"),
            "{what}: CLUSTER SLOTS"
        );
        assert_eq!(
            nodes_fields(&run(c, port, "CLUSTER NODES")),
            nodes_fields(&data(phase, port, "nodes")),
            "{what}: CLUSTER NODES"
        );
        assert_eq!(
            info_fields(&run(c, port, "CLUSTER INFO")),
            info_fields(&data(phase, port, "info")),
            "{what}: CLUSTER INFO"
        );
    }
    // 7100's table order is the loaded order: its CLUSTER SHARDS lists shards alike.
    assert_eq!(
        masked_offsets(&run(c, 7100, "CLUSTER SHARDS")),
        masked_offsets(&data(phase, 7100, "shards")),
        "{phase}: CLUSTER SHARDS of 7100"
    );
}

#[test]
fn a_loaded_replica_topology_answers_like_the_real_nodes() {
    // Loaded from every node's CLUSTER NODES, each node answers CLUSTER SLOTS alike.
    for port in PORTS {
        let imported = import(&data("replicas", port, "nodes")).unwrap();
        assert!(imported.unused.is_empty(), "{:?}", imported.unused);
        let mut c = imported.cluster;
        assert_eq!(c.nodes.len(), 6);
        for p in PORTS {
            assert_eq!(
                run(&mut c, p, "CLUSTER SLOTS"),
                data("replicas", p, "slots")
            );
        }
    }
    // Loaded from CLUSTER SLOTS or SHARDS too.
    for what in ["slots", "shards"] {
        let mut c = import(&data("replicas", 7100, what)).unwrap().cluster;
        assert_eq!(
            run(&mut c, 7100, "CLUSTER SLOTS"),
            data("replicas", 7100, "slots"),
            "{what}"
        );
    }
    let mut c = loaded();
    check_phase(&mut c, "replicas", &PORTS);
}

#[test]
fn failover_and_recovery_end_as_on_the_real_cluster() {
    let mut c = loaded();
    let owner = c.node_by_addr(b"127.0.0.1", b"7102").unwrap();
    let replica = (0..6)
        .find(|&r| c.nodes[r as usize].replica_of == Some(owner))
        .unwrap();
    assert!(c.fail_node(owner));
    c.advance(c.node_timeout + 20);
    assert_eq!(c.nodes[replica as usize].replica_of, None);
    assert_eq!(c.nodes[replica as usize].config_epoch, 7);
    let live: Vec<u16> = PORTS.iter().copied().filter(|&p| p != 7102).collect();
    check_phase(&mut c, "failed_over", &live);
    assert!(c.recover_node(owner));
    c.advance(1);
    assert_eq!(c.nodes[owner as usize].replica_of, Some(replica));
    check_phase(&mut c, "recovered", &PORTS);
}

#[test]
fn a_replica_redirects_to_its_master_and_serves_readonly_reads() {
    // Replies checked on the real cluster: a replica answers MOVED to its master, also
    // for keys it holds; after READONLY it serves reads of its master's slots (EXISTS,
    // MULTI/EXEC, EVAL without writes too) and still redirects writes and other slots.
    let mut c = slotscope_sim::layout::with_replicas(3);
    let master: NodeIdx = 2;
    let replica: NodeIdx = 3;
    assert_eq!(c.nodes[replica as usize].replica_of, Some(master));
    let m = c.connect(master);
    assert_eq!(c.execute(m, &split("SET foo baz")), Reply::ok());
    let r = c.connect(replica);
    let wire = |c: &mut Cluster, cmd: &str| {
        String::from_utf8(c.execute(r, &split(cmd)).encode(Proto::Resp2)).unwrap()
    };
    for (cmd, want) in [
        ("GET foo", "-MOVED 12182 127.0.0.1:7002\r\n"),
        ("READONLY", "+OK\r\n"),
        ("GET foo", "$3\r\nbaz\r\n"),
        ("GET nosuch{foo}", "$-1\r\n"),
        (
            "MGET foo bar",
            "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
        ),
        ("GET bar", "-MOVED 5061 127.0.0.1:7000\r\n"),
        ("SET foo x", "-MOVED 12182 127.0.0.1:7002\r\n"),
        ("EXISTS foo", ":1\r\n"),
        ("MULTI", "+OK\r\n"),
        ("GET foo", "+QUEUED\r\n"),
        ("EXEC", "*1\r\n$3\r\nbaz\r\n"),
        ("READWRITE", "+OK\r\n"),
        ("GET foo", "-MOVED 12182 127.0.0.1:7002\r\n"),
        (
            "CLUSTER SETSLOT 5 STABLE",
            "-ERR Please use SETSLOT only with masters.\r\n",
        ),
    ] {
        assert_eq!(wire(&mut c, cmd), want, "{cmd}");
        if cmd == "EXEC" {
            let eval: Vec<Vec<u8>> = ["EVAL", "return 1", "1", "foo"]
                .iter()
                .map(|a| a.as_bytes().to_vec())
                .collect();
            assert_eq!(
                c.execute(r, &eval),
                Reply::Integer(1),
                "EVAL without writes"
            );
        }
    }
    // Replication: the offset counts SELECT (23 bytes) before the first write, then the
    // writes (SET foo baz: 31 bytes), after the first PING (14 bytes).
    assert_eq!(c.nodes[master as usize].repl_offset, 14 + 23 + 31);
    assert_eq!(c.nodes[replica as usize].repl_offset, 14 + 23 + 31);
    assert_eq!(c.execute(m, &split("DEL foo")), Reply::Integer(1));
    assert_eq!(c.nodes[replica as usize].keys.len(), 0);
}

#[test]
fn cluster_forget_replicate_and_reset_reply_as_redis() {
    // Replies checked on the real 7.0.15 cluster.
    let mut c = slotscope_sim::layout::with_replicas(3);
    let id = |c: &Cluster, n: usize| c.nodes[n].id.clone();
    let r = c.connect(3);
    let m0 = c.connect(0);
    let cases = [
        (r, format!("CLUSTER FORGET {}", id(&c, 3)), "-ERR I tried hard but I can't forget myself...\r\n".to_string()),
        (r, format!("CLUSTER FORGET {}", id(&c, 2)), "-ERR Can't forget my master!\r\n".into()),
        (r, "CLUSTER FORGET abc".into(), "-ERR Unknown node abc\r\n".into()),
        (r, format!("CLUSTER FORGET {}", id(&c, 0).to_uppercase()), format!("-ERR Unknown node {}\r\n", id(&c, 0).to_uppercase())),
        (r, "CLUSTER FORGET".into(), "-ERR wrong number of arguments for 'cluster|forget' command\r\n".into()),
        (r, "CLUSTER FORGET a b".into(), "-ERR wrong number of arguments for 'cluster|forget' command\r\n".into()),
        (r, format!("CLUSTER REPLICATE {}", id(&c, 3)), "-ERR Can't replicate myself\r\n".into()),
        (r, format!("CLUSTER REPLICATE {}", id(&c, 4)), "-ERR I can only replicate a master, not a replica.\r\n".into()),
        (r, "CLUSTER REPLICATE nope".into(), "-ERR Unknown node nope\r\n".into()),
        (m0, format!("CLUSTER REPLICATE {}", id(&c, 1)), "-ERR To set a master the node must be empty and without assigned slots.\r\n".into()),
        (r, "CLUSTER RESET BOGUS".into(), "-ERR syntax error\r\n".into()),
        (r, "CLUSTER RESET HARD X".into(), "-ERR unknown subcommand or wrong number of arguments for 'RESET'. Try CLUSTER HELP.\r\n".into()),
        (m0, format!("CLUSTER SETSLOT 5 MIGRATING {}", id(&c, 4)), "-ERR Target node is not a master\r\n".into()),
        (m0, format!("CLUSTER SETSLOT 5 NODE {}", id(&c, 4)), "-ERR Target node is not a master\r\n".into()),
        (m0, format!("CLUSTER SETSLOT 5 IMPORTING {}", id(&c, 0)), "-ERR I'm already the owner of hash slot 5\r\n".into()),
        (m0, format!("CLUSTER FORGET {}", id(&c, 5)), "+OK\r\n".into()),
    ];
    for (conn, cmd, want) in cases {
        let got = c.execute(conn, &split(&cmd)).encode(Proto::Resp2);
        assert_eq!(String::from_utf8(got).unwrap(), want, "{cmd}");
    }
    // Forgotten: gone from 0's table, and not brought back by gossip for 60 s.
    assert!(!c.nodes[0].known.contains(&5));
    c.advance(599);
    assert!(!c.nodes[0].known.contains(&5));
    c.advance(2);
    assert!(c.nodes[0].known.contains(&5), "the ban ends after 60 s");
    // A master with keys cannot be reset; a replica can (and turns into an empty master).
    let m2 = c.connect(2);
    c.execute(m2, &split("SET foo bar"));
    let got = c.execute(m2, &split("CLUSTER RESET"));
    assert_eq!(
        got,
        Reply::err("ERR CLUSTER RESET can't be called with master nodes containing keys")
    );
    assert_eq!(c.execute(r, &split("CLUSTER RESET SOFT")), Reply::ok());
    assert_eq!(c.nodes[3].known, vec![3]);
    assert_eq!(c.nodes[3].replica_of, None);
    assert_eq!(c.nodes[3].keys.len(), 0);
}
