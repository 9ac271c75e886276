/**
 * Messages between the master and the queue manager's thread.
 *
 * The master (SMTP and POP3 sessions, control socket) and the queue
 * manager with its delivery agents run in different threads; all they
 * share is the queue on disk and these messages (structured clones).
 */
import type { Config } from "../config/types.ts";
import type {
  FlushedMessage,
  FlushReport,
  SurgeryReport,
  SurgeryRequest,
} from "../queue/mod.ts";

/** From the master to the queue manager's thread. */
export type ToQueueManager =
  | {
    /** Open the queue and start delivering (once, first). */
    readonly kind: "start";
    readonly config: Config;
    /** Log to stderr too (`mailsrv run`). */
    readonly foreground: boolean;
  }
  /** Messages durable in incoming/ (announced in one turn, together). */
  | { readonly kind: "committed"; readonly ids: readonly string[] }
  /**
   * Deliver all queued mail now, or a site's (`mailsrv flush`, ETRN);
   * answered with `flush-report` (and `flushed` per message when
   * `progress`) for the same `request`.
   */
  | {
    readonly kind: "flush";
    readonly request: number;
    readonly site?: string;
    readonly progress: boolean;
  }
  /** Use this configuration from now on (already validated). */
  | {
    readonly kind: "reload";
    readonly config: Config;
    readonly foreground: boolean;
  }
  /**
   * Delete, hold, release or requeue messages (postsuper); answered with
   * `surgery-report` for the same `request`, once every message is dealt
   * with (one being delivered after its attempt).
   */
  | {
    readonly kind: "surgery";
    readonly request: number;
    readonly surgery: SurgeryRequest;
  }
  /** How many messages are active? Answered with the same `request`. */
  | { readonly kind: "status"; readonly request: number }
  /**
   * `port` reaches an smtpd thread directly (commit_links.ts): its
   * commits arrive there; spent queue files go back over it.
   */
  | {
    readonly kind: "smtpd-link";
    readonly link: number;
    readonly port: MessagePort;
  }
  /** The smtpd thread of `link` has ended. */
  | { readonly kind: "smtpd-unlink"; readonly link: number }
  /** Take no new work; finish deliveries until the deadline; answer. */
  | { readonly kind: "stop"; readonly deadlineMs: number }
  /**
   * SMTP client `generation` failed to start or died
   * (agent_notice_threads.ts): what it had under way is lost.
   */
  | {
    readonly kind: "smtp-client-failed";
    readonly generation: number;
    readonly error: string;
  }
  /**
   * Local delivery Worker `generation` failed to start or died
   * (agent_notice_threads.ts): what it had under way is lost.
   */
  | {
    readonly kind: "local-delivery-failed";
    readonly generation: number;
    readonly error: string;
  };

/** From the queue manager's thread to the master. */
export type FromQueueManager =
  /** A syslog datagram for the master's socket (this thread has no net). */
  | { readonly kind: "syslog"; readonly message: string }
  /** Delivering; the queue was recovered. */
  | { readonly kind: "started" }
  /** The start failed (the master gives up, as with any start error). */
  | { readonly kind: "failed"; readonly error: string }
  /** Spent queue files, now `tmp/<spare>`, for the next new messages. */
  | { readonly kind: "spares"; readonly spares: readonly string[] }
  | {
    readonly kind: "status";
    readonly request: number;
    readonly activeMessages: number;
  }
  /**
   * Nothing to do for max_idle with the queue empty, after `committed`
   * commit messages: the master may stop the thread until the next one.
   */
  | { readonly kind: "idle"; readonly committed: number }
  /** A message of flush `request` has had its attempt. */
  | {
    readonly kind: "flushed";
    readonly request: number;
    readonly message: FlushedMessage;
  }
  /** Surgery `request` is done (or failed: `error`). */
  | {
    readonly kind: "surgery-report";
    readonly request: number;
    readonly report?: SurgeryReport;
    readonly error?: string;
  }
  /** Flush `request` is over. */
  | {
    readonly kind: "flush-report";
    readonly request: number;
    readonly report: FlushReport;
  }
  /** Stopped: deliveries finished or left in active/ for the next start. */
  | { readonly kind: "stopped" }
  /**
   * Start an SMTP client Worker (smtp_client_worker.ts) serving `port`,
   * this thread's channel to it (smtp_client_proxy.ts).
   */
  | {
    readonly kind: "smtp-client-start";
    readonly generation: number;
    readonly port: MessagePort;
  }
  /** End SMTP client `generation`: idle for max_idle, nothing under way. */
  | { readonly kind: "smtp-client-retire"; readonly generation: number }
  /**
   * Start a local delivery Worker (local_delivery_worker.ts) serving
   * `port`, this thread's channel to it (local_delivery_proxy.ts).
   */
  | {
    readonly kind: "local-delivery-start";
    readonly generation: number;
    readonly port: MessagePort;
  }
  /** End local delivery Worker `generation`: idle, nothing under way. */
  | { readonly kind: "local-delivery-retire"; readonly generation: number };
