/**
 * Inbox: an API channel through which a business connects its own chat UI.
 */
import { builder } from '../builder.ts';

export const InboxType = builder.prismaNode('Inbox', {
  id: { field: 'id' },
  authScopes: (inbox, context) => context.access.canSeeInbox(inbox.accountId, inbox.id),
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    channelType: t.exposeString('channelType'),
    inboxIdentifier: t.string({
      description: 'The identifier customer-facing clients use in the Client API.',
      select: { channel: { select: { identifier: true } } },
      resolve: (inbox) => inbox.channel.identifier,
    }),
    webhookUrl: t.string({
      nullable: true,
      select: { channel: { select: { webhookUrl: true } } },
      resolve: (inbox) => inbox.channel.webhookUrl,
    }),
    hmacMandatory: t.boolean({
      select: { channel: { select: { hmacMandatory: true } } },
      resolve: (inbox) => inbox.channel.hmacMandatory,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
