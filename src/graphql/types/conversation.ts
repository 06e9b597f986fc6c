/**
 * Conversation: a thread between a contact and the agents of an inbox.
 */
import { builder } from '../builder.ts';
import { ConversationPriorityEnum, ConversationStatusEnum } from './enums.ts';

export const ConversationType = builder.prismaNode('Conversation', {
  id: { field: 'id' },
  authScopes: (conversation, context) => context.access.canSeeConversation(conversation),
  fields: (t) => ({
    displayId: t.exposeInt('displayId', { description: 'The per-account number the REST API uses as id.' }),
    uuid: t.exposeString('uuid'),
    status: t.expose('status', { type: ConversationStatusEnum }),
    priority: t.expose('priority', { type: ConversationPriorityEnum, nullable: true }),
    labels: t.exposeStringList('labels'),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    inbox: t.relation('inbox'),
    contact: t.relation('contact'),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: { id: 'asc' } }),
    }),
  }),
});
