/**
 * The mail queue: durable queue files, the queue manager, the listing.
 *
 * DESCRIPTION
 *   The public face of src/queue/. Producers (smtpd, sendmail, bounces)
 *   write through `QueueStore.openWriter`; the daemon runs one
 *   `createQueueManager`; `mailsrv queue` prints `queueListing` with
 *   `formatQueueListingStream`. Formats and recovery rules:
 *   docs/queue-format.md.
 */
export type {
  Envelope,
  NewEnvelope,
  OpenQueueWriter,
  QueuedRecipient,
  QueueName,
  QueueWriter,
  RecipientStatus,
} from "./types.ts";
export {
  type ContentLocation,
  MAX_HEADER_SIZE,
  type OpenWriterOptions,
  QUEUE_DIRECTORIES,
  QUEUE_NAMES,
  QueueStore,
  type QueueStoreOptions,
} from "./store.ts";
export {
  isOutOfSpace,
  type QueueFileHandle,
  WRITE_BUFFER_SIZE,
} from "./queue_writer.ts";
export {
  CorruptQueueFileError,
  encodeQueueFileHeader,
  parseQueueFile,
  QUEUE_FILE_MAGIC,
} from "./queue_file.ts";
export {
  createQueueIdGenerator,
  isQueueId,
  newQueueId,
  QUEUE_ID_LENGTH,
  queueIdTime,
} from "./queue_id.ts";
export {
  createQueueManager,
  type QueueManager,
  type QueueManagerOptions,
  type Schedule,
} from "./manager.ts";
export { isExpired, retryDelay } from "./backoff.ts";
export { type DeferReason } from "./defer_reasons.ts";
export {
  formatQueueListing,
  formatQueueListingStream,
  LISTED_QUEUES,
  type ListedRecipient,
  type ListingFormatOptions,
  queueListing,
  type QueueListingEntry,
} from "./listing.ts";
export {
  type BounceFailure,
  type BounceInput,
  type BounceMessage,
  buildBounce,
} from "./bounce_message.ts";
export { type BounceRequest, sendBounce } from "./bounce.ts";
export { createResubmit } from "./resubmit.ts";
