/**
 * The serving side of a Worker started on demand (worker_peer.ts is the
 * asking side): the start message, then requests answered by their
 * number.
 *
 * DESCRIPTION
 *   The SMTP client's Worker (smtp_client_worker.ts), local delivery's
 *   (local_delivery_worker.ts) and the auth thread (auth_worker.ts) each
 *   call `serveWhenStarted(serve)` as they load: it reports the Worker's
 *   crashes as one line (thread_crash.ts), and at the parent's `start`
 *   message (agent_worker_protocol.ts) configures logging, then calls
 *   `serve` with the port the message brings. If logging cannot be
 *   configured the port is closed and the parent told `failed`.
 *
 *   `serveRequests(port, service)` serves that port: each request is
 *   answered, by `service.answer` with the configuration last sent (a
 *   request carries one with its first use), concurrently with the others;
 *   the answer carries the request's number, and so does the failure
 *   `service.failure` makes of an error. Answers ready in one turn go
 *   back as one message (port_batch.ts). `service.screen` sees each
 *   message first: it deals with one that is no request (a reply to the
 *   Worker's own ask), and throws at one the Worker does not understand.
 *
 *   Does NOT know what a request means, nor restart anything: an
 *   exception thrown outside an answer's promise ends the Worker, and the
 *   parent reports it.
 */
import type { Config } from "../config/types.ts";
import type {
  FromAgentWorker,
  ToAgentWorker,
} from "./agent_worker_protocol.ts";
import { configureLogging } from "./logging.ts";
import { eachPosted, postPerTurn } from "./port_batch.ts";
import { reportCrashes } from "./thread_crash.ts";

/** What the serving side reads of every request. */
export interface NumberedRequest {
  readonly request: number;
  readonly config?: Config;
}

/** An answer without the number of its request. */
export type Unnumbered<Answer> = Answer extends unknown
  ? Omit<Answer, "request">
  : never;

/** What a Worker serves, and how. */
export interface RequestService<
  Request extends NumberedRequest,
  Answer,
  Other,
> {
  /**
   * Looks at each message first: deals with one that is no request and
   * says so (true); throws at one the Worker does not understand (a bug,
   * or a taken-over peer), which ends the Worker.
   */
  readonly screen?: (message: Request | Other) => message is Other;
  /** The answer to `asked`; a synchronous throw ends the Worker. */
  readonly answer: (
    asked: Request,
    config: Config,
  ) => Promise<Unnumbered<Answer>>;
  /** The answer when `answer`'s promise is rejected with `error`. */
  readonly failure: (error: unknown) => Unnumbered<Answer>;
}

/** Serves the asking side's requests on `port`. */
export function serveRequests<
  Request extends NumberedRequest,
  Answer,
  Other = never,
>(port: MessagePort, service: RequestService<Request, Answer, Other>): void {
  let config: Config | undefined;
  // Answers ready in one turn (one fsync round's deliveries) cross as one.
  const outbox = postPerTurn<Unnumbered<Answer> & { request: number }>(port);
  const serve = (asked: Request | Other) => {
    if (service.screen?.(asked)) return;
    const request = asked as Request;
    if (request.config !== undefined) config = request.config;
    const answered = (answer: Unnumbered<Answer>) =>
      outbox.add({ ...answer, request: request.request });
    service.answer(request, config!).then(
      answered,
      (error) => answered(service.failure(error)),
    );
  };
  port.onmessage = (
    event: MessageEvent<Request | Other | (Request | Other)[]>,
  ) => eachPosted(event.data, serve);
}

/** Configures logging at the parent's `start` message, then serves. */
export function serveWhenStarted(serve: (port: MessagePort) => void): void {
  reportCrashes();
  const thread = self as unknown as {
    postMessage(message: FromAgentWorker): void;
    onmessage: ((event: MessageEvent<ToAgentWorker>) => void) | null;
  };
  thread.onmessage = async (event) => {
    const { config, foreground, port } = event.data;
    try {
      await configureLogging(
        config,
        foreground,
        (message) => thread.postMessage({ kind: "syslog", message }),
      );
    } catch (error) {
      port.close();
      return thread.postMessage({
        kind: "failed",
        error: error instanceof Error ? error.message : String(error),
      });
    }
    serve(port);
  };
}
