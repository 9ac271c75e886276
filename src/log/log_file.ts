/**
 * Where maillog lines are written: the log file and stderr.
 *
 * DESCRIPTION
 *   Lines logged in one turn of the event loop are written together with
 *   one write(2), made synchronously: an append to the page cache (or to a
 *   terminal or pipe) costs a few microseconds, less than handing an
 *   asynchronous write to another thread and back.
 *
 *   Like syslog and Postfix's postlogd, the log is not fsynced: it is a
 *   record for people, and the queue — not the log — carries durability.
 *   A failing destination (disk full, closed stderr) never stops mail: the
 *   error is reported once and lines are dropped until writes succeed.
 */

/** Something lines can be written to synchronously. */
export interface LineTarget {
  writeSync(data: Uint8Array): number;
}

/** A destination for maillog lines. */
export interface LineWriter {
  /** Queues one formatted line (with its newline). */
  append(line: string): void;
  /** Writes whatever is queued now. */
  flush(): void;
}

/** An open log file. */
export interface LogFile extends LineWriter {
  /** Writes what is queued and closes the file. */
  close(): Promise<void>;
}

/**
 * Batches lines for `target`.
 * @param name how to call the target in the one error report
 */
export function createLineWriter(target: LineTarget, name: string): LineWriter {
  const encoder = new TextEncoder();
  let pending: string[] = [];
  let failed = false;
  const flush = (): void => {
    if (pending.length === 0) return;
    const data = encoder.encode(pending.join(""));
    pending = [];
    try {
      let off = 0;
      while (off < data.length) off += target.writeSync(data.subarray(off));
      failed = false;
    } catch (e) {
      if (!failed && target !== Deno.stderr) {
        console.error(`mailsrv: cannot write ${name}: ${(e as Error).message}`);
      }
      failed = true;
    }
  };
  return {
    append(line) {
      if (pending.push(line) === 1) queueMicrotask(flush);
    },
    flush,
  };
}

/** Opens (creating if needed) `path` for appending maillog lines. */
export async function openLogFile(path: string): Promise<LogFile> {
  const file = await Deno.open(path, {
    append: true,
    create: true,
    mode: 0o640,
  });
  const writer = createLineWriter(file, `log file "${path}"`);
  return {
    ...writer,
    close() {
      writer.flush();
      file.close();
      return Promise.resolve();
    },
  };
}
