/**
 * Closest-name suggestions for misspelled parameter names.
 *
 * DESCRIPTION
 *   `suggestName("message_size_limt", names)` returns
 *   `"message_size_limit"`, so that an error can ask "did you mean ...?".
 *   Closeness is the optimal string alignment distance (Levenshtein plus
 *   transposition of two adjacent characters, the most common typo),
 *   compared case-insensitively. A name is suggested only when it is close
 *   relative to its length, so unrelated words get no suggestion.
 *
 *   Used by the config loader and `mailsrv postconf`. Pure.
 *
 *   Does NOT guess at meaning (synonyms, other mailers' names).
 */

/** Optimal string alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  // Three rolling rows: the transposition step looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2] + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/**
 * The candidate closest to `name`, or undefined when none is close enough
 * (more than a third of the name's length away, at most 4 edits).
 * Ties go to the candidate listed first.
 */
export function suggestName(
  name: string,
  candidates: Iterable<string>,
): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.min(4, Math.max(1, Math.floor(wanted.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` for a close candidate, else the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const suggestion = suggestName(name, candidates);
  return suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
}
