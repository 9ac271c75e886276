/**
 * The trace headers a local delivery adds on top of the message.
 *
 * DESCRIPTION
 *   Postfix's local(8) prepends
 *
 *     Return-Path: <sender>        RFC 5321 section 4.4: the final delivery
 *                                  records the envelope sender
 *     Delivered-To: recipient      loop detection for forwarding (Postfix,
 *                                  qmail convention); lower-cased as
 *                                  Postfix writes it, so later loop checks
 *                                  compare like with like
 *
 *   Both the Maildir and mbox writers use these lines. Envelope addresses
 *   reach delivery from the queue and cannot hold line breaks; control
 *   characters are still dropped here so no address can forge a header.
 */
import type { DeliveryMessage } from "./types.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;

/** The header lines (LF line ends) to write before the message content. */
export function deliveryHeaders(message: DeliveryMessage): Uint8Array {
  const sender = message.sender.replace(CONTROL, "");
  const recipient = message.recipient.replace(CONTROL, "").toLowerCase();
  return new TextEncoder().encode(
    `Return-Path: <${sender}>\nDelivered-To: ${recipient}\n`,
  );
}
