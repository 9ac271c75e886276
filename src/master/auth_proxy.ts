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
 *   The first AUTH makes a MessageChannel and asks the master, through
 *   `link.start`, to start an auth thread on its other end (only the
 *   master can start a Worker with grants smtpd lacks). Requests posted
 *   meanwhile wait in the channel. The configuration goes along once per
 *   configuration object, so a reload reaches the auth thread with the
 *   next AUTH; when a reload changes the auth thread's grants the master
 *   says `renew`: the next AUTH starts a new thread and the old one is
 *   let go once its checks are answered.
 *
 *   After max_idle with no check under way the thread is let go
 *   (`link.retire`); the next AUTH starts another. When the master
 *   reports that the thread failed (`failed`), its checks under way
 *   throw, so smtpd answers 454 4.7.0, as for an unreadable file; the
 *   next AUTH starts a new thread (the master throttles restarts).
 *
 *   Does NOT start or end Workers (the master does), nor retry.
 */
import type { SaslAuthenticate } from "../auth/sasl_authenticator.ts";
import type { Config } from "../config/types.ts";
import type { AuthAnswer, AuthRequest } from "./auth_protocol.ts";

/** How the proxy reaches the master. */
export interface AuthLink {
  /** Start an auth thread serving `port` (number `generation`). */
  start(generation: number, port: MessagePort): void;
  /** End auth thread `generation`: nothing of it is under way. */
  retire(generation: number): void;
}

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
export interface AuthProxyOptions {
  /** max_idle, in ms, read at each look. */
  readonly maxIdleMs: () => number;
  /** How often to look whether the thread is idle (default 1 s). */
  readonly checkEveryMs?: number;
  readonly now?: () => number;
}

interface Waiting {
  readonly resolve: (name: string | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface AuthClient {
  readonly generation: number;
  readonly port: MessagePort;
  readonly waiting: Map<number, Waiting>;
  /** The configuration last sent, and its number. */
  config?: Config;
  configId: number;
  lastUsed: number;
  /** Let go once nothing is under way (renewed). */
  leaving: boolean;
  timer?: ReturnType<typeof setInterval>;
  /** Asks the master for the thread (once, after the first request). */
  start?: () => void;
}

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
  return {
    start: (generation, port) =>
      post({ kind: "auth-start", generation, port }, [port]),
    retire: (generation) => post({ kind: "auth-retire", generation }),
  };
}

/** Creates the proxy; no auth thread starts before the first AUTH. */
export function createAuthProxy(
  link: AuthLink,
  options: AuthProxyOptions,
): AuthProxy {
  const now = options.now ?? Date.now;
  let client: AuthClient | undefined;
  /** Every thread not let go yet: the current one and renewed ones. */
  const clients = new Map<number, AuthClient>();
  let generations = 0;
  let requests = 0;
  let configs = 0;

  const letGo = (gone: AuthClient, error?: Error) => {
    if (client === gone) client = undefined;
    clients.delete(gone.generation);
    clearInterval(gone.timer);
    gone.port.onmessage = null;
    gone.port.close();
    for (const waiting of gone.waiting.values()) {
      waiting.reject(error ?? new Error("the auth thread stopped"));
    }
    gone.waiting.clear();
  };

  const retire = (gone: AuthClient) => {
    letGo(gone);
    link.retire(gone.generation);
  };

  const answered = (of: AuthClient) => (event: MessageEvent<AuthAnswer>) => {
    const answer = event.data;
    const waiting = of.waiting.get(answer.request);
    if (waiting === undefined) return;
    of.waiting.delete(answer.request);
    of.lastUsed = now();
    if (answer.kind === "authenticated") {
      waiting.resolve(answer.name ?? undefined);
    } else waiting.reject(new Error(answer.error));
    if (of.leaving && of.waiting.size === 0) retire(of);
  };

  /** The current thread; a new one is started after its first request. */
  const open = (): AuthClient => {
    if (client !== undefined) return client;
    const channel = new MessageChannel();
    const fresh: AuthClient = {
      generation: ++generations,
      port: channel.port1,
      waiting: new Map(),
      configId: 0,
      lastUsed: now(),
      leaving: false,
    };
    fresh.port.onmessage = answered(fresh);
    fresh.timer = setInterval(() => {
      if (fresh.waiting.size > 0) return;
      if (now() - fresh.lastUsed < options.maxIdleMs()) return;
      retire(fresh);
    }, options.checkEveryMs ?? 1000);
    Deno.unrefTimer(fresh.timer);
    client = fresh;
    clients.set(fresh.generation, fresh);
    fresh.start = () => link.start(fresh.generation, channel.port2);
    return fresh;
  };

  const authenticate: SaslAuthenticate = (username, password, config) => {
    const to = open();
    const request = ++requests;
    const fresh = to.config !== config;
    if (fresh) {
      to.config = config;
      to.configId = ++configs;
    }
    const asked: AuthRequest = {
      kind: "authenticate",
      request,
      username,
      password,
      configId: to.configId,
      ...(fresh ? { config } : {}),
    };
    return new Promise<string | undefined>((resolve, reject) => {
      to.waiting.set(request, { resolve, reject });
      to.lastUsed = now();
      to.port.postMessage(asked);
      // A refusal (failed) can come at once: the request waits already.
      const start = to.start;
      to.start = undefined;
      start?.();
    });
  };

  return {
    authenticate,
    failed(generation, error) {
      const gone = clients.get(generation);
      if (gone) letGo(gone, new Error(`the auth thread failed: ${error}`));
    },
    renew() {
      const old = client;
      if (old === undefined) return;
      client = undefined;
      if (old.waiting.size === 0) retire(old);
      else old.leaving = true;
    },
    stop() {
      for (const gone of [...clients.values()]) retire(gone);
    },
  };
}
