/**
 * Deno's floor for the SMTP benchmarks: the least an SMTP server written
 * for this runtime can do per message, with mailsrv's durability.
 *
 *   deno run -A --v8-flags=--max-semi-space-size=1 bench/smtp_floor.ts PORT MAILDIR [QUEUE]
 *
 * One thread, no logging, no checks: it answers every command of a
 * session with the reply smtp-source waits for (220 at connect, 250 for
 * EHLO, MAIL and RCPT, 354 for DATA, 221 for QUIT) and streams the data
 * into a file. At the final dot it writes what is left, fsyncs the file,
 * renames it into place and fsyncs that directory (one fsync for every
 * message finishing meanwhile: mailsrv's own group commit,
 * src/fs/sync_directory.ts) before it answers 250: the durability promise
 * of mailsrv's queue.
 *
 * Without QUEUE the file is written in `MAILDIR/tmp/` and renamed into
 * `MAILDIR/new/`: accepted is delivered, the least any server could do.
 * With QUEUE it goes through `QUEUE/tmp/` into `QUEUE/incoming/` and,
 * after the 250, is delivered as a queue must, by a second thread (a
 * Worker, so receiving and delivering use both cores, as mailsrv's
 * threads do): read back, copied into `MAILDIR/tmp/`, fsynced, renamed
 * into `MAILDIR/new/`, that directory fsynced, and the queue file unlinked
 * (not fsynced, as Postfix does). That is the least work of a mail server
 * with a queue, Postfix's included, without its isolation, logging or
 * checks.
 *
 * `bench/compare_postfix.sh` runs it in mailsrv's place with
 * `SERVER=floor` (or `floor-queue`); what it reaches against Postfix in
 * the same run is the most a server in this runtime could reach on this
 * machine.
 */
import { syncDirectory } from "../src/fs/sync_directory.ts";

/** Where the floor writes: the Maildir and, behind a queue, the queue. */
interface Places {
  readonly maildir: string;
  readonly queue?: string;
}

/** The delivery thread: what it is sent first, then one name per message. */
type DeliveryMessage = Places | string;

const inDeliveryThread = "WorkerGlobalScope" in globalThis;
/** The delivery thread's own scope (this file is also the main module). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<DeliveryMessage>) => void) | null;
};
const places: Places = inDeliveryThread
  ? await new Promise<Places>((resolve) => {
    scope.onmessage = (event) => resolve(event.data as Places);
  })
  : { maildir: Deno.args[1], queue: Deno.args[2] };
const { maildir, queue } = places;
/** Where a message is written, and where it is renamed at the final dot. */
const staging = `${queue ?? maildir}/tmp`;
const committed = queue === undefined ? `${maildir}/new` : `${queue}/incoming`;

const encoder = new TextEncoder();
const replies = {
  banner: encoder.encode("220 floor ESMTP\r\n"),
  ehlo: encoder.encode("250-floor\r\n250 PIPELINING\r\n"),
  ok: encoder.encode("250 2.0.0 Ok\r\n"),
  data: encoder.encode("354 End data with <CR><LF>.<CR><LF>\r\n"),
  bye: encoder.encode("221 2.0.0 Bye\r\n"),
};
const END_OF_DATA = encoder.encode("\r\n.\r\n");

/** Copies a committed queue file into the Maildir, then drops it. */
async function deliver(name: string): Promise<void> {
  const content = Deno.readFileSync(`${committed}/${name}`);
  const file = Deno.openSync(`${maildir}/tmp/${name}`, {
    write: true,
    createNew: true,
  });
  try {
    file.writeSync(content);
    await file.sync();
  } finally {
    file.close();
  }
  Deno.renameSync(`${maildir}/tmp/${name}`, `${maildir}/new/${name}`);
  await syncDirectory(`${maildir}/new`);
  Deno.removeSync(`${committed}/${name}`);
}

let sequence = 0;

function endOf(data: Uint8Array, from: number): number {
  for (let i = Math.max(from, 0); i + 5 <= data.length; i++) {
    if (
      data[i] === 13 && data[i + 1] === 10 && data[i + 2] === 46 &&
      data[i + 3] === 13 && data[i + 4] === 10
    ) return i;
  }
  return -1;
}

async function session(conn: Deno.Conn): Promise<void> {
  const write = async (reply: Uint8Array) => {
    for (let off = 0; off < reply.length;) {
      off += await conn.write(reply.subarray(off));
    }
  };
  const buffer = new Uint8Array(64 * 1024);
  let have = 0;
  let start = 0;
  let message: { file: Deno.FsFile; name: string } | undefined;
  await write(replies.banner);
  for (;;) {
    if (message !== undefined) {
      const end = endOf(buffer.subarray(0, have), start);
      if (end < 0) {
        // Everything but a possible partial terminator goes to the file.
        const keep = Math.max(start, have - 4);
        message.file.writeSync(buffer.subarray(start, keep));
        buffer.copyWithin(0, keep, have);
        have -= keep;
        start = 0;
      } else {
        message.file.writeSync(buffer.subarray(start, end + 2));
        await message.file.sync();
        message.file.close();
        const { name } = message;
        message = undefined;
        Deno.renameSync(`${staging}/${name}`, `${committed}/${name}`);
        await syncDirectory(committed);
        await write(replies.ok);
        delivery?.postMessage(name);
        start = end + END_OF_DATA.length;
        continue;
      }
    } else {
      let eol = -1;
      for (let i = start; i + 1 < have; i++) {
        if (buffer[i] === 13 && buffer[i + 1] === 10) {
          eol = i;
          break;
        }
      }
      if (eol >= 0) {
        const verb = String.fromCharCode(...buffer.subarray(start, start + 4))
          .toUpperCase();
        start = eol + 2;
        if (verb === "EHLO" || verb === "HELO") await write(replies.ehlo);
        else if (verb === "QUIT") {
          await write(replies.bye);
          break;
        } else if (verb === "DATA") {
          const name = `${Date.now()}.${Deno.pid}_${sequence++}.floor`;
          const file = Deno.openSync(`${staging}/${name}`, {
            write: true,
            createNew: true,
          });
          message = { file, name };
          await write(replies.data);
        } else await write(replies.ok);
        continue;
      }
      buffer.copyWithin(0, start, have);
      have -= start;
      start = 0;
    }
    const n = await conn.read(buffer.subarray(have));
    if (n === null) break;
    have += n;
  }
  message?.file.close();
  try {
    conn.close();
  } catch {
    // Already closed by the client.
  }
}

let delivery: Worker | undefined;

if (inDeliveryThread) {
  scope.onmessage = (event) => {
    deliver(event.data as string).catch((error) => console.error(error));
  };
} else {
  const port = Number(Deno.args[0]);
  if (!Number.isInteger(port) || maildir === undefined) {
    console.error("usage: smtp_floor.ts PORT MAILDIR [QUEUE]");
    Deno.exit(2);
  }
  for (const sub of ["tmp", "new", "cur"]) {
    Deno.mkdirSync(`${maildir}/${sub}`, { recursive: true });
  }
  if (queue !== undefined) {
    for (const sub of ["tmp", "incoming"]) {
      Deno.mkdirSync(`${queue}/${sub}`, { recursive: true });
    }
    delivery = new Worker(import.meta.url, { type: "module" });
    delivery.postMessage(places satisfies DeliveryMessage);
  }
  for await (const conn of Deno.listen({ hostname: "127.0.0.1", port })) {
    session(conn).catch(() => {});
  }
}
