//! Read-only parts of the page written as HTML text. Building markup as strings keeps
//! the WebAssembly small (the page-weight budget is 150 KB gzip for everything);
//! interactive controls stay Yew elements. Every piece of dynamic text goes through
//! [`esc`], so a key such as `<script>` is shown as text.

use std::fmt::Write;
use std::ops::Range;

use slotscope_sim::world::{EntryKind, KeyView, LogEntry, MapEntry, NodeView, ReplyKind};
use slotscope_sim::NodeIdx;

use crate::text::{clip, group, plural, range, ranges};

/// Longest part of a key written out in the key panel.
const KEY_SHOWN: usize = 300;
/// Most rows of the client's map rendered.
pub const MAP_SHOWN: usize = 64;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// [`clip`] then [`esc`].
pub fn ce(s: &str, max: usize) -> String {
    esc(&clip(s, max))
}

fn name(names: &[String], n: Option<NodeIdx>) -> String {
    n.and_then(|i| names.get(i as usize))
        .cloned()
        .unwrap_or_else(|| "no node".into())
}

/// The lesson that stays visible whatever happens on the page.
pub const LESSON: &str = r#"<h2 id="lesson-title" class="visually-hidden">The lesson</h2><ul><li><strong>No proxies.</strong> Clients talk to the shards directly, using their own map of slots to nodes.</li><li><strong>MOVED = permanent.</strong> The slot lives on another node now: update the map, retry there.</li><li><strong>ASK = temporary.</strong> The slot is being migrated: follow once (ASKING, then the command), do not update the map.</li><li><strong>Automatic.</strong> Smart client libraries do all of this for you.</li></ul>"#;

/// The page footer.
pub const FOOTER: &str = "<p>A simulation of Redis 7.0 cluster nodes and a smart client, running in your browser: nothing is sent over the network.</p>";

/// The live slot computation under the key box: the key with its hash tag in `<mark>`,
/// the CRC16, the slot, and which node the client's map picks versus which node really
/// serves the slot (all read from the core's [`KeyView`]).
pub fn key_panel(key: &str, v: &KeyView, names: &[String]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<p class="keyline"><code class="keytext">{}</code></p><p class="hashed">"#,
        key_with_tag(key, v.tag.clone())
    );
    match &v.tag {
        Some(r) => {
            let _ = write!(
                s,
                "Hash tag: only <mark>{}</mark> (between the first {{ and the next }}) is hashed, so keys that share it share a slot.",
                ce(key.get(r.clone()).unwrap_or_default(), 80)
            );
        }
        None => s.push_str("No hash tag: the whole key is hashed."),
    }
    let same = v.client_pick.is_some() && v.client_pick == v.owner;
    let _ = write!(
        s,
        r#"</p><p class="calc">CRC16 = <strong class="crc">{crc}</strong> (0x{crc:04X}) → slot = CRC16 mod 16384 = <strong class="slot">{slot}</strong></p><p class="route{differs}"><span class="pick">client{picks} <strong>{pick}</strong></span><span class="sep" aria-hidden="true"> · </span><span class="owner"><strong>{owner}</strong>{owns}</span> <span class="verdict">{verdict}</span></p>"#,
        crc = v.crc16,
        slot = v.slot,
        differs = if same { "" } else { " differs" },
        picks = if v.keeps_map {
            "'s map picks"
        } else {
            " starts at"
        },
        pick = esc(&name(names, v.client_pick)),
        owner = esc(&name(names, v.owner)),
        owns = if v.owner.is_some() {
            " really owns it"
        } else {
            " (nobody serves this slot)"
        },
        verdict = if same {
            "✓ same node"
        } else {
            "✗ not the same node"
        },
    );
    if let Some((from, to)) = v.migration {
        let _ = write!(
            s,
            r#"<p class="mig"><span aria-hidden="true">⇄ </span>Slot {} is being migrated from {} to {}.</p>"#,
            v.slot,
            esc(&name(names, Some(from))),
            esc(&name(names, Some(to)))
        );
    }
    s
}

/// The key, escaped, with the hash tag inside `<mark>`; very long keys are cut.
fn key_with_tag(key: &str, tag: Option<Range<usize>>) -> String {
    if key.is_empty() {
        return r#"<em class="empty">(empty key: slot 0)</em>"#.into();
    }
    let (shown, tail) = if key.len() > KEY_SHOWN {
        let mut end = KEY_SHOWN;
        while !key.is_char_boundary(end) {
            end -= 1;
        }
        (
            &key[..end],
            format!("… ({} bytes in all)", group(key.len())),
        )
    } else {
        (key, String::new())
    };
    if let Some(r) = tag.filter(|r| r.end <= shown.len()) {
        if let (Some(a), Some(b), Some(c)) = (
            shown.get(..r.start),
            shown.get(r.clone()),
            shown.get(r.end..),
        ) {
            return format!("{}<mark>{}</mark>{}{tail}", esc(a), esc(b), esc(c));
        }
    }
    format!("{}{tail}", esc(shown))
}

/// The client's slot map as a table: stale entries and the entry changed by the
/// last MOVED are said in words, the row of the key's slot is marked.
pub fn map_table(map: &[MapEntry], key_slot: u16, names: &[String]) -> String {
    let mut s = String::from(
        r#"<table class="map"><caption>The client's slot map (its cache)</caption><thead><tr><th scope="col">Slots</th><th scope="col">Sends to</th><th scope="col">Check</th></tr></thead><tbody>"#,
    );
    for m in map.iter().take(MAP_SHOWN) {
        let holds_key = (m.start..=m.end).contains(&key_slot);
        let _ = write!(
            s,
            r#"<tr class="{}{}{}"><td class="slots">{}"#,
            if m.stale.is_some() { "stale " } else { "" },
            if m.changed { "changed " } else { "" },
            if holds_key { "keyslot" } else { "" },
            range(m.start, m.end)
        );
        if holds_key {
            let _ = write!(
                s,
                r#"<span class="mark-key"> ◆ key's slot {key_slot}</span>"#
            );
        }
        let _ = write!(
            s,
            r#"</td><td>{}</td><td class="check">"#,
            esc(&name(names, Some(m.node)))
        );
        match m.stale {
            Some(t) => {
                let _ = write!(s, "✗ stale: really {}", esc(&name(names, Some(t))));
            }
            None => s.push_str("✓ correct"),
        }
        if m.changed {
            s.push_str(r#"<span class="changed-note">★ changed by the last MOVED</span>"#);
        }
        s.push_str("</td></tr>");
    }
    if map.len() > MAP_SHOWN {
        let _ = write!(
            s,
            r#"<tr><td colspan="3">… {} more ranges</td></tr>"#,
            map.len() - MAP_SHOWN
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// The word shown with a reply (colour is never the only signal) and its class.
pub fn reply_badge(kind: ReplyKind) -> (&'static str, &'static str) {
    match kind {
        ReplyKind::Served => ("reply", "served"),
        ReplyKind::Moved => ("MOVED", "moved"),
        ReplyKind::Ask => ("ASK", "ask"),
        ReplyKind::TryAgain => ("TRYAGAIN", "tryagain"),
        ReplyKind::Error => ("error", "error"),
        ReplyKind::None => ("", "none"),
    }
}

/// A reply as a sentence says it: without RESP's type marks and line ends
/// (`-MOVED 9308 …`, `+OK`, `$3\r\nAda` become `MOVED 9308 …`, `OK`, `Ada`).
fn spoken(reply: &str) -> &str {
    let r = crate::text::short_reply(reply);
    match r.as_bytes().first() {
        Some(b'-' | b'+' | b':') => &r[1..],
        Some(b'$') if r == "$-1" => "nil",
        // After the first `\r\n` (a byte search: no substring searcher in the page).
        Some(b'$') => r
            .as_bytes()
            .windows(4)
            .position(|w| w == b"\\r\\n")
            .map_or(r, |i| &r[i + 4..]),
        _ => r,
    }
}

/// One log entry: its class and its inner HTML.
pub fn log_entry(e: &LogEntry) -> (String, String) {
    if e.kind == EntryKind::Note {
        let class = if e.why.starts_with("Result:") {
            "entry note result"
        } else {
            "entry note"
        };
        return (
            class.into(),
            format!(r#"<p class="line">{}</p>"#, ce(&e.why, 700)),
        );
    }
    let (badge, class) = reply_badge(e.reply_kind);
    let kind = if e.kind == EntryKind::Admin {
        "admin"
    } else {
        "hop"
    };
    // Screen readers hear the hop as one sentence (the log is a live region), then why.
    let mut s = format!(
        r#"<p class="visually-hidden">{from} sent {cmd} to {to} and got {}{}.</p><div aria-hidden="true"><p class="line"><span class="route">{from} → {to}</span>: <code class="cmd">{cmd}</code></p><p class="reply"><span class="badge">{badge}</span> <code>{}</code>"#,
        ce(spoken(&e.reply), 300),
        match e.map_changed {
            Some(slot) => format!(", and the client updated its map for slot {slot}"),
            None => String::new(),
        },
        ce(&e.reply, 300),
        from = esc(&e.from),
        to = esc(&e.to),
        cmd = ce(&e.command, 300),
    );
    if let Some(slot) = e.map_changed {
        let _ = write!(
            s,
            r#" <span class="badge map">map updated: slot {slot}</span>"#
        );
    }
    let _ = write!(s, r#"</p></div><p class="why">{}</p>"#, ce(&e.why, 700));
    (format!("entry {kind} {class}"), s)
}

/// The inside of a node's button: name, address, slots, migrations, key count and
/// where the last and next hops go.
pub fn node_inner(n: &NodeView, last: bool, next: bool, open: bool) -> String {
    let mut s = format!(
        r#"<span class="node-head">{ICON_NODE}<span class="node-name">{}</span></span> <span class="node-addr">{}</span> <span class="node-slots">Slots {}</span>"#,
        esc(&n.name),
        esc(&n.addr),
        ranges(&n.ranges)
    );
    for (slot, to) in &n.migrating {
        let _ = write!(
            s,
            r#" <span class="node-mig">⇄ migrating slot {slot} to {}</span>"#,
            esc(to)
        );
    }
    for (slot, from) in &n.importing {
        let _ = write!(
            s,
            r#" <span class="node-mig">⇄ importing slot {slot} from {}</span>"#,
            esc(from)
        );
    }
    let _ = write!(
        s,
        r#" <span class="node-keys">{}</span>"#,
        plural(n.key_count, "key", "keys")
    );
    if last {
        s.push_str(r#" <span class="node-flag">● last hop</span>"#);
    }
    if next {
        s.push_str(r#" <span class="node-flag next">○ next hop</span>"#);
    }
    let _ = write!(
        s,
        r#" <span class="node-open">{}</span>"#,
        if open {
            "Hide details ▴"
        } else {
            "Details ▾"
        }
    );
    s
}

/// A node's accessible name: "Node 1, 127.0.0.1:7000, slots 0-5000, ...".
/// It says everything the button shows, in the same order.
pub fn node_label(n: &NodeView, last: bool, next: bool, open: bool) -> String {
    let mut s = format!("{}, {}, slots {}", n.name, n.addr, ranges(&n.ranges));
    for (slot, to) in &n.migrating {
        let _ = write!(s, ", migrating slot {slot} to {to}");
    }
    for (slot, from) in &n.importing {
        let _ = write!(s, ", importing slot {slot} from {from}");
    }
    let _ = write!(s, ", {}", plural(n.key_count, "key", "keys"));
    if last {
        s.push_str(", last hop");
    }
    if next {
        s.push_str(", next hop");
    }
    s.push_str(if open { ", hide details" } else { ", details" });
    s
}

/// A node's facts for its details panel.
pub fn node_facts(n: &NodeView) -> String {
    let list = |v: &[(u16, String)], word: &str| -> String {
        if v.is_empty() {
            "none".into()
        } else {
            v.iter()
                .map(|(s, other)| format!("slot {s} {word} {}", esc(other)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    format!(
        "<dt>Slots it serves (its own view)</dt><dd>{}</dd><dt>Migrating</dt><dd>{}</dd><dt>Importing</dt><dd>{}</dd><dt>Keys held</dt><dd>{}</dd>",
        ranges(&n.ranges),
        list(&n.migrating, "to"),
        list(&n.importing, "from"),
        n.key_count
    )
}

/// The keys a node holds (the core gives at most 50).
pub fn node_keys(n: &NodeView) -> String {
    let mut s = if n.key_count > n.keys.len() {
        format!(
            "<h3>Keys it holds (first {} of {})</h3>",
            n.keys.len(),
            n.key_count
        )
    } else {
        "<h3>Keys it holds</h3>".to_string()
    };
    if n.keys.is_empty() {
        s.push_str(r#"<p class="muted">No keys.</p>"#);
        return s;
    }
    s.push_str(r#"<div class="table-wrap"><table class="keys"><thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Slot</th></tr></thead><tbody>"#);
    for (k, v, slot) in &n.keys {
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{slot}</td></tr>",
            ce(k, 60),
            ce(v, 60)
        );
    }
    s.push_str("</tbody></table></div>");
    s
}

/// The smart client's picture: a laptop and a phone.
pub const ICON_CLIENT: &str = r#"<svg class="icon client-icon" viewBox="0 0 48 40" aria-hidden="true" focusable="false"><rect x="10" y="6" width="30" height="20" rx="2" fill="none" stroke="currentColor" stroke-width="2.5"/><path d="M4 31h42l-3 4H7z" fill="currentColor"/><rect x="2" y="12" width="14" height="24" rx="3" fill="var(--panel)" stroke="currentColor" stroke-width="2.5"/><circle cx="9" cy="32" r="1.6" fill="currentColor"/></svg>"#;

/// A node's picture: a server.
pub const ICON_NODE: &str = r#"<svg class="icon node-icon" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect x="4" y="4" width="24" height="10" rx="2" fill="none" stroke="currentColor" stroke-width="2.5"/><rect x="4" y="18" width="24" height="10" rx="2" fill="none" stroke="currentColor" stroke-width="2.5"/><circle cx="10" cy="9" r="1.8" fill="currentColor"/><circle cx="10" cy="23" r="1.8" fill="currentColor"/></svg>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_be_markup() {
        assert_eq!(
            esc(r#"<script>alert('x')</script> & "q""#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn key_with_its_tag_marked() {
        assert_eq!(
            key_with_tag("{user:7}:cart", Some(1..7)),
            "{<mark>user:7</mark>}:cart"
        );
        assert_eq!(key_with_tag("<b>", None), "&lt;b&gt;");
        assert!(key_with_tag("", None).contains("empty key"));
        let long = "k".repeat(70_000);
        let shown = key_with_tag(&long, None);
        assert!(shown.len() < 400, "{}", shown.len());
        assert!(shown.ends_with("(70,000 bytes in all)"));
    }
}
