//! Time travel: a [`World`] is its starting [`Sim`] plus the list of operations a
//! person performed. Every operation is one step of the timeline; Back, Forward and
//! seeking replay operations from the nearest checkpoint, so runs are deterministic
//! and history stays small. Acting after going back starts a new branch.

use std::ops::Deref;

use crate::import::Topology;
use crate::json::Json;
#[cfg(feature = "replay")]
use crate::transcript::Step;
use crate::world::{note, Action, EntryKind, LogEntry, Request, Scenario, Sim, LOG_LIMIT};

/// Name and version of the save-file format.
pub const SAVE_FORMAT: &str = "slotscope-save/1";

/// Where a world started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A preset, its key and the first client's policy id.
    Preset(Scenario, String, String),
    /// A pasted topology.
    Topology(Topology),
}

/// Operations are checkpointed every this many steps.
const CHECKPOINT_EVERY: usize = 100;

/// One step of the timeline: what a person did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Start a request.
    Send(Request),
    /// Play one hop.
    Step,
    /// An operator action.
    Act(Action),
    /// Add a client with a policy.
    AddClient(String),
    /// Change a client's policy.
    SetPolicy(usize, String),
    /// Choose the client that sends.
    SelectClient(usize),
    /// Load a (parsed) recording to replay.
    #[cfg(feature = "replay")]
    LoadRecording(Vec<Step>),
    /// Replay one recorded step.
    #[cfg(feature = "replay")]
    ReplayStep,
}

/// A simulation with its whole history.
#[derive(Clone, Debug)]
pub struct World {
    origin: Origin,
    sim: Sim,
    ops: Vec<Op>,
    pos: usize,
    checkpoints: Vec<Sim>,
    full_log: Vec<LogEntry>,
    /// `log_len[i]`: length of the full log after `i` operations.
    log_len: Vec<usize>,
}

impl Deref for World {
    type Target = Sim;
    fn deref(&self) -> &Sim {
        &self.sim
    }
}

fn apply(sim: &mut Sim, op: &Op) -> Result<bool, String> {
    match op {
        Op::Send(r) => sim.send(r.clone()).map(|_| true),
        Op::Step => Ok(sim.step()),
        Op::Act(a) => sim.act(a.clone()).map(|_| true),
        Op::AddClient(id) => sim.add_client(id).map(|_| true),
        Op::SetPolicy(i, id) => sim.set_policy(*i, id).map(|_| true),
        Op::SelectClient(i) => sim.select_client(*i).map(|_| true),
        #[cfg(feature = "replay")]
        Op::LoadRecording(steps) => sim.load_steps(steps.clone()).map(|_| true),
        #[cfg(feature = "replay")]
        Op::ReplayStep => Ok(sim.replay_step()),
    }
}

impl World {
    fn start(sim: Sim, origin: Origin) -> World {
        let full_log = sim.recent_log().to_vec();
        let n = full_log.len();
        World {
            origin,
            checkpoints: vec![sim.clone()],
            sim,
            ops: Vec::new(),
            pos: 0,
            full_log,
            log_len: vec![n],
        }
    }

    /// Builds a preset (see [`Sim::new`]).
    pub fn new(scenario: Scenario, key: &str) -> World {
        // A preset's client starts with redis-py.
        World::start(
            Sim::new(scenario, key),
            Origin::Preset(scenario, key.to_string(), "redis-py".into()),
        )
    }

    /// Builds a preset whose first client has policy `policy_id` from the start (not a
    /// step of the timeline). Unknown policies are refused.
    pub fn with_policy(scenario: Scenario, key: &str, policy_id: &str) -> Result<World, String> {
        World::preset(scenario, key, policy_id, 1)
    }

    /// [`World::with_policy`] with the clients' random choices seeded by `seed` (see
    /// [`Sim::set_seed`]; 1 is the default).
    pub fn preset(
        scenario: Scenario,
        key: &str,
        policy_id: &str,
        seed: u64,
    ) -> Result<World, String> {
        let mut sim = Sim::new(scenario, key);
        sim.set_policy(0, policy_id)?;
        sim.set_seed(seed);
        Ok(World::start(
            sim,
            Origin::Preset(scenario, key.to_string(), policy_id.to_string()),
        ))
    }

    /// Performs `ops` in order, as a person would have (a link or a save file). Stops
    /// at the first one that is refused or does nothing here, and says which (counted
    /// from 1) and why; the ones before it stay done.
    pub fn replay(&mut self, ops: Vec<Op>) -> Result<(), String> {
        for (i, op) in ops.into_iter().enumerate() {
            match self.perform(op) {
                Ok(true) => {}
                Ok(false) => return Err(format!("step {} does nothing here", i + 1)),
                Err(e) => return Err(format!("step {} cannot be replayed: {e}", i + 1)),
            }
        }
        Ok(())
    }

    /// A world on a parsed topology ([`crate::import::parse`]); refused with the reason
    /// when it cannot become a cluster.
    pub fn from_topology(topology: Topology) -> Result<World, String> {
        let imported = topology.build()?;
        Ok(World::start(
            Sim::from_import(imported),
            Origin::Topology(topology),
        ))
    }

    /// A world on pasted topology text; errors name the line and the reason.
    pub fn from_topology_text(text: &str) -> Result<World, String> {
        World::from_topology(crate::import::parse(text).map_err(|e| e.to_string())?)
    }

    /// Where this world started.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Performs `op` at the current moment. When the person had gone back, the old
    /// future is dropped first (and the log says so). Refused operations change
    /// nothing; operations that do nothing (a step while idle) are not recorded.
    fn perform(&mut self, op: Op) -> Result<bool, String> {
        // Sim's operations check everything before they change anything, so a refused
        // or idle operation leaves the state as it was: apply in place.
        let before = self.sim.pushed();
        let did = apply(&mut self.sim, &op)?;
        if !did {
            return Ok(false);
        }
        if self.pos < self.ops.len() {
            let dropped = self.ops.len() - self.pos;
            self.ops.truncate(self.pos);
            self.log_len.truncate(self.pos + 1);
            self.full_log.truncate(self.log_len[self.pos]);
            self.checkpoints.truncate(self.pos / CHECKPOINT_EVERY + 1);
            self.full_log.push(note(&format!(
                "New branch from step {}: the {dropped} later step(s) of the old timeline were dropped.",
                self.pos
            )));
        }
        let fresh = self.sim.pushed() - before;
        let recent = self.sim.recent_log();
        self.full_log
            .extend_from_slice(&recent[recent.len().saturating_sub(fresh)..]);
        self.ops.push(op);
        self.pos += 1;
        self.log_len.push(self.full_log.len());
        if self.pos.is_multiple_of(CHECKPOINT_EVERY) {
            self.checkpoints.push(self.sim.clone());
        }
        Ok(true)
    }

    /// Starts a request from the active client.
    pub fn send(&mut self, req: Request) -> Result<(), String> {
        self.perform(Op::Send(req)).map(|_| ())
    }

    /// Plays the next hop of the request in flight. False when idle.
    pub fn step(&mut self) -> bool {
        self.perform(Op::Step).unwrap_or(false)
    }

    /// Plays every remaining hop of the request in flight.
    pub fn finish(&mut self) {
        let mut guard = 0;
        while self.step() && guard < 5000 {
            guard += 1;
        }
    }

    /// Runs an operator action.
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        self.perform(Op::Act(action)).map(|_| ())
    }

    /// Adds a client; returns its index.
    pub fn add_client(&mut self, policy_id: &str) -> Result<usize, String> {
        self.perform(Op::AddClient(policy_id.to_string()))?;
        Ok(self.sim.clients().len() - 1)
    }

    /// Changes a client's policy (unknown ids refused, previous policy kept).
    pub fn set_policy(&mut self, i: usize, policy_id: &str) -> Result<(), String> {
        self.perform(Op::SetPolicy(i, policy_id.to_string()))
            .map(|_| ())
    }

    /// Chooses the client that sends.
    pub fn select_client(&mut self, i: usize) -> Result<(), String> {
        self.perform(Op::SelectClient(i)).map(|_| ())
    }

    /// Loads parsed recording steps to replay; returns their number.
    #[cfg(feature = "replay")]
    pub fn load_recording(&mut self, steps: Vec<Step>) -> Result<usize, String> {
        self.perform(Op::LoadRecording(steps))?;
        Ok(self.sim.recording_left())
    }

    /// Replays one recorded step. False when none is left.
    #[cfg(feature = "replay")]
    pub fn replay_step(&mut self) -> bool {
        self.perform(Op::ReplayStep).unwrap_or(false)
    }

    // ----- time travel -----

    /// Current step (operations performed up to this moment).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Steps recorded on this timeline.
    pub fn timeline_len(&self) -> usize {
        self.ops.len()
    }

    /// True when Back can go somewhere.
    pub fn can_back(&self) -> bool {
        self.pos > 0
    }

    /// True when Forward can go somewhere.
    pub fn can_forward(&self) -> bool {
        self.pos < self.ops.len()
    }

    /// Goes back one step. False at the start.
    pub fn back(&mut self) -> bool {
        if self.pos == 0 {
            return false;
        }
        self.seek(self.pos - 1);
        true
    }

    /// Goes forward one step along the recorded timeline. False at its end.
    pub fn forward(&mut self) -> bool {
        if self.pos >= self.ops.len() {
            return false;
        }
        let op = self.ops[self.pos].clone();
        let _ = apply(&mut self.sim, &op);
        self.pos += 1;
        true
    }

    /// Moves to step `target` (clamped to the timeline), replaying from the nearest
    /// checkpoint.
    pub fn seek(&mut self, target: usize) {
        let target = target.min(self.ops.len());
        if target == self.pos {
            return;
        }
        if target > self.pos && target - self.pos < CHECKPOINT_EVERY {
            while self.pos < target {
                self.forward();
            }
            return;
        }
        let cp = (target / CHECKPOINT_EVERY).min(self.checkpoints.len() - 1);
        let mut sim = self.checkpoints[cp].clone();
        for op in &self.ops[cp * CHECKPOINT_EVERY..target] {
            let _ = apply(&mut sim, op);
        }
        self.sim = sim;
        self.pos = target;
    }

    // ----- the log -----

    /// The log up to the current step (at most the last 1,000 lines), oldest first.
    pub fn log(&self) -> &[LogEntry] {
        let end = self.log_len[self.pos];
        &self.full_log[end.saturating_sub(LOG_LIMIT)..end]
    }

    /// Lines of the log before the ones [`World::log`] returns.
    pub fn dropped_entries(&self) -> usize {
        self.log_len[self.pos].saturating_sub(LOG_LIMIT)
    }

    /// The operations of this timeline, in order (for export).
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }
}

impl World {
    /// The whole session (cluster origin, clients, every step, the current position)
    /// as a JSON save file.
    pub fn export_json(&self) -> String {
        let origin = match &self.origin {
            Origin::Preset(sc, key, policy) => {
                let mut o = vec![
                    ("scenario".into(), Json::Str(sc.id().into())),
                    ("key".into(), Json::Str(key.clone())),
                    ("policy".into(), Json::Str(policy.clone())),
                ];
                let seed = self.checkpoints[0].seed();
                if seed != 1 {
                    // Text: a JSON number cannot hold every 64-bit seed exactly.
                    o.push(("seed".into(), Json::Str(seed.to_string())));
                }
                Json::Obj(o)
            }
            Origin::Topology(t) => Json::Obj(vec![(
                "topology".into(),
                crate::exchange::topology_to_json(t),
            )]),
        };
        Json::Obj(vec![
            ("format".into(), Json::Str(SAVE_FORMAT.into())),
            ("origin".into(), origin),
            ("position".into(), Json::Num(self.pos as f64)),
            (
                "ops".into(),
                Json::Arr(self.ops.iter().map(op_to_json).collect()),
            ),
        ])
        .to_text()
    }

    /// Rebuilds a session from [`World::export_json`]'s output. Refused (with the
    /// reason) when the file is not a save file or a step cannot be replayed.
    pub fn import_json(text: &str) -> Result<World, String> {
        World::import_save(&crate::json::parse(text)?)
    }

    /// [`World::import_json`] for a save file already parsed (whose other fields the
    /// caller reads too).
    pub fn import_save(v: &Json) -> Result<World, String> {
        if v.get("format").and_then(Json::as_str) != Some(SAVE_FORMAT) {
            return Err(format!(
                "not a slotscope save file (expected \"format\": \"{SAVE_FORMAT}\")"
            ));
        }
        let origin = v.get("origin").ok_or("the save file has no \"origin\"")?;
        let mut w = if let Some(t) = origin.get("topology") {
            let t = crate::exchange::topology_from_json(t)
                .map_err(|e| format!("the save file's topology: {e}"))?;
            World::from_topology(t)?
        } else {
            let id = origin.get("scenario").and_then(Json::as_str).unwrap_or("");
            let sc = Scenario::parse(id).ok_or_else(|| format!("unknown scenario \"{id}\""))?;
            let key = origin.get("key").and_then(Json::as_str).unwrap_or("");
            let policy = origin
                .get("policy")
                .and_then(Json::as_str)
                .unwrap_or("redis-py");
            let seed = match origin.get("seed") {
                None => 1,
                Some(s) => s
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("the save file's seed must be a whole number written as text")?,
            };
            World::preset(sc, key, policy, seed)?
        };
        let Some(Json::Arr(ops)) = v.get("ops") else {
            return Err("the save file has no \"ops\" list".into());
        };
        for (i, o) in ops.iter().enumerate() {
            let op = op_from_json(o).map_err(|e| format!("step {}: {e}", i + 1))?;
            match w.perform(op) {
                Ok(true) => {}
                Ok(false) => return Err(format!("step {} does nothing here", i + 1)),
                Err(e) => return Err(format!("step {} cannot be replayed: {e}", i + 1)),
            }
        }
        let pos = v
            .get("position")
            .and_then(Json::as_usize)
            .unwrap_or(w.ops.len());
        w.seek(pos);
        Ok(w)
    }

    /// The log up to the current step as plain text, one line per entry.
    pub fn log_text(&self) -> String {
        let end = self.log_len[self.pos];
        self.full_log[..end]
            .iter()
            .map(|e| match e.kind {
                EntryKind::Note => format!("# {}", e.why),
                _ => {
                    let mut l = format!(
                        "{} -> {}: {} | {} | {}",
                        e.from, e.to, e.command, e.reply, e.why
                    );
                    if let Some(m) = &e.mismatch {
                        l.push_str(&format!(" | DIFFERS FROM RECORDING: {m}"));
                    }
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn strs(items: &[&str]) -> Json {
    Json::Arr(items.iter().map(|s| Json::Str(s.to_string())).collect())
}

fn op_to_json(op: &Op) -> Json {
    let n = |x: usize| Json::Num(x as f64);
    let t = |x: &str| Json::Str(x.to_string());
    match op {
        Op::Send(Request::Get(k)) => strs(&["send", "get", k]),
        Op::Send(Request::Set(k, v)) => strs(&["send", "set", k, v]),
        Op::Send(Request::Del(k)) => strs(&["send", "del", k]),
        Op::Send(Request::Mget(ks)) => {
            let mut v = vec![t("send"), t("mget")];
            v.extend(ks.iter().map(|k| t(k)));
            Json::Arr(v)
        }
        Op::Step => strs(&["step"]),
        Op::Act(Action::StartMigration { slot, from, to }) => Json::Arr(vec![
            t("act"),
            t("start-migration"),
            n(*slot as usize),
            n(*from as usize),
            n(*to as usize),
        ]),
        Op::Act(Action::MoveOneKey { slot }) => {
            Json::Arr(vec![t("act"), t("move-one-key"), n(*slot as usize)])
        }
        Op::Act(Action::MoveAllKeys { slot }) => {
            Json::Arr(vec![t("act"), t("move-all-keys"), n(*slot as usize)])
        }
        Op::Act(Action::FinishMigration { slot }) => {
            Json::Arr(vec![t("act"), t("finish-migration"), n(*slot as usize)])
        }
        Op::Act(Action::RefreshMap) => strs(&["act", "refresh-map"]),
        Op::Act(Action::MigrateRange {
            first,
            last,
            from,
            to,
        }) => Json::Arr(vec![
            t("act"),
            t("migrate-range"),
            n(*first as usize),
            n(*last as usize),
            n(*from as usize),
            n(*to as usize),
        ]),
        Op::AddClient(id) => strs(&["add-client", id]),
        Op::SetPolicy(i, id) => Json::Arr(vec![t("set-policy"), n(*i), t(id)]),
        Op::SelectClient(i) => Json::Arr(vec![t("select-client"), n(*i)]),
        #[cfg(feature = "replay")]
        Op::LoadRecording(steps) => Json::Arr(vec![
            t("load-recording"),
            crate::exchange::steps_to_json(steps),
        ]),
        #[cfg(feature = "replay")]
        Op::ReplayStep => strs(&["replay-step"]),
    }
}

fn op_from_json(v: &Json) -> Result<Op, String> {
    let Json::Arr(items) = v else {
        return Err("a step must be a list".into());
    };
    let s = |i: usize| {
        items
            .get(i)
            .and_then(Json::as_str)
            .ok_or_else(|| format!("item {} must be text", i + 1))
    };
    let u = |i: usize| {
        items
            .get(i)
            .and_then(Json::as_usize)
            .ok_or_else(|| format!("item {} must be a whole number", i + 1))
    };
    let slot = |i: usize| -> Result<u16, String> {
        let x = u(i)?;
        u16::try_from(x)
            .ok()
            .filter(|&s| (s as usize) < crate::keyslot::SLOTS)
            .ok_or_else(|| format!("item {} is not a slot", i + 1))
    };
    let node = |i: usize| -> Result<crate::cluster::NodeIdx, String> {
        let x = u(i)?;
        crate::cluster::NodeIdx::try_from(x).map_err(|_| format!("item {} is not a node", i + 1))
    };
    Ok(match s(0)? {
        "send" => match s(1)? {
            "get" => Op::Send(Request::Get(s(2)?.into())),
            "set" => Op::Send(Request::Set(s(2)?.into(), s(3)?.into())),
            "del" => Op::Send(Request::Del(s(2)?.into())),
            "mget" => Op::Send(Request::Mget(
                (2..items.len())
                    .map(|i| s(i).map(String::from))
                    .collect::<Result<_, _>>()?,
            )),
            other => return Err(format!("unknown request {other:?}")),
        },
        "step" => Op::Step,
        "act" => Op::Act(match s(1)? {
            "start-migration" => Action::StartMigration {
                slot: slot(2)?,
                from: node(3)?,
                to: node(4)?,
            },
            "move-one-key" => Action::MoveOneKey { slot: slot(2)? },
            "move-all-keys" => Action::MoveAllKeys { slot: slot(2)? },
            "finish-migration" => Action::FinishMigration { slot: slot(2)? },
            "refresh-map" => Action::RefreshMap,
            "migrate-range" => Action::MigrateRange {
                first: slot(2)?,
                last: slot(3)?,
                from: node(4)?,
                to: node(5)?,
            },
            other => return Err(format!("unknown action {other:?}")),
        }),
        "add-client" => Op::AddClient(s(1)?.into()),
        "set-policy" => Op::SetPolicy(u(1)?, s(2)?.into()),
        "select-client" => Op::SelectClient(u(1)?),
        #[cfg(feature = "replay")]
        "load-recording" => Op::LoadRecording(crate::exchange::steps_from_json(
            items.get(1).ok_or("item 2 must be the recording")?,
        )?),
        #[cfg(feature = "replay")]
        "replay-step" => Op::ReplayStep,
        other => return Err(format!("unknown step {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_then_import_gives_the_same_state() {
        let mut w = moved_world();
        w.add_client("jedis").unwrap();
        w.send(Request::Mget(vec!["{a}1".into(), "{a}2".into()]))
            .unwrap();
        w.finish();
        w.act(Action::StartMigration {
            slot: 100,
            from: 0,
            to: 1,
        })
        .unwrap();
        w.send(Request::Set("k \"q\"".into(), "v\n".into()))
            .unwrap();
        w.finish();
        w.back();
        let saved = w.export_json();
        let v = World::import_json(&saved).unwrap();
        assert_eq!(v.position(), w.position());
        assert_eq!(v.timeline_len(), w.timeline_len());
        assert_eq!(v.log(), w.log());
        assert_eq!(v.map(), w.map());
        assert_eq!(v.nodes(), w.nodes());
        assert_eq!(v.export_json(), saved);
        assert!(v.log_text().contains("MOVED"));
        assert!(World::import_json("{}")
            .unwrap_err()
            .contains("not a slotscope save file"));
        let bad = r#"{"format":"slotscope-save/1","origin":{"scenario":"moved","key":"k"},"ops":[["act","finish-migration",5]]}"#;
        assert!(
            World::import_json(bad).unwrap_err().contains("step 1"),
            "{:?}",
            World::import_json(bad).err()
        );
    }

    #[test]
    fn seeds_choose_the_random_picks_and_are_saved() {
        // The same session under several seeds: a refresh asks a randomly chosen node.
        let run = |seed: u64| {
            let mut w = World::preset(Scenario::Moved, "user:100", "go-redis", seed).unwrap();
            w.add_client("ioredis").unwrap();
            for c in 0..2 {
                w.select_client(c).unwrap();
                w.send(Request::Get("user:100".into())).unwrap();
                w.finish();
            }
            w
        };
        let default = run(1);
        assert_eq!(default.seed(), 1);
        assert!(!default.export_json().contains("\"seed\""));
        // Which node the background map reload asks is drawn at random.
        let runs: std::collections::BTreeSet<String> =
            (1..=40).map(|s| run(s).log_text()).collect();
        assert_eq!(runs.len(), 2, "both nodes get asked under some seed");
        let w = run(u64::MAX);
        let saved = w.export_json();
        assert!(
            saved.contains("\"seed\":\"18446744073709551615\""),
            "{saved}"
        );
        let v = World::import_json(&saved).unwrap();
        assert_eq!((v.seed(), v.log_text()), (u64::MAX, w.log_text()));
        let mut replayed =
            World::preset(Scenario::Moved, "user:100", "go-redis", u64::MAX).unwrap();
        replayed.replay(w.ops().to_vec()).unwrap();
        assert_eq!(replayed.export_json(), saved);
        let mut bad = World::new(Scenario::Moved, "user:100");
        assert_eq!(
            bad.replay(vec![Op::Step]).unwrap_err(),
            "step 1 does nothing here"
        );
    }

    fn moved_world() -> World {
        World::new(Scenario::Moved, "user:100")
    }

    #[test]
    fn back_forward_and_seek_reproduce_the_same_states() {
        let mut w = moved_world();
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        let end_log: Vec<_> = w.log().to_vec();
        let end_map = w.map();
        assert_eq!(w.position(), 3);
        assert!(w.back());
        assert!(w.busy(), "back inside a request puts it in flight again");
        assert!(w.back() && w.back());
        assert_eq!(w.position(), 0);
        assert!(!w.busy());
        assert_eq!(w.log().len(), 1);
        w.seek(3);
        assert_eq!(w.log(), &end_log[..]);
        assert_eq!(w.map(), end_map);
        w.seek(1);
        assert!(w.forward());
        assert_eq!(w.position(), 2);
    }

    #[test]
    fn acting_after_going_back_starts_a_new_branch() {
        let mut w = moved_world();
        w.send(Request::Get("user:100".into())).unwrap();
        w.finish();
        w.seek(0);
        w.send(Request::Get("greeting".into())).unwrap();
        assert_eq!(w.timeline_len(), 1);
        assert!(!w.can_forward());
        assert!(w
            .log()
            .iter()
            .any(|e| e.why.contains("old timeline were dropped")));
    }

    #[test]
    fn refused_operations_change_nothing() {
        let mut w = moved_world();
        let before = (w.recent_log().to_vec(), w.map(), w.clients(), w.nodes());
        assert!(w.set_policy(0, "nope").is_err());
        assert!(w.act(Action::FinishMigration { slot: 7 }).is_err());
        assert!(w.send(Request::Get("x".repeat(70_000))).is_err());
        assert_eq!(w.timeline_len(), 0);
        assert!(!w.step());
        assert_eq!(w.timeline_len(), 0);
        assert_eq!(
            (w.recent_log().to_vec(), w.map(), w.clients(), w.nodes()),
            before
        );
    }

    #[test]
    fn long_sessions_seek_anywhere_deterministically() {
        let mut w = moved_world();
        for i in 0..600 {
            w.send(Request::Get(format!("user:{i}"))).unwrap();
            w.finish();
        }
        let len = w.timeline_len();
        assert!(len > 1000);
        let at = |w: &mut World, n: usize| {
            w.seek(n);
            (
                w.log().last().cloned(),
                w.map(),
                w.clients()[0].counters.clone(),
            )
        };
        let a = at(&mut w, 777);
        let _ = at(&mut w, len);
        let _ = at(&mut w, 3);
        assert_eq!(at(&mut w, 777), a);
    }
}
