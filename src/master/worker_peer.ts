/**
 * The asking side of a Worker started on demand: requests over a
 * MessageChannel, each answered by its number, to whichever Worker is
 * current.
 *
 * DESCRIPTION
 *   A thread that may not do a thing itself asks a Worker that may: the
 *   queue manager's thread its SMTP client (smtp_client_proxy.ts) and its
 *   local delivery (local_delivery_proxy.ts), smtpd's thread its auth
 *   thread (auth_proxy.ts). `createWorkerPeer(link, options)` keeps those
 *   Workers for the proxy, which only says what a request and an answer
 *   are.
 *
 *   The first request (`ask`) makes a MessageChannel, posts itself on this
 *   end and asks the parent, through `link.start`, to start a Worker on
 *   the other (a Worker cannot grant a child more than it has itself, so
 *   only the parent can start one with grants this thread lacks); requests
 *   posted meanwhile wait in the channel. Each request carries a number,
 *   and the answer with that number settles it (`options.settle`); each
 *   configuration object goes along with the first request made under it
 *   to each Worker, later ones carry only its number (`configId`), so a
 *   reload reaches the Worker with the next request. Messages the Worker
 *   sends of itself, without a number, go to `options.unasked`. Requests
 *   made in one turn of the event loop cross as one message, and so do
 *   answers (port_batch.ts).
 *
 *   After max_idle with nothing waiting the Worker is let go
 *   (`link.retire`), as Postfix's daemons exit after max_idle; the next
 *   request starts another. When the parent reports that a Worker failed
 *   (`failed`), what waits on it throws and its `gone` signal is aborted;
 *   the next request starts a new one, with `options.backoff` only after
 *   the restart backoff (restart_backoff.ts; requests meanwhile wait).
 *   `renew` sends the next request to a new Worker and lets the old one go
 *   once its requests are answered, so several may be alive at once.
 *   `stop` lets every one go.
 *
 *   Does NOT start or end Workers (the parent does), retry, nor know what
 *   a request means. The Worker's side is worker_serve.ts.
 */
import type { Config } from "../config/types.ts";
import type { MessageBatch } from "../common/message_batch.ts";
import { eachPosted, postPerTurn } from "./port_batch.ts";
import {
  createRestartBackoff,
  type RestartBackoffOptions,
} from "./restart_backoff.ts";

/** How a peer reaches the parent that starts its Workers. */
export interface WorkerLink {
  /** Start Worker `generation` serving `port`. */
  start(generation: number, port: MessagePort): void;
  /** End Worker `generation`: nothing of it is under way. */
  retire(generation: number): void;
}

/**
 * The link of a thread whose parent starts and ends the Worker on its
 * notices `kinds.start` (with the port, transferred) and `kinds.retire`.
 */
export function linkByNotices<Start extends string, Retire extends string>(
  post: (
    notice:
      | { kind: Start; generation: number; port: MessagePort }
      | { kind: Retire; generation: number },
    transfer?: Transferable[],
  ) => void,
  kinds: { readonly start: Start; readonly retire: Retire },
): WorkerLink {
  return {
    start: (generation, port) =>
      post({ kind: kinds.start, generation, port }, [port]),
    retire: (generation) => post({ kind: kinds.retire, generation }),
  };
}

/** What every request carries besides its own fields. */
export interface RequestNumbers {
  readonly request: number;
  /** The configuration's number; `config` comes with its first use. */
  readonly configId: number;
  readonly config?: Config;
}

/** One Worker, as a handler of its unasked messages holds it. */
export interface PeerWorker<Request> {
  readonly generation: number;
  /** Aborted, with the error that let it go, when the Worker is let go. */
  readonly gone: AbortSignal;
  /** Posts `message` to the Worker, unless it was let go. */
  post(message: Request, transfer?: Transferable[]): void;
}

/** When an idle Worker is let go; tests make time pass. */
export interface IdleOptions {
  /** max_idle, in ms, read at each look. */
  readonly maxIdleMs: () => number;
  readonly now?: () => number;
  /** How often the idle watch looks (default 1 s). */
  readonly checkEveryMs?: number;
}

/** What the Worker is, to the peer. */
export interface WorkerPeerOptions<Request, Answer, Value, Unasked>
  extends IdleOptions {
  /** The Worker in errors: "<label> stopped", "<label> failed: …". */
  readonly label: string;
  /** Settles a request with its answer. */
  readonly settle: (
    answer: Answer,
    resolve: (value: Value) => void,
    reject: (error: Error) => void,
  ) => void;
  /** Handles a message the Worker sends of itself (it has no number). */
  readonly unasked?: (message: Unasked, from: PeerWorker<Request>) => void;
  /** Restart a failed Worker after this backoff (default: at once). */
  readonly backoff?: RestartBackoffOptions;
}

/** The peer, as its proxy uses it. */
export interface WorkerPeer<Request, Value> {
  /**
   * Posts the request `build` makes from its numbers and waits for its
   * answer; starts a Worker if none is current.
   */
  ask(
    config: Config,
    build: (numbers: RequestNumbers) => Request,
  ): Promise<Value>;
  /** The parent says Worker `generation` failed (or never started). */
  failed(generation: number, error: string): void;
  /** The next request goes to a new Worker (new grants). */
  renew(): void;
  /** Lets every Worker go (the thread stops). */
  stop(): void;
}

interface Waiting<Value> {
  readonly resolve: (value: Value) => void;
  readonly reject: (error: Error) => void;
}

interface Held<Request, Value> {
  readonly generation: number;
  readonly port: MessagePort;
  /** The requests of this turn, posted together at its end. */
  readonly outbox: MessageBatch<Request & object>;
  /** The Worker's end of the channel, until the parent is asked. */
  far?: MessagePort;
  /** The start, while it waits for the restart backoff. */
  starting?: ReturnType<typeof setTimeout>;
  readonly waiting: Map<number, Waiting<Value>>;
  /** The configuration last sent, and its number. */
  config?: Config;
  configId: number;
  lastUsed: number;
  /** Let go once nothing waits (renewed). */
  leaving: boolean;
  timer?: ReturnType<typeof setInterval>;
  readonly abandon: AbortController;
  readonly worker: PeerWorker<Request>;
}

/** Creates the peer; no Worker starts before the first request. */
export function createWorkerPeer<
  Request,
  Answer extends { readonly request: number },
  Value,
  Unasked extends object = never,
>(
  link: WorkerLink,
  options: WorkerPeerOptions<Request, Answer, Value, Unasked>,
): WorkerPeer<Request, Value> {
  const now = options.now ?? Date.now;
  const backoff = options.backoff && createRestartBackoff(options.backoff);
  let current: Held<Request, Value> | undefined;
  /** Every Worker not let go yet: the current one and renewed ones. */
  const alive = new Map<number, Held<Request, Value>>();
  /** No Worker starts before this time (after a failure). */
  let notBefore = 0;
  let generations = 0;
  let requests = 0;
  let configs = 0;

  const letGo = (
    gone: Held<Request, Value>,
    error = new Error(`${options.label} stopped`),
  ) => {
    if (current === gone) current = undefined;
    alive.delete(gone.generation);
    clearInterval(gone.timer);
    clearTimeout(gone.starting);
    gone.port.onmessage = null;
    gone.port.close();
    gone.far?.close();
    for (const waiting of gone.waiting.values()) waiting.reject(error);
    gone.waiting.clear();
    gone.abandon.abort(error);
  };

  const retire = (gone: Held<Request, Value>) => {
    const started = gone.far === undefined;
    letGo(gone);
    if (started) link.retire(gone.generation);
  };

  const answered = (of: Held<Request, Value>, message: Answer | Unasked) => {
    if (!("request" in message)) return options.unasked?.(message, of.worker);
    const waiting = of.waiting.get(message.request);
    if (waiting === undefined) return;
    of.waiting.delete(message.request);
    of.lastUsed = now();
    options.settle(message, waiting.resolve, waiting.reject);
    if (of.leaving && of.waiting.size === 0) retire(of);
  };

  const heard = (of: Held<Request, Value>) =>
  (
    event: MessageEvent<Answer | Unasked | (Answer | Unasked)[]>,
  ) => eachPosted(event.data, (message) => answered(of, message));

  const open = (): Held<Request, Value> => {
    if (current !== undefined) return current;
    const channel = new MessageChannel();
    const abandon = new AbortController();
    const port = channel.port1;
    const fresh: Held<Request, Value> = {
      generation: ++generations,
      port,
      // Requests ready in one turn (a group commit's messages) cross as one.
      outbox: postPerTurn(port, () => abandon.signal.aborted),
      far: channel.port2,
      waiting: new Map(),
      configId: 0,
      lastUsed: now(),
      leaving: false,
      abandon,
      worker: {
        generation: generations,
        gone: abandon.signal,
        post(message, transfer = []) {
          if (!abandon.signal.aborted) port.postMessage(message, transfer);
        },
      },
    };
    port.onmessage = heard(fresh);
    fresh.timer = setInterval(() => {
      if (fresh.waiting.size > 0 || fresh.far !== undefined) return;
      if (now() - fresh.lastUsed < options.maxIdleMs()) return;
      retire(fresh);
    }, options.checkEveryMs ?? 1000);
    Deno.unrefTimer(fresh.timer);
    current = fresh;
    alive.set(fresh.generation, fresh);
    return fresh;
  };

  /** Asks the parent for `held`'s Worker, after the backoff if one runs. */
  const launch = (held: Held<Request, Value>) => {
    if (held.far === undefined || held.starting !== undefined) return;
    const start = () => {
      const port = held.far!;
      held.far = undefined;
      held.starting = undefined;
      backoff?.started(now());
      link.start(held.generation, port);
    };
    const wait = notBefore - now();
    if (wait <= 0) start();
    else held.starting = setTimeout(start, wait);
  };

  return {
    ask(config, build) {
      const to = open();
      const request = ++requests;
      const fresh = to.config !== config;
      if (fresh) {
        to.config = config;
        to.configId = ++configs;
      }
      const asked = build({
        request,
        configId: to.configId,
        ...(fresh ? { config } : {}),
      });
      return new Promise<Value>((resolve, reject) => {
        to.waiting.set(request, { resolve, reject });
        to.lastUsed = now();
        to.outbox.add(asked as Request & object);
        // A refusal (failed) can come at once: the request waits already.
        launch(to);
      });
    },
    failed(generation, error) {
      const gone = alive.get(generation);
      if (gone === undefined) return;
      if (backoff) notBefore = now() + backoff.failed(now());
      letGo(gone, new Error(`${options.label} failed: ${error}`));
    },
    renew() {
      const old = current;
      if (old === undefined) return;
      current = undefined;
      if (old.waiting.size === 0) retire(old);
      else old.leaving = true;
    },
    stop() {
      for (const gone of [...alive.values()]) retire(gone);
    },
  };
}
