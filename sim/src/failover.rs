//! Failure detection, replica elections and replication, as Redis 7.0's cluster.c does
//! them, in steps.
//!
//! Time: one step stands for 100 ms (every command executed is one step, and so is
//! every [`Cluster::tick`]); [`Cluster::node_timeout`] is `cluster-node-timeout` in
//! steps (50 = the golden capture's 5000 ms). Everything is deterministic: where Redis
//! draws a random delay, the simulator takes the fixed part only.
//!
//! What happens after [`Cluster::fail_node`] (checked against a real 7.0.15 cluster of
//! three masters and three replicas, node timeout 5000 ms: PFAIL after 6.8 s, FAIL at
//! 7.7 s, the replica promoted at 8.8 s):
//! 1. `clusterCron`: a node that has heard nothing from a peer for more than
//!    `node_timeout` steps flags it `fail?` (PFAIL).
//! 2. `clusterSendPing` adds every PFAIL node to the gossip of the next PINGs; a master's
//!    flag becomes a failure report on the receiver (`clusterProcessGossipSection`). They
//!    arrive `max(1, gossip_delay)` steps after the flag is set.
//! 3. `markNodeAsFailingIfNeeded`: a node that flags the peer PFAIL itself and holds
//!    reports from a majority of the masters that serve slots (counting itself when it is a
//!    master) flags it `fail` and broadcasts FAIL (`clusterSendFail`), which every reachable
//!    node applies at once. A master flagged `fail` makes `cluster_state` fail on nodes
//!    that require full coverage (`clusterUpdateState`).
//! 4. `clusterHandleSlaveFailover`: a replica of a failed master that serves slots starts
//!    an election 5 steps (the fixed 500 ms) plus 10 steps per better-placed replica (its
//!    rank; Redis adds a random 0-500 ms, here replaced by the node order between replicas
//!    with the same offset) after it sees the FAIL: it bumps `currentEpoch` and asks every
//!    master for a vote (`clusterSendFailoverAuthIfNeeded`); votes come back in the same
//!    step. With a majority of the masters that serve slots it takes `configEpoch` = the
//!    election's epoch and claims its master's slots (`clusterFailoverReplaceYourMaster`);
//!    the others learn it by gossip, after `gossip_delay` steps. Without a majority it tries
//!    again four node timeouts later (`auth_retry_time`).
//! 5. When the old master runs again ([`Cluster::recover_node`]), it hears that its slots
//!    belong to a greater config epoch and becomes a replica of the new owner
//!    (`clusterUpdateSlotsConfigWith` then `clusterSetMaster`); the others clear its FAIL
//!    flag as soon as it answers, since it serves no slot any more (`clearNodeFailureIfNeeded`).
//!    A master that was not failed over keeps its FAIL flag until it answers and two node
//!    timeouts have passed since the flag was set. A node that keeps claiming slots another
//!    node serves with a greater config epoch gets an UPDATE about that node.
//!
//! Replication is immediate: a replica holds its master's keys, every write goes to the
//! running replicas as it is made, and a replica that attaches (CLUSTER REPLICATE, a
//! demoted master, a restart) copies the whole keyspace at once. Offsets count the
//! replication stream's bytes: the master's first PING (14 bytes) when its first replica
//! attaches, `SELECT 0` (23 bytes) before the first write after a full sync, then each
//! write as RESP.
//!
//! Not modelled: network partitions (a node is either running or down for everyone);
//! manual failover (CLUSTER FAILOVER), `cluster-replica-no-failover` and
//! `cluster-replica-validity-factor` (a replica never thinks its data too old);
//! replica migration to orphaned masters; the handshake of nodes learned through gossip
//! (they are known at once); Redis's wait before a replica's full sync
//! (`repl-diskless-sync-delay`, 5 s, while it is `loading` and left out of CLUSTER SLOTS),
//! its PINGs every 10 s, and the lag of offsets other nodes show; a restarted process's
//! 2 s in `cluster_state:fail` (CLUSTER_WRITABLE_DELAY) or its empty dataset without
//! persistence; the delay before a master that was in a minority turns `ok` again.

use crate::cluster::{Cluster, NodeIdx};
use crate::keyslot::SLOTS;
use crate::node::NO_OWNER;
#[cfg(feature = "ops")]
use crate::node::{Election, Suspect};

/// Bytes of `SELECT 0` in the replication stream (`*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n`).
const SELECT_BYTES: u64 = 23;
/// Bytes of the master's `PING` to its replicas (`*1\r\n$4\r\nPING\r\n`).
const PING_BYTES: u64 = 14;
/// `CLUSTER_BLACKLIST_TTL`: a forgotten node is not re-added for 60 s (600 steps).
pub const BLACKLIST_STEPS: u64 = 600;

/// Something the cluster did on its own (failure detection, elections, reconfiguration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// `by` nodes flagged `node` PFAIL: it did not answer for more than the node timeout.
    Pfail { node: NodeIdx, by: usize },
    /// `by` counted failure reports from a majority of masters and flagged `node` FAIL.
    Fail {
        node: NodeIdx,
        by: NodeIdx,
        reports: usize,
        quorum: usize,
    },
    /// `by` cleared its FAIL flag on `node`, which answers again.
    FailCleared { node: NodeIdx, by: usize },
    /// Replica `node` asked the masters for votes in `epoch`.
    Election {
        node: NodeIdx,
        epoch: u64,
        votes: usize,
        quorum: usize,
    },
    /// Replica `node` won and now serves `old`'s slots with config epoch `epoch`.
    Promoted {
        node: NodeIdx,
        old: NodeIdx,
        epoch: u64,
    },
    /// `node` became a replica of `master` (it lost its last slot to it, or followed it).
    Follows { node: NodeIdx, master: NodeIdx },
}

/// Why a slot has no serving master that every running node agrees on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unserved {
    /// Running members disagree about the owner, or some have none for it while its owner
    /// runs (news still spreading, a slot dropped with DELSLOTS).
    Disagree,
    /// No running node assigns the slot.
    NoOwner,
    /// The owner is down: `replicas` of its replicas run; the one that runs the first
    /// election (greatest offset, then node order; the masters refuse the others for two
    /// node timeouts after each vote) flags the owner FAIL (`failed`: a majority of
    /// masters reported it, in its view) and can reach `masters` running masters that serve
    /// slots, of the `needed` majority in its view. A node that joined while the owner was
    /// down does not know it and cannot report it.
    OwnerDown {
        owner: NodeIdx,
        replicas: usize,
        failed: bool,
        masters: usize,
        needed: usize,
    },
}

impl Cluster {
    /// True while the node's process is down ([`Cluster::fail_node`]).
    pub fn is_down(&self, node: NodeIdx) -> bool {
        self.nodes[node as usize].down_since.is_some()
    }

    /// Stops a node's process: it answers nothing (clients get a refused connection) and
    /// hears nothing, keeping its memory as it is. False when it is already down.
    #[cfg(feature = "ops")]
    pub fn fail_node(&mut self, node: NodeIdx) -> bool {
        let step = self.step();
        let n = &mut self.nodes[node as usize];
        if n.down_since.is_some() {
            return false;
        }
        n.down_since = Some(step);
        self.watch = true;
        true
    }

    /// Runs a stopped node again with the keys and cluster view it had (as a process
    /// resumed, or restarted with its data and nodes.conf). It hears and is heard at once.
    /// False when it was running.
    #[cfg(feature = "ops")]
    pub fn recover_node(&mut self, node: NodeIdx) -> bool {
        let step = self.step();
        let n = &mut self.nodes[node as usize];
        if n.down_since.take().is_none() {
            return false;
        }
        n.up_since = step;
        self.sync_replica(node);
        let replicas: Vec<NodeIdx> = self.live_replicas(node).collect();
        for r in replicas {
            self.sync_replica(r);
        }
        self.watch = true;
        self.schedule_full_gossip();
        true
    }

    /// Takes the events recorded since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Lets `ms` milliseconds pass (a client's sleep): one step per whole 100 ms, the
    /// remainder carried over to the next wait.
    pub fn pass_ms(&mut self, ms: u32) {
        self.ms_carry += ms;
        while self.ms_carry >= 100 {
            self.ms_carry -= 100;
            self.tick();
        }
    }

    /// Lets `steps` steps pass.
    pub fn advance(&mut self, steps: u64) {
        for _ in 0..steps {
            self.tick();
        }
    }

    /// Steps until failure detection, an election or a delivery may change something
    /// (`None`: nothing is scheduled).
    pub fn next_event_in(&self) -> Option<u64> {
        let now = self.step();
        let nt = self.node_timeout;
        let mut due: Vec<u64> = self.pending.clone();
        for (x, n) in self.nodes.iter().enumerate() {
            if let Some(d) = n.down_since {
                for r in self.nodes.iter().filter(|r| r.down_since.is_none()) {
                    if r.known.contains(&(x as NodeIdx)) && r.suspect(x as NodeIdx).is_none() {
                        due.push(d.max(r.up_since) + nt + 1);
                    }
                }
            }
            if n.down_since.is_none() {
                if let Some(e) = n.election {
                    due.push(if e.sent { e.at + 4 * nt } else { e.at });
                }
                for s in n.suspects.iter().filter(|s| s.fail) {
                    if !self.is_down(s.node) {
                        due.push(s.since + 2 * nt + 1);
                    }
                }
                due.extend(n.blacklist.iter().map(|b| b.1));
                if self.can_start_election(x as NodeIdx) && n.election.is_none() {
                    due.push(now + 1);
                }
            }
        }
        due.into_iter().map(|d| d.max(now + 1) - now).min()
    }

    /// Why `slot` is not served by one running master that every running member agrees
    /// on (`None` when it is). A down owner comes first: members that never heard of it
    /// (they joined while it and its replicas were down) learn it when it answers again.
    pub fn unserved(&self, slot: u16) -> Option<Unserved> {
        let mut owners: Vec<NodeIdx> = Vec::new();
        let mut missing = false;
        for (i, n) in self.nodes.iter().enumerate() {
            if n.down_since.is_some() || !self.is_member(i as NodeIdx) {
                continue;
            }
            match n.owners[slot as usize] {
                NO_OWNER => missing = true,
                o if !owners.contains(&o) => owners.push(o),
                _ => {}
            }
        }
        // Views may differ about owners that are all down: a node that was down too when
        // a replica took over never heard of it. The newest config epoch is the owner.
        if owners.len() > 1 && owners.iter().any(|&o| !self.is_down(o)) {
            return Some(Unserved::Disagree);
        }
        let Some(o) = owners
            .iter()
            .copied()
            .max_by_key(|&o| self.nodes[o as usize].config_epoch)
        else {
            return Some(Unserved::NoOwner);
        };
        let owner_node = &self.nodes[o as usize];
        if owner_node.down_since.is_none() {
            let serves = owner_node.replica_of.is_none() && !missing;
            return (!serves).then_some(Unserved::Disagree);
        }
        // A running replica can win with the votes of the running masters serving slots
        // that know it, that it knows, and that flag its master FAIL (a master that joined
        // while it was down does not know it).
        let replicas: Vec<NodeIdx> = (0..self.nodes.len() as NodeIdx)
            .filter(|&r| self.nodes[r as usize].replica_of == Some(o) && !self.is_down(r))
            .collect();
        let chances = |r: NodeIdx| {
            let rn = &self.nodes[r as usize];
            let voters = rn
                .known
                .iter()
                .filter(|&&v| {
                    let vn = &self.nodes[v as usize];
                    vn.down_since.is_none()
                        && vn.replica_of.is_none()
                        && vn.slot_count_of(v) > 0
                        && vn.known.contains(&r)
                        && vn.flags_fail(o)
                })
                .count();
            (voters, self.cluster_size(r) / 2 + 1)
        };
        // The replica that tries first (greatest offset, then node order) is the one that
        // matters: the masters refuse the others for two node timeouts after each vote.
        let first = replicas
            .iter()
            .copied()
            .max_by_key(|&r| (self.nodes[r as usize].repl_offset, std::cmp::Reverse(r)));
        let r = first.or(self.first_up()).unwrap_or(0);
        let (masters, needed) = chances(r);
        Some(Unserved::OwnerDown {
            owner: o,
            replicas: replicas.len(),
            failed: self.nodes[r as usize].flags_fail(o),
            masters,
            needed,
        })
    }

    /// True when the node belongs to a cluster: it knows a running node, or a running node
    /// knows it (a node whose only peers are down is cut off).
    pub fn is_member(&self, node: NodeIdx) -> bool {
        let me = &self.nodes[node as usize];
        self.nodes.iter().enumerate().any(|(i, n)| {
            i != node as usize
                && n.down_since.is_none()
                && (n.known.contains(&node) || me.known.contains(&(i as NodeIdx)))
        })
    }

    fn first_up(&self) -> Option<NodeIdx> {
        (0..self.nodes.len() as NodeIdx).find(|&i| !self.is_down(i) && self.is_member(i))
    }

    /// Running replicas of `master` (the truth, not a view).
    pub(crate) fn live_replicas(&self, master: NodeIdx) -> impl Iterator<Item = NodeIdx> + '_ {
        (0..self.nodes.len() as NodeIdx).filter(move |&r| {
            let n = &self.nodes[r as usize];
            n.replica_of == Some(master) && n.down_since.is_none()
        })
    }

    /// Makes `replica` replicate `master` in every node's view at once, as a layout or a
    /// pasted topology starts (a cluster already settled).
    pub fn make_replica(&mut self, replica: NodeIdx, master: NodeIdx) {
        let epoch = self.nodes[master as usize].config_epoch;
        for n in self.nodes.iter_mut() {
            n.set_master_of(replica, Some(master));
            if let Some(e) = n.epoch_view.get_mut(replica as usize) {
                *e = epoch;
            }
        }
        self.nodes[replica as usize].replica_of = Some(master);
        self.sync_replica(replica);
        self.update_state(replica);
    }

    /// clusterSetMaster: `me` replicates `master` (closing its migrations) and
    /// resynchronises from it.
    pub(crate) fn set_master(&mut self, me: NodeIdx, master: NodeIdx) {
        let n = &mut self.nodes[me as usize];
        if n.replica_of.is_none() {
            n.migrating = Default::default();
            n.importing = Default::default();
        }
        n.replica_of = Some(master);
        n.set_master_of(me, Some(master));
        n.election = None;
        self.sync_replica(me);
        self.update_state(me);
        self.schedule_gossip();
    }

    /// A full synchronisation of a running replica from its running master: the
    /// replica's keys become the master's (replication is immediate here).
    pub(crate) fn sync_replica(&mut self, me: NodeIdx) {
        let Some(m) = self.nodes[me as usize].replica_of else {
            return;
        };
        if self.is_down(me) || self.is_down(m) {
            return;
        }
        let master = &mut self.nodes[m as usize];
        if !master.backlog {
            // The backlog is created with the first replica; the master's first PING to
            // it (every repl-ping-replica-period, 10 s) is counted right away.
            master.backlog = true;
            master.repl_offset += PING_BYTES;
        }
        // A full resync makes the next write start with SELECT (slaveseldb = -1).
        master.select_pending = true;
        let (keys, offset) = (master.keys.clone(), master.repl_offset);
        let r = &mut self.nodes[me as usize];
        r.keys = keys;
        r.repl_offset = offset;
    }

    /// Counts a write of `bytes` bytes in `master`'s replication stream and its replicas'.
    pub(crate) fn feed_backlog(&mut self, master: NodeIdx, bytes: u64) {
        let m = &mut self.nodes[master as usize];
        if !m.backlog {
            return;
        }
        let bytes = bytes + if m.select_pending { SELECT_BYTES } else { 0 };
        m.select_pending = false;
        m.repl_offset += bytes;
        let offset = m.repl_offset;
        let replicas: Vec<NodeIdx> = self.live_replicas(master).collect();
        for r in replicas {
            self.nodes[r as usize].repl_offset = offset;
        }
    }

    /// The failure-detector and election work of one step (clusterCron).
    pub(crate) fn cron(&mut self) {
        if !self.watch {
            return;
        }
        let now = self.step();
        let mut news = false;
        for node in self.nodes.iter_mut() {
            let banned = node.blacklist.len();
            node.blacklist.retain(|b| b.1 > now);
            // A ban is over: gossip may introduce the node again.
            news |= node.blacklist.len() != banned;
        }
        self.full_gossip |= news;
        #[cfg(feature = "ops")]
        {
            news |= self.detect_failures(now);
            for r in 0..self.nodes.len() as NodeIdx {
                self.handle_failover(r, now);
            }
        }
        if news {
            // PFAIL flags ride on the next PINGs.
            self.schedule_gossip_after(1);
        }
        for i in 0..self.nodes.len() {
            self.update_state(i as NodeIdx);
        }
        self.watch = self.nodes.iter().any(|x| {
            x.down_since.is_some()
                || !x.suspects.is_empty()
                || x.election.is_some()
                || !x.blacklist.is_empty()
        });
    }

    /// Flags peers PFAIL after the node timeout, and clears flags on peers that answer
    /// again (PFAIL at once, FAIL as clearNodeFailureIfNeeded says). True when a flag changed.
    #[cfg(feature = "ops")]
    fn detect_failures(&mut self, now: u64) -> bool {
        let nt = self.node_timeout;
        let n = self.nodes.len();
        let mut news = false;
        for x in 0..n {
            let Some(d) = self.nodes[x].down_since else {
                continue;
            };
            let mut by = 0;
            for r in 0..n {
                let rn = &mut self.nodes[r];
                if rn.down_since.is_some()
                    || !rn.known.contains(&(x as NodeIdx))
                    || rn.suspect(x as NodeIdx).is_some()
                    || now <= d.max(rn.up_since) + nt
                {
                    continue;
                }
                rn.suspects.push(Suspect {
                    node: x as NodeIdx,
                    fail: false,
                    since: now,
                });
                by += 1;
            }
            if by > 0 {
                news = true;
                self.events.push(Event::Pfail {
                    node: x as NodeIdx,
                    by,
                });
            }
        }
        let mut cleared: Vec<(NodeIdx, usize)> = Vec::new();
        for r in 0..n {
            if self.nodes[r].down_since.is_some() {
                continue;
            }
            let mut gone = Vec::new();
            let rn = &self.nodes[r];
            for s in &rn.suspects {
                if self.nodes[s.node as usize].down_since.is_some() {
                    continue;
                }
                let replica = rn.master_of(s.node).is_some();
                let clear =
                    !s.fail || replica || rn.slot_count_of(s.node) == 0 || now - s.since > 2 * nt;
                if clear {
                    gone.push((s.node, s.fail));
                }
            }
            news |= !gone.is_empty();
            self.nodes[r]
                .suspects
                .retain(|s| !gone.iter().any(|(g, _)| *g == s.node));
            for (g, fail) in gone {
                if fail {
                    match cleared.iter_mut().find(|c| c.0 == g) {
                        Some(c) => c.1 += 1,
                        None => cleared.push((g, 1)),
                    }
                }
            }
        }
        for (node, by) in cleared {
            self.events.push(Event::FailCleared { node, by });
        }
        news
    }

    /// The conditions clusterHandleSlaveFailover checks first: a running replica whose
    /// master is flagged FAIL and serves slots, in its view.
    fn can_start_election(&self, r: NodeIdx) -> bool {
        let rn = &self.nodes[r as usize];
        match rn.replica_of {
            Some(m) if rn.down_since.is_none() => rn.flags_fail(m) && rn.slot_count_of(m) > 0,
            _ => false,
        }
    }

    /// clusterHandleSlaveFailover for replica `r`.
    #[cfg(feature = "ops")]
    fn handle_failover(&mut self, r: NodeIdx, now: u64) {
        if !self.can_start_election(r) {
            return;
        }
        let nt = self.node_timeout;
        let rn = &self.nodes[r as usize];
        let m = rn.replica_of.unwrap_or(NO_OWNER);
        let retry = rn.election.is_none_or(|e| now > e.at + 4 * nt);
        if retry {
            // Fixed 500 ms, plus one second per replica of the same master with a greater
            // offset (or, standing for Redis's random delay, the same offset and an
            // earlier place in the node list).
            let mine = rn.repl_offset;
            let rank = rn
                .replicas_of(m)
                .filter(|&o| {
                    let off = self.nodes[o as usize].repl_offset;
                    o != r && (off > mine || (off == mine && o < r))
                })
                .count() as u64;
            self.nodes[r as usize].election = Some(Election {
                at: now + 5 + 10 * rank,
                sent: false,
            });
            return;
        }
        let Some(e) = self.nodes[r as usize].election else {
            return;
        };
        if e.sent || now < e.at || now - e.at > 2 * nt {
            return;
        }
        self.nodes[r as usize].election = Some(Election { sent: true, ..e });
        let rn = &mut self.nodes[r as usize];
        rn.current_epoch += 1;
        let epoch = rn.current_epoch;
        let quorum = self.cluster_size(r) / 2 + 1;
        let claimed: Vec<u16> = (0..SLOTS as u16)
            .filter(|&s| self.nodes[r as usize].owners[s as usize] == m)
            .collect();
        let claim_epoch = self.nodes[r as usize].epoch_of(r, m);
        let mut votes = 0;
        for v in 0..self.nodes.len() as NodeIdx {
            if v != r && self.vote(v, r, epoch, &claimed, claim_epoch, now) {
                votes += 1;
            }
        }
        self.events.push(Event::Election {
            node: r,
            epoch,
            votes,
            quorum,
        });
        if votes >= quorum {
            self.promote(r, m, epoch);
        }
    }

    /// clusterSendFailoverAuthIfNeeded: does master `v` vote for replica `r`?
    #[cfg(feature = "ops")]
    fn vote(
        &mut self,
        v: NodeIdx,
        r: NodeIdx,
        epoch: u64,
        claimed: &[u16],
        claim_epoch: u64,
        now: u64,
    ) -> bool {
        let nt = self.node_timeout;
        let vn = &mut self.nodes[v as usize];
        if vn.down_since.is_some() || !vn.known.contains(&r) {
            return false;
        }
        // The request's header raises the voter's currentEpoch.
        vn.current_epoch = vn.current_epoch.max(epoch);
        if vn.replica_of.is_some() || vn.slot_count_of(v) == 0 {
            return false;
        }
        if epoch < vn.current_epoch || vn.last_vote_epoch == vn.current_epoch {
            return false;
        }
        let Some(master) = vn.master_of(r).filter(|&m| m != NO_OWNER) else {
            return false;
        };
        if !vn.flags_fail(master) {
            return false;
        }
        if vn
            .voted
            .iter()
            .any(|&(m, t)| m == master && now - t < 2 * nt)
        {
            return false;
        }
        let newer = claimed.iter().any(|&s| {
            let o = vn.owners[s as usize];
            o != NO_OWNER && !vn.owner_not_claiming.contains(&s) && vn.epoch_of(v, o) > claim_epoch
        });
        if newer {
            return false;
        }
        vn.last_vote_epoch = vn.current_epoch;
        vn.voted.retain(|&(m, _)| m != master);
        vn.voted.push((master, now));
        true
    }

    /// clusterFailoverReplaceYourMaster: replica `r` becomes a master, takes `old`'s slots
    /// with config epoch `epoch` and tells every node.
    #[cfg(feature = "ops")]
    fn promote(&mut self, r: NodeIdx, old: NodeIdx, epoch: u64) {
        let rn = &mut self.nodes[r as usize];
        rn.replica_of = None;
        rn.set_master_of(r, None);
        rn.election = None;
        rn.config_epoch = rn.config_epoch.max(epoch);
        let mut slots = Vec::new();
        for s in 0..SLOTS as u16 {
            if rn.owners[s as usize] == old {
                rn.set_owner(s, r);
                slots.push(s);
            }
        }
        self.events.push(Event::Promoted {
            node: r,
            old,
            epoch,
        });
        self.update_state(r);
        // clusterBroadcastPong(CLUSTER_BROADCAST_ALL): the news spreads by gossip.
        self.schedule_gossip_for(slots);
    }

    /// Failure reports `r` draws from the PING of master `s`, and the FAIL they may cause.
    #[cfg(feature = "ops")]
    pub(crate) fn learn_failure_reports(&mut self, r: NodeIdx, s: NodeIdx, flagged: &[NodeIdx]) {
        let now = self.step();
        let nt = self.node_timeout;
        let rn = &mut self.nodes[r as usize];
        if rn.master_of(s).is_some() {
            return;
        }
        rn.reports
            .retain(|&(x, by, t)| (by != s || flagged.contains(&x)) && now - t <= 2 * nt);
        let mut check = Vec::new();
        for &x in flagged {
            if x == r || !rn.known.contains(&x) {
                continue;
            }
            rn.reports.retain(|&(a, by, _)| !(a == x && by == s));
            rn.reports.push((x, s, now));
            check.push(x);
        }
        for x in check {
            self.mark_failing_if_needed(r, x);
        }
    }

    /// markNodeAsFailingIfNeeded: `r` flags `x` FAIL when it flags it PFAIL and masters
    /// serving slots agree, then broadcasts FAIL.
    #[cfg(feature = "ops")]
    fn mark_failing_if_needed(&mut self, r: NodeIdx, x: NodeIdx) {
        let quorum = self.cluster_size(r) / 2 + 1;
        let rn = &self.nodes[r as usize];
        if rn.suspect(x).is_none_or(|s| s.fail) {
            return;
        }
        let reports = rn.reports.iter().filter(|rep| rep.0 == x).count()
            + usize::from(rn.replica_of.is_none());
        if reports < quorum {
            return;
        }
        let now = self.step();
        for y in 0..self.nodes.len() {
            let yn = &mut self.nodes[y];
            let hears = y == r as usize || yn.known.contains(&r);
            if y == x as usize || yn.down_since.is_some() || !hears || !yn.known.contains(&x) {
                continue;
            }
            if !yn.flags_fail(x) {
                yn.suspects.retain(|s| s.node != x);
                yn.suspects.push(Suspect {
                    node: x,
                    fail: true,
                    since: now,
                });
            }
        }
        self.events.push(Event::Fail {
            node: x,
            by: r,
            reports,
            quorum,
        });
    }

    /// clusterDelNode in `me`'s view: forgets `gone` with its slots, migrations,
    /// failure reports and flags; its replicas keep the replica flag without a master.
    pub(crate) fn forget_in_view(&mut self, me: NodeIdx, gone: NodeIdx) {
        let n = &mut self.nodes[me as usize];
        let mut slots = Vec::new();
        for s in 0..SLOTS as u16 {
            if n.owners[s as usize] == gone {
                n.set_owner(s, NO_OWNER);
                slots.push(s);
            }
        }
        n.migrating.retain(|_, t| *t != gone);
        n.importing.retain(|_, f| *f != gone);
        n.reports.retain(|&(a, by, _)| a != gone && by != gone);
        n.suspects.retain(|s| s.node != gone);
        n.known.retain(|&k| k != gone);
        n.replicas.retain(|(r, _)| *r != gone);
        for e in n.replicas.iter_mut().filter(|e| e.1 == gone) {
            e.1 = NO_OWNER;
        }
        self.update_state(me);
        self.schedule_gossip_for(slots);
    }
}
