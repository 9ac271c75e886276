"""Sends test messages with Python's smtplib (a real third-party client).

usage: smtp_send.py PORT SENDER RECIPIENT[,RECIPIENT...] [options]
  --count N      messages to send (default 1), each in its own session
  --threads T    concurrent sessions (default 1)
  --host IP      the server's address (default 127.0.0.1)
  --source IP    bind the client to this local address (e.g. 127.0.0.2)
  --body TEXT    body text (default: a few lines incl. "From " and ". " lines)
  --size BYTES   pad the body to about this size
  --header TEXT  one extra header field, "Name: value"
Prints one JSON object per message: {"token", "code", "reply"} where code is the
final reply code to the message (250 when queued) or the code of the first
refusal, and 0 when the connection failed.
"""
import email.policy, json, smtplib, sys, threading, uuid
from email.message import EmailMessage

def parse(argv):
    opts = {"count": 1, "threads": 1, "host": "127.0.0.1", "source": None, "body": None, "size": 0, "header": None}
    port, sender, rcpts, rest = int(argv[0]), argv[1], argv[2].split(","), argv[3:]
    while rest:
        k, v, rest = rest[0], rest[1], rest[2:]
        key = k.lstrip("-")
        opts[key] = int(v) if key in ("count", "threads", "size") else v
    return port, sender, rcpts, opts

def build(sender, rcpts, token, body, size, header=None):
    m = EmailMessage()
    m["From"] = sender or "nobody@example.test"
    m["To"] = ", ".join(rcpts)
    if header:
        name, value = header.split(":", 1)
        m[name.strip()] = value.strip()
    if m["Subject"] is None:
        m["Subject"] = "test " + token
    m["Message-ID"] = "<%s@example.test>" % token
    text = body if body is not None else (
        "Hello,\nFrom here a line that needs quoting in mbox.\n.leading dot line\n..two dots\nbye\n")
    if size and len(text) < size:
        text += ("x" * 75 + "\n") * ((size - len(text)) // 76 + 1)
    m.set_content(text)
    return m

def send_one(port, sender, rcpts, opts):
    token = uuid.uuid4().hex
    msg = build(sender, rcpts, token, opts["body"], opts["size"], opts["header"])
    src = (opts["source"], 0) if opts["source"] else None
    try:
        with smtplib.SMTP(opts["host"], port, source_address=src, timeout=60) as s:
            s.ehlo("client.example.test")
            code, reply = s.mail(sender)
            if code != 250:
                return {"token": token, "code": code, "reply": reply.decode()}
            for r in rcpts:
                code, reply = s.rcpt(r)
                if code != 250:
                    return {"token": token, "code": code, "reply": reply.decode()}
            code, reply = s.data(msg.as_bytes(policy=email.policy.SMTP))
            return {"token": token, "code": code, "reply": reply.decode()}
    except smtplib.SMTPResponseException as e:
        return {"token": token, "code": e.smtp_code, "reply": e.smtp_error.decode(errors="replace")}
    except (OSError, smtplib.SMTPException) as e:
        return {"token": token, "code": 0, "reply": str(e)}

def main():
    port, sender, rcpts, opts = parse(sys.argv[1:])
    lock = threading.Lock()
    remaining = [opts["count"]]
    def worker():
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            r = send_one(port, sender, rcpts, opts)
            with lock:
                print(json.dumps(r), flush=True)
    ts = [threading.Thread(target=worker) for _ in range(opts["threads"])]
    for t in ts: t.start()
    for t in ts: t.join()

main()
