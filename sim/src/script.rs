//! Replaying scripts in the golden JSONL schema (`conn`, `node`, `command`) on a
//! simulated cluster, as the replay tool and the golden tests do.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::cluster::{Cluster, ConnId};
use crate::resp::Reply;

/// A cluster plus named connections (`7000/main`, `7001/multi`, ...).
pub struct Replayer {
    /// The simulated cluster.
    pub cluster: Cluster,
    conns: HashMap<String, ConnId>,
}

impl Replayer {
    /// Replays on `cluster`.
    pub fn new(cluster: Cluster) -> Replayer {
        Replayer {
            cluster,
            conns: HashMap::new(),
        }
    }

    /// Runs `argv` on the connection named `conn` to the node at `node` (`ip:port`),
    /// opening the connection on first use.
    pub fn run(&mut self, node: &str, conn: &str, argv: &[Vec<u8>]) -> Result<Reply, String> {
        let (host, port) = node
            .rsplit_once(':')
            .ok_or_else(|| format!("node {node:?} is not ip:port"))?;
        let idx = self
            .cluster
            .node_by_addr(host.as_bytes(), port.as_bytes())
            .ok_or_else(|| format!("no node at {node} in this cluster"))?;
        let key = format!("{node}|{conn}");
        let id = match self.conns.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.cluster.connect(idx);
                self.conns.insert(key, id);
                id
            }
        };
        Ok(self.cluster.execute(id, argv))
    }

    /// The protocol of a named connection (RESP2 until it sends `HELLO 3`).
    pub fn proto(&self, node: &str, conn: &str) -> crate::resp::Proto {
        self.conns
            .get(&format!("{node}|{conn}"))
            .map(|&id| self.cluster.conn(id).proto)
            .unwrap_or_default()
    }

    /// Runs one JSONL line and returns it with `reply_raw` (and `reply_hex` when the
    /// reply is not UTF-8) added. Uses `command_template` when present.
    pub fn run_line(&mut self, line: &str) -> Result<Map<String, Value>, String> {
        let mut obj: Map<String, Value> = match serde_json::from_str(line) {
            Ok(Value::Object(o)) => o,
            Ok(_) => return Err("not a JSON object".into()),
            Err(e) => return Err(format!("invalid JSON: {e}")),
        };
        let node = obj
            .get("node")
            .and_then(Value::as_str)
            .ok_or("missing string field \"node\" (ip:port)")?
            .to_string();
        let conn = obj
            .get("conn")
            .and_then(Value::as_str)
            .unwrap_or("main")
            .to_string();
        let command = obj
            .get("command_template")
            .or_else(|| obj.get("command"))
            .and_then(Value::as_array)
            .ok_or("missing array field \"command\"")?;
        let argv: Vec<Vec<u8>> = command
            .iter()
            .map(|a| a.as_str().map(|s| s.as_bytes().to_vec()))
            .collect::<Option<_>>()
            .ok_or("\"command\" must be an array of strings")?;
        let reply = self.run(&node, &conn, &argv)?;
        let raw = reply.encode(self.proto(&node, &conn));
        match String::from_utf8(raw) {
            Ok(s) => {
                obj.insert("reply_raw".into(), Value::String(s));
            }
            Err(e) => {
                let bytes = e.into_bytes();
                obj.insert(
                    "reply_raw".into(),
                    Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                );
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                obj.insert("reply_hex".into(), Value::String(hex));
            }
        }
        Ok(obj)
    }
}
