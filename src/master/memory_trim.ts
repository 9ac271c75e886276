/**
 * Gives memory back once a busy spell is over.
 *
 * DESCRIPTION
 *   V8 keeps the heap it grew under load until allocation pressure makes
 *   it collect again, which an idle daemon never does: after a burst of
 *   mail the resident size stays at its peak. So each thread checks every
 *   TRIM_INTERVAL_MS whether it is quiet (no sessions, no deliveries, no
 *   new mail); after two quiet checks in a row following activity, it
 *   drops its idle pooled buffers (common/buffer_pool.ts) and runs one
 *   full collection, which also shrinks the young generation
 *   (capped by --max-semi-space-size, see self_command.ts). A thread
 *   that stays quiet is not collected again.
 *
 *   The collector is reached by turning on V8's --expose-gc at run time
 *   and taking `gc` from a fresh context (node:vm), so no command-line
 *   flag is needed for it.
 *
 *   What the threads' collections free goes back to glibc's malloc, which
 *   keeps it: a deferred queue of 100,000 messages left about 12 MB there
 *   after its load. `startMallocTrim` calls malloc_trim(0) every 10 s
 *   in a thread that may load the C library (the master: role threads
 *   have no ffi grant, and one call trims the arenas of every thread); a
 *   call that finds nothing to give back costs a fraction of a
 *   millisecond.
 */
import v8 from "node:v8";
import { drainBufferPools } from "../common/buffer_pool.ts";
import vm from "node:vm";
import { loadLibc } from "../fs/libc.ts";

/** How often a thread checks whether it is quiet. */
export const TRIM_INTERVAL_MS = 2000;

/** This isolate's full collection, or undefined if V8 refuses it. */
function fullCollection(): (() => void) | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    return typeof gc === "function" ? () => gc() : undefined;
  } catch {
    return undefined;
  }
}

/** Decides, tick by tick, when to collect: pure, for tests. */
export function createTrimSchedule(): (quiet: boolean) => boolean {
  // The first quiet spell after start counts too: start-up garbage.
  let busySinceTrim = true;
  let quietTicks = 0;
  return (quiet) => {
    if (!quiet) {
      busySinceTrim = true;
      quietTicks = 0;
      return false;
    }
    quietTicks++;
    if (!busySinceTrim || quietTicks < 2) return false;
    busySinceTrim = false;
    return true;
  };
}

/**
 * Starts trimming this thread's heap when `isQuiet()` has held for two
 * checks after activity. The timer does not keep the process alive.
 * @returns a function that stops it
 */
export function startMemoryTrim(
  isQuiet: () => boolean,
  intervalMs = TRIM_INTERVAL_MS,
): () => void {
  const collect = fullCollection();
  if (!collect) return () => {};
  const due = createTrimSchedule();
  const timer = setInterval(() => {
    if (!due(isQuiet())) return;
    drainBufferPools();
    collect();
  }, intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/** How often the master hands freed malloc memory back. */
export const MALLOC_TRIM_INTERVAL_MS = 10_000;

/**
 * Calls malloc_trim(0) every `intervalMs` where the C library can be
 * loaded (else does nothing). The timer does not keep the process alive.
 * @returns a function that stops it
 */
export function startMallocTrim(
  intervalMs = MALLOC_TRIM_INTERVAL_MS,
): () => void {
  const libc = loadLibc();
  if (libc === null) return () => {};
  const timer = setInterval(() => libc.malloc_trim(0n), intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/**
 * Wraps a counter of work done (messages committed, say) as a quiet test:
 * quiet when it has not moved since the previous call and `idle()` holds.
 */
export function quietWhen(
  count: () => number,
  idle: () => boolean,
): () => boolean {
  let last = count();
  return () => {
    const now = count();
    const moved = now !== last;
    last = now;
    return !moved && idle();
  };
}
