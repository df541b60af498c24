//! Benchmark: a 10,000-request workload during a migration, through every client
//! preset and the proxy baseline. Prints the time each run takes (target: under
//! 50 ms natively) and the counters the comparison view shows.
//!
//! Run: `cargo run --profile bench -p slotscope-sim --example bench_clients`

use std::time::Instant;

use slotscope_sim::compare::{run, run_proxy, Workload};
use slotscope_sim::policy::Policy;

fn main() {
    let w = Workload {
        requests: 10_000,
        ..Workload::default()
    };
    println!(
        "workload: {} GETs over {} keys while slots {}-{} migrate from node {} to node {}",
        w.requests, w.keys, w.range.0, w.range.1, w.from, w.to
    );
    println!(
        "{:<22} {:>9} {:>7} {:>7} {:>6} {:>6} {:>9} {:>8}  target",
        "policy", "time ms", "hops", "MOVED", "ASK", "refr.", "hops/req", "sim ms"
    );
    let mut worst: f64 = 0.0;
    let mut rows = Vec::new();
    for p in Policy::presets() {
        let t = Instant::now();
        let r = run(&p, &w);
        rows.push((r, t.elapsed().as_secs_f64() * 1000.0));
    }
    let t = Instant::now();
    let proxy = run_proxy(&w);
    rows.push((proxy, t.elapsed().as_secs_f64() * 1000.0));
    for (r, ms) in &rows {
        worst = worst.max(*ms);
        println!(
            "{:<22} {:>9.2} {:>7} {:>7} {:>6} {:>6} {:>9.3} {:>8.0}  {}",
            r.id,
            ms,
            r.counters.hops,
            r.counters.moved,
            r.counters.ask,
            r.counters.refreshes,
            r.counters.hops_per_request(),
            r.sim_ms,
            if *ms < 50.0 {
                "PASS (< 50 ms)"
            } else {
                "MISS (< 50 ms)"
            }
        );
    }
    println!("slowest run: {worst:.2} ms (target < 50 ms)");
}
