/**
 * How long the property-based suites run. `npm test` runs them with a fixed
 * seed and a bounded number of cases; `npm run fuzz` sets FUZZ_SEED=random and
 * FUZZ_SECONDS, and every suite then runs until its share of that time is up,
 * printing the seed of any failure (fast-check's report names seed and path,
 * which FUZZ_SEED and FUZZ_PATH replay).
 */
import fc from 'fast-check';

const seedSetting = process.env.FUZZ_SEED;
/** The seed of this run: fixed for `npm test`, random (and printed) for `npm run fuzz`. */
export const FUZZ_SEED =
  seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : seedSetting ? Number(seedSetting) : 20_261_204;

/** Seconds each property may run for in `npm run fuzz`; undefined in `npm test` (bounded runs). */
export const FUZZ_SECONDS = process.env.FUZZ_SECONDS ? Number(process.env.FUZZ_SECONDS) : undefined;

/** Replays one failure: the path fast-check printed with it. */
const FUZZ_PATH = process.env.FUZZ_PATH || undefined;

if (seedSetting === 'random') console.log(`[fuzz] seed ${FUZZ_SEED} (replay with FUZZ_SEED=${FUZZ_SEED})`);

/**
 * fast-check parameters for one property: `runs` cases in `npm test`; in
 * `npm run fuzz`, as many as `share` of FUZZ_SECONDS allows.
 */
export function fuzzParameters<T>(runs: number, share = 1): fc.Parameters<T> {
  const base: fc.Parameters<T> = { seed: FUZZ_SEED, path: FUZZ_PATH, endOnFailure: true, verbose: 1 };
  if (FUZZ_SECONDS === undefined) return { ...base, numRuns: runs };
  return { ...base, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: FUZZ_SECONDS * share * 1000, markInterruptAsFailure: false };
}

/** Test timeout for a property given `runs` cases in `npm test` (ms). */
export function fuzzTimeout(testMs: number, share = 1): number {
  return FUZZ_SECONDS === undefined ? testMs : FUZZ_SECONDS * share * 1000 + 60_000;
}
