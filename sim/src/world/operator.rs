//! Operator actions on nodes: failures, recovery, adding and removing nodes, DELSLOTS,
//! settings, slot ranges, and the cluster's own events in the log.
//!
//! Every action either runs completely or is refused with the text Redis or redis-cli
//! gives, leaving the state as it was: actions made of several commands run on a copy
//! first and replace the state only when every command succeeded.

use super::{note, Action, EntryKind, LogEntry, Offer, Sim};
use crate::cluster::NodeIdx;
use crate::failover::Event;

/// Most steps one [`Action::PassTime`] lets pass (1,000 s).
pub const MAX_PASS_STEPS: u32 = 10_000;
/// Largest gossip delay accepted, in steps.
pub const MAX_GOSSIP_DELAY: u32 = 1_000;
/// Most nodes a world holds.
pub const MAX_NODES: usize = 1_000;

fn args(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

impl Sim {
    fn name(&self, n: NodeIdx) -> &str {
        &self.names[n as usize]
    }

    fn check_node(&self, n: NodeIdx) -> Result<(), String> {
        if (n as usize) < self.cluster.nodes.len() {
            Ok(())
        } else {
            Err(format!("There is no node {}.", n as usize + 1))
        }
    }

    /// Turns the cluster's events into log lines.
    pub(super) fn push_events(&mut self) {
        for e in self.cluster.take_events() {
            let n = |i: NodeIdx| self.names[i as usize].clone();
            let text = match e {
                Event::Pfail { node, by } => format!(
                    "{by} node(s) flag {} as PFAIL (fail?): no answer for more than the node timeout ({} steps). Their next PINGs carry the news; a PFAIL alone changes nothing for clients.",
                    n(node),
                    self.cluster.node_timeout
                ),
                Event::Fail { node, by, reports, quorum } => format!(
                    "{} counts {reports} failure report(s) from masters (its own flag included when it is a master), a majority of {quorum} is enough: it flags {} as FAIL and broadcasts it. Every node that hears it now treats the node as failed.",
                    n(by),
                    n(node)
                ),
                Event::FailCleared { node, by } => format!(
                    "{by} node(s) clear the FAIL flag of {}: it answers again and serves no slot, or has been failed for long enough.",
                    n(node)
                ),
                Event::Election { node, epoch, votes, quorum } => format!(
                    "{}, a replica of a failed master, bumps its current epoch to {epoch} and asks the masters for votes: {votes} vote(s), {quorum} needed.",
                    n(node)
                ),
                Event::Promoted { node, old, epoch } => format!(
                    "{} wins the election: it becomes a master with config epoch {epoch} and takes the slots of {}. The other nodes learn it by gossip.",
                    n(node),
                    n(old)
                ),
                Event::Follows { node, master } => format!(
                    "{} hears that the slots it (or its master) served now belong to {} with a greater config epoch: it becomes a replica of {} and copies its data.",
                    n(node),
                    n(master),
                    n(master)
                ),
            };
            self.push(note(&text));
        }
    }

    fn operator_note(&mut self, node: NodeIdx, command: String, why: String) {
        let entry = LogEntry {
            kind: EntryKind::Admin,
            from: "Operator".into(),
            to: self.node_label(node),
            node: Some(node),
            command,
            reply: String::new(),
            reply_kind: super::ReplyKind::None,
            why,
            map_changed: None,
            mismatch: None,
        };
        self.push(entry);
    }

    /// Runs the actions this module adds (see [`Action`]).
    pub(super) fn act_operator(&mut self, action: Action) -> Result<(), String> {
        match action {
            Action::FailNode { node } => {
                self.check_node(node)?;
                if !self.cluster.fail_node(node) {
                    return Err(format!("{} is already down.", self.name(node)));
                }
                let why = format!(
                    "{}'s process stops: it answers nothing, and clients that connect to {} get \"Connection refused\".",
                    self.name(node),
                    self.cluster.nodes[node as usize].addr()
                );
                self.operator_note(node, "(stop the process)".into(), why);
            }
            Action::RecoverNode { node } => {
                self.check_node(node)?;
                if !self.cluster.recover_node(node) {
                    return Err(format!("{} is running.", self.name(node)));
                }
                let why = format!(
                    "{} runs again with the data and cluster configuration it had; the others hear it at once.",
                    self.name(node)
                );
                self.operator_note(node, "(start the process)".into(), why);
            }
            Action::AddNode { replica_of } => self.trial(|s| s.add_node(replica_of))?,
            Action::RemoveNode { node } => {
                self.check_node(node)?;
                self.trial(|s| s.remove_node(node))?
            }
            Action::DelSlot { node, slot } => {
                self.check_node(node)?;
                let argv = args(&["CLUSTER", "DELSLOTS", &slot.to_string()]);
                let why = format!(
                    "{} stops serving slot {slot} in its own view; the other nodes keep their view (gossip does not take a slot away from its owner).",
                    self.name(node)
                );
                self.trial(|s| s.admin_checked(node, argv, why).map(|_| ()))?
            }
            Action::SetFullCoverage { node, on } => {
                self.set_config(node, "cluster-require-full-coverage", on)?
            }
            Action::SetReadsWhenDown { node, on } => {
                self.set_config(node, "cluster-allow-reads-when-down", on)?
            }
            Action::SetGossipDelay { steps } => {
                if steps > MAX_GOSSIP_DELAY {
                    return Err(format!(
                        "The gossip delay is at most {MAX_GOSSIP_DELAY} steps."
                    ));
                }
                self.cluster.gossip_delay = steps;
                self.push(note(&format!(
                    "Configuration changes now take {steps} step(s) to reach the other nodes."
                )));
            }
            Action::MigrateRange {
                from,
                to,
                start,
                end,
            } => {
                self.check_node(from)?;
                self.check_node(to)?;
                if start > end || end as usize >= crate::keyslot::SLOTS {
                    return Err(format!("{start}-{end} is not a range of slots."));
                }
                self.trial(|s| s.migrate_range(from, to, start, end))?
            }
            Action::PassTime { steps } => {
                if steps == 0 || steps > MAX_PASS_STEPS {
                    return Err(format!(
                        "Time passes by 1 to {MAX_PASS_STEPS} steps at once."
                    ));
                }
                self.push(note(&format!(
                    "{steps} step(s) pass ({} ms).",
                    steps as u64 * 100
                )));
                for _ in 0..steps {
                    self.cluster.tick();
                    self.push_events();
                }
            }
            _ => unreachable!("handled by Sim::act"),
        }
        self.push_events();
        Ok(())
    }

    fn set_config(&mut self, node: Option<NodeIdx>, param: &str, on: bool) -> Result<(), String> {
        let nodes: Vec<NodeIdx> = match node {
            Some(n) => {
                self.check_node(n)?;
                vec![n]
            }
            None => (0..self.cluster.nodes.len() as NodeIdx)
                .filter(|&n| !self.cluster.is_down(n))
                .collect(),
        };
        let value = if on { "yes" } else { "no" };
        self.trial(|s| {
            for n in nodes {
                let why = format!("{} sets {param} to {value}.", s.name(n));
                s.admin_checked(n, args(&["CONFIG", "SET", param, value]), why)?;
            }
            Ok(())
        })
    }

    /// redis-cli --cluster add-node (with --cluster-slave --cluster-master-id).
    fn add_node(&mut self, replica_of: Option<NodeIdx>) -> Result<(), String> {
        let n = self.cluster.nodes.len();
        if n >= MAX_NODES {
            return Err(format!("At most {MAX_NODES} nodes are simulated."));
        }
        let entry = match replica_of {
            Some(m) => {
                self.check_node(m)?;
                let master = &self.cluster.nodes[m as usize];
                if master.down_since.is_some() || !self.cluster.is_member(m) {
                    return Err(format!("[ERR] No such master ID {}", master.id));
                }
                m
            }
            None => (0..n as NodeIdx)
                .find(|&i| !self.cluster.is_down(i) && self.cluster.is_member(i))
                .ok_or("[ERR] No node of the cluster is reachable.")?,
        };
        let port = self
            .cluster
            .nodes
            .iter()
            .map(|x| x.port)
            .max()
            .unwrap_or(6999)
            + 1;
        let host = self.cluster.nodes[entry as usize].host.clone();
        let mut i = n;
        while self
            .cluster
            .nodes
            .iter()
            .any(|x| x.id == crate::layout::generated_id(i))
        {
            i += 1;
        }
        let idx = self
            .cluster
            .add_node(crate::layout::generated_id(i), host, port);
        self.names.push(format!("Node {}", n + 1));
        let conn = self.cluster.connect(idx);
        self.admin_conns.push(conn);
        let (new, old) = (self.name(idx).to_string(), self.name(entry).to_string());
        let addr = self.cluster.nodes[entry as usize].addr();
        let (h, p) = addr.rsplit_once(':').unwrap_or((&addr, ""));
        let why = format!("{new} starts empty (no slot, knowing only itself) and meets {old}; gossip introduces it to every node.");
        self.admin_checked(idx, args(&["CLUSTER", "MEET", h, p]), why)?;
        if let Some(m) = replica_of {
            let id = self.cluster.nodes[m as usize].id.clone();
            let why = format!("{new} becomes a replica of {old} and copies its data.");
            self.admin_checked(idx, args(&["CLUSTER", "REPLICATE", &id]), why)?;
        }
        Ok(())
    }

    /// redis-cli --cluster del-node: the entry point is the first other running member.
    fn remove_node(&mut self, node: NodeIdx) -> Result<(), String> {
        let id = self.cluster.nodes[node as usize].id.clone();
        let entry = (0..self.cluster.nodes.len() as NodeIdx)
            .find(|&i| i != node && !self.cluster.is_down(i) && self.cluster.is_member(i))
            .ok_or("[ERR] No other node of the cluster is reachable.")?;
        let view = &self.cluster.nodes[entry as usize];
        if !view.known.contains(&node) {
            return Err(format!("[ERR] No such node ID {id}"));
        }
        if self.cluster.is_down(node) {
            return Err(format!(
                "{}\n[ERR] No such node ID {id}",
                self.refused_text(node)
            ));
        }
        if view.slot_count_of(node) > 0 {
            return Err(format!(
                "[ERR] Node {} is not empty! Reshard data away and try again.",
                self.cluster.nodes[node as usize].addr()
            ));
        }
        // redis-cli's node list: the entry node, then the others it lists.
        let order: Vec<NodeIdx> = std::iter::once(entry)
            .chain(view.known.iter().copied().filter(|&k| k != entry))
            .filter(|&k| k != node && !self.cluster.is_down(k))
            .collect();
        for n in order {
            if self.cluster.nodes[n as usize].replica_of == Some(node) {
                let target = self.least_replicated_master(node, entry)?;
                let why = format!(
                    "{} replicated the node being removed: it becomes a replica of {}, the master with the fewest replicas.",
                    self.name(n),
                    self.name(target)
                );
                let tid = self.cluster.nodes[target as usize].id.clone();
                self.admin_checked(n, args(&["CLUSTER", "REPLICATE", &tid]), why)?;
            }
            let why = format!(
                "{} forgets {} and will not re-learn it from gossip for 60 s.",
                self.name(n),
                self.name(node)
            );
            self.admin_checked(n, args(&["CLUSTER", "FORGET", &id]), why)?;
        }
        let why = format!(
            "{} forgets every other node: it has left the cluster.",
            self.name(node)
        );
        self.admin_checked(node, args(&["CLUSTER", "RESET", "SOFT"]), why)?;
        Ok(())
    }

    /// clusterManagerNodeWithLeastReplicas, in `entry`'s view, leaving out `except`.
    fn least_replicated_master(&self, except: NodeIdx, entry: NodeIdx) -> Result<NodeIdx, String> {
        let view = &self.cluster.nodes[entry as usize];
        view.known
            .iter()
            .copied()
            .filter(|&k| k != except && view.master_of(k).is_none())
            .min_by_key(|&k| view.replicas_of(k).count())
            .ok_or_else(|| "[ERR] No master to move the replicas to.".into())
    }

    /// Migrates every slot of `start..=end` from `from` to `to`, slot by slot. Ranges of
    /// more than one slot log the first slot's commands and sum up the others.
    fn migrate_range(
        &mut self,
        from: NodeIdx,
        to: NodeIdx,
        start: u16,
        end: u16,
    ) -> Result<(), String> {
        let mut moved = 0;
        for slot in start..=end {
            let logged = slot == start;
            if !logged && slot == start + 1 {
                self.push(note(&format!(
                    "The same commands run for slots {}-{end}.",
                    start + 1
                )));
            }
            moved += self.migrate_slot(slot, from, to, logged)?;
        }
        self.push(note(&format!(
            "{} slot(s) and {moved} key(s) moved from {} to {}.",
            end - start + 1,
            self.name(from),
            self.name(to)
        )));
        Ok(())
    }

    /// One slot of [`Sim::migrate_range`]; returns the keys moved.
    fn migrate_slot(
        &mut self,
        slot: u16,
        from: NodeIdx,
        to: NodeIdx,
        logged: bool,
    ) -> Result<usize, String> {
        self.migration_start(slot, from, to, logged)?;
        let mut moved = 0;
        loop {
            match self.move_keys(slot, from, to, "100", logged)? {
                0 => break,
                n => moved += n,
            }
        }
        self.hand_over(slot, from, to, logged)?;
        Ok(moved)
    }

    /// Offers of this module for `node` (see [`Sim::offers`]).
    pub(super) fn operator_offers(&self, node: NodeIdx, slot: u16) -> Vec<Offer> {
        let n = &self.cluster.nodes[node as usize];
        let name = self.name(node);
        let mut out = Vec::new();
        let down = n.down_since.is_some();
        let down_reason = down.then(|| format!("{name} is down"));
        if down {
            out.push(Offer {
                label: format!("Recover {name} (start its process)"),
                action: Action::RecoverNode { node },
                disabled: None,
            });
        } else {
            out.push(Offer {
                label: format!("Fail {name} (stop its process)"),
                action: Action::FailNode { node },
                disabled: None,
            });
        }
        let member = self.cluster.is_member(node);
        if n.replica_of.is_none() && member {
            out.push(Offer {
                label: format!("Add a replica of {name}"),
                action: Action::AddNode {
                    replica_of: Some(node),
                },
                disabled: down_reason.clone(),
            });
        }
        if n.owner(slot) == Some(node) {
            out.push(Offer {
                label: format!("Drop slot {slot} from {name} (CLUSTER DELSLOTS)"),
                action: Action::DelSlot { node, slot },
                disabled: down_reason.clone(),
            });
        }
        let owned = n.slot_count_of(node);
        let remove_reason = if !member {
            Some(format!("{name} is not in the cluster any more"))
        } else if down {
            down_reason.clone()
        } else if owned > 0 {
            Some(format!("{name} serves {owned} slot(s): move them to other masters first (redis-cli refuses a node that is not empty)"))
        } else {
            None
        };
        out.push(Offer {
            label: format!("Remove {name} from the cluster"),
            action: Action::RemoveNode { node },
            disabled: remove_reason,
        });
        let full = n.require_full_coverage;
        out.push(Offer {
            label: format!(
                "Set cluster-require-full-coverage {} on {name}",
                if full { "no" } else { "yes" }
            ),
            action: Action::SetFullCoverage {
                node: Some(node),
                on: !full,
            },
            disabled: down_reason.clone(),
        });
        let reads = n.allow_reads_when_down;
        out.push(Offer {
            label: format!(
                "Set cluster-allow-reads-when-down {} on {name}",
                if reads { "no" } else { "yes" }
            ),
            action: Action::SetReadsWhenDown {
                node: Some(node),
                on: !reads,
            },
            disabled: down_reason,
        });
        out
    }

    /// Actions that concern the whole cluster rather than one node: add an empty
    /// master, let time pass (one second, or up to the next thing the cluster will do).
    pub fn cluster_offers(&self) -> Vec<Offer> {
        let full = self.cluster.nodes.len() >= MAX_NODES;
        let mut out = vec![
            Offer {
                label: "Add an empty master".into(),
                action: Action::AddNode { replica_of: None },
                disabled: full.then(|| format!("the world holds {MAX_NODES} nodes at most")),
            },
            Offer {
                label: "Wait 1 s (10 steps)".into(),
                action: Action::PassTime { steps: 10 },
                disabled: None,
            },
        ];
        if let Some(next) = self.cluster.next_event_in() {
            let steps = next.min(MAX_PASS_STEPS as u64) as u32;
            out.push(Offer {
                label: format!("Wait until the cluster acts ({steps} steps)"),
                action: Action::PassTime { steps },
                disabled: None,
            });
        }
        out
    }
}
