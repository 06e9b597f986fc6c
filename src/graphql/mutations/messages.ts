/**
 * Mutations on messages; each one is a thin call into MessageService
 * (spec/API.md §3.6 for agents and bots, §5.2 for contacts). A global id is
 * decoded once (ids.ts) and the service gets database ids; the service
 * returns the message's id, and the answer is loaded once, with the
 * client's selection.
 */
import type { ContactPrincipal } from '../../auth.ts';
import type { Context } from '../../context.ts';
import { fitsIntegerColumn } from '../../domain/validation.ts';
import { NotFoundError } from '../../errors.ts';
import { builder } from '../builder.ts';
import { databaseIdOf, locate, optionalDatabaseIdOf } from '../ids.ts';
import { MessageContentTypeEnum, MessageStatusEnum, MessageTypeEnum } from '../types/enums.ts';
import { MessageType } from '../types/message.ts';

/** The input without the fields a client left out or set to null, so that the service's defaults apply. */
const given = <T extends object>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]?: NonNullable<T[K]>;
  };

const CreateMessageInput = builder.inputType('CreateMessageInput', {
  fields: (t) => ({
    conversationId: t.id({ required: true }),
    content: t.string({ description: 'At most 150 000 characters; may be left out for input_select and the like.' }),
    messageType: t.field({
      type: MessageTypeEnum,
      defaultValue: 'outgoing',
      description: 'INCOMING only in API inboxes; every type but OUTGOING is sent as the contact.',
    }),
    private: t.boolean({ description: 'A private note, never shown to the contact.' }),
    contentType: t.field({ type: MessageContentTypeEnum }),
    contentAttributes: t.field({
      type: 'JSONObject',
      description: 'INPUT_SELECT, CARDS, FORM and ARTICLE need `items` (spec/API.md §1.7).',
    }),
    echoId: t.string({ description: 'The client\'s own id for the message, shown back as `echoId`.' }),
    sourceId: t.string({ description: 'The external system\'s id of the message.' }),
    senderAgentBotId: t.id({ description: 'Send an outgoing message as this agent bot of the account.' }),
  }),
});

builder.mutationField('createMessage', (t) =>
  t.prismaField({
    type: MessageType,
    authScopes: { staff: true },
    description: 'Adds a message to a conversation, as an agent or an agent bot.',
    errors: {},
    args: { input: t.arg({ type: CreateMessageInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { conversationId, senderAgentBotId, ...fields } = input;
      const botId = optionalDatabaseIdOf('AgentBot', senderAgentBotId, 'senderAgentBotId');
      const { actor, id } = await locate(context, 'Conversation', conversationId, 'conversationId');
      const message = await context.services.messages.create(actor, id, {
        ...given(fields),
        ...(botId !== undefined ? { senderAgentBotId: botId } : {}),
      });
      return context.db.message.findUniqueOrThrow({ ...query, where: { id: message.id } });
    },
  }),
);

const UpdateMessageStatusInput = builder.inputType('UpdateMessageStatusInput', {
  fields: (t) => ({
    messageId: t.id({ required: true }),
    status: t.field({ type: MessageStatusEnum, required: true, description: 'READ → DELIVERED is ignored.' }),
    externalError: t.string({ description: 'Why delivery failed; kept only with FAILED.' }),
  }),
});

builder.mutationField('updateMessageStatus', (t) =>
  t.prismaField({
    type: MessageType,
    authScopes: { user: true },
    description: 'Reports a message\'s delivery status (API inboxes only).',
    errors: {},
    args: { input: t.arg({ type: UpdateMessageStatusInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id, record } = await locate(context, 'Message', input.messageId, 'messageId');
      await context.services.messages.updateStatus(actor, record.conversationId, id, given({
        status: input.status,
        externalError: input.externalError,
      }));
      return context.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

const DeleteMessageInput = builder.inputType('DeleteMessageInput', {
  fields: (t) => ({ messageId: t.id({ required: true }) }),
});

builder.mutationField('deleteMessage', (t) =>
  t.prismaField({
    type: MessageType,
    authScopes: { user: true },
    description:
      'Soft-deletes a message: it stays, saying "This message was deleted", with content type TEXT and ' +
      'content attributes {deleted: true}; the changed message is returned.',
    errors: {},
    args: { input: t.arg({ type: DeleteMessageInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id, record } = await locate(context, 'Message', input.messageId, 'messageId');
      await context.services.messages.softDelete(actor, record.conversationId, id);
      return context.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    conversationId: t.id({ required: true }),
    content: t.string({ description: 'At most 150 000 characters.' }),
    contentType: t.field({ type: MessageContentTypeEnum }),
    contentAttributes: t.field({ type: 'JSONObject' }),
    echoId: t.string({ description: 'The client\'s own id for the message, shown back as `echoId`.' }),
  }),
});

builder.mutationField('sendMessage', (t) =>
  t.prismaField({
    type: MessageType,
    authScopes: { contact: true },
    description: 'A contact writes in one of their own conversations (always incoming, never private).',
    errors: {},
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { conversationId, ...fields } = input;
      const contact = contactOf(context);
      const id = databaseIdOf('Conversation', conversationId, 'conversationId');
      const message = await context.services.messages.createFromContact(contact, id, given(fields));
      return context.db.message.findUniqueOrThrow({ ...query, where: { id: message.id } });
    },
  }),
);

function contactOf(context: Context): ContactPrincipal {
  if (context.principal?.kind !== 'contact') throw new Error('scope-auth lets only contacts reach this field');
  return context.principal;
}

const SubmitMessageValuesInput = builder.inputType('SubmitMessageValuesInput', {
  fields: (t) => ({
    messageId: t.id({ required: true }),
    submittedValues: t.field({
      type: ['JSONObject'],
      required: true,
      description:
        'A form\'s or select\'s answers, a list of {name, title, value}; or, for a CSAT survey, one ' +
        '{csat_survey_response: {rating (1 to 5), feedback_message}} (a single object is taken as a list of one).',
    }),
  }),
});

builder.mutationField('submitMessageValues', (t) =>
  t.prismaField({
    type: MessageType,
    authScopes: { contact: true },
    description:
      'A contact answers an interactive message (form, select, CSAT survey) they can see; replaces its ' +
      'contentAttributes.submitted_values. A CSAT survey can be answered for 14 days.',
    errors: {},
    args: { input: t.arg({ type: SubmitMessageValuesInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const contact = contactOf(context);
      const id = databaseIdOf('Message', input.messageId, 'messageId');
      // The message's conversation, for the service; a message of another account is NotFound.
      const message = fitsIntegerColumn(id)
        ? await context.db.message.findFirst({ where: { id, accountId: contact.accountId }, select: { conversationId: true } })
        : null;
      if (!message) throw new NotFoundError('Message');
      // A CSAT answer is one object (Chatwoot's shape); GraphQL coerced it into a list of one.
      const [first, ...rest] = input.submittedValues;
      const submittedValues = first && rest.length === 0 && 'csat_survey_response' in first ? first : input.submittedValues;
      await context.services.messages.submitValues(contact, message.conversationId, id, { submittedValues });
      return context.db.message.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
