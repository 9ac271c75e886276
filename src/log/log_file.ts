/**
 * The maillog file: appended in batches, off the hot path.
 *
 * DESCRIPTION
 *   Lines logged in one turn of the event loop are appended with one
 *   write(2), made synchronously: an append to the page cache costs a few
 *   microseconds, less than handing an asynchronous write to another
 *   thread and back.
 *   Like syslog and Postfix's postlogd, the log is not fsynced: it is a
 *   record for people, and the queue — not the log — carries durability.
 *   A failing log file (disk full) never stops mail: the error is reported
 *   once on stderr and lines are dropped until writes succeed again.
 */

/** An open log file. */
export interface LogFile {
  /** Queues one formatted line (with its newline). */
  append(line: string): void;
  /** Writes what is queued and closes the file. */
  close(): Promise<void>;
}

/** Opens (creating if needed) `path` for appending maillog lines. */
export async function openLogFile(path: string): Promise<LogFile> {
  const file = await Deno.open(path, {
    append: true,
    create: true,
    mode: 0o640,
  });
  const encoder = new TextEncoder();
  let pending: string[] = [];
  let failed = false;

  const writeBatch = (): void => {
    if (pending.length === 0) return;
    const data = encoder.encode(pending.join(""));
    pending = [];
    try {
      let off = 0;
      while (off < data.length) off += file.writeSync(data.subarray(off));
      failed = false;
    } catch (e) {
      if (!failed) {
        console.error(
          `mailsrv: cannot write log file "${path}": ${(e as Error).message}`,
        );
      }
      failed = true;
    }
  };

  return {
    append(line) {
      if (pending.push(line) === 1) queueMicrotask(writeBatch);
    },
    close() {
      writeBatch();
      file.close();
      return Promise.resolve();
    },
  };
}
