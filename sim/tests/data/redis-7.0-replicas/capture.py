"""Captures CLUSTER NODES/SLOTS/SHARDS/INFO of a real Redis 7.0.15 cluster of three masters
and three replicas (redis-cli --cluster create --cluster-replicas 1), then after the master
of `foo` is killed and failed over, then after it is restarted."""
import os, signal, subprocess, sys, time
from resp import c
PORTS = list(range(7100, 7106))
OUT = sys.argv[1]
def start(p):
    d = f'/tmp/ss-cap/n{p}'
    os.makedirs(d, exist_ok=True)
    subprocess.check_call(['redis-server', '--port', str(p), '--cluster-enabled', 'yes', '--cluster-node-timeout', '5000',
        '--appendonly', 'no', '--save', '', '--daemonize', 'yes', '--pidfile', d + '/pid', '--logfile', d + '/log', '--dir', d])
def pid(p): return int(open(f'/tmp/ss-cap/n{p}/pid').read())
def dump(phase, ports):
    os.makedirs(f'{OUT}/{phase}', exist_ok=True)
    for p in ports:
        for sub in ['NODES', 'SLOTS', 'SHARDS', 'INFO']:
            open(f'{OUT}/{phase}/{p}.cluster_{sub.lower()}.resp', 'wb').write(c(p, 'CLUSTER', sub))
for p in PORTS: start(p)
time.sleep(0.5)
log = subprocess.run(['redis-cli', '--cluster', 'create'] + [f'127.0.0.1:{p}' for p in PORTS] + ['--cluster-replicas', '1', '--cluster-yes'], capture_output=True, text=True).stdout
os.makedirs(OUT, exist_ok=True)
open(f'{OUT}/redis-cli--cluster-create.log', 'w').write(log)
time.sleep(12)
print(c(7102, 'SET', 'foo', 'bar'))
time.sleep(0.5)
dump('replicas', PORTS)
owner = 7102
os.kill(pid(owner), signal.SIGKILL)
t0 = time.time()
while True:
    time.sleep(0.2)
    nodes = c(7100, 'CLUSTER', 'NODES').decode()
    if 'master,fail' in nodes and all(b'7102' not in c(p, 'CLUSTER', 'SLOTS') for p in PORTS if p != owner):
        break
    if time.time() - t0 > 30: raise SystemExit('no failover')
time.sleep(1.5)
dump('failed_over', [p for p in PORTS if p != owner])
start(owner)
time.sleep(12)
dump('recovered', PORTS)
for p in PORTS: os.kill(pid(p), signal.SIGTERM)
