//! A cluster client library at work: a slot map plus a [`Policy`], turning one
//! request into hops (commands sent, ASKING, topology refreshes, waits) that end in a
//! result or in the library's own error. Time is simulated and deterministic.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::client::parse_redirect;
use crate::cluster::{Cluster, ConnId, NodeIdx};
use crate::keyslot::{key_slot, SLOTS};
use crate::node::NO_OWNER;
use crate::policy::{CrossSlot, OnAsk, OnError, OnMoved, Policy, RefreshSource, TopologyCommand};
use crate::resp::Reply;

/// Simulated round trip of one command on a local network, in milliseconds.
pub const ROUND_TRIP_MS: f64 = 0.2;

/// What one hop was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HopKind {
    /// The request's command.
    Command,
    /// ASKING before the command.
    Asking,
    /// A topology query (CLUSTER SLOTS/SHARDS/NODES).
    Refresh,
    /// A pause (sleep or backoff); no message.
    Wait,
}

/// How a hop changed the client's map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapChange {
    /// One slot's entry was patched.
    Slot(u16),
    /// The whole map was replaced; this many slot entries changed.
    Full(usize),
}

/// One hop of a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// What the hop was.
    pub kind: HopKind,
    /// The node written to (none for waits).
    pub node: Option<NodeIdx>,
    /// What was sent.
    pub argv: Vec<Vec<u8>>,
    /// What came back.
    pub reply: Option<Reply>,
    /// Simulated milliseconds this hop took (waits included).
    pub ms: f64,
    /// The map change it caused.
    pub map_change: Option<MapChange>,
    /// The library's reaction, in one sentence.
    pub reaction: String,
    /// Done in the background, outside the request's own path.
    pub background: bool,
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The command's answer.
    Reply(Reply),
    /// An error handed to the application (a server error, or the library's own).
    Error(String),
}

impl Outcome {
    /// One line for people: the value as redis-cli prints it, or the error.
    pub fn text(&self) -> String {
        match self {
            Outcome::Reply(r) => r.human(),
            Outcome::Error(e) => e.clone(),
        }
    }
}

/// Counters a class can compare between clients.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests started.
    pub requests: u64,
    /// Messages sent (commands, ASKING, refreshes).
    pub hops: u64,
    /// MOVED replies read.
    pub moved: u64,
    /// ASK replies read.
    pub ask: u64,
    /// TRYAGAIN replies read.
    pub tryagain: u64,
    /// CLUSTERDOWN replies read.
    pub clusterdown: u64,
    /// Topology queries sent.
    pub refreshes: u64,
    /// Requests that ended in an error.
    pub errors: u64,
}

impl Counters {
    /// Round trips per request.
    pub fn hops_per_request(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.hops as f64 / self.requests as f64
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Pending {
    Send {
        node: NodeIdx,
        asking: bool,
    },
    Asking {
        node: NodeIdx,
    },
    Refresh {
        order: Vec<NodeIdx>,
        pos: usize,
        until_covered: bool,
        merged: Vec<NodeIdx>,
        then: Box<Pending>,
    },
    Wait {
        ms: u32,
        why: String,
        then: Box<Pending>,
    },
    /// Start the request again from the map with a fresh budget.
    Restart,
    /// Send to the node the map gives now, within the same budget.
    FromMap,
    Done(Outcome),
}

/// A request in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    argv: Vec<Vec<u8>>,
    slot: Option<u16>,
    pending: Pending,
    sends: u32,
    attempts: u32,
    retries: u32,
    last_error: Option<Reply>,
}

impl Request {
    /// The request's command.
    pub fn argv(&self) -> &[Vec<u8>] {
        &self.argv
    }

    /// The outcome, once the request is over.
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.pending {
            Pending::Done(o) => Some(o),
            _ => None,
        }
    }

    /// True when no hop is left.
    pub fn is_done(&self) -> bool {
        matches!(self.pending, Pending::Done(_))
    }

    /// The next hop's kind and node, when it is already decided (a retry from the map
    /// is decided when played).
    pub fn next(&self) -> Option<(HopKind, Option<NodeIdx>)> {
        match &self.pending {
            Pending::Send { node, .. } => Some((HopKind::Command, Some(*node))),
            Pending::Asking { node } => Some((HopKind::Asking, Some(*node))),
            Pending::Refresh { order, pos, .. } => {
                Some((HopKind::Refresh, order.get(*pos).copied()))
            }
            Pending::Wait { .. } => Some((HopKind::Wait, None)),
            Pending::Restart | Pending::FromMap => Some((HopKind::Command, None)),
            Pending::Done(_) => None,
        }
    }
}

/// A client with its own slot map, connections, counters and random source.
#[derive(Clone, Debug)]
pub struct Client {
    /// Display name.
    pub name: String,
    /// Its library's policy.
    pub policy: Policy,
    /// Counters since creation.
    pub counters: Counters,
    cache: Arc<Vec<NodeIdx>>,
    conns: Vec<Option<ConnId>>,
    moved_count: u32,
    rng: u64,
    last_refresh_ms: Option<f64>,
    /// Known nodes (refresh candidates), in discovery order.
    known: Vec<NodeIdx>,
    /// Orders to use for the next refreshes instead of the random source (tests use
    /// this to follow a captured run of a library that shuffles with its own RNG).
    pub scripted_orders: VecDeque<Vec<NodeIdx>>,
    /// Nodes to use for the next random node picks (a retry on a random node, or a
    /// slot the map has no owner for) instead of the random source; tests use this to
    /// follow a captured run, as with `scripted_orders`.
    pub scripted_picks: VecDeque<NodeIdx>,
    /// Simulated clock of this client, in milliseconds.
    pub now_ms: f64,
    /// A background map reload waiting to run after this many more hops.
    bg_refresh: Option<u32>,
    /// The node the queued background reload asks, drawn when it was queued (a library
    /// shuffles its nodes when it starts the reload, not when the reload's query goes out).
    bg_node: Option<NodeIdx>,
}

impl Client {
    /// A client whose map says `owner_of(slot)` for every slot, knowing `known` nodes.
    pub fn new(
        name: &str,
        policy: Policy,
        cluster: &Cluster,
        seed: u64,
        owner_of: impl Fn(u16) -> Option<NodeIdx>,
    ) -> Client {
        let cache = (0..SLOTS as u16)
            .map(|s| owner_of(s).unwrap_or(NO_OWNER))
            .collect();
        Client {
            name: name.to_string(),
            policy,
            counters: Counters::default(),
            cache: Arc::new(cache),
            conns: vec![None; cluster.nodes.len()],
            moved_count: 0,
            rng: seed | 1,
            last_refresh_ms: None,
            known: (0..cluster.nodes.len() as NodeIdx).collect(),
            scripted_orders: VecDeque::new(),
            scripted_picks: VecDeque::new(),
            now_ms: 0.0,
            bg_refresh: None,
            bg_node: None,
        }
    }

    /// Restarts the random source from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = seed | 1;
    }

    /// The node the map gives for `slot`.
    pub fn cached_owner(&self, slot: u16) -> Option<NodeIdx> {
        let o = self.cache[slot as usize];
        (o != NO_OWNER).then_some(o)
    }

    /// The node a request goes to first: for a keyed request (`slot`) the one its map
    /// names, or, for a client that keeps no map, its first known node. None: the map
    /// names no node (or the request has no key), so a random node.
    pub fn first_pick(&self, slot: Option<u16>) -> Option<NodeIdx> {
        if self.policy.use_cache {
            slot.and_then(|s| self.cached_owner(s))
        } else {
            self.known.first().copied()
        }
    }

    /// The map as inclusive ranges with their node (empty for a client that keeps no map).
    pub fn map_ranges(&self) -> Vec<(u16, u16, NodeIdx)> {
        if !self.policy.use_cache {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut start = 0usize;
        while start < SLOTS {
            let o = self.cache[start];
            let mut end = start;
            while end + 1 < SLOTS && self.cache[end + 1] == o {
                end += 1;
            }
            if o != NO_OWNER {
                out.push((start as u16, end as u16, o));
            }
            start = end + 1;
        }
        out
    }

    /// True when a background map reload is queued.
    pub fn has_background(&self) -> bool {
        self.bg_refresh.is_some()
    }

    /// MOVED replies counted toward the next periodic refresh (redis-py's
    /// `reinitialize_counter`).
    pub fn moved_counter(&self) -> u32 {
        self.moved_count
    }

    fn next_random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn random_node(&mut self) -> NodeIdx {
        if let Some(n) = self.scripted_picks.pop_front() {
            return n;
        }
        let r = self.next_random() as usize % self.known.len().max(1);
        self.known.get(r).copied().unwrap_or(0)
    }

    fn shuffled_known(&mut self) -> Vec<NodeIdx> {
        if let Some(order) = self.scripted_orders.pop_front() {
            let mut order = order;
            for k in self.known.clone() {
                if !order.contains(&k) {
                    order.push(k);
                }
            }
            return order;
        }
        let mut v = self.known.clone();
        for i in (1..v.len()).rev() {
            let j = (self.next_random() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
        v
    }

    fn conn(&mut self, cluster: &mut Cluster, node: NodeIdx) -> ConnId {
        if self.conns.len() < cluster.nodes.len() {
            self.conns.resize(cluster.nodes.len(), None);
        }
        if let Some(c) = self.conns[node as usize] {
            return c;
        }
        let c = cluster.connect(node);
        self.conns[node as usize] = Some(c);
        c
    }

    fn route_target(&mut self, slot: Option<u16>) -> NodeIdx {
        match self.first_pick(slot) {
            Some(n) => n,
            None if !self.policy.use_cache => 0,
            None => self.random_node(),
        }
    }

    /// Starts a request. A cross-slot request that the library refuses itself ends
    /// at once, with nothing sent.
    pub fn start(&mut self, argv: Vec<Vec<u8>>, keys: &[Vec<u8>]) -> Request {
        self.counters.requests += 1;
        let slot = keys.first().map(|k| key_slot(k));
        let cross = keys.iter().any(|k| Some(key_slot(k)) != slot);
        let pending = match (cross, self.policy.cross_slot) {
            (true, CrossSlot::ClientSide(msg)) => {
                self.counters.errors += 1;
                Pending::Done(Outcome::Error(msg.to_string()))
            }
            _ => Pending::Send {
                node: self.route_target(slot),
                asking: false,
            },
        };
        Request {
            argv,
            slot,
            pending,
            sends: 0,
            attempts: 1,
            retries: 0,
            last_error: None,
        }
    }

    /// Plays the next hop of `req`; `None` once the request is over.
    pub fn step(&mut self, cluster: &mut Cluster, req: &mut Request) -> Option<Hop> {
        if self.bg_refresh == Some(0) || (self.bg_refresh.is_some() && req.is_done()) {
            self.bg_refresh = None;
            let node = match self.bg_node.take() {
                Some(n) => n,
                None => self.shuffled_known().first().copied().unwrap_or(0),
            };
            let mut hop = self.refresh_from(cluster, node);
            hop.background = true;
            hop.reaction = format!("In the background, {}", lower_first(&hop.reaction));
            return Some(hop);
        }
        if let Some(n) = self.bg_refresh.as_mut() {
            *n = n.saturating_sub(1);
        }
        let pending = std::mem::replace(&mut req.pending, Pending::Restart);
        let hop = match pending {
            Pending::Done(o) => {
                req.pending = Pending::Done(o);
                return None;
            }
            Pending::Restart | Pending::FromMap => {
                if pending == Pending::Restart {
                    req.sends = 0;
                    req.attempts += 1;
                }
                let node = self.route_target(req.slot);
                req.pending = Pending::Send {
                    node,
                    asking: false,
                };
                return self.step(cluster, req);
            }
            Pending::Wait { ms, why, then } => {
                req.pending = *then;
                self.now_ms += ms as f64;
                Hop {
                    kind: HopKind::Wait,
                    node: None,
                    argv: vec![],
                    reply: None,
                    ms: ms as f64,
                    map_change: None,
                    reaction: why,
                    background: false,
                }
            }
            Pending::Asking { node } => {
                let conn = self.conn(cluster, node);
                let reply = cluster.execute(conn, &[b"ASKING".to_vec()]);
                self.count_hop();
                req.pending = Pending::Send { node, asking: true };
                Hop {
                    kind: HopKind::Asking,
                    node: Some(node),
                    argv: vec![b"ASKING".to_vec()],
                    reply: Some(reply),
                    ms: ROUND_TRIP_MS,
                    map_change: None,
                    reaction: "ASKING flags the connection; the command follows on it.".into(),
                    background: false,
                }
            }
            Pending::Refresh {
                order,
                pos,
                until_covered,
                mut merged,
                then,
            } => {
                let node = order[pos];
                let (reply, hop_argv) = self.query_topology(cluster, node);
                let parsed = parse_topology(cluster, &reply, self.policy.topology);
                let mut covered = false;
                if let Some(map) = &parsed {
                    for (s, &o) in map.iter().enumerate() {
                        if o != NO_OWNER && merged[s] == NO_OWNER {
                            merged[s] = o;
                        }
                    }
                    covered = !merged.contains(&NO_OWNER);
                }
                let more = pos + 1 < order.len();
                let (reaction, change) = if until_covered && !covered && more {
                    req.pending = Pending::Refresh {
                        order,
                        pos: pos + 1,
                        until_covered,
                        merged,
                        then,
                    };
                    (
                        "This answer does not cover every slot: the library asks the next node."
                            .to_string(),
                        None,
                    )
                } else {
                    let changed = self.install(merged);
                    req.pending = *then;
                    (
                        format!(
                            "The library replaces its whole slot map ({changed} entries changed)."
                        ),
                        Some(MapChange::Full(changed)),
                    )
                };
                Hop {
                    kind: HopKind::Refresh,
                    node: Some(node),
                    argv: hop_argv,
                    reply: Some(reply),
                    ms: ROUND_TRIP_MS,
                    map_change: change,
                    reaction,
                    background: false,
                }
            }
            Pending::Send { node, asking } => {
                if asking {
                    // ASKING was sent on this connection by the previous hop.
                }
                let conn = self.conn(cluster, node);
                let reply = cluster.execute(conn, &req.argv);
                self.count_hop();
                req.sends += 1;
                let (next, reaction, change) = self.react(cluster, req, node, &reply);
                req.pending = next;
                let mut hop = Hop {
                    kind: HopKind::Command,
                    node: Some(node),
                    argv: req.argv.clone(),
                    reply: Some(reply),
                    ms: ROUND_TRIP_MS,
                    map_change: change,
                    reaction,
                    background: false,
                };
                if let Pending::Done(Outcome::Error(_)) = &req.pending {
                    self.counters.errors += 1;
                }
                hop.ms += 0.0;
                hop
            }
        };
        self.now_ms += if hop.kind == HopKind::Wait {
            0.0
        } else {
            hop.ms
        };
        Some(hop)
    }

    /// Plays a whole request; returns its hops and outcome.
    pub fn run(
        &mut self,
        cluster: &mut Cluster,
        argv: Vec<Vec<u8>>,
        keys: &[Vec<u8>],
    ) -> (Vec<Hop>, Outcome) {
        let mut req = self.start(argv, keys);
        let mut hops = Vec::new();
        while let Some(h) = self.step(cluster, &mut req) {
            hops.push(h);
            if hops.len() > 5000 {
                break;
            }
        }
        let outcome = req
            .outcome()
            .cloned()
            .unwrap_or(Outcome::Error("stopped".into()));
        (hops, outcome)
    }

    /// Fetches the whole map now (a person clicking "Refresh map"), from `node`.
    pub fn refresh_from(&mut self, cluster: &mut Cluster, node: NodeIdx) -> Hop {
        let (reply, argv) = self.query_topology(cluster, node);
        let (reaction, change) = match parse_topology(cluster, &reply, self.policy.topology) {
            Some(map) => {
                let changed = self.install(map);
                (
                    format!("The client replaces its whole slot map ({changed} entries changed)."),
                    Some(MapChange::Full(changed)),
                )
            }
            None => (
                "The reply is not a slot map; the map stays as it was.".into(),
                None,
            ),
        };
        self.now_ms += ROUND_TRIP_MS;
        Hop {
            kind: HopKind::Refresh,
            node: Some(node),
            argv,
            reply: Some(reply),
            ms: ROUND_TRIP_MS,
            map_change: change,
            reaction,
            background: false,
        }
    }

    fn count_hop(&mut self) {
        self.counters.hops += 1;
    }

    fn query_topology(&mut self, cluster: &mut Cluster, node: NodeIdx) -> (Reply, Vec<Vec<u8>>) {
        let argv = self.policy.topology.argv();
        let conn = self.conn(cluster, node);
        let reply = cluster.execute(conn, &argv);
        self.count_hop();
        self.counters.refreshes += 1;
        self.last_refresh_ms = Some(self.now_ms);
        (reply, argv)
    }

    fn install(&mut self, mut map: Vec<NodeIdx>) -> usize {
        if self.policy.refresh_keeps_unlisted {
            for (entry, &old) in map.iter_mut().zip(self.cache.iter()) {
                if *entry == NO_OWNER {
                    *entry = old;
                }
            }
        }
        let changed = map
            .iter()
            .zip(self.cache.iter())
            .filter(|(a, b)| a != b)
            .count();
        self.cache = Arc::new(map);
        self.moved_count = 0;
        changed
    }

    fn patch(&mut self, slot: u16, node: NodeIdx) {
        Arc::make_mut(&mut self.cache)[slot as usize] = node;
    }

    fn full_refresh(
        &mut self,
        moved_sender: NodeIdx,
        extra: Option<NodeIdx>,
        then: Pending,
    ) -> Pending {
        let (order, until_covered) = match self.policy.refresh_source {
            RefreshSource::MovedSender => (vec![moved_sender], false),
            RefreshSource::RandomUntilCovered => {
                if let Some(e) = extra {
                    if !self.known.contains(&e) {
                        self.known.push(e);
                    }
                }
                (self.shuffled_known(), true)
            }
            RefreshSource::Random => (self.shuffled_known(), false),
        };
        Pending::Refresh {
            order,
            pos: 0,
            until_covered,
            merged: vec![NO_OWNER; SLOTS],
            then: Box::new(then),
        }
    }

    /// Queues a background reload to run after the next hop, unless one is queued or
    /// one ran less than `cooldown_ms` ago. Returns true when queued.
    fn schedule_background(&mut self, cooldown_ms: u32) -> bool {
        self.schedule_background_after(cooldown_ms, 1)
    }

    fn schedule_background_after(&mut self, cooldown_ms: u32, hops: u32) -> bool {
        if self.bg_refresh.is_some() || !self.background_refresh_allowed(cooldown_ms) {
            return false;
        }
        self.bg_refresh = Some(hops);
        self.bg_node = self.shuffled_known().first().copied();
        true
    }

    fn background_refresh_allowed(&self, cooldown_ms: u32) -> bool {
        match self.last_refresh_ms {
            None => true,
            Some(t) => self.now_ms - t >= cooldown_ms as f64,
        }
    }

    /// Applies the policy to the reply of a command send.
    fn react(
        &mut self,
        cluster: &Cluster,
        req: &mut Request,
        from: NodeIdx,
        reply: &Reply,
    ) -> (Pending, String, Option<MapChange>) {
        let p = self.policy.clone();
        let budget_left = req.sends < p.max_sends;
        let exhausted = || Pending::Done(Outcome::Error(exhausted_text(&p, reply)));
        let code = reply.error_code().map(str::to_string);
        let Some(code) = code else {
            return (
                Pending::Done(Outcome::Reply(reply.clone())),
                String::new(),
                None,
            );
        };
        req.last_error = Some(reply.clone());
        match (code.as_str(), parse_redirect(cluster, reply)) {
            ("MOVED", Some((slot, target))) => {
                self.counters.moved += 1;
                self.moved_count += 1;
                let mut change = None;
                let follow_cooldown = match p.on_moved {
                    OnMoved::FollowOnly {
                        refresh_cooldown_ms,
                    } => refresh_cooldown_ms,
                    _ => 0,
                };
                let (next, text) = match p.on_moved {
                    OnMoved::PatchSlot { refresh_every } if p.use_cache => {
                        if refresh_every > 0 && self.moved_count.is_multiple_of(refresh_every) {
                            let n = self.full_refresh(from, Some(target), Pending::FromMap);
                            (n, format!("MOVED number {refresh_every} since the last refresh: instead of patching one slot, the library refreshes its whole map, then retries."))
                        } else {
                            self.patch(slot, target);
                            change = Some(MapChange::Slot(slot));
                            (Pending::FromMap, format!("The library patches slot {slot} in its map and retries there at once."))
                        }
                    }
                    OnMoved::RefreshThenRetry if p.use_cache => {
                        let n = self.full_refresh(
                            from,
                            Some(target),
                            Pending::Send {
                                node: target,
                                asking: false,
                            },
                        );
                        (n, "The library blocks to refresh its whole map, then retries at the MOVED target.".to_string())
                    }
                    OnMoved::RetryThenBackgroundRefresh { cooldown_ms } if p.use_cache => {
                        let queued = self.schedule_background(cooldown_ms);
                        let text = if queued {
                            "The library retries at the MOVED target at once and reloads its map in the background."
                        } else {
                            "The library retries at the MOVED target at once (a reload is already under way or ran moments ago)."
                        };
                        (
                            Pending::Send {
                                node: target,
                                asking: false,
                            },
                            text.to_string(),
                        )
                    }
                    OnMoved::PatchRetryThenRefresh if p.use_cache => {
                        if !budget_left {
                            // ioredis checks its budget before it handles the error: the
                            // last MOVED neither patches the map nor starts a refresh.
                            return (
                                exhausted(),
                                format!("Its budget of {} sends is spent.", p.max_sends),
                                None,
                            );
                        }
                        self.patch(slot, target);
                        change = Some(MapChange::Slot(slot));
                        self.schedule_background(0);
                        (Pending::Send { node: target, asking: false }, format!("The library patches slot {slot}, resends at once, and refreshes its whole map in the background."))
                    }
                    _ => {
                        let refresh = p.use_cache
                            && follow_cooldown > 0
                            && self.schedule_background(follow_cooldown);
                        let text = if refresh {
                            "The library follows the redirection without touching its map; MOVED also triggers a background topology refresh."
                        } else {
                            "The library follows the redirection without touching its map."
                        };
                        (
                            Pending::Send {
                                node: target,
                                asking: false,
                            },
                            text.to_string(),
                        )
                    }
                };
                if !budget_left {
                    return (
                        exhausted(),
                        format!("{text} But its budget of {} sends is spent.", p.max_sends),
                        change,
                    );
                }
                (next, text, change)
            }
            ("ASK", Some((slot, target))) => {
                self.counters.ask += 1;
                if !budget_left {
                    return (
                        exhausted(),
                        format!("Its budget of {} sends is spent.", p.max_sends),
                        None,
                    );
                }
                match p.on_ask {
                    OnAsk::AskingThenCommand => {
                        let next = Pending::Asking { node: target };
                        if let OnMoved::RetryThenBackgroundRefresh { cooldown_ms } = p.on_moved {
                            // ASKING and the command go out pipelined, before the reload.
                            self.schedule_background_after(cooldown_ms, 2);
                        }
                        (next, format!("The library sends ASKING then the command to the target, and leaves its map alone: slot {slot} still belongs to the source."), None)
                    }
                    OnAsk::ForgetsAsking => (
                        Pending::Send {
                            node: target,
                            asking: false,
                        },
                        "This client forgets ASKING: it sends the command to the target as is."
                            .into(),
                        None,
                    ),
                    OnAsk::UpdatesMap => {
                        self.patch(slot, target);
                        (Pending::Asking { node: target }, format!("This client wrongly patches slot {slot} in its map, then sends ASKING and the command."), Some(MapChange::Slot(slot)))
                    }
                }
            }
            ("TRYAGAIN", _) => {
                self.counters.tryagain += 1;
                self.handle_error(req, from, reply, p.on_tryagain, budget_left)
            }
            ("CLUSTERDOWN", _) => {
                self.counters.clusterdown += 1;
                self.handle_error(req, from, reply, p.on_clusterdown, budget_left)
            }
            _ => (
                Pending::Done(Outcome::Error(reply.human())),
                "The library hands this error to the application.".into(),
                None,
            ),
        }
    }

    fn handle_error(
        &mut self,
        req: &mut Request,
        from: NodeIdx,
        reply: &Reply,
        action: OnError,
        budget_left: bool,
    ) -> (Pending, String, Option<MapChange>) {
        let p = self.policy.clone();
        let to_caller = || Pending::Done(Outcome::Error(reply.human()));
        match action {
            OnError::ToCaller => (
                to_caller(),
                "The library hands this error to the application.".into(),
                None,
            ),
            OnError::RetrySameNode {
                sleep_ms,
                sleep_when_left_below,
            } => {
                let left = p.max_sends.saturating_sub(req.sends);
                let send = Pending::Send {
                    node: from,
                    asking: false,
                };
                if left < sleep_when_left_below {
                    let wait = Pending::Wait {
                        ms: sleep_ms,
                        why: format!("The library sleeps {sleep_ms} ms."),
                        then: Box::new(if budget_left {
                            send
                        } else {
                            Pending::Done(Outcome::Error(exhausted_text(&p, reply)))
                        }),
                    };
                    return (wait, format!("The library retries the same node ({left} sends left), sleeping first."), None);
                }
                if !budget_left {
                    return (
                        Pending::Done(Outcome::Error(exhausted_text(&p, reply))),
                        "Its budget is spent.".into(),
                        None,
                    );
                }
                (
                    send,
                    format!("The library retries the same node at once ({left} sends left)."),
                    None,
                )
            }
            OnError::SleepRefreshRetry { sleep_ms, retries } => {
                let then = if req.retries < retries {
                    req.retries += 1;
                    Pending::Restart
                } else {
                    let text = reply.error_text().unwrap_or_default();
                    // `trim_start_matches("CLUSTERDOWN ")`, without a substring searcher.
                    let mut rest = text.as_str();
                    while let Some(r) = rest.strip_prefix("CLUSTERDOWN ") {
                        rest = r;
                    }
                    Pending::Done(Outcome::Error(format!("ClusterDownError: {rest}")))
                };
                let refresh = self.full_refresh(from, None, then);
                let wait = Pending::Wait {
                    ms: sleep_ms,
                    why: format!("The library sleeps {sleep_ms} ms before refreshing its map."),
                    then: Box::new(refresh),
                };
                (wait, format!("The library waits, refreshes its map and tries again (retry {} of {retries}).", req.retries.min(retries)), None)
            }
            OnError::Backoff => {
                if !budget_left {
                    return (
                        to_caller(),
                        "Its retries are spent: the library returns the last error.".into(),
                        None,
                    );
                }
                let ms = p.backoff_ms(req.sends);
                let send = Pending::Send {
                    node: self.route_target(req.slot),
                    asking: false,
                };
                (
                    Pending::Wait {
                        ms,
                        why: format!("Backoff: {ms} ms."),
                        then: Box::new(send),
                    },
                    format!("The library backs off {ms} ms and retries."),
                    None,
                )
            }
            OnError::WaitRandomNode { wait_ms, refresh } => {
                if !budget_left {
                    return (
                        Pending::Done(Outcome::Error(exhausted_text(&p, reply))),
                        "Its budget is spent.".into(),
                        None,
                    );
                }
                let node = self.random_node();
                let send = Pending::Send {
                    node,
                    asking: false,
                };
                let then = if refresh {
                    self.full_refresh(from, None, send)
                } else {
                    send
                };
                (
                    Pending::Wait {
                        ms: wait_ms,
                        why: format!("The library waits {wait_ms} ms."),
                        then: Box::new(then),
                    },
                    format!("The library waits {wait_ms} ms and retries on a random node."),
                    None,
                )
            }
        }
    }
}

/// Reads a topology reply into a slot map (none when it is not one).
pub fn parse_topology(
    cluster: &Cluster,
    reply: &Reply,
    cmd: TopologyCommand,
) -> Option<Vec<NodeIdx>> {
    let mut map = vec![NO_OWNER; SLOTS];
    match (cmd, reply) {
        (TopologyCommand::Slots, Reply::Array(entries)) => {
            for e in entries {
                let Reply::Array(parts) = e else { return None };
                let (Some(Reply::Integer(a)), Some(Reply::Integer(b)), Some(Reply::Array(m))) =
                    (parts.first(), parts.get(1), parts.get(2))
                else {
                    return None;
                };
                let (Some(Reply::Bulk(host)), Some(Reply::Integer(port))) = (m.first(), m.get(1))
                else {
                    return None;
                };
                let node = cluster.node_by_addr(host, port.to_string().as_bytes())?;
                for s in *a..=*b {
                    *map.get_mut(s as usize)? = node;
                }
            }
        }
        (TopologyCommand::Shards, Reply::Array(shards)) => {
            for shard in shards {
                let Reply::Map(fields) = shard else {
                    return None;
                };
                let get = |name: &str| {
                    fields
                        .iter()
                        .find(|(k, _)| *k == Reply::bulk(name))
                        .map(|(_, v)| v)
                };
                let (Some(Reply::Array(slots)), Some(Reply::Array(nodes))) =
                    (get("slots"), get("nodes"))
                else {
                    return None;
                };
                let Some(Reply::Map(first)) = nodes.first() else {
                    continue;
                };
                let field = |name: &str| {
                    first
                        .iter()
                        .find(|(k, _)| *k == Reply::bulk(name))
                        .map(|(_, v)| v.clone())
                };
                let (Some(Reply::Bulk(ip)), Some(Reply::Integer(port))) =
                    (field("ip"), field("port"))
                else {
                    return None;
                };
                let node = cluster.node_by_addr(&ip, port.to_string().as_bytes())?;
                for pair in slots.chunks(2) {
                    if let [Reply::Integer(a), Reply::Integer(b)] = pair {
                        for s in *a..=*b {
                            *map.get_mut(s as usize)? = node;
                        }
                    }
                }
            }
        }
        (TopologyCommand::Nodes, Reply::Verbatim(text)) => {
            for line in text.lines() {
                let f: Vec<&str> = line.split(' ').collect();
                if f.len() < 8 || !contains(f[2], "master") {
                    continue;
                }
                let addr = f[1].split('@').next()?;
                let (host, port) = crate::client::split_addr(addr)?;
                let node = cluster.node_by_addr(host.as_bytes(), port.as_bytes())?;
                for r in &f[8..] {
                    if r.starts_with('[') {
                        continue;
                    }
                    let (a, b) = match r.split_once('-') {
                        Some((a, b)) => (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?),
                        None => {
                            let s = r.parse::<u16>().ok()?;
                            (s, s)
                        }
                    };
                    for s in a..=b {
                        *map.get_mut(s as usize)? = node;
                    }
                }
            }
        }
        _ => return None,
    }
    Some(map)
}

/// The library's error when the budget runs out, with `{last}` replaced by the last
/// error reply's text.
fn exhausted_text(p: &Policy, last: &Reply) -> String {
    // `replace("{last}", ..)`, without a substring searcher.
    let last = last.error_text().unwrap_or_default();
    let mut out = String::new();
    let mut rest = p.exhausted;
    while let Some(i) = find(rest, "{last}") {
        out.push_str(&rest[..i]);
        out.push_str(&last);
        rest = &rest[i + "{last}".len()..];
    }
    out.push_str(rest);
    out
}

/// Where `needle` first occurs in `hay`. A plain byte search: `str::find`,
/// `contains` and `replace` with a text pattern bring the standard library's
/// substring searcher (about 2 KB of WebAssembly) into the page.
fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// `s` with its first letter in lower case. The sentences it is used on are the core's
/// own and start with an ASCII letter; ASCII-only keeps Unicode's case tables (about
/// 6 KB gzip) out of the page.
fn lower_first(s: &str) -> String {
    let mut out = s.to_string();
    if let Some(f) = out.get_mut(..1) {
        f.make_ascii_lowercase();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::argv::split;
    use crate::policy;

    #[test]
    fn byte_search_agrees_with_the_standard_library() {
        for (hay, needle) in [
            ("myself,master", "master"),
            ("slave", "master"),
            ("", "x"),
            ("{last}{last}", "{last}"),
            ("é{last}ü", "{last}"),
        ] {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay} {needle}");
            assert_eq!(contains(hay, needle), hay.contains(needle));
        }
        for p in policy::Policy::presets() {
            let reply = Reply::err("TRYAGAIN Multiple keys request during rehashing of slot");
            assert_eq!(
                exhausted_text(&p, &reply),
                p.exhausted
                    .replace("{last}", &reply.error_text().unwrap_or_default())
            );
        }
    }

    /// The golden layout with slot 4449 ({mig1}) mid-migration 7000 -> 7001, {mig1}k1
    /// moved and {mig1}k3 still on 7000.
    fn migrating() -> Cluster {
        let mut c = crate::layout::golden();
        let a = c.connect(0);
        let b = c.connect(1);
        for k in ["{mig1}k1", "{mig1}k3"] {
            c.execute(a, &split(&format!("SET {k} v")));
        }
        let id0 = c.nodes[0].id.clone();
        let id1 = c.nodes[1].id.clone();
        c.execute(b, &split(&format!("CLUSTER SETSLOT 4449 IMPORTING {id0}")));
        c.execute(a, &split(&format!("CLUSTER SETSLOT 4449 MIGRATING {id1}")));
        let mut mig = split("MIGRATE 127.0.0.1 7001 x 0 5000 KEYS {mig1}k1");
        mig[3] = Vec::new();
        assert_eq!(c.execute(a, &mig), Reply::ok());
        c
    }

    fn sends(hops: &[Hop]) -> Vec<String> {
        hops.iter()
            .filter(|h| h.kind != HopKind::Wait)
            .map(|h| {
                format!(
                    "{} {}",
                    7000 + h.node.unwrap(),
                    crate::argv::display(&h.argv)
                )
            })
            .collect()
    }

    fn stale_client(p: Policy, c: &Cluster) -> Client {
        Client::new("c", p, c, 1, |_| Some(0))
    }

    #[test]
    fn jedis_refreshes_from_the_moved_sender_then_retries() {
        let mut c = crate::layout::golden();
        let mut cl = stale_client(policy::jedis(), &c);
        let (hops, out) = cl.run(&mut c, split("GET foo"), &split("foo"));
        assert_eq!(
            sends(&hops),
            ["7000 GET foo", "7000 CLUSTER SLOTS", "7002 GET foo"]
        );
        assert_eq!(out, Outcome::Reply(Reply::Nil));
        assert_eq!(
            cl.cached_owner(5461),
            Some(1),
            "the whole map was refreshed"
        );
    }

    #[test]
    fn go_redis_retries_first_and_reloads_in_the_background() {
        let mut c = crate::layout::golden();
        let mut cl = stale_client(policy::go_redis(), &c);
        let (hops, _) = cl.run(&mut c, split("GET foo"), &split("foo"));
        assert_eq!(sends(&hops)[..2], ["7000 GET foo", "7002 GET foo"]);
        assert!(hops[2].background && hops[2].kind == HopKind::Refresh);
    }

    #[test]
    fn every_library_follows_ask_without_touching_the_map() {
        for p in [
            policy::redis_py(),
            policy::jedis(),
            policy::go_redis(),
            policy::ioredis(),
            policy::redis_rs(),
            policy::lettuce(),
        ] {
            let mut c = migrating();
            let mut cl = Client::new("c", p.clone(), &c, 1, |s| c.serving_owner(s));
            let (hops, out) = cl.run(&mut c, split("GET {mig1}k1"), &split("{mig1}k1"));
            let s = sends(&hops);
            assert_eq!(
                s[..3],
                ["7000 GET {mig1}k1", "7001 ASKING", "7001 GET {mig1}k1"],
                "{}",
                p.id
            );
            assert_eq!(out, Outcome::Reply(Reply::bulk("v")), "{}", p.id);
            assert_eq!(cl.cached_owner(4449), Some(0), "{}", p.id);
        }
    }

    #[test]
    fn forgetting_asking_ping_pongs_until_the_budget_ends() {
        let mut c = migrating();
        let mut cl = Client::new("c", policy::forgets_asking(), &c, 1, |s| c.serving_owner(s));
        let (hops, out) = cl.run(&mut c, split("GET {mig1}k1"), &split("{mig1}k1"));
        assert_eq!(
            hops.iter().filter(|h| h.kind == HopKind::Command).count(),
            16
        );
        assert!(sends(&hops)[1].starts_with("7001 GET"));
        assert_eq!(out, Outcome::Error("gave up after 16 sends".into()));
    }

    #[test]
    fn tryagain_to_caller_or_retried() {
        let mut c = migrating();
        let keys = split("{mig1}k1 {mig1}k3");
        let argv = split("MGET {mig1}k1 {mig1}k3");
        let mut jedis = Client::new("c", policy::jedis(), &c, 1, |s| c.serving_owner(s));
        let (hops, out) = jedis.run(&mut c, argv.clone(), &keys);
        assert_eq!(hops.len(), 1);
        assert_eq!(
            out,
            Outcome::Error(
                "(error) TRYAGAIN Multiple keys request during rehashing of slot".into()
            )
        );
        let mut go = Client::new("c", policy::go_redis(), &c, 1, |s| c.serving_owner(s));
        let (hops, _) = go.run(&mut c, argv, &keys);
        assert_eq!(
            hops.iter().filter(|h| h.kind == HopKind::Command).count(),
            4
        );
        assert!(hops.iter().any(|h| h.kind == HopKind::Wait));
    }

    #[test]
    fn no_cache_starts_at_the_first_node_every_time() {
        let mut c = crate::layout::golden();
        let mut cl = Client::new("c", policy::no_cache(), &c, 1, |s| c.serving_owner(s));
        for _ in 0..2 {
            let (hops, _) = cl.run(&mut c, split("GET foo"), &split("foo"));
            assert_eq!(sends(&hops), ["7000 GET foo", "7002 GET foo"]);
        }
        assert_eq!(cl.counters.moved, 2);
        assert_eq!(cl.counters.requests, 2);
        // It shows no map, and says it starts at its first node whatever the slot.
        assert!(cl.map_ranges().is_empty());
        assert_eq!(cl.first_pick(Some(12182)), Some(0));
        assert_eq!(cl.first_pick(Some(0)), Some(0));
    }

    #[test]
    #[cfg(feature = "all-commands")] // CLUSTER DELSLOTS
    fn ioredis_keeps_slots_a_refresh_does_not_list() {
        let before = crate::layout::golden();
        let mut c = before.clone();
        let n2 = c.connect(2);
        assert_eq!(c.execute(n2, &split("CLUSTER DELSLOTS 12182")), Reply::ok());
        let mut io = Client::new("c", policy::ioredis(), &c, 1, |s| before.serving_owner(s));
        io.refresh_from(&mut c, 2);
        assert_eq!(io.cached_owner(12182), Some(2), "ioredis keeps it");
        let mut rs = Client::new("c", policy::redis_rs(), &c, 1, |s| before.serving_owner(s));
        rs.refresh_from(&mut c, 2);
        assert_eq!(rs.cached_owner(12182), None, "redis-rs forgets it");
    }

    #[test]
    fn ioredis_gives_up_with_the_last_error_without_handling_it() {
        let keys = split("{mig1}k1 {mig1}k3");
        let argv = split("MGET {mig1}k1 {mig1}k3");
        // Random retries always at the source: 17 TRYAGAIN.
        let mut c = migrating();
        let mut cl = Client::new("c", policy::ioredis(), &c, 1, |s| c.serving_owner(s));
        cl.scripted_picks = std::iter::repeat_n(0, 20).collect();
        let (hops, out) = cl.run(&mut c, argv.clone(), &keys);
        assert_eq!(
            hops.iter().filter(|h| h.kind == HopKind::Command).count(),
            17
        );
        assert_eq!(
            out,
            Outcome::Error(
                "Error: Too many Cluster redirections. Last error: ReplyError: TRYAGAIN Multiple keys request during rehashing of slot".into()
            )
        );
        // Random retries at the third node, which answers MOVED: the 17th reply is a MOVED
        // that is neither followed nor answered with a refresh.
        let mut c = migrating();
        let mut cl = Client::new("c", policy::ioredis(), &c, 1, |s| c.serving_owner(s));
        cl.scripted_picks = std::iter::once(0)
            .chain(std::iter::repeat_n(2, 20))
            .collect();
        let (hops, out) = cl.run(&mut c, argv, &keys);
        let last = hops.last().unwrap();
        assert_eq!((last.kind, last.node), (HopKind::Command, Some(2)));
        assert_eq!(
            out,
            Outcome::Error(
                "Error: Too many Cluster redirections. Last error: ReplyError: MOVED 4449 127.0.0.1:7000".into()
            )
        );
    }

    #[test]
    fn lettuce_reads_cluster_nodes() {
        let mut c = crate::layout::golden();
        let mut cl = stale_client(policy::lettuce(), &c);
        let (hops, _) = cl.run(&mut c, split("GET foo"), &split("foo"));
        assert!(sends(&hops).iter().any(|s| s.ends_with("CLUSTER NODES")));
        assert_eq!(
            cl.cached_owner(12182),
            Some(2),
            "the background refresh fixed the map"
        );
    }
}
