/**
 * The files of one directory, listed and read through a descriptor of
 * the directory held open: for a POP3 session reading every message of
 * a Maildir's new/ and cur/.
 *
 * DESCRIPTION
 *   Through Deno's file API every open in a thread without the whole
 *   permission set resolves each component of the path with readlink(2)
 *   before the check (7 calls for a Maildir message; about 23 µs of CPU
 *   for open, read and close of a 4 KiB file in pop3d's thread against
 *   9.5 µs by the C library), and `Deno.readDirSync` of 20,000 entries
 *   leaves about 12 MB of resident memory behind. A POP3 session of a
 *   cold Maildir opens every message twice (sized at STAT, sent at RETR).
 *
 *   `openDirectoryFiles(path)` resolves `path` once with
 *   `Deno.realPathSync` (symbolic links followed there and only there)
 *   and, when the C library can be loaded (`Deno.dlopen("libc.so.6")`,
 *   the ffi permission) and the thread may read the resolved directory,
 *   opens it with O_DIRECTORY|O_NOFOLLOW and makes every later call
 *   relative to that descriptor: getdents64(2) for the names, openat(2)
 *   with O_NOFOLLOW for a file. A name is one component (no `/`), so the
 *   C library's calls reach nothing outside that directory: neither
 *   through a symbolic link among the files nor through the directory
 *   being replaced by one during the session. Calls that block nothing
 *   run as V8 fast calls.
 *
 *   When a C call fails the same step is made again through Deno's API,
 *   which throws Deno's own error (NotFound, PermissionDenied) or, for a
 *   file that is a symbolic link, follows it as before (Deno checks the
 *   link's own path, not its target). A directory whose resolved path is
 *   outside the read grant (Deno checks only the path asked for), and a
 *   thread without the C library (no ffi grant, not glibc, not Linux),
 *   get Deno's API for everything, with the same results as before.
 *
 *   SECURITY: the C calls are not checked by Deno; they are made only in
 *   a directory whose resolved path the thread may read, and reach only
 *   its entries. Not reentrant across threads: the library handle and
 *   buffers are per module instance, that is per thread.
 *
 *   Used by pop3d's Maildir maildrop (src/pop3/maildrop_maildir.ts).
 *   Reads only; does not write, rename or unlink.
 */

import {
  cString,
  DT_DIR,
  DT_UNKNOWN,
  type Libc,
  loadLibc,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_RDONLY_CLOEXEC,
  PATH_BUFFER_SIZE,
  readDirectoryEntries,
} from "./libc.ts";

/** One open file of the directory. */
export interface DirectoryFile {
  /**
   * Reads the next bytes into `buffer`; their count, 0 at the end.
   * @throws Error when the read fails
   */
  read(buffer: Uint8Array): number;
  /** Closes the file (idempotent). */
  close(): void;
}

/** A directory held open for listing and reading its files. */
export interface DirectoryFiles {
  /** True when the calls go through the C library. */
  readonly direct: boolean;
  /**
   * The names of the entries that are not directories (regular files,
   * and symbolic links, as `Deno.readDirSync` tells them), in directory
   * order.
   */
  names(): string[];
  /**
   * Opens the entry `name` (one path component) for reading.
   * @throws Deno's errors (NotFound when it is gone, …)
   */
  open(name: string): DirectoryFile;
  /** Closes the directory (idempotent). The files opened stay usable. */
  close(): void;
}

/** Options for `openDirectoryFiles`. */
export interface DirectoryFilesOptions {
  /** false: Deno's API only (tests compare both ways). */
  readonly libc?: boolean;
}

/**
 * Opens the directory at `path`.
 * @throws Deno's errors (NotFound when it does not exist, NotCapable
 *   outside the read grant, …)
 */
export function openDirectoryFiles(
  path: string,
  options: DirectoryFilesOptions = {},
): DirectoryFiles {
  const real = Deno.realPathSync(path);
  const calls = options.libc === false ? null : loadLibc();
  // Deno checks the path asked for, not where its links lead: the C
  // library's calls are made only where the resolved path is granted.
  if (calls !== null && readable(real)) {
    const direct = libcDirectory(calls, real);
    if (direct !== null) return direct;
  }
  // Deno's API gets the path as asked, as the callers gave it before.
  return denoDirectory(path);
}

function readable(path: string): boolean {
  return Deno.permissions.querySync({ name: "read", path }).state ===
    "granted";
}

/** A file opened through Deno's API. */
function denoFile(path: string): DirectoryFile {
  const file = Deno.openSync(path, { read: true });
  let closed = false;
  return {
    read: (buffer) => file.readSync(buffer) ?? 0,
    close() {
      if (closed) return;
      closed = true;
      file.close();
    },
  };
}

function denoNames(directory: string): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(directory)) {
    if (!entry.isDirectory) names.push(entry.name);
  }
  return names;
}

function denoDirectory(directory: string): DirectoryFiles {
  return {
    direct: false,
    names: () => denoNames(directory),
    open: (name) => denoFile(`${directory}/${name}`),
    close() {},
  };
}

let pathBuffer: Uint8Array | undefined;

/** `text` NUL-ended in the shared path buffer, or null when it cannot be. */
function cPath(text: string): Uint8Array | null {
  return cString(text, pathBuffer ??= new Uint8Array(PATH_BUFFER_SIZE));
}

function libcDirectory(calls: Libc, directory: string): DirectoryFiles | null {
  const path = cPath(directory);
  if (path === null) return null;
  let fd = calls.open(path, O_RDONLY_CLOEXEC | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return null;
  const closeDirectory = () => {
    if (fd < 0) return;
    calls.close(fd);
    fd = -1;
  };
  return {
    direct: true,
    names() {
      if (fd < 0) throw new Error(`Directory "${directory}" is closed`);
      return libcNames(calls, fd, directory) ?? denoNames(directory);
    },
    open(name) {
      if (fd < 0) throw new Error(`Directory "${directory}" is closed`);
      const file = name.includes("/") ? null : cPath(name);
      const handle = file === null
        ? -1
        : calls.openat(fd, file, O_RDONLY_CLOEXEC | O_NOFOLLOW);
      // Deno's API says why (or follows a symbolic link under its check).
      if (handle < 0) return denoFile(`${directory}/${name}`);
      return libcFile(calls, handle, `${directory}/${name}`);
    },
    close: closeDirectory,
  };
}

/** The names from getdents64 on `fd` (read once), or null on an error. */
function libcNames(
  calls: Libc,
  fd: number,
  directory: string,
): string[] | null {
  const names: string[] = [];
  const read = readDirectoryEntries(calls, fd, (name, type) => {
    if (type === DT_DIR) return;
    if (type === DT_UNKNOWN && isDirectory(`${directory}/${name}`)) return;
    names.push(name);
  });
  return read ? names : null;
}

/** As Deno.readDirSync tells it where d_type does not: false on error. */
function isDirectory(path: string): boolean {
  try {
    return Deno.lstatSync(path).isDirectory;
  } catch {
    return false;
  }
}

function libcFile(calls: Libc, fd: number, path: string): DirectoryFile {
  let handle = fd;
  let length = -1;
  let count = 0n;
  return {
    read(buffer) {
      if (handle < 0) throw new Error(`File "${path}" is closed`);
      if (buffer.length !== length) {
        length = buffer.length;
        count = BigInt(length);
      }
      const filled = calls.read(handle, buffer, count);
      if (filled < 0) throw new Error(`Cannot read "${path}"`);
      return filled;
    },
    close() {
      if (handle < 0) return;
      calls.close(handle);
      handle = -1;
    },
  };
}
