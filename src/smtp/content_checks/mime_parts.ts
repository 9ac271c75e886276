/**
 * The MIME structure of a message as it streams: header blocks and body
 * bytes, in order.
 *
 * DESCRIPTION
 *   `splitMime()` wraps the npm `mailsplit` Splitter (a Node Transform
 *   stream, the one `mailauth` builds on) behind one small interface, so
 *   the content checks never see its objects and a switch of library is a
 *   one-file change. Bytes go in with `write` (resolving when the
 *   splitter can take more: backpressure) and `end`; `events` yields, in
 *   message order:
 *
 *     headers  a header block, raw, with its empty line when it has one:
 *              `primary` (the message's), `part` (a MIME part's), or
 *              `nested` (an attached message/rfc822's own header)
 *     body     body bytes (text, attachments, MIME boundaries)
 *
 *   Concatenating every event's bytes gives the input back exactly.
 *
 *   An attached message/rfc822 is descended into whatever its
 *   Content-Disposition says, as Postfix's MIME parser does (mailsplit on
 *   its own descends only into inline ones). Limits: a header block of at
 *   most 1 MiB and at most 1000 MIME parts (mailsplit's); past them the
 *   events end with an error (`MimeLimitError`).
 *
 *   mailsplit (with libmime, about 8 MB a thread) is loaded by the first
 *   message split, so an smtpd without content checks never carries it.
 *
 *   Used by the content checks (`content_inspector.ts`). Needs no
 *   permissions.
 */
import type mailsplitModule from "mailsplit";

/** Where a header block sits. */
export type HeaderBlockKind = "primary" | "part" | "nested";

/** What the splitter found next. */
export type MimeEvent =
  | {
    readonly type: "headers";
    readonly kind: HeaderBlockKind;
    readonly raw: Uint8Array;
  }
  | { readonly type: "body"; readonly bytes: Uint8Array };

/** A message being split. */
export interface MimeSplitter {
  /** Feeds content (LF line ends); resolves when more may be written. */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the input; the events then end. */
  end(): void;
  /** The header blocks and body bytes, in order. */
  readonly events: AsyncIterable<MimeEvent>;
}

/** The MIME structure exceeded the splitter's limits. */
export class MimeLimitError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "MimeLimitError";
  }
}

/** The parts of mailsplit's objects this module reads. */
interface SplitNode {
  readonly type: "node";
  readonly root: boolean;
  readonly parentNode: SplitNode | false;
  readonly contentType: string | false;
  messageNode?: boolean;
  disposition?: string | false;
  readonly headers: { build(): Uint8Array };
  parseHeaders(): void;
}
interface SplitData {
  readonly type: "data" | "body";
  readonly value: Uint8Array;
}
interface SplitterStream extends AsyncIterable<SplitNode | SplitData> {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  end(): void;
  once(event: "drain" | "error", listener: () => void): void;
  node: SplitNode;
  newNode(parent?: SplitNode | false): void;
}
type SplitterClass = new (config: object) => SplitterStream;

/**
 * A Splitter that descends into every message/rfc822 part: mailsplit
 * decides from the part's disposition right after parsing its headers,
 * so an attachment's disposition is read as inline for that decision.
 */
function nestedMessageSplitter(
  mailsplit: typeof mailsplitModule,
): SplitterClass {
  const Splitter = (mailsplit as unknown as { Splitter: SplitterClass })
    .Splitter;
  return class NestedMessageSplitter extends Splitter {
    override newNode(parent?: SplitNode | false): void {
      super.newNode(parent);
      const node = this.node;
      const parse = node.parseHeaders.bind(node);
      node.parseHeaders = () => {
        parse();
        if (node.contentType === "message/rfc822") {
          node.disposition = "inline";
        }
      };
    }
  };
}

let splitterClass: Promise<SplitterClass> | undefined;

/** The splitter class, mailsplit loaded at the first call. */
function loadSplitter(): Promise<SplitterClass> {
  splitterClass ??= import("mailsplit").then((m) =>
    nestedMessageSplitter(m.default)
  );
  return splitterClass;
}

function kindOf(node: SplitNode): HeaderBlockKind {
  if (node.root) return "primary";
  const parent = node.parentNode;
  return parent && parent.messageNode === true ? "nested" : "part";
}

/** Starts splitting a message. */
export function splitMime(): MimeSplitter {
  // Writes, end and the events each wait for the same splitter, in the
  // order they were called.
  const ready = loadSplitter().then((Splitter) => new Splitter({}));
  async function* events(): AsyncGenerator<MimeEvent> {
    try {
      const splitter = await ready;
      for await (const item of splitter) {
        if (item.type === "node") {
          yield {
            type: "headers",
            kind: kindOf(item),
            raw: item.headers.build(),
          };
        } else if (item.value.length > 0) {
          yield { type: "body", bytes: item.value };
        }
      }
    } catch (e) {
      throw new MimeLimitError(e instanceof Error ? e.message : String(e));
    }
  }
  return {
    write: async (chunk) => {
      const splitter = await ready;
      await new Promise<void>((resolve) => {
        // Errors surface through the events; a failed write resolves.
        const more = splitter.write(chunk, () => {});
        if (more) return resolve();
        let settled = false;
        const settle = () => {
          if (!settled) settled = true, resolve();
        };
        splitter.once("drain", settle);
        splitter.once("error", settle);
      });
    },
    end: () => void ready.then((splitter) => splitter.end(), () => {}),
    events: events(),
  };
}
