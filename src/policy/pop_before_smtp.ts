/**
 * pop-before-smtp: which client addresses logged in to POP3 lately.
 *
 * DESCRIPTION
 *   A successful POP3 login records the client's IP address with the time;
 *   for `pop_before_smtp_window` seconds afterwards smtpd lets that address
 *   relay (`permit_pop_before_smtp` in `smtpd_relay_restrictions`), as the
 *   classic DRAC / pop-before-smtp add-ons do for Postfix.
 *
 *   The store is an SQLite database (`node:sqlite`), by default
 *   `<queue_directory>/private/pop-before-smtp.sqlite`, in WAL mode so the
 *   POP3 server (daemon or inetd) writes while smtpd reads. It survives a
 *   restart. On-disk format, version 1 (`PRAGMA user_version`): one table
 *   `login (address TEXT PRIMARY KEY, login_ms INTEGER)`, one row per
 *   address with its last login in milliseconds since the epoch. Rows older
 *   than the window are deleted opportunistically, at most once a minute,
 *   when smtpd asks.
 *
 *   Addresses are compared in one form: lower case, IPv4-mapped IPv6
 *   (`::ffff:192.0.2.1`) unwrapped, so both roles agree whatever their
 *   socket reported.
 *
 *   Used by the POP3 role (`record`) and smtpd (`allows`, once per
 *   connection). Needs read and write permission on the database file and
 *   its directory.
 *
 *   Does NOT decide relaying itself (smtpd's relay restrictions do), and
 *   keeps no history: only the last login per address.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

/** Options for `openPopBeforeSmtp`. */
export interface PopBeforeSmtpOptions {
  /** Clock in milliseconds since the epoch (tests inject one). */
  readonly now?: () => number;
}

/** An open pop-before-smtp store; close it when the role stops. */
export interface PopBeforeSmtp {
  /** Records a POP3 login from `address` now. */
  record(address: string): void;
  /**
   * Whether `address` logged in within the last `windowSeconds` seconds.
   * A window of 0 or less allows nothing.
   */
  allows(address: string, windowSeconds: number): boolean;
  /** Closes the database. */
  close(): void;
}

/** The version of the on-disk format this module writes. */
export const POP_BEFORE_SMTP_FORMAT = 1;

/** Where the store lives under a queue directory. */
export function popBeforeSmtpPath(queueDirectory: string): string {
  return join(queueDirectory, "private", "pop-before-smtp.sqlite");
}

/** Milliseconds between two prunes of expired rows. */
const PRUNE_INTERVAL_MS = 60_000;
/** How long a writer waits for another process's lock. */
const BUSY_TIMEOUT_MS = 2_000;

/** The one form of an address both roles record and look up. */
export function normalizeClientAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  return mapped ? mapped[1] : lower;
}

/**
 * Opens (creating if needed) the store at `path`; its directory is created
 * with mode 0700 when missing.
 * @throws Error when the database cannot be opened or has a newer format
 */
export function openPopBeforeSmtp(
  path: string,
  options: PopBeforeSmtpOptions = {},
): PopBeforeSmtp {
  const now = options.now ?? Date.now;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(path);
  try {
    prepareSchema(db, path);
  } catch (e) {
    db.close();
    throw e;
  }
  const upsert = db.prepare(
    "INSERT INTO login (address, login_ms) VALUES (?, ?) " +
      "ON CONFLICT (address) DO UPDATE SET login_ms = excluded.login_ms",
  );
  const select = db.prepare("SELECT login_ms FROM login WHERE address = ?");
  const prune = db.prepare("DELETE FROM login WHERE login_ms < ?");
  let lastPrune = -Infinity;

  return {
    record(address) {
      upsert.run(normalizeClientAddress(address), Math.floor(now()));
    },
    allows(address, windowSeconds) {
      if (!(windowSeconds > 0)) return false;
      const at = now();
      const windowMs = windowSeconds * 1000;
      if (at - lastPrune >= PRUNE_INTERVAL_MS) {
        lastPrune = at;
        prune.run(Math.floor(at - windowMs));
      }
      const login = loginTime(select, normalizeClientAddress(address));
      return login !== undefined && at - login <= windowMs;
    },
    close() {
      db.close();
    },
  };
}

function prepareSchema(db: DatabaseSync, path: string): void {
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA journal_mode = WAL");
  // A lost login after a power cut only means the user logs in again.
  db.exec("PRAGMA synchronous = NORMAL");
  const version = Number(
    (db.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version,
  );
  if (version > POP_BEFORE_SMTP_FORMAT) {
    throw new Error(
      `pop-before-smtp store "${path}" has format ${version}; this mailsrv reads up to ${POP_BEFORE_SMTP_FORMAT}`,
    );
  }
  db.exec(
    "CREATE TABLE IF NOT EXISTS login " +
      "(address TEXT PRIMARY KEY, login_ms INTEGER NOT NULL) WITHOUT ROWID",
  );
  if (version < POP_BEFORE_SMTP_FORMAT) {
    db.exec(`PRAGMA user_version = ${POP_BEFORE_SMTP_FORMAT}`);
  }
}

function loginTime(
  select: StatementSync,
  address: string,
): number | undefined {
  const row = select.get(address) as { login_ms: number } | undefined;
  return row === undefined ? undefined : Number(row.login_ms);
}
