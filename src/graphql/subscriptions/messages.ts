/**
 * `messageCreated`: new messages the subscriber may see, in an account, an
 * inbox or a conversation (a contact: in their own conversations, never
 * private notes). Each event is re-loaded with the subscriber's selection.
 */
import { builder } from '../builder.ts';
import { EventScopeInput, hear, resolveEventScope } from './events.ts';

builder.subscriptionField('messageCreated', (t) =>
  t.prismaField({
    type: 'Message',
    authScopes: { authenticated: true },
    description: 'Messages created where the caller listens and may see them.',
    args: { scope: t.arg({ type: EventScopeInput, required: false }) },
    subscribe: async (_root, args, context) =>
      hear(context, await resolveEventScope(context, args.scope), ['message.created']),
    resolve: (query, event, _args, context) =>
      context.db.message.findUniqueOrThrow({
        ...query,
        where: { id: (event as { data: { messageId: number } }).data.messageId },
      }),
  }),
);
