/**
 * Fakes for the pop3d adapter tests: an authenticator with a fixed user
 * table, an in-memory maildrop that records what the session did with
 * it, and an in-memory byte stream.
 */
import type {
  Maildrop,
  MessageReader,
  Pop3Account,
  Pop3Deps,
} from "../../../src/pop3/types.ts";
import { MaildropBusyError } from "../../../src/pop3/types.ts";
import type { Pop3Stream } from "../../../src/pop3/server.ts";
import type { Config } from "../../../src/config/types.ts";
import { listingOf } from "../../../src/pop3/maildrop_listing.ts";

const enc = new TextEncoder();

/** What a fake maildrop was asked to do. */
export interface MaildropRecord {
  committed: ReadonlySet<number> | null;
  released: number;
  /** How many times the session asked for the snapshot. */
  scans: number;
}

/** Fake deps: `alice`/`secret` owns `messages`; `busy`/`secret` is locked. */
export function fakeDeps(
  config: Config,
  messages: readonly string[],
  options: { failCommit?: boolean } = {},
): Pop3Deps & { record: MaildropRecord; logins: string[] } {
  const record: MaildropRecord = { committed: null, released: 0, scans: 0 };
  const logins: string[] = [];
  const account = (login: string): Pop3Account => ({
    login,
    user: login,
    domain: "",
    mailbox: { format: "maildir", path: "/nonexistent" },
  });
  return {
    record,
    logins,
    config: () => config,
    authenticate: (login, password) =>
      Promise.resolve(
        password === "secret" && (login === "alice" || login === "busy")
          ? account(login)
          : undefined,
      ),
    openMaildrop: (a) =>
      a.login === "busy"
        ? Promise.reject(new MaildropBusyError("locked"))
        : Promise.resolve(fakeMaildrop(messages, record, options.failCommit)),
    loginSucceeded: (a, client) => logins.push(`${a.login} ${client.address}`),
  };
}

function fakeMaildrop(
  messages: readonly string[],
  record: MaildropRecord,
  failCommit = false,
): Maildrop {
  return {
    scan: () =>
      Promise.resolve(record.scans++).then(() =>
        listingOf(messages.map((m, i) => ({
          uidl: `uid${i + 1}`,
          size: enc.encode(m.replace(/\r?\n/g, "\r\n")).length,
        })))
      ),
    retrieve(index) {
      if (index < 0 || index >= messages.length) {
        throw new RangeError(`No message with index ${index}`);
      }
      const bytes = enc.encode(messages[index]);
      let at = 0;
      // Odd-sized reads: lines and CRLFs are split across them.
      return {
        read(buffer) {
          if (at >= bytes.length) return null;
          const piece = bytes.subarray(at, at + Math.min(7, buffer.length));
          buffer.set(piece);
          at += piece.length;
          return piece.length;
        },
        close() {
          at = bytes.length;
        },
      };
    },
    commit(deleted) {
      if (failCommit) return Promise.reject(new Error("disk full"));
      record.committed = deleted;
      return Promise.resolve();
    },
    release() {
      record.released++;
      return Promise.resolve();
    },
  };
}

/** A Pop3Stream that reads `input` (in one chunk), then EOF, and keeps what is written. */
export function memoryStream(input: string): Pop3Stream & { output(): string } {
  let pending: Uint8Array | null = enc.encode(input);
  const written: Uint8Array[] = [];
  return {
    read(buffer) {
      if (pending === null || pending.length === 0) {
        return Promise.resolve(null);
      }
      const n = Math.min(buffer.length, pending.length);
      buffer.set(pending.subarray(0, n));
      pending = pending.subarray(n);
      return Promise.resolve(n);
    },
    write(bytes) {
      written.push(bytes.slice());
      return Promise.resolve(bytes.length);
    },
    close() {
      pending = null;
    },
    output: () => written.map((b) => new TextDecoder().decode(b)).join(""),
  };
}

/** Reads a whole message, 7 bytes at a time (lines split across reads). */
export function readMessage(reader: MessageReader): string {
  const buffer = new Uint8Array(7);
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  try {
    for (let i = 0; i < 1_000_000; i++) {
      const count = reader.read(buffer);
      if (count === null) break;
      chunks.push(decoder.decode(buffer.subarray(0, count), { stream: true }));
    }
  } finally {
    reader.close();
  }
  return chunks.join("") + decoder.decode();
}
