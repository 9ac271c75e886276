/**
 * Benchmark: what a big deferred queue costs the running daemon.
 *
 * DESCRIPTION
 *   For each COUNT in COUNTS (default 100 10000 50000 100000, at most
 *   1,000,000) builds a queue of that many messages in deferred/ of a
 *   fresh home, written directly in the queue file format (no fsync), a
 *   third with a defer logfile, one recipient each at a remote domain:
 *
 *     DUE_PERCENT (1)     retry time an hour ago: due at start
 *     LATER_PERCENT (1)   retry time LATER_S (25) seconds after the
 *                         daemon is launched (set once the queue is
 *                         built): due in a timed queue run
 *     the rest            retry time a day ahead: not due
 *
 *   Then starts `mailsrv run` from source with the binary's sandbox (as
 *   tests/helpers/daemon.ts does), with defer_transports = smtp (every
 *   attempt defers at once, no network) and queue_run_delay = RUN_DELAY_S
 *   (10) seconds, and prints:
 *
 *     ready_s       launch until the control socket answers ping and the
 *                   SMTP port accepts
 *     start_run_s   launch until every due message was tried (its
 *                   `status=deferred` maillog line), and the daemon's CPU
 *                   seconds (user + system, all threads) until then
 *     rss_*_mb      resident size (VmRSS) at ready, SETTLE_S (8) seconds
 *                   after the start run, and SETTLE_S after the timed run
 *                   that took the LATER messages; peak (VmHWM)
 *     quiet_cpu_s   the daemon's CPU seconds (all threads) during the
 *                   SETTLE_S after the timed run: what a quiet daemon
 *                   with a big deferred queue costs (with MAX_IDLE_S
 *                   below SETTLE_S, the queue manager's check whether it
 *                   may retire falls into it)
 *     per_run       system calls per timed queue run, from `strace -f -c`
 *                   attached from the end of the start run until the LATER
 *                   messages were tried: openat, stat calls (statx,
 *                   newfstatat), readlink, getdents64, divided by the
 *                   runs in that window (its length / queue_run_delay)
 *
 *   MAX_IDLE_S sets max_idle (default: mailsrv's, 100 s).
 *
 *   Stopped with `mailsrv stop` after each count; homes are removed
 *   unless KEEP=1. Needs strace (STRACE=0 skips the system call count).
 *   Every wait is bounded (LIMIT_S, 600 s).
 *
 *   Run: tools/node_modules/.bin/deno run -A bench/deferred_growth.ts
 */
import { join } from "node:path";
import { encodeWholeQueueFile } from "../src/queue/queue_file.ts";
import { formatDeferReasons } from "../src/queue/defer_reasons.ts";
import { createQueueIdGenerator } from "../src/queue/queue_id.ts";
import { controlRequest } from "../src/master/control.ts";
import {
  freePort,
  mailsrvCommand,
  runMailsrv,
} from "../tests/helpers/daemon.ts";

const env = (name: string, fallback: number) =>
  Number(Deno.env.get(name) ?? fallback);
const counts = (Deno.env.get("COUNTS") ?? "100 10000 50000 100000")
  .split(/\s+/).filter(Boolean).map((n) => Math.min(Number(n), 1_000_000));
const duePercent = env("DUE_PERCENT", 1);
const laterPercent = env("LATER_PERCENT", 1);
const laterS = env("LATER_S", 25);
const runDelayS = env("RUN_DELAY_S", 10);
const settleS = env("SETTLE_S", 8);
const limitS = env("LIMIT_S", 600);
const useStrace = Deno.env.get("STRACE") !== "0";
const maxIdleS = Deno.env.get("MAX_IDLE_S");

const CONTENT = new TextEncoder().encode(
  "Subject: test\nFrom: a@example.org\n\n" + "x".repeat(1500) + "\n",
);

/**
 * Writes `count` deferred messages; returns how many are due, and the
 * paths of those due later (their retry time is set just before launch).
 */
function buildQueue(dir: string, count: number) {
  for (const q of ["deferred", "defer"]) {
    Deno.mkdirSync(join(dir, q), { recursive: true, mode: 0o700 });
  }
  const nextId = createQueueIdGenerator();
  const now = Date.now();
  const arrival = now - 86_400_000;
  let due = 0;
  const later: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = nextId();
    const recipient = `user${i}@dest${i % 50}.example.net`;
    const file = encodeWholeQueueFile(id, arrival + i, {
      sender: `sender${i % 100}@example.org`,
      recipients: [recipient],
      clientName: "mx.example.org",
      clientAddress: "192.0.2.1",
      helo: "mx.example.org",
      protocol: "ESMTP",
    }, CONTENT);
    const path = join(dir, "deferred", id);
    Deno.writeFileSync(path, file, { mode: 0o600 });
    // Spread over the directory, so no scan order finds them first.
    const kind = i % 100;
    const retry = kind < duePercent
      ? (due++, now - 3_600_000)
      : kind >= 100 - laterPercent
      ? (later.push(path), now + 86_400_000)
      : now + 86_400_000;
    Deno.utimeSync(path, new Date(retry), new Date(retry));
    if (i % 3 === 0) {
      Deno.writeTextFileSync(
        join(dir, "defer", id),
        formatDeferReasons([{ recipient, reason: "connect: refused" }]),
      );
    }
  }
  return { due, later };
}

function status(pid: number): Record<string, number> {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) =>
    Number(text.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"))?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** CPU seconds (user + system, all threads) of process `pid`. */
function cpu(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean | Promise<boolean>) {
  const end = Date.now() + limitS * 1000;
  while (!await probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function deferredLines(maillog: string): number {
  try {
    return Deno.readTextFileSync(maillog).split("status=deferred").length - 1;
  } catch {
    return 0;
  }
}

const SYSCALLS = ["openat", "statx", "newfstatat", "readlink", "getdents64"];

/** Per-syscall counts from an `strace -c` summary. */
function straceCounts(summary: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of summary.split("\n")) {
    const f = line.trim().split(/\s+/);
    const name = f[f.length - 1];
    if (SYSCALLS.includes(name)) counts[name] = Number(f[3]);
  }
  return counts;
}

async function measure(count: number) {
  const home = await Deno.makeTempDir({ prefix: "mailsrv-bench-growth-" });
  const queueDirectory = join(home, "queue");
  const maillog = join(home, "maillog");
  const configPath = join(home, "mailsrv.toml");
  const port = freePort();
  await Deno.writeTextFile(
    join(home, "resolv.conf"),
    "nameserver 127.0.0.1:9\n",
  );
  await Deno.writeTextFile(
    configPath,
    [
      `myhostname = "mx.bench.test"`,
      `mydestination = "localhost"`,
      `queue_directory = ${JSON.stringify(queueDirectory)}`,
      `mail_spool_directory = ${JSON.stringify(join(home, "mail") + "/")}`,
      `maillog_file = ${JSON.stringify(maillog)}`,
      `resolv_conf = ${JSON.stringify(join(home, "resolv.conf"))}`,
      `defer_transports = "smtp"`,
      `queue_run_delay = "${runDelayS}s"`,
      ...(maxIdleS ? [`max_idle = "${Number(maxIdleS)}s"`] : []),
      `[[listener]]`,
      `address = "127.0.0.1"`,
      `port = ${port}`,
      `kind = "smtp"`,
    ].join("\n") + "\n",
  );
  const built = performance.now();
  const { due, later: laterPaths } = buildQueue(queueDirectory, count);
  const buildS = (performance.now() - built) / 1000;
  new Deno.Command("sync").outputSync();
  // The later messages fall due LATER_S after launch, however long the
  // build took on a busy machine.
  const laterMs = Date.now() + laterS * 1000;
  for (const path of laterPaths) {
    Deno.utimeSync(path, new Date(laterMs), new Date(laterMs));
  }
  const later = laterPaths.length;

  const [cmd, ...args] = mailsrvCommand(["run", "--config", configPath]);
  const launched = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const pid = child.pid;
  const row: Record<string, string | number> = { count, due, later };
  try {
    await until("ready", async () => {
      try {
        const reply = await controlRequest(queueDirectory, "ping", 1000);
        if (!reply.ok) return false;
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return true;
      } catch {
        return false;
      }
    });
    row.ready_s = (performance.now() - launched) / 1000;
    row.rss_ready_mb = status(pid).rss;
    await until("the start run", () => deferredLines(maillog) >= due);
    row.start_run_s = (performance.now() - launched) / 1000;
    row.start_cpu_s = cpu(pid);
    await sleep(settleS * 1000);
    row.rss_after_start_mb = status(pid).rss;

    let strace: Deno.ChildProcess | undefined;
    const straceOut = join(home, "strace.txt");
    const windowStart = performance.now();
    if (useStrace) {
      strace = new Deno.Command("strace", {
        args: ["-f", "-c", "-o", straceOut, "-p", String(pid)],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await sleep(500);
    }
    await until("the later run", () => deferredLines(maillog) >= due + later);
    const windowS = (performance.now() - windowStart) / 1000;
    if (strace) {
      strace.kill("SIGINT");
      await strace.status;
      const runs = Math.max(1, Math.round(windowS / runDelayS));
      const counted = straceCounts(Deno.readTextFileSync(straceOut));
      row.runs_in_window = runs;
      for (const name of SYSCALLS) {
        row[`${name}_per_run`] = Math.round((counted[name] ?? 0) / runs);
      }
    }
    const quietFrom = cpu(pid);
    await sleep(settleS * 1000);
    row.quiet_cpu_s = cpu(pid) - quietFrom;
    const after = status(pid);
    row.rss_after_run_mb = after.rss;
    row.rss_peak_mb = after.hwm;
    row.build_s = buildS;
  } finally {
    await runMailsrv(["stop", "--config", configPath]);
    await child.status;
    if (Deno.env.get("KEEP") === "1") console.log(`kept ${home}`);
    else await Deno.remove(home, { recursive: true });
  }
  return row;
}

for (const count of counts) {
  const row = await measure(count);
  console.log(
    Object.entries(row).map(([k, v]) =>
      `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : v}`
    ).join(" "),
  );
}
