/**
 * A private Postfix instance for tests: its own configuration, queue and
 * log under a temporary directory, listening on 127.0.0.1 only, never
 * touching the system's /etc/postfix instance. Used as a smarthost that
 * requires SASL (Cyrus sasldb, PLAIN and LOGIN) over STARTTLS.
 *
 * Needs root (Postfix's master starts as root) and the Debian packages
 * postfix, sasl2-bin and libsasl2-modules, which .ci/run installs.
 */
import { join } from "node:path";
import { freePort, waitFor } from "./daemon.ts";
import type { TestCertificates } from "./tls_certs.ts";

/** What the smarthost is set up with. */
export interface SmarthostSetup {
  /** The certificate chain and key it offers with STARTTLS. */
  readonly certificates: TestCertificates;
  /** The one SASL user (`user@realm`) and password. */
  readonly user: string;
  readonly password: string;
  /** Where it relays everything it accepts: `[127.0.0.1]:PORT`. */
  readonly relayhost: string;
}

/** A running private Postfix. */
export interface PrivatePostfix {
  readonly port: number;
  /** Its maillog so far. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Whether this machine can run one (root, postfix and saslpasswd2). */
export function canRunPrivatePostfix(): boolean {
  if (Deno.uid() !== 0) return false;
  for (const program of ["/usr/sbin/postfix", "/usr/sbin/saslpasswd2"]) {
    try {
      Deno.statSync(program);
    } catch {
      return false;
    }
  }
  return true;
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(command: string, args: string[], stdin?: string) {
  const child = new Deno.Command(command, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) +
      new TextDecoder().decode(out.stdout);
    throw new Error(`${command} ${args.join(" ")}: ${text}`);
  }
}

/** The packaged master.cf with smtpd on `listen` and no chroot. */
export async function masterCf(listen: string): Promise<string> {
  const dist = await Deno.readTextFile("/usr/share/postfix/master.cf.dist");
  return dist.split("\n").map((line) => {
    if (/^[#\s]/.test(line) || line === "") return line;
    const fields = line.split(/\s+/);
    if (fields.length < 8) return line;
    if (fields[0] === "smtp" && fields[1] === "inet") fields[0] = listen;
    if (fields[4] === "y") fields[4] = "n";
    return fields.join(" ");
  }).join("\n");
}

/** Sets up and starts a private Postfix smarthost. */
export async function startSmarthost(
  setup: SmarthostSetup,
): Promise<PrivatePostfix> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postfix-" });
  await Deno.chmod(dir, 0o755);
  const etc = join(dir, "etc");
  await Deno.mkdir(join(etc, "sasl"), { recursive: true });
  await Deno.mkdir(join(dir, "spool"));
  await Deno.mkdir(join(dir, "data"));
  await run("chown", ["postfix", join(dir, "data")]);
  const port = freePort();
  const [user, realm] = setup.user.split("@");
  await Deno.writeTextFile(
    join(etc, "master.cf"),
    await masterCf(`127.0.0.1:${port}`),
  );
  await Deno.writeTextFile(
    join(etc, "main.cf"),
    [
      "compatibility_level = 3.6",
      `queue_directory = ${join(dir, "spool")}`,
      `data_directory = ${join(dir, "data")}`,
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${join(dir, "maillog")}`,
      `myhostname = ${realm}`,
      `mydestination = ${realm}`,
      "inet_interfaces = 127.0.0.1",
      "inet_protocols = ipv4",
      // Nobody is trusted: relaying needs the login.
      "mynetworks = 127.0.0.255/32",
      "smtpd_relay_restrictions = permit_sasl_authenticated reject_unauth_destination",
      `smtpd_tls_cert_file = ${setup.certificates.certFile}`,
      `smtpd_tls_key_file = ${setup.certificates.keyFile}`,
      "smtpd_tls_security_level = may",
      "smtpd_tls_loglevel = 1",
      "smtpd_tls_auth_only = yes",
      "smtpd_sasl_auth_enable = yes",
      "smtpd_sasl_type = cyrus",
      "smtpd_sasl_path = smtpd",
      `cyrus_sasl_config_path = ${join(etc, "sasl")}`,
      `relayhost = ${setup.relayhost}`,
      "smtp_tls_security_level = none",
      "alias_maps =",
      "biff = no",
      "",
    ].join("\n"),
  );
  const sasldb = join(dir, "sasldb2");
  await Deno.writeTextFile(
    join(etc, "sasl", "smtpd.conf"),
    `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: ${sasldb}\n`,
  );
  await run(
    "saslpasswd2",
    ["-p", "-c", "-f", sasldb, "-u", realm, user],
    setup.password,
  );
  await run("chown", ["postfix", sasldb]);
  // Debian's postfix package without a configuration has no main.cf,
  // which the postfix command reads first.
  try {
    await Deno.stat("/etc/postfix/main.cf");
  } catch {
    await Deno.copyFile("/etc/postfix/main.cf.proto", "/etc/postfix/main.cf");
  }
  await run("postfix", ["-c", etc, "start"]);
  await waitFor("the private Postfix", async () => {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return true;
    } catch {
      return undefined;
    }
  });
  return {
    port,
    log: () => Deno.readTextFile(join(dir, "maillog")).catch(() => ""),
    async stop() {
      const pidFile = join(dir, "spool", "pid", "master.pid");
      const pid = (await Deno.readTextFile(pidFile).catch(() => "")).trim();
      await run("postfix", ["-c", etc, "stop"]).catch(() => {});
      // The master keeps its pid file; its process is what must end.
      await waitFor("Postfix to stop", async () => {
        if (pid === "") return true;
        try {
          await Deno.stat(`/proc/${pid}`);
          return undefined;
        } catch {
          return true;
        }
      });
      await Deno.remove(dir, { recursive: true });
    },
  };
}
