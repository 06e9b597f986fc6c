/**
 * Reading conversations as the Client API shows them (`PublicConversation`):
 * with their contact and every message the contact may see (access/rules.ts
 * `chatMessages`), ascending. The caller has checked the session reaches them.
 */
import type { ContactPrincipal } from '../principal.ts';
import type { PrismaClient } from '../../db.ts';
import type { Contact, Conversation } from '../../generated/prisma/client.ts';
import { messageViewInclude, type MessageView } from '../messages/presenter.ts';
import { chatMessages } from '../access/rules.ts';

export type PublicConversationView = Conversation & { contact: Contact; messages: MessageView[] };

/** The conversations with these ids, in the order given, for a contact's session. */
export async function loadPublicConversations(
  db: PrismaClient,
  session: ContactPrincipal,
  ids: number[],
): Promise<PublicConversationView[]> {
  if (ids.length === 0) return [];
  const rows = await db.conversation.findMany({
    where: { id: { in: ids }, accountId: session.accountId },
    include: {
      contact: true,
      messages: {
        where: chatMessages.where,
        orderBy: { id: 'asc' },
        include: messageViewInclude(session.accountId),
      },
    },
  });
  const byId = new Map(rows.map((row) => [row.id, row as unknown as PublicConversationView]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
