/**
 * The master.cf of mailsrv: what each role may touch, as Deno permissions.
 *
 * DESCRIPTION
 *   Postfix runs each service of master.cf as its own process, as an
 *   unprivileged user, often chrooted. mailsrv runs its roles as threads
 *   of one process, and bounds each with a Deno permission descriptor
 *   (`new Worker(url, { deno: { permissions } })`) computed here from the
 *   loaded configuration and a few facts of the system (`SandboxFacts`,
 *   gathered by sandbox_facts.ts):
 *
 *     master   the configuration, the queue (pid/, private/), the log
 *     smtpd    reads the configuration's tables and TLS files, no password
 *              file; writes the queue's entry (tmp/, incoming/, hold/) and
 *              the shared state; listens on its listeners; connects to the
 *              DNS servers, policy services and Redis; runs nothing
 *     auth     SMTP AUTH's password checks, for smtpd (Dovecot's auth):
 *              reads the SASL users file, the POP3 passwd files and the
 *              virtual domain tables; writes only its log; no net; runs
 *              nothing
 *     pop3d    reads the passwd files, reads and writes the virtual
 *              mailbox base; listens on its listeners; Redis; runs nothing
 *     qmgr     reads and writes the queue (bounces and forwarded mail go
 *              through its gate); reads the address resolver's tables and
 *              the SRS secret (forwarded mail's sender); no net, runs
 *              nothing
 *     local    local and virtual delivery (and pipe transports): reads the
 *              queue files being delivered, the delivery tables, passwd,
 *              `.forward` files; writes the mail spool, the virtual
 *              mailbox base, the mail users' home directories and alias
 *              file targets, nothing in the queue (mail it forwards goes
 *              back to qmgr); runs the shell, pipe transport programs,
 *              setpriv and kill(1); no net
 *     smtp     the SMTP/LMTP client: reads the queue files being
 *              delivered (active/), the CA files, the SASL password
 *              table, the DKIM keys and resolv.conf; writes nothing but
 *              its log; connects anywhere; runs nothing
 *
 *   Every role may write its log (maillog_file, or the syslog socket).
 *   With Redis as the shared state, smtpd and pop3d may read the Redis
 *   client's logger's variables (DEBUG, DEBUG_*) and no others:
 *   policy/redis_library.ts loads the library (whose `debug` dependency
 *   lists the environment when loaded) with only those in view.
 *
 *   NET FOR OUTBOUND SMTP. A Deno net grant is a list of `host:port` (or
 *   `host`) or everything; it has no "any host on port 25". The SMTP
 *   client connects to MX hosts' addresses that DNS gives at delivery
 *   time, so it gets all of net. A grant by name would not help either:
 *   mailsrv resolves names itself and connects to addresses. Only the
 *   other roles get host lists. The DNS servers are those of resolv_conf
 *   at start; a dial-up link that rewrites resolv.conf to new servers
 *   needs a reload for a role with a host list (node:dgram also binds
 *   `0.0.0.0:0`/`[::]:0` first, which is granted with the servers).
 *
 *   HOMES. `.forward` files and home_mailbox live in home directories,
 *   known only per recipient. The grant holds the home directories the
 *   passwd database lists at start for root and for users with uid 1000
 *   and up (not nobody); system accounts below 1000 (and nobody) get
 *   only their `.forward` read, so their mail goes to the spool or where
 *   that file says (not `.forward+extension`, nor home_mailbox: alias
 *   them); an account added later needs a reload.
 *
 *   ALIAS TARGETS. The `:include:` files (read) and `/file` targets (their
 *   directory written, for the lock file beside an mbox) that the alias
 *   files name, and those their `:include:` files name, are read when the
 *   thread starts (sandbox_facts.ts): a wake from dormant or a reload
 *   picks up an edited aliases file.
 *
 *   NOT COVERED. `.forward` file targets and `:include:` files outside
 *   these paths (outside the homes) are denied to an unprivileged mailsrv (deferred,
 *   4.3.0, "denied by the sandbox"); a root mailsrv writes file targets
 *   through a `mailsrv deliver-file` child run as the target user (the
 *   kernel checks that user), so those are not bounded by this grant.
 *   A role that may run /bin/sh or setpriv can, if its own code were
 *   taken over, run anything those can: the grant bounds what mailsrv's
 *   code does, not what a configured command does.
 *
 *   Pure: no I/O. Used by the master (the queue manager's Worker gets
 *   qmgr, the local delivery Worker local, the SMTP client's Worker smtp;
 *   listener_roles.ts gives smtpd's and pop3d's theirs, and auth to
 *   smtpd's auth thread), by `mailsrv flush` (qmgr, local and smtp) and
 *   by tests.
 */
import { dirname } from "node:path";
import type { Config } from "../config/types.ts";
import {
  configuredRestrictions,
  configuredTables,
  tableFile,
} from "../config/configured_tables.ts";
import { SYSTEM_PASSWD_FILE } from "../maps/mod.ts";
import { REDIS_LIBRARY_ENVIRONMENT } from "../policy/redis_environment.ts";
import { parseSharedStateAddress } from "../policy/shared_state_address.ts";
import { sharedStatePath } from "../policy/sqlite_state.ts";
import { parsePolicyEndpoint } from "../smtp/policy_client.ts";

/** The roles mailsrv grants permissions to. */
export type RoleName =
  | "master"
  | "smtpd"
  | "auth"
  | "pop3d"
  | "qmgr"
  | "local"
  | "smtp";

/** The roles, in the order of the module comment. */
export const ROLE_NAMES: readonly RoleName[] = [
  "master",
  "smtpd",
  "auth",
  "pop3d",
  "qmgr",
  "local",
  "smtp",
];

/** One `sys` permission (the names Deno.PermissionOptionsObject takes). */
export type SysGrant =
  | "hostname"
  | "networkInterfaces"
  | "uid"
  | "gid"
  | "statfs"
  | "osUptime";

/** A role's Deno permissions: every kind spelled out, nothing inherited. */
export interface RolePermissions {
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** `host:port` entries, or true for every host (the SMTP client). */
  readonly net: readonly string[] | true;
  readonly run: readonly string[];
  /** Variables, or true for the whole environment (no role has it). */
  readonly env: readonly string[] | true;
  readonly sys: readonly SysGrant[];
  /**
   * Loading the C library; absent: denied. No role has it: it would give
   * the thread the whole process's authority (SECURITY.md).
   */
  readonly ffi?: boolean;
}

/** What the grants need to know of the system (sandbox_facts.ts). */
export interface SandboxFacts {
  /** resolv_conf's DNS servers at start. */
  readonly nameServers: readonly { address: string; port: number }[];
  /** Home directories of mail users (root, uid ≥ 1000) at start. */
  readonly homes: readonly string[];
  /** The other accounts' `.forward` files (read only). */
  readonly systemForwardFiles?: readonly string[];
  /** setpriv(1) as delivery runs it, when installed. */
  readonly setpriv?: string;
  /** kill(1), which signals a delivery's process group, when installed. */
  readonly kill?: string;
  /** `:include:` files and `/file` targets the alias files name. */
  readonly aliasTargets?: {
    readonly includes: readonly string[];
    readonly files: readonly string[];
  };
}

/** Parameters of the tables smtpd reads but delivery never does. */
const SMTPD_ONLY_TABLE =
  /^(smtpd_|header_checks$|mime_header_checks$|nested_header_checks$|body_checks$)/;

/** Parameters of the tables the address resolver reads (src/resolve/). */
const RESOLVER_TABLE =
  /^(relay_domains|virtual_mailbox_domains|transport_maps|sender_dependent_relayhost_maps)$/;

const NONE: RolePermissions = {
  read: [],
  write: [],
  net: [],
  run: [],
  env: [],
  sys: [],
};

/** The sorted, duplicate-free list of the non-empty `items`. */
function list(
  items: Iterable<string | undefined | null | false>,
): string[] {
  const kept = new Set<string>();
  for (const item of items) if (item) kept.add(item);
  return [...kept].sort();
}

/** `host:port` as Deno's net grant spells it (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return `${bare.includes(":") ? `[${bare}]` : bare}:${port}`;
}

/** What every role needs to write its maillog. */
function logging(config: Config): Pick<RolePermissions, "read" | "write"> {
  if (config.maillog_file) {
    return {
      // The master makes its directory at start.
      read: [config.maillog_file],
      write: [config.maillog_file],
    };
  }
  const socket = config.syslog_socket;
  return { read: socket ? [socket] : [], write: socket ? [socket] : [] };
}

/** The DNS servers and the local any-address node:dgram binds first. */
function dnsNet(facts: SandboxFacts): string[] {
  const servers = facts.nameServers.map((s) => hostPort(s.address, s.port));
  const v6 = facts.nameServers.some((s) => s.address.includes(":"));
  return [...servers, "0.0.0.0:0", ...(v6 ? ["[::]:0"] : [])];
}

/** The Redis nodes of shared_state, or the SQLite file it writes. */
function sharedState(
  config: Config,
): { net: string[]; files: string[]; env: string[] } {
  let address;
  try {
    address = parseSharedStateAddress(config.shared_state);
  } catch {
    return { net: [], files: [], env: [] }; // Refused at start by the loader.
  }
  if (address.kind === "sqlite") {
    const file = address.path ?? sharedStatePath(config.queue_directory);
    // SQLite keeps its journal and WAL files beside the database.
    const files = ["", "-journal", "-wal", "-shm"].map((end) => file + end);
    return { net: [], files, env: [] };
  }
  return {
    net: address.nodes.map((n) => hostPort(n.host, n.port)),
    files: [],
    // Its logger's variables only (policy/redis_library.ts).
    env: [...REDIS_LIBRARY_ENVIRONMENT],
  };
}

/**
 * The policy services the restriction lists name: `inet:` ones as net
 * grants, `unix:` ones as socket paths (connecting needs read and write).
 */
function policyServices(config: Config): { net: string[]; sockets: string[] } {
  const found: string[] = [];
  const sockets: string[] = [];
  for (const { restriction: r } of configuredRestrictions(config)) {
    if (r.name !== "check_policy_service") continue;
    const endpoint = parsePolicyEndpoint(r.args[0] ?? "");
    if (endpoint?.transport === "tcp") {
      found.push(hostPort(endpoint.hostname, endpoint.port));
    } else if (endpoint?.transport === "unix") sockets.push(endpoint.path);
  }
  return { net: found, sockets };
}

/** The table files of the parameters `wanted` accepts. */
function tableFiles(
  config: Config,
  wanted: (parameter: string) => boolean,
): string[] {
  return configuredTables(config)
    .filter((t) => wanted(t.parameter))
    .map((t) => t.file)
    .filter((f): f is string => f !== undefined);
}

/** Listener addresses of the given kinds, as net grants. */
function listeners(config: Config, kinds: readonly string[]): string[] {
  return config.listeners
    .filter((l) => kinds.includes(l.kind))
    .map((l) => hostPort(l.address, l.port));
}

/** Whether local delivery may run a shell command. */
function runsCommands(config: Config): boolean {
  return config.allow_mail_to_commands.length > 0 ||
    config.mailbox_command !== "";
}

/** The master: configuration, the queue's pid/ and private/, its log. */
function master(config: Config): RolePermissions {
  const log = logging(config);
  const q = config.queue_directory;
  return {
    ...NONE,
    read: list([config.configFile, q, ...log.read]),
    write: list([`${q}/pid`, `${q}/private`, ...log.write]),
    sys: ["hostname", "networkInterfaces", "uid", "gid"],
  };
}

/** smtpd and cleanup: receive, check, and write the queue's entry. */
function smtpd(config: Config, facts: SandboxFacts): RolePermissions {
  const log = logging(config);
  const q = config.queue_directory;
  const state = sharedState(config);
  const policy = policyServices(config);
  const overrides = config.listeners.flatMap((l) => l.smtpd ? [l.smtpd] : []);
  const tls = [config, ...overrides].flatMap((o) => {
    const values = o as Partial<Record<string, unknown>>;
    const files = [values.smtpd_tls_cert_file, values.smtpd_tls_key_file];
    const chain = values.smtpd_tls_chain_files;
    return [...files, ...(Array.isArray(chain) ? chain : [])]
      .filter((f): f is string => typeof f === "string" && f !== "");
  });
  return {
    ...NONE,
    read: list([
      config.configFile,
      ...tableFiles(config, () => true),
      ...tls,
      config.resolv_conf,
      ...config.dkim.map((k) => k.privateKeyFile),
      // A bounce to an SRS address is verified at RCPT.
      config.srs_domain !== "" && config.srs_secret_file,
      q,
      ...state.files,
      ...policy.sockets,
      ...log.read,
    ]),
    write: list([
      ...policy.sockets,
      `${q}/tmp`,
      `${q}/incoming`,
      // HOLD from an access map or a content check.
      `${q}/hold`,
      ...state.files,
      ...log.write,
    ]),
    net: list([
      ...listeners(config, ["smtp", "submission", "smtps"]),
      ...dnsNet(facts),
      ...policy.net,
      ...state.net,
    ]),
    env: state.env,
    sys: ["hostname", "networkInterfaces", "statfs"],
  };
}

/**
 * smtpd's password checks (auth_worker.ts): the SASL users file, the
 * passwd files, and the tables the address resolver reads to tell a
 * virtual user's domain (as pop3d's). Writes only its log; no net.
 */
function auth(config: Config): RolePermissions {
  const log = logging(config);
  return {
    ...NONE,
    read: list([
      config.smtpd_sasl_users_file,
      config.pop3_passwd_directory,
      ...tableFiles(config, virtualLoginTable),
      ...log.read,
    ]),
    write: list(log.write),
    sys: ["hostname"],
  };
}

/** The tables a virtual login's address is resolved with (pop3d, auth). */
function virtualLoginTable(parameter: string): boolean {
  return !SMTPD_ONLY_TABLE.test(parameter) && parameter !== "alias_maps";
}

/** pop3d: the virtual users' logins and maildrops. */
function pop3d(config: Config): RolePermissions {
  const log = logging(config);
  const state = sharedState(config);
  const stateFiles = state.files;
  return {
    ...NONE,
    read: list([
      config.pop3_passwd_directory,
      // The address resolver and the mailbox maps find a login's maildrop.
      ...tableFiles(config, virtualLoginTable),
      config.virtual_mailbox_base,
      config.pop3_tls_cert_file,
      config.pop3_tls_key_file,
      ...stateFiles,
      ...log.read,
    ]),
    write: list([config.virtual_mailbox_base, ...stateFiles, ...log.write]),
    net: list([...listeners(config, ["pop3", "pop3s"]), ...state.net]),
    env: state.env,
    sys: ["hostname"],
  };
}

/**
 * The queue manager: the queue, and the address resolver's tables (it
 * routes each recipient, as Postfix's qmgr asks trivial-rewrite).
 */
function qmgr(config: Config): RolePermissions {
  const log = logging(config);
  const q = config.queue_directory;
  return {
    ...NONE,
    read: list([
      q,
      ...tableFiles(config, (p) => RESOLVER_TABLE.test(p)),
      // Forwarded mail's sender is signed with it (SRS).
      config.srs_domain !== "" && config.srs_secret_file,
      ...log.read,
    ]),
    write: list([q, ...log.write]),
    sys: ["statfs"],
  };
}

/** Local and virtual delivery, and pipe transports. */
function local(config: Config, facts: SandboxFacts): RolePermissions {
  const log = logging(config);
  const q = config.queue_directory;
  const homes = config.forward_path.length > 0 || config.home_mailbox !== ""
    ? facts.homes
    : [];
  const mailboxes = [
    config.mail_spool_directory.replace(/\/+$/, "") || undefined,
    config.virtual_mailbox_base || undefined,
    ...homes,
  ];
  const includes = facts.aliasTargets?.includes ?? [];
  // An mbox target's lock file sits beside it; a Maildir is a directory.
  const fileTargets = (facts.aliasTargets?.files ?? []).map((f) =>
    f.endsWith("/") ? f.replace(/\/+$/, "") : dirname(f)
  );
  const pipes = config.transports.flatMap((t) =>
    t.kind === "pipe" && t.pipe ? [t.pipe.argv[0]] : []
  );
  const commands = runsCommands(config) ? [config.local_command_shell] : [];
  const programs = [...commands, ...pipes];
  return {
    ...NONE,
    read: list([
      q,
      SYSTEM_PASSWD_FILE,
      ...tableFiles(config, (p) => !SMTPD_ONLY_TABLE.test(p)),
      ...mailboxes,
      // Mail to a system account goes to the spool, unless it forwards.
      ...(config.forward_path.length > 0 ? facts.systemForwardFiles ?? [] : []),
      ...includes,
      ...fileTargets,
      // Looked for before they are run.
      facts.setpriv,
      programs.length > 0 && facts.kill,
      ...log.read,
    ]),
    // Not the queue: mail it forwards goes through the queue manager's gate.
    write: list([...mailboxes, ...fileTargets, ...log.write]),
    run: list([
      ...programs,
      // setpriv runs commands and file writers as the user under root.
      facts.setpriv,
      programs.length > 0 && facts.kill,
    ]),
    env: ["TZ"],
    sys: ["hostname", "uid", "gid", "statfs"],
  };
}

/**
 * The SMTP and LMTP client: the queue manager's thread records what
 * happened, so the client only reads what it sends.
 */
function smtp(config: Config): RolePermissions {
  const log = logging(config);
  const q = config.queue_directory;
  const caFiles = [
    config.smtp_tls_CAfile,
    ...config.transports.map((t) => t.options?.smtp_tls_CAfile),
  ];
  // A named transport may have its own password table (options).
  const passwords = [
    config.smtp_sasl_password_maps,
    ...config.transports.map((t) => t.options?.smtp_sasl_password_maps),
  ];
  return {
    ...NONE,
    read: list([
      `${q}/active`,
      ...caFiles,
      ...passwords.map((spec) => spec && tableFile(spec)),
      ...config.dkim.map((k) => k.privateKeyFile),
      config.resolv_conf,
      ...log.read,
    ]),
    write: list(log.write),
    net: true,
    sys: ["hostname"],
  };
}

/**
 * Every role's permissions under `config`.
 */
export function rolePermissions(
  config: Config,
  facts: SandboxFacts,
): Record<RoleName, RolePermissions> {
  return {
    master: master(config),
    smtpd: smtpd(config, facts),
    auth: auth(config),
    pop3d: pop3d(config),
    qmgr: qmgr(config),
    local: local(config, facts),
    smtp: smtp(config),
  };
}

/** The permissions of roles sharing one thread: what any of them needs. */
export function mergePermissions(
  roles: readonly RolePermissions[],
): RolePermissions {
  const all = <K extends keyof RolePermissions>(key: K) =>
    roles.flatMap((r) => r[key] === true ? [] : [...r[key] as string[]]);
  return {
    read: list(all("read")),
    write: list(all("write")),
    net: roles.some((r) => r.net === true) ? true : list(all("net")),
    run: list(all("run")),
    env: roles.some((r) => r.env === true) ? true : list(all("env")),
    sys: list(all("sys")) as SysGrant[],
  };
}

/**
 * The queue manager's thread (qmgr_worker.ts, one_shot_worker.ts): the
 * qmgr role, which needs no facts of the system. Local delivery
 * (local_delivery_worker.ts) and the SMTP client (smtp_client_worker.ts)
 * have Workers of their own, so this one writes no mailbox, runs nothing
 * and has no net.
 */
export function queueManagerThreadPermissions(
  config: Config,
): RolePermissions {
  return qmgr(config);
}

/**
 * The local delivery thread (local_delivery_worker.ts): the local role,
 * local and virtual delivery and pipe transports.
 */
export function localDeliveryThreadPermissions(
  config: Config,
  facts: SandboxFacts,
): RolePermissions {
  return local(config, facts);
}

/**
 * The SMTP client's thread (smtp_client_worker.ts): the smtp role, which
 * needs no facts of the system.
 */
export function smtpClientThreadPermissions(config: Config): RolePermissions {
  return smtp(config);
}

/**
 * smtpd's auth thread (auth_worker.ts): the auth role, which needs no
 * facts of the system.
 */
export function authThreadPermissions(config: Config): RolePermissions {
  return auth(config);
}

/**
 * The Worker option for `permissions`: every kind given, so nothing is
 * inherited from the parent by omission (import is denied, ffi unless
 * the role has it).
 */
export function workerPermissions(
  permissions: RolePermissions,
): Deno.PermissionOptionsObject {
  const or = (items: readonly string[]) =>
    items.length === 0 ? false : [...items];
  return {
    read: or(permissions.read),
    write: or(permissions.write),
    net: permissions.net === true ? true : or(permissions.net),
    run: or(permissions.run),
    env: permissions.env === true ? true : or(permissions.env),
    sys: permissions.sys.length === 0 ? false : [...permissions.sys],
    ffi: permissions.ffi === true,
    import: false,
  };
}
