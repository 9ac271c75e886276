/**
 * A scripted SMTP server for client tests, on loopback: it answers as
 * told (per-recipient replies, refusals, silence, dropped connections,
 * STARTTLS, AUTH) and records what the client sent.
 */
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, TLSSocket } from "node:tls";

/** How the server behaves. */
export interface FakeSmtpScript {
  greeting?: string;
  /** EHLO extension lines (after the greeting line); EHLO refused when null. */
  extensions?: string[] | null;
  /** Reply to MAIL FROM (default 250 2.1.0 Ok). */
  mail?: string;
  /** Replies to RCPT TO by address (default 250 2.1.5 Ok). */
  rcpt?: Record<string, string>;
  /** Reply to DATA (default 354 End data with <CR><LF>.<CR><LF>). */
  data?: string;
  /** Reply after the end of data (default 250 2.0.0 Ok: queued). */
  final?: string;
  /** Close the connection when this command (verb) arrives. */
  dropAt?: string;
  /** Never answer this command (verb), nor anything after it. */
  silentAt?: string;
  /** PEM certificate chain and key: STARTTLS is offered and works. */
  tls?: { cert: string; key: string };
  /** Speak TLS from the first byte (port 465) with `tls`'s certificate. */
  implicitTls?: boolean;
  /** Close the connection right after each accepted message. */
  closeAfterMessage?: boolean;
  /** AUTH: the accepted user and password (offers PLAIN LOGIN). */
  auth?: { user: string; password: string; mechanisms?: string };
  /**
   * Speak LMTP (RFC 2033): LHLO as EHLO, and after the data one reply
   * per accepted recipient (by address; default 250 2.0.0 Ok).
   */
  lmtp?: { finals?: Record<string, string> };
  /** Reply to XFORWARD (default 250 2.0.0 Ok). */
  xforward?: string;
}

/** One message the server accepted. */
export interface ReceivedMessage {
  readonly sender: string;
  readonly recipients: string[];
  /** The DATA exactly as sent, dot-stuffing and CRLF included, without the final dot line. */
  readonly data: string;
}

/** A running fake server. */
export interface FakeSmtpServer {
  readonly port: number;
  /** Every line the client sent, in order, per connection. */
  readonly transcripts: string[][];
  readonly messages: ReceivedMessage[];
  close(): Promise<void>;
}

export async function startFakeSmtpServer(
  script: FakeSmtpScript,
): Promise<FakeSmtpServer> {
  const transcripts: string[][] = [];
  const messages: ReceivedMessage[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serve(socket, script, transcripts, messages);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    port: (server.address() as { port: number }).port,
    transcripts,
    messages,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function serve(
  plain: Socket,
  script: FakeSmtpScript,
  transcripts: string[][],
  messages: ReceivedMessage[],
): void {
  const transcript: string[] = [];
  transcripts.push(transcript);
  let socket: Socket = plain;
  if (script.implicitTls && script.tls) {
    const secure = new TLSSocket(plain, {
      isServer: true,
      secureContext: createSecureContext(script.tls),
    });
    secure.on("error", () => {});
    socket = secure;
  }
  let buffer = "";
  let inData = false;
  let data = "";
  let sender = "";
  let recipients: string[] = [];
  let tlsUp = false;
  let silent = false;
  let authStep: { user?: string } | undefined;
  const send = (line: string) => socket.write(`${line}\r\n`);
  socket.on("error", () => {});
  send(script.greeting ?? "220 fake.test ESMTP");

  const handle = (line: string): boolean => {
    if (inData) {
      if (line === ".") {
        inData = false;
        messages.push({ sender, recipients, data });
        if (script.lmtp) {
          for (const r of recipients) {
            send(script.lmtp.finals?.[r] ?? "250 2.0.0 Ok");
          }
        } else send(script.final ?? "250 2.0.0 Ok: queued as FAKE");
        if (script.closeAfterMessage) {
          socket.end();
          return false;
        }
      } else {
        data += `${line}\r\n`;
      }
      return true;
    }
    transcript.push(line);
    if (authStep) {
      if (authStep.user === undefined) {
        authStep.user = atob(line);
        send("334 UGFzc3dvcmQ6");
      } else {
        const ok = authStep.user === script.auth?.user &&
          atob(line) === script.auth?.password;
        authStep = undefined;
        send(
          ok
            ? "235 2.7.0 Authentication successful"
            : "535 5.7.8 Bad credentials",
        );
      }
      return true;
    }
    const verb = line.split(/[ :]/)[0].toUpperCase();
    if (script.silentAt === verb || silent) {
      silent = true;
      return true;
    }
    if (script.dropAt === verb) {
      socket.destroy();
      return false;
    }
    switch (script.lmtp && verb === "LHLO" ? "EHLO" : verb) {
      case "XFORWARD":
        send(script.xforward ?? "250 2.0.0 Ok");
        break;
      case "EHLO": {
        if (script.extensions === null || (script.lmtp && verb === "EHLO")) {
          send("502 5.5.2 Error: command not recognized");
          break;
        }
        const lines = [
          "fake.test",
          ...(script.extensions ?? ["PIPELINING", "8BITMIME"]),
        ];
        if (script.tls && !tlsUp && !script.implicitTls) {
          lines.push("STARTTLS");
        }
        if (script.auth) {
          lines.push(`AUTH ${script.auth.mechanisms ?? "PLAIN LOGIN"}`);
        }
        lines.forEach((l, i) =>
          send(`250${i === lines.length - 1 ? " " : "-"}${l}`)
        );
        break;
      }
      case "HELO":
        send("250 fake.test");
        break;
      case "STARTTLS": {
        if (!script.tls) {
          send("502 5.5.1 Error: command not implemented");
          break;
        }
        send("220 2.0.0 Ready to start TLS");
        const secure = new TLSSocket(socket, {
          isServer: true,
          secureContext: createSecureContext(script.tls),
        });
        socket.removeAllListeners("data");
        secure.on("error", () => {});
        secure.setEncoding("latin1");
        secure.on("data", onData);
        socket = secure;
        tlsUp = true;
        buffer = "";
        return true;
      }
      case "AUTH": {
        const [, mechanism, initial] = line.split(" ");
        if (mechanism.toUpperCase() === "PLAIN") {
          const [, user, password] = atob(initial ?? "").split("\0");
          const ok = user === script.auth?.user &&
            password === script.auth?.password;
          send(
            ok
              ? "235 2.7.0 Authentication successful"
              : "535 5.7.8 Bad credentials",
          );
        } else {
          authStep = {};
          send("334 VXNlcm5hbWU6");
        }
        break;
      }
      case "MAIL":
        sender = /<([^>]*)>/.exec(line)?.[1] ?? "";
        recipients = [];
        send(script.mail ?? "250 2.1.0 Ok");
        break;
      case "RCPT": {
        const address = /<([^>]*)>/.exec(line)?.[1] ?? "";
        const reply = script.rcpt?.[address] ?? "250 2.1.5 Ok";
        if (reply.startsWith("2")) recipients.push(address);
        send(reply);
        break;
      }
      case "DATA": {
        const reply = recipients.length === 0
          ? "554 5.5.1 Error: no valid recipients"
          : script.data ?? "354 End data with <CR><LF>.<CR><LF>";
        if (reply.startsWith("354")) {
          inData = true;
          data = "";
        }
        send(reply);
        break;
      }
      case "RSET":
        recipients = [];
        send("250 2.0.0 Ok");
        break;
      case "QUIT":
        send("221 2.0.0 Bye");
        socket.end();
        return false;
      default:
        send("502 5.5.2 Error: command not recognized");
    }
    return true;
  };

  function onData(chunk: string) {
    buffer += chunk;
    for (;;) {
      const end = buffer.indexOf("\r\n");
      if (end < 0) return;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!handle(line)) return;
    }
  }
  socket.setEncoding("latin1");
  socket.on("data", onData);
}
