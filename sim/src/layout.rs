//! Ready-made clusters: the golden capture's layout and evenly split clusters.

use crate::cluster::{Cluster, NodeIdx};

/// The placeholder id the golden data uses for the node on `port` (exactly 40 bytes).
pub fn placeholder_id(port: u16) -> String {
    let head = format!("<NODE-ID-{port}");
    format!("{head}{}>", "-".repeat(39 - head.len()))
}

/// Specs of the golden capture's three nodes, 127.0.0.1:7000-7002, with placeholder ids.
pub fn golden_specs() -> Vec<(String, String, u16)> {
    (7000..=7002)
        .map(|p| (placeholder_id(p), "127.0.0.1".to_string(), p))
        .collect()
}

/// Node-table order (Redis's random hash order) each golden node reported in
/// `CLUSTER NODES` and `CLUSTER SHARDS`: 7000 lists 7001, 7002, 7000; and so on.
pub fn golden_table_order() -> Vec<Vec<NodeIdx>> {
    vec![vec![1, 2, 0], vec![0, 1, 2], vec![2, 0, 1]]
}

/// The golden slot ranges: 0-5460, 5461-10922, 10923-16383.
pub fn golden_ranges() -> Vec<Vec<(u16, u16)>> {
    vec![vec![(0, 5460)], vec![(5461, 10922)], vec![(10923, 16383)]]
}

/// The golden layout before its setup steps: three fresh, unjoined nodes.
pub fn golden_unjoined() -> Cluster {
    let mut c = Cluster::new_unjoined(&golden_specs());
    c.set_table_order(golden_table_order());
    c
}

/// The golden layout after its setup steps (slots assigned, epochs 1/2/3, joined).
pub fn golden() -> Cluster {
    let mut c = Cluster::with_ranges(&golden_specs(), &golden_ranges());
    c.set_table_order(golden_table_order());
    c
}

/// A deterministic 40-hex-digit node id for node number `i` of a generated cluster.
pub fn generated_id(i: usize) -> String {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(40);
    while out.len() < 40 {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 32;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(40);
    out
}

/// `n` masters on 127.0.0.1:7000.., slots split evenly as `redis-cli --cluster create` does.
pub fn even(n: usize) -> Cluster {
    assert!((1..=1000).contains(&n), "1 to 1000 nodes");
    let specs: Vec<_> = (0..n)
        .map(|i| (generated_id(i), "127.0.0.1".to_string(), 7000 + i as u16))
        .collect();
    let per = 16384.0 / n as f64;
    let ranges: Vec<Vec<(u16, u16)>> = (0..n)
        .map(|i| {
            let first = (i as f64 * per).round() as u16;
            let last = if i == n - 1 {
                16383
            } else {
                (((i + 1) as f64 * per).round() as u16) - 1
            };
            vec![(first, last)]
        })
        .collect();
    Cluster::with_ranges(&specs, &ranges)
}

/// A cluster with explicit ranges per node on 127.0.0.1:7000.. with generated ids.
pub fn with_ranges(ranges: &[Vec<(u16, u16)>]) -> Cluster {
    let specs: Vec<_> = (0..ranges.len())
        .map(|i| (generated_id(i), "127.0.0.1".to_string(), 7000 + i as u16))
        .collect();
    Cluster::with_ranges(&specs, ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_is_40_bytes() {
        assert_eq!(
            placeholder_id(7000),
            "<NODE-ID-7000-------------------------->"
        );
        assert_eq!(generated_id(3).len(), 40);
    }

    #[test]
    fn even_split_matches_redis_cli_for_three() {
        let c = even(3);
        assert_eq!(c.nodes[0].ranges_of(0), vec![(0, 5460)]);
        assert_eq!(c.nodes[0].ranges_of(1), vec![(5461, 10922)]);
        assert_eq!(c.nodes[0].ranges_of(2), vec![(10923, 16383)]);
    }
}

#[cfg(test)]
mod scale_tests {
    use super::*;
    use crate::argv::split;

    #[test]
    fn a_thousand_nodes_route_like_three() {
        let mut c = even(1000);
        assert_eq!(c.nodes.len(), 1000);
        assert!(c
            .nodes
            .iter()
            .all(|n| n.state_ok() && n.known.len() == 1000));
        let conn = c.connect(0);
        // slot 12182 ("foo") belongs to node 743 (16384/1000 slots each, rounded).
        let owner = c.serving_owner(12182).unwrap();
        assert_eq!(c.serving_owners()[12182], Some(owner));
        let reply = c.execute(conn, &split("GET foo"));
        let expected = format!("MOVED 12182 127.0.0.1:{}", 7000 + owner);
        assert_eq!(reply, crate::resp::Reply::err(expected));
    }
}
