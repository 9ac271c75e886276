/**
 * A resolver for tests that must not reach any DNS: every lookup is a
 * temporary failure, as on a dial-up box with the link down.
 */
import type { Resolver } from "../../src/dns/resolver.ts";

/** Every lookup fails temporarily ("the link is down"). */
export const OFFLINE_DNS: Resolver = {
  lookup: () =>
    Promise.resolve({ status: "tempfail", reason: "no DNS in this test" }),
};
