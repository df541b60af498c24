//! CLUSTER subcommands: slot assignment, migration states, membership and epochs.

use crate::cluster::{Cluster, NodeIdx};
use crate::command::{error_format, not_an_integer, parse_i64, slot_arg, Cmd};
use crate::keyslot::SLOTS;
use crate::resp::Reply;
use crate::topology;

/// Runs a CLUSTER subcommand on node `me`.
pub(crate) fn run(c: &mut Cluster, me: NodeIdx, cmd: Cmd, argv: &[Vec<u8>]) -> Reply {
    match cmd {
        Cmd::ClusterSlots => topology::slots(c, me),
        Cmd::ClusterShards => topology::shards(c, me),
        Cmd::ClusterNodes => Reply::Verbatim(topology::nodes(c, me)),
        Cmd::ClusterCountkeysinslot => match parse_i64(&argv[2]) {
            None => not_an_integer(),
            Some(s) if !(0..SLOTS as i64).contains(&s) => Reply::err("ERR Invalid slot"),
            Some(s) => Reply::Integer(c.nodes[me as usize].keys.count_in_slot(s as u16) as i64),
        },
        Cmd::ClusterGetkeysinslot => {
            let Some(slot) = parse_i64(&argv[2]) else {
                return not_an_integer();
            };
            let Some(max) = parse_i64(&argv[3]) else {
                return not_an_integer();
            };
            if !(0..SLOTS as i64).contains(&slot) || max < 0 {
                return Reply::err("ERR Invalid slot or number of keys");
            }
            let keys = c.nodes[me as usize]
                .keys
                .keys_in_slot(slot as u16, max as usize);
            Reply::Array(keys.into_iter().map(Reply::Bulk).collect())
        }
        Cmd::ClusterSetslot => setslot(c, me, argv),
        #[cfg(feature = "all-commands")]
        _ => more::run(c, me, cmd, argv),
        #[cfg(not(feature = "all-commands"))]
        _ => unreachable!("not a CLUSTER subcommand"),
    }
}

fn setslot(c: &mut Cluster, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
    let slot = match slot_arg(&argv[2]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let action = &argv[3];
    let is = |s: &[u8]| action.eq_ignore_ascii_case(s);
    let argc = argv.len();
    let owner = c.nodes[me as usize].owner(slot);
    if is(b"migrating") && argc == 5 {
        if owner != Some(me) {
            return Reply::err(format!("ERR I'm not the owner of hash slot {slot}"));
        }
        let Some(n) = lookup_node(c, me, &argv[4]) else {
            return error_format([&b"ERR I don't know about node "[..], &argv[4]].concat());
        };
        c.nodes[me as usize].migrating.insert(slot, n);
    } else if is(b"importing") && argc == 5 {
        if owner == Some(me) {
            return Reply::err(format!("ERR I'm already the owner of hash slot {slot}"));
        }
        let Some(n) = lookup_node(c, me, &argv[4]) else {
            return error_format([&b"ERR I don't know about node "[..], &argv[4]].concat());
        };
        c.nodes[me as usize].importing.insert(slot, n);
    } else if is(b"stable") && argc == 4 {
        let node = &mut c.nodes[me as usize];
        node.importing.remove(&slot);
        node.migrating.remove(&slot);
    } else if is(b"node") && argc == 5 {
        let Some(n) = lookup_node(c, me, &argv[4]) else {
            return error_format([&b"ERR Unknown node "[..], &argv[4]].concat());
        };
        let node = &mut c.nodes[me as usize];
        let keys_here = node.keys.count_in_slot(slot);
        if owner == Some(me) && n != me && keys_here != 0 {
            return Reply::err(format!(
                "ERR Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."
            ));
        }
        if keys_here == 0 {
            node.migrating.remove(&slot);
        }
        node.set_owner(slot, n);
        if n == me && node.importing.contains_key(&slot) {
            bump_epoch_without_consensus(c, me);
            c.nodes[me as usize].importing.remove(&slot);
        }
        c.update_state(me);
        c.schedule_gossip_for([slot]);
    } else {
        return Reply::err(
            "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP",
        );
    }
    Reply::ok()
}

/// clusterLookupNode: a 40-character id of a node `me` knows.
fn lookup_node(c: &Cluster, me: NodeIdx, id: &[u8]) -> Option<NodeIdx> {
    if id.len() != 40 {
        return None;
    }
    c.known_node_by_id(me, id)
}

/// clusterBumpConfigEpochWithoutConsensus: takes a new epoch unless this node's
/// config epoch is already the greatest it knows.
fn bump_epoch_without_consensus(c: &mut Cluster, me: NodeIdx) {
    let node = &c.nodes[me as usize];
    let max = node
        .known
        .iter()
        .map(|&k| node.epoch_of(me, k))
        .chain(std::iter::once(node.current_epoch))
        .max()
        .unwrap_or(0);
    if node.config_epoch == 0 || node.config_epoch != max {
        let node = &mut c.nodes[me as usize];
        node.current_epoch += 1;
        node.config_epoch = node.current_epoch;
    }
}

/// CLUSTER subcommands only recorded sessions and the tools module send: KEYSLOT, MYID,
/// INFO, ADDSLOTS, DELSLOTS, their RANGE forms, MEET and SET-CONFIG-EPOCH.
#[cfg(feature = "all-commands")]
mod more {
    use super::*;
    use crate::keyslot::key_slot;

    pub(super) fn run(c: &mut Cluster, me: NodeIdx, cmd: Cmd, argv: &[Vec<u8>]) -> Reply {
        match cmd {
            Cmd::ClusterKeyslot => Reply::Integer(key_slot(&argv[2]) as i64),
            Cmd::ClusterMyid => Reply::bulk(&c.nodes[me as usize].id),
            Cmd::ClusterInfo => Reply::Verbatim(topology::info(c, me)),
            Cmd::ClusterAddslots | Cmd::ClusterDelslots => {
                let del = cmd == Cmd::ClusterDelslots;
                let mut slots = Vec::new();
                for a in &argv[2..] {
                    match slot_arg(a) {
                        Ok(s) => slots.push(s),
                        Err(e) => return e,
                    }
                }
                let mut seen = vec![false; SLOTS];
                for &s in &slots {
                    if let Err(e) = check_assignment(c, me, del, s, &mut seen) {
                        return e;
                    }
                }
                update_slots(c, me, &seen, del)
            }
            Cmd::ClusterAddslotsrange | Cmd::ClusterDelslotsrange => {
                let del = cmd == Cmd::ClusterDelslotsrange;
                if argv.len() % 2 == 1 {
                    let name = if del {
                        "cluster|delslotsrange"
                    } else {
                        "cluster|addslotsrange"
                    };
                    return crate::command::arity_error(name);
                }
                let mut seen = vec![false; SLOTS];
                for pair in argv[2..].chunks(2) {
                    let start = match slot_arg(&pair[0]) {
                        Ok(s) => s,
                        Err(e) => return e,
                    };
                    let end = match slot_arg(&pair[1]) {
                        Ok(s) => s,
                        Err(e) => return e,
                    };
                    if start > end {
                        return Reply::err(format!(
                            "ERR start slot number {start} is greater than end slot number {end}"
                        ));
                    }
                    for s in start..=end {
                        if let Err(e) = check_assignment(c, me, del, s, &mut seen) {
                            return e;
                        }
                    }
                }
                update_slots(c, me, &seen, del)
            }
            Cmd::ClusterMeet => meet(c, me, argv),
            Cmd::ClusterSetConfigEpoch => {
                let Some(epoch) = parse_i64(&argv[2]) else {
                    return not_an_integer();
                };
                let node = &mut c.nodes[me as usize];
                if epoch < 0 {
                    Reply::err(format!("ERR Invalid config epoch specified: {epoch}"))
                } else if node.known.len() > 1 {
                    Reply::err("ERR The user can assign a config epoch only when the node does not know any other node.")
                } else if node.config_epoch != 0 {
                    Reply::err("ERR Node config epoch is already non-zero")
                } else {
                    node.config_epoch = epoch as u64;
                    node.current_epoch = node.current_epoch.max(epoch as u64);
                    Reply::ok()
                }
            }
            _ => unreachable!("not a CLUSTER subcommand"),
        }
    }

    fn check_assignment(
        c: &Cluster,
        me: NodeIdx,
        del: bool,
        s: u16,
        seen: &mut [bool],
    ) -> Result<(), Reply> {
        let owner = c.nodes[me as usize].owner(s);
        if del && owner.is_none() {
            return Err(Reply::err(format!("ERR Slot {s} is already unassigned")));
        }
        if !del && owner.is_some() {
            return Err(Reply::err(format!("ERR Slot {s} is already busy")));
        }
        if seen[s as usize] {
            return Err(Reply::err(format!("ERR Slot {s} specified multiple times")));
        }
        seen[s as usize] = true;
        Ok(())
    }

    fn update_slots(c: &mut Cluster, me: NodeIdx, slots: &[bool], del: bool) -> Reply {
        let node = &mut c.nodes[me as usize];
        let mut changed = Vec::new();
        for (s, _) in slots.iter().enumerate().filter(|(_, &b)| b) {
            let s = s as u16;
            node.importing.remove(&s);
            node.set_owner(s, if del { crate::node::NO_OWNER } else { me });
            changed.push(s);
        }
        c.update_state(me);
        c.schedule_gossip_for(changed);
        Reply::ok()
    }

    fn meet(c: &mut Cluster, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
        if argv.len() > 5 {
            return error_format(
                [
                    &b"ERR unknown subcommand or wrong number of arguments for '"[..],
                    &argv[1],
                    b"'. Try CLUSTER HELP.",
                ]
                .concat(),
            );
        }
        let port = parse_i64(&argv[3]);
        let Some(port) = port else {
            return error_format(
                [&b"ERR Invalid TCP base port specified: "[..], &argv[3]].concat(),
            );
        };
        if argv.len() == 5 && parse_i64(&argv[4]).is_none() {
            return error_format([&b"ERR Invalid TCP bus port specified: "[..], &argv[4]].concat());
        }
        let ip_ok = valid_ip(&argv[2]);
        if !ip_ok || !(1..=65535).contains(&port) {
            return error_format(
                [
                    &b"ERR Invalid node address specified: "[..],
                    &argv[2],
                    b":",
                    &argv[3],
                ]
                .concat(),
            );
        }
        if let Some(other) = c.node_by_addr(&argv[2], port.to_string().as_bytes()) {
            if other != me {
                if !c.nodes[me as usize].known.contains(&other) {
                    c.nodes[me as usize].known.push(other);
                }
                if !c.nodes[other as usize].known.contains(&me) {
                    c.nodes[other as usize].known.push(me);
                }
                c.schedule_full_gossip();
            }
        }
        Reply::ok()
    }

    /// What `inet_pton` accepts for AF_INET or AF_INET6 (CLUSTER MEET's address check).
    fn valid_ip(ip: &[u8]) -> bool {
        let Ok(s) = std::str::from_utf8(ip) else {
            return false;
        };
        valid_ipv4(s) || valid_ipv6(s)
    }

    fn valid_ipv4(s: &str) -> bool {
        let parts: Vec<&str> = s.split('.').collect();
        parts.len() == 4
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (p.len() == 1 || !p.starts_with('0'))
                    && p.parse::<u16>().is_ok_and(|v| v <= 255)
            })
    }

    fn valid_ipv6(s: &str) -> bool {
        let (head, tail, compressed) = match s.split_once("::") {
            Some((h, t)) => (h, t, true),
            None => (s, "", false),
        };
        if compressed && tail.contains("::") {
            return false;
        }
        let groups = |part: &str| -> Option<usize> {
            if part.is_empty() {
                return Some(0);
            }
            let fields: Vec<&str> = part.split(':').collect();
            let mut n = 0;
            for (i, f) in fields.iter().enumerate() {
                if i == fields.len() - 1 && f.contains('.') {
                    if !valid_ipv4(f) {
                        return None;
                    }
                    n += 2;
                } else if !f.is_empty() && f.len() <= 4 && f.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    n += 1;
                } else {
                    return None;
                }
            }
            Some(n)
        };
        let ipv4_only_in_tail = !head.contains('.') || !compressed;
        match (groups(head), groups(tail)) {
            (Some(h), Some(t)) if ipv4_only_in_tail => {
                if compressed {
                    h + t < 8
                } else {
                    h == 8
                }
            }
            _ => false,
        }
    }
    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn ip_check_follows_inet_pton() {
            for ok in [
                "127.0.0.1",
                "::1",
                "::",
                "fe80::1",
                "2001:db8::8a2e:370:7334",
                "::ffff:10.0.0.1",
                "1:2:3:4:5:6:7:8",
            ] {
                assert!(valid_ip(ok.as_bytes()), "{ok}");
            }
            for bad in [
                "",
                "1.2.3",
                "1.2.3.256",
                "01.2.3.4",
                "localhost",
                "1:2:3:4:5:6:7:8:9",
                "1::2::3",
                "12345::",
                "::1.2.3",
            ] {
                assert!(!valid_ip(bad.as_bytes()), "{bad}");
            }
        }
    }
}
