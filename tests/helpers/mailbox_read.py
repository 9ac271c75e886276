"""Reads a Maildir or mbox with Python's `mailbox` module (a real reader).

usage: mailbox_read.py maildir|mbox PATH
Prints a JSON list of messages: headers of interest and the body text.
"""
import json, mailbox, sys

kind, path = sys.argv[1], sys.argv[2]
box = mailbox.Maildir(path, factory=None, create=False) if kind == "maildir" else mailbox.mbox(path, create=False)
out = []
for key in sorted(box.keys()):
    m = box[key]
    out.append({
        "key": key,
        "subject": m["Subject"],
        "message_id": m["Message-ID"],
        "return_path": m["Return-Path"],
        "delivered_to": m.get_all("Delivered-To"),
        "received": m.get_all("Received"),
        "from_line": m.get_from() if kind == "mbox" else None,
        "body": m.get_payload(decode=True).decode("utf-8", "replace") if not m.is_multipart() else None,
    })
print(json.dumps(out))
