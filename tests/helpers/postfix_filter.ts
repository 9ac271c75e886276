/**
 * A private Postfix instance as a pass-through content filter: it takes
 * mail by SMTP on 127.0.0.1, adds a header (header_checks PREPEND) and
 * relays everything to `[127.0.0.1]:REINJECT`, with XFORWARD both ways
 * (it offers XFORWARD to 127.0.0.0/8 and sends it when offered), the
 * FILTER_README setup seen from the filter's side. It can be stopped and
 * started again (the filter down, then back).
 *
 * Its own configuration, queue and log under a temporary directory;
 * never touches the system's /etc/postfix instance. Needs root (Postfix's
 * master starts as root) and Debian's postfix package (.ci/run installs
 * it); `canRunPrivatePostfix` from private_postfix.ts tells.
 */
import { join } from "node:path";
import { freePort, waitFor } from "./daemon.ts";

/** The header the filter adds to every message. */
export const FILTER_HEADER = "X-Filtered-By: postfix-test-filter";

/** A private Postfix filter. */
export interface PostfixFilter {
  readonly port: number;
  /** Its maillog so far. */
  log(): Promise<string>;
  /** Stops it (the filter is down); `start` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  remove(): Promise<void>;
}

async function run(command: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) +
      new TextDecoder().decode(out.stdout);
    throw new Error(`${command} ${args.join(" ")}: ${text}`);
  }
}

/** The packaged master.cf with smtpd on `listen` and no chroot. */
async function masterCf(listen: string): Promise<string> {
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

async function listening(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Sets up and starts the filter.
 * @param reinjectPort where it hands mail back (mailsrv's reinjection listener)
 */
export async function startPostfixFilter(
  reinjectPort: number,
): Promise<PostfixFilter> {
  const dir = await Deno.makeTempDir({ prefix: "mailsrv-postfix-filter-" });
  await Deno.chmod(dir, 0o755);
  const etc = join(dir, "etc");
  await Deno.mkdir(etc, { recursive: true });
  await Deno.mkdir(join(dir, "spool"));
  await Deno.mkdir(join(dir, "data"));
  await run("chown", ["postfix", join(dir, "data")]);
  const port = freePort();
  await Deno.writeTextFile(
    join(etc, "master.cf"),
    await masterCf(`127.0.0.1:${port}`),
  );
  await Deno.writeTextFile(
    join(etc, "header_checks"),
    `/^Subject:/ PREPEND ${FILTER_HEADER}\n`,
  );
  await Deno.writeTextFile(
    join(etc, "main.cf"),
    [
      "compatibility_level = 3.6",
      `queue_directory = ${join(dir, "spool")}`,
      `data_directory = ${join(dir, "data")}`,
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${join(dir, "maillog")}`,
      "myhostname = filter.test",
      "mydestination =",
      "inet_interfaces = 127.0.0.1",
      "inet_protocols = ipv4",
      "mynetworks = 127.0.0.0/8",
      "smtpd_relay_restrictions = permit_mynetworks reject",
      "smtpd_authorized_xforward_hosts = 127.0.0.0/8",
      `header_checks = regexp:${join(etc, "header_checks")}`,
      `relayhost = [127.0.0.1]:${reinjectPort}`,
      "smtp_send_xforward_command = yes",
      "smtp_tls_security_level = none",
      "disable_dns_lookups = yes",
      "smtp_host_lookup = native",
      "alias_maps =",
      "biff = no",
      "",
    ].join("\n"),
  );
  // Debian's postfix package without a configuration has no main.cf,
  // which the postfix command reads first.
  try {
    await Deno.stat("/etc/postfix/main.cf");
  } catch {
    await Deno.copyFile("/etc/postfix/main.cf.proto", "/etc/postfix/main.cf");
  }
  const pidFile = join(dir, "spool", "pid", "master.pid");
  const start = async () => {
    await run("postfix", ["-c", etc, "start"]);
    await waitFor(
      "the private Postfix filter",
      async () => await listening(port) ? true : undefined,
    );
  };
  const stop = async () => {
    const pid = (await Deno.readTextFile(pidFile).catch(() => "")).trim();
    await run("postfix", ["-c", etc, "stop"]).catch(() => {});
    // The master keeps its pid file; its process is what must end.
    await waitFor("the Postfix filter to stop", async () => {
      if (pid !== "") {
        try {
          await Deno.stat(`/proc/${pid}`);
          return undefined;
        } catch {
          // Gone.
        }
      }
      return await listening(port) ? undefined : true;
    });
  };
  await start();
  return {
    port,
    log: () => Deno.readTextFile(join(dir, "maillog")).catch(() => ""),
    stop,
    start,
    async remove() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
