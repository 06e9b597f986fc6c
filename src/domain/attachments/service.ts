/**
 * Reading attachments: a conversation's list (spec/API.md §3.5) and a file's
 * bytes by its download token. The list takes the conversation's database
 * id and checks who reaches it (conversations/access.ts, access/rules.ts).
 * Writing happens with the message (MessageService,
 * src/domain/attachments/insert.ts); soft deletion removes them with the
 * message's content.
 */
import type { PrismaClient } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { AccountActor } from '../actor.ts';
import { loadReachableConversation } from '../conversations/access.ts';
import { messageSenderInclude } from '../messages/presenter.ts';

/** Chatwoot's page size of the conversation attachment list. */
export const ATTACHMENTS_PER_PAGE = 100;

/** A stored file as the download route serves it. */
export interface AttachmentFile {
  fileName: string;
  contentType: string;
  fileType: string;
  data: Buffer;
}

export class AttachmentService {
  constructor(private readonly db: PrismaClient) {}

  /**
   * The attachments of a conversation (by database id) the caller reaches
   * (NotFound / Forbidden as for the conversation), newest first, 100 a page (pages
   * from 1), with each one's message sender; and how many there are.
   */
  async listForConversation(actor: AccountActor, conversationId: number, page = 1) {
    const conversation = await loadReachableConversation(this.db, actor, conversationId);
    const where = { accountId: actor.accountId, message: { conversationId: conversation.id } };
    const [totalCount, attachments] = await Promise.all([
      this.db.attachment.count({ where }),
      this.db.attachment.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: (Math.max(page, 1) - 1) * ATTACHMENTS_PER_PAGE,
        take: ATTACHMENTS_PER_PAGE,
        include: { message: { select: { createdAt: true, ...messageSenderInclude(actor.accountId) } } },
      }),
    ]);
    return { totalCount, attachments };
  }

  /**
   * The file behind a download token; NotFound for a token no attachment
   * has. The bytes are read as base64 text: PGlite hands bytea back about
   * twenty times slower.
   */
  async download(token: string): Promise<AttachmentFile> {
    const [file] = await this.db.$queryRaw<{ file_name: string; content_type: string; file_type: string; data: string }[]>`
      SELECT a.file_name, a.content_type, a.file_type::text AS file_type, encode(b.data, 'base64') AS data
      FROM attachments a JOIN attachment_blobs b ON b.attachment_id = a.id
      WHERE a.token = ${token}`;
    if (!file) throw new NotFoundError('Attachment');
    return { fileName: file.file_name, contentType: file.content_type, fileType: file.file_type, data: Buffer.from(file.data, 'base64') };
  }
}
