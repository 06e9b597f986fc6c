/**
 * Saving a change to a message the way Chatwoot's `after_update_commit`
 * announces it: only attributes that differ are written, and only a real
 * change emits `message.updated`, with Rails-style previous changes
 * (`{"status": ["sent", "read"], "updated_at": [...]}`, spec/EVENTS.md §2.5).
 */
import type { Tx } from '../../db.ts';
import type { EventDataMap, Performer } from '../../events/catalogue.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Message, Prisma } from '../../generated/prisma/client.ts';
import { isoTime } from '../wire-time.ts';

/** The attributes a message change may touch, with their column names. */
const COLUMNS = {
  status: 'status',
  content: 'content',
  contentType: 'content_type',
  contentAttributes: 'content_attributes',
} as const;

export type MessageChange = Partial<Pick<Message, 'status' | 'content' | 'contentType'>> & {
  contentAttributes?: Record<string, unknown>;
};

/**
 * Writes what differs in `next` and emits `message.updated` (with `facts`
 * added to its data); does nothing when nothing differs.
 */
export async function saveMessageChanges(
  tx: Tx,
  emit: Emit,
  performer: Performer | undefined,
  message: Message,
  next: MessageChange,
  facts: Pick<EventDataMap['message.updated'], 'deliveryOutcome'> = {},
) {
  const previousChanges: Record<string, [unknown, unknown]> = {};
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof typeof COLUMNS)[]) {
    const before = message[key];
    const after = next[key];
    if (after === undefined || JSON.stringify(before) === JSON.stringify(after)) continue;
    previousChanges[COLUMNS[key]] = [before, after];
    data[key] = after;
  }
  if (Object.keys(previousChanges).length === 0) return;
  const updated = await tx.message.update({ where: { id: message.id }, data: data as Prisma.MessageUpdateInput });
  previousChanges.updated_at = [isoTime(message.updatedAt), isoTime(updated.updatedAt)];
  await emit(
    message.accountId,
    'message.updated',
    {
      messageId: message.id,
      conversationId: message.conversationId,
      inboxId: message.inboxId,
      messageType: message.messageType,
      private: message.private,
      previousChanges,
      ...facts,
    },
    performer,
  );
}
