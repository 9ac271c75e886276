/**
 * The embedded shared-state store: SQLite through `node:sqlite`.
 *
 * DESCRIPTION
 *   Implements `SharedState` (`shared_state.ts`) in one database file,
 *   by default `<queue_directory>/private/shared-state.sqlite`, in WAL
 *   mode so that several processes (the daemon's roles, an inetd pop3d)
 *   can use it at once. It survives restarts.
 *
 *   On-disk format, version 1 (`PRAGMA user_version`):
 *
 *     entry (tbl TEXT, key TEXT, value TEXT, expires_ms INTEGER,
 *            PRIMARY KEY (tbl, key))
 *     event (tbl TEXT, key TEXT, at_ms INTEGER)   one row per counted event
 *
 *   Expired entries and events older than their window are deleted at
 *   most once a minute, when the store is used, so it stays bounded.
 *
 *   Needs read and write permission on the file and its directory.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { SharedState } from "./shared_state.ts";

/** The version of the on-disk format this module writes. */
export const SHARED_STATE_FORMAT = 1;

/** Where the store lives under a queue directory. */
export function sharedStatePath(queueDirectory: string): string {
  return join(queueDirectory, "private", "shared-state.sqlite");
}

const PRUNE_INTERVAL_MS = 60_000;
/** Events are kept this long at most (the longest rate window). */
const EVENT_HORIZON_MS = 86_400_000;

/**
 * Opens (creating if needed) the store at `path`.
 * @param now clock for pruning (tests inject one)
 * @throws Error when the database cannot be opened or has a newer format
 */
export function openSqliteState(
  path: string,
  now: () => number = Date.now,
): SharedState {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA busy_timeout = 2000");
    db.exec("PRAGMA journal_mode = WAL");
    // Losing the last seconds of greylist state after a power cut only
    // means a client is greylisted once more.
    db.exec("PRAGMA synchronous = NORMAL");
    const version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
    );
    if (version > SHARED_STATE_FORMAT) {
      throw new Error(
        `shared state "${path}" has format ${version}; this mailsrv reads up to ${SHARED_STATE_FORMAT}`,
      );
    }
    db.exec(
      "CREATE TABLE IF NOT EXISTS entry (tbl TEXT NOT NULL, key TEXT NOT NULL, " +
        "value TEXT NOT NULL, expires_ms INTEGER NOT NULL, " +
        "PRIMARY KEY (tbl, key)) WITHOUT ROWID",
    );
    db.exec(
      "CREATE TABLE IF NOT EXISTS event (tbl TEXT NOT NULL, key TEXT NOT NULL, " +
        "at_ms INTEGER NOT NULL)",
    );
    db.exec(
      "CREATE INDEX IF NOT EXISTS event_key ON event (tbl, key, at_ms)",
    );
    db.exec(`PRAGMA user_version = ${SHARED_STATE_FORMAT}`);
  } catch (e) {
    db.close();
    throw e;
  }
  const select = db.prepare(
    "SELECT value FROM entry WHERE tbl = ? AND key = ? AND expires_ms > ?",
  );
  const upsert = db.prepare(
    "INSERT INTO entry (tbl, key, value, expires_ms) VALUES (?, ?, ?, ?) " +
      "ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, " +
      "expires_ms = excluded.expires_ms",
  );
  const addEvent = db.prepare(
    "INSERT INTO event (tbl, key, at_ms) VALUES (?, ?, ?)",
  );
  const countEvents = db.prepare(
    "SELECT COUNT(*) AS n FROM event WHERE tbl = ? AND key = ? AND at_ms > ?",
  );
  const pruneEntries = db.prepare("DELETE FROM entry WHERE expires_ms <= ?");
  const pruneEvents = db.prepare("DELETE FROM event WHERE at_ms <= ?");
  let lastPrune = -Infinity;
  const prune = () => {
    const at = now();
    if (at - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = at;
    pruneEntries.run(Math.floor(at));
    pruneEvents.run(Math.floor(at - EVENT_HORIZON_MS));
  };

  return {
    get(table, key) {
      prune();
      const row = select.get(table, key, Math.floor(now())) as
        | { value: string }
        | undefined;
      return Promise.resolve(row?.value);
    },
    put(table, key, value, expiresAtMs) {
      prune();
      upsert.run(table, key, value, Math.floor(expiresAtMs));
      return Promise.resolve();
    },
    count(table, key, nowMs, windowMs) {
      prune();
      addEvent.run(table, key, Math.floor(nowMs));
      const row = countEvents.get(table, key, Math.floor(nowMs - windowMs)) as {
        n: number;
      };
      return Promise.resolve(Number(row.n));
    },
    close() {
      db.close();
    },
  };
}
