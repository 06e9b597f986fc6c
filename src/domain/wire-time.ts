/**
 * The three ways Chatwoot's wire shapes encode times (spec/API.md §1.6).
 */

/** Integer epoch seconds; a missing time is 0 (views call `.to_i`). */
export const epochSeconds = (date: Date | null | undefined): number =>
  date ? Math.floor(date.getTime() / 1000) : 0;

/** Float epoch seconds with milliseconds (`conversation.updated_at`). */
export const epochFloat = (date: Date): number => date.getTime() / 1000;

/** ISO-8601 UTC with milliseconds, or null. */
export const isoTime = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

/** Parses epoch seconds (number or numeric string) or an ISO/date string; undefined when unparseable. */
export function parseWireTime(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const date = new Date(Number(value) * 1000);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
