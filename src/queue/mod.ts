/**
 * The mail queue: durable queue files, the gate, the queue manager, the
 * listing.
 *
 * DESCRIPTION
 *   The public face of src/queue/ for the code that wires the queue up or
 *   inspects it: the master and the CLI import the queue from here only.
 *   The master opens a `QueueStore` (recovery and status), makes the gate
 *   with `createEnqueue(store)` and hands that gate, never the store, to
 *   the producers: smtpd, the queue manager's bounces, and (through
 *   `createResubmit`) the delivery agents that forward. The daemon runs
 *   one `createQueueManager`; `mailsrv queue` prints `queueListing` with
 *   `formatQueueListingStream` (or `formatQueueListingJson`), and its
 *   surgery (postsuper) goes through `createQueueSurgeon`, in the queue
 *   manager's thread while the daemon runs.
 *
 *   The producers themselves import only the gate, enqueue.ts, which
 *   carries their types. Formats and recovery rules:
 *   docs/queue-format.md.
 */
export type {
  Enqueue,
  EnqueueOptions,
  Envelope,
  NewEnvelope,
  QueuedRecipient,
  QueueName,
  QueueWriter,
  RecipientStatus,
  Resubmit,
  ResubmitRequest,
} from "./types.ts";
export { createEnqueue, type GateOptions, type GateQueue } from "./enqueue.ts";
export {
  type ContentLocation,
  QUEUE_DIRECTORIES,
  QUEUE_NAMES,
  QueueStore,
  type QueueStoreOptions,
} from "./store.ts";
export { MAX_HEADER_SIZE } from "./queue_file_reader.ts";
export { MAX_SPARE_FILES, type SpareFile } from "./spare_pool.ts";
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
export type {
  AttemptTally,
  FlushedMessage,
  FlushReport,
  FlushRequest,
} from "./flush_run.ts";
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
  readListingEntry,
  sortedQueueIds,
} from "./listing.ts";
export {
  type BounceFailure,
  type BounceInput,
  type BounceMessage,
  buildBounce,
} from "./bounce_message.ts";
export { type BounceRequest, sendBounce } from "./bounce.ts";
export { createResubmit } from "./resubmit.ts";
export { createForwardSender, type ForwardSender } from "./forward_sender.ts";
export { createPickup, type Pickup } from "./pickup.ts";
export {
  createQueueSurgeon,
  type QueueSurgeon,
  SURGERY_QUEUE_NAMES,
  SURGERY_QUEUES,
  type SurgeryOperation,
  type SurgeryOwner,
  type SurgeryReport,
  type SurgeryRequest,
} from "./surgery.ts";
export { formatListingJson, formatQueueListingJson } from "./listing_json.ts";
export {
  checkStructure,
  MAX_TEMP_AGE_MS,
  purgeStaleFiles,
  type StructureReport,
} from "./queue_repair.ts";
export {
  findQueuedMessage,
  formatQueuedMessage,
  type QueuedMessage,
  type ShowParts,
} from "./message_show.ts";
export { collectShape, formatShape } from "./shape.ts";
export {
  PARALLEL_FROM,
  type PrintListingOptions,
  printQueueListing,
} from "./listing_pool.ts";
