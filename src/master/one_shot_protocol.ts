/**
 * Messages between `mailsrv flush` (one_shot_run.ts) and the Worker that
 * runs its queue manager and delivery agents (one_shot_worker.ts).
 *
 * The SMTP client and local delivery notices are the queue manager
 * thread's own (qmgr_protocol.ts), so agent_notice_threads.ts serves
 * both.
 */
import type { Config } from "../config/types.ts";
import type { FlushedMessage, FlushReport } from "../queue/mod.ts";
import type { ToQueueManager } from "./qmgr_protocol.ts";
import type {
  LocalDeliveryNotice,
  SmtpClientNotice,
} from "./agent_notice_threads.ts";

/** From `mailsrv flush` to the Worker. */
export type ToOneShot =
  | {
    /** Deliver from the queue once, as `site` asks (all when absent). */
    readonly kind: "run";
    readonly config: Config;
    readonly site?: string;
    /** Send `flushed` per message. */
    readonly progress: boolean;
  }
  | Extract<
    ToQueueManager,
    { kind: "smtp-client-failed" | "local-delivery-failed" }
  >;

/** From the Worker to `mailsrv flush`. */
export type FromOneShot =
  /** A syslog datagram for this thread's socket (the Worker has no net). */
  | { readonly kind: "syslog"; readonly message: string }
  /** A message has had its attempt. */
  | { readonly kind: "flushed"; readonly message: FlushedMessage }
  /** The run is over, and what it gave rise to. */
  | { readonly kind: "done"; readonly report: FlushReport }
  /** The run could not be made (the queue could not be opened, …). */
  | { readonly kind: "failed"; readonly error: string }
  | SmtpClientNotice
  | LocalDeliveryNotice;
