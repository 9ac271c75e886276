/**
 * Listener and inet_interfaces addresses checked against inet_protocols.
 *
 * DESCRIPTION
 *   With `inet_protocols = ipv4`, an IPv6 address in inet_interfaces or
 *   in a `[[listener]]` table cannot be used (and with `ipv6`, an IPv4
 *   one); Postfix stops on such a configuration. `checkAddressFamilies`
 *   reports the first one as a configuration error at its line, saying
 *   which parameter forbids it and how to fix it.
 *
 *   Used by the config loader (`parse_config.ts`). Pure.
 */
import type { Listener } from "./types.ts";
import { type InetProtocols, refusedAddress } from "./inet_protocols.ts";
import type { KeyPlace } from "./toml_layout.ts";

/**
 * Fails on the first address whose family inet_protocols excludes.
 * @param listeners the file's `[[listener]]` tables, in order
 * @param fail reports the problem at a key; does not return
 */
export function checkAddressFamilies(
  protocols: InetProtocols,
  interfaces: readonly string[],
  listeners: readonly Listener[],
  fail: (reason: string, place?: KeyPlace) => never,
): void {
  const remedy = "; set inet_protocols to all, or use an address of the " +
    "other family";
  for (const entry of interfaces) {
    if (entry === "all" || entry === "loopback-only") continue;
    const refused = refusedAddress(protocols, entry);
    if (refused) fail(refused + remedy, { key: "inet_interfaces" });
  }
  listeners.forEach((listener, index) => {
    const refused = refusedAddress(protocols, listener.address);
    if (refused) {
      fail(refused + remedy, {
        key: "address",
        table: { name: "listener", index },
      });
    }
  });
}
