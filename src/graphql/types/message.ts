/**
 * Message: incoming from the contact, outgoing from agents, private notes and activity.
 */
import { builder } from '../builder.ts';
import { MessageContentTypeEnum, MessageStatusEnum, MessageTypeEnum } from './enums.ts';

export const MessageType = builder.prismaNode('Message', {
  id: { field: 'id' },
  authScopes: (message, context) => context.access.canSeeMessage(message),
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    content: t.exposeString('content', { nullable: true }),
    messageType: t.expose('messageType', { type: MessageTypeEnum }),
    contentType: t.expose('contentType', { type: MessageContentTypeEnum }),
    contentAttributes: t.expose('contentAttributes', { type: 'JSONObject' }),
    private: t.exposeBoolean('private'),
    status: t.expose('status', { type: MessageStatusEnum }),
    sourceId: t.exposeString('sourceId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    conversation: t.relation('conversation'),
  }),
});
