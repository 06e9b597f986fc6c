/**
 * Inboxes and inbox members (spec/API.md §3.1–3.2).
 */
import { presentAgent } from '../../domain/agents/presenter.ts';
import { presentInbox } from '../../domain/inboxes/presenter.ts';
import { isAdministrator } from '../../domain/actor.ts';
import { boolean, hash, idParam, text, type Params } from '../params.ts';
import { ACCOUNT, type Route } from '../route.ts';

const channelOf = (params: Params) => hash(params.channel) ?? {};

export const inboxRoutes: Route[] = [
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/inboxes`,
    wrap: 'inbox',
    handle: async ({ actor, params, services }) => {
      const channel = channelOf(params);
      const inbox = await services.inboxes.create(actor, {
        name: text(params.name),
        webhookUrl: text(channel.webhook_url),
        hmacMandatory: boolean(channel.hmac_mandatory),
        additionalAttributes: hash(channel.additional_attributes),
        greetingEnabled: boolean(params.greeting_enabled),
        greetingMessage: text(params.greeting_message),
        enableEmailCollect: boolean(params.enable_email_collect),
        csatSurveyEnabled: boolean(params.csat_survey_enabled),
        enableAutoAssignment: boolean(params.enable_auto_assignment),
        workingHoursEnabled: boolean(params.working_hours_enabled),
        outOfOfficeMessage: text(params.out_of_office_message),
        timezone: text(params.timezone),
        allowMessagesAfterResolved: boolean(params.allow_messages_after_resolved),
        lockToSingleConversation: boolean(params.lock_to_single_conversation),
        senderNameType: text(params.sender_name_type),
        businessName: text(params.business_name),
      });
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
      const userIds = Array.isArray(params.user_ids) ? params.user_ids : [params.user_ids].filter((v) => v != null);
      const members = await services.inboxes.addMembers(actor, idParam(params.inbox_id), userIds);
      return { body: { payload: members.map(presentAgent) } };
    },
  },
];
