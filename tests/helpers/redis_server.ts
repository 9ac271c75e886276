/**
 * Test harness: a private Debian `redis-server` on a loopback port, with
 * no persistence, that a test can stop and start again on the same port
 * (an outage and its end).
 */
import { canConnect, freePort, requireProgram, waitFor } from "./daemon.ts";

/** A running (or stopped) private Redis. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT/DB`. */
  url(db?: number): string;
  /** Stops the server (SIGKILL, as a crash); waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/** Whether redis-server is available (in CI it must be). */
export function haveRedis(): boolean {
  return requireProgram("redis-server");
}

/** Starts `redis-server` on a free 127.0.0.1 port. */
export async function startRedis(): Promise<TestRedis> {
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const running = child;
    let exited = false;
    running.status.then(() => exited = true);
    await waitFor(`redis-server on ${port}`, async () => {
      if (exited) throw new Error(`redis-server on ${port} exited at start`);
      return await canConnect(port) || undefined;
    }, 10_000);
  };
  await start();
  return {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    async stop() {
      if (child === undefined) return;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      child = undefined;
    },
    start,
  };
}
