/**
 * Who may import whom in mailsrv: the table import_rules_test.ts holds
 * the code to. docs/internals.md ("Import rules") says the same in words;
 * change both together.
 *
 * DESCRIPTION
 *   A folder of src/ is either a shared leaf or a role. Shared leaves hold
 *   what every role may use and know no role; they are layered in
 *   SHARED_LEAVES order, each importing only leaves before it, so the
 *   leaves have no loop among themselves. Roles import shared leaves and,
 *   through a few named files, the role below them on a message's way:
 *   smtpd hands mail to the queue's gate, the queue manager hands it to
 *   the delivery agents. A role never imports the role above it, a
 *   sibling, the master or the CLI. The master starts roles and imports
 *   them; the CLI imports anything and only main.ts imports it.
 *
 *   A file of `src/<folder>/` belongs to that folder; `src/version.ts` is
 *   the leaf `version`, `main.ts` is `main`.
 */
import type { AllowedException, FolderRule } from "./import_graph.ts";

/**
 * The shared leaves, lowest first: each may import only those before it.
 */
export const SHARED_LEAVES: readonly string[] = [
  "version", // the version string; imports nothing
  "common", // small shared helpers: dates, buffers, deadlines, hashes, self command
  "fs", // durable file writes (fsync, directory sync)
  "log", // maillog lines
  "dns", // the DNS resolver: NXDOMAIN told from failure, MX hosts
  "policy", // address lists, restriction evaluator, greylist, limits, shared state
  "maps", // lookup tables
  "config", // the parameters and their parsing (uses policy's address lists)
  "layout", // the mailbox guard: reserved names, files no mailbox may be
  "resolve", // the address resolver: local, virtual, relay, remote
  "net", // server plumbing without protocol: listener, lines, client names, TLS
  "auth", // virtual users' logins (passwd files, login names, failed-login pauses) for pop3d and smtpd
  "dkim", // DKIM keys (read, checked, made) and signing through mailauth
  "mail_auth", // SPF, DKIM, DMARC, ARC verification through mailauth; Authentication-Results
  "srs", // SRS addresses (postsrsd's format), the secret file, what is rewritten
];

/** The roles, in the order a message meets them; then the admin commands. */
export const ROLES: readonly string[] = [
  "smtp",
  "pop3",
  "queue",
  "delivery",
  "virtual",
  "postfix_import",
];

const leafRules: Record<string, FolderRule> = Object.fromEntries(
  SHARED_LEAVES.map((leaf, at) => [leaf, {
    may: SHARED_LEAVES.slice(0, at),
    why: `a shared leaf imports only the leaves below it: ${
      SHARED_LEAVES.slice(0, at).join(", ") || "none"
    }`,
  }]),
);

/** The queue's gate and the types its callers need to hand mail in. */
const QUEUE_GATE = ["src/queue/enqueue.ts"];

/** The rules, one row per folder. */
export const FOLDER_RULES: Readonly<Record<string, FolderRule>> = {
  ...leafRules,
  smtp: {
    may: SHARED_LEAVES,
    files: [{ to: QUEUE_GATE }],
    why: "smtpd imports shared leaves and the queue's gate only",
  },
  pop3: {
    may: SHARED_LEAVES,
    why: "pop3d imports shared leaves only",
  },
  queue: {
    may: SHARED_LEAVES,
    why:
      "the queue imports shared leaves only; the delivery contract is its own (queue/delivery_contract.ts)",
  },
  delivery: {
    may: SHARED_LEAVES,
    // The agents implement the queue's delivery contract; forwarding and
    // list expansion re-enter the queue through the gate they are handed:
    // they may name its types, never open the queue.
    files: [
      { to: ["src/queue/delivery_contract.ts"] },
      { to: QUEUE_GATE, typeOnly: true },
    ],
    why:
      "delivery agents import shared leaves, the queue's delivery contract, and the gate's types with `import type`",
  },
  virtual: {
    may: SHARED_LEAVES,
    why: "the virtual-domain admin code imports shared leaves only",
  },
  postfix_import: {
    may: SHARED_LEAVES,
    why: "the Postfix configuration translator imports shared leaves only",
  },
  master: {
    may: [...SHARED_LEAVES, ...ROLES],
    why: "the master imports shared leaves and the roles it starts",
  },
  cli: {
    may: [...SHARED_LEAVES, ...ROLES, "master"],
    importedOnlyBy: ["main.ts"],
    why: "the CLI imports anything below it",
  },
  main: {
    may: ["cli"],
    why: "main.ts only hands argv to the CLI",
  },
};

/**
 * Imports that break the rules today and are being removed on other
 * branches. Exactly these edges pass; each must go once its fix lands
 * (the check then reports the stale row).
 */
export const EXCEPTIONS: readonly AllowedException[] = [];
