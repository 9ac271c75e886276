/**
 * A whole buffer written to a file, looping over short writes.
 *
 * Synchronous on purpose: a write(2) to the page cache costs less than a
 * round trip through Deno's blocking thread pool (see src/queue/store.ts).
 */

/** Writes all of `bytes` to `file` at its current offset. */
export function writeAllSync(
  file: Pick<Deno.FsFile, "writeSync">,
  bytes: Uint8Array,
): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
  }
}
