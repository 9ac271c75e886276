/**
 * The control socket: how the CLI talks to a running daemon.
 *
 * DESCRIPTION
 *   `mailsrv stop|status|reload|flush` connect to the Unix socket
 *   `$queue_directory/private/control` (mode 0600 in a 0700 directory, so
 *   only the mail system's owner and root may use it), send one JSON line
 *   `{"command":"status"}` (plus the command's own fields, e.g.
 *   `{"command":"flush","site":"example.com","wait":true}`) and read one
 *   JSON line back. A command that runs for a while may first send
 *   progress lines `{"progress":{…}}` (`flush --wait`: one per message);
 *   the reply is the first line without `progress`. A socket replaces
 *   signals because `Deno.kill` needs an unrestricted run permission.
 *
 *   This file does not decide what a command does; the daemon passes its
 *   handlers in.
 */
import { join } from "node:path";

/** Path of the control socket under a queue directory. */
export function controlSocketPath(queueDirectory: string): string {
  return join(queueDirectory, "private", "control");
}

/** A daemon's answer: `ok` plus command-specific fields. */
export interface ControlReply {
  readonly ok: boolean;
  readonly error?: string;
  readonly [field: string]: unknown;
}

/** A request: the command name and its own fields. */
export interface ControlRequest {
  readonly command: string;
  readonly [field: string]: unknown;
}

/** Sends one progress line to the client (ignored once it has gone). */
export type ControlProgress = (
  event: Readonly<Record<string, unknown>>,
) => void;

/** Handlers by command name. */
export type ControlHandlers = Record<
  string,
  (request: ControlRequest, progress: ControlProgress) => Promise<ControlReply>
>;

/** The daemon could not be reached: no socket, or nobody listening. */
export class DaemonNotRunningError extends Error {
  constructor(path: string) {
    super(`mailsrv is not running (no answer on "${path}")`);
    this.name = "DaemonNotRunningError";
  }
}

/** A daemon already answers on the queue's control socket. */
export class DaemonRunningError extends Error {
  constructor(queueDirectory: string, pid: unknown) {
    super(
      `another mailsrv daemon is running on queue "${queueDirectory}"` +
        (pid === undefined ? "" : ` (pid ${pid})`),
    );
    this.name = "DaemonRunningError";
  }
}

/**
 * Refuses to go on when a daemon answers on the queue's control socket,
 * before anything touches that daemon's queue (its tmp/, its socket).
 * @throws DaemonRunningError when one answers
 */
export async function refuseIfRunning(queueDirectory: string): Promise<void> {
  let reply: ControlReply;
  try {
    reply = await controlRequest(queueDirectory, "ping", 2000);
  } catch (e) {
    if (e instanceof DaemonNotRunningError) return;
    throw e;
  }
  throw new DaemonRunningError(queueDirectory, reply.pid);
}

const MAX_REQUEST = 4096;

/** Reads newline-terminated lines from a connection, up to a limit each. */
class LineReader {
  #pending = new Uint8Array(0);
  #closed = false;
  readonly #buffer = new Uint8Array(4096);
  constructor(readonly conn: Deno.Conn) {}

  /** The next line without its newline; "" at the end of input. */
  async next(limit: number): Promise<string> {
    for (;;) {
      const nl = this.#pending.indexOf(10);
      if (nl >= 0) {
        const line = this.#pending.subarray(0, nl);
        this.#pending = this.#pending.slice(nl + 1);
        return new TextDecoder().decode(line);
      }
      if (this.#closed || this.#pending.length >= limit) {
        const rest = this.#pending;
        this.#pending = new Uint8Array(0);
        return new TextDecoder().decode(rest);
      }
      const n = await this.conn.read(this.#buffer);
      if (n === null) {
        this.#closed = true;
        continue;
      }
      const joined = new Uint8Array(this.#pending.length + n);
      joined.set(this.#pending);
      joined.set(this.#buffer.subarray(0, n), this.#pending.length);
      this.#pending = joined;
    }
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

async function answer(conn: Deno.Conn, handlers: ControlHandlers) {
  let reply: ControlReply;
  // Lines go out in order, one write at a time.
  let written: Promise<void> = Promise.resolve();
  const send = (value: unknown) => {
    const line = new TextEncoder().encode(JSON.stringify(value) + "\n");
    written = written.then(() => writeAll(conn, line)).catch(() => {
      // The CLI went away; nothing to tell it.
    });
  };
  try {
    const request = JSON.parse(await new LineReader(conn).next(MAX_REQUEST));
    const handler = typeof request?.command === "string"
      ? handlers[request.command]
      : undefined;
    reply = handler
      ? await handler(request, (event) => send({ progress: event }))
      : { ok: false, error: `unknown command "${request?.command}"` };
  } catch (e) {
    reply = { ok: false, error: (e as Error).message };
  }
  send(reply);
  await written;
  conn.close();
}

/** A listening control socket. */
export interface ControlServer {
  close(): void;
}

/**
 * Listens on the control socket. A stale socket file left by a crashed
 * daemon is removed first; a live one means another daemon runs.
 */
export async function startControlServer(
  queueDirectory: string,
  handlers: ControlHandlers,
): Promise<ControlServer> {
  const path = controlSocketPath(queueDirectory);
  await refuseIfRunning(queueDirectory);
  await Deno.remove(path).catch(() => {});
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, 0o600);
  (async () => {
    for await (const conn of listener) void answer(conn, handlers);
  })().catch(() => {});
  return {
    close() {
      try {
        listener.close();
      } catch {
        // already closed
      }
      try {
        Deno.removeSync(path);
      } catch {
        // already gone
      }
    },
  };
}

/**
 * Sends one command to the daemon and returns its reply.
 * @param command the command name, or the request with its fields
 * @param timeoutMs limit for the whole exchange (Infinity: none)
 * @param onProgress receives the progress lines before the reply
 * @throws DaemonNotRunningError when nobody answers on the socket
 */
export async function controlRequest(
  queueDirectory: string,
  command: string | ControlRequest,
  timeoutMs = 60_000,
  onProgress?: (event: Record<string, unknown>) => void,
): Promise<ControlReply> {
  const path = controlSocketPath(queueDirectory);
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch (e) {
    if (
      e instanceof Deno.errors.NotFound ||
      e instanceof Deno.errors.NotADirectory ||
      e instanceof Deno.errors.ConnectionRefused
    ) {
      throw new DaemonNotRunningError(path);
    }
    // Deno leaves the path out of a failed connect; the user needs it.
    if (e instanceof Error) e.message += `: connect '${path}'`;
    throw e;
  }
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(() => conn.close(), timeoutMs)
    : undefined;
  const request = typeof command === "string" ? { command } : command;
  try {
    await writeAll(
      conn,
      new TextEncoder().encode(JSON.stringify(request) + "\n"),
    );
    const lines = new LineReader(conn);
    for (;;) {
      const line = await lines.next(1 << 20);
      if (!line) {
        throw new Error(`the daemon closed "${path}" without a reply`);
      }
      const value = JSON.parse(line);
      if (value !== null && typeof value === "object" && "progress" in value) {
        onProgress?.(value.progress);
        continue;
      }
      return value as ControlReply;
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}
