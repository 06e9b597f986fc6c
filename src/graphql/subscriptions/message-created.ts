/**
 * `messageCreated`: new messages of an account (optionally of one
 * conversation) that the subscriber may see. Events carry ids; each event is
 * re-loaded with the subscriber's own selection.
 */
import { filter, pipe } from 'graphql-yoga';
import { loadAccessibleInbox } from '../../domain/actor.ts';
import { DomainError } from '../../errors.ts';
import type { AnyDomainEvent, DomainEvent } from '../../events/catalogue.ts';
import { builder } from '../builder.ts';

builder.subscriptionField('messageCreated', (t) =>
  t.prismaField({
    type: 'Message',
    authScopes: { authenticated: true },
    description: 'Messages created in the account, or in one of its conversations, that the caller may see.',
    args: {
      accountId: t.arg.int({ required: true }),
      conversationDisplayId: t.arg.int({ required: false }),
    },
    subscribe: async (_root, args, context) => {
      const actor = await context.actorIn(args.accountId);
      const isVisible = async (event: AnyDomainEvent): Promise<boolean> => {
        if (event.name !== 'message.created') return false;
        const conversation = await context.db.conversation.findUnique({
          where: { id: event.data.conversationId },
          select: { displayId: true, inboxId: true },
        });
        if (!conversation) return false;
        if (args.conversationDisplayId != null && conversation.displayId !== args.conversationDisplayId) return false;
        return loadAccessibleInbox(context.db, actor, conversation.inboxId).then(
          () => true,
          (error: unknown) => (error instanceof DomainError ? false : Promise.reject(error)),
        );
      };
      return pipe(context.pubsub.subscribe('account:events', args.accountId), filter(isVisible));
    },
    resolve: (query, event: AnyDomainEvent, _args, context) =>
      context.db.message.findUniqueOrThrow({ ...query, where: { id: (event as DomainEvent<"message.created">).data.messageId } }),
  }),
);
