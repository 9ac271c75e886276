/**
 * Time slices for long synchronous work on a thread that serves sockets.
 *
 * DESCRIPTION
 *   A POP3 maildrop scan reads thousands of small files. Done with
 *   synchronous calls it is several times cheaper than with one async
 *   call per file (no hand-off to a thread pool per call, measured), but
 *   it must not keep the thread's other connections waiting. A
 *   `TimeSlice` lets such a loop ask, after each step, whether its slice
 *   (default 10 ms) is used up, and if so gives the event loop a turn
 *   (`setImmediate`: no 4 ms clamp as with a nested `setTimeout(0)`).
 *
 *   No permissions. Does NOT make anything asynchronous by itself.
 */
import { setImmediate } from "node:timers";

/** The default slice, in milliseconds. */
const SLICE_MS = 10;
/** Steps between looks at the clock (reading it is a call into the runtime). */
const STEPS_PER_LOOK = 32;

/** One loop's slicing: call `pause()` after each step. */
export class TimeSlice {
  readonly #sliceMs: number;
  #until: number;
  #steps = 0;

  constructor(sliceMs = SLICE_MS) {
    this.#sliceMs = sliceMs;
    this.#until = performance.now() + sliceMs;
  }

  /** Resolves at once, or after one turn of the event loop once the slice is up. */
  pause(): Promise<void> | undefined {
    if (++this.#steps < STEPS_PER_LOOK) return undefined;
    this.#steps = 0;
    if (performance.now() < this.#until) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#until = performance.now() + this.#sliceMs;
        resolve();
      })
    );
  }
}
