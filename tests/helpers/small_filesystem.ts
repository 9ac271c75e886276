/**
 * Test helper: a small file system the test mounts itself (tmpfs with
 * `size=`), to run the queue or a mailbox out of space for real.
 *
 * Mounting needs root (CI runs as root); elsewhere the test is skipped
 * with a visible message, and in CI (`CI=true`) that is a failure.
 */
import { statfsSync } from "node:fs";
import { join } from "node:path";

/** Whether this process may mount a tmpfs (it runs as root). */
export function canMount(): boolean {
  if (Deno.uid() === 0) return true;
  if (Deno.env.get("CI") === "true") {
    throw new Error("this test mounts a tmpfs and must run as root in CI");
  }
  console.log("skipped: mounting a tmpfs needs root");
  return false;
}

function run(cmd: string, args: string[]): void {
  const out = new Deno.Command(cmd, { args, stderr: "piped" }).outputSync();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/**
 * Mounts a tmpfs of `sizeBytes` on a new directory, runs `body` with its
 * path, and unmounts it afterwards (lazily, should a process still hold
 * it).
 */
export async function withTmpfs<T>(
  sizeBytes: number,
  body: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-tmpfs-" });
  run("mount", [
    "-t",
    "tmpfs",
    "-o",
    `size=${sizeBytes},mode=0755`,
    "tmpfs",
    dir,
  ]);
  try {
    return await body(dir);
  } finally {
    run("umount", ["-l", dir]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Bytes free for an unprivileged writer on the file system of `path`. */
export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * Writes a filler file in `dir` until at most `leaveBytes` are left free
 * (all the way to ENOSPC with 0); returns its path.
 */
export function fill(dir: string, leaveBytes = 0): string {
  const path = join(dir, `filler.${crypto.randomUUID()}`);
  const file = Deno.openSync(path, { write: true, createNew: true });
  const chunk = new Uint8Array(64 * 1024);
  try {
    // Bounded by the file system's size.
    for (;;) {
      const free = freeBytes(dir);
      if (free <= leaveBytes) break;
      const want = Math.min(chunk.length, free - leaveBytes);
      try {
        file.writeSync(chunk.subarray(0, want));
      } catch (error) {
        if (error instanceof Error && /No space left/.test(error.message)) {
          break;
        }
        throw error;
      }
    }
  } finally {
    file.close();
  }
  return path;
}
