//! Connection, transaction and server commands (PING, ECHO, DBSIZE, READONLY, READWRITE,
//! MULTI, EXEC, DISCARD, HELLO, EVAL, CONFIG SET) and the data and CLUSTER commands
//! that only recorded sessions and the tools module send. The web page's clients and
//! operator actions never send them, so its build leaves them out (feature
//! `all-commands`).

use crate::cluster::{Cluster, ConnId, Multi, NodeIdx};
use crate::command::{
    arity_error, c_str, call, cat, error_format, lookup, not_an_integer, parse_i64,
    unknown_command, Cmd, Lookup, Spec,
};
use crate::resp::{Proto, Reply};

/// Runs a command of this group that passed every check.
pub(crate) fn run(
    c: &mut Cluster,
    conn: ConnId,
    spec: &Spec,
    argv: &[Vec<u8>],
    slot: Option<u16>,
) -> Reply {
    let me = c.conn(conn).node;
    match spec.cmd {
        Cmd::Multi => {
            let state = c.conn_mut(conn);
            if state.multi.is_some() {
                return Reply::err("ERR MULTI calls can not be nested");
            }
            state.multi = Some(Multi::default());
            Reply::ok()
        }
        Cmd::Exec => exec(c, conn),
        Cmd::Discard => {
            let state = c.conn_mut(conn);
            if state.multi.take().is_none() {
                return Reply::err("ERR DISCARD without MULTI");
            }
            Reply::ok()
        }
        Cmd::Readonly => {
            c.conn_mut(conn).readonly = true;
            Reply::ok()
        }
        Cmd::Readwrite => {
            c.conn_mut(conn).readonly = false;
            Reply::ok()
        }
        Cmd::Ping => match argv.len() {
            1 => Reply::Simple("PONG".into()),
            2 => Reply::Bulk(argv[1].clone()),
            _ => arity_error("ping"),
        },
        Cmd::Echo => Reply::Bulk(argv[1].clone()),
        Cmd::Dbsize => Reply::Integer(c.nodes[me as usize].keys.len() as i64),
        Cmd::Hello => hello(c, conn, argv),
        Cmd::Eval => eval(argv),
        Cmd::Exists | Cmd::Incr | Cmd::Mset => {
            crate::command_data::run(c, me, spec.cmd, argv, slot)
        }
        Cmd::ConfigSet => config_set(c, me, argv),
        Cmd::Config => arity_error(spec.fullname),
        _ => crate::command_cluster::run(c, me, spec.cmd, argv),
    }
}

fn exec(c: &mut Cluster, conn: ConnId) -> Reply {
    let Some(m) = c.conn_mut(conn).multi.take() else {
        return Reply::err("ERR EXEC without MULTI");
    };
    if m.dirty {
        return Reply::err("EXECABORT Transaction discarded because of previous errors.");
    }
    // Queued commands run inside the transaction: the connection is still in MULTI
    // (so a queued ASKING keeps its effect) until the end.
    c.conn_mut(conn).multi = Some(Multi::default());
    let mut replies = Vec::with_capacity(m.queue.len());
    for q in &m.queue {
        let reply = match lookup(q) {
            Lookup::Found(spec) => call(c, conn, spec, q, None),
            _ => unknown_command(q),
        };
        replies.push(reply);
    }
    c.conn_mut(conn).multi = None;
    Reply::Array(replies)
}

fn hello(c: &mut Cluster, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
    let mut ver = None;
    let mut next = 1;
    if argv.len() >= 2 {
        match parse_i64(&argv[1]) {
            None => return Reply::err("ERR Protocol version is not an integer or out of range"),
            Some(v) if !(2..=3).contains(&v) => {
                return Reply::err("NOPROTO unsupported protocol version")
            }
            Some(v) => ver = Some(v),
        }
        next = 2;
    }
    let mut j = next;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        if opt.eq_ignore_ascii_case(b"auth") && more >= 2 {
            if !argv[j + 1].eq_ignore_ascii_case(b"default") {
                return Reply::err("WRONGPASS invalid username-password pair or user is disabled.");
            }
            j += 3;
        } else if opt.eq_ignore_ascii_case(b"setname") && more >= 1 {
            if argv[j + 1].iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
                return Reply::err(
                    "ERR Client names cannot contain spaces, newlines or special characters.",
                );
            }
            j += 2;
        } else {
            return error_format(cat(&[
                b"ERR Syntax error in HELLO option '",
                c_str(opt, usize::MAX),
                b"'",
            ]));
        }
    }
    let state = c.conn_mut(conn);
    if let Some(v) = ver {
        state.proto = if v == 3 { Proto::Resp3 } else { Proto::Resp2 };
    }
    let proto = if state.proto == Proto::Resp3 { 3 } else { 2 };
    let id = state.id as i64;
    let b = |s: &str| Reply::bulk(s);
    Reply::Map(vec![
        (b("server"), b("redis")),
        (b("version"), b("7.0.15")),
        (b("proto"), Reply::Integer(proto)),
        (b("id"), Reply::Integer(id)),
        (b("mode"), b("cluster")),
        (b("role"), b("master")),
        (b("modules"), Reply::Array(vec![])),
    ])
}

/// EVAL: key handling is Redis's; of Lua, only `return <integer>` and
/// `return '<text>'` are simulated.
fn eval(argv: &[Vec<u8>]) -> Reply {
    let Some(numkeys) = parse_i64(&argv[2]) else {
        return not_an_integer();
    };
    if numkeys > argv.len() as i64 - 3 {
        return Reply::err("ERR Number of keys can't be greater than number of args");
    }
    if numkeys < 0 {
        return Reply::err("ERR Number of keys can't be negative");
    }
    let body = String::from_utf8_lossy(&argv[1]);
    let body = body.trim();
    if let Some(rest) = body.strip_prefix("return ") {
        let rest = rest.trim().trim_end_matches(';').trim();
        if let Ok(n) = rest.parse::<i64>() {
            return Reply::Integer(n);
        }
        let quoted = rest.len() >= 2
            && ((rest.starts_with('\'') && rest.ends_with('\''))
                || (rest.starts_with('"') && rest.ends_with('"')));
        if quoted {
            return Reply::bulk(&rest[1..rest.len() - 1]);
        }
    }
    Reply::err("ERR slotscope does not run Lua scripts: only `return <integer>` and `return '<text>'` are simulated")
}

fn config_set(c: &mut Cluster, me: NodeIdx, argv: &[Vec<u8>]) -> Reply {
    if argv.len() % 2 == 1 {
        return arity_error("config|set");
    }
    #[derive(PartialEq, Clone, Copy)]
    enum Param {
        Coverage,
        ReadsWhenDown,
    }
    let mut chosen: Vec<(Param, &[u8], &[u8])> = Vec::new();
    let mut invalid_name: Option<&[u8]> = None;
    let mut duplicate: Option<&[u8]> = None;
    for pair in argv[2..].chunks(2) {
        let name = &pair[0][..];
        let param = if name.eq_ignore_ascii_case(b"cluster-require-full-coverage") {
            Param::Coverage
        } else if name.eq_ignore_ascii_case(b"cluster-allow-reads-when-down") {
            Param::ReadsWhenDown
        } else {
            invalid_name.get_or_insert(name);
            continue;
        };
        if chosen.iter().any(|(p, _, _)| *p == param) && duplicate.is_none() {
            duplicate = Some(name);
        }
        chosen.push((param, name, &pair[1][..]));
    }
    if let Some(name) = invalid_name {
        return error_format(cat(&[
            b"ERR Unknown option or number of arguments for CONFIG SET - '",
            c_str(name, usize::MAX),
            b"'",
        ]));
    }
    if let Some(name) = duplicate {
        return error_format(cat(&[
            b"ERR CONFIG SET failed (possibly related to argument '",
            c_str(name, usize::MAX),
            b"') - duplicate parameter",
        ]));
    }
    let mut values = Vec::new();
    for (param, name, value) in &chosen {
        let v = if value.eq_ignore_ascii_case(b"yes") {
            true
        } else if value.eq_ignore_ascii_case(b"no") {
            false
        } else {
            return error_format(cat(&[
                b"ERR CONFIG SET failed (possibly related to argument '",
                c_str(name, usize::MAX),
                b"') - argument must be 'yes' or 'no'",
            ]));
        };
        values.push((*param, v));
    }
    let node = &mut c.nodes[me as usize];
    for (param, v) in values {
        match param {
            Param::Coverage => node.require_full_coverage = v,
            Param::ReadsWhenDown => node.allow_reads_when_down = v,
        }
    }
    c.update_state(me);
    Reply::ok()
}
