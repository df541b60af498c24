//! The whole slot space at a glance, for a picture of all 16384 slots: who serves each
//! slot (as the cluster answers, [`Cluster::serving_owner`]), which slots are in a
//! migration, and, for one slot, its MIGRATING / IMPORTING marks and how many keys it
//! holds. Read-only: nothing here changes the cluster.

use crate::cluster::{Cluster, NodeIdx};
use crate::keyslot::SLOTS;
use crate::world::Sim;

/// Owner runs and migrations of the whole slot space.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotOverview {
    /// Consecutive slots with the same serving node (`None`: nobody serves them), in slot
    /// order, together covering 0-16383.
    pub runs: Vec<(u16, u16, Option<NodeIdx>)>,
    /// Consecutive slots in the same migration as (first, last, source, target), marked
    /// MIGRATING on the source or IMPORTING on the target; in slot order per marking node.
    pub moving: Vec<(u16, u16, NodeIdx, NodeIdx)>,
}

/// One slot in detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDetail {
    /// The slot.
    pub slot: u16,
    /// The node that serves it, as the cluster answers.
    pub owner: Option<NodeIdx>,
    /// A node marking it MIGRATING, with the target it names.
    pub migrating: Option<(NodeIdx, NodeIdx)>,
    /// A node marking it IMPORTING, with the source it names.
    pub importing: Option<(NodeIdx, NodeIdx)>,
    /// Keys of the slot in the cluster: those on its owner and on a node importing it.
    pub keys: usize,
}

/// [`SlotOverview`] of `cluster`.
pub fn overview(cluster: &Cluster) -> SlotOverview {
    let mut o = SlotOverview::default();
    for s in 0..SLOTS as u16 {
        let who = cluster.serving_owner(s);
        match o.runs.last_mut() {
            Some(r) if r.2 == who => r.1 = s,
            _ => o.runs.push((s, s, who)),
        }
    }
    let mut add = |s: u16, from: NodeIdx, to: NodeIdx| match o.moving.last_mut() {
        Some(r) if r.1 + 1 == s && r.2 == from && r.3 == to => r.1 = s,
        _ => o.moving.push((s, s, from, to)),
    };
    for (i, n) in cluster.nodes.iter().enumerate() {
        let me = i as NodeIdx;
        for (&s, &to) in n.migrating.iter() {
            add(s, me, to);
        }
        // IMPORTING without the source's MIGRATING (set first, or left behind).
        for (&s, &from) in n.importing.iter() {
            let source = cluster.nodes.get(from as usize);
            if source.is_none_or(|f| f.migrating.get(&s) != Some(&me)) {
                add(s, from, me);
            }
        }
    }
    o
}

/// [`SlotDetail`] of `slot` in `cluster`.
pub fn detail(cluster: &Cluster, slot: u16) -> SlotDetail {
    let owner = cluster.serving_owner(slot);
    let mut d = SlotDetail {
        slot,
        owner,
        migrating: None,
        importing: None,
        keys: 0,
    };
    for (i, n) in cluster.nodes.iter().enumerate() {
        let me = i as NodeIdx;
        let importing = n.importing.get(&slot).map(|&from| (me, from));
        if let Some(&to) = n.migrating.get(&slot) {
            d.migrating = Some((me, to));
        }
        if importing.is_some() {
            d.importing = importing;
        }
        if owner == Some(me) || importing.is_some() {
            d.keys += n.keys.count_in_slot(slot);
        }
    }
    d
}

impl Sim {
    /// Every slot's serving node and the slots in a migration.
    pub fn slot_overview(&self) -> SlotOverview {
        overview(self.cluster())
    }

    /// One slot's owner, migration marks and keys.
    pub fn slot_detail(&self, slot: u16) -> SlotDetail {
        detail(self.cluster(), slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyslot::key_slot;
    use crate::world::Scenario;

    #[test]
    fn runs_cover_every_slot_once() {
        let o = overview(&crate::layout::even(16));
        assert_eq!(o.runs.len(), 16);
        assert_eq!(o.runs[0], (0, 1023, Some(0)));
        assert_eq!(o.runs[15], (15360, 16383, Some(15)));
        assert!(o.moving.is_empty());
    }

    #[test]
    fn a_slot_in_migration_is_listed_once_with_its_keys_on_both_sides() {
        let sim = Sim::new(Scenario::Ask, "{user:7}:cart");
        let slot = key_slot(b"{user:7}:cart");
        let o = sim.slot_overview();
        assert_eq!(o.runs, vec![(0, 5000, Some(0)), (5001, 16383, Some(1))]);
        let owner = sim.cluster().serving_owner(slot).unwrap();
        let other = 1 - owner;
        assert_eq!(o.moving, vec![(slot, slot, owner, other)]);
        let d = sim.slot_detail(slot);
        assert_eq!(d.owner, Some(owner));
        assert_eq!(d.migrating, Some((owner, other)));
        assert_eq!(d.importing, Some((other, owner)));
        // The preset moved two of the slot's three keys to the target: all are counted.
        assert_eq!(d.keys, 3);
        let calm = sim.slot_detail(0);
        let mut sim = sim;
        sim.act(crate::world::Action::StartMigration {
            slot: 0,
            from: 0,
            to: 1,
        })
        .unwrap();
        sim.act(crate::world::Action::StartMigration {
            slot: 1,
            from: 0,
            to: 1,
        })
        .unwrap();
        let o = sim.slot_overview();
        assert_eq!(o.moving, vec![(0, 1, 0, 1), (slot, slot, owner, other)]);
        assert_eq!((calm.owner, calm.keys), (Some(0), 0));
        assert!(calm.migrating.is_none() && calm.importing.is_none());
    }
}
