#!/bin/sh
# Postfix's side of the queue listing benchmark (bench/README.md):
# `postqueue -p` on a private Postfix queue of COUNT messages, the same
# mix as bench/queue_listing.ts, REPEATS times; prints the wall time and
# the CPU time of postqueue plus the showq daemon that does the reading.
#
# Needs root, Debian's postfix and python3. The private instance has only
# showq and postlog in its master.cf, so nothing is delivered; it listens
# on no port. It is stopped and its directory removed at the end.
# Environment: COUNT (100000), REPEATS (3), KEEP=1 keeps the directory.
set -eu
COUNT=${COUNT:-100000}
REPEATS=${REPEATS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d /tmp/mailsrv-bench-postfix-XXXXXX)
chmod 755 "$DIR"
mkdir -p "$DIR/etc" "$DIR/spool" "$DIR/data"
chown postfix "$DIR/data"
cat > "$DIR/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $DIR/spool
data_directory = $DIR/data
maillog_file_prefixes = $DIR
maillog_file = $DIR/maillog
hash_queue_names = flush
enable_long_queue_ids = yes
myhostname = bench.example
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
biff = no
CF
grep -E '^(showq|postlog)[[:space:]]' /usr/share/postfix/master.cf.dist |
  sed 's/^\(showq *unix *n *- *\)y/\1n/' > "$DIR/etc/master.cf"
# Debian's package without a configuration has no main.cf, which the
# postfix command reads first.
[ -e /etc/postfix/main.cf ] || cp /etc/postfix/main.cf.proto /etc/postfix/main.cf
stop() {
  postfix -c "$DIR/etc" stop >/dev/null 2>&1 || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap stop EXIT
postfix -c "$DIR/etc" start >/dev/null 2>&1
start=$(date +%s)
python3 "$HERE/postfix_queue.py" "$DIR/spool" "$COUNT" "$(id -u postfix)" "$(id -g postfix)"
echo "built $COUNT messages in $(($(date +%s) - start)) s"
showq_ticks() {
  t=0
  for p in $(pgrep -x showq || true); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
i=0
while [ "$i" -lt "$REPEATS" ]; do
  i=$((i + 1))
  before=$(showq_ticks)
  /usr/bin/time -f "%e %U %S" -o "$DIR/time" postqueue -c "$DIR/etc" -p >/dev/null
  after=$(showq_ticks)
  read -r wall user sys < "$DIR/time"
  python3 -c "print('postqueue -p: wall %.2f s, cpu %.2f s (postqueue %.2f s, showq %.2f s)' % ($wall, $user + $sys + ($after - $before) / 100, $user + $sys, ($after - $before) / 100))"
done
