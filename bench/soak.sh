#!/bin/sh
# bench/soak.sh — a bounded soak of mailsrv under mixed traffic.
#
# Runs mailsrv from source (permission set `mailsrv`, as `deno task start`)
# in a temporary home and drives it for SOAK_SECONDS (default 600) with:
#   - SMTP in (Python smtplib, several threads) to local users (Maildir)
#     and to a virtual user (Maildir under virtual_mailbox_base);
#   - POP3 fetch and delete (Python poplib) of the virtual user's mail;
# sampling every SAMPLE_SECONDS (default 10) the daemon's RSS, open file
# descriptors (/proc/PID/fd), queue size (incoming/active/deferred) and
# errors (maillog warnings, client failures). At the end it waits for the
# queue to drain and accounts for every acknowledged message: each must be
# found exactly once (in a local Maildir, or fetched over POP3).
#
# Environment: SOAK_SECONDS (600), SAMPLE_SECONDS (10), SMTP_THREADS (4),
# POP3_INTERVAL (2), SMTP_PORT (2591), POP3_PORT (2592), KEEP_HOME (unset:
# the temporary home is removed). Needs python3 and htpasswd
# (apache2-utils). Exit 0 when nothing was lost, duplicated or in error.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
exec python3 "$here/bench/soak_traffic.py" "$here"
