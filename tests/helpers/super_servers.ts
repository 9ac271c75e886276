/**
 * Test harness: Debian's openbsd-inetd and xinetd, started in the
 * foreground on one 127.0.0.1 port with a config file written here, each
 * running one command per connection — the way an administrator runs
 * `mailsrv pop3 --inetd`.
 *
 * openbsd-inetd and xinetd conflict as Debian packages, so inetd is used
 * unpacked (.ci/run: `apt-get download openbsd-inetd`, `dpkg-deb -x` into
 * /opt/openbsd-inetd) when it is not installed.
 */
import { basename, join } from "node:path";
import { waitFor } from "./daemon.ts";

/** Where openbsd-inetd's binary is looked for, unpacked copy first. */
const INETD_PATHS = ["/opt/openbsd-inetd/usr/sbin/inetd", "/usr/sbin/inetd"];

/** A running super-server. */
export interface SuperServer {
  /** Its stderr or log file so far. */
  log(): Promise<string>;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

/** openbsd-inetd's binary, or undefined when it is not on this machine. */
export function openbsdInetdPath(): string | undefined {
  for (const path of INETD_PATHS) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

function whitespaceFree(command: readonly string[]): void {
  for (const arg of command) {
    if (/\s/.test(arg)) {
      throw new Error(`a super-server cannot pass "${arg}" as one argument`);
    }
  }
}

/** The current user's name (the super-servers' `user` field). */
async function userName(): Promise<string> {
  const out = await new Deno.Command("id", { args: ["-un"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * openbsd-inetd in debug mode (`-d`: foreground, debug lines on stderr)
 * with `dir/inetd.conf`: `127.0.0.1:PORT stream tcp nowait USER COMMAND…`.
 */
export async function startOpenbsdInetd(
  inetd: string,
  dir: string,
  port: number,
  command: readonly string[],
): Promise<SuperServer> {
  whitespaceFree(command);
  const conf = join(dir, "inetd.conf");
  const [program, ...args] = command;
  await Deno.writeTextFile(
    conf,
    `127.0.0.1:${port} stream tcp nowait ${await userName()} ${program} ` +
      `${basename(program)} ${args.join(" ")}\n`,
  );
  return await supervise(
    new Deno.Command(inetd, {
      args: ["-d", conf],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn(),
    port,
  );
}

/**
 * xinetd in the foreground (`-dontfork`) with `dir/xinetd.conf`: one
 * UNLISTED service bound to 127.0.0.1:PORT, logging to `dir/xinetd.log`.
 */
export async function startXinetd(
  dir: string,
  port: number,
  command: readonly string[],
): Promise<SuperServer> {
  whitespaceFree(command);
  const conf = join(dir, "xinetd.conf");
  const logFile = join(dir, "xinetd.log");
  const [program, ...args] = command;
  await Deno.writeTextFile(
    conf,
    `service mailsrv-pop3-test
{
    type        = UNLISTED
    socket_type = stream
    protocol    = tcp
    wait        = no
    user        = ${await userName()}
    bind        = 127.0.0.1
    port        = ${port}
    server      = ${program}
    server_args = ${args.join(" ")}
    log_type    = FILE ${logFile}
    log_on_success = HOST PID EXIT
}
`,
  );
  const server = await supervise(
    new Deno.Command("xinetd", {
      args: [
        "-dontfork",
        "-f",
        conf,
        "-pidfile",
        join(dir, "xinetd.pid"),
        "-filelog",
        logFile,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn(),
    port,
  );
  return {
    log: async () =>
      (await server.log()) +
      await Deno.readTextFile(logFile).catch(() => ""),
    stop: server.stop,
  };
}

/** Waits until `child` listens on `port`; stops it if it never does. */
async function supervise(
  child: Deno.ChildProcess,
  port: number,
): Promise<SuperServer> {
  let stderr = "";
  const decoder = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk);
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await pump;
  };
  try {
    // Reading the kernel's table, not connecting: a probe connection
    // would start a server process.
    await waitFor(`the super-server to listen on ${port}`, async () => {
      if (exited) throw new Error(`the super-server exited:\n${stderr}`);
      return (await listening(port)) || undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { log: () => Promise.resolve(stderr), stop };
}

/** Whether a socket listens on 127.0.0.1:`port` (state 0A in /proc/net/tcp). */
async function listening(port: number): Promise<boolean> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const table = await Deno.readTextFile("/proc/net/tcp");
  return table.split("\n").some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === local && fields[3] === "0A";
  });
}

/** Process IDs whose command line contains `text` (e.g. a config path). */
export async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(text)) pids.push(Number(entry.name));
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}
