//! Time travel: a [`World`] is its starting [`Sim`] plus the list of operations a
//! person performed. Every operation is one step of the timeline; Back, Forward and
//! seeking replay operations from the nearest checkpoint, so runs are deterministic
//! and history stays small. Acting after going back starts a new branch.

use std::ops::Deref;

use crate::world::{Action, LogEntry, Request, Scenario, Sim, LOG_LIMIT};

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
    /// Load a recording to replay.
    LoadRecording(String),
    /// Replay one recorded step.
    ReplayStep,
}

/// A simulation with its whole history.
#[derive(Clone, Debug)]
pub struct World {
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
        Op::LoadRecording(text) => sim.load_recording(text).map(|_| true),
        Op::ReplayStep => Ok(sim.replay_step()),
    }
}

impl World {
    fn start(sim: Sim) -> World {
        let full_log = sim.recent_log().to_vec();
        let n = full_log.len();
        World {
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
        World::start(Sim::new(scenario, key))
    }

    /// A world on a pasted topology (see [`Sim::from_import`]).
    pub fn from_import(imported: crate::import::Imported) -> World {
        World::start(Sim::from_import(imported))
    }

    /// Performs `op` at the current moment. When the person had gone back, the old
    /// future is dropped first (and the log says so). Refused operations change
    /// nothing; operations that do nothing (a step while idle) are not recorded.
    fn perform(&mut self, op: Op) -> Result<bool, String> {
        let before = self.sim.pushed();
        let mut next = self.sim.clone();
        let did = apply(&mut next, &op)?;
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
        let fresh = next.pushed() - before;
        let recent = next.recent_log();
        self.full_log
            .extend_from_slice(&recent[recent.len().saturating_sub(fresh)..]);
        self.sim = next;
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

    /// Loads a recording to replay; returns its number of steps.
    pub fn load_recording(&mut self, text: &str) -> Result<usize, String> {
        self.perform(Op::LoadRecording(text.to_string()))?;
        Ok(self.sim.recording_left())
    }

    /// Replays one recorded step. False when none is left.
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

fn note(text: &str) -> LogEntry {
    LogEntry {
        kind: crate::world::EntryKind::Note,
        from: String::new(),
        to: String::new(),
        node: None,
        command: String::new(),
        reply: String::new(),
        reply_kind: crate::world::ReplyKind::None,
        why: text.to_string(),
        map_changed: None,
        mismatch: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(w.set_policy(0, "nope").is_err());
        assert!(w.send(Request::Get("x".repeat(70_000))).is_err());
        assert_eq!(w.timeline_len(), 0);
        assert!(!w.step());
        assert_eq!(w.timeline_len(), 0);
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
