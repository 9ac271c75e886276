/**
 * `DeliveryMessage` fixtures and temp-dir helpers for delivery tests.
 */
import type { Privileges } from "../../../src/delivery/local/local_types.ts";
import assert from "node:assert/strict";
import {
  DeliveryError,
  type DeliveryMessage,
} from "../../../src/delivery/types.ts";

/** How to build a test message. */
export interface TestMessageOptions {
  readonly sender?: string;
  readonly recipient?: string;
  /** The content, as one string or as the chunks the stream yields. */
  readonly content?: string | readonly (string | Uint8Array)[];
  /** Make the stream fail after yielding all chunks (a broken queue file). */
  readonly failAtEnd?: boolean;
}

const encoder = new TextEncoder();

/** Encodes a string or passes bytes through. */
export function bytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A message whose content stream yields the given chunks. */
export function testMessage(options: TestMessageOptions = {}): DeliveryMessage {
  const raw = options.content ?? "Subject: test\n\nHello.\n";
  const chunks = (typeof raw === "string" ? [raw] : raw).map(bytes);
  return {
    queueId: "4Xq9Zk2mTb",
    sender: options.sender ?? "alice@example.org",
    recipient: options.recipient ?? "bob@mx.example.org",
    arrivalTime: 1_700_000_000_000,
    size: chunks.reduce((n, c) => n + c.length, 0),
    content: () => {
      let index = 0;
      return Promise.resolve(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (index < chunks.length) {
              // Copies: the writer must not depend on buffer identity.
              controller.enqueue(chunks[index++].slice());
            } else if (options.failAtEnd) {
              controller.error(new Error("queue file read error"));
            } else {
              controller.close();
            }
          },
        }),
      );
    },
  };
}

/** The DeliveryError `promise` rejects with (it must reject). */
export async function deliveryFailure(
  promise: Promise<unknown>,
): Promise<DeliveryError> {
  const error = await promise.then(
    () => assert.fail("delivery should fail"),
    (e) => e,
  );
  assert.ok(error instanceof DeliveryError, String(error));
  return error;
}

/** Runs `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-delivery-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The unprivileged user delivery runs as in tests that need a target user. */
export const NOBODY: Privileges = {
  user: "nobody",
  uid: 65534,
  gid: 65534,
  home: "/nonexistent",
  shell: "/usr/sbin/nologin",
};
