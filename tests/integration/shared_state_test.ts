/**
 * More than one box: two mailsrv daemons (own queues, own ports, own
 * myhostname) sharing one Redis (`shared_state = "redis://…"`) and one
 * virtual mailbox directory, as two MX hosts on shared storage would.
 * Greylisting, pop-before-smtp and the rate limits count across both;
 * with Redis stopped each answers its configured default, local mail is
 * still delivered and the outage is logged once; with Redis back the
 * shared behaviour resumes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  freePort,
  listFiles,
  python,
  requireProgram,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { sendWithSmtplib } from "../helpers/mail.ts";
import { haveRedis, startRedis } from "../helpers/redis_server.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

const PROBE = fromFileUrl(new URL("../helpers/pop3_probe.py", import.meta.url));

/** EHLO, MAIL and one RCPT from `source`; the replies, or the 421. */
const RCPT = `
import smtplib, sys
port, source, sender, rcpt = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
try:
    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0))
except smtplib.SMTPConnectError as e:
    print(e.smtp_code)
    sys.exit(0)
s.ehlo("client.example.com")
code, text = s.mail(sender)
if code != 250:
    print(code)
    sys.exit(0)
code, text = s.rcpt(rcpt)
print(code)
s.quit()
`;

async function rcpt(
  daemon: TestDaemon,
  source: string,
  recipient: string,
  sender = "alice@example.com",
): Promise<number> {
  return Number(
    (await python(RCPT, [String(daemon.port), source, sender, recipient]))
      .trim(),
  );
}

async function pop3Login(port: number, source: string): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: [PROBE, String(port), "bob@two.test", "secret2", "--source", source],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  return result.error ?? "ok";
}

const OUTAGE = /shared state redis:\/\/127\.0\.0\.1:\d+\/0 unavailable/g;
const outageLines = (d: TestDaemon) => d.log().match(OUTAGE)?.length ?? 0;

Deno.test({
  name:
    "two daemons share greylisting, pop-before-smtp and rate limits through Redis; an outage answers the defaults",
  // ioredis keeps sockets and timers of its own in the daemons, not here,
  // but the test's own redis-server child is stopped in finally.
  async fn(t) {
    if (!haveRedis() || !requireProgram("htpasswd")) return;
    const redis = await startRedis();
    const shared = await Deno.makeTempDir({ prefix: "mailsrv-shared-" });
    const setup = await virtualSetup(shared);
    const pop3 = [freePort(), freePort()];
    const common = {
      ...setup.params,
      mynetworks: "127.0.0.1/32",
      shared_state: redis.url(),
      smtpd_relay_restrictions:
        "permit_mynetworks, permit_pop_before_smtp, reject_unauth_destination",
      smtpd_recipient_restrictions:
        "permit_mynetworks, permit_pop_before_smtp, check_greylist",
      // Greylisting keys on the client's /24: all of 127.0.0.x is one
      // network, so steps use their own senders and no whitelisting.
      smtpd_greylist_auto_whitelist: "0",
      // The delay is configuration: 0 s lets the retry pass at once.
      smtpd_greylist_delay: "0s",
      smtpd_client_connection_rate_limit: "3",
      pop_before_smtp_window: "30m",
    };
    const a = await startDaemon({
      params: { ...common, myhostname: "mx1.example.test" },
      listeners: [{ kind: "pop3", port: pop3[0] }],
    });
    const b = await startDaemon({
      params: {
        ...common,
        myhostname: "mx2.example.test",
        smtpd_greylist_default_action: "dunno",
      },
      listeners: [{ kind: "pop3", port: pop3[1] }],
    });
    const maildir = join(setup.base, "two.test", "bob", "new");
    try {
      await t.step(
        "a triplet greylisted on A passes when retried on B",
        async () => {
          assert.equal(await rcpt(a, "127.0.0.2", "bob@two.test"), 450);
          assert.equal(await rcpt(b, "127.0.0.2", "bob@two.test"), 250);
          // Another triplet is new on B as well.
          assert.equal(await rcpt(b, "127.0.0.2", "other@two.test"), 450);
          const status = await runMailsrv(["status", "--config", b.configPath]);
          assert.match(
            status.stdout,
            /shared state: redis:\/\/127\.0\.0\.1:\d+\/0 \(answering\)/,
          );
        },
      );

      await t.step("a POP3 login on A opens relaying on B", async () => {
        assert.equal(await rcpt(b, "127.0.0.3", "friend@remote.example"), 554);
        assert.equal(await pop3Login(pop3[0], "127.0.0.3"), "ok");
        assert.equal(await rcpt(b, "127.0.0.3", "friend@remote.example"), 250);
      });

      await t.step("the connection rate counts across both", async () => {
        const limited = (d: TestDaemon) =>
          rcpt(d, "127.0.0.4", "bob@two.test", "rate@example.com");
        assert.equal(await limited(a), 450);
        assert.equal(await limited(b), 250);
        assert.equal(await limited(a), 250);
        assert.equal(await limited(b), 421);
        assert.equal(await limited(a), 421);
      });

      await t.step(
        "both deliver into the shared Maildir with distinct names",
        async () => {
          for (const d of [a, b]) {
            const [sent] = await sendWithSmtplib(d.port, "s@example.test", [
              "bob@two.test",
            ]);
            assert.equal(sent.code, 250);
          }
          const names = await waitFor("two deliveries", async () => {
            const n = await listFiles(maildir);
            return n.length >= 2 ? n : undefined;
          });
          assert.ok(
            names.some((n) => n.includes(".mx1.example.test")),
            names.join(),
          );
          assert.ok(
            names.some((n) => n.includes(".mx2.example.test")),
            names.join(),
          );
        },
      );

      await t.step(
        "Redis stopped: the defaults apply, local mail is delivered, one log line",
        async () => {
          await redis.stop();
          // A: defer; B: dunno. Neither limits the rate nor lets 127.0.0.3
          // relay any more.
          for (let i = 0; i < 5; i++) {
            assert.equal(await rcpt(a, "127.0.0.5", "bob@two.test"), 450);
            assert.equal(await rcpt(b, "127.0.0.5", "bob@two.test"), 250);
          }
          assert.equal(
            await rcpt(b, "127.0.0.3", "friend@remote.example"),
            554,
          );
          assert.equal(await pop3Login(pop3[1], "127.0.0.6"), "ok");
          const before = (await listFiles(maildir)).length;
          const [local] = await sendWithSmtplib(a.port, "s@example.test", [
            "bob@two.test",
          ]);
          assert.equal(local.code, 250);
          const [outside] = await sendWithSmtplib(b.port, "x@example.com", [
            "bob@two.test",
          ], { source: "127.0.0.7" });
          assert.equal(outside.code, 250, "B lets greylisting pass (dunno)");
          await waitFor(
            "delivery during the outage",
            async () =>
              (await listFiles(maildir)).length >= before + 2 || undefined,
          );
          assert.equal(outageLines(a), 1, a.log());
          assert.equal(outageLines(b), 1, b.log());
          const status = await runMailsrv(["status", "--config", a.configPath]);
          assert.match(
            status.stdout,
            /shared state: redis:\/\/127\.0\.0\.1:\d+\/0 \(NOT answering\)/,
          );
        },
      );

      await t.step("Redis back: the shared behaviour resumes", async () => {
        await redis.start();
        // B's default passed everything; a 450 means Redis answered again.
        await waitFor(
          "B to greylist through Redis again",
          async () =>
            await rcpt(b, "127.0.0.8", "bob@two.test", "back@example.com") ===
              450 || undefined,
          30_000,
        );
        assert.equal(
          await rcpt(a, "127.0.0.8", "bob@two.test", "back@example.com"),
          250,
        );
        await waitFor(
          "A to log the end of the outage",
          () =>
            /shared state redis:\S+ available again after \d+s/.test(a.log()) ||
            undefined,
        );
        assert.equal(outageLines(a), 1);
        assert.equal(outageLines(b), 1);
      });
    } finally {
      await a.stop();
      await b.stop();
      await redis.stop();
      await Deno.remove(a.home, { recursive: true });
      await Deno.remove(b.home, { recursive: true });
      await Deno.remove(shared, { recursive: true });
    }
  },
});
