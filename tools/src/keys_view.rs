//! The key calculator: many keys at once, with their slots, hash tags, the node that
//! serves each slot, and which keys may go together in one multi-key command.

use std::collections::HashMap;
use std::fmt::Write;

use slotscope_sim::keyslot::analyze;

use crate::html::{clip, esc, group};
use crate::Args;

/// Most keys read from one paste.
pub const MAX_KEYS: usize = 200_000;
/// Rows of the per-key table shown (every key is counted in the summary).
const KEY_ROWS: usize = 500;
/// Groups listed.
const GROUP_ROWS: usize = 200;
/// Longest key shown in full.
const KEY_SHOWN: usize = 120;

/// Answers `keys`: the request's `owner=<first>-<last> <node name>` lines give the
/// cluster's slot owners; the attached text holds the keys, one per line (or separated
/// by spaces).
pub fn answer(args: &Args, keys: &str) -> Result<String, String> {
    let mut owner: Vec<Option<usize>> = vec![None; slotscope_sim::keyslot::SLOTS];
    let mut names: Vec<String> = Vec::new();
    for line in args.all("owner") {
        let (range, name) = line
            .split_once(' ')
            .ok_or_else(|| format!("bad owner line {:?}", clip(line, 40)))?;
        let (a, b) = range
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
            .filter(|&(a, b)| a <= b && b < owner.len())
            .ok_or_else(|| format!("bad slot range {:?}", clip(range, 20)))?;
        let n = match names.iter().position(|x| x == name) {
            Some(n) => n,
            None => {
                names.push(name.to_string());
                names.len() - 1
            }
        };
        owner[a..=b].iter_mut().for_each(|o| *o = Some(n));
    }
    let keys: Vec<&str> = keys
        .split(['\n', ' ', '\t', '\r'])
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return Err("paste at least one key (one per line, or separated by spaces)".into());
    }
    if keys.len() > MAX_KEYS {
        return Err(format!(
            "{} keys is more than the calculator reads at once ({})",
            group(keys.len() as u64),
            group(MAX_KEYS as u64)
        ));
    }
    Ok(render(&keys, &owner, &names))
}

struct Group<'a> {
    slot: u16,
    keys: Vec<&'a str>,
}

fn render(keys: &[&str], owner: &[Option<usize>], names: &[String]) -> String {
    let node = |slot: u16| match owner[slot as usize] {
        Some(n) => esc(&names[n]),
        None => "nobody (CLUSTERDOWN Hash slot not served)".to_string(),
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut by_slot: HashMap<u16, usize> = HashMap::new();
    let mut rows = String::new();
    for (i, k) in keys.iter().enumerate() {
        let info = analyze(k.as_bytes());
        let g = *by_slot.entry(info.slot).or_insert_with(|| {
            groups.push(Group {
                slot: info.slot,
                keys: Vec::new(),
            });
            groups.len() - 1
        });
        groups[g].keys.push(k);
        if i < KEY_ROWS {
            let shown = match &info.tag {
                Some(t) if k.len() <= KEY_SHOWN => format!(
                    "{}<mark>{}</mark>{}",
                    esc(&k[..t.start]),
                    esc(&k[t.clone()]),
                    esc(&k[t.end..])
                ),
                _ => esc(&clip(k, KEY_SHOWN)),
            };
            let _ = write!(
                rows,
                "<tr><td><code>{shown}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                info.slot,
                node(info.slot),
                g + 1
            );
        }
    }
    let nodes_used = {
        let mut seen: Vec<Option<usize>> = groups.iter().map(|g| owner[g.slot as usize]).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    };
    let mut o = String::new();
    let together = groups.iter().filter(|g| g.keys.len() > 1).count();
    let _ = write!(
        o,
        "<p class=\"keys-summary\">{} key{} in {} slot{} on {} node{}. Keys can go together in one \
         multi-key command (MGET, MSET, DEL) only when they share a slot: otherwise the node answers \
         <code>-CROSSSLOT Keys in request don't hash to the same slot</code>. {} group{} of several \
         keys share a slot. A hash tag (<mark>marked</mark>) makes keys share one.</p>",
        group(keys.len() as u64),
        if keys.len() == 1 { "" } else { "s" },
        group(groups.len() as u64),
        if groups.len() == 1 { "" } else { "s" },
        nodes_used,
        if nodes_used == 1 { "" } else { "s" },
        group(together as u64),
        if together == 1 { "" } else { "s" },
    );
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| (std::cmp::Reverse(groups[g].keys.len()), g));
    o.push_str(
        "<div class=\"table-wrap\"><table class=\"groups\"><caption>Groups: keys that may go together</caption>\
         <thead><tr><th scope=\"col\">Group</th><th scope=\"col\">Slot</th><th scope=\"col\">Served by</th>\
         <th scope=\"col\">Keys</th><th scope=\"col\">First keys</th></tr></thead><tbody>",
    );
    for &g in order.iter().take(GROUP_ROWS) {
        let gr = &groups[g];
        let first: Vec<String> = gr.keys.iter().take(3).map(|k| esc(&clip(k, 40))).collect();
        let _ = write!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code>{}</td></tr>",
            g + 1,
            gr.slot,
            node(gr.slot),
            group(gr.keys.len() as u64),
            first.join("</code>, <code>"),
            if gr.keys.len() > 3 { ", …" } else { "" }
        );
    }
    o.push_str("</tbody></table></div>");
    if groups.len() > GROUP_ROWS {
        let _ = write!(
            o,
            "<p class=\"hint\">The {} largest groups of {} are listed.</p>",
            GROUP_ROWS,
            group(groups.len() as u64)
        );
    }
    let _ = write!(
        o,
        "<div class=\"table-wrap\"><table class=\"key-rows\"><caption>Each key</caption><thead><tr>\
         <th scope=\"col\">Key</th><th scope=\"col\">Slot</th><th scope=\"col\">Served by</th>\
         <th scope=\"col\">Group</th></tr></thead><tbody>{rows}</tbody></table></div>"
    );
    if keys.len() > KEY_ROWS {
        let _ = write!(
            o,
            "<p class=\"hint\">The first {} keys of {} are listed; the summary and groups count them all.</p>",
            KEY_ROWS,
            group(keys.len() as u64)
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNERS: &str =
        "keys\nowner=0-5460 Node 1\nowner=5461-10922 Node 2\nowner=10923-16383 Node 3\n---\n";

    #[test]
    fn groups_keys_by_slot_and_names_the_serving_node() {
        let out = answer(&format!("{OWNERS}{{user:1}}:a {{user:1}}:b\nfoo\n")).unwrap();
        assert!(out.contains("3 keys in 2 slots on 2 nodes"), "{out}");
        assert!(
            out.contains("1 group of several keys share a slot"),
            "{out}"
        );
        // foo hashes to 12182 (the golden capture's MOVED 12182), served by Node 3.
        assert!(
            out.contains("<td><code>foo</code></td><td>12182</td><td>Node 3</td><td>2</td>"),
            "{out}"
        );
        let tag_slot = analyze(b"user:1").slot;
        assert!(
            out.contains(&format!(
                "<td><code>{{<mark>user:1</mark>}}:a</code></td><td>{tag_slot}</td>"
            )),
            "{out}"
        );
    }

    #[test]
    fn unserved_slots_and_bad_input_are_explained() {
        let out = answer("keys\nowner=0-100 Node 1\n---\nfoo").unwrap();
        assert!(
            out.contains("nobody (CLUSTERDOWN Hash slot not served)"),
            "{out}"
        );
        assert!(answer("keys\n---\n  \n")
            .unwrap_err()
            .contains("paste at least one key"));
        assert!(answer("keys\nowner=9-3 Node 1\n---\nfoo")
            .unwrap_err()
            .contains("bad slot range"));
        assert!(answer("keys\nowner=0-99999 Node 1\n---\nfoo").is_err());
        assert!(answer("keys\n<script> x\n---\n<b>")
            .unwrap()
            .contains("&lt;b&gt;"));
    }

    fn answer(request: &str) -> Result<String, String> {
        let (head, keys) = request.split_once("\n---\n").unwrap_or((request, ""));
        super::answer(&Args::parse(head), keys)
    }

    #[test]
    fn a_hundred_thousand_keys_are_counted_and_the_table_is_capped() {
        let keys: Vec<String> = (0..100_000)
            .map(|i| format!("{{user:{}}}:{}", i / 10, i % 10))
            .collect();
        let out = answer(&format!("{OWNERS}{}", keys.join("\n"))).unwrap();
        assert!(out.contains("100,000 keys in"), "{}", &out[..300]);
        assert!(out.contains("The first 500 keys of 100,000 are listed"));
        assert_eq!(out.matches("<tr><td><code>").count(), 500);
    }
}
