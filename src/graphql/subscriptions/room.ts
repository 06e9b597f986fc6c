/**
 * `roomEvents`: everything Chatwoot's /cable RoomChannel would broadcast to
 * the caller (spec/EVENTS.md §2.5), each event as the broadcast's `message`
 * (`{event, data}` in Chatwoot's shapes, built once per event by
 * src/events/listeners/cable-broadcasts.ts). /cable runs every RoomChannel
 * subscription as this subscription, so real-time clients of both
 * protocols share one authorisation and one event path.
 *
 * Who hears what: what the caller may hear at all (Visibility#canHear, via
 * events.ts), then the /cable recipient rule (src/events/recipients.ts):
 * agents and administrators hear the events of the inboxes they reach and
 * the account's contact events; a contact hears their own conversations'
 * events (every conversation of the contact once their session is
 * HMAC-verified) but no internal messages and none of the staff-only
 * events; nobody hears their own typing (left to the fan-out of /cable's
 * audiences when the subscription serves one: a reach's sockets).
 */
import type { Context } from '../../context.ts';
import { CABLE_EVENTS, cableBroadcasts, type CableBroadcast } from '../../events/listeners/cable-broadcasts.ts';
import { hearsOnCable, partyOf } from '../../events/recipients.ts';
import { builder } from '../builder.ts';
import { AFTER_ARG, SCOPE_ARG, accountEvents, hearing, resolveEventScope } from './events.ts';

/** The caller as a /cable recipient: own typing is the fan-out's to drop when the subscription serves an audience. */
const recipientOf = (context: Context) => ({
  isContact: context.principal?.kind === 'contact',
  party: context.servesAudience ? undefined : partyOf(context.principal),
});

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
    args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
    subscribe: async (_root, args, context) => {
      const scope = await resolveEventScope(context, args.scope, args.after);
      // What an agent may see is looked up now, not when the first event arrives for thousands of subscribers at once.
      await context.access.isStaffOf(scope.accountId);
      // One loop instead of a chain of operators: with thousands of subscribers, each step per event counts.
      const heard = hearing(context, scope, CABLE_EVENTS);
      const recipient = recipientOf(context);
      const broadcasts = cableBroadcasts(context.db);
      const events = await accountEvents(context, scope);
      return (async function* () {
        for await (const event of events) {
          if (!(await heard(event)) || !hearsOnCable(event, recipient)) continue;
          const broadcast = await broadcasts.get(event);
          if (!broadcast) continue;
          context.heardEvent = event;
          yield broadcast;
        }
      })();
    },
    resolve: (broadcast) => broadcast as CableBroadcast,
  }),
);
