/**
 * Messages between the master and the threads that listen: smtpd's (every
 * smtp, submission and smtps listener) and pop3d's (pop3, pop3s).
 *
 * The master parses no network input: each of these threads binds its own
 * listeners (a net grant covers listening, and STARTTLS needs the
 * connection in the thread that serves it) and runs the sessions. All the
 * master and a listening thread share is these messages (structured
 * clones); a message with a `request` is answered with the same number.
 */
import type { Config } from "../config/types.ts";

/** How long a retired thread's sessions may run on by themselves. */
export const RETIRE_LIMIT_MS = 3_600_000;

/** The roles that run in a listening thread. */
export type ListenerRoleName = "smtpd" | "pop3d";

/** From the master to a listening thread. */
export type ToListenerRole =
  | {
    /** Start the role's listeners of `config` (once, first). */
    readonly kind: "start";
    readonly request: number;
    readonly config: Config;
    /** Log to stderr too (`mailsrv run`). */
    readonly foreground: boolean;
  }
  | {
    /**
     * Use `config` (already validated): new listeners are started first
     * (one that cannot bind fails the reload and changes nothing), removed
     * ones drain for `drainMs`.
     */
    readonly kind: "reload";
    readonly request: number;
    readonly config: Config;
    readonly foreground: boolean;
    readonly drainMs: number;
  }
  /** How many sessions run? Answered with `sessions`. */
  | { readonly kind: "status"; readonly request: number }
  /** Close every listening socket; sessions go on. */
  | { readonly kind: "stop-accepting"; readonly request: number }
  /**
   * Stop accepting and end once every session has ended by itself (its
   * client quit or timed out), as an old Postfix smtpd does after a
   * reload; sessions still running after RETIRE_LIMIT_MS are drained.
   * A `stop` meanwhile drains them at once.
   */
  | { readonly kind: "retire"; readonly request: number }
  /** Stop accepting, let sessions finish until the deadline, then end. */
  | {
    readonly kind: "stop";
    readonly request: number;
    readonly deadlineMs: number;
  }
  /** smtpd: spent queue files, now `tmp/<spare>`, for new messages. */
  | { readonly kind: "spares"; readonly spares: readonly string[] }
  /**
   * smtpd: auth thread `generation` failed or could not start
   * (auth_thread.ts); its checks under way fail (454 4.7.0).
   */
  | {
    readonly kind: "auth-failed";
    readonly generation: number;
    readonly error: string;
  }
  /** smtpd: the auth grants changed; the next AUTH gets a new thread. */
  | { readonly kind: "auth-renew" }
  /**
   * smtpd: `port` reaches the queue manager's thread directly
   * (commit_links.ts): commits go there, spent queue files come back.
   */
  | {
    readonly kind: "qmgr-link";
    readonly link: number;
    readonly port: MessagePort;
  }
  /**
   * smtpd: the queue manager's thread of `link` is gone; tell the master
   * again, and answer `qmgr-unlinked`.
   */
  | { readonly kind: "qmgr-unlink"; readonly link: number };

/** From a listening thread to the master. */
export type FromListenerRole =
  /** Request `request` is done. */
  | { readonly kind: "done"; readonly request: number }
  /**
   * Request `request` failed; `name` is the error's (`ListenError` when a
   * listener cannot bind), `error` its message.
   */
  | {
    readonly kind: "failed";
    readonly request: number;
    readonly name: string;
    readonly error: string;
  }
  | {
    readonly kind: "sessions";
    readonly request: number;
    readonly sessions: number;
  }
  /**
   * smtpd: messages durable in incoming/, those of one turn of the
   * thread's event loop (a group commit's round) together.
   */
  | { readonly kind: "committed"; readonly ids: readonly string[] }
  /** smtpd: ETRN asks for a flush of `site`'s deferred mail. */
  | { readonly kind: "flush"; readonly site: string }
  /**
   * smtpd: start an auth thread (number `generation`) serving `port`,
   * smtpd's channel to it (auth_proxy.ts); the master passes the port on
   * and never reads it.
   */
  | {
    readonly kind: "auth-start";
    readonly generation: number;
    readonly port: MessagePort;
  }
  /** smtpd: end auth thread `generation`; nothing of it is under way. */
  | { readonly kind: "auth-retire"; readonly generation: number }
  /** smtpd: nothing more goes over `link`; later commits come here. */
  | { readonly kind: "qmgr-unlinked"; readonly link: number }
  /**
   * A syslog datagram for the master's socket: a thread whose net grant
   * is a host list may not bind the datagram socket it would send from.
   */
  | { readonly kind: "syslog"; readonly message: string };
