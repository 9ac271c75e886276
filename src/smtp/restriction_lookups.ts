/**
 * The lookups smtpd's restriction lists need, made from smtpd's deps.
 *
 * DESCRIPTION
 *   `restrictionSettings(config)` parses the lists of a configuration once
 *   (cached per configuration object). `createRestrictionLookups` gives
 *   the evaluator (src/policy/restrictions/) what it cannot do itself:
 *
 *     table            access tables, opened once per daemon (MapCache)
 *     dns              the shared resolver (A, AAAA, MX, TXT)
 *     inMynetworks     the literal networks (decided at connect) and the
 *                      `hash:`/`cidr:` tables listed in mynetworks
 *     authorizedDestination  local domains, and virtual and relay ones by asking
 *                      the recipient verifier; relay tricks never
 *     unlistedRecipient  the recipient verifier's refusal
 *     policyService    check_policy_service (`policy_client.ts`)
 *     greylist         check_greylist (the shared-state store)
 *     spf, dmarc       reject_spf_fail, check_dmarc (message_authentication.ts)
 *
 *   A dependency that is missing answers as if nothing were known: no
 *   DNS (tempfail), no policy service (smtpd_policy_service_default_action),
 *   no greylist store (pass).
 *
 *   Used by smtpd's adapter (`connection.ts`). Performs I/O through its
 *   dependencies only.
 */
import type { Config } from "../config/types.ts";
import { checkRestrictionLists } from "../config/restriction_check.ts";
import type { MapCache } from "../maps/map_cache.ts";
import type { Resolver } from "../dns/resolver.ts";
import { tableEntries } from "../policy/networks.ts";
import type {
  DmarcVerdict,
  DnsAnswer,
  RestrictionLookups,
  RestrictionReply,
  RestrictionRequest,
  RestrictionSettings,
  SpfVerdict,
} from "../policy/restrictions/mod.ts";
import { clientKeys } from "../policy/restrictions/mod.ts";
import type { RecipientVerdict } from "./session_types.ts";
import { senderLoginOwners } from "./sender_login.ts";

/** What the lookups are made of. */
export interface RestrictionDeps {
  readonly tables: MapCache;
  readonly resolver?: Resolver;
  readonly verifyRecipient: (address: string) => Promise<RecipientVerdict>;
  readonly policyService?: (
    endpoint: string,
    request: RestrictionRequest,
  ) => Promise<string>;
  readonly greylist?: (request: RestrictionRequest) => Promise<
    "pass" | "defer"
  >;
  /** SPF for reject_spf_fail (`message_authentication.ts`). */
  readonly spf?: (request: RestrictionRequest) => Promise<SpfVerdict | null>;
  /** DMARC for check_dmarc, once the content is verified. */
  readonly dmarc?: () => Promise<DmarcVerdict | null>;
}

/** What the session knows about the recipient being checked. */
export interface RecipientFacts {
  /** The address after the resolver (what the verifier is asked). */
  readonly address: string;
  readonly addressClass: "local" | "refused" | "remote";
}

const settingsCache = new WeakMap<Config, RestrictionSettings>();

/** The parsed lists and switches of `config` (parsed once per config). */
export function restrictionSettings(config: Config): RestrictionSettings {
  let settings = settingsCache.get(config);
  if (settings === undefined) {
    settings = {
      lists: checkRestrictionLists(config),
      delayReject: config.smtpd_delay_reject,
      parentMatches: config.parent_domain_matches_subdomains.includes(
        "smtpd_access_maps",
      ),
    };
    settingsCache.set(config, settings);
  }
  return settings;
}

/**
 * The lookups for one evaluation.
 * @param clientInMynetworks the literal mynetworks verdict from connect
 * @param recipient the recipient being checked (RCPT), else null
 */
export function createRestrictionLookups(
  config: Config,
  deps: RestrictionDeps,
  client: { address: string; inMynetworks: boolean },
  recipient: RecipientFacts | null,
): RestrictionLookups {
  let verdict: Promise<RecipientVerdict> | undefined;
  const verify = (address: string) => verdict ??= deps.verifyRecipient(address);
  return {
    async table(spec, key) {
      return await deps.tables.open(spec).lookup(key);
    },
    async dns(name, type): Promise<DnsAnswer> {
      if (!deps.resolver) return { status: "tempfail" };
      const answer = await deps.resolver.lookup(name, type);
      if (answer.status !== "found") return { status: answer.status };
      return { status: "found", values: answer.records.map(recordText) };
    },
    async inMynetworks() {
      if (client.inMynetworks) return true;
      for (const spec of tableEntries(config.mynetworks)) {
        const table = deps.tables.open(spec);
        for (const key of clientKeys("unknown", client.address, false)) {
          if (await table.lookup(key) !== undefined) return true;
        }
      }
      return false;
    },
    async authorizedDestination() {
      if (recipient === null || recipient.addressClass === "refused") {
        return false;
      }
      if (recipient.addressClass === "local") return true;
      if (
        config.virtual_mailbox_domains.length === 0 &&
        config.relay_domains.length === 0
      ) return false;
      // The verifier resolves with the tables: virtual and relay domains
      // are ours, anything else is "remote".
      return (await verify(recipient.address)).ok !== "remote";
    },
    senderOwners(sender) {
      const tables = config.smtpd_sender_login_maps.map((spec) =>
        deps.tables.open(spec)
      );
      return senderLoginOwners(sender, tables);
    },
    async unlistedRecipient(): Promise<RestrictionReply | null> {
      if (recipient === null || recipient.addressClass === "refused") {
        return null;
      }
      const answer = await verify(recipient.address);
      if (answer.ok !== false) return null;
      return {
        code: answer.code,
        dsn: answer.dsn,
        text: `<${recipient.address}>: ${answer.text}`,
      };
    },
    async policyService(endpoint, request) {
      if (!deps.policyService) {
        return config.smtpd_policy_service_default_action;
      }
      return await deps.policyService(endpoint, request);
    },
    async greylist(request) {
      return deps.greylist ? await deps.greylist(request) : "pass";
    },
    async spf(request) {
      return deps.spf ? await deps.spf(request) : null;
    },
    async dmarc() {
      return deps.dmarc ? await deps.dmarc() : null;
    },
  };
}

/** A record as text: addresses, `10 mx.example`, TXT strings joined. */
function recordText(record: { type: string; data?: unknown }): string {
  const data = record.data as unknown;
  if (typeof data === "string") return data;
  if (Array.isArray(data)) {
    return data.map((part) =>
      typeof part === "string" ? part : new TextDecoder().decode(part)
    ).join("");
  }
  if (data instanceof Uint8Array) return new TextDecoder().decode(data);
  if (data !== null && typeof data === "object" && "exchange" in data) {
    const mx = data as { preference: number; exchange: string };
    return `${mx.preference} ${mx.exchange}`;
  }
  return String(data);
}
