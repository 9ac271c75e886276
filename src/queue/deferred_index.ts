/**
 * The deferred index: queue ID → retry time, in a few typed arrays.
 *
 * DESCRIPTION
 *   The queue manager remembers, for each message in deferred/, only its
 *   queue ID and its retry time, so a queue run can take what is due
 *   without a stat(2) of every deferred file (deferred_schedule.ts). A
 *   queue of 100,000 deferred messages must not cost the daemon tens of
 *   megabytes, nor the collector 100,000 objects to trace, so the index
 *   holds no strings or objects: a queue ID (15 characters of base 62,
 *   queue_id.ts) is kept as two exact integers, its first 8 characters
 *   and its last 7 (62^8 and 62^7 are both below 2^53), in an
 *   open-addressing hash table of three Float64Arrays (linear probing,
 *   removal by backward shift, so no tombstones) of 24 bytes a slot,
 *   between 3/8 and 3/4 full: 32 to 64 bytes a message (6 MiB for
 *   100,000), and nothing for the collector to trace.
 *
 *   Pure: no I/O, no clock. Does NOT know what is on disk; the schedule
 *   checks each due file before it is taken.
 */

const ALPHABET =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HIGH_DIGITS = 8;
const LOW_DIGITS = 7;
const EMPTY = -1;
const MIN_CAPACITY = 16;

const DIGIT_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  DIGIT_VALUE[ALPHABET.charCodeAt(i)] = i;
}

/** The value of `length` base-62 digits of `id` from `start`, or -1. */
function digits(id: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const code = id.charCodeAt(i);
    const digit = code < 128 ? DIGIT_VALUE[code] : -1;
    if (digit < 0) return -1;
    value = value * 62 + digit;
  }
  return value;
}

function encode(value: number, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) {
    text = ALPHABET[value % 62] + text;
    value = Math.floor(value / 62);
  }
  return text;
}

/** The two integers of a queue ID, or undefined when it is not one. */
function split(id: string): [number, number] | undefined {
  if (id.length !== HIGH_DIGITS + LOW_DIGITS) return undefined;
  const high = digits(id, 0, HIGH_DIGITS);
  const low = digits(id, HIGH_DIGITS, LOW_DIGITS);
  return high < 0 || low < 0 ? undefined : [high, low];
}

/** A 32-bit hash of the pair; the low part holds the random digits. */
function hash(high: number, low: number): number {
  const mixed = Math.imul(
    (low >>> 0) ^ Math.imul(high >>> 0, 0x9e3779b1),
    0x85ebca6b,
  );
  return (mixed ^ (mixed >>> 15) ^ Math.floor(low / 0x1_0000_0000)) >>> 0;
}

/** Queue IDs with their retry times (milliseconds since the epoch). */
export class DeferredIndex {
  #high = new Float64Array(MIN_CAPACITY).fill(EMPTY);
  #low = new Float64Array(MIN_CAPACITY);
  #due = new Float64Array(MIN_CAPACITY);
  #size = 0;

  /** How many messages the index holds. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the arrays (for the benchmark and tests). */
  get bytes(): number {
    return this.#high.byteLength * 3;
  }

  /** The slot of the pair, or the empty slot where it would go. */
  #slot(high: number, low: number): number {
    const mask = this.#high.length - 1;
    let slot = hash(high, low) & mask;
    while (
      this.#high[slot] !== EMPTY &&
      (this.#high[slot] !== high || this.#low[slot] !== low)
    ) slot = (slot + 1) & mask;
    return slot;
  }

  /**
   * Records (or moves) the retry time of message `id`. A name that is
   * not a queue ID is ignored: it is no message (store.ts lists only IDs).
   */
  set(id: string, dueMs: number): void {
    const pair = split(id);
    if (!pair) return;
    let slot = this.#slot(pair[0], pair[1]);
    if (this.#high[slot] === EMPTY) {
      if ((this.#size + 1) * 4 > this.#high.length * 3) {
        this.#resize(this.#high.length * 2);
        slot = this.#slot(pair[0], pair[1]);
      }
      this.#high[slot] = pair[0];
      this.#low[slot] = pair[1];
      this.#size++;
    }
    this.#due[slot] = dueMs;
  }

  /** The retry time of message `id`, or undefined when it is not held. */
  due(id: string): number | undefined {
    const pair = split(id);
    if (!pair) return undefined;
    const slot = this.#slot(pair[0], pair[1]);
    return this.#high[slot] === EMPTY ? undefined : this.#due[slot];
  }

  /** Whether message `id` is held. */
  has(id: string): boolean {
    return this.due(id) !== undefined;
  }

  /** Forgets message `id`; true if it was held. */
  delete(id: string): boolean {
    const pair = split(id);
    if (!pair) return false;
    const high = this.#high;
    const mask = high.length - 1;
    let hole = this.#slot(pair[0], pair[1]);
    if (high[hole] === EMPTY) return false;
    // Backward shift: pull later entries of the run into the hole when
    // their home slot does not lie between the hole and them.
    for (
      let next = (hole + 1) & mask;
      high[next] !== EMPTY;
      next = (next + 1) & mask
    ) {
      const home = hash(high[next], this.#low[next]) & mask;
      const between = hole <= next
        ? hole < home && home <= next
        : hole < home || home <= next;
      if (between) continue;
      high[hole] = high[next];
      this.#low[hole] = this.#low[next];
      this.#due[hole] = this.#due[next];
      hole = next;
    }
    high[hole] = EMPTY;
    this.#size--;
    if (this.#size * 8 < high.length && high.length > MIN_CAPACITY) {
      this.#resize(high.length / 2);
    }
    return true;
  }

  /**
   * Takes out the messages due by `nowMs` and returns their queue IDs,
   * earliest retry time first.
   */
  takeDue(nowMs: number): string[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.#high.length; slot++) {
      if (this.#high[slot] !== EMPTY && this.#due[slot] <= nowMs) {
        slots.push(slot);
      }
    }
    slots.sort((a, b) => this.#due[a] - this.#due[b]);
    const ids = slots.map((slot) =>
      encode(this.#high[slot], HIGH_DIGITS) +
      encode(this.#low[slot], LOW_DIGITS)
    );
    for (const id of ids) this.delete(id);
    return ids;
  }

  #resize(capacity: number): void {
    const high = this.#high;
    const low = this.#low;
    const due = this.#due;
    this.#high = new Float64Array(capacity).fill(EMPTY);
    this.#low = new Float64Array(capacity);
    this.#due = new Float64Array(capacity);
    for (let slot = 0; slot < high.length; slot++) {
      if (high[slot] === EMPTY) continue;
      const to = this.#slot(high[slot], low[slot]);
      this.#high[to] = high[slot];
      this.#low[to] = low[slot];
      this.#due[to] = due[slot];
    }
  }
}
