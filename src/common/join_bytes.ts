/**
 * Byte arrays joined into one.
 */

/**
 * `parts` copied, in order, into one new array (never one of `parts`:
 * callers may reuse their buffers).
 */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
