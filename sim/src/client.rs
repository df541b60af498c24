//! A smart cluster client: a slot cache plus a redirect policy, playing one request
//! as a sequence of hops (one command sent, one reply read, per hop).

use std::sync::Arc;

use crate::cluster::{Cluster, ConnId, NodeIdx};
use crate::keyslot::{key_slot, SLOTS};
use crate::node::NO_OWNER;
use crate::resp::Reply;

/// How a client reacts to redirections. The default follows redis-py 8.1 (see the
/// golden capture's traces): MOVED patches the one slot and retries at once, ASK sends
/// ASKING + the command to the target without touching the map, TRYAGAIN retries the
/// same node, at most 16 sends per request ("TTL exhausted"); CLUSTERDOWN and
/// CROSSSLOT are returned to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Name shown to people.
    pub name: &'static str,
    /// Sends per request before giving up.
    pub max_sends: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            name: "redis-py 8.1 style: patch the slot on MOVED, follow ASK once",
            max_sends: 16,
        }
    }
}

/// What the client should do after a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send the command to this node (after ASKING when `asking`).
    Send { node: NodeIdx, asking: bool },
    /// Send ASKING to this node, then the command.
    Asking { node: NodeIdx },
    /// The request is over.
    Done(Outcome),
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A reply that is the command's answer (a value, nil, OK, an integer...).
    Reply(Reply),
    /// An error the library hands to the caller (CROSSSLOT, CLUSTERDOWN, ...).
    Error(Reply),
    /// The redirect budget ran out.
    TtlExhausted,
}

/// A smart client with its own slot cache and one connection per node.
#[derive(Clone, Debug)]
pub struct SmartClient {
    /// Display name.
    pub name: String,
    /// Redirect policy.
    pub policy: Policy,
    cache: Arc<Vec<NodeIdx>>,
    conns: Vec<Option<ConnId>>,
}

impl SmartClient {
    /// A client whose map says `owner_of(slot)` for every slot.
    pub fn new(name: &str, nodes: usize, owner_of: impl Fn(u16) -> Option<NodeIdx>) -> SmartClient {
        let cache = (0..SLOTS as u16)
            .map(|s| owner_of(s).unwrap_or(NO_OWNER))
            .collect();
        SmartClient {
            name: name.to_string(),
            policy: Policy::default(),
            cache: Arc::new(cache),
            conns: vec![None; nodes],
        }
    }

    /// The node the client's map picks for `slot`.
    pub fn cached_owner(&self, slot: u16) -> Option<NodeIdx> {
        let o = self.cache[slot as usize];
        (o != NO_OWNER).then_some(o)
    }

    /// The map as inclusive ranges with their node (unknown ranges left out).
    pub fn map_ranges(&self) -> Vec<(u16, u16, NodeIdx)> {
        let mut out = Vec::new();
        let mut start = 0usize;
        while start < SLOTS {
            let o = self.cache[start];
            let mut end = start;
            while end + 1 < SLOTS && self.cache[end + 1] == o {
                end += 1;
            }
            if o != NO_OWNER {
                out.push((start as u16, end as u16, o));
            }
            start = end + 1;
        }
        out
    }

    /// Sets the map entry of one slot (what MOVED does under this policy).
    pub fn patch(&mut self, slot: u16, node: NodeIdx) {
        Arc::make_mut(&mut self.cache)[slot as usize] = node;
    }

    /// Replaces the whole map from a `CLUSTER SLOTS` reply; returns the number of
    /// slots whose entry changed, or an error when the reply is not a slot map.
    pub fn load_slots_reply(&mut self, cluster: &Cluster, reply: &Reply) -> Result<usize, String> {
        let Reply::Array(entries) = reply else {
            return Err(format!("CLUSTER SLOTS answered {}", reply.human()));
        };
        let mut fresh = vec![NO_OWNER; SLOTS];
        for e in entries {
            let Reply::Array(parts) = e else {
                return Err("unexpected CLUSTER SLOTS entry".into());
            };
            let (Some(Reply::Integer(a)), Some(Reply::Integer(b)), Some(Reply::Array(master))) =
                (parts.first(), parts.get(1), parts.get(2))
            else {
                return Err("unexpected CLUSTER SLOTS entry".into());
            };
            let (Some(Reply::Bulk(host)), Some(Reply::Integer(port))) =
                (master.first(), master.get(1))
            else {
                return Err("unexpected CLUSTER SLOTS node".into());
            };
            let node = cluster
                .node_by_addr(host, port.to_string().as_bytes())
                .ok_or("CLUSTER SLOTS names an unknown node")?;
            for s in *a..=*b {
                fresh[s as usize] = node;
            }
        }
        let changed = fresh
            .iter()
            .zip(self.cache.iter())
            .filter(|(a, b)| a != b)
            .count();
        self.cache = Arc::new(fresh);
        Ok(changed)
    }

    /// The connection to `node`, opened on first use.
    pub fn conn(&mut self, cluster: &mut Cluster, node: NodeIdx) -> ConnId {
        if let Some(c) = self.conns[node as usize] {
            return c;
        }
        let c = cluster.connect(node);
        self.conns[node as usize] = Some(c);
        c
    }

    /// Where a new request for `argv` goes first: the node the map gives for its first
    /// key's slot (the first node when the map has no entry).
    pub fn first_target(&self, argv: &[Vec<u8>]) -> NodeIdx {
        argv.get(1)
            .and_then(|k| self.cached_owner(key_slot(k)))
            .unwrap_or(0)
    }

    /// Applies the policy to a reply read after `sends` sends. Returns what to do next
    /// and, for MOVED, the slot whose map entry changed.
    pub fn react(
        &mut self,
        cluster: &Cluster,
        from: NodeIdx,
        reply: &Reply,
        sends: u32,
    ) -> (Next, Option<u16>) {
        let redirect = parse_redirect(cluster, reply);
        let out_of_budget = sends >= self.policy.max_sends;
        match (reply.error_code(), redirect) {
            (Some("MOVED"), Some((slot, node))) => {
                self.patch(slot, node);
                if out_of_budget {
                    return (Next::Done(Outcome::TtlExhausted), Some(slot));
                }
                (
                    Next::Send {
                        node,
                        asking: false,
                    },
                    Some(slot),
                )
            }
            (Some("ASK"), Some((_, node))) => {
                if out_of_budget {
                    return (Next::Done(Outcome::TtlExhausted), None);
                }
                (Next::Asking { node }, None)
            }
            (Some("TRYAGAIN"), _) => {
                if out_of_budget {
                    return (Next::Done(Outcome::TtlExhausted), None);
                }
                (
                    Next::Send {
                        node: from,
                        asking: false,
                    },
                    None,
                )
            }
            (Some(_), _) => (Next::Done(Outcome::Error(reply.clone())), None),
            (None, _) => (Next::Done(Outcome::Reply(reply.clone())), None),
        }
    }
}

/// Parses `MOVED slot host:port` / `ASK slot host:port` into the slot and node.
pub fn parse_redirect(cluster: &Cluster, reply: &Reply) -> Option<(u16, NodeIdx)> {
    let Reply::Error(text) = reply else {
        return None;
    };
    let text = std::str::from_utf8(text).ok()?;
    let mut parts = text.split(' ');
    let code = parts.next()?;
    if code != "MOVED" && code != "ASK" {
        return None;
    }
    let slot: u16 = parts.next()?.parse().ok()?;
    let (host, port) = parts.next()?.rsplit_once(':')?;
    let node = cluster.node_by_addr(host.as_bytes(), port.as_bytes())?;
    Some((slot, node))
}
