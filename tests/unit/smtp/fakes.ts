/**
 * Test doubles for the smtpd adapter: an in-memory queue, a recipient
 * verifier, a scripted byte stream, and a maillog collector.
 */
import type { NewEnvelope, QueueWriter } from "../../../src/queue/types.ts";
import type { SmtpStream } from "../../../src/smtp/connection.ts";
import type { RecipientVerdict } from "../../../src/smtp/session.ts";
import { closeLogging, setupLogging } from "../../../src/log/maillog.ts";

const decoder = new TextDecoder();

/** One message as the fake queue saw it. */
export interface FakeMessage {
  readonly id: string;
  readonly envelope: NewEnvelope;
  /** Everything written, Received: header included. */
  content: string;
  /** Bytes written in total. */
  size: number;
  /** Number of write calls. */
  writes: number;
  state: "open" | "committed" | "aborted";
}

/** Failures the fake queue can be told to produce. */
export interface QueueFaults {
  open?: Error;
  /** Thrown by the write call with this index (0: the Received: header). */
  writeAt?: { index: number; error: Error };
  commit?: Error;
}

/** An in-memory queue behind `enqueue`, the gate. */
export class FakeQueue {
  readonly messages: FakeMessage[] = [];
  faults: QueueFaults = {};

  /**
   * @param events where `open`, `commit` and `abort` are recorded; share a
   *   stream's log to see them in order with the replies
   */
  constructor(readonly events: string[] = []) {}

  readonly open = (envelope: NewEnvelope): Promise<QueueWriter> => {
    if (this.faults.open) return Promise.reject(this.faults.open);
    const message: FakeMessage = {
      id: `QID${this.messages.length + 1}`,
      envelope,
      content: "",
      size: 0,
      writes: 0,
      state: "open",
    };
    this.messages.push(message);
    this.events.push(`open ${message.id}`);
    const faults = this.faults;
    const events = this.events;
    return Promise.resolve({
      id: message.id,
      get size() {
        return message.size;
      },
      write(chunk: Uint8Array): Promise<void> {
        if (faults.writeAt && faults.writeAt.index === message.writes) {
          return Promise.reject(faults.writeAt.error);
        }
        message.writes++;
        message.size += chunk.length;
        message.content += decoder.decode(chunk);
        return Promise.resolve();
      },
      commit(): Promise<void> {
        if (faults.commit) return Promise.reject(faults.commit);
        message.state = "committed";
        events.push(`commit ${message.id}`);
        return Promise.resolve();
      },
      abort(): Promise<void> {
        message.state = "aborted";
        events.push(`abort ${message.id}`);
        return Promise.resolve();
      },
    });
  };

  /** The committed messages' content after the Received: header. */
  bodies(): string[] {
    return this.messages.filter((m) => m.state === "committed").map((m) =>
      withoutReceived(m.content)
    );
  }
}

/** Drops the leading Received: header (its folded lines start with a tab). */
export function withoutReceived(content: string): string {
  return content.replace(/^Received: [^\n]*\n(?:\t[^\n]*\n)*/, "");
}

/** A verifier that knows `users` (local parts, any case) in every local domain. */
export function verifierFor(
  ...users: string[]
): (address: string) => Promise<RecipientVerdict> {
  const known = new Set(users.map((u) => u.toLowerCase()));
  return (address) => {
    const local = address.slice(0, address.lastIndexOf("@")).toLowerCase();
    return Promise.resolve(
      known.has(local) ? { ok: true } : {
        ok: false,
        code: 550,
        dsn: "5.1.1",
        text:
          "Recipient address rejected: User unknown in local recipient table",
      },
    );
  };
}

/**
 * A stream that hands out one scripted batch per read and records every
 * write, so a test sees which replies were written between two reads.
 * After the last batch it reports EOF, or, with `hang`, never answers.
 */
export class ScriptedStream implements SmtpStream {
  /** "read" and "write <text>" entries in the order they happened. */
  readonly log: string[] = [];
  closed = false;
  readonly #batches: Uint8Array[];
  #pending: ((n: number | null) => void) | null = null;

  constructor(batches: Array<string | Uint8Array>, readonly hang = false) {
    const encoder = new TextEncoder();
    this.#batches = batches.map((b) =>
      typeof b === "string" ? encoder.encode(b) : b
    );
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.closed) {
      return Promise.reject(new Deno.errors.BadResource("closed"));
    }
    this.log.push("read");
    const batch = this.#batches.shift();
    if (batch === undefined) {
      if (!this.hang) return Promise.resolve(null);
      return new Promise((resolve) => this.#pending = resolve);
    }
    const n = Math.min(batch.length, buffer.length);
    buffer.set(batch.subarray(0, n));
    if (n < batch.length) this.#batches.unshift(batch.subarray(n));
    return Promise.resolve(n);
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.closed) {
      return Promise.reject(new Deno.errors.BadResource("closed"));
    }
    this.log.push(`write ${decoder.decode(bytes)}`);
    return Promise.resolve(bytes.length);
  }

  close(): void {
    this.closed = true;
    this.#pending?.(null);
  }

  /** The text of all writes, concatenated. */
  output(): string {
    return this.log.filter((e) => e.startsWith("write ")).map((e) => e.slice(6))
      .join("");
  }

  /** The writes between consecutive reads: one entry per read, plus the greeting. */
  writesPerBatch(): string[][] {
    const groups: string[][] = [[]];
    for (const entry of this.log) {
      if (entry === "read") groups.push([]);
      else if (entry.startsWith("write ")) {
        groups[groups.length - 1].push(entry.slice(6));
      }
    }
    return groups;
  }
}

/** Collects maillog lines (program and text, no timestamp) while `fn` runs. */
export async function collectMaillog(
  fn: () => Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  await setupLogging({
    hostname: "test",
    stderr: false,
    sink: (line) =>
      lines.push(
        line.replace(/^.*? mailsrv\/([a-z]+)\[\d+\]: /, "$1: ").trimEnd(),
      ),
  });
  try {
    await fn();
  } finally {
    await closeLogging();
  }
  return lines;
}
