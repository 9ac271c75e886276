/**
 * The protected layout as resolved moments ago.
 *
 * DESCRIPTION
 *   `recentProtectedLayout(policy)` answers with the layout
 *   `resolveProtectedLayout` gave for the same configuration object less
 *   than `RECENT_LAYOUT_MS` ago, and resolves it again otherwise, or as
 *   soon as pop3_passwd_directory's modification time changes (a domain
 *   added or removed there).
 *
 *   Resolving follows the links of every protected file. In a role
 *   thread that may not read most of them (local delivery reads neither
 *   the configuration file nor the TLS key) every step up each path
 *   fails, so resolving cost about a third of a local delivery's CPU time
 *   (`bench/README.md`). The protected files change with the
 *   configuration, which brings a new configuration object; the mailbox
 *   path itself, which whoever writes the tables or the homes controls,
 *   is still resolved at every check (`mailbox_guard.ts`).
 *
 * SECURITY
 *   For at most `RECENT_LAYOUT_MS`, a protected file newly made a link
 *   (a domain's passwd file made a link to elsewhere) is known by its
 *   name only, not yet by its target; a new domain's passwd file is
 *   protected by its name from the start (`protected_paths.ts`). Only the
 *   administrator can change those files. (Checking the directory's
 *   modification time instead would cost a failing stat in every thread
 *   that may not read it, which is most of what the cache saves.)
 */
import {
  type ProtectedLayout,
  type ProtectedPolicy,
  resolveProtectedLayout,
} from "./protected_paths.ts";

/** How long a resolved layout is reused. */
export const RECENT_LAYOUT_MS = 1000;

interface Resolved {
  readonly at: number;
  readonly layout: Promise<ProtectedLayout>;
}

const resolved = new WeakMap<ProtectedPolicy, Resolved>();

/**
 * The protected layout of `policy`, resolved within the last
 * `RECENT_LAYOUT_MS`.
 * @param now the clock, for tests
 */
export function recentProtectedLayout(
  policy: ProtectedPolicy,
  now: number = Date.now(),
): Promise<ProtectedLayout> {
  const last = resolved.get(policy);
  if (
    last !== undefined && now - last.at < RECENT_LAYOUT_MS && now >= last.at
  ) {
    return last.layout;
  }
  const layout = resolveProtectedLayout(policy);
  resolved.set(policy, { at: now, layout });
  // A failed resolution is not kept: the next check tries again.
  layout.catch(() => {
    if (resolved.get(policy)?.layout === layout) resolved.delete(policy);
  });
  return layout;
}
