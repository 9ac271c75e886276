"""Drives a POP3 server with Python's poplib (a real client) and reports JSON.

usage: pop3_probe.py PORT LOGIN PASSWORD [options]
  --host IP       the server's address (default 127.0.0.1)
  --source IP     bind the client to this local address (e.g. 127.0.0.2)
  --stls CAFILE   upgrade with STLS, trusting CAFILE
  --ssl CAFILE    implicit TLS (pop3s), trusting CAFILE
  --dele N        mark message N deleted (repeatable)
  --rset          RSET after the deletions
  --second        while logged in, try a second session with the same login
Prints {"welcome", "stat", "list", "uidl", "messages" (RETR bytes, CRLF-joined,
latin-1), "second" (the second session's error), "quit"} or {"error": text}.
"""
import json, poplib, socket, ssl, sys

def parse(argv):
    port, login, password, rest = int(argv[0]), argv[1], argv[2], argv[3:]
    opts = {"host": "127.0.0.1", "source": None, "stls": None, "ssl": None, "dele": [], "rset": False, "second": False}
    while rest:
        k, rest = rest[0].lstrip("-"), rest[1:]
        if k in ("rset", "second"):
            opts[k] = True
        elif k == "dele":
            opts["dele"].append(int(rest[0])); rest = rest[1:]
        else:
            opts[k] = rest[0]; rest = rest[1:]
    return port, login, password, opts

def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    return ctx

def bound(cls, source):
    """poplib has no source_address: a subclass that binds the socket."""
    class Bound(cls):
        def _create_socket(self, timeout):
            return socket.create_connection((self.host, self.port), timeout, source_address=(source, 0))
    return Bound

def connect(port, opts):
    if opts["ssl"]:
        cls = bound(poplib.POP3_SSL, opts["source"]) if opts["source"] else poplib.POP3_SSL
        return cls(opts["host"], port, timeout=30, context=context(opts["ssl"]))
    cls = bound(poplib.POP3, opts["source"]) if opts["source"] else poplib.POP3
    p = cls(opts["host"], port, timeout=30)
    if opts["stls"]:
        p.stls(context=context(opts["stls"]))
    return p

def main():
    port, login, password, opts = parse(sys.argv[1:])
    out = {}
    try:
        p = connect(port, opts)
        out["welcome"] = p.getwelcome().decode("latin-1")
        p.user(login)
        p.pass_(password)
        out["stat"] = list(p.stat())
        out["list"] = [l.decode().split() for l in p.list()[1]]
        out["uidl"] = [l.decode().split() for l in p.uidl()[1]]
        out["messages"] = [b"\r\n".join(p.retr(int(n))[1]).decode("latin-1") for n, _ in out["list"]]
        if opts["second"]:
            try:
                q = connect(port, opts)
                q.user(login)
                q.pass_(password)
                out["second"] = "logged in"
                q.quit()
            except poplib.error_proto as e:
                out["second"] = e.args[0].decode("latin-1")
        for n in opts["dele"]:
            p.dele(n)
        if opts["rset"]:
            p.rset()
        out["quit"] = p.quit().decode("latin-1")
    except (poplib.error_proto, OSError, ssl.SSLError) as e:
        arg = e.args[0] if e.args else str(e)
        out["error"] = arg.decode("latin-1") if isinstance(arg, bytes) else str(arg)
    print(json.dumps(out))

main()
