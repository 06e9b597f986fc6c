/**
 * The events after which what an agent reaches in an account may differ
 * (inbox memberships, roles, an inbox or a member gone): whoever caches an
 * agent's reach (GraphQL subscriptions, /cable audiences) looks it up again
 * after one of these.
 */
import type { EventName } from '../../events/catalogue.ts';

export const MEMBERSHIP_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'inbox.members_changed',
  'inbox.deleted',
  'agent.updated',
  'agent.removed',
]);

export const changesMembership = (name: EventName): boolean => MEMBERSHIP_EVENTS.has(name);
