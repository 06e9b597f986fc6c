/**
 * Mutations on the account's agents (spec/API.md §3.3), each a thin call
 * into AgentService. Users only (Chatwoot refuses agent bots here); the
 * service allows administrators only.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import { builder } from '../builder.ts';
import { actorForAccount, locate } from '../ids.ts';
import { AgentType } from '../types/agent.ts';
import { AgentRoleEnum, AvailabilityEnum } from '../types/enums.ts';

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  description: 'A user who already has this email is linked to the account rather than created.',
  fields: (t) => ({
    accountId: t.id({ required: true }),
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    role: t.field({ type: AgentRoleEnum, description: 'AGENT when absent.' }),
    availability: t.field({ type: AvailabilityEnum, description: 'OFFLINE when absent.' }),
    autoOffline: t.boolean({ description: 'Default false.' }),
  }),
});

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Only the fields given change. The name is the user\'s, shared by all their accounts.',
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    role: t.field({ type: AgentRoleEnum }),
    availability: t.field({ type: AvailabilityEnum }),
    autoOffline: t.boolean(),
  }),
});

const RemoveAgentInput = builder.inputType('RemoveAgentInput', { fields: (t) => ({ id: t.id({ required: true }) }) });

/** GraphQL nulls mean "not given" here: none of these can be cleared. */
const given = <T extends Record<string, unknown>>(input: T) =>
  Object.fromEntries(Object.entries(input).map(([key, value]) => [key, value ?? undefined])) as {
    [K in keyof T]: Exclude<T[K], null>;
  };

/** Re-loads an agent (the user's membership of the account) with the caller's selection. */
const reloadAgent = (context: Context, query: object, accountId: number, userId: number) =>
  context.db.accountUser.findUniqueOrThrow({ ...query, where: { accountId_userId: { accountId, userId } } });

builder.mutationField('createAgent', (t) =>
  t.prismaField({
    type: AgentType,
    authScopes: { user: true },
    description: 'Adds an agent or administrator to the account (administrators).',
    errors: {},
    args: { input: t.arg({ type: CreateAgentInput, required: true }) },
    resolve: async (query, _root, { input: { accountId, ...input } }, context) => {
      const actor = await actorForAccount(context, accountId);
      const user = await context.services.agents.create(actor, given(input));
      return reloadAgent(context, query, actor.accountId, user.id);
    },
  }),
);

builder.mutationField('updateAgent', (t) =>
  t.prismaField({
    type: AgentType,
    authScopes: { user: true },
    description: 'Changes an agent\'s name, role, availability or auto-offline setting (administrators).',
    errors: {},
    args: { input: t.arg({ type: UpdateAgentInput, required: true }) },
    resolve: async (query, _root, { input: { id, ...input } }, context) => {
      const { actor, record } = await locate(context, 'Agent', id, 'id');
      await context.services.agents.update(actor, record.userId, given(input));
      return reloadAgent(context, query, actor.accountId, record.userId);
    },
  }),
);

builder.mutationField('removeAgent', (t) =>
  t.id({
    authScopes: { user: true },
    description:
      'Removes an agent from the account with their inbox and team memberships there (administrators); ' +
      'a user left without accounts is deleted. The last administrator cannot remove themselves. Returns the agent\'s id.',
    errors: {},
    args: { input: t.arg({ type: RemoveAgentInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { actor, id, record } = await locate(context, 'Agent', input.id, 'id');
      await context.services.agents.remove(actor, record.userId);
      return encodeGlobalID('Agent', id);
    },
  }),
);
