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
    let (host, port) = split_addr(parts.next()?)?;
    let node = cluster.node_by_addr(host.as_bytes(), port.as_bytes())?;
    Some((slot, node))
}

/// `host:port` split at its last colon (`rsplit_once(':')` by a byte search, which
/// keeps the standard library's reverse character searcher out of the page).
pub(crate) fn split_addr(addr: &str) -> Option<(&str, &str)> {
    let i = addr.bytes().rposition(|b| b == b':')?;
    Some((&addr[..i], &addr[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_addr_is_rsplit_once() {
        for a in [
            "127.0.0.1:7000",
            "::1:7000",
            "nohost",
            ":",
            "a:",
            ":b",
            "é:ü",
        ] {
            assert_eq!(split_addr(a), a.rsplit_once(':'), "{a}");
        }
    }

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
