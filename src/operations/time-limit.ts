/**
 * Bounds a wait: operational checks (readiness, the webhook backlog count,
 * closing connections) must answer even when what they wait for hangs.
 */

/** Settles with `work`'s value, or with `fallback` once `ms` have passed; the timer never keeps the process alive. */
export function withinTime<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}
