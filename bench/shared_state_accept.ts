/**
 * Accept rate of one mailsrv host with the shared state in Redis against
 * the embedded SQLite store, measured in the same run
 * (`deno run -A bench/shared_state_accept.ts`).
 *
 * Each run starts mailsrv from source (the permission set and V8 flags of
 * `mailsrv start`) in a fresh temporary home and sends MESSAGES messages
 * of SIZE bytes over SESSIONS parallel sessions with Postfix's
 * `smtp-source`, one connection per message, to a local Maildir user. The
 * client (127.0.0.1) is outside mynetworks, so every message takes the
 * shared state's path as a stranger's mail does: the connection and
 * message rate counts (limits set high enough never to refuse), the
 * pop-before-smtp lookup and a greylist check of an already passed
 * triplet (warmed before timing). Redis is a private `redis-server` on
 * loopback without persistence. Runs alternate which backend goes first,
 * with a `sync` and SETTLE_S seconds between them; the rate is messages
 * whose final reply came back, per second of smtp-source's wall time.
 * Prints one line per run, the medians and the ratio redis/sqlite, and
 * the Redis commands per message (INFO commandstats), which shows the
 * store was on the path.
 *
 * Environment: MESSAGES (2000), SESSIONS (10), SIZE (1024), REPEATS (3),
 * SETTLE_S (3). Needs `smtp-source` (Debian `postfix`) and `redis-server`
 * with `redis-cli` (Debian `redis-server`).
 */
import { join } from "node:path";
import { selfCommand } from "../src/common/self_command.ts";

const env = (name: string, fallback: number) =>
  Number(Deno.env.get(name) ?? fallback);
const MESSAGES = env("MESSAGES", 2000);
const SESSIONS = env("SESSIONS", 10);
const SIZE = env("SIZE", 1024);
const REPEATS = env("REPEATS", 3);
const SETTLE_S = env("SETTLE_S", 3);
const SENDER = "stranger@client.example";
const RECIPIENT = "bench@localhost";

type Backend = "sqlite" | "redis";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${what} did not listen on ${port}`);
}

async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** Total commands Redis has served (INFO commandstats). */
async function redisCommands(port: number): Promise<number> {
  const info = await run("redis-cli", [
    "-p",
    String(port),
    "info",
    "commandstats",
  ]);
  let total = 0;
  for (const m of info.stdout.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
    if (m[1] !== "info") total += Number(m[2]);
  }
  return total;
}

function smtpSource(port: number, count: number, sessions: number) {
  return run("smtp-source", [
    "-s",
    String(sessions),
    "-m",
    String(count),
    "-l",
    String(SIZE),
    "-f",
    SENDER,
    "-t",
    RECIPIENT,
    "-M",
    "client.example",
    `127.0.0.1:${port}`,
  ]);
}

/** One timed run of one backend; messages per second. */
async function measure(backend: Backend, redisUrl: string): Promise<number> {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-accept-" });
  const port = freePort();
  const config = join(home, "mailsrv.toml");
  const params: Record<string, string | number> = {
    myhostname: "mx.bench.test",
    mydestination: "localhost",
    // The client (127.0.0.1) is a stranger: no mynetworks shortcut, and
    // not exempt from the rate counts.
    mynetworks: "192.0.2.0/24",
    queue_directory: join(home, "queue"),
    mail_spool_directory: `${join(home, "mail")}/`,
    local_recipient_maps: "",
    maillog_file: join(home, "maillog"),
    resolv_conf: join(home, "resolv.conf"),
    default_process_limit: 200,
    shared_state: backend === "redis" ? redisUrl : "",
    smtpd_recipient_restrictions:
      "permit_mynetworks, permit_pop_before_smtp, check_greylist",
    smtpd_greylist_delay: "0s",
    smtpd_greylist_auto_whitelist: 0,
    smtpd_client_connection_rate_limit: 1_000_000,
    smtpd_client_message_rate_limit: 1_000_000,
  };
  await Deno.writeTextFile(
    join(home, "resolv.conf"),
    "nameserver 127.0.0.1:9\n",
  );
  await Deno.writeTextFile(
    config,
    Object.entries(params).map(([k, v]) => `${k} = ${JSON.stringify(v)}\n`)
      .join("") +
      `\n[[listener]]\naddress = "127.0.0.1"\nport = ${port}\nkind = "smtp"\n`,
  );
  const self = selfCommand(["run", "--quiet", "--config", config]);
  const daemon = new Deno.Command(self.command, {
    args: self.args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(port, "mailsrv");
    // The first attempt of the triplet is greylisted, the retry passes;
    // every timed message is then a passed triplet.
    await smtpSource(port, 1, 1);
    const warm = await smtpSource(port, 1, 1);
    if (warm.code !== 0 || warm.stderr.trim() !== "") {
      throw new Error(`warm-up refused: ${warm.stderr.trim()}`);
    }
    await run("sync", []);
    await sleep(SETTLE_S * 1000);
    const start = performance.now();
    const sent = await smtpSource(port, MESSAGES, SESSIONS);
    const seconds = (performance.now() - start) / 1000;
    if (sent.code !== 0 || sent.stderr.trim() !== "") {
      throw new Error(
        `smtp-source failed (${backend}): ${
          sent.stderr.trim().split("\n").slice(0, 3).join("; ")
        }`,
      );
    }
    return MESSAGES / seconds;
  } finally {
    const stop = selfCommand(["stop", "--config", config]);
    await run(stop.command, stop.args);
    const stopped = await Promise.race([
      daemon.status.then(() => true),
      sleep(30_000).then(() => false),
    ]);
    if (!stopped) {
      daemon.kill("SIGKILL");
      await daemon.status;
    }
    await Deno.remove(home, { recursive: true });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const redisPort = freePort();
const redis = new Deno.Command("redis-server", {
  args: [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ],
  stdout: "null",
  stderr: "null",
}).spawn();
const rates: Record<Backend, number[]> = { sqlite: [], redis: [] };
let perMessage = 0;
try {
  await waitForPort(redisPort, "redis-server");
  const redisUrl = `redis://127.0.0.1:${redisPort}/0`;
  console.log(
    `# ${MESSAGES} messages of ${SIZE} bytes, ${SESSIONS} sessions, ` +
      `${REPEATS} repetitions`,
  );
  for (let r = 0; r < REPEATS; r++) {
    const order: Backend[] = r % 2 === 0
      ? ["sqlite", "redis"]
      : ["redis", "sqlite"];
    for (const backend of order) {
      const before = backend === "redis" ? await redisCommands(redisPort) : 0;
      const rate = await measure(backend, redisUrl);
      if (backend === "redis") {
        perMessage = ((await redisCommands(redisPort)) - before) /
          (MESSAGES + 2);
      }
      rates[backend].push(rate);
      console.log(`run ${r + 1} ${backend}: ${rate.toFixed(1)} msgs/s`);
    }
  }
} finally {
  redis.kill("SIGKILL");
  await redis.status;
}
const sqlite = median(rates.sqlite);
const redisRate = median(rates.redis);
console.log(`median sqlite: ${sqlite.toFixed(1)} msgs/s`);
console.log(`median redis:  ${redisRate.toFixed(1)} msgs/s`);
console.log(`ratio redis/sqlite: ${(redisRate / sqlite).toFixed(2)}`);
console.log(`redis commands per message: ${perMessage.toFixed(1)}`);
