/**
 * The C library's file calls, for the readers that bypass Deno's file
 * API where it costs most: open(2), openat(2), read(2), close(2) and
 * getdents64(2), bound with Deno.dlopen("libc.so.6"); and malloc_trim(3),
 * which the master calls to hand freed memory back (memory_trim.ts).
 *
 * DESCRIPTION
 *   `loadLibc()` gives the calls once per thread, or null where they
 *   cannot be had (not Linux, not glibc, or the ffi permission not
 *   granted: asked first, since dlopen without it would prompt on a
 *   terminal). The calls block nothing, so V8 makes them as fast calls;
 *   read and getdents64 return an ssize_t taken as its low 32 bits (a
 *   number, where "isize" would be a BigInt made per call): exact for
 *   buffers under 2 GiB and for -1, on x86_64 and aarch64 alike.
 *
 *   `cString` writes a path NUL-ended into a reused buffer, and
 *   `readDirectoryEntries` picks apart what getdents64 hands back
 *   (getdents64 rather than readdir(3): it says -1 on an error where
 *   readdir's NULL also means the end).
 *
 *   Used by raw_file_reader.ts (`mailsrv queue`), directory_files.ts
 *   (`mailsrv pop3` from inetd) and master/memory_trim.ts. Calls made through it are not checked
 *   against Deno's permissions: the callers say when they may be made.
 */

const LIBC_CALLS = {
  open: { parameters: ["buffer", "i32"], result: "i32", nonblocking: false },
  openat: {
    parameters: ["i32", "buffer", "i32"],
    result: "i32",
    nonblocking: false,
  },
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
  malloc_trim: { parameters: ["usize"], result: "i32", nonblocking: false },
} as const;

/** The bound calls. */
export type Libc = Deno.DynamicLibrary<typeof LIBC_CALLS>["symbols"];

export const O_RDONLY_CLOEXEC = 0o2000000;
export const O_NOFOLLOW = 0o400000;
export const O_DIRECTORY = 0o200000;
/** d_type values: a directory, a regular file, a file system that does not say. */
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_UNKNOWN = 0;
/** Paths longer than this are not passed (PATH_MAX is 4096). */
export const PATH_BUFFER_SIZE = 4096;
const DIRECTORY_BUFFER_SIZE = 256 * 1024;

let loaded: Libc | null | undefined;

/** This thread's C library calls, or null where they cannot be had. */
export function loadLibc(): Libc | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (Deno.build.os !== "linux") return null;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return null;
    }
    loaded = Deno.dlopen("libc.so.6", LIBC_CALLS).symbols;
  } catch {
    // No glibc (musl has no libc.so.6), or ffi denied.
  }
  return loaded;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `text` NUL-ended in `buffer` (PATH_BUFFER_SIZE long), or null when it
 * does not fit or holds a NUL.
 */
export function cString(text: string, buffer: Uint8Array): Uint8Array | null {
  const { read, written } = encoder.encodeInto(text, buffer);
  if (read < text.length || written === buffer.length) return null;
  if (text.includes("\0")) return null;
  buffer[written] = 0;
  return buffer;
}

let entries: Uint8Array | undefined;
let entriesView: DataView | undefined;

/**
 * Hands every entry of the directory open as `fd` but `.` and `..` to
 * `visit` (its name and d_type), reading it to its end or until `visit`
 * returns false.
 * @returns false when getdents64 failed (what was visited stands)
 */
export function readDirectoryEntries(
  calls: Libc,
  fd: number,
  visit: (name: string, type: number) => boolean | void,
): boolean {
  const buffer = entries ??= new Uint8Array(DIRECTORY_BUFFER_SIZE);
  const view = entriesView ??= new DataView(buffer.buffer);
  const size = BigInt(buffer.length);
  for (;;) {
    const filled = calls.getdents64(fd, buffer, size);
    if (filled === 0) return true;
    if (filled < 0) return false;
    // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2),
    // d_type (1), then the NUL-ended name.
    for (let at = 0; at < filled; at += view.getUint16(at + 16, true)) {
      const name = decoder.decode(
        buffer.subarray(at + 19, buffer.indexOf(0, at + 19)),
      );
      if (name === "." || name === "..") continue;
      if (visit(name, buffer[at + 18]) === false) return true;
    }
  }
}
