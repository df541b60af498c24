//! Bring your own cluster: reads the output of `CLUSTER NODES`, `CLUSTER SHARDS` or
//! `CLUSTER SLOTS` (redis-cli's default output, its `--no-raw` output, or raw RESP)
//! and builds that topology, saying what it could not use.

use crate::cluster::{Cluster, NodeIdx};
use crate::resp::Reply;

/// A parse error, with the 1-based line it was found on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// Line number (1-based) in the pasted text.
    pub line: usize,
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

fn err<T>(line: usize, reason: impl Into<String>) -> Result<T, ImportError> {
    Err(ImportError {
        line,
        reason: reason.into(),
    })
}

/// Which command's output was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// CLUSTER NODES
    Nodes,
    /// CLUSTER SHARDS
    Shards,
    /// CLUSTER SLOTS
    Slots,
}

/// One node of a pasted topology.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopoNode {
    /// Node id.
    pub id: String,
    /// IP or host.
    pub host: String,
    /// Client port.
    pub port: u16,
    /// Bus port, when given.
    pub cport: Option<u16>,
    /// Id of its master, for a replica.
    pub replica_of: Option<String>,
    /// Config epoch, when given.
    pub epoch: Option<u64>,
    /// Slot ranges it serves.
    pub slots: Vec<(u16, u16)>,
    /// Slots it is migrating (slot, target id).
    pub migrating: Vec<(u16, String)>,
    /// Slots it is importing (slot, source id).
    pub importing: Vec<(u16, String)>,
    /// The node that printed the output (`myself`).
    pub myself: bool,
}

/// A pasted topology, before it becomes a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// What was pasted.
    pub source: Source,
    /// Nodes in the order they were listed.
    pub nodes: Vec<TopoNode>,
    /// What was read but cannot be used, one sentence each.
    pub unused: Vec<String>,
}

/// A cluster built from a pasted topology.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The simulated cluster (masters only).
    pub cluster: Cluster,
    /// The node that printed the output, when known.
    pub myself: Option<NodeIdx>,
    /// What the simulator could not use.
    pub unused: Vec<String>,
    /// What was pasted.
    pub source: Source,
}

/// Reads pasted text in any supported form.
pub fn parse(text: &str) -> Result<Topology, ImportError> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return err(
            1,
            "nothing to read: paste the output of CLUSTER NODES, CLUSTER SHARDS or CLUSTER SLOTS",
        );
    }
    let first = trimmed.as_bytes()[0];
    if matches!(first, b'*' | b'$' | b'%' | b'=')
        && trimmed
            .lines()
            .next()
            .is_some_and(|l| l[1..].trim().parse::<i64>().is_ok())
    {
        let reply = parse_resp(text)?;
        return from_reply(&reply, 1);
    }
    if trimmed.starts_with("1) ") {
        let reply = parse_cli_tree(text)?;
        return from_reply(&reply, 1);
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    let first_word = first_line.split_whitespace().next().unwrap_or("");
    if first_word.len() == 40 && first_word.bytes().all(|b| b.is_ascii_hexdigit()) {
        return parse_nodes(text, 0);
    }
    if first_line.trim() == "slots" {
        return parse_shards_raw(text);
    }
    if first_line.trim().parse::<u16>().is_ok() {
        return parse_slots_raw(text);
    }
    let line = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0) + 1;
    err(line, "not recognised: expected CLUSTER NODES lines (a 40-character node id first), CLUSTER SHARDS or CLUSTER SLOTS output (redis-cli or raw RESP)")
}

fn parse_range(tok: &str, line: usize) -> Result<(u16, u16), ImportError> {
    let slot = |s: &str| -> Result<u16, ImportError> {
        match s.parse::<u16>() {
            Ok(v) if v < 16384 => Ok(v),
            _ => err(line, format!("{s:?} is not a slot (0 to 16383)")),
        }
    };
    match tok.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (slot(a)?, slot(b)?);
            if a > b {
                return err(line, format!("slot range {tok} runs backwards"));
            }
            Ok((a, b))
        }
        None => {
            let s = slot(tok)?;
            Ok((s, s))
        }
    }
}

fn parse_addr(addr: &str, line: usize) -> Result<(String, u16, Option<u16>), ImportError> {
    // ip:port@cport[,hostname]
    let addr = addr.split(',').next().unwrap_or(addr);
    let (hostport, cport) = match addr.split_once('@') {
        Some((hp, c)) => (hp, Some(c)),
        None => (addr, None),
    };
    let Some((host, port)) = hostport.rsplit_once(':') else {
        return err(line, format!("{addr:?} is not an address (ip:port@cport)"));
    };
    let Ok(port) = port.parse::<u16>() else {
        return err(line, format!("{port:?} is not a port"));
    };
    let cport = match cport {
        Some(c) => Some(
            c.parse::<u16>()
                .or_else(|_| err(line, format!("{c:?} is not a bus port")))?,
        ),
        None => None,
    };
    Ok((host.to_string(), port, cport))
}

/// CLUSTER NODES lines. `offset` is added to line numbers (for text inside RESP).
fn parse_nodes(text: &str, offset: usize) -> Result<Topology, ImportError> {
    let mut nodes = Vec::new();
    let mut unused = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1 + offset;
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 8 {
            return err(
                line,
                format!(
                    "a CLUSTER NODES line has at least 8 fields, this one has {}",
                    f.len()
                ),
            );
        }
        if f[0].len() != 40 || !f[0].bytes().all(|b| b.is_ascii_hexdigit()) {
            return err(line, format!("{:?} is not a 40-character node id", f[0]));
        }
        let (host, port, cport) = parse_addr(f[1], line)?;
        let flags: Vec<&str> = f[2].split(',').collect();
        let mut n = TopoNode {
            id: f[0].to_string(),
            host,
            port,
            cport,
            myself: flags.contains(&"myself"),
            ..Default::default()
        };
        if flags.contains(&"slave") || flags.contains(&"replica") {
            n.replica_of = Some(f[3].to_string());
        }
        for flag in &flags {
            if matches!(
                *flag,
                "fail" | "fail?" | "handshake" | "noaddr" | "nofailover"
            ) {
                unused.push(format!(
                    "line {line}: flag {flag} of {} is not simulated",
                    &n.id[..8]
                ));
            }
        }
        n.epoch = Some(
            f[6].parse()
                .or_else(|_| err(line, format!("{:?} is not a config epoch", f[6])))?,
        );
        if f[7] != "connected" {
            unused.push(format!(
                "line {line}: link state {} of {} is not simulated",
                f[7],
                &n.id[..8]
            ));
        }
        for tok in &f[8..] {
            if let Some(inner) = tok.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                if let Some((s, id)) = inner.split_once("->-") {
                    n.migrating.push((parse_range(s, line)?.0, id.to_string()));
                } else if let Some((s, id)) = inner.split_once("-<-") {
                    n.importing.push((parse_range(s, line)?.0, id.to_string()));
                } else {
                    return err(line, format!("{tok} is not a migration state"));
                }
            } else {
                n.slots.push(parse_range(tok, line)?);
            }
        }
        nodes.push(n);
    }
    Ok(Topology {
        source: Source::Nodes,
        nodes,
        unused,
    })
}

fn parse_shards_raw(text: &str) -> Result<Topology, ImportError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .collect();
    let mut nodes = Vec::new();
    let mut unused = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (line, word) = lines[i];
        if word.is_empty() {
            i += 1;
            continue;
        }
        if word != "slots" {
            return err(line, format!("expected \"slots\", found {word:?}"));
        }
        i += 1;
        let mut bounds = Vec::new();
        while i < lines.len() && lines[i].1 != "nodes" {
            let (l, w) = lines[i];
            bounds.push(
                w.parse::<u16>()
                    .or_else(|_| err(l, format!("{w:?} is not a slot number")))?,
            );
            i += 1;
        }
        if bounds.len() % 2 == 1 {
            return err(line, "slots come in start/end pairs");
        }
        i += 1; // "nodes"
        let mut shard_nodes: Vec<TopoNode> = Vec::new();
        while i < lines.len() && lines[i].1 != "slots" {
            let (l, key) = lines[i];
            if key.is_empty() {
                i += 1;
                continue;
            }
            let Some(&(vl, value)) = lines.get(i + 1) else {
                return err(l, format!("{key:?} has no value"));
            };
            if key == "id" {
                shard_nodes.push(TopoNode {
                    id: value.to_string(),
                    ..Default::default()
                });
            }
            let Some(n) = shard_nodes.last_mut() else {
                return err(l, format!("expected \"id\", found {key:?}"));
            };
            shard_field(n, key, value, vl, &mut unused)?;
            i += 2;
        }
        finish_shard(&mut shard_nodes, &bounds, line, &mut unused)?;
        nodes.extend(shard_nodes);
    }
    Ok(Topology {
        source: Source::Shards,
        nodes,
        unused,
    })
}

fn shard_field(
    n: &mut TopoNode,
    key: &str,
    value: &str,
    line: usize,
    unused: &mut Vec<String>,
) -> Result<(), ImportError> {
    match key {
        "id" => {}
        "port" => {
            n.port = value
                .parse()
                .or_else(|_| err(line, format!("{value:?} is not a port")))?
        }
        "ip" => {
            if n.host.is_empty() {
                n.host = value.to_string();
            }
        }
        "endpoint" => n.host = value.to_string(),
        "role" => {
            if value == "replica" || value == "slave" {
                n.replica_of = Some(String::new());
            }
        }
        "health" if value != "online" => {
            unused.push(format!("line {line}: health {value} is not simulated"))
        }
        "health" | "replication-offset" => {}
        other => unused.push(format!("line {line}: field {other} is not simulated")),
    }
    Ok(())
}

fn finish_shard(
    shard: &mut [TopoNode],
    bounds: &[u16],
    line: usize,
    _unused: &mut [String],
) -> Result<(), ImportError> {
    let master = shard
        .iter()
        .find(|n| n.replica_of.is_none())
        .map(|n| n.id.clone());
    for n in shard.iter_mut() {
        if n.replica_of.is_some() {
            n.replica_of = master.clone();
        } else {
            for pair in bounds.chunks(2) {
                if pair[0] > pair[1] || pair[1] > 16383 {
                    return err(
                        line,
                        format!("slot range {}-{} is not valid", pair[0], pair[1]),
                    );
                }
                n.slots.push((pair[0], pair[1]));
            }
        }
    }
    Ok(())
}

fn parse_slots_raw(text: &str) -> Result<Topology, ImportError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .collect();
    let mut nodes: Vec<TopoNode> = Vec::new();
    let mut i = 0;
    let num = |s: &str| s.parse::<u16>().ok();
    while i < lines.len() {
        if lines[i].1.is_empty() {
            i += 1;
            continue;
        }
        let (line, a) = lines[i];
        let (Some(start), Some(end)) = (num(a), lines.get(i + 1).and_then(|x| num(x.1))) else {
            return err(
                line,
                format!("expected a slot range start and end, found {a:?}"),
            );
        };
        i += 2;
        let mut first = true;
        // Nodes: ip, port, id, then an empty line for the (empty) metadata.
        while i + 2 < lines.len() && num(lines[i].1).is_none() && !lines[i].1.is_empty() {
            let (l, host) = lines[i];
            let port = num(lines[i + 1].1).ok_or(ImportError {
                line: l + 1,
                reason: format!("{:?} is not a port", lines[i + 1].1),
            })?;
            let id = lines[i + 2].1.to_string();
            i += 3;
            while i < lines.len() && lines[i].1.is_empty() {
                i += 1;
            }
            add_slot_range(&mut nodes, &id, host, port, (start, end), first, line)?;
            first = false;
        }
        if first {
            return err(line, "a slot range without a node");
        }
    }
    Ok(Topology {
        source: Source::Slots,
        nodes,
        unused: Vec::new(),
    })
}

fn add_slot_range(
    nodes: &mut Vec<TopoNode>,
    id: &str,
    host: &str,
    port: u16,
    range: (u16, u16),
    master: bool,
    line: usize,
) -> Result<(), ImportError> {
    if range.0 > range.1 || range.1 > 16383 {
        return err(
            line,
            format!("slot range {}-{} is not valid", range.0, range.1),
        );
    }
    let idx = match nodes.iter().position(|n| n.id == id) {
        Some(i) => i,
        None => {
            nodes.push(TopoNode {
                id: id.to_string(),
                host: host.to_string(),
                port,
                ..Default::default()
            });
            nodes.len() - 1
        }
    };
    if master {
        nodes[idx].slots.push(range);
    } else if nodes[idx].replica_of.is_none() {
        // The master of this range was added just before.
        let m = nodes
            .iter()
            .rev()
            .find(|n| n.slots.contains(&range) && n.id != id)
            .map(|n| n.id.clone());
        nodes[idx].replica_of = m;
    }
    Ok(())
}

/// Builds the topology from a parsed reply (RESP or redis-cli's nested output).
fn from_reply(reply: &Reply, line: usize) -> Result<Topology, ImportError> {
    match reply {
        Reply::Bulk(b) => parse_nodes(&String::from_utf8_lossy(b), line),
        Reply::Verbatim(t) => parse_nodes(t, line),
        Reply::Array(items) if items.is_empty() => {
            err(line, "the reply is empty: the node knows no slot")
        }
        Reply::Array(items) => {
            let is_shards = matches!(&items[0], Reply::Map(_))
                || matches!(&items[0], Reply::Array(a) if a.first() == Some(&Reply::bulk("slots")));
            if is_shards {
                shards_from_reply(items, line)
            } else {
                slots_from_reply(items, line)
            }
        }
        _ => err(line, "not a CLUSTER NODES, SHARDS or SLOTS reply"),
    }
}

fn pairs(r: &Reply) -> Option<Vec<(&Reply, &Reply)>> {
    match r {
        Reply::Map(p) => Some(p.iter().map(|(k, v)| (k, v)).collect()),
        Reply::Array(a) if a.len() % 2 == 0 => Some(a.chunks(2).map(|c| (&c[0], &c[1])).collect()),
        _ => None,
    }
}

fn text_of(r: &Reply) -> String {
    match r {
        Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Reply::Simple(s) | Reply::Verbatim(s) => s.clone(),
        Reply::Integer(n) => n.to_string(),
        _ => String::new(),
    }
}

fn shards_from_reply(items: &[Reply], line: usize) -> Result<Topology, ImportError> {
    let mut nodes = Vec::new();
    let mut unused = Vec::new();
    for (si, shard) in items.iter().enumerate() {
        let fields = pairs(shard).ok_or(ImportError {
            line,
            reason: format!("shard {} is not a map", si + 1),
        })?;
        let mut bounds = Vec::new();
        let mut shard_nodes = Vec::new();
        for (k, v) in fields {
            match text_of(k).as_str() {
                "slots" => {
                    let Reply::Array(b) = v else {
                        return err(line, "\"slots\" is not an array");
                    };
                    for x in b {
                        let n = text_of(x)
                            .parse::<u16>()
                            .or_else(|_| err(line, format!("{:?} is not a slot", text_of(x))))?;
                        bounds.push(n);
                    }
                }
                "nodes" => {
                    let Reply::Array(ns) = v else {
                        return err(line, "\"nodes\" is not an array");
                    };
                    for n in ns {
                        let f = pairs(n).ok_or(ImportError {
                            line,
                            reason: "a shard node is not a map".into(),
                        })?;
                        let mut t = TopoNode::default();
                        for (k, v) in f {
                            let key = text_of(k);
                            if key == "id" {
                                t.id = text_of(v);
                            } else {
                                shard_field(&mut t, &key, &text_of(v), line, &mut unused)?;
                            }
                        }
                        shard_nodes.push(t);
                    }
                }
                other => unused.push(format!("shard field {other} is not simulated")),
            }
        }
        if bounds.len() % 2 == 1 {
            return err(line, "slots come in start/end pairs");
        }
        finish_shard(&mut shard_nodes, &bounds, line, &mut unused)?;
        nodes.extend(shard_nodes);
    }
    Ok(Topology {
        source: Source::Shards,
        nodes,
        unused,
    })
}

fn slots_from_reply(items: &[Reply], line: usize) -> Result<Topology, ImportError> {
    let mut nodes = Vec::new();
    for (ei, e) in items.iter().enumerate() {
        let Reply::Array(parts) = e else {
            return err(line, format!("entry {} is not an array", ei + 1));
        };
        let num = |r: Option<&Reply>| r.and_then(|r| text_of(r).parse::<u16>().ok());
        let (Some(a), Some(b)) = (num(parts.first()), num(parts.get(1))) else {
            return err(
                line,
                format!("entry {} does not start with a slot range", ei + 1),
            );
        };
        if parts.len() < 3 {
            return err(line, format!("entry {} names no node", ei + 1));
        }
        for (ni, n) in parts[2..].iter().enumerate() {
            let Reply::Array(f) = n else {
                return err(line, format!("entry {} has a malformed node", ei + 1));
            };
            let host = f.first().map(text_of).unwrap_or_default();
            let port = num(f.get(1)).ok_or(ImportError {
                line,
                reason: format!("entry {} has a node without port", ei + 1),
            })?;
            let id = f
                .get(2)
                .map(text_of)
                .unwrap_or_else(|| format!("{host}:{port}"));
            add_slot_range(&mut nodes, &id, &host, port, (a, b), ni == 0, line)?;
        }
    }
    Ok(Topology {
        source: Source::Slots,
        nodes,
        unused: Vec::new(),
    })
}

/// Parses one RESP reply (CRLF or LF line ends accepted).
pub fn parse_resp(text: &str) -> Result<Reply, ImportError> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let reply = resp_value(bytes, &mut pos)?;
    Ok(reply)
}

fn line_no(bytes: &[u8], pos: usize) -> usize {
    bytes[..pos.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn resp_line<'a>(bytes: &'a [u8], pos: &mut usize) -> Result<&'a str, ImportError> {
    let start = *pos;
    let Some(nl) = bytes[start..].iter().position(|&b| b == b'\n') else {
        return err(
            line_no(bytes, start),
            "the RESP text ends in the middle of a reply",
        );
    };
    *pos = start + nl + 1;
    let mut l = &bytes[start..start + nl];
    if l.last() == Some(&b'\r') {
        l = &l[..l.len() - 1];
    }
    std::str::from_utf8(l).or_else(|_| err(line_no(bytes, start), "not UTF-8"))
}

fn resp_value(bytes: &[u8], pos: &mut usize) -> Result<Reply, ImportError> {
    let at = line_no(bytes, *pos);
    let l = resp_line(bytes, pos)?;
    let Some(kind) = l.chars().next() else {
        return err(at, "an empty line where a RESP value was expected");
    };
    let rest = &l[1..];
    let count = || {
        rest.parse::<i64>()
            .or_else(|_| err(at, format!("{rest:?} is not a length")))
    };
    match kind {
        '+' => Ok(Reply::Simple(rest.to_string())),
        '-' => Ok(Reply::err(rest)),
        ':' => Ok(Reply::Integer(count()?)),
        '_' => Ok(Reply::Nil),
        '$' | '=' => {
            let n = count()?;
            if n < 0 {
                return Ok(Reply::Nil);
            }
            let n = n as usize;
            if *pos + n > bytes.len() {
                return err(at, "a bulk string is cut short");
            }
            let body = bytes[*pos..*pos + n].to_vec();
            *pos += n;
            if bytes.get(*pos) == Some(&b'\r') {
                *pos += 1;
            }
            if bytes.get(*pos) == Some(&b'\n') {
                *pos += 1;
            }
            let body = if kind == '=' && body.len() >= 4 {
                body[4..].to_vec()
            } else {
                body
            };
            Ok(Reply::Bulk(body))
        }
        '*' => {
            let n = count()?;
            if n < 0 {
                return Ok(Reply::Nil);
            }
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(resp_value(bytes, pos)?);
            }
            Ok(Reply::Array(items))
        }
        '%' => {
            let n = count()?;
            let mut pairs = Vec::new();
            for _ in 0..n.max(0) {
                let k = resp_value(bytes, pos)?;
                let v = resp_value(bytes, pos)?;
                pairs.push((k, v));
            }
            Ok(Reply::Map(pairs))
        }
        other => err(at, format!("{other:?} does not start a RESP value")),
    }
}

/// Parses redis-cli's nested rendering (`1) 1) (integer) 0`) into a reply tree.
pub fn parse_cli_tree(text: &str) -> Result<Reply, ImportError> {
    // Each element starts with a marker `N)`; the column of its `)` gives its depth.
    let mut root: Vec<Reply> = Vec::new();
    let mut columns: Vec<usize> = Vec::new();
    // Path of open arrays: indexes into nested vectors.
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let mut rest = raw;
        let mut col = 0usize;
        let mut markers = Vec::new();
        loop {
            let trimmed = rest.trim_start();
            col += rest.len() - trimmed.len();
            let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && trimmed[digits..].starts_with(") ") {
                markers.push(col + digits);
                col += digits + 2;
                rest = &trimmed[digits + 2..];
            } else {
                rest = trimmed;
                break;
            }
        }
        if markers.is_empty() {
            return err(
                line,
                format!(
                    "expected a numbered item like \"1) ...\", found {:?}",
                    raw.trim()
                ),
            );
        }
        let value = cli_value(rest.trim(), line)?;
        // Depth of the first marker on this line.
        let depth = match columns.iter().position(|&c| c == markers[0]) {
            Some(d) => d,
            None => {
                if markers[0] > *columns.last().unwrap_or(&0) || columns.is_empty() {
                    columns.len()
                } else {
                    return err(
                        line,
                        "the nesting of this line does not match the lines above",
                    );
                }
            }
        };
        columns.truncate(depth);
        for (k, &m) in markers.iter().enumerate() {
            columns.push(m);
            let d = depth + k;
            let target = open_array(&mut root, d).ok_or(ImportError {
                line,
                reason: "the nesting of this line does not match the lines above".into(),
            })?;
            if k + 1 < markers.len() {
                target.push(Reply::Array(Vec::new()));
            } else {
                target.push(value.clone());
            }
        }
    }
    Ok(Reply::Array(root))
}

/// The array that receives new items at `depth` (0 = the top level).
fn open_array(root: &mut Vec<Reply>, depth: usize) -> Option<&mut Vec<Reply>> {
    let mut cur = root;
    for _ in 0..depth {
        match cur.last_mut() {
            Some(Reply::Array(inner)) => cur = inner,
            _ => return None,
        }
    }
    Some(cur)
}

fn cli_value(v: &str, line: usize) -> Result<Reply, ImportError> {
    if let Some(n) = v.strip_prefix("(integer) ") {
        return Ok(Reply::Integer(
            n.parse()
                .or_else(|_| err(line, format!("{n:?} is not an integer")))?,
        ));
    }
    if v == "(empty array)" || v == "(empty list or set)" {
        return Ok(Reply::Array(Vec::new()));
    }
    if v == "(nil)" {
        return Ok(Reply::Nil);
    }
    if let Some(s) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Ok(Reply::bulk(s.replace("\\\"", "\"")));
    }
    err(line, format!("{v:?} is not a value redis-cli prints"))
}

impl Topology {
    /// Builds the simulated cluster: masters with their slots, epochs, migration
    /// states and the listed node order.
    pub fn build(&self) -> Result<Imported, String> {
        let mut unused = self.unused.clone();
        let masters: Vec<&TopoNode> = self
            .nodes
            .iter()
            .filter(|n| n.replica_of.is_none())
            .collect();
        for r in self.nodes.iter().filter(|n| n.replica_of.is_some()) {
            unused.push(format!(
                "replica {} ({}:{}) is not simulated yet",
                short(&r.id),
                r.host,
                r.port
            ));
        }
        if masters.is_empty() {
            return Err("no master node in the pasted topology".into());
        }
        if masters.len() > 1000 {
            return Err(format!(
                "{} masters: at most 1,000 nodes are simulated",
                masters.len()
            ));
        }
        let specs: Vec<(String, String, u16)> = masters
            .iter()
            .map(|n| (n.id.clone(), n.host.clone(), n.port))
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (id, host, port) in &specs {
            if !seen.insert((host.clone(), *port)) {
                return Err(format!("two nodes share the address {host}:{port}"));
            }
            if id.len() != 40 {
                unused.push(format!(
                    "node {host}:{port} has no 40-character id; one was made up"
                ));
            }
        }
        let mut owner = vec![crate::node::NO_OWNER; crate::keyslot::SLOTS];
        for (i, n) in masters.iter().enumerate() {
            for &(a, b) in &n.slots {
                for s in a..=b {
                    if owner[s as usize] != crate::node::NO_OWNER {
                        return Err(format!("slot {s} is listed for two masters"));
                    }
                    owner[s as usize] = i as NodeIdx;
                }
            }
        }
        let ranges: Vec<Vec<(u16, u16)>> = (0..masters.len() as NodeIdx)
            .map(|i| crate::node::ranges(owner.iter().map(|&o| o == i)))
            .collect();
        let specs: Vec<(String, String, u16)> = specs
            .into_iter()
            .enumerate()
            .map(|(i, (id, h, p))| {
                (
                    if id.len() == 40 {
                        id
                    } else {
                        crate::layout::generated_id(i)
                    },
                    h,
                    p,
                )
            })
            .collect();
        let mut cluster = Cluster::with_ranges(&specs, &ranges);
        let epochs: Vec<Option<u64>> = masters.iter().map(|n| n.epoch).collect();
        if epochs.iter().all(Option::is_some) {
            let epochs: Vec<u64> = epochs.into_iter().flatten().collect();
            let max = epochs.iter().copied().max().unwrap_or(0);
            for node in cluster.nodes.iter_mut() {
                node.epoch_view = epochs.clone();
                node.current_epoch = max;
            }
            for (i, e) in epochs.iter().enumerate() {
                cluster.nodes[i].config_epoch = *e;
            }
        }
        for (i, n) in masters.iter().enumerate() {
            if let Some(cp) = n.cport {
                cluster.nodes[i].cport = cp;
            }
            let find = |id: &str| {
                masters
                    .iter()
                    .position(|m| m.id == id)
                    .map(|p| p as NodeIdx)
            };
            for (s, id) in &n.migrating {
                match find(id) {
                    Some(t) => {
                        cluster.nodes[i].migrating.insert(*s, t);
                    }
                    None => unused.push(format!("slot {s} migrates to unknown node {}", short(id))),
                }
            }
            for (s, id) in &n.importing {
                match find(id) {
                    Some(f) => {
                        cluster.nodes[i].importing.insert(*s, f);
                    }
                    None => {
                        unused.push(format!("slot {s} imports from unknown node {}", short(id)))
                    }
                }
            }
        }
        let myself = masters.iter().position(|n| n.myself).map(|i| i as NodeIdx);
        Ok(Imported {
            cluster,
            myself,
            unused,
            source: self.source,
        })
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// Parses and builds in one go; a parse error names its line.
pub fn import(text: &str) -> Result<Imported, String> {
    let topo = parse(text).map_err(|e| e.to_string())?;
    topo.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_names_the_line() {
        let e = parse("ecd4ef2a95d73a08dfdec08ba493feab9bdd4bd8 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\nabc").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("ecd4ef2a95d73a08dfdec08ba493feab9bdd4bd8 127.0.0.1:7000@17000 master - 0 0 1 connected 0-99999").unwrap_err();
        assert!(e.reason.contains("not a slot"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("hello world").is_err());
        assert!(parse("*3\r\n:1\r\n").is_err());
        assert!(parse("1) 1) (integer) 0\n      x").is_err());
    }
}
