/**
 * Conversations: creation (spec/API.md §3.5) with gap-free per-account display ids.
 */
import { z } from 'zod';
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Outbox } from '../../events/outbox.ts';
import { loadAccessibleInbox, performerOf, type AccountActor } from '../actor.ts';
import type { ContactService } from '../contacts/service.ts';
import { createMessageInput, type MessageService } from '../messages/service.ts';
import { jsonObject, LIMITS, parseInput, type RawInput } from '../validation.ts';
import { parseWireTime } from '../wire-time.ts';
import { loadAccessibleConversation } from './access.ts';
import { loadConversationView } from './view.ts';

export const createConversationInput = z
  .object({
    sourceId: z.string().max(LIMITS.text).nullish(),
    inboxId: z.number().int().optional(),
    contactId: z.number().int().optional(),
    hmacVerified: z.boolean().optional(),
    status: z.enum(['open', 'resolved', 'pending', 'snoozed']).optional(),
    assigneeId: z.number().int().nullish(),
    teamId: z.number().int().nullish(),
    snoozedUntil: z.unknown().optional(),
    additionalAttributes: jsonObject().default({}),
    customAttributes: jsonObject().default({}),
    message: createMessageInput.partial({ messageType: true }).optional(),
  })
  .refine((input) => input.sourceId || (input.inboxId !== undefined && input.contactId !== undefined), {
    message: 'needs either source_id, or inbox_id and contact_id',
    path: ['source_id'],
  });
export type CreateConversationInput = z.input<typeof createConversationInput>;

export class ConversationService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
    private readonly contacts: ContactService,
    private readonly messages: MessageService,
  ) {}

  /**
   * Creates a conversation for a contact inbox, found by `sourceId` alone or
   * found-or-created from `inboxId` + `contactId`. With an inbox locked to a
   * single conversation, the contact inbox's last conversation is returned.
   */
  async create(actor: AccountActor, raw: RawInput<CreateConversationInput>) {
    const input = parseInput(createConversationInput, raw);
    return this.outbox.transaction(async (tx, emit) => {
      const contactInbox = await this.resolveContactInbox(tx, actor, input);
      const inbox = await loadAccessibleInbox(tx, actor, contactInbox.inboxId);
      if (inbox.lockToSingleConversation) {
        const last = await tx.conversation.findFirst({
          where: { contactInboxId: contactInbox.id },
          orderBy: { id: 'desc' },
          select: { id: true },
        });
        if (last) return last.id;
      }
      const contact = await tx.contact.findUniqueOrThrow({ where: { id: contactInbox.contactId } });
      const activeBot = await tx.agentBotInbox.findFirst({ where: { inboxId: inbox.id, status: 'active' } });
      const status = input.status ?? (contact.blocked ? 'resolved' : activeBot ? 'pending' : 'open');
      const assigneeId = input.assigneeId ? await this.accountUserId(tx, actor.accountId, input.assigneeId) : null;
      const teamId = input.teamId ? await this.teamId(tx, actor.accountId, input.teamId) : null;
      const displayId = await this.nextDisplayId(tx, actor.accountId);
      const conversation = await tx.conversation.create({
        data: {
          accountId: actor.accountId,
          displayId,
          inboxId: inbox.id,
          contactId: contact.id,
          contactInboxId: contactInbox.id,
          status,
          assigneeId,
          teamId,
          snoozedUntil: status === 'snoozed' ? (parseWireTime(input.snoozedUntil) ?? null) : null,
          additionalAttributes: input.additionalAttributes as object,
          customAttributes: input.customAttributes as object,
        },
        include: { inbox: true },
      });
      const ids = { conversationId: conversation.id, inboxId: inbox.id };
      await emit(actor.accountId, 'conversation.created', ids, performerOf(actor));
      if (input.message) {
        const message = parseInput(createMessageInput, { ...input.message, messageType: 'outgoing' });
        await this.messages.createInTransaction(tx, emit, actor, conversation, message);
      }
      return conversation.id;
    }).then((id) => this.view(actor.accountId, id));
  }

  /** The conversation with this display id, if the actor may see it. */
  async get(actor: AccountActor, displayId: number) {
    const conversation = await loadAccessibleConversation(this.db, actor, displayId);
    return this.view(actor.accountId, conversation.id);
  }

  private async view(accountId: number, id: number) {
    const view = await loadConversationView(this.db, accountId, id);
    if (!view) throw new NotFoundError('Conversation');
    return view;
  }

  private async resolveContactInbox(tx: Tx, actor: AccountActor, input: z.output<typeof createConversationInput>) {
    if (input.inboxId !== undefined && input.contactId !== undefined) {
      const inbox = await tx.inbox.findFirst({ where: { id: input.inboxId, accountId: actor.accountId } });
      if (!inbox) throw new NotFoundError('Inbox');
      const contact = await tx.contact.findFirst({ where: { id: input.contactId, accountId: actor.accountId } });
      if (!contact) throw new NotFoundError('Contact');
      return this.contacts.createContactInbox(tx, contact.id, inbox, input.sourceId, input.hmacVerified ?? false);
    }
    const contactInbox = await tx.contactInbox.findFirst({
      where: { sourceId: input.sourceId!, accountId: actor.accountId },
      orderBy: { id: 'asc' },
    });
    if (!contactInbox) throw new NotFoundError('ContactInbox');
    return contactInbox;
  }

  /** Takes the account's next display id under its row lock: unique and gap-free across instances. */
  private async nextDisplayId(tx: Tx, accountId: number): Promise<number> {
    const account = await tx.account.update({
      where: { id: accountId },
      data: { lastConversationDisplayId: { increment: 1 } },
      select: { lastConversationDisplayId: true },
    });
    return account.lastConversationDisplayId;
  }

  private async accountUserId(tx: Tx, accountId: number, userId: number) {
    const member = await tx.accountUser.findUnique({ where: { accountId_userId: { accountId, userId } } });
    if (!member) throw new NotFoundError('User');
    return userId;
  }

  private async teamId(tx: Tx, accountId: number, teamId: number) {
    const team = await tx.team.findFirst({ where: { id: teamId, accountId } });
    if (!team) throw new NotFoundError('Team');
    return teamId;
  }
}
