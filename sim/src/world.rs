//! A teaching world: a preset cluster, one smart client, a log of hops, and undo.
//! The UI turns clicks into calls here and renders what it reads back.

use std::ops::Range;

use crate::argv::{display, display_arg};
use crate::cluster::{Cluster, ConnId, NodeIdx};
use crate::explain;
use crate::keyslot::{analyze, key_slot};
use crate::policy::Policy;
use crate::resp::{Proto, Reply};
use crate::smart_client::{Client, Counters, HopKind, MapChange, Outcome};

pub use crate::timeline::World;

/// Most clients in one world.
pub const MAX_CLIENTS: usize = 4;

/// Longest key accepted from a person (64 KiB).
pub const MAX_KEY_BYTES: usize = 64 * 1024;
/// Log lines a [`Sim`] keeps itself (the [`World`] keeps them all).
const RECENT_LOG: usize = 256;
/// Most log entries kept (older ones are dropped, and the log says how many).
pub const LOG_LIMIT: usize = 1000;

/// Preset scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// The client's map is outdated: Node 1 is believed to own every slot.
    Moved,
    /// The key's slot is being migrated from its owner to the other node, some keys moved.
    Ask,
    /// Sixteen masters holding 5,000 keys; the client's map is from when four masters
    /// held every slot, before the cluster grew.
    Large,
}

impl Scenario {
    /// Every preset, in picker order.
    pub const ALL: [Scenario; 3] = [Scenario::Moved, Scenario::Ask, Scenario::Large];

    /// The URL name (`moved`, `ask`).
    pub fn id(self) -> &'static str {
        match self {
            Scenario::Moved => "moved",
            Scenario::Ask => "ask",
            Scenario::Large => "large",
        }
    }

    /// Parses a URL name.
    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|x| x.id() == s)
    }

    /// A title for pickers.
    pub fn title(self) -> &'static str {
        match self {
            Scenario::Moved => "MOVED: the client's map is outdated",
            Scenario::Ask => "ASK: a slot in the middle of a migration",
            Scenario::Large => "16 nodes: the map is from 4 nodes",
        }
    }

    /// The key the preset opens with.
    pub fn default_key(self) -> &'static str {
        match self {
            Scenario::Moved => "user:100",
            Scenario::Ask => "{user:7}:cart",
            Scenario::Large => "user:100",
        }
    }
}

/// A request a person can send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// GET key
    Get(String),
    /// SET key value
    Set(String, String),
    /// DEL key
    Del(String),
    /// MGET key [key ...]
    Mget(Vec<String>),
}

impl Request {
    fn argv(&self) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = Vec::new();
        let mut push = |s: &str| v.push(s.as_bytes().to_vec());
        match self {
            Request::Get(k) => {
                push("GET");
                push(k);
            }
            Request::Set(k, val) => {
                push("SET");
                push(k);
                push(val);
            }
            Request::Del(k) => {
                push("DEL");
                push(k);
            }
            Request::Mget(ks) => {
                push("MGET");
                for k in ks {
                    push(k);
                }
            }
        }
        v
    }

    fn keys(&self) -> Vec<&str> {
        match self {
            Request::Get(k) | Request::Set(k, _) | Request::Del(k) => vec![k],
            Request::Mget(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

/// What kind of line a log entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A message from the client to a node and the node's reply.
    Hop,
    /// An operator command (migration steps).
    Admin,
    /// A remark with no message (start, end of a request, refusals).
    Note,
}

/// How a reply reads, for colouring and icons (always shown with text too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// A served answer.
    Served,
    /// `-MOVED`
    Moved,
    /// `-ASK`
    Ask,
    /// `-TRYAGAIN`
    TryAgain,
    /// Any other error.
    Error,
    /// No reply (notes).
    None,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// Kind of line.
    pub kind: EntryKind,
    /// Sender ("Smart client", "Operator").
    pub from: String,
    /// Receiver ("Node 2 (127.0.0.1:7001)").
    pub to: String,
    /// The node the message went to.
    pub node: Option<NodeIdx>,
    /// The command as typed.
    pub command: String,
    /// The exact wire reply, CR/LF shown as `\r\n`.
    pub reply: String,
    /// How the reply reads.
    pub reply_kind: ReplyKind,
    /// Plain-language reason.
    pub why: String,
    /// Slot whose map entry this hop changed.
    pub map_changed: Option<u16>,
    /// For a replayed recording: how the simulation differs from what was recorded.
    pub mismatch: Option<String>,
}

/// A node as the UI shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    /// Index.
    pub idx: NodeIdx,
    /// "Node 1"
    pub name: String,
    /// "127.0.0.1:7000"
    pub addr: String,
    /// Slot ranges it owns in its own view.
    pub ranges: Vec<(u16, u16)>,
    /// Slots it is migrating, with the target's name.
    pub migrating: Vec<(u16, String)>,
    /// Slots it is importing, with the source's name.
    pub importing: Vec<(u16, String)>,
    /// Number of keys held.
    pub key_count: usize,
    /// Up to 50 keys with values (escaped for display), by slot.
    pub keys: Vec<(String, String, u16)>,
}

/// One range of the client's map, split where the cluster's truth differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// First slot.
    pub start: u16,
    /// Last slot.
    pub end: u16,
    /// Node the client believes serves these slots.
    pub node: NodeIdx,
    /// The node that really serves them, when different.
    pub stale: Option<NodeIdx>,
    /// This range holds the slot that the client's most recent MOVED patched (kept
    /// until a full map refresh replaces the whole cache).
    pub changed: bool,
}

/// The slot computation of a key, and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyView {
    /// CRC16 of the hashed part.
    pub crc16: u16,
    /// Hash slot.
    pub slot: u16,
    /// Byte range of the hash tag inside the key, if a tag is used.
    pub tag: Option<Range<usize>>,
    /// The node the client sends to first: the one its map picks, or, for a client that
    /// keeps no map, its first node.
    pub client_pick: Option<NodeIdx>,
    /// The client keeps a slot map (false: it starts every request at its first node).
    pub keeps_map: bool,
    /// The node that really serves the slot.
    pub owner: Option<NodeIdx>,
    /// Migration of this slot: (source, target).
    pub migration: Option<(NodeIdx, NodeIdx)>,
}

/// The message a request in flight sends next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextHop {
    /// The node it goes to.
    pub node: NodeIdx,
    /// The command, as the log will show it.
    pub command: String,
}

/// How every full map refresh (CLUSTER SLOTS, SHARDS or NODES) starts.
const REFRESH_PREFIX: &str = "CLUSTER ";

/// An operator action on the cluster, run as the real commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// SETSLOT IMPORTING on the target, then SETSLOT MIGRATING on the source.
    StartMigration {
        slot: u16,
        from: NodeIdx,
        to: NodeIdx,
    },
    /// MIGRATE one key of the slot from the source to the target.
    MoveOneKey { slot: u16 },
    /// MIGRATE every remaining key of the slot.
    MoveAllKeys { slot: u16 },
    /// SETSLOT NODE on the target, the source, then every other node.
    FinishMigration { slot: u16 },
    /// The client fetches the whole map with CLUSTER SLOTS.
    RefreshMap,
    /// Every slot from `first` to `last` that `from` owns and is not migrating, moved to
    /// `to` one after the other with the same commands as the steps above (as
    /// `redis-cli --cluster reshard` does).
    MigrateRange {
        first: u16,
        last: u16,
        from: NodeIdx,
        to: NodeIdx,
    },
}

/// Most slots one [`Action::MigrateRange`] moves (each logs about six commands).
pub const MAX_RANGE: u16 = 1000;

/// An action offered for a node, with a label and whether it can run now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// Button text.
    pub label: String,
    /// The action.
    pub action: Action,
    /// Why it cannot run now, if so.
    pub disabled: Option<String>,
}

#[derive(Clone, Debug)]
struct Run {
    client: usize,
    keys: Vec<Vec<u8>>,
    req: crate::smart_client::Request,
    after_asking: bool,
    sends: u32,
}

/// A client as the UI shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientView {
    /// Display name.
    pub name: String,
    /// Policy id (`redis-py`, ...).
    pub policy_id: &'static str,
    /// Policy name.
    pub policy: &'static str,
    /// Library and version.
    pub library: &'static str,
    /// The policy in a few words.
    pub summary: &'static str,
    /// What the model leaves out.
    pub deviations: &'static str,
    /// Counters.
    pub counters: Counters,
}

/// The simulation state a [`World`] replays: cluster, clients, the request in flight,
/// a recording being replayed, and the most recent log lines.
#[derive(Clone, Debug)]
pub struct Sim {
    /// The preset it started from.
    pub scenario: Scenario,
    cluster: Cluster,
    clients: Vec<Client>,
    active: usize,
    names: Vec<String>,
    admin_conns: Vec<ConnId>,
    run: Option<Run>,
    log: Vec<LogEntry>,
    pushed: usize,
    recording: Option<Recording>,
    /// Where the cluster came from when it was loaded from a pasted topology.
    pub imported: Option<String>,
    /// The seed of the clients' random choices (see [`Sim::set_seed`]).
    seed: u64,
}

/// A recording being replayed.
#[derive(Clone, Debug)]
struct Recording {
    steps: Vec<crate::transcript::Step>,
    next: usize,
    conns: Vec<(String, ConnId)>,
    mismatches: usize,
}

/// One row of the key calculator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRow {
    /// The key as typed.
    pub key: String,
    /// Its slot.
    pub slot: u16,
    /// Byte range of its hash tag, if any.
    pub tag: Option<Range<usize>>,
    /// The node serving the slot.
    pub owner: Option<NodeIdx>,
    /// Index of its group: keys of one group share a slot and may go together in one
    /// multi-key command.
    pub group: usize,
}

/// Masters in the large preset.
const LARGE_NODES: u16 = 16;
/// Slots each master of the large preset owns (16384 / 16).
const LARGE_SPAN: u16 = 16384 / LARGE_NODES;
/// Keys the large preset holds (the three shared ones included).
const LARGE_KEYS: usize = 5000;

impl Sim {
    /// Builds a preset. `key` is the key the scenario is about (its slot migrates in
    /// the ASK preset); invalid or empty keys fall back to the preset's default.
    pub fn new(scenario: Scenario, key: &str) -> Sim {
        let ranges: Vec<Vec<(u16, u16)>> = match scenario {
            Scenario::Large => (0..LARGE_NODES)
                .map(|i| vec![(i * LARGE_SPAN, i * LARGE_SPAN + LARGE_SPAN - 1)])
                .collect(),
            _ => vec![vec![(0, 5000)], vec![(5001, 16383)]],
        };
        let cluster = crate::layout::with_ranges(&ranges);
        let names = (1..=cluster.nodes.len())
            .map(|i| format!("Node {i}"))
            .collect();
        let n = cluster.nodes.len();
        let policy = crate::policy::redis_py();
        let client = match scenario {
            Scenario::Moved => Client::new("Smart client", policy, &cluster, 1, |_| Some(0)),
            Scenario::Ask => Client::new("Smart client", policy, &cluster, 1, |s| {
                cluster.serving_owner(s)
            }),
            // The map of four masters: each held the slots of four of today's nodes, and
            // was the first of them.
            Scenario::Large => Client::new("Smart client", policy, &cluster, 1, |s| {
                Some((s / (LARGE_SPAN * 4) * 4) as NodeIdx)
            }),
        };
        let mut w = Sim {
            scenario,
            cluster,
            clients: vec![client],
            active: 0,
            names,
            admin_conns: Vec::new(),
            run: None,
            log: Vec::new(),
            pushed: 0,
            recording: None,
            imported: None,
            seed: 1,
        };
        w.admin_conns = (0..n as NodeIdx).map(|i| w.cluster.connect(i)).collect();
        let key = if key.is_empty() || key.len() > MAX_KEY_BYTES {
            scenario.default_key()
        } else {
            key
        };
        w.populate(scenario, key);
        w.log.push(note("Ready to send request."));
        w
    }

    fn admin_run(&mut self, node: NodeIdx, line: &[&[u8]]) -> Reply {
        let argv: Vec<Vec<u8>> = line.iter().map(|a| a.to_vec()).collect();
        self.cluster.execute(self.admin_conns[node as usize], &argv)
    }

    fn set_at_owner(&mut self, key: &str, value: &str) {
        let owner = self
            .cluster
            .serving_owner(key_slot(key.as_bytes()))
            .unwrap_or(0);
        self.admin_run(owner, &[b"SET", key.as_bytes(), value.as_bytes()]);
    }

    fn populate(&mut self, scenario: Scenario, key: &str) {
        for (k, v) in [
            ("user:100", "Ada"),
            ("user:101", "Grace"),
            ("greeting", "hello"),
        ] {
            self.set_at_owner(k, v);
        }
        match scenario {
            Scenario::Moved => {
                if key != "user:100" {
                    self.set_at_owner(key, "value-1");
                }
            }
            Scenario::Ask => {
                // The key's slot migrates from its owner to the other node. The key and
                // a sibling have moved; one sibling still lives on the source.
                let slot = key_slot(key.as_bytes());
                let from = self.cluster.serving_owner(slot).unwrap_or(0);
                let to = if from == 0 { 1 } else { 0 };
                let siblings = siblings(key);
                self.set_at_owner(key, "3 items");
                self.set_at_owner(&siblings[0], "Ada Lovelace");
                self.set_at_owner(&siblings[1], "2 orders");
                self.migration_start(slot, from, to, false);
                for k in [key, siblings[1].as_str()] {
                    self.migrate_keys(from, to, &[k.as_bytes().to_vec()], false);
                }
            }
            Scenario::Large => {
                for i in 0..LARGE_KEYS - 3 {
                    self.set_at_owner(&format!("key:{i}"), "v");
                }
                if key != "user:100" {
                    self.set_at_owner(key, "value-1");
                }
            }
        }
    }

    // ----- reading -----

    /// Node names ("Node 1", ...).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The simulated cluster (read-only).
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The most recent log lines of this state (a [`World`] keeps the whole log).
    pub fn recent_log(&self) -> &[LogEntry] {
        &self.log
    }

    /// Log lines pushed since this state was created.
    pub fn pushed(&self) -> usize {
        self.pushed
    }

    /// True while a request has hops left to play.
    pub fn busy(&self) -> bool {
        self.run.is_some()
    }

    /// Every node as the UI shows it, with up to 50 of its keys.
    pub fn nodes(&self) -> Vec<NodeView> {
        (0..self.cluster.nodes.len())
            .map(|i| self.node_view(i, true))
            .collect()
    }

    /// Every node as its card shows it: [`Sim::nodes`] without the keys (`keys` is
    /// empty; `key_count` still counts them), which are costly to list on every render.
    pub fn cards(&self) -> Vec<NodeView> {
        (0..self.cluster.nodes.len())
            .map(|i| self.node_view(i, false))
            .collect()
    }

    /// One node with up to 50 of its keys (its details), if it exists.
    pub fn node(&self, idx: NodeIdx) -> Option<NodeView> {
        (usize::from(idx) < self.cluster.nodes.len()).then(|| self.node_view(idx.into(), true))
    }

    fn node_view(&self, i: usize, with_keys: bool) -> NodeView {
        let n = &self.cluster.nodes[i];
        let idx = i as NodeIdx;
        let mut keys = Vec::new();
        if with_keys {
            'outer: for slot in n.keys.slots_with_keys() {
                for k in n.keys.keys_in_slot(slot, 50) {
                    let v = n.keys.get_in(slot, &k).unwrap_or_default();
                    keys.push((display_arg(&k), display_arg(v), slot));
                    if keys.len() >= 50 {
                        break 'outer;
                    }
                }
            }
        }
        NodeView {
            idx,
            name: self.names[i].clone(),
            addr: n.addr(),
            ranges: n.ranges_of(idx),
            migrating: n
                .migrating
                .iter()
                .map(|(s, t)| (*s, self.names[*t as usize].clone()))
                .collect(),
            importing: n
                .importing
                .iter()
                .map(|(s, f)| (*s, self.names[*f as usize].clone()))
                .collect(),
            key_count: n.keys.len(),
            keys,
        }
    }

    /// The client's map, split where it disagrees with the cluster.
    pub fn map(&self) -> Vec<MapEntry> {
        let changed = self.last_patched_slot();
        let mut out = Vec::new();
        for (a, b, node) in self.clients[self.active].map_ranges() {
            let mut start = a;
            while start <= b {
                let truth = self.cluster.serving_owner(start);
                let mut end = start;
                while end < b && self.cluster.serving_owner(end + 1) == truth {
                    end += 1;
                }
                out.push(MapEntry {
                    start,
                    end,
                    node,
                    stale: truth.filter(|&t| t != node),
                    changed: changed.is_some_and(|s| (start..=end).contains(&s)),
                });
                if end == u16::MAX {
                    break;
                }
                start = end + 1;
            }
        }
        out
    }

    /// The slot whose map entry the client's most recent MOVED patched, unless a full
    /// refresh (CLUSTER SLOTS) came after it.
    pub fn last_patched_slot(&self) -> Option<u16> {
        self.log
            .iter()
            .rev()
            .take_while(|e| !(e.kind == EntryKind::Hop && e.command.starts_with(REFRESH_PREFIX)))
            .find_map(|e| e.map_changed)
    }

    /// The active client's redirect policy, in words.
    pub fn policy_name(&self) -> String {
        let p = &self.clients[self.active].policy;
        format!("{}: {}", p.name, p.summary)
    }

    /// The hop that [`World::step`] will play next, when a request is in flight and
    /// its destination is already decided.
    pub fn next_hop(&self) -> Option<NextHop> {
        let run = self.run.as_ref()?;
        let (kind, node) = run.req.next()?;
        let node = match node {
            Some(n) => n,
            None => self.clients[run.client]
                .first_pick(Some(key_slot(run.keys.first()?)))
                .unwrap_or(0),
        };
        let command = match kind {
            HopKind::Asking => "ASKING".to_string(),
            HopKind::Refresh => self.clients[run.client]
                .policy
                .topology
                .argv()
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            HopKind::Wait => return None,
            HopKind::Command => display(run.req.argv()),
        };
        Some(NextHop { node, command })
    }

    /// True when the client's map matches the cluster for every slot.
    pub fn map_up_to_date(&self) -> bool {
        (0..crate::keyslot::SLOTS as u16)
            .all(|s| self.clients[self.active].cached_owner(s) == self.cluster.serving_owner(s))
    }

    /// The slot computation of `key` and where it goes.
    pub fn key_view(&self, key: &str) -> KeyView {
        let info = analyze(key.as_bytes());
        let owner = self.cluster.serving_owner(info.slot);
        let migration = owner.and_then(|o| {
            self.cluster.nodes[o as usize]
                .migrating
                .get(&info.slot)
                .map(|&t| (o, t))
        });
        KeyView {
            crc16: info.crc16,
            slot: info.slot,
            tag: info.tag,
            client_pick: self.clients[self.active].first_pick(Some(info.slot)),
            keeps_map: self.clients[self.active].policy.use_cache,
            owner,
            migration,
        }
    }

    /// Actions offered on `node` for the slot of the current key.
    /// With `range` (a chosen range of slots), also the moves of that range to each other
    /// node.
    pub fn offers(&self, node: NodeIdx, slot: u16, range: Option<(u16, u16)>) -> Vec<Offer> {
        let view = &self.cluster.nodes[node as usize];
        let mut out = Vec::new();
        if let Some(&to) = view.migrating.get(&slot) {
            let left = view.keys.count_in_slot(slot);
            let none_left = (left == 0).then(|| {
                format!(
                    "{} has no key of slot {slot} left",
                    self.names[node as usize]
                )
            });
            out.push(Offer {
                label: format!("Move one key of slot {slot} to {}", self.names[to as usize]),
                action: Action::MoveOneKey { slot },
                disabled: none_left.clone(),
            });
            out.push(Offer {
                label: format!(
                    "Move all keys of slot {slot} to {} ({left} left)",
                    self.names[to as usize]
                ),
                action: Action::MoveAllKeys { slot },
                disabled: none_left,
            });
            out.push(Offer {
                label: format!("Finish migration of slot {slot} to {}", self.names[to as usize]),
                action: Action::FinishMigration { slot },
                disabled: (left > 0).then(|| format!("move the {left} remaining key(s) first: the source refuses to give away a slot it still holds keys for")),
            });
        }
        if let Some((first, last)) = range {
            if (first..=last).any(|s| view.owner(s) == Some(node)) {
                for other in 0..self.cluster.nodes.len() as NodeIdx {
                    if other != node {
                        out.push(Offer {
                            label: format!(
                                "Migrate slots {first}-{last} to {}",
                                self.names[other as usize]
                            ),
                            action: Action::MigrateRange {
                                first,
                                last,
                                from: node,
                                to: other,
                            },
                            disabled: None,
                        });
                    }
                }
            }
        }
        if !view.migrating.contains_key(&slot) && view.owner(slot) == Some(node) {
            for other in 0..self.cluster.nodes.len() as NodeIdx {
                if other != node {
                    out.push(Offer {
                        label: format!(
                            "Start migrating slot {slot} to {}",
                            self.names[other as usize]
                        ),
                        action: Action::StartMigration {
                            slot,
                            from: node,
                            to: other,
                        },
                        disabled: None,
                    });
                }
            }
        }
        out
    }

    // ----- acting -----

    fn push(&mut self, e: LogEntry) {
        self.log.push(e);
        self.pushed += 1;
        if self.log.len() > RECENT_LOG {
            let extra = self.log.len() - RECENT_LOG;
            self.log.drain(..extra);
        }
    }

    /// Starts a request from the active client; its hops are played by
    /// [`World::step`]. Refuses (with a message, state unchanged) keys over 64 KiB or a
    /// request while one is running.
    pub fn send(&mut self, req: Request) -> Result<(), String> {
        if self.run.is_some() {
            return Err("A request is still in flight: step or play it to the end first.".into());
        }
        if let Some(k) = req.keys().into_iter().find(|k| k.len() > MAX_KEY_BYTES) {
            return Err(format!(
                "That key is {} bytes long; keys up to {} bytes (64 KiB) are accepted here.",
                k.len(),
                MAX_KEY_BYTES
            ));
        }
        if req.keys().is_empty() {
            return Err("MGET needs at least one key.".into());
        }
        let argv = req.argv();
        let keys: Vec<Vec<u8>> = req.keys().iter().map(|k| k.as_bytes().to_vec()).collect();
        let client = self.active;
        let started = self.clients[client].start(argv, &keys);
        if let Some(outcome) = started.outcome() {
            let text = format!(
                "{} refuses the request before sending anything: {}",
                self.clients[client].name,
                outcome.text()
            );
            self.push(note(&text));
            return Ok(());
        }
        self.run = Some(Run {
            client,
            keys,
            req: started,
            after_asking: false,
            sends: 0,
        });
        Ok(())
    }

    /// Plays the next hop of the request in flight. Returns false when idle.
    pub fn step(&mut self) -> bool {
        let Some(mut run) = self.run.take() else {
            return false;
        };
        let client = &mut self.clients[run.client];
        let Some(hop) = client.step(&mut self.cluster, &mut run.req) else {
            self.finish_run(&run);
            return true;
        };
        let from = client.name.clone();
        let changed = match hop.map_change {
            Some(MapChange::Slot(s)) => Some(s),
            _ => None,
        };
        let node = hop.node.unwrap_or(0);
        let reply = hop.reply.clone().unwrap_or(Reply::Nil);
        let mut entry = match hop.kind {
            HopKind::Wait => note(&hop.reaction),
            HopKind::Asking => {
                let why = format!(
                    "ASKING sets a one-shot flag on this connection: {} will serve the very next command for a slot it is importing.",
                    self.names[node as usize]
                );
                self.hop(node, "ASKING".into(), &reply, why, None)
            }
            HopKind::Refresh => {
                let mut e = self.hop(node, display(&hop.argv), &reply, hop.reaction.clone(), None);
                e.reply = summarize_topology(&reply);
                e
            }
            HopKind::Command => {
                run.sends += 1;
                let mut why = explain::node_reply(
                    &self.cluster,
                    &self.names,
                    node,
                    &run.keys,
                    &reply,
                    run.after_asking,
                );
                if !hop.reaction.is_empty() {
                    why = format!("{why} {}", hop.reaction);
                }
                self.hop(node, display(&hop.argv), &reply, why, changed)
            }
        };
        if entry.kind == EntryKind::Hop {
            entry.from = from;
        }
        run.after_asking = hop.kind == HopKind::Asking;
        self.push(entry);
        if run.req.is_done() && !self.clients[run.client].has_background() {
            self.finish_run(&run);
        } else {
            self.run = Some(run);
        }
        true
    }

    fn finish_run(&mut self, run: &Run) {
        let text = match run.req.outcome() {
            Some(Outcome::Reply(r)) => format!("Result: {}", r.human()),
            Some(Outcome::Error(e)) => {
                format!("The client library hands an error to the application: {e}")
            }
            None => "The request stopped.".into(),
        };
        let times = if run.sends == 1 {
            "once".to_string()
        } else {
            format!("{} times", run.sends)
        };
        self.push(note(&format!("{text} (the command was sent {times})")));
    }

    /// Plays every remaining hop of the request in flight.
    pub fn finish(&mut self) {
        let mut guard = 0;
        while self.step() && guard < 5000 {
            guard += 1;
        }
    }

    // ----- clients -----

    /// Every client, in order (the first is "Smart client").
    pub fn clients(&self) -> Vec<ClientView> {
        self.clients
            .iter()
            .map(|c| ClientView {
                name: c.name.clone(),
                policy_id: c.policy.id,
                policy: c.policy.name,
                library: c.policy.library,
                summary: c.policy.summary,
                deviations: c.policy.deviations,
                counters: c.counters.clone(),
            })
            .collect()
    }

    /// Each client's slot map as ranges `(first, last, node)`, in client order.
    pub fn client_maps(&self) -> Vec<Vec<(u16, u16, NodeIdx)>> {
        self.clients.iter().map(|c| c.map_ranges()).collect()
    }

    /// The client that sends requests and whose map is shown.
    pub fn active_client(&self) -> usize {
        self.active
    }

    /// Makes client `i` the one that sends and whose map is shown.
    pub fn select_client(&mut self, i: usize) -> Result<(), String> {
        if i >= self.clients.len() {
            return Err(format!("There is no client {}.", i + 1));
        }
        if self.run.is_some() {
            return Err("A request is still in flight: finish it first.".into());
        }
        self.active = i;
        Ok(())
    }

    /// Adds a client with the given policy and an up-to-date map; returns its index.
    pub fn add_client(&mut self, policy_id: &str) -> Result<usize, String> {
        if self.clients.len() >= MAX_CLIENTS {
            return Err(format!("At most {MAX_CLIENTS} clients at once."));
        }
        let policy = Policy::preset(policy_id)
            .ok_or_else(|| format!("Unknown client policy \"{policy_id}\"."))?;
        let n = self.clients.len();
        let name = format!("Client {} ({})", n + 1, policy.name);
        let cluster = &self.cluster;
        let c = Client::new(&name, policy, cluster, client_seed(self.seed, n), |s| {
            cluster.serving_owner(s)
        });
        self.clients.push(c);
        Ok(n)
    }

    /// The seed of the clients' random choices (1 unless [`Sim::set_seed`] changed it).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Reseeds the random choices (which node a refresh or a retry asks) of every
    /// client, and of clients added later. Seed 1 is the default.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        for (i, c) in self.clients.iter_mut().enumerate() {
            c.reseed(client_seed(seed, i));
        }
    }

    /// Gives client `i` another policy (its map and counters stay). Unknown ids are
    /// refused and the previous policy stays.
    pub fn set_policy(&mut self, i: usize, policy_id: &str) -> Result<(), String> {
        let policy = Policy::preset(policy_id).ok_or_else(|| {
            format!("Unknown client policy \"{policy_id}\"; the previous policy stays.")
        })?;
        policy.validate()?;
        if i >= self.clients.len() {
            return Err(format!("There is no client {}.", i + 1));
        }
        if self.run.is_some() {
            return Err("A request is still in flight: finish it first.".into());
        }
        self.clients[i].policy = policy;
        Ok(())
    }

    fn hop(
        &self,
        node: NodeIdx,
        command: String,
        reply: &Reply,
        why: String,
        changed: Option<u16>,
    ) -> LogEntry {
        LogEntry {
            kind: EntryKind::Hop,
            from: self.clients[self.active].name.clone(),
            to: self.node_label(node),
            node: Some(node),
            command,
            reply: reply.wire_text(Proto::Resp2),
            reply_kind: kind_of(reply),
            why,
            map_changed: changed,
            mismatch: None,
        }
    }

    fn node_label(&self, node: NodeIdx) -> String {
        format!(
            "{} ({})",
            self.names[node as usize],
            self.cluster.nodes[node as usize].addr()
        )
    }

    fn admin_logged(&mut self, node: NodeIdx, argv: Vec<Vec<u8>>, why: String) -> Reply {
        let reply = self.cluster.execute(self.admin_conns[node as usize], &argv);
        let entry = LogEntry {
            kind: EntryKind::Admin,
            from: "Operator".into(),
            to: self.node_label(node),
            node: Some(node),
            command: display(&argv),
            reply: reply.wire_text(Proto::Resp2),
            reply_kind: kind_of(&reply),
            why,
            map_changed: None,
            mismatch: None,
        };
        self.push(entry);
        reply
    }

    fn migration_start(&mut self, slot: u16, from: NodeIdx, to: NodeIdx, logged: bool) {
        let from_id = self.cluster.nodes[from as usize].id.clone().into_bytes();
        let to_id = self.cluster.nodes[to as usize].id.clone().into_bytes();
        let imp = vec![
            b"CLUSTER".to_vec(),
            b"SETSLOT".to_vec(),
            slot.to_string().into_bytes(),
            b"IMPORTING".to_vec(),
            from_id,
        ];
        let mig = vec![
            b"CLUSTER".to_vec(),
            b"SETSLOT".to_vec(),
            slot.to_string().into_bytes(),
            b"MIGRATING".to_vec(),
            to_id,
        ];
        if logged {
            let (f, t) = (
                self.names[from as usize].clone(),
                self.names[to as usize].clone(),
            );
            self.admin_logged(to, imp, format!("{t} marks slot {slot} IMPORTING from {f}: it will serve requests for it that follow ASKING."));
            self.admin_logged(from, mig, format!("{f} marks slot {slot} MIGRATING to {t}: it keeps serving keys it still has and answers ASK for the others."));
        } else {
            self.cluster.execute(self.admin_conns[to as usize], &imp);
            self.cluster.execute(self.admin_conns[from as usize], &mig);
        }
    }

    fn migrate_keys(
        &mut self,
        from: NodeIdx,
        to: NodeIdx,
        keys: &[Vec<u8>],
        logged: bool,
    ) -> Reply {
        let argv = self.cluster.migrate_argv(to, keys);
        if logged {
            let why = format!(
                "{} sends {} key(s) to {} (RESTORE-ASKING there) and deletes them here.",
                self.names[from as usize],
                keys.len(),
                self.names[to as usize]
            );
            self.admin_logged(from, argv, why)
        } else {
            self.cluster.execute(self.admin_conns[from as usize], &argv)
        }
    }

    /// Runs an operator action as real commands, each shown in the log. Refuses with a
    /// message (state unchanged) while a request is in flight.
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        if self.run.is_some() {
            return Err("A request is still in flight: finish it first.".into());
        }
        match action {
            Action::StartMigration { slot, from, to } => self.migration_start(slot, from, to, true),
            Action::MigrateRange {
                first,
                last,
                from,
                to,
            } => {
                if last - first >= MAX_RANGE || from == to {
                    return Err(format!(
                        "Choose at most {MAX_RANGE} slots, to another node."
                    ));
                }
                for slot in first..=last {
                    let src = &self.cluster.nodes[from as usize];
                    if src.owner(slot) != Some(from) || src.migrating.contains_key(&slot) {
                        continue;
                    }
                    self.migration_start(slot, from, to, true);
                    let left = |w: &Self| w.cluster.nodes[from as usize].keys.count_in_slot(slot);
                    let mut before = left(self);
                    while before > 0 {
                        self.act(Action::MoveAllKeys { slot })?;
                        // A round that moved nothing (the target refused, see the log) ends
                        // here: finishing then refuses too, and says why.
                        if left(self) >= before {
                            break;
                        }
                        before = left(self);
                    }
                    self.act(Action::FinishMigration { slot })?;
                }
            }
            Action::MoveOneKey { slot } | Action::MoveAllKeys { slot } => {
                let Some((from, to)) = self.migration_of(slot) else {
                    return Err(format!("Slot {slot} is not being migrated."));
                };
                let max: &[u8] = if matches!(action, Action::MoveOneKey { .. }) {
                    b"1"
                } else {
                    b"100"
                };
                let list = vec![
                    b"CLUSTER".to_vec(),
                    b"GETKEYSINSLOT".to_vec(),
                    slot.to_string().into_bytes(),
                    max.to_vec(),
                ];
                let reply = self.admin_logged(
                    from,
                    list,
                    format!(
                        "Which keys of slot {slot} are still on {}?",
                        self.names[from as usize]
                    ),
                );
                let keys = reply.into_bulks();
                if keys.is_empty() {
                    self.push(note(&format!(
                        "No key of slot {slot} is left on {}.",
                        self.names[from as usize]
                    )));
                } else {
                    self.migrate_keys(from, to, &keys, true);
                }
            }
            Action::FinishMigration { slot } => {
                let Some((from, to)) = self.migration_of(slot) else {
                    return Err(format!("Slot {slot} is not being migrated."));
                };
                let count = vec![
                    b"CLUSTER".to_vec(),
                    b"COUNTKEYSINSLOT".to_vec(),
                    slot.to_string().into_bytes(),
                ];
                let left = self.admin_logged(
                    from,
                    count,
                    format!(
                        "Before handing slot {slot} over, check that {} holds none of its keys.",
                        self.names[from as usize]
                    ),
                );
                if left != Reply::Integer(0) {
                    self.push(note(&format!(
                        "Not finishing: {} still holds keys of slot {slot}. It would refuse SETSLOT NODE, and once {} announced itself as owner the source would drop those keys. Move them first.",
                        self.names[from as usize], self.names[to as usize]
                    )));
                    return Ok(());
                }
                let to_id = self.cluster.nodes[to as usize].id.clone().into_bytes();
                for n in self.cluster.handover_order(from, to) {
                    let argv = vec![
                        b"CLUSTER".to_vec(),
                        b"SETSLOT".to_vec(),
                        slot.to_string().into_bytes(),
                        b"NODE".to_vec(),
                        to_id.clone(),
                    ];
                    let why = if n == to {
                        format!("{} takes slot {slot}: it stops importing, bumps its config epoch and tells the cluster.", self.names[n as usize])
                    } else if n == from {
                        format!("{} hands slot {slot} over and stops migrating it; from now on it answers MOVED.", self.names[n as usize])
                    } else {
                        format!(
                            "{} learns the new owner of slot {slot}.",
                            self.names[n as usize]
                        )
                    };
                    self.admin_logged(n, argv, why);
                }
            }
            Action::RefreshMap => {
                let client = &mut self.clients[self.active];
                let hop = client.refresh_from(&mut self.cluster, 0);
                let reply = hop.reply.clone().unwrap_or(Reply::Nil);
                let mut entry = self.hop(0, display(&hop.argv), &reply, hop.reaction.clone(), None);
                entry.reply = summarize_topology(&reply);
                self.push(entry);
            }
        }
        Ok(())
    }

    // ----- bring your own cluster -----

    /// A world on a pasted topology, with one redis-py client whose map is up to date.
    pub fn from_import(imported: crate::import::Imported) -> Sim {
        let cluster = imported.cluster;
        let n = cluster.nodes.len();
        let names: Vec<String> = (1..=n).map(|i| format!("Node {i}")).collect();
        let client = Client::new(
            "Smart client",
            crate::policy::redis_py(),
            &cluster,
            1,
            |s| cluster.serving_owner(s),
        );
        let what = match imported.source {
            crate::import::Source::Nodes => "CLUSTER NODES",
            crate::import::Source::Shards => "CLUSTER SHARDS",
            crate::import::Source::Slots => "CLUSTER SLOTS",
        };
        let mut w = Sim {
            scenario: Scenario::Moved,
            cluster,
            clients: vec![client],
            active: 0,
            names,
            admin_conns: Vec::new(),
            run: None,
            log: Vec::new(),
            pushed: 0,
            recording: None,
            imported: Some(format!("Loaded from {what}: {n} node(s).")),
            seed: 1,
        };
        w.admin_conns = (0..n as NodeIdx).map(|i| w.cluster.connect(i)).collect();
        let mut text = format!("Loaded {n} node(s) from {what}.");
        if !imported.unused.is_empty() {
            text.push_str(&format!(" Not used: {}.", imported.unused.join("; ")));
        }
        w.push(note(&text));
        w.push(note("Ready to send request."));
        w
    }

    /// Loads a recording (a `redis-cli -c` transcript or a JSONL script) to replay
    /// step by step with [`World::replay_step`]. Bad text is refused with the line and
    /// reason; the state stays as it was.
    pub fn load_recording(&mut self, text: &str) -> Result<usize, String> {
        let steps = crate::transcript::parse_recording(text).map_err(|e| e.to_string())?;
        self.load_steps(steps)
    }

    /// Loads already parsed recording steps (see [`Sim::load_recording`]).
    pub fn load_steps(&mut self, steps: Vec<crate::transcript::Step>) -> Result<usize, String> {
        for st in &steps {
            if self.addr_node(&st.node).is_none() {
                return Err(format!(
                    "line {}: no node at {} in this cluster",
                    st.line, st.node
                ));
            }
        }
        let n = steps.len();
        self.recording = Some(Recording {
            steps,
            next: 0,
            conns: Vec::new(),
            mismatches: 0,
        });
        self.push(note(&format!("Recording loaded: {n} step(s) to replay.")));
        Ok(n)
    }

    /// Steps left in the loaded recording.
    pub fn recording_left(&self) -> usize {
        self.recording
            .as_ref()
            .map_or(0, |r| r.steps.len() - r.next)
    }

    /// Replayed steps whose simulated reply differs from the recorded one.
    pub fn recording_mismatches(&self) -> usize {
        self.recording.as_ref().map_or(0, |r| r.mismatches)
    }

    fn addr_node(&self, addr: &str) -> Option<NodeIdx> {
        let (h, p) = addr.rsplit_once(':')?;
        self.cluster.node_by_addr(h.as_bytes(), p.as_bytes())
    }

    /// Replays the next recorded step (following redirections as redis-cli -c does)
    /// and marks it when the simulation differs from the recording. False when done.
    pub fn replay_step(&mut self) -> bool {
        let Some(mut rec) = self.recording.take() else {
            return false;
        };
        let Some(step) = rec.steps.get(rec.next).cloned() else {
            self.recording = Some(rec);
            return false;
        };
        rec.next += 1;
        let mut node = self.addr_node(&step.node).unwrap_or(0);
        let mut redirects = Vec::new();
        let mut asking = false;
        let mut last = Reply::Nil;
        for _ in 0..=5 {
            let key = format!("{}|{}", step.conn, node);
            let conn = match rec.conns.iter().find(|(k, _)| *k == key) {
                Some((_, c)) => *c,
                None => {
                    let c = self.cluster.connect(node);
                    rec.conns.push((key, c));
                    c
                }
            };
            if asking {
                let r = self.cluster.execute(conn, &[b"ASKING".to_vec()]);
                let why = "redis-cli -c follows ASK by sending ASKING first.".to_string();
                let mut e = self.hop(node, "ASKING".into(), &r, why, None);
                e.from = "redis-cli".into();
                self.push(e);
            }
            let reply = self.cluster.execute(conn, &step.argv);
            let keys: Vec<Vec<u8>> = step.argv.iter().skip(1).take(1).cloned().collect();
            let why = explain::node_reply(&self.cluster, &self.names, node, &keys, &reply, asking);
            let mut e = self.hop(node, display(&step.argv), &reply, why, None);
            e.from = format!("Recording line {}", step.line);
            self.push(e);
            last = reply.clone();
            match (
                step.follow,
                crate::client::parse_redirect(&self.cluster, &reply),
            ) {
                (true, Some((slot, to))) => {
                    asking = reply.error_code() == Some("ASK");
                    redirects.push((slot, self.cluster.nodes[to as usize].addr()));
                    node = to;
                }
                _ => break,
            }
        }
        let mut problems = Vec::new();
        if step.follow && !step.redirects.is_empty() && redirects != step.redirects {
            let fmt = |r: &[(u16, String)]| {
                r.iter()
                    .map(|(s, a)| format!("slot {s} at {a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            problems.push(format!(
                "redirections differ: recorded {}, simulated {}",
                fmt(&step.redirects),
                fmt(&redirects)
            ));
        }
        match &step.expected {
            crate::transcript::Expected::Printed(p) => {
                let got = crate::transcript::cli_print(&last);
                if &got != p {
                    // As redis-cli printed them; quoted and escaped only when a reply spans
                    // several lines.
                    problems.push(if p.contains('\n') || got.contains('\n') {
                        format!("reply differs: recorded {p:?}, simulated {got:?}")
                    } else {
                        format!("reply differs: recorded {p}, simulated {got}")
                    });
                }
            }
            crate::transcript::Expected::Raw(r) => {
                let got = String::from_utf8_lossy(&last.encode(Proto::Resp2)).into_owned();
                if &got != r {
                    problems.push(format!(
                        "reply differs: recorded {:?}, simulated {:?}",
                        r, got
                    ));
                }
            }
            crate::transcript::Expected::Nothing => {}
        }
        if !problems.is_empty() {
            rec.mismatches += 1;
            if let Some(e) = self.log.last_mut() {
                e.mismatch = Some(problems.join("; "));
            }
        }
        self.recording = Some(rec);
        true
    }

    /// The key calculator: slot, tag, owner and same-slot group of each key (one per
    /// line or separated by spaces).
    pub fn key_table(&self, text: &str) -> Vec<KeyRow> {
        let truth = self.cluster.serving_owners();
        let mut groups: std::collections::HashMap<u16, usize> = std::collections::HashMap::new();
        text.split(['\n', ' ', '\t', '\r'])
            .filter(|k| !k.is_empty())
            .map(|k| {
                let info = analyze(k.as_bytes());
                let next = groups.len();
                let group = *groups.entry(info.slot).or_insert(next);
                KeyRow {
                    key: k.to_string(),
                    slot: info.slot,
                    tag: info.tag,
                    owner: truth[info.slot as usize],
                    group,
                }
            })
            .collect()
    }

    fn migration_of(&self, slot: u16) -> Option<(NodeIdx, NodeIdx)> {
        self.cluster
            .nodes
            .iter()
            .enumerate()
            .find_map(|(i, n)| n.migrating.get(&slot).map(|&t| (i as NodeIdx, t)))
    }
}

fn siblings(key: &str) -> [String; 2] {
    let info = analyze(key.as_bytes());
    let tag = match info.tag {
        Some(r) => key.get(r.start..r.end).unwrap_or(key).to_string(),
        None => key.to_string(),
    };
    [format!("{{{tag}}}:profile"), format!("{{{tag}}}:orders")]
}

pub(crate) fn note(text: &str) -> LogEntry {
    LogEntry {
        kind: EntryKind::Note,
        from: String::new(),
        to: String::new(),
        node: None,
        command: String::new(),
        reply: String::new(),
        reply_kind: ReplyKind::None,
        why: text.to_string(),
        map_changed: None,
        mismatch: None,
    }
}

fn kind_of(reply: &Reply) -> ReplyKind {
    match reply.error_code() {
        None => ReplyKind::Served,
        Some("MOVED") => ReplyKind::Moved,
        Some("ASK") => ReplyKind::Ask,
        Some("TRYAGAIN") => ReplyKind::TryAgain,
        Some(_) => ReplyKind::Error,
    }
}

/// CLUSTER SLOTS replies are long: show the ranges rather than every byte.
fn summarize_topology(reply: &Reply) -> String {
    match reply {
        Reply::Array(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .filter_map(|e| match e {
                    Reply::Array(p) => match (p.first(), p.get(1), p.get(2)) {
                        (
                            Some(Reply::Integer(a)),
                            Some(Reply::Integer(b)),
                            Some(Reply::Array(m)),
                        ) => {
                            let port = match m.get(1) {
                                Some(Reply::Integer(p)) => *p,
                                _ => 0,
                            };
                            Some(format!("{a}-{b} -> :{port}"))
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            format!("*{} ({})", entries.len(), parts.join(", "))
        }
        Reply::Verbatim(text) => format!("{} line(s) of node descriptions", text.lines().count()),
        other => other.wire_text(Proto::Resp2),
    }
}

/// Client `i`'s seed under the simulation seed `seed`: seed 1 gives client `i` seed
/// `i + 1`; other seeds are spread so that different seeds give different runs.
fn client_seed(seed: u64, i: usize) -> u64 {
    seed.wrapping_sub(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client hops of a log, in order.
    fn hops(log: &[LogEntry]) -> Vec<&LogEntry> {
        log.iter().filter(|e| e.kind == EntryKind::Hop).collect()
    }

    #[test]
    fn cards_are_the_nodes_without_their_keys_and_node_gives_one_in_full() {
        let w = World::new(Scenario::Large, "user:100");
        let (nodes, cards) = (w.nodes(), w.cards());
        assert_eq!(cards.len(), nodes.len());
        for (i, (c, n)) in cards.iter().zip(&nodes).enumerate() {
            assert!(c.keys.is_empty() && !n.keys.is_empty());
            assert_eq!(c.key_count, n.key_count);
            assert_eq!(
                NodeView {
                    keys: n.keys.clone(),
                    ..c.clone()
                },
                *n
            );
            assert_eq!(w.node(i as NodeIdx).as_ref(), Some(n));
        }
        assert_eq!(w.node(16), None);
    }

    #[test]
    fn large_preset_has_16_even_masters_5000_keys_and_a_4_node_map() {
        let mut w = World::new(Scenario::Large, "user:100");
        let nodes = w.nodes();
        assert_eq!(nodes.len(), 16);
        assert_eq!(nodes.iter().map(|n| n.key_count).sum::<usize>(), 5000);
        assert_eq!(w.cluster().serving_owner(0), Some(0));
        assert_eq!(w.cluster().serving_owner(1023), Some(0));
        assert_eq!(w.cluster().serving_owner(1024), Some(1));
        assert_eq!(w.cluster().serving_owner(16383), Some(15));
        // user:100 hashes to 9308: Node 10 owns it, the old map says Node 9.
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        let hops = hops(w.log());
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[0].node, Some(8));
        assert_eq!(hops[0].reply, "-MOVED 9308 127.0.0.1:7009\\r\\n");
        assert_eq!(hops[1].node, Some(9));
        assert_eq!(hops[1].reply, "$3\\r\\nAda\\r\\n");
    }

    #[test]
    fn a_range_of_slots_migrates_with_every_step_logged() {
        let mut w = World::new(Scenario::Moved, "user:100");
        // Node 2 serves 5001-16383 in the MOVED preset; move 9300-9310 (user:100 is 9308).
        let offers = w.offers(1, 9308, Some((9300, 9310)));
        let range = offers
            .iter()
            .find(|o| o.label == "Migrate slots 9300-9310 to Node 1")
            .expect("offered on the owner");
        assert!(
            w.offers(0, 9308, Some((9300, 9310)))
                .iter()
                .all(|o| !matches!(o.action, Action::MigrateRange { .. })),
            "not on a node that owns none of it"
        );
        let keys = w.cluster().nodes[1].keys.count_in_slot(9308);
        assert!(keys > 0);
        w.act(range.action.clone()).unwrap();
        for s in 9300..=9310 {
            assert_eq!(w.cluster().serving_owner(s), Some(0), "slot {s}");
            assert_eq!(w.cluster().nodes[1].keys.count_in_slot(s), 0);
        }
        assert_eq!(w.cluster().nodes[0].keys.count_in_slot(9308), keys);
        assert_eq!(w.cluster().serving_owner(9311), Some(1));
        let text: Vec<&str> = w.log().iter().map(|e| e.command.as_str()).collect();
        let setslots = text.iter().filter(|c| c.contains("SETSLOT 9305")).count();
        assert_eq!(
            setslots,
            2 + 2,
            "IMPORTING, MIGRATING, then NODE on both nodes: {text:?}"
        );
        assert!(w
            .act(Action::MigrateRange {
                first: 0,
                last: 1000,
                from: 0,
                to: 1
            })
            .is_err());
    }

    #[test]
    fn a_range_stops_at_a_slot_whose_keys_the_target_refuses() {
        let mut sim = Sim::new(Scenario::Moved, "user:100");
        // Node 1 already holds a copy of user:100 (slot 9308, Node 2's): RESTORE-ASKING
        // answers BUSYKEY, so the key cannot move and the slot cannot be handed over.
        sim.cluster.nodes[0].keys.set(b"user:100", b"stale");
        sim.act(Action::MigrateRange {
            first: 9307,
            last: 9309,
            from: 1,
            to: 0,
        })
        .unwrap();
        assert_eq!(sim.cluster.serving_owner(9307), Some(0));
        assert_eq!(sim.cluster.serving_owner(9308), Some(1), "not handed over");
        assert_eq!(sim.cluster.nodes[1].migrating.get(&9308), Some(&0));
        assert_eq!(
            sim.cluster.serving_owner(9309),
            Some(0),
            "the range goes on"
        );
        assert!(sim.log.iter().any(|e| e.reply.contains("BUSYKEY")));
    }

    #[test]
    fn a_client_without_a_map_shows_none_and_starts_at_its_first_node() {
        let mut w = World::with_policy(Scenario::Moved, "user:100", "no-cache").unwrap();
        assert!(w.map().is_empty(), "no map to show");
        let kv = w.key_view("user:100");
        assert!(!kv.keeps_map);
        assert_eq!(kv.owner, Some(1));
        assert_eq!(
            kv.client_pick,
            Some(0),
            "it starts at Node 1, not where a map would say"
        );
        w.send(Request::Get("user:100".into())).unwrap();
        assert_eq!(w.next_hop().map(|h| h.node), Some(0));
        w.finish();
        let hops = hops(w.log());
        assert_eq!(hops[0].reply, "-MOVED 9308 127.0.0.1:7001\\r\\n");
        assert_eq!(hops[0].map_changed, None);
        // The next request starts at the first node again.
        w.send(Request::Get("user:100".into())).unwrap();
        assert_eq!(w.next_hop().map(|h| h.node), Some(0));
        let smart = World::new(Scenario::Moved, "user:100");
        assert!(smart.key_view("user:100").keeps_map && !smart.map().is_empty());
    }

    #[test]
    fn moved_flow_updates_one_slot_and_goes_straight_next_time() {
        let mut w = World::new(Scenario::Moved, "user:100");
        assert!(!w.map_up_to_date());
        assert_eq!(w.log()[0].why, "Ready to send request.");
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        let hops = hops(w.log());
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[0].reply, "-MOVED 9308 127.0.0.1:7001\\r\\n");
        assert_eq!(hops[0].map_changed, Some(9308));
        assert_eq!(hops[1].reply, "$3\\r\\nAda\\r\\n");
        let result = &w.log()[w.log().len() - 1];
        assert_eq!(result.kind, EntryKind::Note);
        assert!(result.why.starts_with("Result: "), "{}", result.why);
        assert!(result.why.contains("Ada"), "{}", result.why);
        assert!(result.why.contains("sent 2 times"), "{}", result.why);
        assert!(
            !w.map_up_to_date(),
            "one patched slot does not fix the whole map"
        );
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        let last_hop = w
            .log()
            .iter()
            .rev()
            .find(|e| e.kind == EntryKind::Hop)
            .unwrap();
        assert_eq!(last_hop.node, Some(1));
        w.act(Action::RefreshMap).unwrap();
        assert!(w.map_up_to_date());
    }

    #[test]
    fn ask_flow_does_not_touch_the_map() {
        let mut w = World::new(Scenario::Ask, "");
        assert!(w.map_up_to_date());
        let key = Scenario::Ask.default_key();
        w.send(Request::Get(key.into())).unwrap();
        w.finish();
        let hops = hops(w.log());
        assert_eq!(hops.len(), 3);
        assert!(hops[0].reply.starts_with("-ASK 2780 127.0.0.1:7001"));
        assert_eq!(hops[1].command, "ASKING");
        assert_eq!(hops[2].reply, "$7\\r\\n3 items\\r\\n");
        assert!(w.map_up_to_date());
        assert!(w.back());
        assert!(w.busy() || w.log().len() > 1);
    }

    #[test]
    fn finishing_a_migration_by_clicks() {
        let mut w = World::new(Scenario::Ask, "");
        let slot = w.key_view(Scenario::Ask.default_key()).slot;
        let offers = w.offers(0, slot, None);
        assert!(offers
            .iter()
            .any(|o| o.action == Action::FinishMigration { slot } && o.disabled.is_some()));
        w.act(Action::MoveAllKeys { slot }).unwrap();
        w.act(Action::FinishMigration { slot }).unwrap();
        assert_eq!(w.key_view(Scenario::Ask.default_key()).owner, Some(1));
        assert!(!w.map_up_to_date());
    }

    #[test]
    fn next_hop_and_the_patched_entry_stay_visible_until_a_refresh() {
        let mut w = World::new(Scenario::Moved, "user:100");
        assert_eq!(w.next_hop(), None);
        assert!(w.policy_name().contains("MOVED"));
        w.send(Request::Get("user:100".into())).unwrap();
        assert_eq!(
            w.next_hop(),
            Some(NextHop {
                node: 0,
                command: "GET user:100".into()
            })
        );
        w.finish();
        assert_eq!(w.next_hop(), None);
        assert_eq!(w.last_patched_slot(), Some(9308));
        let changed: Vec<_> = w.map().into_iter().filter(|e| e.changed).collect();
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].start, changed[0].end), (9308, 9308));
        w.act(Action::RefreshMap).unwrap();
        assert_eq!(w.last_patched_slot(), None);
        assert!(w.map().iter().all(|e| !e.changed));

        let mut a = World::new(Scenario::Ask, "");
        a.send(Request::Get(Scenario::Ask.default_key().into()))
            .unwrap();
        a.step();
        assert_eq!(
            a.next_hop().map(|h| (h.node, h.command)),
            Some((1, "ASKING".into()))
        );
    }
}

#[cfg(test)]
mod client_tests {
    use super::*;

    #[test]
    fn several_clients_with_their_own_policies() {
        let mut w = World::new(Scenario::Moved, "user:100");
        let jedis = w.add_client("jedis").unwrap();
        assert_eq!(w.clients().len(), 2);
        assert!(w.add_client("nope").is_err());
        assert_eq!(
            w.set_policy(jedis, "???"),
            Err("Unknown client policy \"???\"; the previous policy stays.".into())
        );
        assert_eq!(w.clients()[jedis].policy_id, "jedis");
        // The first client learns from MOVED; Jedis had an up-to-date map.
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        assert_eq!(w.clients()[0].counters.moved, 1);
        w.select_client(jedis).unwrap();
        assert!(w.map_up_to_date());
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        assert_eq!(w.clients()[jedis].counters.moved, 0);
        assert_eq!(w.clients()[jedis].counters.hops, 1);
        for id in ["go-redis", "ioredis"] {
            w.add_client(id).unwrap();
        }
        assert!(w.add_client("lettuce").is_err(), "four clients at most");
    }

    #[test]
    fn client_side_cross_slot_refusal_is_logged_and_nothing_is_sent() {
        let mut w = World::new(Scenario::Moved, "user:100");
        w.send(Request::Mget(vec!["user:100".into(), "user:101".into()]))
            .unwrap();
        assert!(!w.busy());
        let last = w.log().last().unwrap();
        assert!(
            last.why
                .contains("MGET - all keys must map to the same key slot"),
            "{}",
            last.why
        );
    }
}

/// Recorded sessions replayed over a pasted topology (the `replay` feature).
#[cfg(all(test, feature = "replay"))]
mod import_tests {
    use super::*;

    const NODES: &str = "d70a3210d3ed7ed8e80b069f95e26b2aacc271c9 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n61641fd17a31af2ca1d9f591992042160f80251c 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922\n15adaa1e3da3b55e5abcd0a8735d0f73a45c4d19 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383\n";

    #[test]
    fn replays_a_redis_cli_transcript_and_marks_differences() {
        let mut w = World::from_topology_text(NODES).unwrap();
        assert_eq!(w.names().len(), 3);
        let transcript = "127.0.0.1:7000> SET foo bar\n-> Redirected to slot [12182] located at 127.0.0.1:7002\nOK\n127.0.0.1:7002> GET foo\n\"baz\"\n";
        let steps = crate::transcript::parse_recording(transcript).unwrap();
        assert_eq!(w.load_recording(steps), Ok(2));
        assert!(w.replay_step());
        assert!(w.replay_step());
        assert!(!w.replay_step());
        assert_eq!(
            w.recording_mismatches(),
            1,
            "GET foo gives \"bar\", the recording says \"baz\""
        );
        let marked: Vec<_> = w.log().iter().filter_map(|e| e.mismatch.clone()).collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(
            marked[0],
            r#"reply differs: recorded "baz", simulated "bar""#
        );
        let elsewhere = crate::transcript::parse_recording("10.1.1.1:1> GET a\n").unwrap();
        assert!(w.load_recording(elsewhere).unwrap_err().contains("line 1"));
        // Saved and loaded back, the replayed session is the same.
        let saved = w.export_json();
        let back = World::import_json(&saved).unwrap();
        assert_eq!(back.log(), w.log());
        assert_eq!(back.export_json(), saved);
    }

    #[test]
    fn key_calculator_groups_keys_by_slot() {
        let w = World::new(Scenario::Moved, "user:100");
        let rows = w.key_table("{user:1}:a {user:1}:b\nuser:100\n");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].group, rows[1].group);
        assert_ne!(rows[0].group, rows[2].group);
        assert_eq!(rows[2].slot, 9308);
        assert_eq!(rows[2].owner, Some(1));
        assert_eq!(rows[0].tag, Some(1..7));
        let all = w.cluster().serving_owners();
        assert!((0..crate::keyslot::SLOTS as u16)
            .all(|s| all[s as usize] == w.cluster().serving_owner(s)));
    }
}
