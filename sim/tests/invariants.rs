//! Invariants of the simulated cluster, checked over random sequences (no server needed).
//!
//! 1. `resharding_never_loses_or_duplicates_keys`: on a cluster of 2-6 nodes with a gossip delay of
//!    0-3 steps, random writes, deletes and reads (by a client that follows MOVED and ASK, starting
//!    at a random node) are interleaved with proper slot migrations: `SETSLOT IMPORTING` on the
//!    target, `SETSLOT MIGRATING` on the source, `MIGRATE ... KEYS` of some keys at a time, the rest
//!    migrated before `SETSLOT NODE` on the target, then `SETSLOT NODE` on every other node one
//!    step at a time, with `tick`, `settle` and delay changes in between. Gossip still in flight
//!    is delivered before `SETSLOT NODE` on a target (see `Harness::advance`); everything else,
//!    including the other nodes' `SETSLOT NODE`, happens while propagation may be pending. The expected key set is
//!    modelled from the replies. After every action: every expected key exists exactly once, with
//!    its value, on the slot's owner or (during a migration) on the migration target; no node holds
//!    any other key; every read returns the modelled value; and once gossip settles every node's
//!    view agrees with the migrations performed.
//! 2. `arbitrary_commands_never_panic`: any argv (random bytes, empty and huge arguments up to
//!    1 MB, real command names with garbage arguments, random CLUSTER and CONFIG subcommands) sent
//!    on random connections gets a reply, and that reply encodes as exactly one well-formed RESP
//!    value in both protocols.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::Config;
use slotscope_sim::keyslot::key_slot;
use slotscope_sim::layout;
use slotscope_sim::resp::Proto;
use slotscope_sim::{Cluster, ConnId, NodeIdx, Reply};

fn args(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

// ---------------------------------------------------------------------------------------------
// Property 1: resharding
// ---------------------------------------------------------------------------------------------

/// Keys of six hash tags (three keys each) and four untagged keys.
fn key_pool() -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    for t in 0..6 {
        for k in 0..3 {
            keys.push(format!("{{user{t}}}:k{k}").into_bytes());
        }
    }
    for k in ["alpha", "beta", "gamma", "delta"] {
        keys.push(k.as_bytes().to_vec());
    }
    keys
}

#[derive(Clone, Debug)]
enum Action {
    /// SET key value through the client, starting at node `start`.
    Set { key: usize, value: u8, start: u8 },
    /// DEL key through the client.
    Del { key: usize, start: u8 },
    /// GET key through the client: must return the modelled value.
    Get { key: usize, start: u8 },
    /// MSET of keys of one tag.
    Mset { tag: usize, value: u8, start: u8 },
    /// Starts migrating the slot of key `key` to another node (`pick` chooses which).
    Start { key: usize, pick: u8 },
    /// MIGRATE up to `count` keys of a migrating slot (the `which`-th migration in progress).
    Move { which: u8, count: u8 },
    /// Advances a migration by one step.
    Advance { which: u8 },
    /// Lets `n` steps pass without a command.
    Tick { n: u8 },
    /// Delivers everything in flight.
    Settle,
    /// Changes the gossip delay.
    Delay { d: u8 },
}

fn action(keys: usize) -> impl Strategy<Value = Action> {
    let tags = 6usize;
    prop_oneof![
        6 => (0..keys, any::<u8>(), any::<u8>())
            .prop_map(|(key, value, start)| Action::Set { key, value, start }),
        2 => (0..keys, any::<u8>()).prop_map(|(key, start)| Action::Del { key, start }),
        4 => (0..keys, any::<u8>()).prop_map(|(key, start)| Action::Get { key, start }),
        2 => (0..tags, any::<u8>(), any::<u8>())
            .prop_map(|(tag, value, start)| Action::Mset { tag, value, start }),
        3 => (0..keys, any::<u8>()).prop_map(|(key, pick)| Action::Start { key, pick }),
        3 => (any::<u8>(), 1u8..4).prop_map(|(which, count)| Action::Move { which, count }),
        5 => any::<u8>().prop_map(|which| Action::Advance { which }),
        2 => (1u8..4).prop_map(|n| Action::Tick { n }),
        1 => Just(Action::Settle),
        1 => (0u8..4).prop_map(|d| Action::Delay { d }),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Importing,
    Migrating,
    /// `SETSLOT NODE` sent to the target and to `told` other nodes (in node order, source first).
    Assigning {
        told: usize,
    },
}

#[derive(Clone, Debug)]
struct Migration {
    slot: u16,
    source: NodeIdx,
    target: NodeIdx,
    phase: Phase,
}

struct Harness {
    c: Cluster,
    /// One client connection per node, and one for administration per node.
    data: Vec<ConnId>,
    admin: Vec<ConnId>,
    keys: Vec<Vec<u8>>,
    /// The expected keyspace of the whole cluster.
    model: BTreeMap<Vec<u8>, Vec<u8>>,
    /// Owner of each slot as the migrations performed say (before gossip).
    owner: Vec<NodeIdx>,
    migrations: Vec<Migration>,
    log: Vec<String>,
}

fn value_of(v: u8) -> Vec<u8> {
    format!("v{v}").into_bytes()
}

impl Harness {
    fn new(n: usize, delay: u32) -> Harness {
        let mut c = layout::even(n);
        c.gossip_delay = delay;
        let data = (0..n).map(|i| c.connect(i as NodeIdx)).collect();
        let admin = (0..n).map(|i| c.connect(i as NodeIdx)).collect();
        let owner = (0..16384u16)
            .map(|s| c.nodes[0].owner(s).expect("every slot is assigned"))
            .collect();
        Harness {
            c,
            data,
            admin,
            keys: key_pool(),
            model: BTreeMap::new(),
            owner,
            migrations: Vec::new(),
            log: Vec::new(),
        }
    }

    fn n(&self) -> usize {
        self.c.nodes.len()
    }

    fn exec(&mut self, conn: ConnId, argv: &[Vec<u8>]) -> Reply {
        let node = self.c.conn(conn).node;
        let reply = self.c.execute(conn, argv);
        self.log.push(format!(
            "node {node}: {} -> {}",
            slotscope_sim::argv::display(argv),
            reply.human().replace('\n', " ")
        ));
        reply
    }

    fn admin_ok(&mut self, node: NodeIdx, argv: &[Vec<u8>]) -> Result<(), TestCaseError> {
        let reply = self.exec(self.admin[node as usize], argv);
        prop_assert_eq!(
            &reply,
            &Reply::ok(),
            "admin command on node {} failed",
            node
        );
        Ok(())
    }

    /// A client request that follows MOVED and ASK (at most 16 hops) and retries TRYAGAIN.
    fn request(&mut self, start: u8, argv: &[Vec<u8>]) -> Reply {
        let mut node = (start as usize % self.n()) as NodeIdx;
        let mut asking = false;
        let mut reply = Reply::Nil;
        for _ in 0..16 {
            let conn = self.data[node as usize];
            if asking {
                self.exec(conn, &args(&[b"ASKING"]));
            }
            reply = self.exec(conn, argv);
            let Some(text) = reply.error_text() else {
                return reply;
            };
            let mut words = text.split(' ');
            let code = words.next().unwrap_or("");
            match code {
                "MOVED" | "ASK" => {
                    let addr = words.nth(1).unwrap_or("");
                    let (host, port) = addr.rsplit_once(':').unwrap_or(("", ""));
                    let Some(next) = self.c.node_by_addr(host.as_bytes(), port.as_bytes()) else {
                        return reply;
                    };
                    node = next;
                    asking = code == "ASK";
                }
                "TRYAGAIN" => asking = false,
                _ => return reply,
            }
        }
        reply
    }

    fn migration_index(&self, which: u8) -> Option<usize> {
        (!self.migrations.is_empty()).then(|| which as usize % self.migrations.len())
    }

    fn id(&self, n: NodeIdx) -> Vec<u8> {
        self.c.nodes[n as usize].id.as_bytes().to_vec()
    }

    /// MIGRATE of up to `count` keys the source still holds in the slot.
    fn migrate_some(&mut self, m: &Migration, count: usize) -> Result<usize, TestCaseError> {
        let keys = self.c.nodes[m.source as usize]
            .keys
            .keys_in_slot(m.slot, count);
        if keys.is_empty() {
            return Ok(0);
        }
        let target = &self.c.nodes[m.target as usize];
        let port = target.port.to_string().into_bytes();
        let host = target.host.clone().into_bytes();
        let mut argv = vec![b"MIGRATE".to_vec(), host, port];
        argv.extend(args(&[b"", b"0", b"5000", b"KEYS"]));
        argv.extend(keys.iter().cloned());
        let reply = self.exec(self.admin[m.source as usize], &argv);
        prop_assert_eq!(reply, Reply::ok(), "MIGRATE of {} keys failed", keys.len());
        Ok(keys.len())
    }

    fn setslot(&self, slot: u16, action: &[u8], node: Option<NodeIdx>) -> Vec<Vec<u8>> {
        let mut argv = vec![
            b"CLUSTER".to_vec(),
            b"SETSLOT".to_vec(),
            slot.to_string().into_bytes(),
            action.to_vec(),
        ];
        if let Some(n) = node {
            argv.push(self.id(n));
        }
        argv
    }

    fn apply(&mut self, a: &Action) -> Result<(), TestCaseError> {
        self.log.push(format!("== {a:?}"));
        match *a {
            Action::Set { key, value, start } => {
                let k = self.keys[key].clone();
                let v = value_of(value);
                let reply = self.request(start, &[b"SET".to_vec(), k.clone(), v.clone()]);
                if reply == Reply::ok() {
                    self.model.insert(k, v);
                } else {
                    prop_assert!(false, "SET {:?} failed: {:?}", k, reply);
                }
            }
            Action::Del { key, start } => {
                let k = self.keys[key].clone();
                let reply = self.request(start, &[b"DEL".to_vec(), k.clone()]);
                let expected = self.model.remove(&k).is_some() as i64;
                prop_assert_eq!(reply, Reply::Integer(expected), "DEL {:?}", k);
            }
            Action::Get { key, start } => {
                let k = self.keys[key].clone();
                let reply = self.request(start, &[b"GET".to_vec(), k.clone()]);
                let expected = self
                    .model
                    .get(&k)
                    .map_or(Reply::Nil, |v| Reply::Bulk(v.clone()));
                prop_assert_eq!(reply, expected, "GET {:?}", k);
            }
            Action::Mset { tag, value, start } => {
                let mut argv = vec![b"MSET".to_vec()];
                let keys: Vec<Vec<u8>> = self.keys[tag * 3..tag * 3 + 3].to_vec();
                for k in &keys {
                    argv.push(k.clone());
                    argv.push(value_of(value));
                }
                let reply = self.request(start, &argv);
                if reply == Reply::ok() {
                    for k in keys {
                        self.model.insert(k, value_of(value));
                    }
                } else {
                    // During a migration of their slot, keys split between source and target
                    // (or all new) cannot be written together: ASK, then TRYAGAIN at the target,
                    // until the migration ends.
                    let slot = key_slot(&keys[0]);
                    prop_assert!(
                        self.migrations.iter().any(|m| m.slot == slot),
                        "MSET failed outside a migration: {:?}",
                        reply
                    );
                }
            }
            Action::Start { key, pick } => {
                let slot = key_slot(&self.keys[key]);
                if self.migrations.iter().any(|m| m.slot == slot) {
                    return Ok(());
                }
                let source = self.owner[slot as usize];
                let others: Vec<NodeIdx> =
                    (0..self.n() as NodeIdx).filter(|&x| x != source).collect();
                let target = others[pick as usize % others.len()];
                let argv = self.setslot(slot, b"IMPORTING", Some(source));
                self.admin_ok(target, &argv)?;
                self.migrations.push(Migration {
                    slot,
                    source,
                    target,
                    phase: Phase::Importing,
                });
            }
            Action::Move { which, count } => {
                if let Some(i) = self.migration_index(which) {
                    let m = self.migrations[i].clone();
                    if m.phase == Phase::Migrating {
                        self.migrate_some(&m, count as usize)?;
                    }
                }
            }
            Action::Advance { which } => {
                if let Some(i) = self.migration_index(which) {
                    self.advance(i)?;
                }
            }
            Action::Tick { n } => {
                for _ in 0..n {
                    self.c.tick();
                }
            }
            Action::Settle => {
                self.c.settle();
                self.check_views()?;
            }
            Action::Delay { d } => self.c.gossip_delay = d as u32,
        }
        Ok(())
    }

    fn advance(&mut self, i: usize) -> Result<(), TestCaseError> {
        let m = self.migrations[i].clone();
        match m.phase {
            Phase::Importing => {
                let argv = self.setslot(m.slot, b"MIGRATING", Some(m.target));
                self.admin_ok(m.source, &argv)?;
                self.migrations[i].phase = Phase::Migrating;
            }
            Phase::Migrating => {
                // Move whatever is left, then give the slot to the target. The target takes a
                // new config epoch only if its own is not already the greatest it knows
                // (clusterBumpConfigEpochWithoutConsensus), so a bump by another node still in
                // flight could give two nodes the same epoch and let the old owner's claim win
                // the slot back: let earlier changes arrive first, as an operator does.
                if self.c.pending_propagation() > 0 {
                    self.c.settle();
                }
                while self.migrate_some(&m, 10)? > 0 {}
                let argv = self.setslot(m.slot, b"NODE", Some(m.target));
                self.admin_ok(m.target, &argv)?;
                self.owner[m.slot as usize] = m.target;
                self.migrations[i].phase = Phase::Assigning { told: 0 };
            }
            Phase::Assigning { told } => {
                let rest: Vec<NodeIdx> = std::iter::once(m.source)
                    .chain((0..self.n() as NodeIdx).filter(|&x| x != m.source && x != m.target))
                    .collect();
                let argv = self.setslot(m.slot, b"NODE", Some(m.target));
                self.admin_ok(rest[told], &argv)?;
                if told + 1 == rest.len() {
                    self.migrations.remove(i);
                } else {
                    self.migrations[i].phase = Phase::Assigning { told: told + 1 };
                }
            }
        }
        Ok(())
    }

    /// Keys: exactly the model, each once, on the owner or the migration target.
    fn check_keys(&self) -> Result<(), TestCaseError> {
        let mut seen: BTreeMap<Vec<u8>, NodeIdx> = BTreeMap::new();
        for (i, node) in self.c.nodes.iter().enumerate() {
            for (k, v) in node.keys.entries() {
                let expected = self.model.get(&k);
                prop_assert_eq!(
                    expected,
                    Some(&v),
                    "node {} holds {:?}={:?}, expected {:?}",
                    i,
                    k,
                    v,
                    expected
                );
                if let Some(other) = seen.insert(k.clone(), i as NodeIdx) {
                    prop_assert!(false, "key {:?} on node {} and node {}", k, other, i);
                }
                let slot = key_slot(&k);
                let owner = self.owner[slot as usize];
                let target = self
                    .migrations
                    .iter()
                    .find(|m| m.slot == slot)
                    .map(|m| m.target);
                prop_assert!(
                    i as NodeIdx == owner || Some(i as NodeIdx) == target,
                    "key {:?} (slot {}) on node {}; owner {}, migration target {:?}",
                    k,
                    slot,
                    i,
                    owner,
                    target
                );
            }
        }
        for k in self.model.keys() {
            prop_assert!(seen.contains_key(k), "key {:?} was lost", k);
        }
        Ok(())
    }

    /// After settling, every node's view of every slot agrees with the migrations.
    fn check_views(&self) -> Result<(), TestCaseError> {
        for (i, node) in self.c.nodes.iter().enumerate() {
            for s in 0..16384u16 {
                let mid = self.migrations.iter().find(|m| m.slot == s);
                let want = self.owner[s as usize];
                let got = node.owner(s);
                let ok = got == Some(want)
                    || mid.is_some_and(|m| {
                        // Before a node is told, it may still map the slot to the source.
                        matches!(m.phase, Phase::Assigning { .. }) && got == Some(m.source)
                    });
                prop_assert!(
                    ok,
                    "node {} maps slot {} to {:?}, expected {}",
                    i,
                    s,
                    got,
                    want
                );
            }
        }
        Ok(())
    }

    /// Finishes every migration, settles, and reads every key back.
    fn finish(&mut self) -> Result<(), TestCaseError> {
        while !self.migrations.is_empty() {
            self.advance(0)?;
            self.check_keys()?;
        }
        self.c.settle();
        self.check_views()?;
        for key in 0..self.keys.len() {
            self.apply(&Action::Get { key, start: 0 })?;
        }
        self.check_keys()
    }
}

fn run_resharding(n: usize, delay: u32, actions: &[Action]) -> Result<(), TestCaseError> {
    let mut h = Harness::new(n, delay);
    let result = (|| {
        for a in actions {
            h.apply(a)?;
            h.check_keys()?;
        }
        h.finish()
    })();
    result.map_err(|e| {
        let tail: Vec<&String> = h.log.iter().rev().take(60).collect();
        let tail: Vec<&str> = tail.into_iter().rev().map(String::as_str).collect();
        TestCaseError::fail(format!("{e}\nlast steps:\n{}", tail.join("\n")))
    })
}

proptest! {
    #![proptest_config(Config { cases: 400, failure_persistence: None, ..Config::default() })]

    #[test]
    fn resharding_never_loses_or_duplicates_keys(
        n in 2usize..=6,
        delay in 0u32..=3,
        actions in prop::collection::vec(action(22), 1..80),
    ) {
        run_resharding(n, delay, &actions)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Property 2: arbitrary commands
// ---------------------------------------------------------------------------------------------

const NAMES: &[&str] = &[
    "GET",
    "SET",
    "DEL",
    "EXISTS",
    "INCR",
    "MGET",
    "MSET",
    "PING",
    "ECHO",
    "DBSIZE",
    "ASKING",
    "READONLY",
    "READWRITE",
    "MULTI",
    "EXEC",
    "DISCARD",
    "MIGRATE",
    "EVAL",
    "HELLO",
    "CONFIG",
    "CLUSTER",
    "RESTORE-ASKING",
    "FLUSHALL",
    "SELECT",
];

const CLUSTER_SUBS: &[&str] = &[
    "KEYSLOT",
    "MYID",
    "SLOTS",
    "SHARDS",
    "NODES",
    "INFO",
    "COUNTKEYSINSLOT",
    "GETKEYSINSLOT",
    "SETSLOT",
    "ADDSLOTS",
    "ADDSLOTSRANGE",
    "DELSLOTS",
    "DELSLOTSRANGE",
    "MEET",
    "SET-CONFIG-EPOCH",
    "FORGET",
    "RESET",
    "HELP",
];

const WORDS: &[&str] = &[
    "SET",
    "GET",
    "KEYS",
    "COPY",
    "REPLACE",
    "AUTH",
    "AUTH2",
    "NX",
    "XX",
    "EX",
    "PX",
    "KEEPTTL",
    "IMPORTING",
    "MIGRATING",
    "STABLE",
    "NODE",
    "cluster-require-full-coverage",
    "cluster-allow-reads-when-down",
    "yes",
    "no",
    "127.0.0.1",
    "7000",
    "7001",
    "0",
    "-1",
    "16383",
    "16384",
    "5000",
    "2",
    "3",
    "SETNAME",
    "return 1",
    "{t}a",
    "{t}b",
];

/// One argument, described compactly (huge arguments are built only when sent).
#[derive(Clone, Debug)]
enum Arg {
    Bytes(Vec<u8>),
    Word(usize),
    Int(i64),
    /// A node id of the cluster (index modulo the node count).
    NodeId(usize),
    /// `len` copies of `byte` (up to 1 MB).
    Huge(usize, u8),
}

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..24).prop_map(Arg::Bytes),
        1 => Just(Arg::Bytes(Vec::new())),
        4 => (0..WORDS.len()).prop_map(Arg::Word),
        3 => prop_oneof![any::<i64>(), -2i64..16400].prop_map(Arg::Int),
        2 => any::<usize>().prop_map(Arg::NodeId),
        1 => (0usize..=1 << 20, any::<u8>()).prop_map(|(n, b)| Arg::Huge(n, b)),
    ]
}

#[derive(Clone, Debug)]
enum Name {
    Real(usize, bool),
    Random(Vec<u8>),
}

fn name() -> impl Strategy<Value = Name> {
    prop_oneof![
        6 => (0..NAMES.len(), any::<bool>()).prop_map(|(i, lower)| Name::Real(i, lower)),
        1 => prop::collection::vec(any::<u8>(), 0..12).prop_map(Name::Random),
    ]
}

#[derive(Clone, Debug)]
struct Command {
    conn: usize,
    /// No argv at all.
    empty: bool,
    name: Name,
    /// For CLUSTER and CONFIG: a known subcommand (or a random argument).
    sub: Option<usize>,
    args: Vec<Arg>,
}

fn command() -> impl Strategy<Value = Command> {
    (
        any::<usize>(),
        prop::bool::weighted(0.02),
        name(),
        prop::option::weighted(0.8, any::<usize>()),
        prop::collection::vec(arg(), 0..7),
    )
        .prop_map(|(conn, empty, name, sub, args)| Command {
            conn,
            empty,
            name,
            sub,
            args,
        })
}

fn build_argv(cmd: &Command, c: &Cluster) -> Vec<Vec<u8>> {
    if cmd.empty {
        return Vec::new();
    }
    let mut argv = Vec::new();
    match &cmd.name {
        Name::Real(i, lower) => {
            let n = NAMES[*i];
            argv.push(if *lower {
                n.to_lowercase().into_bytes()
            } else {
                n.as_bytes().to_vec()
            });
            match (n, cmd.sub) {
                ("CLUSTER", Some(s)) => {
                    argv.push(CLUSTER_SUBS[s % CLUSTER_SUBS.len()].as_bytes().to_vec())
                }
                ("CONFIG", Some(s)) => argv.push(
                    ["SET", "GET", "set", "RESETSTAT"][s % 4]
                        .as_bytes()
                        .to_vec(),
                ),
                _ => {}
            }
        }
        Name::Random(bytes) => argv.push(bytes.clone()),
    }
    for a in &cmd.args {
        argv.push(match a {
            Arg::Bytes(b) => b.clone(),
            Arg::Word(w) => WORDS[*w].as_bytes().to_vec(),
            Arg::Int(i) => i.to_string().into_bytes(),
            Arg::NodeId(i) => c.nodes[i % c.nodes.len()].id.as_bytes().to_vec(),
            Arg::Huge(n, b) => vec![*b; *n],
        });
    }
    argv
}

/// Parses one RESP value at the start of `b`; returns its length.
fn resp_len(b: &[u8]) -> Option<usize> {
    let line_end = b.windows(2).position(|w| w == b"\r\n")?;
    let head = &b[1..line_end];
    let after = line_end + 2;
    let num = || std::str::from_utf8(head).ok()?.parse::<i64>().ok();
    match *b.first()? {
        b'+' | b'-' | b'_' => {
            // Simple strings and errors never carry CR or LF.
            (!head.contains(&b'\r') && !head.contains(&b'\n')).then_some(after)
        }
        b':' => num().map(|_| after),
        b'$' | b'=' => {
            let n = num()?;
            if n < 0 {
                return (n == -1).then_some(after);
            }
            let end = after + n as usize;
            (b.get(end..end + 2)? == b"\r\n").then_some(end + 2)
        }
        b'*' | b'%' => {
            let n = num()?;
            let items = if b[0] == b'%' { n * 2 } else { n };
            let mut pos = after;
            for _ in 0..items {
                pos += resp_len(&b[pos..])?;
            }
            Some(pos)
        }
        _ => None,
    }
}

fn well_formed(reply: &Reply) -> bool {
    [Proto::Resp2, Proto::Resp3].iter().all(|&p| {
        let bytes = reply.encode(p);
        resp_len(&bytes) == Some(bytes.len())
    })
}

proptest! {
    #![proptest_config(Config { cases: 300, failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_commands_never_panic(
        n in 2usize..=6,
        delay in 0u32..=3,
        unjoined in prop::bool::weighted(0.1),
        commands in prop::collection::vec(command(), 1..40),
    ) {
        let mut c = if unjoined {
            let specs: Vec<_> = (0..n)
                .map(|i| (layout::generated_id(i), "127.0.0.1".to_string(), 7000 + i as u16))
                .collect();
            Cluster::new_unjoined(&specs)
        } else {
            layout::even(n)
        };
        c.gossip_delay = delay;
        let conns: Vec<ConnId> = (0..n * 2).map(|i| c.connect((i % n) as NodeIdx)).collect();
        for cmd in &commands {
            let argv = build_argv(cmd, &c);
            let conn = conns[cmd.conn % conns.len()];
            let reply = c.execute(conn, &argv);
            prop_assert!(
                well_formed(&reply),
                "malformed reply to {}: {:?}",
                slotscope_sim::argv::display(&argv[..argv.len().min(4)]),
                reply
            );
            if argv.is_empty() {
                prop_assert!(reply.is_error(), "an empty command gets an error reply");
            }
        }
        // The cluster still settles and answers afterwards.
        c.settle();
        for &conn in &conns {
            let reply = c.execute(conn, &args(&[b"PING"]));
            prop_assert!(reply == Reply::Simple("PONG".into()) || reply == Reply::Simple("QUEUED".into()));
        }
    }
}

/// Sanity check of the checker itself.
#[test]
fn resp_checker_accepts_and_rejects() {
    assert!(well_formed(&Reply::Array(vec![
        Reply::Nil,
        Reply::Integer(-3),
        Reply::bulk("a\r\nb"),
        Reply::Map(vec![(Reply::bulk("k"), Reply::Simple("v".into()))]),
        Reply::Verbatim("x\r\n".into()),
    ])));
    assert!(!well_formed(&Reply::Error(b"ERR bad\r\nline".to_vec())));
    assert!(!well_formed(&Reply::Simple("two\nlines".into())));
}
