//! Informational replies: CLUSTER SLOTS, SHARDS, NODES and INFO, from one node's view.
//! Replicas appear as Redis 7.0.15 shows them (checked on a real cluster made by
//! `redis-cli --cluster create ... --cluster-replicas 1`): after their master in each
//! CLUSTER SLOTS range unless flagged FAIL or still at replication offset 0
//! (isReplicaAvailable), in their master's shard in CLUSTER SHARDS, as `slave <master-id>`
//! with their master's config epoch in CLUSTER NODES. Replication offsets are the nodes'
//! own (Redis shows what gossip last said about other nodes).

use crate::cluster::{Cluster, NodeIdx};
use crate::node::{format_ranges, NO_OWNER};
use crate::resp::Reply;

fn node_entry(c: &Cluster, n: NodeIdx) -> Reply {
    let node = &c.nodes[n as usize];
    Reply::Array(vec![
        Reply::bulk(&node.host),
        Reply::Integer(node.port as i64),
        Reply::bulk(&node.id),
        Reply::Map(vec![]),
    ])
}

/// CLUSTER SLOTS: one entry per run of consecutive slots with the same owner, by slot:
/// start, end, the owner, then its available replicas (addNodeReplyForClusterSlot).
pub(crate) fn slots(c: &Cluster, me: NodeIdx) -> Reply {
    let view = &c.nodes[me as usize];
    let owners = &view.owners;
    let mut out = Vec::new();
    let mut start = 0usize;
    while start < owners.len() {
        let o = owners[start];
        let mut end = start;
        while end + 1 < owners.len() && owners[end + 1] == o {
            end += 1;
        }
        if o != NO_OWNER {
            let mut entry = vec![
                Reply::Integer(start as i64),
                Reply::Integer(end as i64),
                node_entry(c, o),
            ];
            entry.extend(
                view.replicas_of(o)
                    .filter(|&r| !view.flags_fail(r) && c.nodes[r as usize].repl_offset != 0)
                    .map(|r| node_entry(c, r)),
            );
            out.push(Reply::Array(entry));
        }
        start = end + 1;
    }
    Reply::Array(out)
}

/// CLUSTER SHARDS: one shard per master, in the node's table order: its slots, then
/// the master and its replicas (clusterGetNodesServingMySlots, addNodeDetailsToShardReply:
/// health `fail` when flagged FAIL, `loading` for a replica at offset 0).
pub(crate) fn shards(c: &Cluster, me: NodeIdx) -> Reply {
    let view = &c.nodes[me as usize];
    let b = |s: &str| Reply::bulk(s);
    let details = |n: NodeIdx, replica: bool| {
        let node = &c.nodes[n as usize];
        let health = if view.flags_fail(n) {
            "fail"
        } else if replica && node.repl_offset == 0 {
            "loading"
        } else {
            "online"
        };
        Reply::Map(vec![
            (b("id"), b(&node.id)),
            (b("port"), Reply::Integer(node.port as i64)),
            (b("ip"), b(&node.host)),
            (b("endpoint"), b(&node.host)),
            (b("role"), b(if replica { "replica" } else { "master" })),
            (
                b("replication-offset"),
                Reply::Integer(node.repl_offset as i64),
            ),
            (b("health"), b(health)),
        ])
    };
    let shards = view
        .known
        .iter()
        .filter(|&&n| view.master_of(n).is_none())
        .map(|&n| {
            let slots = view
                .ranges_of(n)
                .into_iter()
                .flat_map(|(a, z)| [Reply::Integer(a as i64), Reply::Integer(z as i64)])
                .collect();
            let mut nodes = vec![details(n, false)];
            nodes.extend(view.replicas_of(n).map(|r| details(r, true)));
            Reply::Map(vec![
                (b("slots"), Reply::Array(slots)),
                (b("nodes"), Reply::Array(nodes)),
            ])
        })
        .collect();
    Reply::Array(shards)
}

/// CLUSTER NODES: one line per known node, in the node's table order.
pub(crate) fn nodes(c: &Cluster, me: NodeIdx) -> String {
    let view = &c.nodes[me as usize];
    let mut out = String::new();
    for &n in &view.known {
        let node = &c.nodes[n as usize];
        let myself = n == me;
        let master = view.master_of(n);
        // representClusterNodeFlags: myself, master|slave, fail?, fail.
        let mut flags = String::from(if myself { "myself," } else { "" });
        flags.push_str(if master.is_some() { "slave" } else { "master" });
        match view.suspect(n) {
            Some(s) if s.fail => flags.push_str(",fail"),
            Some(_) => flags.push_str(",fail?"),
            None => {}
        }
        let master_id = match master {
            Some(m) if m != NO_OWNER => c.nodes[m as usize].id.as_str(),
            _ => "-",
        };
        // A replica shows its master's config epoch (clusterGenNodeDescription).
        let epoch = view.epoch_of(me, master.filter(|&m| m != NO_OWNER).unwrap_or(n));
        // A crashed node's link is down and its last PING unanswered.
        let (ping, pong, link) = match node.down_since {
            Some(d) if !myself => {
                let at = c.clock_ms.saturating_sub((c.step() - d) * 100);
                (at, at, "disconnected")
            }
            _ if myself => (0, c.clock_ms / 1000 * 1000, "connected"),
            _ => (0, c.clock_ms, "connected"),
        };
        out.push_str(&format!(
            "{} {}:{}@{} {flags} {master_id} {ping} {pong} {epoch} {link}",
            node.id, node.host, node.port, node.cport,
        ));
        let ranges = view.ranges_of(n);
        if !ranges.is_empty() {
            out.push(' ');
            out.push_str(&format_ranges(&ranges));
        }
        if myself {
            // By slot, as Redis walks its slots: MIGRATING wins over IMPORTING.
            let mut mig = view.migrating.iter().peekable();
            let mut imp = view
                .importing
                .iter()
                .filter(|(s, _)| !view.migrating.contains_key(s))
                .peekable();
            loop {
                let take_mig = match (mig.peek(), imp.peek()) {
                    (Some((a, _)), Some((b, _))) => a < b,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                if take_mig {
                    if let Some((s, t)) = mig.next() {
                        out.push_str(&format!(" [{s}->-{}]", c.nodes[*t as usize].id));
                    }
                } else if let Some((s, f)) = imp.next() {
                    out.push_str(&format!(" [{s}-<-{}]", c.nodes[*f as usize].id));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// CLUSTER INFO, with informational message counters.
pub(crate) fn info(c: &Cluster, me: NodeIdx) -> String {
    let view = &c.nodes[me as usize];
    let assigned = crate::keyslot::SLOTS - view.unassigned_slots();
    let (mut pfail, mut fail) = (0, 0);
    for s in &view.suspects {
        let count = view.slot_count_of(s.node);
        if s.fail {
            fail += count;
        } else {
            pfail += count;
        }
    }
    // A replica reports its master's config epoch as its own.
    let my_epoch = match view.replica_of {
        Some(m) => view.epoch_of(me, m),
        None => view.config_epoch,
    };
    let mut lines = vec![
        format!(
            "cluster_state:{}",
            if view.state_ok() { "ok" } else { "fail" }
        ),
        format!("cluster_slots_assigned:{assigned}"),
        format!("cluster_slots_ok:{}", assigned - pfail - fail),
        format!("cluster_slots_pfail:{pfail}"),
        format!("cluster_slots_fail:{fail}"),
        format!("cluster_known_nodes:{}", view.known.len()),
        format!("cluster_size:{}", c.cluster_size(me)),
        format!("cluster_current_epoch:{}", view.current_epoch),
        format!("cluster_my_epoch:{my_epoch}"),
    ];
    if view.messages_sent > 0 {
        lines.push(format!(
            "cluster_stats_messages_ping_sent:{}",
            view.messages_sent
        ));
    }
    lines.push(format!(
        "cluster_stats_messages_sent:{}",
        view.messages_sent
    ));
    if view.messages_received > 0 {
        lines.push(format!(
            "cluster_stats_messages_ping_received:{}",
            view.messages_received
        ));
    }
    lines.push(format!(
        "cluster_stats_messages_received:{}",
        view.messages_received
    ));
    lines.push("total_cluster_links_buffer_limit_exceeded:0".into());
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}
