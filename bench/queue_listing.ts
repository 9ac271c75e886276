/**
 * Benchmark: `mailsrv queue` (postqueue -p) and `mailsrv queue --json` on
 * a queue of many messages.
 *
 * DESCRIPTION
 *   Builds a queue of COUNT messages (default 100,000, at most 1,000,000)
 *   in a temporary directory, written directly in the queue file format
 *   (no fsync: only the listing is measured): 80 % deferred, a third of
 *   them with a defer logfile, 10 % on hold, 5 % incoming, 5 % active,
 *   one to three recipients each. Then runs `mailsrv queue` and
 *   `mailsrv queue --json` from source (the binary's sandbox) with output
 *   to /dev/null, REPEATS times each, and prints the wall time and the
 *   CPU time (user + system, of the child and its threads, from
 *   /proc/self/stat's children times) of each run and their medians; the
 *   directory is removed at the end. On a shared machine the CPU time is
 *   the steadier figure: the wall time includes waiting for a core.
 *
 *   Run: tools/node_modules/.bin/deno run -A bench/queue_listing.ts
 *   Environment: COUNT (100000), REPEATS (3), KEEP=1 keeps the queue.
 */
import { join } from "node:path";
import { encodeWholeQueueFile } from "../src/queue/queue_file.ts";
import { formatDeferReasons } from "../src/queue/defer_reasons.ts";
import { createQueueIdGenerator } from "../src/queue/queue_id.ts";
import { mailsrvCommand } from "../tests/helpers/daemon.ts";

const MAX_COUNT = 1_000_000;
const count = Math.min(Number(Deno.env.get("COUNT") ?? 100_000), MAX_COUNT);
const repeats = Math.min(Number(Deno.env.get("REPEATS") ?? 3), 20);

const CONTENT = new TextEncoder().encode(
  "Subject: test\nFrom: a@example.org\n\n" + "x".repeat(1500) + "\n",
);

function queueOf(i: number): string {
  const r = i % 20;
  if (r < 16) return "deferred";
  if (r < 18) return "hold";
  return r === 18 ? "incoming" : "active";
}

/** Writes COUNT queue files under `dir`. */
function buildQueue(dir: string): void {
  for (const q of ["incoming", "active", "deferred", "hold", "defer"]) {
    Deno.mkdirSync(join(dir, q), { recursive: true, mode: 0o700 });
  }
  const nextId = createQueueIdGenerator();
  const arrival = Date.now() - 3 * 86_400_000;
  for (let i = 0; i < count; i++) {
    const id = nextId();
    const recipients = Array.from(
      { length: 1 + (i % 3) },
      (_, n) => `user${i}-${n}@dest${i % 50}.example.net`,
    );
    const file = encodeWholeQueueFile(
      id,
      arrival + i * 1000,
      {
        sender: `sender${i % 100}@example.org`,
        recipients,
        clientName: "mx.example.org",
        clientAddress: "192.0.2.1",
        helo: "mx.example.org",
        protocol: "ESMTP",
      },
      CONTENT,
    );
    const queue = queueOf(i);
    Deno.writeFileSync(join(dir, queue, id), file, { mode: 0o600 });
    if (queue === "deferred" && i % 3 === 0) {
      Deno.writeTextFileSync(
        join(dir, "defer", id),
        formatDeferReasons(recipients.map((recipient) => ({
          recipient,
          reason: `connect to dest${
            i % 50
          }.example.net[192.0.2.9]:25: Connection refused`,
        }))),
      );
    }
  }
}

/** CPU seconds (user + system) of the waited-for children so far. */
function childrenCpu(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // cutime and cstime, fields 16 and 17 of proc(5), in clock ticks (100/s).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Run {
  readonly wall: number;
  readonly cpu: number;
}

async function time(args: string[]): Promise<Run> {
  const [cmd, ...rest] = mailsrvCommand(args);
  const cpuBefore = childrenCpu();
  const start = performance.now();
  const out = await new Deno.Command(cmd, {
    args: rest,
    stdout: "null",
    stderr: "inherit",
  }).output();
  const wall = (performance.now() - start) / 1000;
  if (!out.success) throw new Error(`mailsrv ${args.join(" ")} failed`);
  return { wall, cpu: childrenCpu() - cpuBefore };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const home = await Deno.makeTempDir({ prefix: "mailsrv-bench-queue-" });
try {
  const queueDirectory = join(home, "queue");
  const configPath = join(home, "mailsrv.toml");
  await Deno.writeTextFile(
    configPath,
    `queue_directory = ${JSON.stringify(queueDirectory)}\n`,
  );
  const built = performance.now();
  buildQueue(queueDirectory);
  console.log(
    `built ${count} messages in ${
      ((performance.now() - built) / 1000).toFixed(1)
    } s`,
  );
  for (const args of [["queue"], ["queue", "--json"]]) {
    const runs: Run[] = [];
    for (let i = 0; i < repeats; i++) {
      runs.push(await time([...args, "--config", configPath]));
    }
    const show = (pick: (r: Run) => number) =>
      `${runs.map((r) => pick(r).toFixed(2)).join(" ")} s (median ${
        median(runs.map(pick)).toFixed(2)
      } s)`;
    console.log(`mailsrv ${args.join(" ")}: wall ${show((r) => r.wall)}`);
    console.log(`mailsrv ${args.join(" ")}: cpu  ${show((r) => r.cpu)}`);
  }
} finally {
  if (Deno.env.get("KEEP") !== "1") {
    await Deno.remove(home, { recursive: true });
  } else console.log(`kept ${home}`);
}
