/**
 * Inbox: an API channel through which a business connects its own chat UI
 * (spec/API.md §2.3). Staff of the account who may see the inbox read all
 * of it, except the secrets: `hmacToken` and `webhookSecret` are null for
 * anyone but the account's administrators (as REST omits `hmac_token`). A
 * contact sees only the public face of their own inbox: name, avatar,
 * channel type and identifier; every setting is staff-only.
 */
import { prismaConnectionHelpers, queryFromInfo } from '@pothos/plugin-prisma';
import type { WorkingHoursDay } from '../../domain/inboxes/settings.ts';
import { builder } from '../builder.ts';
import { actorInAccount } from '../ids.ts';
import { AgentType, type AgentRow, connectionOfIds } from './agent.ts';

/** `sender_name_type`: friendly or professional. */
export const SenderNameTypeEnum = builder.enumType('InboxSenderNameType', {
  description: 'How agents are named to contacts: by their own name, or by the business name.',
  values: { FRIENDLY: { value: 'friendly' }, PROFESSIONAL: { value: 'professional' } } as const,
});

export const WorkingHoursDayType = builder.objectRef<WorkingHoursDay>('WorkingHoursDay').implement({
  description: 'One day of the inbox\'s schedule (day 0 is Sunday).',
  fields: (t) => ({
    dayOfWeek: t.exposeInt('day_of_week'),
    closedAllDay: t.exposeBoolean('closed_all_day'),
    openAllDay: t.exposeBoolean('open_all_day'),
    openHour: t.exposeInt('open_hour', { nullable: true }),
    openMinutes: t.exposeInt('open_minutes', { nullable: true }),
    closeHour: t.exposeInt('close_hour', { nullable: true }),
    closeMinutes: t.exposeInt('close_minutes', { nullable: true }),
  }),
});

const memberAgents = prismaConnectionHelpers(builder, 'InboxMember', {
  cursor: 'id',
  select: (nodeSelection) => {
    const selection = nodeSelection({}) as { select?: Record<string, unknown> };
    // The resolver matches memberships by account, and Prisma refuses an empty `select`.
    const accountUsers = selection.select ? { ...selection, select: { ...selection.select, accountId: true } } : selection;
    return { user: { select: { accountUsers } } };
  },
  query: { orderBy: { id: 'asc' } },
});

const staff = { staff: true } as const;
const adminSecret = (inbox: { accountId: number }, context: { access: { isAdministratorOf(id: number): Promise<boolean> } }) =>
  context.access.isAdministratorOf(inbox.accountId);

/** Inbox nodes; visible to who may see the inbox (spec/API.md §1.2), settings to staff only. */
export const InboxType = builder.prismaNode('Inbox', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (inbox, context) => context.access.canSeeInbox(inbox.accountId, inbox.id),
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST API.' }),
    name: t.exposeString('name'),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    channelType: t.exposeString('channelType'),
    inboxIdentifier: t.string({
      description: 'The identifier customer-facing clients use in the Client API.',
      select: { channel: { select: { identifier: true } } },
      resolve: (inbox) => inbox.channel.identifier,
    }),
    webhookUrl: t.string({
      nullable: true,
      authScopes: staff,
      description: 'Receives every event of the inbox\'s conversations, unfiltered.',
      select: { channel: { select: { webhookUrl: true } } },
      resolve: (inbox) => inbox.channel.webhookUrl,
    }),
    hmacMandatory: t.boolean({
      authScopes: staff,
      description: 'Whether Client API sessions must prove the contact\'s identity with an HMAC.',
      select: { channel: { select: { hmacMandatory: true } } },
      resolve: (inbox) => inbox.channel.hmacMandatory,
    }),
    hmacToken: t.string({
      nullable: true,
      description: 'Key of the identity-validation HMAC; null unless the caller administers the account.',
      select: { channel: { select: { hmacToken: true } } },
      resolve: async (inbox, _args, context) => ((await adminSecret(inbox, context)) ? inbox.channel.hmacToken : null),
    }),
    webhookSecret: t.string({
      nullable: true,
      description: 'Key that signs deliveries to webhookUrl; null unless the caller administers the account.',
      select: { channel: { select: { secret: true } } },
      resolve: async (inbox, _args, context) => ((await adminSecret(inbox, context)) ? inbox.channel.secret : null),
    }),
    additionalAttributes: t.field({
      type: 'JSONObject',
      authScopes: staff,
      description: 'The API channel\'s additional attributes (e.g. agent_reply_time_window).',
      select: { channel: { select: { additionalAttributes: true } } },
      resolve: (inbox) => inbox.channel.additionalAttributes,
    }),
    greetingEnabled: t.exposeBoolean('greetingEnabled', { authScopes: staff }),
    greetingMessage: t.exposeString('greetingMessage', { nullable: true, authScopes: staff }),
    enableEmailCollect: t.exposeBoolean('enableEmailCollect', { authScopes: staff }),
    csatSurveyEnabled: t.exposeBoolean('csatSurveyEnabled', { authScopes: staff }),
    csatConfig: t.expose('csatConfig', { type: 'JSONObject', authScopes: staff }),
    enableAutoAssignment: t.exposeBoolean('enableAutoAssignment', { authScopes: staff }),
    autoAssignmentConfig: t.expose('autoAssignmentConfig', { type: 'JSONObject', authScopes: staff }),
    workingHoursEnabled: t.exposeBoolean('workingHoursEnabled', { authScopes: staff }),
    workingHours: t.field({
      type: [WorkingHoursDayType],
      authScopes: staff,
      resolve: (inbox) => (Array.isArray(inbox.workingHours) ? (inbox.workingHours as unknown as WorkingHoursDay[]) : []),
    }),
    outOfOfficeMessage: t.exposeString('outOfOfficeMessage', { nullable: true, authScopes: staff }),
    timezone: t.exposeString('timezone', { authScopes: staff }),
    allowMessagesAfterResolved: t.exposeBoolean('allowMessagesAfterResolved', { authScopes: staff }),
    lockToSingleConversation: t.exposeBoolean('lockToSingleConversation', { authScopes: staff }),
    senderNameType: t.expose('senderNameType', { type: SenderNameTypeEnum, authScopes: staff }),
    businessName: t.exposeString('businessName', { nullable: true, authScopes: staff }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', authScopes: staff }),
    agentBot: t.prismaField({
      type: 'AgentBot',
      nullable: true,
      authScopes: staff,
      description: 'The agent bot connected to the inbox, if any.',
      select: (_args, _context, nested) => ({ agentBotInbox: { select: { agentBot: nested() } } }),
      resolve: (_query, inbox) => inbox.agentBotInbox?.agentBot ?? null,
    }),
    members: t.connection(
      {
        type: AgentType,
        authScopes: staff,
        description: 'The agents who are members of the inbox, in the order they were added.',
        select: (args, context, nested) => ({
          members: memberAgents.getQuery(args, context, nested),
          _count: { select: { members: true } },
        }),
        resolve: (inbox, args, context) => {
          // A member's user is loaded with all their memberships; the node is the one of this account.
          const members = inbox.members.flatMap((member) => {
            const agent = member.user.accountUsers.find((m) => m.accountId === inbox.accountId);
            return agent ? [{ ...member, user: { ...member.user, accountUsers: [agent] } }] : [];
          });
          const connection = memberAgents.resolve(members, args, context);
          return {
            ...connection,
            // The Agent selection includes each membership's user (the type's `include`).
            edges: connection.edges.map((edge) => ({ ...edge, node: edge.node.user.accountUsers[0] as AgentRow })),
            totalCount: inbox._count.members,
          };
        },
      },
      {
        name: 'InboxMembersConnection',
        fields: (c) => ({
          totalCount: c.int({ description: 'How many members the inbox has.', resolve: (connection) => connection.totalCount }),
        }),
      },
    ),
  }),
});

builder.prismaObjectField('Account', 'inboxes', (t) =>
  t.connection(
    {
      type: InboxType,
      authScopes: staff,
      description: 'The inboxes the caller may see (an agent: those they are a member of), ordered by lower(name).',
      resolve: async (account, args, context, info) => {
        const actor = await actorInAccount(context, account.id);
        const ids = await context.services.inboxes.visibleIds(actor);
        const query = queryFromInfo({ context, info, typeName: 'Inbox', path: ['edges', 'node'] });
        return connectionOfIds(args, ids, (page) => context.db.inbox.findMany({ ...query, where: { id: { in: page } } }));
      },
    },
    {
      name: 'AccountInboxesConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many inboxes the caller may see, over all pages.',
          resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
  ),
);
