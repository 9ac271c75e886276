/**
 * A Postfix configuration translated into a mailsrv.toml.
 *
 * DESCRIPTION
 *   `translatePostfix` reads main.cf and master.cf (as text, with what
 *   the CLI found on disk) and returns the TOML text of an equivalent
 *   mailsrv configuration and the report of everything it changed or
 *   could not carry over:
 *
 *   - each main.cf parameter mailsrv has is written with the same name,
 *     its value rewritten where needed (`values.ts`: `$name` references
 *     to Postfix-only parameters expanded, postmap tables read from their
 *     text sources, old restriction idioms replaced); the obsolete TLS
 *     switches become security levels (`reasons.ts`);
 *   - every other parameter, and each one mailsrv has but must not take
 *     over (queue_directory: mailsrv's queue is its own) or that has no
 *     effect in it, is reported with the reason;
 *   - master.cf's smtpd services become `[[listener]]` tables
 *     (`services.ts`), the rest is reported;
 *   - a vm-pop3d setup (its passwd directory and mail spool) adds
 *     pop3_passwd_directory and a POP3 listener on port 110.
 *
 *   The result is loaded with mailsrv's own configuration parser before
 *   it is returned; a value mailsrv refuses is taken out and reported
 *   with the loader's reason, so the file always loads. Each setting in
 *   the file names the line it came from, and the report is repeated at
 *   its end as comments: nothing is dropped silently.
 *
 *   Used by `mailsrv import-postfix`. Pure: file existence is asked of
 *   `fileExists`, the machine's facts come in `system`.
 */
import { ConfigError } from "../config/config_error.ts";
import { tomlValueText } from "../config/edit_config_file.ts";
import { parameterNamed } from "../config/parameters.ts";
import { parseConfig } from "../config/parse_config.ts";
import { checkRestrictionLists } from "../config/restriction_check.ts";
import type { SystemFacts } from "../config/system_facts.ts";
import { formatTomlValue } from "../config/toml.ts";
import { splitList } from "../config/values.ts";
import {
  INET_PROTOCOLS,
  type InetProtocols,
} from "../config/inet_protocols.ts";
import { parseMainCf } from "./main_cf.ts";
import { parseMasterCf } from "./master_cf.ts";
import { NOT_TRANSLATED, notTranslatedReason, renamed } from "./reasons.ts";
import { formatReportLine, type ReportLine } from "./report.ts";
import {
  type ImportedListener,
  type ServiceContext,
  translateServices,
} from "./services.ts";
import { expandForeignReferences, rewriteValue } from "./values.ts";

/** A vm-pop3d installation found beside Postfix. */
export interface VmPop3dSetup {
  /** Where `DOMAIN/passwd` files are (vm-pop3d's default `/etc/virtual`). */
  readonly passwdDirectory: string;
  /** Where `DOMAIN/USER` mboxes are (default `/var/spool/virtual`). */
  readonly mailDirectory: string;
  /** The domains that have a passwd file. */
  readonly domains: readonly string[];
}

/** What the CLI read from the Postfix installation. */
export interface PostfixSetup {
  /** The directory imported (`/etc/postfix`). */
  readonly directory: string;
  /** main.cf's text ("" when there is none). */
  readonly mainCf: string;
  /** master.cf's text, when there is one. */
  readonly masterCf?: string;
  readonly vmPop3d?: VmPop3dSetup;
  readonly fileExists: (path: string) => boolean;
  readonly system: SystemFacts;
}

/** The translation. */
export interface PostfixImport {
  /** The mailsrv.toml text; it loads with mailsrv's parser. */
  readonly toml: string;
  readonly report: readonly ReportLine[];
}

/** The translation cannot be written: its text would not load. */
export class ImportError extends Error {}

/** One parameter to write. */
interface Setting {
  readonly name: string;
  readonly value: string;
  readonly where: string;
}

/** main.cf parameters → settings, reporting the rest. */
function translateParameters(
  setup: PostfixSetup,
  report: ReportLine[],
): Setting[] {
  const mainCf = parseMainCf(setup.mainCf);
  for (const problem of mainCf.problems) {
    report.push({
      where: `main.cf:${problem.line}`,
      subject: "line",
      kind: "not-translated",
      reason: problem.message,
    });
  }
  const context = {
    mainCf: mainCf.settings,
    directory: setup.directory,
    fileExists: setup.fileExists,
  };
  const referenced = new Set(
    [...mainCf.settings.values()].flatMap(({ value }) =>
      [...value.matchAll(/\$\{?([A-Za-z0-9_]+)/g)].map((m) => m[1])
    ),
  );
  const settings: Setting[] = [];
  const set = new Set<string>();
  for (const [postfixName, { value: raw, line }] of mainCf.settings) {
    const where = `main.cf:${line}`;
    const rename = renamed(postfixName, raw);
    const name = rename?.[0] ?? postfixName;
    const value = rename?.[1] ?? raw;
    const parameter = parameterNamed(name);
    let reason: string | undefined;
    if (NOT_TRANSLATED[name] !== undefined || parameter === undefined) {
      reason = notTranslatedReason(name);
      if (parameter === undefined && referenced.has(name)) {
        reason += "; its value was put in place of each $" + name;
      }
    } else if (parameter.readOnly) reason = "read-only in mailsrv";
    else if (parameter.noEffect) {
      reason = `has no effect in mailsrv: ${parameter.noEffect}`;
    } else if (set.has(name)) {
      reason = `${name} is set elsewhere in main.cf, which wins`;
    }
    if (reason !== undefined) {
      report.push({
        where,
        subject: postfixName,
        kind: "not-translated",
        reason,
      });
      continue;
    }
    if (rename) {
      report.push({
        where,
        subject: postfixName,
        kind: "note",
        reason: rename[2],
      });
    }
    const rewritten = rewriteValue(name, value, context);
    for (const note of rewritten.notes) {
      report.push({
        where,
        subject: name,
        kind: note.kind === "note" ? "note" : "not-translated",
        reason: note.text,
      });
    }
    set.add(name);
    settings.push({ name, value: rewritten.value, where });
  }
  return settings;
}

/** The transport content_filter names (`scan` in `scan:[127.0.0.1]:10025`). */
function filterTransport(
  mainCfText: string,
  masterCfText: string,
): string | undefined {
  const text = `${mainCfText}\n${masterCfText}`;
  return /content_filter\s*=\s*([A-Za-z0-9_-]+):/.exec(text)?.[1];
}

/** master.cf services and the vm-pop3d listener → listeners. */
function translateListeners(
  setup: PostfixSetup,
  settings: Setting[],
  report: ReportLine[],
): ImportedListener[] {
  const mainCf = parseMainCf(setup.mainCf).settings;
  const valueOf = (name: string) =>
    expandForeignReferences(
      settings.find((s) => s.name === name)?.value ?? "",
      { mainCf, directory: setup.directory, fileExists: setup.fileExists },
      [],
    );
  const protocols = valueOf("inet_protocols") || "all";
  const context: ServiceContext = {
    mainCf,
    directory: setup.directory,
    fileExists: setup.fileExists,
    interfaces: splitList(valueOf("inet_interfaces") || "all"),
    protocols: (INET_PROTOCOLS as readonly string[]).includes(protocols)
      ? protocols as InetProtocols
      : "all",
    filterTransport: filterTransport(setup.mainCf, setup.masterCf ?? ""),
  };
  const listeners: ImportedListener[] = [];
  // Without master.cf, Postfix's default: smtpd on port 25.
  const masterCfText = setup.masterCf ??
    "smtp inet n - n - - smtpd\n";
  {
    const masterCf = parseMasterCf(masterCfText);
    for (const problem of masterCf.problems) {
      report.push({
        where: `master.cf:${problem.line}`,
        subject: "line",
        kind: "not-translated",
        reason: problem.message,
      });
    }
    listeners.push(...translateServices(masterCf.services, context, report));
  }
  if (setup.vmPop3d) {
    const pop3 = translateServices(
      [{
        name: "110",
        type: "inet",
        private: "n",
        unprivileged: "-",
        chroot: "n",
        wakeup: "-",
        maxproc: "-",
        command: "smtpd",
        overrides: [],
        args: [],
        line: 0,
      }],
      context,
      report,
    );
    listeners.push(...pop3.map((l) => ({ ...l, kind: "pop3" as const })));
  }
  const seen = new Set<string>();
  return listeners.filter((listener) => {
    const endpoint = `${listener.address}:${listener.port}`;
    if (!seen.has(endpoint)) {
      seen.add(endpoint);
      return true;
    }
    report.push({
      where: `master.cf:${listener.line}`,
      subject: endpoint,
      kind: "not-translated",
      reason: "a second service on the same address and port",
    });
    return false;
  });
}

/** What a vm-pop3d setup adds, with its notes. */
function vmPop3dSettings(
  vm: VmPop3dSetup,
  settings: Setting[],
  report: ReportLine[],
): void {
  const where = "vm-pop3d";
  settings.push({
    name: "pop3_passwd_directory",
    value: vm.passwdDirectory,
    where,
  });
  report.push({
    where,
    subject: vm.passwdDirectory,
    kind: "note",
    reason: `the passwd files of ${vm.domains.join(", ") || "no domain yet"} ` +
      "are read in place; mailsrv's POP3 listener on port 110 replaces " +
      "vm-pop3d (remove its inetd line before starting mailsrv)",
  });
  const base = settings.find((s) => s.name === "virtual_mailbox_base")?.value;
  if (base !== undefined && base.replace(/\/$/, "") !== vm.mailDirectory) {
    report.push({
      where,
      subject: vm.mailDirectory,
      kind: "note",
      reason: `vm-pop3d reads mail under ${vm.mailDirectory}, but ` +
        `virtual_mailbox_base is ${base}: mailsrv's POP3 reads what ` +
        "virtual delivery writes, under virtual_mailbox_base",
    });
  }
  if (!settings.some((s) => s.name === "virtual_mailbox_maps")) {
    report.push({
      where,
      subject: "virtual_mailbox_maps",
      kind: "note",
      reason: "not set: mailsrv's POP3 finds each user's mailbox " +
        "through it (user@domain  domain/user); add one per user",
    });
  }
}

/**
 * A value's TOML text; a restriction list keeps each restriction with
 * its arguments ("reject_rbl_client zen.example, permit").
 */
function valueToml(name: string, value: string): string {
  if (/^smtpd_\w+_restrictions$/.test(name)) return formatTomlValue(value);
  const parameter = parameterNamed(name);
  return parameter ? tomlValueText(parameter, value) : formatTomlValue(value);
}

/** A listener table's TOML. */
function listenerToml(listener: ImportedListener): string {
  const lines = [
    `[[listener]]  # ${
      listener.line ? `master.cf:${listener.line}` : "vm-pop3d"
    }`,
    `address = ${formatTomlValue(listener.address)}`,
    `port = ${listener.port}`,
    `kind = ${formatTomlValue(listener.kind)}`,
  ];
  const options = listener.options.map(([name, value]) =>
    `${name} = ${valueToml(name, value)}`
  );
  if (options.length > 0) lines.push(`options = { ${options.join(", ")} }`);
  return lines.join("\n") + "\n";
}

/** The whole file. */
function renderToml(
  directory: string,
  settings: readonly Setting[],
  listeners: readonly ImportedListener[],
  report: readonly ReportLine[],
): string {
  const header = [
    `# mailsrv configuration translated by "mailsrv import-postfix" from ${directory}.`,
    "# Each setting names the line it came from; what was changed or not",
    "# carried over is listed at the end, with the reason.",
    "",
  ];
  const parameters = settings.map((s) =>
    `${s.name} = ${valueToml(s.name, s.value)}  # ${s.where}`
  );
  const footer = report.length === 0
    ? []
    : ["# Import report:", ...report.map((l) => `# ${formatReportLine(l)}`)];
  return [
    ...header,
    ...parameters,
    "",
    ...listeners.map(listenerToml),
    ...footer,
  ].join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}

/**
 * Translates a Postfix configuration.
 * @throws ImportError when the translation would not load (a problem
 *   that no single parameter explains, e.g. a listener mailsrv refuses)
 */
export function translatePostfix(setup: PostfixSetup): PostfixImport {
  const report: ReportLine[] = [];
  const settings = translateParameters(setup, report);
  if (setup.vmPop3d) vmPop3dSettings(setup.vmPop3d, settings, report);
  const listeners = translateListeners(setup, settings, report);
  // A value mailsrv refuses is taken out, with the loader's reason.
  for (let tries = 0; tries <= settings.length; tries++) {
    const toml = renderToml(setup.directory, settings, listeners, report);
    const file = `${setup.directory}/mailsrv.toml`;
    try {
      const parsed = parseConfig({
        file,
        text: toml,
        homeDirectory: setup.directory,
        system: setup.system,
      });
      checkRestrictionLists(parsed.config, file);
      return { toml, report };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const at = settings.findIndex((s) => s.name === e.key);
      if (at < 0) {
        throw new ImportError(
          `the translated configuration does not load: ${e.message}`,
        );
      }
      const [refused] = settings.splice(at, 1);
      report.push({
        where: refused.where,
        subject: refused.name,
        kind: "not-translated",
        reason: `mailsrv refuses "${refused.value}": ${e.reason}`,
      });
    }
  }
  throw new ImportError("the translated configuration does not load");
}
