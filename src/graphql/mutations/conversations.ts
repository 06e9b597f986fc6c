/**
 * Mutations on conversations (spec/API.md §3.5, Client API §5.2), each a thin
 * call into ConversationService: the global id is decoded once and the
 * service, given the database id, checks who reaches the conversation
 * (access/rules.ts); the resolver then loads the conversation once with the
 * client's selection. Agent bots may only do what Chatwoot's allow-list lets
 * them (§1.2): create, priority, status, custom attributes, assignment.
 * Contacts may type in, read, start and resolve their own conversations.
 */
import type { Context } from '../../context.ts';
import type { AccountActor } from '../../domain/actor.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { builder } from '../builder.ts';
import { ConversationPriorityEnum, ConversationStatusEnum } from '../types/enums.ts';
import { actorForAccount, databaseIdOf, locate, optionalDatabaseIdOf } from '../ids.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Fields = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;
type Scopes = { staff?: boolean; user?: boolean; contact?: boolean };

/** The user id behind an Agent global id of the actor's account. */
async function agentUserId(context: Context, actor: AccountActor, agentId: string | number, field: string) {
  const { record } = await locate(context, 'Agent', agentId, field);
  if (record.accountId !== actor.accountId) throw new NotFoundError('Agent');
  return record.userId;
}

const reload = (context: Context, query: object, id: number) =>
  context.db.conversation.findUniqueOrThrow({ ...query, where: { id } });

const conversationIdField = (t: Fields) => ({ conversationId: t.id({ required: true }) });

/**
 * Declares `name(input: <Name>Input!): <Name>Result` returning the
 * conversation, for agents and bots (`act`) and, where allowed, contacts.
 */
function conversationMutation<Extra extends Record<string, unknown>>(
  name: string,
  options: {
    description: string;
    authScopes: Scopes;
    fields: (t: Fields) => Record<string, ReturnType<Fields['id']> | ReturnType<Fields['string']> | object>;
    act?: (context: Context, actor: AccountActor, conversationId: number, input: Extra) => Promise<unknown>;
    actAsContact?: (context: Context, conversationId: number, input: Extra) => Promise<unknown>;
  },
) {
  const Input = builder.inputType(`${name.charAt(0).toUpperCase()}${name.slice(1)}Input`, {
    fields: (t) => ({ ...conversationIdField(t), ...options.fields(t) }) as never,
  });
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: 'Conversation',
      authScopes: options.authScopes,
      description: options.description,
      errors: {},
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: async (query, _root, args, context) => {
        const input = args.input as unknown as { conversationId: string } & Extra;
        let id: number;
        if (context.principal?.kind === 'contact' && options.actAsContact) {
          // The contact's session names its account; the service finds the conversation NotFound unless the session reaches it.
          id = databaseIdOf('Conversation', input.conversationId, 'conversationId');
          await options.actAsContact(context, id, input);
        } else {
          // The account (whose actor the caller is) comes from the conversation itself.
          const located = await locate(context, 'Conversation', input.conversationId, 'conversationId');
          id = located.id;
          await options.act!(context, located.actor, id, input);
        }
        return reload(context, query, id);
      },
    }),
  );
}

conversationMutation<{ priority?: string | null }>('updateConversationPriority', {
  description: 'Sets the priority; null clears it.',
  authScopes: { staff: true },
  fields: (t) => ({ priority: t.field({ type: ConversationPriorityEnum }) }),
  act: (context, actor, conversationId, input) =>
    context.services.conversations.updatePriority(actor, conversationId, { priority: input.priority ?? null }),
});

conversationMutation<{ status?: string | null; snoozedUntil?: Date | null }>('toggleConversationStatus', {
  description:
    'Sets the status; without one, open → resolved and anything else → open. An agent (not an administrator) who leaves it open and unassigned is assigned to it. ' +
    'A contact can only resolve a conversation their session reaches (status omitted or RESOLVED; a resolved one stays resolved); ' +
    'any other status or a snoozedUntil from a contact is a ValidationError.',
  authScopes: { staff: true, contact: true },
  fields: (t) => ({
    status: t.field({ type: ConversationStatusEnum }),
    snoozedUntil: t.field({ type: 'DateTime', description: 'When a snoozed conversation reopens.' }),
  }),
  act: (context, actor, conversationId, input) =>
    context.services.conversations.toggleStatus(actor, conversationId, {
      status: input.status ?? undefined,
      snoozedUntil: input.snoozedUntil ?? undefined,
    }),
  actAsContact: async (context, conversationId, input) => {
    const contact = contactOf(context);
    const refusal =
      input.status != null && input.status !== 'resolved'
        ? ValidationError.of('status', 'Status can only be RESOLVED: a contact may resolve a conversation, not reopen or snooze it')
        : input.snoozedUntil != null
          ? ValidationError.of('snoozedUntil', 'Snoozed until cannot be set by a contact')
          : null;
    if (refusal) {
      // Another contact's conversation stays NotFound, whatever the input.
      await context.services.conversations.idReachedBy(contact, conversationId);
      throw refusal;
    }
    return context.services.conversations.resolveByContact(contact, conversationId);
  },
});

conversationMutation<{ assigneeId?: string | null; agentBotId?: string | null; teamId?: string | null }>(
  'assignConversation',
  {
    description:
      'Assigns exactly one of: an agent who can reach the inbox (assigneeId), an agent bot (agentBotId) or a team (teamId); null unassigns.',
    authScopes: { staff: true },
    fields: (t) => ({
      assigneeId: t.id({ description: 'An Agent id; null unassigns the agent or bot.' }),
      agentBotId: t.id({ description: 'An AgentBot id; null unassigns the bot.' }),
      teamId: t.id({ description: 'A Team id; null removes the team.' }),
    }),
    act: async (context, actor, conversationId, input) =>
      context.services.conversations.assign(actor, conversationId, {
        assigneeId:
          input.assigneeId === undefined
            ? undefined
            : input.assigneeId === null
              ? null
              : await agentUserId(context, actor, input.assigneeId, 'assigneeId'),
        agentBotId: input.agentBotId === null ? null : optionalDatabaseIdOf('AgentBot', input.agentBotId, 'agentBotId'),
        teamId: input.teamId === null ? null : optionalDatabaseIdOf('Team', input.teamId, 'teamId'),
      }),
  },
);

conversationMutation<{ labels: string[] }>('setConversationLabels', {
  description: 'Replaces the labels (trimmed, blanks and duplicates dropped).',
  authScopes: { user: true },
  fields: (t) => ({ labels: t.stringList({ required: true }) }),
  act: (context, actor, conversationId, input) => context.services.conversations.setLabels(actor, conversationId, input),
});

conversationMutation<{ customAttributes: Record<string, unknown> }>('setConversationCustomAttributes', {
  description: 'Replaces the custom attributes.',
  authScopes: { staff: true },
  fields: (t) => ({ customAttributes: t.field({ type: 'JSONObject', required: true }) }),
  act: (context, actor, conversationId, input) =>
    context.services.conversations.setCustomAttributes(actor, conversationId, input),
});

conversationMutation<{ typing: boolean; isPrivate?: boolean | null }>('setConversationTyping', {
  description: 'Announces that the caller started (typing: true) or stopped typing; contacts never type private notes.',
  authScopes: { user: true, contact: true },
  fields: (t) => ({
    typing: t.boolean({ required: true }),
    isPrivate: t.boolean({ description: 'Typing a private note (agents only).' }),
  }),
  act: (context, actor, conversationId, input) =>
    context.services.conversations.setTyping(actor, conversationId, {
      typingStatus: input.typing ? 'on' : 'off',
      isPrivate: input.isPrivate ?? false,
    }),
  actAsContact: (context, conversationId, input) =>
    context.services.conversations.setTypingByContact(contactOf(context), conversationId, {
      typingStatus: input.typing ? 'on' : 'off',
      isPrivate: input.isPrivate ?? false,
    }),
});

conversationMutation<Record<string, never>>('markConversationSeen', {
  description: 'The caller has read the conversation (an agent: agentLastSeenAt; a contact: contactLastSeenAt).',
  authScopes: { user: true, contact: true },
  fields: () => ({}),
  act: (context, actor, conversationId) => context.services.conversations.markSeen(actor, conversationId),
  actAsContact: (context, conversationId) => context.services.conversations.markSeenByContact(contactOf(context), conversationId),
});

conversationMutation<Record<string, never>>('markConversationUnread', {
  description: 'Marks the conversation unread: last seen one second before the last incoming message.',
  authScopes: { user: true },
  fields: () => ({}),
  act: (context, actor, conversationId) => context.services.conversations.markUnread(actor, conversationId),
});

conversationMutation<Record<string, never>>('muteConversation', {
  description: 'Resolves the conversation and blocks its contact.',
  authScopes: { user: true },
  fields: () => ({}),
  act: (context, actor, conversationId) => context.services.conversations.mute(actor, conversationId),
});

conversationMutation<Record<string, never>>('unmuteConversation', {
  description: 'Unblocks the conversation\'s contact.',
  authScopes: { user: true },
  fields: () => ({}),
  act: (context, actor, conversationId) => context.services.conversations.unmute(actor, conversationId),
});

function contactOf(context: Context) {
  if (context.principal?.kind !== 'contact') throw new ForbiddenError();
  return context.principal;
}

const CreateConversationInput = builder.inputType('CreateConversationInput', {
  description: 'Either inboxId + contactId (the session is found or created), or sourceId alone.',
  fields: (t) => ({
    accountId: t.id({ required: true }),
    inboxId: t.id(),
    contactId: t.id(),
    sourceId: t.string({ description: 'The contact inbox\'s source_id.' }),
    status: t.field({ type: ConversationStatusEnum, description: 'Default: resolved for a blocked contact, pending with an active bot, else open.' }),
    assigneeId: t.id({ description: 'An Agent id.' }),
    teamId: t.id(),
    snoozedUntil: t.field({ type: 'DateTime' }),
    customAttributes: t.field({ type: 'JSONObject' }),
    additionalAttributes: t.field({ type: 'JSONObject' }),
    messageContent: t.string({ description: 'A first outgoing message from the caller.' }),
  }),
});

builder.mutationField('createConversation', (t) =>
  t.prismaField({
    type: 'Conversation',
    authScopes: { staff: true },
    description:
      'Opens a conversation (with an inbox locked to a single conversation, returns the last one).',
    errors: {},
    args: { input: t.arg({ type: CreateConversationInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const actor = await actorForAccount(context, input.accountId);
      const conversation = await context.services.conversations.create(actor, {
        inboxId: optionalDatabaseIdOf('Inbox', input.inboxId, 'inboxId'),
        contactId: optionalDatabaseIdOf('Contact', input.contactId, 'contactId'),
        sourceId: input.sourceId ?? undefined,
        status: input.status ?? undefined,
        assigneeId: input.assigneeId == null ? undefined : await agentUserId(context, actor, input.assigneeId, 'assigneeId'),
        teamId: optionalDatabaseIdOf('Team', input.teamId, 'teamId'),
        snoozedUntil: input.snoozedUntil?.toISOString(),
        customAttributes: input.customAttributes ?? undefined,
        additionalAttributes: input.additionalAttributes ?? undefined,
        message: input.messageContent == null ? undefined : { content: input.messageContent },
      });
      return reload(context, query, conversation.id);
    },
  }),
);

const StartConversationInput = builder.inputType('StartConversationInput', {
  fields: (t) => ({ customAttributes: t.field({ type: 'JSONObject' }) }),
});

builder.mutationField('startConversation', (t) =>
  t.prismaField({
    type: 'Conversation',
    authScopes: { contact: true },
    description: 'A contact opens a conversation in their own session (or gets the one an inbox is locked to).',
    errors: {},
    args: { input: t.arg({ type: StartConversationInput, required: false }) },
    resolve: async (query, _root, args, context) => {
      const conversation = await context.services.conversations.start(contactOf(context), {
        customAttributes: args.input?.customAttributes ?? undefined,
      });
      return reload(context, query, conversation.id);
    },
  }),
);
