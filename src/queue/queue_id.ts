/**
 * Queue IDs: unique, never reused, sortable by time.
 *
 * DESCRIPTION
 *   A queue ID names a message in every queue directory and in every
 *   maillog line, in the spirit of Postfix's "long queue IDs"
 *   (enable_long_queue_ids): it is made of the arrival time and something
 *   that tells apart messages that arrive at the same instant.
 *
 *   An ID is 15 characters from [0-9A-Za-z]:
 *
 *     9 characters   microseconds since the epoch, base 62, zero-padded
 *                    (good until the year 2398)
 *     6 characters   random, base 62 (about 35.7 bits)
 *
 *   The alphabet is in ASCII order, so plain string order is time order.
 *   Within one thread the time part is strictly increasing: a clock that
 *   steps back, or two IDs in the same microsecond, continue from the last
 *   value plus one. Writers that share no state (the SMTP side and the
 *   queue manager's thread, or the daemon and a `sendmail` writing to
 *   maildrop/) would need the same microsecond and the same 36 random bits
 *   to collide.
 *
 *   Used by the gate (enqueue.ts); pure apart from the clock and the
 *   random source, both injectable.
 *
 * SEE ALSO
 *   docs/queue-format.md; Postfix global/mail_queue.h (MQID_LG_*).
 */

const ALPHABET =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = ALPHABET.length;
const TIME_DIGITS = 9;
const RANDOM_DIGITS = 6;
/** Largest byte value that maps onto base 62 without bias (4 × 62). */
const UNBIASED_LIMIT = 248;
const MAX_TIME = BASE ** TIME_DIGITS;

/** Length of every queue ID. */
export const QUEUE_ID_LENGTH = TIME_DIGITS + RANDOM_DIGITS;

const QUEUE_ID = new RegExp(`^[0-9A-Za-z]{${QUEUE_ID_LENGTH}}$`);

/** Sources a queue ID generator draws on (injectable for tests). */
export interface QueueIdSources {
  /** Microseconds since the epoch (may step back; IDs stay monotonic). */
  readonly clock?: () => number;
  /** Fills `bytes` with random values (default: crypto.getRandomValues). */
  readonly random?: (bytes: Uint8Array) => void;
}

/** Wall-clock microseconds: Date.now() plus a sub-millisecond part. */
function wallClockMicros(): number {
  const fraction = Math.floor((performance.now() % 1) * 1000);
  return Date.now() * 1000 + fraction;
}

function encodeTime(micros: number): string {
  if (micros >= MAX_TIME) {
    throw new Error(`Time ${micros}µs does not fit in a queue ID`);
  }
  let digits = "";
  let rest = micros;
  for (let i = 0; i < TIME_DIGITS; i++) {
    digits = ALPHABET[rest % BASE] + digits;
    rest = Math.floor(rest / BASE);
  }
  return digits;
}

function randomDigits(random: (bytes: Uint8Array) => void): string {
  let digits = "";
  const bytes = new Uint8Array(RANDOM_DIGITS * 2);
  while (digits.length < RANDOM_DIGITS) {
    random(bytes);
    for (const byte of bytes) {
      if (byte < UNBIASED_LIMIT && digits.length < RANDOM_DIGITS) {
        digits += ALPHABET[byte % BASE];
      }
    }
  }
  return digits;
}

/**
 * Creates a queue ID generator with its own monotonic time state.
 * A process normally uses the shared `newQueueId`.
 */
export function createQueueIdGenerator(
  sources: QueueIdSources = {},
): () => string {
  const clock = sources.clock ?? wallClockMicros;
  const random = sources.random ??
    ((bytes: Uint8Array) => void crypto.getRandomValues(bytes));
  let last = -1;
  return () => {
    const micros = Math.max(Math.floor(clock()), last + 1, 0);
    last = micros;
    return encodeTime(micros) + randomDigits(random);
  };
}

/** This thread's generator: IDs from it are strictly increasing. */
export const newQueueId: () => string = createQueueIdGenerator();

/** Whether `name` has the shape of a queue ID (directory entries). */
export function isQueueId(name: string): boolean {
  return QUEUE_ID.test(name);
}

/** The time part of a queue ID, in microseconds since the epoch. */
export function queueIdTime(id: string): number {
  if (!isQueueId(id)) throw new Error(`Not a queue ID: "${id}"`);
  let micros = 0;
  for (const digit of id.slice(0, TIME_DIGITS)) {
    micros = micros * BASE + ALPHABET.indexOf(digit);
  }
  return micros;
}
