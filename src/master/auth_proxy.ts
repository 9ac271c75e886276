/**
 * SMTP AUTH's password check as smtpd's thread sees it: a
 * SaslAuthenticate whose work is done in the auth thread.
 *
 * DESCRIPTION
 *   smtpd's thread may not read the SASL users file or the passwd files;
 *   the auth thread (auth_worker.ts) may, and does nothing else.
 *   `createAuthProxy(link)` returns a check with the SASL authenticator's
 *   signature for the session, so failed-login pauses and counts
 *   (failed_logins.ts) and the replies stay in smtpd.
 *
 *   The thread is kept by worker_peer.ts: started (through `link.start`;
 *   only the master can start a Worker with grants smtpd lacks) by the
 *   first AUTH, let go (`link.retire`) after max_idle with no check under
 *   way. The configuration goes along once per configuration object, so a
 *   reload reaches the auth thread with the next AUTH; when a reload
 *   changes the auth thread's grants the master says `renew`: the next
 *   AUTH starts a new thread and the old one is let go once its checks
 *   are answered. When the master reports that the thread failed
 *   (`failed`), its checks under way throw, so smtpd answers 454 4.7.0,
 *   as for an unreadable file; the next AUTH starts a new thread (the
 *   master throttles restarts).
 *
 *   Does NOT start or end Workers (the master does), nor retry.
 */
import type { SaslAuthenticate } from "../auth/sasl_authenticator.ts";
import type { AuthAnswer, AuthRequest } from "./auth_protocol.ts";
import {
  createWorkerPeer,
  type IdleOptions,
  linkByNotices,
  type WorkerLink,
} from "./worker_peer.ts";

/** How the proxy reaches the master. */
export type AuthLink = WorkerLink;

/** The proxy, and what smtpd's thread tells it. */
export interface AuthProxy {
  /** The check the sessions call. */
  readonly authenticate: SaslAuthenticate;
  /** The master says thread `generation` failed (or never started). */
  failed(generation: number, error: string): void;
  /** New grants: the next check goes to a new thread. */
  renew(): void;
  /** Let the thread go (smtpd's thread stops). */
  stop(): void;
}

/** Options of the proxy; tests make time pass. */
export type AuthProxyOptions = IdleOptions;

/**
 * The link of smtpd's thread, whose parent starts and ends the auth
 * thread on its `auth-start` and `auth-retire` messages.
 */
export function linkThroughMaster(
  post: (
    notice:
      | { kind: "auth-start"; generation: number; port: MessagePort }
      | { kind: "auth-retire"; generation: number },
    transfer?: Transferable[],
  ) => void,
): AuthLink {
  return linkByNotices(post, { start: "auth-start", retire: "auth-retire" });
}

/** Creates the proxy; no auth thread starts before the first AUTH. */
export function createAuthProxy(
  link: AuthLink,
  options: AuthProxyOptions,
): AuthProxy {
  const peer = createWorkerPeer<AuthRequest, AuthAnswer, string | undefined>(
    link,
    {
      ...options,
      label: "the auth thread",
      settle: (answer, resolve, reject) =>
        answer.kind === "authenticated"
          ? resolve(answer.name ?? undefined)
          : reject(new Error(answer.error)),
    },
  );
  const authenticate: SaslAuthenticate = (username, password, config) =>
    peer.ask(config, (numbers) => ({
      kind: "authenticate",
      ...numbers,
      username,
      password,
    }));
  return {
    authenticate,
    failed: peer.failed,
    renew: peer.renew,
    stop: peer.stop,
  };
}
