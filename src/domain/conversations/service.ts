/**
 * Conversations (spec/API.md §3.5, Client API §5.2): creation with gap-free
 * per-account display ids, lists and counts, and every change an agent, an
 * agent bot or a contact can make. The rules of each verb live beside this
 * file (list, status, assignment, attributes, activity); who reaches a
 * conversation is access/rules.ts `conversationsReachedBy`. Methods take the
 * conversation's database id (REST resolves the display id once, GraphQL
 * decodes the global id); this class loads the conversation the caller
 * reaches (access.ts `loadReachableConversation`), runs the verb in one
 * transaction with its events, and returns the saved row.
 */
import { z } from 'zod';
import type { ContactPrincipal } from '../principal.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import type { Emit, Outbox } from '../../events/outbox.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Conversation } from '../../generated/prisma/client.ts';
import { loadAccessibleInbox, performerOf, type AccountActor } from '../actor.ts';
import type { ContactService } from '../contacts/service.ts';
import { createMessageInput, type MessageService } from '../messages/service.ts';
import { jsonObject, LIMITS, parseInput, type RawInput } from '../validation.ts';
import { conversationsReachedBy } from '../access/rules.ts';
import { emitConversationChanges } from './changes.ts';
import { parseWireTime } from '../wire-time.ts';
import { loadReachableConversation, lockConversationRow } from './access.ts';
import { newConversationTarget } from '../messages/target.ts';
import { accountMemberId, accountTeamId, openConversation, resolveContactInbox } from './creation.ts';
import { markSeenByAgent, markSeenByContact, markUnread, setTyping, setTypingInput, type SetTypingInput } from './activity.ts';
import { assign, assignConversationInput, type AssignConversationInput } from './assignment.ts';
import {
  setCustomAttributes,
  setCustomAttributesInput,
  setLabels,
  setLabelsInput,
  type SetCustomAttributesInput,
  type SetLabelsInput,
} from './attributes.ts';
import {
  assigneeCountRules,
  conversationListOrder,
  conversationListOrdering,
  conversationListRule,
  conversationListWhere,
  listConversationsInput,
  type ListConversationsInput,
} from './list.ts';
import {
  mute,
  toggleStatus,
  toggleStatusInput,
  unmute,
  updatePriority,
  updatePriorityInput,
  type ToggleStatusInput,
  type UpdatePriorityInput,
} from './status.ts';
import { loadConversationViews } from './view.ts';
import { countTabs, loadConversationPage, loadConversationViewPage, type PageRequest } from './page.ts';

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

/** What a contact may set on a conversation they start (Client API: `custom_attributes` only). */
export const startConversationInput = z.object({ customAttributes: jsonObject().default({}) });
export type StartConversationInput = z.input<typeof startConversationInput>;

/** Conversations per REST page (`CONVERSATION_RESULTS_PER_PAGE`). */
export const CONVERSATIONS_PER_PAGE = 25;


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
   * With `message`, an outgoing message from the caller is added. Returns
   * the conversation.
   */
  async create(actor: AccountActor, raw: RawInput<CreateConversationInput>): Promise<Conversation> {
    const input = parseInput(createConversationInput, raw);
    return this.outbox.transaction(async (tx, emit, sql) => {
        const contactInbox = await resolveContactInbox(tx, this.contacts, actor, input);
        const inbox = await loadAccessibleInbox(tx, actor, contactInbox.inboxId);
        const assigneeId = input.assigneeId ? await accountMemberId(tx, actor.accountId, input.assigneeId) : null;
        const teamId = input.teamId ? await accountTeamId(tx, actor.accountId, input.teamId) : null;
        const { conversation, created } = await openConversation(tx, emit, performerOf(actor), inbox, contactInbox, {
          status: input.status,
          assigneeId,
          teamId,
          snoozedUntil: parseWireTime(input.snoozedUntil) ?? null,
          additionalAttributes: input.additionalAttributes,
          customAttributes: input.customAttributes,
        });
        if (created && input.message) {
          const message = parseInput(createMessageInput, { ...input.message, messageType: 'outgoing' });
          const target = await newConversationTarget(sql, conversation, inbox.channelType);
          await this.messages.createInTransaction({ sql, emit }, actor, target, message);
        }
        return conversation;
      });
  }

  /**
   * A contact starts a conversation in their own contact inbox (Client API
   * `POST .../conversations`): default status, their custom attributes, the
   * inbox's single-conversation lock respected. Returns the conversation.
   */
  async start(contact: ContactPrincipal, raw: RawInput<StartConversationInput>): Promise<Conversation> {
    const input = parseInput(startConversationInput, raw);
    return this.outbox.transaction(async (tx, emit) => {
      const contactInbox = await tx.contactInbox.findUniqueOrThrow({ where: { id: contact.contactInboxId } });
      const inbox = await tx.inbox.findUniqueOrThrow({ where: { id: contactInbox.inboxId } });
      const performer: Performer = { type: 'Contact', id: contact.contactId };
      const { conversation } = await openConversation(tx, emit, performer, inbox, contactInbox, {
        additionalAttributes: {},
        customAttributes: input.customAttributes,
      });
      return conversation;
    });
  }

  /** The view (view.ts) of the conversation with this id, if the actor reaches it. */
  async get(actor: AccountActor, conversationId: number) {
    await loadReachableConversation(this.db, actor, conversationId);
    const [view] = await loadConversationViews(this.db, actor.accountId, [conversationId]);
    // Deleted in between: as absent as before.
    if (!view) throw new NotFoundError('Conversation');
    return view;
  }

  /** The `where` and `orderBy` of a filtered list, for a paginated query. */
  listQuery(actor: AccountActor, raw: RawInput<ListConversationsInput>) {
    const filters = parseInput(listConversationsInput, raw);
    return { where: conversationListWhere(actor, filters), orderBy: conversationListOrder(filters.sortBy) };
  }

  /**
   * A page of a filtered list as one planned statement (page.ts), with what
   * `request` asks of each row; undefined when its selections cannot be
   * planned (the caller then reads with `listQuery`).
   */
  plannedPage(actor: AccountActor, raw: RawInput<ListConversationsInput>, request: PageRequest) {
    const filters = parseInput(listConversationsInput, raw);
    return loadConversationPage(this.db, conversationListRule(actor, filters), conversationListOrdering(filters.sortBy), request);
  }

  /** One REST page (25) of a filtered list, as views (page.ts: one planned statement). */
  list(actor: AccountActor, raw: RawInput<ListConversationsInput>, page = 1) {
    const filters = parseInput(listConversationsInput, raw);
    const window = { take: CONVERSATIONS_PER_PAGE, skip: (Math.max(1, Math.floor(page)) - 1) * CONVERSATIONS_PER_PAGE };
    return loadConversationViewPage(this.db, actor.accountId, conversationListRule(actor, filters), conversationListOrdering(filters.sortBy), window);
  }

  /** The REST `meta` counts (mine, assigned, unassigned, all) under the same filters. */
  async counts(actor: AccountActor, raw: RawInput<ListConversationsInput>) {
    const { base, tabs } = assigneeCountRules(actor, parseInput(listConversationsInput, raw));
    return countTabs(this.db, base, tabs);
  }

  /** Sets the status (toggle without one); see status.ts for the rules. */
  toggleStatus(actor: AccountActor, conversationId: number, raw: RawInput<ToggleStatusInput>) {
    const input = parseInput(toggleStatusInput, raw);
    return this.change(actor, conversationId, (tx, emit, c) => toggleStatus(tx, emit, actor, c, input));
  }

  /** Sets or clears the priority. */
  updatePriority(actor: AccountActor, conversationId: number, raw: RawInput<UpdatePriorityInput>) {
    const input = parseInput(updatePriorityInput, raw);
    return this.change(actor, conversationId, (tx, emit, c) => updatePriority(tx, emit, actor, c, input));
  }

  /** Assigns an agent, an agent bot or a team (null unassigns). */
  assign(actor: AccountActor, conversationId: number, raw: RawInput<AssignConversationInput>) {
    const input = parseInput(assignConversationInput, raw);
    return this.change(actor, conversationId, (tx, emit, c) => assign(tx, emit, actor, c, input));
  }

  /** Replaces the labels. */
  setLabels(actor: AccountActor, conversationId: number, raw: RawInput<SetLabelsInput>) {
    const input = parseInput(setLabelsInput, raw);
    return this.change(actor, conversationId, (tx, emit, c) => setLabels(tx, emit, actor, c, input));
  }

  /** Replaces the custom attributes. */
  setCustomAttributes(actor: AccountActor, conversationId: number, raw: RawInput<SetCustomAttributesInput>) {
    const input = parseInput(setCustomAttributesInput, raw);
    return this.change(actor, conversationId, (tx, emit, c) => setCustomAttributes(tx, emit, actor, c, input));
  }

  /** Resolves the conversation and blocks its contact. */
  mute(actor: AccountActor, conversationId: number) {
    return this.change(actor, conversationId, (tx, emit, c) => mute(tx, emit, actor, c));
  }

  /** Unblocks the conversation's contact. */
  unmute(actor: AccountActor, conversationId: number) {
    return this.change(actor, conversationId, (tx, emit, c) => unmute(tx, emit, actor, c));
  }

  /** An agent or bot starts or stops typing (on or off, possibly a private note). */
  async setTyping(actor: AccountActor, conversationId: number, raw: RawInput<SetTypingInput>) {
    const input = parseInput(setTypingInput, raw);
    return this.change(actor, conversationId, async (_tx, emit, c) => {
      await setTyping(emit, performerOf(actor), c, input);
      return c;
    });
  }

  /**
   * A contact starts or stops typing in their own conversation (never
   * private). Like Chatwoot's Client API, a `typingStatus` other than on or
   * off announces nothing (the conversation must still be theirs).
   */
  async setTypingByContact(contact: ContactPrincipal, conversationId: number, raw: RawInput<SetTypingInput>) {
    const input = setTypingInput.safeParse(raw);
    return this.outbox.transaction(async (tx, emit) => {
      const { inbox: _inbox, ...conversation } = await loadReachableConversation(tx, contact, conversationId);
      if (input.success) await setTyping(emit, { type: 'Contact', id: contact.contactId }, conversation, input.data);
      return conversation;
    });
  }

  /** The caller has read the conversation (agent side; no event). */
  async markSeen(actor: AccountActor, conversationId: number): Promise<Conversation> {
    const conversation = await loadReachableConversation(this.db, actor, conversationId);
    return markSeenByAgent(this.db, actor, conversation);
  }

  /** The contact has read their conversation; their messages from agents become read. */
  markSeenByContact(contact: ContactPrincipal, conversationId: number): Promise<Conversation> {
    return this.outbox.transaction(async (tx, emit) =>
      markSeenByContact(tx, emit, contact, await loadReachableConversation(tx, contact, conversationId)),
    );
  }

  /** Marks the conversation unread for the agents (no event). */
  async markUnread(actor: AccountActor, conversationId: number): Promise<Conversation> {
    const conversation = await loadReachableConversation(this.db, actor, conversationId);
    return markUnread(this.db, conversation);
  }

  /** Runs a change on the conversation the actor may reach, in one transaction with its events. */
  private change(
    actor: AccountActor,
    conversationId: number,
    work: (tx: Tx, emit: Emit, conversation: Conversation) => Promise<Conversation>,
  ): Promise<Conversation> {
    return this.outbox.transaction(async (tx, emit) => {
      await lockConversationRow(tx, conversationId);
      const { inbox: _inbox, ...conversation } = await loadReachableConversation(tx, actor, conversationId);
      return work(tx, emit, conversation);
    });
  }

  /**
   * The contact resolves their conversation (Client API `toggle_status`):
   * only ever open → resolved, recorded as the contact's doing; an already
   * resolved conversation is left as it is.
   */
  resolveByContact(contact: ContactPrincipal, conversationId: number): Promise<Conversation> {
    return this.outbox.transaction(async (tx, emit) => {
      await lockConversationRow(tx, conversationId);
      const { inbox: _inbox, ...conversation } = await loadReachableConversation(tx, contact, conversationId);
      if (conversation.status === 'resolved') return conversation;
      const after = await tx.conversation.update({
        where: { id: conversation.id },
        data: { status: 'resolved', snoozedUntil: null },
      });
      await emitConversationChanges(emit, conversation, after, { type: 'Contact', id: contact.contactId });
      return after;
    });
  }

  /** The ids of the conversations the contact's session reaches (`conversationsReachedBy`), oldest first. */
  async idsReachedBy(contact: ContactPrincipal): Promise<number[]> {
    const rows = await this.db.conversation.findMany({
      where: conversationsReachedBy(contact).where,
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /** The id of a conversation the contact's session reaches, or NotFound. */
  async idReachedBy(contact: ContactPrincipal, conversationId: number): Promise<number> {
    return (await loadReachableConversation(this.db, contact, conversationId)).id;
  }
}
