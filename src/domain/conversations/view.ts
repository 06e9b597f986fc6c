/**
 * Loads conversations with everything their wire shapes show, in a bounded
 * number of statements whatever the number of conversations: one for the
 * conversations and their relations, one per "last message" flavour, one for
 * the messages themselves and one for the unread counts. The "last message"
 * flavours are the message rules of access/rules.ts (`chatMessages`,
 * `nonActivityMessages`) as SQL fragments; the GraphQL type reads the same
 * `lastMessageIds` and `loadUnreadCounts`.
 */
import type { Tx } from '../../db.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { Rule } from '../access/condition.ts';
import { chatMessages, nonActivityMessages } from '../access/rules.ts';
import type { AgentBot, ChannelApi, Contact, ContactInbox, Conversation, Inbox, Team } from '../../generated/prisma/client.ts';
import { messageViewInclude, type MessageView } from '../messages/presenter.ts';
import type { UserInAccount } from '../senders/presenter.ts';

export interface ConversationView {
  conversation: Conversation & {
    contact: Contact;
    contactInbox: ContactInbox;
    inbox: Inbox & { channel: ChannelApi };
    assignee: UserInAccount | null;
    assigneeAgentBot: AgentBot | null;
    team: Team | null;
  };
  /** Last message of any kind (REST `messages`). */
  lastMessage: MessageView | null;
  /** Last non-private, non-activity message (push/webhook `messages`). */
  lastChatMessage: MessageView | null;
  /** Last message that is not an activity (`last_non_activity_message`). */
  lastNonActivityMessage: MessageView | null;
  /** Incoming messages since the agents last looked, capped at UNREAD_CAP. */
  unreadCount: number;
}

/** What a view loads with each conversation. */
export const conversationInclude = (accountId: number) =>
  ({
    contact: true,
    contactInbox: true,
    inbox: { include: { channel: true } },
    assignee: { include: { accountUsers: { where: { accountId } } } },
    assigneeAgentBot: true,
    team: true,
  }) as const;

/** Incoming messages counted as unread at most (spec/API.md §2.5). */
export const UNREAD_CAP = 10;

/**
 * A conversation's last message among those `messages` admits (every
 * message when undefined), as an SQL subquery over the conversation row
 * `conversation` (an alias) yielding `expression` of the message (alias
 * `lm`): the one definition behind `lastMessageIds` and a planned page.
 */
export function lastMessageSql(conversation: string, expression: Prisma.Sql, messages?: Rule<object>): Prisma.Sql {
  const admitted = messages ? Prisma.sql`AND ${messages.sql('lm')}` : Prisma.empty;
  return Prisma.sql`(SELECT ${expression} FROM messages lm WHERE lm.conversation_id = ${Prisma.raw(conversation)}.id ${admitted} ORDER BY lm.id DESC LIMIT 1)`;
}

/**
 * The id of each conversation's last message among those `messages` admits
 * (every message when undefined), by conversation id; one statement.
 */
export async function lastMessageIds(tx: Tx, conversationIds: number[], messages?: Rule<object>): Promise<Map<number, number>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ conversation_id: number; id: number | null }[]>`
    SELECT c.id AS conversation_id, ${lastMessageSql('c', Prisma.sql`lm.id`, messages)} AS id
    FROM conversations c WHERE c.id = ANY(${conversationIds})`;
  return new Map(rows.filter((r) => r.id !== null).map((r) => [Number(r.conversation_id), Number(r.id)]));
}

/** Loads views of the given conversations (of one account), in the order of `ids`. */
export async function loadConversationViews(tx: Tx, accountId: number, ids: number[]): Promise<ConversationView[]> {
  if (ids.length === 0) return [];
  const [conversations, lastAny, lastChat, lastNonActivity, unread] = await Promise.all([
    tx.conversation.findMany({ where: { id: { in: ids }, accountId }, include: conversationInclude(accountId) }),
    lastMessageIds(tx, ids),
    lastMessageIds(tx, ids, chatMessages),
    lastMessageIds(tx, ids, nonActivityMessages),
    loadUnreadCounts(tx, ids),
  ]);
  const messageIds = [...new Set([...lastAny.values(), ...lastChat.values(), ...lastNonActivity.values()])];
  const messages = messageIds.length
    ? await tx.message.findMany({ where: { id: { in: messageIds } }, include: messageViewInclude(accountId) })
    : [];
  const messageById = new Map(messages.map((m) => [m.id, m as MessageView]));
  const pick = (last: Map<number, number>) =>
    new Map([...last].map(([conversationId, id]) => [conversationId, messageById.get(id) ?? null]));
  const [anyBy, chatBy, nonActivityBy] = [pick(lastAny), pick(lastChat), pick(lastNonActivity)];
  const byId = new Map(conversations.map((c) => [c.id, c]));
  return ids.flatMap((id) => {
    const conversation = byId.get(id);
    if (!conversation) return [];
    return [
      {
        conversation,
        lastMessage: anyBy.get(id) ?? null,
        lastChatMessage: chatBy.get(id) ?? null,
        lastNonActivityMessage: nonActivityBy.get(id) ?? null,
        unreadCount: unread.get(id) ?? 0,
      },
    ];
  });
}

/**
 * A conversation's unread count as an SQL subquery over the conversation
 * row `conversation` (an alias): incoming messages since the agents last
 * looked, counted up to UNREAD_CAP. The one definition behind
 * `loadUnreadCounts` and a planned page.
 */
export function unreadCountSql(conversation: string): Prisma.Sql {
  const c = Prisma.raw(conversation);
  return Prisma.sql`(SELECT COUNT(*)::int FROM (SELECT 1 FROM messages um WHERE um.conversation_id = ${c}.id
    AND um.message_type = 'incoming' AND (${c}.agent_last_seen_at IS NULL OR um.created_at > ${c}.agent_last_seen_at)
    LIMIT ${UNREAD_CAP}) unread)`;
}

/** Each conversation's unread count: incoming messages since the agents last looked, capped at UNREAD_CAP (0 when none). */
export async function loadUnreadCounts(tx: Tx, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ conversation_id: number; unread: number }[]>`
    SELECT c.id AS conversation_id, ${unreadCountSql('c')} AS unread FROM conversations c WHERE c.id = ANY(${ids})`;
  return new Map(rows.map((r) => [Number(r.conversation_id), Number(r.unread)]));
}

/** Loads one conversation's view, or null. */
export async function loadConversationView(tx: Tx, accountId: number, id: number): Promise<ConversationView | null> {
  const [view] = await loadConversationViews(tx, accountId, [id]);
  return view ?? null;
}
