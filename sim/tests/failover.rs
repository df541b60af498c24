//! Failures, failovers, nodes joining and leaving, and the operator actions around them.
//!
//! Timings follow `slotscope_sim::failover` (one step = 100 ms, node timeout 50 steps):
//! PFAIL one step after the node timeout, FAIL one step later (the reports ride on the
//! next PINGs), the replica's election 5 steps after the FAIL.
//!
//! The property at the end: after any sequence of failures, recoveries, added and removed
//! nodes (each join given the time to spread), once time has passed, every slot is served
//! by one running master that every running member agrees on, or `Cluster::unserved` says
//! why not, and the reason holds; once every node runs again, every slot is served.

use proptest::prelude::*;
use proptest::test_runner::Config;
use slotscope_sim::argv::split;
use slotscope_sim::failover::Unserved;
use slotscope_sim::layout;
use slotscope_sim::policy::Policy;
use slotscope_sim::smart_client::{Client, HopKind, Outcome};
use slotscope_sim::world::{Action, EntryKind, Request, Scenario, World};
use slotscope_sim::{Cluster, NodeIdx, Reply};

fn get(c: &mut Cluster, node: NodeIdx, key: &str) -> Reply {
    let conn = c.connect(node);
    c.execute(conn, &split(&format!("GET {key}")))
}

fn run(c: &mut Cluster, node: NodeIdx, cmd: &str) -> String {
    let conn = c.connect(node);
    c.execute(conn, &split(cmd)).human()
}

fn down() -> Reply {
    Reply::err("CLUSTERDOWN The cluster is down")
}

#[test]
fn a_failed_master_is_flagged_then_replaced_by_its_replica() {
    let mut c = layout::with_replicas(3);
    let conn = c.connect(2);
    c.execute(conn, &split("SET foo bar"));
    let nt = c.node_timeout;
    assert!(c.fail_node(2));
    assert!(!c.fail_node(2), "already down");
    let failed_at = c.step();
    // Every command is a step too: move the clock with `advance` only.
    c.advance(nt);
    assert!(
        c.nodes[0].suspects.is_empty(),
        "not yet: node timeout not exceeded"
    );
    c.advance(1);
    for n in [0, 1, 3, 4, 5] {
        let s = c.nodes[n].suspect(2).expect("PFAIL everywhere");
        assert!(!s.fail);
        assert_eq!(s.since, failed_at + nt + 1);
    }
    assert!(
        c.nodes[0].state_ok(),
        "PFAIL alone does not stop the cluster"
    );
    // This command is the next step: it is answered before the PINGs with the reports
    // arrive; right after it, FAIL is reached and broadcast.
    let info = run(&mut c, 0, "CLUSTER INFO");
    assert!(info.contains("cluster_slots_pfail:5461"), "{info}");
    let fail_at = c.step();
    assert!((0..6).filter(|&n| n != 2).all(|n| c.nodes[n].flags_fail(2)));
    // Full coverage is required: every node refuses every key, the replica too.
    assert_eq!(get(&mut c, 0, "foo"), down());
    assert_eq!(get(&mut c, 3, "bar"), down());
    let info = run(&mut c, 0, "CLUSTER INFO");
    assert!(info.contains("cluster_state:fail") && info.contains("cluster_slots_fail:5461"));
    let nodes = run(&mut c, 0, "CLUSTER NODES");
    assert!(
        nodes.contains("127.0.0.1:7002@17002 master,fail - "),
        "{nodes}"
    );
    assert!(nodes.contains(" 3 disconnected 10923-16383"), "{nodes}");
    // The election: 500 ms (5 steps) after the FAIL.
    assert_eq!(c.step(), fail_at + 4);
    assert_eq!(c.nodes[3].replica_of, Some(2), "the election waits 500 ms");
    c.advance(1);
    assert_eq!(c.nodes[3].replica_of, None);
    assert_eq!(c.nodes[3].config_epoch, 7);
    assert_eq!(c.nodes[0].current_epoch, 7);
    assert_eq!(
        get(&mut c, 0, "foo"),
        Reply::err("MOVED 12182 127.0.0.1:7003")
    );
    assert_eq!(get(&mut c, 3, "foo"), Reply::bulk("bar"));
    assert_eq!(c.serving_owner(12182), Some(3));
    assert!(c.unserved(12182).is_none());
    // The old master comes back as a replica of its successor, with its data.
    assert!(c.recover_node(2));
    assert_eq!(c.nodes[2].replica_of, Some(3));
    assert_eq!(
        get(&mut c, 2, "foo"),
        Reply::err("MOVED 12182 127.0.0.1:7003")
    );
    assert!((0..6).all(|n| c.nodes[n].suspects.is_empty()));
    assert_eq!(c.nodes[2].keys.len(), 1);
    c.advance(1);
    assert_eq!(c.next_event_in(), None);
}

#[test]
fn with_a_gossip_delay_the_new_master_serves_before_the_others_know() {
    let mut c = layout::with_replicas(3);
    c.gossip_delay = 5;
    c.fail_node(2);
    c.advance(c.node_timeout + 1);
    assert!(c.nodes[0].suspect(2).is_some_and(|s| !s.fail));
    c.advance(4);
    assert!(
        !c.nodes[0].flags_fail(2),
        "the reports are still on their way"
    );
    c.advance(1);
    assert!(c.nodes[0].flags_fail(2));
    c.advance(5);
    assert_eq!(c.nodes[3].replica_of, None, "promoted");
    assert_eq!(get(&mut c, 3, "foo"), Reply::Nil);
    assert_eq!(get(&mut c, 0, "foo"), down(), "node 0 has not heard yet");
    c.advance(5);
    assert_eq!(
        get(&mut c, 0, "foo"),
        Reply::err("MOVED 12182 127.0.0.1:7003")
    );
}

#[test]
fn without_a_majority_of_masters_there_is_no_failover() {
    // Two masters: the survivor alone is not a majority of two.
    let mut c = layout::with_replicas(2);
    c.fail_node(1);
    c.advance(10 * c.node_timeout);
    assert!(
        c.nodes[0].suspect(1).is_some_and(|s| !s.fail),
        "PFAIL, never FAIL"
    );
    assert_eq!(c.nodes[2].replica_of, Some(1), "no election without FAIL");
    assert!(
        !c.nodes[0].state_ok(),
        "a majority of masters is unreachable"
    );
    assert_eq!(get(&mut c, 0, "foo"), down());
    assert_eq!(
        c.unserved(16000),
        Some(Unserved::OwnerDown {
            owner: 1,
            replicas: 1,
            failed: false,
            masters: 0,
            needed: 2
        })
    );
    // Three masters, two of them down: same story for the last one.
    let mut c = layout::with_replicas(3);
    c.fail_node(1);
    c.fail_node(2);
    c.advance(10 * c.node_timeout);
    assert!(!c.nodes[1].suspects.is_empty() || c.is_down(1));
    assert_eq!(c.nodes[3].replica_of, Some(2));
    assert_eq!(get(&mut c, 0, "bar"), down());
    // One comes back: FAIL is reached for the other, and its replica takes over.
    c.recover_node(1);
    c.advance(3 * c.node_timeout);
    assert_eq!(c.nodes[3].replica_of, None);
    assert!(c.nodes[0].state_ok());
    assert!((0..16384).all(|s| c.unserved(s).is_none()));
}

#[test]
fn a_failed_replica_is_left_out_of_cluster_slots_until_it_answers() {
    let mut c = layout::with_replicas(3);
    let slots = |c: &mut Cluster| run(c, 0, "CLUSTER SLOTS");
    assert!(slots(&mut c).contains("7003"));
    c.fail_node(3);
    c.advance(c.node_timeout + 1);
    assert!(
        slots(&mut c).contains("7003"),
        "PFAIL replicas are still listed"
    );
    c.advance(1);
    assert!(c.nodes[0].flags_fail(3));
    assert!(!slots(&mut c).contains("7003"));
    assert!(c.nodes[0].state_ok());
    c.recover_node(3);
    c.advance(1);
    assert!(slots(&mut c).contains("7003"));
}

/// Hops of one request against a master that is down and not yet failed over:
/// `!` marks a refused connection, `R` a topology query, `~` a wait.
fn refused_run(policy: &str) -> (String, Outcome) {
    let mut c = layout::with_replicas(3);
    let p = Policy::preset(policy).unwrap();
    let mut cl = Client::new("c", p, &c, 1, |s| c.serving_owner(s));
    c.fail_node(2);
    let (hops, out) = cl.run(&mut c, split("GET foo"), &split("foo"));
    let text: Vec<String> = hops
        .iter()
        .map(|h| match (h.kind, h.refused) {
            (HopKind::Wait, _) => "~".to_string(),
            (HopKind::Refresh, r) => format!("{}R", if r { "!" } else { "" }),
            (_, true) => "!".into(),
            _ => (7000 + h.node.unwrap()).to_string(),
        })
        .collect();
    assert_eq!(
        cl.counters.conn_errors,
        hops.iter().filter(|h| h.refused).count() as u64
    );
    (text.join(" "), out)
}

#[test]
fn each_library_handles_a_refused_connection_its_own_way() {
    // redis-py 8.1.0: refresh at once (failed node last), retry, 10 retries.
    let (hops, out) = refused_run("redis-py");
    assert_eq!(hops, ["! R"; 11].join(" "));
    assert_eq!(
        out,
        Outcome::Error(
            "ConnectionError: Error 111 connecting to 127.0.0.1:7002. Connection refused.".into()
        )
    );
    // Jedis: once more as is, then sleep + refresh after two in a row, 5 attempts.
    let (hops, out) = refused_run("jedis");
    assert_eq!(hops, "! ! ~ R ! ! ~ R !");
    assert_eq!(
        out,
        Outcome::Error("JedisClusterOperationException: No more cluster attempts left.".into())
    );
    // go-redis: backoff and the same node, 4 tries, no reload.
    let (hops, out) = refused_run("go-redis");
    assert_eq!(hops, "! ~ ! ~ ! ~ !");
    assert_eq!(
        out,
        Outcome::Error("dial tcp 127.0.0.1:7002: connect: connection refused".into())
    );
    // ioredis: 100 ms, refresh, a random master (which answers MOVED back), 16 handled errors.
    let (hops, out) = refused_run("ioredis");
    assert!(hops.starts_with("! ~ R 7"), "{hops}");
    assert_eq!(
        out,
        Outcome::Error(
            "Error: Too many Cluster redirections. Last error: Error: Connection is closed.".into()
        )
    );
    // redis-rs (sync): reconnect at once, 16 retries, the map untouched.
    let (hops, out) = refused_run("redis-rs");
    assert_eq!(hops, ["!"; 17].join(" "));
    assert_eq!(
        out,
        Outcome::Error("Connection refused (os error 111)".into())
    );
    // Lettuce: no open connection to the node: the command fails at once.
    let (hops, out) = refused_run("lettuce");
    assert_eq!(hops, "!");
    assert_eq!(
        out,
        Outcome::Error("RedisConnectionException: Unable to connect to 127.0.0.1:7002".into())
    );
}

#[test]
fn after_the_failover_a_refresh_finds_the_new_master() {
    let mut c = layout::with_replicas(3);
    let mut cl = Client::new("c", Policy::preset("redis-py").unwrap(), &c, 1, |s| {
        c.serving_owner(s)
    });
    c.fail_node(2);
    c.advance(c.node_timeout + 10);
    let (hops, out) = cl.run(&mut c, split("GET foo"), &split("foo"));
    assert_eq!(out, Outcome::Reply(Reply::Nil));
    assert!(hops[0].refused);
    assert_eq!(hops.last().unwrap().node, Some(3));
    assert_eq!(cl.cached_owner(12182), Some(3));
}

fn replicas_world() -> World {
    World::from_topology_text(&layout::nodes_text(&layout::with_replicas(3), 0)).unwrap()
}

#[test]
fn the_world_plays_a_failover_and_logs_the_cluster_events() {
    let mut w = replicas_world();
    w.act(Action::FailNode { node: 2 }).unwrap();
    assert!(w.nodes()[2].down);
    assert!(w
        .offers(2, 0)
        .iter()
        .any(|o| o.action == Action::RecoverNode { node: 2 }));
    w.act(Action::PassTime { steps: 60 }).unwrap();
    let notes: Vec<&str> = w
        .log()
        .iter()
        .filter(|e| e.kind == EntryKind::Note)
        .map(|e| e.why.as_str())
        .collect();
    let find = |t: &str| {
        notes
            .iter()
            .position(|n| n.contains(t))
            .unwrap_or_else(|| panic!("{t}: {notes:#?}"))
    };
    assert!(find("flag Node 3 as PFAIL") < find("flags Node 3 as FAIL"));
    assert!(find("flags Node 3 as FAIL") < find("wins the election"));
    let views = w.nodes();
    assert_eq!(views[3].replica_of, None);
    assert_eq!(views[2].fail_by, vec![0, 1, 3, 4, 5]);
    w.send(Request::Get("foo".into())).unwrap();
    w.finish();
    let last = w.log().last().unwrap().why.clone();
    assert!(last.contains("connection was refused"), "{last}");
    w.act(Action::RecoverNode { node: 2 }).unwrap();
    assert_eq!(w.nodes()[2].replica_of, Some(3));
    assert!(w
        .log()
        .iter()
        .any(|e| e.why.contains("becomes a replica of Node 4")));
}

#[test]
fn refused_actions_give_redis_texts_and_change_nothing() {
    let mut w = World::new(Scenario::Ask, "");
    let slot = w.key_view(Scenario::Ask.default_key()).slot;
    let snapshot = |w: &World| (w.log().to_vec(), w.nodes(), w.map(), w.timeline_len());
    let before = snapshot(&w);
    let owner = w.key_view("user:100").owner.unwrap();
    let other = 1 - owner;
    let s = w.key_view("user:100").slot;
    let cases = [
        (
            Action::StartMigration { slot: s, from: other, to: owner },
            format!("ERR I'm already the owner of hash slot {s}"),
        ),
        (
            // IMPORTING on `other` succeeds, MIGRATING from it (not the owner) fails.
            Action::StartMigration { slot: s, from: other, to: other },
            format!("ERR I'm not the owner of hash slot {s}"),
        ),
        (
            Action::FinishMigration { slot },
            format!("ERR Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."),
        ),
        (
            Action::RemoveNode { node: 1 },
            "[ERR] Node 127.0.0.1:7001 is not empty! Reshard data away and try again.".into(),
        ),
        (Action::RecoverNode { node: 0 }, "Node 1 is running.".into()),
        (
            Action::MigrateRange { from: 0, to: 1, start: 5001, end: 5001 },
            "ERR I'm already the owner of hash slot 5001".into(),
        ),
        (
            Action::MigrateRange { from: 1, to: 0, start: 0, end: 3 },
            "ERR I'm already the owner of hash slot 0".into(),
        ),
        (
            Action::MigrateRange { from: 1, to: 0, start: 4999, end: 5002 },
            "ERR I'm already the owner of hash slot 4999".into(),
        ),
        (
            // Slots 4999 and 5000 move, then 5001 is refused: nothing happened.
            Action::MigrateRange { from: 0, to: 1, start: 4999, end: 5001 },
            "ERR I'm already the owner of hash slot 5001".into(),
        ),
        (Action::SetGossipDelay { steps: 5000 }, "The gossip delay is at most 1000 steps.".into()),
    ];
    for (action, want) in cases {
        assert_eq!(w.act(action.clone()), Err(want.clone()), "{action:?}");
        assert_eq!(snapshot(&w), before, "{action:?} changed something");
    }
    w.act(Action::DelSlot { node: 0, slot: 7 }).unwrap();
    let before = snapshot(&w);
    assert_eq!(
        w.act(Action::DelSlot { node: 0, slot: 7 }),
        Err("ERR Slot 7 is already unassigned".into())
    );
    assert_eq!(snapshot(&w), before);
    w.act(Action::FailNode { node: 1 }).unwrap();
    let down = snapshot(&w);
    for action in [
        Action::DelSlot {
            node: 1,
            slot: 9000,
        },
        Action::SetFullCoverage {
            node: Some(1),
            on: false,
        },
        Action::MoveAllKeys { slot },
    ] {
        assert_eq!(
            w.act(action.clone()),
            Err("Could not connect to Redis at 127.0.0.1:7001: Connection refused".into()),
            "{action:?}"
        );
        assert_eq!(snapshot(&w), down);
    }
    assert_eq!(
        w.act(Action::FailNode { node: 1 }),
        Err("Node 2 is already down.".into())
    );
    assert_ne!(before, down);
}

#[test]
fn nodes_join_and_leave_as_redis_cli_does_it() {
    let mut w = replicas_world();
    w.act(Action::SetGossipDelay { steps: 3 }).unwrap();
    w.act(Action::AddNode { replica_of: None }).unwrap();
    let new = 6;
    assert_eq!(w.names()[new], "Node 7");
    assert_eq!(w.cluster().nodes[new].port, 7006);
    // MEET introduces the new node to the node it met at once, to the others by gossip.
    assert!(w.cluster().nodes[0].known.contains(&(new as NodeIdx)));
    assert!(
        !w.cluster().nodes[1].known.contains(&(new as NodeIdx)),
        "gossip takes 3 steps"
    );
    w.act(Action::PassTime { steps: 3 }).unwrap();
    assert!(w
        .cluster()
        .nodes
        .iter()
        .all(|n| n.known.contains(&(new as NodeIdx))));
    // A replica of the new (empty) master, then the master is removed: its replica moves
    // to the master with the fewest replicas, every node forgets it, it resets.
    w.act(Action::AddNode {
        replica_of: Some(new as NodeIdx),
    })
    .unwrap();
    assert_eq!(w.nodes()[7].replica_of, Some(new as NodeIdx));
    w.act(Action::PassTime { steps: 3 }).unwrap();
    w.act(Action::RemoveNode {
        node: new as NodeIdx,
    })
    .unwrap();
    let commands: Vec<String> = w
        .log()
        .iter()
        .filter(|e| e.kind == EntryKind::Admin)
        .map(|e| format!("{} {}", e.to, e.command))
        .collect();
    let id = w.cluster().nodes[new].id.clone();
    assert!(commands
        .iter()
        .any(|c| c.starts_with("Node 8") && c.contains("CLUSTER REPLICATE")));
    assert_eq!(
        commands
            .iter()
            .filter(|c| c.ends_with(&format!("CLUSTER FORGET {id}")))
            .count(),
        7
    );
    assert!(commands.last().unwrap().ends_with("CLUSTER RESET SOFT"));
    let views = w.nodes();
    assert!(views[new].left);
    assert_ne!(views[7].replica_of, Some(new as NodeIdx));
    assert!(views[7].replica_of.is_some());
    w.act(Action::PassTime { steps: 700 }).unwrap();
    assert!(
        !w.cluster().nodes[0].known.contains(&(new as NodeIdx)),
        "nobody knows it any more"
    );
    assert_eq!(
        w.act(Action::RemoveNode {
            node: new as NodeIdx
        }),
        Err(format!("[ERR] No such node ID {id}"))
    );
    let offers = w.offers(new as NodeIdx, 0);
    let remove = offers
        .iter()
        .find(|o| {
            o.action
                == Action::RemoveNode {
                    node: new as NodeIdx,
                }
        })
        .unwrap();
    assert!(remove.disabled.is_some());
}

#[test]
fn delslots_settings_and_slot_ranges() {
    let mut w = World::new(Scenario::Moved, "user:100");
    w.act(Action::RefreshMap).unwrap();
    // DELSLOTS on the owner: its cluster state fails (full coverage required).
    w.act(Action::DelSlot {
        node: 1,
        slot: 9308,
    })
    .unwrap();
    assert!(!w.nodes()[1].state_ok);
    w.send(Request::Get("user:101".into())).unwrap();
    w.finish();
    assert!(w.log().iter().any(|e| e.reply.starts_with("-CLUSTERDOWN")));
    w.act(Action::SetFullCoverage {
        node: Some(1),
        on: false,
    })
    .unwrap();
    assert!(w.nodes()[1].state_ok);
    assert!(!w.nodes()[1].require_full_coverage);
    w.act(Action::SetReadsWhenDown {
        node: None,
        on: true,
    })
    .unwrap();
    assert!(w.nodes().iter().all(|n| n.allow_reads_when_down));
    // A range of slots moves with its keys.
    let slot = w.key_view("user:101").slot;
    w.act(Action::MigrateRange {
        from: 1,
        to: 0,
        start: slot - 2,
        end: slot + 2,
    })
    .unwrap();
    assert_eq!(w.key_view("user:101").owner, Some(0));
    assert!(w.cluster().nodes[0].keys.contains(b"user:101"));
    assert!(w
        .log()
        .iter()
        .any(|e| e.why.contains("5 slot(s) and 1 key(s) moved")));
    w.act(Action::SetGossipDelay { steps: 2 }).unwrap();
    assert_eq!(w.cluster().gossip_delay, 2);
}

#[test]
fn new_actions_are_saved_and_replayed() {
    let mut w = replicas_world();
    for a in [
        Action::SetGossipDelay { steps: 1 },
        Action::AddNode {
            replica_of: Some(0),
        },
        Action::FailNode { node: 2 },
        Action::PassTime { steps: 70 },
        Action::RecoverNode { node: 2 },
        Action::SetFullCoverage {
            node: None,
            on: false,
        },
        Action::SetReadsWhenDown {
            node: Some(1),
            on: true,
        },
        Action::DelSlot { node: 0, slot: 3 },
        Action::MigrateRange {
            from: 1,
            to: 0,
            start: 6000,
            end: 6010,
        },
        Action::AddNode { replica_of: None },
        Action::PassTime { steps: 2 },
        Action::RemoveNode { node: 7 },
    ] {
        w.act(a.clone()).unwrap_or_else(|e| panic!("{a:?}: {e}"));
    }
    let saved = w.export_json();
    let v = World::import_json(&saved).unwrap();
    assert_eq!(v.nodes(), w.nodes());
    assert_eq!(v.log(), w.log());
    assert_eq!(v.export_json(), saved);
}

// -------------------------------------------------------------------------------------
// Property: after failures, recoveries, joins and removals, every slot is served or
// the state says why not.
// -------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Fail(u8),
    Recover(u8),
    AddMaster,
    AddReplica(u8),
    Remove(u8),
    Wait(u8),
    Delay(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u8>().prop_map(Op::Fail),
        4 => any::<u8>().prop_map(Op::Recover),
        1 => Just(Op::AddMaster),
        2 => any::<u8>().prop_map(Op::AddReplica),
        2 => any::<u8>().prop_map(Op::Remove),
        4 => (1u8..=80).prop_map(Op::Wait),
        1 => (0u8..=4).prop_map(Op::Delay),
    ]
}

fn check_settled(c: &Cluster) -> Result<(), TestCaseError> {
    for slot in (0..16384u16).step_by(97).chain([16383]) {
        match c.unserved(slot) {
            None => {
                let o = c.serving_owner(slot);
                prop_assert!(o.is_some(), "slot {slot}: agreed but nobody serves it");
                let o = o.unwrap();
                prop_assert!(!c.is_down(o) && c.nodes[o as usize].replica_of.is_none());
                for (i, n) in c.nodes.iter().enumerate() {
                    if n.down_since.is_none() && c.is_member(i as NodeIdx) {
                        prop_assert_eq!(
                            n.owner(slot),
                            Some(o),
                            "node {} disagrees on slot {}",
                            i,
                            slot
                        );
                    }
                }
            }
            Some(Unserved::OwnerDown {
                owner,
                replicas,
                failed,
                masters,
                needed,
            }) => {
                // Nobody could take over: no running replica, no majority of masters to
                // report the owner failed, or none to vote.
                prop_assert!(c.is_down(owner), "slot {slot}: owner {owner} said down");
                prop_assert!(
                    replicas == 0 || !failed || masters < needed,
                    "slot {}: owner {} down, failed {}, {} replica(s), {}/{} masters: it should have failed over",
                    slot, owner, failed, replicas, masters, needed
                );
            }
            Some(Unserved::NoOwner) => prop_assert!(
                (0..c.nodes.len() as NodeIdx).all(|i| c.is_down(i) || !c.is_member(i)),
                "slot {slot}: no owner while members run"
            ),
            Some(other) => prop_assert!(false, "slot {slot}: {other:?}"),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 64, failure_persistence: None, ..Config::default() })]

    #[test]
    fn every_slot_is_served_or_the_state_says_why(
        masters in 3usize..=4,
        ops in prop::collection::vec(op(), 1..14),
    ) {
        let text = layout::nodes_text(&layout::with_replicas(masters), 0);
        let mut w = World::from_topology_text(&text).unwrap();
        for op in &ops {
            let n = w.cluster().nodes.len();
            let pick = |x: &u8| (*x as usize % n) as NodeIdx;
            let action = match op {
                Op::Fail(x) => Action::FailNode { node: pick(x) },
                Op::Recover(x) => Action::RecoverNode { node: pick(x) },
                Op::AddMaster => Action::AddNode { replica_of: None },
                Op::AddReplica(x) => Action::AddNode { replica_of: Some(pick(x)) },
                Op::Remove(x) => Action::RemoveNode { node: pick(x) },
                Op::Wait(s) => Action::PassTime { steps: *s as u32 },
                Op::Delay(d) => Action::SetGossipDelay { steps: *d as u32 },
            };
            // Refusals (a node already down, a master with slots...) are fine; the state
            // must stay consistent either way.
            let joins = matches!(action, Action::AddNode { .. });
            let _ = w.act(action);
            if joins {
                // Let the join spread before anything else fails: a node whose only peer
                // dies before gossip introduced it stays on an island (as in Redis).
                let steps = w.cluster().gossip_delay + 1;
                w.act(Action::PassTime { steps }).unwrap();
            }
        }
        // Settle: time for detection, elections (and their retries) and gossip.
        w.act(Action::PassTime { steps: 1000 }).unwrap();
        check_settled(w.cluster())?;
        // Recovering every node mends everything that can be mended.
        for i in 0..w.cluster().nodes.len() as NodeIdx {
            let _ = w.act(Action::RecoverNode { node: i });
        }
        w.act(Action::PassTime { steps: 1000 }).unwrap();
        check_settled(w.cluster())?;
        for slot in (0..16384u16).step_by(331) {
            prop_assert_eq!(w.cluster().unserved(slot), None, "all nodes run again");
        }
    }
}
