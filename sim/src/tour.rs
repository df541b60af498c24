//! Guided tours: short scripts that play the simulation step by step, each step with
//! a caption about what it just did and, at chosen steps, a question to answer before
//! the step plays ("what will the node answer?").
//!
//! The scripts are here; their words (captions and questions) are in [`WORDS`], which
//! only the tools module holds: the page asks it for them when a person first starts a
//! tour, so readers who never take one do not download them. A step's right answer is
//! never stored: it is the reply the simulation gives when the step plays. This
//! module's tests play every tour and compare each step's real events with the ones its
//! caption describes.
//!
//! A [`Guide`] walks a tour over a [`World`]: going back, forward or resuming after
//! free play restores a step's state from the timeline (seeking when the world still
//! holds the tour's steps, replaying them otherwise).

use crate::keyslot::key_slot;
use crate::timeline::{Op, Origin};
use crate::world::{Action, EntryKind, LogEntry, ReplyKind, Request, Scenario, World};

/// What a step does to the world. Keys and policies are indexes in [`KEYS`] and
/// [`POLICIES`] (a small table: two bytes a step).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Do {
    /// The active client starts GET key and plays its first hop.
    Get(u8),
    /// SET key, first hop (the value is [`VALUE`]).
    Set(u8),
    /// MGET of two keys, first hop.
    Mget(u8, u8),
    /// One more hop of the request in flight.
    Hop,
    /// Every remaining hop of the request in flight.
    Finish,
    /// The operator moves every key left in this key's slot to the migration's target.
    MoveKeys(u8),
    /// The operator ends the migration of this key's slot (SETSLOT NODE).
    Hand(u8),
    /// The active client fetches the whole map (CLUSTER SLOTS).
    Refresh,
    /// A client with this policy joins.
    Add(u8),
    /// Client `n` (from 0) becomes the one that sends.
    Use(u8),
}

/// The keys the tours use.
pub const KEYS: [&str; 8] = [
    "user:100",
    "user:101",
    "greeting",
    "{user:7}:cart",
    "{user:7}:profile",
    "{user:7}:orders",
    "{user:7}:coupon",
    "user:7",
];
const U100: u8 = 0;
const U101: u8 = 1;
const GREETING: u8 = 2;
const CART: u8 = 3;
const PROFILE: u8 = 4;
const ORDERS: u8 = 5;
const COUPON: u8 = 6;
#[cfg(test)]
const TAG7: u8 = 7;

/// The value [`Do::Set`] writes.
pub const VALUE: &str = "SAVE10";

/// The policies of the clients the tours add.
pub const POLICIES: [&str; 3] = ["jedis", "lettuce", "no-cache"];
const JEDIS: u8 = 0;
const LETTUCE: u8 = 1;
const NO_CACHE: u8 = 2;

fn key(k: u8) -> &'static str {
    KEYS[k as usize % KEYS.len()]
}

/// A step's events, as its caption states them (checked by the tests only).
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
enum Check {
    /// The step's client hops, in order: node, command's first word(s), answer.
    Hops(&'static [(u16, &'static str, Answer)]),
    /// A hop of this step patched the client's map entry of this slot.
    Patched(u16),
    /// No hop of this step patched the map.
    Kept,
    /// The request ended in this step, its result note containing this text.
    Done(&'static str),
    /// A request is still in flight after the step.
    Busy,
    /// The active client's map matches the cluster (or not).
    Fresh(bool),
    /// This key hashes to this slot.
    Slot(u8, u16),
    /// A cluster has this many slots.
    Slots(usize),
    /// This node serves the key's slot.
    Owner(u8, u16),
    /// Client `n`'s map sends the key to this node.
    Picks(usize, u8, u16),
    /// The key's slot migrates from the first node to the second.
    Migrating(u8, u16, u16),
    /// This node holds the key (or not).
    Holds(u16, u8, bool),
    /// The operator's commands of this step start with these words, in order.
    Admin(&'static [&'static str]),
    /// Client `n`'s counters: hops, MOVED, full refreshes.
    Counts(usize, u64, u64, u64),
}

/// One step: what it does, its caption, and the question asked before it plays.
#[derive(Debug)]
pub struct Step {
    /// What the step does (nothing for the opening step).
    pub run: &'static [Do],
    /// A question is asked before the step plays; its answer is the first reply the
    /// step gets.
    pub ask: bool,
    #[cfg(test)]
    expect: &'static [Check],
}

/// A tour: where it starts and its steps (the first one only sets the scene).
#[derive(Debug)]
pub struct Tour {
    /// Title for the list of tours.
    pub title: &'static str,
    /// The preset it starts from.
    pub scenario: Scenario,
    /// The preset's key.
    pub key: &'static str,
    /// The first client's policy.
    pub policy: &'static str,
    /// The steps.
    pub steps: &'static [Step],
}

/// A kind of reply a person can predict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The node serves the command.
    Served,
    /// `-MOVED`
    Moved,
    /// `-ASK`
    Ask,
    /// `-TRYAGAIN`
    TryAgain,
    /// `-CROSSSLOT`
    CrossSlot,
}

impl Answer {
    /// The choices offered, in order.
    pub const ALL: [Answer; 5] = [
        Answer::Served,
        Answer::Moved,
        Answer::Ask,
        Answer::TryAgain,
        Answer::CrossSlot,
    ];

    /// Its name on a button.
    pub fn label(self) -> &'static str {
        match self {
            Answer::Served => "Served",
            Answer::Moved => "MOVED",
            Answer::Ask => "ASK",
            Answer::TryAgain => "TRYAGAIN",
            Answer::CrossSlot => "CROSSSLOT",
        }
    }

    /// The kind of a logged reply (None for other errors and notes).
    pub fn of(e: &LogEntry) -> Option<Answer> {
        match e.reply_kind {
            ReplyKind::Served => Some(Answer::Served),
            ReplyKind::Moved => Some(Answer::Moved),
            ReplyKind::Ask => Some(Answer::Ask),
            ReplyKind::TryAgain => Some(Answer::TryAgain),
            ReplyKind::Error if e.reply.starts_with("-CROSSSLOT") => Some(Answer::CrossSlot),
            _ => None,
        }
    }
}

/// Walks one tour over a world. The whole tour is played once when it starts, so the
/// world's timeline holds every step; each step's place on the timeline and in the log
/// is remembered, and showing a step seeks there.
#[derive(Clone, Debug)]
pub struct Guide {
    /// Index of the tour in [`TOURS`].
    pub tour: usize,
    /// The step shown (0 sets the scene).
    pub at: usize,
    /// The tour's operations: the whole timeline it played.
    ops: Vec<Op>,
    /// After step i: (timeline position, log length counting dropped lines).
    marks: Vec<(usize, usize)>,
}

fn log_end(w: &World) -> usize {
    w.dropped_entries() + w.log().len()
}

impl Guide {
    /// Starts tour `tour` (an index in [`TOURS`]) on a fresh world, at its first step;
    /// None if there is no such tour or the world refuses one of its steps.
    pub fn start(tour: usize, world: &mut World) -> Option<Guide> {
        TOURS.get(tour)?;
        let mut g = Guide {
            tour,
            at: 0,
            ops: Vec::new(),
            marks: Vec::new(),
        };
        g.go(world, 0).ok()?;
        Some(g)
    }

    /// Plays the whole tour on a fresh world.
    fn build(&mut self, world: &mut World) -> Result<(), String> {
        let t = self.tour();
        *world = World::with_policy(t.scenario, t.key, t.policy)?;
        self.marks = vec![(0, log_end(world))];
        for s in &t.steps[1..] {
            for d in s.run {
                play(world, *d)?;
            }
            self.marks.push((world.position(), log_end(world)));
        }
        self.ops = world.ops().to_vec();
        Ok(())
    }

    /// The tour.
    pub fn tour(&self) -> &'static Tour {
        &TOURS[self.tour]
    }

    /// The step shown.
    pub fn step(&self) -> &'static Step {
        &self.tour().steps[self.at]
    }

    /// True when a question is asked before the next step plays.
    pub fn asks(&self) -> bool {
        self.tour().steps.get(self.at + 1).is_some_and(|s| s.ask)
    }

    /// True when the world's timeline is the tour's.
    fn intact(&self, w: &World) -> bool {
        let t = self.tour();
        *w.origin() == Origin::Preset(t.scenario, t.key.into(), t.policy.into())
            && w.ops() == self.ops
    }

    /// True when the world shows the step the guide is at.
    pub fn on_track(&self, w: &World) -> bool {
        self.intact(w) && self.marks.get(self.at).is_some_and(|m| m.0 == w.position())
    }

    /// Shows step `n` (clamped to the tour) by seeking the timeline there; when the
    /// world no longer holds the tour (free play changed it), plays the tour again
    /// first. A refusal by the world is returned.
    pub fn go(&mut self, world: &mut World, n: usize) -> Result<(), String> {
        if !self.intact(world) || self.marks.is_empty() {
            self.build(world)?;
        }
        self.at = n.min(self.marks.len() - 1);
        world.seek(self.marks[self.at].0);
        Ok(())
    }

    /// The log lines the shown step added (empty for the opening step, or when the
    /// world is elsewhere).
    pub fn entries<'a>(&self, w: &'a World) -> &'a [LogEntry] {
        if self.at == 0 || !self.on_track(w) {
            return &[];
        }
        let base = w.dropped_entries();
        let a = self.marks[self.at - 1].1.saturating_sub(base);
        let b = self.marks[self.at].1.saturating_sub(base);
        w.log().get(a..b).unwrap_or(&[])
    }

    /// The first reply the shown step got: the answer to its question.
    pub fn reply<'a>(&self, w: &'a World) -> Option<&'a LogEntry> {
        self.entries(w).iter().find(|e| e.kind == EntryKind::Hop)
    }

    /// The request the shown step (or the last one before it) sent, for the form.
    pub fn request(&self) -> Request {
        let t = self.tour();
        for s in t.steps[..=self.at].iter().rev() {
            for d in s.run.iter().rev() {
                if let Some(r) = request(*d) {
                    return r;
                }
            }
        }
        Request::Get(t.key.into())
    }
}

/// The request a step sends, if it sends one.
fn request(d: Do) -> Option<Request> {
    Some(match d {
        Do::Get(k) => Request::Get(key(k).into()),
        Do::Set(k) => Request::Set(key(k).into(), VALUE.into()),
        Do::Mget(a, b) => Request::Mget(vec![key(a).into(), key(b).into()]),
        _ => return None,
    })
}

fn play(w: &mut World, d: Do) -> Result<(), String> {
    if let Some(r) = request(d) {
        w.send(r)?;
        w.step();
        return Ok(());
    }
    let slot = |k: u8| key_slot(key(k).as_bytes());
    match d {
        Do::MoveKeys(k) => w.act(Action::MoveAllKeys { slot: slot(k) }),
        Do::Hand(k) => w.act(Action::FinishMigration { slot: slot(k) }),
        Do::Refresh => w.act(Action::RefreshMap),
        Do::Add(p) => w
            .add_client(POLICIES[p as usize % POLICIES.len()])
            .map(|_| ()),
        Do::Use(i) => w.select_client(i.into()),
        Do::Finish => {
            w.finish();
            Ok(())
        }
        _ => {
            w.step();
            Ok(())
        }
    }
}

/// A step; the events its caption states are kept for the tests only.
macro_rules! step {
    ($run:expr, $ask:expr, $expect:expr) => {
        Step {
            run: $run,
            ask: $ask,
            #[cfg(test)]
            expect: $expect,
        }
    };
}

/// The tours' words: a line `# title` starts a tour, a line `? question` is the
/// question of the caption on the next line, and every other non-empty line is the
/// caption of the tour's next step.
pub const WORDS: &str = include_str!("tour_words.txt");

/// The question (empty when none is asked) and the caption of step `step` of tour
/// `tour`, read from text in the form of [`WORDS`] (empty when it has no such step).
pub fn word(words: &str, tour: usize, step: usize) -> (&str, &str) {
    let mut block = words.split("\n# ").skip(tour).take(1).flat_map(str::lines);
    let _title = block.next();
    let mut q = "";
    let mut n = 0;
    for line in block {
        if let Some(x) = line.strip_prefix("? ") {
            q = x;
        } else if !line.is_empty() {
            if n == step {
                return (q, line);
            }
            n += 1;
            q = "";
        }
    }
    ("", "")
}

#[cfg(test)]
use Answer::*;
#[cfg(test)]
use Check::*;

/// Every tour, in the order the list shows them.
pub static TOURS: [Tour; 4] = [
    Tour {
        title: "MOVED and the slot cache",
        scenario: Scenario::Moved,
        key: "user:100",
        policy: "redis-py",
        steps: &[
            step!(
                &[],
                false,
                &[
                    Fresh(false),
                    Slot(U100, 9308),
                    Picks(0, U100, 0),
                    Owner(U100, 1)
                ]
            ),
            step!(
                &[Do::Get(U100)],
                true,
                &[Hops(&[(0, "GET", Moved)]), Patched(9308), Busy]
            ),
            step!(
                &[Do::Hop],
                true,
                &[Hops(&[(1, "GET", Served)]), Done("Ada")]
            ),
            step!(
                &[Do::Get(U100)],
                true,
                &[Hops(&[(1, "GET", Served)]), Done("Ada")]
            ),
            step!(
                &[Do::Get(U101)],
                true,
                &[
                    Hops(&[(0, "GET", Moved)]),
                    Patched(13437),
                    Slot(U100, 9308),
                    Slot(U101, 13437),
                    Owner(U101, 1)
                ]
            ),
            step!(
                &[Do::Finish],
                false,
                &[Hops(&[(1, "GET", Served)]), Done("Grace")]
            ),
            step!(
                &[Do::Refresh],
                false,
                &[Hops(&[(0, "CLUSTER SLOTS", Served)]), Fresh(true)]
            ),
            step!(
                &[Do::Get(GREETING)],
                true,
                &[Hops(&[(1, "GET", Served)]), Done("hello")]
            ),
        ],
    },
    Tour {
        title: "ASK and resharding",
        scenario: Scenario::Ask,
        key: "{user:7}:cart",
        policy: "redis-py",
        steps: &[
            step!(
                &[],
                false,
                &[
                    Slot(CART, 2780),
                    Slot(PROFILE, 2780),
                    Migrating(CART, 0, 1),
                    Owner(CART, 0),
                    Holds(1, CART, true),
                    Holds(0, CART, false),
                    Holds(0, PROFILE, true),
                    Fresh(true)
                ]
            ),
            step!(
                &[Do::Get(PROFILE)],
                true,
                &[Hops(&[(0, "GET", Served)]), Done("Ada Lovelace")]
            ),
            step!(
                &[Do::Get(CART)],
                true,
                &[Hops(&[(0, "GET", Ask)]), Kept, Busy]
            ),
            step!(&[Do::Hop], false, &[Hops(&[(1, "ASKING", Served)]), Busy]),
            step!(
                &[Do::Hop],
                true,
                &[Hops(&[(1, "GET", Served)]), Done("3 items"), Kept]
            ),
            step!(
                &[Do::Get(CART)],
                true,
                &[Hops(&[(0, "GET", Ask)]), Kept, Picks(0, CART, 0)]
            ),
            step!(
                &[Do::Finish],
                false,
                &[
                    Hops(&[(1, "ASKING", Served), (1, "GET", Served)]),
                    Done("3 items"),
                    Kept
                ]
            ),
            step!(
                &[Do::Set(COUPON)],
                true,
                &[
                    Hops(&[(0, "SET", Ask)]),
                    Holds(0, COUPON, false),
                    Holds(1, COUPON, false)
                ]
            ),
            step!(
                &[Do::Finish],
                false,
                &[
                    Hops(&[(1, "ASKING", Served), (1, "SET", Served)]),
                    Done("OK"),
                    Holds(1, COUPON, true),
                    Holds(0, COUPON, false)
                ]
            ),
            step!(
                &[Do::MoveKeys(CART)],
                false,
                &[
                    Admin(&["CLUSTER GETKEYSINSLOT", "MIGRATE"]),
                    Holds(0, PROFILE, false),
                    Holds(1, PROFILE, true)
                ]
            ),
            step!(
                &[Do::Hand(CART)],
                false,
                &[
                    Admin(&[
                        "CLUSTER COUNTKEYSINSLOT",
                        "CLUSTER SETSLOT 2780 NODE",
                        "CLUSTER SETSLOT 2780 NODE"
                    ]),
                    Owner(CART, 1),
                    Picks(0, CART, 0)
                ]
            ),
            step!(
                &[Do::Get(CART)],
                true,
                &[Hops(&[(0, "GET", Moved)]), Patched(2780)]
            ),
            step!(
                &[Do::Finish],
                false,
                &[
                    Hops(&[(1, "GET", Served)]),
                    Done("3 items"),
                    Picks(0, CART, 1)
                ]
            ),
        ],
    },
    Tour {
        title: "Hash tags, CROSSSLOT and TRYAGAIN",
        scenario: Scenario::Ask,
        key: "{user:7}:cart",
        policy: "go-redis",
        steps: &[
            step!(
                &[],
                false,
                &[
                    Slots(16384),
                    Slot(CART, 2780),
                    Slot(PROFILE, 2780),
                    Slot(ORDERS, 2780),
                    Slot(TAG7, 2780)
                ]
            ),
            step!(
                &[Do::Mget(U100, U101)],
                true,
                &[
                    Slot(U100, 9308),
                    Slot(U101, 13437),
                    Hops(&[(1, "MGET", CrossSlot)]),
                    Done("CROSSSLOT")
                ]
            ),
            step!(
                &[Do::Mget(PROFILE, ORDERS)],
                true,
                &[
                    Hops(&[(0, "MGET", TryAgain)]),
                    Holds(0, PROFILE, true),
                    Holds(0, ORDERS, false),
                    Busy
                ]
            ),
            step!(
                &[Do::Finish],
                false,
                &[
                    Hops(&[
                        (0, "MGET", TryAgain),
                        (0, "MGET", TryAgain),
                        (0, "MGET", TryAgain)
                    ]),
                    Done("TRYAGAIN")
                ]
            ),
            step!(
                &[Do::MoveKeys(CART)],
                false,
                &[
                    Admin(&["CLUSTER GETKEYSINSLOT", "MIGRATE"]),
                    Holds(1, PROFILE, true),
                    Holds(0, PROFILE, false)
                ]
            ),
            step!(
                &[Do::Mget(PROFILE, ORDERS)],
                true,
                &[Hops(&[(0, "MGET", Ask)])]
            ),
            step!(
                &[Do::Finish],
                false,
                &[
                    Hops(&[
                        (1, "ASKING", Served),
                        (1, "MGET", Served),
                        (0, "CLUSTER SLOTS", Served)
                    ]),
                    Done("Ada Lovelace")
                ]
            ),
        ],
    },
    Tour {
        title: "Client policies compared",
        scenario: Scenario::Ask,
        key: "{user:7}:cart",
        policy: "redis-py",
        steps: &[
            step!(
                &[],
                false,
                &[Migrating(CART, 0, 1), Fresh(true), Slot(CART, 2780)]
            ),
            step!(
                &[Do::Add(JEDIS), Do::Add(LETTUCE), Do::Add(NO_CACHE)],
                false,
                &[Picks(1, CART, 0), Picks(2, CART, 0), Counts(3, 0, 0, 0)]
            ),
            step!(
                &[Do::MoveKeys(CART), Do::Hand(CART)],
                false,
                &[
                    Owner(CART, 1),
                    Picks(0, CART, 0),
                    Picks(1, CART, 0),
                    Picks(2, CART, 0)
                ]
            ),
            step!(
                &[Do::Get(CART), Do::Finish],
                true,
                &[
                    Hops(&[(0, "GET", Moved), (1, "GET", Served)]),
                    Patched(2780),
                    Counts(0, 2, 1, 0)
                ]
            ),
            step!(
                &[Do::Use(1), Do::Get(CART), Do::Finish],
                true,
                &[
                    Hops(&[
                        (0, "GET", Moved),
                        (0, "CLUSTER SLOTS", Served),
                        (1, "GET", Served)
                    ]),
                    Counts(1, 3, 1, 1)
                ]
            ),
            step!(
                &[Do::Use(2), Do::Get(CART), Do::Finish],
                true,
                &[
                    Hops(&[
                        (0, "GET", Moved),
                        (1, "GET", Served),
                        (0, "CLUSTER NODES", Served)
                    ]),
                    Counts(2, 3, 1, 1)
                ]
            ),
            step!(
                &[Do::Use(3), Do::Get(CART), Do::Finish],
                true,
                &[
                    Hops(&[(0, "GET", Moved), (1, "GET", Served)]),
                    Kept,
                    Counts(3, 2, 1, 0)
                ]
            ),
            step!(
                &[
                    Do::Use(0),
                    Do::Get(CART),
                    Do::Finish,
                    Do::Use(1),
                    Do::Get(CART),
                    Do::Finish,
                    Do::Use(2),
                    Do::Get(CART),
                    Do::Finish,
                    Do::Use(3),
                    Do::Get(CART),
                    Do::Finish
                ],
                false,
                &[
                    Hops(&[
                        (1, "GET", Served),
                        (1, "GET", Served),
                        (1, "GET", Served),
                        (0, "GET", Moved),
                        (1, "GET", Served)
                    ]),
                    Counts(0, 3, 1, 0),
                    Counts(1, 4, 1, 1),
                    Counts(2, 4, 1, 1),
                    Counts(3, 4, 2, 0)
                ]
            ),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks one event of the step just played (`log`: the lines it added).
    fn check(w: &World, log: &[LogEntry], c: Check) -> Result<(), String> {
        let view = |client: usize| {
            let mut copy = w.clone();
            if client != w.active_client() {
                copy.select_client(client)?;
            }
            Ok::<World, String>(copy)
        };
        let ok = match c {
            Hops(want) => {
                let got: Vec<(u16, String, Option<Answer>)> = log
                    .iter()
                    .filter(|e| e.kind == EntryKind::Hop)
                    .map(|e| (e.node.unwrap_or(99), e.command.clone(), Answer::of(e)))
                    .collect();
                let same = got.len() == want.len()
                    && got
                        .iter()
                        .zip(want)
                        .all(|(g, w)| g.0 == w.0 && g.1.starts_with(w.1) && g.2 == Some(w.2));
                if !same {
                    return Err(format!("hops {got:?}, caption says {want:?}"));
                }
                true
            }
            Patched(s) => log.iter().any(|e| e.map_changed == Some(s)),
            Kept => log.iter().all(|e| e.map_changed.is_none()),
            Done(text) => log.iter().any(|e| {
                e.kind == EntryKind::Note
                    && e.why.contains(text)
                    && e.why.contains("(the command was sent")
            }),
            Busy => w.busy(),
            Fresh(f) => w.map_up_to_date() == f,
            Slot(k, s) => key_slot(key(k).as_bytes()) == s,
            Slots(n) => crate::keyslot::SLOTS == n,
            Owner(k, n) => w.key_view(key(k)).owner == Some(n),
            Picks(i, k, n) => view(i)?.key_view(key(k)).client_pick == Some(n),
            Migrating(k, a, b) => w.key_view(key(k)).migration == Some((a, b)),
            Holds(n, k, yes) => {
                w.nodes()[n as usize]
                    .keys
                    .iter()
                    .any(|(x, _, _)| x == key(k))
                    == yes
            }
            Admin(want) => {
                let got: Vec<&str> = log
                    .iter()
                    .filter(|e| e.kind == EntryKind::Admin)
                    .map(|e| e.command.as_str())
                    .collect();
                got.len() == want.len() && got.iter().zip(want).all(|(g, w)| g.starts_with(w))
            }
            Counts(i, hops, moved, refreshes) => {
                let c = &w.clients()[i].counters;
                (c.hops, c.moved, c.refreshes) == (hops, moved, refreshes)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{c:?} is not what happened"))
        }
    }

    /// Tour `t`'s words, checked against its script: its title, one caption per step,
    /// a question exactly where the script asks one.
    fn words_of(t: usize) -> Vec<(&'static str, &'static str)> {
        let tour = &TOURS[t];
        let title = WORDS.split("\n# ").nth(t).and_then(|b| b.lines().next());
        assert_eq!(title.map(|l| l.trim_start_matches("# ")), Some(tour.title));
        let words: Vec<_> = (0..=tour.steps.len()).map(|i| word(WORDS, t, i)).collect();
        assert_eq!(
            words[tour.steps.len()],
            ("", ""),
            "{}: one caption per step",
            tour.title
        );
        for (i, (q, text)) in words[..tour.steps.len()].iter().enumerate() {
            assert!(!text.is_empty(), "{}, step {i} has a caption", tour.title);
            assert_eq!(
                !q.is_empty(),
                tour.steps[i].ask,
                "{}, step {i}: {text}",
                tour.title
            );
        }
        words
    }

    /// Plays `tour` from the start with Next only, checking every caption.
    fn play_through(t: usize) -> (World, Guide) {
        let words = words_of(t);
        let mut w = World::new(Scenario::Moved, "");
        let mut g = Guide::start(t, &mut w).unwrap();
        let tour = g.tour();
        for (i, &(_, text)) in words.iter().enumerate().take(tour.steps.len()) {
            if i > 0 {
                g.go(&mut w, i)
                    .unwrap_or_else(|e| panic!("{}, step {i}: {e}", tour.title));
            }
            assert_eq!(g.at, i);
            assert!(g.on_track(&w));
            let step = &tour.steps[i];
            let log = g.entries(&w);
            for &c in step.expect {
                if let Err(e) = check(&w, log, c) {
                    panic!("{}, step {i} ({text}): {e}\nlog: {log:#?}", tour.title);
                }
            }
            // A question's answer is the first reply the step gets, and it is one of
            // the choices offered.
            // the choices offered, and the caption starts by naming it.
            if step.ask {
                let first = g
                    .reply(&w)
                    .unwrap_or_else(|| panic!("{}, step {i}: no reply to reveal", tour.title));
                let Some(a) = Answer::of(first) else {
                    panic!("{}, step {i}: {first:?} is not a choice", tour.title)
                };
                assert!(
                    text.starts_with(a.label()),
                    "{}, step {i}: {a:?} but {text}",
                    tour.title
                );
            }
            // Every number of three digits or more in the caption (slots, keys' values)
            // is one this step's checks or log lines contain.
            let facts = format!("{:?} {log:?} {KEYS:?}", step.expect);
            for n in text
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| n.len() >= 3)
            {
                assert!(
                    facts.contains(n),
                    "{}, step {i}: {n} in \"{text}\" is not checked",
                    tour.title
                );
            }
        }
        (w, g)
    }

    #[test]
    fn every_caption_states_what_the_simulation_did() {
        for t in 0..TOURS.len() {
            let (_, g) = play_through(t);
            assert!(g.tour().steps.len() >= 6);
            assert!(g.tour().steps[0].run.is_empty() && !g.tour().steps[0].ask);
            assert!(g.tour().steps.iter().filter(|s| s.ask).count() >= 2);
        }
    }

    #[test]
    fn the_tours_cover_every_predicted_reply() {
        let mut seen = Vec::new();
        for t in 0..TOURS.len() {
            let mut w = World::new(Scenario::Moved, "");
            let mut g = Guide::start(t, &mut w).unwrap();
            for i in 1..g.tour().steps.len() {
                g.go(&mut w, i).unwrap();
                if g.step().ask {
                    seen.extend(g.reply(&w).and_then(Answer::of));
                }
            }
        }
        for a in Answer::ALL {
            assert!(seen.contains(&a), "no question is answered {a:?}");
        }
    }

    #[test]
    fn back_and_next_restore_each_step_without_new_branches() {
        for t in 0..TOURS.len() {
            let (mut w, mut g) = play_through(t);
            let last = g.at;
            let texts: Vec<String> = (0..=last)
                .map(|i| {
                    let mut copy = w.clone();
                    copy.seek(g.marks[i].0);
                    copy.log_text()
                })
                .collect();
            for i in (0..last).rev() {
                g.go(&mut w, i).unwrap();
                assert!(g.on_track(&w));
                assert_eq!(w.log_text(), texts[i]);
            }
            for (i, text) in texts.iter().enumerate().skip(1) {
                g.go(&mut w, i).unwrap();
                assert_eq!(&w.log_text(), text, "step {i} replayed the same");
            }
            assert!(!w.log_text().contains("New branch"));
        }
    }

    #[test]
    fn resume_after_free_play_restores_the_step() {
        let (mut w, mut g) = play_through(1);
        g.go(&mut w, 4).unwrap();
        let at_four = w.log_text();
        // Free play: the person sends something else from here (a new branch).
        w.send(Request::Get("greeting".into())).unwrap();
        w.finish();
        assert!(!g.on_track(&w));
        g.go(&mut w, 4).unwrap();
        assert!(g.on_track(&w));
        assert_eq!(w.log_text(), at_four);
        // The next step plays again from there and its caption still holds.
        g.go(&mut w, 5).unwrap();
        for &c in g.step().expect {
            check(&w, g.entries(&w), c).unwrap();
        }
        // Free play that went back before the tour's step, or reset the world.
        w.seek(0);
        w.act(Action::RefreshMap).unwrap();
        g.go(&mut w, 5).unwrap();
        assert!(g.on_track(&w));
        for &c in g.step().expect {
            check(&w, g.entries(&w), c).unwrap();
        }
        w = World::new(Scenario::Moved, "user:100");
        g.go(&mut w, 6).unwrap();
        assert!(g.on_track(&w));
        for &c in g.step().expect {
            check(&w, g.entries(&w), c).unwrap();
        }
    }

    #[test]
    fn the_form_shows_the_last_request_and_bad_tours_are_refused() {
        let mut w = World::new(Scenario::Moved, "");
        assert!(Guide::start(TOURS.len(), &mut w).is_none());
        let mut g = Guide::start(2, &mut w).unwrap();
        assert_eq!(g.request(), Request::Get("{user:7}:cart".into()));
        g.go(&mut w, 2).unwrap();
        assert_eq!(
            g.request(),
            Request::Mget(vec!["{user:7}:profile".into(), "{user:7}:orders".into()])
        );
        g.go(&mut w, 99).unwrap();
        assert_eq!(g.at, g.tour().steps.len() - 1);
        assert!(!g.asks());
    }
}
