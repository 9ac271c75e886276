/**
 * Test harness: the real mailsrv daemon on ephemeral loopback ports in a
 * temp directory, run exactly as the release binary runs (same permission
 * set from deno.json), plus small helpers to wait for its effects.
 */
import { join } from "node:path";
import { selfCommand } from "../../src/common/self_command.ts";

/**
 * Command line that runs `mailsrv ARGS…` from source with the binary's
 * sandbox and V8 flags: the same one `mailsrv start` uses.
 */
export function mailsrvCommand(args: readonly string[]): string[] {
  const self = selfCommand(args);
  return [self.command, ...self.args];
}

/** Result of a finished CLI run. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mailsrv ARGS…` to completion. */
export async function runMailsrv(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
  const [cmd, ...rest] = mailsrvCommand(args);
  const child = new Deno.Command(cmd, {
    args: rest,
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(hostname = "127.0.0.1"): number {
  const l = Deno.listen({ hostname, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Polls `probe` every 50 ms until it returns a value or `limitMs` passes. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  limitMs = 20_000,
): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Names of the files in a directory (empty if it does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort();
}

/** A running daemon under test. */
export interface TestDaemon {
  readonly home: string;
  readonly configPath: string;
  /** The loopback address its listeners are bound to. */
  readonly address: string;
  readonly port: number;
  readonly queueDirectory: string;
  readonly process: Deno.ChildProcess;
  /** Maillog lines so far (stderr of the foreground daemon). */
  log(): string;
  /** Graceful stop via `mailsrv stop`; waits for exit. */
  stop(): Promise<void>;
  /** `kill -9`; waits for exit. */
  kill(): Promise<void>;
}

/** Options for `startDaemon`. */
export interface DaemonSetup {
  /** Parameters that override or add to the generated ones. */
  readonly params?: Readonly<Record<string, string | number>>;
  /** Reuse an existing home (restart after a crash). */
  readonly home?: string;
  /**
   * The loopback address every listener binds (default 127.0.0.1); e.g.
   * 127.0.0.11, 127.0.0.12 … for several hosts on one machine.
   */
  readonly address?: string;
  readonly port?: number;
  /**
   * More `[[listener]]` tables, e.g. a POP3 one: `[{ kind: "pop3", port }]`;
   * `settings` are the listener's smtpd options (`master.cf -o`).
   */
  readonly listeners?: ReadonlyArray<{
    kind: string;
    port: number;
    settings?: Readonly<Record<string, string | number | boolean>>;
  }>;
  /** TOML appended after the listener tables (e.g. `[[transport]]` tables). */
  readonly extraToml?: string;
  /**
   * A command the daemon is run through, e.g. `setpriv --reuid=…` to run it
   * as another user; `env` is its whole environment then.
   */
  readonly through?: {
    readonly command: readonly string[];
    readonly env: Readonly<Record<string, string>>;
  };
}

/**
 * Writes a config (queue and mail under a temp home, SMTP on an ephemeral
 * 127.0.0.1 port, `localhost` local, any local part accepted) and starts
 * `mailsrv run` in the foreground; resolves once it accepts connections.
 */
export async function startDaemon(
  setup: DaemonSetup = {},
): Promise<TestDaemon> {
  const home = setup.home ?? await Deno.makeTempDir({ prefix: "mailsrv-it-" });
  const address = setup.address ?? "127.0.0.1";
  const port = setup.port ?? freePort(address);
  const configPath = join(home, "mailsrv.toml");
  const queueDirectory = join(home, "queue");
  const params: Record<string, string | number> = {
    myhostname: "mx.example.test",
    mydestination: "localhost, example.test",
    mynetworks: "127.0.0.0/8",
    queue_directory: queueDirectory,
    mail_spool_directory: `${join(home, "mail")}/`,
    local_recipient_maps: "",
    maillog_file: join(home, "maillog"),
    // Never the machine's resolver: a server that does not answer, so
    // remote mail is deferred ("the link is down") unless a test runs one.
    resolv_conf: join(home, "resolv.conf"),
    ...setup.params,
  };
  const defaultResolvConf = join(home, "resolv.conf");
  if (
    params.resolv_conf === defaultResolvConf &&
    !await Deno.stat(defaultResolvConf).then(() => true, () => false)
  ) {
    await Deno.writeTextFile(
      join(home, "resolv.conf"),
      "nameserver 127.0.0.1:9\noptions timeout:1 attempts:1\n",
    );
  }
  const lines = Object.entries(params).map(([k, v]) =>
    `${k} = ${JSON.stringify(v)}`
  );
  await Deno.writeTextFile(
    configPath,
    `# generated by tests/helpers/daemon.ts\n${lines.join("\n")}\n\n` +
      [{ kind: "smtp", port }, ...(setup.listeners ?? [])].map((l) =>
        `[[listener]]\naddress = "${address}"\nport = ${l.port}\nkind = "${l.kind}"\n` +
        ("settings" in l && l.settings
          ? `options = { ${
            Object.entries(l.settings).map(([k, v]) =>
              `${k} = ${JSON.stringify(v)}`
            ).join(", ")
          } }\n`
          : "")
      ).join("\n") + (setup.extraToml ? `\n${setup.extraToml}\n` : ""),
  );
  const [cmd, ...args] = [
    ...setup.through?.command ?? [],
    ...mailsrvCommand(["run", "--config", configPath]),
  ];
  const process = new Deno.Command(cmd, {
    args,
    ...(setup.through ? { env: { ...setup.through.env }, clearEnv: true } : {}),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const decoder = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of process.stderr) stderr += decoder.decode(chunk);
  })();
  let exited = false;
  const status = process.status.then((s) => {
    exited = true;
    return s;
  });
  try {
    await waitFor(`mailsrv to listen on ${address}:${port}`, async () => {
      if (exited) {
        throw new Error(`mailsrv exited early:\n${stderr}`);
      }
      try {
        (await Deno.connect({ hostname: address, port })).close();
        return true;
      } catch {
        return undefined;
      }
    });
  } catch (e) {
    if (!exited) process.kill("SIGKILL");
    await status;
    throw e;
  }
  const finish = async () => {
    await status;
    await pump;
  };
  return {
    home,
    configPath,
    address,
    port,
    queueDirectory,
    process,
    log: () => stderr,
    async stop() {
      if (!exited) {
        await runMailsrv(["stop", "--config", configPath]);
      }
      await finish();
    },
    async kill() {
      if (!exited) process.kill("SIGKILL");
      await finish();
    },
  };
}

/** Whether an external program is on PATH. */
export function haveProgram(name: string): boolean {
  try {
    const r = new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return r.success;
  } catch {
    return false;
  }
}

/**
 * Interop peers may be missing on a developer machine: skip visibly there;
 * in CI (`CI=true`) a missing peer is a failure.
 */
export function requireProgram(name: string): boolean {
  if (haveProgram(name)) return true;
  if (Deno.env.get("CI") === "true") {
    throw new Error(`${name} is required in CI (.ci/run installs it)`);
  }
  console.warn(`SKIPPED: ${name} is not installed`);
  return false;
}

/** Runs a Python 3 script with arguments; returns stdout, throws on failure. */
export async function python(
  script: string,
  args: string[] = [],
): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`python3 failed: ${dec.decode(out.stderr)}`);
  }
  return dec.decode(out.stdout);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function canConnect(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}
