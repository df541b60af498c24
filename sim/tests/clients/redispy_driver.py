"""Drives redis-py's RedisCluster for sim/tests/live_clients.rs.

Reads one JSON op per line on stdin and prints one JSON result line per op on stdout:
  {"op": "connect", "host": "127.0.0.1", "port": 12345}  -> a new RedisCluster (the previous one is closed)
  {"op": "command", "args": ["GET", "k"]}                -> client.execute_command(*args)
  {"op": "close"}                                        -> closes the client
Result: {"ok": <value as JSON>} or {"err": "<exception class>", "msg": "<str(exception)>"}, plus "ms".
Client options are redis-py's defaults; only the startup node is given.
"""

import json
import sys
import time

import redis
from redis.cluster import RedisCluster


def to_json(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "backslashreplace")
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {str(to_json(k)): to_json(x) for k, x in v.items()}
    return v


def main():
    client = None
    print(json.dumps({"ready": "redis-py " + redis.__version__}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        op = json.loads(line)
        t0 = time.monotonic()
        try:
            kind = op["op"]
            if kind == "connect":
                if client is not None:
                    client.close()
                client = RedisCluster(host=op["host"], port=op["port"])
                out = {"ok": "connected"}
            elif kind == "close":
                if client is not None:
                    client.close()
                client = None
                out = {"ok": None}
            elif kind == "command":
                out = {"ok": to_json(client.execute_command(*op["args"]))}
            else:
                out = {"err": "DriverError", "msg": "unknown op " + kind}
        except Exception as e:  # the library's error is the result
            out = {"err": type(e).__name__, "msg": str(e)}
        out["ms"] = round((time.monotonic() - t0) * 1000.0, 1)
        print(json.dumps(out), flush=True)
    if client is not None:
        client.close()


if __name__ == "__main__":
    main()
