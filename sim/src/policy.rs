//! Redirect policies of real cluster client libraries, as knobs and presets.
//!
//! Each preset names the library version its defaults come from and lists, in
//! `deviations`, what the model leaves out.

/// What a client does with its slot map when a node answers MOVED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnMoved {
    /// Patch the one slot, retry at the slot's (new) node; every `refresh_every`-th
    /// MOVED (a client-wide counter) does a full blocking refresh instead (0 = never).
    PatchSlot { refresh_every: u32 },
    /// Blocking full refresh (CLUSTER SLOTS/SHARDS/NODES), then retry at the MOVED target.
    RefreshThenRetry,
    /// Retry at the MOVED target at once; refresh the whole map in the background
    /// (one at a time, at most once per `cooldown_ms`).
    RetryThenBackgroundRefresh { cooldown_ms: u32 },
    /// Patch the slot, resend at once, then a deduplicated background full refresh.
    PatchRetryThenRefresh,
    /// Follow the redirection without touching the map; optionally trigger a
    /// background refresh at most every `refresh_cooldown_ms` (0 = never).
    FollowOnly { refresh_cooldown_ms: u32 },
}

/// What a client does with ASK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnAsk {
    /// ASKING then the command at the target; map unchanged (what every library does).
    AskingThenCommand,
    /// Sends the command to the target without ASKING (a teaching mistake).
    ForgetsAsking,
    /// ASKING then the command, and also patches the map (a teaching mistake).
    UpdatesMap,
}

/// What a client does with TRYAGAIN or CLUSTERDOWN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Hands the error to the application.
    ToCaller,
    /// Retries the same node; sleeps `sleep_ms` before a retry once fewer than
    /// `sleep_when_left_below` sends remain (redis-py's TRYAGAIN).
    RetrySameNode {
        sleep_ms: u32,
        sleep_when_left_below: u32,
    },
    /// Sleeps, refreshes the map, and starts the request again (a new budget), up to
    /// `retries` times (redis-py's CLUSTERDOWN).
    SleepRefreshRetry { sleep_ms: u32, retries: u32 },
    /// Retries after the policy's backoff, within the same budget.
    Backoff,
    /// Waits, optionally refreshes, then retries on a random node.
    WaitRandomNode { wait_ms: u32, refresh: bool },
}

/// Which node answers a full refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshSource {
    /// The node that sent the MOVED.
    MovedSender,
    /// Known nodes in random order, until one answers with every slot covered.
    RandomUntilCovered,
    /// Known nodes in random order; the first answer is used.
    Random,
}

/// The command used to fetch the topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopologyCommand {
    /// CLUSTER SLOTS
    Slots,
    /// CLUSTER SHARDS
    Shards,
    /// CLUSTER NODES
    Nodes,
}

impl TopologyCommand {
    /// The command's arguments.
    pub fn argv(self) -> Vec<Vec<u8>> {
        let sub: &[u8] = match self {
            TopologyCommand::Slots => b"SLOTS",
            TopologyCommand::Shards => b"SHARDS",
            TopologyCommand::Nodes => b"NODES",
        };
        vec![b"CLUSTER".to_vec(), sub.to_vec()]
    }
}

/// How a multi-key request whose keys are in several slots is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossSlot {
    /// Refused by the library before sending, with this message.
    ClientSide(&'static str),
    /// Sent to the first key's node, which answers CROSSSLOT.
    Server,
}

/// A client library's redirect policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Short id for URLs and files (`redis-py`, `jedis`, ...).
    pub id: &'static str,
    /// Name shown to people.
    pub name: &'static str,
    /// Library and version the defaults come from.
    pub library: &'static str,
    /// The policy in a few words.
    pub summary: &'static str,
    /// Uses a slot map at all (false: send to a seed node, follow redirections).
    pub use_cache: bool,
    /// Sends of the command per request attempt before giving up (ASKING + command
    /// counts as one).
    pub max_sends: u32,
    /// The library's error when the budget runs out (`{last}` stands for the text of
    /// the last error reply).
    pub exhausted: &'static str,
    /// MOVED handling.
    pub on_moved: OnMoved,
    /// Where full refreshes come from.
    pub refresh_source: RefreshSource,
    /// Topology command for refreshes.
    pub topology: TopologyCommand,
    /// A refresh overwrites only the slots its answer lists: a slot missing from the
    /// answer (its owner dropped it) keeps its old entry. Otherwise the answer replaces
    /// the whole map and a missing slot becomes unknown (sent to a random node).
    pub refresh_keeps_unlisted: bool,
    /// ASK handling.
    pub on_ask: OnAsk,
    /// TRYAGAIN handling.
    pub on_tryagain: OnError,
    /// CLUSTERDOWN handling.
    pub on_clusterdown: OnError,
    /// Exponential backoff: `min(cap, base * 2^retry)` milliseconds.
    pub backoff_base_ms: u32,
    /// Backoff cap in milliseconds.
    pub backoff_cap_ms: u32,
    /// Cross-slot multi-key requests.
    pub cross_slot: CrossSlot,
    /// What the model leaves out or simplifies.
    pub deviations: &'static str,
}

/// Every preset, built at compile time (a table costs less WebAssembly than code that
/// builds each policy field by field).
static PRESETS: [Policy; 10] = [
    redis_py(),
    jedis(),
    go_redis(),
    ioredis(),
    redis_rs(),
    lettuce(),
    no_cache(),
    forgets_asking(),
    ask_updates_map(),
    no_limit(),
];

impl Policy {
    /// Every preset: real libraries first, then teaching modes.
    pub fn presets() -> Vec<Policy> {
        PRESETS.to_vec()
    }

    /// The preset with this id.
    pub fn preset(id: &str) -> Option<Policy> {
        PRESETS.iter().find(|p| p.id == id).cloned()
    }

    /// Checks knob values a person could have typed or loaded.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_sends == 0 {
            return Err("the redirect budget must allow at least one send".into());
        }
        if self.backoff_base_ms > self.backoff_cap_ms {
            return Err("the backoff base must not exceed its cap".into());
        }
        Ok(())
    }

    /// Reads a policy file: a JSON object naming a `preset` and optionally overriding
    /// its numeric knobs (`max_sends`, `refresh_every`, `backoff_base_ms`,
    /// `backoff_cap_ms`). Impossible values (negative, fractional, a zero budget, a base
    /// above the cap, unknown presets or fields) are refused with a message.
    pub fn from_json(text: &str) -> Result<Policy, String> {
        use crate::json::Json;
        let v = crate::json::parse(text).map_err(|e| format!("not a policy file: {e}"))?;
        let Json::Obj(fields) = &v else {
            return Err("a policy file is a JSON object".into());
        };
        let id = v
            .get("preset")
            .and_then(Json::as_str)
            .ok_or("a policy file names its \"preset\" (for example \"redis-py\")")?;
        let mut p = Policy::preset(id).ok_or_else(|| {
            let ids: Vec<&str> = Policy::presets().iter().map(|p| p.id).collect();
            format!("unknown preset {id:?}; known presets: {}", ids.join(", "))
        })?;
        for (k, val) in fields {
            let whole = || -> Result<u32, String> {
                match val {
                    Json::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= u32::MAX as f64 => {
                        Ok(*n as u32)
                    }
                    Json::Num(n) => {
                        Err(format!("{k} must be a whole number of at least 0, not {n}"))
                    }
                    _ => Err(format!("{k} must be a number")),
                }
            };
            match k.as_str() {
                "preset" => {}
                "max_sends" => p.max_sends = whole()?,
                "backoff_base_ms" => p.backoff_base_ms = whole()?,
                "backoff_cap_ms" => p.backoff_cap_ms = whole()?,
                "refresh_every" => match p.on_moved {
                    OnMoved::PatchSlot { .. } => p.on_moved = OnMoved::PatchSlot { refresh_every: whole()? },
                    _ => return Err(format!("refresh_every does not apply to preset {id:?}, which does not patch single slots")),
                },
                other => return Err(format!("unknown field {other:?} in the policy file")),
            }
        }
        p.validate()?;
        Ok(p)
    }

    /// Backoff before retry number `retry` (1-based).
    pub fn backoff_ms(&self, retry: u32) -> u32 {
        let shifted = (self.backoff_base_ms as u64) << retry.min(20);
        shifted.min(self.backoff_cap_ms as u64) as u32
    }
}

/// redis-py 8.1.0 `RedisCluster` (verified against the golden traces R1-R3).
pub const fn redis_py() -> Policy {
    Policy {
        id: "redis-py",
        name: "redis-py",
        library: "redis-py 8.1.0 (RedisCluster, sync)",
        summary: "patches the one slot on MOVED (a full refresh every 5th MOVED), follows ASK once without touching the map, retries TRYAGAIN, 16 sends per command",
        use_cache: true,
        max_sends: 16,
        exhausted: "ClusterError: TTL exhausted.",
        on_moved: OnMoved::PatchSlot { refresh_every: 5 },
        refresh_source: RefreshSource::RandomUntilCovered,
        topology: TopologyCommand::Slots,
        refresh_keeps_unlisted: false,
        on_ask: OnAsk::AskingThenCommand,
        on_tryagain: OnError::RetrySameNode { sleep_ms: 50, sleep_when_left_below: 8 },
        on_clusterdown: OnError::SleepRefreshRetry { sleep_ms: 250, retries: 10 },
        backoff_base_ms: 10,
        backoff_cap_ms: 1000,
        cross_slot: CrossSlot::ClientSide("RedisClusterException: MGET - all keys must map to the same key slot"),
        deviations: "Connection handshakes (HELLO 3, CLIENT SETINFO, COMMAND) are not shown. The refresh order is seeded, not Python's random.shuffle.",
    }
}

/// Jedis 5.x `JedisCluster` (ClusterCommandExecutor).
pub const fn jedis() -> Policy {
    Policy {
        id: "jedis",
        name: "Jedis",
        library: "Jedis 5.1 (JedisCluster)",
        summary: "refreshes the whole map from the node that sent MOVED, follows ASK once, hands TRYAGAIN and CLUSTERDOWN to the caller, 5 attempts",
        use_cache: true,
        max_sends: 5,
        exhausted: "JedisClusterOperationException: No more cluster attempts left.",
        on_moved: OnMoved::RefreshThenRetry,
        refresh_source: RefreshSource::MovedSender,
        topology: TopologyCommand::Slots,
        refresh_keeps_unlisted: false,
        on_ask: OnAsk::AskingThenCommand,
        on_tryagain: OnError::ToCaller,
        on_clusterdown: OnError::ToCaller,
        backoff_base_ms: 0,
        backoff_cap_ms: 0,
        cross_slot: CrossSlot::ClientSide("JedisClusterOperationException: Keys must belong to same hashslot."),
        deviations: "The 10 s retry deadline and connection-failure backoff are not modelled; concurrent refreshes are not possible with one client.",
    }
}

/// go-redis v9 `ClusterClient`.
pub const fn go_redis() -> Policy {
    Policy {
        id: "go-redis",
        name: "go-redis",
        library: "go-redis v9.5 (ClusterClient)",
        summary: "retries at the MOVED target at once and reloads the map in the background, follows ASK once, backs off on TRYAGAIN and CLUSTERDOWN, 4 tries",
        use_cache: true,
        max_sends: 4,
        exhausted: "go-redis returns the last error",
        on_moved: OnMoved::RetryThenBackgroundRefresh { cooldown_ms: 200 },
        refresh_source: RefreshSource::Random,
        topology: TopologyCommand::Slots,
        refresh_keeps_unlisted: false,
        on_ask: OnAsk::AskingThenCommand,
        on_tryagain: OnError::Backoff,
        on_clusterdown: OnError::Backoff,
        backoff_base_ms: 8,
        backoff_cap_ms: 512,
        cross_slot: CrossSlot::Server,
        deviations: "Backoff jitter is left out (the upper bound is used). The background reload runs right after the hop that triggered it.",
    }
}

/// ioredis 5.x `Cluster`.
pub const fn ioredis() -> Policy {
    Policy {
        id: "ioredis",
        name: "ioredis",
        library: "ioredis 5.11.1 (Cluster)",
        summary: "patches the slot on MOVED, resends, then refreshes the whole map; follows ASK once; retries TRYAGAIN on a random node after 100 ms",
        use_cache: true,
        max_sends: 17,
        exhausted: "Error: Too many Cluster redirections. Last error: ReplyError: {last}",
        on_moved: OnMoved::PatchRetryThenRefresh,
        refresh_source: RefreshSource::Random,
        topology: TopologyCommand::Slots,
        refresh_keeps_unlisted: true,
        on_ask: OnAsk::AskingThenCommand,
        on_tryagain: OnError::WaitRandomNode {
            wait_ms: 100,
            refresh: false,
        },
        on_clusterdown: OnError::WaitRandomNode {
            wait_ms: 100,
            refresh: true,
        },
        backoff_base_ms: 0,
        backoff_cap_ms: 0,
        cross_slot: CrossSlot::Server,
        deviations: "The background refresh after MOVED is shown right after the resend; the library's own can go out just before the resend when the resend first has to open a connection. Connection handshakes (CLIENT SETNAME/SETINFO, INFO, the CLUSTER INFO ready check) are not shown. The offline queue and reconnection strategy are not modelled.",
    }
}

/// redis-rs `cluster::ClusterConnection` (sync).
pub const fn redis_rs() -> Policy {
    Policy {
        id: "redis-rs",
        name: "redis-rs",
        library: "redis-rs 1.8.1 (cluster, sync)",
        summary: "refreshes the whole map on MOVED before retrying, follows ASK once, backs off on TRYAGAIN and CLUSTERDOWN",
        use_cache: true,
        max_sends: 17,
        exhausted: "(error) {last}",
        on_moved: OnMoved::RefreshThenRetry,
        refresh_source: RefreshSource::Random,
        topology: TopologyCommand::Slots,
        refresh_keeps_unlisted: false,
        on_ask: OnAsk::AskingThenCommand,
        on_tryagain: OnError::Backoff,
        on_clusterdown: OnError::Backoff,
        backoff_base_ms: 10,
        backoff_cap_ms: 655_360,
        cross_slot: CrossSlot::Server,
        deviations: "Waits between TRYAGAIN/CLUSTERDOWN retries use the top of the library's random range (10 ms x 2^retry, at most 655 s) and leave out its 1.28 s minimum. After a map refresh the library PINGs every node; those checks are not shown. A cross-slot MGET/MSET is split per slot by the library; the simulator sends it whole and gets CROSSSLOT. The async client (retry at once, rebuild in the background) is not modelled.",
    }
}

/// Lettuce 6.x `RedisClusterClient`.
pub const fn lettuce() -> Policy {
    Policy {
        id: "lettuce",
        name: "Lettuce",
        library: "Lettuce 6.3 (RedisClusterClient, adaptive refresh on MOVED enabled)",
        summary: "follows MOVED without touching the map (a topology refresh at most every 5 s), follows ASK once, 5 redirects",
        use_cache: true,
        max_sends: 6,
        exhausted: "RedisException: Too many redirections",
        on_moved: OnMoved::FollowOnly { refresh_cooldown_ms: 5000 },
        refresh_source: RefreshSource::Random,
        topology: TopologyCommand::Nodes,
        refresh_keeps_unlisted: false,
        on_ask: OnAsk::AskingThenCommand,
        on_tryagain: OnError::ToCaller,
        on_clusterdown: OnError::ToCaller,
        backoff_base_ms: 0,
        backoff_cap_ms: 0,
        cross_slot: CrossSlot::ClientSide("Lettuce splits a cross-slot MGET into one MGET per slot; that splitting is not simulated here"),
        deviations: "Adaptive refresh triggers are opt-in in Lettuce; this preset enables the MOVED trigger. Cross-slot MGET splitting is not simulated.",
    }
}

/// Teaching mode: no slot map at all, follow every redirection.
pub const fn no_cache() -> Policy {
    Policy {
        id: "no-cache",
        name: "No slot cache",
        library: "teaching mode",
        summary: "keeps no slot map: starts at the first node and follows every redirection",
        use_cache: false,
        max_sends: 16,
        exhausted: "gave up after 16 sends",
        on_moved: OnMoved::FollowOnly {
            refresh_cooldown_ms: 0,
        },
        on_ask: OnAsk::AskingThenCommand,
        deviations: "Every request starts at the first node and follows redirections.",
        ..redis_py()
    }
}

/// Teaching mode: follows ASK without sending ASKING first (ping-pong until the budget ends).
pub const fn forgets_asking() -> Policy {
    Policy {
        id: "forgets-asking",
        name: "Forgets ASKING",
        library: "teaching mode",
        summary: "follows ASK but forgets to send ASKING first",
        on_ask: OnAsk::ForgetsAsking,
        exhausted: "gave up after 16 sends",
        deviations: "A buggy client: the target answers MOVED back to the source.",
        ..redis_py()
    }
}

/// Teaching mode: treats ASK like MOVED and patches the map.
pub const fn ask_updates_map() -> Policy {
    Policy {
        id: "ask-updates-map",
        name: "ASK updates the map",
        library: "teaching mode",
        summary: "wrongly updates its map on ASK",
        on_ask: OnAsk::UpdatesMap,
        deviations: "A buggy client: harmless, because the target sends it back with MOVED.",
        ..redis_py()
    }
}

/// Teaching mode: no redirect limit (stopped at 1,000 sends to stay responsive).
pub const fn no_limit() -> Policy {
    Policy {
        id: "no-limit",
        name: "No redirect limit",
        library: "teaching mode",
        summary: "follows redirections with no limit (stopped at 1,000 sends)",
        max_sends: 1000,
        exhausted: "stopped after 1,000 sends",
        deviations: "Unbounded in spirit; the simulator stops at 1,000 sends.",
        ..redis_py()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_unique() {
        let all = Policy::presets();
        for p in &all {
            p.validate().unwrap();
            assert_eq!(all.iter().filter(|q| q.id == p.id).count(), 1);
        }
        assert!(Policy::preset("redis-py").is_some());
        assert!(Policy::preset("nope").is_none());
        let bad = Policy {
            max_sends: 0,
            ..redis_py()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn policy_files_are_checked() {
        let p = Policy::from_json(r#"{"preset": "redis-py", "max_sends": 8, "refresh_every": 2}"#)
            .unwrap();
        assert_eq!(p.max_sends, 8);
        assert_eq!(p.on_moved, OnMoved::PatchSlot { refresh_every: 2 });
        for (text, why) in [
            (r#"{"preset": "redis-py", "max_sends": -3}"#, "whole number"),
            (
                r#"{"preset": "redis-py", "max_sends": 0}"#,
                "at least one send",
            ),
            (r#"{"preset": "nope"}"#, "unknown preset"),
            (
                r#"{"preset": "jedis", "refresh_every": 2}"#,
                "does not apply",
            ),
            (r#"{"preset": "go-redis", "backoff_base_ms": 900}"#, "cap"),
            (r#"{"preset": "redis-py", "ttl": 3}"#, "unknown field"),
            (r#"["redis-py"]"#, "JSON object"),
            ("{", "not a policy file"),
        ] {
            let e = Policy::from_json(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
