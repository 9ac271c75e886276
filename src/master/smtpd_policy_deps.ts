/**
 * What the master gives smtpd for its restriction lists and limits.
 *
 * DESCRIPTION
 *   `createSmtpdPolicyDeps` builds, once per daemon, the parts of
 *   `SmtpDeps` that access control needs: the lookup-table cache (access
 *   maps, mynetworks tables), the DNS resolver following `resolv_conf`
 *   (client names, RBLs, domain checks), the check_policy_service
 *   client, the built-in greylist and the per-client limits, the last two
 *   over the shared state (`src/policy/shared_state.ts`), which the
 *   caller opens and closes. While the store is unavailable the greylist
 *   answers smtpd_greylist_default_action.
 *
 *   Used by the daemon (`daemon.ts`). Needs what its parts need: read
 *   access to tables and resolv.conf, net access to DNS and policy
 *   servers.
 */
import type { Config } from "../config/types.ts";
import { createResolver, type Resolver } from "../dns/resolver.ts";
import { watchResolvConf } from "../dns/resolv_conf.ts";
import { createMapCache } from "../maps/mod.ts";
import { createClientLimits } from "../policy/client_rates.ts";
import { greylistCheck } from "../policy/greylist.ts";
import {
  type SharedState,
  SharedStateUnavailable,
} from "../policy/shared_state.ts";
import type { SmtpDeps } from "../smtp/server.ts";
import { createPolicyClient } from "../smtp/policy_client.ts";

/** The access-control parts of smtpd's deps. */
export type SmtpdPolicyDeps = Pick<
  SmtpDeps,
  "tables" | "resolver" | "policyService" | "greylist" | "limits"
>;

/** Builds them; `now` is the greylist's and the limits' clock. */
export function createSmtpdPolicyDeps(
  config: () => Config,
  state: SharedState,
  now: () => number = Date.now,
): SmtpdPolicyDeps {
  return {
    tables: createMapCache(),
    resolver: followingResolver(config),
    policyService: createPolicyClient(config),
    greylist: (request) => {
      const c = config();
      return greylistCheck(state, {
        clientAddress: request.clientAddress,
        sender: request.sender ?? "",
        recipient: request.recipient ?? "",
      }, {
        delay: c.smtpd_greylist_delay,
        retryWindow: c.smtpd_greylist_retry_window,
        autoWhitelist: c.smtpd_greylist_auto_whitelist,
        maxAge: c.smtpd_greylist_max_age,
      }, now()).catch((e) => {
        // The store logged the outage once; each check answers the default.
        if (!(e instanceof SharedStateUnavailable)) throw e;
        return c.smtpd_greylist_default_action === "dunno" ? "pass" : "defer";
      });
    },
    limits: createClientLimits(state, config, "smtp", now),
  };
}

/** A resolver that follows `resolv_conf`, also when a reload changes it. */
function followingResolver(config: () => Config): Resolver {
  let path = "";
  let resolver: Resolver | undefined;
  return {
    lookup(name, type) {
      const current = config().resolv_conf;
      if (resolver === undefined || path !== current) {
        path = current;
        resolver = createResolver({ resolvConf: watchResolvConf(current) });
      }
      return resolver.lookup(name, type);
    },
  };
}
