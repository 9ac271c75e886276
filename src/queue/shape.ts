/**
 * The queue's shape (Postfix qshape): messages by destination (or
 * sender) domain and age, as qshape's default table.
 *
 * DESCRIPTION
 *   Each pending recipient (each message's sender, with `senders`) counts
 *   once under its domain — lower case, everything up to the last `@`
 *   dropped, `..` made `.`, outer dots trimmed; the null sender is
 *   `MAILER-DAEMON` — in the bucket of its message's age, and in the
 *   TOTAL row. Buckets as qshape's defaults (`-t 5 -b 10`, geometric):
 *   under 5 minutes, under 10, 20, 40 … 1280, and 1280+.
 *
 *   The layout is qshape's: columns right-aligned, each as wide as its
 *   heading or its TOTAL count plus one (at least 3), the domain column
 *   right-aligned to fill 80 columns (at least 18; a longer name is cut
 *   to its last characters behind a `+`), rows by count, then by name
 *   length (then alphabetically, where qshape leaves hash order).
 *
 *   Pure, except `collectShape`, which reads the listing entries it is
 *   given. Used by `mailsrv queue shape`.
 */
import type { QueueListingEntry } from "./listing.ts";

/** Bucket count and first bucket's minutes (qshape -b, -t defaults). */
const BUCKETS = 10;
const TICK_MINUTES = 5;
const WIDTH = 80;
const MIN_DOMAIN_WIDTH = 18;

/** Counts per domain: index 0 is the total, 1…10 the age buckets. */
export type ShapeCounts = Map<string, number[]>;

/** The domain a recipient or sender counts under (qshape's rules). */
export function shapeDomain(address: string): string {
  let domain = address.toLowerCase();
  if (domain === "") return "MAILER-DAEMON";
  domain = domain.replace(/.*@/s, "").replace(/\.\./g, ".");
  const match = /^\.?(.+?)\.?$/s.exec(domain);
  return match ? match[1] : domain;
}

/** The age bucket (1…10) of a message `ageMs` old. */
export function shapeBucket(ageMs: number): number {
  const m = ageMs / (60_000 * TICK_MINUTES);
  if (m < 1) return 1;
  const bucket = 2 + Math.floor(Math.log(m) / Math.log(2));
  return bucket < BUCKETS ? bucket : BUCKETS;
}

/** Counts `entries` by domain and age bucket. */
export function collectShape(
  entries: Iterable<QueueListingEntry>,
  options: { readonly senders?: boolean; readonly now: number },
): ShapeCounts {
  const counts: ShapeCounts = new Map([[
    "TOTAL",
    new Array(BUCKETS + 1).fill(0),
  ]]);
  const total = counts.get("TOTAL")!;
  for (const entry of entries) {
    const bucket = shapeBucket(options.now - entry.arrivalTime);
    const addresses = options.senders
      ? [entry.sender]
      : entry.recipients.map((r) => r.address);
    for (const address of addresses) {
      const domain = shapeDomain(address);
      let row = counts.get(domain);
      if (!row) counts.set(domain, row = new Array(BUCKETS + 1).fill(0));
      total[0]++;
      total[bucket]++;
      row[0]++;
      row[bucket]++;
    }
  }
  return counts;
}

/** The column headings: T, 5, 10, … 1280, 1280+. */
export function shapeHeadings(): string[] {
  const heads = ["T"];
  for (let i = 1, t = TICK_MINUTES; i <= BUCKETS; i++, t *= 2) {
    heads.push(i < BUCKETS ? String(t) : `${t / 2}+`);
  }
  return heads;
}

/** The table, as qshape prints it. */
export function formatShape(counts: ShapeCounts): string {
  const heads = shapeHeadings();
  const total = counts.get("TOTAL") ?? new Array(BUCKETS + 1).fill(0);
  const widths = heads.map((head, i) => {
    const l = Math.max(String(total[i]).length, head.length);
    return l > 2 ? l + 1 : 3;
  });
  const domainWidth = Math.max(
    MIN_DOMAIN_WIDTH,
    WIDTH - widths.reduce((a, b) => a + b, 0),
  );
  const row = (name: string, cells: readonly (string | number)[]) => {
    const label = name.length > domainWidth
      ? name.startsWith(".")
        ? ".+" + name.slice(name.length - domainWidth + 2)
        : "+" + name.slice(name.length - domainWidth + 1)
      : name.padStart(domainWidth);
    return label +
      cells.map((c, i) => String(c).padStart(widths[i])).join("") + "\n";
  };
  const names = [...counts.keys()].sort((a, b) =>
    counts.get(b)![0] - counts.get(a)![0] || a.length - b.length ||
    (a < b ? -1 : a > b ? 1 : 0)
  );
  return row("", heads) + names.map((n) => row(n, counts.get(n)!)).join("");
}
