/**
 * `roomEvents`: everything Chatwoot's /cable RoomChannel would broadcast to
 * the caller (spec/EVENTS.md §2.5), each event as the broadcast's `message`
 * (`{event, data}` in Chatwoot's shapes, src/cable/broadcasts.ts). /cable
 * runs every RoomChannel subscription as this subscription, so real-time
 * clients of both protocols share one authorisation and one event path.
 *
 * Who hears what, on top of what the caller may see at all (events.ts):
 * - agents and administrators hear the events of the inboxes they can see,
 *   and the account's contact events;
 * - a contact hears their own conversations' events (every conversation of
 *   the contact once their session is HMAC-verified), except private notes,
 *   activity messages, typing of private notes, `conversation.read`,
 *   assignee, team and contact changes, first replies and contact events
 *   (Chatwoot sends those to agents or the account stream only);
 * - nobody hears their own typing (checked per socket by /cable's fan-out
 *   when the subscription serves an audience, src/cable/audiences.ts).
 */
import { BroadcastCache, CABLE_EVENTS, type CableBroadcast } from '../../cable/broadcasts.ts';
import type { Context } from '../../context.ts';
import type { PrismaClient } from '../../db.ts';
import type { AnyDomainEvent, EventName } from '../../events/catalogue.ts';
import { builder } from '../builder.ts';
import { isSelf } from './conversations.ts';
import { SCOPE_ARG, hearing, resolveEventScope } from './events.ts';

/** Events a contact never hears on /cable, whatever conversation they concern. */
const STAFF_ONLY = new Set<EventName>([
  'conversation.read',
  'assignee.changed',
  'team.changed',
  'conversation.contact_changed',
  'first.reply.created',
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.deleted',
]);

/** Whether the caller, who may see the event's subject, is among its /cable recipients. */
function isRecipient(context: Context, event: AnyDomainEvent): boolean {
  const typing = event.name === 'conversation.typing_on' || event.name === 'conversation.typing_off';
  if (typing && !context.servesAudience && isSelf(context, event.performer)) return false;
  if (context.principal?.kind !== 'contact') return true;
  if (STAFF_ONLY.has(event.name)) return false;
  const data = event.data as { private?: boolean; isPrivate?: boolean; messageType?: string };
  return !data.private && !data.isPrivate && data.messageType !== 'activity';
}

/** One broadcast cache per database client: every subscriber of a process shares it. */
const caches = new WeakMap<PrismaClient, BroadcastCache>();
function broadcastsOf(db: PrismaClient): BroadcastCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new BroadcastCache(db)));
  return cache;
}

const RoomEventType = builder.objectRef<CableBroadcast>('RoomEvent').implement({
  description: 'One /cable broadcast: the event name and its data in Chatwoot\'s shape.',
  fields: (t) => ({
    event: t.exposeString('event', { description: 'The /cable event name, e.g. message.created.' }),
    data: t.field({ type: 'JSONObject', resolve: (broadcast) => broadcast.data }),
  }),
});

builder.subscriptionField('roomEvents', (t) =>
  t.field({
    type: RoomEventType,
    authScopes: { user: true, contact: true },
    description:
      'What /cable\'s RoomChannel broadcasts to the caller, in Chatwoot\'s shapes: agents give the account (scope.accountId, which a member of one account may leave out), contacts nothing.',
    args: { scope: t.arg(SCOPE_ARG) },
    subscribe: async (_root, args, context) => {
      const scope = await resolveEventScope(context, args.scope);
      // What an agent may see is looked up now, not when the first event arrives for thousands of subscribers at once.
      await context.access.isStaffOf(scope.accountId);
      // One loop instead of a chain of operators: with thousands of subscribers, each step per event counts.
      const heard = hearing(context, scope, CABLE_EVENTS);
      const broadcasts = broadcastsOf(context.db);
      return (async function* () {
        for await (const event of context.pubsub.subscribe('account:events', scope.accountId)) {
          if (!(await heard(event)) || !isRecipient(context, event)) continue;
          const broadcast = await broadcasts.get(event);
          if (broadcast) yield broadcast;
        }
      })();
    },
    resolve: (broadcast) => broadcast as CableBroadcast,
  }),
);
