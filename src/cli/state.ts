/**
 * `mailsrv state` — list and clear greylisting and pop-before-smtp entries.
 *
 * DESCRIPTION
 *   Works on the store `shared_state` names (the embedded SQLite file or
 *   Redis), with or without a running daemon:
 *
 *     state list [TABLE…] [--limit N]   one line per live entry:
 *                                       TABLE KEY VALUE expires-in
 *     state delete TABLE KEY            one entry (a greylisted triplet
 *                                       is "NETWORK SENDER RECIPIENT")
 *     state flush TABLE                 every entry of TABLE
 *
 *   TABLE is `greylist` (triplets), `greylist-client` (passes per client
 *   network, the auto-whitelist) or `pop-before-smtp` (addresses). The
 *   rate counters are not entries; they expire with their window.
 *
 *   Exit 0; 1 when a key was not there or the store is unavailable; 64
 *   for a usage mistake.
 */
import { openSharedState } from "../policy/open_shared_state.ts";
import type { SharedState } from "../policy/shared_state.ts";
import { type Command, EXIT } from "./command.ts";
import { configFor } from "./daemon_client.ts";

/** The tables an administrator may look at and clear. */
export const STATE_TABLES = [
  "greylist",
  "greylist-client",
  "pop-before-smtp",
] as const;

/** At most this many entries are listed or flushed per table and run. */
const MAX_ENTRIES = 100_000;

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}

/** The `state` subcommand. */
export const stateCommand: Command = {
  name: "state",
  summary: "list or clear greylisting and pop-before-smtp entries",
  usage:
    "state list [TABLE…] [--limit N] | state delete TABLE KEY | state flush TABLE [--config PATH]",
  description:
    `Lists or clears entries of the shared state (shared_state: the embedded
SQLite file or Redis). TABLE is greylist (triplets "NETWORK SENDER RECIPIENT"),
greylist-client (passes per client network) or pop-before-smtp (client
addresses). "list" prints TABLE, KEY, VALUE and the time left; "delete" removes
one entry, "flush" every entry of a table.`,
  options: { limit: { type: "string" } },
  maxOperands: 4,
  async run(context) {
    const [action, ...rest] = context.operands;
    const tables = new Set<string>(STATE_TABLES);
    const badTable = rest.slice(0, action === "list" ? undefined : 1)
      .find((t) => !tables.has(t));
    const usage = (why: string) => {
      context.warn(`mailsrv: ${why}; usage: mailsrv ${stateCommand.usage}`);
      return EXIT.usage;
    };
    if (badTable !== undefined) {
      return usage(
        `unknown table "${badTable}" (one of ${STATE_TABLES.join(", ")})`,
      );
    }
    const limitText = context.values.limit;
    const limit = typeof limitText === "string"
      ? Number(limitText)
      : MAX_ENTRIES;
    if (!Number.isInteger(limit) || limit < 1) {
      return usage(`--limit "${limitText}" is not a positive number`);
    }
    if (action === "delete" && rest.length !== 2) {
      return usage("delete takes TABLE and KEY");
    }
    if (action === "flush" && rest.length !== 1) {
      return usage("flush takes one TABLE");
    }
    if (!["list", "delete", "flush"].includes(action ?? "")) {
      return usage(`expected list, delete or flush, not "${action ?? ""}"`);
    }
    const config = await configFor(context);
    const state = openSharedState(config, "state");
    try {
      if (!await state.healthy()) {
        context.warn(
          `mailsrv: ${state.description} does not answer`,
        );
        return EXIT.failure;
      }
      return await perform(state, action, rest, limit, context);
    } finally {
      await state.close();
    }
  },
};

async function perform(
  state: SharedState,
  action: string,
  operands: readonly string[],
  limit: number,
  output: { print(text: string): void; warn(text: string): void },
): Promise<number> {
  if (action === "list") {
    const tables = operands.length > 0 ? operands : STATE_TABLES;
    for (const table of tables) {
      for (const entry of await state.list(table, limit)) {
        output.print(
          `${table}\t${entry.key}\t${entry.value}\t${seconds(entry.ttlMs)}\n`,
        );
      }
    }
    return EXIT.ok;
  }
  const [table, key] = operands;
  if (action === "delete") {
    if (await state.remove(table, key)) return EXIT.ok;
    output.warn(`mailsrv: ${table}: no entry "${key}"`);
    return EXIT.failure;
  }
  let removed = 0;
  for (const entry of await state.list(table, MAX_ENTRIES)) {
    if (await state.remove(table, entry.key)) removed++;
  }
  output.print(`mailsrv: ${table}: ${removed} entries removed\n`);
  return EXIT.ok;
}
