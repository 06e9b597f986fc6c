/**
 * The INSERT of a message row, written by hand for the hot path (see
 * src/raw-sql.ts). Columns left out take their defaults: status `sent`,
 * empty external ids, attributes and sentiment.
 */
import { Prisma, type MessageContentType, type MessageType, type SenderType } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';

export interface MessageRow {
  messageType: MessageType;
  contentType?: MessageContentType;
  content: string | null;
  contentAttributes?: Record<string, unknown>;
  private?: boolean;
  sourceId?: string | null;
  echoId?: string | null;
  senderType?: SenderType;
  senderContactId?: number;
  senderUserId?: number;
  senderAgentBotId?: number;
}

/** Writes `row` into the conversation; returns the new message's id and creation time. */
export async function insertMessage(
  sql: RawSql,
  conversation: { id: number; accountId: number; inboxId: number },
  row: MessageRow,
): Promise<{ id: number; createdAt: Date }> {
  const now = new Date();
  const [inserted] = await sql.rows<{ id: number }>(Prisma.sql`
    INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content_type, content, content_attributes,
      private, source_id, echo_id, sender_type, sender_contact_id, sender_user_id, sender_agent_bot_id, created_at, updated_at)
    VALUES (${conversation.accountId}, ${conversation.inboxId}, ${conversation.id}, ${row.messageType}::"MessageType",
      ${row.contentType ?? 'text'}::"MessageContentType", ${row.content}, ${row.contentAttributes ?? {}}::jsonb,
      ${row.private ?? false}, ${row.sourceId ?? null}, ${row.echoId ?? null}, ${row.senderType ?? null}::"SenderType",
      ${row.senderContactId ?? null}::int, ${row.senderUserId ?? null}::int, ${row.senderAgentBotId ?? null}::int,
      ${now}::timestamptz, ${now}::timestamptz)
    RETURNING id`);
  return { id: inserted!.id, createdAt: now };
}
