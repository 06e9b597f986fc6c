/**
 * Writes a new message's attachments in the message's own transaction (the
 * hot path's RawSql, see src/raw-sql.ts): one statement for the rows and
 * their bytes, only when there are files, so a message without any costs
 * nothing more.
 */
import type { Attachment } from '../../generated/prisma/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { writes } from '../../write-tables.ts';
import type { WrittenMessage } from '../messages/insert.ts';
import { modelOf } from '../messages/view-sql.ts';
import type { AttachmentDraft } from './uploads.ts';

/** The message the attachments belong to. */
interface OwningMessage {
  id: number;
  accountId: number;
  createdAt: Date;
}

/**
 * Inserts the attachments (with the message's creation time) and their
 * blobs; returns the rows as Prisma reads them, in the order given.
 */
export async function insertAttachments(
  sql: RawSql,
  message: OwningMessage,
  drafts: readonly AttachmentDraft[],
): Promise<Attachment[]> {
  if (drafts.length === 0) return [];
  const at = message.createdAt;
  const rows = drafts.map(
    (d) => Prisma.sql`(${message.accountId}, ${message.id}, ${d.fileType}::"AttachmentFileType", ${d.fileName}, ${d.contentType},
      ${d.byteSize}, ${d.width}::int, ${d.height}::int, ${d.extension}, ${d.token}, ${at}::timestamptz, ${at}::timestamptz)`,
  );
  // Bytes travel as base64 text: PGlite takes a bytea parameter about ten times slower (5 MB: 0.8 s against 0.09 s).
  const blobs = drafts.map((d) => Prisma.sql`(${d.token}, decode(${d.data.toString('base64')}, 'base64'))`);
  const written = await sql.rows<{ attachment: Record<string, unknown> }>(writes('attachments', 'attachment_blobs')`
    WITH written AS (
      INSERT INTO attachments (account_id, message_id, file_type, file_name, content_type, byte_size, width, height,
        extension, token, created_at, updated_at)
      VALUES ${Prisma.join(rows)}
      RETURNING *
    ), blobs AS (
      INSERT INTO attachment_blobs (attachment_id, data)
      SELECT written.id, bytes.data FROM written JOIN (VALUES ${Prisma.join(blobs)}) AS bytes (token, data) ON bytes.token = written.token
    )
    SELECT to_jsonb(written) AS attachment FROM written ORDER BY written.id`);
  return written.map((row) => modelOf<Attachment>(row.attachment)!);
}

/** The written message with its attachments stored beside it; unchanged (no statement) when there are none. */
export async function withAttachments(
  sql: RawSql,
  accountId: number,
  written: WrittenMessage,
  drafts: readonly AttachmentDraft[],
): Promise<WrittenMessage> {
  if (drafts.length === 0) return written;
  const attachments = await insertAttachments(sql, { id: written.id, accountId, createdAt: written.createdAt }, drafts);
  return { ...written, attachments };
}
