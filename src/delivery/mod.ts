/**
 * Delivery: routing and the delivery agents.
 *
 * DESCRIPTION
 *   The public face of src/delivery for the queue manager (`createRouter`)
 *   and smtpd (`createRecipientVerifier`), plus the mailbox writers for
 *   agents and tools that deliver directly.
 */
export { createRouter, type Router, type RouterOptions } from "./router.ts";
export { deliverLocal, type LocalDeliveryOptions } from "./local.ts";
export {
  classifyLocalRecipient,
  createRecipientVerifier,
  type LocalRecipient,
  type RecipientVerdict,
} from "./local_recipient.ts";
export { type LocalUser, lookupLocalUser } from "./local_users.ts";
export {
  deliverToMaildir,
  type MailboxOwner,
  type MaildirOptions,
} from "./maildir.ts";
export { deliverToMbox, type MboxOptions } from "./mbox.ts";
export { type MboxLockOptions, withMailboxLock } from "./lock.ts";
export {
  DeliveryError,
  type DeliveryMessage,
  type DeliveryResult,
} from "./types.ts";
