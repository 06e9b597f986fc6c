/**
 * A MessageView read by hand in the transaction that wrote the message (the
 * hot path, see src/raw-sql.ts): one statement of plain joins, where Prisma's
 * nested include costs about as much CPU as the whole write. Rows come back
 * as JSON (`to_jsonb`), and are shaped as Prisma shapes them: camelCase
 * fields, Dates for the `…_at` columns. A test holds it equal to
 * `MessageService.view` for every kind of sender, and for a message
 * assembled without a read.
 */
import { NotFoundError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import type { WrittenMessage } from './insert.ts';
import type { MessageView } from './presenter.ts';
import type { LockedTarget } from './target.ts';

type JsonRow = Record<string, unknown>;

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** A table row from `to_jsonb` as Prisma returns the model: camelCase keys, `…_at` timestamps as Dates. */
export function modelOf<T>(row: JsonRow | null): T | null {
  if (!row) return null;
  const model: JsonRow = {};
  for (const [column, value] of Object.entries(row))
    model[camelCase(column)] = column.endsWith('_at') && typeof value === 'string' ? new Date(value) : value;
  return model as T;
}

interface ViewRow {
  message: JsonRow;
  sender_contact: JsonRow | null;
  sender_user: JsonRow | null;
  sender_account_user: JsonRow | null;
  sender_agent_bot: JsonRow | null;
  attachments: JsonRow[];
  display_id: number;
  assignee_id: number | null;
  last_activity_at: Date;
  source_id: string;
}

/** A MessageView from its rows as `to_jsonb` gives them. */
function assembleMessageView(parts: {
  message: JsonRow;
  senderContact: JsonRow | null;
  senderUser: JsonRow | null;
  senderAccountUser: JsonRow | null;
  senderAgentBot: JsonRow | null;
  attachments: MessageView['attachments'];
  conversation: MessageView['conversation'];
}): MessageView {
  const user = modelOf<NonNullable<MessageView['senderUser']>>(parts.senderUser);
  const accountUser = modelOf<NonNullable<MessageView['senderUser']>['accountUsers'][number]>(parts.senderAccountUser);
  return {
    ...modelOf<MessageView>(parts.message)!,
    senderContact: modelOf(parts.senderContact),
    senderUser: user && { ...user, accountUsers: accountUser ? [accountUser] : [] },
    senderAgentBot: modelOf(parts.senderAgentBot),
    attachments: parts.attachments,
    conversation: parts.conversation,
  };
}

/** The message's attachments as one JSON array, in id order (as `messageViewInclude` orders them). */
const ATTACHMENTS_OF_M = Prisma.sql`COALESCE((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM attachments a WHERE a.message_id = m.id), '[]'::jsonb)`;

/** The message with this id as its account's wire shapes need it. */
export function loadMessageView(sql: RawSql, accountId: number, messageId: number): Promise<MessageView> {
  return readMessageView(sql, accountId, messageId, { attachments: 'read' });
}

/**
 * Reads the view; a message this transaction wrote brings its attachments
 * (none, or the rows their INSERT returned) instead of reading them again.
 */
async function readMessageView(
  sql: RawSql,
  accountId: number,
  messageId: number,
  options: { attachments: 'read' | MessageView['attachments'] },
): Promise<MessageView> {
  // The hot path's statement stays as it was when the attachments are at hand.
  const attachments = options.attachments === 'read' ? Prisma.sql`, ${ATTACHMENTS_OF_M} AS attachments` : Prisma.empty;
  const [row] = await sql.rows<ViewRow>(Prisma.sql`
    SELECT to_jsonb(m) AS message, to_jsonb(ct) AS sender_contact, to_jsonb(u) AS sender_user,
      to_jsonb(au) AS sender_account_user, to_jsonb(b) AS sender_agent_bot${attachments},
      cv.display_id, cv.assignee_id, cv.last_activity_at, ci.source_id
    FROM messages m
    JOIN conversations cv ON cv.id = m.conversation_id
    JOIN contact_inboxes ci ON ci.id = cv.contact_inbox_id
    LEFT JOIN contacts ct ON ct.id = m.sender_contact_id
    LEFT JOIN users u ON u.id = m.sender_user_id
    LEFT JOIN account_users au ON au.user_id = m.sender_user_id AND au.account_id = ${accountId}
    LEFT JOIN agent_bots b ON b.id = m.sender_agent_bot_id
    WHERE m.id = ${messageId}`);
  if (!row) throw new NotFoundError('Message');
  return assembleMessageView({
    message: row.message,
    senderContact: row.sender_contact,
    senderUser: row.sender_user,
    senderAccountUser: row.sender_account_user,
    senderAgentBot: row.sender_agent_bot,
    attachments:
      options.attachments === 'read' ? row.attachments.map((a) => modelOf<MessageView['attachments'][number]>(a)!) : options.attachments,
    conversation: {
      displayId: row.display_id,
      assigneeId: row.assignee_id,
      lastActivityAt: row.last_activity_at,
      contactInbox: { sourceId: row.source_id },
    },
  });
}

/**
 * The view of a message this transaction just wrote. When the conversation's
 * contact sent it, everything is already at hand (the locked target and the
 * INSERT's row; the message made it the contact's and the conversation's last
 * activity): no statement. Otherwise it is read.
 */
export async function viewOfWritten(
  sql: RawSql,
  target: LockedTarget,
  written: WrittenMessage,
): Promise<MessageView> {
  const attachments = written.attachments ?? [];
  if (written.senderContactId !== target.contactId) return readMessageView(sql, target.accountId, written.id, { attachments });
  const view = assembleMessageView({
    message: written.row,
    senderContact: target.contactRow,
    senderUser: null,
    senderAccountUser: null,
    senderAgentBot: null,
    attachments,
    conversation: {
      displayId: target.displayId,
      assigneeId: target.assigneeId,
      lastActivityAt: written.createdAt,
      contactInbox: { sourceId: target.sourceId },
    },
  });
  return { ...view, senderContact: { ...view.senderContact!, lastActivityAt: written.createdAt } };
}
