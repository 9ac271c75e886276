#!/usr/bin/env python3
"""Writes a Postfix 3.x queue of COUNT messages directly, for comparing
`postqueue -p` with `mailsrv queue` (bench/queue_listing_postfix.sh).

Usage: postfix_queue.py QUEUE_DIRECTORY COUNT UID GID

Same mix as bench/queue_listing.ts: 80 % deferred (a third with a defer
logfile), 10 % hold, 5 % incoming, 5 % active, one to three recipients,
1.5 KB of content. Queue files are Postfix records (global/rec_type.h:
a type byte, the length in base-128 digits, the data): C (content size
first), T, A, F, S, R per recipient, M, N lines, X, E; mode 0700 (a
complete file). Defer logfiles hold recipient=/reason= entries, as
Postfix's bounce daemon writes them. Queue names must not be hashed
(hash_queue_names = flush): files go straight into deferred/ and defer/.
Names have the shape of long queue IDs but are not derived from inodes,
so `postsuper` warns about them; showq lists them."""
import os, sys, time
qdir, count = sys.argv[1], min(int(sys.argv[2]), 1_000_000)
uid, gid = int(sys.argv[3]), int(sys.argv[4])
def rec(t, data):
    if isinstance(data, str): data = data.encode()
    n = len(data); out = bytearray(t.encode())
    while True:
        b = n & 0x7f; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); break
    return bytes(out) + data
content_lines = ["Subject: test", "From: a@example.org", "", "x" * 1500]
body = b"".join(rec("N", l) for l in content_lines)
for q in ["incoming", "active", "deferred", "hold", "defer"]:
    os.makedirs(os.path.join(qdir, q), exist_ok=True)
    os.chown(os.path.join(qdir, q), uid, gid); os.chmod(os.path.join(qdir, q), 0o700)
B52 = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
def b52(n, w):
    s = ""
    for _ in range(w): s = B52[n % 52] + s; n //= 52
    return s
arrival = int(time.time()) - 3 * 86400
for i in range(count):
    t = arrival + i
    qid = b52(t, 6) + b52(i % 1000000, 4) + "z" + format(i, "x")   # long-ID shape
    rcpts = [f"user{i}-{n}@dest{i % 50}.example.net" for n in range(1 + i % 3)]
    r = i % 20
    q = "deferred" if r < 16 else "hold" if r < 18 else "incoming" if r == 18 else "active"
    env = [rec("T", f"{t} 0"), rec("A", f"create_time={t}"), rec("F", ""),
           rec("S", f"sender{i % 100}@example.org")]
    env += [rec("R", a) for a in rcpts]
    # content size = bytes between the M record and the X record
    head_wo_c = b"".join(env)
    c_len = len(rec("C", "%15d %15d %15d %15d %15d %15d" % (0, 0, 0, 0, 0, 0)))
    m_rec_len = len(rec("M", "%15d" % 0))
    data_offset = c_len + len(head_wo_c) + m_rec_len
    xtra_offset = data_offset + len(body)
    c = rec("C", "%15d %15d %15d %15d %15d %15d" % (len(body), data_offset, len(rcpts), 0, len(body), 0))
    m = rec("M", "%15d" % 0)
    data = c + head_wo_c + m + body + rec("X", "") + rec("E", "")
    path = os.path.join(qdir, q, qid)
    with open(path, "wb") as f: f.write(data)
    os.chown(path, uid, gid); os.chmod(path, 0o700)
    if q == "deferred" and i % 3 == 0:
        d = os.path.join(qdir, "defer", qid)
        with open(d, "w") as f:
            for a in rcpts:
                f.write(f"recipient={a}\noffset=0\nstatus=4.4.1\naction=delayed\n"
                        f"reason=connect to dest{i % 50}.example.net[192.0.2.9]:25: Connection refused\n\n")
        os.chown(d, uid, gid); os.chmod(d, 0o600)
