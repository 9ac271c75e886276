/**
 * Header and body checks on a message as it is received (Postfix's
 * cleanup header_checks, mime_header_checks, nested_header_checks and
 * body_checks).
 *
 * DESCRIPTION
 *   `inspectContent(options)` returns an inspector that takes the
 *   message's content (LF line ends, the Received: header first) with
 *   `write`, splits its MIME structure (`mime_parts.ts`), looks each
 *   logical header and each body line up in the tables, writes the
 *   resulting content to `options.output`, and at `finish` says what the
 *   checks decided (`ContentVerdict`): a refusal, HOLD, DISCARD, and the
 *   envelope changes (REDIRECT, FILTER, BCC), which the queue writer
 *   applies at commit.
 *
 *   Which table a header goes to, as Postfix's cleanup decides it: MIME
 *   headers (Content-Description, Content-Disposition, Content-ID,
 *   Content-Transfer-Encoding, Content-Type, MIME-Version) anywhere, and
 *   every header of a MIME part, to mime_header_checks; the other headers
 *   of the message to header_checks; those of an attached message
 *   (message/rfc822) to nested_header_checks. The key is the whole
 *   logical header without its final newline: a folded header keeps the
 *   newline before each continuation line ("Subject: a\n b"), so a
 *   pattern sees it unfolded but can still match across the fold. At
 *   most header_size_limit bytes of one header are kept and matched; the
 *   excess continuation lines are discarded, as Postfix does. Body lines
 *   (everything outside header blocks, MIME boundaries included) are
 *   matched without their newline, up to body_checks_size_limit bytes of
 *   each MIME part; the rest of a part passes unchecked.
 *
 *   Each action is logged by cleanup in Postfix's shape, e.g.
 *   `ID: warning: header Subject: hi from host[192.0.2.1]; from=<a@x>
 *   to=<b@y> proto=ESMTP helo=<h>: text`. After REJECT, DISCARD or
 *   REDIRECT no further lines are looked up (Postfix's FILTER_ALL). A
 *   table that cannot be read refuses the message temporarily (451
 *   4.3.0), as Postfix does.
 *
 *   Memory: only one header block (at most 1 MiB, the splitter's limit)
 *   and one body line are held; the rest streams through with
 *   backpressure. A MIME structure beyond the splitter's limits refuses
 *   the message (552 5.3.4) rather than pass it uninspected.
 *
 *   Used by smtpd's connection adapter. Needs the tables' read
 *   permissions.
 */
import { joinBytes } from "../../common/join_bytes.ts";
import type { LookupTable } from "../../maps/mod.ts";
import { LookupTableError } from "../../maps/mod.ts";
import {
  type ActionContext,
  type ContentAction,
  readContentAction,
} from "./content_action.ts";
import {
  type HeaderBlockKind,
  MimeLimitError,
  splitMime,
} from "./mime_parts.ts";

/** The tables of each check, by parameter. */
export interface ContentCheckTables {
  readonly header_checks: readonly LookupTable[];
  readonly mime_header_checks: readonly LookupTable[];
  readonly nested_header_checks: readonly LookupTable[];
  readonly body_checks: readonly LookupTable[];
}

/** Who sent the message, for the log lines. */
export interface ContentLogContext {
  readonly queueId: string;
  /** `host[address]`. */
  readonly client: string;
  readonly sender: string;
  /** The first recipient, if any. */
  readonly recipient?: string;
  readonly protocol: string;
  readonly helo: string;
}

/** What the inspector needs. */
export interface InspectorOptions {
  readonly tables: ContentCheckTables;
  readonly headerSizeLimit: number;
  readonly bodySizeLimit: number;
  readonly context: ContentLogContext;
  /** Cleanup's info lines (the actions). */
  readonly log: (line: string) => void;
  /** Cleanup's warnings (misconfigured actions, unreadable tables). */
  readonly warn: (line: string) => void;
  /** Where the resulting content goes (the queue file). */
  readonly output: (bytes: Uint8Array) => Promise<void>;
}

/** What the checks decided for the whole message. */
export interface ContentVerdict {
  /** REJECT (or an unreadable table): the reply, nothing queued. */
  readonly refusal: {
    readonly code: number;
    readonly dsn: string;
    readonly text: string;
  } | null;
  readonly hold: boolean;
  readonly discard: boolean;
  /** The last REDIRECT's address. */
  readonly redirect?: string;
  /** The last FILTER's `transport:nexthop`. */
  readonly filter?: string;
  /** BCC addresses, in order, without repeats. */
  readonly bcc: readonly string[];
}

/** A message being inspected. */
export interface ContentInspector {
  /** Takes content; resolves when more may be written. */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the content; resolves when all output is written. */
  finish(): Promise<ContentVerdict>;
}

/** Headers that go to mime_header_checks wherever they are (HDR_OPT_MIME). */
const MIME_HEADERS: ReadonlySet<string> = new Set([
  "content-description",
  "content-disposition",
  "content-id",
  "content-transfer-encoding",
  "content-type",
  "mime-version",
]);

const NEWLINE = 0x0a;
const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** A body "line" longer than this is checked in pieces (bounded memory). */
const MAX_BODY_LINE = 64 * 1024;

/** Whether any of the four checks has a table. */
export function hasContentChecks(tables: ContentCheckTables): boolean {
  return tables.header_checks.length > 0 ||
    tables.mime_header_checks.length > 0 ||
    tables.nested_header_checks.length > 0 ||
    tables.body_checks.length > 0;
}

/** Starts inspecting one message. */
export function inspectContent(options: InspectorOptions): ContentInspector {
  const splitter = splitMime();
  const state = new Inspection(options);
  let broken = false;
  const consumer = (async () => {
    try {
      for await (const event of splitter.events) {
        if (event.type === "headers") {
          await state.headerBlock(event.kind, event.raw);
        } else {
          await state.body(event.bytes);
        }
      }
      await state.endOfBody();
    } catch (e) {
      broken = true;
      if (!(e instanceof MimeLimitError)) throw e;
      state.refuse(
        { code: 552, dsn: "5.3.4", text: `Error: ${e.message}` },
        `MIME structure beyond limits: ${e.message}`,
      );
    }
  })();
  // The consumer's failure is reported by finish().
  consumer.catch(() => {});
  return {
    write: async (chunk) => {
      // A copy: the caller reuses its buffer, the splitter keeps slices.
      if (!broken) await splitter.write(chunk.slice());
    },
    finish: async () => {
      splitter.end();
      await consumer;
      return state.verdict();
    },
  };
}

/** The running state of one message's checks. */
class Inspection {
  readonly #options: InspectorOptions;
  /** Lines are still looked up (cleared by REJECT, DISCARD, REDIRECT). */
  #filtering = true;
  #refusal: ContentVerdict["refusal"] = null;
  #hold = false;
  #discard = false;
  #redirect: string | undefined;
  #filter: string | undefined;
  readonly #bcc: string[] = [];
  /** An incomplete body line carried to the next bytes. */
  #carry: Uint8Array = new Uint8Array(0);
  /** Body bytes of the current MIME part looked at so far. */
  #partBytes = 0;

  constructor(options: InspectorOptions) {
    this.#options = options;
  }

  refuse(refusal: NonNullable<ContentVerdict["refusal"]>, why: string): void {
    if (this.#refusal === null) this.#refusal = refusal;
    this.#filtering = false;
    this.#options.warn(`${this.#options.context.queueId}: ${why}`);
  }

  verdict(): ContentVerdict {
    return {
      refusal: this.#refusal,
      hold: this.#hold,
      discard: this.#discard,
      ...(this.#redirect === undefined ? {} : { redirect: this.#redirect }),
      ...(this.#filter === undefined ? {} : { filter: this.#filter }),
      bcc: this.#bcc,
    };
  }

  /** Checks each logical header of a block; writes what remains. */
  async headerBlock(kind: HeaderBlockKind, raw: Uint8Array): Promise<void> {
    await this.endOfBody();
    this.#partBytes = 0;
    const out: Uint8Array[] = [];
    const limit = this.#options.headerSizeLimit;
    let header: Uint8Array[] = [];
    let headerLength = 0;
    const flush = async () => {
      if (header.length === 0) return;
      const bytes = header.length === 1 ? header[0] : joinBytes(header);
      header = [];
      headerLength = 0;
      out.push(...await this.#checkHeader(kind, bytes));
    };
    for (const line of lines(raw)) {
      const continuation = line[0] === 0x20 || line[0] === 0x09;
      if (continuation && header.length > 0) {
        // header_size_limit: the excess of one header is discarded.
        if (headerLength + line.length <= limit) {
          header.push(line);
          headerLength += line.length;
        }
        continue;
      }
      await flush();
      if (line.length === 1 && line[0] === NEWLINE) {
        out.push(line);
        continue;
      }
      header = [line];
      headerLength = line.length;
    }
    await flush();
    await this.#write(out);
  }

  /** Checks body lines; an incomplete one waits for the next bytes. */
  async body(bytes: Uint8Array): Promise<void> {
    if (!this.#bodyChecked()) {
      await this.endOfBody();
      await this.#options.output(bytes);
      return;
    }
    const out: Uint8Array[] = [];
    let data = this.#carry.length > 0 ? joinBytes([this.#carry, bytes]) : bytes;
    this.#carry = new Uint8Array(0);
    let start = 0;
    for (;;) {
      const end = data.indexOf(NEWLINE, start);
      if (end < 0) break;
      out.push(...await this.#checkBodyLine(data.subarray(start, end + 1)));
      start = end + 1;
    }
    data = data.subarray(start);
    if (data.length > MAX_BODY_LINE) {
      out.push(...await this.#checkBodyLine(data));
    } else if (data.length > 0) {
      this.#carry = data.slice();
    }
    await this.#write(out);
  }

  /** Checks and writes a carried incomplete line (end of a part). */
  async endOfBody(): Promise<void> {
    if (this.#carry.length === 0) return;
    const line = this.#carry;
    this.#carry = new Uint8Array(0);
    await this.#write(
      this.#bodyChecked() ? await this.#checkBodyLine(line) : [line],
    );
  }

  #bodyChecked(): boolean {
    return this.#filtering && this.#options.tables.body_checks.length > 0 &&
      this.#partBytes < this.#options.bodySizeLimit;
  }

  async #write(parts: Uint8Array[]): Promise<void> {
    if (parts.length === 0) return;
    await this.#options.output(
      parts.length === 1 ? parts[0] : joinBytes(parts),
    );
  }

  /** One logical header (with its newline) → what to write instead. */
  async #checkHeader(
    kind: HeaderBlockKind,
    bytes: Uint8Array,
  ): Promise<Uint8Array[]> {
    if (!this.#filtering) return [bytes];
    const text = decoder.decode(withoutNewline(bytes));
    const name = text.slice(0, Math.max(text.indexOf(":"), 0)).trim()
      .toLowerCase();
    const parameter = MIME_HEADERS.has(name) || kind === "part"
      ? "mime_header_checks"
      : kind === "nested"
      ? "nested_header_checks"
      : "header_checks";
    return await this.#check(parameter, "header", text, bytes);
  }

  async #checkBodyLine(bytes: Uint8Array): Promise<Uint8Array[]> {
    this.#partBytes += bytes.length;
    const text = decoder.decode(withoutNewline(bytes));
    return await this.#check("body_checks", "body", text, bytes);
  }

  /** Looks `key` up in a check's tables and acts on the answer. */
  async #check(
    parameter: keyof ContentCheckTables,
    context: ActionContext,
    key: string,
    bytes: Uint8Array,
  ): Promise<Uint8Array[]> {
    let value: string | undefined;
    try {
      value = await lookup(this.#options.tables[parameter], key);
    } catch (e) {
      if (!(e instanceof LookupTableError)) throw e;
      this.refuse(
        { code: 451, dsn: "4.3.0", text: "Error: queue file write error" },
        `${parameter} map lookup problem -- message not accepted, ` +
          `try again later`,
      );
      return [bytes];
    }
    if (value === undefined) return [bytes];
    const action = readContentAction(value, context, parameter);
    return this.#act(action, context, key, bytes);
  }

  /** Carries out one action; returns the bytes that replace the line. */
  #act(
    a: ContentAction,
    context: ActionContext,
    key: string,
    bytes: Uint8Array,
  ): Uint8Array[] {
    const log = (word: string, text: string) =>
      this.#options.log(
        actionLogLine(this.#options.context, word, context, key, text),
      );
    switch (a.action) {
      case "misconfigured":
        this.#options.warn(a.warning);
        return [bytes];
      case "dunno":
        return [bytes];
      case "ignore":
        return [];
      case "reject":
        if (this.#refusal === null) {
          this.#refusal = { code: a.code, dsn: a.dsn, text: a.text };
        }
        this.#filtering = false;
        log("reject", `${a.dsn} ${a.text}`);
        return [bytes];
      case "warn":
        log("warning", a.text);
        return [bytes];
      case "info":
        log("info", a.text);
        return [bytes];
      case "hold":
        if (!this.#hold && !this.#discard) {
          this.#hold = true;
          log("hold", a.text);
        }
        return [bytes];
      case "discard":
        this.#discard = true;
        this.#filtering = false;
        log("discard", a.text);
        return [bytes];
      case "prepend":
        log("prepend", a.text);
        return [encoder.encode(a.text + "\n"), bytes];
      case "replace":
        log("replace", a.text);
        return [encoder.encode(a.text + "\n")];
      case "redirect":
        this.#redirect = a.address;
        this.#filtering = false;
        log("redirect", a.address);
        return [bytes];
      case "filter":
        this.#filter = a.transport;
        log("filter", a.transport);
        return [bytes];
      case "bcc":
        if (!this.#bcc.includes(a.address)) this.#bcc.push(a.address);
        log("bcc", a.address);
        return [bytes];
    }
  }
}

/**
 * Cleanup's action line (cleanup_act_log): `ID: ACTION: CONTEXT CONTENT
 * from CLIENT; from=<S> to=<R> proto=P helo=<H>: TEXT`, the content cut
 * at 200 characters and unfolded.
 */
export function actionLogLine(
  c: ContentLogContext,
  action: string,
  context: ActionContext,
  content: string,
  text: string,
): string {
  const shown = content.replace(/\n/g, "").slice(0, 200);
  return `${c.queueId}: ${action}: ${context} ${shown} from ${c.client};` +
    ` from=<${c.sender}>` +
    (c.recipient === undefined ? "" : ` to=<${c.recipient}>`) +
    ` proto=${c.protocol} helo=<${c.helo}>` +
    (text === "" ? "" : `: ${text.replace(/\n/g, "")}`);
}

/** The first value any of `tables` has for `key`. */
async function lookup(
  tables: readonly LookupTable[],
  key: string,
): Promise<string | undefined> {
  for (const table of tables) {
    const value = await table.lookup(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The lines of `bytes`, each with its newline (the last may lack one). */
function* lines(bytes: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    const stop = end < 0 ? bytes.length : end + 1;
    yield bytes.subarray(start, stop);
    start = stop;
  }
}

function withoutNewline(bytes: Uint8Array): Uint8Array {
  return bytes.at(-1) === NEWLINE ? bytes.subarray(0, -1) : bytes;
}
