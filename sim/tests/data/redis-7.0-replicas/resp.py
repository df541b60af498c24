import socket, time, sys
def enc(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
class Conn:
    def __init__(s, port):
        s.sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.buf = b""
    def _line(s):
        while b"\r\n" not in s.buf:
            d = s.sock.recv(65536)
            if not d: raise EOFError
            s.buf += d
        i = s.buf.index(b"\r\n")
        l = s.buf[:i+2]; s.buf = s.buf[i+2:]
        return l
    def _n(s, n):
        while len(s.buf) < n:
            d = s.sock.recv(65536)
            if not d: raise EOFError
            s.buf += d
        r = s.buf[:n]; s.buf = s.buf[n:]; return r
    def read(s):
        l = s._line(); k = l[:1]; out = l
        if k in b"$=":
            n = int(l[1:-2])
            if n >= 0: out += s._n(n+2)
        elif k in b"*~>":
            n = int(l[1:-2])
            for _ in range(max(n,0)): out += s.read()
        elif k == b"%":
            n = int(l[1:-2])
            for _ in range(2*n): out += s.read()
        return out
    def cmd(s, *args):
        s.sock.sendall(enc(args)); return s.read()
def c(port, *args):
    return Conn(port).cmd(*args)
