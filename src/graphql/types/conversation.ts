/**
 * Conversation: a thread between a contact and the agents of an inbox. The
 * per-conversation computed fields (`unreadCount`, `lastMessage`, an agent
 * `assignee`) are batched per request, so a page of conversations costs the
 * same few statements whatever its size.
 */
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { Context } from '../../context.ts';
import { Prisma, type AccountUser } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { AgentBotType } from './agent-bot.ts';
import { AgentType, loadAgent } from './agent.ts';
import { ConversationPriorityEnum, ConversationStatusEnum } from './enums.ts';
import './conversation-queries.ts';

/** Incoming messages counted as unread at most (spec/API.md §2.5). */
export const UNREAD_CAP = 10;

/** Who a conversation is assigned to: an agent of the account or an agent bot. */
export const ConversationAssigneeUnion = builder.unionType('ConversationAssignee', {
  types: [AgentType, AgentBotType],
  resolveType: (assignee) => ('userId' in assignee && 'role' in assignee ? AgentType : AgentBotType),
});


/** Incoming messages since the agents last looked, capped at 10; one statement per batch. */
function loadUnreadCount(context: Context, conversation: { id: number }) {
  return context
    .loader<number, number>('conversation-unread-count', async (keys) => {
      const ids = [...keys];
      const rows = await context.db.$queryRaw<{ conversation_id: number; unread: number }[]>`
        SELECT m.conversation_id, LEAST(COUNT(*), ${UNREAD_CAP})::int AS unread
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.conversation_id = ANY(${ids}) AND m.message_type = 'incoming'
          AND (c.agent_last_seen_at IS NULL OR m.created_at > c.agent_last_seen_at)
        GROUP BY m.conversation_id`;
      const byId = new Map(rows.map((r) => [Number(r.conversation_id), Number(r.unread)]));
      return keys.map((key) => byId.get(key) ?? 0);
    })
    .load(conversation.id);
}

/**
 * The last message of each conversation (for a contact: the last one they
 * may see, i.e. not private), with the subscriber's selection: one
 * DISTINCT ON statement for the ids, one for the messages.
 */
function loadLastMessage(context: Context, query: object, conversation: { id: number }) {
  const contactViewer = context.principal?.kind === 'contact';
  return context
    .loader<number, Prisma.MessageGetPayload<object> | null>(
      `conversation-last-message:${contactViewer}:${JSON.stringify(query)}`,
      async (keys) => {
        const ids = [...keys];
        const onlyPublic = contactViewer ? Prisma.sql`AND private = false` : Prisma.empty;
        const last = await context.db.$queryRaw<{ conversation_id: number; id: number }[]>`
          SELECT DISTINCT ON (conversation_id) conversation_id, id FROM messages
          WHERE conversation_id = ANY(${ids}) ${onlyPublic}
          ORDER BY conversation_id, id DESC`;
        const messages = last.length
          ? await context.db.message.findMany({ ...query, where: { id: { in: last.map((r) => r.id) } } })
          : [];
        const messageById = new Map(messages.map((m) => [m.id, m]));
        const byConversation = new Map(last.map((r) => [Number(r.conversation_id), messageById.get(r.id) ?? null]));
        return keys.map((key) => byConversation.get(key) ?? null);
      },
    )
    .load(conversation.id);
}

export const ConversationType = builder.prismaNode('Conversation', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (conversation, context) => context.access.canSeeConversation(conversation),
  fields: (t) => ({
    displayId: t.exposeInt('displayId', { description: 'The per-account number the REST API uses as id.' }),
    uuid: t.exposeString('uuid'),
    status: t.expose('status', { type: ConversationStatusEnum }),
    priority: t.expose('priority', { type: ConversationPriorityEnum, nullable: true }),
    snoozedUntil: t.expose('snoozedUntil', { type: 'DateTime', nullable: true }),
    labels: t.exposeStringList('labels'),
    customAttributes: t.expose('customAttributes', { type: 'JSONObject' }),
    additionalAttributes: t.expose('additionalAttributes', { type: 'JSONObject' }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    waitingSince: t.expose('waitingSince', { type: 'DateTime', nullable: true }),
    firstReplyCreatedAt: t.expose('firstReplyCreatedAt', { type: 'DateTime', nullable: true }),
    agentLastSeenAt: t.expose('agentLastSeenAt', { type: 'DateTime', nullable: true }),
    contactLastSeenAt: t.expose('contactLastSeenAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    inbox: t.relation('inbox'),
    contact: t.relation('contact'),
    contactInbox: t.relation('contactInbox'),
    team: t.relation('team', { nullable: true }),
    assignee: t.field({
      type: ConversationAssigneeUnion,
      nullable: true,
      description: 'The agent or agent bot the conversation is assigned to.',
      select: { assigneeAgentBot: true },
      resolve: (conversation, _args, context) =>
        conversation.assigneeId !== null
          ? loadAgent(context, conversation.accountId, conversation.assigneeId)
          : conversation.assigneeAgentBot,
    }),
    unreadCount: t.int({
      description: `Incoming messages since the agents last looked (at most ${UNREAD_CAP}).`,
      resolve: (conversation, _args, context) => loadUnreadCount(context, conversation),
    }),
    lastMessage: t.prismaField({
      type: 'Message',
      nullable: true,
      description: 'The latest message (for a contact: the latest they may see).',
      resolve: (query, conversation, _args, context) => loadLastMessage(context, query, conversation),
    }),
    // `messages` is added by types/message.ts.
  }),
});
