/**
 * The SMTP delivery agent (Postfix's smtp(8)): one message, the
 * recipients that share a nexthop, one answer per recipient.
 *
 * DESCRIPTION
 *   `createSmtpAgent()` returns `deliver(message, nexthop, config)`. It
 *   finds the hosts (`next_hop.ts`, `src/dns/mx.ts`): MX records of the
 *   nexthop domain in preference order, or the one host of `[host]`, or
 *   the domain itself without MX. It walks them address by address, at
 *   most smtp_mx_address_limit addresses and smtp_mx_session_limit
 *   sessions that end before mail is sent, as Postfix does:
 *
 *   - a connection that fails, or a session refused before the first
 *     transaction (greeting, EHLO, TLS required but missing), moves on to
 *     the next address;
 *   - the first session that reaches MAIL FROM decides: each recipient
 *     gets the server's answer (`client_session.ts`).
 *
 *   If no host takes the mail, every recipient is deferred with the last
 *   reason ("connect to mx.example.com[192.0.2.1]:25: Connection
 *   refused"), or bounced when that reason was permanent. DNS decides
 *   before any connection: NXDOMAIN bounces ("Host or domain name not
 *   found"), a failed lookup defers (an offline box keeps its mail), a
 *   null MX bounces (5.1.10), and MX hosts no better than this host are
 *   dropped ("mail for X loops back to myself").
 *
 *   TLS follows smtp_tls_security_level (`tls_policy.ts`); at `may`, a
 *   failed handshake is tried again in plaintext. SASL credentials come
 *   from smtp_sasl_password_maps by server host, then by nexthop
 *   (`sasl.ts`); a password file that others can read is refused.
 *
 *   Used by the router in the queue manager's thread. Needs net access
 *   to the DNS servers and the next hops, read access to the password
 *   table and CA file.
 *
 *   After a transaction the session is kept open for the next message to
 *   the same nexthop (`session_cache.ts`, smtp_connection_cache_time_limit).
 *
 *   A named `[[transport]]` (`service`) keeps its own sessions; of kind
 *   `lmtp` it speaks LMTP (RFC 2033), port 24 by default, and a nexthop
 *   may be written `inet:host:port` as Postfix's lmtp(8) takes it.
 *
 *   Does NOT limit concurrency per destination or remember dead hosts
 *   (`../destination_scheduler.ts` does, around it).
 */
import { lookup as nativeLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Config } from "../../config/types.ts";
import {
  type AddressLookup,
  hostAddresses,
  type InetProtocols,
  type MxHost,
  mxHosts,
  trimSelf,
} from "../../dns/mx.ts";
import { createResolver, type Resolver } from "../../dns/resolver.ts";
import { watchResolvConf } from "../../dns/resolv_conf.ts";
import { maillog } from "../../log/maillog.ts";
import type { MapCache } from "../../maps/mod.ts";
import { LookupTableError } from "../../maps/mod.ts";
import type { ContentSource, DeliveryResult, MessageClient } from "../types.ts";
import {
  SmtpClientConnection,
  SmtpConnectionError,
  type TlsSetup,
} from "./client_connection.ts";
import {
  type ClientSession,
  type Envelope,
  type EnvelopeRecipient,
  openClientSession,
  type RecipientOutcome,
  SessionFailure,
  type SessionSettings,
  type SessionTimeouts,
} from "./client_session.ts";
import { type NextHop, parseNextHop } from "./next_hop.ts";
import { createSessionCache } from "./session_cache.ts";
import {
  parseCredentials,
  passwordLookupKeys,
  type SaslCredentials,
  securityOptions,
} from "./sasl.ts";
import {
  certificateCheck,
  tlsLogLine,
  tlsRequired,
  tlsVerifies,
} from "./tls_policy.ts";

/** One message for one nexthop. */
export interface SmtpMessage {
  readonly queueId: string;
  readonly sender: string;
  /** The recipients, with their DSN NOTIFY and ORCPT as on the wire. */
  readonly recipients: readonly EnvelopeRecipient[];
  readonly size: number;
  readonly bodyType?: "7BIT" | "8BITMIME";
  /** DSN RET and ENVID (xtext), passed on when the server offers DSN. */
  readonly ret?: "FULL" | "HDRS";
  readonly envid?: string;
  readonly content: () => Promise<ReadableStream<Uint8Array>>;
  /** The original client for XFORWARD (`client_session.ts` Envelope). */
  readonly xforward?: Readonly<Record<string, string>>;
  /** The client the message came from (DKIM signs by its origin). */
  readonly client?: MessageClient;
  /** Where the content lies in the queue file (`content` reads it). */
  readonly source?: ContentSource;
}

/** A named SMTP or LMTP transport (a `[[transport]]` table). */
export interface SmtpService {
  /** The transport's name (its sessions are kept apart). */
  readonly name: string;
  /** Speak LMTP instead of SMTP. */
  readonly lmtp: boolean;
}

/** The results of one delivery, and whether the destination answered. */
export interface SmtpDelivery {
  /** One result per recipient, in order. */
  readonly results: DeliveryResult[];
  /**
   * Set when the destination could not be reached at all (DNS failed, or
   * no host took a connection): the scheduler leaves it alone a while.
   */
  readonly unreachable?: { readonly dsn: string; readonly reason: string };
  /** True when a server took part in a transaction. */
  readonly reached: boolean;
}

/** Delivers a message to its recipients at one nexthop. */
export type SmtpAgent = (
  message: SmtpMessage,
  nexthop: string,
  config: Config,
  service?: SmtpService,
) => Promise<SmtpDelivery>;

/** What the agent uses; tests replace the DNS. */
export interface SmtpAgentOptions {
  /** Lookup tables (smtp_sasl_password_maps), shared with the router. */
  readonly maps: MapCache;
  /** The DNS resolver (default: one following `resolv_conf`). */
  readonly resolver?: Resolver;
}

const log = maillog("smtp");

/** LMTP's port when the nexthop names none (RFC 2033 section 7). */
const LMTP_PORT = 24;

/** A host address to try. */
interface Target {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

type HostPlan =
  | { readonly kind: "targets"; readonly targets: Target[] }
  | { readonly kind: "fail"; readonly result: Failure };

interface Failure {
  readonly outcome: "deferred" | "bounced";
  readonly dsn: string;
  readonly reason: string;
  readonly relay?: string;
}

function timeoutsOf(config: Config): SessionTimeouts {
  return {
    helo: config.smtp_helo_timeout * 1000,
    starttls: config.smtp_starttls_timeout * 1000,
    mail: config.smtp_mail_timeout * 1000,
    rcpt: config.smtp_rcpt_timeout * 1000,
    dataInit: config.smtp_data_init_timeout * 1000,
    dataXfer: config.smtp_data_xfer_timeout * 1000,
    dataDone: config.smtp_data_done_timeout * 1000,
    quit: config.smtp_quit_timeout * 1000,
    rset: config.smtp_rset_timeout * 1000,
  };
}

function notFound(name: string, type: string, permanent: boolean): Failure {
  return permanent
    ? {
      outcome: "bounced",
      dsn: "5.4.4",
      reason: `Host or domain name not found. Name service error for ` +
        `name=${name} type=${type}: Host not found`,
    }
    : {
      outcome: "deferred",
      dsn: "4.4.3",
      reason: `Host or domain name not found. Name service error for ` +
        `name=${name} type=${type}: Host not found, try again`,
    };
}

/** The addresses of a host: DNS, or the system's lookup (native). */
async function addressesOf(
  resolver: Resolver,
  host: string,
  config: Config,
): Promise<AddressLookup> {
  if (isIP(host) !== 0) return { status: "found", addresses: [host] };
  const methods = config.disable_dns_lookups
    ? ["native"]
    : config.smtp_host_lookup;
  let last: AddressLookup = { status: "nxdomain" };
  for (const method of methods) {
    if (method === "dns") {
      last = await hostAddresses(resolver, host, config.inet_protocols);
    } else if (method === "native") {
      last = await nativeAddresses(host, config.inet_protocols);
    }
    if (last.status === "found") return last;
  }
  return last;
}

async function nativeAddresses(
  host: string,
  protocols: InetProtocols,
): Promise<AddressLookup> {
  const family = protocols === "ipv4" ? 4 : protocols === "ipv6" ? 6 : 0;
  try {
    const found = await nativeLookup(host, { all: true, family });
    return { status: "found", addresses: found.map((a) => a.address) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === "ENOTFOUND"
      ? { status: "nxdomain" }
      : { status: "tempfail", reason: String(error) };
  }
}

/** The hosts of a nexthop, or the failure that decides before connecting. */
async function planHosts(
  resolver: Resolver,
  hop: NextHop,
  config: Config,
): Promise<HostPlan> {
  let hosts: MxHost[] = [{ name: hop.host, preference: 0 }];
  let implicit = true;
  if (hop.mxLookup && !config.disable_dns_lookups) {
    const mx = await mxHosts(resolver, hop.host);
    if (mx.status === "nxdomain") {
      return { kind: "fail", result: notFound(hop.host, "MX", true) };
    }
    if (mx.status === "tempfail") {
      return { kind: "fail", result: notFound(hop.host, "MX", false) };
    }
    if (mx.status === "nullmx") {
      return {
        kind: "fail",
        result: {
          outcome: "bounced",
          dsn: "5.1.10",
          reason: `Domain ${hop.host} does not accept mail (nullMX)`,
        },
      };
    }
    implicit = mx.implicit;
    const me = config.myhostname.toLowerCase();
    hosts = trimSelf(mx.hosts, (h) => h.name === me);
    if (hosts.length === 0) {
      return {
        kind: "fail",
        result: {
          outcome: "bounced",
          dsn: "5.4.6",
          reason: `mail for ${hop.host} loops back to myself`,
        },
      };
    }
  }
  const targets: Target[] = [];
  let failure: Failure | undefined;
  for (const host of hosts) {
    const found = await addressesOf(resolver, host.name, config);
    if (found.status === "found") {
      for (const address of found.addresses) {
        targets.push({ name: host.name, address, port: hop.port });
      }
    } else {
      // Only the domain's own name, asked without MX, can bounce; an MX
      // host that does not resolve may be fixed by its owner.
      const permanent = implicit && found.status !== "tempfail";
      failure ??= notFound(
        host.name,
        config.inet_protocols === "ipv6" ? "AAAA" : "A",
        permanent,
      );
    }
  }
  const limit = config.smtp_mx_address_limit;
  if (targets.length > 0) {
    return {
      kind: "targets",
      targets: limit > 0 ? targets.slice(0, limit) : targets,
    };
  }
  return { kind: "fail", result: failure ?? notFound(hop.host, "A", false) };
}

/** The credentials for a server, if SASL is on and the table has them. */
async function credentialsFor(
  maps: MapCache,
  config: Config,
  host: string,
  nexthop: string,
): Promise<SaslCredentials | undefined> {
  if (!config.smtp_sasl_auth_enable || !config.smtp_sasl_password_maps) {
    return undefined;
  }
  const spec = config.smtp_sasl_password_maps;
  refuseReadableByOthers(spec);
  const table = maps.open(spec);
  for (const key of passwordLookupKeys(host, nexthop)) {
    const value = await table.lookup(key);
    if (value !== undefined) return parseCredentials(value);
  }
  return undefined;
}

/** A sasl_passwd file others can read holds passwords in the open. */
function refuseReadableByOthers(spec: string): void {
  const colon = spec.indexOf(":");
  const path = colon > 0 ? spec.slice(colon + 1) : "";
  if (!path.startsWith("/")) return;
  let mode: number | null = null;
  try {
    mode = Deno.statSync(path).mode;
  } catch {
    return; // A missing file is the table's own error.
  }
  if (mode !== null && (mode & 0o004) !== 0) {
    throw new LookupTableError(
      spec,
      `"${path}" is readable by others; it holds passwords: chmod o-r "${path}"`,
    );
  }
}

/** Reads the CA file once per path and change. */
function caReader(): (path: string) => string | undefined {
  let cached: { path: string; stamp: number; text: string } | undefined;
  return (path) => {
    if (path === "") return undefined;
    const stamp = Deno.statSync(path).mtime?.getTime() ?? 0;
    if (cached?.path !== path || cached.stamp !== stamp) {
      cached = { path, stamp, text: Deno.readTextFileSync(path) };
    }
    return cached.text;
  };
}

/** Creates the agent; it holds no connections between messages. */
export function createSmtpAgent(options: SmtpAgentOptions): SmtpAgent {
  let resolver = options.resolver;
  let resolvConfPath = "";
  const cache = createSessionCache();
  const readCa = caReader();

  function resolverFor(config: Config): Resolver {
    if (options.resolver) return options.resolver;
    if (!resolver || resolvConfPath !== config.resolv_conf) {
      resolvConfPath = config.resolv_conf;
      resolver = createResolver({
        resolvConf: watchResolvConf(config.resolv_conf),
      });
    }
    return resolver;
  }

  return async (message, nexthop, config, service) => {
    const everyone = (failure: Failure): SmtpDelivery => ({
      results: message.recipients.map(() => toResult(failure)),
      reached: false,
      unreachable: failure.outcome === "deferred"
        ? { dsn: failure.dsn, reason: failure.reason }
        : undefined,
    });
    const lmtp = service?.lmtp ?? false;
    const hop = parseNextHop(
      lmtp ? nexthop.replace(/^inet:/, "") : nexthop,
      lmtp ? LMTP_PORT : 25,
    );
    if (!hop) {
      return {
        ...everyone({
          outcome: "deferred",
          dsn: "4.3.5",
          reason:
            `malformed nexthop "${nexthop}" (check relayhost and transport_maps)`,
        }),
        unreachable: undefined,
      };
    }
    const plan = await planHosts(resolverFor(config), hop, config);
    if (plan.kind === "fail") return everyone(plan.result);
    const envelope: Envelope = {
      sender: message.sender,
      recipients: message.recipients,
      size: message.size,
      body: message.bodyType,
      ret: message.ret,
      envid: message.envid,
      content: () => streamOf(message.content),
      ...(message.xforward === undefined ? {} : { xforward: message.xforward }),
    };
    // A named transport's sessions are its own (other options, LMTP).
    const cacheKey = service === undefined
      ? nexthop
      : `${service.name}\0${nexthop}`;
    const cached = cache.take(cacheKey);
    if (cached) {
      const outcomes = await cached.session.send(envelope);
      // A cached connection the server closed meanwhile fails at its first
      // command (XFORWARD to a content filter, else MAIL FROM); then the
      // mail goes on a fresh one, as Postfix does.
      const stale = !cached.session.usable &&
        outcomes.every((o) =>
          o.status === "deferred" &&
          /while sending (MAIL FROM|XFORWARD)$/.test(o.reason)
        );
      if (!stale) {
        const results = resultsOf(
          outcomes,
          envelope,
          cached.session,
          cached.peer,
        );
        await cache.keep(
          cacheKey,
          cached,
          config.smtp_connection_cache_time_limit * 1000,
          config.smtp_connection_reuse_time_limit * 1000,
        );
        return { results, reached: true };
      }
      await cached.session.quit();
    }
    let last: Failure | undefined;
    let sessions = 0;
    for (const target of plan.targets) {
      const attempt = await tryTarget(
        target,
        hop,
        nexthop,
        config,
        envelope,
        lmtp,
        cacheKey,
      );
      if (attempt.kind === "done") {
        return { results: attempt.results, reached: true };
      }
      last = attempt.failure;
      if (attempt.kind === "session-ended") {
        sessions++;
        const limit = config.smtp_mx_session_limit;
        if (limit > 0 && sessions >= limit) break;
      }
    }
    return everyone(last!);
  };

  /** One address: connect, open the session (TLS, AUTH), send. */
  async function tryTarget(
    target: Target,
    hop: NextHop,
    nexthop: string,
    config: Config,
    envelope: Envelope,
    lmtp: boolean,
    cacheKey: string,
    plaintextRetry = false,
  ): Promise<
    | { kind: "done"; results: DeliveryResult[] }
    | { kind: "connect-failed" | "session-ended"; failure: Failure }
  > {
    const peer = `${target.name}[${target.address}]:${target.port}`;
    const level = config.smtp_tls_security_level;
    const verify = tlsVerifies(level);
    const tlsSetup = (): TlsSetup => ({
      servername: isIP(target.name) === 0 ? target.name : "",
      ca: readCa(config.smtp_tls_CAfile),
      verify,
      checkName: verify
        ? certificateCheck(level, target.name, hop.host)
        : undefined,
    });
    let connection: SmtpClientConnection;
    const openedAt = Date.now();
    try {
      const wrapper = config.smtp_tls_wrappermode && level !== "none"
        ? tlsSetup()
        : undefined;
      connection = await SmtpClientConnection.open(
        target.address,
        target.port,
        config.smtp_connect_timeout * 1000,
        wrapper,
      );
      if (connection.tls) logTls(connection, peer, verify);
    } catch (error) {
      const text = error instanceof SmtpConnectionError
        ? error.message
        : String(error);
      return {
        kind: "connect-failed",
        failure: {
          outcome: "deferred",
          dsn: "4.4.1",
          reason: text.startsWith("connect to")
            ? text.replace(/^connect to [^:]+:\d+/, `connect to ${peer}`)
            : `connect to ${peer}: ${text}`,
        },
      };
    }
    let credentials: SaslCredentials | undefined;
    try {
      credentials = await credentialsFor(
        options.maps,
        config,
        target.name,
        nexthop,
      );
    } catch (error) {
      connection.close();
      const reason = error instanceof Error ? error.message : String(error);
      return {
        kind: "session-ended",
        failure: { outcome: "deferred", dsn: "4.7.0", reason },
      };
    }
    const settings: SessionSettings = {
      heloName: config.smtp_helo_name,
      timeouts: timeoutsOf(config),
      peer,
      startTls: level === "none" || plaintextRetry
        ? "skip"
        : tlsRequired(level)
        ? "require"
        : "use",
      upgrade: async (c) => {
        const outcome = await c.startTls(
          tlsSetup(),
          config.smtp_starttls_timeout * 1000,
        );
        logTls(c, peer, verify);
        return outcome;
      },
      myHostname: config.myhostname,
      destination: hop.host,
      credentials,
      saslOptions: {
        plain: securityOptions(config.smtp_sasl_security_options.join(" ")),
        tls: securityOptions(config.smtp_sasl_tls_security_options.join(" ")),
      },
      lmtp,
    };
    let session;
    try {
      session = await openClientSession(connection, settings);
    } catch (error) {
      connection.close();
      if (!(error instanceof SessionFailure)) throw error;
      if (
        level === "may" && !plaintextRetry && error.dsn === "4.7.5" &&
        error.message.startsWith("Cannot start TLS")
      ) {
        log.info(`${error.message}; trying again without TLS`);
        return tryTarget(
          target,
          hop,
          nexthop,
          config,
          envelope,
          lmtp,
          cacheKey,
          true,
        );
      }
      const failure: Failure = {
        outcome: error.temporary ? "deferred" : "bounced",
        dsn: error.dsn,
        reason: error.message,
        relay: peer,
      };
      if (!error.tryNextHost) {
        return {
          kind: "done",
          results: envelope.recipients.map(() => toResult(failure)),
        };
      }
      return { kind: "session-ended", failure };
    }
    const outcomes = await session.send(envelope);
    const results = resultsOf(outcomes, envelope, session, peer);
    await cache.keep(
      cacheKey,
      { session, peer, openedAt },
      config.smtp_connection_cache_time_limit * 1000,
      config.smtp_connection_reuse_time_limit * 1000,
    );
    return { kind: "done", results };
  }
}

/** The recipients' results from the server's answers. */
function resultsOf(
  outcomes: readonly RecipientOutcome[],
  envelope: Envelope,
  session: ClientSession,
  peer: string,
): DeliveryResult[] {
  // A server without DSN cannot report success itself: this host says
  // "relayed" to a recipient that asked (RFC 3461 §5.2.2).
  const relayed = (i: number) =>
    !session.offers.dsn &&
    (envelope.recipients[i].notify ?? "").split(",").includes("SUCCESS");
  return outcomes.map((o, i) => ({
    outcome: o.status,
    dsn: o.dsn,
    reason: o.reason,
    relay: peer,
    ...(o.status === "sent" && relayed(i)
      ? { dsnAction: "relayed" as const }
      : {}),
  }));
}

function toResult(failure: Failure): DeliveryResult {
  return {
    outcome: failure.outcome,
    dsn: failure.dsn,
    reason: failure.reason,
    relay: failure.relay ?? "none",
  };
}

function logTls(
  connection: SmtpClientConnection,
  peer: string,
  verify: boolean,
): void {
  const tls = connection.tls;
  if (tls) log.info(tlsLogLine(tls, peer, verify && tls.trusted));
}

/** A content stream opened on demand (the queue opens it per read). */
function streamOf(
  open: () => Promise<ReadableStream<Uint8Array>>,
): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream({
    async pull(controller) {
      reader ??= (await open()).getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
