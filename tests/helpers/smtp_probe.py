"""Asks SMTP servers for their verdicts with Python's smtplib, many probes in
one process (each probe its own connection), and reports the codes with times.

usage: smtp_probe.py JSON
  JSON is a list of probes, run in order:
    {"host": IP, "port": N, "source": IP,      where to connect, and from
                                               (a list: attempt i from
                                               the i-th, so repeats are
                                               not rate limited)
     "sender": ADDR, "rcpt": ADDR,             without "rcpt": connect only
     "until": CODE, "every": S, "limit": S}    repeat every S seconds until
                                               the code is CODE (at most
                                               limit seconds)
Prints one JSON line per probe: a list of [code, start_ms, end_ms], one per
attempt, where code is the greeting's (connect only), else the first refusal
of EHLO/MAIL or the RCPT reply; 0 when the connection failed.
"""
import json, smtplib, sys, time

def now_ms():
    return int(time.time() * 1000)

def attempt(p, i):
    source = p["source"] if isinstance(p["source"], str) else p["source"][min(i, len(p["source"]) - 1)]
    try:
        s = smtplib.SMTP(p["host"], p["port"], source_address=(source, 0), timeout=30)
    except smtplib.SMTPConnectError as e:
        return e.smtp_code
    except OSError:
        return 0
    try:
        if "rcpt" not in p:
            return 220
        s.ehlo("client.example.com")
        code, _ = s.mail(p.get("sender", "alice@example.com"))
        if code != 250:
            return code
        code, _ = s.rcpt(p["rcpt"])
        return code
    except smtplib.SMTPServerDisconnected:
        return 0
    finally:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            s.close()

def run(p):
    results = []
    end = time.monotonic() + p.get("limit", 0)
    while True:
        start = now_ms()
        code = attempt(p, len(results))
        results.append([code, start, now_ms()])
        if "until" not in p or code == p["until"] or time.monotonic() > end:
            return results
        time.sleep(p.get("every", 0.5))

for probe in json.loads(sys.argv[1]):
    print(json.dumps(run(probe)), flush=True)
