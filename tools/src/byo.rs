//! Bring your own cluster: a pasted topology becomes a report (what was recognised, the
//! nodes, what could not be used, and the simulated cluster's own answer to CLUSTER
//! SLOTS); a pasted session replays over it, one frame per recorded step, so the page
//! does not carry the parsers or the replay. Parse errors name the line and the reason.

use std::fmt::Write;

use slotscope_sim::argv::split;
use slotscope_sim::import::{self, parse_resp, Source, TopoNode, Topology};
use slotscope_sim::resp::Reply;
use slotscope_sim::timeline::World;
use slotscope_sim::transcript::{cli_print, parse_recording, Expected, Step};
use slotscope_sim::world::LogEntry;

use crate::html::{clip, esc, group};

/// Separates the topology from the session in a `replay` request (a line holding only
/// the ASCII group separator, U+001D).
pub const SESSION_SEP: &str = "\n\u{1d}\n";
/// Separates the frames of a `replay` answer, one per step (the ASCII record separator,
/// U+001E; a character the page splits on cheaply).
pub const FRAME_SEP: char = '\u{1e}';
/// Most recorded steps replayed from one paste.
pub const MAX_STEPS: usize = 5_000;
/// Clusters up to this many nodes are drawn whole in each frame's strip; larger ones
/// show only the nodes the step talked to.
const STRIP_ALL: usize = 24;
/// Slot ranges listed per node in the table.
const RANGES_SHOWN: usize = 12;

/// Which command's output, and in which form, was pasted.
fn recognised(text: &str, source: Source) -> String {
    let cmd = match source {
        Source::Nodes => "CLUSTER NODES",
        Source::Shards => "CLUSTER SHARDS",
        Source::Slots => "CLUSTER SLOTS",
    };
    let t = text.trim_start();
    let form = if t.starts_with(['*', '$', '%', '=']) {
        "raw RESP"
    } else if t.starts_with("1) ") {
        "redis-cli --no-raw output"
    } else if source == Source::Nodes {
        "plain text"
    } else {
        "redis-cli's default output"
    };
    format!("{cmd} output ({form})")
}

/// `a-b, c` for slot ranges, at most `RANGES_SHOWN` of them.
fn ranges(rs: &[(u16, u16)]) -> String {
    if rs.is_empty() {
        return "none".into();
    }
    let mut s: Vec<String> = rs
        .iter()
        .take(RANGES_SHOWN)
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    if rs.len() > RANGES_SHOWN {
        s.push(format!("and {} more ranges", rs.len() - RANGES_SHOWN));
    }
    s.join(", ")
}

/// How redis-cli prints a reply when its output is not a terminal (its default in a
/// pipe or a file): one value per line, nested arrays flattened, nil as nothing.
pub fn cli_raw(reply: &Reply) -> String {
    fn go(r: &Reply, out: &mut String) {
        match r {
            Reply::Nil => {}
            Reply::Error(e) => {
                out.push_str(&String::from_utf8_lossy(e));
                out.push('\n');
            }
            Reply::Simple(s) | Reply::Verbatim(s) => out.push_str(s),
            Reply::Bulk(b) => out.push_str(&String::from_utf8_lossy(b)),
            Reply::Integer(n) => out.push_str(&n.to_string()),
            Reply::Array(items) => {
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    go(it, out);
                }
            }
            Reply::Map(pairs) => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    go(k, out);
                    out.push('\n');
                    go(v, out);
                }
            }
        }
    }
    let mut out = String::new();
    go(reply, &mut out);
    out.push('\n');
    out
}

/// The address of the node with id `id` in the pasted topology, else its short id.
fn addr_of(nodes: &[TopoNode], id: &str) -> String {
    match nodes.iter().find(|n| n.id == id) {
        Some(n) => format!("{}:{}", n.host, n.port),
        None => format!("unknown node {}", &id[..id.len().min(8)]),
    }
}

/// Answers `topology`: the report on a pasted `CLUSTER NODES`, `CLUSTER SHARDS` or
/// `CLUSTER SLOTS` output (redis-cli's default output, `--no-raw` or RESP).
pub fn topology(text: &str) -> Result<String, String> {
    let topo = import::parse(text).map_err(|e| e.to_string())?;
    let imported = topo.build()?;
    let mut cluster = imported.cluster;
    let asked = imported.myself.unwrap_or(0);
    let asked_addr = cluster.nodes[asked as usize].addr();
    let conn = cluster.connect(asked);
    let slots = cluster.execute(conn, &split("CLUSTER SLOTS"));

    let masters = topo.nodes.iter().filter(|n| n.replica_of.is_none()).count();
    let mut o = String::new();
    let _ = write!(
        o,
        "<p class=\"byo-summary\">Recognised {}: {} node{} ({} master{}, {} replica{}).</p>",
        recognised(text, topo.source),
        group(topo.nodes.len() as u64),
        if topo.nodes.len() == 1 { "" } else { "s" },
        group(masters as u64),
        if masters == 1 { "" } else { "s" },
        group((topo.nodes.len() - masters) as u64),
        if topo.nodes.len() - masters == 1 {
            ""
        } else {
            "s"
        },
    );
    o.push_str(
        "<div class=\"table-wrap\"><table class=\"byo-nodes\"><caption>Nodes</caption><thead><tr>\
         <th scope=\"col\">Id</th><th scope=\"col\">Address</th><th scope=\"col\">Role</th>\
         <th scope=\"col\">Config epoch</th><th scope=\"col\">Slots</th>\
         <th scope=\"col\">Migrating and importing</th></tr></thead><tbody>",
    );
    for n in &topo.nodes {
        let role = match &n.replica_of {
            None => "master".to_string(),
            Some(m) => format!("replica of {}", addr_of(&topo.nodes, m)),
        };
        let moving: Vec<String> =
            n.migrating
                .iter()
                .map(|(s, to)| format!("slot {s} migrating to {}", addr_of(&topo.nodes, to)))
                .chain(n.importing.iter().map(|(s, from)| {
                    format!("slot {s} importing from {}", addr_of(&topo.nodes, from))
                }))
                .collect();
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><th scope=\"row\">{}:{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&clip(&n.id, 8)),
            esc(&n.host),
            n.port,
            esc(&role),
            n.epoch.map_or("not given".into(), |e| e.to_string()),
            ranges(&n.slots),
            if moving.is_empty() { "none".into() } else { esc(&moving.join("; ")) },
        );
    }
    o.push_str("</tbody></table></div>");
    if imported.unused.is_empty() {
        o.push_str("<p>Everything pasted was used.</p>");
    } else {
        o.push_str("<p>Not used:</p><ul class=\"byo-unused\">");
        for u in &imported.unused {
            let _ = write!(o, "<li>{}</li>", esc(u));
        }
        o.push_str("</ul>");
    }
    let _ = write!(
        o,
        "<figure class=\"byo-slots\"><figcaption>CLUSTER SLOTS sent to {} in the simulation{}, \
         as redis-cli prints the answer</figcaption><pre>{}</pre></figure>\
         <details><summary>The same answer as redis-cli shows it in a terminal (<code>--no-raw</code>)</summary>\
         <pre>{}</pre></details>",
        esc(&asked_addr),
        if imported.myself.is_some() {
            " (the node that printed the pasted output)"
        } else {
            ""
        },
        esc(&cli_raw(&slots)),
        esc(&cli_print(&slots)),
    );
    Ok(o)
}

/// Undoes [`slotscope_sim::resp::escape_bytes`] (the log's wire text).
fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let (byte, used) = match b[i + 1] {
                b'r' => (b'\r', 2),
                b'n' => (b'\n', 2),
                b't' => (b'\t', 2),
                b'\\' => (b'\\', 2),
                b'x' if i + 4 <= b.len() => {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (hex(b[i + 2]), hex(b[i + 3])) {
                        (Some(h), Some(l)) => ((h * 16 + l) as u8, 4),
                        _ => (b'\\', 1),
                    }
                }
                _ => (b'\\', 1),
            };
            out.push(byte);
            i += used;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// A RESP text as redis-cli prints it in a terminal, or the text itself when it does
/// not parse.
fn resp_as_cli(resp: &[u8], fallback: &str) -> String {
    std::str::from_utf8(resp)
        .ok()
        .and_then(|t| parse_resp(t).ok())
        .map_or_else(|| fallback.to_string(), |r| cli_print(&r))
}

/// Answers `replay`: the attached text is the topology, a [`SESSION_SEP`] line, then a
/// `redis-cli -c` transcript or a JSONL script. The answer is one frame per recorded
/// step, each starting with the replay's summary, separated by [`FRAME_SEP`].
pub fn replay(attached: &str) -> Result<String, String> {
    let (topo_text, session) = attached
        .split_once(SESSION_SEP)
        .ok_or("the request holds no session after the topology")?;
    let topo: Topology = import::parse(topo_text).map_err(|e| format!("topology {e}"))?;
    let mut world = World::from_topology(topo).map_err(|e| format!("topology: {e}"))?;
    let steps = parse_recording(session).map_err(|e| e.to_string())?;
    if steps.len() > MAX_STEPS {
        return Err(format!(
            "{} recorded steps is more than one replay reads ({})",
            group(steps.len() as u64),
            group(MAX_STEPS as u64)
        ));
    }
    world.load_recording(steps.clone())?;
    let addrs: Vec<String> = world.cluster().nodes.iter().map(|n| n.addr()).collect();
    let mut frames = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let before = world.dropped_entries() + world.log().len();
        world.replay_step();
        let fresh = world.dropped_entries() + world.log().len() - before;
        let log = world.log();
        let entries = &log[log.len() - fresh.min(log.len())..];
        frames.push(frame(i, steps.len(), step, entries, &addrs));
    }
    let differ = world.recording_mismatches();
    let summary = format!(
        "<p class=\"byo-summary\">{} step{}, {} differ{} from the recording.</p>",
        group(steps.len() as u64),
        if steps.len() == 1 { "" } else { "s" },
        group(differ as u64),
        if differ == 1 { "s" } else { "" },
    );
    let mut o = String::new();
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            o.push(FRAME_SEP);
        }
        o.push_str(&summary);
        o.push_str(f);
    }
    Ok(o)
}

/// One step's frame: the command, the nodes it went to and their answers, the recorded
/// and simulated replies, and the cluster's nodes with the one that answered marked.
fn frame(i: usize, n: usize, step: &Step, entries: &[LogEntry], addrs: &[String]) -> String {
    let mut o = String::new();
    let command = entries
        .iter()
        .rev()
        .find(|e| e.from.starts_with("Recording"))
        .map_or_else(
            || {
                step.argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            },
            |e| e.command.clone(),
        );
    let _ = write!(
        o,
        "<h3>Step {} of {}: <code>{}</code></h3><p>Recorded on line {} of the session, sent first to {}.</p><ol class=\"byo-hops\">",
        i + 1,
        n,
        esc(&clip(&command, 200)),
        step.line,
        esc(&step.node),
    );
    for e in entries {
        let to = e
            .node
            .and_then(|x| addrs.get(x as usize))
            .map_or("?", |a| a.as_str());
        let _ = write!(
            o,
            "<li><code>{}</code> to {}: <code>{}</code>. {}</li>",
            esc(&clip(&e.command, 200)),
            esc(to),
            esc(&clip(&resp_as_cli(&unescape(&e.reply), &e.reply), 400)),
            esc(&e.why),
        );
    }
    o.push_str("</ol>");
    for (slot, addr) in &step.redirects {
        let _ = write!(
            o,
            "<p>redis-cli printed: <code>-&gt; Redirected to slot [{slot}] located at {}</code></p>",
            esc(addr)
        );
    }
    let last = entries.last();
    let recorded = match &step.expected {
        Expected::Nothing => None,
        Expected::Printed(p) => Some(p.clone()),
        Expected::Raw(r) => Some(resp_as_cli(r.as_bytes(), r)),
    };
    let simulated = last.map_or_else(
        || "(nothing was sent)".to_string(),
        |e| resp_as_cli(&unescape(&e.reply), &e.reply),
    );
    let _ = write!(
        o,
        "<dl class=\"byo-replies\"><dt>Recorded reply</dt><dd><pre>{}</pre></dd><dt>Simulated reply</dt><dd><pre>{}</pre></dd></dl>",
        esc(&clip(recorded.as_deref().unwrap_or("(not recorded)"), 4000)),
        esc(&clip(&simulated, 4000)),
    );
    match last.and_then(|e| e.mismatch.as_deref()) {
        Some(m) => {
            let _ = write!(
                o,
                "<p class=\"byo-differs\"><strong>✗ This step differs from the recording:</strong> {}</p>",
                esc(&clip(m, 2000))
            );
        }
        None if recorded.is_some() => {
            o.push_str("<p class=\"byo-same\">✓ Same as the recording.</p>")
        }
        None => o.push_str("<p class=\"byo-same\">Nothing was recorded to compare with.</p>"),
    }
    let answered = last.and_then(|e| e.node);
    let touched: Vec<u16> = entries.iter().filter_map(|e| e.node).collect();
    o.push_str("<ul class=\"byo-strip\" aria-label=\"Nodes of the loaded cluster\">");
    for (k, a) in addrs.iter().enumerate() {
        let k = k as u16;
        if addrs.len() > STRIP_ALL && !touched.contains(&k) {
            continue;
        }
        if Some(k) == answered {
            let _ = write!(
                o,
                "<li aria-current=\"true\">{} (answered this step)</li>",
                esc(a)
            );
        } else if touched.contains(&k) {
            let _ = write!(
                o,
                "<li class=\"byo-touched\">{} (redirected from)</li>",
                esc(a)
            );
        } else {
            let _ = write!(o, "<li>{}</li>", esc(a));
        }
    }
    o.push_str("</ul>");
    if addrs.len() > STRIP_ALL {
        let _ = write!(
            o,
            "<p class=\"hint\">The {} other nodes are not shown.</p>",
            group(
                (addrs.len()
                    - touched
                        .iter()
                        .collect::<std::collections::HashSet<_>>()
                        .len()) as u64
            )
        );
    }
    // A frame never holds the separator (pasted replies could).
    o.replace('\u{1e}', "\u{fffd}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::topology_phases;

    /// Reverses [`esc`] for the text inside one `<pre>`.
    fn unesc(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    /// The text of the first `<pre>` after `marker`.
    fn pre_after(html: &str, marker: &str) -> String {
        let at = html
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} not in {html}"));
        let rest = &html[at..];
        let a = rest.find("<pre>").unwrap() + 5;
        let b = rest[a..].find("</pre>").unwrap() + a;
        unesc(&rest[a..b])
    }

    const NODES: &str = "d70a3210d3ed7ed8e80b069f95e26b2aacc271c9 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [4449->-61641fd17a31af2ca1d9f591992042160f80251c]\n61641fd17a31af2ca1d9f591992042160f80251c 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922 [4449-<-d70a3210d3ed7ed8e80b069f95e26b2aacc271c9]\n15adaa1e3da3b55e5abcd0a8735d0f73a45c4d19 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383\n7e1f0d0a8d0c7c1e6c2e2b1f1c4b8e0a9d3c2b1a 127.0.0.1:7003@17003 slave d70a3210d3ed7ed8e80b069f95e26b2aacc271c9 0 0 1 connected\n";

    #[test]
    fn every_golden_dump_answers_cluster_slots_like_the_real_node() {
        let mut loaded = 0;
        for phase in &topology_phases() {
            for port in [7000u16, 7001, 7002] {
                // The real node's answer as redis-cli printed it; where the capture
                // holds only its RESP bytes, those bytes in redis-cli's forms.
                let file = |form: &str| {
                    std::fs::read_to_string(phase.join(format!("{port}.cluster_slots.{form}")))
                };
                let resp = parse_resp(&file("resp").unwrap()).unwrap();
                let raw = file("redis-cli.txt").unwrap_or_else(|_| cli_raw(&resp));
                let tty = file("redis-cli-no-raw.txt").unwrap_or_else(|_| cli_print(&resp));
                for cmd in ["nodes", "shards", "slots"] {
                    for form in ["resp", "redis-cli.txt", "redis-cli-no-raw.txt"] {
                        let path = phase.join(format!("{port}.cluster_{cmd}.{form}"));
                        let Ok(text) = std::fs::read_to_string(&path) else {
                            continue;
                        };
                        let what = path.display().to_string();
                        let out = crate::handle(&format!("topology\n---\n{text}"));
                        assert!(!out.starts_with("error:"), "{what}: {out}");
                        assert!(
                            out.contains(&format!("Recognised CLUSTER {}", cmd.to_uppercase())),
                            "{what}"
                        );
                        assert!(out.contains("Everything pasted was used."), "{what}");
                        let shown = pre_after(&out, "as redis-cli prints the answer");
                        assert_eq!(shown.trim_end(), raw.trim_end(), "{what}: CLUSTER SLOTS");
                        let shown = pre_after(&out, "shows it in a terminal");
                        assert_eq!(shown.trim_end(), tty.trim_end(), "{what}: --no-raw");
                        if cmd == "nodes" {
                            assert!(
                                out.contains(&format!("sent to 127.0.0.1:{port} in the simulation (the node that printed")),
                                "{what}"
                            );
                        }
                        loaded += 1;
                    }
                }
            }
        }
        assert!(loaded >= 100, "only {loaded} dumps found");
    }

    #[test]
    fn the_report_lists_roles_migrations_and_what_was_not_used() {
        let out = crate::handle(&format!("topology\n---\n{NODES}"));
        assert!(out.contains("4 nodes (3 masters, 1 replica)"), "{out}");
        assert!(
            out.contains("slot 4449 migrating to 127.0.0.1:7001"),
            "{out}"
        );
        assert!(
            out.contains("slot 4449 importing from 127.0.0.1:7000"),
            "{out}"
        );
        assert!(out.contains("replica of 127.0.0.1:7000"), "{out}");
        assert!(
            out.contains("<li>replica 7e1f0d0a (127.0.0.1:7003) is not simulated yet</li>"),
            "{out}"
        );
        let bad = crate::handle("topology\n---\nd70a3210d3ed7ed8e80b069f95e26b2aacc271c9 127.0.0.1:7000@17000 master - 0 0 1 connected 0-99999");
        assert!(bad.starts_with("error: line 1: "), "{bad}");
        let hostile = crate::handle("topology\n---\n<b>x</b>");
        assert!(hostile.starts_with("error: line 1: "), "{hostile}");
        assert!(!hostile.contains("<b>"), "{hostile}");
    }

    #[test]
    fn a_thousand_node_cluster_nodes_paste_loads() {
        let mut c = slotscope_sim::layout::even(1000);
        let conn = c.connect(0);
        let Reply::Verbatim(text) = c.execute(conn, &split("CLUSTER NODES")) else {
            panic!("CLUSTER NODES answers text");
        };
        let out = crate::handle(&format!("topology\n---\n{text}"));
        assert!(
            out.contains("1,000 nodes (1,000 masters, 0 replicas)"),
            "{}",
            clip(&out, 300)
        );
        assert_eq!(out.matches("<tr><td><code>").count(), 1000);
        let real = cli_raw(&c.execute(conn, &split("CLUSTER SLOTS")));
        let shown = pre_after(&out, "as redis-cli prints the answer");
        assert_eq!(shown, real);
    }

    /// The frames of a replay over `NODES`.
    fn replay(session: &str) -> Vec<String> {
        let out = crate::handle(&format!("replay\n---\n{NODES}{SESSION_SEP}{session}"));
        assert!(!out.starts_with("error:"), "{out}");
        out.split(FRAME_SEP).map(String::from).collect()
    }

    #[test]
    fn a_transcript_replays_one_frame_per_step_and_marks_differences() {
        // foo hashes to slot 12182 (the golden capture's MOVED), served by 7002.
        let session = "127.0.0.1:7000> SET foo bar\n-> Redirected to slot [12182] located at 127.0.0.1:7002\nOK\n127.0.0.1:7002> GET foo\n\"bar\"\n";
        let parts = replay(session);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(
            parts[0].contains("2 steps, 0 differ from the recording."),
            "{}",
            parts[0]
        );
        assert!(
            parts[0].contains("Step 1 of 2: <code>SET foo bar</code>"),
            "{}",
            parts[0]
        );
        assert!(
            parts[0].contains("MOVED 12182 127.0.0.1:7002"),
            "{}",
            parts[0]
        );
        assert!(
            parts[0].contains("<li aria-current=\"true\">127.0.0.1:7002 (answered this step)</li>"),
            "{}",
            parts[0]
        );
        assert!(
            parts[0].contains("127.0.0.1:7000 (redirected from)"),
            "{}",
            parts[0]
        );
        assert!(parts[0].contains("Same as the recording"), "{}", parts[0]);
        assert!(!parts[1].contains("differs"), "{}", parts[1]);

        let altered = session.replace("\"bar\"", "\"baz\"");
        let parts = replay(&altered);
        assert!(
            parts[0].contains("2 steps, 1 differs from the recording."),
            "{}",
            parts[0]
        );
        assert!(
            parts[1].contains("This step differs from the recording"),
            "{}",
            parts[1]
        );
        assert!(
            parts[1].contains("<pre>&quot;baz&quot;</pre>"),
            "{}",
            parts[1]
        );
        assert!(
            parts[1].contains("<pre>&quot;bar&quot;</pre>"),
            "{}",
            parts[1]
        );
    }

    #[test]
    fn a_jsonl_script_replays_and_bad_sessions_name_their_line() {
        let script = "{\"node\":\"127.0.0.1:7000\",\"conn\":\"a\",\"command\":[\"GET\",\"foo\"],\"reply_raw\":\"-MOVED 12182 127.0.0.1:7002\\r\\n\"}\n";
        let parts = replay(script);
        assert!(parts[0].contains("1 step, 0 differ"), "{}", parts[0]);
        assert!(
            parts[0].contains("(error) MOVED 12182 127.0.0.1:7002"),
            "{}",
            parts[0]
        );

        let bad = crate::handle(&format!(
            "replay\n---\n{NODES}{SESSION_SEP}127.0.0.1:7000> GET foo\n127.0.0.1:7009> GET bar\n"
        ));
        assert_eq!(
            bad,
            "error: line 2: no node at 127.0.0.1:7009 in this cluster"
        );
        let bad = crate::handle(&format!("replay\n---\n{NODES}{SESSION_SEP}hello\n"));
        assert!(bad.starts_with("error: line 1: "), "{bad}");
        let bad = crate::handle(&format!(
            "replay\n---\nnonsense{SESSION_SEP}127.0.0.1:7000> GET foo\n"
        ));
        assert!(bad.starts_with("error: topology line 1: "), "{bad}");
    }

    #[test]
    fn wire_text_round_trips() {
        let r = Reply::Array(vec![
            Reply::Bulk(b"a\\b\r\n\x01".to_vec()),
            Reply::Integer(3),
        ]);
        let wire = r.wire_text(slotscope_sim::resp::Proto::Resp2);
        assert_eq!(unescape(&wire), r.encode(slotscope_sim::resp::Proto::Resp2));
    }
}
