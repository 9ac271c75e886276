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
 *   time, picked apart here (getdents64 rather than readdir(3): it says
 *   -1 on an error where readdir's NULL also means the end).
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

const O_RDONLY_CLOEXEC_DIRECTORY = 0o2200000;
const O_RDONLY_CLOEXEC = 0o2000000;
/** d_type of a regular file, and of a file system that does not say. */
const DT_REG = 8;
const DT_UNKNOWN = 0;
/** Paths longer than this go through Deno's API (PATH_MAX is 4096). */
const PATH_BUFFER_SIZE = 4096;
const DIRECTORY_BUFFER_SIZE = 256 * 1024;

// read and getdents64 return an ssize_t, taken as its low 32 bits (a
// number, where "isize" would be a BigInt made per call): exact for the
// counts of buffers under 2 GiB and for -1, on x86_64 and aarch64 alike.
const LIBC_CALLS = {
  open: { parameters: ["buffer", "i32"], result: "i32", nonblocking: false },
  read: {
    parameters: ["i32", "buffer", "usize"],
    result: "i32",
    nonblocking: false,
  },
  close: { parameters: ["i32"], result: "i32", nonblocking: false },
  getdents64: {
    parameters: ["i32", "buffer", "usize"],
    result: "i32",
    nonblocking: false,
  },
} as const;

type Libc = Deno.DynamicLibrary<typeof LIBC_CALLS>["symbols"];

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

/** The C library's calls, or undefined where they cannot be had. */
function loadLibc(): Libc | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    // Asked first: dlopen without the grant would prompt on a terminal.
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return undefined;
    }
    return Deno.dlopen("libc.so.6", LIBC_CALLS).symbols;
  } catch {
    // No glibc (musl has no libc.so.6, or lacks getdents64), or ffi denied.
    return undefined;
  }
}

/** As Deno.readDir tells a file where d_type does not: lstat(2), false on error. */
function isFile(path: string): boolean {
  try {
    return Deno.lstatSync(path).isFile;
  } catch {
    return false;
  }
}

function libcReader(libc: Libc): RawFileReader {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const pathBuffer = new Uint8Array(PATH_BUFFER_SIZE);
  const entries = new Uint8Array(DIRECTORY_BUFFER_SIZE);
  const view = new DataView(entries.buffer);
  const ENTRIES_COUNT = BigInt(DIRECTORY_BUFFER_SIZE);
  // The count argument of read(2) for the last buffer's length.
  let readLength = 0;
  let readCount = 0n;

  /** `path` NUL-ended in pathBuffer, or false when it cannot be. */
  const setPath = (path: string): boolean => {
    const { read, written } = encoder.encodeInto(path, pathBuffer);
    if (read < path.length || written === PATH_BUFFER_SIZE) return false;
    if (path.includes("\0")) return false;
    pathBuffer[written] = 0;
    return true;
  };

  /**
   * Calls `each` with the name of every regular file of `directory`, in
   * directory order, until it returns false; false when the C library
   * could not read the directory (the caller asks Deno's API then).
   */
  const eachFileName = (
    directory: string,
    each: (name: string) => boolean,
  ): boolean => {
    if (!setPath(directory)) return false;
    const fd = libc.open(pathBuffer, O_RDONLY_CLOEXEC_DIRECTORY);
    if (fd < 0) return false;
    try {
      for (;;) {
        const filled = libc.getdents64(fd, entries, ENTRIES_COUNT);
        if (filled === 0) return true;
        if (filled < 0) return false;
        // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2),
        // d_type (1), then the NUL-ended name.
        for (let at = 0; at < filled; at += view.getUint16(at + 16, true)) {
          const type = entries[at + 18];
          if (type !== DT_REG && type !== DT_UNKNOWN) continue;
          const name = decoder.decode(
            entries.subarray(at + 19, entries.indexOf(0, at + 19)),
          );
          if (type !== DT_REG && !isFile(`${directory}/${name}`)) continue;
          if (!each(name)) return true;
        }
      }
    } finally {
      libc.close(fd);
    }
  };

  return {
    direct: true,
    readPrefix(path, buffer) {
      if (!setPath(path)) return denoReader.readPrefix(path, buffer);
      const fd = libc.open(pathBuffer, O_RDONLY_CLOEXEC);
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
