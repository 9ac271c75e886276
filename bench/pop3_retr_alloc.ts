/**
 * What one RETR costs pop3d's connection code in JS heap allocation, apart
 * from the disk: a session over loopback TCP with Python's poplib, the
 * messages served from memory.
 *
 *   deno run -A --v8-flags=--min-semi-space-size=128,--max-semi-space-size=128 \
 *     bench/pop3_retr_alloc.ts [N] [MAILDIR]
 *
 * The young generation is made large enough that nothing is collected
 * during the N RETRs (3,000 by default; check with --trace-gc), so the
 * growth of the heap between the second RETR and QUIT, divided by the
 * RETRs, is what each allocated. With MAILDIR the messages come from that
 * Maildir through pop3d's maildrop instead (the same session, plus the
 * maildrop's own allocations). Prints `bytes_per_retr=…` and the main
 * thread's CPU per RETR (meaningful only under the daemon's V8 flags).
 * Needs python3; Linux (/proc).
 */
import { serveSession } from "../src/pop3/connection.ts";
import { openMaildirMaildrop } from "../src/pop3/maildrop_maildir.ts";
import { listingOf } from "../src/pop3/maildrop_listing.ts";
import type {
  Maildrop,
  MaildropMessage,
  MessageReader,
  Pop3Deps,
} from "../src/pop3/types.ts";
import { baseTestConfig } from "../tests/helpers/test_config.ts";

const count = Number(Deno.args[0] ?? 3000);
const maildir = Deno.args[1];
const body = new TextEncoder().encode(
  "Subject: x\n\n" + ("b".repeat(72) + "\n").repeat(56),
);

/** CPU time of this thread, µs. */
function threadCpu(): number {
  const fields = Deno.readTextFileSync("/proc/thread-self/stat")
    .split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

let retrieved = 0;
let heapAtStart = 0;
let cpuAtStart = 0;
let reported = false;

function report(): void {
  if (reported) return;
  reported = true;
  const n = retrieved - 1;
  const bytes = (Deno.memoryUsage().heapUsed - heapAtStart) / n;
  const cpu = (threadCpu() - cpuAtStart) / n;
  console.log(
    `retrs=${n} bytes_per_retr=${bytes.toFixed(0)} cpu_us_per_retr=${
      cpu.toFixed(1)
    }`,
  );
}

/** Counts RETRs (and read-aheads) and starts measuring at the second. */
function counted(reader: () => MessageReader): MessageReader {
  if (retrieved++ === 1) {
    heapAtStart = Deno.memoryUsage().heapUsed;
    cpuAtStart = threadCpu();
  }
  return reader();
}

function memoryMaildrop(): Maildrop {
  const messages: MaildropMessage[] = Array.from(
    { length: count },
    (_, i) => ({ uidl: `u${i}`, size: body.length + 57 }),
  );
  return {
    scan: () => Promise.resolve(listingOf(messages)),
    retrieve: () =>
      counted(() => {
        let done = false;
        return {
          read(buffer) {
            if (done) return null;
            done = true;
            buffer.set(body);
            return body.length;
          },
          close() {},
        };
      }),
    commit: () => Promise.resolve(report()),
    release: () => Promise.resolve(report()),
  };
}

async function diskMaildrop(path: string): Promise<Maildrop> {
  const inner = await openMaildirMaildrop(path);
  return {
    scan: () => inner.scan(),
    retrieve: (i) => counted(() => inner.retrieve(i)),
    commit: (deleted) => (report(), inner.commit(deleted)),
    release: () => (report(), inner.release()),
  };
}

const maildrop = maildir ? await diskMaildrop(maildir) : memoryMaildrop();
const config = baseTestConfig({ pop3_plaintext_logins: "always" });
const deps: Pop3Deps = {
  config: () => config,
  authenticate: (login) =>
    Promise.resolve({
      login,
      user: login,
      domain: "",
      mailbox: { format: "maildir", path: maildir ?? "/nonexistent" },
    }),
  openMaildrop: () => Promise.resolve(maildrop),
};
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const client = new Deno.Command("python3", {
  args: [
    "-c",
    `
import poplib
m = poplib.POP3("127.0.0.1", ${listener.addr.port})
m.user("u"); m.pass_("p"); n = m.stat()[0]
for i in range(1, n + 1): m.retr(i)
m.quit()`,
  ],
}).spawn();
const conn = await listener.accept();
await serveSession(conn, deps, { address: "127.0.0.1" });
await client.status;
listener.close();
