//! Command table, `processCommand`'s checks in Redis 7.0's order, and the commands.

use std::iter::StepBy;
use std::ops::Range;

use crate::cluster::{Cluster, ConnId};
use crate::keyslot::SLOTS;
use crate::resp::Reply;
use crate::routing::{route, Query};

/// Implemented commands. Those marked `all-commands` exist only with that feature: the
/// web page's build leaves out what its clients and operator actions never send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmd {
    Get,
    Set,
    Del,
    #[cfg(feature = "all-commands")]
    Exists,
    #[cfg(feature = "all-commands")]
    Incr,
    Mget,
    #[cfg(feature = "all-commands")]
    Mset,
    #[cfg(feature = "all-commands")]
    Ping,
    #[cfg(feature = "all-commands")]
    Echo,
    #[cfg(feature = "all-commands")]
    Dbsize,
    Asking,
    #[cfg(feature = "all-commands")]
    Readonly,
    #[cfg(feature = "all-commands")]
    Readwrite,
    #[cfg(feature = "all-commands")]
    Multi,
    #[cfg(feature = "all-commands")]
    Exec,
    #[cfg(feature = "all-commands")]
    Discard,
    Migrate,
    #[cfg(feature = "all-commands")]
    Eval,
    #[cfg(feature = "all-commands")]
    Hello,
    #[cfg(feature = "all-commands")]
    Config,
    #[cfg(feature = "all-commands")]
    ConfigSet,
    Cluster,
    #[cfg(feature = "all-commands")]
    ClusterKeyslot,
    #[cfg(feature = "all-commands")]
    ClusterMyid,
    ClusterSlots,
    ClusterShards,
    ClusterNodes,
    #[cfg(feature = "all-commands")]
    ClusterInfo,
    ClusterCountkeysinslot,
    ClusterGetkeysinslot,
    ClusterSetslot,
    #[cfg(feature = "all-commands")]
    ClusterAddslots,
    #[cfg(feature = "all-commands")]
    ClusterAddslotsrange,
    #[cfg(feature = "all-commands")]
    ClusterDelslots,
    #[cfg(feature = "all-commands")]
    ClusterDelslotsrange,
    #[cfg(feature = "all-commands")]
    ClusterMeet,
    #[cfg(feature = "all-commands")]
    ClusterSetConfigEpoch,
}

/// Where a command's keys are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keys {
    /// No key specs: never redirected.
    None,
    /// argv[1]
    First,
    /// argv[1..]
    All,
    /// argv[1], argv[3], ...
    #[cfg(feature = "all-commands")]
    EveryOther,
    /// EVAL: `numkeys` at argv[2], keys follow.
    #[cfg(feature = "all-commands")]
    Eval,
    /// MIGRATE: argv[3], or the keys after `KEYS`.
    Migrate,
}

/// One entry of the command table.
#[derive(Debug)]
pub(crate) struct Spec {
    pub cmd: Cmd,
    name: &'static str,
    /// `name`'s bytes packed into an integer, for a lookup without string comparisons.
    packed: u128,
    /// The name arity errors use (`cluster|setslot`).
    pub fullname: &'static str,
    arity: i32,
    write: bool,
    keys: Keys,
}

const fn spec(
    cmd: Cmd,
    name: &'static str,
    fullname: &'static str,
    arity: i32,
    write: bool,
    keys: Keys,
) -> Spec {
    Spec {
        cmd,
        name,
        packed: match pack_name(name.as_bytes()) {
            Some(p) => p,
            None => panic!("command names are at most 16 bytes"),
        },
        fullname,
        arity,
        write,
        keys,
    }
}

static COMMANDS: &[Spec] = &[
    spec(Cmd::Get, "get", "get", 2, false, Keys::First),
    spec(Cmd::Set, "set", "set", -3, true, Keys::First),
    spec(Cmd::Del, "del", "del", -2, true, Keys::All),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Exists, "exists", "exists", -2, false, Keys::All),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Incr, "incr", "incr", 2, true, Keys::First),
    spec(Cmd::Mget, "mget", "mget", -2, false, Keys::All),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Mset, "mset", "mset", -3, true, Keys::EveryOther),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Ping, "ping", "ping", -1, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Echo, "echo", "echo", 2, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Dbsize, "dbsize", "dbsize", 1, false, Keys::None),
    spec(Cmd::Asking, "asking", "asking", 1, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Readonly, "readonly", "readonly", 1, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::Readwrite,
        "readwrite",
        "readwrite",
        1,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Multi, "multi", "multi", 1, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Exec, "exec", "exec", 1, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Discard, "discard", "discard", 1, false, Keys::None),
    spec(Cmd::Migrate, "migrate", "migrate", -6, true, Keys::Migrate),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Eval, "eval", "eval", -3, false, Keys::Eval),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Hello, "hello", "hello", -1, false, Keys::None),
    #[cfg(feature = "all-commands")]
    spec(Cmd::Config, "config", "config", -2, false, Keys::None),
    spec(Cmd::Cluster, "cluster", "cluster", -2, false, Keys::None),
];

#[cfg(feature = "all-commands")]
static CONFIG_SUBCOMMANDS: &[Spec] = &[spec(
    Cmd::ConfigSet,
    "set",
    "config|set",
    -4,
    false,
    Keys::None,
)];

static CLUSTER_SUBCOMMANDS: &[Spec] = &[
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterKeyslot,
        "keyslot",
        "cluster|keyslot",
        3,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterMyid,
        "myid",
        "cluster|myid",
        2,
        false,
        Keys::None,
    ),
    spec(
        Cmd::ClusterSlots,
        "slots",
        "cluster|slots",
        2,
        false,
        Keys::None,
    ),
    spec(
        Cmd::ClusterShards,
        "shards",
        "cluster|shards",
        2,
        false,
        Keys::None,
    ),
    spec(
        Cmd::ClusterNodes,
        "nodes",
        "cluster|nodes",
        2,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterInfo,
        "info",
        "cluster|info",
        2,
        false,
        Keys::None,
    ),
    spec(
        Cmd::ClusterCountkeysinslot,
        "countkeysinslot",
        "cluster|countkeysinslot",
        3,
        false,
        Keys::None,
    ),
    spec(
        Cmd::ClusterGetkeysinslot,
        "getkeysinslot",
        "cluster|getkeysinslot",
        4,
        false,
        Keys::None,
    ),
    spec(
        Cmd::ClusterSetslot,
        "setslot",
        "cluster|setslot",
        -4,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterAddslots,
        "addslots",
        "cluster|addslots",
        -3,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterAddslotsrange,
        "addslotsrange",
        "cluster|addslotsrange",
        -4,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterDelslots,
        "delslots",
        "cluster|delslots",
        -3,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterDelslotsrange,
        "delslotsrange",
        "cluster|delslotsrange",
        -4,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterMeet,
        "meet",
        "cluster|meet",
        -4,
        false,
        Keys::None,
    ),
    #[cfg(feature = "all-commands")]
    spec(
        Cmd::ClusterSetConfigEpoch,
        "set-config-epoch",
        "cluster|set-config-epoch",
        3,
        false,
        Keys::None,
    ),
];

pub(crate) enum Lookup {
    Unknown,
    UnknownSubcommand(&'static str),
    Found(&'static Spec),
}

/// Lower-cases a name of at most 16 bytes into a zero-padded integer (longer names give
/// `None`: no table name is longer). Together with the length it identifies the name.
const fn pack_name(name: &[u8]) -> Option<u128> {
    if name.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    let mut i = 0;
    while i < name.len() {
        buf[i] = name[i].to_ascii_lowercase();
        i += 1;
    }
    Some(u128::from_le_bytes(buf))
}

#[inline(always)]
fn find(table: &'static [Spec], name: &[u8]) -> Option<&'static Spec> {
    let packed = pack_name(name)?;
    table
        .iter()
        .find(|s| s.packed == packed && s.name.len() == name.len())
}

#[inline(always)]
pub(crate) fn lookup(argv: &[Vec<u8>]) -> Lookup {
    let Some(top) = find(COMMANDS, &argv[0]) else {
        return Lookup::Unknown;
    };
    let sub = match top.cmd {
        #[cfg(feature = "all-commands")]
        Cmd::Config => CONFIG_SUBCOMMANDS,
        Cmd::Cluster => CLUSTER_SUBCOMMANDS,
        _ => return Lookup::Found(top),
    };
    if argv.len() == 1 {
        return Lookup::Found(top);
    }
    match find(sub, &argv[1]) {
        Some(s) => Lookup::Found(s),
        #[cfg(feature = "all-commands")]
        None if top.cmd == Cmd::Config => Lookup::UnknownSubcommand("CONFIG"),
        None => Lookup::UnknownSubcommand("CLUSTER"),
    }
}

/// C `%.Ns` of a Redis string: stops at the first NUL byte and after `max` bytes.
pub(crate) fn c_str(arg: &[u8], max: usize) -> &[u8] {
    let end = arg
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(arg.len())
        .min(max);
    &arg[..end]
}

/// addReplyErrorFormat: trims CR/LF at both ends and turns inner CR/LF into spaces.
pub(crate) fn error_format(text: Vec<u8>) -> Reply {
    let is_nl = |b: &u8| *b == b'\r' || *b == b'\n';
    let start = text.iter().position(|b| !is_nl(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !is_nl(b))
        .map_or(start, |e| e + 1);
    let body: Vec<u8> = text[start..end]
        .iter()
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect();
    Reply::Error(body)
}

pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub(crate) fn unknown_command(argv: &[Vec<u8>]) -> Reply {
    let mut args: Vec<u8> = Vec::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(c_str(a, room));
        args.extend_from_slice(b"' ");
    }
    error_format(cat(&[
        b"ERR unknown command '",
        c_str(&argv[0], 128),
        b"', with args beginning with: ",
        &args,
    ]))
}

pub(crate) fn arity_error(fullname: &str) -> Reply {
    Reply::err(format!(
        "ERR wrong number of arguments for '{fullname}' command"
    ))
}

/// Key positions of a command's argv, as a range (no allocation).
#[inline(always)]
fn key_positions(spec: &Spec, argv: &[Vec<u8>]) -> StepBy<Range<usize>> {
    let argc = argv.len();
    match spec.keys {
        Keys::None => (0..0).step_by(1),
        Keys::First => (1..2).step_by(1),
        Keys::All => (1..argc).step_by(1),
        #[cfg(feature = "all-commands")]
        Keys::EveryOther => (1..argc).step_by(2),
        #[cfg(feature = "all-commands")]
        Keys::Eval => match parse_i64(&argv[2]) {
            Some(n) if n >= 0 && (n as usize) <= argc - 3 => (3..3 + n as usize).step_by(1),
            _ => (0..0).step_by(1),
        },
        Keys::Migrate => migrate_key_positions(argv).step_by(1),
    }
}

fn migrate_key_positions(argv: &[Vec<u8>]) -> Range<usize> {
    let argc = argv.len();
    let mut first = 3;
    let mut num = 1;
    if argc > 6 {
        let mut i = 6;
        while i < argc {
            let a = &argv[i];
            if a.eq_ignore_ascii_case(b"keys") {
                if !argv[3].is_empty() {
                    return 0..0;
                }
                first = i + 1;
                num = argc - first;
                break;
            } else if a.eq_ignore_ascii_case(b"auth") {
                i += 1;
            } else if a.eq_ignore_ascii_case(b"auth2") {
                i += 2;
            }
            i += 1;
        }
    }
    first..(first + num).min(argc)
}

/// Redis's `string2ll`: strict decimal, no spaces, no `+`, no leading zeros, no `-0`.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

pub(crate) fn not_an_integer() -> Reply {
    Reply::err("ERR value is not an integer or out of range")
}

/// Processes one command on a connection, as Redis 7.0's `processCommand` followed
/// by `resetClient`.
pub(crate) fn process(c: &mut Cluster, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
    if argv.is_empty() {
        // Redis reads an empty multibulk and sends nothing; there is no reply to model.
        return Reply::err("ERR empty command");
    }
    let (reply, looked_up) = process_inner(c, conn, argv);
    let state = c.conn_mut(conn);
    if state.multi.is_none() && looked_up != Some(Cmd::Asking) {
        state.asking = false;
    }
    reply
}

#[inline(always)]
fn process_inner(c: &mut Cluster, conn: ConnId, argv: &[Vec<u8>]) -> (Reply, Option<Cmd>) {
    let spec = match lookup(argv) {
        Lookup::Unknown => {
            flag_transaction(c, conn);
            return (unknown_command(argv), None);
        }
        Lookup::UnknownSubcommand(container) => {
            flag_transaction(c, conn);
            let text = cat(&[
                b"ERR unknown subcommand '",
                c_str(&argv[1], 128),
                b"'. Try ",
                container.as_bytes(),
                b" HELP.",
            ]);
            return (error_format(text), None);
        }
        Lookup::Found(spec) => spec,
    };
    let argc = argv.len() as i32;
    if (spec.arity > 0 && spec.arity != argc) || argc < -spec.arity {
        flag_transaction(c, conn);
        return (arity_error(spec.fullname), Some(spec.cmd));
    }
    let me = c.conn(conn).node;
    #[cfg(feature = "all-commands")]
    let in_multi = c.conn(conn).multi.is_some();
    // Cluster redirection, for commands with key specs and for EXEC.
    let mut slot = None;
    let exec = is_exec(spec.cmd);
    if spec.keys != Keys::None || exec {
        let state = c.conn(conn);
        let routed = if exec {
            let queue: &[Vec<Vec<u8>>] = state.multi.as_ref().map_or(&[], |m| &m.queue);
            let queued = || {
                queue.iter().filter_map(|q| match lookup(q) {
                    Lookup::Found(qs) => Some((qs, q)),
                    _ => None,
                })
            };
            let q = Query {
                keys: queued().flat_map(|(qs, q)| key_positions(qs, q).map(move |p| &q[p][..])),
                write: queued().any(|(qs, _)| qs.write),
                cmd_asking: false,
                migrate: false,
            };
            route(c, me, state.asking, q)
        } else {
            let q = Query {
                keys: key_positions(spec, argv).map(|p| &argv[p][..]),
                write: spec.write,
                cmd_asking: false,
                migrate: spec.cmd == Cmd::Migrate,
            };
            route(c, me, state.asking, q)
        };
        match routed {
            Ok(s) => slot = s,
            Err(r) => {
                let reply = r.reply(c);
                if exec {
                    c.conn_mut(conn).multi = None;
                } else {
                    flag_transaction(c, conn);
                }
                return (reply, Some(spec.cmd));
            }
        }
    }
    #[cfg(feature = "all-commands")]
    if in_multi && !matches!(spec.cmd, Cmd::Exec | Cmd::Discard | Cmd::Multi) {
        if let Some(m) = c.conn_mut(conn).multi.as_mut() {
            // queueMultiCommand: once the transaction is aborted, commands are answered
            // QUEUED but no longer stored, so EXEC's routing sees only the earlier ones.
            if !m.dirty {
                m.queue.push(argv.to_vec());
            }
        }
        return (Reply::Simple("QUEUED".into()), Some(spec.cmd));
    }
    (call(c, conn, spec, argv, slot), Some(spec.cmd))
}

/// True for EXEC, which is routed by the keys of the commands it queued.
fn is_exec(cmd: Cmd) -> bool {
    #[cfg(feature = "all-commands")]
    return cmd == Cmd::Exec;
    #[cfg(not(feature = "all-commands"))]
    {
        let _ = cmd;
        false
    }
}

fn flag_transaction(c: &mut Cluster, conn: ConnId) {
    if let Some(m) = c.conn_mut(conn).multi.as_mut() {
        m.dirty = true;
    }
}

/// Runs a command that passed every check (Redis's `call()`). `slot` is the slot of the
/// command's keys when routing already computed it.
pub(crate) fn call(
    c: &mut Cluster,
    conn: ConnId,
    spec: &Spec,
    argv: &[Vec<u8>],
    slot: Option<u16>,
) -> Reply {
    let me = c.conn(conn).node;
    match spec.cmd {
        Cmd::Asking => {
            c.conn_mut(conn).asking = true;
            Reply::ok()
        }
        Cmd::Get | Cmd::Set | Cmd::Del | Cmd::Mget => {
            crate::command_data::run(c, me, spec.cmd, argv, slot)
        }
        Cmd::Migrate => crate::command_migrate::migrate(c, me, argv),
        Cmd::Cluster => arity_error(spec.fullname),
        Cmd::ClusterSlots
        | Cmd::ClusterShards
        | Cmd::ClusterNodes
        | Cmd::ClusterCountkeysinslot
        | Cmd::ClusterGetkeysinslot
        | Cmd::ClusterSetslot => crate::command_cluster::run(c, me, spec.cmd, argv),
        #[cfg(feature = "all-commands")]
        _ => crate::command_server::run(c, conn, spec, argv, slot),
    }
}

/// Parses a slot argument (`getSlotOrReply`).
pub(crate) fn slot_arg(arg: &[u8]) -> Result<u16, Reply> {
    match parse_i64(arg) {
        Some(s) if (0..SLOTS as i64).contains(&s) => Ok(s as u16),
        _ => Err(Reply::err("ERR Invalid or out of range slot")),
    }
}
