/**
 * The conversation a new message goes to, locked for the rest of the
 * transaction (concurrent messages to one conversation take turns, so that
 * each decides from the row as it is), with everything the message's rules
 * need, read in one statement: its inbox's channel, whether its contact is
 * blocked, whether the writer reaches it (access/rules.ts
 * `conversationsReachedBy`, as an SQL fragment), the flood guard's count,
 * and what the answer shows of the conversation and its contact; and it
 * reserves the new message's id. Conversations are named by database id.
 */
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import { Prisma, type Conversation, type ConversationStatus } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { conversationsReachedBy } from '../access/rules.ts';
import type { AccountActor } from '../actor.ts';
import type { ContactPrincipal } from '../principal.ts';
import { fitsIntegerColumn } from '../validation.ts';

export interface MessageTarget {
  id: number;
  accountId: number;
  inboxId: number;
  contactId: number;
  status: ConversationStatus;
  waitingSince: Date | null;
  firstReplyCreatedAt: Date | null;
  updatedAt: Date;
  /** The inbox's channel type, e.g. `Channel::Api`. */
  channelType: string;
  /** A blocked contact mutes the conversation: their messages do not reopen it. */
  contactBlocked: boolean;
  /** Messages the conversation received in the last minute. */
  recentMessages: number;
  /** The id the new message will have (taken from the messages' sequence). */
  reservedMessageId: number;
}

/** A locked target, with what the answer's view needs of its conversation and contact. */
export interface LockedTarget extends MessageTarget {
  displayId: number;
  assigneeId: number | null;
  /** The contact inbox's source_id. */
  sourceId: string;
  /** The contact's row as `to_jsonb` gives it. */
  contactRow: Record<string, unknown>;
}

interface TargetRow {
  id: number;
  account_id: number;
  inbox_id: number;
  contact_id: number;
  status: ConversationStatus;
  waiting_since: Date | null;
  first_reply_created_at: Date | null;
  updated_at: Date;
  channel_type: string;
  contact_blocked: boolean;
  reached: boolean;
  recent_messages: number;
  reserved_message_id: number;
  display_id: number;
  assignee_id: number | null;
  source_id: string;
  contact: Record<string, unknown>;
}

/**
 * Who writes: an account actor (agents only reach their inboxes'
 * conversations), or a contact in a conversation their session reaches.
 */
export type MessageWriter = { actor: AccountActor } | { session: ContactPrincipal };

/**
 * Locks and reads the conversation with this database id. NotFound when it
 * is not in the writer's account or a contact's session does not reach it;
 * Forbidden for an agent outside its inbox.
 */
export async function lockMessageTarget(sql: RawSql, writer: MessageWriter, conversationId: number): Promise<LockedTarget> {
  if (!fitsIntegerColumn(conversationId)) throw new NotFoundError('Conversation');
  const reacher = 'actor' in writer ? writer.actor : writer.session;
  const reached = conversationsReachedBy(reacher).sql('c');
  // A contact's session locks only what it reaches; an agent's row is read (and locked) to tell Forbidden from NotFound.
  const onlyReached = 'session' in writer ? Prisma.sql`AND ${reached}` : Prisma.empty;
  const since = new Date(Date.now() - 60_000);
  const [row] = await sql.rows<TargetRow>(Prisma.sql`
    SELECT c.id, c.account_id, c.inbox_id, c.contact_id, c.status::text AS status, c.waiting_since, c.first_reply_created_at,
      c.updated_at, c.display_id, c.assignee_id, ci.source_id, i.channel_type, ct.blocked AS contact_blocked, to_jsonb(ct) AS contact,
      ${reached} AS reached,
      (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id AND m.created_at >= ${since}::timestamptz) AS recent_messages,
      nextval('messages_id_seq')::int AS reserved_message_id
    FROM conversations c
    JOIN inboxes i ON i.id = c.inbox_id
    JOIN contacts ct ON ct.id = c.contact_id
    JOIN contact_inboxes ci ON ci.id = c.contact_inbox_id
    WHERE c.id = ${conversationId} AND c.account_id = ${reacher.accountId} ${onlyReached}
    FOR UPDATE OF c`);
  if (!row) throw new NotFoundError('Conversation');
  // A contact never learns that a conversation it does not reach exists.
  if (!row.reached) throw 'session' in writer ? new NotFoundError('Conversation') : new ForbiddenError();
  return {
    id: row.id,
    accountId: row.account_id,
    inboxId: row.inbox_id,
    contactId: row.contact_id,
    status: row.status,
    waitingSince: row.waiting_since,
    firstReplyCreatedAt: row.first_reply_created_at,
    updatedAt: row.updated_at,
    channelType: row.channel_type,
    contactBlocked: row.contact_blocked,
    recentMessages: row.recent_messages,
    reservedMessageId: row.reserved_message_id,
    displayId: row.display_id,
    assigneeId: row.assignee_id,
    sourceId: row.source_id,
    contactRow: row.contact,
  };
}

/** The target of the first message of a conversation this transaction created (nothing to lock or count). */
export async function newConversationTarget(sql: RawSql, conversation: Conversation, channelType: string): Promise<MessageTarget> {
  const [row] = await sql.rows<{ blocked: boolean; reserved_message_id: number }>(Prisma.sql`
    SELECT blocked, nextval('messages_id_seq')::int AS reserved_message_id FROM contacts WHERE id = ${conversation.contactId}`);
  return {
    id: conversation.id,
    accountId: conversation.accountId,
    inboxId: conversation.inboxId,
    contactId: conversation.contactId,
    status: conversation.status,
    waitingSince: conversation.waitingSince,
    firstReplyCreatedAt: conversation.firstReplyCreatedAt,
    updatedAt: conversation.updatedAt,
    channelType,
    contactBlocked: row?.blocked ?? false,
    recentMessages: 0,
    reservedMessageId: row!.reserved_message_id,
  };
}
