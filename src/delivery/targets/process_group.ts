/**
 * Signals a delivery child's whole process group.
 *
 * DESCRIPTION
 *   A timed-out command is killed with its pipeline, as Postfix kills the
 *   process group. `Deno.kill(-pgid)` needs an unrestricted run grant,
 *   which the sandboxed delivery thread does not have
 *   (master/role_permissions.ts), so when Deno refuses it kill(1) does
 *   the same (`kill -s SIGNAL -- -PGID`); it is in the thread's run grant.
 *   Without either, only the child itself is signalled.
 *
 *   Used by delivery_child.ts. Starts kill(1) and says when it has run.
 */

/** Where procps installs kill(1), in the order it is looked for. */
export const KILL_PATHS = ["/usr/bin/kill", "/bin/kill"];

let killProgram: string | null | undefined;

/** The kill(1) executable, looked up once; null when there is none. */
function killPath(): string | null {
  if (killProgram !== undefined) return killProgram;
  killProgram = null;
  for (const path of KILL_PATHS) {
    try {
      if (Deno.statSync(path).isFile) return killProgram = path;
    } catch {
      // Not here (or not granted); try the next place.
    }
  }
  return killProgram;
}

/** Signals only the child (its group leader), ignoring a gone child. */
function signalChild(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

/**
 * Sends `signal` to the child's process group, or to the child alone.
 * @returns when kill(1), if it was needed, has run (callers may go on
 *   without waiting: the leader itself is signalled at once)
 */
export function signalProcessGroup(
  child: Deno.ChildProcess,
  signal: Deno.Signal,
): Promise<void> {
  try {
    Deno.kill(-child.pid, signal);
    return Promise.resolve();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) {
      signalChild(child, signal);
      return Promise.resolve();
    }
  }
  const program = killPath();
  // The leader first, so the child is signalled even if kill(1) fails.
  signalChild(child, signal);
  if (program === null) return Promise.resolve();
  try {
    return new Deno.Command(program, {
      args: ["-s", signal.replace(/^SIG/, ""), "--", `-${child.pid}`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      clearEnv: true,
    }).output().then(() => {}, () => {});
  } catch {
    // Not granted after all: the child alone was signalled.
    return Promise.resolve();
  }
}
