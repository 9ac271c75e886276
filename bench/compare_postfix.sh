#!/usr/bin/env bash
# Side-by-side SMTP benchmark: a private Postfix (../shared/bench) and mailsrv,
# measured in one invocation with Postfix's smtp-source, on loopback only.
#
#   bench/compare_postfix.sh            # REPEATS=3 CONFIGS="5000:4096:10 20000:4096:50"
#
# Env: SHARED_BENCH (default ../shared/bench next to this checkout), REPEATS,
#      CONFIGS (n:size:conc ...), TESTS (default "accept relay rss"), MAILSRV_PORT (2530),
#      MAILSRV_EXTRA (more lines for mailsrv's configuration),
#      SERVER (mailsrv; floor or floor-queue: bench/smtp_floor.ts in its
#      place, Deno's floor for the same measurements, with the Maildir as its
#      only store or behind a queue)
# Prints the summary table (medians); divide mailsrv's by Postfix's for the
# ratio. Repetitions alternate the order of the two servers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
SHARED_BENCH="${SHARED_BENCH:-$(cd "$root/../shared/bench" 2>/dev/null && pwd)}"
[ -d "$SHARED_BENCH" ] || { echo "shared bench harness not found; set SHARED_BENCH" >&2; exit 2; }
export REPEATS="${REPEATS:-3}" TESTS="${TESTS:-accept relay rss}"
export CONFIGS="${CONFIGS:-5000:4096:10 20000:4096:50}"
PORT="${MAILSRV_PORT:-2530}"
deno="$(command -v deno || echo "$root/tools/node_modules/.bin/deno")"

work="$(mktemp -d "${TMPDIR:-/tmp}/mailsrv-bench.XXXXXX")"
chmod 755 "$work"   # the private Postfix runs as user postfix and must reach its state
export BENCH_STATE="$work/state" RAW="$work/raw.tsv"
printf 'nameserver 127.0.0.1:9\n' > "$work/resolv.conf"
cat > "$work/mailsrv.toml" <<TOML
myhostname = "mx.bench.test"
mydestination = "bench.test, localhost"
mynetworks = "127.0.0.0/8"
queue_directory = "$work/queue"
mail_spool_directory = "$work/mail/"
local_recipient_maps = ""
maillog_file = "$work/maillog"
default_process_limit = 200
# The relay test sends bench@sink.test to the shared harness's smtp-sink,
# as the private Postfix routes sink.test there (no TLS on either side).
relayhost = "[127.0.0.1]:${SINK_PORT:-2526}"
smtp_tls_security_level = "none"
# No DNS leaves the machine: clients are on loopback, the sink an address.
resolv_conf = "$work/resolv.conf"
${MAILSRV_EXTRA:-}

[[listener]]
address = "127.0.0.1"
port = $PORT
kind = "smtp"
TOML

# Debian's postfix installed with "No configuration" has no main.cf, which
# postconf (used by the peer's setup) needs; give it the packaged template.
[ -f /etc/postfix/main.cf ] || cp /etc/postfix/main.cf.proto /etc/postfix/main.cf
bash "$SHARED_BENCH/peers/postfix.sh" setup >/dev/null
if [ "${SERVER:-mailsrv}" = floor ]; then
  "$deno" run --quiet -A --v8-flags=--max-semi-space-size=1 "$here/smtp_floor.ts" \
    "$PORT" "$work/mail/bench" &
elif [ "${SERVER:-mailsrv}" = floor-queue ]; then
  "$deno" run --quiet -A --v8-flags=--max-semi-space-size=1 "$here/smtp_floor.ts" \
    "$PORT" "$work/mail/bench" "$work/queue" &
else
  "$deno" run --quiet --config="$root/deno.json" --permission-set=mailsrv \
    --v8-flags=--max-semi-space-size=1,--heap-growing-percent=25,--memory-reducer-delay-ms=2000,--gc-memory-reducer-start-delay-ms=2000,--enable-experimental-regexp-engine-on-excessive-backtracks "$root/main.ts" \
    run --quiet --config "$work/mailsrv.toml" &
fi
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1).close()" 2>/dev/null && break
  sleep 0.1
done

# One repetition at a time, alternating which server goes first, with the
# previous run's dirty pages written back in between: whoever runs right
# after the other's heaviest load would otherwise pay for its writeback.
rounds=$REPEATS
export REPEATS=1
for r in $(seq 1 "$rounds"); do
  ext="ext:${SERVER:-mailsrv}"
  if [ $((r % 2)) -eq 1 ]; then order="postfix $ext"; else order="$ext postfix"; fi
  for peer in $order; do
    sync; sleep "${SETTLE_S:-10}"
    EXT_SMTP_PORT="$PORT" EXT_MAILDIR="$work/mail/bench" EXT_PIDS="$pid" EXT_POP3_PORT= \
      bash "$SHARED_BENCH/run_all.sh" "$peer"
  done
done
python3 "$SHARED_BENCH/summarize.py" "$RAW"
