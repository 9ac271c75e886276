/**
 * Durable directory entries with group commit.
 *
 * DESCRIPTION
 *   A rename or a new file is durable only once its directory is fsynced.
 *   `syncDirectory(path)` resolves when an fsync of `path` that *started
 *   after the call* has completed. Calls that arrive while an fsync of the
 *   same directory is under way share the next one, so N sessions finishing
 *   at once cost two fsyncs, not N (group commit).
 *
 *   Used by the queue (incoming) and the Maildir writer (new/).
 */

interface DirectoryState {
  /** An fsync is under way. */
  running: boolean;
  /** Waiters for the next round (they arrived after the current one began). */
  waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

const states = new Map<string, DirectoryState>();

async function fsyncOnce(path: string): Promise<void> {
  const dir = await Deno.open(path, { read: true });
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}

async function runRounds(path: string, state: DirectoryState): Promise<void> {
  state.running = true;
  while (state.waiting.length > 0) {
    const round = state.waiting;
    state.waiting = [];
    try {
      await fsyncOnce(path);
      for (const w of round) w.resolve();
    } catch (e) {
      for (const w of round) w.reject(e);
    }
  }
  state.running = false;
  states.delete(path);
}

/**
 * Makes the entries of directory `path` durable.
 * @param path directory whose entries (renames, new files) must survive a crash
 */
export function syncDirectory(path: string): Promise<void> {
  let state = states.get(path);
  if (!state) {
    state = { running: false, waiting: [] };
    states.set(path, state);
  }
  const s = state;
  const done = new Promise<void>((resolve, reject) => {
    s.waiting.push({ resolve, reject });
  });
  if (!s.running) void runRounds(path, s);
  return done;
}
