/**
 * Messages of the auth thread (auth_worker.ts) with smtpd's thread that
 * it checks passwords for; with the master that starts it, it speaks
 * agent_worker_protocol.ts.
 *
 * smtpd's thread asks the master for an auth thread (`auth-start`, with
 * one end of a MessageChannel, listener_protocol.ts); the master starts
 * the Worker (auth_thread.ts) and passes that end on without reading
 * what goes over it. From then on the two threads talk directly: one
 * `authenticate` per SMTP AUTH, answered by `authenticated` (or `failed`)
 * with the same `request`. All of them are structured clones; the
 * password crosses once, in the request, and is never logged.
 */
import type { Config } from "../config/types.ts";

/** From smtpd's thread to the auth thread, on the channel. */
export type AuthRequest = {
  readonly kind: "authenticate";
  readonly request: number;
  readonly username: string;
  readonly password: string;
  /** The configuration's number; `config` comes with its first use. */
  readonly configId: number;
  readonly config?: Config;
};

/** From the auth thread to smtpd's thread, on the channel. */
export type AuthAnswer =
  | {
    /** `name` is the logged SASL name, or null: wrong name or password. */
    readonly kind: "authenticated";
    readonly request: number;
    readonly name: string | null;
  }
  | {
    /** The check could not be made (an unreadable file): 454 4.7.0. */
    readonly kind: "failed";
    readonly request: number;
    readonly error: string;
  };
