/**
 * Conversations (spec/API.md §3.5). The adapter has resolved the path's
 * display id to the conversation's database id (`conversationIdOf`); the
 * service checks who reaches it (access/rules.ts).
 */
import { presentAgentBotSlim } from '../../domain/agent-bots/presenter.ts';
import { presentAgent } from '../../domain/agents/presenter.ts';
import {
  presentConversation,
  presentConversationCounts,
  presentTeamRecord,
  presentToggleStatus,
} from '../../domain/conversations/presenter.ts';
import { presentFoundCounts, presentSearchedConversation } from '../../domain/filters/presenter.ts';
import { inputText } from '../../domain/input-text.ts';
import { boolean, hash, integer, objectParam, optionalId, stringList, text, type Params } from '../params.ts';
import { ACCOUNT, UPDATE, conversationIdOf, type AccountRoute, type AccountRouteRequest, type Route } from '../route.ts';
import { messageAttributes } from './messages.ts';

/** An id that may be sent as null (or blank) to clear: undefined when absent. */
const nullableId = (params: Params, key: string) =>
  !(key in params) ? undefined : params[key] == null || params[key] === '' ? null : (integer(params[key]) ?? NaN);

const CONVERSATION = `${ACCOUNT}/conversations/:conversation_id`;

/** `labels[]` from a query (`labels[]=a&labels[]=b`, `labels=a`) or a JSON array. */
const labelList = (params: Params) => stringList(params.labels);

/** The list filters of `GET /conversations` and `/meta`. */
const listFilters = (params: Params) => ({
  status: params.status === '' || params.status == null ? undefined : text(params.status),
  assigneeType: params.assignee_type === '' || params.assignee_type == null ? undefined : text(params.assignee_type),
  inboxId: optionalId(params.inbox_id),
  teamId: optionalId(params.team_id),
  labels: labelList(params),
  q: params.q === '' ? undefined : text(params.q),
  sortBy: params.sort_by === '' || params.sort_by == null ? undefined : text(params.sort_by),
  conversationType: params.conversation_type === '' || params.conversation_type == null ? undefined : text(params.conversation_type),
});

/** A `POST /conversations/{id}/<action>` on the conversation, answering an empty 200 or the given body. */
const action = (
  name: string,
  handle: AccountRoute['handle'],
  options: Partial<Pick<AccountRoute, 'bots' | 'wrap'>> = {},
): AccountRoute => ({ scope: 'account', method: 'POST', path: `${CONVERSATION}/${name}`, ...options, handle });

const conversationBody = async (request: AccountRouteRequest) => ({
  body: presentConversation(await request.services.conversations.get(request.actor, conversationIdOf(request))),
});

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
      const conversation = await services.conversations.create(actor, {
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
      return { body: presentConversation(await services.conversations.get(actor, conversation.id)) };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: CONVERSATION,
    handle: conversationBody,
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/conversations`,
    handle: async ({ actor, params, services }) => {
      const filters = listFilters(params);
      const [views, counts] = await Promise.all([
        services.conversations.list(actor, filters, integer(params.page) ?? 1),
        services.conversations.counts(actor, filters),
      ]);
      return { body: { data: { meta: presentConversationCounts(counts), payload: views.map(presentConversation) } } };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/conversations/meta`,
    handle: async ({ actor, params, services }) => ({
      body: { meta: presentConversationCounts(await services.conversations.counts(actor, listFilters(params))) },
    }),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/conversations/filter`,
    handle: async ({ actor, params, services }) => {
      const { views, counts } = await services.filters.filterConversations(actor, params.payload, integer(params.page) ?? 1);
      return { body: { meta: presentFoundCounts(counts), payload: views.map(presentConversation) } };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/conversations/search`,
    handle: async ({ actor, params, services }) => {
      const q = params.q == null ? '' : inputText(params.q);
      const { conversations, counts } = await services.filters.searchConversations(actor, q, integer(params.page) ?? 1);
      return { body: { meta: presentFoundCounts(counts), payload: conversations.map(presentSearchedConversation) } };
    },
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: CONVERSATION,
    handle: async (request) => {
      await request.services.conversationDeletion.delete(request.actor, conversationIdOf(request));
      return {};
    },
  },
  {
    scope: 'account',
    method: UPDATE,
    path: CONVERSATION,
    wrap: 'conversation',
    bots: true,
    handle: async (request) => {
      const { actor, params, services } = request;
      if ('priority' in params)
        await services.conversations.updatePriority(actor, conversationIdOf(request), { priority: params.priority === '' ? null : text(params.priority) });
      return conversationBody(request);
    },
  },
  action(
    'toggle_status',
    async (request) => ({
      body: presentToggleStatus(
        await request.services.conversations.toggleStatus(request.actor, conversationIdOf(request), {
          status: request.params.status === '' ? null : text(request.params.status),
          snoozedUntil: request.params.snoozed_until === '' ? undefined : request.params.snoozed_until,
        }),
      ),
    }),
    { bots: true, wrap: 'conversation' },
  ),
  action(
    'toggle_priority',
    async (request) => {
      const { actor, params, services } = request;
      await services.conversations.updatePriority(actor, conversationIdOf(request), {
        priority: params.priority === '' || params.priority == null ? null : text(params.priority),
      });
      return {};
    },
    { bots: true, wrap: 'conversation' },
  ),
  action(
    'toggle_typing_status',
    async (request) => {
      const { actor, params, services } = request;
      await services.conversations.setTyping(actor, conversationIdOf(request), {
        typingStatus: text(params.typing_status),
        isPrivate: boolean(params.is_private),
      });
      return {};
    },
    { wrap: 'conversation' },
  ),
  action('update_last_seen', async (request) => {
    await request.services.conversations.markSeen(request.actor, conversationIdOf(request));
    return conversationBody(request);
  }),
  action('unread', async (request) => {
    await request.services.conversations.markUnread(request.actor, conversationIdOf(request));
    return conversationBody(request);
  }),
  action(
    'custom_attributes',
    async (request) => {
      const { actor, params, services } = request;
      const saved = await services.conversations.setCustomAttributes(actor, conversationIdOf(request), {
        customAttributes: objectParam(params.custom_attributes),
      });
      return { body: { custom_attributes: saved.customAttributes } };
    },
    { bots: true, wrap: 'conversation' },
  ),
  action('mute', async (request) => {
    await request.services.conversations.mute(request.actor, conversationIdOf(request));
    return {};
  }),
  action('unmute', async (request) => {
    await request.services.conversations.unmute(request.actor, conversationIdOf(request));
    return {};
  }),
  action(
    'assignments',
    async (request) => {
      const { actor, params, services } = request;
      // Chatwoot's AssignmentsController: assignee_id first (an agent bot with
      // assignee_type "AgentBot"), else team_id, else nothing (null).
      const id = conversationIdOf(request);
      if ('assignee_id' in params) {
        const assignee = nullableId(params, 'assignee_id');
        const bot = params.assignee_type === 'AgentBot';
        await services.conversations.assign(actor, id, bot ? { agentBotId: assignee } : { assigneeId: assignee });
        const { conversation } = await services.conversations.get(actor, id);
        if (bot) return { body: conversation.assigneeAgentBot ? presentAgentBotSlim(conversation.assigneeAgentBot) : null };
        return { body: conversation.assignee ? presentAgent(conversation.assignee) : null };
      }
      if ('team_id' in params) {
        await services.conversations.assign(actor, id, { teamId: nullableId(params, 'team_id') });
        const { conversation } = await services.conversations.get(actor, id);
        return { body: conversation.team ? presentTeamRecord(conversation.team) : null };
      }
      await services.conversations.get(actor, id);
      return { body: null };
    },
    { bots: true },
  ),
  {
    scope: 'account',
    method: 'GET',
    path: `${CONVERSATION}/labels`,
    handle: async (request) => ({
      body: { payload: (await request.services.conversations.get(request.actor, conversationIdOf(request))).conversation.labels },
    }),
  },
  action('labels', async (request) => {
    const saved = await request.services.conversations.setLabels(request.actor, conversationIdOf(request), {
      labels: labelList(request.params) ?? [],
    });
    return { body: { payload: saved.labels } };
  }),
];
