/**
 * Messages (spec/API.md §3.6, §5.2): creation by agents, bots and contacts,
 * delivery status reports, soft deletion, and the lists (one window,
 * window.ts). Conversations are named by database id; access is
 * access/rules.ts (`lockMessageTarget`, `loadReachableConversation`), and
 * what a contact sees is `chatMessages`. Writers return the message's id or
 * row; a caller that wants more reads it back in the writing transaction
 * (`ReadBack`, e.g. REST's `viewOfWritten`) or loads it afterwards.
 */
import { AUTH_MESSAGES, type ContactPrincipal } from '../principal.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Outbox } from '../../events/outbox.ts';
import { Prisma, type Message, type SenderType } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { withAttachments } from '../attachments/insert.ts';
import { prepareAttachments, type UploadedFile } from '../attachments/uploads.ts';
import { chatMessages } from '../access/rules.ts';
import { loadReachableConversation } from '../conversations/access.ts';
import { fitsIntegerColumn, parseInput, type RawInput } from '../validation.ts';
import { parseWireTime } from '../wire-time.ts';
import { saveMessageChanges } from './changes.ts';
import { contentAttributeProblems } from './content-attributes.ts';
import { announceReopening, conversationEffects, type EffectScope } from './effects.ts';
import { guardAgainstFlood } from './flood-guard.ts';
import { insertMessage, messageInsert, type WrittenMessage } from './insert.ts';
import {
  createMessageSchema,
  MESSAGE_STATUSES,
  sendMessageInput,
  updateMessageStatusInput,
  type CreateMessageFields,
  type CreateMessageInput,
  type MessageStatusName,
  type SendMessageInput,
  type UpdateMessageStatusInput,
} from './inputs.ts';
import { messageViewInclude, type MessageView } from './presenter.ts';
import { lockMessageTarget, type LockedTarget, type MessageTarget } from './target.ts';
import { submittedValuesInput, withSubmittedValues, type SubmittedValuesInput } from './submitted-values.ts';
import { contactMessageWindow, loadMessageWindow, restMessageWindow } from './window.ts';

export { createMessageInput, createMessageSchema, sendMessageInput, updateMessageStatusInput } from './inputs.ts';
export type { CreateMessageInput, SendMessageInput, UpdateMessageStatusInput } from './inputs.ts';
export { REOPENED_BY_INCOMING } from './effects.ts';
export { MESSAGES_PER_MINUTE_LIMIT } from './flood-guard.ts';

/** What a soft-deleted message says instead of its content. */
export const DELETED_CONTENT = 'This message was deleted';
export const STATUS_UPDATE_API_ONLY = 'Message status update is only allowed for API inboxes';

/** REST's list arguments (window.ts `restMessageWindow`). */
export interface MessageWindow {
  before?: number;
  after?: number;
  /** `filter_internal_messages`: leave out private notes and activity messages. */
  excludeInternal?: boolean;
}

/**
 * What a caller reads back of the message it wrote, inside the writing
 * transaction (REST's view: view-sql.ts `viewOfWritten`, no statement for a
 * contact's message); without one, a create returns the written message.
 */
export type ReadBack<T> = (sql: RawSql, target: LockedTarget, written: WrittenMessage) => Promise<T>;

/** A message about to be written, with who sends it and who caused it. */
interface Draft {
  fields: Pick<CreateMessageFields, 'content' | 'messageType' | 'private' | 'contentType' | 'contentAttributes' | 'echoId'> & {
    sourceId?: string | null;
    externalCreatedAt?: unknown;
  };
  sender: { senderType: SenderType; senderContactId?: number; senderUserId?: number; senderAgentBotId?: number };
  performer: Performer;
}

export class MessageService {
  constructor(
    private readonly db: PrismaClient,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Creates a message from an agent or bot in the conversation with this
   * database id, with its files (at most 15, checked before anything is
   * written); returns the written message, or what `readBack` reads of it
   * in the same transaction.
   */
  create(actor: AccountActor, conversationId: number, raw: RawInput<CreateMessageInput>, files?: readonly UploadedFile[]): Promise<WrittenMessage>;
  create<T>(
    actor: AccountActor,
    conversationId: number,
    raw: RawInput<CreateMessageInput>,
    files: readonly UploadedFile[] | undefined,
    readBack: ReadBack<T>,
  ): Promise<T>;
  async create<T>(
    actor: AccountActor,
    conversationId: number,
    raw: RawInput<CreateMessageInput>,
    files?: readonly UploadedFile[],
    readBack?: ReadBack<T>,
  ): Promise<T | WrittenMessage> {
    const input = parseInput(createMessageSchema, raw);
    const attachments = prepareAttachments(files);
    return this.outbox.rawTransaction(async (emit, sql) => {
      const target = await lockMessageTarget(sql, { actor }, conversationId);
      const written = await this.createInTransaction({ sql, emit }, actor, target, input);
      const stored = await withAttachments(sql, target.accountId, written, attachments);
      return readBack ? readBack(sql, target, stored) : stored;
    }, { numberInline: true }); // one account; the conversation is locked first (lockMessageTarget)
  }

  /**
   * Writes an agent's or bot's message and its effects on the conversation
   * inside a running transaction; returns the message written. Incoming
   * messages only in API inboxes; outgoing ones come from the caller (or the
   * named bot), every other type from the contact (Chatwoot's quirk).
   */
  async createInTransaction(
    scope: EffectScope,
    actor: AccountActor,
    target: MessageTarget,
    input: CreateMessageFields,
  ): Promise<WrittenMessage> {
    const problems = contentAttributeProblems(input.contentType, input.contentAttributes);
    if (problems.length > 0)
      throw new ValidationError(problems.map((p) => ({ path: ['contentAttributes'], message: `Content attributes ${p}` })));
    if (input.messageType === 'incoming' && target.channelType !== 'Channel::Api')
      throw ValidationError.rule('messageType', 'Incoming messages are only allowed in Api inboxes');
    guardAgainstFlood(target.recentMessages);
    const sender = await this.senderOf(scope.sql, actor, target, input);
    return this.write(scope, target, { fields: input, sender, performer: performerOf(actor) });
  }

  /**
   * Creates a contact's message in a conversation of their own contact inbox
   * (Client API `POST …/conversations/{id}/messages`): always incoming and
   * public, sent by the contact. Other conversations are NotFound. Like
   * Chatwoot's Client API it does not look at `allow_messages_after_resolved`
   * (a widget setting): a message on a resolved conversation reopens it.
   * `files` and `readBack` as for `create`.
   */
  createFromContact(
    contact: ContactPrincipal,
    conversationId: number,
    raw: RawInput<SendMessageInput>,
    files?: readonly UploadedFile[],
  ): Promise<WrittenMessage>;
  createFromContact<T>(
    contact: ContactPrincipal,
    conversationId: number,
    raw: RawInput<SendMessageInput>,
    files: readonly UploadedFile[] | undefined,
    readBack: ReadBack<T>,
  ): Promise<T>;
  async createFromContact<T>(
    contact: ContactPrincipal,
    conversationId: number,
    raw: RawInput<SendMessageInput>,
    files?: readonly UploadedFile[],
    readBack?: ReadBack<T>,
  ): Promise<T | WrittenMessage> {
    const input = parseInput(sendMessageInput, raw);
    const attachments = prepareAttachments(files);
    return this.outbox.rawTransaction(async (emit, sql) => {
      const writer = { session: contact };
      const target = await lockMessageTarget(sql, writer, conversationId);
      guardAgainstFlood(target.recentMessages);
      const written = await this.write({ sql, emit }, target, {
        fields: { ...input, messageType: 'incoming', private: false },
        sender: { senderType: 'Contact', senderContactId: contact.contactId },
        performer: { type: 'Contact', id: contact.contactId },
      });
      const stored = await withAttachments(sql, target.accountId, written, attachments);
      return readBack ? readBack(sql, target, stored) : stored;
    }, { numberInline: true }); // one account; the conversation is locked first (lockMessageTarget)
  }

  /**
   * Records a delivery status report (users only, API inboxes only, else
   * Forbidden "Message status update is only allowed for API inboxes").
   * An unknown status and read → delivered are silently ignored; the
   * external error is kept in `content_attributes.external_error` only for
   * `failed` (cleared otherwise). A change emits `message.updated`.
   * Returns the message's id.
   */
  async updateStatus(
    actor: AccountActor,
    conversationId: number,
    messageId: number,
    raw: RawInput<UpdateMessageStatusInput>,
  ): Promise<number> {
    if (actor.kind !== 'user') throw new ForbiddenError(AUTH_MESSAGES.bot_not_allowed);
    const input = parseInput(updateMessageStatusInput, raw);
    const conversation = await loadReachableConversation(this.db, actor, conversationId);
    if (conversation.inbox.channelType !== 'Channel::Api') throw new ForbiddenError(STATUS_UPDATE_API_ONLY);
    return this.outbox.transaction(async (tx, emit) => {
      const message = await this.findInConversation(tx, conversation.id, messageId);
      const status = input.status;
      if (isStatus(status) && !(message.status === 'read' && status === 'delivered')) {
        const attributes = message.contentAttributes as Record<string, unknown>;
        const externalError = status === 'failed' ? (input.externalError ?? null) : null;
        const contentAttributes =
          (attributes.external_error ?? null) === externalError ? attributes : { ...attributes, external_error: externalError };
        await saveMessageChanges(tx, emit, performerOf(actor), message, { status, contentAttributes });
      }
      return message.id;
    });
  }

  /**
   * Soft-deletes a message (users only): its content becomes "This message
   * was deleted", its content type text and its content attributes
   * `{deleted: true}`, its attachments (and their bytes) are removed; emits
   * `message.updated`. Returns the message's id.
   */
  async softDelete(actor: AccountActor, conversationId: number, messageId: number): Promise<number> {
    if (actor.kind !== 'user') throw new ForbiddenError(AUTH_MESSAGES.bot_not_allowed);
    const conversation = await loadReachableConversation(this.db, actor, conversationId);
    return this.outbox.transaction(async (tx, emit) => {
      const message = await this.findInConversation(tx, conversation.id, messageId);
      await saveMessageChanges(tx, emit, performerOf(actor), message, {
        content: DELETED_CONTENT,
        contentType: 'text',
        contentAttributes: { deleted: true },
      });
      await tx.attachment.deleteMany({ where: { messageId: message.id } });
      return message.id;
    });
  }

  /**
   * Messages of a conversation, ascending (window.ts `restMessageWindow`):
   * the latest 20; 20 before `before`; up to 100 after `after`; both: ids in
   * [after, before), up to 1000; internal messages left out in the query
   * when `excludeInternal`, so a page is full. With the conversation's meta.
   */
  async list(actor: AccountActor, conversationId: number, window: MessageWindow) {
    await loadReachableConversation(this.db, actor, conversationId);
    const [conversation, ids] = await Promise.all([
      this.db.conversation.findUniqueOrThrow({
        where: { id: conversationId },
        include: { contact: true, assignee: { include: { accountUsers: { where: { accountId: actor.accountId } } } } },
      }),
      loadMessageWindow(this.db, conversationId, restMessageWindow(window), window.excludeInternal === true),
    ]);
    return { conversation, messages: await this.views(actor.accountId, ids) };
  }

  /** The message's view, as its account's wire shapes need it. */
  view(accountId: number, messageId: number): Promise<MessageView> {
    return this.db.message.findUniqueOrThrow({
      where: { id: messageId },
      include: messageViewInclude(accountId),
    }) as Promise<MessageView>;
  }

  /** The views of these messages, ascending by id. */
  private async views(accountId: number, ids: number[]): Promise<MessageView[]> {
    if (ids.length === 0) return [];
    return (await this.db.message.findMany({
      where: { id: { in: ids } },
      orderBy: { id: 'asc' },
      include: messageViewInclude(accountId),
    })) as MessageView[];
  }

  /**
   * Writes a message (with its external time) and emits `message.created`,
   * the conversation's changes riding in the event's statement,
   * `first.reply.created` for the conversation's first reply and
   * `conversation.updated` when its waiting time or first reply changed;
   * announces a reopening.
   */
  private async write(scope: EffectScope, target: MessageTarget, draft: Draft): Promise<WrittenMessage> {
    const { fields, sender } = draft;
    const externalCreatedAt = parseWireTime(fields.externalCreatedAt);
    const at = new Date();
    const message = messageInsert(target.reservedMessageId, target, {
      messageType: fields.messageType,
      contentType: fields.contentType,
      content: fields.content ?? null,
      contentAttributes: {
        ...fields.contentAttributes,
        ...(externalCreatedAt ? { external_created_at: Math.floor(externalCreatedAt.getTime() / 1000) } : {}),
      },
      private: fields.private,
      sourceId: fields.sourceId ?? null,
      echoId: fields.echoId ?? null,
      ...sender,
    }, at);
    const effects = await conversationEffects(scope.sql, target, {
      messageType: fields.messageType,
      private: fields.private,
      humanReply: fields.messageType === 'outgoing' && !fields.private && sender.senderType === 'User',
      senderContactId: sender.senderContactId,
      at,
    });
    await scope.emit(
      target.accountId,
      'message.created',
      {
        messageId: target.reservedMessageId,
        conversationId: target.id,
        inboxId: target.inboxId,
        messageType: fields.messageType,
        private: fields.private,
        ...(fields.echoId != null ? { echoId: fields.echoId } : {}),
      },
      draft.performer,
      [message.statement, ...effects.updates],
    );
    if (effects.firstReply) {
      await scope.emit(target.accountId, 'first.reply.created', {
        messageId: target.reservedMessageId,
        conversationId: target.id,
        inboxId: target.inboxId,
        ...(fields.echoId != null ? { echoId: fields.echoId } : {}),
      });
    }
    if (effects.changedAttributes.length > 0) {
      await scope.emit(
        target.accountId,
        'conversation.updated',
        { conversationId: target.id, inboxId: target.inboxId, changedAttributes: effects.changedAttributes },
        draft.performer,
      );
    }
    if (effects.reopenedTo) {
      const insertActivity = (content: string) => insertMessage(scope.sql, target, { messageType: 'activity', content });
      await announceReopening(scope.emit, target, effects.reopenedTo, insertActivity);
    }
    return { id: target.reservedMessageId, createdAt: at, row: message.row, senderContactId: sender.senderContactId };
  }

  /** Outgoing messages come from the caller (or the named bot); every other type from the contact. */
  private async senderOf(sql: RawSql, actor: AccountActor, conversation: MessageTarget, input: CreateMessageFields) {
    if (input.messageType !== 'outgoing')
      return { senderType: 'Contact' as const, senderContactId: conversation.contactId };
    if (input.senderAgentBotId !== undefined) {
      // The account's own bots, and global bots connected to one of its inboxes.
      const [bot] = await sql.rows<{ id: number }>(Prisma.sql`
        SELECT b.id FROM agent_bots b
        WHERE b.id = ${input.senderAgentBotId} AND (b.account_id = ${conversation.accountId}
          OR EXISTS (SELECT 1 FROM agent_bot_inboxes abi WHERE abi.agent_bot_id = b.id AND abi.account_id = ${conversation.accountId}))`);
      if (!bot) throw new NotFoundError('AgentBot');
      return { senderType: 'AgentBot' as const, senderAgentBotId: bot.id };
    }
    return actor.kind === 'user'
      ? { senderType: 'User' as const, senderUserId: actor.userId }
      : { senderType: 'AgentBot' as const, senderAgentBotId: actor.agentBotId };
  }

  /**
   * The messages a contact sees in a conversation their session reaches
   * (Client API `GET …/messages`, window.ts `contactMessageWindow`): the
   * latest 20, or the 20 before the message id `before`, ascending; never
   * private notes or activity (`chatMessages`, in the query).
   */
  async listForContact(contact: ContactPrincipal, conversationId: number, before?: number): Promise<MessageView[]> {
    await loadReachableConversation(this.db, contact, conversationId);
    const ids = await loadMessageWindow(this.db, conversationId, contactMessageWindow(before), true);
    return this.views(contact.accountId, ids);
  }

  /**
   * A contact answers an interactive message they can see (Client API
   * `PATCH …/messages/{id}`, submitted-values.ts); emits `message.updated`.
   * Returns the message's id.
   */
  async submitValues(
    contact: ContactPrincipal,
    conversationId: number,
    messageId: number,
    raw: RawInput<SubmittedValuesInput>,
  ): Promise<number> {
    const input = parseInput(submittedValuesInput, raw);
    return this.outbox.transaction(async (tx, emit) => {
      const conversation = await loadReachableConversation(tx, contact, conversationId);
      const message = fitsIntegerColumn(messageId)
        ? await tx.message.findFirst({ where: { id: messageId, conversationId: conversation.id, ...chatMessages.where } })
        : null;
      if (!message) throw new NotFoundError('Message');
      await tx.$queryRaw`SELECT id FROM messages WHERE id = ${message.id} FOR UPDATE`;
      const current = await tx.message.findUniqueOrThrow({ where: { id: message.id } });
      const contentAttributes = withSubmittedValues(current, input);
      await saveMessageChanges(tx, emit, { type: 'Contact', id: contact.contactId }, current, { contentAttributes });
      return message.id;
    });
  }

  private async findInConversation(tx: Tx, conversationId: number, messageId: number): Promise<Message> {
    const message = Number.isSafeInteger(messageId)
      ? await tx.message.findFirst({ where: { id: messageId, conversationId } })
      : null;
    if (!message) throw new NotFoundError('Message');
    return message;
  }
}

const isStatus = (value: unknown): value is MessageStatusName =>
  typeof value === 'string' && (MESSAGE_STATUSES as readonly string[]).includes(value);
