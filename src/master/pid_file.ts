/**
 * The master pid file, `$queue_directory/pid/master.pid`, as Postfix keeps it.
 *
 * DESCRIPTION
 *   Written (atomically) once the daemon listens, removed when it stops.
 *   It is informational — the control socket, not the pid file, decides
 *   whether a daemon runs — so a stale file after `kill -9` does no harm.
 */
import { join } from "node:path";

/** Path of the pid file under a queue directory. */
export function pidFilePath(queueDirectory: string): string {
  return join(queueDirectory, "pid", "master.pid");
}

/** Writes our pid (temp file + rename, so readers never see half a line). */
export async function writePidFile(queueDirectory: string): Promise<void> {
  const path = pidFilePath(queueDirectory);
  await Deno.mkdir(join(queueDirectory, "pid"), {
    recursive: true,
    mode: 0o700,
  });
  const tmp = `${path}.${Deno.pid}`;
  await Deno.writeTextFile(tmp, `${String(Deno.pid).padStart(10)}\n`, {
    mode: 0o644,
  });
  await Deno.rename(tmp, path);
}

/** Reads the pid recorded in the pid file, or undefined. */
export async function readPidFile(
  queueDirectory: string,
): Promise<number | undefined> {
  try {
    const pid = Number(
      (await Deno.readTextFile(pidFilePath(queueDirectory))).trim(),
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the pid file if it still names this process. */
export async function removePidFile(queueDirectory: string): Promise<void> {
  if ((await readPidFile(queueDirectory)) === Deno.pid) {
    await Deno.remove(pidFilePath(queueDirectory)).catch(() => {});
  }
}
