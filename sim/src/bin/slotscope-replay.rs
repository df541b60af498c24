//! slotscope-replay: runs a script in the golden JSONL schema on a simulated cluster
//! and prints each line back with the exact reply (`reply_raw`) added.
//!
//! Usage: slotscope-replay [--fresh] [--gossip-delay N] [FILE]   (stdin when no FILE)

use std::io::{BufRead, Write};

use slotscope_sim::layout;
use slotscope_sim::script::Replayer;

const USAGE: &str = "usage: slotscope-replay [--fresh] [--gossip-delay N] [FILE]

Reads JSONL lines with \"node\" (ip:port), \"conn\" (a connection name) and \"command\"
(an array of strings; \"command_template\" is preferred when present) and prints each
line with \"reply_raw\" added: the exact RESP reply of the simulated Redis 7.0 node.

The cluster is the golden layout: 127.0.0.1:7000-7002 owning 0-5460, 5461-10922 and
10923-16383, config epochs 1/2/3, node ids <NODE-ID-7000-------------------------->...

  --fresh           start from three fresh, unjoined nodes (for scripts that run the
                    setup steps themselves: ADDSLOTSRANGE, SET-CONFIG-EPOCH, MEET)
  --gossip-delay N  configuration changes reach other nodes after N commands (default 0)";

fn main() {
    let mut fresh = false;
    let mut delay = 0u32;
    let mut file = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--fresh" => fresh = true,
            "--gossip-delay" => match args.next().and_then(|v| v.parse().ok()) {
                Some(d) => delay = d,
                None => fail("--gossip-delay needs a number of steps"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ if file.is_none() && !a.starts_with('-') => file = Some(a),
            _ => fail(&format!("unexpected argument {a:?}\n\n{USAGE}")),
        }
    }
    let input: Box<dyn BufRead> = match &file {
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => fail(&format!("cannot open {path}: {e}")),
        },
        None => Box::new(std::io::stdin().lock()),
    };
    let mut cluster = if fresh {
        layout::golden_unjoined()
    } else {
        layout::golden()
    };
    cluster.gossip_delay = delay;
    let mut replayer = Replayer::new(cluster);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (n, line) in input.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => fail(&format!("line {}: cannot read: {e}", n + 1)),
        };
        if line.trim().is_empty() {
            continue;
        }
        match replayer.run_line(&line) {
            Ok(obj) => {
                let text = serde_json::to_string(&obj).unwrap_or_default();
                if writeln!(out, "{text}").is_err() {
                    return;
                }
            }
            Err(e) => fail(&format!("line {}: {e}", n + 1)),
        }
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("slotscope-replay: {msg}");
    std::process::exit(2);
}
