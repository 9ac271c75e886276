/**
 * Test helper: a plain SMTP dialogue over loopback, one command and its
 * whole (possibly multi-line) reply at a time, for tests that assert exact
 * replies.
 */

/** An open SMTP connection under test. */
export interface SmtpDialog {
  /** The greeting (read on open). */
  readonly greeting: string;
  /** Sends `line` (CRLF added) and returns the whole reply. */
  command(line: string): Promise<string>;
  /** Sends raw bytes (e.g. a message body) and returns the reply. */
  send(text: string): Promise<string>;
  close(): void;
}

/** Connects to 127.0.0.1:`port` and reads the greeting. */
export async function openSmtpDialog(port: number): Promise<SmtpDialog> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  const buffer = new Uint8Array(64 * 1024);
  const readReply = async (): Promise<string> => {
    // Bounded: a reply ends with "ddd " or the connection closes.
    for (let reads = 0; reads < 10_000; reads++) {
      const lines = pending.split("\r\n");
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]) || /^\d{3}$/.test(lines[i])) {
          const reply = lines.slice(0, i + 1).join("\r\n");
          pending = lines.slice(i + 1).join("\r\n");
          return reply;
        }
      }
      const n = await conn.read(buffer);
      if (n === null) return pending;
      pending += decoder.decode(buffer.subarray(0, n));
    }
    throw new Error("SMTP reply too long");
  };
  const greeting = await readReply();
  const send = async (text: string) => {
    const bytes = encoder.encode(text);
    for (let off = 0; off < bytes.length;) {
      off += await conn.write(bytes.subarray(off));
    }
    return await readReply();
  };
  return {
    greeting,
    command: (line) => send(`${line}\r\n`),
    send,
    close: () => {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    },
  };
}
