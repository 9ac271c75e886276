/**
 * Maildir maildrops for POP3: snapshot of new/ and cur/, delete at QUIT.
 *
 * DESCRIPTION
 *   A Maildir (maildir(5)) needs no lock against deliveries: messages
 *   appear in new/ by rename and never change. One POP3 session at a time
 *   is still enforced (`<maildir>/.mailsrv-pop3.lock`, `mailbox_lock.ts`),
 *   so two sessions cannot hand out and delete the same messages.
 *
 *   Login only locks. The first command that needs the messages (STAT,
 *   LIST, UIDL, RETR, …) takes the snapshot: the files of new/ and cur/
 *   (not tmp/, not dot files), oldest delivery first: by the seconds and
 *   `M<usec>` of the name (`<sec>.M<usec>P<pid>Q<n>.<host>`), then by
 *   name. The scan uses synchronous calls in time slices
 *   (`common/time_slice.ts`): one call per file, no thread hand-off, and
 *   other connections still get their turn every few milliseconds.
 *   new/ and cur/ are held open for the session (`fs/directory_files.ts`):
 *   listed with getdents64 and each message opened relative to them by
 *   the C library when the thread may load it, else through Deno's API.
 *   The snapshot keeps only the names, a byte per file telling new/ from
 *   cur/ and the sizes in a typed array; a UIDL is made from its name
 *   when one is asked for (`maildrop_listing.ts`): with the size cache,
 *   about 120 bytes of heap a message, where an object per message took
 *   450.
 *
 *   - UIDL: the file's unique name, the part before `,` (`,S=`, `,W=`) and
 *     `:` (`:2,<flags>`), so it survives a move to cur/ and flag changes.
 *     A name that is not 1-70 characters of 0x21-0x7e (RFC 1939 §7) is
 *     replaced by the MD5 of it in hex.
 *   - size: RFC 1939 counts CRLF line ends. `,W=<n>` (Courier/Dovecot's
 *     wire size) is used as given; otherwise the file is read once and
 *     each LF not preceded by CR counted twice. Maildir files never
 *     change, so results are cached by the name without its `:2,<flags>`
 *     (per opener): the unique name and `,S=`, kept across a move to cur/;
 *     for a file in new/ the key is the very string of the snapshot.
 *
 *   RETR reads the file (through the held directory, or `message_file.ts`
 *   for one found elsewhere); if another client moved it (new/ to cur/,
 *   new flags) it is found again by its unique name. QUIT unlinks the deleted
 *   files, then fsyncs new/ and cur/, then unlocks; a file already gone
 *   counts as deleted. Nothing is moved from new/ to cur/.
 *
 *   Used by the POP3 role; needs read and write access to the Maildir.
 *   It does not deliver, and does not read or write maildirsize quotas.
 */
import { createHash } from "node:crypto";
import { join, normalize } from "node:path";
import { TimeSlice } from "../common/time_slice.ts";
import { WireSizeCounter } from "../common/wire_size.ts";
import {
  type DirectoryFile,
  type DirectoryFiles,
  openDirectoryFiles,
} from "../fs/directory_files.ts";
import { syncDirectory } from "../fs/sync_directory.ts";
import { type DotlockOptions, takeSessionDotlock } from "./mailbox_lock.ts";
import { openMessageFile } from "./message_file.ts";
import type { Maildrop, MessageReader } from "./types.ts";

/** Wire sizes of Maildir files, keyed by the name before `:`. */
export type MaildirSizeCache = Map<string, number>;

/** Options for `openMaildirMaildrop`. */
export interface MaildirMaildropOptions {
  readonly lock?: DotlockOptions;
  /** Shared across sessions to read each file's size only once. */
  readonly sizeCache?: MaildirSizeCache;
}

/** What a Maildir file name tells. */
export interface MaildirName {
  /** The unique part (before `,` and `:`). */
  readonly unique: string;
  /** Delivery time: seconds, and microseconds from `M<usec>` (else 0). */
  readonly seconds: number;
  readonly micros: number;
  /** `,S=` file size, if present. */
  readonly fileSize?: number;
  /** `,W=` wire size, if present. */
  readonly wireSize?: number;
}

/** One file of the Maildir: where it is, and its name. */
interface MaildirEntry {
  readonly subdir: "new" | "cur";
  readonly name: string;
}

/** The lock file that keeps a second POP3 session out. */
export const MAILDIR_LOCK_NAME = ".mailsrv-pop3.lock";
/** The size cache is cleared when it grows past this many entries. */
const CACHE_LIMIT = 100_000;
/** Read size for sizing files (most messages fit in one read). */
const READ_SIZE = 65536;

/** The unique part of a file name: before the first `,` and `:`. */
function uniqueOf(name: string): string {
  const end = name.search(/[,:]/);
  return end < 0 ? name : name.slice(0, end);
}

/** Parses a Maildir file name. */
export function parseMaildirName(name: string): MaildirName {
  const base = name.split(":", 1)[0];
  const [unique, ...fields] = base.split(",");
  const numberField = (key: string) => {
    const field = fields.find((f) => f.startsWith(`${key}=`));
    const value = field === undefined ? NaN : Number(field.slice(2));
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  };
  const time = /^(\d+)(?:\.[^.]*?M(\d{1,6}))?/.exec(unique);
  return {
    unique,
    seconds: time ? Number(time[1]) : 0,
    micros: time?.[2] ? Number(time[2]) : 0,
    fileSize: numberField("S"),
    wireSize: numberField("W"),
  };
}

/** The UIDL for a unique name (RFC 1939 §7: 1-70 of 0x21-0x7e). */
export function maildirUidl(unique: string): string {
  if (/^[\x21-\x7e]{1,70}$/.test(unique)) return unique;
  return createHash("md5").update(unique).digest("hex");
}

/** The file of an entry (`maildir` normalized; no `join` per file). */
function fileOf(maildir: string, entry: MaildirEntry): string {
  return `${maildir}/${entry.subdir}/${entry.name}`;
}

/** The message files of new/ and cur/ (a missing one is empty). */
function listMessages(maildir: string): MaildirEntry[] {
  const entries: MaildirEntry[] = [];
  for (const subdir of ["new", "cur"] as const) {
    try {
      for (const entry of Deno.readDirSync(join(maildir, subdir))) {
        if (entry.name.startsWith(".") || entry.isDirectory) continue;
        entries.push({ subdir, name: entry.name });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return entries;
}

/** Size of a file as POP3 sends it: each bare LF becomes CRLF. */
function wireSizeOf(file: DirectoryFile, buffer: Uint8Array): number {
  try {
    const counter = new WireSizeCounter();
    for (;;) {
      const count = file.read(buffer);
      if (count === 0) return counter.size;
      counter.add(buffer.subarray(0, count));
      // A short read of a regular file is its end (read(2)).
      if (count < buffer.length) return counter.size;
    }
  } finally {
    file.close();
  }
}

/** A file of the Maildir found by its path (after a move). */
function fileAt(path: string): DirectoryFile {
  const file = Deno.openSync(path, { read: true });
  return {
    read: (buffer) => file.readSync(buffer) ?? 0,
    close: () => file.close(),
  };
}

/** A message being read; a short read is the end (no further call). */
function messageReader(file: DirectoryFile): MessageReader {
  let ended = false;
  let closed = false;
  return {
    read(buffer) {
      if (ended) return null;
      const count = file.read(buffer);
      if (count < buffer.length) ended = true;
      return count === 0 ? null : count;
    },
    close() {
      if (closed) return;
      closed = true;
      file.close();
    },
  };
}

/** new/ and cur/ held open for a session (absent: no such directory). */
type HeldDirectories = Readonly<Record<"new" | "cur", DirectoryFiles | null>>;

function holdDirectories(maildir: string): HeldDirectories {
  const hold = (subdir: string) => {
    try {
      return openDirectoryFiles(`${maildir}/${subdir}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  };
  const fresh = hold("new");
  try {
    return { new: fresh, cur: hold("cur") };
  } catch (error) {
    fresh?.close();
    throw error;
  }
}

function releaseDirectories(held: HeldDirectories | null): void {
  held?.new?.close();
  held?.cur?.close();
}

/**
 * The message files of the held new/ and cur/, oldest delivery first:
 * their names, which are in cur/, and the sizes their names tell
 * (`,W=`; NaN where the file must be read).
 */
function listHeld(
  held: HeldDirectories,
): { names: string[]; inCur: Uint8Array; named: Float64Array } {
  const fresh = (held.new?.names() ?? []).filter((n) => !n.startsWith("."));
  const seen = (held.cur?.names() ?? []).filter((n) => !n.startsWith("."));
  const all = fresh.concat(seen);
  const delivered = new Float64Array(all.length);
  const wire = new Float64Array(all.length);
  all.forEach((name, i) => {
    const { seconds, micros, wireSize } = parseMaildirName(name);
    delivered[i] = seconds * 1e6 + micros;
    wire[i] = wireSize ?? NaN;
  });
  const order = new Uint32Array(all.length).map((_, i) => i).sort((a, b) =>
    delivered[a] - delivered[b] ||
    (all[a] < all[b] ? -1 : all[a] > all[b] ? 1 : 0)
  );
  return {
    names: Array.from(order, (i) => all[i]),
    inCur: Uint8Array.from(order, (i) => i >= fresh.length ? 1 : 0),
    named: Float64Array.from(order, (i) => wire[i]),
  };
}

/** Finds a message again by unique name (it may have been moved). */
function locate(maildir: string, entry: MaildirEntry): string | undefined {
  const unique = uniqueOf(entry.name);
  const current = listMessages(maildir).find((e) =>
    uniqueOf(e.name) === unique
  );
  return current && fileOf(maildir, current);
}

/** Opens a snapshot file in its held directory, or by its path. */
function openHeld(
  maildir: string,
  held: HeldDirectories | null,
  entry: MaildirEntry,
): DirectoryFile {
  const directory = held?.[entry.subdir];
  return directory
    ? directory.open(entry.name)
    : fileAt(fileOf(maildir, entry));
}

/** Opens a snapshot file, following a move by another client. */
function openEntry(
  maildir: string,
  held: HeldDirectories | null,
  entry: MaildirEntry,
): MessageReader {
  try {
    return messageReader(openHeld(maildir, held, entry));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const moved = locate(maildir, entry);
  if (moved === undefined) {
    throw new Deno.errors.NotFound(
      `Message "${uniqueOf(entry.name)}" is no longer in the Maildir`,
    );
  }
  return openMessageFile(moved);
}

/** Unlinks a snapshot file wherever it is now; gone counts as done. */
async function removeEntry(
  maildir: string,
  entry: MaildirEntry,
): Promise<void> {
  try {
    await Deno.remove(fileOf(maildir, entry));
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const moved = locate(maildir, entry);
  if (moved !== undefined) {
    await Deno.remove(moved).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/** The POP3 size of an entry without `,W=`: from the cache, or the file. */
function sizeOf(
  maildir: string,
  held: HeldDirectories,
  entry: MaildirEntry,
  cache: MaildirSizeCache,
  buffer: Uint8Array,
): number {
  const flags = entry.name.indexOf(":");
  const key = flags < 0 ? entry.name : entry.name.slice(0, flags);
  const known = cache.get(key);
  if (known !== undefined) return known;
  let size: number;
  try {
    size = wireSizeOf(openHeld(maildir, held, entry), buffer);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const moved = locate(maildir, entry);
    size = moved === undefined ? 0 : wireSizeOf(fileAt(moved), buffer);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, size);
  return size;
}

/**
 * A taken snapshot, compact: the file names in POP3 order, which are in
 * cur/, and their sizes; each UIDL is made from the name when asked for.
 */
interface Snapshot {
  readonly names: readonly string[];
  /** 1 where the file is in cur/, 0 where it is in new/. */
  readonly inCur: Uint8Array;
  readonly sizes: Float64Array;
  /** The `.2`, `.3`, … of a UIDL an earlier message has too (rare). */
  readonly repeats: ReadonlyMap<number, number>;
}

/** Message `index` of a snapshot, as a file of the Maildir. */
function entryOf(
  snapshot: Pick<Snapshot, "names" | "inCur">,
  index: number,
): MaildirEntry {
  return {
    subdir: snapshot.inCur[index] === 1 ? "cur" : "new",
    name: snapshot.names[index],
  };
}

/** The UIDL of message `index` (RFC 1939 §7), unique in the snapshot. */
function uidlOf(snapshot: Snapshot, index: number): string {
  const uidl = maildirUidl(uniqueOf(snapshot.names[index]));
  const repeat = snapshot.repeats.get(index);
  return repeat === undefined ? uidl : `${uidl}.${repeat}`;
}

/** Lists the Maildir and sizes its messages, in time slices. */
async function takeSnapshot(
  maildir: string,
  held: HeldDirectories,
  cache: MaildirSizeCache,
): Promise<Snapshot> {
  const { names, inCur, named: sizes } = listHeld(held);
  const slice = new TimeSlice();
  await slice.pause();
  const buffer = new Uint8Array(READ_SIZE);
  for (let i = 0; i < sizes.length; i++) {
    if (!Number.isNaN(sizes[i])) continue;
    sizes[i] = sizeOf(
      maildir,
      held,
      entryOf({ names, inCur }, i),
      cache,
      buffer,
    );
    const pause = slice.pause();
    if (pause) await pause;
  }
  return { names, inCur, sizes, repeats: repeatedUidls(names) };
}

/**
 * The messages whose UIDL an earlier one has too, each with its count
 * (2 for the second): they get a `.2`, `.3`, … suffix.
 */
function repeatedUidls(names: readonly string[]): Map<number, number> {
  const seen = new Map<string, number>();
  const repeats = new Map<number, number>();
  names.forEach((name, i) => {
    const uidl = maildirUidl(uniqueOf(name));
    const count = (seen.get(uidl) ?? 0) + 1;
    seen.set(uidl, count);
    if (count > 1) repeats.set(i, count);
  });
  return repeats;
}

/**
 * Opens and locks the Maildir at `path` for one POP3 session.
 * @throws Deno.errors.NotFound when there is no Maildir (an empty maildrop)
 * @throws MaildropBusyError when another POP3 session has it
 */
export async function openMaildirMaildrop(
  maildir: string,
  options: MaildirMaildropOptions = {},
): Promise<Maildrop> {
  const path = normalize(maildir).replace(/(.)\/$/, "$1");
  const info = await Deno.stat(path);
  if (!info.isDirectory) {
    throw new Error(`Maildir "${path}" is not a directory`);
  }
  const lock = await takeSessionDotlock(
    join(path, MAILDIR_LOCK_NAME),
    options.lock,
  );
  const cache = options.sizeCache ?? new Map<string, number>();
  let snapshot: Promise<Snapshot> | undefined;
  let taken: Snapshot | undefined;
  let held: HeldDirectories | null = null;
  let open = true;
  const finish = async () => {
    if (!open) return;
    open = false;
    releaseDirectories(held);
    held = null;
    await lock.release();
  };
  const entryAt = (i: number) => {
    if (
      taken === undefined || !Number.isInteger(i) || i < 0 ||
      i >= taken.names.length
    ) {
      throw new RangeError(`No message with index ${i}`);
    }
    return entryOf(taken, i);
  };
  return {
    async scan() {
      if (!open) throw new Error("The maildrop is closed");
      if (snapshot === undefined) {
        held = holdDirectories(path);
        snapshot = takeSnapshot(path, held, cache);
      }
      const listed = taken = await snapshot;
      return {
        count: listed.names.length,
        size: (i) => listed.sizes[i],
        uidl: (i) => uidlOf(listed, i),
      };
    },
    retrieve(i) {
      if (!open) throw new Error("The maildrop is closed");
      return openEntry(path, held, entryAt(i));
    },
    async commit(deleted) {
      if (!open) throw new Error("The maildrop is closed");
      try {
        const doomed = [...deleted].map(entryAt);
        for (const entry of doomed) await removeEntry(path, entry);
        if (doomed.length > 0) {
          await syncDirectory(join(path, "new")).catch(ignoreMissing);
          await syncDirectory(join(path, "cur")).catch(ignoreMissing);
        }
      } finally {
        await finish();
      }
    },
    release: finish,
  };
}

function ignoreMissing(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}
