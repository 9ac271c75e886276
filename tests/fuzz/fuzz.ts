/**
 * How the property-based (fuzz) tests run: a fixed seed and a bounded
 * number of runs in the ordinary test suite, many runs and a fresh seed
 * under `deno task fuzz`.
 *
 * DESCRIPTION
 *   `fuzz(property, { seed, numRuns })` checks a fast-check property.
 *   In the test suite it uses the seed and the run count recorded in the
 *   test, so every run checks the same inputs and a failure reproduces
 *   as it is. The environment changes that:
 *
 *     FUZZ=1           the fuzz task: 10^6 inputs per property, with a
 *                      random seed (unless FUZZ_SEED is set)
 *     FUZZ_RUNS=N      runs N inputs per property instead, likewise
 *     FUZZ_SEED=S      uses seed S (to replay a failure the fuzz task
 *                      printed, with FUZZ_PATH for the shrunk case)
 *     FUZZ_PATH=P      replays the counterexample path fast-check printed
 *     FUZZ_SECONDS=T   stops each property after T seconds (the runs so
 *                      far count; stopping is not a failure)
 *
 *   When fuzzing, each property prints one line: its name, the
 *   runs done, the seed and the time taken. A failure throws fast-check's
 *   report, which names the seed, the path and the shrunk counterexample.
 *
 *   Does NOT decide what a parser must do: each test states its own
 *   properties.
 */
import fc from "fast-check";

/** The seed and run count a test records for the ordinary suite. */
export interface FuzzSettings {
  /** Fixed seed of the suite's run. */
  readonly seed: number;
  /** Inputs per property in the suite (keep the file's total to seconds). */
  readonly numRuns: number;
}

function envNumber(name: string): number | undefined {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new Error(`${name} "${text}" is not a number`);
  }
  return value;
}

/** Inputs per property when fuzzing (FUZZ=1 or FUZZ_RUNS), else undefined. */
function fuzzRuns(): number | undefined {
  const runs = envNumber("FUZZ_RUNS");
  if (runs !== undefined) return runs;
  return Deno.env.get("FUZZ") ? 1_000_000 : undefined;
}

/** Random seed in fast-check's range. */
function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0];
}

/**
 * Checks `property` with the test's settings, or the fuzz task's.
 * @param name what is checked (printed by the fuzz task)
 * @throws Error with fast-check's report when the property fails
 */
export function fuzz<T>(
  name: string,
  property: fc.IPropertyWithHooks<T>,
  settings: FuzzSettings,
): void {
  const runs = fuzzRuns();
  const seed = envNumber("FUZZ_SEED") ??
    (runs === undefined ? settings.seed : randomSeed());
  const seconds = envNumber("FUZZ_SECONDS");
  const path = Deno.env.get("FUZZ_PATH");
  const started = performance.now();
  const details = fc.check(property, {
    seed,
    numRuns: runs ?? settings.numRuns,
    ...(path ? { path } : {}),
    ...(seconds === undefined ? {} : {
      interruptAfterTimeLimit: seconds * 1000,
      markInterruptAsFailure: false,
    }),
  });
  report(name, details, seed, runs, started);
}

/** `fuzz` for a property whose checks await (`fc.asyncProperty`). */
export async function fuzzAsync<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T>,
  settings: FuzzSettings,
): Promise<void> {
  const runs = fuzzRuns();
  const seed = envNumber("FUZZ_SEED") ??
    (runs === undefined ? settings.seed : randomSeed());
  const seconds = envNumber("FUZZ_SECONDS");
  const path = Deno.env.get("FUZZ_PATH");
  const started = performance.now();
  const details = await fc.check(property, {
    seed,
    numRuns: runs ?? settings.numRuns,
    ...(path ? { path } : {}),
    ...(seconds === undefined ? {} : {
      interruptAfterTimeLimit: seconds * 1000,
      markInterruptAsFailure: false,
    }),
  });
  report(name, details, seed, runs, started);
}

function report<T>(
  name: string,
  details: fc.RunDetails<T>,
  seed: number,
  runs: number | undefined,
  started: number,
): void {
  if (runs !== undefined) {
    const took = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz: ${name}: ${details.numRuns} runs, seed ${seed}, ${took} s, ${
        details.failed ? "FAILED" : "ok"
      }`,
    );
  }
  if (details.failed) {
    const error = details.errorInstance;
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${name}:\n${fc.defaultReportMessage(details)}\nCause: ${cause}`,
    );
  }
}

/** Text that often holds the characters a mail parser cares about. */
export function mailText(
  alphabet: string,
  maxLength = 80,
): fc.Arbitrary<string> {
  const chars = [...alphabet];
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: fc.constantFrom(...chars), maxLength }),
    fc.string({ unit: "binary", maxLength }),
  );
}

/** A long run of one character (for regexps and loops that may backtrack). */
export function longRun(chars: string, max = 20_000): fc.Arbitrary<string> {
  return fc.tuple(
    fc.constantFrom(...chars),
    fc.integer({ min: 1_000, max }),
    fc.string({ maxLength: 4 }),
  ).map(([c, n, tail]) => c.repeat(n) + tail);
}
