//! String commands on a node's keyspace: GET, SET, DEL, EXISTS, INCR, MGET, MSET.

use crate::cluster::{Cluster, NodeIdx};
use crate::command::Cmd;
#[cfg(feature = "all-commands")]
use crate::command::{arity_error, parse_i64};
use crate::keyslot::key_slot;
use crate::resp::Reply;

fn syntax_error() -> Reply {
    Reply::err("ERR syntax error")
}

/// Runs a data command on node `me` (routing has already accepted it). `slot` is the slot
/// of every key of the command when routing computed it (an accepted request never spans
/// slots); otherwise each key's slot is computed here.
pub(crate) fn run(
    c: &mut Cluster,
    me: NodeIdx,
    cmd: Cmd,
    argv: &[Vec<u8>],
    slot: Option<u16>,
) -> Reply {
    let keys = &mut c.nodes[me as usize].keys;
    let slot_of = |k: &[u8]| slot.unwrap_or_else(|| key_slot(k));
    match cmd {
        Cmd::Get => keys
            .get_in(slot_of(&argv[1]), &argv[1])
            .map_or(Reply::Nil, Reply::bulk),
        Cmd::Set => set(keys, slot_of(&argv[1]), argv),
        Cmd::Del => Reply::Integer(
            argv[1..]
                .iter()
                .filter(|k| keys.remove_in(slot_of(k), k))
                .count() as i64,
        ),
        #[cfg(feature = "all-commands")]
        Cmd::Exists => Reply::Integer(
            argv[1..]
                .iter()
                .filter(|k| keys.contains_in(slot_of(k), k))
                .count() as i64,
        ),
        #[cfg(feature = "all-commands")]
        Cmd::Incr => {
            let s = slot_of(&argv[1]);
            let current = match keys.get_in(s, &argv[1]) {
                None => 0,
                Some(v) => match parse_i64(v) {
                    Some(n) => n,
                    None => return Reply::err("ERR value is not an integer or out of range"),
                },
            };
            let Some(next) = current.checked_add(1) else {
                return Reply::err("ERR increment or decrement would overflow");
            };
            keys.set_in(s, &argv[1], next.to_string().as_bytes());
            Reply::Integer(next)
        }
        Cmd::Mget => Reply::Array(
            argv[1..]
                .iter()
                .map(|k| keys.get_in(slot_of(k), k).map_or(Reply::Nil, Reply::bulk))
                .collect(),
        ),
        #[cfg(feature = "all-commands")]
        Cmd::Mset => {
            if argv.len().is_multiple_of(2) {
                return arity_error("mset");
            }
            for pair in argv[1..].chunks(2) {
                keys.set_in(slot_of(&pair[0]), &pair[0], &pair[1]);
            }
            Reply::ok()
        }
        _ => unreachable!("not a data command"),
    }
}

/// SET key value [NX|XX] [GET] [KEEPTTL]: Redis's option parser; expiry options are
/// recognised but not simulated. Without `all-commands` (the page, whose clients send
/// `SET key value` only) any option is a syntax error.
fn set(keys: &mut crate::keyspace::Keyspace, slot: u16, argv: &[Vec<u8>]) -> Reply {
    #[cfg(feature = "all-commands")]
    let (nx, xx, get) = match set_options(argv) {
        Ok(o) => o,
        Err(e) => return e,
    };
    #[cfg(not(feature = "all-commands"))]
    let (nx, xx, get) = if argv.len() > 3 {
        return syntax_error();
    } else {
        (false, false, false)
    };
    // One lookup decides and writes; only the GET option copies the old value.
    let mut reply_get = None;
    let written = keys.set_in_if(slot, &argv[1], &argv[2], |old| {
        if get {
            reply_get = Some(old.map_or(Reply::Nil, Reply::bulk));
        }
        let found = old.is_some();
        !((nx && found) || (xx && !found))
    });
    match reply_get {
        Some(r) => r,
        None if written => Reply::ok(),
        None => Reply::Nil,
    }
}

/// SET's options after the value: (NX, XX, GET), or the error Redis gives.
#[cfg(feature = "all-commands")]
fn set_options(argv: &[Vec<u8>]) -> Result<(bool, bool, bool), Reply> {
    let (mut nx, mut xx, mut get, mut keepttl, mut expiry) = (false, false, false, false, false);
    let mut j = 3;
    while j < argv.len() {
        let opt = &argv[j];
        let has_next = j + 1 < argv.len();
        let is = |s: &[u8]| opt.eq_ignore_ascii_case(s);
        if is(b"nx") && !xx {
            nx = true;
        } else if is(b"xx") && !nx {
            xx = true;
        } else if is(b"get") {
            get = true;
        } else if is(b"keepttl") && !expiry {
            keepttl = true;
        } else if (is(b"ex") || is(b"px") || is(b"exat") || is(b"pxat"))
            && !keepttl
            && !expiry
            && has_next
        {
            expiry = true;
            j += 1;
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    if expiry {
        return Err(Reply::err(
            "ERR slotscope does not simulate key expiry (EX, PX, EXAT, PXAT)",
        ));
    }
    Ok((nx, xx, get))
}
