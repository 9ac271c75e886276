#!/usr/bin/env bash
# Resident memory of mailsrv with every role enabled, through the phases
# of a burst: idle, peak under 50 SMTP sessions, just after, and after
# max_idle (when the delivery threads have exited).
#
#   bench/memory_phases.sh
#
# mailsrv listens for SMTP and POP3 (virtual domain bench.test, local
# domain localhost); Postfix's smtp-source sends MESSAGES (2000) × 4 KiB
# in SESSIONS (50) sessions to a local user. RSS and PSS are summed over
# the process and its children by ../shared/bench/rss.sh, as
# compare_postfix.sh reports them for Postfix; the idle and under-load
# figures of the private Postfix come from compare_postfix.sh. Deno's own
# floor (a bare process and each Worker) is bench/deno_floor.ts. At idle,
# just after the burst and after max_idle it also splits the daemon's RSS
# by mapping, from /proc/PID/smaps: the deno executable's own pages (the
# runtime's code, file-backed and shared), V8's heap pages (256 KiB
# anonymous mappings), malloc's arenas and heap, and the rest.
#
# Env: SHARED_BENCH (default ../shared/bench), SMTP_PORT (2640),
#      POP3_PORT (2641), MAX_IDLE_S (20), MESSAGES, SESSIONS
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$root/../shared/bench" 2>/dev/null && pwd || true)}"
[ -x "$SHARED_BENCH/rss.sh" ] || { echo "shared bench harness not found; set SHARED_BENCH" >&2; exit 2; }
SMTP_PORT="${SMTP_PORT:-2640}" POP3_PORT="${POP3_PORT:-2641}"
MAX_IDLE_S="${MAX_IDLE_S:-20}" MESSAGES="${MESSAGES:-2000}" SESSIONS="${SESSIONS:-50}"

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsrv-memory.XXXXXX")"
mkdir -p "$work/virtual/bench.test"
printf 'bench.test x\n' > "$work/vdomains"
printf 'bench@bench.test bench.test/bench/\n' > "$work/vmailbox"
htpasswd -bcs "$work/virtual/bench.test/passwd" bench bench 2>/dev/null
printf 'nameserver 127.0.0.1:9\n' > "$work/resolv.conf"
cat > "$work/mailsrv.toml" <<TOML
myhostname = "mx.bench.test"
mydestination = "localhost"
mynetworks = "127.0.0.0/8"
queue_directory = "$work/queue"
mail_spool_directory = "$work/mail/"
local_recipient_maps = ""
maillog_file = "$work/maillog"
resolv_conf = "$work/resolv.conf"
max_idle = "${MAX_IDLE_S}s"
default_process_limit = 200
virtual_mailbox_domains = "hash:$work/vdomains"
virtual_mailbox_base = "$work/virtual"
virtual_mailbox_maps = "hash:$work/vmailbox"
virtual_uid_maps = "static:$(id -u nobody)"
virtual_gid_maps = "static:$(id -g nobody)"
pop3_passwd_directory = "$work/virtual"

[[listener]]
address = "127.0.0.1"
port = $SMTP_PORT
kind = "smtp"

[[listener]]
address = "127.0.0.1"
port = $POP3_PORT
kind = "pop3"
TOML

"$root/bin/mailsrv" run --quiet --config "$work/mailsrv.toml" &
launcher=$!
trap '"$root/bin/mailsrv" stop --config "$work/mailsrv.toml" >/dev/null 2>&1 || kill $launcher 2>/dev/null; wait $launcher 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $POP3_PORT), 1).close()" 2>/dev/null && break
  sleep 0.1
done

# The RSS of the daemon's process (bin/mailsrv execs deno) by mapping.
mappings() {
  python3 - "$launcher" <<'PY'
import collections, re, sys
rss = collections.Counter()
kind = None
for line in open(f"/proc/{sys.argv[1]}/smaps"):
    m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$", line)
    if m:
        kib = (int(m.group(2), 16) - int(m.group(1), 16)) // 1024
        name = m.group(3).strip()
        kind = ("the deno executable" if name.endswith("/deno") else
                "malloc heap" if name == "[heap]" else
                "V8 heap pages (256 KiB)" if not name and kib == 256 else
                "malloc arenas and large blocks" if not name and kib >= 1024 else
                "other anonymous" if not name else "other files")
    elif line.startswith("Rss:") and kind:
        rss[kind] += int(line.split()[1])
print("   " + ", ".join(f"{k} {v // 1024} MB" for k, v in rss.most_common()))
PY
}

report() { printf '%-34s %s\n' "$1" "$(sed -E 's/rss_kb=([0-9]+) pss_kb=([0-9]+).*/echo "RSS $((\1 \/ 1024)) MB, PSS $((\2 \/ 1024)) MB"/e' <<< "$2")"; }
sleep 10
report "idle (SMTP and POP3 listening)" "$("$SHARED_BENCH/rss.sh" $launcher)"
mappings
# A POP3 session too, so pop3d has served before the burst.
python3 - "$POP3_PORT" <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bench@bench.test"); p.pass_("bench"); p.stat(); p.quit()
PY
smtp-source -c -l 4096 -m "$MESSAGES" -s "$SESSIONS" -f a@localhost -t bench@localhost "127.0.0.1:$SMTP_PORT" >/dev/null &
source_pid=$!
peak="$("$SHARED_BENCH/rss.sh" -d 1800 -i 0.2 -w $source_pid $launcher)"
wait $source_pid
report "peak under $SESSIONS SMTP sessions" "$peak"
sleep 3
report "just after the burst" "$("$SHARED_BENCH/rss.sh" $launcher)"
mappings
sleep $((MAX_IDLE_S * 2 + 5))
report "after max_idle (${MAX_IDLE_S} s)" "$("$SHARED_BENCH/rss.sh" $launcher)"
mappings
