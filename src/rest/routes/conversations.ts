/**
 * Conversations (spec/API.md §3.5).
 */
import { presentConversation } from '../../domain/conversations/presenter.ts';
import { boolean, hash, idParam, integer, text, type Params } from '../params.ts';
import { ACCOUNT, type Route } from '../route.ts';
import { messageAttributes } from './messages.ts';

const optionalId = (value: unknown) => (value == null || value === '' ? undefined : (integer(value) ?? NaN));

export const conversationRoutes: Route[] = [
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/conversations`,
    wrap: 'conversation',
    bots: true,
    validation: 'exception',
    handle: async ({ actor, params, services }) => {
      const message = hash(params.message);
      const view = await services.conversations.create(actor, {
        sourceId: text(params.source_id),
        inboxId: optionalId(params.inbox_id),
        contactId: optionalId(params.contact_id),
        hmacVerified: boolean(params.hmac_verified),
        status: text(params.status),
        assigneeId: optionalId(params.assignee_id),
        teamId: optionalId(params.team_id),
        snoozedUntil: params.snoozed_until,
        additionalAttributes: hash(params.additional_attributes),
        customAttributes: hash(params.custom_attributes),
        message: message ? messageAttributes(message as Params) : undefined,
      });
      return { body: presentConversation(view) };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/conversations/:conversation_id`,
    handle: async ({ actor, params, services }) => ({
      body: presentConversation(await services.conversations.get(actor, idParam(params.conversation_id))),
    }),
  },
];
