/** Lookups for evaluator tests: tables, DNS and facts from plain objects. */
import type {
  DmarcVerdict,
  DnsAnswer,
  RestrictionLookups,
  RestrictionReply,
  RestrictionRequest,
  SpfVerdict,
} from "../../../../src/policy/restrictions/mod.ts";

/** What the fake answers. */
export interface FakeWorld {
  tables?: Record<string, Record<string, string>>;
  /** "TYPE name" → values; a name listed in nxdomain does not exist. */
  dns?: Record<string, string[]>;
  nxdomain?: string[];
  tempfail?: string[];
  mynetworks?: boolean;
  ourDomains?: string[];
  unlisted?: Record<string, RestrictionReply>;
  /** smtpd_sender_login_maps: sender → owners. */
  senderOwners?: Record<string, readonly string[]>;
  policy?: (endpoint: string, r: RestrictionRequest) => string;
  greylist?: "pass" | "defer";
  spf?: SpfVerdict;
  dmarc?: DmarcVerdict;
}

/** The fake lookups, and every table key asked, in order. */
export function fakeLookups(
  world: FakeWorld,
): RestrictionLookups & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    table(spec, key) {
      asked.push(`${spec} ${key}`);
      if (spec === "hash:/broken") {
        const e = new Error(`cannot read lookup table "${spec}"`);
        e.name = "LookupTableError";
        return Promise.reject(e);
      }
      return Promise.resolve(world.tables?.[spec]?.[key]);
    },
    dns(name, type): Promise<DnsAnswer> {
      asked.push(`${type} ${name}`);
      if (world.tempfail?.includes(name)) {
        return Promise.resolve({ status: "tempfail" });
      }
      const values = world.dns?.[`${type} ${name}`];
      if (values) return Promise.resolve({ status: "found", values });
      return Promise.resolve({
        status: world.nxdomain?.includes(name) ? "nxdomain" : "nodata",
      });
    },
    inMynetworks: () => Promise.resolve(world.mynetworks ?? false),
    authorizedDestination: (recipient) =>
      Promise.resolve(
        (world.ourDomains ?? ["example.org"]).includes(
          recipient.slice(recipient.lastIndexOf("@") + 1),
        ),
      ),
    unlistedRecipient: (recipient) =>
      Promise.resolve(world.unlisted?.[recipient] ?? null),
    senderOwners: (sender) =>
      Promise.resolve(world.senderOwners?.[sender] ?? null),
    policyService: (endpoint, r) =>
      Promise.resolve(world.policy?.(endpoint, r) ?? "DUNNO"),
    greylist: () => Promise.resolve(world.greylist ?? "pass"),
    spf: () => Promise.resolve(world.spf ?? null),
    dmarc: () => Promise.resolve(world.dmarc ?? null),
  };
}

/** A request at RCPT from an unknown client, with overrides. */
export function rcptRequest(
  changes: Partial<RestrictionRequest> = {},
): RestrictionRequest {
  return {
    stage: "rcpt",
    clientAddress: "192.0.2.1",
    clientName: "unknown",
    reverseClientName: "unknown",
    clientNameTempfail: false,
    helo: "mail.example.com",
    sender: "alice@example.com",
    recipient: "bob@example.org",
    authenticatedUser: null,
    protocol: "ESMTP",
    pipelined: false,
    ehlo: true,
    recipientCount: 0,
    queueId: null,
    size: 0,
    popBeforeSmtp: false,
    ...changes,
  };
}
