/**
 * Runs one delivery child process: feed it the message, bound its output,
 * enforce the time limit, report how it ended.
 *
 * DESCRIPTION
 *   Shared by the command agent (`command.ts`, Postfix's pipe_command) and
 *   the privileged file writer (`file_target.ts`):
 *
 *   - the child starts in a session and process group of its own, with
 *     exactly the environment given (nothing of the daemon's leaks);
 *   - standard input receives `prefix` and then the message content,
 *     streamed chunk by chunk. A child that stops reading (EPIPE) is not an
 *     error by itself: its exit status decides. A failure to read the
 *     queue file is, and kills the child (temporary 4.3.0);
 *   - standard output and standard error are read as they come; the first
 *     `outputLimit` bytes are kept for the reason text, the rest dropped;
 *   - after `timeLimitSeconds` the whole process group gets SIGTERM and,
 *     2 s later, SIGKILL (Postfix kills the group too, so a pipeline's
 *     members do not outlive the shell).
 *
 *   Deno's `detached` option puts the child in a new session (setsid), so
 *   the negative pid names its group. This module does not interpret exit
 *   statuses (`sysexits.ts`) or choose users (`privileges.ts`).
 */
import type { ChildEnd } from "../sysexits.ts";
import { reasonOf } from "../mailbox_error.ts";
import { DeliveryError, type DeliveryMessage } from "../types.ts";
import { signalProcessGroup } from "./process_group.ts";

/** Milliseconds between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** What to run and how. */
export interface DeliveryChildOptions {
  /** Program and arguments (the program as an absolute path). */
  readonly argv: readonly string[];
  /** The complete environment of the child. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Bytes written to standard input before the message content. */
  readonly prefix: Uint8Array;
  readonly message: DeliveryMessage;
  readonly timeLimitSeconds: number;
  /** Bytes of output kept (default 4096). */
  readonly outputLimit?: number;
}

/** How a delivery child ended. */
export interface DeliveryChildResult {
  readonly end: ChildEnd;
  /** The first `outputLimit` bytes of stdout and stderr, as they came. */
  readonly output: string;
  /** True when the time limit killed it. */
  readonly timedOut: boolean;
  /** Set when the message could not be read from the queue. */
  readonly readError?: DeliveryError;
}

/** Keeps the first `limit` bytes written to it and counts the rest. */
class BoundedOutput {
  #chunks: Uint8Array[] = [];
  #kept = 0;
  constructor(readonly limit: number) {}
  add(chunk: Uint8Array): void {
    const room = this.limit - this.#kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(part.slice());
    this.#kept += part.length;
  }
  text(): string {
    const all = new Uint8Array(this.#kept);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return new TextDecoder().decode(all);
  }
}

/** Reads `stream` to its end into `output`; stops when cancelled. */
async function drain(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  output: BoundedOutput,
): Promise<void> {
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      output.add(value);
    }
  } catch {
    // Cancelled after a kill, or the pipe broke: what was read is kept.
  }
}

/**
 * Writes `prefix` and the content to the child's standard input.
 * @returns the error reading the message, if any (write errors are not)
 */
async function feed(
  child: Deno.ChildProcess,
  prefix: Uint8Array,
  message: DeliveryMessage,
): Promise<DeliveryError | undefined> {
  const writer = child.stdin.getWriter();
  let content: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const readError = (error: unknown) =>
    new DeliveryError(
      `cannot read message ${message.queueId}: ${reasonOf(error)}`,
      true,
      "4.3.0",
    );
  try {
    try {
      await writer.write(prefix);
    } catch {
      return undefined; // The child is not reading: its status decides.
    }
    try {
      content = (await message.content()).getReader();
    } catch (error) {
      return readError(error);
    }
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await content.read();
      } catch (error) {
        return readError(error);
      }
      if (next.done) return undefined;
      try {
        await writer.write(next.value);
      } catch {
        return undefined;
      }
    }
  } finally {
    await content?.cancel().catch(() => {});
    await writer.close().catch(() => {});
  }
}

/**
 * Runs the child to its end.
 * @throws whatever spawning throws (e.g. `Deno.errors.NotFound`)
 */
export async function runDeliveryChild(
  options: DeliveryChildOptions,
): Promise<DeliveryChildResult> {
  const [program, ...args] = options.argv;
  const child = new Deno.Command(program, {
    args,
    env: { ...options.env },
    clearEnv: true,
    cwd: options.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const output = new BoundedOutput(options.outputLimit ?? 4096);
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const finished = Promise.all([
    child.status,
    ...readers.map((reader) => drain(reader, output)),
  ]);
  const limitTimer = setTimeout(() => {
    timedOut = true;
    void signalProcessGroup(child, "SIGTERM");
    killTimer = setTimeout(() => {
      void signalProcessGroup(child, "SIGKILL");
      // A process outside the group may still hold the pipes open.
      for (const reader of readers) reader.cancel().catch(() => {});
    }, KILL_GRACE_MS);
  }, options.timeLimitSeconds * 1000);
  try {
    const readError = await feed(child, options.prefix, options.message);
    if (readError) void signalProcessGroup(child, "SIGKILL");
    const [status] = await finished;
    const end: ChildEnd = status.signal
      ? { signal: status.signal }
      : { code: status.code };
    return { end, output: output.text(), timedOut, readError };
  } finally {
    clearTimeout(limitTimer);
    clearTimeout(killTimer);
  }
}
