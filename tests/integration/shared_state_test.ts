/**
 * More than one box: three mailsrv hosts on one machine, each on its own
 * loopback address (127.0.0.11-13) with its own queue and myhostname,
 * sharing one Redis (`shared_state = "redis://…"`) and one virtual
 * mailbox directory, as three MX hosts on shared storage would.
 * Greylisting, pop-before-smtp and the rate limits count across hosts;
 * with Redis killed mid-run each answers its configured default, mail
 * keeps flowing and nothing acknowledged is lost, and the outage is
 * logged once; with Redis back the shared behaviour resumes; mail a host
 * accepted before it was killed (kill -9) is delivered when it restarts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import {
  freePort,
  listFiles,
  requireProgram,
  runMailsrv,
  startDaemon,
  type TestDaemon,
  waitFor,
} from "../helpers/daemon.ts";
import { readMailbox, sendWithSmtplib } from "../helpers/mail.ts";
import { haveRedis, startRedis } from "../helpers/redis_server.ts";
import { startSmtpLoad } from "../helpers/smtp_load.ts";
import { virtualSetup } from "../helpers/virtual_setup.ts";

const PROBE = fromFileUrl(new URL("../helpers/pop3_probe.py", import.meta.url));
const SMTP_PROBE = fromFileUrl(
  new URL("../helpers/smtp_probe.py", import.meta.url),
);

/** The greylist delay: short, but long enough to see a retry deferred. */
const DELAY_MS = 3_000;

/** One SMTP probe (see smtp_probe.py); without `rcpt`, connect only. */
interface Probe {
  readonly to: TestDaemon;
  /** A list: one address per attempt, so retries stay under the rate. */
  readonly source: string | readonly string[];
  readonly rcpt?: string;
  readonly sender?: string;
  /** Repeat (every 0.5 s, at most 20 s) until this code. */
  readonly until?: number;
}

/**
 * 40 client addresses from 127.0.0.`first` on: one network for the
 * greylist (a /24), distinct clients for the rate limits.
 */
const retryClients = (first: number) =>
  Array.from({ length: 40 }, (_, i) => `127.0.0.${first + i}`);

/** One attempt: the code and when it started and ended (ms). */
interface Answer {
  readonly code: number;
  readonly start: number;
  readonly end: number;
}

/** Runs the probes in order, in one Python process; their answers. */
async function probe(probes: readonly Probe[]): Promise<Answer[][]> {
  const spec = probes.map((p) => ({
    host: p.to.address,
    port: p.to.port,
    source: p.source,
    ...(p.rcpt === undefined ? {} : { rcpt: p.rcpt }),
    ...(p.sender === undefined ? {} : { sender: p.sender }),
    ...(p.until === undefined ? {} : { until: p.until, every: 0.5, limit: 20 }),
  }));
  const out = await new Deno.Command("python3", {
    args: [SMTP_PROBE, JSON.stringify(spec)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`smtp_probe.py: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout).trim().split("\n").map((line) =>
    (JSON.parse(line) as number[][]).map(([code, start, end]) => ({
      code,
      start,
      end,
    }))
  );
}

/** The codes of single-attempt probes. */
async function codes(probes: readonly Probe[]): Promise<number[]> {
  return (await probe(probes)).map((answers) => answers[0].code);
}

/**
 * A retry that must pass only once the delay since `firstSeen` is over:
 * every earlier answer is 450, and the 250 ends no sooner than the delay.
 */
function assertPassedAfterDelay(answers: Answer[], firstSeen: number): void {
  const last = answers[answers.length - 1];
  assert.equal(last.code, 250, JSON.stringify(answers));
  assert.ok(
    answers.slice(0, -1).every((a) => a.code === 450),
    JSON.stringify(answers),
  );
  assert.ok(
    last.end >= firstSeen + DELAY_MS,
    `passed ${last.end - firstSeen} ms after the first attempt`,
  );
}

async function pop3Login(
  host: TestDaemon,
  port: number,
  source: string,
): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: [
      PROBE,
      String(port),
      "bob@two.test",
      "secret2",
      "--host",
      host.address,
      "--source",
      source,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  return result.error ?? "ok";
}

/** Subject → copies, over the shared Maildir. */
async function deliveredCopies(maildir: string): Promise<Map<string, number>> {
  const copies = new Map<string, number>();
  for (const m of await readMailbox("maildir", maildir)) {
    copies.set(m.subject, (copies.get(m.subject) ?? 0) + 1);
  }
  return copies;
}

/** Waits until every token's message is in the Maildir; the copies. */
function allDelivered(
  maildir: string,
  tokens: readonly string[],
  what: string,
): Promise<Map<string, number>> {
  return waitFor(what, async () => {
    const copies = await deliveredCopies(maildir);
    return tokens.every((t) => copies.has(`test ${t}`)) ? copies : undefined;
  }, 60_000);
}

const OUTAGE = /shared state redis:\/\/127\.0\.0\.1:\d+\/0 unavailable/g;
const outageLines = (d: TestDaemon) => d.log().match(OUTAGE)?.length ?? 0;

Deno.test({
  name:
    "three hosts share greylisting, pop-before-smtp and rate limits through Redis; a Redis outage answers the defaults and a killed host loses nothing",
  // ioredis keeps sockets and timers of its own in the daemons, not here,
  // but the test's own redis-server child is stopped in finally.
  async fn(t) {
    if (!haveRedis() || !requireProgram("htpasswd")) return;
    const redis = await startRedis();
    const shared = await Deno.makeTempDir({ prefix: "mailsrv-shared-" });
    const setup = await virtualSetup(shared);
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
      smtpd_greylist_delay: `${DELAY_MS / 1000}s`,
      smtpd_client_connection_rate_limit: "3",
      pop_before_smtp_window: "30m",
    };
    // C holds its mail back (as defer_transports does on a dial-up link),
    // so what it accepted is certainly still queued when it is killed;
    // retries come 1 s after a deferral.
    const cParams = {
      ...common,
      myhostname: "mx3.example.test",
      minimal_backoff_time: "1s",
      maximal_backoff_time: "2s",
    };
    const popPort = freePort("127.0.0.12");
    const [a, b, firstC] = await Promise.all([
      startDaemon({
        address: "127.0.0.11",
        params: { ...common, myhostname: "mx1.example.test" },
      }),
      startDaemon({
        address: "127.0.0.12",
        params: {
          ...common,
          myhostname: "mx2.example.test",
          smtpd_greylist_default_action: "dunno",
        },
        listeners: [{ kind: "pop3", port: popPort }],
      }),
      startDaemon({
        address: "127.0.0.13",
        params: { ...cParams, defer_transports: "virtual" },
      }),
    ]);
    let c = firstC;
    const maildir = join(setup.base, "two.test", "bob");
    /** Tokens C acknowledged, delivered only after its restart. */
    const acknowledgedByC: string[] = [];
    try {
      await t.step(
        "a client greylisted on A is accepted on B after the delay",
        async () => {
          const firstSeen = Date.now();
          const [onA, otherOnB, retriesOnB] = await probe([
            { to: a, source: "127.0.0.2", rcpt: "bob@two.test" },
            // A triplet new to B as well: B asks Redis (its default passes).
            { to: b, source: "127.0.0.2", rcpt: "other@two.test" },
            {
              to: b,
              source: retryClients(100),
              rcpt: "bob@two.test",
              until: 250,
            },
          ]);
          assert.equal(onA[0].code, 450);
          assert.equal(otherOnB[0].code, 450);
          assertPassedAfterDelay(retriesOnB, firstSeen);
          const status = await runMailsrv(["status", "--config", b.configPath]);
          assert.match(
            status.stdout,
            /shared state: redis:\/\/127\.0\.0\.1:\d+\/0 \(answering\)/,
          );
        },
      );

      await t.step("a POP3 login on B opens relaying on A", async () => {
        const relay = {
          to: a,
          source: "127.0.0.3",
          rcpt: "friend@remote.example",
        };
        assert.deepEqual(await codes([relay]), [554]);
        assert.equal(await pop3Login(b, popPort, "127.0.0.3"), "ok");
        assert.deepEqual(await codes([relay]), [250]);
      });

      await t.step("a client over its rate on A is limited on C", async () => {
        const connect = (to: TestDaemon) => ({ to, source: "127.0.0.4" });
        assert.deepEqual(
          await codes([a, a, a, a, c, b].map(connect)),
          [220, 220, 220, 421, 421, 421],
        );
      });

      await t.step(
        "Redis killed mid-run: the defaults apply and nothing acknowledged is lost",
        async () => {
          // Local mail (mynetworks) to all three; each session still asks
          // Redis (pop-before-smtp), so the kill falls in their midst.
          const loads = [a, b, c].map((d) =>
            startSmtpLoad(d.port, "load@example.test", ["bob@two.test"], {
              host: d.address,
              count: 15,
              threads: 2,
            })
          );
          const acknowledged = () =>
            loads.flatMap((l) => l.acknowledged()).length;
          await waitFor(
            "6 messages acknowledged",
            () => acknowledged() >= 6 || undefined,
            60_000,
          );
          await redis.stop();
          // A: defer; B: dunno. No rate limit (5 connections each from
          // 127.0.0.5), and 127.0.0.3 may not relay any more.
          const defaults = await codes([
            ...[1, 2, 3, 4, 5].flatMap(() => [
              { to: a, source: "127.0.0.5", rcpt: "bob@two.test" },
              { to: b, source: "127.0.0.5", rcpt: "bob@two.test" },
            ]),
            { to: b, source: "127.0.0.3", rcpt: "friend@remote.example" },
          ]);
          assert.deepEqual(defaults, [
            ...[1, 2, 3, 4, 5].flatMap(() => [450, 250]),
            554,
          ]);
          assert.equal(await pop3Login(b, popPort, "127.0.0.6"), "ok");
          const [outside] = await sendWithSmtplib(b.port, "x@example.com", [
            "bob@two.test",
          ], { host: b.address, source: "127.0.0.7" });
          assert.equal(outside.code, 250, "B lets greylisting pass (dunno)");
          const results = await Promise.all(loads.map((l) => l.done));
          assert.deepEqual(
            results.flat().filter((r) => r.code !== 250),
            [],
            "every local message acknowledged",
          );
          const [fromA, fromB, fromC] = results.map((r) =>
            r.map((m) => m.token)
          );
          acknowledgedByC.push(...fromC);
          const copies = await allDelivered(
            maildir,
            [...fromA, ...fromB, outside.token],
            "A's and B's messages",
          );
          const names = await listFiles(join(maildir, "new"));
          assert.ok(names.some((n) => n.includes(".mx1.example.test")));
          assert.ok(names.some((n) => n.includes(".mx2.example.test")));
          assert.ok(!names.some((n) => n.includes(".mx3.example.test")));
          assert.ok(fromC.every((token) => !copies.has(`test ${token}`)));
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
        const back = { rcpt: "bob@two.test", sender: "back@example.com" };
        const [onB] = await probe([
          { to: b, source: retryClients(140), ...back, until: 450 },
        ]);
        const recorded = onB[onB.length - 1];
        assert.equal(recorded.code, 450, JSON.stringify(onB));
        // A's default defers everything; its 250 comes from Redis.
        const [onA] = await probe([
          { to: a, source: retryClients(180), ...back, until: 250 },
        ]);
        assertPassedAfterDelay(onA, recorded.start);
        await waitFor(
          "A to log the end of the outage",
          () =>
            /shared state redis:\S+ available again after \d+s/.test(a.log()) ||
            undefined,
        );
        assert.equal(outageLines(a), 1);
        assert.equal(outageLines(b), 1);
      });

      await t.step(
        "mail C accepted is delivered when C restarts after kill -9",
        async () => {
          const load = startSmtpLoad(c.port, "load@example.test", [
            "bob@two.test",
          ], { host: c.address, count: 20, threads: 2 });
          await load.whenAcknowledged(5);
          await c.kill();
          await load.done;
          const fromC = load.acknowledged();
          assert.ok(fromC.length >= 5, `${fromC.length} acknowledged`);
          acknowledgedByC.push(...fromC);
          c = await startDaemon({
            home: c.home,
            address: c.address,
            port: c.port,
            params: { ...cParams, queue_run_delay: "1s" },
          });
          const copies = await allDelivered(
            maildir,
            acknowledgedByC,
            "every message C acknowledged",
          );
          // C delivered nothing before the kill, so nothing twice.
          assert.deepEqual(
            acknowledgedByC.filter((t) => copies.get(`test ${t}`) !== 1),
            [],
          );
          const names = await listFiles(join(maildir, "new"));
          assert.ok(names.some((n) => n.includes(".mx3.example.test")));
          await waitFor("C's queue to empty", async () => {
            const left = await Promise.all(
              ["incoming", "active", "deferred"].map((q) =>
                listFiles(join(c.queueDirectory, q))
              ),
            );
            return left.flat().length === 0 || undefined;
          });
        },
      );
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
      await redis.stop();
      for (const d of [a, b, c]) await Deno.remove(d.home, { recursive: true });
      await Deno.remove(shared, { recursive: true });
    }
  },
});
