//! The address of a moment: the URL parameters a page opens with (`scenario`, `key`,
//! `policy`, `seed`, `ops`, `step`, `input`), checked without panicking, and the link
//! that reproduces the current moment. Links without the newer parameters open exactly
//! as they always did.

use slotscope_sim::link;
use slotscope_sim::policy::Policy;
pub use slotscope_sim::query::parse_query;
use slotscope_sim::query::{escape, unescape};
use slotscope_sim::timeline::{Op, Origin, World};
use slotscope_sim::world::{Scenario, MAX_KEY_BYTES};

use crate::text::{clip, group};

/// A URL parameter that could not be used, and what the page did instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The parameter's name.
    pub param: String,
    /// What a person reads.
    pub text: String,
}

/// What the page opens with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// The preset.
    pub scenario: Scenario,
    /// The key the preset is built around (and, unless `input` says otherwise, the key
    /// in the key box).
    pub key: String,
    /// The first client's policy id (a preset the core knows).
    pub policy: &'static str,
    /// The seed of the clients' random choices.
    pub seed: u64,
    /// The timeline to replay.
    pub ops: Vec<Op>,
    /// The timeline position to show (None: its end).
    pub step: Option<usize>,
    /// The key box's text when it differs from `key`.
    pub input: Option<String>,
    /// Parameters that fell back to their default.
    pub notices: Vec<Notice>,
}

/// The policy the first client starts with when the address names none.
pub const DEFAULT_POLICY: &str = "redis-py";

/// The seed when the address names none (the runs the page always showed).
pub const DEFAULT_SEED: u64 = 1;

/// The parameters this module reads.
const OWN_PARAMS: [&str; 7] = ["scenario", "key", "policy", "seed", "ops", "step", "input"];

fn notice(notices: &mut Vec<Notice>, param: &str, text: String) {
    notices.push(Notice {
        param: param.to_string(),
        text,
    });
}

/// Resolves the (decoded) query pairs. Unknown or unusable values fall back to their
/// default, with a notice naming the parameter; with `report_unknown`, so do parameters
/// the page does not read (display ones are read by [`crate::mode`]). The first of
/// repeated parameters counts.
pub fn resolve(pairs: &[(String, String)], report_unknown: bool) -> Start {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut notices = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for (n, _) in pairs.iter().filter(|_| report_unknown) {
        let n = n.as_str();
        if !crate::mode::KNOWN.contains(&n) && !unknown.contains(&n) {
            unknown.push(n);
        }
    }
    for n in unknown {
        notice(
            &mut notices,
            n,
            format!(
                "The address has a parameter \"{}\" that slotscope does not know; it is ignored.",
                clip(n, 40)
            ),
        );
    }
    let scenario = match get("scenario") {
        None => Scenario::Moved,
        Some(raw) => match Scenario::parse(raw.trim().to_ascii_lowercase().as_str()) {
            Some(s) => s,
            None => {
                let known: Vec<&str> = Scenario::ALL.iter().map(|s| s.id()).collect();
                notice(
                    &mut notices,
                    "scenario",
                    format!(
                        "The address asks for scenario \"{}\", which does not exist (known: {}). Showing the default scenario, {}.",
                        clip(raw, 60),
                        known.join(", "),
                        Scenario::Moved.id()
                    ),
                );
                Scenario::Moved
            }
        },
    };
    let key = match get("key") {
        None => scenario.default_key().to_string(),
        Some(k) if k.len() > MAX_KEY_BYTES => {
            notice(
                &mut notices,
                "key",
                format!(
                    "The key in the address is {} bytes long; keys up to {} bytes (64 KiB) are accepted. Showing the default key, {}.",
                    group(k.len()),
                    group(MAX_KEY_BYTES),
                    scenario.default_key()
                ),
            );
            scenario.default_key().to_string()
        }
        Some(k) => k.to_string(),
    };
    let input = get("input").map(str::to_string);
    let policy = match get("policy") {
        None => DEFAULT_POLICY,
        // The core decides what a policy is: an id it has no preset for is refused.
        Some(raw) => match Policy::preset(raw.trim()).filter(|p| p.validate().is_ok()) {
            Some(p) => p.id,
            None => {
                let known: Vec<&str> = Policy::presets().iter().map(|p| p.id).collect();
                notice(
                    &mut notices,
                    "policy",
                    format!(
                        "The address asks for client policy \"{}\", which does not exist (known: {}). The client uses the default policy, {}.",
                        clip(raw, 60),
                        known.join(", "),
                        DEFAULT_POLICY
                    ),
                );
                DEFAULT_POLICY
            }
        },
    };
    let seed = match get("seed") {
        None => DEFAULT_SEED,
        // Seeds up to 2^32 - 1: the same on every platform.
        Some(raw) => match raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&s| s <= u32::MAX as usize)
        {
            Some(s) => s as u64,
            None => {
                notice(
                    &mut notices,
                    "seed",
                    format!(
                        "The address's seed \"{}\" is not a whole number from 0 to {}. Using the default seed, {DEFAULT_SEED}.",
                        clip(raw, 40),
                        u32::MAX
                    ),
                );
                DEFAULT_SEED
            }
        },
    };
    let ops = match get("ops") {
        None => Vec::new(),
        Some(raw) => match link::decode(raw) {
            Ok(ops) => ops,
            Err(e) => {
                notice(
                    &mut notices,
                    "ops",
                    format!(
                        "The address's steps (\"ops\") could not be read: {e}. Showing the scenario from its start."
                    ),
                );
                Vec::new()
            }
        },
    };
    let step = match get("step") {
        None => None,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => {
                notice(
                    &mut notices,
                    "step",
                    format!(
                        "The address's step \"{}\" is not a whole number. Showing the last step.",
                        clip(raw, 40)
                    ),
                );
                None
            }
        },
    };
    Start {
        scenario,
        key,
        policy,
        seed,
        ops,
        step,
        input,
        notices,
    }
}

/// Builds the world `start` describes: the preset, its steps replayed, at its step.
/// A step that cannot be replayed, or a position beyond the timeline, adds a notice.
pub fn open(start: &mut Start) -> World {
    let key = if start.key.len() > MAX_KEY_BYTES {
        ""
    } else {
        start.key.as_str()
    };
    // The policy was checked against the core's presets.
    let mut world = World::preset(start.scenario, key, start.policy, start.seed)
        .unwrap_or_else(|_| World::new(start.scenario, key));
    let ops = std::mem::take(&mut start.ops);
    if let Err(e) = world.replay(ops) {
        notice(
            &mut start.notices,
            "ops",
            format!(
                "The address's steps (\"ops\") do not fit this scenario: {}. Showing the {} step(s) before it.",
                e.trim_end_matches('.'),
                group(world.timeline_len())
            ),
        );
    }
    let len = world.timeline_len();
    match start.step {
        Some(n) if n > len => notice(
            &mut start.notices,
            "step",
            format!(
                "The address asks for step {}, but the timeline has {} step(s). Showing the last one.",
                group(n),
                group(len)
            ),
        ),
        Some(n) => world.seek(n),
        None => {}
    }
    world
}

/// The query string (without `?`) of a link to this moment: the world's preset, seed,
/// steps and position, and the key box's text. Other parameters of `current` (such as
/// display ones) are kept as they are. Defaults are left out, so a fresh page's link is
/// as short as before.
pub fn link_query(world: &World, key_box: &str, current: &str) -> String {
    let mut out = String::new();
    for part in current.strip_prefix('?').unwrap_or(current).split('&') {
        let name = unescape(part.split_once('=').map_or(part, |(n, _)| n));
        if !part.is_empty() && !OWN_PARAMS.contains(&name.as_str()) {
            out.push_str(part);
            out.push('&');
        }
    }
    let mut add = |name: &str, value: &str| {
        out.push_str(name);
        out.push('=');
        escape(value, &mut out);
        out.push('&');
    };
    let steps = world.ops();
    let (scenario, key, policy) = match world.origin() {
        Origin::Preset(s, k, p) => (s.id(), k.as_str(), p.as_str()),
        Origin::Topology(_) => (world.scenario.id(), key_box, DEFAULT_POLICY),
    };
    add("scenario", scenario);
    // With no steps, the key box's key is the one the page is about (as links always
    // were); with steps, the key the preset was built around.
    let key = if steps.is_empty() { key_box } else { key };
    add("key", key);
    if key != key_box {
        add("input", key_box);
    }
    if policy != DEFAULT_POLICY {
        add("policy", policy);
    }
    let seed = world.seed();
    if seed != DEFAULT_SEED {
        add("seed", &seed.to_string());
    }
    if let Ok(text) = link::encode(steps) {
        if !text.is_empty() {
            add("ops", &text);
            add("step", &world.position().to_string());
        }
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotscope_sim::world::Request;

    fn q(query: &str) -> Start {
        resolve(&parse_query(query), true)
    }

    #[test]
    fn defaults_and_presets() {
        let s = q("");
        assert_eq!(s.scenario, Scenario::Moved);
        assert_eq!(s.key, "user:100");
        assert_eq!((s.seed, s.step, s.input.clone()), (1, None, None));
        assert!(s.ops.is_empty() && s.notices.is_empty());
        let s = q("?scenario=ask");
        assert_eq!(s.scenario, Scenario::Ask);
        assert_eq!(s.key, Scenario::Ask.default_key());
        let s = q("?scenario=%20ASK%20&key=&policy=jedis&embed=1&theme=dark");
        assert_eq!(s.scenario, Scenario::Ask);
        assert_eq!(s.key, "");
        assert_eq!(s.policy, "jedis");
        assert!(s.notices.is_empty());
    }

    #[test]
    fn bad_values_fall_back_with_a_notice() {
        let s = q("?scenario=%3Cb%3Enope%3C/b%3E&key=k");
        assert_eq!(s.scenario, Scenario::Moved);
        assert_eq!(s.key, "k");
        assert_eq!(s.notices.len(), 1);
        assert_eq!(s.notices[0].param, "scenario");
        assert!(s.notices[0].text.contains("<b>nope</b>"));
        let long = "x".repeat(MAX_KEY_BYTES + 1);
        let s = q(&format!("?key={long}"));
        assert_eq!(s.key, "user:100");
        assert_eq!(s.notices[0].param, "key");
        assert!(s.notices[0].text.contains("65,537 bytes"));
        let s = q("?policy=nope");
        assert_eq!(s.policy, DEFAULT_POLICY);
        assert_eq!(s.notices[0].param, "policy");
        assert!(s.notices[0].text.contains("policy \"nope\""));
        let s = q("?seed=-3&step=x&ops=gk.z&wat=1&wat=2");
        let params: Vec<&str> = s.notices.iter().map(|n| n.param.as_str()).collect();
        assert_eq!(params, ["wat", "seed", "ops", "step"]);
        assert_eq!((s.seed, s.step), (DEFAULT_SEED, None));
        assert!(s.ops.is_empty());
        assert!(s.notices[2].text.contains("operation 2 (\"z\")"));
    }

    /// A session with more than the preset's own flow: a second client, a migration and
    /// several sends, then a step back.
    fn session(seed: u64) -> World {
        let mut w = World::preset(Scenario::Ask, "{user:7}:cart", "jedis", seed).unwrap();
        w.send(Request::Get("{user:7}:cart".into())).unwrap();
        w.finish();
        w.add_client("redis-py").unwrap();
        w.act(slotscope_sim::world::Action::StartMigration {
            slot: 9308,
            from: 1,
            to: 0,
        })
        .unwrap();
        w.send(Request::Set("user:100".into(), "a b&c=d".into()))
            .unwrap();
        w.finish();
        w.back();
        w
    }

    #[test]
    fn a_link_reopens_exactly_the_same_moment() {
        let w = session(42);
        let query = link_query(&w, "typed key", "?embed=1&ops=old&theme=dark");
        assert!(query.starts_with("embed=1&theme=dark&scenario=ask&key=%7Buser:7%7D:cart&input=typed%20key&policy=jedis&seed=42&ops="));
        assert!(query.ends_with(&format!("&step={}", w.position())));
        let mut start = q(&query);
        assert!(start.notices.is_empty(), "{:?}", start.notices);
        assert_eq!(start.input.as_deref(), Some("typed key"));
        let v = open(&mut start);
        assert!(start.notices.is_empty(), "{:?}", start.notices);
        assert_eq!(v.export_json(), w.export_json());
        assert_eq!(v.log(), w.log());
        assert_eq!(v.map(), w.map());
        assert_eq!(v.nodes(), w.nodes());
        assert_eq!(v.clients(), w.clients());
        assert_eq!(v.seed(), 42);
    }

    #[test]
    fn old_links_open_as_before() {
        // A link from before seeds and steps: the preset at its start, nothing replayed.
        let mut start = q("?scenario=ask&key=%7Border%3A42%7D%3Aitems&policy=jedis");
        let w = open(&mut start);
        assert!(start.notices.is_empty());
        let before = World::with_policy(Scenario::Ask, "{order:42}:items", "jedis").unwrap();
        assert_eq!(w.export_json(), before.export_json());
        assert_eq!(w.log(), before.log());
        // And a fresh page's link is as short as ever.
        assert_eq!(
            link_query(&World::new(Scenario::Moved, "user:100"), "user:7", ""),
            "scenario=moved&key=user:7"
        );
    }

    #[test]
    fn steps_that_do_not_fit_keep_what_can_be_replayed() {
        let mut start = q("?ops=guser*100.s.fs12");
        let w = open(&mut start);
        assert_eq!(w.timeline_len(), 0);
        let params: Vec<&str> = start.notices.iter().map(|n| n.param.as_str()).collect();
        assert_eq!(params, ["ops"]);
        assert!(start.notices[0].text.contains("operation 3 (\"fs12\")"));
        let mut start = q("?ops=guser*100.s.f12&step=99");
        let w = open(&mut start);
        assert_eq!(w.timeline_len(), 2);
        assert!(start.notices[0].text.contains("step 3 cannot be replayed"));
        assert_eq!(start.notices[1].param, "step");
        assert!(start.notices[1].text.contains("step 99"));
        let mut start = q("?ops=guser*100.s.s&step=1");
        let w = open(&mut start);
        assert_eq!((w.position(), w.timeline_len()), (1, 3));
        assert!(start.notices.is_empty());
    }
}
