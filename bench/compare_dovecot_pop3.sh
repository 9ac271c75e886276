#!/usr/bin/env bash
# Side-by-side POP3 benchmark: a private Dovecot (../shared/bench) and mailsrv,
# measured in one invocation with the harness's poplib client, on loopback only.
#
#   bench/compare_dovecot_pop3.sh        # REPEATS=3 POP3_NS="5000 20000"
#
# Each repetition fills the mailbox anew (a cold session: login, STAT, UIDL,
# RETR of every message, QUIT without DELE; then a warm one), for a Maildir
# user and an mbox user, and alternates which server goes first.
# Env: SHARED_BENCH (../shared/bench), REPEATS (3), POP3_NS ("5000 20000"),
#      POP3_SIZE (4096), MAILSRV_DIR (this checkout), PORT (1111)
# Prints the harness's summary table (medians); divide mailsrv's figure by
# Dovecot's for the ratio. Needs root (Dovecot from Debian, the harness's
# user "bench" owns the mailboxes) and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$root/../shared/bench" 2>/dev/null && pwd || cd "$root/../../shared/bench" 2>/dev/null && pwd || true)}"
[ -d "$SHARED_BENCH" ] || { echo "shared bench harness not found; set SHARED_BENCH" >&2; exit 2; }
MAILSRV_DIR="$(cd "${MAILSRV_DIR:-$root}" && pwd)"
PORT="${PORT:-1111}"
deno="$(command -v deno || echo "$root/tools/node_modules/.bin/deno")"
. "$SHARED_BENCH/lib.sh"
ensure_bench_user

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsrv-pop3bench.XXXXXX")"
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

(cd "$MAILSRV_DIR" && exec "$deno" run --quiet --config=deno.json --permission-set=mailsrv \
  --v8-flags=--max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000,--enable-experimental-regexp-engine-on-excessive-backtracks main.ts run --quiet --config "$work/mailsrv.toml") &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
wait_port 127.0.0.1 "$PORT" 30 || die "mailsrv did not listen on $PORT"

export BENCH_STATE="$work/state" RAW="$work/raw.tsv" TESTS="pop3 rss"
export POP3_NS="${POP3_NS:-5000 20000}" POP3_SIZE="${POP3_SIZE:-4096}"
rounds="${REPEATS:-3}"
export REPEATS=1
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="dovecot-pop3 ext:mailsrv"; else order="ext:mailsrv dovecot-pop3"; fi
  for peer in $order; do
    EXT_SMTP_PORT= EXT_MAILDIR= EXT_RELAY=0 EXT_POP3_PORT="$PORT" EXT_POP3_PASS=bench \
      EXT_POP3_MAILDIR="$V/bench.test/bench" EXT_POP3_MBOX="$V/bench.test/mbox" \
      EXT_POP3_OWNER="$BENCH_USER" EXT_PIDS="$pid" \
      bash "$SHARED_BENCH/run_all.sh" "$peer"
  done
done
python3 "$SHARED_BENCH/summarize.py" "$RAW"
python3 "$here/ratios.py" "$RAW"
