/**
 * A staging file rewritten with a new envelope, for a commit that
 * changes it.
 *
 * DESCRIPTION
 *   The queue file's header (the envelope) is written when the file is
 *   opened, before the content streams in; content checks (REDIRECT,
 *   BCC, FILTER in header_checks or body_checks) may change it at the
 *   end. Its length changes with it, so it cannot be patched in place:
 *   `rewriteEnvelope` writes a second staging file, `tmp/<name>.envelope`,
 *   with the new header and then the content copied from the first (64 KiB
 *   reads), fsyncs and closes it, and returns its path; the queue writer
 *   then renames it into the queue exactly as it would have renamed the
 *   first, and removes the first.
 *
 *   Crash safety is the first file's: both files are in tmp/, which is
 *   emptied at start, until the rename; neither was acknowledged. Any
 *   failure (ENOSPC while copying, EIO at fsync) closes and removes the
 *   second file and is rethrown, and the writer discards the first, so
 *   nothing is left behind and the client gets a 4xx.
 *
 *   Used only by the queue writer (`queue_writer.ts`). Needs read and
 *   write permission on tmp/. Rare: a message whose checks changed
 *   nothing is never copied.
 */
import { writeAllSync } from "../fs/write_all.ts";

/** The file operations the new staging file needs. */
export type RewrittenFileHandle = Pick<
  Deno.FsFile,
  "writeSync" | "sync" | "close"
>;

/** What the rewrite needs. */
export interface EnvelopeRewrite {
  /** The staging file written so far (header, then content). */
  readonly stagingPath: string;
  /** Where its content starts (the old header's length). */
  readonly contentOffset: number;
  /** Content bytes to copy. */
  readonly contentLength: number;
  /** The new header, its size field filled in. */
  readonly header: Uint8Array;
  /** Creates the new file exclusively, mode 0600 (the gate's). */
  readonly createFile: (path: string) => RewrittenFileHandle;
}

const COPY_BUFFER_SIZE = 64 * 1024;

/**
 * Writes and fsyncs the staging file with the new header.
 * @returns the new file's path
 * @throws whatever reading, writing or fsync throws (the new file removed)
 */
export async function rewriteEnvelope(r: EnvelopeRewrite): Promise<string> {
  const path = `${r.stagingPath}.envelope`;
  const target = r.createFile(path);
  let open = true;
  try {
    writeAllSync(target, r.header);
    using source = Deno.openSync(r.stagingPath, { read: true });
    source.seekSync(r.contentOffset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(COPY_BUFFER_SIZE);
    let left = r.contentLength;
    while (left > 0) {
      const n = source.readSync(
        buffer.subarray(0, Math.min(left, buffer.length)),
      );
      if (n === null || n === 0) {
        throw new Error(
          `Staging file "${r.stagingPath}" ended ${left} bytes early`,
        );
      }
      writeAllSync(target, buffer.subarray(0, n));
      left -= n;
    }
    await target.sync();
    open = false;
    target.close();
    return path;
  } catch (error) {
    try {
      if (open) target.close();
    } finally {
      try {
        Deno.removeSync(path);
      } catch {
        // The failure reported is the copy's.
      }
    }
    throw error;
  }
}
