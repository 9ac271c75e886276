"""Reads the delivery status notices in a Maildir with Python's `email`.

usage: dsn_report.py MAILDIR
Prints a JSON list, one object per message (in key order): its Subject,
Return-Path, To, content type, report-type, the content types of its parts,
and the delivery-status fields: "message" (per-message) and "recipients"
(one object per recipient block), folded lines unfolded.
"""
import json, mailbox, re, sys

def fields(block):
    return {k: re.sub(r"\r?\n[ \t]+", " ", str(v)) for k, v in block.items()}

box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
out = []
for key in sorted(box.keys()):
    m = box[key]
    parts = m.get_payload() if m.is_multipart() else []
    status = [p for p in parts if p.get_content_type() == "message/delivery-status"]
    blocks = status[0].get_payload() if status else []
    out.append({
        "subject": m["Subject"],
        "return_path": m["Return-Path"],
        "to": m["To"],
        "type": m.get_content_type(),
        "report_type": m.get_param("report-type"),
        "parts": [p.get_content_type() for p in parts],
        "message": fields(blocks[0]) if blocks else None,
        "recipients": [fields(b) for b in blocks[1:]],
        "returned": parts[2].as_string() if len(parts) > 2 else None,
    })
print(json.dumps(out))
