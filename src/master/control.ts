/**
 * The control socket: how the CLI talks to a running daemon.
 *
 * DESCRIPTION
 *   `mailsrv stop|status|reload|flush` connect to the Unix socket
 *   `$queue_directory/private/control` (mode 0600 in a 0700 directory, so
 *   only the mail system's owner and root may use it), send one JSON line
 *   `{"command":"status"}` and read one JSON line back. A socket replaces
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

/** Handlers by command name. */
export type ControlHandlers = Record<string, () => Promise<ControlReply>>;

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

async function readLine(conn: Deno.Conn, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(4096);
  while (total < limit) {
    const n = await conn.read(buf);
    if (n === null) break;
    const chunk = buf.slice(0, n);
    chunks.push(chunk);
    total += n;
    if (chunk.includes(10)) break;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const text = new TextDecoder().decode(all);
  const nl = text.indexOf("\n");
  return nl < 0 ? text : text.slice(0, nl);
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

async function answer(conn: Deno.Conn, handlers: ControlHandlers) {
  let reply: ControlReply;
  try {
    const request = JSON.parse(await readLine(conn, MAX_REQUEST));
    const handler = typeof request?.command === "string"
      ? handlers[request.command]
      : undefined;
    reply = handler
      ? await handler()
      : { ok: false, error: `unknown command "${request?.command}"` };
  } catch (e) {
    reply = { ok: false, error: (e as Error).message };
  }
  try {
    await writeAll(
      conn,
      new TextEncoder().encode(JSON.stringify(reply) + "\n"),
    );
  } catch {
    // The CLI went away; nothing to tell it.
  }
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
 * @throws DaemonNotRunningError when nobody answers on the socket
 */
export async function controlRequest(
  queueDirectory: string,
  command: string,
  timeoutMs = 60_000,
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
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await writeAll(
      conn,
      new TextEncoder().encode(JSON.stringify({ command }) + "\n"),
    );
    const line = await readLine(conn, 1 << 20);
    if (!line) throw new Error(`the daemon closed "${path}" without a reply`);
    return JSON.parse(line) as ControlReply;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}
