/**
 * Opening conversations (spec/API.md §3.5 `POST /conversations`, §5.2 the
 * Client API's): the contact inbox, the status defaults, the inbox's
 * single-conversation lock, and gap-free per-account display ids.
 */
import type { Tx } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Emit } from '../../events/outbox.ts';
import type { ContactInbox, Conversation, Inbox } from '../../generated/prisma/client.ts';
import type { AccountActor } from '../actor.ts';
import type { ContactService } from '../contacts/service.ts';

export interface NewConversation {
  status?: Conversation['status'];
  assigneeId?: number | null;
  teamId?: number | null;
  snoozedUntil?: Date | null;
  additionalAttributes: object;
  customAttributes: object;
}

/** Takes the account's next display id under its row lock: unique and gap-free across instances. */
async function nextDisplayId(tx: Tx, accountId: number): Promise<number> {
  const account = await tx.account.update({
    where: { id: accountId },
    data: { lastConversationDisplayId: { increment: 1 } },
    select: { lastConversationDisplayId: true },
  });
  return account.lastConversationDisplayId;
}

/**
 * Opens a conversation in a contact inbox, or returns the last one when the
 * inbox is locked to a single conversation. Status defaults: resolved for a
 * blocked contact, pending with an active bot, else open. Emits
 * `conversation.created`.
 */
export async function openConversation(
  tx: Tx,
  emit: Emit,
  performer: Performer,
  inbox: Inbox,
  contactInbox: ContactInbox,
  values: NewConversation,
): Promise<{ conversation: Conversation; created: boolean }> {
  if (inbox.lockToSingleConversation) {
    const last = await tx.conversation.findFirst({ where: { contactInboxId: contactInbox.id }, orderBy: { id: 'desc' } });
    if (last) return { conversation: last, created: false };
  }
  const contact = await tx.contact.findUniqueOrThrow({ where: { id: contactInbox.contactId } });
  const activeBot = await tx.agentBotInbox.findFirst({ where: { inboxId: inbox.id, status: 'active' } });
  const status = values.status ?? (contact.blocked ? 'resolved' : activeBot ? 'pending' : 'open');
  const conversation = await tx.conversation.create({
    data: {
      accountId: inbox.accountId,
      displayId: await nextDisplayId(tx, inbox.accountId),
      inboxId: inbox.id,
      contactId: contact.id,
      contactInboxId: contactInbox.id,
      status,
      assigneeId: values.assigneeId ?? null,
      teamId: values.teamId ?? null,
      snoozedUntil: status === 'snoozed' ? (values.snoozedUntil ?? null) : null,
      additionalAttributes: values.additionalAttributes,
      customAttributes: values.customAttributes,
    },
  });
  await emit(inbox.accountId, 'conversation.created', { conversationId: conversation.id, inboxId: inbox.id }, performer);
  return { conversation, created: true };
}

/**
 * The contact inbox a staff-created conversation goes to: found or created
 * from `inboxId` + `contactId`, or found by `sourceId` alone.
 */
export async function resolveContactInbox(
  tx: Tx,
  contacts: ContactService,
  actor: AccountActor,
  input: { inboxId?: number; contactId?: number; sourceId?: string | null; hmacVerified?: boolean },
): Promise<ContactInbox> {
  if (input.inboxId !== undefined && input.contactId !== undefined) {
    const inbox = await tx.inbox.findFirst({ where: { id: input.inboxId, accountId: actor.accountId } });
    if (!inbox) throw new NotFoundError('Inbox');
    const contact = await tx.contact.findFirst({ where: { id: input.contactId, accountId: actor.accountId } });
    if (!contact) throw new NotFoundError('Contact');
    return contacts.createContactInbox(tx, contact.id, inbox, input.sourceId, input.hmacVerified ?? false);
  }
  const contactInbox = await tx.contactInbox.findFirst({
    where: { sourceId: input.sourceId!, accountId: actor.accountId },
    orderBy: { id: 'asc' },
  });
  if (!contactInbox) throw new NotFoundError('ContactInbox');
  return contactInbox;
}

/** The user id of a member of the account, or NotFound. */
export async function accountMemberId(tx: Tx, accountId: number, userId: number): Promise<number> {
  const member = await tx.accountUser.findUnique({ where: { accountId_userId: { accountId, userId } } });
  if (!member) throw new NotFoundError('User');
  return userId;
}

/** A team of the account, or NotFound. */
export async function accountTeamId(tx: Tx, accountId: number, teamId: number): Promise<number> {
  const team = await tx.team.findFirst({ where: { id: teamId, accountId } });
  if (!team) throw new NotFoundError('Team');
  return teamId;
}
