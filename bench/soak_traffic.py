"""Traffic, sampling and accounting for bench/soak.sh (see there)."""
import os
import poplib
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import uuid

REPO = sys.argv[1]
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
SAMPLE = int(os.environ.get("SAMPLE_SECONDS", "10"))
THREADS = int(os.environ.get("SMTP_THREADS", "4"))
POP3_INTERVAL = float(os.environ.get("POP3_INTERVAL", "2"))
SMTP_PORT = int(os.environ.get("SMTP_PORT", "2591"))
POP3_PORT = int(os.environ.get("POP3_PORT", "2592"))
LOCAL_USERS = ["alice", "bob", "carol"]
VIRTUAL = ("vuser@virt.test", "vuser", "soakpass")
TOKEN = re.compile(rb"X-Soak-Token: ([0-9a-f]{32})")

home = tempfile.mkdtemp(prefix="mailsrv-soak-")
os.chmod(home, 0o755)
queue = os.path.join(home, "queue")
base = os.path.join(home, "virtual")
os.makedirs(os.path.join(base, "virt.test"))
with open(os.path.join(home, "vdomains"), "w") as f:
    f.write("virt.test\n")
with open(os.path.join(home, "vmailbox"), "w") as f:
    f.write("vuser@virt.test virt.test/vuser/\n")
subprocess.run(
    ["htpasswd", "-B", "-b", "-c", os.path.join(base, "virt.test", "passwd"),
     VIRTUAL[1], VIRTUAL[2]],
    check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
uid = 200 if os.getuid() == 0 else os.getuid()
gid = 200 if os.getuid() == 0 else os.getgid()
params = {
    "myhostname": "mx.soak.test",
    "mydestination": "localhost",
    "mynetworks": "127.0.0.0/8",
    "queue_directory": queue,
    "mail_spool_directory": os.path.join(home, "mail") + "/",
    "local_recipient_maps": "",
    "maillog_file": os.path.join(home, "maillog"),
    "resolv_conf": os.path.join(home, "resolv.conf"),
    "virtual_mailbox_domains": "hash:" + os.path.join(home, "vdomains"),
    "virtual_mailbox_base": base,
    "virtual_mailbox_maps": "hash:" + os.path.join(home, "vmailbox"),
    "virtual_uid_maps": f"static:{uid}",
    "virtual_gid_maps": f"static:{gid}",
    "pop3_passwd_directory": base,
}
with open(os.path.join(home, "resolv.conf"), "w") as f:
    f.write("nameserver 127.0.0.1:9\n")
config = os.path.join(home, "mailsrv.toml")
with open(config, "w") as f:
    for k, v in params.items():
        f.write(f'{k} = "{v}"\n')
    f.write(f'\n[[listener]]\naddress = "127.0.0.1"\nport = {SMTP_PORT}\n'
            'kind = "smtp"\n')
    f.write(f'\n[[listener]]\naddress = "127.0.0.1"\nport = {POP3_PORT}\n'
            'kind = "pop3"\n')

deno = os.path.join(REPO, "tools", "node_modules", ".bin", "deno")
if not os.path.exists(deno):
    deno = "deno"
daemon = subprocess.Popen(
    [deno, "run", "--quiet", f"--config={REPO}/deno.json",
     "--permission-set=mailsrv", "--v8-flags=--max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000",
     os.path.join(REPO, "main.ts"), "run", "--config", config],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    stderr=open(os.path.join(home, "stderr"), "w"))

lock = threading.Lock()
acknowledged = {}  # token -> recipient
client_errors = []
fetched = []  # tokens fetched over POP3 (duplicates show twice)
stop = threading.Event()


def wait_for_port(port, limit=30):
    import socket
    end = time.time() + limit
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"mailsrv did not listen on {port}")


def sender(n):
    i = 0
    while not stop.is_set():
        i += 1
        rcpt = (VIRTUAL[0] if i % 3 == 0
                else f"{LOCAL_USERS[(n + i) % len(LOCAL_USERS)]}@localhost")
        token = uuid.uuid4().hex
        body = (f"From: soak@example.test\r\nTo: {rcpt}\r\n"
                f"Subject: soak {n}.{i}\r\nX-Soak-Token: {token}\r\n\r\n"
                + ("soak line\r\n" * (5 + (i % 200))))
        try:
            with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=30) as s:
                s.sendmail("soak@example.test", [rcpt], body)
            with lock:
                acknowledged[token] = rcpt
        except Exception as e:  # noqa: BLE001 - every failure counts
            with lock:
                client_errors.append(f"smtp: {e!r}")
            time.sleep(0.5)


def pop3_once():
    p = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
    try:
        p.user(VIRTUAL[0])
        p.pass_(VIRTUAL[2])
        count, _ = p.stat()
        for n in range(1, count + 1):
            _, lines, _ = p.retr(n)
            m = TOKEN.search(b"\n".join(lines))
            if m:
                with lock:
                    fetched.append(m.group(1).decode())
            p.dele(n)
        p.quit()
    except Exception:
        p.close()
        raise


def popper():
    while not stop.is_set():
        try:
            pop3_once()
        except Exception as e:  # noqa: BLE001
            with lock:
                client_errors.append(f"pop3: {e!r}")
        stop.wait(POP3_INTERVAL)


def queue_size():
    total = 0
    for q in ("incoming", "active", "deferred"):
        try:
            total += len(os.listdir(os.path.join(queue, q)))
        except FileNotFoundError:
            pass
    return total


def rss_kb(pid):
    total = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                total = int(line.split()[1])
    return total


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def log_errors():
    try:
        with open(os.path.join(home, "maillog")) as f:
            return sum(1 for line in f
                       if re.search(r": (warning|error|fatal|panic):", line))
    except FileNotFoundError:
        return 0


def sample(start):
    with lock:
        acked, errs = len(acknowledged), len(client_errors)
    print(f"{time.time() - start:7.0f}s  rss={rss_kb(daemon.pid) / 1024:6.1f}MB"
          f"  fds={fds(daemon.pid):4d}  queue={queue_size():5d}"
          f"  acked={acked:7d}  log_errors={log_errors():3d}"
          f"  client_errors={errs:3d}", flush=True)


def delivered_local():
    found = []
    for user in LOCAL_USERS:
        d = os.path.join(home, "mail", user, "new")
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                m = TOKEN.search(f.read())
            if m:
                found.append(m.group(1).decode())
    return found


try:
    wait_for_port(SMTP_PORT)
    wait_for_port(POP3_PORT)
    print(f"soak: {SECONDS}s, {THREADS} SMTP threads, POP3 every "
          f"{POP3_INTERVAL}s; daemon pid {daemon.pid}; home {home}",
          flush=True)
    threads = [threading.Thread(target=sender, args=(n,))
               for n in range(THREADS)]
    threads.append(threading.Thread(target=popper))
    start = time.time()
    for t in threads:
        t.start()
    next_sample = start
    while time.time() - start < SECONDS:
        if time.time() >= next_sample:
            sample(start)
            next_sample += SAMPLE
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(60)
    # Drain: the queue empties, then a last POP3 pass takes the rest.
    end = time.time() + 120
    while queue_size() > 0 and time.time() < end:
        time.sleep(0.5)
    time.sleep(1)
    pop3_once()
    sample(start)
    local = delivered_local()
    seen = {}
    for token in local + fetched:
        seen[token] = seen.get(token, 0) + 1
    with lock:
        acked = dict(acknowledged)
    missing = [t for t in acked if t not in seen]
    duplicates = [t for t, n in seen.items() if n > 1]
    unknown = [t for t in seen if t not in acked]
    errors = log_errors()
    print(f"acknowledged={len(acked)} delivered_local={len(local)} "
          f"fetched_pop3={len(fetched)} missing={len(missing)} "
          f"duplicates={len(duplicates)} unacknowledged_delivered="
          f"{len(unknown)} queue_left={queue_size()} log_errors={errors} "
          f"client_errors={len(client_errors)}", flush=True)
    for e in client_errors[:10]:
        print(f"  {e}")
    ok = not missing and not duplicates and errors == 0 and not client_errors \
        and queue_size() == 0
    sys.exit(0 if ok else 1)
finally:
    stop.set()
    daemon.terminate()
    try:
        daemon.wait(30)
    except subprocess.TimeoutExpired:
        daemon.kill()
    if not os.environ.get("KEEP_HOME"):
        shutil.rmtree(home, ignore_errors=True)
