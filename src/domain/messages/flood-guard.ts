/**
 * Chatwoot's flood guard (spec/CONFORMANCE.md I-14): a conversation takes at
 * most MESSAGES_PER_MINUTE_LIMIT messages a minute; the next one fails with
 * "Too many messages". The count is read with the conversation's lock
 * (`lockMessageTarget`).
 */
import { ValidationError } from '../../errors.ts';

/** Messages a conversation may receive in one minute before "Too many messages" (Chatwoot's default). */
export const MESSAGES_PER_MINUTE_LIMIT = 200;

/** Refuses one more message for a conversation that received `recentMessages` in the last minute. */
export function guardAgainstFlood(recentMessages: number): void {
  if (recentMessages >= MESSAGES_PER_MINUTE_LIMIT) throw ValidationError.of('base', 'Too many messages');
}
