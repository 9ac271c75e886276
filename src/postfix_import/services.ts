/**
 * master.cf services → mailsrv `[[listener]]` tables.
 *
 * DESCRIPTION
 *   Every `inet` service run by `smtpd` becomes a listener: the service
 *   name gives address and port (`smtp` on each inet_interfaces address
 *   port 25, `submission` 587, `smtps`/`submissions` 465 with implicit
 *   TLS, `127.0.0.1:10026` — the content filter's reinjection port — as
 *   written), and its `-o` settings become the listener's `options` where
 *   mailsrv lets a listener set them (the smtpd parameters); each other
 *   `-o` is reported with the reason.
 *
 *   The other services are reported, never dropped silently: Postfix's
 *   internal services are built into mailsrv (one line for all of them),
 *   a `pipe` or `spawn` service has no counterpart, an extra `smtp` or
 *   `lmtp` client named by content_filter is the filter's delivery side.
 *
 *   Used by `translate.ts`. Pure.
 */
import type { ListenerKind } from "../config/listener_kinds.ts";
import { defaultListeners } from "../config/listeners.ts";
import { isListenerParameter } from "../config/listener_parameters.ts";
import type { InetProtocols } from "../config/inet_protocols.ts";
import { isIpAddress } from "../policy/networks.ts";
import type { MasterCfService } from "./master_cf.ts";
import { rewriteValue, type ValueContext } from "./values.ts";
import type { ReportLine } from "./report.ts";

/** A listener to write, with its options as mailsrv parameter values. */
export interface ImportedListener {
  readonly address: string;
  readonly port: number;
  readonly kind: ListenerKind;
  /** Option name → value as written in main.cf syntax. */
  readonly options: ReadonlyArray<readonly [string, string]>;
  /** master.cf line it came from. */
  readonly line: number;
}

/** Ports of the service names master.cf uses for smtpd. */
const PORTS: Readonly<Record<string, number>> = {
  smtp: 25,
  submission: 587,
  smtps: 465,
  submissions: 465,
};

/** Postfix's own services: mailsrv does their work inside itself. */
const BUILT_IN = new Set([
  "pickup",
  "cleanup",
  "qmgr",
  "oqmgr",
  "tlsmgr",
  "rewrite",
  "bounce",
  "defer",
  "trace",
  "verify",
  "flush",
  "proxymap",
  "proxywrite",
  "smtp",
  "relay",
  "showq",
  "error",
  "retry",
  "discard",
  "local",
  "virtual",
  "lmtp",
  "anvil",
  "scache",
  "postlog",
  "dnsblog",
  "tlsproxy",
  "postscreen",
]);

/** What the listener settings of the import need from main.cf. */
export interface ServiceContext extends ValueContext {
  readonly interfaces: readonly string[];
  readonly protocols: InetProtocols;
  /** The transport named by content_filter (`scan` in `scan:[127.0.0.1]:10025`). */
  readonly filterTransport?: string;
}

/** Address and port of an inet service name, or a reason. */
function endpoints(
  name: string,
  context: ServiceContext,
): Array<{ address: string; port: number }> | string {
  const match = /^(?:(\[[^\]]*\]|[^:\[\]]+):)?([^:]+)$/.exec(name);
  if (match === null) return `cannot read the service name "${name}"`;
  const [, host, service] = match;
  const port = /^\d+$/.test(service) ? Number(service) : PORTS[service];
  if (port === undefined || port < 1 || port > 65535) {
    return `unknown port "${service}"`;
  }
  if (host === undefined || host === "*") {
    return defaultListeners(context.interfaces, context.protocols).map((l) => ({
      address: l.address,
      port,
    }));
  }
  const address = host.replace(/^\[|\]$/g, "");
  if (!isIpAddress(address)) {
    return `mailsrv listens on IP addresses, not on the host name "${address}"`;
  }
  return [{ address, port }];
}

/** The listener kind of an smtpd service. */
function kindOf(port: number, overrides: Map<string, string>): ListenerKind {
  if (
    port === 465 ||
    /^(yes|true)$/i.test(overrides.get("smtpd_tls_wrappermode") ?? "")
  ) {
    return "smtps";
  }
  return port === 587 ? "submission" : "smtp";
}

/** Why a `-o` setting cannot be a listener option. */
function overrideReason(name: string): string {
  if (name === "syslog_name") {
    return "mailsrv logs every listener under its own name (mailsrv/smtpd)";
  }
  if (name === "content_filter" || name === "receive_override_options") {
    return "mailsrv has no content filter, so there is nothing to switch off";
  }
  return "a mailsrv listener can set only smtpd parameters (smtpd_*_tls_*, " +
    "smtpd_sasl_*, smtpd_relay_restrictions, message_size_limit, …); " +
    "this one applies to every listener if set in main.cf";
}

/** One smtpd service as listeners. */
function smtpdListeners(
  service: MasterCfService,
  context: ServiceContext,
  report: ReportLine[],
): ImportedListener[] {
  const where = `master.cf:${service.line}`;
  const subject = `${service.name} ${service.type}`;
  const places = endpoints(service.name, context);
  if (typeof places === "string") {
    report.push({ where, subject, kind: "not-translated", reason: places });
    return [];
  }
  const overrides = new Map(service.overrides);
  const kind = kindOf(places[0]?.port ?? 25, overrides);
  const options: Array<[string, string]> = [];
  for (const [name, value] of service.overrides) {
    if (name === "smtpd_tls_wrappermode" && kind === "smtps") continue;
    if (!isListenerParameter(name)) {
      report.push({
        where,
        subject: `${subject}: -o ${name}=${value}`,
        kind: "not-translated",
        reason: overrideReason(name),
      });
      continue;
    }
    const rewritten = rewriteValue(name, value, context);
    for (const note of rewritten.notes) {
      report.push({
        where,
        subject: `${subject}: -o ${name}`,
        kind: note.kind === "note" ? "note" : "not-translated",
        reason: note.text,
      });
    }
    options.push([name, rewritten.value]);
  }
  if (service.maxproc !== "-") {
    report.push({
      where,
      subject: `${subject}: maxproc ${service.maxproc}`,
      kind: "not-translated",
      reason: "mailsrv has no process limit per listener " +
        "(default_process_limit limits the sessions of each)",
    });
  }
  if (service.args.length > 0) {
    report.push({
      where,
      subject: `${subject}: ${service.args.join(" ")}`,
      kind: "not-translated",
      reason: "smtpd command-line flags have no mailsrv counterpart",
    });
  }
  return places.map(({ address, port }) => ({
    address,
    port,
    kind,
    options,
    line: service.line,
  }));
}

/** Why a non-listener service is not translated. */
function serviceReason(
  service: MasterCfService,
  context: ServiceContext,
): string {
  if (service.name === context.filterTransport) {
    return "the content filter's delivery service: mailsrv has no " +
      "content_filter (mail is delivered without the filter)";
  }
  if (service.command === "pipe") {
    return "mailsrv has no pipe(8) transport; a transport_maps entry " +
      "naming it would not work (local delivery runs pipes from aliases " +
      "and .forward, and mailbox_command)";
  }
  if (service.command === "spawn") {
    return "mailsrv starts no helper programs; run the policy server " +
      "as its own daemon and name it in check_policy_service inet:host:port";
  }
  if (service.command === "smtp" || service.command === "lmtp") {
    return "an extra SMTP/LMTP client transport: mailsrv's one SMTP " +
      "client serves relayhost and transport_maps";
  }
  if (service.type === "inet") {
    return `mailsrv listeners run smtpd or pop3d, not ${service.command}`;
  }
  return `no mailsrv counterpart for a ${service.command} service`;
}

/**
 * Translates master.cf services.
 * @returns the listeners, reporting everything else into `report`
 */
export function translateServices(
  services: readonly MasterCfService[],
  context: ServiceContext,
  report: ReportLine[],
): ImportedListener[] {
  const listeners: ImportedListener[] = [];
  const builtIn: string[] = [];
  for (const service of services) {
    if (service.type === "inet" && service.command === "smtpd") {
      listeners.push(...smtpdListeners(service, context, report));
      continue;
    }
    const standard = BUILT_IN.has(service.name) &&
      service.command !== "pipe" && service.command !== "spawn" &&
      service.name !== context.filterTransport;
    if (standard && service.overrides.length === 0) {
      builtIn.push(service.name);
      continue;
    }
    report.push({
      where: `master.cf:${service.line}`,
      subject: `${service.name} ${service.type} ${service.command}`,
      kind: "not-translated",
      reason: serviceReason(service, context),
    });
  }
  if (builtIn.length > 0) {
    report.push({
      where: "master.cf",
      subject: builtIn.join(", "),
      kind: "note",
      reason: "Postfix's own services: mailsrv does their work itself",
    });
  }
  return listeners;
}
