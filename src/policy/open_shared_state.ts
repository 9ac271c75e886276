/**
 * Opens the shared-state store the `shared_state` parameter names.
 *
 * DESCRIPTION
 *   Empty (the default): the embedded SQLite file under the queue
 *   directory; `sqlite:/path`: an SQLite file elsewhere; `redis://`,
 *   `rediss://`, `redis-sentinel://`, `redis-cluster://`: Redis
 *   (`shared_state_address.ts` has the syntax). A Redis store opens at
 *   once and connects in the background, so a Redis that is down at
 *   start is an outage like any other, not a failed start.
 *
 *   Used by the daemon and by `mailsrv pop3` / `mailsrv state`. Needs
 *   what the chosen store needs (file access or net access).
 */
import { type Maillog, maillog } from "../log/maillog.ts";
import { loadingSharedState } from "./loading_state.ts";
import type { SharedState } from "./shared_state.ts";
import { parseSharedStateAddress, redact } from "./shared_state_address.ts";
import { openSqliteState, sharedStatePath } from "./sqlite_state.ts";

/** Where a role thread's outage lines go: nowhere. */
const SILENT: Maillog = {
  info: () => {},
  warning: () => {},
  error: () => {},
  fatal: () => {},
};

/** The parameters that choose the store. */
export interface SharedStateSettings {
  readonly shared_state: string;
  readonly queue_directory: string;
}

/**
 * Opens the store.
 * @param program the maillog program name outage lines are logged under,
 *   or null for none (a daemon's role threads: the master's own store
 *   logs each outage once)
 * @throws Error for an unreadable `shared_state` or an unusable SQLite file
 */
export function openSharedState(
  settings: SharedStateSettings,
  program: string | null = "master",
): SharedState {
  const address = parseSharedStateAddress(settings.shared_state);
  if (address.kind === "sqlite") {
    return openSqliteState(
      address.path ?? sharedStatePath(settings.queue_directory),
    );
  }
  const description = redact(settings.shared_state.trim());
  // Loaded only for Redis: its client library reads the environment.
  return loadingSharedState(
    description,
    import("./redis_state.ts").then((redis) =>
      redis.openRedisState(
        address,
        description,
        program === null ? SILENT : maillog(program),
      )
    ),
  );
}
