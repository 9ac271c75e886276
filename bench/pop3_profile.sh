#!/usr/bin/env bash
# POP3 costs that do not depend on the machine's load: system calls per
# message (strace -c on the running daemon) and peak resident size, during one
# cold session (login, STAT, UIDL, RETR of every message, QUIT; no DELE).
#
#   bench/pop3_profile.sh                 # N=20000, both maildir and mbox
#
# Starts mailsrv from MAILSRV_DIR (default: this checkout) with a POP3 virtual
# domain on 127.0.0.1 (a Maildir user bench@bench.test, an mbox user
# mbox@bench.test, {SHA} htpasswd lines), fills the mailbox with the shared
# harness's generator, and runs its poplib client. Point MAILSRV_DIR at an
# older checkout to compare before and after on the same machine.
#
# Env: N (20000) SIZE (4096) KINDS ("maildir mbox") PORT (1112) MAILSRV_DIR
#      SHARED_BENCH (../shared/bench) STRACE (1; 0 = RSS and timings only)
#      CPU_PROF (a directory: the daemon writes a V8 CPU profile there at exit;
#      use with STRACE=0) PERF (a file prefix: `perf record -g` of the daemon
#      during each session into PERF.<kind>; use with STRACE=0)
#      V8_FLAGS (the daemon's, src/common/self_command.ts; other values show
#      what a different young generation costs or saves)
# stdout per kind: kind=… n=… cpu_us_per_msg=… (the daemon, every thread,
#      user + system) busiest_thread_us_per_msg=… (pop3d's; and its
#      busiest_user_us_per_msg, busiest_system_us_per_msg) syscalls_per_msg=… openat=…
#      readlink=… stat=…
#      read=… write=… futex=… peak_rss_kb=… and the client's timings.
# Needs root (the mailbox belongs to the harness's user "bench"), strace, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$root/../shared/bench" 2>/dev/null && pwd || cd "$root/../../shared/bench" 2>/dev/null && pwd || true)}"
[ -d "$SHARED_BENCH" ] || { echo "shared bench harness not found; set SHARED_BENCH" >&2; exit 2; }
MAILSRV_DIR="$(cd "${MAILSRV_DIR:-$root}" && pwd)"
N="${N:-20000}" SIZE="${SIZE:-4096}" PORT="${PORT:-1112}" KINDS="${KINDS:-maildir mbox}"
deno="$(command -v deno || echo "$root/tools/node_modules/.bin/deno")"
. "$SHARED_BENCH/lib.sh"
ensure_bench_user

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsrv-pop3prof.XXXXXX")"
chmod 755 "$work"
V="$work/virtual"
mkdir -p "$V/bench.test/bench"/{new,cur,tmp} "$work/q"
uid=$(id -u "$BENCH_USER"); gid=$(id -g "$BENCH_USER")
printf 'bench.test x\n' > "$V/vmaildomains"
printf 'bench@bench.test bench.test/bench/\nmbox@bench.test bench.test/mbox\n' > "$V/vmailbox"
htpasswd -bcs "$V/bench.test/passwd" bench bench 2>/dev/null
htpasswd -bs "$V/bench.test/passwd" mbox bench 2>/dev/null
touch "$V/bench.test/mbox"
chown -R "$uid:$gid" "$V/bench.test"
cat > "$work/mailsrv.toml" <<TOML
myhostname = "mx.bench.test"
mydestination = "localhost"
queue_directory = "$work/q"
maillog_file = "$work/maillog"
virtual_mailbox_base = "$V"
virtual_mailbox_domains = "hash:$V/vmaildomains"
virtual_mailbox_maps = "hash:$V/vmailbox"
virtual_uid_maps = "static:$uid"
virtual_gid_maps = "static:$gid"
pop3_passwd_directory = "$V"
[[listener]]
address = "127.0.0.1"
port = $PORT
kind = "pop3"
TOML

prof=()
[ -n "${CPU_PROF:-}" ] && mkdir -p "$CPU_PROF" && prof=(--cpu-prof --cpu-prof-dir="$(cd "$CPU_PROF" && pwd)")
(cd "$MAILSRV_DIR" && exec "$deno" run --quiet "${prof[@]}" --config=deno.json --permission-set=mailsrv \
  --v8-flags="${V8_FLAGS:---max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000,--enable-experimental-regexp-engine-on-excessive-backtracks}" main.ts run --quiet --config "$work/mailsrv.toml") &
pid=$!
tracer=""
cleanup() {
  [ -n "$tracer" ] && kill "$tracer" 2>/dev/null
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# "tid user,system" per thread of the daemon (clock ticks).
thread_ticks() {
  for t in /proc/"$pid"/task/*; do
    awk -v t="${t##*/}" '{ sub(/^.*\) /, ""); print t, $12 "," $13 }' "$t/stat" 2>/dev/null
  done | tr '\n' ' '
}
# CPU of the whole daemon and of its busiest thread (pop3d's) per message.
cpu_per_message() {
  python3 - "$1" "$2" "$N" <<'PY'
import os, sys
def parse(s):
    f = s.split()
    return {f[i]: tuple(map(int, f[i + 1].split(","))) for i in range(0, len(f), 2)}
before, after, n = parse(sys.argv[1]), parse(sys.argv[2]), int(sys.argv[3])
hz = os.sysconf("SC_CLK_TCK")
delta = {t: tuple(a - b for a, b in zip(v, before.get(t, (0, 0)))) for t, v in after.items()}
total = sum(u + s for u, s in delta.values())
user, system = max(delta.values(), key=sum, default=(0, 0))
us = lambda ticks: f"{ticks * 1e6 / hz / n:.0f}"
# The thread's user time moves least with the machine's load (its system
# time includes the loopback TCP stack's work for the client).
print(f"cpu_us_per_msg={us(total)} busiest_thread_us_per_msg={us(user + system)} "
      f"busiest_user_us_per_msg={us(user)} busiest_system_us_per_msg={us(system)} cpu_s={total / hz:.2f}")
PY
}
wait_port 127.0.0.1 "$PORT" 30 || die "mailsrv did not listen on $PORT"
sleep 2
echo "idle_rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"

for kind in $KINDS; do
  if [ "$kind" = maildir ]; then
    user=bench@bench.test
    python3 "$SHARED_BENCH/gen_mailbox.py" --maildir "$V/bench.test/bench" --n "$N" --size "$SIZE" --owner "$BENCH_USER" >/dev/null
  else
    user=mbox@bench.test
    python3 "$SHARED_BENCH/gen_mailbox.py" --mbox "$V/bench.test/mbox" --n "$N" --size "$SIZE" --owner "$BENCH_USER" >/dev/null
  fi
  sync
  if [ "${STRACE:-1}" = 1 ]; then
    strace -c -f -q -o "$work/strace.$kind" -p "$pid" &
    tracer=$!
    sleep 1
  fi
  if [ -n "${PERF:-}" ]; then
    perf record -q -g -o "$PERF.$kind" -p "$pid" 2>/dev/null &
    tracer=$!
    sleep 1
  fi
  cpu_before=$(thread_ticks)
  python3 "$SHARED_BENCH/pop3_client.py" 127.0.0.1 "$PORT" "$user" bench "$N" \
    > "$work/client.$kind" 2>&1 &
  client=$!
  peak=0
  while kill -0 "$client" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait "$client" || true
  cpu=$(cpu_per_message "$cpu_before" "$(thread_ticks)")
  counts=""
  if [ -n "$tracer" ] && [ -n "${PERF:-}" ]; then
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true; tracer=""
  elif [ -n "$tracer" ]; then
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true; tracer=""
    counts=$(python3 - "$work/strace.$kind" "$N" <<'PY'
import sys
calls, n = {}, int(sys.argv[2])
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls[f[-1]] = int(f[3])
total = sum(calls.values())
def of(*names): return sum(calls.get(x, 0) for x in names)
print(f"syscalls_per_msg={total / n:.1f} openat={of('openat', 'open')} readlink={of('readlink')} "
      f"stat={of('statx', 'newfstatat', 'fstat', 'stat', 'lstat')} read={of('read', 'recvfrom', 'recvmsg')} write={of('write', 'writev', 'sendto', 'sendmsg')} "
      f"futex={of('futex')} epoll_wait={of('epoll_wait')} getdents={of('getdents64')} "
      f"top={','.join(f'{k}:{v}' for k, v in sorted(calls.items(), key=lambda kv: -kv[1])[:8])}")
PY
)
  fi
  timings=$(tr '\n' ' ' < "$work/client.$kind" | sed 's/# //')
  echo "kind=$kind n=$N $cpu $counts peak_rss_kb=$peak $timings"
done
