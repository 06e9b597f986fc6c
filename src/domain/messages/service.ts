/**
 * Messages (spec/API.md §3.6, §5.2): creation by agents, bots and contacts,
 * delivery status reports, soft deletion, and the REST listing windows.
 */
import { AUTH_MESSAGES, type ContactPrincipal } from '../../auth.ts';
import type { PrismaClient, Tx } from '../../db.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Outbox } from '../../events/outbox.ts';
import { Prisma, type Message, type SenderType } from '../../generated/prisma/client.ts';
import type { RawSql } from '../../raw-sql.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { withAttachments } from '../attachments/insert.ts';
import { prepareAttachments, type UploadedFile } from '../attachments/uploads.ts';
import { loadAccessibleConversation } from '../conversations/access.ts';
import { CONTACT_VISIBLE_MESSAGES, reachedConversation } from '../client/session.ts';
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
import { lockMessageTarget, type MessageTarget } from './target.ts';
import { submittedValuesInput, withSubmittedValues, type SubmittedValuesInput } from './submitted-values.ts';
import { viewOfWritten } from './view-sql.ts';

export { createMessageInput, createMessageSchema, sendMessageInput, updateMessageStatusInput } from './inputs.ts';
export type { CreateMessageInput, SendMessageInput, UpdateMessageStatusInput } from './inputs.ts';
export { REOPENED_BY_INCOMING } from './effects.ts';
export { MESSAGES_PER_MINUTE_LIMIT } from './flood-guard.ts';

/** What a soft-deleted message says instead of its content. */
export const DELETED_CONTENT = 'This message was deleted';
export const STATUS_UPDATE_API_ONLY = 'Message status update is only allowed for API inboxes';

export interface MessageWindow {
  before?: number;
  after?: number;
}

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
   * display id, with its files (at most 15, checked before anything is
   * written); the answer comes from the same transaction.
   */
  async create(actor: AccountActor, displayId: number, raw: RawInput<CreateMessageInput>, files?: readonly UploadedFile[]) {
    const input = parseInput(createMessageSchema, raw);
    const attachments = prepareAttachments(files);
    return this.outbox.rawTransaction(async (emit, sql) => {
      const target = await lockMessageTarget(sql, { actor }, displayId);
      const written = await this.createInTransaction({ sql, emit }, actor, target, input);
      return viewOfWritten(sql, target, await withAttachments(sql, target.accountId, written, attachments));
    });
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
   * `files` as for `create`.
   */
  async createFromContact(
    contact: ContactPrincipal,
    displayId: number,
    raw: RawInput<SendMessageInput>,
    files?: readonly UploadedFile[],
  ) {
    const input = parseInput(sendMessageInput, raw);
    const attachments = prepareAttachments(files);
    return this.outbox.rawTransaction(async (emit, sql) => {
      const writer = { session: contact };
      const target = await lockMessageTarget(sql, writer, displayId);
      guardAgainstFlood(target.recentMessages);
      const written = await this.write({ sql, emit }, target, {
        fields: { ...input, messageType: 'incoming', private: false },
        sender: { senderType: 'Contact', senderContactId: contact.contactId },
        performer: { type: 'Contact', id: contact.contactId },
      });
      return viewOfWritten(sql, target, await withAttachments(sql, target.accountId, written, attachments));
    });
  }

  /**
   * Records a delivery status report (users only, API inboxes only, else
   * Forbidden "Message status update is only allowed for API inboxes").
   * An unknown status and read → delivered are silently ignored; the
   * external error is kept in `content_attributes.external_error` only for
   * `failed` (cleared otherwise). A change emits `message.updated`.
   */
  async updateStatus(actor: AccountActor, displayId: number, messageId: number, raw: RawInput<UpdateMessageStatusInput>) {
    if (actor.kind !== 'user') throw new ForbiddenError(AUTH_MESSAGES.bot_not_allowed);
    const input = parseInput(updateMessageStatusInput, raw);
    const conversation = await loadAccessibleConversation(this.db, actor, displayId);
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
      return this.loadView(tx, actor.accountId, message.id);
    });
  }

  /**
   * Soft-deletes a message (users only): its content becomes "This message
   * was deleted", its content type text and its content attributes
   * `{deleted: true}`, its attachments (and their bytes) are removed; emits
   * `message.updated`.
   */
  async softDelete(actor: AccountActor, displayId: number, messageId: number) {
    if (actor.kind !== 'user') throw new ForbiddenError(AUTH_MESSAGES.bot_not_allowed);
    const conversation = await loadAccessibleConversation(this.db, actor, displayId);
    return this.outbox.transaction(async (tx, emit) => {
      const message = await this.findInConversation(tx, conversation.id, messageId);
      await saveMessageChanges(tx, emit, performerOf(actor), message, {
        content: DELETED_CONTENT,
        contentType: 'text',
        contentAttributes: { deleted: true },
      });
      await tx.attachment.deleteMany({ where: { messageId: message.id } });
      return this.loadView(tx, actor.accountId, message.id);
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
   * (Client API `GET …/messages`): the latest 20, or the 20 before the
   * message id `before`, ascending; never private notes or activity.
   */
  async listForContact(contact: ContactPrincipal, displayId: number, before?: number): Promise<MessageView[]> {
    const conversation = await reachedConversation(this.db, contact, displayId);
    const rows = await this.db.message.findMany({
      where: { conversationId: conversation.id, ...CONTACT_VISIBLE_MESSAGES, ...(before !== undefined ? { id: { lt: before } } : {}) },
      orderBy: { id: 'desc' },
      take: 20,
      include: messageViewInclude(contact.accountId),
    });
    return (rows as MessageView[]).reverse();
  }

  /**
   * A contact answers an interactive message they can see (Client API
   * `PATCH …/messages/{id}`, submitted-values.ts); emits `message.updated`.
   */
  async submitValues(contact: ContactPrincipal, displayId: number, messageId: number, raw: RawInput<SubmittedValuesInput>) {
    const input = parseInput(submittedValuesInput, raw);
    return this.outbox.transaction(async (tx, emit) => {
      const conversation = await reachedConversation(tx, contact, displayId);
      const message = fitsIntegerColumn(messageId)
        ? await tx.message.findFirst({ where: { id: messageId, conversationId: conversation.id, ...CONTACT_VISIBLE_MESSAGES } })
        : null;
      if (!message) throw new NotFoundError('Message');
      await tx.$queryRaw`SELECT id FROM messages WHERE id = ${message.id} FOR UPDATE`;
      const current = await tx.message.findUniqueOrThrow({ where: { id: message.id } });
      const contentAttributes = withSubmittedValues(current, input);
      await saveMessageChanges(tx, emit, { type: 'Contact', id: contact.contactId }, current, { contentAttributes });
      return this.loadView(tx, contact.accountId, message.id);
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
