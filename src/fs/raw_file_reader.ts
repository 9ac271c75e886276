/**
 * Quick reads of many small files and big directories: the start of a
 * file with one open, one read and one close, and the names of a
 * directory's regular files, made through the C library when it can be
 * loaded.
 *
 * DESCRIPTION
 *   `mailsrv queue` reads the start of every queue file and defer logfile
 *   and lists directories of 100,000 entries. Through Deno's file API a
 *   file costs three calls that each cross into Deno's runtime (about
 *   14 µs of CPU a file here, against about 10 µs for the same system
 *   calls from Python), and a directory entry one object and one call
 *   (2–3 µs). Bound with Deno.dlopen ("libc.so.6", calls that do not
 *   block the event loop, so V8 makes them as fast calls), open(2),
 *   read(2) and close(2) fill a reused buffer from a reused NUL-ended
 *   path buffer, and getdents64(2) hands back a directory 256 KiB at a
 *   time (libc.ts).
 *
 *   `rawFileReader()` gives the C library's calls when dlopen works, and
 *   Deno's file API otherwise (another C library than glibc, another
 *   system than Linux, or the ffi permission denied); `{ libc: false }`
 *   asks for Deno's. Both read the same bytes and names. Errors are
 *   always Deno's own: when a C call fails, the same step is made again
 *   through Deno's API, which throws exactly what it throws today
 *   (NotFound for a file removed meanwhile, PermissionDenied for EACCES)
 *   or, if the cause has passed, succeeds.
 *
 *   SECURITY: calls through the C library are not checked against Deno's
 *   read permission; the ffi permission already grants everything, and
 *   the caller must hold it (the binary's permission set does). Not
 *   reentrant: the buffers are per module instance, that is per thread.
 *   Reads only; for the listing (src/queue/listing_reader.ts,
 *   listing_directories.ts) and the master's start check of the queue
 *   (store.ts hasMessages: the first queue file found ends the read, where
 *   Deno's API reads and keeps all of a 100,000-name deferred/); never
 *   for the queue manager, whose thread has no ffi grant.
 */

import {
  cString,
  DT_REG,
  DT_UNKNOWN,
  type Libc,
  loadLibc,
  O_DIRECTORY,
  O_RDONLY_CLOEXEC,
  PATH_BUFFER_SIZE,
  readDirectoryEntries,
} from "./libc.ts";

/** Reads of file starts and of directory names. */
export interface RawFileReader {
  /** True when the calls go through the C library. */
  readonly direct: boolean;
  /**
   * Fills `buffer` from the start of the file at `path` with one read;
   * returns the bytes read.
   * @throws Deno's errors (NotFound, PermissionDenied, …)
   */
  readPrefix(path: string, buffer: Uint8Array): number;
  /**
   * The names of the regular files in `directory`, in directory order.
   * @throws Deno's errors (NotFound when the directory is absent, …)
   */
  fileNames(directory: string): string[];
  /**
   * Whether `directory` holds a regular file whose name passes `accept`;
   * stops at the first (the daemon's start asks whether anything is
   * queued, and deferred/ may hold 100,000 names).
   * @throws Deno's errors (NotFound when the directory is absent, …)
   */
  holdsFile(directory: string, accept: (name: string) => boolean): boolean;
}

/** Reads through Deno's file API. */
const denoReader: RawFileReader = {
  direct: false,
  readPrefix(path, buffer) {
    using file = Deno.openSync(path);
    return file.readSync(buffer) ?? 0;
  },
  fileNames(directory) {
    const names: string[] = [];
    for (const entry of Deno.readDirSync(directory)) {
      if (entry.isFile) names.push(entry.name);
    }
    return names;
  },
  holdsFile(directory, accept) {
    // Deno reads the whole directory at once either way.
    for (const entry of Deno.readDirSync(directory)) {
      if (entry.isFile && accept(entry.name)) return true;
    }
    return false;
  },
};

/** As Deno.readDir tells a file where d_type does not: lstat(2), false on error. */
function isFile(path: string): boolean {
  try {
    return Deno.lstatSync(path).isFile;
  } catch {
    return false;
  }
}

function libcReader(libc: Libc): RawFileReader {
  const pathBuffer = new Uint8Array(PATH_BUFFER_SIZE);
  // The count argument of read(2) for the last buffer's length.
  let readLength = 0;
  let readCount = 0n;

  /**
   * Calls `each` with the name of every regular file of `directory`, in
   * directory order, until it returns false; false when the C library
   * could not read the directory (the caller asks Deno's API then).
   */
  const eachFileName = (
    directory: string,
    each: (name: string) => boolean,
  ): boolean => {
    const cPath = cString(directory, pathBuffer);
    if (cPath === null) return false;
    const fd = libc.open(cPath, O_RDONLY_CLOEXEC | O_DIRECTORY);
    if (fd < 0) return false;
    try {
      return readDirectoryEntries(libc, fd, (name, type) => {
        if (type === DT_REG) return each(name);
        if (type === DT_UNKNOWN && isFile(`${directory}/${name}`)) {
          return each(name);
        }
      });
    } finally {
      libc.close(fd);
    }
  };

  return {
    direct: true,
    readPrefix(path, buffer) {
      const cPath = cString(path, pathBuffer);
      if (cPath === null) return denoReader.readPrefix(path, buffer);
      const fd = libc.open(cPath, O_RDONLY_CLOEXEC);
      if (fd < 0) return denoReader.readPrefix(path, buffer);
      if (buffer.length !== readLength) {
        readLength = buffer.length;
        readCount = BigInt(readLength);
      }
      const filled = libc.read(fd, buffer, readCount);
      libc.close(fd);
      return filled < 0 ? denoReader.readPrefix(path, buffer) : filled;
    },
    fileNames(directory) {
      const names: string[] = [];
      const complete = eachFileName(directory, (name) => {
        names.push(name);
        return true;
      });
      return complete ? names : denoReader.fileNames(directory);
    },
    holdsFile(directory, accept) {
      let found = false;
      const complete = eachFileName(directory, (name) => {
        found = accept(name);
        return !found;
      });
      return complete ? found : denoReader.holdsFile(directory, accept);
    },
  };
}

let shared: RawFileReader | undefined;

/**
 * This thread's reader: through the C library when it loads (once per
 * thread), else Deno's file API; `{ libc: false }` for Deno's always.
 */
export function rawFileReader(
  options: { readonly libc?: boolean } = {},
): RawFileReader {
  if (options.libc === false) return denoReader;
  if (!shared) {
    const libc = loadLibc();
    shared = libc ? libcReader(libc) : denoReader;
  }
  return shared;
}
