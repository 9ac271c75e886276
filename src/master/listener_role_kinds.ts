/**
 * Which listeners each listening role serves: smtpd every smtp,
 * submission and smtps listener, pop3d every pop3 and pop3s listener.
 * Used by the master (which threads to start) and by the threads (which
 * listeners to bind). Pure.
 */
import type { Config, Listener } from "../config/types.ts";
import type { ListenerRoleName } from "./listener_protocol.ts";

/** Which listener kinds each role serves. */
export const ROLE_LISTENER_KINDS: Readonly<
  Record<ListenerRoleName, readonly Listener["kind"][]>
> = {
  smtpd: ["smtp", "submission", "smtps"],
  pop3d: ["pop3", "pop3s"],
};

/** The listeners of `config` that `role` serves. */
export function roleListeners(
  config: Pick<Config, "listeners">,
  role: ListenerRoleName,
): Listener[] {
  return config.listeners.filter((l) =>
    ROLE_LISTENER_KINDS[role].includes(l.kind)
  );
}
