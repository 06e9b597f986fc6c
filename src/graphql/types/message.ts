/**
 * Message: incoming from the contact, outgoing from agents and bots, private
 * notes and activity; its sender (a union of Contact, Agent and AgentBot);
 * and `Conversation.messages`, Chatwoot's message windows as a Relay
 * connection (spec/API.md §3.6, §5.2), batched across conversations: the
 * domain's one window (domain/messages/window.ts), which leaves internal
 * messages out in its query for contacts and `includeInternal: false`.
 */
import { formatPrismaCursor, parsePrismaCursor, queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.ts';
import { countMessages, loadMessageWindows, messageWindow } from '../../domain/messages/window.ts';
import { ValidationError } from '../../errors.ts';
import type { Message } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { AgentType, agentOfUser, userAsAgentSelect } from './agent.ts';
import { AgentBotType } from './agent-bot.ts';
import { ContactType } from './contact.ts';
import { MessageContentTypeEnum, MessageStatusEnum, MessageTypeEnum } from './enums.ts';

type SenderKind = 'Contact' | 'Agent' | 'AgentBot';
/** The member type of each sender object handed to the union, by identity. */
const senderKinds = new WeakMap<object, SenderKind>();
function asSender<T extends object>(value: T | null | undefined, kind: SenderKind): T | null {
  if (value) senderKinds.set(value, kind);
  return value ?? null;
}

export const MessageSenderUnion = builder.unionType('MessageSender', {
  description: 'Who sent a message: the contact, an agent of the account, or an agent bot.',
  types: [ContactType, AgentType, AgentBotType],
  resolveType: (sender) => senderKinds.get(sender) ?? null,
});

export const MessageType = builder.prismaNode('Message', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (message, context) => context.access.canSeeMessage(message),
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST API.' }),
    content: t.exposeString('content', { nullable: true }),
    messageType: t.expose('messageType', { type: MessageTypeEnum }),
    contentType: t.expose('contentType', { type: MessageContentTypeEnum }),
    contentAttributes: t.expose('contentAttributes', { type: 'JSONObject' }),
    private: t.exposeBoolean('private', {
      authScopes: { staff: true },
      description: 'A private note, seen by the agent side only.',
    }),
    status: t.expose('status', { type: MessageStatusEnum }),
    sourceId: t.exposeString('sourceId', { nullable: true, description: 'The external system\'s id of the message.' }),
    echoId: t.exposeString('echoId', { nullable: true, description: 'The id the creating client gave the message.' }),
    externalError: t.string({
      nullable: true,
      description: 'Why delivery failed, as reported with the FAILED status.',
      resolve: (message) => {
        const error = (message.contentAttributes as Record<string, unknown> | null)?.external_error;
        return typeof error === 'string' ? error : null;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    conversation: t.relation('conversation'),
    sender: t.field({
      type: MessageSenderUnion,
      nullable: true,
      description: 'Null when the sender is gone (an agent who left the account, a deleted contact or bot).',
      // The sender comes in the message's own statement, an agent with their memberships (agent.ts).
      select: { senderContact: true, senderAgentBot: true, senderUser: userAsAgentSelect },
      resolve: (message) => {
        if (message.senderContact) return asSender(message.senderContact, 'Contact');
        if (message.senderAgentBot) return asSender(message.senderAgentBot, 'AgentBot');
        return asSender(agentOfUser(message.senderUser, message.accountId), 'Agent');
      },
    }),
  }),
});

/** What the connection object carries for its totalCount. */
interface MessagesConnectionSource {
  conversationId: number;
  excludeInternal: boolean;
}

builder.prismaObjectField('Conversation', 'messages', (t) =>
  t.connection(
    {
      type: MessageType,
      description:
        'Messages, ascending. No arguments: the latest 20; `last: n, before: cursor`: older ones; ' +
        '`first: n, after: cursor`: newer ones; at most 100. Contacts never see private notes or activity.',
      args: {
        includeInternal: t.arg.boolean({
          defaultValue: true,
          description: 'False leaves out private notes and activity messages (REST `filter_internal_messages`).',
        }),
      },
      resolve: (conversation, args, context, info) => messagesOf(conversation.id, args, context, info),
    },
    {
      name: 'ConversationMessagesConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: 'Every message the connection pages over.',
          resolve: (connection, _args, context) => {
            const { conversationId, excludeInternal } = connection as unknown as MessagesConnectionSource;
            return context
              .loader<number, number>(`conversation-message-counts:${excludeInternal}`, async (ids) => {
                const counts = await countMessages(context.db, ids, excludeInternal);
                return ids.map((id) => counts.get(id) ?? 0);
              })
              .load(conversationId);
          },
        }),
      }),
    },
    { name: 'ConversationMessagesConnectionEdge' },
  ),
);

interface MessagesArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  includeInternal?: boolean | null;
}

/** The page of a conversation's messages; conversations resolved together share one batch. */
async function messagesOf(conversationId: number, args: MessagesArgs, context: Context, info: GraphQLResolveInfo) {
  const window = messageWindow({
    first: args.first,
    last: args.last,
    after: cursorId(args.after, 'after'),
    before: cursorId(args.before, 'before'),
  });
  const excludeInternal = context.principal?.kind === 'contact' || args.includeInternal === false;
  const query = queryFromInfo({ context, info, path: ['edges', 'node'] });
  const loader = context.loader<number, { nodes: Message[]; hasMore: boolean }>(
    `conversation-messages:${responsePath(info)}:${JSON.stringify(window)}:${excludeInternal}`,
    async (ids) => {
      const pages = await loadMessageWindows(context.db, ids, window, excludeInternal);
      const wanted = [...pages.values()].flatMap((page) => page.ids);
      const rows = wanted.length
        ? await context.db.message.findMany({ ...(query as object), where: { id: { in: wanted } } })
        : [];
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => {
        const page = pages.get(id) ?? { ids: [], hasMore: false };
        return { nodes: page.ids.flatMap((messageId) => byId.get(messageId) ?? []), hasMore: page.hasMore };
      });
    },
  );
  const { nodes, hasMore } = await loader.load(conversationId);
  const edges = nodes.map((node) => ({ cursor: formatPrismaCursor(node, 'id'), node }));
  const source: MessagesConnectionSource = { conversationId, excludeInternal };
  return {
    ...source,
    edges,
    pageInfo: {
      hasNextPage: window.forward ? hasMore : window.beforeId !== undefined,
      hasPreviousPage: window.forward ? window.afterId !== undefined : hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The message id inside a connection cursor; ValidationError naming the argument otherwise. */
function cursorId(cursor: string | null | undefined, field: 'after' | 'before'): number | undefined {
  if (cursor == null) return undefined;
  let id: unknown;
  try {
    id = parsePrismaCursor(cursor);
  } catch {
    id = undefined;
  }
  if (typeof id !== 'number' || !Number.isSafeInteger(id))
    throw ValidationError.of(field, `${field === 'after' ? 'After' : 'Before'} is not a valid cursor`);
  return id;
}

/** The field's response path without list indices: one batch per place in the document. */
function responsePath(info: GraphQLResolveInfo): string {
  const keys: string[] = [];
  for (let path: GraphQLResolveInfo['path'] | undefined = info.path; path; path = path.prev)
    if (typeof path.key === 'string') keys.unshift(path.key);
  return keys.join('.');
}
