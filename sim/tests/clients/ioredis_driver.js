// Drives ioredis's Cluster for sim/tests/live_clients.rs.
//
// Reads one JSON op per line on stdin and prints one JSON result line per op on stdout:
//   {"op": "connect", "host": "127.0.0.1", "port": 12345}  -> a new Cluster (the previous one is closed)
//   {"op": "command", "args": ["GET", "k"]}                -> cluster.call(...args)
//   {"op": "close"}                                        -> disconnects the client
// Result: {"ok": <value>} or {"err": "<error name>", "msg": "<message>"}, plus "ms".
// Client options are ioredis's defaults; only the startup node is given. ioredis is loaded from
// NODE_PATH (the test points it at .tools/node-clients/node_modules).
"use strict";

const readline = require("readline");
const Redis = require("ioredis");
const version = require("ioredis/package.json").version;

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const cluster = new Redis.Cluster([{ host, port }]);
    const onError = (err) => {
      cluster.removeListener("ready", onReady);
      reject(err);
    };
    const onReady = () => {
      cluster.removeListener("error", onError);
      resolve(cluster);
    };
    cluster.once("ready", onReady);
    cluster.once("error", onError);
  });
}

async function main() {
  let cluster = null;
  console.log(JSON.stringify({ ready: "ioredis " + version }));
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const op = JSON.parse(line);
    const t0 = process.hrtime.bigint();
    let out;
    try {
      if (op.op === "connect") {
        if (cluster) cluster.disconnect();
        cluster = await connect(op.host, op.port);
        out = { ok: "connected" };
      } else if (op.op === "close") {
        if (cluster) cluster.disconnect();
        cluster = null;
        out = { ok: null };
      } else if (op.op === "command") {
        out = { ok: await cluster.call(...op.args) };
      } else {
        out = { err: "DriverError", msg: "unknown op " + op.op };
      }
    } catch (e) {
      out = { err: e.name || "Error", msg: e.message };
    }
    out.ms = Math.round(Number(process.hrtime.bigint() - t0) / 1e5) / 10;
    console.log(JSON.stringify(out));
  }
  if (cluster) cluster.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
