/**
 * `messageCreated` and `messageUpdated`: messages the subscriber may see, in
 * an account, an inbox or a conversation. A contact hears only of their own
 * conversations, never of internal messages (private notes, activity
 * messages: access/rules.ts `isInternalMessage`; spec/EVENTS.md §2.5: those
 * are not broadcast to the contact). Each event is re-loaded with
 * the subscriber's selection, and the Message type's own check runs again.
 */
import { filter, pipe } from 'graphql-yoga';
import type { Context } from '../../context.ts';
import { isInternalMessage } from '../../domain/access/rules.ts';
import type { EventDataMap } from '../../events/catalogue.ts';
import { builder } from '../builder.ts';
import { MessageType } from '../types/message.ts';
import { AFTER_ARG, SCOPE_ARG, hear, resolveEventScope, type EventScope } from './events.ts';

type MessageEventName = 'message.created' | 'message.updated';

/** The message events of `name` the caller may hear in `scope`. */
async function messageEvents(context: Context, scope: EventScope, name: MessageEventName) {
  const events = await hear(context, scope, [name]);
  if (context.principal?.kind !== 'contact') return events;
  return pipe(
    events,
    filter((event) => !isInternalMessage(event.data as EventDataMap[MessageEventName])),
  );
}

for (const [field, name, description] of [
  ['messageCreated', 'message.created', 'Messages created where the caller listens and may see them.'],
  ['messageUpdated', 'message.updated', 'Messages changed (status, soft deletion) where the caller listens and may see them.'],
] as const) {
  builder.subscriptionField(field, (t) =>
    t.prismaField({
      type: MessageType,
      authScopes: { authenticated: true },
      description,
      args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
      subscribe: async (_root, args, context) => messageEvents(context, await resolveEventScope(context, args.scope, args.after), name),
      resolve: (query, event, _args, context) =>
        context.db.message.findUniqueOrThrow({
          ...query,
          where: { id: (event as { data: { messageId: number } }).data.messageId },
        }),
    }),
  );
}
