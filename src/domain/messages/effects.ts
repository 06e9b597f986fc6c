/**
 * What a new message does to its conversation (spec/CONFORMANCE.md I-15):
 * activity time, waiting time and first reply (announced with
 * `conversation.updated`, as Chatwoot's update of the conversation is), and
 * reopening a resolved or snoozed conversation on an incoming message unless
 * it is muted (its contact is blocked): `open`, or `pending` when the inbox
 * has an active bot, announced by an activity message. A contact's own message also marks the
 * contact active (Chatwoot's `update_contact_activity`). Activity messages
 * do not count as activity (access/rules.ts `nonActivityMessages`).
 */
import type { Emit } from '../../events/outbox.ts';
import { Prisma, type MessageType } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { writes } from '../../write-tables.ts';
import { nonActivityMessages } from '../access/rules.ts';
import { changeEntry, type ChangedAttributes } from '../conversations/changes.ts';
import type { MessageTarget } from './target.ts';

export const REOPENED_BY_INCOMING = 'System reopened the conversation due to a new incoming message.';

export interface NewMessageFacts {
  messageType: MessageType;
  private: boolean;
  /** A public outgoing message written by a user (not a bot): it answers the contact. */
  humanReply: boolean;
  /** The contact who sent it, if a contact did. */
  senderContactId?: number;
  at: Date;
}

/** The transaction a message is written in. */
export interface EffectScope {
  sql: RawSql;
  emit: Emit;
}

/** A new message's changes to its conversation, ready to ride along with another statement. */
export interface ConversationEffects {
  /** The UPDATEs of the conversation (and of the sending contact's activity), as CTE bodies. */
  updates: Prisma.Sql[];
  /**
   * Rails' `previous_changes` of the watched attributes the message changes
   * (waiting time, first reply; empty when none): Chatwoot announces them
   * with `conversation.updated`.
   */
  changedAttributes: ChangedAttributes;
  /** The message is the conversation's first reply (`first.reply.created`). */
  firstReply: boolean;
  /** The status an incoming message reopened the conversation to, if it did. */
  reopenedTo?: 'open' | 'pending';
}

/** What a new message changes in its conversation (read, not yet written: see `Emit`'s `alongside`). */
export async function conversationEffects(
  sql: RawSql,
  conversation: MessageTarget,
  message: NewMessageFacts,
): Promise<ConversationEffects> {
  const { messageType, humanReply, at } = message;
  const reopen =
    messageType === 'incoming' &&
    (conversation.status === 'resolved' || conversation.status === 'snoozed') &&
    !conversation.contactBlocked;
  const [activeBot] = reopen
    ? await sql.rows(Prisma.sql`SELECT 1 FROM agent_bot_inboxes WHERE inbox_id = ${conversation.inboxId} AND status = 'active'`)
    : [];
  const reopenedTo = reopen ? (activeBot ? 'pending' : 'open') : undefined;

  const changes: Prisma.Sql[] = [Prisma.sql`updated_at = ${at}::timestamptz`];
  const changedAttributes: ChangedAttributes = [];
  const changed = (attribute: string, previous: Date | null, current: Date | null) =>
    changedAttributes.push(changeEntry(attribute, previous, current));
  const firstReply = humanReply && !conversation.firstReplyCreatedAt;
  if (nonActivityMessages.test({ messageType })) changes.push(Prisma.sql`last_activity_at = ${at}::timestamptz`);
  if (messageType === 'incoming' && !conversation.waitingSince) {
    changes.push(Prisma.sql`waiting_since = ${at}::timestamptz`);
    changed('waiting_since', null, at);
  }
  if (firstReply) {
    changes.push(Prisma.sql`first_reply_created_at = ${at}::timestamptz`);
    changed('first_reply_created_at', null, at);
  }
  if (humanReply) {
    changes.push(Prisma.sql`waiting_since = NULL`);
    if (conversation.waitingSince) changed('waiting_since', conversation.waitingSince, null);
  }
  if (changedAttributes.length > 0) changed('updated_at', conversation.updatedAt, at);
  if (reopenedTo) changes.push(Prisma.sql`status = ${reopenedTo}::"ConversationStatus"`, Prisma.sql`snoozed_until = NULL`);
  const updates = [writes('conversations')`UPDATE conversations SET ${Prisma.join(changes)} WHERE id = ${conversation.id}`];
  if (message.senderContactId !== undefined)
    updates.push(writes('contacts')`UPDATE contacts SET last_activity_at = ${at}::timestamptz WHERE id = ${message.senderContactId}`);
  return { updates, changedAttributes, firstReply, ...(reopenedTo ? { reopenedTo } : {}) };
}

/**
 * Announces a reopening: the activity message (`insertActivity` writes it and
 * returns its id) and the conversation's status events.
 */
export async function announceReopening(
  emit: Emit,
  conversation: MessageTarget,
  reopenedTo: 'open' | 'pending',
  insertActivity: (content: string) => Promise<number>,
) {
  const activityId = await insertActivity(REOPENED_BY_INCOMING);
  const ids = { conversationId: conversation.id, inboxId: conversation.inboxId };
  await emit(conversation.accountId, 'message.created', { messageId: activityId, ...ids, messageType: 'activity', private: false });
  await emit(conversation.accountId, 'conversation.status_changed', ids);
  await emit(conversation.accountId, 'conversation.updated', {
    ...ids,
    changedAttributes: [{ status: { previous_value: conversation.status, current_value: reopenedTo } }],
  });
}
