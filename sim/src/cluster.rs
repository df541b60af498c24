//! The simulated cluster: nodes, client connections and the cluster bus (gossip).

use crate::keyslot::SLOTS;
use crate::node::{Node, NO_OWNER};
use crate::resp::{Proto, Reply};

/// Index of a node in [`Cluster::nodes`].
pub type NodeIdx = u16;

/// Handle of a client connection opened with [`Cluster::connect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub usize);

/// Per-connection state, as Redis keeps it in its `client` struct.
#[derive(Clone, Debug)]
pub struct Conn {
    /// The node this connection talks to.
    pub node: NodeIdx,
    /// Negotiated protocol.
    pub proto: Proto,
    /// The one-shot `ASKING` flag.
    pub asking: bool,
    /// `READONLY` was sent (only matters on replicas).
    pub readonly: bool,
    /// Open transaction, if `MULTI` was sent.
    pub multi: Option<Multi>,
    /// Client id on its node.
    pub id: u64,
}

/// A transaction being queued.
#[derive(Clone, Debug, Default)]
pub struct Multi {
    /// Queued commands.
    pub queue: Vec<Vec<Vec<u8>>>,
    /// A command was rejected while queuing: `EXEC` will answer EXECABORT.
    pub dirty: bool,
}

/// A whole simulated cluster with explicit, steppable propagation.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// All nodes, whether or not they know each other yet.
    pub nodes: Vec<Node>,
    conns: Vec<Conn>,
    /// Steps (executed commands) a configuration change takes to reach other nodes.
    pub gossip_delay: u32,
    step: u64,
    pending: Vec<u64>,
    /// Optional fixed node-table order per node (Redis's hash-table order is random;
    /// a captured layout fixes it so that `CLUSTER NODES`/`SHARDS` list nodes alike).
    pub(crate) table_order: Option<Vec<Vec<NodeIdx>>>,
    /// Simulated wall clock in milliseconds (for informational timestamps).
    pub clock_ms: u64,
    /// Slots whose ownership changed somewhere since the last gossip round: views
    /// agree on every other slot, so rounds only need to look at these.
    touched: crate::slotset::SlotSet,
    /// Membership changed: the next round looks at every node and slot.
    full_gossip: bool,
}

impl Cluster {
    /// Fresh, unjoined nodes at the given (id, host, port), each knowing only itself.
    pub fn new_unjoined(specs: &[(String, String, u16)]) -> Cluster {
        assert!(specs.len() <= 1000, "at most 1000 nodes");
        let n = specs.len();
        let nodes = specs
            .iter()
            .enumerate()
            .map(|(i, (id, host, port))| {
                let mut node = Node::new(i as NodeIdx, id.clone(), host.clone(), *port);
                node.epoch_view = vec![0; n];
                node
            })
            .collect();
        let mut cluster = Cluster {
            nodes,
            conns: Vec::new(),
            gossip_delay: 0,
            step: 0,
            pending: Vec::new(),
            table_order: None,
            clock_ms: 1_795_763_920_000,
            touched: Default::default(),
            full_gossip: true,
        };
        for i in 0..n {
            cluster.update_state(i as NodeIdx);
        }
        cluster
    }

    /// A joined cluster: node `i` owns the slot ranges `ranges[i]`, has config epoch
    /// `i + 1`, and every node knows every other one and agrees on the slot map.
    pub fn with_ranges(specs: &[(String, String, u16)], ranges: &[Vec<(u16, u16)>]) -> Cluster {
        let mut c = Cluster::new_unjoined(specs);
        let n = c.nodes.len();
        // The converged state gossip would reach: every node knows every node, its
        // epoch and the same slot map (shared copy-on-write until a view diverges).
        let mut owners = vec![NO_OWNER; SLOTS];
        for (i, rs) in ranges.iter().enumerate() {
            for &(a, b) in rs {
                for s in a..=b {
                    owners[s as usize] = i as NodeIdx;
                }
            }
        }
        let owners = std::sync::Arc::new(owners);
        let epochs: Vec<u64> = (1..=n as u64).collect();
        for (i, node) in c.nodes.iter_mut().enumerate() {
            node.set_owners(owners.clone());
            node.config_epoch = i as u64 + 1;
            node.current_epoch = n as u64;
            node.epoch_view = epochs.clone();
            node.known = (0..n as NodeIdx).collect();
        }
        c.apply_table_order();
        for i in 0..n {
            c.update_state(i as NodeIdx);
        }
        c.full_gossip = false;
        c
    }

    /// Fixes each node's node-table order (see [`Cluster::table_order`]).
    pub fn set_table_order(&mut self, order: Vec<Vec<NodeIdx>>) {
        self.table_order = Some(order);
        self.apply_table_order();
    }

    fn apply_table_order(&mut self) {
        let Some(order) = &self.table_order else {
            return;
        };
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if let Some(o) = order.get(i) {
                // Listed nodes first, in the given order; then the others as they were.
                let mut known: Vec<NodeIdx> = o
                    .iter()
                    .copied()
                    .filter(|k| node.known.contains(k))
                    .collect();
                known.extend(node.known.iter().copied().filter(|k| !o.contains(k)));
                node.known = known;
            }
        }
    }

    /// Opens a client connection to `node`.
    pub fn connect(&mut self, node: NodeIdx) -> ConnId {
        let n = &mut self.nodes[node as usize];
        let id = n.next_client_id;
        n.next_client_id += 1;
        self.conns.push(Conn {
            node,
            proto: Proto::Resp2,
            asking: false,
            readonly: false,
            multi: None,
            id,
        });
        ConnId(self.conns.len() - 1)
    }

    /// The state of a connection.
    pub fn conn(&self, id: ConnId) -> &Conn {
        &self.conns[id.0]
    }

    pub(crate) fn conn_mut(&mut self, id: ConnId) -> &mut Conn {
        &mut self.conns[id.0]
    }

    /// The node at `host:port`, if any.
    pub fn node_by_addr(&self, host: &[u8], port: &[u8]) -> Option<NodeIdx> {
        self.nodes
            .iter()
            .position(|n| n.host.as_bytes() == host && n.port.to_string().as_bytes() == port)
            .map(|i| i as NodeIdx)
    }

    /// `MIGRATE host port "" 0 5000 KEYS key...` sending `keys` to node `to`.
    pub fn migrate_argv(&self, to: NodeIdx, keys: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let target = &self.nodes[to as usize];
        let mut argv = vec![
            b"MIGRATE".to_vec(),
            target.host.clone().into_bytes(),
            target.port.to_string().into_bytes(),
            Vec::new(),
            b"0".to_vec(),
            b"5000".to_vec(),
            b"KEYS".to_vec(),
        ];
        argv.extend(keys.iter().cloned());
        argv
    }

    /// The order in which a finished migration's `SETSLOT NODE` goes out: the target,
    /// then the source, then every other node.
    pub fn handover_order(&self, from: NodeIdx, to: NodeIdx) -> Vec<NodeIdx> {
        let mut order = vec![to, from];
        order.extend((0..self.nodes.len() as NodeIdx).filter(|n| *n != to && *n != from));
        order
    }

    /// The node with the given 40-character id, if `from` knows it.
    pub fn known_node_by_id(&self, from: NodeIdx, id: &[u8]) -> Option<NodeIdx> {
        self.nodes[from as usize]
            .known
            .iter()
            .copied()
            .find(|&k| self.nodes[k as usize].id.as_bytes() == id)
    }

    /// Executes one command on a connection and returns the reply. Every call is one
    /// step: configuration changes waiting for `gossip_delay` steps may arrive after it.
    pub fn execute(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
        self.step += 1;
        self.clock_ms += 100;
        let reply = crate::command::process(self, conn, argv);
        self.deliver_due();
        reply
    }

    /// Executes a command and returns its exact wire bytes (in the connection's protocol).
    pub fn execute_raw(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Vec<u8> {
        let reply = self.execute(conn, argv);
        reply.encode(self.conns[conn.0].proto)
    }

    /// Current step number (commands executed so far).
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Number of propagation rounds still in flight.
    pub fn pending_propagation(&self) -> usize {
        self.pending.len()
    }

    /// Lets one step pass without a command (propagation may arrive).
    pub fn tick(&mut self) {
        self.step += 1;
        self.deliver_due();
    }

    /// Delivers every configuration change still in flight.
    pub fn settle(&mut self) {
        if !self.pending.is_empty() {
            self.pending.clear();
            self.gossip_round();
        }
    }

    /// Schedules a gossip round after a change of membership (every slot and node is
    /// looked at).
    #[cfg(feature = "all-commands")]
    pub(crate) fn schedule_full_gossip(&mut self) {
        self.full_gossip = true;
        self.schedule_gossip();
    }

    /// Schedules a gossip round after `slots` changed owner in some node's view.
    pub(crate) fn schedule_gossip_for(&mut self, slots: impl IntoIterator<Item = u16>) {
        self.touched.extend(slots);
        self.schedule_gossip();
    }

    /// Schedules a gossip round: every node tells every node it knows its slots and
    /// epochs, `gossip_delay` steps from now (at once when the delay is zero).
    fn schedule_gossip(&mut self) {
        if self.gossip_delay == 0 {
            self.gossip_round();
        } else {
            let due = self.step + self.gossip_delay as u64;
            if !self.pending.contains(&due) {
                self.pending.push(due);
            }
        }
    }

    fn deliver_due(&mut self) {
        if self.pending.iter().any(|&d| d <= self.step) {
            self.pending.retain(|&d| d > self.step);
            self.gossip_round();
        }
    }

    /// Exchanges of PING/PONG between every pair of nodes that know each other,
    /// applying Redis's rules for epochs, membership and slot ownership, repeated
    /// until the views stop changing.
    pub(crate) fn gossip_round(&mut self) {
        let slots: Vec<u16> = if self.full_gossip {
            self.spread_membership();
            (0..SLOTS as u16).collect()
        } else {
            self.touched.iter().collect()
        };
        self.full_gossip = false;
        self.touched.clear();
        for _ in 0..4 {
            if !self.exchange_once(&slots) {
                break;
            }
        }
        for i in 0..self.nodes.len() {
            self.update_state(i as NodeIdx);
        }
    }

    /// Nodes learn, through gossip sections, every node their peers know: each node
    /// ends up knowing its whole connected component (new nodes appended).
    fn spread_membership(&mut self) {
        let n = self.nodes.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for r in 0..n {
            for &k in &self.nodes[r].known {
                let (a, b) = (find(&mut parent, r), find(&mut parent, k as usize));
                if a != b {
                    parent[a] = b;
                }
            }
        }
        let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
        for r in 0..n {
            let mut seen = vec![false; n];
            for &k in &self.nodes[r].known {
                seen[k as usize] = true;
            }
            for k in 0..n {
                if !seen[k] && roots[k] == roots[r] {
                    self.nodes[r].known.push(k as NodeIdx);
                }
            }
        }
        self.apply_table_order();
    }

    /// One exchange about `slots` (ascending): every node hears every node it knows.
    /// Returns true when some slot owner changed somewhere.
    fn exchange_once(&mut self, slots: &[u16]) -> bool {
        let n = self.nodes.len();
        let mut claims: Vec<Vec<u16>> = vec![Vec::new(); n];
        for (s, node) in self.nodes.iter().enumerate() {
            for &j in slots {
                if node.owners[j as usize] as usize == s {
                    claims[s].push(j);
                }
            }
        }
        let epochs: Vec<(u64, u64)> = self
            .nodes
            .iter()
            .map(|n| (n.current_epoch, n.config_epoch))
            .collect();
        let mut changed = false;
        for r in 0..n {
            let peers = self.nodes[r].known.clone();
            for s in peers {
                if s as usize == r {
                    continue;
                }
                let (s_cur, s_cfg) = epochs[s as usize];
                self.nodes[s as usize].messages_sent += 1;
                let rn = &mut self.nodes[r];
                rn.messages_received += 1;
                rn.current_epoch = rn.current_epoch.max(s_cur);
                if s_cfg > rn.epoch_view[s as usize] {
                    rn.epoch_view[s as usize] = s_cfg;
                }
                changed |=
                    self.update_slots_config_with(r as NodeIdx, s, s_cfg, &claims[s as usize]);
            }
            // Slots bound to a known node that no longer claims them stay bound but are
            // marked, so that any claimant may take them.
            let mut unclaimed = Vec::new();
            for &j in slots {
                let o = self.nodes[r].owners[j as usize];
                if o != NO_OWNER
                    && o as usize != r
                    && self.nodes[o as usize].owners[j as usize] != o
                {
                    unclaimed.push(j);
                }
            }
            self.nodes[r].owner_not_claiming.extend(unclaimed);
        }
        changed
    }

    /// clusterUpdateSlotsConfigWith: `r` rebinds the slots `s` claims when they are
    /// unassigned (or unclaimed by their owner) or owned with a lower config epoch,
    /// except slots `r` is importing. A slot `r` loses while holding keys in it is
    /// emptied, as Redis does. Returns true when an owner changed.
    fn update_slots_config_with(
        &mut self,
        r: NodeIdx,
        s: NodeIdx,
        s_epoch: u64,
        claims: &[u16],
    ) -> bool {
        let rn = &mut self.nodes[r as usize];
        let mut dirty = Vec::new();
        let mut changed = false;
        for &j in claims {
            let owner = rn.owners[j as usize];
            if owner == s {
                rn.owner_not_claiming.remove(&j);
                continue;
            }
            if rn.importing.contains_key(&j) {
                continue;
            }
            let unclaimed = owner == NO_OWNER || rn.owner_not_claiming.contains(&j);
            if unclaimed || rn.epoch_of(r, owner) < s_epoch {
                if owner == r && rn.keys.count_in_slot(j) > 0 {
                    dirty.push(j);
                }
                rn.set_owner(j, s);
                changed = true;
            }
        }
        for j in dirty {
            rn.keys.clear_slot(j);
        }
        changed
    }

    /// Recomputes a node's `cluster_state` (clusterUpdateState).
    pub(crate) fn update_state(&mut self, i: NodeIdx) {
        let node = &self.nodes[i as usize];
        let mut ok = true;
        if node.require_full_coverage && node.unassigned_slots() > 0 {
            ok = false;
        }
        let size = self.cluster_size(i);
        let quorum = size / 2 + 1;
        if size < quorum {
            ok = false;
        }
        self.nodes[i as usize].state_ok = ok;
    }

    /// Masters serving at least one slot, in node `i`'s view.
    pub fn cluster_size(&self, i: NodeIdx) -> usize {
        let node = &self.nodes[i as usize];
        node.known
            .iter()
            .filter(|&&k| node.slot_count_of(k) > 0)
            .count()
    }

    /// The node that really serves `slot`: among nodes claiming it in their own view,
    /// the one with the highest config epoch.
    pub fn serving_owner(&self, slot: u16) -> Option<NodeIdx> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| n.owners[slot as usize] == *i as NodeIdx)
            .max_by_key(|(_, n)| n.config_epoch)
            .map(|(i, _)| i as NodeIdx)
    }

    /// [`Cluster::serving_owner`] of every slot at once (one pass over each node's view;
    /// on equal epochs the later node wins, as there).
    pub fn serving_owners(&self) -> Vec<Option<NodeIdx>> {
        let mut best: Vec<Option<(NodeIdx, u64)>> = vec![None; SLOTS];
        for (i, n) in self.nodes.iter().enumerate() {
            for (s, &o) in n.owners.iter().enumerate() {
                if o as usize == i && best[s].is_none_or(|(_, e)| n.config_epoch >= e) {
                    best[s] = Some((o, n.config_epoch));
                }
            }
        }
        best.into_iter().map(|b| b.map(|(o, _)| o)).collect()
    }
}
