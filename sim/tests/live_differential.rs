//! Live differential test: the simulator against a real Redis 7.0 cluster, reply for reply.
//!
//! The test starts three `redis-server` processes (cluster mode, free loopback ports, a temporary
//! folder), builds the golden layout on them (node 0: 0-5460, node 1: 5461-10922, node 2:
//! 10923-16383, `ADDSLOTSRANGE`, `SET-CONFIG-EPOCH` 1/2/3, `MEET`) and a simulated cluster with the
//! real nodes' ids, host and ports, so that every reply (MOVED addresses, CLUSTER SLOTS ids and
//! ports included) must be byte-identical.
//!
//! Each proptest case runs a generated sequence of 30 steps on both worlds and compares every reply
//! byte for byte: GET/SET/DEL/EXISTS/INCR/MGET/MSET over keys of five hash tags in four slots (two
//! tags share a slot; an untagged key lives in one of those slots too) and untagged keys, sent to
//! the owner, the migration target or the third node of the key's slot, on two named connections
//! per node, optionally right after `ASKING`; `EVAL` of trivial scripts with and without keys;
//! `ASKING` alone; `MULTI`/`EXEC`/`DISCARD` with queued commands; `PING`/`ECHO`/`DBSIZE`;
//! `HELLO 3`/`HELLO 2` (later replies on that connection are compared in RESP3; HELLO's own `id`,
//! the server's connection counter, is masked); `CLUSTER KEYSLOT/COUNTKEYSINSLOT/GETKEYSINSLOT/SLOTS`;
//! commands rejected before routing (wrong arity, unknown command); and whole migrations of a slot between two
//! nodes, one step at a time: `SETSLOT IMPORTING` on the target, `SETSLOT MIGRATING` on the source,
//! `SETSLOT NODE` on the target, then on the source, then on the third node, with `MIGRATE ... KEYS`
//! (or the single-key form) of some keys of the slot interleaved anywhere, so that ASK, TRYAGAIN,
//! MOVED back to the source, MIGRATE errors and the source dropping keys it still holds are all
//! exercised; a migration may also be cancelled before `SETSLOT NODE` (`SETSLOT STABLE` on both
//! sides, which strands migrated keys on the target). A migration step is "advance this slot's
//! migration to its next phase", so a shrunk sequence still migrates properly.
//!
//! Gossip timing: the simulator runs with its default zero propagation delay, which models a
//! cluster whose gossip has settled. In real Redis, `SETSLOT NODE` on the importing node bumps its
//! config epoch and broadcasts a PONG, and the other nodes adopt the new owner (and the source drops
//! the keys it still holds in that slot) a moment later. So after every `SETSLOT ... NODE` the test
//! waits, before sending anything else, until every real node's `CLUSTER SLOTS` equals the
//! simulator's (a timeout is a failure) and all nodes agree on the current epoch and on every
//! node's config epoch (so that the next node to take a new epoch cannot collide with one it has
//! not heard of yet). No other generated command changes what nodes gossip
//! (IMPORTING/MIGRATING/STABLE states are local, MIGRATE is synchronous), so no reply depends on
//! gossip timing.
//!
//! Between cases both worlds are reset: the simulator is rebuilt; on the real cluster every node
//! runs `FLUSHALL` and `SETSLOT <s> STABLE` for the four slots, every slot that moved is given back
//! to its home node (`SETSLOT IMPORTING` + `SETSLOT NODE` on the home node, which takes a new epoch,
//! then `SETSLOT NODE` on the others), the test waits until all nodes report the initial CLUSTER
//! SLOTS with agreed epochs again, and every connection gets `RESET` (no ASKING or MULTI state survives).
//!
//! On a mismatch proptest shrinks the sequence; the failure message then holds the minimal sequence
//! as a script in the golden JSONL schema (`node`, `conn`, `command`), rewritten to the golden
//! layout's addresses (127.0.0.1:7000-7002) and placeholder node ids, with `reply_redis` (what real
//! Redis answered) and `reply_sim`. The script is also written to
//! `target/tmp/live_differential_failure.jsonl`. Replay it with
//!
//! ```sh
//! cargo run -p slotscope-sim --bin slotscope-replay -- target/tmp/live_differential_failure.jsonl \
//!   | jq -c 'select(.reply_raw != .reply_redis) | {seq, node, conn, command, reply_raw, reply_redis}'
//! ```
//!
//! which prints the lines where the simulator (`reply_raw`) still differs from real Redis.
//!
//! Settings: `SLOTSCOPE_DIFF_CASES` (default 300) sets the number of sequences. `redis-server` must be
//! on PATH (scripts/setup.sh installs Debian's 7.0.15); without it the test fails, unless
//! `SLOTSCOPE_SKIP_LIVE=1` is set. Every server the test starts is stopped and its folder removed by
//! a drop guard, also when the test fails or panics.

#[path = "common/live_cluster.rs"]
mod live_cluster;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use slotscope_sim::keyslot::key_slot;
use slotscope_sim::layout::placeholder_id;
use slotscope_sim::{Cluster, ConnId};

use live_cluster::{args, free_ports, on_path, three_tries, RespConn, Servers};

use live_cluster::{NODES, RANGES};
const DATA_CONNS: [&str; 2] = ["a", "b"];
const STEPS: usize = 30;
const SETTLE_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// RESP over TCP
// ---------------------------------------------------------------------------------------------

fn show(bytes: &[u8]) -> String {
    slotscope_sim::resp::escape_bytes(bytes)
}

// ---------------------------------------------------------------------------------------------
// The real cluster
// ---------------------------------------------------------------------------------------------

/// The three servers (see [`Servers`]) and the named connections sequences use.
struct LiveCluster {
    /// The named connections sequences use: (node, name, connection). They stay open from
    /// case to case (reconnecting thousands of times fills the ephemeral ports with
    /// TIME_WAIT sockets and slows `connect` down); `RESET` clears their state. Declared
    /// first, so they close before the servers stop.
    conns: Vec<(usize, String, RespConn)>,
    servers: Servers,
}

impl std::ops::Deref for LiveCluster {
    type Target = Servers;
    fn deref(&self) -> &Servers {
        &self.servers
    }
}

impl std::ops::DerefMut for LiveCluster {
    fn deref_mut(&mut self) -> &mut Servers {
        &mut self.servers
    }
}

impl LiveCluster {
    fn start() -> LiveCluster {
        three_tries(LiveCluster::try_start)
    }

    fn try_start(attempt: u32) -> Result<LiveCluster, String> {
        let servers = Servers::start("live", attempt, free_ports(NODES, &[]), None)?;
        let mut conns = Vec::new();
        for node in 0..NODES {
            for name in DATA_CONNS.iter().chain(["admin"].iter()) {
                let c = RespConn::connect(servers.ports[node]).map_err(|e| e.to_string())?;
                conns.push((node, name.to_string(), c));
            }
        }
        Ok(LiveCluster { conns, servers })
    }

    fn admin(&mut self, i: usize, parts: &[&str]) -> Result<Vec<u8>, String> {
        self.servers.admin(i, &args(parts))
    }

    fn admin_ok(&mut self, i: usize, parts: &[&str]) -> Result<(), String> {
        self.servers.admin_ok(i, parts)
    }

    fn specs(&self) -> Vec<(String, String, u16)> {
        (0..NODES)
            .map(|i| (self.ids[i].clone(), "127.0.0.1".to_string(), self.ports[i]))
            .collect()
    }
}

/// A simulated cluster shaped like the real one.
fn fresh_sim(live: &LiveCluster) -> Cluster {
    let ranges: Vec<Vec<(u16, u16)>> = RANGES.iter().map(|&r| vec![r]).collect();
    Cluster::with_ranges(&live.specs(), &ranges)
}

// ---------------------------------------------------------------------------------------------
// Keys and slots
// ---------------------------------------------------------------------------------------------

fn home_of(slot: u16) -> usize {
    RANGES
        .iter()
        .position(|&(a, b)| (a..=b).contains(&slot))
        .unwrap()
}

/// The keys the sequences use, grouped by the migratable slots.
struct Keys {
    names: Vec<String>,
    /// Slots that migrations move, with their keys (indices into `names`).
    groups: Vec<(u16, Vec<usize>)>,
}

impl Keys {
    fn new() -> Keys {
        // One tag homed on each node, plus a second tag on node 0.
        let mut tags: Vec<String> = Vec::new();
        let mut wanted = vec![0usize, 1, 2, 0];
        let mut i = 0;
        while !wanted.is_empty() {
            let tag = format!("t{i}");
            let home = home_of(key_slot(tag.as_bytes()));
            if let Some(p) = wanted.iter().position(|&w| w == home) {
                if !tags
                    .iter()
                    .any(|t| key_slot(t.as_bytes()) == key_slot(tag.as_bytes()))
                {
                    wanted.remove(p);
                    tags.push(tag);
                }
            }
            i += 1;
        }
        // A fifth tag sharing the first tag's slot, and an untagged key in the second's slot.
        let slot0 = key_slot(tags[0].as_bytes());
        let partner = (0..)
            .map(|j| format!("s{j}"))
            .find(|t| key_slot(t.as_bytes()) == slot0)
            .unwrap();
        let slot1 = key_slot(tags[1].as_bytes());
        let untagged_in_group = (0..)
            .map(|j| format!("u{j}"))
            .find(|k| key_slot(k.as_bytes()) == slot1)
            .unwrap();
        let mut names = Vec::new();
        for tag in &tags {
            for k in ["k1", "k2", "k3"] {
                names.push(format!("{{{tag}}}{k}"));
            }
        }
        names.push(format!("{{{partner}}}k1"));
        names.push(format!("{{{partner}}}k2"));
        names.push(untagged_in_group);
        names.extend(["foo", "bar", "hello"].map(String::from));
        let groups = tags
            .iter()
            .map(|t| {
                let slot = key_slot(t.as_bytes());
                let members = (0..names.len())
                    .filter(|&k| key_slot(names[k].as_bytes()) == slot)
                    .collect();
                (slot, members)
            })
            .collect();
        Keys { names, groups }
    }

    fn group_of_slot(&self, slot: u16) -> Option<usize> {
        self.groups.iter().position(|(s, _)| *s == slot)
    }
}

const VALUES: &[&str] = &["1", "41", "-7", "v1", "x y", "", "9223372036854775807"];

// ---------------------------------------------------------------------------------------------
// Generated operations
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum DataCmd {
    Get(usize),
    Set(usize, usize, u8),
    Del(Vec<usize>),
    Exists(Vec<usize>),
    Incr(usize),
    Mget(Vec<usize>),
    Mset(Vec<(usize, usize)>),
    /// EVAL of a trivial script with these keys (none: the role is that of `usize`'s slot).
    Eval(usize, bool, Vec<usize>),
}

#[derive(Clone, Debug)]
enum Misc {
    Ping,
    PingArg,
    Echo,
    Dbsize,
    Multi,
    Exec,
    Discard,
    Asking,
    /// HELLO 3 or HELLO 2: later replies on the connection use that protocol.
    Hello(bool),
    Slots,
    Keyslot(usize),
    CountKeys(usize),
    GetKeys(usize, u8),
    /// Rejected before routing: wrong arity or unknown command.
    Bad(u8, usize),
}

#[derive(Clone, Debug)]
enum MigrateForm {
    Keys,
    Single,
    KeysReplace,
    Copy,
    /// The first key twice: the second RESTORE finds it on the target (BUSYKEY).
    KeysTwice,
}

#[derive(Clone, Debug)]
enum Op {
    /// A keyed command, sent to the node with role `role` (owner, target, third) for the
    /// first key's slot, optionally preceded by ASKING on the same connection.
    Data {
        role: u8,
        conn: u8,
        asking: bool,
        cmd: DataCmd,
    },
    /// ASKING (optionally), MULTI, the commands, then EXEC (or DISCARD), on the node with
    /// role `role` for the first command's first key.
    Tx {
        role: u8,
        conn: u8,
        asking: bool,
        cmds: Vec<DataCmd>,
        discard: bool,
    },
    /// A command that is not routed by key, on node `node`.
    Misc { node: u8, conn: u8, cmd: Misc },
    /// Advances the migration of group `group` to its next phase; `pick` chooses the target
    /// when the migration starts. With `abort`, a migration that has not reached
    /// `SETSLOT NODE` yet is cancelled instead (`SETSLOT STABLE` on target and source).
    MigStep { group: usize, pick: u8, abort: bool },
    /// MIGRATE of some keys of the group from its source to its target.
    Migrate {
        group: usize,
        pick: u8,
        mask: u8,
        form: MigrateForm,
    },
}

/// Migrations and keyed commands concentrate on the first slots, so that a sequence often
/// takes a migration through all its phases while keys of that slot are read and written.
const GROUP_WEIGHTS: [u32; 4] = [6, 3, 1, 1];

fn group() -> BoxedStrategy<usize> {
    let choices: Vec<(u32, BoxedStrategy<usize>)> = GROUP_WEIGHTS
        .iter()
        .enumerate()
        .map(|(g, &w)| (w, Just(g).boxed()))
        .collect();
    prop::strategy::Union::new_weighted(choices).boxed()
}

fn one_key(keys: &Keys) -> BoxedStrategy<usize> {
    let n = keys.names.len();
    let groups: Vec<Vec<usize>> = keys.groups.iter().map(|(_, m)| m.clone()).collect();
    prop_oneof![
        3 => group().prop_flat_map(move |g| prop::sample::select(groups[g].clone())),
        1 => 0..n,
    ]
    .boxed()
}

fn key_list(keys: &Keys) -> BoxedStrategy<Vec<usize>> {
    let n = keys.names.len();
    let groups: Vec<Vec<usize>> = keys.groups.iter().map(|(_, m)| m.clone()).collect();
    let same_slot = group()
        .prop_flat_map(move |g| {
            prop::collection::vec(prop::sample::select(groups[g].clone()), 1..=3)
        })
        .boxed();
    prop_oneof![
        4 => same_slot,
        1 => prop::collection::vec(0..n, 1..=3),
    ]
    .boxed()
}

fn data_cmd(keys: &Keys) -> BoxedStrategy<DataCmd> {
    let v = VALUES.len();
    let list = key_list(keys);
    let key = one_key(keys);
    prop_oneof![
        4 => key.clone().prop_map(DataCmd::Get),
        6 => (key.clone(), 0..v, 0u8..8).prop_map(|(k, v, o)| DataCmd::Set(k, v, o)),
        2 => list.clone().prop_map(DataCmd::Del),
        2 => list.clone().prop_map(DataCmd::Exists),
        2 => key.clone().prop_map(DataCmd::Incr),
        3 => list.clone().prop_map(DataCmd::Mget),
        1 => (key.clone(), any::<bool>(), prop::collection::vec(one_key(keys), 0..=2))
            .prop_map(|(k, text, ks)| DataCmd::Eval(k, text, ks)),
        3 => list
            .prop_flat_map(move |ks| {
                let len = ks.len();
                prop::collection::vec(0..v, len).prop_map(move |vs| {
                    ks.iter().copied().zip(vs).collect::<Vec<_>>()
                })
            })
            .prop_map(DataCmd::Mset),
    ]
    .boxed()
}

fn misc_cmd(keys: &Keys) -> BoxedStrategy<Misc> {
    let n = keys.names.len();
    prop_oneof![
        1 => Just(Misc::Ping),
        1 => Just(Misc::PingArg),
        1 => Just(Misc::Echo),
        2 => Just(Misc::Dbsize),
        4 => Just(Misc::Multi),
        3 => Just(Misc::Exec),
        1 => Just(Misc::Discard),
        5 => Just(Misc::Asking),
        1 => any::<bool>().prop_map(Misc::Hello),
        2 => Just(Misc::Slots),
        1 => (0..n).prop_map(Misc::Keyslot),
        2 => (0..n).prop_map(Misc::CountKeys),
        2 => (0..n, 0u8..4).prop_map(|(k, c)| Misc::GetKeys(k, c)),
        1 => (0u8..6, 0..n).prop_map(|(w, k)| Misc::Bad(w, k)),
    ]
    .boxed()
}

/// Owner, migration target or third node of the first key's slot.
fn role() -> BoxedStrategy<u8> {
    prop_oneof![3 => Just(0u8), 3 => Just(1u8), 1 => Just(2u8)].boxed()
}

fn op(keys: &Keys) -> BoxedStrategy<Op> {
    let form = prop_oneof![
        6 => Just(MigrateForm::Keys),
        2 => Just(MigrateForm::Single),
        1 => Just(MigrateForm::KeysReplace),
        1 => Just(MigrateForm::Copy),
        1 => Just(MigrateForm::KeysTwice),
    ];
    prop_oneof![
        10 => (role(), 0u8..2, prop::bool::weighted(0.3), data_cmd(keys))
            .prop_map(|(role, conn, asking, cmd)| Op::Data { role, conn, asking, cmd }),
        2 => (
            role(),
            0u8..2,
            prop::bool::weighted(0.4),
            prop::collection::vec(data_cmd(keys), 1..=3),
            prop::bool::weighted(0.15),
        )
            .prop_map(|(role, conn, asking, cmds, discard)| Op::Tx {
                role,
                conn,
                asking,
                cmds,
                discard,
            }),
        5 => (0u8..3, 0u8..2, misc_cmd(keys))
            .prop_map(|(node, conn, cmd)| Op::Misc { node, conn, cmd }),
        3 => (group(), 0u8..2, prop::bool::weighted(0.1))
            .prop_map(|(group, pick, abort)| Op::MigStep { group, pick, abort }),
        2 => (group(), 0u8..2, any::<u8>(), form)
            .prop_map(|(group, pick, mask, form)| Op::Migrate { group, pick, mask, form }),
    ]
    .boxed()
}

/// A sequence: `STEPS` operations, each with an "enabled" flag that shrinking turns off,
/// which removes the step while keeping the sequence's length fixed.
fn sequence(keys: &Keys) -> impl Strategy<Value = Vec<(bool, Op)>> {
    prop::collection::vec((prop::bool::weighted(1.0), op(keys)), STEPS)
}

// ---------------------------------------------------------------------------------------------
// Running a sequence on both worlds
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Idle,
    Importing,
    Migrating,
    NodeOnTarget,
    NodeOnSource,
}

#[derive(Clone, Copy, Debug)]
struct Migration {
    owner: usize,
    phase: Phase,
    source: usize,
    target: usize,
}

/// One executed command and both replies.
struct Step {
    node: usize,
    conn: String,
    argv: Vec<Vec<u8>>,
    real: Vec<u8>,
    sim: Vec<u8>,
}

struct Case<'a> {
    live: &'a mut LiveCluster,
    keys: &'a Keys,
    sim: Cluster,
    sim_conns: Vec<(usize, String, ConnId)>,
    migrations: Vec<Migration>,
    transcript: Vec<Step>,
    /// Migrations that reached `SETSLOT NODE` on the target.
    completed: u64,
}

fn others(n: usize) -> [usize; 2] {
    [(n + 1) % NODES, (n + 2) % NODES]
}

impl<'a> Case<'a> {
    fn new(live: &'a mut LiveCluster, keys: &'a Keys) -> Result<Case<'a>, String> {
        reset_live(live, keys)?;
        let mut sim = fresh_sim(live);
        let sim_conns = live
            .conns
            .iter()
            .map(|(node, name, _)| (*node, name.clone(), sim.connect(*node as u16)))
            .collect();
        let migrations = keys
            .groups
            .iter()
            .map(|&(slot, _)| {
                let home = home_of(slot);
                Migration {
                    owner: home,
                    phase: Phase::Idle,
                    source: home,
                    target: home,
                }
            })
            .collect();
        Ok(Case {
            live,
            keys,
            sim,
            sim_conns,
            migrations,
            transcript: Vec::new(),
            completed: 0,
        })
    }

    /// Sends `argv` to both worlds on the named connection and compares the replies.
    fn send(&mut self, node: usize, conn: &str, argv: Vec<Vec<u8>>) -> Result<Vec<u8>, String> {
        let sim_conn = self
            .sim_conns
            .iter()
            .find(|(n, c, _)| *n == node && c == conn)
            .map(|x| x.2)
            .unwrap();
        let real_conn = self
            .live
            .conns
            .iter_mut()
            .find(|(n, c, _)| *n == node && c == conn)
            .map(|x| &mut x.2)
            .unwrap();
        let real = real_conn
            .call(&argv)
            .map_err(|e| format!("real node {node}: {e}"))?;
        let mut sim = self.sim.execute_raw(sim_conn, &argv);
        // HELLO's `id` is the server's connection counter, not part of the model (HELLO can
        // also run queued inside EXEC).
        let real = mask_hello_id(&real);
        sim = mask_hello_id(&sim);
        let same = real == sim;
        self.transcript.push(Step {
            node,
            conn: conn.to_string(),
            argv,
            real: real.clone(),
            sim,
        });
        if !same {
            return Err("replies differ".into());
        }
        Ok(real)
    }

    fn key(&self, k: usize) -> Vec<u8> {
        self.keys.names[k].as_bytes().to_vec()
    }

    /// Owner, target and third node of a slot, as the sequence has moved it.
    fn roles(&self, slot: u16) -> [usize; 3] {
        let (owner, target) = match self.keys.group_of_slot(slot) {
            Some(g) => {
                let m = self.migrations[g];
                if m.phase == Phase::Idle {
                    (m.owner, others(m.owner)[0])
                } else {
                    (
                        m.owner,
                        if m.owner == m.target {
                            m.source
                        } else {
                            m.target
                        },
                    )
                }
            }
            None => {
                let home = home_of(slot);
                (home, others(home)[0])
            }
        };
        let third = (0..NODES).find(|&n| n != owner && n != target).unwrap();
        [owner, target, third]
    }

    fn run(&mut self, op: &Op) -> Result<(), String> {
        match op {
            Op::Data {
                role,
                conn,
                asking,
                cmd,
            } => {
                let (first, argv) = self.data_argv(cmd);
                let node = self.roles(key_slot(&self.key(first)))[*role as usize];
                let conn = DATA_CONNS[*conn as usize];
                if *asking {
                    self.send(node, conn, args(&["ASKING"]))?;
                }
                self.send(node, conn, argv)?;
            }
            Op::Tx {
                role,
                conn,
                asking,
                cmds,
                discard,
            } => {
                let (first, _) = self.data_argv(&cmds[0]);
                let node = self.roles(key_slot(&self.key(first)))[*role as usize];
                let conn = DATA_CONNS[*conn as usize];
                if *asking {
                    self.send(node, conn, args(&["ASKING"]))?;
                }
                self.send(node, conn, args(&["MULTI"]))?;
                for cmd in cmds {
                    let (_, argv) = self.data_argv(cmd);
                    self.send(node, conn, argv)?;
                }
                let end = if *discard { "DISCARD" } else { "EXEC" };
                self.send(node, conn, args(&[end]))?;
            }
            Op::Misc { node, conn, cmd } => {
                let argv = self.misc_argv(cmd);
                self.send(*node as usize, DATA_CONNS[*conn as usize], argv)?;
            }
            Op::MigStep { group, pick, abort } => self.mig_step(*group, *pick, *abort)?,
            Op::Migrate {
                group,
                pick,
                mask,
                form,
            } => {
                let m = self.migrations[*group];
                let (src, dst) = match m.phase {
                    Phase::Idle => (m.owner, others(m.owner)[*pick as usize % 2]),
                    _ => (m.source, m.target),
                };
                let members = &self.keys.groups[*group].1;
                let mut chosen: Vec<Vec<u8>> = members
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << (i % 8)) != 0)
                    .map(|(_, &k)| self.key(k))
                    .collect();
                if chosen.is_empty() {
                    chosen.push(self.key(members[0]));
                }
                let port = self.live.ports[dst].to_string();
                let mut argv = args(&["MIGRATE", "127.0.0.1", &port]);
                match form {
                    MigrateForm::Single => {
                        argv.push(chosen[0].clone());
                        argv.extend(args(&["0", "5000"]));
                    }
                    _ => {
                        argv.extend(args(&["", "0", "5000"]));
                        match form {
                            MigrateForm::KeysReplace => argv.push(b"REPLACE".to_vec()),
                            MigrateForm::Copy => argv.push(b"COPY".to_vec()),
                            _ => {}
                        }
                        argv.push(b"KEYS".to_vec());
                        if matches!(form, MigrateForm::KeysTwice) {
                            argv.push(chosen[0].clone());
                        }
                        argv.extend(chosen);
                    }
                }
                self.send(src, "admin", argv)?;
            }
        }
        Ok(())
    }

    fn data_argv(&self, cmd: &DataCmd) -> (usize, Vec<Vec<u8>>) {
        let val = |v: usize| VALUES[v].as_bytes().to_vec();
        let with_keys = |name: &str, ks: &[usize]| {
            let mut argv = args(&[name]);
            argv.extend(ks.iter().map(|&k| self.key(k)));
            (ks[0], argv)
        };
        match cmd {
            DataCmd::Get(k) => (*k, vec![b"GET".to_vec(), self.key(*k)]),
            DataCmd::Set(k, v, opt) => {
                let mut argv = vec![b"SET".to_vec(), self.key(*k), val(*v)];
                match opt {
                    0 => argv.push(b"NX".to_vec()),
                    1 => argv.push(b"XX".to_vec()),
                    2 => argv.push(b"GET".to_vec()),
                    _ => {}
                }
                (*k, argv)
            }
            DataCmd::Del(ks) => with_keys("DEL", ks),
            DataCmd::Exists(ks) => with_keys("EXISTS", ks),
            DataCmd::Incr(k) => (*k, vec![b"INCR".to_vec(), self.key(*k)]),
            DataCmd::Mget(ks) => with_keys("MGET", ks),
            DataCmd::Eval(k, text, ks) => {
                let script = if *text { "return 'done'" } else { "return 7" };
                let mut argv = args(&["EVAL", script, &ks.len().to_string()]);
                argv.extend(ks.iter().map(|&k| self.key(k)));
                (ks.first().copied().unwrap_or(*k), argv)
            }
            DataCmd::Mset(pairs) => {
                let mut argv = args(&["MSET"]);
                for &(k, v) in pairs {
                    argv.push(self.key(k));
                    argv.push(val(v));
                }
                (pairs[0].0, argv)
            }
        }
    }

    fn misc_argv(&self, cmd: &Misc) -> Vec<Vec<u8>> {
        let slot_of = |k: usize| key_slot(&self.key(k)).to_string();
        match cmd {
            Misc::Ping => args(&["PING"]),
            Misc::PingArg => args(&["PING", "hi there"]),
            Misc::Echo => args(&["ECHO", "{t0}k1"]),
            Misc::Dbsize => args(&["DBSIZE"]),
            Misc::Multi => args(&["MULTI"]),
            Misc::Exec => args(&["EXEC"]),
            Misc::Discard => args(&["DISCARD"]),
            Misc::Asking => args(&["ASKING"]),
            Misc::Hello(three) => args(&["HELLO", if *three { "3" } else { "2" }]),
            Misc::Slots => args(&["CLUSTER", "SLOTS"]),
            Misc::Keyslot(k) => {
                let mut a = args(&["CLUSTER", "KEYSLOT"]);
                a.push(self.key(*k));
                a
            }
            Misc::CountKeys(k) => args(&["CLUSTER", "COUNTKEYSINSLOT", &slot_of(*k)]),
            Misc::GetKeys(k, c) => {
                let count = [0, 1, 2, 10][*c as usize % 4].to_string();
                args(&["CLUSTER", "GETKEYSINSLOT", &slot_of(*k), &count])
            }
            Misc::Bad(w, k) => {
                let key = self.keys.names[*k].as_str();
                match w {
                    0 => args(&["GET", key, "extra"]),
                    1 => args(&["SET", key]),
                    2 => args(&["MGET"]),
                    3 => args(&["NOSUCHCMD", key]),
                    4 => args(&["CLUSTER", "KEYSLOT"]),
                    _ => args(&["INCR", key, key]),
                }
            }
        }
    }

    fn setslot(
        &mut self,
        node: usize,
        slot: u16,
        action: &str,
        id: Option<usize>,
    ) -> Result<Vec<u8>, String> {
        let mut argv = args(&["CLUSTER", "SETSLOT", &slot.to_string(), action]);
        if let Some(i) = id {
            argv.push(self.live.ids[i].as_bytes().to_vec());
        }
        self.send(node, "admin", argv)
    }

    fn mig_step(&mut self, group: usize, pick: u8, abort: bool) -> Result<(), String> {
        let slot = self.keys.groups[group].0;
        let mut m = self.migrations[group];
        if abort && matches!(m.phase, Phase::Importing | Phase::Migrating) {
            self.setslot(m.target, slot, "STABLE", None)?;
            self.setslot(m.source, slot, "STABLE", None)?;
            m.phase = Phase::Idle;
            self.migrations[group] = m;
            return Ok(());
        }
        match m.phase {
            Phase::Idle => {
                m.source = m.owner;
                m.target = others(m.owner)[pick as usize % 2];
                self.setslot(m.target, slot, "IMPORTING", Some(m.source))?;
                m.phase = Phase::Importing;
            }
            Phase::Importing => {
                self.setslot(m.source, slot, "MIGRATING", Some(m.target))?;
                m.phase = Phase::Migrating;
            }
            Phase::Migrating => {
                self.completed += 1;
                let r = self.setslot(m.target, slot, "NODE", Some(m.target))?;
                self.wait_settled()?;
                if r == b"+OK\r\n" {
                    m.owner = m.target;
                }
                m.phase = Phase::NodeOnTarget;
            }
            Phase::NodeOnTarget => {
                self.setslot(m.source, slot, "NODE", Some(m.target))?;
                self.wait_settled()?;
                m.phase = Phase::NodeOnSource;
            }
            Phase::NodeOnSource => {
                let third = (0..NODES)
                    .find(|&n| n != m.source && n != m.target)
                    .unwrap();
                self.setslot(third, slot, "NODE", Some(m.target))?;
                self.wait_settled()?;
                m.phase = Phase::Idle;
            }
        }
        self.migrations[group] = m;
        Ok(())
    }

    /// Waits until every real node's CLUSTER SLOTS equals the simulator's view of that node and
    /// the nodes agree on every epoch (see [`epochs_agree`]).
    fn wait_settled(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        let argv = args(&["CLUSTER", "SLOTS"]);
        loop {
            let mut diffs = Vec::new();
            for node in 0..NODES {
                let sim_conn = self
                    .sim_conns
                    .iter()
                    .find(|(n, c, _)| *n == node && c == "admin")
                    .unwrap()
                    .2;
                // Reading CLUSTER SLOTS changes nothing, so the simulator's step counter may move.
                let sim = self.sim.execute_raw(sim_conn, &argv);
                let real = self.live.admin[node]
                    .call(&argv)
                    .map_err(|e| e.to_string())?;
                if real != sim {
                    diffs.push(format!(
                        "node {node}: real {}\n        sim  {}",
                        show(&real),
                        show(&sim)
                    ));
                }
            }
            if diffs.is_empty() && epochs_agree(self.live)? {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "after {:?} the real nodes' CLUSTER SLOTS still differ from the simulator's:\n{}",
                    SETTLE_TIMEOUT,
                    diffs.join("\n")
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The transcript as a replayable script on the golden layout (127.0.0.1:7000-7002,
    /// placeholder ids).
    fn script(&self) -> String {
        let golden = |bytes: &[u8]| -> String {
            let mut text = String::from_utf8_lossy(bytes).into_owned();
            for i in 0..NODES {
                text = text.replace(&self.live.ids[i], &placeholder_id(7000 + i as u16));
                text = text.replace(
                    &format!("127.0.0.1:{}", self.live.ports[i]),
                    &format!("127.0.0.1:{}", 7000 + i),
                );
                text = text.replace(
                    &format!(":{}\r\n", self.live.ports[i]),
                    &format!(":{}\r\n", 7000 + i),
                );
            }
            text
        };
        let mut out = String::new();
        for (seq, s) in self.transcript.iter().enumerate() {
            let mut command: Vec<String> = s.argv.iter().map(|a| golden(a)).collect();
            if command.first().is_some_and(|c| c == "MIGRATE") {
                for i in 0..NODES {
                    if command[2] == self.live.ports[i].to_string() {
                        command[2] = (7000 + i).to_string();
                    }
                }
            }
            let line = serde_json::json!({
                "seq": seq + 1,
                "node": format!("127.0.0.1:{}", 7000 + s.node),
                "conn": format!("{}/{}", 7000 + s.node, s.conn),
                "command": command,
                "reply_redis": golden(&s.real),
                "reply_sim": golden(&s.sim),
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        out
    }

    fn failure(&self, why: &str) -> String {
        let last = self.transcript.last();
        let detail = match last {
            Some(s) if s.real != s.sim => format!(
                "step {} on node {} conn {}: {}\n  real Redis: {}\n  simulator:  {}",
                self.transcript.len(),
                s.node,
                s.conn,
                slotscope_sim::argv::display(&s.argv),
                show(&s.real),
                show(&s.sim)
            ),
            _ => String::new(),
        };
        format!("{why}\n{detail}{SCRIPT_MARKER}{}", self.script())
    }
}

/// Replaces the integer after every HELLO `id` field by 0 (HELLO may also run inside EXEC).
fn mask_hello_id(reply: &[u8]) -> Vec<u8> {
    let marker = b"$2\r\nid\r\n:";
    let mut out = Vec::with_capacity(reply.len());
    let mut rest = reply;
    while let Some(at) = rest.windows(marker.len()).position(|w| w == marker) {
        let start = at + marker.len();
        out.extend_from_slice(&rest[..start]);
        out.push(b'0');
        let end = rest[start..]
            .iter()
            .position(|&b| b == b'\r')
            .map_or(rest.len(), |p| start + p);
        rest = &rest[end..];
    }
    out.extend_from_slice(rest);
    out
}

/// Brings the real cluster back to the initial layout with no keys, and the connections
/// back to a new connection's state.
fn reset_live(live: &mut LiveCluster, keys: &Keys) -> Result<(), String> {
    for (node, name, conn) in &mut live.conns {
        let r = conn
            .call(&args(&["RESET"]))
            .map_err(|e| format!("RESET on node {node} conn {name}: {e}"))?;
        if r != b"+RESET\r\n" {
            return Err(format!("RESET on node {node} conn {name}: {}", show(&r)));
        }
    }
    for i in 0..NODES {
        live.admin_ok(i, &["FLUSHALL"])?;
    }
    for &(slot, _) in &keys.groups {
        for i in 0..NODES {
            live.admin_ok(i, &["CLUSTER", "SETSLOT", &slot.to_string(), "STABLE"])?;
        }
    }
    let initial = {
        let mut sim = fresh_sim(live);
        let c = sim.connect(0);
        sim.execute_raw(c, &args(&["CLUSTER", "SLOTS"]))
    };
    for &(slot, _) in &keys.groups {
        let home = home_of(slot);
        let mut owners = Vec::new();
        for i in 0..NODES {
            owners.push(owner_in(live, i, slot)?);
        }
        let Some(&owner) = owners.iter().find(|&&o| o != home) else {
            continue;
        };
        // Give the slot back the way a migration does, so that the home node takes a new
        // epoch and every node adopts it.
        let s = slot.to_string();
        let owner_id = live.ids[owner].clone();
        let home_id = live.ids[home].clone();
        live.admin(home, &["CLUSTER", "SETSLOT", &s, "IMPORTING", &owner_id])?;
        live.admin_ok(home, &["CLUSTER", "SETSLOT", &s, "NODE", &home_id])?;
        for i in (0..NODES).filter(|&i| i != home) {
            live.admin_ok(i, &["CLUSTER", "SETSLOT", &s, "NODE", &home_id])?;
        }
    }
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    loop {
        let mut ok = true;
        for i in 0..NODES {
            ok &= live.admin(i, &["CLUSTER", "SLOTS"])? == initial;
        }
        if ok && epochs_agree(live)? {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(
                "the real cluster did not return to its initial slot layout with agreed epochs"
                    .into(),
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// True when every real node reports the same `cluster_current_epoch` and the same config
/// epoch for every node. A node that adopted a slot through an explicit `SETSLOT NODE` may not
/// have heard the new owner's epoch yet; if it then took a new epoch itself it could collide
/// with an existing one, and Redis's collision handling would move slots behind the test's back.
fn epochs_agree(live: &mut LiveCluster) -> Result<bool, String> {
    let mut views = Vec::new();
    for i in 0..NODES {
        let info = String::from_utf8_lossy(&live.admin(i, &["CLUSTER", "INFO"])?).into_owned();
        let current = info
            .lines()
            .find_map(|l| l.strip_prefix("cluster_current_epoch:"))
            .map(|v| v.trim().to_string())
            .unwrap_or_default();
        let nodes = String::from_utf8_lossy(&live.admin(i, &["CLUSTER", "NODES"])?).into_owned();
        let mut epochs: Vec<(String, String)> = nodes
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f.len() > 6 && f[0].len() == 40).then(|| (f[0].to_string(), f[6].to_string()))
            })
            .collect();
        epochs.sort();
        views.push((current, epochs));
    }
    Ok(views.windows(2).all(|w| w[0] == w[1]) && views[0].1.len() == NODES)
}

/// The owner of `slot` in node `i`'s CLUSTER NODES.
fn owner_in(live: &mut LiveCluster, i: usize, slot: u16) -> Result<usize, String> {
    let text = String::from_utf8_lossy(&live.admin(i, &["CLUSTER", "NODES"])?).into_owned();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() < 9 {
            continue;
        }
        let covers = fields[8..].iter().any(|f| {
            if f.starts_with('[') {
                return false;
            }
            match f.split_once('-') {
                Some((a, b)) => {
                    a.parse::<u16>().is_ok_and(|a| a <= slot)
                        && b.parse::<u16>().is_ok_and(|b| slot <= b)
                }
                None => f.parse::<u16>() == Ok(slot),
            }
        });
        if covers {
            if let Some(n) = live.ids.iter().position(|id| id == fields[0]) {
                return Ok(n);
            }
        }
    }
    Err(format!("node {i} has no owner for slot {slot}"))
}

/// How often each kind of reply was seen (`+OK`, `-MOVED`, `-ASK`, `*`...), to show coverage.
type Tally = std::collections::BTreeMap<String, u64>;

fn reply_kind(reply: &[u8]) -> String {
    let head = reply
        .split(|&b| b == b' ' || b == b'\r')
        .next()
        .unwrap_or(b"");
    match reply.first() {
        Some(b'-') | Some(b'+') => String::from_utf8_lossy(head).into_owned(),
        Some(&c) => (c as char).to_string(),
        None => String::new(),
    }
}

fn run_case(
    live: &mut LiveCluster,
    keys: &Keys,
    ops: &[(bool, Op)],
    tally: Option<&mut Tally>,
) -> Result<(), String> {
    let mut case = Case::new(live, keys)?;
    for (enabled, op) in ops {
        if !*enabled {
            continue;
        }
        if let Err(e) = case.run(op) {
            return Err(case.failure(&e));
        }
    }
    if let Some(tally) = tally {
        for s in &case.transcript {
            *tally.entry(reply_kind(&s.real)).or_default() += 1;
        }
        *tally.entry("(slots moved)".into()).or_default() += case.completed;
    }
    Ok(())
}

const SCRIPT_MARKER: &str = "\n--- script (golden layout, replay with slotscope-replay) ---\n";

fn failure_file() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("live_differential_failure.jsonl")
}

#[test]
fn simulator_matches_real_redis() {
    if !on_path("redis-server") {
        if std::env::var("SLOTSCOPE_SKIP_LIVE").as_deref() == Ok("1") {
            eprintln!("live differential test skipped: SLOTSCOPE_SKIP_LIVE=1 and no redis-server");
            return;
        }
        panic!(
            "redis-server is not on PATH: the live differential test needs a real Redis 7.0 \
             (Debian's redis-server 7.0.15, installed by scripts/setup.sh). Set \
             SLOTSCOPE_SKIP_LIVE=1 to skip this test."
        );
    }
    if std::env::var("SLOTSCOPE_SKIP_LIVE").as_deref() == Ok("1") {
        eprintln!("live differential test skipped: SLOTSCOPE_SKIP_LIVE=1");
        return;
    }
    let version = Command::new("redis-server")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        version.contains("v=7.0."),
        "the simulator models Redis 7.0 but redis-server on PATH is: {version}"
    );
    let cases: u32 = std::env::var("SLOTSCOPE_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let keys = Keys::new();
    let live = RefCell::new(LiveCluster::start());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    });
    let started = Instant::now();
    let tally = RefCell::new(Tally::new());
    let result = runner.run(&sequence(&keys), |ops| {
        run_case(
            &mut live.borrow_mut(),
            &keys,
            &ops,
            Some(&mut tally.borrow_mut()),
        )
        .map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => eprintln!(
            "live differential: {cases} sequences of {STEPS} steps matched real Redis in {:.1?}\n\
             replies seen: {:?}",
            started.elapsed(),
            tally.borrow()
        ),
        Err(TestError::Fail(reason, _)) => {
            let reason = reason.to_string();
            let script = reason
                .split_once(SCRIPT_MARKER)
                .map(|x| x.1)
                .unwrap_or_default();
            let path = failure_file();
            let _ = std::fs::write(&path, script);
            panic!(
                "the simulator differs from real Redis.\n{reason}\nscript written to {}\n\
                 replay: cargo run -p slotscope-sim --bin slotscope-replay -- {}",
                path.display(),
                path.display()
            );
        }
        Err(TestError::Abort(reason)) => panic!("live differential test aborted: {reason}"),
    }
}
