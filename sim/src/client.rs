//! Reading redirections the way client libraries do.

use crate::cluster::{Cluster, NodeIdx};
use crate::resp::Reply;

/// Parses `MOVED slot host:port` / `ASK slot host:port` into the slot and the node at
/// that address (none for other replies or unknown addresses).
pub fn parse_redirect(cluster: &Cluster, reply: &Reply) -> Option<(u16, NodeIdx)> {
    let Reply::Error(text) = reply else {
        return None;
    };
    let text = std::str::from_utf8(text).ok()?;
    let mut parts = text.split(' ');
    let code = parts.next()?;
    if code != "MOVED" && code != "ASK" {
        return None;
    }
    let slot: u16 = parts.next()?.parse().ok()?;
    let (host, port) = parts.next()?.rsplit_once(':')?;
    let node = cluster.node_by_addr(host.as_bytes(), port.as_bytes())?;
    Some((slot, node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_moved_and_ask() {
        let c = crate::layout::golden();
        assert_eq!(
            parse_redirect(&c, &Reply::err("MOVED 12182 127.0.0.1:7002")),
            Some((12182, 2))
        );
        assert_eq!(
            parse_redirect(&c, &Reply::err("ASK 4449 127.0.0.1:7001")),
            Some((4449, 1))
        );
        assert_eq!(
            parse_redirect(&c, &Reply::err("MOVED 1 10.0.0.1:7002")),
            None
        );
        assert_eq!(parse_redirect(&c, &Reply::err("TRYAGAIN x")), None);
    }
}
