//! JSON forms of a parsed topology and of a parsed recording. Save files store them,
//! and the page receives them from its tools worker, which does the parsing of pasted
//! text: reading these forms back takes far less code than reading `CLUSTER NODES`
//! output or a `redis-cli` transcript, so the page stays small.

use crate::import::{Source, TopoNode, Topology};
use crate::json::Json;
use crate::transcript::{Expected, Step};

fn num(n: usize) -> Json {
    Json::Num(n as f64)
}

fn text(s: &str) -> Json {
    Json::Str(s.to_string())
}

/// Bytes as text when they are UTF-8, else as a list of byte values.
fn bytes(b: &[u8]) -> Json {
    match std::str::from_utf8(b) {
        Ok(s) => text(s),
        Err(_) => Json::Arr(b.iter().map(|&x| num(x as usize)).collect()),
    }
}

fn pairs<T>(items: &[(u16, T)], second: impl Fn(&T) -> Json) -> Json {
    Json::Arr(
        items
            .iter()
            .map(|(s, x)| Json::Arr(vec![num(*s as usize), second(x)]))
            .collect(),
    )
}

/// A topology as JSON.
pub fn topology_to_json(t: &Topology) -> Json {
    let source = match t.source {
        Source::Nodes => "nodes",
        Source::Shards => "shards",
        Source::Slots => "slots",
    };
    let nodes = t
        .nodes
        .iter()
        .map(|n| {
            let opt = |x: Option<Json>| x.unwrap_or(Json::Null);
            Json::Obj(vec![
                ("id".into(), text(&n.id)),
                ("host".into(), text(&n.host)),
                ("port".into(), num(n.port as usize)),
                ("cport".into(), opt(n.cport.map(|p| num(p as usize)))),
                ("replica_of".into(), opt(n.replica_of.as_deref().map(text))),
                ("epoch".into(), opt(n.epoch.map(|e| num(e as usize)))),
                ("slots".into(), pairs(&n.slots, |b| num(*b as usize))),
                ("migrating".into(), pairs(&n.migrating, |id| text(id))),
                ("importing".into(), pairs(&n.importing, |id| text(id))),
                ("myself".into(), Json::Bool(n.myself)),
            ])
        })
        .collect();
    Json::Obj(vec![
        ("source".into(), text(source)),
        ("nodes".into(), Json::Arr(nodes)),
        (
            "unused".into(),
            Json::Arr(t.unused.iter().map(|u| text(u)).collect()),
        ),
    ])
}

fn list<'a>(v: &'a Json, what: &str) -> Result<&'a [Json], String> {
    match v {
        Json::Arr(a) => Ok(a),
        _ => Err(format!("{what} must be a list")),
    }
}

fn field<'a>(v: &'a Json, key: &str) -> Result<&'a Json, String> {
    v.get(key).ok_or_else(|| format!("\"{key}\" is missing"))
}

fn string(v: &Json, key: &str) -> Result<String, String> {
    field(v, key)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("\"{key}\" must be text"))
}

fn whole(v: &Json, what: &str, max: usize) -> Result<usize, String> {
    v.as_usize()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("{what} must be a whole number up to {max}"))
}

fn slot(v: &Json) -> Result<u16, String> {
    whole(v, "a slot", crate::keyslot::SLOTS - 1).map(|s| s as u16)
}

fn optional<T>(
    v: &Json,
    key: &str,
    f: impl Fn(&Json) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match v.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(x) => f(x).map(Some),
    }
}

fn slot_pairs<T>(
    v: &Json,
    key: &str,
    second: impl Fn(&Json) -> Result<T, String>,
) -> Result<Vec<(u16, T)>, String> {
    list(field(v, key)?, key)?
        .iter()
        .map(|p| match list(p, key)? {
            [a, b] => Ok((slot(a)?, second(b)?)),
            _ => Err(format!("each item of \"{key}\" is a pair")),
        })
        .collect()
}

fn as_text(v: &Json) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| "expected text".into())
}

/// Reads [`topology_to_json`]'s form back.
pub fn topology_from_json(v: &Json) -> Result<Topology, String> {
    let source = match string(v, "source")?.as_str() {
        "nodes" => Source::Nodes,
        "shards" => Source::Shards,
        "slots" => Source::Slots,
        other => return Err(format!("unknown topology source \"{other}\"")),
    };
    let nodes = list(field(v, "nodes")?, "\"nodes\"")?
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let node = || -> Result<TopoNode, String> {
                Ok(TopoNode {
                    id: string(n, "id")?,
                    host: string(n, "host")?,
                    port: whole(field(n, "port")?, "a port", 65535)? as u16,
                    cport: optional(n, "cport", |p| whole(p, "a port", 65535).map(|p| p as u16))?,
                    replica_of: optional(n, "replica_of", as_text)?,
                    epoch: optional(n, "epoch", |e| {
                        whole(e, "an epoch", usize::MAX).map(|e| e as u64)
                    })?,
                    slots: slot_pairs(n, "slots", slot)?,
                    migrating: slot_pairs(n, "migrating", as_text)?,
                    importing: slot_pairs(n, "importing", as_text)?,
                    myself: matches!(n.get("myself"), Some(Json::Bool(true))),
                })
            };
            node().map_err(|e| format!("node {}: {e}", i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let unused = match v.get("unused") {
        Some(u) => list(u, "\"unused\"")?
            .iter()
            .map(as_text)
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(Topology {
        source,
        nodes,
        unused,
    })
}

/// A recording's steps as JSON.
pub fn steps_to_json(steps: &[Step]) -> Json {
    Json::Arr(
        steps
            .iter()
            .map(|s| {
                let expected = match &s.expected {
                    Expected::Nothing => Json::Null,
                    Expected::Printed(p) => Json::Obj(vec![("printed".into(), text(p))]),
                    Expected::Raw(r) => Json::Obj(vec![("raw".into(), text(r))]),
                };
                Json::Obj(vec![
                    ("line".into(), num(s.line)),
                    ("node".into(), text(&s.node)),
                    ("conn".into(), text(&s.conn)),
                    (
                        "argv".into(),
                        Json::Arr(s.argv.iter().map(|a| bytes(a)).collect()),
                    ),
                    ("redirects".into(), pairs(&s.redirects, |a| text(a))),
                    ("expected".into(), expected),
                    ("follow".into(), Json::Bool(s.follow)),
                ])
            })
            .collect(),
    )
}

fn arg(v: &Json) -> Result<Vec<u8>, String> {
    match v {
        Json::Str(s) => Ok(s.as_bytes().to_vec()),
        Json::Arr(b) => b
            .iter()
            .map(|x| whole(x, "a byte", 255).map(|x| x as u8))
            .collect(),
        _ => Err("an argument is text or a list of bytes".into()),
    }
}

/// Reads [`steps_to_json`]'s form back.
pub fn steps_from_json(v: &Json) -> Result<Vec<Step>, String> {
    list(v, "a recording")?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let step = || -> Result<Step, String> {
                let expected = match s.get("expected") {
                    None | Some(Json::Null) => Expected::Nothing,
                    Some(e) => match (e.get("printed"), e.get("raw")) {
                        (Some(p), _) => Expected::Printed(as_text(p)?),
                        (_, Some(r)) => Expected::Raw(as_text(r)?),
                        _ => return Err("\"expected\" is printed or raw".into()),
                    },
                };
                let argv: Vec<Vec<u8>> = list(field(s, "argv")?, "\"argv\"")?
                    .iter()
                    .map(arg)
                    .collect::<Result<_, _>>()?;
                if argv.is_empty() {
                    return Err("\"argv\" is empty".into());
                }
                Ok(Step {
                    line: whole(field(s, "line")?, "a line", usize::MAX)?,
                    node: string(s, "node")?,
                    conn: string(s, "conn")?,
                    argv,
                    redirects: slot_pairs(s, "redirects", as_text)?,
                    expected,
                    follow: matches!(s.get("follow"), Some(Json::Bool(true))),
                })
            };
            step().map_err(|e| format!("step {}: {e}", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_survive_the_round_trip_with_binary_arguments() {
        let text = "127.0.0.1:7000> SET \"k\\xff\" 1\n-> Redirected to slot [1] located at 127.0.0.1:7001\nOK\n127.0.0.1:7001> GET nope\n(nil)\n";
        let steps = crate::transcript::parse_recording(text).unwrap();
        assert_eq!(steps.len(), 2);
        let json = steps_to_json(&steps).to_text();
        assert!(json.contains("[107,255]"), "{json}");
        let back = steps_from_json(&crate::json::parse(&json).unwrap()).unwrap();
        assert_eq!(back, steps);
    }

    #[test]
    fn bad_forms_are_refused_with_the_place() {
        let bad = crate::json::parse(
            r#"{"source":"nodes","nodes":[{"id":"a","host":"h","port":70000}]}"#,
        )
        .unwrap();
        assert_eq!(
            topology_from_json(&bad).unwrap_err(),
            "node 1: a port must be a whole number up to 65535"
        );
        let bad = crate::json::parse(r#"[{"line":1,"node":"h:1","conn":"c","argv":[]}]"#).unwrap();
        assert_eq!(
            steps_from_json(&bad).unwrap_err(),
            "step 1: \"argv\" is empty"
        );
    }
}
