/**
 * A MessageView read by hand in the transaction that wrote the message (the
 * hot path, see src/raw-sql.ts): one statement of plain joins, where Prisma's
 * nested include costs about as much CPU as the whole write. Rows come back
 * as JSON (`to_jsonb`), and are shaped as Prisma shapes them: camelCase
 * fields, Dates for the `…_at` columns. A test holds it equal to
 * `MessageService.loadView` for every kind of sender.
 */
import { NotFoundError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import type { MessageView } from './presenter.ts';

type JsonRow = Record<string, unknown>;

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** A table row from `to_jsonb` as Prisma returns the model: camelCase keys, `…_at` timestamps as Dates. */
function modelOf<T>(row: JsonRow | null): T | null {
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
  display_id: number;
  assignee_id: number | null;
  last_activity_at: Date;
  source_id: string;
}

/** The message with this id as its account's wire shapes need it. */
export async function loadMessageView(sql: RawSql, accountId: number, messageId: number): Promise<MessageView> {
  const [row] = await sql.rows<ViewRow>(Prisma.sql`
    SELECT to_jsonb(m) AS message, to_jsonb(ct) AS sender_contact, to_jsonb(u) AS sender_user,
      to_jsonb(au) AS sender_account_user, to_jsonb(b) AS sender_agent_bot,
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
  const user = modelOf<NonNullable<MessageView['senderUser']>>(row.sender_user);
  const accountUser = modelOf<NonNullable<MessageView['senderUser']>['accountUsers'][number]>(row.sender_account_user);
  return {
    ...modelOf<MessageView>(row.message)!,
    senderContact: modelOf(row.sender_contact),
    senderUser: user && { ...user, accountUsers: accountUser ? [accountUser] : [] },
    senderAgentBot: modelOf(row.sender_agent_bot),
    conversation: {
      displayId: row.display_id,
      assigneeId: row.assignee_id,
      lastActivityAt: row.last_activity_at,
      contactInbox: { sourceId: row.source_id },
    },
  };
}
