/**
 * Messages: creation rules (spec/API.md §3.6) and listing windows.
 */
import { z } from 'zod';
import type { PrismaClient, Tx } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Emit, Outbox } from '../../events/outbox.ts';
import type { Conversation, Inbox, MessageType } from '../../generated/prisma/client.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { loadAccessibleConversation } from '../conversations/access.ts';
import { LIMITS, jsonObject, parseInput, type RawInput } from '../validation.ts';
import { parseWireTime } from '../wire-time.ts';
import { messageViewInclude, type MessageView } from './presenter.ts';

/** Messages a conversation may receive in one minute before "Too many messages" (Chatwoot's default). */
export const MESSAGES_PER_MINUTE_LIMIT = 200;

export const REOPENED_BY_INCOMING = 'System reopened the conversation due to a new incoming message.';

export const createMessageInput = z.object({
  content: z.string().max(LIMITS.messageContent).nullish(),
  messageType: z.enum(['incoming', 'outgoing', 'activity', 'template']).default('outgoing'),
  private: z.boolean().default(false),
  contentType: z
    .enum([
      'text', 'input_text', 'input_textarea', 'input_email', 'input_select', 'cards', 'form', 'article',
      'incoming_email', 'input_csat', 'integrations', 'sticker', 'voice_call',
    ])
    .default('text'),
  contentAttributes: jsonObject().default({}),
  echoId: z.string().max(LIMITS.string).optional(),
  sourceId: z.string().max(LIMITS.text).nullish(),
  externalCreatedAt: z.unknown().optional(),
  /** Attribute an outgoing message to an agent bot of the account. */
  senderAgentBotId: z.number().int().optional(),
});
export type CreateMessageInput = z.input<typeof createMessageInput>;

export interface MessageWindow {
  before?: number;
  after?: number;
}

export class MessageService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /** Creates a message in the conversation with this display id. */
  async create(actor: AccountActor, displayId: number, raw: RawInput<CreateMessageInput>) {
    const input = parseInput(createMessageInput, raw);
    const conversation = await loadAccessibleConversation(this.db, actor, displayId);
    return this.outbox.transaction(async (tx, emit) => {
      const id = await this.createInTransaction(tx, emit, actor, conversation, input);
      return this.loadView(tx, actor.accountId, id);
    });
  }

  /**
   * Writes a message and its effects on the conversation inside a running
   * transaction; returns the new message's id.
   */
  async createInTransaction(
    tx: Tx,
    emit: Emit,
    actor: AccountActor,
    conversation: Conversation & { inbox: Inbox },
    input: z.output<typeof createMessageInput>,
  ): Promise<number> {
    if (input.messageType === 'incoming' && conversation.inbox.channelType !== 'Channel::Api')
      throw ValidationError.rule('message_type', 'Incoming messages are only allowed in Api inboxes');
    const recent = await tx.message.count({
      where: { conversationId: conversation.id, createdAt: { gte: new Date(Date.now() - 60_000) } },
    });
    if (recent >= MESSAGES_PER_MINUTE_LIMIT) throw ValidationError.of('base', 'Too many messages');

    const sender = await this.senderOf(tx, actor, conversation, input);
    const externalCreatedAt = parseWireTime(input.externalCreatedAt);
    const contentAttributes = {
      ...input.contentAttributes,
      ...(externalCreatedAt ? { external_created_at: Math.floor(externalCreatedAt.getTime() / 1000) } : {}),
    };
    const message = await tx.message.create({
      data: {
        accountId: conversation.accountId,
        inboxId: conversation.inboxId,
        conversationId: conversation.id,
        messageType: input.messageType,
        contentType: input.contentType,
        content: input.content ?? null,
        contentAttributes,
        private: input.private,
        sourceId: input.sourceId ?? null,
        ...sender,
      },
    });
    await emit(
      conversation.accountId,
      'message.created',
      {
        messageId: message.id,
        conversationId: conversation.id,
        inboxId: conversation.inboxId,
        messageType: message.messageType,
        private: message.private,
        ...(input.echoId !== undefined ? { echoId: input.echoId } : {}),
      },
      performerOf(actor),
    );
    await this.applyToConversation(tx, emit, actor, conversation, input.messageType, input.private, message.createdAt);
    return message.id;
  }

  /** Outgoing messages come from the caller (or the named bot); every other type from the contact. */
  private async senderOf(
    tx: Tx,
    actor: AccountActor,
    conversation: Conversation,
    input: z.output<typeof createMessageInput>,
  ) {
    if (input.messageType !== 'outgoing')
      return { senderType: 'Contact' as const, senderContactId: conversation.contactId };
    if (input.senderAgentBotId !== undefined) {
      const bot = await tx.agentBot.findFirst({
        where: {
          id: input.senderAgentBotId,
          OR: [{ accountId: conversation.accountId }, { inboxes: { some: { accountId: conversation.accountId } } }],
        },
      });
      if (!bot) throw new NotFoundError('AgentBot');
      return { senderType: 'AgentBot' as const, senderAgentBotId: bot.id };
    }
    return actor.kind === 'user'
      ? { senderType: 'User' as const, senderUserId: actor.userId }
      : { senderType: 'AgentBot' as const, senderAgentBotId: actor.agentBotId };
  }

  /** Activity, waiting time, first reply, and reopening on a new incoming message. */
  private async applyToConversation(
    tx: Tx,
    emit: Emit,
    actor: AccountActor,
    conversation: Conversation,
    messageType: MessageType,
    isPrivate: boolean,
    at: Date,
  ) {
    const humanReply = messageType === 'outgoing' && !isPrivate && actor.kind === 'user';
    const reopen =
      messageType === 'incoming' && (conversation.status === 'resolved' || conversation.status === 'snoozed');
    const activeBot = reopen
      ? await tx.agentBotInbox.findFirst({ where: { inboxId: conversation.inboxId, status: 'active' } })
      : null;
    const newStatus = reopen ? (activeBot ? 'pending' : 'open') : undefined;
    await tx.conversation.update({
      where: { id: conversation.id },
      data: {
        ...(messageType !== 'activity' ? { lastActivityAt: at } : {}),
        ...(messageType === 'incoming' && !conversation.waitingSince ? { waitingSince: at } : {}),
        ...(humanReply ? { waitingSince: null } : {}),
        ...(humanReply && !conversation.firstReplyCreatedAt ? { firstReplyCreatedAt: at } : {}),
        ...(newStatus ? { status: newStatus, snoozedUntil: null } : {}),
      },
    });
    if (!newStatus) return;
    const activity = await tx.message.create({
      data: {
        accountId: conversation.accountId,
        inboxId: conversation.inboxId,
        conversationId: conversation.id,
        messageType: 'activity',
        content: REOPENED_BY_INCOMING,
      },
    });
    const ids = { conversationId: conversation.id, inboxId: conversation.inboxId };
    await emit(conversation.accountId, 'message.created', {
      messageId: activity.id,
      ...ids,
      messageType: 'activity',
      private: false,
    });
    await emit(conversation.accountId, 'conversation.status_changed', ids);
    await emit(conversation.accountId, 'conversation.updated', {
      ...ids,
      changedAttributes: [{ status: { previous_value: conversation.status, current_value: newStatus } }],
    });
  }

  /**
   * Messages of a conversation, ascending: the latest 20; 20 before `before`;
   * up to 100 after `after`; both: ids in [after, before), up to 1000.
   */
  async list(actor: AccountActor, displayId: number, window: MessageWindow) {
    const accessible = await loadAccessibleConversation(this.db, actor, displayId);
    const conversation = await this.db.conversation.findUniqueOrThrow({
      where: { id: accessible.id },
      include: { contact: true, assignee: { include: { accountUsers: { where: { accountId: actor.accountId } } } } },
    });
    const { before, after } = window;
    const idFilter =
      before !== undefined && after !== undefined
        ? { gte: after, lt: before }
        : before !== undefined
          ? { lt: before }
          : after !== undefined
            ? { gt: after }
            : undefined;
    const take = before !== undefined && after !== undefined ? 1000 : after !== undefined ? 100 : 20;
    const newestFirst = after === undefined;
    const rows = await this.db.message.findMany({
      where: { conversationId: conversation.id, ...(idFilter ? { id: idFilter } : {}) },
      orderBy: { id: newestFirst ? 'desc' : 'asc' },
      take,
      include: messageViewInclude(actor.accountId),
    });
    const messages = (newestFirst ? rows.reverse() : rows) as MessageView[];
    return { conversation, messages };
  }

  loadView(db: Tx | PrismaClient, accountId: number, messageId: number): Promise<MessageView> {
    return db.message.findUniqueOrThrow({
      where: { id: messageId },
      include: messageViewInclude(accountId),
    }) as Promise<MessageView>;
  }
}
