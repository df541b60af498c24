//! The redis-py preset reproduces the captured redis-py 8.1.0 traces (scenarios R1-R3
//! of `redispy/events.jsonl`): the same (node, command) sends, the same CLUSTER SLOTS
//! refreshes at the same moments, the same results and client state, and about the
//! same time spent sleeping.
//!
//! redis-py shuffles its startup nodes with Python's RNG before each refresh. That
//! order is the one input taken from the trace: each captured refresh's first node(s)
//! seed the simulated client's next refresh order. The simulator still decides, by the
//! library's rule, when to refresh and how many nodes to ask (it stops at the first
//! answer that covers every slot), and both must match the capture.

mod common;

use common::{argv_of, jsonl};
use serde_json::Value;
use slotscope_sim::cluster::NodeIdx;
use slotscope_sim::layout;
use slotscope_sim::policy;
use slotscope_sim::resp::Reply;
use slotscope_sim::script::Replayer;
use slotscope_sim::smart_client::{Client, HopKind, Outcome};

fn node_idx(addr: &str) -> NodeIdx {
    addr.rsplit_once(':').unwrap().1.parse::<u16>().unwrap() - 7000
}

fn wire_name(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Python's repr of what redis-py returned.
fn py_repr(outcome: &Outcome) -> String {
    fn one(r: &Reply) -> String {
        match r {
            Reply::Bulk(b) => format!("b'{}'", String::from_utf8_lossy(b)),
            Reply::Nil => "None".into(),
            Reply::Simple(s) if s == "OK" => "True".into(),
            Reply::Array(items) => {
                format!("[{}]", items.iter().map(one).collect::<Vec<_>>().join(", "))
            }
            other => format!("{other:?}"),
        }
    }
    match outcome {
        Outcome::Reply(r) => one(r),
        Outcome::Error(e) => e.clone(),
    }
}

/// The slot an app step that inspects the cache asks about.
fn inspected_slot(op: &str) -> u16 {
    if op.starts_with("cache_owner_of_slot") {
        3133
    } else {
        3897
    }
}

#[test]
fn redis_py_preset_reproduces_the_captured_traces() {
    let mut r = Replayer::new(layout::golden_unjoined());
    for v in jsonl("replies.jsonl") {
        r.run_line(&v.to_string()).unwrap();
    }
    let events = jsonl("redispy/events.jsonl");
    let mut client: Option<Client> = None;
    let mut i = 0;
    let mut checked_ops = 0;
    while i < events.len() {
        let ev = &events[i];
        if ev["actor"] == "admin" {
            let argv = argv_of(&ev["command"]);
            r.run(ev["node"].as_str().unwrap(), "admin", &argv).unwrap();
            i += 1;
            continue;
        }
        if !(ev["actor"] == "app" && ev["dir"] == "begin") {
            i += 1;
            continue;
        }
        let op = ev["op"].as_str().unwrap().to_string();
        // Gather this op's wire sends (without connection handshakes) and its end.
        let mut sends: Vec<(NodeIdx, String)> = Vec::new();
        let mut j = i + 1;
        let end: &Value = loop {
            let e = &events[j];
            if e["actor"] == "app" && e["dir"] == "end" {
                break e;
            }
            if e["actor"] == "redis-py" && e["dir"] == "send" {
                let name = wire_name(&argv_of(&e["command"]));
                let handshake = ["HELLO", "CLIENT", "COMMAND"]
                    .iter()
                    .any(|h| name.starts_with(h));
                if !handshake {
                    sends.push((node_idx(e["node"].as_str().unwrap()), name));
                }
            }
            j += 1;
        };
        let expected = end
            .get("result")
            .and_then(Value::as_str)
            .or_else(|| end.get("exception").and_then(Value::as_str))
            .unwrap()
            .to_string();
        let elapsed_ms = end["elapsed_s"].as_f64().unwrap() * 1000.0;
        let scenario = ev["scenario"].as_str().unwrap();
        if op == "init_client" {
            let mut c = Client::new("redis-py", policy::redis_py(), &r.cluster, 7, |_| None);
            assert_eq!(
                sends,
                vec![(0, "CLUSTER SLOTS".to_string())],
                "{scenario} init"
            );
            c.refresh_from(&mut r.cluster, 0);
            client = Some(c);
        } else {
            let c = client.as_mut().unwrap();
            if let Some(first) = sends.first().cloned() {
                let argv: Vec<Vec<u8>> =
                    first.1.split(' ').map(|a| a.as_bytes().to_vec()).collect();
                let keys: Vec<Vec<u8>> = argv[1..]
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| argv[0] != b"SET" || *k == 0)
                    .map(|(_, a)| a.clone())
                    .collect();
                // Refresh orders from the capture: each run of CLUSTER SLOTS sends.
                let mut orders: Vec<Vec<NodeIdx>> = Vec::new();
                let mut in_run = false;
                for (n, name) in &sends {
                    if name == "CLUSTER SLOTS" {
                        if !in_run {
                            orders.push(Vec::new());
                        }
                        orders.last_mut().unwrap().push(*n);
                        in_run = true;
                    } else {
                        in_run = false;
                    }
                }
                c.scripted_orders = orders.into();
                let before = c.now_ms;
                let (hops, outcome) = c.run(&mut r.cluster, argv, &keys);
                let got: Vec<(NodeIdx, String)> = hops
                    .iter()
                    .filter(|h| h.kind != HopKind::Wait)
                    .map(|h| (h.node.unwrap(), wire_name(&h.argv)))
                    .collect();
                assert_eq!(got, sends, "{scenario} {op}: sends");
                assert_eq!(py_repr(&outcome), expected, "{scenario} {op}: result");
                let slept = c.now_ms - before;
                assert!(
                    (slept - elapsed_ms).abs() <= 10.0 + elapsed_ms * 0.05,
                    "{scenario} {op}: simulated {slept} ms vs captured {elapsed_ms} ms"
                );
                checked_ops += 1;
            } else if op.starts_with("cache_owner") {
                let owner = c.cached_owner(inspected_slot(&op)).unwrap();
                assert_eq!(
                    format!("'127.0.0.1:{}'", 7000 + owner),
                    expected,
                    "{scenario} {op}"
                );
                checked_ops += 1;
            } else if op.starts_with("reinitialize_counter") {
                assert_eq!(c.moved_counter().to_string(), expected, "{scenario} {op}");
                checked_ops += 1;
            } else if op == "mget_crossslot_clientside" {
                let keys = vec![b"{ask4}a".to_vec(), b"foo".to_vec()];
                let argv = [vec![b"MGET".to_vec()], keys.clone()].concat();
                let (hops, outcome) = c.run(&mut r.cluster, argv, &keys);
                assert!(hops.is_empty(), "nothing is sent");
                assert_eq!(py_repr(&outcome), expected);
                checked_ops += 1;
            } else {
                panic!("unhandled app step {op}");
            }
        }
        i = j + 1;
    }
    assert_eq!(checked_ops, 29, "every app step of R1-R3 was compared");
}
