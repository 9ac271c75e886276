#!/usr/bin/env python3
"""CPU time per message of mailsrv's SMTP path, independent of the machine's load.

    python3 bench/cpu_per_message.py            # this checkout
    MAILSRV_DIR=/tmp/before python3 bench/cpu_per_message.py

Starts mailsrv from source in a fresh home (as bench/compare_postfix.sh does:
permission set `mailsrv`, the start task's V8 flags), sends N messages of SIZE
bytes over each of SESSIONS parallel sessions with Postfix's smtp-source (one
connection per message), and reads the daemon's user+system CPU time from
/proc/PID/stat and per thread from /proc/PID/task/*/stat before and after.
Wall time depends on what else runs on the machine; CPU time per message
mostly does not.

MODES (space separated):
  accept   every message is put on hold (a HOLD from check_client_access), so
           the figure is smtpd's work plus the master's and the queue
           manager's share of a commit notice, no delivery
  maildir  every message is delivered into the local user's Maildir; the
           measurement ends when the last file is there and the queue is empty

Threads are grouped by what they run: the main thread (the master), the two
busiest other threads (the one busier while smtp-source runs is labelled
smtpd, the other qmgr), and the rest (V8's helper threads and Deno's
blocking-I/O threads, where fsync runs). Before smtpd had a Worker of its own
(e0f3fd7 and older) the main thread ran smtpd too, and the thread labelled
smtpd is the queue manager's. The rest is also split: `blocking` (Deno's
blocking pool), `v8` (V8's helper threads) and `ended` (threads that ended
during the run).

Env: MAILSRV_DIR (this checkout), N (20000), SIZE (4096), SESSIONS ("10 50"),
MODES ("accept maildir"), REPEATS (3), WARMUP (500), PORT (2540),
STRACE (set: `strace -c -f` the daemon during each run, summary in the output;
STRACE_ARGS replaces `-c`, e.g. "-e trace=openat,rename" with KEEP to read the
home's strace.txt),
CPU_PROF (a directory: V8 CPU profiles of the main thread, warm-up included;
Workers stopped at exit write none), V8_PROF (set: --prof, isolate-*.log per
thread in MAILSRV_DIR; read with `node --prof-process`),
V8_EXTRA (more V8 flags, comma separated, e.g. --optimize-for-size),
PERF (a directory: `perf record -g` of the daemon
during each run, MODE-SESSIONS.data, JavaScript named through
--perf-basic-prof; read with `perf report -i`), KEEP (set: keep the homes). Needs root (delivery to user `bench`), smtp-source.
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAILSRV_DIR = os.environ.get("MAILSRV_DIR", os.path.dirname(HERE))
N = int(os.environ.get("N", "20000"))
SIZE = int(os.environ.get("SIZE", "4096"))
SESSIONS = [int(s) for s in os.environ.get("SESSIONS", "10 50").split()]
MODES = os.environ.get("MODES", "accept maildir").split()
REPEATS = int(os.environ.get("REPEATS", "3"))
WARMUP = int(os.environ.get("WARMUP", "500"))
PORT = int(os.environ.get("PORT", "2540"))
TICK = os.sysconf("SC_CLK_TCK")
USER = "bench"


def deno() -> str:
    local = os.path.join(MAILSRV_DIR, "tools/node_modules/.bin/deno")
    return local if os.path.exists(local) else shutil.which("deno") or "deno"


def profile_flags() -> list[str]:
    """--cpu-prof into CPU_PROF when set: a V8 profile per thread at exit."""
    where = os.environ.get("CPU_PROF")
    if not where:
        return []
    os.makedirs(where, exist_ok=True)
    return ["--cpu-prof", f"--cpu-prof-dir={os.path.abspath(where)}"]


def v8_flags() -> str:
    """The start task's V8 flags, plus --prof (a tick log per thread, in the
    checkout) when V8_PROF is set."""
    flags = "--max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000,--enable-experimental-regexp-engine-on-excessive-backtracks"
    if os.environ.get("V8_EXTRA"):
        flags += "," + os.environ["V8_EXTRA"]
    if os.environ.get("PERF"):
        flags += ",--perf-basic-prof"
    return flags + (",--prof" if os.environ.get("V8_PROF") else "")


def config(home: str, mode: str) -> str:
    hold = (
        'smtpd_client_restrictions = "check_client_access inline:{127.0.0.1=HOLD}"\n'
        if mode == "accept"
        else ""
    )
    return f"""myhostname = "mx.bench.test"
mydestination = "bench.test, localhost"
mynetworks = "127.0.0.0/8"
queue_directory = "{home}/queue"
mail_spool_directory = "{home}/mail/"
local_recipient_maps = ""
maillog_file = "{home}/maillog"
default_process_limit = 200
resolv_conf = "{home}/resolv.conf"
{hold}
[[listener]]
address = "127.0.0.1"
port = {PORT}
kind = "smtp"
"""


def cpu_of(pid: int) -> dict[int, tuple[str, float]]:
    """tid -> (name, utime+stime seconds) of every thread of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def total_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def count_files(*dirs: str) -> int:
    n = 0
    for d in dirs:
        try:
            n += sum(1 for e in os.scandir(d) if e.is_file())
        except FileNotFoundError:
            pass
    return n


def wait_port() -> None:
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", PORT), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("mailsrv did not listen")


def queue_busy(home: str) -> int:
    q = f"{home}/queue"
    return count_files(f"{q}/incoming", f"{q}/active", f"{q}/maildrop")


def send(n: int, sessions: int) -> None:
    cmd = ["smtp-source", "-s", str(sessions), "-m", str(n), "-l", str(SIZE),
           "-f", "src@localhost", "-t", f"{USER}@bench.test", "-M",
           "client.bench.test", f"127.0.0.1:{PORT}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    if p.returncode != 0 or p.stderr.strip():
        raise SystemExit(f"smtp-source failed: {p.stderr.strip()[:300]}")


def settle(home: str, mode: str, expect: int) -> None:
    """Waits until the messages are held, or delivered and the queue empty."""
    maildir = f"{home}/mail/{USER}"
    for _ in range(12000):
        if mode == "accept":
            done = count_files(f"{home}/queue/hold") >= expect and queue_busy(home) == 0
        else:
            done = (count_files(f"{maildir}/new", f"{maildir}/cur") >= expect
                    and queue_busy(home) == 0)
        if done:
            return
        time.sleep(0.05)
    raise SystemExit(f"{mode}: messages not settled")


def run_once(mode: str, sessions: int) -> dict:
    # The previous run's files were just removed: on ext4, creating a file
    # skips inodes freed in the last 5 s (300 s while their inode table
    # block is dirty), so each create would scan past thousands of them.
    # Write back, then let 5 s pass.
    os.sync()
    time.sleep(6)
    home = tempfile.mkdtemp(prefix="mailsrv-cpu.")
    os.chmod(home, 0o755)
    with open(f"{home}/resolv.conf", "w") as f:
        f.write("nameserver 127.0.0.1:9\n")
    with open(f"{home}/mailsrv.toml", "w") as f:
        f.write(config(home, mode))
    maildir = f"{home}/mail/{USER}"
    for sub in ("new", "cur", "tmp"):
        os.makedirs(f"{maildir}/{sub}")
    shutil.chown(f"{home}/mail", USER, USER)
    for root, dirs, _ in os.walk(maildir):
        shutil.chown(root, USER, USER)
    daemon = subprocess.Popen(
        [deno(), "run", "--quiet", *profile_flags(), f"--config={MAILSRV_DIR}/deno.json",
         "--permission-set=mailsrv", "--no-prompt",
         f"--v8-flags={v8_flags()}",
         f"{MAILSRV_DIR}/main.ts", "run", "--quiet", "--config",
         f"{home}/mailsrv.toml"],
        cwd=MAILSRV_DIR)
    strace = None
    try:
        wait_port()
        # Warm-up: modules compiled, Workers started, pools filled.
        send(WARMUP, sessions)
        settle(home, mode, WARMUP)
        time.sleep(1)
        if os.environ.get("STRACE"):
            strace = subprocess.Popen(
                ["strace", *os.environ.get("STRACE_ARGS", "-c").split(), "-f",
                 "-p", str(daemon.pid), "-o",
                 f"{home}/strace.txt"], stderr=subprocess.DEVNULL)
            time.sleep(1)
        perf = None
        if os.environ.get("PERF"):
            os.makedirs(os.environ["PERF"], exist_ok=True)
            perf = subprocess.Popen(
                ["perf", "record", "-F", "999", "-g", "-p", str(daemon.pid), "-o",
                 f"{os.environ['PERF']}/{mode}-{sessions}.data"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        before, t_before = cpu_of(daemon.pid), total_cpu(daemon.pid)
        w0 = time.monotonic()
        send(N, sessions)
        accept_s = time.monotonic() - w0
        mid = cpu_of(daemon.pid)
        settle(home, mode, WARMUP + N)
        wall = time.monotonic() - w0
        after, t_after = cpu_of(daemon.pid), total_cpu(daemon.pid)
        if strace:
            strace.send_signal(2)
            strace.wait()
        if perf:
            perf.send_signal(2)
            perf.wait()
        threads = {}
        for tid, (name, cpu) in after.items():
            start = before.get(tid, (name, 0.0))[1]
            during = mid.get(tid, (name, cpu))[1] - start
            threads[tid] = (name, cpu - start, during)
        result = {
            "total": t_after - t_before,
            "threads": threads,
            "main": daemon.pid,
            "accept_s": accept_s,
            "wall": wall,
        }
        if strace:
            with open(f"{home}/strace.txt") as f:
                result["strace"] = f.read()
        return result
    finally:
        daemon.terminate()
        try:
            daemon.wait(20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        if not os.environ.get("KEEP"):
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"# home kept: {home}", file=sys.stderr)


def roles(result: dict) -> dict[str, float]:
    """CPU seconds by role: main, smtpd, qmgr, other threads."""
    main = result["main"]
    out = {"main": 0.0, "smtpd": 0.0, "qmgr": 0.0, "other": 0.0}
    # Workers are the threads that ran JavaScript: the two busiest non-main
    # threads. The one busier while smtp-source ran is smtpd.
    candidates = sorted(
        ((tid, v) for tid, v in result["threads"].items() if tid != main),
        key=lambda kv: kv[1][1], reverse=True)
    workers = candidates[:2]
    by_during = sorted(workers, key=lambda kv: kv[1][2], reverse=True)
    named = {}
    if by_during:
        named[by_during[0][0]] = "smtpd"
    if len(by_during) > 1 and by_during[1][1][1] > 0.05 * result["total"]:
        named[by_during[1][0]] = "qmgr"
    for tid, (name, cpu, _) in result["threads"].items():
        role = "main" if tid == main else named.get(tid, "other")
        out[role] += cpu
    return out


def workers(result: dict) -> dict[str, float]:
    """CPU seconds of each thread named worker-N (Deno's Workers, in start
    order: worker-1 smtpd, worker-2 the queue manager, worker-3 local
    delivery), summed by name."""
    out: dict[str, float] = {}
    for name, cpu, _ in result["threads"].values():
        if name.startswith("worker-"):
            out[name] = out.get(name, 0.0) + cpu
    return out


def helpers(result: dict) -> dict[str, float]:
    """CPU seconds of the threads that run no JavaScript: Deno's blocking
    pool (`blocking`, where fsync and async file calls run), V8's helper
    threads (`v8`: concurrent GC and compiling), and threads that ended
    during the run (`ended`: the process's total less its live threads)."""
    out = {"blocking": 0.0, "v8": 0.0}
    for name, cpu, _ in result["threads"].values():
        if name.startswith("tokio-runtime"):
            out["blocking"] += cpu
        elif name.startswith("V8 "):
            out["v8"] += cpu
    out["ended"] = max(
        0.0, result["total"] - sum(c for _, c, _ in result["threads"].values()))
    return out


def main() -> None:
    print(f"# {MAILSRV_DIR} ({subprocess.run(['git', '-C', MAILSRV_DIR, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}) "
          f"N={N} SIZE={SIZE}", flush=True)
    for mode in MODES:
        for sessions in SESSIONS:
            runs = []
            for r in range(REPEATS):
                res = run_once(mode, sessions)
                per = {k: v / N * 1000 * 1000 for k, v in roles(res).items()}
                per.update({k: v / N * 1000 * 1000 for k, v in workers(res).items()})
                per.update({k: v / N * 1000 * 1000 for k, v in helpers(res).items()})
                total = res["total"] / N * 1000 * 1000
                load = open("/proc/loadavg").read().split()[0]
                print(f"{mode} s={sessions} run={r + 1} ms/1000msg total={total:.0f} "
                      + " ".join(f"{k}={v:.0f}" for k, v in per.items())
                      + f" accept_s={res['accept_s']:.1f} wall_s={res['wall']:.1f} load={load}",
                      flush=True)
                if "strace" in res:
                    print("\n".join("#   " + l for l in res["strace"].splitlines()[:25]))
                runs.append((total, per))
            med = statistics.median(t for t, _ in runs)
            parts = " ".join(
                f"{k}={statistics.median(p.get(k, 0.0) for _, p in runs):.0f}"
                for k in ("main", "smtpd", "qmgr", "other",
                          *sorted(k for k in runs[0][1] if k.startswith("worker-")),
                          "blocking", "v8", "ended"))
            print(f"MEDIAN {mode} s={sessions} ms/1000msg total={med:.0f} {parts}",
                  flush=True)


if __name__ == "__main__":
    main()
