"""bench/crash_kill9.py — acknowledged mail survives `kill -9`.

Starts mailsrv from source in a temporary home, sends MESSAGES (default
10,000) messages over SESSIONS (default 20) concurrent SMTP sessions, each
with a unique token and two local recipients (so a crash can fall between
two deliveries of one message), kills the daemon with SIGKILL once
KILL_AT (default half) of them were acknowledged, restarts it, sends the
rest, waits for the queue to drain, and then reads every Maildir:

  acknowledged   messages that got 250 (the promise)
  lost           acknowledged messages missing from a recipient's Maildir
  duplicates     extra copies (allowed only for deliveries the crash cut
                 off before their status was recorded)
  unacknowledged delivered
                 messages delivered although the client saw no 250 (the
                 crash fell between the fsync and the reply: allowed)

Exit 0 when nothing acknowledged was lost. Environment: MESSAGES,
SESSIONS, KILL_AT, SMTP_PORT (2593), RUNS (1), KEEP_HOME.
Usage: python3 bench/crash_kill9.py  (from the checkout)
"""
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MESSAGES = int(os.environ.get("MESSAGES", "10000"))
SESSIONS = int(os.environ.get("SESSIONS", "20"))
KILL_AT = int(os.environ.get("KILL_AT", str(MESSAGES // 2)))
PORT = int(os.environ.get("SMTP_PORT", "2593"))
RUNS = int(os.environ.get("RUNS", "1"))
USERS = ["alice", "bob"]
TOKEN = re.compile(rb"X-Crash-Token: ([0-9a-f]{32})")
DENO = os.path.join(REPO, "tools", "node_modules", ".bin", "deno")
if not os.path.exists(DENO):
    DENO = "deno"


def write_config(home):
    with open(os.path.join(home, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.1:9\n")
    params = {
        "myhostname": "mx.crash.test",
        "mydestination": "localhost",
        "mynetworks": "127.0.0.0/8",
        "queue_directory": os.path.join(home, "queue"),
        "mail_spool_directory": os.path.join(home, "mail") + "/",
        "local_recipient_maps": "",
        "maillog_file": os.path.join(home, "maillog"),
        "resolv_conf": os.path.join(home, "resolv.conf"),
    }
    config = os.path.join(home, "mailsrv.toml")
    with open(config, "w") as f:
        for k, v in params.items():
            f.write(f'{k} = "{v}"\n')
        f.write(f'\n[[listener]]\naddress = "127.0.0.1"\nport = {PORT}\n')
    return config


def start(home, config):
    daemon = subprocess.Popen(
        [DENO, "run", "--quiet", f"--config={REPO}/deno.json",
         "--permission-set=mailsrv", "--v8-flags=--max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000",
         os.path.join(REPO, "main.ts"), "run", "--config", config],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(home, "stderr"), "a"))
    end = time.time() + 60
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", PORT), 1).close()
            return daemon
        except OSError:
            time.sleep(0.1)
    daemon.kill()
    raise SystemExit("mailsrv did not listen")


def send(count, acknowledged, lock, stop_after=None, killed=None):
    """Sends `count` messages over SESSIONS threads; returns when done."""
    next_index = iter(range(count))
    index_lock = threading.Lock()

    def worker():
        conn = None
        while True:
            with index_lock:
                i = next(next_index, None)
            if i is None or (killed is not None and killed.is_set()):
                break
            token = uuid.uuid4().hex
            body = (f"From: crash@example.test\r\nSubject: crash {i}\r\n"
                    f"X-Crash-Token: {token}\r\n\r\n" + "line\r\n" * 40)
            try:
                if conn is None:
                    conn = smtplib.SMTP("127.0.0.1", PORT, timeout=30)
                conn.sendmail("crash@example.test",
                              [f"{u}@localhost" for u in USERS], body)
                with lock:
                    acknowledged.add(token)
                    if stop_after is not None and \
                            len(acknowledged) >= stop_after:
                        stop_after_event.set()
            except Exception:  # the crash: this one is not acknowledged
                conn = None
                if killed is not None and killed.is_set():
                    break
        if conn is not None:
            try:
                conn.quit()
            except Exception:
                pass

    stop_after_event = threading.Event()
    threads = [threading.Thread(target=worker) for _ in range(SESSIONS)]
    for t in threads:
        t.start()
    return threads, stop_after_event


def queued(home):
    total = 0
    for name in ("incoming", "active", "deferred", "maildrop"):
        d = os.path.join(home, "queue", name)
        if os.path.isdir(d):
            total += len(os.listdir(d))
    return total


def delivered(home):
    seen = {}
    for user in USERS:
        d = os.path.join(home, "mail", user, "new")
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                m = TOKEN.search(f.read())
            if m:
                key = (user, m.group(1).decode())
                seen[key] = seen.get(key, 0) + 1
    return seen


def one_run():
    home = tempfile.mkdtemp(prefix="mailsrv-crash-")
    config = write_config(home)
    acknowledged, lock = set(), threading.Lock()
    killed = threading.Event()
    daemon = start(home, config)
    threads, reached = send(MESSAGES, acknowledged, lock, KILL_AT, killed)
    reached.wait(timeout=600)
    daemon.send_signal(signal.SIGKILL)
    daemon.wait()
    killed.set()
    for t in threads:
        t.join()
    before_restart = len(acknowledged)
    daemon = start(home, config)
    rest = MESSAGES - before_restart
    threads, _ = send(rest, acknowledged, lock)
    for t in threads:
        t.join()
    end = time.time() + 600
    while queued(home) > 0 and time.time() < end:
        time.sleep(0.5)
    seen = delivered(home)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    lost = sum(1 for t in acknowledged for u in USERS if (u, t) not in seen)
    dups = sum(n - 1 for n in seen.values() if n > 1)
    unacked = len({t for (_, t) in seen} - acknowledged)
    print(f"acknowledged {len(acknowledged)} (killed after "
          f"{before_restart}), deliveries expected "
          f"{len(acknowledged) * len(USERS)}, found "
          f"{sum(seen.values())}; lost {lost}; duplicates {dups}; "
          f"unacknowledged but delivered {unacked}; left queued "
          f"{queued(home)}")
    if os.environ.get("KEEP_HOME"):
        print(f"home: {home}")
    else:
        shutil.rmtree(home, ignore_errors=True)
    return lost


if __name__ == "__main__":
    failures = sum(1 for _ in range(RUNS) if one_run() > 0)
    sys.exit(1 if failures else 0)
