//! Throughput and memory figures of the simulation core, each printed next to its target.
//!
//!   cargo run --profile bench -p slotscope-sim --example bench
//!
//! - key to slot: `key_slot` over 1,000,000 distinct 16-byte keys (target >= 20 million/s), and
//!   over 1 KiB keys (reported);
//! - GET/SET: a 16-node cluster (`layout::even(16)`) holding 100,000 keys, each command sent on a
//!   connection to the node that owns the key, alternating GET and SET of pseudo-random keys
//!   (target >= 2 million/s);
//! - memory: resident memory (VmRSS) added by 1,000,000 keys (16-byte keys, 16-byte values) spread
//!   over 16 nodes, written with SET through the command path (target <= 200 MB).
//!
//! Each throughput figure is the best of five rounds, counted per second of the benchmark's own
//! CPU time (`/proc/thread-self/schedstat`), because on a shared machine the wall clock mostly
//! measures the other processes; the wall-clock rate and the share of time spent waiting for a
//! CPU are printed beside it. The memory figure is measured in a child process (the benchmark
//! runs itself with the argument `memory`), so that neither measurement disturbs the other's
//! heap. `--profile bench` builds for speed (`opt-level = 3`); the release profile optimises for
//! the size of the web bundle instead.

use std::hint::black_box;
use std::time::Instant;

use slotscope_sim::keyslot::key_slot;
use slotscope_sim::{layout, Cluster, ConnId, NodeIdx};

fn vm_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn key16(i: usize) -> Vec<u8> {
    format!("key:{i:012}").into_bytes()
}

/// Writes `key16(i)` into `buf` (16 bytes) without allocating.
fn write_key(buf: &mut [u8], mut i: u64) {
    buf[..4].copy_from_slice(b"key:");
    for d in buf[4..16].iter_mut().rev() {
        *d = b'0' + (i % 10) as u8;
        i /= 10;
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// This thread's time on a CPU and time spent waiting for one, in nanoseconds
/// (`/proc/thread-self/schedstat`).
fn sched_ns() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut f = text.split_whitespace().map(|v| v.parse::<u64>().ok());
    Some((f.next()??, f.next()??))
}

/// A throughput: per second of the benchmark's own CPU time (the figure compared with the
/// target, as other processes on a shared machine do not change it), per second of wall
/// clock, and the share of wall time spent waiting for a CPU.
struct Rate {
    cpu: f64,
    wall: f64,
    waiting: f64,
}

/// Best rates over `rounds` timed runs of `f`, which handles `items` items.
fn best_rate(rounds: usize, items: usize, mut f: impl FnMut()) -> Rate {
    let mut best = Rate {
        cpu: 0.0,
        wall: 0.0,
        waiting: 0.0,
    };
    for _ in 0..rounds {
        let s0 = sched_ns();
        let t = Instant::now();
        f();
        let wall = t.elapsed();
        let s1 = sched_ns();
        let wall_rate = items as f64 / wall.as_secs_f64();
        let (cpu_rate, waiting) = match (s0, s1) {
            (Some((c0, w0)), Some((c1, w1))) if c1 > c0 => (
                items as f64 / ((c1 - c0) as f64 / 1e9),
                (w1 - w0) as f64 / wall.as_nanos() as f64,
            ),
            _ => (wall_rate, 0.0),
        };
        if cpu_rate > best.cpu {
            best = Rate {
                cpu: cpu_rate,
                wall: best.wall.max(wall_rate),
                waiting,
            };
        } else {
            best.wall = best.wall.max(wall_rate);
        }
    }
    best
}

/// One connection per node, and the owner of every slot.
fn connections(c: &mut Cluster) -> (Vec<ConnId>, Vec<NodeIdx>) {
    let conns = (0..c.nodes.len())
        .map(|i| c.connect(i as NodeIdx))
        .collect();
    let owners = (0..16384u16)
        .map(|s| c.nodes[0].owner(s).expect("assigned"))
        .collect();
    (conns, owners)
}

/// Runs the memory measurement in a fresh process and returns the MB it reports.
fn memory_in_child() -> f64 {
    let exe = std::env::current_exe().expect("own executable");
    let out = std::process::Command::new(exe)
        .arg("memory")
        .output()
        .expect("run the memory measurement");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("the child prints the MB it measured")
}

fn memory() -> f64 {
    const KEYS: usize = 1_000_000;
    let before = vm_rss_kib().unwrap_or(0);
    let mut c = layout::even(16);
    let (conns, owners) = connections(&mut c);
    let mut argv = vec![b"SET".to_vec(), Vec::new(), Vec::new()];
    for i in 0..KEYS {
        argv[1] = key16(i);
        argv[2] = format!("value:{i:010}").into_bytes();
        let conn = conns[owners[key_slot(&argv[1]) as usize] as usize];
        black_box(c.execute(conn, &argv));
    }
    let total: usize = c.nodes.iter().map(|n| n.keys.len()).sum();
    assert_eq!(total, KEYS);
    let after = vm_rss_kib().unwrap_or(0);
    let mb = after.saturating_sub(before) as f64 / 1024.0;
    drop(black_box(c));
    mb
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("memory") {
        println!("{:.1}", memory());
        return;
    }
    if cfg!(debug_assertions) {
        println!("warning: a debug build; run with --release for meaningful figures\n");
    }
    let mb = memory_in_child();

    // Key to slot.
    let keys: Vec<Vec<u8>> = (0..1_000_000).map(key16).collect();
    let slot_rate = best_rate(5, keys.len(), || {
        let mut sum = 0u64;
        for k in &keys {
            sum += key_slot(black_box(k)) as u64;
        }
        black_box(sum);
    });
    let big: Vec<Vec<u8>> = (0..10_000)
        .map(|i| {
            let mut k = format!("big:{i}:").into_bytes();
            k.resize(1024, b'x' + (i % 3) as u8);
            k
        })
        .collect();
    let big_rate = best_rate(5, big.len(), || {
        let mut sum = 0u64;
        for k in &big {
            sum += key_slot(black_box(k)) as u64;
        }
        black_box(sum);
    });

    // GET/SET on 16 nodes holding 100,000 keys. Like a server, each command is written into
    // one reused argv (the key formatted from a pseudo-random index); like a cluster client,
    // the benchmark knows each key's owner (a 100 KB table built once), so the figure is the
    // simulator's work, not cache misses on prebuilt requests or the client's own hashing.
    let mut c = layout::even(16);
    let (conns, owners) = connections(&mut c);
    let n = 100_000u64;
    let mut set = vec![b"SET".to_vec(), key16(0), b"value:0000000000".to_vec()];
    let mut get = vec![b"GET".to_vec(), key16(0)];
    let mut owner_of = Vec::with_capacity(n as usize);
    for i in 0..n {
        write_key(&mut set[1], i);
        let owner = owners[key_slot(&set[1]) as usize];
        owner_of.push(owner as u8);
        c.execute(conns[owner as usize], &set);
    }
    let rounds = 2_000_000;
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let cmd_rate = best_rate(5, rounds, || {
        for j in 0..rounds {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = x % n;
            let argv = if j % 2 == 0 { &mut get } else { &mut set };
            write_key(&mut argv[1], i);
            black_box(c.execute(conns[owner_of[i as usize] as usize], argv));
        }
    });
    let total: usize = c.nodes.iter().map(|n| n.keys.len()).sum();
    assert_eq!(total, n as usize, "every SET landed on its owner");

    let m = |r: f64| r / 1e6;
    let line = |what: &str, r: &Rate, target: Option<f64>| {
        let goal = match target {
            Some(t) => format!("target >= {} million/s {:>5}", t / 1e6, verdict(r.cpu >= t)),
            None => "(reported)".to_string(),
        };
        println!(
            "{what:<30}{:>8.2} million/s   {goal:<29}[wall clock {:.2} million/s, {:.0}% waiting for a CPU]",
            m(r.cpu),
            m(r.wall),
            r.waiting * 100.0
        );
    };
    line("key to slot, 16-byte keys", &slot_rate, Some(20e6));
    line("key to slot, 1 KiB keys", &big_rate, None);
    line("GET/SET, 16 nodes, 100k keys", &cmd_rate, Some(2e6));
    println!(
        "{:<30}{:>8.1} MB          {:<29}",
        "memory, 1M keys on 16 nodes",
        mb,
        format!("target <= 200 MB        {}", verdict(mb <= 200.0))
    );
    println!(
        "\nRates are per second of this benchmark's own CPU time, best of 5 rounds; wall-clock\n\
         rates are lower when other processes compete for the CPUs."
    );
}
