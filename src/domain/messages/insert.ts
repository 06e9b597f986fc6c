/**
 * The INSERT of a message row, written by hand for the hot path (see
 * src/raw-sql.ts). A new message's id is reserved with the conversation's
 * lock (`lockMessageTarget`), so its INSERT can ride in the statement of its
 * `message.created` event, and its row is known without reading it back.
 */
import { Prisma, type Attachment, type MessageContentType, type MessageType, type SenderType } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { writes } from '../../write-tables.ts';

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

type Conversation = { id: number; accountId: number; inboxId: number };

/**
 * A message this transaction wrote: its id, creation time, whole row (as
 * `to_jsonb` gives it), sending contact, if any, and the attachments written
 * with it (as Prisma reads them; absent when it has none).
 */
export interface WrittenMessage {
  id: number;
  createdAt: Date;
  row: Record<string, unknown>;
  senderContactId?: number;
  attachments?: Attachment[];
}

/** The columns a message is written with, in the order of `messageInsert`'s VALUES. */
function columnsOf(id: number, conversation: Conversation, row: MessageRow, at: Date) {
  return {
    id,
    account_id: conversation.accountId,
    inbox_id: conversation.inboxId,
    conversation_id: conversation.id,
    message_type: row.messageType,
    content_type: row.contentType ?? 'text',
    content: row.content,
    content_attributes: row.contentAttributes ?? {},
    private: row.private ?? false,
    source_id: row.sourceId ?? null,
    echo_id: row.echoId ?? null,
    sender_type: row.senderType ?? null,
    sender_contact_id: row.senderContactId ?? null,
    sender_user_id: row.senderUserId ?? null,
    sender_agent_bot_id: row.senderAgentBotId ?? null,
    created_at: at.toISOString(),
    updated_at: at.toISOString(),
  };
}

/**
 * The INSERT of message `id` (reserved), and the row it writes as `to_jsonb`
 * would give it back: the columns written plus the defaults of the others
 * (a test holds it equal to what Prisma reads).
 */
export function messageInsert(id: number, conversation: Conversation, row: MessageRow, at: Date) {
  const c = columnsOf(id, conversation, row, at);
  const statement = writes('messages')`
    INSERT INTO messages (id, account_id, inbox_id, conversation_id, message_type, content_type, content, content_attributes,
      private, source_id, echo_id, sender_type, sender_contact_id, sender_user_id, sender_agent_bot_id, created_at, updated_at)
    VALUES (${c.id}, ${c.account_id}, ${c.inbox_id}, ${c.conversation_id}, ${c.message_type}::"MessageType",
      ${c.content_type}::"MessageContentType", ${c.content}, ${c.content_attributes}::jsonb,
      ${c.private}, ${c.source_id}, ${c.echo_id}, ${c.sender_type}::"SenderType",
      ${c.sender_contact_id}::int, ${c.sender_user_id}::int, ${c.sender_agent_bot_id}::int,
      ${at}::timestamptz, ${at}::timestamptz)`;
  const written = {
    ...c,
    status: 'sent',
    external_source_ids: {},
    additional_attributes: {},
    processed_message_content: null,
    sentiment: {},
  };
  return { statement, row: written };
}

/** Writes `row` into the conversation on its own, with a new id. */
export async function insertMessage(sql: RawSql, conversation: Conversation, row: MessageRow): Promise<number> {
  const [reserved] = await sql.rows<{ id: number }>(Prisma.sql`SELECT nextval('messages_id_seq')::int AS id`);
  await sql.execute(messageInsert(reserved!.id, conversation, row, new Date()).statement);
  return reserved!.id;
}
