//! One simulated Redis node and its own view of the cluster.

use std::sync::Arc;

use crate::cluster::NodeIdx;
use crate::keyslot::SLOTS;
use crate::keyspace::Keyspace;

/// Marker for "no owner" in a slot table.
pub const NO_OWNER: NodeIdx = NodeIdx::MAX;

/// A node of the simulated cluster, with everything it believes about the others.
#[derive(Clone, Debug)]
pub struct Node {
    /// The 40-character node id.
    pub id: String,
    /// Announced IP (or host name) used in redirections.
    pub host: String,
    /// Client port.
    pub port: u16,
    /// Cluster bus port.
    pub cport: u16,
    /// Nodes this node knows, in its node-table order (itself included).
    pub known: Vec<NodeIdx>,
    /// Owner of every slot in this node's view (`NO_OWNER` when unassigned). Change
    /// it only through [`Node::set_owner`] or [`Node::set_owners`], which keep the
    /// per-owner counts in step.
    pub owners: Arc<Vec<NodeIdx>>,
    /// Slots per owner in this view (indexed by node), and unassigned slots.
    owned: Vec<u32>,
    unassigned: u32,
    /// Slots this node is MIGRATING, with their target.
    pub migrating: crate::slotset::SlotMap,
    /// Slots this node is IMPORTING, with their source.
    pub importing: crate::slotset::SlotMap,
    /// Slots whose owner (in this view) no longer claims them in its gossip.
    pub owner_not_claiming: crate::slotset::SlotSet,
    /// This node's config epoch.
    pub config_epoch: u64,
    /// This node's current epoch.
    pub current_epoch: u64,
    /// Config epochs of other nodes as this node last heard them (indexed by node).
    pub epoch_view: Vec<u64>,
    /// `cluster-require-full-coverage`
    pub require_full_coverage: bool,
    /// `cluster-allow-reads-when-down`
    pub allow_reads_when_down: bool,
    /// The keys this node holds.
    pub keys: Keyspace,
    /// Cached `cluster_state:ok`.
    pub(crate) state_ok: bool,
    /// Client id counter (for `HELLO`'s `id`).
    pub(crate) next_client_id: u64,
    /// Cluster bus messages sent and received (informational counters).
    pub(crate) messages_sent: u64,
    pub(crate) messages_received: u64,
}

impl Node {
    /// A fresh node that knows only itself and owns no slot (as after `redis-server`
    /// starts with `cluster-enabled yes`).
    pub fn new(idx: NodeIdx, id: String, host: String, port: u16) -> Node {
        Node {
            id,
            host,
            port,
            cport: port.wrapping_add(10000),
            known: vec![idx],
            owners: Arc::new(vec![NO_OWNER; SLOTS]),
            owned: Vec::new(),
            unassigned: SLOTS as u32,
            migrating: Default::default(),
            importing: Default::default(),
            owner_not_claiming: Default::default(),
            config_epoch: 0,
            current_epoch: 0,
            epoch_view: Vec::new(),
            require_full_coverage: true,
            allow_reads_when_down: false,
            keys: Keyspace::default(),
            state_ok: false,
            next_client_id: 3,
            messages_sent: 0,
            messages_received: 0,
        }
    }

    /// `ip:port` as used in MOVED/ASK replies.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Owner of `slot` in this node's view.
    pub fn owner(&self, slot: u16) -> Option<NodeIdx> {
        let o = self.owners[slot as usize];
        (o != NO_OWNER).then_some(o)
    }

    /// Slots this node's view assigns to `who`, as inclusive ranges.
    pub fn ranges_of(&self, who: NodeIdx) -> Vec<(u16, u16)> {
        ranges(self.owners.iter().map(|&o| o == who))
    }

    /// Number of slots this node's view assigns to `who`.
    pub fn slot_count_of(&self, who: NodeIdx) -> usize {
        self.owned.get(who as usize).copied().unwrap_or(0) as usize
    }

    /// Number of slots with no owner in this node's view.
    pub fn unassigned_slots(&self) -> usize {
        self.unassigned as usize
    }

    /// Replaces the whole slot table (shared copy-on-write).
    pub(crate) fn set_owners(&mut self, owners: Arc<Vec<NodeIdx>>) {
        self.owned.clear();
        self.unassigned = 0;
        for &o in owners.iter() {
            self.count(o, 1);
        }
        self.owners = owners;
        self.owner_not_claiming.clear();
    }

    fn count(&mut self, o: NodeIdx, delta: i32) {
        if o == NO_OWNER {
            self.unassigned = (self.unassigned as i32 + delta) as u32;
        } else {
            if self.owned.len() <= o as usize {
                self.owned.resize(o as usize + 1, 0);
            }
            self.owned[o as usize] = (self.owned[o as usize] as i32 + delta) as u32;
        }
    }

    /// True when this node's `cluster_state` is ok.
    pub fn state_ok(&self) -> bool {
        self.state_ok
    }

    /// The config epoch of `who` as this node knows it.
    pub fn epoch_of(&self, me: NodeIdx, who: NodeIdx) -> u64 {
        if who == me {
            self.config_epoch
        } else {
            self.epoch_view.get(who as usize).copied().unwrap_or(0)
        }
    }

    pub(crate) fn set_owner(&mut self, slot: u16, who: NodeIdx) {
        let old = self.owners[slot as usize];
        if old != who {
            self.count(old, -1);
            self.count(who, 1);
            Arc::make_mut(&mut self.owners)[slot as usize] = who;
        }
        self.owner_not_claiming.remove(&slot);
    }
}

/// Turns a per-slot predicate into inclusive ranges of consecutive true slots.
pub fn ranges(flags: impl Iterator<Item = bool>) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut start: Option<u16> = None;
    let mut last = 0u16;
    for (i, f) in flags.enumerate() {
        let i = i as u16;
        match (f, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i - 1));
                start = None;
            }
            _ => {}
        }
        last = i;
    }
    if let Some(s) = start {
        out.push((s, last));
    }
    out
}

/// Formats ranges as Redis prints them in `CLUSTER NODES`: `0-4448 4449 4450-5460`.
pub fn format_ranges(r: &[(u16, u16)]) -> String {
    r.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
