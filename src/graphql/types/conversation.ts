/**
 * Conversation: a thread between a contact and the agents of an inbox. Its
 * `assignee` is selected into the statement that loads the conversations
 * (relationJoins); `unreadCount` and `lastMessage` are batched per request;
 * so a page of conversations costs the same few statements whatever its
 * size. A page of `Account.conversations` is one planned statement with
 * both in it (../planned-page.ts), and they are then read from the row. They are the domain's views (domain/conversations/view.ts); who sees
 * which conversation and message is access/rules.ts, asked through
 * `context.access`.
 */
import type { Context } from '../../context.ts';
import { lastMessageIds, loadUnreadCounts, UNREAD_CAP } from '../../domain/conversations/view.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { plannedFieldsOf, plannedLastMessage } from '../planned-page.ts';
import { AgentBotType } from './agent-bot.ts';
import { AgentType, agentOfUser, userAsAgentSelect } from './agent.ts';
import { ConversationPriorityEnum, ConversationStatusEnum } from './enums.ts';
import './conversation-queries.ts';

/** Who a conversation is assigned to: an agent of the account or an agent bot. */
export const ConversationAssigneeUnion = builder.unionType('ConversationAssignee', {
  types: [AgentType, AgentBotType],
  resolveType: (assignee) => ('userId' in assignee && 'role' in assignee ? AgentType : AgentBotType),
});


/** Incoming messages since the agents last looked (domain/conversations/view.ts); one statement per batch. */
function loadUnreadCount(context: Context, conversation: { id: number }) {
  return context
    .loader<number, number>('conversation-unread-count', async (keys) => {
      const counts = await loadUnreadCounts(context.db, [...keys]);
      return keys.map((key) => counts.get(key) ?? 0);
    })
    .load(conversation.id);
}

/**
 * The last message of each conversation that the viewer may see
 * (`context.access.seenMessages`: a contact, the last chat message), with
 * the client's selection: one statement for the ids (DISTINCT ON over the
 * conversation's message index), one for the messages with their senders.
 * Not a relation select: Prisma's relationJoins builds the JSON of every
 * message of a conversation before it applies `take: 1`, which grows with
 * the conversation.
 */
function loadLastMessage(context: Context, query: object, conversation: { id: number }) {
  const seen = context.access.seenMessages;
  return context
    .loader<number, Prisma.MessageGetPayload<object> | null>(
      `conversation-last-message:${seen ? 'seen' : 'all'}:${JSON.stringify(query)}`,
      async (keys) => {
        const last = await lastMessageIds(context.db, [...keys], seen);
        const messages = last.size
          ? await context.db.message.findMany({ ...query, where: { id: { in: [...last.values()] } } })
          : [];
        const messageById = new Map(messages.map((m) => [m.id, m]));
        return keys.map((key) => messageById.get(last.get(key) ?? -1) ?? null);
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
      // In the conversation's own statement: an agent with their memberships (agent.ts), or the bot.
      select: { assigneeAgentBot: true, assignee: userAsAgentSelect },
      resolve: (conversation) => agentOfUser(conversation.assignee, conversation.accountId) ?? conversation.assigneeAgentBot,
    }),
    unreadCount: t.int({
      description: `Incoming messages since the agents last looked (at most ${UNREAD_CAP}).`,
      resolve: (conversation, _args, context) => plannedFieldsOf(conversation)?.unreadCount ?? loadUnreadCount(context, conversation),
    }),
    lastMessage: t.prismaField({
      type: 'Message',
      nullable: true,
      description: 'The latest message (for a contact: the latest they may see).',
      resolve: (query, conversation, _args, context) => {
        const planned = plannedLastMessage(conversation, query);
        return planned ? (planned.message as Prisma.MessageGetPayload<object> | null) : loadLastMessage(context, query, conversation);
      },
    }),
    // `messages` is added by types/message.ts.
  }),
});
