//! Informational replies: CLUSTER SLOTS, SHARDS, NODES and INFO, from one node's view.

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

/// CLUSTER SLOTS: one entry per run of consecutive slots with the same owner, by slot.
pub(crate) fn slots(c: &Cluster, me: NodeIdx) -> Reply {
    let owners = &c.nodes[me as usize].owners;
    let mut out = Vec::new();
    let mut start = 0usize;
    while start < owners.len() {
        let o = owners[start];
        let mut end = start;
        while end + 1 < owners.len() && owners[end + 1] == o {
            end += 1;
        }
        if o != NO_OWNER {
            out.push(Reply::Array(vec![
                Reply::Integer(start as i64),
                Reply::Integer(end as i64),
                node_entry(c, o),
            ]));
        }
        start = end + 1;
    }
    Reply::Array(out)
}

/// CLUSTER SHARDS: one shard per master, in the node's table order.
pub(crate) fn shards(c: &Cluster, me: NodeIdx) -> Reply {
    let view = &c.nodes[me as usize];
    let b = |s: &str| Reply::bulk(s);
    let shards = view
        .known
        .iter()
        .map(|&n| {
            let node = &c.nodes[n as usize];
            let slots = view
                .ranges_of(n)
                .into_iter()
                .flat_map(|(a, z)| [Reply::Integer(a as i64), Reply::Integer(z as i64)])
                .collect();
            let details = Reply::Map(vec![
                (b("id"), b(&node.id)),
                (b("port"), Reply::Integer(node.port as i64)),
                (b("ip"), b(&node.host)),
                (b("endpoint"), b(&node.host)),
                (b("role"), b("master")),
                (b("replication-offset"), Reply::Integer(0)),
                (b("health"), b("online")),
            ]);
            Reply::Map(vec![
                (b("slots"), Reply::Array(slots)),
                (b("nodes"), Reply::Array(vec![details])),
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
        let flags = if myself { "myself,master" } else { "master" };
        let pong = if myself {
            c.clock_ms / 1000 * 1000
        } else {
            c.clock_ms
        };
        out.push_str(&format!(
            "{} {}:{}@{} {} - 0 {} {} connected",
            node.id,
            node.host,
            node.port,
            node.cport,
            flags,
            pong,
            view.epoch_of(me, n)
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
#[cfg(feature = "all-commands")]
pub(crate) fn info(c: &Cluster, me: NodeIdx) -> String {
    let view = &c.nodes[me as usize];
    let assigned = crate::keyslot::SLOTS - view.unassigned_slots();
    let mut lines = vec![
        format!(
            "cluster_state:{}",
            if view.state_ok() { "ok" } else { "fail" }
        ),
        format!("cluster_slots_assigned:{assigned}"),
        format!("cluster_slots_ok:{assigned}"),
        "cluster_slots_pfail:0".into(),
        "cluster_slots_fail:0".into(),
        format!("cluster_known_nodes:{}", view.known.len()),
        format!("cluster_size:{}", c.cluster_size(me)),
        format!("cluster_current_epoch:{}", view.current_epoch),
        format!("cluster_my_epoch:{}", view.config_epoch),
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
