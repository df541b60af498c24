//! Which node serves a request: Redis 7.0's `getNodeByQuery` and the redirection
//! replies of `clusterRedirectClient`.

use crate::cluster::{Cluster, NodeIdx};
use crate::keyslot::key_slot;
use crate::resp::Reply;

/// What the routing decision needs to know about a request.
pub(crate) struct Query<I> {
    /// Keys of the request (for EXEC: of every queued command), in order. An iterator,
    /// so that routing a command allocates nothing.
    pub keys: I,
    /// The request writes (for EXEC: some queued command writes).
    pub write: bool,
    /// The command itself carries the ASKING flag (RESTORE-ASKING).
    pub cmd_asking: bool,
    /// The command is MIGRATE.
    pub migrate: bool,
}

/// Why a node refused to serve a request here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redirect {
    /// `-MOVED slot node`
    Moved(u16, NodeIdx),
    /// `-ASK slot node`
    Ask(u16, NodeIdx),
    /// `-CROSSSLOT ...`
    CrossSlot,
    /// `-TRYAGAIN ...`
    TryAgain,
    /// `-CLUSTERDOWN Hash slot not served`
    Unbound,
    /// `-CLUSTERDOWN The cluster is down`
    Down,
    /// `-CLUSTERDOWN The cluster is down and only accepts read commands`
    DownReadOnly,
}

/// Decides whether node `me` serves `q` on a connection whose ASKING flag is `asking`.
/// When it does, returns the slot of the request's keys (`None` without keys): every key
/// of an accepted request is in that slot.
pub(crate) fn route<'k, I>(
    c: &Cluster,
    me: NodeIdx,
    asking: bool,
    q: Query<I>,
) -> Result<Option<u16>, Redirect>
where
    I: Iterator<Item = &'k [u8]>,
{
    let node = &c.nodes[me as usize];
    let mut first: Option<&[u8]> = None;
    let mut slot = 0u16;
    let mut owner = None;
    let (mut migrating, mut importing) = (false, false);
    let (mut multiple, mut missing, mut existing) = (false, 0usize, 0usize);
    for key in q.keys {
        let this_slot = key_slot(key);
        match first {
            None => {
                first = Some(key);
                slot = this_slot;
                let Some(o) = node.owner(slot) else {
                    return Err(Redirect::Unbound);
                };
                owner = Some(o);
                if o == me && node.migrating.contains_key(&slot) {
                    migrating = true;
                } else if node.importing.contains_key(&slot) {
                    importing = true;
                }
            }
            Some(f) => {
                if f != key {
                    if slot != this_slot {
                        return Err(Redirect::CrossSlot);
                    }
                    multiple = true;
                }
            }
        }
        if migrating || importing {
            if node.keys.get_in(this_slot, key).is_some() {
                existing += 1;
            } else {
                missing += 1;
            }
        }
    }
    let Some(owner) = owner else {
        return Ok(None);
    };
    if !node.state_ok() {
        if !node.allow_reads_when_down {
            return Err(Redirect::Down);
        } else if q.write {
            return Err(Redirect::DownReadOnly);
        }
    }
    if (migrating || importing) && q.migrate {
        return Ok(Some(slot));
    }
    if migrating && missing > 0 {
        if existing > 0 {
            return Err(Redirect::TryAgain);
        }
        return Err(Redirect::Ask(slot, node.migrating[&slot]));
    }
    if importing && (asking || q.cmd_asking) {
        if multiple && missing > 0 {
            return Err(Redirect::TryAgain);
        }
        return Ok(Some(slot));
    }
    if owner != me {
        return Err(Redirect::Moved(slot, owner));
    }
    Ok(Some(slot))
}

impl Redirect {
    /// The exact error reply Redis sends for this redirection.
    pub fn reply(&self, c: &Cluster) -> Reply {
        match self {
            Redirect::Moved(slot, n) => {
                Reply::err(format!("MOVED {slot} {}", c.nodes[*n as usize].addr()))
            }
            Redirect::Ask(slot, n) => {
                Reply::err(format!("ASK {slot} {}", c.nodes[*n as usize].addr()))
            }
            Redirect::CrossSlot => {
                Reply::err("CROSSSLOT Keys in request don't hash to the same slot")
            }
            Redirect::TryAgain => {
                Reply::err("TRYAGAIN Multiple keys request during rehashing of slot")
            }
            Redirect::Unbound => Reply::err("CLUSTERDOWN Hash slot not served"),
            Redirect::Down => Reply::err("CLUSTERDOWN The cluster is down"),
            Redirect::DownReadOnly => {
                Reply::err("CLUSTERDOWN The cluster is down and only accepts read commands")
            }
        }
    }
}
