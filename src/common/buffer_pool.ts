/**
 * Pools of same-sized byte buffers, reused instead of allocated anew.
 *
 * DESCRIPTION
 *   With one SMTP connection per message, a buffer allocated per session
 *   or per message churns tens of KiB each time; malloc then keeps the
 *   freed space fragmented and the resident size stays at its peak. A pool
 *   hands back buffers of ended users (up to its limit) instead. Every
 *   pool is registered, so a quiet daemon can give all idle buffers back
 *   at once (`drainBufferPools`, from memory_trim.ts).
 */

/** A bounded pool of buffers of one size. */
export interface BufferPool {
  /** A buffer of the pool's size (contents unspecified). */
  take(): Uint8Array;
  /** Returns `buffer` for reuse; dropped when the pool is full. */
  give(buffer: Uint8Array): void;
}

const pools: Array<() => void> = [];

/**
 * Creates a pool of `size`-byte buffers keeping at most `limit` idle.
 */
export function createBufferPool(size: number, limit: number): BufferPool {
  const idle: Uint8Array[] = [];
  pools.push(() => void idle.splice(0));
  return {
    take: () => idle.pop() ?? new Uint8Array(size),
    give(buffer) {
      if (buffer.byteLength === size && idle.length < limit) idle.push(buffer);
    },
  };
}

/** Drops the idle buffers of every pool in this thread. */
export function drainBufferPools(): void {
  for (const drain of pools) drain();
}
