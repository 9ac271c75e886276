/**
 * `mailsrv postsuper` — Postfix's postsuper flags, for scripts and
 * fingers that know them: -d, -h, -H, -r ID|ALL|- (repeatable), -p, -s,
 * -v, and queue names after the options.
 *
 * DESCRIPTION
 *   Parsed here, not by the common option table, because postsuper's -h
 *   is "hold", not "help" (--help still helps; -c names mailsrv's
 *   configuration file, not a Postfix config_dir). Does what
 *   `mailsrv queue delete|hold|release|requeue|purge|repair` do, through
 *   the same engine (queue_surgery.ts); with no flag at all it checks
 *   the structure and purges, as postsuper does.
 */
import { type Command, EXIT, UsageError } from "./command.ts";
import { configFor } from "./daemon_client.ts";
import {
  type QueueName,
  SURGERY_QUEUE_NAMES,
  type SurgeryOperation,
} from "../queue/mod.ts";
import {
  runPurge,
  runRepair,
  runSurgery,
  type SurgeryWanted,
} from "./queue_surgery.ts";

const FLAG_OPERATION: Record<string, SurgeryOperation> = {
  d: "delete",
  h: "hold",
  H: "release",
  r: "requeue",
};

const USAGE = "postsuper [-c CONFIG] [-d ID] [-h ID] [-H ID] [-p] " +
  "[-r ID] [-s] [-v] [QUEUE…]";

/** Postfix-style getopt for "c:d:h:H:pr:sSv". */
export function parsePostsuperArgs(args: readonly string[]): {
  values: Record<string, string | boolean | string[]>;
  operands: string[];
} {
  const values: Record<string, string | boolean | string[]> = {};
  const operands: string[] = [];
  const wanted: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg === "--help") {
      values.help = true;
      continue;
    }
    if (arg.startsWith("--config=")) {
      values.config = arg.slice(9);
      continue;
    }
    if (arg === "--config") {
      if (i + 1 >= args.length) {
        throw new UsageError(`option "${arg}" needs a path`);
      }
      values.config = args[++i];
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      // GNU getopt order: options may follow operands.
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j];
      if (flag === "c" || flag in FLAG_OPERATION) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
        if (value === undefined) {
          throw new UsageError(`option "-${flag}" needs a value`);
        }
        if (flag === "c") values.config = value;
        else wanted.push(`${flag}\u0000${value}`);
        break;
      }
      if (flag === "p") values.purge = true;
      else if (flag === "s" || flag === "S") values.structure = true;
      else if (flag === "v") values.verbose = true;
      else throw new UsageError(`unknown option "-${flag}"`);
    }
  }
  values.wanted = wanted;
  for (const queue of operands) {
    if (!SURGERY_QUEUE_NAMES.includes(queue as QueueName)) {
      throw new UsageError(`invalid directory name "${queue}"`);
    }
  }
  return { values, operands };
}

/** The `postsuper` subcommand. */
export const postsuperCommand: Command = {
  name: "postsuper",
  summary: "queue surgery with Postfix's postsuper flags",
  usage: USAGE,
  description:
    `Postfix's postsuper on the mailsrv queue; see "mailsrv help queue" for
what each operation does and how it stays safe while the daemon delivers.

  -d ID   delete (default queues: maildrop, incoming, active, deferred, hold)
  -h ID   put on hold (incoming, active, deferred)
  -H ID   release from hold
  -r ID   requeue: deliver again now, routed anew (incoming, active,
          deferred, hold)
  -p      purge temporary files older than a day
  -s      structure check: misplaced or unreadable files to corrupt/
  -v      report the files -p removes

ID is a queue ID, "-" (IDs from standard input) or ALL (upper case only);
each flag may be repeated. Queue names after the options limit the
operations to those queues. With no flag, -s and -p are done. Output on
standard error, as postsuper's ("postsuper: ID: removed", "postsuper:
Deleted: 1 message"). Use --help for this text (-h is hold).`,
  options: {},
  maxOperands: Infinity,
  parse: parsePostsuperArgs,
  async run(context) {
    const config = await configFor(context);
    const output = { line: context.warn };
    const wanted: SurgeryWanted[] = (context.values.wanted as string[]).map(
      (entry) => {
        const [flag, name] = entry.split("\u0000");
        return { operation: FLAG_OPERATION[flag], names: [name] };
      },
    );
    const queues = context.operands.length > 0
      ? context.operands as QueueName[]
      : undefined;
    let code: number = EXIT.ok;
    const structure = context.values.structure === true;
    const purge = context.values.purge === true;
    const nothing = wanted.length === 0 && !structure && !purge;
    if (structure || nothing) {
      code = Math.max(code, await runRepair(config, output));
    }
    if (purge || nothing) {
      code = Math.max(
        code,
        await runPurge(config, output, context.values.verbose === true),
      );
    }
    if (wanted.length > 0) {
      code = Math.max(code, await runSurgery(config, wanted, queues, output));
    }
    return code;
  },
};
