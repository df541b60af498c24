//! MIGRATE between simulated nodes: the target runs RESTORE-ASKING for each key
//! (with its own routing checks), the source deletes what the target accepted.

use crate::cluster::{Cluster, NodeIdx};
use crate::command::{error_format, not_an_integer, parse_i64};
use crate::keyslot::key_slot;
use crate::resp::Reply;
use crate::routing::{route, Query};

/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [KEYS key ...]
pub(crate) fn migrate(c: &mut Cluster, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
    let (copy, replace, first_key, num_keys) = match options(argv) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let Some(_timeout) = parse_i64(&argv[5]) else {
        return not_an_integer();
    };
    let Some(dbid) = parse_i64(&argv[4]) else {
        return not_an_integer();
    };
    let keys: Vec<Vec<u8>> = argv[first_key..first_key + num_keys]
        .iter()
        .filter(|k| c.nodes[me as usize].keys.contains(k))
        .cloned()
        .collect();
    if keys.is_empty() {
        return Reply::Simple("NOKEY".into());
    }
    let Some(target) = c.node_by_addr(&argv[1], &argv[2]) else {
        return Reply::err("IOERR error or timeout connecting to the client");
    };
    // SELECT is sent first when the destination db is not 0; a cluster node refuses
    // it, yet the RESTOREs that follow still run in db 0 on the target.
    let select_error = (dbid != 0).then(|| b"ERR SELECT is not allowed in cluster mode".to_vec());
    let mut first_error: Option<Vec<u8>> = None;
    let mut accepted = Vec::new();
    for key in &keys {
        let value = c.nodes[me as usize]
            .keys
            .get(key)
            .unwrap_or_default()
            .to_vec();
        let result = restore_asking(c, target, key, &value, replace);
        let error = select_error.clone().or(result.err());
        match error {
            Some(e) => {
                first_error.get_or_insert(e);
            }
            None => accepted.push(key.clone()),
        }
    }
    if !copy {
        for key in &accepted {
            c.nodes[me as usize].keys.remove(key);
        }
    }
    match first_error {
        Some(e) => error_format([&b"ERR Target instance replied with error: "[..], &e].concat()),
        None => Reply::ok(),
    }
}

/// RESTORE-ASKING key 0 payload [REPLACE] on `target`; returns the error text (without `-`).
fn restore_asking(
    c: &mut Cluster,
    target: NodeIdx,
    key: &[u8],
    value: &[u8],
    replace: bool,
) -> Result<(), Vec<u8>> {
    let q = Query {
        keys: std::iter::once(key),
        write: true,
        cmd_asking: true,
        migrate: false,
    };
    if let Err(r) = route(c, target, false, q) {
        if let Reply::Error(text) = r.reply(c) {
            return Err(text);
        }
    }
    let keys = &mut c.nodes[target as usize].keys;
    if keys.get_in(key_slot(key), key).is_some() {
        if !replace {
            return Err(b"BUSYKEY Target key name already exists.".to_vec());
        }
        keys.remove(key);
    }
    keys.set(key, value);
    Ok(())
}

/// MIGRATE's options after the timeout: (COPY, REPLACE, index of the first key, number of
/// keys), or the error Redis gives.
#[cfg(feature = "all-commands")]
fn options(argv: &[Vec<u8>]) -> Result<(bool, bool, usize, usize), Reply> {
    let (mut copy, mut replace) = (false, false);
    let mut j = 6;
    while j < argv.len() {
        let a = &argv[j];
        let more = argv.len() - 1 - j;
        if a.eq_ignore_ascii_case(b"copy") {
            copy = true;
        } else if a.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if a.eq_ignore_ascii_case(b"auth") || a.eq_ignore_ascii_case(b"auth2") {
            let needed = if a.eq_ignore_ascii_case(b"auth") {
                1
            } else {
                2
            };
            if more < needed {
                return Err(Reply::err("ERR syntax error"));
            }
            return Err(Reply::err(
                "ERR slotscope does not simulate MIGRATE authentication (AUTH, AUTH2)",
            ));
        } else if a.eq_ignore_ascii_case(b"keys") {
            if !argv[3].is_empty() {
                return Err(Reply::err(
                    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                ));
            }
            return Ok((copy, replace, j + 1, argv.len() - j - 1));
        } else {
            return Err(Reply::err("ERR syntax error"));
        }
        j += 1;
    }
    Ok((copy, replace, 3, 1))
}

/// Without `all-commands` (the page) MIGRATE takes only the form the page's operator
/// actions send: `MIGRATE host port "" db timeout KEYS key ...`.
#[cfg(not(feature = "all-commands"))]
fn options(argv: &[Vec<u8>]) -> Result<(bool, bool, usize, usize), Reply> {
    if argv.len() > 7 && argv[3].is_empty() && argv[6].eq_ignore_ascii_case(b"keys") {
        Ok((false, false, 7, argv.len() - 7))
    } else {
        Err(Reply::err("ERR syntax error"))
    }
}
