/**
 * Deno's own memory floor under mailsrv's V8 flags: what a process and
 * each Worker cost before any mail code is loaded.
 *
 *   deno run -A --v8-flags=--max-semi-space-size=1 bench/deno_floor.ts
 *
 * Prints the process's RSS after each step (and, of it, the deno
 * executable's own pages and V8's heap pages): bare, then 1–4 empty
 * Workers, then the same Workers each loading Deno's Node compatibility
 * layer (node:stream, node:net, node:tls — what every mailsrv role
 * uses). Each step runs in a fresh process, so steps do not share
 * warmed-up pages. Run it on an idle machine; figures are whole-process
 * RSS from /proc/self/status.
 */
const STEP = Deno.args[0];

function rssMb(): number {
  const kb = Deno.readTextFileSync("/proc/self/status").match(
    /VmRSS:\s+(\d+)/,
  );
  return Math.round(Number(kb?.[1] ?? 0) / 1024);
}

/**
 * The RSS of the deno executable's own pages and of V8's heap pages
 * (256 KiB anonymous mappings), in MB, from /proc/self/smaps: the split
 * memory_phases.sh makes for the daemon.
 */
function splitMb(): { executable: number; heap: number } {
  const kb = { executable: 0, heap: 0 };
  let kind: keyof typeof kb | undefined;
  for (const line of Deno.readTextFileSync("/proc/self/smaps").split("\n")) {
    const mapping = line.match(
      /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/,
    );
    if (mapping) {
      const size = parseInt(mapping[2], 16) - parseInt(mapping[1], 16);
      const name = mapping[3].trim();
      kind = name === Deno.execPath()
        ? "executable"
        : name === "" && size === 256 * 1024
        ? "heap"
        : undefined;
    } else if (kind && line.startsWith("Rss:")) {
      kb[kind] += Number(line.split(/\s+/)[1]);
    }
  }
  return {
    executable: Math.round(kb.executable / 1024),
    heap: Math.round(kb.heap / 1024),
  };
}

async function workers(count: number, source: string): Promise<void> {
  const url = `data:application/javascript,${encodeURIComponent(source)}`;
  for (let i = 0; i < count; i++) {
    const worker = new Worker(url, { type: "module" });
    await new Promise((resolve) => worker.onmessage = resolve);
  }
}

const EMPTY = 'self.postMessage("ready");';
const NODE = 'import "node:stream"; import "node:net"; import "node:tls"; ' +
  EMPTY;

if (STEP === undefined) {
  const steps = [
    "bare",
    ...[1, 2, 3, 4].map((n) => `empty:${n}`),
    ...[1, 2, 3, 4].map((n) => `node:${n}`),
  ];
  for (const step of steps) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--max-semi-space-size=1",
        import.meta.filename!,
        step,
      ],
    }).output();
    console.log(new TextDecoder().decode(out.stdout).trim());
  }
} else {
  const [kind, count] = STEP.split(":");
  if (kind !== "bare") {
    await workers(Number(count), kind === "node" ? NODE : EMPTY);
  }
  // Let the isolates settle after start-up.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const label = kind === "bare"
    ? "bare Deno"
    : `${count} ${kind === "node" ? "" : "empty "}Worker${
      count === "1" ? "" : "s"
    }${kind === "node" ? " with node:tls" : ""}`;
  const { executable, heap } = splitMb();
  console.log(
    `${
      label.padEnd(28)
    } ${rssMb()} MB (executable ${executable}, V8 heap ${heap})`,
  );
  Deno.exit(0);
}
