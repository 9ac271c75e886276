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
 *   An entry lives until `expires_ms` (now plus the caller's time to
 *   live): reads never see it after that, exactly as Redis's own expiry
 *   behaves, so both stores pass one conformance suite
 *   (tests/unit/policy/shared_state_conformance.ts). The rows themselves
 *   are deleted at most once a minute when the store is used, and a
 *   key's events older than its window when it is counted, so the file
 *   stays bounded. Calls that read and then write run in one immediate
 *   transaction, so processes sharing the file never lose an update.
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
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    // A sandboxed role may write the file but not its directory, which
    // the master made at start; anything else is a real failure.
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
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
  const at = () => Math.floor(now());
  const select = db.prepare(
    "SELECT value FROM entry WHERE tbl = ? AND key = ? AND expires_ms > ?",
  );
  const upsert = db.prepare(
    "INSERT INTO entry (tbl, key, value, expires_ms) VALUES (?, ?, ?, ?) " +
      "ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, " +
      "expires_ms = excluded.expires_ms",
  );
  const extend = db.prepare(
    "UPDATE entry SET expires_ms = ? WHERE tbl = ? AND key = ? AND expires_ms > ?",
  );
  const removeEntry = db.prepare(
    "DELETE FROM entry WHERE tbl = ? AND key = ? AND expires_ms > ?",
  );
  const listEntries = db.prepare(
    "SELECT key, value, expires_ms FROM entry WHERE tbl = ? AND expires_ms > ? " +
      "ORDER BY key LIMIT ?",
  );
  const addEvent = db.prepare(
    "INSERT INTO event (tbl, key, at_ms) VALUES (?, ?, ?)",
  );
  const dropOldEvents = db.prepare(
    "DELETE FROM event WHERE tbl = ? AND key = ? AND at_ms <= ?",
  );
  const countEvents = db.prepare(
    "SELECT COUNT(*) AS n FROM event WHERE tbl = ? AND key = ? AND at_ms > ?",
  );
  const pruneEntries = db.prepare("DELETE FROM entry WHERE expires_ms <= ?");
  const pruneEvents = db.prepare("DELETE FROM event WHERE at_ms <= ?");
  let lastPrune = -Infinity;
  const prune = () => {
    const t = at();
    if (t - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = t;
    pruneEntries.run(t);
    pruneEvents.run(t - EVENT_HORIZON_MS);
  };
  const live = (table: string, key: string, t: number) =>
    (select.get(table, key, t) as { value: string } | undefined)?.value;
  // One write transaction: other processes on the file wait (busy_timeout),
  // so a read and the write that depends on it are one step.
  const atomically = <T>(body: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      db.exec("COMMIT");
      return result;
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  };

  return {
    description: `sqlite:${path}`,
    get(table, key) {
      prune();
      return Promise.resolve(live(table, key, at()));
    },
    put(table, key, value, ttlMs) {
      prune();
      upsert.run(table, key, value, at() + Math.ceil(ttlMs));
      return Promise.resolve();
    },
    putIfAbsent(table, key, value, ttlMs) {
      prune();
      return Promise.resolve(atomically(() => {
        const t = at();
        const old = live(table, key, t);
        if (old === undefined) {
          upsert.run(table, key, value, t + Math.ceil(ttlMs));
        }
        return old;
      }));
    },
    touch(table, key, ttlMs) {
      const t = at();
      extend.run(t + Math.ceil(ttlMs), table, key, t);
      return Promise.resolve();
    },
    increment(table, key, ttlMs) {
      prune();
      return Promise.resolve(atomically(() => {
        const t = at();
        const next = (Number(live(table, key, t) ?? "0") || 0) + 1;
        upsert.run(table, key, String(next), t + Math.ceil(ttlMs));
        return next;
      }));
    },
    count(table, key, nowMs, windowMs) {
      prune();
      return Promise.resolve(atomically(() => {
        const since = Math.floor(nowMs - windowMs);
        dropOldEvents.run(table, key, since);
        addEvent.run(table, key, Math.floor(nowMs));
        const row = countEvents.get(table, key, since) as { n: number };
        return Number(row.n);
      }));
    },
    remove(table, key) {
      const result = removeEntry.run(table, key, at());
      return Promise.resolve(Number(result.changes) > 0);
    },
    list(table, limit) {
      const t = at();
      const rows = listEntries.all(table, t, limit) as Array<
        { key: string; value: string; expires_ms: number }
      >;
      return Promise.resolve(rows.map((r) => ({
        key: r.key,
        value: r.value,
        ttlMs: Number(r.expires_ms) - t,
      })));
    },
    healthy() {
      return Promise.resolve(db.isOpen);
    },
    close() {
      if (db.isOpen) db.close();
      return Promise.resolve();
    },
  };
}
