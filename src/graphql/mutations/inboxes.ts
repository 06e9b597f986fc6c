/**
 * Mutations on inboxes, their members and their agent bot (spec/API.md
 * §3.1–3.2), each a thin call into InboxService. Users only: Chatwoot
 * refuses agent bots on every one of these endpoints; the service refuses
 * agents (administrators only).
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import { ValidationError } from '../../errors.ts';
import { builder } from '../builder.ts';
import { actorForAccount, databaseIdOf, locate } from '../ids.ts';
import { SenderNameTypeEnum } from '../types/inbox.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Fields = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;

const WorkingHoursDayInput = builder.inputType('WorkingHoursDayInput', {
  description: 'One day of the schedule. Unless closed or open all day, the four times are required, closing after opening.',
  fields: (t) => ({
    dayOfWeek: t.int({ required: true, description: '0 (Sunday) to 6.' }),
    closedAllDay: t.boolean(),
    openAllDay: t.boolean({ description: 'Open 00:00–23:59.' }),
    openHour: t.int(),
    openMinutes: t.int(),
    closeHour: t.int(),
    closeMinutes: t.int(),
  }),
});

/** The settings of an inbox and its API channel, for create and update. */
const settingsFields = (t: Fields) => ({
  webhookUrl: t.string({ description: 'Receives every event of the inbox\'s conversations; blank or null removes it.' }),
  hmacMandatory: t.boolean(),
  additionalAttributes: t.field({ type: 'JSONObject', description: 'The API channel\'s additional attributes.' }),
  greetingEnabled: t.boolean(),
  greetingMessage: t.string(),
  enableEmailCollect: t.boolean(),
  csatSurveyEnabled: t.boolean(),
  csatConfig: t.field({ type: 'JSONObject' }),
  enableAutoAssignment: t.boolean(),
  autoAssignmentConfig: t.field({ type: 'JSONObject' }),
  workingHoursEnabled: t.boolean(),
  outOfOfficeMessage: t.string(),
  timezone: t.string({ description: 'An IANA time zone, e.g. Europe/Berlin.' }),
  allowMessagesAfterResolved: t.boolean(),
  lockToSingleConversation: t.boolean(),
  senderNameType: t.field({ type: SenderNameTypeEnum }),
  businessName: t.string(),
});

const CreateInboxInput = builder.inputType('CreateInboxInput', {
  fields: (t) => ({ accountId: t.id({ required: true }), name: t.string({ required: true }), ...settingsFields(t) }),
});

const UpdateInboxInput = builder.inputType('UpdateInboxInput', {
  description: 'Only the fields given change; workingHours changes only the days it names.',
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    ...settingsFields(t),
    workingHours: t.field({ type: [WorkingHoursDayInput] }),
  }),
});

const DeleteInboxInput = builder.inputType('DeleteInboxInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

const membersInput = (name: string, description: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      inboxId: t.id({ required: true }),
      agentIds: t.idList({ required: true, description }),
    }),
  });

const SetInboxAgentBotInput = builder.inputType('SetInboxAgentBotInput', {
  fields: (t) => ({
    inboxId: t.id({ required: true }),
    agentBotId: t.id({ description: 'The account\'s own bot or a global bot; null disconnects the current one.' }),
  }),
});

/** Settings that may be cleared with null; a null anywhere else means "not given". */
const CLEARABLE = new Set(['webhookUrl', 'greetingMessage', 'outOfOfficeMessage', 'businessName']);
const settingsOf = (input: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(input).map(([key, value]) => [key, value === null && !CLEARABLE.has(key) ? undefined : value]));

/** Re-loads an inbox with the caller's selection. */
const reloadInbox = (context: Context, query: object, id: number) =>
  context.db.inbox.findUniqueOrThrow({ ...query, where: { id } });

builder.mutationField('createInbox', (t) =>
  t.prismaField({
    type: 'Inbox',
    authScopes: { user: true },
    description: 'Creates an API-channel inbox with a new inbox identifier and HMAC token (administrators).',
    errors: {},
    args: { input: t.arg({ type: CreateInboxInput, required: true }) },
    resolve: async (query, _root, { input: { accountId, ...input } }, context) => {
      const actor = await actorForAccount(context, accountId);
      const inbox = await context.services.inboxes.create(actor, settingsOf(input));
      return reloadInbox(context, query, inbox.id);
    },
  }),
);

builder.mutationField('updateInbox', (t) =>
  t.prismaField({
    type: 'Inbox',
    authScopes: { user: true },
    description: 'Changes an inbox and its API channel settings (administrators).',
    errors: {},
    args: { input: t.arg({ type: UpdateInboxInput, required: true }) },
    resolve: async (query, _root, { input: { id: inboxId, ...input } }, context) => {
      const { actor, id } = await locate(context, 'Inbox', inboxId, 'id');
      await context.services.inboxes.update(actor, id, settingsOf(input));
      return reloadInbox(context, query, id);
    },
  }),
);

builder.mutationField('deleteInbox', (t) =>
  t.id({
    authScopes: { user: true },
    description: 'Deletes an inbox with its conversations, messages and contact sessions, at once (administrators). Returns its id.',
    errors: {},
    args: { input: t.arg({ type: DeleteInboxInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { actor, id } = await locate(context, 'Inbox', input.id, 'id');
      await context.services.inboxes.delete(actor, id);
      return encodeGlobalID('Inbox', id);
    },
  }),
);

/**
 * The user ids behind Agent global ids. Agents of another account become
 * NaN, which the service reports as "User must exist" (or ignores on remove).
 */
async function userIdsOf(context: Context, accountId: number, agentIds: readonly (string | number)[]) {
  const ids = agentIds.map((agentId) => databaseIdOf('Agent', agentId, 'agentIds'));
  const rows = await context.db.accountUser.findMany({
    where: { id: { in: ids }, accountId },
    select: { id: true, userId: true },
  });
  const byId = new Map(rows.map((row) => [row.id, row.userId]));
  return ids.map((id) => byId.get(id) ?? NaN);
}

/** The service's "User must exist" names `user`; here the input field is `agentIds`. */
async function namingAgentIds<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError && error.problems.some((p) => p.path[0] === 'user'))
      throw new ValidationError(error.problems.map((p) => (p.path[0] === 'user' ? { ...p, path: ['agentIds'] } : p)));
    throw error;
  }
}

const memberMutations = [
  ['setInboxMembers', 'setMembers', 'Replaces the inbox\'s members with these agents (administrators).', 'The new member set; may be empty.'],
  ['addInboxMembers', 'addMembers', 'Adds these agents to the inbox\'s members (administrators).', 'Agents of the account; existing members are kept.'],
  ['removeInboxMembers', 'removeMembers', 'Removes these agents from the inbox (administrators); agents that are not members are ignored.', 'Agents to remove.'],
] as const;

for (const [field, method, description, idsDescription] of memberMutations) {
  const Input = membersInput(`${field.charAt(0).toUpperCase()}${field.slice(1)}Input`, idsDescription);
  builder.mutationField(field, (t) =>
    t.prismaField({
      type: 'Inbox',
      authScopes: { user: true },
      description,
      errors: {},
      args: { input: t.arg({ type: Input, required: true }) },
      resolve: async (query, _root, { input }, context) => {
        const { actor, id } = await locate(context, 'Inbox', input.inboxId, 'inboxId');
        const userIds = await userIdsOf(context, actor.accountId, input.agentIds);
        await namingAgentIds(() => context.services.inboxes[method](actor, id, userIds));
        return reloadInbox(context, query, id);
      },
    }),
  );
}

builder.mutationField('setInboxAgentBot', (t) =>
  t.prismaField({
    type: 'Inbox',
    authScopes: { user: true },
    description: 'Connects an agent bot to the inbox, replacing any other, or disconnects it (administrators).',
    errors: {},
    args: { input: t.arg({ type: SetInboxAgentBotInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Inbox', input.inboxId, 'inboxId');
      const agentBotId = input.agentBotId == null ? null : databaseIdOf('AgentBot', input.agentBotId, 'agentBotId');
      await context.services.inboxes.setAgentBot(actor, id, agentBotId);
      return reloadInbox(context, query, id);
    },
  }),
);
