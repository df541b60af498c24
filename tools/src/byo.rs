//! Bring your own cluster: pasted topologies and recordings, parsed here and answered
//! in the JSON forms the page reads back (`slotscope_sim::exchange`), so the page does
//! not carry the parsers. Parse errors name the line and the reason.

use slotscope_sim::exchange::{steps_to_json, topology_to_json};

/// `CLUSTER NODES`, `CLUSTER SHARDS` or `CLUSTER SLOTS` output (redis-cli's default
/// output, `--no-raw` or RESP) as the topology's JSON form.
pub fn topology(text: &str) -> Result<String, String> {
    let t = slotscope_sim::import::parse(text).map_err(|e| e.to_string())?;
    // Refuse here what cannot become a cluster, with the same message the page would give.
    t.build()?;
    Ok(topology_to_json(&t).to_text())
}

/// A `redis-cli -c` transcript or a JSONL script as its steps' JSON form.
pub fn recording(text: &str) -> Result<String, String> {
    let steps = slotscope_sim::transcript::parse_recording(text).map_err(|e| e.to_string())?;
    if steps.is_empty() {
        return Err("no command found: paste a redis-cli session (lines like \"127.0.0.1:7000> GET foo\") or a JSONL script".into());
    }
    Ok(steps_to_json(&steps).to_text())
}

#[cfg(test)]
mod tests {
    use slotscope_sim::exchange::{steps_from_json, topology_from_json};
    use slotscope_sim::json::parse;

    const NODES: &str = "d70a3210d3ed7ed8e80b069f95e26b2aacc271c9 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n61641fd17a31af2ca1d9f591992042160f80251c 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922\n15adaa1e3da3b55e5abcd0a8735d0f73a45c4d19 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383\n";

    #[test]
    fn a_pasted_topology_comes_back_as_its_json_form() {
        let json = crate::handle(&format!("topology\n---\n{NODES}"));
        let t = topology_from_json(&parse(&json).unwrap()).unwrap();
        assert_eq!(t, slotscope_sim::import::parse(NODES).unwrap());
        let bad = crate::handle("topology\n---\nd70a3210d3ed7ed8e80b069f95e26b2aacc271c9 127.0.0.1:7000@17000 master - 0 0 1 connected 0-99999");
        assert!(bad.starts_with("error: line 1: "), "{bad}");
    }

    #[test]
    fn a_pasted_transcript_comes_back_as_its_steps() {
        let text = "127.0.0.1:7000> SET foo bar\n-> Redirected to slot [12182] located at 127.0.0.1:7002\nOK\n";
        let json = crate::handle(&format!("recording\n---\n{text}"));
        let steps = steps_from_json(&parse(&json).unwrap()).unwrap();
        assert_eq!(
            steps,
            slotscope_sim::transcript::parse_recording(text).unwrap()
        );
        assert!(crate::handle("recording\n---\n\n").starts_with("error: "));
    }
}
