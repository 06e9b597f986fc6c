/**
 * What a caller reaches in an account, as one value (a Reach), so that
 * callers who reach the same things can be told apart by a key and served
 * by one decision:
 * - a user of the account: 'all' (administrators) or the sorted ids of the
 *   inboxes they are a member of (agents), the rule of rules.ts
 *   `inboxesReachedBy` loaded for many users at once (actor.ts
 *   `inboxReachOfUsers`);
 * - a contact: their session (what it reaches is rules.ts
 *   `conversationsReachedBy` of the session, which never changes).
 *
 * /cable groups its sockets by `reachKey` (src/cable/audiences.ts) and runs
 * one `roomEvents` subscription per reach, whose context's Visibility is
 * given the reach (`FixedReach`): Visibility#canHear, the one decision of
 * who hears an event, is then asked of the reach itself rather than of one
 * of its members, so it holds for every member of the audience whatever
 * becomes of the member the subscription was started for.
 */
import type { Tx } from '../../db.ts';
import { inboxReachOfUsers } from '../actor.ts';
import type { ContactPrincipal } from '../principal.ts';

export type Reach =
  | { kind: 'staff'; accountId: number; inboxes: 'all' | readonly number[] }
  | { kind: 'session'; session: ContactPrincipal };

/** The key of a reach: equal for callers who reach the same conversations and hear the same events. */
export function reachKey(reach: Reach): string {
  if (reach.kind === 'session') {
    const { accountId, contactInboxId, hmacVerified } = reach.session;
    // A verified session reaches every conversation of the contact (the contact inbox names the contact).
    return `contact:${accountId}:${contactInboxId}:${hmacVerified ? 'verified' : 'session'}`;
  }
  return `staff:${reach.accountId}:${reach.inboxes === 'all' ? 'all' : reach.inboxes.join(',')}`;
}

/** The reach of a contact's session. */
export const sessionReach = (session: ContactPrincipal): Reach => ({ kind: 'session', session });

/** The account a reach is in. */
export const accountOfReach = (reach: Reach): number => (reach.kind === 'session' ? reach.session.accountId : reach.accountId);

/**
 * What each of these users reaches in the account, in two statements
 * however many they are; users who are not members of the account (or whose
 * account is not active) are absent.
 */
export async function staffReaches(tx: Tx, accountId: number, userIds: readonly number[]): Promise<Map<number, Reach>> {
  const inboxes = await inboxReachOfUsers(tx, accountId, userIds);
  return new Map([...inboxes].map(([userId, reach]) => [userId, { kind: 'staff', accountId, inboxes: reach } as const]));
}
