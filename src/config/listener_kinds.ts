/**
 * The service kinds a `[[listener]]` table may name.
 *
 * DESCRIPTION
 *   One list, from which the `Listener["kind"]` type follows: a new kind
 *   (submission, smtps) is one more word here.
 *
 *   Used by the config loader and the `Listener` type. Pure.
 */

/** The service kinds a listener may have. */
export const LISTENER_KINDS = Object.freeze(
  ["smtp", "submission", "smtps", "pop3", "pop3s"] as const,
);

/** A listener's service kind. */
export type ListenerKind = (typeof LISTENER_KINDS)[number];

/** Whether `word` is one of the listener kinds. */
export function isListenerKind(word: unknown): word is ListenerKind {
  return LISTENER_KINDS.some((kind) => kind === word);
}

/** Whether a client of `kind` speaks TLS before any protocol line (465, 995). */
export function isImplicitTls(kind: ListenerKind): boolean {
  return kind === "smtps" || kind === "pop3s";
}
