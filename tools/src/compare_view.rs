//! The comparison tool: one workload under two to four client policies plus the proxy
//! baseline, answered as a table of counters and a chart of messages per request.

use std::fmt::Write;

use slotscope_sim::compare::{self, Run, Workload, HISTOGRAM_MAX, MAX_POLICIES};
use slotscope_sim::policy::Policy;

use crate::html::{esc, group};
use crate::Args;

/// Most requests in one workload.
pub const MAX_REQUESTS: usize = 100_000;

/// Runs the comparison a request asks for. Arguments: `policy=<preset id>` (repeated,
/// 1 to 4; a policy file, attached to the request, counts as one of them),
/// `requests`, `keys`, `range=<first>-<last>` (slots that migrate from 127.0.0.1:7000
/// to 127.0.0.1:7001 during the run) and `proxy=0` to leave out the baseline.
pub fn answer(args: &Args, policy_file: &str) -> Result<String, String> {
    let w = workload(args)?;
    let mut policies = Vec::new();
    for id in args.all("policy") {
        let p = Policy::preset(id.trim())
            .ok_or_else(|| format!("unknown client policy {:?}", crate::html::clip(id, 40)))?;
        policies.push(p);
    }
    let from_file = !policy_file.trim().is_empty();
    if from_file {
        policies
            .push(Policy::from_json(policy_file).map_err(|e| format!("policy file refused: {e}"))?);
    }
    if policies.is_empty() || policies.len() > MAX_POLICIES {
        return Err(format!(
            "choose from 1 to {MAX_POLICIES} policies to compare ({} chosen)",
            policies.len()
        ));
    }
    let mut runs: Vec<Run> = policies.iter().map(|p| compare::run(p, &w)).collect();
    if let (true, Some(last)) = (from_file, runs.last_mut()) {
        last.label = format!("{} (policy file)", last.label);
    }
    if args.get("proxy") != Some("0") {
        runs.push(compare::run_proxy(&w));
    }
    Ok(render(&w, &runs))
}

/// Checks a policy file and says in one sentence what it sets.
pub fn describe_file(text: &str) -> Result<String, String> {
    let p = Policy::from_json(text)?;
    Ok(format!(
        "Policy file loaded: {} with at most {} send{} per request, backoff {} to {} ms.",
        p.name,
        p.max_sends,
        if p.max_sends == 1 { "" } else { "s" },
        p.backoff_base_ms,
        p.backoff_cap_ms
    ))
}

fn workload(args: &Args) -> Result<Workload, String> {
    let d = Workload::default();
    let range = match args.get("range") {
        None => d.range,
        Some(r) => parse_range(r).ok_or_else(|| {
            format!(
                "range must look like 0-5460 (slots 0 to 5460 of 127.0.0.1:7000), not {:?}",
                crate::html::clip(r, 40)
            )
        })?,
    };
    Ok(Workload {
        requests: args.number("requests", d.requests, 1, MAX_REQUESTS)?,
        keys: args.number("keys", d.keys, 1, 100_000)?,
        range,
        ..d
    })
}

/// `a-b` inside the slots the workload's source node owns in the golden layout
/// (127.0.0.1:7000: 0-5460).
fn parse_range(r: &str) -> Option<(u16, u16)> {
    let (a, b) = r.trim().split_once('-')?;
    let (a, b) = (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?);
    let owned = slotscope_sim::layout::golden_ranges();
    let within = owned
        .get(Workload::default().from as usize)?
        .iter()
        .any(|&(lo, hi)| lo <= a && b <= hi);
    (a <= b && within).then_some((a, b))
}

fn render(w: &Workload, runs: &[Run]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<p class=\"compare-setup\">On a three-node cluster (127.0.0.1:7000 to 7002): {} GET \
         requests over {} keys (<code>{{user:0}}:0</code> to <code>{{user:{}}}:{}</code>) while \
         slots {}-{} move from 127.0.0.1:7000 to 127.0.0.1:7001, one slot after another. Every \
         client starts with an up-to-date map.</p>",
        group(w.requests as u64),
        group(w.keys as u64),
        (w.keys - 1) / 10,
        (w.keys - 1) % 10,
        w.range.0,
        w.range.1
    );
    o.push_str(
        "<div class=\"table-wrap\"><table class=\"compare\"><caption>Counters side by side</caption>\
         <thead><tr><th scope=\"col\">Client</th><th scope=\"col\">Requests</th>\
         <th scope=\"col\">Messages per request</th>\
         <th scope=\"col\">Messages</th><th scope=\"col\">MOVED</th><th scope=\"col\">ASK</th>\
         <th scope=\"col\">TRYAGAIN</th><th scope=\"col\">CLUSTERDOWN</th>\
         <th scope=\"col\">Refreshes</th><th scope=\"col\">Errors</th>\
         <th scope=\"col\">Simulated time</th></tr></thead><tbody>",
    );
    for r in runs {
        let c = &r.counters;
        let _ = write!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{:.1} ms</td></tr>",
            esc(&r.label),
            group(c.requests),
            c.hops_per_request(),
            group(c.hops),
            group(c.moved),
            group(c.ask),
            group(c.tryagain),
            group(c.clusterdown),
            group(c.refreshes),
            group(c.errors),
            r.sim_ms
        );
    }
    o.push_str("</tbody></table></div>");
    o.push_str(
        "<h3>Messages per request</h3><p class=\"compare-note\">How many messages each request \
         cost (the command, ASKING, retries after a redirection, map refreshes made while it \
         waited). One is the best a client can do.</p><div class=\"hop-charts\">",
    );
    for r in runs {
        chart(&mut o, r);
    }
    o.push_str("</div>");
    o
}

/// A bar chart of `r.histogram` (buckets 1 to 8+), with every count written on its bar
/// and the whole chart described in its label.
fn chart(o: &mut String, r: &Run) {
    const BAR: u32 = 26;
    const H: u32 = 90;
    let buckets = &r.histogram[1..];
    let max = buckets.iter().copied().max().unwrap_or(0).max(1);
    let name = |i: usize| {
        if i + 1 == HISTOGRAM_MAX {
            format!("{}+", i + 1)
        } else {
            (i + 1).to_string()
        }
    };
    let described: Vec<String> = buckets
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| {
            format!(
                "{} message{}: {}",
                name(i),
                if i == 0 { "" } else { "s" },
                group(*n)
            )
        })
        .collect();
    let _ = write!(
        o,
        "<figure class=\"hop-chart\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {} {}\" \
         role=\"img\" aria-label=\"{}: {}\">",
        esc(&r.label),
        BAR * buckets.len() as u32,
        H + 30,
        esc(&r.label),
        esc(&described.join(", "))
    );
    for (i, &n) in buckets.iter().enumerate() {
        let h = if n == 0 {
            0
        } else {
            (n * H as u64 / max).max(2) as u32
        };
        let x = BAR * i as u32;
        let _ = write!(
            o,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{h}\"></rect>\
             <text class=\"count\" x=\"{}\" y=\"{}\">{}</text>\
             <text class=\"bucket\" x=\"{}\" y=\"{}\">{}</text>",
            x + 3,
            10 + H - h,
            BAR - 6,
            x + BAR / 2,
            8 + H - h,
            short(n),
            x + BAR / 2,
            H + 24,
            name(i)
        );
    }
    o.push_str("</svg></figure>");
}

/// A count short enough for a bar: `950`, `9.9k`, `12k`.
fn short(n: u64) -> String {
    match n {
        0 => String::new(),
        1..=999 => n.to_string(),
        1000..=9_999 => format!("{:.1}k", n as f64 / 1000.0),
        _ => format!("{}k", n / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(text: &str) -> String {
        crate::handle(text)
    }

    #[test]
    fn compares_policies_with_the_proxy_baseline() {
        let out = ask("compare\npolicy=redis-py\npolicy=jedis\nrequests=500");
        assert!(!out.starts_with("error:"), "{out}");
        assert!(out.contains("<th scope=\"row\">redis-py</th>"), "{out}");
        assert!(out.contains("<th scope=\"row\">Jedis</th>"), "{out}");
        assert!(out.contains("Proxy"), "{out}");
        assert_eq!(out.matches("<figure class=\"hop-chart\">").count(), 3);
        // The table's numbers are the core's: the same run gives the same row.
        let py = compare::run(
            &Policy::preset("redis-py").unwrap(),
            &Workload {
                requests: 500,
                ..Workload::default()
            },
        );
        let row = format!(
            "<th scope=\"row\">redis-py</th><td>500</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td>",
            py.counters.hops_per_request(),
            group(py.counters.hops),
            group(py.counters.moved),
            group(py.counters.ask)
        );
        assert!(out.contains(&row), "{row}\n{out}");
    }

    #[test]
    fn refuses_bad_requests_with_a_reason() {
        assert_eq!(
            ask("compare\npolicy=nope"),
            "error: unknown client policy \"nope\""
        );
        assert!(ask("compare").starts_with("error: choose from 1 to 4"));
        assert!(ask("compare\npolicy=jedis\nrequests=-3").starts_with("error: requests must be"));
        assert!(ask("compare\npolicy=jedis\nrange=9000-9001").starts_with("error: range must"));
        let five = "compare\npolicy=jedis\npolicy=jedis\npolicy=jedis\npolicy=jedis\npolicy=jedis";
        assert!(ask(five).starts_with("error: choose from 1 to 4 policies to compare (5 chosen)"));
        assert!(
            ask("compare\n---\n{\"preset\": \"jedis\", \"max_sends\": -1}")
                .starts_with("error: policy file refused: max_sends must be a whole number")
        );
        assert!(ask("frobnicate").starts_with("error: unknown tool"));
    }

    #[test]
    fn a_policy_file_joins_the_comparison() {
        let out = ask("compare\nrequests=200\nproxy=0\n---\n{\n  \"preset\": \"redis-py\",\n  \"max_sends\": 3\n}\n");
        assert!(
            out.contains("<th scope=\"row\">redis-py (policy file)</th>"),
            "{out}"
        );
        assert!(!out.contains("Proxy"));
    }

    #[test]
    fn a_policy_file_is_checked_before_it_is_used() {
        assert_eq!(
            ask("policy\n---\n{\"preset\": \"jedis\", \"max_sends\": 2}"),
            "Policy file loaded: Jedis with at most 2 sends per request, backoff 0 to 0 ms."
        );
        assert_eq!(
            ask("policy\n---\n{\"preset\": \"lettuce2\"}"),
            format!(
                "error: {}",
                Policy::from_json("{\"preset\": \"lettuce2\"}").unwrap_err()
            )
        );
        assert!(
            ask("policy\n---\n{\"preset\": \"jedis\", \"max_sends\": -1}")
                .starts_with("error: max_sends must be a whole number of at least 0, not -1")
        );
    }

    #[test]
    fn chart_bars_scale_to_the_largest_bucket() {
        assert_eq!(short(0), "");
        assert_eq!(short(950), "950");
        assert_eq!(short(9_950), "9.9k");
        assert_eq!(short(12_345), "12k");
    }
}
