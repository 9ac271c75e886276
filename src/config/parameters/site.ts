/**
 * Parameter rows: who this mail system is, which networks it trusts,
 * where it listens and logs.
 *
 * DESCRIPTION
 *   myhostname, mydomain, myorigin, mydestination, mynetworks (and its
 *   style), inet_interfaces, inet_protocols, where logs go (maillog_file, or syslog:
 *   syslog_socket, syslog_name, syslog_facility), and mail_name /
 *   mail_version, which exist for `$name` expansion (as in the default
 *   `smtpd_banner`).
 *   Defaults that depend on the machine are functions of a
 *   `DefaultContext`, so tests can pass a fixed host.
 *
 *   Part of the parameter table (`../parameters.ts`). Pure.
 */
import {
  mynetworksForStyle,
  type MynetworksStyle,
} from "../../policy/networks.ts";
import { SYSLOG_FACILITY_NAMES } from "../../log/syslog_format.ts";
import { VERSION } from "../../version.ts";
import type { DefaultContext, Parameter } from "../parameter_row.ts";

/** The name mailsrv gives itself in the SMTP greeting and in logs. */
export const MAIL_NAME = "mailsrv";

/** The system host name as a fully qualified name, as Postfix wants it. */
export function qualifiedHostname(hostname: string): string {
  return hostname.includes(".") ? hostname : `${hostname}.localdomain`;
}

/** `$myhostname` minus its first label, or `localdomain`. */
export function domainOfHostname(hostname: string): string {
  const dot = hostname.indexOf(".");
  return dot === -1 || dot === hostname.length - 1
    ? "localdomain"
    : hostname.slice(dot + 1);
}

/** Who this system is, what it trusts, where it listens and logs. */
export const SITE_PARAMETERS = [
  {
    name: "myhostname",
    kind: "string",
    syntax: "domain",
    defaultValue: (context: DefaultContext) =>
      qualifiedHostname(context.hostname),
    description: "The fully qualified host name of this mail system.",
  },
  {
    name: "mydomain",
    kind: "string",
    syntax: "domain",
    defaultValue: (context: DefaultContext) =>
      domainOfHostname(context.value("myhostname")),
    description: "The domain of this mail system ($myhostname minus its " +
      "first label).",
  },
  {
    name: "myorigin",
    kind: "string",
    syntax: "domain",
    defaultValue: "$myhostname",
    description: "The domain that locally posted mail appears to come from.",
  },
  {
    name: "mydestination",
    kind: "list",
    syntax: "domain",
    defaultValue: "$myhostname, localhost.$mydomain, localhost",
    embeddedDefault: "localhost",
    description: "The domains this machine delivers locally.",
  },
  {
    name: "mynetworks",
    kind: "list",
    syntax: "network",
    defaultValue: (context: DefaultContext) =>
      mynetworksForStyle(
        context.value("mynetworks_style") as MynetworksStyle,
        context.interfaces,
      ).join(", "),
    embeddedDefault: "127.0.0.0/8, ::1/128",
    description: "The trusted clients that may relay mail (CIDR networks).",
  },
  {
    name: "mynetworks_style",
    kind: "enum",
    values: ["host", "subnet", "class"],
    defaultValue: "host",
    description: "How the default mynetworks is derived from the " +
      "interfaces.",
  },
  {
    name: "inet_interfaces",
    kind: "list",
    syntax: "interface",
    defaultValue: "all",
    embeddedDefault: "loopback-only",
    description: "The addresses the SMTP server listens on by default " +
      "(all, loopback-only or IP addresses).",
  },
  {
    name: "inet_protocols",
    kind: "enum",
    values: ["all", "ipv4", "ipv6"],
    defaultValue: "all",
    description: "The address families used to listen and to look up " +
      "and reach other hosts: ipv4, ipv6 or all.",
  },
  {
    name: "maillog_file",
    kind: "path",
    defaultValue: "",
    embeddedDefault: "var/log/maillog",
    description: "The log file; empty: log to syslog (syslog_socket) " +
      "when it exists, and to stderr in the foreground.",
  },
  {
    name: "syslog_name",
    kind: "string",
    defaultValue: MAIL_NAME,
    description: "The name in front of each program in log lines " +
      "(mailsrv/smtpd[PID]); postfix makes Postfix log tools read them " +
      "with their defaults.",
  },
  {
    name: "syslog_facility",
    kind: "enum",
    values: SYSLOG_FACILITY_NAMES,
    defaultValue: "mail",
    description: "The syslog facility of the log lines sent to " +
      "syslog_socket.",
  },
  {
    name: "syslog_socket",
    kind: "path",
    defaultValue: "/dev/log",
    description: "The local syslog socket (/var/run/log on FreeBSD); " +
      "used when maillog_file is empty and the socket exists.",
  },
  {
    name: "mail_name",
    kind: "string",
    defaultValue: MAIL_NAME,
    description: "The mail system name in the greeting and bounces.",
  },
  {
    name: "mail_version",
    kind: "string",
    defaultValue: VERSION,
    readOnly: true,
    description: "The mailsrv version (read-only).",
  },
] as const satisfies readonly Parameter[];
