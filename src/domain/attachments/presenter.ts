/**
 * Wire shapes of an attachment: `AttachmentPush` (spec/API.md §2.6,
 * `Attachment#push_event_data`), carried by every message shape that has
 * `attachments`, and the rows of `GET …/conversations/{id}/attachments`
 * (§3.5).
 */
import type { Attachment } from '../../generated/prisma/client.ts';
import { epochSeconds } from '../wire-time.ts';
import { attachmentUrl } from './links.ts';

/** The URL fields of a stored file: `thumb_url` is the image itself (no resizing), '' for anything else. */
export function attachmentUrls(attachment: Attachment) {
  const dataUrl = attachment.externalUrl ?? attachmentUrl(attachment.token, attachment.fileName);
  return { data_url: dataUrl, thumb_url: attachment.fileType === 'image' ? dataUrl : '' };
}

/** `AttachmentPush`: id, message, type and account, plus the file's metadata (audio adds `transcribed_text`). */
export function presentAttachment(attachment: Attachment) {
  const { data_url, thumb_url } = attachmentUrls(attachment);
  return {
    id: attachment.id,
    message_id: attachment.messageId,
    file_type: attachment.fileType,
    account_id: attachment.accountId,
    extension: attachment.extension,
    data_url,
    thumb_url,
    file_size: attachment.byteSize,
    width: attachment.width,
    height: attachment.height,
    ...(attachment.fileType === 'audio' ? { transcribed_text: '' } : {}),
  };
}

/**
 * A message's `attachments` entry, spread into its wire shape: the key is
 * present only when the message has attachments (Chatwoot's `if attachments.present?`).
 */
export function presentAttachments(attachments: readonly Attachment[] | undefined): { attachments?: ReturnType<typeof presentAttachment>[] } {
  return attachments && attachments.length > 0 ? { attachments: attachments.map(presentAttachment) } : {};
}

/** One row of the conversation's attachment list (§3.5), without its `sender` (the route adds the message's). */
export function presentListedAttachment(attachment: Attachment, messageCreatedAt: Date) {
  return {
    message_id: attachment.messageId,
    ...attachmentUrls(attachment),
    file_size: attachment.byteSize,
    file_type: attachment.fileType,
    extension: attachment.extension,
    width: attachment.width,
    height: attachment.height,
    created_at: epochSeconds(messageCreatedAt),
  };
}
