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
 *   With `keepOpen`, the directory stays open between rounds, saving an
 *   open and a close per round. Only for directories mailsrv owns and never
 *   removes (the queue's): a mailbox directory a user deletes and creates
 *   again must be opened afresh, or the fsync would reach the old one.
 *
 *   With `gatherMs`, a round that would start at once waits that long
 *   first, so callers that come one at a time still share it: the queue
 *   manager's removals from active/ finish a few milliseconds apart, each
 *   alone in its round, and a round costs a thread handoff and an
 *   fsync. Only where a caller can wait (nothing is acknowledged on it).
 *
 *   Used by the queue (incoming, active) and the Maildir writer (new/).
 */

/** Options for `syncDirectory`. */
export interface SyncDirectoryOptions {
  /** Keep the directory open for later rounds (mailsrv-owned only). */
  readonly keepOpen?: boolean;
  /** Wait this long before a round, for more callers to share it. */
  readonly gatherMs?: number;
}

interface DirectoryState {
  /** An fsync is under way. */
  running: boolean;
  /** Waiters for the next round (they arrived after the current one began). */
  waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
  /** The open directory, when kept open. */
  handle?: Deno.FsFile;
  keepOpen: boolean;
  gatherMs: number;
}

const states = new Map<string, DirectoryState>();

async function fsyncOnce(path: string, state: DirectoryState): Promise<void> {
  // The open is synchronous (a local directory, a few microseconds, less
  // than a handoff to the blocking pool); the fsync is not.
  if (state.keepOpen) {
    state.handle ??= Deno.openSync(path, { read: true });
    try {
      await state.handle.sync();
    } catch (e) {
      state.handle.close();
      state.handle = undefined;
      throw e;
    }
    return;
  }
  const dir = Deno.openSync(path, { read: true });
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
      await fsyncOnce(path, state);
      for (const w of round) w.resolve();
    } catch (e) {
      for (const w of round) w.reject(e);
    }
  }
  state.running = false;
  if (!state.handle) states.delete(path);
}

/**
 * Makes the entries of directory `path` durable.
 * @param path directory whose entries (renames, new files) must survive a crash
 */
export function syncDirectory(
  path: string,
  options: SyncDirectoryOptions = {},
): Promise<void> {
  let state = states.get(path);
  if (!state) {
    state = {
      running: false,
      waiting: [],
      keepOpen: !!options.keepOpen,
      gatherMs: options.gatherMs ?? 0,
    };
    states.set(path, state);
  }
  const s = state;
  const done = new Promise<void>((resolve, reject) => {
    s.waiting.push({ resolve, reject });
  });
  if (s.running) return done;
  if (s.gatherMs <= 0) void runRounds(path, s);
  else {
    // Gathering counts as running: callers meanwhile join this round.
    s.running = true;
    setTimeout(() => void runRounds(path, s), s.gatherMs);
  }
  return done;
}

/** Closes directories kept open (at daemon stop; tests). */
export function closeSyncedDirectories(): void {
  for (const [path, state] of states) {
    if (state.running) continue;
    state.handle?.close();
    states.delete(path);
  }
}
