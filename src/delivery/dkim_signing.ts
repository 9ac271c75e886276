/**
 * DKIM signing of mail that leaves the box (OpenDKIM's signing mode).
 *
 * DESCRIPTION
 *   The SMTP client hands every message bound for plain SMTP (not a
 *   named transport such as a content filter) through
 *   `sign(message, config)` (`smtp/signing_agent.ts`). A message is signed when
 *
 *     - it came from a client in mynetworks, or one that authenticated
 *       (protocol ESMTPA, ESMTPSA), or it was submitted on this machine
 *       (`mailsrv sendmail`) or is mailsrv's own notice (a bounce), both
 *       protocol LOCAL, and
 *     - its From: domain, or a parent of it, has `[[dkim]]` keys.
 *
 *   Mail forwarded by aliases and .forward (protocol FORWARD) is not
 *   signed: its author is elsewhere, and a signature would vouch
 *   for a From: that mailsrv never checked.
 *
 *   The signature is made once per message and attempt (the recipients
 *   of one message share it) and goes in front of the content, which
 *   grows by its length (the SIZE= announced). A key that cannot be read
 *   or a signing failure logs a warning and the message goes unsigned:
 *   the start-up check already refuses unusable keys, so this is a key
 *   changed while running.
 *
 *   Used by the SMTP client (`smtp/signing_agent.ts`), in its own
 *   Worker under the daemon. Reads the key files (re-read when
 *   they change) and the message content.
 */
import type { Config, DkimKeyConfig } from "../config/types.ts";
import type { DeliveryMessage } from "./types.ts";
import { inNetworks } from "../policy/networks.ts";
import { maillog } from "../log/maillog.ts";
import {
  readSigningKey,
  type SigningKey,
  SigningKeyError,
} from "../dkim/signing_key.ts";
import type { DkimResult, DomainKey } from "../dkim/signer.ts";

const log = maillog("dkim");

/** What signing needs of a message (a DeliveryMessage, an SmtpMessage). */
export type SignableMessage = Pick<
  DeliveryMessage,
  "queueId" | "size" | "content" | "client"
>;

/** Signs (or not) one message for the SMTP client. */
export type DkimSigning = <M extends SignableMessage>(
  message: M,
  config: Config,
) => Promise<M>;

/** Signatures kept for the other recipients of the same message. */
const MEMO_SIZE = 32;

/** Whether mailsrv vouches for the message's origin (module comment). */
export function signsOrigin(
  message: Pick<DeliveryMessage, "client">,
  mynetworks: readonly string[],
): boolean {
  const client = message.client;
  if (client === undefined) return false;
  if (client.protocol === "LOCAL") return true;
  if (/^E?SMTPS?A$/.test(client.protocol)) return true;
  return inNetworks(client.address, mynetworks);
}

/** Creates the signer with its key cache and signature memo. */
export function createDkimSigning(
  options: { readonly now?: () => number } = {},
): DkimSigning {
  const now = options.now ?? Date.now;
  const keys = new Map<string, { mtime: number; key: SigningKey }>();
  const memo = new Map<string, Promise<DkimResult>>();

  const keyOf = (table: DkimKeyConfig): DomainKey | null => {
    try {
      const mtime = Deno.statSync(table.privateKeyFile).mtime?.getTime() ?? 0;
      let cached = keys.get(table.privateKeyFile);
      if (cached === undefined || cached.mtime !== mtime) {
        cached = { mtime, key: readSigningKey(table.privateKeyFile) };
        keys.set(table.privateKeyFile, cached);
      }
      return {
        domain: table.domain,
        selector: table.selector,
        key: cached.key,
      };
    } catch (e) {
      const reason = e instanceof SigningKeyError ? e.message : String(e);
      log.warning(`cannot use DKIM key: ${reason}`);
      return null;
    }
  };

  const signatureOf = (message: SignableMessage, config: Config) => {
    const key = `${message.queueId}\n${config.dkim.length}`;
    let pending = memo.get(key);
    if (pending === undefined) {
      const usable = config.dkim.flatMap((t) => keyOf(t) ?? []);
      // The signer (mailauth, about 20 MB a thread) is loaded at the first
      // signature, so a site without [[dkim]] keys never loads it.
      pending = import("../dkim/signer.ts").then(({ dkimSignature }) =>
        dkimSignature(message.content, usable, now())
      ).then(
        (result) => {
          for (const s of result.signed) {
            log.info(
              `${message.queueId}: DKIM-Signature field added (s=${s.selector}, d=${s.domain})`,
            );
          }
          for (const e of result.errors) {
            log.warning(`${message.queueId}: DKIM signing failed: ${e}`);
          }
          return result;
        },
        (error) => {
          log.warning(
            `${message.queueId}: DKIM signing failed: ${
              (error as Error).message
            }`,
          );
          return { header: "", signed: [], errors: [] };
        },
      );
      memo.set(key, pending);
      if (memo.size > MEMO_SIZE) memo.delete(memo.keys().next().value!);
    }
    return pending;
  };

  return async <M extends SignableMessage>(
    message: M,
    config: Config,
  ): Promise<M> => {
    if (config.dkim.length === 0) return message;
    if (!signsOrigin(message, config.mynetworks)) return message;
    const { header } = await signatureOf(message, config);
    if (header === "") return message;
    const bytes = new TextEncoder().encode(header);
    return {
      ...message,
      size: message.size + bytes.length,
      content: async () => prepend(bytes, await message.content()),
    };
  };
}

/** `head`, then every chunk of `rest`. */
function prepend(
  head: Uint8Array,
  rest: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  const reader = rest.getReader();
  let sentHead = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentHead) {
        sentHead = true;
        controller.enqueue(head);
        return;
      }
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
