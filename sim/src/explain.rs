//! Plain-language explanations of why a node answered as it did, derived from the
//! node's own view at the moment it answered.

use crate::argv::display_arg;
use crate::cluster::{Cluster, NodeIdx};
use crate::keyslot::key_slot;
use crate::resp::Reply;

/// Names of nodes as people see them ("Node 1", ...).
pub type Names<'a> = &'a [String];

fn name<'a>(names: Names<'a>, n: NodeIdx) -> &'a str {
    names.get(n as usize).map_or("a node", String::as_str)
}

/// Why `node` answered `reply` to a keyed request for `keys` (`asking`: the
/// connection had sent ASKING just before). Reads the node's view, which must be the
/// one the node had when answering (call it right after executing).
pub fn node_reply(
    c: &Cluster,
    names: Names,
    node: NodeIdx,
    keys: &[Vec<u8>],
    reply: &Reply,
    asking: bool,
) -> String {
    let me = name(names, node);
    let view = &c.nodes[node as usize];
    let Some(first) = keys.first() else {
        return format!("{me} runs the command: it names no key, so any node may answer.");
    };
    let slot = key_slot(first);
    let key = display_arg(first);
    let owner = view.owner(slot).map(|o| name(names, o).to_string());
    match reply.error_code() {
        Some("MOVED") => {
            let owner = owner.unwrap_or_else(|| "another node".into());
            if view.importing.contains_key(&slot) && !asking {
                format!("{me} is importing slot {slot} but the request came without ASKING, so it sends the client to the slot's owner, {owner}, with MOVED.")
            } else {
                format!("{me} computes slot {slot} for {key} and does not own it: in its view {owner} does, so it answers MOVED, a permanent redirection.")
            }
        }
        Some("ASK") => {
            let target = view
                .migrating
                .get(&slot)
                .map_or("the target", |&t| name(names, t));
            format!("{me} is migrating slot {slot} to {target} and no longer has {key} (moved, or never existed), so it answers ASK: try {target} once, after ASKING.")
        }
        Some("TRYAGAIN") => format!(
            "Slot {slot} is being migrated and the keys of this request are split between the two nodes, so {me} cannot serve it as one and answers TRYAGAIN."
        ),
        Some("CROSSSLOT") => {
            let slots: Vec<String> = keys.iter().map(|k| key_slot(k).to_string()).collect();
            format!("The keys hash to different slots ({}): a cluster serves a multi-key command only when every key is in one slot; a hash tag such as {{user:7}} puts keys together.", slots.join(", "))
        }
        Some("CLUSTERDOWN") => match reply.error_text().unwrap_or_default().as_str() {
            t if t.ends_with("Hash slot not served") => {
                format!("In {me}'s view nobody serves slot {slot}, so it cannot answer nor redirect.")
            }
            t if t.ends_with("only accepts read commands") => format!(
                "{me}'s cluster state is fail and it is set to allow reads only, so it refuses this write."
            ),
            _ => format!("{me}'s cluster state is fail (not every slot is covered in its view), so it refuses keyed requests."),
        },
        Some(_) => format!("{me} refuses the command with an error."),
        None => {
            if view.importing.contains_key(&slot) && asking {
                format!("{me} is importing slot {slot} and the request follows ASKING, so it serves it here (a key it does not have yet reads as nil, and a new key is created here).")
            } else if view.migrating.contains_key(&slot) {
                format!("{me} is migrating slot {slot} but still has {key}, so it serves the request itself.")
            } else {
                format!("{me} computes slot {slot} for {key}, owns that slot, and serves the request.")
            }
        }
    }
}

/// What the client does after a redirection, as one sentence.
pub fn client_reaction(
    names: Names,
    reply: &Reply,
    moved_to: Option<(u16, NodeIdx)>,
) -> Option<String> {
    match (reply.error_code(), moved_to) {
        (Some("MOVED"), Some((slot, node))) => Some(format!(
            "The client updates its map (slot {slot} -> {}) and retries there.",
            name(names, node)
        )),
        (Some("ASK"), Some((slot, node))) => Some(format!(
            "The client sends ASKING then the command to {}, and does NOT update its map: ASK is temporary, slot {slot} still belongs to the source until the migration finishes.",
            name(names, node)
        )),
        (Some("TRYAGAIN"), _) => Some("The client waits a moment and retries the same node.".into()),
        _ => None,
    }
}

/// A whole number with thousands separators, as the explanations write numbers: `12,345`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
