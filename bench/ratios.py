#!/usr/bin/env python3
"""Same-run ratios from the shared harness's raw.tsv: mailsrv / a peer.

    bench/ratios.py RAW_TSV [PEER] [SUBJECT]     # PEER: dovecot, SUBJECT: mailsrv

One row per (test, n, metric) both measured: the medians and their ratio.
For rates (…_per_s) a ratio above 1 means mailsrv is faster; for times
(…_ms, …_s) and sizes (…_kb) a ratio below 1 means mailsrv is faster or
smaller.
"""
import csv
import statistics
import sys
from collections import defaultdict

raw = sys.argv[1]
peer = sys.argv[2] if len(sys.argv) > 2 else "dovecot"
subject = sys.argv[3] if len(sys.argv) > 3 else "mailsrv"
values = defaultdict(list)
order = []
with open(raw) as f:
    for row in csv.DictReader(f, delimiter="\t"):
        try:
            value = float(row["value"])
        except ValueError:
            continue
        key = (row["test"], row["n"], row["metric"])
        if key not in order:
            order.append(key)
        values[(row["peer"],) + key].append(value)

print(f"| test | n | metric | {peer} | {subject} | {subject}/{peer} |")
print("|---|---:|---|---:|---:|---:|")
for key in order:
    a, b = values.get((peer,) + key), values.get((subject,) + key)
    if not a or not b:
        continue
    ma, mb = statistics.median(a), statistics.median(b)
    ratio = f"{mb / ma:.2f}" if ma else "-"
    print(f"| {key[0]} | {key[1]} | {key[2]} | {ma:g} | {mb:g} | {ratio} |")
