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
    pub(crate) pending: Vec<u64>,
    /// Optional fixed node-table order per node (Redis's hash-table order is random;
    /// a captured layout fixes it so that `CLUSTER NODES`/`SHARDS` list nodes alike).
    pub(crate) table_order: Option<Vec<Vec<NodeIdx>>>,
    /// Simulated wall clock in milliseconds (for informational timestamps).
    pub clock_ms: u64,
    /// Slots whose ownership changed somewhere since the last gossip round: views
    /// agree on every other slot, so rounds only need to look at these.
    touched: crate::slotset::SlotSet,
    /// Membership changed: the next round looks at every node and slot.
    pub(crate) full_gossip: bool,
    /// `cluster-node-timeout`, in steps (one step stands for 100 ms).
    pub node_timeout: u64,
    /// Failure detection and elections have something to look at.
    pub(crate) watch: bool,
    /// What the cluster did on its own since [`Cluster::take_events`].
    pub(crate) events: Vec<crate::failover::Event>,
    /// Milliseconds of client waits not yet counted as a step.
    pub(crate) ms_carry: u32,
    /// A gossip round is running; a round asked for meanwhile runs after it.
    in_round: bool,
    again: bool,
}

/// Default [`Cluster::node_timeout`]: 50 steps, the 5000 ms the golden capture used.
pub const NODE_TIMEOUT_STEPS: u64 = 50;

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
            node_timeout: NODE_TIMEOUT_STEPS,
            watch: false,
            events: Vec::new(),
            ms_carry: 0,
            in_round: false,
            again: false,
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

    /// Starts a fresh node (cluster enabled, no slot, knowing only itself) at
    /// `host:port` with the given 40-character id; returns its index.
    pub fn add_node(&mut self, id: String, host: String, port: u16) -> NodeIdx {
        let idx = self.nodes.len() as NodeIdx;
        let mut node = Node::new(idx, id, host, port);
        node.up_since = self.step;
        self.nodes.push(node);
        let n = self.nodes.len();
        for node in self.nodes.iter_mut() {
            node.epoch_view.resize(n, 0);
        }
        self.update_state(idx);
        idx
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
    /// then the source, then every other master (redis-cli's clusterManagerMoveSlot skips
    /// replicas, which refuse SETSLOT).
    pub fn handover_order(&self, from: NodeIdx, to: NodeIdx) -> Vec<NodeIdx> {
        let mut order = vec![to, from];
        order.extend(
            (0..self.nodes.len() as NodeIdx)
                .filter(|&n| n != to && n != from && self.nodes[n as usize].replica_of.is_none()),
        );
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
    ///
    /// A connection to a node that is down gets no reply in reality: check
    /// [`Cluster::is_down`] first (the command would run as if the node were up).
    pub fn execute(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
        self.step += 1;
        self.clock_ms += 100;
        let reply = crate::command::process(self, conn, argv);
        self.deliver_due();
        self.cron();
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

    /// Lets one step pass without a command (propagation may arrive, failures may be
    /// detected, elections may run).
    pub fn tick(&mut self) {
        self.step += 1;
        self.clock_ms += 100;
        self.deliver_due();
        self.cron();
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
    pub(crate) fn schedule_gossip(&mut self) {
        self.schedule_gossip_after(0);
    }

    /// Schedules a gossip round `max(min, gossip_delay)` steps from now.
    pub(crate) fn schedule_gossip_after(&mut self, min: u32) {
        let delay = self.gossip_delay.max(min);
        if delay == 0 {
            self.gossip_round();
        } else {
            let due = self.step + delay as u64;
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

    /// Exchanges of PING/PONG between every pair of running nodes that know each other,
    /// applying Redis's rules for epochs, roles, membership, failure reports and slot
    /// ownership, repeated until the views stop changing.
    pub(crate) fn gossip_round(&mut self) {
        if self.in_round {
            self.again = true;
            return;
        }
        self.in_round = true;
        // A change made during a round (a node turning replica, slots it dropped) is
        // looked at by another round, a bounded number of times.
        for _ in 0..8 {
            self.again = false;
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
            if !self.again && self.touched.is_empty() {
                break;
            }
        }
        self.in_round = false;
    }

    /// Nodes learn, through gossip sections, every node their peers know: each running
    /// node ends up knowing the running nodes of its connected component (new nodes
    /// appended; a down node cannot answer the handshake), except nodes it has forgotten in
    /// the last 60 s (CLUSTER FORGET's blacklist).
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
            if self.nodes[r].down_since.is_some() {
                continue;
            }
            for &k in &self.nodes[r].known {
                if self.nodes[k as usize].down_since.is_some() {
                    continue;
                }
                let (a, b) = (find(&mut parent, r), find(&mut parent, k as usize));
                if a != b {
                    parent[a] = b;
                }
            }
        }
        let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
        let up: Vec<bool> = self.nodes.iter().map(|x| x.down_since.is_none()).collect();
        for r in 0..n {
            let node = &mut self.nodes[r];
            if node.down_since.is_some() {
                continue;
            }
            let mut seen = vec![false; n];
            for &k in node.known.iter().chain(node.blacklist.iter().map(|b| &b.0)) {
                seen[k as usize] = true;
            }
            for k in 0..n {
                // A node that does not answer never completes the handshake.
                if !seen[k] && roots[k] == roots[r] && up[k] {
                    node.known.push(k as NodeIdx);
                }
            }
        }
        self.apply_table_order();
    }

    /// One exchange about `slots` (ascending): every running node hears every running
    /// node it knows. Returns true when a slot owner or a role changed somewhere.
    fn exchange_once(&mut self, slots: &[u16]) -> bool {
        let n = self.nodes.len();
        let up: Vec<bool> = self.nodes.iter().map(|x| x.down_since.is_none()).collect();
        // What each node's PING header and gossip say: its slots (masters), epochs, role
        // (a replica advertises its master's config epoch) and the nodes it flags.
        // A replica's header carries its master's slots (clusterBuildMessageHdr).
        let mut claims: Vec<Vec<u16>> = vec![Vec::new(); n];
        for (s, node) in self.nodes.iter().enumerate() {
            let master = node.replica_of.unwrap_or(s as NodeIdx);
            if up[s] && master != NO_OWNER {
                claims[s] = slots
                    .iter()
                    .copied()
                    .filter(|&j| node.owners[j as usize] == master)
                    .collect();
            }
        }
        let headers: Vec<(u64, u64, Option<NodeIdx>)> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let cfg = match n.replica_of {
                    Some(m) => n.epoch_of(i as NodeIdx, m),
                    None => n.config_epoch,
                };
                (n.current_epoch, cfg, n.replica_of)
            })
            .collect();
        #[cfg(feature = "ops")]
        let flagged: Vec<Vec<NodeIdx>> = self
            .nodes
            .iter()
            .map(|n| n.suspects.iter().map(|s| s.node).collect())
            .collect();
        let mut changed = false;
        for r in 0..n {
            if !up[r] {
                continue;
            }
            let peers = self.nodes[r].known.clone();
            for s in peers {
                if s as usize == r || !up[s as usize] {
                    continue;
                }
                let (s_cur, s_cfg, s_master) = headers[s as usize];
                self.nodes[s as usize].messages_sent += 1;
                let rn = &mut self.nodes[r];
                rn.messages_received += 1;
                rn.current_epoch = rn.current_epoch.max(s_cur);
                if s_cfg > rn.epoch_view[s as usize] {
                    rn.epoch_view[s as usize] = s_cfg;
                }
                changed |= self.learn_role(r as NodeIdx, s, s_master);
                // The claims are the sender's, or its master's when `r` knows it as a
                // replica (`sender_master` in clusterProcessPacket).
                let claimant = match self.nodes[r].master_of(s) {
                    None => Some(s),
                    Some(m) if m != NO_OWNER && s_master.is_some() => Some(m),
                    Some(_) => None,
                };
                if let Some(m) = claimant.filter(|&m| m as usize != r) {
                    let (ch, newer) =
                        self.update_slots_config_with(r as NodeIdx, m, s_cfg, &claims[s as usize]);
                    changed |= ch;
                    // The reverse case: `s` claims a slot `r` knows to be served with a
                    // greater config epoch; `r` sends it an UPDATE about that owner
                    // (clusterSendUpdate).
                    if let Some(o) = newer {
                        changed |= self.receive_update(s, r as NodeIdx, o);
                    }
                }
                #[cfg(feature = "ops")]
                if !flagged[s as usize].is_empty() || !self.nodes[r].reports.is_empty() {
                    self.learn_failure_reports(r as NodeIdx, s, &flagged[s as usize]);
                }
            }
            // Slots bound to a known node that no longer claims them stay bound but are
            // marked, so that any claimant may take them.
            let mut unclaimed = Vec::new();
            for &j in slots {
                let o = self.nodes[r].owners[j as usize];
                if o != NO_OWNER
                    && o as usize != r
                    && up[o as usize]
                    && self.nodes[o as usize].owners[j as usize] != o
                {
                    unclaimed.push(j);
                }
            }
            self.nodes[r].owner_not_claiming.extend(unclaimed);
        }
        changed
    }

    /// `me` processes an UPDATE from `from` about `about` (clusterProcessPacket,
    /// CLUSTERMSG_TYPE_UPDATE): a greater config epoch for it, and its slots as `from`
    /// sees them. Returns true when a slot owner changed.
    fn receive_update(&mut self, me: NodeIdx, from: NodeIdx, about: NodeIdx) -> bool {
        let fview = &self.nodes[from as usize];
        let epoch = fview.epoch_of(from, about);
        let slots: Vec<u16> = (0..SLOTS as u16)
            .filter(|&j| fview.owners[j as usize] == about)
            .collect();
        let n = &mut self.nodes[me as usize];
        if !n.known.contains(&from) || !n.known.contains(&about) || n.epoch_of(me, about) >= epoch {
            return false;
        }
        n.set_master_of(about, None);
        n.epoch_view[about as usize] = epoch;
        self.update_slots_config_with(me, about, epoch, &slots).0
    }

    /// `r` reads a header of `s` outside a gossip round (a MEET and its PONG): epochs,
    /// role and the slots `s` (or its master) claims.
    pub(crate) fn hear(&mut self, r: NodeIdx, s: NodeIdx) {
        let sn = &self.nodes[s as usize];
        let (cur, master) = (sn.current_epoch, sn.replica_of);
        let claimant = master.unwrap_or(s);
        let cfg = sn.epoch_of(s, claimant);
        let claims: Vec<u16> = (0..SLOTS as u16)
            .filter(|&j| sn.owners[j as usize] == claimant)
            .collect();
        let rn = &mut self.nodes[r as usize];
        rn.current_epoch = rn.current_epoch.max(cur);
        let e = &mut rn.epoch_view[s as usize];
        *e = (*e).max(cfg);
        self.learn_role(r, s, master);
        if claimant != r && self.nodes[r as usize].known.contains(&claimant) {
            self.update_slots_config_with(r, claimant, cfg, &claims);
        }
    }

    /// What `r` learns of `s`'s role from its header (clusterProcessPacket): a replica
    /// that was a master loses its slots in `r`'s view (clusterDelNodeSlots); a replica
    /// that became a master leaves its old master's list (clusterSetNodeAsMaster).
    fn learn_role(&mut self, r: NodeIdx, s: NodeIdx, s_master: Option<NodeIdx>) -> bool {
        let rn = &mut self.nodes[r as usize];
        let seen = rn.master_of(s);
        let Some(m) = s_master else {
            if seen.is_some() {
                rn.set_master_of(s, None);
                return true;
            }
            return false;
        };
        let mut changed = false;
        if seen.is_none() {
            if rn.slot_count_of(s) > 0 {
                for j in 0..SLOTS as u16 {
                    if rn.owners[j as usize] == s {
                        rn.set_owner(j, NO_OWNER);
                        self.touched.insert(j);
                    }
                }
            }
            rn.set_master_of(s, Some(NO_OWNER));
            changed = true;
        }
        let rn = &mut self.nodes[r as usize];
        if rn.known.contains(&m) && rn.master_of(s) != Some(m) {
            rn.set_master_of(s, Some(m));
            changed = true;
        }
        changed
    }

    /// clusterUpdateSlotsConfigWith: `r` rebinds the slots `s` claims when they are
    /// unassigned (or unclaimed by their owner) or owned with a lower config epoch,
    /// except slots `r` is importing. When `r`'s master (or `r` itself) is left without
    /// slots this way, `r` becomes a replica of `s` (cluster-allow-replica-migration,
    /// default yes); otherwise the keys of slots `r` lost are deleted. Returns whether an
    /// owner changed, and an owner with a greater config epoch than `s_epoch` of a slot
    /// claimed (the node an UPDATE should tell about).
    fn update_slots_config_with(
        &mut self,
        r: NodeIdx,
        s: NodeIdx,
        s_epoch: u64,
        claims: &[u16],
    ) -> (bool, Option<NodeIdx>) {
        let rn = &mut self.nodes[r as usize];
        let cur_master = rn.replica_of.unwrap_or(r);
        let mut dirty = Vec::new();
        let mut changed = false;
        let mut took_ours = false;
        let mut newer = None;
        for &j in claims {
            let owner = rn.owners[j as usize];
            if owner == s {
                rn.owner_not_claiming.remove(&j);
                continue;
            }
            let unclaimed = owner == NO_OWNER || rn.owner_not_claiming.contains(&j);
            let owner_epoch = if unclaimed { 0 } else { rn.epoch_of(r, owner) };
            if owner_epoch > s_epoch && newer.is_none() {
                newer = Some(owner);
            }
            if rn.importing.contains_key(&j) {
                continue;
            }
            if unclaimed || owner_epoch < s_epoch {
                if owner == r && rn.keys.count_in_slot(j) > 0 {
                    dirty.push(j);
                }
                took_ours |= owner == cur_master;
                rn.set_owner(j, s);
                changed = true;
            }
        }
        if took_ours && rn.slot_count_of(cur_master) == 0 && s != r {
            self.events
                .push(crate::failover::Event::Follows { node: r, master: s });
            self.set_master(r, s);
            return (changed, newer);
        }
        if let Some(m) = rn.replica_of {
            // No sub-replicas: follow the master's master.
            if let Some(mm) = rn.master_of(m).filter(|&mm| mm != NO_OWNER && mm != r) {
                self.set_master(r, mm);
                return (changed, newer);
            }
        }
        for j in dirty {
            self.nodes[r as usize].keys.clear_slot(j);
            let replicas: Vec<NodeIdx> = self.live_replicas(r).collect();
            for x in replicas {
                self.nodes[x as usize].keys.clear_slot(j);
            }
        }
        (changed, newer)
    }

    /// Recomputes a node's `cluster_state` (clusterUpdateState): fail when a slot is
    /// unassigned or its owner is flagged FAIL while full coverage is required, or when
    /// fewer than a majority of the masters serving slots are reachable (not flagged
    /// PFAIL or FAIL).
    pub(crate) fn update_state(&mut self, i: NodeIdx) {
        let node = &self.nodes[i as usize];
        let mut ok = true;
        if node.require_full_coverage
            && (node.unassigned_slots() > 0
                || node
                    .suspects
                    .iter()
                    .any(|s| s.fail && node.slot_count_of(s.node) > 0))
        {
            ok = false;
        }
        let size = self.cluster_size(i);
        let reachable = node
            .known
            .iter()
            .filter(|&&k| node.slot_count_of(k) > 0 && node.suspect(k).is_none())
            .count();
        if reachable < size / 2 + 1 {
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

    /// The node that really serves `slot`: among running masters claiming it in their
    /// own view, the one with the highest config epoch.
    pub fn serving_owner(&self, slot: u16) -> Option<NodeIdx> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                n.owners[slot as usize] == *i as NodeIdx
                    && n.down_since.is_none()
                    && n.replica_of.is_none()
            })
            .max_by_key(|(_, n)| n.config_epoch)
            .map(|(i, _)| i as NodeIdx)
    }

    /// [`Cluster::serving_owner`] of every slot at once (one pass over each node's view;
    /// on equal epochs the later node wins, as there).
    pub fn serving_owners(&self) -> Vec<Option<NodeIdx>> {
        let mut best: Vec<Option<(NodeIdx, u64)>> = vec![None; SLOTS];
        for (i, n) in self.nodes.iter().enumerate() {
            if n.down_since.is_some() || n.replica_of.is_some() {
                continue;
            }
            for (s, &o) in n.owners.iter().enumerate() {
                if o as usize == i && best[s].is_none_or(|(_, e)| n.config_epoch >= e) {
                    best[s] = Some((o, n.config_epoch));
                }
            }
        }
        best.into_iter().map(|b| b.map(|(o, _)| o)).collect()
    }
}
