/**
 * Queue surgery and upkeep from the command line: the shared engine of
 * `mailsrv queue delete|hold|release|requeue|purge|repair` and
 * `mailsrv postsuper -d|-h|-H|-r|-p|-s`.
 *
 * DESCRIPTION
 *   Surgery goes to the running daemon's queue manager (in batches that
 *   fit a control request), or is done here under the queue lock when the
 *   daemon is stopped (queue_access.ts). IDs named `-` are read from
 *   standard input, one per line, as postsuper reads them. Requests run
 *   in postsuper's order (ALL requests first, then by ID: delete,
 *   requeue, hold, release) and the totals are printed in its order at
 *   the end. Purge and repair run here in either case, leaving alone what
 *   a running daemon owns (queue_repair.ts).
 */
import type { Config } from "../config/types.ts";
import {
  checkStructure,
  createQueueSurgeon,
  purgeStaleFiles,
  type QueueName,
  QueueStore,
  type SurgeryOperation,
  type SurgeryReport,
  type SurgeryRequest,
} from "../queue/mod.ts";
import { besideDaemonOrLocked, viaDaemonOrLocked } from "./queue_access.ts";
import { surgeryLines, surgeryTotalLine, TOTAL_ORDER } from "./surgery_text.ts";
import { EXIT } from "./command.ts";

/** Bytes of queue IDs per control request: a request line is at most 4 KiB. */
const BATCH_BYTES = 3000;

/** One operation as given: IDs (or "-", or "ALL") and queues. */
export interface SurgeryWanted {
  readonly operation: SurgeryOperation;
  readonly names: readonly string[];
}

/** What a command prints and returns. */
export interface AdminOutput {
  /** One line of postsuper's output (standard error). */
  readonly line: (text: string) => void;
}

async function readStdinIds(): Promise<string[]> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/** Postfix's execution order: ALL first, then delete, requeue, hold, release. */
const BY_ID_ORDER: readonly SurgeryOperation[] = [
  "delete",
  "requeue",
  "hold",
  "release",
];

/** Splits what was asked into requests in postsuper's order. */
async function requestsFor(
  wanted: readonly SurgeryWanted[],
  queues: readonly QueueName[] | undefined,
  warn: (text: string) => void,
): Promise<{ request: SurgeryRequest; byId: boolean }[]> {
  const all: { request: SurgeryRequest; byId: boolean }[] = [];
  const byId: { request: SurgeryRequest; byId: boolean }[] = [];
  let stdin: string[] | undefined;
  const limit = queues ? { queues } : {};
  for (const operation of BY_ID_ORDER) {
    const names = wanted.filter((w) => w.operation === operation)
      .flatMap((w) => w.names);
    if (names.length === 0) continue;
    if (names.includes("ALL")) {
      if (names.length > 1) {
        warn(
          `postsuper: warning: option "${operation} ALL" will ignore other queue IDs`,
        );
      }
      all.push({ request: { operation, ids: "ALL", ...limit }, byId: false });
      continue;
    }
    const ids: string[] = [];
    for (const name of names) {
      if (name === "-") ids.push(...(stdin ??= await readStdinIds()));
      else ids.push(name);
    }
    let batch: string[] = [];
    let size = 0;
    const flush = () => {
      if (batch.length === 0) return;
      byId.push({ request: { operation, ids: batch, ...limit }, byId: true });
      batch = [];
      size = 0;
    };
    for (const id of ids) {
      // A name longer than a queue ID is refused anyway: shortened, it
      // cannot swell the request.
      const name = id.length > 64 ? id.slice(0, 64) + "…" : id;
      const bytes = new TextEncoder().encode(name).length + 3;
      if (size + bytes > BATCH_BYTES) flush();
      batch.push(name);
      size += bytes;
    }
    flush();
  }
  return [...all, ...byId];
}

/**
 * Carries out queue surgery and prints postsuper's lines.
 * @returns the exit code
 */
export async function runSurgery(
  config: Config,
  wanted: readonly SurgeryWanted[],
  queues: readonly QueueName[] | undefined,
  output: AdminOutput,
): Promise<number> {
  const requests = await requestsFor(wanted, queues, output.line);
  const totals = new Map<SurgeryOperation, number>();
  let failed = false;
  let store: QueueStore | undefined;
  for (const { request, byId } of requests) {
    const outcome = await viaDaemonOrLocked(
      config.queue_directory,
      { command: "queue-surgery", ...request },
      async () => {
        store ??= await QueueStore.open(config.queue_directory, {
          clearStaging: false,
        });
        return await createQueueSurgeon(store).perform(request);
      },
    );
    let report: SurgeryReport;
    if ("result" in outcome) report = outcome.result;
    else if (outcome.reply.ok) report = outcome.reply.report as SurgeryReport;
    else {
      output.line(`postsuper: fatal: ${outcome.reply.error}`);
      return EXIT.failure;
    }
    for (const line of surgeryLines(report, byId)) output.line(line);
    if (report.failed.length > 0) failed = true;
    totals.set(
      request.operation,
      (totals.get(request.operation) ?? 0) + report.count,
    );
  }
  for (const operation of TOTAL_ORDER) {
    for (
      const line of surgeryTotalLine(operation, totals.get(operation) ?? 0)
    ) {
      output.line(line);
    }
  }
  return failed ? EXIT.failure : EXIT.ok;
}

/** `purge` (postsuper -p): stale temporary files. */
export async function runPurge(
  config: Config,
  output: AdminOutput,
  verbose: boolean,
): Promise<number> {
  const purge = async (daemonRunning: boolean) => {
    const store = await QueueStore.open(config.queue_directory, {
      clearStaging: false,
    });
    return purgeStaleFiles(store, { daemonRunning });
  };
  const removed = await besideDaemonOrLocked(
    config.queue_directory,
    () => purge(false),
    () => purge(true),
  );
  if (verbose) {
    for (const name of removed) {
      output.line(`postsuper: removed file tmp/${name}`);
    }
  }
  return EXIT.ok;
}

/** `repair` (postsuper -s): the structure check. */
export async function runRepair(
  config: Config,
  output: AdminOutput,
): Promise<number> {
  const check = async (daemonRunning: boolean) => {
    const store = await QueueStore.open(config.queue_directory, {
      clearStaging: false,
    });
    return checkStructure(store, { daemonRunning });
  };
  const report = await besideDaemonOrLocked(
    config.queue_directory,
    () => check(false),
    () => check(true),
  );
  for (const { from, to, why } of report.moved) {
    output.line(`postsuper: warning: ${from}: ${why}; moved to corrupt/${to}`);
  }
  for (const path of report.removed) {
    output.line(`postsuper: removed ${path}`);
  }
  return EXIT.ok;
}
