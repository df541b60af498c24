//! The same workload under several client policies, plus a proxy baseline: the
//! numbers a comparison view puts side by side.

use crate::argv::split;
use crate::cluster::{Cluster, ConnId, NodeIdx};
use crate::keyslot::key_slot;
use crate::policy::Policy;
use crate::smart_client::{Client, Counters, HopKind, Outcome};

/// A workload: random GETs over a key set while a slot range migrates. Keys come in
/// groups of ten sharing a hash tag (`{user:7}:3`), as application keys often do, so
/// a slot in the middle of its migration holds moved and unmoved keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Requests to send.
    pub requests: usize,
    /// Distinct keys (`{user:0}:0` ... `{user:99}:9` for 1,000), written before the run.
    pub keys: usize,
    /// First and last slot of the range that migrates during the run.
    pub range: (u16, u16),
    /// Source and target of the migration (the golden three-node layout's nodes).
    pub from: NodeIdx,
    /// Target node.
    pub to: NodeIdx,
    /// Seed of the random key choice.
    pub seed: u64,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            requests: 1000,
            keys: 1000,
            range: (0, 5460),
            from: 0,
            to: 1,
            seed: 42,
        }
    }
}

/// What one policy did with the workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Policy id, or `proxy`.
    pub id: String,
    /// Label for people.
    pub label: String,
    /// Counters.
    pub counters: Counters,
    /// `histogram[n]` = requests that took `n` messages (the last bucket holds more).
    pub histogram: Vec<u64>,
    /// Simulated time, in milliseconds.
    pub sim_ms: f64,
}

/// Most policies a comparison puts side by side (the proxy baseline comes on top).
pub const MAX_POLICIES: usize = 4;

/// Highest bucket of the hops-per-request histogram.
pub const HISTOGRAM_MAX: usize = 8;

struct Migrator {
    admin: Vec<ConnId>,
    slots: Vec<u16>,
    steps_done: usize,
}

impl Migrator {
    /// Two steps per slot: open the migration and move half its keys; move the rest
    /// and hand the slot over on every node.
    fn total(&self) -> usize {
        self.slots.len() * 2
    }

    fn advance(&mut self, c: &mut Cluster, w: &Workload) {
        let step = self.steps_done;
        self.steps_done += 1;
        let slot = self.slots[step / 2];
        let (from, to) = (w.from, w.to);
        let from_id = c.nodes[from as usize].id.clone();
        let to_id = c.nodes[to as usize].id.clone();
        let run = |c: &mut Cluster, node: NodeIdx, line: String, admin: &[ConnId]| {
            c.execute(admin[node as usize], &split(&line))
        };
        let keys = |c: &mut Cluster, admin: &[ConnId]| -> Vec<Vec<u8>> {
            c.execute(
                admin[from as usize],
                &split(&format!("CLUSTER GETKEYSINSLOT {slot} 1000")),
            )
            .into_bulks()
        };
        let migrate = |c: &mut Cluster, ks: &[Vec<u8>], admin: &[ConnId]| {
            if ks.is_empty() {
                return;
            }
            let argv = c.migrate_argv(to, ks);
            c.execute(admin[from as usize], &argv);
        };
        if step.is_multiple_of(2) {
            run(
                c,
                to,
                format!("CLUSTER SETSLOT {slot} IMPORTING {from_id}"),
                &self.admin,
            );
            run(
                c,
                from,
                format!("CLUSTER SETSLOT {slot} MIGRATING {to_id}"),
                &self.admin,
            );
            let ks = keys(c, &self.admin);
            let half = ks.len().div_ceil(2);
            migrate(c, &ks[..half], &self.admin);
        } else {
            let ks = keys(c, &self.admin);
            migrate(c, &ks, &self.admin);
            for n in c.handover_order(from, to) {
                run(
                    c,
                    n,
                    format!("CLUSTER SETSLOT {slot} NODE {to_id}"),
                    &self.admin,
                );
            }
        }
    }
}

fn prepare(w: &Workload) -> (Cluster, Migrator) {
    // Slots of the range that hold no key move instantly (nothing to copy): the run
    // starts with them already handed over, and only slots with keys migrate during it.
    let mut with_keys = vec![false; crate::keyslot::SLOTS];
    for i in 0..w.keys {
        with_keys[key_slot(key_name(i).as_bytes()) as usize] = true;
    }
    let base = crate::layout::golden_ranges();
    let mut owner = vec![0 as NodeIdx; crate::keyslot::SLOTS];
    for (n, rs) in base.iter().enumerate() {
        for &(a, b) in rs {
            for s in a..=b {
                owner[s as usize] = n as NodeIdx;
            }
        }
    }
    let in_range = |s: u16| (w.range.0..=w.range.1).contains(&s);
    let mut slots = Vec::new();
    for s in 0..crate::keyslot::SLOTS as u16 {
        if in_range(s) && owner[s as usize] == w.from {
            if with_keys[s as usize] {
                slots.push(s);
            } else {
                owner[s as usize] = w.to;
            }
        }
    }
    let ranges: Vec<Vec<(u16, u16)>> = (0..base.len() as NodeIdx)
        .map(|n| crate::node::ranges(owner.iter().map(|&o| o == n)))
        .collect();
    let mut c = Cluster::with_ranges(&crate::layout::golden_specs(), &ranges);
    c.set_table_order(crate::layout::golden_table_order());
    let admin: Vec<ConnId> = (0..c.nodes.len() as NodeIdx)
        .map(|i| c.connect(i))
        .collect();
    for i in 0..w.keys {
        let key = key_name(i);
        let o = owner[key_slot(key.as_bytes()) as usize];
        c.execute(
            admin[o as usize],
            &[
                b"SET".to_vec(),
                key.into_bytes(),
                format!("v{i}").into_bytes(),
            ],
        );
    }
    (
        c,
        Migrator {
            admin,
            slots,
            steps_done: 0,
        },
    )
}

/// The name of key number `i`.
pub fn key_name(i: usize) -> String {
    format!("{{user:{}}}:{}", i / 10, i % 10)
}

fn keys_sequence(w: &Workload) -> Vec<usize> {
    let mut x = w.seed | 1;
    (0..w.requests)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % w.keys.max(1) as u64) as usize
        })
        .collect()
}

/// Prepares the workload's cluster and plays it: before each request the migration
/// advances to its share of the run, then `request` sends a GET of the chosen key and
/// returns how many messages it cost.
fn drive(w: &Workload, mut request: impl FnMut(&mut Cluster, Vec<u8>) -> usize) -> Vec<u64> {
    let (mut c, mut mig) = prepare(w);
    let mut histogram = vec![0u64; HISTOGRAM_MAX + 1];
    let total = mig.total();
    for (i, k) in keys_sequence(w).into_iter().enumerate() {
        while mig.steps_done < total && mig.steps_done * w.requests < i * total {
            mig.advance(&mut c, w);
        }
        let sent = request(&mut c, key_name(k).into_bytes());
        histogram[sent.min(HISTOGRAM_MAX)] += 1;
    }
    histogram
}

/// Runs the workload with a client of `policy` whose map is up to date at the start.
pub fn run(policy: &Policy, w: &Workload) -> Run {
    let mut client: Option<Client> = None;
    let histogram = drive(w, |c, key| {
        let cl = client.get_or_insert_with(|| {
            Client::new(policy.name, policy.clone(), c, w.seed, |s| {
                c.serving_owner(s)
            })
        });
        let (hops, _) = cl.run(c, vec![b"GET".to_vec(), key.clone()], &[key]);
        hops.iter()
            .filter(|h| h.kind != HopKind::Wait && !h.background)
            .count()
    });
    let (counters, sim_ms) = client.map_or((Counters::default(), 0.0), |c| (c.counters, c.now_ms));
    Run {
        id: policy.id.to_string(),
        label: policy.name.to_string(),
        counters,
        histogram,
        sim_ms,
    }
}

/// The proxy baseline: every request goes to a proxy that knows the map and forwards
/// it (one extra hop, no redirection reaches the client). The proxy follows ASK
/// itself, so a request during a migration may cost the proxy more messages.
pub fn run_proxy(w: &Workload) -> Run {
    let mut proxy: Option<Client> = None;
    let mut counters = Counters::default();
    let histogram = drive(w, |c, key| {
        let p = proxy.get_or_insert_with(|| {
            Client::new("proxy", crate::policy::jedis(), c, w.seed, |s| {
                c.serving_owner(s)
            })
        });
        let (hops, outcome) = p.run(c, vec![b"GET".to_vec(), key.clone()], &[key]);
        // Client -> proxy, then the proxy's own messages to the nodes.
        let sent = 1 + hops.iter().filter(|h| h.kind != HopKind::Wait).count();
        counters.requests += 1;
        counters.hops += sent as u64;
        if matches!(outcome, Outcome::Error(_)) {
            counters.errors += 1;
        }
        sent
    });
    Run {
        id: "proxy".into(),
        label: "Proxy (one extra hop, no redirects seen by the client)".into(),
        counters,
        histogram,
        sim_ms: proxy.map_or(0.0, |p| p.now_ms) + counters_ms(w.requests),
    }
}

fn counters_ms(requests: usize) -> f64 {
    requests as f64 * crate::smart_client::ROUND_TRIP_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy;

    #[test]
    fn policies_differ_on_the_same_workload() {
        let w = Workload {
            requests: 2000,
            ..Workload::default()
        };
        let py = run(&policy::redis_py(), &w);
        let jedis = run(&policy::jedis(), &w);
        let proxy = run_proxy(&w);
        assert_eq!(py.counters.requests, 2000);
        assert_eq!(py.histogram.iter().sum::<u64>(), 2000);
        assert!(
            py.counters.moved > 0 && py.counters.ask > 0,
            "{:?}",
            py.counters
        );
        assert!(jedis.counters.refreshes > 0);
        assert!(
            jedis.counters.moved < py.counters.moved,
            "a full refresh learns every moved slot at once"
        );
        assert!(
            proxy.histogram[1] == 0 && proxy.histogram[2] > 0,
            "every proxied request costs two messages at least"
        );
        assert_eq!(py.counters.errors, 0);
    }
}
