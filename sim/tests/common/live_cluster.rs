//! A real 3-node `redis-server` cluster on loopback with a recording TCP proxy in front of each
//! node, for tests that watch what real client libraries send.
//!
//! Every node is started with `cluster-announce-port <its proxy's port>` (the bus port stays the
//! real one), so every address the cluster hands out (MOVED, ASK, CLUSTER SLOTS/SHARDS/NODES)
//! points at a proxy and all client traffic passes through one. Each proxy parses the commands a
//! client writes (RESP arrays, or inline commands) and the replies the node writes back, and logs
//! them per client connection, with one global sequence across all proxies. MONITOR would not do:
//! it never shows commands that were answered with MOVED, ASK, TRYAGAIN or CLUSTERDOWN.
//!
//! Administration goes to the nodes' real ports ([`Servers::admin`]), so it is not recorded.
//! Dropping a [`LiveCluster`] stops its proxies (closing every proxied connection), kills the
//! servers it started and removes their folder, also when a test fails or panics.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Nodes in the cluster.
pub const NODES: usize = 3;
/// The golden slot layout: node 0 0-5460, node 1 5461-10922, node 2 10923-16383.
pub const RANGES: [(u16, u16); NODES] = [(0, 5460), (5461, 10922), (10923, 16383)];

// ---------------------------------------------------------------------------------------------
// RESP
// ---------------------------------------------------------------------------------------------

/// A command as RESP array bytes.
pub fn encode(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn bad_data(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn read_line(r: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<()> {
    let start = out.len();
    if r.read_until(b'\n', out)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    if !out[start..].ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-line",
        ));
    }
    Ok(())
}

/// Reads one complete reply (RESP2 or RESP3) and appends its exact bytes to `out`.
pub fn read_reply(r: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<()> {
    let start = out.len();
    read_line(r, out)?;
    let line = &out[start..];
    if line.len() < 3 || !line.ends_with(b"\r\n") {
        return Err(bad_data(format!("bad RESP line {line:?}")));
    }
    let kind = line[0];
    let head = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
    let num = || {
        head.parse::<i64>()
            .map_err(|_| bad_data(format!("bad RESP length {head:?}")))
    };
    match kind {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(()),
        b'$' | b'=' | b'!' => {
            let n = num()?;
            if n >= 0 {
                let mut body = vec![0; n as usize + 2];
                r.read_exact(&mut body)?;
                out.extend_from_slice(&body);
            }
            Ok(())
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = num()?;
            let items = if matches!(kind, b'%' | b'|') {
                n * 2
            } else {
                n
            };
            for _ in 0..items.max(0) {
                read_reply(r, out)?;
            }
            Ok(())
        }
        _ => Err(bad_data(format!("unknown RESP type {:?}", kind as char))),
    }
}

/// Reads one command a client wrote: its arguments and its exact bytes.
pub fn read_command(r: &mut impl BufRead) -> io::Result<(Vec<Vec<u8>>, Vec<u8>)> {
    let mut raw = Vec::new();
    read_line(r, &mut raw)?;
    if raw[0] != b'*' {
        // An inline command: arguments separated by spaces on one line.
        let text = String::from_utf8_lossy(&raw).trim().to_string();
        let argv = text
            .split_whitespace()
            .map(|a| a.as_bytes().to_vec())
            .collect();
        return Ok((argv, raw));
    }
    let n: i64 = String::from_utf8_lossy(&raw[1..raw.len() - 2])
        .parse()
        .map_err(|_| bad_data("bad multibulk length".into()))?;
    let mut argv = Vec::new();
    for _ in 0..n.max(0) {
        let start = raw.len();
        read_line(r, &mut raw)?;
        let head = &raw[start..];
        if head.first() != Some(&b'$') {
            return Err(bad_data(format!("bad bulk header {head:?}")));
        }
        let len: usize = String::from_utf8_lossy(&head[1..head.len() - 2])
            .parse()
            .map_err(|_| bad_data("bad bulk length".into()))?;
        let mut body = vec![0; len + 2];
        r.read_exact(&mut body)?;
        raw.extend_from_slice(&body);
        body.truncate(len);
        argv.push(body);
    }
    Ok((argv, raw))
}

/// A plain connection to a node (administration, not through a proxy).
pub struct RespConn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RespConn {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> io::Result<RespConn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.set_write_timeout(Some(Duration::from_secs(20)))?;
        Ok(RespConn {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends one command and returns the reply's exact bytes.
    pub fn call(&mut self, argv: &[Vec<u8>]) -> io::Result<Vec<u8>> {
        self.writer.write_all(&encode(argv))?;
        let mut out = Vec::new();
        read_reply(&mut self.reader, &mut out)?;
        Ok(out)
    }
}

/// Arguments from string slices.
pub fn args(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

// ---------------------------------------------------------------------------------------------
// Recording proxy
// ---------------------------------------------------------------------------------------------

/// One command a client sent through a proxy.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Position in the global log (across all proxies).
    pub seq: usize,
    /// The proxied client connection it was written on (numbered from 1 in accept order).
    pub conn: u64,
    /// The node (proxy) it went to.
    pub node: usize,
    /// Its arguments.
    pub argv: Vec<Vec<u8>>,
    /// The reply's exact bytes, once the node has answered.
    pub reply: Option<Vec<u8>>,
    /// When the proxy read it.
    pub at: Instant,
}

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<Sent>>,
    streams: Mutex<Vec<TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    stop: AtomicBool,
    next_conn: AtomicU64,
}

/// The recording proxies of a cluster (one listener per node).
pub struct Proxies {
    shared: Arc<Shared>,
    /// Listening port of each node's proxy.
    pub ports: Vec<u16>,
    listeners: Vec<JoinHandle<()>>,
}

impl Proxies {
    /// Binds one listener per node on a free loopback port; nothing is forwarded until
    /// [`Proxies::start`] says where the nodes are.
    fn bind(n: usize) -> io::Result<(Vec<TcpListener>, Vec<u16>)> {
        let mut ls = Vec::new();
        let mut ports = Vec::new();
        for _ in 0..n {
            let l = TcpListener::bind("127.0.0.1:0")?;
            ports.push(l.local_addr()?.port());
            ls.push(l);
        }
        Ok((ls, ports))
    }

    fn start(listeners: Vec<TcpListener>, ports: Vec<u16>, upstream: Vec<u16>) -> Proxies {
        let shared = Arc::new(Shared::default());
        let mut handles = Vec::new();
        for (node, l) in listeners.into_iter().enumerate() {
            let shared = shared.clone();
            let up = upstream[node];
            l.set_nonblocking(true).expect("non-blocking listener");
            handles.push(std::thread::spawn(move || accept_loop(l, node, up, shared)));
        }
        Proxies {
            shared,
            ports,
            listeners: handles,
        }
    }

    /// Number of commands logged so far.
    pub fn len(&self) -> usize {
        self.shared.log.lock().unwrap().len()
    }

    /// A copy of the log from position `from` on.
    pub fn since(&self, from: usize) -> Vec<Sent> {
        self.shared.log.lock().unwrap()[from..].to_vec()
    }

    /// Waits until no command has been logged and every logged command has its reply for
    /// `quiet`, at most `max`; returns the log length then.
    pub fn wait_quiet(&self, quiet: Duration, max: Duration) -> usize {
        let deadline = Instant::now() + max;
        let mut last_len = self.len();
        let mut last_change = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(10));
            let (len, answered) = {
                let log = self.shared.log.lock().unwrap();
                (log.len(), log.iter().all(|s| s.reply.is_some()))
            };
            if len != last_len || !answered {
                last_len = len;
                last_change = Instant::now();
            }
            if last_change.elapsed() >= quiet || Instant::now() > deadline {
                return len;
            }
        }
    }

    /// Stops accepting, closes every proxied connection and joins every thread.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for h in self.listeners.drain(..) {
            let _ = h.join();
        }
        for s in self.shared.streams.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        let threads: Vec<_> = self.shared.threads.lock().unwrap().drain(..).collect();
        for h in threads {
            let _ = h.join();
        }
    }
}

impl Drop for Proxies {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(l: TcpListener, node: usize, upstream: u16, shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        match l.accept() {
            Ok((client, _)) => {
                let conn = shared.next_conn.fetch_add(1, Ordering::SeqCst) + 1;
                if let Err(e) = proxy_conn(client, node, upstream, conn, &shared) {
                    eprintln!("proxy {node}: cannot forward a connection: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn proxy_conn(
    client: TcpStream,
    node: usize,
    upstream: u16,
    conn: u64,
    shared: &Arc<Shared>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_nodelay(true)?;
    let server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.set_nodelay(true)?;
    {
        let mut streams = shared.streams.lock().unwrap();
        streams.push(client.try_clone()?);
        streams.push(server.try_clone()?);
    }
    // Log positions of this connection's commands still waiting for their reply, in order.
    let pending: Arc<Mutex<VecDeque<usize>>> = Arc::default();

    let (c_read, mut s_write) = (client.try_clone()?, server.try_clone()?);
    let (sh, pend) = (shared.clone(), pending.clone());
    let up = std::thread::spawn(move || {
        let mut r = BufReader::new(c_read);
        while let Ok((argv, raw)) = read_command(&mut r) {
            {
                let mut log = sh.log.lock().unwrap();
                let seq = log.len();
                log.push(Sent {
                    seq,
                    conn,
                    node,
                    argv,
                    reply: None,
                    at: Instant::now(),
                });
                pend.lock().unwrap().push_back(seq);
            }
            if s_write.write_all(&raw).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });

    let (s_read, mut c_write) = (server, client);
    let sh = shared.clone();
    let down = std::thread::spawn(move || {
        let mut r = BufReader::new(s_read);
        loop {
            let mut reply = Vec::new();
            if read_reply(&mut r, &mut reply).is_err() {
                break;
            }
            // RESP3 push messages are not replies to a command.
            if reply.first() != Some(&b'>') {
                // Never hold `pending` while taking `log` (the other thread takes them the
                // other way round).
                let seq = pending.lock().unwrap().pop_front();
                if let Some(seq) = seq {
                    sh.log.lock().unwrap()[seq].reply = Some(reply.clone());
                }
            }
            if c_write.write_all(&reply).is_err() {
                break;
            }
        }
        let _ = c_write.shutdown(Shutdown::Both);
    });
    let mut threads = shared.threads.lock().unwrap();
    threads.push(up);
    threads.push(down);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------------------------

/// Is `program` an executable file on PATH?
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(dir.join(program))
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
    })
}

/// A port P such that P and its cluster bus port P+10000 are both free (and not 7000-7002,
/// which people use for clusters of their own).
pub fn free_port(taken: &[u16]) -> u16 {
    for _ in 0..1000 {
        let Ok(l) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(addr) = l.local_addr() else { continue };
        let p = addr.port();
        if p > 55_000 || (7000..=7002).contains(&p) || (17000..=17002).contains(&p) {
            continue;
        }
        if taken
            .iter()
            .any(|&t| t == p || t + 10000 == p || p + 10000 == t)
        {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", p + 10000)).is_err() {
            continue;
        }
        return p;
    }
    panic!("no free loopback port pair found");
}

/// Picks `n` free ports for servers (see [`free_port`]), none of them in `taken`.
pub fn free_ports(n: usize, taken: &[u16]) -> Vec<u16> {
    let mut ports = Vec::new();
    for _ in 0..n {
        let mut all = taken.to_vec();
        all.extend(&ports);
        ports.push(free_port(&all));
    }
    ports
}

/// `start(attempt)` for attempts 0, 1 and 2 until one succeeds; a panic with the last
/// reason when none does (a port taken between picking and binding, a slow start).
pub fn three_tries<T>(start: impl Fn(u32) -> Result<T, String>) -> T {
    let mut last_error = String::new();
    for attempt in 0..3 {
        match start(attempt) {
            Ok(c) => return c,
            Err(e) => last_error = e,
        }
    }
    panic!("could not start a 3-node Redis cluster: {last_error}");
}

/// Three `redis-server` processes on loopback in the golden layout, each with an
/// administration connection on its real port. Dropping it stops them and removes their
/// folder.
pub struct Servers {
    children: Vec<Child>,
    dir: PathBuf,
    /// The nodes' real client ports.
    pub ports: Vec<u16>,
    /// Node ids.
    pub ids: Vec<String>,
    /// One administration connection per node (not recorded by any proxy).
    pub admin: Vec<RespConn>,
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.admin.clear();
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Servers {
    /// Starts a server on each of `ports` in a new folder named after `tag` and `attempt`,
    /// forms the golden layout and waits until every node agrees on it. With `announce`,
    /// node i announces `announce[i]` as its client port (a proxy's) and keeps its real
    /// bus port.
    pub fn start(
        tag: &str,
        attempt: u32,
        ports: Vec<u16>,
        announce: Option<&[u16]>,
    ) -> Result<Servers, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "slotscope-{tag}-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
        let mut servers = Servers {
            children: Vec::new(),
            dir,
            ports,
            ids: Vec::new(),
            admin: Vec::new(),
        };
        for (i, &port) in servers.ports.iter().enumerate() {
            let log = std::fs::File::create(servers.dir.join(format!("redis-{port}.log")))
                .map_err(|e| format!("log file: {e}"))?;
            let mut cmd = Command::new("redis-server");
            cmd.args(["--port", &port.to_string()])
                .args(["--cluster-enabled", "yes"])
                .arg("--cluster-config-file")
                .arg(servers.dir.join(format!("nodes-{port}.conf")));
            if let Some(announce) = announce {
                cmd.args(["--cluster-announce-port", &announce[i].to_string()])
                    .args(["--cluster-announce-bus-port", &(port + 10000).to_string()]);
            }
            let child = cmd
                .args(["--appendonly", "no", "--save", ""])
                .args(["--cluster-node-timeout", "5000"])
                .args(["--bind", "127.0.0.1", "--daemonize", "no"])
                .arg("--dir")
                .arg(&servers.dir)
                .current_dir(&servers.dir)
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot run redis-server: {e}"))?;
            servers.children.push(child);
        }
        for i in 0..NODES {
            let conn = servers.wait_ready(i)?;
            servers.admin.push(conn);
        }
        servers.build_layout(announce)?;
        Ok(servers)
    }

    fn wait_ready(&mut self, i: usize) -> Result<RespConn, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = self.ports[i];
        loop {
            if let Ok(Some(status)) = self.children[i].try_wait() {
                let log = std::fs::read_to_string(self.dir.join(format!("redis-{port}.log")))
                    .unwrap_or_default();
                return Err(format!(
                    "redis-server on port {port} exited ({status}):\n{log}"
                ));
            }
            if let Ok(mut c) = RespConn::connect(port) {
                if c.call(&args(&["PING"])).ok().as_deref() == Some(b"+PONG\r\n") {
                    return Ok(c);
                }
            }
            if Instant::now() > deadline {
                return Err(format!("redis-server on port {port} does not answer"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a command to node `i` on its real port (not recorded); returns the reply bytes.
    pub fn admin(&mut self, i: usize, argv: &[Vec<u8>]) -> Result<Vec<u8>, String> {
        self.admin[i].call(argv).map_err(|e| {
            format!(
                "node {i} {:?}: {e}",
                argv.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
            )
        })
    }

    /// [`Servers::admin`], failing unless the node answers `+OK`.
    pub fn admin_ok(&mut self, i: usize, parts: &[&str]) -> Result<(), String> {
        let r = self.admin(i, &args(parts))?;
        if r != b"+OK\r\n" {
            return Err(format!(
                "node {i} {parts:?} answered {}",
                String::from_utf8_lossy(&r)
            ));
        }
        Ok(())
    }

    fn build_layout(&mut self, announce: Option<&[u16]>) -> Result<(), String> {
        for i in 0..NODES {
            let id = self.admin(i, &args(&["CLUSTER", "MYID"]))?;
            let text = String::from_utf8_lossy(&id).into_owned();
            let id = text
                .lines()
                .nth(1)
                .ok_or_else(|| format!("bad MYID reply {text:?}"))?;
            self.ids.push(id.to_string());
        }
        for (i, &(a, b)) in RANGES.iter().enumerate() {
            self.admin_ok(
                i,
                &["CLUSTER", "ADDSLOTSRANGE", &a.to_string(), &b.to_string()],
            )?;
            self.admin_ok(i, &["CLUSTER", "SET-CONFIG-EPOCH", &(i + 1).to_string()])?;
        }
        for j in 1..NODES {
            let real = self.ports[j].to_string();
            match announce {
                // Met at the announced (proxy) port with the real bus port.
                Some(announce) => {
                    let port = announce[j].to_string();
                    let bus = (self.ports[j] + 10000).to_string();
                    self.admin_ok(0, &["CLUSTER", "MEET", "127.0.0.1", &port, &bus])?
                }
                None => self.admin_ok(0, &["CLUSTER", "MEET", "127.0.0.1", &real])?,
            }
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut ok = true;
            for i in 0..NODES {
                let info = String::from_utf8_lossy(&self.admin(i, &args(&["CLUSTER", "INFO"]))?)
                    .into_owned();
                ok &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3");
            }
            if ok {
                let first = self.admin(0, &args(&["CLUSTER", "SLOTS"]))?;
                let text = String::from_utf8_lossy(&first).into_owned();
                if let Some(announce) = announce {
                    ok &= announce.iter().all(|p| text.contains(&format!(":{p}\r\n")));
                }
                for i in 1..NODES {
                    ok &= self.admin(i, &args(&["CLUSTER", "SLOTS"]))? == first;
                }
            }
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "cluster did not reach cluster_state:ok{}",
                    if announce.is_some() {
                        " with the proxies' ports"
                    } else {
                        ""
                    }
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Three `redis-server` processes behind recording proxies. Dropping it stops the proxies
/// first (closing every proxied connection), then the servers.
pub struct LiveCluster {
    /// The proxies; `proxies.ports[i]` is node i's announced (client-facing) port.
    pub proxies: Proxies,
    /// The servers (`servers.ports`: their real ports, for administration only).
    pub servers: Servers,
}

impl std::ops::Deref for LiveCluster {
    type Target = Servers;
    fn deref(&self) -> &Servers {
        &self.servers
    }
}

impl std::ops::DerefMut for LiveCluster {
    fn deref_mut(&mut self) -> &mut Servers {
        &mut self.servers
    }
}

impl LiveCluster {
    /// Starts the cluster in the golden layout (see [`three_tries`]).
    pub fn start() -> LiveCluster {
        three_tries(LiveCluster::try_start)
    }

    fn try_start(attempt: u32) -> Result<LiveCluster, String> {
        let (listeners, proxy_ports) = Proxies::bind(NODES).map_err(|e| format!("proxy: {e}"))?;
        let real_ports = free_ports(NODES, &proxy_ports);
        let proxies = Proxies::start(listeners, proxy_ports.clone(), real_ports.clone());
        let servers = Servers::start("clients", attempt, real_ports, Some(&proxy_ports))?;
        Ok(LiveCluster { proxies, servers })
    }

    /// Waits until every node answers CLUSTER SLOTS alike and reports `cluster_state:ok`.
    pub fn wait_settled(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let first = self.admin(0, &args(&["CLUSTER", "SLOTS"]))?;
            let mut same = true;
            for i in 1..NODES {
                same &= self.admin(i, &args(&["CLUSTER", "SLOTS"]))? == first;
            }
            for i in 0..NODES {
                let info = self.admin(i, &args(&["CLUSTER", "INFO"]))?;
                same &= String::from_utf8_lossy(&info).contains("cluster_state:ok");
            }
            if same {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("the nodes did not agree on CLUSTER SLOTS within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// (id, host, announced port) of every node, for a simulated twin.
    pub fn specs(&self) -> Vec<(String, String, u16)> {
        (0..NODES)
            .map(|i| {
                (
                    self.ids[i].clone(),
                    "127.0.0.1".to_string(),
                    self.proxies.ports[i],
                )
            })
            .collect()
    }
}
