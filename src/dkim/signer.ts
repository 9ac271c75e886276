/**
 * DKIM signing of one message (RFC 6376, RFC 8463), through mailauth.
 *
 * DESCRIPTION
 *   `dkimSignature(content, keys)` reads the message's header to find the
 *   author domain (the first address of From:), picks the `[[dkim]]` keys
 *   of that domain — or of the closest parent domain that has keys, which
 *   DMARC's relaxed alignment accepts — and has mailauth compute one
 *   DKIM-Signature per key (relaxed/relaxed, rsa-sha256 or
 *   ed25519-sha256, mailauth's default header list: From, Subject, Date,
 *   To, Cc, Message-ID, MIME and List headers …, with From oversigned:
 *   see oversigned_sign.ts). The result is the
 *   header lines to put in front of the message, with LF line ends like
 *   the queued content (the SMTP client sends CRLF; DKIM hashes the
 *   canonical CRLF form either way).
 *
 *   mailauth signs with `signatureData: [{ signingDomain, selector,
 *   privateKey }]`; top-level options give an empty signature without an
 *   error, so that form is the only one used here.
 *
 *   Used by the delivery agents for mail that leaves the box. Reads the
 *   content twice (header, then the whole message); no other I/O.
 */
import { joinBytes } from "../common/join_bytes.ts";
import { Readable } from "node:stream";
import type { dkimSign } from "mailauth/lib/dkim/sign.js";
import { parseHeaders } from "mailauth/lib/tools.js";
import addressparser from "nodemailer/lib/addressparser/index.js";
import type { SigningKey } from "./signing_key.ts";
import { oversignedDkimSign } from "./oversigned_sign.ts";

/** A key of a domain, ready to sign with. */
export interface DomainKey {
  readonly domain: string;
  readonly selector: string;
  readonly key: SigningKey;
}

/** What signing gave. */
export interface DkimResult {
  /** DKIM-Signature header lines, LF line ends; "" when none was made. */
  readonly header: string;
  /** `(s=…, d=…)` of each signature made, for the log. */
  readonly signed: readonly { domain: string; selector: string }[];
  /** Why a signature could not be made. */
  readonly errors: readonly string[];
}

/** Headers past this many bytes are not searched for From:. */
const MAX_HEADER_BYTES = 1024 * 1024;

const NOTHING: DkimResult = { header: "", signed: [], errors: [] };

/** The message's header block (up to the empty line), bounded. */
async function readHeader(
  content: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = content.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
      length += value.length;
      const joined = parts.length === 1 ? parts[0] : joinBytes(parts);
      const end = headerEnd(joined);
      if (end >= 0) return joined.subarray(0, end);
      if (length > MAX_HEADER_BYTES) return joined;
      parts.splice(0, parts.length, joined);
    }
    return parts.length === 1 ? parts[0] : joinBytes(parts);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Offset just past the header's last line, or -1. */
function headerEnd(bytes: Uint8Array): number {
  if (bytes[0] === 0x0a) return 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    if (bytes[i + 1] === 0x0a) return i + 1;
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return i + 1;
  }
  return -1;
}

/** The domain of the first address of the From: header, lower case. */
export function authorDomain(header: Uint8Array): string | null {
  const { parsed } = parseHeaders(Buffer.from(header));
  const from = parsed.find((h: { key: string }) => h.key === "from");
  if (from === undefined) return null;
  const value = from.line.toString("binary").replace(/^[^:]*:/, "")
    .replace(/\r?\n/g, "");
  const address: string = addressparser(value, { flatten: true })[0]
    ?.address ?? "";
  const at = address.lastIndexOf("@");
  if (at < 0) return null;
  return address.slice(at + 1).toLowerCase().replace(/\.$/, "");
}

/** The keys for `domain`: its own, else those of its closest parent. */
export function keysFor(
  domain: string,
  keys: readonly DomainKey[],
): DomainKey[] {
  for (let d = domain; d.includes("."); d = d.slice(d.indexOf(".") + 1)) {
    const own = keys.filter((k) => k.domain === d);
    if (own.length > 0) return own;
  }
  return [];
}

/**
 * Signs the message `content()` opens with the keys of its author domain.
 * @param content opens a fresh stream of the message (LF line ends)
 * @param now the signature time (`t=`), milliseconds
 */
export async function dkimSignature(
  content: () => Promise<ReadableStream<Uint8Array>>,
  keys: readonly DomainKey[],
  now: number = Date.now(),
): Promise<DkimResult> {
  if (keys.length === 0) return NOTHING;
  const domain = authorDomain(await readHeader(await content()));
  if (domain === null) return NOTHING;
  const chosen = keysFor(domain, keys);
  if (chosen.length === 0) return NOTHING;
  const input = Readable.fromWeb(
    await content() as import("node:stream/web").ReadableStream<Uint8Array>,
  );
  // mailauth's typings ask for top-level key options, which sign nothing.
  const options = {
    canonicalization: "relaxed/relaxed",
    signTime: new Date(now),
    signatureData: chosen.map((k) => ({
      signingDomain: k.domain,
      selector: k.selector,
      privateKey: k.key.pem,
      algorithm: k.key.type === "ed25519" ? "ed25519-sha256" : "rsa-sha256",
    })),
  } as unknown as Parameters<typeof dkimSign>[1];
  const result = await oversignedDkimSign(input, options);
  const failed = new Set(
    (result.errors ?? []).map((
      e: { selector?: string; signingDomain?: string },
    ) => `${e.selector}/${e.signingDomain}`),
  );
  return {
    header: (result.signatures ?? "").replace(/\r\n/g, "\n"),
    signed: chosen
      .filter((k) => !failed.has(`${k.selector}/${k.domain}`))
      .map((k) => ({ domain: k.domain, selector: k.selector })),
    errors: (result.errors ?? []).map((
      e: { err?: Error; selector?: string; signingDomain?: string },
    ) =>
      `s=${e.selector}, d=${e.signingDomain}: ${e.err?.message ?? "failed"}`
    ),
  };
}
