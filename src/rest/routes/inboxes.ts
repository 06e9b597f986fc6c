/**
 * Inboxes and inbox members (spec/API.md §3.1–3.2).
 */
import { presentAgent } from '../../domain/agents/presenter.ts';
import { presentAgentBot } from '../../domain/agent-bots/presenter.ts';
import { presentInbox } from '../../domain/inboxes/presenter.ts';
import { isAdministrator } from '../../domain/actor.ts';
import { boolean, defined, hash, idParam, integer, text, type Params } from '../params.ts';
import { ACCOUNT, UPDATE, type Route } from '../route.ts';

const channelOf = (params: Params) => hash(params.channel) ?? {};

/** Chatwoot's inboxes controller turns the string "null" into null before saving. */
const nullable = (value: unknown) => (value === 'null' ? null : value);

/** `user_ids` as one id or a list of them. */
const userIdsOf = (params: Params): unknown[] =>
  Array.isArray(params.user_ids) ? params.user_ids : [params.user_ids].filter((v) => v != null);

/** One day of `working_hours` (snake_case) in the service's shape; unknown shapes are left for validation. */
const workingHoursDay = (value: unknown) => {
  const day = hash(value);
  if (!day) return value;
  const number = (v: unknown) => (v === null ? null : (integer(v) ?? v));
  return defined({
    dayOfWeek: number(day.day_of_week),
    closedAllDay: boolean(day.closed_all_day),
    openAllDay: boolean(day.open_all_day),
    openHour: number(day.open_hour),
    openMinutes: number(day.open_minutes),
    closeHour: number(day.close_hour),
    closeMinutes: number(day.close_minutes),
  });
};

/** The root attributes and API-channel settings common to create and update. */
const inboxSettings = (params: Params) => {
  const channel = channelOf(params);
  const p = (key: string) => nullable(params[key]);
  return {
    name: text(p('name')),
    webhookUrl: text(nullable(channel.webhook_url)),
    hmacMandatory: boolean(channel.hmac_mandatory),
    additionalAttributes: hash(channel.additional_attributes),
    greetingEnabled: boolean(p('greeting_enabled')),
    greetingMessage: text(p('greeting_message')),
    enableEmailCollect: boolean(p('enable_email_collect')),
    csatSurveyEnabled: boolean(p('csat_survey_enabled')),
    csatConfig: hash(params.csat_config),
    enableAutoAssignment: boolean(p('enable_auto_assignment')),
    autoAssignmentConfig: hash(params.auto_assignment_config),
    workingHoursEnabled: boolean(p('working_hours_enabled')),
    outOfOfficeMessage: text(p('out_of_office_message')),
    timezone: text(p('timezone')),
    allowMessagesAfterResolved: boolean(p('allow_messages_after_resolved')),
    lockToSingleConversation: boolean(p('lock_to_single_conversation')),
    senderNameType: text(p('sender_name_type')),
    businessName: text(p('business_name')),
  };
};

export const inboxRoutes: Route[] = [
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/inboxes`,
    handle: async ({ actor, services }) => {
      const admin = isAdministrator(actor);
      return { body: { payload: (await services.inboxes.list(actor)).map((inbox) => presentInbox(inbox, admin)) } };
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/inboxes`,
    wrap: 'inbox',
    handle: async ({ actor, params, services }) => {
      const inbox = await services.inboxes.create(actor, inboxSettings(params));
      return { body: presentInbox(inbox, isAdministrator(actor)) };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/inboxes/:inbox_id`,
    handle: async ({ actor, params, services }) => ({
      body: presentInbox(await services.inboxes.get(actor, idParam(params.inbox_id)), isAdministrator(actor)),
    }),
  },
  {
    scope: 'account',
    method: UPDATE,
    path: `${ACCOUNT}/inboxes/:inbox_id`,
    wrap: 'inbox',
    handle: async ({ actor, params, services }) => {
      const workingHours = Array.isArray(params.working_hours) ? params.working_hours.map(workingHoursDay) : params.working_hours;
      const inbox = await services.inboxes.update(
        actor,
        idParam(params.inbox_id),
        defined({ ...inboxSettings(params), workingHours }),
      );
      return { body: presentInbox(inbox, isAdministrator(actor)) };
    },
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: `${ACCOUNT}/inboxes/:inbox_id`,
    handle: async ({ actor, params, services }) => {
      await services.inboxes.delete(actor, idParam(params.inbox_id));
      return { body: { message: 'Your inbox deletion request will be processed in some time.' } };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/inboxes/:inbox_id/agent_bot`,
    handle: async ({ actor, params, services }) => {
      const bot = await services.inboxes.agentBot(actor, idParam(params.inbox_id));
      return { body: bot ? { agent_bot: presentAgentBot(bot) } : {} };
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/inboxes/:inbox_id/set_agent_bot`,
    handle: async ({ actor, params, services }) => {
      const raw = params.agent_bot;
      const botId = raw === null || raw === undefined || raw === '' ? null : idParam(raw);
      await services.inboxes.setAgentBot(actor, idParam(params.inbox_id), botId);
      return {};
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/inboxes/:inbox_id/assignable_agents`,
    handle: async ({ actor, params, services }) => ({
      body: { payload: (await services.inboxes.assignableAgents(actor, idParam(params.inbox_id))).map(presentAgent) },
    }),
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/inbox_members/:inbox_id`,
    handle: async ({ actor, params, services }) => ({
      body: { payload: (await services.inboxes.members(actor, idParam(params.inbox_id))).map(presentAgent) },
    }),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/inbox_members`,
    wrap: 'inbox_member',
    handle: async ({ actor, params, services }) => {
      const members = await services.inboxes.addMembers(actor, idParam(params.inbox_id), userIdsOf(params));
      return { body: { payload: members.map(presentAgent) } };
    },
  },
  {
    scope: 'account',
    method: UPDATE,
    path: `${ACCOUNT}/inbox_members`,
    wrap: 'inbox_member',
    handle: async ({ actor, params, services }) => {
      const members = await services.inboxes.setMembers(actor, idParam(params.inbox_id), userIdsOf(params));
      return { body: { payload: members.map(presentAgent) } };
    },
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: `${ACCOUNT}/inbox_members`,
    wrap: 'inbox_member',
    handle: async ({ actor, params, services }) => {
      await services.inboxes.removeMembers(actor, idParam(params.inbox_id), userIdsOf(params));
      return {};
    },
  },
];
