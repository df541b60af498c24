//! The URL parameters a page opens with (`scenario`, `key`, `policy`), checked without panicking.

use slotscope_sim::policy::Policy;
use slotscope_sim::world::{Scenario, MAX_KEY_BYTES};

use crate::text::{clip, group};

/// A URL parameter that could not be used, and what the page did instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The parameter's name.
    pub param: &'static str,
    /// What a person reads.
    pub text: String,
}

/// What the page opens with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// The preset.
    pub scenario: Scenario,
    /// The key in the key box.
    pub key: String,
    /// The first client's policy id (a preset the core knows).
    pub policy: &'static str,
    /// Parameters that fell back to their default.
    pub notices: Vec<Notice>,
}

/// The policy the first client starts with when the address names none.
pub const DEFAULT_POLICY: &str = "redis-py";

/// Resolves the raw (already percent-decoded) values of `scenario`, `key` and `policy`.
/// Unknown or unusable values fall back to the default, with a notice.
pub fn resolve(scenario: Option<&str>, key: Option<&str>, policy: Option<&str>) -> Start {
    let mut notices = Vec::new();
    let scenario = match scenario {
        None => Scenario::Moved,
        Some(raw) => match Scenario::parse(raw.trim().to_ascii_lowercase().as_str()) {
            Some(s) => s,
            None => {
                let known: Vec<&str> = Scenario::ALL.iter().map(|s| s.id()).collect();
                notices.push(Notice {
                    param: "scenario",
                    text: format!(
                        "The address asks for scenario \"{}\", which does not exist (known: {}). Showing the default scenario, {}.",
                        clip(raw, 60),
                        known.join(", "),
                        Scenario::Moved.id()
                    ),
                });
                Scenario::Moved
            }
        },
    };
    let key = match key {
        None => scenario.default_key().to_string(),
        Some(k) if k.len() > MAX_KEY_BYTES => {
            notices.push(Notice {
                param: "key",
                text: format!(
                    "The key in the address is {} bytes long; keys up to {} bytes (64 KiB) are accepted. Showing the default key, {}.",
                    group(k.len()),
                    group(MAX_KEY_BYTES),
                    scenario.default_key()
                ),
            });
            scenario.default_key().to_string()
        }
        Some(k) => k.to_string(),
    };
    let policy = match policy {
        None => DEFAULT_POLICY,
        // The core decides what a policy is: an id it has no preset for is refused.
        Some(raw) => match Policy::preset(raw.trim()).filter(|p| p.validate().is_ok()) {
            Some(p) => p.id,
            None => {
                let known: Vec<&str> = Policy::presets().iter().map(|p| p.id).collect();
                notices.push(Notice {
                    param: "policy",
                    text: format!(
                        "The address asks for client policy \"{}\", which does not exist (known: {}). The client uses the default policy, {}.",
                        clip(raw, 60),
                        known.join(", "),
                        DEFAULT_POLICY
                    ),
                });
                DEFAULT_POLICY
            }
        },
    };
    Start {
        scenario,
        key,
        policy,
        notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_presets() {
        let s = resolve(None, None, None);
        assert_eq!(s.scenario, Scenario::Moved);
        assert_eq!(s.key, "user:100");
        assert!(s.notices.is_empty());
        let s = resolve(Some("ask"), None, None);
        assert_eq!(s.scenario, Scenario::Ask);
        assert_eq!(s.key, Scenario::Ask.default_key());
        let s = resolve(Some(" ASK "), Some(""), Some("jedis"));
        assert_eq!(s.scenario, Scenario::Ask);
        assert_eq!(s.key, "");
        assert_eq!(s.policy, "jedis");
        assert!(s.notices.is_empty());
    }

    #[test]
    fn bad_values_fall_back_with_a_notice() {
        let s = resolve(Some("<b>nope</b>"), Some("k"), None);
        assert_eq!(s.scenario, Scenario::Moved);
        assert_eq!(s.key, "k");
        assert_eq!(s.notices.len(), 1);
        assert_eq!(s.notices[0].param, "scenario");
        assert!(s.notices[0].text.contains("<b>nope</b>"));
        let long = "x".repeat(MAX_KEY_BYTES + 1);
        let s = resolve(None, Some(&long), None);
        assert_eq!(s.key, "user:100");
        assert_eq!(s.notices[0].param, "key");
        assert!(s.notices[0].text.contains("65,537 bytes"));
        let s = resolve(None, None, Some("nope"));
        assert_eq!(s.policy, DEFAULT_POLICY);
        assert_eq!(s.notices[0].param, "policy");
        assert!(s.notices[0].text.contains("policy \"nope\""));
    }
}
